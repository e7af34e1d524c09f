/* The document classifier: a table of tricky documents, each with the class
 * and the names it must give, and each checked against the YAML loader too
 * (tests/classify/sound.h). */
#include "helpers.h"

#include "cmfv/classify.h"

#include "../classify/sound.h"
#include "../../src/manifests/classify_int.h"

#define DEP CMFV_CLS_DEPLOYMENT
#define CM CMFV_CLS_CONFIGMAP
#define LIST CMFV_CLS_LIST
#define OTHER CMFV_CLS_OTHER
#define PARSE CMFV_CLS_PARSE

struct ccase {
	const char *name;
	const char *in;
	enum cmfv_cls cls;
	const char *mname; /* metadata.name when known, NULL when unknown */
	const char *ns;
};

#define DEPLOY_HEAD "apiVersion: apps/v1\nkind: Deployment\n"
#define INDENTED_32 "    0123456789abcdefghijklmnopq\n"
#define LONG_INDENTED INDENTED_32 INDENTED_32 INDENTED_32 INDENTED_32 INDENTED_32 INDENTED_32

static const struct ccase cases[] = {
    /* the plain shapes */
    {"helm 3 deployment",
     "---\n# Source: c/templates/d.yaml\n" DEPLOY_HEAD
     "metadata:\n  name: cmf\n  namespace: ns1\n  labels:\n    a: b\nspec:\n  replicas: 1\n",
     DEP, "cmf", "ns1"},
    {"helm 4 form, no marker",
     DEPLOY_HEAD "metadata:\n  name: cmf\n  annotations:\n"
		 "    helm.sh/source: c/templates/d.yaml\n",
     DEP, "cmf", NULL},
    {"configmap",
     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cmf-config\ndata:\n"
     "  cmf-config.yaml: |\n    cmf:\n      sql:\n        production: true\n",
     CM, "cmf-config", NULL},
    {"list by kind", "apiVersion: v1\nkind: List\nitems:\n- kind: Deployment\n", LIST, NULL, NULL},
    {"list kind only", "apiVersion: v1\nkind: DeploymentList\nmetadata: {}\n", LIST, NULL, NULL},
    {"items key without kind", "items:\n  - kind: Deployment\n", LIST, NULL, NULL},
    {"service", "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n", OTHER, "svc", NULL},
    {"no kind", "a: 1\nb: 2\n", OTHER, NULL, NULL},
    {"empty", "", OTHER, NULL, NULL},
    {"comments only", "---\n# Source: x\n# nothing\n", OTHER, NULL, NULL},
    {"CRLF", "---\r\n" DEPLOY_HEAD "metadata:\r\n  name: cmf\r\n", DEP, "cmf", NULL},
    {"BOM", "\xEF\xBB\xBF" DEPLOY_HEAD "metadata:\n  name: cmf\n", DEP, "cmf", NULL},
    {"end marker and comments", DEPLOY_HEAD "metadata:\n  name: a\n...\n# after\n", DEP, "a", NULL},
    {"comments after values", "kind: Deployment # the kind\nmetadata: # m\n  name: a # n\n", DEP,
     "a", NULL},
    {"marker with a comment", "--- # c\nkind: Deployment\n", DEP, NULL, NULL},
    {"indentless sequences at column 0",
     "kind: ClusterRole\nrules:\n- apiGroups: [\"\"]\n"
     "  resources: [pods]\n- verbs: ['get']\nmetadata:\n  name: r\n",
     OTHER, "r", NULL},
    {"flow values that close on their line",
     "kind: Deployment\nstatus: {}\nmetadata:\n  "
     "labels: {a: b, c: \"d\"}\n  name: x\n",
     DEP, "x", NULL},
    /* content below the top level never forces a parse */
    {"backslash in a CRD pattern",
     "kind: CustomResourceDefinition\nspec:\n  pattern: "
     "'^\\d+$'\n  p2: \"\\u0044\"\n",
     OTHER, NULL, NULL},
    {"markers inside a block scalar",
     "kind: ConfigMap\ndata:\n  a: |\n    ---\n    ...\n    "
     "# x\n    kind: Deployment\n",
     CM, NULL, NULL},
    {"JSON in a ConfigMap",
     "kind: ConfigMap\nmetadata:\n  name: dash\ndata:\n  d.json: |-\n"
     "    {\"kind\": \"Deployment\", \"a\": [1,\n      2]}\n",
     CM, "dash", NULL},
    {"block scalar in metadata",
     "kind: Deployment\nmetadata:\n  annotations:\n    x: |\n"
     "      it's \"open\n      {[\n  name: nm\n",
     DEP, "nm", NULL},
    {"nested quoted multi-line after metadata",
     "kind: Deployment\nmetadata:\n  name: nm\n"
     "spec:\n  x: \"a\n   b\"\n",
     DEP, "nm", NULL},
    {"quoted continuation at column 0", "kind: Deployment\nspec:\n  x: \"a\nb\"\n", PARSE, NULL,
     NULL},
    /* the top level is unusual: parse */
    {"tagged kind", "kind: !!str Deployment\n", PARSE, NULL, NULL},
    {"binary kind", "kind: !!binary RGVwbG95bWVudA==\n", PARSE, NULL, NULL},
    {"quoted kind", "kind: \"Deployment\"\n", PARSE, NULL, NULL},
    {"escaped kind", "kind: \"\\u0044eployment\"\n", PARSE, NULL, NULL},
    {"quoted key", "\"kind\": Deployment\n", PARSE, NULL, NULL},
    {"escaped key", "\"\\u006bind\": Deployment\n", PARSE, NULL, NULL},
    {"anchor on kind", "kind: &k Deployment\n", PARSE, NULL, NULL},
    {"alias metadata", "x: &m {name: a}\nkind: Deployment\nmetadata: *m\n", PARSE, NULL, NULL},
    {"merge key", "<<: {kind: Deployment}\n", PARSE, NULL, NULL},
    {"explicit key", "? kind\n: Deployment\n", PARSE, NULL, NULL},
    {"flow top level", "{kind: Deployment}\n", PARSE, NULL, NULL},
    {"JSON top level", "{\"kind\": \"Deployment\", \"metadata\": {\"name\": \"a\"}}\n", PARSE, NULL,
     NULL},
    {"content on the marker line", "--- {kind: Deployment}\n", PARSE, NULL, NULL},
    {"tag on the document", "--- !!map\nkind: Deployment\n", PARSE, NULL, NULL},
    {"directive", "%YAML 1.1\n---\nkind: Deployment\n", PARSE, NULL, NULL},
    {"kind continues below", "kind: Deploy\n  ment\n", PARSE, NULL, NULL},
    {"kind value below", "kind:\n  Deployment\n", PARSE, NULL, NULL},
    {"kind twice", "kind: Service\nkind: Deployment\n", PARSE, NULL, NULL},
    {"metadata twice", "kind: Deployment\nmetadata:\n  name: a\nmetadata:\n  name: b\n", PARSE,
     NULL, NULL},
    {"tab indentation", "kind: Deployment\n\tx: 1\n", PARSE, NULL, NULL},
    {"lone CR breaks a line", "a: x\rkind: Deployment\n", PARSE, NULL, NULL},
    {"NEL breaks a line", "data:\n  x: |\n    a\xC2\x85kind: Deployment\n", PARSE, NULL, NULL},
    {"LS breaks a line", "a: b\xE2\x80\xA8kind: Deployment\n", PARSE, NULL, NULL},
    /* odd breaks past the first 64-byte blocks of skipped indented lines
     * (the skip looks for them in the same pass), and UTF-8 that only
     * looks like them (C2 and E2 lead bytes of other characters) */
    {"PS deep in skipped lines",
     "kind: ConfigMap\ndata:\n  x: |\n" LONG_INDENTED "    a\xE2\x80\xA9kind: Deployment\n", PARSE,
     NULL, NULL},
    {"lone CR deep in skipped lines",
     "kind: ConfigMap\ndata:\n  x: |\n" LONG_INDENTED "    a\rkind: Deployment\n" LONG_INDENTED,
     PARSE, NULL, NULL},
    {"CR at the end", "kind: ConfigMap\ndata:\n  x: |\n" LONG_INDENTED "    a\r", PARSE, NULL,
     NULL},
    {"CRLF and lookalike UTF-8 in skipped lines",
     "kind: ConfigMap\r\nmetadata:\r\n  name: c\r\n"
     "data:\r\n  x: |\r\n    \xC2\xB7 \xE2\x80\x94 \xC3\xA9\r\n" LONG_INDENTED
     "    \xE2\x80\xA6\xC2\xA0\r\n",
     CM, "c", NULL},
    {"second document", "a: 1\n---\nkind: Deployment\n", PARSE, NULL, NULL},
    {"content after the end marker", "a: 1\n...\nkind: Deployment\n", PARSE, NULL, NULL},
    {"indented top level", "  kind: Deployment\n", PARSE, NULL, NULL},
    {"sequence top level", "- kind: Deployment\n", PARSE, NULL, NULL},
    {"deployment with items", "kind: Deployment\nitems: []\n", PARSE, NULL, NULL},
    {"spaced key", "kind : Deployment\n", PARSE, NULL, NULL},
    /* names: known only when certain */
    {"quoted name", "kind: Deployment\nmetadata:\n  name: \"a\"\n", DEP, NULL, NULL},
    {"name twice", "kind: Deployment\nmetadata:\n  name: a\n  name: b\n", DEP, NULL, NULL},
    {"name continues below", "kind: Deployment\nmetadata:\n  name: a\n    b\n", DEP, NULL, NULL},
    {"number name", "kind: Deployment\nmetadata:\n  name: 123\n  namespace: yes\n", DEP, NULL,
     NULL},
    {"merge in metadata", "kind: Deployment\nmetadata:\n  name: a\n  <<: {name: b}\n", DEP, NULL,
     NULL},
    {"nested name only", "kind: Deployment\nmetadata:\n  labels:\n    name: a\n", DEP, NULL, NULL},
    {"flow metadata", "kind: Deployment\nmetadata: {name: a}\n", DEP, NULL, NULL},
    {"anchored name", "kind: Deployment\nmetadata:\n  name: &n a\n", DEP, NULL, NULL},
    {"quoted scalar swallows metadata",
     "kind: Deployment\nx:\n  y: \"open\nmetadata:\n  name: "
     "fake\nz: \"\n",
     DEP, NULL, NULL},
    {"flow swallows the name", "kind: Deployment\nmetadata:\n  labels: [a,\n  name: fake\n  ]\n",
     DEP, NULL, NULL},
    {"quoted key in metadata", "kind: Deployment\nmetadata:\n  \"name\": a\n", DEP, NULL, NULL},
    {"metadata as a sequence", "kind: Deployment\nmetadata:\n- name: a\n", DEP, NULL, NULL},
};

static void test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ccase *c = &cases[i];
		struct cmfv_cls_info ci;
		char why[300];
		const char *bad;
		int loaded;

		cmfv_classify(c->in, strlen(c->in), &ci);
		if (ci.cls != c->cls)
			fail_msg("%s: class %s, want %s", c->name, cmfv_cls_name(ci.cls),
				 cmfv_cls_name(c->cls));
		if (!c->mname != !ci.name.known ||
		    (c->mname && (ci.name.len != strlen(c->mname) ||
				  memcmp(ci.name.ptr, c->mname, ci.name.len) != 0)))
			fail_msg("%s: name %.*s (known %d), want %s", c->name, (int)ci.name.len,
				 ci.name.ptr ? ci.name.ptr : "", ci.name.known,
				 c->mname ? c->mname : "unknown");
		if (!c->ns != !ci.ns.known || (c->ns && (ci.ns.len != strlen(c->ns) ||
							 memcmp(ci.ns.ptr, c->ns, ci.ns.len) != 0)))
			fail_msg("%s: namespace known %d, want %s", c->name, ci.ns.known,
				 c->ns ? c->ns : "unknown");
		bad = sound_check(c->in, strlen(c->in), &ci, why, sizeof(why), &loaded);
		if (bad)
			fail_msg("%s: unsound: %s", c->name, bad);
	}
}

/* The text is only borrowed: what is known points into it. */
static void test_borrowed(void **state)
{
	static const char doc[] = "kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: c\n";
	struct cmfv_cls_info ci;

	(void)state;
	cmfv_classify(doc, sizeof(doc) - 1, &ci);
	assert_int_equal(ci.cls, CM);
	assert_true(ci.kind.known && ci.kind.ptr == doc + 6 && ci.kind.len == 9);
	assert_true(ci.api.known && ci.api.len == 2 && memcmp(ci.api.ptr, "v1", 2) == 0);
	assert_true(ci.name.known && ci.name.ptr == doc + 49);
	assert_false(ci.ns.known);
	assert_null(ci.ns.ptr);
}

/* Without its last line break, and cut anywhere: never past the end
 * (ASan and valgrind watch the reads). */
static void test_prefixes(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].in);

		for (n = 0; n <= len; n++) {
			struct cmfv_cls_info ci;
			char *copy = malloc(n ? n : 1), why[300];
			int loaded;

			memcpy(copy, cases[i].in, n);
			cmfv_classify(copy, n, &ci);
			if (sound_check(copy, n, &ci, why, sizeof(why), &loaded))
				fail_msg("%s cut at %zu: %s", cases[i].name, n, why);
			free(copy);
		}
	}
}

/* hint_check over \p text split from memory and read 1, 3, 64 and 4093
 * bytes at a time, by the splitter's portable loop and its AVX2 one. */
static void hint_all(const char *name, const char *text, size_t len)
{
	static const size_t chunks[] = {0, 1, 3, 64, 4093};
	size_t k;
	char why[400];

	int avx2;

	for (avx2 = 0; avx2 <= 1; avx2++) {
		cmfv_stream_use_avx2(avx2);
		for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++)
			if (hint_check(text, len, chunks[k], why, sizeof(why)))
				fail_msg("%s (read %zu at a time, AVX2 %d): %s", name, chunks[k],
					 avx2, why);
	}
}

/* The splitter's hint (struct cmfv_doc's col0, odd_free) gives the same
 * answers: every case alone, followed by a long block scalar (so that the
 * splitter skips its lines 64 bytes at a time), and after one. */
static void test_hinted(void **state)
{
	static const char filler[] =
	    "  - \"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\"\n"
	    "  -   indented text that is long enough to fill a block of sixty-four bytes\n"
	    "\n"
	    "  - more\n";
	size_t i, r;
	char *buf = malloc(8192);

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *in = cases[i].in;

		hint_all(cases[i].name, in, strlen(in));
		for (r = 1; r <= 3; r++) {
			int n = snprintf(buf, 8192, "%s\nzz:\n%s%s%s%s", in, filler, filler,
					 r > 1 ? filler : "", r > 2 ? "x: 1\n" : "");

			hint_all(cases[i].name, buf, (size_t)n);
			n = snprintf(buf, 8192, "a:\n%s%s---\n%s", filler, filler, in);
			hint_all(cases[i].name, buf, (size_t)n);
		}
	}
	free(buf);
}

/* Odd line breaks (lone CR, NEL, LS, PS) and CRLF at every offset of the
 * blocks the splitter skips: the hint never hides one. */
static void test_hinted_breaks(void **state)
{
	static const char *const odd[] = {"\r",		  "\r\n",	  "\xC2\x85",
					  "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\x99",
					  "\xC2\xA0",	  "\r\r\n"};
	static const char head[] = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n"
				   "spec:\n  text: |\n";
	char *buf = malloc(4096);
	size_t o, at;

	(void)state;
	assert_non_null(buf);
	for (o = 0; o < sizeof(odd) / sizeof(odd[0]); o++)
		for (at = 0; at < 200; at++) {
			size_t n = strlen(head), k;

			memcpy(buf, head, n);
			for (k = 0; k < 300; k++)
				buf[n++] = k % 40 == 0 ? '\n' : k % 40 < 4 ? ' ' : 'x';
			memcpy(buf + strlen(head) + at, odd[o], strlen(odd[o]));
			n += (size_t)snprintf(buf + n, 64, "\nkind2: x\n---\nkind: ConfigMap\n");
			hint_all("odd break", buf, n);
			hint_all("odd break, cut", buf, strlen(head) + at + strlen(odd[o]));
		}
	free(buf);
}

/* More column-0 lines than the splitter keeps: the classifier reads on. */
static void test_hinted_many(void **state)
{
	size_t n = 0, k, cap = 2u << 20;
	char *buf = malloc(cap);

	(void)state;
	assert_non_null(buf);
	n += (size_t)snprintf(buf + n, cap - n, "apiVersion: v1\nkind: ConfigMap\n");
	for (k = 0; k < 70000; k++)
		n += (size_t)snprintf(buf + n, cap - n, "k%zu: v\n", k);
	n += (size_t)snprintf(buf + n, cap - n, "metadata:\n  name: x\nspec:\n  a: 1\n  b: 2\n");
	hint_all("many column-0 lines", buf, n);
	free(buf);
}

/* The fast path for `key: value` lines says closed only where the token
 * walk does: a table of near misses, and 300,000 lines drawn from the
 * bytes that matter (a fixed seed). */
static void test_simple_lines(void **state)
{
	static const char *const lines[] = {
	    "  name: web",
	    "  app.kubernetes.io/name: x-1",
	    "  a: b c",
	    "  a: b: c",
	    "  a: : x",
	    "  a: b:",
	    "  a: reg.io:5000/x",
	    "  a:b",
	    "  a:",
	    "  a:  ",
	    "  a: b #c",
	    "  a: \"b\"",
	    "  - a: b",
	    "  a: -b",
	    "  a: - b",
	    "  a: @b",
	    "  a: b\t",
	    "  a:\tb",
	    "  a: |",
	    "  a: >-",
	    "  _a: 1",
	    "  -a: 1",
	    "",
	    "     ",
	    "  a: b:\tc",
	    "  a: {b: c}",
	    "  ? a",
	    "  a: 'b'",
	    "  a: (b) =c+d@e-f/g",
	    "  a b: c",
	    "  a: b: : c",
	    "  a: b:: c",
	    "  a: b :c",
	};
	static const char alphabet[] = "ab0 _./=+()@-:#'\"[]{},&!*|>%`?\t\\";
	unsigned long x = 88172645463325252UL;
	size_t i, k;
	char line[24];

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *s = lines[i], *e = s + strlen(s);
		size_t parent, inc;

		if (cmfv_cls_simple_line(s, e) &&
		    cmfv_cls_line_walk(s, e, &parent, &inc) != LT_CLOSED)
			fail_msg("\"%s\": the fast path says closed, the walk does not", s);
	}
	for (i = 0; i < 300000; i++) {
		size_t n, parent, inc;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = 6 + (size_t)(x % 16);
		line[0] = ' ', line[1] = ' ';
		k = 2;
		if (i % 2) /* half of them a key first: the value's bytes matter */
			for (line[k++] = 'a', line[k++] = ':', line[k++] = ' '; k < 6; k++)
				line[k] = 'b';
		for (; k < n; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			line[k] = alphabet[x % (sizeof(alphabet) - 1)];
		}
		if (cmfv_cls_simple_line(line, line + n) &&
		    cmfv_cls_line_walk(line, line + n, &parent, &inc) != LT_CLOSED)
			fail_msg("\"%.*s\": the fast path says closed, the walk does not", (int)n,
				 line);
	}
}

/* The fast path's byte set, byte by byte against the list it stands for. */
static void test_simple_bytes(void **state)
{
	static const char ok[] = " _./=+()@-";
	int c;

	(void)state;
	for (c = 0; c < 256; c++) {
		char v[3] = {'b', (char)c, 0};
		char line[8] = "  a: ";
		int want = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || (c != 0 && strchr(ok, c) != NULL);

		memcpy(line + 5, v, 2);
		if (cmfv_cls_simple_line(line, line + 7) != want)
			fail_msg("byte 0x%02x: fast path %d, want %d", c, !want, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),	  cmocka_unit_test(test_borrowed),
	    cmocka_unit_test(test_prefixes),	  cmocka_unit_test(test_hinted),
	    cmocka_unit_test(test_hinted_breaks), cmocka_unit_test(test_hinted_many),
	    cmocka_unit_test(test_simple_lines),  cmocka_unit_test(test_simple_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
