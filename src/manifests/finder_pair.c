/* Pairing each instance with the ConfigMaps it mounts, read again from
 * the stream, their documents merged as CMF merges them. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/yaml.h"

#include "finder_int.h"

/* ------------------------------------------------------------- pairing */

/* The ConfigMap node of record \p c, from its document's tree. */
static const struct cmfv_node *cm_node(const struct cmfv_node *n, long want, long *seen, int depth)
{
	const struct cmfv_node *items, *r;
	size_t i;

	if (!cmfv_is_map(n))
		return NULL;
	if (depth > 0 && cmfv_str_is(cmfv_map_get(n, "kind"), "ConfigMap"))
		return (*seen)++ == want ? n : NULL;
	if (depth == 0 && want < 0)
		return n;
	if (!fnd_is_list(n))
		return NULL;
	items = cmfv_map_get(n, "items");
	for (i = 0; cmfv_is_seq(items) && i < items->u.seq.n; i++)
		if ((r = cm_node(items->u.seq.v[i], want, seen, depth + 1)) != NULL)
			return r;
	return NULL;
}

/* Read record \p c's document again and parse it. */
static enum cmfv_err fetch_doc(struct cmfv_finder *f, const struct cm_rec *c, cmfv_fetch_fn fetch,
			       void *ctx, char **text, struct cmfv_node **tree, struct cmfv_diag *d)
{
	struct cmfv_doc doc;
	struct cmfv_yaml_opts yo;
	enum cmfv_err e;

	*tree = NULL;
	*text = cmfv_malloc(c->len ? c->len : 1);
	if (*text == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	e = fetch(ctx, c->file, c->offset, *text, c->len, d);
	if (e != CMFV_OK)
		return e;
	memset(&doc, 0, sizeof(doc));
	doc.ptr = *text;
	doc.len = c->len;
	doc.line = c->line;
	memset(&yo, 0, sizeof(yo));
	yo.line_offset = doc.line > 0 ? (unsigned)doc.line - 1 : 0;
	fnd_budget(f, &yo);
	return cmfv_yaml_load(doc.ptr, doc.len, c->file, &yo, tree, d);
}

/* The exact name and namespace of record \p c's ConfigMap (read again). */
static enum cmfv_err read_name(struct cmfv_finder *f, const struct cm_rec *c, cmfv_fetch_fn fetch,
			       void *ctx, char *name, char *ns, size_t n, struct cmfv_diag *d)
{
	struct cmfv_node *tree = NULL;
	const struct cmfv_node *meta;
	char *text = NULL;
	long seen = 0;
	enum cmfv_err e = fetch_doc(f, c, fetch, ctx, &text, &tree, d);

	if (e == CMFV_OK) {
		meta = cmfv_map_get(cm_node(tree, c->item, &seen, 0), "metadata");
		fnd_copy_cstr(name, n, cmfv_str(cmfv_map_get(meta, "name")));
		fnd_copy_cstr(ns, n, cmfv_str(cmfv_map_get(meta, "namespace")));
	}
	cmfv_node_free(tree);
	cmfv_free(text);
	return e;
}

/* Are two namespaces the same: 1 certainly, 0 certainly not, -1 cannot
 * tell. A document without one goes to the release namespace, known only
 * from -n. */
static int same_ns(const struct cmfv_finder *f, const char *a, const char *b)
{
	const char *rel = f->o->namespace && f->o->namespace[0] ? f->o->namespace : NULL;

	if (!a[0] && rel)
		a = rel;
	if (!b[0] && rel)
		b = rel;
	if (!a[0] != !b[0])
		return -1; /* one explicit, the other the release's, which is unknown */
	return strcmp(a, b) == 0;
}

/* Is \p path a setting we decide on, or a map above one? */
static int is_watched(const char *path)
{
	size_t i, n = strlen(path);

	for (i = 0; fnd_watched[i]; i++)
		if (strncmp(fnd_watched[i], path, n) == 0 &&
		    (fnd_watched[i][n] == '\0' || fnd_watched[i][n] == '.'))
			return 1;
	return 0;
}

struct merge {
	struct cmfv_node *acc;
	struct cmfv_loc at; /* flat locations: every node at the ConfigMap value */
	int flat;
};

static void set_locs(struct cmfv_node *n, struct cmfv_loc at)
{
	size_t i;

	if (n == NULL)
		return;
	n->loc = at;
	if (n->kind == CMFV_MAP)
		for (i = 0; i < n->u.map.n; i++) {
			n->u.map.v[i].key_loc = at;
			set_locs(n->u.map.v[i].val, at);
		}
	else if (n->kind == CMFV_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			set_locs(n->u.seq.v[i], at);
}

/* Later documents of the file win, as in a multi-document configuration;
 * a setting we decide on may not be given two different values. */
static enum cmfv_err merge_into(struct cmfv_node *dst, struct cmfv_node *src, char *path,
				size_t plen, struct cmfv_diag *d)
{
	size_t i;
	enum cmfv_err e = CMFV_OK;

	for (i = 0; i < src->u.map.n && e == CMFV_OK; i++) {
		struct cmfv_pair *sp = &src->u.map.v[i];
		struct cmfv_pair *dp = cmfv_map_get_pair(dst, sp->key);
		size_t n = strlen(path);

		snprintf(path + n, plen - n, "%s%s", n ? "." : "", sp->key);
		if (dp && cmfv_is_map(dp->val) && cmfv_is_map(sp->val)) {
			e = merge_into(dp->val, sp->val, path, plen, d);
		} else if (dp && is_watched(path) &&
			   (cmfv_is_map(dp->val) || cmfv_is_map(sp->val) ||
			    !fnd_same_scalar(dp->val, sp->val))) {
			e = cmfv_diag_set(
			    d, CMFV_EINPUT, sp->key_loc.file, sp->key_loc.line, sp->key_loc.col,
			    "the CMF configuration sets %s again, differently (first at "
			    "line %u): cmf-validate cannot tell which one CMF reads",
			    path, dp->key_loc.line);
		} else {
			struct cmfv_node *v = sp->val;

			sp->val = cmfv_node_new(CMFV_NULL, sp->key_loc);
			if (sp->val == NULL) {
				sp->val = v;
				e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			} else {
				e = cmfv_map_set(dst, sp->key, sp->key_loc, v);
				if (e == CMFV_ENOMEM)
					cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			}
		}
		path[n] = '\0';
	}
	return e;
}

static enum cmfv_err merge_doc(void *ctx, struct cmfv_node *doc, struct cmfv_diag *d)
{
	struct merge *m = ctx;
	char path[512] = "";
	enum cmfv_err e = CMFV_OK;

	if (cmfv_is_map(doc)) {
		if (m->flat)
			set_locs(doc, m->at);
		if (m->acc == NULL) {
			m->acc = doc;
			return CMFV_OK;
		}
		e = merge_into(m->acc, doc, path, sizeof(path), d);
	}
	cmfv_node_free(doc);
	return e;
}

/* Where the block scalar at \p v begins in \p text (starting at stream
 * line \p line): a literal `|` keeps lines, so its content maps to the
 * stream line by line at a fixed indentation. 0 when \p v is another
 * style (the locations then all point at the value). */
static int literal_at(const char *text, size_t len, unsigned long line, struct cmfv_loc v,
		      unsigned *indent)
{
	const char *p = text, *end = text + len;
	unsigned long l = line;
	unsigned col = 1;

	while (l < v.line && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			return 0;
		p = nl + 1;
		l++;
	}
	while (col < v.col && p < end && *p != '\n') {
		p++;
		while (p < end && ((unsigned char)*p & 0xC0) == 0x80)
			p++;
		col++;
	}
	if (p >= end || *p != '|')
		return 0;
	p++;
	while (p < end && (*p == '-' || *p == '+'))
		p++;
	if (p < end && *p >= '1' && *p <= '9')
		return 0; /* an indentation indicator: count on the flat form */
	p = memchr(p, '\n', (size_t)(end - p));
	while (p && ++p < end) {
		const char *q = p;

		while (q < end && *q == ' ')
			q++;
		if (q < end && *q != '\n' && *q != '\r') {
			*indent = (unsigned)(q - p);
			return 1;
		}
		p = memchr(q, '\n', (size_t)(end - q));
	}
	return 0;
}

/* ------------------------------------------------------------ pairing */

/* Read file \p k's text into the merged configuration \p m. */
static enum cmfv_err load_config(struct cmfv_finder *f, struct cmfv_instance *in, size_t k,
				 const struct cm_rec *c, cmfv_fetch_fn fetch, void *ctx,
				 struct merge *m, int *found, struct cmfv_diag *d)
{
	struct cmfv_node *tree = NULL;
	const struct cmfv_node *cm, *v;
	struct cmfv_yaml_opts yo;
	char *text = NULL;
	long seen = 0;
	unsigned indent = 0;
	enum cmfv_err e = fetch_doc(f, c, fetch, ctx, &text, &tree, d);

	*found = 0;
	if (e != CMFV_OK)
		goto out;
	cm = cm_node(tree, c->item, &seen, 0);
	v = cmfv_map_get(cmfv_map_get(cm, "data"), in->files[k].cm_key);
	if (v == NULL || v->kind != CMFV_STR)
		goto out;
	if (k == 0)
		in->cm_loc = v->loc;
	memset(&yo, 0, sizeof(yo));
	fnd_budget(f, &yo);
	yo.no_merge = 1; /* CMF's YAML reader and Helm's merge `<<` differently */
	m->flat = 0;
	if (literal_at(text, c->len, c->line, v->loc, &indent)) {
		yo.line_offset = v->loc.line;
		yo.col_offset = indent;
	} else {
		m->flat = 1;
		m->at = v->loc;
	}
	e = cmfv_yaml_load_all(v->u.s.ptr, v->u.s.len, c->file, &yo, merge_doc, m, d);
	*found = e == CMFV_OK;
out:
	cmfv_node_free(tree);
	cmfv_free(text);
	return e;
}

/* Pair file \p k of \p in with its ConfigMap: its state. */
static enum cmfv_err pair_file(struct cmfv_finder *f, struct cmfv_instance *in, size_t k,
			       cmfv_fetch_fn fetch, void *ctx, struct merge *m,
			       enum cmfv_cfg_state *st, struct cmfv_diag *d)
{
	const char *want_name = in->files[k].cm_name;
	uint64_t want = fnd_hash(want_name, strlen(want_name));
	size_t i, hits = 0, at = 0, unsure = 0, maybe = 0;
	int found = 0;
	enum cmfv_err e;

	for (i = 0; i < f->ncm; i++) {
		struct cm_rec *c = &f->cm[i];
		char name[254], ns[254];

		if (c->name_known && c->name_hash != want)
			continue;
		if ((e = read_name(f, c, fetch, ctx, name, ns, sizeof(name), d)) != CMFV_OK)
			return e;
		c->name_known = 1;
		c->name_hash = fnd_hash(name, strlen(name));
		if (strcmp(name, want_name) == 0) {
			int same = same_ns(f, ns, in->ns);

			if (same > 0) {
				hits++;
				at = i;
			} else if (same < 0) {
				unsure++;
				maybe = i;
			}
		}
	}
	/* a ConfigMap certainly in the Deployment's namespace is the one; else
	 * one that may be is a guess: refused (pass -n) */
	if (hits == 0 && unsure > 0) {
		*st = CMFV_CFG_AMBIGUOUS;
		in->ns_unsure = 1;
		(void)maybe;
		return CMFV_OK;
	}
	*st = hits > 1 ? CMFV_CFG_AMBIGUOUS : CMFV_CFG_MISSING;
	if (hits != 1)
		return CMFV_OK;
	e = load_config(f, in, k, &f->cm[at], fetch, ctx, m, &found, d);
	if (e == CMFV_OK && found)
		*st = CMFV_CFG_FOUND;
	return e;
}

static enum cmfv_err pair_one(struct cmfv_finder *f, struct cmfv_instance *in, cmfv_fetch_fn fetch,
			      void *ctx, struct cmfv_diag *d)
{
	struct merge m;
	enum cmfv_cfg_state worst = CMFV_CFG_FOUND, st;
	enum cmfv_err e = CMFV_OK;
	size_t k;

	memset(&m, 0, sizeof(m));
	for (k = 0; k < in->nfiles && e == CMFV_OK; k++) {
		e = pair_file(f, in, k, fetch, ctx, &m, &st, d);
		if (e == CMFV_OK && st > worst)
			worst = st;
	}
	if (e != CMFV_OK || worst != CMFV_CFG_FOUND) {
		cmfv_node_free(m.acc);
		in->cfg = e == CMFV_OK ? worst : in->cfg;
		return e;
	}
	in->config = m.acc ? m.acc : cmfv_node_new(CMFV_MAP, in->cm_loc);
	if (in->config == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	in->cfg = CMFV_CFG_FOUND;
	return fnd_canonical(in, d);
}

enum cmfv_err cmfv_finder_pair(struct cmfv_finder *f, cmfv_fetch_fn fetch, void *ctx,
			       struct cmfv_diag *d)
{
	size_t i, kept = 0;
	enum cmfv_err e;

	for (i = 0; i < f->n; i++)
		if (f->v[i].cfg == CMFV_CFG_MISSING && !f->v[i].problem[0] &&
		    (e = pair_one(f, &f->v[i], fetch, ctx, d)) != CMFV_OK)
			return e;
	/* hooks that run no CMF configuration are not CMF's: they pass */
	for (i = 0; i < f->n; i++) {
		if (f->v[i].hook && f->v[i].cfg != CMFV_CFG_FOUND) {
			fnd_free_instance(&f->v[i]);
			continue;
		}
		f->v[kept++] = f->v[i];
	}
	f->n = kept;
	return CMFV_OK;
}
