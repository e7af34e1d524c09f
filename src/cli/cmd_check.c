/* check: the default command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/values.h"
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
	if (cmfv_report_count(r, CMFV_SEV_ERROR) > 0)
		return EXIT_FINDINGS;
	if (strict && cmfv_report_count(r, CMFV_SEV_WARNING) > 0)
		return EXIT_FINDINGS;
	return EXIT_CLEAN;
}

int cli_run_checks(const struct cli_opts *o, struct cli_run *run)
{
	struct cmfv_diag d;
	int rc;

	cmfv_diag_clear(&d);
	run->namespace = cli_namespace(o);
	if (cli_has_values(o)) {
		struct cmfv_values_input in;

		cli_values_input(o, &in);
		if (cmfv_values_build(&in, &run->sources, &run->values, &d) != CMFV_OK)
			return cli_print_diag(&d);
	}
	cmfv_keyref_from_values(run->values, o->secret_name, o->secret_property, &run->ref);
	if (run->values && cmfv_check_values(run->values, &run->ref, &run->report) != CMFV_OK) {
		fprintf(stderr, "cmf-validate: out of memory\n");
		return EXIT_ENV;
	}
	rc = cli_check_keys(o, run);
	if (rc != 0)
		return rc;
	cmfv_report_sort(&run->report);
	return 0;
}

void cli_run_free(struct cli_run *run)
{
	cmfv_node_free(run->values);
	cmfv_report_free(&run->report);
	cmfv_sources_free(&run->sources);
	memset(run, 0, sizeof(*run));
}

static void help(void)
{
	printf("Usage: cmf-validate [check] [flags]\n\n"
	       "Check a CMF release's encryption setup: the values (merged exactly as Helm merges\n"
	       "them), and optionally the key Secret and the rendered manifests.\n\n"
	       "Examples:\n"
	       "  cmf-validate check -f values-prod.yaml\n"
	       "  cmf-validate check -f values.yaml --set cmf.sql.production=true --secret-file key-secret.yaml\n"
	       "  helm cmf-validate check -f values.yaml --cluster -n flink\n"
	       "  cmf-validate check -f values.yaml -o json\n\n");
	cli_print_flags(CMD_CHECK);
	printf("\nExit codes: 0 no errors, 1 errors (or warnings with --strict), 2 usage or input\n"
	       "error, 3 environment error (kubectl/helm failing, I/O).\n");
}

int cmd_check(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_run run;
	int rc = cli_parse(CMD_CHECK, "check", argc, argv, &o);
	size_t i;
	FILE *out = stdout;

	if (rc != 0) {
		cli_opts_free(&o);
		return rc;
	}
	if (o.help) {
		help();
		cli_opts_free(&o);
		return 0;
	}
	if (o.nrest > 0) {
		fprintf(stderr, "cmf-validate check: unexpected argument '%s'\nRun 'cmf-validate check --help' for usage.\n",
			o.rest[0]);
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	if (!cli_has_values(&o) && o.nsecret_files == 0 && o.nkey_files == 0 && o.nmanifests == 0 &&
	    !o.cluster) {
		fprintf(stderr, "cmf-validate check: nothing to check: give values (-f, --set, --chart) or a key source\n"
				"Run 'cmf-validate check --help' for usage.\n");
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	for (i = 0; i < o.noutputs; i++) {
		if (!cli_format_known(o.outputs[i])) {
			fprintf(stderr, "cmf-validate check: unknown output format '%s' (text, json, sarif, junit, github)\n",
				o.outputs[i]);
			cli_opts_free(&o);
			return EXIT_USAGE;
		}
	}
	memset(&run, 0, sizeof(run));
	rc = cli_run_checks(&o, &run);
	if (rc == 0) {
		if (o.output_file) {
			out = fopen(o.output_file, "w");
			if (out == NULL) {
				perror(o.output_file);
				rc = EXIT_ENV;
			}
		}
		for (i = 0; rc == 0 && i < (o.noutputs ? o.noutputs : 1); i++)
			rc = cli_render(&o, &run, o.noutputs ? o.outputs[i] : "text", out);
		if (rc == 0 && (fflush(out) != 0 || ferror(out))) {
			perror("cmf-validate: write");
			rc = EXIT_ENV;
		}
		if (out != stdout && out != NULL && fclose(out) != 0 && rc == 0) {
			perror("cmf-validate: write");
			rc = EXIT_ENV;
		}
		if (rc == 0)
			rc = cli_report_exit(&run.report, o.strict);
	}
	cli_run_free(&run);
	cli_opts_free(&o);
	return rc;
}
