/* Kustomize patch targets (kustomize api/types.Selector) against the model
 * of the CMF Deployment kpatch.c keeps: group, version, kind, name and
 * namespace are anchored regular expressions, then a Kubernetes label
 * selector and an annotation selector. Three-valued: the model knows the
 * Deployment's name and the CMF name label, not its other labels, its
 * namespace or its annotations, so a selector on those is MAYBE. */
#include "kpatch_int.h"

#include <stdio.h>
#include <string.h>

/* Kustomize compiles each field as Go RE2 "^(?:PAT)$". Only a subset is
 * decided here, one whose meaning RE2 and this matcher share exactly:
 * alternatives of atoms (a letter, digit, '-', '_', '/', or '.' for any
 * character), each with at most one of '*', '+', '?'. Anything else
 * (classes, groups, escapes, a lazy or nested quantifier, a quantifier
 * with nothing before it) is MAYBE: tried both ways, never a POSIX match. */
#define RE_MAX 500

static int re_lit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '/';
}

static int re_quant(char c)
{
	return c == '*' || c == '+' || c == '?';
}

/* Mark in \p to the positions after one more \p a from any in \p from. */
static void re_step(char a, const char *s, size_t n, const char *from, char *to)
{
	size_t j;

	for (j = 0; j < n; j++)
		if (from[j] && (a == '.' ? s[j] != '\n' : s[j] == a))
			to[j + 1] = 1;
}

/* Does the alternative [p, e) (checked already) match all of \p s? */
static int re_alt(const char *p, const char *e, const char *s)
{
	char cur[RE_MAX + 2], nxt[RE_MAX + 2];
	size_t n = strlen(s), j;

	memset(cur, 0, n + 1);
	cur[0] = 1;
	while (p < e) {
		char a = *p++, q = p < e && re_quant(*p) ? *p++ : 0;
		int more = 1;

		memset(nxt, 0, n + 1);
		if (q == '?' || q == '*')
			memcpy(nxt, cur, n + 1);
		re_step(a, s, n, cur, nxt);
		while ((q == '*' || q == '+') && more) {
			char add[RE_MAX + 2];

			memset(add, 0, n + 1);
			re_step(a, s, n, nxt, add);
			more = 0;
			for (j = 0; j <= n; j++)
				if (add[j] && !nxt[j])
					nxt[j] = 1, more = 1;
		}
		memcpy(cur, nxt, n + 1);
	}
	return cur[n];
}

static enum tri re_full(const char *pat, const char *s)
{
	const char *p, *a;
	int hit = 0;

	if (pat == NULL || pat[0] == 0)
		return YES;
	if (s == NULL || strlen(pat) > RE_MAX || strlen(s) > RE_MAX)
		return MAYBE;
	for (p = pat; *p; p++) /* the subset, or MAYBE */
		if (re_quant(*p) ? (p == pat || !(re_lit(p[-1]) || p[-1] == '.'))
				 : !(re_lit(*p) || *p == '.' || *p == '|'))
			return MAYBE;
	for (a = p = pat;; p++)
		if (*p == '|' || *p == 0) {
			hit |= re_alt(a, p, s);
			if (*p == 0)
				break;
			a = p + 1;
		}
	return hit ? YES : NO;
}

enum tri kp_tri_and(enum tri a, enum tri b)
{
	if (a == NO || b == NO)
		return NO;
	return a == YES && b == YES ? YES : MAYBE;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

/* Is \p v (length n) one of the comma-separated values in [s, e)? */
static int in_set(const char *s, const char *e, const char *v)
{
	while (s < e) {
		const char *c = memchr(s, ',', (size_t)(e - s)), *ie = c ? c : e, *is = s;

		trim(&is, &ie);
		if ((size_t)(ie - is) == strlen(v) && memcmp(is, v, strlen(v)) == 0)
			return 1;
		s = c ? c + 1 : e;
	}
	return 0;
}

/* One requirement of a Kubernetes label selector, against the labels the
 * model knows (a key it does not hold may still be on the real object). */
static enum tri requirement(const struct cmfv_node *labels, const char *s, const char *e)
{
	const char *op, *ve;
	char key[256];
	const struct cmfv_node *have;
	int neg = 0, set = 0;

	trim(&s, &e);
	if (s < e && *s == '!') {
		s++;
		trim(&s, &e);
		if ((size_t)(e - s) >= sizeof(key) || memchr(s, ' ', (size_t)(e - s)))
			return MAYBE;
		memcpy(key, s, (size_t)(e - s));
		key[e - s] = 0;
		have = cmfv_map_get(labels, key);
		return have ? NO : MAYBE;
	}
	op = s + strcspn(s, "!= ");
	if (op > e)
		op = e;
	if ((size_t)(op - s) >= sizeof(key) || op == s)
		return MAYBE;
	memcpy(key, s, (size_t)(op - s));
	key[op - s] = 0;
	have = cmfv_map_get(labels, key);
	while (op < e && *op == ' ')
		op++;
	if (op == e) /* exists */
		return have ? YES : MAYBE;
	if (have == NULL || have->kind != CMFV_STR)
		return MAYBE;
	if (strncmp(op, "!=", 2) == 0)
		neg = 1, op += 2;
	else if (strncmp(op, "==", 2) == 0)
		op += 2;
	else if (*op == '=')
		op += 1;
	else if (strncmp(op, "notin", 5) == 0)
		neg = 1, set = 1, op += 5;
	else if (strncmp(op, "in", 2) == 0)
		set = 1, op += 2;
	else
		return MAYBE;
	ve = e;
	trim(&op, &ve);
	if (set) {
		if (op >= ve || *op != '(' || ve[-1] != ')')
			return MAYBE;
		return in_set(op + 1, ve - 1, have->u.s.ptr) != neg ? YES : NO;
	}
	return ((size_t)(ve - op) == have->u.s.len &&
		memcmp(op, have->u.s.ptr, have->u.s.len) == 0) != neg
		   ? YES
		   : NO;
}

static enum tri label_match(const struct cmfv_node *labels, const char *sel)
{
	const char *s = sel;
	enum tri t = YES;
	int depth = 0;

	if (sel == NULL || sel[0] == 0)
		return YES;
	for (const char *p = sel;; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		if (*p == 0 || (*p == ',' && depth == 0)) {
			t = kp_tri_and(t, requirement(labels, s, p));
			if (*p == 0)
				break;
			s = p + 1;
		}
	}
	return t;
}

static const char *field(const struct cmfv_node *t, const char *k, int *bad)
{
	const struct cmfv_node *n = cmfv_map_get(t, k);

	if (n == NULL || n->kind == CMFV_NULL)
		return NULL;
	if (n->kind != CMFV_STR)
		*bad = 1;
	return cmfv_str(n);
}

/* Does the patch target (kustomize types.Selector: anchored regexes for
 * group, version, kind, name, namespace; label and annotation selectors)
 * select the Deployment \p dep? */
enum tri kp_target_match(const struct cmfv_node *t, const struct cmfv_node *dep, int name_known)
{
	static const char *const keys[] = {
	    "group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"};
	const struct cmfv_node *meta = cmfv_map_get(dep, "metadata");
	const char *ns, *ann;
	enum tri r;
	int bad = 0;
	size_t i;

	if (!cmfv_is_map(t))
		return MAYBE;
	for (i = 0; i < t->u.map.n; i++) {
		size_t j;

		for (j = 0; j < sizeof(keys) / sizeof(keys[0]); j++)
			if (strcmp(t->u.map.v[i].key, keys[j]) == 0)
				break;
		if (j == sizeof(keys) / sizeof(keys[0]))
			return MAYBE;
	}
	r = re_full(field(t, "group", &bad), "apps");
	r = kp_tri_and(r, re_full(field(t, "version", &bad), "v1"));
	r = kp_tri_and(r, re_full(field(t, "kind", &bad), "Deployment"));
	r = kp_tri_and(r, re_full(field(t, "name", &bad),
				  name_known ? cmfv_str(cmfv_map_get(meta, "name")) : NULL));
	ns = field(t, "namespace", &bad);
	if (ns && ns[0]) /* the chart may or may not set metadata.namespace */
		r = kp_tri_and(r, MAYBE);
	r = kp_tri_and(r,
		       label_match(cmfv_map_get(meta, "labels"), field(t, "labelSelector", &bad)));
	ann = field(t, "annotationSelector", &bad);
	if (ann && ann[0])
		r = kp_tri_and(r, MAYBE);
	return bad ? MAYBE : r;
}
