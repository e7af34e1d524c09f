#include "cmfv/stream.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <openssl/crypto.h>

#include "cmfv/alloc.h"
#include "cmfv/yaml.h"

/* One read(2) asks for at least this much (cat asks for 128 KiB). */
#define BLOCK ((size_t)128 << 10)
/* Column-0 line starts kept for the classifier, per document: past this
 * (a document of very many top-level lines) it reads the rest itself. */
#define COL0_MAX ((size_t)1 << 16)

enum line_kind { L_BLANK, L_CONTENT, L_START, L_END, L_DIRECTIVE, L_GO_START };

struct cmfv_stream {
	cmfv_read_fn fn;
	void *ctx;
	const char *name;
	size_t max_doc;
	int mem;	   /* buf is the caller's text */
	cmfv_grow_fn grow; /* and this makes more of it readable (a view) */
	char *buf;
	size_t cap, peak;
	size_t beg;		 /* the piece being cut starts here */
	size_t scan;		 /* lines before this are classified; a line start */
	size_t end;		 /* bytes held */
	size_t seek;		 /* no line break in [scan, seek): a long line is
				    searched once, not again after every read */
	unsigned long long base; /* stream offset of buf[0] */
	unsigned long long total;
	int eof, failed, started;
	/* the piece being cut */
	unsigned flags;
	int closed;	     /* a `...` was seen */
	unsigned long line;  /* stream line of buf[beg] */
	unsigned long lines; /* line breaks between beg and scan */
	unsigned long index;
	/* what the classifier is told of the piece (struct cmfv_doc's col0) */
	size_t *col0; /* column-0 line starts, from beg */
	size_t ncol0, col0cap;
	size_t cov; /* SIZE_MAX, or the first one not kept */
	int odd;    /* the piece may hold a line break other than LF and CRLF */
};

static ssize_t fd_read(void *ctx, char *buf, size_t n)
{
	return read(*(const int *)ctx, buf, n);
}

enum cmfv_err cmfv_stream_new(cmfv_read_fn fn, void *ctx, const char *name, size_t max_doc,
			      struct cmfv_stream **out)
{
	struct cmfv_stream *s = cmfv_calloc(1, sizeof(*s));

	if (s == NULL)
		return CMFV_ENOMEM;
	s->fn = fn ? fn : fd_read;
	s->ctx = ctx;
	s->name = name;
	s->max_doc = max_doc ? max_doc : CMFV_STREAM_MAX_DOC;
	s->line = 1;
	s->cov = SIZE_MAX;
	*out = s;
	return CMFV_OK;
}

enum cmfv_err cmfv_stream_new_mem(const char *text, size_t len, const char *name,
				  struct cmfv_stream **out)
{
	enum cmfv_err e = cmfv_stream_new(NULL, NULL, name, 0, out);

	if (e != CMFV_OK)
		return e;
	(*out)->mem = 1;
	(*out)->buf = (char *)(uintptr_t)text; /* never written through */
	(*out)->end = len;
	(*out)->total = len;
	(*out)->eof = 1;
	return CMFV_OK;
}

enum cmfv_err cmfv_stream_new_view(const char *text, cmfv_grow_fn fn, void *ctx, const char *name,
				   size_t max_doc, struct cmfv_stream **out)
{
	enum cmfv_err e = cmfv_stream_new(NULL, ctx, name, max_doc, out);

	if (e != CMFV_OK)
		return e;
	(*out)->mem = 1;
	(*out)->grow = fn;
	(*out)->buf = (char *)(uintptr_t)text; /* never written through */
	return CMFV_OK;
}

unsigned long long cmfv_stream_bytes(const struct cmfv_stream *s)
{
	return s->total;
}

size_t cmfv_stream_peak(const struct cmfv_stream *s)
{
	return s->mem ? 0 : s->peak;
}

void cmfv_stream_free(struct cmfv_stream *s)
{
	if (s == NULL)
		return;
	if (!s->mem && s->buf) {
		/* the manifests may carry the key's Secret (docs/keys.md) */
		OPENSSL_cleanse(s->buf, s->cap);
		cmfv_free(s->buf);
	}
	cmfv_free(s->col0);
	cmfv_free(s);
}

/* Is p[0..n) (one line, its break included) blank or a comment, from i on? */
static int rest_is_blank(const char *p, size_t i, size_t n)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i == n || p[i] == '#';
}

/* A marker: three \p c at the start, then a blank, a break or the end. */
static int is_marker(const char *p, size_t n, char c)
{
	return n >= 3 && p[0] == c && p[1] == c && p[2] == c &&
	       (n == 3 || p[3] == ' ' || p[3] == '\t' || p[3] == '\r' || p[3] == '\n');
}

/* The length of the character at u[0..n) that Go's unicode.IsSpace takes
 * for a space, or 0. */
static size_t go_space(const unsigned char *u, size_t n)
{
	if (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r'))
		return 1;
	if (n >= 2 && u[0] == 0xC2 && (u[1] == 0x85 || u[1] == 0xA0))
		return 2; /* NEL, NBSP */
	if (n < 3)
		return 0;
	if ((u[0] == 0xE1 && u[1] == 0x9A && u[2] == 0x80) ||
	    (u[0] == 0xE2 && u[1] == 0x80 &&
	     (u[2] <= 0x8A || u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF)) ||
	    (u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F) ||
	    (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80))
		return 3;
	return 0;
}

/* Is the line p[0..n) one that Kubernetes' YAML reader (Helm, kubectl,
 * Argo CD: k8s.io/apimachinery's YAMLReader) cuts documents at: `---`,
 * then what strings.TrimSpace leaves empty or starting with `#`? */
static int go_separator(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 3, k;

	if (n < 3 || memcmp(p, "---", 3) != 0)
		return 0;
	while (i < n && (k = go_space(u + i, n - i)) != 0)
		i += k;
	return i == n || u[i] == '#';
}

/* What the line p[0..n) is; *inline_content for `--- text`. */
static enum line_kind classify(const char *p, size_t n, int *inline_content)
{
	*inline_content = 0;
	if (is_marker(p, n, '-')) {
		*inline_content = !rest_is_blank(p, 3, n);
		return L_START;
	}
	/* `---#`, `---` and a NEL, a form feed, a no-break space...: a
	 * document separator to Helm and kubectl, content to YAML */
	if (go_separator(p, n))
		return L_GO_START;
	if (is_marker(p, n, '.'))
		return L_END;
	if (n > 0 && p[0] == '%')
		return L_DIRECTIVE;
	return rest_is_blank(p, 0, n) ? L_BLANK : L_CONTENT;
}

/* The line start at buf[at], whose first byte is not a space, is kept for
 * the classifier. Kept in order, once; when the list cannot grow, the
 * rest of the piece is not kept (cov says from where). */
static void note_col0(struct cmfv_stream *s, size_t at)
{
	size_t rel = at - s->beg, *nv, cap;

	if (rel == 0 || s->cov != SIZE_MAX || (s->ncol0 && s->col0[s->ncol0 - 1] >= rel))
		return;
	if (s->ncol0 == s->col0cap) {
		cap = s->col0cap ? s->col0cap * 2 : 256;
		nv = cap <= COL0_MAX ? cmfv_realloc(s->col0, cap * sizeof(*nv)) : NULL;
		if (nv == NULL) {
			s->cov = rel; /* the classifier reads on from here */
			return;
		}
		s->col0 = nv;
		s->col0cap = cap;
	}
	s->col0[s->ncol0++] = rel;
}

/* Does a line break other than LF and CRLF start at u (libyaml also breaks
 * at a lone CR, NEL, LS and PS)? \p end: where the bytes known end; one
 * that cannot be told yet counts as one (the classifier then looks). */
static int odd_at(const unsigned char *u, const unsigned char *end)
{
	if (u[0] == '\r')
		return u + 1 == end || u[1] != '\n';
	if (u[0] == 0xC2)
		return u + 1 == end || u[1] == 0x85;
	if (u[0] == 0xE2)
		return u + 1 == end ||
		       (u[1] == 0x80 && (u + 2 == end || u[2] == 0xA8 || u[2] == 0xA9));
	return 0;
}

/* Any odd line break in p[0..n), whole lines (or the stream's end)? */
static int odd_in(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, k;

	for (; i + 64 <= n; i += 64) {
		unsigned char hit = 0;

		for (k = 0; k < 64; k++)
			hit |= (unsigned char)((u[i + k] == '\r') | ((u[i + k] & 0xDF) == 0xC2));
		if (hit)
			break;
	}
	for (; i < n; i++)
		if (odd_at(u + i, u + n))
			return 1;
	return 0;
}

/* Set bits in m. By hand: without -mpopcnt the builtin is a library call
 * that took an eighth of post-render's time. */
static unsigned ones(uint64_t m)
{
	m -= (m >> 1) & 0x5555555555555555ULL;
	m = (m & 0x3333333333333333ULL) + ((m >> 2) & 0x3333333333333333ULL);
	m = (m + (m >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
	return (unsigned)((m * 0x0101010101010101ULL) >> 56);
}

/* The 64 bytes at u (u[64] is readable too): bit k of *brk is set when
 * u[k] is a line break, of *col0 when it is one followed by anything but a
 * space; *nbrk counts the breaks. The result is non-zero when a CR or a NEL,
 * LS or PS lead byte is among them: then bit k is set when u[k] is one.
 * SSE2 (every x86-64) where there is one, else a loop. */
static uint64_t block_masks(const unsigned char *u, uint64_t *brk, uint64_t *col0, unsigned *nbrk)
{
	uint64_t n = 0, sp = 0, o = 0;
#if defined(__SSE2__)
	const __m128i lf = _mm_set1_epi8('\n'), blank = _mm_set1_epi8(' ');
	const __m128i cr = _mm_set1_epi8('\r'), df = _mm_set1_epi8((char)0xDF);
	const __m128i c2 = _mm_set1_epi8((char)0xC2);
	__m128i cnt = _mm_setzero_si128(), odd = _mm_setzero_si128();
	int j;

	for (j = 0; j < 4; j++) {
		__m128i a = _mm_loadu_si128((const void *)(u + 16 * j));
		__m128i b = _mm_loadu_si128((const void *)(u + 16 * j + 1));
		__m128i eq = _mm_cmpeq_epi8(a, lf);

		odd = _mm_or_si128(odd, _mm_or_si128(_mm_cmpeq_epi8(a, cr),
						     _mm_cmpeq_epi8(_mm_and_si128(a, df), c2)));
		cnt = _mm_sub_epi8(cnt, eq); /* a break is -1 */
		n |= (uint64_t)(unsigned)_mm_movemask_epi8(eq) << (16 * j);
		sp |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, blank)) << (16 * j);
	}
	/* the breaks counted by summing bytes: cheaper than a popcount */
	cnt = _mm_sad_epu8(cnt, _mm_setzero_si128());
	*nbrk =
	    (unsigned)_mm_cvtsi128_si32(cnt) + (unsigned)_mm_cvtsi128_si32(_mm_srli_si128(cnt, 8));
	if (_mm_movemask_epi8(odd)) /* rare: where, byte by byte */
		for (j = 0; j < 64; j++)
			o |= (uint64_t)((u[j] == '\r') | ((u[j] & 0xDF) == 0xC2)) << j;
#else
	int k;

	for (k = 0; k < 64; k++) {
		n |= (uint64_t)(u[k] == '\n') << k;
		sp |= (uint64_t)(u[k + 1] == ' ') << k;
		o |= (uint64_t)((u[k] == '\r') | ((u[k] & 0xDF) == 0xC2)) << k;
	}
	*nbrk = ones(n);
#endif
	*brk = n;
	*col0 = n & ~sp;
	return o;
}

/* One block's column-0 lines and odd line breaks (the masks above): the
 * offset of the first line start from u that needs a look (`-` or `.`: it
 * may end the piece), with the breaks before it added to s->lines, or 0. */
static inline size_t block_lines(struct cmfv_stream *s, const unsigned char *u, size_t i, size_t n,
				 uint64_t brk, uint64_t col0, uint64_t odd, unsigned long nl)
{
	/* past a stop in this block the bytes may be the next piece's: an
	 * odd break there only makes the classifier look itself */
	for (; odd && !s->odd; odd &= odd - 1)
		s->odd = odd_at(u + i + (unsigned)__builtin_ctzll(odd), u + n);
	for (; col0; col0 &= col0 - 1) {
		unsigned b = (unsigned)__builtin_ctzll(col0);
		unsigned char c = u[i + b + 1];

		if (c == '-' || c == '.') {
			s->lines += nl + ones(brk & ((2ULL << b) - 1));
			return i + b + 1;
		}
		note_col0(s, s->scan + i + b + 1);
	}
	return 0;
}

/* The blocks of u[*ip..n) up to the first stop (returned; 0 when none,
 * *ip then at the first byte not scanned), line breaks counted into *nlp. */
#define BLOCK_LOOP(MASKS)                                                                          \
	do {                                                                                       \
		size_t i = *ip, stop;                                                              \
		unsigned long nl = *nlp;                                                           \
                                                                                                   \
		for (; i + 65 <= n; i += 64) {                                                     \
			uint64_t brk, col0, odd;                                                   \
			unsigned nbrk;                                                             \
                                                                                                   \
			odd = MASKS(u + i, &brk, &col0, &nbrk);                                    \
			if (col0 | odd) {                                                          \
				stop = block_lines(s, u, i, n, brk, col0, odd, nl);                \
				if (stop)                                                          \
					return stop;                                               \
			}                                                                          \
			nl += nbrk;                                                                \
		}                                                                                  \
		*ip = i;                                                                           \
		*nlp = nl;                                                                         \
		return 0;                                                                          \
	} while (0)

static size_t blocks(struct cmfv_stream *s, const unsigned char *u, size_t n, size_t *ip,
		     unsigned long *nlp)
{
	BLOCK_LOOP(block_masks);
}

static int avx2_allowed = 1; /* cmfv_stream_use_avx2 */

void cmfv_stream_use_avx2(int on)
{
	avx2_allowed = on;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2_PATH 1
#include <immintrin.h>
#include "cmfv/cpu.h"

/* block_masks with AVX2, where the CPU has it (checked at run time). */
__attribute__((target("avx2,popcnt"))) static uint64_t
block_masks_avx2(const unsigned char *u, uint64_t *brk, uint64_t *col0, unsigned *nbrk)
{
	const __m256i lf = _mm256_set1_epi8('\n'), blank = _mm256_set1_epi8(' ');
	const __m256i cr = _mm256_set1_epi8('\r'), df = _mm256_set1_epi8((char)0xDF);
	const __m256i c2 = _mm256_set1_epi8((char)0xC2);
	__m256i a0 = _mm256_loadu_si256((const void *)u);
	__m256i a1 = _mm256_loadu_si256((const void *)(u + 32));
	__m256i b0 = _mm256_loadu_si256((const void *)(u + 1));
	__m256i b1 = _mm256_loadu_si256((const void *)(u + 33));
	__m256i odd =
	    _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(a0, cr), _mm256_cmpeq_epi8(a1, cr)),
			    _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_and_si256(a0, df), c2),
					    _mm256_cmpeq_epi8(_mm256_and_si256(a1, df), c2)));
	uint64_t n = (uint64_t)(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a0, lf)) |
		     (uint64_t)(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a1, lf)) << 32;
	uint64_t sp = (uint64_t)(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b0, blank)) |
		      (uint64_t)(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b1, blank)) << 32;
	uint64_t o = 0;
	int j;

	if (_mm256_movemask_epi8(odd)) /* rare: where, byte by byte */
		for (j = 0; j < 64; j++)
			o |= (uint64_t)((u[j] == '\r') | ((u[j] & 0xDF) == 0xC2)) << j;
	*nbrk = (unsigned)__builtin_popcountll(n);
	*brk = n;
	*col0 = n & ~sp;
	return o;
}

__attribute__((target("avx2,popcnt"))) static size_t
blocks_avx2(struct cmfv_stream *s, const unsigned char *u, size_t n, size_t *ip, unsigned long *nlp)
{
	BLOCK_LOOP(block_masks_avx2);
}
#endif

/* In a document's body only a line starting with `-` or `.` can end it.
 * Skip, 64 bytes at a time, the blocks of p[0..n) holding no "\n-" or
 * "\n."; count their line breaks into s->lines. On the way, in the same
 * pass, keep the column-0 line starts and note odd line breaks for the
 * classifier (it then need not read these bytes again). p is a line start
 * (buf[s->scan]); the result is a line start too: either one that needs a
 * look, or the last one before the bytes left unscanned. */
static size_t skip_body(struct cmfv_stream *s, const char *p, size_t n, size_t *clean)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, k, ls = 0, stop;
	unsigned long nl = 0;

	if (u[0] != ' ')
		note_col0(s, s->scan);
#ifdef HAVE_AVX2_PATH
	if (avx2_allowed && cmfv_cpu_avx2())
		stop = blocks_avx2(s, u, n, &i, &nl);
	else
#endif
		stop = blocks(s, u, n, &i, &nl);
	if (stop)
		return stop;
	*clean = 0;
	if (i == 0)
		return 0;
	/* back to the last line start in what was skipped */
	for (ls = i; ls > 0 && u[ls - 1] != '\n'; ls--)
		;
	if (ls == 0)
		*clean = i; /* one long line: no break in p[0..i) */
	/* breaks after that line start were counted but not passed */
	for (k = ls; k < i; k++)
		nl -= u[k] == '\n';
	s->lines += nl;
	return ls;
}

/* The line p[0..n) at buf[s->scan] is passed: told to the classifier. */
static void pass_line(struct cmfv_stream *s, const char *p, size_t n)
{
	if (p[0] != ' ')
		note_col0(s, s->scan);
	if (!s->odd)
		s->odd = odd_in(p, n);
}

/* Make room for a read: drop what was given out, then grow if the piece
 * being cut fills the buffer. */
static enum cmfv_err make_room(struct cmfv_stream *s, struct cmfv_diag *d)
{
	if (s->cap - s->end >= BLOCK)
		return CMFV_OK;
	if (s->beg > 0) {
		memmove(s->buf, s->buf + s->beg, s->end - s->beg);
		s->base += s->beg;
		s->scan -= s->beg;
		s->seek = s->seek > s->beg ? s->seek - s->beg : 0;
		s->end -= s->beg;
		s->beg = 0;
	}
	if (s->cap - s->end < BLOCK) {
		size_t cap = s->cap ? s->cap : 2 * BLOCK;
		char *nb;

		while (cap - s->end < BLOCK)
			cap *= 2;
		/* the old block may hold a Secret */
		nb = cmfv_realloc_wipe(s->buf, s->end, s->cap, cap);
		if (nb == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory reading %s", s->name);
		s->buf = nb;
		s->cap = cap;
		if (cap > s->peak)
			s->peak = cap;
	}
	return CMFV_OK;
}

static enum cmfv_err check_encoding(struct cmfv_stream *s, struct cmfv_diag *d)
{
	const unsigned char *u = (const unsigned char *)s->buf;

	/* UTF-16/32: a BOM of theirs, or a NUL in the first two bytes */
	if (s->end >= 2 && ((u[0] == 0xFE && u[1] == 0xFF) || (u[0] == 0xFF && u[1] == 0xFE) ||
			    u[0] == 0 || u[1] == 0))
		return cmfv_diag_set(d, CMFV_EINPUT, s->name, 1, 1,
				     "the input is UTF-16 or UTF-32: only UTF-8 is supported");
	if (s->end >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
		s->flags |= CMFV_DOC_BOM;
	return CMFV_OK;
}

static enum cmfv_err fill(struct cmfv_stream *s, struct cmfv_diag *d)
{
	ssize_t r;
	enum cmfv_err e;

	if (s->mem && s->grow) {
		size_t len = s->end;
		int g;

		do
			g = s->grow(s->ctx, &len);
		while (g < 0 && errno == EINTR);
		if (g < 0)
			return cmfv_diag_set(d, CMFV_ENOENT, s->name, 0, 0, "cannot read: %s",
					     strerror(errno));
		if (len <= s->end)
			s->eof = 1;
		else
			s->total += len - s->end;
		s->end = len > s->end ? len : s->end;
		return CMFV_OK;
	}
	if (s->mem) {
		s->eof = 1;
		return CMFV_OK;
	}
	e = make_room(s, d);
	if (e != CMFV_OK)
		return e;
	do
		r = s->fn(s->ctx, s->buf + s->end, s->cap - s->end);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return cmfv_diag_set(d, CMFV_ENOENT, s->name, 0, 0, "cannot read: %s",
				     strerror(errno));
	if (r == 0)
		s->eof = 1;
	s->end += (size_t)r;
	s->total += (unsigned long long)r;
	return CMFV_OK;
}

/* Hand out buf[beg..scan) and start a new piece at scan. */
static void cut(struct cmfv_stream *s, struct cmfv_doc *doc)
{
	const char *p = s->buf + s->beg, *nl;
	size_t len = s->scan - s->beg;

	doc->ptr = p;
	doc->len = len;
	doc->offset = s->base + s->beg;
	doc->line = s->line;
	doc->index = s->index++;
	doc->flags = s->flags;
	doc->col0 = s->col0;
	doc->ncol0 = s->ncol0;
	doc->col0_covered = s->cov < len ? s->cov : len;
	doc->odd_free = !s->odd;
	s->ncol0 = 0;
	s->cov = SIZE_MAX;
	s->odd = 0;
	nl = memchr(p, '\n', len);
	if (nl && nl > p && nl[-1] == '\r')
		doc->flags |= CMFV_DOC_CRLF;
	s->line += s->lines;
	s->lines = 0;
	s->flags = 0;
	s->closed = 0;
	s->beg = s->scan;
}

static enum cmfv_err next_piece(struct cmfv_stream *s, struct cmfv_doc *doc, struct cmfv_diag *d);

/* A document held in memory (a mapped file, a short pipe) costs nothing to
 * split, but the one that is parsed costs about 4 times its size: the same
 * cap as for a stream that is read. */
enum cmfv_err cmfv_stream_next(struct cmfv_stream *s, struct cmfv_doc *doc, struct cmfv_diag *d)
{
	enum cmfv_err e = next_piece(s, doc, d);

	if (e == CMFV_OK && doc->ptr && doc->len > s->max_doc) {
		s->failed = 1;
		doc->ptr = NULL;
		return cmfv_diag_set(d, CMFV_EINPUT, s->name, (unsigned)doc->line, 1,
				     "the document at line %lu is larger than %zu MiB", doc->line,
				     s->max_doc >> 20);
	}
	return e;
}

static enum cmfv_err next_piece(struct cmfv_stream *s, struct cmfv_doc *doc, struct cmfv_diag *d)
{
	enum cmfv_err e;

	memset(doc, 0, sizeof(*doc));
	if (s->failed)
		return cmfv_diag_fail(d, CMFV_EINPUT, "%s: the stream failed before", s->name);
	/* the previous piece is given up: its bytes may be reused */
	for (;;) {
		char *p = s->buf ? s->buf + s->scan : NULL;
		size_t avail = s->end - s->scan, n, skip;
		char *nl;
		int inl;
		enum line_kind k;

		/* inside a document only column-0 `---` and `...` matter; a line
		 * already known to be long is left to memchr (from seek), not
		 * scanned again after every read */
		if (s->started && !s->closed && (s->flags & CMFV_DOC_CONTENT) && avail > 0 &&
		    p[0] != '-' && p[0] != '.' && s->seek <= s->scan) {
			size_t clean = 0, adv = skip_body(s, p, avail, &clean);

			if (adv > 0) {
				s->scan += adv;
				continue;
			}
			s->seek = s->scan + clean;
		}
		if (!s->started && (s->end >= 4 || s->eof)) {
			s->started = 1;
			e = check_encoding(s, d);
			if (e != CMFV_OK)
				goto fail;
		}
		nl = NULL;
		if (s->started && avail > 0) {
			size_t from = s->seek > s->scan ? s->seek - s->scan : 0;

			nl = memchr(p + from, '\n', avail - from);
			if (nl == NULL)
				s->seek = s->end;
		}
		if (nl == NULL && !s->eof) {
			/* what is held of this document, the line being read included */
			if (s->end - s->beg > s->max_doc) {
				e = cmfv_diag_set(d, CMFV_EINPUT, s->name, (unsigned)s->line, 1,
						  "the document at line %lu is larger than %zu MiB",
						  s->line, s->max_doc >> 20);
				goto fail;
			}
			e = fill(s, d);
			if (e != CMFV_OK)
				goto fail;
			continue;
		}
		if (avail == 0) {
			/* the end: the last piece, if any */
			if (s->scan > s->beg) {
				cut(s, doc);
				return CMFV_OK;
			}
			return CMFV_OK;
		}
		n = nl ? (size_t)(nl - p) + 1 : avail;
		if (!s->closed && (s->flags & CMFV_DOC_CONTENT) && p[0] != '-' && p[0] != '.') {
			pass_line(s, p, n);
			s->scan += n;
			s->lines += nl != NULL;
			continue;
		}
		skip = s->base + s->scan == 0 && (s->flags & CMFV_DOC_BOM) ? 3 : 0;
		k = classify(p + skip, n - skip, &inl);
		if (k == L_GO_START) {
			e = cmfv_diag_set(
			    d, CMFV_EINPUT, s->name, (unsigned)(s->line + s->lines), 4,
			    "`---` and then a character YAML does not take for a blank "
			    "(`#`, a form feed, a NEL, a no-break space...): Helm and "
			    "kubectl cut documents there, a YAML parser does not; cannot "
			    "verify: put `---` on a line of its own");
			goto fail;
		}
		if (s->closed) {
			if (k != L_BLANK && k != L_END) {
				cut(s, doc);
				return CMFV_OK;
			}
		} else if (s->flags & (CMFV_DOC_START | CMFV_DOC_CONTENT)) {
			if (k == L_START) {
				cut(s, doc);
				return CMFV_OK;
			}
			if (k == L_END) {
				s->closed = 1;
				s->flags |= CMFV_DOC_END;
			} else if (k != L_BLANK) {
				s->flags |= CMFV_DOC_CONTENT;
			}
		} else {
			/* before the document: comments, directives, `---` */
			switch (k) {
			case L_START:
				s->flags |= CMFV_DOC_START | (inl ? CMFV_DOC_CONTENT : 0);
				break;
			case L_END:
				s->closed = 1;
				s->flags |= CMFV_DOC_END;
				break;
			case L_DIRECTIVE:
				s->flags |= CMFV_DOC_DIRECTIVES;
				break;
			case L_CONTENT:
				s->flags |= CMFV_DOC_CONTENT;
				break;
			case L_BLANK:
			case L_GO_START: /* refused above */
				break;
			}
		}
		pass_line(s, p, n);
		s->scan += n;
		s->lines += nl != NULL;
	}
fail:
	s->failed = 1;
	return e;
}

enum cmfv_err cmfv_doc_check_yaml(const struct cmfv_doc *doc, const char *name, struct cmfv_diag *d)
{
	size_t flow = 0;

	return cmfv_doc_check_yaml_flow(doc, name, &flow, d);
}

enum cmfv_err cmfv_doc_check_yaml_flow(const struct cmfv_doc *doc, const char *name,
				       size_t *flow_spent, struct cmfv_diag *d)
{
	yaml_parser_t p;
	yaml_event_t ev;
	enum cmfv_err e = CMFV_OK;
	unsigned long depth = 0;
	int done = 0;
	struct cmfv_flow_meter flow = {0, *flow_spent};

	if (!yaml_parser_initialize(&p))
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)doc->ptr, doc->len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			const char *what = p.problem ? p.problem : "syntax error";

			if (p.error == YAML_MEMORY_ERROR)
				e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			else if (p.error == YAML_READER_ERROR)
				e = cmfv_diag_set(
				    d, CMFV_EINPUT, name, (unsigned)doc->line, 0,
				    "invalid input in the document at line %lu, byte %zu of it: %s",
				    doc->line, p.problem_offset, what);
			else
				e = cmfv_diag_set(d, CMFV_EINPUT, name,
						  (unsigned)(doc->line + p.problem_mark.line),
						  (unsigned)p.problem_mark.column + 1, "%s%s%s",
						  what, p.context ? " " : "",
						  p.context ? p.context : "");
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		if (cmfv_flow_meter_add(&flow, &ev)) {
			e = cmfv_diag_set(d, CMFV_EINPUT, name,
					  (unsigned)(doc->line + ev.start_mark.line),
					  (unsigned)ev.start_mark.column + 1, CMFV_YAML_FLOW_MSG,
					  CMFV_YAML_MAX_FLOW_COST / 1000000);
			done = 1;
		} else if (ev.type == YAML_SEQUENCE_START_EVENT ||
			   ev.type == YAML_MAPPING_START_EVENT) {
			if (++depth > CMFV_YAML_MAX_DEPTH) {
				e = cmfv_diag_set(d, CMFV_EINPUT, name,
						  (unsigned)(doc->line + ev.start_mark.line),
						  (unsigned)ev.start_mark.column + 1,
						  "nesting is deeper than the limit of %d levels",
						  CMFV_YAML_MAX_DEPTH);
				done = 1;
			}
		} else if (ev.type == YAML_SEQUENCE_END_EVENT ||
			   ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		cmfv_yaml_event_wipe(&ev);
	}
	cmfv_yaml_parser_wipe(&p, doc->len);
	*flow_spent = flow.cost;
	return e;
}
