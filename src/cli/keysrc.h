/* Key sources, shared by check/post-render (cli_check_keys) and key-info.
 * Each loader fills a struct cmfv_secret_value (its key bytes wiped by
 * cmfv_secret_value_clear) and registers what it read in run->sources as
 * secret, so that no report ever quotes it. They print their own errors
 * and return 0, 2 (usage, unreadable or malformed input) or 3 (environment). */
#ifndef CMFV_CLI_KEYSRC_H
#define CMFV_CLI_KEYSRC_H

#include "cmfv/key.h"
#include "cmfv/kube.h"
#include "cmfv/secret.h"
#include "commands.h"

/** kubectl settings: --kube-context else $HELM_KUBECONTEXT, --kubeconfig
 * (kubectl reads $KUBECONFIG itself), namespace \p ns; $CMFV_KUBECTL names
 * the program and $CMFV_KUBECTL_TIMEOUT the time limit in seconds. */
void keysrc_kube(const struct cli_opts *o, const char *ns, struct cmfv_kube *k);

/** Raw key file \p path ('-' = stdin) into \p v (always cleared by the caller). */
int keysrc_load_file(struct cli_run *run, const char *path, struct cmfv_secret_value *v);

/** Secret \p name, value \p prop, in the manifests at \p path ('-' = stdin). */
int keysrc_find(struct cli_run *run, const char *path, const char *name, const char *prop,
		struct cmfv_secret_value *v);

/** The Secret from the cluster: `kubectl get secret NAME -o json` in
 * run->namespace. Not found is a status (v->status), not an error. */
int keysrc_cluster(const struct cli_opts *o, struct cli_run *run, const char *name,
		   const char *prop, struct cmfv_secret_value *v);

#endif
