#include "cmfv/yaml.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include <openssl/crypto.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/json.h"
#include "cmfv/key.h"
#include "cmfv/scalar.h"

/* go-yaml/JSON in Helm stop at 10000 levels, the top map included */
#define DEFAULT_MAX_DEPTH 10000
/* memory: about 100 bytes a node; a Kubernetes object (1.5 MiB at most in
 * etcd) has far fewer. 1,000,000 keeps one document under 200 MB */
#define DEFAULT_MAX_NODES 1000000

struct frame {
	struct cmfv_node *node; /* map or sequence under construction */
	char *anchor;           /* registered when the collection completes */
	int have_key;           /* maps: a key is waiting for its value */
	int key_is_merge;
	char *key;
	struct cmfv_loc key_loc;
	int flow;               /* a [..] or {..} collection */
};

struct loader {
	yaml_parser_t parser;
	const char *file;
	unsigned line_offset;
	unsigned col_offset;
	int no_merge;
	unsigned max_depth;
	size_t max_nodes;
	size_t nodes;
	size_t total, total_max; /* nodes in every document of the input */
	size_t alias_nodes; /* of nodes, those that alias expansion made */
	struct frame *stack;
	size_t depth, cap;
	/* anchor name -> a private copy of its node (the tree may change
	 * later); a map, so that lookups stay fast with many anchors */
	struct cmfv_node *anchors;
	struct cmfv_node *root;
	int have_root;
	struct cmfv_diag *d;
	const char *text;       /* the input, for checks go-yaml v2 makes */
	size_t len;
	size_t cur_char, cur_byte; /* a character index and its byte offset */
	size_t base_byte;       /* character 0 (libyaml does not count a BOM) */
};

static struct cmfv_loc mark_loc(const struct loader *l, yaml_mark_t m)
{
	struct cmfv_loc loc = {l->file, (unsigned)m.line + 1 + l->line_offset,
				 (unsigned)m.column + 1 + l->col_offset};

	return loc;
}

static enum cmfv_err oom(struct loader *l)
{
	return cmfv_diag_fail(l->d, CMFV_ENOMEM, "out of memory while reading %s", l->file);
}

static enum cmfv_err fail_at(struct loader *l, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum cmfv_err fail_at(struct loader *l, yaml_mark_t m, const char *fmt, ...)
{
	struct cmfv_loc loc = mark_loc(l, m);
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cmfv_diag_set(l->d, CMFV_EINPUT, l->file, loc.line, loc.col, "%s", msg);
}

/* Nodes as the loader counts them: keys included. */
static size_t count_nodes(const struct cmfv_node *n)
{
	size_t c = 1, i;

	if (n->kind == CMFV_MAP)
		for (i = 0; i < n->u.map.n; i++)
			c += 1 + count_nodes(n->u.map.v[i].val);
	else if (n->kind == CMFV_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			c += count_nodes(n->u.seq.v[i]);
	return c;
}

/* Register anchor \p name (consumed) for a copy of \p node. */
static enum cmfv_err register_anchor(struct loader *l, char *name, const struct cmfv_node *node)
{
	struct cmfv_loc none = {NULL, 0, 0};
	struct cmfv_node *copy;
	enum cmfv_err e;

	if (name == NULL)
		return CMFV_OK;
	if (l->anchors == NULL && (l->anchors = cmfv_node_new(CMFV_MAP, none)) == NULL) {
		cmfv_free(name);
		return oom(l);
	}
	copy = cmfv_node_copy(node);
	if (copy == NULL) {
		cmfv_free(name);
		return oom(l);
	}
	/* a redefined anchor replaces the earlier one, as in YAML */
	e = cmfv_map_set(l->anchors, name, none, copy);
	cmfv_free(name);
	return e == CMFV_OK ? CMFV_OK : oom(l);
}

static const struct cmfv_node *find_anchor(const struct loader *l, const char *name)
{
	return cmfv_map_get(l->anchors, name);
}

static int tag_is(const yaml_char_t *tag, const char *suffix)
{
	static const char prefix[] = "tag:yaml.org,2002:";

	if (tag == NULL)
		return 0;
	return strncmp((const char *)tag, prefix, sizeof(prefix) - 1) == 0 &&
	       strcmp((const char *)tag + sizeof(prefix) - 1, suffix) == 0;
}

/* Should this scalar be resolved (plain YAML 1.1 rules) or kept as text? */
static int scalar_resolves(const yaml_event_t *ev)
{
	const yaml_char_t *tag = ev->data.scalar.tag;

	if (tag_is(tag, "str") || tag_is(tag, "binary"))
		return 0;
	if (tag_is(tag, "int") || tag_is(tag, "float") || tag_is(tag, "bool") ||
	    tag_is(tag, "null"))
		return 1;
	return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* go-yaml's resolve(): an explicit !!int, !!float, !!bool or !!null tag
 * must fit what the text resolves to (an int may be a !!float), else
 * "cannot decode !!float `1.5` as a !!int". */
static enum cmfv_err check_tag(struct loader *l, const yaml_event_t *ev, const struct cmfv_scalar *r)
{
	static const char *const tags[] = {"int", "float", "bool", "null"};
	const char *want = NULL, *got;
	size_t i;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (tag_is(ev->data.scalar.tag, tags[i]))
			want = tags[i];
	if (want == NULL)
		return CMFV_OK;
	switch (r->res) {
	case CMFV_RES_NULL: got = "null"; break;
	case CMFV_RES_BOOL: got = "bool"; break;
	case CMFV_RES_NUM: got = r->is_int ? "int" : "float"; break;
	case CMFV_RES_NONFINITE: got = "float"; break;
	default: got = "str"; break;
	}
	if (strcmp(want, got) == 0 || (strcmp(want, "float") == 0 && strcmp(got, "int") == 0))
		return CMFV_OK;
	return fail_at(l, ev->start_mark, "cannot decode !!%s `%.40s` as a !!%s", got,
		       (const char *)ev->data.scalar.value, want);
}

static enum cmfv_err scalar_node(struct loader *l, const yaml_event_t *ev, struct cmfv_node **out)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct cmfv_loc loc = mark_loc(l, ev->start_mark);
	struct cmfv_scalar r;
	struct cmfv_node *n;

	if (scalar_resolves(ev)) {
		cmfv_scalar_resolve(s, len, &r);
		if (check_tag(l, ev, &r) != CMFV_OK)
			return CMFV_EINPUT;
		switch (r.res) {
		case CMFV_RES_NULL:
			n = cmfv_node_new(CMFV_NULL, loc);
			break;
		case CMFV_RES_BOOL:
			n = cmfv_node_new(CMFV_BOOL, loc);
			if (n)
				n->u.b = r.b;
			break;
		case CMFV_RES_NUM:
			n = cmfv_node_new(CMFV_FLOAT, loc);
			if (n)
				n->u.f = r.num;
			break;
		case CMFV_RES_NONFINITE:
			return fail_at(l, ev->start_mark,
				       "%.20s cannot be used: Helm turns values into JSON, which has no infinity or NaN",
				       s);
		default:
			n = cmfv_node_new_str(s, len, loc);
			break;
		}
	} else if (tag_is(ev->data.scalar.tag, "binary")) {
		/* go-yaml decodes !!binary (standard base64, whitespace ignored);
		 * the JSON trip then makes the bytes valid UTF-8 */
		struct cmfv_buf clean = {0}, text = {0};
		unsigned char *bytes;
		size_t i, blen = 0, bad;
		int ok;

		for (i = 0; i < len; i++)
			if (!strchr(" \t\r\n", s[i]))
				cmfv_buf_add(&clean, s + i, 1);
		bytes = cmfv_malloc(clean.len / 4 * 3 + 3);
		if (bytes == NULL || clean.failed) {
			cmfv_free(bytes);
			cmfv_buf_free(&clean, 0);
			return oom(l);
		}
		ok = cmfv_base64_decode(clean.ptr ? clean.ptr : "", clean.len, bytes, &blen, &bad);
		cmfv_buf_free(&clean, 0);
		if (!ok) {
			cmfv_free(bytes);
			return fail_at(l, ev->start_mark, "!!binary value contains invalid base64 data");
		}
		if (cmfv_utf8_sanitize((const char *)bytes, blen, &text) != CMFV_OK) {
			cmfv_free(bytes);
			cmfv_buf_free(&text, 0);
			return oom(l);
		}
		cmfv_free(bytes);
		n = cmfv_node_new_str(text.ptr ? text.ptr : "", text.len, loc);
		cmfv_buf_free(&text, 0);
	} else {
		n = cmfv_node_new_str(s, len, loc);
		if (n && (ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
			  ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ||
			  ev->data.scalar.tag != NULL))
			n->quoted = 1;
	}
	if (n == NULL)
		return oom(l);
	*out = n;
	return CMFV_OK;
}

/* Map keys become strings, as sigs.k8s.io/yaml makes them. */
static enum cmfv_err key_from_node(struct loader *l, const struct cmfv_node *n, yaml_mark_t m,
				   char **out)
{
	char buf[64];

	switch (n->kind) {
	case CMFV_STR:
		*out = cmfv_strndup(n->u.s.ptr, n->u.s.len);
		break;
	case CMFV_BOOL:
		*out = cmfv_strdup(n->u.b ? "true" : "false");
		break;
	case CMFV_FLOAT:
		cmfv_format_float_key(n->u.f, buf, sizeof(buf));
		*out = cmfv_strdup(buf);
		break;
	case CMFV_NULL:
		return fail_at(l, m, "a map key cannot be null");
	default:
		return fail_at(l, m, "a map key must be a scalar, not a %s", cmfv_kind_name(n->kind));
	}
	return *out ? CMFV_OK : oom(l);
}

/* An integer key's text as go-yaml reads it (strconv.ParseInt(s, 0, 64):
 * sign, 0x/0o/0b or a leading 0 for octal, underscores): 1 and the decimal
 * int64 in \p buf; -1 when it only fits a uint64; 0 when it is bigger. */
static int int_key(const char *s, size_t len, char *buf, size_t size)
{
	size_t i = 0;
	unsigned base = 10;
	unsigned long long v = 0;
	int neg = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i + 1 < len && s[i] == '0' && strchr("xXoObB", s[i + 1])) {
		base = strchr("xX", s[i + 1]) ? 16 : strchr("oO", s[i + 1]) ? 8 : 2;
		i += 2;
	} else if (i + 1 < len && s[i] == '0') {
		base = 8;
	}
	for (; i < len; i++) {
		unsigned d;
		char c = s[i];

		if (c == '_')
			continue;
		d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			: c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 99u;
		if (d >= base)
			return 0;
		if (v > (~0ULL - d) / base)
			return 0;
		v = v * base + d;
	}
	if (neg) {
		if (v > (1ULL << 63))
			return 0;
		snprintf(buf, size, "-%llu", v);
		if (v == 0)
			snprintf(buf, size, "0");
		return 1;
	}
	if (v > (1ULL << 63) - 1)
		return -1;
	snprintf(buf, size, "%llu", v);
	return 1;
}

static enum cmfv_err key_from_scalar(struct loader *l, const yaml_event_t *ev, char **out,
				     int *is_merge)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct cmfv_scalar r;
	char buf[64];

	*is_merge = 0;
	if (tag_is(ev->data.scalar.tag, "binary")) {
		/* decoded as a value is: "!!binary aGk=: a" is the key "hi" */
		struct cmfv_node *n = NULL;
		enum cmfv_err e = scalar_node(l, ev, &n);

		if (e != CMFV_OK)
			return e;
		*out = cmfv_strndup(n->u.s.ptr, n->u.s.len);
		cmfv_node_free(n);
		return *out ? CMFV_OK : oom(l);
	}
	if (!scalar_resolves(ev)) {
		*out = cmfv_strndup(s, len);
		return *out ? CMFV_OK : oom(l);
	}
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && len == 2 && memcmp(s, "<<", 2) == 0) {
		if (l->no_merge)
			return fail_at(l, ev->start_mark,
				       "a YAML merge key (<<): YAML readers disagree on which value "
				       "wins over it; write the settings out");
		*is_merge = 1;
		*out = cmfv_strdup("<<");
		return *out ? CMFV_OK : oom(l);
	}
	cmfv_scalar_resolve(s, len, &r);
	if (check_tag(l, ev, &r) != CMFV_OK)
		return CMFV_EINPUT;
	switch (r.res) {
	case CMFV_RES_NULL:
		return fail_at(l, ev->start_mark, "a map key cannot be null");
	case CMFV_RES_BOOL:
		*out = cmfv_strdup(r.b ? "true" : "false");
		break;
	case CMFV_RES_NUM: {
		/* an int64 key keeps every digit; one past int64 but inside
		 * uint64 is an error in sigs.k8s.io/yaml; beyond, a float */
		int k = r.is_int ? int_key(s, len, buf, sizeof(buf)) : 0;

		if (k < 0)
			return fail_at(l, ev->start_mark,
				       "unsupported map key of type: uint64, key: %.40s (keys past 9223372036854775807 cannot be used)",
				       s);
		if (k == 0)
			cmfv_format_float_key(r.num, buf, sizeof(buf));
		*out = cmfv_strdup(buf);
		break;
	}
	case CMFV_RES_NONFINITE:
		/* sigs.k8s.io/yaml spells these keys the YAML way */
		*out = cmfv_strdup(s[0] == '-' ? "-.inf" : (s[1] == 'n' || s[1] == 'N') ? ".nan" : ".inf");
		break;
	default:
		*out = cmfv_strndup(s, len);
		break;
	}
	return *out ? CMFV_OK : oom(l);
}

static enum cmfv_err merge_into(struct loader *l, struct cmfv_node *map, const struct cmfv_node *src,
				yaml_mark_t m)
{
	size_t i;

	if (src->kind == CMFV_MAP) {
		for (i = 0; i < src->u.map.n; i++) {
			struct cmfv_node *v = cmfv_node_copy(src->u.map.v[i].val);

			if (v == NULL ||
			    cmfv_map_set(map, src->u.map.v[i].key, src->u.map.v[i].key_loc, v) != CMFV_OK)
				return oom(l);
		}
		return CMFV_OK;
	}
	if (src->kind == CMFV_SEQ) {
		/* go-yaml v2 applies the list from its end, so earlier maps win */
		for (i = src->u.seq.n; i > 0; i--) {
			if (src->u.seq.v[i - 1]->kind != CMFV_MAP)
				return fail_at(l, m, "%s", "map merge requires a map or a list of maps");
			if (merge_into(l, map, src->u.seq.v[i - 1], m) != CMFV_OK)
				return l->d->code;
		}
		return CMFV_OK;
	}
	return fail_at(l, m, "%s", "map merge requires a map or a list of maps");
}

/* Attach a completed node (consumed) to its parent, or make it the root. */
static enum cmfv_err deliver(struct loader *l, struct cmfv_node *n, yaml_mark_t m)
{
	struct frame *f;
	enum cmfv_err e;

	if (l->depth == 0) {
		l->root = n;
		l->have_root = 1;
		return CMFV_OK;
	}
	f = &l->stack[l->depth - 1];
	if (f->node->kind == CMFV_SEQ)
		return cmfv_seq_push(f->node, n) == CMFV_OK ? CMFV_OK : oom(l);
	if (!f->have_key) {
		/* only an alias can bring a finished node into key position */
		e = key_from_node(l, n, m, &f->key);
		f->key_loc = n->loc;
		cmfv_node_free(n);
		if (e == CMFV_OK)
			f->have_key = 1;
		return e;
	}
	f->have_key = 0;
	if (f->key_is_merge) {
		f->key_is_merge = 0;
		e = merge_into(l, f->node, n, m);
		cmfv_node_free(n);
	} else {
		e = cmfv_map_set(f->node, f->key, f->key_loc, n) == CMFV_OK ? CMFV_OK : oom(l);
	}
	cmfv_free(f->key);
	f->key = NULL;
	return e;
}

static int awaiting_key(const struct loader *l)
{
	const struct frame *f;

	if (l->depth == 0)
		return 0;
	f = &l->stack[l->depth - 1];
	return f->node->kind == CMFV_MAP && !f->have_key;
}

static enum cmfv_err count(struct loader *l, size_t n, yaml_mark_t m)
{
	l->nodes += n;
	l->total += n;
	if (l->nodes > l->max_nodes)
		return fail_at(l, m, "document is too large or expands too many aliases (more than %zu nodes)",
			       l->max_nodes);
	/* time: 24 documents of 990,000 nodes each took 12 s */
	if (l->total > l->total_max)
		return fail_at(l, m, "the documents of this input hold more than %zu nodes in all",
			       l->max_nodes);
	return CMFV_OK;
}

/* go-yaml v2's guard against alias bombs ("billion laughs"), which Helm
 * applies too: past 100 aliased nodes in a document of over 1000, at most
 * 99% of the nodes may come from aliases, falling to 10% between 400,000
 * and 4,000,000 nodes. Checking after a whole alias is the same as go-yaml
 * checking node by node: the ratio only grows while an alias expands. */
static int excessive_aliasing(size_t nodes, size_t aliased)
{
	double allowed;

	if (aliased <= 100 || nodes <= 1000)
		return 0;
	if (nodes <= 400000)
		allowed = 0.99;
	else if (nodes >= 4000000)
		allowed = 0.10;
	else
		allowed = 0.99 - 0.89 * ((double)(nodes - 400000) / 3600000.0);
	return (double)aliased / (double)nodes > allowed;
}

static enum cmfv_err push(struct loader *l, const yaml_event_t *ev, enum cmfv_kind kind)
{
	const yaml_char_t *anchor =
		kind == CMFV_MAP ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
	struct frame *f;
	struct cmfv_node *n;

	if (awaiting_key(l))
		return fail_at(l, ev->start_mark, "a map key must be a scalar, not a %s",
			       kind == CMFV_MAP ? "map" : "list");
	if (l->depth >= l->max_depth)
		return fail_at(l, ev->start_mark, "nesting is deeper than the limit of %u levels",
			       l->max_depth);
	if (count(l, 1, ev->start_mark) != CMFV_OK)
		return l->d->code;
	if (l->depth == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct frame *s = cmfv_realloc(l->stack, cap * sizeof(*s));

		if (s == NULL)
			return oom(l);
		l->stack = s;
		l->cap = cap;
	}
	n = cmfv_node_new(kind, mark_loc(l, ev->start_mark));
	if (n == NULL)
		return oom(l);
	f = &l->stack[l->depth];
	memset(f, 0, sizeof(*f));
	f->node = n;
	f->flow = kind == CMFV_MAP ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
				   : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
	if (anchor && (f->anchor = cmfv_strdup((const char *)anchor)) == NULL) {
		cmfv_node_free(n);
		return oom(l);
	}
	l->depth++;
	return CMFV_OK;
}

static enum cmfv_err pop(struct loader *l, yaml_mark_t m)
{
	struct frame f = l->stack[--l->depth];
	enum cmfv_err e;

	cmfv_free(f.key);
	e = register_anchor(l, f.anchor, f.node);
	if (e != CMFV_OK) {
		cmfv_node_free(f.node);
		return e;
	}
	return deliver(l, f.node, m);
}

/* Byte offset of character index \p ci (libyaml marks count characters);
 * marks only move forward, so a cursor keeps this linear. */
static size_t byte_at(struct loader *l, size_t ci)
{
	if (ci < l->cur_char || l->cur_byte < l->base_byte) {
		l->cur_char = 0;
		l->cur_byte = l->base_byte;
	}
	while (l->cur_char < ci && l->cur_byte < l->len) {
		l->cur_byte++;
		while (l->cur_byte < l->len && ((unsigned char)l->text[l->cur_byte] & 0xC0) == 0x80)
			l->cur_byte++;
		l->cur_char++;
	}
	return l->cur_byte;
}

/* Helm parses with go-yaml v2, an older libyaml: it has no `\/` escape and
 * ends a plain scalar in a flow collection at `?`. Reject those as it does. */
static enum cmfv_err go_yaml_v2_checks(struct loader *l, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t from, to, i;

	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && l->depth > 0 &&
	    l->stack[l->depth - 1].flow && memchr(v, '?', ev->data.scalar.length))
		return fail_at(l, ev->start_mark,
			       "a plain scalar in a flow collection cannot hold '?' (quote it)");
	if (ev->data.scalar.style != YAML_DOUBLE_QUOTED_SCALAR_STYLE || l->text == NULL ||
	    l->text[0] == '\xff' || l->text[0] == '\xfe')
		return CMFV_OK;
	from = byte_at(l, ev->start_mark.index);
	to = byte_at(l, ev->end_mark.index);
	for (i = from; i + 1 < to; i++) {
		if (l->text[i] != '\\')
			continue;
		if (l->text[i + 1] == '/')
			return fail_at(l, ev->start_mark,
				       "found unknown escape character '/' while parsing a quoted scalar");
		i++; /* skip the escaped character */
	}
	return CMFV_OK;
}

static enum cmfv_err on_scalar(struct loader *l, const yaml_event_t *ev)
{
	struct cmfv_node *n = NULL;
	enum cmfv_err e;
	char *anchor = NULL;

	if (count(l, 1, ev->start_mark) != CMFV_OK)
		return l->d->code;
	if (go_yaml_v2_checks(l, ev) != CMFV_OK)
		return l->d->code;
	if (awaiting_key(l)) {
		struct frame *f = &l->stack[l->depth - 1];

		e = key_from_scalar(l, ev, &f->key, &f->key_is_merge);
		if (e != CMFV_OK)
			return e;
		f->key_loc = mark_loc(l, ev->start_mark);
		f->have_key = 1;
		if (ev->data.scalar.anchor) {
			/* an anchored key: remember it as the string it became */
			n = cmfv_node_new_str(f->key, strlen(f->key), f->key_loc);
			if (n == NULL)
				return oom(l);
			anchor = cmfv_strdup((const char *)ev->data.scalar.anchor);
			if (anchor == NULL) {
				cmfv_node_free(n);
				return oom(l);
			}
			e = register_anchor(l, anchor, n);
			cmfv_node_free(n);
			return e;
		}
		return CMFV_OK;
	}
	e = scalar_node(l, ev, &n);
	if (e != CMFV_OK)
		return e;
	if (ev->data.scalar.anchor) {
		anchor = cmfv_strdup((const char *)ev->data.scalar.anchor);
		if (anchor == NULL) {
			cmfv_node_free(n);
			return oom(l);
		}
		e = register_anchor(l, anchor, n);
		if (e != CMFV_OK) {
			cmfv_node_free(n);
			return e;
		}
	}
	return deliver(l, n, ev->start_mark);
}

static enum cmfv_err on_alias(struct loader *l, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	const struct cmfv_node *a = find_anchor(l, name);
	struct cmfv_node *n;
	size_t size;

	if (a == NULL)
		/* the name is not shown: an alias's name is text from the file,
		 * and in a Secret (stringData: {k: *<key text>}) it is the key */
		return fail_at(l, ev->start_mark,
			       "alias to an unknown anchor (its name, %zu characters, is not shown: "
			       "define the anchor with & before this alias)",
			       strlen(name));
	size = count_nodes(a);
	/* go-yaml counts the alias node itself too, but not as aliased */
	if (count(l, size + 1, ev->start_mark) != CMFV_OK)
		return l->d->code;
	l->alias_nodes += size;
	if (excessive_aliasing(l->nodes, l->alias_nodes))
		return fail_at(l, ev->start_mark,
			       "document contains excessive aliasing: %zu of its %zu nodes come from aliases",
			       l->alias_nodes, l->nodes);
	n = cmfv_node_copy(a);
	if (n == NULL)
		return oom(l);
	return deliver(l, n, ev->start_mark);
}

static void reset_doc(struct loader *l)
{
	while (l->depth > 0) {
		struct frame *f = &l->stack[--l->depth];

		cmfv_node_free(f->node);
		cmfv_free(f->anchor);
		cmfv_free(f->key);
	}
	cmfv_node_free(l->anchors);
	l->anchors = NULL;
	l->nodes = 0;
	l->alias_nodes = 0;
	cmfv_node_free(l->root);
	l->root = NULL;
	l->have_root = 0;
}

static enum cmfv_err parse_error(struct loader *l)
{
	yaml_parser_t *p = &l->parser;
	char msg[512];
	yaml_mark_t m = p->problem_mark;

	if (p->error == YAML_MEMORY_ERROR)
		return oom(l);
	if (p->context)
		snprintf(msg, sizeof(msg), "%s %s", p->problem ? p->problem : "syntax error",
			 p->context);
	else
		snprintf(msg, sizeof(msg), "%s", p->problem ? p->problem : "syntax error");
	if (p->error == YAML_READER_ERROR) {
		/* reader errors carry a byte offset rather than a line */
		return cmfv_diag_set(l->d, CMFV_EINPUT, l->file, 0, 0,
				     "invalid input at byte %zu: %s", p->problem_offset, msg);
	}
	return fail_at(l, m, "%s", msg);
}

enum cmfv_err cmfv_yaml_load_all(const char *text, size_t len, const char *file,
				 const struct cmfv_yaml_opts *opts, cmfv_yaml_doc_fn fn,
				 void *ctx, struct cmfv_diag *d)
{
	struct loader l;
	yaml_event_t ev;
	enum cmfv_err e = CMFV_OK;
	int done = 0, stop_after_first = fn == NULL;
	size_t deepest;

	memset(&l, 0, sizeof(l));
	l.file = file;
	l.d = d;
	l.max_depth = opts && opts->max_depth ? opts->max_depth : DEFAULT_MAX_DEPTH;
	l.max_nodes = opts && opts->max_nodes ? opts->max_nodes : DEFAULT_MAX_NODES;
	/* *budget == 0: the first document of an input starts it. A stream
	 * read in one call (a Secret or manifests file) frees each document
	 * as it goes: twice the document limit, about 2 s of work */
	if (opts && opts->budget)
		l.total_max = *opts->budget ? *opts->budget : l.max_nodes;
	else
		l.total_max = 2 * l.max_nodes;
	l.line_offset = opts ? opts->line_offset : 0;
	l.col_offset = opts ? opts->col_offset : 0;
	l.no_merge = opts ? opts->no_merge : 0;
	l.text = text;
	l.len = len;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		l.base_byte = l.cur_byte = 3;
	/* deeper than the limit: the parse stops there with its own message */
	if (cmfv_yaml_flow_cost(text, len, &deepest) > CMFV_YAML_MAX_FLOW_COST &&
	    deepest <= l.max_depth)
		return cmfv_diag_set(d, CMFV_EINPUT, file, 1 + l.line_offset, 1,
				     "flow collections ([...], {...}) nested too deep for their size: "
				     "more than %zu million tokens times their depth, which would take "
				     "libyaml seconds to minutes",
				     CMFV_YAML_MAX_FLOW_COST / 1000000);
	if (!yaml_parser_initialize(&l.parser))
		return oom(&l);
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)text, len);
	while (!done && e == CMFV_OK) {
		if (!yaml_parser_parse(&l.parser, &ev)) {
			e = parse_error(&l);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			reset_doc(&l);
			l.nodes = 1; /* go-yaml counts the document node */
			if (ev.data.document_start.version_directive &&
			    !(ev.data.document_start.version_directive->major == 1 &&
			      ev.data.document_start.version_directive->minor == 1)) {
				e = fail_at(&l, ev.start_mark, "%%YAML %d.%d is not supported: Helm reads YAML 1.1",
					    ev.data.document_start.version_directive->major,
					    ev.data.document_start.version_directive->minor);
				break;
			}
			break;
		case YAML_DOCUMENT_END_EVENT:
			if (stop_after_first) {
				/* keep the root for the caller of cmfv_yaml_load */
				done = 2;
				break;
			}
			e = fn(ctx, l.root, d);
			l.root = NULL;
			l.have_root = 0;
			break;
		case YAML_MAPPING_START_EVENT:
			e = push(&l, &ev, CMFV_MAP);
			break;
		case YAML_SEQUENCE_START_EVENT:
			e = push(&l, &ev, CMFV_SEQ);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			e = pop(&l, ev.start_mark);
			break;
		case YAML_SCALAR_EVENT:
			e = on_scalar(&l, &ev);
			break;
		case YAML_ALIAS_EVENT:
			e = on_alias(&l, &ev);
			break;
		default:
			break;
		}
		cmfv_yaml_event_wipe(&ev);
	}
	if (e == CMFV_OK && stop_after_first) {
		*(struct cmfv_node **)ctx = l.root;
		l.root = NULL;
	}
	reset_doc(&l);
	cmfv_free(l.stack);
	cmfv_yaml_parser_wipe(&l.parser, len);
	if (opts && opts->budget) /* what is left, at least 1: 0 means "start" */
		*opts->budget = l.total < l.total_max ? l.total_max - l.total : 1;
	return e;
}

void cmfv_yaml_event_wipe(yaml_event_t *ev)
{
	if (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.value)
		OPENSSL_cleanse(ev->data.scalar.value, ev->data.scalar.length);
	yaml_event_delete(ev);
}

/* How much of a libyaml buffer input of \p len bytes can have touched: the
 * raw buffer holds input bytes; the working buffer holds them as UTF-8, at
 * most 1.5 times as many (from UTF-16), and a terminating NUL. Wiping that
 * much, not the whole 64 KiB, keeps a parse of a small document cheap. */
static size_t touched(const void *start, const void *end, size_t len)
{
	size_t cap = (size_t)((const unsigned char *)end - (const unsigned char *)start);
	size_t most = len > SIZE_MAX / 2 - 16 ? SIZE_MAX : len * 2 + 16;

	return most < cap ? most : cap;
}

void cmfv_yaml_parser_wipe(yaml_parser_t *p, size_t input_len)
{
	yaml_token_t *t;

	for (t = p->tokens.head; t && t < p->tokens.tail; t++)
		if (t->type == YAML_SCALAR_TOKEN && t->data.scalar.value)
			OPENSSL_cleanse(t->data.scalar.value, t->data.scalar.length);
	if (p->buffer.start)
		OPENSSL_cleanse(p->buffer.start, touched(p->buffer.start, p->buffer.end, input_len));
	if (p->raw_buffer.start)
		OPENSSL_cleanse(p->raw_buffer.start,
				touched(p->raw_buffer.start, p->raw_buffer.end, input_len));
	yaml_parser_delete(p);
}

enum cmfv_err cmfv_yaml_load(const char *text, size_t len, const char *file,
			     const struct cmfv_yaml_opts *opts, struct cmfv_node **out,
			     struct cmfv_diag *d)
{
	struct cmfv_node *root = NULL;
	enum cmfv_err e = cmfv_yaml_load_all(text, len, file, opts, NULL, &root, d);

	if (e == CMFV_OK)
		*out = root;
	return e;
}
