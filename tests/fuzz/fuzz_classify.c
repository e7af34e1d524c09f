/* The document classifier (cmfv_classify) against the YAML loader: the
 * whole input as one document, then each piece the stream splitter cuts
 * from it, as post-render would pass them, with and without the splitter's
 * hint (the same answer either way). Property: the classifier is sound
 * (tests/classify/sound.h): never OTHER for what the loader reads as a
 * Deployment, ConfigMap or List, and never a known name the loader does
 * not read. Each text sits in a buffer of its exact size, so that ASan
 * sees any read past its end. */
#include "fuzz.h"

#include "cmfv/classify.h"
#include "cmfv/stream.h"

#include "../classify/sound.h"

static void check(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1), why[400];
	struct cmfv_cls_info ci;
	const char *bad;
	int loaded;

	if (copy == NULL)
		abort();
	if (len)
		memcpy(copy, text, len);
	cmfv_classify(copy, len, &ci);
	FUZZ_ASSERT(ci.cls <= CMFV_CLS_PARSE);
	bad = sound_check(copy, len, &ci, why, sizeof(why), &loaded);
	if (bad) {
		fprintf(stderr, "unsound: %s\n", bad);
		abort();
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmfv_stream *s;
	struct cmfv_doc doc;
	struct cmfv_diag d;
	char why[400];

	check((const char *)data, size);
	cmfv_diag_clear(&d);
	if (cmfv_stream_new_mem((const char *)data, size, "fuzz", &s) != CMFV_OK)
		return 0;
	while (cmfv_stream_next(s, &doc, &d) == CMFV_OK && doc.ptr)
		if (CMFV_DOC_IS_DOCUMENT(doc.flags) && doc.len != size)
			check(doc.ptr, doc.len);
	cmfv_stream_free(s);
	/* the splitter's hint (col0, odd_free) changes no answer, from its
	 * AVX2 loop (where there is one) and its portable one alike */
	cmfv_stream_use_avx2((int)(size & 1));
	if (hint_check((const char *)data, size, 0, why, sizeof(why)) ||
	    hint_check((const char *)data, size, 1 + size % 61, why, sizeof(why))) {
		fprintf(stderr, "hint: %s\n", why);
		abort();
	}
	return 0;
}
