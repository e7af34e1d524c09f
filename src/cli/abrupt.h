/* What goes when the process ends abruptly: on SIGINT, SIGTERM, SIGHUP or
 * SIGQUIT (main.c, the wrapper) and on running out of stack
 * (stack_guard.c). The files being written (safefile) always; besides
 * them the temporaries a command registers here: the wrapper's copy of
 * stdin, its report file and fetched chart, the chart a GitOps check
 * pulled. */
#ifndef CMFV_CLI_ABRUPT_H
#define CMFV_CLI_ABRUPT_H

/** Register \p path (a file, or with \p is_dir a folder removed with all
 * it holds) as it is made, with cmfv_ending_signals_hold around the two
 * (include/cmfv/safefile.h); the path is copied. \return its slot, or -1
 * when it is too long or the table is full (it is then removed only on a
 * normal exit). */
int cli_abrupt_add(const char *path, int is_dir);

/** Forget the slot (before the caller removes the path itself); -1 is
 * fine. */
void cli_abrupt_drop(int slot);

/** Stop a program cmfv_proc_run is running (SIGKILL, reaped), then remove
 * everything registered and the files being written. Only
 * async-signal-safe calls: a folder goes with /bin/rm -rf, run by fork and
 * execve, with the limits we were given. */
void cli_abrupt_cleanup(void);

#endif
