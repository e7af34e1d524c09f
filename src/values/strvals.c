/* Helm's --set family (pkg/strvals), reimplemented over cmfv_node.
 *
 * The grammar and its odd corners follow Helm's parser: keys split at '.',
 * '[i]' indexes lists (gaps become null), ',' separates pairs, '\' escapes
 * the next character, 'k={a,b}' makes a list; --set-literal takes the rest
 * of the argument verbatim and knows no escapes or commas. Setting below a
 * value that is not a map (or not a list) is an error, as in Helm. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/json.h"
#include "cmfv/values.h"

#define MAX_INDEX 65536
#define MAX_NESTED 30
/* Helm has no limit on a[0][0]...; we need one, as every level is a C stack
 * frame here and in everything that walks the tree afterwards. */
#define MAX_LIST_NESTED 1000
/* Each empty list item is a node (80 bytes): without a limit, a 128 KiB
 * argument of a0[65536]=1,a1[65536]=1,... asks for 60 GB (Helm has none;
 * it needs 16 bytes an item). The budget (CMFV_SET_MAX_GAPS, four full
 * lists) is shared by every flag of a command line: 60 flags of it each
 * took 1.36 GB when it was per flag. */
#define MAX_GAPS CMFV_SET_MAX_GAPS

/* Sentinel results besides cmfv_err: the end of input was reached. */
#define R_EOF (-1)
/* val_list: the value is not a {list} (nothing consumed). */
#define R_NOTLIST (-2)

struct sp {
	const char *s;
	size_t len, pos;
	const struct cmfv_set_flag *flag;
	struct cmfv_loc loc;
	struct cmfv_sources *src;
	struct cmfv_diag *d;
	int literal;
	unsigned list_depth; /* list_item calls in progress */
	int helm_major;	     /* 3 or 4: how the end of input inside an index ends the parse */
	size_t *gaps_left;   /* empty list items the flags may still make */
};

static int fail(struct sp *p, enum cmfv_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct sp *p, enum cmfv_err code, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a long argument is shortened so that the reason still shows */
	return (int)cmfv_diag_set(p->d, code, "--set", 0, p->flag->index, "%s %.80s%s: %s",
				  cmfv_set_kind_flag(p->flag->kind), p->flag->arg,
				  strlen(p->flag->arg) > 80 ? "..." : "", msg);
}

static int oom(struct sp *p)
{
	return (int)cmfv_diag_fail(p->d, CMFV_ENOMEM, "out of memory");
}

/* Read until one of \p stop; '\' escapes (not for --set-literal). The text
 * goes to \p out (allocated). Returns 0 with *last set, or R_EOF. */
static int until_raw(struct sp *p, const char *stop, struct cmfv_buf *out, char *last);

/* Helm reads the argument as runes: bytes that are not UTF-8 become U+FFFD. */
static int until(struct sp *p, const char *stop, struct cmfv_buf *out, char *last)
{
	int r = until_raw(p, stop, out, last);

	if (out->len && !cmfv_utf8_valid(out->ptr, out->len)) {
		struct cmfv_buf fixed = {0};

		if (cmfv_utf8_sanitize(out->ptr, out->len, &fixed) != CMFV_OK) {
			cmfv_buf_free(&fixed);
			return oom(p);
		}
		cmfv_buf_reset(out);
		cmfv_buf_add(out, fixed.ptr, fixed.len);
		cmfv_buf_free(&fixed);
		if (out->failed)
			return oom(p);
	}
	return r;
}

static int until_raw(struct sp *p, const char *stop, struct cmfv_buf *out, char *last)
{
	cmfv_buf_reset(out);
	while (p->pos < p->len) {
		char c = p->s[p->pos++];

		if (strchr(stop, c) && c != '\0') {
			*last = c;
			return 0;
		}
		if (c == '\\' && !p->literal) {
			if (p->pos >= p->len)
				return R_EOF;
			c = p->s[p->pos++];
		}
		if (cmfv_buf_add(out, &c, 1) != CMFV_OK)
			return oom(p);
	}
	return R_EOF;
}

/* "an integer", "a map", ... */
static const char *kind_of(const struct cmfv_node *n)
{
	switch (n->kind) {
	case CMFV_NULL:
		return "null";
	case CMFV_BOOL:
		return "a boolean";
	case CMFV_INT:
		return "an integer";
	case CMFV_FLOAT:
		return "a number";
	case CMFV_STR:
		return "a string";
	case CMFV_MAP:
		return "a map";
	case CMFV_SEQ:
		return "a list";
	}
	return "a value";
}

/* Map key set; empty keys are ignored as in Helm. Consumes v. */
static int set(struct sp *p, struct cmfv_node *data, const char *key, struct cmfv_node *v)
{
	if (key[0] == '\0') {
		cmfv_node_free(v);
		return 0;
	}
	if (cmfv_map_set(data, key, p->loc, v) != CMFV_OK)
		return oom(p);
	return 0;
}

static struct cmfv_node *new_str(struct sp *p, const char *s, size_t len)
{
	struct cmfv_node *n = cmfv_node_new_str(s, len, p->loc);

	if (n && p->flag->kind == CMFV_SET_STRING)
		n->quoted = 1;
	return n;
}

static int strncasecmp_ascii(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return 1;
	}
	return 0;
}

/* Helm's typedVal: true/false/null (any case), 0, and decimal int64s
 * without a leading zero; everything else stays a string. */
static struct cmfv_node *typed(struct sp *p, const char *s, size_t len)
{
	struct cmfv_node *n;

	if (p->flag->kind != CMFV_SET)
		return new_str(p, s, len);
	if (len == 4 && strncasecmp_ascii(s, "true", 4) == 0) {
		n = cmfv_node_new(CMFV_BOOL, p->loc);
		if (n)
			n->u.b = 1;
		return n;
	}
	if (len == 5 && strncasecmp_ascii(s, "false", 5) == 0) {
		n = cmfv_node_new(CMFV_BOOL, p->loc);
		if (n)
			n->u.b = 0;
		return n;
	}
	if (len == 4 && strncasecmp_ascii(s, "null", 4) == 0)
		return cmfv_node_new(CMFV_NULL, p->loc);
	if (len == 1 && s[0] == '0') {
		n = cmfv_node_new(CMFV_INT, p->loc);
		if (n)
			n->u.i = 0;
		return n;
	}
	if (len > 0 && s[0] != '0' && len < 32 && memchr(s, '\0', len) == NULL) {
		char buf[32], *end;
		long long v;
		size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
		int digits = i < len;

		for (; i < len; i++)
			if (s[i] < '0' || s[i] > '9')
				digits = 0;
		if (digits) {
			memcpy(buf, s, len);
			buf[len] = '\0';
			errno = 0;
			v = strtoll(buf, &end, 10);
			if (errno == 0 && *end == '\0') {
				n = cmfv_node_new(CMFV_INT, p->loc);
				if (n)
					n->u.i = v;
				return n;
			}
		}
	}
	return new_str(p, s, len);
}

/* The value reader: typed, string, or (--set-file) the named file's content. */
static int reader(struct sp *p, const char *s, size_t len, struct cmfv_node **out)
{
	if (p->flag->kind == CMFV_SET_FILE) {
		const struct cmfv_source *src;
		char *path = cmfv_strndup(s, len);
		enum cmfv_err e;

		if (path == NULL)
			return oom(p);
		e = cmfv_values_read_file(p->src, path, "--set-file", &src, p->d);
		cmfv_free(path);
		if (e != CMFV_OK)
			return (int)e;
		*out = new_str(p, src->text, src->len);
		if (*out)
			(*out)->secret = 1; /* a file's content: never in a message */
	} else {
		*out = typed(p, s, len);
	}
	return *out ? 0 : oom(p);
}

/* Bytes of the Unicode space (Go's unicode.IsSpace) at \p s, or 0. */
static size_t uspace(const unsigned char *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		return 1;
	if (n >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
		return 2;
	if (n >= 3 && s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80) /* U+1680 */
		return 3;
	if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 &&
	    (s[2] <= 0x8A || s[2] == 0xA8 || s[2] == 0xA9 ||
	     s[2] == 0xAF)) /* U+2000-200A, 2028, 2029, 202F */
		return s[2] >= 0x80 ? 3 : 0;
	if (n >= 3 && s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F) /* U+205F */
		return 3;
	if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) /* U+3000 */
		return 3;
	return 0;
}

/* Helm's emptyVal: skip unicode.IsSpace runes; end of input or ',' means
 * no value. */
static int empty_val(struct sp *p)
{
	while (p->pos < p->len) {
		size_t w = uspace((const unsigned char *)p->s + p->pos, p->len - p->pos);

		if (p->s[p->pos] == ',') {
			p->pos++;
			return 1;
		}
		if (w == 0)
			return 0;
		p->pos += w;
	}
	return 1;
}

static int json_val(struct sp *p, struct cmfv_node **out)
{
	size_t used = 0;
	enum cmfv_err e =
	    cmfv_json_parse(p->s + p->pos, p->len - p->pos, p->loc, 10000, out, &used, p->d);

	if (e != CMFV_OK) {
		/* re-home the JSON error on the flag */
		if (e == CMFV_EINPUT) {
			char msg[sizeof(p->d->msg)];

			memcpy(msg, p->d->msg, sizeof(msg));
			cmfv_diag_clear(p->d);
			return fail(p, CMFV_EINPUT, "invalid JSON: %s", msg);
		}
		return (int)e;
	}
	p->pos += used;
	empty_val(p);
	return 0;
}

/* k={a,b,c}. Returns 0 with *out a list, R_EOF at end of input (no
 * value), R_NOTLIST when the value is not a list. */
static int val_list(struct sp *p, struct cmfv_buf *tmp, struct cmfv_node **out)
{
	struct cmfv_node *list;
	char last;

	if (p->pos >= p->len)
		return R_EOF;
	if (p->s[p->pos] != '{')
		return R_NOTLIST;
	p->pos++;
	list = cmfv_node_new(CMFV_SEQ, p->loc);
	if (list == NULL)
		return oom(p);
	for (;;) {
		struct cmfv_node *v;
		int r = until(p, ",}", tmp, &last);

		if (r == R_EOF) {
			cmfv_node_free(list);
			return fail(p, CMFV_EINPUT, "list must terminate with '}'");
		}
		if (r != 0) {
			cmfv_node_free(list);
			return r;
		}
		if (last == '}' && p->pos < p->len && p->s[p->pos] == ',')
			p->pos++;
		r = reader(p, tmp->ptr ? tmp->ptr : "", tmp->len, &v);
		if (r != 0) {
			cmfv_node_free(list);
			return r;
		}
		if (cmfv_seq_push(list, v) != CMFV_OK) {
			cmfv_node_free(list);
			return oom(p);
		}
		if (last == '}') {
			*out = list;
			return 0;
		}
	}
}

/* The value after '=': sets *out. May return R_EOF, which Helm treats as
 * the end of a successful parse. */
static int value(struct sp *p, struct cmfv_buf *tmp, struct cmfv_node **out, int in_list)
{
	char last;
	int r;

	*out = NULL;
	if (p->literal) {
		r = until(p, "", tmp, &last);
		if (r != R_EOF && r != 0)
			return r;
		*out = new_str(p, tmp->ptr ? tmp->ptr : "", tmp->len);
		return *out ? 0 : oom(p);
	}
	if (p->flag->kind == CMFV_SET_JSON) {
		if (empty_val(p)) {
			*out = cmfv_node_new(CMFV_NULL, p->loc);
			return *out ? 0 : oom(p);
		}
		return json_val(p, out);
	}
	r = val_list(p, tmp, out);
	if (r == 0)
		return 0;
	if (r == R_EOF) {
		*out = new_str(p, "", 0);
		if (*out == NULL)
			return oom(p);
		/* a key with '=' at the very end: "" and the parse ends (Helm) */
		return in_list ? 0 : R_EOF;
	}
	if (r != R_NOTLIST)
		return r;
	r = until(p, ",", tmp, &last);
	if (r != 0 && r != R_EOF)
		return r;
	/* the end of input here is not the end of the parse: Helm returns
	 * the reader's result, and the next key finds the end */
	return reader(p, tmp->ptr ? tmp->ptr : "", tmp->len, out);
}

static int parse_index(struct sp *p, struct cmfv_buf *tmp, long *out)
{
	char last, *end;
	long v;
	int r = until(p, "]", tmp, &last);

	/* Helm 4 tests errors.Is(err, io.EOF): the wrapped end of input ends
	 * the parse quietly, keeping what was set; Helm 3 fails */
	if (r == R_EOF)
		return p->helm_major == 3
			   ? fail(p, CMFV_EINPUT, "error parsing index: unterminated '['")
			   : R_EOF;
	if (r != 0)
		return r;
	errno = 0;
	v = tmp->len ? strtol(tmp->ptr, &end, 10) : 0;
	if (tmp->len == 0 || *end != '\0' || errno != 0 ||
	    !(tmp->ptr[0] == '+' || tmp->ptr[0] == '-' ||
	      (tmp->ptr[0] >= '0' && tmp->ptr[0] <= '9')))
		return fail(p, CMFV_EINPUT, "error parsing index: \"%s\" is not a number",
			    tmp->ptr ? tmp->ptr : "");
	*out = v;
	return 0;
}

/* Helm's setIndex: grow with nulls, then put. Consumes v. */
static int set_index(struct sp *p, struct cmfv_node *list, long i, struct cmfv_node *v)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", i);
	if (i < 0) {
		cmfv_node_free(v);
		return fail(p, CMFV_EINPUT, "negative %s index not allowed", num);
	}
	if (i > MAX_INDEX) {
		cmfv_node_free(v);
		return fail(p, CMFV_EINPUT,
			    "index of %s is greater than maximum supported index of 65536", num);
	}
	if (list->u.seq.n <= (size_t)i && (size_t)i + 1 - list->u.seq.n > *p->gaps_left) {
		cmfv_node_free(v);
		return fail(p, CMFV_EINPUT,
			    "index %s: the --set flags together may not add more than %zu empty "
			    "list items",
			    num, MAX_GAPS);
	}
	while (list->u.seq.n <= (size_t)i) {
		struct cmfv_node *nul = cmfv_node_new(CMFV_NULL, p->loc);

		(*p->gaps_left)--;
		if (nul == NULL || cmfv_seq_push(list, nul) != CMFV_OK) {
			cmfv_node_free(v);
			return oom(p);
		}
	}
	cmfv_node_free(list->u.seq.v[i]);
	list->u.seq.v[i] = v;
	return 0;
}

static int key(struct sp *p, struct cmfv_node *data, int level);

/* list_item works on \p list in place. */
static int list_item(struct sp *p, struct cmfv_node *list, long i, int level)
{
	struct cmfv_buf k = {0};
	char last, num[32];
	int r;

	snprintf(num, sizeof(num), "%ld", i);
	if (i < 0)
		return fail(p, CMFV_EINPUT, "negative %s index not allowed", num);
	if (p->list_depth >= MAX_LIST_NESTED)
		return fail(
		    p, CMFV_EINPUT,
		    "list nested level is greater than maximum supported nested level of %d",
		    MAX_LIST_NESTED);
	p->list_depth++;
	r = until(p, "[.=", &k, &last);
	if (r != 0 && r != R_EOF)
		goto out;
	if (k.len > 0) {
		r = fail(p, CMFV_EINPUT, "unexpected data at end of array index: \"%s\"", k.ptr);
		goto out;
	}
	if (r != 0)
		goto out;
	if (last == '=') {
		struct cmfv_node *v;

		r = value(p, &k, &v, 1);
		if (v == NULL)
			goto out;
		if (r != 0 && r != R_EOF) {
			cmfv_node_free(v);
			goto out;
		}
		/* Helm ends this element here whatever follows */
		r = set_index(p, list, i, v);
		goto out;
	}
	if (last == '[') {
		long next;
		struct cmfv_node *inner = NULL;

		r = parse_index(p, &k, &next);
		if (r != 0)
			goto out;
		if (list->u.seq.n > (size_t)i && list->u.seq.v[i]->kind != CMFV_NULL) {
			if (list->u.seq.v[i]->kind != CMFV_SEQ) {
				r = fail(p, CMFV_EINPUT, "element %s is %s, not a list", num,
					 kind_of(list->u.seq.v[i]));
				goto out;
			}
			inner = list->u.seq.v[i];
			r = list_item(p, inner, next, level);
			goto out;
		}
		inner = cmfv_node_new(CMFV_SEQ, p->loc);
		if (inner == NULL) {
			r = oom(p);
			goto out;
		}
		r = list_item(p, inner, next, level);
		if (r != 0) {
			/* Helm returns the outer list untouched on any error, the
			 * end of input included: a[0][1] alone leaves a = [] */
			cmfv_node_free(inner);
			goto out;
		}
		{
			int rr = set_index(p, list, i, inner);

			if (rr)
				r = rr;
		}
		goto out;
	}
	/* '.' */
	{
		struct cmfv_node *inner;

		if (list->u.seq.n > (size_t)i) {
			if (list->u.seq.v[i]->kind != CMFV_MAP) {
				struct cmfv_node *m = cmfv_node_new(CMFV_MAP, p->loc);

				if (m == NULL) {
					r = oom(p);
					goto out;
				}
				cmfv_node_free(list->u.seq.v[i]);
				list->u.seq.v[i] = m;
			}
			r = key(p, list->u.seq.v[i], level);
			goto out;
		}
		inner = cmfv_node_new(CMFV_MAP, p->loc);
		if (inner == NULL) {
			r = oom(p);
			goto out;
		}
		r = key(p, inner, level);
		if (r != 0) {
			cmfv_node_free(inner);
			goto out;
		}
		r = set_index(p, list, i, inner);
	}
out:
	p->list_depth--;
	cmfv_buf_free(&k);
	return r;
}

static int key(struct sp *p, struct cmfv_node *data, int level)
{
	struct cmfv_buf k = {0};
	char last = 0, *ks = NULL;
	int r = until(p, p->literal ? "=[." : "=[,.", &k, &last);

	if (r == R_EOF) {
		if (k.len != 0)
			r = fail(p, CMFV_EINPUT, "key \"%s\" has no value", k.ptr);
		cmfv_buf_free(&k);
		return r;
	}
	if (r != 0) {
		cmfv_buf_free(&k);
		return r;
	}
	ks = cmfv_strndup(k.ptr ? k.ptr : "", k.len);
	if (ks == NULL) {
		cmfv_buf_free(&k);
		return oom(p);
	}
	switch (last) {
	case '[': {
		long i;
		struct cmfv_node *list = cmfv_map_get(data, ks);
		int fresh = 0;

		r = parse_index(p, &k, &i);
		if (r != 0)
			break;
		if (list != NULL && list->kind != CMFV_SEQ) {
			r = fail(p, CMFV_EINPUT, "cannot index \"%s\": it is %s, not a list", ks,
				 kind_of(list));
			break;
		}
		if (list == NULL) {
			list = cmfv_node_new(CMFV_SEQ, p->loc);
			if (list == NULL) {
				r = oom(p);
				break;
			}
			fresh = 1;
		}
		r = list_item(p, list, i, level);
		if (fresh && r != 0 && r != R_EOF) {
			cmfv_node_free(list); /* failed: the parse stops here anyway */
		} else if (fresh) {
			int rr = set(p, data, ks, list);

			if (rr)
				r = rr;
		}
		break;
	}
	case '=': {
		struct cmfv_node *v;

		r = value(p, &k, &v, 0);
		if (v != NULL) {
			if (r != 0 && r != R_EOF) {
				cmfv_node_free(v);
			} else {
				int rr = set(p, data, ks, v);

				if (rr)
					r = rr;
			}
		}
		break;
	}
	case ',': {
		struct cmfv_node *v = new_str(p, "", 0);

		if (v == NULL) {
			r = oom(p);
			break;
		}
		r = set(p, data, ks, v);
		if (r == 0)
			r = fail(p, CMFV_EINPUT, "key \"%s\" has no value (cannot end with ,)", ks);
		break;
	}
	default: { /* '.' */
		struct cmfv_node *inner = cmfv_map_get(data, ks);
		int fresh = 0;

		if (++level > MAX_NESTED) {
			r = fail(p, CMFV_EINPUT,
				 "value name nested level is greater than maximum supported nested "
				 "level of 30");
			break;
		}
		if (inner != NULL && inner->kind != CMFV_MAP) {
			r = fail(p, CMFV_EINPUT, "cannot set below \"%s\": it is %s, not a map", ks,
				 kind_of(inner));
			break;
		}
		if (inner == NULL) {
			inner = cmfv_node_new(CMFV_MAP, p->loc);
			if (inner == NULL) {
				r = oom(p);
				break;
			}
			fresh = 1;
		}
		r = key(p, inner, level);
		if (r == 0 && inner->u.map.n == 0)
			r = fail(p, CMFV_EINPUT, "key map \"%s\" has no value", ks);
		if (fresh) {
			if (inner->u.map.n != 0 && (r == 0 || r == R_EOF)) {
				int rr = set(p, data, ks, inner);

				if (rr)
					r = rr;
			} else {
				cmfv_node_free(inner);
			}
		}
		break;
	}
	}
	cmfv_free(ks);
	cmfv_buf_free(&k);
	return r;
}

enum cmfv_err cmfv_strvals_apply(struct cmfv_node *base, const struct cmfv_set_flag *flag,
				 struct cmfv_sources *src, struct cmfv_diag *d)
{
	size_t budget = MAX_GAPS;

	return cmfv_strvals_apply_full(base, flag, 4, src, &budget, d);
}

enum cmfv_err cmfv_strvals_apply_as(struct cmfv_node *base, const struct cmfv_set_flag *flag,
				    int helm_major, struct cmfv_sources *src, struct cmfv_diag *d)
{
	size_t budget = MAX_GAPS;

	return cmfv_strvals_apply_full(base, flag, helm_major, src, &budget, d);
}

enum cmfv_err cmfv_strvals_apply_budget(struct cmfv_node *base, const struct cmfv_set_flag *flag,
					struct cmfv_sources *src, size_t *gaps_left,
					struct cmfv_diag *d)
{
	return cmfv_strvals_apply_full(base, flag, 4, src, gaps_left, d);
}

enum cmfv_err cmfv_strvals_apply_full(struct cmfv_node *base, const struct cmfv_set_flag *flag,
				      int helm_major, struct cmfv_sources *src, size_t *gaps_left,
				      struct cmfv_diag *d)
{
	struct sp p;
	int r;

	memset(&p, 0, sizeof(p));
	p.helm_major = helm_major;
	p.gaps_left = gaps_left;
	p.s = flag->arg;
	p.len = strlen(flag->arg);
	p.flag = flag;
	p.loc.file = "--set";
	p.loc.line = 0;
	p.loc.col = flag->index;
	p.src = src;
	p.d = d;
	p.literal = flag->kind == CMFV_SET_LITERAL;
	do {
		r = key(&p, base, 0);
	} while (r == 0);
	return r == R_EOF ? CMFV_OK : (enum cmfv_err)r;
}

const char *cmfv_set_kind_flag(enum cmfv_set_kind k)
{
	switch (k) {
	case CMFV_SET:
		return "--set";
	case CMFV_SET_STRING:
		return "--set-string";
	case CMFV_SET_JSON:
		return "--set-json";
	case CMFV_SET_FILE:
		return "--set-file";
	case CMFV_SET_LITERAL:
		return "--set-literal";
	}
	return "--set";
}
