/* The YAML loader (cmfv_yaml_load_all) over any bytes: every document of a
 * stream, as post-render and --secret-file read them. Each document's tree
 * must print as JSON that reads back the same. */
#include "fuzz.h"

#include "cmfv/yaml.h"

static enum cmfv_err on_doc(void *ctx, struct cmfv_node *doc, struct cmfv_diag *d)
{
	(void)ctx;
	(void)d;
	if (doc)
		fuzz_json_roundtrip(doc, 1);
	cmfv_node_free(doc);
	return CMFV_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmfv_diag d;
	enum cmfv_err e;

	cmfv_diag_clear(&d);
	e = cmfv_yaml_load_all((const char *)data, size, "fuzz.yaml", NULL, on_doc, NULL, &d);
	FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
	FUZZ_ASSERT(e == d.code);
	if (e == CMFV_EINPUT)
		FUZZ_ASSERT(d.msg[0] != '\0');
	return 0;
}
