/* Rules and findings. A report collects findings (and, for key sources,
 * what was learnt about each key: never the key itself). */
#ifndef CMFV_REPORT_H
#define CMFV_REPORT_H

#include <stddef.h>

#include "cmfv/diag.h"

enum cmfv_severity {
	CMFV_SEV_OFF = 0, /**< disabled by configuration */
	CMFV_SEV_NOTE,
	CMFV_SEV_WARNING,
	CMFV_SEV_ERROR,
};

/** Rule IDs, from include/cmfv/rules.def: CMFV_CMF001 ... */
enum cmfv_rule_id {
#define CMFV_RULE(id, name, sev, summary, help) CMFV_##id,
#include "cmfv/rules.def"
#undef CMFV_RULE
	CMFV_NRULES
};

struct cmfv_rule {
	const char *id;		     /**< "CMF001"; stable, never reused */
	const char *name;	     /**< "key-secret-name-required" */
	enum cmfv_severity severity; /**< default */
	const char *summary;	     /**< one line */
	const char *help;	     /**< how to fix it, one or two sentences */
	enum cmfv_rule_id rid;	     /**< its place in the table */
};

/** Every rule, in ID order. */
const struct cmfv_rule *cmfv_rules(size_t *n);
/** The rule of an ID. */
const struct cmfv_rule *cmfv_rule(enum cmfv_rule_id id);
/** A rule by ID or name as a user writes it; NULL when unknown. */
const struct cmfv_rule *cmfv_rule_find(const char *id_or_name);
const char *cmfv_severity_name(enum cmfv_severity s);

struct cmfv_finding {
	const struct cmfv_rule *rule;
	enum cmfv_severity severity; /**< after configuration */
	char *message;		     /**< owned; no trailing full stop; no key material */
	char *path;		     /**< owned; values path or NULL */
	struct cmfv_loc loc;	     /**< file NULL when nothing in a file is to blame */
};

/** What a key source held. Never the key: only its length and check value. */
struct cmfv_key_summary {
	char *source;	/**< owned: "--key-file cmf.key", "secret.yaml", "cluster" */
	char *secret;	/**< owned: Secret name, or NULL for a raw key file */
	char *property; /**< owned, or NULL */
	size_t length;	/**< decoded key length in bytes */
	char kcv[7];	/**< hex of the first 3 bytes of AES-ECB(key, 0^16); "" if no valid key */
	int valid;	/**< 16 or 32 bytes */
};

struct cmfv_report {
	struct cmfv_finding *v;
	size_t n, cap;
	struct cmfv_key_summary *keys;
	size_t nkeys, kcap;
};

/** Add a finding for rule \p id at its default severity
 * (configuration applies later: cmfv_config_apply). \p path may be NULL,
 * \p loc.file NULL. */
enum cmfv_err cmfv_report_add(struct cmfv_report *r, enum cmfv_rule_id id, const char *path,
			      struct cmfv_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/** Record a key summary (strings copied). */
enum cmfv_err cmfv_report_add_key(struct cmfv_report *r, const struct cmfv_key_summary *k);

/** Count findings of a severity. */
size_t cmfv_report_count(const struct cmfv_report *r, enum cmfv_severity s);
/** Does rule \p id appear? */
int cmfv_report_has(const struct cmfv_report *r, enum cmfv_rule_id id);
/** Does this finding fail the run? Errors do; warnings too when \p strict
 * (--strict). The one answer for exit codes, JUnit failures and the like. */
int cmfv_finding_fails(const struct cmfv_finding *f, int strict);
/** Does any finding fail the run? */
int cmfv_report_fails(const struct cmfv_report *r, int strict);
/** The key check value of the first valid key the report learnt about, or
 * NULL: the one KCV that check, post-render and the wrapper hand on. */
const char *cmfv_report_kcv(const struct cmfv_report *r);
/** Copy \p src's findings (messages, locations and severities as they are)
 * into \p dst; key summaries are not copied. */
enum cmfv_err cmfv_report_merge(struct cmfv_report *dst, const struct cmfv_report *src);
/** Stable sort: by file, line, column, then rule ID; findings without a
 * location last. */
void cmfv_report_sort(struct cmfv_report *r);
void cmfv_report_free(struct cmfv_report *r);

#endif
