/* Helm's values pipeline: chart defaults, -f files, then the --set* flags,
 * merged and coalesced exactly as `helm template/install` does. */
#ifndef CMFV_VALUES_H
#define CMFV_VALUES_H

#include <stddef.h>

#include "cmfv/node.h"
#include "cmfv/source.h"

enum cmfv_set_kind {
	CMFV_SET,         /**< --set: typed values */
	CMFV_SET_STRING,  /**< --set-string: always strings */
	CMFV_SET_JSON,    /**< --set-json: JSON values */
	CMFV_SET_FILE,    /**< --set-file: key=path, the file's content */
	CMFV_SET_LITERAL, /**< --set-literal: key=rest, verbatim */
};

struct cmfv_set_flag {
	enum cmfv_set_kind kind;
	const char *arg; /**< borrowed */
	unsigned index;  /**< 1-based position among all --set* flags */
};

struct cmfv_values_input {
	const char *chart_dir;        /**< reads chart_dir/values.yaml; NULL = none */
	const char *const *files;     /**< -f/--values in order ("-" = stdin) */
	size_t nfiles;
	const struct cmfv_node *extra; /**< one more values map after the files, before
					    the flags (Argo CD's values temp file); NULL = none */
	const struct cmfv_set_flag *sets; /**< in command-line order */
	size_t nsets;
	int helm_major;               /**< 3 or 4: how nested nulls coalesce (0 = 4) */
};

/** "--set", "--set-string", ... */
const char *cmfv_set_kind_flag(enum cmfv_set_kind k);

/** Apply one --set* argument to \p base (a map), as Helm's strvals does.
 * \p loc is given to every node created. For CMFV_SET_FILE the file is read
 * through \p src. Errors: CMFV_EINPUT with Helm's reason, CMFV_ENOENT. */
enum cmfv_err cmfv_strvals_apply(struct cmfv_node *base, const struct cmfv_set_flag *flag,
				 struct cmfv_sources *src, struct cmfv_diag *d);

/** Parse a values file (YAML) into a map as Helm does. Helm 3 reads the
 * first document only; Helm 4 (\p helm_major >= 4) cuts the file at every
 * line that starts with `---` (only a comment may follow it) and deep-merges
 * the documents. No document or null gives an empty map; anything else that
 * is not a map is CMFV_EINPUT. \p *out caller-owned. */
enum cmfv_err cmfv_values_parse(const struct cmfv_source *s, int helm_major,
				struct cmfv_node **out, struct cmfv_diag *d);

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

#endif
