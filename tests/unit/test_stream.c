/* The document splitter: where YAML draws the lines between documents,
 * byte ranges and lines, streaming in bounded memory. */
#include "helpers.h"

#include <errno.h>
#include <stdio.h>

#include "cmfv/alloc.h"
#include "cmfv/stream.h"

#define MAXP 6

struct scase {
	const char *name;
	const char *in;
	size_t len; /* 0 = strlen(in) */
	const char *pieces[MAXP];
	unsigned flags[MAXP];	   /* expected flags, or 0 = do not check */
	unsigned long lines[MAXP]; /* expected first lines, or 0 = do not check */
};

#define S CMFV_DOC_START
#define E CMFV_DOC_END
#define C CMFV_DOC_CONTENT
#define D CMFV_DOC_DIRECTIVES

static const struct scase cases[] = {
    {"empty", "", 0, {NULL}, {0}, {0}},
    {"one bare document", "a: 1\n", 0, {"a: 1\n"}, {C}, {1}},
    {"two explicit",
     "---\na: 1\n---\nb: 2\n",
     0,
     {"---\na: 1\n", "---\nb: 2\n"},
     {S | C, S | C},
     {1, 3}},
    {"helm 3 form",
     "---\n# Source: c/templates/a.yaml\na: 1\n---\n# Source: c/templates/b.yaml\nb: 2\n",
     0,
     {"---\n# Source: c/templates/a.yaml\na: 1\n", "---\n# Source: c/templates/b.yaml\nb: 2\n"},
     {S | C, S | C},
     {1, 4}},
    {"comments before the first marker join it",
     "# head\n\n---\na\n",
     0,
     {"# head\n\n---\na\n"},
     {S | C},
     {1}},
    {"bare then explicit", "a\n---\nb\n", 0, {"a\n", "---\nb\n"}, {C, S | C}, {1, 2}},
    {"end marker keeps trailing comments",
     "a\n...\n# after\nb\n",
     0,
     {"a\n...\n# after\n", "b\n"},
     {C | E, C},
     {1, 4}},
    {"directives belong to the next document",
     "%YAML 1.1\n---\na\n...\n%YAML 1.1\n%TAG ! tag:x,2000:\n---\nb\n",
     0,
     {"%YAML 1.1\n---\na\n...\n", "%YAML 1.1\n%TAG ! tag:x,2000:\n---\nb\n"},
     {D | S | C | E, D | S | C},
     {1, 5}},
    {"percent inside content is content", "a: \"x\n%y\"\n", 0, {"a: \"x\n%y\"\n"}, {C}, {1}},
    {"block scalar holding indented markers",
     "a: |\n  ---\n  ...\n  b\n---\nc\n",
     0,
     {"a: |\n  ---\n  ...\n  b\n", "---\nc\n"},
     {C, S | C},
     {1, 5}},
    {"content on the marker line",
     "--- a\n--- |\n  b\n",
     0,
     {"--- a\n", "--- |\n  b\n"},
     {S | C, S | C},
     {1, 2}},
    {"marker with a comment only", "--- # c\na\n", 0, {"--- # c\na\n"}, {S | C}, {1}},
    {"not markers: ---x, ----, ..x", "---x\n----\n..x\n", 0, {"---x\n----\n..x\n"}, {C}, {1}},
    {"marker followed by a tab", "a\n---\tb\n", 0, {"a\n", "---\tb\n"}, {C, S | C}, {1, 2}},
    {"crlf",
     "---\r\na: 1\r\n---\r\nb\r\n",
     0,
     {"---\r\na: 1\r\n", "---\r\nb\r\n"},
     {S | C | CMFV_DOC_CRLF, S | C | CMFV_DOC_CRLF},
     {1, 3}},
    {"crlf markers", "a\r\n...\r\n---\r\nb\r\n", 0, {"a\r\n...\r\n", "---\r\nb\r\n"}, {0}, {1, 3}},
    {"bom",
     "\xEF\xBB\xBF---\na\n---\nb\n",
     0,
     {"\xEF\xBB\xBF---\na\n", "---\nb\n"},
     {S | C | CMFV_DOC_BOM, S | C},
     {1, 3}},
    {"bom then content",
     "\xEF\xBB\xBF"
     "a: 1\n---\nb\n",
     0,
     {"\xEF\xBB\xBF"
      "a: 1\n",
      "---\nb\n"},
     {C | CMFV_DOC_BOM, S | C},
     {1, 2}},
    {"no final newline", "a\n---\nb", 0, {"a\n", "---\nb"}, {C, S | C}, {1, 2}},
    {"marker at the very end", "a\n---", 0, {"a\n", "---"}, {C, S}, {1, 2}},
    {"empty documents", "---\n---\n", 0, {"---\n", "---\n"}, {S, S}, {1, 2}},
    {"comments only", "# nothing\n\n", 0, {"# nothing\n\n"}, {0}, {1}},
    {"trailing comment stays", "a\n# end\n", 0, {"a\n# end\n"}, {C}, {1}},
    {"repeated end markers", "a\n...\n...\n", 0, {"a\n...\n...\n"}, {C | E}, {1}},
    {"stray end marker first", "...\na\n", 0, {"...\n", "a\n"}, {E, C}, {1, 2}},
    {"top-level list with dashes",
     "- a\n- b\n--- \n- c\n",
     0,
     {"- a\n- b\n", "--- \n- c\n"},
     {C, S | C},
     {1, 3}},
    {"json documents",
     "{\"a\": 1}\n---\n{\"b\":\n  [1, 2]}\n",
     0,
     {"{\"a\": 1}\n", "---\n{\"b\":\n  [1, 2]}\n"},
     {C, S | C},
     {1, 2}},
    {"end then start", "a\n...\n---\nb\n", 0, {"a\n...\n", "---\nb\n"}, {C | E, S | C}, {1, 3}},
    {"end then directive",
     "a\n...\n%YAML 1.2\n---\nb\n",
     0,
     {"a\n...\n", "%YAML 1.2\n---\nb\n"},
     {C | E, D | S | C},
     {1, 3}},
    {"indented markers are content", "a:\n  ---\n b\n", 0, {"a:\n  ---\n b\n"}, {C}, {1}},
    {"blank lines between",
     "a\n\n\n---\n\nb\n\n",
     0,
     {"a\n\n\n", "---\n\nb\n\n"},
     {C, S | C},
     {1, 4}},
    {"nul byte inside",
     "a: \"x\"\n---\nb\0c\n",
     14,
     {"a: \"x\"\n", "---\nb\0c\n"},
     {C, S | C},
     {1, 2}},
};

/* Reads from a string in steps of at most `step` bytes. */
struct src {
	const char *p;
	size_t len, pos, step;
};

static ssize_t src_read(void *ctx, char *buf, size_t n)
{
	struct src *s = ctx;
	size_t k = s->len - s->pos;

	if (k > n)
		k = n;
	if (k > s->step)
		k = s->step;
	memcpy(buf, s->p + s->pos, k);
	s->pos += k;
	return (ssize_t)k;
}

static void check_case(const struct scase *c, struct cmfv_stream *s)
{
	struct cmfv_doc doc;
	struct cmfv_diag d;
	size_t i = 0, len = c->len ? c->len : strlen(c->in);
	unsigned long long off = 0;

	cmfv_diag_clear(&d);
	for (;;) {
		if (cmfv_stream_next(s, &doc, &d) != CMFV_OK)
			fail_msg("%s: error %s", c->name, d.msg);
		if (doc.ptr == NULL)
			break;
		if (i >= MAXP || c->pieces[i] == NULL)
			fail_msg("%s: more pieces than expected (%zu)", c->name, i + 1);
		{
			size_t want = strlen(c->pieces[i]);

			/* a piece with a NUL in it: the rest of the input */
			if (c->len && (i + 1 == MAXP || c->pieces[i + 1] == NULL))
				want = len - (size_t)off;
			if (doc.len != want || memcmp(doc.ptr, c->pieces[i], want) != 0)
				fail_msg("%s: piece %zu is '%.*s', want '%s'", c->name, i,
					 (int)doc.len, doc.ptr, c->pieces[i]);
		}
		if (doc.offset != off)
			fail_msg("%s: piece %zu at offset %llu, want %llu", c->name, i, doc.offset,
				 off);
		if (doc.index != i)
			fail_msg("%s: piece %zu has index %lu", c->name, i, doc.index);
		if (c->flags[i] && doc.flags != c->flags[i])
			fail_msg("%s: piece %zu flags %#x, want %#x", c->name, i, doc.flags,
				 c->flags[i]);
		if (c->lines[i] && doc.line != c->lines[i])
			fail_msg("%s: piece %zu at line %lu, want %lu", c->name, i, doc.line,
				 c->lines[i]);
		off += doc.len;
		i++;
	}
	if (i < MAXP && c->pieces[i] != NULL)
		fail_msg("%s: %zu pieces, want more", c->name, i);
	if (off != len)
		fail_msg("%s: pieces cover %llu bytes of %zu", c->name, off, len);
}

static void test_split_memory(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cmfv_stream *s = NULL;
		const struct scase *c = &cases[i];

		assert_int_equal(
		    cmfv_stream_new_mem(c->in, c->len ? c->len : strlen(c->in), "t", &s), CMFV_OK);
		check_case(c, s);
		cmfv_stream_free(s);
	}
}

/* The same pieces whatever the reads return: 1 byte at a time, 2, 3, ... */
static void test_split_reads(void **state)
{
	static const size_t steps[] = {1, 2, 3, 4, 5, 7, 64, 1 << 20};
	size_t i, k;

	(void)state;
	for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const struct scase *c = &cases[i];
			struct src src = {c->in, c->len ? c->len : strlen(c->in), 0, steps[k]};
			struct cmfv_stream *s = NULL;

			assert_int_equal(cmfv_stream_new(src_read, &src, "t", 0, &s), CMFV_OK);
			check_case(c, s);
			assert_int_equal(cmfv_stream_bytes(s), src.len);
			cmfv_stream_free(s);
		}
}

/* A view grown `step` bytes at a time over a string: the same pieces. */
static int src_grow(void *ctx, size_t *len)
{
	struct src *s = ctx;
	size_t k = s->len - s->pos;

	if (k > s->step)
		k = s->step;
	s->pos += k;
	*len = s->pos;
	return 0;
}

static void test_split_view(void **state)
{
	static const size_t steps[] = {1, 2, 3, 5, 64, 1 << 20};
	size_t i, k;

	(void)state;
	for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const struct scase *c = &cases[i];
			struct src src = {c->in, c->len ? c->len : strlen(c->in), 0, steps[k]};
			struct cmfv_stream *s = NULL;

			assert_int_equal(cmfv_stream_new_view(c->in, src_grow, &src, "t", 0, &s),
					 CMFV_OK);
			check_case(c, s);
			assert_int_equal(cmfv_stream_bytes(s), src.len);
			assert_int_equal(cmfv_stream_peak(s), 0); /* holds nothing */
			cmfv_stream_free(s);
		}
}

static int grow_fails(void *ctx, size_t *len)
{
	int *left = ctx;

	if (*left > 0) {
		(*left)--;
		errno = EINTR; /* retried */
		return -1;
	}
	(void)len;
	errno = EFBIG;
	return -1;
}

/* A view stops one endless document at max_doc, and a growth error is a
 * read error. */
static void test_view_limits(void **state)
{
	size_t big = 3u << 20, i;
	char *text = malloc(big);
	struct src src = {NULL, big, 0, 4096};
	struct cmfv_stream *s = NULL;
	struct cmfv_doc doc;
	struct cmfv_diag d;
	int left = 2;

	(void)state;
	assert_non_null(text);
	memcpy(text, "a: |\n", 5);
	for (i = 5; i < big; i++)
		text[i] = (i % 64) == 63 ? '\n' : (i % 64) < 2 ? ' ' : 'x';
	src.p = text;
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_stream_new_view(text, src_grow, &src, "big", 1u << 20, &s), CMFV_OK);
	assert_int_equal(cmfv_stream_next(s, &doc, &d), CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "larger than 1 MiB"));
	assert_true(src.pos < (2u << 20)); /* stopped there, not at the end */
	cmfv_stream_free(s);

	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_stream_new_view(text, grow_fails, &left, "in", 0, &s), CMFV_OK);
	assert_int_equal(cmfv_stream_next(s, &doc, &d), CMFV_ENOENT);
	assert_non_null(strstr(d.msg, "cannot read"));
	assert_int_equal(left, 0);
	cmfv_stream_free(s);
	free(text);
}

/* A generated stream of many documents, never held whole. */
struct gen {
	unsigned long docs, made;
	char cur[2048];
	size_t len, pos;
};

static ssize_t gen_read(void *ctx, char *buf, size_t n)
{
	struct gen *g = ctx;
	size_t done = 0;

	while (done < n) {
		size_t k;

		if (g->pos == g->len) {
			if (g->made == g->docs)
				break;
			g->len = (size_t)snprintf(
			    g->cur, sizeof(g->cur),
			    "---\n# Source: chart/templates/cm-%lu.yaml\napiVersion: v1\n"
			    "kind: ConfigMap\nmetadata:\n  name: cm-%lu\ndata:\n  script: |\n"
			    "    ---\n    echo %lu\n    ...\n  json: '{\"a\": [1, 2, 3]}'\n"
			    "%0500lu: padding\n",
			    g->made, g->made, g->made, g->made);
			g->pos = 0;
			g->made++;
		}
		k = g->len - g->pos < n - done ? g->len - g->pos : n - done;
		memcpy(buf + done, g->cur + g->pos, k);
		g->pos += k;
		done += k;
	}
	return (ssize_t)done;
}

static void test_bounded_memory(void **state)
{
	struct gen g;
	struct cmfv_stream *s = NULL;
	struct cmfv_doc doc;
	struct cmfv_diag d;
	unsigned long n = 0, line = 1;

	(void)state;
	memset(&g, 0, sizeof(g));
	g.docs = 40000; /* about 28 MB */
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_stream_new(gen_read, &g, "gen", 0, &s), CMFV_OK);
	while (cmfv_stream_next(s, &doc, &d) == CMFV_OK && doc.ptr) {
		if (doc.line != line)
			fail_msg("piece %lu at line %lu, want %lu", n, doc.line, line);
		if (!(doc.flags & CMFV_DOC_START) || memcmp(doc.ptr, "---\n# Source:", 13) != 0)
			fail_msg("piece %lu does not start at its marker", n);
		line += 13;
		n++;
	}
	assert_int_equal(d.code, CMFV_OK);
	assert_int_equal(n, g.docs);
	assert_true(cmfv_stream_bytes(s) > 25u * 1024 * 1024);
	/* two read blocks, not the stream */
	assert_true(cmfv_stream_peak(s) <= 512u * 1024);
	cmfv_stream_free(s);
}

static void test_large_document(void **state)
{
	size_t big = 3u << 20, i;
	char *text = malloc(big + 16);
	struct src src;
	struct cmfv_stream *s = NULL;
	struct cmfv_doc doc;
	struct cmfv_diag d;

	(void)state;
	memcpy(text, "a: |\n", 5);
	for (i = 5; i < big; i++)
		text[i] = (i % 64) == 63 ? '\n' : (i % 64) < 2 ? ' ' : 'x';
	memcpy(text + big, "\n---\nb: 1\n", 10);
	src = (struct src){text, big + 10, 0, 100000};
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_stream_new(src_read, &src, "big", 0, &s), CMFV_OK);
	assert_int_equal(cmfv_stream_next(s, &doc, &d), CMFV_OK);
	assert_int_equal(doc.len, big + 1);
	assert_true(cmfv_stream_peak(s) >= big);
	assert_int_equal(cmfv_stream_next(s, &doc, &d), CMFV_OK);
	assert_int_equal(doc.len, 9);
	assert_int_equal(cmfv_stream_next(s, &doc, &d), CMFV_OK);
	assert_null(doc.ptr);
	cmfv_stream_free(s);

	/* over the cap: an input error naming the line */
	src.pos = 0;
	assert_int_equal(cmfv_stream_new(src_read, &src, "big", 1u << 20, &s), CMFV_OK);
	assert_int_equal(cmfv_stream_next(s, &doc, &d), CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "larger than 1 MiB"));
	assert_int_equal(d.line, 1);
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_stream_next(s, &doc, &d), CMFV_EINPUT); /* spent */
	cmfv_stream_free(s);
	free(text);
}

static ssize_t fail_read(void *ctx, char *buf, size_t n)
{
	(void)ctx;
	(void)buf;
	(void)n;
	errno = EIO;
	return -1;
}

static int eintr_left;

static ssize_t eintr_read(void *ctx, char *buf, size_t n)
{
	if (eintr_left > 0) {
		eintr_left--;
		errno = EINTR;
		return -1;
	}
	return src_read(ctx, buf, n);
}

static void test_read_errors(void **state)
{
	struct cmfv_stream *s = NULL;
	struct cmfv_doc doc;
	struct cmfv_diag d;
	struct src src = {"a\n---\nb\n", 8, 0, 3};

	(void)state;
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_stream_new(fail_read, NULL, "in", 0, &s), CMFV_OK);
	assert_int_equal(cmfv_stream_next(s, &doc, &d), CMFV_ENOENT);
	assert_non_null(strstr(d.msg, "cannot read"));
	cmfv_stream_free(s);

	eintr_left = 3;
	assert_int_equal(cmfv_stream_new(eintr_read, &src, "in", 0, &s), CMFV_OK);
	assert_int_equal(cmfv_stream_next(s, &doc, &d), CMFV_OK);
	assert_int_equal(doc.len, 2);
	cmfv_stream_free(s);
	cmfv_stream_free(NULL);
}

static void test_utf16_rejected(void **state)
{
	static const char *const bad[] = {"\xFF\xFEk\0", "\xFE\xFF\0k", "k\0i\0n\0d\0", "\0k\0i"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cmfv_stream *s = NULL;
		struct cmfv_doc doc;
		struct cmfv_diag d;

		cmfv_diag_clear(&d);
		assert_int_equal(cmfv_stream_new_mem(bad[i], 4, "u16", &s), CMFV_OK);
		assert_int_equal(cmfv_stream_next(s, &doc, &d), CMFV_EINPUT);
		assert_non_null(strstr(d.msg, "UTF-16"));
		cmfv_stream_free(s);
	}
}

static void test_out_of_memory(void **state)
{
	struct src src = {"a\n---\nb\n", 8, 0, 3};
	struct cmfv_stream *s = NULL;
	struct cmfv_doc doc;
	struct cmfv_diag d;

	(void)state;
	cmfv_diag_clear(&d);
	cmfv_alloc_fail_at(1, 1);
	assert_int_equal(cmfv_stream_new(src_read, &src, "in", 0, &s), CMFV_ENOMEM);
	cmfv_alloc_fail_at(2, 1);
	assert_int_equal(cmfv_stream_new(src_read, &src, "in", 0, &s), CMFV_OK);
	assert_int_equal(cmfv_stream_next(s, &doc, &d), CMFV_ENOMEM);
	cmfv_alloc_fail_at(0, 0);
	cmfv_stream_free(s);
}

struct ycase {
	const char *in;
	unsigned long first_line;
	unsigned line, col; /* 0 = valid */
};

static void test_check_yaml(void **state)
{
	static const struct ycase yc[] = {
	    {"a: 1\n", 1, 0, 0},       {"---\n# c\n{\"a\": [1, 2]}\n...\n", 5, 0, 0},
	    {"a: [1, 2\n", 10, 11, 1}, {"a:\n  b: 1\n c: 2\n", 1, 3, 2},
	    {"a: \"x\n", 3, 4, 1},     {"\tkey: 1\n", 1, 1, 1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yc) / sizeof(yc[0]); i++) {
		struct cmfv_doc doc;
		struct cmfv_diag d;
		enum cmfv_err e;

		memset(&doc, 0, sizeof(doc));
		doc.ptr = yc[i].in;
		doc.len = strlen(yc[i].in);
		doc.line = yc[i].first_line;
		cmfv_diag_clear(&d);
		e = cmfv_doc_check_yaml(&doc, "in", &d);
		if (yc[i].line == 0) {
			if (e != CMFV_OK)
				fail_msg("case %zu: %s", i, d.msg);
			continue;
		}
		if (e != CMFV_EINPUT || d.line != yc[i].line || d.col != yc[i].col)
			fail_msg("case %zu: %d at %u:%u (%s), want %u:%u", i, e, d.line, d.col,
				 d.msg, yc[i].line, yc[i].col);
		assert_string_equal(d.file, "in");
	}
}

/* Nesting: as deep as the loader takes it, and no deeper. */
static void test_check_yaml_depth(void **state)
{
	size_t depth, i;

	(void)state;
	for (depth = CMFV_YAML_MAX_DEPTH; depth <= CMFV_YAML_MAX_DEPTH + 1; depth++) {
		char *t = malloc(2 * depth + 2);
		struct cmfv_doc doc;
		struct cmfv_diag d;
		enum cmfv_err e;

		for (i = 0; i < depth; i++) {
			t[i] = '[';
			t[depth + i] = ']';
		}
		t[2 * depth] = '\n';
		memset(&doc, 0, sizeof(doc));
		doc.ptr = t;
		doc.len = 2 * depth + 1;
		doc.line = 7;
		cmfv_diag_clear(&d);
		e = cmfv_doc_check_yaml(&doc, "in", &d);
		if (depth == CMFV_YAML_MAX_DEPTH) {
			if (e != CMFV_OK)
				fail_msg("depth %zu: %s", depth, d.msg);
		} else {
			assert_int_equal(e, CMFV_EINPUT);
			assert_int_equal(d.line, 7);
			assert_int_equal(d.col, CMFV_YAML_MAX_DEPTH + 1);
			assert_non_null(strstr(d.msg, "deeper than the limit of 1000 levels"));
		}
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_memory),     cmocka_unit_test(test_split_reads),
	    cmocka_unit_test(test_split_view),	     cmocka_unit_test(test_view_limits),
	    cmocka_unit_test(test_bounded_memory),   cmocka_unit_test(test_large_document),
	    cmocka_unit_test(test_read_errors),	     cmocka_unit_test(test_utf16_rejected),
	    cmocka_unit_test(test_out_of_memory),    cmocka_unit_test(test_check_yaml),
	    cmocka_unit_test(test_check_yaml_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
