/* The document classifier's private parts (classify.c): what one line's
 * tokens leave open (classify_tokens.c), and the small helpers both use. */
#ifndef CMFV_CLASSIFY_INT_H
#define CMFV_CLASSIFY_INT_H

#include <stddef.h>

static inline int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* After a value: only blanks, then the end or a comment. */
static inline int rest_is_empty(const char *p, const char *e)
{
	const char *q = p;

	while (q < e && is_blank(*q))
		q++;
	return q == e || (*q == '#' && q > p);
}

enum lt { LT_CLOSED, LT_OPEN, LT_BLOCK };

/** Does the line [s, e) leave a quoted scalar or flow collection open, or
 * start a block scalar (then *parent is the indentation its content must
 * exceed and *inc its explicit indentation, 0 if none)? Unsure is LT_OPEN. */
enum lt cmfv_cls_line_tokens(const char *s, const char *e, size_t *parent, size_t *inc);

/** The same, by walking the line's tokens one by one. */
enum lt cmfv_cls_line_walk(const char *s, const char *e, size_t *parent, size_t *inc);

/** Is [s, e) spaces, then a plain `key:` and nothing, or blanks and a plain
 * value of letters, digits, blanks and `_./=+()@-` (`:` not before a blank
 * or the end)? Such a line leaves nothing open: the walk says LT_CLOSED,
 * only slower (test_classify holds the two to that). */
int cmfv_cls_simple_line(const char *s, const char *e);

#endif
