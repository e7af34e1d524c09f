/* Writing files that no one else can redirect: every file the tool writes
 * (reports, -o FMT=FILE, keygen -o, post-render's spool) goes through here.
 *
 * The folder is reached by an openat walk from / (O_DIRECTORY|O_NOFOLLOW
 * per component, each checked with fstat on the descriptor then used, a
 * symlink read and walked only when its owner passes) and checked on that
 * descriptor; the file is a temporary made in
 * it with O_CREAT|O_EXCL|O_NOFOLLOW and renamed over the target when
 * complete. So a symlink or hard link planted at the target is replaced,
 * never written through, and no file the tool did not create is truncated.
 * A target that is a character device or a FIFO (/dev/null, /dev/stdout on
 * a terminal or a pipe) is written in place, never renamed over: reached by
 * the same walk, opened O_NOFOLLOW|O_NONBLOCK in the checked folder and
 * fstat-checked (a link there only when we or root own it, its target
 * walked likewise; /proc/self/fd names opened by the kernel); a FIFO no one
 * reads gets CMFV_FIFO_WAIT_MS, a FIFO planted in a shared sticky folder
 * is refused. */
#ifndef CMFV_SAFEFILE_H
#define CMFV_SAFEFILE_H

#include <signal.h>
#include <sys/types.h>

#include "cmfv/diag.h"

enum {
	/** The folder is ours (the default report's): missing folders are
	 * created 0700, the last one is opened without following a symlink
	 * and must be owned by us and writable by no one else; every folder
	 * and symlink on the way must be root's or ours. Without it
	 * (a path the user named) the folder may be reached through symlinks
	 * and be anyone's, but not writable by everyone unless it is sticky
	 * (/tmp). */
	CMFV_SF_OWN_DIR = 1,
	/** Never replace: the target must not exist (keygen -o). The file is
	 * created under its own name with O_EXCL|O_NOFOLLOW. */
	CMFV_SF_NO_REPLACE = 2,
	/** Special files are not written in place: a FIFO or device at the
	 * target is replaced like anything else (the default report). */
	CMFV_SF_NO_SPECIAL = 4,
};

struct cmfv_safefile {
	int fd;	      /**< write here; -1 when closed */
	int dirfd;    /**< the checked folder; -1 when written in place */
	char *tmp;    /**< the temporary's name in dirfd; NULL when none */
	char *name;   /**< the target's name in dirfd */
	int in_place; /**< a device or FIFO, written where it is */
	int slot;     /**< its entry for cmfv_safefile_unlink_all; -1 when none */
};

/** Open \p path for writing as described above, with \p mode for the new
 * file (exact: the umask is not applied; pass mode & ~umask for files
 * shared with others). \p sf is caller-owned and always safe to commit or
 * abort afterwards.
 * \return CMFV_OK; CMFV_EUSAGE when the folder fails the checks or the
 *         target exists with CMFV_SF_NO_REPLACE; CMFV_EIO with the OS
 *         reason otherwise; \p d names \p path. */
enum cmfv_err cmfv_safefile_open(const char *path, unsigned flags, mode_t mode,
				 struct cmfv_safefile *sf, struct cmfv_diag *d);

/** Close the file (fsync first with \p sync) and rename the temporary over
 * the target. Everything is released whatever happens; on failure the
 * temporary is removed and the target left as it was.
 * \return CMFV_OK or CMFV_EIO with the OS reason. */
enum cmfv_err cmfv_safefile_commit(struct cmfv_safefile *sf, int sync, struct cmfv_diag *d);

/** Give up: close, remove the temporary (or, with CMFV_SF_NO_REPLACE, the
 * file we created), release everything. NULL or already released is fine. */
void cmfv_safefile_abort(struct cmfv_safefile *sf);

/** Remove every temporary (and every CMFV_SF_NO_REPLACE file) that is
 * open and not yet committed or aborted. Async-signal-safe (a fixed table,
 * unlinkat only): for the CLI's SIGINT/SIGTERM/SIGHUP/SIGQUIT handler,
 * which then dies of the signal. Files are created with those signals
 * blocked in the calling thread until they are in the table, so a signal
 * never leaves one behind when the handler runs in that thread. */
void cmfv_safefile_unlink_all(void);

/** The signals that end the process and take the temporaries with them:
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT. */
void cmfv_ending_signals(sigset_t *set);

/** Hold them in this thread while a temporary is made and entered in a
 * table of what goes on a signal, so that none lands between the two; give
 * the mask in \p old back with cmfv_ending_signals_release. */
void cmfv_ending_signals_hold(sigset_t *old);
void cmfv_ending_signals_release(const sigset_t *old);

/** An anonymous temporary file in folder \p dir (NULL or empty: /tmp):
 * O_TMPFILE where the kernel has it, else mkstemp then unlink, mode 0600,
 * never a name anyone can open. \p *fd caller-owned.
 * \return CMFV_OK or CMFV_EIO with the OS reason. */
enum cmfv_err cmfv_safefile_tmp(const char *dir, int *fd, struct cmfv_diag *d);

#endif
