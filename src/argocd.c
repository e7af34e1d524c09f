/* Argo CD: an Application's Helm source as the repo-server renders it.
 * Line numbers cite argoproj/argo-cd master @37ee0097cf85:
 * reposerver/repository/repository.go helmTemplate() (1285-1390),
 * getResolvedValueFiles() (1461-1574), mergeSourceParameters() (1896-1947),
 * util/io/path/resolved.go (112-180), util/helm/cmd.go template() (429-482). */
/* realpath(3) and strncasecmp(3) are XSI */
#define _XOPEN_SOURCE 700
#include "gitops_int.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/yaml.h"

#define NENV 9

struct app_ctx {
	const struct cmfv_argocd_opts *o;
	const struct cmfv_source *file;
	struct cmfv_sources *src;
	const struct cmfv_node *doc;
	const struct cmfv_node *sources; /* a sequence of the sources */
	int multi;                       /* spec.sources, not spec.source */
	const char *env_names[NENV];
	const char *env_vals[NENV];
	char root[PATH_MAX];             /* realpath of the repository root */
	char inst[512];                  /* the instance name: NAME or NS_NAME */
	struct cmfv_plan *plans;
	size_t nplans;
	struct cmfv_diag *d;
};

/* Go's filepath.Clean on an absolute path, in place. */
static void path_clean(char *p)
{
	char *out = p, *s = p;

	while (*s) {
		char *e;
		size_t n;

		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		e = strchr(s, '/');
		n = e ? (size_t)(e - s) : strlen(s);
		if (n == 1 && s[0] == '.') {
			/* skip */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (out > p && *--out != '/')
				;
		} else {
			*out++ = '/';
			memmove(out, s, n);
			out += n;
		}
		s += n;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

/* Symlinks resolved as far as the path exists (Argo CD resolves the link
 * chain; a missing file stays as written and fails later in Helm). */
static void delink(const char *in, char *out)
{
	char buf[PATH_MAX];
	char *slash;

	if (realpath(in, out) != NULL)
		return;
	snprintf(buf, sizeof(buf), "%s", in);
	slash = strrchr(buf, '/');
	if (slash && slash != buf) {
		char dir[PATH_MAX];

		*slash = '\0';
		if (realpath(buf, dir) != NULL && strlen(dir) + strlen(slash + 1) + 2 < PATH_MAX) {
			struct cmfv_buf b = {0};

			cmfv_buf_printf(&b, "%s/%s", strcmp(dir, "/") ? dir : "", slash + 1);
			if (!b.failed && b.len < PATH_MAX) {
				memcpy(out, b.ptr, b.len + 1);
				cmfv_buf_free(&b, 0);
				return;
			}
			cmfv_buf_free(&b, 0);
		}
	}
	snprintf(out, PATH_MAX, "%s", in);
}

static int inside(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return 1;
	return strncmp(path, root, n) == 0 && path[n] == '/';
}

/* url.Parse's scheme, when \p s has one: letters, digits, + - . after a
 * leading letter, up to ':'. */
static size_t url_scheme(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			continue;
		if (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
			continue;
		return c == ':' && i > 0 ? i : 0;
	}
	return 0;
}

static int scheme_allowed(const struct cmfv_argocd_opts *o, const char *s, size_t n)
{
	static const char *const def[] = {"https", "http"};
	const char *const *v = o->schemes ? o->schemes : def;
	size_t i, nv = o->schemes ? o->nschemes : 2;

	for (i = 0; i < nv; i++)
		if (strlen(v[i]) == n && strncasecmp(v[i], s, n) == 0)
			return 1;
	return 0;
}

/* ResolveValueFilePathOrUrl: relative to \p app, or from \p root when it
 * starts with '/'; links resolved; the result must stay inside \p root. */
static enum cmfv_err resolve(struct app_ctx *c, const char *app, const char *root,
			     const char *file, struct cmfv_loc at, char *out)
{
	char joined[PATH_MAX * 2];
	size_t sch = url_scheme(file);

	if (sch) {
		if (scheme_allowed(c->o, file, sch))
			return cmfv_diag_set(c->d, CMFV_EINPUT, at.file, at.line, at.col,
					     "value file %s is a URL: cmf-validate does not fetch URLs; download it and list the local copy",
					     file);
		return cmfv_diag_set(c->d, CMFV_EINPUT, at.file, at.line, at.col,
				     "value file %s: the URL scheme '%.*s' is not allowed", file,
				     (int)sch, file);
	}
	snprintf(joined, sizeof(joined), "%s/%s", file[0] == '/' ? root : app, file);
	if (strlen(joined) >= PATH_MAX)
		return cmfv_diag_set(c->d, CMFV_EINPUT, at.file, at.line, at.col,
				     "value file path is too long");
	path_clean(joined);
	delink(joined, out);
	if (strcmp(out, root) == 0 || !inside(out, root))
		return cmfv_diag_set(c->d, CMFV_EINPUT, at.file, at.line, at.col,
				     "file '%s' resolved to outside repository root", file);
	return CMFV_OK;
}

static const char *ref_dir(struct app_ctx *c, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < c->o->nrefs; i++) {
		const char *r = c->o->refs[i], *eq = strchr(r, '=');

		if (eq && (size_t)(eq - r) == n && strncmp(r, name, n) == 0)
			return eq + 1;
	}
	return NULL;
}

/* Repository URLs compared as Argo CD normalises them, roughly: case,
 * a trailing slash and ".git" do not matter. */
static int same_repo(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	while (na && a[na - 1] == '/')
		na--;
	while (nb && b[nb - 1] == '/')
		nb--;
	if (na > 4 && strncasecmp(a + na - 4, ".git", 4) == 0)
		na -= 4;
	if (nb > 4 && strncasecmp(b + nb - 4, ".git", 4) == 0)
		nb -= 4;
	return na == nb && strncasecmp(a, b, na) == 0;
}

/* The checkout of ref source \p name ("$values" without the '$'), or NULL
 * with the diag set. A ref source in the same repository as \p repo is
 * the repository root; others need --ref NAME=DIR. */
static const char *find_ref(struct app_ctx *c, const char *name, size_t n, const char *repo,
			    struct cmfv_loc at, char *buf)
{
	size_t i;
	const char *dir = NULL;

	for (i = 0; i < c->sources->u.seq.n; i++) {
		const struct cmfv_node *s = c->sources->u.seq.v[i];
		const char *ref = gitops_str(s, "ref"), *url = gitops_str(s, "repoURL");

		if (ref == NULL || strlen(ref) != n || strncmp(ref, name, n) != 0)
			continue;
		if (cmfv_map_get(s, "chart")) {
			cmfv_diag_set(c->d, CMFV_EINPUT, c->file->name, s->loc.line, s->loc.col,
				      "source referenced by '$%.*s' must not have a chart field", (int)n, name);
			return NULL;
		}
		dir = ref_dir(c, name, n);
		if (dir == NULL && url && repo && same_repo(url, repo))
			dir = c->o->repo_root ? c->o->repo_root : ".";
		if (dir == NULL) {
			cmfv_diag_set(c->d, CMFV_EUSAGE, at.file, at.line, at.col,
				      "'$%.*s' names the repository %s: give its checkout with --ref %.*s=DIR",
				      (int)n, name, url ? url : "(no repoURL)", (int)n, name);
			return NULL;
		}
		if (realpath(dir, buf) == NULL) {
			cmfv_diag_set(c->d, CMFV_ENOENT, dir, 0, 0, "--ref %.*s: %s", (int)n, name,
				      strerror(errno));
			return NULL;
		}
		return buf;
	}
	cmfv_diag_set(c->d, CMFV_EINPUT, at.file, at.line, at.col,
		      "source referenced '$%.*s' does not exist in the Application's sources", (int)n,
		      name);
	return NULL;
}

/* A "$ref/rest" path: resolved from the root of the ref's checkout, with
 * env substitution after the ref is found (getResolvedRefValueFile). */
static enum cmfv_err resolve_any(struct app_ctx *c, const char *app, const char *root,
				 const char *raw, const char *repo, struct cmfv_loc at, char *out)
{
	char *sub;
	enum cmfv_err e;

	/* only a multi-source Application has refs: there every value file
	 * starting with '$' names one (repository.go:873-891); elsewhere '$' is
	 * just env substitution */
	if (c->multi && raw[0] == '$') {
		char rbuf[PATH_MAX];
		const char *slash = strchr(raw, '/');
		size_t n = slash ? (size_t)(slash - raw) - 1 : strlen(raw) - 1;
		const char *dir = find_ref(c, raw + 1, n, repo, at, rbuf);

		if (dir == NULL)
			return c->d->code;
		sub = cmfv_argocd_envsubst(slash ? slash : "/", c->env_names, c->env_vals, NENV);
		if (sub == NULL)
			return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
		e = resolve(c, dir, dir, sub, at, out);
		cmfv_free(sub);
		return e;
	}
	sub = cmfv_argocd_envsubst(raw, c->env_names, c->env_vals, NENV);
	if (sub == NULL)
		return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	e = resolve(c, app, root, sub, at, out);
	cmfv_free(sub);
	return e;
}

static int is_glob(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

struct keyed {
	const char *k;
	size_t i;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Which of \p n keys (NULL: none) to keep: the last (\p last) or the first
 * occurrence of each. Sorting keeps it O(n log n) for hostile lists.
 * Returns a caller-freed array of flags, or NULL when out of memory. */
static unsigned char *occurrences(const char *const *keys, size_t n, int last)
{
	struct keyed *v = cmfv_calloc(n + 1, sizeof(*v));
	unsigned char *keep = cmfv_calloc(n + 1, 1);
	size_t i, m = 0;

	if (v == NULL || keep == NULL) {
		cmfv_free(v);
		cmfv_free(keep);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (keys[i])
			v[m++] = (struct keyed){keys[i], i};
	qsort(v, m, sizeof(*v), keyed_cmp);
	for (i = 0; i < m; i++) {
		int first = i == 0 || strcmp(v[i - 1].k, v[i].k) != 0;
		int final = i + 1 == m || strcmp(v[i + 1].k, v[i].k) != 0;

		if (last ? final : first)
			keep[v[i].i] = 1;
	}
	cmfv_free(v);
	return keep;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is \p s in the sorted vector \p v? */
static int listed(char **v, size_t n, const char *s)
{
	return n > 0 && bsearch(&s, v, n, sizeof(*v), strp_cmp) != NULL;
}

/* Drop the later copies of a file listed twice (appendUnique). */
static int dedupe_files(struct cmfv_plan *p)
{
	unsigned char *keep = occurrences((const char *const *)p->files, p->nfiles, 0);
	size_t i, k = 0;

	if (keep == NULL)
		return -1;
	for (i = 0; i < p->nfiles; i++) {
		if (keep[i])
			p->files[k++] = p->files[i];
		else
			cmfv_free(p->files[i]);
	}
	p->nfiles = k;
	cmfv_free(keep);
	return 0;
}

static enum cmfv_err add_glob(struct app_ctx *c, struct cmfv_plan *p, const char *pat,
			      const char *root, char **explicit, size_t nexplicit, int ignore,
			      struct cmfv_loc at)
{
	glob_t g;
	size_t i;
	int r;

	if (strstr(pat, "**"))
		return cmfv_diag_set(c->d, CMFV_EINPUT, at.file, at.line, at.col,
				     "value file glob %s: '**' is not supported by cmf-validate; list the folders", pat);
	r = glob(pat, 0, NULL, &g);
	if (r == GLOB_NOMATCH) {
		if (ignore)
			return CMFV_OK;
		return cmfv_diag_set(c->d, CMFV_EINPUT, at.file, at.line, at.col,
				     "values file glob %s matched no files (ignoreMissingValueFiles is not set)",
				     pat);
	}
	if (r != 0)
		return cmfv_diag_set(c->d, CMFV_EINPUT, at.file, at.line, at.col,
				     "error expanding glob pattern %s", pat);
	for (i = 0; i < g.gl_pathc; i++) {
		char real[PATH_MAX];

		delink(g.gl_pathv[i], real);
		if (!inside(real, root)) {
			globfree(&g);
			return cmfv_diag_set(c->d, CMFV_EINPUT, at.file, at.line, at.col,
					     "glob pattern %s: %s resolved to outside repository root",
					     pat, g.gl_pathv[i]);
		}
		if (listed(explicit, nexplicit, g.gl_pathv[i]))
			continue;
		if (gitops_push_str(&p->files, &p->nfiles, cmfv_strdup(g.gl_pathv[i])) != 0) {
			globfree(&g);
			return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
		}
	}
	globfree(&g);
	return CMFV_OK;
}

/* getResolvedValueFiles: in list order; a glob expands in lexical order
 * without the files also listed explicitly; duplicates dropped; missing
 * files skipped only with ignoreMissingValueFiles. */
static enum cmfv_err value_files(struct app_ctx *c, struct cmfv_plan *p, const char *app,
				 const char *root, const struct cmfv_node *helm, const char *repo)
{
	const struct cmfv_node *vf = cmfv_map_get(helm, "valueFiles");
	const struct cmfv_node *ign = cmfv_map_get(helm, "ignoreMissingValueFiles");
	int ignore = ign && ign->kind == CMFV_BOOL && ign->u.b;
	char **explicit = NULL;
	size_t nexplicit = 0, i;
	enum cmfv_err e = CMFV_OK;

	if (vf == NULL || vf->kind != CMFV_SEQ)
		return CMFV_OK;
	for (i = 0; i < vf->u.seq.n; i++) {
		const struct cmfv_node *f = vf->u.seq.v[i];
		char out[PATH_MAX];
		struct cmfv_diag scratch;

		cmfv_diag_clear(&scratch);
		if (f->kind != CMFV_STR)
			continue;
		{
			struct cmfv_diag *keep = c->d;

			c->d = &scratch;
			e = resolve_any(c, app, root, f->u.s.ptr, repo, f->loc, out);
			c->d = keep;
		}
		if (e == CMFV_ENOMEM)
			break;
		if (e == CMFV_OK && !is_glob(out) &&
		    gitops_push_str(&explicit, &nexplicit, cmfv_strdup(out)) != 0) {
			e = CMFV_ENOMEM;
			break;
		}
		e = CMFV_OK;
	}
	if (nexplicit > 1)
		qsort(explicit, nexplicit, sizeof(*explicit), strp_cmp);
	for (i = 0; e == CMFV_OK && vf && i < vf->u.seq.n; i++) {
		const struct cmfv_node *f = vf->u.seq.v[i];
		char out[PATH_MAX];
		struct stat st;

		if (f->kind != CMFV_STR) {
			e = cmfv_diag_set(c->d, CMFV_EINPUT, c->file->name, f->loc.line, f->loc.col,
					  "valueFiles entries must be strings");
			break;
		}
		e = resolve_any(c, app, root, f->u.s.ptr, repo, f->loc, out);
		if (e != CMFV_OK)
			break;
		if (is_glob(out)) {
			e = add_glob(c, p, out, root, explicit, nexplicit, ignore, f->loc);
			continue;
		}
		if (ignore && stat(out, &st) != 0 && errno == ENOENT)
			continue;
		if (gitops_push_str(&p->files, &p->nfiles, cmfv_strdup(out)) != 0)
			e = CMFV_ENOMEM;
	}
	if (e == CMFV_OK && dedupe_files(p) != 0)
		e = CMFV_ENOMEM;
	for (i = 0; i < nexplicit; i++)
		cmfv_free(explicit[i]);
	cmfv_free(explicit);
	if (e == CMFV_ENOMEM)
		return cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	return e;
}

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
		cmfv_buf_free(&b, 0);
		return NULL;
	}
	return b.ptr;
}

static enum cmfv_err parameters(struct app_ctx *c, struct cmfv_plan *p, const struct cmfv_node *helm)
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
			const struct cmfv_node *fs = cmfv_map_get(params->u.seq.v[i], "forceString");

			if ((fs && fs->kind == CMFV_BOOL && fs->u.b) == pass)
				names[i] = gitops_str(params->u.seq.v[i], "name");
		}
		keep = names ? occurrences(names, params->u.seq.n, 1) : NULL;
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
			if (arg == NULL ||
			    gitops_push_set(p, force ? CMFV_SET_STRING : CMFV_SET, arg, q->loc) != 0) {
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
	keep = names ? occurrences(names, fp->u.seq.n, 1) : NULL;
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
		e = resolve_any(c, app, root, path, repo, q->loc, out);
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
			return cmfv_diag_set(c->d, CMFV_EINPUT, obj->loc.file, obj->loc.line,
					     obj->loc.col, "helm.valuesObject must be a map, not a %s",
					     cmfv_kind_name(obj->kind));
		p->extra = cmfv_node_copy(obj);
		return p->extra ? CMFV_OK : cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	}
	if (txt == NULL || txt->kind == CMFV_NULL)
		return CMFV_OK;
	if (txt->kind != CMFV_STR)
		return cmfv_diag_set(c->d, CMFV_EINPUT, txt->loc.file, txt->loc.line, txt->loc.col,
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
			static const char *const keep[] = {"chart", "path", "repoURL", "targetRevision"};
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

			found = strncmp(s, "namespace:", 10) == 0 && strstr(s, ".Release.Namespace");
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

	if (cmfv_map_get(s, "kustomize") || cmfv_map_get(s, "directory") || cmfv_map_get(s, "plugin"))
		return 0;
	if (cmfv_map_get(s, "helm") || cmfv_map_get(s, "chart"))
		return 1;
	snprintf(path, sizeof(path), "%s/Chart.yaml", app);
	return app && stat(path, &st) == 0;
}

static enum cmfv_err set_env(struct app_ctx *c, const struct cmfv_node *s, const char *name)
{
	static const char *const names[NENV] = {
		"ARGOCD_APP_NAME", "ARGOCD_APP_NAMESPACE", "ARGOCD_APP_PROJECT_NAME",
		"ARGOCD_APP_REVISION", "ARGOCD_APP_REVISION_SHORT", "ARGOCD_APP_REVISION_SHORT_8",
		"ARGOCD_APP_SOURCE_REPO_URL", "ARGOCD_APP_SOURCE_PATH",
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
		cmfv_buf_free(&b, 0);
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
		path_clean(joined);
		delink(joined, app);
		if (!inside(app, c->root) && strcmp(app, c->root) != 0)
			return cmfv_diag_set(c->d, CMFV_EINPUT, c->file->name, orig->loc.line,
					     orig->loc.col, "source path %s is outside the repository root",
					     path);
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
	    (chart && (!p->chart_name || !p->chart_repo || (gitops_str(s, "targetRevision") && !p->chart_version))))
		e = cmfv_diag_fail(c->d, CMFV_ENOMEM, "out of memory");
	/* a chart from a repository: the caller pulls it and asks again */
	if (e == CMFV_OK && app[0] == '\0') {
		cmfv_node_free(s);
		return e;
	}
	if (e == CMFV_OK && helm)
		e = value_files(c, p, app, root, helm, repo);
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
				     c->doc->loc.col, "Application has no spec.source or spec.sources");
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
		return cmfv_diag_set(d, CMFV_ENOENT, root, 0, 0, "repository root: %s", strerror(errno));
	e = cmfv_yaml_load_all(app->text, app->len, app->name, NULL, on_doc, &c, d);
	if (e == CMFV_OK && c.nplans == 0)
		e = cmfv_diag_set(d, CMFV_EINPUT, app->name, 0, 0,
				  "no Argo CD Application (apiVersion argoproj.io/v1alpha1) in the file");
	if (e != CMFV_OK) {
		cmfv_plans_free(c.plans, c.nplans);
		return e;
	}
	*out = c.plans;
	*nout = c.nplans;
	return CMFV_OK;
}
