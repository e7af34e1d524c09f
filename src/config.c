/* .cmf-validate.yaml: a strict schema check on the located tree, then a
 * typed load with libcyaml. */
#include "cmfv/config.h"

#include <cyaml/cyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/node.h"
#include "cmfv/yaml.h"

/* ---- the schema check, with locations ---- */

static enum cmfv_err bad(struct cmfv_diag *d, const struct cmfv_loc *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum cmfv_err bad(struct cmfv_diag *d, const struct cmfv_loc *l, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cmfv_diag_set(d, CMFV_EINPUT, l->file, l->line, l->col, "%s", msg);
}

static int in(const char *k, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(k, *allowed) == 0)
			return 1;
	return 0;
}

static enum cmfv_err keys_known(const struct cmfv_node *m, const char *what,
				const char *const *allowed, const char *list, struct cmfv_diag *d)
{
	size_t i;

	for (i = 0; i < m->u.map.n; i++)
		if (!in(m->u.map.v[i].key, allowed))
			return bad(d, &m->u.map.v[i].key_loc, "unknown key '%s' in %s (expected %s)",
				   m->u.map.v[i].key, what, list);
	return CMFV_OK;
}

static enum cmfv_err want(const struct cmfv_node *n, enum cmfv_kind kind, const char *what,
			  struct cmfv_diag *d)
{
	if (n->kind != kind)
		return bad(d, &n->loc, "%s must be a %s, not a %s", what, cmfv_kind_name(kind),
			   cmfv_kind_name(n->kind));
	return CMFV_OK;
}

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

static enum cmfv_err check_strings(const struct cmfv_node *seq, const char *what,
				   struct cmfv_diag *d)
{
	size_t i;
	enum cmfv_err e = want(seq, CMFV_SEQ, what, d);

	for (i = 0; e == CMFV_OK && i < seq->u.seq.n; i++)
		e = want(seq->u.seq.v[i], CMFV_STR, what, d);
	return e;
}

static enum cmfv_err check_tree(const struct cmfv_node *root, struct cmfv_diag *d)
{
	static const char *const top[] = {"rules", "waivers", "postRender", "environments", NULL};
	static const char *const wkeys[] = {"rule", "path", "reason", "expires", NULL};
	static const char *const pkeys[] = {"deployment", "container", "mountPath", "volumeName",
					    "fileName", NULL};
	static const char *const ekeys[] = {"name", "chart", "values", "set", "setString",
					    "namespace", NULL};
	static const char *const sevs[] = {"error", "warning", "note", "off", NULL};
	const struct cmfv_node *n;
	enum cmfv_err e;
	size_t i, j;

	if ((e = want(root, CMFV_MAP, "the configuration", d)) != CMFV_OK ||
	    (e = keys_known(root, "the configuration", top,
			    "rules, waivers, postRender, environments", d)) != CMFV_OK)
		return e;
	if ((n = cmfv_map_get(root, "rules")) != NULL) {
		if ((e = want(n, CMFV_MAP, "rules", d)) != CMFV_OK)
			return e;
		for (i = 0; i < n->u.map.n; i++) {
			const struct cmfv_pair *p = &n->u.map.v[i];

			if (cmfv_rule_find(p->key) == NULL)
				return bad(d, &p->key_loc, "unknown rule '%s' (see 'cmf-validate rules')",
					   p->key);
			/* YAML 1.1 reads a plain `off` as false: take it as meant */
			if (p->val->kind == CMFV_BOOL && !p->val->u.b)
				continue;
			if (p->val->kind != CMFV_STR || !in(p->val->u.s.ptr, sevs))
				return bad(d, &p->val->loc,
					   "severity of %s must be error, warning, note or off", p->key);
		}
	}
	if ((n = cmfv_map_get(root, "waivers")) != NULL) {
		if ((e = want(n, CMFV_SEQ, "waivers", d)) != CMFV_OK)
			return e;
		for (i = 0; i < n->u.seq.n; i++) {
			const struct cmfv_node *w = n->u.seq.v[i], *v;

			if ((e = want(w, CMFV_MAP, "a waiver", d)) != CMFV_OK ||
			    (e = keys_known(w, "a waiver", wkeys, "rule, path, reason, expires", d)) !=
				    CMFV_OK)
				return e;
			for (j = 0; j < w->u.map.n; j++)
				if ((e = want(w->u.map.v[j].val, CMFV_STR, w->u.map.v[j].key, d)) != CMFV_OK)
					return e;
			v = cmfv_map_get(w, "rule");
			if (v == NULL)
				return bad(d, &w->loc, "a waiver needs a rule");
			if (cmfv_rule_find(v->u.s.ptr) == NULL)
				return bad(d, &v->loc, "unknown rule '%s' in waiver", v->u.s.ptr);
			v = cmfv_map_get(w, "reason");
			if (v == NULL || v->u.s.len == 0)
				return bad(d, v ? &v->loc : &w->loc,
					   "a waiver needs a reason: say why the finding is accepted");
			v = cmfv_map_get(w, "expires");
			if (v && !cmfv_is_date(v->u.s.ptr))
				return bad(d, &v->loc, "expires must be a date written YYYY-MM-DD, not '%s'",
					   v->u.s.ptr);
		}
	}
	if ((n = cmfv_map_get(root, "postRender")) != NULL) {
		if ((e = want(n, CMFV_MAP, "postRender", d)) != CMFV_OK ||
		    (e = keys_known(n, "postRender", pkeys,
				    "deployment, container, mountPath, volumeName, fileName", d)) != CMFV_OK)
			return e;
		for (j = 0; j < n->u.map.n; j++)
			if ((e = want(n->u.map.v[j].val, CMFV_STR, n->u.map.v[j].key, d)) != CMFV_OK)
				return e;
	}
	if ((n = cmfv_map_get(root, "environments")) != NULL) {
		if ((e = want(n, CMFV_SEQ, "environments", d)) != CMFV_OK)
			return e;
		for (i = 0; i < n->u.seq.n; i++) {
			const struct cmfv_node *env = n->u.seq.v[i], *v;

			if ((e = want(env, CMFV_MAP, "an environment", d)) != CMFV_OK ||
			    (e = keys_known(env, "an environment", ekeys,
					    "name, chart, values, set, setString, namespace", d)) != CMFV_OK)
				return e;
			v = cmfv_map_get(env, "name");
			if (v == NULL)
				return bad(d, &env->loc, "an environment needs a name");
			if ((e = want(v, CMFV_STR, "name", d)) != CMFV_OK)
				return e;
			for (j = 0; j < i; j++) {
				const struct cmfv_node *o = cmfv_map_get(n->u.seq.v[j], "name");

				if (o && o->kind == CMFV_STR && strcmp(o->u.s.ptr, v->u.s.ptr) == 0)
					return bad(d, &v->loc, "environment '%s' is defined twice",
						   v->u.s.ptr);
			}
			if ((v = cmfv_map_get(env, "chart")) && (e = want(v, CMFV_STR, "chart", d)))
				return e;
			if ((v = cmfv_map_get(env, "namespace")) &&
			    (e = want(v, CMFV_STR, "namespace", d)))
				return e;
			if ((v = cmfv_map_get(env, "values")) && (e = check_strings(v, "values", d)))
				return e;
			if ((v = cmfv_map_get(env, "set")) && (e = check_strings(v, "set", d)))
				return e;
			if ((v = cmfv_map_get(env, "setString")) &&
			    (e = check_strings(v, "setString", d)))
				return e;
		}
	}
	return CMFV_OK;
}

/* ---- the typed load with libcyaml ---- */

struct raw_waiver {
	char *rule, *path, *reason, *expires;
};

struct raw_env {
	char *name, *chart, *namespace;
	char **values;
	unsigned values_count;
	char **set;
	unsigned set_count;
	char **set_string;
	unsigned set_string_count;
};

struct raw_pr {
	char *deployment, *container, *mount_path, *volume_name, *file_name;
};

#define MAX_RULE_KEYS 128

struct raw_rules {
	char *sev[MAX_RULE_KEYS];
};

struct raw {
	struct raw_rules *rules;
	struct raw_waiver *waivers;
	unsigned waivers_count;
	struct raw_pr *pr;
	struct raw_env *envs;
	unsigned envs_count;
};

static const cyaml_schema_value_t str_entry = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t waiver_fields[] = {
	CYAML_FIELD_STRING_PTR("rule", CYAML_FLAG_POINTER, struct raw_waiver, rule, 0, CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("path", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_waiver, path,
			       0, CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("reason", CYAML_FLAG_POINTER, struct raw_waiver, reason, 1,
			       CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("expires", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_waiver,
			       expires, 10, 10),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t waiver_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_waiver, waiver_fields),
};

static const cyaml_schema_field_t env_fields[] = {
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct raw_env, name, 0, CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("chart", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_env, chart,
			       0, CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("namespace", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_env,
			       namespace, 0, CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE("values", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_env, values,
			     &str_entry, 0, CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE("set", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_env, set,
			     &str_entry, 0, CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE("setString", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_env,
			     set_string, &str_entry, 0, CYAML_UNLIMITED),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t env_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_env, env_fields),
};

static const cyaml_schema_field_t pr_fields[] = {
	CYAML_FIELD_STRING_PTR("deployment", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_pr,
			       deployment, 0, CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("container", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_pr,
			       container, 0, CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("mountPath", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_pr,
			       mount_path, 0, CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("volumeName", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_pr,
			       volume_name, 0, CYAML_UNLIMITED),
	CYAML_FIELD_STRING_PTR("fileName", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_pr,
			       file_name, 0, CYAML_UNLIMITED),
	CYAML_FIELD_END,
};

/* Rule severities are keyed by rule ID or name: the fields are made from
 * the rule table at run time (two per rule). */
static cyaml_schema_field_t rule_fields[MAX_RULE_KEYS + 1];

static const cyaml_schema_field_t rule_field_template[] = {
	CYAML_FIELD_STRING_PTR("x", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_rules, sev[0],
			       0, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t *rules_schema(void)
{
	size_t n, i;
	const struct cmfv_rule *rules = cmfv_rules(&n);

	if (rule_fields[0].key != NULL)
		return rule_fields;
	for (i = 0; i < n && 2 * i + 1 < MAX_RULE_KEYS; i++) {
		rule_fields[2 * i] = rule_field_template[0];
		rule_fields[2 * i].key = rules[i].id;
		rule_fields[2 * i].data_offset = (uint32_t)(offsetof(struct raw_rules, sev) +
							    2 * i * sizeof(char *));
		rule_fields[2 * i + 1] = rule_field_template[0];
		rule_fields[2 * i + 1].key = rules[i].name;
		rule_fields[2 * i + 1].data_offset = (uint32_t)(offsetof(struct raw_rules, sev) +
								(2 * i + 1) * sizeof(char *));
	}
	return rule_fields;
}

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

	if (level >= CYAML_LOG_ERROR && l->msg[0] == '\0') {
		size_t n;

		vsnprintf(l->msg, sizeof(l->msg), fmt, args);
		n = strlen(l->msg);
		while (n && (l->msg[n - 1] == '\n' || l->msg[n - 1] == '.'))
			l->msg[--n] = '\0';
	}
}

static char *dup_or_null(const char *s, int *fail)
{
	char *r;

	if (s == NULL)
		return NULL;
	r = cmfv_strdup(s);
	if (r == NULL)
		*fail = 1;
	return r;
}

static char **dup_list(char **v, unsigned n, int *fail)
{
	char **r;
	unsigned i;

	if (n == 0)
		return NULL;
	r = cmfv_calloc(n, sizeof(*r));
	if (r == NULL) {
		*fail = 1;
		return NULL;
	}
	for (i = 0; i < n; i++)
		r[i] = dup_or_null(v[i], fail);
	return r;
}

enum cmfv_err cmfv_config_load(const struct cmfv_source *src, struct cmfv_config **out,
			       struct cmfv_diag *d)
{
	struct cmfv_node *tree = NULL;
	struct cmfv_config *c;
	struct raw *raw = NULL;
	struct log_ctx log = {{0}};
	cyaml_schema_field_t top[5];
	cyaml_schema_value_t rules_value[1], top_value[1], waiver_seq, env_seq, pr_value;
	cyaml_config_t cfg;
	cyaml_err_t err;
	enum cmfv_err e;
	size_t nrules, i, wi;
	int fail = 0;

	e = cmfv_yaml_load(src->text, src->len, src->name, NULL, &tree, d);
	if (e != CMFV_OK)
		return e;
	if (tree == NULL) {
		struct cmfv_loc l = {src->name, 1, 1};

		tree = cmfv_node_new(CMFV_MAP, l);
		if (tree == NULL)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	e = check_tree(tree, d);
	if (e != CMFV_OK) {
		cmfv_node_free(tree);
		return e;
	}

	/* libcyaml's schema, built here because the rule fields are dynamic */
	memset(top, 0, sizeof(top));
	memset(&cfg, 0, sizeof(cfg));
	rules_value[0] = (cyaml_schema_value_t){
		CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_rules, rules_schema()),
	};
	waiver_seq = waiver_entry;
	env_seq = env_entry;
	pr_value = (cyaml_schema_value_t){
		CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_pr, pr_fields),
	};
	{
		const cyaml_schema_field_t fields[] = {
			CYAML_FIELD_MAPPING_PTR("rules", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
						struct raw, rules, rules_schema()),
			CYAML_FIELD_SEQUENCE("waivers", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
					     struct raw, waivers, &waiver_seq, 0, CYAML_UNLIMITED),
			CYAML_FIELD_MAPPING_PTR("postRender", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
						struct raw, pr, pr_fields),
			CYAML_FIELD_SEQUENCE("environments", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
					     struct raw, envs, &env_seq, 0, CYAML_UNLIMITED),
			CYAML_FIELD_END,
		};

		memcpy(top, fields, sizeof(fields));
	}
	(void)rules_value;
	(void)pr_value;
	top_value[0] = (cyaml_schema_value_t){
		CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw, top),
	};
	cfg.log_fn = cfg_log;
	cfg.log_ctx = &log;
	cfg.mem_fn = cfg_mem;
	cfg.log_level = CYAML_LOG_ERROR;
	cfg.flags = CYAML_CFG_DEFAULT;
	if (tree->u.map.n == 0) {
		raw = NULL; /* libcyaml rejects an empty document; nothing to load */
		err = CYAML_OK;
	} else {
		err = cyaml_load_data((const uint8_t *)src->text, src->len, &cfg, top_value,
				      (cyaml_data_t **)&raw, NULL);
	}
	if (err != CYAML_OK) {
		cmfv_node_free(tree);
		if (err == CYAML_ERR_OOM)
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		/* the located check above should have caught it; say what libcyaml said */
		return cmfv_diag_set(d, CMFV_EINPUT, src->name, 0, 0, "invalid configuration: %s%s%s",
				     cyaml_strerror(err), log.msg[0] ? ": " : "", log.msg);
	}

	c = cmfv_calloc(1, sizeof(*c));
	(void)cmfv_rules(&nrules);
	if (c) {
		c->severity = cmfv_calloc(nrules, sizeof(*c->severity));
		c->severity_set = cmfv_calloc(nrules, sizeof(*c->severity_set));
		c->file = cmfv_strdup(src->name);
	}
	if (c == NULL || c->severity == NULL || c->severity_set == NULL || c->file == NULL)
		fail = 1;
	if (!fail && raw && raw->rules) {
		for (i = 0; i < nrules && 2 * i + 1 < MAX_RULE_KEYS; i++) {
			const char *s = raw->rules->sev[2 * i] ? raw->rules->sev[2 * i]
							       : raw->rules->sev[2 * i + 1];

			if (s == NULL)
				continue;
			c->severity_set[i] = 1;
			c->severity[i] = strcmp(s, "error") == 0     ? CMFV_SEV_ERROR
					 : strcmp(s, "warning") == 0 ? CMFV_SEV_WARNING
					 : strcmp(s, "note") == 0    ? CMFV_SEV_NOTE
								     : CMFV_SEV_OFF;
		}
	}
	if (!fail && raw && raw->waivers_count) {
		const struct cmfv_node *ws = cmfv_map_get(tree, "waivers");

		c->waivers = cmfv_calloc(raw->waivers_count, sizeof(*c->waivers));
		if (c->waivers == NULL)
			fail = 1;
		for (wi = 0; !fail && wi < raw->waivers_count; wi++) {
			struct cmfv_waiver *w = &c->waivers[wi];

			c->nwaivers++;
			w->rule = dup_or_null(raw->waivers[wi].rule, &fail);
			w->path = dup_or_null(raw->waivers[wi].path, &fail);
			w->reason = dup_or_null(raw->waivers[wi].reason, &fail);
			w->expires = dup_or_null(raw->waivers[wi].expires, &fail);
			if (ws && wi < ws->u.seq.n) {
				w->loc = ws->u.seq.v[wi]->loc;
				w->loc.file = c->file;
			}
		}
	}
	if (!fail && raw && raw->pr) {
		c->deployment = dup_or_null(raw->pr->deployment, &fail);
		c->container = dup_or_null(raw->pr->container, &fail);
		c->mount_path = dup_or_null(raw->pr->mount_path, &fail);
		c->volume_name = dup_or_null(raw->pr->volume_name, &fail);
		c->file_name = dup_or_null(raw->pr->file_name, &fail);
	}
	if (!fail && raw && raw->envs_count) {
		c->envs = cmfv_calloc(raw->envs_count, sizeof(*c->envs));
		if (c->envs == NULL)
			fail = 1;
		for (i = 0; !fail && i < raw->envs_count; i++) {
			struct cmfv_env *v = &c->envs[i];
			const struct raw_env *r = &raw->envs[i];

			c->nenvs++;
			v->name = dup_or_null(r->name, &fail);
			v->chart = dup_or_null(r->chart, &fail);
			v->namespace = dup_or_null(r->namespace, &fail);
			v->values = dup_list(r->values, r->values_count, &fail);
			v->nvalues = v->values ? r->values_count : 0;
			v->set = dup_list(r->set, r->set_count, &fail);
			v->nset = v->set ? r->set_count : 0;
			v->set_string = dup_list(r->set_string, r->set_string_count, &fail);
			v->nset_string = v->set_string ? r->set_string_count : 0;
		}
	}
	if (raw)
		cyaml_free(&cfg, top_value, raw, 0);
	cmfv_node_free(tree);
	if (fail) {
		cmfv_config_free(c);
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	}
	*out = c;
	return CMFV_OK;
}

static void free_list(char **v, unsigned n)
{
	unsigned i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		cmfv_free(v[i]);
	cmfv_free(v);
}

void cmfv_config_free(struct cmfv_config *c)
{
	unsigned i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nwaivers; i++) {
		cmfv_free(c->waivers[i].rule);
		cmfv_free(c->waivers[i].path);
		cmfv_free(c->waivers[i].reason);
		cmfv_free(c->waivers[i].expires);
	}
	for (i = 0; i < c->nenvs; i++) {
		cmfv_free(c->envs[i].name);
		cmfv_free(c->envs[i].chart);
		cmfv_free(c->envs[i].namespace);
		free_list(c->envs[i].values, c->envs[i].nvalues);
		free_list(c->envs[i].set, c->envs[i].nset);
		free_list(c->envs[i].set_string, c->envs[i].nset_string);
	}
	cmfv_free(c->waivers);
	cmfv_free(c->envs);
	cmfv_free(c->severity);
	cmfv_free(c->severity_set);
	cmfv_free(c->deployment);
	cmfv_free(c->container);
	cmfv_free(c->mount_path);
	cmfv_free(c->volume_name);
	cmfv_free(c->file_name);
	cmfv_free(c->file);
	cmfv_free(c);
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
					    "the waiver for %s expired on %s and no longer applies (reason was: %.200s); renew it or fix the finding",
					    wv->rule, wv->expires, wv->reason);
	}
	return e;
}
