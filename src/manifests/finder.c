/* Every CMF Deployment in a stream, each paired with the configuration it
 * will read (finder.h; docs/post-render.md, "How post-render decides"):
 * which workload is CMF's, which chart it came from, adding instances. */
#include "cmfv/finder.h"

#include <stdint.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/classify.h"
#include "cmfv/yaml.h"

#include "finder_int.h"

static const char *in_name(const struct cmfv_inject_opts *o)
{
	return o->file ? o->file : STDIN_NAME;
}

enum cmfv_err cmfv_finder_new(const struct cmfv_inject_opts *o, struct cmfv_finder **out)
{
	struct cmfv_finder *f = cmfv_calloc(1, sizeof(*f));

	if (f == NULL)
		return CMFV_ENOMEM;
	f->o = o;
	f->nodes_left = CMFV_FINDER_MAX_NODES;
	*out = f;
	return CMFV_OK;
}

void fnd_budget(struct cmfv_finder *f, struct cmfv_yaml_opts *yo)
{
	yo->budget = &f->nodes_left;
	yo->budget_what = "the documents post-render parses in one stream (workloads, their "
			  "ConfigMaps and configuration files)";
	yo->budget_total = CMFV_FINDER_MAX_NODES;
	yo->flow_spent = &f->flow_spent;
}

void cmfv_finder_free(struct cmfv_finder *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		fnd_free_instance(&f->v[i]);
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

/* Kinds whose objects run pods, besides Deployment: CMF may run in any of
 * them, and then post-render cannot mount the key (it edits Deployments). */
static const char *const workloads[] = {
    "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
    "Job",	   "CronJob",	"Pod",	      NULL};

static int is_workload(const char *kind, size_t len)
{
	size_t i;

	for (i = 0; workloads[i]; i++)
		if (strlen(workloads[i]) == len && memcmp(workloads[i], kind, len) == 0)
			return 1;
	return 0;
}

static int runs_cmf_image(const struct cmfv_node *doc)
{
	static const char *const lists[] = {"containers", "initContainers"};
	size_t i, l;

	for (l = 0; l < 2; l++) {
		const struct cmfv_node *cs = cmfv_map_get(fnd_pod_spec(doc), lists[l]);

		for (i = 0; cmfv_is_seq(cs) && i < cs->u.seq.n; i++)
			if (fnd_image_of_cmf(cs->u.seq.v[i]))
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
		return cmfv_str_is(
			   cmfv_map_get(cmfv_map_get(cmfv_map_get(doc, "metadata"), "labels"),
					CMFV_NAME_LABEL),
			   CMFV_DEFAULT_DEPLOYMENT) ||
		       runs_cmf_image(doc);
	}
	meta = cmfv_map_get(doc, "metadata");
	if (o->deployment && cmfv_str_is(cmfv_map_get(meta, "name"), o->deployment))
		return 1;
	return cmfv_str_is(cmfv_map_get(cmfv_map_get(meta, "labels"), CMFV_NAME_LABEL),
			   CMFV_DEFAULT_DEPLOYMENT) ||
	       cmfv_str_is(cmfv_map_get(meta, "name"), CMFV_DEFAULT_DEPLOYMENT) ||
	       runs_cmf_image(doc);
}

/* Does \p hay[0..n) hold \p needle (a C string, not empty)? */
static int holds(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	const char *p = hay, *end = hay + n;

	while (k && (size_t)(end - p) >= k &&
	       (p = memchr(p, needle[0], (size_t)(end - p) - k + 1))) {
		if (memcmp(p, needle, k) == 0)
			return 1;
		p++;
	}
	return 0;
}

/* Can this Deployment or other workload, from its text alone, be CMF's
 * (is_cmf)? is_cmf reads its name, its name label and its images: each
 * says CMF only when the loaded string holds "confluent-manager-for-apache-
 * flink", "cp-cmf" or the --deployment name, and a YAML string holds what
 * its text holds, bar line folding (which only adds spaces or breaks), a
 * `\` escape or a tag (`!!binary`). Text with neither and none of those
 * names is not CMF's, and needs no parse: a parse costs 50-100 times a
 * scan, and real releases run many Deployments. */
static int prefilter = 1; /* cmfv_finder_use_prefilter */

int cmfv_text_names_cmf(const char *text, size_t len)
{
	return holds(text, len, CMFV_DEFAULT_DEPLOYMENT) || holds(text, len, CMF_IMAGE);
}

void cmfv_finder_use_prefilter(int on)
{
	prefilter = on;
}

static int may_be_cmf(const struct cmfv_doc *doc, const struct cmfv_inject_opts *o)
{
	const char *p, *dep = o->deployment;

	if (!prefilter)
		return 1;
	if (memchr(doc->ptr, '\\', doc->len) || memchr(doc->ptr, '!', doc->len))
		return 1;
	if (cmfv_text_names_cmf(doc->ptr, doc->len))
		return 1;
	if (dep == NULL)
		return 0;
	/* a name YAML may write in another way (quotes, blanks...): parse */
	for (p = dep; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.'))
			return 1;
	return p == dep || holds(doc->ptr, doc->len, dep);
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

/* ------------------------------------------------------------- adding */

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
	fnd_copy_cstr(in->name, sizeof(in->name), cmfv_str(name) ? cmfv_str(name) : "(unnamed)");
	fnd_copy_cstr(in->ns, sizeof(in->ns), cmfv_str(cmfv_map_get(meta, "namespace")));
	in->loc = name ? name->loc : cmfv_map_get(tree, "kind")->loc;
	in->file = in_name(f->o);
	in->in_list = in_list;
	fnd_copy_cstr(in->kind, sizeof(in->kind), cmfv_str(cmfv_map_get(tree, "kind")));
	in->editable = !in_list && strcmp(in->kind, "Deployment") == 0;
	in->hook = is_hook(tree);
	/* with --deployment, another CMF-looking Deployment counts only once
	 * paired with a CMF configuration, like a hook */
	in->named = f->o->deployment && cmfv_str_is(name, f->o->deployment);
	in->hook |= f->o->deployment && !in->named;
	in->doc = *doc;
	in->doc.col0 = NULL; /* the splitter's, gone at its next piece */
	in->doc.ncol0 = in->doc.col0_covered = 0;
	find_chart(doc, in_list ? root : tree, in);
	if (!in->chart_known && in_list)
		find_chart(doc, tree, in);
	fnd_config_ref(tree, f->o, in);
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
		const struct cmfv_node *cs = cmfv_map_get(fnd_pod_spec(tree), "containers");
		size_t k;

		for (k = 0; cmfv_is_seq(cs) && k < cs->u.seq.n; k++)
			if (cmfv_str_is(cmfv_map_get(cs->u.seq.v[k], "name"), in->container) &&
			    fnd_read_env(cs->u.seq.v[k], in) != CMFV_OK)
				return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	return CMFV_OK;
}

static enum cmfv_err add_cm(struct cmfv_finder *f, const struct cmfv_doc *doc, long item,
			    const char *name, size_t name_len, int name_known, struct cmfv_diag *d)
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
		c->name_hash = fnd_hash(name, name_len);
	return CMFV_OK;
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
	if (fnd_is_list(n)) {
		const struct cmfv_node *items = cmfv_map_get(n, "items");

		for (i = 0; cmfv_is_seq(items) && i < items->u.seq.n && e == CMFV_OK; i++)
			e = visit(f, doc, items->u.seq.v[i], root, depth + 1, cms, d);
	}
	return e;
}

static enum cmfv_err load(struct cmfv_finder *f, const struct cmfv_doc *doc, const char *file,
			  struct cmfv_node **tree, struct cmfv_diag *d)
{
	struct cmfv_yaml_opts yo;

	memset(&yo, 0, sizeof(yo));
	yo.line_offset = doc->line > 0 ? (unsigned)doc->line - 1 : 0;
	fnd_budget(f, &yo);
	return cmfv_yaml_load(doc->ptr, doc->len, file, &yo, tree, d);
}

enum cmfv_err cmfv_finder_add(struct cmfv_finder *f, const struct cmfv_doc *doc,
			      struct cmfv_diag *d)
{
	struct cmfv_cls_info ci;
	struct cmfv_cls_hint hint;
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
	hint.col0 = doc->col0;
	hint.n = doc->ncol0;
	hint.covered = doc->col0_covered;
	hint.odd_free = doc->odd_free;
	cmfv_classify_hint(doc->ptr, doc->len, &hint, &ci);
	switch (ci.cls) {
	case CMFV_CLS_OTHER:
		/* no kind: no workload, ConfigMap or List (a top-level items
		 * key is CMFV_CLS_LIST) */
		if (ci.kind_absent)
			return CMFV_OK;
		/* a StatefulSet, Job, Pod...: read, CMF may run in it */
		if (ci.kind.known &&
		    (!is_workload(ci.kind.ptr, ci.kind.len) || !may_be_cmf(doc, f->o)))
			return CMFV_OK;
		break; /* a workload, or a kind the scan could not be sure of */
	case CMFV_CLS_DEPLOYMENT:
		if (!may_be_cmf(doc, f->o))
			return CMFV_OK; /* another chart's: nothing here is CMF's */
		break;
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
