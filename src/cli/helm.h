/* Running Helm from the plugin: which Helm, which major version, and the
 * post-renderer wiring that differs between Helm 3 and Helm 4. */
#ifndef CMFV_CLI_HELM_H
#define CMFV_CLI_HELM_H

#include <stddef.h>
#include <sys/types.h>

/** $HELM_BIN, else "helm". */
char *cli_helm_bin(void);

/** argv vectors hold char *: strings we only borrow go in through this. */
char *cli_unconst(const char *s);

/** Run argv (no shell) with a time limit; its stdout (at most \p max bytes)
 * into \p *out (NUL-terminated, caller frees), stderr passed through to ours
 * when \p pass_stderr. Returns the exit status, 127 when it cannot be run,
 * 124 on timeout, 128+N for signal N. */
int cli_run_capture(char *const argv[], unsigned timeout_s, size_t max, char **out,
		    int pass_stderr);

/** Exit status of a waitpid() status word: 128+N for signal N. */
int cli_status_code(int st);

/** The child cli_run_inherit waits for (0 when none), for signal handlers
 * that pass a signal on. */
extern volatile pid_t cli_inherit_child;

/** Run argv (no shell), stdio inherited; returns its exit status as above. */
int cli_run_inherit(char *const argv[]);

/** Helm's major version (3 or 4) from `helm version`; 0 when helm cannot be
 * run (message printed). */
int cli_helm_major(void);

/** Path of this executable (for Helm 3's --post-renderer); caller frees. */
char *cli_self_path(void);

/** Is the Helm 4 post-renderer plugin installed? -1 when helm fails. */
int cli_post_renderer_installed(void);

/** Install or refresh the Helm 4 cmf-post-renderer plugin; prints what it
 * does. Returns 0 or an exit code. */
int cli_install_post_renderer(int quiet);

#endif
