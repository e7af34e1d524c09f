#include "cmfv/guard.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int cmfv_is_kcv(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 6)
		return 0;
	for (i = 0; i < 6; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

static const char *mode_name(int required)
{
	return required ? "production (encrypted)" : "development (plain text)";
}

static int same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* A guard finding; with allow_unsafe it is downgraded to a warning. */
static enum cmfv_err add(struct cmfv_report *r, int unsafe, enum cmfv_rule_id id, const char *path,
			 struct cmfv_loc loc, const char *msg)
{
	enum cmfv_err e = cmfv_report_add(r, id, path, loc, "%s%s", msg,
					  unsafe ? " (allowed by --allow-unsafe-upgrade)" : "");

	if (e == CMFV_OK && unsafe)
		r->v[r->n - 1].severity = CMFV_SEV_WARNING;
	return e;
}

enum cmfv_err cmfv_check_upgrade(const struct cmfv_keyref *cur, const struct cmfv_guard_input *in,
				 struct cmfv_report *r)
{
	struct cmfv_keyref prev;
	enum cmfv_err e = CMFV_OK;
	char msg[900];

	if (in->prev_values) {
		cmfv_keyref_from_values(in->prev_values, NULL, NULL, &prev);
		if (prev.required != cur->required) {
			snprintf(msg, sizeof(msg),
				 "this upgrade switches CMF from %s to %s mode; CMF cannot change "
				 "its encryption mode once its database exists (it crash-loops "
				 "with IllegalStateException) and has no migration between modes: "
				 "keep %s mode, or wipe the CMF database first",
				 mode_name(prev.required), mode_name(cur->required),
				 prev.required ? "production" : "development");
			e = add(r, in->allow_unsafe, CMFV_CMF040, CMFV_PATH_PRODUCTION,
				cur->required_loc, msg);
		} else if (prev.required && cur->required) {
			if (e == CMFV_OK && !same(prev.name, cur->name)) {
				snprintf(msg, sizeof(msg),
					 "the key Secret changes from \"%.100s\" to \"%.100s\"; "
					 "CMF cannot rotate its key, so data encrypted with the "
					 "deployed key would be unreadable: keep "
					 "encryption.key.kubernetesSecretName \"%.100s\" (and back "
					 "that key up)",
					 prev.name ? prev.name : "", cur->name ? cur->name : "",
					 prev.name ? prev.name : "");
				e = add(r, in->allow_unsafe, CMFV_CMF041, CMFV_PATH_SECRET_NAME,
					cur->name_loc, msg);
			}
			if (e == CMFV_OK && !same(prev.property, cur->property)) {
				snprintf(msg, sizeof(msg),
					 "the key property changes from \"%.100s\" to \"%.100s\"; "
					 "CMF cannot rotate its key: keep "
					 "encryption.key.kubernetesSecretProperty \"%.100s\"",
					 prev.property ? prev.property : "",
					 cur->property ? cur->property : "",
					 prev.property ? prev.property : "");
				e = add(r, in->allow_unsafe, CMFV_CMF041, CMFV_PATH_SECRET_PROP,
					cur->prop_loc, msg);
			}
		}
	}
	if (e == CMFV_OK && cmfv_is_kcv(in->prev_kcv) && cmfv_is_kcv(in->cur_kcv) &&
	    strcasecmp(in->prev_kcv, in->cur_kcv) != 0) {
		snprintf(msg, sizeof(msg),
			 "the key's check value is %s but the deployed key's is %s: this is a "
			 "different key, and CMF cannot read data encrypted with the old one; "
			 "restore the original key from your backup",
			 in->cur_kcv, in->prev_kcv);
		e = add(r, in->allow_unsafe, CMFV_CMF042, NULL, (struct cmfv_loc){NULL, 0, 0}, msg);
	}
	return e;
}
