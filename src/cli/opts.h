/* Command-line flags shared by the commands. One table (opts.c) lists every
 * flag and the commands that accept it, so --help and completion agree. */
#ifndef CMFV_CLI_OPTS_H
#define CMFV_CLI_OPTS_H

#include <stddef.h>

#include "cmfv/values.h"

enum cli_cmd {
	CMD_CHECK = 1 << 0,
	CMD_VALUES = 1 << 1,
	CMD_POST_RENDER = 1 << 2,
	CMD_KEYGEN = 1 << 3,
	CMD_KEY_INFO = 1 << 4,
	CMD_RULES = 1 << 5,
	CMD_VERSION = 1 << 6,
	CMD_INSTALL_PR = 1 << 7,
	CMD_WRAPPER = 1 << 8,
	CMD_FLUX_PATCH = 1 << 9,
};

#define CLI_MAX_OUTPUTS 8

struct cli_opts {
	enum cli_cmd cmd;
	const char *cmd_name;

	/* values */
	const char *chart;
	const char *subchart;	  /* values --subchart */
	const char *kube_version; /* --kube-version, with --chart */
	int chart_lenient;	  /* the wrapper: a chart that holds no chart named
				     confluent-manager-for-apache-flink (a renamed fork) is
				     checked as CMF's own; the post-renderer judges the render */
	const char **files;
	size_t nfiles;
	struct cmfv_set_flag *sets;
	size_t nsets;
	int helm_major;

	/* key sources */
	const char **secret_files;
	size_t nsecret_files;
	const char **key_files;
	size_t nkey_files;
	const char **manifests;
	size_t nmanifests;
	int cluster;
	const char *secret_name;
	const char *secret_property;
	const char *namespace; /* -n, else $HELM_NAMESPACE */
	int namespace_from_flag;
	const char *kube_context; /* else $HELM_KUBECONTEXT */
	const char *kubeconfig;	  /* else $KUBECONFIG */

	/* upgrade guards */
	const char *release;
	const char *previous_values;
	const char *previous_kcv;
	int allow_unsafe_upgrade;

	/* output */
	const char *outputs[CLI_MAX_OUTPUTS];
	size_t noutputs;
	const char *output_file;
	int strict;
	const char *config;
	int all_environments;
	const char *environment;

	/* post-render */
	const char *deployment;
	const char *container;
	const char *mount_path;
	const char *volume_name;
	const char *file_name;
	const char *report_file;
	const char *kcv;  /* post-render --kcv: the key's KCV, known elsewhere */
	size_t max_input; /* --max-input in bytes; 0 = CMFV_MAX_INPUT */

	/* keygen */
	int bits;
	const char *out_file; /* keygen -o FILE */
	const char *secret;   /* keygen --secret */
	const char *property; /* keygen --property */

	/* GitOps (gitops.c) */
	const char *argocd_app;	      /* --argocd-app FILE */
	const char *helmrelease;      /* --helmrelease FILE */
	const char *repo_root;	      /* --repo-root DIR */
	const char *argocd_namespace; /* --argocd-namespace NS */
	const char **refs;	      /* --ref NAME=DIR */
	size_t nrefs;

	/* install-post-renderer / wrapper */
	int yes;
	int no_cluster;

	int help;
	char **rest;  /* positional arguments (borrowed from argv) */
	char **owned; /* strings made while parsing (NULL-terminated), freed with the opts */
	size_t nrest;
};

/** Parse argv (after the command word) for \p cmd. On a usage error prints
 * "cmf-validate: ..." to stderr and returns 2; 0 on success. */
/** "256Mi", "64M", "1Gi", "1048576" (binary units) into \p *out; at least
 * 1 KiB, at most 1 TiB. 0, or -1 when it is not such a size. */
int cli_parse_size(const char *v, size_t *out);

/** The input limit in effect without a --max-input flag: CMFV_MAX_INPUT
 * when it is a size, else the default. */
size_t cli_max_input_env(void);

int cli_parse(enum cli_cmd cmd, const char *cmd_name, int argc, char **argv, struct cli_opts *o);
void cli_opts_free(struct cli_opts *o);
/** Free only the strings parsing made (for opts whose arrays are not ours). */
void cli_opts_free_owned(struct cli_opts *o);

/** Print the flags \p cmd accepts, for --help. */
void cli_print_flags(enum cli_cmd cmd);

/** Print Helm's completion.yaml for the plugin (commands and flags). */
void cli_print_completion(void);

/** Add a -f/--values argument: comma-separated files, as Helm's flag. */
int cli_add_values_file(struct cli_opts *o, const char *v);

/** Add one values file by name, unsplit (borrowed: it must outlive \p o). */
int cli_add_values_path(struct cli_opts *o, const char *path);

/** Build the values pipeline input from \p o. */
void cli_values_input(const struct cli_opts *o, struct cmfv_values_input *in);

/** Does \p o give any values input (chart, -f, --set*)? */
int cli_has_values(const struct cli_opts *o);

#endif
