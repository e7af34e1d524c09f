/* Scalars and map keys as go-yaml v2 resolves them and Helm then sees
 * them: tags checked, plain scalars resolved (YAML 1.1), keys made strings
 * (integers, floats, booleans, !!binary); and the loader's locations and
 * errors, which yaml.c shares. */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include <openssl/crypto.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/json.h"
#include "cmfv/key.h"
#include "cmfv/scalar.h"

#include "yaml_int.h"

struct cmfv_loc yl_mark_loc(const struct loader *l, yaml_mark_t m)
{
	struct cmfv_loc loc = {l->file, (unsigned)m.line + 1 + l->line_offset,
			       (unsigned)m.column + 1 + l->col_offset};

	return loc;
}

enum cmfv_err yl_oom(struct loader *l)
{
	return cmfv_diag_fail(l->d, CMFV_ENOMEM, "out of memory while reading %s", l->file);
}

enum cmfv_err yl_fail_at(struct loader *l, yaml_mark_t m, const char *fmt, ...)
{
	struct cmfv_loc loc = yl_mark_loc(l, m);
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cmfv_diag_set(l->d, CMFV_EINPUT, l->file, loc.line, loc.col, "%s", msg);
}

static int yl_int_key(const char *s, size_t len, char *buf, size_t size);

static int yl_tag_is(const yaml_char_t *tag, const char *suffix)
{
	static const char prefix[] = "tag:yaml.org,2002:";

	if (tag == NULL)
		return 0;
	return strncmp((const char *)tag, prefix, sizeof(prefix) - 1) == 0 &&
	       strcmp((const char *)tag + sizeof(prefix) - 1, suffix) == 0;
}

/* Should this scalar be resolved (plain YAML 1.1 rules) or kept as text? */
static int yl_scalar_resolves(const yaml_event_t *ev)
{
	const yaml_char_t *tag = ev->data.scalar.tag;

	if (yl_tag_is(tag, "str") || yl_tag_is(tag, "binary"))
		return 0;
	if (yl_tag_is(tag, "int") || yl_tag_is(tag, "float") || yl_tag_is(tag, "bool") ||
	    yl_tag_is(tag, "null"))
		return 1;
	return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* go-yaml's resolve(): an explicit !!int, !!float, !!bool or !!null tag
 * must fit what the text resolves to (an int may be a !!float), else
 * "cannot decode !!float `1.5` as a !!int". */
static enum cmfv_err yl_check_tag(struct loader *l, const yaml_event_t *ev,
				  const struct cmfv_scalar *r)
{
	static const char *const tags[] = {"int", "float", "bool", "null"};
	const char *want = NULL, *got;
	size_t i;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (yl_tag_is(ev->data.scalar.tag, tags[i]))
			want = tags[i];
	if (want == NULL)
		return CMFV_OK;
	switch (r->res) {
	case CMFV_RES_NULL:
		got = "null";
		break;
	case CMFV_RES_BOOL:
		got = "bool";
		break;
	case CMFV_RES_NUM:
		got = r->is_int ? "int" : "float";
		break;
	case CMFV_RES_NONFINITE:
		got = "float";
		break;
	default:
		got = "str";
		break;
	}
	if (strcmp(want, got) == 0 || (strcmp(want, "float") == 0 && strcmp(got, "int") == 0))
		return CMFV_OK;
	return yl_fail_at(l, ev->start_mark, "cannot decode !!%s `%.40s` as a !!%s", got,
			  (const char *)ev->data.scalar.value, want);
}

enum cmfv_err yl_scalar_node(struct loader *l, const yaml_event_t *ev, struct cmfv_node **out)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct cmfv_loc loc = yl_mark_loc(l, ev->start_mark);
	struct cmfv_scalar r;
	struct cmfv_node *n;

	if (yl_scalar_resolves(ev)) {
		cmfv_scalar_resolve(s, len, &r);
		if (yl_check_tag(l, ev, &r) != CMFV_OK)
			return CMFV_EINPUT;
		switch (r.res) {
		case CMFV_RES_NULL:
			n = cmfv_node_new(CMFV_NULL, loc);
			break;
		case CMFV_RES_BOOL:
			n = cmfv_node_new(CMFV_BOOL, loc);
			if (n)
				n->u.b = r.b;
			break;
		case CMFV_RES_NUM: {
			char ib[64];
			int fit = l->keep_ints && r.is_int ? yl_int_key(s, len, ib, sizeof(ib)) : 0;

			if (fit != 0) {
				n = cmfv_node_new(CMFV_INT, loc);
				if (n && fit < 0)
					n->uint = 1;
				if (n)
					n->u.i = fit > 0 ? strtoll(ib, NULL, 10)
							 : (int64_t)strtoull(ib, NULL, 10);
				break;
			}
			n = cmfv_node_new(CMFV_FLOAT, loc);
			if (n)
				n->u.f = r.num;
			break;
		}
		case CMFV_RES_NONFINITE:
			if (l->keep_nonfinite) {
				/* ".nan", "+.inf", "-.Inf", ...: the letter after the dot */
				const char *dot = memchr(s, '.', len);

				n = cmfv_node_new(CMFV_FLOAT, loc);
				if (n)
					n->u.f = (dot[1] == 'n' || dot[1] == 'N') ? NAN
						 : s[0] == '-'			  ? -INFINITY
										  : INFINITY;
				break;
			}
			return yl_fail_at(l, ev->start_mark,
					  "%.20s cannot be used: Helm turns values into JSON, "
					  "which has no infinity or NaN",
					  s);
		default:
			n = cmfv_node_new_str(s, len, loc);
			break;
		}
	} else if (yl_tag_is(ev->data.scalar.tag, "binary")) {
		/* go-yaml decodes !!binary (standard base64, whitespace ignored);
		 * the JSON trip then makes the bytes valid UTF-8. A Secret's key
		 * may be written so: every copy is secret, wiped when freed */
		struct cmfv_buf clean = CMFV_BUF_SECRET, text = CMFV_BUF_SECRET;
		unsigned char *bytes;
		size_t i, blen = 0, bad, cap;
		int ok;

		for (i = 0; i < len; i++)
			if (!strchr(" \t\r\n", s[i]))
				cmfv_buf_add(&clean, s + i, 1);
		cap = clean.len / 4 * 3 + 3;
		bytes = cmfv_malloc(cap);
		if (bytes == NULL || clean.failed) {
			cmfv_free(bytes);
			cmfv_buf_free(&clean);
			return yl_oom(l);
		}
		ok = cmfv_base64_decode(clean.ptr ? clean.ptr : "", clean.len, bytes, &blen, &bad);
		cmfv_buf_free(&clean);
		if (!ok) {
			OPENSSL_cleanse(bytes, cap);
			cmfv_free(bytes);
			return yl_fail_at(l, ev->start_mark,
					  "!!binary value contains invalid base64 data");
		}
		if (cmfv_utf8_sanitize((const char *)bytes, blen, &text) != CMFV_OK) {
			OPENSSL_cleanse(bytes, cap);
			cmfv_free(bytes);
			cmfv_buf_free(&text);
			return yl_oom(l);
		}
		OPENSSL_cleanse(bytes, cap);
		cmfv_free(bytes);
		n = cmfv_node_new_str(text.ptr ? text.ptr : "", text.len, loc);
		cmfv_buf_free(&text);
	} else {
		n = cmfv_node_new_str(s, len, loc);
		if (n && (ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
			  ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ||
			  ev->data.scalar.tag != NULL))
			n->quoted = 1;
	}
	if (n == NULL)
		return yl_oom(l);
	*out = n;
	return CMFV_OK;
}

/* Map keys become strings, as sigs.k8s.io/yaml makes them. */
enum cmfv_err yl_key_from_node(struct loader *l, const struct cmfv_node *n, yaml_mark_t m,
			       char **out)
{
	char buf[64];

	switch (n->kind) {
	case CMFV_STR:
		*out = cmfv_strndup(n->u.s.ptr, n->u.s.len);
		break;
	case CMFV_BOOL:
		*out = cmfv_strdup(n->u.b ? "true" : "false");
		break;
	case CMFV_FLOAT:
		cmfv_format_float_key(n->u.f, buf, sizeof(buf));
		*out = cmfv_strdup(buf);
		break;
	case CMFV_NULL:
		return yl_fail_at(l, m, "a map key cannot be null");
	default:
		return yl_fail_at(l, m, "a map key must be a scalar, not a %s",
				  cmfv_kind_name(n->kind));
	}
	return *out ? CMFV_OK : yl_oom(l);
}

/* An integer key's text as go-yaml reads it (strconv.ParseInt(s, 0, 64):
 * sign, 0x/0o/0b or a leading 0 for octal, underscores): 1 and the decimal
 * int64 in \p buf; -1 when it only fits a uint64 (decimal in \p buf); 0 when
 * it is bigger. */
static int yl_int_key(const char *s, size_t len, char *buf, size_t size)
{
	size_t i = 0;
	unsigned base = 10;
	unsigned long long v = 0;
	int neg = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i + 1 < len && s[i] == '0' && strchr("xXoObB", s[i + 1])) {
		base = strchr("xX", s[i + 1]) ? 16 : strchr("oO", s[i + 1]) ? 8 : 2;
		i += 2;
	} else if (i + 1 < len && s[i] == '0') {
		base = 8;
	}
	for (; i < len; i++) {
		unsigned d;
		char c = s[i];

		if (c == '_')
			continue;
		d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
		    : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
		    : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
					   : 99u;
		if (d >= base)
			return 0;
		if (v > (~0ULL - d) / base)
			return 0;
		v = v * base + d;
	}
	if (neg) {
		if (v > (1ULL << 63))
			return 0;
		snprintf(buf, size, "-%llu", v);
		if (v == 0)
			snprintf(buf, size, "0");
		return 1;
	}
	snprintf(buf, size, "%llu", v);
	if (v > (1ULL << 63) - 1) /* ParseUint takes no sign: "+" makes it a float */
		return s[0] == '+' ? 0 : -1;
	return 1;
}

enum cmfv_err yl_key_from_scalar(struct loader *l, const yaml_event_t *ev, char **out,
				 int *is_merge)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct cmfv_scalar r;
	char buf[64];

	*is_merge = 0;
	if (yl_tag_is(ev->data.scalar.tag, "binary")) {
		/* decoded as a value is: "!!binary aGk=: a" is the key "hi" */
		struct cmfv_node *n = NULL;
		enum cmfv_err e = yl_scalar_node(l, ev, &n);

		if (e != CMFV_OK)
			return e;
		*out = cmfv_strndup(n->u.s.ptr, n->u.s.len);
		cmfv_node_free(n);
		return *out ? CMFV_OK : yl_oom(l);
	}
	if (!yl_scalar_resolves(ev)) {
		*out = cmfv_strndup(s, len);
		return *out ? CMFV_OK : yl_oom(l);
	}
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && len == 2 &&
	    memcmp(s, "<<", 2) == 0) {
		if (l->no_merge)
			return yl_fail_at(
			    l, ev->start_mark,
			    "a YAML merge key (<<): YAML readers disagree on which value "
			    "wins over it; write the settings out");
		*is_merge = 1;
		*out = cmfv_strdup("<<");
		return *out ? CMFV_OK : yl_oom(l);
	}
	cmfv_scalar_resolve(s, len, &r);
	if (yl_check_tag(l, ev, &r) != CMFV_OK)
		return CMFV_EINPUT;
	switch (r.res) {
	case CMFV_RES_NULL:
		return yl_fail_at(l, ev->start_mark, "a map key cannot be null");
	case CMFV_RES_BOOL:
		*out = cmfv_strdup(r.b ? "true" : "false");
		break;
	case CMFV_RES_NUM: {
		/* an int64 key keeps every digit; one past int64 but inside
		 * uint64 is an error in sigs.k8s.io/yaml; beyond, a float */
		int k = r.is_int ? yl_int_key(s, len, buf, sizeof(buf)) : 0;

		if (k < 0)
			return yl_fail_at(l, ev->start_mark,
					  "unsupported map key of type: uint64, key: %.40s (keys "
					  "past 9223372036854775807 cannot be used)",
					  s);
		if (k == 0)
			cmfv_format_float_key(r.num, buf, sizeof(buf));
		*out = cmfv_strdup(buf);
		break;
	}
	case CMFV_RES_NONFINITE:
		/* sigs.k8s.io/yaml spells these keys the YAML way */
		*out = cmfv_strdup(s[0] == '-'			  ? "-.inf"
				   : (s[1] == 'n' || s[1] == 'N') ? ".nan"
								  : ".inf");
		break;
	default:
		*out = cmfv_strndup(s, len);
		break;
	}
	return *out ? CMFV_OK : yl_oom(l);
}
