/* The document classifier (classify.h): column-0 lines decide the class;
 * lines up to the end of the metadata block are read just far enough to be
 * sure that none of them leaves a quoted scalar or flow collection open (one
 * that did could swallow the lines that look like metadata, as libyaml does
 * not check the indentation of quoted scalars' continuation lines). */
#include "cmfv/classify.h"

#include <string.h>

#include "cmfv/scalar.h"

#include "classify_int.h"

/* Lines read token by token before the metadata block ends: past this, the
 * name is left unknown rather than read slowly (metadata comes first in
 * nearly every rendered manifest). */
#define TOKEN_BUDGET ((size_t)64 << 10)

struct line {
	const char *s, *e; /* without its line break (LF or CRLF) */
	const char *next;
};

enum pending { P_NONE, P_KIND, P_API, P_NAME, P_NS };

struct scan {
	struct cmfv_cls_info *out;
	int parse; /* the top level is unusual */
	int items; /* a top-level items key */
	int meta_seen;
	struct cmfv_cls_str kind, api; /* as written, whether or not reported */
	int prev_empty;		       /* the last column-0 key or entry had no value on its line */
	int in_meta;		       /* in the metadata block */
	size_t mi;		       /* its indentation, 0 = not known yet */
	int meta_prev_empty;
	int names_ok; /* metadata seen and every line so far closed */
	int name_bad, ns_bad;
	int tok; /* still reading lines token by token */
	size_t tok_bytes;
	int blk; /* skipping a block scalar's content */
	size_t blk_parent, blk_n, blk_max;
	enum pending pend; /* the next non-blank line must not continue this scalar */
	size_t pend_ind;
	const char *chk, *end; /* [text, chk) is free of odd line breaks */
	const char *text;
	const struct cmfv_cls_hint *hint; /* the splitter's column-0 lines, or NULL */
	size_t hi;			  /* hint->col0[hi] is the next one to look at */
};

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static void next_line(const char *p, const char *end, struct line *l)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	l->s = p;
	l->e = nl ? nl : end;
	l->next = nl ? nl + 1 : end;
	if (l->e > l->s && l->e[-1] == '\r')
		l->e--;
}

static size_t indent_of(const struct line *l)
{
	const char *p = l->s;

	while (p < l->e && *p == ' ')
		p++;
	return (size_t)(p - l->s);
}

static int whitespace_only(const struct line *l)
{
	const char *p;

	for (p = l->s; p < l->e; p++)
		if (!is_blank(*p))
			return 0;
	return 1;
}

/* libyaml also breaks lines at a lone CR, NEL, LS and PS: such a break can
 * start a column-0 line in the middle of what looks like an indented one. */
static int odd_break_at(const unsigned char *u, const unsigned char *end)
{
	if (u[0] == '\r')
		return u + 1 == end || u[1] != '\n';
	if (u[0] == 0xC2)
		return u + 1 < end && u[1] == 0x85;
	if (u[0] == 0xE2)
		return u + 2 < end && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9);
	return 0;
}

/* Any odd line break starting in [t, t+n)? \p end: the text's end, for
 * the bytes after t+n. 64 bytes at a time (a loop compilers vectorize):
 * only a block holding a CR or the lead byte of NEL, LS or PS is looked at
 * closely. */
static int odd_breaks(const char *t, size_t n, const char *end)
{
	const unsigned char *u = (const unsigned char *)t, *ue = (const unsigned char *)end;
	size_t i = 0, k;

	for (; i + 64 <= n; i += 64) {
		unsigned char hit = 0;

		for (k = 0; k < 64; k++)
			hit |= (unsigned char)((u[i + k] == '\r') | ((u[i + k] & 0xDF) == 0xC2));
		if (!hit)
			continue;
		for (k = 0; k < 64; k++)
			if (odd_break_at(u + i + k, ue))
				return 1;
	}
	for (; i < n; i++)
		if (odd_break_at(u + i, ue))
			return 1;
	return 0;
}

/* The bytes up to \p to are looked at for odd line breaks (each once, in
 * order): one makes the document a parse. */
static void check_to(struct scan *sc, const char *to)
{
	if (to <= sc->chk)
		return;
	if (odd_breaks(sc->chk, (size_t)(to - sc->chk), sc->end))
		sc->parse = 1;
	sc->chk = to;
}

/* The next line start at or after \p p (a line start) whose first byte is
 * not a space: indented lines skipped 64 bytes at a time, and looked at
 * for odd line breaks in the same pass. */
static const char *skip_indented(struct scan *sc, const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t n = (size_t)(end - p), i = 0, k;
	const char *to;

	check_to(sc, p);
	while (i + 65 <= n) {
		unsigned char hit = 0, odd = 0;

		for (k = 0; k < 64; k++) {
			hit |= (unsigned char)((u[i + k] == '\n') & (u[i + k + 1] != ' '));
			odd |= (unsigned char)((u[i + k] == '\r') | ((u[i + k] & 0xDF) == 0xC2));
		}
		if (odd && odd_breaks(p + i, 64, end)) {
			sc->parse = 1;
			return end;
		}
		if (hit)
			break;
		i += 64;
	}
	if (p + i > sc->chk)
		sc->chk = p + i; /* the blocks skipped hold none */
	for (; i < n; i++)
		if (u[i] == '\n' && (i + 1 == n || u[i + 1] != ' '))
			break;
	to = i < n ? p + i + 1 : end;
	check_to(sc, to);
	return to;
}

/* skip_indented from the splitter's list of column-0 lines: the first one
 * after \p p, without reading the bytes between. Past what the list covers,
 * the bytes are read after all. */
static const char *skip_hinted(struct scan *sc, const char *p, const char *end)
{
	const struct cmfv_cls_hint *h = sc->hint;
	size_t off = (size_t)(p - sc->text);

	while (sc->hi < h->n && h->col0[sc->hi] <= off)
		sc->hi++;
	if (sc->hi < h->n && h->col0[sc->hi] < h->covered)
		return sc->text + h->col0[sc->hi];
	if (h->covered >= (size_t)(end - sc->text))
		return end;
	return skip_indented(sc, p, end);
}

/* A value token of [A-Za-z0-9._-] (and '/' when \p slash) filling the rest
 * of the line but for a comment: its end, or NULL. */
static const char *plain_token(const char *p, const char *e, int slash)
{
	const char *q = p;

	while (q < e &&
	       (is_alnum(*q) || *q == '.' || *q == '_' || *q == '-' || (slash && *q == '/')))
		q++;
	return q > p && rest_is_empty(q, e) ? q : NULL;
}

/* A plain key of [A-Za-z0-9_][A-Za-z0-9_./-]* then ':' and a blank or the
 * end. Returns the value's start (blanks skipped), or NULL. */
static const char *key_of(const char *p, const char *e, const char **kend)
{
	const char *q = p;

	if (q == e || !(is_alnum(*q) || *q == '_'))
		return NULL;
	while (q < e && (is_alnum(*q) || *q == '_' || *q == '.' || *q == '/' || *q == '-'))
		q++;
	if (q == e || *q != ':' || (q + 1 < e && !is_blank(q[1])))
		return NULL;
	*kend = q;
	q++;
	while (q < e && is_blank(*q))
		q++;
	return q;
}

static int key_is(const char *k, const char *kend, const char *want)
{
	size_t n = strlen(want);

	return (size_t)(kend - k) == n && memcmp(k, want, n) == 0;
}

/* ------------------------------------------------------------ the scan */

static void stop_tokens(struct scan *sc)
{
	sc->tok = 0;
	sc->blk = 0;
}

/* Is this line a block scalar's content (then it is skipped)? */
static int in_block(struct scan *sc, const struct line *l)
{
	size_t ind;

	if (!sc->blk)
		return 0;
	if (whitespace_only(l)) {
		size_t n = (size_t)(l->e - l->s);

		if (!sc->blk_n && n > sc->blk_max)
			sc->blk_max = n;
		return 1;
	}
	ind = indent_of(l);
	if (!sc->blk_n) {
		/* libyaml: the first non-empty line's indentation, at least one
		 * more than the parent's and no less than the empty lines before */
		sc->blk_n = ind > sc->blk_max ? ind : sc->blk_max;
		if (sc->blk_n < sc->blk_parent + 1)
			sc->blk_n = sc->blk_parent + 1;
	}
	if (ind >= sc->blk_n)
		return 1;
	sc->blk = 0;
	return 0;
}

/* Read one line's tokens while the metadata block is not over. */
static void tokens(struct scan *sc, const struct line *l)
{
	size_t parent = 0, inc = 0;

	if (!sc->tok || in_block(sc, l))
		return;
	sc->tok_bytes += (size_t)(l->e - l->s);
	if (sc->tok_bytes > TOKEN_BUDGET) {
		sc->names_ok = 0;
		stop_tokens(sc);
		return;
	}
	switch (cmfv_cls_line_tokens(l->s, l->e, &parent, &inc)) {
	case LT_OPEN:
		sc->names_ok = 0;
		stop_tokens(sc);
		break;
	case LT_BLOCK:
		sc->blk = 1;
		sc->blk_parent = parent;
		sc->blk_n = inc ? parent + inc : 0;
		sc->blk_max = 0;
		break;
	case LT_CLOSED:
		break;
	}
}

/* The line after a one-line scalar: does it continue it? */
static void pending(struct scan *sc, const struct line *l)
{
	enum pending p = sc->pend;

	if (p == P_NONE || whitespace_only(l))
		return;
	sc->pend = P_NONE;
	if (l->s < l->e && (*l->s == '\t' || indent_of(l) > sc->pend_ind)) {
		if (p == P_KIND)
			sc->parse = 1;
		else if (p == P_API)
			sc->out->api.known = 0;
		else if (p == P_NAME)
			sc->name_bad = 1;
		else
			sc->ns_bad = 1;
	}
}

static void set_str(struct cmfv_cls_str *s, const char *p, const char *e)
{
	s->ptr = p;
	s->len = (size_t)(e - p);
	s->known = 1;
}

/* name: or namespace: in the metadata block. */
static void meta_scalar(struct scan *sc, const char *v, const char *e, int is_ns)
{
	struct cmfv_cls_str *dst = is_ns ? &sc->out->ns : &sc->out->name;
	int *bad = is_ns ? &sc->ns_bad : &sc->name_bad;
	const char *end = plain_token(v, e, 0);
	struct cmfv_scalar r;

	if (dst->known || *bad) {
		*bad = 1; /* written twice: the parse keeps the last one */
		return;
	}
	if (end == NULL) {
		*bad = 1;
		return;
	}
	cmfv_scalar_resolve(v, (size_t)(end - v), &r);
	if (r.res != CMFV_RES_STR) {
		*bad = 1;
		return;
	}
	set_str(dst, v, end);
	sc->pend = is_ns ? P_NS : P_NAME;
	sc->pend_ind = sc->mi;
}

/* An indented line in the metadata block. */
static void meta_line(struct scan *sc, const struct line *l)
{
	size_t ind = indent_of(l);
	const char *p = l->s + ind, *v, *k;

	if (p == l->e || *p == '#')
		return;
	if (*p == '\t') {
		sc->names_ok = 0;
		return;
	}
	if (!sc->mi)
		sc->mi = ind;
	if (ind != sc->mi) {
		if (ind < sc->mi)
			sc->names_ok = 0;
		return;
	}
	if (*p == '-' && (p + 1 == l->e || is_blank(p[1]))) {
		if (!sc->meta_prev_empty)
			sc->names_ok = 0; /* metadata is a sequence */
		return;
	}
	v = key_of(p, l->e, &k);
	if (v == NULL) {
		sc->names_ok = 0; /* a quoted key, '<<', '?'...: could be the name */
		return;
	}
	sc->meta_prev_empty = v == l->e || *v == '#';
	if (key_is(p, k, "name"))
		meta_scalar(sc, v, l->e, 0);
	else if (key_is(p, k, "namespace"))
		meta_scalar(sc, v, l->e, 1);
}

static void end_meta(struct scan *sc)
{
	if (!sc->in_meta)
		return;
	sc->in_meta = 0;
	if (!sc->mi)
		sc->names_ok = 0; /* metadata: null, or an indentless sequence */
	stop_tokens(sc);
}

/* kind: and apiVersion: values. */
static void top_scalar(struct scan *sc, struct cmfv_cls_str *txt, struct cmfv_cls_str *dst,
		       const char *v, const char *e, int is_kind)
{
	const char *end = plain_token(v, e, 1);
	struct cmfv_scalar r;

	if (txt->ptr || end == NULL) {
		/* written twice, quoted, empty (the value below), or odd */
		if (is_kind)
			sc->parse = 1;
		txt->known = 0;
		txt->ptr = v;
		dst->known = 0;
		return;
	}
	set_str(txt, v, end);
	sc->pend = is_kind ? P_KIND : P_API;
	sc->pend_ind = 0;
	/* Reported only when every line before it was read and closed: else
	 * it may sit inside a quoted scalar (the class does not care: a real
	 * `kind:` line is always seen, a swallowed one only adds a duplicate) */
	cmfv_scalar_resolve(v, (size_t)(end - v), &r);
	if (sc->tok && r.res == CMFV_RES_STR)
		set_str(dst, v, end);
}

static void key_line(struct scan *sc, const struct line *l)
{
	const char *k, *v = key_of(l->s, l->e, &k);
	int empty;

	if (v == NULL) {
		sc->parse = 1;
		return;
	}
	empty = v == l->e || *v == '#';
	if (!empty && (*v == '!' || *v == '&' || *v == '*')) {
		sc->parse = 1;
		return;
	}
	sc->prev_empty = empty;
	if (key_is(l->s, k, "kind")) {
		top_scalar(sc, &sc->kind, &sc->out->kind, v, l->e, 1);
	} else if (key_is(l->s, k, "apiVersion")) {
		top_scalar(sc, &sc->api, &sc->out->api, v, l->e, 0);
	} else if (key_is(l->s, k, "items")) {
		sc->items = 1;
	} else if (key_is(l->s, k, "metadata")) {
		if (sc->meta_seen) { /* written twice: the parse keeps the last */
			sc->parse = 1;
			return;
		}
		sc->meta_seen = 1;
		if (empty && sc->tok) {
			sc->in_meta = 1;
			sc->names_ok = 1;
			sc->mi = 0;
			sc->meta_prev_empty = 0;
		} else {
			stop_tokens(sc);
		}
	}
}

/* `...`: only comments and blank lines may follow. */
static void after_end(struct scan *sc, const char *p, const char *end)
{
	struct line l;

	for (; p < end && !sc->parse; p = l.next) {
		const char *q;

		next_line(p, end, &l);
		check_to(sc, l.next);
		for (q = l.s; q < l.e && is_blank(*q); q++)
			;
		if (q < l.e && *q != '#')
			sc->parse = 1;
	}
}

static int marker(const struct line *l, char c)
{
	return l->e - l->s >= 3 && l->s[0] == c && l->s[1] == c && l->s[2] == c &&
	       (l->e - l->s == 3 || is_blank(l->s[3]));
}

/* A column-0 line of content. 1 when the document ends here. */
static int top_line(struct scan *sc, const struct line *l, const char *end)
{
	char c = *l->s;

	if (c == '#')
		return 0;
	if (c == '\t') {
		if (!whitespace_only(l))
			sc->parse = 1;
		return 0;
	}
	end_meta(sc);
	if (marker(l, '.')) {
		after_end(sc, l->next, end);
		return 1;
	}
	if (c == '-' && (l->e - l->s == 1 || is_blank(l->s[1]))) {
		/* an entry of an indentless sequence under the last key */
		if (!sc->prev_empty)
			sc->parse = 1; /* or the top level is a sequence */
		return 0;
	}
	key_line(sc, l); /* a `---` here (a second document) is no key: parse */
	return 0;
}

/* Comments, blank lines and one `---` line before the content. The first
 * content line, or NULL when there is none or the prelude is unusual. */
static const char *prelude(struct scan *sc, const char *p, const char *end)
{
	struct line l;
	int start = 0;

	if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	for (; p < end; p = l.next) {
		const char *q;

		next_line(p, end, &l);
		check_to(sc, l.next);
		for (q = l.s; q < l.e && is_blank(*q); q++)
			;
		if (q == l.e || *q == '#')
			continue;
		if (marker(&l, '-') && !start) {
			start = 1;
			if (!rest_is_empty(l.s + 3, l.e))
				sc->parse = 1;
			continue;
		}
		if (q != l.s || *q == '%' || marker(&l, '-') || marker(&l, '.'))
			sc->parse = 1;
		return sc->parse ? NULL : p;
	}
	return NULL;
}

static void body(struct scan *sc, const char *p, const char *end)
{
	struct line l;

	for (; p < end && !sc->parse; p = l.next) {
		if (*p == ' ' && !sc->tok && !sc->pend && !sc->in_meta) {
			l.next = sc->hint ? skip_hinted(sc, p, end) : skip_indented(sc, p, end);
			continue;
		}
		next_line(p, end, &l);
		check_to(sc, l.next);
		pending(sc, &l);
		if (l.s == l.e)
			continue;
		tokens(sc, &l);
		if (*l.s == ' ') {
			if (sc->in_meta && sc->names_ok)
				meta_line(sc, &l);
			continue;
		}
		if (top_line(sc, &l, end))
			break;
	}
	end_meta(sc);
}

static int ends_with(const struct cmfv_cls_str *s, const char *suffix)
{
	size_t n = strlen(suffix);

	return s->known && s->len >= n && memcmp(s->ptr + s->len - n, suffix, n) == 0;
}

static int equals(const struct cmfv_cls_str *s, const char *want)
{
	return s->known && s->len == strlen(want) && memcmp(s->ptr, want, s->len) == 0;
}

static enum cmfv_cls decide(const struct scan *sc)
{
	const struct cmfv_cls_str *k = &sc->kind;

	if (sc->parse)
		return CMFV_CLS_PARSE;
	if (equals(k, "Deployment") || equals(k, "ConfigMap")) {
		if (sc->items)
			return CMFV_CLS_PARSE;
		return equals(k, "Deployment") ? CMFV_CLS_DEPLOYMENT : CMFV_CLS_CONFIGMAP;
	}
	if (sc->items || ends_with(k, "List"))
		return CMFV_CLS_LIST;
	return CMFV_CLS_OTHER;
}

static void unknown(struct cmfv_cls_str *s)
{
	if (!s->known) {
		s->ptr = NULL;
		s->len = 0;
	}
}

void cmfv_classify(const char *text, size_t len, struct cmfv_cls_info *out)
{
	cmfv_classify_hint(text, len, NULL, out);
}

void cmfv_classify_hint(const char *text, size_t len, const struct cmfv_cls_hint *hint,
			struct cmfv_cls_info *out)
{
	struct scan sc;
	const char *p, *end = text + len;

	memset(out, 0, sizeof(*out));
	memset(&sc, 0, sizeof(sc));
	sc.out = out;
	sc.tok = 1;
	sc.text = text;
	sc.end = end;
	/* Only a list the splitter made while sure of the line breaks is used:
	 * then no byte needs a second look for them (chk at the end). */
	sc.hint = hint && hint->odd_free && (hint->col0 || !hint->n) ? hint : NULL;
	sc.chk = sc.hint ? end : text;
	p = prelude(&sc, text, end);
	if (p)
		body(&sc, p, end);
	check_to(&sc, end); /* an odd line break anywhere: parse */
	if (!sc.names_ok || sc.name_bad)
		out->name.known = 0;
	if (!sc.names_ok || sc.ns_bad)
		out->ns.known = 0;
	out->cls = decide(&sc);
	/* every column-0 line was read (else PARSE), and a top-level key is
	 * one: no `kind` line, no `kind` key */
	out->kind_absent = out->cls == CMFV_CLS_OTHER && sc.kind.ptr == NULL;
	if (out->cls == CMFV_CLS_PARSE) {
		memset(out, 0, sizeof(*out));
		out->cls = CMFV_CLS_PARSE;
	}
	unknown(&out->kind);
	unknown(&out->api);
	unknown(&out->name);
	unknown(&out->ns);
}

const char *cmfv_cls_name(enum cmfv_cls cls)
{
	switch (cls) {
	case CMFV_CLS_DEPLOYMENT:
		return "deployment";
	case CMFV_CLS_CONFIGMAP:
		return "configmap";
	case CMFV_CLS_LIST:
		return "list";
	case CMFV_CLS_PARSE:
		return "parse";
	case CMFV_CLS_OTHER:
		break;
	}
	return "other";
}
