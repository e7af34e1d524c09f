/* check: the default command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"

static void help(void)
{
	printf(
	    "Usage: cmf-validate [check] [flags]\n\n"
	    "Check a CMF release's encryption setup: the values (merged exactly as Helm merges\n"
	    "them), and optionally the key Secret and the rendered manifests.\n\n"
	    "Examples:\n"
	    "  cmf-validate check -f values-prod.yaml\n"
	    "  cmf-validate check -f values.yaml --set cmf.sql.production=true --secret-file "
	    "key-secret.yaml\n"
	    "  helm cmf-validate check -f values.yaml --cluster -n flink\n"
	    "  cmf-validate check -f values.yaml -o json\n"
	    "  cmf-validate check --chart ./umbrella -f prod.yaml   # every CMF (sub)chart in the "
	    "tree\n"

	    "  cmf-validate check --argocd-app apps/cmf.yaml            (Argo CD, docs/gitops.md)\n"
	    "  cmf-validate check --helmrelease cmf.yaml --manifests cmf-values.yaml   (Flux)\n\n");
	cli_print_flags(CMD_CHECK);
	printf("\nExit codes: 0 no errors, 1 errors (or warnings with --strict), 2 usage or input\n"
	       "error, 3 environment error (kubectl/helm failing, I/O).\n");
}

/* Options for one environment of the configuration file: its values,
 * --set flags and namespace replace the command line's. */
static int env_opts(const struct cli_opts *base, const struct cmfv_env *env, struct cli_opts *o)
{
	unsigned i;
	size_t n = 0;

	*o = *base;
	o->files = NULL;
	o->sets = NULL;
	o->rest = NULL;
	o->nrest = 0;
	o->owned = NULL;
	o->chart = env->chart ? env->chart : base->chart;
	o->nfiles = env->nvalues;
	o->nsets = env->nset + env->nset_string;
	o->files = calloc(env->nvalues + 1, sizeof(*o->files));
	o->sets = calloc(o->nsets + 1, sizeof(*o->sets));
	if (o->files == NULL || o->sets == NULL)
		return EXIT_ENV;
	for (i = 0; i < env->nvalues; i++)
		o->files[i] = env->values[i];
	for (i = 0; i < env->nset; i++, n++)
		o->sets[n] = (struct cmfv_set_flag){CMFV_SET, env->set[i], (unsigned)n + 1};
	for (i = 0; i < env->nset_string; i++, n++)
		o->sets[n] =
		    (struct cmfv_set_flag){CMFV_SET_STRING, env->set_string[i], (unsigned)n + 1};
	if (env->namespace) {
		o->namespace = env->namespace;
		o->namespace_from_flag = 1;
	}
	return 0;
}

static int check_environments(const struct cli_opts *o)
{
	struct cmfv_sources src = {0};
	struct cmfv_config *cfg = NULL;
	struct cli_run *runs = NULL;
	size_t nruns = 0, i;
	int rc, worst = 0;

	src.max_input = o->max_input;
	rc = cli_load_config(o, &src, &cfg);

	if (rc == 0 && cfg == NULL) {
		fprintf(stderr,
			"cmf-validate check: %s needs a configuration file with environments "
			"(--config or .cmf-validate.yaml)\n",
			o->all_environments ? "--all-environments" : "--environment");
		rc = EXIT_USAGE;
	}
	if (rc == 0 && o->environment) {
		for (i = 0; i < cfg->nenvs; i++)
			if (strcmp(cfg->envs[i].name, o->environment) == 0)
				break;
		if (i == cfg->nenvs) {
			fprintf(stderr, "cmf-validate check: no environment '%s' in %s\n",
				o->environment, cfg->file);
			rc = EXIT_USAGE;
		}
	} else if (rc == 0 && cfg->nenvs == 0) {
		fprintf(stderr, "cmf-validate check: %s defines no environments\n", cfg->file);
		rc = EXIT_USAGE;
	}
	if (rc == 0)
		runs = calloc(cfg->nenvs, sizeof(*runs));
	if (rc == 0 && runs == NULL)
		rc = EXIT_ENV;
	for (i = 0; rc == 0 && i < cfg->nenvs; i++) {
		struct cli_opts eo;
		const struct cmfv_env *env = &cfg->envs[i];

		if (o->environment && strcmp(env->name, o->environment) != 0)
			continue;
		rc = env_opts(o, env, &eo);
		if (rc == 0) {
			runs[nruns].env = env->name;
			rc = cli_run_checks(&eo, &runs[nruns]);
			nruns++;
		}
		free((void *)eo.files);
		free(eo.sets);
	}
	if (rc == 0)
		rc = cli_write_outputs(o, runs, nruns);
	for (i = 0; rc == 0 && i < nruns; i++) {
		int r = cli_report_exit(&runs[i].report, o->strict);

		if (r > worst)
			worst = r;
	}
	for (i = 0; i < nruns; i++)
		cli_run_free(&runs[i]);
	free(runs);
	cmfv_config_free(cfg);
	cmfv_sources_free(&src);
	return rc ? rc : worst;
}

int cmd_check(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_run run;
	int rc;
	size_t i;

	if (cli_begin(CMD_CHECK, "check", argc, argv, &o, help, &rc))
		return rc;
	if (o.nrest > 0) {
		fprintf(stderr,
			"cmf-validate check: unexpected argument '%s'\nRun 'cmf-validate check "
			"--help' for usage.\n",
			o.rest[0]);
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	for (i = 0; i < o.noutputs; i++) {
		char fmt[16];
		const char *file;

		if (!cli_split_output(o.outputs[i], fmt, sizeof(fmt), &file)) {
			fprintf(stderr,
				"cmf-validate check: unknown output format '%s' (text, json, "
				"sarif, junit, github; FORMAT=FILE writes to a file)\n",
				o.outputs[i]);
			cli_opts_free(&o);
			return EXIT_USAGE;
		}
	}
	if (o.argocd_app || o.helmrelease) {
		rc = cli_check_gitops(&o);
		cli_opts_free(&o);
		return rc;
	}
	if (o.all_environments || o.environment) {
		rc = check_environments(&o);
		cli_opts_free(&o);
		return rc;
	}
	if (!cli_has_values(&o) && o.nsecret_files == 0 && o.nkey_files == 0 && o.nmanifests == 0 &&
	    !o.cluster) {
		fprintf(stderr, "cmf-validate check: nothing to check: give values (-f, --set, "
				"--chart) or a key source\n"
				"Run 'cmf-validate check --help' for usage.\n");
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	memset(&run, 0, sizeof(run));
	rc = cli_run_checks(&o, &run);
	if (rc == 0)
		rc = cli_write_outputs(&o, &run, 1);
	if (rc == 0)
		rc = cli_report_exit(&run.report, o.strict);
	cli_run_free(&run);
	cli_opts_free(&o);
	return rc;
}
