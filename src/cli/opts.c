#include "opts.h"

#include "cmfv/helmargs.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/source.h"

enum arg_kind { A_NONE, A_ONE };

#define VALS (CMD_CHECK | CMD_VALUES | CMD_POST_RENDER | CMD_FLUX_PATCH)
#define KEYS (CMD_CHECK | CMD_POST_RENDER | CMD_KEY_INFO)

enum flag_id {
	F_CHART,
	F_VALUES,
	F_SET,
	F_SET_STRING,
	F_SET_JSON,
	F_SET_FILE,
	F_SET_LITERAL,
	F_HELM_COMPAT,
	F_SECRET_FILE,
	F_KEY_FILE,
	F_MANIFESTS,
	F_CLUSTER,
	F_SECRET_NAME,
	F_SECRET_PROPERTY,
	F_NAMESPACE,
	F_KUBE_CONTEXT,
	F_KUBECONFIG,
	F_RELEASE,
	F_PREV_VALUES,
	F_PREV_KCV,
	F_ALLOW_UNSAFE,
	F_OUTPUT,
	F_OUTPUT_FILE,
	F_STRICT,
	F_CONFIG,
	F_ALL_ENVS,
	F_ENV,
	F_DEPLOYMENT,
	F_CONTAINER,
	F_MOUNT_PATH,
	F_VOLUME_NAME,
	F_FILE_NAME,
	F_REPORT,
	F_BITS,
	F_SECRET,
	F_PROPERTY,
	F_YES,
	F_HELP,
	F_KCV,
	F_SUBCHART,
	F_MAX_INPUT,
	F_ARGOCD_APP,
	F_REPO_ROOT,
	F_REF,
	F_HELMRELEASE,
	F_KUBE_VERSION,
	F_ARGOCD_NAMESPACE,
};

struct flag {
	enum flag_id id;
	const char *name; /* long name without dashes */
	char shortc;	  /* 0 = none */
	enum arg_kind arg;
	unsigned cmds;
	const char *metavar;
	const char *help;
};

static const struct flag flags[] = {
    {F_CHART, "chart", 0, A_ONE, VALS, "DIR|TGZ",
     "chart (folder or .tgz) with its subcharts: defaults, dependencies, globals as Helm loads "
     "them"},
    {F_SUBCHART, "subchart", 0, A_ONE, CMD_VALUES, "PATH",
     "print what this subchart sees (alias, or a.b when nested); needs --chart"},
    {F_VALUES, "values", 'f', A_ONE, VALS, "FILE",
     "values file (repeatable, '-' = stdin), as helm -f"},
    {F_SET, "set", 0, A_ONE, VALS, "K=V", "set values as helm --set (repeatable)"},
    {F_SET_STRING, "set-string", 0, A_ONE, VALS, "K=V", "as helm --set-string (repeatable)"},
    {F_SET_JSON, "set-json", 0, A_ONE, VALS, "K=JSON", "as helm --set-json (repeatable)"},
    {F_SET_FILE, "set-file", 0, A_ONE, VALS, "K=PATH", "as helm --set-file (repeatable)"},
    {F_SET_LITERAL, "set-literal", 0, A_ONE, VALS, "K=V", "as helm --set-literal (repeatable)"},
    {F_KUBE_VERSION, "kube-version", 0, A_ONE, CMD_CHECK | CMD_VALUES, "VER",
     "with --chart: the Kubernetes version its kubeVersion must admit, as helm template "
     "--kube-version (default Helm's: v1.32.0 for 3, v1.35.0 for 4)"},
    {F_HELM_COMPAT, "helm-compat", 0, A_ONE, VALS, "3|4",
     "merge values as this Helm major version does (default 4; differs only in nested nulls)"},
    {F_SECRET_FILE, "secret-file", 0, A_ONE, KEYS, "FILE",
     "Secret manifest(s): YAML or JSON, Secret, List or stream (repeatable, '-' = stdin)"},
    {F_KEY_FILE, "key-file", 0, A_ONE, KEYS, "FILE",
     "raw key file, e.g. from openssl rand -out (repeatable)"},
    {F_MANIFESTS, "manifests", 0, A_ONE, CMD_CHECK | CMD_KEY_INFO | CMD_VALUES | CMD_FLUX_PATCH,
     "FILE", "rendered manifests ('-' = stdin): Secrets there count, the Deployment is checked"},
    {F_CLUSTER, "cluster", 0, A_NONE, KEYS, NULL, "read the Secret from the cluster with kubectl"},
    {F_SECRET_NAME, "secret-name", 0, A_ONE, KEYS | CMD_FLUX_PATCH, "NAME",
     "Secret to read (overrides encryption.key.kubernetesSecretName)"},
    {F_SECRET_PROPERTY, "secret-property", 0, A_ONE, KEYS | CMD_FLUX_PATCH, "KEY",
     "Secret data key (overrides encryption.key.kubernetesSecretProperty)"},
    {F_NAMESPACE, "namespace", 'n', A_ONE, KEYS | CMD_KEYGEN, "NS",
     "release namespace (default $HELM_NAMESPACE)"},
    {F_KUBE_CONTEXT, "kube-context", 0, A_ONE, KEYS, "CTX",
     "kubeconfig context (default $HELM_KUBECONTEXT)"},
    {F_KUBECONFIG, "kubeconfig", 0, A_ONE, KEYS, "FILE", "kubeconfig file (default $KUBECONFIG)"},
    {F_RELEASE, "release", 0, A_ONE, CMD_CHECK | CMD_POST_RENDER, "NAME",
     "deployed release to guard an upgrade against"},
    {F_PREV_VALUES, "previous-values", 0, A_ONE, CMD_CHECK | CMD_POST_RENDER, "FILE",
     "values of the deployed release (offline upgrade guard)"},
    {F_PREV_KCV, "previous-kcv", 0, A_ONE, CMD_CHECK | CMD_POST_RENDER, "HEX",
     "KCV of the deployed key (offline upgrade guard)"},
    {F_ALLOW_UNSAFE, "allow-unsafe-upgrade", 0, A_NONE, CMD_CHECK | CMD_POST_RENDER, NULL,
     "report upgrade guard findings as warnings (only after wiping the CMF database)"},
    {F_OUTPUT, "output", 'o', A_ONE, CMD_CHECK | CMD_VALUES | CMD_KEY_INFO | CMD_RULES | CMD_KEYGEN,
     "FORMAT",
     "check: text|json|sarif|junit|github; values, key-info: yaml|json|text; keygen: the key file"},
    {F_OUTPUT_FILE, "output-file", 0, A_ONE, CMD_CHECK, "FILE", "write the report to FILE"},
    {F_STRICT, "strict", 0, A_NONE, CMD_CHECK | CMD_POST_RENDER, NULL,
     "warnings fail too (exit 1)"},
    {F_CONFIG, "config", 0, A_ONE, CMD_CHECK | CMD_POST_RENDER, "FILE",
     "config file (default .cmf-validate.yaml if present)"},
    {F_ALL_ENVS, "all-environments", 0, A_NONE, CMD_CHECK, NULL,
     "check every environment of the config file"},
    {F_ENV, "environment", 'e', A_ONE, CMD_CHECK | CMD_VALUES, "NAME",
     "use an environment of the config file"},
    {F_DEPLOYMENT, "deployment", 0, A_ONE, CMD_POST_RENDER | CMD_CHECK | CMD_FLUX_PATCH, "NAME",
     "name of the CMF Deployment"},
    {F_CONTAINER, "container", 0, A_ONE, CMD_POST_RENDER | CMD_CHECK | CMD_FLUX_PATCH, "NAME",
     "container to mount the key into (default cmf)"},
    {F_MOUNT_PATH, "mount-path", 0, A_ONE, CMD_POST_RENDER | CMD_CHECK | CMD_FLUX_PATCH, "PATH",
     "where the key is mounted (default /opt/cmf/encryption)"},
    {F_VOLUME_NAME, "volume-name", 0, A_ONE, CMD_POST_RENDER | CMD_CHECK | CMD_FLUX_PATCH, "NAME",
     "volume name (default cmf-encryption-key)"},
    {F_FILE_NAME, "file-name", 0, A_ONE, CMD_POST_RENDER | CMD_CHECK | CMD_FLUX_PATCH, "NAME",
     "file name of the key in the mount (default encryption-key)"},
    {F_REPORT, "report", 0, A_ONE, CMD_POST_RENDER, "FILE", "also write the report to FILE"},
    {F_KCV, "kcv", 0, A_ONE, CMD_POST_RENDER, "HEX",
     "KCV of the key (as the wrapper read it), recorded on the Deployment for upgrade guards"},
    {F_MAX_INPUT, "max-input", 0, A_ONE, VALS | KEYS, "SIZE",
     "largest input read: any file, stdin, post-render's stream (default 256Mi; Ki, Mi, Gi)"},
    {F_ARGOCD_APP, "argocd-app", 0, A_ONE, CMD_CHECK | CMD_VALUES, "FILE",
     "Argo CD Application(s): values computed as Argo CD's repo-server does"},
    {F_REPO_ROOT, "repo-root", 0, A_ONE, CMD_CHECK | CMD_VALUES | CMD_FLUX_PATCH, "DIR",
     "Git checkout that --argocd-app/--helmrelease paths are in (default .)"},
    {F_REF, "ref", 0, A_ONE, CMD_CHECK | CMD_VALUES, "NAME=DIR",
     "checkout of the multi-source ref NAME ($NAME/... value files; repeatable)"},
    {F_ARGOCD_NAMESPACE, "argocd-namespace", 0, A_ONE, CMD_CHECK | CMD_VALUES, "NS",
     "namespace Argo CD runs in (default argocd): Applications elsewhere read "
     ".argocd-source-NS_APP.yaml"},
    {F_HELMRELEASE, "helmrelease", 0, A_ONE, CMD_CHECK | CMD_VALUES | CMD_FLUX_PATCH, "FILE",
     "Flux HelmRelease(s): values as helm-controller computes them (valuesFrom from --manifests)"},
    {F_BITS, "bits", 0, A_ONE, CMD_KEYGEN, "128|256", "key size (default 256)"},
    {F_SECRET, "secret", 0, A_ONE, CMD_KEYGEN, "NAME", "print a Secret manifest with this name"},
    {F_PROPERTY, "property", 0, A_ONE, CMD_KEYGEN, "KEY", "data key of the Secret"},
    {F_YES, "yes", 'y', A_NONE, CMD_INSTALL_PR, NULL, "do not ask"},
    {F_HELP, "help", 'h', A_NONE, ~0u, NULL, "show help"},
};

/* "256Mi", "64M", "1Gi", "1048576": binary units whatever the spelling
 * (K, Ki, KiB, M, ...), as the limit is about memory. At least 1 KiB. */
int cli_parse_size(const char *v, size_t *out)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {{"", 0},	 {"K", 10},   {"Ki", 10}, {"KiB", 10}, {"M", 20},
		     {"Mi", 20}, {"MiB", 20}, {"G", 30},  {"Gi", 30},  {"GiB", 30}};
	unsigned long long n = 0;
	size_t i;

	if (*v < '0' || *v > '9')
		return -1;
	for (; *v >= '0' && *v <= '9'; v++) {
		n = n * 10 + (unsigned)(*v - '0');
		if (n > (1ULL << 40))
			return -1;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(v, units[i].suffix) == 0) {
			n <<= units[i].shift;
			if (n < 1024 || n > (1ULL << 40) || n > SIZE_MAX / 2)
				return -1;
			*out = (size_t)n;
			return 0;
		}
	}
	return -1;
}

static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cmf-validate %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun 'cmf-validate %s --help' for usage.\n", cmd);
	return 2;
}

static int push_str(const char ***v, size_t *n, const char *s)
{
	const char **nv = cmfv_realloc((void *)*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return -1;
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

/* Split a flag value the way pflag's StringSlice does (the first record of
 * Go's encoding/csv: commas separate, double quotes protect them, a line end
 * ends it) and push the parts. The parts are new strings, kept in \p owned
 * for cli_opts_free. Returns 0, -1 when out of memory, -2 for a value pflag
 * refuses (message in \p err). */
static int push_csv(const char ***v, size_t *n, const char *s, char ***owned, char *err,
		    size_t errlen)
{
	char **parts = NULL;
	size_t np = 0, i, k = 0;
	char **no;
	int r;

	/* pflag reads "" as no value at all: -f '' and --values= are ignored */
	if (s[0] == '\0')
		return 0;
	r = cmfv_csv_record(s, &parts, &np, err, errlen);
	if (r != 0)
		return r == -1 ? -2 : -1;
	while (*owned && (*owned)[k])
		k++;
	no = cmfv_realloc(*owned, (k + np + 1) * sizeof(*no));
	if (no == NULL) {
		for (i = 0; i < np; i++)
			cmfv_free(parts[i]);
		cmfv_free(parts);
		return -1;
	}
	*owned = no;
	for (i = 0; i < np; i++)
		no[k++] = parts[i];
	no[k] = NULL;
	for (i = 0; i < np && r == 0; i++)
		r = push_str(v, n, parts[i]);
	cmfv_free(parts);
	return r;
}

static int push_set(struct cli_opts *o, enum cmfv_set_kind k, const char *arg)
{
	struct cmfv_set_flag *nv = cmfv_realloc(o->sets, (o->nsets + 1) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	nv[o->nsets].kind = k;
	nv[o->nsets].arg = arg;
	nv[o->nsets].index = (unsigned)o->nsets + 1;
	o->nsets++;
	o->sets = nv;
	return 0;
}

static int apply(struct cli_opts *o, const struct flag *f, const char *v)
{
	int r = 0;

	switch (f->id) {
	case F_CHART:
		o->chart = v;
		break;
	case F_SUBCHART:
		o->subchart = v;
		break;
	case F_KUBE_VERSION:
		o->kube_version = v;
		break;
	case F_VALUES:
		/* Helm's -f is a string slice: "a.yaml,b.yaml" is two files */
		{
			char err[128];

			r = push_csv(&o->files, &o->nfiles, v, &o->owned, err, sizeof(err));
			if (r == -2)
				return usage_error(o->cmd_name,
						   "invalid argument \"%s\" for -f, --values: %s",
						   v, err);
			break;
		}
	case F_SET:
		r = push_set(o, CMFV_SET, v);
		break;
	case F_SET_STRING:
		r = push_set(o, CMFV_SET_STRING, v);
		break;
	case F_SET_JSON:
		r = push_set(o, CMFV_SET_JSON, v);
		break;
	case F_SET_FILE:
		r = push_set(o, CMFV_SET_FILE, v);
		break;
	case F_SET_LITERAL:
		r = push_set(o, CMFV_SET_LITERAL, v);
		break;
	case F_HELM_COMPAT:
		if (strcmp(v, "3") != 0 && strcmp(v, "4") != 0)
			return usage_error(o->cmd_name, "--helm-compat must be 3 or 4, not '%s'",
					   v);
		o->helm_major = atoi(v);
		break;
	case F_SECRET_FILE:
		r = push_str(&o->secret_files, &o->nsecret_files, v);
		break;
	case F_KEY_FILE:
		r = push_str(&o->key_files, &o->nkey_files, v);
		break;
	case F_MANIFESTS:
		r = push_str(&o->manifests, &o->nmanifests, v);
		break;
	case F_CLUSTER:
		o->cluster = 1;
		break;
	case F_SECRET_NAME:
		o->secret_name = v;
		break;
	case F_SECRET_PROPERTY:
		o->secret_property = v;
		break;
	case F_NAMESPACE:
		o->namespace = v;
		o->namespace_from_flag = 1;
		break;
	case F_KUBE_CONTEXT:
		o->kube_context = v;
		break;
	case F_KUBECONFIG:
		o->kubeconfig = v;
		break;
	case F_RELEASE:
		o->release = v;
		break;
	case F_PREV_VALUES:
		o->previous_values = v;
		break;
	case F_PREV_KCV:
		o->previous_kcv = v;
		break;
	case F_ALLOW_UNSAFE:
		o->allow_unsafe_upgrade = 1;
		break;
	case F_OUTPUT:
		if (o->cmd == CMD_KEYGEN) {
			o->out_file = v;
			break;
		}
		if (o->noutputs == CLI_MAX_OUTPUTS)
			return usage_error(o->cmd_name, "too many -o flags");
		o->outputs[o->noutputs++] = v;
		break;
	case F_OUTPUT_FILE:
		o->output_file = v;
		break;
	case F_STRICT:
		o->strict = 1;
		break;
	case F_CONFIG:
		o->config = v;
		break;
	case F_ALL_ENVS:
		o->all_environments = 1;
		break;
	case F_ENV:
		o->environment = v;
		break;
	case F_DEPLOYMENT:
		o->deployment = v;
		break;
	case F_CONTAINER:
		o->container = v;
		break;
	case F_MOUNT_PATH:
		o->mount_path = v;
		break;
	case F_VOLUME_NAME:
		o->volume_name = v;
		break;
	case F_FILE_NAME:
		o->file_name = v;
		break;
	case F_REPORT:
		o->report_file = v;
		break;
	case F_BITS:
		if (strcmp(v, "128") != 0 && strcmp(v, "256") != 0)
			return usage_error(o->cmd_name, "--bits must be 128 or 256, not '%s'", v);
		o->bits = atoi(v);
		break;
	case F_SECRET:
		o->secret = v;
		break;
	case F_PROPERTY:
		o->property = v;
		break;
	case F_YES:
		o->yes = 1;
		break;
	case F_HELP:
		o->help = 1;
		break;
	case F_KCV:
		o->kcv = v;
		break;
	case F_MAX_INPUT:
		if (cli_parse_size(v, &o->max_input) != 0)
			return usage_error(
			    o->cmd_name,
			    "--max-input must be a size from 1Ki to 1024Gi such as 64Mi "
			    "or 1Gi (bytes, or K/Ki, M/Mi, G/Gi: powers of 1024), not "
			    "'%s'",
			    v);
		break;
	case F_ARGOCD_APP:
		o->argocd_app = v;
		break;
	case F_REPO_ROOT:
		o->repo_root = v;
		break;
	case F_REF:
		if (strchr(v, '=') == NULL || v[0] == '=')
			return usage_error(o->cmd_name, "--ref takes NAME=DIR, not '%s'", v);
		r = push_str(&o->refs, &o->nrefs, v);
		break;
	case F_HELMRELEASE:
		o->helmrelease = v;
		break;
	case F_ARGOCD_NAMESPACE:
		o->argocd_namespace = v;
		break;
	}
	if (r != 0) {
		fprintf(stderr, "cmf-validate: out of memory\n");
		return 3;
	}
	return 0;
}

static const struct flag *find_long(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
			return &flags[i];
	return NULL;
}

static const struct flag *find_short(char c)
{
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (flags[i].shortc == c)
			return &flags[i];
	return NULL;
}

/* CMFV_MAX_INPUT: the --max-input default for every command (Helm runs
 * post-render with no flags of ours); a flag given after it wins. A value
 * that is not a size is a usage error, never ignored: a limit someone set
 * must not silently be the default. */
static int env_max_input(struct cli_opts *o)
{
	const char *v = getenv("CMFV_MAX_INPUT");

	if (v == NULL || v[0] == '\0')
		return 0;
	if (cli_parse_size(v, &o->max_input) != 0)
		return usage_error(
		    o->cmd_name,
		    "CMFV_MAX_INPUT must be a size from 1Ki to 1024Gi such as 64Mi or "
		    "1Gi (bytes, or K/Ki, M/Mi, G/Gi: powers of 1024), not '%.64s'",
		    v);
	return 0;
}

size_t cli_max_input_env(void)
{
	const char *v = getenv("CMFV_MAX_INPUT");
	size_t n;

	return v && cli_parse_size(v, &n) == 0 ? n : CMFV_MAX_INPUT;
}

int cli_parse(enum cli_cmd cmd, const char *cmd_name, int argc, char **argv, struct cli_opts *o)
{
	int i, only_positional = 0;

	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	o->cmd_name = cmd_name;
	if (env_max_input(o) != 0)
		return 2;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const struct flag *f = NULL;
		const char *val = NULL;
		char shown[128];
		int r;

		if (only_positional || a[0] != '-' || strcmp(a, "-") == 0) {
			char **nv = cmfv_realloc(o->rest, (o->nrest + 1) * sizeof(*nv));

			if (nv == NULL)
				return 3;
			nv[o->nrest++] = argv[i];
			o->rest = nv;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_positional = 1;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			f = find_long(a + 2, len);
			if (eq)
				val = eq + 1;
			snprintf(shown, sizeof(shown), "--%.*s", (int)len, a + 2);
		} else {
			f = find_short(a[1]);
			if (a[2] == '=' && a[3] != '\0')
				val = a + 3; /* -f=FILE, as pflag reads it */
			else if (a[2] != '\0')
				val = a + 2; /* -fFILE */
			snprintf(shown, sizeof(shown), "-%c", a[1]);
		}
		if (f == NULL || !(f->cmds & (unsigned)cmd))
			return usage_error(cmd_name, "unknown flag %s", shown);
		if (f->arg == A_NONE && val != NULL)
			return usage_error(cmd_name, "flag %s takes no value", shown);
		if (f->arg == A_ONE && val == NULL) {
			if (i + 1 >= argc)
				return usage_error(cmd_name, "flag %s needs a value", shown);
			val = argv[++i];
		}
		r = apply(o, f, val);
		if (r != 0)
			return r;
	}
	return 0;
}

void cli_opts_free_owned(struct cli_opts *o)
{
	size_t k;

	for (k = 0; o->owned && o->owned[k]; k++)
		cmfv_free(o->owned[k]);
	cmfv_free(o->owned);
	o->owned = NULL;
}

void cli_opts_free(struct cli_opts *o)
{
	cli_opts_free_owned(o);
	cmfv_free((void *)o->files);
	cmfv_free(o->sets);
	cmfv_free((void *)o->secret_files);
	cmfv_free((void *)o->key_files);
	cmfv_free((void *)o->manifests);
	cmfv_free((void *)o->refs);
	cmfv_free(o->rest);
	memset(o, 0, sizeof(*o));
}

void cli_print_flags(enum cli_cmd cmd)
{
	size_t i;

	printf("Flags:\n");
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		char left[64];
		const struct flag *f = &flags[i];

		if (!(f->cmds & (unsigned)cmd))
			continue;
		if (f->shortc)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", f->shortc, f->name,
				 f->metavar ? " " : "", f->metavar ? f->metavar : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", f->name, f->metavar ? " " : "",
				 f->metavar ? f->metavar : "");
		printf("  %-30s %s\n", left, f->help);
	}
}

int cli_add_values_file(struct cli_opts *o, const char *v)
{
	char err[128];

	return push_csv(&o->files, &o->nfiles, v, &o->owned, err, sizeof(err)) ? -1 : 0;
}

int cli_add_values_path(struct cli_opts *o, const char *path)
{
	return push_str(&o->files, &o->nfiles, path);
}

void cli_values_input(const struct cli_opts *o, struct cmfv_values_input *in)
{
	memset(in, 0, sizeof(*in));
	in->chart_dir = o->chart;
	/* the wrapper leaves kubeVersion to Helm, which checks it against the
	 * cluster (install/upgrade) or --kube-version (template) itself */
	in->kube_version = o->chart_lenient			 ? ""
			   : o->kube_version && *o->kube_version ? o->kube_version
								 : NULL;
	in->files = o->files;
	in->nfiles = o->nfiles;
	in->sets = o->sets;
	in->nsets = o->nsets;
	in->helm_major = o->helm_major ? o->helm_major : 4;
}

int cli_has_values(const struct cli_opts *o)
{
	return o->chart != NULL || o->nfiles > 0 || o->nsets > 0;
}

static void completion_flags(enum cli_cmd cmd, const char *indent)
{
	size_t i;

	printf("%sflags:\n", indent);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!(flags[i].cmds & (unsigned)cmd))
			continue;
		/* quoted: Helm reads this file with YAML 1.1, where y, yes and n
		 * are booleans (and a duplicate flag makes Helm 3 panic) */
		printf("%s- \"%s\"\n", indent, flags[i].name);
		if (flags[i].shortc)
			printf("%s- \"%c\"\n", indent, flags[i].shortc);
	}
}

void cli_print_completion(void)
{
	static const struct {
		const char *name;
		enum cli_cmd cmd;
	} cmds[] = {
	    {"check", CMD_CHECK},	    {"post-render", CMD_POST_RENDER},
	    {"values", CMD_VALUES},	    {"keygen", CMD_KEYGEN},
	    {"key-info", CMD_KEY_INFO},	    {"install-post-renderer", CMD_INSTALL_PR},
	    {"rules", CMD_RULES},	    {"version", CMD_VERSION},
	    {"flux-patch", CMD_FLUX_PATCH},
	};
	static const char *const wrapped[] = {"install", "upgrade", "template"};
	size_t i;

	printf("# Helm plugin completion for cmf-validate; generated by\n"
	       "# `cmf-validate __completion` (tests/lint/completion.sh keeps it in step).\n"
	       "name: cmf-validate\n");
	completion_flags(CMD_CHECK, "");
	printf("commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		printf("- name: %s\n", cmds[i].name);
		completion_flags(cmds[i].cmd, "  ");
	}
	for (i = 0; i < sizeof(wrapped) / sizeof(wrapped[0]); i++)
		printf("- name: %s\n  flags:\n  - \"cmf-no-cluster\"\n  - \"cmf-secret-file\"\n"
		       "  - \"cmf-key-file\"\n  - \"cmf-config\"\n  - \"cmf-strict\"\n"
		       "  - \"cmf-allow-unsafe-upgrade\"\n  - \"cmf-install-post-renderer\"\n",
		       wrapped[i]);
}
