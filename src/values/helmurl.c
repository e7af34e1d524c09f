/* Helm reads every -f and --set-file argument through Go's url.Parse
 * before it opens it (pkg/cli/values/options.go readFile): a name the URL
 * parser rejects ("50%off.yaml", "1:2.yaml") is an error, and an http(s)
 * or oci URL is downloaded. This is url.Parse's error logic, nothing else. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cmfv/values.h"

static int is_hex(char c)
{
	return isxdigit((unsigned char)c) != 0;
}

/* unescape(): every '%' must start a %XX escape. */
static int bad_escape(const char *s, size_t n, char *msg, size_t msz)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] != '%')
			continue;
		if (i + 2 >= n) {
			snprintf(msg, msz, "invalid URL escape \"%.*s\"", (int)(n - i), s + i);
			return 1;
		}
		if (!is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
			snprintf(msg, msz, "invalid URL escape \"%.3s\"", s + i);
			return 1;
		}
		i += 2;
	}
	return 0;
}

/* The scheme, or "" (getScheme); -1 for "missing protocol scheme". */
static int get_scheme(const char *s, size_t n, size_t *slen)
{
	size_t i;

	*slen = 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			continue;
		if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
			if (i == 0)
				return 0;
			continue;
		}
		if (c == ':') {
			if (i == 0)
				return -1;
			*slen = i;
			return 0;
		}
		return 0;
	}
	return 0;
}

/* parseAuthority's checks that a file name could trip: the port. */
static int bad_authority(const char *a, size_t n, char *msg, size_t msz)
{
	const char *at = NULL, *host, *colon = NULL;
	size_t i, hn;

	for (i = 0; i < n; i++)
		if (a[i] == '@')
			at = a + i;
	host = at ? at + 1 : a;
	hn = n - (size_t)(host - a);
	if (hn && host[0] == '[') {
		const char *close = memchr(host, ']', hn);

		if (close == NULL) {
			snprintf(msg, msz, "missing ']' in host");
			return 1;
		}
		colon = close + 1 < host + hn ? close + 1 : NULL;
		if (colon && *colon != ':') {
			snprintf(msg, msz, "invalid port \"%.*s\" after host",
				 (int)(host + hn - colon), colon);
			return 1;
		}
	} else {
		for (i = 0; i < hn; i++)
			if (host[i] == ':')
				colon = host + i;
	}
	if (colon) {
		for (i = 1; colon + i < host + hn; i++)
			if (!isdigit((unsigned char)colon[i])) {
				snprintf(msg, msz, "invalid port \"%.*s\" after host",
					 (int)(host + hn - colon), colon);
				return 1;
			}
	}
	return bad_escape(host, (size_t)(colon ? colon - host : (ptrdiff_t)hn), msg, msz);
}

int cmfv_go_url_parse(const char *raw, char *scheme, size_t ssz, char *msg, size_t msz)
{
	size_t n = strlen(raw), un, slen, i;
	const char *hash = strchr(raw, '#'), *rest, *q;
	size_t rn;

	scheme[0] = '\0';
	un = hash ? (size_t)(hash - raw) : n;
	for (i = 0; i < un; i++)
		if ((unsigned char)raw[i] < 0x20 || raw[i] == 0x7f) {
			snprintf(msg, msz, "net/url: invalid control character in URL");
			return 1;
		}
	if (un == 1 && raw[0] == '*')
		return 0;
	if (get_scheme(raw, un, &slen) < 0) {
		snprintf(msg, msz, "missing protocol scheme");
		return 1;
	}
	for (i = 0; i < slen && i + 1 < ssz; i++)
		scheme[i] = (char)tolower((unsigned char)raw[i]);
	scheme[i] = '\0';
	rest = raw + (slen ? slen + 1 : 0);
	rn = un - (size_t)(rest - raw);
	q = memchr(rest, '?', rn);
	if (q)
		rn = (size_t)(q - rest);
	if (rn == 0 || rest[0] != '/') {
		const char *slash;

		if (slen)
			return 0; /* opaque */
		slash = memchr(rest, '/', rn);
		if (memchr(rest, ':', slash ? (size_t)(slash - rest) : rn)) {
			snprintf(msg, msz, "first path segment in URL cannot contain colon");
			return 1;
		}
	}
	if (rn >= 2 && rest[0] == '/' && rest[1] == '/' && (slen || rn < 3 || rest[2] != '/')) {
		const char *a = rest + 2, *slash = memchr(a, '/', rn - 2);
		size_t an = slash ? (size_t)(slash - a) : rn - 2;

		if (bad_authority(a, an, msg, msz))
			return 1;
		rn -= 2 + an;
		rest = a + an;
	}
	if (bad_escape(rest, rn, msg, msz))
		return 1;
	if (hash && bad_escape(hash + 1, n - un - 1, msg, msz))
		return 1;
	return 0;
}
