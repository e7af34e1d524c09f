/* .cmf-validate.yaml: one libcyaml schema, walked over the located tree
 * first (every error with file:line:column, include/cmfv/schema.h), then
 * libcyaml's typed load straight into struct cmfv_config. */
#include "cmfv/config.h"

#include <cyaml/cyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/node.h"
#include "cmfv/schema.h"
#include "cmfv/yaml.h"

int cmfv_is_date(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, dd, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	dd = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || dd < 1 || dd > mdays[m - 1])
		return 0;
	if (m == 2 && dd == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	return 1;
}

/* ---- the schema: libcyaml's, the one description of the file ---- */

static const cyaml_strval_t severities[] = {
    {"error", CMFV_SEV_ERROR},
    {"warning", CMFV_SEV_WARNING},
    {"note", CMFV_SEV_NOTE},
    {"off", CMFV_SEV_OFF},
};

static const cyaml_schema_value_t str_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t waiver_fields[] = {
    CYAML_FIELD_STRING_PTR("rule", CYAML_FLAG_POINTER, struct cmfv_waiver, rule, 0,
			   CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("path", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct cmfv_waiver,
			   path, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("reason", CYAML_FLAG_POINTER, struct cmfv_waiver, reason, 1,
			   CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("expires", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct cmfv_waiver,
			   expires, 10, 10),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t waiver_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct cmfv_waiver, waiver_fields),
};

/* the order here is the order of "(expected ...)" in messages */
static const cyaml_schema_field_t render_fields[] = {
    CYAML_FIELD_STRING_PTR("deployment", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			   struct cmfv_config_render, deployment, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("container", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			   struct cmfv_config_render, container, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("mountPath", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			   struct cmfv_config_render, mount_path, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("volumeName", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			   struct cmfv_config_render, volume_name, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("fileName", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			   struct cmfv_config_render, file_name, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t env_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct cmfv_env, name, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("chart", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct cmfv_env,
			   chart, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE_COUNT("values", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct cmfv_env,
			       values, nvalues, &str_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE_COUNT("set", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct cmfv_env,
			       set, nset, &str_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE_COUNT("setString", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			       struct cmfv_env, set_string, nset_string, &str_entry, 0,
			       CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("namespace", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct cmfv_env,
			   namespace, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t env_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct cmfv_env, env_fields),
};

/* rules: its keys are the rule table's IDs and names, which a libcyaml
 * mapping cannot take without a second list of rules; libcyaml skips it,
 * check_rules and load_rules read it from the tree. */
static const cyaml_schema_field_t top_fields[] = {
    CYAML_FIELD_IGNORE("rules", CYAML_FLAG_OPTIONAL),
    CYAML_FIELD_SEQUENCE_COUNT("waivers", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			       struct cmfv_config, waivers, nwaivers, &waiver_entry, 0,
			       CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING("postRender", CYAML_FLAG_OPTIONAL, struct cmfv_config, render,
			render_fields),
    CYAML_FIELD_SEQUENCE_COUNT("environments", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			       struct cmfv_config, envs, nenvs, &env_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t config_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct cmfv_config, top_fields),
};

const struct cyaml_schema_value *cmfv_config_schema(void)
{
	return &config_schema;
}

/* ---- what the schema cannot say: meanings, checked on the located tree ---- */

/* An input error at \p l (cmfv_diag_set checks the format). */
#define bad(d, l, ...) cmfv_diag_set((d), CMFV_EINPUT, (l)->file, (l)->line, (l)->col, __VA_ARGS__)

/* The severity a rules entry sets; -1 when it names none. YAML 1.1 reads
 * a plain `off` as false: take it as meant. */
static int severity_of(const struct cmfv_node *v)
{
	size_t i;

	if (v->kind == CMFV_BOOL && !v->u.b)
		return CMFV_SEV_OFF;
	for (i = 0; v->kind == CMFV_STR && i < CYAML_ARRAY_LEN(severities); i++)
		if (strcmp(v->u.s.ptr, severities[i].str) == 0)
			return (int)severities[i].val;
	return -1;
}

static enum cmfv_err check_rules(const struct cmfv_node *n, const char *label,
				 const struct cmfv_schema_at *at, struct cmfv_diag *d)
{
	size_t i;

	(void)at;
	if (n->kind != CMFV_MAP)
		return bad(d, &n->loc, "%s must be a %s, not a %s", label, cmfv_kind_name(CMFV_MAP),
			   cmfv_kind_name(n->kind));
	for (i = 0; i < n->u.map.n; i++) {
		const struct cmfv_pair *p = &n->u.map.v[i];

		if (cmfv_rule_find(p->key) == NULL)
			return bad(d, &p->key_loc, "unknown rule '%s' (see 'cmf-validate rules')",
				   p->key);
		if (severity_of(p->val) < 0)
			return bad(d, &p->val->loc,
				   "severity of %s must be error, warning, note or off", p->key);
	}
	return CMFV_OK;
}

static enum cmfv_err check_rule(const struct cmfv_node *n, const char *label,
				const struct cmfv_schema_at *at, struct cmfv_diag *d)
{
	(void)label;
	(void)at;
	if (cmfv_rule_find(n->u.s.ptr) == NULL)
		return bad(d, &n->loc, "unknown rule '%s' in waiver", n->u.s.ptr);
	return CMFV_OK;
}

static enum cmfv_err check_date(const struct cmfv_node *n, const char *label,
				const struct cmfv_schema_at *at, struct cmfv_diag *d)
{
	(void)at;
	if (!cmfv_is_date(n->u.s.ptr))
		return bad(d, &n->loc, "%s must be a date written YYYY-MM-DD, not '%s'", label,
			   n->u.s.ptr);
	return CMFV_OK;
}

/* An environment's name, against those of the environments before it. */
static enum cmfv_err check_env_name(const struct cmfv_node *n, const char *label,
				    const struct cmfv_schema_at *at, struct cmfv_diag *d)
{
	size_t j;

	(void)label;
	for (j = 0; at->list && j < at->index; j++) {
		const struct cmfv_node *o = cmfv_map_get(at->list->u.seq.v[j], "name");

		if (o && o->kind == CMFV_STR && strcmp(o->u.s.ptr, n->u.s.ptr) == 0)
			return bad(d, &n->loc, "environment '%s' is defined twice", n->u.s.ptr);
	}
	return CMFV_OK;
}

static const struct cmfv_schema_note notes[] = {
    {top_fields, NULL, "the configuration", NULL},
    {top_fields, "rules", NULL, check_rules},
    {waiver_fields, NULL, "a waiver", NULL},
    {waiver_fields, "rule", "a waiver needs a rule", check_rule},
    {waiver_fields, "reason", "a waiver needs a reason: say why the finding is accepted", NULL},
    {waiver_fields, "expires", NULL, check_date},
    {env_fields, NULL, "an environment", NULL},
    {env_fields, "name", "an environment needs a name", check_env_name},
};

/* ---- the typed load with libcyaml ---- */

static void *cfg_mem(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	if (size == 0) {
		cmfv_free(ptr);
		return NULL;
	}
	return cmfv_realloc(ptr, size);
}

struct log_ctx {
	char msg[256];
};

static void cfg_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
    __attribute__((format(printf, 3, 0)));

static void cfg_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	struct log_ctx *l = ctx;
	size_t n;

	if (l == NULL || level < CYAML_LOG_ERROR || l->msg[0] != '\0')
		return;
	vsnprintf(l->msg, sizeof(l->msg), fmt, args);
	n = strlen(l->msg);
	while (n && (l->msg[n - 1] == '\n' || l->msg[n - 1] == '.'))
		l->msg[--n] = '\0';
}

/* libcyaml frees what it loaded through the same allocator */
static const cyaml_config_t free_cfg = {
    .log_fn = cfg_log,
    .mem_fn = cfg_mem,
    .log_level = CYAML_LOG_ERROR,
    .flags = CYAML_CFG_DEFAULT,
};

/* libcyaml's load of a file the located check passed. */
static enum cmfv_err load_typed(const struct cmfv_source *src, struct cmfv_config **c,
				struct cmfv_diag *d)
{
	struct log_ctx log = {{0}};
	cyaml_config_t cfg = free_cfg;
	cyaml_err_t err;

	cfg.log_ctx = &log;
	err = cyaml_load_data((const uint8_t *)src->text, src->len, &cfg, &config_schema,
			      (cyaml_data_t **)c, NULL);
	if (err == CYAML_OK)
		return CMFV_OK;
	*c = NULL;
	if (err == CYAML_ERR_OOM)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	/* the located check should have caught it; say what libcyaml said */
	return cmfv_diag_set(d, CMFV_EINPUT, src->name, 0, 0, "invalid configuration: %s%s%s",
			     cyaml_strerror(err), log.msg[0] ? ": " : "", log.msg);
}

/* Severities by rule index; an ID written beside the rule's name wins. */
static void load_rules(struct cmfv_config *c, const struct cmfv_node *rules)
{
	size_t nrules, i;
	const struct cmfv_rule *all = cmfv_rules(&nrules);

	for (i = 0; rules && i < rules->u.map.n; i++) {
		const struct cmfv_pair *p = &rules->u.map.v[i];
		const struct cmfv_rule *r = cmfv_rule_find(p->key);
		size_t idx;

		if (r == NULL || (idx = (size_t)(r - all)) >= nrules)
			continue; /* check_rules let no such key through */
		if (c->severity_set[idx] && strcmp(p->key, r->id) != 0)
			continue;
		c->severity_set[idx] = 1;
		c->severity[idx] = (enum cmfv_severity)severity_of(p->val);
	}
}

/* What libcyaml does not load: the file name, severities, waiver places. */
static enum cmfv_err finish(struct cmfv_config *c, const struct cmfv_node *tree, const char *file,
			    struct cmfv_diag *d)
{
	const struct cmfv_node *ws = cmfv_map_get(tree, "waivers");
	size_t nrules, i;

	(void)cmfv_rules(&nrules);
	c->file = cmfv_strdup(file);
	c->severity = cmfv_calloc(nrules, sizeof(*c->severity));
	c->severity_set = cmfv_calloc(nrules, sizeof(*c->severity_set));
	if (c->file == NULL || c->severity == NULL || c->severity_set == NULL)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	load_rules(c, cmfv_map_get(tree, "rules"));
	for (i = 0; ws && i < c->nwaivers && i < ws->u.seq.n; i++) {
		c->waivers[i].loc = ws->u.seq.v[i]->loc;
		c->waivers[i].loc.file = c->file;
	}
	return CMFV_OK;
}

/* libcyaml refuses a key written twice and a merge key, without a place;
 * the schema is checked first on the tree (where the last value wins), so
 * a file's first error is the one it was before libcyaml loaded it. */
static enum cmfv_err no_duplicates(const struct cmfv_source *src, struct cmfv_diag *d)
{
	static const struct cmfv_yaml_opts strict = {.no_merge = 1, .no_duplicates = 1};
	struct cmfv_node *tree = NULL;
	enum cmfv_err e = cmfv_yaml_load(src->text, src->len, src->name, &strict, &tree, d);

	cmfv_node_free(tree);
	return e;
}

enum cmfv_err cmfv_config_load(const struct cmfv_source *src, struct cmfv_config **out,
			       struct cmfv_diag *d)
{
	struct cmfv_node *tree = NULL;
	struct cmfv_config *c = NULL;
	enum cmfv_err e;

	e = cmfv_yaml_load(src->text, src->len, src->name, NULL, &tree, d);
	if (e == CMFV_OK && tree == NULL) {
		struct cmfv_loc l = {src->name, 1, 1};

		tree = cmfv_node_new(CMFV_MAP, l);
		if (tree == NULL)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	if (e == CMFV_OK)
		e = cmfv_schema_check(&config_schema, notes, CYAML_ARRAY_LEN(notes), tree, d);
	if (e == CMFV_OK)
		e = no_duplicates(src, d);
	if (e == CMFV_OK && tree->u.map.n == 0) {
		/* libcyaml rejects an empty document; there is nothing to load */
		c = cmfv_calloc(1, sizeof(*c));
		if (c == NULL)
			e = cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	} else if (e == CMFV_OK) {
		e = load_typed(src, &c, d);
	}
	if (e == CMFV_OK) {
		/* not in the schema: libcyaml need not have cleared them */
		c->file = NULL;
		c->severity = NULL;
		c->severity_set = NULL;
		e = finish(c, tree, src->name, d);
	}
	cmfv_node_free(tree);
	if (e != CMFV_OK) {
		cmfv_config_free(c);
		return e;
	}
	*out = c;
	return CMFV_OK;
}

void cmfv_config_free(struct cmfv_config *c)
{
	if (c == NULL)
		return;
	cmfv_free(c->severity);
	cmfv_free(c->severity_set);
	cmfv_free(c->file);
	c->severity = NULL;
	c->severity_set = NULL;
	c->file = NULL;
	cyaml_free(&free_cfg, &config_schema, c, 0);
}

static void drop(struct cmfv_report *r, size_t i)
{
	cmfv_free(r->v[i].message);
	cmfv_free(r->v[i].path);
	memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(r->v[0]));
	r->n--;
}

enum cmfv_err cmfv_config_apply(const struct cmfv_config *c, const char *today,
				struct cmfv_report *r)
{
	size_t nrules, i = 0;
	const struct cmfv_rule *rules = cmfv_rules(&nrules);
	unsigned w;
	enum cmfv_err e = CMFV_OK;

	while (i < r->n) {
		struct cmfv_finding *f = &r->v[i];
		size_t idx = (size_t)(f->rule - rules);
		int waived = 0;

		if (idx < nrules && c->severity_set[idx])
			f->severity = c->severity[idx];
		for (w = 0; w < c->nwaivers && !waived; w++) {
			const struct cmfv_waiver *wv = &c->waivers[w];

			if (cmfv_rule_find(wv->rule) != f->rule)
				continue;
			if (wv->path && (f->path == NULL || strcmp(wv->path, f->path) != 0))
				continue;
			if (wv->expires && strcmp(wv->expires, today) < 0)
				continue; /* expired: waives nothing */
			waived = 1;
		}
		if (waived || f->severity == CMFV_SEV_OFF)
			drop(r, i);
		else
			i++;
	}
	for (w = 0; w < c->nwaivers && e == CMFV_OK; w++) {
		const struct cmfv_waiver *wv = &c->waivers[w];

		if (wv->expires && strcmp(wv->expires, today) < 0)
			e = cmfv_report_add(r, CMFV_CMF090, NULL, wv->loc,
					    "the waiver for %s expired on %s and no longer applies "
					    "(reason was: %.200s); renew it or fix the finding",
					    wv->rule, wv->expires, wv->reason);
	}
	return e;
}
