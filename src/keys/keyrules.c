/* The key rules, CMF020-CMF027: what a key source held, judged. The CLI
 * loads the sources (files, kubectl output; src/cli/keysrc.c) and hands the
 * values here; nothing here reads a file or prints. Messages carry names,
 * lengths and check values, never key bytes (docs/keys.md). */
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmfv/keyrules.h"
#include "cmfv/redact.h"

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

enum cmfv_err cmfv_key_findings(struct cmfv_report *r, const char *label, const char *name,
				const char *prop, const struct cmfv_secret_value *v,
				struct cmfv_key_check *out)
{
	struct cmfv_key_summary ks;
	struct cmfv_key_check c;
	char what[700], hint[700], fix[700];
	const char *src = v->file ? v->file : "the key file";
	enum cmfv_err e = CMFV_OK;

	memset(&c, 0, sizeof(c));
	memset(&ks, 0, sizeof(ks));
	ks.source = (char *)(uintptr_t)label; /* copied by cmfv_report_add_key */
	ks.secret = (char *)(uintptr_t)name;
	ks.property = (char *)(uintptr_t)prop;
	describe(what, sizeof(what), label, name, prop, v);
	store_hint(hint, sizeof(hint), name, prop);
	if (v->status == CMFV_SECRET_BAD_BASE64 || v->status == CMFV_SECRET_NOT_STRING) {
		if (v->status == CMFV_SECRET_BAD_BASE64)
			e = cmfv_report_add(
			    r, CMFV_CMF022, NULL, v->loc,
			    "the data value of Secret %s, property %s, is not valid base64 (bad "
			    "character or padding at offset %zu): Kubernetes keeps data as padded "
			    "standard base64; let kubectl encode the raw key: kubectl create "
			    "secret generic %s --from-file=%s=cmf.key",
			    name, prop, v->bad_at, name, prop);
		else
			e = cmfv_report_add(
			    r, CMFV_CMF022, NULL, v->loc,
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
			    r, CMFV_CMF026, NULL, v->loc,
			    "%s is %zu hex digits: only %zu bytes of randomness; before the first "
			    "install (CMF cannot change its key later) make a random key with "
			    "openssl rand -out cmf.key %zu, %s",
			    what, c.length, c.length / 2, c.length, hint);
		else
			e = cmfv_report_add(r, CMFV_CMF026, NULL, v->loc,
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
			    r, CMFV_CMF024, NULL, v->loc,
			    "%s is %zu bytes of %s text that decode to a %zu-byte key: it was "
			    "encoded twice; create the Secret from the raw key file: kubectl "
			    "create secret generic %s --from-file=%s=cmf.key (%s turns your text "
			    "file into that raw key)",
			    what, c.length, hex ? "hex" : "base64", c.inner_length, name, prop,
			    hex ? "xxd -r -p KEY.hex > cmf.key" : "base64 -d KEY.b64 > cmf.key");
		else
			e = cmfv_report_add(
			    r, CMFV_CMF024, NULL, v->loc,
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
		e = cmfv_report_add(r, CMFV_CMF025, NULL, v->loc,
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
		e = cmfv_report_add(r, CMFV_CMF023, NULL, v->loc,
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
	return e;
}

const char *cmfv_key_verdict_word(const struct cmfv_secret_value *v, const struct cmfv_key_check *c)
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

enum cmfv_err cmfv_secret_findings(struct cmfv_report *r, const struct cmfv_keyref *ref,
				   const char *ns, const struct cmfv_secret_value *v, int *usable)
{
	enum cmfv_err e = CMFV_OK;

	if (ns && v->namespace && strcmp(ns, v->namespace) != 0)
		e = cmfv_report_add(
		    r, CMFV_CMF027, NULL, v->ns_loc,
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
		    r, CMFV_CMF021, ref->prop_loc.file ? CMFV_PATH_SECRET_PROP : NULL, v->loc,
		    "Secret %s has no property %s in data or stringData (it has: %s); fix "
		    "encryption.key.kubernetesSecretProperty, or recreate the Secret with kubectl "
		    "create secret generic %s --from-file=%s=cmf.key",
		    ref->name, ref->property, has, ref->name, ref->property);
	}
	*usable = e == CMFV_OK && v->status != CMFV_SECRET_NO_PROPERTY;
	return e;
}

enum cmfv_err cmfv_secret_missing(struct cmfv_report *r, const struct cmfv_keyref *ref,
				  const char *ns, const char *where)
{
	return cmfv_report_add(
	    r, CMFV_CMF020, ref->name_loc.file ? CMFV_PATH_SECRET_NAME : NULL, ref->name_loc,
	    "Secret %s is not in %s; create it in the release namespace: kubectl "
	    "create secret generic %s --from-file=%s=cmf.key%s%s",
	    ref->name, where, ref->name, ref->property, ns ? " -n " : "", ns ? ns : "");
}
