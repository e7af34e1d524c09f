/* CMF's configuration read as CMF (Spring Boot) reads it: relaxed key
 * spellings, the container's environment folded in. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "finder_int.h"

/* ------------------------------------------------ relaxed spellings */

/* A key as a relaxed binder (Spring Boot's) compares it: [brackets]
 * dropped, lower case, '-' and '_' ignored. Dots stay: `cmf.sql.production:`
 * at the top level is the same setting as the nested form. */
static void relax(const char *k, char *out, size_t n)
{
	size_t len = strlen(k), i, o = 0;

	if (len >= 2 && k[0] == '[' && k[len - 1] == ']') {
		k++;
		len -= 2;
	}
	for (i = 0; i < len && o + 1 < n; i++) {
		char c = k[i];

		if (c == '-' || c == '_')
			continue;
		out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[o] = '\0';
}

struct relaxed {
	const struct cmfv_node *imports; /* spring.config.import: more files, unseen */
	const struct cmfv_node *v[4];	 /* the value found for fnd_watched[i] */
	char rel[4][128];		 /* fnd_watched[i], relaxed */
	struct cmfv_diag *d;
};

static enum cmfv_err walk_relaxed(const struct cmfv_node *m, const char *prefix, struct relaxed *r)
{
	size_t i, k;
	enum cmfv_err e;

	for (i = 0; i < m->u.map.n; i++) {
		const struct cmfv_pair *p = &m->u.map.v[i];
		char seg[256], path[512];

		relax(p->key, seg, sizeof(seg));
		snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "." : "", seg);
		if (strncmp(path, "spring.config.import", 20) == 0 && r->imports == NULL)
			r->imports = p->val;
		if (cmfv_is_map(p->val)) {
			if ((e = walk_relaxed(p->val, path, r)) != CMFV_OK)
				return e;
			continue;
		}
		for (k = 0; fnd_watched[k]; k++) {
			if (strcmp(path, r->rel[k]) != 0)
				continue;
			if (r->v[k] && !fnd_same_scalar(r->v[k], p->val))
				return cmfv_diag_set(r->d, CMFV_EINPUT, p->key_loc.file,
						     p->key_loc.line, p->key_loc.col,
						     "the CMF configuration sets %s again as %s, "
						     "differently (first at line %u): cmf-validate "
						     "cannot tell which one CMF reads",
						     fnd_watched[k], p->key, r->v[k]->loc.line);
			r->v[k] = p->val;
		}
	}
	return CMFV_OK;
}

/* Put a copy of \p v at the dotted \p path of map \p root. */
static enum cmfv_err set_path(struct cmfv_node *root, const char *path, const struct cmfv_node *v)
{
	char seg[128];
	const char *dot = strchr(path, '.');
	struct cmfv_node *next, *cp;

	if (dot == NULL) {
		if (cmfv_map_get(root, path) == v)
			return CMFV_OK;
		cp = cmfv_node_copy(v);
		return cp ? cmfv_map_set(root, path, v->loc, cp) : CMFV_ENOMEM;
	}
	fnd_copy_str(seg, sizeof(seg), path, (size_t)(dot - path));
	next = cmfv_map_get(root, seg);
	if (!cmfv_is_map(next)) {
		enum cmfv_err e;

		next = cmfv_node_new(CMFV_MAP, v->loc);
		if (next == NULL)
			return CMFV_ENOMEM;
		if ((e = cmfv_map_set(root, seg, v->loc, next)) != CMFV_OK)
			return e;
		next = cmfv_map_get(root, seg);
	}
	return set_path(next, dot + 1, v);
}

/* Fold relaxed spellings of the settings we decide on into their canonical
 * paths; two spellings with different values are refused. Then the CMF
 * container's environment, which a relaxed binder lets win. */
enum cmfv_err fnd_canonical(struct cmfv_instance *in, struct cmfv_diag *d)
{
	struct relaxed r;
	size_t k;
	enum cmfv_err e;

	memset(&r, 0, sizeof(r));
	r.d = d;
	for (k = 0; fnd_watched[k]; k++)
		relax(fnd_watched[k], r.rel[k], sizeof(r.rel[k]));
	if ((e = walk_relaxed(in->config, "", &r)) != CMFV_OK)
		return e;
	if (r.imports) {
		snprintf(
		    in->problem, sizeof(in->problem),
		    "its configuration imports more configuration (spring.config.import, line %u), "
		    "which cannot be read here",
		    r.imports->loc.line);
		return CMFV_OK;
	}
	for (k = 0; fnd_watched[k]; k++) {
		const struct cmfv_node *env = cmfv_map_get(in->env, fnd_watched[k]);

		if (env)
			r.v[k] = env;
		if (r.v[k] && (e = set_path(in->config, fnd_watched[k], r.v[k])) != CMFV_OK)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	return CMFV_OK;
}

/* An environment variable's name as a relaxed binder reads it: lower
 * case, '_' as '.', '-' ignored (CMF_SQL_PRODUCTION -> cmf.sql.production,
 * compared with relax()'s form of the setting). */
static void env_name(const char *name, char *out, size_t n)
{
	size_t i, o = 0;

	for (i = 0; name[i] && o + 1 < n; i++) {
		char c = name[i];

		if (c == '-')
			continue;
		out[o++] = c == '_' ? '.' : (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[o] = '\0';
}

/* The CMF container's environment, for the settings we decide on: an
 * environment variable binds as the lower-cased name with '_' read as '.'.
 * A value from a reference, or envFrom, cannot be read here: a problem. */
enum cmfv_err fnd_read_env(const struct cmfv_node *c, struct cmfv_instance *in)
{
	const struct cmfv_node *env = cmfv_map_get(c, "env");
	const struct cmfv_node *from = cmfv_map_get(c, "envFrom");
	size_t i, k;

	if (cmfv_is_seq(from) && from->u.seq.n > 0) {
		snprintf(
		    in->problem, sizeof(in->problem),
		    "its CMF container takes environment variables from envFrom, which may set "
		    "%s and cannot be read here",
		    CMFV_PATH_PRODUCTION);
		return CMFV_OK;
	}
	for (i = 0; cmfv_is_seq(env) && i < env->u.seq.n; i++) {
		const struct cmfv_node *e = env->u.seq.v[i], *val;
		const char *name = cmfv_str(cmfv_map_get(e, "name"));
		char bound[256];

		if (name == NULL)
			continue;
		env_name(name, bound, sizeof(bound));
		for (k = 0; fnd_watched[k]; k++) {
			char want[128];
			struct cmfv_node *v;

			relax(fnd_watched[k], want, sizeof(want));
			if (strcmp(bound, want) != 0)
				continue;
			val = cmfv_map_get(e, "value");
			if (val == NULL || cmfv_map_get(e, "valueFrom")) {
				snprintf(
				    in->problem, sizeof(in->problem),
				    "its CMF container's environment variable %s sets %s from a "
				    "reference that cannot be read here",
				    name, fnd_watched[k]);
				return CMFV_OK;
			}
			if (cmfv_str(val) && (strcasecmp(cmfv_str(val), "true") == 0 ||
					      strcasecmp(cmfv_str(val), "false") == 0)) {
				v = cmfv_node_new(CMFV_BOOL, val->loc);
				if (v)
					v->u.b = strcasecmp(cmfv_str(val), "true") == 0;
			} else {
				v = cmfv_node_copy(val);
			}
			if (v == NULL)
				return CMFV_ENOMEM;
			if (in->env == NULL &&
			    (in->env = cmfv_node_new(CMFV_MAP, val->loc)) == NULL) {
				cmfv_node_free(v);
				return CMFV_ENOMEM;
			}
			if (cmfv_map_set(in->env, fnd_watched[k], val->loc, v) != CMFV_OK)
				return CMFV_ENOMEM;
		}
	}
	return CMFV_OK;
}
