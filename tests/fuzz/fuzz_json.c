/* The JSON reader (--set-json, --previous-values, helm get values -o json,
 * Secrets in JSON) and writer (values -o json, reports). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmfv_loc loc = {"fuzz.json", 1, 1};
	struct cmfv_node *n = NULL;
	struct cmfv_buf b = {0};
	struct cmfv_diag d;
	size_t used = 0;
	enum cmfv_err e;

	/* any bytes escape to one JSON string that reads back as a string */
	if (cmfv_json_str(&b, (const char *)data, size) == CMFV_OK) {
		cmfv_diag_clear(&d);
		e = cmfv_json_parse(b.ptr, b.len, loc, 1, &n, &used, &d);
		FUZZ_ASSERT(e == CMFV_OK || e == CMFV_ENOMEM);
		FUZZ_ASSERT(e != CMFV_OK || (n->kind == CMFV_STR && used == b.len));
		cmfv_node_free(n);
		n = NULL;
	}
	cmfv_buf_free(&b);

	cmfv_diag_clear(&d);
	e = cmfv_json_parse((const char *)data, size, loc, 10000, &n, &used, &d);
	FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
	FUZZ_ASSERT(e == d.code);
	if (e != CMFV_OK) {
		FUZZ_ASSERT(n == NULL);
		return 0;
	}
	FUZZ_ASSERT(n != NULL && used <= size && used > 0);
	fuzz_json_roundtrip(n, 1);
	cmfv_node_free(n);
	return 0;
}
