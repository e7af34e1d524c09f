#include "cmfv/kube.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "cmfv/proc.h"

#define DEFAULT_TIMEOUT 30
#define MAX_JSON ((size_t)64 << 20)
#define MAX_LINES 4

static int word_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=' || c == '_' || c == '-';
}

/* Could this word be key material or a token? See kube.h. */
static int secret_like(const char *w, size_t n)
{
	size_t i;
	int upper = 0, lower = 0, digit = 0, sym = 0, pad = 0, hex = 1;

	if (n < 20)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];

		upper |= c >= 'A' && c <= 'Z';
		lower |= c >= 'a' && c <= 'z';
		digit |= c >= '0' && c <= '9';
		sym |= c == '+' || c == '/';
		pad |= c == '=';
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			hex = 0;
	}
	if (hex && n >= 32)
		return 1;
	if (pad && (upper || digit))
		return 1;
	return upper && lower && (digit || sym);
}

void cmfv_kube_sanitize(const char *in, size_t len, char *out, size_t outsz)
{
	static const char redacted[] = "[redacted]", sep[] = "; ";
	size_t i = 0, o = 0, lines = 0;
	int cut = 0;

	/* leave room for "..." and the NUL */
	if (outsz < 8) {
		out[0] = '\0';
		return;
	}
#define PUT(s, n)                                                                                  \
	do {                                                                                       \
		if (o + (n) + 4 > outsz) {                                                         \
			cut = 1;                                                                   \
			goto done;                                                                 \
		}                                                                                  \
		memcpy(out + o, (s), (n));                                                         \
		o += (n);                                                                          \
	} while (0)
	while (i < len) {
		unsigned char c = (unsigned char)in[i];

		if (c == '\n' || c == '\r') {
			while (i < len && (in[i] == '\n' || in[i] == '\r' || in[i] == ' '))
				i++;
			if (i < len && o > 0) {
				if (++lines >= MAX_LINES) {
					cut = 1;
					goto done;
				}
				PUT(sep, sizeof(sep) - 1);
			}
			continue;
		}
		if (word_char(c)) {
			size_t j = i;

			while (j < len && word_char((unsigned char)in[j]))
				j++;
			if (secret_like(in + i, j - i))
				PUT(redacted, sizeof(redacted) - 1);
			else
				PUT(in + i, j - i);
			i = j;
			continue;
		}
		if (c == 0x1b) { /* a terminal escape: ESC [ params final */
			i++;
			if (i < len && in[i] == '[') {
				i++;
				while (i < len && !((unsigned char)in[i] >= 0x40 &&
						    (unsigned char)in[i] <= 0x7e))
					i++;
				i++;
			}
			continue;
		}
		if (c == '\t')
			c = ' ';
		if (c >= 0x20 && c != 0x7f)
			PUT(&c, 1);
		i++;
	}
done:
#undef PUT
	while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == ';'))
		o--;
	if (cut) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

enum cmfv_err cmfv_kube_get(const struct cmfv_kube *k, const char *resource, const char *name,
			    int secret, struct cmfv_buf *out, int *not_found, struct cmfv_diag *d)
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
	po.secret_out = secret;
	e = cmfv_proc_run_opts(argv, &po, &p);
	if (e != CMFV_OK) {
		cmfv_proc_free(&p, 1);
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
	cmfv_proc_free(&p, 1);
	return e;
}
