/* key-info: length and KCV of each key source; do they hold the same key? */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/json.h"
#include "commands.h"
#include "keysrc.h"

struct source {
	char label[600];
	struct cmfv_secret_value v;
	struct cmfv_key_check c;
	const char *problem; /* NULL when the key is usable */
};

static void help(void)
{
	printf("Usage: cmf-validate key-info [--key-file FILE]... [--secret-file FILE]... [--cluster]\n"
	       "                            [--secret-name NAME --secret-property KEY] [-n NS] [-o text|json]\n\n"
	       "Print the length, key check value (KCV) and verdict of the key in each source\n"
	       "(never the key). With two or more sources, exit 0 when they all hold the same\n"
	       "key and 1 when not: prove that your backup matches the cluster.\n\n"
	       "Example:\n  cmf-validate key-info --key-file backup/cmf.key --cluster --secret-name cmf-encryption-key --secret-property encryption-key -n flink\n\n");
	cli_print_flags(CMD_KEY_INFO);
}

static const char *problem_of(const struct source *s)
{
	switch (s->v.status) {
	case CMFV_SECRET_NOT_FOUND:
		return "Secret not found";
	case CMFV_SECRET_NO_PROPERTY:
		return "no such property in the Secret";
	case CMFV_SECRET_BAD_BASE64:
		return "not valid base64";
	case CMFV_SECRET_FOUND:
		break;
	}
	switch (s->c.verdict) {
	case CMFV_KEY_OK:
		return NULL;
	case CMFV_KEY_DOUBLE_BASE64:
	case CMFV_KEY_DOUBLE_HEX:
		return "encoded twice";
	case CMFV_KEY_TRAILING_NEWLINE:
		return "trailing newline";
	case CMFV_KEY_BAD_LENGTH:
		break;
	}
	return "not 16 or 32 bytes";
}

int cmd_key_info(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_run run;
	struct source *src = NULL;
	size_t n = 0, i, total;
	int rc = cli_parse(CMD_KEY_INFO, "key-info", argc, argv, &o), json, same = 1;

	if (rc != 0) {
		cli_opts_free(&o);
		return rc;
	}
	if (o.help) {
		help();
		cli_opts_free(&o);
		return 0;
	}
	json = o.noutputs && strcmp(o.outputs[o.noutputs - 1], "json") == 0;
	if (o.noutputs && !json && strcmp(o.outputs[o.noutputs - 1], "text") != 0) {
		fprintf(stderr, "cmf-validate key-info: unknown output format '%s' (text, json)\n",
			o.outputs[o.noutputs - 1]);
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	total = o.nkey_files + o.nsecret_files + o.nmanifests + (o.cluster ? 1 : 0);
	if (total == 0 || o.nrest) {
		fprintf(stderr, "cmf-validate key-info: give one or more key sources (--key-file, --secret-file, --manifests, --cluster)\n");
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	if (total > o.nkey_files && (!o.secret_name || !o.secret_property)) {
		fprintf(stderr, "cmf-validate key-info: Secret sources need --secret-name and --secret-property\n");
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	memset(&run, 0, sizeof(run));
	run.namespace = cli_namespace(&o);
	src = calloc(total, sizeof(*src));
	if (src == NULL) {
		cli_opts_free(&o);
		return EXIT_ENV;
	}
	for (i = 0; rc == 0 && i < total; i++) {
		struct source *s = &src[n];

		if (i < o.nkey_files) {
			snprintf(s->label, sizeof(s->label), "--key-file %s", o.key_files[i]);
			rc = keysrc_load_file(&run, o.key_files[i], &s->v);
		} else if (i < o.nkey_files + o.nsecret_files + o.nmanifests) {
			size_t k = i - o.nkey_files;
			const char *path = k < o.nsecret_files ? o.secret_files[k] : o.manifests[k - o.nsecret_files];

			snprintf(s->label, sizeof(s->label), "%s %s", k < o.nsecret_files ? "--secret-file" : "--manifests",
				 path);
			rc = keysrc_find(&run, path, o.secret_name, o.secret_property, &s->v);
		} else {
			snprintf(s->label, sizeof(s->label), "--cluster (Secret %s, namespace %s)", o.secret_name,
				 run.namespace ? run.namespace : "of the current context");
			rc = keysrc_cluster(&o, &run, o.secret_name, o.secret_property, &s->v);
		}
		if (rc != 0)
			break;
		if (s->v.status == CMFV_SECRET_FOUND)
			cmfv_key_check(s->v.key, s->v.len, &s->c);
		s->problem = problem_of(s);
		n++;
	}
	if (rc == 0) {
		/* the same key everywhere? compared in constant time, then wiped */
		for (i = 0; i < n; i++)
			if (src[i].problem || (i > 0 && (src[i].v.len != src[0].v.len ||
							 CRYPTO_memcmp(src[i].v.key, src[0].v.key, src[0].v.len) != 0)))
				same = 0;
		if (json) {
			struct cmfv_buf b = {0};

			cmfv_buf_puts(&b, "{\n  \"sources\": [");
			for (i = 0; i < n; i++) {
				cmfv_buf_puts(&b, i ? ",\n    {\"source\": " : "\n    {\"source\": ");
				cmfv_json_str(&b, src[i].label, strlen(src[i].label));
				cmfv_buf_printf(&b, ", \"length\": %zu, \"kcv\": ", src[i].v.len);
				if (src[i].problem)
					cmfv_buf_printf(&b, "null, \"problem\": \"%s\"}", src[i].problem);
				else
					cmfv_buf_printf(&b, "\"%s\", \"problem\": null}", src[i].c.kcv);
			}
			cmfv_buf_printf(&b, "\n  ],\n  \"same\": %s\n}\n", n > 1 ? (same ? "true" : "false") : "null");
			if (!b.failed)
				fwrite(b.ptr, 1, b.len, stdout);
			cmfv_buf_free(&b, 0);
		} else {
			for (i = 0; i < n; i++) {
				if (src[i].problem)
					printf("%s: %zu bytes, %s\n", src[i].label, src[i].v.len, src[i].problem);
				else
					printf("%s: %zu bytes, KCV %s\n", src[i].label, src[i].v.len, src[i].c.kcv);
			}
			if (n > 1)
				printf("%s\n", same ? "same key in every source" : "the sources do NOT hold the same usable key");
		}
		if (fflush(stdout) != 0 || ferror(stdout)) {
			perror("cmf-validate: write");
			rc = EXIT_ENV;
		} else {
			rc = same ? EXIT_CLEAN : EXIT_FINDINGS;
		}
	}
	for (i = 0; i < total; i++)
		cmfv_secret_value_clear(&src[i].v);
	free(src);
	cli_run_free(&run);
	cli_opts_free(&o);
	return rc;
}
