#include "cmfv/key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int cmfv_base64_decode(const char *in, size_t len, unsigned char *out, size_t *outlen,
		       size_t *bad_at)
{
	size_t i, o = 0;

	*outlen = 0;
	/* the first byte outside the alphabet is the most useful to report */
	for (i = 0; i < len; i++)
		if (in[i] != '=' && b64val((unsigned char)in[i]) < 0) {
			*bad_at = i;
			return 0;
		}
	if (len % 4 != 0) {
		*bad_at = len;
		return 0;
	}
	for (i = 0; i < len; i += 4) {
		int v[4], k, pad = 0;

		for (k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)in[i + (size_t)k];

			if (c == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad) { /* data after padding */
				*bad_at = i + (size_t)k;
				return 0;
			}
			v[k] = b64val(c);
			if (v[k] < 0) {
				*bad_at = i + (size_t)k;
				return 0;
			}
		}
		if (pad == 1 && in[i + 3] != '=') {
			*bad_at = i + 3;
			return 0;
		}
		out[o++] = (unsigned char)((v[0] << 2) | (v[1] >> 4));
		if (pad < 2)
			out[o++] = (unsigned char)(((v[1] & 0xF) << 4) | (v[2] >> 2));
		if (pad < 1)
			out[o++] = (unsigned char)(((v[2] & 0x3) << 6) | v[3]);
		/* canonical: the bits dropped by padding must be zero */
		if ((pad == 2 && (v[1] & 0xF)) || (pad == 1 && (v[2] & 0x3))) {
			*bad_at = i + 4 - (size_t)pad - 1;
			return 0;
		}
	}
	*outlen = o;
	return 1;
}

void cmfv_base64_encode(const unsigned char *in, size_t len, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		out[o++] = tab[in[i] >> 2];
		out[o++] = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = tab[((in[i + 1] & 0xF) << 2) | (in[i + 2] >> 6)];
		out[o++] = tab[in[i + 2] & 0x3F];
	}
	if (i < len) {
		out[o++] = tab[in[i] >> 2];
		if (i + 1 < len) {
			out[o++] = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			out[o++] = tab[(in[i + 1] & 0xF) << 2];
		} else {
			out[o++] = tab[(in[i] & 3) << 4];
			out[o++] = '=';
		}
		out[o++] = '=';
	}
	out[o] = '\0';
}

enum cmfv_err cmfv_key_kcv(const unsigned char *key, size_t len, char kcv[7])
{
	static const unsigned char zero[16];
	unsigned char block[32];
	int n = 0, fin = 0, ok;
	EVP_CIPHER_CTX *ctx;
	static const char hex[] = "0123456789abcdef";

	kcv[0] = '\0';
	if (len != 16 && len != 32)
		return CMFV_EINPUT;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return CMFV_ENOMEM;
	ok = EVP_EncryptInit_ex(ctx, len == 16 ? EVP_aes_128_ecb() : EVP_aes_256_ecb(), NULL, key,
				NULL) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     EVP_EncryptUpdate(ctx, block, &n, zero, sizeof(zero)) == 1 &&
	     EVP_EncryptFinal_ex(ctx, block + n, &fin) == 1 && n + fin == 16;
	EVP_CIPHER_CTX_free(ctx); /* wipes the key schedule */
	if (!ok) {
		OPENSSL_cleanse(block, sizeof(block));
		return CMFV_ENOMEM;
	}
	for (n = 0; n < 3; n++) {
		kcv[2 * n] = hex[block[n] >> 4];
		kcv[2 * n + 1] = hex[block[n] & 0xF];
	}
	kcv[6] = '\0';
	OPENSSL_cleanse(block, sizeof(block));
	return CMFV_OK;
}

int cmfv_key_equal(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
	if (alen != blen)
		return 0;
	return alen == 0 || CRYPTO_memcmp(a, b, alen) == 0;
}

static int is_hex(const unsigned char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return len > 0;
}

/* Value of a base64 digit in either alphabet; *alpha gets 1 for a digit
 * only the standard alphabet has, 2 for one only the URL-safe one has. */
static int b64any(unsigned char c, int *alpha)
{
	*alpha = 0;
	if (c == '-' || c == '_') {
		*alpha = 2;
		return c == '-' ? 62 : 63;
	}
	if (c == '+' || c == '/')
		*alpha = 1;
	return b64val(c);
}

/* Padded base64 text (either alphabet, not mixed) of a 16- or 32-byte key,
 * with the unused bits of its last digit zero, as every encoder writes
 * them? Returns the decoded length or 0. */
static size_t base64_key_len(const unsigned char *s, size_t len)
{
	size_t i, data = len;
	int alphas = 0, a, v = 0;

	while (data > 0 && s[data - 1] == '=')
		data--;
	if (!((len == 24 && data == 22) || (len == 44 && data == 43)))
		return 0;
	for (i = 0; i < data; i++) {
		v = b64any(s[i], &a);
		if (v < 0)
			return 0;
		alphas |= a;
	}
	if (alphas == 3)
		return 0;
	/* 22 digits carry 132 bits: 4 unused; 43 carry 258: 2 unused */
	if ((data == 22 && (v & 0xF)) || (data == 43 && (v & 0x3)))
		return 0;
	return data == 22 ? 16 : 32;
}

/* A block of at most half the key, repeated (the last copy may be cut)? */
static int periodic(const unsigned char *k, size_t len)
{
	size_t p;

	for (p = 1; p <= len / 2; p++)
		if (memcmp(k, k + p, len - p) == 0)
			return 1;
	return 0;
}

static enum cmfv_key_weakness weakness(const unsigned char *k, size_t len)
{
	unsigned char seen[256];
	size_t i, distinct = 0, printable = 0, most = 0;
	unsigned char step = (unsigned char)(k[1] - k[0]);
	int progression = 1;
	enum cmfv_key_weakness w = CMFV_WEAK_NONE;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < len; i++) {
		unsigned char c = k[i];

		if (seen[c] == 0)
			distinct++;
		if (seen[c] < 255)
			seen[c]++;
		if (seen[c] > most)
			most = seen[c];
		if ((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r')
			printable++;
		if (i > 0 && (unsigned char)(c - k[i - 1]) != step)
			progression = 0;
	}
	if (distinct == 1)
		w = CMFV_WEAK_REPEATED;
	else if (progression)
		w = CMFV_WEAK_SEQUENCE;
	else if (periodic(k, len))
		w = CMFV_WEAK_PATTERN;
	else if (printable == len)
		w = CMFV_WEAK_PRINTABLE;
	else if (distinct < len / 2 || most >= (len == 16 ? 7u : 8u))
		w = CMFV_WEAK_LOW_ENTROPY;
	/* the histogram says something about the key */
	OPENSSL_cleanse(seen, sizeof(seen));
	OPENSSL_cleanse(&step, sizeof(step));
	return w;
}

const char *cmfv_key_weakness_name(enum cmfv_key_weakness w)
{
	switch (w) {
	case CMFV_WEAK_NONE:
		break;
	case CMFV_WEAK_REPEATED:
		return "one byte repeated";
	case CMFV_WEAK_SEQUENCE:
		return "a counting sequence";
	case CMFV_WEAK_PATTERN:
		return "a short block repeated";
	case CMFV_WEAK_PRINTABLE:
		return "printable text";
	case CMFV_WEAK_LOW_ENTROPY:
		return "far less random than a random key";
	}
	return "";
}

void cmfv_key_check(const unsigned char *key, size_t len, struct cmfv_key_check *c)
{
	size_t text = len, inner;

	memset(c, 0, sizeof(*c));
	c->length = len;
	if (len == 16 || len == 32) {
		c->verdict = CMFV_KEY_OK;
		c->weakness = weakness(key, len);
		c->hex_text = is_hex(key, len);
		if (cmfv_key_kcv(key, len, c->kcv) != CMFV_OK)
			c->kcv[0] = '\0';
		return;
	}
	/* less one trailing newline (\n or \r\n) */
	if (text > 0 && key[text - 1] == '\n') {
		text--;
		if (text > 0 && key[text - 1] == '\r')
			text--;
	}
	c->hex_text = is_hex(key, text);
	if (text != 16 && text != 32) {
		/* 32 hex digits are themselves a valid length (a weak key, or with a
		 * newline CMF025): only 64 digits, a 32-byte key's, are double encoded */
		if (c->hex_text && text == 64) {
			c->verdict = CMFV_KEY_DOUBLE_HEX;
			c->inner_length = text / 2;
			return;
		}
		inner = base64_key_len(key, text);
		if (inner) {
			c->verdict = CMFV_KEY_DOUBLE_BASE64;
			c->inner_length = inner;
			return;
		}
	}
	if ((len == 17 || len == 33) && key[len - 1] == '\n') {
		c->verdict = CMFV_KEY_TRAILING_NEWLINE;
		return;
	}
	c->verdict = CMFV_KEY_BAD_LENGTH;
}
