/* The check pipeline that check, post-render, the wrapper and the GitOps
 * commands run: values (merged as Helm does, or per chart), the rules on
 * them, the CMF Deployments of --manifests, the key sources, the upgrade
 * guards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmfv/finder.h"
#include "cmfv/guard.h"
#include "commands.h"

/* CMF040-CMF042 against the deployed release (--release) or its offline
 * facts (--previous-values, --previous-kcv). */
int cli_check_upgrade(const struct cli_opts *o, struct cli_run *run)
{
	struct cmfv_guard_input in;
	struct cmfv_node *prev = NULL;
	struct cmfv_diag d;
	int rc = 0;

	memset(&in, 0, sizeof(in));
	cmfv_diag_clear(&d);
	if (o->previous_kcv && !cmfv_is_kcv(o->previous_kcv)) {
		fprintf(stderr,
			"cmf-validate: --previous-kcv must be 6 hex digits (as key-info prints), "
			"not '%s'\n",
			o->previous_kcv);
		return EXIT_USAGE;
	}
	if (o->previous_values) {
		const struct cmfv_source *s;

		if (cmfv_sources_read(&run->sources, o->previous_values, 0, &s, &d) != CMFV_OK ||
		    cmfv_values_parse_in(&run->sources, s, 3, &prev, &d) != CMFV_OK)
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
	in.cur_kcv = cmfv_report_kcv(&run->report);
	if (in.allow_unsafe && (prev || in.prev_kcv))
		fprintf(stderr,
			"cmf-validate: --allow-unsafe-upgrade: upgrade guard findings are reported "
			"as warnings; use it only after wiping the CMF database\n");
	if (cmfv_check_upgrade(&run->ref, &in, &run->report) != CMFV_OK) {
		fprintf(stderr, "cmf-validate: out of memory\n");
		rc = EXIT_ENV;
	}
	cmfv_node_free(prev);
	return rc;
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
	/* --manifests may be only the Secret's files: without values, the
	 * Secret flags do not say a CMF Deployment is among them */
	if (cmfv_finder_expected(f, &run->ref, run->values != NULL, 0, &run->report) != CMFV_OK)
		goto oom;
	if (cmfv_finder_count(f) == 0)
		goto out;
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
		cmfv_buf_free(&out);
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

/* A chart's values.schema.json is Helm's to evaluate: say that we did not
 * (CMF050, at the schema file). */
static enum cmfv_err schema_note(const struct cmfv_chart *c, const char *path, struct cli_run *run)
{
	const struct cmfv_source *s;
	char name[1024];

	if (!c->has_schema)
		return CMFV_OK;
	snprintf(name, sizeof(name), "%s%svalues.schema.json", c->where,
		 strstr(c->where, ".tgz") ? ":" : "/");
	if (cmfv_sources_add(&run->sources, name, "", 0, 0, &s) != CMFV_OK)
		return CMFV_ENOMEM;
	return cmfv_check_schema(&run->report, c, path, s->name);
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
		fprintf(
		    stderr,
		    "cmf-validate: %s: no CMF chart to check: neither the chart nor an enabled "
		    "subchart "
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
		if (cmfv_values_build_chart(&in, &run->sources, &chart, &run->values, &d) !=
		    CMFV_OK)
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
static int check_keys_all(const struct cli_opts *o, struct cli_run *run, const struct rref *refs,
			  size_t nrefs, size_t rendered)
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
