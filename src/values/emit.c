/* YAML output with libyaml's emitter. */
#include "cmfv/emit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cmfv/alloc.h"
#include "cmfv/scalar.h"

static int yaml_write(void *data, unsigned char *buffer, size_t size)
{
	return cmfv_buf_add(data, buffer, size) == CMFV_OK;
}

/* Bytes that are not UTF-8 go out as !!binary base64, as go-yaml writes
 * them (libyaml refuses them as text). */
static int emit_binary(yaml_emitter_t *em, const char *s, size_t len)
{
	yaml_event_t ev;
	size_t n = 4 * ((len + 2) / 3) + 1;
	unsigned char *b64;
	int ok;

	if (len > (size_t)1 << 30 || (b64 = cmfv_malloc(n)) == NULL)
		return 0;
	EVP_EncodeBlock(b64, (const unsigned char *)s, (int)len);
	ok =
	    yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)"tag:yaml.org,2002:binary", b64,
					 (int)strlen((char *)b64), 0, 0, YAML_PLAIN_SCALAR_STYLE) &&
	    yaml_emitter_emit(em, &ev);
	OPENSSL_cleanse(b64, n); /* the text may be a key's (--set-file) */
	cmfv_free(b64);
	return ok;
}

static int emit_scalar(yaml_emitter_t *em, const char *s, size_t len, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)(uintptr_t)s, (int)len, 1,
					  1, style))
		return emit_binary(em, s, len);
	return yaml_emitter_emit(em, &ev);
}

static int cmp_pairs(const void *a, const void *b)
{
	const struct cmfv_pair *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

/* A string that would read back as something else is quoted. */
static yaml_scalar_style_t str_style(const char *s, size_t len)
{
	struct cmfv_scalar r;

	if (len > 1 && memchr(s, '\n', len) && s[len - 1] == '\n' && !memchr(s, '\r', len) &&
	    !memchr(s, '\t', len))
		return YAML_LITERAL_SCALAR_STYLE;

	cmfv_scalar_resolve(s, len, &r);
	if (r.res != CMFV_RES_STR || len == 0 || (len == 2 && memcmp(s, "<<", 2) == 0))
		return YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	return YAML_ANY_SCALAR_STYLE;
}

static int emit_node(yaml_emitter_t *em, const struct cmfv_node *n, int sort)
{
	yaml_event_t ev;
	char num[40];
	size_t i;

	switch (n->kind) {
	case CMFV_NULL:
		return emit_scalar(em, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	case CMFV_BOOL:
		return emit_scalar(em, n->u.b ? "true" : "false", n->u.b ? 4 : 5,
				   YAML_PLAIN_SCALAR_STYLE);
	case CMFV_INT:
		snprintf(num, sizeof(num), "%lld", (long long)n->u.i);
		return emit_scalar(em, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
	case CMFV_FLOAT:
		cmfv_format_float_json(n->u.f, num, sizeof(num));
		return emit_scalar(em, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
	case CMFV_STR:
		return emit_scalar(em, n->u.s.ptr, n->u.s.len, str_style(n->u.s.ptr, n->u.s.len));
	case CMFV_SEQ:
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return 0;
		for (i = 0; i < n->u.seq.n; i++)
			if (!emit_node(em, n->u.seq.v[i], sort))
				return 0;
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev);
	case CMFV_MAP: {
		const struct cmfv_pair **sorted = cmfv_malloc((n->u.map.n + 1) * sizeof(*sorted));
		int ok = 1;

		if (sorted == NULL)
			return 0;
		for (i = 0; i < n->u.map.n; i++)
			sorted[i] = &n->u.map.v[i];
		if (sort)
			qsort(sorted, n->u.map.n, sizeof(*sorted), cmp_pairs);
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		ok = yaml_emitter_emit(em, &ev);
		for (i = 0; ok && i < n->u.map.n; i++) {
			size_t kl = strlen(sorted[i]->key);

			ok = emit_scalar(em, sorted[i]->key, kl, str_style(sorted[i]->key, kl)) &&
			     emit_node(em, sorted[i]->val, sort);
		}
		cmfv_free(sorted);
		if (!ok)
			return 0;
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev);
	}
	}
	return 0;
}

enum cmfv_err cmfv_yaml_emit(const struct cmfv_node *n, int sort_keys, struct cmfv_buf *b)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	int ok;

	if (!yaml_emitter_initialize(&em))
		return CMFV_ENOMEM;
	yaml_emitter_set_output(&em, yaml_write, b);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	ok = yaml_emitter_emit(&em, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	ok = ok && yaml_emitter_emit(&em, &ev) && emit_node(&em, n, sort_keys);
	yaml_document_end_event_initialize(&ev, 1);
	ok = ok && yaml_emitter_emit(&em, &ev);
	yaml_stream_end_event_initialize(&ev);
	ok = ok && yaml_emitter_emit(&em, &ev);
	yaml_emitter_delete(&em);
	return ok && !b->failed ? CMFV_OK : CMFV_ENOMEM;
}
