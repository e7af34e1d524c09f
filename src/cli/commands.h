/* The commands, one file each (cmd_*.c), and what they share. */
#ifndef CMFV_CLI_COMMANDS_H
#define CMFV_CLI_COMMANDS_H

#include <stdio.h>

#include "cmfv/check.h"
#include "cmfv/config.h"
#include "cmfv/node.h"
#include "cmfv/report.h"
#include "cmfv/safefile.h"
#include "cmfv/source.h"
#include "opts.h"

/* Exit codes (README, "Exit codes"). */
enum cli_exit {
	EXIT_CLEAN = 0,	   /**< no error-level finding */
	EXIT_FINDINGS = 1, /**< an error (or a warning with --strict) */
	EXIT_USAGE = 2,	   /**< usage error or unusable input */
	EXIT_ENV = 3,	   /**< environment failed */
};

int cmd_check(int argc, char **argv);
int cmd_values(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_key_info(int argc, char **argv);
int cmd_post_render(int argc, char **argv);
int cmd_install_post_renderer(int argc, char **argv);
int cmd_wrapper(const char *helm_cmd, int argc, char **argv);
int cmd_flux_patch(int argc, char **argv);

/** check --argocd-app / --helmrelease: one run per Application source or
 * HelmRelease (gitops.c). Returns the exit code. */
int cli_check_gitops(const struct cli_opts *o);

struct cmfv_node;
/** values --argocd-app / --helmrelease: the merged values of the one
 * Application source or HelmRelease in the file (gitops.c). Returns 0 or an
 * exit code after printing the error. */
int cli_values_gitops(const struct cli_opts *o, struct cmfv_sources *src,
		      struct cmfv_node **values);

/** Everything a check run learns. */
struct cli_run {
	struct cmfv_sources sources;
	struct cmfv_node *values; /**< merged values, NULL when none given */
	struct cmfv_keyref ref;
	struct cmfv_report report;
	const char *namespace;	    /**< release namespace or NULL */
	struct cmfv_config *config; /**< the configuration file, or NULL */
	const char *env;	    /**< environment name (config), or NULL */
	char *cmf_path;		    /**< --chart: the CMF chart whose key reference \p ref is
				       ("" for the root, "a.b" for a subchart); NULL without --chart */
};

/** Build values and run every rule that the flags in \p o make possible
 * (values rules, key sources). Returns 0, or 2/3 after printing the input
 * or environment error to stderr. \p run must be zeroed first and is freed
 * with cli_run_free. */
int cli_run_checks(const struct cli_opts *o, struct cli_run *run);

/** The first part of cli_run_checks: the configuration file, the merged
 * values and their key reference (no rules yet). Returns 0, 2 or 3. */
int cli_run_values(const struct cli_opts *o, struct cli_run *run);
void cli_run_free(struct cli_run *run);

/** Write the reports of \p runs in every -o format (cmd_check.c). */
int cli_write_outputs(const struct cli_opts *o, const struct cli_run *runs, size_t nruns);

/** Key-source rules CMF020-CMF027 (keysrc.c). Returns 0, 2 or 3 (after
 * printing the error). */
int cli_check_keys(const struct cli_opts *o, struct cli_run *run);

/** Upgrade guards CMF040-CMF042 (cmd_check.c). Returns 0, 2 or 3. */
int cli_check_upgrade(const struct cli_opts *o, struct cli_run *run);

struct cmfv_inject_opts;
/** The mount's settings: flags, else the configuration file, else the
 * defaults (NULL); the Secret from the run's key reference. */
void cli_inject_opts(const struct cli_opts *o, const struct cli_run *run,
		     struct cmfv_inject_opts *io);

/** The deployed release's values (`$HELM_BIN get values NAME --all -o json`)
 * and its key's KCV (from the CMF Deployment's annotation), for --release
 * (release.c). A release that does not exist leaves both NULL. \p *kcv is
 * owned by \p run (kept in its sources). Returns 0, 2 or 3. */
int cli_release_facts(const struct cli_opts *o, struct cli_run *run, struct cmfv_node **values,
		      const char **kcv);

/** Exit code for a finished report: 1 when an error (or, with \p strict, a
 * warning) is present, else 0. */
int cli_report_exit(const struct cmfv_report *r, int strict);

/** Render \p run's report in \p format ("text", "json", ...) to \p out.
 * Returns 0, 2 for an unknown format, 3 when out of memory. */
int cli_render(const struct cli_opts *o, const struct cli_run *run, const char *format, FILE *out);

/** Render several runs (one per environment) as one report. */
int cli_render_runs(const struct cli_opts *o, const struct cli_run *runs, size_t nruns,
		    const char *format, FILE *out);

/** Load the configuration named by --config, else ./.cmf-validate.yaml when
 * present, into \p *cfg (NULL when there is none). Returns 0, or 2/3 after
 * printing the error. */
int cli_load_config(const struct cli_opts *o, struct cmfv_sources *src, struct cmfv_config **cfg);

/** Today as YYYY-MM-DD ($CMFV_TODAY overrides it, for tests). */
void cli_today(char buf[11]);

/** Is \p format one cli_render knows? */
int cli_format_known(const char *format);

/** -o FORMAT or -o FORMAT=FILE: the format into \p fmt, the file (or NULL)
 * into \p file; 0 when the format is unknown. */
int cli_split_output(const char *spec, char *fmt, size_t fmtsz, const char **file);

/** Print a core error: "cmf-validate: file:line:col: message". Returns
 * the exit code for it. */
int cli_print_diag(const struct cmfv_diag *d);

/** The start every command shares: parse \p argv for \p cmd and, on
 * --help, call \p help. Returns 0 to go on (\p *rc is 0); 1 when the
 * command is done, with its exit code in \p *rc and \p o freed. */
int cli_begin(enum cli_cmd cmd, const char *name, int argc, char **argv, struct cli_opts *o,
	      void (*help)(void), int *rc);

/** The process's umask (read without changing it for long). */
mode_t cli_umask(void);

/** A file to write a report to, through cmfv_safefile (\p flags and \p mode
 * as there): NULL after filling \p d. Close it with cli_safe_close. */
FILE *cli_safe_open(const char *path, unsigned flags, mode_t mode, struct cmfv_safefile *sf,
		    struct cmfv_diag *d);

/** Flush and close \p f, then put the file in place (fsync first with
 * \p sync); with \p keep 0 it is thrown away instead. 0, or -1 with \p d
 * filled. */
int cli_safe_close(FILE *f, struct cmfv_safefile *sf, int keep, int sync, struct cmfv_diag *d);

/** The release namespace from -n or $HELM_NAMESPACE (NULL when neither). */
const char *cli_namespace(const struct cli_opts *o);

#endif
