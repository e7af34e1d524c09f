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
	cmfv_buf_puts(b, "postRenderers:\n  - kustomize:\n      patches:\n        - target:\n"
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
	cmfv_buf_printf(b, "\n                        defaultMode: %d\n"
			   "                        optional: false\n",
			CMFV_KEY_MODE);
	return b->failed ? CMFV_ENOMEM : CMFV_OK;
}

static int str_is(const struct cmfv_node *m, const char *path, const char *want)
{
	const struct cmfv_node *n = cmfv_node_path(m, path);

	return n && n->kind == CMFV_STR && strcmp(n->u.s.ptr, want) == 0;
}

static const struct cmfv_node *item_named(const struct cmfv_node *seq, const char *key,
					  const char *name)
{
	size_t i;

	for (i = 0; seq && seq->kind == CMFV_SEQ && i < seq->u.seq.n; i++)
		if (str_is(seq->u.seq.v[i], key, name))
			return seq->u.seq.v[i];
	return NULL;
}

static int is_true(const struct cmfv_node *m, const char *k)
{
	const struct cmfv_node *n = cmfv_map_get(m, k);

	return n && n->kind == CMFV_BOOL && n->u.b;
}

/* Does this strategic-merge patch mount the key as post-render would? */
static int patch_mounts(const struct cmfv_node *p, const struct mount *m)
{
	const struct cmfv_node *spec = cmfv_node_path(p, "spec.template.spec");
	const struct cmfv_node *c, *vm, *vol, *it, *mode;

	if (!str_is(p, "kind", "Deployment") || spec == NULL)
		return 0;
	c = item_named(cmfv_map_get(spec, "containers"), "name", m->container);
	vm = c ? item_named(cmfv_map_get(c, "volumeMounts"), "name", m->volume) : NULL;
	vol = item_named(cmfv_map_get(spec, "volumes"), "name", m->volume);
	if (!vm || !vol || !str_is(vm, "mountPath", m->path) || !is_true(vm, "readOnly") ||
	    !str_is(vol, "secret.secretName", m->secret))
		return 0;
	it = item_named(cmfv_node_path(vol, "secret.items"), "key", m->property);
	mode = cmfv_node_path(vol, "secret.defaultMode");
	return it && str_is(it, "path", m->file) && mode &&
	       ((mode->kind == CMFV_INT && mode->u.i == CMFV_KEY_MODE) ||
		(mode->kind == CMFV_FLOAT && mode->u.f == CMFV_KEY_MODE));
}

/* Does the target select the CMF Deployment as post-render finds it? */
static int target_ok(const struct cmfv_node *t, const struct mount *m)
{
	const struct cmfv_node *name = cmfv_map_get(t, "name");

	if (t == NULL || !str_is(t, "kind", "Deployment"))
		return 0;
	if (m->deployment)
		return name && name->kind == CMFV_STR && strcmp(name->u.s.ptr, m->deployment) == 0;
	return (name && str_is(t, "name", CMFV_DEFAULT_DEPLOYMENT)) ||
	       str_is(t, "labelSelector", CMFV_NAME_LABEL "=" CMFV_DEFAULT_DEPLOYMENT);
}

static int renderer_mounts(const struct cmfv_node *pr, const struct mount *m)
{
	const struct cmfv_node *patches = cmfv_node_path(pr, "kustomize.patches");
	size_t i;

	for (i = 0; patches && patches->kind == CMFV_SEQ && i < patches->u.seq.n; i++) {
		const struct cmfv_node *e = patches->u.seq.v[i];
		const struct cmfv_node *txt = cmfv_map_get(e, "patch");
		struct cmfv_node *doc = NULL;
		struct cmfv_diag d;
		int ok = 0;

		if (!target_ok(cmfv_map_get(e, "target"), m) || !txt || txt->kind != CMFV_STR)
			continue;
		cmfv_diag_clear(&d);
		if (cmfv_yaml_load(txt->u.s.ptr, txt->u.s.len, "patch", NULL, &doc, &d) == CMFV_OK &&
		    doc)
			ok = patch_mounts(doc, m);
		cmfv_node_free(doc);
		if (ok)
			return 1;
	}
	return 0;
}

enum cmfv_err cmfv_flux_check_postrender(const struct cmfv_plan *p,
					 const struct cmfv_inject_opts *io,
					 struct cmfv_report *r)
{
	const struct cmfv_node *prs = p->postrenderers;
	struct mount m;
	size_t i;

	mount_of(io, &m);
	if (m.secret == NULL || m.property == NULL || !m.secret[0] || !m.property[0])
		return CMFV_OK; /* CMF001/CMF002 already say what is missing */
	for (i = 0; prs && prs->kind == CMFV_SEQ && i < prs->u.seq.n; i++)
		if (renderer_mounts(prs->u.seq.v[i], &m))
			return CMFV_OK;
	if (prs == NULL)
		return cmfv_report_add(r, CMFV_CMF034, NULL, p->loc,
				       "HelmRelease %s requires encryption but has no spec.postRenderers: the key Secret %s is never mounted into CMF (cmf-validate flux-patch prints the block)",
				       p->app, m.secret);
	return cmfv_report_add(r, CMFV_CMF034, NULL, prs->loc,
			       "HelmRelease %s: no post-renderer patch mounts Secret %s key %s at %s/%s in container %s of the CMF Deployment (cmf-validate flux-patch prints the block)",
			       p->app, m.secret, m.property, m.path, m.file, m.container);
}
