/* flux-patch: the HelmRelease spec.postRenderers block that mounts the key
 * into the CMF Deployment as post-render would (Flux runs no executables). */
#include <stdio.h>
#include <string.h>

#include "cmfv/buf.h"
#include "cmfv/check.h"
#include "cmfv/gitops.h"
#include "cmfv/inject.h"
#include "cmfv/values.h"
#include "commands.h"

static void help(void)
{
	printf(
	    "Usage: cmf-validate flux-patch [values flags | --helmrelease FILE] [flags]\n\n"
	    "Print the spec.postRenderers block for a Flux HelmRelease: a Kustomize patch that\n"
	    "adds the key volume and mount to the CMF Deployment exactly as post-render does\n"
	    "(read-only Secret volume, just the property projected to a file, defaultMode 0400).\n"
	    "The Secret and property come from --secret-name/--secret-property, else from the\n"
	    "values (encryption.key.*). Paste the block under the HelmRelease's spec:.\n\n"
	    "Examples:\n"
	    "  cmf-validate flux-patch -f values-prod.yaml\n"
	    "  cmf-validate flux-patch --helmrelease cmf.yaml --manifests "
	    "cmf-values-configmap.yaml\n"
	    "  cmf-validate flux-patch --secret-name cmf-encryption-key --secret-property "
	    "encryption-key\n\n");
	cli_print_flags(CMD_FLUX_PATCH);
}

static int run(const struct cli_opts *o)
{
	struct cmfv_sources src = {0};
	struct cmfv_node *values = NULL;
	struct cmfv_keyref ref;
	struct cmfv_inject_opts io;
	struct cmfv_buf b = {0};
	struct cmfv_diag d;
	int rc = 0;

	cmfv_diag_clear(&d);
	if (o->helmrelease) {
		rc = cli_values_gitops(o, &src, &values);
	} else if (cli_has_values(o)) {
		struct cmfv_values_input in;

		cli_values_input(o, &in);
		if (cmfv_values_build(&in, &src, &values, &d) != CMFV_OK)
			rc = cli_print_diag(&d);
	}
	if (rc == 0) {
		cmfv_keyref_from_values(values, o->secret_name, o->secret_property, &ref);
		memset(&io, 0, sizeof(io));
		io.deployment = o->deployment;
		io.container = o->container;
		io.mount_path = o->mount_path;
		io.volume_name = o->volume_name;
		io.file_name = o->file_name;
		io.secret_name = ref.name;
		io.property = ref.property;
		if (!ref.name || !ref.name[0] || !ref.property || !ref.property[0]) {
			fprintf(stderr,
				"cmf-validate flux-patch: no key Secret: set "
				"encryption.key.kubernetesSecretName and kubernetesSecretProperty "
				"in the values, or give --secret-name and --secret-property\n");
			rc = EXIT_USAGE;
		} else if (!cmfv_is_dns1123_subdomain(ref.name) ||
			   !cmfv_is_secret_key(ref.property)) {
			fprintf(stderr,
				"cmf-validate flux-patch: '%s' / '%s' is not a valid Secret name / "
				"data key\n",
				ref.name, ref.property);
			rc = EXIT_USAGE;
		} else if (cmfv_inject_opts_check(&io, &d) != CMFV_OK) {
			rc = cli_print_diag(&d);
		} else if (values && !ref.required) {
			fprintf(stderr,
				"cmf-validate flux-patch: note: these values do not require "
				"encryption (cmf.sql.production or encryption.enabled true); the "
				"patch mounts the key all the same\n");
		}
	}
	if (rc == 0 && cmfv_flux_patch(&io, &b) != CMFV_OK) {
		fprintf(stderr, "cmf-validate: out of memory\n");
		rc = EXIT_ENV;
	}
	if (rc == 0 && (fwrite(b.ptr, 1, b.len, stdout) != b.len || fflush(stdout) != 0)) {
		perror("cmf-validate: write");
		rc = EXIT_ENV;
	}
	cmfv_buf_free(&b);
	cmfv_node_free(values);
	cmfv_sources_free(&src);
	return rc;
}

int cmd_flux_patch(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse(CMD_FLUX_PATCH, "flux-patch", argc, argv, &o);

	if (rc == 0 && o.help) {
		help();
	} else if (rc == 0 && o.nrest > 0) {
		fprintf(stderr,
			"cmf-validate flux-patch: unexpected argument '%s'\nRun 'cmf-validate "
			"flux-patch --help' for usage.\n",
			o.rest[0]);
		rc = EXIT_USAGE;
	} else if (rc == 0) {
		rc = run(&o);
	}
	cli_opts_free(&o);
	return rc;
}
