/* Finding a Secret's value: kubectl's YAML and JSON, Lists, manifest
 * streams, stringData over data, namespaces, locations, errors. */
#include "helpers.h"

#include "cmfv/alloc.h"
#include "cmfv/secret.h"

/* 32 bytes 00..1f as kubectl would store them */
#define K32_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static const char kubectl_yaml[] = "apiVersion: v1\n"
				   "data:\n"
				   "  encryption-key: " K32_B64 "\n"
				   "kind: Secret\n"
				   "metadata:\n"
				   "  creationTimestamp: null\n"
				   "  name: cmf-encryption-key\n"
				   "  namespace: flink\n";

static const char kubectl_json[] = "{\n"
				   "    \"kind\": \"Secret\",\n"
				   "    \"apiVersion\": \"v1\",\n"
				   "    \"metadata\": {\n"
				   "        \"name\": \"cmf-encryption-key\",\n"
				   "        \"namespace\": \"flink\",\n"
				   "        \"creationTimestamp\": null\n"
				   "    },\n"
				   "    \"data\": {\n"
				   "        \"encryption-key\": \"" K32_B64 "\"\n"
				   "    }\n"
				   "}\n";

struct fixture {
	struct cmfv_sources set;
	const struct cmfv_source *src;
	struct cmfv_secret_value v;
	struct cmfv_diag d;
};

static enum cmfv_err find(struct fixture *f, const char *text, const char *name, const char *prop,
			  const char *ns)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(cmfv_sources_add(&f->set, "in.yaml", text, strlen(text), 1, &f->src),
			 CMFV_OK);
	cmfv_diag_clear(&f->d);
	return cmfv_secret_find(f->src, name, prop, ns, &f->v, &f->d);
}

static void done(struct fixture *f)
{
	cmfv_secret_value_clear(&f->v);
	cmfv_sources_free(&f->set);
}

static void assert_key_0_to_31(const struct cmfv_secret_value *v)
{
	unsigned char want[32];
	int i;

	for (i = 0; i < 32; i++)
		want[i] = (unsigned char)i;
	assert_int_equal(v->status, CMFV_SECRET_FOUND);
	assert_int_equal(v->len, 32);
	assert_memory_equal(v->key, want, 32);
}

static void test_kubectl_yaml(void **state)
{
	struct fixture f;

	(void)state;
	assert_int_equal(find(&f, kubectl_yaml, "cmf-encryption-key", "encryption-key", NULL),
			 CMFV_OK);
	assert_key_0_to_31(&f.v);
	assert_string_equal(f.v.namespace, "flink");
	assert_string_equal(f.v.file, "in.yaml");
	assert_string_equal(f.v.loc.file, "in.yaml");
	assert_int_equal(f.v.loc.line, 3);
	assert_int_equal(f.v.loc.col, 19);
	assert_int_equal(f.v.ns_loc.line, 8);
	assert_int_equal(f.v.ns_loc.col, 14);
	assert_false(f.v.from_string_data);
	assert_int_equal(f.v.matches, 1);
	done(&f);
}

static void test_kubectl_json(void **state)
{
	struct fixture f;

	(void)state;
	assert_int_equal(find(&f, kubectl_json, "cmf-encryption-key", "encryption-key", "flink"),
			 CMFV_OK);
	assert_key_0_to_31(&f.v);
	assert_string_equal(f.v.namespace, "flink");
	assert_int_equal(f.v.loc.line, 10);
	assert_int_equal(f.v.loc.col, 27);
	assert_int_equal(f.v.ns_loc.line, 6);
	assert_int_equal(f.v.ns_loc.col, 22);
	done(&f);
}

/* Table: one Secret text, what is looked for, what comes out. */
struct scase {
	const char *name;
	const char *text;
	const char *secret, *prop, *ns;
	enum cmfv_secret_status status;
	const char *bytes; /* FOUND: the value */
	int string_data;
	unsigned line, col; /* of the value (or the Secret) */
	const char *keys;   /* NO_PROPERTY */
	size_t bad_at;	    /* BAD_BASE64 */
	const char *got_ns; /* the picked Secret's namespace */
	size_t matches;
};

static const struct scase cases[] = {
    {"stringData wins over data",
     "kind: Secret\nmetadata: {name: s}\ndata: {k: " K32_B64 "}\nstringData: {k: plain-text}\n",
     "s", "k", NULL, CMFV_SECRET_FOUND, "plain-text", 1, 4, 17, NULL, 0, NULL, 1},
    {"stringData holds the bytes as they are",
     "kind: Secret\nmetadata: {name: s}\nstringData:\n  k: \"QUJD\\n\"\n", "s", "k", NULL,
     CMFV_SECRET_FOUND, "QUJD\n", 1, 4, 6, NULL, 0, NULL, 1},
    {"data when stringData lacks the key",
     "kind: Secret\nmetadata: {name: s}\ndata: {k: QUJD}\nstringData: {other: x}\n", "s", "k", NULL,
     CMFV_SECRET_FOUND, "ABC", 0, 3, 11, NULL, 0, NULL, 1},
    {"empty data value is an empty key", "kind: Secret\nmetadata: {name: s}\ndata: {k: \"\"}\n",
     "s", "k", NULL, CMFV_SECRET_FOUND, "", 0, 3, 11, NULL, 0, NULL, 1},
    {"no such property: the keys it has",
     "kind: Secret\nmetadata: {name: s}\ndata: {a: QUJD, b: QUJD}\nstringData: {c: x}\n", "s", "k",
     NULL, CMFV_SECRET_NO_PROPERTY, NULL, 0, 1, 1, "a, b, c", 0, NULL, 1},
    {"no data at all", "kind: Secret\nmetadata: {name: s}\n", "s", "k", NULL,
     CMFV_SECRET_NO_PROPERTY, NULL, 0, 1, 1, "", 0, NULL, 1},
    {"not base64", "kind: Secret\nmetadata: {name: s}\ndata: {k: \"not base64!\"}\n", "s", "k",
     NULL, CMFV_SECRET_BAD_BASE64, NULL, 0, 3, 11, NULL, 3, NULL, 1},
    {"base64 without padding", "kind: Secret\nmetadata: {name: s}\ndata: {k: QUI}\n", "s", "k",
     NULL, CMFV_SECRET_BAD_BASE64, NULL, 0, 3, 11, NULL, 3, NULL, 1},
    {"base64 with a line break", "kind: Secret\nmetadata: {name: s}\ndata: {k: \"QUJD\\nQUJD\"}\n",
     "s", "k", NULL, CMFV_SECRET_BAD_BASE64, NULL, 0, 3, 11, NULL, 4, NULL, 1},
    {"a number is no key", "kind: Secret\nmetadata: {name: s}\ndata: {k: 1234}\n", "s", "k", NULL,
     CMFV_SECRET_NOT_STRING, NULL, 0, 3, 11, NULL, 0, NULL, 1},
    {"null is no key", "kind: Secret\nmetadata: {name: s}\ndata: {k: null}\n", "s", "k", NULL,
     CMFV_SECRET_NOT_STRING, NULL, 0, 3, 11, NULL, 0, NULL, 1},
    {"a map is no key", "kind: Secret\nmetadata: {name: s}\nstringData: {k: {a: b}}\n", "s", "k",
     NULL, CMFV_SECRET_NOT_STRING, NULL, 1, 3, 17, NULL, 0, NULL, 1},
    {"other name", "kind: Secret\nmetadata: {name: t}\ndata: {k: QUJD}\n", "s", "k", NULL,
     CMFV_SECRET_NOT_FOUND, NULL, 0, 0, 0, NULL, 0, NULL, 0},
    {"a ConfigMap of that name is no Secret",
     "kind: ConfigMap\nmetadata: {name: s}\ndata: {k: QUJD}\n", "s", "k", NULL,
     CMFV_SECRET_NOT_FOUND, NULL, 0, 0, 0, NULL, 0, NULL, 0},
    {"no metadata.name", "kind: Secret\nmetadata: {}\ndata: {k: QUJD}\n", "s", "k", NULL,
     CMFV_SECRET_NOT_FOUND, NULL, 0, 0, 0, NULL, 0, NULL, 0},
    {"empty stream", "# nothing\n", "s", "k", NULL, CMFV_SECRET_NOT_FOUND, NULL, 0, 0, 0, NULL, 0,
     NULL, 0},
    {"kind: List",
     "apiVersion: v1\nkind: List\nitems:\n- kind: Secret\n  metadata: {name: t}\n  data: {k: "
     "QUJD}\n"
     "- kind: Secret\n  metadata: {name: s, namespace: n1}\n  data: {k: REVG}\n",
     "s", "k", NULL, CMFV_SECRET_FOUND, "DEF", 0, 9, 13, NULL, 0, "n1", 1},
    {"SecretList inside a List",
     "kind: List\nitems:\n- kind: SecretList\n  items:\n  - kind: Secret\n    metadata: {name: s}\n"
     "    data: {k: REVG}\n",
     "s", "k", NULL, CMFV_SECRET_FOUND, "DEF", 0, 7, 15, NULL, 0, NULL, 1},
    {"manifest stream, third document",
     "---\n# Source: cmf/templates/cm.yaml\nkind: ConfigMap\nmetadata: {name: s}\ndata: {k: "
     "\"---\"}\n"
     "---\n# Source: cmf/templates/svc.yaml\nkind: Service\nmetadata: {name: x}\n"
     "---\nkind: Secret\nmetadata: {name: s}\ndata:\n  k: REVG\n",
     "s", "k", NULL, CMFV_SECRET_FOUND, "DEF", 0, 14, 6, NULL, 0, NULL, 1},
    {"the first of two without a namespace wish",
     "kind: Secret\nmetadata: {name: s, namespace: a}\ndata: {k: QUJD}\n---\n"
     "kind: Secret\nmetadata: {name: s, namespace: b}\ndata: {k: REVG}\n",
     "s", "k", NULL, CMFV_SECRET_FOUND, "ABC", 0, 3, 11, NULL, 0, "a", 2},
    {"the one in the wanted namespace",
     "kind: Secret\nmetadata: {name: s, namespace: a}\ndata: {k: QUJD}\n---\n"
     "kind: Secret\nmetadata: {name: s, namespace: b}\ndata: {k: REVG}\n---\n"
     "kind: Secret\nmetadata: {name: s, namespace: b}\ndata: {k: R0hJ}\n",
     "s", "k", "b", CMFV_SECRET_FOUND, "DEF", 0, 7, 11, NULL, 0, "b", 3},
    {"none in the wanted namespace: the first",
     "kind: Secret\nmetadata: {name: s, namespace: a}\ndata: {k: QUJD}\n---\n"
     "kind: Secret\nmetadata: {name: s}\ndata: {k: REVG}\n",
     "s", "k", "c", CMFV_SECRET_FOUND, "ABC", 0, 3, 11, NULL, 0, "a", 2},
    {"a property with dots is one key",
     "kind: Secret\nmetadata: {name: s}\ndata: {a.b: QUJD, a: {b: REVG}}\n", "s", "a.b", NULL,
     CMFV_SECRET_FOUND, "ABC", 0, 3, 13, NULL, 0, NULL, 1},
    {"CRLF line ends", "kind: Secret\r\nmetadata: {name: s}\r\ndata:\r\n  k: QUJD\r\n", "s", "k",
     NULL, CMFV_SECRET_FOUND, "ABC", 0, 4, 6, NULL, 0, NULL, 1},
};

static void test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct scase *c = &cases[i];
		struct fixture f;

		if (find(&f, c->text, c->secret, c->prop, c->ns) != CMFV_OK)
			fail_msg("%s: error %s", c->name, f.d.msg);
		if (f.v.status != c->status)
			fail_msg("%s: status %d, want %d", c->name, f.v.status, c->status);
		if (c->status == CMFV_SECRET_FOUND) {
			if (f.v.len != strlen(c->bytes) || memcmp(f.v.key, c->bytes, f.v.len) != 0)
				fail_msg("%s: wrong bytes (%zu long)", c->name, f.v.len);
		} else {
			assert_null(f.v.key);
			assert_int_equal(f.v.len, 0);
		}
		if (c->status != CMFV_SECRET_NOT_FOUND) {
			if (f.v.loc.line != c->line || f.v.loc.col != c->col)
				fail_msg("%s: at %u:%u, want %u:%u", c->name, f.v.loc.line,
					 f.v.loc.col, c->line, c->col);
			assert_int_equal(f.v.from_string_data, c->string_data);
		}
		if (c->keys)
			assert_string_equal(f.v.keys, c->keys);
		else
			assert_null(f.v.keys);
		if (c->status == CMFV_SECRET_BAD_BASE64 && f.v.bad_at != c->bad_at)
			fail_msg("%s: bad_at %zu, want %zu", c->name, f.v.bad_at, c->bad_at);
		if (c->got_ns)
			assert_string_equal(f.v.namespace, c->got_ns);
		else
			assert_null(f.v.namespace);
		if (f.v.matches != c->matches)
			fail_msg("%s: %zu matches, want %zu", c->name, f.v.matches, c->matches);
		assert_string_equal(f.v.file, "in.yaml");
		done(&f);
	}
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
	    "kind: Secret\nmetadata: {name: s\ndata: {k: QUJD}\n",
	    "kind: Secret\n\tdata: x\n",
	    "{\"kind\": \"Secret\", \"metadata\": {\"name\": \"s\"}\n",
	    "kind: Secret\nmetadata: {name: s}\ndata: *nowhere\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fixture f;

		assert_int_equal(find(&f, bad[i], "s", "k", NULL), CMFV_EINPUT);
		assert_int_equal(f.d.code, CMFV_EINPUT);
		assert_string_equal(f.d.file, "in.yaml");
		assert_true(f.d.line >= 1);
		assert_null(f.v.key);
		assert_null(f.v.namespace);
		done(&f);
	}
}

static void test_clear(void **state)
{
	struct cmfv_secret_value v;

	(void)state;
	cmfv_secret_value_clear(NULL);
	memset(&v, 0, sizeof(v));
	cmfv_secret_value_clear(&v);
	cmfv_secret_value_clear(&v);
	assert_null(v.key);
}

/* Every allocation fails in turn: CMFV_ENOMEM or success, never a crash or
 * a leak (ASan and valgrind watch). */
static void test_alloc_failures(void **state)
{
	static const char text[] =
	    "kind: List\nitems:\n- kind: Secret\n  metadata: {name: s, namespace: a}\n"
	    "  data: {k: " K32_B64 ", other: QUJD}\n"
	    "- kind: Secret\n  metadata: {name: s, namespace: b}\n  stringData: {j: x}\n";
	const char *props[] = {"k", "missing"};
	size_t p;

	(void)state;
	for (p = 0; p < 2; p++) {
		struct fixture f;
		unsigned long n, total;

		cmfv_alloc_reset_count();
		assert_int_equal(find(&f, text, "s", props[p], "b"), CMFV_OK);
		total = cmfv_alloc_count();
		done(&f);
		for (n = 1; n <= total; n++) {
			enum cmfv_err e;

			memset(&f, 0, sizeof(f));
			assert_int_equal(
			    cmfv_sources_add(&f.set, "in.yaml", text, strlen(text), 1, &f.src),
			    CMFV_OK);
			cmfv_diag_clear(&f.d);
			cmfv_alloc_fail_at(n, 0);
			e = cmfv_secret_find(f.src, "s", props[p], "b", &f.v, &f.d);
			cmfv_alloc_fail_at(0, 0);
			if (e != CMFV_OK) {
				assert_int_equal(e, CMFV_ENOMEM);
				assert_null(f.v.key);
				assert_null(f.v.keys);
			}
			done(&f);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kubectl_yaml), cmocka_unit_test(test_kubectl_json),
	    cmocka_unit_test(test_cases),	 cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_clear),	 cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
