/* What Argo CD (argocd.c) and Flux (flux.c) share: plans, Go's os.Expand,
 * JSON merge patch, values written inside another YAML file. */
#include "gitops_int.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cmfv_free(v[i]);
	cmfv_free(v);
}

void cmfv_plans_free(struct cmfv_plan *p, size_t n)
{
	size_t i;

	for (i = 0; p && i < n; i++) {
		cmfv_free(p[i].app);
		cmfv_free(p[i].release);
		cmfv_free(p[i].namespace);
		cmfv_free(p[i].chart_dir);
		cmfv_free(p[i].chart_repo);
		cmfv_free(p[i].chart_name);
		cmfv_free(p[i].chart_version);
		free_strv(p[i].files, p[i].nfiles);
		free_strv(p[i].owned, p[i].nowned);
		free_strv(p[i].default_files, p[i].ndefault_files);
		cmfv_free(p[i].sets);
		cmfv_free(p[i].set_locs);
		cmfv_node_free(p[i].extra);
		cmfv_node_free(p[i].user);
		cmfv_node_free(p[i].postrenderers);
	}
	cmfv_free(p);
}

int gitops_push_str(char ***v, size_t *n, char *s)
{
	char **nv;

	if (s == NULL)
		return -1;
	nv = cmfv_realloc(*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL) {
		cmfv_free(s);
		return -1;
	}
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

int gitops_push_set(struct cmfv_plan *p, enum cmfv_set_kind k, char *arg, struct cmfv_loc at)
{
	struct cmfv_set_flag *nv;
	struct cmfv_loc *nl;

	if (gitops_push_str(&p->owned, &p->nowned, arg) != 0)
		return -1;
	nl = cmfv_realloc(p->set_locs, (p->nsets + 1) * sizeof(*nl));
	if (nl == NULL)
		return -1;
	nl[p->nsets] = at;
	p->set_locs = nl;
	nv = cmfv_realloc(p->sets, (p->nsets + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	nv[p->nsets].kind = k;
	nv[p->nsets].arg = arg;
	nv[p->nsets].index = (unsigned)p->nsets + 1;
	p->nsets++;
	p->sets = nv;
	return 0;
}

const char *gitops_str(const struct cmfv_node *map, const char *path)
{
	const struct cmfv_node *n = cmfv_node_path(map, path);

	return n && n->kind == CMFV_STR ? n->u.s.ptr : NULL;
}

static int shell_special(char c)
{
	return strchr("*#$@!?-0123456789", c) != NULL && c != '\0';
}

static int alnum_(char c)
{
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* Go's os getShellName: the name after a '$' and how many bytes it took. */
static size_t shell_name(const char *s, size_t len, size_t *nlen, size_t *skip)
{
	size_t i;

	if (s[0] == '{') {
		if (len > 2 && shell_special(s[1]) && s[2] == '}') {
			*nlen = 1;
			*skip = 3;
			return 1;
		}
		for (i = 1; i < len; i++)
			if (s[i] == '}') {
				*nlen = i == 1 ? 0 : i - 1;
				*skip = i == 1 ? 2 : i + 1;
				return 1;
			}
		*nlen = 0;
		*skip = 1;
		return 1;
	}
	if (shell_special(s[0])) {
		*nlen = 1;
		*skip = 1;
		return 0;
	}
	for (i = 0; i < len && alnum_(s[i]); i++)
		;
	*nlen = i;
	*skip = i;
	return 0;
}

char *cmfv_argocd_envsubst(const char *s, const char *const *names, const char *const *vals,
			   size_t n)
{
	struct cmfv_buf b = {0};
	size_t len = strlen(s), i = 0, j, k;

	for (j = 0; j < len; j++) {
		size_t nlen, skip, off;

		if (s[j] != '$' || j + 1 >= len)
			continue;
		cmfv_buf_add(&b, s + i, j - i);
		off = shell_name(s + j + 1, len - j - 1, &nlen, &skip) ? 1 : 0;
		if (nlen == 0 && skip > 0) {
			/* invalid syntax: Go eats it */
		} else if (nlen == 0) {
			cmfv_buf_add(&b, "$", 1);
		} else {
			const char *name = s + j + 1 + off;

			if (nlen == 1 && name[0] == '$') {
				cmfv_buf_add(&b, "$", 1);
			} else {
				for (k = 0; k < n; k++)
					if (strlen(names[k]) == nlen &&
					    memcmp(names[k], name, nlen) == 0)
						break;
				if (k < n)
					cmfv_buf_puts(&b, vals[k]);
			}
		}
		j += skip;
		i = j + 1;
	}
	cmfv_buf_add(&b, s + i, len - i);
	cmfv_buf_add(&b, "", 1);
	if (b.failed) {
		cmfv_buf_free(&b);
		return NULL;
	}
	return b.ptr;
}

enum cmfv_err cmfv_merge_patch(struct cmfv_node *target, const struct cmfv_node *patch)
{
	size_t i;

	for (i = 0; patch->kind == CMFV_MAP && i < patch->u.map.n; i++) {
		const struct cmfv_pair *pp = &patch->u.map.v[i];
		struct cmfv_node *cur = cmfv_map_get(target, pp->key), *v;

		if (pp->val->kind == CMFV_NULL) {
			cmfv_map_delete(target, pp->key);
			continue;
		}
		if (pp->val->kind == CMFV_MAP) {
			if (cur == NULL || cur->kind != CMFV_MAP) {
				v = cmfv_node_new(CMFV_MAP, pp->val->loc);
				if (v == NULL ||
				    cmfv_map_set(target, pp->key, pp->key_loc, v) != CMFV_OK)
					return CMFV_ENOMEM;
				cur = v;
			}
			if (cmfv_merge_patch(cur, pp->val) != CMFV_OK)
				return CMFV_ENOMEM;
			continue;
		}
		v = cmfv_node_copy(pp->val);
		if (v == NULL || cmfv_map_set(target, pp->key, pp->key_loc, v) != CMFV_OK)
			return CMFV_ENOMEM;
	}
	return CMFV_OK;
}

static void reloc(struct cmfv_loc *l, const char *file, unsigned dline, unsigned dcol)
{
	l->file = file;
	if (l->line)
		l->line += dline;
	if (l->col)
		l->col += dcol;
}

void cmfv_node_relocate(struct cmfv_node *n, const char *file, unsigned dline, unsigned dcol)
{
	size_t i;

	reloc(&n->loc, file, dline, dcol);
	if (n->kind == CMFV_MAP)
		for (i = 0; i < n->u.map.n; i++) {
			reloc(&n->u.map.v[i].key_loc, file, dline, dcol);
			cmfv_node_relocate(n->u.map.v[i].val, file, dline, dcol);
		}
	else if (n->kind == CMFV_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			cmfv_node_relocate(n->u.seq.v[i], file, dline, dcol);
}

/* Every location in \p n becomes \p at: text that is not a block scalar
 * has no line table we could map back (escapes, folding). */
static void pin(struct cmfv_node *n, struct cmfv_loc at)
{
	size_t i;

	n->loc = at;
	if (n->kind == CMFV_MAP)
		for (i = 0; i < n->u.map.n; i++) {
			n->u.map.v[i].key_loc = at;
			pin(n->u.map.v[i].val, at);
		}
	else if (n->kind == CMFV_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			pin(n->u.seq.v[i], at);
}

/* Is the scalar at \p l in \p s a literal block (`|`)? Then its content
 * starts on the next line, indented by the returned number of columns. */
static int block_indent(const struct cmfv_source *s, struct cmfv_loc l, unsigned *indent)
{
	const char *p = s->text, *end = s->text + s->len;
	unsigned line = 1;

	while (p < end && line < l.line) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			return 0;
		p = nl + 1;
		line++;
	}
	if ((size_t)(end - p) < l.col || p[l.col - 1] != '|')
		return 0;
	p = memchr(p, '\n', (size_t)(end - p));
	while (p && p + 1 < end) {
		const char *q = p + 1;
		unsigned n = 0;

		while (q < end && *q == ' ')
			q++, n++;
		if (q < end && *q != '\n' && *q != '\r') {
			*indent = n;
			return 1;
		}
		p = q < end ? q : NULL;
	}
	return 0;
}

enum cmfv_err gitops_parse_embedded(const struct cmfv_source *file, const struct cmfv_node *str,
				    const char *what, int helm_major, struct cmfv_sources *src,
				    struct cmfv_node **out, struct cmfv_diag *d)
{
	char name[600];
	const struct cmfv_source *s;
	unsigned indent = 0;
	int block = str->loc.line && str->loc.col && block_indent(file, str->loc, &indent);
	enum cmfv_err e;

	snprintf(name, sizeof(name), "%s (%s)", file->name, what);
	if (cmfv_sources_add(src, name, str->u.s.ptr, str->u.s.len, file->secret, &s) != CMFV_OK)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	e = cmfv_values_parse_in(src, s, helm_major, out, d);
	if (e != CMFV_OK) {
		if (block && d->line) {
			snprintf(d->file, sizeof(d->file), "%s", file->name);
			d->line += str->loc.line;
			d->col += indent;
		}
		return e;
	}
	if (block)
		cmfv_node_relocate(*out, file->name, str->loc.line, indent);
	else
		pin(*out, str->loc);
	return CMFV_OK;
}

static enum cmfv_err read_values(const char *path, int helm_major, struct cmfv_sources *src,
				 struct cmfv_node *acc, struct cmfv_diag *d)
{
	const struct cmfv_source *s;
	struct cmfv_node *cur;
	enum cmfv_err e = cmfv_sources_read(src, path, 0, &s, d);

	if (e == CMFV_OK)
		e = cmfv_values_parse_in(src, s, helm_major, &cur, d);
	if (e == CMFV_OK && cmfv_values_merge_maps(acc, cur) != CMFV_OK)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	return e;
}

/* Flux: chart defaults are values.yaml, or the valuesFiles merged in order
 * (source-controller writes them into the chart in its place). */
static enum cmfv_err flux_values(const struct cmfv_plan *p, int helm_major,
				 struct cmfv_sources *src, struct cmfv_node **out,
				 struct cmfv_diag *d)
{
	struct cmfv_loc none = {NULL, 0, 0};
	struct cmfv_node *defaults = cmfv_node_new(CMFV_MAP, none), *user;
	enum cmfv_err e = CMFV_OK;
	size_t i;

	if (defaults == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	for (i = 0; e == CMFV_OK && i < p->ndefault_files; i++)
		e = read_values(p->default_files[i], helm_major, src, defaults, d);
	if (e == CMFV_OK && p->ndefault_files == 0 && p->chart_dir) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/values.yaml", p->chart_dir);
		if (stat(path, &st) == 0)
			e = read_values(path, helm_major, src, defaults, d);
	}
	user = e == CMFV_OK ? cmfv_node_copy(p->user) : NULL;
	if (e == CMFV_OK && user == NULL)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (e != CMFV_OK) {
		cmfv_node_free(defaults);
		return e;
	}
	if (cmfv_values_coalesce(defaults, user, helm_major, out) != CMFV_OK)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	return CMFV_OK;
}

/* A value from parameter i says "--set" index i+1: point it at the
 * parameter in the Application instead. */
static void set_locs(const struct cmfv_plan *p, struct cmfv_loc *l)
{
	if (l->file && strcmp(l->file, "--set") == 0 && l->line == 0 && l->col >= 1 &&
	    l->col <= p->nsets)
		*l = p->set_locs[l->col - 1];
}

static void relocate_sets(const struct cmfv_plan *p, struct cmfv_node *n)
{
	size_t i;

	set_locs(p, &n->loc);
	if (n->kind == CMFV_MAP)
		for (i = 0; i < n->u.map.n; i++) {
			set_locs(p, &n->u.map.v[i].key_loc);
			relocate_sets(p, n->u.map.v[i].val);
		}
	else if (n->kind == CMFV_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			relocate_sets(p, n->u.seq.v[i]);
}

enum cmfv_err cmfv_plan_values(const struct cmfv_plan *p, int helm_major, struct cmfv_sources *src,
			       struct cmfv_node **out, struct cmfv_diag *d)
{
	struct cmfv_values_input in;
	enum cmfv_err e;

	if (p->user)
		return flux_values(p, helm_major, src, out, d);
	memset(&in, 0, sizeof(in));
	in.chart_dir = p->chart_dir;
	in.files = (const char *const *)p->files;
	in.nfiles = p->nfiles;
	in.extra = p->extra;
	in.sets = p->sets;
	in.nsets = p->nsets;
	in.helm_major = helm_major;
	in.kube_version = ""; /* Argo CD and Flux render for their cluster's version */
	e = cmfv_values_build(&in, src, out, d);
	if (e == CMFV_OK && p->set_locs)
		relocate_sets(p, *out);
	else if (e != CMFV_OK && d->line == 0 && strcmp(d->file, "--set") == 0 && d->col >= 1 &&
		 d->col <= p->nsets && p->set_locs[d->col - 1].file) {
		struct cmfv_loc at = p->set_locs[d->col - 1];

		snprintf(d->file, sizeof(d->file), "%s", at.file);
		d->line = at.line;
		d->col = at.col;
	}
	return e;
}
