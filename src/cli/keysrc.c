/* Key sources for check/post-render: rules CMF020-CMF027. */
#include "commands.h"

int cli_check_keys(const struct cli_opts *o, struct cli_run *run)
{
	(void)o;
	(void)run;
	return 0;
}
