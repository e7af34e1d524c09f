/* YAML to a value tree the way Helm reads values (include/cmfv/yaml.h):
 * libyaml's events, anchors and aliases, merge keys, depth and node
 * limits. Scalars and keys are resolved in yaml_scalar.c. */
#include "cmfv/yaml.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include <openssl/crypto.h>

#include "cmfv/alloc.h"
#include "cmfv/key.h"
#include "cmfv/scalar.h"

#include "yaml_int.h"

/* go-yaml/JSON in Helm stop at 10000 levels, the top map included */
#define DEFAULT_MAX_DEPTH 10000
/* memory: about 100-190 bytes a node; a Kubernetes object (1.5 MiB at most
 * in etcd) has far fewer. 500,000 keeps one document under 100 MB and 1 s */
#define DEFAULT_MAX_NODES 500000

/* Nodes as the loader counts them: keys included. */
static size_t yl_count_nodes(const struct cmfv_node *n)
{
	size_t c = 1, i;

	if (n->kind == CMFV_MAP)
		for (i = 0; i < n->u.map.n; i++)
			c += 1 + yl_count_nodes(n->u.map.v[i].val);
	else if (n->kind == CMFV_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			c += yl_count_nodes(n->u.seq.v[i]);
	return c;
}

/* Register anchor \p name (consumed) for a copy of \p node, at \p m. The
 * copies of collections are taken from the input's (or run's) node budget:
 * anchors nested 5,000 deep copied 12.5 million nodes (6.5 s, 3.2 GB; issue
 * 13). An anchored scalar's copy is one node, at most one per node read. */
static enum cmfv_err yl_register_anchor(struct loader *l, char *name, const struct cmfv_node *node,
					yaml_mark_t m)
{
	struct cmfv_loc none = {NULL, 0, 0};
	struct cmfv_node *copy;
	enum cmfv_err e;

	if (name == NULL)
		return CMFV_OK;
	if (node->kind == CMFV_MAP || node->kind == CMFV_SEQ)
		l->total += yl_count_nodes(node);
	if (l->total > l->total_max) {
		cmfv_free(name);
		return yl_fail_at(l, m,
				  "%s, with the copy kept of every anchored node (&name), hold "
				  "more than %zu nodes in all",
				  l->budget_what ? l->budget_what : "the documents of this input",
				  l->budget_what ? l->budget_total : l->total_max);
	}
	if (l->anchors == NULL && (l->anchors = cmfv_node_new(CMFV_MAP, none)) == NULL) {
		cmfv_free(name);
		return yl_oom(l);
	}
	copy = cmfv_node_copy(node);
	if (copy == NULL) {
		cmfv_free(name);
		return yl_oom(l);
	}
	/* a redefined anchor replaces the earlier one, as in YAML */
	e = cmfv_map_set(l->anchors, name, none, copy);
	cmfv_free(name);
	return e == CMFV_OK ? CMFV_OK : yl_oom(l);
}

static const struct cmfv_node *yl_find_anchor(const struct loader *l, const char *name)
{
	return cmfv_map_get(l->anchors, name);
}

static enum cmfv_err merge_into(struct loader *l, struct cmfv_node *map,
				const struct cmfv_node *src, yaml_mark_t m)
{
	size_t i;

	if (src->kind == CMFV_MAP) {
		for (i = 0; i < src->u.map.n; i++) {
			struct cmfv_node *v = cmfv_node_copy(src->u.map.v[i].val);

			if (v == NULL || cmfv_map_set(map, src->u.map.v[i].key,
						      src->u.map.v[i].key_loc, v) != CMFV_OK)
				return yl_oom(l);
		}
		return CMFV_OK;
	}
	if (src->kind == CMFV_SEQ) {
		/* go-yaml v2 applies the list from its end, so earlier maps win */
		for (i = src->u.seq.n; i > 0; i--) {
			if (src->u.seq.v[i - 1]->kind != CMFV_MAP)
				return yl_fail_at(l, m, "%s",
						  "map merge requires a map or a list of maps");
			if (merge_into(l, map, src->u.seq.v[i - 1], m) != CMFV_OK)
				return l->d->code;
		}
		return CMFV_OK;
	}
	return yl_fail_at(l, m, "%s", "map merge requires a map or a list of maps");
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
		return cmfv_seq_push(f->node, n) == CMFV_OK ? CMFV_OK : yl_oom(l);
	if (!f->have_key) {
		/* only an alias can bring a finished node into key position */
		e = yl_key_from_node(l, n, m, &f->key);
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
	} else if (l->no_duplicates && cmfv_map_get(f->node, f->key) != NULL) {
		e = cmfv_diag_set(l->d, CMFV_EINPUT, l->file, f->key_loc.line, f->key_loc.col,
				  "duplicate key '%.200s' in a mapping", f->key);
		cmfv_node_free(n);
	} else {
		e = cmfv_map_set(f->node, f->key, f->key_loc, n) == CMFV_OK ? CMFV_OK : yl_oom(l);
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
		return yl_fail_at(
		    l, m, "document is too large or expands too many aliases (more than %zu nodes)",
		    l->max_nodes);
	/* time: 24 documents of 990,000 nodes each took 12 s */
	if (l->total > l->total_max)
		return yl_fail_at(l, m, "%s hold more than %zu nodes in all%s",
				  l->budget_what ? l->budget_what : "the documents of this input",
				  l->budget_what ? l->budget_total : l->max_nodes,
				  l->budget_what ? ": this input crossed the limit" : "");
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
		return yl_fail_at(l, ev->start_mark, "a map key must be a scalar, not a %s",
				  kind == CMFV_MAP ? "map" : "list");
	if (l->depth >= l->max_depth)
		return yl_fail_at(l, ev->start_mark,
				  "nesting is deeper than the limit of %u levels", l->max_depth);
	if (count(l, 1, ev->start_mark) != CMFV_OK)
		return l->d->code;
	if (l->depth == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct frame *s = cmfv_realloc(l->stack, cap * sizeof(*s));

		if (s == NULL)
			return yl_oom(l);
		l->stack = s;
		l->cap = cap;
	}
	n = cmfv_node_new(kind, yl_mark_loc(l, ev->start_mark));
	if (n == NULL)
		return yl_oom(l);
	f = &l->stack[l->depth];
	memset(f, 0, sizeof(*f));
	f->node = n;
	f->flow = kind == CMFV_MAP ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
				   : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
	if (anchor && (f->anchor = cmfv_strdup((const char *)anchor)) == NULL) {
		cmfv_node_free(n);
		return yl_oom(l);
	}
	l->depth++;
	return CMFV_OK;
}

static enum cmfv_err pop(struct loader *l, yaml_mark_t m)
{
	struct frame f = l->stack[--l->depth];
	enum cmfv_err e;

	cmfv_free(f.key);
	e = yl_register_anchor(l, f.anchor, f.node, m);
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
		return yl_fail_at(l, ev->start_mark,
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
			return yl_fail_at(
			    l, ev->start_mark,
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

		e = yl_key_from_scalar(l, ev, &f->key, &f->key_is_merge);
		if (e != CMFV_OK)
			return e;
		f->key_loc = yl_mark_loc(l, ev->start_mark);
		f->have_key = 1;
		if (ev->data.scalar.anchor) {
			/* an anchored key: remember it as the string it became */
			n = cmfv_node_new_str(f->key, strlen(f->key), f->key_loc);
			if (n == NULL)
				return yl_oom(l);
			anchor = cmfv_strdup((const char *)ev->data.scalar.anchor);
			if (anchor == NULL) {
				cmfv_node_free(n);
				return yl_oom(l);
			}
			e = yl_register_anchor(l, anchor, n, ev->start_mark);
			cmfv_node_free(n);
			return e;
		}
		return CMFV_OK;
	}
	e = yl_scalar_node(l, ev, &n);
	if (e != CMFV_OK)
		return e;
	if (ev->data.scalar.anchor) {
		anchor = cmfv_strdup((const char *)ev->data.scalar.anchor);
		if (anchor == NULL) {
			cmfv_node_free(n);
			return yl_oom(l);
		}
		e = yl_register_anchor(l, anchor, n, ev->start_mark);
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
	const struct cmfv_node *a = yl_find_anchor(l, name);
	struct cmfv_node *n;
	size_t size;

	if (a == NULL)
		/* the name is not shown: an alias's name is text from the file,
		 * and in a Secret (stringData: {k: *<key text>}) it is the key */
		return yl_fail_at(
		    l, ev->start_mark,
		    "alias to an unknown anchor (its name, %zu characters, is not shown: "
		    "define the anchor with & before this alias)",
		    strlen(name));
	size = yl_count_nodes(a);
	/* go-yaml counts the alias node itself too, but not as aliased */
	if (count(l, size + 1, ev->start_mark) != CMFV_OK)
		return l->d->code;
	l->alias_nodes += size;
	if (excessive_aliasing(l->nodes, l->alias_nodes))
		return yl_fail_at(
		    l, ev->start_mark,
		    "document contains excessive aliasing: %zu of its %zu nodes come from aliases",
		    l->alias_nodes, l->nodes);
	n = cmfv_node_copy(a);
	if (n == NULL)
		return yl_oom(l);
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
		return yl_oom(l);
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
	return yl_fail_at(l, m, "%s", msg);
}

enum cmfv_err cmfv_yaml_load_all(const char *text, size_t len, const char *file,
				 const struct cmfv_yaml_opts *opts, cmfv_yaml_doc_fn fn, void *ctx,
				 struct cmfv_diag *d)
{
	struct loader l;
	yaml_event_t ev;
	enum cmfv_err e = CMFV_OK;
	int done = 0, stop_after_first = fn == NULL;
	size_t deepest;
	struct cmfv_flow_meter flow = {0, opts && opts->flow_spent ? *opts->flow_spent : 0};

	memset(&l, 0, sizeof(l));
	l.file = file;
	l.d = d;
	l.max_depth = opts && opts->max_depth ? opts->max_depth : DEFAULT_MAX_DEPTH;
	l.max_nodes = opts && opts->max_nodes ? opts->max_nodes : DEFAULT_MAX_NODES;
	/* *budget == 0: the first document of an input starts it. A stream
	 * read in one call (a Secret or manifests file) frees each document
	 * as it goes: twice the document limit, about 1 s of work */
	if (opts && opts->budget)
		l.total_max = *opts->budget ? *opts->budget : l.max_nodes;
	else
		l.total_max = 2 * l.max_nodes;
	l.budget_what = opts && opts->budget ? opts->budget_what : NULL;
	l.budget_total = opts ? opts->budget_total : 0;
	l.line_offset = opts ? opts->line_offset : 0;
	l.col_offset = opts ? opts->col_offset : 0;
	l.no_merge = opts ? opts->no_merge : 0;
	l.no_duplicates = opts ? opts->no_duplicates : 0;
	l.keep_ints = opts ? opts->keep_ints : 0;
	l.keep_nonfinite = opts ? opts->keep_nonfinite : 0;
	l.text = text;
	l.len = len;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		l.base_byte = l.cur_byte = 3;
	/* deeper than the limit: the parse stops there with its own message */
	if (cmfv_yaml_flow_cost(text, len, &deepest) > CMFV_YAML_MAX_FLOW_COST &&
	    deepest <= l.max_depth)
		return cmfv_diag_set(d, CMFV_EINPUT, file, 1 + l.line_offset, 1, CMFV_YAML_FLOW_MSG,
				     CMFV_YAML_MAX_FLOW_COST / 1000000);
	/* libyaml's memory is wiped when it lets go of it (yaml_alloc.c) */
	if (!cmfv_yaml_alloc_linked() || !yaml_parser_initialize(&l.parser))
		return yl_oom(&l);
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)text, len);
	while (!done && e == CMFV_OK) {
		if (!yaml_parser_parse(&l.parser, &ev)) {
			e = parse_error(&l);
			break;
		}
		if (cmfv_flow_meter_add(&flow, &ev)) {
			e = yl_fail_at(&l, ev.start_mark, CMFV_YAML_FLOW_MSG,
				       CMFV_YAML_MAX_FLOW_COST / 1000000);
			cmfv_yaml_event_wipe(&ev);
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
				e = yl_fail_at(&l, ev.start_mark,
					       "%%YAML %d.%d is not supported: Helm reads YAML 1.1",
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
	if (opts && opts->flow_spent)
		*opts->flow_spent = flow.cost;
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

	for (t = p->tokens.head; t && t < p->tokens.tail; t++) {
		if (t->type == YAML_SCALAR_TOKEN && t->data.scalar.value)
			OPENSSL_cleanse(t->data.scalar.value, t->data.scalar.length);
		else if (t->type == YAML_ANCHOR_TOKEN && t->data.anchor.value)
			OPENSSL_cleanse(t->data.anchor.value, strlen((char *)t->data.anchor.value));
		else if (t->type == YAML_ALIAS_TOKEN && t->data.alias.value)
			OPENSSL_cleanse(t->data.alias.value, strlen((char *)t->data.alias.value));
		else if (t->type == YAML_TAG_TOKEN && t->data.tag.suffix)
			OPENSSL_cleanse(t->data.tag.suffix, strlen((char *)t->data.tag.suffix));
	}
	if (p->buffer.start)
		OPENSSL_cleanse(p->buffer.start,
				touched(p->buffer.start, p->buffer.end, input_len));
	if (p->raw_buffer.start)
		OPENSSL_cleanse(p->raw_buffer.start,
				touched(p->raw_buffer.start, p->raw_buffer.end, input_len));
	cmfv_libyaml_cleared_parser(1);
	yaml_parser_delete(p);
	cmfv_libyaml_cleared_parser(0);
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
