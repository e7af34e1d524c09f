#include "cmfv/report.h"

#include <stdio.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/redact.h"

static const struct cmfv_rule rules[] = {
	{"CMF001", "key-secret-name-required", CMFV_SEV_ERROR,
	 "encryption is required but encryption.key.kubernetesSecretName is missing or empty",
	 "Set encryption.key.kubernetesSecretName to the name of the Secret that holds the key"},
	{"CMF002", "key-secret-property-required", CMFV_SEV_ERROR,
	 "encryption is required but encryption.key.kubernetesSecretProperty is missing or empty",
	 "Set encryption.key.kubernetesSecretProperty to the data key inside that Secret"},
	{"CMF003", "mode-not-boolean", CMFV_SEV_ERROR,
	 "cmf.sql.production or encryption.enabled is set but is not a boolean",
	 "Write true or false without quotes, and use --set rather than --set-string for it"},
	{"CMF004", "invalid-secret-reference", CMFV_SEV_ERROR,
	 "the Secret name is not a DNS-1123 subdomain or the property is not a valid Secret data key",
	 "Use a lower-case DNS name (a-z, 0-9, '-', '.') for the Secret and [-._a-zA-Z0-9] for the key"},
	{"CMF005", "values-disagree-with-render", CMFV_SEV_ERROR,
	 "the values (or --secret-name/--secret-property) given disagree with the CMF configuration the chart rendered",
	 "Give the release's own values, or none: post-render judges the rendered configuration"},
	{"CMF010", "plaintext-mode", CMFV_SEV_WARNING,
	 "encryption is not required: CMF stores its Secrets in plain text",
	 "Set cmf.sql.production=true with an encryption key before the first install; the mode cannot change later"},
	{"CMF011", "key-unused", CMFV_SEV_WARNING,
	 "encryption.key.* is set but encryption is not required, so it is ignored",
	 "Set cmf.sql.production=true (or encryption.enabled=true) to use the key, or remove encryption.key"},
	{"CMF020", "secret-not-found", CMFV_SEV_ERROR,
	 "a key source was given but the referenced Secret is not in it",
	 "Create the Secret in the release namespace, or fix the Secret name"},
	{"CMF021", "secret-property-missing", CMFV_SEV_ERROR,
	 "the Secret has no such property in data or stringData",
	 "Add the property to the Secret or fix encryption.key.kubernetesSecretProperty"},
	{"CMF022", "key-not-base64", CMFV_SEV_ERROR, "the Secret's data value is not valid standard base64",
	 "Recreate the Secret with kubectl create secret generic NAME --from-file=PROP=cmf.key"},
	{"CMF023", "key-length", CMFV_SEV_ERROR, "the key is not exactly 16 or 32 bytes",
	 "Make a new key with openssl rand -out cmf.key 32 and store that file unchanged"},
	{"CMF024", "key-double-encoded", CMFV_SEV_ERROR,
	 "the key is base64 or hex text of a 16- or 32-byte key: it was encoded twice",
	 "Store the raw key bytes: kubectl create secret generic NAME --from-file=PROP=cmf.key"},
	{"CMF025", "key-trailing-newline", CMFV_SEV_ERROR,
	 "the key is 17 or 33 bytes ending in a newline",
	 "Write the key without a newline (openssl rand -out cmf.key 32), not with echo or an editor"},
	{"CMF026", "key-weak", CMFV_SEV_WARNING,
	 "the key bytes are printable text, one repeated byte, or far below random entropy",
	 "Generate the key with a cryptographic RNG: openssl rand -out cmf.key 32"},
	{"CMF027", "secret-namespace-mismatch", CMFV_SEV_ERROR,
	 "the Secret's namespace is not the release namespace",
	 "Create the Secret in the namespace CMF is installed into"},
	{"CMF030", "deployment-not-found", CMFV_SEV_ERROR,
	 "post-render: no CMF Deployment in the manifests",
	 "Pass --deployment NAME when the chart renames the CMF Deployment"},
	{"CMF031", "deployment-ambiguous", CMFV_SEV_ERROR,
	 "a CMF Deployment cannot be paired with its configuration, or which container runs CMF is ambiguous",
	 "Render the chart's ConfigMap with the Deployment, or give the release's values; pass --container NAME when several containers could be CMF's"},
	{"CMF032", "mount-conflict", CMFV_SEV_ERROR,
	 "the Deployment already has a volume or mount of that name or path that points elsewhere",
	 "Remove the conflicting volume or mount, or choose --volume-name / --mount-path"},
	{"CMF033", "deployment-not-editable", CMFV_SEV_ERROR,
	 "CMF needs the key where post-render cannot mount it: a Deployment inside a List, or another workload kind",
	 "Render CMF as a Deployment document of its own"},
	{"CMF034", "flux-postrenderer-missing", CMFV_SEV_ERROR,
	 "Flux: a HelmRelease that requires encryption has no post-renderer that mounts the key",
	 "Add the spec.postRenderers block that cmf-validate flux-patch prints to the HelmRelease"},
	{"CMF040", "mode-changed", CMFV_SEV_ERROR,
	 "upgrade: the encryption mode differs from the deployed release",
	 "Keep the deployed mode: CMF cannot switch between production and development once its database exists"},
	{"CMF041", "key-reference-changed", CMFV_SEV_ERROR,
	 "upgrade: the Secret name or property differs from the deployed release",
	 "Keep the deployed Secret name and property; CMF cannot rotate its key"},
	{"CMF042", "key-changed", CMFV_SEV_ERROR,
	 "upgrade: the key's check value differs from the deployed one",
	 "Restore the original key from your backup; CMF cannot read data encrypted with another key"},
	{"CMF050", "values-schema-not-evaluated", CMFV_SEV_NOTE,
	 "the chart has a values.schema.json, which cmf-validate does not evaluate",
	 "Helm validates the merged values against it and refuses the release when they do not fit: run helm lint or helm template to check"},
	{"CMF090", "waiver-expired", CMFV_SEV_WARNING,
	 "a waiver in the configuration file has expired and no longer applies",
	 "Fix the finding it waived, or renew the waiver with a new expiry date and reason"},
};

#define NRULES (sizeof(rules) / sizeof(rules[0]))

const struct cmfv_rule *cmfv_rules(size_t *n)
{
	*n = NRULES;
	return rules;
}

const struct cmfv_rule *cmfv_rule_find(const char *id_or_name)
{
	size_t i;

	for (i = 0; i < NRULES; i++)
		if (strcmp(rules[i].id, id_or_name) == 0 || strcmp(rules[i].name, id_or_name) == 0)
			return &rules[i];
	return NULL;
}

const char *cmfv_severity_name(enum cmfv_severity s)
{
	switch (s) {
	case CMFV_SEV_OFF:
		return "off";
	case CMFV_SEV_NOTE:
		return "note";
	case CMFV_SEV_WARNING:
		return "warning";
	case CMFV_SEV_ERROR:
		return "error";
	}
	return "error";
}

enum cmfv_err cmfv_report_add(struct cmfv_report *r, const char *id, const char *path,
			      struct cmfv_loc loc, const char *fmt, ...)
{
	const struct cmfv_rule *rule = cmfv_rule_find(id);
	enum cmfv_severity sev;
	struct cmfv_finding *f;
	char msg[1024];
	va_list ap;
	size_t n;

	if (rule == NULL)
		return CMFV_EINPUT;
	sev = rule->severity;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct cmfv_finding *v = cmfv_realloc(r->v, cap * sizeof(*v));

		if (v == NULL)
			return CMFV_ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cmfv_redact(msg); /* one rule for key text in every message */
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '.' || msg[n - 1] == '\n'))
		msg[--n] = '\0';
	f = &r->v[r->n];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->severity = sev;
	f->loc = loc;
	f->message = cmfv_strdup(msg);
	f->path = path ? cmfv_strdup(path) : NULL;
	if (f->message == NULL || (path && f->path == NULL)) {
		cmfv_free(f->message);
		cmfv_free(f->path);
		return CMFV_ENOMEM;
	}
	r->n++;
	return CMFV_OK;
}

enum cmfv_err cmfv_report_add_key(struct cmfv_report *r, const struct cmfv_key_summary *k)
{
	struct cmfv_key_summary *s;

	if (r->nkeys == r->kcap) {
		size_t cap = r->kcap ? r->kcap * 2 : 4;
		struct cmfv_key_summary *v = cmfv_realloc(r->keys, cap * sizeof(*v));

		if (v == NULL)
			return CMFV_ENOMEM;
		r->keys = v;
		r->kcap = cap;
	}
	s = &r->keys[r->nkeys];
	*s = *k;
	s->source = k->source ? cmfv_strdup(k->source) : NULL;
	s->secret = k->secret ? cmfv_strdup(k->secret) : NULL;
	s->property = k->property ? cmfv_strdup(k->property) : NULL;
	if ((k->source && !s->source) || (k->secret && !s->secret) || (k->property && !s->property)) {
		cmfv_free(s->source);
		cmfv_free(s->secret);
		cmfv_free(s->property);
		return CMFV_ENOMEM;
	}
	r->nkeys++;
	return CMFV_OK;
}

size_t cmfv_report_count(const struct cmfv_report *r, enum cmfv_severity s)
{
	size_t i, c = 0;

	for (i = 0; i < r->n; i++)
		if (r->v[i].severity == s)
			c++;
	return c;
}

int cmfv_report_has(const struct cmfv_report *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].rule->id, id) == 0)
			return 1;
	return 0;
}

static int cmp_findings(const void *a, const void *b)
{
	const struct cmfv_finding *x = a, *y = b;
	int c;

	if ((x->loc.file == NULL) != (y->loc.file == NULL))
		return x->loc.file == NULL ? 1 : -1;
	if (x->loc.file && y->loc.file) {
		c = strcmp(x->loc.file, y->loc.file);
		if (c)
			return c;
		if (x->loc.line != y->loc.line)
			return x->loc.line < y->loc.line ? -1 : 1;
		if (x->loc.col != y->loc.col)
			return x->loc.col < y->loc.col ? -1 : 1;
	}
	return strcmp(x->rule->id, y->rule->id);
}

void cmfv_report_sort(struct cmfv_report *r)
{
	size_t i, j;

	/* insertion sort: stable, and reports are short */
	for (i = 1; i < r->n; i++) {
		struct cmfv_finding f = r->v[i];

		for (j = i; j > 0 && cmp_findings(&r->v[j - 1], &f) > 0; j--)
			r->v[j] = r->v[j - 1];
		r->v[j] = f;
	}
}

void cmfv_report_free(struct cmfv_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		cmfv_free(r->v[i].message);
		cmfv_free(r->v[i].path);
	}
	for (i = 0; i < r->nkeys; i++) {
		cmfv_free(r->keys[i].source);
		cmfv_free(r->keys[i].secret);
		cmfv_free(r->keys[i].property);
	}
	cmfv_free(r->v);
	cmfv_free(r->keys);
	memset(r, 0, sizeof(*r));
}
