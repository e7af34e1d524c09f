/* Helpers shared by gitops.c, argocd.c and flux.c (not public). */
#ifndef CMFV_GITOPS_INT_H
#define CMFV_GITOPS_INT_H

#include "cmfv/gitops.h"

/** Append \p s (consumed, also on failure) to a string vector; -1 = no memory. */
int gitops_push_str(char ***v, size_t *n, char *s);
/** Append a --set* flag whose argument \p arg (consumed) the plan keeps. */
int gitops_push_set(struct cmfv_plan *p, enum cmfv_set_kind k, char *arg, struct cmfv_loc at);
/** The string at dotted \p path, or NULL when absent or not a string. */
const char *gitops_str(const struct cmfv_node *map, const char *path);
/** Parse the string node \p str of \p file as a values file (Helm's rules),
 * with locations pointing back into \p file. \p what names it in messages. */
enum cmfv_err gitops_parse_embedded(const struct cmfv_source *file, const struct cmfv_node *str,
				    const char *what, int helm_major, struct cmfv_sources *src,
				    struct cmfv_node **out, struct cmfv_diag *d);

#endif
