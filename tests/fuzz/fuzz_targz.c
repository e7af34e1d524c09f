/* Packaged charts: gzip + tar as the chart loader reads a .tgz. Every
 * entry it returns must be a NUL-terminated copy within Helm's limits. */
#include "fuzz.h"

#include "cmfv/targz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmfv_tar t;
	struct cmfv_diag d;
	enum cmfv_err e;
	size_t i;

	cmfv_diag_clear(&d);
	e = cmfv_targz_read((const char *)data, size, "fuzz.tgz", &t, &d);
	FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
	if (e != CMFV_OK) {
		FUZZ_ASSERT(d.msg[0] != '\0');
		return 0;
	}
	for (i = 0; i < t.n; i++) {
		FUZZ_ASSERT(t.v[i].name != NULL && t.v[i].data != NULL);
		FUZZ_ASSERT(t.v[i].data[t.v[i].len] == '\0');
		FUZZ_ASSERT(t.v[i].regular || t.v[i].len == 0);
	}
	cmfv_tar_free(&t);
	return 0;
}
