/* values: print the merged values as Helm computes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/buf.h"
#include "cmfv/chart.h"
#include "cmfv/emit.h"
#include "cmfv/json.h"
#include "cmfv/values.h"
#include "commands.h"

/* The subchart paths of a processed tree, for a helpful error. */
static void print_subs(const struct cmfv_chart *c, const char *prefix)
{
	size_t i;

	for (i = 0; i < c->nsubs; i++) {
		char path[1024];
		int w = snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "",
				 c->subs[i]->name);

		if (w < 0 || (size_t)w >= sizeof(path))
			continue; /* nested beyond any chart Helm would load */
		fprintf(stderr, "%s%s", path, " ");
		print_subs(c->subs[i], path);
	}
}

static void help(void)
{
	printf("Usage: cmf-validate values [flags] [-o yaml|json]\n\n"
	       "Print the values exactly as Helm computes them from the chart defaults,\n"
	       "-f files and --set* flags (keys sorted; -o json prints what toJson .Values does).\n"
	       "--chart takes a chart folder or .tgz with its subcharts (charts/, dependencies\n"
	       "with alias, condition, tags, import-values, globals); --subchart PATH prints what\n"
	       "that subchart's templates see (its alias, a.b when nested).\n\n"
	       "Examples:\n  cmf-validate values --chart ./cmf -f prod.yaml --set "
	       "cmf.sql.production=true -o json\n"
	       "  cmf-validate values --chart ./umbrella --subchart "
	       "confluent-manager-for-apache-flink\n"

	       "  cmf-validate values --argocd-app apps/cmf.yaml   (as Argo CD computes them)\n"
	       "  cmf-validate values --helmrelease cmf.yaml --manifests cmf-values.yaml   (as "
	       "Flux does)\n\n");
	cli_print_flags(CMD_VALUES);
}

int cmd_values(int argc, char **argv)
{
	struct cli_opts o;
	struct cmfv_values_input in;
	struct cmfv_sources src = {0};
	struct cmfv_node *values = NULL;
	const struct cmfv_node *shown = NULL;
	struct cmfv_chart *chart = NULL;
	struct cmfv_diag d;
	struct cmfv_buf b = {0};
	const char *fmt;
	int rc;

	if (cli_begin(CMD_VALUES, "values", argc, argv, &o, help, &rc))
		return rc;
	fmt = o.noutputs ? o.outputs[o.noutputs - 1] : "yaml";
	if (strcmp(fmt, "yaml") != 0 && strcmp(fmt, "json") != 0) {
		fprintf(stderr, "cmf-validate values: unknown output format '%s' (yaml, json)\n",
			fmt);
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	if (o.nrest > 0) {
		fprintf(stderr, "cmf-validate values: unexpected argument '%s'\n", o.rest[0]);
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	if (o.subchart && !o.chart) {
		fprintf(stderr, "cmf-validate values: --subchart needs --chart\n");
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	cmfv_diag_clear(&d);
	src.max_input = o.max_input;
	cli_values_input(&o, &in);
	if (o.argocd_app || o.helmrelease) {
		rc = cli_values_gitops(&o, &src, &values);
		shown = values;
	} else if (cmfv_values_build_chart(&in, &src, &chart, &values, &d) != CMFV_OK) {
		rc = cli_print_diag(&d);
	} else if (o.subchart && cmfv_chart_sub(chart, o.subchart) == NULL) {
		fprintf(stderr,
			"cmf-validate values: %s has no subchart %s (or it is disabled); its "
			"subcharts: ",
			o.chart, o.subchart);
		print_subs(chart, "");
		fprintf(stderr, "\n");
		rc = EXIT_USAGE;
	}
	if (rc == 0) {
		int ok;

		/* a subchart whose name holds a dot sees {} (cmfv_chart_sub_values) */
		static const struct cmfv_node empty = {.kind = CMFV_MAP};

		if (!o.subchart)
			shown = values;
		else if ((shown = cmfv_chart_sub_values(values, o.subchart)) == NULL)
			shown = &empty;

		if (strcmp(fmt, "json") == 0) {
			ok = cmfv_json_emit(&b, shown) == CMFV_OK &&
			     cmfv_buf_add(&b, "\n", 1) == CMFV_OK;
		} else {
			ok = cmfv_yaml_emit(shown, 1, &b) == CMFV_OK;
		}
		if (!ok) {
			fprintf(stderr, "cmf-validate: out of memory\n");
			rc = EXIT_ENV;
		} else if (fwrite(b.ptr, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
			perror("cmf-validate: write");
			rc = EXIT_ENV;
		}
	}
	cmfv_buf_free(&b);
	cmfv_node_free(values);
	cmfv_chart_free(chart);
	cmfv_sources_free(&src);
	cli_opts_free(&o);
	return rc;
}
