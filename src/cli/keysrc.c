/* Key sources for check and post-render (rules CMF020-CMF027), shared with
 * key-info. Key bytes live only in struct cmfv_secret_value buffers and in
 * sources registered as secret, all wiped on every path; messages carry
 * names and lengths, never the key. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/key.h"
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
	return 0;
}

int keysrc_cluster(const struct cli_opts *o, struct cli_run *run, const char *name,
		   const char *prop, struct cmfv_secret_value *v)
{
	struct cmfv_kube k;
	struct cmfv_buf json = {0};
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
	e = cmfv_kube_get(&k, "secret", name, 1, &json, &not_found, &d);
	if (e != CMFV_OK) {
		cmfv_buf_free(&json, 1);
		fprintf(stderr, "cmf-validate: --cluster: %s\n", d.msg);
		return EXIT_ENV;
	}
	if (not_found) {
		cmfv_buf_free(&json, 1);
		v->status = CMFV_SECRET_NOT_FOUND;
		return 0;
	}
	snprintf(label, sizeof(label), "cluster:%s/%s", run->namespace ? run->namespace : "-",
		 name);
	e = cmfv_sources_add(&run->sources, label, json.ptr ? json.ptr : "", json.len, 1, &s);
	cmfv_buf_free(&json, 1);
	if (e != CMFV_OK)
		return oom();
	if (cmfv_secret_find(s, name, prop, run->namespace, v, &d) != CMFV_OK) {
		rc = cli_print_diag(&d);
		return rc == EXIT_USAGE ? EXIT_ENV : rc; /* kubectl printed what we cannot read */
	}
	return 0;
}

static const char *kind_name(const struct cmfv_secret_value *v)
{
	return v->from_string_data ? "stringData" : "data";
}

/* "the key in Secret X, property Y" or "the key in FILE" */
static void describe(char *what, size_t n, const char *label, const char *name, const char *prop,
		     const struct cmfv_secret_value *v)
{
	if (name)
		snprintf(what, n, "the key in Secret %s, property %s%s,", name, prop,
			 v->from_string_data ? " (stringData)" : "");
	else
		snprintf(what, n, "the key in %s", v->file ? v->file : label);
}

/* How to store a key once it is right. */
static void store_hint(char *hint, size_t n, const char *name, const char *prop)
{
	if (name)
		snprintf(hint, n,
			 "then recreate the Secret: kubectl create secret generic %s "
			 "--from-file=%s=cmf.key",
			 name, prop);
	else
		snprintf(hint, n,
			 "then create the Secret from that file with kubectl create secret generic "
			 "NAME --from-file=PROP=cmf.key");
}

int keysrc_analyze(struct cli_run *run, const char *label, const char *name, const char *prop,
		   const struct cmfv_secret_value *v, struct cmfv_key_check *out)
{
	struct cmfv_report *r = &run->report;
	struct cmfv_key_summary ks;
	struct cmfv_key_check c;
	char what[700], hint[700], fix[700];
	const char *src = v->file ? v->file : "the key file";
	enum cmfv_err e = CMFV_OK;

	memset(&c, 0, sizeof(c));
	memset(&ks, 0, sizeof(ks));
	ks.source = cli_unconst(label);
	ks.secret = cli_unconst(name);
	ks.property = cli_unconst(prop);
	describe(what, sizeof(what), label, name, prop, v);
	store_hint(hint, sizeof(hint), name, prop);
	if (v->status == CMFV_SECRET_BAD_BASE64 || v->status == CMFV_SECRET_NOT_STRING) {
		if (v->status == CMFV_SECRET_BAD_BASE64)
			e = cmfv_report_add(
			    r, "CMF022", NULL, v->loc,
			    "the data value of Secret %s, property %s, is not valid base64 (bad "
			    "character or padding at offset %zu): Kubernetes keeps data as padded "
			    "standard base64; let kubectl encode the raw key: kubectl create "
			    "secret generic %s --from-file=%s=cmf.key",
			    name, prop, v->bad_at, name, prop);
		else
			e = cmfv_report_add(
			    r, "CMF022", NULL, v->loc,
			    "the %s value of Secret %s, property %s, is not a string, so it holds "
			    "no key; let kubectl encode the raw key: kubectl create secret generic "
			    "%s --from-file=%s=cmf.key",
			    kind_name(v), name, prop, name, prop);
		c.verdict = CMFV_KEY_BAD_LENGTH;
		goto out;
	}
	cmfv_key_check(v->key, v->len, &c);
	ks.length = v->len;
	switch (c.verdict) {
	case CMFV_KEY_OK:
		ks.valid = 1;
		memcpy(ks.kcv, c.kcv, sizeof(ks.kcv));
		if (c.weakness == CMFV_WEAK_NONE)
			break;
		if (c.hex_text && c.weakness == CMFV_WEAK_PRINTABLE)
			e = cmfv_report_add(
			    r, "CMF026", NULL, v->loc,
			    "%s is %zu hex digits: only %zu bytes of randomness; before the first "
			    "install (CMF cannot change its key later) make a random key with "
			    "openssl rand -out cmf.key %zu, %s",
			    what, c.length, c.length / 2, c.length, hint);
		else
			e = cmfv_report_add(r, "CMF026", NULL, v->loc,
					    "%s is %s, not random bytes; before the first install "
					    "(CMF cannot change its key later) make a random key "
					    "with openssl rand -out cmf.key %zu, %s",
					    what, cmfv_key_weakness_name(c.weakness), c.length,
					    hint);
		break;
	case CMFV_KEY_DOUBLE_BASE64:
	case CMFV_KEY_DOUBLE_HEX: {
		int hex = c.verdict == CMFV_KEY_DOUBLE_HEX;

		if (name)
			e = cmfv_report_add(
			    r, "CMF024", NULL, v->loc,
			    "%s is %zu bytes of %s text that decode to a %zu-byte key: it was "
			    "encoded twice; create the Secret from the raw key file: kubectl "
			    "create secret generic %s --from-file=%s=cmf.key (%s turns your text "
			    "file into that raw key)",
			    what, c.length, hex ? "hex" : "base64", c.inner_length, name, prop,
			    hex ? "xxd -r -p KEY.hex > cmf.key" : "base64 -d KEY.b64 > cmf.key");
		else
			e = cmfv_report_add(
			    r, "CMF024", NULL, v->loc,
			    "%s is %zu bytes of %s text that decode to a %zu-byte key, not the raw "
			    "key: kubectl would encode it twice; decode it once (%s %s > cmf.key) "
			    "or make a raw key with openssl rand -out cmf.key %zu",
			    what, c.length, hex ? "hex" : "base64", c.inner_length,
			    hex ? "xxd -r -p" : "base64 -d", src, c.inner_length);
		break;
	}
	case CMFV_KEY_TRAILING_NEWLINE:
		if (!c.hex_text) {
			snprintf(fix, sizeof(fix), "drop the newline (head -c %zu %s > cmf.key)",
				 c.length - 1, name ? "KEYFILE" : src);
		}
		e = cmfv_report_add(r, "CMF025", NULL, v->loc,
				    "%s is %zu bytes ending in a newline (%zu %s, written with "
				    "echo or an editor); %s, %s",
				    what, c.length, c.length - 1,
				    c.hex_text ? "hex digits" : "bytes of key",
				    c.hex_text ? "hex text is a weak key: make a random one with "
						 "openssl rand -out cmf.key 32"
					       : fix,
				    hint);
		break;
	case CMFV_KEY_BAD_LENGTH:
		e = cmfv_report_add(r, "CMF023", NULL, v->loc,
				    "%s is %zu bytes; CMF's AES-GCM takes exactly 16 or 32: make "
				    "one with openssl rand -out cmf.key 32, %s",
				    what, c.length, hint);
		break;
	}
out:
	if (e == CMFV_OK)
		e = cmfv_report_add_key(r, &ks);
	if (out)
		*out = c;
	OPENSSL_cleanse(&c, sizeof(c));
	if (e != CMFV_OK)
		return oom();
	return 0;
}

const char *keysrc_verdict(const struct cmfv_secret_value *v, const struct cmfv_key_check *c)
{
	switch (v->status) {
	case CMFV_SECRET_NOT_FOUND:
		return "not found";
	case CMFV_SECRET_NO_PROPERTY:
		return "no such property";
	case CMFV_SECRET_BAD_BASE64:
	case CMFV_SECRET_NOT_STRING:
		return "not base64";
	case CMFV_SECRET_FOUND:
		break;
	}
	switch (c->verdict) {
	case CMFV_KEY_OK:
		return c->weakness == CMFV_WEAK_NONE ? "ok" : "weak";
	case CMFV_KEY_DOUBLE_BASE64:
	case CMFV_KEY_DOUBLE_HEX:
		return "encoded twice";
	case CMFV_KEY_TRAILING_NEWLINE:
		return "trailing newline";
	case CMFV_KEY_BAD_LENGTH:
		break;
	}
	return "bad length";
}

/* The Secret itself: wrong namespace, no such property. Returns 1 when a
 * value is there to analyze, 0 when not, -1 when out of memory. */
static int secret_findings(struct cli_run *run, const struct cmfv_secret_value *v)
{
	const struct cmfv_keyref *ref = &run->ref;
	const char *ns = run->namespace;
	enum cmfv_err e = CMFV_OK;

	if (ns && v->namespace && strcmp(ns, v->namespace) != 0)
		e = cmfv_report_add(
		    &run->report, "CMF027", NULL, v->ns_loc,
		    "Secret %s is in namespace %s but the release is in %s; CMF reads its key from "
		    "its own namespace: create the Secret there with kubectl create secret generic "
		    "%s --from-file=%s=cmf.key -n %s",
		    ref->name, v->namespace, ns, ref->name, ref->property, ns);
	if (e == CMFV_OK && v->status == CMFV_SECRET_NO_PROPERTY) {
		/* the Secret's own keys: one may be key text pasted as a name */
		char has[600];

		snprintf(has, sizeof(has), "%s", v->keys && v->keys[0] ? v->keys : "nothing");
		cmfv_redact(has);
		e = cmfv_report_add(
		    &run->report, "CMF021", ref->prop_loc.file ? CMFV_PATH_SECRET_PROP : NULL,
		    v->loc,
		    "Secret %s has no property %s in data or stringData (it has: %s); fix "
		    "encryption.key.kubernetesSecretProperty, or recreate the Secret with kubectl "
		    "create secret generic %s --from-file=%s=cmf.key",
		    ref->name, ref->property, has, ref->name, ref->property);
	}
	if (e != CMFV_OK)
		return -1;
	return v->status != CMFV_SECRET_NO_PROPERTY;
}

static int not_found(struct cli_run *run, const char *where)
{
	const struct cmfv_keyref *ref = &run->ref;
	const char *ns = run->namespace;

	if (cmfv_report_add(&run->report, "CMF020",
			    ref->name_loc.file ? CMFV_PATH_SECRET_NAME : NULL, ref->name_loc,
			    "Secret %s is not in %s; create it in the release namespace: kubectl "
			    "create secret generic %s --from-file=%s=cmf.key%s%s",
			    ref->name, where, ref->name, ref->property, ns ? " -n " : "",
			    ns ? ns : "") != CMFV_OK)
		return oom();
	return 0;
}

/* One value found in a file or the cluster: its findings and summary. */
static int found(struct cli_run *run, const char *label, const struct cmfv_secret_value *v)
{
	int r = secret_findings(run, v);

	if (r < 0)
		return oom();
	if (r == 0)
		return 0;
	return keysrc_analyze(run, label, run->ref.name, run->ref.property, v, NULL);
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
	cmfv_buf_free(&where, 0);
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
			rc = keysrc_analyze(run, label, NULL, NULL, &v, NULL);
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
