/* Helm's values pipeline: ReadValues, mergeMaps, strvals, CoalesceValues. */
#include "cmfv/values.h"

#include <string.h>
#include <sys/stat.h>

#include "cmfv/alloc.h"
#include "cmfv/json.h"
#include "cmfv/yaml.h"

enum cmfv_err cmfv_values_parse(const struct cmfv_source *s, struct cmfv_node **out,
				struct cmfv_diag *d)
{
	struct cmfv_node *root = NULL;
	enum cmfv_err e = cmfv_yaml_load(s->text, s->len, s->name, NULL, &root, d);

	if (e != CMFV_OK)
		return e;
	if (root == NULL || root->kind == CMFV_NULL) {
		struct cmfv_loc loc = {s->name, 1, 1};

		cmfv_node_free(root);
		root = cmfv_node_new(CMFV_MAP, loc);
		if (root == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	} else if (root->kind != CMFV_MAP) {
		e = cmfv_diag_set(d, CMFV_EINPUT, s->name, root->loc.line, root->loc.col,
				  "values must be a map of keys to values, not a %s",
				  cmfv_kind_name(root->kind));
		cmfv_node_free(root);
		return e;
	}
	*out = root;
	return CMFV_OK;
}

/* Take the value out of pair i of map m, leaving a null in its place. */
static struct cmfv_node *steal(struct cmfv_node *m, size_t i)
{
	struct cmfv_node *v = m->u.map.v[i].val;
	struct cmfv_node *nul = cmfv_node_new(CMFV_NULL, v->loc);

	if (nul == NULL)
		return NULL;
	m->u.map.v[i].val = nul;
	return v;
}

enum cmfv_err cmfv_values_merge_maps(struct cmfv_node *dst, struct cmfv_node *src)
{
	size_t i;
	enum cmfv_err e = CMFV_OK;

	for (i = 0; i < src->u.map.n && e == CMFV_OK; i++) {
		const char *k = src->u.map.v[i].key;
		struct cmfv_node *cur = cmfv_map_get(dst, k);
		struct cmfv_node *v = steal(src, i);

		if (v == NULL) {
			e = CMFV_ENOMEM;
			break;
		}
		if (v->kind == CMFV_MAP && cur && cur->kind == CMFV_MAP)
			e = cmfv_values_merge_maps(cur, v);
		else
			e = cmfv_map_set(dst, k, src->u.map.v[i].key_loc, v);
	}
	cmfv_node_free(src);
	return e;
}

/* coalesceTablesFullKey(dst = user, src = chart defaults), merge = false.
 * src is consumed. */
static enum cmfv_err coalesce_tables(struct cmfv_node *dst, struct cmfv_node *src, int helm_major)
{
	size_t i;
	enum cmfv_err e = CMFV_OK;

	for (i = 0; i < src->u.map.n && e == CMFV_OK; i++) {
		const char *k = src->u.map.v[i].key;
		struct cmfv_node *val = src->u.map.v[i].val;
		struct cmfv_node *dv = cmfv_map_get(dst, k);

		if (dv && dv->kind == CMFV_NULL) {
			/* Helm 3 deletes a user null whenever the chart has the key;
			 * Helm 4 only when the chart's value is not null itself. */
			if (helm_major == 3 || val->kind != CMFV_NULL)
				cmfv_map_delete(dst, k);
		} else if (dv == NULL) {
			struct cmfv_node *v = steal(src, i);

			e = v ? cmfv_map_set(dst, k, src->u.map.v[i].key_loc, v) : CMFV_ENOMEM;
		} else if (val->kind == CMFV_MAP && dv->kind == CMFV_MAP) {
			struct cmfv_node *v = steal(src, i);

			e = v ? coalesce_tables(dv, v, helm_major) : CMFV_ENOMEM;
		}
		/* otherwise the user's value wins (Helm warns and keeps it) */
	}
	cmfv_node_free(src);
	return e;
}

enum cmfv_err cmfv_values_coalesce(struct cmfv_node *defaults, struct cmfv_node *user,
				   int helm_major, struct cmfv_node **out)
{
	size_t i;
	enum cmfv_err e = CMFV_OK;

	if (defaults == NULL) {
		*out = user;
		return CMFV_OK;
	}
	for (i = 0; i < defaults->u.map.n && e == CMFV_OK; i++) {
		const char *k = defaults->u.map.v[i].key;
		struct cmfv_node *val = defaults->u.map.v[i].val;
		struct cmfv_node *uv = cmfv_map_get(user, k);

		if (uv == NULL) {
			struct cmfv_node *v = steal(defaults, i);

			e = v ? cmfv_map_set(user, k, defaults->u.map.v[i].key_loc, v) : CMFV_ENOMEM;
		} else if (uv->kind == CMFV_NULL) {
			cmfv_map_delete(user, k);
		} else if (uv->kind == CMFV_MAP && val->kind == CMFV_MAP) {
			struct cmfv_node *v = steal(defaults, i);

			e = v ? coalesce_tables(uv, v, helm_major) : CMFV_ENOMEM;
		}
	}
	cmfv_node_free(defaults);
	if (e != CMFV_OK) {
		cmfv_node_free(user);
		return e;
	}
	*out = user;
	return CMFV_OK;
}

static enum cmfv_err apply_json_object(struct cmfv_node *base, const struct cmfv_set_flag *f,
				       struct cmfv_diag *d)
{
	struct cmfv_loc loc = {"--set", 0, f->index};
	struct cmfv_node *obj = NULL;
	size_t used = 0, len = strlen(f->arg);
	enum cmfv_err e = cmfv_json_parse(f->arg, len, loc, 10000, &obj, &used, d);

	if (e == CMFV_OK) {
		while (used < len && strchr(" \t\r\n", f->arg[used]))
			used++;
		if (used != len || obj->kind != CMFV_MAP) {
			cmfv_node_free(obj);
			return cmfv_diag_set(d, CMFV_EINPUT, "--set", 0, f->index,
					     "--set-json %s: not a single JSON object", f->arg);
		}
		return cmfv_values_merge_maps(base, obj) == CMFV_OK
			       ? CMFV_OK
			       : cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	if (e == CMFV_EINPUT) {
		char msg[sizeof(d->msg)];

		memcpy(msg, d->msg, sizeof(msg));
		cmfv_diag_clear(d);
		return cmfv_diag_set(d, CMFV_EINPUT, "--set", 0, f->index,
				     "--set-json %s: invalid JSON: %s", f->arg, msg);
	}
	return e;
}

static int is_json_object_arg(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
		s++;
	return *s == '{';
}

enum cmfv_err cmfv_values_build(const struct cmfv_values_input *in, struct cmfv_sources *src,
				struct cmfv_node **out, struct cmfv_diag *d)
{
	static const enum cmfv_set_kind order[] = {CMFV_SET_JSON, CMFV_SET, CMFV_SET_STRING,
						   CMFV_SET_FILE, CMFV_SET_LITERAL};
	struct cmfv_loc none = {NULL, 0, 0};
	struct cmfv_node *base = cmfv_node_new(CMFV_MAP, none), *defaults = NULL;
	int helm_major = in->helm_major ? in->helm_major : 4;
	enum cmfv_err e = CMFV_OK;
	size_t i, k;

	if (base == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; i < in->nfiles && e == CMFV_OK; i++) {
		const struct cmfv_source *s;
		struct cmfv_node *cur;

		e = cmfv_sources_read(src, in->files[i], 0, &s, d);
		if (e == CMFV_OK)
			e = cmfv_values_parse(s, &cur, d);
		if (e == CMFV_OK && cmfv_values_merge_maps(base, cur) != CMFV_OK)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	/* Helm applies the flag kinds in a fixed order, whatever the command
	 * line says: --set-json, --set, --set-string, --set-file, --set-literal. */
	for (k = 0; k < sizeof(order) / sizeof(order[0]) && e == CMFV_OK; k++) {
		for (i = 0; i < in->nsets && e == CMFV_OK; i++) {
			const struct cmfv_set_flag *f = &in->sets[i];

			if (f->kind != order[k])
				continue;
			if (f->kind == CMFV_SET_JSON && helm_major >= 4 && is_json_object_arg(f->arg))
				e = apply_json_object(base, f, d);
			else
				e = cmfv_strvals_apply(base, f, src, d);
		}
	}
	if (e == CMFV_OK && in->chart_dir) {
		char path[4096];
		const struct cmfv_source *s;
		struct stat st;
		int n = snprintf(path, sizeof(path), "%s/values.yaml", in->chart_dir);

		if (n < 0 || (size_t)n >= sizeof(path)) {
			e = cmfv_diag_fail(d, CMFV_EUSAGE, "chart path is too long");
		} else if (stat(in->chart_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			e = cmfv_diag_set(d, CMFV_ENOENT, in->chart_dir, 0, 0,
					  "--chart needs a chart directory");
		} else if (stat(path, &st) != 0) {
			/* a chart without values.yaml has no defaults, as in Helm */
		} else {
			e = cmfv_sources_read(src, path, 0, &s, d);
			if (e == CMFV_OK)
				e = cmfv_values_parse(s, &defaults, d);
		}
	}
	if (e != CMFV_OK) {
		cmfv_node_free(base);
		cmfv_node_free(defaults);
		return e;
	}
	e = cmfv_values_coalesce(defaults, base, helm_major, out);
	if (e != CMFV_OK)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	return CMFV_OK;
}
