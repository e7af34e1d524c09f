/* Reading objects from the cluster with kubectl: an argument vector (no
 * shell), a time limit, and kubectl's stderr turned into a message that is
 * safe to show (it never carries Secret data or tokens). */
#ifndef CMFV_KUBE_H
#define CMFV_KUBE_H

#include <stddef.h>

#include "cmfv/buf.h"
#include "cmfv/diag.h"

/** Where and how to run kubectl. Strings are borrowed; NULL means "kubectl's
 * own default" (the caller resolves $HELM_KUBECONTEXT and the like; kubectl
 * itself reads $KUBECONFIG). */
struct cmfv_kube {
	const char *kubectl;	/**< program, looked up in PATH; NULL = "kubectl" */
	const char *context;	/**< --context */
	const char *kubeconfig; /**< --kubeconfig */
	const char *namespace;	/**< --namespace; NULL = the context's namespace */
	unsigned timeout_s;	/**< hard limit; 0 = 30 s. kubectl gets a
				     --request-timeout a little shorter, so that
				     it usually reports the timeout itself */
};

/** Run `kubectl get RESOURCE NAME -o json` (NAME may be NULL: a list).
 * \param[out] out caller-owned, appended to: kubectl's stdout, the object as
 *             JSON. Made secret (CMFV_BUF_SECRET) by a caller reading a
 *             Secret: then kubectl's output is captured in a secret buffer
 *             too, and both are wiped when freed.
 * \param[out] not_found set to 1 when kubectl said the object is not there
 *             (NotFound), else 0; \p out is then empty and CMFV_OK returned
 * \return CMFV_OK; CMFV_EENV with \p d filled when kubectl is missing, timed
 *         out or failed (forbidden, unreachable, bad kubeconfig ...) — the
 *         message holds kubectl's own words, sanitised; CMFV_ENOMEM. */
enum cmfv_err cmfv_kube_get(const struct cmfv_kube *k, const char *resource, const char *name,
			    struct cmfv_buf *out, int *not_found, struct cmfv_diag *d);

/** Make kubectl's stderr (\p in, \p len bytes) safe and short for a
 * one-line message: cmfv_redact_stderr (include/cmfv/redact.h), the rule
 * every message follows: at most 4 lines, joined with "; "; no control
 * characters or terminal escapes; and whatever could be key material or a
 * credential replaced by "[redacted]" (base64 and hex words, byte lists,
 * bytes that are not text). Names, paths, hosts and API words
 * ("ServiceUnavailable") stay. \p out (caller-owned, \p outsz >= 8) is
 * NUL-terminated; cut with "..." when it does not fit. */
void cmfv_kube_sanitize(const char *in, size_t len, char *out, size_t outsz);

#endif
