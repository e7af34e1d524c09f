/* Rules over the merged values: CMF001-CMF004, CMF010, CMF011. */
#include "cmfv/check.h"

#include <stdio.h>
#include <string.h>

#include "cmfv/redact.h"

static int is_true(const struct cmfv_node *n)
{
	return n && n->kind == CMFV_BOOL && n->u.b;
}

static const char *str_of(const struct cmfv_node *n)
{
	return n && n->kind == CMFV_STR ? n->u.s.ptr : NULL;
}

void cmfv_keyref_from_values(const struct cmfv_node *values, const char *name_override,
			     const char *prop_override, struct cmfv_keyref *ref)
{
	const struct cmfv_node *prod = cmfv_node_path(values, CMFV_PATH_PRODUCTION);
	const struct cmfv_node *enc = cmfv_node_path(values, CMFV_PATH_ENC_ENABLED);
	const struct cmfv_node *name = cmfv_node_path(values, CMFV_PATH_SECRET_NAME);
	const struct cmfv_node *prop = cmfv_node_path(values, CMFV_PATH_SECRET_PROP);
	struct cmfv_loc flag = {"--secret-name", 0, 0};

	memset(ref, 0, sizeof(*ref));
	if (is_true(prod)) {
		ref->required = 1;
		ref->required_loc = prod->loc;
		ref->required_by = CMFV_PATH_PRODUCTION;
	} else if (is_true(enc)) {
		ref->required = 1;
		ref->required_loc = enc->loc;
		ref->required_by = CMFV_PATH_ENC_ENABLED;
	} else if (prod) {
		/* not required: still the place where the mode is decided */
		ref->required_loc = prod->loc;
	}
	ref->name = str_of(name);
	if (name)
		ref->name_loc = name->loc;
	ref->property = str_of(prop);
	if (prop)
		ref->prop_loc = prop->loc;
	if (name_override) {
		ref->name = name_override;
		ref->name_loc = flag;
		ref->name_loc.file = NULL;
	}
	if (prop_override) {
		ref->property = prop_override;
		ref->prop_loc = flag;
		ref->prop_loc.file = NULL;
	}
}

int cmfv_is_dns1123_subdomain(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (alnum)
			continue;
		if (c != '-' && c != '.')
			return 0;
		/* '-' and '.' never start or end a label */
		if (i == 0 || i == n - 1)
			return 0;
		if (c == '.' && (s[i - 1] == '.' || s[i - 1] == '-' || s[i + 1] == '-'))
			return 0;
		if (c == '-' && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

int cmfv_is_secret_key(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 253 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
	    strncmp(s, "..", 2) == 0)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return 0;
	}
	return 1;
}

/* A value for a message: quoted when it may be shown, else described (a
 * --set-file value, or text that looks like key material: docs/keys.md). */
static void shown(const struct cmfv_node *n, const char *value, size_t len, char *out, size_t outsz)
{
	char what[120];

	if ((n && n->secret) || cmfv_redact_looks_secret(value, len)) {
		cmfv_redact_describe(value, len, what, sizeof(what));
		snprintf(out, outsz, "(not shown, %s: %s)",
			 n && n->secret ? "it came from --set-file" : "it looks like key material",
			 what);
	} else {
		snprintf(out, outsz, "\"%.80s\"", value);
	}
}

/* The node that gave \p value, if it came from the values. */
static const struct cmfv_node *origin(const struct cmfv_node *n, const char *value)
{
	return n && n->kind == CMFV_STR && n->u.s.ptr == value ? n : NULL;
}

/* A valid name that came from --set-file or looks like key material is
 * CMF004 too: it would be echoed in messages and written into the
 * Deployment, and it is most likely the key pasted in the wrong place. */
static enum cmfv_err not_key_text(struct cmfv_report *r, const char *path, struct cmfv_loc loc,
				  const struct cmfv_node *n, const char *value, const char *what)
{
	char text[200];

	if (!(n && n->secret) && !cmfv_redact_looks_secret(value, strlen(value)))
		return CMFV_OK;
	shown(n, value, strlen(value), text, sizeof(text));
	return cmfv_report_add(
	    r, CMFV_CMF004, path, loc,
	    "Secret %s %s %s: give the Secret's %s (e.g. %s) with --set or a values file, never "
	    "the key or a file's content",
	    what, text, n && n->secret ? "came from a file" : "looks like key material, not a name",
	    what, strcmp(what, "name") == 0 ? "cmf-encryption-key" : "encryption-key");
}

static enum cmfv_err mode_not_boolean(const struct cmfv_node *n, const char *path,
				      struct cmfv_report *r, int *flagged)
{
	if (n == NULL || n->kind == CMFV_NULL || n->kind == CMFV_BOOL)
		return CMFV_OK;
	*flagged = 1;
	if (n->kind == CMFV_STR) {
		char text[200];

		shown(n, n->u.s.ptr, n->u.s.len, text, sizeof(text));
		return cmfv_report_add(
		    r, CMFV_CMF003, path, n->loc,
		    "%s is the string %s, not a boolean; write %s without quotes (or use --set, "
		    "not --set-string)",
		    path, text,
		    (strcmp(n->u.s.ptr, "false") == 0 || strcmp(n->u.s.ptr, "False") == 0)
			? "false"
			: "true");
	}
	return cmfv_report_add(r, CMFV_CMF003, path, n->loc,
			       "%s is a %s, not a boolean; set it to true or false", path,
			       cmfv_kind_name(n->kind));
}

enum cmfv_err cmfv_check_values(const struct cmfv_node *values, const struct cmfv_keyref *ref,
				struct cmfv_report *r)
{
	return cmfv_check_values_at(values, ref, "", r);
}

/* "prefix.path", or path when there is no prefix. */
static const char *at(char *buf, size_t n, const char *prefix, const char *path)
{
	snprintf(buf, n, "%s%s%s", prefix, *prefix ? "." : "", path);
	return buf;
}

enum cmfv_err cmfv_check_values_at(const struct cmfv_node *values, const struct cmfv_keyref *ref,
				   const char *prefix, struct cmfv_report *r)
{
	char b1[600], b2[600], b3[600], b4[600], b5[600];
	const char *p_prod = at(b1, sizeof(b1), prefix, CMFV_PATH_PRODUCTION);
	const char *p_enc = at(b2, sizeof(b2), prefix, CMFV_PATH_ENC_ENABLED);
	const char *p_name = at(b3, sizeof(b3), prefix, CMFV_PATH_SECRET_NAME);
	const char *p_prop = at(b4, sizeof(b4), prefix, CMFV_PATH_SECRET_PROP);
	const char *p_req = at(b5, sizeof(b5), prefix, ref->required_by ? ref->required_by : "");
	const struct cmfv_node *prod = cmfv_node_path(values, CMFV_PATH_PRODUCTION);
	const struct cmfv_node *enc = cmfv_node_path(values, CMFV_PATH_ENC_ENABLED);
	const struct cmfv_node *name = cmfv_node_path(values, CMFV_PATH_SECRET_NAME);
	const struct cmfv_node *prop = cmfv_node_path(values, CMFV_PATH_SECRET_PROP);
	int mode_flagged = 0;
	int has_name = ref->name && ref->name[0];
	int has_prop = ref->property && ref->property[0];
	enum cmfv_err e = CMFV_OK;
	struct cmfv_loc none = {NULL, 0, 0};

	e = mode_not_boolean(prod, p_prod, r, &mode_flagged);
	if (e == CMFV_OK)
		e = mode_not_boolean(enc, p_enc, r, &mode_flagged);
	if (e == CMFV_OK && name && name->kind != CMFV_STR && name->kind != CMFV_NULL)
		e = cmfv_report_add(r, CMFV_CMF004, p_name, name->loc,
				    "%s is a %s; it must be the Secret's name as a string", p_name,
				    cmfv_kind_name(name->kind));
	if (e == CMFV_OK && prop && prop->kind != CMFV_STR && prop->kind != CMFV_NULL)
		e = cmfv_report_add(r, CMFV_CMF004, p_prop, prop->loc,
				    "%s is a %s; it must be the Secret's data key as a string",
				    p_prop, cmfv_kind_name(prop->kind));
	if (e != CMFV_OK)
		return e;

	if (ref->required) {
		if (!has_name)
			e = cmfv_report_add(
			    r, CMFV_CMF001, p_name, ref->required_loc,
			    "%s is true but %s is not set; CMF will not start without its "
			    "encryption key: set it to the name of the Secret holding the key",
			    p_req, p_name);
		if (e == CMFV_OK && !has_prop)
			e = cmfv_report_add(r, CMFV_CMF002, p_prop, ref->required_loc,
					    "%s is true but %s is not set; set it to the data key "
					    "inside the Secret (e.g. encryption-key)",
					    p_req, p_prop);
	}
	if (e == CMFV_OK && has_name && !cmfv_is_dns1123_subdomain(ref->name)) {
		char text[200];

		shown(origin(name, ref->name), ref->name, strlen(ref->name), text, sizeof(text));
		e = cmfv_report_add(
		    r, CMFV_CMF004, p_name, ref->name_loc,
		    "Secret name %s is not a valid DNS-1123 subdomain: use lower-case letters, "
		    "digits, '-' and '.', starting and ending with a letter or digit",
		    text);
	}
	if (e == CMFV_OK && has_name && cmfv_is_dns1123_subdomain(ref->name))
		e = not_key_text(r, p_name, ref->name_loc, origin(name, ref->name), ref->name,
				 "name");
	if (e == CMFV_OK && has_prop && cmfv_is_secret_key(ref->property))
		e = not_key_text(r, p_prop, ref->prop_loc, origin(prop, ref->property),
				 ref->property, "property");
	if (e == CMFV_OK && has_prop && !cmfv_is_secret_key(ref->property)) {
		char text[200];

		shown(origin(prop, ref->property), ref->property, strlen(ref->property), text,
		      sizeof(text));
		e = cmfv_report_add(r, CMFV_CMF004, p_prop, ref->prop_loc,
				    "Secret property %s is not a valid Secret data key: use "
				    "letters, digits, '-', '_' and '.'",
				    text);
	}
	if (e != CMFV_OK || ref->required || mode_flagged)
		return e;

	e = cmfv_report_add(r, CMFV_CMF010, p_prod, prod ? prod->loc : none,
			    "encryption is not required (%s is %s): CMF stores its Secrets in "
			    "plain text; set %s=true and an encryption key before the first "
			    "install, the mode cannot be changed later",
			    p_prod, prod && prod->kind == CMFV_BOOL ? "false" : "not set", p_prod);
	if (e == CMFV_OK && (has_name || has_prop)) {
		const struct cmfv_node *at = name && has_name ? name : prop;

		e = cmfv_report_add(
		    r, CMFV_CMF011, has_name ? p_name : p_prop, at ? at->loc : none,
		    "encryption.key.* is set but encryption is not required, so CMF ignores it; "
		    "set %s=true to encrypt, or remove encryption.key",
		    p_prod);
	}
	return e;
}

enum cmfv_err cmfv_check_schema(struct cmfv_report *r, const struct cmfv_chart *c, const char *path,
				const char *schema_file)
{
	struct cmfv_loc loc = {schema_file, 1, 1};

	if (!c->has_schema)
		return CMFV_OK;
	return cmfv_report_add(
	    r, CMFV_CMF050, path[0] ? path : NULL, loc,
	    "%s%s has a values.schema.json; Helm validates the values against it and "
	    "refuses the release when they do not fit, cmf-validate does not evaluate it "
	    "(run helm lint or helm template to check it)",
	    path[0] ? "subchart " : "chart ", path[0] ? path : c->chart_name);
}
