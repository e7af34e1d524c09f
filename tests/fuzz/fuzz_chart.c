/* The chart loader's parsers: the first byte picks one, the rest is its
 * input. 0: a .helmignore (Go's filepath.Match patterns, Unicode trimming)
 * applied to a few paths; 1: a Chart.yaml read into Helm's structs and
 * validated (type checks, case-folded keys, sanitizeString); 2: a .tgz's
 * entries named and cleaned as Helm's LoadArchiveFiles does. Errors must
 * carry a message; names handed on must be clean and inside the chart. */
#include "fuzz.h"

#include "../../src/charts/chart_int.h"
#include "cmfv/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore_file(const char *text, size_t n)
{
	static const char *const paths[] = {"values.yaml", "charts/a/values.yaml", "templates/.x",
					    "charts",	   "Chart.yaml",	   "a[b]/c\\d"};
	struct rules r = {0};
	struct cmfv_diag d;
	size_t i;

	cmfv_diag_clear(&d);
	if (cmfv_rules_parse(&r, text, n, ".helmignore", &d) != CMFV_OK)
		FUZZ_ASSERT(d.msg[0] != '\0');
	else
		for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			(void)cmfv_rules_ignore(&r, paths[i], (int)(i & 1));
	cmfv_rules_free(&r);
}

static void chart_yaml(const char *text, size_t n)
{
	struct cmfv_sources src = {0};
	struct cmfv_chart *c = cmfv_calloc(1, sizeof(*c));
	char name[] = "Chart.yaml";
	char *bytes = cmfv_malloc(n + 1);
	struct cfile f = {name, bytes, n, name};
	struct cmfv_diag d;
	struct meta_acc acc = {0};
	enum cmfv_err e;

	if (c == NULL || bytes == NULL) {
		cmfv_free(c);
		cmfv_free(bytes);
		return;
	}
	memcpy(bytes, text, n + 1);
	cmfv_diag_clear(&d);
	/* decoded twice over one Metadata, as a .tgz holding it twice is */
	e = cmfv_chart_load_meta(c, &acc, &f, "Chart.yaml", &src, &d);
	if (e == CMFV_OK)
		e = cmfv_chart_load_meta(c, &acc, &f, "requirements.yaml", &src, &d);
	if (e == CMFV_OK)
		e = cmfv_chart_meta_finish(c, &acc, &d);
	if (e == CMFV_OK)
		e = cmfv_chart_validate(c, acc.api, "chart", &d);
	FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
	FUZZ_ASSERT(e == CMFV_OK || d.msg[0] != '\0');
	/* the same bytes as a Chart.lock */
	cmfv_diag_clear(&d);
	e = cmfv_chart_load_lock(&f, "Chart.lock", &src, &d);
	FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
	FUZZ_ASSERT(e == CMFV_OK || d.msg[0] != '\0');
	cmfv_meta_acc_free(&acc);
	cmfv_free(bytes);
	cmfv_chart_free(c);
	cmfv_sources_free(&src);
}

static void archive(const char *bytes, size_t n)
{
	struct cfiles fs = {0};
	struct cmfv_diag d;
	enum cmfv_err e;
	size_t i;

	cmfv_diag_clear(&d);
	e = cmfv_chart_archive_files(bytes, n, "fuzz.tgz", &fs, &d);
	FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
	for (i = 0; e == CMFV_OK && i < fs.n; i++) {
		const char *nm = fs.v[i].name;

		FUZZ_ASSERT(nm[0] != '/' && strncmp(nm, "..", 2) != 0 && strcmp(nm, ".") != 0);
		FUZZ_ASSERT(strstr(nm, "//") == NULL && strstr(nm, "/./") == NULL &&
			    strstr(nm, "/../") == NULL);
	}
	cmfv_cfiles_free(&fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	/* the loader hands its parsers NUL-terminated copies */
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		ignore_file(text, size - 1);
		break;
	case 1:
		chart_yaml(text, size - 1);
		break;
	default:
		archive(text, size - 1);
		break;
	}
	free(text);
	return 0;
}
