/* Running programs: capture, exit status, missing programs, time limits,
 * size caps, no shell. */
#include "helpers.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmfv/proc.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *str(const struct cmfv_buf *b)
{
	return b->ptr ? b->ptr : "";
}

static void test_capture(void **state)
{
	char *argv[] = {"sh", "-c", "printf out; printf err >&2; exit 3", NULL};
	struct cmfv_proc p;

	(void)state;
	assert_int_equal(cmfv_proc_run(argv, 10, 1024, 0, &p), CMFV_OK);
	assert_int_equal(p.status, 3);
	assert_false(p.timed_out);
	assert_false(p.not_found);
	assert_false(p.truncated);
	assert_string_equal(str(&p.out), "out");
	assert_string_equal(str(&p.err), "err");
	cmfv_proc_free(&p);
	cmfv_proc_free(NULL);
}

/* Arguments reach the program as they are: no shell in between. */
static void test_no_shell(void **state)
{
	char *argv[] = {"printf", "%s|%s", "$(echo hi); `id` && x", "*", NULL};
	struct cmfv_proc p;

	(void)state;
	assert_int_equal(cmfv_proc_run(argv, 10, 1024, 0, &p), CMFV_OK);
	assert_int_equal(p.status, 0);
	assert_string_equal(str(&p.out), "$(echo hi); `id` && x|*");
	cmfv_proc_free(&p);
}

static void test_stdin_is_empty(void **state)
{
	char *argv[] = {"cat", NULL};
	struct cmfv_proc p;
	double t0 = now();

	(void)state;
	assert_int_equal(cmfv_proc_run(argv, 10, 1024, 0, &p), CMFV_OK);
	assert_int_equal(p.status, 0);
	assert_null(p.out.ptr);
	assert_true(now() - t0 < 5);
	cmfv_proc_free(&p);
}

static void test_missing_program(void **state)
{
	char *argv[] = {"/nonexistent/kubectl", "get", NULL};
	char *argv2[] = {"cmfv-no-such-program-on-path", NULL};
	struct cmfv_proc p;

	(void)state;
	assert_int_equal(cmfv_proc_run(argv, 10, 1024, 0, &p), CMFV_OK);
	assert_true(p.not_found);
	assert_int_equal(p.exec_errno, ENOENT);
	assert_int_equal(p.status, 127);
	cmfv_proc_free(&p);
	assert_int_equal(cmfv_proc_run(argv2, 10, 1024, 0, &p), CMFV_OK);
	assert_true(p.not_found);
	assert_int_equal(p.exec_errno, ENOENT);
	cmfv_proc_free(&p);
}

static void test_not_executable(void **state)
{
	char path[] = "/tmp/cmfv-test-proc-XXXXXX";
	int fd = mkstemp(path);
	char *argv[] = {path, NULL};
	struct cmfv_proc p;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\necho hi\n", 18), 18);
	close(fd);
	chmod(path, 0600);
	assert_int_equal(cmfv_proc_run(argv, 10, 1024, 0, &p), CMFV_OK);
	unlink(path);
	assert_true(p.not_found);
	assert_int_equal(p.exec_errno, EACCES);
	assert_int_equal(p.status, 127);
	cmfv_proc_free(&p);
}

static void test_timeout(void **state)
{
	char *sleeper[] = {"sleep", "20", NULL};
	/* closes its output, then lingers: the deadline still holds */
	char *quiet[] = {"sh", "-c", "exec >/dev/null 2>&1; sleep 20", NULL};
	char *const *cases[] = {sleeper, quiet};
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct cmfv_proc p;
		double t0 = now(), dt;

		assert_int_equal(cmfv_proc_run(cases[i], 1, 1024, 0, &p), CMFV_OK);
		dt = now() - t0;
		assert_true(p.timed_out);
		assert_int_equal(p.status, 128 + SIGKILL);
		assert_true(dt >= 0.9 && dt < 5);
		cmfv_proc_free(&p);
	}
}

static void test_signal_status(void **state)
{
	char *argv[] = {"sh", "-c", "kill -TERM $$", NULL};
	struct cmfv_proc p;

	(void)state;
	assert_int_equal(cmfv_proc_run(argv, 10, 1024, 0, &p), CMFV_OK);
	assert_int_equal(p.status, 128 + SIGTERM);
	assert_false(p.timed_out);
	cmfv_proc_free(&p);
}

/* Output beyond the cap is read and dropped: the program is not blocked. */
static void test_cap(void **state)
{
	char *argv[] = {"sh", "-c",
			"head -c 300000 /dev/zero | tr '\\0' a; head -c 300000 /dev/zero >&2",
			NULL};
	struct cmfv_proc p;

	(void)state;
	assert_int_equal(cmfv_proc_run(argv, 20, 1000, 0, &p), CMFV_OK);
	assert_int_equal(p.status, 0);
	assert_true(p.truncated);
	assert_int_equal(p.out.len, 1000);
	assert_int_equal(p.err.len, 1000);
	assert_int_equal(strspn(p.out.ptr, "a"), 1000);
	cmfv_proc_free(&p);
}

/* Large output, grown without realloc in secret mode. */
static void test_large_secret_output(void **state)
{
	char *argv[] = {"sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' k", NULL};
	struct cmfv_proc_opts o;
	struct cmfv_proc p;
	int secret;

	(void)state;
	for (secret = 0; secret < 2; secret++) {
		memset(&o, 0, sizeof(o));
		o.timeout_s = 20;
		o.secret_out = secret;
		assert_int_equal(cmfv_proc_run_opts(argv, &o, &p), CMFV_OK);
		assert_int_equal(p.status, 0);
		assert_false(p.truncated);
		assert_int_equal(p.out.len, 3000000);
		assert_int_equal(strspn(p.out.ptr, "k"), 3000000);
		assert_int_equal(p.out.ptr[p.out.len], '\0');
		assert_int_equal(p.out.secret, secret);
		cmfv_proc_free(&p);
	}
}

/* The soft stack limit as the kernel has it (/proc/self/limits). */
static unsigned long long kernel_stack_soft(void)
{
	char line[256];
	unsigned long long v = 0;
	FILE *f = fopen("/proc/self/limits", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Max stack size", 14) == 0)
			v = strtoull(line + 14, NULL, 10);
	fclose(f);
	return v;
}

/* The main thread's stack: a soft limit below the size is raised where the
 * hard limit allows (the process sees it), and a program started later
 * gets the limit as it was; a hard limit below the size is left alone and
 * the answer is 0 (main.c then uses a thread). Last in the file: it
 * changes this process's limits. */
static void test_main_stack_reserve(void **state)
{
	char *argv[] = {"sh", "-c", "ulimit -S -s; ulimit -H -s", NULL};
	struct rlimit rl, was;
	struct cmfv_proc p;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_STACK, &was), 0);
	if (was.rlim_max != RLIM_INFINITY && was.rlim_max < ((rlim_t)64 << 20))
		skip();
	rl = was;
	rl.rlim_cur = 512 << 10;
	assert_int_equal(setrlimit(RLIMIT_STACK, &rl), 0);
	assert_int_equal(cmfv_main_stack_reserve((size_t)64 << 20), 1);
	assert_int_equal(getrlimit(RLIMIT_STACK, &rl), 0);
	assert_true(rl.rlim_cur == ((rlim_t)64 << 20));
	/* valgrind keeps the stack limit to itself: the kernel's, which a
	 * child inherits, is not changed there, so there is nothing to see */
	if (kernel_stack_soft() == ((unsigned long long)64 << 20)) {
		assert_int_equal(cmfv_proc_run(argv, 10, 1024, 0, &p), CMFV_OK);
		assert_int_equal(p.status, 0);
		assert_true(strncmp(str(&p.out), "512\n", 4) == 0);
		cmfv_proc_free(&p);
	}
	/* already enough: nothing to do */
	assert_int_equal(cmfv_main_stack_reserve((size_t)1 << 20), 1);
	/* a hard limit below the size: raised as far as it allows */
	rl.rlim_cur = 512 << 10;
	rl.rlim_max = 16 << 20;
	assert_int_equal(setrlimit(RLIMIT_STACK, &rl), 0);
	assert_int_equal(cmfv_main_stack_reserve((size_t)64 << 20), 0);
	assert_int_equal(getrlimit(RLIMIT_STACK, &rl), 0);
	assert_true(rl.rlim_cur == ((rlim_t)16 << 20));
	/* no higher to go */
	rl.rlim_cur = rl.rlim_max = 1 << 20;
	assert_int_equal(setrlimit(RLIMIT_STACK, &rl), 0);
	assert_int_equal(cmfv_main_stack_reserve((size_t)64 << 20), 0);
	assert_int_equal(getrlimit(RLIMIT_STACK, &rl), 0);
	assert_true(rl.rlim_cur == ((rlim_t)1 << 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_capture),
	    cmocka_unit_test(test_no_shell),
	    cmocka_unit_test(test_stdin_is_empty),
	    cmocka_unit_test(test_missing_program),
	    cmocka_unit_test(test_not_executable),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_signal_status),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_large_secret_output),
	    cmocka_unit_test(test_main_stack_reserve),
	};

	/* as main() does: a closed pipe must not kill us */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
