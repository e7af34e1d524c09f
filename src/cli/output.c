/* Report formats: text, json, sarif, junit, github. Key material never
 * reaches here: findings carry only names, lengths and check values. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmfv/buf.h"
#include "cmfv/json.h"
#include "cmfv/redact.h"
#include "cmfv/version.h"
#include "commands.h"

#define INFO_URI "https://github.com/cmf-validate/cmf-validate"
#define RULES_URI INFO_URI "/blob/main/docs/rules.md"

int cli_format_known(const char *f)
{
	return strcmp(f, "text") == 0 || strcmp(f, "json") == 0 || strcmp(f, "sarif") == 0 ||
	       strcmp(f, "junit") == 0 || strcmp(f, "github") == 0;
}

static int is_set_loc(const struct cmfv_loc *l)
{
	return l->file && l->line == 0 && strcmp(l->file, "--set") == 0;
}

static size_t total(const struct cli_run *runs, size_t n, enum cmfv_severity s)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += cmfv_report_count(&runs[i].report, s);
	return c;
}

/* ---------------------------------------------------------------- text */

struct colours {
	const char *bold, *red, *magenta, *cyan, *green, *reset;
};

static int use_colour(FILE *out)
{
	const char *term = getenv("TERM");
	const char *nc = getenv("NO_COLOR");

	if (nc && nc[0])
		return 0;
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(fileno(out));
}

/* A line may be quoted only when the one rule for key text
 * (include/cmfv/redact.h) would leave it as it is. */
static int quotable(const char *line, size_t n)
{
	char buf[1024];

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, line, n);
	buf[n] = '\0';
	return cmfv_redact(buf) == 0;
}

/* The offending source line and a caret under the column (terminals only;
 * never for a source that holds key material). */
static void show_source(FILE *out, const struct cli_run *run, const struct cmfv_finding *f,
			const struct colours *c)
{
	const struct cmfv_source *s;
	const char *p, *end, *line;
	unsigned ln = 1, col;

	if (f->loc.file == NULL || f->loc.line == 0)
		return;
	s = cmfv_sources_find(&run->sources, f->loc.file);
	if (s == NULL || s->secret)
		return;
	p = s->text;
	end = s->text + s->len;
	while (p < end && ln < f->loc.line) {
		if (*p++ == '\n')
			ln++;
	}
	if (p >= end && ln < f->loc.line)
		return;
	line = p;
	while (p < end && *p != '\n' && *p != '\r')
		p++;
	if (!quotable(line, (size_t)(p - line)))
		return;
	fprintf(out, "%5u | %.*s\n      | ", f->loc.line, (int)(p - line), line);
	/* columns count characters: one per UTF-8 lead byte */
	for (p = line, col = 1; p < end && col < f->loc.col && *p != '\n'; p++) {
		if (((unsigned char)*p & 0xC0) == 0x80)
			continue;
		fputc(*p == '\t' ? '\t' : ' ', out);
		col++;
	}
	fprintf(out, "%s^%s\n", c->green, c->reset);
}

static void text_run(FILE *out, const struct cli_run *run, const struct colours *c, int tty)
{
	const struct cmfv_report *r = &run->report;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct cmfv_finding *f = &r->v[i];
		const char *sc = f->severity == CMFV_SEV_ERROR	   ? c->red
				 : f->severity == CMFV_SEV_WARNING ? c->magenta
								   : c->cyan;

		if (f->loc.file)
			fprintf(out, "%s%s:%u:%u:%s ", c->bold, f->loc.file, f->loc.line,
				f->loc.col, c->reset);
		else
			fprintf(out, "%scmf-validate:%s ", c->bold, c->reset);
		fprintf(out, "%s%s:%s %s [%s]\n", sc, cmfv_severity_name(f->severity), c->reset,
			f->message, f->rule->id);
		if (tty)
			show_source(out, run, f, c);
	}
	for (i = 0; i < r->nkeys; i++) {
		const struct cmfv_key_summary *k = &r->keys[i];

		fprintf(out, "%scmf-validate:%s %snote:%s key from %s", c->bold, c->reset, c->cyan,
			c->reset, k->source ? k->source : "?");
		if (k->secret)
			fprintf(out, " (Secret %s, property %s)", k->secret,
				k->property ? k->property : "?");
		if (k->kcv[0])
			fprintf(out, ": %zu bytes, KCV %s\n", k->length, k->kcv);
		else
			fprintf(out, ": %zu bytes, no usable key\n", k->length);
	}
}

static int render_text(const struct cli_run *runs, size_t n, FILE *out)
{
	static const struct colours plain = {"", "", "", "", "", ""};
	static const struct colours ansi = {"\033[1m",	  "\033[1;31m", "\033[1;35m",
					    "\033[1;36m", "\033[1;32m", "\033[0m"};
	int tty = isatty(fileno(out));
	const struct colours *c = use_colour(out) ? &ansi : &plain;
	size_t i, errors = total(runs, n, CMFV_SEV_ERROR),
		  warnings = total(runs, n, CMFV_SEV_WARNING);

	for (i = 0; i < n; i++) {
		if (runs[i].env)
			fprintf(out, "%senvironment %s:%s\n", c->bold, runs[i].env, c->reset);
		text_run(out, &runs[i], c, tty);
	}
	/* the tally is for people: stdout keeps one line per finding */
	if (isatty(STDERR_FILENO)) {
		if (errors || warnings)
			fprintf(stderr, "%zu error%s, %zu warning%s\n", errors,
				errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
		else
			fprintf(stderr, "ok: no problems found\n");
	}
	return 0;
}

/* ---------------------------------------------------------------- json */

static void json_s(struct cmfv_buf *b, const char *s)
{
	if (s)
		cmfv_json_str(b, s, strlen(s));
	else
		cmfv_buf_puts(b, "null");
}

static void json_loc(struct cmfv_buf *b, const struct cmfv_loc *l)
{
	if (l->file == NULL) {
		cmfv_buf_puts(b, "null");
		return;
	}
	cmfv_buf_puts(b, "{\"file\": ");
	json_s(b, l->file);
	cmfv_buf_printf(b, ", \"line\": %u, \"column\": %u}", l->line, l->col);
}

static void render_json(struct cmfv_buf *b, const struct cli_run *runs, size_t n)
{
	size_t i, j, k = 0;

	cmfv_buf_printf(
	    b,
	    "{\n  \"version\": 1,\n  \"tool\": {\"name\": \"cmf-validate\", \"version\": \"%s\"},\n"
	    "  \"summary\": {\"errors\": %zu, \"warnings\": %zu},\n  \"findings\": [",
	    CMFV_VERSION, total(runs, n, CMFV_SEV_ERROR), total(runs, n, CMFV_SEV_WARNING));
	for (j = 0; j < n; j++) {
		const struct cmfv_report *r = &runs[j].report;

		for (i = 0; i < r->n; i++, k++) {
			const struct cmfv_finding *f = &r->v[i];

			cmfv_buf_puts(b, k ? ",\n    {" : "\n    {");
			cmfv_buf_printf(b,
					"\"rule\": \"%s\", \"name\": \"%s\", \"severity\": \"%s\", "
					"\"message\": ",
					f->rule->id, f->rule->name,
					cmfv_severity_name(f->severity));
			json_s(b, f->message);
			cmfv_buf_puts(b, ", \"path\": ");
			json_s(b, f->path);
			cmfv_buf_puts(b, ", \"location\": ");
			json_loc(b, &f->loc);
			if (runs[j].env) {
				cmfv_buf_puts(b, ", \"environment\": ");
				json_s(b, runs[j].env);
			}
			cmfv_buf_puts(b, "}");
		}
	}
	cmfv_buf_puts(b, k ? "\n  ],\n  \"keys\": [" : "],\n  \"keys\": [");
	k = 0;
	for (j = 0; j < n; j++) {
		const struct cmfv_report *r = &runs[j].report;

		for (i = 0; i < r->nkeys; i++, k++) {
			const struct cmfv_key_summary *ks = &r->keys[i];

			cmfv_buf_puts(b, k ? ",\n    {" : "\n    {");
			cmfv_buf_puts(b, "\"source\": ");
			json_s(b, ks->source);
			cmfv_buf_puts(b, ", \"secret\": ");
			json_s(b, ks->secret);
			cmfv_buf_puts(b, ", \"property\": ");
			json_s(b, ks->property);
			cmfv_buf_printf(b, ", \"length\": %zu, \"kcv\": ", ks->length);
			json_s(b, ks->kcv[0] ? ks->kcv : NULL);
			cmfv_buf_printf(b, ", \"valid\": %s}", ks->valid ? "true" : "false");
		}
	}
	cmfv_buf_puts(b, k ? "\n  ]\n}\n" : "]\n}\n");
}

/* ---------------------------------------------------------------- sarif */

static const char *sarif_level(enum cmfv_severity s)
{
	return s == CMFV_SEV_ERROR ? "error" : s == CMFV_SEV_WARNING ? "warning" : "note";
}

/* rules.md anchor: "cmf001-key-secret-name-required" */
static void help_uri(struct cmfv_buf *b, const struct cmfv_rule *r)
{
	char anchor[96];
	size_t i;

	snprintf(anchor, sizeof(anchor), "%s-%s", r->id, r->name);
	for (i = 0; anchor[i]; i++)
		if (anchor[i] >= 'A' && anchor[i] <= 'Z')
			anchor[i] = (char)(anchor[i] - 'A' + 'a');
	cmfv_buf_printf(b, "\"%s#%s\"", RULES_URI, anchor);
}

/* A URI reference for a file: relative to the working directory when it can
 * be, percent-encoded. */
static void artifact_uri(struct cmfv_buf *b, const char *file)
{
	char cwd[4096];
	const char *p = file;
	struct cmfv_buf u = {0};
	size_t n;

	if (file[0] == '/' && getcwd(cwd, sizeof(cwd))) {
		n = strlen(cwd);
		if (strncmp(file, cwd, n) == 0 && file[n] == '/')
			p = file + n + 1;
		else
			cmfv_buf_puts(&u, "file://");
	}
	if (strncmp(p, "./", 2) == 0)
		p += 2;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~/", c))
			cmfv_buf_add(&u, p, 1);
		else
			cmfv_buf_printf(&u, "%%%02X", c);
	}
	cmfv_json_str(b, u.ptr ? u.ptr : "", u.len);
	cmfv_buf_free(&u);
}

static void render_sarif(struct cmfv_buf *b, const struct cli_run *runs, size_t n)
{
	size_t nrules, i, j, k = 0;
	const struct cmfv_rule *rules = cmfv_rules(&nrules);

	cmfv_buf_puts(b, "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
			 "  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n      \"tool\": {\n"
			 "        \"driver\": {\n          \"name\": \"cmf-validate\",\n");
	cmfv_buf_printf(b,
			"          \"version\": \"%s\",\n          \"semanticVersion\": \"%s\",\n"
			"          \"informationUri\": \"%s\",\n          \"rules\": [",
			CMFV_VERSION, CMFV_VERSION, INFO_URI);
	for (i = 0; i < nrules; i++) {
		const struct cmfv_rule *r = &rules[i];

		cmfv_buf_puts(b, i ? ",\n            {" : "\n            {");
		cmfv_buf_printf(
		    b, "\"id\": \"%s\", \"name\": \"%s\", \"shortDescription\": {\"text\": ", r->id,
		    r->name);
		json_s(b, r->summary);
		cmfv_buf_puts(b, "}, \"fullDescription\": {\"text\": ");
		{
			char full[512];

			snprintf(full, sizeof(full), "%s. %s.", r->summary, r->help);
			full[0] = (char)(full[0] >= 'a' && full[0] <= 'z' ? full[0] - 'a' + 'A'
									  : full[0]);
			json_s(b, full);
		}
		cmfv_buf_puts(b, "}, \"help\": {\"text\": ");
		json_s(b, r->help);
		cmfv_buf_puts(b, "}, \"helpUri\": ");
		help_uri(b, r);
		cmfv_buf_printf(b, ", \"defaultConfiguration\": {\"level\": \"%s\"}}",
				sarif_level(r->severity));
	}
	cmfv_buf_puts(b, "\n          ]\n        }\n      },\n"
			 "      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [");
	for (j = 0; j < n; j++) {
		const struct cmfv_report *r = &runs[j].report;

		for (i = 0; i < r->n; i++, k++) {
			const struct cmfv_finding *f = &r->v[i];

			cmfv_buf_puts(b, k ? ",\n        {" : "\n        {");
			cmfv_buf_printf(b,
					"\"ruleId\": \"%s\", \"ruleIndex\": %zu, \"level\": "
					"\"%s\", \"message\": {\"text\": ",
					f->rule->id, (size_t)(f->rule - rules),
					sarif_level(f->severity));
			json_s(b, f->message);
			cmfv_buf_puts(b, "}, \"locations\": [{");
			if (f->loc.file && !is_set_loc(&f->loc)) {
				cmfv_buf_puts(
				    b, "\"physicalLocation\": {\"artifactLocation\": {\"uri\": ");
				artifact_uri(b, f->loc.file);
				cmfv_buf_puts(b, "}");
				if (f->loc.line)
					cmfv_buf_printf(b,
							", \"region\": {\"startLine\": %u, "
							"\"startColumn\": %u}",
							f->loc.line, f->loc.col ? f->loc.col : 1);
				cmfv_buf_puts(b, "}");
				if (f->path)
					cmfv_buf_puts(b, ", ");
			}
			if (is_set_loc(&f->loc)) {
				cmfv_buf_printf(b,
						"\"logicalLocations\": [{\"name\": \"--set #%u\", "
						"\"kind\": \"parameter\"",
						f->loc.col);
				if (f->path) {
					cmfv_buf_puts(b, ", \"fullyQualifiedName\": ");
					json_s(b, f->path);
				}
				cmfv_buf_puts(b, "}]");
			} else if (f->path) {
				cmfv_buf_puts(b,
					      "\"logicalLocations\": [{\"fullyQualifiedName\": ");
				json_s(b, f->path);
				cmfv_buf_puts(b, ", \"kind\": \"property\"}]");
			}
			cmfv_buf_puts(b, "}]");
			if (runs[j].env) {
				cmfv_buf_puts(b, ", \"properties\": {\"environment\": ");
				json_s(b, runs[j].env);
				cmfv_buf_puts(b, "}");
			}
			cmfv_buf_puts(b, "}");
		}
	}
	cmfv_buf_printf(
	    b,
	    "%s      ],\n      \"invocations\": [{\"executionSuccessful\": true}]\n    }\n  ]\n}\n",
	    k ? "\n" : "");
}

/* ---------------------------------------------------------------- junit */

static void xml_text(struct cmfv_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&':
			cmfv_buf_puts(b, "&amp;");
			break;
		case '<':
			cmfv_buf_puts(b, "&lt;");
			break;
		case '>':
			cmfv_buf_puts(b, "&gt;");
			break;
		case '"':
			cmfv_buf_puts(b, "&quot;");
			break;
		case '\'':
			cmfv_buf_puts(b, "&apos;");
			break;
		case '\n':
			cmfv_buf_puts(b, "&#10;");
			break;
		default:
			/* XML 1.0 forbids most control characters */
			if (c < 0x20 && c != '\t')
				cmfv_buf_add(b, "?", 1);
			else
				cmfv_buf_add(b, s, 1);
		}
	}
}

static void junit_loc(struct cmfv_buf *b, const struct cmfv_finding *f)
{
	char tmp[600];

	if (is_set_loc(&f->loc))
		snprintf(tmp, sizeof(tmp), "--set #%u: ", f->loc.col);
	else if (f->loc.file)
		snprintf(tmp, sizeof(tmp), "%s:%u:%u: ", f->loc.file, f->loc.line, f->loc.col);
	else
		tmp[0] = '\0';
	xml_text(b, tmp);
}

static void render_junit(struct cmfv_buf *b, const struct cli_opts *o, const struct cli_run *runs,
			 size_t n)
{
	size_t nrules, i, j, k;
	const struct cmfv_rule *rules = cmfv_rules(&nrules);
	char stamp[32], host[256];
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = sde && sde[0] ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	if (sde && sde[0])
		snprintf(host, sizeof(host), "localhost");
	else if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	cmfv_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	for (j = 0; j < n; j++) {
		const struct cmfv_report *r = &runs[j].report;
		const char *suite = runs[j].env ? runs[j].env : "cmf-validate";
		size_t failures = 0;

		for (i = 0; i < nrules; i++) {
			for (k = 0; k < r->n; k++)
				if (r->v[k].rule == &rules[i] &&
				    cmfv_finding_fails(&r->v[k], o->strict))
					break;
			if (k < r->n)
				failures++;
		}
		cmfv_buf_puts(b, "  <testsuite package=\"cmf-validate\" name=\"");
		xml_text(b, suite);
		cmfv_buf_printf(b, "\" id=\"%zu\" timestamp=\"%s\" hostname=\"", j, stamp);
		xml_text(b, host);
		cmfv_buf_printf(b,
				"\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"0\">\n    "
				"<properties/>\n",
				nrules, failures);
		for (i = 0; i < nrules; i++) {
			int failed = 0;

			cmfv_buf_printf(b, "    <testcase name=\"%s %s\" classname=\"cmf-validate.",
					rules[i].id, rules[i].name);
			xml_text(b, suite);
			cmfv_buf_puts(b, "\" time=\"0\"");
			for (k = 0; k < r->n; k++) {
				const struct cmfv_finding *f = &r->v[k];

				if (f->rule != &rules[i])
					continue;
				if (cmfv_finding_fails(f, o->strict))
					failed = 1;
			}
			if (failed) {
				cmfv_buf_puts(b, ">\n      <failure type=\"");
				cmfv_buf_puts(b, rules[i].id);
				cmfv_buf_puts(b, "\" message=\"");
				for (k = 0; k < r->n; k++)
					if (r->v[k].rule == &rules[i]) {
						xml_text(b, r->v[k].message);
						break;
					}
				cmfv_buf_puts(b, "\">");
			}
			if (failed) {
				/* every finding of the rule, with its place */
				for (k = 0; k < r->n; k++) {
					const struct cmfv_finding *f = &r->v[k];

					if (f->rule != &rules[i])
						continue;
					junit_loc(b, f);
					xml_text(b, cmfv_severity_name(f->severity));
					cmfv_buf_puts(b, ": ");
					xml_text(b, f->message);
					cmfv_buf_puts(b, "&#10;");
				}
				cmfv_buf_puts(b, "</failure>\n    </testcase>\n");
			} else {
				cmfv_buf_puts(b, "/>\n");
			}
		}
		/* findings that fail nothing (warnings, notes) go to the suite's output:
		 * a passing testcase cannot carry text in this schema */
		cmfv_buf_puts(b, "    <system-out>");
		for (k = 0; k < r->n; k++) {
			const struct cmfv_finding *f = &r->v[k];

			if (cmfv_finding_fails(f, o->strict))
				continue;
			junit_loc(b, f);
			xml_text(b, cmfv_severity_name(f->severity));
			cmfv_buf_puts(b, ": ");
			xml_text(b, f->message);
			cmfv_buf_printf(b, " [%s]&#10;", f->rule->id);
		}
		cmfv_buf_puts(b, "</system-out>\n    <system-err/>\n  </testsuite>\n");
	}
	cmfv_buf_puts(b, "</testsuites>\n");
}

/* ---------------------------------------------------------------- github */

static void gh_escape(struct cmfv_buf *b, const char *s, int property)
{
	for (; *s; s++) {
		switch (*s) {
		case '%':
			cmfv_buf_puts(b, "%25");
			break;
		case '\r':
			cmfv_buf_puts(b, "%0D");
			break;
		case '\n':
			cmfv_buf_puts(b, "%0A");
			break;
		case ':':
			if (property)
				cmfv_buf_puts(b, "%3A");
			else
				cmfv_buf_add(b, s, 1);
			break;
		case ',':
			if (property)
				cmfv_buf_puts(b, "%2C");
			else
				cmfv_buf_add(b, s, 1);
			break;
		default:
			cmfv_buf_add(b, s, 1);
		}
	}
}

static void render_github(struct cmfv_buf *b, const struct cli_run *runs, size_t n)
{
	size_t i, j;

	for (j = 0; j < n; j++) {
		const struct cmfv_report *r = &runs[j].report;

		for (i = 0; i < r->n; i++) {
			const struct cmfv_finding *f = &r->v[i];
			char title[128];

			cmfv_buf_printf(b, "::%s ",
					f->severity == CMFV_SEV_ERROR	  ? "error"
					: f->severity == CMFV_SEV_WARNING ? "warning"
									  : "notice");
			if (f->loc.file && !is_set_loc(&f->loc)) {
				cmfv_buf_puts(b, "file=");
				gh_escape(b, f->loc.file, 1);
				if (f->loc.line)
					cmfv_buf_printf(b, ",line=%u,col=%u", f->loc.line,
							f->loc.col);
				cmfv_buf_puts(b, ",");
			}
			snprintf(title, sizeof(title), "%s %s", f->rule->id, f->rule->name);
			cmfv_buf_puts(b, "title=");
			gh_escape(b, title, 1);
			cmfv_buf_puts(b, "::");
			if (runs[j].env) {
				gh_escape(b, runs[j].env, 0);
				cmfv_buf_puts(b, ": ");
			}
			if (is_set_loc(&f->loc))
				cmfv_buf_printf(b, "--set #%u: ", f->loc.col);
			gh_escape(b, f->message, 0);
			cmfv_buf_puts(b, "\n");
		}
	}
}

/* ---------------------------------------------------------------- entry */

int cli_render_runs(const struct cli_opts *o, const struct cli_run *runs, size_t nruns,
		    const char *format, FILE *out)
{
	struct cmfv_buf b = {0};

	if (strcmp(format, "text") == 0)
		return render_text(runs, nruns, out);
	if (strcmp(format, "json") == 0)
		render_json(&b, runs, nruns);
	else if (strcmp(format, "sarif") == 0)
		render_sarif(&b, runs, nruns);
	else if (strcmp(format, "junit") == 0)
		render_junit(&b, o, runs, nruns);
	else if (strcmp(format, "github") == 0)
		render_github(&b, runs, nruns);
	else {
		fprintf(stderr, "cmf-validate: unknown output format '%s'\n", format);
		return EXIT_USAGE;
	}
	if (b.failed) {
		cmfv_buf_free(&b);
		fprintf(stderr, "cmf-validate: out of memory\n");
		return EXIT_ENV;
	}
	if (b.len)
		fwrite(b.ptr, 1, b.len, out);
	cmfv_buf_free(&b);
	return 0;
}

int cli_render(const struct cli_opts *o, const struct cli_run *run, const char *format, FILE *out)
{
	return cli_render_runs(o, run, 1, format, out);
}

mode_t cli_umask(void)
{
	mode_t m = umask(077);

	umask(m);
	return m;
}

FILE *cli_safe_open(const char *path, unsigned flags, mode_t mode, struct cmfv_safefile *sf,
		    struct cmfv_diag *d)
{
	FILE *f;

	if (cmfv_safefile_open(path, flags, mode, sf, d) != CMFV_OK)
		return NULL;
	f = fdopen(sf->fd, "w");
	if (f == NULL) {
		cmfv_diag_set(d, CMFV_ENOMEM, path, 0, 0, "out of memory");
		cmfv_safefile_abort(sf);
	}
	return f;
}

int cli_safe_close(FILE *f, struct cmfv_safefile *sf, int keep, int sync, struct cmfv_diag *d)
{
	int failed = (fflush(f) != 0) | ferror(f);

	if (sync && !failed && !sf->in_place && fsync(fileno(f)) != 0)
		failed = 1;
	/* the descriptor is the stream's: fclose closes it, commit renames */
	sf->fd = -1;
	failed |= fclose(f) != 0;
	if (failed || !keep) {
		cmfv_safefile_abort(sf);
		if (failed)
			cmfv_diag_fail(d, CMFV_EIO, "cannot write the file: %s", strerror(errno));
		return failed ? -1 : 0;
	}
	return cmfv_safefile_commit(sf, sync, d) == CMFV_OK ? 0 : -1;
}

/* -o FORMAT or -o FORMAT=FILE */
int cli_split_output(const char *spec, char *fmt, size_t fmtsz, const char **file)
{
	const char *eq = strchr(spec, '=');
	size_t n = eq ? (size_t)(eq - spec) : strlen(spec);

	if (n >= fmtsz)
		return 0;
	memcpy(fmt, spec, n);
	fmt[n] = '\0';
	*file = eq ? eq + 1 : NULL;
	return cli_format_known(fmt) && (!eq || eq[1] != '\0');
}

int cli_write_outputs(const struct cli_opts *o, const struct cli_run *runs, size_t nruns)
{
	size_t i, n = o->noutputs ? o->noutputs : 1;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		char fmt[16];
		const char *file = NULL;
		FILE *out = stdout;
		struct cmfv_safefile sf;
		struct cmfv_diag d;

		if (o->noutputs)
			cli_split_output(o->outputs[i], fmt, sizeof(fmt), &file);
		else
			snprintf(fmt, sizeof(fmt), "text");
		/* --output-file is for the one -o that names no file of its own */
		if (file == NULL && o->output_file)
			file = o->output_file;
		cmfv_diag_clear(&d);
		if (file && strcmp(file, "-") != 0) {
			/* what is already on stdout goes first: FILE may be it */
			fflush(stdout);
			/* a temporary renamed over FILE: never written through a
			 * link planted there (docs/hardening.md) */
			out = cli_safe_open(file, 0, 0666 & ~cli_umask(), &sf, &d);
			if (out == NULL) {
				cli_print_diag(&d);
				return EXIT_ENV; /* output that cannot be written */
			}
		}
		rc = cli_render_runs(o, runs, nruns, fmt, out);
		if (out != stdout && cli_safe_close(out, &sf, rc == 0, 0, &d) != 0 && rc == 0) {
			snprintf(d.file, sizeof(d.file), "%s", file);
			cli_print_diag(&d);
			rc = EXIT_ENV;
		}
	}
	if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
		perror("cmf-validate: write");
		rc = EXIT_ENV;
	}
	return rc;
}
