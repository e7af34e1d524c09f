/* Issue 13: bounded inputs (cmfv_read_fd's size and document limits, one
 * --set budget for all flags, the stream's document cap in memory) and the
 * file-writing primitive (cmfv_safefile). The big versions run in
 * testdata/hostile and tests/hostile/files.sh; these are small and exact. */
#include "helpers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmfv/alloc.h"
#include "cmfv/safefile.h"
#include "cmfv/source.h"
#include "cmfv/stream.h"
#include "cmfv/siphash.h"
#include "cmfv/values.h"

static char dir[] = "/tmp/cmfv-limits-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void path_in(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

/* A regular file over the limit is refused by its size: nothing is read
 * (a 1 GiB sparse file, read with a 1 MiB limit, would take the time). */
static void test_read_refuses_by_size(void **state)
{
	char p[256], *buf = NULL;
	size_t len = 0;
	struct cmfv_diag d;
	int fd;

	(void)state;
	path_in(p, sizeof(p), "sparse");
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)1 << 30), 0);
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_read_fd(fd, "sparse", (size_t)1 << 20, &buf, &len, &d), CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "is 1073741824 bytes, over the 1 MiB input limit"));
	assert_null(buf);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 0); /* not a byte read */
	close(fd);
	unlink(p);
}

/* Write \p n bytes of \p chunk (repeated) into a pipe from a child. */
static int pipe_of(const char *chunk, size_t n)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t k = strlen(chunk);

		close(p[0]);
		while (n > 0) {
			size_t w = n < k ? n : k;

			if (write(p[1], chunk, w) != (ssize_t)w)
				_exit(0);
			n -= w;
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

static void test_read_pipe_stops_at_limit(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	struct cmfv_diag d;
	int fd = pipe_of("---\na: b\n", (size_t)3 << 20);

	(void)state;
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_read_fd(fd, "<stdin>", (size_t)1 << 20, &buf, &len, &d), CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "larger than the 1 MiB input limit"));
	close(fd);
}

/* No `---` for more than CMFV_MAX_DOC bytes: stopped there, whatever the
 * input limit; the same bytes cut into documents pass. */
static void test_read_document_limit(void **state)
{
	char *buf = NULL, line[1100];
	size_t len = 0;
	struct cmfv_diag d;
	int fd = pipe_of(
	    "a: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n",
	    CMFV_MAX_DOC + 4096);

	(void)state;
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_read_fd(fd, "one-doc", (size_t)64 << 20, &buf, &len, &d),
			 CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "larger than the 32 MiB limit"));
	close(fd);

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "---\na: ", 7);
	line[sizeof(line) - 2] = '\n';
	fd = pipe_of(line, CMFV_MAX_DOC + 4096);
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_read_fd(fd, "many-docs", (size_t)64 << 20, &buf, &len, &d), CMFV_OK);
	assert_int_equal(len, CMFV_MAX_DOC + 4096);
	cmfv_free(buf);
	close(fd);
}

static void test_size_str(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(cmfv_size_str(CMFV_MAX_INPUT, b), "256 MiB");
	assert_string_equal(cmfv_size_str(1024, b), "1 KiB");
	assert_string_equal(cmfv_size_str((unsigned long long)3 << 30, b), "3 GiB");
	assert_string_equal(cmfv_size_str(1500, b), "1500 bytes");
	assert_string_equal(cmfv_size_str((1 << 20) + 1024, b), "1025 KiB");
}

/* Two flags of three full lists each: the budget is for all of them. */
static void test_set_budget_shared(void **state)
{
	static char a1[256], a2[256];
	struct cmfv_set_flag sets[2] = {{CMFV_SET, a1, 1}, {CMFV_SET, a2, 2}};
	struct cmfv_values_input in;
	struct cmfv_sources src = {0};
	struct cmfv_node *out = NULL;
	struct cmfv_diag d;

	(void)state;
	snprintf(a1, sizeof(a1), "a[65536]=1,b[65536]=1,c[65536]=1");
	snprintf(a2, sizeof(a2), "d[65536]=1,e[65536]=1,f[65536]=1");
	memset(&in, 0, sizeof(in));
	in.sets = sets;
	in.nsets = 1;
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_values_build(&in, &src, &out, &d), CMFV_OK);
	cmfv_node_free(out);
	out = NULL;
	in.nsets = 2;
	assert_int_equal(cmfv_values_build(&in, &src, &out, &d), CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "--set d[65536]=1,e[65536]=1,f[65536]=1: index 65536: the "
				      "--set flags together may not add more than 262148"));
	assert_null(out);
	cmfv_sources_free(&src);
}

/* A document held in memory is capped like one that is read. */
static void test_stream_mem_document_cap(void **state)
{
	size_t n = CMFV_STREAM_MAX_DOC + 16;
	char *text = malloc(n);
	struct cmfv_stream *s = NULL;
	struct cmfv_doc doc;
	struct cmfv_diag d;

	(void)state;
	assert_non_null(text);
	memset(text, 'x', n);
	memcpy(text, "a: ", 3);
	text[n - 1] = '\n';
	assert_int_equal(cmfv_stream_new_mem(text, n, "mem", &s), CMFV_OK);
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_stream_next(s, &doc, &d), CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "larger than 32 MiB"));
	cmfv_stream_free(s);
	free(text);
}

static ssize_t fd_read(void *ctx, char *buf, size_t n)
{
	return read(*(int *)ctx, buf, n);
}

/* One line that never ends, on a pipe: stopped at the document limit (the
 * line held so far counts), having read little more than that. */
static void test_stream_long_line_on_pipe(void **state)
{
	int fd = pipe_of("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			 (size_t)64 << 20);
	struct cmfv_stream *s = NULL;
	struct cmfv_doc doc;
	struct cmfv_diag d;

	(void)state;
	assert_int_equal(cmfv_stream_new(fd_read, &fd, "pipe", (size_t)1 << 20, &s), CMFV_OK);
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_stream_next(s, &doc, &d), CMFV_EINPUT);
	assert_non_null(strstr(d.msg, "larger than 1 MiB"));
	assert_true(cmfv_stream_bytes(s) < ((unsigned long long)3 << 20));
	cmfv_stream_free(s);
	close(fd);
}

static char *slurp(const char *p)
{
	static char buf[256];
	int fd = open(p, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return NULL;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[r > 0 ? r : 0] = '\0';
	return buf;
}

/* commit with fsync (a written output) or without (the report, which
 * takes the exchange path of safefile.c's put_in_place) */
static int commit_sync = 1;

static void write_commit(const char *p, unsigned flags, const char *text, enum cmfv_err want)
{
	struct cmfv_safefile sf;
	struct cmfv_diag d;
	enum cmfv_err e;

	cmfv_diag_clear(&d);
	e = cmfv_safefile_open(p, flags, 0600, &sf, &d);
	if (e == CMFV_OK) {
		assert_int_equal(write(sf.fd, text, strlen(text)), (ssize_t)strlen(text));
		e = cmfv_safefile_commit(&sf, commit_sync, &d);
	}
	assert_int_equal(e, want);
}

/* Names in the test folder's \p sub folder ("" for the folder itself). */
static int count_entries(const char *sub)
{
	char where[256];
	struct dirent *de;
	DIR *dp;
	int n = 0;

	path_in(where, sizeof(where), sub);
	dp = opendir(where);
	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(dp);
	return n;
}

static void safefile_replaces_links(void)
{
	char victim[256], target[256], hard[256];
	struct stat st;

	path_in(victim, sizeof(victim), "victim");
	path_in(target, sizeof(target), "target");
	path_in(hard, sizeof(hard), "hard");
	write_commit(victim, 0, "VICTIM", CMFV_OK);
	assert_int_equal(symlink(victim, target), 0);
	write_commit(target, 0, "report", CMFV_OK);
	assert_string_equal(slurp(victim), "VICTIM");
	assert_int_equal(lstat(target, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(slurp(target), "report");
	assert_int_equal(link(victim, hard), 0);
	write_commit(hard, 0, "again", CMFV_OK);
	assert_string_equal(slurp(victim), "VICTIM");
	assert_string_equal(slurp(hard), "again");
	/* no replacing: an existing name, a link, a dangling link */
	write_commit(victim, CMFV_SF_NO_REPLACE, "KEY", CMFV_EUSAGE);
	unlink(target);
	assert_int_equal(symlink("/nonexistent/cmfv", target), 0);
	write_commit(target, CMFV_SF_NO_REPLACE, "KEY", CMFV_EUSAGE);
	assert_string_equal(slurp(victim), "VICTIM");
	unlink(target);
	unlink(hard);
	unlink(victim);
}

static void test_safefile_replaces_links(void **state)
{
	(void)state;
	commit_sync = 1;
	safefile_replaces_links();
	commit_sync = 0;
	safefile_replaces_links();
	commit_sync = 1;
}

/* Replacing leaves one file with the new text and no temporary (the old
 * file exchanged out is removed); a folder where the file goes is an
 * error either way and stays as it was, nothing left beside it. */
static void test_safefile_replace_leaves_nothing(void **state)
{
	char swap[256], file[300], inner[320];
	int sync;

	(void)state;
	path_in(swap, sizeof(swap), "swap");
	assert_int_equal(mkdir(swap, 0700), 0);
	snprintf(file, sizeof(file), "%s/last.txt", swap);
	for (sync = 0; sync <= 1; sync++) {
		commit_sync = sync;
		write_commit(file, CMFV_SF_OWN_DIR | CMFV_SF_NO_SPECIAL, "one", CMFV_OK);
		write_commit(file, CMFV_SF_OWN_DIR | CMFV_SF_NO_SPECIAL, "two", CMFV_OK);
		write_commit(file, CMFV_SF_OWN_DIR | CMFV_SF_NO_SPECIAL, "three", CMFV_OK);
		assert_string_equal(slurp(file), "three");
		assert_int_equal(count_entries("swap"), 1);
		assert_int_equal(unlink(file), 0);
		/* a folder in the way */
		assert_int_equal(mkdir(file, 0700), 0);
		snprintf(inner, sizeof(inner), "%s/kept", file);
		write_commit(inner, 0, "kept", CMFV_OK);
		write_commit(file, CMFV_SF_OWN_DIR | CMFV_SF_NO_SPECIAL, "x", CMFV_EIO);
		write_commit(file, 0, "x", CMFV_EIO);
		assert_string_equal(slurp(inner), "kept");
		assert_int_equal(count_entries("swap"), 1);
		assert_int_equal(unlink(inner), 0);
		assert_int_equal(rmdir(file), 0);
	}
	commit_sync = 1;
	assert_int_equal(rmdir(swap), 0);
}

static void test_safefile_own_dir(void **state)
{
	char sub[256], file[300], other[256];
	struct stat st;

	(void)state;
	path_in(sub, sizeof(sub), "own/deeper");
	snprintf(file, sizeof(file), "%s/r.txt", sub);
	write_commit(file, CMFV_SF_OWN_DIR | CMFV_SF_NO_SPECIAL, "r", CMFV_OK);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(chmod(sub, 0777), 0);
	write_commit(file, CMFV_SF_OWN_DIR | CMFV_SF_NO_SPECIAL, "r", CMFV_EUSAGE);
	/* a symlinked folder */
	path_in(other, sizeof(other), "own/link");
	assert_int_equal(symlink(sub, other), 0);
	snprintf(file, sizeof(file), "%s/r.txt", other);
	write_commit(file, CMFV_SF_OWN_DIR | CMFV_SF_NO_SPECIAL, "r", CMFV_EUSAGE);
	/* not sticky and writable by all: refused for a named folder too */
	snprintf(file, sizeof(file), "%s/r.txt", sub);
	write_commit(file, 0, "r", CMFV_EUSAGE);
	assert_int_equal(chmod(sub, 01777), 0);
	write_commit(file, 0, "r", CMFV_OK);
}

static void test_safefile_special_in_place(void **state)
{
	struct cmfv_safefile sf;
	struct cmfv_diag d;
	struct stat st;

	(void)state;
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_safefile_open("/dev/null", 0, 0600, &sf, &d), CMFV_OK);
	assert_true(sf.in_place);
	assert_int_equal(write(sf.fd, "x", 1), 1);
	assert_int_equal(cmfv_safefile_commit(&sf, 1, &d), CMFV_OK);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
}

static void test_safefile_tmp(void **state)
{
	struct cmfv_diag d;
	int fd = -1;
	char cmd[300];

	(void)state;
	cmfv_diag_clear(&d);
	assert_int_equal(cmfv_safefile_tmp(dir, &fd, &d), CMFV_OK);
	assert_int_equal(write(fd, "spool", 5), 5);
	close(fd);
	/* anonymous: nothing in the folder */
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s' | grep cmf-validate)\"", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(cmfv_safefile_tmp("/nonexistent/cmfv", &fd, &d), CMFV_EIO);
}

/* The map index hash: SipHash-2-4 (the paper's appendix vector: key
 * 00..0f, message 00..0e), keyed per process for the map index. */
static void test_siphash(void **state)
{
	unsigned char key[16], msg[64];
	const char *k = "a-map-key";
	int i;

	(void)state;
	for (i = 0; i < 64; i++)
		msg[i] = (unsigned char)i;
	for (i = 0; i < 16; i++)
		key[i] = (unsigned char)i;
	assert_true(cmfv_siphash24(key, msg, 15) == 0xa129ca6149be45e5ULL);
	assert_true(cmfv_siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(cmfv_siphash24(key, msg, 8) == 0x93f5f5799a932462ULL);
	/* the process key: stable within the run, and not the all-zero key */
	assert_true(cmfv_strhash(k, 9) == cmfv_strhash(k, 9));
	memset(key, 0, sizeof(key));
	assert_true(cmfv_strhash(k, 9) != cmfv_siphash24(key, k, 9));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_size_str),
	    cmocka_unit_test(test_read_refuses_by_size),
	    cmocka_unit_test(test_read_pipe_stops_at_limit),
	    cmocka_unit_test(test_read_document_limit),
	    cmocka_unit_test(test_set_budget_shared),
	    cmocka_unit_test(test_stream_mem_document_cap),
	    cmocka_unit_test(test_stream_long_line_on_pipe),
	    cmocka_unit_test(test_safefile_replaces_links),
	    cmocka_unit_test(test_safefile_replace_leaves_nothing),
	    cmocka_unit_test(test_safefile_own_dir),
	    cmocka_unit_test(test_safefile_special_in_place),
	    cmocka_unit_test(test_safefile_tmp),
	    cmocka_unit_test(test_siphash),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
