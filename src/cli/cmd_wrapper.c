/* helm cmf-validate install|upgrade|template ...: check first, then run Helm
 * with the post-renderer wired the way its major version wants it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmfv/source.h"
#include "commands.h"
#include "helm.h"

/* Helm flags of install/upgrade/template that take a value (so that the
 * value is not mistaken for the release name or chart). */
static const char *const helm_value_flags[] = {
	"--values", "-f", "--set", "--set-string", "--set-json", "--set-file", "--set-literal",
	"--namespace", "-n", "--kube-context", "--kubeconfig", "--kube-apiserver", "--kube-as-user",
	"--kube-as-group", "--kube-ca-file", "--kube-token", "--kube-tls-server-name",
	"--burst-limit", "--qps", "--registry-config", "--repository-cache", "--repository-config",
	"--version", "--repo", "--username", "--password", "--ca-file", "--cert-file", "--key-file",
	"--keyring", "--timeout", "--description", "--name-template", "--post-renderer",
	"--post-renderer-args", "--output", "-o", "--labels", "-l", "--api-versions", "-a",
	"--kube-version", "--show-only", "-s", "--output-dir", "--history-max", "--max-history",
	"--hide-secret-keys", NULL,
};

static int takes_value(const char *flag)
{
	size_t i;

	for (i = 0; helm_value_flags[i]; i++)
		if (strcmp(flag, helm_value_flags[i]) == 0)
			return 1;
	return 0;
}

struct wrap {
	const char *cmd;
	char **helm;       /* argv for helm being built */
	size_t nhelm;
	char **pr;         /* post-renderer arguments (values flags etc.) */
	size_t npr;
	struct cli_opts o; /* the check */
	const char *positional[2];
	size_t npos;
	int dry_client, no_cluster, may_install_pr, user_post_renderer;
	char *stdin_copy;  /* -f - saved to a file, so that helm can read it too */
};

static int push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(**v));

	if (nv == NULL)
		return -1;
	nv[(*n)++] = cli_unconst(s);
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

static int push_const(const char ***v, size_t *n, const char *s)
{
	const char **nv = realloc((void *)*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return -1;
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

static int add_set(struct cli_opts *o, enum cmfv_set_kind k, const char *arg)
{
	struct cmfv_set_flag *nv = realloc(o->sets, (o->nsets + 1) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	nv[o->nsets] = (struct cmfv_set_flag){k, arg, (unsigned)o->nsets + 1};
	o->sets = nv;
	o->nsets++;
	return 0;
}

static const char *save_stdin(struct wrap *w)
{
	char tmpl[] = "/tmp/cmf-validate-stdin-XXXXXX";
	int fd;
	char *buf = NULL;
	size_t len = 0;
	struct cmfv_diag d;

	if (w->stdin_copy)
		return w->stdin_copy;
	cmfv_diag_clear(&d);
	fd = mkstemp(tmpl);
	if (fd < 0 || cmfv_read_fd(0, "<stdin>", CMFV_MAX_INPUT, &buf, &len, &d) != CMFV_OK ||
	    write(fd, buf, len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	close(fd);
	free(buf);
	w->stdin_copy = strdup(tmpl);
	return w->stdin_copy;
}

/* One helm flag with its value: pass it on, and learn from it. */
static int learn(struct wrap *w, const char *flag, const char *val)
{
	struct cli_opts *o = &w->o;

	if (strcmp(flag, "-f") == 0 || strcmp(flag, "--values") == 0) {
		if (strcmp(val, "-") == 0 && (val = save_stdin(w)) == NULL)
			return -1;
		if (cli_add_values_file(o, val) || push(&w->pr, &w->npr, "-f") ||
		    push(&w->pr, &w->npr, val))
			return -1;
		return 0;
	}
	{
		static const struct {
			const char *flag;
			enum cmfv_set_kind kind;
		} sets[] = {{"--set", CMFV_SET},
			    {"--set-string", CMFV_SET_STRING},
			    {"--set-json", CMFV_SET_JSON},
			    {"--set-file", CMFV_SET_FILE},
			    {"--set-literal", CMFV_SET_LITERAL}};
		size_t i;

		for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
			if (strcmp(flag, sets[i].flag) == 0)
				return add_set(o, sets[i].kind, val) || push(&w->pr, &w->npr, sets[i].flag) ||
				       push(&w->pr, &w->npr, val);
	}
	if (strcmp(flag, "-n") == 0 || strcmp(flag, "--namespace") == 0) {
		o->namespace = val;
		o->namespace_from_flag = 1;
	} else if (strcmp(flag, "--kube-context") == 0) {
		o->kube_context = val;
	} else if (strcmp(flag, "--kubeconfig") == 0) {
		o->kubeconfig = val;
	} else if (strcmp(flag, "--post-renderer") == 0) {
		w->user_post_renderer = 1;
	} else if (strcmp(flag, "--dry-run") == 0) {
		w->dry_client = strcmp(val, "client") == 0 || strcmp(val, "true") == 0;
	}
	return 0;
}

static int parse_helm_args(struct wrap *w, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		/* our own flags, never passed to helm */
		if (strcmp(a, "--cmf-no-cluster") == 0) {
			w->no_cluster = 1;
			continue;
		}
		if (strcmp(a, "--cmf-install-post-renderer") == 0) {
			w->may_install_pr = 1;
			continue;
		}
		if (strcmp(a, "--cmf-strict") == 0) {
			w->o.strict = 1;
			continue;
		}
		if (strcmp(a, "--cmf-allow-unsafe-upgrade") == 0) {
			w->o.allow_unsafe_upgrade = 1;
			continue;
		}
		if (strcmp(a, "--cmf-secret-file") == 0 || strcmp(a, "--cmf-key-file") == 0 ||
		    strcmp(a, "--cmf-config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "cmf-validate %s: %s needs a value\n", w->cmd, a);
				return EXIT_USAGE;
			}
			if (strcmp(a, "--cmf-config") == 0)
				w->o.config = argv[++i];
			else if (strcmp(a, "--cmf-key-file") == 0 ? push_const(&w->o.key_files, &w->o.nkey_files, argv[++i])
								    : push_const(&w->o.secret_files, &w->o.nsecret_files,
										 argv[++i]))
				return EXIT_ENV;
			continue;
		}
		if (push(&w->helm, &w->nhelm, a))
			return EXIT_ENV;
		if (a[0] == '-' && a[1] != '\0') {
			const char *eq = strchr(a, '=');
			char flag[64];
			const char *val;

			if (strcmp(a, "--dry-run") == 0) {
				w->dry_client = 1; /* bare --dry-run: client-side on Helm 3 */
				continue;
			}
			if (eq && a[1] == '-') {
				snprintf(flag, sizeof(flag), "%.*s", (int)(eq - a), a);
				val = eq + 1;
			} else if (!eq && takes_value(a)) {
				if (i + 1 >= argc) {
					fprintf(stderr, "cmf-validate %s: %s needs a value\n", w->cmd, a);
					return EXIT_USAGE;
				}
				snprintf(flag, sizeof(flag), "%s", a);
				val = argv[++i];
			} else if (a[1] != '-' && a[2] != '\0' && takes_value((const char[]){'-', a[1], 0})) {
				snprintf(flag, sizeof(flag), "-%c", a[1]); /* -fFILE */
				val = a + 2;
				w->nhelm--;
				if (push(&w->helm, &w->nhelm, flag) || push(&w->helm, &w->nhelm, val))
					return EXIT_ENV;
				if (learn(w, flag, val))
					return EXIT_ENV;
				continue;
			} else {
				continue; /* a switch */
			}
			if ((strcmp(flag, "-f") == 0 || strcmp(flag, "--values") == 0) &&
			    strcmp(val, "-") == 0) {
				/* helm reads our saved copy of stdin */
				if (learn(w, flag, val))
					return EXIT_ENV;
				if (eq)
					w->helm[w->nhelm - 1] = "-f";
				else
					w->nhelm--;
				if (eq && push(&w->helm, &w->nhelm, w->stdin_copy))
					return EXIT_ENV;
				if (!eq && push(&w->helm, &w->nhelm, w->stdin_copy))
					return EXIT_ENV;
				continue;
			}
			if (!eq && push(&w->helm, &w->nhelm, val))
				return EXIT_ENV;
			if (learn(w, flag, val))
				return EXIT_ENV;
		} else if (w->npos < 2) {
			w->positional[w->npos++] = a;
		}
	}
	return 0;
}

static void wrapper_help(const char *cmd)
{
	printf("Usage: helm cmf-validate %s [helm %s arguments] [--cmf-* flags]\n\n"
	       "Check the CMF encryption setup with the same values Helm will use, stop on\n"
	       "errors, then run `helm %s` with the cmf-validate post-renderer wired in:\n"
	       "Helm 3 by the binary's path, Helm 4 by the cmf-post-renderer plugin.\n"
	       "Every helm argument passes through; helm's exit code is ours.\n\n"
	       "Wrapper flags (not passed to helm):\n"
	       "  --cmf-no-cluster              do not read the key Secret from the cluster\n"
	       "  --cmf-secret-file FILE        check this Secret manifest too\n"
	       "  --cmf-key-file FILE           check this raw key file too\n"
	       "  --cmf-config FILE             cmf-validate configuration file\n"
	       "  --cmf-strict                  warnings stop the release too\n"
	       "  --cmf-allow-unsafe-upgrade    report upgrade guard findings as warnings\n"
	       "  --cmf-install-post-renderer   Helm 4: install the cmf-post-renderer plugin if missing\n\n"
	       "Example:\n  helm cmf-validate %s cmf confluentinc/confluent-manager-for-apache-flink -n flink -f prod.yaml\n",
	       cmd, cmd, cmd, cmd);
}

int cmd_wrapper(const char *helm_cmd, int argc, char **argv)
{
	struct wrap w;
	struct cli_run run;
	const char *ns, *ctx;
	struct stat st;
	int rc, major, i;
	char *self = NULL;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			wrapper_help(helm_cmd);
			return 0;
		}
	memset(&w, 0, sizeof(w));
	w.cmd = helm_cmd;
	w.o.cmd = CMD_WRAPPER;
	w.o.cmd_name = helm_cmd;
	if (push(&w.helm, &w.nhelm, cli_helm_bin()) || push(&w.helm, &w.nhelm, helm_cmd))
		return EXIT_ENV;
	rc = parse_helm_args(&w, argc, argv);
	if (rc != 0)
		goto out;
	/* the chart: install NAME CHART, upgrade NAME CHART, template [NAME] CHART */
	{
		const char *chart = w.npos == 2 ? w.positional[1] : w.npos == 1 ? w.positional[0] : NULL;

		if (chart && stat(chart, &st) == 0 && S_ISDIR(st.st_mode)) {
			w.o.chart = chart;
			if (push(&w.pr, &w.npr, "--chart") || push(&w.pr, &w.npr, chart)) {
				rc = EXIT_ENV;
				goto out;
			}
		} else if (chart) {
			fprintf(stderr, "cmf-validate: %s is not a local chart folder: its defaults are not checked (pass -f with the values that matter)\n",
				chart);
		}
		if (strcmp(helm_cmd, "upgrade") == 0 && w.npos >= 1)
			w.o.release = w.positional[0];
	}
	/* a cluster is there for install and upgrade, unless told otherwise */
	if (strcmp(helm_cmd, "template") != 0 && !w.dry_client && !w.no_cluster)
		w.o.cluster = 1;

	memset(&run, 0, sizeof(run));
	rc = cli_run_checks(&w.o, &run);
	if (rc == 0) {
		/* the verdict goes to stderr: helm's stdout stays clean */
		rc = cli_render(&w.o, &run, "text", stderr);
		if (rc == 0)
			rc = cli_report_exit(&run.report, w.o.strict);
		if (rc == EXIT_FINDINGS)
			fprintf(stderr, "cmf-validate: not running helm %s: fix the errors above\n", helm_cmd);
		if (rc == 0 && run.report.nkeys && run.report.keys[0].valid)
			w.o.previous_kcv = NULL;
	}
	ns = cli_namespace(&w.o);
	if (rc == 0) {
		size_t k;

		for (k = 0; k < run.report.nkeys; k++)
			if (run.report.keys[k].valid) {
				static char kcv[8];

				memcpy(kcv, run.report.keys[k].kcv, sizeof(kcv) - 1);
				if (push(&w.pr, &w.npr, "--kcv") || push(&w.pr, &w.npr, kcv))
					rc = EXIT_ENV;
				break;
			}
	}
	cli_run_free(&run);
	if (rc != 0)
		goto out;
	if (w.user_post_renderer) {
		fprintf(stderr, "cmf-validate: --post-renderer is already given; the wrapper adds its own, so drop yours (or chain them yourself)\n");
		rc = EXIT_USAGE;
		goto out;
	}
	major = cli_helm_major();
	if (major == 0) {
		rc = EXIT_ENV;
		goto out;
	}
	/* Helm hands -n/--kube-context to plugins as env only: give them back */
	if (!w.o.namespace_from_flag && ns &&
	    (push(&w.helm, &w.nhelm, "--namespace") || push(&w.helm, &w.nhelm, ns))) {
		rc = EXIT_ENV;
		goto out;
	}
	ctx = getenv("HELM_KUBECONTEXT");
	if (!w.o.kube_context && ctx && ctx[0] &&
	    (push(&w.helm, &w.nhelm, "--kube-context") || push(&w.helm, &w.nhelm, ctx))) {
		rc = EXIT_ENV;
		goto out;
	}
	/* the post-renderer checks the same values and needs the namespace
	 * (Helm 4 does not pass HELM_NAMESPACE to it) */
	if (ns && (push(&w.pr, &w.npr, "-n") || push(&w.pr, &w.npr, ns))) {
		rc = EXIT_ENV;
		goto out;
	}
	if (w.o.config && (push(&w.pr, &w.npr, "--config") || push(&w.pr, &w.npr, w.o.config))) {
		rc = EXIT_ENV;
		goto out;
	}
	if (major == 3) {
		self = cli_self_path();
		if (self == NULL || push(&w.helm, &w.nhelm, "--post-renderer") ||
		    push(&w.helm, &w.nhelm, self) || push(&w.helm, &w.nhelm, "--post-renderer-args") ||
		    push(&w.helm, &w.nhelm, "post-render")) {
			rc = EXIT_ENV;
			goto out;
		}
	} else {
		int have = cli_post_renderer_installed();

		if (have == 0 && !w.may_install_pr) {
			fprintf(stderr, "cmf-validate: Helm 4 needs the cmf-post-renderer plugin, which is not installed.\n"
					"  Run `helm cmf-validate install-post-renderer` once (read its note on Helm 3),\n"
					"  or add --cmf-install-post-renderer to let this command install it\n");
			rc = EXIT_USAGE;
			goto out;
		}
		if (have == 0 && (rc = cli_install_post_renderer(0)) != 0)
			goto out;
		if (have < 0) {
			fprintf(stderr, "cmf-validate: `%s plugin list` failed\n", cli_helm_bin());
			rc = EXIT_ENV;
			goto out;
		}
		if (push(&w.helm, &w.nhelm, "--post-renderer") ||
		    push(&w.helm, &w.nhelm, "cmf-post-renderer")) {
			rc = EXIT_ENV;
			goto out;
		}
	}
	for (size_t k = 0; k < w.npr; k++)
		if (push(&w.helm, &w.nhelm, "--post-renderer-args") || push(&w.helm, &w.nhelm, w.pr[k])) {
			rc = EXIT_ENV;
			goto out;
		}
	if (getenv("HELM_DEBUG") && strcmp(getenv("HELM_DEBUG"), "true") == 0) {
		fprintf(stderr, "cmf-validate: running");
		for (size_t k = 0; k < w.nhelm; k++)
			fprintf(stderr, " %s", w.helm[k]);
		fprintf(stderr, "\n");
	}
	fflush(stdout);
	rc = cli_run_inherit(w.helm);
out:
	if (w.stdin_copy) {
		unlink(w.stdin_copy);
		free(w.stdin_copy);
	}
	free(self);
	free(w.helm);
	free(w.pr);
	cli_opts_free_owned(&w.o);
	free((void *)w.o.files);
	free(w.o.sets);
	free((void *)w.o.secret_files);
	free((void *)w.o.key_files);
	return rc;
}
