/* values: print the merged values as Helm computes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"
#include "cmfv/json.h"
#include "cmfv/scalar.h"
#include "cmfv/values.h"
#include "commands.h"

static int yaml_write(void *data, unsigned char *buffer, size_t size)
{
	return cmfv_buf_add(data, buffer, size) == CMFV_OK;
}

static int emit_scalar(yaml_emitter_t *em, const char *s, size_t len, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)(uintptr_t)s, (int)len, 1, 1,
				     style);
	return yaml_emitter_emit(em, &ev);
}

static int cmp_pairs(const void *a, const void *b)
{
	const struct cmfv_pair *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

/* A string that would read back as something else is quoted. */
static yaml_scalar_style_t str_style(const char *s, size_t len)
{
	struct cmfv_scalar r;

	cmfv_scalar_resolve(s, len, &r);
	if (r.res != CMFV_RES_STR || len == 0 || (len == 2 && memcmp(s, "<<", 2) == 0))
		return YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	return YAML_ANY_SCALAR_STYLE;
}

static int emit_node(yaml_emitter_t *em, const struct cmfv_node *n)
{
	yaml_event_t ev;
	char num[40];
	size_t i;

	switch (n->kind) {
	case CMFV_NULL:
		return emit_scalar(em, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	case CMFV_BOOL:
		return emit_scalar(em, n->u.b ? "true" : "false", n->u.b ? 4 : 5, YAML_PLAIN_SCALAR_STYLE);
	case CMFV_INT:
		snprintf(num, sizeof(num), "%lld", (long long)n->u.i);
		return emit_scalar(em, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
	case CMFV_FLOAT:
		cmfv_format_float_json(n->u.f, num, sizeof(num));
		return emit_scalar(em, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
	case CMFV_STR:
		return emit_scalar(em, n->u.s.ptr, n->u.s.len, str_style(n->u.s.ptr, n->u.s.len));
	case CMFV_SEQ:
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return 0;
		for (i = 0; i < n->u.seq.n; i++)
			if (!emit_node(em, n->u.seq.v[i]))
				return 0;
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev);
	case CMFV_MAP: {
		const struct cmfv_pair **sorted = cmfv_malloc((n->u.map.n + 1) * sizeof(*sorted));
		int ok = 1;

		if (sorted == NULL)
			return 0;
		for (i = 0; i < n->u.map.n; i++)
			sorted[i] = &n->u.map.v[i];
		qsort(sorted, n->u.map.n, sizeof(*sorted), cmp_pairs);
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		ok = yaml_emitter_emit(em, &ev);
		for (i = 0; ok && i < n->u.map.n; i++) {
			size_t kl = strlen(sorted[i]->key);

			ok = emit_scalar(em, sorted[i]->key, kl, str_style(sorted[i]->key, kl)) &&
			     emit_node(em, sorted[i]->val);
		}
		cmfv_free(sorted);
		if (!ok)
			return 0;
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev);
	}
	}
	return 0;
}

static int to_yaml(const struct cmfv_node *n, struct cmfv_buf *b)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	int ok;

	if (!yaml_emitter_initialize(&em))
		return 0;
	yaml_emitter_set_output(&em, yaml_write, b);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	ok = yaml_emitter_emit(&em, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	ok = ok && yaml_emitter_emit(&em, &ev) && emit_node(&em, n);
	yaml_document_end_event_initialize(&ev, 1);
	ok = ok && yaml_emitter_emit(&em, &ev);
	yaml_stream_end_event_initialize(&ev);
	ok = ok && yaml_emitter_emit(&em, &ev);
	yaml_emitter_delete(&em);
	return ok && !b->failed;
}

int cmd_values(int argc, char **argv)
{
	struct cli_opts o;
	struct cmfv_values_input in;
	struct cmfv_sources src = {0};
	struct cmfv_node *values = NULL;
	struct cmfv_diag d;
	struct cmfv_buf b = {0};
	const char *fmt;
	int rc = cli_parse(CMD_VALUES, "values", argc, argv, &o);

	if (rc != 0) {
		cli_opts_free(&o);
		return rc;
	}
	if (o.help) {
		printf("Usage: cmf-validate values [flags] [-o yaml|json]\n\n"
		       "Print the values exactly as Helm computes them from the chart defaults,\n"
		       "-f files and --set* flags (keys sorted; -o json prints what toJson .Values does).\n\n"
		       "Example:\n  cmf-validate values --chart ./cmf -f prod.yaml --set cmf.sql.production=true -o json\n\n");
		cli_print_flags(CMD_VALUES);
		cli_opts_free(&o);
		return 0;
	}
	fmt = o.noutputs ? o.outputs[o.noutputs - 1] : "yaml";
	if (strcmp(fmt, "yaml") != 0 && strcmp(fmt, "json") != 0) {
		fprintf(stderr, "cmf-validate values: unknown output format '%s' (yaml, json)\n", fmt);
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	if (o.nrest > 0) {
		fprintf(stderr, "cmf-validate values: unexpected argument '%s'\n", o.rest[0]);
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	cmfv_diag_clear(&d);
	cli_values_input(&o, &in);
	if (cmfv_values_build(&in, &src, &values, &d) != CMFV_OK) {
		rc = cli_print_diag(&d);
	} else {
		int ok;

		if (strcmp(fmt, "json") == 0) {
			ok = cmfv_json_emit(&b, values) == CMFV_OK && cmfv_buf_add(&b, "\n", 1) == CMFV_OK;
		} else {
			ok = to_yaml(values, &b);
		}
		if (!ok) {
			fprintf(stderr, "cmf-validate: out of memory\n");
			rc = EXIT_ENV;
		} else if (fwrite(b.ptr, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
			perror("cmf-validate: write");
			rc = EXIT_ENV;
		}
	}
	cmfv_buf_free(&b, 0);
	cmfv_node_free(values);
	cmfv_sources_free(&src);
	cli_opts_free(&o);
	return rc;
}
