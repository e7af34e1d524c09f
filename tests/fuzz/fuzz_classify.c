/* The document classifier (cmfv_classify) against the YAML loader: the
 * whole input as one document, then each piece the stream splitter cuts
 * from it, as post-render would pass them, with and without the splitter's
 * hint (the same answer either way). Property: the classifier is sound
 * (tests/classify/sound.h): never OTHER for what the loader reads as a
 * Deployment, ConfigMap or List, and never a known name the loader does
 * not read. Each text sits in a buffer of its exact size, so that ASan
 * sees any read past its end. And the finder's prefilter (a workload whose
 * text cannot name CMF is not parsed) finds every CMF Deployment a parse of
 * every workload finds. */
#include "fuzz.h"

#include "cmfv/classify.h"
#include "cmfv/finder.h"
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

/* The CMF Deployments the finder finds in \p data, with or without its
 * prefilter (workloads whose text cannot name CMF go unparsed). */
static size_t found(const uint8_t *data, size_t size, int prefilter, enum cmfv_err *e)
{
	struct cmfv_inject_opts o;
	struct cmfv_finder *f = NULL;
	struct cmfv_stream *s = NULL;
	struct cmfv_diag d;
	size_t n = 0;

	memset(&o, 0, sizeof(o));
	cmfv_diag_clear(&d);
	cmfv_finder_use_prefilter(prefilter);
	*e = cmfv_finder_new(&o, &f);
	if (*e == CMFV_OK)
		*e = cmfv_stream_new_mem((const char *)data, size, "fuzz", &s);
	if (*e == CMFV_OK)
		*e = cmfv_finder_add_stream(f, s, &d);
	if (*e == CMFV_OK)
		n = cmfv_finder_count(f);
	cmfv_stream_free(s);
	cmfv_finder_free(f);
	cmfv_finder_use_prefilter(1);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmfv_stream *s;
	struct cmfv_doc doc;
	struct cmfv_diag d;
	char why[400];
	enum cmfv_err e_all, e_pre;
	size_t n_all, n_pre;

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
	/* the finder's prefilter skips no CMF Deployment: what a parse of
	 * every workload finds, it finds (it may only miss a syntax error in a
	 * workload that cannot be CMF's) */
	n_all = found(data, size, 0, &e_all);
	n_pre = found(data, size, 1, &e_pre);
	if (e_all == CMFV_OK && (e_pre != CMFV_OK || n_pre != n_all)) {
		fprintf(stderr, "prefilter: %zu CMF Deployments (error %d), %zu without it\n",
			n_pre, e_pre, n_all);
		abort();
	}
	if (e_pre != CMFV_OK && e_pre != e_all) {
		fprintf(stderr, "prefilter: error %d, %d without it\n", e_pre, e_all);
		abort();
	}
	return 0;
}
