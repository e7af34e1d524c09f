/* The classifier against the YAML loader, document by document
 * (tests/classify/sound.h): every document the loader reads as a
 * Deployment, ConfigMap or List must be classified so (or PARSE), and every
 * name the classifier knows must be the loader's.
 *
 *   classify_diff --records FILE|-    length-prefixed documents ("<len>\n"
 *                                     then the bytes), as gen.py writes them
 *   classify_diff [--max-parse N] [--speed ROUNDS] --stream FILE...
 *                                     real streams, split as post-render
 *                                     splits them; more than N documents
 *                                     classified PARSE fails (the classifier
 *                                     must be of use on real charts);
 *                                     --speed: also time the classifier
 *                                     over those documents (with the
 *                                     splitter's hint, as post-render
 *                                     runs it) against a memchr pass
 *                                     over their lines (MB/s)
 *
 * Prints the count per class. Exit 0 when sound, 1 when not (the first
 * offending document is written to classify-unsound.yaml), 2 on bad input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmfv/stream.h"

#include "sound.h"

struct tally {
	unsigned long n[5], loaded, unsound, named;
	long speed;	     /* rounds to time, 0 = none */
	double cls_s, mem_s; /* seconds */
	unsigned long long bytes;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The floor the classifier is held to: finding every line start. */
static size_t count_lines(const char *p, size_t len)
{
	const char *end = p + len;
	size_t n = 0;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p++;
		n++;
	}
	return n;
}

static volatile size_t sink;

/* As post-render runs it: with the splitter's hint (struct cmfv_doc). */
static void timed(struct tally *t, const struct cmfv_doc *doc)
{
	struct cmfv_cls_hint h = {doc->col0, doc->ncol0, doc->col0_covered, doc->odd_free};
	const char *text = doc->ptr;
	size_t len = doc->len;
	struct cmfv_cls_info ci;
	double t0;
	long i;

	t0 = now();
	for (i = 0; i < t->speed; i++) {
		cmfv_classify_hint(text, len, &h, &ci);
		sink += ci.cls;
	}
	t->cls_s += now() - t0;
	t0 = now();
	for (i = 0; i < t->speed; i++)
		sink += count_lines(text, len);
	t->mem_s += now() - t0;
	t->bytes += (unsigned long long)len * (unsigned long long)t->speed;
}

static void report(const char *what, const char *text, size_t len, const char *why)
{
	FILE *f = fopen("classify-unsound.yaml", "wb");

	fprintf(stderr, "classify_diff: %s: unsound: %s\n----\n%.*s\n----\n", what, why,
		(int)(len > 1500 ? 1500 : len), text);
	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
		fprintf(stderr, "classify_diff: written to classify-unsound.yaml\n");
	}
}

static void one(struct tally *t, const char *what, const char *text, size_t len)
{
	struct cmfv_cls_info ci;
	char why[400];
	const char *bad;
	int loaded;

	cmfv_classify(text, len, &ci);
	t->n[ci.cls]++;
	bad = sound_check(text, len, &ci, why, sizeof(why), &loaded);
	t->loaded += (unsigned long)loaded;
	t->named += (unsigned long)(loaded && ci.name.known);
	if (bad && t->unsound++ == 0)
		report(what, text, len, bad);
}

/* The splitter's hint changes no answer: \p text split from memory (by
 * the AVX2 loop where there is one, and the portable one), and read a few
 * bytes at a time. */
static void hinted(struct tally *t, const char *what, const char *text, size_t len, size_t chunk)
{
	char why[400];
	const char *bad = hint_check(text, len, 0, why, sizeof(why));

	if (bad == NULL)
		bad = hint_check(text, len, chunk, why, sizeof(why));
	cmfv_stream_use_avx2(0); /* the portable loop too */
	if (bad == NULL)
		bad = hint_check(text, len, 0, why, sizeof(why));
	cmfv_stream_use_avx2(1);
	if (bad && t->unsound++ == 0)
		report(what, text, len, bad);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 1 << 16, n = 0, r;
	char *b = malloc(cap);

	if (f == NULL || b == NULL) {
		fprintf(stderr, "classify_diff: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while ((r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap && (b = realloc(b, cap *= 2)) == NULL)
			exit(2);
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return b;
}

static void records(struct tally *t, const char *path)
{
	size_t len, at = 0;
	char *b = slurp(path, &len), what[64];
	unsigned long i = 0;

	while (at < len) {
		char *end;
		unsigned long n = strtoul(b + at, &end, 10);

		if (end == b + at || *end != '\n' || n > len - (size_t)(end + 1 - b)) {
			fprintf(stderr, "classify_diff: %s: bad record at byte %zu\n", path, at);
			exit(2);
		}
		snprintf(what, sizeof(what), "record %lu", i++);
		one(t, what, end + 1, n);
		hinted(t, what, end + 1, n, 1 + n % 61);
		at = (size_t)(end + 1 - b) + n;
	}
	free(b);
}

static void stream(struct tally *t, const char *path)
{
	size_t len;
	char *b = slurp(path, &len), what[600];
	struct cmfv_stream *s;
	struct cmfv_doc doc;
	struct cmfv_diag d;

	cmfv_diag_clear(&d);
	if (cmfv_stream_new_mem(b, len, path, &s) != CMFV_OK)
		exit(2);
	while (cmfv_stream_next(s, &doc, &d) == CMFV_OK && doc.ptr) {
		if (!CMFV_DOC_IS_DOCUMENT(doc.flags))
			continue;
		snprintf(what, sizeof(what), "%s:%lu", path, doc.line);
		one(t, what, doc.ptr, doc.len);
		if (t->speed)
			timed(t, &doc);
	}
	cmfv_stream_free(s);
	hinted(t, path, b, len, 4093);
	free(b);
}

int main(int argc, char **argv)
{
	struct tally t;
	long max_parse = -1;
	int i = 1, mode = 0;

	memset(&t, 0, sizeof(t));

	for (; i < argc; i++) {
		if (strcmp(argv[i], "--max-parse") == 0 && i + 1 < argc)
			max_parse = atol(argv[++i]);
		else if (strcmp(argv[i], "--speed") == 0 && i + 1 < argc)
			t.speed = atol(argv[++i]);
		else if (strcmp(argv[i], "--records") == 0)
			mode = 1;
		else if (strcmp(argv[i], "--stream") == 0)
			mode = 2;
		else if (mode == 1)
			records(&t, argv[i]);
		else if (mode == 2)
			stream(&t, argv[i]);
		else {
			fprintf(stderr, "usage: classify_diff [--max-parse N] [--speed ROUNDS] "
					"--records|--stream FILE...\n");
			return 2;
		}
	}
	printf(
	    "classify_diff: %lu documents (%lu load as a mapping): deployment %lu, configmap %lu, "
	    "list %lu, other %lu, parse %lu; name known %lu; unsound %lu\n",
	    t.n[0] + t.n[1] + t.n[2] + t.n[3] + t.n[4], t.loaded, t.n[CMFV_CLS_DEPLOYMENT],
	    t.n[CMFV_CLS_CONFIGMAP], t.n[CMFV_CLS_LIST], t.n[CMFV_CLS_OTHER], t.n[CMFV_CLS_PARSE],
	    t.named, t.unsound);
	if (t.speed && t.cls_s > 0 && t.mem_s > 0)
		printf(
		    "classify_diff: classifier %.0f MB/s of document (with the splitter's hint it "
		    "reads the top level only), memchr over the lines %.0f MB/s (%.1f MB x %ld)\n",
		    (double)t.bytes / 1e6 / t.cls_s, (double)t.bytes / 1e6 / t.mem_s,
		    (double)t.bytes / 1e6 / (double)t.speed, t.speed);
	if (t.unsound)
		return 1;
	if (max_parse >= 0 && t.n[CMFV_CLS_PARSE] > (unsigned long)max_parse) {
		fprintf(stderr, "classify_diff: %lu documents need a parse, at most %ld expected\n",
			t.n[CMFV_CLS_PARSE], max_parse);
		return 1;
	}
	return 0;
}
