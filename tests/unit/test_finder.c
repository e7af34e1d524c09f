/* The finder: every CMF Deployment in a stream, each paired with the
 * configuration file its container names (ConfigMap, key, locations), and
 * the decision made from it (CMF001-CMF005, CMF031). */
#include "helpers.h"

#include <stdio.h>

#include "cmfv/finder.h"
#include "cmfv/report.h"
#include "cmfv/stream.h"
#include "cmfv/yaml.h"

#define CM(name, body)                                                                             \
	"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " name                           \
	"\ndata:\n  cmf-config.yaml: |\n" body
#define PROD                                                                                       \
	"    cmf:\n      sql:\n        production: true\n    encryption:\n      key:\n"            \
	"        kubernetesSecretName: k\n        kubernetesSecretProperty: p\n"
#define DEV "    cmf:\n      sql:\n        production: false\n"
#define DEP_AT(name, labels, cmname)                                                               \
	"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " name "\n" labels         \
	"spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n"                  \
	"          args: [\"/opt/config/cmf-config.yaml\"]\n"                                      \
	"          volumeMounts: [{name: c, mountPath: /opt/config}]\n"                            \
	"      volumes: [{name: c, configMap: {name: " cmname "}}]\n"
#define LABEL "  labels: {app.kubernetes.io/name: confluent-manager-for-apache-flink}\n"

struct mem {
	const char *text;
};

static enum cmfv_err fetch(void *ctx, const char *file, unsigned long long off, char *buf,
			   size_t len, struct cmfv_diag *d)
{
	const struct mem *m = ctx;

	(void)file;
	(void)d;
	assert_true(off + len <= strlen(m->text));
	memcpy(buf, m->text + off, len);
	return CMFV_OK;
}

/* Find and pair over \p text; returns the finder (caller frees). */
static struct cmfv_finder *run(const char *text, const struct cmfv_inject_opts *o,
			       enum cmfv_err want, struct cmfv_diag *d)
{
	struct cmfv_finder *f = NULL;
	struct cmfv_stream *s = NULL;
	struct mem m = {text};
	enum cmfv_err e;

	cmfv_diag_clear(d);
	assert_int_equal(cmfv_finder_new(o, &f), CMFV_OK);
	assert_int_equal(cmfv_stream_new_mem(text, strlen(text), "<stdin>", &s), CMFV_OK);
	e = cmfv_finder_add_stream(f, s, d);
	if (e == CMFV_OK)
		e = cmfv_finder_pair(f, fetch, &m, d);
	cmfv_stream_free(s);
	if (e != want)
		fail_msg("error %d (%s), want %d", e, d->msg, want);
	return f;
}

static void test_pairs_config(void **state)
{
	static const char text[] = CM("cmf-config", PROD) DEP_AT("cmf", LABEL, "cmf-config");
	struct cmfv_inject_opts o = {0};
	struct cmfv_diag d;
	struct cmfv_finder *f = run(text, &o, CMFV_OK, &d);
	struct cmfv_instance *in;
	struct cmfv_decision dec;
	struct cmfv_judge_input j = {0};
	struct cmfv_report r = {0};

	(void)state;
	assert_int_equal(cmfv_finder_count(f), 1);
	in = cmfv_finder_get(f, 0);
	assert_int_equal(in->cfg, CMFV_CFG_FOUND);
	assert_string_equal(in->cm_name, "cmf-config");
	assert_string_equal(in->cm_key, "cmf-config.yaml");
	assert_string_equal(in->cfg_file, "/opt/config/cmf-config.yaml");
	assert_int_equal(cmfv_instance_decide(in, &j, &dec, &r, NULL), CMFV_OK);
	assert_true(dec.ref.required);
	assert_string_equal(dec.ref.name, "k");
	assert_string_equal(dec.ref.property, "p");
	/* locations are stream lines: production is on line 10, column 21 */
	assert_int_equal(dec.ref.required_loc.line, 10);
	assert_int_equal(dec.ref.required_loc.col, 21);
	assert_int_equal(dec.ref.name_loc.line, 13);
	assert_int_equal(r.n, 0);
	/* the kept copy is the piece itself */
	assert_memory_equal(in->doc.ptr, text + in->doc.offset, in->doc.len);
	cmfv_report_free(&r);
	cmfv_finder_free(f);
}

static void test_missing_key_located(void **state)
{
	static const char text[] =
	    CM("cmf-config", "    cmf:\n      sql:\n        production: true\n")
		DEP_AT("confluent-manager-for-apache-flink", "", "cmf-config");
	struct cmfv_inject_opts o = {0};
	struct cmfv_diag d;
	struct cmfv_finder *f = run(text, &o, CMFV_OK, &d);
	struct cmfv_decision dec;
	struct cmfv_judge_input j = {0};
	struct cmfv_report r = {0};

	(void)state;
	assert_int_equal(cmfv_instance_decide(cmfv_finder_get(f, 0), &j, &dec, &r, NULL), CMFV_OK);
	assert_true(cmfv_report_has(&r, CMFV_CMF001));
	assert_true(cmfv_report_has(&r, CMFV_CMF002));
	assert_int_equal(r.v[0].loc.line, 10);
	cmfv_report_free(&r);
	cmfv_finder_free(f);
}

/* Values disagree: CMF005; values that agree, or do not say: nothing. */
static void test_values_disagree(void **state)
{
	static const char text[] = CM("cmf-config", DEV) DEP_AT("cmf", LABEL, "cmf-config");
	static const char *vals[] = {"cmf: {sql: {production: true}}",
				     "cmf: {sql: {production: false}}", "other: 1",
				     "encryption: {key: {kubernetesSecretName: x}}"};
	static const int want005[] = {1, 0, 0, 0};
	struct cmfv_inject_opts o = {0};
	struct cmfv_diag d;
	struct cmfv_finder *f = run(text, &o, CMFV_OK, &d);
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		struct cmfv_node *v = NULL;
		struct cmfv_decision dec;
		struct cmfv_judge_input j = {0};
		struct cmfv_report r = {0};

		assert_int_equal(cmfv_yaml_load(vals[i], strlen(vals[i]), "v.yaml", NULL, &v, &d),
				 CMFV_OK);
		j.values = v;
		assert_int_equal(cmfv_instance_decide(cmfv_finder_get(f, 0), &j, &dec, &r, NULL),
				 CMFV_OK);
		if (cmfv_report_has(&r, CMFV_CMF005) != want005[i])
			fail_msg("values '%s': CMF005 %d", vals[i], !want005[i]);
		assert_false(dec.ref.required);
		assert_true(cmfv_report_has(&r, CMFV_CMF010));
		cmfv_report_free(&r);
		cmfv_node_free(v);
	}
	cmfv_finder_free(f);
}

/* A subchart's values are read at its key, from Helm 3's Source line and
 * from Helm 4's annotation. */
static void test_subchart_view(void **state)
{
	static const char *texts[] = {
	    CM("cmf-config", PROD) "---\n# Source: top/charts/sub/charts/cmf/templates/d.yaml\n"
				   "kind: Deployment\nmetadata:\n  name: cmf\n" LABEL
				   "spec: {template: {spec: {containers: [{name: cmf, args: "
				   "[/opt/config/cmf-config.yaml], volumeMounts: [{name: c, "
				   "mountPath: /opt/config}]}], volumes: [{name: c, configMap: "
				   "{name: cmf-config}}]}}}\n",
	    CM("cmf-config", PROD) "---\nkind: Deployment\nmetadata:\n  name: cmf\n" LABEL
				   "  annotations: {postrenderer.helm.sh/postrender-filename: "
				   "'top/charts/sub/charts/cmf/templates/d.yaml'}\n"
				   "spec: {template: {spec: {containers: [{name: cmf, args: "
				   "[/opt/config/cmf-config.yaml], volumeMounts: [{name: c, "
				   "mountPath: /opt/config}]}], volumes: [{name: c, configMap: "
				   "{name: cmf-config}}]}}}\n",
	};
	static const char vals[] = "cmf: {sql: {production: false}}\nsub: {cmf: {cmf: {sql: "
				   "{production: true}}}}\n";
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct cmfv_inject_opts o = {0};
		struct cmfv_diag d;
		struct cmfv_finder *f = run(texts[i], &o, CMFV_OK, &d);
		struct cmfv_instance *in = cmfv_finder_get(f, 0);
		struct cmfv_node *v = NULL;
		struct cmfv_decision dec;
		struct cmfv_judge_input j = {0};
		struct cmfv_report r = {0};

		assert_true(in->chart_known);
		assert_string_equal(in->chart, "sub.cmf");
		assert_int_equal(cmfv_yaml_load(vals, strlen(vals), "v.yaml", NULL, &v, &d),
				 CMFV_OK);
		j.values = v;
		assert_int_equal(cmfv_instance_decide(in, &j, &dec, &r, NULL), CMFV_OK);
		assert_false(cmfv_report_has(&r, CMFV_CMF005));
		cmfv_report_free(&r);
		cmfv_node_free(v);
		cmfv_finder_free(f);
	}
}

/* What Kubernetes creates is what counts: Lists, items, tagged kinds,
 * renamed Deployments running the CMF image; hooks and StatefulSets not. */
static void test_what_counts(void **state)
{
	static const struct {
		const char *name, *text;
		size_t count;
		int in_list;
	} cases[] = {
	    {"List",
	     "kind: List\nitems:\n- kind: Deployment\n  metadata: {name: "
	     "confluent-manager-for-apache-flink}\n",
	     1, 1},
	    {"any kind with items",
	     "kind: Whatever\nitems: [{kind: Deployment, metadata: {name: x, labels: "
	     "{app.kubernetes.io/name: confluent-manager-for-apache-flink}}}]\n",
	     1, 1},
	    {"nested List",
	     "kind: List\nitems:\n- kind: List\n  items:\n  - {kind: Deployment, metadata: {name: "
	     "confluent-manager-for-apache-flink}}\n",
	     1, 1},
	    {"!!binary kind",
	     "kind: !!binary RGVwbG95bWVudA==\nmetadata: {name: "
	     "confluent-manager-for-apache-flink}\n",
	     1, 0},
	    {"escaped JSON",
	     "{\"kind\": \"Deplo\\u0079ment\", \"metadata\": {\"name\": "
	     "\"confluent-manager-for-apache-fl\\u0069nk\"}}\n",
	     1, 0},
	    {"alias",
	     "x: &k Deployment\nkind: *k\nmetadata: {name: confluent-manager-for-apache-flink}\n",
	     1, 0},
	    {"image",
	     "kind: Deployment\nmetadata: {name: renamed}\nspec: {template: {spec: {containers: "
	     "[{name: x, image: 'reg.io:5000/org/cp-cmf:2.0.3@sha256:ab'}]}}}\n",
	     1, 0},
	    {"other image",
	     "kind: Deployment\nmetadata: {name: renamed}\nspec: {template: {spec: {containers: "
	     "[{name: x, image: org/cp-cmf-not:1}]}}}\n",
	     0, 0},
	    {"hook",
	     "kind: Deployment\nmetadata: {name: confluent-manager-for-apache-flink, annotations: "
	     "{helm.sh/hook: test}}\n",
	     0, 0},
	    {"StatefulSet",
	     "kind: StatefulSet\nmetadata: {name: confluent-manager-for-apache-flink}\n", 0, 0},
	    {"two",
	     "---\nkind: Deployment\nmetadata: {name: a, labels: {app.kubernetes.io/name: "
	     "confluent-manager-for-apache-flink}}\n---\nkind: Deployment\nmetadata: {name: "
	     "confluent-manager-for-apache-flink}\n",
	     2, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cmfv_inject_opts o = {0};
		struct cmfv_diag d;
		struct cmfv_finder *f = run(cases[i].text, &o, CMFV_OK, &d);

		if (cmfv_finder_count(f) != cases[i].count)
			fail_msg("%s: %zu instances, want %zu", cases[i].name, cmfv_finder_count(f),
				 cases[i].count);
		if (cases[i].count)
			assert_int_equal(cmfv_finder_get(f, 0)->in_list, cases[i].in_list);
		cmfv_finder_free(f);
	}
}

/* Pairing: items, subPath and projected volumes; ambiguous and missing
 * ConfigMaps; namespaces; ConfigMaps inside Lists; non-literal scalars. */
static void test_pairing(void **state)
{
	static const struct {
		const char *name, *text;
		enum cmfv_cfg_state want;
	} cases[] = {
	    {"items",
	     "---\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {conf: 'cmf: {sql: {production: "
	     "true}}'}\n"
	     "---\nkind: Deployment\nmetadata: {name: confluent-manager-for-apache-flink}\n"
	     "spec: {template: {spec: {containers: [{name: cmf, args: [/etc/c/app.yaml], "
	     "volumeMounts: [{name: v, mountPath: /etc/c/}]}],"
	     " volumes: [{name: v, configMap: {name: cm, items: [{key: conf, path: "
	     "app.yaml}]}}]}}}\n",
	     CMFV_CFG_FOUND},
	    {"subPath",
	     "---\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {conf: 'cmf: {}'}\n"
	     "---\nkind: Deployment\nmetadata: {name: confluent-manager-for-apache-flink}\n"
	     "spec: {template: {spec: {containers: [{name: cmf, args: [/etc/app.yaml], "
	     "volumeMounts: [{name: v, mountPath: /etc/app.yaml, subPath: conf}]}],"
	     " volumes: [{name: v, configMap: {name: cm}}]}}}\n",
	     CMFV_CFG_FOUND},
	    {"projected",
	     "---\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {c.yaml: 'cmf: {}'}\n"
	     "---\nkind: Deployment\nmetadata: {name: confluent-manager-for-apache-flink}\n"
	     "spec: {template: {spec: {containers: [{name: cmf, command: [run, /p/c.yaml], "
	     "volumeMounts: [{name: v, mountPath: /p}]}],"
	     " volumes: [{name: v, projected: {sources: [{secret: {name: s}}, {configMap: {name: "
	     "cm}}]}}]}}}\n",
	     CMFV_CFG_FOUND},
	    {"in a List",
	     "---\nkind: List\nitems:\n- {kind: Service}\n- {kind: ConfigMap, metadata: {name: "
	     "other}, data: {c.yaml: x}}\n- {kind: ConfigMap, metadata: {name: cm}, data: {c.yaml: "
	     "'cmf: {}'}}\n"
	     "---\nkind: Deployment\nmetadata: {name: confluent-manager-for-apache-flink}\n"
	     "spec: {template: {spec: {containers: [{name: cmf, args: [/p/c.yaml], volumeMounts: "
	     "[{name: v, mountPath: /p}]}],"
	     " volumes: [{name: v, configMap: {name: cm}}]}}}\n",
	     CMFV_CFG_FOUND},
	    {"missing", DEP_AT("cmf", LABEL, "nowhere"), CMFV_CFG_MISSING},
	    {"key missing",
	     CM("cm", PROD) "---\nkind: Deployment\nmetadata: {name: "
			    "confluent-manager-for-apache-flink}\n"
			    "spec: {template: {spec: {containers: [{name: cmf, args: "
			    "[/p/other.yaml], volumeMounts: [{name: v, mountPath: /p}]}],"
			    " volumes: [{name: v, configMap: {name: cm}}]}}}\n",
	     CMFV_CFG_MISSING},
	    {"no file in args",
	     "---\nkind: Deployment\nmetadata: {name: confluent-manager-for-apache-flink}\n"
	     "spec: {template: {spec: {containers: [{name: cmf, args: [-Xmx1g]}]}}}\n",
	     CMFV_CFG_NO_REF},
	    {"ambiguous", CM("cm", PROD) CM("cm", DEV) DEP_AT("cmf", LABEL, "cm"),
	     CMFV_CFG_AMBIGUOUS},
	    {"namespaces: explicit b against the release's, unknown: refused",
	     "---\nkind: ConfigMap\nmetadata: {name: cm, namespace: a}\ndata: {cmf-config.yaml: "
	     "x}\n" CM("cm",
		       PROD) "---\nkind: Deployment\nmetadata: {name: cmf, namespace: b, labels: "
			     "{app.kubernetes.io/name: confluent-manager-for-apache-flink}}\n"
			     "spec: {template: {spec: {containers: [{name: cmf, args: "
			     "[/opt/config/cmf-config.yaml], volumeMounts: [{name: c, mountPath: "
			     "/opt/config}]}],"
			     " volumes: [{name: c, configMap: {name: cm}}]}}}\n",
	     CMFV_CFG_AMBIGUOUS},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cmfv_inject_opts o = {0};
		struct cmfv_diag d;
		struct cmfv_finder *f = run(cases[i].text, &o, CMFV_OK, &d);

		if (cmfv_finder_count(f) != 1 || cmfv_finder_get(f, 0)->cfg != cases[i].want)
			fail_msg("%s: %zu instances, state %d, want %d", cases[i].name,
				 cmfv_finder_count(f),
				 cmfv_finder_count(f) ? (int)cmfv_finder_get(f, 0)->cfg : -1,
				 cases[i].want);
		cmfv_finder_free(f);
	}
	/* with -n b the release namespace is known: the ConfigMap without one is b's */
	{
		struct cmfv_inject_opts o = {0};
		struct cmfv_diag d;
		struct cmfv_finder *f;

		o.namespace = "b";
		f = run(cases[sizeof(cases) / sizeof(cases[0]) - 1].text, &o, CMFV_OK, &d);
		assert_int_equal(cmfv_finder_get(f, 0)->cfg, CMFV_CFG_FOUND);
		cmfv_finder_free(f);
		o.namespace = "a";
		f = run(cases[sizeof(cases) / sizeof(cases[0]) - 1].text, &o, CMFV_OK, &d);
		assert_int_equal(cmfv_finder_get(f, 0)->cfg, CMFV_CFG_MISSING);
		cmfv_finder_free(f);
	}
}

/* Without a configuration: values, else the Secret flags, else CMF031. */
static void test_fallbacks(void **state)
{
	static const char text[] = DEP_AT("cmf", LABEL, "nowhere");
	struct cmfv_inject_opts o = {0};
	struct cmfv_diag d;
	struct cmfv_finder *f = run(text, &o, CMFV_OK, &d);
	struct cmfv_instance *in = cmfv_finder_get(f, 0);
	struct cmfv_judge_input j = {0};
	struct cmfv_decision dec;
	struct cmfv_report r = {0};
	struct cmfv_buf note = {0};
	struct cmfv_node *v = NULL;
	static const char vals[] = "cmf: {sql: {production: true}}\n";

	(void)state;
	assert_int_equal(cmfv_instance_decide(in, &j, &dec, &r, &note), CMFV_OK);
	assert_null(dec.basis);
	assert_true(cmfv_report_has(&r, CMFV_CMF031));
	assert_non_null(strstr(r.v[0].message, "ConfigMap nowhere"));
	cmfv_report_free(&r);
	memset(&r, 0, sizeof(r));
	j.secret_name = "s";
	j.secret_property = "p";
	assert_int_equal(cmfv_instance_decide(in, &j, &dec, &r, &note), CMFV_OK);
	assert_true(dec.ref.required);
	assert_string_equal(dec.ref.name, "s");
	assert_int_equal(r.n, 0);
	assert_int_equal(cmfv_yaml_load(vals, strlen(vals), "v.yaml", NULL, &v, &d), CMFV_OK);
	j.values = v;
	j.check_fallback = 1;
	cmfv_buf_reset(&note);
	assert_int_equal(cmfv_instance_decide(in, &j, &dec, &r, &note), CMFV_OK);
	assert_string_equal(dec.basis, "the values");
	assert_true(dec.ref.required);
	assert_non_null(strstr(note.ptr, "decided from the values"));
	cmfv_buf_free(&note);
	cmfv_report_free(&r);
	cmfv_node_free(v);
	cmfv_finder_free(f);
}

/* A configuration that sets a setting twice, differently, is refused; the
 * same value twice is fine. */
static void test_config_documents(void **state)
{
	static const char conflict[] =
	    CM("cmf-config", PROD "    ---\n" DEV) DEP_AT("cmf", LABEL, "cmf-config");
	static const char same[] =
	    CM("cmf-config",
	       PROD "    ---\n    cmf: {sql: {production: true}}\n    server: {port: 1}\n")
		DEP_AT("cmf", LABEL, "cmf-config");
	static const char nulled[] =
	    CM("cmf-config", PROD "    ---\n    cmf: ~\n") DEP_AT("cmf", LABEL, "cmf-config");
	struct cmfv_inject_opts o = {0};
	struct cmfv_diag d;
	struct cmfv_finder *f = run(conflict, &o, CMFV_EINPUT, &d);

	(void)state;
	assert_non_null(strstr(d.msg, "sets cmf.sql.production again, differently"));
	assert_int_equal(d.line, 18);
	cmfv_finder_free(f);
	f = run(same, &o, CMFV_OK, &d);
	assert_int_equal(cmfv_finder_get(f, 0)->cfg, CMFV_CFG_FOUND);
	cmfv_finder_free(f);
	f = run(nulled, &o, CMFV_EINPUT, &d);
	assert_non_null(strstr(d.msg, "sets cmf again"));
	cmfv_finder_free(f);
}

/* Relaxed spellings and the container's environment decide too; what
 * cannot be read here is a problem (CMF031), never a guess. */
static void test_relaxed(void **state)
{
#define DEP_ENV(env)                                                                               \
	"---\nkind: Deployment\nmetadata: {name: confluent-manager-for-apache-flink}\n"            \
	"spec: {template: {spec: {containers: [{name: app, image: 'confluentinc/cp-cmf:2', "       \
	"args: [/c/cmf.yaml], " env " volumeMounts: [{name: v, mountPath: /c}]}], volumes: "       \
	"[{name: v, configMap: {name: cm}}]}}}\n"
#define CFG(body) "---\nkind: ConfigMap\nmetadata: {name: cm}\ndata:\n  cmf.yaml: |\n" body
	static const struct {
		const char *name, *text;
		int required, problem;
		const char *secret;
	} cases[] = {
	    {"dotted top-level key",
	     CFG("    cmf.sql.production: true\n    encryption.key.kubernetes-secret-name: s\n    "
		 "encryption:\n      key: {kubernetesSecretProperty: p}\n") DEP_ENV(""),
	     1, 0, "s"},
	    {"bracket and snake", CFG("    \"[cmf.sql.production]\": true\n") DEP_ENV(""), 1, 0,
	     NULL},
	    {"env wins over the file",
	     CFG("    cmf: {sql: {production: false}}\n")
		 DEP_ENV("env: [{name: CMF_SQL_PRODUCTION, value: 'true'}],"),
	     1, 0, NULL},
	    {"env from a reference",
	     CFG("    cmf: {sql: {production: false}}\n")
		 DEP_ENV("env: [{name: CMF_SQL_PRODUCTION, valueFrom: {configMapKeyRef: {name: x, "
			 "key: y}}}],"),
	     0, 1, NULL},
	    {"envFrom",
	     CFG("    cmf: {sql: {production: false}}\n")
		 DEP_ENV("envFrom: [{configMapRef: {name: x}}],"),
	     0, 1, NULL},
	    {"import", CFG("    spring: {config: {import: 'file:/x.yaml'}}\n") DEP_ENV(""), 0, 1,
	     NULL},
	    {"unrelated env",
	     CFG("    cmf: {sql: {production: false}}\n")
		 DEP_ENV("env: [{name: JAVA_OPTS, value: x}],"),
	     0, 0, NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cmfv_inject_opts o = {0};
		struct cmfv_diag d;
		struct cmfv_finder *f = run(cases[i].text, &o, CMFV_OK, &d);
		struct cmfv_judge_input j = {0};
		struct cmfv_decision dec;
		struct cmfv_report r = {0};

		assert_int_equal(cmfv_finder_count(f), 1);
		assert_int_equal(cmfv_instance_decide(cmfv_finder_get(f, 0), &j, &dec, &r, NULL),
				 CMFV_OK);
		if (cases[i].problem != cmfv_report_has(&r, CMFV_CMF031) ||
		    (!cases[i].problem && dec.ref.required != cases[i].required))
			fail_msg("%s: required %d, CMF031 %d", cases[i].name, dec.ref.required,
				 cmfv_report_has(&r, CMFV_CMF031));
		if (cases[i].secret)
			assert_string_equal(dec.ref.name, cases[i].secret);
		cmfv_report_free(&r);
		cmfv_finder_free(f);
	}
	/* two spellings, two values: refused */
	{
		struct cmfv_inject_opts o = {0};
		struct cmfv_diag d;
		struct cmfv_finder *f =
		    run(CFG("    cmf: {sql: {production: true}}\n    cmf.sql.production: false\n")
			    DEP_ENV(""),
			&o, CMFV_EINPUT, &d);

		assert_non_null(
		    strstr(d.msg, "sets cmf.sql.production again as cmf.sql.production"));
		cmfv_finder_free(f);
	}
}

/* The CMF container: decoys, sidecars and --container. */
static void test_containers(void **state)
{
	static const struct {
		const char *name, *containers, *flag;
		int problem;
		const char *chosen;
	} cases[] = {
	    {"named cmf", "containers: [{name: cmf}, {name: proxy}]", NULL, 0, "cmf"},
	    {"the only one", "containers: [{name: app}]", NULL, 0, "app"},
	    {"by image", "containers: [{name: proxy}, {name: srv, image: cp-cmf}]", NULL, 0, "srv"},
	    {"decoy named cmf",
	     "containers: [{name: cmf, image: busybox}, {name: srv, image: 'x/cp-cmf:1'}]", NULL, 1,
	     ""},
	    {"init sidecar",
	     "initContainers: [{name: s, image: cp-cmf, restartPolicy: Always}], containers: "
	     "[{name: cmf}]",
	     NULL, 1, ""},
	    {"--container and another CMF", "containers: [{name: a}, {name: b, image: cp-cmf}]",
	     "a", 1, ""},
	    {"--container", "containers: [{name: a, image: cp-cmf}, {name: b}]", "a", 0, "a"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[600];
		struct cmfv_inject_opts o = {0};
		struct cmfv_diag d;
		struct cmfv_finder *f;
		struct cmfv_instance *in;

		snprintf(text, sizeof(text),
			 "kind: Deployment\nmetadata: {name: confluent-manager-for-apache-flink}\n"
			 "spec: {template: {spec: {%s}}}\n",
			 cases[i].containers);
		o.container = cases[i].flag;
		f = run(text, &o, CMFV_OK, &d);
		assert_int_equal(cmfv_finder_count(f), 1);
		in = cmfv_finder_get(f, 0);
		if ((in->problem[0] != 0) != cases[i].problem ||
		    strcmp(in->container, cases[i].chosen))
			fail_msg("%s: container '%s', problem '%s'", cases[i].name, in->container,
				 in->problem);
		cmfv_finder_free(f);
	}
}

/* A document that must be read and is not YAML is an input error, located. */
/* A Deployment or other workload whose text holds no CMF name, no
 * --deployment name, no backslash and no tag is not parsed (it cannot be
 * CMF's); anything that could spell one another way is. */
static void test_not_parsed(void **state)
{
	static const char dep[] =
	    "apiVersion: apps/v1\nkind: %s\nmetadata:\n  name: %s\nspec:\n  "
	    "template:\n    spec:\n      containers:\n      - name: c\n        "
	    "image: %s\n";
	static const struct {
		const char *name, *kind, *mname, *image, *deployment;
		size_t count;
		unsigned long parsed;
	} cases[] = {
	    {"another chart's", "Deployment", "web", "nginx:1", NULL, 0, 0},
	    {"another workload", "StatefulSet", "db", "postgres:16", NULL, 0, 0},
	    {"CMF's image", "Deployment", "renamed", "reg.io/org/cp-cmf:2", NULL, 1, 1},
	    {"CMF's image, StatefulSet", "StatefulSet", "renamed", "org/cp-cmf:2", NULL, 1, 1},
	    {"escaped image", "Deployment", "renamed", "\"org/cp-\\x63mf:1\"", NULL, 1, 1},
	    {"escaped line break", "Deployment", "renamed", "\"org/cp-\\\n          cmf:1\"", NULL,
	     1, 1},
	    {"binary image", "Deployment", "renamed", "!!binary b3JnL2NwLWNtZjox", NULL, 1, 1},
	    {"escaped name", "Deployment", "\"confluent-manager-for-apache-fl\\u0069nk\"", "nginx",
	     NULL, 1, 1},
	    {"folded image", "Deployment", "renamed", "org/cp-\n          cmf:1", NULL, 0, 0},
	    {"a '!' in a comment", "Deployment", "web # hi!", "nginx", NULL, 0, 1},
	    {"--deployment names it", "Deployment", "my-app", "nginx", "my-app", 1, 1},
	    {"--deployment names another", "Deployment", "web", "nginx", "my-app", 0, 0},
	    {"--deployment YAML may quote", "Deployment", "web", "nginx", "My App", 0, 1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cmfv_inject_opts o = {0};
		struct cmfv_diag d;
		struct cmfv_finder *f;
		char text[600];

		snprintf(text, sizeof(text), dep, cases[i].kind, cases[i].mname, cases[i].image);
		o.deployment = cases[i].deployment;
		f = run(text, &o, CMFV_OK, &d);
		if (cmfv_finder_count(f) != cases[i].count ||
		    cmfv_finder_parsed(f) != cases[i].parsed)
			fail_msg("%s: %zu instances, %lu parsed; want %zu, %lu", cases[i].name,
				 cmfv_finder_count(f), cmfv_finder_parsed(f), cases[i].count,
				 cases[i].parsed);
		cmfv_finder_free(f);
	}
}

static void test_not_yaml(void **state)
{
	static const char text[] =
	    "a: 1\n---\nkind: Deployment\nmetadata: {name: confluent-manager-for-apache-flink\n";
	struct cmfv_inject_opts o = {0};
	struct cmfv_diag d;
	struct cmfv_finder *f = run(text, &o, CMFV_EINPUT, &d);

	(void)state;
	assert_string_equal(d.file, "<stdin>");
	assert_int_equal(d.line, 5);
	assert_int_equal(cmfv_finder_documents(f), 2);
	cmfv_finder_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pairs_config),    cmocka_unit_test(test_missing_key_located),
	    cmocka_unit_test(test_values_disagree), cmocka_unit_test(test_subchart_view),
	    cmocka_unit_test(test_what_counts),	    cmocka_unit_test(test_pairing),
	    cmocka_unit_test(test_fallbacks),	    cmocka_unit_test(test_config_documents),
	    cmocka_unit_test(test_not_yaml),	    cmocka_unit_test(test_relaxed),
	    cmocka_unit_test(test_containers),	    cmocka_unit_test(test_not_parsed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
