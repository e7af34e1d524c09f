/* The configuration file: strict schema with locations, libcyaml load,
 * severities, waivers and their expiry. */
#include "helpers.h"

#include "cmfv/alloc.h"
#include "cmfv/config.h"

static const char good[] =
    "rules:\n  CMF010: off\n  key-weak: error\n"
    "waivers:\n  - rule: CMF011\n    path: encryption.key.kubernetesSecretName\n"
    "    reason: kept for later\n    expires: 2026-03-01\n"
    "postRender:\n  mountPath: /keys\n"
    "environments:\n  - name: prod\n    values: [a.yaml, b.yaml]\n    set: [x=1]\n"
    "    namespace: flink\n";

static enum cmfv_err load(const char *text, struct cmfv_config **c, struct cmfv_diag *d)
{
	struct cmfv_sources src = {0};
	const struct cmfv_source *s;
	enum cmfv_err e;

	cmfv_diag_clear(d);
	assert_int_equal(cmfv_sources_add(&src, "cfg.yaml", text, strlen(text), 0, &s), CMFV_OK);
	e = cmfv_config_load(s, c, d);
	cmfv_sources_free(&src);
	return e;
}

static void test_good(void **state)
{
	struct cmfv_config *c = NULL;
	struct cmfv_diag d;
	size_t n, i;
	const struct cmfv_rule *rules = cmfv_rules(&n);

	(void)state;
	assert_int_equal(load(good, &c, &d), CMFV_OK);
	for (i = 0; i < n; i++) {
		if (strcmp(rules[i].id, "CMF010") == 0) {
			assert_true(c->severity_set[i]);
			assert_int_equal(c->severity[i], CMFV_SEV_OFF);
		} else if (strcmp(rules[i].id, "CMF026") == 0) {
			assert_int_equal(c->severity[i], CMFV_SEV_ERROR);
		} else {
			assert_false(c->severity_set[i]);
		}
	}
	assert_int_equal(c->nwaivers, 1);
	assert_string_equal(c->waivers[0].reason, "kept for later");
	assert_int_equal(c->waivers[0].loc.line, 5);
	assert_string_equal(c->mount_path, "/keys");
	assert_int_equal(c->nenvs, 1);
	assert_int_equal(c->envs[0].nvalues, 2);
	assert_string_equal(c->envs[0].values[1], "b.yaml");
	assert_string_equal(c->envs[0].set[0], "x=1");
	assert_string_equal(c->envs[0].namespace, "flink");
	cmfv_config_free(c);
}

static void test_apply(void **state)
{
	struct cmfv_config *c = NULL;
	struct cmfv_diag d;
	struct cmfv_report r;
	struct cmfv_loc none = {NULL, 0, 0};

	(void)state;
	assert_int_equal(load(good, &c, &d), CMFV_OK);
	/* before expiry: CMF011 at the path is waived, CMF010 is off */
	memset(&r, 0, sizeof(r));
	cmfv_report_add(&r, CMFV_CMF010, "cmf.sql.production", none, "plain");
	cmfv_report_add(&r, CMFV_CMF011, "encryption.key.kubernetesSecretName", none, "unused");
	cmfv_report_add(&r, CMFV_CMF011, "encryption.key.kubernetesSecretProperty", none,
			"other path");
	cmfv_report_add(&r, CMFV_CMF026, NULL, none, "weak");
	assert_int_equal(cmfv_config_apply(c, "2026-02-28", &r), CMFV_OK);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.v[0].path, "encryption.key.kubernetesSecretProperty");
	assert_string_equal(r.v[1].rule->id, "CMF026");
	assert_int_equal(r.v[1].severity, CMFV_SEV_ERROR);
	cmfv_report_free(&r);
	/* the day after expiry: the waiver waives nothing and says so */
	memset(&r, 0, sizeof(r));
	cmfv_report_add(&r, CMFV_CMF011, "encryption.key.kubernetesSecretName", none, "unused");
	assert_int_equal(cmfv_config_apply(c, "2026-03-02", &r), CMFV_OK);
	assert_int_equal(r.n, 2);
	assert_true(cmfv_report_has(&r, CMFV_CMF011));
	assert_true(cmfv_report_has(&r, CMFV_CMF090));
	cmfv_report_free(&r);
	/* on the expiry day it still holds */
	memset(&r, 0, sizeof(r));
	cmfv_report_add(&r, CMFV_CMF011, "encryption.key.kubernetesSecretName", none, "unused");
	assert_int_equal(cmfv_config_apply(c, "2026-03-01", &r), CMFV_OK);
	assert_int_equal(r.n, 0);
	cmfv_report_free(&r);
	cmfv_config_free(c);
}

struct bad_case {
	const char *text;
	unsigned line, col;
	const char *sub;
};

static const struct bad_case bad[] = {
    {"rule:\n  CMF010: off\n", 1, 1, "unknown key 'rule'"},
    {"rules:\n  CMF010: loud\n", 2, 11, "must be error, warning"},
    {"rules:\n  NOPE: off\n", 2, 3, "unknown rule"},
    {"rules: [CMF010]\n", 1, 8, "must be a map"},
    {"waivers:\n  - rule: CMF010\n", 2, 5, "needs a reason"},
    {"waivers:\n  - rule: CMF010\n    reason: x\n    expires: tomorrow\n", 4, 14, "YYYY-MM-DD"},
    {"waivers:\n  - rule: CMF010\n    reason: x\n    owner: me\n", 4, 5, "unknown key 'owner'"},
    {"environments:\n  - values: [a.yaml]\n", 2, 5, "needs a name"},
    {"environments:\n  - name: a\n    values: a.yaml\n", 3, 13, "must be a list"},
    {"postRender:\n  volume: x\n", 2, 3, "unknown key 'volume'"},
    {"- a\n", 1, 1, "must be a map"},
};

static void test_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cmfv_config *c = NULL;
		struct cmfv_diag d;

		assert_int_equal(load(bad[i].text, &c, &d), CMFV_EINPUT);
		if (d.line != bad[i].line || d.col != bad[i].col || !strstr(d.msg, bad[i].sub))
			fail_msg("case %zu: got %u:%u '%s', want %u:%u '%s'", i, d.line, d.col,
				 d.msg, bad[i].line, bad[i].col, bad[i].sub);
		assert_string_equal(d.file, "cfg.yaml");
		assert_null(c);
	}
}

/* Every allocation along the load path fails in turn: a clean CMFV_ENOMEM,
 * never a crash or a half-loaded config (leaks show under ASan/valgrind). */
static void test_alloc_failures(void **state)
{
	unsigned long n, total;
	struct cmfv_config *c = NULL;
	struct cmfv_diag d;
	struct cmfv_sources src = {0};
	const struct cmfv_source *s;

	(void)state;
	assert_int_equal(cmfv_sources_add(&src, "cfg.yaml", good, strlen(good), 0, &s), CMFV_OK);
	cmfv_alloc_reset_count();
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_config_load(s, &c, &d), CMFV_OK);
	total = cmfv_alloc_count();
	cmfv_config_free(c);
	assert_true(total > 20);
	for (n = 1; n <= total; n++) {
		enum cmfv_err e;

		c = NULL;
		cmfv_diag_clear(&d);
		cmfv_alloc_fail_at(n, 0);
		e = cmfv_config_load(s, &c, &d);
		cmfv_alloc_fail_at(0, 0);
		if (e == CMFV_OK) {
			/* some allocations have a fallback (an index that is only a speed-up) */
			cmfv_config_free(c);
			continue;
		}
		assert_int_equal(e, CMFV_ENOMEM);
		assert_null(c);
	}
	cmfv_sources_free(&src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_apply),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
