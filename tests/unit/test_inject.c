/* The key mount: text edits in the document's own style, idempotence,
 * conflicts (CMF032), container choice, the KCV annotation, finding the
 * Deployment (CMF030, CMF031). */
#include "helpers.h"

#include <stdio.h>

#include "cmfv/alloc.h"
#include "cmfv/inject.h"
#include "cmfv/report.h"
#include "cmfv/stream.h"
#include "cmfv/yaml.h"

#define DEPLOY_HEAD                                                                                \
	"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: "                               \
	"confluent-manager-for-apache-flink\n"

/* Block text of the volume and mount, with these indentations. */
#define VOL_2(p)                                                                                   \
	p "- name: cmf-encryption-key\n" p "  secret:\n" p                                         \
	  "    secretName: cmf-encryption-key\n" p "    items:\n" p                                \
	  "      - key: encryption-key\n" p "        path: encryption-key\n" p                     \
	  "    defaultMode: 256\n" p "    optional: false\n"
#define VOL_0(p)                                                                                   \
	p "- name: cmf-encryption-key\n" p "  secret:\n" p                                         \
	  "    secretName: cmf-encryption-key\n" p "    items:\n" p                                \
	  "    - key: encryption-key\n" p "      path: encryption-key\n" p                         \
	  "    defaultMode: 256\n" p "    optional: false\n"
#define MOUNT(p)                                                                                   \
	p "- name: cmf-encryption-key\n" p "  mountPath: /opt/cmf/encryption\n" p                  \
	  "  readOnly: true\n"
#define VOL_FLOW                                                                                   \
	"{\"name\": \"cmf-encryption-key\", \"secret\": {\"secretName\": \"cmf-encryption-key\", " \
	"\"items\": [{\"key\": \"encryption-key\", \"path\": \"encryption-key\"}], "               \
	"\"defaultMode\": "                                                                        \
	"256, \"optional\": false}}"
#define MOUNT_FLOW                                                                                 \
	"{\"name\": \"cmf-encryption-key\", \"mountPath\": \"/opt/cmf/encryption\", "              \
	"\"readOnly\": true}"

struct icase {
	const char *name;
	const char *in;
	const char *out;  /* expected piece; NULL = unchanged */
	const char *rule; /* expected finding, or NULL */
	const char *msg;  /* a substring of its message */
	const char *container, *kcv, *property, *file_name;
};

static const struct icase cases[] = {
    {"helm chart style, both lists there",
     "---\n# Source: cmf/templates/deployment.yaml\n" DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n          image: "
     "\"x:1\"\n"
     "          volumeMounts:\n            - name: cmf-config\n              mountPath: "
     "/opt/config\n"
     "      volumes:\n        - name: cmf-config\n          configMap:\n            name: "
     "cmf-config\n",
     "---\n# Source: cmf/templates/deployment.yaml\n" DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n          image: "
     "\"x:1\"\n"
     "          volumeMounts:\n            - name: cmf-config\n              mountPath: "
     "/opt/config\n" MOUNT(
	 "            ") "      volumes:\n        - name: cmf-config\n          configMap:\n"
			 "            name: cmf-config\n" VOL_2("        "),
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"kubectl style, no lists yet, sidecar and init container untouched",
     DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      initContainers:\n      - name: init\n"
     "        image: busybox\n      containers:\n      - name: sidecar\n        image: envoy\n"
     "      - name: cmf\n        image: cmf\n      - name: last\n        image: x\n",
     DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      initContainers:\n      - name: init\n"
     "        image: busybox\n      containers:\n      - name: sidecar\n        image: envoy\n"
     "      - name: cmf\n        image: cmf\n        volumeMounts:\n" MOUNT(
	 "        ") "      - name: last\n        image: x\n      volumes:\n" VOL_0("      "),
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"compact json",
     "{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"confluent-manager-for-apache-flink\"},"
     "\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"cmf\"}],\"volumes\":[]}}}}\n",
     "{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"confluent-manager-for-apache-flink\"},"
     "\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"cmf\", \"volumeMounts\": "
     "[" MOUNT_FLOW "]}],\"volumes\":[" VOL_FLOW "]}}}}\n",
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"pretty json",
     "{\n  \"kind\": \"Deployment\",\n  \"metadata\": {\n    \"name\": "
     "\"confluent-manager-for-apache-flink\"\n  },\n"
     "  \"spec\": {\n    \"template\": {\n      \"spec\": {\n        \"containers\": [\n          "
     "{\n"
     "            \"name\": \"cmf\",\n            \"volumeMounts\": [\n              {\"name\": "
     "\"a\", \"mountPath\": \"/a\"}\n"
     "            ]\n          }\n        ]\n      }\n    }\n  }\n}\n",
     "{\n  \"kind\": \"Deployment\",\n  \"metadata\": {\n    \"name\": "
     "\"confluent-manager-for-apache-flink\"\n  },\n"
     "  \"spec\": {\n    \"template\": {\n      \"spec\": {\n        \"containers\": [\n          "
     "{\n"
     "            \"name\": \"cmf\",\n            \"volumeMounts\": [\n              {\"name\": "
     "\"a\", \"mountPath\": \"/a\"},\n"
     "              " MOUNT_FLOW
     "\n            ]\n          }\n        ],\n        \"volumes\": [" VOL_FLOW
     "]\n      }\n    }\n  }\n}\n",
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"crlf",
     "kind: Deployment\r\nmetadata:\r\n  name: confluent-manager-for-apache-flink\r\nspec:\r\n  "
     "template:\r\n"
     "    spec:\r\n      containers:\r\n      - name: cmf\r\n",
     "kind: Deployment\r\nmetadata:\r\n  name: confluent-manager-for-apache-flink\r\nspec:\r\n  "
     "template:\r\n"
     "    spec:\r\n      containers:\r\n      - name: cmf\r\n        volumeMounts:\r\n"
     "        - name: cmf-encryption-key\r\n          mountPath: /opt/cmf/encryption\r\n          "
     "readOnly: true\r\n"
     "      volumes:\r\n      - name: cmf-encryption-key\r\n        secret:\r\n          "
     "secretName: cmf-encryption-key\r\n"
     "          items:\r\n          - key: encryption-key\r\n            path: encryption-key\r\n"
     "          defaultMode: 256\r\n          optional: false\r\n",
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"null lists: implicit, ~, flow []",
     DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n"
     "          volumeMounts: ~ # none yet\n      volumes:\n      dnsPolicy: ClusterFirst\n",
     DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n"
     "          volumeMounts:  # none yet\n" MOUNT("            ") "      volumes:\n" VOL_2(
	 "        ") "      dnsPolicy: ClusterFirst\n",
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"flow pod spec in block document",
     DEPLOY_HEAD
     "spec:\n  template:\n    spec: {containers: [{name: cmf, image: x}], volumes: []}\n",
     DEPLOY_HEAD "spec:\n  template:\n    spec: {containers: [{name: cmf, image: x, "
		 "\"volumeMounts\": [" MOUNT_FLOW "]}], volumes: [" VOL_FLOW "]}\n",
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"no final newline",
     DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      containers:\n      - name: cmf\n        image: x",
     DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      containers:\n      - name: cmf\n        image: x\n"
     "        volumeMounts:\n" MOUNT("        ") "      volumes:\n" VOL_0("      "),
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"comments and a kept block scalar at the end",
     DEPLOY_HEAD "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf # the one\n"
		 "          args: |+\n            run\n\n        # a comment\n      volumes: "
		 "[]\n...\n# after\n",
     DEPLOY_HEAD "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf # the one\n"
		 "          args: |+\n            run\n\n          volumeMounts:\n" MOUNT(
		     "            ") "        # a comment\n      volumes: [" VOL_FLOW
				     "]\n...\n# after\n",
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"already mounted: unchanged",
     DEPLOY_HEAD "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n"
		 "          volumeMounts:\n" MOUNT(
		     "            ") "      volumes:\n"
				     "        - name: cmf-encryption-key\n          secret:\n      "
				     "      secretName: cmf-encryption-key\n"
				     "            items: [{key: encryption-key, path: "
				     "encryption-key}]\n            defaultMode: 0400\n",
     NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"helm 4 annotation kept, KCV added",
     DEPLOY_HEAD "  annotations:\n    postrenderer.helm.sh/postrender-filename: "
		 "'cmf/templates/deployment.yaml'\n"
		 "spec:\n  template:\n    metadata:\n      annotations: {a: b}\n    spec:\n      "
		 "containers:\n        - name: cmf\n",
     DEPLOY_HEAD
     "  annotations:\n    postrenderer.helm.sh/postrender-filename: "
     "'cmf/templates/deployment.yaml'\n"
     "    cmf-validate.io/key-kcv: 0a1b2c\n"
     "spec:\n  template:\n    metadata:\n      annotations: {a: b}\n    spec:\n      containers:\n "
     "       - name: cmf\n"
     "          volumeMounts:\n" MOUNT("            ") "      volumes:\n" VOL_2("        "),
     NULL, NULL, NULL, "0a1b2c", NULL, NULL},
    {"KCV without annotations; a numeric-looking KCV is quoted",
     DEPLOY_HEAD
     "  labels:\n      app: x\nspec:\n  template:\n    spec:\n      containers:\n        - name: "
     "cmf\n"
     "          volumeMounts:\n" MOUNT("            ") "      volumes:\n" VOL_2("        "),
     DEPLOY_HEAD
     "  labels:\n      app: x\n  annotations:\n    cmf-validate.io/key-kcv: \"123456\"\n"
     "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n"
     "          volumeMounts:\n" MOUNT("            ") "      volumes:\n" VOL_2("        "),
     NULL, NULL, NULL, "123456", NULL, NULL},
    {"KCV replaced when it differs",
     DEPLOY_HEAD
     "  annotations: {cmf-validate.io/key-kcv: \"aaaaaa\"}\nspec:\n  template:\n    spec:\n"
     "      containers:\n        - name: cmf\n          volumeMounts:\n" MOUNT(
	 "            ") "      volumes:\n" VOL_2("        "),
     DEPLOY_HEAD
     "  annotations: {cmf-validate.io/key-kcv: \"bbbbbb\"}\nspec:\n  template:\n    spec:\n"
     "      containers:\n        - name: cmf\n          volumeMounts:\n" MOUNT(
	 "            ") "      volumes:\n" VOL_2("        "),
     NULL, NULL, NULL, "bbbbbb", NULL, NULL},
    {"same KCV: unchanged",
     DEPLOY_HEAD
     "  annotations:\n    cmf-validate.io/key-kcv: bbbbbb\nspec:\n  template:\n    spec:\n"
     "      containers:\n        - name: cmf\n          volumeMounts:\n" MOUNT(
	 "            ") "      volumes:\n" VOL_2("        "),
     NULL, NULL, NULL, NULL, "bbbbbb", NULL, NULL},
    {"values that YAML would read as something else are quoted",
     DEPLOY_HEAD "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n",
     DEPLOY_HEAD "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n"
		 "          volumeMounts:\n" MOUNT(
		     "            ") "      volumes:\n"
				     "        - name: cmf-encryption-key\n          secret:\n      "
				     "      secretName: cmf-encryption-key\n"
				     "            items:\n              - key: \"yes\"\n           "
				     "     path: \"0755\"\n"
				     "            defaultMode: 256\n            optional: false\n",
     NULL, NULL, NULL, NULL, "yes", "0755"},
    {"the only container, whatever its name",
     DEPLOY_HEAD "spec:\n  template:\n    spec:\n      containers:\n        - name: app\n",
     DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      containers:\n        - name: app\n"
     "          volumeMounts:\n" MOUNT("            ") "      volumes:\n" VOL_2("        "),
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"--container picks a sidecar",
     DEPLOY_HEAD "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n        - "
		 "name: other\n",
     DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n        - name: "
     "other\n"
     "          volumeMounts:\n" MOUNT("            ") "      volumes:\n" VOL_2("        "),
     NULL, NULL, "other", NULL, NULL, NULL},
    {"shared through an anchor: JSON, comments before it kept",
     "---\n# Source: c/d.yaml\n" DEPLOY_HEAD "spec:\n  template:\n    spec:\n      containers:\n"
     "        - &c\n          name: cmf\n          image: x\n      initContainers:\n        - *c\n",
     "---\n# Source: c/d.yaml\n{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", "
     "\"metadata\": "
     "{\"name\": \"confluent-manager-for-apache-flink\"}, \"spec\": {\"template\": {\"spec\": "
     "{\"containers\": [{\"name\": \"cmf\", \"image\": \"x\", \"volumeMounts\": [" MOUNT_FLOW
     "]}], "
     "\"initContainers\": [{\"name\": \"cmf\", \"image\": \"x\"}], \"volumes\": [" VOL_FLOW
     "]}}}}\n",
     NULL, NULL, NULL, NULL, NULL, NULL},
    {"merge key in the container: JSON",
     DEPLOY_HEAD "x-base: &base {image: x}\nspec:\n  template:\n    spec:\n      containers:\n"
		 "        - <<: *base\n          name: cmf\n",
     "{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": "
     "{\"name\": \"confluent-manager-for-apache-flink\"}, \"x-base\": {\"image\": \"x\"}, "
     "\"spec\": "
     "{\"template\": {\"spec\": {\"containers\": [{\"image\": \"x\", \"name\": \"cmf\", "
     "\"volumeMounts\": [" MOUNT_FLOW "]}], \"volumes\": [" VOL_FLOW "]}}}}\n",
     NULL, NULL, NULL, NULL, NULL, NULL},
    /* findings */
    {"volume of that name points elsewhere",
     DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n      volumes:\n"
     "        - name: cmf-encryption-key\n          secret:\n            secretName: other\n",
     NULL, "CMF032",
     "already has a volume cmf-encryption-key that mounts Secret other, not cmf-encryption-key",
     NULL, NULL, NULL, NULL},
    {"volume with another mode",
     DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n      volumes:\n"
     "        - name: cmf-encryption-key\n          secret:\n            secretName: "
     "cmf-encryption-key\n"
     "            items: [{key: encryption-key, path: encryption-key}]\n            defaultMode: "
     "0440\n",
     NULL, "CMF032", "has no defaultMode 0400", NULL, NULL, NULL, NULL},
    {"volume from a ConfigMap",
     DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n      volumes:\n"
     "        - name: cmf-encryption-key\n          configMap: {name: x}\n",
     NULL, "CMF032", "is not a Secret volume", NULL, NULL, NULL, NULL},
    {"mount path taken",
     DEPLOY_HEAD "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n          "
		 "volumeMounts:\n"
		 "            - {name: data, mountPath: /opt/cmf/encryption/}\n",
     NULL, "CMF032", "container cmf already mounts volume data at /opt/cmf/encryption", NULL, NULL,
     NULL, NULL},
    {"mount of that name elsewhere",
     DEPLOY_HEAD "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n          "
		 "volumeMounts:\n"
		 "            - {name: cmf-encryption-key, mountPath: /keys}\n",
     NULL, "CMF032", "at /keys, not at /opt/cmf/encryption", NULL, NULL, NULL, NULL},
    {"mount not read-only",
     DEPLOY_HEAD "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n          "
		 "volumeMounts:\n"
		 "            - {name: cmf-encryption-key, mountPath: /opt/cmf/encryption}\n",
     NULL, "CMF032", "but not just read-only", NULL, NULL, NULL, NULL},
    {"volumes is a map",
     DEPLOY_HEAD "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n      "
		 "volumes: {a: 1}\n",
     NULL, "CMF032", "volumes is a map, not a list", NULL, NULL, NULL, NULL},
    {"two containers, none named cmf",
     DEPLOY_HEAD
     "spec:\n  template:\n    spec:\n      containers:\n        - name: a\n        - name: b\n",
     NULL, "CMF031",
     "has 2 containers and none is named cmf: pass --container NAME (containers: a, b)", NULL, NULL,
     NULL, NULL},
    {"--container that is not there",
     DEPLOY_HEAD "spec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n      "
		 "initContainers:\n"
		 "        - name: init\n",
     NULL, "CMF030", "has no container init to mount the key into (containers: cmf)", "init", NULL,
     NULL, NULL},
    {"no pod template", DEPLOY_HEAD "spec:\n  replicas: 1\n", NULL, "CMF030", "has no pod template",
     NULL, NULL, NULL, NULL},
};

static void opts_for(const struct icase *c, struct cmfv_inject_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->secret_name = "cmf-encryption-key";
	o->property = c->property ? c->property : "encryption-key";
	o->file_name = c->file_name;
	o->container = c->container;
	o->kcv = c->kcv;
	o->file = "t.yaml";
}

static void doc_of(const char *text, struct cmfv_doc *doc)
{
	memset(doc, 0, sizeof(*doc));
	doc->ptr = text;
	doc->len = strlen(text);
	doc->line = 1;
}

static void test_inject_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct icase *c = &cases[i];
		struct cmfv_inject_opts o;
		struct cmfv_report r = {0};
		struct cmfv_buf out = {0};
		struct cmfv_doc doc;
		struct cmfv_diag d;
		int changed = -1;

		opts_for(c, &o);
		doc_of(c->in, &doc);
		cmfv_diag_clear(&d);
		if (cmfv_inject_doc(&o, &doc, &out, &changed, &r, &d) != CMFV_OK)
			fail_msg("%s: %s", c->name, d.msg);
		if (c->rule) {
			if (r.n != 1 || strcmp(r.v[0].rule->id, c->rule) != 0 ||
			    strstr(r.v[0].message, c->msg) == NULL)
				fail_msg("%s: %zu findings, first %s '%s'", c->name, r.n,
					 r.n ? r.v[0].rule->id : "-", r.n ? r.v[0].message : "");
			if (r.v[0].loc.file == NULL || strcmp(r.v[0].loc.file, "t.yaml") != 0 ||
			    r.v[0].loc.line == 0)
				fail_msg("%s: finding without a location", c->name);
			assert_int_equal(changed, 0);
			assert_int_equal(out.len, 0);
		} else if (r.n) {
			fail_msg("%s: unexpected %s '%s'", c->name, r.v[0].rule->id,
				 r.v[0].message);
		} else if (c->out == NULL) {
			if (changed)
				fail_msg("%s: changed, want unchanged:\n%s", c->name, out.ptr);
		} else if (!changed || strcmp(out.ptr, c->out) != 0) {
			fail_msg("%s: got\n%s\n--- want\n%s", c->name,
				 changed ? out.ptr : "(unchanged)", c->out);
		}
		/* idempotent: its own output goes through unchanged */
		if (changed) {
			struct cmfv_buf again = {0};
			struct cmfv_doc d2;
			int ch2 = -1;

			doc_of(out.ptr, &d2);
			assert_int_equal(cmfv_inject_doc(&o, &d2, &again, &ch2, &r, &d), CMFV_OK);
			if (ch2 != 0 || r.n != 0)
				fail_msg("%s: not idempotent:\n%s", c->name, again.ptr);
			cmfv_buf_free(&again);
		}
		cmfv_buf_free(&out);
		cmfv_report_free(&r);
	}
}

/* The tree form agrees with the text form. */
static void test_inject_tree(void **state)
{
	const struct icase *c = &cases[0];
	struct cmfv_inject_opts o;
	struct cmfv_report r = {0};
	struct cmfv_node *tree = NULL, *want = NULL;
	struct cmfv_diag d;
	int changed = 0;
	char *a, *b;

	(void)state;
	opts_for(c, &o);
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_yaml_load(c->in, strlen(c->in), "t", NULL, &tree, &d), CMFV_OK);
	assert_int_equal(cmfv_yaml_load(c->out, strlen(c->out), "t", NULL, &want, &d), CMFV_OK);
	assert_int_equal(cmfv_inject_match(tree, &o), CMFV_MATCH_NAME);
	assert_int_equal(cmfv_inject(tree, &o, &r, &changed), CMFV_OK);
	assert_int_equal(changed, 1);
	a = to_json(tree);
	b = to_json(want);
	assert_string_equal(a, b);
	free(a);
	free(b);
	assert_int_equal(cmfv_inject(tree, &o, &r, &changed), CMFV_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(r.n, 0);
	cmfv_node_free(tree);
	cmfv_node_free(want);
}

static void test_inject_not_yaml(void **state)
{
	struct cmfv_inject_opts o;
	struct cmfv_report r = {0};
	struct cmfv_buf out = {0};
	struct cmfv_doc doc;
	struct cmfv_diag d;
	int changed;

	(void)state;
	opts_for(&cases[0], &o);
	doc_of("---\nkind: Deployment\nmetadata: {name: x\n", &doc);
	doc.line = 40;
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_inject_doc(&o, &doc, &out, &changed, &r, &d), CMFV_EINPUT);
	assert_string_equal(d.file, "t.yaml");
	assert_int_equal(d.line, 43);
	assert_int_equal(changed, 0);
}

/* Every allocation may fail: an error, never a crash or a leak. */
static void test_inject_alloc_failures(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k += 3) {
		const struct icase *c = &cases[k];
		unsigned long n;

		for (n = 1; n < 2000; n++) {
			struct cmfv_inject_opts o;
			struct cmfv_report r = {0};
			struct cmfv_buf out = {0};
			struct cmfv_doc doc;
			struct cmfv_diag d;
			enum cmfv_err e;
			int changed = 0;

			opts_for(c, &o);
			doc_of(c->in, &doc);
			cmfv_diag_clear(&d);
			cmfv_alloc_reset_count();
			cmfv_alloc_fail_at(n, 0);
			e = cmfv_inject_doc(&o, &doc, &out, &changed, &r, &d);
			cmfv_alloc_fail_at(0, 0);
			cmfv_buf_free(&out);
			cmfv_report_free(&r);
			if (e == CMFV_OK && cmfv_alloc_count() < n)
				break; /* finished without reaching the failure */
			if (e != CMFV_OK && e != CMFV_ENOMEM && e != CMFV_EINPUT)
				fail_msg("%s: allocation %lu: error %d", c->name, n, e);
		}
	}
}

/* The mount settings, as post-render and check --manifests take them. */
static void test_inject_opts_check(void **state)
{
	static const struct {
		const char *mount, *volume, *file, *msg;
	} ocases[] = {
	    {NULL, NULL, NULL, NULL},
	    {"/opt/cmf/key", "cmf-key-2", "key.bin", NULL},
	    {"opt/cmf", NULL, NULL, "--mount-path must be an absolute path, not 'opt/cmf'"},
	    {NULL, "Bad_Name", NULL, "--volume-name must be a DNS-1123 label"},
	    {NULL, "-lead", NULL, "--volume-name"},
	    {NULL, "trail-", NULL, "--volume-name"},
	    {NULL, "", NULL, "--volume-name"},
	    {NULL, "a123456789012345678901234567890123456789012345678901234567890123", NULL,
	     "--volume-name"},
	    {NULL, NULL, "a/b", "--file-name must be a plain file name, not 'a/b'"},
	    {NULL, NULL, "..", "--file-name"},
	    {NULL, NULL, "", "--file-name"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ocases) / sizeof(ocases[0]); i++) {
		struct cmfv_inject_opts o;
		struct cmfv_diag d;
		enum cmfv_err e;

		memset(&o, 0, sizeof(o));
		o.mount_path = ocases[i].mount;
		o.volume_name = ocases[i].volume;
		o.file_name = ocases[i].file;
		cmfv_diag_clear(&d);
		e = cmfv_inject_opts_check(&o, &d);
		if (ocases[i].msg == NULL) {
			assert_int_equal(e, CMFV_OK);
		} else {
			assert_int_equal(e, CMFV_EUSAGE);
			if (strstr(d.msg, ocases[i].msg) == NULL)
				fail_msg("case %zu: '%s' lacks '%s'", i, d.msg, ocases[i].msg);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inject_cases),      cmocka_unit_test(test_inject_tree),
	    cmocka_unit_test(test_inject_not_yaml),   cmocka_unit_test(test_inject_alloc_failures),
	    cmocka_unit_test(test_inject_opts_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
