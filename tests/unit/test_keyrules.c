/* The key rules CMF020-CMF027 raised by the core (src/keys/keyrules.c), with no
 * kubectl and no file: each real-world key mistake gives its one rule, the
 * key summary, and messages that never quote the key. Also the rule table
 * (rules.def) and the report API every command shares. */
#include "helpers.h"

#include <openssl/rand.h>
#include <stdio.h>

#include "cmfv/key.h"
#include "cmfv/keyrules.h"
#include "cmfv/report.h"

static const struct cmfv_loc at = {"secret.yaml", 7, 19};

/* A found value of \p len bytes at \p key (borrowed: the test owns it). */
static struct cmfv_secret_value value(const void *key, size_t len)
{
	struct cmfv_secret_value v;

	memset(&v, 0, sizeof(v));
	v.status = CMFV_SECRET_FOUND;
	v.key = (unsigned char *)(uintptr_t)key;
	v.len = len;
	v.file = "secret.yaml";
	v.loc = at;
	v.ns_loc = at;
	return v;
}

/* No finding message of \p r holds \p needle (key text in any form). */
static void assert_not_quoted(const struct cmfv_report *r, const char *needle)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (needle[0] && strstr(r->v[i].message, needle)) {
			fail_msg("message of %s quotes key text: %s", r->v[i].rule->id,
				 r->v[i].message);
		}
}

struct key_case {
	const char *what;
	const char *text; /* NULL: random bytes */
	size_t len;
	const char *rule; /* NULL: no finding */
	int valid;
};

static void test_key_mistakes(void **state)
{
	static const struct key_case cases[] = {
	    {"random 32", NULL, 32, NULL, 1},
	    {"random 16", NULL, 16, NULL, 1},
	    {"base64 of 32", "q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=", 44, "CMF024", 0},
	    {"hex of 16", "0123456789abcdef0123456789abcdef", 32, "CMF026", 1},
	    {"hex of 32", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 64,
	     "CMF024", 0},
	    {"echo newline", NULL, 33, "CMF025", 0},
	    {"24 bytes", NULL, 24, "CMF023", 0},
	    {"empty", "", 0, "CMF023", 0},
	    {"password", "correct horse battery stapl", 27, "CMF023", 0},
	    {"printable 32", "Sup3rS3cretPassw0rd!Sup3rS3cret!", 32, "CMF026", 1},
	    {"zeros 32", "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32,
	     "CMF026", 1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct key_case *c = &cases[i];
		unsigned char buf[64];
		struct cmfv_report r = {0};
		struct cmfv_key_check kc;
		struct cmfv_secret_value v;

		if (c->text) {
			memcpy(buf, c->text, c->len);
		} else {
			assert_int_equal(RAND_bytes(buf, (int)c->len), 1);
			if (c->len == 33)
				buf[32] = '\n';
		}
		v = value(buf, c->len);
		assert_int_equal(
		    cmfv_key_findings(&r, "secret.yaml", "cmf-key", "encryption-key", &v, &kc),
		    CMFV_OK);
		if (c->rule == NULL) {
			assert_int_equal(r.n, 0);
		} else {
			assert_int_equal(r.n, 1);
			if (strcmp(r.v[0].rule->id, c->rule) != 0)
				fail_msg("%s: %s, want %s", c->what, r.v[0].rule->id, c->rule);
			assert_int_equal(r.v[0].loc.line, 7);
			assert_int_equal(r.v[0].loc.col, 19);
			assert_non_null(strstr(r.v[0].message, "cmf-key"));
		}
		assert_int_equal(r.nkeys, 1);
		assert_int_equal(r.keys[0].valid, c->valid);
		assert_int_equal(r.keys[0].length, c->len);
		assert_int_equal(strlen(r.keys[0].kcv), c->valid ? 6 : 0);
		if (c->text && c->len >= 16)
			assert_not_quoted(&r, c->text);
		cmfv_report_free(&r);
	}
}

static void test_not_base64(void **state)
{
	struct cmfv_report r = {0};
	struct cmfv_secret_value v = value(NULL, 0);

	(void)state;
	v.status = CMFV_SECRET_BAD_BASE64;
	v.bad_at = 12;
	assert_int_equal(cmfv_key_findings(&r, "secret.yaml", "cmf-key", "k", &v, NULL), CMFV_OK);
	assert_true(cmfv_report_has(&r, CMFV_CMF022));
	assert_non_null(strstr(r.v[0].message, "offset 12"));
	assert_false(r.keys[0].valid);
	cmfv_report_free(&r);

	v.status = CMFV_SECRET_NOT_STRING;
	assert_int_equal(cmfv_key_findings(&r, "secret.yaml", "cmf-key", "k", &v, NULL), CMFV_OK);
	assert_true(cmfv_report_has(&r, CMFV_CMF022));
	assert_non_null(strstr(r.v[0].message, "not a string"));
	cmfv_report_free(&r);
}

static void test_secret_findings(void **state)
{
	static const char k32[] = "0123456789abcdefghijklmnopqrstuv";
	struct cmfv_keyref ref = {0};
	struct cmfv_report r = {0};
	struct cmfv_secret_value v = value(k32, 32);
	char keys[] = "other, q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=";
	int usable = -1;

	(void)state;
	ref.name = "cmf-key";
	ref.property = "encryption-key";
	/* right namespace, value there */
	v.namespace = (char *)(uintptr_t) "flink";
	assert_int_equal(cmfv_secret_findings(&r, &ref, "flink", &v, &usable), CMFV_OK);
	assert_int_equal(r.n, 0);
	assert_int_equal(usable, 1);
	/* another namespace: CMF027, still usable */
	assert_int_equal(cmfv_secret_findings(&r, &ref, "prod", &v, &usable), CMFV_OK);
	assert_true(cmfv_report_has(&r, CMFV_CMF027));
	assert_int_equal(usable, 1);
	assert_non_null(strstr(r.v[0].message, "-n prod"));
	cmfv_report_free(&r);
	/* no such property: CMF021, and a key pasted as a data key is not echoed */
	v.status = CMFV_SECRET_NO_PROPERTY;
	v.keys = keys;
	assert_int_equal(cmfv_secret_findings(&r, &ref, NULL, &v, &usable), CMFV_OK);
	assert_true(cmfv_report_has(&r, CMFV_CMF021));
	assert_int_equal(usable, 0);
	assert_non_null(strstr(r.v[0].message, "other"));
	assert_null(strstr(r.v[0].message, "q83vASNFZ4mrze8BI0Vni"));
	cmfv_report_free(&r);
	/* nowhere: CMF020 names where we looked and how to create it */
	assert_int_equal(cmfv_secret_missing(&r, &ref, "flink", "secret.yaml or more.yaml"),
			 CMFV_OK);
	assert_true(cmfv_report_has(&r, CMFV_CMF020));
	assert_non_null(strstr(r.v[0].message, "secret.yaml or more.yaml"));
	assert_non_null(strstr(r.v[0].message, "--from-file=encryption-key=cmf.key -n flink"));
	cmfv_report_free(&r);
}

static void test_verdict_words(void **state)
{
	static const char k32[] = "0123456789abcdefghijklmnopqrstuv";
	struct cmfv_secret_value v = value(k32, 32);
	struct cmfv_key_check c;

	(void)state;
	cmfv_key_check(v.key, v.len, &c);
	assert_string_equal(cmfv_key_verdict_word(&v, &c), "weak");
	v.status = CMFV_SECRET_NOT_FOUND;
	assert_string_equal(cmfv_key_verdict_word(&v, &c), "not found");
	v.status = CMFV_SECRET_NO_PROPERTY;
	assert_string_equal(cmfv_key_verdict_word(&v, &c), "no such property");
	v.status = CMFV_SECRET_BAD_BASE64;
	assert_string_equal(cmfv_key_verdict_word(&v, &c), "not base64");
	v = value("x\n", 2);
	cmfv_key_check(v.key, v.len, &c);
	assert_string_equal(cmfv_key_verdict_word(&v, &c), "bad length");
}

/* The enum and the table come from rules.def: same order, IDs that read
 * back, names that find the same rule. */
static void test_rule_table(void **state)
{
	size_t n, i;
	const struct cmfv_rule *rules = cmfv_rules(&n);

	(void)state;
	assert_int_equal(n, CMFV_NRULES);
	for (i = 0; i < n; i++) {
		assert_int_equal(rules[i].rid, (enum cmfv_rule_id)i);
		assert_ptr_equal(cmfv_rule((enum cmfv_rule_id)i), &rules[i]);
		assert_ptr_equal(cmfv_rule_find(rules[i].id), &rules[i]);
		assert_ptr_equal(cmfv_rule_find(rules[i].name), &rules[i]);
		if (i > 0)
			assert_true(strcmp(rules[i - 1].id, rules[i].id) < 0);
	}
	assert_string_equal(cmfv_rule(CMFV_CMF001)->id, "CMF001");
	assert_string_equal(cmfv_rule(CMFV_CMF090)->id, "CMF090");
	assert_null(cmfv_rule_find("CMF999"));
}

static void test_report_api(void **state)
{
	struct cmfv_report a = {0}, b = {0};
	struct cmfv_key_summary ks = {0};

	(void)state;
	assert_false(cmfv_report_fails(&a, 1));
	assert_null(cmfv_report_kcv(&a));
	assert_int_equal(cmfv_report_add(&a, CMFV_CMF010, NULL, at, "plain text"), CMFV_OK);
	assert_false(cmfv_report_fails(&a, 0)); /* a warning */
	assert_true(cmfv_report_fails(&a, 1));	/* --strict */
	a.v[0].severity = CMFV_SEV_NOTE;
	assert_false(cmfv_report_fails(&a, 1));
	assert_int_equal(cmfv_report_add(&b, CMFV_CMF001, "p", at, "missing."), CMFV_OK);
	assert_string_equal(b.v[0].message, "missing"); /* no trailing full stop */
	assert_true(cmfv_finding_fails(&b.v[0], 0));
	assert_int_equal(cmfv_report_merge(&a, &b), CMFV_OK);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.v[1].rule->rid, CMFV_CMF001);
	assert_string_equal(a.v[1].path, "p");
	assert_true(cmfv_report_fails(&a, 0));
	/* the first valid key's check value */
	ks.length = 24;
	assert_int_equal(cmfv_report_add_key(&a, &ks), CMFV_OK);
	ks.valid = 1;
	ks.length = 32;
	memcpy(ks.kcv, "a1b2c3", 7);
	assert_int_equal(cmfv_report_add_key(&a, &ks), CMFV_OK);
	memcpy(ks.kcv, "ffffff", 7);
	assert_int_equal(cmfv_report_add_key(&a, &ks), CMFV_OK);
	assert_string_equal(cmfv_report_kcv(&a), "a1b2c3");
	/* an ID outside the table is refused, not a crash */
	assert_int_equal(cmfv_report_add(&a, CMFV_NRULES, NULL, at, "x"), CMFV_EINPUT);
	cmfv_report_free(&a);
	cmfv_report_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_mistakes),    cmocka_unit_test(test_not_base64),
	    cmocka_unit_test(test_secret_findings), cmocka_unit_test(test_verdict_words),
	    cmocka_unit_test(test_rule_table),	    cmocka_unit_test(test_report_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
