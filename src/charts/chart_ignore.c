/* .helmignore as Helm's pkg/ignore reads and applies it: lines cut as
 * bufio.Scanner cuts them, a BOM dropped from the first one only, each
 * trimmed with strings.TrimSpace (Unicode white space), every pattern
 * checked and matched as Go's path/filepath.Match does on Unix (not
 * fnmatch: `[^a]` negates, `[!a]` does not, a malformed pattern is an
 * error, "syntax error in pattern"). */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart_int.h"
#include "cmfv/alloc.h"

/* utf8.DecodeRuneInString: the rune at \p s (n bytes left) and its width;
 * an invalid sequence is U+FFFD of width 1 (\p bad set). */
static long rune_at(const unsigned char *s, size_t n, size_t *w, int *bad)
{
	long r;
	size_t need, i;

	*bad = 0;
	*w = 1;
	if (n == 0)
		return -1;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		need = 2;
		r = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		need = 3;
		r = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		need = 4;
		r = s[0] & 0x07;
	} else {
		*bad = 1;
		return 0xFFFD;
	}
	if (n < need)
		goto invalid;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto invalid;
		r = (r << 6) | (s[i] & 0x3F);
	}
	if ((need == 3 && (r < 0x800 || (r >= 0xD800 && r <= 0xDFFF))) ||
	    (need == 4 && (r < 0x10000 || r > 0x10FFFF)))
		goto invalid;
	*w = need;
	return r;
invalid:
	*bad = 1;
	return 0xFFFD;
}

/* unicode.IsSpace */
static int go_space(long r)
{
	return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xA0 || r == 0x1680 ||
	       (r >= 0x2000 && r <= 0x200A) || r == 0x2028 || r == 0x2029 || r == 0x202F ||
	       r == 0x205F || r == 0x3000;
}

/* strings.TrimSpace on [*s, *s + *n) */
static void trim_space(const char **s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)*s;
	size_t w;
	int bad;

	while (*n && go_space(rune_at(p, *n, &w, &bad)) && !bad) {
		p += w;
		*n -= w;
	}
	while (*n) {
		size_t k = *n - 1, back;

		while (k > 0 && *n - k < 4 && (p[k] & 0xC0) == 0x80)
			k--;
		if (!go_space(rune_at(p + k, *n - k, &back, &bad)) || bad || back != *n - k)
			break;
		*n = k;
	}
	*s = (const char *)p;
}

/* getEsc: one range end of a character class. */
static int get_esc(const unsigned char **c, const unsigned char *end, long *r)
{
	size_t w;
	int bad;

	if (*c == end || **c == '-' || **c == ']')
		return -1;
	if (**c == '\\' && ++*c == end)
		return -1;
	*r = rune_at(*c, (size_t)(end - *c), &w, &bad);
	if (bad && w == 1)
		return -1;
	*c += w;
	return *c == end ? -1 : 0;
}

/* matchChunk: does \p chunk match a prefix of \p s? It reads the whole
 * chunk even after a mismatch, so that a malformed one is always an error.
 * Returns -1 (bad pattern), 0 (no match) or 1 with \p *rest set. */
static int match_chunk(const unsigned char *c, const unsigned char *ce, const unsigned char *s,
		       const unsigned char *se, const unsigned char **rest)
{
	int failed = 0;

	while (c < ce) {
		if (!failed && s == se)
			failed = 1;
		if (*c == '[') {
			long r = 0, lo, hi;
			int neg = 0, match = 0, nrange = 0, bad;
			size_t w;

			if (!failed) {
				r = rune_at(s, (size_t)(se - s), &w, &bad);
				s += w;
			}
			c++;
			if (c < ce && *c == '^') {
				neg = 1;
				c++;
			}
			for (;;) {
				if (c < ce && *c == ']' && nrange > 0) {
					c++;
					break;
				}
				if (get_esc(&c, ce, &lo) != 0)
					return -1;
				hi = lo;
				if (*c == '-') {
					c++;
					if (get_esc(&c, ce, &hi) != 0)
						return -1;
				}
				if (lo <= r && r <= hi)
					match = 1;
				nrange++;
			}
			if (match == neg)
				failed = 1;
		} else if (*c == '?') {
			if (!failed) {
				size_t w;
				int bad;

				if (*s == '/')
					failed = 1;
				rune_at(s, (size_t)(se - s), &w, &bad);
				s += w;
			}
			c++;
		} else {
			if (*c == '\\' && ++c == ce)
				return -1;
			if (!failed) {
				if (*c != *s)
					failed = 1;
				s++;
			}
			c++;
		}
	}
	if (failed)
		return 0;
	*rest = s;
	return 1;
}

/* scanChunk: leading stars, then up to the next star outside brackets. */
static const unsigned char *scan_chunk(const unsigned char *p, const unsigned char *pe, int *star,
				       const unsigned char **chunk_end)
{
	const unsigned char *i;
	int in_range = 0;

	*star = 0;
	while (p < pe && *p == '*') {
		p++;
		*star = 1;
	}
	for (i = p; i < pe; i++) {
		if (*i == '\\') {
			if (i + 1 < pe)
				i++;
		} else if (*i == '[') {
			in_range = 1;
		} else if (*i == ']') {
			in_range = 0;
		} else if (*i == '*' && !in_range) {
			break;
		}
	}
	*chunk_end = i;
	return p;
}

/* filepath.Match on Unix: 1 match, 0 no match, -1 ErrBadPattern. */
static int go_match(const char *pattern, size_t plen, const char *name)
{
	const unsigned char *p = (const unsigned char *)pattern, *pe = p + plen;
	const unsigned char *s = (const unsigned char *)name, *se = s + strlen(name);

	while (p < pe) {
		const unsigned char *c, *ce, *t;
		int star, m;

		c = scan_chunk(p, pe, &star, &ce);
		p = ce;
		if (star && c == ce)
			return memchr(s, '/', (size_t)(se - s)) == NULL;
		m = match_chunk(c, ce, s, se, &t);
		if (m == 1 && (t == se || p < pe)) {
			s = t;
			continue;
		}
		if (m < 0)
			return -1;
		if (star) {
			const unsigned char *i;
			int found = 0;

			for (i = s; i < se && *i != '/' && !found; i++) {
				m = match_chunk(c, ce, i + 1, se, &t);
				if (m < 0)
					return -1;
				found = m == 1 && !(p == pe && t != se);
			}
			if (found) {
				s = t;
				continue;
			}
		}
		/* a mismatch: the rest must still be well formed */
		while (p < pe) {
			c = scan_chunk(p, pe, &star, &ce);
			p = ce;
			if (match_chunk(c, ce, s, s, &t) < 0)
				return -1;
		}
		return 0;
	}
	return s == se;
}

void cmfv_rules_free(struct rules *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		cmfv_free(r->v[i].pat);
	cmfv_free(r->v);
	memset(r, 0, sizeof(*r));
}

/* parseRule */
enum cmfv_err cmfv_rules_add(struct rules *r, const char *line, size_t n, const char *file,
			     unsigned lineno, struct cmfv_diag *d)
{
	struct rule ru = {0};
	void *nv;

	trim_space(&line, &n);
	if (n == 0 || line[0] == '#')
		return CMFV_OK;
	if (n >= 2 && memmem(line, n, "**", 2))
		return cmfv_diag_set(d, CMFV_EINPUT, file, lineno, 1,
				     "double-star (**) syntax is not supported");
	if (go_match(line, n, "abc") < 0)
		return cmfv_diag_set(d, CMFV_EINPUT, file, lineno, 1, "syntax error in pattern");
	if (line[0] == '!') {
		ru.negate = 1;
		line++;
		n--;
	}
	if (n && line[n - 1] == '/') {
		ru.must_dir = 1;
		n--;
	}
	if (n && line[0] == '/') {
		ru.anchored = 1;
		line++;
		n--;
	}
	ru.has_slash = memchr(line, '/', n) != NULL;
	ru.pat = cmfv_strndup(line, n); /* may hold a NUL: ru.len counts */
	ru.len = n;
	nv = ru.pat ? cmfv_realloc(r->v, (r->n + 1) * sizeof(*r->v)) : NULL;
	if (nv == NULL) {
		cmfv_free(ru.pat);
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	r->v = nv;
	r->v[r->n++] = ru;
	return CMFV_OK;
}

/* Parse: bufio.ScanLines drops the \n and one \r before it; the BOM is
 * dropped from the first line only. */
enum cmfv_err cmfv_rules_parse(struct rules *r, const char *text, size_t len, const char *file,
			       struct cmfv_diag *d)
{
	const char *p = text, *end = text + len;
	unsigned lineno = 1;
	enum cmfv_err e = CMFV_OK;

	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end && e == CMFV_OK) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n && p[n - 1] == '\r')
			n--;
		e = cmfv_rules_add(r, p, n, file, lineno++, d);
		p = nl ? nl + 1 : end;
	}
	return e;
}

/* Rules.Ignore, including its reading of negated patterns: a "!" rule
 * that does not match ignores the path. A pattern that no longer parses
 * once "!" and "/" are cut matches nothing (Helm logs it). */
int cmfv_rules_ignore(const struct rules *r, const char *path, int is_dir)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct rule *ru = &r->v[i];
		const char *base = strrchr(path, '/');
		const char *subject = ru->anchored || ru->has_slash ? path : base ? base + 1 : path;
		int m = go_match(ru->pat, ru->len, subject) == 1;

		if (ru->negate) {
			if (ru->must_dir && !is_dir)
				return 1;
			if (!m)
				return 1;
			continue;
		}
		if (ru->must_dir && !is_dir)
			continue;
		if (m)
			return 1;
	}
	return 0;
}
