/* helm cmf-validate install|upgrade|template ...: check first, then run Helm
 * with the post-renderer wired the way its major version wants it.
 *
 * The command line is read exactly as the Helm that will run reads it: its
 * flags come from `$HELM_BIN <cmd> --help`, parsed with pflag's rules
 * (helmargs.c). A flag that binary does not list is refused, never guessed:
 * a wrong guess shifts the positionals or hides a values file, and the check
 * would then judge another release than the one Helm deploys. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cmfv/safefile.h"
#include "cmfv/source.h"
#include "commands.h"
#include "helm.h"
#include "cmfv/helmargs.h"

struct wrap {
	const char *cmd;
	int major;
	struct cmfv_helm_flags flags;
	struct cmfv_helm_cmdline cl;
	char **helm; /* argv for helm being built */
	size_t nhelm;
	char **pr; /* post-renderer arguments (values flags etc.) */
	size_t npr;
	char **owned; /* strings made here */
	size_t nowned;
	struct cli_opts o; /* the check */
	const char *release, *chart;
	int dry_client, no_cluster, may_install_pr, generate_name, name_template;
};

/* Temporary files live in static buffers so that a signal handler can
 * remove them: the copy of stdin (-f -) and the fetched chart. */
static char tmp_stdin[4096];
static char tmp_dir[4096];
static char tmp_report[4096];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void tmp_cleanup(void)
{
	if (tmp_stdin[0])
		unlink(tmp_stdin);
	tmp_stdin[0] = '\0';
	if (tmp_report[0])
		unlink(tmp_report);
	tmp_report[0] = '\0';
	if (tmp_dir[0])
		nftw(tmp_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	tmp_dir[0] = '\0';
}

/* Only async-signal-safe calls: nftw is not, so the folder goes with
 * rm -rf run by fork and execve (both safe). Helm, if running, is told too. */
static void on_signal(int sig)
{
	pid_t child = cli_inherit_child;

	cmfv_safefile_unlink_all(); /* files being written (safefile) */
	if (child > 0)
		kill(child, sig);
	if (tmp_stdin[0])
		unlink(tmp_stdin);
	if (tmp_report[0])
		unlink(tmp_report);
	if (tmp_dir[0]) {
		pid_t p = fork();

		if (p == 0) {
			char *const av[] = {"rm", "-rf", "--", tmp_dir, NULL};
			char *const env[] = {NULL};

			execve("/bin/rm", av, env);
			_exit(127);
		}
		if (p > 0)
			waitpid(p, NULL, 0);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void tmp_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static const char *tmp_base(void)
{
	const char *t = getenv("TMPDIR");

	return t && t[0] ? t : "/tmp";
}

/* NULL \p s (a failed allocation upstream) fails like one here */
/* A private file (mkstemp: mode 0600, never an existing path) */
static int make_tmp_file(char *buf, size_t n, const char *what)
{
	int fd;

	snprintf(buf, n, "%s/cmf-validate-%s-XXXXXX", tmp_base(), what);
	fd = mkstemp(buf);
	if (fd < 0) {
		fprintf(stderr, "cmf-validate: cannot make a file in %s: %s\n", tmp_base(),
			strerror(errno));
		buf[0] = '\0';
		return -1;
	}
	close(fd);
	return 0;
}

/* Helm 4 threw the post-renderer's stderr away: show what it reported,
 * when it failed (its first line ends with its exit code). */
static void show_report(void)
{
	FILE *f = tmp_report[0] ? fopen(tmp_report, "r") : NULL;
	char line[4096];
	const char *ex;

	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) && (ex = strstr(line, ", exit ")) && atoi(ex + 7) != 0) {
		fprintf(stderr, "cmf-validate: the post-renderer stopped the release:\n");
		while (fgets(line, sizeof(line), f))
			fputs(line, stderr);
	}
	fclose(f);
}

static int push(char ***v, size_t *n, const char *s)
{
	char **nv = s ? realloc(*v, (*n + 2) * sizeof(**v)) : NULL;

	if (nv == NULL)
		return -1;
	nv[(*n)++] = cli_unconst(s);
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

static const char *keep(struct wrap *w, char *s)
{
	if (s == NULL || push(&w->owned, &w->nowned, s)) {
		free(s);
		return NULL;
	}
	return s;
}

static const char *concat(struct wrap *w, const char *a, const char *b)
{
	size_t la, lb;
	char *s;

	if (a == NULL || b == NULL)
		return NULL;
	la = strlen(a);
	lb = strlen(b);
	s = malloc(la + lb + 1);
	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return keep(w, s);
}

/* "--name=value": what pflag's Set receives, however the user spelt it */
static const char *long_form(struct wrap *w, const char *name, const char *val)
{
	size_t ln = strlen(name), lv = strlen(val);
	char *s = malloc(ln + lv + 4);

	if (s) {
		memcpy(s, "--", 2);
		memcpy(s + 2, name, ln);
		s[ln + 2] = '=';
		memcpy(s + ln + 3, val, lv + 1);
	}
	return keep(w, s);
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

/* -f -: stdin, copied once to a private file that Helm reads in our stead
 * (Helm would find stdin empty after us). Mode 0600 from mkstemp. */
static const char *save_stdin(void)
{
	int fd;
	char *buf = NULL;
	size_t len = 0;
	struct cmfv_diag d;
	ssize_t wr;

	if (tmp_stdin[0])
		return tmp_stdin;
	cmfv_diag_clear(&d);
	snprintf(tmp_stdin, sizeof(tmp_stdin), "%s/cmf-validate-stdin-XXXXXX", tmp_base());
	fd = mkstemp(tmp_stdin);
	if (fd < 0) {
		fprintf(stderr, "cmf-validate: cannot make a file for -f - in %s: %s\n", tmp_base(),
			strerror(errno));
		tmp_stdin[0] = '\0';
		return NULL;
	}
	if (cmfv_read_fd(0, "<stdin>", cli_max_input_env(), &buf, &len, &d) != CMFV_OK) {
		fprintf(stderr, "cmf-validate: -f -: %s\n", d.msg);
		close(fd);
		return NULL;
	}
	wr = write(fd, buf, len);
	if (buf)
		OPENSSL_cleanse(buf, len); /* values may hold credentials */
	free(buf);
	if (close(fd) != 0 || wr != (ssize_t)len) {
		fprintf(stderr, "cmf-validate: cannot write %s\n", tmp_stdin);
		return NULL;
	}
	return tmp_stdin;
}

/* Trimmed "-" is stdin to Helm (strings.TrimSpace(filePath) == "-"). */
static int is_stdin(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
		s++;
	if (*s++ != '-')
		return 0;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
		s++;
	return *s == '\0';
}

/* -f/--values: the files as pflag's CSV reader splits them, stdin replaced
 * by our copy; Helm gets the same list back as one --values. */
static int values_flag(struct wrap *w, const char *val, const char **helm_val)
{
	char **parts = NULL, err[128];
	size_t n = 0, i;
	int r = cmfv_csv_record(val, &parts, &n, err, sizeof(err)), rewrite = 0;

	if (r == -1) {
		fprintf(stderr, "cmf-validate %s: invalid argument \"%s\" for -f, --values: %s\n",
			w->cmd, val, err);
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++) /* ours from here on, freed with w */
		if (keep(w, parts[i]) == NULL)
			r = -2;
	for (i = 0; i < n && r == 0; i++) {
		if (is_stdin(parts[i])) {
			if (save_stdin() == NULL) {
				free(parts);
				return EXIT_ENV;
			}
			parts[i] = tmp_stdin;
			rewrite = 1;
		}
		if (cli_add_values_path(&w->o, parts[i]))
			r = -2;
	}
	/* written back as CSV for Helm: a CR in a name would not read back the
	 * same (encoding/csv folds CR LF), so Helm would read another file */
	for (i = 0; i < n && r == 0 && rewrite; i++)
		if (strchr(parts[i], '\r')) {
			fprintf(stderr,
				"cmf-validate %s: a -f list with stdin (-) and a file name holding a "
				"carriage return cannot be handed to Helm exactly: give the files "
				"with separate -f flags\n",
				w->cmd);
			free(parts);
			return EXIT_USAGE;
		}
	if (r == 0 && rewrite && (*helm_val = keep(w, cmfv_csv_join(parts, n))) == NULL)
		r = -2;
	free(parts);
	return r ? EXIT_ENV : 0;
}

static int wrapper_bool(struct wrap *w, const struct cmfv_helm_arg *a, int *out)
{
	int b = cmfv_parse_bool(a->value);

	if (b < 0) {
		fprintf(stderr,
			"cmf-validate %s: invalid argument \"%s\" for --%s: not a boolean\n",
			w->cmd, a->value, a->flag->name);
		return EXIT_USAGE;
	}
	*out = b;
	return 0;
}

/* One of our --cmf-* flags (never passed to helm). */
static int our_flag(struct wrap *w, const struct cmfv_helm_arg *a)
{
	const char *n = a->flag->name;

	if (strcmp(n, "cmf-no-cluster") == 0)
		return wrapper_bool(w, a, &w->no_cluster);
	if (strcmp(n, "cmf-install-post-renderer") == 0)
		return wrapper_bool(w, a, &w->may_install_pr);
	if (strcmp(n, "cmf-strict") == 0)
		return wrapper_bool(w, a, &w->o.strict);
	if (strcmp(n, "cmf-allow-unsafe-upgrade") == 0)
		return wrapper_bool(w, a, &w->o.allow_unsafe_upgrade);
	if (strcmp(n, "cmf-config") == 0) {
		w->o.config = a->value;
		return 0;
	}
	if (strcmp(n, "cmf-key-file") == 0)
		return push_const(&w->o.key_files, &w->o.nkey_files, a->value) ? EXIT_ENV : 0;
	return push_const(&w->o.secret_files, &w->o.nsecret_files, a->value) ? EXIT_ENV : 0;
}

static const struct {
	const char *flag;
	enum cmfv_set_kind kind;
} set_flags[] = {{"set", CMFV_SET},
		 {"set-string", CMFV_SET_STRING},
		 {"set-json", CMFV_SET_JSON},
		 {"set-file", CMFV_SET_FILE},
		 {"set-literal", CMFV_SET_LITERAL}};

/* One Helm flag with its value: learn from it, and pass it on to Helm as
 * --name=value (what pflag's Set receives either way). */
static int helm_flag(struct wrap *w, const struct cmfv_helm_arg *a)
{
	const char *n = a->flag->name, *val = a->value;
	struct cli_opts *o = &w->o;
	size_t i;
	int r = 0;

	if (strcmp(n, "post-renderer") == 0 || strcmp(n, "post-renderer-args") == 0) {
		fprintf(stderr,
			"cmf-validate %s: --%s is not accepted: the wrapper wires its own "
			"post-renderer (run helm %s yourself to chain another)\n",
			w->cmd, n, w->cmd);
		return EXIT_USAGE;
	}
	if (strcmp(n, "values") == 0 && (r = values_flag(w, a->value, &val)) != 0)
		return r;
	for (i = 0; i < sizeof(set_flags) / sizeof(set_flags[0]); i++)
		if (strcmp(n, set_flags[i].flag) == 0 && add_set(o, set_flags[i].kind, val))
			return EXIT_ENV;
	if (strcmp(n, "namespace") == 0) {
		o->namespace = val;
		o->namespace_from_flag = 1;
	} else if (strcmp(n, "kube-context") == 0) {
		o->kube_context = val;
	} else if (strcmp(n, "kubeconfig") == 0) {
		o->kubeconfig = val;
	} else if (strcmp(n, "dry-run") == 0) {
		/* Helm 3: bare is "client"; Helm 4: bare is "unset", meaning client */
		w->dry_client = strcmp(val, "client") == 0 || strcmp(val, "true") == 0 ||
				strcmp(val, "unset") == 0;
	} else if (strcmp(n, "generate-name") == 0) {
		r = wrapper_bool(w, a, &w->generate_name);
	} else if (strcmp(n, "name-template") == 0) {
		w->name_template = val[0] != '\0';
	}
	if (r == 0 && push(&w->helm, &w->nhelm, long_form(w, n, val)))
		r = EXIT_ENV;
	return r;
}

static int parse_helm_args(struct wrap *w, int argc, char **argv)
{
	char err[256];
	size_t i;
	int r = cmfv_helm_cmdline_parse(&w->flags, argc, argv, &w->cl, err, sizeof(err));

	if (r == -2)
		return EXIT_ENV;
	if (r != 0) {
		fprintf(stderr,
			"cmf-validate %s: %s\n"
			"  (flags are read as `%s %s --help` lists them; the wrapper refuses what "
			"Helm would not read the same way)\n",
			w->cmd, err, cli_helm_bin(), w->cmd);
		return EXIT_USAGE;
	}
	for (i = 0; i < w->cl.nargs && r == 0; i++)
		r = w->cl.args[i].flag->ours ? our_flag(w, &w->cl.args[i])
					     : helm_flag(w, &w->cl.args[i]);
	return r;
}

static void wrapper_help(const char *cmd)
{
	printf(
	    "Usage: helm cmf-validate %s [helm %s arguments] [--cmf-* flags]\n\n"
	    "Check the CMF encryption setup with the same values Helm will use, stop on\n"
	    "errors, then run `helm %s` with the cmf-validate post-renderer wired in:\n"
	    "Helm 3 by the binary's path, Helm 4 by the cmf-post-renderer plugin shipped\n"
	    "inside this plugin's folder (added to HELM_PLUGINS for that one run).\n"
	    "Every helm argument passes through, read as that Helm binary reads it (its\n"
	    "`helm %s --help` flags; an unknown flag is refused, exit 2); `-f -` reads\n"
	    "stdin once; a chart given as repo/name or oci:// is pulled into a private\n"
	    "temporary folder and checked; helm's exit code is ours.\n\n"
	    "Wrapper flags (not passed to helm):\n"
	    "  --cmf-no-cluster              do not read the key Secret from the cluster\n"
	    "  --cmf-secret-file FILE        check this Secret manifest too\n"
	    "  --cmf-key-file FILE           check this raw key file too\n"
	    "  --cmf-config FILE             cmf-validate configuration file\n"
	    "  --cmf-strict                  warnings stop the release too\n"
	    "  --cmf-allow-unsafe-upgrade    report upgrade guard findings as warnings\n"
	    "  --cmf-install-post-renderer   Helm 4, when the shipped post-renderer is missing:\n"
	    "                                install the cmf-post-renderer plugin\n\n"
	    "Example:\n  helm cmf-validate %s cmf confluentinc/confluent-manager-for-apache-flink "
	    "-n flink -f prod.yaml\n",
	    cmd, cmd, cmd, cmd, cmd);
}

/* The flags of `helm <cmd> --help`, as the binary prints them. */
static int read_flags(const char *cmd, struct cmfv_helm_flags *f)
{
	char *argv[] = {cli_helm_bin(), cli_unconst(cmd), "--help", NULL};
	char *out = NULL;
	int rc = cli_run_capture(argv, 60, 1 << 20, &out, 0);

	if (rc != 0 || out == NULL || cmfv_helm_flags_parse_help(out, f) != 0) {
		fprintf(stderr, "cmf-validate: cannot read the flags of `%s %s --help` (exit %d)\n",
			argv[0], cmd, rc);
		free(out);
		return EXIT_ENV;
	}
	free(out);
	return 0;
}

static int add_our_flags(struct cmfv_helm_flags *f)
{
	static const char *const bools[] = {"cmf-no-cluster", "cmf-install-post-renderer",
					    "cmf-strict", "cmf-allow-unsafe-upgrade"};
	static const char *const vals[] = {"cmf-secret-file", "cmf-key-file", "cmf-config"};
	size_t i;

	for (i = 0; i < 4; i++)
		if (cmfv_helm_flags_add(f, bools[i], 0, "true", 1))
			return -1;
	for (i = 0; i < 3; i++)
		if (cmfv_helm_flags_add(f, vals[i], 0, NULL, 1))
			return -1;
	return 0;
}

/* NAME and CHART as Helm's NameAndChart / upgrade's ExactArgs(2) take them. */
static int positionals(struct wrap *w)
{
	size_t n = w->cl.npos;
	int install = strcmp(w->cmd, "install") == 0, upgrade = strcmp(w->cmd, "upgrade") == 0;

	if (n == 0 || n > 2 || (upgrade && n != 2)) {
		fprintf(stderr, "cmf-validate %s: expected %s, got %zu argument%s\n", w->cmd,
			upgrade	  ? "RELEASE CHART"
			: install ? "NAME CHART (or CHART with --generate-name)"
				  : "[NAME] CHART",
			n, n == 1 ? "" : "s");
		return EXIT_USAGE;
	}
	if (install && n == 2 && (w->generate_name || w->name_template)) {
		fprintf(stderr, "cmf-validate install: cannot set --%s and also specify a name\n",
			w->generate_name ? "generate-name" : "name-template");
		return EXIT_USAGE;
	}
	if (install && n == 1 && !w->generate_name && !w->name_template) {
		fprintf(stderr, "cmf-validate install: must either provide a name or specify "
				"--generate-name\n");
		return EXIT_USAGE;
	}
	w->release = n == 2 ? w->cl.pos[0] : NULL;
	w->chart = w->cl.pos[n - 1];
	return 0;
}

static int make_tmp_dir(void)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/cmf-validate-chart-XXXXXX", tmp_base());
	if (mkdtemp(tmp_dir) == NULL) {
		fprintf(stderr, "cmf-validate: cannot make a folder in %s: %s\n", tmp_base(),
			strerror(errno));
		tmp_dir[0] = '\0';
		return EXIT_ENV;
	}
	return 0;
}

/* The one folder inside tmp_dir that holds Chart.yaml. */
static int fetched_chart(struct wrap *w, const char *how)
{
	char *argv[] = {"find", tmp_dir, "-mindepth",  "2", "-maxdepth",
			"2",	"-name", "Chart.yaml", NULL};
	char *out = NULL, *nl;
	int rc = cli_run_capture(argv, 60, 1 << 16, &out, 0);

	nl = out ? strchr(out, '\n') : NULL;
	if (rc != 0 || nl == NULL || nl[1] != '\0' || nl - out < 11) {
		fprintf(stderr, "cmf-validate %s: %s %s gave no single chart folder\n", w->cmd, how,
			w->chart);
		free(out);
		return EXIT_USAGE;
	}
	nl[-11] = '\0'; /* strip "/Chart.yaml\n" */
	w->o.chart = keep(w, out);
	return w->o.chart ? 0 : EXIT_ENV;
}

/* `helm pull --untar` with the flags of ours that `helm pull` knows (repo,
 * version, devel, auth, TLS, registry and repository settings). */
static int pull_chart(struct wrap *w, const char *chart)
{
	struct cmfv_helm_flags pf;
	char **argv = NULL, *out = NULL;
	size_t n = 0, i;
	int rc = read_flags("pull", &pf);

	if (rc != 0)
		return rc;
	if (push(&argv, &n, cli_helm_bin()) || push(&argv, &n, "pull") ||
	    push(&argv, &n, "--untar") || push(&argv, &n, "--destination") ||
	    push(&argv, &n, tmp_dir))
		rc = EXIT_ENV;
	for (i = 0; i < w->cl.nargs && rc == 0; i++) {
		const struct cmfv_helm_arg *a = &w->cl.args[i];

		if (a->flag->ours || strcmp(a->flag->name, "help") == 0 ||
		    !cmfv_helm_flags_long(&pf, a->flag->name, strlen(a->flag->name)))
			continue;
		if (push(&argv, &n, long_form(w, a->flag->name, a->value)))
			rc = EXIT_ENV;
	}
	if (rc == 0 && (push(&argv, &n, "--") || push(&argv, &n, chart)))
		rc = EXIT_ENV;
	cmfv_helm_flags_free(&pf);
	if (rc == 0) {
		rc = cli_run_capture(argv, 600, 1 << 20, &out, 1);
		free(out);
		if (rc != 0) {
			fprintf(
			    stderr,
			    "cmf-validate %s: `%s pull %s` failed (exit %d): not running helm %s\n",
			    w->cmd, cli_helm_bin(), chart, rc, w->cmd);
			rc = EXIT_ENV;
		}
	}
	free(argv);
	return rc ? rc : fetched_chart(w, "helm pull");
}

/* A chart archive on disk: unpacked with tar, never over a symlink of ours
 * (a fresh private folder). */
static int untar_chart(struct wrap *w, const char *chart)
{
	char *argv[] = {"tar",
			"-xzf",
			cli_unconst(chart),
			"-C",
			tmp_dir,
			"--no-same-owner",
			"--no-same-permissions",
			NULL};
	char *out = NULL;
	int rc = cli_run_capture(argv, 120, 1 << 16, &out, 1);

	free(out);
	if (rc != 0) {
		fprintf(stderr, "cmf-validate %s: cannot unpack %s (tar exit %d)\n", w->cmd, chart,
			rc);
		return EXIT_USAGE;
	}
	return fetched_chart(w, "unpacking");
}

/* The chart Helm will render, as a folder we can read: a local folder as it
 * is, an archive unpacked, a repo or OCI reference pulled (Helm's
 * LocateChart order: a path that exists wins, the name trimmed). */
static int locate_chart(struct wrap *w)
{
	const char *c = w->chart;
	size_t len;
	char *name;
	struct stat st;
	int rc;

	while (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r')
		c++;
	len = strlen(c);
	while (len && (c[len - 1] == ' ' || c[len - 1] == '\t' || c[len - 1] == '\n' ||
		       c[len - 1] == '\r'))
		len--;
	name = strndup(c, len);
	if (keep(w, name) == NULL)
		return EXIT_ENV;
	if (stat(name, &st) == 0 && S_ISDIR(st.st_mode)) {
		w->o.chart = name;
		return 0;
	}
	if ((rc = make_tmp_dir()) != 0)
		return rc;
	if (stat(name, &st) == 0)
		return untar_chart(w, name);
	if (name[0] == '/' || name[0] == '.') {
		fprintf(stderr, "cmf-validate %s: path \"%s\" not found\n", w->cmd, name);
		return EXIT_USAGE;
	}
	return pull_chart(w, name);
}

/* Helm 4: the post-renderer plugin shipped inside this plugin's folder,
 * found by Helm through one more HELM_PLUGINS entry (Helm 3 reads plugins
 * one level deep and never sees it). Returns 1 when wired, 0 when absent. */
static int nested_post_renderer(struct wrap *w)
{
	const char *dir = getenv("HELM_PLUGIN_DIR"), *user = getenv("HELM_PLUGINS");
	char path[4200], *self = NULL, *out = NULL;
	const char *parent;
	struct stat st, me;

	if (dir && dir[0]) {
		snprintf(path, sizeof(path), "%s/postrenderer", dir);
	} else {
		char *slash;

		self = cli_self_path(); /* <plugin>/bin/cmf-validate */
		if (self == NULL || (slash = strrchr(self, '/')) == NULL) {
			free(self);
			return 0;
		}
		*slash = '\0';
		snprintf(path, sizeof(path), "%s/../postrenderer", self);
		free(self);
	}
	parent = keep(w, strdup(path));
	snprintf(path, sizeof(path), "%s/cmf-post-renderer/plugin.yaml", parent ? parent : "");
	if (parent == NULL || stat(path, &st) != 0)
		return 0;
	/* its command is <plugin>/bin/cmf-validate: only if that is us */
	snprintf(path, sizeof(path), "%s/../bin/cmf-validate", parent);
	self = cli_self_path();
	if (self == NULL || stat(path, &st) != 0 || stat(self, &me) != 0 ||
	    st.st_dev != me.st_dev || st.st_ino != me.st_ino) {
		free(self);
		return 0;
	}
	free(self);
	if (user == NULL || user[0] == '\0') {
		char *argv[] = {cli_helm_bin(), "env", "HELM_PLUGINS", NULL};

		if (cli_run_capture(argv, 30, 1 << 16, &out, 0) == 0 && out) {
			out[strcspn(out, "\n")] = '\0';
			user = keep(w, out);
		} else {
			free(out);
		}
	}
	/* ours first: a cmf-post-renderer elsewhere in the user's folders (an
	 * older copy, another plugin of that name) must not be the one run */
	if (user && user[0])
		parent = concat(w, concat(w, parent, ":"), user);
	if (parent == NULL || setenv("HELM_PLUGINS", parent, 1) != 0)
		return -1;
	return 1;
}

static int wire_post_renderer(struct wrap *w)
{
	int have;
	char *self;

	if (w->major == 3) {
		self = cli_self_path();
		if (self == NULL || keep(w, self) == NULL ||
		    push(&w->helm, &w->nhelm, "--post-renderer") ||
		    push(&w->helm, &w->nhelm, self) ||
		    push(&w->helm, &w->nhelm, "--post-renderer-args") ||
		    push(&w->helm, &w->nhelm, "post-render"))
			return EXIT_ENV;
		return 0;
	}
	have = nested_post_renderer(w);
	if (have < 0)
		return EXIT_ENV;
	if (have == 0)
		have = cli_post_renderer_installed();
	if (have == 0 && !w->may_install_pr) {
		fprintf(
		    stderr,
		    "cmf-validate: Helm 4 needs the cmf-post-renderer plugin: it is neither in "
		    "this plugin's\n"
		    "  postrenderer/ folder nor installed. Reinstall cmf-validate, or run\n"
		    "  `helm cmf-validate install-post-renderer` once (read its note on Helm 3),\n"
		    "  or add --cmf-install-post-renderer to let this command install it\n");
		return EXIT_USAGE;
	}
	if (have == 0 && cli_install_post_renderer(0) != 0)
		return EXIT_ENV;
	if (have < 0) {
		fprintf(stderr, "cmf-validate: `%s plugin list` failed\n", cli_helm_bin());
		return EXIT_ENV;
	}
	return push(&w->helm, &w->nhelm, "--post-renderer") ||
		       push(&w->helm, &w->nhelm, "cmf-post-renderer")
		   ? EXIT_ENV
		   : 0;
}

/* A chart with subcharts (dependencies in Chart.yaml, or anything under
 * charts/): CMF may run in one under any alias, so the top-level values say
 * nothing about it; only the rendered stream does. */
static int has_subcharts(const char *chart)
{
	char path[4200], line[512];
	FILE *f;
	int deps = 0;

	snprintf(path, sizeof(path), "%s/Chart.yaml", chart);
	f = fopen(path, "r");
	while (f && !deps && fgets(line, sizeof(line), f))
		deps = strncmp(line, "dependencies:", 13) == 0;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "%s/charts", chart);
	if (!deps) {
		char *argv[] = {"find", path, "-mindepth", "1", "-maxdepth", "1", NULL};
		char *out = NULL;

		deps = cli_run_capture(argv, 30, 4096, &out, 0) == 0 && out && out[0];
		free(out);
	}
	return deps;
}

static int run_checks(struct wrap *w)
{
	struct cli_run run;
	int rc;
	size_t k;

	if (w->o.chart && has_subcharts(w->o.chart)) {
		fprintf(stderr, "cmf-validate: %s has subcharts: CMF's settings are judged by the post-renderer, from what Helm renders\n",
			w->chart);
		return 0;
	}
	memset(&run, 0, sizeof(run));
	w->o.chart_lenient = 1;
	rc = cli_run_checks(&w->o, &run);
	if (rc == 0) {
		/* the verdict goes to stderr: helm's stdout stays clean */
		rc = cli_render(&w->o, &run, "text", stderr);
		if (rc == 0)
			rc = cli_report_exit(&run.report, w->o.strict);
		if (rc == EXIT_FINDINGS)
			fprintf(stderr, "cmf-validate: not running helm %s: fix the errors above\n",
				w->cmd);
	}
	for (k = 0; rc == 0 && k < run.report.nkeys; k++)
		if (run.report.keys[k].valid) {
			const char *kcv = keep(w, strndup(run.report.keys[k].kcv, 6));

			if (kcv == NULL || push(&w->pr, &w->npr, "--kcv") ||
			    push(&w->pr, &w->npr, kcv))
				rc = EXIT_ENV;
			break;
		}
	cli_run_free(&run);
	return rc;
}

/* Everything Helm needs besides the user's flags: namespace and context back
 * (Helm hands them to plugins as env only), the post-renderer, its args,
 * then the positionals (after "--" when one looks like a flag). */
static int finish_argv(struct wrap *w)
{
	const char *ns = cli_namespace(&w->o), *ctx = getenv("HELM_KUBECONTEXT");
	size_t k;
	int dash = 0, rc;

	if (!w->o.namespace_from_flag && ns &&
	    (push(&w->helm, &w->nhelm, "--namespace") || push(&w->helm, &w->nhelm, ns)))
		return EXIT_ENV;
	if (!w->o.kube_context && ctx && ctx[0] &&
	    (push(&w->helm, &w->nhelm, "--kube-context") || push(&w->helm, &w->nhelm, ctx)))
		return EXIT_ENV;
	/* the post-renderer needs the namespace (Helm 4 does not pass
	 * HELM_NAMESPACE to it) */
	if (ns && !(w->o.namespace_from_flag && (!w->o.namespace || !w->o.namespace[0])) &&
	    (push(&w->pr, &w->npr, "-n") || push(&w->pr, &w->npr, ns)))
		return EXIT_ENV;
	if (w->o.config &&
	    (push(&w->pr, &w->npr, "--config") || push(&w->pr, &w->npr, w->o.config)))
		return EXIT_ENV;
	/* key files: the post-renderer reads the Secret each rendered
	 * configuration names (a subchart's too) */
	for (k = 0; k < w->o.nsecret_files; k++)
		if (push(&w->pr, &w->npr, "--secret-file") ||
		    push(&w->pr, &w->npr, w->o.secret_files[k]))
			return EXIT_ENV;
	for (k = 0; k < w->o.nkey_files; k++)
		if (push(&w->pr, &w->npr, "--key-file") || push(&w->pr, &w->npr, w->o.key_files[k]))
			return EXIT_ENV;
	if (w->o.strict && push(&w->pr, &w->npr, "--strict"))
		return EXIT_ENV;
	/* No values for the post-renderer: it judges the configuration Helm
	 * rendered (umbrella charts included), which no reading of flags can
	 * second-guess. Its report goes to a private file: Helm 4 drops its
	 * stderr, so we show the report when Helm fails. */
	if (make_tmp_file(tmp_report, sizeof(tmp_report), "report") != 0 ||
	    push(&w->pr, &w->npr, "--report") || push(&w->pr, &w->npr, tmp_report))
		return EXIT_ENV;
	if ((rc = wire_post_renderer(w)) != 0)
		return rc;
	for (k = 0; k < w->npr; k++)
		if (push(&w->helm, &w->nhelm, concat(w, "--post-renderer-args=", w->pr[k])))
			return EXIT_ENV;
	for (k = 0; k < w->cl.npos; k++)
		dash |= w->cl.pos[k][0] == '-';
	if (dash && push(&w->helm, &w->nhelm, "--"))
		return EXIT_ENV;
	for (k = 0; k < w->cl.npos; k++)
		if (push(&w->helm, &w->nhelm, w->cl.pos[k]))
			return EXIT_ENV;
	return 0;
}

static int wrap_run(struct wrap *w, int argc, char **argv)
{
	int rc;

	if ((w->major = cli_helm_major()) == 0)
		return EXIT_ENV;
	w->o.helm_major = w->major; /* Helm 3 reads values the Helm 3 way */
	if ((rc = read_flags(w->cmd, &w->flags)) != 0)
		return rc;
	if (add_our_flags(&w->flags) || push(&w->helm, &w->nhelm, cli_helm_bin()) ||
	    push(&w->helm, &w->nhelm, w->cmd))
		return EXIT_ENV;
	if ((rc = parse_helm_args(w, argc, argv)) != 0 || (rc = positionals(w)) != 0 ||
	    (rc = locate_chart(w)) != 0)
		return rc;
	if (strcmp(w->cmd, "upgrade") == 0)
		w->o.release = w->release;
	/* a cluster is there for install and upgrade, unless told otherwise */
	if (strcmp(w->cmd, "template") != 0 && !w->dry_client && !w->no_cluster)
		w->o.cluster = 1;
	if ((rc = run_checks(w)) != 0 || (rc = finish_argv(w)) != 0)
		return rc;
	if (getenv("HELM_DEBUG") && strcmp(getenv("HELM_DEBUG"), "true") == 0) {
		size_t k;

		fprintf(stderr, "cmf-validate: running");
		for (k = 0; k < w->nhelm; k++)
			fprintf(stderr, " %s", w->helm[k]);
		fprintf(stderr, "\n");
	}
	fflush(stdout);
	rc = cli_run_inherit(w->helm);
	if (rc != 0 && w->major == 4)
		show_report();
	return rc;
}

int cmd_wrapper(const char *helm_cmd, int argc, char **argv)
{
	struct wrap w;
	int rc, i;
	size_t k;

	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			wrapper_help(helm_cmd);
			return 0;
		}
	memset(&w, 0, sizeof(w));
	w.cmd = helm_cmd;
	w.o.cmd = CMD_WRAPPER;
	w.o.cmd_name = helm_cmd;
	tmp_signals();
	rc = wrap_run(&w, argc, argv);
	tmp_cleanup();
	cmfv_helm_cmdline_free(&w.cl);
	cmfv_helm_flags_free(&w.flags);
	free(w.helm);
	free(w.pr);
	for (k = 0; k < w.nowned; k++)
		free(w.owned[k]);
	free(w.owned);
	cli_opts_free_owned(&w.o);
	free((void *)w.o.files);
	free(w.o.sets);
	free((void *)w.o.secret_files);
	free((void *)w.o.key_files);
	return rc;
}
