/* Loading a chart as Helm's loader does (pkg/chart/loader: LoadDir,
 * LoadArchive, LoadFiles; pkg/ignore for .helmignore). Only what decides
 * the values is kept: Chart.yaml, values.yaml, requirements.yaml, whether
 * values.schema.json exists, and charts/. Dependencies and values:
 * chart_values.c. */
#include "cmfv/chart.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/targz.h"
#include "cmfv/values.h"
#include "cmfv/yaml.h"

/* A file of the chart: its name inside the chart ("charts/x/values.yaml")
 * and, for the files that matter, its bytes. */
struct cfile {
	char *name;
	char *data;    /* owned; NULL when not read */
	size_t len;
	char *display; /* owned: how locations name it */
};

struct cfiles {
	struct cfile *v;
	size_t n, cap;
};

static void cfiles_free(struct cfiles *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		cmfv_free(f->v[i].name);
		cmfv_free(f->v[i].data);
		cmfv_free(f->v[i].display);
	}
	cmfv_free(f->v);
	memset(f, 0, sizeof(*f));
}

/* Takes \p name, \p data and \p display (freed on failure too). */
static enum cmfv_err cfiles_push(struct cfiles *f, char *name, char *data, size_t len, char *display)
{
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 32;
		void *nv = cmfv_realloc(f->v, nc * sizeof(*f->v));

		if (nv == NULL) {
			cmfv_free(name);
			cmfv_free(data);
			cmfv_free(display);
			return CMFV_ENOMEM;
		}
		f->v = nv;
		f->cap = nc;
	}
	f->v[f->n++] = (struct cfile){name, data, len, display};
	return CMFV_OK;
}

/* Helm trims a UTF-8 BOM from every file it loads. */
static void trim_bom(struct cfile *f)
{
	if (f->data && f->len >= 3 && memcmp(f->data, "\xEF\xBB\xBF", 3) == 0) {
		memmove(f->data, f->data + 3, f->len - 3 + 1);
		f->len -= 3;
	}
}

/* The files whose bytes the values depend on; the rest are only named. */
static int wanted(const char *name)
{
	const char *base = strrchr(name, '/');
	size_t n = strlen(name);

	base = base ? base + 1 : name;
	return strcmp(base, "Chart.yaml") == 0 || strcmp(base, "values.yaml") == 0 ||
	       strcmp(base, "requirements.yaml") == 0 ||
	       (n > 4 && strcmp(name + n - 4, ".tgz") == 0 && strncmp(name, "charts/", 7) == 0) ||
	       strstr(name, "charts/") != NULL;
}

/* ------------------------------------------------------------ .helmignore */

struct rule {
	char *pat;
	int negate, must_dir, anchored, has_slash;
};

static int strstr_n(const char *s, size_t n, const char *pat)
{
	size_t i, l = strlen(pat);

	for (i = 0; i + l <= n; i++)
		if (memcmp(s + i, pat, l) == 0)
			return 1;
	return 0;
}

struct rules {
	struct rule *v;
	size_t n;
};

static void rules_free(struct rules *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		cmfv_free(r->v[i].pat);
	cmfv_free(r->v);
	memset(r, 0, sizeof(*r));
}

static enum cmfv_err rules_add(struct rules *r, const char *line, size_t n, const char *file,
			       unsigned lineno, struct cmfv_diag *d)
{
	struct rule ru = {0};
	void *nv;

	while (n && (*line == ' ' || *line == '\t' || *line == '\r' || *line == '\v' || *line == '\f')) {
		line++;
		n--;
	}
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
		n--;
	if (n == 0 || line[0] == '#')
		return CMFV_OK;
	if (n >= 2 && strstr_n(line, n, "**"))
		return cmfv_diag_set(d, CMFV_EINPUT, file, lineno, 1,
				     "double-star (**) syntax is not supported");
	if (line[0] == '!') {
		ru.negate = 1;
		line++;
		n--;
	}
	if (n && line[n - 1] == '/') {
		ru.must_dir = 1;
		n--;
	}
	if (n && line[0] == '/') {
		ru.anchored = 1;
		line++;
		n--;
	}
	ru.has_slash = memchr(line, '/', n) != NULL;
	ru.pat = cmfv_strndup(line, n);
	nv = ru.pat ? cmfv_realloc(r->v, (r->n + 1) * sizeof(*r->v)) : NULL;
	if (nv == NULL) {
		cmfv_free(ru.pat);
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	r->v = nv;
	r->v[r->n++] = ru;
	return CMFV_OK;
}

static enum cmfv_err rules_parse(struct rules *r, const char *text, size_t len, const char *file,
				 struct cmfv_diag *d)
{
	const char *p = text, *end = text + len;
	unsigned lineno = 1;
	enum cmfv_err e = CMFV_OK;

	while (p < end && e == CMFV_OK) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		e = rules_add(r, p, n, file, lineno++, d);
		p = nl ? nl + 1 : end;
	}
	return e;
}

/* pkg/ignore Rules.Ignore, including its reading of negated patterns: a
 * "!" rule that does not match ignores the path. */
static int rules_ignore(const struct rules *r, const char *path, int is_dir)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct rule *ru = &r->v[i];
		const char *base = strrchr(path, '/');
		const char *subject = ru->anchored || ru->has_slash ? path : base ? base + 1 : path;
		int m = fnmatch(ru->pat, subject, FNM_PATHNAME) == 0;

		if (ru->negate) {
			if (ru->must_dir && !is_dir)
				return 1;
			if (!m)
				return 1;
			continue;
		}
		if (ru->must_dir && !is_dir)
			continue;
		if (m)
			return 1;
	}
	return 0;
}

/* --------------------------------------------------------- reading files */

static char *join(const char *a, const char *sep, const char *b)
{
	struct cmfv_buf s = {0};

	cmfv_buf_printf(&s, "%s%s%s", a, sep, b);
	if (s.failed) {
		cmfv_buf_free(&s);
		return NULL;
	}
	return s.ptr;
}

static enum cmfv_err read_file(const char *path, char **data, size_t *len, struct cmfv_diag *d)
{
	struct cmfv_sources tmp = {0};
	const struct cmfv_source *s;
	enum cmfv_err e = cmfv_sources_read(&tmp, path, 0, &s, d);

	if (e == CMFV_OK) {
		if (s->len > CMFV_TARGZ_MAX_FILE) {
			e = cmfv_diag_set(d, CMFV_EINPUT, path, 0, 0,
					  "chart file is larger than the maximum file size %zu",
					  CMFV_TARGZ_MAX_FILE);
		} else {
			*data = cmfv_malloc(s->len + 1);
			if (*data == NULL) {
				e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			} else {
				memcpy(*data, s->text, s->len + 1);
				*len = s->len;
			}
		}
	}
	cmfv_sources_free(&tmp);
	return e;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sympath.Walk: lexical order, symlinks followed. \p rel is "" at the top. */
static enum cmfv_err walk(const char *top, const char *rel, const struct rules *rules,
			  unsigned depth, struct cfiles *out, struct cmfv_diag *d)
{
	char *dirpath = rel[0] ? join(top, "/", rel) : cmfv_strdup(top);
	DIR *dir;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	enum cmfv_err e = CMFV_OK;

	if (dirpath == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (depth > 64) {
		e = cmfv_diag_set(d, CMFV_EINPUT, dirpath, 0, 0, "chart folders nest too deep (a symlink loop?)");
		cmfv_free(dirpath);
		return e;
	}
	dir = opendir(dirpath);
	if (dir == NULL) {
		e = cmfv_diag_set(d, CMFV_ENOENT, dirpath, 0, 0, "cannot read: %s", strerror(errno));
		cmfv_free(dirpath);
		return e;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			void *nv = cmfv_realloc(names, nc * sizeof(*names));

			if (nv == NULL)
				break;
			names = nv;
			cap = nc;
		}
		if ((names[n] = cmfv_strdup(de->d_name)) == NULL)
			break;
		n++;
	}
	if (de != NULL)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	closedir(dir);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && e == CMFV_OK; i++) {
		char *r = rel[0] ? join(rel, "/", names[i]) : cmfv_strdup(names[i]);
		char *full = r ? join(top, "/", r) : NULL;
		struct stat st;

		if (full == NULL) {
			cmfv_free(r);
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			break;
		}
		if (stat(full, &st) != 0) {
			e = cmfv_diag_set(d, CMFV_ENOENT, full, 0, 0, "cannot read: %s", strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			if (!rules_ignore(rules, r, 1))
				e = walk(top, r, rules, depth + 1, out, d);
		} else if (!rules_ignore(rules, r, 0)) {
			char *data = NULL;
			size_t len = 0;

			if (!S_ISREG(st.st_mode)) {
				e = cmfv_diag_set(d, CMFV_EINPUT, full, 0, 0,
						  "cannot load irregular file %s as it has file mode type bits set",
						  full);
			} else if (wanted(r)) {
				e = read_file(full, &data, &len, d);
			}
			if (e == CMFV_OK) {
				e = cfiles_push(out, r, data, len, full);
				r = full = NULL;
				if (e != CMFV_OK)
					e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
				else
					trim_bom(&out->v[out->n - 1]);
			}
		}
		cmfv_free(r);
		cmfv_free(full);
	}
	for (i = 0; i < n; i++)
		cmfv_free(names[i]);
	cmfv_free(names);
	cmfv_free(dirpath);
	return e;
}

static enum cmfv_err dir_files(const char *dir, struct cfiles *out, struct cmfv_diag *d)
{
	struct rules rules = {0};
	char *ign = join(dir, "/", ".helmignore");
	struct stat st;
	enum cmfv_err e = CMFV_OK;

	if (ign == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (stat(ign, &st) == 0) {
		char *text = NULL;
		size_t len = 0;

		e = read_file(ign, &text, &len, d);
		if (e == CMFV_OK)
			e = rules_parse(&rules, text, len, ign, d);
		cmfv_free(text);
	}
	/* AddDefaults: dotfiles in templates/ */
	if (e == CMFV_OK)
		e = rules_add(&rules, "templates/.?*", 13, ign, 0, d);
	if (e == CMFV_OK)
		e = walk(dir, "", &rules, 0, out, d);
	rules_free(&rules);
	cmfv_free(ign);
	return e;
}

/* LoadArchiveFiles: every entry loses its first path element. */
static enum cmfv_err archive_files(const char *data, size_t len, const char *display,
				   struct cfiles *out, struct cmfv_diag *d)
{
	struct cmfv_tar t;
	size_t i, total = 0;
	enum cmfv_err e = cmfv_targz_read(data, len, display, &t, d);

	for (i = 0; e == CMFV_OK && i < t.n; i++) {
		struct cmfv_tar_entry *te = &t.v[i];
		char delim = strchr(te->name, '\\') ? '\\' : '/';
		char *slash = strchr(te->name, delim), *n, *p;

		if (slash == NULL && strcmp(te->name, "Chart.yaml") == 0) {
			e = cmfv_diag_set(d, CMFV_EINPUT, display, 0, 0, "chart yaml not in base directory");
			break;
		}
		if (slash == NULL || slash[1] == '\0') {
			e = cmfv_diag_set(d, CMFV_EINPUT, display, 0, 0,
					  "chart illegally contains content outside the base directory: \"%s\"",
					  te->name);
			break;
		}
		if (te->len > CMFV_TARGZ_MAX_FILE || (total += te->len) > CMFV_TARGZ_MAX_TOTAL) {
			e = cmfv_diag_set(d, CMFV_EINPUT, display, 0, 0,
					  "decompressed chart is larger than the maximum file size %zu",
					  CMFV_TARGZ_MAX_TOTAL);
			break;
		}
		n = cmfv_strdup(slash + 1);
		if (n == NULL) {
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			break;
		}
		for (p = n; *p; p++)
			if (*p == delim)
				*p = '/';
		if (n[0] == '/' || strncmp(n, "..", 2) == 0) {
			e = cmfv_diag_set(d, CMFV_EINPUT, display, 0, 0, "%s",
					  n[0] == '/' ? "chart illegally contains absolute paths"
						      : "chart illegally references parent directory");
			cmfv_free(n);
			break;
		}
		p = join(display, ":", te->name);
		e = cfiles_push(out, n, te->data, te->len, p);
		te->data = NULL;
		if (e != CMFV_OK || p == NULL) {
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			break;
		}
		trim_bom(&out->v[out->n - 1]);
	}
	if (e == CMFV_OK && t.n == 0)
		e = cmfv_diag_set(d, CMFV_EINPUT, display, 0, 0, "no files in chart archive");
	cmfv_tar_free(&t);
	return e;
}

/* ---------------------------------------------------------- Chart.yaml */

void cmfv_chart_dep_free(struct cmfv_chart_dep *dp)
{
	size_t i;

	cmfv_free(dp->name);
	cmfv_free(dp->version);
	cmfv_free(dp->alias);
	cmfv_free(dp->condition);
	for (i = 0; i < dp->ntags; i++)
		cmfv_free(dp->tags[i]);
	cmfv_free(dp->tags);
	cmfv_node_free(dp->import_values);
}

void cmfv_chart_free(struct cmfv_chart *c)
{
	size_t i;

	if (c == NULL)
		return;
	cmfv_free(c->name);
	cmfv_free(c->chart_name);
	cmfv_free(c->version);
	cmfv_free(c->type);
	cmfv_free(c->where);
	cmfv_node_free(c->values);
	for (i = 0; i < c->ndeps; i++)
		cmfv_chart_dep_free(&c->deps[i]);
	cmfv_free(c->deps);
	for (i = 0; i < c->nsubs; i++)
		cmfv_chart_free(c->subs[i]);
	cmfv_free(c->subs);
	cmfv_free(c);
}

/* A string field as sigs.k8s.io/yaml fills a Go string: absent or null is
 * "", a string is itself, anything else cannot be unmarshalled. */
static enum cmfv_err str_field(const struct cmfv_node *m, const char *key, const char *where,
			       char **out, struct cmfv_diag *d)
{
	const struct cmfv_node *v = cmfv_map_get(m, key);

	*out = NULL;
	if (v && v->kind != CMFV_NULL && v->kind != CMFV_STR)
		return cmfv_diag_set(d, CMFV_EINPUT, v->loc.file, v->loc.line, v->loc.col,
				     "cannot load %s: json: cannot unmarshal %s into Go struct field .%s of type string",
				     where, v->kind == CMFV_MAP ? "object" : v->kind == CMFV_SEQ ? "array"
						: v->kind == CMFV_BOOL ? "bool" : "number",
				     key);
	*out = cmfv_strdup(v && v->kind == CMFV_STR ? v->u.s.ptr : "");
	return *out ? CMFV_OK : cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
}

static enum cmfv_err load_dep(const struct cmfv_node *n, const char *where,
			      struct cmfv_chart_dep *dp, struct cmfv_diag *d)
{
	const struct cmfv_node *tags = cmfv_map_get(n, "tags");
	const struct cmfv_node *iv = cmfv_map_get(n, "import-values");
	enum cmfv_err e;
	size_t i;

	memset(dp, 0, sizeof(*dp));
	if (n->kind != CMFV_MAP)
		return cmfv_diag_set(d, CMFV_EINPUT, n->loc.file, n->loc.line, n->loc.col,
				     "validation: dependencies must not contain empty or null nodes");
	e = str_field(n, "name", where, &dp->name, d);
	if (e == CMFV_OK)
		e = str_field(n, "version", where, &dp->version, d);
	if (e == CMFV_OK)
		e = str_field(n, "alias", where, &dp->alias, d);
	if (e == CMFV_OK)
		e = str_field(n, "condition", where, &dp->condition, d);
	if (e == CMFV_OK && tags && tags->kind == CMFV_SEQ) {
		dp->tags = cmfv_calloc(tags->u.seq.n + 1, sizeof(*dp->tags));
		if (dp->tags == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		for (i = 0; i < tags->u.seq.n && e == CMFV_OK; i++) {
			const struct cmfv_node *t = tags->u.seq.v[i];

			if (t->kind != CMFV_STR && t->kind != CMFV_NULL)
				return cmfv_diag_set(d, CMFV_EINPUT, t->loc.file, t->loc.line, t->loc.col,
						     "cannot load %s: a tag must be a string", where);
			dp->tags[i] = cmfv_strdup(t->kind == CMFV_STR ? t->u.s.ptr : "");
			if (dp->tags[i] == NULL)
				return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			dp->ntags++;
		}
	}
	if (e == CMFV_OK && iv && iv->kind == CMFV_SEQ) {
		dp->import_values = cmfv_node_copy(iv);
		if (dp->import_values == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	dp->enabled = 1;
	return e;
}

static int alias_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static enum cmfv_err load_deps(struct cmfv_chart *c, const struct cmfv_node *meta,
			       const char *where, struct cmfv_diag *d)
{
	const struct cmfv_node *deps = cmfv_map_get(meta, "dependencies");
	size_t i;

	if (deps == NULL || deps->kind == CMFV_NULL)
		return CMFV_OK;
	if (deps->kind != CMFV_SEQ)
		return cmfv_diag_set(d, CMFV_EINPUT, deps->loc.file, deps->loc.line, deps->loc.col,
				     "cannot load %s: dependencies must be a list", where);
	for (i = 0; i < c->ndeps; i++)
		cmfv_chart_dep_free(&c->deps[i]);
	cmfv_free(c->deps);
	c->ndeps = 0;
	c->has_deps = 1;
	c->deps = cmfv_calloc(deps->u.seq.n + 1, sizeof(*c->deps));
	if (c->deps == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; i < deps->u.seq.n; i++) {
		enum cmfv_err e = load_dep(deps->u.seq.v[i], where, &c->deps[i], d);

		c->ndeps++;
		if (e != CMFV_OK)
			return e;
	}
	return CMFV_OK;
}

/* Metadata.Validate */
static enum cmfv_err validate(const struct cmfv_chart *c, const char *api, const char *where,
			      struct cmfv_diag *d)
{
	size_t i, j;

	if (!api[0])
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0, "validation: chart.metadata.apiVersion is required");
	if (!c->chart_name[0])
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0, "validation: chart.metadata.name is required");
	if (strchr(c->chart_name, '/') || strcmp(c->chart_name, ".") == 0 || strcmp(c->chart_name, "..") == 0)
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0, "validation: chart.metadata.name \"%s\" is invalid",
				     c->chart_name);
	if (!c->version[0])
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0, "validation: chart.metadata.version is required");
	if (!cmfv_semver_valid(c->version))
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0, "validation: chart.metadata.version \"%s\" is invalid",
				     c->version);
	if (c->type[0] && strcmp(c->type, "application") != 0 && strcmp(c->type, "library") != 0)
		return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
				     "validation: chart.metadata.type must be application or library");
	for (i = 0; i < c->ndeps; i++) {
		const struct cmfv_chart_dep *a = &c->deps[i];
		const char *ka = a->alias[0] ? a->alias : a->name;

		if (a->alias[0] && !alias_ok(a->alias))
			return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
					     "validation: dependency \"%s\" has disallowed characters in the alias",
					     a->name);
		for (j = 0; j < i; j++) {
			const struct cmfv_chart_dep *b = &c->deps[j];

			if (strcmp(ka, b->alias[0] ? b->alias : b->name) == 0)
				return cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0,
						     "validation: more than one dependency with name or alias \"%s\"",
						     ka);
		}
	}
	return CMFV_OK;
}

static enum cmfv_err load_meta(struct cmfv_chart *c, const struct cfile *f, const char *where,
			       struct cmfv_sources *src, char **api, struct cmfv_diag *d)
{
	const struct cmfv_source *s;
	struct cmfv_node *meta = NULL;
	enum cmfv_err e = cmfv_sources_add(src, f->display, f->data ? f->data : "", f->len, 0, &s);

	if (e != CMFV_OK)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	e = cmfv_yaml_load(s->text, s->len, s->name, NULL, &meta, d);
	if (e == CMFV_OK && meta && meta->kind != CMFV_MAP && meta->kind != CMFV_NULL)
		e = cmfv_diag_set(d, CMFV_EINPUT, s->name, meta->loc.line, meta->loc.col,
				  "cannot load Chart.yaml: it must be a map, not a %s",
				  cmfv_kind_name(meta->kind));
	if (e == CMFV_OK)
		e = str_field(meta, "name", "Chart.yaml", &c->chart_name, d);
	if (e == CMFV_OK)
		e = str_field(meta, "version", "Chart.yaml", &c->version, d);
	if (e == CMFV_OK)
		e = str_field(meta, "type", "Chart.yaml", &c->type, d);
	if (e == CMFV_OK)
		e = str_field(meta, "apiVersion", "Chart.yaml", api, d);
	if (e == CMFV_OK)
		e = load_deps(c, meta, "Chart.yaml", d);
	if (e == CMFV_OK && !(*api)[0]) {
		cmfv_free(*api);
		*api = cmfv_strdup("v1");
		if (*api == NULL)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	(void)where;
	cmfv_node_free(meta);
	return e;
}

static enum cmfv_err load_archive(const char *data, size_t len, const char *display, int major,
				  struct cmfv_sources *src, struct cmfv_chart **out,
				  struct cmfv_diag *d);

static enum cmfv_err load_files(struct cfiles *fs, const char *where, int major,
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
	size_t i, j;
	enum cmfv_err e = CMFV_OK;
	unsigned char *done = cmfv_calloc(fs->n + 1, 1);

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
				if (strncmp(fs->v[j].name + (strncmp(fs->v[j].name, "charts/", 7) ? 0 : 7),
					    cname, clen) == 0)
					done[j] = 1;
			cmfv_free(cname);
			continue;
		}
		if (clen > 4 && strcmp(cname + clen - 4, ".tgz") == 0) {
			done[i] = 1;
			if (slash) {
				e = cmfv_diag_set(d, CMFV_EINPUT, c->where, 0, 0,
						  "error unpacking subchart tar in %s: expected %s, got %s",
						  c->chart_name, cname, rest);
			} else {
				e = load_archive(fs->v[i].data ? fs->v[i].data : "", fs->v[i].len,
						 fs->v[i].display, major, src, &sc, d);
				e = wrap_sub(e, cname, c->chart_name, d);
			}
		} else {
			struct cfiles sub = {0};
			char *where = NULL;

			for (j = i; j < fs->n && e == CMFV_OK; j++) {
				const char *nm = fs->v[j].name;

				if (done[j] || strncmp(nm, "charts/", 7) != 0 ||
				    strncmp(nm + 7, cname, clen) != 0 || (nm[7 + clen] != '/' && nm[7 + clen]))
					continue;
				done[j] = 1;
				if (nm[7 + clen] != '/')
					continue;
				if (where == NULL) {
					size_t dl = strlen(fs->v[j].display), tl = strlen(nm + 7 + clen);

					where = cmfv_strndup(fs->v[j].display, dl - tl);
				}
				e = cfiles_push(&sub, cmfv_strdup(nm + 8 + clen), fs->v[j].data, fs->v[j].len,
						cmfv_strdup(fs->v[j].display));
				fs->v[j].data = NULL;
				if (e != CMFV_OK || sub.v[sub.n - 1].name == NULL || sub.v[sub.n - 1].display == NULL)
					e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			}
			if (e == CMFV_OK) {
				e = load_files(&sub, where ? where : cname, major, src, &sc, d);
				e = wrap_sub(e, cname, c->chart_name, d);
			}
			cfiles_free(&sub);
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

static enum cmfv_err load_files(struct cfiles *fs, const char *where, int major,
				struct cmfv_sources *src, struct cmfv_chart **out,
				struct cmfv_diag *d)
{
	struct cmfv_chart *c = cmfv_calloc(1, sizeof(*c));
	char *api = NULL;
	const struct cfile *meta = NULL, *vals = NULL, *reqs = NULL;
	enum cmfv_err e = CMFV_OK;
	size_t i;

	if (c == NULL || (c->where = cmfv_strdup(where)) == NULL) {
		cmfv_chart_free(c);
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	for (i = 0; i < fs->n; i++) {
		const char *n = fs->v[i].name;

		if (strcmp(n, "Chart.yaml") == 0)
			meta = &fs->v[i];
		else if (strcmp(n, "values.yaml") == 0)
			vals = &fs->v[i];
		else if (strcmp(n, "requirements.yaml") == 0)
			reqs = &fs->v[i];
		else if (strcmp(n, "values.schema.json") == 0)
			c->has_schema = 1;
	}
	if (meta)
		e = load_meta(c, meta, where, src, &api, d);
	if (e == CMFV_OK && vals) {
		const struct cmfv_source *s;

		if (cmfv_sources_add(src, vals->display, vals->data ? vals->data : "", vals->len, 0, &s) != CMFV_OK)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		else
			e = cmfv_values_parse(s, major, &c->values, d);
	}
	if (e == CMFV_OK && reqs && meta) {
		const struct cmfv_source *s;
		struct cmfv_node *rn = NULL;

		if (cmfv_sources_add(src, reqs->display, reqs->data ? reqs->data : "", reqs->len, 0, &s) != CMFV_OK)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		else
			e = cmfv_yaml_load(s->text, s->len, s->name, NULL, &rn, d);
		if (e == CMFV_OK)
			e = load_deps(c, rn, "requirements.yaml", d);
		cmfv_node_free(rn);
	}
	if (e == CMFV_OK && meta == NULL)
		e = cmfv_diag_set(d, CMFV_EINPUT, where, 0, 0, "Chart.yaml file is missing");
	if (e == CMFV_OK)
		e = validate(c, api, where, d);
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
	cmfv_free(api);
	if (e != CMFV_OK) {
		cmfv_chart_free(c);
		return e;
	}
	*out = c;
	return CMFV_OK;
}

static enum cmfv_err load_archive(const char *data, size_t len, const char *display, int major,
				  struct cmfv_sources *src, struct cmfv_chart **out,
				  struct cmfv_diag *d)
{
	struct cfiles fs = {0};
	enum cmfv_err e = archive_files(data, len, display, &fs, d);

	if (e == CMFV_OK)
		e = load_files(&fs, display, major, src, out, d);
	cfiles_free(&fs);
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

		/* "chart/" and "chart" name the same files */
		while (top && n > 1 && top[n - 1] == '/')
			top[--n] = '\0';
		e = top ? dir_files(top, &fs, d) : cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		if (e == CMFV_OK)
			e = load_files(&fs, top, helm_major, src, out, d);
		cfiles_free(&fs);
		cmfv_free(top);
	} else {
		char *data = NULL;
		size_t len = 0;

		e = read_file(path, &data, &len, d);
		if (e == CMFV_EINPUT)
			e = cmfv_diag_set(d, CMFV_EINPUT, path, 0, 0, "chart archive is too large");
		if (e == CMFV_OK)
			e = load_archive(data, len, path, helm_major, src, out, d);
		cmfv_free(data);
	}
	if (e != CMFV_OK)
		return e;
	/* checkIfInstallable, then CheckDependencies (the root chart only) */
	if (strcmp((*out)->type, "library") == 0) {
		cmfv_chart_free(*out);
		*out = NULL;
		return cmfv_diag_set(d, CMFV_EINPUT, path, 0, 0, "library charts are not installable");
	}
	{
		struct cmfv_buf miss = {0};
		size_t i, j;

		for (i = 0; i < (*out)->ndeps; i++) {
			for (j = 0; j < (*out)->nsubs; j++)
				if (strcmp((*out)->subs[j]->chart_name, (*out)->deps[i].name) == 0)
					break;
			if (j == (*out)->nsubs)
				cmfv_buf_printf(&miss, "%s%s", miss.len ? ", " : "", (*out)->deps[i].name);
		}
		if (miss.len || miss.failed) {
			e = miss.failed ? cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory")
					: cmfv_diag_set(d, CMFV_EINPUT, path, 0, 0,
							"an error occurred while checking for chart dependencies (run `helm dependency build`): found in Chart.yaml, but missing in charts/ directory: %s",
							miss.ptr);
			cmfv_buf_free(&miss);
			cmfv_chart_free(*out);
			*out = NULL;
			return e;
		}
	}
	return CMFV_OK;
}
