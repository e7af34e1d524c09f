/* post-render: Helm's post-renderer. Manifests on stdin, the same on
 * stdout with the key mounted into the CMF Deployment; fails closed.
 *
 * Two passes keep memory bounded by the largest document and write nothing
 * before the verdict: the first splits the stream, looks for the
 * Deployment and keeps a copy of it only; the second copies the stream out
 * with that one document replaced. How stdin is kept between the two
 * passes, and copied out: post_render_io.c. */
#define _GNU_SOURCE /* fopencookie */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "cmfv/buf.h"
#include "cmfv/check.h"
#include "cmfv/finder.h"
#include "cmfv/guard.h"
#include "cmfv/inject.h"
#include "cmfv/redact.h"
#include "cmfv/safefile.h"
#include "cmfv/source.h"
#include "cmfv/stream.h"
#include "cmfv/version.h"
#include "commands.h"
#include "post_render.h"

static void help(void)
{
	printf("Usage: cmf-validate post-render [flags] < manifests > manifests\n\n"
	       "Helm post-renderer. For every CMF Deployment in the stream it reads the CMF\n"
	       "configuration the chart rendered (the file its container names, from the\n"
	       "ConfigMap it mounts): when that turns encryption on, it checks the key Secret\n"
	       "(with --secret-file, --manifests or --cluster) and mounts it into container cmf:\n"
	       "a read-only volume (defaultMode 0400) projecting just the key property to a\n"
	       "file. Values are optional; given, they must agree with the render (CMF005).\n"
	       "Every other document is written back byte for byte.\n\n"
	       "  Helm 3: helm install ... --post-renderer \"$(helm env "
	       "HELM_PLUGINS)/cmf-validate/bin/cmf-validate\" \\\n"
	       "            --post-renderer-args post-render\n"
	       "  Helm 4: helm install ... --post-renderer cmf-post-renderer\n"
	       "  Easier: helm cmf-validate install|upgrade|template ... (checks first, wires this "
	       "in)\n\n"
	       "Encryption not required: the manifests pass through unchanged, with a warning\n"
	       "(exit 1 with --strict). Encryption required but broken: exit 1, nothing written.\n"
	       "Helm 4 discards a post-renderer's stderr, so the report is also written to\n"
	       "--report FILE (not -: stdout is the manifests), else\n"
	       "$HELM_CACHE_HOME/cmf-validate/last-report.txt, else\n"
	       "${XDG_CACHE_HOME:-$HOME/.cache}/helm/cmf-validate/last-report.txt.\n"
	       "stdin may be at most --max-input (256Mi by default), one document 32 MiB:\n"
	       "past either, exit 2 and nothing is written.\n\n");
	cli_print_flags(CMD_POST_RENDER);
	printf("\nDefaults: --volume-name %s, --mount-path %s, --file-name %s, --container %s.\n"
	       "Exit codes: 0 ok, 1 findings (nothing written), 2 usage or unusable input\n"
	       "(empty, not YAML), 3 environment (output could not be written).\n",
	       CMFV_DEFAULT_VOLUME, CMFV_DEFAULT_MOUNT_PATH, CMFV_DEFAULT_FILE,
	       CMFV_DEFAULT_CONTAINER);
}

/* ------------------------------------------------------------ report file */

/* Everything said on stderr while post-render runs is copied into the
 * report (pr->notes): Helm 4 drops a post-renderer's stderr, so the report
 * is the only place the user sees why, whichever part of the CLI said it
 * (a kubectl failure in the key sources, a values file that cannot be
 * read). stderr is swapped for a stream that writes through and copies. */
static struct {
	FILE *real;
	struct cmfv_buf *log;
	int on;
} tee;

static ssize_t tee_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	if (fwrite(buf, 1, n, tee.real) != n)
		return -1;
	if (tee.on)
		cmfv_buf_add(tee.log, buf, n);
	return (ssize_t)n;
}

static void tee_start(struct cmfv_buf *log)
{
	cookie_io_functions_t io = {NULL, tee_write, NULL, NULL};
	FILE *f = fopencookie(NULL, "w", io);

	if (f == NULL)
		return; /* then the report has what say() adds only */
	setvbuf(f, NULL, _IONBF, 0);
	tee.real = stderr;
	tee.log = log;
	tee.on = 1;
	stderr = f;
}

static void tee_stop(void)
{
	FILE *f = stderr;

	if (tee.real == NULL)
		return;
	stderr = tee.real;
	tee.real = NULL;
	tee.on = 0;
	fclose(f);
}

/* Where the report goes: --report, else Helm's cache folder. */
static int report_path(const struct cli_opts *o, char *buf, size_t n, int *is_default)
{
	const char *helm = getenv("HELM_CACHE_HOME"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int w;

	*is_default = 0;
	if (o->report_file)
		w = snprintf(buf, n, "%s", o->report_file);
	else if (helm && helm[0])
		w = snprintf(buf, n, "%s/cmf-validate/last-report.txt", helm);
	else if (xdg && xdg[0])
		w = snprintf(buf, n, "%s/helm/cmf-validate/last-report.txt", xdg);
	else if (home && home[0])
		w = snprintf(buf, n, "%s/.cache/helm/cmf-validate/last-report.txt", home);
	else
		return -1;
	*is_default = o->report_file == NULL;
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

static void timestamp(char *buf, size_t n)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = sde && sde[0] ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Leave the report where the docs say, through cmfv_safefile: a temporary
 * in a checked folder renamed over the target (so nothing planted there is
 * written through). Failing to is a warning only: the report is a copy of
 * what stderr says, and another user planting a folder must not be able to
 * stop a release (docs/hardening.md). */
static void write_report(struct pr *pr, int rc, int have_run)
{
	char path[4096], when[32];
	struct cmfv_safefile sf;
	struct cmfv_diag d;
	int is_default;
	FILE *f;

	if (report_path(&pr->o, path, sizeof(path), &is_default) != 0) {
		fprintf(stderr, "cmf-validate: warning: no place for the report: set HOME, "
				"HELM_CACHE_HOME or --report\n");
		return;
	}
	cmfv_diag_clear(&d);
	/* our own folder is checked strictly and anything at the target is
	 * replaced; --report FILE may be /dev/stderr or a FIFO */
	f = cli_safe_open(path, is_default ? CMFV_SF_OWN_DIR | CMFV_SF_NO_SPECIAL : 0, 0600, &sf,
			  &d);
	if (f == NULL) {
		if (rc != EXIT_ENV)
			fprintf(stderr,
				"cmf-validate: warning: cannot write the report %s: %s%s%s\n", path,
				d.file[0] && strcmp(d.file, path) != 0 ? d.file : "",
				d.file[0] && strcmp(d.file, path) != 0 ? ": " : "", d.msg);
		return;
	}
	timestamp(when, sizeof(when));
	fprintf(f, "# cmf-validate %s post-render, %s, exit %d\n", CMFV_VERSION, when, rc);
	if (have_run)
		cli_render(&pr->o, &pr->run, "text", f);
	if (pr->notes.len)
		fwrite(pr->notes.ptr, 1, pr->notes.len, f);
	if (cli_safe_close(f, &sf, 1, 0, &d) != 0) {
		if (rc != EXIT_ENV)
			fprintf(stderr, "cmf-validate: warning: cannot write the report %s: %s\n",
				path, d.msg);
	} else if (rc == EXIT_FINDINGS) {
		fprintf(stderr, "cmf-validate: this report is also in %s\n", path);
	}
}

/* No Deployment found: if the input is not YAML at all, say that instead. */
static int check_all_yaml(struct pr *pr, unsigned long long total)
{
	struct reread rr = {pr, 0, total};
	struct cmfv_stream *s = NULL;
	struct cmfv_doc doc;
	struct cmfv_diag d;
	enum cmfv_err e;
	size_t flow = 0; /* one flow cost limit for the stream */

	cmfv_diag_clear(&d);
	if (cmfv_stream_new(reread_fn, &rr, IN_NAME, 0, &s) != CMFV_OK)
		return 0;
	do {
		e = cmfv_stream_next(s, &doc, &d);
		if (e == CMFV_OK && doc.ptr)
			e = cmfv_doc_check_yaml_flow(&doc, IN_NAME, &flow, &d);
	} while (e == CMFV_OK && doc.ptr);
	cmfv_stream_free(s);
	return e == CMFV_OK ? 0 : say_diag(pr, &d);
}

/* --------------------------------------------------------------- steps */

/* Move \p extra's findings into the run's report; the configuration's
 * severities and waivers are applied once, to all of them, later. */
static int merge_findings(struct pr *pr, struct cmfv_report *extra)
{
	return cmfv_report_merge(&pr->run.report, extra) == CMFV_OK ? 0 : EXIT_ENV;
}

static int finish_report(struct pr *pr)
{
	if (pr->run.config) {
		char today[11];

		cli_today(today);
		if (cmfv_config_apply(pr->run.config, today, &pr->run.report) != CMFV_OK)
			return EXIT_ENV;
	}
	cmfv_report_sort(&pr->run.report);
	return 0;
}

static int valid_flags(struct pr *pr)
{
	struct cmfv_diag d;

	cmfv_diag_clear(&d);
	if (cmfv_inject_opts_check(&pr->io, &d) != CMFV_OK) {
		say(pr, "post-render: %s", d.msg);
		return EXIT_USAGE;
	}
	if (pr->o.kcv && !cmfv_is_kcv(pr->o.kcv)) {
		say(pr, "post-render: --kcv must be 6 hex digits (as key-info prints), not '%s'",
		    pr->o.kcv);
		return EXIT_USAGE;
	}
	return 0;
}

static void inject_opts(struct pr *pr)
{
	const struct cli_opts *o = &pr->o;
	struct cmfv_inject_opts *io = &pr->io;

	cli_inject_opts(o, &pr->run, io);
	io->file = IN_NAME;
	/* the KCV hook: --kcv (the wrapper's), else a key source's */
	io->kcv = o->kcv ? o->kcv : cmfv_report_kcv(&pr->run.report);
}

/* ------------------------------------------------------------- judging */

/* Gives the pairing step a document of the kept input again. */
static enum cmfv_err fetch(void *ctx, const char *file, unsigned long long off, char *buf,
			   size_t len, struct cmfv_diag *d)
{
	struct reread rr = {ctx, off, off + len};
	size_t got = 0;

	(void)file;
	while (got < len) {
		ssize_t r = reread_fn(&rr, buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return cmfv_diag_fail(d, CMFV_ENOENT, "%s: cannot read the input again: %s",
					      IN_NAME,
					      r < 0 ? strerror(errno) : "it is shorter now");
		got += (size_t)r;
	}
	return CMFV_OK;
}

/* One CMF Deployment: what it needs, and its edited text. */
struct item {
	struct cmfv_instance *in;
	struct cmfv_decision dec;
	char kcv[7];
	struct cmfv_buf out;
	int changed;
};

static int needs_key(const struct item *it)
{
	return it->dec.basis && it->dec.ref.required;
}

static int has_ref(const struct cmfv_keyref *r)
{
	return r->name && r->name[0] && r->property && r->property[0];
}

/* The key sources for one Secret (CMF020-CMF027 into the run's report);
 * the KCV of a valid key found there. Each Secret is looked at once. */
static int check_keys(struct pr *pr, struct item *items, size_t i)
{
	struct cmfv_keyref saved = pr->run.ref;
	const struct cmfv_keyref *ref = &items[i].dec.ref;
	size_t j, before = pr->run.report.nkeys;
	int rc;

	for (j = 0; j < i; j++)
		if (needs_key(&items[j]) && has_ref(&items[j].dec.ref) &&
		    strcmp(items[j].dec.ref.name, ref->name) == 0 &&
		    strcmp(items[j].dec.ref.property, ref->property) == 0) {
			memcpy(items[i].kcv, items[j].kcv, sizeof(items[i].kcv));
			return 0;
		}
	pr->run.ref = *ref;
	rc = cli_check_keys(&pr->o, &pr->run);
	pr->run.ref = saved;
	for (j = before; rc == 0 && j < pr->run.report.nkeys; j++)
		if (pr->run.report.keys[j].valid && pr->run.report.keys[j].kcv[0]) {
			memcpy(items[i].kcv, pr->run.report.keys[j].kcv, sizeof(items[i].kcv));
			break;
		}
	return rc;
}

/* No CMF Deployment in the stream (CMF030, when one was expected, is the
 * core's cmfv_finder_expected): every document must still be YAML, and
 * the values' own findings stand. */
static int no_instance(struct pr *pr, unsigned long long total, struct cmfv_report *extra)
{
	int rc = check_all_yaml(pr, total);

	if (rc != 0)
		return rc;
	if (pr->run.values && cmfv_check_values(pr->run.values, &pr->run.ref, extra) != CMFV_OK)
		return EXIT_ENV;
	return 0;
}

/* Decide for every CMF Deployment, then check keys and guards. */
static int decide_all(struct pr *pr, struct cmfv_finder *f, struct item *items, size_t n,
		      struct cmfv_report *extra)
{
	struct cmfv_judge_input j;
	struct cmfv_buf note = {0};
	size_t i, first = n;
	int rc = 0;

	memset(&j, 0, sizeof(j));
	j.values = pr->run.values;
	j.secret_name = pr->o.secret_name;
	j.secret_property = pr->o.secret_property;
	j.check_fallback = 1;
	for (i = 0; i < n && rc == 0; i++) {
		items[i].in = cmfv_finder_get(f, i);
		cmfv_buf_reset(&note);
		if (cmfv_instance_decide(items[i].in, &j, &items[i].dec, extra, &note) != CMFV_OK ||
		    note.failed)
			rc = EXIT_ENV;
		else if (note.len)
			say(pr, "%s", note.ptr);
		if (first == n && needs_key(&items[i]))
			first = i;
	}
	cmfv_buf_free(&note);
	for (i = 0; i < n && rc == 0; i++)
		if (needs_key(&items[i]) && has_ref(&items[i].dec.ref))
			rc = check_keys(pr, items, i);
	if (rc == 0) {
		/* the upgrade guards weigh the release's one key reference */
		if (first < n)
			pr->run.ref = items[first].dec.ref;
		else if (n > 0 && items[0].dec.basis)
			pr->run.ref = items[0].dec.ref;
		rc = cli_check_upgrade(&pr->o, &pr->run);
	}
	return rc;
}

/* Mount the key into every CMF Deployment that needs it. */
static int mount_all(struct pr *pr, struct item *items, size_t n, struct cmfv_report *extra)
{
	struct cmfv_diag d;
	size_t i;

	cmfv_diag_clear(&d);
	for (i = 0; i < n; i++) {
		struct cmfv_inject_opts io = pr->io;
		struct cmfv_instance *in = items[i].in;

		if (!needs_key(&items[i]) || !has_ref(&items[i].dec.ref))
			continue;
		if (!in->editable) {
			if (cmfv_instance_unmountable(in, extra) != CMFV_OK)
				return EXIT_ENV;
			continue;
		}
		io.secret_name = items[i].dec.ref.name;
		io.property = items[i].dec.ref.property;
		io.container = in->container[0] ? in->container : pr->io.container;
		io.kcv = pr->o.kcv ? pr->o.kcv : items[i].kcv[0] ? items[i].kcv : NULL;
		io.file = in->file;
		if (cmfv_inject_doc(&io, &in->doc, &items[i].out, &items[i].changed, extra, &d) !=
		    CMFV_OK)
			return say_diag(pr, &d);
	}
	return 0;
}

/* The verdict is in: the stream out, each changed Deployment replaced. */
static int write_stream(struct pr *pr, struct item *items, size_t n, unsigned long long total)
{
	unsigned long long pos = 0;
	size_t i;
	int err = 0, changed = 0, needed = 0;

	for (i = 0; i < n && !err; i++) {
		const struct cmfv_doc *doc = &items[i].in->doc;

		needed |= needs_key(&items[i]);
		if (!items[i].changed)
			continue;
		err = copy_input(pr, pos, doc->offset - pos);
		if (!err)
			err = write_all(STDOUT_FILENO, items[i].out.ptr, items[i].out.len);
		pos = doc->offset + doc->len;
		changed++;
	}
	if (!err)
		err = copy_input(pr, pos, total - pos);
	if (err) {
		say(pr, "cannot write the manifests to stdout: %s", strerror(err));
		return EXIT_ENV;
	}
	for (i = 0; i < n; i++)
		if (items[i].changed)
			say(pr,
			    "mounted Secret %s key %s at %s/%s in the CMF Deployment %s (document "
			    "at "
			    "line %lu)",
			    items[i].dec.ref.name, items[i].dec.ref.property,
			    pr->io.mount_path ? pr->io.mount_path : CMFV_DEFAULT_MOUNT_PATH,
			    pr->io.file_name ? pr->io.file_name : CMFV_DEFAULT_FILE,
			    items[i].in->name, items[i].in->doc.line);
	if (changed == 0 && needed)
		say(pr, "the key is already mounted in the CMF Deployment: manifests unchanged");
	else if (changed == 0 && n > 0)
		say(pr, "encryption is not required: manifests passed through unchanged, no key "
			"mounted");
	else if (changed == 0)
		say(pr, "no CMF Deployment in the manifests: passed through unchanged, no key "
			"mounted");
	return 0;
}

/* Find, decide, check, mount, write. */
static int judge(struct pr *pr)
{
	struct cmfv_finder *f = NULL;
	struct cmfv_report extra = {0};
	struct item *items = NULL;
	unsigned long long total = 0;
	struct cmfv_diag d;
	size_t n = 0, i;
	int rc;

	cmfv_diag_clear(&d);
	input_open(&pr->in, pr->o.max_input);
	if (cmfv_finder_new(&pr->io, &f) != CMFV_OK) {
		say(pr, "out of memory");
		rc = EXIT_ENV;
		goto out;
	}
	rc = scan(pr, f, &total);
	if (rc != 0)
		goto out;
	if (total == 0) {
		say(pr, "no manifests on stdin: Helm sends the rendered chart there");
		rc = EXIT_USAGE;
		goto out;
	}
	if (cmfv_finder_pair(f, fetch, pr, &d) != CMFV_OK) {
		rc = say_diag(pr, &d);
		goto out;
	}
	n = cmfv_finder_count(f);
	if (cmfv_finder_expected(f, &pr->run.ref, pr->run.values != NULL,
				 pr->o.secret_name && pr->o.secret_property, &extra) != CMFV_OK) {
		rc = EXIT_ENV;
		goto out;
	}
	items = calloc(n ? n : 1, sizeof(*items));
	if (items == NULL) {
		rc = EXIT_ENV;
		goto out;
	}
	if (n == 0)
		rc = no_instance(pr, total, &extra);
	else
		rc = decide_all(pr, f, items, n, &extra);
	if (rc == 0)
		rc = mount_all(pr, items, n, &extra);
	if (rc == 0 && (merge_findings(pr, &extra) != 0 || finish_report(pr) != 0))
		rc = EXIT_ENV;
	if (rc != 0)
		goto out;
	tee.on = 0; /* the report renders the findings itself */
	if (cli_render(&pr->o, &pr->run, "text", stderr) != 0) {
		rc = EXIT_ENV;
		goto out;
	}
	tee.on = 1;
	rc = cli_report_exit(&pr->run.report, pr->o.strict);
	if (rc != 0) {
		say(pr, "the release stops here: nothing was written to stdout");
		goto out;
	}
	rc = write_stream(pr, items, n, total);
out:
	for (i = 0; items && i < n; i++)
		cmfv_buf_free(&items[i].out);
	free(items);
	cmfv_report_free(&extra);
	cmfv_finder_free(f);
	input_close(&pr->in);
	return rc;
}

int cmd_post_render(int argc, char **argv)
{
	struct sigaction sa;
	struct pr pr;
	int rc;

	memset(&pr, 0, sizeof(pr));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);
	/* past a file size limit (ulimit -f) a write fails with EFBIG and we
	 * say so (exit 3), rather than die of SIGXFSZ without a word */
	signal(SIGXFSZ, SIG_IGN);
	rc = cli_parse(CMD_POST_RENDER, "post-render", argc, argv, &pr.o);
	if (rc != 0 || pr.o.help) {
		if (rc == 0)
			help();
		cli_opts_free(&pr.o);
		return rc;
	}
	if (pr.o.nrest > 0) {
		fprintf(stderr,
			"cmf-validate post-render: unexpected argument '%s'\nRun 'cmf-validate "
			"post-render --help' for usage.\n",
			pr.o.rest[0]);
		cli_opts_free(&pr.o);
		return EXIT_USAGE;
	}
	if (pr.o.report_file && strcmp(pr.o.report_file, "-") == 0) {
		/* "-" is stdout, and stdout is the manifests Helm applies */
		fprintf(stderr, "cmf-validate post-render: --report - would mix the report into "
				"the manifests on stdout; name a file (or /dev/stderr)\nRun "
				"'cmf-validate post-render --help' for usage.\n");
		cli_opts_free(&pr.o);
		return EXIT_USAGE;
	}
	tee_start(&pr.notes);
	rc = cli_run_values(&pr.o, &pr.run);
	if (rc != 0) {
		/* for the report file only: stderr ends with the reason */
		tee.on = 0;
		cmfv_buf_printf(&pr.notes,
				"cmf-validate: the checks could not run (exit %d): the reason is "
				"above; `helm cmf-validate check` with the same flags shows it "
				"too\n",
				rc);
		write_report(&pr, rc, 0);
		goto out;
	}
	inject_opts(&pr);
	rc = valid_flags(&pr);
	if (rc == 0)
		rc = judge(&pr);
	tee.on = 0; /* the report's own warnings are not part of it */
	write_report(&pr, rc, 1);
out:
	tee_stop();
	cmfv_buf_free(&pr.notes);
	cli_run_free(&pr.run);
	cli_opts_free(&pr.o);
	return rc;
}
