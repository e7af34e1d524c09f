/* rules: list every rule. */
#include <stdio.h>
#include <string.h>

#include "cmfv/buf.h"
#include "cmfv/json.h"
#include "commands.h"

#define RULES_DOC "https://github.com/cmf-validate/cmf-validate/blob/main/docs/rules.md"

static void help(void)
{
	printf("Usage: cmf-validate rules [-o text|json]\n\nList every rule: ID, name, default "
	       "severity and what it checks.\n"
	       "Details and examples: docs/rules.md\n\n");
	cli_print_flags(CMD_RULES);
}

int cmd_rules(int argc, char **argv)
{
	struct cli_opts o;
	size_t n, i;
	const struct cmfv_rule *rules = cmfv_rules(&n);
	const char *fmt;
	int rc;

	if (cli_begin(CMD_RULES, "rules", argc, argv, &o, help, &rc))
		return rc;
	fmt = o.noutputs ? o.outputs[o.noutputs - 1] : "text";
	cli_opts_free(&o);
	if (strcmp(fmt, "json") == 0) {
		struct cmfv_buf b = {0};

		cmfv_buf_puts(&b, "[");
		for (i = 0; i < n; i++) {
			cmfv_buf_printf(&b,
					"%s\n  {\"id\": \"%s\", \"name\": \"%s\", \"severity\": "
					"\"%s\", \"description\": ",
					i ? "," : "", rules[i].id, rules[i].name,
					cmfv_severity_name(rules[i].severity));
			cmfv_json_str(&b, rules[i].summary, strlen(rules[i].summary));
			cmfv_buf_puts(&b, ", \"help\": ");
			cmfv_json_str(&b, rules[i].help, strlen(rules[i].help));
			cmfv_buf_puts(&b, "}");
		}
		cmfv_buf_puts(&b, "\n]\n");
		if (!b.failed)
			fwrite(b.ptr, 1, b.len, stdout);
		cmfv_buf_free(&b);
	} else if (strcmp(fmt, "text") == 0) {
		printf("%-7s %-29s %-8s %s\n", "ID", "NAME", "SEVERITY", "DESCRIPTION");
		for (i = 0; i < n; i++)
			printf("%-7s %-29s %-8s %s\n", rules[i].id, rules[i].name,
			       cmfv_severity_name(rules[i].severity), rules[i].summary);
		printf("\nDetails, fixes and examples: %s\n", RULES_DOC);
	} else {
		fprintf(stderr, "cmf-validate rules: unknown output format '%s' (text, json)\n",
			fmt);
		return EXIT_USAGE;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("cmf-validate: write");
		return EXIT_ENV;
	}
	return 0;
}
