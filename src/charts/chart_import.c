/* import-values, as Helm's processImportValues applies them (Helm 3:
 * pkg/chartutil/dependencies.go; Helm 4: pkg/chart/v2/util). */
#include <stdio.h>
#include <string.h>

#include "chart_budget.h"
#include "chart_values_int.h"
#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/scalar.h"

static const struct cmfv_loc NOLOC = {NULL, 0, 0};

/* fmt.Sprintf("%v", x) of a value decoded from JSON (numbers are float64):
 * what Helm 4 makes of a child/parent that is not a string. */
static void go_v(struct cmfv_buf *b, const struct cmfv_node *v)
{
	char num[40];
	size_t i;

	if (v == NULL || v->kind == CMFV_NULL) {
		cmfv_buf_printf(b, "<nil>");
	} else if (v->kind == CMFV_BOOL) {
		cmfv_buf_printf(b, "%s", v->u.b ? "true" : "false");
	} else if (v->kind == CMFV_FLOAT || v->kind == CMFV_INT) {
		/* the JSON trip made every number a float64 */
		cmfv_format_float_g(v->kind == CMFV_FLOAT ? v->u.f
				    : v->uint		  ? (double)(uint64_t)v->u.i
							  : (double)v->u.i,
				    num, sizeof(num));
		cmfv_buf_printf(b, "%s", num);
	} else if (v->kind == CMFV_STR) {
		cmfv_buf_printf(b, "%s", v->u.s.ptr);
	} else if (v->kind == CMFV_SEQ) {
		cmfv_buf_printf(b, "[");
		for (i = 0; i < v->u.seq.n; i++) {
			cmfv_buf_printf(b, "%s", i ? " " : "");
			go_v(b, v->u.seq.v[i]);
		}
		cmfv_buf_printf(b, "]");
	} else {
		/* fmt prints a map's keys sorted */
		const struct cmfv_pair **ps = cmfv_calloc(v->u.map.n + 1, sizeof(*ps));
		size_t j;

		if (ps == NULL) {
			b->failed = 1;
			return;
		}
		for (i = 0; i < v->u.map.n; i++) {
			for (j = i; j > 0 && strcmp(ps[j - 1]->key, v->u.map.v[i].key) > 0; j--)
				ps[j] = ps[j - 1];
			ps[j] = &v->u.map.v[i];
		}
		cmfv_buf_printf(b, "map[");
		for (i = 0; i < v->u.map.n; i++) {
			cmfv_buf_printf(b, "%s%s:", i ? " " : "", ps[i]->key);
			go_v(b, ps[i]->val);
		}
		cmfv_buf_printf(b, "]");
		cmfv_free(ps);
	}
}

/* Helm's import code shares Go maps: Values.Table hands out the table
 * inside cvals itself, MergeTables stores a src table into dst as is, and
 * a later merge into that entry writes into cvals; Helm 4 also writes each
 * of dst's nulls into src. Both show in the result (a child's exports pick
 * up keys of another child's, nulls reach the subchart), so the merge runs
 * here on a graph of shared maps, as Go's does. */
struct gmap;

struct gval {
	struct gmap *m;		      /* a table, or NULL */
	const struct cmfv_node *leaf; /* else: borrowed from cvals; NULL is Go's nil */
};

struct gent {
	char *key;
	struct gval v;
};

struct gmap {
	struct gent *v;
	size_t n, cap;
	struct gmap *all;      /* every map made, for freeing */
	struct cmfv_node *idx; /* key -> position (a CMFV_INT), from IDX_MIN keys on */
};

/* A linear lookup per key made a chart of 200,000 keys with a dependency
 * take minutes (issue 13): bigger maps are indexed. */
#define IDX_MIN 16

struct graph {
	struct gmap *all;
	int failed;
};

static struct gmap *gmap_new(struct graph *g)
{
	struct gmap *m = cmfv_calloc(1, sizeof(*m));

	if (m == NULL) {
		g->failed = 1;
		return NULL;
	}
	m->all = g->all;
	g->all = m;
	return m;
}

static void graph_free(struct graph *g)
{
	while (g->all) {
		struct gmap *m = g->all;
		size_t i;

		g->all = m->all;
		for (i = 0; i < m->n; i++)
			cmfv_free(m->v[i].key);
		cmfv_free(m->v);
		cmfv_node_free(m->idx);
		cmfv_free(m);
	}
}

static struct gval *gmap_get(struct gmap *m, const char *key)
{
	size_t i;

	if (m->idx) {
		const struct cmfv_node *at = cmfv_map_get(m->idx, key);

		return at ? &m->v[at->u.i].v : NULL;
	}
	for (i = 0; i < m->n; i++)
		if (strcmp(m->v[i].key, key) == 0)
			return &m->v[i].v;
	return NULL;
}

/* Index the keys of \p m from position \p from on; 0 when out of memory. */
static int index_from(struct gmap *m, size_t from)
{
	size_t i;

	if (m->idx == NULL && (m->idx = cmfv_node_new(CMFV_MAP, NOLOC)) == NULL)
		return 0;
	for (i = from; i < m->n; i++) {
		struct cmfv_node *at = cmfv_node_new(CMFV_INT, NOLOC);

		if (at == NULL)
			return 0;
		at->u.i = (int64_t)i;
		if (cmfv_map_set(m->idx, m->v[i].key, NOLOC, at) != CMFV_OK)
			return 0;
	}
	return 1;
}

static void gmap_set(struct graph *g, struct gmap *m, const char *key, struct gval v)
{
	struct gval *old = gmap_get(m, key);

	if (old) {
		*old = v;
		return;
	}
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 8;
		void *nv = cmfv_realloc(m->v, nc * sizeof(*m->v));

		if (nv == NULL) {
			g->failed = 1;
			return;
		}
		m->v = nv;
		m->cap = nc;
	}
	if ((m->v[m->n].key = cmfv_strdup(key)) == NULL) {
		g->failed = 1;
		return;
	}
	m->v[m->n++].v = v;
	if (m->n >= IDX_MIN && !index_from(m, m->idx ? m->n - 1 : 0))
		g->failed = 1;
}

static int is_nil(struct gval v)
{
	return v.m == NULL && (v.leaf == NULL || v.leaf->kind == CMFV_NULL);
}

/* The graph of a value tree: a gmap for every map, leaves borrowed. */
static struct gmap *to_graph(struct graph *g, const struct cmfv_node *n)
{
	struct gmap *m = gmap_new(g);
	size_t i;

	for (i = 0; m && i < n->u.map.n && !g->failed; i++) {
		const struct cmfv_node *v = n->u.map.v[i].val;
		struct gval gv = {NULL, v};

		if (v->kind == CMFV_MAP)
			gv = (struct gval){to_graph(g, v), NULL};
		gmap_set(g, m, n->u.map.v[i].key, gv);
	}
	return m;
}

/* What from_graph may still make: shared maps are copied where they
 * appear, so imports can multiply a table; the run's budget bounds it. */
struct fg {
	int cycle, over;
	size_t left;
};

static int fg_take(struct fg *x, size_t k)
{
	if (k > x->left) {
		x->over = 1;
		return 0;
	}
	x->left -= k;
	return 1;
}

/* deepCopyMap: a value tree again. Shared maps are copied where they
 * appear; a map that holds itself (imports can make one) is refused. */
static struct cmfv_node *from_graph(const struct gmap *m, unsigned depth, struct fg *x)
{
	struct cmfv_node *n;
	size_t i;

	if (depth > 1000) {
		x->cycle = 1;
		return NULL;
	}
	n = fg_take(x, 1 + m->n) ? cmfv_node_new(CMFV_MAP, NOLOC) : NULL;
	for (i = 0; n && i < m->n; i++) {
		const struct gval *v = &m->v[i].v;
		struct cmfv_node *c =
		    v->m ? from_graph(v->m, depth + 1, x)
		    : v->leaf
			? (fg_take(x, cmfv_chart_nodes(v->leaf)) ? cmfv_node_copy(v->leaf) : NULL)
			: cmfv_node_new(CMFV_NULL, NOLOC);

		if (c == NULL || cmfv_map_set(n, m->v[i].key, NOLOC, c) != CMFV_OK) {
			cmfv_node_free(c);
			cmfv_node_free(n);
			return NULL;
		}
	}
	return n;
}

/* coalesceTablesFullKey(dst, src, merge = true) on shared maps. */
static void gmerge(struct graph *g, struct gmap *dst, struct gmap *src, int major, unsigned depth)
{
	size_t i;

	if (src == NULL || dst == NULL || depth > 1000 || g->failed)
		return;
	if (major >= 4)
		for (i = 0; i < dst->n; i++)
			if (is_nil(dst->v[i].v))
				gmap_set(g, src, dst->v[i].key, (struct gval){NULL, NULL});
	for (i = 0; i < src->n && !g->failed; i++) {
		struct gval sv = src->v[i].v, *dv = gmap_get(dst, src->v[i].key);

		if (dv == NULL)
			gmap_set(g, dst, src->v[i].key, sv); /* shared, not copied */
		else if (sv.m && dv->m && dv->m != sv.m)
			gmerge(g, dv->m, sv.m, major, depth + 1);
	}
}

/* Values.Table on the graph: the shared map itself. */
static struct gmap *gtable(struct gmap *m, const char *path)
{
	const char *p = path;

	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char *k = cmfv_strndup(p, n);
		struct gval *v = k && m ? gmap_get(m, k) : NULL;

		cmfv_free(k);
		m = v ? v->m : NULL;
		if (m == NULL || !dot)
			return m;
		p = dot + 1;
	}
}

/* pathToMap: new maps around the shared \p data; data itself for ".". */
static struct gmap *gpath(struct graph *g, const char *path, struct gmap *data)
{
	const char *end = path + strlen(path);

	if (strcmp(path, ".") == 0)
		return data;
	for (;;) {
		const char *dot = end;
		struct gmap *m;
		char *k;

		while (dot > path && dot[-1] != '.')
			dot--;
		m = gmap_new(g);
		k = cmfv_strndup(dot, (size_t)(end - dot));
		if (m == NULL || k == NULL) {
			cmfv_free(k);
			g->failed = 1;
			return NULL;
		}
		gmap_set(g, m, k, (struct gval){data, NULL});
		cmfv_free(k);
		data = m;
		if (dot == path)
			return data;
		end = dot - 1;
	}
}

/* One import-values item, merged into \p b. A child/parent entry that is
 * not two strings: Helm 3 panics on its type assertion (refused here),
 * Helm 4 prints it with %v. */
static enum cmfv_err import_one(const struct cmfv_chart_dep *r, const struct cmfv_node *iv,
				struct graph *g, struct gmap *cvals, struct gmap *b, int major,
				struct cmfv_diag *d)
{
	struct cmfv_buf child = {0}, parent = {0};
	struct gmap *t;

	if (iv->kind == CMFV_MAP) {
		const struct cmfv_node *ch = cmfv_map_get(iv, "child"),
				       *pa = cmfv_map_get(iv, "parent");

		if (major == 3 && (!cmfv_str(ch) || !cmfv_str(pa))) {
			const struct cmfv_node *bad = !cmfv_str(ch) ? ch : pa;
			const struct cmfv_loc *at = bad ? &bad->loc : &iv->loc;

			return cmfv_diag_set(
			    d, CMFV_EINPUT, at->file, at->line, at->col,
			    "import-values of dependency %s: \"%s\" must be a string (Helm 3 stops "
			    "on it: interface conversion: interface {} is %s, not string)",
			    r->name, !cmfv_str(ch) ? "child" : "parent",
			    bad == NULL || bad->kind == CMFV_NULL ? "nil"
			    : bad->kind == CMFV_BOOL		  ? "bool"
			    : bad->kind == CMFV_MAP		  ? "map[string]interface {}"
			    : bad->kind == CMFV_SEQ		  ? "[]interface {}"
								  : "float64");
		}
		cmfv_buf_printf(&child, "%s.", r->name);
		go_v(&child, ch);
		go_v(&parent, pa);
	} else if (iv->kind == CMFV_STR) {
		cmfv_buf_printf(&child, "%s.exports.%s", r->name, iv->u.s.ptr);
		cmfv_buf_printf(&parent, ".");
	} else {
		return CMFV_OK;
	}
	if (child.failed || parent.failed)
		g->failed = 1;
	/* a missing table: "ImportValues missing table", skipped */
	else if ((t = gtable(cvals, child.ptr)) != NULL)
		gmerge(g, b, gpath(g, parent.ptr, t), major, 0); /* MergeTables(b, ...) */
	cmfv_buf_free(&child);
	cmfv_buf_free(&parent);
	return g->failed ? cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory") : CMFV_OK;
}

/* processImportValues(c, merge = true) */
static enum cmfv_err import_values(struct cmfv_chart *c, int major, struct cmfv_diag *d)
{
	struct graph g = {NULL, 0};
	struct cmfv_node *cvals = NULL, *copy = NULL, *bt = NULL;
	struct gmap *gc, *b;
	size_t i, j;
	struct fg x = {0, 0, cmfv_chart_left(c)};
	enum cmfv_err e;

	if (!c->has_deps)
		return CMFV_OK;
	e = cmfv_chart_coalesce_values(c, NULL, 1, major, &cvals, d);
	if (e != CMFV_OK)
		return e;
	gc = to_graph(&g, cvals);
	b = gmap_new(&g);
	for (i = 0; i < c->ndeps && e == CMFV_OK && !g.failed; i++) {
		const struct cmfv_node *ivs = c->deps[i].import_values;

		for (j = 0; ivs && j < ivs->u.seq.n && e == CMFV_OK; j++)
			e = import_one(&c->deps[i], ivs->u.seq.v[j], &g, gc, b, major, d);
	}
	/* deepCopyMap(cvals), then the imports go under the parent's own */
	if (e == CMFV_OK && !g.failed) {
		copy = from_graph(gc, 0, &x);
		bt = copy ? from_graph(b, 0, &x) : NULL;
		/* what the copies took, or the budget crossed */
		cmfv_chart_charge(c, x.over ? (size_t)-1 : cmfv_chart_left(c) - x.left);
		if (x.over)
			e = cmfv_chart_over_fail(c, d);
		else if (x.cycle)
			e = cmfv_diag_set(d, CMFV_EINPUT, c->where, 0, 0,
					  "import-values of %s make a table that holds itself "
					  "(Helm cannot copy it either)",
					  c->chart_name);
		else if (bt == NULL || cmfv_chart_ctables(copy, bt, 1, major) != CMFV_OK)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		bt = NULL;
	} else if (e == CMFV_OK) {
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	graph_free(&g);
	cmfv_node_free(cvals);
	cmfv_node_free(bt);
	if (e != CMFV_OK) {
		cmfv_node_free(copy);
		return e;
	}
	cmfv_node_free(c->values);
	c->values = copy;
	return CMFV_OK;
}

/* processDependencyImportValues: children first. */
enum cmfv_err cmfv_chart_dep_imports(struct cmfv_chart *c, int major, struct cmfv_diag *d)
{
	size_t i;
	enum cmfv_err e = CMFV_OK;

	for (i = 0; i < c->nsubs && e == CMFV_OK; i++)
		e = cmfv_chart_dep_imports(c->subs[i], major, d);
	return e == CMFV_OK ? import_values(c, major, d) : e;
}
