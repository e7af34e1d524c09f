/* Positioned nodes: a document's YAML as written, with the byte offsets,
 * columns and styles that a text edit needs (inject.c). */
#ifndef CMFV_PTREE_H
#define CMFV_PTREE_H

#include <stddef.h>

enum { PN_SCALAR, PN_SEQ, PN_MAP, PN_ALIAS };

/* A node of the document as written: byte offsets into the piece. */
struct pn {
	int type;
	int flow;	 /* flow collection */
	int style;	 /* scalars: yaml_scalar_style_t */
	int anchor;	 /* has an anchor: aliases may share it */
	int tag;	 /* has a tag: its start is the tag's */
	size_t start;	 /* first byte (a block list: its first dash) */
	size_t end;	 /* after the last byte (flow: after the bracket) */
	size_t cend;	 /* collections: after their last item's last byte */
	size_t col;	 /* column of start, in characters */
	size_t line;	 /* line of start, 0-based in the piece */
	char *val;	 /* scalars */
	struct pn **kid; /* maps: key, value, key, value, ... */
	size_t n, cap;
};

void pn_free(struct pn *n);
/* Build the tree of \p t; NULL with *oom clear when it is not one YAML document. */
struct pn *pn_build(const char *t, size_t len, int *oom);
int pn_safe(const struct pn *n);
size_t pn_col(const struct pn *m);
int pn_get(const struct pn *m, const char *key, struct pn **k, struct pn **v);
int pn_is_null(const struct pn *v);

#endif
