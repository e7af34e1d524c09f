/* Regression tests for what hardening found (docs/hardening.md): each test
 * names the input that broke the core, and checks the fix keeps Helm's
 * answer where Helm has one. The big versions (200,000 keys, 10 MiB, ...)
 * are in testdata/hostile; these are small and exact. */
#include "helpers.h"

#include <stdio.h>

#include "cmfv/alloc.h"
#include "cmfv/scalar.h"
#include "cmfv/values.h"
#include "cmfv/yaml.h"

static struct cmfv_node *load(const char *text, struct cmfv_diag *d)
{
	struct cmfv_node *n = NULL;

	cmfv_diag_clear(d);
	if (cmfv_yaml_load(text, strlen(text), "t.yaml", NULL, &n, d) != CMFV_OK)
		return NULL;
	return n;
}

static char *load_json(const char *text)
{
	struct cmfv_diag d;
	struct cmfv_node *n = load(text, &d);
	char *s;

	if (n == NULL)
		fail_msg("%s", d.msg);
	s = to_json(n);
	cmfv_node_free(n);
	return s;
}

/* --set a[0][0]...: each level was a C stack frame, unbounded (40,000
 * levels crashed). Now 1000 levels work and 1001 is an input error. */
static void test_set_list_nesting(void **state)
{
	struct cmfv_loc none = {NULL, 0, 0};
	char *arg = malloc(3 * 1001 + 8);
	int levels;

	(void)state;
	for (levels = 1000; levels <= 1001; levels++) {
		struct cmfv_node *base = cmfv_node_new(CMFV_MAP, none);
		struct cmfv_set_flag f = {CMFV_SET, arg, 1};
		struct cmfv_diag d;
		enum cmfv_err e;
		char *p = arg;
		int i;

		*p++ = 'a';
		for (i = 0; i < levels; i++, p += 3)
			memcpy(p, "[0]", 3);
		strcpy(p, "=1");
		cmfv_diag_clear(&d);
		e = cmfv_strvals_apply(base, &f, NULL, &d);
		if (levels == 1000) {
			assert_int_equal(e, CMFV_OK);
		} else {
			assert_int_equal(e, CMFV_EINPUT);
			assert_non_null(strstr(d.msg, "list nested level is greater than maximum "
						      "supported nested level of 1000"));
		}
		cmfv_node_free(base);
	}
	free(arg);
}

/* Out of memory while storing the result of a bad --set made the function
 * return CMFV_ENOMEM while its diagnostic held the input error (found by
 * fuzz_oom: tests/fuzz/regress/oom/strvals-cleanup-error-wins). The reverse
 * too: out of memory while mending invalid UTF-8 in a list index
 * ("list\xdb1]") returned the input error with "out of memory" in the
 * diagnostic (fuzz_oom in CI: regress/oom/set-utf8-oom). The return code and
 * the diagnostic must agree, whichever allocation fails, alone or sticky. */
static void test_set_error_code_under_faults(void **state)
{
	static const char *args[] = {"a[0]junk=1",
				     "a.b[0]x=1",
				     "a.b.c",
				     "a[0][1]x=2",
				     "k={a,b",
				     "list[0]=x,list\xdb"
				     "1].x=1",
				     "m.n[0]\xab"
				     "1]=2",
				     "l[0]\xc3\x28=1",
				     "a[\xff]=1"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		struct cmfv_loc nowhere = {NULL, 0, 0};
		struct cmfv_node *clean_base = cmfv_node_new(CMFV_MAP, nowhere);
		struct cmfv_set_flag clean_f = {CMFV_SET, args[i], 1};
		struct cmfv_diag clean_d;
		enum cmfv_err clean;
		unsigned long n;

		/* without faults: some of these are input errors, some are fine */
		assert_non_null(clean_base);
		cmfv_diag_clear(&clean_d);
		clean = cmfv_strvals_apply(clean_base, &clean_f, NULL, &clean_d);
		cmfv_node_free(clean_base);
		assert_int_equal(clean, clean_d.code);
		assert_true(clean == CMFV_OK || clean == CMFV_EINPUT);
		for (n = 1; n <= 128; n++) {
			struct cmfv_loc none = {NULL, 0, 0};
			struct cmfv_node *base = cmfv_node_new(CMFV_MAP, none);
			struct cmfv_set_flag f = {CMFV_SET, args[i], 1};
			struct cmfv_diag d;
			enum cmfv_err e;

			assert_non_null(base);
			cmfv_diag_clear(&d);
			cmfv_alloc_fail_at((n + 1) / 2, n % 2);
			e = cmfv_strvals_apply(base, &f, NULL, &d);
			cmfv_alloc_fail_at(0, 0);
			if (e != d.code)
				fail_msg("--set %s, allocation %lu failing: returned %d, "
					 "diagnostic %d (%s)",
					 args[i], n, (int)e, (int)d.code, d.msg);
			if (e != clean && e != CMFV_ENOMEM)
				fail_msg("--set %s, allocation %lu failing: returned %d, %d "
					 "without faults",
					 args[i], n, (int)e, (int)clean);
			cmfv_node_free(base);
		}
	}
}

/* The first error stands, and setting a second one hands back the first's
 * code, so "return cmfv_diag_set(...)" never disagrees with the message. */
static void test_diag_first_error_stands(void **state)
{
	struct cmfv_diag d;

	(void)state;
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_diag_fail(&d, CMFV_ENOMEM, "out of memory"), CMFV_ENOMEM);
	assert_int_equal(cmfv_diag_set(&d, CMFV_EINPUT, "f", 1, 2, "bad %s", "x"), CMFV_ENOMEM);
	assert_int_equal(d.code, CMFV_ENOMEM);
	assert_string_equal(d.msg, "out of memory");
	assert_int_equal(cmfv_diag_set(NULL, CMFV_EINPUT, NULL, 0, 0, "x"), CMFV_EINPUT);
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_diag_set(&d, CMFV_EINPUT, "f", 3, 4, "bad.\n"), CMFV_EINPUT);
	assert_string_equal(d.msg, "bad");
	assert_int_equal(d.line, 3);
}

/* --set a0[65536]=1,a1[65536]=1,... made 65,537 nodes a list: 200 lists
 * took 1.2 GB. Four full lists per flag still work. */
static void test_set_gap_budget(void **state)
{
	char arg[4096], *p;
	int lists;

	(void)state;
	for (lists = 4; lists <= 5; lists++) {
		struct cmfv_loc none = {NULL, 0, 0};
		struct cmfv_node *base = cmfv_node_new(CMFV_MAP, none);
		struct cmfv_set_flag f = {CMFV_SET, arg, 1};
		struct cmfv_diag d;
		int i;

		for (i = 0, p = arg; i < lists; i++)
			p += sprintf(p, "%sa%d[65536]=1", i ? "," : "", i);
		cmfv_diag_clear(&d);
		if (lists == 4) {
			assert_int_equal(cmfv_strvals_apply(base, &f, NULL, &d), CMFV_OK);
			assert_int_equal(cmfv_map_get(base, "a3")->u.seq.n, 65537);
		} else {
			assert_int_equal(cmfv_strvals_apply(base, &f, NULL, &d), CMFV_EINPUT);
			assert_non_null(strstr(
			    d.msg, "together may not add more than 262148 empty list items"));
		}
		cmfv_node_free(base);
	}
}

/* A long --set argument used to fill the message, cutting off the reason. */
static void test_set_long_arg_message(void **state)
{
	struct cmfv_loc none = {NULL, 0, 0};
	struct cmfv_node *base = cmfv_node_new(CMFV_MAP, none);
	char arg[4000];
	struct cmfv_set_flag f = {CMFV_SET, arg, 2};
	struct cmfv_diag d;

	(void)state;
	memset(arg, 'k', sizeof(arg) - 8);
	strcpy(arg + sizeof(arg) - 8, "={a,b");
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_strvals_apply(base, &f, NULL, &d), CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "...: list must terminate with '}'"));
	assert_int_equal(strncmp(d.msg, "--set kkkk", 10), 0);
	cmfv_node_free(base);
}

/* Anchors were looked up by a linear scan: 200,000 anchors took a minute.
 * Now a hashed table; a redefined anchor still replaces the earlier one. */
static void test_anchor_redefinition(void **state)
{
	char *s;

	(void)state;
	s = load_json("a: &x 1\nb: *x\nc: &x [2]\nd: *x\ne: {&k key: v}\nf: *k\n");
	assert_string_equal(
	    s, "{\"a\":1,\"b\":1,\"c\":[2],\"d\":[2],\"e\":{\"key\":\"v\"},\"f\":\"key\"}");
	free(s);
}

static void test_many_anchors(void **state)
{
	size_t n = 20000, i;
	char *text = malloc(n * 32 + 64), *p = text, *json;
	struct cmfv_diag d;
	struct cmfv_node *root;

	(void)state;
	for (i = 0; i < n; i++)
		p += sprintf(p, "k%zu: &a%zu %zu\n", i, i, i);
	p += sprintf(p, "last: *a%zu\nfirst: *a0\n", n - 1);
	root = load(text, &d);
	assert_non_null(root);
	json = to_json(cmfv_map_get(root, "last"));
	assert_string_equal(json, "19999");
	free(json);
	json = to_json(cmfv_map_get(root, "first"));
	assert_string_equal(json, "0");
	free(json);
	cmfv_node_free(root);
	free(text);
}

/* The alias bomb used 675 MB and 2.4 s before hitting the node limit. Now
 * go-yaml v2's rule (as Helm): it stops at once, and ordinary reuse of an
 * anchor (even hundreds of times) still loads. */
static void test_alias_bomb(void **state)
{
	char text[2048], *p = text;
	struct cmfv_diag d;
	struct cmfv_node *n;
	int i, j;

	(void)state;
	p += sprintf(p, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (i = 1; i < 10; i++) {
		p += sprintf(p, "a%d: &a%d [", i, i);
		for (j = 0; j < 9; j++)
			p += sprintf(p, "%s*a%d", j ? ", " : "", i - 1);
		p += sprintf(p, "]\n");
	}
	n = load(text, &d);
	assert_null(n);
	assert_int_equal(d.code, CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "document contains excessive aliasing"));
	assert_int_equal(d.line, 4);
}

static void test_alias_reuse(void **state)
{
	/* an anchor of 101 nodes used 3000 times: go-yaml accepts it (checked
	 * with Helm 3.17.3); with 103 nodes it refuses, and so do we */
	size_t keys;

	(void)state;
	for (keys = 50; keys <= 51; keys++) {
		char *text = malloc(3000 * 5 + keys * 16 + 64), *p = text;
		struct cmfv_diag d;
		struct cmfv_node *n;
		size_t i;

		p += sprintf(p, "base: &b {");
		for (i = 0; i < keys; i++)
			p += sprintf(p, "%sk%zu: %zu", i ? ", " : "", i, i);
		p += sprintf(p, "}\nuses: [");
		for (i = 0; i < 3000; i++)
			p += sprintf(p, "%s*b", i ? ", " : "");
		p += sprintf(p, "]\n");
		n = load(text, &d);
		if (keys == 50) {
			assert_non_null(n);
			assert_int_equal(cmfv_map_get(n, "uses")->u.seq.n, 3000);
		} else {
			assert_null(n);
			assert_non_null(strstr(d.msg, "excessive aliasing"));
		}
		cmfv_node_free(n);
		free(text);
	}
}

/* Coalescing deleted user nulls one at a time, each O(n): 200,000 nulls
 * over 200,000 defaults never finished. Now one pass; order and lookups
 * must survive it. */
static void test_map_delete_flagged(void **state)
{
	struct cmfv_loc none = {NULL, 0, 0};
	struct cmfv_node *m = cmfv_node_new(CMFV_MAP, none);
	unsigned char drop[100] = {0};
	char key[16];
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_int_equal(cmfv_map_set(m, key, none, cmfv_node_new(CMFV_NULL, none)),
				 CMFV_OK);
		drop[i] = i % 3 == 0;
	}
	cmfv_map_delete_flagged(m, drop, 100);
	assert_int_equal(m->u.map.n, 66);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		if (i % 3 == 0)
			assert_null(cmfv_map_get(m, key));
		else
			assert_non_null(cmfv_map_get(m, key));
	}
	assert_string_equal(m->u.map.v[0].key, "k1");
	assert_string_equal(m->u.map.v[65].key, "k98");
	/* the index still works for new keys */
	assert_int_equal(cmfv_map_set(m, "new", none, cmfv_node_new(CMFV_NULL, none)), CMFV_OK);
	assert_non_null(cmfv_map_get(m, "new"));
	assert_non_null(cmfv_map_get(m, "k97"));
	cmfv_node_free(m);
}

static void test_coalesce_many_nulls(void **state)
{
	size_t n = 5000, i;
	char *defs = malloc(n * 24), *user = malloc(n * 24 + 64), *p;
	struct cmfv_node *d_node, *u_node, *out = NULL;
	struct cmfv_diag d;
	int major;

	(void)state;
	for (major = 3; major <= 4; major++) {
		p = defs;
		for (i = 0; i < n; i++)
			p += sprintf(p, "k%zu: %zu\n", i, i);
		p += sprintf(p, "nested: {a: 1, b: 2, c: null}\n");
		p = user;
		for (i = 0; i < n; i += 2)
			p += sprintf(p, "k%zu: null\n", i);
		p += sprintf(p, "extra: null\nnested: {a: null, c: null}\n");
		d_node = load(defs, &d);
		u_node = load(user, &d);
		assert_non_null(d_node);
		assert_non_null(u_node);
		assert_int_equal(cmfv_values_coalesce(d_node, u_node, major, &out), CMFV_OK);
		/* even keys deleted, odd kept; a null the chart lacks stays */
		assert_int_equal(out->u.map.n, n / 2 + 2);
		assert_null(cmfv_map_get(out, "k0"));
		assert_non_null(cmfv_map_get(out, "k1"));
		assert_non_null(cmfv_map_get(out, "extra"));
		{
			char *s = to_json(cmfv_map_get(out, "nested"));

			/* Helm 3 drops a user null over a chart null, Helm 4 keeps it */
			assert_string_equal(s, major == 3 ? "{\"b\":2}" : "{\"b\":2,\"c\":null}");
			free(s);
		}
		cmfv_node_free(out);
	}
	free(defs);
	free(user);
}

/* Numbers of 128 to 1023 characters stayed strings; Helm reads them as
 * float64 (a 200-digit integer is 1e+200 there). */
static void test_long_numbers(void **state)
{
	char text[1200], *s;

	(void)state;
	memset(text, 0, sizeof(text));
	strcpy(text, "a: ");
	memset(text + 3, '9', 200);
	strcat(text, "\nb: 1");
	memset(text + strlen(text), '0', 400);
	strcat(text, "\n");
	s = load_json(text);
	/* 401 digits overflow a float64: Go fails, so the text stays a string */
	assert_int_equal(strncmp(s, "{\"a\":1e+200,\"b\":\"10000", 22), 0);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set_list_nesting),
	    cmocka_unit_test(test_set_long_arg_message),
	    cmocka_unit_test(test_set_error_code_under_faults),
	    cmocka_unit_test(test_set_gap_budget),
	    cmocka_unit_test(test_diag_first_error_stands),
	    cmocka_unit_test(test_anchor_redefinition),
	    cmocka_unit_test(test_many_anchors),
	    cmocka_unit_test(test_alias_bomb),
	    cmocka_unit_test(test_alias_reuse),
	    cmocka_unit_test(test_map_delete_flagged),
	    cmocka_unit_test(test_coalesce_many_nulls),
	    cmocka_unit_test(test_long_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
