/* Charts loaded as Helm loads them (a directory or a .tgz, charts/ folders
 * and archives, .helmignore, Chart.yaml and its dependencies), and the
 * values every chart of the tree sees, as `helm install/template` computes
 * them: ProcessDependencies (alias, condition, tags, import-values), then
 * CoalesceValues with globals flowing down. */
#ifndef CMFV_CHART_H
#define CMFV_CHART_H

#include <stddef.h>

#include "cmfv/node.h"

/** Most subcharts in one chart's charts/ folder: 1000 (matching them is
 * quadratic; 12,000 took 35 s). More is exit 2. */
#define CMFV_CHART_MAX_SUBCHARTS 1000
#include "cmfv/source.h"

/** The name of the CMF chart in its Chart.yaml. */
#define CMFV_CMF_CHART_NAME "confluent-manager-for-apache-flink"

/** One entry of Chart.yaml's `dependencies`. */
struct cmfv_chart_dep {
	char *name;	 /**< the alias once dependencies are processed */
	char *version;	 /**< a semver range, "" when not given */
	char *alias;	 /**< "" when not given */
	char *condition; /**< "" when not given */
	char **tags;
	size_t ntags;
	struct cmfv_node *import_values; /**< a sequence, or NULL */
	int enabled;
	int null_node; /**< a null entry in the list (Helm refuses it) */
};

struct cmfv_chart {
	char *name;	  /**< Chart.yaml name; the alias once dependencies are processed */
	char *chart_name; /**< Chart.yaml name, always */
	char *version;
	char *type;		  /**< "", "application" or "library" */
	char *kube_version;	  /**< Chart.yaml kubeVersion, "" when not given */
	int null_maintainer;	  /**< a null entry in maintainers (Helm refuses it) */
	char *where;		  /**< for messages: the directory or archive it came from */
	struct cmfv_node *values; /**< the chart's values.yaml (a map, maybe empty) */
	int has_schema;		  /**< values.schema.json is there (it is not evaluated) */
	int has_deps;		  /**< Chart.yaml lists dependencies (even an empty list) */
	struct cmfv_chart_dep *deps;
	size_t ndeps;
	struct cmfv_chart **subs; /**< the subcharts from charts/ */
	size_t nsubs;
	struct cmfv_sources *budget; /**< the run's node budget, which Helm's copies of
					  values (globals, aliases, import-values) take from
					  (cmfv_chart_load sets it; NULL: none) */
};

/** Load the chart at \p path (a directory or a .tgz) with every subchart.
 * Files are registered in \p src so that locations can name them. A chart
 * Helm refuses to install (no Chart.yaml, a bad name or version, a library
 * chart, a dependency missing from charts/, a broken archive) is
 * CMFV_EINPUT with Helm's reason; CMFV_ENOENT when \p path is missing.
 * \p helm_major (3 or 4) decides how values.yaml files are read. */
enum cmfv_err cmfv_chart_load(const char *path, int helm_major, struct cmfv_sources *src,
			      struct cmfv_chart **out, struct cmfv_diag *d);

void cmfv_chart_free(struct cmfv_chart *c);
/** Free what one dependency entry owns (not the entry). */
void cmfv_chart_dep_free(struct cmfv_chart_dep *dp);

/** ProcessDependencies then CoalesceValues: the root chart's .Values for
 * the user's values \p user (consumed). \p c is changed as Helm changes it:
 * aliases applied, disabled subcharts removed, imported values added.
 * Errors: CMFV_EINPUT (Helm's "type mismatch on ..."), CMFV_ENOMEM. */
enum cmfv_err cmfv_chart_values(struct cmfv_chart *c, struct cmfv_node *user, int helm_major,
				struct cmfv_node **out, struct cmfv_diag *d);

/** The check `helm template` makes before it renders: the root chart's
 * kubeVersion must admit \p kube_version (--kube-version; NULL: Helm's
 * default for \p helm_major; "": no check). CMFV_EINPUT with Helm's words when not, or
 * when \p kube_version is not a version. */
enum cmfv_err cmfv_chart_kube_check(const struct cmfv_chart *c, const char *kube_version,
				    int helm_major, struct cmfv_diag *d);

/** The subchart at dotted \p path ("a" or "a.b", names after aliasing;
 * a name may hold dots itself) of a processed tree; NULL when there is none
 * (or it was disabled). */
const struct cmfv_chart *cmfv_chart_sub(const struct cmfv_chart *root, const char *path);

/** The table at dotted \p path of \p values (the root's .Values), borrowed;
 * NULL when \p path names no map. It is what the templates of the chart at
 * \p path see as .Values: Helm's engine gives a subchart Values.Table(name)
 * of its parent's, which splits the name at its dots, and when that names
 * no map the templates see an empty map (a chart named "1.5" sees {}). */
const struct cmfv_node *cmfv_chart_sub_values(const struct cmfv_node *values, const char *path);

/** Called for each chart named \p name in a processed tree, depth first,
 * library charts left out (Helm renders none of their templates);
 * \p path is "" for the root, else dotted names after aliasing. */
typedef enum cmfv_err (*cmfv_chart_visit_fn)(void *ctx, const struct cmfv_chart *c,
					     const char *path);
enum cmfv_err cmfv_chart_find(const struct cmfv_chart *root, const char *name,
			      cmfv_chart_visit_fn fn, void *ctx);

/** Is a chart named \p name in the tree a library chart? */
int cmfv_chart_has_library(const struct cmfv_chart *root, const char *name);

/** Is \p ver inside the semver range \p constraint (Helm's IsCompatibleRange,
 * after Masterminds/semver v3)? */
int cmfv_semver_in_range(const char *constraint, const char *ver);
/** Is \p v a version Masterminds/semver v3 accepts? */
int cmfv_semver_valid(const char *v);
/** --kube-version as Helm \p major parses it (3: Masterminds NewVersion;
 * 4: k8s.io/apimachinery ParseGeneric). Writes the version the chart's
 * kubeVersion is checked against to \p norm. Returns 0 when Helm refuses
 * it. */
int cmfv_kube_version(const char *in, int major, char *norm, size_t cap);

#endif
