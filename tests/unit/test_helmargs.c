/* Helm's command line: the flag table read from the recorded `helm <cmd>
 * --help` of Helm 3.17.3 and 4.1.4 (tests/e2e/flag-table.sh checks the
 * recordings against the real binaries), pflag's parsing rules, and Go's
 * encoding/csv first record, table-driven. */
#include "helpers.h"

#include <stdio.h>

#include "cmfv/helmargs.h"

#ifndef CMFV_SRC_DIR
#define CMFV_SRC_DIR "."
#endif

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* the same rows as tests/helm/flag-table.py writes */
static char *rows(const struct cmfv_helm_flags *f)
{
	struct cmfv_buf b = {0};
	size_t i;
	char *s;

	for (i = 0; i < f->n; i++) {
		const struct cmfv_helm_flag *x = &f->v[i];
		char sh[2] = {x->shorthand ? x->shorthand : '-', 0};

		cmfv_buf_add(&b, x->name, strlen(x->name));
		cmfv_buf_add(&b, " ", 1);
		cmfv_buf_add(&b, sh, 1);
		cmfv_buf_add(&b, x->has_noopt ? " optional " : " value ", x->has_noopt ? 10 : 7);
		cmfv_buf_add(&b, x->has_noopt ? x->noopt : "-",
			     strlen(x->has_noopt ? x->noopt : "-"));
		cmfv_buf_add(&b, "\n", 1);
	}
	s = strdup(b.ptr ? b.ptr : "");
	cmfv_buf_free(&b);
	return s;
}

static void test_tables(void **state)
{
	static const char *const vers[] = {"3.17.3", "4.1.4"};
	static const char *const cmds[] = {"install", "upgrade", "template", "pull"};
	size_t v, c;

	(void)state;
	for (v = 0; v < 2; v++)
		for (c = 0; c < 4; c++) {
			char path[512], *help, *want, *got;
			struct cmfv_helm_flags f;

			snprintf(path, sizeof(path), "%s/testdata/helm-flags/%s/%s.help",
				 CMFV_SRC_DIR, vers[v], cmds[c]);
			help = slurp(path);
			snprintf(path, sizeof(path), "%s/testdata/helm-flags/%s/%s.flags",
				 CMFV_SRC_DIR, vers[v], cmds[c]);
			want = slurp(path);
			assert_int_equal(cmfv_helm_flags_parse_help(help, &f), 0);
			got = rows(&f);
			if (strcmp(got, want) != 0)
				fail_msg("helm %s %s --help: table differs:\n%s\nwant:\n%s",
					 vers[v], cmds[c], got, want);
			free(got);
			free(want);
			free(help);
			cmfv_helm_flags_free(&f);
		}
}

static void test_no_flags(void **state)
{
	struct cmfv_helm_flags f;

	(void)state;
	assert_int_equal(cmfv_helm_flags_parse_help("Error: unknown command\n", &f), -1);
	assert_int_equal(cmfv_helm_flags_parse_help("", &f), -1);
}

struct line_case {
	const char *name;
	const char *argv[8];
	const char *want; /* "--name=value ... | positionals", or NULL */
	const char *err;  /* substring of the error */
};

static const struct line_case lines[] = {
    {"-gf FILE",
     {"-gf", "prod.yaml", "./chart"},
     "--generate-name=true --values=prod.yaml | ./chart",
     NULL},
    {"-if is not install here", {"-if", "x"}, NULL, "unknown shorthand flag: 'i'"},
    {"-fFILE", {"-fprod.yaml", "r", "c"}, "--values=prod.yaml | r c", NULL},
    {"-f=FILE", {"-f=prod.yaml"}, "--values=prod.yaml |", NULL},
    {"-f= is the file =", {"-f="}, "--values== |", NULL},
    {"-g=false", {"-g=false", "c"}, "--generate-name=false | c", NULL},
    {"--x=v", {"--values=a,b", "--set=x=1"}, "--values=a,b --set=x=1 |", NULL},
    {"--values= empty", {"--values="}, "--values= |", NULL},
    {"optional value stays optional",
     {"--dry-run", "client", "c"},
     "--dry-run=unset | client c",
     NULL},
    {"optional value with =", {"--dry-run=client", "c"}, "--dry-run=client | c", NULL},
    {"a switch takes no next word",
     {"--server-side", "true", "r", "c"},
     "--server-side=true | true r c",
     NULL},
    {"-- ends the flags", {"-f", "a", "--", "-g", "c"}, "--values=a | -g c", NULL},
    {"- alone is an argument", {"-", "c"}, "| - c", NULL},
    {"the value of -f may look like a flag",
     {"-f", "--cmf-strict"},
     "--values=--cmf-strict |",
     NULL},
    {"ours",
     {"--cmf-strict", "--cmf-config=x", "--cmf-secret-file", "s"},
     "--cmf-strict=true --cmf-config=x --cmf-secret-file=s |",
     NULL},
    {"shorthand chain", {"-gn", "ns", "c"}, "--generate-name=true --namespace=ns | c", NULL},
    {"unknown long", {"--bogus"}, NULL, "unknown flag: --bogus"},
    {"unknown long with value", {"--bogus=1"}, NULL, "unknown flag: --bogus"},
    {"unknown shorthand", {"-gZ"}, NULL, "unknown shorthand flag: 'Z' in -gZ"},
    {"missing value", {"-f"}, NULL, "flag needs an argument: 'f' in -f"},
    {"missing value, chained", {"-gf"}, NULL, "flag needs an argument"},
    {"missing long value", {"--values"}, NULL, "flag needs an argument: --values"},
    {"bad syntax", {"---x"}, NULL, "bad flag syntax"},
    {"bad syntax =", {"--=x"}, NULL, "bad flag syntax"},
};

static void test_line(void **state)
{
	const struct line_case *tc = *state;
	struct cmfv_helm_flags f;
	struct cmfv_helm_cmdline c;
	char err[256] = "", *help, path[512];
	int argc = 0, r;

	snprintf(path, sizeof(path), "%s/testdata/helm-flags/4.1.4/install.help", CMFV_SRC_DIR);
	help = slurp(path);
	assert_int_equal(cmfv_helm_flags_parse_help(help, &f), 0);
	free(help);
	assert_int_equal(cmfv_helm_flags_add(&f, "cmf-strict", 0, "true", 1), 0);
	assert_int_equal(cmfv_helm_flags_add(&f, "cmf-config", 0, NULL, 1), 0);
	assert_int_equal(cmfv_helm_flags_add(&f, "cmf-secret-file", 0, NULL, 1), 0);
	while (tc->argv[argc])
		argc++;
	r = cmfv_helm_cmdline_parse(&f, argc, (char **)(uintptr_t)tc->argv, &c, err, sizeof(err));
	if (tc->want == NULL) {
		assert_int_equal(r, -1);
		if (strstr(err, tc->err) == NULL)
			fail_msg("%s: error '%s', want '%s'", tc->name, err, tc->err);
	} else {
		struct cmfv_buf b = {0};
		size_t i;

		assert_int_equal(r, 0);
		for (i = 0; i < c.nargs; i++) {
			cmfv_buf_add(&b, "--", 2);
			cmfv_buf_add(&b, c.args[i].flag->name, strlen(c.args[i].flag->name));
			cmfv_buf_add(&b, "=", 1);
			cmfv_buf_add(&b, c.args[i].value, strlen(c.args[i].value));
			cmfv_buf_add(&b, " ", 1);
		}
		cmfv_buf_add(&b, "|", 1);
		for (i = 0; i < c.npos; i++) {
			cmfv_buf_add(&b, " ", 1);
			cmfv_buf_add(&b, c.pos[i], strlen(c.pos[i]));
		}
		if (strcmp(b.ptr, tc->want) != 0)
			fail_msg("%s: got '%s', want '%s'", tc->name, b.ptr, tc->want);
		cmfv_buf_free(&b);
		cmfv_helm_cmdline_free(&c);
	}
	cmfv_helm_flags_free(&f);
}

struct csv_case {
	const char *name;
	const char *in;
	const char *want; /* fields joined with '|', "" for none; NULL: error */
	const char *err;
};

static const struct csv_case csvs[] = {
    {"empty: no field", "", "", NULL},
    {"one", "a.yaml", "a.yaml", NULL},
    {"two", "a,b", "a|b", NULL},
    {"empty middle", "a,,b", "a||b", NULL},
    {"trailing comma", "a,", "a|", NULL},
    {"only a comma", ",", "|", NULL},
    {"quoted comma", "\"a,b\",c", "a,b|c", NULL},
    {"doubled quote", "\"a\"\"b\"", "a\"b", NULL},
    {"spaces kept", " a , b ", " a | b ", NULL},
    {"newline ends the record", "a\nb", "a", NULL},
    {"CRLF ends the record", "a,b\r\nc", "a|b", NULL},
    {"empty lines skipped", "\n\r\na,b", "a|b", NULL},
    {"only line ends: EOF", "\n", NULL, "EOF"},
    {"only CRLF: EOF", "\r\n\r\n", NULL, "EOF"},
    {"quoted newline", "\"a\nb\",c", "a\nb|c", NULL},
    {"quoted CRLF becomes LF", "\"a\r\nb\"", "a\nb", NULL},
    {"CR before the end dropped", "a\r", "a", NULL},
    {"CR inside kept", "a\rb", "a\rb", NULL},
    {"quoted then newline", "\"a\"\nb", "a", NULL},
    {"bare quote", "a\"b", NULL, "bare \" in non-quoted-field"},
    {"bare quote after a space", " \"a\"", NULL, "bare \""},
    {"unterminated", "\"a", NULL, "extraneous or missing \" in quoted-field"},
    {"unterminated over lines", "\"a\nb", NULL, "extraneous or missing"},
    {"text after the quote", "\"a\"b", NULL, "extraneous or missing"},
    {"second field quoted", "a,\"b,c\"", "a|b,c", NULL},
    {"stdin", "-", "-", NULL},
};

static void test_csv(void **state)
{
	const struct csv_case *tc = *state;
	char **v = NULL, err[128] = "";
	size_t n = 0, i;
	int r = cmfv_csv_record(tc->in, &v, &n, err, sizeof(err));

	if (tc->want == NULL) {
		assert_int_equal(r, -1);
		if (strstr(err, tc->err) == NULL)
			fail_msg("%s: error '%s', want '%s'", tc->name, err, tc->err);
		return;
	}
	assert_int_equal(r, 0);
	{
		struct cmfv_buf b = {0};
		char *joined, **back = NULL;
		size_t nb = 0;

		for (i = 0; i < n; i++) {
			if (i)
				cmfv_buf_add(&b, "|", 1);
			cmfv_buf_add(&b, v[i], strlen(v[i]));
		}
		if (strcmp(b.ptr ? b.ptr : "", tc->want) != 0)
			fail_msg("%s: got '%s', want '%s'", tc->name, b.ptr ? b.ptr : "", tc->want);
		cmfv_buf_free(&b);
		/* written back, read again: the same fields (what the wrapper
		 * relies on when it replaces "-" by a file) */
		joined = cmfv_csv_join(v, n);
		assert_non_null(joined);
		if (n == 1 && v[0][0] == '\0') {
			free(joined);
		} else {
			assert_int_equal(cmfv_csv_record(joined, &back, &nb, err, sizeof(err)), 0);
			assert_int_equal(nb, n);
			for (i = 0; i < n; i++) {
				assert_string_equal(back[i], v[i]);
				free(back[i]);
			}
			free(back);
			free(joined);
		}
	}
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void test_bool(void **state)
{
	(void)state;
	assert_int_equal(cmfv_parse_bool("true"), 1);
	assert_int_equal(cmfv_parse_bool("T"), 1);
	assert_int_equal(cmfv_parse_bool("1"), 1);
	assert_int_equal(cmfv_parse_bool("False"), 0);
	assert_int_equal(cmfv_parse_bool("0"), 0);
	assert_int_equal(cmfv_parse_bool("yes"), -1);
	assert_int_equal(cmfv_parse_bool("tRUE"), -1);
	assert_int_equal(cmfv_parse_bool(""), -1);
}

#define NLINES (sizeof(lines) / sizeof(lines[0]))
#define NCSV (sizeof(csvs) / sizeof(csvs[0]))

int main(void)
{
	struct CMUnitTest tests[NLINES + NCSV + 3];
	size_t i, k = 0;

	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_tables);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_no_flags);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_bool);
	for (i = 0; i < NLINES; i++, k++)
		tests[k] = (struct CMUnitTest){lines[i].name, test_line, NULL, NULL,
					       (void *)(uintptr_t)&lines[i]};
	for (i = 0; i < NCSV; i++, k++)
		tests[k] = (struct CMUnitTest){csvs[i].name, test_csv, NULL, NULL,
					       (void *)(uintptr_t)&csvs[i]};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
