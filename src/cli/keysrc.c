/* Key sources for check and post-render, shared with key-info: they load
 * what the key rules (src/keys/keyrules.c) judge. Key bytes live only in struct cmfv_secret_value
 * buffers and in sources registered as secret, all wiped on every path; messages carry names and
 * lengths, never the key. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/key.h"
#include "cmfv/keyrules.h"
#include "cmfv/kube.h"
#include "cmfv/secret.h"
#include "cmfv/redact.h"
#include "commands.h"
#include "helm.h"
#include "keysrc.h"

static int oom(void)
{
	fprintf(stderr, "cmf-validate: out of memory\n");
	return EXIT_ENV;
}

void keysrc_kube(const struct cli_opts *o, const char *ns, struct cmfv_kube *k)
{
	const char *t = getenv("CMFV_KUBECTL_TIMEOUT");
	long secs = t ? strtol(t, NULL, 10) : 0;

	memset(k, 0, sizeof(*k));
	k->kubectl = getenv("CMFV_KUBECTL");
	k->context = o->kube_context ? o->kube_context : getenv("HELM_KUBECONTEXT");
	k->kubeconfig = o->kubeconfig;
	k->namespace = ns;
	k->timeout_s = secs > 0 && secs < 3600 ? (unsigned)secs : 0;
}

/* A key the tool now knows is taken out of every child's stderr from here
 * on, in any encoding (cmfv_redact_known). */
static void remember(const struct cmfv_secret_value *v)
{
	if (v->key && v->len)
		cmfv_redact_known_add(v->key, v->len);
}

int keysrc_load_file(struct cli_run *run, const char *path, struct cmfv_secret_value *v)
{
	const struct cmfv_source *s;
	struct cmfv_diag d;

	memset(v, 0, sizeof(*v));
	cmfv_diag_clear(&d);
	if (cmfv_sources_read(&run->sources, path, 1, &s, &d) != CMFV_OK)
		return cli_print_diag(&d);
	v->key = cmfv_malloc(s->len ? s->len : 1);
	if (v->key == NULL)
		return oom();
	memcpy(v->key, s->text, s->len);
	v->len = s->len;
	v->status = CMFV_SECRET_FOUND;
	remember(v);
	v->file = s->name;
	/* the whole file is to blame, but formats want a line */
	v->loc = (struct cmfv_loc){s->name, 1, 1};
	v->ns_loc = v->loc;
	return 0;
}

int keysrc_find(struct cli_run *run, const char *path, const char *name, const char *prop,
		struct cmfv_secret_value *v)
{
	const struct cmfv_source *s;
	struct cmfv_diag d;

	cmfv_diag_clear(&d);
	memset(v, 0, sizeof(*v));
	if (cmfv_sources_read(&run->sources, path, 1, &s, &d) != CMFV_OK ||
	    cmfv_secret_find(s, name, prop, run->namespace, v, &d) != CMFV_OK)
		return cli_print_diag(&d);
	remember(v);
	return 0;
}

int keysrc_cluster(const struct cli_opts *o, struct cli_run *run, const char *name,
		   const char *prop, struct cmfv_secret_value *v)
{
	struct cmfv_kube k;
	struct cmfv_buf json = CMFV_BUF_SECRET; /* a Secret, as kubectl prints it */
	const struct cmfv_source *s;
	struct cmfv_diag d;
	char label[600];
	int not_found = 0, rc;
	enum cmfv_err e;

	memset(v, 0, sizeof(*v));
	cmfv_diag_clear(&d);
	/* an argument vector, but a name like "--help" would still be a flag */
	if (!cmfv_is_dns1123_subdomain(name)) {
		fprintf(stderr,
			"cmf-validate: --cluster: '%s' is not a valid Secret name (a DNS-1123 "
			"subdomain: lower-case letters, digits, '-' and '.')\n",
			name);
		return EXIT_USAGE;
	}
	keysrc_kube(o, run->namespace, &k);
	e = cmfv_kube_get(&k, "secret", name, &json, &not_found, &d);
	if (e != CMFV_OK) {
		cmfv_buf_free(&json);
		fprintf(stderr, "cmf-validate: --cluster: %s\n", d.msg);
		return EXIT_ENV;
	}
	if (not_found) {
		cmfv_buf_free(&json);
		v->status = CMFV_SECRET_NOT_FOUND;
		return 0;
	}
	snprintf(label, sizeof(label), "cluster:%s/%s", run->namespace ? run->namespace : "-",
		 name);
	e = cmfv_sources_add(&run->sources, label, json.ptr ? json.ptr : "", json.len, 1, &s);
	cmfv_buf_free(&json);
	if (e != CMFV_OK)
		return oom();
	if (cmfv_secret_find(s, name, prop, run->namespace, v, &d) != CMFV_OK) {
		rc = cli_print_diag(&d);
		return rc == EXIT_USAGE ? EXIT_ENV : rc; /* kubectl printed what we cannot read */
	}
	remember(v);
	return 0;
}

/* One value found in a file or the cluster: its findings and summary. */
static int found(struct cli_run *run, const char *label, const struct cmfv_secret_value *v)
{
	int usable = 0;

	if (cmfv_secret_findings(&run->report, &run->ref, run->namespace, v, &usable) != CMFV_OK ||
	    (usable && cmfv_key_findings(&run->report, label, run->ref.name, run->ref.property, v,
					 NULL) != CMFV_OK))
		return oom();
	return 0;
}

/* CMF020: the Secret is in none of the places looked at. */
static int not_found(struct cli_run *run, const char *where)
{
	if (cmfv_secret_missing(&run->report, &run->ref, run->namespace, where) != CMFV_OK)
		return oom();
	return 0;
}

/* --secret-file and --manifests: each file that holds the Secret is
 * checked; CMF020 when none does. */
static int check_files(const struct cli_opts *o, struct cli_run *run)
{
	size_t total = o->nsecret_files + o->nmanifests, i, hits = 0;
	struct cmfv_secret_value v;
	struct cmfv_buf where = {0};
	int rc = 0;

	for (i = 0; rc == 0 && i < total; i++) {
		const char *path =
		    i < o->nsecret_files ? o->secret_files[i] : o->manifests[i - o->nsecret_files];

		rc = keysrc_find(run, path, run->ref.name, run->ref.property, &v);
		if (rc == 0 && v.status != CMFV_SECRET_NOT_FOUND) {
			hits++;
			rc = found(run, v.file, &v);
		} else if (rc == 0) {
			if (where.len)
				cmfv_buf_puts(&where, i + 1 == total ? " or " : ", ");
			cmfv_buf_puts(&where, v.file);
		}
		cmfv_secret_value_clear(&v);
	}
	if (rc == 0 && where.failed)
		rc = oom();
	if (rc == 0 && hits == 0)
		rc = not_found(run, where.ptr);
	cmfv_buf_free(&where);
	return rc;
}

static int check_cluster(const struct cli_opts *o, struct cli_run *run)
{
	struct cmfv_secret_value v;
	char where[600];
	int rc = keysrc_cluster(o, run, run->ref.name, run->ref.property, &v);

	if (rc == 0 && v.status == CMFV_SECRET_NOT_FOUND) {
		snprintf(where, sizeof(where), "the cluster (namespace %s)",
			 run->namespace ? run->namespace : "of the current kubectl context");
		rc = not_found(run, where);
	} else if (rc == 0) {
		rc = found(run, "cluster", &v);
	}
	cmfv_secret_value_clear(&v);
	return rc;
}

int cli_check_keys(const struct cli_opts *o, struct cli_run *run)
{
	const struct cmfv_keyref *ref = &run->ref;
	struct cmfv_secret_value v;
	char label[600];
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < o->nkey_files; i++) {
		rc = keysrc_load_file(run, o->key_files[i], &v);
		if (rc == 0) {
			snprintf(label, sizeof(label), "--key-file %s", v.file);
			if (cmfv_key_findings(&run->report, label, NULL, NULL, &v, NULL) != CMFV_OK)
				rc = oom();
		}
		cmfv_secret_value_clear(&v);
	}
	if (rc != 0 || (o->nsecret_files == 0 && o->nmanifests == 0 && !o->cluster))
		return rc;
	if (!ref->name || !ref->name[0] || !ref->property || !ref->property[0]) {
		if (run->values) {
			/* CMF001/CMF002 (or CMF011) already say what is missing */
			fprintf(stderr,
				"cmf-validate: note: the key Secret was not checked: the values "
				"name no %s; set encryption.key.kubernetesSecretName and "
				"kubernetesSecretProperty, or pass --secret-name and "
				"--secret-property\n",
				!ref->name || !ref->name[0] ? "Secret" : "Secret property");
			return 0;
		}
		fprintf(stderr,
			"cmf-validate: --secret-file, --manifests and --cluster need the Secret's "
			"name and property: give values that set "
			"encryption.key.kubernetesSecretName and kubernetesSecretProperty (-f "
			"values.yaml), or pass --secret-name NAME --secret-property KEY\n");
		return EXIT_USAGE;
	}
	if (o->nsecret_files || o->nmanifests)
		rc = check_files(o, run);
	if (rc == 0 && o->cluster) {
		if (!cmfv_is_dns1123_subdomain(ref->name) && ref->name_loc.file)
			return 0; /* CMF004 says the name is invalid; kubectl cannot find it */
		rc = check_cluster(o, run);
	}
	return rc;
}
