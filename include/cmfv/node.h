/* The value tree: what Helm sees as map[string]interface{}, plus where each
 * value came from.
 *
 * Ownership: a map owns its keys and values, a sequence its items; freeing
 * a node frees everything below it. Location file names are borrowed (see
 * struct cmfv_loc). Sequence items are never NULL pointers: a gap is a
 * CMFV_NULL node. */
#ifndef CMFV_NODE_H
#define CMFV_NODE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cmfv/diag.h"

enum cmfv_kind {
	CMFV_NULL,
	CMFV_BOOL,
	CMFV_INT,   /**< int64, as --set makes them */
	CMFV_FLOAT, /**< float64, as every number read from YAML/JSON is in Helm */
	CMFV_STR,
	CMFV_MAP,
	CMFV_SEQ,
};

struct cmfv_node;

struct cmfv_pair {
	char *key;		 /**< owned, NUL-terminated */
	struct cmfv_loc key_loc; /**< where the key was written */
	struct cmfv_node *val;	 /**< owned, never NULL */
};

struct cmfv_node {
	enum cmfv_kind kind;
	unsigned char quoted; /**< scalar was quoted or forced to string (--set-string) */
	unsigned char secret; /**< a --set-file value: never quoted in a message
				   (include/cmfv/redact.h) */
	unsigned char uint;   /**< a CMFV_INT (keep_ints) that only fits a uint64: u.i
				   holds its bits (go-yaml gives a uint64) */
	struct cmfv_loc loc;  /**< where the value was written */
	union {
		int b;
		int64_t i;
		double f;
		struct {
			char *ptr; /**< owned, NUL-terminated; may hold NUL bytes */
			size_t len;
		} s;
		struct {
			struct cmfv_pair *v;
			size_t n, cap;
			size_t *hash; /**< index table (n+1-based, 0 = empty) when large */
			size_t hcap;
		} map;
		struct {
			struct cmfv_node **v;
			size_t n, cap;
		} seq;
	} u;
};

/** New node of \p kind with zeroed payload; NULL when out of memory. */
struct cmfv_node *cmfv_node_new(enum cmfv_kind kind, struct cmfv_loc loc);
/** New string node holding a copy of \p len bytes at \p s. */
struct cmfv_node *cmfv_node_new_str(const char *s, size_t len, struct cmfv_loc loc);
/** Free \p n and all below it; NULL is fine. */
void cmfv_node_free(struct cmfv_node *n);
/** Deep copy; NULL when out of memory. */
struct cmfv_node *cmfv_node_copy(const struct cmfv_node *n);
/** Deep equality: same kinds and scalars, sequences item by item, maps key
 * by key whatever their order. With \p numbers_loose an int and a float of
 * the same value are equal (what Kubernetes sees once JSON has them). */
int cmfv_node_equal(const struct cmfv_node *a, const struct cmfv_node *b, int numbers_loose);

/** Map lookup; NULL when absent or \p map is not a map. */
struct cmfv_node *cmfv_map_get(const struct cmfv_node *map, const char *key);
/** Pair lookup; NULL when absent. */
struct cmfv_pair *cmfv_map_get_pair(const struct cmfv_node *map, const char *key);
/** Set \p key to \p val (consumed, also on failure). Replaces (and frees)
 * an existing value in place, keeping the key's position. */
enum cmfv_err cmfv_map_set(struct cmfv_node *map, const char *key, struct cmfv_loc key_loc,
			   struct cmfv_node *val);
/** Remove \p key if present. */
void cmfv_map_delete(struct cmfv_node *map, const char *key);
/** Remove, in one pass, the pairs whose index i < \p ndrop has \p drop[i]
 * set; the rest keep their order. For deleting many keys: cmfv_map_delete
 * costs O(n) each. */
void cmfv_map_delete_flagged(struct cmfv_node *map, const unsigned char *drop, size_t ndrop);
/** Append \p item (consumed, also on failure). */
enum cmfv_err cmfv_seq_push(struct cmfv_node *seq, struct cmfv_node *item);

/** Follow a dotted path of map keys ("a.b.c"); NULL when any step is
 * missing or not a map. Keys containing '.' cannot be addressed. */
struct cmfv_node *cmfv_node_path(const struct cmfv_node *root, const char *path);

/** The string \p n holds, or NULL when \p n is absent or no string. */
static inline const char *cmfv_str(const struct cmfv_node *n)
{
	return n && n->kind == CMFV_STR ? n->u.s.ptr : NULL;
}

/** Does \p n hold exactly the string \p s? */
static inline int cmfv_str_is(const struct cmfv_node *n, const char *s)
{
	const char *v = cmfv_str(n);

	return v && s && strcmp(v, s) == 0;
}

static inline int cmfv_is_map(const struct cmfv_node *n)
{
	return n && n->kind == CMFV_MAP;
}

static inline int cmfv_is_seq(const struct cmfv_node *n)
{
	return n && n->kind == CMFV_SEQ;
}

/** Human name of a kind: "null", "boolean", "integer", ... */
const char *cmfv_kind_name(enum cmfv_kind k);

#endif
