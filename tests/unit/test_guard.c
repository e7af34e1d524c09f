/* The upgrade guards (src/rules/guard.c): CMF040 (the encryption mode changes),
 * CMF041 (the key Secret's name or property changes), CMF042 (the key's
 * check value changes), each downgraded to a warning by allow_unsafe, and
 * nothing on an install. */
#include "helpers.h"

#include "cmfv/alloc.h"
#include "cmfv/guard.h"
#include "cmfv/yaml.h"

#define PROD(name, prop)                                                                           \
	"cmf:\n  sql:\n    production: true\nencryption:\n  key:\n    kubernetesSecretName: " name \
	"\n    kubernetesSecretProperty: " prop "\n"
#define DEV(name)                                                                                  \
	"cmf:\n  sql:\n    production: false\nencryption:\n  key:\n    "                           \
	"kubernetesSecretName: " name "\n"

struct guard_case {
	const char *name;
	const char *prev; /* deployed values, or NULL */
	const char *cur;
	const char *prev_kcv, *cur_kcv;
	int allow_unsafe;
	/* the findings, in order: rule, path (NULL: none), line (0: no place),
	 * a substring of the message */
	struct {
		const char *rule, *path;
		unsigned line;
		const char *sub;
	} want[3];
};

static const struct guard_case cases[] = {
    {"an install: nothing deployed", NULL, PROD("k", "p"), NULL, "a1b2c3", 0, {{NULL}}},
    {"an install in development mode", NULL, DEV("k"), NULL, NULL, 0, {{NULL}}},
    {"the same production release",
     PROD("k", "p"),
     PROD("k", "p"),
     "a1b2c3",
     "a1b2c3",
     0,
     {{NULL}}},
    {"production to development",
     PROD("k", "p"),
     DEV("k"),
     NULL,
     NULL,
     0,
     {{"CMF040", "cmf.sql.production", 3,
       "switches CMF from production (encrypted) to development (plain text) mode"},
      {NULL}}},
    {"development to production",
     DEV("k"),
     PROD("k", "p"),
     NULL,
     NULL,
     0,
     {{"CMF040", "cmf.sql.production", 3, "keep development mode, or wipe the CMF database first"},
      {NULL}}},
    {"production to encryption.enabled: still production",
     PROD("k", "p"),
     "encryption:\n  enabled: true\n  key:\n    kubernetesSecretName: k\n    "
     "kubernetesSecretProperty: p\n",
     NULL,
     NULL,
     0,
     {{NULL}}},
    {"the Secret's name changes",
     PROD("old", "p"),
     PROD("new", "p"),
     NULL,
     NULL,
     0,
     {{"CMF041", "encryption.key.kubernetesSecretName", 6,
       "the key Secret changes from \"old\" to \"new\""},
      {NULL}}},
    {"the property changes",
     PROD("k", "a"),
     PROD("k", "b"),
     NULL,
     NULL,
     0,
     {{"CMF041", "encryption.key.kubernetesSecretProperty", 7,
       "the key property changes from \"a\" to \"b\"; CMF cannot rotate its key: keep "
       "encryption.key.kubernetesSecretProperty \"a\""},
      {NULL}}},
    {"both change: two findings, name first",
     PROD("k1", "a"),
     PROD("k2", "b"),
     NULL,
     NULL,
     0,
     {{"CMF041", "encryption.key.kubernetesSecretName", 6, "\"k1\" to \"k2\""},
      {"CMF041", "encryption.key.kubernetesSecretProperty", 7, "\"a\" to \"b\""},
      {NULL}}},
    {"a name given where none was",
     "cmf:\n  sql:\n    production: true\n",
     PROD("k", "p"),
     NULL,
     NULL,
     0,
     {{"CMF041", "encryption.key.kubernetesSecretName", 6,
       "from \"\" to \"k\"; CMF cannot rotate its key, so data encrypted with the deployed key "
       "would be unreadable: keep encryption.key.kubernetesSecretName \"\""},
      {"CMF041", "encryption.key.kubernetesSecretProperty", 7, "from \"\" to \"p\""},
      {NULL}}},
    {"names differ in development mode: no key in use",
     DEV("a"),
     DEV("b"),
     NULL,
     NULL,
     0,
     {{NULL}}},
    {"a different key",
     PROD("k", "p"),
     PROD("k", "p"),
     "a1b2c3",
     "d4e5f6",
     0,
     {{"CMF042", NULL, 0, "the key's check value is d4e5f6 but the deployed key's is a1b2c3"},
      {NULL}}},
    {"a different key, no values deployed",
     NULL,
     PROD("k", "p"),
     "a1b2c3",
     "d4e5f6",
     0,
     {{"CMF042", NULL, 0, "restore the original key from your backup"}, {NULL}}},
    {"the same key in other case", PROD("k", "p"), PROD("k", "p"), "A1B2C3", "a1b2c3", 0, {{NULL}}},
    {"the deployed check value unusable",
     PROD("k", "p"),
     PROD("k", "p"),
     "a1b2c",
     "d4e5f6",
     0,
     {{NULL}}},
    {"the new check value unusable",
     PROD("k", "p"),
     PROD("k", "p"),
     "a1b2c3",
     "d4e5fg",
     0,
     {{NULL}}},
    {"no new check value", PROD("k", "p"), PROD("k", "p"), "a1b2c3", NULL, 0, {{NULL}}},
    {"mode and key both change",
     PROD("k", "p"),
     DEV("k"),
     "a1b2c3",
     "d4e5f6",
     0,
     {{"CMF040", "cmf.sql.production", 3, "switches CMF"},
      {"CMF042", NULL, 0, "check value"},
      {NULL}}},
    {"a mode change allowed",
     PROD("k", "p"),
     DEV("k"),
     NULL,
     NULL,
     1,
     {{"CMF040", "cmf.sql.production", 3,
       "wipe the CMF database first (allowed by --allow-unsafe-upgrade)"},
      {NULL}}},
    {"a name change allowed",
     PROD("a", "p"),
     PROD("b", "p"),
     NULL,
     NULL,
     1,
     {{"CMF041", "encryption.key.kubernetesSecretName", 6, "(allowed by --allow-unsafe-upgrade)"},
      {NULL}}},
    {"a key change allowed",
     NULL,
     PROD("k", "p"),
     "a1b2c3",
     "d4e5f6",
     1,
     {{"CMF042", NULL, 0, "from your backup (allowed by --allow-unsafe-upgrade)"}, {NULL}}},
};

static struct cmfv_node *parse(const char *text)
{
	struct cmfv_node *n = NULL;
	struct cmfv_diag d;

	if (text == NULL)
		return NULL;
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_yaml_load(text, strlen(text), "values.yaml", NULL, &n, &d), CMFV_OK);
	return n;
}

static void run_case(const struct guard_case *c)
{
	struct cmfv_node *prev = parse(c->prev), *cur = parse(c->cur);
	struct cmfv_guard_input in = {prev, c->prev_kcv, c->cur_kcv, c->allow_unsafe};
	struct cmfv_keyref ref;
	struct cmfv_report r = {0};
	size_t i, n = 0;

	cmfv_keyref_from_values(cur, NULL, NULL, &ref);
	assert_int_equal(cmfv_check_upgrade(&ref, &in, &r), CMFV_OK);
	while (n < 3 && c->want[n].rule)
		n++;
	if (r.n != n)
		fail_msg("%s: %zu findings, want %zu (first: %s)", c->name, r.n, n,
			 r.n ? r.v[0].message : "-");
	for (i = 0; i < n; i++) {
		const struct cmfv_finding *f = &r.v[i];

		if (strcmp(f->rule->id, c->want[i].rule) != 0 ||
		    strstr(f->message, c->want[i].sub) == NULL)
			fail_msg("%s: finding %zu is %s '%s'", c->name, i, f->rule->id, f->message);
		if (c->want[i].path)
			assert_string_equal(f->path, c->want[i].path);
		else
			assert_null(f->path);
		assert_int_equal(f->loc.line, c->want[i].line);
		if (c->want[i].line)
			assert_string_equal(f->loc.file, "values.yaml");
		else
			assert_null(f->loc.file);
		assert_int_equal(f->severity, c->allow_unsafe ? CMFV_SEV_WARNING : CMFV_SEV_ERROR);
		if (!c->allow_unsafe)
			assert_null(strstr(f->message, "allow-unsafe"));
	}
	cmfv_report_free(&r);
	cmfv_node_free(prev);
	cmfv_node_free(cur);
}

static void test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* Long names are cut in the message, never overflow it. */
static void test_long_names(void **state)
{
	static char prev_text[2400], cur_text[2400];
	char a[1001], b[1001];
	struct cmfv_node *prev, *cur;
	struct cmfv_guard_input in = {NULL, NULL, NULL, 0};
	struct cmfv_keyref ref;
	struct cmfv_report r = {0};

	(void)state;
	memset(a, 'a', 1000);
	memset(b, 'b', 1000);
	a[1000] = b[1000] = '\0';
	snprintf(prev_text, sizeof(prev_text), PROD("%s", "p"), a);
	snprintf(cur_text, sizeof(cur_text), PROD("%s", "p"), b);
	prev = parse(prev_text);
	cur = parse(cur_text);
	in.prev_values = prev;
	cmfv_keyref_from_values(cur, NULL, NULL, &ref);
	assert_int_equal(cmfv_check_upgrade(&ref, &in, &r), CMFV_OK);
	assert_int_equal(r.n, 1);
	assert_true(strlen(r.v[0].message) < 900);
	assert_non_null(strstr(r.v[0].message, "rotate its key"));
	cmfv_report_free(&r);
	cmfv_node_free(prev);
	cmfv_node_free(cur);
}

/* Out of memory while adding the first finding: the error comes back and
 * no later finding is added. */
static void test_alloc_failure(void **state)
{
	struct cmfv_node *prev = parse(PROD("k", "p")), *cur = parse(DEV("k"));
	struct cmfv_guard_input in = {prev, "a1b2c3", "d4e5f6", 0};
	struct cmfv_keyref ref;
	unsigned long n, total;
	int failed = 0;

	(void)state;
	cmfv_keyref_from_values(cur, NULL, NULL, &ref);
	for (n = 1;; n++) {
		struct cmfv_report r = {0};
		enum cmfv_err e;

		cmfv_alloc_reset_count();
		cmfv_alloc_fail_at(n, 0);
		e = cmfv_check_upgrade(&ref, &in, &r);
		total = cmfv_alloc_count();
		cmfv_alloc_fail_at(0, 0);
		if (e == CMFV_OK) {
			assert_int_equal(r.n, 2);
			cmfv_report_free(&r);
			break;
		}
		failed++;
		assert_int_equal(e, CMFV_ENOMEM);
		assert_true(r.n < 2);
		cmfv_report_free(&r);
	}
	assert_true(failed >= 2);
	(void)total;
	cmfv_node_free(prev);
	cmfv_node_free(cur);
}

static void test_is_kcv(void **state)
{
	(void)state;
	assert_true(cmfv_is_kcv("a1b2c3"));
	assert_true(cmfv_is_kcv("ABCDEF"));
	assert_true(cmfv_is_kcv("000000"));
	assert_false(cmfv_is_kcv(NULL));
	assert_false(cmfv_is_kcv(""));
	assert_false(cmfv_is_kcv("a1b2c"));
	assert_false(cmfv_is_kcv("a1b2c3d"));
	assert_false(cmfv_is_kcv("a1b2cg"));
	assert_false(cmfv_is_kcv("a1b2c "));
	assert_false(cmfv_is_kcv("a1b-c3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_long_names),
	    cmocka_unit_test(test_alloc_failure),
	    cmocka_unit_test(test_is_kcv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
