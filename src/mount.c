#include "cmfv/mount.h"

#include <string.h>

static const char *str(const struct cmfv_node *n)
{
	return n && n->kind == CMFV_STR ? n->u.s.ptr : NULL;
}

static int str_is(const struct cmfv_node *n, const char *s)
{
	const char *v = str(n);

	return v && s && strcmp(v, s) == 0;
}

enum cmfv_match cmfv_mount_match(const struct cmfv_node *doc, const struct cmfv_mount_opts *o)
{
	const struct cmfv_node *labels;

	if (doc == NULL || doc->kind != CMFV_MAP || !str_is(cmfv_map_get(doc, "kind"), "Deployment"))
		return CMFV_MATCH_NONE;
	if (o->deployment)
		return str_is(cmfv_node_path(doc, "metadata.name"), o->deployment) ? CMFV_MATCH_NAME
										   : CMFV_MATCH_NONE;
	labels = cmfv_node_path(doc, "metadata.labels");
	if (str_is(cmfv_map_get(labels, CMFV_NAME_LABEL), CMFV_DEFAULT_DEPLOYMENT))
		return CMFV_MATCH_LABEL;
	if (str_is(cmfv_node_path(doc, "metadata.name"), CMFV_DEFAULT_DEPLOYMENT))
		return CMFV_MATCH_NAME;
	return CMFV_MATCH_NONE;
}

/* get or create map[key] as a map/seq */
static struct cmfv_node *child(struct cmfv_node *map, const char *key, enum cmfv_kind kind,
			       int *oom)
{
	struct cmfv_node *n = cmfv_map_get(map, key);

	if (n && n->kind == kind)
		return n;
	if (n && n->kind != CMFV_NULL)
		return NULL; /* something else is there: not ours to replace */
	n = cmfv_node_new(kind, map->loc);
	if (n == NULL || cmfv_map_set(map, key, map->loc, n) != CMFV_OK) {
		*oom = 1;
		return NULL;
	}
	return n;
}

static int add_str(struct cmfv_node *map, const char *key, const char *val)
{
	struct cmfv_node *n = cmfv_node_new_str(val, strlen(val), map->loc);

	return n && cmfv_map_set(map, key, map->loc, n) == CMFV_OK;
}

static int add_num(struct cmfv_node *map, const char *key, double v)
{
	struct cmfv_node *n = cmfv_node_new(CMFV_FLOAT, map->loc);

	if (n)
		n->u.f = v;
	return n && cmfv_map_set(map, key, map->loc, n) == CMFV_OK;
}

static int add_bool(struct cmfv_node *map, const char *key, int v)
{
	struct cmfv_node *n = cmfv_node_new(CMFV_BOOL, map->loc);

	if (n)
		n->u.b = v;
	return n && cmfv_map_set(map, key, map->loc, n) == CMFV_OK;
}

/* Is volume v exactly the key volume we would add? */
static int volume_is_ours(const struct cmfv_node *v, const struct cmfv_mount_opts *o)
{
	const struct cmfv_node *sec = cmfv_map_get(v, "secret");
	const struct cmfv_node *items = cmfv_map_get(sec, "items");
	const struct cmfv_node *it;

	if (!str_is(cmfv_map_get(sec, "secretName"), o->secret_name))
		return 0;
	if (items == NULL || items->kind != CMFV_SEQ || items->u.seq.n != 1)
		return 0;
	it = items->u.seq.v[0];
	return str_is(cmfv_map_get(it, "key"), o->property) &&
	       str_is(cmfv_map_get(it, "path"), o->file_name);
}

/* The key volume: {name, secret: {secretName, items: [{key, path}],
 * defaultMode: 0400, optional: false}}. NULL when out of memory. */
static struct cmfv_node *key_volume(const struct cmfv_mount_opts *o, struct cmfv_loc loc)
{
	struct cmfv_node *v = cmfv_node_new(CMFV_MAP, loc), *sec = cmfv_node_new(CMFV_MAP, loc);
	struct cmfv_node *items = cmfv_node_new(CMFV_SEQ, loc), *item = cmfv_node_new(CMFV_MAP, loc);
	int ok = v && sec && items && item;

	ok = ok && add_str(item, "key", o->property) && add_str(item, "path", o->file_name);
	if (ok) {
		ok = cmfv_seq_push(items, item) == CMFV_OK; /* consumes item */
		item = NULL;
	}
	ok = ok && add_str(sec, "secretName", o->secret_name);
	if (ok) {
		ok = cmfv_map_set(sec, "items", loc, items) == CMFV_OK;
		items = NULL;
	}
	ok = ok && add_num(sec, "defaultMode", 256) && add_bool(sec, "optional", 0) &&
	     add_str(v, "name", o->volume_name);
	if (ok) {
		ok = cmfv_map_set(v, "secret", loc, sec) == CMFV_OK;
		sec = NULL;
	}
	cmfv_node_free(item);
	cmfv_node_free(items);
	cmfv_node_free(sec);
	if (!ok) {
		cmfv_node_free(v);
		return NULL;
	}
	return v;
}

enum cmfv_err cmfv_mount(struct cmfv_node *doc, const struct cmfv_mount_opts *o,
			  struct cmfv_report *r, int *changed)
{
	const char *dname = str(cmfv_node_path(doc, "metadata.name"));
	struct cmfv_node *pod = cmfv_node_path(doc, "spec.template.spec"), *containers, *ctr = NULL;
	struct cmfv_node *volumes, *mounts;
	int oom = 0, have_volume = 0, have_mount = 0;
	size_t i;

	*changed = 0;
	if (dname == NULL)
		dname = "?";
	if (pod == NULL || pod->kind != CMFV_MAP) {
		return cmfv_report_add(r, "CMF030", NULL, doc->loc,
				       "Deployment %s has no pod template (spec.template.spec) to mount the key into",
				       dname);
	}
	containers = cmfv_map_get(pod, "containers");
	if (containers && containers->kind == CMFV_SEQ) {
		const char *want = o->container ? o->container : CMFV_DEFAULT_CONTAINER;

		for (i = 0; i < containers->u.seq.n; i++)
			if (str_is(cmfv_map_get(containers->u.seq.v[i], "name"), want))
				ctr = containers->u.seq.v[i];
		/* no `cmf`: the only container is CMF's; --container must exist */
		if (ctr == NULL && o->container == NULL && containers->u.seq.n == 1)
			ctr = containers->u.seq.v[0];
	}
	if (ctr == NULL || ctr->kind != CMFV_MAP)
		return cmfv_report_add(r, "CMF030", NULL, pod->loc,
				       "Deployment %s has no container %s to mount the key into; pass --container NAME",
				       dname, o->container ? o->container : "cmf (and more than one container)");

	volumes = cmfv_map_get(pod, "volumes");
	if (volumes && volumes->kind == CMFV_SEQ) {
		for (i = 0; i < volumes->u.seq.n; i++) {
			const struct cmfv_node *v = volumes->u.seq.v[i];

			if (!str_is(cmfv_map_get(v, "name"), o->volume_name))
				continue;
			if (!volume_is_ours(v, o))
				return cmfv_report_add(
					r, "CMF032", NULL, v->loc,
					"Deployment %s already has a volume named %s that does not project Secret %s, property %s; remove it or pass --volume-name",
					dname, o->volume_name, o->secret_name, o->property);
			have_volume = 1;
		}
	}
	mounts = cmfv_map_get(ctr, "volumeMounts");
	if (mounts && mounts->kind == CMFV_SEQ) {
		for (i = 0; i < mounts->u.seq.n; i++) {
			const struct cmfv_node *m = mounts->u.seq.v[i];
			int same_name = str_is(cmfv_map_get(m, "name"), o->volume_name);
			int same_path = str_is(cmfv_map_get(m, "mountPath"), o->mount_path);
			const struct cmfv_node *ro = cmfv_map_get(m, "readOnly");

			if (!same_name && !same_path)
				continue;
			if (same_name && !(same_path && ro && ro->kind == CMFV_BOOL && ro->u.b &&
					   cmfv_map_get(m, "subPath") == NULL))
				return cmfv_report_add(
					r, "CMF032", NULL, m->loc,
					"in Deployment %s the mount of volume %s is not at %s read-only; remove it or pass --volume-name",
					dname, o->volume_name, o->mount_path);
			if (!same_name)
				return cmfv_report_add(
					r, "CMF032", NULL, m->loc,
					"in Deployment %s another volume is already mounted at %s; remove it or pass --mount-path",
					dname, o->mount_path);
			have_mount = 1;
		}
	}
	if (!have_volume) {
		struct cmfv_node *v;

		volumes = child(pod, "volumes", CMFV_SEQ, &oom);
		if (volumes == NULL)
			return oom ? CMFV_ENOMEM
				   : cmfv_report_add(r, "CMF032", NULL, pod->loc,
						     "Deployment %s: spec.template.spec.volumes is not a list", dname);
		v = key_volume(o, pod->loc);
		if (v == NULL || cmfv_seq_push(volumes, v) != CMFV_OK)
			return CMFV_ENOMEM;
		*changed = 1;
	}
	if (!have_mount) {
		struct cmfv_node *m;

		mounts = child(ctr, "volumeMounts", CMFV_SEQ, &oom);
		if (mounts == NULL)
			return oom ? CMFV_ENOMEM
				   : cmfv_report_add(r, "CMF032", NULL, ctr->loc,
						     "Deployment %s: the container's volumeMounts is not a list", dname);
		m = cmfv_node_new(CMFV_MAP, ctr->loc);
		if (m == NULL || !add_str(m, "name", o->volume_name) ||
		    !add_str(m, "mountPath", o->mount_path) || !add_bool(m, "readOnly", 1)) {
			cmfv_node_free(m);
			return CMFV_ENOMEM;
		}
		if (cmfv_seq_push(mounts, m) != CMFV_OK)
			return CMFV_ENOMEM;
		*changed = 1;
	}
	if (o->kcv) {
		struct cmfv_node *meta = child(doc, "metadata", CMFV_MAP, &oom), *ann;

		if (meta == NULL)
			return oom ? CMFV_ENOMEM : CMFV_OK;
		ann = child(meta, "annotations", CMFV_MAP, &oom);
		if (ann == NULL)
			return oom ? CMFV_ENOMEM : CMFV_OK;
		if (!str_is(cmfv_map_get(ann, CMFV_KCV_ANNOTATION), o->kcv)) {
			if (!add_str(ann, CMFV_KCV_ANNOTATION, o->kcv))
				return CMFV_ENOMEM;
			*changed = 1;
		}
	}
	return CMFV_OK;
}
