/* The key rules, CMF020-CMF027: a key source's value judged. The CLI loads
 * the sources (key files, Secret manifests, kubectl output) into struct
 * cmfv_secret_value; these raise the findings. Messages carry names,
 * lengths and check values, never key bytes. */
#ifndef CMFV_KEYRULES_H
#define CMFV_KEYRULES_H

#include "cmfv/check.h"
#include "cmfv/key.h"
#include "cmfv/report.h"
#include "cmfv/secret.h"

/** CMF022-CMF026 for one loaded value, and its key summary into \p r
 * (\p label names the source: "--key-file cmf.key", "secret.yaml",
 * "cluster"). \p name and \p prop are NULL for a raw key file. \p out (may
 * be NULL) gets the classification. */
enum cmfv_err cmfv_key_findings(struct cmfv_report *r, const char *label, const char *name,
				const char *prop, const struct cmfv_secret_value *v,
				struct cmfv_key_check *out);

/** The Secret itself: CMF027 (namespace is not \p ns, when both are known)
 * and CMF021 (no such property). \p usable says whether a value is there
 * for cmfv_key_findings. */
enum cmfv_err cmfv_secret_findings(struct cmfv_report *r, const struct cmfv_keyref *ref,
				   const char *ns, const struct cmfv_secret_value *v, int *usable);

/** CMF020: Secret \p ref->name is in none of \p where ("secret.yaml or
 * manifests.yaml", "the cluster (namespace x)"); \p ns may be NULL. */
enum cmfv_err cmfv_secret_missing(struct cmfv_report *r, const struct cmfv_keyref *ref,
				  const char *ns, const char *where);

/** One word for key-info: "ok", "weak", "encoded twice", "trailing newline",
 * "bad length", "not base64", "not found", "no such property". */
const char *cmfv_key_verdict_word(const struct cmfv_secret_value *v,
				  const struct cmfv_key_check *c);

#endif
