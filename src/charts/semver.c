/* Semantic versions and ranges as Masterminds/semver v3 reads them, which
 * Helm uses to match Chart.yaml dependencies to the charts in charts/, and
 * the RFC 3339 times Go reads from a Chart.lock. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart_int.h"
#include "cmfv/chart.h"

struct sv {
	unsigned long long m[3];
	int wild; /* index of the first wildcard part (x, X, *) or missing part in a range; 3 = none
		   */
	char pre[128]; /* prerelease, "" when none */
};

static const char *num(const char *p, unsigned long long *v, int *wild)
{
	if (*p == 'x' || *p == 'X' || *p == '*') {
		*wild = 1;
		*v = 0;
		return p + 1;
	}
	if (!isdigit((unsigned char)*p))
		return NULL;
	*v = 0;
	while (isdigit((unsigned char)*p)) {
		unsigned long long dg = (unsigned long long)(*p++ - '0');

		/* strconv.ParseUint(s, 10, 64): every uint64, nothing past it */
		if (*v > (ULLONG_MAX - dg) / 10)
			return NULL;
		*v = *v * 10 + dg;
	}
	return p;
}

static int ident_ok(const char *s, size_t n)
{
	size_t i, start = 0;

	if (n == 0)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (i == start)
				return 0;
			start = i + 1;
		} else if (!isalnum((unsigned char)s[i]) && s[i] != '-') {
			return 0;
		}
	}
	return 1;
}

/* Parse [v]MAJOR[.MINOR[.PATCH]][-PRE][+META]; wildcards only when \p range. */
static int parse(const char *s, size_t n, int range, struct sv *v)
{
	const char *p = s, *end = s + n;
	int i;

	memset(v, 0, sizeof(*v));
	v->wild = 3;
	if (p < end && (*p == 'v' || *p == 'V'))
		p++;
	for (i = 0; i < 3; i++) {
		int w = 0;

		if (i > 0) {
			if (p >= end || *p != '.') {
				if (range && v->wild == 3)
					v->wild = i;
				break;
			}
			p++;
		}
		if (p >= end)
			return 0;
		p = num(p, &v->m[i], &w);
		if (p == NULL || p > end || (w && !range))
			return 0;
		if (w && v->wild == 3)
			v->wild = i;
	}
	if (p < end && *p == '-') {
		const char *q = p + 1;
		size_t l = 0;

		while (q + l < end && q[l] != '+')
			l++;
		if (!ident_ok(q, l) || l >= sizeof(v->pre))
			return 0;
		memcpy(v->pre, q, l);
		p = q + l;
	}
	if (p < end && *p == '+') {
		if (!ident_ok(p + 1, (size_t)(end - p - 1)))
			return 0;
		p = end;
	}
	return p == end;
}

int cmfv_semver_valid(const char *v)
{
	struct sv x;
	const char *dash = strchr(v, '-'), *plus = strchr(v, '+');

	/* NewVersion: a lower-case 'v' only; no numeric prerelease part
	 * with a leading zero */
	if (v[0] == 'V')
		return 0;
	if (dash && (!plus || dash < plus)) {
		const char *q = dash + 1, *end = plus ? plus : v + strlen(v);

		while (q < end) {
			size_t l = strcspn(q, ".+");

			if (l > 1 && q[0] == '0' && strspn(q, "0123456789") >= l)
				return 0;
			q += l + 1;
		}
	}
	return parse(v, strlen(v), 0, &x);
}

int cmfv_kube_version(const char *in, int major, char *norm, size_t cap)
{
	const char *p = in;
	size_t used = 1;
	int ncomp = 0;

	if (major == 3) {
		if (!cmfv_semver_valid(in) || strlen(in) >= cap)
			return 0;
		memcpy(norm, in, strlen(in) + 1);
		return 1;
	}
	/* ^\s*v?([0-9]+(?:\.[0-9]+)*)(.*)*$ ; two components or more, no
	 * leading zero in the first, each a uint64; the rest ignored */
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\f' || *p == '\r')
		p++;
	if (*p == 'v')
		p++;
	if (cap < 2 || !isdigit((unsigned char)*p))
		return 0;
	norm[0] = 'v';
	for (;;) {
		unsigned long long x = 0;
		const char *s = p;
		int w;

		while (isdigit((unsigned char)*p)) {
			unsigned d = (unsigned)(*p++ - '0');

			if (x > (18446744073709551615ULL - d) / 10)
				return 0;
			x = x * 10 + d;
		}
		if (ncomp == 0 && p - s > 1 && s[0] == '0')
			return 0;
		w = snprintf(norm + used, cap - used, "%s%llu", ncomp ? "." : "", x);
		if (w < 0 || (size_t)w >= cap - used)
			return 0;
		used += (size_t)w;
		ncomp++;
		if (p[0] != '.' || !isdigit((unsigned char)p[1]))
			break;
		p++;
	}
	if (ncomp < 2 || strchr(p, '\n'))
		return 0;
	/* "1.30.x" is 1.30 and ".x" (Helm 4.1.4 checks v1.30) */
	return 1;
}

static int cmp_pre(const char *a, const char *b)
{
	if (!*a || !*b)
		return *a ? -1 : *b ? 1 : 0;
	while (*a || *b) {
		size_t la = strcspn(a, "."), lb = strcspn(b, ".");
		int na = la && strspn(a, "0123456789") >= la,
		    nb = lb && strspn(b, "0123456789") >= lb;
		int c;

		if (!la || !lb)
			return la ? 1 : lb ? -1 : 0;
		if (na && nb) {
			unsigned long long x = strtoull(a, NULL, 10), y = strtoull(b, NULL, 10);

			c = x < y ? -1 : x > y;
		} else if (na || nb) {
			c = na ? -1 : 1;
		} else {
			c = strncmp(a, b, la < lb ? la : lb);
			if (c == 0)
				c = la < lb ? -1 : la > lb;
		}
		if (c)
			return c < 0 ? -1 : 1;
		a += la + (a[la] == '.');
		b += lb + (b[lb] == '.');
	}
	return 0;
}

static int cmp(const struct sv *a, const struct sv *b)
{
	int i;

	for (i = 0; i < 3; i++)
		if (a->m[i] != b->m[i])
			return a->m[i] < b->m[i] ? -1 : 1;
	return cmp_pre(a->pre, b->pre);
}

/* The smallest version above every version the wildcard covers. */
static struct sv bump(const struct sv *c, int part)
{
	struct sv u = *c;
	int i;

	u.pre[0] = '\0';
	u.m[part]++;
	for (i = part + 1; i < 3; i++)
		u.m[i] = 0;
	return u;
}

static int check_one(const char *op, const struct sv *c, const struct sv *v)
{
	struct sv lo = *c;

	/* a prerelease only matches a range that names a prerelease */
	if (v->pre[0] && !c->pre[0])
		return 0;
	if (strcmp(op, "") == 0 || strcmp(op, "=") == 0) {
		if (c->wild == 0)
			return 1;
		if (c->wild < 3)
			return cmp(v, &lo) >= 0 &&
			       cmp(v, (const struct sv[]){bump(c, c->wild - 1)}) < 0;
		return cmp(v, c) == 0;
	}
	if (strcmp(op, "!=") == 0)
		return !check_one("=", c, v);
	if (strcmp(op, ">") == 0) {
		if (c->wild == 0)
			return 0;
		if (c->wild < 3)
			return cmp(v, (const struct sv[]){bump(c, c->wild - 1)}) >= 0;
		return cmp(v, c) > 0;
	}
	if (strcmp(op, ">=") == 0 || strcmp(op, "=>") == 0)
		return cmp(v, c) >= 0;
	if (strcmp(op, "<") == 0)
		return cmp(v, c) < 0;
	if (strcmp(op, "<=") == 0 || strcmp(op, "=<") == 0) {
		if (c->wild == 0)
			return 1;
		if (c->wild < 3)
			return cmp(v, (const struct sv[]){bump(c, c->wild - 1)}) < 0;
		return cmp(v, c) <= 0;
	}
	if (strcmp(op, "~") == 0 || strcmp(op, "~>") == 0) {
		int part = c->wild == 1 ? 0 : 1;

		if (c->wild == 0)
			return 1;
		return cmp(v, c) >= 0 && cmp(v, (const struct sv[]){bump(c, part)}) < 0;
	}
	if (strcmp(op, "^") == 0) {
		int part = c->m[0] > 0 || c->wild <= 1 ? 0 : c->m[1] > 0 || c->wild == 2 ? 1 : 2;

		if (c->wild == 0)
			return 1;
		return cmp(v, c) >= 0 && cmp(v, (const struct sv[]){bump(c, part)}) < 0;
	}
	return 0;
}

/* One comparison "OP VERSION" at \p s (n bytes); -1 when malformed. */
static int check_term(const char *s, size_t n, const struct sv *v)
{
	static const char *const ops[] = {"!=", ">=", "=>", "<=", "=<", "~>",
					  "=",	">",  "<",  "~",  "^"};
	char op[3] = "";
	struct sv c;
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t l = strlen(ops[i]);

		if (n >= l && memcmp(s, ops[i], l) == 0) {
			memcpy(op, ops[i], l + 1);
			s += l;
			n -= l;
			break;
		}
	}
	while (n && *s == ' ') {
		s++;
		n--;
	}
	if (!parse(s, n, 1, &c))
		return -1;
	return check_one(op, &c, v);
}

/* An AND group: terms split on ',' and spaces, or "A - B". */
static int check_and(const char *s, size_t n, const struct sv *v)
{
	const char *dash = NULL;
	size_t i;

	for (i = 0; i + 2 < n; i++)
		if (s[i] == ' ' && s[i + 1] == '-' && s[i + 2] == ' ')
			dash = s + i;
	if (dash) {
		const char *b = dash + 3;
		size_t la = (size_t)(dash - s), lb = n - la - 3;
		struct sv lo, hi;

		while (la && s[la - 1] == ' ')
			la--;
		while (lb && *b == ' ') {
			b++;
			lb--;
		}
		if (!parse(s, la, 1, &lo) || !parse(b, lb, 1, &hi))
			return -1;
		return check_one(">=", &lo, v) && check_one("<=", &hi, v);
	}
	i = 0;
	while (i < n) {
		size_t j;
		int r;

		while (i < n && (s[i] == ' ' || s[i] == ','))
			i++;
		if (i == n)
			break;
		j = i;
		/* an operator may be followed by spaces before its version */
		while (j < n && strchr("<>=!~^", s[j]))
			j++;
		while (j < n && s[j] == ' ')
			j++;
		while (j < n && s[j] != ' ' && s[j] != ',')
			j++;
		r = check_term(s + i, j - i, v);
		if (r <= 0)
			return r;
		i = j;
	}
	return 1;
}

int cmfv_semver_in_range(const char *constraint, const char *ver)
{
	struct sv v;
	const char *p = constraint;
	int any = 0;

	if (!parse(ver, strlen(ver), 0, &v))
		return 0;
	for (;;) {
		const char *bar = strstr(p, "||");
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		size_t a = 0;
		int r;

		while (a < n && p[a] == ' ')
			a++;
		while (n > a && p[n - 1] == ' ')
			n--;
		if (n == a)
			return 0; /* an empty range is an error in Masterminds */
		r = check_and(p + a, n - a, &v);
		if (r < 0)
			return 0;
		any |= r;
		if (!bar)
			break;
		p = bar + 2;
	}
	return any;
}

/* ------------------------------------------ Chart.lock generated times */

/* the number in \p n digits at \p s, or -1 */
static int digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in(int month, int year)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);

	return month == 2 && leap ? 29 : d[month - 1];
}

/* What Go's Time.UnmarshalJSON takes: its fast RFC 3339 path or, failing
 * that, time.Parse(time.RFC3339, s), which also takes ',' before the
 * fraction and a zone offset up to 24:60 (strict checks are off). */
int cmfv_chart_rfc3339(const char *s)
{
	size_t n = strlen(s), i = 19;
	int y, mo, dd, h, mi, se;

	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return 0;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	dd = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || dd < 1 || dd > days_in(mo, y) || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || se < 0 || se > 59)
		return 0;
	if ((s[i] == '.' || s[i] == ',') && s[i + 1] >= '0' && s[i + 1] <= '9')
		for (i += 2; s[i] >= '0' && s[i] <= '9'; i++)
			;
	if (strcmp(s + i, "Z") == 0)
		return 1;
	if (strlen(s + i) != 6 || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':')
		return 0;
	h = digits(s + i + 1, 2);
	mi = digits(s + i + 4, 2);
	return h >= 0 && h <= 24 && mi >= 0 && mi <= 60;
}
