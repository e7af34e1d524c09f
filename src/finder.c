/* Every CMF Deployment in a stream, each paired with the configuration it
 * will read (finder.h; docs/post-render.md, "How post-render decides"). */
#include "cmfv/finder.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/classify.h"
#include "cmfv/yaml.h"

#define STDIN_NAME "<stdin>"
#define SOURCE_ANNOTATION "postrenderer.helm.sh/postrender-filename"
#define CMF_IMAGE "cp-cmf"

/* A ConfigMap seen in the stream, remembered by position. */
struct cm_rec {
	const char *file;
	unsigned long long offset;
	size_t len;
	unsigned long line;
	long item; /* -1: the document itself; else the n-th ConfigMap found in it */
	int name_known;
	uint64_t name_hash; /* of metadata.name when known: a release may hold
			       many ConfigMaps, so a record stays small */
};

struct cmfv_finder {
	const struct cmfv_inject_opts *o;
	unsigned long docs, parsed;
	struct cmfv_instance *v;
	size_t n, cap;
	struct cm_rec *cm;
	size_t ncm, cmcap;
};

static const char *in_name(const struct cmfv_inject_opts *o)
{
	return o->file ? o->file : STDIN_NAME;
}

static void copy_str(char *dst, size_t n, const char *s, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, s ? s : "", s ? len : 0);
	dst[s ? len : 0] = '\0';
}

static void copy_cstr(char *dst, size_t n, const char *s)
{
	copy_str(dst, n, s, s ? strlen(s) : 0);
}

enum cmfv_err cmfv_finder_new(const struct cmfv_inject_opts *o, struct cmfv_finder **out)
{
	struct cmfv_finder *f = cmfv_calloc(1, sizeof(*f));

	if (f == NULL)
		return CMFV_ENOMEM;
	f->o = o;
	*out = f;
	return CMFV_OK;
}

static void free_instance(struct cmfv_instance *in)
{
	cmfv_free((char *)(uintptr_t)in->doc.ptr);
	cmfv_node_free(in->config);
	cmfv_node_free(in->env);
}

void cmfv_finder_free(struct cmfv_finder *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		free_instance(&f->v[i]);
	cmfv_free(f->v);
	cmfv_free(f->cm);
	cmfv_free(f);
}

int cmfv_finder_has_named(const struct cmfv_finder *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->v[i].named)
			return 1;
	return 0;
}

unsigned long cmfv_finder_documents(const struct cmfv_finder *f)
{
	return f->docs;
}

unsigned long cmfv_finder_parsed(const struct cmfv_finder *f)
{
	return f->parsed;
}

size_t cmfv_finder_count(const struct cmfv_finder *f)
{
	return f->n;
}

struct cmfv_instance *cmfv_finder_get(struct cmfv_finder *f, size_t i)
{
	return i < f->n ? &f->v[i] : NULL;
}

/* ------------------------------------------------------- which is CMF's */

/* The image's own name: registry/org/cp-cmf:tag@sha256:... -> cp-cmf. */
static int image_is_cmf(const char *img)
{
	const char *end, *slash, *colon;

	if (img == NULL)
		return 0;
	end = strchr(img, '@');
	if (end == NULL)
		end = img + strlen(img);
	slash = NULL;
	for (colon = img; colon < end; colon++)
		if (*colon == '/')
			slash = colon;
	img = slash ? slash + 1 : img;
	colon = memchr(img, ':', (size_t)(end - img));
	if (colon)
		end = colon;
	return (size_t)(end - img) == strlen(CMF_IMAGE) &&
	       memcmp(img, CMF_IMAGE, strlen(CMF_IMAGE)) == 0;
}

/* Kinds whose objects run pods, besides Deployment: CMF may run in any of
 * them, and then post-render cannot mount the key (it edits Deployments). */
static const char *const workloads[] = {"StatefulSet", "DaemonSet", "ReplicaSet",
					"ReplicationController", "Job", "CronJob", "Pod", NULL};

static int is_workload(const char *kind, size_t len)
{
	size_t i;

	for (i = 0; workloads[i]; i++)
		if (strlen(workloads[i]) == len && memcmp(workloads[i], kind, len) == 0)
			return 1;
	return 0;
}

/* The pod spec of a Deployment or another workload. */
static const struct cmfv_node *pod_spec(const struct cmfv_node *doc)
{
	const struct cmfv_node *spec = cmfv_map_get(doc, "spec");

	if (cmfv_str_is(cmfv_map_get(doc, "kind"), "Pod"))
		return spec;
	if (cmfv_str_is(cmfv_map_get(doc, "kind"), "CronJob"))
		spec = cmfv_map_get(cmfv_map_get(spec, "jobTemplate"), "spec");
	return cmfv_map_get(cmfv_map_get(spec, "template"), "spec");
}

static int image_of_cmf(const struct cmfv_node *c)
{
	return image_is_cmf(cmfv_str(cmfv_map_get(c, "image")));
}

static int runs_cmf_image(const struct cmfv_node *doc)
{
	static const char *const lists[] = {"containers", "initContainers"};
	size_t i, l;

	for (l = 0; l < 2; l++) {
		const struct cmfv_node *cs = cmfv_map_get(pod_spec(doc), lists[l]);

		for (i = 0; cmfv_is_seq(cs) && i < cs->u.seq.n; i++)
			if (image_of_cmf(cs->u.seq.v[i]))
				return 1;
	}
	return 0;
}

/* Is \p doc a Helm hook? */
static int is_hook(const struct cmfv_node *doc)
{
	const struct cmfv_node *ann = cmfv_map_get(cmfv_map_get(doc, "metadata"), "annotations");

	return cmfv_is_map(ann) && cmfv_map_get(ann, CMFV_HOOK_ANNOTATION) != NULL;
}

/* Is \p doc a CMF Deployment? With --deployment only that name counts;
 * otherwise the name label, the default name, or a container running the
 * CMF image. A Helm hook (which Helm 4 post-renders and deploys too)
 * counts only once paired with a CMF configuration (cmfv_finder_pair). */
static int is_cmf(const struct cmfv_node *doc, const struct cmfv_inject_opts *o)
{
	const struct cmfv_node *meta;

	if (!cmfv_is_map(doc))
		return 0;
	if (!cmfv_str_is(cmfv_map_get(doc, "kind"), "Deployment")) {
		const char *k = cmfv_str(cmfv_map_get(doc, "kind"));

		/* another workload: CMF's by its label or image */
		if (k == NULL || !is_workload(k, strlen(k)))
			return 0;
		return cmfv_str_is(cmfv_map_get(cmfv_map_get(cmfv_map_get(doc, "metadata"), "labels"),
					   CMFV_NAME_LABEL),
			      CMFV_DEFAULT_DEPLOYMENT) ||
		       runs_cmf_image(doc);
	}
	meta = cmfv_map_get(doc, "metadata");
	if (o->deployment && cmfv_str_is(cmfv_map_get(meta, "name"), o->deployment))
		return 1;
	return cmfv_str_is(cmfv_map_get(cmfv_map_get(meta, "labels"), CMFV_NAME_LABEL),
		      CMFV_DEFAULT_DEPLOYMENT) ||
	       cmfv_str_is(cmfv_map_get(meta, "name"), CMFV_DEFAULT_DEPLOYMENT) || runs_cmf_image(doc);
}

/* ------------------------------------------------ the chart it came from */

/* "umbrella/charts/a/charts/b/templates/x.yaml" -> "a.b"; 0 when the path
 * is not a chart template path. */
static int chart_path(const char *p, size_t n, char *out, size_t outn)
{
	const char *end = p + n, *seg = p, *slash;
	size_t used = 0;
	int first = 1;

	out[0] = '\0';
	for (;;) {
		size_t len;

		slash = memchr(seg, '/', (size_t)(end - seg));
		if (slash == NULL)
			return 0;
		len = (size_t)(slash - seg);
		if (first) {
			first = 0; /* the root chart's own name */
		} else if (len == 9 && memcmp(seg, "templates", 9) == 0) {
			return 1;
		} else if (len == 6 && memcmp(seg, "charts", 6) == 0) {
			const char *name = slash + 1, *ns = memchr(name, '/', (size_t)(end - name));

			if (ns == NULL || ns == name || used + (size_t)(ns - name) + 2 > outn)
				return 0;
			if (used)
				out[used++] = '.';
			memcpy(out + used, name, (size_t)(ns - name));
			used += (size_t)(ns - name);
			out[used] = '\0';
			slash = ns;
		} else {
			return 0;
		}
		seg = slash + 1;
	}
}

/* Helm 3 writes "# Source: PATH" before each document; Helm 4 annotates
 * metadata with the same path for the post-renderer. */
static void find_chart(const struct cmfv_doc *doc, const struct cmfv_node *tree,
		       struct cmfv_instance *in)
{
	const char *p = doc->ptr, *end = doc->ptr + doc->len;
	const char *ann = cmfv_str(cmfv_map_get(
	    cmfv_map_get(cmfv_map_get(tree, "metadata"), "annotations"), SOURCE_ANNOTATION));

	if (ann) {
		in->chart_known = chart_path(ann, strlen(ann), in->chart, sizeof(in->chart));
		return;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (le > p && le[-1] == '\r')
			le--;
		if ((size_t)(le - p) > 10 && memcmp(p, "# Source: ", 10) == 0) {
			in->chart_known =
			    chart_path(p + 10, (size_t)(le - p - 10), in->chart, sizeof(in->chart));
			return;
		}
		if (p[0] != '#' && !(le - p >= 3 && memcmp(p, "---", 3) == 0) && le != p)
			return; /* content: past the leading comments */
		p = nl ? nl + 1 : end;
	}
}

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
		if (image_of_cmf(ics->u.seq.v[i])) {
			snprintf(in->problem, sizeof(in->problem),
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
		if (o->container ? image_of_cmf(c) : named || image_of_cmf(c)) {
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
		copy_cstr(in->container, sizeof(in->container), name_of(pick));
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
	copy_cstr(in->files[in->nfiles].file, sizeof(in->files[0].file), path);
	copy_cstr(in->files[in->nfiles].cm_name, sizeof(in->files[0].cm_name), cm);
	copy_cstr(in->files[in->nfiles].cm_key, sizeof(in->files[0].cm_key), key);
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
	if (cmfv_is_map(cm) && cmfv_str(cmfv_map_get(cm, "name")) && (key = key_for(cm, rel)) != NULL)
		add_file(in, path, cmfv_str(cmfv_map_get(cm, "name")), key);
	srcs = cmfv_map_get(cmfv_map_get(v, "projected"), "sources");
	for (i = 0; cmfv_is_seq(srcs) && i < srcs->u.seq.n; i++) {
		cm = cmfv_map_get(srcs->u.seq.v[i], "configMap");
		if (cmfv_is_map(cm) && cmfv_str(cmfv_map_get(cm, "name")) && (key = key_for(cm, rel)) != NULL)
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
				volume_config(pod, cmfv_str(cmfv_map_get(m, "name")), path, rel, in);
		}
		p += n;
	}
}

/* Every configuration file the CMF container names in its args and command
 * that lies on a ConfigMap volume (FACTS.md §2: the chart passes
 * /opt/config/cmf-config.yaml). All of them are read and merged: which one
 * a wrapper script really hands CMF cannot be known. */
static void find_config_ref(const struct cmfv_node *doc, const struct cmfv_inject_opts *o,
			    struct cmfv_instance *in)
{
	const struct cmfv_node *pod = pod_spec(doc), *c = choose_container(pod, o, in);
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
		copy_cstr(in->cfg_file, sizeof(in->cfg_file), in->files[0].file);
		copy_cstr(in->cm_name, sizeof(in->cm_name), in->files[0].cm_name);
		copy_cstr(in->cm_key, sizeof(in->cm_key), in->files[0].cm_key);
	}
}

/* ------------------------------------------------------------- adding */

static enum cmfv_err read_env(const struct cmfv_node *c, struct cmfv_instance *in);

static enum cmfv_err add_instance(struct cmfv_finder *f, const struct cmfv_doc *doc,
				  const struct cmfv_node *tree, const struct cmfv_node *root,
				  int in_list, struct cmfv_diag *d)
{
	const struct cmfv_node *meta = cmfv_map_get(tree, "metadata"), *name;
	struct cmfv_instance *in;

	if (f->n == CMFV_FINDER_MAX_INSTANCES)
		return cmfv_diag_set(d, CMFV_EINPUT, in_name(f->o), (unsigned)doc->line, 1,
				     "more than %d CMF Deployments in one stream: refused",
				     CMFV_FINDER_MAX_INSTANCES);
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4;
		struct cmfv_instance *nv = cmfv_realloc(f->v, cap * sizeof(*nv));

		if (nv == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		f->v = nv;
		f->cap = cap;
	}
	in = &f->v[f->n];
	memset(in, 0, sizeof(*in));
	name = cmfv_map_get(meta, "name");
	copy_cstr(in->name, sizeof(in->name), cmfv_str(name) ? cmfv_str(name) : "(unnamed)");
	copy_cstr(in->ns, sizeof(in->ns), cmfv_str(cmfv_map_get(meta, "namespace")));
	in->loc = name ? name->loc : cmfv_map_get(tree, "kind")->loc;
	in->file = in_name(f->o);
	in->in_list = in_list;
	copy_cstr(in->kind, sizeof(in->kind), cmfv_str(cmfv_map_get(tree, "kind")));
	in->editable = !in_list && strcmp(in->kind, "Deployment") == 0;
	in->hook = is_hook(tree);
	/* with --deployment, another CMF-looking Deployment counts only once
	 * paired with a CMF configuration, like a hook */
	in->named = f->o->deployment && cmfv_str_is(name, f->o->deployment);
	in->hook |= f->o->deployment && !in->named;
	in->doc = *doc;
	find_chart(doc, in_list ? root : tree, in);
	if (!in->chart_known && in_list)
		find_chart(doc, tree, in);
	find_config_ref(tree, f->o, in);
	if (!in_list) {
		char *text = cmfv_malloc(doc->len ? doc->len : 1);

		if (text == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		memcpy(text, doc->ptr, doc->len);
		in->doc.ptr = text;
	} else {
		in->doc.ptr = NULL; /* not kept: cannot be edited */
	}
	f->n++; /* from here on, freed with the finder */
	if (!in->problem[0] && in->container[0]) {
		const struct cmfv_node *cs = cmfv_map_get(pod_spec(tree), "containers");
		size_t k;

		for (k = 0; cmfv_is_seq(cs) && k < cs->u.seq.n; k++)
			if (cmfv_str_is(cmfv_map_get(cs->u.seq.v[k], "name"), in->container) &&
			    read_env(cs->u.seq.v[k], in) != CMFV_OK)
				return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	return CMFV_OK;
}

/* FNV-1a, 64 bits: a cheap filter, confirmed by the name itself. */
static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static enum cmfv_err add_cm(struct cmfv_finder *f, const struct cmfv_doc *doc, long item,
			    const char *name, size_t name_len, int name_known,
			    struct cmfv_diag *d)
{
	struct cm_rec *c;

	if (f->ncm == CMFV_FINDER_MAX_CONFIGMAPS)
		return cmfv_diag_set(d, CMFV_EINPUT, in_name(f->o), (unsigned)doc->line, 1,
				     "more than %d ConfigMaps in one stream: refused",
				     CMFV_FINDER_MAX_CONFIGMAPS);
	if (f->ncm == f->cmcap) {
		size_t cap = f->cmcap ? f->cmcap * 2 : 16;
		struct cm_rec *nv = cmfv_realloc(f->cm, cap * sizeof(*nv));

		if (nv == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		f->cm = nv;
		f->cmcap = cap;
	}
	c = &f->cm[f->ncm++];
	memset(c, 0, sizeof(*c));
	c->file = in_name(f->o);
	c->offset = doc->offset;
	c->len = doc->len;
	c->line = doc->line;
	c->item = item;
	c->name_known = name_known;
	if (name_known)
		c->name_hash = hash(name, name_len);
	return CMFV_OK;
}

/* Is \p n a list Kubernetes flattens: a `*List` kind, or any object with
 * an `items` list (the resource builder's test)? */
static int is_list(const struct cmfv_node *n)
{
	const char *k = cmfv_str(cmfv_map_get(n, "kind"));
	size_t len = k ? strlen(k) : 0;

	return cmfv_is_map(n) && (cmfv_is_seq(cmfv_map_get(n, "items")) ||
			     (len >= 4 && strcmp(k + len - 4, "List") == 0));
}

/* One parsed object (a document, or an item of a list in it). */
static enum cmfv_err visit(struct cmfv_finder *f, const struct cmfv_doc *doc,
			   const struct cmfv_node *n, const struct cmfv_node *root, int depth,
			   long *cms, struct cmfv_diag *d)
{
	enum cmfv_err e = CMFV_OK;
	size_t i;

	if (!cmfv_is_map(n))
		return CMFV_OK;
	if (is_cmf(n, f->o))
		return add_instance(f, doc, n, root, depth > 0, d);
	if (cmfv_str_is(cmfv_map_get(n, "kind"), "ConfigMap")) {
		const struct cmfv_node *meta = cmfv_map_get(n, "metadata");
		const char *name = cmfv_str(cmfv_map_get(meta, "name"));

		e = add_cm(f, doc, depth > 0 ? *cms : -1, name, name ? strlen(name) : 0, 1, d);
		(*cms)++;
		return e;
	}
	if (is_list(n)) {
		const struct cmfv_node *items = cmfv_map_get(n, "items");

		for (i = 0; cmfv_is_seq(items) && i < items->u.seq.n && e == CMFV_OK; i++)
			e = visit(f, doc, items->u.seq.v[i], root, depth + 1, cms, d);
	}
	return e;
}

static enum cmfv_err load(const struct cmfv_finder *f, const struct cmfv_doc *doc,
			  const char *file, struct cmfv_node **tree, struct cmfv_diag *d)
{
	struct cmfv_yaml_opts yo;

	memset(&yo, 0, sizeof(yo));
	yo.line_offset = doc->line > 0 ? (unsigned)doc->line - 1 : 0;
	(void)f;
	return cmfv_yaml_load(doc->ptr, doc->len, file, &yo, tree, d);
}

enum cmfv_err cmfv_finder_add(struct cmfv_finder *f, const struct cmfv_doc *doc,
			      struct cmfv_diag *d)
{
	struct cmfv_cls_info ci;
	struct cmfv_node *tree = NULL;
	enum cmfv_err e;
	long cms = 0;

	/* time: millions of tiny documents took minutes, a few microseconds each */
	if (doc->index >= CMFV_FINDER_MAX_DOCS)
		return cmfv_diag_set(d, CMFV_EINPUT, in_name(f->o), (unsigned)doc->line, 1,
				     "more than %d documents in one stream: refused",
				     CMFV_FINDER_MAX_DOCS);
	if (!CMFV_DOC_IS_DOCUMENT(doc->flags))
		return CMFV_OK;
	f->docs++;
	cmfv_classify(doc->ptr, doc->len, &ci);
	switch (ci.cls) {
	case CMFV_CLS_OTHER:
		/* a StatefulSet, Job, Pod...: read, CMF may run in it */
		if (ci.kind.known && !is_workload(ci.kind.ptr, ci.kind.len))
			return CMFV_OK;
		break; /* a workload, or a kind the scan could not be sure of */
	case CMFV_CLS_CONFIGMAP:
		return add_cm(f, doc, -1, ci.name.ptr, ci.name.len, ci.name.known, d);
	default:
		break;
	}
	f->parsed++;
	e = load(f, doc, in_name(f->o), &tree, d);
	if (e != CMFV_OK)
		return e;
	e = visit(f, doc, tree, tree, 0, &cms, d);
	cmfv_node_free(tree);
	return e;
}

enum cmfv_err cmfv_finder_add_stream(struct cmfv_finder *f, struct cmfv_stream *s,
				     struct cmfv_diag *d)
{
	struct cmfv_doc doc;
	enum cmfv_err e;

	while ((e = cmfv_stream_next(s, &doc, d)) == CMFV_OK && doc.ptr)
		if ((e = cmfv_finder_add(f, &doc, d)) != CMFV_OK)
			break;
	return e;
}

/* ------------------------------------------------------------- pairing */

/* The ConfigMap node of record \p c, from its document's tree. */
static const struct cmfv_node *cm_node(const struct cmfv_node *n, long want, long *seen,
				       int depth)
{
	const struct cmfv_node *items, *r;
	size_t i;

	if (!cmfv_is_map(n))
		return NULL;
	if (depth > 0 && cmfv_str_is(cmfv_map_get(n, "kind"), "ConfigMap"))
		return (*seen)++ == want ? n : NULL;
	if (depth == 0 && want < 0)
		return n;
	if (!is_list(n))
		return NULL;
	items = cmfv_map_get(n, "items");
	for (i = 0; cmfv_is_seq(items) && i < items->u.seq.n; i++)
		if ((r = cm_node(items->u.seq.v[i], want, seen, depth + 1)) != NULL)
			return r;
	return NULL;
}

/* Read record \p c's document again and parse it. */
static enum cmfv_err fetch_doc(const struct cm_rec *c, cmfv_fetch_fn fetch, void *ctx,
			       char **text, struct cmfv_node **tree, struct cmfv_diag *d)
{
	struct cmfv_doc doc;
	struct cmfv_yaml_opts yo;
	enum cmfv_err e;

	*tree = NULL;
	*text = cmfv_malloc(c->len ? c->len : 1);
	if (*text == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	e = fetch(ctx, c->file, c->offset, *text, c->len, d);
	if (e != CMFV_OK)
		return e;
	memset(&doc, 0, sizeof(doc));
	doc.ptr = *text;
	doc.len = c->len;
	doc.line = c->line;
	memset(&yo, 0, sizeof(yo));
	yo.line_offset = doc.line > 0 ? (unsigned)doc.line - 1 : 0;
	return cmfv_yaml_load(doc.ptr, doc.len, c->file, &yo, tree, d);
}

/* The exact name and namespace of record \p c's ConfigMap (read again). */
static enum cmfv_err read_name(const struct cm_rec *c, cmfv_fetch_fn fetch, void *ctx,
			       char *name, char *ns, size_t n, struct cmfv_diag *d)
{
	struct cmfv_node *tree = NULL;
	const struct cmfv_node *meta;
	char *text = NULL;
	long seen = 0;
	enum cmfv_err e = fetch_doc(c, fetch, ctx, &text, &tree, d);

	if (e == CMFV_OK) {
		meta = cmfv_map_get(cm_node(tree, c->item, &seen, 0), "metadata");
		copy_cstr(name, n, cmfv_str(cmfv_map_get(meta, "name")));
		copy_cstr(ns, n, cmfv_str(cmfv_map_get(meta, "namespace")));
	}
	cmfv_node_free(tree);
	cmfv_free(text);
	return e;
}

/* Are two namespaces the same: 1 certainly, 0 certainly not, -1 cannot
 * tell. A document without one goes to the release namespace, known only
 * from -n. */
static int same_ns(const struct cmfv_finder *f, const char *a, const char *b)
{
	const char *rel = f->o->namespace && f->o->namespace[0] ? f->o->namespace : NULL;

	if (!a[0] && rel)
		a = rel;
	if (!b[0] && rel)
		b = rel;
	if (!a[0] != !b[0])
		return -1; /* one explicit, the other the release's, which is unknown */
	return strcmp(a, b) == 0;
}

static const char *const watched[] = {CMFV_PATH_PRODUCTION, CMFV_PATH_ENC_ENABLED,
				      CMFV_PATH_SECRET_NAME, CMFV_PATH_SECRET_PROP, NULL};

/* Is \p path a setting we decide on, or a map above one? */
static int is_watched(const char *path)
{
	size_t i, n = strlen(path);

	for (i = 0; watched[i]; i++)
		if (strncmp(watched[i], path, n) == 0 && (watched[i][n] == '\0' || watched[i][n] == '.'))
			return 1;
	return 0;
}

static int same_scalar(const struct cmfv_node *a, const struct cmfv_node *b)
{
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case CMFV_NULL:
		return 1;
	case CMFV_BOOL:
		return a->u.b == b->u.b;
	case CMFV_INT:
		return a->u.i == b->u.i;
	case CMFV_FLOAT:
		return a->u.f == b->u.f;
	case CMFV_STR:
		return a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0;
	default:
		return 0;
	}
}

struct merge {
	struct cmfv_node *acc;
	struct cmfv_loc at; /* flat locations: every node at the ConfigMap value */
	int flat;
};

static void set_locs(struct cmfv_node *n, struct cmfv_loc at)
{
	size_t i;

	if (n == NULL)
		return;
	n->loc = at;
	if (n->kind == CMFV_MAP)
		for (i = 0; i < n->u.map.n; i++) {
			n->u.map.v[i].key_loc = at;
			set_locs(n->u.map.v[i].val, at);
		}
	else if (n->kind == CMFV_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			set_locs(n->u.seq.v[i], at);
}

/* Later documents of the file win, as in a multi-document configuration;
 * a setting we decide on may not be given two different values. */
static enum cmfv_err merge_into(struct cmfv_node *dst, struct cmfv_node *src, char *path,
				size_t plen, struct cmfv_diag *d)
{
	size_t i;
	enum cmfv_err e = CMFV_OK;

	for (i = 0; i < src->u.map.n && e == CMFV_OK; i++) {
		struct cmfv_pair *sp = &src->u.map.v[i];
		struct cmfv_pair *dp = cmfv_map_get_pair(dst, sp->key);
		size_t n = strlen(path);

		snprintf(path + n, plen - n, "%s%s", n ? "." : "", sp->key);
		if (dp && cmfv_is_map(dp->val) && cmfv_is_map(sp->val)) {
			e = merge_into(dp->val, sp->val, path, plen, d);
		} else if (dp && is_watched(path) &&
			   (cmfv_is_map(dp->val) || cmfv_is_map(sp->val) || !same_scalar(dp->val, sp->val))) {
			e = cmfv_diag_set(d, CMFV_EINPUT, sp->key_loc.file, sp->key_loc.line,
					  sp->key_loc.col,
					  "the CMF configuration sets %s again, differently (first at "
					  "line %u): cmf-validate cannot tell which one CMF reads",
					  path, dp->key_loc.line);
		} else {
			struct cmfv_node *v = sp->val;

			sp->val = cmfv_node_new(CMFV_NULL, sp->key_loc);
			if (sp->val == NULL) {
				sp->val = v;
				e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			} else {
				e = cmfv_map_set(dst, sp->key, sp->key_loc, v);
				if (e == CMFV_ENOMEM)
					cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			}
		}
		path[n] = '\0';
	}
	return e;
}

static enum cmfv_err merge_doc(void *ctx, struct cmfv_node *doc, struct cmfv_diag *d)
{
	struct merge *m = ctx;
	char path[512] = "";
	enum cmfv_err e = CMFV_OK;

	if (cmfv_is_map(doc)) {
		if (m->flat)
			set_locs(doc, m->at);
		if (m->acc == NULL) {
			m->acc = doc;
			return CMFV_OK;
		}
		e = merge_into(m->acc, doc, path, sizeof(path), d);
	}
	cmfv_node_free(doc);
	return e;
}

/* Where the block scalar at \p v begins in \p text (starting at stream
 * line \p line): a literal `|` keeps lines, so its content maps to the
 * stream line by line at a fixed indentation. 0 when \p v is another
 * style (the locations then all point at the value). */
static int literal_at(const char *text, size_t len, unsigned long line, struct cmfv_loc v,
		      unsigned *indent)
{
	const char *p = text, *end = text + len;
	unsigned long l = line;
	unsigned col = 1;

	while (l < v.line && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			return 0;
		p = nl + 1;
		l++;
	}
	while (col < v.col && p < end && *p != '\n') {
		p++;
		while (p < end && ((unsigned char)*p & 0xC0) == 0x80)
			p++;
		col++;
	}
	if (p >= end || *p != '|')
		return 0;
	p++;
	while (p < end && (*p == '-' || *p == '+'))
		p++;
	if (p < end && *p >= '1' && *p <= '9')
		return 0; /* an indentation indicator: count on the flat form */
	p = memchr(p, '\n', (size_t)(end - p));
	while (p && ++p < end) {
		const char *q = p;

		while (q < end && *q == ' ')
			q++;
		if (q < end && *q != '\n' && *q != '\r') {
			*indent = (unsigned)(q - p);
			return 1;
		}
		p = memchr(q, '\n', (size_t)(end - q));
	}
	return 0;
}

/* ------------------------------------------------ relaxed spellings */

/* A key as a relaxed binder (Spring Boot's) compares it: [brackets]
 * dropped, lower case, '-' and '_' ignored. Dots stay: `cmf.sql.production:`
 * at the top level is the same setting as the nested form. */
static void relax(const char *k, char *out, size_t n)
{
	size_t len = strlen(k), i, o = 0;

	if (len >= 2 && k[0] == '[' && k[len - 1] == ']') {
		k++;
		len -= 2;
	}
	for (i = 0; i < len && o + 1 < n; i++) {
		char c = k[i];

		if (c == '-' || c == '_')
			continue;
		out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[o] = '\0';
}

struct relaxed {
	const struct cmfv_node *imports; /* spring.config.import: more files, unseen */
	const struct cmfv_node *v[4]; /* the value found for watched[i] */
	char rel[4][128];             /* watched[i], relaxed */
	struct cmfv_diag *d;
};

static enum cmfv_err walk_relaxed(const struct cmfv_node *m, const char *prefix,
				  struct relaxed *r)
{
	size_t i, k;
	enum cmfv_err e;

	for (i = 0; i < m->u.map.n; i++) {
		const struct cmfv_pair *p = &m->u.map.v[i];
		char seg[256], path[512];

		relax(p->key, seg, sizeof(seg));
		snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "." : "", seg);
		if (strncmp(path, "spring.config.import", 20) == 0 && r->imports == NULL)
			r->imports = p->val;
		if (cmfv_is_map(p->val)) {
			if ((e = walk_relaxed(p->val, path, r)) != CMFV_OK)
				return e;
			continue;
		}
		for (k = 0; watched[k]; k++) {
			if (strcmp(path, r->rel[k]) != 0)
				continue;
			if (r->v[k] && !same_scalar(r->v[k], p->val))
				return cmfv_diag_set(r->d, CMFV_EINPUT, p->key_loc.file, p->key_loc.line,
						     p->key_loc.col,
						     "the CMF configuration sets %s again as %s, "
						     "differently (first at line %u): cmf-validate "
						     "cannot tell which one CMF reads",
						     watched[k], p->key, r->v[k]->loc.line);
			r->v[k] = p->val;
		}
	}
	return CMFV_OK;
}

/* Put a copy of \p v at the dotted \p path of map \p root. */
static enum cmfv_err set_path(struct cmfv_node *root, const char *path, const struct cmfv_node *v)
{
	char seg[128];
	const char *dot = strchr(path, '.');
	struct cmfv_node *next, *cp;

	if (dot == NULL) {
		if (cmfv_map_get(root, path) == v)
			return CMFV_OK;
		cp = cmfv_node_copy(v);
		return cp ? cmfv_map_set(root, path, v->loc, cp) : CMFV_ENOMEM;
	}
	copy_str(seg, sizeof(seg), path, (size_t)(dot - path));
	next = cmfv_map_get(root, seg);
	if (!cmfv_is_map(next)) {
		enum cmfv_err e;

		next = cmfv_node_new(CMFV_MAP, v->loc);
		if (next == NULL)
			return CMFV_ENOMEM;
		if ((e = cmfv_map_set(root, seg, v->loc, next)) != CMFV_OK)
			return e;
		next = cmfv_map_get(root, seg);
	}
	return set_path(next, dot + 1, v);
}

/* Fold relaxed spellings of the settings we decide on into their canonical
 * paths; two spellings with different values are refused. Then the CMF
 * container's environment, which a relaxed binder lets win. */
static enum cmfv_err canonical(struct cmfv_instance *in, struct cmfv_diag *d)
{
	struct relaxed r;
	size_t k;
	enum cmfv_err e;

	memset(&r, 0, sizeof(r));
	r.d = d;
	for (k = 0; watched[k]; k++)
		relax(watched[k], r.rel[k], sizeof(r.rel[k]));
	if ((e = walk_relaxed(in->config, "", &r)) != CMFV_OK)
		return e;
	if (r.imports) {
		snprintf(in->problem, sizeof(in->problem),
			 "its configuration imports more configuration (spring.config.import, line %u), "
			 "which cannot be read here",
			 r.imports->loc.line);
		return CMFV_OK;
	}
	for (k = 0; watched[k]; k++) {
		const struct cmfv_node *env = cmfv_map_get(in->env, watched[k]);

		if (env)
			r.v[k] = env;
		if (r.v[k] && (e = set_path(in->config, watched[k], r.v[k])) != CMFV_OK)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	return CMFV_OK;
}

/* An environment variable's name as a relaxed binder reads it: lower
 * case, '_' as '.', '-' ignored (CMF_SQL_PRODUCTION -> cmf.sql.production,
 * compared with relax()'s form of the setting). */
static void env_name(const char *name, char *out, size_t n)
{
	size_t i, o = 0;

	for (i = 0; name[i] && o + 1 < n; i++) {
		char c = name[i];

		if (c == '-')
			continue;
		out[o++] = c == '_' ? '.' : (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[o] = '\0';
}

/* The CMF container's environment, for the settings we decide on: an
 * environment variable binds as the lower-cased name with '_' read as '.'.
 * A value from a reference, or envFrom, cannot be read here: a problem. */
static enum cmfv_err read_env(const struct cmfv_node *c, struct cmfv_instance *in)
{
	const struct cmfv_node *env = cmfv_map_get(c, "env");
	const struct cmfv_node *from = cmfv_map_get(c, "envFrom");
	size_t i, k;

	if (cmfv_is_seq(from) && from->u.seq.n > 0) {
		snprintf(in->problem, sizeof(in->problem),
			 "its CMF container takes environment variables from envFrom, which may set "
			 "%s and cannot be read here",
			 CMFV_PATH_PRODUCTION);
		return CMFV_OK;
	}
	for (i = 0; cmfv_is_seq(env) && i < env->u.seq.n; i++) {
		const struct cmfv_node *e = env->u.seq.v[i], *val;
		const char *name = cmfv_str(cmfv_map_get(e, "name"));
		char bound[256];

		if (name == NULL)
			continue;
		env_name(name, bound, sizeof(bound));
		for (k = 0; watched[k]; k++) {
			char want[128];
			struct cmfv_node *v;

			relax(watched[k], want, sizeof(want));
			if (strcmp(bound, want) != 0)
				continue;
			val = cmfv_map_get(e, "value");
			if (val == NULL || cmfv_map_get(e, "valueFrom")) {
				snprintf(in->problem, sizeof(in->problem),
					 "its CMF container's environment variable %s sets %s from a "
					 "reference that cannot be read here",
					 name, watched[k]);
				return CMFV_OK;
			}
			if (cmfv_str(val) && (strcasecmp(cmfv_str(val), "true") == 0 ||
					 strcasecmp(cmfv_str(val), "false") == 0)) {
				v = cmfv_node_new(CMFV_BOOL, val->loc);
				if (v)
					v->u.b = strcasecmp(cmfv_str(val), "true") == 0;
			} else {
				v = cmfv_node_copy(val);
			}
			if (v == NULL)
				return CMFV_ENOMEM;
			if (in->env == NULL && (in->env = cmfv_node_new(CMFV_MAP, val->loc)) == NULL) {
				cmfv_node_free(v);
				return CMFV_ENOMEM;
			}
			if (cmfv_map_set(in->env, watched[k], val->loc, v) != CMFV_OK)
				return CMFV_ENOMEM;
		}
	}
	return CMFV_OK;
}

/* ------------------------------------------------------------ pairing */

/* Read file \p k's text into the merged configuration \p m. */
static enum cmfv_err load_config(struct cmfv_instance *in, size_t k, const struct cm_rec *c,
				 cmfv_fetch_fn fetch, void *ctx, struct merge *m, int *found,
				 struct cmfv_diag *d)
{
	struct cmfv_node *tree = NULL;
	const struct cmfv_node *cm, *v;
	struct cmfv_yaml_opts yo;
	char *text = NULL;
	long seen = 0;
	unsigned indent = 0;
	enum cmfv_err e = fetch_doc(c, fetch, ctx, &text, &tree, d);

	*found = 0;
	if (e != CMFV_OK)
		goto out;
	cm = cm_node(tree, c->item, &seen, 0);
	v = cmfv_map_get(cmfv_map_get(cm, "data"), in->files[k].cm_key);
	if (v == NULL || v->kind != CMFV_STR)
		goto out;
	if (k == 0)
		in->cm_loc = v->loc;
	memset(&yo, 0, sizeof(yo));
	yo.no_merge = 1; /* CMF's YAML reader and Helm's merge `<<` differently */
	m->flat = 0;
	if (literal_at(text, c->len, c->line, v->loc, &indent)) {
		yo.line_offset = v->loc.line;
		yo.col_offset = indent;
	} else {
		m->flat = 1;
		m->at = v->loc;
	}
	e = cmfv_yaml_load_all(v->u.s.ptr, v->u.s.len, c->file, &yo, merge_doc, m, d);
	*found = e == CMFV_OK;
out:
	cmfv_node_free(tree);
	cmfv_free(text);
	return e;
}

/* Pair file \p k of \p in with its ConfigMap: its state. */
static enum cmfv_err pair_file(struct cmfv_finder *f, struct cmfv_instance *in, size_t k,
			       cmfv_fetch_fn fetch, void *ctx, struct merge *m,
			       enum cmfv_cfg_state *st, struct cmfv_diag *d)
{
	const char *want_name = in->files[k].cm_name;
	uint64_t want = hash(want_name, strlen(want_name));
	size_t i, hits = 0, at = 0, unsure = 0, maybe = 0;
	int found = 0;
	enum cmfv_err e;

	for (i = 0; i < f->ncm; i++) {
		struct cm_rec *c = &f->cm[i];
		char name[254], ns[254];

		if (c->name_known && c->name_hash != want)
			continue;
		if ((e = read_name(c, fetch, ctx, name, ns, sizeof(name), d)) != CMFV_OK)
			return e;
		c->name_known = 1;
		c->name_hash = hash(name, strlen(name));
		if (strcmp(name, want_name) == 0) {
			int same = same_ns(f, ns, in->ns);

			if (same > 0) {
				hits++;
				at = i;
			} else if (same < 0) {
				unsure++;
				maybe = i;
			}
		}
	}
	/* a ConfigMap certainly in the Deployment's namespace is the one; else
	 * one that may be is a guess: refused (pass -n) */
	if (hits == 0 && unsure > 0) {
		*st = CMFV_CFG_AMBIGUOUS;
		in->ns_unsure = 1;
		(void)maybe;
		return CMFV_OK;
	}
	*st = hits > 1 ? CMFV_CFG_AMBIGUOUS : CMFV_CFG_MISSING;
	if (hits != 1)
		return CMFV_OK;
	e = load_config(in, k, &f->cm[at], fetch, ctx, m, &found, d);
	if (e == CMFV_OK && found)
		*st = CMFV_CFG_FOUND;
	return e;
}

static enum cmfv_err pair_one(struct cmfv_finder *f, struct cmfv_instance *in,
			      cmfv_fetch_fn fetch, void *ctx, struct cmfv_diag *d)
{
	struct merge m;
	enum cmfv_cfg_state worst = CMFV_CFG_FOUND, st;
	enum cmfv_err e = CMFV_OK;
	size_t k;

	memset(&m, 0, sizeof(m));
	for (k = 0; k < in->nfiles && e == CMFV_OK; k++) {
		e = pair_file(f, in, k, fetch, ctx, &m, &st, d);
		if (e == CMFV_OK && st > worst)
			worst = st;
	}
	if (e != CMFV_OK || worst != CMFV_CFG_FOUND) {
		cmfv_node_free(m.acc);
		in->cfg = e == CMFV_OK ? worst : in->cfg;
		return e;
	}
	in->config = m.acc ? m.acc : cmfv_node_new(CMFV_MAP, in->cm_loc);
	if (in->config == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	in->cfg = CMFV_CFG_FOUND;
	return canonical(in, d);
}

enum cmfv_err cmfv_finder_pair(struct cmfv_finder *f, cmfv_fetch_fn fetch, void *ctx,
			       struct cmfv_diag *d)
{
	size_t i, kept = 0;
	enum cmfv_err e;

	for (i = 0; i < f->n; i++)
		if (f->v[i].cfg == CMFV_CFG_MISSING && !f->v[i].problem[0] &&
		    (e = pair_one(f, &f->v[i], fetch, ctx, d)) != CMFV_OK)
			return e;
	/* hooks that run no CMF configuration are not CMF's: they pass */
	for (i = 0; i < f->n; i++) {
		if (f->v[i].hook && f->v[i].cfg != CMFV_CFG_FOUND) {
			free_instance(&f->v[i]);
			continue;
		}
		f->v[kept++] = f->v[i];
	}
	f->n = kept;
	return CMFV_OK;
}

/* ------------------------------------------------------------ deciding */

static int differ(const char *a, const char *b)
{
	return a && b && strcmp(a, b) != 0;
}

/* The values as chart \p in->chart sees them (a subchart's own part). */
static const struct cmfv_node *values_view(const struct cmfv_node *values,
					   const struct cmfv_instance *in)
{
	char path[sizeof(in->chart)];
	char *seg, *save = NULL;
	const struct cmfv_node *v = values;

	if (!in->chart_known || !in->chart[0])
		return values;
	memcpy(path, in->chart, sizeof(path));
	for (seg = strtok_r(path, ".", &save); seg && v; seg = strtok_r(NULL, ".", &save))
		v = cmfv_map_get(v, seg);
	return v;
}

static const char *where(const struct cmfv_loc *l, char *buf, size_t n)
{
	if (l->file && l->line)
		snprintf(buf, n, " (%s:%u)", l->file, l->line);
	else if (l->file)
		snprintf(buf, n, " (%s)", l->file);
	else
		buf[0] = '\0';
	return buf;
}

static const char *why_no_config(const struct cmfv_instance *in, char *buf, size_t n)
{
	switch (in->cfg) {
	case CMFV_CFG_NO_REF:
		snprintf(buf, n, "its CMF container names no configuration file on a ConfigMap volume");
		break;
	case CMFV_CFG_AMBIGUOUS:
		if (in->ns_unsure)
			snprintf(buf, n,
				 "ConfigMap %s has a namespace of its own or the release's, the "
				 "Deployment the other, and the release namespace is not known "
				 "(pass -n NAMESPACE)",
				 in->cm_name);
		else
			snprintf(buf, n, "more than one ConfigMap is named %s", in->cm_name);
		break;
	default:
		snprintf(buf, n, "its configuration %s (ConfigMap %s, key %s) is not in the rendered manifests",
			 in->cfg_file, in->cm_name, in->cm_key);
	}
	return buf;
}

/* CMF005 when what was given disagrees with what was rendered. */
static enum cmfv_err compare(const struct cmfv_instance *in, const struct cmfv_keyref *rend,
			     const struct cmfv_keyref *given, const char *what,
			     struct cmfv_report *r)
{
	char wb[300];
	enum cmfv_err e = CMFV_OK;
	int mode_set = given->required || given->required_loc.file;

	if (mode_set && given->required != rend->required)
		e = cmfv_report_add(r, "CMF005", rend->required_by ? rend->required_by : CMFV_PATH_PRODUCTION,
				    rend->required_loc.file ? rend->required_loc : in->cm_loc,
				    "%s turn encryption %s%s, but the configuration rendered for "
				    "Deployment %s (ConfigMap %s) turns it %s",
				    what, given->required ? "on" : "off",
				    where(&given->required_loc, wb, sizeof(wb)), in->name, in->cm_name,
				    rend->required ? "on" : "off");
	if (e == CMFV_OK && differ(given->name, rend->name))
		e = cmfv_report_add(r, "CMF005", CMFV_PATH_SECRET_NAME,
				    rend->name_loc.file ? rend->name_loc : in->cm_loc,
				    "%s name Secret %s%s, but the configuration rendered for "
				    "Deployment %s names %s",
				    what, given->name, where(&given->name_loc, wb, sizeof(wb)),
				    in->name, rend->name);
	if (e == CMFV_OK && differ(given->property, rend->property))
		e = cmfv_report_add(r, "CMF005", CMFV_PATH_SECRET_PROP,
				    rend->prop_loc.file ? rend->prop_loc : in->cm_loc,
				    "%s name Secret property %s%s, but the configuration rendered "
				    "for Deployment %s names %s",
				    what, given->property, where(&given->prop_loc, wb, sizeof(wb)),
				    in->name, rend->property);
	return e;
}

enum cmfv_err cmfv_instance_decide(const struct cmfv_instance *in,
				   const struct cmfv_judge_input *j, struct cmfv_decision *dec,
				   struct cmfv_report *r, struct cmfv_buf *note)
{
	char why[1400];
	enum cmfv_err e;

	memset(dec, 0, sizeof(*dec));
	if (in->problem[0])
		return cmfv_report_add(r, "CMF031", NULL, in->loc,
				       "cannot tell whether CMF Deployment %s needs the key: %s",
				       in->name, in->problem);
	if (in->cfg == CMFV_CFG_FOUND) {
		struct cmfv_keyref given;

		cmfv_keyref_from_values(in->config, NULL, NULL, &dec->ref);
		dec->basis = "the rendered config";
		e = cmfv_check_values(in->config, &dec->ref, r);
		if (e == CMFV_OK && j->values) {
			cmfv_keyref_from_values(values_view(j->values, in), NULL, NULL, &given);
			e = compare(in, &dec->ref, &given, "the values", r);
		}
		if (e == CMFV_OK && (j->secret_name || j->secret_property)) {
			memset(&given, 0, sizeof(given));
			given.name = j->secret_name;
			given.property = j->secret_property;
			e = compare(in, &dec->ref, &given, "--secret-name/--secret-property", r);
		}
		if (e == CMFV_OK && note)
			cmfv_buf_printf(note,
					"Deployment %s: encryption %s by its rendered configuration "
					"%s (ConfigMap %s, key %s)",
					in->name, dec->ref.required ? "required" : "not required",
					in->cfg_file, in->cm_name, in->cm_key);
		return e;
	}
	why_no_config(in, why, sizeof(why));
	if (j->values) {
		const struct cmfv_node *v = values_view(j->values, in);

		cmfv_keyref_from_values(v, j->secret_name, j->secret_property, &dec->ref);
		dec->basis = "the values";
		if (j->check_fallback && v && (e = cmfv_check_values(v, &dec->ref, r)) != CMFV_OK)
			return e;
		if (note)
			cmfv_buf_printf(note, "Deployment %s: %s; decided from the values given", in->name,
					why);
		return CMFV_OK;
	}
	if (j->secret_name && j->secret_property) {
		cmfv_keyref_from_values(NULL, j->secret_name, j->secret_property, &dec->ref);
		dec->ref.required = 1;
		dec->basis = "--secret-name and --secret-property";
		if (note)
			cmfv_buf_printf(note, "Deployment %s: %s; mounting the Secret the flags name",
					in->name, why);
		return CMFV_OK;
	}
	return cmfv_report_add(r, "CMF031", NULL, in->loc,
			       "cannot tell whether CMF Deployment %s needs the key: %s; render the "
			       "chart's ConfigMap too, or give the release's values (-f, --set) or "
			       "--secret-name and --secret-property",
			       in->name, why);
}

enum cmfv_err cmfv_instance_unmountable(const struct cmfv_instance *in, struct cmfv_report *r)
{
	return cmfv_report_add(r, "CMF033", NULL, in->loc,
			       "CMF %s %s needs the key, but %s: post-render mounts it into "
			       "Deployment documents only; render CMF as a Deployment of its own",
			       in->kind, in->name,
			       in->in_list ? "it is an item of a List" : "it is no Deployment");
}

enum cmfv_err cmfv_finder_none(const struct cmfv_finder *f, struct cmfv_report *r)
{
	struct cmfv_loc none = {NULL, 0, 0};

	if (f->o->deployment)
		return cmfv_report_add(r, "CMF030", NULL, none,
				       "no Deployment named %s among the %lu rendered documents",
				       f->o->deployment, f->docs);
	return cmfv_report_add(r, "CMF030", NULL, none,
			       "no Deployment labelled %s: %s, named %s or running the %s image "
			       "among the %lu rendered documents (pass --deployment NAME if the "
			       "chart renames it)",
			       CMFV_NAME_LABEL, CMFV_DEFAULT_DEPLOYMENT, CMFV_DEFAULT_DEPLOYMENT,
			       CMF_IMAGE, f->docs);
}
