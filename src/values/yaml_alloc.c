/* libyaml's own memory, wiped when it is given back. libyaml grows its
 * token, scalar and stack buffers with realloc and frees them without
 * wiping: a Secret's key text read as YAML would live on in freed heap
 * (a core dump, a later allocation's uninitialised bytes). cmfv_yaml_
 * parser_wipe and cmfv_yaml_event_wipe clear what is still held when a
 * parse ends; these clear every copy libyaml lets go of on the way.
 *
 * How they take libyaml's place:
 * - shared libyaml (the default build): libyaml calls its yaml_malloc,
 *   yaml_realloc, yaml_free and yaml_strdup through its PLT, so the
 *   definitions below, in the program, are the ones it gets (ELF symbol
 *   interposition; CMakeLists.txt exports them from the executable);
 * - static libyaml (CMFV_STATIC_DEPS, the released binaries): libyaml.a
 *   has those inlined into calls of malloc, realloc, free and strdup, so
 *   CMakeLists.txt links a copy of libyaml.a whose calls are renamed
 *   (objcopy --redefine-sym) to the cmfv_libyaml_* functions below.
 * tests/unit/test_yaml_wipe.c checks it on the heap. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_int.h"

/* Set while cmfv_yaml_parser_wipe deletes a parser it has cleared: its
 * big blocks are the input buffers, already cleared as far as they were
 * written, and the token queue and stacks, which hold no text (scalars,
 * anchors and tags live in blocks of their own, cleared too). Wiping the
 * 16-64 KiB of each again cost 6 microseconds a parse: three seconds for
 * 250,000 tiny documents. */
static _Thread_local int cleared_parser;

void cmfv_libyaml_cleared_parser(int on)
{
	cleared_parser = on;
}

/* Every block libyaml frees, all of it (malloc_usable_size: what the
 * allocator holds, at least what was asked for); explicit_bzero, which
 * the compiler may not drop, at memset's speed. */
void cmfv_libyaml_free(void *p)
{
	size_t n;

	if (p == NULL)
		return;
	n = malloc_usable_size(p);
	if (!cleared_parser || n <= 4096)
		explicit_bzero(p, n);
	free(p);
}

void *cmfv_libyaml_malloc(size_t n)
{
	return malloc(n ? n : 1);
}

/* Never realloc: growing in place is not always possible, and the block
 * left behind would keep its bytes. A new block, the old one wiped. */
void *cmfv_libyaml_realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (p == NULL)
		return cmfv_libyaml_malloc(n);
	old = malloc_usable_size(p);
	if (n > 0 && n <= old)
		return p; /* it fits (libyaml never shrinks a buffer) */
	q = malloc(n ? n : 1);
	if (q == NULL)
		return NULL; /* libyaml keeps p, as after a failed realloc */
	memcpy(q, p, old < n ? old : n);
	cmfv_libyaml_free(p);
	return q;
}

char *cmfv_libyaml_strdup(const char *s)
{
	size_t n;
	char *c;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	c = malloc(n);
	if (c)
		memcpy(c, s, n);
	return c;
}

#ifndef CMFV_LIBYAML_STATIC
/* The names libyaml's shared library calls (its yaml_private.h); a static
 * libyaml.a defines them itself, and its calls are renamed instead. */
void *yaml_malloc(size_t n);
void *yaml_realloc(void *p, size_t n);
void yaml_free(void *p);
char *yaml_strdup(const char *s);

void *yaml_malloc(size_t n)
{
	return cmfv_libyaml_malloc(n);
}

void *yaml_realloc(void *p, size_t n)
{
	return cmfv_libyaml_realloc(p, n);
}

void yaml_free(void *p)
{
	cmfv_libyaml_free(p);
}

char *yaml_strdup(const char *s)
{
	return cmfv_libyaml_strdup(s);
}

#endif

int cmfv_yaml_alloc_linked(void)
{
	return 1;
}
