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
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
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

static int is_hex(const unsigned char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return len > 0;
}

/* Padded base64 text (standard or URL alphabet) that decodes to 16 or 32
 * bytes? Returns the decoded length or 0. Padding is required so that a
 * 22- or 43-character password is not taken for an encoded key. */
static size_t base64_key_len(const unsigned char *s, size_t len)
{
	size_t i, data = len, bits;

	while (data > 0 && s[data - 1] == '=')
		data--;
	if (len - data > 2 || data == 0)
		return 0;
	for (i = 0; i < data; i++) {
		unsigned char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/' || c == '-' || c == '_'))
			return 0;
	}
	if (len % 4 != 0)
		return 0;
	bits = data * 6;
	if (data % 4 == 1)
		return 0;
	bits /= 8;
	return bits == 16 || bits == 32 ? bits : 0;
}

static enum cmfv_key_weakness weakness(const unsigned char *k, size_t len)
{
	int seen[256] = {0};
	size_t i, distinct = 0, printable = 0, seq_up = 1, seq_down = 1;

	for (i = 0; i < len; i++) {
		if (!seen[k[i]]++)
			distinct++;
		if (k[i] >= 0x20 && k[i] < 0x7f)
			printable++;
		if (i > 0 && k[i] != (unsigned char)(k[i - 1] + 1))
			seq_up = 0;
		if (i > 0 && k[i] != (unsigned char)(k[i - 1] - 1))
			seq_down = 0;
	}
	OPENSSL_cleanse(seen, sizeof(seen));
	if (distinct == 1)
		return CMFV_WEAK_REPEATED;
	if (seq_up || seq_down)
		return CMFV_WEAK_SEQUENCE;
	if (printable == len)
		return CMFV_WEAK_PRINTABLE;
	/* 32 random bytes show about 30 distinct values and 16 about 15.5;
	 * fewer than half is astronomically unlikely for a random key */
	if (distinct < len / 2)
		return CMFV_WEAK_LOW_ENTROPY;
	return CMFV_WEAK_NONE;
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
	if (text != 16 && text != 32) {
		if (is_hex(key, text) && (text == 32 || text == 64)) {
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
		c->hex_text = is_hex(key, len - 1);
		return;
	}
	c->verdict = CMFV_KEY_BAD_LENGTH;
}
