/* Running another program (kubectl, helm): an argument vector, never a
 * shell; a time limit; stdout and stderr captured with a size cap. */
#ifndef CMFV_PROC_H
#define CMFV_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "cmfv/buf.h"
#include "cmfv/diag.h"

struct cmfv_proc {
	int status;	     /**< exit status; 128+N after signal N; 127 when it could
				  not be executed */
	int timed_out;	     /**< killed (SIGKILL) when the time limit ran out */
	int not_found;	     /**< exec failed (see exec_errno): missing, not executable */
	int exec_errno;	     /**< errno of the failed exec, else 0 */
	int truncated;	     /**< stdout or stderr was longer than the cap; the rest
				  was read and dropped */
	struct cmfv_buf out; /**< stdout, NUL-terminated (ptr NULL when empty) */
	struct cmfv_buf err; /**< stderr, likewise; empty when passed through */
};

struct cmfv_proc_opts {
	unsigned timeout_s; /**< wall-clock limit for the whole run; 0 = 30 s */
	size_t max;	    /**< cap per captured stream; 0 = 16 MiB */
	int pass_stderr;    /**< stderr goes to ours instead of being captured */
	int secret_out;	    /**< stdout holds key material: its buffer is made secret
				 (include/cmfv/buf.h) */
};

/** Run \p argv (argv[0] looked up in PATH, execvp) with stdin from
 * /dev/null and SIGPIPE at its default, capturing stdout (and stderr unless
 * \p o->pass_stderr). When the time limit runs out the child is killed and
 * reaped. \p p is zeroed first and owns the captured buffers: release them
 * with cmfv_proc_free in every case (also on failure).
 * \return CMFV_OK when the program was started, even if exec then failed
 *         (p->not_found) or it was killed; CMFV_EENV when no pipe or process
 *         could be made; CMFV_ENOMEM when a capture buffer could not grow. */
enum cmfv_err cmfv_proc_run_opts(char *const argv[], const struct cmfv_proc_opts *o,
				 struct cmfv_proc *p);

/** cmfv_proc_run_opts with a timeout, a cap and pass_stderr only. */
enum cmfv_err cmfv_proc_run(char *const argv[], unsigned timeout_s, size_t max, int pass_stderr,
			    struct cmfv_proc *p);

/** Free the buffers (a secret one wiped first). NULL is fine. */
void cmfv_proc_free(struct cmfv_proc *p);

/** Let the main thread's stack grow to \p size bytes: the soft
 * RLIMIT_STACK is raised to it, or as far as the hard limit allows (Linux
 * checks the limit each time the stack grows, and leaves at least 128 MiB
 * for it below the mappings whatever the limit was at exec). 1 when the
 * main thread may now use that much, 0 when not (a lower hard limit, or
 * not Linux): then run the work on a thread with a stack that size, and
 * should none be made, on the main thread with what it got. Programs
 * started afterwards get the limit as it was (cmfv_proc_child_limits). */
int cmfv_main_stack_reserve(size_t size);

/** The program cmfv_proc_run_opts is running now, else 0: a handler that
 * ends the process stops it first (a `helm pull` would go on writing into
 * a folder being removed). */
extern volatile pid_t cmfv_proc_running;

/** In a child between fork and exec: the stack limit as we were given it
 * (async-signal-safe). */
void cmfv_proc_child_limits(void);

#endif
