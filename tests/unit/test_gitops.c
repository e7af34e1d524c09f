/* GitOps core: Argo CD's env substitution (Go's os.Expand), the JSON merge
 * patch of .argocd-source*.yaml, Flux's valuesFrom merge with the targetPath
 * sharing behaviour, flux-patch and its CMF034 check. The end-to-end
 * comparisons with real Helm are tests/gitops/. */
#include "helpers.h"

#include "cmfv/alloc.h"
#include "cmfv/gitops.h"
#include "cmfv/inject.h"
#include "cmfv/report.h"
#include "cmfv/yaml.h"

struct subst {
	const char *in, *want;
};

/* Go 1.22 os.Expand, with Argo CD's mapping: "$" -> "$", unknown -> "" */
static const struct subst substs[] = {
    {"${A}", "x"},
    {"$A", "x"},
    {"$$", "$"},
    {"$$A", "$A"},
    {"${}", ""},
    {"${A", "A"},
    {"a$", "a$"},
    {"$/x", "$/x"},
    {"$1", ""},
    {"${1}", ""},
    {"$A-b", "x-b"},
    {"${A}B", "xB"},
    {"$AB", ""},
    {"${ARGO_X}", "y"},
    {"", ""},
    {"no dollar", "no dollar"},
    {"$", "$"},
    {"${A}${A}", "xx"},
    {"$*", ""},
    {"${$}", "$"},
    {"a,${A},b", "a,x,b"},
};

static void test_envsubst(void **state)
{
	const char *names[] = {"A", "ARGO_X"}, *vals[] = {"x", "y"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(substs) / sizeof(substs[0]); i++) {
		char *got = cmfv_argocd_envsubst(substs[i].in, names, vals, 2);

		assert_non_null(got);
		if (strcmp(got, substs[i].want) != 0)
			fail_msg("envsubst(%s) = '%s', want '%s'", substs[i].in, got,
				 substs[i].want);
		cmfv_free(got);
	}
}

static struct cmfv_node *yaml(const char *text)
{
	struct cmfv_node *n = NULL;
	struct cmfv_diag d;

	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_yaml_load(text, strlen(text), "t.yaml", NULL, &n, &d), CMFV_OK);
	return n;
}

static void test_merge_patch(void **state)
{
	struct cmfv_node *t = yaml("{a: {b: 1, c: 2}, l: [1], s: x}");
	struct cmfv_node *p = yaml("{a: {b: null, d: 3}, l: [2], n: null, s: {m: 1}}");
	char *got;

	(void)state;
	assert_int_equal(cmfv_merge_patch(t, p), CMFV_OK);
	got = to_json(t);
	assert_string_equal(got, "{\"a\":{\"c\":2,\"d\":3},\"l\":[2],\"s\":{\"m\":1}}");
	free(got);
	cmfv_node_free(t);
	cmfv_node_free(p);
}

struct fcase {
	const char *name;
	const char *spec; /* the HelmRelease spec's valuesFrom and values */
	const char *objs; /* ConfigMaps */
	const char *want; /* the user values helm-controller hands to Helm */
};

#define HR                                                                                         \
	"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: r, "           \
	"namespace: ns}\nspec:\n  chart: {spec: {chart: ./c, sourceRef: {kind: GitRepository, "    \
	"name: g}}}\n"
#define CM(name, data)                                                                             \
	"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: " name "}\ndata: " data "\n"

static const struct fcase fcases[] = {
    {"inline last", "  valuesFrom: [{kind: ConfigMap, name: a}]\n  values: {k: inline}\n",
     CM("a", "{values.yaml: 'k: ref'}"), "{\"k\":\"inline\"}"},
    {"refs in order", "  valuesFrom: [{kind: ConfigMap, name: a}, {kind: ConfigMap, name: b}]\n",
     CM("a", "{values.yaml: 'k: a'}") CM("b", "{values.yaml: 'k: b'}"), "{\"k\":\"b\"}"},
    {"targetPath typed",
     "  valuesFrom: [{kind: ConfigMap, name: a, valuesKey: v, targetPath: x.y}]\n",
     CM("a", "{v: '10'}"), "{\"x\":{\"y\":10}}"},
    {"targetPath quoted",
     "  valuesFrom: [{kind: ConfigMap, name: a, valuesKey: v, targetPath: x}]\n",
     CM("a", "{v: '\"10\"'}"), "{\"x\":\"10\"}"},
    {"targetPath all quotes trimmed",
     "  valuesFrom: [{kind: ConfigMap, name: a, valuesKey: v, targetPath: x}]\n",
     CM("a", "{v: '\"''a''\"'}"), "{\"x\":\"a\"}"},
    {"targetPath literal",
     "  valuesFrom: [{kind: ConfigMap, name: a, valuesKey: v, targetPath: x, literal: true}]\n",
     CM("a", "{v: 'a,b=c'}"), "{\"x\":\"a,b=c\"}"},
    {"top-level: inline wins",
     "  valuesFrom: [{kind: ConfigMap, name: a, valuesKey: v, targetPath: k}]\n  values: {k: "
     "inline}\n",
     CM("a", "{v: tp}"), "{\"k\":\"inline\"}"},
    {"nested, only inline has the map: targetPath wins",
     "  valuesFrom: [{kind: ConfigMap, name: a, valuesKey: v, targetPath: m.k}]\n  values: {m: {k: "
     "inline}}\n",
     CM("a", "{v: tp}"), "{\"m\":{\"k\":\"tp\"}}"},
    {"nested, an earlier ref has the map: inline wins",
     "  valuesFrom: [{kind: ConfigMap, name: b}, {kind: ConfigMap, name: a, valuesKey: v, "
     "targetPath: m.k}]\n  values: {m: {k: inline}}\n",
     CM("a", "{v: tp}") CM("b", "{values.yaml: 'm: {z: 1}'}"),
     "{\"m\":{\"k\":\"inline\",\"z\":1}}"},
    {"second targetPath into a map no longer shared",
     "  valuesFrom: [{kind: ConfigMap, name: a, valuesKey: v, targetPath: m.b}, {kind: ConfigMap, "
     "name: a, valuesKey: v, targetPath: m.c}]\n  values: {m: {x: i, c: inline}}\n",
     CM("a", "{v: '1'}"), "{\"m\":{\"b\":1,\"c\":\"inline\",\"x\":\"i\"}}"},
    {"deeper shared map",
     "  valuesFrom: [{kind: ConfigMap, name: b}, {kind: ConfigMap, name: a, valuesKey: v, "
     "targetPath: m.q.k}]\n  values: {m: {q: {k: inline}}}\n",
     CM("a", "{v: tp}") CM("b", "{values.yaml: 'm: {z: 1}'}"),
     "{\"m\":{\"q\":{\"k\":\"tp\"},\"z\":1}}"},
    {"list in place",
     "  valuesFrom: [{kind: ConfigMap, name: a, valuesKey: v, targetPath: 'l[1]'}]\n  values: {l: "
     "[1, 2]}\n",
     CM("a", "{v: '9'}"), "{\"l\":[1,9]}"},
    {"list grown: inline wins",
     "  valuesFrom: [{kind: ConfigMap, name: a, valuesKey: v, targetPath: 'l[2]'}]\n  values: {l: "
     "[1, 2]}\n",
     CM("a", "{v: '9'}"), "{\"l\":[1,2]}"},
    {"optional missing key skipped",
     "  valuesFrom: [{kind: ConfigMap, name: a, valuesKey: nope, optional: true}]\n",
     CM("a", "{v: x}"), "{}"},
    {"optional missing object skipped",
     "  valuesFrom: [{kind: Secret, name: a, optional: true}]\n  values: {k: 1}\n",
     CM("a", "{values.yaml: 'k: 2'}"), "{\"k\":1}"},
};

static void test_flux_values(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
		struct cmfv_sources src = {0};
		const struct cmfv_source *hr, *objs;
		struct cmfv_flux_objects fo;
		struct cmfv_plan *plans = NULL;
		struct cmfv_diag d;
		size_t n = 0;
		char text[4096];
		char *got;

		snprintf(text, sizeof(text), HR "%s", fcases[i].spec);
		assert_int_equal(cmfv_sources_add(&src, "hr.yaml", text, strlen(text), 0, &hr),
				 CMFV_OK);
		assert_int_equal(cmfv_sources_add(&src, "objs.yaml", fcases[i].objs,
						  strlen(fcases[i].objs), 0, &objs),
				 CMFV_OK);
		fo.files = &objs;
		fo.nfiles = 1;
		cmfv_diag_clear(&d);
		if (cmfv_flux_plans(hr, "/repo", ".", &fo, 4, &src, &plans, &n, &d) != CMFV_OK)
			fail_msg("%s: %s", fcases[i].name, d.msg);
		assert_int_equal(n, 1);
		got = to_json(plans[0].user);
		if (strcmp(got, fcases[i].want) != 0)
			fail_msg("%s:\n got  %s\n want %s", fcases[i].name, got, fcases[i].want);
		assert_string_equal(plans[0].release, "r");
		assert_string_equal(plans[0].namespace, "ns");
		free(got);
		cmfv_plans_free(plans, n);
		cmfv_sources_free(&src);
	}
}

static void test_flux_errors(void **state)
{
	static const struct {
		const char *spec, *msg;
	} cases[] = {
	    {"  valuesFrom: [{kind: ConfigMap, name: nope}]\n", "'nope' not found"},
	    {"  valuesFrom: [{kind: ConfigMap, name: a, valuesKey: k}]\n", "has no key 'k'"},
	    {"  valuesFrom: [{kind: Pod, name: a}]\n", "unsupported kind"},
	    {"  valuesFrom: [{kind: ConfigMap, name: a, valuesKey: v, targetPath: 'x[a'}]\n",
	     "targetPath"},
	    {"  valuesFrom: [{kind: ConfigMap, name: a, valuesKey: v, targetPath: 7}]\n",
	     "must be a string"},
	    {"  values: [1]\n", "spec.values must be a map"},
	};
	const char *objs = CM("a", "{v: x}");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cmfv_sources src = {0};
		const struct cmfv_source *hr, *o;
		struct cmfv_flux_objects fo;
		struct cmfv_plan *plans = NULL;
		struct cmfv_diag d;
		size_t n = 0;
		char text[2048];

		snprintf(text, sizeof(text), HR "%s", cases[i].spec);
		assert_int_equal(cmfv_sources_add(&src, "hr.yaml", text, strlen(text), 0, &hr),
				 CMFV_OK);
		assert_int_equal(cmfv_sources_add(&src, "o.yaml", objs, strlen(objs), 0, &o),
				 CMFV_OK);
		fo.files = &o;
		fo.nfiles = 1;
		cmfv_diag_clear(&d);
		assert_int_equal(cmfv_flux_plans(hr, "/repo", ".", &fo, 4, &src, &plans, &n, &d),
				 CMFV_EINPUT);
		if (strstr(d.msg, cases[i].msg) == NULL)
			fail_msg("%s: message '%s' lacks '%s'", cases[i].spec, d.msg, cases[i].msg);
		if (d.line == 0)
			fail_msg("%s: no line in '%s' (%s)", cases[i].spec, d.msg, d.file);
		cmfv_sources_free(&src);
	}
}

/* What flux-patch prints is what the check accepts; a different mount is
 * CMF034. */
static void test_flux_patch_roundtrip(void **state)
{
	struct cmfv_inject_opts io = {0};
	struct cmfv_buf b = {0};
	struct cmfv_plan p;
	struct cmfv_report r = {0};
	struct cmfv_node *doc;

	(void)state;
	io.secret_name = "cmf-key";
	io.property = "encryption-key";
	assert_int_equal(cmfv_flux_patch(&io, &b), CMFV_OK);
	doc = yaml(b.ptr);
	memset(&p, 0, sizeof(p));
	p.app = "r";
	p.postrenderers = cmfv_map_get(doc, "postRenderers");
	assert_int_equal(cmfv_flux_check_postrender(&p, &io, &r), CMFV_OK);
	assert_int_equal(cmfv_report_count(&r, CMFV_SEV_ERROR), 0);
	io.mount_path = "/elsewhere";
	assert_int_equal(cmfv_flux_check_postrender(&p, &io, &r), CMFV_OK);
	assert_int_equal(cmfv_report_count(&r, CMFV_SEV_ERROR), 1);
	io.mount_path = NULL;
	io.property = "other";
	assert_int_equal(cmfv_flux_check_postrender(&p, &io, &r), CMFV_OK);
	assert_int_equal(cmfv_report_count(&r, CMFV_SEV_ERROR), 2);
	p.postrenderers = NULL;
	assert_int_equal(cmfv_flux_check_postrender(&p, &io, &r), CMFV_OK);
	assert_int_equal(cmfv_report_count(&r, CMFV_SEV_ERROR), 3);
	cmfv_report_free(&r);
	cmfv_node_free(doc);
	cmfv_buf_free(&b);
}

/* spec.postRenderers judged on the result (kpatch.c): each row a
 * postRenderers list (flow YAML) and the verdict. The mount patch M is
 * what flux-patch prints for cmf-key / encryption-key. */
#define M_SPEC                                                                                     \
	"spec: {template: {spec: {containers: [{name: cmf, volumeMounts: [{name: "                 \
	"cmf-encryption-key, mountPath: /opt/cmf/encryption, readOnly: true}]}], volumes: "        \
	"[{name: "                                                                                 \
	"cmf-encryption-key, secret: {secretName: cmf-key, items: [{key: encryption-key, path: "   \
	"encryption-key}], defaultMode: 256, optional: false}}]}}}"
#define M_PATCH "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n" M_SPEC "\n"
#define ITEM(t, p) "- kustomize:\n    patches:\n      - target: " t "\n        patch: |\n" p
#define IND(l) "          " l "\n"
#define MOUNT                                                                                      \
	IND("apiVersion: apps/v1") IND("kind: Deployment") IND("metadata: {name: x}") IND(M_SPEC)
#define SMP(body) IND("kind: Deployment") IND("metadata: {name: x}") IND(body)
#define KIND "{kind: Deployment}"

struct pr_case {
	const char *yaml;
	enum cmfv_pr_verdict want;
};

static const struct pr_case pr_cases[] = {
    {ITEM(KIND, MOUNT), CMFV_PR_MOUNTED},
    /* the name follows nameOverride: certain only with --deployment */
    {ITEM("{name: confluent-manager-for-apache-flink}", MOUNT), CMFV_PR_UNKNOWN},
    {ITEM("{labelSelector: \"app.kubernetes.io/name in (a, confluent-manager-for-apache-flink)\"}",
	  MOUNT),
     CMFV_PR_MOUNTED},
    {ITEM("{name: other}", MOUNT), CMFV_PR_UNKNOWN}, /* nameOverride: other */
    {ITEM("{kind: Service}", MOUNT), CMFV_PR_NOT_MOUNTED},
    {ITEM("{labelSelector: \"app.kubernetes.io/name!=confluent-manager-for-apache-flink\"}", MOUNT),
     CMFV_PR_NOT_MOUNTED},
    {ITEM("{labelSelector: team=x}", MOUNT), CMFV_PR_UNKNOWN},
    {ITEM("{namespace: flink}", MOUNT), CMFV_PR_UNKNOWN},
    /* a later patch removes or redirects it */
    {ITEM(KIND, MOUNT) ITEM(KIND, SMP("spec: {template: {spec: {volumes: [{name: "
				      "cmf-encryption-key, $patch: delete}]}}}")),
     CMFV_PR_NOT_MOUNTED},
    {ITEM(KIND, MOUNT) ITEM(KIND, SMP("spec: {template: {spec: {volumes: null}}}")),
     CMFV_PR_NOT_MOUNTED},
    {ITEM(KIND, MOUNT) ITEM(KIND, SMP("spec: {template: {spec: {volumes: [{name: "
				      "cmf-encryption-key, secret: {secretName: evil}}]}}}")),
     CMFV_PR_NOT_MOUNTED},
    {ITEM(KIND, MOUNT)
	 ITEM(KIND, SMP("spec: {template: {spec: {containers: [{name: cmf, "
			"volumeMounts: [{name: o, mountPath: /opt/cmf/encryption}]}]}}}")),
     CMFV_PR_NOT_MOUNTED},
    {ITEM(KIND, MOUNT) ITEM(KIND, SMP("spec: {template: {spec: {$patch: replace, containers: "
				      "[{name: cmf}]}}}")),
     CMFV_PR_NOT_MOUNTED},
    {ITEM(KIND, MOUNT) ITEM(KIND, SMP("spec: {template: {spec: {volumes: [{name: z}, {$patch: "
				      "replace}]}}}")),
     CMFV_PR_NOT_MOUNTED},
    {ITEM(KIND, MOUNT) ITEM(KIND, SMP("$patch: delete")), CMFV_PR_NOT_MOUNTED},
    {ITEM(KIND, MOUNT) ITEM(KIND, SMP("spec: {template: {spec: {$retainKeys: [containers]}}}")),
     CMFV_PR_UNKNOWN},
    {ITEM(KIND, MOUNT) ITEM(KIND, IND("- {op: remove, path: /spec/template/spec/volumes/0}")),
     CMFV_PR_UNKNOWN},
    {ITEM(KIND, MOUNT) ITEM(KIND, IND("- {op: replace, path: /spec/replicas, value: 2}")),
     CMFV_PR_MOUNTED},
    /* an unknown target only matters if its patch could break the mount */
    {ITEM(KIND, MOUNT) ITEM("{labelSelector: team=x}", SMP("spec: {replicas: 2}")),
     CMFV_PR_MOUNTED},
    {ITEM(KIND, MOUNT) ITEM("{labelSelector: team=x}", SMP("spec: {template: {spec: {volumes: "
							   "null}}}")),
     CMFV_PR_UNKNOWN},
    /* an earlier patch that ours does not undo */
    {ITEM(KIND, SMP("spec: {template: {spec: {volumes: [{name: cmf-encryption-key, configMap: "
		    "{name: c}}]}}}")) ITEM(KIND, MOUNT),
     CMFV_PR_NOT_MOUNTED},
    /* a relabel makes the later label target miss */
    {ITEM(KIND, IND("kind: Deployment") IND("metadata: {name: x, labels: "
					    "{app.kubernetes.io/name: other}}"))
	 ITEM("{labelSelector: app.kubernetes.io/name=confluent-manager-for-apache-flink}", MOUNT),
     CMFV_PR_NOT_MOUNTED},
    {"- kustomize:\n    patchesJson6902: []\n", CMFV_PR_UNKNOWN},
    {"- other: {}\n", CMFV_PR_UNKNOWN},
    /* a key twice in a patch: Kustomize refuses it */
    {ITEM(KIND, SMP("metadata: {labels: {app.kubernetes.io/name: other}}")) ITEM(KIND, MOUNT),
     CMFV_PR_UNKNOWN},
    /* a List patch: Kustomize applies each item, selected or not */
    {ITEM(KIND, MOUNT) ITEM("{kind: Nothing}", IND("kind: List") IND("items: []")),
     CMFV_PR_UNKNOWN},
    {ITEM(KIND, MOUNT) ITEM(KIND, IND("kind: FooList") IND("items: []")), CMFV_PR_UNKNOWN},
    /* targets: RE2 subset or MAYBE */
    {ITEM("{kind: \"Deploy.*\"}", MOUNT), CMFV_PR_MOUNTED},
    {ITEM("{kind: \"Deployment|StatefulSet\"}", MOUNT), CMFV_PR_MOUNTED},
    {ITEM("{kind: \"Deployments?\"}", MOUNT), CMFV_PR_MOUNTED},
    {ITEM("{kind: \"Stateful.*\"}", MOUNT), CMFV_PR_NOT_MOUNTED},
    {ITEM("{kind: \"Deploymen\"}", MOUNT), CMFV_PR_NOT_MOUNTED},
    {ITEM("{kind: \"Deploymentx+?\"}", MOUNT), CMFV_PR_UNKNOWN},
    {ITEM("{kind: \"Deploymen[[.t.]]\"}", MOUNT), CMFV_PR_UNKNOWN},
    {ITEM("{kind: \"Deploymen(t)\"}", MOUNT), CMFV_PR_UNKNOWN},
    /* shadowing mounts, after path.Clean */
    {ITEM(KIND, MOUNT)
	 ITEM(KIND, SMP("spec: {template: {spec: {containers: [{name: cmf, "
			"volumeMounts: [{name: s, mountPath: /opt/cmf//encryption}]}]}}}")),
     CMFV_PR_NOT_MOUNTED},
    {ITEM(KIND, MOUNT)
	 ITEM(KIND, SMP("spec: {template: {spec: {containers: [{name: cmf, "
			"volumeMounts: [{name: s, mountPath: /opt/cmf/./encryption/}]}]}}}")),
     CMFV_PR_NOT_MOUNTED},
    {ITEM(KIND, MOUNT) ITEM(KIND, SMP("spec: {template: {spec: {containers: [{name: cmf, "
				      "volumeMounts: [{name: s, mountPath: "
				      "/opt/cmf/encryption/encryption-key}]}]}}}")),
     CMFV_PR_NOT_MOUNTED},
    /* a mount above the key's directory: the deeper key mount goes over it */
    {ITEM(KIND, MOUNT) ITEM(KIND, SMP("spec: {template: {spec: {containers: [{name: cmf, "
				      "volumeMounts: [{name: s, mountPath: /opt/cmf}]}]}}}")),
     CMFV_PR_MOUNTED},
    {ITEM(KIND, MOUNT)
	 ITEM(KIND, SMP("spec: {template: {spec: {containers: [{name: cmf, "
			"volumeMounts: [{name: s, mountPath: /opt/cmf/encryptionx}]}]}}}")),
     CMFV_PR_MOUNTED},
    {"- kustomize:\n    images: [{name: a, newTag: b}]\n", CMFV_PR_NOT_MOUNTED},
};

static void test_flux_postrender_table(void **state)
{
	struct cmfv_inject_opts io = {0};
	size_t i;

	(void)state;
	io.secret_name = "cmf-key";
	io.property = "encryption-key";
	for (i = 0; i < sizeof(pr_cases) / sizeof(pr_cases[0]); i++) {
		struct cmfv_node *doc = yaml(pr_cases[i].yaml);
		enum cmfv_pr_verdict v = CMFV_PR_MOUNTED;
		struct cmfv_loc at;
		char why[600];

		assert_int_equal(cmfv_flux_postrender_eval(doc, &io, &v, &at, why, sizeof(why)),
				 CMFV_OK);
		if (v != pr_cases[i].want)
			fail_msg("case %zu: verdict %d, want %d (%s)\n%s", i, v, pr_cases[i].want,
				 why, pr_cases[i].yaml);
		assert_true(v == CMFV_PR_MOUNTED || why[0] != '\0');
		cmfv_node_free(doc);
	}
	/* with --deployment the name is certain, and no other name matches */
	io.deployment = "confluent-manager-for-apache-flink";
	for (i = 0; i < 2; i++) {
		struct cmfv_node *doc = yaml(i == 0 ? pr_cases[1].yaml : pr_cases[3].yaml);
		enum cmfv_pr_verdict v = CMFV_PR_UNKNOWN;
		struct cmfv_loc at;
		char why[600];

		assert_int_equal(cmfv_flux_postrender_eval(doc, &io, &v, &at, why, sizeof(why)),
				 CMFV_OK);
		assert_int_equal(v, i == 0 ? CMFV_PR_MOUNTED : CMFV_PR_NOT_MOUNTED);
		cmfv_node_free(doc);
	}
}

/* Out of memory at every allocation: CMFV_ENOMEM or the right verdict. */
static void test_flux_postrender_oom(void **state)
{
	struct cmfv_inject_opts io = {0};
	struct cmfv_node *doc = yaml(pr_cases[19].yaml);
	unsigned long n;

	(void)state;
	io.secret_name = "cmf-key";
	io.property = "encryption-key";
	for (n = 1; n < 5000; n++) {
		enum cmfv_pr_verdict v = CMFV_PR_MOUNTED;
		struct cmfv_loc at;
		char why[600];
		enum cmfv_err e;

		cmfv_alloc_fail_at(n, 0);
		e = cmfv_flux_postrender_eval(doc, &io, &v, &at, why, sizeof(why));
		cmfv_alloc_fail_at(0, 0);
		if (e == CMFV_OK) {
			assert_int_equal(v, pr_cases[19].want);
			break;
		}
		assert_int_equal(e, CMFV_ENOMEM);
	}
	assert_true(n < 5000);
	cmfv_node_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_envsubst),
	    cmocka_unit_test(test_merge_patch),
	    cmocka_unit_test(test_flux_values),
	    cmocka_unit_test(test_flux_errors),
	    cmocka_unit_test(test_flux_patch_roundtrip),
	    cmocka_unit_test(test_flux_postrender_table),
	    cmocka_unit_test(test_flux_postrender_oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
