/* The post-render document splitter (cmfv_stream_*). Properties the
 * post-renderer's byte-for-byte promise rests on: the pieces, in order,
 * give back the input exactly; offsets, line numbers and indexes add up;
 * and reading the stream in small blocks (as from a pipe), or through a
 * view that grows in small blocks (a pipe's spool, mapped), gives the same
 * pieces as reading it from memory. The first byte picks the block size
 * for the second and third passes, and its top bit the splitter's portable
 * loop for the second (the first runs its AVX2 one where there is one). */
#include "fuzz.h"

#include <errno.h>

#include "cmfv/stream.h"

struct chunked {
	const uint8_t *p;
	size_t len, pos, block;
};

static ssize_t chunked_read(void *ctx, char *buf, size_t n)
{
	struct chunked *c = ctx;

	if (n > c->block)
		n = c->block;
	if (n > c->len - c->pos)
		n = c->len - c->pos;
	memcpy(buf, c->p + c->pos, n);
	c->pos += n;
	return (ssize_t)n;
}

struct piece {
	size_t off, len;
	unsigned long line;
	unsigned flags;
};

static int chunked_grow(void *ctx, size_t *len)
{
	struct chunked *c = ctx;

	c->pos += c->len - c->pos < c->block ? c->len - c->pos : c->block;
	*len = c->pos;
	return 0;
}

/* The pieces of \p a and \p b agree. */
static void same(enum cmfv_err ea, const struct piece *a, size_t na, enum cmfv_err eb,
		 const struct piece *b, size_t nb)
{
	if (ea == CMFV_ENOMEM || eb == CMFV_ENOMEM)
		return;
	FUZZ_ASSERT(ea == eb);
	FUZZ_ASSERT(na == nb);
	for (size_t i = 0; i < na; i++) {
		FUZZ_ASSERT(a[i].off == b[i].off && a[i].len == b[i].len);
		FUZZ_ASSERT(a[i].line == b[i].line && a[i].flags == b[i].flags);
	}
}

/* Split with \p s; append the pieces to \p out. Returns the error. */
static enum cmfv_err split(struct cmfv_stream *s, const uint8_t *in, size_t size,
			   struct piece **out, size_t *n)
{
	struct cmfv_diag d;
	struct cmfv_doc doc;
	enum cmfv_err e;
	size_t cap = 0, expect_off = 0;
	unsigned long expect_line = 1;

	*out = NULL;
	*n = 0;
	cmfv_diag_clear(&d);
	for (;;) {
		e = cmfv_stream_next(s, &doc, &d);
		if (e != CMFV_OK || doc.ptr == NULL)
			break;
		/* contiguous, in order, the input's own bytes */
		FUZZ_ASSERT(doc.offset == expect_off);
		FUZZ_ASSERT(doc.index == *n);
		FUZZ_ASSERT(doc.line == expect_line);
		FUZZ_ASSERT(doc.len > 0 && doc.offset + doc.len <= size);
		FUZZ_ASSERT(memcmp(doc.ptr, in + doc.offset, doc.len) == 0);
		FUZZ_ASSERT(!(doc.flags & CMFV_DOC_BOM) || doc.offset == 0);
		for (size_t i = 0; i < doc.len; i++)
			expect_line += doc.ptr[i] == '\n';
		expect_off += doc.len;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = realloc(*out, cap * sizeof(**out));
			if (*out == NULL)
				abort();
		}
		(*out)[*n] = (struct piece){(size_t)doc.offset, doc.len, doc.line, doc.flags};
		(*n)++;
	}
	FUZZ_ASSERT(e == d.code);
	FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
	if (e == CMFV_OK)
		FUZZ_ASSERT(expect_off == size && cmfv_stream_bytes(s) == size);
	return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmfv_stream *s = NULL;
	struct piece *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	struct chunked c;
	enum cmfv_err ea, eb;

	if (size < 1)
		return 0;
	c.block = 1 + data[0] % 64;
	data++;
	size--;

	if (cmfv_stream_new_mem((const char *)data, size, "<stdin>", &s) != CMFV_OK)
		return 0;
	ea = split(s, data, size, &a, &na);
	cmfv_stream_free(s);

	c.p = data;
	c.len = size;
	c.pos = 0;
	if (cmfv_stream_new(chunked_read, &c, "<stdin>", 0, &s) != CMFV_OK) {
		free(a);
		return 0;
	}
	/* the first byte's top bit: this pass by the splitter's portable loop
	 * rather than its AVX2 one (where the CPU has it) */
	cmfv_stream_use_avx2(!(data[-1] & 0x80));
	eb = split(s, data, size, &b, &nb);
	cmfv_stream_use_avx2(1);
	cmfv_stream_free(s);
	/* a pipe and a buffer give the same documents */
	same(ea, a, na, eb, b, nb);
	free(b);
	b = NULL;

	c.pos = 0;
	if (cmfv_stream_new_view((const char *)data, chunked_grow, &c, "<stdin>", 0, &s) !=
	    CMFV_OK) {
		free(a);
		return 0;
	}
	eb = split(s, data, size, &b, &nb);
	cmfv_stream_free(s);
	/* and so does a view that grows */
	same(ea, a, na, eb, b, nb);
	free(a);
	free(b);
	return 0;
}
