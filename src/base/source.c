#include "cmfv/source.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"

/* Where the last document in b[0, n) starts: after the last line that
 * begins with "---" (the splitter's rule is stricter; this only bounds
 * memory). \p from: where the previous call stopped scanning. */
static size_t last_doc_start(const char *b, size_t from, size_t n, size_t start, size_t *docs)
{
	size_t i = from > 0 ? from - 1 : 0;

	for (; i + 3 <= n; i++)
		if ((i == 0 || b[i - 1] == '\n') && b[i] == '-' && b[i + 1] == '-' &&
		    b[i + 2] == '-') {
			/* the scans overlap by a few bytes: count each start once */
			*docs += i > start || *docs == 0;
			start = i;
		}
	return start;
}

const char *cmfv_size_str(unsigned long long n, char buf[32])
{
	if (n >= (1ULL << 30) && n % (1ULL << 30) == 0)
		snprintf(buf, 32, "%llu GiB", n >> 30);
	else if (n >= (1ULL << 20) && n % (1ULL << 20) == 0)
		snprintf(buf, 32, "%llu MiB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, 32, "%llu KiB", n >> 10);
	else
		snprintf(buf, 32, "%llu bytes", n);
	return buf;
}

static enum cmfv_err too_big(struct cmfv_diag *d, const char *name, unsigned long long have,
			     size_t max)
{
	char lim[32];

	cmfv_size_str(max, lim);
	if (have)
		return cmfv_diag_set(d, CMFV_EINPUT, name, 0, 0,
				     "is %llu bytes, over the %s input limit; raise "
				     "--max-input if it is really meant",
				     have, lim);
	return cmfv_diag_set(d, CMFV_EINPUT, name, 0, 0,
			     "is larger than the %s input limit (stopped reading there); "
			     "raise --max-input if it is really meant",
			     lim);
}

/* A regular file's size is known: refuse it before reading a byte. */
static enum cmfv_err check_size(int fd, const char *name, size_t max, struct cmfv_diag *d)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		off_t at = lseek(fd, 0, SEEK_CUR);
		unsigned long long left = (unsigned long long)(st.st_size - (at > 0 ? at : 0));

		if (left > max)
			return too_big(d, name, left, max);
	}
	return CMFV_OK;
}

/* Any input may be a key file: it is read into a secret buffer (grown by
 * allocate-copy-wipe, wiped when dropped), one byte past \p max so that an
 * over-limit stream is told from one exactly at the limit. */
enum cmfv_err cmfv_read_fd(int fd, const char *name, size_t max, char **buf, size_t *len,
			   struct cmfv_diag *d)
{
	struct cmfv_buf b = CMFV_BUF_SECRET;
	size_t doc = 0, scanned = 0, docs = 0;

	if (check_size(fd, name, max, d) != CMFV_OK)
		return d->code;
	b.max = max + 1;
	for (;;) {
		size_t room = b.max - b.len < 65536 ? b.max - b.len : 65536;
		char *at;
		ssize_t r;

		if (room == 0) {
			cmfv_buf_free(&b);
			return too_big(d, name, 0, max);
		}
		at = cmfv_buf_reserve(&b, room);
		if (at == NULL) {
			cmfv_buf_free(&b);
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory reading %s", name);
		}
		r = read(fd, at, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			cmfv_buf_free(&b);
			return cmfv_diag_set(d, CMFV_ENOENT, name, 0, 0, "cannot read: %s",
					     strerror(e));
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
		/* /dev/zero or one endless document: stop at the document limit */
		doc = last_doc_start(b.ptr, scanned, b.len, doc, &docs);
		scanned = b.len > 2 ? b.len - 2 : 0;
		/* time: each document is read on its own (Helm 4's values), at
		 * a few microseconds each; 29 million tiny ones took a minute */
		if (docs > CMFV_MAX_DOCS) {
			cmfv_buf_free(&b);
			return cmfv_diag_set(
			    d, CMFV_EINPUT, name, 0, 0,
			    "holds more than %d YAML documents (lines starting with "
			    "---); no values, Secret or manifest file has that many",
			    CMFV_MAX_DOCS);
		}
		if (b.len - doc > CMFV_MAX_DOC) {
			cmfv_buf_free(&b);
			return cmfv_diag_set(
			    d, CMFV_EINPUT, name, 0, 0,
			    "one document (or --set-file value) is larger than the "
			    "%zu MiB limit",
			    CMFV_MAX_DOC >> 20);
		}
	}
	if (b.len > max) {
		cmfv_buf_free(&b);
		return too_big(d, name, 0, max);
	}
	if (cmfv_buf_add(&b, "", 0) != CMFV_OK) { /* NUL-terminated, also when empty */
		cmfv_buf_free(&b);
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory reading %s", name);
	}
	*buf = b.ptr; /* the caller owns it now, and wipes it (cmfv_sources_free) */
	*len = b.len;
	return CMFV_OK;
}

/* Reports find a source by name: when one file is read twice (as values
 * and as a Secret), every copy must count as secret, or one could be quoted. */
static int mark_secret(struct cmfv_sources *set, const char *name, int secret)
{
	struct cmfv_source *s;

	for (s = set->head; s; s = s->next)
		if (strcmp(s->name, name) == 0 && s->secret)
			secret = 1;
	if (secret)
		for (s = set->head; s; s = s->next)
			if (strcmp(s->name, name) == 0)
				s->secret = 1;
	return secret;
}

static enum cmfv_err add_owned(struct cmfv_sources *set, const char *name, char *text, size_t len,
			       int secret, const struct cmfv_source **out)
{
	struct cmfv_source *s = cmfv_calloc(1, sizeof(*s));
	struct cmfv_source **tail;

	if (s == NULL || (s->name = cmfv_strdup(name)) == NULL) {
		cmfv_free(s);
		return CMFV_ENOMEM;
	}
	s->text = text;
	s->len = len;
	s->secret = mark_secret(set, name, secret);
	for (tail = &set->head; *tail; tail = &(*tail)->next)
		;
	*tail = s;
	*out = s;
	return CMFV_OK;
}

enum cmfv_err cmfv_sources_add(struct cmfv_sources *set, const char *name, const char *text,
			       size_t len, int secret, const struct cmfv_source **out)
{
	char *copy = cmfv_malloc(len + 1);

	if (copy == NULL)
		return CMFV_ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (add_owned(set, name, copy, len, secret, out) != CMFV_OK) {
		OPENSSL_cleanse(copy, len);
		cmfv_free(copy);
		return CMFV_ENOMEM;
	}
	return CMFV_OK;
}

/* Open \p path for reading without hanging on a FIFO no one writes to
 * (open(2) would wait for a writer forever): opened non-blocking, a FIFO
 * is given CMFV_FIFO_WAIT_MS for a writer to come and write or go, then
 * read as a pipe (blocking). -f <(cmd) is a pipe with its writer already
 * there. The descriptor, or -1 with \p d set. */
static int open_input(const char *path, struct cmfv_diag *d)
{
	struct stat st;
	struct pollfd p;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), r;

	if (fd < 0) {
		cmfv_diag_set(d, CMFV_ENOENT, path, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		p.fd = fd;
		p.events = POLLIN;
		do
			r = poll(&p, 1, CMFV_FIFO_WAIT_MS);
		while (r < 0 && errno == EINTR);
		if (r <= 0) {
			close(fd);
			cmfv_diag_set(d, CMFV_EINPUT, path, 0, 0,
				      "is a FIFO that no one wrote to within %d s: start its "
				      "writer first, or use -f <(command)",
				      CMFV_FIFO_WAIT_MS / 1000);
			return -1;
		}
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

enum cmfv_err cmfv_sources_read(struct cmfv_sources *set, const char *path, int secret,
				const struct cmfv_source **out, struct cmfv_diag *d)
{
	int fd, is_stdin = strcmp(path, "-") == 0;
	const char *shown = is_stdin ? "<stdin>" : path;
	const struct cmfv_source *prev = cmfv_sources_find(set, shown);
	char *buf = NULL;
	size_t len = 0;
	enum cmfv_err e;

	/* A file named twice (a values file that is also a --secret-file,
	 * --manifests read for the key and for the Deployment) is read once,
	 * so every use sees the same bytes; stdin can only be read once. */
	if (prev) {
		mark_secret(set, shown, secret);
		*out = prev;
		return CMFV_OK;
	}
	if (is_stdin) {
		fd = 0;
	} else {
		fd = open_input(path, d);
		if (fd < 0)
			return d->code;
	}
	e = cmfv_read_fd(fd, shown, set->max_input ? set->max_input : CMFV_MAX_INPUT, &buf, &len,
			 d);
	if (!is_stdin)
		close(fd);
	if (e != CMFV_OK)
		return e;
	if (add_owned(set, shown, buf, len, secret, out) != CMFV_OK) {
		OPENSSL_cleanse(buf, len);
		cmfv_free(buf);
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	return CMFV_OK;
}

const struct cmfv_source *cmfv_sources_find(const struct cmfv_sources *set, const char *name)
{
	const struct cmfv_source *s;

	for (s = set->head; s; s = s->next)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

void cmfv_sources_free(struct cmfv_sources *set)
{
	struct cmfv_source *s = set->head;

	while (s) {
		struct cmfv_source *next = s->next;

		if (s->text)
			OPENSSL_cleanse(s->text, s->len);
		cmfv_free(s->text);
		cmfv_free(s->name);
		cmfv_free(s);
		s = next;
	}
	set->head = NULL;
}
