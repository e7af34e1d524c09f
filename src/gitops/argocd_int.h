/* Private to argocd.c and argocd_files.c: the state of one Application
 * being planned, and the value-file resolution argocd_files.c does
 * (getResolvedValueFiles, util/io/path/resolved.go). */
#ifndef CMFV_ARGOCD_INT_H
#define CMFV_ARGOCD_INT_H

#include <limits.h>

#include "gitops_int.h"

#define NENV 9

struct app_ctx {
	const struct cmfv_argocd_opts *o;
	const struct cmfv_source *file;
	struct cmfv_sources *src;
	const struct cmfv_node *doc;
	const struct cmfv_node *sources; /* a sequence of the sources */
	int multi;			 /* spec.sources, not spec.source */
	const char *env_names[NENV];
	const char *env_vals[NENV];
	char root[PATH_MAX]; /* realpath of the repository root */
	char inst[512];	     /* the instance name: NAME or NS_NAME */
	struct cmfv_plan *plans;
	size_t nplans;
	struct cmfv_diag *d;
};
/** Go's filepath.Clean on an absolute path, in place. */
void argocd_path_clean(char *p);
/** \p in with symlinks resolved as far as it exists, into \p out (PATH_MAX). */
void argocd_delink(const char *in, char *out);
/** Is \p path strictly under \p root? */
int argocd_inside(const char *path, const char *root);
/** A value or file-parameter path (relative, /root, $ref/...) resolved as
 * Argo CD does into \p out (PATH_MAX). */
enum cmfv_err argocd_resolve_any(struct app_ctx *c, const char *app, const char *root,
				 const char *raw, const char *repo, struct cmfv_loc at, char *out);
/** Which of \p n keys (NULL: none) to keep: the last (\p last) or the first
 * occurrence of each; a caller-freed flag array, NULL out of memory. */
unsigned char *argocd_occurrences(const char *const *keys, size_t n, int last);
/** helm.valueFiles of \p helm into \p p->files, in Helm's order. */
enum cmfv_err argocd_value_files(struct app_ctx *c, struct cmfv_plan *p, const char *app,
				 const char *root, const struct cmfv_node *helm, const char *repo);

#endif
