/* Shared bits for the libFuzzer harnesses (tests/fuzz/README in
 * docs/hardening.md). Each harness is one LLVMFuzzerTestOneInput over one
 * core entry point; a property that fails calls abort(), which libFuzzer
 * reports as a crash with the input saved. */
#ifndef CMFV_FUZZ_H
#define CMFV_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/buf.h"
#include "cmfv/diag.h"
#include "cmfv/json.h"
#include "cmfv/node.h"
#include "cmfv/source.h"

/* A property that must hold: report it and abort (libFuzzer saves the input). */
#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__,        \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The errors a core function may give on hostile input: anything else
 * (ENOENT, EIO, EENV...) from an in-memory parse is a bug. */
static inline int fuzz_input_error(enum cmfv_err e)
{
	return e == CMFV_EINPUT || e == CMFV_ENOMEM;
}

/* An in-memory source, as cmfv_sources_read would make it: NUL-terminated
 * text that may hold NUL bytes. Free with fuzz_source_free. */
static inline struct cmfv_source *fuzz_source(const uint8_t *data, size_t size, const char *name)
{
	struct cmfv_source *s = calloc(1, sizeof(*s));

	if (s == NULL)
		abort();
	s->name = strdup(name);
	s->text = malloc(size + 1);
	if (s->name == NULL || s->text == NULL)
		abort();
	if (size)
		memcpy(s->text, data, size);
	s->text[size] = '\0';
	s->len = size;
	return s;
}

static inline void fuzz_source_free(struct cmfv_source *s)
{
	free(s->name);
	free(s->text);
	free(s);
}

/* Emit \p n as JSON into \p out; parse it back into \p *back. Returns
 * CMFV_OK, or CMFV_ENOMEM (the check cannot go on); aborts when the JSON we
 * printed does not parse. */
static inline enum cmfv_err fuzz_json_cycle(const struct cmfv_node *n, struct cmfv_buf *out,
					    struct cmfv_node **back)
{
	struct cmfv_loc none = {NULL, 0, 0};
	struct cmfv_diag d;
	size_t used = 0;
	enum cmfv_err e;

	cmfv_diag_clear(&d);
	*back = NULL;
	if (cmfv_json_emit(out, n) != CMFV_OK)
		return CMFV_ENOMEM;
	FUZZ_ASSERT(out->ptr != NULL && out->len == strlen(out->ptr));
	/* room for any tree the loaders can build */
	e = cmfv_json_parse(out->ptr, out->len, none, 100000, back, &used, &d);
	if (e == CMFV_ENOMEM)
		return e;
	if (e != CMFV_OK) {
		fprintf(stderr, "emitted JSON does not parse: %s\n%.*s\n", d.msg,
			(int)(out->len > 2000 ? 2000 : out->len), out->ptr);
		abort();
	}
	FUZZ_ASSERT(used == out->len);
	return CMFV_OK;
}

/* JSON out, JSON in, JSON out again: the two texts must be equal, so what
 * `values -o json` prints reads back as the same values. Strings that are
 * not valid UTF-8 (possible from --set, never from YAML or JSON) print as
 * \ufffd, which reads back as U+FFFD: with \p valid_utf8 == 0 the check is
 * one cycle later, once that has happened. */
static inline void fuzz_json_roundtrip(const struct cmfv_node *n, int valid_utf8)
{
	struct cmfv_buf a = {0}, b = {0};
	struct cmfv_node *back = NULL, *back2 = NULL;

	if (fuzz_json_cycle(n, &a, &back) != CMFV_OK)
		goto out;
	if (fuzz_json_cycle(back, &b, &back2) != CMFV_OK)
		goto out;
	if (!valid_utf8 && (a.len != b.len || memcmp(a.ptr, b.ptr, a.len) != 0)) {
		/* compare the second and third texts instead */
		cmfv_buf_free(&a);
		a = b;
		memset(&b, 0, sizeof(b));
		cmfv_node_free(back);
		back = back2;
		back2 = NULL;
		if (fuzz_json_cycle(back, &b, &back2) != CMFV_OK)
			goto out;
	}
	if (a.len != b.len || memcmp(a.ptr, b.ptr, a.len) != 0) {
		fprintf(stderr, "JSON round trip differs:\n%.*s\n%.*s\n",
			(int)(a.len > 2000 ? 2000 : a.len), a.ptr,
			(int)(b.len > 2000 ? 2000 : b.len), b.ptr);
		abort();
	}
out:
	cmfv_node_free(back);
	cmfv_node_free(back2);
	cmfv_buf_free(&a);
	cmfv_buf_free(&b);
}

#endif
