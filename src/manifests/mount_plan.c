/* The key mount, decided on the loaded tree (what Kubernetes will see, with
 * aliases and merges resolved): is this the CMF Deployment, which container,
 * what must be added, or which finding (CMF030-CMF032) blocks it. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmfv/json.h"

#include "mount.h"

const char *mnt_vol_name(const struct cmfv_inject_opts *o)
{
	return o->volume_name && o->volume_name[0] ? o->volume_name : CMFV_DEFAULT_VOLUME;
}

const char *mnt_mount_path(const struct cmfv_inject_opts *o)
{
	return o->mount_path && o->mount_path[0] ? o->mount_path : CMFV_DEFAULT_MOUNT_PATH;
}

const char *mnt_file_name(const struct cmfv_inject_opts *o)
{
	return o->file_name && o->file_name[0] ? o->file_name : CMFV_DEFAULT_FILE;
}

const char *mnt_in_name(const struct cmfv_inject_opts *o)
{
	return o->file ? o->file : STDIN_NAME;
}

int mnt_is_absent(const struct cmfv_node *n)
{
	return n == NULL || n->kind == CMFV_NULL;
}

/* ------------------------------------------------------------ matching */

enum cmfv_match cmfv_inject_match(const struct cmfv_node *doc, const struct cmfv_inject_opts *o)
{
	const struct cmfv_node *meta, *labels, *ann;

	if (!cmfv_is_map(doc) || !cmfv_str_is(cmfv_map_get(doc, "kind"), "Deployment"))
		return CMFV_MATCH_NONE;
	meta = cmfv_map_get(doc, "metadata");
	ann = cmfv_map_get(meta, "annotations");
	if (cmfv_is_map(ann) && cmfv_map_get(ann, CMFV_HOOK_ANNOTATION))
		return CMFV_MATCH_NONE; /* hooks pass through untouched */
	if (o->deployment)
		return cmfv_str_is(cmfv_map_get(meta, "name"), o->deployment) ? CMFV_MATCH_NAME
									      : CMFV_MATCH_NONE;
	labels = cmfv_map_get(meta, "labels");
	if (cmfv_str_is(cmfv_map_get(labels, CMFV_NAME_LABEL), CMFV_DEFAULT_DEPLOYMENT))
		return CMFV_MATCH_LABEL;
	if (cmfv_str_is(cmfv_map_get(meta, "name"), CMFV_DEFAULT_DEPLOYMENT))
		return CMFV_MATCH_NAME;
	return CMFV_MATCH_NONE;
}

/* ------------------------------------------------------------- the plan */

static enum cmfv_err finding(struct cmfv_report *r, enum cmfv_rule_id id,
			     const struct cmfv_node *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum cmfv_err finding(struct cmfv_report *r, enum cmfv_rule_id id,
			     const struct cmfv_node *at, const char *fmt, ...)
{
	char msg[768];
	struct cmfv_loc none = {NULL, 0, 0};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cmfv_report_add(r, id, NULL, at ? at->loc : none, "%s", msg);
}

static int is_number(const struct cmfv_node *n, double v)
{
	return n && ((n->kind == CMFV_FLOAT && n->u.f == v) ||
		     (n->kind == CMFV_INT && (double)n->u.i == v));
}

/* Are all of map \p m's keys in \p keys (NULL-terminated)? */
static int only_keys(const struct cmfv_node *m, const char *const *keys)
{
	size_t i, k;

	for (i = 0; i < m->u.map.n; i++) {
		for (k = 0; keys[k]; k++)
			if (strcmp(m->u.map.v[i].key, keys[k]) == 0)
				break;
		if (keys[k] == NULL)
			return 0;
	}
	return 1;
}

/* Paths compare without trailing slashes: /a/b/ is /a/b. */
/* \p in as Go's path.Clean makes it (the kubelet cleans mount paths):
 * no "//", no "." element, ".." resolved, no trailing '/'. \p out holds
 * strlen(in) + 2. */
static void clean_path(const char *in, char *out)
{
	int rooted = in[0] == '/';
	size_t w = 0, floor = rooted ? 1 : 0;
	const char *p = in;

	if (rooted)
		out[w++] = '/';
	while (*p) {
		const char *e = p + strcspn(p, "/");
		size_t n = (size_t)(e - p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (w > floor) {
				while (w > floor && out[w - 1] != '/')
					w--;
				if (w > floor)
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.', out[w++] = '.';
				floor = w;
			}
		} else {
			if (w > (rooted ? 1u : 0u))
				out[w++] = '/';
			memcpy(out + w, p, n);
			w += n;
		}
		p = *e ? e + 1 : e;
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = 0;
}

/* How mount path \p a stands to the key's mount path \p b, both cleaned:
 * 0 apart, 1 the same, 2 \p a inside \p b (it covers the key file or
 * the directory), 3 \p a above \p b (the deeper key mount goes over it). */
static int path_rel(const char *a, const char *b)
{
	char ca[4100], cb[4100];
	size_t la, lb;

	if (a == NULL || b == NULL)
		return 0;
	if (strlen(a) > 4096 || strlen(b) > 4096)
		return 1; /* blocked: judged as the same */
	clean_path(a, ca);
	clean_path(b, cb);
	la = strlen(ca);
	lb = strlen(cb);
	if (strcmp(ca, cb) == 0)
		return 1;
	if (la > lb && strncmp(ca, cb, lb) == 0 && (ca[lb] == '/' || cb[lb - 1] == '/'))
		return 2;
	if (lb > la && strncmp(cb, ca, la) == 0 && (cb[la] == '/' || ca[la - 1] == '/'))
		return 3;
	return 0;
}

static int same_path(const char *a, const char *b)
{
	return path_rel(a, b) == 1;
}

/* Is volume \p v exactly the one we would add? If not, why not. */
static int volume_is_ours(const struct cmfv_node *v, const struct cmfv_inject_opts *o, char *why,
			  size_t n)
{
	static const char *const vkeys[] = {"name", "secret", NULL};
	static const char *const skeys[] = {"secretName", "items", "defaultMode", "optional", NULL};
	static const char *const ikeys[] = {"key", "path", NULL};
	const struct cmfv_node *s = cmfv_map_get(v, "secret"), *items, *it, *mode, *opt;

	if (!cmfv_is_map(s) || !only_keys(v, vkeys)) {
		snprintf(why, n, "is not a Secret volume");
		return 0;
	}
	if (!cmfv_str_is(cmfv_map_get(s, "secretName"), o->secret_name)) {
		snprintf(why, n, "mounts Secret %s, not %s",
			 cmfv_str(cmfv_map_get(s, "secretName"))
			     ? cmfv_str(cmfv_map_get(s, "secretName"))
			     : "(none)",
			 o->secret_name);
		return 0;
	}
	items = cmfv_map_get(s, "items");
	it = items && items->kind == CMFV_SEQ && items->u.seq.n == 1 ? items->u.seq.v[0] : NULL;
	if (!cmfv_is_map(it) || !only_keys(it, ikeys) ||
	    !cmfv_str_is(cmfv_map_get(it, "key"), o->property) ||
	    !cmfv_str_is(cmfv_map_get(it, "path"), mnt_file_name(o))) {
		snprintf(why, n, "does not project just the key %s to the file %s", o->property,
			 mnt_file_name(o));
		return 0;
	}
	mode = cmfv_map_get(s, "defaultMode");
	if (!is_number(mode, CMFV_KEY_MODE)) {
		snprintf(why, n, "has no defaultMode 0400");
		return 0;
	}
	opt = cmfv_map_get(s, "optional");
	if (!mnt_is_absent(opt) && !(opt->kind == CMFV_BOOL && opt->u.b == 0)) {
		snprintf(why, n, "is not optional: false");
		return 0;
	}
	if (!only_keys(s, skeys)) {
		snprintf(why, n, "has other settings");
		return 0;
	}
	return 1;
}

/* Comma-separated container names, for messages. */
static void container_names(const struct cmfv_node *cs, char *buf, size_t n)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < cs->u.seq.n && used + 1 < n; i++) {
		const char *nm = cmfv_str(cmfv_map_get(cs->u.seq.v[i], "name"));
		int w =
		    snprintf(buf + used, n - used, "%s%s", i ? ", " : "", nm ? nm : "(unnamed)");

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static enum cmfv_err pick_container(const struct cmfv_inject_opts *o, struct plan *p,
				    const struct cmfv_node *doc, struct cmfv_report *r)
{
	const struct cmfv_node *cs = cmfv_map_get(p->pod, "containers");
	const char *want = o->container ? o->container : CMFV_DEFAULT_CONTAINER;
	char names[256];
	size_t i;

	if (cs == NULL || cs->kind != CMFV_SEQ || cs->u.seq.n == 0) {
		p->blocked = 1;
		return finding(r, CMFV_CMF030, cmfv_map_get(doc, "kind"),
			       "Deployment %s has no containers to mount the key into", p->deploy);
	}
	for (i = 0; i < cs->u.seq.n; i++)
		if (cmfv_str_is(cmfv_map_get(cs->u.seq.v[i], "name"), want))
			break;
	if (i == cs->u.seq.n && o->container == NULL && cs->u.seq.n == 1)
		i = 0;
	if (i < cs->u.seq.n && cmfv_is_map(cs->u.seq.v[i])) {
		p->container = cs->u.seq.v[i];
		p->cidx = i;
		return CMFV_OK;
	}
	p->blocked = 1;
	container_names(cs, names, sizeof(names));
	if (o->container)
		return finding(
		    r, CMFV_CMF030, cs,
		    "Deployment %s has no container %s to mount the key into (containers: %s)",
		    p->deploy, o->container, names);
	return finding(r, CMFV_CMF031, cs,
		       "Deployment %s has %zu containers and none is named %s: pass --container "
		       "NAME (containers: %s)",
		       p->deploy, cs->u.seq.n, CMFV_DEFAULT_CONTAINER, names);
}

static enum cmfv_err check_volumes(const struct cmfv_inject_opts *o, struct plan *p,
				   struct cmfv_report *r)
{
	const struct cmfv_node *vs = cmfv_map_get(p->pod, "volumes");
	char why[256];
	size_t i;
	enum cmfv_err e = CMFV_OK;

	p->add_volume = 1;
	if (mnt_is_absent(vs))
		return CMFV_OK;
	if (vs->kind != CMFV_SEQ) {
		p->blocked = 1;
		return finding(r, CMFV_CMF032, vs,
			       "Deployment %s: spec.template.spec.volumes is a %s, not a list",
			       p->deploy, cmfv_kind_name(vs->kind));
	}
	for (i = 0; i < vs->u.seq.n && e == CMFV_OK; i++) {
		const struct cmfv_node *v = vs->u.seq.v[i];

		if (!cmfv_str_is(cmfv_map_get(v, "name"), mnt_vol_name(o)))
			continue;
		if (volume_is_ours(v, o, why, sizeof(why))) {
			p->add_volume = 0;
			continue;
		}
		p->blocked = 1;
		e = finding(r, CMFV_CMF032, v, "Deployment %s already has a volume %s that %s",
			    p->deploy, mnt_vol_name(o), why);
	}
	return e;
}

static enum cmfv_err check_mounts(const struct cmfv_inject_opts *o, struct plan *p,
				  struct cmfv_report *r)
{
	static const char *const mkeys[] = {"name", "mountPath", "readOnly", NULL};
	const struct cmfv_node *ms = cmfv_map_get(p->container, "volumeMounts");
	const char *cname = cmfv_str(cmfv_map_get(p->container, "name"));
	size_t i;
	enum cmfv_err e = CMFV_OK;

	if (cname == NULL)
		cname = "(unnamed)";
	p->add_mount = 1;
	if (mnt_is_absent(ms))
		return CMFV_OK;
	if (ms->kind != CMFV_SEQ) {
		p->blocked = 1;
		return finding(r, CMFV_CMF032, ms, "container %s: volumeMounts is a %s, not a list",
			       cname, cmfv_kind_name(ms->kind));
	}
	for (i = 0; i < ms->u.seq.n && e == CMFV_OK; i++) {
		const struct cmfv_node *m = ms->u.seq.v[i], *ro;
		const char *name = cmfv_str(cmfv_map_get(m, "name"));
		const char *path = cmfv_str(cmfv_map_get(m, "mountPath"));
		int same_name = name && strcmp(name, mnt_vol_name(o)) == 0;

		int rel = path_rel(path, mnt_mount_path(o));

		/* a mount above the key's directory hides nothing: the runtime
		 * mounts the deeper path over it */
		if (!same_name && (rel == 0 || rel == 3))
			continue;
		ro = cmfv_map_get(m, "readOnly");
		if (same_name && same_path(path, mnt_mount_path(o)) && ro &&
		    ro->kind == CMFV_BOOL && ro->u.b && only_keys(m, mkeys)) {
			p->add_mount = 0;
			continue;
		}
		p->blocked = 1;
		if (!same_name && rel == 2)
			e = finding(r, CMFV_CMF032, m,
				    "container %s mounts volume %s at %s, inside %s where the key "
				    "is mounted: it hides the key",
				    cname, name ? name : "(unnamed)", path, mnt_mount_path(o));
		else if (!same_name)
			e = finding(r, CMFV_CMF032, m,
				    "container %s already mounts volume %s at %s", cname,
				    name ? name : "(unnamed)", mnt_mount_path(o));
		else if (!same_path(path, mnt_mount_path(o)))
			e = finding(r, CMFV_CMF032, m,
				    "container %s already mounts volume %s at %s, not at %s", cname,
				    name, path ? path : "(no path)", mnt_mount_path(o));
		else
			e = finding(
			    r, CMFV_CMF032, m,
			    "container %s already mounts volume %s at %s, but not just read-only",
			    cname, name, mnt_mount_path(o));
	}
	return e;
}

/* Decide what to add, with findings for what blocks it. */
enum cmfv_err mnt_plan(struct cmfv_node *doc, const struct cmfv_inject_opts *o,
		       struct cmfv_report *r, struct plan *p)
{
	struct cmfv_node *meta = cmfv_map_get(doc, "metadata"), *spec, *tmpl, *ann;
	enum cmfv_err e;

	memset(p, 0, sizeof(*p));
	p->deploy = cmfv_str(cmfv_map_get(meta, "name"));
	if (p->deploy == NULL)
		p->deploy = "(unnamed)";
	spec = cmfv_map_get(doc, "spec");
	tmpl = cmfv_map_get(spec, "template");
	p->pod = cmfv_map_get(tmpl, "spec");
	if (!cmfv_is_map(p->pod)) {
		p->blocked = 1;
		return finding(r, CMFV_CMF030, cmfv_map_get(doc, "kind"),
			       "Deployment %s has no pod template (spec.template.spec)", p->deploy);
	}
	e = pick_container(o, p, doc, r);
	if (e != CMFV_OK || p->blocked)
		return e;
	e = check_volumes(o, p, r);
	if (e == CMFV_OK)
		e = check_mounts(o, p, r);
	if (e != CMFV_OK || !o->kcv)
		return e;
	ann = cmfv_map_get(meta, "annotations");
	if (!cmfv_is_map(meta) || (!mnt_is_absent(ann) && !cmfv_is_map(ann))) {
		p->blocked = 1;
		return finding(r, CMFV_CMF032, ann ? ann : meta,
			       "Deployment %s: metadata.annotations is not a map", p->deploy);
	}
	p->set_kcv = !cmfv_str_is(cmfv_map_get(ann, CMFV_KCV_ANNOTATION), o->kcv);
	return CMFV_OK;
}
