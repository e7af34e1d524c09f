/* Splitting a stream of YAML documents as YAML does, without parsing it:
 * a document starts at a `---` line (column 0, then space, tab, CR, LF or
 * the end) or, after a `...` end marker, at a `%` directive. Block scalars
 * cannot hold a column-0 line, so indented `---` text never splits. Every
 * byte of the input belongs to exactly one chunk, so writing the chunks out
 * in order gives back the input byte for byte (BOM, CRLF, comments and all).
 * Memory stays bounded by the largest chunk plus one read block. */
#ifndef CMFV_DOCSPLIT_H
#define CMFV_DOCSPLIT_H

#include <stddef.h>

#include "cmfv/diag.h"

struct cmfv_splitter {
	int fd;
	const char *name;  /**< for messages */
	char *buf;
	size_t cap, len;   /**< bytes held */
	size_t start;      /**< start of the next chunk in buf */
	size_t max_chunk;  /**< a larger document is an error */
	unsigned line;     /**< 1-based line at buf[start] */
	int eof;
	int first;         /**< no chunk given out yet */
};

/** Read from \p fd (not closed). \p max_chunk 0 = 256 MiB. */
void cmfv_splitter_init(struct cmfv_splitter *s, int fd, const char *name, size_t max_chunk);

/** The next chunk: \p *p / \p *len valid until the next call; \p *line is
 * the line it starts on. Sets \p *done at the end (then len is 0). Errors:
 * CMFV_ENOENT (read error), CMFV_EINPUT (chunk too large), CMFV_ENOMEM. */
enum cmfv_err cmfv_splitter_next(struct cmfv_splitter *s, const char **p, size_t *len,
				 unsigned *line, int *done, struct cmfv_diag *d);

/** Hand the splitter bytes already read from its fd: \p buf (allocated with
 * cmfv_malloc, \p cap bytes, \p len used) becomes its buffer. */
void cmfv_splitter_prime(struct cmfv_splitter *s, char *buf, size_t len, size_t cap);

void cmfv_splitter_free(struct cmfv_splitter *s);

/** Split a buffer in memory: calls \p fn for each chunk; stops on non-OK.
 * Without \p count the line passed is 0 (the caller counts when it needs
 * to: cmfv_count_lines). */
enum cmfv_err cmfv_split_buffer(const char *buf, size_t len,
				enum cmfv_err (*fn)(void *ctx, const char *p, size_t n, unsigned line),
				void *ctx, int count);

/** Number of '\n' bytes in \p p[0..n). */
unsigned cmfv_count_lines(const char *p, size_t n);

/** Is there anything but whitespace, comments, markers and directives in
 * the chunk (is it a document with content)? */
int cmfv_chunk_has_content(const char *p, size_t n);

#endif
