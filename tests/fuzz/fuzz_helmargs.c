/* Helm's command line (cmfv_helm_*): the first byte picks the entry point,
 * the rest is its input. 'c': Go's CSV first record, written back and read
 * again (the same fields); 'h': a `--help` text; anything else: argv, one
 * argument per line, parsed against install's flags of Helm 4.1.4 (as
 * --help prints them). argv strings cannot hold NUL bytes: inputs with one
 * are skipped. */
#include "fuzz.h"

#include "cmfv/helmargs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char help[] = "Flags:\n"
			   "      --dry-run string[=\"unset\"]   simulate\n"
			   "  -f, --values strings             values\n"
			   "  -g, --generate-name              generate\n"
			   "  -h, --help                       help\n"
			   "  -n, --namespace string           namespace\n"
			   "      --set stringArray            set\n"
			   "      --wait WaitStrategy[=watcher]   wait\n"
			   "      --server-side                server side (default true)\n";

static void csv(const char *s)
{
	char **v = NULL, **back = NULL, err[128], *joined;
	size_t n = 0, nb = 0, i;

	if (cmfv_csv_record(s, &v, &n, err, sizeof(err)) != 0)
		return;
	joined = cmfv_csv_join(v, n);
	/* one empty field writes as "": no field when read back; a CR before a
	 * line feed does not read back either (encoding/csv folds CR LF to LF,
	 * and the wrapper refuses to rewrite such names) */
	for (i = 0; joined && i < n; i++)
		if (strchr(v[i], '\r'))
			break;
	if (joined && i == n && !(n == 1 && v[0][0] == '\0')) {
		FUZZ_ASSERT(cmfv_csv_record(joined, &back, &nb, err, sizeof(err)) == 0);
		FUZZ_ASSERT(nb == n);
		for (i = 0; i < n; i++) {
			FUZZ_ASSERT(strcmp(back[i], v[i]) == 0);
			free(back[i]);
		}
		free(back);
	}
	free(joined);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void cmdline(char *s)
{
	struct cmfv_helm_flags f;
	struct cmfv_helm_cmdline c;
	char *argv[64], err[256];
	int argc = 0;

	while (s && argc < 64) {
		argv[argc++] = s;
		s = strchr(s, '\n');
		if (s)
			*s++ = '\0';
	}
	if (cmfv_helm_flags_parse_help(help, &f) != 0)
		return;
	if (cmfv_helm_cmdline_parse(&f, argc, argv, &c, err, sizeof(err)) == 0) {
		FUZZ_ASSERT(c.nargs + c.npos <= (size_t)argc * 64);
		cmfv_helm_cmdline_free(&c);
	}
	cmfv_helm_flags_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	struct cmfv_helm_flags f;

	if (size == 0 || memchr(data, 0, size))
		return 0;
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] == 'c') {
		csv(text);
	} else if (data[0] == 'h') {
		if (cmfv_helm_flags_parse_help(text, &f) == 0)
			cmfv_helm_flags_free(&f);
	} else {
		cmdline(text);
	}
	free(text);
	return 0;
}
