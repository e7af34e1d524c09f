/* The chart Helm will render, as a folder the wrapper can read: a local
 * folder as it is, an archive unpacked, a repository or OCI chart pulled
 * with `helm pull --untar` into a private folder. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abrupt.h"
#include "commands.h"
#include "helm.h"
#include "cmfv/safefile.h"
#include "cmfv/helmargs.h"
#include "wrap.h"

static int wrap_make_tmp_dir(void)
{
	sigset_t old;
	int e = 0;

	snprintf(wrap_tmp_dir, sizeof(wrap_tmp_dir), "%s/cmf-validate-chart-XXXXXX",
		 wrap_tmp_base());
	cmfv_ending_signals_hold(&old); /* no signal between the folder and its entry */
	if (mkdtemp(wrap_tmp_dir) == NULL)
		e = errno;
	else
		wrap_tmp_watch(wrap_tmp_dir, 1);
	cmfv_ending_signals_release(&old);
	if (e) {
		fprintf(stderr, "cmf-validate: cannot make a folder in %s: %s\n", wrap_tmp_base(),
			strerror(e));
		wrap_tmp_dir[0] = '\0';
		return EXIT_ENV;
	}
	return 0;
}

/* The one folder inside wrap_tmp_dir that holds Chart.yaml. */
static int wrap_fetched_chart(struct wrap *w, const char *how)
{
	char *argv[] = {"find", wrap_tmp_dir, "-mindepth",  "2", "-maxdepth",
			"2",	"-name",      "Chart.yaml", NULL};
	char *out = NULL, *nl;
	int rc = cli_run_capture(argv, 60, 1 << 16, &out, 0);

	nl = out ? strchr(out, '\n') : NULL;
	if (rc != 0 || nl == NULL || nl[1] != '\0' || nl - out < 11) {
		fprintf(stderr, "cmf-validate %s: %s %s gave no single chart folder\n", w->cmd, how,
			w->chart);
		free(out);
		return EXIT_USAGE;
	}
	nl[-11] = '\0'; /* strip "/Chart.yaml\n" */
	w->o.chart = wrap_keep(w, out);
	return w->o.chart ? 0 : EXIT_ENV;
}

/* `helm pull --untar` with the flags of ours that `helm pull` knows (repo,
 * version, devel, auth, TLS, registry and repository settings). */
static int wrap_pull_chart(struct wrap *w, const char *chart)
{
	struct cmfv_helm_flags pf;
	char **argv = NULL, *out = NULL;
	size_t n = 0, i;
	int rc = wrap_read_flags("pull", &pf);

	if (rc != 0)
		return rc;
	if (wrap_push(&argv, &n, cli_helm_bin()) || wrap_push(&argv, &n, "pull") ||
	    wrap_push(&argv, &n, "--untar") || wrap_push(&argv, &n, "--destination") ||
	    wrap_push(&argv, &n, wrap_tmp_dir))
		rc = EXIT_ENV;
	for (i = 0; i < w->cl.nargs && rc == 0; i++) {
		const struct cmfv_helm_arg *a = &w->cl.args[i];

		if (a->flag->ours || strcmp(a->flag->name, "help") == 0 ||
		    !cmfv_helm_flags_long(&pf, a->flag->name, strlen(a->flag->name)))
			continue;
		if (wrap_push(&argv, &n, wrap_long_form(w, a->flag->name, a->value)))
			rc = EXIT_ENV;
	}
	if (rc == 0 && (wrap_push(&argv, &n, "--") || wrap_push(&argv, &n, chart)))
		rc = EXIT_ENV;
	cmfv_helm_flags_free(&pf);
	if (rc == 0) {
		rc = cli_run_capture(argv, 600, 1 << 20, &out, 1);
		free(out);
		if (rc != 0) {
			fprintf(
			    stderr,
			    "cmf-validate %s: `%s pull %s` failed (exit %d): not running helm %s\n",
			    w->cmd, cli_helm_bin(), chart, rc, w->cmd);
			rc = EXIT_ENV;
		}
	}
	free(argv);
	return rc ? rc : wrap_fetched_chart(w, "helm pull");
}

/* A chart archive on disk: unpacked with tar, never over a symlink of ours
 * (a fresh private folder). */
static int wrap_untar_chart(struct wrap *w, const char *chart)
{
	char *argv[] = {"tar",
			"-xzf",
			cli_unconst(chart),
			"-C",
			wrap_tmp_dir,
			"--no-same-owner",
			"--no-same-permissions",
			NULL};
	char *out = NULL;
	int rc = cli_run_capture(argv, 120, 1 << 16, &out, 1);

	free(out);
	if (rc != 0) {
		fprintf(stderr, "cmf-validate %s: cannot unpack %s (tar exit %d)\n", w->cmd, chart,
			rc);
		return EXIT_USAGE;
	}
	return wrap_fetched_chart(w, "unpacking");
}

/* The chart Helm will render, as a folder we can read: a local folder as it
 * is, an archive unpacked, a repo or OCI reference pulled (Helm's
 * LocateChart order: a path that exists wins, the name trimmed). */
int wrap_locate_chart(struct wrap *w)
{
	const char *c = w->chart;
	size_t len;
	char *name;
	struct stat st;
	int rc;

	while (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r')
		c++;
	len = strlen(c);
	while (len && (c[len - 1] == ' ' || c[len - 1] == '\t' || c[len - 1] == '\n' ||
		       c[len - 1] == '\r'))
		len--;
	name = strndup(c, len);
	if (wrap_keep(w, name) == NULL)
		return EXIT_ENV;
	if (stat(name, &st) == 0 && S_ISDIR(st.st_mode)) {
		w->o.chart = name;
		return 0;
	}
	if ((rc = wrap_make_tmp_dir()) != 0)
		return rc;
	if (stat(name, &st) == 0)
		return wrap_untar_chart(w, name);
	if (name[0] == '/' || name[0] == '.') {
		fprintf(stderr, "cmf-validate %s: path \"%s\" not found\n", w->cmd, name);
		return EXIT_USAGE;
	}
	return wrap_pull_chart(w, name);
}
