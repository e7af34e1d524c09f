#include "cmfv/scalar.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int in_list(const char *s, size_t len, const char *const *list)
{
	/* the first byte first: this runs for every plain scalar loaded */
	for (; *list && len > 0; list++)
		if ((*list)[0] == s[0] && strlen(*list) == len && memcmp(*list, s, len) == 0)
			return 1;
	return 0;
}

static const char *const true_words[] = {"y",	 "Y",	 "yes", "Yes", "YES", "true",
					 "True", "TRUE", "on",	"On",  "ON",  NULL};
static const char *const false_words[] = {"n",	   "N",	    "no",  "No",  "NO",	 "false",
					  "False", "FALSE", "off", "Off", "OFF", NULL};
static const char *const null_words[] = {"~", "null", "Null", "NULL", NULL};
static const char *const inf_words[] = {".inf",	 ".Inf",  ".INF",  "+.inf", "+.Inf",
					"+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
					".NaN",	 ".NAN",  NULL};

static int digit_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Go's strconv.ParseInt(s, 0, 64) followed by ParseUint(s, 0, 64): accepts
 * an optional sign, 0x/0o/0b prefixes and a leading-0 octal form. Returns 1
 * and the value as a double on success. */
static int parse_go_int(const char *s, size_t len, double *out)
{
	size_t i = 0;
	int neg = 0, base = 10, any = 0;
	uint64_t v = 0;
	int overflow = 0;

	if (i < len && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		i++;
	}
	if (i < len && s[i] == '0' && i + 1 < len) {
		char p = s[i + 1];

		if (p == 'x' || p == 'X')
			base = 16, i += 2;
		else if (p == 'o' || p == 'O')
			base = 8, i += 2;
		else if (p == 'b' || p == 'B')
			base = 2, i += 2;
		else
			base = 8, i += 1, any = 1;
	}
	for (; i < len; i++) {
		int d = digit_val(s[i]);

		if (d >= base)
			return 0;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			overflow = 1;
		v = v * (uint64_t)base + (uint64_t)d;
		any = 1;
	}
	if (!any || overflow)
		return 0;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return 0;
		/* an integer has no sign of zero: -0 is 0 */
		*out = v == 0			      ? 0.0
		       : v == (uint64_t)INT64_MAX + 1 ? -9223372036854775808.0
						      : -(double)(int64_t)v;
		return 1;
	}
	*out = (double)v;
	return 1;
}

/* Skip decimal digits at \p *i; were there any? */
static int digits(const char *s, size_t len, size_t *i)
{
	size_t from = *i;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9')
		(*i)++;
	return *i > from;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int yaml_style_float(const char *s, size_t len)
{
	size_t i = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i < len && s[i] == '.') {
		i++;
		if (!digits(s, len, &i))
			return 0;
	} else {
		if (!digits(s, len, &i))
			return 0;
		if (i < len && s[i] == '.') {
			i++;
			(void)digits(s, len, &i);
		}
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (!digits(s, len, &i))
			return 0;
	}
	return i == len;
}

/* Longest number text we read as a number. Go reads any length, but past
 * 309 integer digits a float64 overflows (Go then fails, and so the text
 * stays a string); only absurd forms (hundreds of leading zeros, a fraction
 * of more than 1000 digits) are longer and still finite. */
#define MAX_NUMBER_TEXT 1024

static int parse_double(const char *s, size_t len, double *out)
{
	char buf[MAX_NUMBER_TEXT];
	char *end;

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	/* Go's ParseFloat fails with ErrRange on overflow; strtod gives HUGE_VAL. */
	if (*end != '\0' || isinf(*out))
		return 0;
	return 1;
}

void cmfv_scalar_resolve(const char *s, size_t len, struct cmfv_scalar *out)
{
	char plain[MAX_NUMBER_TEXT];
	size_t i, n = 0;
	double v;

	memset(out, 0, sizeof(*out));
	out->res = CMFV_RES_STR;
	if (len == 0 || in_list(s, len, null_words)) {
		out->res = CMFV_RES_NULL;
		return;
	}
	if (in_list(s, len, true_words) || in_list(s, len, false_words)) {
		out->res = CMFV_RES_BOOL;
		out->b = in_list(s, len, true_words);
		return;
	}
	if (in_list(s, len, inf_words)) {
		out->res = CMFV_RES_NONFINITE;
		return;
	}
	if (s[0] == '.') {
		/* go-yaml v2 hands the text to ParseFloat as it is */
		if (yaml_style_float(s, len) && parse_double(s, len, &v)) {
			out->res = CMFV_RES_NUM;
			out->num = v;
		}
		return;
	}
	if (!((s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '+'))
		return;
	/* Numbers: underscores are dropped first (so 1_000 is 1000). */
	if (len >= sizeof(plain))
		return; /* see MAX_NUMBER_TEXT */
	for (i = 0; i < len; i++)
		if (s[i] != '_')
			plain[n++] = s[i];
	if (parse_go_int(plain, n, &v)) {
		out->res = CMFV_RES_NUM;
		out->num = v;
		out->is_int = 1;
		return;
	}
	if (yaml_style_float(plain, n) && parse_double(plain, n, &v)) {
		out->res = CMFV_RES_NUM;
		out->num = v;
	}
}

/* Shortest "%.*e" that reads back as the same value. */
static int shortest_digits(double f, int max_prec, char *digits, int *exp10)
{
	char tmp[64];
	int prec;

	for (prec = 0; prec < max_prec; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, f);
		if (max_prec > 9 ? strtod(tmp, NULL) == f : strtof(tmp, NULL) == (float)f)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", prec, f);
	{
		char *e = strchr(tmp, 'e');
		char *p = tmp;
		int nd = 0;

		*exp10 = atoi(e + 1);
		if (*p == '-')
			p++;
		for (; p < e; p++)
			if (*p != '.')
				digits[nd++] = *p;
		digits[nd] = '\0';
		/* drop trailing zeros */
		while (nd > 1 && digits[nd - 1] == '0')
			digits[--nd] = '\0';
		return nd;
	}
}

static void format_positional(int neg, const char *digits, int nd, int exp10, char *buf,
			      size_t size)
{
	char out[400];
	size_t o = 0;
	int i;

	if (neg)
		out[o++] = '-';
	if (exp10 < 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (i = 0; i < -exp10 - 1; i++)
			out[o++] = '0';
		for (i = 0; i < nd; i++)
			out[o++] = digits[i];
	} else {
		for (i = 0; i <= exp10 || i < nd; i++) {
			if (i == exp10 + 1)
				out[o++] = '.';
			out[o++] = i < nd ? digits[i] : '0';
		}
	}
	out[o] = '\0';
	snprintf(buf, size, "%s", out);
}

static void format_exp(int neg, const char *digits, int nd, int exp10, int two_digit_exp, char *buf,
		       size_t size)
{
	char mant[40];
	int i, o = 0;

	mant[o++] = digits[0];
	if (nd > 1) {
		mant[o++] = '.';
		for (i = 1; i < nd; i++)
			mant[o++] = digits[i];
	}
	mant[o] = '\0';
	if (two_digit_exp)
		snprintf(buf, size, "%s%se%c%02d", neg ? "-" : "", mant, exp10 < 0 ? '-' : '+',
			 abs(exp10));
	else
		snprintf(buf, size, "%s%se%c%d", neg ? "-" : "", mant, exp10 < 0 ? '-' : '+',
			 abs(exp10));
}

void cmfv_format_float_json(double f, char *buf, size_t size)
{
	char digits[40];
	int exp10, nd;
	double a = fabs(f);

	if (f == 0) {
		snprintf(buf, size, "%s", signbit(f) ? "-0" : "0");
		return;
	}
	/* a whole number below 2^53: its shortest digits are its own, written
	 * out in full (Go's 'f' form below 1e21); the common case, and the
	 * search below costs microseconds a number */
	if (a < 9007199254740992.0 && f == (double)(long long)f) {
		snprintf(buf, size, "%lld", (long long)f);
		return;
	}
	nd = shortest_digits(f, 17, digits, &exp10);
	if (a < 1e-6 || a >= 1e21)
		format_exp(f < 0, digits, nd, exp10, 0, buf, size);
	else
		format_positional(f < 0, digits, nd, exp10, buf, size);
}

/* Go's %g with the shortest digits that read back at \p prec significant
 * digits (9: float32, 17: float64): the exponent form when the exponent
 * is below -4 or at least 6 (eprec = 6). */
static void format_g(double f, int prec, char *buf, size_t size)
{
	char digits[40];
	int exp10, nd;

	if (f == 0) {
		snprintf(buf, size, "%s", signbit(f) ? "-0" : "0");
		return;
	}
	nd = shortest_digits(f, prec, digits, &exp10);
	if (exp10 < -4 || exp10 >= 6)
		format_exp(f < 0, digits, nd, exp10, 1, buf, size);
	else
		format_positional(f < 0, digits, nd, exp10, buf, size);
}

void cmfv_format_float_key(double f, char *buf, size_t size)
{
	float g = (float)f;

	/* FormatFloat(f, 'g', -1, 32) rounds to float32 first: 1e100 is +Inf
	 * (".inf" in sigs.k8s.io/yaml), 1e-50 is 0, 16777217 is 16777216 */
	if (isinf(g)) {
		snprintf(buf, size, "%s", g < 0 ? "-.inf" : ".inf");
		return;
	}
	format_g((double)g, 9, buf, size);
}

void cmfv_format_float_g(double f, char *buf, size_t size)
{
	/* fmt's %v and FormatFloat(f, 'g', -1, 64) */
	if (isinf(f) || isnan(f)) {
		snprintf(buf, size, "%s", isnan(f) ? "NaN" : f < 0 ? "-Inf" : "+Inf");
		return;
	}
	format_g(f, 17, buf, size);
}
