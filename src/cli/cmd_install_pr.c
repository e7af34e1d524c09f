/* install-post-renderer: make `--post-renderer cmf-post-renderer` work on Helm 4. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "helm.h"

static const char caveat[] =
    "Helm 3 fails to load *every* plugin while an `apiVersion: v1` plugin (such as\n"
    "cmf-post-renderer) sits in its plugins folder, and Helm 3 and Helm 4 share the\n"
    "default folder ($HELM_DATA_HOME/plugins, usually ~/.local/share/helm/plugins).\n"
    "If you also run Helm 3 with the same folder, give it another one (HELM_PLUGINS)\n"
    "or remove this plugin again with: helm plugin uninstall cmf-post-renderer\n";

int cmd_install_post_renderer(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse(CMD_INSTALL_PR, "install-post-renderer", argc, argv, &o), major;

	if (rc != 0) {
		cli_opts_free(&o);
		return rc;
	}
	if (o.help) {
		printf(
		    "Usage: helm cmf-validate install-post-renderer [--yes]\n\n"
		    "Helm 4 only: install (or refresh) the post-renderer plugin cmf-post-renderer\n"
		    "for good, which runs this binary's `post-render`, so that\n"
		    "  helm install ... --post-renderer cmf-post-renderer\n"
		    "works without more. Not needed for `helm cmf-validate "
		    "install|upgrade|template`,\n"
		    "nor by hand with the copy shipped in this plugin's folder:\n"
		    "  HELM_PLUGINS=\"$(helm env HELM_PLUGINS):$(helm env "
		    "HELM_PLUGINS)/cmf-validate/postrenderer\" \\\n"
		    "    helm install ... --post-renderer cmf-post-renderer\n"
		    "Helm 3 needs no plugin: --post-renderer takes this binary's path.\n\n%s\n",
		    caveat);
		cli_print_flags(CMD_INSTALL_PR);
		cli_opts_free(&o);
		return 0;
	}
	major = cli_helm_major();
	if (major == 0) {
		cli_opts_free(&o);
		return EXIT_ENV;
	}
	if (major == 3) {
		fprintf(
		    stderr,
		    "cmf-validate: Helm 3 has no post-renderer plugins; use the binary's path:\n"
		    "  helm install ... --post-renderer \"$(helm env "
		    "HELM_PLUGINS)/cmf-validate/bin/cmf-validate\" --post-renderer-args "
		    "post-render\n"
		    "or let `helm cmf-validate install ...` wire it for you\n");
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	fprintf(stderr, "%s", caveat);
	if (!o.yes) {
		char answer[16] = "";

		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "cmf-validate: not a terminal: pass --yes to install "
					"cmf-post-renderer\n");
			cli_opts_free(&o);
			return EXIT_USAGE;
		}
		fprintf(stderr, "Install cmf-post-renderer into Helm 4's plugins? [y/N] ");
		if (fgets(answer, sizeof(answer), stdin) == NULL ||
		    (answer[0] != 'y' && answer[0] != 'Y')) {
			fprintf(stderr, "cmf-validate: nothing installed\n");
			cli_opts_free(&o);
			return EXIT_FINDINGS;
		}
	}
	cli_opts_free(&o);
	return cli_install_post_renderer(0);
}
