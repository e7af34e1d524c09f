/* Private to flux.c and flux_merge.c: the model of Go's map sharing in
 * fluxcd/pkg chartutil (see flux_merge.c). */
#ifndef CMFV_FLUX_INT_H
#define CMFV_FLUX_INT_H

#include "gitops_int.h"

#include "cmfv/buf.h"

/* A path of map keys and list indices, encoded so that a path is a string
 * prefix of another exactly when it is an ancestor: "<len>:<key>" per key,
 * "#<index>;" per index. */
struct pathset {
	char **v;
	size_t n;
};

void flux_pathset_free(struct pathset *s);
/** out = MergeMaps(a, b); \p a_sh: where a shares with the inline values;
 * \p out_sh: where out does. b is the inline values when \p b_inline. */
enum cmfv_err flux_go_merge(const struct cmfv_node *a, const struct pathset *a_sh,
			    const struct cmfv_node *b, int b_inline, struct cmfv_node **out,
			    struct pathset *out_sh);
/** The path the --set argument \p f writes, encoded into \p enc. */
enum cmfv_err flux_target_path(const struct cmfv_set_flag *f, struct cmfv_sources *src,
			       struct cmfv_buf *enc, struct cmfv_diag *d);
/** The node at encoded path \p p (\p n bytes) under \p root, or NULL;
 * \p *pair the map entry holding it, when one does. */
struct cmfv_node *flux_at_path(struct cmfv_node *root, const char *p, size_t n,
			       struct cmfv_pair **pair);
/** After a targetPath write at encoded \p t: copy it into the inline values
 * where they share a map with the result, and update \p sh. */
enum cmfv_err flux_propagate(struct cmfv_node *result, struct cmfv_node *inl, struct pathset *sh,
			     const char *t, size_t tn, size_t *oldlen);

#endif
