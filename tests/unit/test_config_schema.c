/* The configuration file has one schema (libcyaml's, cmfv_config_schema):
 * the located check is walked from it, so every field it names is checked
 * with a place, and hostile files get a located error, never a crash or a
 * silent load. The documents for the walk are generated from the schema
 * itself: a field added there is covered here without a new line. */
#include "helpers.h"

#include <cyaml/cyaml.h>
#include <stdio.h>

#include "cmfv/alloc.h"
#include "cmfv/config.h"

static enum cmfv_err load(const char *text, struct cmfv_config **c, struct cmfv_diag *d)
{
	struct cmfv_sources src = {0};
	const struct cmfv_source *s;
	enum cmfv_err e;

	*c = NULL;
	cmfv_diag_clear(d);
	assert_int_equal(cmfv_sources_add(&src, "cfg.yaml", text, strlen(text), 0, &s), CMFV_OK);
	e = cmfv_config_load(s, c, d);
	cmfv_sources_free(&src);
	return e;
}

/* ---- documents generated from the schema ---- */

/* What to do to the field with DFS number `target` (fields counted as the
 * generator meets them). */
enum twist { T_NONE, T_WRONG_KIND, T_UNKNOWN_KEY, T_OMIT };

struct gen {
	char text[4096];
	size_t len;
	int next;   /* the next field's number */
	int target; /* -1: none */
	enum twist twist;
	/* what the twisted field turned out to be */
	const char *key;
	enum cyaml_type type;
	int optional;
};

static void put(struct gen *g, const char *s)
{
	size_t n = strlen(s);

	assert_true(g->len + n < sizeof(g->text));
	memcpy(g->text + g->len, s, n + 1);
	g->len += n;
}

/* A value the meaning checks accept, for a string field called \p key. */
static const char *good_string(const char *key)
{
	if (strcmp(key, "rule") == 0)
		return "CMF010";
	if (strcmp(key, "expires") == 0)
		return "2099-12-31";
	return "v";
}

static void gen_value(struct gen *g, const cyaml_schema_value_t *s, const char *key);

static void gen_mapping(struct gen *g, const cyaml_schema_field_t *fields)
{
	const cyaml_schema_field_t *f;
	int first = 1;

	put(g, "{");
	for (f = fields; f->key; f++) {
		int me = g->next++;

		if (me == g->target) {
			g->key = f->key;
			g->type = f->value.type;
			g->optional = (f->value.flags & CYAML_FLAG_OPTIONAL) != 0;
			if (g->twist == T_OMIT)
				continue;
		}
		put(g, first ? "" : ", ");
		first = 0;
		put(g, f->key);
		put(g, ": ");
		if (me == g->target && g->twist == T_WRONG_KIND) {
			/* a list where a scalar or map belongs; a string where a list does */
			put(g, f->value.type == CYAML_SEQUENCE ? "WRONG" : "[WRONG]");
			continue;
		}
		gen_value(g, &f->value, f->key);
		if (me == g->target && g->twist == T_UNKNOWN_KEY)
			put(g, ", zzunknown: 1");
	}
	put(g, "}");
}

static void gen_value(struct gen *g, const cyaml_schema_value_t *s, const char *key)
{
	switch (s->type) {
	case CYAML_STRING:
		put(g, good_string(key));
		break;
	case CYAML_MAPPING:
		gen_mapping(g, s->mapping.fields);
		break;
	case CYAML_SEQUENCE:
		put(g, "[");
		gen_value(g, s->sequence.entry, key);
		put(g, "]");
		break;
	case CYAML_IGNORE:
		put(g, "{CMF010: off}"); /* rules, the one field libcyaml skips */
		break;
	default:
		fail_msg("the configuration schema uses type %d; teach this test and the walk",
			 (int)s->type);
	}
}

static void gen(struct gen *g, int target, enum twist twist)
{
	memset(g, 0, sizeof(*g));
	g->target = target;
	g->twist = twist;
	gen_value(g, cmfv_config_schema(), "");
	put(g, "\n");
}

/* The document with every field of the schema loads, and libcyaml filled
 * every field: nothing in the schema is left out of the struct. */
static void test_every_field_loads(void **state)
{
	struct gen g;
	struct cmfv_config *c;
	struct cmfv_diag d;

	(void)state;
	gen(&g, -1, T_NONE);
	assert_true(g.next >= 16);
	if (load(g.text, &c, &d) != CMFV_OK)
		fail_msg("%s: %s", g.text, d.msg);
	assert_int_equal(c->nwaivers, 1);
	assert_string_equal(c->waivers[0].rule, "CMF010");
	assert_non_null(c->waivers[0].path);
	assert_non_null(c->waivers[0].reason);
	assert_string_equal(c->waivers[0].expires, "2099-12-31");
	assert_int_equal(c->waivers[0].loc.line, 1);
	assert_non_null(c->deployment);
	assert_non_null(c->container);
	assert_non_null(c->mount_path);
	assert_non_null(c->volume_name);
	assert_non_null(c->file_name);
	assert_int_equal(c->nenvs, 1);
	assert_non_null(c->envs[0].name);
	assert_non_null(c->envs[0].chart);
	assert_non_null(c->envs[0].namespace);
	assert_int_equal(c->envs[0].nvalues, 1);
	assert_int_equal(c->envs[0].nset, 1);
	assert_int_equal(c->envs[0].nset_string, 1);
	cmfv_config_free(c);
}

static unsigned col_of(const char *text, const char *marker)
{
	const char *p = strstr(text, marker);

	assert_non_null(p);
	return (unsigned)(p - text) + 1;
}

/* Every field of the schema, given the wrong kind, is refused at the
 * value's own line and column, naming the field. */
static void test_every_field_wrong_kind(void **state)
{
	struct gen g;
	int t, total;

	(void)state;
	gen(&g, -1, T_NONE);
	total = g.next;
	for (t = 0; t < total; t++) {
		struct cmfv_config *c;
		struct cmfv_diag d;
		char want[128];

		gen(&g, t, T_WRONG_KIND);
		assert_int_equal(load(g.text, &c, &d), CMFV_EINPUT);
		assert_null(c);
		snprintf(want, sizeof(want), "%s must be a %s, not a %s", g.key,
			 g.type == CYAML_SEQUENCE ? "list"
			 : g.type == CYAML_STRING ? "string"
						  : "map",
			 g.type == CYAML_SEQUENCE ? "string" : "list");
		if (d.line != 1 || d.col != col_of(g.text, "WRONG") - (g.type != CYAML_SEQUENCE) ||
		    strcmp(d.msg, want) != 0)
			fail_msg("field %s in %s: got %u:%u '%s', want 1:%u '%s'", g.key, g.text,
				 d.line, d.col, d.msg, col_of(g.text, "WRONG"), want);
		assert_string_equal(d.file, "cfg.yaml");
	}
}

/* Every mapping of the schema (each holds a field) refuses a key it does
 * not have, at the key, listing the schema's keys. */
static void test_every_mapping_unknown_key(void **state)
{
	struct gen g;
	int t, total;

	(void)state;
	gen(&g, -1, T_NONE);
	total = g.next;
	for (t = 0; t < total; t++) {
		struct cmfv_config *c;
		struct cmfv_diag d;
		char want[64];

		gen(&g, t, T_UNKNOWN_KEY);
		assert_int_equal(load(g.text, &c, &d), CMFV_EINPUT);
		assert_null(c);
		snprintf(want, sizeof(want), "%s", g.key);
		if (d.line != 1 || d.col != col_of(g.text, "zzunknown") ||
		    strncmp(d.msg, "unknown key 'zzunknown' in ", 27) != 0 ||
		    strstr(strstr(d.msg, "(expected ") ? strstr(d.msg, "(expected ") : "", want) ==
			NULL)
			fail_msg("beside %s in %s: got %u:%u '%s'", g.key, g.text, d.line, d.col,
				 d.msg);
	}
}

/* Every required field of the schema, left out, is asked for at the
 * mapping that lacks it; every optional one may be left out. */
static void test_every_required_field(void **state)
{
	struct gen g;
	int t, total, required = 0;

	(void)state;
	gen(&g, -1, T_NONE);
	total = g.next;
	for (t = 0; t < total; t++) {
		struct cmfv_config *c;
		struct cmfv_diag d;
		enum cmfv_err e;

		gen(&g, t, T_OMIT);
		e = load(g.text, &c, &d);
		if (g.optional) {
			if (e != CMFV_OK)
				fail_msg("optional %s left out: %s", g.key, d.msg);
			cmfv_config_free(c);
			continue;
		}
		required++;
		assert_int_equal(e, CMFV_EINPUT);
		if (strstr(d.msg, "needs") == NULL || strstr(d.msg, g.key) == NULL || d.line != 1)
			fail_msg("required %s left out of %s: got %u:%u '%s'", g.key, g.text,
				 d.line, d.col, d.msg);
		assert_int_equal(g.text[d.col - 1], '{');
	}
	assert_int_equal(required, 3); /* a waiver's rule and reason, an environment's name */
}

/* ---- hostile files ---- */

struct hostile {
	const char *name;
	const char *text;
	unsigned line, col; /* 0: no place expected */
	const char *sub;
};

static const struct hostile hostile[] = {
    {"unknown key at depth", "environments:\n  - name: a\n    values: [a]\n    extra: {x: 1}\n", 4,
     5,
     "unknown key 'extra' in an environment (expected name, chart, values, set, setString, "
     "namespace)"},
    {"string field given null", "postRender:\n  mountPath:\n", 2, 13,
     "mountPath must be a string, not a null"},
    {"string field given a boolean", "postRender:\n  fileName: true\n", 2, 13,
     "fileName must be a string, not a boolean"},
    {"string field given a number", "postRender:\n  mountPath: 12\n", 2, 14,
     "mountPath must be a string, not a number"},
    {"string field given a map", "waivers:\n  - rule: {a: 1}\n", 2, 11,
     "rule must be a string, not a map"},
    {"list given a map", "environments:\n  - name: a\n    set: {a: 1}\n", 3, 10,
     "set must be a list, not a map"},
    {"list entry given a number", "environments:\n  - name: a\n    setString: [1]\n", 3, 17,
     "setString must be a string, not a number"},
    {"mapping given a string", "postRender: x\n", 1, 13, "postRender must be a map, not a string"},
    {"list entry given a string", "waivers:\n  - CMF010\n", 2, 5,
     "a waiver must be a map, not a string"},
    {"root a list", "- a\n", 1, 1, "the configuration must be a map, not a list"},
    {"root a string", "hello\n", 1, 1, "the configuration must be a map, not a string"},
    {"bad severity name", "rules:\n  CMF010: fatal\n", 2, 11,
     "severity of CMF010 must be error, warning, note or off"},
    {"severity in capitals", "rules:\n  key-weak: ERROR\n", 2, 13, "severity of key-weak must be"},
    {"severity true", "rules:\n  CMF010: true\n", 2, 11, "severity of CMF010 must be"},
    {"severity a list", "rules:\n  CMF010: [error]\n", 2, 11, "severity of CMF010 must be"},
    {"severity deep", "rules:\n  CMF010: {a: {b: {c: [[[1]]]}}}\n", 2, 11,
     "severity of CMF010 must be"},
    {"unknown rule", "rules:\n  CMF999: off\n", 2, 3, "unknown rule 'CMF999'"},
    {"rules a list", "rules: [CMF010]\n", 1, 8, "rules must be a map, not a list"},
    /* the schema first, on the tree where the last value wins; then duplicates */
    {"an unknown key written twice", "a: 1\na: 2\n", 2, 1, "unknown key 'a' in the configuration"},
    {"a wrong kind written twice", "postRender: 1\npostRender: [x]\n", 2, 13,
     "postRender must be a map, not a list"},
    {"duplicate top key", "rules: {}\nrules: {}\n", 2, 1, "duplicate key 'rules'"},
    {"duplicate rule", "rules:\n  CMF010: error\n  CMF010: note\n", 3, 3, "duplicate key 'CMF010'"},
    {"duplicate waiver key", "waivers:\n  - rule: CMF010\n    reason: a\n    reason: b\n", 4, 5,
     "duplicate key 'reason'"},
    {"merge key", "postRender:\n  <<: {deployment: x}\n", 2, 3, "merge key"},
    /* an alias's copy carries the anchor's place (the loader's rule for all files) */
    {"alias repeats a name", "environments:\n  - name: &n a\n  - name: *n\n", 2, 11,
     "environment 'a' is defined twice"},
    {"alias of the wrong kind", "environments:\n  - name: a\n    values: &v [x]\n    chart: *v\n",
     3, 13, "chart must be a string, not a list"},
    {"unknown rule in waiver", "waivers:\n  - rule: nope\n    reason: r\n", 2, 11,
     "unknown rule 'nope' in waiver"},
    {"empty reason", "waivers:\n  - rule: CMF010\n    reason: ''\n", 3, 13, "needs a reason"},
    {"no rule", "waivers:\n  - reason: r\n", 2, 5, "a waiver needs a rule"},
    {"date of eleven characters", "waivers:\n  - {rule: CMF010, reason: r, expires: 2026-01-011}\n",
     2, 40, "expires must be a date written YYYY-MM-DD, not '2026-01-011'"},
    {"not a leap year", "waivers:\n  - {rule: CMF010, reason: r, expires: 2023-02-29}\n", 2, 40,
     "YYYY-MM-DD"},
    {"name twice, far apart", "environments:\n  - name: a\n  - name: b\n  - name: a\n", 4, 11,
     "environment 'a' is defined twice"},
    {"malformed", "rules: {CMF010: off\n", 2, 1, "did not find expected"},
    {"a tab", "postRender:\n\tmountPath: /x\n", 2, 1, "cannot start any token"},
};

static void test_hostile(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct cmfv_config *c;
		struct cmfv_diag d;
		const struct hostile *h = &hostile[i];

		if (load(h->text, &c, &d) != CMFV_EINPUT)
			fail_msg("%s: loaded", h->name);
		assert_null(c);
		if (d.line != h->line || d.col != h->col || strstr(d.msg, h->sub) == NULL)
			fail_msg("%s: got %u:%u '%s', want %u:%u '%s'", h->name, d.line, d.col,
				 d.msg, h->line, h->col, h->sub);
	}
}

/* Huge values: a long string loads, a long unknown key is named (cut short)
 * at its place, many environments load. */
static void test_huge(void **state)
{
	struct cmfv_config *c;
	struct cmfv_diag d;
	size_t big = 200000, i;
	char *text = malloc(big + 64);
	char *p;

	(void)state;
	assert_non_null(text);
	p = text + sprintf(text, "postRender:\n  mountPath: ");
	memset(p, 'a', big);
	strcpy(p + big, "\n");
	assert_int_equal(load(text, &c, &d), CMFV_OK);
	assert_int_equal(strlen(c->mount_path), big);
	cmfv_config_free(c);

	/* written as an explicit key: a plain key ends at 1024 characters */
	p = text + sprintf(text, "postRender:\n  ? ");
	memset(p, 'k', big);
	strcpy(p + big, "\n  : x\n");
	assert_int_equal(load(text, &c, &d), CMFV_EINPUT);
	assert_int_equal(d.line, 2);
	assert_int_equal(d.col, 5);
	assert_non_null(strstr(d.msg, "unknown key 'kkkk"));
	assert_true(strlen(d.msg) < sizeof(d.msg));
	free(text);

	text = malloc(3000 * 40 + 32);
	assert_non_null(text);
	p = text + sprintf(text, "environments:\n");
	for (i = 0; i < 3000; i++)
		p += sprintf(p, "  - {name: e%zu, values: [v.yaml]}\n", i);
	assert_int_equal(load(text, &c, &d), CMFV_OK);
	assert_int_equal(c->nenvs, 3000);
	assert_string_equal(c->envs[2999].name, "e2999");
	cmfv_config_free(c);
	/* and the last one a duplicate of the first */
	sprintf(text + strlen(text) - strlen("  - {name: e2999, values: [v.yaml]}\n"),
		"  - {name: e0, values: [v.yaml]}\n");
	assert_int_equal(load(text, &c, &d), CMFV_EINPUT);
	assert_int_equal(d.line, 3001);
	assert_non_null(strstr(d.msg, "environment 'e0' is defined twice"));
	free(text);
}

/* Written both ways, a rule's ID wins over its name, whatever the order;
 * a plain off (YAML 1.1's false) is off. */
static void test_rule_id_and_name(void **state)
{
	static const char *const texts[] = {
	    "rules:\n  key-weak: note\n  CMF026: error\n  CMF010: off\n",
	    "rules:\n  CMF026: error\n  key-weak: note\n  CMF010: false\n",
	};
	size_t n, i, k, weak = 0, plain = 0;
	const struct cmfv_rule *rules = cmfv_rules(&n);

	(void)state;
	for (i = 0; i < n; i++) {
		if (strcmp(rules[i].id, "CMF026") == 0)
			weak = i;
		if (strcmp(rules[i].id, "CMF010") == 0)
			plain = i;
	}
	for (k = 0; k < 2; k++) {
		struct cmfv_config *c;
		struct cmfv_diag d;

		assert_int_equal(load(texts[k], &c, &d), CMFV_OK);
		assert_true(c->severity_set[weak]);
		assert_int_equal(c->severity[weak], CMFV_SEV_ERROR);
		assert_true(c->severity_set[plain]);
		assert_int_equal(c->severity[plain], CMFV_SEV_OFF);
		cmfv_config_free(c);
	}
}

/* An empty file and one of comments are an empty configuration. */
static void test_empty(void **state)
{
	static const char *const texts[] = {"", "# nothing\n", "{}\n"};
	size_t k;

	(void)state;
	for (k = 0; k < 3; k++) {
		struct cmfv_config *c;
		struct cmfv_diag d;

		assert_int_equal(load(texts[k], &c, &d), CMFV_OK);
		assert_int_equal(c->nwaivers, 0);
		assert_int_equal(c->nenvs, 0);
		assert_null(c->mount_path);
		assert_string_equal(c->file, "cfg.yaml");
		cmfv_config_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_field_loads),
	    cmocka_unit_test(test_every_field_wrong_kind),
	    cmocka_unit_test(test_every_mapping_unknown_key),
	    cmocka_unit_test(test_every_required_field),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_huge),
	    cmocka_unit_test(test_rule_id_and_name),
	    cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
