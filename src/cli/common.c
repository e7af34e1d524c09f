/* What every command shares: diagnostics and exit codes, the release
 * namespace, the configuration file, the mount settings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmfv/inject.h"
#include "commands.h"

const char *cli_namespace(const struct cli_opts *o)
{
	const char *ns = o->namespace;

	if (ns == NULL || ns[0] == '\0')
		ns = getenv("HELM_NAMESPACE");
	return ns && ns[0] ? ns : NULL;
}

int cli_print_diag(const struct cmfv_diag *d)
{
	if (d->file[0] && d->line)
		fprintf(stderr, "cmf-validate: %s:%u:%u: %s\n", d->file, d->line, d->col, d->msg);
	else if (d->file[0] && strcmp(d->file, "--set") == 0)
		fprintf(stderr, "cmf-validate: %s\n", d->msg);
	else if (d->file[0])
		fprintf(stderr, "cmf-validate: %s: %s\n", d->file, d->msg);
	else
		fprintf(stderr, "cmf-validate: %s\n", d->msg);
	return cmfv_err_exit_code(d->code);
}

int cli_report_exit(const struct cmfv_report *r, int strict)
{
	return cmfv_report_fails(r, strict) ? EXIT_FINDINGS : EXIT_CLEAN;
}

void cli_today(char buf[11])
{
	const char *env = getenv("CMFV_TODAY");
	time_t now = time(NULL);
	struct tm tm;

	if (env && cmfv_is_date(env)) {
		memcpy(buf, env, 10);
		buf[10] = '\0';
		return;
	}
	localtime_r(&now, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
}

int cli_load_config(const struct cli_opts *o, struct cmfv_sources *src, struct cmfv_config **cfg)
{
	const char *path = o->config;
	const struct cmfv_source *s;
	struct cmfv_diag d;

	*cfg = NULL;
	if (path == NULL) {
		if (access(".cmf-validate.yaml", F_OK) != 0)
			return 0;
		path = ".cmf-validate.yaml";
	}
	cmfv_diag_clear(&d);
	if (cmfv_sources_read(src, path, 0, &s, &d) != CMFV_OK ||
	    cmfv_config_load(s, cfg, &d) != CMFV_OK)
		return cli_print_diag(&d);
	return 0;
}

void cli_inject_opts(const struct cli_opts *o, const struct cli_run *run,
		     struct cmfv_inject_opts *io)
{
	const struct cmfv_config *c = run->config;

	memset(io, 0, sizeof(*io));
	io->deployment = o->deployment ? o->deployment : c ? c->deployment : NULL;
	io->container = o->container ? o->container : c ? c->container : NULL;
	io->mount_path = o->mount_path ? o->mount_path : c ? c->mount_path : NULL;
	io->volume_name = o->volume_name ? o->volume_name : c ? c->volume_name : NULL;
	io->file_name = o->file_name ? o->file_name : c ? c->file_name : NULL;
	io->secret_name = run->ref.name;
	io->property = run->ref.property;
	/* only a namespace given with -n is certain: $HELM_NAMESPACE may not be
	 * the one Helm used (-n '' takes the kubeconfig's) */
	io->namespace =
	    o->namespace_from_flag && o->namespace && o->namespace[0] ? o->namespace : NULL;
	(void)run;
}

int cli_begin(enum cli_cmd cmd, const char *name, int argc, char **argv, struct cli_opts *o,
	      void (*help)(void), int *rc)
{
	*rc = cli_parse(cmd, name, argc, argv, o);
	if (*rc == 0 && !o->help)
		return 0;
	if (*rc == 0)
		help();
	cli_opts_free(o);
	return 1;
}
