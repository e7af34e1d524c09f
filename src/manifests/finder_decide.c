/* The rules on each instance: CMF001-004/010/011 at stream locations,
 * CMF005 against the values, CMF030/CMF031/CMF033. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/buf.h"

#include "finder_int.h"

/* ------------------------------------------------------------ deciding */

static int differ(const char *a, const char *b)
{
	return a && b && strcmp(a, b) != 0;
}

/* The values as chart \p in->chart sees them (a subchart's own part). */
static const struct cmfv_node *values_view(const struct cmfv_node *values,
					   const struct cmfv_instance *in)
{
	char path[sizeof(in->chart)];
	char *seg, *save = NULL;
	const struct cmfv_node *v = values;

	if (!in->chart_known || !in->chart[0])
		return values;
	memcpy(path, in->chart, sizeof(path));
	for (seg = strtok_r(path, ".", &save); seg && v; seg = strtok_r(NULL, ".", &save))
		v = cmfv_map_get(v, seg);
	return v;
}

static const char *where(const struct cmfv_loc *l, char *buf, size_t n)
{
	if (l->file && l->line)
		snprintf(buf, n, " (%s:%u)", l->file, l->line);
	else if (l->file)
		snprintf(buf, n, " (%s)", l->file);
	else
		buf[0] = '\0';
	return buf;
}

static const char *why_no_config(const struct cmfv_instance *in, char *buf, size_t n)
{
	switch (in->cfg) {
	case CMFV_CFG_NO_REF:
		snprintf(buf, n,
			 "its CMF container names no configuration file on a ConfigMap volume");
		break;
	case CMFV_CFG_AMBIGUOUS:
		if (in->ns_unsure)
			snprintf(buf, n,
				 "ConfigMap %s has a namespace of its own or the release's, the "
				 "Deployment the other, and the release namespace is not known "
				 "(pass -n NAMESPACE)",
				 in->cm_name);
		else
			snprintf(buf, n, "more than one ConfigMap is named %s", in->cm_name);
		break;
	default:
		snprintf(
		    buf, n,
		    "its configuration %s (ConfigMap %s, key %s) is not in the rendered manifests",
		    in->cfg_file, in->cm_name, in->cm_key);
	}
	return buf;
}

/* CMF005 when what was given disagrees with what was rendered. */
static enum cmfv_err compare(const struct cmfv_instance *in, const struct cmfv_keyref *rend,
			     const struct cmfv_keyref *given, const char *what,
			     struct cmfv_report *r)
{
	char wb[300];
	enum cmfv_err e = CMFV_OK;
	int mode_set = given->required || given->required_loc.file;

	if (mode_set && given->required != rend->required)
		e = cmfv_report_add(r, CMFV_CMF005,
				    rend->required_by ? rend->required_by : CMFV_PATH_PRODUCTION,
				    rend->required_loc.file ? rend->required_loc : in->cm_loc,
				    "%s turn encryption %s%s, but the configuration rendered for "
				    "Deployment %s (ConfigMap %s) turns it %s",
				    what, given->required ? "on" : "off",
				    where(&given->required_loc, wb, sizeof(wb)), in->name,
				    in->cm_name, rend->required ? "on" : "off");
	if (e == CMFV_OK && differ(given->name, rend->name))
		e = cmfv_report_add(r, CMFV_CMF005, CMFV_PATH_SECRET_NAME,
				    rend->name_loc.file ? rend->name_loc : in->cm_loc,
				    "%s name Secret %s%s, but the configuration rendered for "
				    "Deployment %s names %s",
				    what, given->name, where(&given->name_loc, wb, sizeof(wb)),
				    in->name, rend->name);
	if (e == CMFV_OK && differ(given->property, rend->property))
		e = cmfv_report_add(r, CMFV_CMF005, CMFV_PATH_SECRET_PROP,
				    rend->prop_loc.file ? rend->prop_loc : in->cm_loc,
				    "%s name Secret property %s%s, but the configuration rendered "
				    "for Deployment %s names %s",
				    what, given->property, where(&given->prop_loc, wb, sizeof(wb)),
				    in->name, rend->property);
	return e;
}

enum cmfv_err cmfv_instance_decide(const struct cmfv_instance *in, const struct cmfv_judge_input *j,
				   struct cmfv_decision *dec, struct cmfv_report *r,
				   struct cmfv_buf *note)
{
	char why[1400];
	enum cmfv_err e;

	memset(dec, 0, sizeof(*dec));
	if (in->problem[0])
		return cmfv_report_add(r, CMFV_CMF031, NULL, in->loc,
				       "cannot tell whether CMF Deployment %s needs the key: %s",
				       in->name, in->problem);
	if (in->cfg == CMFV_CFG_FOUND) {
		struct cmfv_keyref given;

		cmfv_keyref_from_values(in->config, NULL, NULL, &dec->ref);
		dec->basis = "the rendered config";
		e = cmfv_check_values(in->config, &dec->ref, r);
		if (e == CMFV_OK && j->values) {
			cmfv_keyref_from_values(values_view(j->values, in), NULL, NULL, &given);
			e = compare(in, &dec->ref, &given, "the values", r);
		}
		if (e == CMFV_OK && (j->secret_name || j->secret_property)) {
			memset(&given, 0, sizeof(given));
			given.name = j->secret_name;
			given.property = j->secret_property;
			e = compare(in, &dec->ref, &given, "--secret-name/--secret-property", r);
		}
		if (e == CMFV_OK && note)
			cmfv_buf_printf(
			    note,
			    "Deployment %s: encryption %s by its rendered configuration "
			    "%s (ConfigMap %s, key %s)",
			    in->name, dec->ref.required ? "required" : "not required", in->cfg_file,
			    in->cm_name, in->cm_key);
		return e;
	}
	why_no_config(in, why, sizeof(why));
	if (j->values) {
		const struct cmfv_node *v = values_view(j->values, in);

		cmfv_keyref_from_values(v, j->secret_name, j->secret_property, &dec->ref);
		dec->basis = "the values";
		if (j->check_fallback && v && (e = cmfv_check_values(v, &dec->ref, r)) != CMFV_OK)
			return e;
		if (note)
			cmfv_buf_printf(note, "Deployment %s: %s; decided from the values given",
					in->name, why);
		return CMFV_OK;
	}
	if (j->secret_name && j->secret_property) {
		cmfv_keyref_from_values(NULL, j->secret_name, j->secret_property, &dec->ref);
		dec->ref.required = 1;
		dec->basis = "--secret-name and --secret-property";
		if (note)
			cmfv_buf_printf(note,
					"Deployment %s: %s; mounting the Secret the flags name",
					in->name, why);
		return CMFV_OK;
	}
	return cmfv_report_add(
	    r, CMFV_CMF031, NULL, in->loc,
	    "cannot tell whether CMF Deployment %s needs the key: %s; render the "
	    "chart's ConfigMap too, or give the release's values (-f, --set) or "
	    "--secret-name and --secret-property",
	    in->name, why);
}

enum cmfv_err cmfv_instance_unmountable(const struct cmfv_instance *in, struct cmfv_report *r)
{
	return cmfv_report_add(r, CMFV_CMF033, NULL, in->loc,
			       "CMF %s %s needs the key, but %s: post-render mounts it into "
			       "Deployment documents only; render CMF as a Deployment of its own",
			       in->kind, in->name,
			       in->in_list ? "it is an item of a List" : "it is no Deployment");
}

enum cmfv_err cmfv_finder_expected(const struct cmfv_finder *f, const struct cmfv_keyref *ref,
				   int have_values, int secret_flags, struct cmfv_report *r)
{
	if (f->o->deployment)
		return cmfv_finder_has_named(f) ? CMFV_OK : cmfv_finder_none(f, r);
	if (f->n > 0 || !(ref->required || (!have_values && secret_flags)))
		return CMFV_OK;
	return cmfv_finder_none(f, r);
}

enum cmfv_err cmfv_finder_none(const struct cmfv_finder *f, struct cmfv_report *r)
{
	struct cmfv_loc none = {NULL, 0, 0};

	if (f->o->deployment)
		return cmfv_report_add(r, CMFV_CMF030, NULL, none,
				       "no Deployment named %s among the %lu rendered documents",
				       f->o->deployment, f->docs);
	return cmfv_report_add(r, CMFV_CMF030, NULL, none,
			       "no Deployment labelled %s: %s, named %s or running the %s image "
			       "among the %lu rendered documents (pass --deployment NAME if the "
			       "chart renames it)",
			       CMFV_NAME_LABEL, CMFV_DEFAULT_DEPLOYMENT, CMFV_DEFAULT_DEPLOYMENT,
			       CMF_IMAGE, f->docs);
}
