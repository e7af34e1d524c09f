/* The encryption rules over merged values. */
#ifndef CMFV_CHECK_H
#define CMFV_CHECK_H

#include "cmfv/chart.h"
#include "cmfv/node.h"
#include "cmfv/report.h"

/** The values paths of the CMF chart (docs/rules.md). */
#define CMFV_PATH_PRODUCTION "cmf.sql.production"
#define CMFV_PATH_ENC_ENABLED "encryption.enabled"
#define CMFV_PATH_SECRET_NAME "encryption.key.kubernetesSecretName"
#define CMFV_PATH_SECRET_PROP "encryption.key.kubernetesSecretProperty"

/** The key reference as the values (and overrides) give it. Strings are
 * borrowed from the values tree or the overrides. */
struct cmfv_keyref {
	int required;		      /**< production or encryption.enabled is boolean true */
	struct cmfv_loc required_loc; /**< where encryption was turned on (or, when it is
				       not required, where cmf.sql.production was set) */
	const char *required_by;      /**< the path that turned it on */
	const char *name;	      /**< Secret name or NULL/"" */
	struct cmfv_loc name_loc;
	const char *property; /**< data key or NULL/"" */
	struct cmfv_loc prop_loc;
};

/** Work out the key reference. \p values may be NULL (no values given);
 * \p name_override / \p prop_override (--secret-name/--secret-property)
 * win when non-NULL. */
void cmfv_keyref_from_values(const struct cmfv_node *values, const char *name_override,
			     const char *prop_override, struct cmfv_keyref *ref);

/** Rules CMF001-CMF004, CMF010, CMF011 over merged \p values. */
enum cmfv_err cmfv_check_values(const struct cmfv_node *values, const struct cmfv_keyref *ref,
				struct cmfv_report *r);

/** The same for a chart that is a subchart: every finding's path (and
 * the paths in its message) start with \p prefix ("flink", "a.b"), the
 * way the user writes them for the umbrella chart; "" for a root chart. */
enum cmfv_err cmfv_check_values_at(const struct cmfv_node *values, const struct cmfv_keyref *ref,
				   const char *prefix, struct cmfv_report *r);

/** Is \p s a DNS-1123 subdomain (a valid Secret name)? */
int cmfv_is_dns1123_subdomain(const char *s);
/** Is \p s a valid Secret data key ([-._a-zA-Z0-9]+, at most 253, not "." or "..")? */
int cmfv_is_secret_key(const char *s);

/** CMF050, a note at \p schema_file: chart \p c (\p path "" for the root,
 * else the subchart's path) has a values.schema.json, which Helm evaluates
 * and we do not. Nothing when it has none. */
enum cmfv_err cmfv_check_schema(struct cmfv_report *r, const struct cmfv_chart *c, const char *path,
				const char *schema_file);

#endif
