/* Flux cannot exec a post-renderer (its post-renderers are Kustomize only:
 * helm-controller internal/postrender/build.go), so the key mount goes in as
 * a Kustomize strategic-merge patch in the HelmRelease: made here, and
 * looked for by check --helmrelease (CMF034). The patch adds exactly what
 * cmfv_inject_doc adds: the same volume and mount, names from inject.h. */
#include <stdio.h>
#include <string.h>

#include "cmfv/buf.h"
#include "cmfv/gitops.h"
#include "cmfv/inject.h"
#include "cmfv/report.h"
#include "cmfv/yaml.h"

struct mount {
	const char *deployment, *container, *path, *volume, *file, *secret, *property;
};

static void mount_of(const struct cmfv_inject_opts *io, struct mount *m)
{
	m->deployment = io->deployment;
	m->container = io->container ? io->container : CMFV_DEFAULT_CONTAINER;
	m->path = io->mount_path ? io->mount_path : CMFV_DEFAULT_MOUNT_PATH;
	m->volume = io->volume_name ? io->volume_name : CMFV_DEFAULT_VOLUME;
	m->file = io->file_name ? io->file_name : CMFV_DEFAULT_FILE;
	m->secret = io->secret_name;
	m->property = io->property;
}

/* A YAML double-quoted scalar: names come from the user. */
static void q(struct cmfv_buf *b, const char *s)
{
	cmfv_buf_add(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			cmfv_buf_add(b, "\\", 1);
		if ((unsigned char)*s < 0x20)
			cmfv_buf_printf(b, "\\x%02x", (unsigned char)*s);
		else
			cmfv_buf_add(b, s, 1);
	}
	cmfv_buf_add(b, "\"", 1);
}

enum cmfv_err cmfv_flux_patch(const struct cmfv_inject_opts *io, struct cmfv_buf *b)
{
	struct mount m;

	mount_of(io, &m);
	if (m.secret == NULL || m.property == NULL)
		return CMFV_EUSAGE;
	cmfv_buf_puts(
	    b, "postRenderers:\n  - kustomize:\n      patches:\n        - target:\n"
	       "            group: apps\n            version: v1\n            kind: Deployment\n");
	if (m.deployment) {
		cmfv_buf_puts(b, "            name: ");
		q(b, m.deployment);
	} else {
		cmfv_buf_puts(b, "            labelSelector: ");
		q(b, CMFV_NAME_LABEL "=" CMFV_DEFAULT_DEPLOYMENT);
	}
	cmfv_buf_puts(b, "\n          patch: |\n"
			 "            apiVersion: apps/v1\n"
			 "            kind: Deployment\n"
			 "            metadata:\n"
			 "              name: ");
	q(b, m.deployment ? m.deployment : CMFV_DEFAULT_DEPLOYMENT);
	cmfv_buf_puts(b, "\n            spec:\n              template:\n                spec:\n"
			 "                  containers:\n                    - name: ");
	q(b, m.container);
	cmfv_buf_puts(b, "\n                      volumeMounts:\n                        - name: ");
	q(b, m.volume);
	cmfv_buf_puts(b, "\n                          mountPath: ");
	q(b, m.path);
	cmfv_buf_puts(b, "\n                          readOnly: true\n"
			 "                  volumes:\n                    - name: ");
	q(b, m.volume);
	cmfv_buf_puts(b, "\n                      secret:\n                        secretName: ");
	q(b, m.secret);
	cmfv_buf_puts(b, "\n                        items:\n                          - key: ");
	q(b, m.property);
	cmfv_buf_puts(b, "\n                            path: ");
	q(b, m.file);
	cmfv_buf_printf(b,
			"\n                        defaultMode: %d\n"
			"                        optional: false\n",
			CMFV_KEY_MODE);
	return b->failed ? CMFV_ENOMEM : CMFV_OK;
}

enum cmfv_err cmfv_flux_check_postrender(const struct cmfv_plan *p,
					 const struct cmfv_inject_opts *io, struct cmfv_report *r)
{
	const struct cmfv_node *prs = p->postrenderers;
	enum cmfv_pr_verdict v;
	struct cmfv_loc at;
	char why[1200];
	struct mount m;
	enum cmfv_err e;

	mount_of(io, &m);
	if (m.secret == NULL || m.property == NULL || !m.secret[0] || !m.property[0])
		return CMFV_OK; /* CMF001/CMF002 already say what is missing */
	if (prs == NULL)
		return cmfv_report_add(r, CMFV_CMF034, NULL, p->loc,
				       "HelmRelease %s requires encryption but has no "
				       "spec.postRenderers: the key Secret %s is never mounted "
				       "into CMF (cmf-validate flux-patch prints the block)",
				       p->app, m.secret);
	/* judge what the patches, all of them in order, leave */
	e = cmfv_flux_postrender_eval(prs, io, &v, &at, why, sizeof(why));
	if (e != CMFV_OK || v == CMFV_PR_MOUNTED)
		return e;
	if (at.file == NULL)
		at = prs->loc;
	if (v == CMFV_PR_UNKNOWN)
		return cmfv_report_add(r, CMFV_CMF034, NULL, at,
				       "HelmRelease %s: %s, so Secret %s key %s cannot be shown to "
				       "be mounted at %s/%s in container %s of the CMF Deployment "
				       "(cmf-validate flux-patch prints a block that can)",
				       p->app, why, m.secret, m.property, m.path, m.file,
				       m.container);
	return cmfv_report_add(
	    r, CMFV_CMF034, NULL, at,
	    "HelmRelease %s: the post-renderers do not leave Secret %s key %s mounted at %s/%s in "
	    "container %s of the CMF Deployment: %s (cmf-validate flux-patch prints the block)",
	    p->app, m.secret, m.property, m.path, m.file, m.container, why);
}
