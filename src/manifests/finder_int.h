/* The Deployment finder, private parts shared by finder.c (which workload
 * is CMF's, adding), finder_config.c (the config file a container names),
 * finder_pair.c (pairing with ConfigMaps), cmf_config.c (reading CMF's
 * config as CMF does) and finder_decide.c (the rules on each instance). */
#ifndef CMFV_FINDER_INT_H
#define CMFV_FINDER_INT_H

#include <stdint.h>

#include "cmfv/finder.h"
#include "cmfv/yaml.h"

#define STDIN_NAME "<stdin>"
#define SOURCE_ANNOTATION "postrenderer.helm.sh/postrender-filename"
#define CMF_IMAGE "cp-cmf"

/* A ConfigMap seen in the stream, remembered by position. */
struct cm_rec {
	const char *file;
	unsigned long long offset;
	size_t len;
	unsigned long line;
	long item; /* -1: the document itself; else the n-th ConfigMap found in it */
	int name_known;
	uint64_t name_hash; /* of metadata.name when known: a release may hold
			       many ConfigMaps, so a record stays small */
};

struct cmfv_finder {
	const struct cmfv_inject_opts *o;
	unsigned long docs, parsed;
	struct cmfv_instance *v;
	size_t n, cap;
	struct cm_rec *cm;
	size_t ncm, cmcap;
	size_t nodes_left; /* of CMFV_FINDER_MAX_NODES, for every parse (fnd_budget) */
	size_t flow_spent; /* flow cost of every parse (CMFV_YAML_MAX_FLOW_COST in all) */
};

/* Every parse of the finder takes from one node budget. */
void fnd_budget(struct cmfv_finder *f, struct cmfv_yaml_opts *yo);

/* The settings decided on, NULL-terminated: production, encryption.enabled,
 * the Secret name and property. */
extern const char *const fnd_watched[];

void fnd_copy_str(char *dst, size_t n, const char *s, size_t len);
void fnd_copy_cstr(char *dst, size_t n, const char *s);
void fnd_free_instance(struct cmfv_instance *in);
const struct cmfv_node *fnd_pod_spec(const struct cmfv_node *doc);
int fnd_image_of_cmf(const struct cmfv_node *c);
uint64_t fnd_hash(const char *s, size_t n);
int fnd_is_list(const struct cmfv_node *n);
void fnd_config_ref(const struct cmfv_node *doc, const struct cmfv_inject_opts *o,
		    struct cmfv_instance *in);
int fnd_same_scalar(const struct cmfv_node *a, const struct cmfv_node *b);
enum cmfv_err fnd_canonical(struct cmfv_instance *in, struct cmfv_diag *d);
enum cmfv_err fnd_read_env(const struct cmfv_node *c, struct cmfv_instance *in);

#endif
