/* Writing values as YAML text in a document's own style. */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmfv/json.h"
#include "cmfv/scalar.h"

#include "yaml_write.h"

/* ------------------------------------------------------ writing values */

void yw_spaces(struct cmfv_buf *b, size_t n)
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

void yw_scalar(struct cmfv_buf *b, const struct cmfv_node *n, int flow)
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

void yw_key_text(struct cmfv_buf *b, const char *k, int flow)
{
	struct cmfv_node n;

	memset(&n, 0, sizeof(n));
	n.kind = CMFV_STR;
	n.u.s.ptr = (char *)(uintptr_t)k; /* only read */
	n.u.s.len = strlen(k);
	yw_scalar(b, &n, flow);
}

/* JSON-compatible flow style, keys in their order. */
void yw_flow(struct cmfv_buf *b, const struct cmfv_node *n)
{
	size_t i;

	if (n->kind == CMFV_SEQ) {
		cmfv_buf_add(b, "[", 1);
		for (i = 0; i < n->u.seq.n; i++) {
			if (i)
				cmfv_buf_add(b, ", ", 2);
			yw_flow(b, n->u.seq.v[i]);
		}
		cmfv_buf_add(b, "]", 1);
	} else if (n->kind == CMFV_MAP) {
		cmfv_buf_add(b, "{", 1);
		for (i = 0; i < n->u.map.n; i++) {
			if (i)
				cmfv_buf_add(b, ", ", 2);
			yw_key_text(b, n->u.map.v[i].key, 1);
			cmfv_buf_add(b, ": ", 2);
			yw_flow(b, n->u.map.v[i].val);
		}
		cmfv_buf_add(b, "}", 1);
	} else {
		yw_scalar(b, n, 1);
	}
}

/* Items of \p s, dashes at \p col. */
void yw_block_seq(struct yw_out *w, const struct cmfv_node *s, size_t col)
{
	size_t i;

	for (i = 0; i < s->u.seq.n; i++) {
		const struct cmfv_node *it = s->u.seq.v[i];

		yw_spaces(w->b, col);
		cmfv_buf_add(w->b, "- ", 2);
		if (it->kind == CMFV_MAP && it->u.map.n) {
			yw_block_map(w, it, col + 2, 1);
		} else {
			yw_flow(w->b, it);
			cmfv_buf_puts(w->b, w->nl);
		}
	}
}

/* One "key: value" at the current position (already indented). */
void yw_block_pair(struct yw_out *w, const char *key, const struct cmfv_node *v, size_t col)
{
	yw_key_text(w->b, key, 0);
	cmfv_buf_add(w->b, ":", 1);
	if (v->kind == CMFV_MAP && v->u.map.n) {
		cmfv_buf_puts(w->b, w->nl);
		yw_block_map(w, v, col + w->ind, 0);
	} else if (v->kind == CMFV_SEQ && v->u.seq.n) {
		cmfv_buf_puts(w->b, w->nl);
		yw_block_seq(w, v, col + w->si);
	} else {
		cmfv_buf_add(w->b, " ", 1);
		if (v->kind == CMFV_MAP || v->kind == CMFV_SEQ)
			yw_flow(w->b, v);
		else
			yw_scalar(w->b, v, 0);
		cmfv_buf_puts(w->b, w->nl);
	}
}

/* Pairs of \p m at \p col; the first on the current line when first_inline. */
void yw_block_map(struct yw_out *w, const struct cmfv_node *m, size_t col, int first_inline)
{
	size_t i;

	for (i = 0; i < m->u.map.n; i++) {
		if (i > 0 || !first_inline)
			yw_spaces(w->b, col);
		yw_block_pair(w, m->u.map.v[i].key, m->u.map.v[i].val, col);
	}
}
