#include "cmfv/secret.h"

#include <openssl/crypto.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/key.h"
#include "cmfv/node.h"
#include "cmfv/yaml.h"

struct search {
	const char *name, *property, *namespace;
	const char *file;
	struct cmfv_secret_value *v;
	int in_namespace; /* the current pick is in the wanted namespace */
	int have;	  /* a pick was made */
};

/* Every string of a tree that may hold a Secret: wipe before freeing. */
static void wipe_tree(struct cmfv_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	if (n->kind == CMFV_STR)
		OPENSSL_cleanse(n->u.s.ptr, n->u.s.len);
	else if (n->kind == CMFV_MAP)
		for (i = 0; i < n->u.map.n; i++)
			wipe_tree(n->u.map.v[i].val);
	else if (n->kind == CMFV_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			wipe_tree(n->u.seq.v[i]);
}

static const struct cmfv_node *str_node(const struct cmfv_node *n, const char *path)
{
	const struct cmfv_node *v = cmfv_node_path(n, path);

	return v && v->kind == CMFV_STR ? v : NULL;
}

static const char *str_at(const struct cmfv_node *n, const char *path)
{
	const struct cmfv_node *v = str_node(n, path);

	return v ? v->u.s.ptr : NULL;
}

static const struct cmfv_node *map_at(const struct cmfv_node *n, const char *key)
{
	const struct cmfv_node *v = cmfv_map_get(n, key);

	return v && v->kind == CMFV_MAP ? v : NULL;
}

/* The keys of data and stringData, for "it has: ..." */
static enum cmfv_err list_keys(const struct cmfv_node *data, const struct cmfv_node *sd, char **out)
{
	const struct cmfv_node *maps[2] = {data, sd};
	struct cmfv_buf keys = {0};
	size_t i;
	int m;

	for (m = 0; m < 2; m++)
		for (i = 0; maps[m] && i < maps[m]->u.map.n; i++) {
			if (keys.len)
				cmfv_buf_puts(&keys, ", ");
			cmfv_buf_puts(&keys, maps[m]->u.map.v[i].key);
		}
	if (keys.ptr == NULL)
		cmfv_buf_puts(&keys, "");
	if (keys.failed) {
		cmfv_buf_free(&keys);
		return CMFV_ENOMEM;
	}
	*out = keys.ptr;
	return CMFV_OK;
}

static enum cmfv_err take(struct search *s, const struct cmfv_node *secret)
{
	struct cmfv_secret_value *v = s->v;
	const struct cmfv_node *nsn = str_node(secret, "metadata.namespace");
	const char *ns = nsn ? nsn->u.s.ptr : NULL;
	const struct cmfv_node *sd = map_at(secret, "stringData");
	const struct cmfv_node *data = map_at(secret, "data");
	const struct cmfv_node *val = NULL;
	int in_ns = s->namespace && ns && strcmp(ns, s->namespace) == 0;
	size_t cap, matches = v->matches + 1;

	/* keep the first match, unless a later one is in the wanted namespace */
	if (s->have && (s->in_namespace || !in_ns)) {
		v->matches = matches;
		return CMFV_OK;
	}
	cmfv_secret_value_clear(v);
	v->matches = matches;
	s->have = 1;
	s->in_namespace = in_ns;
	v->file = s->file;
	v->loc = secret->loc;
	v->ns_loc = nsn ? nsn->loc : secret->loc;
	if (ns && (v->namespace = cmfv_strdup(ns)) == NULL)
		return CMFV_ENOMEM;
	/* stringData wins over data, as the API server merges them */
	if (sd && (val = cmfv_map_get(sd, s->property)) != NULL)
		v->from_string_data = 1;
	else if (data)
		val = cmfv_map_get(data, s->property);
	if (val == NULL) {
		v->status = CMFV_SECRET_NO_PROPERTY;
		return list_keys(data, sd, &v->keys);
	}
	v->loc = val->loc;
	if (val->kind != CMFV_STR) {
		v->status = CMFV_SECRET_NOT_STRING;
		return CMFV_OK;
	}
	if (v->from_string_data) {
		v->key = cmfv_malloc(val->u.s.len + 1);
		if (v->key == NULL)
			return CMFV_ENOMEM;
		memcpy(v->key, val->u.s.ptr, val->u.s.len);
		v->len = val->u.s.len;
		v->status = CMFV_SECRET_FOUND;
		return CMFV_OK;
	}
	cap = CMFV_BASE64_DECODED_MAX(val->u.s.len);
	v->key = cmfv_malloc(cap);
	if (v->key == NULL)
		return CMFV_ENOMEM;
	if (!cmfv_base64_decode(val->u.s.ptr, val->u.s.len, v->key, &v->len, &v->bad_at)) {
		OPENSSL_cleanse(v->key, cap);
		cmfv_free(v->key);
		v->key = NULL;
		v->len = 0;
		v->status = CMFV_SECRET_BAD_BASE64;
		return CMFV_OK;
	}
	v->status = CMFV_SECRET_FOUND;
	return CMFV_OK;
}

static enum cmfv_err visit(struct search *s, const struct cmfv_node *doc, unsigned depth)
{
	const char *kind = str_at(doc, "kind"), *name;
	const struct cmfv_node *items;
	enum cmfv_err e;
	size_t i;

	if (doc == NULL || doc->kind != CMFV_MAP || kind == NULL)
		return CMFV_OK;
	if (strcmp(kind, "List") == 0 || strcmp(kind, "SecretList") == 0) {
		items = cmfv_map_get(doc, "items");
		/* Lists nest only as deep as the YAML does; 64 is plenty */
		if (depth > 64 || items == NULL || items->kind != CMFV_SEQ)
			return CMFV_OK;
		for (i = 0; i < items->u.seq.n; i++)
			if ((e = visit(s, items->u.seq.v[i], depth + 1)) != CMFV_OK)
				return e;
		return CMFV_OK;
	}
	if (strcmp(kind, "Secret") != 0)
		return CMFV_OK;
	name = str_at(doc, "metadata.name");
	if (name == NULL || strcmp(name, s->name) != 0)
		return CMFV_OK;
	return take(s, doc);
}

static enum cmfv_err on_doc(void *ctx, struct cmfv_node *doc, struct cmfv_diag *d)
{
	struct search *s = ctx;
	enum cmfv_err e = visit(s, doc, 0);

	wipe_tree(doc);
	cmfv_node_free(doc);
	if (e != CMFV_OK)
		return cmfv_diag_fail(d, e, "out of memory");
	return CMFV_OK;
}

enum cmfv_err cmfv_secret_find(const struct cmfv_source *src, const char *name,
			       const char *property, const char *namespace,
			       struct cmfv_secret_value *v, struct cmfv_diag *d)
{
	struct search s;
	enum cmfv_err e;

	memset(v, 0, sizeof(*v));
	memset(&s, 0, sizeof(s));
	s.name = name;
	s.property = property;
	s.namespace = namespace;
	s.file = src->name;
	s.v = v;
	e = cmfv_yaml_load_all(src->text, src->len, src->name, NULL, on_doc, &s, d);
	if (e != CMFV_OK) {
		cmfv_secret_value_clear(v);
		return e;
	}
	if (!s.have) {
		v->status = CMFV_SECRET_NOT_FOUND;
		v->file = src->name;
	}
	return CMFV_OK;
}

void cmfv_secret_value_clear(struct cmfv_secret_value *v)
{
	if (v == NULL)
		return;
	if (v->key) {
		OPENSSL_cleanse(v->key, v->len);
		cmfv_free(v->key);
	}
	cmfv_free(v->namespace);
	cmfv_free(v->keys);
	memset(v, 0, sizeof(*v));
}
