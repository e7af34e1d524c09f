/* The wrapper: Helm's command line read as the Helm that will run reads
 * it (its --help flag table, pflag's rules: helmargs.c), our own flags taken
 * out, -f - copied once, the argv for Helm and the post-renderer built. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "abrupt.h"
#include "cmfv/safefile.h"
#include "cmfv/source.h"
#include "commands.h"
#include "helm.h"
#include "cmfv/helmargs.h"
#include "wrap.h"

/* NULL \p s (a failed allocation upstream) fails like one here */
int wrap_push(char ***v, size_t *n, const char *s)
{
	char **nv = s ? realloc(*v, (*n + 2) * sizeof(**v)) : NULL;

	if (nv == NULL)
		return -1;
	nv[(*n)++] = cli_unconst(s);
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

const char *wrap_keep(struct wrap *w, char *s)
{
	if (s == NULL || wrap_push(&w->owned, &w->nowned, s)) {
		free(s);
		return NULL;
	}
	return s;
}

const char *wrap_concat(struct wrap *w, const char *a, const char *b)
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
	return wrap_keep(w, s);
}

/* "--name=value": what pflag's Set receives, however the user spelt it */
const char *wrap_long_form(struct wrap *w, const char *name, const char *val)
{
	size_t ln = strlen(name), lv = strlen(val);
	char *s = malloc(ln + lv + 4);

	if (s) {
		memcpy(s, "--", 2);
		memcpy(s + 2, name, ln);
		s[ln + 2] = '=';
		memcpy(s + ln + 3, val, lv + 1);
	}
	return wrap_keep(w, s);
}

static int wrap_push_const(const char ***v, size_t *n, const char *s)
{
	const char **nv = realloc((void *)*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return -1;
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

static int wrap_add_set(struct cli_opts *o, enum cmfv_set_kind k, const char *arg)
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
static const char *wrap_save_stdin(void)
{
	sigset_t old;
	int fd, e;
	char *buf = NULL;
	size_t len = 0;
	struct cmfv_diag d;
	ssize_t wr;

	if (wrap_tmp_stdin[0])
		return wrap_tmp_stdin;
	cmfv_diag_clear(&d);
	snprintf(wrap_tmp_stdin, sizeof(wrap_tmp_stdin), "%s/cmf-validate-stdin-XXXXXX",
		 wrap_tmp_base());
	cmfv_ending_signals_hold(&old); /* no signal between the file and its entry */
	fd = mkstemp(wrap_tmp_stdin);
	e = errno;
	if (fd >= 0)
		wrap_tmp_watch(wrap_tmp_stdin, 0);
	cmfv_ending_signals_release(&old);
	if (fd < 0) {
		fprintf(stderr, "cmf-validate: cannot make a file for -f - in %s: %s\n",
			wrap_tmp_base(), strerror(e));
		wrap_tmp_stdin[0] = '\0';
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
		fprintf(stderr, "cmf-validate: cannot write %s\n", wrap_tmp_stdin);
		return NULL;
	}
	return wrap_tmp_stdin;
}

/* Trimmed "-" is stdin to Helm (strings.TrimSpace(filePath) == "-"). */
static int wrap_is_stdin(const char *s)
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
static int wrap_values_flag(struct wrap *w, const char *val, const char **helm_val)
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
		if (wrap_keep(w, parts[i]) == NULL)
			r = -2;
	for (i = 0; i < n && r == 0; i++) {
		if (wrap_is_stdin(parts[i])) {
			if (wrap_save_stdin() == NULL) {
				free(parts);
				return EXIT_ENV;
			}
			parts[i] = wrap_tmp_stdin;
			rewrite = 1;
		}
		if (cli_add_values_path(&w->o, parts[i]))
			r = -2;
	}
	/* written back as CSV for Helm: a CR in a name would not read back the
	 * same (encoding/csv folds CR LF), so Helm would read another file */
	for (i = 0; i < n && r == 0 && rewrite; i++)
		if (strchr(parts[i], '\r')) {
			fprintf(
			    stderr,
			    "cmf-validate %s: a -f list with stdin (-) and a file name holding a "
			    "carriage return cannot be handed to Helm exactly: give the files "
			    "with separate -f flags\n",
			    w->cmd);
			free(parts);
			return EXIT_USAGE;
		}
	if (r == 0 && rewrite && (*helm_val = wrap_keep(w, cmfv_csv_join(parts, n))) == NULL)
		r = -2;
	free(parts);
	return r ? EXIT_ENV : 0;
}

static int wrap_bool(struct wrap *w, const struct cmfv_helm_arg *a, int *out)
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
static int wrap_our_flag(struct wrap *w, const struct cmfv_helm_arg *a)
{
	const char *n = a->flag->name;

	if (strcmp(n, "cmf-no-cluster") == 0)
		return wrap_bool(w, a, &w->no_cluster);
	if (strcmp(n, "cmf-install-post-renderer") == 0)
		return wrap_bool(w, a, &w->may_install_pr);
	if (strcmp(n, "cmf-strict") == 0)
		return wrap_bool(w, a, &w->o.strict);
	if (strcmp(n, "cmf-allow-unsafe-upgrade") == 0)
		return wrap_bool(w, a, &w->o.allow_unsafe_upgrade);
	if (strcmp(n, "cmf-config") == 0) {
		w->o.config = a->value;
		return 0;
	}
	if (strcmp(n, "cmf-key-file") == 0)
		return wrap_push_const(&w->o.key_files, &w->o.nkey_files, a->value) ? EXIT_ENV : 0;
	return wrap_push_const(&w->o.secret_files, &w->o.nsecret_files, a->value) ? EXIT_ENV : 0;
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
static int wrap_helm_flag(struct wrap *w, const struct cmfv_helm_arg *a)
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
	/* Helm 3 writes --output-dir's files before it runs the post-renderer
	 * (which then gets an empty stream): files without the key mount would
	 * be left on disk. Helm 4 post-renders first. */
	if (strcmp(n, "output-dir") == 0 && w->major == 3 && val[0] != '\0') {
		fprintf(stderr,
			"cmf-validate %s: --output-dir is not accepted on Helm 3: Helm 3 writes "
			"those files before the post-renderer runs, so they would lack the key "
			"mount; redirect stdout instead (helm cmf-validate template ... > "
			"manifests.yaml), or use Helm 4\n",
			w->cmd);
		return EXIT_USAGE;
	}
	if (strcmp(n, "values") == 0 && (r = wrap_values_flag(w, a->value, &val)) != 0)
		return r;
	for (i = 0; i < sizeof(set_flags) / sizeof(set_flags[0]); i++)
		if (strcmp(n, set_flags[i].flag) == 0 && wrap_add_set(o, set_flags[i].kind, val))
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
		r = wrap_bool(w, a, &w->generate_name);
	} else if (strcmp(n, "name-template") == 0) {
		w->name_template = val[0] != '\0';
	}
	if (r == 0 && wrap_push(&w->helm, &w->nhelm, wrap_long_form(w, n, val)))
		r = EXIT_ENV;
	return r;
}

int wrap_parse_args(struct wrap *w, int argc, char **argv)
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
		r = w->cl.args[i].flag->ours ? wrap_our_flag(w, &w->cl.args[i])
					     : wrap_helm_flag(w, &w->cl.args[i]);
	return r;
}

void wrap_help(const char *cmd)
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
int wrap_read_flags(const char *cmd, struct cmfv_helm_flags *f)
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

int wrap_add_our_flags(struct cmfv_helm_flags *f)
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
int wrap_positionals(struct wrap *w)
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
