/* --release: facts about the deployed release, read with helm and kubectl. */
#include <stdio.h>

#include "commands.h"

int cli_release_facts(const struct cli_opts *o, struct cli_run *run, struct cmfv_node **values,
		      const char **kcv)
{
	(void)run;
	*values = NULL;
	*kcv = NULL;
	fprintf(stderr, "cmf-validate: --release %s: reading a deployed release is not available yet; use --previous-values and --previous-kcv\n",
		o->release);
	return EXIT_ENV;
}
