/* Key checks: strict base64 as Kubernetes stores Secret data, the key
 * check value and the detectors (double encoding, trailing newline, weak
 * keys). The input is both base64 text and raw key bytes. */
#include "fuzz.h"

#include <openssl/crypto.h>

#include "cmfv/key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *out = malloc(size / 4 * 3 + 3);
	char *enc = malloc(4 * ((size + 2) / 3) + 1);
	unsigned char *back = malloc(size + 3);
	struct cmfv_key_check c;
	size_t outlen = 0, backlen = 0, bad_at = 0;

	if (out == NULL || enc == NULL || back == NULL)
		abort();
	if (cmfv_base64_decode((const char *)data, size, out, &outlen, &bad_at)) {
		FUZZ_ASSERT(outlen <= size / 4 * 3);
		FUZZ_ASSERT(size % 4 == 0);
	} else {
		FUZZ_ASSERT(bad_at <= size);
	}

	/* encode, then decode: the same bytes, and strictly valid text */
	cmfv_base64_encode(data, size, enc);
	FUZZ_ASSERT(strlen(enc) == 4 * ((size + 2) / 3));
	FUZZ_ASSERT(cmfv_base64_decode(enc, strlen(enc), back, &backlen, &bad_at));
	FUZZ_ASSERT(backlen == size && (size == 0 || memcmp(back, data, size) == 0));

	/* one verdict, consistent with the length */
	cmfv_key_check(data, size, &c);
	FUZZ_ASSERT(c.length == size);
	switch (c.verdict) {
	case CMFV_KEY_OK:
		FUZZ_ASSERT(size == 16 || size == 32);
		FUZZ_ASSERT(strlen(c.kcv) == 6);
		break;
	case CMFV_KEY_TRAILING_NEWLINE:
		FUZZ_ASSERT((size == 17 || size == 33) && data[size - 1] == '\n');
		break;
	case CMFV_KEY_DOUBLE_BASE64:
	case CMFV_KEY_DOUBLE_HEX:
		FUZZ_ASSERT(size != 16 && size != 32);
		FUZZ_ASSERT(c.inner_length == 16 || c.inner_length == 32);
		break;
	case CMFV_KEY_BAD_LENGTH:
		FUZZ_ASSERT(size != 16 && size != 32);
		break;
	}
	if (size == 16 || size == 32) {
		char kcv[7];

		FUZZ_ASSERT(cmfv_key_kcv(data, size, kcv) == CMFV_OK);
		FUZZ_ASSERT(strlen(kcv) == 6 && strcmp(kcv, c.kcv) == 0);
	}
	OPENSSL_cleanse(out, size / 4 * 3 + 3);
	free(out);
	free(enc);
	free(back);
	return 0;
}
