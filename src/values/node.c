#include "cmfv/node.h"

#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/siphash.h"

/* Maps above this size get a hash index, so that hostile inputs with
 * hundreds of thousands of keys stay linear. */
#define HASH_MIN 16

struct cmfv_node *cmfv_node_new(enum cmfv_kind kind, struct cmfv_loc loc)
{
	struct cmfv_node *n = cmfv_calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->kind = kind;
	n->loc = loc;
	return n;
}

struct cmfv_node *cmfv_node_new_str(const char *s, size_t len, struct cmfv_loc loc)
{
	struct cmfv_node *n = cmfv_node_new(CMFV_STR, loc);

	if (n == NULL)
		return NULL;
	n->u.s.ptr = cmfv_malloc(len + 1);
	if (n->u.s.ptr == NULL) {
		cmfv_free(n);
		return NULL;
	}
	if (len)
		memcpy(n->u.s.ptr, s, len);
	n->u.s.ptr[len] = '\0';
	n->u.s.len = len;
	return n;
}

void cmfv_node_free(struct cmfv_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	switch (n->kind) {
	case CMFV_STR:
		cmfv_free(n->u.s.ptr);
		break;
	case CMFV_MAP:
		for (i = 0; i < n->u.map.n; i++) {
			cmfv_free(n->u.map.v[i].key);
			cmfv_node_free(n->u.map.v[i].val);
		}
		cmfv_free(n->u.map.v);
		cmfv_free(n->u.map.hash);
		break;
	case CMFV_SEQ:
		for (i = 0; i < n->u.seq.n; i++)
			cmfv_node_free(n->u.seq.v[i]);
		cmfv_free(n->u.seq.v);
		break;
	default:
		break;
	}
	cmfv_free(n);
}

/* Keyed per process: map keys come from the input (issue 13). */
static size_t hash_str(const char *s)
{
	return (size_t)cmfv_strhash(s, strlen(s));
}

/* Rebuild the index of map \p m; on allocation failure the index is simply
 * dropped and lookups fall back to a scan. */
static void rehash(struct cmfv_node *m)
{
	size_t cap = 64, i;

	cmfv_free(m->u.map.hash);
	m->u.map.hash = NULL;
	m->u.map.hcap = 0;
	if (m->u.map.n < HASH_MIN)
		return;
	while (cap < m->u.map.n * 2)
		cap *= 2;
	m->u.map.hash = cmfv_calloc(cap, sizeof(size_t));
	if (m->u.map.hash == NULL)
		return;
	m->u.map.hcap = cap;
	for (i = 0; i < m->u.map.n; i++) {
		size_t h = hash_str(m->u.map.v[i].key) & (cap - 1);

		while (m->u.map.hash[h])
			h = (h + 1) & (cap - 1);
		m->u.map.hash[h] = i + 1;
	}
}

static long find(const struct cmfv_node *m, const char *key)
{
	size_t i;

	if (m == NULL || m->kind != CMFV_MAP)
		return -1;
	if (m->u.map.hash) {
		size_t cap = m->u.map.hcap, h = hash_str(key) & (cap - 1);

		while (m->u.map.hash[h]) {
			size_t idx = m->u.map.hash[h] - 1;

			if (strcmp(m->u.map.v[idx].key, key) == 0)
				return (long)idx;
			h = (h + 1) & (cap - 1);
		}
		return -1;
	}
	for (i = 0; i < m->u.map.n; i++)
		if (strcmp(m->u.map.v[i].key, key) == 0)
			return (long)i;
	return -1;
}

struct cmfv_node *cmfv_map_get(const struct cmfv_node *map, const char *key)
{
	long i = find(map, key);

	return i < 0 ? NULL : map->u.map.v[i].val;
}

struct cmfv_pair *cmfv_map_get_pair(const struct cmfv_node *map, const char *key)
{
	long i = find(map, key);

	return i < 0 ? NULL : &map->u.map.v[i];
}

enum cmfv_err cmfv_map_set(struct cmfv_node *map, const char *key, struct cmfv_loc key_loc,
			   struct cmfv_node *val)
{
	long i = find(map, key);
	struct cmfv_pair *p;

	if (i >= 0) {
		p = &map->u.map.v[i];
		cmfv_node_free(p->val);
		p->val = val;
		p->key_loc = key_loc;
		return CMFV_OK;
	}
	if (map->u.map.n == map->u.map.cap) {
		size_t cap = map->u.map.cap ? map->u.map.cap * 2 : 4;
		struct cmfv_pair *v = cmfv_realloc(map->u.map.v, cap * sizeof(*v));

		if (v == NULL) {
			cmfv_node_free(val);
			return CMFV_ENOMEM;
		}
		map->u.map.v = v;
		map->u.map.cap = cap;
	}
	p = &map->u.map.v[map->u.map.n];
	p->key = cmfv_strdup(key);
	if (p->key == NULL) {
		cmfv_node_free(val);
		return CMFV_ENOMEM;
	}
	p->key_loc = key_loc;
	p->val = val;
	map->u.map.n++;
	if (map->u.map.hash && map->u.map.n * 2 <= map->u.map.hcap) {
		size_t cap = map->u.map.hcap, h = hash_str(key) & (cap - 1);

		while (map->u.map.hash[h])
			h = (h + 1) & (cap - 1);
		map->u.map.hash[h] = map->u.map.n;
	} else if (map->u.map.n >= HASH_MIN) {
		rehash(map);
	}
	return CMFV_OK;
}

void cmfv_map_delete(struct cmfv_node *map, const char *key)
{
	long i = find(map, key);
	size_t idx;

	if (i < 0)
		return;
	idx = (size_t)i;
	cmfv_free(map->u.map.v[idx].key);
	cmfv_node_free(map->u.map.v[idx].val);
	memmove(&map->u.map.v[idx], &map->u.map.v[idx + 1],
		(map->u.map.n - idx - 1) * sizeof(map->u.map.v[0]));
	map->u.map.n--;
	if (map->u.map.hash)
		rehash(map);
}

void cmfv_map_delete_flagged(struct cmfv_node *map, const unsigned char *drop, size_t ndrop)
{
	size_t i, j = 0;

	if (map == NULL || map->kind != CMFV_MAP)
		return;
	for (i = 0; i < map->u.map.n; i++) {
		if (i < ndrop && drop[i]) {
			cmfv_free(map->u.map.v[i].key);
			cmfv_node_free(map->u.map.v[i].val);
			continue;
		}
		map->u.map.v[j++] = map->u.map.v[i];
	}
	if (j == map->u.map.n)
		return;
	map->u.map.n = j;
	if (map->u.map.hash)
		rehash(map);
}

enum cmfv_err cmfv_seq_push(struct cmfv_node *seq, struct cmfv_node *item)
{
	if (seq->u.seq.n == seq->u.seq.cap) {
		size_t cap = seq->u.seq.cap ? seq->u.seq.cap * 2 : 4;
		struct cmfv_node **v = cmfv_realloc(seq->u.seq.v, cap * sizeof(*v));

		if (v == NULL) {
			cmfv_node_free(item);
			return CMFV_ENOMEM;
		}
		seq->u.seq.v = v;
		seq->u.seq.cap = cap;
	}
	seq->u.seq.v[seq->u.seq.n++] = item;
	return CMFV_OK;
}

struct cmfv_node *cmfv_node_copy(const struct cmfv_node *n)
{
	struct cmfv_node *c;
	size_t i;

	if (n == NULL)
		return NULL;
	if (n->kind == CMFV_STR) {
		c = cmfv_node_new_str(n->u.s.ptr, n->u.s.len, n->loc);
		if (c) {
			c->quoted = n->quoted;
			c->secret = n->secret;
		}
		return c;
	}
	c = cmfv_node_new(n->kind, n->loc);
	if (c == NULL)
		return NULL;
	c->quoted = n->quoted;
	c->uint = n->uint;
	switch (n->kind) {
	case CMFV_MAP:
		for (i = 0; i < n->u.map.n; i++) {
			struct cmfv_node *v = cmfv_node_copy(n->u.map.v[i].val);

			if (v == NULL || cmfv_map_set(c, n->u.map.v[i].key, n->u.map.v[i].key_loc,
						      v) != CMFV_OK) {
				cmfv_node_free(c);
				return NULL;
			}
		}
		break;
	case CMFV_SEQ:
		for (i = 0; i < n->u.seq.n; i++) {
			struct cmfv_node *v = cmfv_node_copy(n->u.seq.v[i]);

			if (v == NULL || cmfv_seq_push(c, v) != CMFV_OK) {
				cmfv_node_free(c);
				return NULL;
			}
		}
		break;
	default:
		c->u = n->u;
		break;
	}
	return c;
}

struct cmfv_node *cmfv_node_path(const struct cmfv_node *root, const char *path)
{
	char key[256];
	const char *p = path;
	const struct cmfv_node *cur = root;

	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (len >= sizeof(key))
			return NULL;
		memcpy(key, p, len);
		key[len] = '\0';
		cur = cmfv_map_get(cur, key);
		p += len;
		if (*p == '.')
			p++;
	}
	return (struct cmfv_node *)(uintptr_t)cur;
}

const char *cmfv_kind_name(enum cmfv_kind k)
{
	switch (k) {
	case CMFV_NULL:
		return "null";
	case CMFV_BOOL:
		return "boolean";
	case CMFV_INT:
		return "integer";
	case CMFV_FLOAT:
		return "number";
	case CMFV_STR:
		return "string";
	case CMFV_MAP:
		return "map";
	case CMFV_SEQ:
		return "list";
	}
	return "unknown";
}

int cmfv_node_equal(const struct cmfv_node *a, const struct cmfv_node *b, int numbers_loose)
{
	size_t i;
	int na = a->kind == CMFV_INT || a->kind == CMFV_FLOAT;
	int nb = b->kind == CMFV_INT || b->kind == CMFV_FLOAT;

	if (a->kind != b->kind && !(numbers_loose && na && nb))
		return 0;
	switch (a->kind) {
	case CMFV_NULL:
		return 1;
	case CMFV_BOOL:
		return a->u.b == b->u.b;
	case CMFV_INT:
	case CMFV_FLOAT: {
		double x = a->kind == CMFV_INT ? (double)a->u.i : a->u.f;
		double y = b->kind == CMFV_INT ? (double)b->u.i : b->u.f;

		return x == y;
	}
	case CMFV_STR:
		return a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0;
	case CMFV_SEQ:
		if (a->u.seq.n != b->u.seq.n)
			return 0;
		for (i = 0; i < a->u.seq.n; i++)
			if (!cmfv_node_equal(a->u.seq.v[i], b->u.seq.v[i], numbers_loose))
				return 0;
		return 1;
	case CMFV_MAP:
		if (a->u.map.n != b->u.map.n)
			return 0;
		for (i = 0; i < a->u.map.n; i++) {
			const struct cmfv_node *bv = cmfv_map_get(b, a->u.map.v[i].key);

			if (bv == NULL || !cmfv_node_equal(a->u.map.v[i].val, bv, numbers_loose))
				return 0;
		}
		return 1;
	}
	return 0;
}
