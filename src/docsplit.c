#include "cmfv/docsplit.h"

#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "cmfv/alloc.h"

#define READ_SIZE ((size_t)1 << 20)

/* Does a document start at p (the start of a line), n bytes available,
 * at_eof when nothing follows them? -1: cannot tell yet (need more bytes). */
static int doc_start_at(const char *p, size_t n, int at_eof)
{
	if (n < 3)
		return at_eof ? 0 : (memcmp(p, "---", n) == 0 ? -1 : 0);
	if (p[0] != '-' || p[1] != '-' || p[2] != '-')
		return 0;
	if (n == 3)
		return at_eof ? 1 : -1;
	return p[3] == ' ' || p[3] == '\t' || p[3] == '\r' || p[3] == '\n';
}

/* Is the line at p a `...` document end marker? */
static int doc_end_at(const char *p, size_t n)
{
	return n >= 3 && p[0] == '.' && p[1] == '.' && p[2] == '.' &&
	       (n == 3 || p[3] == ' ' || p[3] == '\t' || p[3] == '\r' || p[3] == '\n');
}

/* The slow, line-by-line search, needed only when a chunk holds a `...`
 * end marker (a `%` directive may then start the next document). */
static size_t next_boundary_slow(const char *buf, size_t from, size_t len, int eof)
{
	size_t i = from;
	int after_end = 0;

	for (;;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t ls;
		int r;

		if (nl == NULL)
			return eof ? len : (size_t)-1;
		if (doc_end_at(buf + i, len - i))
			after_end = 1;
		ls = (size_t)(nl - buf) + 1;
		if (ls >= len)
			return eof ? len : (size_t)-1;
		r = doc_start_at(buf + ls, len - ls, eof);
		if (r < 0)
			return (size_t)-1;
		if (r > 0 || (after_end && buf[ls] == '%'))
			return ls;
		i = ls;
	}
}

/* Find the start of the next chunk after the one beginning at buf[from]
 * (its own first line never ends it). Returns its offset, len when there
 * is none and the stream is at its end, or (size_t)-1 when more input is
 * needed. The common case is one memmem per document. */
static size_t next_boundary(const char *buf, size_t from, size_t len, int eof)
{
	size_t i = from;

	for (;;) {
		const char *hit = memmem(buf + i, len - i, "\n---", 4);
		size_t ls;
		int r;

		if (hit == NULL) {
			/* a marker may straddle the end of what we hold */
			if (!eof)
				return (size_t)-1;
			break;
		}
		ls = (size_t)(hit - buf) + 1;
		r = doc_start_at(buf + ls, len - ls, eof);
		if (r < 0)
			return (size_t)-1;
		if (r > 0) {
			if (memmem(buf + from, ls - from, "\n...", 4) || memcmp(buf + from, "...", len - from < 3 ? len - from : 3) == 0)
				return next_boundary_slow(buf, from, len, eof);
			return ls;
		}
		i = ls;
	}
	if (memmem(buf + from, len - from, "\n...", 4))
		return next_boundary_slow(buf, from, len, eof);
	return len;
}

/* Newlines in p[0..n), a word at a time. */
unsigned cmfv_count_lines(const char *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, nl = 0x0a0a0a0a0a0a0a0au;
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7fu;
	unsigned c = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w, x;

		memcpy(&w, p + i, 8);
		x = w ^ nl;
		/* high bit set in each byte of x that is zero */
		x = ~(((x & low7) + low7) | x | low7);
		/* one bit per newline byte: gather them into a count (no popcnt
		 * instruction needed) */
		c += (unsigned)((((x >> 7) & ones) * ones) >> 56);
	}
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

void cmfv_splitter_init(struct cmfv_splitter *s, int fd, const char *name, size_t max_chunk)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->name = name;
	s->max_chunk = max_chunk ? max_chunk : (size_t)256 << 20;
	s->line = 1;
	s->first = 1;
}

static enum cmfv_err fill(struct cmfv_splitter *s, struct cmfv_diag *d)
{
	ssize_t r;

	/* drop what was given out, keep the chunk in progress */
	if (s->start > 0) {
		memmove(s->buf, s->buf + s->start, s->len - s->start);
		s->len -= s->start;
		s->start = 0;
	}
	if (s->len > s->max_chunk)
		return cmfv_diag_set(d, CMFV_EINPUT, s->name, s->line, 1,
				     "a document is larger than %zu MiB", s->max_chunk >> 20);
	if (s->cap - s->len < READ_SIZE) {
		size_t cap = s->cap ? s->cap * 2 : READ_SIZE * 2;
		char *nb;

		while (cap - s->len < READ_SIZE)
			cap *= 2;
		nb = cmfv_realloc(s->buf, cap);
		if (nb == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory reading %s", s->name);
		s->buf = nb;
		s->cap = cap;
	}
	do
		r = read(s->fd, s->buf + s->len, s->cap - s->len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return cmfv_diag_set(d, CMFV_ENOENT, s->name, 0, 0, "cannot read: %s", strerror(errno));
	if (r == 0)
		s->eof = 1;
	s->len += (size_t)r;
	return CMFV_OK;
}

enum cmfv_err cmfv_splitter_next(struct cmfv_splitter *s, const char **p, size_t *len,
				 unsigned *line, int *done, struct cmfv_diag *d)
{
	size_t end;
	enum cmfv_err e;

	*done = 0;
	*len = 0;
	for (;;) {
		if (s->start >= s->len && s->eof) {
			*done = 1;
			return CMFV_OK;
		}
		if (s->start < s->len) {
			end = next_boundary(s->buf, s->start, s->len, s->eof);
			if (end != (size_t)-1)
				break;
		}
		e = fill(s, d);
		if (e != CMFV_OK)
			return e;
	}
	*p = s->buf + s->start;
	*len = end - s->start;
	*line = s->line;
	s->line += cmfv_count_lines(*p, *len);
	s->start = end;
	s->first = 0;
	return CMFV_OK;
}

void cmfv_splitter_prime(struct cmfv_splitter *s, char *buf, size_t len, size_t cap)
{
	s->buf = buf;
	s->len = len;
	s->cap = cap;
}

void cmfv_splitter_free(struct cmfv_splitter *s)
{
	cmfv_free(s->buf);
	s->buf = NULL;
}

enum cmfv_err cmfv_split_buffer(const char *buf, size_t len,
				enum cmfv_err (*fn)(void *ctx, const char *p, size_t n, unsigned line),
				void *ctx, int count)
{
	size_t start = 0;
	unsigned line = 1;

	while (start < len) {
		size_t end = next_boundary(buf, start, len, 1);
		enum cmfv_err e = fn(ctx, buf + start, end - start, line);

		if (e != CMFV_OK)
			return e;
		if (count)
			line += cmfv_count_lines(buf + start, end - start);
		start = end;
	}
	return CMFV_OK;
}

int cmfv_chunk_has_content(const char *p, size_t n)
{
	size_t i = 0;

	if (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
	    (unsigned char)p[2] == 0xBF)
		i = 3;
	while (i < n) {
		size_t e = i;
		const char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - p) : n;
		int marker = doc_start_at(p + i, n - i, 1) > 0 || doc_end_at(p + i, n - i);

		if (marker)
			e = i + 3;
		if (!marker && p[i] == '%')
			e = end;
		while (e < end && (p[e] == ' ' || p[e] == '\t' || p[e] == '\r'))
			e++;
		if (e < end && p[e] != '#')
			return 1;
		i = end + 1;
	}
	return 0;
}
