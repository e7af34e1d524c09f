/* YAML output (src/values/emit.c): every scalar kind, the strings that must be
 * quoted to read back as strings, literal blocks, bytes that are not UTF-8,
 * nesting, empty collections, key order, and that what is written reads
 * back as the same tree. */
#include "helpers.h"

#include <stdint.h>

#include "cmfv/alloc.h"
#include "cmfv/emit.h"
#include "cmfv/yaml.h"

static const struct cmfv_loc nowhere = {NULL, 0, 0};

static struct cmfv_node *str(const char *s, size_t len)
{
	struct cmfv_node *n = cmfv_node_new_str(s, len, nowhere);

	assert_non_null(n);
	return n;
}

static struct cmfv_node *kind(enum cmfv_kind k)
{
	struct cmfv_node *n = cmfv_node_new(k, nowhere);

	assert_non_null(n);
	return n;
}

static void set(struct cmfv_node *map, const char *key, struct cmfv_node *v)
{
	assert_int_equal(cmfv_map_set(map, key, nowhere, v), CMFV_OK);
}

static void push(struct cmfv_node *seq, struct cmfv_node *v)
{
	assert_int_equal(cmfv_seq_push(seq, v), CMFV_OK);
}

/* \p n written (keys sorted or not) is exactly \p want; \p n is freed. */
static void emits(struct cmfv_node *n, int sort, const char *want)
{
	struct cmfv_buf b = {0};

	assert_int_equal(cmfv_yaml_emit(n, sort, &b), CMFV_OK);
	assert_non_null(b.ptr);
	if (strcmp(b.ptr, want) != 0)
		fail_msg("got\n%s\nwant\n%s", b.ptr, want);
	cmfv_buf_free(&b);
	cmfv_node_free(n);
}

/* One value under key v, so that every scalar is written as a map value. */
static void emits_value(struct cmfv_node *v, const char *want)
{
	struct cmfv_node *m = kind(CMFV_MAP);

	set(m, "v", v);
	emits(m, 0, want);
}

static void test_scalar_kinds(void **state)
{
	struct cmfv_node *n;

	(void)state;
	emits_value(kind(CMFV_NULL), "v: null\n");
	n = kind(CMFV_BOOL);
	n->u.b = 1;
	emits_value(n, "v: true\n");
	emits_value(kind(CMFV_BOOL), "v: false\n");
	n = kind(CMFV_INT);
	n->u.i = 42;
	emits_value(n, "v: 42\n");
	n = kind(CMFV_INT);
	n->u.i = INT64_MIN;
	emits_value(n, "v: -9223372036854775808\n");
	n = kind(CMFV_FLOAT);
	n->u.f = 1.5;
	emits_value(n, "v: 1.5\n");
	n = kind(CMFV_FLOAT);
	n->u.f = 3; /* a whole float64 reads as Helm writes it */
	emits_value(n, "v: 3\n");
	n = kind(CMFV_FLOAT);
	n->u.f = 1e21;
	emits_value(n, "v: 1e+21\n");
	emits_value(str("hello world", 11), "v: hello world\n");
	/* a scalar at the top is a document of its own */
	emits(str("top", 3), 0, "top\n");
}

/* Strings that would read back as another kind, or not at all, are quoted;
 * strings that are strings anyway are not. */
static void test_quoting(void **state)
{
	static const struct {
		const char *s, *want;
	} cases[] = {
	    {"true", "v: \"true\"\n"},
	    {"False", "v: \"False\"\n"},
	    {"yes", "v: \"yes\"\n"}, /* YAML 1.1: a boolean to go-yaml v2 readers */
	    {"null", "v: \"null\"\n"},
	    {"~", "v: \"~\"\n"},
	    {"", "v: \"\"\n"},
	    {"1", "v: \"1\"\n"},
	    {"0x1F", "v: \"0x1F\"\n"},
	    {"1.5e3", "v: \"1.5e3\"\n"},
	    {".inf", "v: \".inf\"\n"},
	    {"<<", "v: \"<<\"\n"},
	    {"a: b", "v: 'a: b'\n"},
	    {"- x", "v: '- x'\n"},
	    {"#x", "v: '#x'\n"},
	    {" lead", "v: ' lead'\n"},
	    {"it's", "v: it's\n"},
	    {"1.2.3", "v: 1.2.3\n"},
	    {"cmf", "v: cmf\n"},
	    {"d\xc3\xa9j\xc3\xa0", "v: d\xc3\xa9j\xc3\xa0\n"}, /* UTF-8 as it is, not escaped */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		emits_value(str(cases[i].s, strlen(cases[i].s)), cases[i].want);
}

/* Text with line breaks: a literal block when it ends in one and holds no
 * tab or carriage return; else libyaml's choice of quoting (a single-quoted
 * scalar folds: its blank line is the line break). */
static void test_multiline(void **state)
{
	(void)state;
	emits_value(str("a\nb\n", 4), "v: |\n  a\n  b\n");
	emits_value(str("a\nb", 3), "v: 'a\n\n  b'\n");
	emits_value(str("a\r\nb\r\n", 6), "v: \"a\\r\\nb\\r\\n\"\n");
	emits_value(str("a\tb\n", 4), "v: \"a\\tb\\n\"\n");
	emits_value(str("\n", 1), "v: '\n\n  '\n");
}

/* Bytes that are not UTF-8 (a --set-file of binary) go out as !!binary. */
static void test_binary(void **state)
{
	(void)state;
	emits_value(str("\xff\xfe\x00\x01", 4), "v: !!binary //4AAQ==\n");
	emits_value(str("ab\xc3", 3), "v: !!binary YWLD\n");
}

static void test_nesting_and_empty(void **state)
{
	struct cmfv_node *root = kind(CMFV_MAP), *seq = kind(CMFV_SEQ), *item = kind(CMFV_MAP);
	struct cmfv_node *inner = kind(CMFV_SEQ), *n = kind(CMFV_INT);

	(void)state;
	n->u.i = 1;
	set(item, "name", str("a", 1));
	push(inner, n);
	push(inner, str("true", 4));
	set(item, "list", inner);
	push(seq, item);
	push(seq, kind(CMFV_MAP));
	push(seq, kind(CMFV_SEQ));
	push(seq, kind(CMFV_NULL));
	set(root, "items", seq);
	set(root, "empty", kind(CMFV_MAP));
	emits(root, 0,
	      "items:\n"
	      "- name: a\n"
	      "  list:\n"
	      "  - 1\n"
	      "  - \"true\"\n"
	      "- {}\n"
	      "- []\n"
	      "- null\n"
	      "empty: {}\n");
	emits(kind(CMFV_MAP), 0, "{}\n");
	emits(kind(CMFV_SEQ), 0, "[]\n");
}

/* Keys keep their order, or are sorted bytewise (as Helm prints values);
 * a key that would read back as another kind is quoted too. */
static void test_key_order(void **state)
{
	int sort;

	(void)state;
	for (sort = 0; sort < 2; sort++) {
		struct cmfv_node *m = kind(CMFV_MAP), *sub = kind(CMFV_MAP);

		set(sub, "z", str("1 ", 2));
		set(sub, "a", kind(CMFV_NULL));
		set(m, "b", sub);
		set(m, "B", kind(CMFV_NULL));
		set(m, "true", kind(CMFV_NULL));
		set(m, "a", kind(CMFV_NULL));
		emits(m, sort,
		      sort ? "B: null\na: null\nb:\n  a: null\n  z: '1 '\n\"true\": null\n"
			   : "b:\n  z: '1 '\n  a: null\nB: null\n\"true\": null\na: null\n");
	}
}

/* What is written reads back as the same tree, for awkward strings. */
static void test_round_trip(void **state)
{
	static const char *const strings[] = {
	    "true",  "~",   "",	      "0o17", "-.5",  "2001-12-14", "a: b",  "  both  ",
	    "\"q\"", "'s'", "a\nb\n", "a\nb", "\n",   "\t",	    "x\r\n", "\xe2\x82\xac",
	    "[x]",   "{x}", "*a",     "&a",   "!t",   "%x",	    "@x",    "`x",
	    "<<",    "? x", "|",      ">",    "null", "NULL",	    "y",     "n",
	    "on",    "off",
	};
	struct cmfv_node *m = kind(CMFV_MAP), *back = NULL;
	struct cmfv_buf b = {0};
	struct cmfv_diag d;
	char key[16];
	char *j1, *j2;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		snprintf(key, sizeof(key), "k%02zu", i);
		set(m, key, str(strings[i], strlen(strings[i])));
		set(m, strings[i][0] ? strings[i] : "empty", str("v", 1)); /* and as keys */
	}
	assert_int_equal(cmfv_yaml_emit(m, 1, &b), CMFV_OK);
	cmfv_diag_clear(&d);
	if (cmfv_yaml_load(b.ptr, b.len, "out.yaml", NULL, &back, &d) != CMFV_OK)
		fail_msg("%s\n%u:%u %s", b.ptr, d.line, d.col, d.msg);
	j1 = to_json(m);
	j2 = to_json(back);
	assert_string_equal(j1, j2);
	free(j1);
	free(j2);
	cmfv_buf_free(&b);
	cmfv_node_free(m);
	cmfv_node_free(back);
}

/* Out of memory anywhere: CMFV_ENOMEM, nothing half-written claimed. */
static void test_alloc_failures(void **state)
{
	unsigned long n;
	int failed = 0;

	(void)state;
	for (n = 1; n < 100; n++) {
		struct cmfv_node *m = kind(CMFV_MAP), *s = kind(CMFV_SEQ);
		struct cmfv_buf b = {0};
		enum cmfv_err e;

		push(s, str("\xff", 1));
		set(m, "b", s);
		set(m, "a", str("x", 1));
		cmfv_alloc_reset_count();
		cmfv_alloc_fail_at(n, 0);
		e = cmfv_yaml_emit(m, 1, &b);
		cmfv_alloc_fail_at(0, 0);
		cmfv_buf_free(&b);
		cmfv_node_free(m);
		if (e == CMFV_OK)
			break;
		assert_int_equal(e, CMFV_ENOMEM);
		failed++;
	}
	assert_true(failed >= 2);
	assert_true(n < 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalar_kinds),      cmocka_unit_test(test_quoting),
	    cmocka_unit_test(test_multiline),	      cmocka_unit_test(test_binary),
	    cmocka_unit_test(test_nesting_and_empty), cmocka_unit_test(test_key_order),
	    cmocka_unit_test(test_round_trip),	      cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
