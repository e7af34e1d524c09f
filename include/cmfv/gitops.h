/* GitOps inputs: an Argo CD Application or a Flux HelmRelease turned into
 * the values Helm will see, exactly as Argo CD's repo-server and Flux's
 * helm-controller compute them (docs/gitops.md; the source lines they follow
 * are cited next to each step in argocd.c and flux.c).
 *
 * Every value keeps a location in the file that set it: the Application,
 * an .argocd-source*.yaml override, a value file, the HelmRelease, or the
 * ConfigMap/Secret document a Flux valuesFrom names. */
#ifndef CMFV_GITOPS_H
#define CMFV_GITOPS_H

/** Most Application sources or HelmReleases checked from one file: 100
 * (each is a release of its own; 400 took 5 s). More is exit 2. */
#define CMFV_GITOPS_MAX_PLANS 100

#include <stddef.h>

#include "cmfv/node.h"
#include "cmfv/source.h"
#include "cmfv/values.h"

/** What one rendering source of an Application or HelmRelease asks Helm
 * for, ready for cmfv_values_build (through cmfv_plan_values_input). */
struct cmfv_plan {
	char *app;	     /**< metadata.name of the Application/HelmRelease */
	char *release;	     /**< Helm release name */
	char *namespace;     /**< namespace CMF runs in (see argocd.c, flux.c) */
	char *chart_dir;     /**< chart folder; NULL when the chart comes from a repository */
	char *chart_repo;    /**< chart repository URL (chart: sources) */
	char *chart_name;    /**< chart name in that repository */
	char *chart_version; /**< targetRevision / version; may be NULL */
	char **files;	     /**< value files, resolved, in Helm's order */
	size_t nfiles;
	struct cmfv_node *extra;    /**< Argo CD values/valuesObject: merged after the files */
	struct cmfv_set_flag *sets; /**< parameters (--set, --set-string, --set-file) */
	size_t nsets;
	struct cmfv_loc *set_locs; /**< where each set was written (the Application) */
	char **owned;		   /**< strings the sets point at */
	size_t nowned;
	struct cmfv_node *user; /**< Flux: the user values, already merged (replaces
				     files/extra/sets); NULL for Argo CD */
	char **default_files;	/**< Flux chart.spec.valuesFiles: replace values.yaml */
	size_t ndefault_files;
	int has_postrenderer;		 /**< Flux: spec.postRenderers present */
	struct cmfv_node *postrenderers; /**< Flux: a copy of spec.postRenderers, or NULL */
	struct cmfv_loc loc;		 /**< the document (kind:) in its file */
};

struct cmfv_argocd_opts {
	const char *repo_root;	 /**< the Git checkout; NULL = "." */
	const char *const *refs; /**< "NAME=DIR" for $NAME/... value files */
	size_t nrefs;
	const char *chart;	    /**< chart folder for chart: sources, or NULL */
	const char *const *schemes; /**< URL schemes Argo CD allows (helm.valuesFileSchemes);
					 NULL = https, http */
	size_t nschemes;
	int helm_major;		   /**< how the values temp file is read (0 = 4) */
	const char *controller_ns; /**< namespace Argo CD runs in; NULL = "argocd". An
					Application in another namespace is known to the
					repo-server as NS_NAME (Application.InstanceName) */
};

/** The plans of every Application in \p app (a stream of documents; other
 * kinds are skipped; no Application is CMFV_EINPUT). One plan per source
 * that renders with Helm. Files the plans read (overrides, the values
 * string) are registered in \p src. \p *out caller-owned (cmfv_plans_free). */
enum cmfv_err cmfv_argocd_plans(const struct cmfv_source *app, const struct cmfv_argocd_opts *o,
				struct cmfv_sources *src, struct cmfv_plan **out, size_t *nout,
				struct cmfv_diag *d);

/** Most spec.valuesFrom entries read (each targetPath re-merges all values). */
#define CMFV_MAX_VALUES_FROM 256

/** Objects valuesFrom may name: every ConfigMap and Secret found in the
 * given sources (manifest streams, Lists). */
struct cmfv_flux_objects {
	const struct cmfv_source *const *files;
	size_t nfiles;
};

/** The plans of every HelmRelease (helm.toolkit.fluxcd.io) in \p hr.
 * \p chart is the chart folder (NULL: chart.spec.chart when it is a local
 * path under \p repo_root). The user values are merged as
 * fluxcd/pkg chartutil.ChartValuesFromReferences does, its targetPath
 * behaviour included (flux.c). */
enum cmfv_err cmfv_flux_plans(const struct cmfv_source *hr, const char *repo_root,
			      const char *chart, const struct cmfv_flux_objects *objs,
			      int helm_major, struct cmfv_sources *src, struct cmfv_plan **out,
			      size_t *nout, struct cmfv_diag *d);

/** Build the merged values of \p p over its chart (chart_dir set by then). */
enum cmfv_err cmfv_plan_values(const struct cmfv_plan *p, int helm_major, struct cmfv_sources *src,
			       struct cmfv_node **out, struct cmfv_diag *d);

void cmfv_plans_free(struct cmfv_plan *p, size_t n);

/** Go's os.Expand with Argo CD's mapping ($$ is $; unknown names are "").
 * \p names / \p vals are \p n pairs. Returns a new string or NULL (no memory). */
char *cmfv_argocd_envsubst(const char *s, const char *const *names, const char *const *vals,
			   size_t n);

/** RFC 7386 JSON merge patch of \p patch (borrowed) into \p target (changed). */
enum cmfv_err cmfv_merge_patch(struct cmfv_node *target, const struct cmfv_node *patch);

/** Re-point every location in \p n to \p file, shifting lines and columns
 * (a document parsed out of a block scalar of another file). */
void cmfv_node_relocate(struct cmfv_node *n, const char *file, unsigned dline, unsigned dcol);

struct cmfv_inject_opts;
struct cmfv_report;
struct cmfv_buf;

/** The HelmRelease spec.postRenderers block that adds the key volume and
 * mount exactly as post-render does: a Kustomize strategic-merge patch with
 * a target selecting the CMF Deployment (by --deployment's name, else by
 * the CMF name label). \p io as for cmfv_inject_doc (secret and property
 * set). Appends YAML text to \p out. */
enum cmfv_err cmfv_flux_patch(const struct cmfv_inject_opts *io, struct cmfv_buf *out);

/** What spec.postRenderers leave of the key mount in the CMF Deployment. */
enum cmfv_pr_verdict {
	CMFV_PR_MOUNTED,     /**< every possible outcome mounts the key as post-render would */
	CMFV_PR_NOT_MOUNTED, /**< the result does not (or a patch deletes the Deployment) */
	CMFV_PR_UNKNOWN,     /**< a patch form we cannot evaluate exactly: never a pass */
};

/** Apply every Kustomize patch of \p prs (spec.postRenderers; NULL = none),
 * in order, as helm-controller does, to a model of the CMF Deployment, and
 * judge the result with cmfv_inject's check (kpatch.c). \p *at and \p why
 * (a sentence, no key material) say which patch and why when not mounted.
 * Returns CMFV_OK or CMFV_ENOMEM. */
enum cmfv_err cmfv_flux_postrender_eval(const struct cmfv_node *prs,
					const struct cmfv_inject_opts *io, enum cmfv_pr_verdict *v,
					struct cmfv_loc *at, char *why, size_t whylen);

/** CMF034: a HelmRelease whose values require encryption must carry a
 * post-renderer patch that mounts the key as cmfv_flux_patch does (same
 * volume, Secret, property, file, mount path, container). */
enum cmfv_err cmfv_flux_check_postrender(const struct cmfv_plan *p,
					 const struct cmfv_inject_opts *io, struct cmfv_report *r);

#endif
