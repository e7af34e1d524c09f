/* post-render on a fuzzed manifest stream: split it, find every CMF
 * Deployment and pair it with its configuration (cmfv_finder_*, decided by
 * cmfv_instance_decide), mount the key into each as text
 * (cmfv_inject_doc). Properties: no crash, no leak; the changed document is
 * still YAML; and post-render is idempotent: run on its own output it
 * changes nothing (SPEC.md). Byte 0 picks the options. */
#include "fuzz.h"

#include "cmfv/finder.h"
#include "cmfv/inject.h"
#include "cmfv/report.h"
#include "cmfv/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *p;
	size_t n;
};

static enum cmfv_err fetch(void *ctx, const char *file, unsigned long long off, char *buf,
			   size_t len, struct cmfv_diag *d)
{
	const struct mem *m = ctx;

	(void)file;
	FUZZ_ASSERT(off <= m->n && len <= m->n - off);
	memcpy(buf, m->p + off, len);
	(void)d;
	return CMFV_OK;
}

static void mount_one(const struct cmfv_inject_opts *o, const struct cmfv_doc *target);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmfv_inject_opts o;
	struct cmfv_stream *s = NULL;
	struct cmfv_finder *f = NULL;
	struct cmfv_report r = {0};
	struct cmfv_diag d;
	enum cmfv_err e;

	if (size < 1)
		return 0;
	memset(&o, 0, sizeof(o));
	o.secret_name = "cmf-key";
	o.property = "key";
	o.file = "<stdin>";
	if (data[0] & 1)
		o.kcv = "a1b2c3";
	if (data[0] & 2)
		o.deployment = "cmf";
	if (data[0] & 4)
		o.container = "app";
	data++;
	size--;

	cmfv_diag_clear(&d);
	if (cmfv_stream_new_mem((const char *)data, size, "<stdin>", &s) != CMFV_OK)
		return 0;
	if (cmfv_finder_new(&o, &f) != CMFV_OK)
		goto out;
	e = cmfv_finder_add_stream(f, s, &d);
	FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
	if (e != CMFV_OK)
		goto out;
	{
		struct mem m = {data, size};
		struct cmfv_judge_input j;
		size_t i;

		e = cmfv_finder_pair(f, fetch, &m, &d);
		FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
		if (e != CMFV_OK)
			goto out;
		memset(&j, 0, sizeof(j));
		j.secret_name = "cmf-key";
		j.secret_property = "key";
		for (i = 0; i < cmfv_finder_count(f); i++) {
			struct cmfv_instance *in = cmfv_finder_get(f, i);
			struct cmfv_decision dec;

			FUZZ_ASSERT(cmfv_instance_decide(in, &j, &dec, &r, NULL) != CMFV_EINPUT);
			if (in->in_list)
				continue;
			FUZZ_ASSERT(in->doc.offset + in->doc.len <= size);
			FUZZ_ASSERT(memcmp(in->doc.ptr, data + in->doc.offset, in->doc.len) == 0);
			mount_one(&o, &in->doc);
		}
	}
out:
	cmfv_report_free(&r);
	cmfv_finder_free(f);
	cmfv_stream_free(s);
	return 0;
}

/* Mount into one Deployment; the result is YAML and a second run leaves it
 * alone. */
static void mount_one(const struct cmfv_inject_opts *o, const struct cmfv_doc *target)
{
	struct cmfv_report r = {0};
	struct cmfv_buf out = {0}, out2 = {0};
	struct cmfv_diag d;
	enum cmfv_err e;
	int changed = 0, changed2 = 0;

	cmfv_diag_clear(&d);
	e = cmfv_inject_doc(o, target, &out, &changed, &r, &d);
	FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
	if (e != CMFV_OK || !changed)
		goto out;
	/* garbage in, garbage out: the output must be YAML when the input was
	 * (a piece can load as one document and still be followed by junk) */
	cmfv_diag_clear(&d);
	if (cmfv_doc_check_yaml(target, "<stdin>", &d) != CMFV_OK)
		goto out;
	FUZZ_ASSERT(out.len > 0);
	{
		struct cmfv_doc again = *target;
		struct cmfv_report r2 = {0};

		again.ptr = out.ptr;
		again.len = out.len;
		e = cmfv_doc_check_yaml(&again, "<stdin>", &d);
		if (e == CMFV_EINPUT) {
			fprintf(stderr, "post-render wrote a document that is not YAML: %s\n%.*s\n",
				d.msg, (int)(out.len > 4000 ? 4000 : out.len), out.ptr);
			abort();
		}
		if (e == CMFV_OK) {
			e = cmfv_inject_doc(o, &again, &out2, &changed2, &r2, &d);
			FUZZ_ASSERT(e == CMFV_OK || e == CMFV_ENOMEM);
			if (e == CMFV_OK && changed2) {
				fprintf(stderr,
					"post-render is not idempotent:\n--- first\n%.*s\n--- "
					"second\n%.*s\n",
					(int)(out.len > 4000 ? 4000 : out.len), out.ptr,
					(int)(out2.len > 4000 ? 4000 : out2.len), out2.ptr);
				abort();
			}
		}
		cmfv_report_free(&r2);
	}
out:
	cmfv_buf_free(&out);
	cmfv_buf_free(&out2);
	cmfv_report_free(&r);
}
