/* The classifier's contract (include/cmfv/classify.h), checked against the
 * project's YAML loader: shared by the unit test, the differential test
 * (tests/classify/classify_diff.c) and the fuzz harness. */
#ifndef CMFV_TEST_CLASSIFY_SOUND_H
#define CMFV_TEST_CLASSIFY_SOUND_H

#include <stdio.h>
#include <string.h>

#include "cmfv/classify.h"
#include "cmfv/diag.h"
#include "cmfv/node.h"
#include "cmfv/stream.h"
#include "cmfv/yaml.h"

static inline int sound_str_is(const struct cmfv_node *n, const char *s, size_t len)
{
	return n && n->kind == CMFV_STR && n->u.s.len == len && memcmp(n->u.s.ptr, s, len) == 0;
}

static inline int sound_known_ok(const struct cmfv_cls_str *s, const struct cmfv_node *n)
{
	return !s->known || sound_str_is(n, s->ptr, s->len);
}

/* What the loader reads against what the classifier said: NULL when they
 * agree, else why not (into \p why). \p *loaded says whether the document
 * loaded as a mapping. */
static inline const char *sound_check(const char *text, size_t len, const struct cmfv_cls_info *ci,
				      char *why, size_t whylen, int *loaded)
{
	struct cmfv_node *tree = NULL, *kind, *meta;
	struct cmfv_diag d;
	int dep, cm, list, need;
	enum cmfv_cls want = CMFV_CLS_OTHER;
	const char *bad = NULL;

	*loaded = 0;
	cmfv_diag_clear(&d);
	if (cmfv_yaml_load(text, len, "doc", NULL, &tree, &d) != CMFV_OK)
		return NULL; /* nothing is created from a document that does not load */
	if (tree == NULL || tree->kind != CMFV_MAP) {
		cmfv_node_free(tree);
		return NULL;
	}
	*loaded = 1;
	kind = cmfv_map_get(tree, "kind");
	meta = cmfv_map_get(tree, "metadata");
	dep = sound_str_is(kind, "Deployment", 10);
	cm = sound_str_is(kind, "ConfigMap", 9);
	list = cmfv_map_get(tree, "items") != NULL ||
	       (kind && kind->kind == CMFV_STR && kind->u.s.len >= 4 &&
		memcmp(kind->u.s.ptr + kind->u.s.len - 4, "List", 4) == 0);
	need = dep + cm + list;
	if (dep)
		want = CMFV_CLS_DEPLOYMENT;
	else if (cm)
		want = CMFV_CLS_CONFIGMAP;
	else if (list)
		want = CMFV_CLS_LIST;
	if (ci->cls != CMFV_CLS_PARSE) {
		if (need > 1 || (need == 1 && ci->cls != want))
			bad = "class";
		else if (!sound_known_ok(&ci->kind, kind))
			bad = "kind";
		else if (ci->kind_absent && (ci->cls != CMFV_CLS_OTHER || kind != NULL))
			bad = "kind absent";
		else if (!sound_known_ok(&ci->api, cmfv_map_get(tree, "apiVersion")))
			bad = "apiVersion";
		else if (!sound_known_ok(&ci->name, cmfv_map_get(meta, "name")))
			bad = "metadata.name";
		else if (!sound_known_ok(&ci->ns, cmfv_map_get(meta, "namespace")))
			bad = "metadata.namespace";
	}
	if (bad)
		snprintf(why, whylen, "%s: classified %s, the loader reads kind %s%s", bad,
			 cmfv_cls_name(ci->cls),
			 kind && kind->kind == CMFV_STR ? kind->u.s.ptr : "(not a string)",
			 cmfv_map_get(tree, "items") ? " with items" : "");
	cmfv_node_free(tree);
	return bad ? why : NULL;
}

/* ------------------------------------------- the splitter's hint */

struct hint_read {
	const char *p;
	size_t left, chunk;
};

static inline ssize_t hint_read_fn(void *ctx, char *buf, size_t n)
{
	struct hint_read *r = ctx;

	if (n > r->chunk)
		n = r->chunk;
	if (n > r->left)
		n = r->left;
	memcpy(buf, r->p, n);
	r->p += n;
	r->left -= n;
	return (ssize_t)n;
}

static inline int hint_same_str(const struct cmfv_cls_str *a, const struct cmfv_cls_str *b)
{
	return a->known == b->known && a->len == b->len &&
	       (!a->known || memcmp(a->ptr, b->ptr, a->len) == 0);
}

/* A line break other than LF and CRLF (lone CR, NEL, LS, PS) in t[0..n)? */
static inline int hint_has_odd(const char *t, size_t n)
{
	const unsigned char *u = (const unsigned char *)t;
	size_t k;

	for (k = 0; k < n; k++)
		if ((u[k] == '\r' && (k + 1 == n || u[k + 1] != '\n')) ||
		    (u[k] == 0xC2 && k + 1 < n && u[k + 1] == 0x85) ||
		    (u[k] == 0xE2 && k + 2 < n && u[k + 1] == 0x80 &&
		     (u[k + 2] == 0xA8 || u[k + 2] == 0xA9)))
			return 1;
	return 0;
}

/* Each piece the splitter cuts from text[0..len): classified with the
 * splitter's hint (struct cmfv_doc's col0, odd_free) it must get the very
 * answer it gets without, and every column-0 line start the hint lists
 * must be one. Split from memory (\p chunk 0) or read \p chunk bytes at a
 * time (pieces moving in the splitter's buffer). NULL, or why not. */
static inline const char *hint_check(const char *text, size_t len, size_t chunk, char *why,
				     size_t whylen)
{
	struct hint_read rd = {text, len, chunk};
	struct cmfv_stream *s;
	struct cmfv_doc doc;
	struct cmfv_diag d;
	const char *bad = NULL;
	enum cmfv_err e;

	cmfv_diag_clear(&d);
	e = chunk ? cmfv_stream_new(hint_read_fn, &rd, "hint", (size_t)1 << 30, &s)
		  : cmfv_stream_new_mem(text, len, "hint", &s);
	if (e != CMFV_OK)
		return NULL;
	while (bad == NULL && cmfv_stream_next(s, &doc, &d) == CMFV_OK && doc.ptr) {
		struct cmfv_cls_info a, b;
		struct cmfv_cls_hint h = {doc.col0, doc.ncol0, doc.col0_covered, doc.odd_free};
		size_t i;

		for (i = 0; i < doc.ncol0 && bad == NULL; i++)
			if (doc.col0[i] == 0 || doc.col0[i] >= doc.len ||
			    doc.ptr[doc.col0[i] - 1] != '\n' || doc.ptr[doc.col0[i]] == ' ' ||
			    (i && doc.col0[i] <= doc.col0[i - 1]))
				bad = "the hint lists a line start that is not a column-0 one";
		if (bad == NULL && doc.odd_free && hint_has_odd(doc.ptr, doc.len))
			bad = "the hint says no odd line break, and there is one";
		cmfv_classify(doc.ptr, doc.len, &a);
		cmfv_classify_hint(doc.ptr, doc.len, &h, &b);
		if (bad == NULL &&
		    (a.cls != b.cls || !hint_same_str(&a.kind, &b.kind) ||
		     !hint_same_str(&a.api, &b.api) || !hint_same_str(&a.name, &b.name) ||
		     !hint_same_str(&a.ns, &b.ns) || a.kind_absent != b.kind_absent))
			bad = "classified otherwise with the splitter's hint";
		if (bad)
			snprintf(why, whylen, "%s (piece at line %lu: %s without, %s with)", bad,
				 doc.line, cmfv_cls_name(a.cls), cmfv_cls_name(b.cls));
	}
	cmfv_stream_free(s);
	return bad ? why : NULL;
}

#endif
