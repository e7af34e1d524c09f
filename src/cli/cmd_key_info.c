/* key-info: length, KCV and verdict of the key in each source; do they all
 * hold the same key? */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/json.h"
#include "cmfv/keyrules.h"
#include "cmfv/redact.h"
#include "commands.h"
#include "keysrc.h"

struct source {
	char label[700];
	int is_secret; /* a Secret source (not a raw key file) */
	struct cmfv_secret_value v;
	struct cmfv_key_check c;
	const char *verdict;
};

static void help(void)
{
	printf("Usage: cmf-validate key-info [--key-file FILE]... [--secret-file FILE]... "
	       "[--manifests FILE]...\n"
	       "                            [--cluster] [--secret-name NAME --secret-property KEY] "
	       "[-n NS] [-o text|json]\n\n"
	       "Print the length, key check value (KCV) and verdict of the key in each source;\n"
	       "never the key. The KCV is the first 3 bytes of AES-ECB(key, 16 zero bytes): two\n"
	       "keys with the same KCV are the same key.\n\n"
	       "Exit status: with two or more sources, 0 when they all hold the same usable key\n"
	       "and 1 when not (prove that a backup matches the cluster); with one source, 0 when\n"
	       "its key has a usable length and 1 when not. 2 and 3 as for every command.\n\n"
	       "Example:\n  cmf-validate key-info --key-file backup/cmf.key --cluster "
	       "--secret-name cmf-encryption-key --secret-property encryption-key -n flink\n\n");
	cli_print_flags(CMD_KEY_INFO);
}

static int load(const struct cli_opts *o, struct cli_run *run, size_t i, struct source *s)
{
	size_t k;
	const char *path;

	if (i < o->nkey_files) {
		snprintf(s->label, sizeof(s->label), "--key-file %s", o->key_files[i]);
		return keysrc_load_file(run, o->key_files[i], &s->v);
	}
	s->is_secret = 1;
	k = i - o->nkey_files;
	if (k < o->nsecret_files + o->nmanifests) {
		path =
		    k < o->nsecret_files ? o->secret_files[k] : o->manifests[k - o->nsecret_files];
		snprintf(s->label, sizeof(s->label), "%s %s",
			 k < o->nsecret_files ? "--secret-file" : "--manifests", path);
		return keysrc_find(run, path, o->secret_name, o->secret_property, &s->v);
	}
	snprintf(s->label, sizeof(s->label), "--cluster (namespace %s)",
		 run->namespace ? run->namespace : "of the kubectl context");
	return keysrc_cluster(o, run, o->secret_name, o->secret_property, &s->v);
}

static int usable(const struct source *s)
{
	return s->v.status == CMFV_SECRET_FOUND && s->c.verdict == CMFV_KEY_OK;
}

static void json_str_or_null(struct cmfv_buf *b, const char *s)
{
	if (s)
		cmfv_json_str(b, s, strlen(s));
	else
		cmfv_buf_puts(b, "null");
}

/* A name that came from the user or a Secret: never echoed when it looks
 * like key material (docs/keys.md). */
static void json_name(struct cmfv_buf *b, const char *s)
{
	if (s && cmfv_redact_looks_secret(s, strlen(s)))
		cmfv_buf_puts(b, "\"[redacted]\"");
	else
		json_str_or_null(b, s);
}

static void render_json(const struct cli_opts *o, const struct source *src, size_t n, int same,
			struct cmfv_buf *b)
{
	size_t i;

	cmfv_buf_puts(b, "{\n  \"version\": 1,\n  \"sources\": [");
	for (i = 0; i < n; i++) {
		const struct source *s = &src[i];
		int found = s->v.status == CMFV_SECRET_FOUND;

		cmfv_buf_puts(b, i ? ",\n    {\"source\": " : "\n    {\"source\": ");
		json_str_or_null(b, s->label);
		cmfv_buf_puts(b, ", \"secret\": ");
		json_name(b, s->is_secret ? o->secret_name : NULL);
		cmfv_buf_puts(b, ", \"property\": ");
		json_name(b, s->is_secret ? o->secret_property : NULL);
		cmfv_buf_puts(b, ", \"namespace\": ");
		json_name(b, s->v.namespace);
		if (found)
			cmfv_buf_printf(b, ", \"length\": %zu", s->v.len);
		else
			cmfv_buf_puts(b, ", \"length\": null");
		cmfv_buf_puts(b, ", \"kcv\": ");
		json_str_or_null(b, usable(s) ? s->c.kcv : NULL);
		cmfv_buf_puts(b, ", \"verdict\": ");
		json_str_or_null(b, s->verdict);
		cmfv_buf_puts(b, ", \"weakness\": ");
		json_str_or_null(b, usable(s) && s->c.weakness != CMFV_WEAK_NONE
					? cmfv_key_weakness_name(s->c.weakness)
					: NULL);
		cmfv_buf_puts(b, "}");
	}
	cmfv_buf_printf(b, "%s],\n  \"same\": %s\n}\n", n ? "\n  " : "",
			n > 1 ? (same ? "true" : "false") : "null");
}

static void render_text(const struct source *src, size_t n, int same, struct cmfv_buf *b)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct source *s = &src[i];

		cmfv_buf_printf(b, "%s: ", s->label);
		/* the KCV last: scripts take it with sed 's/.*KCV //' */
		if (s->v.status != CMFV_SECRET_FOUND)
			cmfv_buf_printf(b, "%s\n", s->verdict);
		else if (usable(s) && s->c.weakness != CMFV_WEAK_NONE)
			cmfv_buf_printf(b, "weak (%s), %zu bytes, KCV %s\n",
					cmfv_key_weakness_name(s->c.weakness), s->v.len, s->c.kcv);
		else if (usable(s))
			cmfv_buf_printf(b, "ok, %zu bytes, KCV %s\n", s->v.len, s->c.kcv);
		else
			cmfv_buf_printf(
			    b,
			    "%s, %zu bytes, not a usable key (cmf-validate check tells the fix)\n",
			    s->verdict, s->v.len);
	}
	if (n > 1)
		cmfv_buf_puts(b, same ? "same key in every source\n"
				      : "the sources do NOT hold the same usable key\n");
}

int cmd_key_info(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_run run;
	struct source *src = NULL;
	struct cmfv_buf b = {0};
	size_t n = 0, i, total = 0;
	int rc = cli_parse(CMD_KEY_INFO, "key-info", argc, argv, &o), json = 0, same = 1;

	memset(&run, 0, sizeof(run));
	if (rc != 0)
		goto out;
	run.sources.max_input = o.max_input;
	if (o.help) {
		help();
		goto out;
	}
	if (o.noutputs) {
		const char *f = o.outputs[o.noutputs - 1];

		json = strcmp(f, "json") == 0;
		if (!json && strcmp(f, "text") != 0) {
			fprintf(stderr,
				"cmf-validate key-info: unknown output format '%s' (text, json)\n",
				f);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	total = o.nkey_files + o.nsecret_files + o.nmanifests + (o.cluster ? 1 : 0);
	if (total == 0 || o.nrest) {
		fprintf(stderr, "cmf-validate key-info: give one or more key sources (--key-file, "
				"--secret-file, --manifests, --cluster)\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if (total > o.nkey_files &&
	    (!o.secret_name || !o.secret_name[0] || !o.secret_property || !o.secret_property[0])) {
		fprintf(stderr, "cmf-validate key-info: --secret-file, --manifests and --cluster "
				"need --secret-name NAME and --secret-property KEY\n");
		rc = EXIT_USAGE;
		goto out;
	}
	run.namespace = cli_namespace(&o);
	src = cmfv_calloc(total, sizeof(*src));
	if (src == NULL) {
		fprintf(stderr, "cmf-validate: out of memory\n");
		rc = EXIT_ENV;
		goto out;
	}
	for (i = 0; i < total; i++, n++) {
		struct source *s = &src[i];

		rc = load(&o, &run, i, s);
		if (rc != 0)
			goto out;
		if (s->v.status == CMFV_SECRET_FOUND)
			cmfv_key_check(s->v.key, s->v.len, &s->c);
		s->verdict = cmfv_key_verdict_word(&s->v, &s->c);
	}
	/* the same key everywhere? compared in constant time */
	for (i = 0; i < n; i++)
		if (!usable(&src[i]) ||
		    !cmfv_key_equal(src[i].v.key, src[i].v.len, src[0].v.key, src[0].v.len))
			same = 0;
	if (json)
		render_json(&o, src, n, same, &b);
	else
		render_text(src, n, same, &b);
	if (b.failed) {
		fprintf(stderr, "cmf-validate: out of memory\n");
		rc = EXIT_ENV;
		goto out;
	}
	if (fwrite(b.ptr, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
		perror("cmf-validate: write");
		rc = EXIT_ENV;
		goto out;
	}
	rc = same ? EXIT_CLEAN : EXIT_FINDINGS;
out:
	for (i = 0; src && i < total; i++)
		cmfv_secret_value_clear(&src[i].v);
	if (src)
		OPENSSL_cleanse(src, total * sizeof(*src));
	cmfv_free(src);
	cmfv_buf_free(&b);
	cli_run_free(&run);
	cli_opts_free(&o);
	return rc;
}
