/* A located check of a YAML tree against a libcyaml schema (see
 * include/cmfv/schema.h): the schema says the keys, kinds and bounds, the
 * tree says where each key and value was written. */
#include "cmfv/schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct walk {
	const struct cmfv_schema_note *notes;
	size_t nnotes;
	struct cmfv_diag *d;
};

static enum cmfv_err value(const struct walk *w, const cyaml_schema_value_t *s,
			   const struct cmfv_node *n, const char *label,
			   const struct cmfv_schema_at *at, const struct cmfv_schema_note *note);

/* An input error at \p l (cmfv_diag_set checks the format). */
#define bad(d, l, ...) cmfv_diag_set((d), CMFV_EINPUT, (l)->file, (l)->line, (l)->col, __VA_ARGS__)

static enum cmfv_err want(const struct cmfv_node *n, enum cmfv_kind kind, const char *label,
			  struct cmfv_diag *d)
{
	if (n->kind != kind)
		return bad(d, &n->loc, "%s must be a %s, not a %s", label, cmfv_kind_name(kind),
			   cmfv_kind_name(n->kind));
	return CMFV_OK;
}

/* The note about \p key of the mapping \p fields (key NULL: the mapping). */
static const struct cmfv_schema_note *find_note(const struct walk *w,
						const cyaml_schema_field_t *fields, const char *key)
{
	size_t i;

	for (i = 0; i < w->nnotes; i++) {
		const struct cmfv_schema_note *t = &w->notes[i];

		if (t->fields == fields &&
		    (key == NULL ? t->key == NULL : t->key != NULL && strcmp(t->key, key) == 0))
			return t;
	}
	return NULL;
}

/* A mapping's name in messages: its note's, else \p fallback. */
static const char *mapping_name(const struct walk *w, const cyaml_schema_value_t *s,
				const char *fallback)
{
	const struct cmfv_schema_note *t;

	if (s->type != CYAML_MAPPING)
		return fallback;
	t = find_note(w, s->mapping.fields, NULL);
	return t && t->text ? t->text : fallback;
}

static const cyaml_schema_field_t *field_of(const cyaml_schema_field_t *fields, const char *key)
{
	for (; fields->key; fields++)
		if (strcmp(fields->key, key) == 0)
			return fields;
	return NULL;
}

static enum cmfv_err keys_known(const struct walk *w, const cyaml_schema_field_t *fields,
				const struct cmfv_node *m, const char *label)
{
	const cyaml_schema_field_t *f;
	char list[512] = "";
	size_t i, used = 0;

	for (i = 0; i < m->u.map.n; i++)
		if (field_of(fields, m->u.map.v[i].key) == NULL)
			break;
	if (i == m->u.map.n)
		return CMFV_OK;
	for (f = fields; f->key && used < sizeof(list); f++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
					 f == fields ? "" : ", ", f->key);
	return bad(w->d, &m->u.map.v[i].key_loc, "unknown key '%s' in %s (expected %s)",
		   m->u.map.v[i].key, label, list);
}

/* The kinds of a mapping's string fields, in the order written: the
 * cheapest mistake is reported first. */
static enum cmfv_err scalars(const struct walk *w, const cyaml_schema_field_t *fields,
			     const struct cmfv_node *m)
{
	enum cmfv_err e = CMFV_OK;
	size_t i;

	for (i = 0; i < m->u.map.n && e == CMFV_OK; i++) {
		const cyaml_schema_field_t *f = field_of(fields, m->u.map.v[i].key);

		if (f->value.type == CYAML_STRING)
			e = want(m->u.map.v[i].val, CMFV_STR, f->key, w->d);
	}
	return e;
}

static enum cmfv_err mapping(const struct walk *w, const cyaml_schema_field_t *fields,
			     const struct cmfv_node *n, const char *label,
			     const struct cmfv_schema_at *at)
{
	const cyaml_schema_field_t *f;
	enum cmfv_err e;

	if ((e = want(n, CMFV_MAP, label, w->d)) != CMFV_OK ||
	    (e = keys_known(w, fields, n, label)) != CMFV_OK ||
	    (e = scalars(w, fields, n)) != CMFV_OK)
		return e;
	/* then in the schema's order: required fields, what lies below, meanings */
	for (f = fields; f->key; f++) {
		const struct cmfv_node *v = cmfv_map_get(n, f->key);
		const struct cmfv_schema_note *t = find_note(w, fields, f->key);

		if (v == NULL) {
			if (f->value.flags & CYAML_FLAG_OPTIONAL)
				continue;
			if (t && t->text)
				return bad(w->d, &n->loc, "%s", t->text);
			return bad(w->d, &n->loc, "%s needs %s", label, f->key);
		}
		if ((e = value(w, &f->value, v, f->key, at, t)) != CMFV_OK)
			return e;
	}
	return CMFV_OK;
}

static enum cmfv_err sequence(const struct walk *w, const cyaml_schema_value_t *s,
			      const struct cmfv_node *n, const char *label)
{
	const char *entry = mapping_name(w, s->sequence.entry, label);
	enum cmfv_err e;
	size_t i;

	if ((e = want(n, CMFV_SEQ, label, w->d)) != CMFV_OK)
		return e;
	if (n->u.seq.n < s->sequence.min)
		return bad(w->d, &n->loc, "%s needs at least %u entries", label, s->sequence.min);
	if (n->u.seq.n > s->sequence.max)
		return bad(w->d, &n->loc, "%s takes at most %u entries", label, s->sequence.max);
	for (i = 0; i < n->u.seq.n; i++) {
		struct cmfv_schema_at at = {n, i};

		if ((e = value(w, s->sequence.entry, n->u.seq.v[i], entry, &at, NULL)) != CMFV_OK)
			return e;
	}
	return CMFV_OK;
}

/* A string's length against the schema's bounds (after its note's check:
 * "not a date" says more than "too short"). */
static enum cmfv_err bounds(const struct walk *w, const cyaml_schema_value_t *s,
			    const struct cmfv_node *n, const char *label,
			    const struct cmfv_schema_note *note)
{
	if (n->u.s.len < s->string.min) {
		if (note && note->text)
			return bad(w->d, &n->loc, "%s", note->text);
		return bad(w->d, &n->loc, "%s must be at least %u characters long", label,
			   s->string.min);
	}
	if (n->u.s.len > s->string.max)
		return bad(w->d, &n->loc, "%s must be at most %u characters long", label,
			   s->string.max);
	return CMFV_OK;
}

static enum cmfv_err value(const struct walk *w, const cyaml_schema_value_t *s,
			   const struct cmfv_node *n, const char *label,
			   const struct cmfv_schema_at *at, const struct cmfv_schema_note *note)
{
	enum cmfv_err e;

	switch (s->type) {
	case CYAML_STRING:
		e = want(n, CMFV_STR, label, w->d);
		break;
	case CYAML_MAPPING:
		e = mapping(w, s->mapping.fields, n, label, at);
		break;
	case CYAML_SEQUENCE:
	case CYAML_SEQUENCE_FIXED:
		e = sequence(w, s, n, label);
		break;
	case CYAML_IGNORE:
		e = CMFV_OK; /* its note's check says what it must be */
		break;
	default:
		return bad(w->d, &n->loc, "%s: the schema's type %d has no located check", label,
			   (int)s->type);
	}
	if (e == CMFV_OK && note && note->check)
		e = note->check(n, label, at, w->d);
	if (e == CMFV_OK && s->type == CYAML_STRING)
		e = bounds(w, s, n, label, note);
	return e;
}

enum cmfv_err cmfv_schema_check(const cyaml_schema_value_t *schema,
				const struct cmfv_schema_note *notes, size_t nnotes,
				const struct cmfv_node *tree, struct cmfv_diag *d)
{
	struct walk w = {notes, nnotes, d};
	struct cmfv_schema_at top = {NULL, 0};

	return value(&w, schema, tree, mapping_name(&w, schema, "the document"), &top, NULL);
}
