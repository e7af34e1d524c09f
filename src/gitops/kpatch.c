/* What a HelmRelease's spec.postRenderers do to the CMF Deployment.
 *
 * helm-controller runs each postRenderers item as its own Kustomize build
 * (internal/postrender/build.go, kustomize.go: the rendered manifests as
 * the only resource, the item's `patches` and `images`), in order. So the
 * key mount is judged on the RESULT: every patch is applied, in order, to
 * a model of the CMF Deployment (its name, its CMF name label, the CMF
 * container), and the end state goes through the check post-render uses
 * (cmfv_inject: mounted exactly as we would mount it, or not).
 *
 * The model knows only part of the real Deployment: other labels, the
 * namespace, other containers, volumes and mounts are unknown. So:
 * - a target that may or may not select the Deployment is tried both ways,
 *   and every outcome must carry the mount;
 * - strategic-merge patches are merged by the Kubernetes merge keys of the
 *   lists that hold the mount (containers, volumes by name, volumeMounts
 *   by mountPath: Kustomize's kyaml uses the same OpenAPI keys), with the
 *   `$patch: delete|replace|merge` directives and null deletions;
 * - a JSON 6902 operation that touches the pod spec's containers, volumes,
 *   mounts or the identity the targets select by cannot be evaluated on a
 *   model (list indices point at entries it does not know) and is refused;
 * - every other `$` directive ($retainKeys, $setElementOrder, ... which
 *   Kustomize applies differently from the API server), the v2beta
 *   patchesStrategicMerge / patchesJson6902 fields and anything unknown
 *   are refused too: "cannot verify", never a pass. */
#define _XOPEN_SOURCE 700
#include "kpatch_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/gitops.h"
#include "cmfv/inject.h"
#include "cmfv/report.h"
#include "cmfv/yaml.h"

/* Most targets whose match is unknown (each doubles the outcomes). */
#define MAX_UNKNOWN 6
/* Most patches judged: each outcome re-reads every patch, so the work is
 * bounded by 2^MAX_UNKNOWN * MAX_PATCHES patch readings. */
#define MAX_PATCHES 1000

struct kp {
	const struct cmfv_inject_opts *io;
	const struct cmfv_node **patches; /* every patches[] entry, in order */
	size_t n;
	enum cmfv_pr_verdict verdict;
	char *why;
	size_t whylen;
	struct cmfv_loc at;
	int oom;
	int name_known; /* metadata.name is the real one (--deployment) */
};

static void say(struct kp *k, struct cmfv_loc at, enum cmfv_pr_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void say(struct kp *k, struct cmfv_loc at, enum cmfv_pr_verdict v, const char *fmt, ...)
{
	va_list ap;

	/* the first reason stays; "cannot verify" outranks "not mounted" */
	if (k->verdict == CMFV_PR_UNKNOWN || (k->verdict == v && k->why[0]))
		return;
	k->verdict = v;
	k->at = at;
	va_start(ap, fmt);
	vsnprintf(k->why, k->whylen, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------ strategic merge */

/* The merge key of the list at \p key under the map reached by \p path
 * (Kubernetes' patchMergeKey), or NULL: the list is replaced whole. */
static const char *merge_key(const char *path, const char *key)
{
	if (strcmp(path, "/spec/template/spec") == 0 &&
	    (strcmp(key, "containers") == 0 || strcmp(key, "volumes") == 0 ||
	     strcmp(key, "initContainers") == 0))
		return "name";
	if (strcmp(path, "/spec/template/spec/containers/*") == 0 &&
	    strcmp(key, "volumeMounts") == 0)
		return "mountPath";
	return NULL;
}

static int directive(const struct cmfv_node *m, const char *want)
{
	return cmfv_str_is(cmfv_map_get(m, "$patch"), want);
}

static int merge_map(struct kp *k, struct cmfv_node *dst, const struct cmfv_node *patch,
		     const char *path, struct cmfv_loc at);

/* A fresh copy of \p n without `$patch` keys, or NULL (no memory). */
static struct cmfv_node *plain_copy(const struct cmfv_node *n)
{
	struct cmfv_node *c = cmfv_node_copy(n);

	if (c && c->kind == CMFV_MAP)
		cmfv_map_delete(c, "$patch");
	return c;
}

/* A list with a merge key: patch items merge into the items with the same
 * key, `$patch: delete` items remove theirs, a `{$patch: replace}` item
 * makes the list the patch's other items. */
static int merge_list(struct kp *k, struct cmfv_node *dst, const struct cmfv_node *patch,
		      const char *mkey, const char *path, struct cmfv_loc at)
{
	struct cmfv_node *keep;
	size_t i, j;

	for (i = 0; i < patch->u.seq.n; i++)
		if (cmfv_is_map(patch->u.seq.v[i]) && directive(patch->u.seq.v[i], "replace")) {
			/* only a lone {$patch: replace} replaces the list; kyaml
			 * does something else with one that names an item */
			if (patch->u.seq.v[i]->u.map.n != 1) {
				say(k, at, CMFV_PR_UNKNOWN,
				    "cannot verify: a $patch: replace on one item of %s", path);
				return 0;
			}
			keep = cmfv_node_new(CMFV_SEQ, dst->loc);
			if (keep == NULL)
				return -1;
			for (j = 0; j < patch->u.seq.n; j++)
				if (j != i &&
				    cmfv_seq_push(keep, plain_copy(patch->u.seq.v[j])) != CMFV_OK)
					return cmfv_node_free(keep), -1;
			for (j = 0; j < dst->u.seq.n; j++)
				cmfv_node_free(dst->u.seq.v[j]);
			cmfv_free(dst->u.seq.v);
			dst->u.seq = keep->u.seq;
			keep->u.seq.v = NULL;
			keep->u.seq.n = 0;
			cmfv_node_free(keep);
			return 0;
		}

	for (i = 0; i < patch->u.seq.n; i++) {
		const struct cmfv_node *it = patch->u.seq.v[i];
		const char *kv = cmfv_str(cmfv_map_get(it, mkey));
		struct cmfv_node *hit = NULL;
		size_t at_i = 0;

		if (!cmfv_is_map(it) || kv == NULL) {
			say(k, at, CMFV_PR_UNKNOWN,
			    "cannot verify: a strategic-merge list item under %s has no %s", path,
			    mkey);
			return 0;
		}
		for (j = 0; j < dst->u.seq.n; j++)
			if (cmfv_str_is(cmfv_map_get(dst->u.seq.v[j], mkey), kv)) {
				hit = dst->u.seq.v[j];
				at_i = j;
				break;
			}
		if (directive(it, "delete")) {
			if (hit) {
				cmfv_node_free(hit);
				memmove(&dst->u.seq.v[at_i], &dst->u.seq.v[at_i + 1],
					(dst->u.seq.n - at_i - 1) * sizeof(dst->u.seq.v[0]));
				dst->u.seq.n--;
			}
		} else {
			char sub[256];

			snprintf(sub, sizeof(sub), "%s/*", path);
			if (hit == NULL) { /* a new item: merged into nothing */
				hit = cmfv_node_new(CMFV_MAP, it->loc);
				if (hit == NULL || cmfv_seq_push(dst, hit) != CMFV_OK)
					return -1;
			}
			if (merge_map(k, hit, it, sub, at) != 0)
				return -1;
		}
	}
	return 0;
}

static int has_dollar_key(const struct cmfv_node *n)
{
	size_t i;

	if (n == NULL)
		return 0;
	if (n->kind == CMFV_MAP) {
		for (i = 0; i < n->u.map.n; i++)
			if ((n->u.map.v[i].key[0] == '$' &&
			     strcmp(n->u.map.v[i].key, "$patch") != 0) ||
			    has_dollar_key(n->u.map.v[i].val))
				return 1;
	} else if (n->kind == CMFV_SEQ) {
		for (i = 0; i < n->u.seq.n; i++)
			if (has_dollar_key(n->u.seq.v[i]))
				return 1;
	}
	return 0;
}

/* Merge map \p patch into map \p dst (path names dst in the Deployment).
 * Returns -1 only when out of memory. */
static int merge_map(struct kp *k, struct cmfv_node *dst, const struct cmfv_node *patch,
		     const char *path, struct cmfv_loc at)
{
	size_t i;

	for (i = 0; i < patch->u.map.n; i++) {
		const char *key = patch->u.map.v[i].key;
		const struct cmfv_node *pv = patch->u.map.v[i].val;
		struct cmfv_node *dv = cmfv_map_get(dst, key);
		const char *mk = merge_key(path, key);
		char sub[256];

		if (strcmp(key, "$patch") == 0) {
			if (!directive(patch, "delete") && !directive(patch, "replace") &&
			    !directive(patch, "merge"))
				say(k, at, CMFV_PR_UNKNOWN,
				    "cannot verify: a $patch other than delete, replace or merge "
				    "under %s",
				    path[0] ? path : "/");
			continue;
		}
		snprintf(sub, sizeof(sub), "%s/%s", path, key);
		if (pv->kind == CMFV_NULL) {
			cmfv_map_delete(dst, key);
		} else if (pv->kind == CMFV_MAP && directive(pv, "delete")) {
			cmfv_map_delete(dst, key);
		} else if (pv->kind == CMFV_MAP && !directive(pv, "replace")) {
			if (dv == NULL || dv->kind != CMFV_MAP) {
				dv = cmfv_node_new(CMFV_MAP, pv->loc);
				if (dv == NULL || cmfv_map_set(dst, key, pv->loc, dv) != CMFV_OK)
					return -1;
			}
			if (merge_map(k, dv, pv, sub, at) != 0)
				return -1;
		} else if (pv->kind == CMFV_SEQ && mk && dv && dv->kind == CMFV_SEQ) {
			if (merge_list(k, dv, pv, mk, sub, at) != 0)
				return -1;
		} else if (pv->kind == CMFV_SEQ && mk) {
			struct cmfv_node *fresh = cmfv_node_new(CMFV_SEQ, pv->loc);

			if (fresh == NULL || cmfv_map_set(dst, key, pv->loc, fresh) != CMFV_OK)
				return -1;
			if (merge_list(k, fresh, pv, mk, sub, at) != 0)
				return -1;
		} else if (cmfv_map_set(dst, key, pv->loc, plain_copy(pv)) != CMFV_OK) {
			return -1;
		}
	}
	return 0;
}

/* Apply one strategic-merge document to the model (*dep NULL: deleted). */
static int apply_smp(struct kp *k, struct cmfv_node **dep, const struct cmfv_node *doc,
		     struct cmfv_loc at)
{
	const char *d = cmfv_str(cmfv_map_get(doc, "$patch"));

	if (has_dollar_key(doc)) {
		say(k, at, CMFV_PR_UNKNOWN,
		    "cannot verify: the patch uses a $ directive other than $patch");
		return 0;
	}
	if (d && strcmp(d, "delete") == 0) {
		cmfv_node_free(*dep);
		*dep = NULL;
		return 0;
	}
	if (d && strcmp(d, "merge") != 0) {
		say(k, at, CMFV_PR_UNKNOWN, "cannot verify: a $patch: %s on the whole Deployment",
		    d);
		return 0;
	}
	return merge_map(k, *dep, doc, "", at);
}

/* The patch without what Kustomize does not merge: with a target it sets
 * the patch's apiVersion, kind, name and namespace to the resource's;
 * without one they are what selected the resource. */
static int apply_smp_doc(struct kp *k, struct cmfv_node **dep, const struct cmfv_node *doc,
			 struct cmfv_loc at)
{
	struct cmfv_node *c = cmfv_node_copy(doc), *meta;
	int rc;

	if (c == NULL)
		return -1;
	cmfv_map_delete(c, "apiVersion");
	cmfv_map_delete(c, "kind");
	meta = cmfv_map_get(c, "metadata");
	if (cmfv_is_map(meta)) {
		cmfv_map_delete(meta, "name");
		cmfv_map_delete(meta, "namespace");
	}
	rc = apply_smp(k, dep, c, at);
	cmfv_node_free(c);
	return rc;
}

/* ----------------------------------------------------------- JSON 6902 */

/* Does the JSON pointer \p p reach into what the model decides on: the
 * identity targets select by, the pod spec's containers (their names and
 * mounts) and volumes? A path above those counts too. */
static int pointer_relevant(const char *p)
{
	static const char *const whole[] = {"",
					    "/metadata",
					    "/metadata/name",
					    "/metadata/namespace",
					    "/kind",
					    "/apiVersion",
					    "/spec",
					    "/spec/template",
					    "/spec/template/spec",
					    "/spec/template/spec/containers",
					    NULL};
	static const char *const under[] = {"/metadata/labels", "/spec/template/spec/volumes",
					    "/spec/template/spec/initContainers", NULL};
	const char *c = "/spec/template/spec/containers/", *rest, *slash;
	size_t i;

	if (p == NULL)
		return 1;
	/* an escape (~0, ~1) or another odd character: the path may name
	 * something else than it reads as, or nothing (the build fails) */
	if (strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_.-") !=
	    strlen(p))
		return 1;
	for (i = 0; whole[i]; i++)
		if (strcmp(p, whole[i]) == 0)
			return 1;
	for (i = 0; under[i]; i++) {
		size_t n = strlen(under[i]);

		if (strncmp(p, under[i], n) == 0 && (p[n] == 0 || p[n] == '/'))
			return 1;
	}
	if (strncmp(p, c, strlen(c)) != 0)
		return 0;
	rest = p + strlen(c);
	slash = strchr(rest, '/');
	if (slash == NULL)
		return 1; /* a whole container */
	return strncmp(slash, "/name", 5) == 0 || strncmp(slash, "/volumeMounts", 13) == 0;
}

static void apply_json6902(struct kp *k, const struct cmfv_node *ops, struct cmfv_loc at)
{
	size_t i;

	for (i = 0; i < ops->u.seq.n; i++) {
		const struct cmfv_node *op = ops->u.seq.v[i];
		const char *o = cmfv_str(cmfv_map_get(op, "op"));
		const char *path = cmfv_str(cmfv_map_get(op, "path"));
		const char *from = cmfv_str(cmfv_map_get(op, "from"));

		if (o && strcmp(o, "test") == 0)
			continue; /* changes nothing; a failed test fails the build */
		if (o == NULL || pointer_relevant(path) ||
		    ((strcmp(o, "move") == 0 || strcmp(o, "copy") == 0) &&
		     pointer_relevant(from))) {
			say(k, at, CMFV_PR_UNKNOWN,
			    "cannot verify: a JSON 6902 %s at %s changes the part of the "
			    "Deployment that holds the key mount (use a strategic-merge patch)",
			    o ? o : "operation", path ? path : "(no path)");
			return;
		}
	}
}

/* ------------------------------------------------------------- running */

struct docs {
	struct cmfv_node *first;
	size_t n;
};

static enum cmfv_err one_doc(void *ctx, struct cmfv_node *doc, struct cmfv_diag *d)
{
	struct docs *ds = ctx;

	(void)d;
	if (doc && ds->n++ == 0)
		ds->first = doc;
	else
		cmfv_node_free(doc);
	return CMFV_OK;
}

/* Would Kustomize expand this document as a list of resources (kyaml:
 * any kind ending in List that has items)? Judged wider: either one. */
static int is_list(const struct cmfv_node *doc)
{
	const char *kind = cmfv_str(cmfv_map_get(doc, "kind"));
	size_t n = kind ? strlen(kind) : 0;

	if (!cmfv_is_map(doc))
		return 0;
	return cmfv_map_get(doc, "items") != NULL || (n >= 4 && strcmp(kind + n - 4, "List") == 0);
}

/* The patch text as one document. What we cannot read the way Kustomize
 * does (not YAML to our reader, several documents) is "cannot verify":
 * Kustomize may well apply it. Returns -1 out of memory. */
static int load_patch(struct kp *k, const struct cmfv_node *txt, struct cmfv_loc at,
		      struct cmfv_node **out)
{
	/* Kustomize's reader refuses a key written twice */
	static const struct cmfv_yaml_opts strict = {.no_duplicates = 1};
	struct docs ds = {NULL, 0};
	struct cmfv_diag d;
	enum cmfv_err e;

	*out = NULL;
	cmfv_diag_clear(&d);
	e = cmfv_yaml_load_all(txt->u.s.ptr, txt->u.s.len, "patch", &strict, one_doc, &ds, &d);
	if (e == CMFV_ENOMEM) {
		cmfv_node_free(ds.first);
		return -1;
	}
	if (e != CMFV_OK || ds.n != 1 || !(cmfv_is_map(ds.first) || cmfv_is_seq(ds.first))) {
		say(k, at, CMFV_PR_UNKNOWN,
		    "cannot verify: a patch that is not one YAML document%s%s",
		    e != CMFV_OK ? " we can read: " : "", e != CMFV_OK ? d.msg : "");
		cmfv_node_free(ds.first);
		return 0;
	}
	if (is_list(ds.first)) {
		/* Kustomize makes each item of a List its own patch */
		say(k, at, CMFV_PR_UNKNOWN,
		    "cannot verify: a patch that is a List (kind ending in List, or items): "
		    "Kustomize applies each item as its own patch");
		cmfv_node_free(ds.first);
		return 0;
	}
	*out = ds.first;
	return 0;
}

/* Apply patch entry \p e to the model, when it selects it. */
static int apply_entry(struct kp *k, struct cmfv_node **dep, const struct cmfv_node *e,
		       int selected)
{
	const struct cmfv_node *txt = cmfv_map_get(e, "patch");
	struct cmfv_node *doc = NULL;
	struct cmfv_loc at = e->loc;
	int rc = 0;

	if (!selected)
		return 0;
	if (load_patch(k, txt, at, &doc) != 0)
		return -1;
	if (doc && doc->kind == CMFV_SEQ)
		apply_json6902(k, doc, at);
	else if (doc && doc->kind == CMFV_MAP)
		rc = apply_smp_doc(k, dep, doc, at);
	cmfv_node_free(doc);
	return rc;
}

/* Does this entry select the model? Without a target a strategic-merge
 * patch selects by its own apiVersion, kind and name. */
static enum tri selects(struct kp *k, const struct cmfv_node *e, const struct cmfv_node *dep)
{
	const struct cmfv_node *t = cmfv_map_get(e, "target"), *txt = cmfv_map_get(e, "patch");
	struct cmfv_node *doc = NULL;
	enum tri r;

	if (dep == NULL)
		return NO;
	if (t && t->kind != CMFV_NULL)
		return kp_target_match(t, dep, k->name_known);
	if (load_patch(k, txt, e->loc, &doc) != 0) {
		k->oom = 1;
		return NO;
	}
	if (!cmfv_is_map(doc))
		r = NO; /* unreadable: refused already; JSON 6902 needs a target */
	else if (!cmfv_str_is(cmfv_map_get(doc, "apiVersion"), "apps/v1") ||
		 !cmfv_str_is(cmfv_map_get(doc, "kind"), "Deployment"))
		r = NO;
	else if (!k->name_known)
		r = MAYBE;
	else if (!cmfv_str_is(cmfv_node_path(doc, "metadata.name"),
			      cmfv_str(cmfv_node_path(dep, "metadata.name"))))
		r = NO;
	else
		r = cmfv_node_path(doc, "metadata.namespace") ? MAYBE : YES;
	if (r == NO && cmfv_is_map(doc))
		/* Kustomize fails the build when it selects nothing; the
		 * render's other resources are not known here */
		say(k, e->loc, CMFV_PR_UNKNOWN,
		    "cannot verify: a patch without a target that is not aimed at the CMF "
		    "Deployment (apiVersion apps/v1, kind Deployment, its name): Kustomize "
		    "fails the build when such a patch matches no resource, and the other "
		    "resources of the render are not known here (give it a target)");
	cmfv_node_free(doc);
	return r;
}

/* The check post-render uses: would it add anything, or is it blocked? */
static void judge(struct kp *k, const struct cmfv_node *dep, struct cmfv_loc last, int unknowns)
{
	struct cmfv_inject_opts io = *k->io;
	struct cmfv_report r = {0};
	struct cmfv_node *copy;
	int changed = 0;

	if (dep == NULL) {
		say(k, last, unknowns ? CMFV_PR_UNKNOWN : CMFV_PR_NOT_MOUNTED,
		    "%sa patch deletes the CMF Deployment",
		    unknowns ? "cannot verify: in one of the outcomes of targets that may or may "
			       "not select it, "
			     : "");
		return;
	}
	io.kcv = NULL;
	copy = cmfv_node_copy(dep);
	if (copy == NULL || cmfv_inject(copy, &io, &r, &changed) != CMFV_OK) {
		k->oom = 1;
	} else if ((r.n > 0 || changed) && unknowns > 0) {
		/* one way the unknown targets may select, the mount is lost */
		say(k, last, CMFV_PR_UNKNOWN,
		    "cannot verify: whether a patch target selects the CMF Deployment depends on "
		    "what only the real render holds (its name, which nameOverride changes: give "
		    "--deployment; other labels; its namespace; annotations), and in one of the "
		    "outcomes %s",
		    r.n > 0 ? r.v[0].message : "the key is not mounted");
	} else if (r.n > 0) {
		say(k, last, CMFV_PR_NOT_MOUNTED, "after the patches, %s", r.v[0].message);
	} else if (changed) {
		say(k, last, CMFV_PR_NOT_MOUNTED,
		    "after the patches, the CMF Deployment does not mount the key");
	}
	cmfv_report_free(&r);
	cmfv_node_free(copy);
}

static void run_from(struct kp *k, struct cmfv_node *dep, size_t i, int unknowns,
		     struct cmfv_loc last)
{
	for (; i < k->n && !k->oom && k->verdict != CMFV_PR_UNKNOWN; i++) {
		const struct cmfv_node *e = k->patches[i];
		enum tri s = selects(k, e, dep);

		if (s == MAYBE) {
			struct cmfv_node *other = dep ? cmfv_node_copy(dep) : NULL;

			if (++unknowns > MAX_UNKNOWN) {
				cmfv_node_free(other);
				say(k, e->loc, CMFV_PR_UNKNOWN,
				    "cannot verify: too many patch targets that may or may not "
				    "select the CMF Deployment");
				break;
			}
			if (dep && other == NULL) {
				k->oom = 1;
				break;
			}
			/* the branch where it does not select: the rest of the patches */
			run_from(k, other, i + 1, unknowns, last);
			s = YES;
		}
		if (apply_entry(k, &dep, e, s == YES) != 0) {
			k->oom = 1;
			break;
		}
		if (s == YES)
			last = e->loc;
	}
	if (i == k->n && !k->oom && k->verdict != CMFV_PR_UNKNOWN)
		judge(k, dep, last, unknowns);
	cmfv_node_free(dep);
}

static const struct cmfv_loc noloc = {NULL, 0, 0};

/* Set \p key of map \p m to \p v (consumed); \p v back, NULL on failure. */
static struct cmfv_node *put(struct cmfv_node *m, const char *key, struct cmfv_node *v)
{
	if (m == NULL || v == NULL) {
		cmfv_node_free(v);
		return NULL;
	}
	return cmfv_map_set(m, key, noloc, v) == CMFV_OK ? v : NULL;
}

static struct cmfv_node *str_node(const char *s)
{
	return cmfv_node_new_str(s, strlen(s), noloc);
}

/* A model of the CMF Deployment as the chart renders it, as far as known:
 * the name post-render looks for, the CMF name label (the chart sets it;
 * with --deployment nothing is assumed), the CMF container. */
static struct cmfv_node *model(const struct cmfv_inject_opts *io)
{
	struct cmfv_node *dep = cmfv_node_new(CMFV_MAP, noloc), *meta, *pod, *cs, *c;

	put(dep, "apiVersion", str_node("apps/v1"));
	put(dep, "kind", str_node("Deployment"));
	meta = put(dep, "metadata", cmfv_node_new(CMFV_MAP, noloc));
	put(meta, "name", str_node(io->deployment ? io->deployment : CMFV_DEFAULT_DEPLOYMENT));
	if (io->deployment == NULL)
		put(put(meta, "labels", cmfv_node_new(CMFV_MAP, noloc)), CMFV_NAME_LABEL,
		    str_node(CMFV_DEFAULT_DEPLOYMENT));
	pod = put(put(put(dep, "spec", cmfv_node_new(CMFV_MAP, noloc)), "template",
		      cmfv_node_new(CMFV_MAP, noloc)),
		  "spec", cmfv_node_new(CMFV_MAP, noloc));
	cs = put(pod, "containers", cmfv_node_new(CMFV_SEQ, noloc));
	c = cmfv_node_new(CMFV_MAP, noloc);
	put(c, "name", str_node(io->container ? io->container : CMFV_DEFAULT_CONTAINER));
	if (cs == NULL || c == NULL) {
		cmfv_node_free(c);
		cmfv_node_free(dep);
		return NULL;
	}
	if (cmfv_seq_push(cs, c) != CMFV_OK || !cmfv_str(cmfv_node_path(dep, "metadata.name")) ||
	    !cmfv_str(cmfv_map_get(c, "name")) ||
	    (io->deployment == NULL && !cmfv_node_path(dep, "metadata.labels"))) {
		cmfv_node_free(dep);
		return NULL;
	}
	return dep;
}

/* Collect the patches of every postRenderers item, refusing what cannot be
 * judged. Returns -1 out of memory. */
static int collect(struct kp *k, const struct cmfv_node *prs)
{
	size_t i, j;

	for (i = 0; prs && prs->kind == CMFV_SEQ && i < prs->u.seq.n; i++) {
		const struct cmfv_node *item = prs->u.seq.v[i];
		const struct cmfv_node *kz = cmfv_map_get(item, "kustomize"), *ps;

		if (!cmfv_is_map(item) || item->u.map.n != 1 || !cmfv_is_map(kz)) {
			say(k, item->loc, CMFV_PR_UNKNOWN,
			    "cannot verify: a postRenderers item that is not just kustomize");
			return 0;
		}
		for (j = 0; j < kz->u.map.n; j++) {
			const char *key = kz->u.map.v[j].key;

			if (strcmp(key, "patches") != 0 && strcmp(key, "images") != 0) {
				say(k, kz->u.map.v[j].key_loc, CMFV_PR_UNKNOWN,
				    "cannot verify: kustomize.%s (only patches and images are "
				    "evaluated; patchesStrategicMerge and patchesJson6902 are "
				    "v2beta fields: use patches)",
				    key);
				return 0;
			}
		}
		ps = cmfv_map_get(kz, "patches");
		for (j = 0; ps && ps->kind == CMFV_SEQ && j < ps->u.seq.n; j++) {
			const struct cmfv_node *e = ps->u.seq.v[j], **nv;
			const struct cmfv_node *txt = cmfv_map_get(e, "patch");
			struct cmfv_node *doc = NULL;
			size_t f;

			for (f = 0; cmfv_is_map(e) && f < e->u.map.n; f++)
				if (strcmp(e->u.map.v[f].key, "patch") != 0 &&
				    strcmp(e->u.map.v[f].key, "target") != 0)
					break;
			if (!cmfv_is_map(e) || f < e->u.map.n || txt == NULL ||
			    txt->kind != CMFV_STR) {
				say(k, e->loc, CMFV_PR_UNKNOWN,
				    "cannot verify: a patches entry that is not an inline patch "
				    "with an optional target");
				return 0;
			}
			/* every patch is read, selected or not: a List or an
			 * unreadable one is refused wherever it points */
			if (load_patch(k, txt, e->loc, &doc) != 0)
				return -1;
			cmfv_node_free(doc);
			if (k->verdict != CMFV_PR_MOUNTED)
				return 0;
			if (k->n == MAX_PATCHES) {
				say(k, e->loc, CMFV_PR_UNKNOWN,
				    "cannot verify: more than %d post-renderer patches",
				    MAX_PATCHES);
				return 0;
			}
			nv = cmfv_realloc(k->patches, (k->n + 1) * sizeof(*nv));
			if (nv == NULL)
				return -1;
			k->patches = nv;
			k->patches[k->n++] = e;
		}
	}
	return 0;
}

enum cmfv_err cmfv_flux_postrender_eval(const struct cmfv_node *prs,
					const struct cmfv_inject_opts *io, enum cmfv_pr_verdict *v,
					struct cmfv_loc *at, char *why, size_t whylen)
{
	struct kp k;
	struct cmfv_node *dep;

	memset(&k, 0, sizeof(k));
	k.io = io;
	/* the chart names the Deployment from its values (nameOverride):
	 * only --deployment makes the name certain; the CMF label is fixed */
	k.name_known = io->deployment != NULL;
	k.verdict = CMFV_PR_MOUNTED;
	k.why = why;
	k.whylen = whylen;
	k.at = prs ? prs->loc : (struct cmfv_loc){0};
	why[0] = 0;
	if (collect(&k, prs) != 0) {
		cmfv_free(k.patches);
		return CMFV_ENOMEM;
	}
	if (k.verdict == CMFV_PR_MOUNTED) {
		dep = model(io);
		if (dep == NULL)
			k.oom = 1;
		else
			run_from(&k, dep, 0, 0, k.at);
	}
	cmfv_free(k.patches);
	if (k.oom)
		return CMFV_ENOMEM;
	*v = k.verdict;
	*at = k.at;
	return CMFV_OK;
}
