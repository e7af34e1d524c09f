/* Key sources, shared by check/post-render (cli_check_keys) and key-info. */
#ifndef CMFV_CLI_KEYSRC_H
#define CMFV_CLI_KEYSRC_H

#include "cmfv/key.h"
#include "cmfv/secret.h"
#include "commands.h"

/** Raw key file (registered as secret in run->sources) into \p v. */
int keysrc_load_file(struct cli_run *run, const char *path, struct cmfv_secret_value *v);
/** Secret \p name / \p prop in the manifests at \p path. */
int keysrc_find(struct cli_run *run, const char *path, const char *name, const char *prop,
		struct cmfv_secret_value *v);
/** The Secret from the cluster with kubectl. NotFound is a status, not an error. */
int keysrc_cluster(const struct cli_opts *o, struct cli_run *run, const char *name,
		   const char *prop, struct cmfv_secret_value *v);
/** Key findings CMF022-CMF026 and the summary for one loaded value. */
int keysrc_analyze(struct cli_run *run, const char *label, const char *name, const char *prop,
		   const struct cmfv_secret_value *v, struct cmfv_key_check *out);

#endif
