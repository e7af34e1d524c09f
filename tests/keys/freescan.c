/* freescan: an LD_PRELOAD library for the "secrets at rest" test
 * (tests/keys/freescan.sh, docs/keys.md). It stands between the program and
 * glibc's allocator and looks into every block just before it goes back to
 * the allocator -- by free(), and the old block a moving realloc() leaves
 * behind -- for the byte strings given in CMFV_FREESCAN (comma-separated
 * hex). A block still holding one of them is key material the program let go
 * of without wiping it. At exit it appends one line per finding (the caller
 * that freed the block) and a tally to the file CMFV_FREESCAN_OUT:
 *
 *   hit <needle-index> <block size> <object file> <offset of the caller in it>
 *   scanned <blocks> <bytes> hits <n>
 *
 * Only the test uses it; it is never linked into cmf-validate. glibc only
 * (__libc_malloc and friends, malloc_usable_size). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

#define MAX_NEEDLES 16
#define MAX_HITS 64

static unsigned char needles[MAX_NEEDLES][128];
static size_t needle_len[MAX_NEEDLES];
static int nneedles = -1; /* -1: CMFV_FREESCAN not read yet */
static int busy;	  /* no scanning inside our own bookkeeping */

static struct {
	int needle;
	size_t size;
	void *caller;
} hits[MAX_HITS];
static unsigned long nhits, nblocks, nbytes;

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void load_needles(void)
{
	const char *s = getenv("CMFV_FREESCAN");

	nneedles = 0;
	while (s && *s && nneedles < MAX_NEEDLES) {
		size_t n = 0;

		while (*s && *s != ',' && n < sizeof(needles[0])) {
			int hi = hexval(s[0]), lo = s[1] ? hexval(s[1]) : -1;

			if (hi < 0 || lo < 0)
				break;
			needles[nneedles][n++] = (unsigned char)(hi << 4 | lo);
			s += 2;
		}
		while (*s && *s != ',')
			s++;
		if (*s == ',')
			s++;
		if (n >= 8) /* shorter would match by chance */
			needle_len[nneedles++] = n;
	}
}

static void scan(void *p, void *caller)
{
	size_t size;
	int i;

	if (p == NULL || busy)
		return;
	if (nneedles < 0)
		load_needles();
	size = malloc_usable_size(p);
	nblocks++;
	nbytes += size;
	for (i = 0; i < nneedles; i++) {
		if (memmem(p, size, needles[i], needle_len[i]) == NULL)
			continue;
		if (nhits < MAX_HITS) {
			hits[nhits].needle = i;
			hits[nhits].size = size;
			hits[nhits].caller = caller;
		}
		nhits++;
	}
}

void free(void *p)
{
	scan(p, __builtin_return_address(0));
	__libc_free(p);
}

/* A realloc that moves would free the old block inside glibc, out of our
 * sight: move it here instead, so the old block is scanned. */
void *realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (p == NULL)
		return __libc_malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	old = malloc_usable_size(p);
	if (n <= old)
		return __libc_realloc(p, n); /* shrinks in place */
	q = __libc_malloc(n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, old);
	scan(p, __builtin_return_address(0));
	__libc_free(p);
	return q;
}

void *reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return realloc(p, n * size);
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("CMFV_FREESCAN_OUT");
	char line[512];
	unsigned long i;
	int fd;

	if (path == NULL)
		return;
	busy = 1;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0)
		return;
	for (i = 0; i < nhits && i < MAX_HITS; i++) {
		Dl_info info;
		const char *file = "?";
		unsigned long off = (unsigned long)(uintptr_t)hits[i].caller;
		int n;

		if (dladdr(hits[i].caller, &info) && info.dli_fname) {
			file = info.dli_fname;
			off -= (unsigned long)(uintptr_t)info.dli_fbase;
		}
		/* file+offset: the test turns it into a function with addr2line */
		n = snprintf(line, sizeof(line), "hit %d %zu %s 0x%lx\n", hits[i].needle,
			     hits[i].size, file, off);
		if (n > 0 && write(fd, line, (size_t)n) < 0)
			break;
	}
	i = (unsigned long)snprintf(line, sizeof(line), "scanned %lu %lu hits %lu\n", nblocks,
				    nbytes, nhits);
	if (write(fd, line, i) < 0)
		i = 0;
	close(fd);
}
