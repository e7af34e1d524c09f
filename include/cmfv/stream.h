/* Splitting a stream of YAML documents into byte ranges, the way YAML
 * draws the lines between documents, without parsing them.
 *
 * A document ends where the next one starts: at a `---` marker line (column
 * 0, then a space, tab, line break or the end), or, after a `...` end
 * marker, at the next line that is not a comment or blank (a `%` directive,
 * `---` or content). Comments and blank lines before the first `---` belong
 * to the document after them; comments after `...` to the document before.
 * Block scalars cannot hold a column-0 line, so indented `---` text inside
 * them never splits. The pieces, written out in order, give back the stream
 * byte for byte.
 *
 * UTF-8 only (a UTF-8 BOM at the very start is kept in the first document);
 * line breaks are LF or CRLF. Memory stays bounded by the largest document
 * plus one read block, whatever the stream's size. */
#ifndef CMFV_STREAM_H
#define CMFV_STREAM_H

#include <stddef.h>
#include <sys/types.h>

#include "cmfv/diag.h"

enum cmfv_doc_flag {
	CMFV_DOC_START = 1 << 0,      /**< has a `---` marker line */
	CMFV_DOC_END = 1 << 1,	      /**< has a `...` marker line */
	CMFV_DOC_DIRECTIVES = 1 << 2, /**< has `%` directive lines */
	CMFV_DOC_CONTENT = 1 << 3,    /**< has content: more than comments, blanks and markers */
	CMFV_DOC_BOM = 1 << 4,	      /**< starts with a UTF-8 BOM (the first document only) */
	CMFV_DOC_CRLF = 1 << 5,	      /**< its first line break is CRLF */
};

/** Is this piece a document (explicit `---`, or content)? A piece that is
 * neither holds only comments, blank lines or a stray `...`. */
#define CMFV_DOC_IS_DOCUMENT(flags) (((flags) & (CMFV_DOC_START | CMFV_DOC_CONTENT)) != 0)

struct cmfv_doc {
	const char *ptr; /**< its bytes; borrowed, valid until the next call */
	size_t len;
	unsigned long long offset; /**< byte offset of ptr[0] in the stream */
	unsigned long line;	   /**< 1-based line of ptr[0] in the stream */
	unsigned long index;	   /**< 0-based number of the piece in the stream */
	unsigned flags;		   /**< enum cmfv_doc_flag bits */
	/** What the splitter saw on its one pass over the bytes, so that the
	 * classifier (classify.h) need not pass over them again: the offsets
	 * from ptr of every line start after a line break whose first byte is
	 * not a space, in order, complete below col0_covered (past it none
	 * were kept: a document of very many such lines). Borrowed, valid until
	 * the next call; NULL/0 when not known. */
	const size_t *col0;
	size_t ncol0, col0_covered;
	int odd_free; /**< 1: certainly no line break but LF and CRLF (no lone CR, NEL, LS, PS) */
};

/** Reads up to \p n bytes into \p buf, like read(2): the count, 0 at the
 * end, -1 with errno set on failure (EINTR is retried by the caller). */
typedef ssize_t (*cmfv_read_fn)(void *ctx, char *buf, size_t n);

struct cmfv_stream;

/** Largest document by default (32 MiB, as CMFV_MAX_DOC in source.h): in
 * memory too (cmfv_stream_new_mem), since the document parsed costs about 4
 * times its size. */
#define CMFV_STREAM_MAX_DOC ((size_t)32 << 20)

/** A splitter reading through \p fn. \p name (borrowed, must outlive the
 * stream) names the input in diagnostics. \p max_doc caps one document (0 =
 * CMFV_STREAM_MAX_DOC). \p *out caller-owned (cmfv_stream_free); CMFV_ENOMEM. */
enum cmfv_err cmfv_stream_new(cmfv_read_fn fn, void *ctx, const char *name, size_t max_doc,
			      struct cmfv_stream **out);

/** Makes more of a view's bytes readable (cmfv_stream_new_view): sets
 * \p *len to how many are readable now from the view's start, the same
 * count at the end. 0, or -1 with errno set (EINTR is retried). */
typedef int (*cmfv_grow_fn)(void *ctx, size_t *len);

/** A splitter over \p len bytes at \p text (borrowed, must outlive it). */
enum cmfv_err cmfv_stream_new_mem(const char *text, size_t len, const char *name,
				  struct cmfv_stream **out);

/** A splitter over memory at \p text that \p fn fills as it is needed (a
 * temporary file mapped while a pipe is copied into it): nothing is copied
 * or held by the splitter, and max_doc still stops one endless document.
 * \p text is borrowed; pieces point into it. */
enum cmfv_err cmfv_stream_new_view(const char *text, cmfv_grow_fn fn, void *ctx, const char *name,
				   size_t max_doc, struct cmfv_stream **out);

/** The next piece into \p doc; at the end CMFV_OK with doc->ptr NULL.
 * Errors: CMFV_ENOENT (read failed, with the OS reason), CMFV_EINPUT
 * (UTF-16/32 input, a document over max_doc), CMFV_ENOMEM. After an error
 * the stream is spent. */
enum cmfv_err cmfv_stream_next(struct cmfv_stream *s, struct cmfv_doc *doc, struct cmfv_diag *d);

/** Whether the splitter may use its AVX2 loop where the CPU has one (1,
 * the default) or keeps to the portable one (0): for tests and benchmarks,
 * which hold both to the same answers. Process-wide. */
void cmfv_stream_use_avx2(int on);

/** Bytes read so far. */
unsigned long long cmfv_stream_bytes(const struct cmfv_stream *s);

/** Largest buffer the stream has held, in bytes (what memory it needed). */
size_t cmfv_stream_peak(const struct cmfv_stream *s);

void cmfv_stream_free(struct cmfv_stream *s);

/** Nesting a document may have: the YAML loader's limit (yaml.h), which
 * libyaml itself enforces too. */
#define CMFV_YAML_MAX_DEPTH 1000

/** Is the piece well-formed YAML, nested at most CMFV_YAML_MAX_DEPTH deep?
 * A libyaml event pass, no tree. Errors: CMFV_EINPUT with \p name and the
 * stream's line and column, CMFV_ENOMEM. */
enum cmfv_err cmfv_doc_check_yaml(const struct cmfv_doc *doc, const char *name,
				  struct cmfv_diag *d);
/** The same, with the flow cost (cmfv_flow_meter) of the documents checked
 * before added in \p *flow_spent: one limit for a whole stream (documents
 * each just under it took 0.3 s apiece). */
enum cmfv_err cmfv_doc_check_yaml_flow(const struct cmfv_doc *doc, const char *name,
				       size_t *flow_spent, struct cmfv_diag *d);

#endif
