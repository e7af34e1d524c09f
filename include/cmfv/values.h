/* Helm's values pipeline: chart defaults, -f files, then the --set* flags,
 * merged and coalesced exactly as `helm template/install` does. */
#ifndef CMFV_VALUES_H
#define CMFV_VALUES_H

#include <stddef.h>

#include "cmfv/node.h"
#include "cmfv/source.h"

enum cmfv_set_kind {
	CMFV_SET,	  /**< --set: typed values */
	CMFV_SET_STRING,  /**< --set-string: always strings */
	CMFV_SET_JSON,	  /**< --set-json: JSON values */
	CMFV_SET_FILE,	  /**< --set-file: key=path, the file's content */
	CMFV_SET_LITERAL, /**< --set-literal: key=rest, verbatim */
};

struct cmfv_set_flag {
	enum cmfv_set_kind kind;
	const char *arg; /**< borrowed */
	unsigned index;	 /**< 1-based position among all --set* flags */
};

struct cmfv_values_input {
	const char *chart_dir;	  /**< a chart (directory or .tgz) and its subcharts; NULL = none */
	const char *const *files; /**< -f/--values in order ("-" = stdin) */
	size_t nfiles;
	const struct cmfv_node *extra;	  /**< one more values map after the files, before
					       the flags (Argo CD's values temp file); NULL = none */
	const struct cmfv_set_flag *sets; /**< in command-line order */
	size_t nsets;
	int helm_major;		  /**< 3 or 4: how nested nulls coalesce (0 = 4) */
	const char *kube_version; /**< what the root chart's kubeVersion is checked against
				       (helm template --kube-version); NULL = Helm's default,
				       v1.32.0 for Helm 3.17, v1.35.0 for Helm 4.1; "" = none */
};

/** Go's url.Parse, for its errors only: 1 and a message (as Go words it)
 * when \p raw is not a URL Go accepts, else 0 and the lower-cased scheme
 * ("" when none) in \p scheme. */
int cmfv_go_url_parse(const char *raw, char *scheme, size_t ssz, char *msg, size_t msz);

/** Read a -f or --set-file argument as Helm's readFile does: "-" (spaces
 * around it allowed) is stdin, and a second read of stdin finds it empty;
 * a name Go's URL parser rejects is CMFV_EINPUT with its reason; an
 * http(s) or oci URL is CMFV_EUSAGE (Helm downloads it; we ask the user to
 * download it first, and never read a local file of that name); anything
 * else is a local file. \p flag ("-f", "--set-file") is for messages. */
enum cmfv_err cmfv_values_read_file(struct cmfv_sources *src, const char *arg, const char *flag,
				    const struct cmfv_source **out, struct cmfv_diag *d);

/** "--set", "--set-string", ... */
const char *cmfv_set_kind_flag(enum cmfv_set_kind k);

/** Empty list items (gaps before an index: a[65536]=1 makes 65,536) that
 * all the --set* flags of one command line may add together: four full
 * lists. Each is a node; Helm has no limit. */
#define CMFV_SET_MAX_GAPS ((size_t)4 * 65537)

/** cmfv_strvals_apply with the empty-item budget \p *gaps_left shared by
 * several flags (decremented; start it at CMFV_SET_MAX_GAPS). */
enum cmfv_err cmfv_strvals_apply_budget(struct cmfv_node *base, const struct cmfv_set_flag *flag,
					struct cmfv_sources *src, size_t *gaps_left,
					struct cmfv_diag *d);

/** Apply one --set* argument to \p base (a map), as Helm's strvals does
 * (with a budget of its own: CMFV_SET_MAX_GAPS).
 * \p loc is given to every node created. For CMFV_SET_FILE the file is read
 * through \p src. Errors: CMFV_EINPUT with Helm's reason, CMFV_ENOENT. */
enum cmfv_err cmfv_strvals_apply(struct cmfv_node *base, const struct cmfv_set_flag *flag,
				 struct cmfv_sources *src, struct cmfv_diag *d);
/** The same as Helm \p helm_major (3 or 4) parses: Helm 4 ends the parse
 * quietly where an index runs into the end of the input ("x=1,a[1"). */
/** cmfv_strvals_apply_budget with Helm \p helm_major's grammar (cmfv_strvals_apply_as). */
enum cmfv_err cmfv_strvals_apply_full(struct cmfv_node *base, const struct cmfv_set_flag *flag,
				      int helm_major, struct cmfv_sources *src, size_t *gaps_left,
				      struct cmfv_diag *d);

enum cmfv_err cmfv_strvals_apply_as(struct cmfv_node *base, const struct cmfv_set_flag *flag,
				    int helm_major, struct cmfv_sources *src, struct cmfv_diag *d);

/** Parse a values file (YAML) into a map as Helm does. Helm 3 reads the
 * first document only; Helm 4 (\p helm_major >= 4) cuts the file at every
 * line that starts with `---` (only a comment may follow it) and deep-merges
 * the documents. No document or null gives an empty map; anything else that
 * is not a map is CMFV_EINPUT. \p *out caller-owned. */
enum cmfv_err cmfv_values_parse(const struct cmfv_source *s, int helm_major, struct cmfv_node **out,
				struct cmfv_diag *d);

/** cmfv_values_parse with one budget for the whole run in \p set: all the
 * values parsed through it (every -f, chart and subchart values.yaml,
 * GitOps values) may hold CMFV_MAX_VALUES_NODES nodes and CMFV_MAX_DOCS
 * documents together; past it CMFV_EINPUT at the input that crossed it. */
enum cmfv_err cmfv_values_parse_in(struct cmfv_sources *set, const struct cmfv_source *s,
				   int helm_major, struct cmfv_node **out, struct cmfv_diag *d);

/** Count \p added nodes made outside a parse (--set flags) against \p set's
 * run budget; CMFV_EINPUT naming \p what when it is crossed. */
enum cmfv_err cmfv_values_count_in(struct cmfv_sources *set, size_t added, const char *what,
				   struct cmfv_diag *d);

/** Helm's mergeMaps (for -f files): \p src is merged into \p dst deeply;
 * maps merge, everything else replaces. \p src is consumed. */
enum cmfv_err cmfv_values_merge_maps(struct cmfv_node *dst, struct cmfv_node *src);

/** Helm's CoalesceValues: \p user (consumed) over \p defaults (consumed);
 * returns the result in \p *out. */
enum cmfv_err cmfv_values_coalesce(struct cmfv_node *defaults, struct cmfv_node *user,
				   int helm_major, struct cmfv_node **out);

/** The whole pipeline. \p *out caller-owned; untouched on failure. */
enum cmfv_err cmfv_values_build(const struct cmfv_values_input *in, struct cmfv_sources *src,
				struct cmfv_node **out, struct cmfv_diag *d);

struct cmfv_chart;
/** The same, also giving the processed chart tree (aliases applied,
 * disabled subcharts gone) in \p *chart when \p in->chart_dir is set and
 * \p chart is not NULL (else *chart is left alone). */
enum cmfv_err cmfv_values_build_chart(const struct cmfv_values_input *in, struct cmfv_sources *src,
				      struct cmfv_chart **chart, struct cmfv_node **out,
				      struct cmfv_diag *d);

#endif
