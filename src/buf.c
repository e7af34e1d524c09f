#include "cmfv/buf.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "cmfv/alloc.h"

#define DEFAULT_MAX ((size_t)1 << 30)

enum cmfv_err cmfv_buf_add(struct cmfv_buf *b, const void *p, size_t n)
{
	size_t max = b->max ? b->max : DEFAULT_MAX;

	if (b->failed)
		return CMFV_ENOMEM;
	if (n > max || b->len + n > max) {
		b->failed = 1;
		return CMFV_ENOMEM;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = cmfv_realloc(b->ptr, cap);
		if (np == NULL) {
			b->failed = 1;
			return CMFV_ENOMEM;
		}
		b->ptr = np;
		b->cap = cap;
	}
	if (n)
		memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return CMFV_OK;
}

enum cmfv_err cmfv_buf_puts(struct cmfv_buf *b, const char *s)
{
	return cmfv_buf_add(b, s, strlen(s));
}

enum cmfv_err cmfv_buf_printf(struct cmfv_buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return CMFV_ENOMEM;
	}
	if ((size_t)n < sizeof(small))
		return cmfv_buf_add(b, small, (size_t)n);
	{
		char *big = cmfv_malloc((size_t)n + 1);
		enum cmfv_err e;

		if (big == NULL) {
			b->failed = 1;
			return CMFV_ENOMEM;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		e = cmfv_buf_add(b, big, (size_t)n);
		cmfv_free(big);
		return e;
	}
}

void cmfv_buf_reset(struct cmfv_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void cmfv_buf_free(struct cmfv_buf *b, int wipe)
{
	if (b->ptr && wipe)
		OPENSSL_cleanse(b->ptr, b->cap);
	cmfv_free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}
