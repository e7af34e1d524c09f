/* One line's tokens, for the document classifier (classify.c): read just
 * far enough to know whether the line leaves a quoted scalar or a flow
 * collection open, or starts a block scalar. */
#include "classify_int.h"

struct tk {
	const char *s, *p, *e;
	int depth;
	size_t node;	/* column of the innermost block collection */
	size_t key_col; /* column of the last scalar */
};

static int flow_ind(char c)
{
	return c == ',' || c == '[' || c == ']' || c == '{' || c == '}';
}

static int blank_or_end(const struct tk *t, const char *q)
{
	return q >= t->e || is_blank(*q);
}

/* A quoted scalar that closes on this line: 0 when it does not. */
static int skip_quoted(struct tk *t)
{
	char q = *t->p++;

	while (t->p < t->e) {
		if (q == '"' && *t->p == '\\') {
			t->p += 2;
			continue;
		}
		if (*t->p == q) {
			if (q == '\'' && t->p + 1 < t->e && t->p[1] == '\'') {
				t->p += 2;
				continue;
			}
			t->p++;
			return 1;
		}
		t->p++;
	}
	return 0;
}

/* A plain scalar: up to ": ", " #", the end, or in flow a flow indicator. */
static void skip_plain(struct tk *t)
{
	t->p++;
	while (t->p < t->e) {
		char c = *t->p;

		if (c == ':' && (blank_or_end(t, t->p + 1) || (t->depth && flow_ind(t->p[1]))))
			return;
		if (c == '#' && is_blank(t->p[-1]))
			return;
		if (t->depth && flow_ind(c))
			return;
		t->p++;
	}
}

/* A block scalar header's indicators and the rest of the line. */
static enum lt block_header(struct tk *t, size_t *parent, size_t *inc)
{
	int digit = 0, sign = 0;

	*inc = 0;
	for (t->p++; t->p < t->e && !is_blank(*t->p); t->p++) {
		if (*t->p >= '1' && *t->p <= '9' && !digit) {
			digit = 1;
			*inc = (size_t)(*t->p - '0');
		} else if ((*t->p == '+' || *t->p == '-') && !sign) {
			sign = 1;
		} else {
			return LT_OPEN;
		}
	}
	if (!rest_is_empty(t->p, t->e))
		return LT_OPEN;
	*parent = t->node;
	return LT_BLOCK;
}

/* After a scalar or a closed collection. 1: go on at a token start; 0: the
 * line is done (*res says how). */
static int after_node(struct tk *t, enum lt *res)
{
	const char *b = t->p;

	while (t->p < t->e && is_blank(*t->p))
		t->p++;
	if (t->p == t->e || (*t->p == '#' && (t->p > b || is_blank(t->p[-1])))) {
		*res = t->depth ? LT_OPEN : LT_CLOSED;
		return 0;
	}
	if (*t->p == ':' && (t->depth || blank_or_end(t, t->p + 1))) {
		if (!t->depth)
			t->node = t->key_col;
		t->p++;
		return 1;
	}
	if (t->depth && *t->p == ',') {
		t->p++;
		return 1;
	}
	if (t->depth && (*t->p == ']' || *t->p == '}')) {
		t->depth--;
		t->p++;
		return after_node(t, res);
	}
	*res = LT_OPEN;
	return 0;
}

/* Skip an anchor, alias or tag property. */
static void skip_property(struct tk *t)
{
	for (t->p++; t->p < t->e && !is_blank(*t->p); t->p++)
		if (t->depth && flow_ind(*t->p))
			return;
}

/* One node at a token start. 1: go on at a token start; 0: done. */
static int one_token(struct tk *t, enum lt *res, size_t *parent, size_t *inc)
{
	char c = *t->p;
	int ind = blank_or_end(t, t->p + 1);

	*res = LT_OPEN;
	t->key_col = (size_t)(t->p - t->s);
	if (c == '"' || c == '\'')
		return skip_quoted(t) && after_node(t, res);
	if (c == '[' || c == '{') {
		t->depth++;
		t->p++;
		return 1;
	}
	if ((c == ']' || c == '}') && t->depth) {
		t->depth--;
		t->p++;
		return after_node(t, res);
	}
	if (c == ',' && t->depth) {
		t->p++;
		return 1;
	}
	if (c == '-' && ind && !t->depth) {
		t->node = t->key_col;
		t->p++;
		return 1;
	}
	if (c == '&' || c == '!') {
		skip_property(t);
		return 1;
	}
	if (c == '*') {
		skip_property(t);
		return after_node(t, res);
	}
	if ((c == '|' || c == '>') && !t->depth) {
		*res = block_header(t, parent, inc);
		return 0;
	}
	if (c == '#' || c == '%' || c == '@' || c == '`' || c == '|' || c == '>' || flow_ind(c) ||
	    ((c == '?' || c == ':' || c == '-') && ind))
		return 0;
	skip_plain(t);
	return after_node(t, res);
}

static int is_alnum_c(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A byte of a plain value the fast path takes: none ends a plain scalar,
 * starts a comment, a quote, a flow collection, a tag, anchor or alias. */
static int simple_char(char c)
{
	return is_alnum_c(c) || c == ' ' || c == '_' || c == '.' || c == '/' || c == '=' ||
	       c == '+' || c == '(' || c == ')' || c == '@' || c == '-';
}

int cmfv_cls_simple_line(const char *p, const char *e)
{
	while (p < e && *p == ' ')
		p++;
	if (p == e)
		return 1;
	if (!is_alnum_c(*p) && *p != '_')
		return 0;
	while (p < e && (is_alnum_c(*p) || *p == '_' || *p == '.' || *p == '/' || *p == '-'))
		p++;
	if (p == e || *p++ != ':')
		return 0;
	if (p < e && *p != ' ')
		return 0;
	while (p < e && *p == ' ')
		p++;
	if (p < e && !is_alnum_c(*p))
		return 0;
	for (; p < e; p++)
		if (!simple_char(*p) && !(*p == ':' && p + 1 < e && p[1] != ' '))
			return 0;
	return 1;
}

enum lt cmfv_cls_line_tokens(const char *s, const char *e, size_t *parent, size_t *inc)
{
	/* most metadata lines: `key: value`, nothing to walk */
	return cmfv_cls_simple_line(s, e) ? LT_CLOSED : cmfv_cls_line_walk(s, e, parent, inc);
}

enum lt cmfv_cls_line_walk(const char *s, const char *e, size_t *parent, size_t *inc)
{
	struct tk t = {s, s, e, 0, 0, 0};
	enum lt res = LT_CLOSED;

	while (t.p < e && *t.p == ' ')
		t.p++;
	if (t.p < e && *t.p == '\t')
		return LT_OPEN;
	t.node = (size_t)(t.p - s);
	for (;;) {
		const char *b = t.p;

		while (t.p < e && is_blank(*t.p))
			t.p++;
		if (t.p == e || (*t.p == '#' && (t.p > b || t.p == s || is_blank(t.p[-1]))))
			return t.depth ? LT_OPEN : LT_CLOSED;
		if (!one_token(&t, &res, parent, inc))
			return res;
	}
}
