/* Allocation hooks: every allocation in the core goes through these so that
 * tests can fail the N-th allocation (fault injection, see tests/). */
#ifndef CMFV_ALLOC_H
#define CMFV_ALLOC_H

#include <stddef.h>

/** Like malloc/realloc/calloc/strdup/free; return NULL on failure. */
void *cmfv_malloc(size_t n);
void *cmfv_calloc(size_t n, size_t size);
void *cmfv_realloc(void *p, size_t n);
char *cmfv_strdup(const char *s);
char *cmfv_strndup(const char *s, size_t n);
void cmfv_free(void *p);

/** realloc for a block that may hold key material: a new block of \p n
 * bytes gets the first \p used bytes, and the old one (\p oldcap bytes) is
 * wiped, then freed -- realloc would hand it back unwiped. NULL on failure,
 * \p p untouched. \p p may be NULL. */
void *cmfv_realloc_wipe(void *p, size_t used, size_t oldcap, size_t n);

/** Fail the n-th allocation from now (1-based) and every one after it when
 * \p sticky; 0 turns fault injection off. For tests only. */
void cmfv_alloc_fail_at(unsigned long n, int sticky);
/** Number of allocations made since the counter was last reset. */
unsigned long cmfv_alloc_count(void);
void cmfv_alloc_reset_count(void);

#endif
