/* The one rule for key text in messages (include/cmfv/redact.h): what is
 * redacted, what is left as it was, and the messages of issue 13. */
#include "helpers.h"

#include <stdio.h>
#include <unistd.h>

#include "cmfv/check.h"
#include "cmfv/redact.h"
#include "cmfv/report.h"
#include "cmfv/values.h"
#include "cmfv/yaml.h"

struct rcase {
	const char *in;
	const char *out;
};

static const struct rcase rcases[] = {
    /* left alone: names, paths, API words, KCVs, numbers, flags */
    {"Secret cmf-encryption-key in namespace flink", NULL},
    {"confluent-manager-for-apache-flink", NULL},
    {"/tmp/tmp.kIVyOZ70XC/cache/cmf-validate/last-report.txt", NULL},
    {"Error from server (ServiceUnavailable): InternalServerError", NULL},
    {"HorizontalPodAutoscaler MutatingWebhookConfiguration", NULL},
    {"KCV 1a2b3c, 32 bytes, line 12:34:56, 2025-06-01", NULL},
    {"--from-file=PROP=cmf.key --set a.b=c", NULL},
    {"resourceVersion 123456789012345678", NULL},
    {"café ünïcode", NULL},
    /* base64, whole and in pieces of 16 or more */
    {"key hp/bhFTGutm/68rqOoibVwxjJzmufgRWuPqDiJ+zltw= here", "key [redacted] here"},
    {"hp/bhFTGutm/68rqO oibVwxjJzmufgRWuP", "[redacted] [redacted]"},
    {"16 pcL8QP0AwQQFuqhvHHszbA==", "16 [redacted]"},
    {"k=pcL8QP0AwQQFuqhvHHszbA==", "k=[redacted]"},
    {"no digits AbCdEfGhIjKlMnOpQr", "no digits [redacted]"},
    {"url-safe HJxNZrP9vYVMIoGFwCYe62BcG43AjmVHuLT-gBOL9Ro", "url-safe [redacted]"},
    /* hex, whole and in pieces */
    {"869fdb8454c6bad9bfebcaea3a889b570c632739ae7e0456b8fa83889fb396dc", "[redacted]"},
    {"869fdb8454c6bad9 bfebcaea3a889b57", "[redacted] [redacted]"},
    {"869FDB8454C6BAD9BFEBCAEA3A889B57", "[redacted]"},
    /* byte lists */
    {"colon 86:9f:db:84:54:c6:ba:d9:bf:eb:ca:ea:3a:88:9b:57 end", "colon [redacted] end"},
    {"[134, 159, 219, 132, 84, 198, 186, 217, 191, 235, 202, 234, 58, 136, 155, 87]",
     "[[redacted]]"},
    {"134 159 219 132 84 198 186 217 191 235 202 234 58 136 155 87", "[redacted]"},
    {"0x86,0x9f,0xdb,0x84,0x54,0xc6,0xba,0xd9,0xbf,0xeb,0xca,0xea,0x3a,0x88,0x9b,0x57",
     "[redacted]"},
    {"few 1:2:3:4", NULL},
    /* bytes that are not text */
    {"raw \x86\x9f\xdb\x84T\xc6\xba\xd9\xbf\xeb\xca\xea:\x88\x9bW end", "raw [redacted] end"},
    {"a \x01\x02 b", "a ?? b"},
};

static void test_redact_table(void **state)
{
	size_t i;
	char buf[512];

	(void)state;
	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		const char *want = rcases[i].out ? rcases[i].out : rcases[i].in;

		snprintf(buf, sizeof(buf), "%s", rcases[i].in);
		cmfv_redact(buf);
		if (strcmp(buf, want) != 0)
			fail_msg("case %zu:\n got '%s'\nwant '%s'", i, buf, want);
	}
}

static void test_looks_secret_and_describe(void **state)
{
	char out[128];
	const char *b64 = "hp/bhFTGutm/68rqOoibVwxjJzmufgRWuPqDiJ+zltw=";

	(void)state;
	assert_true(cmfv_redact_looks_secret(b64, strlen(b64)));
	assert_true(cmfv_redact_looks_secret("\x01\x02\x03", 3));
	assert_false(cmfv_redact_looks_secret("cmf-encryption-key", 18));
	assert_false(cmfv_redact_looks_secret("encryption-key", 14));
	cmfv_redact_describe(b64, strlen(b64), out, sizeof(out));
	assert_non_null(strstr(out, "44 bytes, base64 of a 32-byte key with KCV "));
	cmfv_redact_describe("0123456789abcdef0123456789abcdef\n", 33, out, sizeof(out));
	assert_non_null(strstr(out, "33 bytes, hex text of a 16-byte key with KCV "));
	cmfv_redact_describe("short", 5, out, sizeof(out));
	assert_string_equal(out, "5 bytes");
}

/* Every diagnostic goes through the rule. */
static void test_diag_redacted(void **state)
{
	struct cmfv_diag d;

	(void)state;
	cmfv_diag_clear(&d);
	cmfv_diag_fail(&d, CMFV_EINPUT, "bad value %s",
		       "hp/bhFTGutm/68rqOoibVwxjJzmufgRWuPqDiJ+zltw=");
	assert_string_equal(d.msg, "bad value [redacted]");
}

/* An alias's name is never echoed: in a Secret it can be the key itself. */
static void test_anchor_name_not_echoed(void **state)
{
	const char *text = "stringData: {encryption-key: *correcthorsebatterystaple}\n";
	struct cmfv_node *n = NULL;
	struct cmfv_diag d;

	(void)state;
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_yaml_load(text, strlen(text), "s.yaml", NULL, &n, &d), CMFV_EINPUT);
	assert_null(strstr(d.msg, "correcthorse"));
	assert_non_null(strstr(d.msg, "alias to an unknown anchor (its name, 25 characters"));
	assert_int_equal(d.line, 1);
	assert_int_equal(d.col, 30);
}

/* A --set-file value never reaches a finding's message (CMF003, CMF004),
 * and a Secret name or property from --set-file, or that looks like a key,
 * is CMF004 even when it would be a valid name. */
static void test_set_file_values_not_quoted(void **state)
{
	static const char *const cases[][2] = {
	    {"cmf.sql.production", "CMF003"},
	    {"encryption.key.kubernetesSecretName", "CMF004"},
	    {"encryption.key.kubernetesSecretProperty", "CMF004"},
	};
	char path[] = "/tmp/cmfv-redact-XXXXXX";
	int fd = mkstemp(path);
	size_t i;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "cmf-key", 7), 7); /* a valid name, even */
	close(fd);
	for (i = 0; i < 3; i++) {
		char arg[256], prod[] = "cmf.sql.production=true";
		struct cmfv_set_flag sets[2] = {{CMFV_SET, prod, 1}, {CMFV_SET_FILE, arg, 2}};
		struct cmfv_values_input in = {0};
		struct cmfv_sources src = {0};
		struct cmfv_node *v = NULL;
		struct cmfv_keyref ref;
		struct cmfv_report r = {0};
		struct cmfv_diag d;
		size_t k, found = 0;

		snprintf(arg, sizeof(arg), "%s=%s", cases[i][0], path);
		in.sets = i == 0 ? &sets[1] : sets;
		in.nsets = i == 0 ? 1 : 2;
		cmfv_diag_clear(&d);
		assert_int_equal(cmfv_values_build(&in, &src, &v, &d), CMFV_OK);
		cmfv_keyref_from_values(v, NULL, NULL, &ref);
		assert_int_equal(cmfv_check_values(v, &ref, &r), CMFV_OK);
		for (k = 0; k < r.n; k++) {
			assert_null(strstr(r.v[k].message, "cmf-key"));
			if (strcmp(r.v[k].rule->id, cases[i][1]) == 0) {
				found++;
				assert_non_null(
				    strstr(r.v[k].message, "it came from --set-file: 7 bytes"));
			}
		}
		assert_int_equal(found, 1);
		cmfv_report_free(&r);
		cmfv_node_free(v);
		cmfv_sources_free(&src);
	}
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_redact_table),
	    cmocka_unit_test(test_looks_secret_and_describe),
	    cmocka_unit_test(test_diag_redacted),
	    cmocka_unit_test(test_anchor_name_not_echoed),
	    cmocka_unit_test(test_set_file_values_not_quoted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
