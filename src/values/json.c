/* JSON as Go's encoding/json reads and writes it. */
#include "cmfv/json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/scalar.h"

struct jp {
	const char *s;
	size_t len, pos;
	struct cmfv_loc loc;
	size_t max_depth;
	struct cmfv_diag *d;
};

static enum cmfv_err jerr(struct jp *p, const char *what)
{
	return cmfv_diag_fail(p->d, CMFV_EINPUT, "%s at offset %zu", what, p->pos);
}

static void ws(struct jp *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return 0;
	}
	*out = v;
	return 1;
}

static enum cmfv_err put_utf8(struct cmfv_buf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return cmfv_buf_add(b, u, n);
}

/* Length of a valid UTF-8 sequence at s (max n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF && n >= 2 && (s[1] & 0xC0) == 0x80) {
		*cp = ((c & 0x1F) << 6) | (s[1] & 0x3Fu);
		return 2;
	}
	if (c >= 0xE0 && c <= 0xEF && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		*cp = ((c & 0x0F) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
		if (*cp < 0x800 || (*cp >= 0xD800 && *cp <= 0xDFFF))
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4 && n >= 4 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
	    (s[3] & 0xC0) == 0x80) {
		*cp = ((c & 0x07) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) |
		      (s[3] & 0x3Fu);
		if (*cp < 0x10000 || *cp > 0x10FFFF)
			return 0;
		return 4;
	}
	return 0;
}

int cmfv_utf8_valid(const char *s, size_t len)
{
	size_t i = 0;
	unsigned cp;

	while (i < len) {
		size_t n = utf8_len((const unsigned char *)s + i, len - i, &cp);

		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

enum cmfv_err cmfv_utf8_sanitize(const char *s, size_t len, struct cmfv_buf *out)
{
	size_t i = 0;
	unsigned cp;

	while (i < len) {
		size_t n = utf8_len((const unsigned char *)s + i, len - i, &cp);

		if (n == 0) {
			put_utf8(out, 0xFFFD);
			i++;
		} else {
			cmfv_buf_add(out, s + i, n);
			i += n;
		}
	}
	return out->failed ? CMFV_ENOMEM : CMFV_OK;
}

static enum cmfv_err parse_string(struct jp *p, struct cmfv_buf *b)
{
	p->pos++; /* opening quote */
	while (p->pos < p->len) {
		unsigned char c = (unsigned char)p->s[p->pos];

		if (c == '"') {
			p->pos++;
			return CMFV_OK;
		}
		if (c < 0x20)
			return jerr(p, "invalid character in string literal");
		if (c == '\\') {
			char e;

			if (p->pos + 1 >= p->len)
				break;
			e = p->s[p->pos + 1];
			p->pos += 2;
			switch (e) {
			case '"':
			case '\\':
			case '/':
				cmfv_buf_add(b, &e, 1);
				break;
			case 'b':
				cmfv_buf_add(b, "\b", 1);
				break;
			case 'f':
				cmfv_buf_add(b, "\f", 1);
				break;
			case 'n':
				cmfv_buf_add(b, "\n", 1);
				break;
			case 'r':
				cmfv_buf_add(b, "\r", 1);
				break;
			case 't':
				cmfv_buf_add(b, "\t", 1);
				break;
			case 'u': {
				unsigned cp, lo;

				if (p->pos + 4 > p->len || !hex4(p->s + p->pos, &cp))
					return jerr(p, "invalid \\u escape in string literal");
				p->pos += 4;
				if (cp >= 0xD800 && cp < 0xDC00) {
					if (p->pos + 6 <= p->len && p->s[p->pos] == '\\' &&
					    p->s[p->pos + 1] == 'u' &&
					    hex4(p->s + p->pos + 2, &lo) && lo >= 0xDC00 &&
					    lo < 0xE000) {
						p->pos += 6;
						cp =
						    0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					} else {
						cp = 0xFFFD;
					}
				} else if (cp >= 0xDC00 && cp < 0xE000) {
					cp = 0xFFFD;
				}
				put_utf8(b, cp);
				break;
			}
			default:
				return jerr(p, "invalid escape in string literal");
			}
			continue;
		}
		{
			unsigned cp;
			size_t n =
			    utf8_len((const unsigned char *)p->s + p->pos, p->len - p->pos, &cp);

			if (n == 0) {
				/* Go replaces invalid UTF-8 with U+FFFD */
				put_utf8(b, 0xFFFD);
				p->pos++;
			} else {
				cmfv_buf_add(b, p->s + p->pos, n);
				p->pos += n;
			}
		}
	}
	return jerr(p, "unexpected end of JSON input");
}

static enum cmfv_err parse_number(struct jp *p, struct cmfv_node **out)
{
	size_t st = p->pos;
	char buf[512], *end;
	double v;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0') {
		p->pos++;
	} else if (p->pos < p->len && p->s[p->pos] >= '1' && p->s[p->pos] <= '9') {
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	} else {
		return jerr(p, "invalid character in numeric literal");
	}
	if (p->pos < p->len && p->s[p->pos] == '.') {
		size_t d = ++p->pos;

		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
		if (p->pos == d)
			return jerr(p, "invalid character after decimal point in numeric literal");
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		size_t d;

		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		d = p->pos;
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
		if (p->pos == d)
			return jerr(p, "invalid character in exponent of numeric literal");
	}
	if (p->pos - st >= sizeof(buf))
		return jerr(p, "number too long");
	memcpy(buf, p->s + st, p->pos - st);
	buf[p->pos - st] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (isinf(v))
		return jerr(p, "number out of range for a float64");
	*out = cmfv_node_new(CMFV_FLOAT, p->loc);
	if (*out == NULL)
		return cmfv_diag_fail(p->d, CMFV_ENOMEM, "out of memory");
	(*out)->u.f = v;
	return CMFV_OK;
}

static enum cmfv_err parse_value(struct jp *p, size_t depth, struct cmfv_node **out);

static enum cmfv_err parse_container(struct jp *p, size_t depth, struct cmfv_node **out)
{
	int is_map = p->s[p->pos] == '{';
	char close = is_map ? '}' : ']';
	struct cmfv_node *n;
	struct cmfv_buf key = {0};
	enum cmfv_err e = CMFV_OK;

	if (depth >= p->max_depth)
		return jerr(p, "exceeded max depth");
	n = cmfv_node_new(is_map ? CMFV_MAP : CMFV_SEQ, p->loc);
	if (n == NULL)
		return cmfv_diag_fail(p->d, CMFV_ENOMEM, "out of memory");
	p->pos++;
	ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		*out = n;
		return CMFV_OK;
	}
	for (;;) {
		struct cmfv_node *v = NULL;

		ws(p);
		if (is_map) {
			if (p->pos >= p->len || p->s[p->pos] != '"') {
				e = jerr(
				    p,
				    "invalid character looking for beginning of object key string");
				break;
			}
			cmfv_buf_reset(&key);
			e = parse_string(p, &key);
			if (e == CMFV_OK && key.failed)
				e = cmfv_diag_fail(p->d, CMFV_ENOMEM, "out of memory");
			if (e != CMFV_OK)
				break;
			ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				e = jerr(p, "invalid character after object key");
				break;
			}
			p->pos++;
		}
		e = parse_value(p, depth + 1, &v);
		if (e != CMFV_OK)
			break;
		if (is_map)
			e = cmfv_map_set(n, key.ptr ? key.ptr : "", p->loc, v);
		else
			e = cmfv_seq_push(n, v);
		if (e != CMFV_OK) {
			e = cmfv_diag_fail(p->d, CMFV_ENOMEM, "out of memory");
			break;
		}
		ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			break;
		}
		e = p->pos >= p->len
			? jerr(p, "unexpected end of JSON input")
			: jerr(p, is_map ? "invalid character after object key:value pair"
					 : "invalid character after array element");
		break;
	}
	cmfv_buf_free(&key);
	if (e != CMFV_OK) {
		cmfv_node_free(n);
		return e;
	}
	*out = n;
	return CMFV_OK;
}

static int word(struct jp *p, const char *w)
{
	size_t n = strlen(w);

	if (p->len - p->pos >= n && memcmp(p->s + p->pos, w, n) == 0) {
		p->pos += n;
		return 1;
	}
	return 0;
}

static enum cmfv_err parse_value(struct jp *p, size_t depth, struct cmfv_node **out)
{
	char c;

	ws(p);
	if (p->pos >= p->len)
		return jerr(p, "unexpected end of JSON input");
	c = p->s[p->pos];
	if (c == '{' || c == '[')
		return parse_container(p, depth, out);
	if (c == '"') {
		struct cmfv_buf b = {0};
		enum cmfv_err e = parse_string(p, &b);

		if (e == CMFV_OK && b.failed)
			e = cmfv_diag_fail(p->d, CMFV_ENOMEM, "out of memory");
		if (e == CMFV_OK) {
			*out = cmfv_node_new_str(b.ptr ? b.ptr : "", b.len, p->loc);
			if (*out == NULL)
				e = cmfv_diag_fail(p->d, CMFV_ENOMEM, "out of memory");
			else
				(*out)->quoted = 1;
		}
		cmfv_buf_free(&b);
		return e;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p, out);
	if (word(p, "true") || word(p, "false")) {
		*out = cmfv_node_new(CMFV_BOOL, p->loc);
		if (*out == NULL)
			return cmfv_diag_fail(p->d, CMFV_ENOMEM, "out of memory");
		(*out)->u.b = p->s[p->pos - 1] == 'e' && p->s[p->pos - 2] == 'u';
		return CMFV_OK;
	}
	if (word(p, "null")) {
		*out = cmfv_node_new(CMFV_NULL, p->loc);
		return *out ? CMFV_OK : cmfv_diag_fail(p->d, CMFV_ENOMEM, "out of memory");
	}
	return jerr(p, "invalid character looking for beginning of value");
}

enum cmfv_err cmfv_json_parse(const char *s, size_t len, struct cmfv_loc loc, size_t max_depth,
			      struct cmfv_node **out, size_t *used, struct cmfv_diag *d)
{
	struct jp p = {s, len, 0, loc, max_depth ? max_depth : 10000, d};
	struct cmfv_node *n = NULL;
	enum cmfv_err e = parse_value(&p, 0, &n);

	if (e != CMFV_OK)
		return e;
	*out = n;
	*used = p.pos;
	return CMFV_OK;
}

enum cmfv_err cmfv_json_str(struct cmfv_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	cmfv_buf_add(b, "\"", 1);
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		unsigned cp;
		size_t n;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' &&
		    c != '&') {
			size_t j = i;

			while (j < len && (unsigned char)s[j] >= 0x20 &&
			       (unsigned char)s[j] < 0x80 && s[j] != '"' && s[j] != '\\' &&
			       s[j] != '<' && s[j] != '>' && s[j] != '&')
				j++;
			cmfv_buf_add(b, s + i, j - i);
			i = j;
			continue;
		}
		if (c < 0x80) {
			char esc[7];

			switch (c) {
			case '"':
				cmfv_buf_add(b, "\\\"", 2);
				break;
			case '\\':
				cmfv_buf_add(b, "\\\\", 2);
				break;
			case '\n':
				cmfv_buf_add(b, "\\n", 2);
				break;
			case '\r':
				cmfv_buf_add(b, "\\r", 2);
				break;
			case '\t':
				cmfv_buf_add(b, "\\t", 2);
				break;
			case '\b':
				cmfv_buf_add(b, "\\b", 2);
				break;
			case '\f':
				cmfv_buf_add(b, "\\f", 2);
				break;
			default:
				esc[0] = '\\';
				esc[1] = 'u';
				esc[2] = '0';
				esc[3] = '0';
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 0xF];
				cmfv_buf_add(b, esc, 6);
				break;
			}
			i++;
			continue;
		}
		n = utf8_len((const unsigned char *)s + i, len - i, &cp);
		if (n == 0) {
			cmfv_buf_add(b, "\\ufffd", 6);
			i++;
			continue;
		}
		if (cp == 0x2028 || cp == 0x2029) {
			cmfv_buf_add(b, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
		} else {
			cmfv_buf_add(b, s + i, n);
		}
		i += n;
	}
	cmfv_buf_add(b, "\"", 1);
	return b->failed ? CMFV_ENOMEM : CMFV_OK;
}

static int cmp_pairs(const void *a, const void *b)
{
	const struct cmfv_pair *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

enum cmfv_err cmfv_json_emit(struct cmfv_buf *b, const struct cmfv_node *n)
{
	char num[40];
	size_t i;

	switch (n->kind) {
	case CMFV_NULL:
		return cmfv_buf_add(b, "null", 4);
	case CMFV_BOOL:
		return n->u.b ? cmfv_buf_add(b, "true", 4) : cmfv_buf_add(b, "false", 5);
	case CMFV_INT:
		return cmfv_buf_printf(b, "%lld", (long long)n->u.i);
	case CMFV_FLOAT:
		cmfv_format_float_json(n->u.f, num, sizeof(num));
		return cmfv_buf_puts(b, num);
	case CMFV_STR:
		return cmfv_json_str(b, n->u.s.ptr, n->u.s.len);
	case CMFV_SEQ:
		cmfv_buf_add(b, "[", 1);
		for (i = 0; i < n->u.seq.n; i++) {
			if (i)
				cmfv_buf_add(b, ",", 1);
			if (cmfv_json_emit(b, n->u.seq.v[i]) != CMFV_OK)
				return CMFV_ENOMEM;
		}
		return cmfv_buf_add(b, "]", 1);
	case CMFV_MAP: {
		const struct cmfv_pair **sorted;

		sorted = cmfv_malloc((n->u.map.n ? n->u.map.n : 1) * sizeof(*sorted));
		if (sorted == NULL) {
			b->failed = 1;
			return CMFV_ENOMEM;
		}
		for (i = 0; i < n->u.map.n; i++)
			sorted[i] = &n->u.map.v[i];
		qsort(sorted, n->u.map.n, sizeof(*sorted), cmp_pairs);
		cmfv_buf_add(b, "{", 1);
		for (i = 0; i < n->u.map.n; i++) {
			if (i)
				cmfv_buf_add(b, ",", 1);
			cmfv_json_str(b, sorted[i]->key, strlen(sorted[i]->key));
			cmfv_buf_add(b, ":", 1);
			if (cmfv_json_emit(b, sorted[i]->val) != CMFV_OK)
				break;
		}
		cmfv_free(sorted);
		return cmfv_buf_add(b, "}", 1);
	}
	}
	return CMFV_OK;
}
