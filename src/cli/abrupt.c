/* Temporaries removed when the process ends abruptly (abrupt.h). A fixed
 * table, each entry published by its flag after its path is in place: a
 * handler never sees half a path (a half-written "/tmp/cmfv-chart-..."
 * could read "/tmp"). */
#define _GNU_SOURCE /* syscall */
#include "abrupt.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmfv/proc.h"
#include "cmfv/safefile.h"

#define SLOTS 8

static struct {
	volatile sig_atomic_t used;
	int is_dir;
	char path[4096];
} slots[SLOTS];

int cli_abrupt_add(const char *path, int is_dir)
{
	size_t n = strlen(path);
	int i;

	if (n == 0 || n >= sizeof(slots[0].path))
		return -1;
	for (i = 0; i < SLOTS; i++) {
		if (slots[i].used)
			continue;
		slots[i].is_dir = is_dir;
		memcpy(slots[i].path, path, n + 1);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		slots[i].used = 1;
		return i;
	}
	return -1;
}

void cli_abrupt_drop(int slot)
{
	if (slot >= 0 && slot < SLOTS)
		slots[slot].used = 0;
}

/* fork(2) itself, not glibc's fork(): that one takes malloc's locks for
 * its atfork handlers, and a handler that interrupted malloc (running out
 * of stack inside it) would wait for itself forever. The child only runs
 * system calls. */
static pid_t raw_fork(void)
{
	return (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
}

static void remove_dir(char *path)
{
	pid_t p = raw_fork();

	if (p == 0) {
		char rm[] = "rm", rf[] = "-rf", dd[] = "--";
		char *const av[] = {rm, rf, dd, path, NULL};
		char *const env[] = {NULL};

		cmfv_proc_child_limits();
		execve("/bin/rm", av, env);
		_exit(127);
	}
	if (p > 0)
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
}

void cli_abrupt_cleanup(void)
{
	pid_t child = cmfv_proc_running;
	int i;

	if (child > 0) { /* it may be writing into what goes below */
		kill(child, SIGKILL);
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
	}
	cmfv_safefile_unlink_all();
	for (i = 0; i < SLOTS; i++) {
		if (!slots[i].used)
			continue;
		slots[i].used = 0;
		if (slots[i].is_dir)
			remove_dir(slots[i].path);
		else
			unlink(slots[i].path);
	}
}
