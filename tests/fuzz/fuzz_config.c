/* The configuration file (.cmf-validate.yaml): the strict schema pass and
 * libcyaml's load (cmfv_config_load), then applying it to a report. */
#include "fuzz.h"

#include "cmfv/config.h"
#include "cmfv/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmfv_source *src = fuzz_source(data, size, ".cmf-validate.yaml");
	struct cmfv_config *c = NULL;
	struct cmfv_diag d;
	enum cmfv_err e;

	cmfv_diag_clear(&d);
	e = cmfv_config_load(src, &c, &d);
	FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
	FUZZ_ASSERT(e == d.code);
	if (e == CMFV_OK) {
		struct cmfv_report r = {0};
		struct cmfv_loc at = {"values.yaml", 3, 5}, none = {NULL, 0, 0};

		FUZZ_ASSERT(c != NULL);
		/* a few findings for the severities and waivers to act on */
		if (cmfv_report_add(&r, CMFV_CMF001, "encryption.key.kubernetesSecretName", at,
				    "missing") == CMFV_OK &&
		    cmfv_report_add(&r, CMFV_CMF010, NULL, none, "plain text") == CMFV_OK &&
		    cmfv_report_add(&r, CMFV_CMF026, "key", at, "weak") == CMFV_OK) {
			e = cmfv_config_apply(c, "2025-06-01", &r);
			FUZZ_ASSERT(e == CMFV_OK || e == CMFV_ENOMEM);
		}
		cmfv_report_free(&r);
		cmfv_config_free(c);
	} else {
		FUZZ_ASSERT(c == NULL);
		FUZZ_ASSERT(d.msg[0] != '\0');
	}
	fuzz_source_free(src);
	return 0;
}
