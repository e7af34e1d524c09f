#include <stdio.h>

#include <openssl/opensslv.h>
#include <yaml.h>

#include "cmfv/version.h"
#include "commands.h"

int cmd_version(int argc, char **argv)
{
	struct cli_opts o;
	int r = cli_parse(CMD_VERSION, "version", argc, argv, &o);

	if (r != 0)
		return r;
	if (o.help) {
		printf("Usage: cmf-validate version\n\nPrint the version, the git commit and the "
		       "library versions.\n\n");
		cli_print_flags(CMD_VERSION);
		cli_opts_free(&o);
		return 0;
	}
	cli_opts_free(&o);
	printf("cmf-validate %s (commit %s; libyaml %s, %s)\n", CMFV_VERSION, CMFV_GIT_COMMIT,
	       yaml_get_version_string(), OPENSSL_VERSION_TEXT);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("cmf-validate: write");
		return 3;
	}
	return 0;
}
