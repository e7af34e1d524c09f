/* Report formats. Key material never reaches here: findings carry only
 * names, lengths and check values. */
#include <stdio.h>
#include <string.h>

#include "cmfv/buf.h"
#include "cmfv/json.h"
#include "cmfv/version.h"
#include "commands.h"

int cli_format_known(const char *f)
{
	return strcmp(f, "text") == 0 || strcmp(f, "json") == 0;
}

static void text_loc(FILE *out, const struct cmfv_finding *f)
{
	if (f->loc.file)
		fprintf(out, "%s:%u:%u: ", f->loc.file, f->loc.line, f->loc.col);
	else
		fprintf(out, "cmf-validate: ");
}

static int render_text(const struct cli_run *run, FILE *out)
{
	const struct cmfv_report *r = &run->report;
	size_t i, errors = cmfv_report_count(r, CMFV_SEV_ERROR),
		  warnings = cmfv_report_count(r, CMFV_SEV_WARNING);

	for (i = 0; i < r->n; i++) {
		const struct cmfv_finding *f = &r->v[i];

		text_loc(out, f);
		fprintf(out, "%s: %s [%s]\n", cmfv_severity_name(f->severity), f->message, f->rule->id);
	}
	for (i = 0; i < r->nkeys; i++) {
		const struct cmfv_key_summary *k = &r->keys[i];

		fprintf(out, "key: %s", k->source);
		if (k->secret)
			fprintf(out, " (Secret %s, property %s)", k->secret, k->property ? k->property : "?");
		if (k->kcv[0])
			fprintf(out, ": %zu bytes, KCV %s\n", k->length, k->kcv);
		else
			fprintf(out, ": %zu bytes, no usable key\n", k->length);
	}
	if (errors || warnings)
		fprintf(out, "%zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s", warnings,
			warnings == 1 ? "" : "s");
	else
		fprintf(out, "ok: no problems found\n");
	return 0;
}

static void json_loc(struct cmfv_buf *b, const struct cmfv_loc *l)
{
	if (l->file == NULL) {
		cmfv_buf_puts(b, "null");
		return;
	}
	cmfv_buf_puts(b, "{\"file\": ");
	cmfv_json_str(b, l->file, strlen(l->file));
	cmfv_buf_printf(b, ", \"line\": %u, \"column\": %u}", l->line, l->col);
}

static void json_str_or_null(struct cmfv_buf *b, const char *s)
{
	if (s)
		cmfv_json_str(b, s, strlen(s));
	else
		cmfv_buf_puts(b, "null");
}

static int render_json(const struct cli_run *run, FILE *out)
{
	const struct cmfv_report *r = &run->report;
	struct cmfv_buf b = {0};
	size_t i;

	cmfv_buf_printf(&b,
			"{\n  \"version\": 1,\n  \"tool\": {\"name\": \"cmf-validate\", \"version\": \"%s\"},\n"
			"  \"summary\": {\"errors\": %zu, \"warnings\": %zu},\n  \"findings\": [",
			CMFV_VERSION, cmfv_report_count(r, CMFV_SEV_ERROR),
			cmfv_report_count(r, CMFV_SEV_WARNING));
	for (i = 0; i < r->n; i++) {
		const struct cmfv_finding *f = &r->v[i];

		cmfv_buf_puts(&b, i ? ",\n    {" : "\n    {");
		cmfv_buf_printf(&b, "\"rule\": \"%s\", \"name\": \"%s\", \"severity\": \"%s\", \"message\": ",
				f->rule->id, f->rule->name, cmfv_severity_name(f->severity));
		cmfv_json_str(&b, f->message, strlen(f->message));
		cmfv_buf_puts(&b, ", \"path\": ");
		json_str_or_null(&b, f->path);
		cmfv_buf_puts(&b, ", \"location\": ");
		json_loc(&b, &f->loc);
		cmfv_buf_puts(&b, "}");
	}
	cmfv_buf_puts(&b, r->n ? "\n  ],\n  \"keys\": [" : "],\n  \"keys\": [");
	for (i = 0; i < r->nkeys; i++) {
		const struct cmfv_key_summary *k = &r->keys[i];

		cmfv_buf_puts(&b, i ? ",\n    {" : "\n    {");
		cmfv_buf_puts(&b, "\"source\": ");
		json_str_or_null(&b, k->source);
		cmfv_buf_puts(&b, ", \"secret\": ");
		json_str_or_null(&b, k->secret);
		cmfv_buf_puts(&b, ", \"property\": ");
		json_str_or_null(&b, k->property);
		cmfv_buf_printf(&b, ", \"length\": %zu, \"kcv\": ", k->length);
		json_str_or_null(&b, k->kcv[0] ? k->kcv : NULL);
		cmfv_buf_printf(&b, ", \"valid\": %s}", k->valid ? "true" : "false");
	}
	cmfv_buf_puts(&b, r->nkeys ? "\n  ]\n}\n" : "]\n}\n");
	if (b.failed) {
		cmfv_buf_free(&b, 0);
		fprintf(stderr, "cmf-validate: out of memory\n");
		return EXIT_ENV;
	}
	fwrite(b.ptr, 1, b.len, out);
	cmfv_buf_free(&b, 0);
	return 0;
}

int cli_render(const struct cli_opts *o, const struct cli_run *run, const char *format, FILE *out)
{
	(void)o;
	if (strcmp(format, "text") == 0)
		return render_text(run, out);
	if (strcmp(format, "json") == 0)
		return render_json(run, out);
	fprintf(stderr, "cmf-validate: unknown output format '%s'\n", format);
	return EXIT_USAGE;
}
