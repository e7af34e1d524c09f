/* Positioned nodes: the document's text with its positions. */

#include <string.h>
#include <yaml.h>

#include "cmfv/alloc.h"
#include "cmfv/yaml.h"

#include "ptree.h"

/* ------------------------------------------- the text, with positions */

void pn_free(struct pn *n)
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
struct pn *pn_build(const char *t, size_t len, int *oom)
{
	struct pbuild b;
	yaml_parser_t p;
	yaml_event_t ev;
	int done = 0, ok = 1;
	size_t i;
	struct cmfv_flow_meter flow = {0, 0};

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
		if (cmfv_flow_meter_add(&flow, &ev)) {
			/* the loader refuses it first; never parse on past the limit */
			cmfv_yaml_event_wipe(&ev);
			ok = 0;
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
int pn_safe(const struct pn *n)
{
	return n && n->type != PN_ALIAS && !n->anchor &&
	       (!n->tag || (n->type == PN_MAP && !n->flow && n->n > 0));
}

/* The column of a block map's keys. */
size_t pn_col(const struct pn *m)
{
	return m->type == PN_MAP && !m->flow && m->n > 0 ? m->kid[0]->col : m->col;
}

/* map[key]: 1 found, 0 absent, -1 not safe to edit by text (merge keys,
 * complex or duplicate keys). */
int pn_get(const struct pn *m, const char *key, struct pn **k, struct pn **v)
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

int pn_is_null(const struct pn *v)
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
