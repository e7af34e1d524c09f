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

#endif
