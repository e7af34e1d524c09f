/* The project configuration file (.cmf-validate.yaml): rule severities,
 * waivers, post-render defaults and named environments.
 *
 * One libcyaml schema (src/rules/config.c) describes the file. It is walked over
 * the located libyaml tree first (include/cmfv/schema.h), so every error
 * has file:line:column, then libcyaml loads the file into struct
 * cmfv_config itself. */
#ifndef CMFV_CONFIG_H
#define CMFV_CONFIG_H

#include <stddef.h>

struct cyaml_schema_value;

#include "cmfv/diag.h"
#include "cmfv/report.h"
#include "cmfv/source.h"

struct cmfv_waiver {
	char *rule;	     /**< rule ID, as written (ID or name) */
	char *path;	     /**< values path, or NULL for any */
	char *reason;	     /**< required */
	char *expires;	     /**< YYYY-MM-DD or NULL */
	struct cmfv_loc loc; /**< the waiver's place in the config file */
};

struct cmfv_env {
	char *name;
	char *chart;   /**< or NULL */
	char **values; /**< -f files */
	unsigned nvalues;
	char **set; /**< --set arguments */
	unsigned nset;
	char **set_string;
	unsigned nset_string;
	char *namespace; /**< or NULL */
};

/** postRender: defaults for the mount that post-render adds. */
struct cmfv_config_render {
	char *deployment, *container, *mount_path, *volume_name, *file_name;
};

/* libcyaml loads waivers, postRender and environments straight into this
 * struct; file, severity and the waivers' locations are filled after. */
struct cmfv_config {
	char *file;		      /**< owned copy of the file name */
	enum cmfv_severity *severity; /**< per rule index (cmfv_rules order); -1 = default */
	int *severity_set;	      /**< 1 when severity[i] is configured */
	struct cmfv_waiver *waivers;
	unsigned nwaivers;
	union { /* one struct for libcyaml's postRender mapping, by name for callers */
		struct cmfv_config_render render;
		struct {
			char *deployment, *container, *mount_path, *volume_name, *file_name;
		};
	};
	struct cmfv_env *envs;
	unsigned nenvs;
};

/** Check and load \p src. \p *out caller-owned (cmfv_config_free).
 * Errors: CMFV_EINPUT with file:line:column, CMFV_ENOMEM. */
enum cmfv_err cmfv_config_load(const struct cmfv_source *src, struct cmfv_config **out,
			       struct cmfv_diag *d);
void cmfv_config_free(struct cmfv_config *c);

/** Apply severities and waivers to \p r, and add a CMF090 finding for each
 * expired waiver. \p today is "YYYY-MM-DD". */
enum cmfv_err cmfv_config_apply(const struct cmfv_config *c, const char *today,
				struct cmfv_report *r);

/** The file's one schema (libcyaml's), for tests that walk it. */
const struct cyaml_schema_value *cmfv_config_schema(void);

/** Is \p s a valid YYYY-MM-DD date? */
int cmfv_is_date(const char *s);

#endif
