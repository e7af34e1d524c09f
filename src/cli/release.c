/* --release: what the deployed release runs, read with helm and kubectl,
 * for the upgrade guards (CMF040-CMF042). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/inject.h"
#include "cmfv/kube.h"
#include "cmfv/node.h"
#include "cmfv/proc.h"
#include "cmfv/redact.h"
#include "cmfv/values.h"
#include "cmfv/yaml.h"
#include "commands.h"
#include "helm.h"
#include "keysrc.h"

#define TIMEOUT 60

/* `helm get values NAME --all -o json`: NULL values when there is no such
 * release (an install). */
static int deployed_values(const struct cli_opts *o, struct cli_run *run, struct cmfv_node **values)
{
	const char *ctx = o->kube_context ? o->kube_context : getenv("HELM_KUBECONTEXT");
	char *argv[16];
	size_t n = 0;
	struct cmfv_proc p;
	struct cmfv_diag d;
	const struct cmfv_source *s;
	char label[600];

	*values = NULL;
	argv[n++] = cli_helm_bin();
	argv[n++] = cli_unconst("get");
	argv[n++] = cli_unconst("values");
	argv[n++] = cli_unconst(o->release);
	argv[n++] = cli_unconst("--all");
	argv[n++] = cli_unconst("-o");
	argv[n++] = cli_unconst("json");
	if (run->namespace) {
		argv[n++] = cli_unconst("--namespace");
		argv[n++] = cli_unconst(run->namespace);
	}
	if (ctx && ctx[0]) {
		argv[n++] = cli_unconst("--kube-context");
		argv[n++] = cli_unconst(ctx);
	}
	argv[n] = NULL;
	if (cmfv_proc_run(argv, TIMEOUT, (size_t)64 << 20, 0, &p) != CMFV_OK || p.not_found ||
	    p.timed_out) {
		fprintf(stderr, "cmf-validate: --release: cannot run %s get values%s\n", argv[0],
			p.timed_out ? " (timed out)" : "");
		cmfv_proc_free(&p);
		return EXIT_ENV;
	}
	if (p.status != 0) {
		const char *err = p.err.ptr ? p.err.ptr : "";
		int missing = strstr(err, "not found") != NULL; /* "Error: release: not found" */

		if (!missing) {
			char msg[1024];

			/* helm's words, cleaned as kubectl's are: they may quote values */
			cmfv_redact_stderr(err, p.err.len, msg, sizeof(msg));
			fprintf(stderr, "cmf-validate: --release: %s get values %s failed: %s\n",
				argv[0], o->release, msg[0] ? msg : "(no message)");
		}
		cmfv_proc_free(&p);
		return missing ? 0 : EXIT_ENV;
	}
	snprintf(label, sizeof(label), "release %s (deployed values)", o->release);
	cmfv_diag_clear(&d);
	if (cmfv_sources_add(&run->sources, label, p.out.ptr ? p.out.ptr : "", p.out.len, 0, &s) !=
	    CMFV_OK) {
		cmfv_proc_free(&p);
		fprintf(stderr, "cmf-validate: out of memory\n");
		return EXIT_ENV;
	}
	cmfv_proc_free(&p);
	if (cmfv_values_parse_in(&run->sources, s, 3, values, &d) != CMFV_OK) {
		cli_print_diag(&d);
		return EXIT_ENV; /* helm printed something we cannot read */
	}
	return 0;
}

static const char *str(const struct cmfv_node *n)
{
	return n && n->kind == CMFV_STR ? n->u.s.ptr : NULL;
}

/* The KCV the post-renderer recorded on the release's CMF Deployment. */
static int deployed_kcv(const struct cli_opts *o, struct cli_run *run, const char **kcv)
{
	struct cmfv_kube kube;
	struct cmfv_buf out = {0};
	struct cmfv_diag d;
	struct cmfv_node *list = NULL;
	const struct cmfv_node *items;
	const struct cmfv_source *s;
	size_t i;
	int not_found = 0;

	*kcv = NULL;
	cmfv_diag_clear(&d);
	keysrc_kube(o, run->namespace, &kube);
	if (cmfv_kube_get(&kube, "deployments", NULL, &out, &not_found, &d) != CMFV_OK) {
		cmfv_buf_free(&out);
		fprintf(stderr, "cmf-validate: --release: %s\n", d.msg);
		return EXIT_ENV;
	}
	if (cmfv_sources_add(&run->sources, "deployed Deployments", out.ptr ? out.ptr : "", out.len,
			     0, &s) != CMFV_OK ||
	    cmfv_yaml_load(s->text, s->len, s->name, NULL, &list, &d) != CMFV_OK) {
		cmfv_buf_free(&out);
		if (d.code != CMFV_OK)
			cli_print_diag(&d);
		return EXIT_ENV;
	}
	cmfv_buf_free(&out);
	items = cmfv_map_get(list, "items");
	for (i = 0; items && items->kind == CMFV_SEQ && i < items->u.seq.n; i++) {
		const struct cmfv_node *dep = items->u.seq.v[i];
		const struct cmfv_node *ann = cmfv_node_path(dep, "metadata.annotations");
		const char *rel = str(cmfv_map_get(ann, "meta.helm.sh/release-name"));
		const char *k = str(cmfv_map_get(ann, CMFV_KCV_ANNOTATION));
		const char *name = str(cmfv_node_path(dep, "metadata.name"));

		if (k == NULL || rel == NULL || strcmp(rel, o->release) != 0)
			continue;
		if (o->deployment && (name == NULL || strcmp(name, o->deployment) != 0))
			continue;
		/* the string lives in the registered source's tree: copy it there */
		{
			const struct cmfv_source *ks;

			if (cmfv_sources_add(&run->sources, "deployed KCV", k, strlen(k), 0, &ks) ==
			    CMFV_OK)
				*kcv = ks->text;
		}
		break;
	}
	cmfv_node_free(list);
	return 0;
}

int cli_release_facts(const struct cli_opts *o, struct cli_run *run, struct cmfv_node **values,
		      const char **kcv)
{
	int rc = deployed_values(o, run, values);

	*kcv = NULL;
	if (rc != 0 || *values == NULL)
		return rc; /* no release: an install, nothing to guard */
	rc = deployed_kcv(o, run, kcv);
	if (rc != 0) {
		cmfv_node_free(*values);
		*values = NULL;
	}
	return rc;
}
