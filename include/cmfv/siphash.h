#ifndef CMFV_SIPHASH_H
#define CMFV_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012) of \p n bytes at \p p under the 16-byte \p key. */
uint64_t cmfv_siphash24(const unsigned char key[16], const void *p, size_t n);

/* The hash every table over input-controlled strings uses: SipHash-2-4
 * under a key drawn once per process (getrandom(2), else OpenSSL), so
 * nobody can compute keys that collide in advance (issue 13: a flood of
 * colliding map keys made FNV-1a's linear probing quadratic). */
uint64_t cmfv_strhash(const char *s, size_t n);

#endif
