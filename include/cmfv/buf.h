/* A growable byte buffer with a hard size cap (after curl's dynbuf). */
#ifndef CMFV_BUF_H
#define CMFV_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "cmfv/diag.h"

struct cmfv_buf {
	char *ptr;  /**< NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max; /**< 0 = 1 GiB */
	int failed; /**< an append failed (out of memory or over max) */
};

/** Append bytes; on failure sets \p b->failed and returns CMFV_ENOMEM. */
enum cmfv_err cmfv_buf_add(struct cmfv_buf *b, const void *p, size_t n);
enum cmfv_err cmfv_buf_puts(struct cmfv_buf *b, const char *s);
enum cmfv_err cmfv_buf_printf(struct cmfv_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** Empty it, keeping the memory. */
void cmfv_buf_reset(struct cmfv_buf *b);
/** Free the memory (wiped first when \p wipe). */
void cmfv_buf_free(struct cmfv_buf *b, int wipe);

#endif
