/* Out of memory anywhere: the core's entry points with the N-th allocation
 * failing (cmfv_alloc_fail_at), on fuzzed input. Byte 0 picks the entry
 * point (low 3 bits) and whether every later allocation fails too (bit 7);
 * bytes 1-2 are N; the rest is the input. Properties: no crash, no leak
 * (ASan), an error is CMFV_ENOMEM or an input error, and a success is the
 * same result as without the fault (never a partial one). */
#include "fuzz.h"

#include "cmfv/alloc.h"
#include "cmfv/config.h"
#include "cmfv/secret.h"
#include "cmfv/values.h"
#include "cmfv/yaml.h"

struct result {
	enum cmfv_err e;
	struct cmfv_buf text; /* what the entry point produced, as JSON or text */
};

/* The fault plan, so that our own printing between documents can pause it. */
static unsigned long plan_at;
static int plan_sticky;

static void faults_start(unsigned long at, int sticky)
{
	plan_at = at;
	plan_sticky = sticky;
	cmfv_alloc_fail_at(at, sticky);
}

/* Pause: returns the allocations made so far under the plan. */
static unsigned long faults_pause(void)
{
	unsigned long made = cmfv_alloc_count();

	cmfv_alloc_fail_at(0, 0);
	return made;
}

static void faults_resume(unsigned long made)
{
	if (plan_at == 0)
		return;
	if (made < plan_at)
		faults_start(plan_at - made, plan_sticky);
	else if (plan_sticky)
		faults_start(1, 1);
	else
		faults_start(0, 0);
}

static enum cmfv_err collect(void *ctx, struct cmfv_node *doc, struct cmfv_diag *d)
{
	struct cmfv_buf *b = ctx;
	unsigned long made = faults_pause();

	(void)d;
	/* the printing is ours, not the code under test: it may not fail */
	if (doc && cmfv_json_emit(b, doc) != CMFV_OK)
		abort();
	cmfv_buf_add(b, "\n", 1);
	cmfv_node_free(doc);
	faults_resume(made);
	return CMFV_OK;
}

static void run(unsigned target, const char *in, size_t len, unsigned long fail_at, int sticky,
		struct result *r)
{
	struct cmfv_diag d;
	struct cmfv_source src = {"fuzz", (char *)(uintptr_t)in, len, 0, NULL};

	cmfv_diag_clear(&d);
	memset(r, 0, sizeof(*r));
	faults_start(fail_at, sticky);
	switch (target) {
	case 0: /* YAML stream */
		r->e = cmfv_yaml_load_all(in, len, "fuzz", NULL, collect, &r->text, &d);
		break;
	case 1: { /* a values file */
		struct cmfv_node *v = NULL;

		r->e = cmfv_values_parse(&src, 4, &v, &d);
		faults_start(0, 0);
		if (r->e == CMFV_OK && cmfv_json_emit(&r->text, v) != CMFV_OK)
			abort();
		cmfv_node_free(v);
		break;
	}
	case 2: { /* --set flags, one per line as in fuzz_strvals */
		struct cmfv_loc none = {NULL, 0, 0};
		struct cmfv_node *base;
		struct cmfv_sources srcs = {0};
		char *text = malloc(len + 1), *line, *next;
		unsigned idx = 0;

		if (text == NULL)
			abort();
		memcpy(text, in, len);
		text[len] = '\0';
		base = cmfv_node_new(CMFV_MAP, none);
		r->e = base ? CMFV_OK : cmfv_diag_fail(&d, CMFV_ENOMEM, "out of memory");
		for (line = text; r->e == CMFV_OK && line; line = next) {
			struct cmfv_set_flag f = {CMFV_SET, line + 1, ++idx};

			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			switch (line[0]) {
			case 's':
				f.kind = CMFV_SET;
				break;
			case 'S':
				f.kind = CMFV_SET_STRING;
				break;
			case 'j':
				f.kind = CMFV_SET_JSON;
				break;
			case 'l':
				f.kind = CMFV_SET_LITERAL;
				break;
			default:
				f.arg = line;
				break;
			}
			r->e = cmfv_strvals_apply(base, &f, &srcs, &d);
		}
		faults_start(0, 0);
		if (r->e == CMFV_OK && cmfv_json_emit(&r->text, base) != CMFV_OK)
			abort();
		cmfv_node_free(base);
		cmfv_sources_free(&srcs);
		free(text);
		break;
	}
	case 3: { /* JSON */
		struct cmfv_loc loc = {"fuzz", 1, 1};
		struct cmfv_node *n = NULL;
		size_t used = 0;

		r->e = cmfv_json_parse(in, len, loc, 10000, &n, &used, &d);
		faults_start(0, 0);
		if (r->e == CMFV_OK && cmfv_json_emit(&r->text, n) != CMFV_OK)
			abort();
		cmfv_node_free(n);
		break;
	}
	case 4: { /* a Secret */
		struct cmfv_secret_value v;

		r->e = cmfv_secret_find(&src, "cmf-key", "key", NULL, &v, &d);
		faults_start(0, 0);
		if (r->e == CMFV_OK) {
			cmfv_buf_printf(&r->text, "%d %zu %s %s", (int)v.status, v.len,
					v.namespace ? v.namespace : "-", v.keys ? v.keys : "-");
			if (v.key)
				cmfv_buf_add(&r->text, v.key, v.len);
			cmfv_secret_value_clear(&v);
		}
		break;
	}
	default: { /* the configuration file */
		struct cmfv_config *c = NULL;

		r->e = cmfv_config_load(&src, &c, &d);
		faults_start(0, 0);
		if (r->e == CMFV_OK)
			cmfv_buf_printf(&r->text, "%u waivers, %u environments", c->nwaivers,
					c->nenvs);
		cmfv_config_free(c);
		break;
	}
	}
	faults_start(0, 0);
	if (r->e != d.code)
		fprintf(stderr, "entry point %u returned %d, its diag holds %d: %s\n", target,
			(int)r->e, (int)d.code, d.msg);
	FUZZ_ASSERT(r->e == d.code);
	FUZZ_ASSERT(!r->text.failed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result clean, faulted;
	unsigned target;
	unsigned long n;
	int sticky;

	if (size < 3)
		return 0;
	target = data[0] & 7u;
	sticky = (data[0] & 0x80) != 0;
	n = 1 + ((unsigned long)data[1] | (unsigned long)data[2] << 8) % 4096;
	if (target == 2 && memchr(data + 3, 0, size - 3))
		return 0; /* flags cannot hold NUL bytes */
	run(target, (const char *)data + 3, size - 3, 0, 0, &clean);
	FUZZ_ASSERT(clean.e != CMFV_ENOMEM);
	run(target, (const char *)data + 3, size - 3, n, sticky, &faulted);
	if (faulted.e == CMFV_OK) {
		/* the fault hit nothing that mattered: then the result is whole */
		FUZZ_ASSERT(clean.e == CMFV_OK);
		FUZZ_ASSERT(clean.text.len == faulted.text.len &&
			    (clean.text.len == 0 ||
			     memcmp(clean.text.ptr, faulted.text.ptr, clean.text.len) == 0));
	} else if (faulted.e != CMFV_ENOMEM) {
		/* an input error must be the one the clean run found */
		FUZZ_ASSERT(faulted.e == clean.e);
	}
	cmfv_buf_free(&clean.text);
	cmfv_buf_free(&faulted.text);
	return 0;
}
