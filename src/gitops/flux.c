/* Flux: a HelmRelease's values as helm-controller computes them.
 * fluxcd/pkg chartutil/values.go ChartValuesFromReferences (148-256) and
 * chartutil/merge.go MergeMaps, ported as the Go code behaves, not as the
 * docs describe it.
 *
 * Go maps are references. MergeMaps(a, b) makes a new map at each level
 * where both sides hold a map, and otherwise stores b's (or a's) value
 * itself, so the result shares whole subtrees with the inline values. A
 * targetPath is then written into the result in place (strvals.ParseInto):
 * when it lands inside a shared subtree, the inline values change too, and
 * the final MergeMaps(result, inline) keeps the targetPath value.
 * flux_merge.c models that sharing with the set of paths at which the
 * result and the inline values hold the same map or list; this file reads
 * the HelmRelease, its chart source and valuesFrom. */
#define _XOPEN_SOURCE 700
#include "flux_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/key.h"
#include "cmfv/yaml.h"

struct ref_data {
	const char *text;
	size_t len;
	const struct cmfv_source *file;
	const struct cmfv_node *node; /* the data value (ConfigMap) */
	struct cmfv_loc loc;
	char *owned; /* decoded Secret data, wiped on free */
};

struct flux_ctx {
	const struct cmfv_flux_objects *objs;
	const struct cmfv_source *file;
	struct cmfv_sources *src;
	const char *repo_root;
	const char *chart;
	int helm_major;
	const struct cmfv_node *doc;
	const char *ns;
	struct cmfv_plan *plans;
	size_t nplans;
	struct cmfv_diag *d;
	/* while searching the objects */
	const char *want_kind, *want_name, *want_key;
	int found_obj;
	struct ref_data found;
	struct cmfv_node *found_doc;
};

/* kustomize-controller and kubectl refuse a key written twice in one
 * mapping: so does this reader (exit 2), rather than take the last one. */
static const struct cmfv_yaml_opts strict_yaml = {.no_duplicates = 1};

static enum cmfv_err find_in_doc(struct flux_ctx *c, struct cmfv_node *doc,
				 const struct cmfv_source *s);

static enum cmfv_err obj_doc(void *ctx, struct cmfv_node *doc, struct cmfv_diag *d)
{
	struct flux_ctx *c = ctx;
	const struct cmfv_source *s = c->found.file;
	const char *kind = gitops_str(doc, "kind");
	enum cmfv_err e = CMFV_OK;

	if (kind && strcmp(kind, "List") == 0) {
		const struct cmfv_node *items = cmfv_map_get(doc, "items");
		size_t i;

		for (i = 0; items && items->kind == CMFV_SEQ && i < items->u.seq.n && e == CMFV_OK;
		     i++) {
			struct cmfv_node *it = cmfv_node_copy(items->u.seq.v[i]);

			e = it ? find_in_doc(c, it, s)
			       : cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		}
		cmfv_node_free(doc);
		return e;
	}
	return find_in_doc(c, doc, s);
}

static enum cmfv_err find_in_doc(struct flux_ctx *c, struct cmfv_node *doc,
				 const struct cmfv_source *s)
{
	const char *kind = gitops_str(doc, "kind"), *name = gitops_str(doc, "metadata.name");
	const char *ns = gitops_str(doc, "metadata.namespace");

	if (c->found_obj || !kind || !name || strcmp(kind, c->want_kind) != 0 ||
	    strcmp(name, c->want_name) != 0 || (ns && c->ns && strcmp(ns, c->ns) != 0)) {
		cmfv_node_free(doc);
		return CMFV_OK;
	}
	c->found_obj = 1;
	c->found.file = s;
	c->found_doc = doc;
	return CMFV_OK;
}

/* The data under the ref's key in the found object; 0 when absent. A
 * Secret's data is base64 (stringData, as the API server stores it, wins). */
static int object_data(struct flux_ctx *c, struct ref_data *r)
{
	const struct cmfv_node *doc = c->found_doc, *v;
	int secret = strcmp(c->want_kind, "Secret") == 0;
	const struct cmfv_pair *pr;

	memset(r, 0, sizeof(*r));
	r->file = c->found.file;
	if (secret && (v = cmfv_node_path(doc, "stringData")) && v->kind == CMFV_MAP &&
	    (pr = cmfv_map_get_pair(v, c->want_key)) && pr->val->kind == CMFV_STR) {
		r->text = pr->val->u.s.ptr;
		r->len = pr->val->u.s.len;
		r->loc = pr->key_loc;
		return 1;
	}
	v = cmfv_node_path(doc, "data");
	pr = v && v->kind == CMFV_MAP ? cmfv_map_get_pair(v, c->want_key) : NULL;
	if (pr == NULL || pr->val->kind != CMFV_STR)
		return 0;
	r->loc = pr->key_loc;
	if (!secret) {
		r->text = pr->val->u.s.ptr;
		r->len = pr->val->u.s.len;
		r->node = pr->val;
		return 1;
	}
	r->owned = cmfv_malloc(CMFV_BASE64_DECODED_MAX(pr->val->u.s.len) + 1);
	if (r->owned == NULL)
		return -1;
	{
		size_t n = 0, bad = 0;

		if (!cmfv_base64_decode(pr->val->u.s.ptr, pr->val->u.s.len,
					(unsigned char *)r->owned, &n, &bad))
			return -2;
		r->owned[n] = '\0';
		r->text = r->owned;
		r->len = n;
	}
	return 1;
}

static void ref_data_free(struct ref_data *r)
{
	if (r->owned) {
		memset(r->owned, 0, r->len);
		cmfv_free(r->owned);
	}
	r->owned = NULL;
}

static void pin_all(struct cmfv_node *n, struct cmfv_loc at)
{
	size_t i;

	n->loc = at;
	if (n->kind == CMFV_MAP)
		for (i = 0; i < n->u.map.n; i++) {
			n->u.map.v[i].key_loc = at;
			pin_all(n->u.map.v[i].val, at);
		}
	else if (n->kind == CMFV_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			pin_all(n->u.seq.v[i], at);
}

/* ReplacePathValue / ReplacePathLiteralValue: the --set argument. */
static char *target_arg(const char *path, const char *val, size_t len, int literal,
			enum cmfv_set_kind *kind)
{
	struct cmfv_buf b = {0};
	size_t i;

	cmfv_buf_puts(&b, path);
	cmfv_buf_add(&b, "=", 1);
	*kind = CMFV_SET;
	if (literal) {
		*kind = CMFV_SET_STRING;
		for (i = 0; i < len; i++) {
			if (strchr("\\,[]{}", val[i]) && val[i])
				cmfv_buf_add(&b, "\\", 1);
			cmfv_buf_add(&b, val + i, 1);
		}
	} else if (len >= 1 && ((val[0] == '\'' && val[len - 1] == '\'') ||
				(val[0] == '"' && val[len - 1] == '"'))) {
		/* strings.Trim(value, `'"`): every quote at either end goes */
		size_t s = 0, e = len;

		while (s < e && (val[s] == '\'' || val[s] == '"'))
			s++;
		while (e > s && (val[e - 1] == '\'' || val[e - 1] == '"'))
			e--;
		*kind = CMFV_SET_STRING;
		cmfv_buf_add(&b, val + s, e - s);
	} else {
		cmfv_buf_add(&b, val, len);
	}
	cmfv_buf_add(&b, "", 1);
	if (b.failed) {
		cmfv_buf_free(&b);
		return NULL;
	}
	return b.ptr;
}

static int flag_bool(const struct cmfv_node *m, const char *k)
{
	const struct cmfv_node *n = cmfv_map_get(m, k);

	return n && n->kind == CMFV_BOOL && n->u.b;
}

/* Look the ref's object up in the given files. */
static enum cmfv_err lookup(struct flux_ctx *c, const char *kind, const char *name, const char *key)
{
	size_t i;
	enum cmfv_err e = CMFV_OK;

	c->want_kind = kind;
	c->want_name = name;
	c->want_key = key;
	c->found_obj = 0;
	c->found_doc = NULL;
	for (i = 0; e == CMFV_OK && !c->found_obj && i < c->objs->nfiles; i++) {
		c->found.file = c->objs->files[i];
		e = cmfv_yaml_load_all(c->objs->files[i]->text, c->objs->files[i]->len,
				       c->objs->files[i]->name, NULL, obj_doc, c, c->d);
	}
	if (e != CMFV_OK) {
		/* found, then a later document was unreadable */
		cmfv_node_free(c->found_doc);
		c->found_doc = NULL;
		c->found_obj = 0;
	}
	return e;
}

static enum cmfv_err apply_target(struct flux_ctx *c, struct cmfv_node **result, struct pathset *sh,
				  struct cmfv_node *inl, const struct cmfv_node *ref,
				  const struct ref_data *r)
{
	const char *tp = gitops_str(ref, "targetPath");
	struct cmfv_set_flag f;
	struct cmfv_buf enc = {0};
	struct cmfv_node *merged = NULL, *leaf;
	struct pathset nsh = {0};
	struct cmfv_pair *pp;
	size_t *oldlen = NULL, i;
	char *arg = target_arg(tp, r->text, r->len, flag_bool(ref, "literal"), &f.kind);
	enum cmfv_err e;

	if (arg == NULL)
		return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	f.arg = arg;
	f.index = 1;
	/* result = MergeMaps(result, values) */
	e = flux_go_merge(*result, sh, inl, 1, &merged, &nsh);
	if (e != CMFV_OK) {
		e = cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
		goto out;
	}
	cmfv_node_free(*result);
	*result = merged;
	flux_pathset_free(sh);
	*sh = nsh;
	e = flux_target_path(&f, c->src, &enc, c->d);
	oldlen = e == CMFV_OK ? cmfv_calloc(sh->n + 1, sizeof(*oldlen)) : NULL;
	if (e == CMFV_OK && oldlen == NULL)
		e = cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	for (i = 0; e == CMFV_OK && i < sh->n; i++) {
		struct cmfv_node *n = flux_at_path(*result, sh->v[i], strlen(sh->v[i]), &pp);

		oldlen[i] = n && n->kind == CMFV_SEQ ? n->u.seq.n : 0;
	}
	if (e == CMFV_OK)
		e = cmfv_strvals_apply_as(*result, &f, 3, c->src, c->d);
	if (e == CMFV_EINPUT) {
		char msg[sizeof(c->d->msg)];

		snprintf(msg, sizeof(msg), "%s", c->d->msg);
		cmfv_diag_clear(c->d);
		e = cmfv_diag_set(c->d, CMFV_EINPUT, ref->loc.file, ref->loc.line, ref->loc.col,
				  "valuesFrom %s/%s targetPath %s: %s", gitops_str(ref, "kind"),
				  gitops_str(ref, "name"), tp, msg);
	}
	if (e != CMFV_OK)
		goto out;
	leaf = flux_at_path(*result, enc.ptr ? enc.ptr : "", enc.len, &pp);
	if (leaf)
		pin_all(leaf, r->loc);
	if (flux_propagate(*result, inl, sh, enc.ptr ? enc.ptr : "", enc.len, oldlen) != CMFV_OK)
		e = cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
out:
	cmfv_free(oldlen);
	cmfv_buf_free(&enc);
	if (arg)
		memset(arg, 0, strlen(arg));
	cmfv_free(arg);
	return e;
}

/* One valuesFrom entry; *skip when optional and absent. */
static enum cmfv_err one_ref(struct flux_ctx *c, const struct cmfv_node *ref,
			     struct cmfv_node **result, struct pathset *sh, struct cmfv_node *inl)
{
	const char *kind = gitops_str(ref, "kind"), *name = gitops_str(ref, "name");
	const char *key = gitops_str(ref, "valuesKey"), *tp = gitops_str(ref, "targetPath");
	int optional = flag_bool(ref, "optional"), got;
	struct ref_data r;
	enum cmfv_err e;

	if (!key || !key[0])
		key = "values.yaml";
	if (cmfv_map_get(ref, "targetPath") && !tp) {
		const struct cmfv_node *t = cmfv_map_get(ref, "targetPath");

		return cmfv_diag_set(c->d, CMFV_EINPUT, t->loc.file, t->loc.line, t->loc.col,
				     "valuesFrom targetPath must be a string, not a %s (quote it)",
				     cmfv_kind_name(t->kind));
	}
	if (!kind || !name || (strcmp(kind, "ConfigMap") != 0 && strcmp(kind, "Secret") != 0))
		return cmfv_diag_set(c->d, CMFV_EINPUT, ref->loc.file, ref->loc.line, ref->loc.col,
				     "valuesFrom: unsupported kind '%s' (ConfigMap or Secret)",
				     kind ? kind : "");
	e = lookup(c, kind, name, key);
	if (e != CMFV_OK)
		return e;
	if (!c->found_obj) {
		if (optional)
			return CMFV_OK;
		return cmfv_diag_set(
		    c->d, CMFV_EINPUT, ref->loc.file, ref->loc.line, ref->loc.col,
		    "valuesFrom: %s '%s' not found in the --manifests/--secret-file inputs (a CI "
		    "check needs it as a file; optional: true skips it)",
		    kind, name);
	}
	got = object_data(c, &r);
	if (got == 0) {
		/* the code skips a missing key when optional; the docs say it fails */
		cmfv_node_free(c->found_doc);
		if (optional)
			return CMFV_OK;
		return cmfv_diag_set(c->d, CMFV_EINPUT, ref->loc.file, ref->loc.line, ref->loc.col,
				     "valuesFrom: %s '%s' has no key '%s'", kind, name, key);
	}
	if (got < 0) {
		ref_data_free(&r);
		cmfv_node_free(c->found_doc);
		if (got == -1)
			return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
		return cmfv_diag_set(c->d, CMFV_EINPUT, r.file->name, r.loc.line, r.loc.col,
				     "Secret '%s' data '%s' is not valid base64", name, key);
	}
	if (tp && tp[0]) {
		e = apply_target(c, result, sh, inl, ref, &r);
	} else {
		struct cmfv_node *vals = NULL, *merged = NULL;
		struct pathset nsh = {0};

		if (r.node) {
			e = gitops_parse_embedded(r.file, r.node, key, c->helm_major, c->src, &vals,
						  c->d);
		} else {
			const struct cmfv_source *s;
			char nm[600];

			snprintf(nm, sizeof(nm), "%s (%s %s %s)", r.file->name, kind, name, key);
			e = cmfv_sources_add(c->src, nm, r.text, r.len, strcmp(kind, "Secret") == 0,
					     &s);
			if (e != CMFV_OK)
				e = cmfv_diag_fail(c->d, e, "out of memory");
			if (e == CMFV_OK)
				e = cmfv_values_parse_in(c->src, s, c->helm_major, &vals, c->d);
			if (e == CMFV_OK)
				pin_all(vals, r.loc);
		}
		if (e == CMFV_OK && flux_go_merge(*result, sh, vals, 0, &merged, &nsh) != CMFV_OK)
			e = cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
		if (e == CMFV_OK) {
			cmfv_node_free(*result);
			*result = merged;
			flux_pathset_free(sh);
			*sh = nsh;
		}
		cmfv_node_free(vals);
	}
	ref_data_free(&r);
	cmfv_node_free(c->found_doc);
	c->found_doc = NULL;
	return e;
}

static enum cmfv_err user_values(struct flux_ctx *c, struct cmfv_plan *p)
{
	const struct cmfv_node *from = cmfv_node_path(c->doc, "spec.valuesFrom");
	const struct cmfv_node *v = cmfv_node_path(c->doc, "spec.values");
	struct cmfv_loc none = {NULL, 0, 0};
	struct cmfv_node *inl, *result = cmfv_node_new(CMFV_MAP, none);
	struct pathset sh = {0}, fin = {0};
	size_t i;
	enum cmfv_err e = CMFV_OK;

	if (v && v->kind != CMFV_MAP && v->kind != CMFV_NULL)
		e = cmfv_diag_set(c->d, CMFV_EINPUT, v->loc.file, v->loc.line, v->loc.col,
				  "spec.values must be a map, not a %s", cmfv_kind_name(v->kind));
	inl = v && v->kind == CMFV_MAP ? cmfv_node_copy(v) : cmfv_node_new(CMFV_MAP, none);
	if (e == CMFV_OK && (inl == NULL || result == NULL))
		e = cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	/* each targetPath merges everything so far again, as helm-controller
	 * does: quadratic, so the list has a cap far above real use */
	if (e == CMFV_OK && from && from->kind == CMFV_SEQ && from->u.seq.n > CMFV_MAX_VALUES_FROM)
		e = cmfv_diag_set(c->d, CMFV_EINPUT, from->loc.file, from->loc.line, from->loc.col,
				  "spec.valuesFrom has %zu entries; cmf-validate reads at most %d",
				  from->u.seq.n, CMFV_MAX_VALUES_FROM);
	for (i = 0; e == CMFV_OK && from && from->kind == CMFV_SEQ && i < from->u.seq.n; i++)
		e = one_ref(c, from->u.seq.v[i], &result, &sh, inl);
	if (e == CMFV_OK && flux_go_merge(result, &sh, inl, 1, &p->user, &fin) != CMFV_OK)
		e = cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	flux_pathset_free(&fin);
	flux_pathset_free(&sh);
	cmfv_node_free(result);
	cmfv_node_free(inl);
	return e;
}

/* A chart from a HelmRepository: its URL comes from the HelmRepository
 * object (given with the other objects); the caller pulls the chart. */
static enum cmfv_err remote_chart(struct flux_ctx *c, struct cmfv_plan *p, const char *chart)
{
	const char *name = gitops_str(c->doc, "spec.chart.spec.sourceRef.name");
	const char *ns = gitops_str(c->doc, "spec.chart.spec.sourceRef.namespace");
	const char *ver = gitops_str(c->doc, "spec.chart.spec.version");
	const char *keep = c->ns, *url, *type;
	enum cmfv_err e;

	if (ns)
		c->ns = ns;
	e = name ? lookup(c, "HelmRepository", name, "") : CMFV_OK;
	c->ns = keep;
	if (e != CMFV_OK)
		return e;
	if (!c->found_obj)
		return cmfv_diag_set(
		    c->d, CMFV_EUSAGE, c->file->name, c->doc->loc.line, c->doc->loc.col,
		    "HelmRelease %s: the chart comes from HelmRepository %s: give that object with "
		    "--manifests (to pull the chart) or the chart with --chart DIR",
		    p->app, name ? name : "(no name)");
	url = gitops_str(c->found_doc, "spec.url");
	type = gitops_str(c->found_doc, "spec.type");
	if (url && type && strcmp(type, "oci") == 0 && strncmp(url, "oci://", 6) != 0)
		url = NULL;
	p->chart_repo = url ? cmfv_strdup(url) : NULL;
	p->chart_name = cmfv_strdup(chart);
	p->chart_version = ver ? cmfv_strdup(ver) : NULL;
	cmfv_node_free(c->found_doc);
	c->found_doc = NULL;
	if (url == NULL)
		return cmfv_diag_set(c->d, CMFV_EINPUT, c->file->name, c->doc->loc.line,
				     c->doc->loc.col, "HelmRepository %s has no usable spec.url",
				     name);
	if (!p->chart_repo || !p->chart_name || (ver && !p->chart_version))
		return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	return CMFV_OK;
}

static enum cmfv_err chart_source(struct flux_ctx *c, struct cmfv_plan *p)
{
	const char *chart = gitops_str(c->doc, "spec.chart.spec.chart");
	const char *kind = gitops_str(c->doc, "spec.chart.spec.sourceRef.kind");
	const struct cmfv_node *vf = cmfv_node_path(c->doc, "spec.chart.spec.valuesFiles");
	const struct cmfv_node *ign =
	    cmfv_node_path(c->doc, "spec.chart.spec.ignoreMissingValuesFiles");
	char path[PATH_MAX * 2];
	const char *base;
	size_t i;
	int local = kind && (strcmp(kind, "GitRepository") == 0 || strcmp(kind, "Bucket") == 0);
	struct stat st;

	if (c->chart) {
		p->chart_dir = cmfv_strdup(c->chart);
	} else if (chart && local) {
		snprintf(path, sizeof(path), "%s/%s", c->repo_root, chart);
		p->chart_dir = cmfv_strdup(path);
	} else if (chart && kind && strcmp(kind, "HelmRepository") == 0) {
		return remote_chart(c, p, chart);
	} else {
		return cmfv_diag_set(
		    c->d, CMFV_EUSAGE, c->file->name, c->doc->loc.line, c->doc->loc.col,
		    "HelmRelease %s: the chart comes from a %s: give it with --chart DIR", p->app,
		    kind ? kind : "chartRef");
	}
	if (p->chart_dir == NULL)
		return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	if (stat(p->chart_dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return cmfv_diag_set(
		    c->d, CMFV_ENOENT, c->file->name, c->doc->loc.line, c->doc->loc.col,
		    "HelmRelease %s: the chart folder %s does not exist", p->app, p->chart_dir);
	/* local charts: paths from the source root; remote: inside the chart */
	base = local ? c->repo_root : p->chart_dir;
	for (i = 0; vf && vf->kind == CMFV_SEQ && i < vf->u.seq.n; i++) {
		const struct cmfv_node *f = vf->u.seq.v[i];

		if (f->kind != CMFV_STR)
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, f->u.s.ptr);
		if (stat(path, &st) != 0 && ign && ign->kind == CMFV_BOOL && ign->u.b)
			continue;
		if (gitops_push_str(&p->default_files, &p->ndefault_files, cmfv_strdup(path)) != 0)
			return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	}
	return CMFV_OK;
}

static enum cmfv_err plan_release(struct flux_ctx *c)
{
	const char *name = gitops_str(c->doc, "metadata.name");
	const char *tns = gitops_str(c->doc, "spec.targetNamespace");
	const char *rel = gitops_str(c->doc, "spec.releaseName");
	const struct cmfv_node *pr = cmfv_node_path(c->doc, "spec.postRenderers");
	struct cmfv_plan *np, *p;
	char buf[600];

	if (name == NULL)
		return cmfv_diag_set(c->d, CMFV_EINPUT, c->file->name, c->doc->loc.line,
				     c->doc->loc.col, "HelmRelease has no metadata.name");
	np = cmfv_realloc(c->plans, (c->nplans + 1) * sizeof(*np));
	if (np == NULL)
		return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	c->plans = np;
	p = &c->plans[c->nplans++];
	memset(p, 0, sizeof(*p));
	p->loc = c->doc->loc;
	p->app = cmfv_strdup(name);
	/* releaseName defaults to [targetNamespace-]name */
	if (rel && rel[0])
		snprintf(buf, sizeof(buf), "%s", rel);
	else if (tns && tns[0])
		snprintf(buf, sizeof(buf), "%s-%s", tns, name);
	else
		snprintf(buf, sizeof(buf), "%s", name);
	p->release = cmfv_strdup(buf);
	p->namespace = cmfv_strdup(tns && tns[0] ? tns : c->ns ? c->ns : "");
	p->has_postrenderer = pr != NULL;
	if (pr)
		p->postrenderers = cmfv_node_copy(pr);
	if (!p->app || !p->release || !p->namespace || (pr && !p->postrenderers))
		return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	if (chart_source(c, p) != CMFV_OK)
		return c->d->code;
	return user_values(c, p);
}

static enum cmfv_err hr_doc(void *ctx, struct cmfv_node *doc, struct cmfv_diag *d)
{
	struct flux_ctx *c = ctx;
	const char *kind = gitops_str(doc, "kind"), *api = gitops_str(doc, "apiVersion");
	enum cmfv_err e = CMFV_OK;

	(void)d;
	if (doc && kind && strcmp(kind, "HelmRelease") == 0 && api &&
	    strncmp(api, "helm.toolkit.fluxcd.io/", 23) == 0) {
		c->doc = doc;
		c->ns = gitops_str(doc, "metadata.namespace");
		e = plan_release(c);
	}
	cmfv_node_free(doc);
	return e;
}

enum cmfv_err cmfv_flux_plans(const struct cmfv_source *hr, const char *repo_root,
			      const char *chart, const struct cmfv_flux_objects *objs,
			      int helm_major, struct cmfv_sources *src, struct cmfv_plan **out,
			      size_t *nout, struct cmfv_diag *d)
{
	struct flux_ctx c;
	enum cmfv_err e;

	memset(&c, 0, sizeof(c));
	c.objs = objs;
	c.file = hr;
	c.src = src;
	c.repo_root = repo_root ? repo_root : ".";
	c.chart = chart;
	c.helm_major = helm_major ? helm_major : 4;
	c.d = d;
	e = cmfv_yaml_load_all(hr->text, hr->len, hr->name, &strict_yaml, hr_doc, &c, d);
	if (e == CMFV_OK && c.nplans == 0)
		e = cmfv_diag_set(
		    d, CMFV_EINPUT, hr->name, 0, 0,
		    "no Flux HelmRelease (apiVersion helm.toolkit.fluxcd.io/v2) in the file");
	if (e != CMFV_OK) {
		cmfv_plans_free(c.plans, c.nplans);
		return e;
	}
	*out = c.plans;
	*nout = c.nplans;
	return CMFV_OK;
}
