/* libyaml's copies of a Secret's text are wiped when libyaml lets go of
 * them (src/values/yaml_alloc.c): after a parse, the key's text is
 * nowhere in the heap, freed blocks included. The heap is searched in
 * place ([heap] in /proc/self/maps: glibc's main arena). A control block
 * freed without wiping must be found first; where it is not (ASan's and
 * valgrind's allocators keep their blocks elsewhere), the check cannot
 * apply and the test says so and skips. */
#define _GNU_SOURCE
#include "helpers.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cmfv/yaml.h"

#define KEY_LEN 3000 /* grows libyaml's scalar buffer from 16 bytes by realloc */
#define NEEDLE 48

/* The main arena's range, from /proc/self/maps, read without stdio: its
 * buffers would come from the heap being searched and land on the very
 * blocks freed before. */
static int heap_range(char **lo, char **hi)
{
	static char maps[1 << 16];
	unsigned long a, b;
	ssize_t n, got = 0;
	char *at, *line;
	int fd = open("/proc/self/maps", O_RDONLY);

	if (fd < 0)
		return 0;
	while (got < (ssize_t)sizeof(maps) - 1 &&
	       (n = read(fd, maps + got, sizeof(maps) - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	maps[got] = '\0';
	at = strstr(maps, "[heap]");
	if (at == NULL)
		return 0;
	for (line = at; line > maps && line[-1] != '\n'; line--)
		;
	if (sscanf(line, "%lx-%lx", &a, &b) != 2)
		return 0;
	*lo = (char *)a;
	*hi = (char *)b;
	return 1;
}

static int in_heap(const char *needle, size_t n)
{
	char *lo, *hi;

	if (!heap_range(&lo, &hi))
		return 0;
	return memmem(lo, (size_t)(hi - lo), needle, n) != NULL;
}

/* Key text of letters and digits, made here (not in the program's data),
 * kept on the stack: only the heap is searched. */
static void make_key(char *k, size_t n, unsigned seed)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		k[i] = abc[(seed >> 16) % 62];
	}
}

/* A block freed without wiping is found: the search works here. */
static int control_found(unsigned seed)
{
	char key[KEY_LEN];
	char *p = malloc(1024);
	/* a block after it, so that freeing it does not merge it into the
	 * top of the heap, which glibc may give back to the kernel */
	char *guard = malloc(64);
	volatile char *vp = p; /* stores before free() are not dead to us */
	size_t i;
	int found;

	make_key(key, sizeof(key), seed);
	assert_non_null(p);
	assert_non_null(guard);
	for (i = 0; i < NEEDLE; i++)
		vp[64 + i] = key[i];
	free(p);
	found = in_heap(key, NEEDLE);
	free(guard);
	return found;
}

/* Holes between blocks in use: a buffer libyaml grows cannot grow in
 * place, so realloc copies it and frees the old block, as in a long run's
 * fragmented heap. \p keep holds the blocks left in use. */
#define HOLES 400
static void fragment(char **keep)
{
	char *all[2 * HOLES];
	size_t i;

	for (i = 0; i < 2 * HOLES; i++) {
		all[i] = malloc(16 + (i * 37) % 4000);
		assert_non_null(all[i]);
	}
	for (i = 0; i < HOLES; i++) {
		keep[i] = all[2 * i];
		free(all[2 * i + 1]);
	}
}

static void test_secret_text_not_left_in_heap(void **state)
{
	static const char *const forms[][2] = {
	    {"apiVersion: v1\nkind: Secret\nstringData:\n  encryption-key: ", "\n"},
	    {"apiVersion: v1\nkind: Secret\nstringData:\n  encryption-key: \"", "\"\n"},
	    {"apiVersion: v1\nkind: Secret\nstringData:\n  encryption-key: |\n    ", "\n"},
	    {"{\"kind\": \"Secret\", \"data\": {\"encryption-key\": '", "'}}\n"},
	};
	char key[KEY_LEN + 1];
	char *keep[HOLES];
	size_t i, j;

	(void)state;
	if (!control_found(7)) {
		skip(); /* a sanitizer's or valgrind's allocator: nothing to search */
		return;
	}
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t cap = KEY_LEN + 200;
		char *text = malloc(cap);
		struct cmfv_node *root = NULL, *v;
		struct cmfv_diag d;
		int n;

		make_key(key, KEY_LEN, 1000 + (unsigned)i);
		key[KEY_LEN] = '\0';
		fragment(keep);
		n = snprintf(text, cap, "%s%s%s", forms[i][0], key, forms[i][1]);
		cmfv_diag_clear(&d);
		assert_int_equal(cmfv_yaml_load(text, (size_t)n, "s.yaml", NULL, &root, &d),
				 CMFV_OK);
		/* our own copies are wiped by their owners (the source text, the
		 * value node): this test is about libyaml's */
		OPENSSL_cleanse(text, cap);
		free(text);
		v = cmfv_map_get(cmfv_map_get(root, i == 3 ? "data" : "stringData"),
				 "encryption-key");
		assert_non_null(v);
		assert_int_equal(v->u.s.len >= KEY_LEN, 1);
		OPENSSL_cleanse(v->u.s.ptr, v->u.s.len);
		cmfv_node_free(root);
		/* a freed block's first 16 bytes are the allocator's: from 16 on
		 * is what a 64-byte copy keeps */
		if (in_heap(key + 16, NEEDLE))
			fail_msg("form %zu: the key's characters 16-63 are still in the heap", i);
		if (in_heap(key + KEY_LEN - NEEDLE, NEEDLE))
			fail_msg("form %zu: the key's last %d characters are still in the heap", i,
				 NEEDLE);
		for (j = 0; j < HOLES; j++)
			free(keep[j]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_secret_text_not_left_in_heap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
