/* helm cmf-validate install|upgrade|template ...: check first, then run Helm
 * with the post-renderer wired the way its major version wants it.
 *
 * The command line is read exactly as the Helm that will run reads it: its
 * flags come from `$HELM_BIN <cmd> --help`, parsed with pflag's rules
 * (helmargs.c). A flag that binary does not list is refused, never guessed:
 * a wrong guess shifts the positionals or hides a values file, and the check
 * would then judge another release than the one Helm deploys. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "helm.h"
#include "cmfv/chart.h"
#include "cmfv/diag.h"
#include "cmfv/helmargs.h"
#include "cmfv/source.h"
#include "wrap.h"

/* Helm 4: the post-renderer plugin shipped inside this plugin's folder,
 * found by Helm through one more HELM_PLUGINS entry (Helm 3 reads plugins
 * one level deep and never sees it). Returns 1 when wired, 0 when absent. */
static int nested_post_renderer(struct wrap *w)
{
	const char *dir = getenv("HELM_PLUGIN_DIR"), *user = getenv("HELM_PLUGINS");
	char path[4200], *self = NULL, *out = NULL;
	const char *parent;
	struct stat st, me;

	if (dir && dir[0]) {
		snprintf(path, sizeof(path), "%s/postrenderer", dir);
	} else {
		char *slash;

		self = cli_self_path(); /* <plugin>/bin/cmf-validate */
		if (self == NULL || (slash = strrchr(self, '/')) == NULL) {
			free(self);
			return 0;
		}
		*slash = '\0';
		snprintf(path, sizeof(path), "%s/../postrenderer", self);
		free(self);
	}
	parent = wrap_keep(w, strdup(path));
	snprintf(path, sizeof(path), "%s/cmf-post-renderer/plugin.yaml", parent ? parent : "");
	if (parent == NULL || stat(path, &st) != 0)
		return 0;
	/* its command is <plugin>/bin/cmf-validate: only if that is us */
	snprintf(path, sizeof(path), "%s/../bin/cmf-validate", parent);
	self = cli_self_path();
	if (self == NULL || stat(path, &st) != 0 || stat(self, &me) != 0 ||
	    st.st_dev != me.st_dev || st.st_ino != me.st_ino) {
		free(self);
		return 0;
	}
	free(self);
	if (user == NULL || user[0] == '\0') {
		char *argv[] = {cli_helm_bin(), "env", "HELM_PLUGINS", NULL};

		if (cli_run_capture(argv, 30, 1 << 16, &out, 0) == 0 && out) {
			out[strcspn(out, "\n")] = '\0';
			user = wrap_keep(w, out);
		} else {
			free(out);
		}
	}
	/* ours first: a cmf-post-renderer elsewhere in the user's folders (an
	 * older copy, another plugin of that name) must not be the one run */
	if (user && user[0])
		parent = wrap_concat(w, wrap_concat(w, parent, ":"), user);
	if (parent == NULL || setenv("HELM_PLUGINS", parent, 1) != 0)
		return -1;
	return 1;
}

static int wire_post_renderer(struct wrap *w)
{
	int have;
	char *self;

	if (w->major == 3) {
		self = cli_self_path();
		if (self == NULL || wrap_keep(w, self) == NULL ||
		    wrap_push(&w->helm, &w->nhelm, "--post-renderer") ||
		    wrap_push(&w->helm, &w->nhelm, self) ||
		    wrap_push(&w->helm, &w->nhelm, "--post-renderer-args") ||
		    wrap_push(&w->helm, &w->nhelm, "post-render"))
			return EXIT_ENV;
		return 0;
	}
	have = nested_post_renderer(w);
	if (have < 0)
		return EXIT_ENV;
	if (have == 0)
		have = cli_post_renderer_installed();
	if (have == 0 && !w->may_install_pr) {
		fprintf(
		    stderr,
		    "cmf-validate: Helm 4 needs the cmf-post-renderer plugin: it is neither in "
		    "this plugin's\n"
		    "  postrenderer/ folder nor installed. Reinstall cmf-validate, or run\n"
		    "  `helm cmf-validate install-post-renderer` once (read its note on Helm 3),\n"
		    "  or add --cmf-install-post-renderer to let this command install it\n");
		return EXIT_USAGE;
	}
	if (have == 0 && cli_install_post_renderer(0) != 0)
		return EXIT_ENV;
	if (have < 0) {
		fprintf(stderr, "cmf-validate: `%s plugin list` failed\n", cli_helm_bin());
		return EXIT_ENV;
	}
	return wrap_push(&w->helm, &w->nhelm, "--post-renderer") ||
		       wrap_push(&w->helm, &w->nhelm, "cmf-post-renderer")
		   ? EXIT_ENV
		   : 0;
}

/* A chart with subcharts (dependencies in Chart.yaml, or anything under
 * charts/): CMF may run in one under any alias, so the top-level values say
 * nothing about it; only the rendered stream does. */
static int has_subcharts(const char *chart)
{
	char path[4200], line[512];
	FILE *f;
	int deps = 0;

	snprintf(path, sizeof(path), "%s/Chart.yaml", chart);
	f = fopen(path, "r");
	while (f && !deps && fgets(line, sizeof(line), f))
		deps = strncmp(line, "dependencies:", 13) == 0;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "%s/charts", chart);
	if (!deps) {
		char *argv[] = {"find", path, "-mindepth", "1", "-maxdepth", "1", NULL};
		char *out = NULL;

		deps = cli_run_capture(argv, 30, 4096, &out, 0) == 0 && out && out[0];
		free(out);
	}
	return deps;
}

/* The chart as Helm loads it, nothing judged: a chart Helm refuses, or
 * CMF in a crds/ file (installed as it is, never post-rendered), stops
 * here with the loader's reason. */
static int load_only(struct wrap *w)
{
	struct cmfv_sources src = {0};
	struct cmfv_chart *c = NULL;
	struct cmfv_diag d;
	int rc = 0;

	cmfv_diag_clear(&d);
	if (cmfv_chart_load(w->o.chart, w->major, &src, &c, &d) != CMFV_OK)
		rc = cli_print_diag(&d);
	cmfv_chart_free(c);
	cmfv_sources_free(&src);
	return rc;
}

static int run_checks(struct wrap *w)
{
	struct cli_run run;
	int rc;

	if (w->o.chart && has_subcharts(w->o.chart)) {
		if ((rc = load_only(w)) != 0)
			return rc;
		fprintf(stderr,
			"cmf-validate: %s has subcharts: CMF's settings are judged by the "
			"post-renderer, from what Helm renders\n",
			w->chart);
		return 0;
	}
	memset(&run, 0, sizeof(run));
	w->o.chart_lenient = 1;
	rc = cli_run_checks(&w->o, &run);
	if (rc == 0) {
		/* the verdict goes to stderr: helm's stdout stays clean */
		rc = cli_render(&w->o, &run, "text", stderr);
		if (rc == 0)
			rc = cli_report_exit(&run.report, w->o.strict);
		if (rc == EXIT_FINDINGS)
			fprintf(stderr, "cmf-validate: not running helm %s: fix the errors above\n",
				w->cmd);
	}
	if (rc == 0 && cmfv_report_kcv(&run.report)) {
		const char *kcv = wrap_keep(w, strndup(cmfv_report_kcv(&run.report), 6));

		if (kcv == NULL || wrap_push(&w->pr, &w->npr, "--kcv") ||
		    wrap_push(&w->pr, &w->npr, kcv))
			rc = EXIT_ENV;
	}
	cli_run_free(&run);
	return rc;
}

/* Everything Helm needs besides the user's flags: namespace and context back
 * (Helm hands them to plugins as env only), the post-renderer, its args,
 * then the positionals (after "--" when one looks like a flag). */
static int finish_argv(struct wrap *w)
{
	const char *ns = cli_namespace(&w->o), *ctx = getenv("HELM_KUBECONTEXT");
	size_t k;
	int dash = 0, rc;

	if (!w->o.namespace_from_flag && ns &&
	    (wrap_push(&w->helm, &w->nhelm, "--namespace") || wrap_push(&w->helm, &w->nhelm, ns)))
		return EXIT_ENV;
	if (!w->o.kube_context && ctx && ctx[0] &&
	    (wrap_push(&w->helm, &w->nhelm, "--kube-context") ||
	     wrap_push(&w->helm, &w->nhelm, ctx)))
		return EXIT_ENV;
	/* the post-renderer needs the namespace (Helm 4 does not pass
	 * HELM_NAMESPACE to it) */
	if (ns && !(w->o.namespace_from_flag && (!w->o.namespace || !w->o.namespace[0])) &&
	    (wrap_push(&w->pr, &w->npr, "-n") || wrap_push(&w->pr, &w->npr, ns)))
		return EXIT_ENV;
	if (w->o.config &&
	    (wrap_push(&w->pr, &w->npr, "--config") || wrap_push(&w->pr, &w->npr, w->o.config)))
		return EXIT_ENV;
	/* key files: the post-renderer reads the Secret each rendered
	 * configuration names (a subchart's too) */
	for (k = 0; k < w->o.nsecret_files; k++)
		if (wrap_push(&w->pr, &w->npr, "--secret-file") ||
		    wrap_push(&w->pr, &w->npr, w->o.secret_files[k]))
			return EXIT_ENV;
	for (k = 0; k < w->o.nkey_files; k++)
		if (wrap_push(&w->pr, &w->npr, "--key-file") ||
		    wrap_push(&w->pr, &w->npr, w->o.key_files[k]))
			return EXIT_ENV;
	if (w->o.strict && wrap_push(&w->pr, &w->npr, "--strict"))
		return EXIT_ENV;
	/* No values for the post-renderer: it judges the configuration Helm
	 * rendered (umbrella charts included), which no reading of flags can
	 * second-guess. Its report goes to a private file: Helm 4 drops its
	 * stderr, so we show the report when Helm fails. */
	if (wrap_make_tmp_file(wrap_tmp_report, sizeof(wrap_tmp_report), "report") != 0 ||
	    wrap_push(&w->pr, &w->npr, "--report") || wrap_push(&w->pr, &w->npr, wrap_tmp_report))
		return EXIT_ENV;
	if ((rc = wire_post_renderer(w)) != 0)
		return rc;
	for (k = 0; k < w->npr; k++)
		if (wrap_push(&w->helm, &w->nhelm,
			      wrap_concat(w, "--post-renderer-args=", w->pr[k])))
			return EXIT_ENV;
	for (k = 0; k < w->cl.npos; k++)
		dash |= w->cl.pos[k][0] == '-';
	if (dash && wrap_push(&w->helm, &w->nhelm, "--"))
		return EXIT_ENV;
	for (k = 0; k < w->cl.npos; k++)
		if (wrap_push(&w->helm, &w->nhelm, w->cl.pos[k]))
			return EXIT_ENV;
	return 0;
}

static int wrap_run(struct wrap *w, int argc, char **argv)
{
	int rc;

	if ((w->major = cli_helm_major()) == 0)
		return EXIT_ENV;
	w->o.helm_major = w->major; /* Helm 3 reads values the Helm 3 way */
	if ((rc = wrap_read_flags(w->cmd, &w->flags)) != 0)
		return rc;
	if (wrap_add_our_flags(&w->flags) || wrap_push(&w->helm, &w->nhelm, cli_helm_bin()) ||
	    wrap_push(&w->helm, &w->nhelm, w->cmd))
		return EXIT_ENV;
	if ((rc = wrap_parse_args(w, argc, argv)) != 0 || (rc = wrap_positionals(w)) != 0 ||
	    (rc = wrap_locate_chart(w)) != 0)
		return rc;
	if (strcmp(w->cmd, "upgrade") == 0)
		w->o.release = w->release;
	/* a cluster is there for install and upgrade, unless told otherwise */
	if (strcmp(w->cmd, "template") != 0 && !w->dry_client && !w->no_cluster)
		w->o.cluster = 1;
	if ((rc = run_checks(w)) != 0 || (rc = finish_argv(w)) != 0)
		return rc;
	if (getenv("HELM_DEBUG") && strcmp(getenv("HELM_DEBUG"), "true") == 0) {
		size_t k;

		fprintf(stderr, "cmf-validate: running");
		for (k = 0; k < w->nhelm; k++)
			fprintf(stderr, " %s", w->helm[k]);
		fprintf(stderr, "\n");
	}
	fflush(stdout);
	rc = cli_run_inherit(w->helm);
	if (rc != 0 && w->major == 4)
		wrap_show_report();
	return rc;
}

int cmd_wrapper(const char *helm_cmd, int argc, char **argv)
{
	struct wrap w;
	int rc, i;
	size_t k;

	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			wrap_help(helm_cmd);
			return 0;
		}
	memset(&w, 0, sizeof(w));
	w.cmd = helm_cmd;
	w.o.cmd = CMD_WRAPPER;
	w.o.cmd_name = helm_cmd;
	wrap_tmp_signals();
	rc = wrap_run(&w, argc, argv);
	wrap_tmp_cleanup();
	cmfv_helm_cmdline_free(&w.cl);
	cmfv_helm_flags_free(&w.flags);
	free(w.helm);
	free(w.pr);
	for (k = 0; k < w.nowned; k++)
		free(w.owned[k]);
	free(w.owned);
	cli_opts_free_owned(&w.o);
	free((void *)w.o.files);
	free(w.o.sets);
	free((void *)w.o.secret_files);
	free((void *)w.o.key_files);
	return rc;
}
