/* import-values, as Helm's processImportValues applies them (Helm 3:
 * pkg/chartutil/dependencies.go; Helm 4: pkg/chart/v2/util). */
#include <stdio.h>
#include <string.h>

#include "chart_values_int.h"
#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/scalar.h"

static const struct cmfv_loc NOLOC = {NULL, 0, 0};

/* pathToMap: {a: {b: data}} for "a.b"; data itself for ".". Consumes \p data. */
static struct cmfv_node *path_to_map(const char *path, struct cmfv_node *data)
{
	const char *end;

	if (strcmp(path, ".") == 0)
		return data;
	end = path + strlen(path);
	for (;;) {
		const char *dot = end;
		struct cmfv_node *m;
		char *k;

		while (dot > path && dot[-1] != '.')
			dot--;
		m = cmfv_node_new(CMFV_MAP, NOLOC);
		k = cmfv_strndup(dot, (size_t)(end - dot));
		if (m == NULL || k == NULL || cmfv_map_set(m, k, NOLOC, data) != CMFV_OK) {
			if (m == NULL || k == NULL)
				cmfv_node_free(data);
			cmfv_node_free(m);
			cmfv_free(k);
			return NULL;
		}
		cmfv_free(k);
		data = m;
		if (dot == path)
			return data;
		end = dot - 1;
	}
}

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
		cmfv_format_float_g(v->kind == CMFV_INT ? (double)v->u.i : v->u.f, num, sizeof(num));
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

/* One import-values item: the child table it names, and where it goes.
 * A child/parent entry that is not two strings: Helm 3 panics on its
 * type assertion (refused here), Helm 4 prints it with %v. */
static enum cmfv_err import_one(const struct cmfv_chart_dep *r, const struct cmfv_node *iv,
				const struct cmfv_node *cvals, struct cmfv_node *b, int major,
				struct cmfv_diag *d)
{
	struct cmfv_buf child = {0}, parent = {0};
	const struct cmfv_node *t;
	struct cmfv_node *m;
	enum cmfv_err e = CMFV_OK;

	if (iv->kind == CMFV_MAP) {
		const struct cmfv_node *ch = cmfv_map_get(iv, "child"), *pa = cmfv_map_get(iv, "parent");

		if (major == 3 && (!cmfv_str(ch) || !cmfv_str(pa))) {
			const struct cmfv_node *bad = !cmfv_str(ch) ? ch : pa;
			const struct cmfv_loc *at = bad ? &bad->loc : &iv->loc;

			return cmfv_diag_set(d, CMFV_EINPUT, at->file, at->line, at->col,
					     "import-values of dependency %s: \"%s\" must be a string (Helm 3 stops on it: interface conversion: interface {} is %s, not string)",
					     r->name, !cmfv_str(ch) ? "child" : "parent",
					     bad == NULL || bad->kind == CMFV_NULL ? "nil"
					     : bad->kind == CMFV_BOOL		   ? "bool"
					     : bad->kind == CMFV_MAP		   ? "map[string]interface {}"
					     : bad->kind == CMFV_SEQ		   ? "[]interface {}"
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
	if (child.failed || parent.failed) {
		e = CMFV_ENOMEM;
		goto out;
	}
	t = cmfv_chart_table(cvals, child.ptr);
	if (t == NULL)
		goto out; /* "ImportValues missing table" */
	m = cmfv_node_copy(t);
	if (m == NULL || (m = path_to_map(parent.ptr, m)) == NULL) {
		e = CMFV_ENOMEM;
		goto out;
	}
	if (!cmfv_is_map(m))
		cmfv_node_free(m);
	else
		e = cmfv_chart_ctables(b, m, 1, major); /* MergeTables(b, ...) */
out:
	cmfv_buf_free(&child, 0);
	cmfv_buf_free(&parent, 0);
	return e == CMFV_ENOMEM ? cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory") : e;
}

/* processImportValues(c, merge = true) */
static enum cmfv_err import_values(struct cmfv_chart *c, int major, struct cmfv_diag *d)
{
	struct cmfv_node *cvals = NULL, *b;
	size_t i, j;
	enum cmfv_err e;

	if (!c->has_deps)
		return CMFV_OK;
	e = cmfv_chart_coalesce_values(c, NULL, 1, major, &cvals, d);
	if (e != CMFV_OK)
		return e;
	b = cmfv_node_new(CMFV_MAP, NOLOC);
	if (b == NULL)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; i < c->ndeps && e == CMFV_OK; i++) {
		const struct cmfv_node *ivs = c->deps[i].import_values;

		for (j = 0; ivs && j < ivs->u.seq.n && e == CMFV_OK; j++)
			e = import_one(&c->deps[i], ivs->u.seq.v[j], cvals, b, major, d);
	}
	/* imported values rank below the parent's own: b goes under cvals */
	if (e == CMFV_OK) {
		if (cmfv_chart_ctables(cvals, b, 1, major) != CMFV_OK)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		b = NULL;
	}
	cmfv_node_free(b);
	if (e != CMFV_OK) {
		cmfv_node_free(cvals);
		return e;
	}
	cmfv_node_free(c->values);
	c->values = cvals;
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
