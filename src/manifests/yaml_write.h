/* Writing tree values as YAML text in a document's own style (block or
 * flow, its indentation and line breaks), for the text edits of inject.c. */
#ifndef CMFV_YAML_WRITE_H
#define CMFV_YAML_WRITE_H

#include <stddef.h>

#include "cmfv/buf.h"
#include "cmfv/node.h"

struct yw_out {
	struct cmfv_buf *b;
	const char *nl; /* "\n" or "\r\n" */
	size_t ind;	/* mapping indentation */
	size_t si;	/* a block list's dashes, right of its key */
};

void yw_spaces(struct cmfv_buf *b, size_t n);
void yw_scalar(struct cmfv_buf *b, const struct cmfv_node *n, int flow);
void yw_key_text(struct cmfv_buf *b, const char *k, int flow);
void yw_flow(struct cmfv_buf *b, const struct cmfv_node *n);
void yw_block_seq(struct yw_out *w, const struct cmfv_node *s, size_t col);
void yw_block_pair(struct yw_out *w, const char *key, const struct cmfv_node *v, size_t col);
void yw_block_map(struct yw_out *w, const struct cmfv_node *m, size_t col, int first_inline);

#endif
