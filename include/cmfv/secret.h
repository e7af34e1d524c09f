/* Finding a Secret and one of its values in manifests: a Secret, a List
 * (kind List or SecretList, as `kubectl get secrets -o yaml` prints), or any
 * stream of documents (rendered manifests), in YAML or JSON. */
#ifndef CMFV_SECRET_H
#define CMFV_SECRET_H

#include <stddef.h>

#include "cmfv/diag.h"
#include "cmfv/source.h"

enum cmfv_secret_status {
	CMFV_SECRET_FOUND,	 /**< the value was found and decoded */
	CMFV_SECRET_NOT_FOUND,	 /**< no Secret of that name */
	CMFV_SECRET_NO_PROPERTY, /**< the Secret has no such key in data or stringData */
	CMFV_SECRET_BAD_BASE64,	 /**< the data value is not valid standard base64 */
	CMFV_SECRET_NOT_STRING,	 /**< the value is a number, boolean, null, map or list */
};

struct cmfv_secret_value {
	enum cmfv_secret_status status;
	unsigned char *key;	/**< FOUND: the key bytes (owned; wiped and freed by
				     cmfv_secret_value_clear); NULL otherwise */
	size_t len;		/**< bytes at \p key */
	char *namespace;	/**< owned: the Secret's metadata.namespace, or NULL */
	const char *file;	/**< borrowed from the source: its name */
	struct cmfv_loc loc;	/**< the value; for NO_PROPERTY the Secret itself */
	struct cmfv_loc ns_loc; /**< metadata.namespace, else the Secret */
	int from_string_data;	/**< the value came from stringData, not data */
	size_t bad_at;		/**< BAD_BASE64: offset of the first bad character */
	char *keys;		/**< NO_PROPERTY: owned, the keys the Secret has,
				     ", "-separated ("" when none) */
	size_t matches;		/**< Secrets of that name seen in the source */
};

/** Look for Secret \p name and its value \p property in \p src (borrowed;
 * it must outlive \p v, whose locations point at its name).
 *
 * stringData wins over data, as the API server merges them; a data value is
 * strict base64 (cmfv_base64_decode), a stringData value is the bytes as
 * written. When several Secrets have that name, the first in \p namespace
 * wins (when \p namespace is non-NULL), else the first.
 *
 * \param[out] v zeroed, then filled (caller clears it with
 *             cmfv_secret_value_clear in every case, also on failure)
 * \return CMFV_OK whatever was found (see v->status); CMFV_EINPUT for
 *         malformed YAML/JSON and CMFV_ENOMEM, with \p d filled. Every
 *         string of the parse trees is wiped before it is freed. */
enum cmfv_err cmfv_secret_find(const struct cmfv_source *src, const char *name,
			       const char *property, const char *namespace,
			       struct cmfv_secret_value *v, struct cmfv_diag *d);

/** Wipe and free what \p v holds and zero it; NULL is fine. */
void cmfv_secret_value_clear(struct cmfv_secret_value *v);

#endif
