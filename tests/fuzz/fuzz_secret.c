/* Finding the key in a --secret-file / --manifests stream: a Secret, a
 * List, any documents, YAML or JSON (cmfv_secret_find). The value found
 * must be consistent with the status; nothing may leak or crash. */
#include "fuzz.h"

#include "cmfv/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmfv_source *src = fuzz_source(data, size, "secret.yaml");
	struct cmfv_secret_value v;
	struct cmfv_diag d;
	enum cmfv_err e;

	cmfv_diag_clear(&d);
	e = cmfv_secret_find(src, "cmf-key", "key", "cmf", &v, &d);
	FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
	FUZZ_ASSERT(e == d.code);
	if (e == CMFV_OK) {
		/* key bytes only with a key found */
		if (v.status == CMFV_SECRET_FOUND)
			FUZZ_ASSERT(v.key != NULL || v.len == 0);
		else
			FUZZ_ASSERT(v.key == NULL);
		cmfv_secret_value_clear(&v);
	}
	fuzz_source_free(src);
	return 0;
}
