/* The key mount: decide on the loaded tree (what Kubernetes will see, with
 * aliases and merges resolved), then edit the document's text. Every text
 * edit is checked by loading the result again: it must equal the tree with
 * the mount added, or the document is written as JSON from that tree. */
#include "cmfv/inject.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "cmfv/alloc.h"
#include "cmfv/json.h"
#include "cmfv/scalar.h"
#include "cmfv/yaml.h"

#define STDIN_NAME "<stdin>"

static const char *vol_name(const struct cmfv_inject_opts *o)
{
	return o->volume_name && o->volume_name[0] ? o->volume_name : CMFV_DEFAULT_VOLUME;
}

static const char *mount_path(const struct cmfv_inject_opts *o)
{
	return o->mount_path && o->mount_path[0] ? o->mount_path : CMFV_DEFAULT_MOUNT_PATH;
}

static const char *file_name(const struct cmfv_inject_opts *o)
{
	return o->file_name && o->file_name[0] ? o->file_name : CMFV_DEFAULT_FILE;
}

static const char *in_name(const struct cmfv_inject_opts *o)
{
	return o->file ? o->file : STDIN_NAME;
}

static int is_absent(const struct cmfv_node *n)
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

struct plan {
	const char *deploy;	     /* metadata.name */
	struct cmfv_node *pod;	     /* spec.template.spec */
	struct cmfv_node *container; /* the CMF container */
	size_t cidx;
	int add_volume, add_mount, set_kcv;
	int blocked; /* a finding stops the injection */
};

static enum cmfv_err finding(struct cmfv_report *r, enum cmfv_rule_id id, const struct cmfv_node *at,
			     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum cmfv_err finding(struct cmfv_report *r, enum cmfv_rule_id id, const struct cmfv_node *at,
			     const char *fmt, ...)
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
static int same_path(const char *a, const char *b)
{
	size_t la, lb;

	if (a == NULL || b == NULL)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	return la == lb && memcmp(a, b, la) == 0;
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
			 cmfv_str(cmfv_map_get(s, "secretName")) ? cmfv_str(cmfv_map_get(s, "secretName"))
							    : "(none)",
			 o->secret_name);
		return 0;
	}
	items = cmfv_map_get(s, "items");
	it = items && items->kind == CMFV_SEQ && items->u.seq.n == 1 ? items->u.seq.v[0] : NULL;
	if (!cmfv_is_map(it) || !only_keys(it, ikeys) || !cmfv_str_is(cmfv_map_get(it, "key"), o->property) ||
	    !cmfv_str_is(cmfv_map_get(it, "path"), file_name(o))) {
		snprintf(why, n, "does not project just the key %s to the file %s", o->property,
			 file_name(o));
		return 0;
	}
	mode = cmfv_map_get(s, "defaultMode");
	if (!is_number(mode, CMFV_KEY_MODE)) {
		snprintf(why, n, "has no defaultMode 0400");
		return 0;
	}
	opt = cmfv_map_get(s, "optional");
	if (!is_absent(opt) && !(opt->kind == CMFV_BOOL && opt->u.b == 0)) {
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
	if (is_absent(vs))
		return CMFV_OK;
	if (vs->kind != CMFV_SEQ) {
		p->blocked = 1;
		return finding(r, CMFV_CMF032, vs,
			       "Deployment %s: spec.template.spec.volumes is a %s, not a list",
			       p->deploy, cmfv_kind_name(vs->kind));
	}
	for (i = 0; i < vs->u.seq.n && e == CMFV_OK; i++) {
		const struct cmfv_node *v = vs->u.seq.v[i];

		if (!cmfv_str_is(cmfv_map_get(v, "name"), vol_name(o)))
			continue;
		if (volume_is_ours(v, o, why, sizeof(why))) {
			p->add_volume = 0;
			continue;
		}
		p->blocked = 1;
		e = finding(r, CMFV_CMF032, v, "Deployment %s already has a volume %s that %s",
			    p->deploy, vol_name(o), why);
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
	if (is_absent(ms))
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
		int same_name = name && strcmp(name, vol_name(o)) == 0;

		if (!same_name && !same_path(path, mount_path(o)))
			continue;
		ro = cmfv_map_get(m, "readOnly");
		if (same_name && same_path(path, mount_path(o)) && ro && ro->kind == CMFV_BOOL &&
		    ro->u.b && only_keys(m, mkeys)) {
			p->add_mount = 0;
			continue;
		}
		p->blocked = 1;
		if (!same_name)
			e = finding(r, CMFV_CMF032, m, "container %s already mounts volume %s at %s",
				    cname, name ? name : "(unnamed)", mount_path(o));
		else if (!same_path(path, mount_path(o)))
			e = finding(r, CMFV_CMF032, m,
				    "container %s already mounts volume %s at %s, not at %s", cname,
				    name, path ? path : "(no path)", mount_path(o));
		else
			e = finding(
			    r, CMFV_CMF032, m,
			    "container %s already mounts volume %s at %s, but not just read-only",
			    cname, name, mount_path(o));
	}
	return e;
}

/* Decide what to add, with findings for what blocks it. */
static enum cmfv_err make_plan(struct cmfv_node *doc, const struct cmfv_inject_opts *o,
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
	if (!cmfv_is_map(meta) || (!is_absent(ann) && !cmfv_is_map(ann))) {
		p->blocked = 1;
		return finding(r, CMFV_CMF032, ann ? ann : meta,
			       "Deployment %s: metadata.annotations is not a map", p->deploy);
	}
	p->set_kcv = !cmfv_str_is(cmfv_map_get(ann, CMFV_KCV_ANNOTATION), o->kcv);
	return CMFV_OK;
}

/* ------------------------------------------------------ new tree nodes */

static const struct cmfv_loc noloc = {NULL, 0, 0};

static struct cmfv_node *new_str(const char *s)
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

static struct cmfv_node *new_volume(const struct cmfv_inject_opts *o)
{
	struct cmfv_node *v = cmfv_node_new(CMFV_MAP, noloc), *s = cmfv_node_new(CMFV_MAP, noloc);
	struct cmfv_node *items = cmfv_node_new(CMFV_SEQ, noloc),
			 *it = cmfv_node_new(CMFV_MAP, noloc);
	int ok = 1;

	put(it, "key", new_str(o->property), &ok);
	put(it, "path", new_str(file_name(o)), &ok);
	push(items, it, &ok);
	put(s, "secretName", new_str(o->secret_name), &ok);
	put(s, "items", items, &ok);
	put(s, "defaultMode", new_scalar(CMFV_INT, CMFV_KEY_MODE), &ok);
	put(s, "optional", new_scalar(CMFV_BOOL, 0), &ok);
	put(v, "name", new_str(vol_name(o)), &ok);
	put(v, "secret", s, &ok);
	if (!ok) {
		cmfv_node_free(v);
		return NULL;
	}
	return v;
}

static struct cmfv_node *new_mount(const struct cmfv_inject_opts *o)
{
	struct cmfv_node *m = cmfv_node_new(CMFV_MAP, noloc);
	int ok = 1;

	put(m, "name", new_str(vol_name(o)), &ok);
	put(m, "mountPath", new_str(mount_path(o)), &ok);
	put(m, "readOnly", new_scalar(CMFV_BOOL, 1), &ok);
	if (!ok) {
		cmfv_node_free(m);
		return NULL;
	}
	return m;
}

/* A one-pair map {key: val}; val consumed. */
static struct cmfv_node *new_pair(const char *key, struct cmfv_node *val)
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

static struct cmfv_node *new_list(struct cmfv_node *item)
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
	if (is_absent(l)) {
		l = new_list(item);
		put(map, key, l, &ok);
		return ok;
	}
	push(l, item, &ok);
	return ok;
}

static int tree_apply(struct cmfv_node *doc, const struct cmfv_inject_opts *o, const struct plan *p)
{
	int ok = 1;

	if (p->add_mount && !tree_append(p->container, "volumeMounts", new_mount(o)))
		return 0;
	if (p->add_volume && !tree_append(p->pod, "volumes", new_volume(o)))
		return 0;
	if (p->set_kcv) {
		struct cmfv_node *meta = cmfv_map_get(doc, "metadata");
		struct cmfv_node *ann = cmfv_map_get(meta, "annotations");

		if (is_absent(ann)) {
			ann = cmfv_node_new(CMFV_MAP, noloc);
			put(meta, "annotations", ann, &ok);
			if (!ok)
				return 0;
		}
		put(ann, CMFV_KCV_ANNOTATION, new_str(o->kcv), &ok);
	}
	return ok;
}

enum cmfv_err cmfv_inject(struct cmfv_node *doc, const struct cmfv_inject_opts *o,
			  struct cmfv_report *r, int *changed)
{
	struct plan p;
	enum cmfv_err e = make_plan(doc, o, r, &p);

	*changed = 0;
	if (e != CMFV_OK || p.blocked)
		return e;
	if (!p.add_volume && !p.add_mount && !p.set_kcv)
		return CMFV_OK;
	if (!tree_apply(doc, o, &p))
		return CMFV_ENOMEM;
	*changed = 1;
	return CMFV_OK;
}

/* Deep equality of two trees (map key order does not matter). */
static int tree_equal(const struct cmfv_node *a, const struct cmfv_node *b)
{
	size_t i;
	int na = a->kind == CMFV_INT || a->kind == CMFV_FLOAT;
	int nb = b->kind == CMFV_INT || b->kind == CMFV_FLOAT;

	if (a->kind != b->kind && !(na && nb))
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
			if (!tree_equal(a->u.seq.v[i], b->u.seq.v[i]))
				return 0;
		return 1;
	case CMFV_MAP:
		if (a->u.map.n != b->u.map.n)
			return 0;
		for (i = 0; i < a->u.map.n; i++) {
			const struct cmfv_node *bv = cmfv_map_get(b, a->u.map.v[i].key);

			if (bv == NULL || !tree_equal(a->u.map.v[i].val, bv))
				return 0;
		}
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------ writing values */

struct out {
	struct cmfv_buf *b;
	const char *nl; /* "\n" or "\r\n" */
	size_t ind;	/* mapping indentation */
	size_t si;	/* a block list's dashes, right of its key */
};

static void spaces(struct cmfv_buf *b, size_t n)
{
	static const char sp[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;

		cmfv_buf_add(b, sp, k);
		n -= k;
	}
}

/* Can \p s be written as a plain scalar and read back as that string? */
static int plain_safe(const char *s)
{
	struct cmfv_scalar r;
	size_t i, n = strlen(s);

	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
			(s[0] >= '0' && s[0] <= '9') || s[0] == '/' || s[0] == '_'))
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '/' || c == '-'))
			return 0;
	}
	cmfv_scalar_resolve(s, n, &r);
	return r.res == CMFV_RES_STR;
}

static void scalar(struct cmfv_buf *b, const struct cmfv_node *n, int flow)
{
	char num[40];

	switch (n->kind) {
	case CMFV_NULL:
		cmfv_buf_puts(b, "null");
		break;
	case CMFV_BOOL:
		cmfv_buf_puts(b, n->u.b ? "true" : "false");
		break;
	case CMFV_INT:
		cmfv_buf_printf(b, "%lld", (long long)n->u.i);
		break;
	case CMFV_FLOAT:
		cmfv_format_float_json(n->u.f, num, sizeof(num));
		cmfv_buf_puts(b, num);
		break;
	case CMFV_STR:
		if (!flow && memchr(n->u.s.ptr, '\0', n->u.s.len) == NULL && plain_safe(n->u.s.ptr))
			cmfv_buf_add(b, n->u.s.ptr, n->u.s.len);
		else
			cmfv_json_str(b, n->u.s.ptr, n->u.s.len);
		break;
	default:
		break;
	}
}

static void key_text(struct cmfv_buf *b, const char *k, int flow)
{
	struct cmfv_node n;

	memset(&n, 0, sizeof(n));
	n.kind = CMFV_STR;
	n.u.s.ptr = (char *)(uintptr_t)k; /* only read */
	n.u.s.len = strlen(k);
	scalar(b, &n, flow);
}

/* JSON-compatible flow style, keys in their order. */
static void flow(struct cmfv_buf *b, const struct cmfv_node *n)
{
	size_t i;

	if (n->kind == CMFV_SEQ) {
		cmfv_buf_add(b, "[", 1);
		for (i = 0; i < n->u.seq.n; i++) {
			if (i)
				cmfv_buf_add(b, ", ", 2);
			flow(b, n->u.seq.v[i]);
		}
		cmfv_buf_add(b, "]", 1);
	} else if (n->kind == CMFV_MAP) {
		cmfv_buf_add(b, "{", 1);
		for (i = 0; i < n->u.map.n; i++) {
			if (i)
				cmfv_buf_add(b, ", ", 2);
			key_text(b, n->u.map.v[i].key, 1);
			cmfv_buf_add(b, ": ", 2);
			flow(b, n->u.map.v[i].val);
		}
		cmfv_buf_add(b, "}", 1);
	} else {
		scalar(b, n, 1);
	}
}

static void block_map(struct out *w, const struct cmfv_node *m, size_t col, int first_inline);

/* Items of \p s, dashes at \p col. */
static void block_seq(struct out *w, const struct cmfv_node *s, size_t col)
{
	size_t i;

	for (i = 0; i < s->u.seq.n; i++) {
		const struct cmfv_node *it = s->u.seq.v[i];

		spaces(w->b, col);
		cmfv_buf_add(w->b, "- ", 2);
		if (it->kind == CMFV_MAP && it->u.map.n) {
			block_map(w, it, col + 2, 1);
		} else {
			flow(w->b, it);
			cmfv_buf_puts(w->b, w->nl);
		}
	}
}

/* One "key: value" at the current position (already indented). */
static void block_pair(struct out *w, const char *key, const struct cmfv_node *v, size_t col)
{
	key_text(w->b, key, 0);
	cmfv_buf_add(w->b, ":", 1);
	if (v->kind == CMFV_MAP && v->u.map.n) {
		cmfv_buf_puts(w->b, w->nl);
		block_map(w, v, col + w->ind, 0);
	} else if (v->kind == CMFV_SEQ && v->u.seq.n) {
		cmfv_buf_puts(w->b, w->nl);
		block_seq(w, v, col + w->si);
	} else {
		cmfv_buf_add(w->b, " ", 1);
		if (v->kind == CMFV_MAP || v->kind == CMFV_SEQ)
			flow(w->b, v);
		else
			scalar(w->b, v, 0);
		cmfv_buf_puts(w->b, w->nl);
	}
}

/* Pairs of \p m at \p col; the first on the current line when first_inline. */
static void block_map(struct out *w, const struct cmfv_node *m, size_t col, int first_inline)
{
	size_t i;

	for (i = 0; i < m->u.map.n; i++) {
		if (i > 0 || !first_inline)
			spaces(w->b, col);
		block_pair(w, m->u.map.v[i].key, m->u.map.v[i].val, col);
	}
}

/* ------------------------------------------- the text, with positions */

enum { PN_SCALAR, PN_SEQ, PN_MAP, PN_ALIAS };

/* A node of the document as written: byte offsets into the piece. */
struct pn {
	int type;
	int flow;	 /* flow collection */
	int style;	 /* scalars: yaml_scalar_style_t */
	int anchor;	 /* has an anchor: aliases may share it */
	int tag;	 /* has a tag: its start is the tag's */
	size_t start;	 /* first byte (a block list: its first dash) */
	size_t end;	 /* after the last byte (flow: after the bracket) */
	size_t cend;	 /* collections: after their last item's last byte */
	size_t col;	 /* column of start, in characters */
	size_t line;	 /* line of start, 0-based in the piece */
	char *val;	 /* scalars */
	struct pn **kid; /* maps: key, value, key, value, ... */
	size_t n, cap;
};

static void pn_free(struct pn *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		pn_free(n->kid[i]);
	cmfv_free(n->kid);
	cmfv_free(n->val);
	cmfv_free(n);
}

struct pbuild {
	const char *t;
	size_t len;
	size_t base; /* a BOM's bytes: libyaml's marks start after it */
	int ascii;
	size_t ci, bi; /* character index -> byte offset, walked forward */
	struct pn **stack;
	size_t depth, cap;
	struct pn *root;
};

/* libyaml's marks count characters; we need bytes. */
static size_t to_byte(struct pbuild *b, size_t ci)
{
	if (b->ascii)
		return b->base + ci <= b->len ? b->base + ci : b->len;
	if (ci < b->ci) {
		b->ci = 0;
		b->bi = b->base;
	}
	while (b->ci < ci && b->bi < b->len) {
		unsigned char c = (unsigned char)b->t[b->bi];

		b->bi += c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		b->ci++;
	}
	return b->bi < b->len ? b->bi : b->len;
}

static int pn_attach(struct pbuild *b, struct pn *n)
{
	struct pn *parent;

	if (b->depth == 0) {
		if (b->root == NULL) {
			b->root = n;
			return 1;
		}
		pn_free(n);
		return 1;
	}
	parent = b->stack[b->depth - 1];
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct pn **k = cmfv_realloc(parent->kid, cap * sizeof(*k));

		if (k == NULL) {
			pn_free(n);
			return 0;
		}
		parent->kid = k;
		parent->cap = cap;
	}
	parent->kid[parent->n++] = n;
	return 1;
}

static struct pn *pn_new(struct pbuild *b, int type, const yaml_event_t *ev)
{
	struct pn *n = cmfv_calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->type = type;
	n->start = to_byte(b, ev->start_mark.index);
	n->col = ev->start_mark.column;
	n->line = ev->start_mark.line;
	n->end = to_byte(b, ev->end_mark.index);
	n->cend = n->end;
	return n;
}

/* The first document of \p t as positioned nodes; NULL on failure. */
static struct pn *pn_build(const char *t, size_t len, int *oom)
{
	struct pbuild b;
	yaml_parser_t p;
	yaml_event_t ev;
	int done = 0, ok = 1;
	size_t i;

	memset(&b, 0, sizeof(b));
	b.t = t;
	b.len = len;
	if (len >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0)
		b.base = 3;
	b.bi = b.base;
	b.ascii = 1;
	for (i = 0; i < len && b.ascii; i++)
		if ((unsigned char)t[i] >= 0x80)
			b.ascii = 0;
	if (!yaml_parser_initialize(&p)) {
		*oom = 1;
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)t, len);
	while (ok && !done) {
		struct pn *n = NULL;

		if (!yaml_parser_parse(&p, &ev)) {
			ok = 0;
			*oom = p.error == YAML_MEMORY_ERROR;
			break;
		}
		switch (ev.type) {
		case YAML_SCALAR_EVENT:
			n = pn_new(&b, PN_SCALAR, &ev);
			if (n) {
				n->style = (int)ev.data.scalar.style;
				n->anchor = ev.data.scalar.anchor != NULL;
				n->tag = ev.data.scalar.tag != NULL;
				n->val = cmfv_strndup((const char *)ev.data.scalar.value,
						      ev.data.scalar.length);
				if (n->val == NULL) {
					pn_free(n);
					n = NULL;
				}
			}
			ok = n && pn_attach(&b, n);
			*oom = !ok;
			break;
		case YAML_ALIAS_EVENT:
			n = pn_new(&b, PN_ALIAS, &ev);
			ok = n && pn_attach(&b, n);
			*oom = !ok;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			int seq = ev.type == YAML_SEQUENCE_START_EVENT;

			n = pn_new(&b, seq ? PN_SEQ : PN_MAP, &ev);
			if (n == NULL || (b.depth == b.cap && b.cap >= 4096)) {
				pn_free(n);
				*oom = n == NULL;
				ok = 0;
				break;
			}
			if (seq) {
				n->flow = ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
				n->anchor = ev.data.sequence_start.anchor != NULL;
				n->tag = ev.data.sequence_start.tag != NULL;
			} else {
				n->flow = ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
				n->anchor = ev.data.mapping_start.anchor != NULL;
				n->tag = ev.data.mapping_start.tag != NULL;
			}
			if (b.depth == b.cap) {
				size_t cap = b.cap ? b.cap * 2 : 16;
				struct pn **s = cmfv_realloc(b.stack, cap * sizeof(*s));

				if (s == NULL) {
					pn_free(n);
					*oom = 1;
					ok = 0;
					break;
				}
				b.stack = s;
				b.cap = cap;
			}
			b.stack[b.depth++] = n;
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			n = b.stack[--b.depth];
			n->cend = n->n ? n->kid[n->n - 1]->end : n->start + (n->flow ? 1 : 0);
			n->end = n->flow ? to_byte(&b, ev.end_mark.index) : n->cend;
			ok = pn_attach(&b, n);
			*oom = !ok;
			break;
		case YAML_DOCUMENT_END_EVENT:
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		cmfv_yaml_event_wipe(&ev);
	}
	cmfv_yaml_parser_wipe(&p, len);
	while (b.depth > 0)
		pn_free(b.stack[--b.depth]);
	cmfv_free(b.stack);
	if (!ok) {
		pn_free(b.root);
		return NULL;
	}
	return b.root;
}

/* A node a text edit may go through: written once, not shared; a tag
 * only on a block map (whose column is its first key's). */
static int pn_safe(const struct pn *n)
{
	return n && n->type != PN_ALIAS && !n->anchor &&
	       (!n->tag || (n->type == PN_MAP && !n->flow && n->n > 0));
}

/* The column of a block map's keys. */
static size_t pn_col(const struct pn *m)
{
	return m->type == PN_MAP && !m->flow && m->n > 0 ? m->kid[0]->col : m->col;
}

/* map[key]: 1 found, 0 absent, -1 not safe to edit by text (merge keys,
 * complex or duplicate keys). */
static int pn_get(const struct pn *m, const char *key, struct pn **k, struct pn **v)
{
	size_t i;
	int found = 0;

	if (m == NULL || m->type != PN_MAP || !pn_safe(m))
		return -1;
	for (i = 0; i + 1 < m->n; i += 2) {
		const struct pn *kn = m->kid[i];

		if (kn->type != PN_SCALAR || kn->anchor || kn->tag)
			return -1;
		if (kn->style == YAML_PLAIN_SCALAR_STYLE && strcmp(kn->val, "<<") == 0)
			return -1;
		if (strcmp(kn->val, key) == 0) {
			if (found)
				return -1;
			found = 1;
			*k = m->kid[i];
			*v = m->kid[i + 1];
		}
	}
	return found;
}

static int pn_is_null(const struct pn *v)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	size_t i;

	if (v->type != PN_SCALAR || v->style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(v->val, nulls[i]) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ text edits */

struct edit {
	size_t at, del;
	struct cmfv_buf text;
};

#define MAX_EDITS 8

struct tedit {
	const char *t;
	size_t len;
	struct out w;
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
		spaces(b, last->col);
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
		key_text(b, key, 1);
		cmfv_buf_add(b, ": ", 2);
		flow(b, value);
		return 1;
	}
	b = block_edit(c, line_after(c, m->end));
	if (b == NULL)
		return 0;
	spaces(b, pn_col(m));
	block_pair(&c->w, key, value, pn_col(m));
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
		flow(b, value);
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
		block_seq(&c->w, value, k->col + c->w.si);
	else
		block_map(&c->w, value, k->col + c->w.ind, 0);
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
		flow(b, item);
		return 1;
	}
	/* the same distance from dash to content as the first item */
	if (s->n && s->kid[0]->type == PN_MAP && !s->kid[0]->flow && s->kid[0]->line == s->line &&
	    pn_col(s->kid[0]) > s->col + 1)
		off = pn_col(s->kid[0]) - s->col;
	b = block_edit(c, line_after(c, s->end));
	if (b == NULL)
		return 0;
	spaces(b, s->col);
	cmfv_buf_add(b, "-", 1);
	spaces(b, off - 1);
	block_map(&c->w, item, s->col + off, 1);
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
		list = new_list(cmfv_node_copy(item));
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
	struct cmfv_node *val = new_str(kcv), *ann = NULL;
	struct cmfv_buf *b;
	int r = pn_get(meta, "annotations", &k, &v), ok = 0;

	if (val == NULL || r < 0)
		goto out;
	if (r == 0 || pn_is_null(v)) {
		ann = new_pair(CMFV_KCV_ANNOTATION, val);
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
			scalar(b, val, v->flow);
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
		cmfv_buf_free(&c->e[i].text, 0);
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
	same = tree_equal(got, want);
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
	flow(b, tree);
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
	e = cmfv_yaml_load(doc->ptr, doc->len, in_name(o), &yo, &tree, d);
	if (e != CMFV_OK)
		return e;
	if (!cmfv_is_map(tree)) {
		cmfv_node_free(tree);
		return cmfv_diag_set(d, CMFV_EINPUT, in_name(o), (unsigned)doc->line, 1,
				     "the Deployment document is not a map");
	}
	e = make_plan(tree, o, r, &p);
	if (e != CMFV_OK || p.blocked || (!p.add_volume && !p.add_mount && !p.set_kcv))
		goto out;
	/* tree becomes what the edited text must load as */
	vol = new_volume(o);
	mount = new_mount(o);
	if (vol == NULL || mount == NULL || !tree_apply(tree, o, &p)) {
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

		cmfv_buf_free(&nb, 0);
		memset(&nb, 0, sizeof(nb));
		as_json(&c, root, tree, &nb);
		same = nb.failed ? -1 : loads_as(nb.ptr, nb.len, tree);
		oom |= same < 0;
		done = same > 0;
	}
	if (oom || nb.failed)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	else if (!done)
		e = cmfv_diag_set(d, CMFV_EINPUT, in_name(o), (unsigned)doc->line, 1,
				  "cannot add the key mount to Deployment %s", p.deploy);
	else if (cmfv_buf_add(out, nb.ptr, nb.len) != CMFV_OK)
		e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	else
		*changed = 1;
out:
	if (e == CMFV_ENOMEM && d->code == CMFV_OK)
		cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	cmfv_buf_free(&nb, 0);
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
		return cmfv_diag_fail(d, CMFV_EUSAGE, "--mount-path must be an absolute path, not '%s'",
				      o->mount_path);
	if (v) {
		int ok;

		n = strlen(v);
		ok = n > 0 && n <= 63 && v[0] != '-' && v[n - 1] != '-';
		for (i = 0; ok && v[i]; i++)
			ok = (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') ||
			     v[i] == '-';
		if (!ok)
			return cmfv_diag_fail(d, CMFV_EUSAGE,
					      "--volume-name must be a DNS-1123 label (a-z, 0-9, '-', "
					      "at most 63), not '%s'",
					      v);
	}
	if (fnm &&
	    (!fnm[0] || strchr(fnm, '/') || strcmp(fnm, ".") == 0 || strcmp(fnm, "..") == 0))
		return cmfv_diag_fail(d, CMFV_EUSAGE, "--file-name must be a plain file name, not '%s'",
				      fnm);
	return CMFV_OK;
}

