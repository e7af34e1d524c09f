/* Helm's values pipeline: ReadValues, mergeMaps, strvals, CoalesceValues. */
#include "cmfv/values.h"

#include <string.h>
#include <sys/stat.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/json.h"
#include "cmfv/yaml.h"

/* One document (the first of \p text) as a values map. */
static enum cmfv_err parse_one(const char *text, size_t len, const char *name, unsigned line0,
			       struct cmfv_node **out, struct cmfv_diag *d)
{
	struct cmfv_node *root = NULL;
	struct cmfv_yaml_opts yo = {0, 0, line0, 0, 0};
	enum cmfv_err e = cmfv_yaml_load(text, len, name, &yo, &root, d);

	if (e != CMFV_OK)
		return e;
	if (root == NULL || root->kind == CMFV_NULL) {
		struct cmfv_loc loc = {name, line0 + 1, 1};

		cmfv_node_free(root);
		root = cmfv_node_new(CMFV_MAP, loc);
		if (root == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	} else if (root->kind != CMFV_MAP) {
		e = cmfv_diag_set(d, CMFV_EINPUT, name, root->loc.line, root->loc.col,
				  "values must be a map of keys to values, not a %s",
				  cmfv_kind_name(root->kind));
		cmfv_node_free(root);
		return e;
	}
	*out = root;
	return CMFV_OK;
}

/* Helm 4's LoadValues: the k8s YAMLReader cuts at lines that start with
 * `---` (only spaces or a comment may follow), lines lose a final \r, and
 * each document is read on its own and merged into the ones before. */
static enum cmfv_err parse_helm4(const struct cmfv_source *s, struct cmfv_node **out,
				 struct cmfv_diag *d)
{
	struct cmfv_loc top = {s->name, 1, 1};
	struct cmfv_node *acc = cmfv_node_new(CMFV_MAP, top);
	struct cmfv_buf doc = {0};
	const char *p = s->text, *end = s->text + s->len;
	unsigned line = 0, doc_line = 0;
	enum cmfv_err e = CMFV_OK;

	if (acc == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (s->len >= 2 && (unsigned char)p[0] == 0xFF && (unsigned char)p[1] == 0xFE) {
		cmfv_node_free(acc);
		return cmfv_diag_set(d, CMFV_EINPUT, s->name, 1, 1,
				     "a UTF-16LE values file cannot be read by Helm 4: save it as UTF-8");
	}
	while (e == CMFV_OK) {
		const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int at_end = p >= end;
		int sep = !at_end && n >= 3 && memcmp(p, "---", 3) == 0;

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (sep) {
			size_t i = 3;

			while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\v' || p[i] == '\f'))
				i++;
			if (i < n && p[i] != '#') {
				e = cmfv_diag_set(d, CMFV_EINPUT, s->name, line + 1, (unsigned)i + 1,
						  "invalid YAML document separator: only a comment may follow ---");
				break;
			}
		}
		if ((sep || at_end) && doc.len > 0) {
			struct cmfv_node *cur = NULL;

			e = parse_one(doc.ptr, doc.len, s->name, doc_line, &cur, d);
			if (e == CMFV_OK && cmfv_values_merge_maps(acc, cur) != CMFV_OK)
				e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			cmfv_buf_reset(&doc);
		}
		if (at_end || e != CMFV_OK)
			break;
		if (!sep) {
			if (doc.len == 0)
				doc_line = line;
			cmfv_buf_add(&doc, p, n);
			cmfv_buf_add(&doc, "\n", 1);
			if (doc.failed)
				e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		}
		line++;
		p = nl ? nl + 1 : end;
	}
	cmfv_buf_free(&doc, 0);
	if (e != CMFV_OK) {
		cmfv_node_free(acc);
		return e;
	}
	*out = acc;
	return CMFV_OK;
}

enum cmfv_err cmfv_values_parse(const struct cmfv_source *s, int helm_major,
				struct cmfv_node **out, struct cmfv_diag *d)
{
	if (helm_major >= 4)
		return parse_helm4(s, out, d);
	return parse_one(s->text, s->len, s->name, 0, out, d);
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

/* Flag pair \p p of map \p m for deletion. Deleting one key at a time
 * would make a file of many nulls quadratic; the flags are applied in one
 * pass (cmfv_map_delete_flagged). \p ndrop is the map's size when the loop
 * began: keys added since cannot be deleted in the same loop, as the
 * source map has each key once. */
static enum cmfv_err flag_delete(const struct cmfv_node *m, const struct cmfv_pair *p,
				 unsigned char **drop, size_t ndrop)
{
	size_t idx = (size_t)(p - m->u.map.v);

	if (idx >= ndrop)
		return CMFV_OK;
	if (*drop == NULL && (*drop = cmfv_calloc(ndrop, 1)) == NULL)
		return CMFV_ENOMEM;
	(*drop)[idx] = 1;
	return CMFV_OK;
}

/* coalesceTablesFullKey(dst = user, src = chart defaults), merge = false.
 * src is consumed. */
static enum cmfv_err coalesce_tables(struct cmfv_node *dst, struct cmfv_node *src, int helm_major)
{
	size_t i, ndrop = dst->u.map.n;
	unsigned char *drop = NULL;
	enum cmfv_err e = CMFV_OK;

	for (i = 0; i < src->u.map.n && e == CMFV_OK; i++) {
		const char *k = src->u.map.v[i].key;
		struct cmfv_node *val = src->u.map.v[i].val;
		struct cmfv_pair *dp = cmfv_map_get_pair(dst, k);
		struct cmfv_node *dv = dp ? dp->val : NULL;

		if (dv && dv->kind == CMFV_NULL) {
			/* Helm 3 deletes a user null whenever the chart has the key;
			 * Helm 4 only when the chart's value is not null itself. */
			if (helm_major == 3 || val->kind != CMFV_NULL)
				e = flag_delete(dst, dp, &drop, ndrop);
		} else if (dv == NULL) {
			struct cmfv_node *v = steal(src, i);

			e = v ? cmfv_map_set(dst, k, src->u.map.v[i].key_loc, v) : CMFV_ENOMEM;
		} else if (val->kind == CMFV_MAP && dv->kind == CMFV_MAP) {
			struct cmfv_node *v = steal(src, i);

			e = v ? coalesce_tables(dv, v, helm_major) : CMFV_ENOMEM;
		}
		/* otherwise the user's value wins (Helm warns and keeps it) */
	}
	if (drop)
		cmfv_map_delete_flagged(dst, drop, ndrop);
	cmfv_free(drop);
	cmfv_node_free(src);
	return e;
}

enum cmfv_err cmfv_values_coalesce(struct cmfv_node *defaults, struct cmfv_node *user,
				   int helm_major, struct cmfv_node **out)
{
	size_t i, ndrop;
	unsigned char *drop = NULL;
	enum cmfv_err e = CMFV_OK;

	if (defaults == NULL) {
		*out = user;
		return CMFV_OK;
	}
	ndrop = user->u.map.n;
	for (i = 0; i < defaults->u.map.n && e == CMFV_OK; i++) {
		const char *k = defaults->u.map.v[i].key;
		struct cmfv_node *val = defaults->u.map.v[i].val;
		struct cmfv_pair *up = cmfv_map_get_pair(user, k);
		struct cmfv_node *uv = up ? up->val : NULL;

		if (uv == NULL) {
			struct cmfv_node *v = steal(defaults, i);

			e = v ? cmfv_map_set(user, k, defaults->u.map.v[i].key_loc, v) : CMFV_ENOMEM;
		} else if (uv->kind == CMFV_NULL) {
			e = flag_delete(user, up, &drop, ndrop);
		} else if (uv->kind == CMFV_MAP && val->kind == CMFV_MAP) {
			struct cmfv_node *v = steal(defaults, i);

			e = v ? coalesce_tables(uv, v, helm_major) : CMFV_ENOMEM;
		}
	}
	if (drop)
		cmfv_map_delete_flagged(user, drop, ndrop);
	cmfv_free(drop);
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
					     "--set-json %.80s%s: not a single JSON object", f->arg,
					     strlen(f->arg) > 80 ? "..." : "");
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
				     "--set-json %.80s%s: invalid JSON: %s", f->arg,
				     strlen(f->arg) > 80 ? "..." : "", msg);
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
			e = cmfv_values_parse(s, helm_major, &cur, d);
		if (e == CMFV_OK && cmfv_values_merge_maps(base, cur) != CMFV_OK)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	if (e == CMFV_OK && in->extra) {
		struct cmfv_node *cur = cmfv_node_copy(in->extra);

		if (cur == NULL || cmfv_values_merge_maps(base, cur) != CMFV_OK)
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
				e = cmfv_values_parse(s, helm_major, &defaults, d);
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
