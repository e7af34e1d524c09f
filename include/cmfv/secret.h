/* Finding a Secret and one of its values in manifests: a Secret, a List of
 * items, or any stream of documents, in YAML or JSON. */
#ifndef CMFV_SECRET_H
#define CMFV_SECRET_H

#include <stddef.h>

#include "cmfv/diag.h"
#include "cmfv/source.h"

enum cmfv_secret_status {
	CMFV_SECRET_FOUND,        /**< the value was found and decoded */
	CMFV_SECRET_NOT_FOUND,    /**< no Secret of that name */
	CMFV_SECRET_NO_PROPERTY,  /**< the Secret has no such key */
	CMFV_SECRET_BAD_BASE64,   /**< data value is not valid base64 */
};

struct cmfv_secret_value {
	enum cmfv_secret_status status;
	unsigned char *key;   /**< decoded bytes (caller wipes and frees: cmfv_secret_value_clear) */
	size_t len;
	char *namespace;      /**< the Secret's metadata.namespace, or NULL */
	const char *file;     /**< borrowed: the source's name */
	unsigned line, col;   /**< where the value (or the Secret) was written */
	int from_string_data; /**< stringData, not data */
	size_t bad_at;        /**< CMFV_SECRET_BAD_BASE64: offset of the first bad byte */
	char *keys;           /**< CMFV_SECRET_NO_PROPERTY: the keys it has, comma-separated */
};

/** Look for Secret \p name, value \p property, in \p src. When several
 * Secrets have that name, the one in \p namespace (if given) wins. Fills
 * \p v; errors (malformed YAML, out of memory) return non-OK with \p d. The
 * parse tree is wiped before it is freed. */
enum cmfv_err cmfv_secret_find(const struct cmfv_source *src, const char *name,
			       const char *property, const char *namespace,
			       struct cmfv_secret_value *v, struct cmfv_diag *d);

/** Wipe and free what \p v holds. */
void cmfv_secret_value_clear(struct cmfv_secret_value *v);

#endif
