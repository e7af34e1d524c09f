/* Flux: helm-controller's MergeMaps and its targetPath sharing, for flux.c.
 * fluxcd/pkg chartutil/values.go ChartValuesFromReferences (148-256) and
 * chartutil/merge.go MergeMaps, ported as the Go code behaves, not as the
 * docs describe it.
 *
 * Go maps are references. MergeMaps(a, b) makes a new map at each level
 * where both sides hold a map, and otherwise stores b's (or a's) value
 * itself, so the result shares whole subtrees with the inline values. A
 * targetPath is then written into the result in place (strvals.ParseInto):
 * when it lands inside a shared subtree, the inline values change too, and
 * the final MergeMaps(result, inline) keeps the targetPath value. This file
 * models that sharing with the set of paths at which the result and the
 * inline values hold the same map or list. */
#define _XOPEN_SOURCE 700
#include "flux_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"

void flux_pathset_free(struct pathset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		cmfv_free(s->v[i]);
	cmfv_free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int pathset_add(struct pathset *s, const char *p, size_t n)
{
	return gitops_push_str(&s->v, &s->n, cmfv_strndup(p, n));
}

static size_t push_key(struct cmfv_buf *b, const char *k)
{
	size_t at = b->len;

	cmfv_buf_printf(b, "%zu:%s", strlen(k), k);
	return at;
}

static int has_prefix(const char *s, const char *p, size_t n)
{
	return strncmp(s, p, n) == 0;
}

struct merge {
	const struct pathset *a_sh;
	struct pathset *out_sh;
	int b_inline;
	int failed;
};

/* MergeMaps(a, b) into the new map \p out, at path \p path. */
static void merge_rec(struct merge *m, struct cmfv_node *out, const struct cmfv_node *a,
		      const struct cmfv_node *b, struct cmfv_buf *path)
{
	size_t i, j;

	if (path->failed) {
		m->failed = 1;
		return;
	}
	for (i = 0; a && i < a->u.map.n; i++) {
		const struct cmfv_pair *pa = &a->u.map.v[i];
		struct cmfv_node *c = cmfv_node_copy(pa->val);
		size_t at = push_key(path, pa->key);

		if (c == NULL || cmfv_map_set(out, pa->key, pa->key_loc, c) != CMFV_OK ||
		    path->failed) {
			m->failed = 1;
			return;
		}
		/* a's value survives unless b has the key: its sharing with it */
		if (cmfv_map_get(b, pa->key) == NULL)
			for (j = 0; j < m->a_sh->n; j++)
				if (has_prefix(m->a_sh->v[j], path->ptr, path->len) &&
				    pathset_add(m->out_sh, m->a_sh->v[j], strlen(m->a_sh->v[j])) !=
					0)
					m->failed = 1;
		path->len = at;
	}
	for (i = 0; b && i < b->u.map.n; i++) {
		const struct cmfv_pair *pb = &b->u.map.v[i];
		const struct cmfv_node *av = a ? cmfv_map_get(a, pb->key) : NULL;
		size_t at = push_key(path, pb->key);
		struct cmfv_node *c;

		if (path->failed) {
			m->failed = 1;
			return;
		}
		if (pb->val->kind == CMFV_MAP && av && av->kind == CMFV_MAP) {
			c = cmfv_node_new(CMFV_MAP, pb->val->loc);
			if (c)
				merge_rec(m, c, av, pb->val, path);
		} else {
			c = cmfv_node_copy(pb->val);
			if (m->b_inline &&
			    (pb->val->kind == CMFV_MAP || pb->val->kind == CMFV_SEQ) &&
			    pathset_add(m->out_sh, path->ptr, path->len) != 0)
				m->failed = 1;
		}
		if (c == NULL || cmfv_map_set(out, pb->key, pb->key_loc, c) != CMFV_OK)
			m->failed = 1;
		path->len = at;
	}
}

/* out = MergeMaps(a, b); \p a_sh: where a shares with the inline values;
 * \p out_sh: where out does. b is the inline values when \p b_inline. */
enum cmfv_err flux_go_merge(const struct cmfv_node *a, const struct pathset *a_sh,
			    const struct cmfv_node *b, int b_inline, struct cmfv_node **out,
			    struct pathset *out_sh)
{
	struct cmfv_loc none = {NULL, 0, 0};
	struct merge m = {a_sh, out_sh, b_inline, 0};
	struct cmfv_buf path = {0};

	*out = cmfv_node_new(CMFV_MAP, none);
	cmfv_buf_add(&path, "", 1);
	path.len = 0;
	if (*out)
		merge_rec(&m, *out, a, b, &path);
	m.failed |= path.failed;
	cmfv_buf_free(&path);
	if (*out == NULL || m.failed) {
		cmfv_node_free(*out);
		*out = NULL;
		flux_pathset_free(out_sh);
		return CMFV_ENOMEM;
	}
	return CMFV_OK;
}

/* The path a --set argument writes: applied to an empty map, it leaves one
 * chain of maps and lists; \p *leaf gets its encoding. */
enum cmfv_err flux_target_path(const struct cmfv_set_flag *f, struct cmfv_sources *src,
			       struct cmfv_buf *enc, struct cmfv_diag *d)
{
	struct cmfv_loc none = {NULL, 0, 0};
	struct cmfv_node *m = cmfv_node_new(CMFV_MAP, none);
	const struct cmfv_node *n;
	enum cmfv_err e;

	if (m == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	e = cmfv_strvals_apply_as(m, f, 3, src, d); /* helm-controller: Helm 3 SDK */
	for (n = m; e == CMFV_OK && n;) {
		if (n->kind == CMFV_MAP && n->u.map.n == 1) {
			push_key(enc, n->u.map.v[0].key);
			n = n->u.map.v[0].val;
		} else if (n->kind == CMFV_SEQ && n->u.seq.n > 0) {
			cmfv_buf_printf(enc, "#%zu;", n->u.seq.n - 1);
			n = n->u.seq.v[n->u.seq.n - 1];
		} else {
			n = NULL;
		}
	}
	cmfv_node_free(m);
	if (e == CMFV_OK && enc->failed)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	return e;
}

/* The pair of \p map whose key is the \p len bytes at \p key (no
 * allocation: a failed one must not look like an absent key). */
static struct cmfv_pair *pair_of(const struct cmfv_node *map, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < map->u.map.n; i++)
		if (strlen(map->u.map.v[i].key) == len &&
		    memcmp(map->u.map.v[i].key, key, len) == 0)
			return &map->u.map.v[i];
	return NULL;
}

/* The node at encoded path \p p (map keys only, with \p parent's pair). */
struct cmfv_node *flux_at_path(struct cmfv_node *root, const char *p, size_t n,
			       struct cmfv_pair **pair)
{
	struct cmfv_node *cur = root;
	const char *end = p + n;

	*pair = NULL;
	while (p < end && cur) {
		char *colon;
		unsigned long len;

		if (*p == '#') {
			unsigned long idx = strtoul(p + 1, &colon, 10);

			if (cur->kind != CMFV_SEQ || idx >= cur->u.seq.n)
				return NULL;
			cur = cur->u.seq.v[idx];
			*pair = NULL;
			p = colon + 1;
			continue;
		}
		len = strtoul(p, &colon, 10);
		*pair = cur->kind == CMFV_MAP ? pair_of(cur, colon + 1, len) : NULL;
		cur = *pair ? (*pair)->val : NULL;
		p = colon + 1 + len;
	}
	return cur;
}

/* After strvals wrote \p t into \p result: whatever it changed inside a
 * subtree shared with \p inline changed there too. */
enum cmfv_err flux_propagate(struct cmfv_node *result, struct cmfv_node *inl, struct pathset *sh,
			     const char *t, size_t tn, size_t *oldlen)
{
	size_t i, k = 0;

	for (i = 0; i < sh->n; i++) {
		const char *p = sh->v[i];
		size_t pn = strlen(p);
		struct cmfv_pair *rp, *ip;
		struct cmfv_node *rv, *iv, *c;
		int keep = 1;

		if (pn >= tn && has_prefix(p, t, tn)) {
			keep = 0; /* the target replaced the shared object, or an ancestor of it */
		} else if (pn < tn && has_prefix(t, p, pn)) {
			rv = flux_at_path(result, p, pn, &rp);
			iv = flux_at_path(inl, p, pn, &ip);
			if (rv == NULL || iv == NULL || ip == NULL) {
				keep = 0;
			} else if (rv->kind == CMFV_SEQ && rv->u.seq.n != oldlen[i]) {
				keep = 0; /* strvals grew the list: a new array, not shared */
			} else {
				c = cmfv_node_copy(rv);
				if (c == NULL)
					return CMFV_ENOMEM;
				cmfv_node_free(ip->val);
				ip->val = c;
			}
		}
		if (keep)
			sh->v[k++] = sh->v[i];
		else
			cmfv_free(sh->v[i]);
	}
	sh->n = k;
	return CMFV_OK;
}
