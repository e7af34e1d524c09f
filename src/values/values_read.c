/* Reading values as Helm's ReadValues does: go-yaml's quirks (BOMs inside
 * the text, Helm 4's reader), stdin read once, Helm's URL check of -f. */
#include "cmfv/values.h"

#include <openssl/crypto.h>
#include <string.h>
#include <sys/stat.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/yaml.h"

#include "values_int.h"

/* A BOM that starts a line (not the text) is content for go-yaml, which
 * skips one only at the start of the stream: "\uFEFFb: 2" is the key
 * "\uFEFFb". libyaml skips it at every line start, so it is swapped for a
 * stand-in of the same length before parsing and swapped back after. */
static const char BOM[3] = {'\xEF', '\xBB', '\xBF'};
static const char STANDIN[3] = {'\xEF', '\xB7', '\x90'}; /* U+FDD0, a noncharacter */

static int has_bytes(const char *s, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i + 3 <= n; i++)
		if (memcmp(s + i, what, 3) == 0)
			return 1;
	return 0;
}

/* Whether \p i starts a line for libyaml: after \n, \r, NEL, LS or PS. */
static int after_break(const char *t, size_t i)
{
	const unsigned char *u = (const unsigned char *)t;

	if (u[i - 1] == '\n' || u[i - 1] == '\r')
		return 1;
	if (i >= 2 && u[i - 2] == 0xC2 && u[i - 1] == 0x85)
		return 1;
	return i >= 3 && u[i - 3] == 0xE2 && u[i - 2] == 0x80 &&
	       (u[i - 1] == 0xA8 || u[i - 1] == 0xA9);
}

/* A copy of \p text with line-start BOMs swapped, or NULL when there is
 * none (or the stand-in is in the text already). */
static char *swap_line_boms(const char *text, size_t len, int *oom)
{
	char *c = NULL;
	size_t i;

	*oom = 0;
	if (has_bytes(text, len, STANDIN))
		return NULL;
	for (i = 1; i + 3 <= len; i++) {
		if (!after_break(text, i) || memcmp(text + i, BOM, 3) != 0)
			continue;
		if (c == NULL) {
			c = cmfv_malloc(len + 1);
			if (c == NULL) {
				*oom = 1;
				return NULL;
			}
			memcpy(c, text, len);
			c[len] = '\0';
		}
		memcpy(c + i, STANDIN, 3);
	}
	return c;
}

static void unswap(char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i++)
		if (memcmp(s + i, STANDIN, 3) == 0)
			memcpy(s + i, BOM, 3);
}

/* Put the BOMs back into strings and keys (a map is rebuilt when a key
 * changes, so that its index stays right). */
static enum cmfv_err restore_boms(struct cmfv_node **np)
{
	struct cmfv_node *n = *np;
	size_t i;

	if (n->kind == CMFV_STR)
		unswap(n->u.s.ptr, n->u.s.len);
	if (n->kind == CMFV_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			if (restore_boms(&n->u.seq.v[i]) != CMFV_OK)
				return CMFV_ENOMEM;
	if (n->kind == CMFV_MAP) {
		int keys = 0;

		for (i = 0; i < n->u.map.n; i++) {
			if (restore_boms(&n->u.map.v[i].val) != CMFV_OK)
				return CMFV_ENOMEM;
			keys |= has_bytes(n->u.map.v[i].key, strlen(n->u.map.v[i].key), STANDIN);
		}
		if (keys) {
			struct cmfv_node *m = cmfv_node_new(CMFV_MAP, n->loc);

			if (m == NULL)
				return CMFV_ENOMEM;
			for (i = 0; i < n->u.map.n; i++) {
				struct cmfv_pair *p = &n->u.map.v[i];
				struct cmfv_node *nul = cmfv_node_new(CMFV_NULL, p->val->loc),
						 *v = p->val;

				if (nul == NULL) {
					cmfv_node_free(m);
					return CMFV_ENOMEM;
				}
				p->val = nul;
				unswap(p->key, strlen(p->key));
				if (cmfv_map_set(m, p->key, p->key_loc, v) != CMFV_OK) {
					cmfv_node_free(m);
					return CMFV_ENOMEM;
				}
			}
			cmfv_node_free(n);
			*np = m;
		}
	}
	return CMFV_OK;
}

enum cmfv_err cmfv_yaml_load_go(const char *text, size_t len, const char *file,
				const struct cmfv_yaml_opts *opts, struct cmfv_node **out,
				struct cmfv_diag *d)
{
	int oom;
	char *swapped = swap_line_boms(text, len, &oom);
	struct cmfv_node *root = NULL;
	enum cmfv_err e;

	if (oom)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	e = cmfv_yaml_load(swapped ? swapped : text, len, file, opts, &root, d);
	if (swapped) {
		/* the text may be a Secret's: wipe the copy */
		OPENSSL_cleanse(swapped, len);
		cmfv_free(swapped);
		if (e == CMFV_OK && root && restore_boms(&root) != CMFV_OK) {
			cmfv_node_free(root);
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		}
	}
	if (e == CMFV_OK)
		*out = root;
	return e;
}

/* What every values parse of a run shares: the nodes and documents left. */
struct vbudget {
	size_t nodes; /* left; taken from by the loader (cmfv_yaml_opts.budget) */
	size_t docs;  /* left */
	const char *what;
	size_t total;
	size_t *flow; /* flow cost spent by the run (cmfv_yaml_opts.flow_spent), or NULL */
};

#define RUN_VALUES                                                                                 \
	"the values of this run (every -f file, --set flag, values.yaml of the chart and its "     \
	"subcharts, GitOps values)"

/* One document (the first of \p text) as a values map. */
static enum cmfv_err parse_one(const char *text, size_t len, const char *name, unsigned line0,
			       struct vbudget *b, struct cmfv_node **out, struct cmfv_diag *d)
{
	struct cmfv_node *root = NULL;
	struct cmfv_yaml_opts yo = {.line_offset = line0,
				    .budget = &b->nodes,
				    .budget_what = b->what,
				    .budget_total = b->total,
				    .flow_spent = b->flow};
	enum cmfv_err e = cmfv_yaml_load_go(text, len, name, &yo, &root, d);

	if (e != CMFV_OK)
		return e;
	if (root == NULL || root->kind == CMFV_NULL) {
		struct cmfv_loc loc = {name, line0 + 1, 1};

		cmfv_node_free(root);
		root = cmfv_node_new(CMFV_MAP, loc);
		if (root == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	} else if (root->kind != CMFV_MAP) {
		e = cmfv_diag_set(d, CMFV_EINPUT, name, root->loc.line, root->loc.col,
				  "values must be a map of keys to values, not a %s",
				  cmfv_kind_name(root->kind));
		cmfv_node_free(root);
		return e;
	}
	*out = root;
	return CMFV_OK;
}

/* Helm 4's LoadValues: the k8s YAMLReader cuts at lines that start with
 * `---` (only spaces or a comment may follow), lines lose a final \r, and
 * each document is read on its own and merged into the ones before. A
 * separator line met while no document has begun is kept as its first line
 * (YAMLReader.Read writes it to its empty buffer): a BOM after a leading
 * `---` then starts a line, not the text, and is content ("\uFEFFk"), while
 * one right after a later separator starts the text and is dropped. */
static enum cmfv_err parse_helm4(const struct cmfv_source *s, struct vbudget *b,
				 struct cmfv_node **out, struct cmfv_diag *d)
{
	struct cmfv_loc top = {s->name, 1, 1};
	struct cmfv_node *acc = cmfv_node_new(CMFV_MAP, top);
	struct cmfv_buf doc = {0};
	const char *p = s->text, *end = s->text + s->len;
	unsigned line = 0, doc_line = 0;
	enum cmfv_err e = CMFV_OK;

	if (acc == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (s->len >= 2 && (unsigned char)p[0] == 0xFF && (unsigned char)p[1] == 0xFE) {
		cmfv_node_free(acc);
		return cmfv_diag_set(
		    d, CMFV_EINPUT, s->name, 1, 1,
		    "a UTF-16LE values file cannot be read by Helm 4: save it as UTF-8");
	}
	while (e == CMFV_OK) {
		const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int at_end = p >= end;
		int sep = !at_end && n >= 3 && memcmp(p, "---", 3) == 0;

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (sep) {
			size_t i = 3;

			while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
					 p[i] == '\v' || p[i] == '\f'))
				i++;
			if (i < n && p[i] != '#') {
				e = cmfv_diag_set(d, CMFV_EINPUT, s->name, line + 1,
						  (unsigned)i + 1,
						  "invalid YAML document separator: only a comment "
						  "may follow ---");
				break;
			}
		}
		if (sep && doc.len == 0)
			sep = 0; /* the start of a document, kept */
		if ((sep || at_end) && doc.len > 0) {
			struct cmfv_node *cur = NULL;

			if (b->docs == 0) {
				e = cmfv_diag_set(d, CMFV_EINPUT, s->name, doc_line + 1, 1,
						  "%s hold more than %d documents in all%s",
						  b->what ? b->what : "the values of this input",
						  CMFV_MAX_DOCS,
						  b->what ? ": this input crossed the limit" : "");
				break;
			}
			b->docs--;
			e = parse_one(doc.ptr, doc.len, s->name, doc_line, b, &cur, d);
			if (e == CMFV_OK && cmfv_values_merge_maps(acc, cur) != CMFV_OK)
				e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			cmfv_buf_reset(&doc);
		}
		if (at_end || e != CMFV_OK)
			break;
		if (!sep) {
			if (doc.len == 0)
				doc_line = line;
			cmfv_buf_add(&doc, p, n);
			cmfv_buf_add(&doc, "\n", 1);
			if (doc.failed)
				e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		}
		line++;
		p = nl ? nl + 1 : end;
	}
	cmfv_buf_free(&doc);
	if (e != CMFV_OK) {
		cmfv_node_free(acc);
		return e;
	}
	*out = acc;
	return CMFV_OK;
}

static enum cmfv_err parse_budget(const struct cmfv_source *s, int helm_major, struct vbudget *b,
				  struct cmfv_node **out, struct cmfv_diag *d)
{
	if (helm_major >= 4)
		return parse_helm4(s, b, out, d);
	return parse_one(s->text, s->len, s->name, 0, b, out, d);
}

enum cmfv_err cmfv_values_parse(const struct cmfv_source *s, int helm_major, struct cmfv_node **out,
				struct cmfv_diag *d)
{
	/* nodes 0: the loader's default, one budget for this input; one flow
	 * cost for all its documents */
	size_t flow = 0;
	struct vbudget b = {0, CMFV_MAX_DOCS, NULL, 0, &flow};

	return parse_budget(s, helm_major, &b, out, d);
}

/* The run's budget in \p set: what is left (at least 1: 0 would mean a
 * fresh budget to the loader), and what was taken from it afterwards. */
enum cmfv_err cmfv_values_parse_in(struct cmfv_sources *set, const struct cmfv_source *s,
				   int helm_major, struct cmfv_node **out, struct cmfv_diag *d)
{
	size_t left = set->values_nodes < CMFV_MAX_VALUES_NODES
			  ? CMFV_MAX_VALUES_NODES - set->values_nodes
			  : 1;
	struct vbudget b = {left,
			    set->values_docs < CMFV_MAX_DOCS ? CMFV_MAX_DOCS - set->values_docs : 0,
			    RUN_VALUES, CMFV_MAX_VALUES_NODES, &set->values_flow};
	size_t docs = b.docs;
	enum cmfv_err e = parse_budget(s, helm_major, &b, out, d);

	set->values_nodes += left > b.nodes ? left - b.nodes : 0;
	set->values_docs += docs - b.docs;
	return e;
}

enum cmfv_err cmfv_values_count_in(struct cmfv_sources *set, size_t added, const char *what,
				   struct cmfv_diag *d)
{
	set->values_nodes += added;
	if (set->values_nodes <= CMFV_MAX_VALUES_NODES)
		return CMFV_OK;
	return cmfv_diag_set(d, CMFV_EINPUT, what, 0, 0,
			     "with them %s hold more than %zu nodes in all", RUN_VALUES,
			     CMFV_MAX_VALUES_NODES);
}

/* Bytes of the Unicode space (Go's unicode.IsSpace) at \p s, or 0. */
static size_t uspace(const unsigned char *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		return 1;
	if (n >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
		return 2;
	if (n >= 3 && s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
		return 3;
	if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
		return 3;
	if (n >= 3 && ((s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F) ||
		       (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)))
		return 3;
	return 0;
}

/* strings.TrimSpace: [*b, *e) */
void vals_trim_space(const char *s, const char **b, const char **e)
{
	const unsigned char *p = (const unsigned char *)s, *q = p + strlen(s);
	size_t w;

	while (p < q && (w = uspace(p, (size_t)(q - p))) > 0)
		p += w;
	for (;;) {
		size_t k;

		for (k = 1; k <= 3 && k <= (size_t)(q - p); k++)
			if (uspace(q - k, k) == k)
				break;
		if (k > 3 || k > (size_t)(q - p))
			break;
		q -= k;
	}
	*b = (const char *)p;
	*e = (const char *)q;
}

/* strings.TrimSpace(arg) == "-" */
static int is_stdin_arg(const char *s)
{
	const char *b, *e;

	vals_trim_space(s, &b, &e);
	return e - b == 1 && *b == '-';
}

/* Every values input counts towards one limit (CMFV_MAX_VALUES, or
 * --max-input when that is given): many large files would each pass the
 * per-file limit and together take gigabytes once parsed. A file over the
 * per-file limit is refused as any input is; one over what is left of the
 * values limit by its size, before it is read; a pipe is read with what is
 * left as its limit. */
static enum cmfv_err read_counted(struct cmfv_sources *src, const char *path,
				  const struct cmfv_source **out, struct cmfv_diag *d)
{
	size_t per_file = src->max_input ? src->max_input : CMFV_MAX_INPUT;
	size_t limit = src->max_input ? src->max_input : CMFV_MAX_VALUES, was = src->max_input;
	size_t left = src->values_bytes < limit ? limit - src->values_bytes : 0;
	struct stat st;
	char lim[32];
	enum cmfv_err e;

	int regular = strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);

	if (regular && (unsigned long long)st.st_size <= per_file &&
	    (unsigned long long)st.st_size > left)
		return cmfv_diag_set(
		    d, CMFV_EINPUT, path, 0, 0,
		    "is %llu bytes: the values files and --set-file values would "
		    "hold more than %s in all; raise --max-input if that is really "
		    "meant",
		    (unsigned long long)st.st_size, cmfv_size_str(limit, lim));
	if (!regular && left < per_file)
		src->max_input = left ? left : 1;
	e = cmfv_sources_read(src, path, 0, out, d);
	src->max_input = was;
	if (e == CMFV_OK)
		src->values_bytes += (*out)->len;
	return e;
}

enum cmfv_err cmfv_values_read_file(struct cmfv_sources *src, const char *arg, const char *flag,
				    const struct cmfv_source **out, struct cmfv_diag *d)
{
	char scheme[32], msg[256];

	if (is_stdin_arg(arg)) {
		/* io.ReadAll(os.Stdin) again finds it at its end */
		if (src->values_stdin_read) {
			if (cmfv_sources_add(src, "<stdin, read before>", "", 0, 0, out) != CMFV_OK)
				return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
			return CMFV_OK;
		}
		src->values_stdin_read = 1;
		return read_counted(src, "-", out, d);
	}
	if (cmfv_go_url_parse(arg, scheme, sizeof(scheme), msg, sizeof(msg)))
		return cmfv_diag_fail(d, CMFV_EINPUT, "%s: parse \"%.200s\": %s", flag, arg, msg);
	if (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0 ||
	    strcmp(scheme, "oci") == 0)
		return cmfv_diag_fail(d, CMFV_EUSAGE,
				      "%s %.200s: Helm downloads %s URLs itself; cmf-validate does "
				      "not fetch them: download the file first (e.g. curl -fsSLo "
				      "values.yaml URL) and pass the local copy",
				      flag, arg, scheme);
	return read_counted(src, arg, out, d);
}
