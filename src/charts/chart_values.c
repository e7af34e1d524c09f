/* The values of a chart tree, as Helm computes them for install/template:
 * ProcessDependencies (pkg/chart/v2/util/dependencies.go), with the
 * coalescing in chart_coalesce.c. The functions follow Helm's one for one,
 * with its names in the comments; Go maps are value trees here, copied
 * where Helm copies. */
#include <stdio.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/chart.h"
#include "cmfv/values.h"
#include "chart_budget.h"
#include "chart_values_int.h"

/* Values.Table: follow dotted \p path through maps; NULL when a step is
 * missing or not a map. */
struct cmfv_node *cmfv_chart_table(const struct cmfv_node *v, const char *path)
{
	const struct cmfv_node *cur = v;
	const char *p = path;

	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char *k = cmfv_strndup(p, n);

		cur = k ? cmfv_map_get(cur, k) : NULL;
		cmfv_free(k);
		if (!cmfv_is_map(cur))
			return NULL;
		if (!dot)
			return (struct cmfv_node *)(uintptr_t)cur;
		p = dot + 1;
	}
}

/* Values.PathValue: a non-table value at dotted \p path, or NULL. */
static const struct cmfv_node *path_value(const struct cmfv_node *v, const char *path)
{
	const char *last = strrchr(path, '.');
	const struct cmfv_node *t = v, *x;

	if (!*path)
		return NULL;
	if (last) {
		char *head = cmfv_strndup(path, (size_t)(last - path));

		t = head ? cmfv_chart_table(v, head) : NULL;
		cmfv_free(head);
		last++;
	} else {
		last = path;
	}
	x = t ? cmfv_map_get(t, last) : NULL;
	return x && !cmfv_is_map(x) ? x : NULL;
}

/* processDependencyTags */
static void dep_tags(struct cmfv_chart *c, const struct cmfv_node *cvals)
{
	const struct cmfv_node *vt = cmfv_chart_table(cvals, "tags");
	size_t i, j;

	if (vt == NULL)
		return;
	for (i = 0; i < c->ndeps; i++) {
		int has_true = 0, has_false = 0;

		for (j = 0; j < c->deps[i].ntags; j++) {
			const struct cmfv_node *b = cmfv_map_get(vt, c->deps[i].tags[j]);

			if (b && b->kind == CMFV_BOOL) {
				if (b->u.b)
					has_true = 1;
				else
					has_false = 1;
			}
		}
		c->deps[i].enabled = !(!has_true && has_false);
	}
}

/* processDependencyConditions: the first path that holds a bool decides. */
static enum cmfv_err dep_conditions(struct cmfv_chart *c, const struct cmfv_node *cvals,
				    const char *prefix)
{
	size_t i;

	for (i = 0; i < c->ndeps; i++) {
		const char *cond = c->deps[i].condition, *p;
		size_t n = strlen(cond);

		while (*cond == ' ' || *cond == '\t' || *cond == '\n' || *cond == '\r')
			cond++, n--;
		while (n && strchr(" \t\n\r", cond[n - 1]))
			n--;
		for (p = cond; p < cond + n;) {
			const char *comma = memchr(p, ',', (size_t)(cond + n - p));
			size_t l = comma ? (size_t)(comma - p) : (size_t)(cond + n - p);
			struct cmfv_buf path = {0};
			const struct cmfv_node *v;

			if (l > 0) {
				cmfv_buf_printf(&path, "%s%.*s", prefix, (int)l, p);
				if (path.failed) {
					cmfv_buf_free(&path);
					return CMFV_ENOMEM;
				}
				v = path_value(cvals, path.ptr);
				cmfv_buf_free(&path);
				if (v && v->kind == CMFV_BOOL) {
					c->deps[i].enabled = v->u.b;
					break;
				}
			}
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	return CMFV_OK;
}

/* A copy of \p c for another dependency entry (getAliasDependency). */
static struct cmfv_chart *clone(const struct cmfv_chart *c)
{
	struct cmfv_chart *o = cmfv_calloc(1, sizeof(*o));
	size_t i;
	int ok;

	if (o == NULL)
		return NULL;
	o->name = cmfv_strdup(c->name);
	o->chart_name = cmfv_strdup(c->chart_name);
	o->version = cmfv_strdup(c->version);
	o->type = cmfv_strdup(c->type);
	o->where = cmfv_strdup(c->where);
	/* one more values.yaml: an alias instance counts against the budget */
	o->values = cmfv_chart_copy(c, c->values);
	o->budget = c->budget;
	o->has_schema = c->has_schema;
	o->has_deps = c->has_deps;
	o->deps = cmfv_calloc(c->ndeps + 1, sizeof(*o->deps));
	o->subs = cmfv_calloc(c->nsubs + 1, sizeof(*o->subs));
	ok = o->name && o->chart_name && o->version && o->type && o->where && o->values &&
	     o->deps && o->subs;
	for (i = 0; ok && i < c->ndeps; i++) {
		const struct cmfv_chart_dep *s = &c->deps[i];
		struct cmfv_chart_dep *t = &o->deps[i];
		size_t j;

		o->ndeps++;
		t->name = cmfv_strdup(s->name);
		t->version = cmfv_strdup(s->version);
		t->alias = cmfv_strdup(s->alias);
		t->condition = cmfv_strdup(s->condition);
		t->enabled = s->enabled;
		t->tags = cmfv_calloc(s->ntags + 1, sizeof(*t->tags));
		t->import_values = s->import_values ? cmfv_node_copy(s->import_values) : NULL;
		ok = t->name && t->version && t->alias && t->condition && t->tags &&
		     (!s->import_values || t->import_values);
		for (j = 0; ok && j < s->ntags; j++) {
			t->tags[j] = cmfv_strdup(s->tags[j]);
			ok = t->tags[j] != NULL;
			t->ntags += ok ? 1u : 0u;
		}
	}
	for (i = 0; ok && i < c->nsubs; i++) {
		o->subs[i] = clone(c->subs[i]);
		ok = o->subs[i] != NULL;
		o->nsubs += ok ? 1u : 0u;
	}
	if (!ok) {
		cmfv_chart_free(o);
		return NULL;
	}
	return o;
}

static int dep_matches(const struct cmfv_chart_dep *r, const struct cmfv_chart *sc)
{
	return strcmp(sc->name, r->name) == 0 && cmfv_semver_in_range(r->version, sc->version);
}

/* The new subchart list of processDependencyEnabled: charts that no
 * dependency entry claims, then one copy per entry, renamed to its alias. */
static enum cmfv_err resolve_subs(struct cmfv_chart *c)
{
	size_t n = c->nsubs + c->ndeps, k = 0, i, j;
	struct cmfv_chart **out = cmfv_calloc(n + 1, sizeof(*out));
	unsigned char *claimed = cmfv_calloc(c->nsubs + 1, 1);

	if (out == NULL || claimed == NULL) {
		cmfv_free(out);
		cmfv_free(claimed);
		return CMFV_ENOMEM;
	}
	for (i = 0; i < c->nsubs; i++)
		for (j = 0; j < c->ndeps; j++)
			if (dep_matches(&c->deps[j], c->subs[i]))
				claimed[i] = 1;
	for (i = 0; i < c->nsubs; i++)
		if (!claimed[i])
			out[k++] = c->subs[i];
	for (j = 0; j < c->ndeps; j++) {
		struct cmfv_chart_dep *r = &c->deps[j];

		for (i = 0; i < c->nsubs; i++) {
			if (!dep_matches(r, c->subs[i]))
				continue;
			out[k] = clone(c->subs[i]);
			if (out[k] && r->alias[0]) {
				char *nm = cmfv_strdup(r->alias);

				cmfv_free(out[k]->name);
				out[k]->name = nm;
				if (nm == NULL) {
					cmfv_chart_free(out[k]);
					out[k] = NULL;
				}
			}
			if (out[k] == NULL)
				goto oom;
			k++;
			break;
		}
		if (r->alias[0]) {
			char *nm = cmfv_strdup(r->alias);

			if (nm == NULL)
				goto oom;
			cmfv_free(r->name);
			r->name = nm;
		}
	}
	for (i = 0; i < c->nsubs; i++)
		if (claimed[i])
			cmfv_chart_free(c->subs[i]);
	cmfv_free(c->subs);
	cmfv_free(claimed);
	c->subs = out;
	c->nsubs = k;
	return CMFV_OK;
oom:
	for (i = 0; i < k; i++) {
		for (j = 0; j < c->nsubs; j++)
			if (out[i] == c->subs[j])
				break;
		if (j == c->nsubs)
			cmfv_chart_free(out[i]);
	}
	cmfv_free(out);
	cmfv_free(claimed);
	return CMFV_ENOMEM;
}

static int removed(const struct cmfv_chart *c, const char *name)
{
	size_t j;

	for (j = 0; j < c->ndeps; j++)
		if (!c->deps[j].enabled && strcmp(c->deps[j].name, name) == 0)
			return 1;
	return 0;
}

/* Helm keeps a chart's subcharts in the order it walked charts/, a Go map:
 * random. Two of one name are harmless when dependency entries pick each
 * by its version (each entry matching one); two that no entry claims (or
 * any two under a chart whose dependencies are not processed), or an entry
 * matching both, are decided by that order: refused. */
static enum cmfv_err random_pick(const struct cmfv_chart *c, const struct cmfv_chart *a,
				 const struct cmfv_chart *b, struct cmfv_diag *d)
{
	return cmfv_diag_set(d, CMFV_EINPUT, b->where, 0, 0,
			     "two charts in %s/charts are named %s (%s and %s); Helm picks one at "
			     "random, cannot verify",
			     c->chart_name, a->name, a->where, b->where);
}

static int claimed(const struct cmfv_chart *c, const struct cmfv_chart *sc)
{
	size_t j;

	for (j = 0; c->has_deps && j < c->ndeps; j++)
		if (dep_matches(&c->deps[j], sc))
			return 1;
	return 0;
}

/* \p all: the dependencies of \p c and below are not processed */
static enum cmfv_err order_free(const struct cmfv_chart *c, int all, struct cmfv_diag *d)
{
	size_t i, j, k;
	enum cmfv_err e = CMFV_OK;

	for (i = 0; i < c->nsubs && e == CMFV_OK; i++)
		for (j = i + 1; j < c->nsubs && e == CMFV_OK; j++) {
			const struct cmfv_chart *a = c->subs[i], *b = c->subs[j];
			int both = 0;

			if (strcmp(a->name, b->name) != 0)
				continue;
			for (k = 0; !all && k < c->ndeps; k++)
				both |= dep_matches(&c->deps[k], a) && dep_matches(&c->deps[k], b);
			if (all || both || (!claimed(c, a) && !claimed(c, b)))
				e = random_pick(c, a, b, d);
		}
	for (i = 0; all && i < c->nsubs && e == CMFV_OK; i++)
		e = order_free(c->subs[i], 1, d);
	return e;
}

/* Drop the subcharts and entries that tags and conditions disabled. */
static void drop_disabled(struct cmfv_chart *c)
{
	size_t i, k = 0, nd = c->ndeps;

	for (i = 0; i < c->nsubs; i++) {
		if (removed(c, c->subs[i]->name))
			cmfv_chart_free(c->subs[i]);
		else
			c->subs[k++] = c->subs[i];
	}
	c->nsubs = k;
	/* entries: the kept ones first; the removed ones are freed after */
	for (i = 0, k = 0; i < nd; i++) {
		if (!removed(c, c->deps[i].name)) {
			struct cmfv_chart_dep t = c->deps[i];

			memmove(&c->deps[k + 1], &c->deps[k], (i - k) * sizeof(t));
			c->deps[k++] = t;
		}
	}
	for (i = k; i < nd; i++)
		cmfv_chart_dep_free(&c->deps[i]);
	c->ndeps = k;
}

/* processDependencyEnabled */
static enum cmfv_err dep_enabled(struct cmfv_chart *c, const struct cmfv_node *v,
				 const char *prefix, int major, struct cmfv_diag *d)
{
	struct cmfv_node *cvals = NULL;
	enum cmfv_err e;
	size_t i;

	/* Helm goes no deeper than a chart without dependencies; the values
	 * of what is below still merge in charts/ order */
	e = order_free(c, !c->has_deps, d);
	if (e != CMFV_OK || !c->has_deps)
		return e;
	if (resolve_subs(c) != CMFV_OK)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; i < c->ndeps; i++)
		c->deps[i].enabled = 1;
	e = cmfv_chart_coalesce_values(c, v, 0, major, &cvals, d);
	if (e != CMFV_OK)
		return e;
	dep_tags(c, cvals);
	if (dep_conditions(c, cvals, prefix) != CMFV_OK) {
		cmfv_node_free(cvals);
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	/* the removed names are known only while the entries are there */
	drop_disabled(c);
	for (i = 0; i < c->nsubs && e == CMFV_OK; i++) {
		struct cmfv_buf sub = {0};

		cmfv_buf_printf(&sub, "%s%s.", prefix, c->subs[i]->name);
		e = sub.failed ? cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory")
			       : dep_enabled(c->subs[i], cvals, sub.ptr, major, d);
		cmfv_buf_free(&sub);
	}
	cmfv_node_free(cvals);
	return e;
}

enum cmfv_err cmfv_chart_values(struct cmfv_chart *c, struct cmfv_node *user, int helm_major,
				struct cmfv_node **out, struct cmfv_diag *d)
{
	int major = helm_major == 3 ? 3 : 4;
	enum cmfv_err e = dep_enabled(c, user, "", major, d);

	if (e == CMFV_OK)
		e = cmfv_chart_dep_imports(c, major, d);
	if (e != CMFV_OK && cmfv_chart_over(c)) {
		cmfv_node_free(user);
		return cmfv_chart_over_fail(c, d);
	}
	if (e == CMFV_OK && c->nsubs == 0) {
		/* no subcharts: the one-chart coalesce, which is built for size */
		struct cmfv_node *defaults = cmfv_node_copy(c->values);

		if (defaults == NULL) {
			cmfv_node_free(user);
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		}
		if (cmfv_values_coalesce(defaults, user, major, out) != CMFV_OK)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		return CMFV_OK;
	}
	if (e == CMFV_OK)
		e = cmfv_chart_coalesce_values(c, user, 0, major, out, d);
	cmfv_node_free(user);
	return e != CMFV_OK && cmfv_chart_over(c) ? cmfv_chart_over_fail(c, d) : e;
}

/* A subchart path joins names with '.', and a name may hold dots itself
 * (Helm takes a chart named "1.5", or "9.223372e+18" from a big number):
 * each step takes a name the rest starts with, followed by '.' or the end,
 * and backs off when the rest leads nowhere. A chart (or table) has one
 * path from the root, so each is tried at one place of \p p: linear. */
static const struct cmfv_chart *sub_walk(const struct cmfv_chart *c, const char *p)
{
	const struct cmfv_chart *got = NULL;
	size_t i;

	if (*p == '\0')
		return c;
	for (i = 0; i < c->nsubs && got == NULL; i++) {
		size_t n = strlen(c->subs[i]->name);

		if (strncmp(c->subs[i]->name, p, n) == 0 && (p[n] == '.' || p[n] == '\0'))
			got = sub_walk(c->subs[i], p[n] ? p + n + 1 : p + n);
	}
	return got;
}

const struct cmfv_chart *cmfv_chart_sub(const struct cmfv_chart *root, const char *path)
{
	return sub_walk(root, path);
}

const struct cmfv_node *cmfv_chart_sub_values(const struct cmfv_node *values, const char *path)
{
	const struct cmfv_node *v = *path ? cmfv_chart_table(values, path) : values;

	return cmfv_is_map(v) ? v : NULL;
}

static enum cmfv_err find(const struct cmfv_chart *c, const char *name, struct cmfv_buf *path,
			  cmfv_chart_visit_fn fn, void *ctx)
{
	size_t i, len = path->len;
	enum cmfv_err e = CMFV_OK;

	/* Helm never renders a library chart's templates (its subcharts, yes) */
	if (strcmp(c->chart_name, name) == 0 && strcmp(c->type, "library") != 0)
		e = fn(ctx, c, path->ptr ? path->ptr : "");
	for (i = 0; i < c->nsubs && e == CMFV_OK; i++) {
		cmfv_buf_printf(path, "%s%s", len ? "." : "", c->subs[i]->name);
		if (path->failed)
			return CMFV_ENOMEM;
		e = find(c->subs[i], name, path, fn, ctx);
		path->len = len;
		path->ptr[len] = '\0';
	}
	return e;
}

enum cmfv_err cmfv_chart_find(const struct cmfv_chart *root, const char *name,
			      cmfv_chart_visit_fn fn, void *ctx)
{
	struct cmfv_buf path = {0};
	enum cmfv_err e = find(root, name, &path, fn, ctx);

	cmfv_buf_free(&path);
	return e;
}

int cmfv_chart_has_library(const struct cmfv_chart *root, const char *name)
{
	size_t i;

	if (strcmp(root->chart_name, name) == 0 && strcmp(root->type, "library") == 0)
		return 1;
	for (i = 0; i < root->nsubs; i++)
		if (cmfv_chart_has_library(root->subs[i], name))
			return 1;
	return 0;
}
