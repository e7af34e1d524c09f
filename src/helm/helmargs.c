/* Helm's command line, parsed the way Helm's flag library (spf13/pflag)
 * parses it, with the flag set the Helm binary prints in --help. Reference:
 * pflag flag.go (parseArgs, parseLongArg, parseSingleShortArg,
 * FlagUsagesWrapped), pflag string_slice.go (readAsCSV) and Go's
 * encoding/csv reader.go (readLine, readRecord). */
#include "cmfv/helmargs.h"

#include "cmfv/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_n(const char *s, size_t n)
{
	char *d = cmfv_malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

int cmfv_helm_flags_add(struct cmfv_helm_flags *f, const char *name, char shorthand,
			const char *noopt, int ours)
{
	struct cmfv_helm_flag *nv = cmfv_realloc(f->v, (f->n + 1) * sizeof(*nv));
	struct cmfv_helm_flag *x;

	if (nv == NULL)
		return -1;
	f->v = nv;
	x = &nv[f->n];
	memset(x, 0, sizeof(*x));
	x->name = cmfv_strdup(name);
	x->shorthand = shorthand;
	x->ours = ours;
	x->has_noopt = noopt != NULL;
	x->noopt = cmfv_strdup(noopt ? noopt : "");
	x->type = cmfv_strdup(noopt && strcmp(noopt, "true") == 0 ? "bool" : "string");
	if (x->name == NULL || x->noopt == NULL || x->type == NULL) {
		cmfv_free(x->name);
		cmfv_free(x->noopt);
		cmfv_free(x->type);
		return -1;
	}
	f->n++;
	return 0;
}

/* "[=value]" after the type word (pflag prints string defaults quoted with
 * %q; nothing in Helm's flags needs unescaping beyond \" and \\). */
static char *noopt_of(const char *p, const char *end, const char **after)
{
	const char *s = p + 2, *e;
	char *out, *o;

	if (*s == '"') {
		for (e = s + 1; e < end && *e != '"'; e++)
			if (*e == '\\' && e + 1 < end)
				e++;
		if (e >= end || e[1] != ']')
			return NULL;
		out = o = cmfv_malloc((size_t)(e - s));
		if (out == NULL)
			return NULL;
		for (s++; s < e; s++) {
			if (*s == '\\')
				s++;
			*o++ = *s;
		}
		*o = '\0';
		*after = e + 2;
		return out;
	}
	for (e = s; e < end && !(*e == ']' && (e + 1 == end || e[1] == ' ')); e++)
		;
	if (e >= end)
		return NULL;
	*after = e + 1;
	return dup_n(s, (size_t)(e - s));
}

/* One line of FlagUsages: "  -x, --name type[=d]   usage" or
 * "      --name   usage". Returns 1 for a flag line, 0 for another line,
 * -1 when out of memory. */
static int help_line(const char *p, const char *end, struct cmfv_helm_flags *f)
{
	char shorthand = 0;
	const char *name, *q;
	char *nm, *type = NULL, *noopt = NULL;
	struct cmfv_helm_flag *nv;

	if (end - p > 7 && p[0] == ' ' && p[1] == ' ' && p[2] == '-' && p[3] != '-' &&
	    p[4] == ',' && p[5] == ' ' && p[6] == '-' && p[7] == '-') {
		shorthand = p[3];
		name = p + 8;
	} else if (end - p > 8 && strncmp(p, "      --", 8) == 0 && p[8] != '-' && p[8] != ' ') {
		name = p + 8;
	} else {
		return 0;
	}
	for (q = name; q < end && *q != ' ' && *q != '['; q++)
		;
	if (q == name)
		return 0;
	nm = dup_n(name, (size_t)(q - name));
	if (q < end && *q == ' ' && q + 1 < end && q[1] != ' ') {
		const char *t = ++q;

		while (q < end && *q != ' ' && *q != '[')
			q++;
		type = dup_n(t, (size_t)(q - t));
	} else {
		type = cmfv_strdup("bool"); /* no type word: a switch, value optional */
		noopt = cmfv_strdup("true");
	}
	if (q + 1 < end && q[0] == '[' && q[1] == '=') {
		cmfv_free(noopt);
		noopt = noopt_of(q, end, &q);
		if (noopt == NULL) {
			cmfv_free(nm);
			cmfv_free(type);
			return 0; /* not a line pflag printed */
		}
	}
	nv = nm && type ? cmfv_realloc(f->v, (f->n + 1) * sizeof(*nv)) : NULL;
	if (nv == NULL) {
		cmfv_free(nm);
		cmfv_free(type);
		cmfv_free(noopt);
		return -1;
	}
	f->v = nv;
	nv[f->n] = (struct cmfv_helm_flag){
	    nm, shorthand, 0, noopt != NULL, noopt ? noopt : cmfv_strdup(""), type};
	if (nv[f->n].noopt == NULL) {
		cmfv_free(nm);
		cmfv_free(type);
		return -1;
	}
	f->n++;
	return 1;
}

int cmfv_helm_flags_parse_help(const char *text, struct cmfv_helm_flags *out)
{
	const char *p = text;
	int in = 0;
	struct cmfv_helm_flags f = {0};

	while (*p) {
		const char *e = strchr(p, '\n');

		if (e == NULL)
			e = p + strlen(p);
		if (strncmp(p, "Flags:", 6) == 0 || strncmp(p, "Global Flags:", 13) == 0)
			in = 1;
		else if (e > p && p[0] != ' ')
			in = 0;
		else if (in && help_line(p, e, &f) < 0) {
			cmfv_helm_flags_free(&f);
			return -1;
		}
		p = *e ? e + 1 : e;
	}
	if (f.n == 0)
		return -1;
	*out = f;
	return 0;
}

const struct cmfv_helm_flag *cmfv_helm_flags_long(const struct cmfv_helm_flags *f, const char *name,
						  size_t len)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strlen(f->v[i].name) == len && strncmp(f->v[i].name, name, len) == 0)
			return &f->v[i];
	return NULL;
}

const struct cmfv_helm_flag *cmfv_helm_flags_short(const struct cmfv_helm_flags *f, char c)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->v[i].shorthand == c)
			return &f->v[i];
	return NULL;
}

void cmfv_helm_flags_free(struct cmfv_helm_flags *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		cmfv_free(f->v[i].name);
		cmfv_free(f->v[i].noopt);
		cmfv_free(f->v[i].type);
	}
	cmfv_free(f->v);
	memset(f, 0, sizeof(*f));
}

static int add_arg(struct cmfv_helm_cmdline *c, const struct cmfv_helm_flag *fl, const char *v)
{
	struct cmfv_helm_arg *nv = cmfv_realloc(c->args, (c->nargs + 1) * sizeof(*nv));

	if (nv == NULL)
		return -2;
	nv[c->nargs++] = (struct cmfv_helm_arg){fl, v};
	c->args = nv;
	return 0;
}

static int add_pos(struct cmfv_helm_cmdline *c, const char *s)
{
	const char **nv = cmfv_realloc((void *)c->pos, (c->npos + 1) * sizeof(*nv));

	if (nv == NULL)
		return -2;
	nv[c->npos++] = s;
	c->pos = nv;
	return 0;
}

/* --name, --name=value, --name value */
static int long_arg(const struct cmfv_helm_flags *f, const char *s, int *i, int argc, char **argv,
		    struct cmfv_helm_cmdline *c, char *err, size_t errlen)
{
	const char *name = s + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct cmfv_helm_flag *fl;

	if (name[0] == '-' || name[0] == '=') {
		snprintf(err, errlen, "bad flag syntax: %s", s);
		return -1;
	}
	fl = cmfv_helm_flags_long(f, name, len);
	if (fl == NULL) {
		snprintf(err, errlen, "unknown flag: --%.*s", (int)len, name);
		return -1;
	}
	if (eq)
		return add_arg(c, fl, eq + 1);
	if (fl->has_noopt)
		return add_arg(c, fl, fl->noopt);
	if (*i + 1 < argc)
		return add_arg(c, fl, argv[++*i]);
	snprintf(err, errlen, "flag needs an argument: --%s", fl->name);
	return -1;
}

/* -abc: each letter a flag until one takes the rest (or the next word) */
static int short_arg(const struct cmfv_helm_flags *f, const char *s, int *i, int argc, char **argv,
		     struct cmfv_helm_cmdline *c, char *err, size_t errlen)
{
	const char *sh = s + 1;
	int r = 0;

	while (*sh && r == 0) {
		const struct cmfv_helm_flag *fl = cmfv_helm_flags_short(f, *sh);

		if (fl == NULL) {
			snprintf(err, errlen, "unknown shorthand flag: '%c' in %s", *sh, s);
			return -1;
		}
		if (sh[1] == '=' && sh[2] != '\0') {
			r = add_arg(c, fl, sh + 2);
			break;
		} else if (fl->has_noopt) {
			r = add_arg(c, fl, fl->noopt);
		} else if (sh[1] != '\0') {
			r = add_arg(c, fl, sh + 1);
			break;
		} else if (*i + 1 < argc) {
			r = add_arg(c, fl, argv[++*i]);
		} else {
			snprintf(err, errlen, "flag needs an argument: '%c' in -%c", *sh, *sh);
			return -1;
		}
		sh++;
	}
	return r;
}

int cmfv_helm_cmdline_parse(const struct cmfv_helm_flags *f, int argc, char **argv,
			    struct cmfv_helm_cmdline *c, char *err, size_t errlen)
{
	int i, r = 0;
	struct cmfv_helm_cmdline out = {0}, *keep = c;

	c = &out;
	for (i = 0; i < argc && r == 0; i++) {
		const char *s = argv[i];

		if (s[0] != '-' || s[1] == '\0')
			r = add_pos(c, s);
		else if (s[1] == '-' && s[2] == '\0')
			for (i++; i < argc && r == 0; i++)
				r = add_pos(c, argv[i]);
		else if (s[1] == '-')
			r = long_arg(f, s, &i, argc, argv, c, err, errlen);
		else
			r = short_arg(f, s, &i, argc, argv, c, err, errlen);
	}
	if (r != 0)
		cmfv_helm_cmdline_free(c);
	else
		*keep = out;
	return r;
}

void cmfv_helm_cmdline_free(struct cmfv_helm_cmdline *c)
{
	size_t k;

	if (c == NULL)
		return;
	for (k = 0; k < c->nowned; k++)
		cmfv_free(c->owned[k]);
	cmfv_free(c->owned);
	cmfv_free(c->args);
	cmfv_free((void *)c->pos);
	memset(c, 0, sizeof(*c));
}

/* --- encoding/csv, first record --------------------------------------- */

struct csv {
	char **v;
	size_t n;
	char *buf;
	size_t len, cap;
};

static int csv_put(struct csv *x, const char *s, size_t n)
{
	if (x->len + n + 1 > x->cap) {
		size_t cap = (x->len + n + 1) * 2;
		char *nb = cmfv_realloc(x->buf, cap);

		if (nb == NULL)
			return -2;
		x->buf = nb;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, s, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return 0;
}

static int csv_field(struct csv *x)
{
	char **nv = cmfv_realloc(x->v, (x->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return -2;
	x->v = nv;
	nv[x->n] = dup_n(x->buf ? x->buf : "", x->len);
	if (nv[x->n] == NULL)
		return -2;
	x->n++;
	x->len = 0;
	return 0;
}

/* readLine: one line with its "\n", "\r\n" made "\n", a "\r" before the
 * end of input dropped. Returns the length in *n and the next position. */
static const char *csv_line(const char *p, char *line, size_t *n)
{
	const char *e = strchr(p, '\n');
	size_t len = e ? (size_t)(e - p) + 1 : strlen(p);

	memcpy(line, p, len);
	if (e && len >= 2 && line[len - 2] == '\r') {
		line[len - 2] = '\n';
		len--;
	} else if (!e && len > 0 && line[len - 1] == '\r') {
		len--;
	}
	line[len] = '\0';
	*n = len;
	return p + (e ? (size_t)(e - p) + 1 : strlen(p));
}

static size_t nl_len(const char *l, size_t n)
{
	return n > 0 && l[n - 1] == '\n' ? 1 : 0;
}

static int csv_parse(const char *s, struct csv *x, char *line, char *err, size_t errlen)
{
	size_t n = 0;
	const char *l;

	do /* skip empty lines */
		s = csv_line(s, line, &n);
	while (n == 1 && line[0] == '\n');
	if (n == 0) {
		snprintf(err, errlen, "EOF");
		return -1;
	}
	for (l = line;;) {
		size_t rest = n - (size_t)(l - line);

		if (rest == 0 || l[0] != '"') {
			const char *comma = memchr(l, ',', rest);
			size_t flen = comma ? (size_t)(comma - l) : rest - nl_len(l, rest);

			if (memchr(l, '"', flen)) {
				snprintf(err, errlen, "bare \" in non-quoted-field");
				return -1;
			}
			if (csv_put(x, l, flen) || csv_field(x))
				return -2;
			if (!comma)
				return 0;
			l = comma + 1;
			continue;
		}
		for (l++;;) {
			const char *q;

			rest = n - (size_t)(l - line);
			q = memchr(l, '"', rest);
			if (q) {
				if (csv_put(x, l, (size_t)(q - l)))
					return -2;
				l = q + 1;
				rest = n - (size_t)(l - line);
				if (rest > 0 && l[0] == '"') {
					if (csv_put(x, "\"", 1))
						return -2;
					l++;
				} else if (rest > 0 && l[0] == ',') {
					if (csv_field(x))
						return -2;
					l++;
					break;
				} else if (rest == nl_len(l, rest)) {
					return csv_field(x);
				} else {
					snprintf(err, errlen,
						 "extraneous or missing \" in quoted-field");
					return -1;
				}
			} else if (rest > 0) {
				if (csv_put(x, l, rest))
					return -2;
				s = csv_line(s, line, &n);
				l = line;
			} else {
				snprintf(err, errlen, "extraneous or missing \" in quoted-field");
				return -1;
			}
		}
	}
}

int cmfv_csv_record(const char *s, char ***fields, size_t *n, char *err, size_t errlen)
{
	struct csv x = {0};
	char *line;
	int r;

	if (s[0] == '\0') {
		*fields = NULL;
		*n = 0;
		return 0;
	}
	line = cmfv_malloc(strlen(s) + 1);
	if (line == NULL)
		return -2;
	r = csv_parse(s, &x, line, err, errlen);
	cmfv_free(line);
	cmfv_free(x.buf);
	if (r != 0) {
		while (x.n)
			cmfv_free(x.v[--x.n]);
		cmfv_free(x.v);
		return r;
	}
	*fields = x.v;
	*n = x.n;
	return 0;
}

/* encoding/csv Writer.fieldNeedsQuotes */
static int needs_quotes(const char *s)
{
	if (s[0] == '\0')
		return 0;
	if (strcmp(s, "\\.") == 0)
		return 1;
	return strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' || s[0] == '\t';
}

char *cmfv_csv_join(char *const *fields, size_t n)
{
	struct csv x = {0};
	size_t i;

	for (i = 0; i < n; i++) {
		const char *p;
		int r = i ? csv_put(&x, ",", 1) : 0;

		if (r == 0 && !needs_quotes(fields[i]))
			r = csv_put(&x, fields[i], strlen(fields[i]));
		else if (r == 0) {
			r = csv_put(&x, "\"", 1);
			for (p = fields[i]; r == 0 && *p; p++)
				r = csv_put(&x, p, 1) || (*p == '"' && csv_put(&x, "\"", 1));
			if (r == 0)
				r = csv_put(&x, "\"", 1);
		}
		if (r != 0) {
			cmfv_free(x.buf);
			return NULL;
		}
	}
	return x.buf ? x.buf : cmfv_strdup("");
}

int cmfv_parse_bool(const char *s)
{
	static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};
	size_t i;

	for (i = 0; i < 6; i++) {
		if (strcmp(s, t[i]) == 0)
			return 1;
		if (strcmp(s, f[i]) == 0)
			return 0;
	}
	return -1;
}
