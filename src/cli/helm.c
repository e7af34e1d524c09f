/* Running Helm: capture, version, post-renderer plugin. */
#include "helm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmfv/proc.h"
#include "cmfv/version.h"
#include "commands.h"

char *cli_helm_bin(void)
{
	char *h = getenv("HELM_BIN");
	static char helm[] = "helm";

	return h && h[0] ? h : helm;
}

char *cli_unconst(const char *s)
{
	union {
		const char *c;
		char *m;
	} u;

	u.c = s;
	return u.m;
}

int cli_status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

int cli_run_capture(char *const argv[], unsigned timeout_s, size_t max, char **out, int pass_stderr)
{
	struct cmfv_proc p;
	int rc;

	*out = NULL;
	if (cmfv_proc_run(argv, timeout_s, max, pass_stderr, &p) != CMFV_OK) {
		cmfv_proc_free(&p);
		return 127;
	}
	rc = p.timed_out ? 124 : p.status;
	*out = strdup(p.out.ptr ? p.out.ptr : "");
	cmfv_proc_free(&p);
	return rc;
}

volatile pid_t cli_inherit_child;

int cli_run_inherit(char *const argv[])
{
	pid_t pid = fork();
	int st = 0;

	if (pid < 0)
		return 127;
	if (pid > 0)
		cli_inherit_child = pid;
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		cmfv_proc_child_limits();
		execvp(argv[0], argv);
		fprintf(stderr, "cmf-validate: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	cli_inherit_child = 0;
	return cli_status_code(st);
}

int cli_helm_major(void)
{
	char *argv[] = {cli_helm_bin(), "version", "--template", "{{.Version}}", NULL};
	char *out = NULL;
	int rc = cli_run_capture(argv, 30, 4096, &out, 0), major = 0;

	if (rc == 0 && out && out[0] == 'v')
		major = atoi(out + 1);
	if (major != 3 && major != 4) {
		fprintf(
		    stderr,
		    "cmf-validate: cannot tell the Helm version from '%s version' (exit %d%s%s)\n",
		    argv[0], rc, out && out[0] ? ", printed " : "", out ? out : "");
		major = 0;
	}
	free(out);
	return major;
}

char *cli_self_path(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	const char *dir = getenv("HELM_PLUGIN_DIR");

	if (n > 0) {
		buf[n] = '\0';
		return strdup(buf);
	}
	if (dir) {
		snprintf(buf, sizeof(buf), "%s/bin/cmf-validate", dir);
		return strdup(buf);
	}
	return NULL;
}

int cli_post_renderer_installed(void)
{
	char *argv[] = {cli_helm_bin(), "plugin", "list", NULL};
	char *out = NULL, *line;
	int rc = cli_run_capture(argv, 30, 1 << 20, &out, 0), found = 0;

	if (rc != 0) {
		free(out);
		return -1;
	}
	for (line = out; line && *line;) {
		char *nl = strchr(line, '\n');

		if (strncmp(line, "cmf-post-renderer", 17) == 0 &&
		    (line[17] == ' ' || line[17] == '\t'))
			found = 1;
		line = nl ? nl + 1 : NULL;
	}
	free(out);
	return found;
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	struct cmfv_safefile sf;
	struct cmfv_diag d;
	FILE *f;

	cmfv_diag_clear(&d);
	f = cli_safe_open(path, 0, mode, &sf, &d);
	if (f == NULL) {
		errno = EACCES;
		return -1;
	}
	fputs(text, f);
	return cli_safe_close(f, &sf, 1, 0, &d);
}

/* The plugin folder lives next to Helm's data (never in the plugins folder
 * itself: `helm plugin install` links it there). */
int cli_install_post_renderer(int quiet)
{
	const char *data = getenv("HELM_DATA_HOME");
	const char *home = getenv("HOME");
	char dir[4096], path[4200], plugin[1024];
	char *self = cli_self_path(), *out = NULL;
	char *uninstall[] = {cli_helm_bin(), "plugin", "uninstall", "cmf-post-renderer", NULL};
	char *install[] = {cli_helm_bin(), "plugin", "install", dir, NULL};
	int rc, installed;

	if (self == NULL) {
		fprintf(stderr, "cmf-validate: cannot find my own executable\n");
		return EXIT_ENV;
	}
	if (data && data[0])
		snprintf(dir, sizeof(dir), "%s/cmf-validate/cmf-post-renderer", data);
	else
		snprintf(dir, sizeof(dir), "%s/.local/share/helm/cmf-validate/cmf-post-renderer",
			 home ? home : "/tmp");
	snprintf(path, sizeof(path), "mkdir -p");
	{
		/* mkdir -p, by hand */
		char *p;

		for (p = dir + 1; *p; p++) {
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0755);
				*p = '/';
			}
		}
		mkdir(dir, 0755);
		snprintf(path, sizeof(path), "%s/bin", dir);
		mkdir(path, 0755);
	}
	snprintf(
	    plugin, sizeof(plugin),
	    "# Installed by `cmf-validate install-post-renderer` (cmf-validate %s).\n"
	    "apiVersion: v1\ntype: postrenderer/v1\nname: cmf-post-renderer\nversion: %s\n"
	    "runtime: subprocess\nruntimeConfig:\n  platformCommand:\n"
	    "    - command: ${HELM_PLUGIN_DIR}/bin/cmf-validate\n      args: [\"post-render\"]\n",
	    CMFV_VERSION, CMFV_VERSION);
	snprintf(path, sizeof(path), "%s/plugin.yaml", dir);
	if (write_file(path, plugin, 0644) != 0) {
		fprintf(stderr, "cmf-validate: cannot write %s: %s\n", path, strerror(errno));
		free(self);
		return EXIT_ENV;
	}
	snprintf(path, sizeof(path), "%s/bin/cmf-validate", dir);
	unlink(path);
	if (symlink(self, path) != 0) {
		fprintf(stderr, "cmf-validate: cannot link %s: %s\n", path, strerror(errno));
		free(self);
		return EXIT_ENV;
	}
	free(self);
	installed = cli_post_renderer_installed();
	if (installed == 1) {
		rc = cli_run_capture(uninstall, 60, 1 << 16, &out, 1);
		free(out);
		out = NULL;
		if (rc != 0) {
			fprintf(stderr,
				"cmf-validate: helm plugin uninstall cmf-post-renderer failed "
				"(exit %d)\n",
				rc);
			return EXIT_ENV;
		}
	}
	rc = cli_run_capture(install, 120, 1 << 16, &out, 1);
	free(out);
	if (rc != 0) {
		fprintf(stderr, "cmf-validate: helm plugin install %s failed (exit %d)\n", dir, rc);
		return EXIT_ENV;
	}
	if (!quiet)
		fprintf(stderr,
			"cmf-validate: %s the Helm 4 post-renderer plugin cmf-post-renderer (from "
			"%s);\n"
			"  use it with: helm install ... --post-renderer cmf-post-renderer\n",
			installed == 1 ? "refreshed" : "installed", dir);
	return 0;
}
