/* Loading a chart as Helm's loader does (pkg/chart/loader: LoadDir,
 * LoadArchive, LoadFiles; pkg/ignore for .helmignore). Only what decides
 * the values is kept: Chart.yaml, values.yaml, requirements.yaml, whether
 * values.schema.json exists, and charts/. Dependencies and values:
 * chart_values.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "chart_budget.h"
#include "chart_int.h"
#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/finder.h"
#include "cmfv/targz.h"
#include "cmfv/values.h"
#include "cmfv/yaml.h"

static enum cmfv_err load_archive(const char *data, size_t len, const char *display, int major,
				  int top4, struct cmfv_sources *src, struct cmfv_chart **out,
				  struct cmfv_diag *d);

static enum cmfv_err load_files(struct cfiles *fs, const char *where, int major, int top4,
				struct cmfv_sources *src, struct cmfv_chart **out,
				struct cmfv_diag *d);

static enum cmfv_err wrap_sub(enum cmfv_err e, const char *sub, const char *parent,
			      struct cmfv_diag *d)
{
	struct cmfv_buf b = {0};

	if (e != CMFV_EINPUT)
		return e;
	cmfv_buf_printf(&b, "error unpacking subchart %s in %s: %s", sub, parent, d->msg);
	if (!b.failed && b.ptr) {
		size_t n = b.len < sizeof(d->msg) - 1 ? b.len : sizeof(d->msg) - 1;

		memcpy(d->msg, b.ptr, n);
		d->msg[n] = '\0';
	}
	cmfv_buf_free(&b);
	return e;
}

/* The subcharts of charts/: each folder is loaded from its files, each
 * .tgz from its bytes; names starting with '_' or '.' are skipped. */
static enum cmfv_err load_subcharts(struct cmfv_chart *c, struct cfiles *fs, int major,
				    struct cmfv_sources *src, struct cmfv_diag *d)
{
	size_t i, j, subs = 0;
	enum cmfv_err e = CMFV_OK;
	unsigned char *done;

	/* time: each subchart is matched against the others' files; 12,000
	 * took 35 s. No real chart has that many */
	for (i = 0; i < fs->n; i++) {
		const char *r = fs->v[i].name;

		if (strncmp(r, "charts/", 7) != 0)
			continue;
		r += 7;
		subs += strchr(r, '/') ? strcmp(strchr(r, '/'), "/Chart.yaml") == 0
				       : strlen(r) > 4 && strcmp(r + strlen(r) - 4, ".tgz") == 0;
	}
	if (subs > CMFV_CHART_MAX_SUBCHARTS)
		return cmfv_diag_set(
		    d, CMFV_EINPUT, c->where, 0, 0,
		    "has %zu subcharts in charts/, more than %d: no chart Helm users "
		    "deploy has that many",
		    subs, CMFV_CHART_MAX_SUBCHARTS);
	done = cmfv_calloc(fs->n + 1, 1);
	if (done == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; i < fs->n && e == CMFV_OK; i++) {
		const char *rest, *slash;
		char *cname;
		struct cmfv_chart *sc = NULL;
		size_t clen;

		if (done[i] || strncmp(fs->v[i].name, "charts/", 7) != 0)
			continue;
		rest = fs->v[i].name + 7;
		slash = strchr(rest, '/');
		clen = slash ? (size_t)(slash - rest) : strlen(rest);
		if (clen > 5 && strcmp(rest + clen - 5, ".prov") == 0 && !slash)
			continue;
		cname = cmfv_strndup(rest, clen);
		if (cname == NULL) {
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			break;
		}
		if (cname[0] == '_' || cname[0] == '.') {
			for (j = i; j < fs->n; j++)
				if (strncmp(fs->v[j].name +
						(strncmp(fs->v[j].name, "charts/", 7) ? 0 : 7),
					    cname, clen) == 0)
					done[j] = 1;
			cmfv_free(cname);
			continue;
		}
		if (clen > 4 && strcmp(cname + clen - 4, ".tgz") == 0) {
			/* LoadFiles groups the entries by this name and unpacks
			 * the first of them alone: later copies are not read */
			for (j = i; j < fs->n; j++) {
				const char *nm = fs->v[j].name;

				if (strncmp(nm, "charts/", 7) == 0 &&
				    strncmp(nm + 7, cname, clen) == 0 &&
				    (nm[7 + clen] == '/' || nm[7 + clen] == '\0'))
					done[j] = 1;
			}
			if (slash) {
				e = cmfv_diag_set(
				    d, CMFV_EINPUT, c->where, 0, 0,
				    "error unpacking subchart tar in %s: expected %s, got %s",
				    c->chart_name, cname, rest);
			} else {
				e = load_archive(fs->v[i].data ? fs->v[i].data : "", fs->v[i].len,
						 fs->v[i].display, major, 0, src, &sc, d);
				e = wrap_sub(e, cname, c->chart_name, d);
			}
		} else {
			struct cfiles sub = {0};
			char *where = NULL;

			for (j = i; j < fs->n && e == CMFV_OK; j++) {
				const char *nm = fs->v[j].name;

				if (done[j] || strncmp(nm, "charts/", 7) != 0 ||
				    strncmp(nm + 7, cname, clen) != 0 ||
				    (nm[7 + clen] != '/' && nm[7 + clen]))
					continue;
				done[j] = 1;
				if (nm[7 + clen] != '/')
					continue;
				if (where == NULL) {
					size_t dl = strlen(fs->v[j].display),
					       tl = strlen(nm + 7 + clen);

					where = cmfv_strndup(fs->v[j].display, dl - tl);
				}
				e = cmfv_cfiles_push(&sub, cmfv_strdup(nm + 8 + clen),
						     fs->v[j].data, fs->v[j].len,
						     cmfv_strdup(fs->v[j].display));
				fs->v[j].data = NULL;
				if (e != CMFV_OK || sub.v[sub.n - 1].name == NULL ||
				    sub.v[sub.n - 1].display == NULL)
					e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			}
			if (e == CMFV_OK) {
				e = load_files(&sub, where ? where : cname, major, 0, src, &sc, d);
				e = wrap_sub(e, cname, c->chart_name, d);
			}
			cmfv_cfiles_free(&sub);
			cmfv_free(where);
		}
		cmfv_free(cname);
		if (e == CMFV_OK) {
			void *nv = cmfv_realloc(c->subs, (c->nsubs + 1) * sizeof(*c->subs));

			if (nv == NULL) {
				cmfv_chart_free(sc);
				e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			} else {
				c->subs = nv;
				c->subs[c->nsubs++] = sc;
			}
		}
	}
	cmfv_free(done);
	return e;
}

/* Helm 4 picks the loader of the chart it installs by the apiVersion of
 * its first Chart.yaml alone (pkg/chart/loader); subcharts go through the
 * v2 loader whatever they say. Version 3 charts are refused by 4.1. */
static enum cmfv_err detect_v4(const struct meta_acc *a, const char *where, struct cmfv_diag *d)
{
	const char *v = a->first_api;

	if (a->charts == 0)
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
				     "unable to detect chart version, no Chart.yaml found");
	if (strcmp(v, "v3") == 0)
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0, "invalid chart apiVersion");
	if (strcmp(v, "v1") != 0 && strcmp(v, "v2") != 0 && v[0])
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
				     "unsupported chart version (apiVersion \"%s\")", v);
	return CMFV_OK;
}

/* Helm 4's LoadDir detects the version from <dir>/Chart.yaml read from
 * disk, even when .helmignore leaves it out of the chart the v2 loader then
 * reads (whose metadata may come from requirements.yaml alone). */
static enum cmfv_err detect_dir_v4(const char *top, struct cmfv_sources *src, struct cmfv_diag *d)
{
	struct meta_acc acc = {0};
	struct cmfv_chart *c = cmfv_calloc(1, sizeof(*c));
	struct cfile f = {"Chart.yaml", NULL, 0, cmfv_chart_join(top, "/", "Chart.yaml")};
	enum cmfv_err e = CMFV_ENOMEM;

	if (c == NULL || f.display == NULL)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	else if ((e = cmfv_chart_read_file(f.display, &f.data, &f.len, d)) != CMFV_OK) {
		char why[sizeof(d->msg)];

		snprintf(why, sizeof(why), "%s", d->msg);
		e = cmfv_diag_set(d, CMFV_EINPUT, f.display, 0, 0,
				  "unable to detect chart: Helm 4 reads this Chart.yaml (even "
				  "one .helmignore leaves out): %s",
				  why);
	}
	acc.detect4 = 1;
	if (e == CMFV_OK)
		e = cmfv_chart_load_meta(c, &acc, &f, "Chart.yaml", src, d);
	if (e == CMFV_OK)
		e = detect_v4(&acc, top, d);
	cmfv_meta_acc_free(&acc);
	cmfv_chart_free(c);
	cmfv_free(f.data);
	cmfv_free(f.display);
	return e;
}

/* Each values.yaml replaces the one before (each copy must parse) */
static enum cmfv_err load_values(struct cmfv_chart *c, const struct cfile *f, int major,
				 struct cmfv_sources *src, struct cmfv_diag *d)
{
	const struct cmfv_source *s;
	struct cmfv_node *v = NULL;
	enum cmfv_err e;

	if (cmfv_sources_add(src, f->display, f->data ? f->data : "", f->len, 0, &s) != CMFV_OK)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	e = cmfv_values_parse_in(src, s, major, &v, d);
	if (e == CMFV_OK) {
		cmfv_node_free(c->values);
		c->values = v;
	}
	return e;
}

/* LoadFiles: every Chart.yaml in file order, then values.yaml,
 * requirements.yaml, the lock files and values.schema.json in file order; a file twice is
 * read twice (metadata merged, values replaced). \p top4: the chart Helm 4
 * installs (it detects the chart's version first). */
static enum cmfv_err load_meta_values(struct cmfv_chart *c, struct cfiles *fs, const char *where,
				      int major, int top4, struct cmfv_sources *src,
				      struct cmfv_diag *d)
{
	struct meta_acc acc = {0};
	enum cmfv_err e = CMFV_OK;
	size_t i;

	acc.detect4 = top4;
	for (i = 0; i < fs->n && e == CMFV_OK; i++)
		if (strcmp(fs->v[i].name, "Chart.yaml") == 0)
			e = cmfv_chart_load_meta(c, &acc, &fs->v[i], "Chart.yaml", src, d);
	if (e == CMFV_OK && top4)
		e = detect_v4(&acc, where, d);
	for (i = 0; i < fs->n && e == CMFV_OK; i++) {
		const char *n = fs->v[i].name;

		if (strcmp(n, "values.yaml") == 0)
			e = load_values(c, &fs->v[i], major, src, d);
		else if (strcmp(n, "requirements.yaml") == 0)
			e = cmfv_chart_load_meta(c, &acc, &fs->v[i], "requirements.yaml", src, d);
		else if (strcmp(n, "Chart.lock") == 0)
			e = cmfv_chart_load_lock(&fs->v[i], n, src, d);
		else if (strcmp(n, "requirements.lock") == 0 &&
			 (e = cmfv_chart_load_lock(&fs->v[i], n, src, d)) == CMFV_OK)
			acc.present = 1; /* it makes the metadata too */
		else if (strcmp(n, "values.schema.json") == 0)
			c->has_schema = 1;
	}
	if (e == CMFV_OK && !acc.present)
		e = cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0, "Chart.yaml file is missing");
	if (e == CMFV_OK)
		e = cmfv_chart_meta_finish(c, &acc, d);
	if (e == CMFV_OK)
		e = cmfv_chart_validate(c, acc.api, where, d);
	cmfv_meta_acc_free(&acc);
	return e;
}

/* Helm installs what a chart's crds/ files hold as it is, whatever its
 * kind: no templates, no post-renderer (Helm 3's and 4's installCRDs). CMF
 * there could get no key mount and is never seen by the check: refused
 * when the text holds CMF's name or image as written (an escaped spelling
 * in a double-quoted string is not looked for). */
static enum cmfv_err crds_check(const struct cfiles *fs, struct cmfv_diag *d)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		const struct cfile *f = &fs->v[i];

		if (strncmp(f->name, "crds/", 5) != 0 || f->data == NULL)
			continue;
		if (cmfv_text_names_cmf(f->data, f->len))
			return cmfv_diag_set(
			    d, CMFV_EINPUT, f->display, 0, 0,
			    "a file in crds/ names CMF (confluent-manager-for-apache-flink or the "
			    "cp-cmf image): Helm installs crds/ files as they are, without "
			    "templates or the post-renderer, so CMF there cannot be checked or "
			    "get the key mount: move it to templates/");
	}
	return CMFV_OK;
}

static enum cmfv_err load_files(struct cfiles *fs, const char *where, int major, int top4,
				struct cmfv_sources *src, struct cmfv_chart **out,
				struct cmfv_diag *d)
{
	struct cmfv_chart *c = cmfv_calloc(1, sizeof(*c));
	enum cmfv_err e;

	if (c == NULL || (c->where = cmfv_strdup(where)) == NULL) {
		cmfv_chart_free(c);
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	e = crds_check(fs, d);
	if (e == CMFV_OK)
		e = load_meta_values(c, fs, where, major, top4, src, d);
	if (e == CMFV_OK && c->values == NULL) {
		struct cmfv_loc none = {NULL, 0, 0};

		c->values = cmfv_node_new(CMFV_MAP, none);
		if (c->values == NULL)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	if (e == CMFV_OK && (c->name = cmfv_strdup(c->chart_name)) == NULL)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (e == CMFV_OK)
		e = load_subcharts(c, fs, major, src, d);
	if (e != CMFV_OK) {
		cmfv_chart_free(c);
		return e;
	}
	*out = c;
	return CMFV_OK;
}

static enum cmfv_err load_archive(const char *data, size_t len, const char *display, int major,
				  int top4, struct cmfv_sources *src, struct cmfv_chart **out,
				  struct cmfv_diag *d)
{
	struct cfiles fs = {0};
	enum cmfv_err e = cmfv_chart_archive_files(data, len, display, &fs, d);

	if (e == CMFV_OK)
		e = load_files(&fs, display, major, top4, src, out, d);
	cmfv_cfiles_free(&fs);
	return e;
}

enum cmfv_err cmfv_chart_load(const char *path, int helm_major, struct cmfv_sources *src,
			      struct cmfv_chart **out, struct cmfv_diag *d)
{
	struct stat st;
	enum cmfv_err e;

	if (stat(path, &st) != 0)
		return cmfv_diag_set(d, CMFV_ENOENT, path, 0, 0, "--chart: %s", strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		struct cfiles fs = {0};
		size_t n = strlen(path);
		char *top = cmfv_strndup(path, n);
		int top4 = 0;

		/* "chart/" and "chart" name the same files */
		while (top && n > 1 && top[n - 1] == '/')
			top[--n] = '\0';
		e = top ? cmfv_chart_dir_files(top, &fs, d)
			: cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		if (e == CMFV_OK && helm_major == 4) {
			size_t i;

			for (i = 0; i < fs.n && strcmp(fs.v[i].name, "Chart.yaml") != 0; i++)
				;
			top4 = i < fs.n;
			if (!top4)
				e = detect_dir_v4(top, src, d);
		}
		if (e == CMFV_OK)
			e = load_files(&fs, top, helm_major, top4, src, out, d);
		cmfv_cfiles_free(&fs);
		cmfv_free(top);
	} else {
		char *data = NULL;
		size_t len = 0;

		e = cmfv_chart_read_file(path, &data, &len, d);
		if (e == CMFV_EINPUT)
			e = cmfv_diag_set(d, CMFV_EINPUT, path, 0, 0, "chart archive is too large");
		if (e == CMFV_OK)
			e = load_archive(data, len, path, helm_major, helm_major == 4, src, out, d);
		cmfv_free(data);
	}
	if (e != CMFV_OK)
		return e;
	/* checkIfInstallable, then CheckDependencies (the root chart only) */
	if (strcmp((*out)->type, "library") == 0) {
		cmfv_chart_free(*out);
		*out = NULL;
		return cmfv_diag_set(d, CMFV_EINPUT, path, 0, 0,
				     "library charts are not installable");
	}
	{
		struct cmfv_buf miss = {0};
		size_t i, j, nmiss = 0;

		/* an entry without a name is missing too (nothing is named "") */
		for (i = 0; i < (*out)->ndeps; i++) {
			for (j = 0; j < (*out)->nsubs; j++)
				if (strcmp((*out)->subs[j]->chart_name, (*out)->deps[i].name) == 0)
					break;
			if (j == (*out)->nsubs)
				cmfv_buf_printf(&miss, "%s%s", nmiss++ ? ", " : "",
						(*out)->deps[i].name);
		}
		cmfv_buf_printf(&miss, "%s", "");
		if (nmiss || miss.failed) {
			e = miss.failed ? cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory")
					: cmfv_diag_set(
					      d, CMFV_EINPUT, path, 0, 0,
					      "an error occurred while checking for chart "
					      "dependencies (run `helm dependency build`): found "
					      "in Chart.yaml, but missing in charts/ directory: %s",
					      miss.ptr);
			cmfv_buf_free(&miss);
			cmfv_chart_free(*out);
			*out = NULL;
			return e;
		}
		cmfv_buf_free(&miss);
	}
	cmfv_chart_budget_set(*out, src);
	return CMFV_OK;
}
enum cmfv_err cmfv_chart_kube_check(const struct cmfv_chart *c, const char *kube_version,
				    int helm_major, struct cmfv_diag *d)
{
	/* DefaultCapabilities: Helm 3.17 says v1.32.0; Helm 4 takes its
	 * client-go version plus one major (0.35 in 4.1) */
	const char *kv = kube_version ? kube_version : helm_major == 3 ? "v1.32.0" : "v1.35.0";
	char norm[128];

	if (kv[0] == '\0')
		return CMFV_OK;
	if (!cmfv_kube_version(kv, helm_major, norm, sizeof(norm)))
		return cmfv_diag_set(d, CMFV_EINPUT, NULL, 0, 0, "invalid kube version '%s'", kv);
	if (c->kube_version == NULL || !c->kube_version[0])
		return CMFV_OK;
	if (cmfv_semver_in_range(c->kube_version, norm))
		return CMFV_OK;
	return cmfv_diag_set(
	    d, CMFV_EINPUT, c->where, 0, 0,
	    "chart requires kubeVersion: %s which is incompatible with Kubernetes %s%s",
	    c->kube_version, norm[0] == 'v' ? "" : "v", norm);
}
