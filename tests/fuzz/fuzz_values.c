/* Values loading and merging as Helm does it: chart defaults and a -f
 * file (the input split at its first NUL byte: defaults, then the user's
 * file), ReadValues, mergeMaps, CoalesceValues, then the values rules. */
#include "fuzz.h"

#include "cmfv/check.h"
#include "cmfv/report.h"
#include "cmfv/values.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	struct cmfv_source *defs_src = NULL, *user_src;
	struct cmfv_node *defaults = NULL, *user = NULL, *base = NULL, *merged = NULL;
	struct cmfv_loc none = {NULL, 0, 0};
	struct cmfv_report report = {0};
	struct cmfv_keyref ref;
	struct cmfv_diag d;
	enum cmfv_err e;
	int helm_major = size && (data[size - 1] & 1) ? 3 : 4;

	if (nul) {
		defs_src = fuzz_source(data, (size_t)(nul - data), "values.yaml");
		user_src = fuzz_source(nul + 1, size - (size_t)(nul - data) - 1, "user.yaml");
	} else {
		user_src = fuzz_source(data, size, "user.yaml");
	}
	cmfv_diag_clear(&d);
	if (defs_src) {
		e = cmfv_values_parse(defs_src, 4, &defaults, &d);
		FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
		if (e != CMFV_OK)
			goto out;
		FUZZ_ASSERT(defaults && defaults->kind == CMFV_MAP);
	}
	e = cmfv_values_parse(user_src, 4, &user, &d);
	FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
	if (e != CMFV_OK)
		goto out;
	FUZZ_ASSERT(user && user->kind == CMFV_MAP);
	base = cmfv_node_new(CMFV_MAP, none);
	if (base == NULL)
		goto out;
	/* the user's file is merged into the (empty) base, as -f files are */
	e = cmfv_values_merge_maps(base, user);
	user = NULL;
	if (e != CMFV_OK)
		goto out;
	e = cmfv_values_coalesce(defaults, base, helm_major, &merged);
	defaults = base = NULL;
	if (e != CMFV_OK)
		goto out;
	FUZZ_ASSERT(merged && merged->kind == CMFV_MAP);
	fuzz_json_roundtrip(merged, 1);

	cmfv_keyref_from_values(merged, NULL, NULL, &ref);
	e = cmfv_check_values(merged, &ref, &report);
	FUZZ_ASSERT(e == CMFV_OK || e == CMFV_ENOMEM);
	cmfv_report_sort(&report);
out:
	cmfv_report_free(&report);
	cmfv_node_free(merged);
	cmfv_node_free(base);
	cmfv_node_free(user);
	cmfv_node_free(defaults);
	if (defs_src)
		fuzz_source_free(defs_src);
	fuzz_source_free(user_src);
	return 0;
}
