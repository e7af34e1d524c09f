/* mergeMaps (-f files over each other) and CoalesceValues (user values
 * over chart defaults, nulls deleting keys) as Helm 3 and 4 do them. */
#include "cmfv/values.h"

#include "cmfv/alloc.h"

#include "values_int.h"

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

			e = v ? cmfv_map_set(user, k, defaults->u.map.v[i].key_loc, v)
			      : CMFV_ENOMEM;
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
