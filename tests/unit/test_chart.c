/* Charts as Helm loads them: semver ranges, .tgz reading, dependencies
 * (alias, condition, tags), refused charts, subchart values. The values
 * themselves are compared with the real Helm by tests/helm/differential.sh. */
#include "helpers.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cmfv/alloc.h"
#include "cmfv/chart.h"
#include "cmfv/json.h"
#include "cmfv/targz.h"
#include "cmfv/values.h"

struct range_case {
	const char *range, *version;
	int want;
};

/* Read off Masterminds/semver v3 (the prerelease rule: a prerelease only
 * matches a range that names one). */
static const struct range_case ranges[] = {
    {"2.0.3-test", "2.0.3-test", 1},
    {"2.0.3", "2.0.3-test", 0},
    {"*", "2.0.3-test", 0},
    {">=2.0.0-0", "2.0.3-test", 1},
    {"*", "1.2.3", 1},
    {"1.x", "1.2.0", 1},
    {"1.x", "2.0.0", 0},
    {"~1.2.0", "1.2.9", 1},
    {"~1.2.0", "1.3.0", 0},
    {"^1.2.0", "1.9.0", 1},
    {"^1.2.0", "2.0.0", 0},
    {"^0.2.3", "0.2.9", 1},
    {"^0.2.3", "0.3.0", 0},
    {">1.0.0 <2.0.0", "1.5.0", 1},
    {">1.0.0, <2.0.0", "2.0.0", 0},
    {"1.0.0 - 1.4.0", "1.4.0", 1},
    {"<1.0.0 || >=3.0.0", "3.1.0", 1},
    {"<1.0.0 || >=3.0.0", "2.0.0", 0},
    {"!=1.0.0", "1.0.1", 1},
    {"", "1.0.0", 0},
    {"not a range", "1.0.0", 0},
    {"1.0.0", "not a version", 0},
    {"v1.2.3", "1.2.3", 1},
    {"=1.2", "1.2.0", 1},
};

static void test_semver(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (cmfv_semver_in_range(ranges[i].range, ranges[i].version) != ranges[i].want)
			fail_msg("'%s' in '%s': want %d", ranges[i].version, ranges[i].range,
				 ranges[i].want);
	assert_true(cmfv_semver_valid("1.2.3-rc.1+build.5"));
	assert_true(cmfv_semver_valid("v1"));
	assert_false(cmfv_semver_valid("one"));
	assert_false(cmfv_semver_valid("1.2.3-"));
	assert_false(cmfv_semver_valid(""));
	assert_false(cmfv_semver_valid("V1.2.3"));
	assert_false(cmfv_semver_valid("1.2.3-01"));
	assert_false(cmfv_semver_valid("1.2.3-x.07+b"));
	assert_true(cmfv_semver_valid("01.2.3-0.x7+007"));
}

/* --kube-version as Helm 3.17.3 and 4.1.4 take it (checked against both) */
static void test_kube_version(void **state)
{
	static const struct {
		const char *in;
		int major;
		const char *norm; /* NULL: Helm refuses */
	} cases[] = {
	    {"V1.30", 3, NULL},
	    {"V1.30", 4, NULL},
	    {"01.30.0", 3, "01.30.0"},
	    {"01.30.0", 4, NULL},
	    {"1.30.0-01", 3, NULL},
	    {"1.30.0-x.07", 3, NULL},
	    {"1.30.0-01", 4, "v1.30.0"},
	    {" 1.30", 4, "v1.30"},
	    {"1.30 ", 4, "v1.30"},
	    {"1.30 ", 3, NULL},
	    {"1.30.x", 4, "v1.30"},
	    {"1.30.0+", 4, "v1.30.0"},
	    {"v1.30.0-", 4, "v1.30.0"},
	    {"1.30.0_1", 4, "v1.30.0"},
	    {"1.030", 4, "v1.30"},
	    {"1.30.0-rc.1", 4, "v1.30.0"},
	    {"1", 4, NULL},
	    {"1.30\n", 4, NULL},
	    {"\n1.30", 4, "v1.30"},
	    {"18446744073709551616.1", 4, NULL},
	    {"v1.30.0", 3, "v1.30.0"},
	};
	size_t i;
	char norm[64];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ok = cmfv_kube_version(cases[i].in, cases[i].major, norm, sizeof(norm));

		if (!ok != !cases[i].norm || (ok && strcmp(norm, cases[i].norm) != 0))
			fail_msg("'%s' for Helm %d: got %d '%s'", cases[i].in, cases[i].major, ok,
				 ok ? norm : "");
	}
}

/* A ustar header for \p name holding \p size bytes, of \p type. */
static void tar_header(unsigned char *h, const char *name, size_t size, char type)
{
	unsigned sum = 0;
	size_t i;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 124, 12, "%011o", (unsigned)size);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

/* Append one entry (header and padded data) to \p tar. */
static void tar_add(struct cmfv_buf *tar, const char *name, const char *data, char type)
{
	unsigned char h[512], pad[512] = {0};
	size_t n = data ? strlen(data) : 0;

	tar_header(h, name, n, type);
	cmfv_buf_add(tar, h, 512);
	if (n) {
		cmfv_buf_add(tar, data, n);
		cmfv_buf_add(tar, pad, (512 - n % 512) % 512);
	}
}

static void gzip_buf(const struct cmfv_buf *in, struct cmfv_buf *out)
{
	z_stream z;
	unsigned char chunk[4096];
	int rc;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	z.next_in = (unsigned char *)in->ptr;
	z.avail_in = (uInt)in->len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = deflate(&z, Z_FINISH);
		cmfv_buf_add(out, chunk, sizeof(chunk) - z.avail_out);
	} while (rc == Z_OK);
	assert_int_equal(rc, Z_STREAM_END);
	deflateEnd(&z);
}

static void test_targz(void **state)
{
	struct cmfv_buf tar = {0}, gz = {0};
	struct cmfv_tar t;
	struct cmfv_diag d;
	unsigned char zero[1024] = {0};
	char longname[200], pax[300];

	(void)state;
	memset(longname, 'a', 150);
	memcpy(longname + 150, "/values.yaml", 13);
	tar_add(&tar, "chart/", NULL, '5');
	tar_add(&tar, "chart/Chart.yaml", "name: x\n", '0');
	tar_add(&tar, "././@LongLink", longname, 'L');
	tar_add(&tar, "ignored", "a: 1\n", '0');
	snprintf(pax, sizeof(pax), "%d path=chart/from-pax.yaml\n", 28);
	tar_add(&tar, "PaxHeader", pax, 'x');
	tar_add(&tar, "short", "b: 2\n", '0');
	tar_add(&tar, "chart/link", NULL, '2');
	cmfv_buf_add(&tar, zero, sizeof(zero));
	gzip_buf(&tar, &gz);

	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_targz_read(gz.ptr, gz.len, "x.tgz", &t, &d), CMFV_OK);
	assert_int_equal(t.n, 4);
	assert_string_equal(t.v[0].name, "chart/Chart.yaml");
	assert_string_equal(t.v[0].data, "name: x\n");
	assert_string_equal(t.v[1].name, longname);
	assert_string_equal(t.v[2].name, "chart/from-pax.yaml");
	assert_string_equal(t.v[2].data, "b: 2\n");
	assert_false(t.v[3].regular);
	cmfv_tar_free(&t);

	/* not gzip; a cut gzip stream; a broken header checksum */
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_targz_read("plain text", 10, "x.tgz", &t, &d), CMFV_EINPUT);
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_targz_read(gz.ptr, gz.len / 2, "x.tgz", &t, &d), CMFV_EINPUT);
	tar.ptr[148] = '9';
	cmfv_buf_reset(&gz);
	gzip_buf(&tar, &gz);
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_targz_read(gz.ptr, gz.len, "x.tgz", &t, &d), CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "invalid tar header"));
	cmfv_buf_free(&tar);
	cmfv_buf_free(&gz);
}

/* One raw entry: a header claiming \p hsize bytes, then \p dlen bytes of
 * \p data padded to a block; \p mode 0 for 0644. */
static void tar_raw(struct cmfv_buf *tar, const char *name, size_t hsize, char type,
		    const char *data, size_t dlen, unsigned mode)
{
	unsigned char h[512], pad[512] = {0};
	unsigned sum = 0;
	size_t i;

	tar_header(h, name, hsize, type);
	if (mode) {
		snprintf((char *)h + 100, 8, "%07o", mode & 07777777u); /* 7 octal digits */
		memset(h + 148, ' ', 8);
		for (i = 0; i < 512; i++)
			sum += h[i];
		snprintf((char *)h + 148, 8, "%06o", sum);
	}
	cmfv_buf_add(tar, h, 512);
	if (dlen) {
		cmfv_buf_add(tar, data, dlen);
		cmfv_buf_add(tar, pad, (512 - dlen % 512) % 512);
	}
}

/* A PAX 'x' (or 'g') header holding one "key=value" record. */
static void tar_pax(struct cmfv_buf *tar, char type, const char *kv)
{
	char rec[300];
	size_t l = strlen(kv) + 2, n;

	n = l + (size_t)snprintf(NULL, 0, "%zu", l);
	n = l + (size_t)snprintf(NULL, 0, "%zu", n);
	snprintf(rec, sizeof(rec), "%zu %s\n", n, kv);
	tar_raw(tar, "PaxHeader", strlen(rec), type, rec, strlen(rec), 0);
}

/* Read \p tar (gzipped here, two end blocks added when \p close) with
 * cmfv_targz_read; the result code. */
static enum cmfv_err tar_read(struct cmfv_buf *tar, int close, struct cmfv_tar *t)
{
	struct cmfv_buf gz = {0};
	struct cmfv_diag d;
	unsigned char zero[1024] = {0};
	enum cmfv_err e;

	if (close)
		cmfv_buf_add(tar, zero, sizeof(zero));
	gzip_buf(tar, &gz);
	cmfv_diag_clear(&d);
	e = cmfv_targz_read(gz.ptr, gz.len, "x.tgz", t, &d);
	cmfv_buf_free(&gz);
	cmfv_buf_reset(tar);
	return e;
}

/* Go's archive/tar, as Helm's LoadArchiveFiles drives it (the attack
 * round's u2, y2-y6, t8, t14, u3, x13-x15 archives, built here). */
static void test_targz_go(void **state)
{
	struct cmfv_buf tar = {0}, hid = {0};
	struct cmfv_tar t;
	const char *v = "production: true\n", *ty;

	(void)state;
	/* PAX size=0: what the ustar size hides is the next entry (u2) */
	tar_raw(&hid, "c/values.yaml", strlen(v), '0', v, strlen(v), 0);
	tar_pax(&tar, 'x', "size=0");
	tar_raw(&tar, "c/notes.txt", hid.len, '0', hid.ptr, hid.len, 0);
	assert_int_equal(tar_read(&tar, 1, &t), CMFV_OK);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.v[0].name, "c/notes.txt");
	assert_int_equal(t.v[0].len, 0);
	assert_string_equal(t.v[1].name, "c/values.yaml");
	assert_string_equal(t.v[1].data, v);
	cmfv_tar_free(&t);

	/* a directory (or symlink) with a size has no data: the next header
	 * follows it (y2); the symlink's size is Helm's refusal (y3) */
	tar_raw(&tar, "c/d/", hid.len, '5', hid.ptr, hid.len, 0);
	tar_raw(&tar, "c/l", hid.len, '2', hid.ptr, hid.len, 0);
	assert_int_equal(tar_read(&tar, 1, &t), CMFV_OK);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[0].data, v);
	assert_string_equal(t.v[1].name, "c/l");
	assert_true(t.v[1].size > (long long)t.v[1].len);
	assert_string_equal(t.v[2].data, v);
	cmfv_tar_free(&t);
	/* y3-y6: every header-only type; the data after it is no header */
	for (ty = "12346"; *ty; ty++) {
		tar_raw(&tar, "c/l", hid.len, *ty, hid.ptr, hid.len, 0);
		assert_int_equal(tar_read(&tar, 1, &t), CMFV_OK);
		assert_int_equal(t.n, 2);
		assert_int_equal(t.v[0].len, 0);
		assert_false(t.v[0].regular);
		assert_string_equal(t.v[1].data, v);
		cmfv_tar_free(&t);
		tar_raw(&tar, "c/l", strlen(v), *ty, v, strlen(v), 0);
		assert_int_equal(tar_read(&tar, 1, &t), CMFV_EINPUT);
	}

	/* a PAX global header names nothing, and ends a pending 'x' (t8) */
	tar_pax(&tar, 'x', "path=c/values.yaml");
	tar_pax(&tar, 'g', "path=c/values.yaml");
	tar_raw(&tar, "c/zz.txt", strlen(v), '0', v, strlen(v), 0);
	assert_int_equal(tar_read(&tar, 1, &t), CMFV_OK);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.v[0].name, "c/zz.txt");
	cmfv_tar_free(&t);

	/* an unknown typeflag is a file with its data (x13, x15); a mode
	 * with more than the directory bit is no directory; an empty PAX
	 * path keeps the header's; of two 'x' headers the last counts */
	tar_raw(&tar, "c/values.yaml", strlen(v), 'Z', v, strlen(v), 0);
	tar_raw(&tar, "c/v.yaml", strlen(v), 'V', v, strlen(v), 0);
	tar_raw(&tar, "c/m.yaml", strlen(v), '0', v, strlen(v), 01040755);
	tar_raw(&tar, "c/dir.yaml", strlen(v), '0', v, strlen(v), 040755);
	tar_pax(&tar, 'x', "path=");
	tar_raw(&tar, "c/keep.yaml", strlen(v), '0', v, strlen(v), 0);
	tar_pax(&tar, 'x', "path=c/lost.yaml");
	tar_pax(&tar, 'x', "uid=1");
	tar_raw(&tar, "c/last.yaml", strlen(v), '0', v, strlen(v), 0);
	assert_int_equal(tar_read(&tar, 1, &t), CMFV_OK);
	assert_int_equal(t.n, 5);
	assert_string_equal(t.v[0].name, "c/values.yaml");
	assert_string_equal(t.v[0].data, v);
	assert_string_equal(t.v[1].data, v);
	assert_string_equal(t.v[2].name, "c/m.yaml");
	assert_string_equal(t.v[3].name, "c/keep.yaml");
	assert_string_equal(t.v[4].name, "c/last.yaml");
	cmfv_tar_free(&t);

	/* Helm refuses: PAX size=0 over data (t14), PAX size past the end
	 * (u3), GNU sparse (x14), a bad PAX uid, a PAX size that is no number */
	tar_pax(&tar, 'x', "size=0");
	tar_raw(&tar, "c/values.yaml", strlen(v), '0', v, strlen(v), 0);
	assert_int_equal(tar_read(&tar, 1, &t), CMFV_EINPUT);
	tar_pax(&tar, 'x', "size=99999");
	tar_raw(&tar, "c/values.yaml", strlen(v), '0', v, strlen(v), 0);
	assert_int_equal(tar_read(&tar, 1, &t), CMFV_EINPUT);
	tar_raw(&tar, "c/values.yaml", strlen(v), 'S', v, strlen(v), 0);
	assert_int_equal(tar_read(&tar, 1, &t), CMFV_EINPUT);
	tar_pax(&tar, 'x', "uid=x");
	tar_raw(&tar, "c/values.yaml", strlen(v), '0', v, strlen(v), 0);
	assert_int_equal(tar_read(&tar, 1, &t), CMFV_EINPUT);
	tar_pax(&tar, 'x', "size=1x");
	tar_raw(&tar, "c/values.yaml", strlen(v), '0', v, strlen(v), 0);
	assert_int_equal(tar_read(&tar, 1, &t), CMFV_EINPUT);
	cmfv_buf_free(&tar);
	cmfv_buf_free(&hid);
}

/* The gzip trailer is read only when the tar has no end marker (x2). */
static void test_targz_trailer(void **state)
{
	struct cmfv_buf tar = {0}, gz = {0};
	struct cmfv_tar t;
	struct cmfv_diag d;
	unsigned char zero[1024] = {0};
	int close;

	(void)state;
	for (close = 0; close < 2; close++) {
		tar_add(&tar, "c/values.yaml", "a: 1\n", '0');
		if (close)
			cmfv_buf_add(&tar, zero, sizeof(zero));
		gzip_buf(&tar, &gz);
		gz.ptr[gz.len - 8] ^= 1; /* the CRC */
		cmfv_diag_clear(&d);
		assert_int_equal(cmfv_targz_read(gz.ptr, gz.len, "x.tgz", &t, &d),
				 close ? CMFV_OK : CMFV_EINPUT);
		if (!close)
			assert_non_null(strstr(d.msg, "checksum"));
		cmfv_tar_free(&t);
		cmfv_buf_reset(&tar);
		cmfv_buf_reset(&gz);
	}
	cmfv_buf_free(&tar);
	cmfv_buf_free(&gz);
}

static char dir[64];
static int major = 4; /* the Helm major values_json loads for */

static void put(const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* values --chart DIR [--set ...] as JSON (or NULL and the diag on error). */
static char *values_json(const char *set, struct cmfv_diag *d, struct cmfv_chart **chart)
{
	struct cmfv_set_flag flag = {CMFV_SET, set, 1};
	struct cmfv_values_input in = {0};
	struct cmfv_sources src = {0};
	struct cmfv_node *v = NULL;
	struct cmfv_buf b = {0};

	in.chart_dir = dir;
	in.sets = set ? &flag : NULL;
	in.nsets = set ? 1 : 0;
	in.helm_major = major;
	cmfv_diag_clear(d);
	if (cmfv_values_build_chart(&in, &src, chart, &v, d) != CMFV_OK) {
		cmfv_sources_free(&src);
		return NULL;
	}
	assert_int_equal(cmfv_json_emit(&b, v), CMFV_OK);
	cmfv_node_free(v);
	cmfv_sources_free(&src);
	return b.ptr;
}

static enum cmfv_err count(void *ctx, const struct cmfv_chart *c, const char *path)
{
	struct cmfv_buf *b = ctx;

	(void)c;
	return cmfv_buf_printf(b, "[%s]", path);
}

static void test_umbrella(void **state)
{
	struct cmfv_diag d;
	struct cmfv_chart *c = NULL;
	struct cmfv_buf found = {0};
	char *j;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cmfv-chart-XXXXXX");
	assert_non_null(mkdtemp(dir));
	put("Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n"
			  "  - {name: confluent-manager-for-apache-flink, version: 1.0.0, alias: "
			  "a, condition: a.enabled}\n"
			  "  - {name: confluent-manager-for-apache-flink, version: 1.0.0, alias: "
			  "b, tags: [x]}\n");
	put("values.yaml", "global: {g: 1}\na: {enabled: true}\n");
	put("charts/cmf/Chart.yaml",
	    "apiVersion: v2\nname: confluent-manager-for-apache-flink\nversion: 1.0.0\n");
	put("charts/cmf/values.yaml", "cmf: {sql: {production: false}}\n");
	put("charts/_skip/Chart.yaml", "broken: [\n");
	put(".helmignore", "*.bak\n");
	put("values.yaml.bak", "not: loaded\n");

	j = values_json(NULL, &d, &c);
	assert_non_null(j);
	assert_string_equal(j,
			    "{\"a\":{\"cmf\":{\"sql\":{\"production\":false}},\"enabled\":true,"
			    "\"global\":{\"g\":1}},"
			    "\"b\":{\"cmf\":{\"sql\":{\"production\":false}},\"global\":{\"g\":1}},"
			    "\"global\":{\"g\":1}}");
	assert_non_null(cmfv_chart_sub(c, "a"));
	assert_null(cmfv_chart_sub(c, "confluent-manager-for-apache-flink"));
	assert_int_equal(cmfv_chart_find(c, CMFV_CMF_CHART_NAME, count, &found), CMFV_OK);
	assert_string_equal(found.ptr, "[a][b]");
	cmfv_buf_free(&found);
	cmfv_chart_free(c);
	cmfv_free(j);

	/* condition off, tag off: both gone */
	put("values.yaml", "a: {enabled: false}\ntags: {x: false}\n");
	c = NULL;
	j = values_json(NULL, &d, &c);
	assert_non_null(j);
	assert_string_equal(j, "{\"a\":{\"enabled\":false},\"tags\":{\"x\":false}}");
	assert_int_equal(c->nsubs, 0);
	cmfv_chart_free(c);
	cmfv_free(j);

	/* a subchart value that is not a map */
	assert_null(values_json("b=1", &d, NULL));
	assert_int_equal(d.code, CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "type mismatch on b"));

	/* refused: a dependency missing from charts/, a library chart */
	put("Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n  - {name: "
			  "gone, version: 1.0.0}\n");
	assert_null(values_json(NULL, &d, NULL));
	assert_non_null(strstr(d.msg, "missing in charts/ directory: gone"));
	put("Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\ntype: library\n");
	assert_null(values_json(NULL, &d, NULL));
	assert_non_null(strstr(d.msg, "library charts are not installable"));
	put("Chart.yaml", "apiVersion: v2\nname: top\n");
	assert_null(values_json(NULL, &d, NULL));
	assert_non_null(strstr(d.msg, "chart.metadata.version is required"));
	put("Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n  - {name: x, "
			  "alias: a.b}\n");
	assert_null(values_json(NULL, &d, NULL));
	assert_non_null(strstr(d.msg, "disallowed characters in the alias"));
	/* names and aliases are compared sorted: the first one found twice in
	 * the order of the list is named, as Helm's loop names it */
	put("Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n  - {name: z, "
			  "alias: b}\n  - {name: a}\n  - {name: c, alias: a}\n  - {name: b}\n");
	assert_null(values_json(NULL, &d, NULL));
	assert_non_null(strstr(d.msg, "more than one dependency with name or alias \"a\""));
	{
		struct cmfv_buf y = {0};
		int i;

		/* more than CMFV_CHART_MAX_SUBCHARTS dependencies: refused */
		cmfv_buf_printf(&y, "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies: [");
		for (i = 0; i <= CMFV_CHART_MAX_SUBCHARTS; i++)
			cmfv_buf_printf(&y, "%s{name: d%d}", i ? "," : "", i);
		cmfv_buf_printf(&y, "]\n");
		assert_false(y.failed);
		put("Chart.yaml", y.ptr);
		cmfv_buf_free(&y);
		assert_null(values_json(NULL, &d, NULL));
		assert_non_null(strstr(d.msg, "lists 1001 dependencies, more than 1000"));
	}
	{
		char cmd[200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

/* The second round (issue 14): what an attack on the loader found. The
 * values are compared with the real Helm by the differential suite; here,
 * what it cannot run: a cycle Helm never finishes, the library skip. */
static void test_loader_round2(void **state)
{
	struct cmfv_diag d;
	struct cmfv_chart *c = NULL;
	struct cmfv_buf found = {0};
	char *j;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cmfv-chart-XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* import-values that make a table hold itself: refused, no hang */
	put("Chart.yaml", "apiVersion: v2\nname: p\nversion: 0.1.0\ndependencies:\n  - name: a\n   "
			  " version: 0.1.0\n"
			  "    import-values:\n      - {child: sub, parent: x}\n      - {child: "
			  "sub, parent: x.y}\n");
	put("charts/a/Chart.yaml", "apiVersion: v2\nname: a\nversion: 0.1.0\n");
	put("charts/a/values.yaml", "sub: {k: 1}\n");
	assert_null(values_json(NULL, &d, NULL));
	assert_int_equal(d.code, CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "holds itself"));

	/* case-folded keys, a number for a string, Go's [!v] (a class of '!'
	 * and 'v', not a negation: both values.yaml go), a library CMF chart
	 * left out by find; the JSON is what Helm 3.17.3 and 4.1.4 print */
	put("Chart.yaml",
	    "APIVERSION: v2\nNaMe: p\nversion: 1.0\nDependencies:\n  - {NAME: a, alias: 7}\n"
	    "  - {name: confluent-manager-for-apache-flink}\n");
	put("charts/b/Chart.yaml",
	    "apiVersion: v2\nname: confluent-manager-for-apache-flink\nversion: 1.0.0\ntype: "
	    "library\n");
	put(".helmignore", "[!v]alues.yaml\n");
	put("values.yaml", "r: 1\n");
	j = values_json(NULL, &d, &c);
	assert_non_null(j);
	assert_string_equal(
	    j, "{\"a\":{\"global\":{}},\"confluent-manager-for-apache-flink\":{\"global\":{}}}");
	assert_string_equal(c->version, "1");
	assert_int_equal(cmfv_chart_find(c, CMFV_CMF_CHART_NAME, count, &found), CMFV_OK);
	assert_null(found.ptr);
	assert_true(cmfv_chart_has_library(c, CMFV_CMF_CHART_NAME));
	cmfv_chart_free(c);
	cmfv_free(j);

	/* kubeVersion against Helm's default for the major */
	put("Chart.yaml", "apiVersion: v2\nname: p\nversion: 0.1.0\nkubeVersion: '>=1.33.0-0'\n");
	put(".helmignore", "[\n");
	assert_null(values_json(NULL, &d, NULL));
	assert_non_null(strstr(d.msg, "syntax error in pattern"));
	put(".helmignore", "\xc2\xa0nothing\xe3\x80\x80\n");
	c = NULL;
	j = values_json(NULL, &d, &c);
	assert_non_null(j);
	assert_int_equal(cmfv_chart_kube_check(c, NULL, 4, &d), CMFV_OK);
	assert_int_equal(cmfv_chart_kube_check(c, NULL, 3, &d), CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "incompatible with Kubernetes v1.32.0"));
	assert_int_equal(cmfv_chart_kube_check(c, "1.40", 3, &d), CMFV_OK);
	assert_int_equal(cmfv_chart_kube_check(c, "x.y", 4, &d), CMFV_EINPUT);
	cmfv_chart_free(c);
	cmfv_free(j);
	{
		char cmd[200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

/* Two charts of one name in a charts/ folder: Helm walks charts/ as a Go
 * map, so which one it keeps is random (dup2 rendered two ways in 20 runs
 * of each Helm): refused. */
static void test_loader_dups(void **state)
{
	struct cmfv_diag d;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cmfv-chart-XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* two charts in one charts/ with the same name, at any depth */
	put("Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\n");
	put("charts/a/Chart.yaml", "apiVersion: v2\nname: s\nversion: 1.0.0\n");
	put("charts/a/charts/x/Chart.yaml", "apiVersion: v2\nname: nn\nversion: 1.0.0\n");
	put("charts/a/charts/y/Chart.yaml", "apiVersion: v2\nname: nn\nversion: 2.0.0\n");
	assert_null(values_json(NULL, &d, NULL));
	assert_int_equal(d.code, CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "are named nn"));
	put("charts/a/charts/y/Chart.yaml", "apiVersion: v2\nname: m\nversion: 2.0.0\n");
	put("charts/b/Chart.yaml", "apiVersion: v2\nname: s\nversion: 1.0.0\n");
	assert_null(values_json(NULL, &d, NULL));
	assert_non_null(strstr(d.msg, "Helm picks one at random"));
	{
		char cmd[200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

/* An archive of \p n (name, text) entries, each under "top/", at dir. */
static void put_tgz(const char *const *ent, size_t n)
{
	static const char zero[1024];
	struct cmfv_buf tar = {0}, gz = {0};
	char name[128];
	FILE *f;
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "top/%s", ent[2 * i]);
		tar_add(&tar, name, ent[2 * i + 1], '0');
	}
	cmfv_buf_add(&tar, zero, sizeof(zero));
	gzip_buf(&tar, &gz);
	f = fopen(dir, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(gz.ptr, 1, gz.len, f), gz.len);
	fclose(f);
	cmfv_buf_free(&tar);
	cmfv_buf_free(&gz);
}

#define SUBS                                                                                       \
	"charts/a/Chart.yaml", "apiVersion: v2\nname: a\nversion: 1.0.0\n",                        \
	    "charts/a/values.yaml", "q: a\n", "charts/b/Chart.yaml",                               \
	    "apiVersion: v2\nname: b\nversion: 1.0.0\n", "charts/b/values.yaml", "q: b\n"
#define TOP "Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\n"
#define DEPS2                                                                                      \
	"Chart.yaml",                                                                              \
	    "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n- {name: a, version: '*', " \
	    "alias: x, tags: [tx, tb]}\n- {name: b, version: '*', alias: yy}\n"

struct merge_case {
	const char *ent[20]; /* name, text pairs; NULL ends */
	int major;
	const char *json; /* NULL: refused, with this in the message: */
	const char *msg;
	const char *why;
};

static const struct merge_case merges[] = {
    {{DEPS2, "Chart.yaml", "dependencies:\n- name: b\n", SUBS},
     4,
     "{\"a\":{\"global\":{},\"q\":\"a\"},\"x\":{\"global\":{},\"q\":\"b\"}}",
     NULL,
     "the second copy's entry decodes into the first one's (alias x stays)"},
    {{DEPS2, "Chart.yaml", "dependencies:\n- name: a\n", "requirements.yaml",
      "dependencies:\n- {}\n- {}\n", SUBS},
     3,
     "{\"x\":{\"global\":{},\"q\":\"a\"},\"yy\":{\"global\":{},\"q\":\"b\"}}",
     NULL,
     "entry 2 comes back from past the list's end"},
    {{DEPS2, "Chart.yaml", "dependencies: []\n", "requirements.yaml",
      "dependencies:\n- {}\n- {name: b, version: '*'}\n", SUBS},
     3,
     NULL,
     "missing in charts/ directory:",
     "[] drops the entries: a fresh one has no name, which no chart has"},
    {{DEPS2, "Chart.yaml", "dependencies:\n- tags: [null]\n", "requirements.yaml",
      "dependencies:\n- tags: [tn, null]\n", "values.yaml", "tags: {tb: false}\n", SUBS},
     4,
     "{\"b\":{\"global\":{},\"q\":\"b\"},\"tags\":{\"tb\":false}}",
     NULL,
     "a null tag keeps the string the longer list left: tb, false, a is off"},
    {{DEPS2, "Chart.yaml", "dependencies:\n- null\n", SUBS},
     4,
     NULL,
     "must not contain empty or null nodes",
     "a null entry"},
    {{DEPS2, "Chart.yaml", "Dependencies: null\ndependencies: [{name: b, version: '*'}]\n", SUBS},
     4,
     "{\"a\":{\"global\":{},\"q\":\"a\"},\"b\":{\"global\":{},\"q\":\"b\"}}",
     NULL,
     "keys in sorted order: Dependencies (null) first drops the old entries"},
    {{TOP, "Chart.yaml", "name: null\nversion: 2.0.0\n", "values.yaml", "a: 1\n"},
     4,
     "{\"a\":1}",
     NULL,
     "null leaves a string field, the rest is merged"},
    {{TOP, "values.yaml", "a: [\n", "values.yaml", "a: 1\n"},
     3,
     NULL,
     "did not find expected node content",
     "an earlier values.yaml that does not parse"},
    {{TOP, "values.yaml", "a: 1\nb: 2\n", "values.yaml", "a: 2\n"},
     4,
     "{\"a\":2}",
     NULL,
     "the last values.yaml replaces the first"},
    {{"requirements.yaml", "apiVersion: v1\nname: top\nversion: 1.0.0\n", "values.yaml", "a: 1\n"},
     3,
     "{\"a\":1}",
     NULL,
     "Helm 3: requirements.yaml alone makes the metadata"},
    {{"requirements.yaml", "apiVersion: v1\nname: top\nversion: 1.0.0\n"},
     4,
     NULL,
     "no Chart.yaml found",
     "Helm 4 detects the chart's version by its Chart.yaml"},
    {{"Chart.yaml", "apiVersion: v9\nname: top\nversion: 1.0.0\n"},
     4,
     NULL,
     "unsupported chart version",
     "Helm 4: an apiVersion other than v1, v2 or none"},
    {{"Chart.yaml", "apiVersion: v9\nname: top\nversion: 1.0.0\n"},
     3,
     "{}",
     NULL,
     "Helm 3 loads it"},
    {{"Chart.yaml", "apiVersion: v3\nname: top\nversion: 1.0.0\n"},
     4,
     NULL,
     "invalid chart apiVersion",
     "Helm 4.1 refuses chart v3"},
    {{"Chart.yaml", "apiVersion: v9\nname: top\nversion: 1.0.0\n", "Chart.yaml",
      "apiVersion: v2\n"},
     4,
     NULL,
     "unsupported chart version",
     "Helm 4 reads the first Chart.yaml alone"},
    /* two charts of one name in charts/: Helm's order of them is random */
    {{"Chart.yaml",
      "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n- {name: a, version: 0.2.0, "
      "alias: x}\n- {name: a, version: 0.1.0, alias: z}\n",
      "charts/a1/Chart.yaml", "apiVersion: v2\nname: a\nversion: 0.1.0\n", "charts/a2/Chart.yaml",
      "apiVersion: v2\nname: a\nversion: 0.2.0\n", "charts/a2/values.yaml", "v: 2\n"},
     4,
     "{\"x\":{\"global\":{},\"v\":2},\"z\":{\"global\":{}}}",
     NULL,
     "each entry picks one by its version: no order involved"},
    {{"Chart.yaml",
      "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n- {name: a, version: '*', "
      "alias: x}\n",
      "charts/a1/Chart.yaml", "apiVersion: v2\nname: a\nversion: 0.1.0\n", "charts/a2/Chart.yaml",
      "apiVersion: v2\nname: a\nversion: 0.2.0\n"},
     4,
     NULL,
     "Helm picks one at random",
     "an entry matching both: the first in Helm's random order"},
    {{"Chart.yaml",
      "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n- {name: a, version: 0.2.0}\n",
      "charts/a1/Chart.yaml", "apiVersion: v2\nname: a\nversion: 0.1.0\n", "charts/a2/Chart.yaml",
      "apiVersion: v2\nname: a\nversion: 0.2.0\n", "charts/a3/Chart.yaml",
      "apiVersion: v2\nname: a\nversion: 0.3.0\n"},
     4,
     NULL,
     "Helm picks one at random",
     "two that no entry claims"},
    /* lock files Helm cannot load */
    {{TOP, "Chart.lock", "generated: 2020-02-29T00:00:00Z\ndigest: 5\n"},
     4,
     "{}",
     NULL,
     "a leap day, a number for the digest string"},
    {{TOP, "Chart.lock", "generated: 2020-01-01T00:00:00,5+24:60\n"},
     3,
     "{}",
     NULL,
     "time.Parse's fallback takes a comma fraction and a 24:60 offset"},
    {{TOP, "Chart.lock", "generated: 2100-02-29T00:00:00Z\n"},
     4,
     NULL,
     "not an RFC 3339 time",
     "no leap day in 2100"},
    {{TOP, "requirements.lock", "generated: 5\n"},
     3,
     NULL,
     "input is not a JSON string",
     "a number for a time"},
    {{TOP, "Chart.lock", "dependencies: [{name: x, foo: .inf}]\n"},
     4,
     NULL,
     "unsupported value: +Inf",
     ".inf in no string field"},
    /* numbers in text fields, as sigs.k8s.io/yaml hands them over */
    {{TOP, "charts/s/Chart.yaml", "apiVersion: v2\nname: .inf\nversion: 1.0.0\n"},
     4,
     "{\"+Inf\":{\"global\":{}}}",
     NULL,
     "a string field takes .inf as +Inf"},
    {{TOP, "charts/s/Chart.yaml",
      "apiVersion: v2\nname: 9223372036854775808\nversion: 18446744073709551615\n"},
     3,
     "{\"9223372036854775808\":{\"global\":{}}}",
     NULL,
     "past int64 within uint64: decimal; versions are uint64 parts"},
    {{TOP, "charts/s/Chart.yaml", "apiVersion: v2\nname: 100000000000000000000\nversion: 1.0.0\n"},
     4,
     "{\"1e+20\":{\"global\":{}}}",
     NULL,
     "past uint64: a float, FormatFloat(f, g, -1, 32)"},
    {{TOP, "charts/s/Chart.yaml", "apiVersion: v2\nname: s\nversion: 18446744073709551616\n"},
     4,
     NULL,
     "version \"1.8446744e+19\" is invalid",
     "a version part past uint64"},
    {{TOP, "charts/s/Chart.yaml", "apiVersion: v2\nname: s\nversion: 1.0.0\nfoo: .nan\n"},
     3,
     NULL,
     "unsupported value: NaN",
     "a NaN bound for no string field fails the JSON conversion"},
    {{"Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\nkeywords: [.inf]\n"},
     3,
     "{}",
     NULL,
     "Helm 3: keywords are strings"},
    {{"Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\nkeywords: [.inf]\n"},
     4,
     NULL,
     "unsupported value: +Inf",
     "Helm 4 converts the first Chart.yaml with apiVersion the only field"},
};

/* Chart.yaml and requirements.yaml copies decoded into one Metadata, and
 * values.yaml copies, as Helm's LoadFiles does (each checked against the
 * real Helms in testdata/values-diff/loader/x-meta-*, x-vals-*, x-api4-*) */
static void test_loader_merge(void **state)
{
	size_t i, n;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cmfv-merge-%d.tgz", (int)getpid());
	for (i = 0; i < sizeof(merges) / sizeof(merges[0]); i++) {
		const struct merge_case *mc = &merges[i];
		struct cmfv_diag d;
		char *j;

		for (n = 0; mc->ent[2 * n]; n++)
			;
		put_tgz(mc->ent, n);
		major = mc->major;
		j = values_json(NULL, &d, NULL);
		if (mc->json == NULL) {
			if (j != NULL || strstr(d.msg, mc->msg) == NULL)
				fail_msg("%s: got %s (%s)", mc->why, j ? j : "refused", d.msg);
		} else if (j == NULL || strcmp(j, mc->json) != 0) {
			fail_msg("%s: got %s (%s)", mc->why, j ? j : "refused", d.msg);
		}
		cmfv_free(j);
	}
	major = 4;
	unlink(dir);
}

/* A file over 5 MiB in a .tgz: refused with Helm's own words */
static void test_big_entry(void **state)
{
	size_t n = CMFV_TARGZ_MAX_FILE + 1;
	char *big = malloc(n + 1);
	const char *ent[4] = {"Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\n",
			      "values.yaml", NULL};
	struct cmfv_diag d;
	char *j;

	(void)state;
	assert_non_null(big);
	memset(big, '#', n);
	big[n] = '\0';
	ent[3] = big;
	snprintf(dir, sizeof(dir), "/tmp/cmfv-big-%d.tgz", (int)getpid());
	put_tgz(ent, 2);
	assert_null(values_json(NULL, &d, NULL));
	assert_non_null(strstr(d.msg, "decompressed chart file \"top/values.yaml\" is larger than "
				      "the maximum file size 5242880"));
	big[n - 1] = '\0';
	put_tgz(ent, 2);
	j = values_json(NULL, &d, NULL); /* exactly 5 MiB: read */
	assert_non_null(j);
	cmfv_free(j);
	unlink(dir);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_semver),	 cmocka_unit_test(test_targz),
	    cmocka_unit_test(test_targz_go),	 cmocka_unit_test(test_targz_trailer),
	    cmocka_unit_test(test_umbrella),	 cmocka_unit_test(test_loader_round2),
	    cmocka_unit_test(test_loader_dups),	 cmocka_unit_test(test_kube_version),
	    cmocka_unit_test(test_loader_merge), cmocka_unit_test(test_big_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
