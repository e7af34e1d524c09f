/* Files we write: a checked folder, a temporary made exclusively in it,
 * renamed over the target (include/cmfv/safefile.h). */
#define _GNU_SOURCE /* O_TMPFILE */
#include "cmfv/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/random.h>
#include <sys/vfs.h>
#endif

#include "cmfv/alloc.h"
#include "cmfv/source.h" /* CMFV_FIFO_WAIT_MS */

#define TMP_TRIES 16

static void sf_reset(struct cmfv_safefile *sf)
{
	sf->fd = -1;
	sf->dirfd = -1;
	sf->tmp = NULL;
	sf->name = NULL;
	sf->in_place = 0;
	sf->slot = -1;
}

/* The temporaries that exist right now, for cmfv_safefile_unlink_all in a
 * signal handler: a fixed table (no allocation, no locks), each entry
 * published by its flag after its folder and name are in place. */
#define SLOTS 32

static struct {
	volatile sig_atomic_t used;
	int dirfd;
	char name[256 + 32];
} slots[SLOTS];

static int slot_add(int dirfd, const char *name)
{
	int i;

	if (strlen(name) >= sizeof(slots[0].name))
		return -1;
	for (i = 0; i < SLOTS; i++) {
		if (slots[i].used)
			continue;
		slots[i].dirfd = dirfd;
		memcpy(slots[i].name, name, strlen(name) + 1);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		slots[i].used = 1;
		return i;
	}
	return -1; /* more than SLOTS files at once: not the case here */
}

static void slot_drop(struct cmfv_safefile *sf)
{
	if (sf->slot >= 0)
		slots[sf->slot].used = 0;
	sf->slot = -1;
}

void cmfv_safefile_unlink_all(void)
{
	int i;

	for (i = 0; i < SLOTS; i++)
		if (slots[i].used)
			unlinkat(slots[i].dirfd, slots[i].name, 0);
}

void cmfv_ending_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

/* Signals that end the process are held from before a file is created
 * until it is in the table (or gone), so none lands in between. The CLI
 * takes them in the thread that does the work (src/cli/main.c). */
void cmfv_ending_signals_hold(sigset_t *old)
{
	sigset_t set;

	cmfv_ending_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

void cmfv_ending_signals_release(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

static enum cmfv_err os_fail(struct cmfv_diag *d, const char *path, const char *what, int e)
{
	return cmfv_diag_set(d, CMFV_EIO, path, 0, 0, "%s: %s", what, strerror(e));
}

/* A folder on the way is refused when someone other than root or us could
 * choose what comes after it: writable by everyone without the sticky bit
 * (anyone can rename a folder there and put theirs in its place) or, on
 * the way to our own folder, owned by another user. */
static enum cmfv_err check_step(const char *path, const struct stat *st, int own,
				struct cmfv_diag *d)
{
	if ((st->st_mode & 002) && !(st->st_mode & S_ISVTX))
		return cmfv_diag_set(
		    d, CMFV_EUSAGE, path, 0, 0,
		    "is writable by everyone and not sticky (mode %04o), on the way "
		    "to the %s: refusing to write there",
		    (unsigned)(st->st_mode & 07777), own ? "report folder" : "file");
	if (own && st->st_uid != 0 && st->st_uid != geteuid())
		return cmfv_diag_set(d, CMFV_EUSAGE, path, 0, 0,
				     "is owned by uid %lu (not root, not us), on the way to the "
				     "report folder: refusing to write there",
				     (unsigned long)st->st_uid);
	return CMFV_OK;
}

/* A symlink met on the way is followed only when its owner could have put
 * anything there anyway: root, us, or (for a path the user named) the
 * owner of the folder holding it, as fs.protected_symlinks rules. */
static enum cmfv_err check_link(const char *path, const struct stat *lst, const struct stat *in,
				int own, struct cmfv_diag *d)
{
	if (lst->st_uid == 0 || lst->st_uid == geteuid() || (!own && lst->st_uid == in->st_uid))
		return CMFV_OK;
	return cmfv_diag_set(d, CMFV_EUSAGE, path, 0, 0,
			     "is a symlink owned by uid %lu, on the way to the %s: refusing to "
			     "write there",
			     (unsigned long)lst->st_uid, own ? "report folder" : "file");
}

#define MAX_LINKS 40

/* The next component of \p rest (slashes skipped) into \p comp; \p *last
 * when nothing but slashes follows it. 0 when there is none. */
static int next_comp(const char **rest, char *comp, size_t n, int *last)
{
	const char *p = *rest, *end;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return 0;
	end = strchrnul(p, '/');
	if ((size_t)(end - p) >= n)
		return -1;
	memcpy(comp, p, (size_t)(end - p));
	comp[end - p] = '\0';
	*rest = end;
	while (*end == '/')
		end++;
	*last = *end == '\0';
	return 1;
}

struct walk {
	int fd;		  /* the folder reached so far */
	struct stat st;	  /* what it is */
	char rest[8192];  /* what is left to walk */
	char shown[4096]; /* the path walked, for messages */
	int links;
};

/* Go on from the symlink \p comp in w->fd: its target, then what was left. */
static enum cmfv_err follow_link(struct walk *w, const char *comp, const struct stat *lst, int own,
				 struct cmfv_diag *d)
{
	char target[4096], rest[sizeof(w->rest)];
	ssize_t n;

	if (check_link(w->shown, lst, &w->st, own, d) != CMFV_OK)
		return d->code;
	if (++w->links > MAX_LINKS)
		return os_fail(d, w->shown, "cannot open the folder", ELOOP);
	n = readlinkat(w->fd, comp, target, sizeof(target) - 1);
	if (n <= 0)
		return os_fail(d, w->shown, "cannot read the symlink", n < 0 ? errno : ENOENT);
	target[n] = '\0';
	if ((size_t)snprintf(rest, sizeof(rest), "%s/%s", target, w->rest) >= sizeof(rest))
		return os_fail(d, w->shown, "cannot open the folder", ENAMETOOLONG);
	memcpy(w->rest, rest, sizeof(rest));
	if (target[0] == '/') {
		int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (root < 0 || fstat(root, &w->st) != 0)
			return os_fail(d, "/", "cannot open the folder", errno);
		close(w->fd);
		w->fd = root;
	}
	return CMFV_OK;
}

/* One step down: \p comp opened in w->fd without following a link (a link
 * is read and walked instead), created 0700 when missing in our own tree,
 * and checked on its descriptor. */
static enum cmfv_err step(struct walk *w, const char *comp, int last, int own, struct cmfv_diag *d)
{
	const int fl = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	struct stat st;
	int fd = openat(w->fd, comp, fl);

	if (fd < 0 && errno == ENOENT && own && mkdirat(w->fd, comp, 0700) == 0)
		fd = openat(w->fd, comp, fl);
	/* O_NOFOLLOW|O_DIRECTORY on a symlink: ELOOP, or ENOTDIR on Linux */
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR) &&
	    fstatat(w->fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
		if (own && last)
			return cmfv_diag_set(d, CMFV_EUSAGE, w->shown, 0, 0,
					     "the folder is a symlink: refusing to write there; "
					     "remove it (it is recreated with mode 0700)");
		return follow_link(w, comp, &st, own, d);
	}
	if (fd < 0)
		return os_fail(d, w->shown,
			       errno == ENOTDIR ? "not a folder" : "cannot open the folder", errno);
	if (fstat(fd, &st) != 0 || (!last && check_step(w->shown, &st, own, d) != CMFV_OK)) {
		close(fd);
		return d->code != CMFV_OK ? d->code : os_fail(d, w->shown, "cannot stat", errno);
	}
	close(w->fd);
	w->fd = fd;
	w->st = st;
	return CMFV_OK;
}

/* Open folder \p dir by walking it from "/" (or from the current folder,
 * the caller's choice, for a relative path) one component at a time with
 * openat(O_NOFOLLOW): each folder is checked on the descriptor it is held
 * by, so no one can swap a component between the check and the use, and
 * a symlink is followed only when step and check_link allow it. */
static enum cmfv_err walk_from(int start, const char *dir, int own, int *out, struct cmfv_diag *d)
{
	struct walk *w = cmfv_malloc(sizeof(*w));
	enum cmfv_err e = CMFV_OK;
	char comp[256];
	int last = 0, r;

	if (w == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (strlen(dir) >= sizeof(w->rest)) {
		cmfv_free(w);
		return os_fail(d, dir, "cannot open the folder", ENAMETOOLONG);
	}
	strcpy(w->rest, dir);
	w->shown[0] = '\0';
	w->links = 0;
	w->fd = start >= 0 && dir[0] != '/'
		    ? fcntl(start, F_DUPFD_CLOEXEC, 0)
		    : open(dir[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->fd < 0 || fstat(w->fd, &w->st) != 0)
		e = os_fail(d, dir, "cannot open the folder", errno);
	while (e == CMFV_OK) {
		const char *rest = w->rest;

		r = next_comp(&rest, comp, sizeof(comp), &last);
		if (r <= 0) {
			if (r < 0)
				e = os_fail(d, dir, "cannot open the folder", ENAMETOOLONG);
			break;
		}
		memmove(w->rest, rest, strlen(rest) + 1);
		if (strcmp(comp, ".") == 0)
			continue;
		snprintf(w->shown + strlen(w->shown), sizeof(w->shown) - strlen(w->shown), "%s%s",
			 w->shown[0] || dir[0] == '/' ? "/" : "", comp);
		e = step(w, comp, last, own, d);
	}
	if (e == CMFV_OK)
		*out = w->fd;
	else if (w->fd >= 0)
		close(w->fd);
	cmfv_free(w);
	return e;
}

static enum cmfv_err walk_dir(const char *dir, int own, int *out, struct cmfv_diag *d)
{
	return walk_from(-1, dir, own, out, d);
}

/* A folder the user named: anyone's, but not writable by everyone unless
 * it is sticky (anyone could swap the file there). */
static enum cmfv_err check_named_dir(const char *dir, const struct stat *st, struct cmfv_diag *d)
{
	if ((st->st_mode & 002) != 0 && (st->st_mode & S_ISVTX) == 0)
		return cmfv_diag_set(
		    d, CMFV_EUSAGE, dir, 0, 0,
		    "the folder is writable by everyone and not sticky (mode %04o): "
		    "anyone could swap the file; refusing to write there",
		    (unsigned)(st->st_mode & 07777));
	return CMFV_OK;
}

/* Open the folder and check it on the descriptor (no window between check
 * and use: everything after goes through openat/renameat on it). */
static enum cmfv_err open_dir(const char *dir, unsigned flags, struct cmfv_safefile *sf,
			      struct cmfv_diag *d)
{
	int own = (flags & CMFV_SF_OWN_DIR) != 0;
	struct stat st;

	if (walk_dir(dir, own, &sf->dirfd, d) != CMFV_OK)
		return d->code;
	if (fstat(sf->dirfd, &st) != 0)
		return os_fail(d, dir, "cannot stat the folder", errno);
	if (own && (st.st_uid != geteuid() || (st.st_mode & 022) != 0))
		return cmfv_diag_set(d, CMFV_EUSAGE, dir, 0, 0,
				     "the folder is %s (uid %lu, mode %04o): refusing to write "
				     "there; remove it (it is recreated with mode 0700)",
				     st.st_uid != geteuid() ? "owned by someone else"
							    : "writable by others",
				     (unsigned long)st.st_uid, (unsigned)(st.st_mode & 07777));
	/* A folder the user named may be anyone's (a CI container running as
	 * root in a workspace owned by another uid, a group-shared folder):
	 * with O_EXCL temporaries renamed into place nobody there can make us
	 * write through a link. Anybody at all could swap the finished file in
	 * a world-writable folder without the sticky bit: that one is refused. */
	return own ? CMFV_OK : check_named_dir(dir, &st, d);
}

/* Random bytes for a temporary name (not a secret: O_EXCL makes a guessed
 * one harmless). getrandom(2) first: OpenSSL's generator costs a few
 * milliseconds to set up, a third of a small post-render run. */
static int name_bytes(unsigned char *r, size_t n)
{
#ifdef __linux__
	if (getrandom(r, n, GRND_NONBLOCK) == (ssize_t)n)
		return 1;
#endif
	return RAND_bytes(r, (int)n) == 1;
}

/* ".NAME.XXXXXXXX.tmp" created exclusively, never through a link. */
static enum cmfv_err open_tmp(const char *path, mode_t mode, struct cmfv_safefile *sf,
			      struct cmfv_diag *d)
{
	size_t n = strlen(sf->name) + 32;
	int i, e = EEXIST;

	sf->tmp = cmfv_malloc(n);
	if (sf->tmp == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; i < TMP_TRIES && e == EEXIST; i++) {
		unsigned char r[6];

		if (!name_bytes(r, sizeof(r)))
			return os_fail(d, path, "no random name for a temporary file", EIO);
		sigset_t old;

		snprintf(sf->tmp, n, ".%s.%02x%02x%02x%02x%02x%02x.tmp", sf->name, r[0], r[1], r[2],
			 r[3], r[4], r[5]);
		cmfv_ending_signals_hold(&old);
		sf->fd = openat(sf->dirfd, sf->tmp,
				O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		e = sf->fd < 0 ? errno : 0;
		if (sf->fd >= 0)
			sf->slot = slot_add(sf->dirfd, sf->tmp);
		cmfv_ending_signals_release(&old);
	}
	if (sf->fd < 0) {
		cmfv_free(sf->tmp);
		sf->tmp = NULL;
		return os_fail(d, path, "cannot create a temporary file next to it", e);
	}
	if (fchmod(sf->fd, mode) != 0)
		return os_fail(d, path, "cannot set the mode", errno);
	return CMFV_OK;
}

static enum cmfv_err open_new(const char *path, mode_t mode, struct cmfv_safefile *sf,
			      struct cmfv_diag *d)
{
	sigset_t old;
	int e;

	cmfv_ending_signals_hold(&old);
	sf->fd =
	    openat(sf->dirfd, sf->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	e = errno;
	if (sf->fd >= 0) /* a signal before commit removes it, as abort does */
		sf->slot = slot_add(sf->dirfd, sf->name);
	cmfv_ending_signals_release(&old);
	errno = e;
	if (sf->fd < 0 && (errno == EEXIST || errno == ELOOP))
		return cmfv_diag_set(
		    d, CMFV_EUSAGE, path, 0, 0,
		    "already exists; it is never overwritten: choose another name");
	if (sf->fd < 0)
		return os_fail(d, path, "cannot create", errno);
	/* ours now: abort removes it */
	sf->tmp = cmfv_strdup(sf->name);
	if (sf->tmp == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (fchmod(sf->fd, mode) != 0)
		return os_fail(d, path, "cannot set the mode", errno);
	return CMFV_OK;
}

/* Split \p path into its folder (allocated) and its last name. */
static enum cmfv_err split(const char *path, char **dir, const char **base, struct cmfv_diag *d)
{
	const char *slash = strrchr(path, '/');

	*base = slash ? slash + 1 : path;
	if (**base == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0)
		return cmfv_diag_set(d, CMFV_EUSAGE, path, 0, 0, "names a folder, not a file");
	if (slash == NULL)
		*dir = cmfv_strdup(".");
	else if (slash == path)
		*dir = cmfv_strdup("/");
	else
		*dir = cmfv_strndup(path, (size_t)(slash - path));
	return *dir ? CMFV_OK : cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
}

/* Whether folder \p fd is in procfs (/proc/self/fd): its entries are the
 * kernel's names for descriptors we hold. */
static int in_procfs(int fd)
{
#ifdef __linux__
	struct statfs fs;

	return fstatfs(fd, &fs) == 0 && fs.f_type == 0x9fa0; /* PROC_SUPER_MAGIC */
#else
	(void)fd;
	return 0;
#endif
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Open \p name in \p dfd to append, never blocking: a FIFO no one reads
 * (ENXIO) is tried again for CMFV_FIFO_WAIT_MS, then refused. \p kernel: a
 * descriptor we hold, named in /proc/self/fd (the link is followed by the
 * kernel; a regular file there is the caller's redirection, appended to);
 * else the name itself must be, on the descriptor, the FIFO or device
 * \p seen found there. 1 when open, -1 with \p d set. */
static int open_special(int dfd, const char *name, const struct stat *seen, int kernel,
			const char *path, struct cmfv_safefile *sf, struct cmfv_diag *d)
{
	const int fl =
	    O_WRONLY | O_APPEND | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | (kernel ? 0 : O_NOFOLLOW);
	long long end = now_ms() + CMFV_FIFO_WAIT_MS;
	struct timespec pause = {0, 20 * 1000000};
	struct stat st;
	int fd, fifo = kernel ? fstatat(dfd, name, &st, 0) == 0 && S_ISFIFO(st.st_mode)
			      : S_ISFIFO(seen->st_mode);

	while ((fd = openat(dfd, name, fl)) < 0 && errno == ENXIO && fifo && now_ms() < end)
		nanosleep(&pause, NULL);
	if (fd < 0 && errno == ENXIO && fifo) {
		cmfv_diag_set(d, CMFV_EIO, path, 0, 0,
			      "is a FIFO that no one read from within %d s: not written; start "
			      "its reader first, or name >(command)",
			      CMFV_FIFO_WAIT_MS / 1000);
		return -1;
	}
	if (fd < 0) {
		os_fail(d, path, "cannot open", errno);
		return -1;
	}
	if (fstat(fd, &st) != 0 ||
	    !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || (kernel && S_ISREG(st.st_mode))) ||
	    (!kernel && (st.st_dev != seen->st_dev || st.st_ino != seen->st_ino)) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
		close(fd);
		cmfv_diag_set(d, CMFV_EIO, path, 0, 0,
			      "changed while it was being opened: not written");
		return -1;
	}
	sf->fd = fd;
	sf->in_place = 1;
	return 1;
}

/* Go on from the symlink \p name in \p *dfd to its target: the target's
 * folder walked from there with the same checks as any folder the user
 * names (walk_from), then its last name. -1 with \p d set when refused,
 * 0 when the target names no file (a folder). */
static int next_target(int *dfd, char *name, size_t n, const char *path, struct cmfv_diag *d)
{
	char target[4096], *dir = NULL;
	const char *base;
	struct stat st;
	ssize_t len = readlinkat(*dfd, name, target, sizeof(target) - 1);
	int nd = -1, r = 1;

	if (len <= 0)
		return 0;
	target[len] = '\0';
	if (split(target, &dir, &base, d) != CMFV_OK || strlen(base) >= n) {
		cmfv_diag_clear(d);
		cmfv_free(dir);
		return 0;
	}
	if (walk_from(*dfd, dir, 0, &nd, d) != CMFV_OK || fstat(nd, &st) != 0 ||
	    check_named_dir(path, &st, d) != CMFV_OK)
		r = -1;
	if (r < 0 && d->code == CMFV_OK)
		os_fail(d, path, "cannot stat the folder", errno);
	if (r > 0) {
		close(*dfd);
		*dfd = nd;
		memmove(name, base, strlen(base) + 1);
	} else if (nd >= 0) {
		close(nd);
	}
	cmfv_free(dir);
	return r;
}

/* A FIFO in a shared sticky folder (/tmp) that neither we nor the folder's
 * owner own was planted for us: refused, the rule of fs.protected_fifos
 * whatever the sysctl says (another user would read the report). */
static int planted_fifo(int dfd, const struct stat *fifo, const char *path, struct cmfv_diag *d)
{
	struct stat dir;

	if (fifo->st_uid == geteuid() || fstat(dfd, &dir) != 0 || fifo->st_uid == dir.st_uid ||
	    !(dir.st_mode & S_ISVTX) || !(dir.st_mode & 022))
		return 0;
	cmfv_diag_set(d, CMFV_EUSAGE, path, 0, 0,
		      "is a FIFO owned by uid %lu in a shared sticky folder: refusing to write "
		      "there",
		      (unsigned long)fifo->st_uid);
	return 1;
}

/* A FIFO or character device at \p base in the checked folder (or behind
 * a symlink there that we or root own, its target reached by the same
 * walk) is written in place: renaming over /dev/null is wrong. 1 when
 * opened so, 0 when the target is not one (then it is replaced like any
 * file), -1 with \p d set when refused. */
static int try_in_place(const char *path, const char *base, struct cmfv_safefile *sf,
			struct cmfv_diag *d)
{
	char name[256];
	struct stat st;
	int dfd, links = 0, r = 0;

	if (strlen(base) >= sizeof(name))
		return 0;
	memcpy(name, base, strlen(base) + 1);
	dfd = fcntl(sf->dirfd, F_DUPFD_CLOEXEC, 0);
	if (dfd < 0) {
		os_fail(d, path, "cannot open the folder", errno);
		return -1;
	}
	while (r == 0 && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISFIFO(st.st_mode) && planted_fifo(dfd, &st, path, d))
			r = -1;
		else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))
			r = open_special(dfd, name, &st, 0, path, sf, d);
		else if (!S_ISLNK(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()))
			break; /* a file, or someone else's link: replaced, never followed */
		else if (in_procfs(dfd))
			r = open_special(dfd, name, &st, 1, path, sf, d);
		else if (++links > MAX_LINKS)
			r = -(os_fail(d, path, "cannot open", ELOOP) != CMFV_OK);
		else if ((r = next_target(&dfd, name, sizeof(name), path, d)) == 0)
			break; /* a link to no file: replaced */
		else if (r > 0)
			r = 0; /* go on at its target */
	}
	close(dfd);
	return r;
}

enum cmfv_err cmfv_safefile_open(const char *path, unsigned flags, mode_t mode,
				 struct cmfv_safefile *sf, struct cmfv_diag *d)
{
	const char *base;
	char *dir = NULL;
	enum cmfv_err e;
	int r;

	sf_reset(sf);
	e = split(path, &dir, &base, d);
	if (e == CMFV_OK)
		e = open_dir(dir, flags, sf, d);
	cmfv_free(dir);
	if (e == CMFV_OK && !(flags & (CMFV_SF_NO_SPECIAL | CMFV_SF_NO_REPLACE)) &&
	    (r = try_in_place(path, base, sf, d)) != 0) {
		if (r > 0) { /* written where it is: no folder, no name */
			close(sf->dirfd);
			sf->dirfd = -1;
			return CMFV_OK;
		}
		e = d->code;
	}
	if (e == CMFV_OK && (sf->name = cmfv_strdup(base)) == NULL)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (e == CMFV_OK)
		e = flags & CMFV_SF_NO_REPLACE ? open_new(path, mode, sf, d)
					       : open_tmp(path, mode, sf, d);
	if (e != CMFV_OK)
		cmfv_safefile_abort(sf);
	return e;
}

static void release(struct cmfv_safefile *sf)
{
	slot_drop(sf); /* before its folder's descriptor is closed */
	if (sf->fd >= 0)
		close(sf->fd);
	if (sf->dirfd >= 0)
		close(sf->dirfd);
	cmfv_free(sf->tmp);
	cmfv_free(sf->name);
	sf_reset(sf);
}

/* The temporary into the target's place; 0 or an errno. rename(2) over an
 * existing file makes ext4 (auto_da_alloc) write the new file's blocks out
 * before it returns: 0.15-0.4 ms on every run, for a report that is
 * written each time. Exchanging the two names and then removing the old
 * file, now under the temporary's name, replaces as atomically (a reader
 * finds the old file or the new one, never none) without that flush. Only
 * a file or a link is exchanged; a folder in the way, or a file system
 * that cannot exchange, gets rename's own answer. */
static int put_in_place(struct cmfv_safefile *sf, int sync)
{
#if defined(__linux__) && defined(RENAME_EXCHANGE)
	struct stat st;

	if (!sync && fstatat(sf->dirfd, sf->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
	    renameat2(sf->dirfd, sf->tmp, sf->dirfd, sf->name, RENAME_EXCHANGE) == 0) {
		if (unlinkat(sf->dirfd, sf->tmp, 0) == 0)
			return 0;
		/* what was there cannot go (a folder swapped in meanwhile): put
		 * it back, and rename below says why; if that fails, ours is in
		 * place and the other keeps the temporary's name */
		if (renameat2(sf->dirfd, sf->tmp, sf->dirfd, sf->name, RENAME_EXCHANGE) != 0)
			return 0;
	}
#else
	(void)sync;
#endif
	return renameat(sf->dirfd, sf->tmp, sf->dirfd, sf->name) == 0 ? 0 : errno;
}

enum cmfv_err cmfv_safefile_commit(struct cmfv_safefile *sf, int sync, struct cmfv_diag *d)
{
	int fd = sf->fd, e = 0;

	sf->fd = -1;
	if (fd >= 0 && sync && !sf->in_place && fsync(fd) != 0)
		e = errno;
	if (fd >= 0 && close(fd) != 0 && e == 0)
		e = errno;
	if (e == 0 && sf->tmp && strcmp(sf->tmp, sf->name) != 0)
		e = put_in_place(sf, sync);
	if (e == 0 && sync && sf->dirfd >= 0)
		fsync(sf->dirfd); /* the new name on disk; not all file systems can */
	if (e != 0) {
		cmfv_safefile_abort(sf);
		return cmfv_diag_fail(d, CMFV_EIO, "cannot write the file: %s", strerror(e));
	}
	release(sf);
	return CMFV_OK;
}

void cmfv_safefile_abort(struct cmfv_safefile *sf)
{
	if (sf == NULL)
		return;
	if (sf->fd >= 0)
		close(sf->fd);
	sf->fd = -1;
	if (sf->tmp && sf->dirfd >= 0)
		unlinkat(sf->dirfd, sf->tmp, 0);
	release(sf);
}

/* The folder walked as any other (walk_dir), then O_TMPFILE in it, else a
 * random name made with O_EXCL|O_NOFOLLOW and unlinked at once. */
enum cmfv_err cmfv_safefile_tmp(const char *dir, int *fd, struct cmfv_diag *d)
{
	const char *where = dir && dir[0] ? dir : "/tmp";
	int dfd = -1, f = -1, i, e = EEXIST;

	if (walk_dir(where, 0, &dfd, d) != CMFV_OK)
		return d->code;
#ifdef O_TMPFILE
	f = openat(dfd, ".", O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
#endif
	for (i = 0; f < 0 && i < TMP_TRIES && e == EEXIST; i++) {
		unsigned char r[6];
		char name[40];
		sigset_t old;

		if (!name_bytes(r, sizeof(r)))
			break;
		snprintf(name, sizeof(name), "cmf-validate-%02x%02x%02x%02x%02x%02x", r[0], r[1],
			 r[2], r[3], r[4], r[5]);
		cmfv_ending_signals_hold(&old); /* no signal between the name and its removal */
		f = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		e = f < 0 ? errno : 0;
		if (f >= 0)
			unlinkat(dfd, name, 0);
		cmfv_ending_signals_release(&old);
	}
	close(dfd);
	if (f < 0)
		return os_fail(d, where, "cannot create a temporary file", e);
	*fd = f;
	return CMFV_OK;
}
