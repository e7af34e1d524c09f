/* The config file a CMF container names: its args/command, through the
 * volumeMount and the configMap/projected volume, to a ConfigMap data key. */
#include <stdio.h>
#include <string.h>

#include "finder_int.h"

/* ------------------------------------------- the config file it names */

static const char *name_of(const struct cmfv_node *c)
{
	const char *n = cmfv_str(cmfv_map_get(c, "name"));

	return n ? n : "(unnamed)";
}

/* The CMF container: with --container, that one (and no other may run the
 * CMF image); else the one running the CMF image or named cmf, else the
 * only one. An init container running CMF (a native sidecar runs for the
 * pod's life), or two candidates, is a problem: no guessing. */
static const struct cmfv_node *choose_container(const struct cmfv_node *pod,
						const struct cmfv_inject_opts *o,
						struct cmfv_instance *in)
{
	const struct cmfv_node *cs = cmfv_map_get(pod, "containers");
	const struct cmfv_node *ics = cmfv_map_get(pod, "initContainers");
	const struct cmfv_node *pick = NULL;
	char names[300] = "";
	size_t i, n = 0, used = 0;

	for (i = 0; cmfv_is_seq(ics) && i < ics->u.seq.n; i++)
		if (fnd_image_of_cmf(ics->u.seq.v[i])) {
			snprintf(
			    in->problem, sizeof(in->problem),
			    "init container %s runs the CMF image, and post-render mounts the key "
			    "into containers only",
			    name_of(ics->u.seq.v[i]));
			return NULL;
		}
	for (i = 0; cmfv_is_seq(cs) && i < cs->u.seq.n; i++) {
		const struct cmfv_node *c = cs->u.seq.v[i];
		int named = cmfv_str_is(cmfv_map_get(c, "name"),
					o->container ? o->container : CMFV_DEFAULT_CONTAINER);

		if (o->container && named) {
			pick = c;
			continue;
		}
		if (o->container ? fnd_image_of_cmf(c) : named || fnd_image_of_cmf(c)) {
			int w = snprintf(names + used, sizeof(names) - used, "%s%s", n ? ", " : "",
					 name_of(c));

			if (w > 0 && (size_t)w < sizeof(names) - used)
				used += (size_t)w;
			n++;
			if (!o->container)
				pick = c;
		}
	}
	if (o->container && n > 0) {
		snprintf(in->problem, sizeof(in->problem),
			 "--container names %s, but container %s runs the CMF image too",
			 o->container, names);
		return NULL;
	}
	if (!o->container && n > 1) {
		snprintf(in->problem, sizeof(in->problem),
			 "%zu containers could run CMF (%s): pass --container NAME", n, names);
		return NULL;
	}
	if (pick == NULL && !o->container && cmfv_is_seq(cs) && cs->u.seq.n == 1)
		pick = cs->u.seq.v[0];
	if (pick)
		fnd_copy_cstr(in->container, sizeof(in->container), name_of(pick));
	return pick;
}

/* The volume mount holding \p path (the longest mountPath), with the path
 * inside the volume in \p rel. */
static const struct cmfv_node *mount_of(const struct cmfv_node *c, const char *path, char *rel,
					size_t reln)
{
	const struct cmfv_node *ms = cmfv_map_get(c, "volumeMounts"), *best = NULL;
	size_t i, bestlen = 0;

	for (i = 0; cmfv_is_seq(ms) && i < ms->u.seq.n; i++) {
		const char *mp = cmfv_str(cmfv_map_get(ms->u.seq.v[i], "mountPath"));
		size_t n = mp ? strlen(mp) : 0;

		while (n > 1 && mp[n - 1] == '/')
			n--;
		if (n == 0 || strncmp(path, mp, n) != 0)
			continue;
		if ((path[n] == '/' || path[n] == '\0' || n == 1) && n >= bestlen) {
			best = ms->u.seq.v[i];
			bestlen = n;
		}
	}
	if (best) {
		const char *sub = cmfv_str(cmfv_map_get(best, "subPath"));
		const char *rest = path + bestlen;

		while (*rest == '/')
			rest++;
		if (sub && sub[0])
			snprintf(rel, reln, "%s%s%s", sub, rest[0] ? "/" : "", rest);
		else
			snprintf(rel, reln, "%s", rest);
	}
	return best;
}

/* In a configMap volume source \p cm, the data key shown as file \p rel. */
static const char *key_for(const struct cmfv_node *cm, const char *rel)
{
	const struct cmfv_node *items = cmfv_map_get(cm, "items");
	size_t i;

	if (items == NULL || items->kind == CMFV_NULL)
		return rel[0] && !strchr(rel, '/') ? rel : NULL;
	for (i = 0; cmfv_is_seq(items) && i < items->u.seq.n; i++)
		if (cmfv_str_is(cmfv_map_get(items->u.seq.v[i], "path"), rel))
			return cmfv_str(cmfv_map_get(items->u.seq.v[i], "key"));
	return NULL;
}

/* Remember file \p path on ConfigMap \p cm (key \p key), once. */
static void add_file(struct cmfv_instance *in, const char *path, const char *cm, const char *key)
{
	size_t i;

	for (i = 0; i < in->nfiles; i++)
		if (strcmp(in->files[i].cm_name, cm) == 0 && strcmp(in->files[i].cm_key, key) == 0)
			return;
	if (in->nfiles == sizeof(in->files) / sizeof(in->files[0])) {
		snprintf(in->problem, sizeof(in->problem),
			 "its CMF container names more than %zu configuration files",
			 sizeof(in->files) / sizeof(in->files[0]));
		return;
	}
	fnd_copy_cstr(in->files[in->nfiles].file, sizeof(in->files[0].file), path);
	fnd_copy_cstr(in->files[in->nfiles].cm_name, sizeof(in->files[0].cm_name), cm);
	fnd_copy_cstr(in->files[in->nfiles].cm_key, sizeof(in->files[0].cm_key), key);
	in->nfiles++;
}

/* The ConfigMap and key behind file \p rel of volume \p vname, if any. */
static void volume_config(const struct cmfv_node *pod, const char *vname, const char *path,
			  const char *rel, struct cmfv_instance *in)
{
	const struct cmfv_node *vs = cmfv_map_get(pod, "volumes"), *v = NULL, *cm, *srcs;
	const char *key;
	size_t i;

	for (i = 0; cmfv_is_seq(vs) && i < vs->u.seq.n; i++)
		if (cmfv_str_is(cmfv_map_get(vs->u.seq.v[i], "name"), vname))
			v = vs->u.seq.v[i];
	cm = cmfv_map_get(v, "configMap");
	if (cmfv_is_map(cm) && cmfv_str(cmfv_map_get(cm, "name")) &&
	    (key = key_for(cm, rel)) != NULL)
		add_file(in, path, cmfv_str(cmfv_map_get(cm, "name")), key);
	srcs = cmfv_map_get(cmfv_map_get(v, "projected"), "sources");
	for (i = 0; cmfv_is_seq(srcs) && i < srcs->u.seq.n; i++) {
		cm = cmfv_map_get(srcs->u.seq.v[i], "configMap");
		if (cmfv_is_map(cm) && cmfv_str(cmfv_map_get(cm, "name")) &&
		    (key = key_for(cm, rel)) != NULL)
			add_file(in, path, cmfv_str(cmfv_map_get(cm, "name")), key);
	}
}

/* Every absolute path in \p s, a word at a time: an argument may be a
 * shell command or --option=PATH. */
static void paths_in(const struct cmfv_node *c, const struct cmfv_node *pod, const char *s,
		     struct cmfv_instance *in)
{
	static const char seps[] = " \t\n\r=,;:'\"`()";
	const char *p = s;

	while (*p) {
		size_t n;
		char path[512], rel[512];
		const struct cmfv_node *m;

		p += strspn(p, seps);
		n = strcspn(p, seps);
		if (n == 0)
			break;
		if (p[0] == '/' && n < sizeof(path)) {
			memcpy(path, p, n);
			path[n] = '\0';
			m = mount_of(c, path, rel, sizeof(rel));
			if (m && cmfv_str(cmfv_map_get(m, "name")))
				volume_config(pod, cmfv_str(cmfv_map_get(m, "name")), path, rel,
					      in);
		}
		p += n;
	}
}

/* Every configuration file the CMF container names in its args and command
 * that lies on a ConfigMap volume (docs/post-render.md, "How post-render decides": the chart passes
 * /opt/config/cmf-config.yaml). All of them are read and merged: which one
 * a wrapper script really hands CMF cannot be known. */
void fnd_config_ref(const struct cmfv_node *doc, const struct cmfv_inject_opts *o,
		    struct cmfv_instance *in)
{
	const struct cmfv_node *pod = fnd_pod_spec(doc), *c = choose_container(pod, o, in);
	static const char *const lists[] = {"args", "command"};
	size_t l, i;

	in->cfg = CMFV_CFG_NO_REF;
	for (l = 0; c && l < 2; l++) {
		const struct cmfv_node *a = cmfv_map_get(c, lists[l]);

		for (i = 0; cmfv_is_seq(a) && i < a->u.seq.n; i++)
			if (cmfv_str(a->u.seq.v[i]))
				paths_in(c, pod, cmfv_str(a->u.seq.v[i]), in);
	}
	if (in->nfiles > 0) {
		in->cfg = CMFV_CFG_MISSING; /* until paired */
		fnd_copy_cstr(in->cfg_file, sizeof(in->cfg_file), in->files[0].file);
		fnd_copy_cstr(in->cm_name, sizeof(in->cm_name), in->files[0].cm_name);
		fnd_copy_cstr(in->cm_key, sizeof(in->cm_key), in->files[0].cm_key);
	}
}
