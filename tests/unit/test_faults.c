/* Fault injection along the main paths: every allocation of a path fails
 * in turn (cmfv_alloc_fail_at), once alone and once with every later one
 * failing too. Each time the path must either fail cleanly (CMFV_ENOMEM,
 * the same code in the diagnostic, a message, out-params untouched) or, when
 * the failed allocation was one it can do without, succeed with exactly the
 * result it gives without faults: never a partial success. Leaks and bad
 * frees are the sanitizer's and valgrind's to find (tests/run-all.sh runs
 * this program under both). */
#include "helpers.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmfv/alloc.h"
#include "cmfv/check.h"
#include "cmfv/gitops.h"
#include "cmfv/report.h"
#include "cmfv/values.h"
#include "cmfv/yaml.h"

/* ------------------------------------------------------------ the driver */

/* A path runs an operation and, on success, describes its result in
 * \p text. It calls op_done() as soon as the operation under test is over,
 * so that describing it (which allocates too) is never faulted. */
typedef enum cmfv_err (*path_fn)(void *ctx, struct cmfv_buf *text, struct cmfv_diag *d);

static unsigned long op_allocs;

/* The fault plan, and the allocations made before the current stretch:
 * describing a document in the middle of a stream pauses the plan. */
static unsigned long plan_n, seg_base;
static int plan_sticky;

static void faults_start(unsigned long n, int sticky)
{
	plan_n = n;
	plan_sticky = sticky;
	seg_base = 0;
	cmfv_alloc_fail_at(n, sticky);
}

static unsigned long faults_pause(void)
{
	unsigned long made = cmfv_alloc_count();

	seg_base += made;
	cmfv_alloc_fail_at(0, 0);
	return made;
}

static void faults_resume(unsigned long made)
{
	if (plan_n == 0) {
		cmfv_alloc_fail_at(0, 0);
	} else if (made < plan_n) {
		plan_n -= made;
		cmfv_alloc_fail_at(plan_n, plan_sticky);
	} else if (plan_sticky) {
		plan_n = 1;
		cmfv_alloc_fail_at(1, 1);
	} else {
		plan_n = 0;
		cmfv_alloc_fail_at(0, 0);
	}
}

static void op_done(void)
{
	op_allocs = seg_base + cmfv_alloc_count();
	cmfv_alloc_fail_at(0, 0);
}

/* Run \p fn once without faults, then with allocation n failing for every
 * n the clean run made, alone and sticky. Returns the allocations counted. */
static unsigned long drive(const char *name, path_fn fn, void *ctx)
{
	struct cmfv_buf clean = {0};
	struct cmfv_diag d;
	unsigned long n, total, recovered = 0;
	int sticky;

	cmfv_diag_clear(&d);
	faults_start(0, 0);
	op_allocs = 0;
	if (fn(ctx, &clean, &d) != CMFV_OK)
		fail_msg("%s: fails without faults: %s:%u:%u: %s", name, d.file, d.line, d.col,
			 d.msg);
	total = op_allocs;
	assert_true(total > 0);
	assert_false(clean.failed);

	for (sticky = 0; sticky <= 1; sticky++) {
		for (n = 1; n <= total; n++) {
			struct cmfv_buf text = {0};
			enum cmfv_err e;

			cmfv_diag_clear(&d);
			op_allocs = 0;
			faults_start(n, sticky);
			e = fn(ctx, &text, &d);
			cmfv_alloc_fail_at(0, 0);
			if (e == CMFV_OK) {
				/* a failure it can do without: the whole result, or bust */
				if (text.len != clean.len ||
				    memcmp(text.ptr, clean.ptr, clean.len) != 0)
					fail_msg(
					    "%s: allocation %lu%s failed, success reported with a "
					    "different result:\n%s\nwant:\n%s",
					    name, n, sticky ? " (and later)" : "",
					    text.ptr ? text.ptr : "", clean.ptr);
				recovered++;
			} else {
				if (e != CMFV_ENOMEM || d.code != CMFV_ENOMEM || d.msg[0] == '\0')
					fail_msg("%s: allocation %lu%s failed: error %d, "
						 "diagnostic %d '%s', "
						 "want CMFV_ENOMEM with a message",
						 name, n, sticky ? " (and later)" : "", (int)e,
						 (int)d.code, d.msg);
				assert_int_equal(text.len, 0);
			}
			cmfv_buf_free(&text);
		}
	}
	print_message("%-28s %5lu allocations, %5lu faulted runs (%lu harmless)\n", name, total,
		      2 * total, recovered);
	cmfv_buf_free(&clean);
	return total;
}

/* Describe a tree as JSON (after op_done: never faulted). */
static void describe(struct cmfv_buf *text, const struct cmfv_node *n)
{
	assert_int_equal(cmfv_json_emit(text, n), CMFV_OK);
}

/* ------------------------------------------------------------ fixtures */

static char dir[] = "/tmp/cmfv-faults-XXXXXX";
static char chart[64], file_a[64], file_b[64], set_file[96];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static const char defaults_yaml[] =
    "# chart defaults\n"
    "cmf:\n  sql:\n    production: false\n  image: {repository: cmf, tag: \"1.0\"}\n"
    "encryption:\n  enabled: false\n  key:\n    kubernetesSecretName: \"\"\n"
    "    kubernetesSecretProperty: \"\"\n"
    "resources: &res\n  limits: {cpu: 2, memory: 1Gi}\n  requests: {cpu: 1}\n"
    "sidecar:\n  <<: *res\n  extra: [a, b, c]\n"
    "table: {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, k8: 8, k9: 9,\n"
    "        k10: 10, k11: 11, k12: 12, k13: 13, k14: 14, k15: 15, k16: 16, k17: 17}\n"
    "dropMe: 1\nnested: {keep: 1, dropMe: 2, nullDefault: null}\n";

static const char a_yaml[] = "cmf:\n  sql:\n    production: true\n"
			     "encryption:\n  key:\n    kubernetesSecretName: cmf-key\n"
			     "dropMe: null\nnested: {dropMe: null, fresh: null}\n"
			     "list: [1, 2.5, \"three\", yes, ~, {x: y}]\n";

static const char b_yaml[] =
    "---\n"
    "encryption:\n  key:\n    kubernetesSecretProperty: key\n"
    "table: {k3: three, k18: 18, k19: 19}\n"
    "anchors:\n  base: &b {a: 1, b: [1, 2]}\n  copy: *b\n  merged: {<<: *b, c: 3}\n";

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(chart, sizeof(chart), "%s/chart", dir);
	assert_int_equal(mkdir(chart, 0700), 0);
	{
		char p[128];

		snprintf(p, sizeof(p), "%s/values.yaml", chart);
		write_file(p, defaults_yaml);
		snprintf(p, sizeof(p), "%s/Chart.yaml", chart);
		write_file(p, "apiVersion: v2\nname: faults\nversion: 0.1.0\n");
	}
	snprintf(file_a, sizeof(file_a), "%s/a.yaml", dir);
	write_file(file_a, a_yaml);
	snprintf(file_b, sizeof(file_b), "%s/b.yaml", dir);
	write_file(file_b, b_yaml);
	snprintf(set_file, sizeof(set_file), "%s/set-file.txt", dir);
	write_file(set_file, "line one\nline two\n");
	return 0;
}

static int teardown(void **state)
{
	char p[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/values.yaml", chart);
	unlink(p);
	snprintf(p, sizeof(p), "%s/Chart.yaml", chart);
	unlink(p);
	rmdir(chart);
	unlink(file_a);
	unlink(file_b);
	unlink(set_file);
	rmdir(dir);
	return 0;
}

/* ------------------------------------------------------------ paths */

/* The whole values pipeline: chart defaults, two -f files, every --set
 * kind, coalescing as Helm 3 or 4 does. */
struct build_ctx {
	int helm_major;
	const struct cmfv_set_flag *sets;
	size_t nsets;
	int files; /* use the chart and the -f files */
};

static enum cmfv_err path_build(void *ctx, struct cmfv_buf *text, struct cmfv_diag *d)
{
	const struct build_ctx *c = ctx;
	const char *files[] = {file_a, file_b};
	struct cmfv_values_input in = {0};
	struct cmfv_sources src = {0};
	struct cmfv_node *sentinel = (struct cmfv_node *)(uintptr_t)1, *out = sentinel;
	enum cmfv_err e;

	if (c->files) {
		in.chart_dir = chart;
		in.files = files;
		in.nfiles = 2;
	}
	in.sets = c->sets;
	in.nsets = c->nsets;
	in.helm_major = c->helm_major;
	e = cmfv_values_build(&in, &src, &out, d);
	op_done();
	if (e == CMFV_OK) {
		assert_true(out != sentinel && out != NULL);
		describe(text, out);
		cmfv_node_free(out);
	} else {
		assert_ptr_equal(out, sentinel); /* untouched on failure */
	}
	cmfv_sources_free(&src);
	return e;
}

static void test_values_build(void **state)
{
	static char file_arg[160];
	struct cmfv_set_flag sets[] = {
	    {CMFV_SET, "cmf.sql.production=true,replicas=3,list[1]=x,n=null,t[0].a=b", 1},
	    {CMFV_SET_STRING, "encryption.enabled=true,num=007", 2},
	    {CMFV_SET_JSON, "extra={\"a\":[1,{\"b\":null}],\"c\":\"\\u00e9\"}", 3},
	    {CMFV_SET_FILE, file_arg, 4},
	    {CMFV_SET_LITERAL, "literal.key=a,b\\c={d}", 5},
	    {CMFV_SET, "escaped\\.dot=1,k={x,y,z}", 6},
	    /* last: Helm 3 has no --set-json '{...}' form */
	    {CMFV_SET_JSON, "{\"jsonObject\":{\"deep\":{\"x\":1}},\"table\":{\"k4\":null}}", 7},
	};
	struct build_ctx c = {4, sets, sizeof(sets) / sizeof(sets[0]), 1};

	(void)state;
	snprintf(file_arg, sizeof(file_arg), "fileValue=%s", set_file);
	drive("values build (Helm 4)", path_build, &c);
	c.helm_major = 3;
	c.nsets--;
	drive("values build (Helm 3)", path_build, &c);
}

/* Each --set kind alone, over no files. */
static void test_set_kinds(void **state)
{
	static char file_arg[160];
	static const char *names[] = {"--set", "--set-string", "--set-json", "--set-file",
				      "--set-literal"};
	struct cmfv_set_flag one[5] = {
	    {CMFV_SET, "a.b=1,c[2].d=true,e={x,y},f=null,g\\.h=i", 1},
	    {CMFV_SET_STRING, "a.b=1,c[0]=true,e={x,y}", 1},
	    {CMFV_SET_JSON, "a={\"b\":[1,2,{\"c\":\"d\"}],\"e\":null}", 1},
	    {CMFV_SET_FILE, file_arg, 1},
	    {CMFV_SET_LITERAL, "a.b=x,y={z}", 1},
	};
	size_t i;

	(void)state;
	snprintf(file_arg, sizeof(file_arg), "a.b=%s", set_file);
	for (i = 0; i < 5; i++) {
		struct build_ctx c = {4, &one[i], 1, 0};

		drive(names[i], path_build, &c);
	}
}

/* YAML loading: a two-document stream with anchors, aliases, merges, tags,
 * every scalar kind and a map big enough to be hashed. */
static const char stream_yaml[] =
    "%YAML 1.1\n---\n"
    "base: &base {a: 1, b: [x, y], c: {d: e}}\n"
    "copy: *base\n"
    "merged:\n  <<: [*base, {z: 26}]\n  a: 2\n"
    "scalars: [~, null, yes, No, on, 0x1F, 0o17, 1_000, 1e3, .5, -.inf2, '1', \"2\", !!str 3,\n"
    "          !!int \"4\", text, \"\\u00e9\\t\"]\n"
    "block: |\n  block\n  text\n"
    "? complex\n: key\n"
    "1: one\ntrue: yes\n1.5: x\n"
    "big: {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, k8: 8, k9: 9, k10: 10,\n"
    "      k11: 11, k12: 12, k13: 13, k14: 14, k15: 15, k16: 16, k17: 17, k18: 18, k19: 19}\n"
    "&key anchoredKey: v\n"
    "...\n---\n[1, 2, &s3 3, *s3]\n---\n";

static enum cmfv_err collect(void *ctx, struct cmfv_node *doc, struct cmfv_diag *d)
{
	struct cmfv_buf *b = ctx;
	/* describing is not under test: pause the faults, then resume them */
	unsigned long made = faults_pause();

	(void)d;
	if (doc)
		assert_int_equal(cmfv_json_emit(b, doc), CMFV_OK);
	assert_int_equal(cmfv_buf_add(b, "\n", 1), CMFV_OK);
	cmfv_node_free(doc);
	faults_resume(made);
	return CMFV_OK;
}

static enum cmfv_err path_yaml(void *ctx, struct cmfv_buf *text, struct cmfv_diag *d)
{
	struct cmfv_buf docs = {0};
	enum cmfv_err e;

	(void)ctx;
	/* documents are described as they come (the loader gives them away) */
	e = cmfv_yaml_load_all(stream_yaml, sizeof(stream_yaml) - 1, "faults.yaml", NULL, collect,
			       &docs, d);
	op_done();
	if (e == CMFV_OK)
		cmfv_buf_add(text, docs.ptr, docs.len);
	cmfv_buf_free(&docs);
	return e;
}

static void test_yaml(void **state)
{
	(void)state;
	drive("YAML stream", path_yaml, NULL);
}

/* One values document (ReadValues: the first document, a map). */
static enum cmfv_err path_values_parse(void *ctx, struct cmfv_buf *text, struct cmfv_diag *d)
{
	struct cmfv_source s = {"values.yaml", (char *)(uintptr_t)defaults_yaml,
				sizeof(defaults_yaml) - 1, 0, NULL};
	struct cmfv_node *sentinel = (struct cmfv_node *)(uintptr_t)1, *out = sentinel;
	enum cmfv_err e;

	(void)ctx;
	e = cmfv_values_parse(&s, 4, &out, d);
	op_done();
	if (e == CMFV_OK) {
		describe(text, out);
		cmfv_node_free(out);
	} else {
		assert_ptr_equal(out, sentinel);
	}
	return e;
}

static void test_values_parse(void **state)
{
	(void)state;
	drive("values file", path_values_parse, NULL);
}

/* JSON in, JSON out. */
static const char json_text[] =
    " {\"a\": [1, -0.5, 1e300, \"\\u00e9\\ud83d\\ude00<&>\", true, false, null],"
    " \"b\": {\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,"
    "\"k8\":8,\"k9\":9,\"k10\":10,\"k11\":11,\"k12\":12,\"k13\":13,\"k14\":14,\"k15\":15,"
    "\"k16\":16}, \"c\": {\"d\": {\"e\": [[], {}]}}, \"\": \"empty key\"} trailing";

static enum cmfv_err path_json(void *ctx, struct cmfv_buf *text, struct cmfv_diag *d)
{
	struct cmfv_loc loc = {"faults.json", 1, 1};
	struct cmfv_node *n = NULL;
	struct cmfv_buf out = {0};
	size_t used = 0;
	enum cmfv_err e;

	(void)ctx;
	e = cmfv_json_parse(json_text, sizeof(json_text) - 1, loc, 0, &n, &used, d);
	if (e == CMFV_OK) {
		/* the emitter is under test too */
		e = cmfv_json_emit(&out, n);
		if (e != CMFV_OK)
			e = cmfv_diag_fail(d, e, "out of memory");
		else
			assert_false(out.failed);
	}
	op_done();
	if (e == CMFV_OK) {
		cmfv_buf_printf(text, "%zu:", used);
		cmfv_buf_add(text, out.ptr, out.len);
	}
	cmfv_buf_free(&out);
	cmfv_node_free(n);
	return e;
}

static void test_json(void **state)
{
	(void)state;
	drive("JSON parse + emit", path_json, NULL);
}

/* Report building: the values rules over values that break several of
 * them, a key summary, sorting. */
static const char report_yaml[] = "cmf:\n  sql:\n    production: \"true\"\n"
				  "encryption:\n  enabled: true\n  key:\n"
				  "    kubernetesSecretName: Not_A_DNS_Name\n"
				  "    kubernetesSecretProperty: \"\"\n";

static enum cmfv_err path_report(void *ctx, struct cmfv_buf *text, struct cmfv_diag *d)
{
	struct cmfv_report r = {0};
	struct cmfv_node *values = ctx;
	struct cmfv_keyref ref;
	struct cmfv_key_summary k = {"--key-file cmf.key", NULL, NULL, 32, "a1b2c3", 1};
	struct cmfv_loc none = {NULL, 0, 0};
	enum cmfv_err e;
	size_t i;

	cmfv_keyref_from_values(values, NULL, NULL, &ref);
	e = cmfv_check_values(values, &ref, &r);
	if (e == CMFV_OK)
		e = cmfv_report_add_key(&r, &k);
	if (e == CMFV_OK)
		e = cmfv_report_add(&r, CMFV_CMF026, NULL, none, "key from %s is weak", "cmf.key");
	if (e == CMFV_OK)
		cmfv_report_sort(&r);
	op_done();
	if (e != CMFV_OK) {
		cmfv_diag_fail(d, e, "out of memory building the report");
	} else {
		for (i = 0; i < r.n; i++)
			cmfv_buf_printf(text, "%s %s %s %s:%u:%u\n", r.v[i].rule->id,
					cmfv_severity_name(r.v[i].severity), r.v[i].message,
					r.v[i].loc.file ? r.v[i].loc.file : "-", r.v[i].loc.line,
					r.v[i].loc.col);
		for (i = 0; i < r.nkeys; i++)
			cmfv_buf_printf(text, "key %s %zu %s\n", r.keys[i].source, r.keys[i].length,
					r.keys[i].kcv);
	}
	cmfv_report_free(&r);
	return e;
}

static void test_report(void **state)
{
	struct cmfv_node *values = NULL;
	struct cmfv_diag d;

	(void)state;
	cmfv_diag_clear(&d);
	assert_int_equal(
	    cmfv_yaml_load(report_yaml, sizeof(report_yaml) - 1, "values.yaml", NULL, &values, &d),
	    CMFV_OK);
	drive("report (values rules)", path_report, values);
	cmfv_node_free(values);
}

/* GitOps: a Flux HelmRelease with valuesFrom (values block, Secret,
 * targetPath into a map shared with the inline values, a list) and an Argo
 * CD Application over the fixture repository (value files, a glob, values,
 * parameters, a file parameter), each to its merged values. */
static const char flux_hr[] =
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
    "metadata: {name: cmf, namespace: flink}\n"
    "spec:\n  chart: {spec: {chart: ., sourceRef: {kind: GitRepository, name: g}}}\n"
    "  valuesFrom:\n    - {kind: ConfigMap, name: cm}\n    - {kind: Secret, name: s}\n"
    "    - {kind: ConfigMap, name: cm, valuesKey: tp, targetPath: m.k}\n"
    "    - {kind: ConfigMap, name: cm, valuesKey: q, targetPath: 'l[0]'}\n"
    "    - {kind: ConfigMap, name: cm, valuesKey: q, targetPath: lit, literal: true}\n"
    "  values:\n    m: {k: inline, j: 1}\n    l: [a, b]\n    cmf: {sql: {production: true}}\n";
static const char flux_objs[] =
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: flink}\n"
    "data:\n  values.yaml: |\n    a: 1\n    b: {c: [1, 2]}\n  tp: from-ref\n  q: '\"x y\"'\n"
    "---\napiVersion: v1\nkind: List\nitems:\n"
    "  - apiVersion: v1\n    kind: Secret\n    metadata: {name: s}\n"
    "    data: {values.yaml: ZW5jcnlwdGlvbjoge2tleToge2t1YmVybmV0ZXNTZWNyZXROYW1lOiBrfX0K}\n";

static enum cmfv_err path_flux(void *ctx, struct cmfv_buf *text, struct cmfv_diag *d)
{
	struct cmfv_sources src = {0};
	const struct cmfv_source *hr = NULL, *objs = NULL;
	struct cmfv_flux_objects fo = {&objs, 1};
	struct cmfv_plan *plans = NULL;
	size_t n = 0;
	enum cmfv_err e;

	(void)ctx;
	e = cmfv_sources_add(&src, "hr.yaml", flux_hr, sizeof(flux_hr) - 1, 0, &hr);
	if (e == CMFV_OK)
		e = cmfv_sources_add(&src, "objs.yaml", flux_objs, sizeof(flux_objs) - 1, 0, &objs);
	if (e != CMFV_OK)
		cmfv_diag_fail(d, e, "out of memory");
	else
		e = cmfv_flux_plans(hr, dir, chart, &fo, 4, &src, &plans, &n, d);
	op_done();
	if (e == CMFV_OK) {
		cmfv_buf_printf(text, "%s %s ", plans[0].release, plans[0].namespace);
		describe(text, plans[0].user);
	}
	cmfv_plans_free(plans, n);
	cmfv_sources_free(&src);
	return e;
}

static void test_flux(void **state)
{
	(void)state;
	drive("Flux HelmRelease values", path_flux, NULL);
}

static enum cmfv_err path_argocd(void *ctx, struct cmfv_buf *text, struct cmfv_diag *d)
{
	static char app[1024];
	struct cmfv_sources src = {0};
	const struct cmfv_source *s = NULL;
	struct cmfv_argocd_opts o = {0};
	struct cmfv_plan *plans = NULL;
	struct cmfv_node *values = NULL;
	size_t n = 0;
	enum cmfv_err e;

	(void)ctx;
	snprintf(app, sizeof(app),
		 "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: ns_cmf}\n"
		 "spec:\n  destination: {namespace: flink}\n  source:\n    path: chart\n    helm:\n"
		 "      valueFiles: [/a.yaml, '/?.yaml', ../b.yaml, '${ARGOCD_APP_NAME}.yaml']\n"
		 "      ignoreMissingValueFiles: true\n"
		 "      values: |\n        v: {w: 1}\n"
		 "      parameters:\n        - {name: p, value: 'a,b'}\n"
		 "        - {name: q, value: '007', forceString: true}\n"
		 "      fileParameters: [{name: f, path: /set-file.txt}]\n");
	o.repo_root = dir;
	e = cmfv_sources_add(&src, "app.yaml", app, strlen(app), 0, &s);
	if (e != CMFV_OK)
		cmfv_diag_fail(d, e, "out of memory");
	else
		e = cmfv_argocd_plans(s, &o, &src, &plans, &n, d);
	if (e == CMFV_OK)
		e = cmfv_plan_values(&plans[0], 4, &src, &values, d);
	op_done();
	if (e == CMFV_OK) {
		cmfv_buf_printf(text, "%s %s %zu ", plans[0].release, plans[0].namespace,
				plans[0].nfiles);
		describe(text, values);
	}
	cmfv_node_free(values);
	cmfv_plans_free(plans, n);
	cmfv_sources_free(&src);
	return e;
}

static void test_argocd(void **state)
{
	(void)state;
	drive("Argo CD Application values", path_argocd, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values_build), cmocka_unit_test(test_set_kinds),
	    cmocka_unit_test(test_yaml),	 cmocka_unit_test(test_values_parse),
	    cmocka_unit_test(test_json),	 cmocka_unit_test(test_report),
	    cmocka_unit_test(test_flux),	 cmocka_unit_test(test_argocd),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
