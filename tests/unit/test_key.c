/* Key checks: strict base64, KCV vectors, the mistake detectors, and no
 * false alarms on random keys. */
#include "helpers.h"

#include <openssl/rand.h>
#include <stdio.h>

#include "cmfv/key.h"

static size_t unhex(const char *h, unsigned char *out)
{
	size_t n = strlen(h) / 2, i;

	for (i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
	return n;
}

static void tohex(const unsigned char *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

/* ------------------------------------------------------------- base64 */

struct b64case {
	const char *in;
	size_t len; /* 0: strlen(in) */
	int ok;
	const char *out; /* hex, when ok */
	size_t bad_at;	 /* when not ok */
};

static const struct b64case b64[] = {
    /* RFC 4648 section 10 */
    {"", 0, 1, "", 0},
    {"Zg==", 0, 1, "66", 0},
    {"Zm8=", 0, 1, "666f", 0},
    {"Zm9v", 0, 1, "666f6f", 0},
    {"Zm9vYg==", 0, 1, "666f6f62", 0},
    {"Zm9vYmE=", 0, 1, "666f6f6261", 0},
    {"Zm9vYmFy", 0, 1, "666f6f626172", 0},
    {"+/+/", 0, 1, "fbffbf", 0},
    {"AAAA", 0, 1, "000000", 0},
    {"////", 0, 1, "ffffff", 0},
    /* padding is required, exactly as much as needed */
    {"Zg", 0, 0, NULL, 2},
    {"Zg=", 0, 0, NULL, 3},
    {"Zm9", 0, 0, NULL, 3},
    {"Zg===", 0, 0, NULL, 5},
    {"Z===", 0, 0, NULL, 1},
    {"====", 0, 0, NULL, 0},
    {"=Zg=", 0, 0, NULL, 0},
    {"Zg=A", 0, 0, NULL, 3},
    {"Zg==Zg==", 0, 0, NULL, 2}, /* padding in the middle */
    {"Zm9vYmFy====", 0, 0, NULL, 8},
    /* no whitespace, no line breaks (Kubernetes never writes them) */
    {"Zm9v\n", 0, 0, NULL, 4},
    {"Zm9v\nYmFy", 0, 0, NULL, 4},
    {"Zm 9", 0, 0, NULL, 2},
    {" Zm9", 0, 0, NULL, 0},
    {"Zm9\t", 0, 0, NULL, 3},
    {"Zm9v\r\n", 0, 0, NULL, 4},
    /* the URL-safe alphabet is not Kubernetes' */
    {"Zm9-", 0, 0, NULL, 3},
    {"Zm9_", 0, 0, NULL, 3},
    /* other bytes */
    {"Zm9\0", 4, 0, NULL, 3},
    {"Zm9\xc3", 0, 0, NULL, 3},
    {"Zm9.", 0, 0, NULL, 3},
    /* canonical only: the bits dropped by padding must be zero */
    {"Zh==", 0, 0, NULL, 1},
    {"Zm9=", 0, 0, NULL, 2},
    {"NuhDjmXQs32wtnQvR/n3QamgBvJQasq9f3bxXDxHHIw=", 0, 1,
     "36e8438e65d0b37db0b6742f47f9f741a9a006f2506acabd7f76f15c3c471c8c", 0},
    {"NuhDjmXQs32wtnQvR/n3QamgBvJQasq9f3bxXDxHHIx=", 0, 0, NULL, 42},
    {"pcL8QP0AwQQFuqhvHHszbA==", 0, 1, "a5c2fc40fd00c10405baa86f1c7b336c", 0},
    {"pcL8QP0AwQQFuqhvHHszbB==", 0, 0, NULL, 21},
};

static void test_base64_decode(void **state)
{
	size_t i, n, bad;
	unsigned char out[64];
	char h[130], enc[96];

	(void)state;
	for (i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
		const struct b64case *c = &b64[i];
		size_t len = c->len ? c->len : strlen(c->in);
		int ok;

		bad = 999;
		ok = cmfv_base64_decode(c->in, len, out, &n, &bad);
		if (ok != c->ok)
			fail_msg("case %zu '%s': decode %d, want %d", i, c->in, ok, c->ok);
		if (ok) {
			tohex(out, n, h);
			if (strcmp(h, c->out) != 0)
				fail_msg("case %zu '%s': %s, want %s", i, c->in, h, c->out);
			/* and back */
			cmfv_base64_encode(out, n, enc);
			assert_string_equal(enc, c->in);
		} else if (bad != c->bad_at) {
			fail_msg("case %zu '%s': bad_at %zu, want %zu", i, c->in, bad, c->bad_at);
		}
	}
}

/* Round trip for every length 0..64 and random contents. */
static void test_base64_roundtrip(void **state)
{
	unsigned char in[64], out[CMFV_BASE64_DECODED_MAX(88)];
	char enc[89];
	size_t len, n, bad;
	int rep;

	(void)state;
	for (rep = 0; rep < 50; rep++)
		for (len = 0; len <= sizeof(in); len++) {
			assert_int_equal(RAND_bytes(in, (int)sizeof(in)), 1);
			cmfv_base64_encode(in, len, enc);
			assert_int_equal(strlen(enc), 4 * ((len + 2) / 3));
			assert_int_equal(cmfv_base64_decode(enc, strlen(enc), out, &n, &bad), 1);
			assert_int_equal(n, len);
			assert_memory_equal(in, out, len);
		}
}

/* ---------------------------------------------------------------- KCV */

/* Reference values from the openssl command line, e.g.
 *   head -c 16 /dev/zero | openssl enc -aes-256-ecb -nopad -K <key hex> | od -An -tx1
 * (and FIPS-197 / SP 800-38A keys, whose zero-block ciphertexts are known). */
static const struct {
	const char *key, *kcv;
} kcvs[] = {
    {"00000000000000000000000000000000", "66e94b"},
    {"0000000000000000000000000000000000000000000000000000000000000000", "dc95c0"},
    {"000102030405060708090a0b0c0d0e0f", "c6a13b"},
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "f29000"},
    {"2b7e151628aed2a6abf7158809cf4f3c", "7df76b"},
    {"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "e568f6"},
    {"ffffffffffffffffffffffffffffffff", "a1f625"},
    {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "4bf85f"},
};

static void test_kcv(void **state)
{
	unsigned char k[32];
	char kcv[7];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(kcvs) / sizeof(kcvs[0]); i++) {
		n = unhex(kcvs[i].key, k);
		assert_int_equal(cmfv_key_kcv(k, n, kcv), CMFV_OK);
		if (strcmp(kcv, kcvs[i].kcv) != 0)
			fail_msg("key %s: KCV %s, want %s", kcvs[i].key, kcv, kcvs[i].kcv);
	}
	for (n = 0; n <= 32; n++) {
		if (n == 16 || n == 32)
			continue;
		strcpy(kcv, "xxxxxx");
		assert_int_equal(cmfv_key_kcv(k, n, kcv), CMFV_EINPUT);
		assert_string_equal(kcv, "");
	}
}

static void test_key_equal(void **state)
{
	unsigned char a[32], b[32];

	(void)state;
	assert_int_equal(RAND_bytes(a, 32), 1);
	memcpy(b, a, 32);
	assert_true(cmfv_key_equal(a, 32, b, 32));
	assert_false(cmfv_key_equal(a, 32, b, 16));
	b[31] ^= 1;
	assert_false(cmfv_key_equal(a, 32, b, 32));
	b[31] ^= 1;
	b[0] ^= 0x80;
	assert_false(cmfv_key_equal(a, 32, b, 32));
	assert_true(cmfv_key_equal(NULL, 0, NULL, 0));
}

/* ---------------------------------------------------------- detectors */

#define R16 "f3db03c66a462f6cb03442736a727877"
#define R32 "5fefc5dd8c7a9285eed74f5fbb65bab7cd6a65c11b1e20d6fee1125b885d8dcb"

struct kcase {
	const char *name;
	const char *text; /* the bytes as text, or NULL */
	const char *hex;  /* else the bytes in hex */
	enum cmfv_key_verdict verdict;
	size_t inner;
	enum cmfv_key_weakness weak;
	int hex_text;
};

static const struct kcase kcases[] = {
    /* valid lengths */
    {"16 random bytes", NULL, R16, CMFV_KEY_OK, 0, CMFV_WEAK_NONE, 0},
    {"32 random bytes", NULL, R32, CMFV_KEY_OK, 0, CMFV_WEAK_NONE, 0},
    /* openssl rand -base64 32 / 16, with and without the newline */
    {"base64 of 32 + newline", "NuhDjmXQs32wtnQvR/n3QamgBvJQasq9f3bxXDxHHIw=\n", NULL,
     CMFV_KEY_DOUBLE_BASE64, 32, 0, 0},
    {"base64 of 32", "NuhDjmXQs32wtnQvR/n3QamgBvJQasq9f3bxXDxHHIw=", NULL, CMFV_KEY_DOUBLE_BASE64,
     32, 0, 0},
    {"base64 of 32 + CRLF", "NuhDjmXQs32wtnQvR/n3QamgBvJQasq9f3bxXDxHHIw=\r\n", NULL,
     CMFV_KEY_DOUBLE_BASE64, 32, 0, 0},
    {"base64 of 16 + newline", "pcL8QP0AwQQFuqhvHHszbA==\n", NULL, CMFV_KEY_DOUBLE_BASE64, 16, 0,
     0},
    {"base64 of 16", "pcL8QP0AwQQFuqhvHHszbA==", NULL, CMFV_KEY_DOUBLE_BASE64, 16, 0, 0},
    {"URL-safe base64 of 32", "HJxNZrP9vYVMIoGFwCYe62BcG43AjmVHuLT-gBOL9Ro=", NULL,
     CMFV_KEY_DOUBLE_BASE64, 32, 0, 0},
    /* not quite base64 of a key: length wins */
    {"mixed alphabets", "HJxNZrP9vYVMIoGFwCYe62BcG43AjmVHuLT-gBOL9R/=", NULL, CMFV_KEY_BAD_LENGTH,
     0, 0, 0},
    {"non-canonical last digit", "NuhDjmXQs32wtnQvR/n3QamgBvJQasq9f3bxXDxHHIx=", NULL,
     CMFV_KEY_BAD_LENGTH, 0, 0, 0},
    {"unpadded 43 characters", "NuhDjmXQs32wtnQvR/n3QamgBvJQasq9f3bxXDxHHIw", NULL,
     CMFV_KEY_BAD_LENGTH, 0, 0, 0},
    {"22-character password", "abcdefghijklmnopqrstuv", NULL, CMFV_KEY_BAD_LENGTH, 0, 0, 0},
    {"base64 with a space", "NuhDjmXQs32wtnQvR/n3QamgBvJQ sq9f3bxXDxHHIw=", NULL,
     CMFV_KEY_BAD_LENGTH, 0, 0, 0},
    {"base64 of 24 bytes is 32 long: a valid length", "O6sm4q8T1zd90a6pCt4FcDX5xyCMNGEw", NULL,
     CMFV_KEY_OK, 0, CMFV_WEAK_PRINTABLE, 0},
    /* openssl rand -hex */
    {"hex of 32 + newline", R32 "\n", NULL, CMFV_KEY_DOUBLE_HEX, 32, 0, 1},
    {"hex of 32", R32, NULL, CMFV_KEY_DOUBLE_HEX, 32, 0, 1},
    {"hex of 32, upper case", "5FEFC5DD8C7A9285EED74F5FBB65BAB7CD6A65C11B1E20D6FEE1125B885D8DCB",
     NULL, CMFV_KEY_DOUBLE_HEX, 32, 0, 1},
    {"hex of 16 + newline: 33 bytes", R16 "\n", NULL, CMFV_KEY_TRAILING_NEWLINE, 0, 0, 1},
    {"hex of 16: valid length, weak", R16, NULL, CMFV_KEY_OK, 0, CMFV_WEAK_PRINTABLE, 1},
    {"hex of 16 + CRLF: 34 bytes", R16 "\r\n", NULL, CMFV_KEY_BAD_LENGTH, 0, 0, 1},
    {"hex of 24 bytes", "1b3749e40cd3963a80a4b3fc7f06e892018fa8699c09ab7c", NULL,
     CMFV_KEY_BAD_LENGTH, 0, 0, 1},
    /* trailing newline */
    {"16 bytes + newline", NULL, R16 "0a", CMFV_KEY_TRAILING_NEWLINE, 0, 0, 0},
    {"32 bytes + newline", NULL, R32 "0a", CMFV_KEY_TRAILING_NEWLINE, 0, 0, 0},
    {"17 bytes, no newline", NULL, "79c071727582b8104d214f7c01dd75f26a", CMFV_KEY_BAD_LENGTH, 0, 0,
     0},
    {"32 bytes + CRLF", NULL, R32 "0d0a", CMFV_KEY_BAD_LENGTH, 0, 0, 0},
    /* plain bad lengths */
    {"0 bytes", "", NULL, CMFV_KEY_BAD_LENGTH, 0, 0, 0},
    {"1 newline", "\n", NULL, CMFV_KEY_BAD_LENGTH, 0, 0, 0},
    {"15 bytes", NULL, "45ee834aea52ae65ceb6cb06d05774", CMFV_KEY_BAD_LENGTH, 0, 0, 0},
    {"24 bytes", NULL, "1b3749e40cd3963a80a4b3fc7f06e892018fa8699c09ab7c", CMFV_KEY_BAD_LENGTH, 0,
     0, 0},
    {"31 bytes", NULL, "49eef7a5cfe0fd817e67a81f899cb8ff6f45f25e86f36441f6ce6370d3d382",
     CMFV_KEY_BAD_LENGTH, 0, 0, 0},
    {"33 bytes", NULL, "67367db3b2d07e1d537cc64f5e88799408d9fa10780f6458b142ab3f236f5b9437",
     CMFV_KEY_BAD_LENGTH, 0, 0, 0},
    {"64 bytes", NULL,
     "1108ba877c77a027579ce18dbfcf61aa05fd0f9b57202fb607bba6893b841a9dbe0ec21d005e3a5e286e5be1c43bf"
     "e4"
     "9fd7bebaa7430add064e1e1ee76dbf6e4",
     CMFV_KEY_BAD_LENGTH, 0, 0, 0},
    /* weak keys of a valid length */
    {"all zero, 16", NULL, "00000000000000000000000000000000", CMFV_KEY_OK, 0, CMFV_WEAK_REPEATED,
     0},
    {"one byte repeated, 32", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, CMFV_KEY_OK, 0,
     CMFV_WEAK_REPEATED, 1},
    {"counting up", NULL, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     CMFV_KEY_OK, 0, CMFV_WEAK_SEQUENCE, 0},
    {"counting down by 16, wrapping", NULL, "f0e0d0c0b0a090807060504030201000", CMFV_KEY_OK, 0,
     CMFV_WEAK_SEQUENCE, 0},
    {"16-byte key written twice", NULL, R16 R16, CMFV_KEY_OK, 0, CMFV_WEAK_PATTERN, 0},
    {"4-byte block, cut", NULL, "8f01c3e98f01c3e98f01c3e98f01c3e9", CMFV_KEY_OK, 0,
     CMFV_WEAK_PATTERN, 0},
    {"password", "Sup3r-Secret-Passw0rd-For-CMF!!!", NULL, CMFV_KEY_OK, 0, CMFV_WEAK_PRINTABLE, 0},
    {"passphrase with a newline inside", "correct horse\nbattery staple!!!!", NULL, CMFV_KEY_OK, 0,
     CMFV_WEAK_PRINTABLE, 0},
    {"16-byte key padded with zeros", NULL, R16 "00000000000000000000000000000000", CMFV_KEY_OK, 0,
     CMFV_WEAK_LOW_ENTROPY, 0},
    {"12 distinct values in 32", NULL,
     "01a2b3c4d5e6f7889a0b1cad01b3a2c4e6d588f79a1c0bad01c4b3a2d5e6f788", CMFV_KEY_OK, 0,
     CMFV_WEAK_LOW_ENTROPY, 0},
    {"one value 7 times in 16", NULL, "ee01ee92ee83ee74ee65ee56ee4700fa", CMFV_KEY_OK, 0,
     CMFV_WEAK_LOW_ENTROPY, 0},
    {"one value 6 times in 16 is still fine", NULL, "ee01ee92ee83ee74ee65ee56a54700fa", CMFV_KEY_OK,
     0, CMFV_WEAK_NONE, 0},
    {"one value 8 times in 32", NULL,
     "ee01ee92ee83ee74ee65ee56ee47ee11f3db03c66a462f6cb03442736a727877", CMFV_KEY_OK, 0,
     CMFV_WEAK_LOW_ENTROPY, 0},
    {"one value 7 times in 32 is still fine", NULL,
     "ee01ee92ee83ee74ee65ee56ee47c911f3db03c66a462f6cb03442736a727877", CMFV_KEY_OK, 0,
     CMFV_WEAK_NONE, 0},
};

static void test_detectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kcases) / sizeof(kcases[0]); i++) {
		const struct kcase *k = &kcases[i];
		unsigned char buf[128];
		size_t len = k->text ? strlen(k->text) : unhex(k->hex, buf);
		struct cmfv_key_check c;

		if (k->text)
			memcpy(buf, k->text, len);
		cmfv_key_check(buf, len, &c);
		if (c.verdict != k->verdict || c.inner_length != k->inner ||
		    (k->verdict == CMFV_KEY_OK && c.weakness != k->weak) ||
		    c.hex_text != k->hex_text)
			fail_msg("%s: verdict %d inner %zu weak %d hex %d; want %d %zu %d %d",
				 k->name, c.verdict, c.inner_length, c.weakness, c.hex_text,
				 k->verdict, k->inner, k->weak, k->hex_text);
		assert_int_equal(c.length, len);
		if (c.verdict == CMFV_KEY_OK) {
			char kcv[7];

			assert_int_equal(cmfv_key_kcv(buf, len, kcv), CMFV_OK);
			assert_string_equal(c.kcv, kcv);
			assert_int_equal(c.weakness == CMFV_WEAK_NONE,
					 cmfv_key_weakness_name(c.weakness)[0] == '\0');
		} else {
			assert_string_equal(c.kcv, "");
			assert_int_equal(c.weakness, CMFV_WEAK_NONE);
		}
	}
}

/* Random keys are never called weak (10,000 of each size, from OpenSSL's
 * RNG); key.h gives the expected false-alarm rate, about 0.002 in total. */
static void test_random_keys_pass(void **state)
{
	unsigned char k[32];
	int i, flagged[2] = {0, 0};

	(void)state;
	for (i = 0; i < 20000; i++) {
		size_t len = i % 2 ? 16 : 32;
		struct cmfv_key_check c;

		assert_int_equal(RAND_bytes(k, (int)len), 1);
		cmfv_key_check(k, len, &c);
		assert_int_equal(c.verdict, CMFV_KEY_OK);
		assert_int_equal(strlen(c.kcv), 6);
		if (c.weakness != CMFV_WEAK_NONE) {
			char h[65];

			tohex(k, len, h);
			print_message("flagged as %s: %s\n", cmfv_key_weakness_name(c.weakness), h);
			flagged[i % 2]++;
		}
	}
	assert_int_equal(flagged[0], 0);
	assert_int_equal(flagged[1], 0);
}

/* Random bytes of every other length are never taken for a double
 * encoding, and 17/33 random bytes only count as a newline mistake when
 * they end in one. */
static void test_random_lengths(void **state)
{
	unsigned char k[80];
	size_t len;
	int rep;

	(void)state;
	for (rep = 0; rep < 200; rep++)
		for (len = 0; len <= sizeof(k); len++) {
			struct cmfv_key_check c;

			if (len == 16 || len == 32)
				continue;
			assert_int_equal(RAND_bytes(k, (int)sizeof(k)), 1);
			cmfv_key_check(k, len, &c);
			if ((len == 17 || len == 33) && k[len - 1] == '\n')
				assert_int_equal(c.verdict, CMFV_KEY_TRAILING_NEWLINE);
			else
				assert_int_equal(c.verdict, CMFV_KEY_BAD_LENGTH);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64_decode),
	    cmocka_unit_test(test_base64_roundtrip),
	    cmocka_unit_test(test_kcv),
	    cmocka_unit_test(test_key_equal),
	    cmocka_unit_test(test_detectors),
	    cmocka_unit_test(test_random_keys_pass),
	    cmocka_unit_test(test_random_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
