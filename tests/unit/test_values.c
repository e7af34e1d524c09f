/* YAML loading as Helm reads values, mergeMaps and CoalesceValues. */
#include "helpers.h"

#include "cmfv/values.h"
#include "cmfv/yaml.h"

static struct cmfv_node *load(const char *text, struct cmfv_diag *d, enum cmfv_err want)
{
	struct cmfv_node *n = NULL;

	cmfv_diag_clear(d);
	assert_int_equal(cmfv_yaml_load(text, strlen(text), "v.yaml", NULL, &n, d), want);
	return n;
}

struct ycase {
	const char *yaml;
	const char *json;
};

static const struct ycase ycases[] = {
    {"a: yes\nb: No\nc: on\nd: y\n", "{\"a\":true,\"b\":false,\"c\":true,\"d\":true}"},
    {"a: 017\nb: 0o17\nc: 0x1F\nd: 0b101\ne: 1_000\nf: 1e3\n",
     "{\"a\":15,\"b\":15,\"c\":31,\"d\":5,\"e\":1000,\"f\":1000}"},
    {"a: ~\nb: null\nc:\n", "{\"a\":null,\"b\":null,\"c\":null}"},
    {"a: '1'\nb: \"true\"\nc: 2001-12-14\nd: 1:20\n",
     "{\"a\":\"1\",\"b\":\"true\",\"c\":\"2001-12-14\",\"d\":\"1:20\"}"},
    {"y: 1\n1: a\non: b\n1.5: c\n", "{\"1\":\"a\",\"1.5\":\"c\",\"true\":\"b\"}"},
    {"a: 12345678901234567890\nb: 9007199254740993\n",
     "{\"a\":12345678901234567000,\"b\":9007199254740992}"},
    {"base: &b {p: 1, q: 2}\nc:\n  <<: *b\n  q: 3\n",
     "{\"base\":{\"p\":1,\"q\":2},\"c\":{\"p\":1,\"q\":3}}"},
    {"a: &a {x: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n",
     "{\"a\":{\"x\":1},\"b\":{\"x\":2,\"z\":2},\"c\":{\"x\":1,\"z\":2}}"},
    {"m: &m {k: 1}\ny: {x: 1}\n", "{\"m\":{\"k\":1},\"true\":{\"x\":1}}"},
    {"l: &l [1, 2]\nm: *l\n", "{\"l\":[1,2],\"m\":[1,2]}"},
    {"a: !!str 12\nb: !!int \"7\"\n", "{\"a\":\"12\",\"b\":7}"},
    {"dup: 1\ndup: 2\n", "{\"dup\":2}"},
    {"{\"json\": [1, 2.5, \"x\"], \"n\": null}", "{\"json\":[1,2.5,\"x\"],\"n\":null}"},
    {"s: |\n  line\n  ---\n", "{\"s\":\"line\\n---\\n\"}"},
    {"a: <b>&</b>\n", "{\"a\":\"\\u003cb\\u003e\\u0026\\u003c/b\\u003e\"}"},
};

static void test_yaml_resolution(void **state)
{
	size_t i;
	struct cmfv_diag d;

	(void)state;
	for (i = 0; i < sizeof(ycases) / sizeof(ycases[0]); i++) {
		struct cmfv_node *n = load(ycases[i].yaml, &d, CMFV_OK);
		char *got = to_json(n);

		if (strcmp(got, ycases[i].json) != 0)
			fail_msg("%s\n got  %s\n want %s", ycases[i].yaml, got, ycases[i].json);
		free(got);
		cmfv_node_free(n);
	}
}

static void test_locations(void **state)
{
	struct cmfv_diag d;
	struct cmfv_node *n = load("# c\ncmf:\n  sql:\n    production: \"true\"\n", &d, CMFV_OK);
	const struct cmfv_node *p = cmfv_node_path(n, "cmf.sql.production");

	(void)state;
	assert_non_null(p);
	assert_int_equal(p->kind, CMFV_STR);
	assert_true(p->quoted);
	assert_string_equal(p->loc.file, "v.yaml");
	assert_int_equal(p->loc.line, 4);
	assert_int_equal(p->loc.col, 17);
	cmfv_node_free(n);
}

static void test_errors(void **state)
{
	struct cmfv_diag d;

	(void)state;
	load("a: [1, 2\n", &d, CMFV_EINPUT);
	assert_string_equal(d.file, "v.yaml");
	assert_true(d.line >= 1);
	load("a: b: c\n", &d, CMFV_EINPUT);
	assert_int_equal(d.line, 1);
	assert_int_equal(d.col, 5);
	load("a: *nope\n", &d, CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "unknown anchor"));
	load("a: .inf\n", &d, CMFV_EINPUT);
	load("~: 1\n", &d, CMFV_EINPUT);
	load("? [1]\n: 2\n", &d, CMFV_EINPUT);
	load("a: !!binary 'x'\n\tb: 1\n", &d, CMFV_EINPUT);
}

static void test_limits(void **state)
{
	struct cmfv_diag d;
	char *deep = malloc(20001 * 2 + 1);
	size_t i;
	const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
			   "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
			   "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";

	(void)state;
	for (i = 0; i < 20000; i++)
		deep[i] = '[';
	for (i = 0; i < 20000; i++)
		deep[20000 + i] = ']';
	deep[40000] = '\0';
	load(deep, &d, CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "nesting"));
	free(deep);
	load(bomb, &d, CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "aliases"));
}

static struct cmfv_node *json(const char *s)
{
	struct cmfv_diag d;

	return load(s, &d, CMFV_OK);
}

static void expect(struct cmfv_node *n, const char *want)
{
	char *got = to_json(n);

	if (strcmp(got, want) != 0)
		fail_msg("got  %s\nwant %s", got, want);
	free(got);
}

static void test_merge_maps(void **state)
{
	struct cmfv_node *a =
	    json("{\"m\": {\"x\": 1, \"l\": [1, 2]}, \"s\": 1, \"t\": {\"k\": 1}}");

	(void)state;
	assert_int_equal(
	    cmfv_values_merge_maps(a, json("{\"m\": {\"y\": 2, \"l\": [3]}, \"s\": {\"now\": "
					   "\"map\"}, \"t\": 5, \"n\": null}")),
	    CMFV_OK);
	expect(a, "{\"m\":{\"l\":[3],\"x\":1,\"y\":2},\"n\":null,\"s\":{\"now\":\"map\"},\"t\":5}");
	cmfv_node_free(a);
}

static void test_coalesce(void **state)
{
	struct cmfv_node *out = NULL;
	const char *defaults = "{\"keep\": 1, \"del\": 2, \"m\": {\"a\": 1, \"b\": 2, \"dn\": "
			       "null, \"t\": {\"x\": 1}},"
			       " \"s\": \"str\", \"tbl\": {\"k\": 1}}";
	const char *user =
	    "{\"del\": null, \"m\": {\"b\": null, \"dn\": null, \"new\": null, \"t\": 3},"
	    " \"s\": {\"over\": 1}, \"tbl\": 7, \"extra\": null}";

	(void)state;
	assert_int_equal(cmfv_values_coalesce(json(defaults), json(user), 4, &out), CMFV_OK);
	expect(out, "{\"extra\":null,\"keep\":1,\"m\":{\"a\":1,\"dn\":null,\"new\":null,\"t\":3},"
		    "\"s\":{\"over\":1},\"tbl\":7}");
	cmfv_node_free(out);
	/* Helm 3 also drops a user null over a chart null */
	assert_int_equal(cmfv_values_coalesce(json(defaults), json(user), 3, &out), CMFV_OK);
	expect(out, "{\"extra\":null,\"keep\":1,\"m\":{\"a\":1,\"new\":null,\"t\":3},"
		    "\"s\":{\"over\":1},\"tbl\":7}");
	cmfv_node_free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_yaml_resolution), cmocka_unit_test(test_locations),
	    cmocka_unit_test(test_errors),	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_merge_maps),	    cmocka_unit_test(test_coalesce),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
