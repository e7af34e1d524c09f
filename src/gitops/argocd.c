/* Argo CD: an Application's Helm source as the repo-server renders it.
 * Line numbers cite argoproj/argo-cd master @37ee0097cf85:
 * reposerver/repository/repository.go helmTemplate() (1285-1390),
 * getResolvedValueFiles() (1461-1574), mergeSourceParameters() (1896-1947),
 * util/io/path/resolved.go (112-180), util/helm/cmd.go template() (429-482). */
/* realpath(3) is XSI */
#define _XOPEN_SOURCE 700
#include "argocd_int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/yaml.h"

/* cleanSetParameters: unescaped commas are escaped unless the value is a
 * {list}. */
static char *clean_set(const char *name, const char *val)
{
	struct cmfv_buf b = {0};
	size_t n = strlen(val);
	const char *p;
	char prev = 0;

	cmfv_buf_puts(&b, name);
	cmfv_buf_add(&b, "=", 1);
	if (n >= 1 && val[0] == '{' && val[n - 1] == '}') {
		cmfv_buf_puts(&b, val);
	} else {
		for (p = val; *p; prev = *p, p++)
			if (*p == ',' && prev != '\\')
				cmfv_buf_puts(&b, "\\,");
			else
				cmfv_buf_add(&b, p, 1);
	}
	cmfv_buf_add(&b, "", 1);
	if (b.failed) {
		cmfv_buf_free(&b);
		return NULL;
	}
	return b.ptr;
}

static enum cmfv_err parameters(struct app_ctx *c, struct cmfv_plan *p,
				const struct cmfv_node *helm)
{
	const struct cmfv_node *params = cmfv_map_get(helm, "parameters");
	int pass;
	size_t i;

	if (params == NULL || params->kind != CMFV_SEQ)
		return CMFV_OK;
	/* --set first, then --set-string: Helm's order, whatever the list says.
	 * Set and SetString are Go maps keyed by name: a name given twice keeps
	 * its last value. */
	for (pass = 0; pass < 2; pass++) {
		const char **names = cmfv_calloc(params->u.seq.n + 1, sizeof(*names));
		unsigned char *keep = NULL;

		for (i = 0; names && i < params->u.seq.n; i++) {
			const struct cmfv_node *fs =
			    cmfv_map_get(params->u.seq.v[i], "forceString");

			if ((fs && fs->kind == CMFV_BOOL && fs->u.b) == pass)
				names[i] = gitops_str(params->u.seq.v[i], "name");
		}
		keep = names ? argocd_occurrences(names, params->u.seq.n, 1) : NULL;
		cmfv_free(names);
		if (keep == NULL)
			return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
		for (i = 0; i < params->u.seq.n; i++) {
			const struct cmfv_node *q = params->u.seq.v[i];
			const char *name = gitops_str(q, "name"), *val = gitops_str(q, "value");
			int force = pass;
			char *sub, *arg;

			if (!keep[i])
				continue;
			sub = cmfv_argocd_envsubst(val ? val : "", c->env_names, c->env_vals, NENV);
			arg = sub ? clean_set(name, sub) : NULL;
			cmfv_free(sub);
			if (arg == NULL || gitops_push_set(p, force ? CMFV_SET_STRING : CMFV_SET,
							   arg, q->loc) != 0) {
				cmfv_free(keep);
				return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
			}
		}
		cmfv_free(keep);
	}
	return CMFV_OK;
}

static enum cmfv_err file_parameters(struct app_ctx *c, struct cmfv_plan *p,
				     const struct cmfv_node *helm, const char *app,
				     const char *root, const char *repo)
{
	const struct cmfv_node *fp = cmfv_map_get(helm, "fileParameters");
	const char **names;
	unsigned char *keep;
	enum cmfv_err e = CMFV_OK;
	size_t i;

	if (fp == NULL || fp->kind != CMFV_SEQ)
		return CMFV_OK;
	names = cmfv_calloc(fp->u.seq.n + 1, sizeof(*names));
	for (i = 0; names && i < fp->u.seq.n; i++)
		names[i] = gitops_str(fp->u.seq.v[i], "name");
	keep = names ? argocd_occurrences(names, fp->u.seq.n, 1) : NULL;
	cmfv_free(names);
	if (keep == NULL)
		return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	for (i = 0; e == CMFV_OK && i < fp->u.seq.n; i++) {
		const struct cmfv_node *q = fp->u.seq.v[i];
		const char *name = gitops_str(q, "name"), *path = gitops_str(q, "path");
		char out[PATH_MAX], *arg;

		/* SetFile is a Go map too: the last entry of a name counts */
		if (!keep[i] || path == NULL)
			continue;
		e = argocd_resolve_any(c, app, root, path, repo, q->loc, out);
		if (e != CMFV_OK)
			break;
		arg = clean_set(name, out);
		if (arg == NULL || gitops_push_set(p, CMFV_SET_FILE, arg, q->loc) != 0)
			e = cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	}
	cmfv_free(keep);
	return e;
}

/* ValuesYAML(): valuesObject, when set, replaces values; the two are never
 * merged. values is a YAML text written to a file that Helm reads with -f. */
static enum cmfv_err inline_values(struct app_ctx *c, struct cmfv_plan *p,
				   const struct cmfv_node *helm, const struct cmfv_source *file)
{
	const struct cmfv_node *obj = cmfv_map_get(helm, "valuesObject");
	const struct cmfv_node *txt = cmfv_map_get(helm, "values");
	int major = c->o->helm_major ? c->o->helm_major : 4;

	if (obj && obj->kind != CMFV_NULL) {
		if (obj->kind != CMFV_MAP)
			return cmfv_diag_set(
			    c->d, CMFV_EINPUT, obj->loc.file, obj->loc.line, obj->loc.col,
			    "helm.valuesObject must be a map, not a %s", cmfv_kind_name(obj->kind));
		p->extra = cmfv_node_copy(obj);
		return p->extra ? CMFV_OK : cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	}
	if (txt == NULL || txt->kind == CMFV_NULL)
		return CMFV_OK;
	if (txt->kind != CMFV_STR)
		return cmfv_diag_set(
		    c->d, CMFV_EINPUT, txt->loc.file, txt->loc.line, txt->loc.col,
		    "helm.values must be a string (a YAML text); use helm.valuesObject for a map");
	if (txt->u.s.len == 0)
		return CMFV_OK;
	return gitops_parse_embedded(file, txt, "helm.values", major, c->src, &p->extra, c->d);
}

/* .argocd-source.yaml, then .argocd-source-<app>.yaml, JSON-merge-patched
 * over the source; chart, path, repoURL and targetRevision stay
 * (repository.go mergeSourceParameters). <app> is the instance name the
 * controller sends (controller/state.go: app.InstanceName(namespace)):
 * NS_NAME for an Application outside Argo CD's namespace, and then only
 * that file is read, never .argocd-source-NAME.yaml. */
static enum cmfv_err overrides(struct app_ctx *c, const char *app, const char *name,
			       struct cmfv_node *source)
{
	char path[PATH_MAX + 300];
	int k;

	for (k = 0; k < 2; k++) {
		const struct cmfv_source *s;
		struct cmfv_node *patch = NULL;
		struct stat st;
		enum cmfv_err e;

		if (k == 0)
			snprintf(path, sizeof(path), "%s/.argocd-source.yaml", app);
		else
			snprintf(path, sizeof(path), "%s/.argocd-source-%s.yaml", app, name);
		if (stat(path, &st) != 0 || S_ISDIR(st.st_mode))
			continue;
		e = cmfv_sources_read(c->src, path, 0, &s, c->d);
		if (e == CMFV_OK)
			e = cmfv_yaml_load(s->text, s->len, s->name, NULL, &patch, c->d);
		if (e != CMFV_OK)
			return e;
		if (patch && patch->kind == CMFV_MAP) {
			static const char *const keep[] = {"chart", "path", "repoURL",
							   "targetRevision"};
			size_t i;

			for (i = 0; i < 4; i++)
				cmfv_map_delete(patch, keep[i]);
			e = cmfv_merge_patch(source, patch);
		}
		cmfv_node_free(patch);
		if (e != CMFV_OK)
			return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	}
	return CMFV_OK;
}

/* Does the chart render metadata.namespace from .Release.Namespace? Then
 * helm.namespace decides where CMF runs; otherwise Argo CD puts the
 * resources in the destination namespace. Read from the templates' text. */
static int chart_sets_namespace(const char *chart)
{
	char dir[PATH_MAX + 20];
	DIR *dp;
	struct dirent *de;
	int found = 0;

	snprintf(dir, sizeof(dir), "%s/templates", chart);
	dp = opendir(dir);
	while (dp && !found && (de = readdir(dp)) != NULL) {
		char path[PATH_MAX + 300], line[1024];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		while (f && !found && fgets(line, sizeof(line), f)) {
			const char *s = line + strspn(line, " \t");

			found =
			    strncmp(s, "namespace:", 10) == 0 && strstr(s, ".Release.Namespace");
		}
		if (f)
			fclose(f);
	}
	if (dp)
		closedir(dp);
	return found;
}

static int is_helm(const struct cmfv_node *s, const char *app)
{
	char path[PATH_MAX + 20];
	struct stat st;

	if (cmfv_map_get(s, "kustomize") || cmfv_map_get(s, "directory") ||
	    cmfv_map_get(s, "plugin"))
		return 0;
	if (cmfv_map_get(s, "helm") || cmfv_map_get(s, "chart"))
		return 1;
	snprintf(path, sizeof(path), "%s/Chart.yaml", app);
	return app && stat(path, &st) == 0;
}

static enum cmfv_err set_env(struct app_ctx *c, const struct cmfv_node *s, const char *name)
{
	static const char *const names[NENV] = {"ARGOCD_APP_NAME",
						"ARGOCD_APP_NAMESPACE",
						"ARGOCD_APP_PROJECT_NAME",
						"ARGOCD_APP_REVISION",
						"ARGOCD_APP_REVISION_SHORT",
						"ARGOCD_APP_REVISION_SHORT_8",
						"ARGOCD_APP_SOURCE_REPO_URL",
						"ARGOCD_APP_SOURCE_PATH",
						"ARGOCD_APP_SOURCE_TARGET_REVISION"};
	const char *v;
	int i;

	for (i = 0; i < NENV; i++)
		c->env_names[i] = names[i];
	c->env_vals[0] = name;
	v = gitops_str(c->doc, "spec.destination.namespace");
	c->env_vals[1] = v ? v : "";
	v = gitops_str(c->doc, "spec.project");
	c->env_vals[2] = v ? v : "";
	/* the commit is not in the Application: a CI job may export it */
	for (i = 3; i < 6; i++) {
		v = getenv(names[i]);
		c->env_vals[i] = v ? v : "";
	}
	v = gitops_str(s, "repoURL");
	c->env_vals[6] = v ? v : "";
	v = gitops_str(s, "path");
	c->env_vals[7] = v ? v : "";
	v = gitops_str(s, "targetRevision");
	c->env_vals[8] = v ? v : "";
	return CMFV_OK;
}

/* Paths under the repository root as the user named the root, so that
 * reports show "repo/charts/cmf/values.yaml", not the realpath. */
static int shown(const struct app_ctx *c, char **path)
{
	const char *given = c->o->repo_root ? c->o->repo_root : ".";
	size_t n = strlen(c->root);
	struct cmfv_buf b = {0};

	if (*path == NULL || strncmp(*path, c->root, n) != 0 || (*path)[n] != '/')
		return 0;
	if (strcmp(given, ".") != 0)
		cmfv_buf_printf(&b, "%s/", given);
	cmfv_buf_puts(&b, *path + n + 1);
	if (cmfv_buf_add(&b, "", 1) != CMFV_OK) {
		cmfv_buf_free(&b);
		return -1;
	}
	cmfv_free(*path);
	*path = b.ptr;
	return 0;
}

/* The name the controller sends the repo-server (Application.InstanceName,
 * pkg/apis/application/v1alpha1/types.go): NS_NAME when the Application
 * lives outside Argo CD's namespace. It names the override file and is
 * ARGOCD_APP_NAME; the release name drops the "NS_" again. */
static void instance_name(struct app_ctx *c, const char *name)
{
	const char *ns = gitops_str(c->doc, "metadata.namespace");
	const char *home = c->o->controller_ns ? c->o->controller_ns : "argocd";

	if (ns && ns[0] && strcmp(ns, home) != 0)
		snprintf(c->inst, sizeof(c->inst), "%s_%s", ns, name);
	else
		snprintf(c->inst, sizeof(c->inst), "%s", name);
}

static enum cmfv_err plan_source(struct app_ctx *c, const struct cmfv_node *orig)
{
	const char *name = gitops_str(c->doc, "metadata.name");
	const char *path = gitops_str(orig, "path"), *chart = gitops_str(orig, "chart");
	const char *repo = gitops_str(orig, "repoURL");
	const struct cmfv_node *helm;
	struct cmfv_node *s;
	struct cmfv_plan *p, *np;
	char app[PATH_MAX], croot[PATH_MAX];
	const char *root = c->root, *v, *us;
	enum cmfv_err e;

	if (chart == NULL && path == NULL)
		return CMFV_OK; /* a ref-only source */
	instance_name(c, name);
	name = c->inst;
	if (chart) {
		if (c->o->chart == NULL) {
			app[0] = '\0';
		} else if (realpath(c->o->chart, app) == NULL) {
			return cmfv_diag_set(c->d, CMFV_ENOENT, c->o->chart, 0, 0, "--chart: %s",
					     strerror(errno));
		}
		/* the extracted chart is both the app path and the root */
		snprintf(croot, sizeof(croot), "%s", app);
		root = croot;
	} else {
		char joined[PATH_MAX * 2];

		snprintf(joined, sizeof(joined), "%s/%s", c->root, path);
		argocd_path_clean(joined);
		argocd_delink(joined, app);
		if (!argocd_inside(app, c->root) && strcmp(app, c->root) != 0)
			return cmfv_diag_set(c->d, CMFV_EINPUT, c->file->name, orig->loc.line,
					     orig->loc.col,
					     "source path %s is outside the repository root", path);
	}
	if (!is_helm(orig, app[0] ? app : NULL))
		return CMFV_OK;
	s = cmfv_node_copy(orig);
	if (s == NULL)
		return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	e = app[0] ? overrides(c, app, name, s) : CMFV_OK;
	np = e == CMFV_OK ? cmfv_realloc(c->plans, (c->nplans + 1) * sizeof(*np)) : NULL;
	if (e == CMFV_OK && np == NULL)
		e = cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	if (e != CMFV_OK) {
		cmfv_node_free(s);
		return e;
	}
	c->plans = np;
	p = &c->plans[c->nplans++];
	memset(p, 0, sizeof(*p));
	p->loc = c->doc->loc;
	set_env(c, s, name);
	helm = cmfv_map_get(s, "helm");
	p->app = cmfv_strdup(gitops_str(c->doc, "metadata.name"));
	/* the app name without an "ns_" prefix; helm.releaseName overrides it */
	us = strchr(name, '_');
	v = helm ? gitops_str(helm, "releaseName") : NULL;
	p->release = cmfv_strdup(v && v[0] ? v : us ? us + 1 : name);
	v = helm ? gitops_str(helm, "namespace") : NULL;
	{
		const char *dest = c->env_vals[1];
		int by_chart = v && v[0] && app[0] && chart_sets_namespace(app);

		p->namespace = cmfv_strdup(by_chart || !dest[0] ? (v ? v : "") : dest);
	}
	p->chart_dir = app[0] ? cmfv_strdup(app) : NULL;
	if (chart) {
		p->chart_name = cmfv_strdup(chart);
		p->chart_repo = cmfv_strdup(repo ? repo : "");
		v = gitops_str(s, "targetRevision");
		p->chart_version = v ? cmfv_strdup(v) : NULL;
	}
	e = CMFV_OK;
	if (p->app == NULL || p->release == NULL || p->namespace == NULL ||
	    (app[0] && p->chart_dir == NULL) ||
	    (chart && (!p->chart_name || !p->chart_repo ||
		       (gitops_str(s, "targetRevision") && !p->chart_version))))
		e = cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	/* a chart from a repository: the caller pulls it and asks again */
	if (e == CMFV_OK && app[0] == '\0') {
		cmfv_node_free(s);
		return e;
	}
	if (e == CMFV_OK && helm)
		e = argocd_value_files(c, p, app, root, helm, repo);
	if (e == CMFV_OK && helm)
		e = inline_values(c, p, helm, c->file);
	if (e == CMFV_OK && helm)
		e = parameters(c, p, helm);
	if (e == CMFV_OK && helm)
		e = file_parameters(c, p, helm, app, root, repo);
	if (e == CMFV_OK && !chart) {
		size_t i;
		int r = shown(c, &p->chart_dir);

		for (i = 0; r == 0 && i < p->nfiles; i++)
			r = shown(c, &p->files[i]);
		if (r != 0)
			e = cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	}
	cmfv_node_free(s);
	return e;
}

static enum cmfv_err plan_app(struct app_ctx *c)
{
	const struct cmfv_node *one = cmfv_node_path(c->doc, "spec.source");
	const struct cmfv_node *many = cmfv_node_path(c->doc, "spec.sources");
	struct cmfv_node *seq;
	size_t i, before = c->nplans;
	enum cmfv_err e = CMFV_OK;

	if (gitops_str(c->doc, "metadata.name") == NULL)
		return cmfv_diag_set(c->d, CMFV_EINPUT, c->file->name, c->doc->loc.line,
				     c->doc->loc.col, "Application has no metadata.name");
	if (many && many->kind == CMFV_SEQ && many->u.seq.n > 0) {
		c->sources = many;
		c->multi = 1;
		for (i = 0; e == CMFV_OK && i < many->u.seq.n; i++)
			e = plan_source(c, many->u.seq.v[i]);
	} else if (one && one->kind == CMFV_MAP) {
		seq = cmfv_node_new(CMFV_SEQ, one->loc);
		if (seq == NULL)
			return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
		c->sources = seq;
		c->multi = 0;
		e = plan_source(c, one);
		cmfv_node_free(seq);
	} else {
		return cmfv_diag_set(c->d, CMFV_EINPUT, c->file->name, c->doc->loc.line,
				     c->doc->loc.col,
				     "Application has no spec.source or spec.sources");
	}
	if (e == CMFV_OK && c->nplans == before)
		return cmfv_diag_set(c->d, CMFV_EINPUT, c->file->name, c->doc->loc.line,
				     c->doc->loc.col, "Application %s has no Helm source",
				     gitops_str(c->doc, "metadata.name"));
	return e;
}

static enum cmfv_err on_doc(void *ctx, struct cmfv_node *doc, struct cmfv_diag *d)
{
	struct app_ctx *c = ctx;
	const char *kind = gitops_str(doc, "kind"), *api = gitops_str(doc, "apiVersion");
	enum cmfv_err e = CMFV_OK;

	(void)d;
	if (doc && kind && strcmp(kind, "Application") == 0 && api &&
	    strncmp(api, "argoproj.io/", 12) == 0) {
		c->doc = doc;
		e = plan_app(c);
	}
	cmfv_node_free(doc);
	return e;
}

enum cmfv_err cmfv_argocd_plans(const struct cmfv_source *app, const struct cmfv_argocd_opts *o,
				struct cmfv_sources *src, struct cmfv_plan **out, size_t *nout,
				struct cmfv_diag *d)
{
	struct app_ctx c;
	const char *root = o->repo_root ? o->repo_root : ".";
	enum cmfv_err e;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.file = app;
	c.src = src;
	c.d = d;
	if (realpath(root, c.root) == NULL)
		return cmfv_diag_set(d, CMFV_ENOENT, root, 0, 0, "repository root: %s",
				     strerror(errno));
	e = cmfv_yaml_load_all(app->text, app->len, app->name, NULL, on_doc, &c, d);
	if (e == CMFV_OK && c.nplans == 0)
		e = cmfv_diag_set(
		    d, CMFV_EINPUT, app->name, 0, 0,
		    "no Argo CD Application (apiVersion argoproj.io/v1alpha1) in the file");
	if (e != CMFV_OK) {
		cmfv_plans_free(c.plans, c.nplans);
		return e;
	}
	*out = c.plans;
	*nout = c.nplans;
	return CMFV_OK;
}
