/* AES key checks: base64 as Kubernetes stores it, the key check value, and
 * the real-world mistakes (double encoding, trailing newline, weak keys).
 *
 * Key bytes are always the caller's: nothing here keeps, copies beyond the
 * stack (which is wiped) or prints them. */
#ifndef CMFV_KEY_H
#define CMFV_KEY_H

#include <stddef.h>

#include "cmfv/diag.h"

/** Room cmfv_base64_decode needs for \p len characters of input. */
#define CMFV_BASE64_DECODED_MAX(len) ((len) / 4 * 3 + 3)

/** Decode strict standard base64 as Kubernetes emits Secret data: the
 * RFC 4648 alphabet ('+' and '/', not the URL-safe one), padding required,
 * no whitespace or line breaks, and the bits dropped by padding zero (the one
 * canonical form). \p out (caller-owned) needs CMFV_BASE64_DECODED_MAX(len)
 * bytes.
 * \param[out] outlen decoded length, on success
 * \param[out] bad_at on failure: the offset of the first byte outside the
 *             alphabet; else \p len when the length is not a multiple of 4;
 *             else the misplaced '=' or the digit whose dropped bits are set
 * \return 1 on success, 0 when the text is not valid. On failure \p out may
 *         hold partial output: the caller wipes it. */
int cmfv_base64_decode(const char *in, size_t len, unsigned char *out, size_t *outlen,
		       size_t *bad_at);

/** Encode \p len bytes as standard padded base64 into \p out (caller-owned,
 * room for 4 * ((len + 2) / 3) + 1 bytes; NUL-terminated). */
void cmfv_base64_encode(const unsigned char *in, size_t len, char *out);

/** Key check value: the first 3 bytes of AES-ECB(key, 16 zero bytes) as 6
 * lower-case hex digits, computed with OpenSSL EVP (AES-128 for 16 bytes,
 * AES-256 for 32). Identifies a key without revealing it.
 * \param[out] kcv NUL-terminated; "" on failure
 * \return CMFV_EINPUT when \p len is not 16 or 32, CMFV_ENOMEM when OpenSSL
 *         fails, else CMFV_OK. */
enum cmfv_err cmfv_key_kcv(const unsigned char *key, size_t len, char kcv[7]);

/** Do two keys hold the same bytes? Lengths are compared first (they are
 * not secret), the bytes with CRYPTO_memcmp (constant time). */
int cmfv_key_equal(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen);

/** What the length (and shape) of a key says; one cause each (docs/keys.md). */
enum cmfv_key_verdict {
	CMFV_KEY_OK,		   /**< 16 or 32 bytes */
	CMFV_KEY_DOUBLE_BASE64,	   /**< CMF024: base64 text of a 16/32-byte key */
	CMFV_KEY_DOUBLE_HEX,	   /**< CMF024: hex text of a 32-byte key (64 digits) */
	CMFV_KEY_TRAILING_NEWLINE, /**< CMF025: 17 or 33 bytes ending in '\n' */
	CMFV_KEY_BAD_LENGTH,	   /**< CMF023 */
};

/** Why a key of valid length is weak (CMF026). The tests, in this order, and
 * how often each flags a key of uniformly random bytes (computed exactly or
 * by a union bound; 16-byte / 32-byte):
 * - REPEATED: one byte value throughout (2^-120 / 2^-248).
 * - SEQUENCE: an arithmetic progression mod 256, e.g. 00 01 02 .. or
 *   10 20 30 .. (2^-112 / 2^-240).
 * - PATTERN: a block of at most half the key repeated, e.g. a 16-byte key
 *   written twice to make 32 (at most 2^-64 / 2^-128).
 * - PRINTABLE: every byte is printable ASCII or tab/CR/LF: a password, a
 *   passphrase or hex/base64 text ((98/256)^n: 2.1e-7 / 4.5e-14).
 * - LOW_ENTROPY: fewer than n/2 distinct byte values (6.4e-13 / 3.2e-17),
 *   or one value filling at least 7 of 16 / 8 of 32 bytes, e.g. a short key
 *   padded with zeros (3.9e-11 / 1.3e-10). A random 32-byte key shows about
 *   30 distinct values and no value more than 3 times.
 * So for 10,000 random keys of each size the expected number of false
 * alarms is about 0.002, almost all from PRINTABLE at 16 bytes; the unit
 * test draws that many from RAND_bytes and expects none. A byte-frequency
 * Shannon estimate was not used: over 16 or 32 samples it only restates the
 * distinct-value count with a fuzzier threshold. */
enum cmfv_key_weakness {
	CMFV_WEAK_NONE,
	CMFV_WEAK_REPEATED,
	CMFV_WEAK_SEQUENCE,
	CMFV_WEAK_PATTERN,
	CMFV_WEAK_PRINTABLE,
	CMFV_WEAK_LOW_ENTROPY,
};

struct cmfv_key_check {
	enum cmfv_key_verdict verdict;
	size_t length;			 /**< bytes given */
	size_t inner_length;		 /**< double encoded: the length the text decodes to */
	enum cmfv_key_weakness weakness; /**< only for a valid length */
	int hex_text;			 /**< the bytes (less a trailing newline) are hex digits */
	char kcv[7];			 /**< when verdict is OK; "" otherwise */
};

/** Classify \p key (\p len bytes, may be 0; \p key may be NULL then).
 * One cause each, in the order docs/keys.md gives: a valid length is OK (maybe weak);
 * else double encoding (CMF024) beats a trailing newline (CMF025), which
 * beats a bad length (CMF023). Double encoding: the bytes, less one trailing
 * "\n" or "\r\n", are not themselves 16 or 32 long and are either hex text
 * of 64 digits (32 digits are a valid length themselves), or padded base64
 * text (standard or URL-safe alphabet, not mixed, unused bits zero) that
 * decodes to 16 or 32 bytes. Padding is required so that a 22- or
 * 43-character password is not taken for an encoded key. \p c is filled in
 * every case; no key bytes are kept in it. */
void cmfv_key_check(const unsigned char *key, size_t len, struct cmfv_key_check *c);

/** Short human name of a weakness ("printable text", ...); "" for NONE. */
const char *cmfv_key_weakness_name(enum cmfv_key_weakness w);

#endif
