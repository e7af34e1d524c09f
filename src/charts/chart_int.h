/* Private to the chart loader (chart.c, chart_files.c, chart_ignore.c,
 * chart_meta.c): the files of one chart and the pieces that read them. */
#ifndef CMFV_CHART_INT_H
#define CMFV_CHART_INT_H

#include <stddef.h>

#include "cmfv/chart.h"
#include "cmfv/diag.h"
#include "cmfv/source.h"

/* A file of the chart: its name inside the chart ("charts/x/values.yaml")
 * and, for the files that matter, its bytes. */
struct cfile {
	char *name;
	char *data; /* owned; NULL when not read */
	size_t len;
	char *display; /* owned: how locations name it */
};

struct cfiles {
	struct cfile *v;
	size_t n, cap;
};

void cmfv_cfiles_free(struct cfiles *f);
/* Takes \p name, \p data and \p display (freed on failure too). */
enum cmfv_err cmfv_cfiles_push(struct cfiles *f, char *name, char *data, size_t len, char *display);
/* "a" SEP "b", or NULL when out of memory. */
char *cmfv_chart_join(const char *a, const char *sep, const char *b);
enum cmfv_err cmfv_chart_read_file(const char *path, char **data, size_t *len, struct cmfv_diag *d);

/* LoadDir's file list: .helmignore applied, lexical order, symlinks followed. */
enum cmfv_err cmfv_chart_dir_files(const char *dir, struct cfiles *out, struct cmfv_diag *d);
/* LoadArchiveFiles: every entry loses its first path element. */
enum cmfv_err cmfv_chart_archive_files(const char *data, size_t len, const char *display,
				       struct cfiles *out, struct cmfv_diag *d);

/* .helmignore (pkg/ignore) */
struct rule {
	char *pat;
	size_t len;
	int negate, must_dir, anchored, has_slash;
};

struct rules {
	struct rule *v;
	size_t n;
};

void cmfv_rules_free(struct rules *r);
enum cmfv_err cmfv_rules_add(struct rules *r, const char *line, size_t n, const char *file,
			     unsigned lineno, struct cmfv_diag *d);
enum cmfv_err cmfv_rules_parse(struct rules *r, const char *text, size_t len, const char *file,
			       struct cmfv_diag *d);
int cmfv_rules_ignore(const struct rules *r, const char *path, int is_dir);

/* sanitizeString on *\p str (replaced; CMFV_ENOMEM leaves it) */
enum cmfv_err cmfv_chart_sanitize(char **str);

/* Chart.yaml and requirements.yaml, decoded by json.Unmarshal into one
 * Metadata: what one copy leaves, the next one merges into. */
struct dacc {
	struct cmfv_chart_dep d;
	size_t tags_made; /* Tags' backing array: strings past ntags stay */
};

struct meta_acc {
	int detect4;	    /* set by the caller: the chart Helm 4 installs */
	int present;	    /* c.Metadata != nil */
	int charts;	    /* Chart.yaml copies decoded */
	char *api;	    /* Metadata.APIVersion */
	char *first_api;    /* the first Chart.yaml's alone (Helm 4 picks its loader by it) */
	int has_deps;	    /* Dependencies != nil */
	struct dacc **deps; /* the backing array: NULL for a null entry */
	size_t len, made;   /* length; entries ever made since the last reset */
};

void cmfv_meta_acc_free(struct meta_acc *a);
/* Decode file \p f (\p label: "Chart.yaml" or "requirements.yaml") over
 * \p c's metadata and \p a. */
enum cmfv_err cmfv_chart_load_meta(struct cmfv_chart *c, struct meta_acc *a, const struct cfile *f,
				   const char *label, struct cmfv_sources *src,
				   struct cmfv_diag *d);
/* The Dependencies slice as it stands, into c->deps (\p a is emptied). */
enum cmfv_err cmfv_chart_meta_finish(struct cmfv_chart *c, struct meta_acc *a, struct cmfv_diag *d);
/* Chart.lock or requirements.lock, parsed: does Helm load it? */
enum cmfv_err cmfv_chart_check_lock(const struct cmfv_node *lock, const char *label,
				    struct cmfv_diag *d);
/* time.Parse(time.RFC3339, s) succeeds (semver.c) */
int cmfv_chart_rfc3339(const char *s);
/* Chart.lock or requirements.lock (\p label), read as Helm reads it */
enum cmfv_err cmfv_chart_load_lock(const struct cfile *f, const char *label,
				   struct cmfv_sources *src, struct cmfv_diag *d);
/* Chart.yaml, requirements.yaml and their lock files: a chart of the
 * largest size accepted (CMFV_CHART_MAX_SUBCHARTS dependencies of a dozen
 * fields each) has a small part of this; a 4.5 MB flow-style list of 330,000
 * entries took 202 MB before it was refused. */
#define CMFV_CHART_META_MAX_NODES 100000
size_t cmfv_chart_first_dup_dep(const struct cmfv_chart *c);
enum cmfv_err cmfv_chart_validate(struct cmfv_chart *c, const char *api, const char *where,
				  struct cmfv_diag *d);

#endif
