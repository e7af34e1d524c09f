/* Key text out of every message: one rule (include/cmfv/redact.h). */
#include "cmfv/redact.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/key.h"

#define REDACTED "[redacted]"
#define REDACTED_LEN (sizeof(REDACTED) - 1)
#define MIN_LIST 16 /* byte values in a list: a 16-byte key */
#define MAX_LINES 4

static int word_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=' || c == '_' || c == '-';
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int cmfv_redact_word(const char *w, size_t n)
{
	size_t i, up = 0, lo = 0, dig = 0, hexletter = 0, nonhex = 0;
	int sym = 0, pad = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];

		up += c >= 'A' && c <= 'Z';
		lo += c >= 'a' && c <= 'z';
		dig += c >= '0' && c <= '9';
		sym |= c == '+' || c == '/';
		/* '=' is padding only at the end (in "k=v" it is not) */
		pad |= c == '=' && (i + 1 == n || w[i + 1] == '=');
		if (is_hex(c))
			hexletter += !(c >= '0' && c <= '9');
		else
			nonhex++;
	}
	if (nonhex == 0 && (n >= 32 || (n >= 16 && hexletter && dig) || (dig == n && n >= 39)))
		return 1;
	if (n < 16)
		return 0;
	if ((up && lo && dig) || (pad && (up || dig)))
		return 1;
	if (up * 5 >= n && lo * 5 >= n)
		return 1;
	return n >= 20 && up && lo && sym;
}

/* One byte value at \p s: 1-2 hex digits or a decimal up to 255, maybe
 * after "0x", not followed by more of a word. Its length, or 0. */
static size_t byte_token(const char *s)
{
	size_t i = 0, k = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && is_hex((unsigned char)s[2]))
		i = 2;
	while (k < 3 && is_hex((unsigned char)s[i + k]))
		k++;
	if (k == 0 || is_alnum((unsigned char)s[i + k]))
		return 0;
	if (k == 3) {
		if (i || !(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
			   s[2] >= '0' && s[2] <= '9'))
			return 0;
		if ((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0') > 255)
			return 0;
	}
	return i + k;
}

static size_t separator(const char *s)
{
	if (s[0] == ',' && s[1] == ' ')
		return 2;
	return s[0] == ':' || s[0] == ',' || s[0] == ' ' || s[0] == '-' ? 1 : 0;
}

/* A list of byte values at \p s, all with the same separator: its length
 * (to the end of the last value); \p *count values. */
static size_t byte_list(const char *s, size_t *count)
{
	const char *sep = NULL;
	size_t pos = 0, end = 0, seplen = 0, t, sl;

	*count = 0;
	while ((t = byte_token(s + pos)) > 0) {
		(*count)++;
		pos += t;
		end = pos;
		sl = separator(s + pos);
		if (sl == 0)
			break;
		if (sep == NULL) {
			sep = s + pos;
			seplen = sl;
		} else if (sl != seplen || memcmp(sep, s + pos, sl) != 0) {
			break;
		}
		pos += sl;
	}
	return end;
}

/* Length of the valid UTF-8 sequence at \p s, within \p avail bytes (not
 * a control character), or 0. */
static size_t text_char(const unsigned char *s, size_t avail)
{
	size_t n, i;

	if (s[0] < 0x80)
		return (s[0] >= 0x20 && s[0] != 0x7f) || s[0] == '\t' || s[0] == '\n' ||
			       s[0] == '\r'
			   ? 1
			   : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A path's components are judged one by one: "/tmp/tmp.kIVy0Z70XC/cache"
 * is not a key, but a key may hold '/'. A word is taken for a path when one
 * of its components is a plain lower-case name of 3 or more. */
static int path_like(const char *w, size_t n)
{
	size_t i = 0;

	if (memchr(w, '/', n) == NULL)
		return 0;
	while (i < n) {
		size_t j = i, lower = 0;

		while (j < n && w[j] != '/') {
			lower += (w[j] >= 'a' && w[j] <= 'z') || w[j] == '-' || w[j] == '_';
			j++;
		}
		if (j - i >= 3 && lower == j - i)
			return 1;
		i = j + 1;
	}
	return 0;
}

/* Write w[0, n) at \p out, or "[redacted]"; the length written (never
 * more than \p n). */
static size_t put_plain(const char *w, size_t n, char *out, size_t *count)
{
	if (cmfv_redact_word(w, n)) {
		memmove(out, REDACTED, REDACTED_LEN);
		(*count)++;
		return REDACTED_LEN;
	}
	memmove(out, w, n);
	return n;
}

static size_t put_path(const char *w, size_t n, char *out, size_t *count)
{
	size_t i = 0, o = 0;

	if (!path_like(w, n))
		return put_plain(w, n, out, count);
	while (i < n) {
		size_t j = i;

		while (j < n && w[j] != '/')
			j++;
		o += put_plain(w + i, j - i, out + o, count);
		if (j < n)
			out[o++] = '/';
		i = j + 1;
	}
	return o;
}

/* Write the word w[0, n) at \p out, redacted as needed: "name=value" is
 * judged side by side, a path component by component. */
static size_t put_word(const char *w, size_t n, char *out, size_t *count)
{
	size_t i = 0, o = 0;

	while (i < n) {
		size_t j = i;

		/* an '=' with more after it separates; trailing ones are padding */
		while (j < n && !(w[j] == '=' && j + 1 < n && w[j + 1] != '='))
			j++;
		o += put_path(w + i, j - i, out + o, count);
		if (j < n)
			out[o++] = '=';
		i = j + 1;
	}
	return o;
}

size_t cmfv_redact(char *s)
{
	size_t r = 0, w = 0, run_r = 0, run_w = 0, count = 0, len = strlen(s);

	while (r < len) {
		unsigned char c = (unsigned char)s[r];
		size_t k, n;

		if (blank(c)) {
			s[w++] = s[r++];
			run_r = r;
			run_w = w;
			continue;
		}
		if ((r == 0 || !is_alnum((unsigned char)s[r - 1])) && byte_token(s + r) > 0 &&
		    (k = byte_list(s + r, &n), n >= MIN_LIST)) {
			memmove(s + w, REDACTED, REDACTED_LEN);
			w += REDACTED_LEN;
			r += k;
			count++;
			continue;
		}
		if (word_char(c)) {
			k = r;
			while (k < len && word_char((unsigned char)s[k]))
				k++;
			w += put_word(s + r, k - r, s + w, &count);
			r = k;
			continue;
		}
		n = text_char((const unsigned char *)s + r, len - r);
		if (n > 0) {
			memmove(s + w, s + r, n);
			w += n;
			r += n;
			continue;
		}
		/* bytes that are not text: the whole run of non-blank bytes goes */
		while (r < len && !blank((unsigned char)s[r]))
			r++;
		w = run_w;
		if (r - run_r >= REDACTED_LEN) {
			memmove(s + w, REDACTED, REDACTED_LEN);
			w += REDACTED_LEN;
		} else {
			memset(s + w, '?', r - run_r);
			w += r - run_r;
		}
		count++;
	}
	s[w] = '\0';
	return count;
}

int cmfv_redact_looks_secret(const char *s, size_t n)
{
	size_t i, k, count;
	char buf[512];

	for (i = 0; i < n;) {
		k = text_char((const unsigned char *)s + i, n - i);
		if (k == 0 || s[i] == '\0')
			return 1; /* not text: raw bytes */
		i += k;
	}
	if (n < sizeof(buf)) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		k = byte_list(buf, &count);
		OPENSSL_cleanse(buf, n);
		if (count >= MIN_LIST && k + 2 >= n)
			return 1;
	}
	for (i = 0; i < n && word_char((unsigned char)s[i]); i++)
		;
	return i == n && cmfv_redact_word(s, n);
}

/* What \p s encodes, when it is the text of a 16- or 32-byte key. */
static void encoded_key(const char *s, size_t n, char *out, size_t outsz)
{
	unsigned char key[64];
	size_t klen = 0, bad, i;
	char kcv[7];

	out[0] = '\0';
	if (n > 0 && s[n - 1] == '\n')
		n -= n > 1 && s[n - 2] == '\r' ? 2 : 1;
	if (n == 64 || n == 32) {
		for (i = 0; i < n && is_hex((unsigned char)s[i]); i++)
			;
		if (i == n) {
			for (i = 0; i < n / 2; i++) {
				unsigned hi =
				    (unsigned)(s[2 * i] <= '9' ? s[2 * i] - '0'
							       : (s[2 * i] | 0x20) - 'a' + 10);
				unsigned lo = (unsigned)(s[2 * i + 1] <= '9'
							     ? s[2 * i + 1] - '0'
							     : (s[2 * i + 1] | 0x20) - 'a' + 10);

				key[i] = (unsigned char)(hi << 4 | lo);
			}
			klen = n / 2;
			if (cmfv_key_kcv(key, klen, kcv) == CMFV_OK)
				snprintf(out, outsz, ", hex text of a %zu-byte key with KCV %s",
					 klen, kcv);
		}
	} else if ((n == 24 || n == 44) && cmfv_base64_decode(s, n, key, &klen, &bad) &&
		   (klen == 16 || klen == 32) && cmfv_key_kcv(key, klen, kcv) == CMFV_OK) {
		snprintf(out, outsz, ", base64 of a %zu-byte key with KCV %s", klen, kcv);
	}
	OPENSSL_cleanse(key, sizeof(key));
}

void cmfv_redact_describe(const char *s, size_t n, char *out, size_t outsz)
{
	char what[80], kcv[7];

	encoded_key(s, n, what, sizeof(what));
	if (what[0] == '\0' && (n == 16 || n == 32) &&
	    cmfv_key_kcv((const unsigned char *)s, n, kcv) == CMFV_OK)
		snprintf(what, sizeof(what), ", KCV %s if used as a key", kcv);
	snprintf(out, outsz, "%zu bytes%s", n, what);
}

/* Is the line [p, end) UTF-8 text (control characters aside)? */
static int utf8_line(const unsigned char *p, const unsigned char *end)
{
	while (p < end) {
		size_t n;

		if (*p < 0x80) {
			p++;
			continue;
		}
		n = text_char(p, (size_t)(end - p));
		if (n == 0)
			return 0;
		p += n;
	}
	return 1;
}

/* Step 1 for a child's stderr: terminal escapes and control characters
 * out, tabs to spaces, CR to LF; a line that is not UTF-8 text (raw bytes:
 * a key, say) is replaced whole. \p out has room for \p len + 1 bytes. */
static void plain(const char *in, size_t len, char *out)
{
	size_t i = 0, o = 0;

	while (i < len) {
		const char *nl = memchr(in + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - in) + 1 : len;

		if (!utf8_line((const unsigned char *)in + i, (const unsigned char *)in + end)) {
			/* never longer than what it replaces */
			if (end - i > REDACTED_LEN) {
				memcpy(out + o, REDACTED, REDACTED_LEN);
				o += REDACTED_LEN;
			} else {
				memset(out + o, '?', end - i);
				o += end - i;
			}
			if (nl && end - i > REDACTED_LEN)
				out[o++] = '\n';
			i = end;
			continue;
		}
		while (i < end) {
			unsigned char c = (unsigned char)in[i++];

			if (c == 0x1b) { /* ESC [ params final */
				if (i < end && in[i] == '[') {
					i++;
					while (i < end && !((unsigned char)in[i] >= 0x40 &&
							    (unsigned char)in[i] <= 0x7e))
						i++;
				}
				i += i < end;
				continue;
			}
			if (c == '\r')
				c = '\n';
			else if (c == '\t')
				c = ' ';
			else if ((c < 0x20 && c != '\n') || c == 0x7f)
				continue; /* a bell, a NUL: nothing to show */
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

/* Child stderr, step 2: runs of tokens that together carry a key.
 *
 * A child may print a key in any encoding and cut it anywhere (base64 in
 * words of 8, hex with ':' or '-', "[18 52 ...]", "\x12\x34", "%12%34",
 * "\u0012", octal, ...). Judged word by word, each piece looks harmless.
 * So the text is read as a stream of tokens (runs of [A-Za-z0-9+]; all
 * else, escape leads "\x" "\u" "\n" and "0x" included, separates), each
 * token judged as a whole:
 *   - a word: 6 or more letters shaped as prose writes them (lower case,
 *     UPPER CASE, Capitalised, CamelCase as "NotFound"). Random base64
 *     is rarely shaped so; a word ends a run.
 *   - neutral: a short word of such shape (3-5 letters, or one of prose's
 *     two-letter words, but not hex
 *     letters alone: "df" is a byte): it may be a piece
 *     of a key or prose ("not", "from"); it joins a run but counts less.
 *   - material: anything else (digits, '+', mixed case, one letter).
 * A run of material and neutral tokens between two words is dropped whole,
 * with the separators inside it, when it may carry 12 bytes (96 bits) of
 * a key: its material alone, or all its tokens when half of that, and at
 * least 48 bits, is material (pieces of a 16-byte key may look like short
 * words; a random name such as mktemp's "tmp.2wgJdjKj66" has 60 bits). Bits are
 * counted generously: a decimal digit 3.3, a hex digit 4, anything else 6
 * (base64), a '-' or '_' between tokens 6 (url-safe base64). 12 bytes and
 * not 16: a key cut into pieces loses bits to the pieces taken for prose.
 * Over-redaction (a UUID, a long list
 * of numbers) is preferred to a leak. */
#define RUN_BITS 96
#define RUN_SOME 48
/* a run of at least this many bits that is left standing is a piece: when
 * the pieces of one message carry RUN_BITS together (a key cut by prose,
 * "<15 hex> segment follows <15 hex> ..."), every piece goes */
#define RUN_PIECE 16
/* the rest of a word around a run that goes with it (close_run) */
#define WORD_REST 6

enum tok_kind { TOK_WORD, TOK_NEUTRAL, TOK_MATERIAL };

static int tok_char(unsigned char c)
{
	return is_alnum(c) || c == '+';
}

/* An escape's lead at \p s that separates tokens: "\x" "\u" "\n" "\t"
 * "\r" "\b" "\U" "\X" (the letter is not part of a token), or "0x" before
 * a hex digit at the start of a token. Its length, or 0. */
static size_t escape_lead(const char *s, size_t i, size_t n)
{
	if (s[i] == '\\' && i + 1 < n && strchr("xXuUntrb", s[i + 1]) != NULL && s[i + 1])
		return 2;
	if (s[i] == '0' && i + 2 < n && (s[i + 1] | 0x20) == 'x' &&
	    is_hex((unsigned char)s[i + 2]) && (i == 0 || !tok_char((unsigned char)s[i - 1])))
		return 2;
	return 0;
}

static int lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static int upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

/* Prose has a vowel and never 5 consonants in a row ("kubectl" has 4);
 * a fifth of random letters have no vowel. */
static int pronounceable(const char *t, size_t n)
{
	size_t i, run = 0, vowels = 0;

	for (i = 0; i < n; i++) {
		if (strchr("aeiouyAEIOUY", t[i]) != NULL) {
			vowels++;
			run = 0;
		} else if (++run >= 5) {
			return 0;
		}
	}
	return vowels > 0;
}

/* Letters shaped as prose writes them: lower, UPPER, Capitalised, or
 * CamelCase: a capital first and 3 letters or more, pronounceable, from
 * one capital to the next ("NotFound"). Random base64 is rarely so: about 1 in 200
 * pieces of 8 letters. */
static int prose_shape(const char *t, size_t n)
{
	size_t i, up = 0, since = 0;
	int camel = upper((unsigned char)t[0]);

	for (i = 0; i < n; i++) {
		if (!lower((unsigned char)t[i]) && !upper((unsigned char)t[i]))
			return 0;
		if (upper((unsigned char)t[i])) {
			up++;
			if (i > 0 && (since < 3 || !pronounceable(t + i - since, since)))
				camel = 0;
			since = 0;
		}
		since++;
	}
	if (up > 1 && !pronounceable(t + n - since, since))
		camel = 0;
	/* "tmp", "tcp", "pvc": short words without a vowel are lower case */
	if (!pronounceable(t, n) && (n >= 6 || up > 0))
		return 0;
	if (up == 0 || up == n || (up == 1 && upper((unsigned char)t[0])))
		return 1;
	return camel && since >= 3;
}

/* Prose's two-letter words; any other pair of letters is a piece of
 * something ("Ho oa hY": base64 cut in pairs). */
static int two_letter_word(const char *t)
{
	static const char words[] = " an as at be by do go he if in is it me my no of on or "
				    "so to up us we ok id ns vs io os db ";
	char w[5] = {' ', (char)(t[0] | 0x20), (char)(t[1] | 0x20), ' ', '\0'};

	return (upper((unsigned char)t[1]) == upper((unsigned char)t[0]) ||
		upper((unsigned char)t[0])) &&
	       strstr(words, w) != NULL;
}

static enum tok_kind tok_kind(const char *t, size_t n)
{
	size_t i;

	/* "df" in "\\xdf", "ae:cb", "dead-beef" are bytes (prose of letters
	 * a-f alone is rare) */
	for (i = 0; i < n && is_hex((unsigned char)t[i]); i++)
		;
	if (i == n && n <= 5)
		return TOK_MATERIAL;
	if (n == 2 && !two_letter_word(t))
		return TOK_MATERIAL;
	if (n >= 2 && prose_shape(t, n))
		return n >= 6 ? TOK_WORD : TOK_NEUTRAL;
	return TOK_MATERIAL;
}

/* Bits a token may carry: a decimal digit 3.3, a hex digit 4, base64 6. */
static size_t tok_bits(const char *t, size_t n)
{
	size_t i, dig = 0, hex = 0;

	for (i = 0; i < n; i++) {
		dig += t[i] >= '0' && t[i] <= '9';
		hex += is_hex((unsigned char)t[i]) ? 1u : 0u;
	}
	if (dig == n)
		return (n * 10 + 2) / 3;
	return hex == n ? 4 * n : 6 * n;
}

struct run {
	size_t start, end;	/* from the first token's start to the last's end */
	size_t material, total; /* bits */
	int open;
	/* the edges: a neutral word there ("key" in "key":"<base64>") is left */
	size_t tokens, first_end, second, last_start, before_last;
	enum tok_kind first_kind, last_kind;
};

/* Close run \p r: copy s[*from, r->start) and the run (or its
 * replacement) to \p out at \p *o. */
static size_t close_run(const char *s, struct run *r, size_t *from, char *out, size_t *o,
			size_t limit, size_t min_bits, size_t *left)
{
	size_t dropped = 0;

	if (!r->open)
		return 0;
	r->open = 0;
	if (min_bits
		? r->material < min_bits
		: !(r->material >= RUN_BITS || (r->material >= RUN_SOME && r->total >= RUN_BITS &&
						2 * r->material >= r->total))) {
		if (left && r->material >= RUN_PIECE)
			*left += r->material; /* a piece left standing */
		return 0;
	}
	if (r->tokens > 2 && r->first_kind == TOK_NEUTRAL)
		r->start = r->second;
	if (r->tokens > 2 && r->last_kind == TOK_NEUTRAL)
		r->end = r->before_last;
	/* the rest of the word a run starts or ends inside goes too when it is
	 * long enough to be part of a key whose start reads as a word
	 * ("ZZKEYMATERIAL-0123..."); a short label ("url-", "key=") stays */
	{
		size_t st = r->start, en = r->end;

		while (st > *from && word_char((unsigned char)s[st - 1]))
			st--;
		while (en < limit && word_char((unsigned char)s[en]))
			en++;
		if (r->start - st >= WORD_REST)
			r->start = st;
		if (en - r->end >= WORD_REST)
			r->end = en;
	}
	memmove(out + *o, s + *from, r->start - *from);
	*o += r->start - *from;
	{
		char rep[40];
		size_t len = r->end - r->start;
		int k = snprintf(rep, sizeof(rep), "[redacted %zu chars]", len);

		if (k < 0 || (size_t)k > len) { /* never longer than what it replaces */
			memset(out + *o, '?', len);
			*o += len;
		} else {
			memcpy(out + *o, rep, (size_t)k);
			*o += (size_t)k;
		}
	}
	*from = r->end;
	dropped = 1;
	return dropped;
}

/* The next token at or after \p i: its start, or \p n; \p *end its end,
 * \p *lead where an escape lead before it starts (else the token's start). */
static size_t next_token(const char *s, size_t n, size_t i, size_t *end, size_t *lead)
{
	size_t lead_at = 0, lead_end = (size_t)-1;

	while (i < n) {
		size_t k = escape_lead(s, i, n);

		if (k > 0) {
			lead_at = i;
			lead_end = i += k;
			continue;
		}
		if (tok_char((unsigned char)s[i]))
			break;
		i++;
	}
	for (*end = i; *end < n && tok_char((unsigned char)s[*end]); (*end)++)
		;
	*lead = i == lead_end ? lead_at : i;
	return i;
}

static size_t runs_pass(char *s, size_t min_bits, size_t *left)
{
	size_t n = strlen(s), i, j, lead, from = 0, o = 0, count = 0;
	struct run r;
	enum tok_kind last = TOK_WORD;

	memset(&r, 0, sizeof(r));
	for (i = next_token(s, n, 0, &j, &lead); i < n; i = next_token(s, n, j, &j, &lead)) {
		enum tok_kind kind = tok_kind(s + i, j - i);
		size_t b = tok_bits(s + i, j - i), g, e, l, t;

		/* one word between two pieces of material is a piece that
		 * happens to read as prose ("LFODYK") */
		if (kind == TOK_WORD && r.open && last == TOK_MATERIAL &&
		    (t = next_token(s, n, j, &e, &l)) < n && tok_kind(s + t, e - t) == TOK_MATERIAL)
			kind = TOK_NEUTRAL;
		last = kind;
		if (kind == TOK_WORD) {
			count += close_run(s, &r, &from, s, &o, i, min_bits, left);
			continue;
		}
		if (!r.open) {
			r.open = 1;
			r.start = lead;
			r.material = r.total = r.tokens = 0;
			r.first_kind = kind;
			r.first_end = j;
		} else {
			if (r.tokens == 1)
				r.second = lead;
			r.before_last = r.end;
			/* url-safe base64's '-' and '_' separate tokens but may be a key's */
			for (g = r.end; g < i; g++)
				r.total += s[g] == '-' || s[g] == '_' ? 6 : 0;
		}
		r.end = j;
		while (r.end < n && s[r.end] == '=') /* base64's padding */
			r.end++;
		r.total += b;
		r.material += kind == TOK_MATERIAL ? b : 0;
		r.tokens++;
		r.last_start = lead;
		r.last_kind = kind;
	}
	count += close_run(s, &r, &from, s, &o, n, min_bits, left);
	memmove(s + o, s + from, n - from);
	o += n - from;
	s[o] = '\0';
	return count;
}

size_t cmfv_redact_runs(char *s)
{
	size_t left = 0, count = runs_pass(s, 0, &left);

	if (left >= RUN_BITS) /* pieces that together could make a key */
		count += runs_pass(s, RUN_PIECE, NULL);
	return count;
}

void cmfv_redact_stderr(const char *in, size_t len, char *out, size_t outsz)
{
	static const char sep[] = "; ";
	size_t i = 0, o = 0, lines = 0, n;
	char *t;
	int cut = 0;

	if (outsz < 8) {
		out[0] = '\0';
		return;
	}
	t = cmfv_malloc(len + 1);
	if (t == NULL) {
		snprintf(out, outsz, "(not shown: out of memory)");
		return;
	}
	plain(in, len, t);
	cmfv_redact_known(t); /* the key's own bytes, in any encoding */
	cmfv_redact_runs(t);  /* first: "[redacted]" is a word, it would cut runs */
	cmfv_redact(t);
	n = strlen(t);
	while (i < n) {
		size_t j;

		if (t[i] == '\n') {
			while (i < n && (t[i] == '\n' || t[i] == ' '))
				i++;
			if (i < n && o > 0 && ++lines >= MAX_LINES) {
				cut = 1;
				break;
			}
			if (i < n && o > 0) {
				if (o + sizeof(sep) - 1 + 4 > outsz) {
					cut = 1;
					break;
				}
				memcpy(out + o, sep, sizeof(sep) - 1);
				o += sizeof(sep) - 1;
			}
			continue;
		}
		for (j = i; j < n && t[j] != '\n'; j++)
			;
		if (o + (j - i) + 4 > outsz) {
			/* cut between words, so that no piece of one is left */
			size_t room = outsz - 4 - o, k = room;

			while (k > 0 && t[i + k] != ' ')
				k--;
			memcpy(out + o, t + i, k);
			o += k;
			cut = 1;
			break;
		}
		memcpy(out + o, t + i, j - i);
		o += j - i;
		i = j;
	}
	OPENSSL_cleanse(t, len + 1);
	cmfv_free(t);
	while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == ';'))
		o--;
	if (cut) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}
