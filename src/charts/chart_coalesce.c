/* CoalesceValues/MergeValues (pkg/chart/common/util/coalesce.go; Helm 3:
 * pkg/chartutil) over a chart tree: parent values over subchart defaults,
 * globals flowing down, nulls as each Helm major handles them. The
 * functions follow Helm's one for one, with its names in the comments. */
#include <stdio.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/chart.h"
#include "cmfv/values.h"
#include "chart_budget.h"
#include "chart_values_int.h"

static const struct cmfv_loc NOLOC = {NULL, 0, 0};

/* Take the value of pair i of \p m out, leaving a null behind. */
static struct cmfv_node *steal(struct cmfv_node *m, size_t i)
{
	struct cmfv_node *v = m->u.map.v[i].val, *nul = cmfv_node_new(CMFV_NULL, v->loc);

	if (nul == NULL)
		return NULL;
	m->u.map.v[i].val = nul;
	return v;
}

/* coalesceTablesFullKey(dst, src, merge); \p src is consumed. Helm 4 keeps
 * a user null whose chart value is null too (srcOriginalNonNil). */
enum cmfv_err cmfv_chart_ctables(struct cmfv_node *dst, struct cmfv_node *src, int merge, int major)
{
	size_t i, ndrop = dst->u.map.n;
	unsigned char *drop = NULL;
	enum cmfv_err e = CMFV_OK;

	for (i = 0; i < src->u.map.n && e == CMFV_OK; i++) {
		struct cmfv_pair *dp = cmfv_map_get_pair(dst, src->u.map.v[i].key);
		struct cmfv_node *val = src->u.map.v[i].val, *dv = dp ? dp->val : NULL;

		if (dv && !merge && dv->kind == CMFV_NULL &&
		    (major == 3 || val->kind != CMFV_NULL)) {
			size_t idx = (size_t)(dp - dst->u.map.v);

			if (idx < ndrop) {
				if (drop == NULL && (drop = cmfv_calloc(ndrop, 1)) == NULL)
					e = CMFV_ENOMEM;
				else
					drop[idx] = 1;
			}
		} else if (dv == NULL) {
			struct cmfv_node *v = steal(src, i);

			e = v ? cmfv_map_set(dst, src->u.map.v[i].key, src->u.map.v[i].key_loc, v)
			      : CMFV_ENOMEM;
		} else if (cmfv_is_map(val) && cmfv_is_map(dv)) {
			struct cmfv_node *v = steal(src, i);

			e = v ? cmfv_chart_ctables(dv, v, merge, major) : CMFV_ENOMEM;
		}
	}
	if (drop)
		cmfv_map_delete_flagged(dst, drop, ndrop);
	cmfv_free(drop);
	cmfv_node_free(src);
	return e;
}

static int is_sub(const struct cmfv_chart *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->nsubs; i++)
		if (strcmp(c->subs[i]->name, key) == 0)
			return 1;
	return 0;
}

/* coalesceValues: the chart's values (a copy) under \p v. */
static enum cmfv_err cvalues(const struct cmfv_chart *c, struct cmfv_node *v, int merge, int major)
{
	struct cmfv_node *vc = cmfv_node_copy(c->values);
	size_t i, ndrop = v->u.map.n;
	unsigned char *drop = NULL;
	enum cmfv_err e = CMFV_OK;

	if (vc == NULL)
		return CMFV_ENOMEM;
	for (i = 0; i < vc->u.map.n && e == CMFV_OK; i++) {
		const char *k = vc->u.map.v[i].key;
		struct cmfv_pair *up = cmfv_map_get_pair(v, k);
		struct cmfv_node *val = vc->u.map.v[i].val;

		if (up == NULL) {
			struct cmfv_node *s = steal(vc, i);

			e = s ? cmfv_map_set(v, k, vc->u.map.v[i].key_loc, s) : CMFV_ENOMEM;
		} else if (up->val->kind == CMFV_NULL && !merge) {
			size_t idx = (size_t)(up - v->u.map.v);

			if (idx < ndrop) {
				if (drop == NULL && (drop = cmfv_calloc(ndrop, 1)) == NULL)
					e = CMFV_ENOMEM;
				else
					drop[idx] = 1;
			}
		} else if (cmfv_is_map(up->val) && cmfv_is_map(val)) {
			struct cmfv_node *s = steal(vc, i);

			/* childChartMergeTrue: a subchart's table merges */
			e = s ? cmfv_chart_ctables(up->val, s, is_sub(c, k) ? 1 : merge, major)
			      : CMFV_ENOMEM;
		}
	}
	if (drop)
		cmfv_map_delete_flagged(v, drop, ndrop);
	cmfv_free(drop);
	cmfv_node_free(vc);
	return e;
}

/* coalesceGlobals(dest = the subchart's table, src = the parent's).
 * Sets \p *ran when the globals were copied (Helm skips them when either
 * side's global is not a table). */
static enum cmfv_err cglobals(const struct cmfv_chart *b, struct cmfv_node *dest,
			      const struct cmfv_node *src, int major, int *ran)
{
	struct cmfv_node *dg = cmfv_map_get(dest, "global"), *sg = cmfv_map_get(src, "global");
	struct cmfv_node *ng;
	size_t i;
	enum cmfv_err e = CMFV_OK;

	*ran = 0;
	if ((dg && !cmfv_is_map(dg)) || (sg && !cmfv_is_map(sg)))
		return CMFV_OK; /* Helm warns "skipping globals" */
	ng = dg ? cmfv_chart_copy(b, dg) : cmfv_node_new(CMFV_MAP, NOLOC);
	if (ng == NULL)
		return CMFV_ENOMEM;
	for (i = 0; sg && i < sg->u.map.n && e == CMFV_OK; i++) {
		const char *k = sg->u.map.v[i].key;
		struct cmfv_node *val = sg->u.map.v[i].val, *destv = cmfv_map_get(ng, k);
		struct cmfv_node *vv;

		if (cmfv_is_map(val) && destv && !cmfv_is_map(destv))
			continue; /* "cannot merge map onto non-map" */
		if (!cmfv_is_map(val) && destv && cmfv_is_map(destv))
			continue; /* "key is table. Skipping" */
		vv = cmfv_chart_copy(b, val);
		if (vv && cmfv_is_map(val) && destv) {
			struct cmfv_node *c = cmfv_chart_copy(b, destv);

			/* the parent's table wins, merging top-down */
			e = c ? cmfv_chart_ctables(vv, c, 1, major) : CMFV_ENOMEM;
		}
		if (e == CMFV_OK)
			e = vv ? cmfv_map_set(ng, k, sg->u.map.v[i].key_loc, vv) : CMFV_ENOMEM;
		else
			cmfv_node_free(vv);
	}
	if (e != CMFV_OK) {
		cmfv_node_free(ng);
		return e;
	}
	*ran = 1;
	return cmfv_map_set(dest, "global", NOLOC, ng);
}

/* Helm copies a parent's global tables one level deep (copyMap), so the
 * tables one level further down are the parent's own: whatever the
 * subchart merges into them (its own global defaults, its subcharts'),
 * the parent's .Values.global shows too. Copy them back. */
static enum cmfv_err share_back(const struct cmfv_chart *b, struct cmfv_node *parent,
				const struct cmfv_node *sub)
{
	struct cmfv_node *pg = cmfv_map_get(parent, "global");
	const struct cmfv_node *cg = cmfv_map_get(sub, "global");
	size_t i, j;

	if (!cmfv_is_map(pg) || !cmfv_is_map(cg))
		return CMFV_OK;
	for (i = 0; i < pg->u.map.n; i++) {
		struct cmfv_node *pk = pg->u.map.v[i].val;
		const struct cmfv_node *ck = cmfv_map_get(cg, pg->u.map.v[i].key);

		if (!cmfv_is_map(pk) || !cmfv_is_map(ck))
			continue;
		for (j = 0; j < pk->u.map.n; j++) {
			const struct cmfv_node *cv = cmfv_map_get(ck, pk->u.map.v[j].key);
			struct cmfv_node *c;

			if (!cmfv_is_map(pk->u.map.v[j].val) || !cmfv_is_map(cv))
				continue;
			c = cmfv_chart_copy(b, cv);
			if (c == NULL)
				return CMFV_ENOMEM;
			cmfv_node_free(pk->u.map.v[j].val);
			pk->u.map.v[j].val = c;
		}
	}
	return CMFV_OK;
}

/* The other way: a subchart processed before a sibling shares the same
 * tables, so it (and its own subcharts) sees what the sibling merged in. */
static enum cmfv_err share_down(const struct cmfv_node *parent, const struct cmfv_chart *c,
				struct cmfv_node *sub)
{
	const struct cmfv_node *pg = cmfv_map_get(parent, "global");
	struct cmfv_node *cg = cmfv_map_get(sub, "global");
	size_t i, j;

	if (!cmfv_is_map(pg) || !cmfv_is_map(cg))
		return CMFV_OK;
	for (i = 0; i < pg->u.map.n; i++) {
		const struct cmfv_node *pk = pg->u.map.v[i].val;
		struct cmfv_node *ck = cmfv_map_get(cg, pg->u.map.v[i].key);

		if (!cmfv_is_map(pk) || !cmfv_is_map(ck))
			continue;
		for (j = 0; j < pk->u.map.n; j++) {
			struct cmfv_pair *cp = cmfv_map_get_pair(ck, pk->u.map.v[j].key);
			struct cmfv_node *cv;

			if (!cmfv_is_map(pk->u.map.v[j].val) || cp == NULL || !cmfv_is_map(cp->val))
				continue;
			cv = cmfv_chart_copy(c, pk->u.map.v[j].val);
			if (cv == NULL)
				return CMFV_ENOMEM;
			cmfv_node_free(cp->val);
			cp->val = cv;
		}
	}
	for (i = 0; i < c->nsubs; i++) {
		struct cmfv_node *gs = cmfv_map_get(sub, c->subs[i]->name);

		if (cmfv_is_map(gs) && share_down(sub, c->subs[i], gs) != CMFV_OK)
			return CMFV_ENOMEM;
	}
	return CMFV_OK;
}

static enum cmfv_err coalesce(const struct cmfv_chart *c, struct cmfv_node *dest, int merge,
			      int major, struct cmfv_diag *d);

/* Go's %t of a value that is not a bool, as in "type mismatch on X: %t". */
static void go_t(const struct cmfv_node *v, char *buf, size_t n)
{
	switch (v->kind) {
	case CMFV_NULL:
		snprintf(buf, n, "%%!t(<nil>)");
		break;
	case CMFV_BOOL:
		snprintf(buf, n, "%s", v->u.b ? "true" : "false");
		break;
	case CMFV_INT:
		snprintf(buf, n, "%%!t(int64=%lld)", (long long)v->u.i);
		break;
	case CMFV_FLOAT:
		snprintf(buf, n, "%%!t(float64=%g)", v->u.f);
		break;
	case CMFV_STR:
		snprintf(buf, n, "%%!t(string=%.60s)", v->u.s.ptr);
		break;
	default:
		snprintf(buf, n, "[...]");
		break;
	}
}

/* coalesceDeps */
static enum cmfv_err cdeps(const struct cmfv_chart *c, struct cmfv_node *dest, int merge, int major,
			   struct cmfv_diag *d)
{
	size_t i;
	enum cmfv_err e = CMFV_OK;
	unsigned char *shared = cmfv_calloc(c->nsubs + 1, 1);

	if (shared == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; i < c->nsubs && e == CMFV_OK; i++) {
		const struct cmfv_chart *sub = c->subs[i];
		struct cmfv_node *cur = cmfv_map_get(dest, sub->name);
		int ran = 0;

		if (cur == NULL) {
			cur = cmfv_node_new(CMFV_MAP, NOLOC);
			if (cur == NULL || cmfv_map_set(dest, sub->name, NOLOC, cur) != CMFV_OK)
				e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		} else if (!cmfv_is_map(cur)) {
			char t[128];

			go_t(cur, t, sizeof(t));
			e = cmfv_diag_set(d, CMFV_EINPUT, cur->loc.file, cur->loc.line,
					  cur->loc.col, "type mismatch on %s: %s", sub->name, t);
		}
		if (e == CMFV_OK && cglobals(c, cur, dest, major, &ran) != CMFV_OK)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		if (e == CMFV_OK)
			e = coalesce(sub, cur, merge, major, d);
		shared[i] = (unsigned char)ran;
		if (e == CMFV_OK && ran && share_back(c, dest, cur) != CMFV_OK)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	for (i = 0; i < c->nsubs && e == CMFV_OK; i++) {
		struct cmfv_node *cur = cmfv_map_get(dest, c->subs[i]->name);

		if (shared[i] && cmfv_is_map(cur) && share_down(dest, c->subs[i], cur) != CMFV_OK)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	cmfv_free(shared);
	return e;
}

static enum cmfv_err coalesce(const struct cmfv_chart *c, struct cmfv_node *dest, int merge,
			      int major, struct cmfv_diag *d)
{
	if (cvalues(c, dest, merge, major) != CMFV_OK)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	return cdeps(c, dest, merge, major, d);
}

/* CoalesceValues (merge 0) / MergeValues (merge 1) over a copy of \p v. */
enum cmfv_err cmfv_chart_coalesce_values(const struct cmfv_chart *c, const struct cmfv_node *v,
					 int merge, int major, struct cmfv_node **out,
					 struct cmfv_diag *d)
{
	struct cmfv_node *dest = v ? cmfv_node_copy(v) : cmfv_node_new(CMFV_MAP, NOLOC);
	enum cmfv_err e;

	if (dest == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	e = coalesce(c, dest, merge, major, d);
	if (e != CMFV_OK) {
		cmfv_node_free(dest);
		return e;
	}
	*out = dest;
	return CMFV_OK;
}
