/* AES key checks: base64 as Kubernetes stores it, the key check value, and
 * the real-world mistakes (double encoding, trailing newline, weak keys).
 * Key bytes are the caller's; nothing here keeps or prints them. */
#ifndef CMFV_KEY_H
#define CMFV_KEY_H

#include <stddef.h>

#include "cmfv/diag.h"

/** Decode strict standard base64 (RFC 4648 alphabet, padding required, no
 * whitespace), as Kubernetes emits Secret data. \p out needs room for
 * len / 4 * 3 bytes. Returns 1 on success with \p *outlen set, 0 when the
 * text is not valid (then \p *bad_at is the offset of the first bad byte). */
int cmfv_base64_decode(const char *in, size_t len, unsigned char *out, size_t *outlen,
		       size_t *bad_at);

/** Encode \p len bytes as standard base64 into \p out (room for
 * 4 * ((len + 2) / 3) + 1 bytes, NUL-terminated). */
void cmfv_base64_encode(const unsigned char *in, size_t len, char *out);

/** Key check value: the first 3 bytes of AES-ECB(key, 16 zero bytes), as 6
 * lower-case hex digits. \p key must be 16 or 32 bytes. */
enum cmfv_err cmfv_key_kcv(const unsigned char *key, size_t len, char kcv[7]);

enum cmfv_key_verdict {
	CMFV_KEY_OK,               /**< 16 or 32 bytes */
	CMFV_KEY_DOUBLE_BASE64,    /**< CMF024: base64 text of a 16/32-byte key */
	CMFV_KEY_DOUBLE_HEX,       /**< CMF024: hex text of a 16/32-byte key */
	CMFV_KEY_TRAILING_NEWLINE, /**< CMF025: 17 or 33 bytes ending in '\n' */
	CMFV_KEY_BAD_LENGTH,       /**< CMF023 */
};

enum cmfv_key_weakness {
	CMFV_WEAK_NONE,
	CMFV_WEAK_PRINTABLE, /**< every byte is printable ASCII: a password or text */
	CMFV_WEAK_REPEATED,  /**< one byte repeated */
	CMFV_WEAK_SEQUENCE,  /**< a counting sequence */
	CMFV_WEAK_LOW_ENTROPY, /**< far fewer distinct bytes than random keys have */
};

struct cmfv_key_check {
	enum cmfv_key_verdict verdict;
	size_t length;        /**< bytes given */
	size_t inner_length;  /**< double encoded: the length it decodes to */
	enum cmfv_key_weakness weakness; /**< only for a valid length */
	int hex_text;         /**< the bytes are hex digits (explains a weak 32-byte key) */
	char kcv[7];          /**< when verdict is OK; "" otherwise */
};

/** Classify \p key (one finding per cause, as SPEC.md orders them). */
void cmfv_key_check(const unsigned char *key, size_t len, struct cmfv_key_check *c);

#endif
