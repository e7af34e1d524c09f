/* placeholder: replaced by its owner */
#include <stdio.h>

#include "commands.h"

int cmd_post_render(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cmf-validate: not implemented yet\n");
	return 3;
}
