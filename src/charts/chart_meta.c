/* Chart.yaml (and requirements.yaml) as Helm reads it into its Metadata
 * and Dependency structs, and Metadata.Validate. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart_int.h"
#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/scalar.h"
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
	cmfv_free(c->kube_version);
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

/* How sigs.k8s.io/yaml + encoding/json fill Helm's Metadata, Maintainer
 * and Dependency structs: a key names a field exactly or, failing that,
 * case-insensitively (Unicode simple folding: "ſ" is "s", "K" (Kelvin) is
 * "k"); keys are applied in sorted order, so of two keys for one field the
 * greater wins; a scalar for a string field becomes a string (an int in
 * decimal, a float as FormatFloat(f, 'g', -1, 32), a bool as true/false);
 * any other mismatch refuses the whole file. */
enum ftype { F_STR, F_STRS, F_BOOL, F_STRMAP, F_MAINTS, F_DEPS, F_SEQ, F_NONE };

struct fdef {
	const char *name;
	enum ftype t;
};

static const struct fdef META[] = {
    {"name", F_STR},	       {"home", F_STR},		  {"sources", F_STRS},
    {"version", F_STR},	       {"description", F_STR},	  {"keywords", F_STRS},
    {"maintainers", F_MAINTS}, {"icon", F_STR},		  {"apiVersion", F_STR},
    {"condition", F_STR},      {"tags", F_STR},		  {"appVersion", F_STR},
    {"deprecated", F_BOOL},    {"annotations", F_STRMAP}, {"kubeVersion", F_STR},
    {"dependencies", F_DEPS},  {"type", F_STR},
};
static const struct fdef MAINT[] = {{"name", F_STR}, {"email", F_STR}, {"url", F_STR}};
static const struct fdef DEP[] = {
    {"name", F_STR},  {"version", F_STR},  {"repository", F_STR},    {"condition", F_STR},
    {"tags", F_STRS}, {"enabled", F_BOOL}, {"import-values", F_SEQ}, {"alias", F_STR},
};

struct fset {
	const struct fdef *v;
	size_t n;
	const char *go; /* the struct's name in Go's messages */
};

static const struct fset META_SET = {META, sizeof(META) / sizeof(META[0]), "Metadata"};
static const struct fset MAINT_SET = {MAINT, sizeof(MAINT) / sizeof(MAINT[0]), "Maintainer"};
static const struct fset DEP_SET = {DEP, sizeof(DEP) / sizeof(DEP[0]), "Dependency"};
/* Chart.lock and requirements.lock: Helm's Lock (generated is a time.Time) */
static const struct fdef LOCK[] = {
    {"generated", F_NONE}, {"digest", F_STR}, {"dependencies", F_DEPS}};
static const struct fset LOCK_SET = {LOCK, sizeof(LOCK) / sizeof(LOCK[0]), "Lock"};
/* Helm 4 reads the chart it installs first into a struct of apiVersion alone */
static const struct fdef BASE[] = {{"apiVersion", F_STR}};
static const struct fset BASE_SET = {BASE, 1, "chartBase"};

/* bytes.EqualFold(key, name) for an ASCII field name */
static int fold_eq(const char *key, const char *name)
{
	const unsigned char *k = (const unsigned char *)key;

	for (; *name; name++) {
		char lc = (char)((*name >= 'A' && *name <= 'Z') ? *name + 32 : *name);

		if (*k < 0x80) {
			char kc = (char)((*k >= 'A' && *k <= 'Z') ? *k + 32 : *k);

			if (kc != lc)
				return 0;
			k++;
		} else if (lc == 's' && k[0] == 0xC5 && k[1] == 0xBF) {
			k += 2; /* U+017F */
		} else if (lc == 'k' && k[0] == 0xE2 && k[1] == 0x84 && k[2] == 0xAA) {
			k += 3; /* U+212A */
		} else {
			return 0;
		}
	}
	return *k == '\0';
}

static const struct fdef *field_of(const struct fset *fs, const char *key)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].name, key) == 0)
			return &fs->v[i];
	for (i = 0; i < fs->n; i++)
		if (fold_eq(key, fs->v[i].name))
			return &fs->v[i];
	return NULL;
}

/* The node json.Unmarshal leaves in field \p name of map \p m: NULL when
 * no key fills it. A null does not overwrite a string or a bool. */
static const struct cmfv_node *field_val(const struct cmfv_node *m, const struct fset *fs,
					 const char *name)
{
	const struct cmfv_pair *best = NULL;
	size_t i;

	if (!cmfv_is_map(m))
		return NULL;
	for (i = 0; i < m->u.map.n; i++) {
		const struct cmfv_pair *p = &m->u.map.v[i];
		const struct fdef *f = field_of(fs, p->key);

		if (f == NULL || strcmp(f->name, name) != 0)
			continue;
		if (p->val->kind == CMFV_NULL && (f->t == F_STR || f->t == F_BOOL))
			continue;
		if (best == NULL || strcmp(p->key, best->key) >= 0)
			best = p;
	}
	return best ? best->val : NULL;
}

/* sigs.k8s.io/yaml turns YAML into JSON with the target struct in hand: a
 * scalar bound for a string field becomes a string (.inf is "+Inf"), any
 * other infinity or NaN fails the conversion (json: unsupported value).
 * The first such node under \p n, whose target is \p t (a struct: \p fs). */
static const struct cmfv_node *nonfinite(const struct cmfv_node *n, enum ftype t,
					 const struct fset *fs)
{
	const struct cmfv_node *bad = NULL;
	size_t i;

	if (n->kind == CMFV_FLOAT)
		return t == F_STR || isfinite(n->u.f) ? NULL : n;
	for (i = 0; n->kind == CMFV_MAP && i < n->u.map.n && !bad; i++) {
		const struct fdef *f = fs ? field_of(fs, n->u.map.v[i].key) : NULL;

		if (t == F_STRMAP)
			bad = nonfinite(n->u.map.v[i].val, F_STR, NULL);
		else if (f && f->t == F_MAINTS)
			bad = nonfinite(n->u.map.v[i].val, F_MAINTS, &MAINT_SET);
		else if (f && f->t == F_DEPS)
			bad = nonfinite(n->u.map.v[i].val, F_DEPS, &DEP_SET);
		else
			bad = nonfinite(n->u.map.v[i].val, f ? f->t : F_NONE, NULL);
	}
	for (i = 0; n->kind == CMFV_SEQ && i < n->u.seq.n && !bad; i++) {
		const struct cmfv_node *x = n->u.seq.v[i];

		if (t == F_STRS)
			bad = nonfinite(x, F_STR, NULL);
		else if (t == F_MAINTS || t == F_DEPS)
			bad = nonfinite(x, F_NONE, fs);
		else
			bad = nonfinite(x, F_NONE, NULL);
	}
	return bad;
}

static enum cmfv_err check_finite(const struct cmfv_node *meta, const struct fset *fs,
				  const char *label, struct cmfv_diag *d)
{
	const struct cmfv_node *bad = meta ? nonfinite(meta, F_NONE, fs) : NULL;

	if (bad == NULL)
		return CMFV_OK;
	return cmfv_diag_set(d, CMFV_EINPUT, bad->loc.file, bad->loc.line, bad->loc.col,
			     "cannot load %s: error converting YAML to JSON: json: unsupported "
			     "value: %s (only a text field takes it, as that text)",
			     label,
			     isnan(bad->u.f) ? "NaN"
			     : bad->u.f < 0  ? "-Inf"
					     : "+Inf");
}

static const char *json_kind(const struct cmfv_node *v)
{
	switch (v->kind) {
	case CMFV_MAP:
		return "object";
	case CMFV_SEQ:
		return "array";
	case CMFV_BOOL:
		return "bool";
	case CMFV_STR:
		return "string";
	default:
		return "number";
	}
}

static enum cmfv_err check_set(const struct cmfv_node *m, const struct fset *fs, const char *label,
			       struct cmfv_diag *d);

static enum cmfv_err mismatch(const struct cmfv_node *v, const struct fset *fs, const char *field,
			      const char *gotype, const char *label, struct cmfv_diag *d)
{
	return cmfv_diag_set(
	    d, CMFV_EINPUT, v->loc.file, v->loc.line, v->loc.col,
	    "cannot load %s: json: cannot unmarshal %s into Go struct field %s.%s of type %s",
	    label, json_kind(v), fs->go, field, gotype);
}

/* Does \p v fit a field of type \p t? */
static enum cmfv_err check_val(const struct cmfv_node *v, enum ftype t, const struct fset *fs,
			       const char *field, const char *label, struct cmfv_diag *d)
{
	static const char *const go[] = {
	    "string",	     "[]string",      "bool",	       "map[string]string",
	    "[]*Maintainer", "[]*Dependency", "[]interface {}"};
	int scalar = v->kind != CMFV_MAP && v->kind != CMFV_SEQ;
	enum cmfv_err e = CMFV_OK;
	size_t i;

	if (v->kind == CMFV_NULL || t == F_NONE)
		return CMFV_OK;
	switch (t) {
	case F_STR:
		return scalar ? CMFV_OK : mismatch(v, fs, field, go[t], label, d);
	case F_BOOL:
		return v->kind == CMFV_BOOL ? CMFV_OK : mismatch(v, fs, field, go[t], label, d);
	case F_SEQ:
		return v->kind == CMFV_SEQ ? CMFV_OK : mismatch(v, fs, field, go[t], label, d);
	case F_STRMAP:
		if (v->kind != CMFV_MAP)
			return mismatch(v, fs, field, go[t], label, d);
		for (i = 0; i < v->u.map.n && e == CMFV_OK; i++)
			e = check_val(v->u.map.v[i].val, F_STR, fs, field, label, d);
		return e;
	default:
		break;
	}
	if (v->kind != CMFV_SEQ)
		return mismatch(v, fs, field, go[t], label, d);
	for (i = 0; i < v->u.seq.n && e == CMFV_OK; i++) {
		const struct cmfv_node *x = v->u.seq.v[i];

		if (t == F_STRS)
			e = check_val(x, F_STR, fs, field, label, d);
		else if (x->kind == CMFV_MAP)
			e = check_set(x, t == F_MAINTS ? &MAINT_SET : &DEP_SET, label, d);
		else if (x->kind != CMFV_NULL)
			e = mismatch(x, fs, field, t == F_MAINTS ? "Maintainer" : "Dependency",
				     label, d);
	}
	return e;
}

static enum cmfv_err check_set(const struct cmfv_node *m, const struct fset *fs, const char *label,
			       struct cmfv_diag *d)
{
	enum cmfv_err e = CMFV_OK;
	size_t i;

	for (i = 0; i < m->u.map.n && e == CMFV_OK; i++) {
		const struct fdef *f = field_of(fs, m->u.map.v[i].key);

		if (f)
			e = check_val(m->u.map.v[i].val, f->t, fs, f->name, label, d);
	}
	return e;
}

/* The string a string field gets from scalar \p v (NULL: ""). */
static char *conv_str(const struct cmfv_node *v)
{
	char buf[40];

	if (v == NULL || v->kind == CMFV_NULL)
		return cmfv_strdup("");
	switch (v->kind) {
	case CMFV_STR:
		return cmfv_strdup(v->u.s.ptr);
	case CMFV_BOOL:
		return cmfv_strdup(v->u.b ? "true" : "false");
	case CMFV_INT:
		if (v->uint)
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(uint64_t)v->u.i);
		else
			snprintf(buf, sizeof(buf), "%lld", (long long)v->u.i);
		return cmfv_strdup(buf);
	case CMFV_FLOAT:
		/* FormatFloat(f, 'g', -1, 32): what overflows a float32 is
		 * "+Inf" here (only map keys are rewritten to ".inf") */
		if (isnan(v->u.f) || isinf((float)v->u.f))
			return cmfv_strdup(isnan(v->u.f) ? "NaN" : v->u.f < 0 ? "-Inf" : "+Inf");
		cmfv_format_float_key(v->u.f, buf, sizeof(buf));
		return cmfv_strdup(buf);
	default:
		return cmfv_strdup("");
	}
}

/* Set *\p out from field \p name when a key fills it (else leave it). */
static enum cmfv_err str_field(const struct cmfv_node *m, const struct fset *fs, const char *name,
			       char **out, struct cmfv_diag *d)
{
	const struct cmfv_node *v = field_val(m, fs, name);
	char *s;

	if (v == NULL && *out != NULL)
		return CMFV_OK;
	s = conv_str(v);
	if (s == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	cmfv_free(*out);
	*out = s;
	return CMFV_OK;
}

/* ------------------------------------------------ one Metadata, many files
 * json.Unmarshal into the Metadata an earlier copy filled: a field a key
 * names is decoded over what is there; a slice is cut to the new array's
 * length, but its backing array stays, so a later, longer array decodes
 * into entries an earlier one made (Dependencies holds pointers: their
 * fields merge); null or [] drop the backing array. Keys apply in sorted
 * order (sigs.k8s.io/yaml hands encoding/json a sorted object). */

static int pair_cmp(const void *x, const void *y)
{
	return strcmp((*(const struct cmfv_pair *const *)x)->key,
		      (*(const struct cmfv_pair *const *)y)->key);
}

/* The pairs of map \p m that fill field \p name, in the order Go applies
 * them; NULL with *\p n = 0 when none (or out of memory: *\p n = 1). */
static const struct cmfv_pair **keys_for(const struct cmfv_node *m, const struct fset *fs,
					 const char *name, size_t *n)
{
	const struct cmfv_pair **v;
	size_t i;

	*n = 0;
	if (!cmfv_is_map(m))
		return NULL;
	v = cmfv_calloc(m->u.map.n + 1, sizeof(*v));
	if (v == NULL) {
		*n = 1;
		return NULL;
	}
	for (i = 0; i < m->u.map.n; i++) {
		const struct fdef *f = field_of(fs, m->u.map.v[i].key);

		if (f && strcmp(f->name, name) == 0)
			v[(*n)++] = &m->u.map.v[i];
	}
	qsort(v, *n, sizeof(*v), pair_cmp);
	return v;
}

static void tags_drop(struct dacc *x)
{
	size_t i;

	for (i = 0; i < x->tags_made; i++)
		cmfv_free(x->d.tags[i]);
	cmfv_free(x->d.tags);
	x->d.tags = NULL;
	x->d.ntags = x->tags_made = 0;
}

/* A []string: an element overwrites its slot, a null leaves what the
 * slot held (a string an earlier, longer list put there, or ""). */
static enum cmfv_err tags_apply(struct dacc *x, const struct cmfv_node *v)
{
	size_t i, k = cmfv_is_seq(v) ? v->u.seq.n : 0;

	if (k == 0) {
		tags_drop(x);
		return CMFV_OK;
	}
	if (k > x->tags_made) {
		char **nv = cmfv_realloc(x->d.tags, (k + 1) * sizeof(*nv));

		if (nv == NULL)
			return CMFV_ENOMEM;
		x->d.tags = nv;
		for (; x->tags_made < k; x->tags_made++)
			if ((nv[x->tags_made] = cmfv_strdup("")) == NULL)
				return CMFV_ENOMEM;
	}
	for (i = 0; i < k; i++) {
		char *s;

		if (v->u.seq.v[i]->kind == CMFV_NULL)
			continue;
		if ((s = conv_str(v->u.seq.v[i])) == NULL)
			return CMFV_ENOMEM;
		cmfv_free(x->d.tags[i]);
		x->d.tags[i] = s;
	}
	x->d.ntags = k;
	return CMFV_OK;
}

static void dacc_free(struct dacc *x)
{
	if (x == NULL)
		return;
	tags_drop(x);
	cmfv_chart_dep_free(&x->d);
	cmfv_free(x);
}

/* One Dependency object over the entry an earlier copy left (or a new one) */
static enum cmfv_err dep_apply(const struct cmfv_node *n, struct dacc *x, struct cmfv_diag *d)
{
	const struct cmfv_node *iv = field_val(n, &DEP_SET, "import-values");
	const struct cmfv_pair **tk;
	enum cmfv_err e = str_field(n, &DEP_SET, "name", &x->d.name, d);
	size_t i, nt;

	if (e == CMFV_OK)
		e = str_field(n, &DEP_SET, "version", &x->d.version, d);
	if (e == CMFV_OK)
		e = str_field(n, &DEP_SET, "alias", &x->d.alias, d);
	if (e == CMFV_OK)
		e = str_field(n, &DEP_SET, "condition", &x->d.condition, d);
	if (e != CMFV_OK)
		return e;
	tk = keys_for(n, &DEP_SET, "tags", &nt);
	if (tk == NULL && nt)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; i < nt && e == CMFV_OK; i++)
		e = tags_apply(x, tk[i]->val);
	cmfv_free(tk);
	if (e != CMFV_OK)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (iv) {
		cmfv_node_free(x->d.import_values);
		x->d.import_values = NULL;
		if (cmfv_is_seq(iv) && (x->d.import_values = cmfv_node_copy(iv)) == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	x->d.enabled = 1;
	return CMFV_OK;
}

static void deps_drop(struct meta_acc *a)
{
	size_t i;

	for (i = 0; i < a->made; i++)
		dacc_free(a->deps[i]);
	cmfv_free(a->deps);
	a->deps = NULL;
	a->len = a->made = 0;
}

void cmfv_meta_acc_free(struct meta_acc *a)
{
	deps_drop(a);
	cmfv_free(a->api);
	cmfv_free(a->first_api);
	memset(a, 0, sizeof(*a));
}

/* []*Dependency: entry i decodes into the pointer slot i holds, even one
 * past the old length; a null entry sets its slot to nil. */
static enum cmfv_err deps_apply(struct meta_acc *a, const struct cmfv_node *v, struct cmfv_diag *d)
{
	size_t i, k = cmfv_is_seq(v) ? v->u.seq.n : 0;
	enum cmfv_err e = CMFV_OK;

	a->has_deps = cmfv_is_seq(v);
	if (k > CMFV_CHART_MAX_SUBCHARTS)
		return cmfv_diag_set(d, CMFV_EINPUT, v->loc.file, v->loc.line, v->loc.col,
				     "lists %zu dependencies, more than %d: no chart Helm users "
				     "deploy has that many, cannot verify",
				     k, CMFV_CHART_MAX_SUBCHARTS);
	if (k == 0) {
		deps_drop(a);
		return CMFV_OK;
	}
	if (k > a->made) {
		struct dacc **nv = cmfv_realloc(a->deps, (k + 1) * sizeof(*nv));

		if (nv == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		a->deps = nv;
		for (; a->made < k; a->made++)
			nv[a->made] = NULL;
	}
	a->len = k;
	for (i = 0; i < k && e == CMFV_OK; i++) {
		if (v->u.seq.v[i]->kind != CMFV_MAP) {
			dacc_free(a->deps[i]);
			a->deps[i] = NULL;
			continue;
		}
		if (a->deps[i] == NULL &&
		    (a->deps[i] = cmfv_calloc(1, sizeof(struct dacc))) == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		e = dep_apply(v->u.seq.v[i], a->deps[i], d);
	}
	return e;
}

static enum cmfv_err null_dep(struct cmfv_chart_dep *dp)
{
	memset(dp, 0, sizeof(*dp));
	dp->null_node = 1;
	dp->name = cmfv_strdup("");
	dp->version = cmfv_strdup("");
	dp->alias = cmfv_strdup("");
	dp->condition = cmfv_strdup("");
	return dp->name && dp->version && dp->alias && dp->condition ? CMFV_OK : CMFV_ENOMEM;
}

enum cmfv_err cmfv_chart_meta_finish(struct cmfv_chart *c, struct meta_acc *a, struct cmfv_diag *d)
{
	size_t i;

	c->has_deps = a->has_deps;
	c->deps = cmfv_calloc(a->len + 1, sizeof(*c->deps));
	if (c->deps == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; i < a->len; i++) {
		struct dacc *x = a->deps[i];

		c->ndeps++;
		if (x == NULL) {
			if (null_dep(&c->deps[i]) != CMFV_OK)
				return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			continue;
		}
		/* the strings past the length are not part of the list */
		for (; x->tags_made > x->d.ntags; x->tags_made--)
			cmfv_free(x->d.tags[x->tags_made - 1]);
		c->deps[i] = x->d;
		cmfv_free(x);
		a->deps[i] = NULL;
	}
	deps_drop(a);
	return CMFV_OK;
}

static int alias_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* Metadata.Validate */
/* Metadata.Validate and Dependency.Validate clean these up first */
static enum cmfv_err sanitize_all(struct cmfv_chart *c)
{
	enum cmfv_err e = cmfv_chart_sanitize(&c->chart_name);
	size_t i, j;

	if (e == CMFV_OK)
		e = cmfv_chart_sanitize(&c->kube_version);
	for (i = 0; i < c->ndeps && e == CMFV_OK; i++) {
		struct cmfv_chart_dep *dp = &c->deps[i];

		e = cmfv_chart_sanitize(&dp->name);
		if (e == CMFV_OK)
			e = cmfv_chart_sanitize(&dp->version);
		if (e == CMFV_OK)
			e = cmfv_chart_sanitize(&dp->condition);
		for (j = 0; j < dp->ntags && e == CMFV_OK; j++)
			e = cmfv_chart_sanitize(&dp->tags[j]);
	}
	return e;
}

enum cmfv_err cmfv_chart_validate(struct cmfv_chart *c, const char *api, const char *where,
				  struct cmfv_diag *d)
{
	size_t i, dup;

	if (sanitize_all(c) != CMFV_OK || (dup = cmfv_chart_first_dup_dep(c)) == (size_t)-1)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");

	if (!api[0])
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
				     "validation: chart.metadata.apiVersion is required");
	if (!c->chart_name[0])
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
				     "validation: chart.metadata.name is required");
	if (strchr(c->chart_name, '/') || strcmp(c->chart_name, ".") == 0 ||
	    strcmp(c->chart_name, "..") == 0)
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
				     "validation: chart.metadata.name \"%s\" is invalid",
				     c->chart_name);
	if (!c->version[0])
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
				     "validation: chart.metadata.version is required");
	if (!cmfv_semver_valid(c->version))
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
				     "validation: chart.metadata.version \"%s\" is invalid",
				     c->version);
	if (c->type[0] && strcmp(c->type, "application") != 0 && strcmp(c->type, "library") != 0)
		return cmfv_diag_set(
		    d, CMFV_EINPUT, where, 0, 0,
		    "validation: chart.metadata.type must be application or library");
	if (c->null_maintainer)
		return cmfv_diag_set(
		    d, CMFV_EINPUT, where, 0, 0,
		    "validation: maintainers must not contain empty or null nodes");
	for (i = 0; i < c->ndeps; i++) {
		const struct cmfv_chart_dep *a = &c->deps[i];
		const char *ka = a->alias[0] ? a->alias : a->name;

		if (a->null_node)
			return cmfv_diag_set(
			    d, CMFV_EINPUT, where, 0, 0,
			    "validation: dependencies must not contain empty or null nodes");
		if (a->alias[0] && !alias_ok(a->alias))
			return cmfv_diag_set(
			    d, CMFV_EINPUT, where, 0, 0,
			    "validation: dependency \"%s\" has disallowed characters in the alias",
			    a->name);
		if (i == dup)
			return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
					     "validation: more than one dependency with "
					     "name or alias \"%s\"",
					     ka);
	}
	return CMFV_OK;
}

static enum cmfv_err meta_deps(struct meta_acc *a, const struct cmfv_node *meta,
			       struct cmfv_diag *d)
{
	size_t i, n;
	const struct cmfv_pair **k = keys_for(meta, &META_SET, "dependencies", &n);
	enum cmfv_err e = CMFV_OK;

	if (k == NULL && n)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; i < n && e == CMFV_OK; i++)
		e = deps_apply(a, k[i]->val, d);
	cmfv_free(k);
	return e;
}

static void meta_maintainers(struct cmfv_chart *c, const struct cmfv_node *meta)
{
	const struct cmfv_node *mt = field_val(meta, &META_SET, "maintainers");
	size_t i;

	if (mt == NULL)
		return;
	c->null_maintainer = 0;
	for (i = 0; cmfv_is_seq(mt) && i < mt->u.seq.n; i++)
		if (mt->u.seq.v[i]->kind == CMFV_NULL)
			c->null_maintainer = 1;
}

static enum cmfv_err meta_fields(struct cmfv_chart *c, struct meta_acc *a,
				 const struct cmfv_node *meta, struct cmfv_diag *d)
{
	enum cmfv_err e = str_field(meta, &META_SET, "name", &c->chart_name, d);

	if (e == CMFV_OK)
		e = str_field(meta, &META_SET, "version", &c->version, d);
	if (e == CMFV_OK)
		e = str_field(meta, &META_SET, "type", &c->type, d);
	if (e == CMFV_OK)
		e = str_field(meta, &META_SET, "kubeVersion", &c->kube_version, d);
	if (e == CMFV_OK)
		e = str_field(meta, &META_SET, "apiVersion", &a->api, d);
	if (e == CMFV_OK)
		e = meta_deps(a, meta, d);
	meta_maintainers(c, meta);
	return e;
}

/* yaml.Unmarshal(file, c.Metadata): every Chart.yaml first (a Chart.yaml
 * without apiVersion is v1), then each requirements.yaml, over the same
 * struct. */
enum cmfv_err cmfv_chart_load_meta(struct cmfv_chart *c, struct meta_acc *a, const struct cfile *f,
				   const char *label, struct cmfv_sources *src, struct cmfv_diag *d)
{
	const struct cmfv_yaml_opts opts = {
	    .keep_ints = 1, .keep_nonfinite = 1, .max_nodes = CMFV_CHART_META_MAX_NODES};
	const struct cmfv_source *s;
	struct cmfv_node *meta = NULL;
	enum cmfv_err e = cmfv_sources_add(src, f->display, f->data ? f->data : "", f->len, 0, &s);
	int chart = strcmp(label, "Chart.yaml") == 0;

	if (e != CMFV_OK)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	e = cmfv_yaml_load_go(s->text, s->len, s->name, &opts, &meta, d);
	if (e == CMFV_OK && meta && meta->kind != CMFV_MAP && meta->kind != CMFV_NULL)
		e = cmfv_diag_set(d, CMFV_EINPUT, s->name, meta->loc.line, meta->loc.col,
				  "cannot load %s: it must be a map, not a %s", label,
				  cmfv_kind_name(meta->kind));
	/* Helm 4 reads the first Chart.yaml of the chart it installs alone first */
	if (e == CMFV_OK && chart && a->detect4 && a->charts == 0)
		e = check_finite(meta, &BASE_SET, label, d);
	if (e == CMFV_OK)
		e = check_finite(meta, &META_SET, label, d);
	if (e == CMFV_OK && cmfv_is_map(meta))
		e = check_set(meta, &META_SET, label, d);
	a->present = 1;
	if (e == CMFV_OK)
		e = meta_fields(c, a, meta, d);
	if (e == CMFV_OK && a->api == NULL && (a->api = cmfv_strdup("")) == NULL)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (e == CMFV_OK && chart && a->charts++ == 0 &&
	    (a->first_api = cmfv_strdup(a->api)) == NULL)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (e == CMFV_OK && chart && !a->api[0]) {
		cmfv_free(a->api);
		if ((a->api = cmfv_strdup("v1")) == NULL)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	cmfv_node_free(meta);
	return e;
}

/* yaml.Unmarshal(file, &c.Lock): only whether it loads matters */
enum cmfv_err cmfv_chart_check_lock(const struct cmfv_node *lock, const char *label,
				    struct cmfv_diag *d)
{
	enum cmfv_err e = check_finite(lock, &LOCK_SET, label, d);
	const struct cmfv_pair **g;
	size_t i, n;

	if (e == CMFV_OK && cmfv_is_map(lock))
		e = check_set(lock, &LOCK_SET, label, d);
	if (e != CMFV_OK)
		return e;
	/* time.Time.UnmarshalJSON for each key that fills it (null: no-op) */
	g = keys_for(lock, &LOCK_SET, "generated", &n);
	if (g == NULL && n)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; i < n && e == CMFV_OK; i++) {
		const struct cmfv_node *v = g[i]->val;

		if (v->kind != CMFV_NULL && v->kind != CMFV_STR)
			e = cmfv_diag_set(d, CMFV_EINPUT, v->loc.file, v->loc.line, v->loc.col,
					  "cannot load %s: Time.UnmarshalJSON: input is not a JSON "
					  "string",
					  label);
		else if (v->kind == CMFV_STR && !cmfv_chart_rfc3339(v->u.s.ptr))
			e = cmfv_diag_set(d, CMFV_EINPUT, v->loc.file, v->loc.line, v->loc.col,
					  "cannot load %s: parsing time \"%.60s\": not an RFC 3339 "
					  "time",
					  label, v->u.s.ptr);
	}
	cmfv_free(g);
	return e;
}
