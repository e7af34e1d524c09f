/* check: the default command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmfv/finder.h"
#include "cmfv/chart.h"
#include "cmfv/guard.h"
#include "cmfv/inject.h"
#include "cmfv/stream.h"
#include "cmfv/values.h"
#include "commands.h"

const char *cli_namespace(const struct cli_opts *o)
{
	const char *ns = o->namespace;

	if (ns == NULL || ns[0] == '\0')
		ns = getenv("HELM_NAMESPACE");
	return ns && ns[0] ? ns : NULL;
}

int cli_print_diag(const struct cmfv_diag *d)
{
	if (d->file[0] && d->line)
		fprintf(stderr, "cmf-validate: %s:%u:%u: %s\n", d->file, d->line, d->col, d->msg);
	else if (d->file[0] && strcmp(d->file, "--set") == 0)
		fprintf(stderr, "cmf-validate: %s\n", d->msg);
	else if (d->file[0])
		fprintf(stderr, "cmf-validate: %s: %s\n", d->file, d->msg);
	else
		fprintf(stderr, "cmf-validate: %s\n", d->msg);
	return cmfv_err_exit_code(d->code);
}

int cli_report_exit(const struct cmfv_report *r, int strict)
{
	if (cmfv_report_count(r, CMFV_SEV_ERROR) > 0)
		return EXIT_FINDINGS;
	if (strict && cmfv_report_count(r, CMFV_SEV_WARNING) > 0)
		return EXIT_FINDINGS;
	return EXIT_CLEAN;
}

/* CMF040-CMF042 against the deployed release (--release) or its offline
 * facts (--previous-values, --previous-kcv). */
int cli_check_upgrade(const struct cli_opts *o, struct cli_run *run)
{
	struct cmfv_guard_input in;
	struct cmfv_node *prev = NULL;
	struct cmfv_diag d;
	size_t i;
	int rc = 0;

	memset(&in, 0, sizeof(in));
	cmfv_diag_clear(&d);
	if (o->previous_kcv && !cmfv_is_kcv(o->previous_kcv)) {
		fprintf(stderr, "cmf-validate: --previous-kcv must be 6 hex digits (as key-info prints), not '%s'\n",
			o->previous_kcv);
		return EXIT_USAGE;
	}
	if (o->previous_values) {
		const struct cmfv_source *s;

		if (cmfv_sources_read(&run->sources, o->previous_values, 0, &s, &d) != CMFV_OK ||
		    cmfv_values_parse(s, 3, &prev, &d) != CMFV_OK)
			return cli_print_diag(&d);
	}
	if (o->release) {
		rc = cli_release_facts(o, run, &prev, &in.prev_kcv);
		if (rc != 0) {
			cmfv_node_free(prev);
			return rc;
		}
	}
	if (o->previous_kcv)
		in.prev_kcv = o->previous_kcv;
	/* the deployed release's values are the root chart's: the CMF chart's
	 * part of them is at its path */
	in.prev_values = prev && run->cmf_path && run->cmf_path[0]
				 ? cmfv_chart_sub_values(prev, run->cmf_path)
				 : prev;
	in.allow_unsafe = o->allow_unsafe_upgrade;
	for (i = 0; i < run->report.nkeys; i++)
		if (run->report.keys[i].valid && run->report.keys[i].kcv[0]) {
			in.cur_kcv = run->report.keys[i].kcv;
			break;
		}
	if (in.allow_unsafe && (prev || in.prev_kcv))
		fprintf(stderr, "cmf-validate: --allow-unsafe-upgrade: upgrade guard findings are reported as warnings; use it only after wiping the CMF database\n");
	if (cmfv_check_upgrade(&run->ref, &in, &run->report) != CMFV_OK) {
		fprintf(stderr, "cmf-validate: out of memory\n");
		rc = EXIT_ENV;
	}
	cmfv_node_free(prev);
	return rc;
}

void cli_today(char buf[11])
{
	const char *env = getenv("CMFV_TODAY");
	time_t now = time(NULL);
	struct tm tm;

	if (env && cmfv_is_date(env)) {
		memcpy(buf, env, 10);
		buf[10] = '\0';
		return;
	}
	localtime_r(&now, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
}

int cli_load_config(const struct cli_opts *o, struct cmfv_sources *src, struct cmfv_config **cfg)
{
	const char *path = o->config;
	const struct cmfv_source *s;
	struct cmfv_diag d;

	*cfg = NULL;
	if (path == NULL) {
		if (access(".cmf-validate.yaml", F_OK) != 0)
			return 0;
		path = ".cmf-validate.yaml";
	}
	cmfv_diag_clear(&d);
	if (cmfv_sources_read(src, path, 0, &s, &d) != CMFV_OK ||
	    cmfv_config_load(s, cfg, &d) != CMFV_OK)
		return cli_print_diag(&d);
	return 0;
}

void cli_inject_opts(const struct cli_opts *o, const struct cli_run *run,
		     struct cmfv_inject_opts *io)
{
	const struct cmfv_config *c = run->config;

	memset(io, 0, sizeof(*io));
	io->deployment = o->deployment ? o->deployment : c ? c->deployment : NULL;
	io->container = o->container ? o->container : c ? c->container : NULL;
	io->mount_path = o->mount_path ? o->mount_path : c ? c->mount_path : NULL;
	io->volume_name = o->volume_name ? o->volume_name : c ? c->volume_name : NULL;
	io->file_name = o->file_name ? o->file_name : c ? c->file_name : NULL;
	io->secret_name = run->ref.name;
	io->property = run->ref.property;
	/* only a namespace given with -n is certain: $HELM_NAMESPACE may not be
	 * the one Helm used (-n '' takes the kubeconfig's) */
	io->namespace = o->namespace_from_flag && o->namespace && o->namespace[0] ? o->namespace
										  : NULL;
	(void)run;
}

/* --manifests, read again by the pairing step: the sources hold them. */
static enum cmfv_err fetch_source(void *ctx, const char *file, unsigned long long off, char *buf,
				  size_t len, struct cmfv_diag *d)
{
	const struct cmfv_source *s = cmfv_sources_find(ctx, file);

	if (s && off <= s->len && len <= s->len - off) {
		memcpy(buf, s->text + off, len);
		return CMFV_OK;
	}
	return cmfv_diag_fail(d, CMFV_ENOENT, "%s: cannot read it again", file);
}

/* --manifests: every CMF Deployment among them, paired with the
 * configuration it renders, decided on, and checked for the key mount
 * (CMF030-CMF033) exactly as post-render would; the key sources then
 * look for the Secrets those configurations name. */
/* A key reference the rendered configuration gave, kept past the finder. */
struct rref {
	struct cmfv_keyref ref;
	char name[254], property[254];
};

static int check_deployments(const struct cli_opts *o, struct cli_run *run, struct rref *refs,
			     size_t *nrefs, size_t maxrefs, size_t *rendered)
{
	struct cmfv_inject_opts io;
	struct cmfv_finder *f = NULL;
	struct cmfv_judge_input j;
	struct cmfv_diag d;
	int rc = 0;
	size_t i;

	*nrefs = 0;
	*rendered = 0;
	if (o->nmanifests == 0)
		return 0;
	cli_inject_opts(o, run, &io);
	cmfv_diag_clear(&d);
	if (cmfv_inject_opts_check(&io, &d) != CMFV_OK)
		return cli_print_diag(&d);
	if (cmfv_finder_new(&io, &f) != CMFV_OK)
		goto oom;
	for (i = 0; i < o->nmanifests; i++) {
		const struct cmfv_source *s;
		struct cmfv_stream *st = NULL;
		enum cmfv_err e;

		if (cmfv_sources_read(&run->sources, o->manifests[i], 1, &s, &d) != CMFV_OK) {
			rc = cli_print_diag(&d);
			goto out;
		}
		io.file = s->name;
		if (cmfv_stream_new_mem(s->text, s->len, s->name, &st) != CMFV_OK)
			goto oom;
		e = cmfv_finder_add_stream(f, st, &d);
		cmfv_stream_free(st);
		if (e != CMFV_OK) {
			rc = cli_print_diag(&d);
			goto out;
		}
	}
	if (cmfv_finder_pair(f, fetch_source, &run->sources, &d) != CMFV_OK) {
		rc = cli_print_diag(&d);
		goto out;
	}
	if (io.deployment && !cmfv_finder_has_named(f) && cmfv_finder_none(f, &run->report) != CMFV_OK)
		goto oom;
	if (cmfv_finder_count(f) == 0) {
		if (!io.deployment && run->ref.required && run->ref.name && run->ref.name[0] &&
		    run->ref.property && run->ref.property[0] &&
		    cmfv_finder_none(f, &run->report) != CMFV_OK)
			goto oom;
		goto out;
	}
	memset(&j, 0, sizeof(j));
	j.values = run->values;
	j.secret_name = o->secret_name;
	j.secret_property = o->secret_property;
	for (i = 0; i < cmfv_finder_count(f); i++) {
		struct cmfv_instance *in = cmfv_finder_get(f, i);
		struct cmfv_decision dec;
		struct cmfv_buf out = {0};
		int changed = 0;

		if (cmfv_instance_decide(in, &j, &dec, &run->report, NULL) != CMFV_OK)
			goto oom;
		if (in->cfg == CMFV_CFG_FOUND)
			(*rendered)++;
		if (!dec.basis || !dec.ref.required || !dec.ref.name || !dec.ref.name[0] ||
		    !dec.ref.property || !dec.ref.property[0])
			continue;
		if (in->cfg == CMFV_CFG_FOUND && *nrefs < maxrefs) {
			struct rref *k = &refs[(*nrefs)++];

			k->ref = dec.ref;
			snprintf(k->name, sizeof(k->name), "%s", dec.ref.name);
			snprintf(k->property, sizeof(k->property), "%s", dec.ref.property);
			k->ref.name = k->name;
			k->ref.property = k->property;
			k->ref.required_by = NULL;
		}
		if (!in->editable) {
			if (cmfv_instance_unmountable(in, &run->report) != CMFV_OK)
				goto oom;
			continue;
		}
		io.secret_name = dec.ref.name;
		io.property = dec.ref.property;
		io.file = in->file;
		io.container = in->container[0] ? in->container : o->container;
		if (cmfv_inject_doc(&io, &in->doc, &out, &changed, &run->report, &d) != CMFV_OK)
			rc = cli_print_diag(&d);
		cmfv_buf_free(&out, 0);
		if (rc != 0)
			goto out;
	}
	goto out;
oom:
	fprintf(stderr, "cmf-validate: out of memory\n");
	rc = EXIT_ENV;
out:
	cmfv_finder_free(f);
	return rc;
}

struct cmf_found {
	char **paths;
	const struct cmfv_chart **charts;
	size_t n;
};

static enum cmfv_err found_cmf(void *ctx, const struct cmfv_chart *c, const char *path)
{
	struct cmf_found *f = ctx;
	char **np = realloc(f->paths, (f->n + 1) * sizeof(*np));
	const struct cmfv_chart **nc;

	if (np == NULL)
		return CMFV_ENOMEM;
	f->paths = np;
	nc = realloc((void *)f->charts, (f->n + 1) * sizeof(*nc));
	if (nc == NULL)
		return CMFV_ENOMEM;
	f->charts = nc;
	if ((f->paths[f->n] = strdup(path)) == NULL)
		return CMFV_ENOMEM;
	f->charts[f->n++] = c;
	return CMFV_OK;
}

/* A chart's values.schema.json is Helm's to evaluate: say that we did not. */
static enum cmfv_err schema_note(const struct cmfv_chart *c, const char *path, struct cli_run *run)
{
	const struct cmfv_source *s;
	char name[1024];
	struct cmfv_loc loc = {NULL, 1, 1};

	if (!c->has_schema)
		return CMFV_OK;
	snprintf(name, sizeof(name), "%s%svalues.schema.json", c->where,
		 strstr(c->where, ".tgz") ? ":" : "/");
	if (cmfv_sources_add(&run->sources, name, "", 0, 0, &s) != CMFV_OK)
		return CMFV_ENOMEM;
	loc.file = s->name;
	return cmfv_report_add(&run->report, "CMF050", path[0] ? path : NULL, loc,
			       "%s%s%s has a values.schema.json; Helm validates the values against it and "
			       "refuses the release when they do not fit, cmf-validate does not evaluate it "
			       "(run helm lint or helm template to check it)",
			       path[0] ? "subchart " : "chart ", path[0] ? path : c->chart_name, "");
}

/* --chart: every CMF chart of the tree (the root or a subchart at any
 * depth, under its alias; disabled ones are gone) is checked on the values
 * it will see, its findings' paths as the user writes them for the root.
 * The first that requires encryption (else the first) gives the key
 * reference for the key sources, the upgrade guards and the Deployment. */
static int check_chart(const struct cli_opts *o, struct cli_run *run,
		       const struct cmfv_chart *chart)
{
	struct cmf_found f = {NULL, NULL, 0};
	size_t i, pick = 0;
	int rc = 0, picked = 0;

	if (cmfv_chart_find(chart, CMFV_CMF_CHART_NAME, found_cmf, &f) != CMFV_OK) {
		rc = EXIT_ENV;
		fprintf(stderr, "cmf-validate: out of memory\n");
	} else if (f.n == 0 && o->chart_lenient) {
		rc = 0; /* checked as the CMF chart itself, below */
	} else if (f.n == 0) {
		fprintf(stderr,
			"cmf-validate: %s: no CMF chart to check: neither the chart nor an enabled subchart "
			"(at any depth) has the name %s in its Chart.yaml%s\n",
			o->chart, CMFV_CMF_CHART_NAME,
			cmfv_chart_has_library(chart, CMFV_CMF_CHART_NAME)
				? " (one with type: library is there, but Helm renders no library chart)"
				: "");
		rc = EXIT_USAGE;
	}
	for (i = 0; rc == 0 && i < f.n; i++) {
		const struct cmfv_node *v = cmfv_chart_sub_values(run->values, f.paths[i]);
		struct cmfv_keyref ref;

		cmfv_keyref_from_values(v, o->secret_name, o->secret_property, &ref);
		if (cmfv_check_values_at(v, &ref, f.paths[i], &run->report) != CMFV_OK ||
		    schema_note(f.charts[i], f.paths[i], run) != CMFV_OK) {
			fprintf(stderr, "cmf-validate: out of memory\n");
			rc = EXIT_ENV;
		}
		if (!picked && (ref.required || i + 1 == f.n)) {
			pick = i;
			picked = 1;
			run->ref = ref;
		}
	}
	if (rc == 0 && f.n > 0 && (run->cmf_path = strdup(f.paths[pick])) == NULL)
		rc = EXIT_ENV;
	for (i = 0; i < f.n; i++)
		free(f.paths[i]);
	free(f.paths);
	free((void *)f.charts);
	return rc;
}

static int build_values(const struct cli_opts *o, struct cli_run *run, int rules)
{
	struct cmfv_diag d;
	int rc;

	cmfv_diag_clear(&d);
	run->namespace = cli_namespace(o);
	run->sources.max_input = o->max_input;
	if (run->config == NULL) {
		rc = cli_load_config(o, &run->sources, &run->config);
		if (rc != 0)
			return rc;
	}
	if (run->values == NULL && cli_has_values(o)) { /* gitops.c builds its own */
		struct cmfv_values_input in;
		struct cmfv_chart *chart = NULL;

		cli_values_input(o, &in);
		if (cmfv_values_build_chart(&in, &run->sources, &chart, &run->values, &d) != CMFV_OK)
			return cli_print_diag(&d);
		if (chart) {
			/* post-render reads the rendered configuration instead */
			rc = rules ? check_chart(o, run, chart) : 0;
			cmfv_chart_free(chart);
			if (rc != 0)
				return rc;
		}
	}
	if (run->cmf_path == NULL) {
		cmfv_keyref_from_values(run->values, o->secret_name, o->secret_property, &run->ref);
		if (rules && run->values &&
		    cmfv_check_values(run->values, &run->ref, &run->report) != CMFV_OK) {
			fprintf(stderr, "cmf-validate: out of memory\n");
			return EXIT_ENV;
		}
	}
	return 0;
}

int cli_run_values(const struct cli_opts *o, struct cli_run *run)
{
	return build_values(o, run, 0);
}

/* The key sources, for the Secrets the rendered configurations name when
 * --manifests gave some, else for the values' reference. */
static int check_keys_all(const struct cli_opts *o, struct cli_run *run,
			  const struct rref *refs, size_t nrefs, size_t rendered)
{
	size_t i, k;
	int rc = 0;

	if (nrefs == 0 && rendered > 0)
		return 0; /* CMF001/CMF002 on the rendered configuration say what is missing */
	if (nrefs == 0)
		return cli_check_keys(o, run);
	for (i = 0; i < nrefs && rc == 0; i++) {
		for (k = 0; k < i; k++)
			if (strcmp(refs[k].name, refs[i].name) == 0 &&
			    strcmp(refs[k].property, refs[i].property) == 0)
				break;
		if (k < i)
			continue;
		run->ref = refs[i].ref;
		rc = cli_check_keys(o, run);
	}
	run->ref = refs[0].ref;
	return rc;
}

int cli_run_checks(const struct cli_opts *o, struct cli_run *run)
{
	static struct rref refs[16];
	size_t nrefs = 0, rendered = 0;
	int rc = build_values(o, run, 1);

	if (rc != 0)
		return rc;
	rc = check_deployments(o, run, refs, &nrefs, sizeof(refs) / sizeof(refs[0]), &rendered);
	if (rc != 0)
		return rc;
	rc = check_keys_all(o, run, refs, nrefs, rendered);
	if (rc != 0)
		return rc;
	rc = cli_check_upgrade(o, run);
	if (rc != 0)
		return rc;
	if (run->config) {
		char today[11];

		cli_today(today);
		if (cmfv_config_apply(run->config, today, &run->report) != CMFV_OK) {
			fprintf(stderr, "cmf-validate: out of memory\n");
			return EXIT_ENV;
		}
	}
	cmfv_report_sort(&run->report);
	return 0;
}

void cli_run_free(struct cli_run *run)
{
	free(run->cmf_path);
	cmfv_node_free(run->values);
	cmfv_report_free(&run->report);
	cmfv_config_free(run->config);
	cmfv_sources_free(&run->sources);
	memset(run, 0, sizeof(*run));
}

static void help(void)
{
	printf("Usage: cmf-validate [check] [flags]\n\n"
	       "Check a CMF release's encryption setup: the values (merged exactly as Helm merges\n"
	       "them), and optionally the key Secret and the rendered manifests.\n\n"
	       "Examples:\n"
	       "  cmf-validate check -f values-prod.yaml\n"
	       "  cmf-validate check -f values.yaml --set cmf.sql.production=true --secret-file key-secret.yaml\n"
	       "  helm cmf-validate check -f values.yaml --cluster -n flink\n"
	       "  cmf-validate check -f values.yaml -o json\n"
	       "  cmf-validate check --chart ./umbrella -f prod.yaml   # every CMF (sub)chart in the tree\n"

	       "  cmf-validate check --argocd-app apps/cmf.yaml            (Argo CD, docs/gitops.md)\n"
	       "  cmf-validate check --helmrelease cmf.yaml --manifests cmf-values.yaml   (Flux)\n\n");
	cli_print_flags(CMD_CHECK);
	printf("\nExit codes: 0 no errors, 1 errors (or warnings with --strict), 2 usage or input\n"
	       "error, 3 environment error (kubectl/helm failing, I/O).\n");
}

/* -o FORMAT or -o FORMAT=FILE */
static int split_output(const char *spec, char *fmt, size_t fmtsz, const char **file)
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
			split_output(o->outputs[i], fmt, sizeof(fmt), &file);
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

/* Options for one environment of the configuration file: its values,
 * --set flags and namespace replace the command line's. */
static int env_opts(const struct cli_opts *base, const struct cmfv_env *env, struct cli_opts *o)
{
	unsigned i;
	size_t n = 0;

	*o = *base;
	o->files = NULL;
	o->sets = NULL;
	o->rest = NULL;
	o->nrest = 0;
	o->owned = NULL;
	o->chart = env->chart ? env->chart : base->chart;
	o->nfiles = env->nvalues;
	o->nsets = env->nset + env->nset_string;
	o->files = calloc(env->nvalues + 1, sizeof(*o->files));
	o->sets = calloc(o->nsets + 1, sizeof(*o->sets));
	if (o->files == NULL || o->sets == NULL)
		return EXIT_ENV;
	for (i = 0; i < env->nvalues; i++)
		o->files[i] = env->values[i];
	for (i = 0; i < env->nset; i++, n++)
		o->sets[n] = (struct cmfv_set_flag){CMFV_SET, env->set[i], (unsigned)n + 1};
	for (i = 0; i < env->nset_string; i++, n++)
		o->sets[n] = (struct cmfv_set_flag){CMFV_SET_STRING, env->set_string[i], (unsigned)n + 1};
	if (env->namespace) {
		o->namespace = env->namespace;
		o->namespace_from_flag = 1;
	}
	return 0;
}

static int check_environments(const struct cli_opts *o)
{
	struct cmfv_sources src = {0};
	struct cmfv_config *cfg = NULL;
	struct cli_run *runs = NULL;
	size_t nruns = 0, i;
	int rc, worst = 0;

	src.max_input = o->max_input;
	rc = cli_load_config(o, &src, &cfg);

	if (rc == 0 && cfg == NULL) {
		fprintf(stderr, "cmf-validate check: %s needs a configuration file with environments (--config or .cmf-validate.yaml)\n",
			o->all_environments ? "--all-environments" : "--environment");
		rc = EXIT_USAGE;
	}
	if (rc == 0 && o->environment) {
		for (i = 0; i < cfg->nenvs; i++)
			if (strcmp(cfg->envs[i].name, o->environment) == 0)
				break;
		if (i == cfg->nenvs) {
			fprintf(stderr, "cmf-validate check: no environment '%s' in %s\n", o->environment,
				cfg->file);
			rc = EXIT_USAGE;
		}
	} else if (rc == 0 && cfg->nenvs == 0) {
		fprintf(stderr, "cmf-validate check: %s defines no environments\n", cfg->file);
		rc = EXIT_USAGE;
	}
	if (rc == 0)
		runs = calloc(cfg->nenvs, sizeof(*runs));
	if (rc == 0 && runs == NULL)
		rc = EXIT_ENV;
	for (i = 0; rc == 0 && i < cfg->nenvs; i++) {
		struct cli_opts eo;
		const struct cmfv_env *env = &cfg->envs[i];

		if (o->environment && strcmp(env->name, o->environment) != 0)
			continue;
		rc = env_opts(o, env, &eo);
		if (rc == 0) {
			runs[nruns].env = env->name;
			rc = cli_run_checks(&eo, &runs[nruns]);
			nruns++;
		}
		free((void *)eo.files);
		free(eo.sets);
	}
	if (rc == 0)
		rc = cli_write_outputs(o, runs, nruns);
	for (i = 0; rc == 0 && i < nruns; i++) {
		int r = cli_report_exit(&runs[i].report, o->strict);

		if (r > worst)
			worst = r;
	}
	for (i = 0; i < nruns; i++)
		cli_run_free(&runs[i]);
	free(runs);
	cmfv_config_free(cfg);
	cmfv_sources_free(&src);
	return rc ? rc : worst;
}

int cmd_check(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_run run;
	int rc = cli_parse(CMD_CHECK, "check", argc, argv, &o);
	size_t i;

	if (rc != 0) {
		cli_opts_free(&o);
		return rc;
	}
	if (o.help) {
		help();
		cli_opts_free(&o);
		return 0;
	}
	if (o.nrest > 0) {
		fprintf(stderr, "cmf-validate check: unexpected argument '%s'\nRun 'cmf-validate check --help' for usage.\n",
			o.rest[0]);
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	for (i = 0; i < o.noutputs; i++) {
		char fmt[16];
		const char *file;

		if (!split_output(o.outputs[i], fmt, sizeof(fmt), &file)) {
			fprintf(stderr, "cmf-validate check: unknown output format '%s' (text, json, sarif, junit, github; FORMAT=FILE writes to a file)\n",
				o.outputs[i]);
			cli_opts_free(&o);
			return EXIT_USAGE;
		}
	}
	if (o.argocd_app || o.helmrelease) {
		rc = cli_check_gitops(&o);
		cli_opts_free(&o);
		return rc;
	}
	if (o.all_environments || o.environment) {
		rc = check_environments(&o);
		cli_opts_free(&o);
		return rc;
	}
	if (!cli_has_values(&o) && o.nsecret_files == 0 && o.nkey_files == 0 && o.nmanifests == 0 &&
	    !o.cluster) {
		fprintf(stderr, "cmf-validate check: nothing to check: give values (-f, --set, --chart) or a key source\n"
				"Run 'cmf-validate check --help' for usage.\n");
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	memset(&run, 0, sizeof(run));
	rc = cli_run_checks(&o, &run);
	if (rc == 0)
		rc = cli_write_outputs(&o, &run, 1);
	if (rc == 0)
		rc = cli_report_exit(&run.report, o.strict);
	cli_run_free(&run);
	cli_opts_free(&o);
	return rc;
}
