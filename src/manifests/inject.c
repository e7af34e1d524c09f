/* The key mount: decide on the loaded tree (what Kubernetes will see, with
 * aliases and merges resolved), then edit the document's text. Every text
 * edit is checked by loading the result again: it must equal the tree with
 * the mount added, or the document is written as JSON from that tree. */
#include "cmfv/inject.h"

#include <string.h>
#include <yaml.h>

#include "cmfv/yaml.h"

#include "mount.h"
#include "ptree.h"
#include "yaml_write.h"

/* ------------------------------------------------------------ text edits */

struct edit {
	size_t at, del;
	struct cmfv_buf text;
};

#define MAX_EDITS 8

struct tedit {
	const char *t;
	size_t len;
	struct yw_out w;
	struct edit e[MAX_EDITS];
	size_t ne;
	int eof_nl; /* a line break was added at the end */
};

/* A new edit whose text the caller appends to; NULL when full. */
static struct cmfv_buf *edit_new(struct tedit *c, size_t at, size_t del)
{
	struct edit *e;

	if (c->ne == MAX_EDITS)
		return NULL;
	e = &c->e[c->ne++];
	memset(e, 0, sizeof(*e));
	e->at = at;
	e->del = del;
	return &e->text;
}

/* The start of the line after the one holding \p pos (\p pos itself when
 * it starts a line). */
static size_t line_after(const struct tedit *c, size_t pos)
{
	const char *nl;

	if (pos > 0 && c->t[pos - 1] == '\n')
		return pos;
	nl = memchr(c->t + pos, '\n', c->len - pos);
	return nl ? (size_t)(nl - c->t) + 1 : c->len;
}

/* Start a block insertion at \p at: a line break first when the piece
 * ends there without one. */
static struct cmfv_buf *block_edit(struct tedit *c, size_t at)
{
	struct cmfv_buf *b = edit_new(c, at, 0);

	if (b && at == c->len && c->len > 0 && c->t[c->len - 1] != '\n' && !c->eof_nl) {
		cmfv_buf_puts(b, c->w.nl);
		c->eof_nl = 1;
	}
	if (b)
		c->w.b = b;
	return b;
}

/* Is \p n the first thing on its line? */
static int starts_line(const struct tedit *c, const struct pn *n)
{
	size_t i = n->start;

	while (i > 0 && (c->t[i - 1] == ' ' || c->t[i - 1] == '\t'))
		i--;
	return i == 0 || c->t[i - 1] == '\n';
}

/* The separator before a new last entry of flow collection \p coll: on a
 * line of its own when the entries are (pretty-printed JSON). */
static void flow_sep(struct tedit *c, struct cmfv_buf *b, const struct pn *coll,
		     const struct pn *last)
{
	if (last->line != coll->line && starts_line(c, last)) {
		cmfv_buf_add(b, ",", 1);
		cmfv_buf_puts(b, c->w.nl);
		yw_spaces(b, last->col);
	} else {
		cmfv_buf_add(b, ", ", 2);
	}
}

/* Add key: value to map \p m (key absent). */
static int add_key(struct tedit *c, const struct pn *m, const char *key,
		   const struct cmfv_node *value)
{
	struct cmfv_buf *b;

	if (m->flow) {
		b = edit_new(c, m->n ? m->cend : m->start + 1, 0);
		if (b == NULL)
			return 0;
		if (m->n)
			flow_sep(c, b, m, m->kid[m->n - 2]);
		yw_key_text(b, key, 1);
		cmfv_buf_add(b, ": ", 2);
		yw_flow(b, value);
		return 1;
	}
	b = block_edit(c, line_after(c, m->end));
	if (b == NULL)
		return 0;
	yw_spaces(b, pn_col(m));
	yw_block_pair(&c->w, key, value, pn_col(m));
	return 1;
}

/* Replace the null value \p v of key \p k in map \p m by \p value. */
static int set_null_value(struct tedit *c, const struct pn *m, const struct pn *k,
			  const struct pn *v, const struct cmfv_node *value)
{
	struct cmfv_buf *b;
	size_t anchor = k->end;

	if (m->flow) {
		if (v->end <= v->start)
			return 0; /* `{key: }`: nothing to replace */
		b = edit_new(c, v->start, v->end - v->start);
		if (b == NULL)
			return 0;
		yw_flow(b, value);
		return 1;
	}
	if (v->end > v->start) {
		if (edit_new(c, v->start, v->end - v->start) == NULL)
			return 0;
		anchor = v->end;
	}
	b = block_edit(c, line_after(c, anchor));
	if (b == NULL)
		return 0;
	if (value->kind == CMFV_SEQ)
		yw_block_seq(&c->w, value, k->col + c->w.si);
	else
		yw_block_map(&c->w, value, k->col + c->w.ind, 0);
	return 1;
}

/* Append \p item to the list \p s. */
static int append_item(struct tedit *c, const struct pn *s, const struct cmfv_node *item)
{
	struct cmfv_buf *b;
	size_t off = 2;

	if (s->flow) {
		b = edit_new(c, s->n ? s->cend : s->start + 1, 0);
		if (b == NULL)
			return 0;
		if (s->n)
			flow_sep(c, b, s, s->kid[s->n - 1]);
		yw_flow(b, item);
		return 1;
	}
	/* the same distance from dash to content as the first item */
	if (s->n && s->kid[0]->type == PN_MAP && !s->kid[0]->flow && s->kid[0]->line == s->line &&
	    pn_col(s->kid[0]) > s->col + 1)
		off = pn_col(s->kid[0]) - s->col;
	b = block_edit(c, line_after(c, s->end));
	if (b == NULL)
		return 0;
	yw_spaces(b, s->col);
	cmfv_buf_add(b, "-", 1);
	yw_spaces(b, off - 1);
	yw_block_map(&c->w, item, s->col + off, 1);
	return 1;
}

/* Append \p item to the list at m[key], creating it when absent or null. */
static int add_to_list(struct tedit *c, const struct pn *m, const char *key,
		       const struct cmfv_node *item)
{
	struct pn *k = NULL, *v = NULL;
	struct cmfv_node *list;
	int r = pn_get(m, key, &k, &v), ok;

	if (r < 0)
		return 0;
	if (r == 0 || pn_is_null(v)) {
		list = mnt_new_list(cmfv_node_copy(item));
		if (list == NULL)
			return 0;
		ok = r == 0 ? add_key(c, m, key, list) : set_null_value(c, m, k, v, list);
		cmfv_node_free(list);
		return ok;
	}
	if (!pn_safe(v) || v->type != PN_SEQ)
		return 0;
	return append_item(c, v, item);
}

/* metadata.annotations[CMFV_KCV_ANNOTATION] = kcv */
static int set_kcv(struct tedit *c, const struct pn *meta, const char *kcv)
{
	struct pn *k = NULL, *v = NULL, *k2 = NULL, *v2 = NULL;
	struct cmfv_node *val = mnt_new_str(kcv), *ann = NULL;
	struct cmfv_buf *b;
	int r = pn_get(meta, "annotations", &k, &v), ok = 0;

	if (val == NULL || r < 0)
		goto out;
	if (r == 0 || pn_is_null(v)) {
		ann = mnt_new_pair(CMFV_KCV_ANNOTATION, val);
		val = NULL;
		if (ann)
			ok = r == 0 ? add_key(c, meta, "annotations", ann)
				    : set_null_value(c, meta, k, v, ann);
		goto out;
	}
	r = pn_get(v, CMFV_KCV_ANNOTATION, &k2, &v2);
	if (r == 0) {
		ok = add_key(c, v, CMFV_KCV_ANNOTATION, val);
	} else if (r > 0 && pn_safe(v2) && v2->type == PN_SCALAR &&
		   v2->style != YAML_LITERAL_SCALAR_STYLE &&
		   v2->style != YAML_FOLDED_SCALAR_STYLE && v2->end > v2->start) {
		b = edit_new(c, v2->start, v2->end - v2->start);
		if (b) {
			yw_scalar(b, val, v->flow);
			ok = 1;
		}
	}
out:
	cmfv_node_free(val);
	cmfv_node_free(ann);
	return ok;
}

/* Plan the text edits for \p p; 0 when the text cannot be edited safely. */
static int plan_edits(struct tedit *c, const struct pn *root, const struct cmfv_inject_opts *o,
		      const struct plan *p, const struct cmfv_node *vol,
		      const struct cmfv_node *mount)
{
	struct pn *k, *spec, *tmpl, *podk, *pod, *ck, *cs, *meta;

	if (pn_get(root, "spec", &k, &spec) <= 0 || pn_get(spec, "template", &k, &tmpl) <= 0 ||
	    pn_get(tmpl, "spec", &podk, &pod) <= 0 || pn_get(pod, "containers", &ck, &cs) <= 0 ||
	    !pn_safe(cs) || cs->type != PN_SEQ || cs->n <= p->cidx)
		return 0;
	/* the document's own indentation */
	c->w.ind = !pod->flow && pn_col(pod) > podk->col ? pn_col(pod) - podk->col : 2;
	c->w.si = !cs->flow && cs->col >= ck->col ? cs->col - ck->col : 2;
	if (p->add_mount && !add_to_list(c, cs->kid[p->cidx], "volumeMounts", mount))
		return 0;
	if (p->add_volume && !add_to_list(c, pod, "volumes", vol))
		return 0;
	if (p->set_kcv && (pn_get(root, "metadata", &k, &meta) <= 0 || !set_kcv(c, meta, o->kcv)))
		return 0;
	return 1;
}

static void edits_free(struct tedit *c)
{
	size_t i;

	for (i = 0; i < c->ne; i++)
		cmfv_buf_free(&c->e[i].text);
	c->ne = 0;
}

/* The piece with the edits made, into \p b; 0 when they overlap. */
static int edits_apply(struct tedit *c, struct cmfv_buf *b)
{
	size_t i, j, pos = 0;

	/* by position; at one position in the order made (inner lists first) */
	for (i = 1; i < c->ne; i++)
		for (j = i; j > 0 && c->e[j - 1].at > c->e[j].at; j--) {
			struct edit t = c->e[j];

			c->e[j] = c->e[j - 1];
			c->e[j - 1] = t;
		}
	for (i = 0; i < c->ne; i++) {
		const struct edit *e = &c->e[i];

		if (e->at < pos || e->text.failed)
			return 0;
		cmfv_buf_add(b, c->t + pos, e->at - pos);
		if (e->text.len)
			cmfv_buf_add(b, e->text.ptr, e->text.len);
		pos = e->at + e->del;
	}
	cmfv_buf_add(b, c->t + pos, c->len - pos);
	return 1;
}

/* Does \p text load to exactly \p want? 1 yes, 0 no, -1 out of memory. */
static int loads_as(const char *text, size_t len, const struct cmfv_node *want)
{
	struct cmfv_node *got = NULL;
	struct cmfv_diag d;
	enum cmfv_err e;
	int same;

	cmfv_diag_clear(&d);
	e = cmfv_yaml_load(text, len, STDIN_NAME, NULL, &got, &d);
	if (e == CMFV_ENOMEM)
		return -1;
	if (e != CMFV_OK || got == NULL)
		return 0;
	same = cmfv_node_equal(got, want, 1);
	cmfv_node_free(got);
	return same;
}

/* Did an edit's text run out of memory? */
static int edits_failed(const struct tedit *c)
{
	size_t i;

	for (i = 0; i < c->ne; i++)
		if (c->e[i].text.failed)
			return 1;
	return 0;
}

/* The document as JSON from \p tree, keeping what comes before and after
 * its content (comments, `---`, `...`). */
static void as_json(struct tedit *c, const struct pn *root, const struct cmfv_node *tree,
		    struct cmfv_buf *b)
{
	size_t after = line_after(c, root->end);

	cmfv_buf_add(b, c->t, root->start);
	yw_flow(b, tree);
	cmfv_buf_puts(b, c->w.nl);
	cmfv_buf_add(b, c->t + after, c->len - after);
}

/* The line ending of the document's content: inserted lines go among
 * them. Helm 3 writes its `---` and `# Source:` lines with LF even when
 * the template itself is CRLF, so those lines (and comments, directives)
 * do not count. */
static const char *content_eol(const char *t, size_t len)
{
	const char *p = t, *end = t + len, *first = NULL;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *q = p;

		if (nl == NULL)
			break;
		if (first == NULL)
			first = nl;
		while (q < nl && (*q == ' ' || *q == '\r'))
			q++;
		if (q < nl && *q != '#' && *q != '%' &&
		    !((size_t)(nl - p) >= 3 && memcmp(p, "---", 3) == 0 &&
		      (nl - p == 3 || p[3] == ' ' || p[3] == '\r' || p[3] == '\t')))
			return nl > t && nl[-1] == '\r' ? "\r\n" : "\n";
		p = nl + 1;
	}
	return first && first > t && first[-1] == '\r' ? "\r\n" : "\n";
}

enum cmfv_err cmfv_inject_doc(const struct cmfv_inject_opts *o, const struct cmfv_doc *doc,
			      struct cmfv_buf *out, int *changed, struct cmfv_report *r,
			      struct cmfv_diag *d)
{
	struct cmfv_yaml_opts yo;
	struct cmfv_node *tree = NULL, *vol = NULL, *mount = NULL;
	struct cmfv_buf nb = {0};
	struct pn *root = NULL;
	struct tedit c;
	struct plan p;
	enum cmfv_err e;
	int oom = 0, done = 0;

	*changed = 0;
	memset(&yo, 0, sizeof(yo));
	yo.line_offset = doc->line > 0 ? (unsigned)doc->line - 1 : 0;
	e = cmfv_yaml_load(doc->ptr, doc->len, mnt_in_name(o), &yo, &tree, d);
	if (e != CMFV_OK)
		return e;
	if (!cmfv_is_map(tree)) {
		cmfv_node_free(tree);
		return cmfv_diag_set(d, CMFV_EINPUT, mnt_in_name(o), (unsigned)doc->line, 1,
				     "the Deployment document is not a map");
	}
	e = mnt_plan(tree, o, r, &p);
	if (e != CMFV_OK || p.blocked || (!p.add_volume && !p.add_mount && !p.set_kcv))
		goto out;
	/* tree becomes what the edited text must load as */
	vol = mnt_new_volume(o);
	mount = mnt_new_mount(o);
	if (vol == NULL || mount == NULL || !mnt_tree_apply(tree, o, &p)) {
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.t = doc->ptr;
	c.len = doc->len;
	c.w.nl = content_eol(doc->ptr, doc->len);
	c.w.ind = c.w.si = 2;
	root = pn_build(doc->ptr, doc->len, &oom);
	if (root && root->type == PN_MAP && plan_edits(&c, root, o, &p, vol, mount) &&
	    edits_apply(&c, &nb) && !nb.failed) {
		int same = loads_as(nb.ptr, nb.len, tree);

		oom |= same < 0;
		done = same > 0;
	}
	oom |= edits_failed(&c) || nb.failed;
	edits_free(&c);
	if (!done && root && !oom) {
		/* shared or unusual structure: this one document as JSON */
		int same;

		cmfv_buf_free(&nb);
		memset(&nb, 0, sizeof(nb));
		as_json(&c, root, tree, &nb);
		same = nb.failed ? -1 : loads_as(nb.ptr, nb.len, tree);
		oom |= same < 0;
		done = same > 0;
	}
	if (oom || nb.failed)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	else if (!done)
		e = cmfv_diag_set(d, CMFV_EINPUT, mnt_in_name(o), (unsigned)doc->line, 1,
				  "cannot add the key mount to Deployment %s", p.deploy);
	else if (cmfv_buf_add(out, nb.ptr, nb.len) != CMFV_OK)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	else
		*changed = 1;
out:
	if (e == CMFV_ENOMEM && d->code == CMFV_OK)
		cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	cmfv_buf_free(&nb);
	pn_free(root);
	cmfv_node_free(vol);
	cmfv_node_free(mount);
	cmfv_node_free(tree);
	return e;
}

enum cmfv_err cmfv_inject_opts_check(const struct cmfv_inject_opts *o, struct cmfv_diag *d)
{
	const char *v = o->volume_name, *fnm = o->file_name;
	size_t i, n;

	if (o->mount_path && o->mount_path[0] != '/')
		return cmfv_diag_fail(d, CMFV_EUSAGE,
				      "--mount-path must be an absolute path, not '%s'",
				      o->mount_path);
	if (v) {
		int ok;

		n = strlen(v);
		ok = n > 0 && n <= 63 && v[0] != '-' && v[n - 1] != '-';
		for (i = 0; ok && v[i]; i++)
			ok = (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') ||
			     v[i] == '-';
		if (!ok)
			return cmfv_diag_fail(
			    d, CMFV_EUSAGE,
			    "--volume-name must be a DNS-1123 label (a-z, 0-9, '-', "
			    "at most 63), not '%s'",
			    v);
	}
	if (fnm && (!fnm[0] || strchr(fnm, '/') || strcmp(fnm, ".") == 0 || strcmp(fnm, "..") == 0))
		return cmfv_diag_fail(d, CMFV_EUSAGE,
				      "--file-name must be a plain file name, not '%s'", fnm);
	return CMFV_OK;
}
