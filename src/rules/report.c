#include "cmfv/report.h"

#include <stdio.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/redact.h"

static const struct cmfv_rule rules[] = {
#define CMFV_RULE(id, name, sev, summary, help)                                                    \
	{#id, name, CMFV_SEV_##sev, summary, help, CMFV_##id},
#include "cmfv/rules.def"
#undef CMFV_RULE
};

/* the table and the enum come from one list: same order, same length */
_Static_assert(sizeof(rules) / sizeof(rules[0]) == CMFV_NRULES, "rules.def");

#define NRULES (sizeof(rules) / sizeof(rules[0]))

const struct cmfv_rule *cmfv_rules(size_t *n)
{
	*n = NRULES;
	return rules;
}

const struct cmfv_rule *cmfv_rule_find(const char *id_or_name)
{
	size_t i;

	for (i = 0; i < NRULES; i++)
		if (strcmp(rules[i].id, id_or_name) == 0 || strcmp(rules[i].name, id_or_name) == 0)
			return &rules[i];
	return NULL;
}

const struct cmfv_rule *cmfv_rule(enum cmfv_rule_id id)
{
	return &rules[id < CMFV_NRULES ? id : 0];
}

const char *cmfv_severity_name(enum cmfv_severity s)
{
	switch (s) {
	case CMFV_SEV_OFF:
		return "off";
	case CMFV_SEV_NOTE:
		return "note";
	case CMFV_SEV_WARNING:
		return "warning";
	case CMFV_SEV_ERROR:
		return "error";
	}
	return "error";
}

/* Room for one more of \p n elements of \p size bytes (doubling from
 * \p first); NULL when out of memory, \p v then unchanged. */
static void *grow(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t c;
	void *nv;

	if (n < *cap)
		return v;
	c = *cap ? *cap * 2 : first;
	nv = cmfv_realloc(v, c * size);
	if (nv)
		*cap = c;
	return nv;
}

enum cmfv_err cmfv_report_add(struct cmfv_report *r, enum cmfv_rule_id id, const char *path,
			      struct cmfv_loc loc, const char *fmt, ...)
{
	const struct cmfv_rule *rule = id < CMFV_NRULES ? &rules[id] : NULL;
	enum cmfv_severity sev;
	struct cmfv_finding *f;
	char msg[1024];
	va_list ap;
	size_t n;

	if (rule == NULL)
		return CMFV_EINPUT;
	sev = rule->severity;
	f = grow(r->v, r->n, &r->cap, sizeof(*f), 8);
	if (f == NULL)
		return CMFV_ENOMEM;
	r->v = f;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cmfv_redact(msg); /* one rule for key text in every message */
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '.' || msg[n - 1] == '\n'))
		msg[--n] = '\0';
	f = &r->v[r->n];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->severity = sev;
	f->loc = loc;
	f->message = cmfv_strdup(msg);
	f->path = path ? cmfv_strdup(path) : NULL;
	if (f->message == NULL || (path && f->path == NULL)) {
		cmfv_free(f->message);
		cmfv_free(f->path);
		return CMFV_ENOMEM;
	}
	r->n++;
	return CMFV_OK;
}

enum cmfv_err cmfv_report_add_key(struct cmfv_report *r, const struct cmfv_key_summary *k)
{
	struct cmfv_key_summary *s;

	s = grow(r->keys, r->nkeys, &r->kcap, sizeof(*s), 4);
	if (s == NULL)
		return CMFV_ENOMEM;
	r->keys = s;
	s = &r->keys[r->nkeys];
	*s = *k;
	s->source = k->source ? cmfv_strdup(k->source) : NULL;
	s->secret = k->secret ? cmfv_strdup(k->secret) : NULL;
	s->property = k->property ? cmfv_strdup(k->property) : NULL;
	if ((k->source && !s->source) || (k->secret && !s->secret) ||
	    (k->property && !s->property)) {
		cmfv_free(s->source);
		cmfv_free(s->secret);
		cmfv_free(s->property);
		return CMFV_ENOMEM;
	}
	r->nkeys++;
	return CMFV_OK;
}

size_t cmfv_report_count(const struct cmfv_report *r, enum cmfv_severity s)
{
	size_t i, c = 0;

	for (i = 0; i < r->n; i++)
		if (r->v[i].severity == s)
			c++;
	return c;
}

int cmfv_report_has(const struct cmfv_report *r, enum cmfv_rule_id id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].rule->rid == id)
			return 1;
	return 0;
}

int cmfv_finding_fails(const struct cmfv_finding *f, int strict)
{
	return f->severity == CMFV_SEV_ERROR || (strict && f->severity == CMFV_SEV_WARNING);
}

int cmfv_report_fails(const struct cmfv_report *r, int strict)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (cmfv_finding_fails(&r->v[i], strict))
			return 1;
	return 0;
}

const char *cmfv_report_kcv(const struct cmfv_report *r)
{
	size_t i;

	for (i = 0; i < r->nkeys; i++)
		if (r->keys[i].valid && r->keys[i].kcv[0])
			return r->keys[i].kcv;
	return NULL;
}

enum cmfv_err cmfv_report_merge(struct cmfv_report *dst, const struct cmfv_report *src)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		const struct cmfv_finding *f = &src->v[i];

		if (cmfv_report_add(dst, f->rule->rid, f->path, f->loc, "%s", f->message) !=
		    CMFV_OK)
			return CMFV_ENOMEM;
		dst->v[dst->n - 1].severity = f->severity;
	}
	return CMFV_OK;
}

static int cmp_findings(const void *a, const void *b)
{
	const struct cmfv_finding *x = a, *y = b;
	int c;

	if ((x->loc.file == NULL) != (y->loc.file == NULL))
		return x->loc.file == NULL ? 1 : -1;
	if (x->loc.file && y->loc.file) {
		c = strcmp(x->loc.file, y->loc.file);
		if (c)
			return c;
		if (x->loc.line != y->loc.line)
			return x->loc.line < y->loc.line ? -1 : 1;
		if (x->loc.col != y->loc.col)
			return x->loc.col < y->loc.col ? -1 : 1;
	}
	return strcmp(x->rule->id, y->rule->id);
}

void cmfv_report_sort(struct cmfv_report *r)
{
	size_t i, j;

	/* insertion sort: stable, and reports are short */
	for (i = 1; i < r->n; i++) {
		struct cmfv_finding f = r->v[i];

		for (j = i; j > 0 && cmp_findings(&r->v[j - 1], &f) > 0; j--)
			r->v[j] = r->v[j - 1];
		r->v[j] = f;
	}
}

void cmfv_report_free(struct cmfv_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		cmfv_free(r->v[i].message);
		cmfv_free(r->v[i].path);
	}
	for (i = 0; i < r->nkeys; i++) {
		cmfv_free(r->keys[i].source);
		cmfv_free(r->keys[i].secret);
		cmfv_free(r->keys[i].property);
	}
	cmfv_free(r->v);
	cmfv_free(r->keys);
	memset(r, 0, sizeof(*r));
}
