/* Key bytes the tool has decoded, taken out of a child's stderr in any
 * encoding (include/cmfv/redact.h, cmfv_redact_known). The token-run rule
 * (redact.c) judges text by its shape and lets a few short pieces through
 * (about 0.13% of 10-character pieces of a key); with the key's own bytes
 * known, every piece that encodes 6 bytes of it or more goes, however it
 * is cut: the text is read as streams of symbols (hex digits, base64
 * characters of either alphabet, decimal byte values, octal escapes), each
 * symbol remembering where it was, and every stretch of a stream that
 * matches the key's own encoding is cut out of the text, separators and
 * all. */
#include "cmfv/redact.h"

#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cmfv/alloc.h"

#define KNOWN_MAX 8   /* keys remembered in one run */
#define KNOWN_LEN 128 /* bytes kept of each (a key is 16 or 32) */
#define MIN_BYTES 4   /* 32 bits of a key; less is noise (a 10-digit hex piece is 40) */
#define ENC_MAX (KNOWN_LEN * 2 + 8)

static struct {
	unsigned char b[KNOWN_LEN];
	size_t n;
} known[KNOWN_MAX];
static size_t nknown;

void cmfv_redact_known_add(const unsigned char *key, size_t len)
{
	size_t i;

	if (len < MIN_BYTES)
		return;
	if (len > KNOWN_LEN)
		len = KNOWN_LEN;
	for (i = 0; i < nknown; i++)
		if (known[i].n == len && memcmp(known[i].b, key, len) == 0)
			return;
	if (nknown == KNOWN_MAX) /* the oldest goes */
		memmove(&known[0], &known[1], sizeof(known[0]) * (KNOWN_MAX - 1)), nknown--;
	memcpy(known[nknown].b, key, len);
	known[nknown].n = len;
	nknown++;
}

void cmfv_redact_known_clear(void)
{
	OPENSSL_cleanse(known, sizeof(known));
	nknown = 0;
}

/* One symbol of a stream: its value and the bytes of the text it came from. */
struct sym {
	unsigned char v;
	uint32_t from, to; /* [from, to) in the text */
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits, lower-cased, wherever they are; the "0x", "\u00" and "%u00"
 * prefixes are not digits of the value. A letter that is no hex digit
 * (g-z but x and u, which prefixes use, and h, a suffix: "0DEh") ends a
 * run: the e's of "server:
 * token" are not digits of a key quoted after them, and a match that ran
 * on into them cut words out of a child's message. */
#define SYM_BREAK 0xFF

static size_t stream_hex(const char *s, size_t n, struct sym *out)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i] | 0x20;

		if (c >= 'g' && c <= 'z' && c != 'x' && c != 'u' && c != 'h') {
			out[k++] = (struct sym){SYM_BREAK, (uint32_t)i, (uint32_t)i + 1};
			continue;
		}
		if (s[i] == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
			i++;
			continue;
		}
		if ((s[i] == 'u' || s[i] == 'U') && i + 2 < n && s[i + 1] == '0' &&
		    s[i + 2] == '0') {
			i += 2;
			continue;
		}
		if (hexval((unsigned char)s[i]) >= 0)
			out[k++] = (struct sym){(unsigned char)hexval((unsigned char)s[i]),
						(uint32_t)i, (uint32_t)i + 1};
	}
	return k;
}

/* Base64 characters of one alphabet (\p alt: '-' and '_' for '+' and '/'),
 * wherever they are. */
static size_t stream_b64(const char *s, size_t n, int alt, struct sym *out)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (!alt && (c == '+' || c == '/')) || (alt && (c == '-' || c == '_')))
			out[k++] = (struct sym){c, (uint32_t)i, (uint32_t)i + 1};
	}
	return k;
}

/* Every byte as it is: a key that is text (a double-encoded one) quoted
 * as it stands. */
static size_t stream_raw(const char *s, size_t n, struct sym *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (struct sym){(unsigned char)s[i], (uint32_t)i, (uint32_t)i + 1};
	return n;
}

/* Numbers of 1-3 digits up to 255 as bytes (decimal lists); \p octal:
 * backslash escapes of 1-3 octal digits. Anything else is a separator. */
static size_t stream_num(const char *s, size_t n, int octal, struct sym *out)
{
	size_t i = 0, k = 0;

	while (i < n) {
		size_t j, start = i;
		unsigned v = 0;

		if (octal) {
			if (s[i] != '\\') {
				i++;
				continue;
			}
			for (j = i + 1; j < n && j < i + 4 && s[j] >= '0' && s[j] <= '7'; j++)
				v = v * 8 + (unsigned)(s[j] - '0');
			if (j > i + 1 && v <= 255)
				out[k++] =
				    (struct sym){(unsigned char)v, (uint32_t)start, (uint32_t)j};
			i = j > i + 1 ? j : i + 1;
			continue;
		}
		if (s[i] < '0' || s[i] > '9') {
			i++;
			continue;
		}
		for (j = i; j < n && s[j] >= '0' && s[j] <= '9'; j++)
			v = v < 1000 ? v * 10 + (unsigned)(s[j] - '0') : v;
		if (j - i <= 3 && v <= 255)
			out[k++] = (struct sym){(unsigned char)v, (uint32_t)start, (uint32_t)j};
		i = j;
	}
	return k;
}

/* The key's encodings to look for in each stream. */
static size_t enc_hex(const unsigned char *b, size_t n, unsigned char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = b[i] >> 4;
		out[2 * i + 1] = b[i] & 15;
	}
	return 2 * n;
}

static size_t enc_b64(const unsigned char *b, size_t n, int alt, unsigned char *out)
{
	static const char std[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, k = 0;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)b[i] << 16 | (i + 1 < n ? (uint32_t)b[i + 1] << 8 : 0) |
			     (i + 2 < n ? b[i + 2] : 0);
		size_t chars = i + 2 < n ? 4 : i + 1 < n ? 3 : 2, c;

		for (c = 0; c < chars; c++) {
			char ch = std[(v >> (18 - 6 * c)) & 63];

			out[k++] = (unsigned char)(alt && ch == '+'   ? '-'
						   : alt && ch == '/' ? '_'
								      : ch);
		}
	}
	return k; /* no '=': a separator to the streams */
}

/* Mark in \p cut every stretch of \p st that matches \p min or more symbols
 * of \p enc in a row. A symbol in \p skip that does not match is passed
 * over: base64's '/', '+', '-' and '_' may be what the pieces were joined
 * with. */
static void match(const struct sym *st, size_t ns, const unsigned char *enc, size_t ne, size_t min,
		  const char *skip, unsigned char *cut)
{
	size_t i, j;

	for (i = 0; i + min <= ns; i++)
		for (j = 0; j + min <= ne; j++) {
			size_t a = i, b = j, last = i, m;

			if (st[i].v != enc[j])
				continue;
			while (a < ns && b < ne) {
				if (st[a].v == enc[b])
					last = a++, b++;
				else if (skip && st[a].v && strchr(skip, st[a].v) && a > i)
					a++;
				else
					break;
			}
			if (b - j < min)
				continue;
			for (m = st[i].from; m < st[last].to; m++)
				cut[m] = 1;
		}
}

/* Every stream of \p s against every encoding of every known key. */
static void mark(const char *s, size_t n, struct sym *st, unsigned char *cut)
{
	unsigned char enc[ENC_MAX];
	size_t k, ns, ne, sh;

	for (k = 0; k < nknown; k++) {
		const unsigned char *b = known[k].b;
		size_t len = known[k].n;

		ns = stream_hex(s, n, st);
		ne = enc_hex(b, len, enc);
		match(st, ns, enc, ne, 2 * MIN_BYTES, NULL, cut);
		/* base64 of the key from each of its first three bytes: a piece
		 * encoded on its own starts on any byte */
		for (sh = 0; sh < 3 && sh + MIN_BYTES < len; sh++) {
			ns = stream_b64(s, n, 0, st);
			ne = enc_b64(b + sh, len - sh, 0, enc);
			match(st, ns, enc, ne, (MIN_BYTES * 4 + 2) / 3, "+/", cut);
			ns = stream_b64(s, n, 1, st);
			ne = enc_b64(b + sh, len - sh, 1, enc);
			match(st, ns, enc, ne, (MIN_BYTES * 4 + 2) / 3, "-_", cut);
		}
		ns = stream_raw(s, n, st);
		match(st, ns, b, len, MIN_BYTES + 2, NULL, cut);
		ns = stream_num(s, n, 0, st);
		match(st, ns, b, len, MIN_BYTES, NULL, cut);
		ns = stream_num(s, n, 1, st);
		match(st, ns, b, len, MIN_BYTES, NULL, cut);
	}
	OPENSSL_cleanse(enc, sizeof(enc));
}

size_t cmfv_redact_known(char *s)
{
	size_t n = strlen(s), r, w = 0, count = 0;
	struct sym *st;
	unsigned char *cut;

	if (nknown == 0 || n == 0 || n > UINT32_MAX)
		return 0;
	st = cmfv_malloc(n * sizeof(*st));
	cut = cmfv_malloc(n);
	if (st == NULL || cut == NULL) {
		/* cannot tell: nothing of it is shown */
		cmfv_free(st);
		cmfv_free(cut);
		s[0] = '\0';
		return 1;
	}
	memset(cut, 0, n);
	mark(s, n, st, cut);
	for (r = 0; r < n;) {
		size_t e = r;

		if (!cut[r]) {
			s[w++] = s[r++];
			continue;
		}
		while (e < n && cut[e])
			e++;
		if (e - r >= 10) {
			memcpy(s + w, "[redacted]", 10);
			w += 10;
		} else {
			memset(s + w, '*', e - r);
			w += e - r;
		}
		count++;
		r = e;
	}
	s[w] = '\0';
	OPENSSL_cleanse(st, n * sizeof(*st));
	cmfv_free(st);
	cmfv_free(cut);
	return count;
}
