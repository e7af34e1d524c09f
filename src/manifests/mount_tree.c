/* The mount as tree nodes: what the text edit must produce, and the tree
 * form of the injection (cmfv_inject). */

#include <stdint.h>
#include <string.h>

#include "mount.h"

/* ------------------------------------------------------ new tree nodes */

static const struct cmfv_loc noloc = {NULL, 0, 0};

struct cmfv_node *mnt_new_str(const char *s)
{
	return cmfv_node_new_str(s, strlen(s), noloc);
}

static struct cmfv_node *new_scalar(enum cmfv_kind k, int64_t v)
{
	struct cmfv_node *n = cmfv_node_new(k, noloc);

	if (n && k == CMFV_INT)
		n->u.i = v;
	else if (n)
		n->u.b = (int)v;
	return n;
}

/* map[key] = val; val consumed (also on failure); *ok cleared on failure */
static void put(struct cmfv_node *map, const char *key, struct cmfv_node *val, int *ok)
{
	if (val == NULL) {
		*ok = 0;
		return;
	}
	if (map == NULL) {
		cmfv_node_free(val);
		*ok = 0;
		return;
	}
	if (cmfv_map_set(map, key, noloc, val) != CMFV_OK)
		*ok = 0;
}

/* seq += item; item consumed (also on failure) */
static void push(struct cmfv_node *seq, struct cmfv_node *item, int *ok)
{
	if (item == NULL) {
		*ok = 0;
		return;
	}
	if (seq == NULL) {
		cmfv_node_free(item);
		*ok = 0;
		return;
	}
	if (cmfv_seq_push(seq, item) != CMFV_OK)
		*ok = 0;
}

struct cmfv_node *mnt_new_volume(const struct cmfv_inject_opts *o)
{
	struct cmfv_node *v = cmfv_node_new(CMFV_MAP, noloc), *s = cmfv_node_new(CMFV_MAP, noloc);
	struct cmfv_node *items = cmfv_node_new(CMFV_SEQ, noloc),
			 *it = cmfv_node_new(CMFV_MAP, noloc);
	int ok = 1;

	put(it, "key", mnt_new_str(o->property), &ok);
	put(it, "path", mnt_new_str(mnt_file_name(o)), &ok);
	push(items, it, &ok);
	put(s, "secretName", mnt_new_str(o->secret_name), &ok);
	put(s, "items", items, &ok);
	put(s, "defaultMode", new_scalar(CMFV_INT, CMFV_KEY_MODE), &ok);
	put(s, "optional", new_scalar(CMFV_BOOL, 0), &ok);
	put(v, "name", mnt_new_str(mnt_vol_name(o)), &ok);
	put(v, "secret", s, &ok);
	if (!ok) {
		cmfv_node_free(v);
		return NULL;
	}
	return v;
}

struct cmfv_node *mnt_new_mount(const struct cmfv_inject_opts *o)
{
	struct cmfv_node *m = cmfv_node_new(CMFV_MAP, noloc);
	int ok = 1;

	put(m, "name", mnt_new_str(mnt_vol_name(o)), &ok);
	put(m, "mountPath", mnt_new_str(mnt_mount_path(o)), &ok);
	put(m, "readOnly", new_scalar(CMFV_BOOL, 1), &ok);
	if (!ok) {
		cmfv_node_free(m);
		return NULL;
	}
	return m;
}

/* A one-pair map {key: val}; val consumed. */
struct cmfv_node *mnt_new_pair(const char *key, struct cmfv_node *val)
{
	struct cmfv_node *m = cmfv_node_new(CMFV_MAP, noloc);
	int ok = 1;

	put(m, key, val, &ok);
	if (!ok) {
		cmfv_node_free(m);
		return NULL;
	}
	return m;
}

struct cmfv_node *mnt_new_list(struct cmfv_node *item)
{
	struct cmfv_node *s = cmfv_node_new(CMFV_SEQ, noloc);
	int ok = 1;

	push(s, item, &ok);
	if (!ok) {
		cmfv_node_free(s);
		return NULL;
	}
	return s;
}

/* Append item to map[key] (a list, created when absent or null). */
static int tree_append(struct cmfv_node *map, const char *key, struct cmfv_node *item)
{
	struct cmfv_node *l = cmfv_map_get(map, key);
	int ok = 1;

	if (item == NULL)
		return 0;
	if (mnt_is_absent(l)) {
		l = mnt_new_list(item);
		put(map, key, l, &ok);
		return ok;
	}
	push(l, item, &ok);
	return ok;
}

int mnt_tree_apply(struct cmfv_node *doc, const struct cmfv_inject_opts *o, const struct plan *p)
{
	int ok = 1;

	if (p->add_mount && !tree_append(p->container, "volumeMounts", mnt_new_mount(o)))
		return 0;
	if (p->add_volume && !tree_append(p->pod, "volumes", mnt_new_volume(o)))
		return 0;
	if (p->set_kcv) {
		struct cmfv_node *meta = cmfv_map_get(doc, "metadata");
		struct cmfv_node *ann = cmfv_map_get(meta, "annotations");

		if (mnt_is_absent(ann)) {
			ann = cmfv_node_new(CMFV_MAP, noloc);
			put(meta, "annotations", ann, &ok);
			if (!ok)
				return 0;
		}
		put(ann, CMFV_KCV_ANNOTATION, mnt_new_str(o->kcv), &ok);
	}
	return ok;
}

enum cmfv_err cmfv_inject(struct cmfv_node *doc, const struct cmfv_inject_opts *o,
			  struct cmfv_report *r, int *changed)
{
	struct plan p;
	enum cmfv_err e = mnt_plan(doc, o, r, &p);

	*changed = 0;
	if (e != CMFV_OK || p.blocked)
		return e;
	if (!p.add_volume && !p.add_mount && !p.set_kcv)
		return CMFV_OK;
	if (!mnt_tree_apply(doc, o, &p))
		return CMFV_ENOMEM;
	*changed = 1;
	return CMFV_OK;
}
