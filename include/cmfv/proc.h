/* Running another program (kubectl, helm): an argument vector, never a
 * shell; a time limit; stdout and stderr captured with a size cap. */
#ifndef CMFV_PROC_H
#define CMFV_PROC_H

#include <stddef.h>

#include "cmfv/buf.h"

struct cmfv_proc {
	int status;          /**< exit status; 128+N for signal N; see below */
	int timed_out;       /**< killed after the time limit */
	int not_found;       /**< the program could not be executed (status 127) */
	struct cmfv_buf out; /**< stdout (NULL ptr when empty); wipe it if it held secrets */
	struct cmfv_buf err; /**< stderr */
};

/** Run \p argv (argv[0] looked up in PATH) with stdin from /dev/null, for at
 * most \p timeout_s seconds, keeping at most \p max bytes of each stream
 * (the rest is read and dropped). When \p pass_stderr, stderr is not
 * captured but goes to ours. Returns CMFV_OK when the program ran (whatever
 * its status), CMFV_EENV when it could not be started. \p p is zeroed first;
 * free it with cmfv_proc_free. */
int cmfv_proc_run(char *const argv[], unsigned timeout_s, size_t max, int pass_stderr,
		  struct cmfv_proc *p);

/** Free the buffers; \p wipe cleanses stdout first (it held key material). */
void cmfv_proc_free(struct cmfv_proc *p, int wipe);

#endif
