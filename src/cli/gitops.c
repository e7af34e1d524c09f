/* check / values on GitOps manifests: --argocd-app FILE (Argo CD
 * Applications) and --helmrelease FILE (Flux HelmReleases). The core turns
 * each into a plan (argocd.c, flux.c); this file reads the inputs, pulls a
 * chart that comes from a repository, and runs the usual checks once per
 * plan, as one report. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmfv/safefile.h"
#include "cmfv/alloc.h"
#include "cmfv/gitops.h"
#include "cmfv/inject.h"
#include "abrupt.h"
#include "commands.h"
#include "helm.h"

struct pulled {
	char *tmpdir; /* private folder the chart is untarred in; removed at the end */
	char *chart;  /* tmpdir/<chart name> */
	int slot;     /* tmpdir's in the table of what goes on a signal (abrupt.h) */
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void pulled_free(struct pulled *p)
{
	if (p->tmpdir) {
		cli_abrupt_drop(p->slot);
		nftw(p->tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
	free(p->tmpdir);
	free(p->chart);
	memset(p, 0, sizeof(*p));
}

static int has_scheme(const char *s, const char *scheme)
{
	return strncmp(s, scheme, strlen(scheme)) == 0;
}

/* `$HELM_BIN pull` the chart of a chart: source, as Argo CD's repo-server
 * does (a Helm repository URL, or an OCI registry with or without oci://). */
static int pull(const struct cmfv_plan *p, struct pulled *out)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[4096], ref[4096];
	char *argv[12], *bin = cli_helm_bin(), *so = NULL; /* bin: borrowed */
	const char *base = strrchr(p->chart_name, '/');
	int n = 0, rc, made, e;
	sigset_t old;

	snprintf(tmpl, sizeof(tmpl), "%s/cmfv-chart-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	cmfv_ending_signals_hold(&old); /* no signal between the folder and its entry */
	made = mkdtemp(tmpl) != NULL;
	e = errno;
	if (made)
		out->slot = cli_abrupt_add(tmpl, 1);
	cmfv_ending_signals_release(&old);
	if (!made) {
		fprintf(stderr, "cmf-validate: cannot make a temporary folder for the chart: %s\n",
			strerror(e));
		return EXIT_ENV;
	}
	out->tmpdir = strdup(tmpl);
	argv[n++] = bin;
	argv[n++] = cli_unconst("pull");
	if (has_scheme(p->chart_repo, "https://") || has_scheme(p->chart_repo, "http://")) {
		argv[n++] = cli_unconst(p->chart_name);
		argv[n++] = cli_unconst("--repo");
		argv[n++] = cli_unconst(p->chart_repo);
	} else {
		snprintf(ref, sizeof(ref), "%s%s/%s",
			 has_scheme(p->chart_repo, "oci://") ? "" : "oci://", p->chart_repo,
			 p->chart_name);
		argv[n++] = ref;
	}
	if (p->chart_version && p->chart_version[0]) {
		argv[n++] = cli_unconst("--version");
		argv[n++] = p->chart_version;
	}
	argv[n++] = cli_unconst("--untar");
	argv[n++] = cli_unconst("--untardir");
	argv[n++] = tmpl;
	argv[n] = NULL;
	rc = cli_run_capture(argv, 300, 1 << 20, &so, 1);
	free(so);
	if (rc != 0) {
		fprintf(stderr,
			"cmf-validate: 'helm pull' of chart %s from %s failed (exit %d); give the "
			"chart with --chart DIR\n",
			p->chart_name, p->chart_repo, rc);
		return EXIT_ENV;
	}
	out->chart = malloc(strlen(tmpl) + strlen(p->chart_name) + 2);
	if (out->chart)
		sprintf(out->chart, "%s/%s", tmpl, base ? base + 1 : p->chart_name);
	return out->tmpdir && out->chart ? 0 : EXIT_ENV;
}

static int read_inputs(const struct cli_opts *o, struct cmfv_sources *src,
		       const struct cmfv_source ***objs, size_t *nobjs)
{
	struct cmfv_diag d;
	size_t i, k = 0;

	*objs = cmfv_calloc(o->nmanifests + o->nsecret_files + 1, sizeof(**objs));
	if (*objs == NULL)
		return EXIT_ENV;
	cmfv_diag_clear(&d);
	for (i = 0; i < o->nmanifests + o->nsecret_files; i++) {
		const char *f =
		    i < o->nmanifests ? o->manifests[i] : o->secret_files[i - o->nmanifests];

		if (cmfv_sources_read(src, f, 1, &(*objs)[k++], &d) != CMFV_OK)
			return cli_print_diag(&d);
	}
	*nobjs = k;
	return 0;
}

/* The plans of the --argocd-app or --helmrelease file, read into \p src. */
static int load_plans(const struct cli_opts *o, struct cmfv_sources *src, const char *chart,
		      struct cmfv_plan **plans, size_t *n)
{
	const char *file = o->argocd_app ? o->argocd_app : o->helmrelease;
	const struct cmfv_source *s, **objs = NULL;
	struct cmfv_diag d;
	enum cmfv_err e;
	int rc = 0;

	cmfv_diag_clear(&d);
	*plans = NULL;
	*n = 0;
	if (cmfv_sources_read(src, file, 0, &s, &d) != CMFV_OK)
		return cli_print_diag(&d);
	if (o->argocd_app) {
		struct cmfv_argocd_opts ao;

		memset(&ao, 0, sizeof(ao));
		ao.repo_root = o->repo_root;
		ao.controller_ns = o->argocd_namespace;
		ao.refs = o->refs;
		ao.nrefs = o->nrefs;
		ao.chart = chart ? chart : o->chart;
		ao.helm_major = o->helm_major;
		e = cmfv_argocd_plans(s, &ao, src, plans, n, &d);
	} else {
		struct cmfv_flux_objects fo;
		size_t nobjs = 0;

		rc = read_inputs(o, src, &objs, &nobjs);
		fo.files = objs;
		fo.nfiles = nobjs;
		e = rc ? CMFV_OK
		       : cmfv_flux_plans(s, o->repo_root, chart ? chart : o->chart, &fo,
					 o->helm_major, src, plans, n, &d);
	}
	cmfv_free(objs);
	if (rc == 0 && e != CMFV_OK)
		rc = cli_print_diag(&d);
	if (rc == 0 && *n > CMFV_GITOPS_MAX_PLANS) {
		/* each is checked as a release of its own: time grows with the
		 * square of their number (400 took 5 s) */
		fprintf(stderr,
			"cmf-validate: %s: %zu %s to check, more than %d in one file; check them "
			"in smaller files\n",
			file, *n, o->argocd_app ? "Application sources" : "HelmReleases",
			CMFV_GITOPS_MAX_PLANS);
		cmfv_plans_free(*plans, *n);
		*plans = NULL;
		*n = 0;
		rc = EXIT_USAGE;
	}
	return rc;
}

/* Plans with every chart at hand: a chart: source without --chart is
 * pulled once (every such source must name the same chart). */
static int prepare(const struct cli_opts *o, struct pulled *pl, size_t *nplans)
{
	struct cmfv_sources scratch = {0};
	struct cmfv_plan *plans = NULL, *want = NULL;
	size_t n = 0, i;
	int rc = load_plans(o, &scratch, NULL, &plans, &n);

	*nplans = n;

	for (i = 0; rc == 0 && i < n; i++) {
		if (plans[i].chart_dir)
			continue;
		if (want && (strcmp(want->chart_name, plans[i].chart_name) != 0 ||
			     strcmp(want->chart_repo, plans[i].chart_repo) != 0)) {
			fprintf(stderr,
				"cmf-validate: %s names two charts from repositories (%s, %s): "
				"check one Application at a time, or give --chart\n",
				o->argocd_app ? o->argocd_app : o->helmrelease, want->chart_name,
				plans[i].chart_name);
			rc = EXIT_USAGE;
		}
		want = &plans[i];
	}
	if (rc == 0 && want)
		rc = pull(want, pl);
	cmfv_plans_free(plans, n);
	cmfv_sources_free(&scratch);
	return rc;
}

static int plan_values(const struct cli_opts *o, const struct cmfv_plan *p,
		       struct cmfv_sources *src, struct cmfv_node **values)
{
	struct cmfv_diag d;

	cmfv_diag_clear(&d);
	if (cmfv_plan_values(p, o->helm_major ? o->helm_major : 4, src, values, &d) != CMFV_OK)
		return cli_print_diag(&d);
	return 0;
}

static int no_mixing(const struct cli_opts *o)
{
	if (o->argocd_app && o->helmrelease) {
		fprintf(stderr, "cmf-validate %s: give --argocd-app or --helmrelease, not both\n",
			o->cmd_name);
		return EXIT_USAGE;
	}
	if (o->nfiles || o->nsets) {
		fprintf(stderr,
			"cmf-validate %s: the values come from %s: -f and --set* cannot be added "
			"to them\n",
			o->cmd_name, o->argocd_app ? "the Application" : "the HelmRelease");
		return EXIT_USAGE;
	}
	return 0;
}

int cli_values_gitops(const struct cli_opts *o, struct cmfv_sources *src, struct cmfv_node **values)
{
	struct pulled pl = {0};
	struct cmfv_plan *plans = NULL;
	size_t n = 0;
	int rc = no_mixing(o);

	if (rc == 0)
		rc = prepare(o, &pl, &n);
	if (rc == 0)
		rc = load_plans(o, src, pl.chart, &plans, &n);
	if (rc == 0 && n != 1) {
		fprintf(stderr,
			"cmf-validate values: %s holds %zu Helm sources; values prints one (check "
			"takes them all)\n",
			o->argocd_app ? o->argocd_app : o->helmrelease, n);
		rc = EXIT_USAGE;
	}
	if (rc == 0)
		rc = plan_values(o, &plans[0], src, values);
	cmfv_plans_free(plans, n);
	pulled_free(&pl);
	return rc;
}

/* One plan's checks: its values, namespace and label; for a HelmRelease
 * also its post-renderer (CMF034). */
static int check_plan(const struct cli_opts *o, size_t i, const char *chart, struct cli_run *run,
		      char **label)
{
	struct cmfv_plan *plans = NULL;
	struct cli_opts eo = *o;
	size_t n = 0;
	int rc = load_plans(o, &run->sources, chart, &plans, &n);

	if (rc == 0 && i >= n)
		rc = EXIT_USAGE;
	if (rc == 0)
		rc = plan_values(o, &plans[i], &run->sources, &run->values);
	if (rc == 0) {
		size_t len = strlen(plans[i].app) + 32;

		*label = malloc(len);
		if (*label == NULL)
			rc = EXIT_ENV;
		else
			snprintf(*label, len, "%s %s",
				 o->argocd_app ? "Application" : "HelmRelease", plans[i].app);
		run->env = *label;
	}
	eo.chart = NULL;
	if (!o->namespace_from_flag && rc == 0 && plans[i].namespace[0]) {
		eo.namespace = plans[i].namespace;
		eo.namespace_from_flag = 1;
	}
	/* HelmRelease: --manifests held valuesFrom objects, not a render */
	if (o->helmrelease)
		eo.nmanifests = 0;
	if (rc == 0)
		rc = cli_run_checks(&eo, run);
	if (rc == 0 && o->helmrelease && run->ref.required) {
		struct cmfv_inject_opts io;

		cli_inject_opts(&eo, run, &io);
		if (cmfv_flux_check_postrender(&plans[i], &io, &run->report) != CMFV_OK)
			rc = EXIT_ENV;
		cmfv_report_sort(&run->report);
	}
	cmfv_plans_free(plans, n);
	return rc;
}

int cli_check_gitops(const struct cli_opts *o)
{
	struct pulled pl = {0};
	struct cli_run *runs = NULL;
	char **labels = NULL;
	size_t n = 0, i;
	int rc = no_mixing(o), worst = 0;

	/* the number of plans does not change once the chart is pulled */
	if (rc == 0)
		rc = prepare(o, &pl, &n);
	if (rc == 0) {
		runs = calloc(n, sizeof(*runs));
		labels = calloc(n, sizeof(*labels));
		if (runs == NULL || labels == NULL)
			rc = EXIT_ENV;
	}
	for (i = 0; rc == 0 && i < n; i++)
		rc = check_plan(o, i, pl.chart, &runs[i], &labels[i]);
	if (rc == 0)
		rc = cli_write_outputs(o, runs, n);
	for (i = 0; rc == 0 && i < n; i++) {
		int r = cli_report_exit(&runs[i].report, o->strict);

		if (r > worst)
			worst = r;
	}
	for (i = 0; runs && i < n; i++) {
		cli_run_free(&runs[i]);
		free(labels[i]);
	}
	free(runs);
	free(labels);
	pulled_free(&pl);
	return rc ? rc : worst;
}
