/* Chart.yaml (and requirements.yaml) as Helm reads it into its Metadata
 * and Dependency structs, and Metadata.Validate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart_int.h"
#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/yaml.h"

/* ---------------------------------------------------------- Chart.yaml */

void cmfv_chart_dep_free(struct cmfv_chart_dep *dp)
{
	size_t i;

	cmfv_free(dp->name);
	cmfv_free(dp->version);
	cmfv_free(dp->alias);
	cmfv_free(dp->condition);
	for (i = 0; i < dp->ntags; i++)
		cmfv_free(dp->tags[i]);
	cmfv_free(dp->tags);
	cmfv_node_free(dp->import_values);
}

void cmfv_chart_free(struct cmfv_chart *c)
{
	size_t i;

	if (c == NULL)
		return;
	cmfv_free(c->name);
	cmfv_free(c->chart_name);
	cmfv_free(c->version);
	cmfv_free(c->type);
	cmfv_free(c->where);
	cmfv_node_free(c->values);
	for (i = 0; i < c->ndeps; i++)
		cmfv_chart_dep_free(&c->deps[i]);
	cmfv_free(c->deps);
	for (i = 0; i < c->nsubs; i++)
		cmfv_chart_free(c->subs[i]);
	cmfv_free(c->subs);
	cmfv_free(c);
}

/* A string field as sigs.k8s.io/yaml fills a Go string: absent or null is
 * "", a string is itself, anything else cannot be unmarshalled. */
static enum cmfv_err str_field(const struct cmfv_node *m, const char *key, const char *where,
			       char **out, struct cmfv_diag *d)
{
	const struct cmfv_node *v = cmfv_map_get(m, key);

	*out = NULL;
	if (v && v->kind != CMFV_NULL && v->kind != CMFV_STR)
		return cmfv_diag_set(d, CMFV_EINPUT, v->loc.file, v->loc.line, v->loc.col,
				     "cannot load %s: json: cannot unmarshal %s into Go struct field .%s of type string",
				     where, v->kind == CMFV_MAP ? "object" : v->kind == CMFV_SEQ ? "array"
						: v->kind == CMFV_BOOL ? "bool" : "number",
				     key);
	*out = cmfv_strdup(v && v->kind == CMFV_STR ? v->u.s.ptr : "");
	return *out ? CMFV_OK : cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
}

static enum cmfv_err load_dep(const struct cmfv_node *n, const char *where,
			      struct cmfv_chart_dep *dp, struct cmfv_diag *d)
{
	const struct cmfv_node *tags = cmfv_map_get(n, "tags");
	const struct cmfv_node *iv = cmfv_map_get(n, "import-values");
	enum cmfv_err e;
	size_t i;

	memset(dp, 0, sizeof(*dp));
	if (n->kind != CMFV_MAP)
		return cmfv_diag_set(d, CMFV_EINPUT, n->loc.file, n->loc.line, n->loc.col,
				     "validation: dependencies must not contain empty or null nodes");
	e = str_field(n, "name", where, &dp->name, d);
	if (e == CMFV_OK)
		e = str_field(n, "version", where, &dp->version, d);
	if (e == CMFV_OK)
		e = str_field(n, "alias", where, &dp->alias, d);
	if (e == CMFV_OK)
		e = str_field(n, "condition", where, &dp->condition, d);
	if (e == CMFV_OK && tags && tags->kind == CMFV_SEQ) {
		dp->tags = cmfv_calloc(tags->u.seq.n + 1, sizeof(*dp->tags));
		if (dp->tags == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		for (i = 0; i < tags->u.seq.n && e == CMFV_OK; i++) {
			const struct cmfv_node *t = tags->u.seq.v[i];

			if (t->kind != CMFV_STR && t->kind != CMFV_NULL)
				return cmfv_diag_set(d, CMFV_EINPUT, t->loc.file, t->loc.line, t->loc.col,
						     "cannot load %s: a tag must be a string", where);
			dp->tags[i] = cmfv_strdup(t->kind == CMFV_STR ? t->u.s.ptr : "");
			if (dp->tags[i] == NULL)
				return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			dp->ntags++;
		}
	}
	if (e == CMFV_OK && iv && iv->kind == CMFV_SEQ) {
		dp->import_values = cmfv_node_copy(iv);
		if (dp->import_values == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	dp->enabled = 1;
	return e;
}

static int alias_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return 0;
	return 1;
}

enum cmfv_err cmfv_chart_load_deps(struct cmfv_chart *c, const struct cmfv_node *meta,
			       const char *where, struct cmfv_diag *d)
{
	const struct cmfv_node *deps = cmfv_map_get(meta, "dependencies");
	size_t i;

	if (deps == NULL || deps->kind == CMFV_NULL)
		return CMFV_OK;
	if (deps->kind != CMFV_SEQ)
		return cmfv_diag_set(d, CMFV_EINPUT, deps->loc.file, deps->loc.line, deps->loc.col,
				     "cannot load %s: dependencies must be a list", where);
	for (i = 0; i < c->ndeps; i++)
		cmfv_chart_dep_free(&c->deps[i]);
	cmfv_free(c->deps);
	c->ndeps = 0;
	c->has_deps = 1;
	c->deps = cmfv_calloc(deps->u.seq.n + 1, sizeof(*c->deps));
	if (c->deps == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; i < deps->u.seq.n; i++) {
		enum cmfv_err e = load_dep(deps->u.seq.v[i], where, &c->deps[i], d);

		c->ndeps++;
		if (e != CMFV_OK)
			return e;
	}
	return CMFV_OK;
}

/* Metadata.Validate */
enum cmfv_err cmfv_chart_validate(const struct cmfv_chart *c, const char *api, const char *where,
			      struct cmfv_diag *d)
{
	size_t i, j;

	if (!api[0])
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0, "validation: chart.metadata.apiVersion is required");
	if (!c->chart_name[0])
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0, "validation: chart.metadata.name is required");
	if (strchr(c->chart_name, '/') || strcmp(c->chart_name, ".") == 0 || strcmp(c->chart_name, "..") == 0)
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0, "validation: chart.metadata.name \"%s\" is invalid",
				     c->chart_name);
	if (!c->version[0])
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0, "validation: chart.metadata.version is required");
	if (!cmfv_semver_valid(c->version))
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0, "validation: chart.metadata.version \"%s\" is invalid",
				     c->version);
	if (c->type[0] && strcmp(c->type, "application") != 0 && strcmp(c->type, "library") != 0)
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
				     "validation: chart.metadata.type must be application or library");
	for (i = 0; i < c->ndeps; i++) {
		const struct cmfv_chart_dep *a = &c->deps[i];
		const char *ka = a->alias[0] ? a->alias : a->name;

		if (a->alias[0] && !alias_ok(a->alias))
			return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
					     "validation: dependency \"%s\" has disallowed characters in the alias",
					     a->name);
		for (j = 0; j < i; j++) {
			const struct cmfv_chart_dep *b = &c->deps[j];

			if (strcmp(ka, b->alias[0] ? b->alias : b->name) == 0)
				return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
						     "validation: more than one dependency with name or alias \"%s\"",
						     ka);
		}
	}
	return CMFV_OK;
}

enum cmfv_err cmfv_chart_load_meta(struct cmfv_chart *c, const struct cfile *f, const char *where,
			       struct cmfv_sources *src, char **api, struct cmfv_diag *d)
{
	const struct cmfv_source *s;
	struct cmfv_node *meta = NULL;
	enum cmfv_err e = cmfv_sources_add(src, f->display, f->data ? f->data : "", f->len, 0, &s);

	if (e != CMFV_OK)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	e = cmfv_yaml_load(s->text, s->len, s->name, NULL, &meta, d);
	if (e == CMFV_OK && meta && meta->kind != CMFV_MAP && meta->kind != CMFV_NULL)
		e = cmfv_diag_set(d, CMFV_EINPUT, s->name, meta->loc.line, meta->loc.col,
				  "cannot load Chart.yaml: it must be a map, not a %s",
				  cmfv_kind_name(meta->kind));
	if (e == CMFV_OK)
		e = str_field(meta, "name", "Chart.yaml", &c->chart_name, d);
	if (e == CMFV_OK)
		e = str_field(meta, "version", "Chart.yaml", &c->version, d);
	if (e == CMFV_OK)
		e = str_field(meta, "type", "Chart.yaml", &c->type, d);
	if (e == CMFV_OK)
		e = str_field(meta, "apiVersion", "Chart.yaml", api, d);
	if (e == CMFV_OK)
		e = cmfv_chart_load_deps(c, meta, "Chart.yaml", d);
	if (e == CMFV_OK && !(*api)[0]) {
		cmfv_free(*api);
		*api = cmfv_strdup("v1");
		if (*api == NULL)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	(void)where;
	cmfv_node_free(meta);
	return e;
}
