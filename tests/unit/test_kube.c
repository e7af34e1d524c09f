/* kubectl: the argument vector, NotFound vs failure, time limit, and the
 * sanitiser that keeps Secret data and tokens out of messages. A stand-in
 * kubectl (a shell script) records its arguments; the real kubectl is
 * exercised end to end in tests/keys/run.sh. */
#include "helpers.h"

#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmfv/kube.h"

#define B64_KEY "NuhDjmXQs32wtnQvR/n3QamgBvJQasq9f3bxXDxHHIw="
#define HEX_KEY "5fefc5dd8c7a9285eed74f5fbb65bab7cd6a65c11b1e20d6fee1125b885d8dcb"
#define JWT                                                                                        \
	"eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9."                                                    \
	"eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2k6bGludCJ9."                                    \
	"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

struct scase {
	const char *in;
	const char *out;
};

static const struct scase scases[] = {
    {"Error from server (NotFound): secrets \"x\" not found\n",
     "Error from server (NotFound): secrets \"x\" not found"},
    {"Error from server (Forbidden): secrets \"cmf-encryption-key\" is forbidden: User "
     "\"system:serviceaccount:ci:lint\" cannot get resource \"secrets\" in API group \"\" in the "
     "namespace \"flink\"\n",
     "Error from server (Forbidden): secrets \"cmf-encryption-key\" is forbidden: User "
     "\"system:serviceaccount:ci:lint\" cannot get resource \"secrets\" in API group \"\" in the "
     "namespace \"flink\""},
    {"Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused\n",
     "Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused"},
    {"Get \"https://10.0.0.1:443/api/v1/namespaces/confluent-manager-for-apache-flink/secrets/x\": "
     "Error from server (ServiceUnavailable)",
     "Get \"https://10.0.0.1:443/api/v1/namespaces/confluent-manager-for-apache-flink/secrets/x\": "
     "Error from server (ServiceUnavailable)"},
    /* key material and credentials */
    {"error: {\"data\":{\"encryption-key\":\"" B64_KEY "\"}}",
     "error: {\"data\":{\"encryption-key\":\"[redacted 44 chars]\"}}"},
    {"key " HEX_KEY " here", "key [redacted 64 chars] here"},
    {"Bearer " JWT, "Bearer [redacted 133 chars]"},
    /* a run of tokens carrying a key goes whole, numbers and short words
     * in it too (over-redaction rather than a leak) */
    {"16-byte key pcL8QP0AwQQFuqhvHHszbA== and one of 32 "
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
     "[redacted 50 chars] [redacted]"},
    {"url-safe HJxNZrP9vYVMIoGFwCYe62BcG43AjmVHuLT-gBOL9Ro", "url-[redacted 48 chars]"},
    /* lines, control characters, escapes */
    {"one\ntwo\r\nthree\n\n\nfour\nfive\nsix\n", "one; two; three; four..."},
    {"\x1b[1;31merror\x1b[0m: bad\x07 bell\ttab", "error: bad bell tab"},
    {"", ""},
    {"\n\n", ""},
};

static void test_sanitize(void **state)
{
	size_t i;
	char out[700];

	(void)state;
	for (i = 0; i < sizeof(scases) / sizeof(scases[0]); i++) {
		cmfv_kube_sanitize(scases[i].in, strlen(scases[i].in), out, sizeof(out));
		if (strcmp(out, scases[i].out) != 0)
			fail_msg("case %zu:\n got '%s'\nwant '%s'", i, out, scases[i].out);
	}
}

static void test_sanitize_cut(void **state)
{
	char in[3000], out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) - 1; i++)
		in[i] = "lorems "[i % 7]; /* prose: a key's text would be dropped whole */
	in[sizeof(in) - 1] = '\0';
	cmfv_kube_sanitize(in, strlen(in), out, sizeof(out));
	assert_true(strlen(out) < sizeof(out));
	assert_string_equal(out + strlen(out) - 3, "...");
	/* a key cut in the middle never shows its first part either */
	cmfv_kube_sanitize("see " B64_KEY, 4 + 44, out, 16);
	assert_null(strstr(out, "NuhD"));
	cmfv_kube_sanitize("abc", 3, out, 4);
	assert_string_equal(out, "");
}

/* ------------------------------------------------ a stand-in kubectl */

static char dir[] = "/tmp/cmfv-test-kube-XXXXXX";
static char kubectl[256], args[256];

static const char script[] =
    "#!/bin/sh\n"
    "printf '%s\\n' \"$@\" > \"$CMFV_TEST_ARGS\"\n"
    "case \"$CMFV_TEST_MODE\" in\n"
    "ok) printf '{\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"},\"data\":{\"k\":\"QUJD\"}}' "
    ";;\n"
    "notfound) echo 'Error from server (NotFound): secrets \"s\" not found' >&2; exit 1 ;;\n"
    "forbidden) echo 'Error from server (Forbidden): secrets \"s\" is forbidden: User \"u\" cannot "
    "get "
    "resource \"secrets\"' >&2; exit 1 ;;\n"
    "leak) printf '{\"data\":{\"k\":\"" B64_KEY
    "\"}}'; echo 'error: bad response {\"data\":{\"k\":\"" B64_KEY "\"}} Bearer " JWT
    "' >&2; exit 1 ;;\n"
    "silent) exit 2 ;;\n"
    "slow) exec sleep 20 ;;\n"
    "esac\n";

static int setup(void **state)
{
	FILE *f;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(kubectl, sizeof(kubectl), "%s/kubectl", dir);
	snprintf(args, sizeof(args), "%s/args", dir);
	f = fopen(kubectl, "w");
	if (f == NULL)
		return -1;
	fputs(script, f);
	fclose(f);
	chmod(kubectl, 0700);
	setenv("CMFV_TEST_ARGS", args, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(kubectl);
	unlink(args);
	rmdir(dir);
	return 0;
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static enum cmfv_err get(const char *mode, const struct cmfv_kube *k, struct cmfv_buf *out, int *nf,
			 struct cmfv_diag *d)
{
	setenv("CMFV_TEST_MODE", mode, 1);
	*out = (struct cmfv_buf)CMFV_BUF_SECRET; /* a Secret is read: kubectl's output too */
	cmfv_diag_clear(d);
	*nf = -1;
	return cmfv_kube_get(k, "secret", "s", out, nf, d);
}

static void test_get_ok(void **state)
{
	struct cmfv_kube k = {kubectl, "ctx", "/k/config", "flink", 0};
	struct cmfv_buf out;
	struct cmfv_diag d;
	int nf;

	(void)state;
	assert_int_equal(get("ok", &k, &out, &nf, &d), CMFV_OK);
	assert_int_equal(nf, 0);
	assert_string_equal(
	    out.ptr,
	    "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"},\"data\":{\"k\":\"QUJD\"}}");
	assert_string_equal(slurp(args),
			    "get\nsecret\ns\n--output=json\n--request-timeout=27s\n"
			    "--namespace\nflink\n--context\nctx\n--kubeconfig\n/k/config\n");
	cmfv_buf_free(&out);

	/* nothing given: kubectl's own defaults (current context, $KUBECONFIG) */
	k = (struct cmfv_kube){kubectl, NULL, NULL, NULL, 0};
	assert_int_equal(get("ok", &k, &out, &nf, &d), CMFV_OK);
	assert_string_equal(slurp(args), "get\nsecret\ns\n--output=json\n--request-timeout=27s\n");
	cmfv_buf_free(&out);
}

static void test_get_not_found(void **state)
{
	struct cmfv_kube k = {kubectl, NULL, NULL, "flink", 0};
	struct cmfv_buf out;
	struct cmfv_diag d;
	int nf;

	(void)state;
	assert_int_equal(get("notfound", &k, &out, &nf, &d), CMFV_OK);
	assert_int_equal(nf, 1);
	assert_int_equal(out.len, 0);
	cmfv_buf_free(&out);
}

static void test_get_failures(void **state)
{
	struct cmfv_kube k = {kubectl, NULL, NULL, "flink", 0};
	struct cmfv_buf out;
	struct cmfv_diag d;
	int nf;

	(void)state;
	assert_int_equal(get("forbidden", &k, &out, &nf, &d), CMFV_EENV);
	assert_int_equal(nf, 0);
	assert_non_null(strstr(
	    d.msg, "failed (exit 1): Error from server (Forbidden): secrets \"s\" is forbidden"));
	assert_int_equal(out.len, 0);
	cmfv_buf_free(&out);

	/* kubectl failing while it holds Secret data: none of it in the message */
	assert_int_equal(get("leak", &k, &out, &nf, &d), CMFV_EENV);
	assert_null(strstr(d.msg, "NuhD"));
	assert_null(strstr(d.msg, "eyJ"));
	assert_non_null(strstr(d.msg, "[redacted"));
	assert_int_equal(out.len, 0);
	cmfv_buf_free(&out);

	assert_int_equal(get("silent", &k, &out, &nf, &d), CMFV_EENV);
	assert_non_null(strstr(d.msg, "failed (exit 2): no message"));
	cmfv_buf_free(&out);

	k.kubectl = "/nonexistent/kubectl";
	assert_int_equal(get("ok", &k, &out, &nf, &d), CMFV_EENV);
	assert_non_null(
	    strstr(d.msg, "cannot run /nonexistent/kubectl: No such file or directory"));
	cmfv_buf_free(&out);
}

static void test_get_timeout(void **state)
{
	struct cmfv_kube k = {kubectl, NULL, NULL, NULL, 1};
	struct cmfv_buf out;
	struct cmfv_diag d;
	int nf;

	(void)state;
	assert_int_equal(get("slow", &k, &out, &nf, &d), CMFV_EENV);
	assert_non_null(strstr(d.msg, "did not answer within 1 seconds"));
	assert_non_null(strstr(slurp(args), "--request-timeout=1s"));
	cmfv_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sanitize),	 cmocka_unit_test(test_sanitize_cut),
	    cmocka_unit_test(test_get_ok),	 cmocka_unit_test(test_get_not_found),
	    cmocka_unit_test(test_get_failures), cmocka_unit_test(test_get_timeout),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
