/* post-render's input and output (cmd_post_render.c): stdin that is a
 * regular file is mapped (pass 1 drops what it has read; pass 2 maps it
 * again a window at a time); a pipe is kept in memory up to SPOOL_MEM, then
 * copied on into an unlinked temporary file that pass 1 reads through a
 * mapping as it grows (in memory after all when none can be made). */
#define _GNU_SOURCE /* mremap, splice */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif

#include <openssl/crypto.h>

#include "cmfv/alloc.h"
#include "cmfv/redact.h"
#include "cmfv/safefile.h"
#include "cmfv/source.h"
#include "cmfv/stream.h"
#include "post_render.h"

/* "cmf-validate: ..." on stderr, and in the report file. */
void say(struct pr *pr, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cmfv_redact(msg); /* one rule for key text in every message */
	(void)pr;
	/* stderr is copied into pr->notes for the report (cmd_post_render.c) */
	fprintf(stderr, "cmf-validate: %s\n", msg);
}

int say_diag(struct pr *pr, const struct cmfv_diag *d)
{
	if (d->file[0] && d->line)
		say(pr, "%s:%u:%u: %s", d->file, d->line, d->col ? d->col : 1, d->msg);
	else if (d->file[0])
		say(pr, "%s: %s", d->file, d->msg);
	else
		say(pr, "%s", d->msg);
	return cmfv_err_exit_code(d->code);
}

#define COPY_BLOCK ((size_t)128 << 10)
#define SPOOL_MEM ((size_t)8 << 20) /* a pipe's bytes kept in memory before a temporary file */
/* with no temporary file ($TMPDIR unusable), memory holds at most this
 * much of a pipe: past it, exit 3 (it used to take all of --max-input) */
#define NO_SPOOL_MEM ((size_t)96 << 20)
#define SPOOL_STEP ((size_t)1 << 20) /* copied into the temporary file per step of pass 1 */
#define MAP_WINDOW ((size_t)8 << 20) /* a mapped file is dropped or mapped this much at a time */

/* -------------------------------------------------------------- output */

int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy \p n bytes from \p fd at \p off to stdout; 0 or an errno. */
static int copy_fd(int fd, off_t off, unsigned long long n)
{
	static char buf[COPY_BLOCK];

#ifdef __linux__
	while (n > 0) {
		ssize_t w =
		    sendfile(STDOUT_FILENO, fd, &off, n > COPY_BLOCK * 64 ? COPY_BLOCK * 64 : n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EINVAL || errno == ENOSYS))
			break; /* not for these files: copy by hand */
		if (w < 0)
			return errno;
		if (w == 0)
			return EIO; /* the input shrank */
		n -= (unsigned long long)w;
	}
#endif
	while (n > 0) {
		ssize_t r = pread(fd, buf, n > COPY_BLOCK ? COPY_BLOCK : n, off);
		int err;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? errno : EIO;
		err = write_all(STDOUT_FILENO, buf, (size_t)r);
		if (err)
			return err;
		off += r;
		n -= (unsigned long long)r;
	}
	return 0;
}

/* Copy \p n bytes of the regular file \p fd at \p off to stdout through
 * windows of its mapping (no copy when stdout is /dev/null, as for cat). */
static int copy_mapped(int fd, off_t off, unsigned long long n)
{
	long pg = sysconf(_SC_PAGESIZE);

	while (n > 0) {
		off_t base = off - off % pg;
		size_t delta = (size_t)(off - base);
		size_t len = n > MAP_WINDOW ? MAP_WINDOW : (size_t)n;
		void *m = mmap(NULL, len + delta, PROT_READ, MAP_PRIVATE, fd, base);
		int err;

		if (m == MAP_FAILED)
			return copy_fd(fd, off, n);
		err = write_all(STDOUT_FILENO, (const char *)m + delta, len);
		munmap(m, len + delta);
		if (err)
			return err;
		off += (off_t)len;
		n -= len;
	}
	return 0;
}

/* Bytes [from, from+n) of the input to stdout. */
int copy_input(struct pr *pr, unsigned long long from, unsigned long long n)
{
	struct input *in = &pr->in;

	if (n == 0)
		return 0;
	if (in->seekable)
		return copy_mapped(in->fd, in->start + (off_t)from, n);
	if (in->spool >= 0)
		return copy_mapped(in->spool, (off_t)from, n);
	return write_all(STDOUT_FILENO, in->mem + from, (size_t)n);
}

/* --------------------------------------------------------------- input */

/* mem holds a pipe's bytes, and they may carry the key's Secret
 * (docs/keys.md): growing it must not leave a stale copy behind, as
 * realloc would. On Linux it is anonymous memory that mremap grows by
 * moving its pages, not copying them: no copy, and one buffer's worth of
 * memory at the peak. Elsewhere: allocate, copy, wipe the old block. */
#if defined(__linux__) && defined(MREMAP_MAYMOVE)
static char *mem_grow(char *old, size_t oldcap, size_t cap)
{
	void *m = old ? mremap(old, oldcap, cap, MREMAP_MAYMOVE)
		      : mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return m == MAP_FAILED ? NULL : m;
}

static void mem_release(char *m, size_t cap)
{
	munmap(m, cap);
}
#else
static char *mem_grow(char *old, size_t oldcap, size_t cap)
{
	return cmfv_realloc_wipe(old, oldcap, oldcap, cap);
}

static void mem_release(char *m, size_t cap)
{
	(void)cap;
	cmfv_free(m);
}
#endif

/* Drop what mem holds, wiped. mem only ever grows at its end, so [0, len)
 * is all that was written. */
static void mem_wipe_free(struct input *in)
{
	if (in->mem) {
		OPENSSL_cleanse(in->mem, in->len);
		mem_release(in->mem, in->cap);
	}
	in->mem = NULL;
}

/* Room for \p n more bytes in mem; 0 or ENOMEM. */
static int mem_room(struct input *in, size_t n)
{
	size_t cap = in->cap ? in->cap : COPY_BLOCK * 8;
	char *m;

	if (in->len + n <= in->cap)
		return 0;
	while (cap < in->len + n)
		cap *= 2;
	if (cap > COPY_BLOCK * 8 && cap / 2 > in->max)
		return ENOMEM; /* pipe_read stops at max first */
	m = mem_grow(in->mem, in->cap, cap);
	if (m == NULL)
		return ENOMEM;
	in->mem = m;
	in->cap = cap;
	return 0;
}

/* stdin is larger than --max-input: refused (exit 2), nothing written. */
static int over_limit(struct pr *pr)
{
	char lim[32];

	pr->in.over = 1;
	say(pr,
	    "%s: is larger than the %s input limit (stopped reading there); raise "
	    "--max-input if it is really meant",
	    IN_NAME, cmfv_size_str(pr->in.max, lim));
	return EXIT_USAGE;
}

/* A pipe: read up to SPOOL_MEM into memory. The common case (a release is
 * well below that) ends here with the whole input in memory. Past that,
 * the bytes go to an unlinked temporary file, or stay in memory when none
 * can be made. Returns 0, or an exit code after saying why. */
static int read_ahead(struct pr *pr)
{
	struct input *in = &pr->in;
	const char *dir = getenv("TMPDIR");
	struct cmfv_diag d;
	int err;

	while (in->len < SPOOL_MEM) {
		ssize_t r;

		if (mem_room(in, COPY_BLOCK) != 0) {
			say(pr, "out of memory");
			return EXIT_ENV;
		}
		r = read(in->fd, in->mem + in->len, in->cap - in->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			say(pr, "%s: cannot read: %s", IN_NAME, strerror(errno));
			return EXIT_USAGE;
		}
		if (r == 0) {
			in->all_in_mem = 1;
			return 0;
		}
		in->len += (size_t)r;
		if (in->len > in->max)
			return over_limit(pr);
	}
	in->seen = in->len;
	/* anonymous, O_EXCL, 0600: no name anyone else can open */
	cmfv_diag_clear(&d);
	if (cmfv_safefile_tmp(dir, &in->spool, &d) != CMFV_OK) {
		in->no_spool_errno = errno ? errno : EIO;
		in->spool = -1;
		return 0; /* memory it is, up to NO_SPOOL_MEM */
	}
	err = write_all(in->spool, in->mem, in->len);
	if (err) {
		say(pr, "cannot keep a copy of stdin in %s: %s", dir && dir[0] ? dir : "/tmp",
		    strerror(err));
		return EXIT_ENV;
	}
	return 0;
}

/* Up to \p n bytes of stdin appended to the spool: spliced (no copy through
 * our memory) where the kernel can, else read and written. The count, 0 at
 * the end, -1 with errno set; a failed write sets spool_errno. */
static ssize_t spool_more(struct input *in, size_t n)
{
	static char buf[COPY_BLOCK];
	ssize_t r;
	int err;

#ifdef __linux__
	if (in->splice) {
		r = splice(in->fd, NULL, in->spool, NULL, n, SPLICE_F_MOVE);
		if (r >= 0 || errno == EINTR)
			return r;
		if (errno != EINVAL && errno != ENOSYS && errno != EBADF) {
			/* a pipe's read fails no other way: the file's write did */
			in->spool_errno = errno;
			return -1;
		}
		in->splice = 0; /* not between these two: copy by hand */
	}
#endif
	r = read(in->fd, buf, n < sizeof(buf) ? n : sizeof(buf));
	if (r <= 0)
		return r;
	err = write_all(in->spool, buf, (size_t)r);
	OPENSSL_cleanse(buf, (size_t)r); /* the manifests may carry the key's Secret */
	if (err) {
		in->spool_errno = err;
		errno = err;
		return -1;
	}
	return r;
}

/* Pass 1's view of a long pipe grows: up to SPOOL_STEP more bytes of stdin
 * copied into the spool, which pass 1 reads through its mapping. Stops one
 * byte past --max-input (refused: EFBIG). */
static int spool_grow(void *ctx, size_t *len)
{
	struct input *in = ctx;
	unsigned long long want = in->seen + SPOOL_STEP;

	if (want > in->max + 1)
		want = in->max + 1;
	while (in->seen < want) {
		ssize_t r = spool_more(in, (size_t)(want - in->seen));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		in->seen += (unsigned long long)r;
	}
	if (in->seen > in->max) {
		in->over = 1;
		errno = EFBIG;
		return -1;
	}
	*len = (size_t)in->seen;
	return 0;
}

/* Pass 1's reads from a long pipe: what read_ahead kept first, then stdin,
 * copied to the temporary file (or kept in memory). */
static ssize_t pipe_read(void *ctx, char *buf, size_t n)
{
	struct input *in = ctx;
	ssize_t r;
	int err = 0;

	if (in->pos < in->len) {
		size_t k = in->len - in->pos < n ? in->len - in->pos : n;

		memcpy(buf, in->mem + in->pos, k);
		in->pos += k;
		if (in->pos == in->len && in->spool >= 0) {
			/* all of it is in the file now */
			mem_wipe_free(in);
			in->len = in->cap = in->pos = 0;
		}
		return (ssize_t)k;
	}
	r = read(in->fd, buf, n);
	if (r <= 0)
		return r;
	/* the spool (disk) and memory alike stop at --max-input */
	in->seen += (unsigned long long)r;
	if (in->seen > in->max) {
		in->over = 1;
		errno = EFBIG;
		return -1;
	}
	if (in->spool >= 0) {
		err = write_all(in->spool, buf, (size_t)r);
	} else if (in->len + (size_t)r > NO_SPOOL_MEM) {
		err = in->no_spool_errno ? in->no_spool_errno : ENOSPC;
	} else if ((err = mem_room(in, (size_t)r)) == 0) {
		memcpy(in->mem + in->len, buf, (size_t)r);
		in->len += (size_t)r;
		in->pos = in->len;
	}
	if (err) {
		in->spool_errno = err;
		errno = err;
		return -1;
	}
	return r;
}

void input_open(struct input *in, size_t max)
{
	struct stat st;

	memset(in, 0, sizeof(*in));
	in->fd = STDIN_FILENO;
	in->spool = -1;
	in->max = max ? max : CMFV_MAX_INPUT;
	if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		in->start = lseek(in->fd, 0, SEEK_CUR);
		in->seekable = in->start >= 0 && st.st_size >= in->start;
		if (in->seekable)
			in->size = (unsigned long long)(st.st_size - in->start);
	}
}

void input_close(struct input *in)
{
	if (in->spool >= 0)
		close(in->spool);
	mem_wipe_free(in);
}

/* A mapped file that shrinks under us raises SIGBUS: an environment error. */
void on_sigbus(int sig)
{
	static const char msg[] = "cmf-validate: stdin changed while it was being read\n";
	ssize_t w;

	(void)sig;
	w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	_exit(EXIT_ENV);
}

/* Pass 1's loop over a mapping at \p m (the stream's text starts \p delta
 * bytes in): what was read is not needed again here, and is dropped every
 * MAP_WINDOW; *dropped: how much of the mapping is gone. */
static enum cmfv_err scan_loop(struct cmfv_finder *f, struct cmfv_stream *s, char *m, size_t delta,
			       size_t *dropped, struct cmfv_diag *d)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	struct cmfv_doc doc;
	enum cmfv_err e;

	for (;;) {
		size_t done;

		e = cmfv_stream_next(s, &doc, d);
		if (e != CMFV_OK || doc.ptr == NULL)
			break;
		e = cmfv_finder_add(f, &doc, d);
		if (e != CMFV_OK)
			break;
		done = delta + (size_t)(doc.offset + doc.len);
		if (done - *dropped >= MAP_WINDOW) {
			size_t cut = done - done % pg;

			munmap(m + *dropped, cut - *dropped);
			*dropped = cut;
		}
	}
	if (e == CMFV_ENOMEM && d->code == CMFV_OK)
		cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	return e;
}

/* Pass 1 over a mapped regular file; 1 when it could not be mapped. */
static int scan_mapped(struct pr *pr, struct cmfv_finder *f, unsigned long long *total)
{
	struct input *in = &pr->in;
	long pg = sysconf(_SC_PAGESIZE);
	off_t base = in->start - in->start % pg;
	size_t delta = (size_t)(in->start - base), maplen, dropped = 0;
	struct cmfv_stream *s = NULL;
	struct cmfv_diag d;
	enum cmfv_err e;
	char *m;

	if (in->size > in->max) {
		char lim[32];

		say(pr,
		    "%s: is %llu bytes, over the %s input limit; raise --max-input if it "
		    "is really meant",
		    IN_NAME, in->size, cmfv_size_str(in->max, lim));
		return -EXIT_USAGE;
	}
	if (in->size == 0 || in->size > (unsigned long long)SIZE_MAX - delta)
		return 1;
	maplen = (size_t)in->size + delta;
	m = mmap(NULL, maplen, PROT_READ, MAP_PRIVATE, in->fd, base);
	if (m == MAP_FAILED)
		return 1;
	cmfv_diag_clear(&d);
	e = cmfv_stream_new_mem(m + delta, (size_t)in->size, IN_NAME, &s);
	if (e == CMFV_OK)
		e = scan_loop(f, s, m, delta, &dropped, &d);
	*total = in->size;
	cmfv_stream_free(s);
	munmap(m + dropped, maplen - dropped);
	if (e == CMFV_ENOMEM && d.code == CMFV_OK)
		cmfv_diag_fail(&d, CMFV_ENOMEM, "out of memory");
	return e == CMFV_OK ? 0 : -say_diag(pr, &d);
}

/* Pass 1 over a long pipe: the spool mapped once, as large as --max-input
 * allows (pages past what is written are never touched), and read as
 * spool_grow copies stdin into it. 0 when it ran (its result in *e), 1
 * when the spool could not be mapped. */
static int scan_spool(struct pr *pr, struct cmfv_finder *f, unsigned long long *total,
		      enum cmfv_err *e, struct cmfv_diag *d)
{
	struct input *in = &pr->in;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), maplen, dropped = 0;
	struct cmfv_stream *s = NULL;
	char *m;

	if (in->max >= (unsigned long long)SIZE_MAX - SPOOL_STEP - pg)
		return 1;
	maplen = (size_t)in->max + 1;
	maplen += pg - maplen % pg;
	m = mmap(NULL, maplen, PROT_READ, MAP_SHARED, in->spool, 0);
	if (m == MAP_FAILED)
		return 1; /* pipe_read, then */
	/* what read_ahead kept is in the file now */
	mem_wipe_free(in);
	in->len = in->cap = 0;
	in->splice = 1;
	*e = cmfv_stream_new_view(m, spool_grow, in, IN_NAME, 0, &s);
	if (*e == CMFV_OK)
		*e = scan_loop(f, s, m, 0, &dropped, d);
	else
		cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	*total = s ? cmfv_stream_bytes(s) : 0;
	cmfv_stream_free(s);
	munmap(m + dropped, maplen - dropped);
	return 0;
}

/* Pass 1: split the stream and find the Deployment (a copy is kept). */
int scan(struct pr *pr, struct cmfv_finder *f, unsigned long long *total)
{
	struct cmfv_stream *s = NULL;
	struct cmfv_diag d;
	enum cmfv_err e;
	int rc;

	if (pr->in.seekable) {
		rc = scan_mapped(pr, f, total);
		if (rc <= 0)
			return -rc;
		pr->in.seekable = 0; /* cannot be mapped: read it as a pipe */
	}
	rc = read_ahead(pr);
	if (rc != 0)
		return rc;
	cmfv_diag_clear(&d);
	if (pr->in.spool >= 0 && scan_spool(pr, f, total, &e, &d) == 0)
		goto done;
	if (pr->in.all_in_mem)
		e = cmfv_stream_new_mem(pr->in.mem, pr->in.len, IN_NAME, &s);
	else
		e = cmfv_stream_new(pipe_read, &pr->in, IN_NAME, 0, &s);
	if (e != CMFV_OK) {
		say(pr, "out of memory");
		return EXIT_ENV;
	}
	e = cmfv_finder_add_stream(f, s, &d);
	*total = cmfv_stream_bytes(s);
	cmfv_stream_free(s);
done:
	if (e == CMFV_OK)
		return 0;
	if (pr->in.over)
		return over_limit(pr);
	if (pr->in.spool_errno > 0) {
		if (pr->in.spool < 0 && pr->in.no_spool_errno)
			say(pr,
			    "stdin is over %zu MiB and no temporary file could be made in %s (%s): "
			    "set TMPDIR to a writable folder",
			    NO_SPOOL_MEM >> 20,
			    getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp",
			    strerror(pr->in.no_spool_errno));
		else
			say(pr, "cannot keep a copy of stdin: %s", strerror(pr->in.spool_errno));
		return EXIT_ENV;
	}
	return say_diag(pr, &d);
}

/* A read function over the kept input, for a second look. */
ssize_t reread_fn(void *ctx, char *buf, size_t n)
{
	struct reread *rr = ctx;
	struct input *in = &rr->pr->in;
	ssize_t r;

	if (n > rr->total - rr->pos)
		n = (size_t)(rr->total - rr->pos);
	if (n == 0)
		return 0;
	if (!in->seekable && in->spool < 0) {
		memcpy(buf, in->mem + rr->pos, n);
		r = (ssize_t)n;
	} else {
		r = pread(in->seekable ? in->fd : in->spool, buf, n,
			  (in->seekable ? in->start : 0) + (off_t)rr->pos);
	}
	if (r > 0)
		rr->pos += (unsigned long long)r;
	return r;
}
