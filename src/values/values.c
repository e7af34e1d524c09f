/* Helm's values pipeline: chart defaults, -f files, then the --set*
 * flags, merged and coalesced as `helm template/install` does. */
#include "cmfv/values.h"

#include <string.h>

#include "cmfv/chart.h"
#include "cmfv/json.h"

#include "values_int.h"

static enum cmfv_err apply_json_object(struct cmfv_node *base, const struct cmfv_set_flag *f,
				       struct cmfv_diag *d)
{
	struct cmfv_loc loc = {"--set", 0, f->index};
	struct cmfv_node *obj = NULL;
	const char *b, *end;
	size_t used = 0, len;
	enum cmfv_err e;

	/* Helm 4 unmarshals strings.TrimSpace(value) */
	vals_trim_space(f->arg, &b, &end);
	len = (size_t)(end - b);
	e = cmfv_json_parse(b, len, loc, 10000, &obj, &used, d);
	if (e == CMFV_OK) {
		while (used < len && strchr(" \t\r\n", b[used]))
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
	const char *b, *e;

	vals_trim_space(s, &b, &e);
	return b < e && *b == '{';
}

/* Nodes in the tree under \p n (depth bounded by the parsers: 10,000). */
static size_t count_nodes(const struct cmfv_node *n)
{
	size_t c = 1, i;

	if (n->kind == CMFV_MAP)
		for (i = 0; i < n->u.map.n; i++)
			c += count_nodes(n->u.map.v[i].val);
	else if (n->kind == CMFV_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			c += count_nodes(n->u.seq.v[i]);
	return c;
}

enum cmfv_err cmfv_values_build(const struct cmfv_values_input *in, struct cmfv_sources *src,
				struct cmfv_node **out, struct cmfv_diag *d)
{
	return cmfv_values_build_chart(in, src, NULL, out, d);
}

enum cmfv_err cmfv_values_build_chart(const struct cmfv_values_input *in, struct cmfv_sources *src,
				      struct cmfv_chart **chart_out, struct cmfv_node **out,
				      struct cmfv_diag *d)
{
	struct cmfv_chart *chart = NULL;
	struct cmfv_node *values = NULL;
	static const enum cmfv_set_kind order[] = {CMFV_SET_JSON, CMFV_SET, CMFV_SET_STRING,
						   CMFV_SET_FILE, CMFV_SET_LITERAL};
	struct cmfv_loc none = {NULL, 0, 0};
	size_t gaps_left = CMFV_SET_MAX_GAPS; /* one budget for every --set flag */
	struct cmfv_node *base = cmfv_node_new(CMFV_MAP, none), *defaults = NULL;
	int helm_major = in->helm_major ? in->helm_major : 4;
	enum cmfv_err e = CMFV_OK;
	size_t i, k, before = 0;

	if (base == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; i < in->nfiles && e == CMFV_OK; i++) {
		const struct cmfv_source *s;
		struct cmfv_node *cur;

		e = cmfv_values_read_file(src, in->files[i], "-f", &s, d);
		if (e == CMFV_OK)
			e = cmfv_values_parse_in(src, s, helm_major, &cur, d);
		if (e == CMFV_OK && cmfv_values_merge_maps(base, cur) != CMFV_OK)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	if (e == CMFV_OK && in->extra) {
		struct cmfv_node *cur = cmfv_node_copy(in->extra);

		if (cur == NULL || cmfv_values_merge_maps(base, cur) != CMFV_OK)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	/* what the --set flags add counts against the run's node budget */
	before = e == CMFV_OK && in->nsets ? count_nodes(base) : 0;
	/* Helm applies the flag kinds in a fixed order, whatever the command
	 * line says: --set-json, --set, --set-string, --set-file, --set-literal. */
	for (k = 0; k < sizeof(order) / sizeof(order[0]) && e == CMFV_OK; k++) {
		for (i = 0; i < in->nsets && e == CMFV_OK; i++) {
			const struct cmfv_set_flag *f = &in->sets[i];

			if (f->kind != order[k])
				continue;
			if (f->kind == CMFV_SET_JSON && helm_major >= 4 &&
			    is_json_object_arg(f->arg))
				e = apply_json_object(base, f, d);
			else
				e = cmfv_strvals_apply_full(base, f, helm_major, src, &gaps_left,
							    d);
		}
	}
	if (e == CMFV_OK && in->nsets) {
		size_t after = count_nodes(base);

		e = cmfv_values_count_in(src, after > before ? after - before : 0,
					 "the --set flags", d);
	}
	if (e == CMFV_OK && in->chart_dir) {
		/* the chart after the values, as Helm loads it after them */
		e = cmfv_chart_load(in->chart_dir, helm_major, src, &chart, d);
		if (e != CMFV_OK) {
			cmfv_node_free(base);
		} else {
			e = cmfv_chart_values(chart, base, helm_major, &values, d);
			base = NULL;
		}
		if (e == CMFV_OK)
			e = cmfv_chart_kube_check(chart, in->kube_version, helm_major, d);
		if (e == CMFV_OK && chart_out) {
			*chart_out = chart;
			chart = NULL;
		}
		cmfv_chart_free(chart);
		if (e == CMFV_OK)
			*out = values;
		else
			cmfv_node_free(values);
		return e;
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
