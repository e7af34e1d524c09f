/* The wrapper (helm cmf-validate install|upgrade|template), private parts:
 * reading Helm's command line (wrap_args.c), its temporary files
 * (wrap_files.c) and the chart it fetches (wrap_chart.c), shared with
 * cmd_wrapper.c. */
#ifndef CMFV_WRAP_H
#define CMFV_WRAP_H

#include "cmfv/helmargs.h"
#include "commands.h"

struct wrap {
	const char *cmd;
	int major;
	struct cmfv_helm_flags flags;
	struct cmfv_helm_cmdline cl;
	char **helm; /* argv for helm being built */
	size_t nhelm;
	char **pr; /* post-renderer arguments (values flags etc.) */
	size_t npr;
	char **owned; /* strings made here */
	size_t nowned;
	struct cli_opts o; /* the check */
	const char *release, *chart;
	int dry_client, no_cluster, may_install_pr, generate_name, name_template;
};

/* Temporary files, in static buffers so that a signal handler can remove
 * them: the copy of stdin (-f -), the fetched chart, the report. */
extern char wrap_tmp_stdin[4096];
extern char wrap_tmp_dir[4096];
extern char wrap_tmp_report[4096];

int wrap_push(char ***v, size_t *n, const char *s);
const char *wrap_keep(struct wrap *w, char *s);
const char *wrap_concat(struct wrap *w, const char *a, const char *b);
const char *wrap_long_form(struct wrap *w, const char *name, const char *val);
int wrap_parse_args(struct wrap *w, int argc, char **argv);
void wrap_help(const char *cmd);
int wrap_read_flags(const char *cmd, struct cmfv_helm_flags *f);
int wrap_add_our_flags(struct cmfv_helm_flags *f);
int wrap_positionals(struct wrap *w);
/** Once the temporary in \p buf (one of the three above) exists: removed
 * on a signal or out of stack as well (abrupt.h). */
void wrap_tmp_watch(const char *buf, int is_dir);
void wrap_tmp_cleanup(void);
void wrap_tmp_signals(void);
const char *wrap_tmp_base(void);
int wrap_make_tmp_file(char *buf, size_t n, const char *what);
void wrap_show_report(void);
int wrap_locate_chart(struct wrap *w);

#endif
