/* The files of a chart as Helm's loader lists them: a directory walked as
 * LoadDir walks it (.helmignore applied), or a .tgz read as
 * LoadArchiveFiles reads it. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart_int.h"
#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/targz.h"
#include "cmfv/values.h"

void cmfv_cfiles_free(struct cfiles *f)
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
enum cmfv_err cmfv_cfiles_push(struct cfiles *f, char *name, char *data, size_t len, char *display)
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
	       strstr(name, "charts/") != NULL || strncmp(name, "crds/", 5) == 0;
}

/* --------------------------------------------------------- reading files */

char *cmfv_chart_join(const char *a, const char *sep, const char *b)
{
	struct cmfv_buf s = {0};

	cmfv_buf_printf(&s, "%s%s%s", a, sep, b);
	if (s.failed) {
		cmfv_buf_free(&s);
		return NULL;
	}
	return s.ptr;
}

enum cmfv_err cmfv_chart_read_file(const char *path, char **data, size_t *len, struct cmfv_diag *d)
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
	char *dirpath = rel[0] ? cmfv_chart_join(top, "/", rel) : cmfv_strdup(top);
	DIR *dir;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	enum cmfv_err e = CMFV_OK;

	if (dirpath == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (depth > 64) {
		e = cmfv_diag_set(d, CMFV_EINPUT, dirpath, 0, 0,
				  "chart folders nest too deep (a symlink loop?)");
		cmfv_free(dirpath);
		return e;
	}
	dir = opendir(dirpath);
	if (dir == NULL) {
		e = cmfv_diag_set(d, CMFV_ENOENT, dirpath, 0, 0, "cannot read: %s",
				  strerror(errno));
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
		char *r = rel[0] ? cmfv_chart_join(rel, "/", names[i]) : cmfv_strdup(names[i]);
		char *full = r ? cmfv_chart_join(top, "/", r) : NULL;
		struct stat st;

		if (full == NULL) {
			cmfv_free(r);
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			break;
		}
		if (stat(full, &st) != 0) {
			e = cmfv_diag_set(d, CMFV_ENOENT, full, 0, 0, "cannot read: %s",
					  strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			if (!cmfv_rules_ignore(rules, r, 1))
				e = walk(top, r, rules, depth + 1, out, d);
		} else if (!cmfv_rules_ignore(rules, r, 0)) {
			char *data = NULL;
			size_t len = 0;

			if (!S_ISREG(st.st_mode)) {
				e = cmfv_diag_set(d, CMFV_EINPUT, full, 0, 0,
						  "cannot load irregular file %s as it has file "
						  "mode type bits set",
						  full);
			} else if (wanted(r)) {
				e = cmfv_chart_read_file(full, &data, &len, d);
			}
			if (e == CMFV_OK) {
				e = cmfv_cfiles_push(out, r, data, len, full);
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

enum cmfv_err cmfv_chart_dir_files(const char *dir, struct cfiles *out, struct cmfv_diag *d)
{
	struct rules rules = {0};
	char *ign = cmfv_chart_join(dir, "/", ".helmignore");
	struct stat st;
	enum cmfv_err e = CMFV_OK;

	if (ign == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (stat(ign, &st) == 0) {
		char *text = NULL;
		size_t len = 0;

		e = cmfv_chart_read_file(ign, &text, &len, d);
		if (e == CMFV_OK)
			e = cmfv_rules_parse(&rules, text, len, ign, d);
		cmfv_free(text);
	}
	/* AddDefaults: dotfiles in templates/ */
	if (e == CMFV_OK)
		e = cmfv_rules_add(&rules, "templates/.?*", 13, ign, 0, d);
	if (e == CMFV_OK)
		e = walk(dir, "", &rules, 0, out, d);
	cmfv_rules_free(&rules);
	cmfv_free(ign);
	return e;
}

/* path.Clean, in place: one slash between elements, no "." elements, ".."
 * eating the element before it (or kept at the front of a relative path),
 * "." for nothing. */
static void path_clean(char *p)
{
	int rooted = p[0] == '/';
	size_t r = 0, w = 0, dotdot, n = strlen(p);

	if (rooted) {
		p[w++] = '/';
		r = 1;
	}
	dotdot = w;
	while (r < n) {
		if (p[r] == '/') {
			r++;
		} else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
			r++;
		} else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && p[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					p[w++] = '/';
				p[w++] = '.';
				p[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				p[w++] = '/';
			while (r < n && p[r] != '/')
				p[w++] = p[r++];
		}
	}
	if (w == 0)
		p[w++] = '.';
	p[w] = '\0';
}

/* Helm's checks on one entry name, in its order; \p *out is the name
 * inside the chart. */
static enum cmfv_err entry_name(const char *name, const char *display, char **out,
				struct cmfv_diag *d)
{
	char delim = strchr(name, '\\') ? '\\' : '/';
	const char *slash = strchr(name, delim);
	char *n, *p;

	n = cmfv_strdup(slash ? slash + 1 : "");
	if (n == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (p = n; *p; p++)
		if (*p == delim)
			*p = '/';
	if (n[0] == '/') {
		cmfv_free(n);
		return cmfv_diag_set(d, CMFV_EINPUT, display, 0, 0,
				     "chart illegally contains absolute paths");
	}
	path_clean(n);
	if (strcmp(n, ".") == 0) {
		cmfv_free(n);
		return cmfv_diag_set(
		    d, CMFV_EINPUT, display, 0, 0,
		    "chart illegally contains content outside the base directory: \"%s\"", name);
	}
	if (strncmp(n, "..", 2) == 0) {
		cmfv_free(n);
		return cmfv_diag_set(d, CMFV_EINPUT, display, 0, 0,
				     "chart illegally references parent directory");
	}
	/* drivePathPattern ^[a-zA-Z]:/ (a name mixing both kinds of slash) */
	if (((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z')) && n[1] == ':' &&
	    n[2] == '/') {
		cmfv_free(n);
		return cmfv_diag_set(d, CMFV_EINPUT, display, 0, 0,
				     "chart contains illegally named files");
	}
	if (strncmp(name, "Chart.yaml", 10) == 0 && (name[10] == delim || name[10] == '\0')) {
		cmfv_free(n);
		return cmfv_diag_set(d, CMFV_EINPUT, display, 0, 0,
				     "chart yaml not in base directory");
	}
	*out = n;
	return CMFV_OK;
}

/* LoadArchiveFiles: every entry loses its first path element and is
 * path.Clean'ed. */
enum cmfv_err cmfv_chart_archive_files(const char *data, size_t len, const char *display,
				       struct cfiles *out, struct cmfv_diag *d)
{
	struct cmfv_tar t;
	size_t i, total = 0;
	enum cmfv_err e = cmfv_targz_read(data, len, display, &t, d);

	for (i = 0; e == CMFV_OK && i < t.n; i++) {
		struct cmfv_tar_entry *te = &t.v[i];
		char *n = NULL, *p;

		e = entry_name(te->name, display, &n, d);
		if (e != CMFV_OK)
			break;
		/* Helm: bytesWritten < hd.Size (a link or device with a size) */
		if (te->size > (long long)te->len || (total += te->len) > CMFV_TARGZ_MAX_TOTAL) {
			cmfv_free(n);
			e = cmfv_diag_set(
			    d, CMFV_EINPUT, display, 0, 0,
			    "decompressed chart is larger than the maximum file size %zu",
			    CMFV_TARGZ_MAX_TOTAL);
			break;
		}
		if (te->len > CMFV_TARGZ_MAX_FILE) { /* as Helm says it */
			cmfv_free(n);
			e = cmfv_diag_set(d, CMFV_EINPUT, display, 0, 0,
					  "decompressed chart file \"%.200s\" is larger than the "
					  "maximum file size %zu",
					  te->name, CMFV_TARGZ_MAX_FILE);
			break;
		}
		p = cmfv_chart_join(display, ":", te->name);
		e = cmfv_cfiles_push(out, n, te->data, te->len, p);
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
