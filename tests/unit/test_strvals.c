/* --set parsing, table-driven against what Helm's strvals produces. */
#include "helpers.h"

#include <stdio.h>
#include <unistd.h>

#include "cmfv/values.h"

struct set_case {
	const char *name;
	enum cmfv_set_kind kind;
	const char *base; /* JSON object the flag applies to ("{}" if NULL) */
	const char *arg;
	const char *want;   /* expected JSON, or NULL for an error */
	const char *errsub; /* substring of the error message */
};

static const struct set_case cases[] = {
    {"simple", CMFV_SET, NULL, "a=b", "{\"a\":\"b\"}", NULL},
    {"nested", CMFV_SET, NULL, "a.b.c=d", "{\"a\":{\"b\":{\"c\":\"d\"}}}", NULL},
    {"commas", CMFV_SET, NULL, "a=1,b=2", "{\"a\":1,\"b\":2}", NULL},
    {"escaped comma", CMFV_SET, NULL, "a=x\\,y", "{\"a\":\"x,y\"}", NULL},
    {"escaped dot", CMFV_SET, NULL, "a\\.b=c", "{\"a.b\":\"c\"}", NULL},
    {"bool true", CMFV_SET, NULL, "a=true", "{\"a\":true}", NULL},
    {"bool TRUE", CMFV_SET, NULL, "a=TRUE", "{\"a\":true}", NULL},
    {"bool False", CMFV_SET, NULL, "a=False", "{\"a\":false}", NULL},
    {"null", CMFV_SET, NULL, "a=null", "{\"a\":null}", NULL},
    {"zero", CMFV_SET, NULL, "a=0", "{\"a\":0}", NULL},
    {"leading zero stays string", CMFV_SET, NULL, "a=0777", "{\"a\":\"0777\"}", NULL},
    {"negative int", CMFV_SET, NULL, "a=-12", "{\"a\":-12}", NULL},
    {"plus int", CMFV_SET, NULL, "a=+5", "{\"a\":5}", NULL},
    {"float stays string", CMFV_SET, NULL, "a=1.5", "{\"a\":\"1.5\"}", NULL},
    {"int64 overflow stays string", CMFV_SET, NULL, "a=99999999999999999999",
     "{\"a\":\"99999999999999999999\"}", NULL},
    {"int64 max", CMFV_SET, NULL, "a=9223372036854775807", "{\"a\":9223372036854775807}", NULL},
    {"empty value", CMFV_SET, NULL, "a=", "{\"a\":\"\"}", NULL},
    {"list", CMFV_SET, NULL, "a={x,y,1}", "{\"a\":[\"x\",\"y\",1]}", NULL},
    {"empty braces", CMFV_SET, NULL, "a={}", "{\"a\":[\"\"]}", NULL},
    {"list then pair", CMFV_SET, NULL, "a={x},b=2", "{\"a\":[\"x\"],\"b\":2}", NULL},
    {"index", CMFV_SET, NULL, "a[0]=x", "{\"a\":[\"x\"]}", NULL},
    {"sparse index", CMFV_SET, NULL, "a[2]=x", "{\"a\":[null,null,\"x\"]}", NULL},
    {"index map", CMFV_SET, NULL, "a[0].b=c", "{\"a\":[{\"b\":\"c\"}]}", NULL},
    {"nested index", CMFV_SET, NULL, "a[0][1]=x", "{\"a\":[[null,\"x\"]]}", NULL},
    {"replace list element", CMFV_SET, "{\"a\":[1,2,3]}", "a[1]=x", "{\"a\":[1,\"x\",3]}", NULL},
    {"merge into map", CMFV_SET, "{\"a\":{\"x\":1}}", "a.y=2", "{\"a\":{\"x\":1,\"y\":2}}", NULL},
    {"replace scalar", CMFV_SET, "{\"a\":1}", "a=2", "{\"a\":2}", NULL},
    {"map over scalar fails", CMFV_SET, "{\"a\":1}", "a.b=2", NULL, "not a map"},
    {"map over null fails", CMFV_SET, "{\"a\":null}", "a.b=2", NULL, "not a map"},
    {"index over map fails", CMFV_SET, "{\"a\":{}}", "a[0]=2", NULL, "not a list"},
    {"no value", CMFV_SET, NULL, "a", NULL, "has no value"},
    {"no value nested", CMFV_SET, NULL, "a.b", NULL, "has no value"},
    {"trailing comma key", CMFV_SET, NULL, "a,b=1", NULL, "cannot end with ,"},
    {"bad index", CMFV_SET, NULL, "a[x]=1", NULL, "error parsing index"},
    {"negative index", CMFV_SET, NULL, "a[-1]=1", NULL, "negative"},
    {"huge index", CMFV_SET, NULL, "a[70000]=1", NULL, "maximum supported index"},
    {"unterminated list", CMFV_SET, NULL, "a={x,y", NULL, "terminate"},
    {"too deep", CMFV_SET, NULL,
     "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a=1", NULL, "nested level"},
    {"empty key ignored", CMFV_SET, NULL, "=x", "{}", NULL},
    {"string kind", CMFV_SET_STRING, NULL, "a=true,b=1,c=null",
     "{\"a\":\"true\",\"b\":\"1\",\"c\":\"null\"}", NULL},
    {"string list", CMFV_SET_STRING, NULL, "a={1,2}", "{\"a\":[\"1\",\"2\"]}", NULL},
    {"json scalar", CMFV_SET_JSON, NULL, "a=1", "{\"a\":1}", NULL},
    {"json object", CMFV_SET_JSON, NULL, "a={\"x\":[1,\"y\",true,null]}",
     "{\"a\":{\"x\":[1,\"y\",true,null]}}", NULL},
    {"json then pair", CMFV_SET_JSON, NULL, "a=[1,2],b=\"s\"", "{\"a\":[1,2],\"b\":\"s\"}", NULL},
    {"json empty is null", CMFV_SET_JSON, NULL, "a=", "{\"a\":null}", NULL},
    {"json index", CMFV_SET_JSON, NULL, "a[1]={\"k\":2}", "{\"a\":[null,{\"k\":2}]}", NULL},
    {"json invalid", CMFV_SET_JSON, NULL, "a={x}", NULL, "invalid JSON"},
    {"literal keeps commas", CMFV_SET_LITERAL, NULL, "a=x,y=z\\n", "{\"a\":\"x,y=z\\\\n\"}", NULL},
    {"literal nested", CMFV_SET_LITERAL, NULL, "a.b=true", "{\"a\":{\"b\":\"true\"}}", NULL},
    {"literal index", CMFV_SET_LITERAL, NULL, "a[1]=v", "{\"a\":[null,\"v\"]}", NULL},
};

static struct cmfv_node *parse_json(const char *s)
{
	struct cmfv_node *n = NULL;
	struct cmfv_loc loc = {NULL, 0, 0};
	struct cmfv_diag d;
	size_t used;

	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_json_parse(s, strlen(s), loc, 100, &n, &used, &d), CMFV_OK);
	return n;
}

static void test_case(void **state)
{
	const struct set_case *c = *state;
	struct cmfv_node *base = parse_json(c->base ? c->base : "{}");
	struct cmfv_set_flag f = {c->kind, c->arg, 1};
	struct cmfv_sources src = {0};
	struct cmfv_diag d;
	enum cmfv_err e;

	cmfv_diag_clear(&d);
	e = cmfv_strvals_apply(base, &f, &src, &d);
	if (c->want) {
		char *got;

		if (e != CMFV_OK)
			fail_msg("%s: unexpected error: %s", c->name, d.msg);
		got = to_json(base);
		if (strcmp(got, c->want) != 0)
			fail_msg("%s: got %s, want %s", c->name, got, c->want);
		free(got);
	} else {
		assert_int_equal(e, CMFV_EINPUT);
		if (strstr(d.msg, c->errsub) == NULL)
			fail_msg("%s: error '%s' lacks '%s'", c->name, d.msg, c->errsub);
		/* the error names the flag */
		assert_string_equal(d.file, "--set");
		assert_int_equal(d.col, 1);
	}
	cmfv_node_free(base);
	cmfv_sources_free(&src);
}

static void test_set_file(void **state)
{
	char path[] = "/tmp/cmfv-setfile-XXXXXX";
	int fd = mkstemp(path);
	char arg[128];
	struct cmfv_node *base = parse_json("{}");
	struct cmfv_set_flag f = {CMFV_SET_FILE, arg, 3};
	struct cmfv_sources src = {0};
	struct cmfv_diag d;
	char *got;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "line1\ntrue\n", 11), 11);
	close(fd);
	snprintf(arg, sizeof(arg), "cfg.text=%s", path);
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_strvals_apply(base, &f, &src, &d), CMFV_OK);
	got = to_json(base);
	assert_string_equal(got, "{\"cfg\":{\"text\":\"line1\\ntrue\\n\"}}");
	/* values from a flag carry its position */
	assert_string_equal(cmfv_node_path(base, "cfg.text")->loc.file, "--set");
	assert_int_equal(cmfv_node_path(base, "cfg.text")->loc.col, 3);
	free(got);
	unlink(path);
	cmfv_node_free(base);
	cmfv_sources_free(&src);

	base = parse_json("{}");
	snprintf(arg, sizeof(arg), "x=/nonexistent/cmfv");
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_strvals_apply(base, &f, &src, &d), CMFV_ENOENT);
	cmfv_node_free(base);
	cmfv_sources_free(&src);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 1];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = test_case;
		tests[i].setup_func = NULL;
		tests[i].teardown_func = NULL;
		tests[i].initial_state = (void *)(uintptr_t)&cases[i];
	}
	tests[i] = (struct CMUnitTest)cmocka_unit_test(test_set_file);
	return _cmocka_run_group_tests("strvals", tests, i + 1, NULL, NULL);
}
