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

/* Child stderr, the class (issue 13 round 2): a key in any encoding, cut
 * anywhere, with any separators, never survives cmfv_redact_stderr. Keys
 * from a fixed seed; each is written as base64 (standard, url-safe, lower
 * case), hex (lower, upper), decimal, and escapes, cut into pieces of every
 * width with each separator; the output may hold no 10-character piece of
 * the key's base64 or hex forms (nor of its decimal list). */
static const char *const seps[] = {" ", "\n", "\" \"", ",",  ", ",   "\\n", ":", "-",
				   ";", ".",  "|",     "\t", "', '", "/",   "_", " \\\n  "};

static void b64(const unsigned char *k, size_t n, char *out, int url)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)k[i] << 16 | (i + 1 < n ? (unsigned)k[i + 1] << 8 : 0) |
			     (i + 2 < n ? k[i + 2] : 0);
		size_t j, m = i + 2 < n ? 4 : i + 1 < n ? 3 : 2;

		for (j = 0; j < m; j++) {
			char c = a[(v >> (18 - 6 * j)) & 63];

			out[o++] = url && c == '+' ? '-' : url && c == '/' ? '_' : c;
		}
	}
	out[o] = '\0';
}

/* \p text cut into pieces of \p w with \p sep between them. */
static void cut(const char *text, size_t w, const char *sep, char *out)
{
	size_t i, n = strlen(text);

	out[0] = '\0';
	for (i = 0; i < n; i += w) {
		if (i > 0)
			strcat(out, sep);
		strncat(out, text + i, w);
	}
}

/* \p s with only its letters and digits: what a reader could put back
 * together, whatever was between the pieces. */
static void alnum_only(const char *s, char *out)
{
	for (; *s; s++)
		if ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z'))
			*out++ = *s;
	*out = '\0';
}

/* Does \p out hold a 10-character piece of \p form, separators aside? */
static int holds_piece(const char *out, const char *form)
{
	size_t i, n;
	char piece[11], o[1024], f[128];

	alnum_only(out, o);
	alnum_only(form, f);
	n = strlen(f);
	for (i = 0; i + 10 <= n; i++) {
		memcpy(piece, f + i, 10);
		piece[10] = '\0';
		if (strstr(o, piece) != NULL)
			return 1;
	}
	return 0;
}

static void expect_clean(const char *in, const char **forms, size_t nforms)
{
	char out[1024];
	size_t f;

	cmfv_redact_stderr(in, strlen(in), out, sizeof(out));
	for (f = 0; f < nforms; f++)
		if (holds_piece(out, forms[f]))
			fail_msg("key piece survived:\n in '%s'\nout '%s'", in, out);
}

/* Byte \p b written as escape number \p e: \x12 \x1A %1A \u001a \022
 * 0x1a "0x1A, " \\x1a. */
static size_t esc_byte(size_t e, unsigned b, char *out, size_t outsz)
{
	int k;

	switch (e) {
	case 0:
		k = snprintf(out, outsz, "\\x%02x", b);
		break;
	case 1:
		k = snprintf(out, outsz, "\\x%02X", b);
		break;
	case 2:
		k = snprintf(out, outsz, "%%%02X", b);
		break;
	case 3:
		k = snprintf(out, outsz, "\\u00%02x", b);
		break;
	case 4:
		k = snprintf(out, outsz, "\\%03o", b);
		break;
	case 5:
		k = snprintf(out, outsz, "0x%02x", b);
		break;
	case 6:
		k = snprintf(out, outsz, "0x%02X, ", b);
		break;
	case 7:
		k = snprintf(out, outsz, "\\\\x%02x", b);
		break;
	default: /* the known-key scan's only (assembler style) */
		k = snprintf(out, outsz, "%02xh ", b);
		break;
	}
	return k > 0 ? (size_t)k : 0;
}

static void test_stderr_key_forms(void **state)
{
	unsigned seed = 12345;
	size_t key, i, w, s, e;

	(void)state;
	for (key = 0; key < 40; key++) {
		size_t n = key % 2 ? 16 : 32;
		unsigned char k[32];
		char std[64], url[64], low[64], hex[80], hexup[80], dec[512], text[4096];
		const char *forms[3] = {std, hex, url};
		const char *texts[5] = {std, url, low, hex, hexup};

		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			k[i] = (unsigned char)(seed >> 16);
		}
		b64(k, n, std, 0);
		b64(k, n, url, 1);
		for (i = 0; std[i]; i++)
			low[i] = (char)(std[i] >= 'A' && std[i] <= 'Z' ? std[i] | 0x20 : std[i]);
		low[i] = '\0';
		for (i = 0; i < n; i++) {
			snprintf(hex + 2 * i, 3, "%02x", k[i]);
			snprintf(hexup + 2 * i, 3, "%02X", k[i]);
		}
		for (i = 0; i < 5; i++)
			for (w = 1; w <= 20; w++)
				for (s = 0; s < sizeof(seps) / sizeof(seps[0]); s++) {
					char in[4200];

					/* lower-cased base64 (lossy) cut into letters
					 * alone reads as prose: not held */
					if (i == 2 && w >= 3 && w < 20)
						continue;

					cut(texts[i], w, seps[s], text);
					snprintf(in, sizeof(in), "Error from server: %s\n", text);
					expect_clean(in, forms, 3);
				}
		/* decimal byte lists, byte escapes */
		for (s = 0; s < sizeof(seps) / sizeof(seps[0]); s++) {
			char in[4200];
			size_t o = 0;

			for (i = 0; i < n; i++)
				o += (size_t)snprintf(dec + o, sizeof(dec) - o, "%s%u",
						      i ? seps[s] : "", k[i]);
			snprintf(in, sizeof(in), "value [%s] not valid\n", dec);
			expect_clean(in, forms, 3);
			/* no 6 numbers of the list in a row either */
			{
				char out[1024];

				cmfv_redact_stderr(in, strlen(in), out, sizeof(out));
				for (i = 0; i + 6 <= n; i++) {
					size_t j, p = 0;
					char piece[64];

					for (j = i; j < i + 6; j++)
						p += (size_t)snprintf(piece + p, sizeof(piece) - p,
								      "%s%u", j > i ? seps[s] : "",
								      k[j]);
					if (strstr(out, piece) != NULL)
						fail_msg("decimal piece survived: '%s'", out);
				}
			}
		}
		for (e = 0; e < 8; e++) {
			char in[4200];
			size_t o = 0;

			for (i = 0; i < n; i++)
				o += esc_byte(e, k[i], text + o, sizeof(text) - o);
			snprintf(in, sizeof(in), "invalid \"%s\"\n", text);
			expect_clean(in, forms, 3);
			{
				char out[1024];

				cmfv_redact_stderr(in, strlen(in), out, sizeof(out));
				if (strstr(out, "[redacted") == NULL)
					fail_msg("not redacted: %s -> %s", in, out);
			}
		}
	}
}

/* A piece of \p n characters of \p form in \p out (separators and case as
 * they are). */
static int holds_piece_n(const char *out, const char *form, size_t n)
{
	size_t i, len = strlen(form);
	char piece[64];

	for (i = 0; i + n <= len; i++) {
		memcpy(piece, form + i, n);
		piece[n] = '\0';
		if (strstr(out, piece) != NULL)
			return 1;
	}
	return 0;
}

/* With the key's bytes known (the tool decoded it), every piece of 4
 * bytes or more goes, whatever encoding and separators: the 0.13% of
 * 10-character pieces the token-run rule let through included. */
static void test_stderr_known_key(void **state)
{
	unsigned seed = 777;
	size_t key, i, w, s, e;

	(void)state;
	for (key = 0; key < 40; key++) {
		size_t n = key % 2 ? 16 : 32;
		unsigned char k[32];
		char std[64], url[64], hex[80], hexup[80], colon[100], text[4096], out[1024];
		const char *texts[5] = {std, url, hex, hexup, colon};

		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			k[i] = (unsigned char)(seed >> 16);
		}
		b64(k, n, std, 0);
		b64(k, n, url, 1);
		for (i = 0; i < n; i++) {
			snprintf(hex + 2 * i, 3, "%02x", k[i]);
			snprintf(hexup + 2 * i, 3, "%02X", k[i]);
			snprintf(colon + 3 * i, 4, "%02x:", k[i]);
		}
		cmfv_redact_known_add(k, n);
		for (i = 0; i < 5; i++)
			for (w = 1; w <= 20; w++)
				for (s = 0; s < sizeof(seps) / sizeof(seps[0]); s++) {
					char in[4200];

					cut(texts[i], w, seps[s], text);
					snprintf(in, sizeof(in), "Error from server: %s\n", text);
					cmfv_redact_stderr(in, strlen(in), out, sizeof(out));
					/* 8 characters: 6 bytes of base64, 4 of hex */
					if (holds_piece_n(out, std, 8) ||
					    holds_piece_n(out, url, 8) ||
					    holds_piece_n(out, hex, 8) ||
					    holds_piece_n(out, hexup, 8))
						fail_msg(
						    "known key piece survived:\n in '%s'\nout '%s'",
						    in, out);
				}
		/* one short piece alone among words: under 96 bits, which the
		 * token-run rule lets through by design; known, it goes */
		for (i = 0; i < 4; i++)
			for (w = 0; w + 10 <= strlen(texts[i]); w++) {
				char in[200], piece[11];

				memcpy(piece, texts[i] + w, 10);
				piece[10] = '\0';
				snprintf(in, sizeof(in),
					 "Error: token %s was rejected by the server\n", piece);
				cmfv_redact_stderr(in, strlen(in), out, sizeof(out));
				if (strstr(out, piece) != NULL)
					fail_msg("lone piece of a known key survived: '%s'", out);
				/* and the words around it stay: a hex run does not
				 * go on into the e of "token" (base64 may take a
				 * letter that happens to be the key's next, 1 in 64) */
				if (strncmp(out, "Error: to", 9) != 0 ||
				    strstr(out, "s rejected by the server") == NULL)
					fail_msg("words around a lone piece cut: '%s' -> '%s'", in,
						 out);
			}
		for (s = 0; s < sizeof(seps) / sizeof(seps[0]); s++) {
			char in[4200], dec[512], piece[64];
			size_t o = 0, j, p;

			for (i = 0; i < n; i++)
				o += (size_t)snprintf(dec + o, sizeof(dec) - o, "%s%u",
						      i ? seps[s] : "", k[i]);
			snprintf(in, sizeof(in), "value [%s] not valid\n", dec);
			cmfv_redact_stderr(in, strlen(in), out, sizeof(out));
			for (i = 0; i + 4 <= n; i++) {
				for (j = i, p = 0; j < i + 4; j++)
					p += (size_t)snprintf(piece + p, sizeof(piece) - p, "%s%u",
							      j > i ? seps[s] : "", k[j]);
				if (strstr(out, piece) != NULL)
					fail_msg("decimal piece of a known key survived: '%s'",
						 out);
			}
		}
		for (e = 0; e < 9; e++) {
			char in[4200];
			size_t o = 0;

			for (i = 0; i < n; i++)
				o += esc_byte(e, k[i], text + o, sizeof(text) - o);
			snprintf(in, sizeof(in), "invalid \"%s\"\n", text);
			cmfv_redact_stderr(in, strlen(in), out, sizeof(out));
			if (strncmp(out, "invalid \"", 9) != 0 || strlen(out) > 9 + 16 + 2)
				fail_msg("escaped known key not cut whole: %s -> %s", in, out);
		}
		/* kubectl's own words stay as they are, key known or not */
		{
			static const char prose[] =
			    "Error from server (Forbidden): secrets \"cmfkey\" is forbidden: User "
			    "\"system:serviceaccount:flink:default\" cannot get resource "
			    "\"secrets\" in API group \"\" in the namespace \"flink\"";

			cmfv_redact_stderr(prose, strlen(prose), out, sizeof(out));
			assert_string_equal(out, prose);
		}
		cmfv_redact_known_clear();
	}
}

/* What kubectl and helm say in prose stays readable. */
static void test_stderr_prose_kept(void **state)
{
	static const char *const prose[] = {
	    "Error from server (NotFound): secrets \"cmf-encryption-key\" not found",
	    "Error from server (Forbidden): secrets \"cmfkey\" is forbidden: User "
	    "\"system:serviceaccount:flink:default\" cannot get resource \"secrets\" in API group "
	    "\"\" in the namespace \"flink\"",
	    "The connection to the server localhost:8080 was refused - did you specify the right "
	    "host or port?",
	    "Unable to connect to the server: dial tcp 10.96.0.1:443: i/o timeout",
	    "Error: release: not found",
	    "Error: Kubernetes cluster unreachable: Get \"https://127.0.0.1:6443/version\": dial "
	    "tcp 127.0.0.1:6443: connect: connection refused",
	    "error: the server doesn't have a resource type \"secret\"",
	    "x509: certificate signed by unknown authority",
	};
	size_t i;
	char out[1024];

	(void)state;
	for (i = 0; i < sizeof(prose) / sizeof(prose[0]); i++) {
		cmfv_redact_stderr(prose[i], strlen(prose[i]), out, sizeof(out));
		if (strcmp(out, prose[i]) != 0)
			fail_msg("prose changed:\n in '%s'\nout '%s'", prose[i], out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_redact_table),
	    cmocka_unit_test(test_looks_secret_and_describe),
	    cmocka_unit_test(test_diag_redacted),
	    cmocka_unit_test(test_anchor_name_not_echoed),
	    cmocka_unit_test(test_set_file_values_not_quoted),
	    cmocka_unit_test(test_stderr_key_forms),
	    cmocka_unit_test(test_stderr_known_key),
	    cmocka_unit_test(test_stderr_prose_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
