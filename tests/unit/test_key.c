/* Key checks: base64 edge cases, KCV vectors, the mistake detectors. */
#include "helpers.h"

#include <openssl/rand.h>
#include <stdio.h>

#include "cmfv/key.h"

struct b64case {
	const char *in;
	int ok;
	const char *out; /* hex */
};

static const struct b64case b64[] = {
	{"", 1, ""},
	{"Zg==", 1, "66"},
	{"Zm8=", 1, "666f"},
	{"Zm9v", 1, "666f6f"},
	{"Zm9vYmFy", 1, "666f6f626172"},
	{"Zg", 0, NULL},          /* padding required */
	{"Zg=", 0, NULL},
	{"Zm9v\n", 0, NULL},      /* no whitespace */
	{"Zm 9", 0, NULL},
	{"Zm9-", 0, NULL},        /* URL alphabet is not Kubernetes' */
	{"Zm9_", 0, NULL},
	{"Z===", 0, NULL},
	{"=Zg=", 0, NULL},
	{"Zg==Zg==", 0, NULL},    /* data after padding */
	{"Zh==", 0, NULL},        /* non-canonical: dropped bits set */
	{"Zm9=", 0, NULL},
	{"+/+/", 1, "fbffbf"},
};

static void hex(const unsigned char *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

static void test_base64(void **state)
{
	size_t i, n, bad;
	unsigned char out[64];
	char h[130], enc[64];

	(void)state;
	for (i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
		int ok = cmfv_base64_decode(b64[i].in, strlen(b64[i].in), out, &n, &bad);

		if (ok != b64[i].ok)
			fail_msg("'%s': decode %d, want %d", b64[i].in, ok, b64[i].ok);
		if (ok) {
			hex(out, n, h);
			assert_string_equal(h, b64[i].out);
			cmfv_base64_encode(out, n, enc);
			assert_string_equal(enc, b64[i].in);
		}
	}
}

/* Reference values from the openssl command line:
 * openssl enc -aes-128-ecb -nopad -K <key> -in <16 zero bytes> | head -c3 */
static void test_kcv(void **state)
{
	unsigned char k16[16] = {0}, k32[32] = {0}, seq[32];
	char kcv[7];
	int i;

	(void)state;
	for (i = 0; i < 32; i++)
		seq[i] = (unsigned char)i;
	assert_int_equal(cmfv_key_kcv(k16, 16, kcv), CMFV_OK);
	assert_string_equal(kcv, "66e94b"); /* AES-128(0^16, 0^16) = 66e94bd4... */
	assert_int_equal(cmfv_key_kcv(k32, 32, kcv), CMFV_OK);
	assert_string_equal(kcv, "dc95c0"); /* AES-256(0^32, 0^16) = dc95c078... */
	assert_int_equal(cmfv_key_kcv(seq, 16, kcv), CMFV_OK);
	assert_string_equal(kcv, "c6a13b"); /* FIPS-197 key 000102..0f, zero block */
	assert_int_equal(cmfv_key_kcv(seq, 24, kcv), CMFV_EINPUT);
	assert_string_equal(kcv, "");
}

struct kcase {
	const char *name;
	const char *bytes;
	size_t len;
	enum cmfv_key_verdict verdict;
	size_t inner;
	enum cmfv_key_weakness weak;
};

static const struct kcase kcases[] = {
	{"base64 of 32 + newline", "QmFzZTY0IG9mIGEgMzItYnl0ZSBrZXkgaGVyZSEhISE=\n", 45, CMFV_KEY_DOUBLE_BASE64, 32, 0},
	{"base64 of 32", "QmFzZTY0IG9mIGEgMzItYnl0ZSBrZXkgaGVyZSEhISE=", 44, CMFV_KEY_DOUBLE_BASE64, 32, 0},
	{"base64 of 16 + newline", "MTYtYnl0ZSBrZXkgaGVyZQ==\n", 25, CMFV_KEY_DOUBLE_BASE64, 16, 0},
	{"url base64 of 32", "QmFzZTY0IG9mIGEgMzItYnl0ZSBrZXkgaGVyZSEhISE=", 44, CMFV_KEY_DOUBLE_BASE64, 32, 0},
	{"hex of 32 + newline",
	 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", 65, CMFV_KEY_DOUBLE_HEX, 32, 0},
	{"hex of 32", "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff", 64,
	 CMFV_KEY_DOUBLE_HEX, 32, 0},
	{"hex of 16 + newline", "00112233445566778899aabbccddeeff\n", 33, CMFV_KEY_TRAILING_NEWLINE, 0, 0},
	{"hex of 16: valid length, weak", "00112233445566778899aabbccddeeff", 32, CMFV_KEY_OK, 0,
	 CMFV_WEAK_PRINTABLE},
	{"password", "correct horse battery staple!!!!", 32, CMFV_KEY_OK, 0, CMFV_WEAK_PRINTABLE},
	{"22-char password is no base64", "abcdefghijklmnopqrstuv", 22, CMFV_KEY_BAD_LENGTH, 0, 0},
	{"zero", "", 0, CMFV_KEY_BAD_LENGTH, 0, 0},
	{"15", "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\xf0", 15, CMFV_KEY_BAD_LENGTH, 0, 0},
	{"17 no newline", "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\xf0\x99\x98", 17,
	 CMFV_KEY_BAD_LENGTH, 0, 0},
	{"17 with newline", "\x81\x02\x93\x04\x05\xa6\x07\x08\x09\x0a\x0b\xcc\x0d\x0e\xf0\x99\n", 17,
	 CMFV_KEY_TRAILING_NEWLINE, 0, 0},
	{"one byte repeated", "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa", 16, CMFV_KEY_OK, 0,
	 CMFV_WEAK_REPEATED},
	{"counting", "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f", 16, CMFV_KEY_OK, 0,
	 CMFV_WEAK_SEQUENCE},
	{"few distinct", "\x01\x02\x01\x02\x81\x82\x01\x02\x01\x02\x81\x82\x01\x02\x01\x02", 16, CMFV_KEY_OK, 0,
	 CMFV_WEAK_LOW_ENTROPY},
};

static void test_detectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kcases) / sizeof(kcases[0]); i++) {
		struct cmfv_key_check c;
		const struct kcase *k = &kcases[i];

		cmfv_key_check((const unsigned char *)k->bytes, k->len, &c);
		if (c.verdict != k->verdict || c.inner_length != k->inner ||
		    (k->verdict == CMFV_KEY_OK && c.weakness != k->weak))
			fail_msg("%s: verdict %d inner %zu weak %d; want %d %zu %d", k->name, c.verdict,
				 c.inner_length, c.weakness, k->verdict, k->inner, k->weak);
		assert_int_equal(c.length, k->len);
		if (c.verdict == CMFV_KEY_OK)
			assert_int_equal(strlen(c.kcv), 6);
		else
			assert_string_equal(c.kcv, "");
	}
}

/* Random keys are never called weak or anything else (10,000 of each size). */
static void test_random_keys_pass(void **state)
{
	unsigned char k[32];
	int i, flagged = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		size_t len = i % 2 ? 16 : 32;
		struct cmfv_key_check c;

		assert_int_equal(RAND_bytes(k, (int)len), 1);
		cmfv_key_check(k, len, &c);
		assert_int_equal(c.verdict, CMFV_KEY_OK);
		if (c.weakness != CMFV_WEAK_NONE)
			flagged++;
	}
	assert_int_equal(flagged, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_kcv),
		cmocka_unit_test(test_detectors),
		cmocka_unit_test(test_random_keys_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
