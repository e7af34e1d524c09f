#include "cmfv/alloc.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static unsigned long alloc_count;
static unsigned long fail_at;
static int fail_sticky;

static int should_fail(void)
{
	alloc_count++;
	if (fail_at == 0)
		return 0;
	if (alloc_count == fail_at)
		return 1;
	return fail_sticky && alloc_count > fail_at;
}

void *cmfv_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *cmfv_calloc(size_t n, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *cmfv_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

char *cmfv_strndup(const char *s, size_t n)
{
	char *d = cmfv_malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *cmfv_strdup(const char *s)
{
	return cmfv_strndup(s, strlen(s));
}

void cmfv_free(void *p)
{
	free(p);
}

void *cmfv_realloc_wipe(void *p, size_t used, size_t oldcap, size_t n)
{
	void *np = cmfv_malloc(n);

	if (np == NULL)
		return NULL;
	if (p) {
		memcpy(np, p, used);
		OPENSSL_cleanse(p, oldcap);
		cmfv_free(p);
	}
	return np;
}

void cmfv_alloc_fail_at(unsigned long n, int sticky)
{
	alloc_count = 0;
	fail_at = n;
	fail_sticky = sticky;
}

unsigned long cmfv_alloc_count(void)
{
	return alloc_count;
}

void cmfv_alloc_reset_count(void)
{
	alloc_count = 0;
}
