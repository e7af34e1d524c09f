/* Key sources for check and post-render (rules CMF020-CMF027), shared with
 * key-info. Key bytes live only in struct cmfv_secret_value buffers, which
 * are wiped on every path. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/key.h"
#include "cmfv/proc.h"
#include "cmfv/secret.h"
#include "commands.h"
#include "helm.h"
#include "keysrc.h"

#define KUBECTL_TIMEOUT 30

static const char *or_prop(const char *p)
{
	return p && p[0] ? p : "PROP";
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
	if (v->key == NULL) {
		fprintf(stderr, "cmf-validate: out of memory\n");
		return EXIT_ENV;
	}
	memcpy(v->key, s->text, s->len);
	v->len = s->len;
	v->status = CMFV_SECRET_FOUND;
	v->file = s->name;
	v->line = 1;
	v->col = 1;
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
	return 0;
}

int keysrc_cluster(const struct cli_opts *o, struct cli_run *run, const char *name,
		   const char *prop, struct cmfv_secret_value *v)
{
	const char *ctx = o->kube_context ? o->kube_context : getenv("HELM_KUBECONTEXT");
	const char *kubectl = getenv("CMFV_KUBECTL");
	char *argv[16];
	size_t n = 0;
	struct cmfv_proc p;
	const struct cmfv_source *s;
	struct cmfv_diag d;
	char label[600];
	int rc;

	memset(v, 0, sizeof(*v));
	argv[n++] = cli_unconst(kubectl && kubectl[0] ? kubectl : "kubectl");
	argv[n++] = cli_unconst("get");
	argv[n++] = cli_unconst("secret");
	argv[n++] = cli_unconst(name);
	argv[n++] = cli_unconst("-o");
	argv[n++] = cli_unconst("json");
	if (run->namespace) {
		argv[n++] = cli_unconst("--namespace");
		argv[n++] = cli_unconst(run->namespace);
	}
	if (ctx && ctx[0]) {
		argv[n++] = cli_unconst("--context");
		argv[n++] = cli_unconst(ctx);
	}
	if (o->kubeconfig) {
		argv[n++] = cli_unconst("--kubeconfig");
		argv[n++] = cli_unconst(o->kubeconfig);
	}
	argv[n] = NULL;
	if (cmfv_proc_run(argv, KUBECTL_TIMEOUT, (size_t)16 << 20, 0, &p) != CMFV_OK) {
		cmfv_proc_free(&p, 1);
		fprintf(stderr, "cmf-validate: cannot run %s\n", argv[0]);
		return EXIT_ENV;
	}
	if (p.not_found || p.timed_out) {
		fprintf(stderr, "cmf-validate: --cluster: %s\n",
			p.not_found ? "kubectl is not installed (or not on PATH)"
				    : "kubectl did not answer within 30 seconds");
		cmfv_proc_free(&p, 1);
		return EXIT_ENV;
	}
	if (p.status != 0) {
		const char *err = p.err.ptr ? p.err.ptr : "";

		if (strstr(err, "(NotFound)")) {
			/* the release would fail the same way: a finding, not an error */
			v->status = CMFV_SECRET_NOT_FOUND;
			cmfv_proc_free(&p, 1);
			return 0;
		}
		fprintf(stderr, "cmf-validate: --cluster: kubectl get secret %s failed (exit %d): %s%s",
			name, p.status, err, err[0] && err[strlen(err) - 1] == '\n' ? "" : "\n");
		cmfv_proc_free(&p, 1);
		return EXIT_ENV;
	}
	snprintf(label, sizeof(label), "cluster:%s/%s", run->namespace ? run->namespace : "-", name);
	cmfv_diag_clear(&d);
	if (cmfv_sources_add(&run->sources, label, p.out.ptr ? p.out.ptr : "", p.out.len, 1, &s) !=
	    CMFV_OK) {
		cmfv_proc_free(&p, 1);
		fprintf(stderr, "cmf-validate: out of memory\n");
		return EXIT_ENV;
	}
	cmfv_proc_free(&p, 1);
	if (cmfv_secret_find(s, name, prop, run->namespace, v, &d) != CMFV_OK) {
		rc = cli_print_diag(&d);
		return rc == EXIT_USAGE ? EXIT_ENV : rc; /* kubectl gave us garbage */
	}
	return 0;
}

/* Findings for one key source; adds its summary. \p label names the
 * source for people ("--key-file cmf.key"). */
int keysrc_analyze(struct cli_run *run, const char *label, const char *name, const char *prop,
		   const struct cmfv_secret_value *v, struct cmfv_key_check *out)
{
	struct cmfv_report *r = &run->report;
	struct cmfv_key_summary ks;
	struct cmfv_key_check c;
	struct cmfv_loc loc = {v->file, v->line, v->col};
	char what[700];
	enum cmfv_err e = CMFV_OK;

	memset(&c, 0, sizeof(c));
	memset(&ks, 0, sizeof(ks));
	ks.source = cli_unconst(label);
	ks.secret = cli_unconst(name);
	ks.property = cli_unconst(prop);
	if (name)
		snprintf(what, sizeof(what), "the key in Secret %s, property %s,", name, prop);
	else
		snprintf(what, sizeof(what), "the key in %s", v->file ? v->file : label);
	if (v->status == CMFV_SECRET_BAD_BASE64) {
		e = cmfv_report_add(r, "CMF022", NULL, loc,
				    "the data value of Secret %s, property %s, is not valid base64 (bad input at offset %zu); Kubernetes keeps data base64-encoded: recreate the Secret with kubectl create secret generic %s --from-file=%s=cmf.key",
				    name, prop, v->bad_at, name, prop);
		c.verdict = CMFV_KEY_BAD_LENGTH;
		goto out;
	}
	cmfv_key_check(v->key, v->len, &c);
	ks.length = v->len;
	switch (c.verdict) {
	case CMFV_KEY_OK:
		ks.valid = 1;
		memcpy(ks.kcv, c.kcv, sizeof(ks.kcv));
		if (c.weakness != CMFV_WEAK_NONE) {
			static const char *const why[] = {
				"", "is all printable text (a password or hex string, not random bytes)",
				"is one byte repeated", "is a counting sequence",
				"has far fewer distinct bytes than a random key"};

			char hex[128];

			snprintf(hex, sizeof(hex),
				 "is hex text: its %zu hex digits carry only %zu bytes of randomness",
				 c.length, c.length / 2);
			e = cmfv_report_add(r, "CMF026", NULL, loc,
					    "%s %s; generate the key with a cryptographic RNG: openssl rand -out cmf.key %zu",
					    what, c.hex_text ? hex : why[c.weakness], c.length);
		}
		break;
	case CMFV_KEY_DOUBLE_BASE64:
	case CMFV_KEY_DOUBLE_HEX:
		e = cmfv_report_add(r, "CMF024", NULL, loc,
				    "%s is %zu bytes of %s text that decode to a %zu-byte key: it was encoded twice; create the Secret from the raw key file: kubectl create secret generic %s --from-file=%s=cmf.key",
				    what, c.length, c.verdict == CMFV_KEY_DOUBLE_HEX ? "hex" : "base64",
				    c.inner_length, name ? name : "NAME", or_prop(prop));
		break;
	case CMFV_KEY_TRAILING_NEWLINE:
		e = cmfv_report_add(r, "CMF025", NULL, loc,
				    "%s is %zu bytes ending in a newline (a %zu-byte key%s written with echo or an editor); write the key without it (openssl rand -out cmf.key %zu) and recreate the Secret",
				    what, c.length, c.length - 1, c.hex_text ? " of hex text" : "",
				    c.length - 1);
		break;
	case CMFV_KEY_BAD_LENGTH:
		e = cmfv_report_add(r, "CMF023", NULL, loc,
				    "%s is %zu bytes; AES-GCM in CMF takes exactly 16 or 32: make one with openssl rand -out cmf.key 32 and create the Secret from that file",
				    what, c.length);
		break;
	}
out:
	if (e == CMFV_OK)
		e = cmfv_report_add_key(r, &ks);
	if (out)
		*out = c;
	if (e != CMFV_OK) {
		fprintf(stderr, "cmf-validate: out of memory\n");
		return EXIT_ENV;
	}
	return 0;
}

/* The Secret itself: not found, no such property, wrong namespace. Returns
 * 1 when the value is there to analyze. */
static int secret_findings(struct cli_run *run, const char *where, const struct cmfv_secret_value *v,
			   int *err)
{
	const struct cmfv_keyref *ref = &run->ref;
	struct cmfv_loc at = ref->name_loc;
	const char *ns = run->namespace;
	enum cmfv_err e = CMFV_OK;

	*err = 0;
	if (v->status == CMFV_SECRET_NOT_FOUND) {
		e = cmfv_report_add(&run->report, "CMF020",
				    CMFV_PATH_SECRET_NAME, at,
				    "Secret %s is not in %s; create it in the release namespace: kubectl create secret generic %s --from-file=%s=cmf.key%s%s",
				    ref->name, where, ref->name, or_prop(ref->property), ns ? " -n " : "",
				    ns ? ns : "");
	} else {
		struct cmfv_loc sloc = {v->file, v->line, v->col};

		if (ns && v->namespace && strcmp(ns, v->namespace) != 0)
			e = cmfv_report_add(&run->report, "CMF027", NULL, sloc,
					    "Secret %s is in namespace %s but the release is in %s; CMF reads it from its own namespace: create it with -n %s",
					    ref->name, v->namespace, ns, ns);
		if (e == CMFV_OK && v->status == CMFV_SECRET_NO_PROPERTY)
			e = cmfv_report_add(&run->report, "CMF021", CMFV_PATH_SECRET_PROP, sloc,
					    "Secret %s has no property %s in data or stringData (it has: %s); fix encryption.key.kubernetesSecretProperty or recreate the Secret with --from-file=%s=cmf.key",
					    ref->name, ref->property, v->keys && v->keys[0] ? v->keys : "nothing",
					    ref->property);
	}
	if (e != CMFV_OK) {
		fprintf(stderr, "cmf-validate: out of memory\n");
		*err = EXIT_ENV;
	}
	return v->status == CMFV_SECRET_FOUND || v->status == CMFV_SECRET_BAD_BASE64;
}

int cli_check_keys(const struct cli_opts *o, struct cli_run *run)
{
	const struct cmfv_keyref *ref = &run->ref;
	struct cmfv_secret_value v;
	size_t i;
	int rc = 0, analyze, err;
	char label[600];

	for (i = 0; rc == 0 && i < o->nkey_files; i++) {
		rc = keysrc_load_file(run, o->key_files[i], &v);
		if (rc == 0) {
			snprintf(label, sizeof(label), "--key-file %s", o->key_files[i]);
			rc = keysrc_analyze(run, label, NULL, NULL, &v, NULL);
		}
		cmfv_secret_value_clear(&v);
	}
	if (rc != 0 || (o->nsecret_files == 0 && o->nmanifests == 0 && !o->cluster))
		return rc;
	if (!ref->name || !ref->name[0] || !ref->property || !ref->property[0]) {
		fprintf(stderr, "cmf-validate: a key source needs the Secret's name and property: set encryption.key.kubernetesSecretName and kubernetesSecretProperty in the values, or pass --secret-name and --secret-property\n");
		return EXIT_USAGE;
	}
	/* --secret-file and --manifests form one pool: the Secret may be in any */
	if (o->nsecret_files || o->nmanifests) {
		struct cmfv_buf where = {0};
		size_t total = o->nsecret_files + o->nmanifests;

		int found = 0;

		memset(&v, 0, sizeof(v));
		for (i = 0; rc == 0 && i < total; i++) {
			const char *path = i < o->nsecret_files ? o->secret_files[i]
								: o->manifests[i - o->nsecret_files];

			rc = keysrc_find(run, path, ref->name, ref->property, &v);
			if (rc == 0 && v.status != CMFV_SECRET_NOT_FOUND) {
				found = 1;
				break;
			}
			if (where.len)
				cmfv_buf_puts(&where, total > 2 ? ", " : " or ");
			cmfv_buf_puts(&where, strcmp(path, "-") == 0 ? "<stdin>" : path);
			cmfv_secret_value_clear(&v);
		}
		if (!found)
			v.status = CMFV_SECRET_NOT_FOUND;
		if (rc == 0) {
			analyze = secret_findings(run, where.ptr ? where.ptr : "the files given", &v, &err);
			rc = err;
			if (rc == 0 && analyze) {
				snprintf(label, sizeof(label), "%s", v.file);
				rc = keysrc_analyze(run, label, ref->name, ref->property, &v, NULL);
			}
		}
		cmfv_secret_value_clear(&v);
		cmfv_buf_free(&where, 0);
	}
	if (rc == 0 && o->cluster) {
		rc = keysrc_cluster(o, run, ref->name, ref->property, &v);
		if (rc == 0) {
			char where[600];

			snprintf(where, sizeof(where), "the cluster (namespace %s)",
				 run->namespace ? run->namespace : "of the current context");
			analyze = secret_findings(run, where, &v, &err);
			rc = err;
			if (rc == 0 && analyze)
				rc = keysrc_analyze(run, "cluster", ref->name, ref->property, &v, NULL);
		}
		cmfv_secret_value_clear(&v);
	}
	return rc;
}
