#include "cmfv/buf.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "cmfv/alloc.h"

#define DEFAULT_MAX ((size_t)1 << 30)

char *cmfv_buf_reserve(struct cmfv_buf *b, size_t n)
{
	size_t max = b->max ? b->max : DEFAULT_MAX;

	if (b->failed)
		return NULL;
	if (n > max || b->len + n > max) {
		b->failed = 1;
		return NULL;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		/* a secret buffer never leaves a copy behind in freed memory */
		np = b->secret ? cmfv_realloc_wipe(b->ptr, b->ptr ? b->len + 1 : 0, b->cap, cap)
			       : cmfv_realloc(b->ptr, cap);
		if (np == NULL) {
			b->failed = 1;
			return NULL;
		}
		b->ptr = np;
		b->cap = cap;
	}
	return b->ptr + b->len;
}

enum cmfv_err cmfv_buf_add(struct cmfv_buf *b, const void *p, size_t n)
{
	char *at = cmfv_buf_reserve(b, n);

	if (at == NULL)
		return CMFV_ENOMEM;
	if (n)
		memcpy(at, p, n);
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
		if (b->secret)
			OPENSSL_cleanse(small, sizeof(small));
		b->failed = 1;
		return CMFV_ENOMEM;
	}
	if ((size_t)n < sizeof(small)) {
		enum cmfv_err e = cmfv_buf_add(b, small, (size_t)n);

		if (b->secret)
			OPENSSL_cleanse(small, sizeof(small));
		return e;
	}
	if (b->secret)
		OPENSSL_cleanse(small, sizeof(small)); /* it holds the text's start */
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
		if (b->secret)
			OPENSSL_cleanse(big, (size_t)n + 1);
		cmfv_free(big);
		return e;
	}
}

void cmfv_buf_reset(struct cmfv_buf *b)
{
	if (b->ptr && b->secret)
		OPENSSL_cleanse(b->ptr, b->cap);
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void cmfv_buf_free(struct cmfv_buf *b)
{
	if (b->ptr && b->secret)
		OPENSSL_cleanse(b->ptr, b->cap);
	cmfv_free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}
