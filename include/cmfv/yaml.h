/* YAML (and JSON, which is YAML here) to a value tree, the way Helm reads
 * values: go-yaml v2's YAML 1.1 resolution, anchors, aliases and '<<' merge
 * keys, keys turned into strings, numbers into float64. Every node records
 * its file, line and column (1-based, in characters as libyaml counts). */
#ifndef CMFV_YAML_H
#define CMFV_YAML_H

#include <stddef.h>

#include "cmfv/node.h"

struct cmfv_yaml_opts {
	unsigned max_depth;       /**< nesting limit; 0 = default (1000) */
	size_t max_nodes;         /**< nodes per document incl. alias copies; 0 = default */
	unsigned line_offset;     /**< added to every line (documents cut from a stream) */
};

/** Load the first document of \p text. A stream with no document (empty,
 * comments only) gives \p *out == NULL and CMFV_OK. On success \p *out is
 * caller-owned; on failure it is untouched and \p d says what and where
 * (CMFV_EINPUT, CMFV_ENOMEM). \p file is borrowed into node locations and
 * must outlive the tree. \p opts may be NULL. */
enum cmfv_err cmfv_yaml_load(const char *text, size_t len, const char *file,
			     const struct cmfv_yaml_opts *opts, struct cmfv_node **out,
			     struct cmfv_diag *d);

/** Called once per document with its root (consumed: the callback owns it;
 * NULL for an empty document). Return CMFV_OK to go on. */
typedef enum cmfv_err (*cmfv_yaml_doc_fn)(void *ctx, struct cmfv_node *doc, struct cmfv_diag *d);

/** Load every document of a stream, in order. */
enum cmfv_err cmfv_yaml_load_all(const char *text, size_t len, const char *file,
				 const struct cmfv_yaml_opts *opts, cmfv_yaml_doc_fn fn,
				 void *ctx, struct cmfv_diag *d);

#endif
