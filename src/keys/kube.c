#include "cmfv/kube.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "cmfv/proc.h"
#include "cmfv/redact.h"

#define DEFAULT_TIMEOUT 30
#define MAX_JSON ((size_t)64 << 20)

void cmfv_kube_sanitize(const char *in, size_t len, char *out, size_t outsz)
{
	cmfv_redact_stderr(in, len, out, outsz);
}

enum cmfv_err cmfv_kube_get(const struct cmfv_kube *k, const char *resource, const char *name,
			    struct cmfv_buf *out, int *not_found, struct cmfv_diag *d)
{
	unsigned timeout = k->timeout_s ? k->timeout_s : DEFAULT_TIMEOUT;
	char *argv[16], rt[32], msg[700];
	const char *what = name ? name : "";
	struct cmfv_proc_opts po;
	struct cmfv_proc p;
	size_t n = 0;
	enum cmfv_err e;
	union {
		const char *c;
		char *m;
	} u;

#define ARG(s) (u.c = (s), argv[n++] = u.m)
	*not_found = 0;
	ARG(k->kubectl && k->kubectl[0] ? k->kubectl : "kubectl");
	ARG("get");
	ARG(resource);
	if (name)
		ARG(name);
	ARG("--output=json");
	/* kubectl's own limit first, so that it says what timed out */
	snprintf(rt, sizeof(rt), "--request-timeout=%us", timeout > 5 ? timeout - 3 : 1);
	ARG(rt);
	if (k->namespace && k->namespace[0]) {
		ARG("--namespace");
		ARG(k->namespace);
	}
	if (k->context && k->context[0]) {
		ARG("--context");
		ARG(k->context);
	}
	if (k->kubeconfig && k->kubeconfig[0]) {
		ARG("--kubeconfig");
		ARG(k->kubeconfig);
	}
	argv[n] = NULL;
#undef ARG

	memset(&po, 0, sizeof(po));
	po.timeout_s = timeout;
	po.max = MAX_JSON;
	po.secret_out = out->secret;
	e = cmfv_proc_run_opts(argv, &po, &p);
	if (e != CMFV_OK) {
		cmfv_proc_free(&p);
		return cmfv_diag_fail(d, e,
				      e == CMFV_ENOMEM
					  ? "out of memory reading kubectl's output"
					  : "cannot start %s: out of processes or file descriptors",
				      argv[0]);
	}
	if (p.not_found) {
		e = cmfv_diag_fail(d, CMFV_EENV,
				   "cannot run %s: %s; install kubectl (or put it on PATH) to read "
				   "the Secret from the cluster",
				   argv[0], strerror(p.exec_errno));
		goto out;
	}
	if (p.timed_out) {
		e = cmfv_diag_fail(
		    d, CMFV_EENV,
		    "kubectl get %s %s did not answer within %u seconds; check that the cluster is "
		    "reachable and your login is valid (kubectl get %s %s)",
		    resource, what, timeout, resource, what);
		goto out;
	}
	if (p.status != 0) {
		const char *err = p.err.ptr ? p.err.ptr : "";

		/* "Error from server (NotFound): secrets "x" not found" */
		if (p.status == 1 && strstr(err, "(NotFound)") != NULL) {
			*not_found = 1;
			e = CMFV_OK;
			goto out;
		}
		cmfv_kube_sanitize(err, p.err.len, msg, sizeof(msg));
		e = cmfv_diag_fail(d, CMFV_EENV, "kubectl get %s %s failed (exit %d): %s", resource,
				   what, p.status, msg[0] ? msg : "no message");
		goto out;
	}
	if (p.truncated) {
		e = cmfv_diag_fail(d, CMFV_EENV, "kubectl get %s %s printed more than %zu MiB",
				   resource, what, MAX_JSON >> 20);
		goto out;
	}
	e = cmfv_buf_add(out, p.out.ptr ? p.out.ptr : "", p.out.len);
	if (e != CMFV_OK)
		cmfv_diag_fail(d, e, "out of memory");
out:
	cmfv_proc_free(&p);
	return e;
}
