/* A growable byte buffer with a hard size cap (after curl's dynbuf).
 *
 * Whether it holds key material is a property of the buffer, set once when
 * it is made (CMFV_BUF_SECRET): a secret buffer is grown by
 * allocate-copy-wipe (no stale copy is left in freed memory) and wiped on
 * every reset and free. Every reader of key material uses one. */
#ifndef CMFV_BUF_H
#define CMFV_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "cmfv/diag.h"

struct cmfv_buf {
	char *ptr; /**< NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max; /**< 0 = 1 GiB */
	int failed; /**< an append failed (out of memory or over max) */
	int secret; /**< holds key material: set at creation, never cleared */
};

/** Initialisers: an ordinary buffer and one that holds key material. */
#define CMFV_BUF_INIT                                                                              \
	{                                                                                          \
		NULL, 0, 0, 0, 0, 0                                                                \
	}
#define CMFV_BUF_SECRET                                                                            \
	{                                                                                          \
		NULL, 0, 0, 0, 0, 1                                                                \
	}

/** Append bytes; on failure sets \p b->failed and returns CMFV_ENOMEM. */
enum cmfv_err cmfv_buf_add(struct cmfv_buf *b, const void *p, size_t n);
enum cmfv_err cmfv_buf_puts(struct cmfv_buf *b, const char *s);
enum cmfv_err cmfv_buf_printf(struct cmfv_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Room for \p n more bytes (and the NUL) after \p b->len: the caller
 * writes there and adds what it wrote to \p b->len, then NUL-terminates.
 * NULL (and \p b->failed) when out of memory or over \p b->max. */
char *cmfv_buf_reserve(struct cmfv_buf *b, size_t n);
/** Empty it, keeping the memory (wiped when secret). */
void cmfv_buf_reset(struct cmfv_buf *b);
/** Free the memory (wiped first when secret); the buffer stays usable and
 * keeps its secret flag. */
void cmfv_buf_free(struct cmfv_buf *b);

#endif
