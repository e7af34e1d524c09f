/* Argo CD value files: getResolvedValueFiles() (repository.go 1461-1574)
 * and util/io/path/resolved.go (112-180), at argoproj/argo-cd master
 * @37ee0097cf85: paths relative to the chart, from the repository root, or
 * from a $ref checkout; globs in lexical order; duplicates dropped; the
 * result kept inside its root. */
/* realpath(3) and strncasecmp(3) are XSI */
#define _XOPEN_SOURCE 700
#include "argocd_int.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"

/* Go's filepath.Clean on an absolute path, in place. */
void argocd_path_clean(char *p)
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
void argocd_delink(const char *in, char *out)
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
				cmfv_buf_free(&b);
				return;
			}
			cmfv_buf_free(&b);
		}
	}
	snprintf(out, PATH_MAX, "%s", in);
}

int argocd_inside(const char *path, const char *root)
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
static enum cmfv_err resolve(struct app_ctx *c, const char *app, const char *root, const char *file,
			     struct cmfv_loc at, char *out)
{
	char joined[PATH_MAX * 2];
	size_t sch = url_scheme(file);

	if (sch) {
		if (scheme_allowed(c->o, file, sch))
			return cmfv_diag_set(c->d, CMFV_EINPUT, at.file, at.line, at.col,
					     "value file %s is a URL: cmf-validate does not fetch "
					     "URLs; download it and list the local copy",
					     file);
		return cmfv_diag_set(c->d, CMFV_EINPUT, at.file, at.line, at.col,
				     "value file %s: the URL scheme '%.*s' is not allowed", file,
				     (int)sch, file);
	}
	snprintf(joined, sizeof(joined), "%s/%s", file[0] == '/' ? root : app, file);
	if (strlen(joined) >= PATH_MAX)
		return cmfv_diag_set(c->d, CMFV_EINPUT, at.file, at.line, at.col,
				     "value file path is too long");
	argocd_path_clean(joined);
	argocd_delink(joined, out);
	if (strcmp(out, root) == 0 || !argocd_inside(out, root))
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
				      "source referenced by '$%.*s' must not have a chart field",
				      (int)n, name);
			return NULL;
		}
		dir = ref_dir(c, name, n);
		if (dir == NULL && url && repo && same_repo(url, repo))
			dir = c->o->repo_root ? c->o->repo_root : ".";
		if (dir == NULL) {
			cmfv_diag_set(c->d, CMFV_EUSAGE, at.file, at.line, at.col,
				      "'$%.*s' names the repository %s: give its checkout with "
				      "--ref %.*s=DIR",
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
		      "source referenced '$%.*s' does not exist in the Application's sources",
		      (int)n, name);
	return NULL;
}

/* A "$ref/rest" path: resolved from the root of the ref's checkout, with
 * env substitution after the ref is found (getResolvedRefValueFile). */
enum cmfv_err argocd_resolve_any(struct app_ctx *c, const char *app, const char *root,
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
unsigned char *argocd_occurrences(const char *const *keys, size_t n, int last)
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
	unsigned char *keep = argocd_occurrences((const char *const *)p->files, p->nfiles, 0);
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
		return cmfv_diag_set(
		    c->d, CMFV_EINPUT, at.file, at.line, at.col,
		    "value file glob %s: '**' is not supported by cmf-validate; list the folders",
		    pat);
	r = glob(pat, 0, NULL, &g);
	if (r == GLOB_NOMATCH) {
		if (ignore)
			return CMFV_OK;
		return cmfv_diag_set(
		    c->d, CMFV_EINPUT, at.file, at.line, at.col,
		    "values file glob %s matched no files (ignoreMissingValueFiles is not set)",
		    pat);
	}
	if (r != 0)
		return cmfv_diag_set(c->d, CMFV_EINPUT, at.file, at.line, at.col,
				     "error expanding glob pattern %s", pat);
	for (i = 0; i < g.gl_pathc; i++) {
		char real[PATH_MAX];

		argocd_delink(g.gl_pathv[i], real);
		if (!argocd_inside(real, root)) {
			globfree(&g);
			return cmfv_diag_set(
			    c->d, CMFV_EINPUT, at.file, at.line, at.col,
			    "glob pattern %s: %s resolved to outside repository root", pat,
			    g.gl_pathv[i]);
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
enum cmfv_err argocd_value_files(struct app_ctx *c, struct cmfv_plan *p, const char *app,
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
			e = argocd_resolve_any(c, app, root, f->u.s.ptr, repo, f->loc, out);
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
		e = argocd_resolve_any(c, app, root, f->u.s.ptr, repo, f->loc, out);
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
