/* The one rule for key text in messages (include/cmfv/redact.h): any bytes
 * as a message, as a child's stderr and as a value to describe. The text
 * may only get shorter; the stderr form is one NUL-terminated line of
 * printable bytes that fits, however small the room; with a known key
 * (cmfv_redact_known) too. */
#include "fuzz.h"

#include "cmfv/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[256], small[8];
	size_t i;

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	cmfv_redact(s);
	FUZZ_ASSERT(strlen(s) <= strnlen((const char *)data, size));

	cmfv_redact_stderr((const char *)data, size, out, sizeof(out));
	FUZZ_ASSERT(strlen(out) < sizeof(out));
	for (i = 0; out[i]; i++)
		FUZZ_ASSERT((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
	cmfv_redact_stderr((const char *)data, size, small, sizeof(small));
	FUZZ_ASSERT(strlen(small) < sizeof(small));

	/* a known key (the first 16 bytes) cut out of the rest: only ever
	 * shorter, and never longer than the text it was given */
	if (size > 16) {
		memcpy(s, data + 16, size - 16);
		s[size - 16] = '\0';
		cmfv_redact_known_add(data, 16);
		cmfv_redact_known(s);
		FUZZ_ASSERT(strlen(s) <= strnlen((const char *)data + 16, size - 16));
		cmfv_redact_stderr((const char *)data + 16, size - 16, out, sizeof(out));
		FUZZ_ASSERT(strlen(out) < sizeof(out));
		cmfv_redact_known_clear();
	}

	cmfv_redact_describe((const char *)data, size, out, sizeof(out));
	FUZZ_ASSERT(strlen(out) < sizeof(out));
	(void)cmfv_redact_looks_secret((const char *)data, size);
	free(s);
	return 0;
}
