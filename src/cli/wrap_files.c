/* The wrapper's temporary files (the copy of stdin, the fetched chart,
 * the post-renderer's report), removed on exit and on a signal. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abrupt.h"
#include "commands.h"
#include "helm.h"
#include "cmfv/safefile.h"
#include "cmfv/helmargs.h"
#include "cmfv/proc.h"
#include "wrap.h"

/* Temporary files live in static buffers so that a signal handler can
 * remove them: the copy of stdin (-f -) and the fetched chart. */
char wrap_tmp_stdin[4096];
char wrap_tmp_dir[4096];
char wrap_tmp_report[4096];

static int wrap_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* their slots in the table of what goes when the process ends abruptly
 * (abrupt.h): on a signal, or out of stack */
static int slot_of[3] = {-1, -1, -1};

static int which(const char *buf)
{
	return buf == wrap_tmp_stdin	? 0
	       : buf == wrap_tmp_dir	? 1
	       : buf == wrap_tmp_report ? 2
					: -1;
}

void wrap_tmp_watch(const char *buf, int is_dir)
{
	int w = which(buf);

	if (w >= 0 && slot_of[w] < 0)
		slot_of[w] = cli_abrupt_add(buf, is_dir);
}

void wrap_tmp_cleanup(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		cli_abrupt_drop(slot_of[i]);
		slot_of[i] = -1;
	}
	if (wrap_tmp_stdin[0])
		unlink(wrap_tmp_stdin);
	wrap_tmp_stdin[0] = '\0';
	if (wrap_tmp_report[0])
		unlink(wrap_tmp_report);
	wrap_tmp_report[0] = '\0';
	if (wrap_tmp_dir[0])
		nftw(wrap_tmp_dir, wrap_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	wrap_tmp_dir[0] = '\0';
}

/* Only async-signal-safe calls (abrupt.c). Helm, if running, is told too. */
static void on_signal(int sig)
{
	pid_t child = cli_inherit_child;

	if (child > 0)
		kill(child, sig);
	cli_abrupt_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

void wrap_tmp_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

const char *wrap_tmp_base(void)
{
	const char *t = getenv("TMPDIR");

	return t && t[0] ? t : "/tmp";
}

/* A private file (mkstemp: mode 0600, never an existing path) */
int wrap_make_tmp_file(char *buf, size_t n, const char *what)
{
	int fd;

	sigset_t old;
	int e;

	snprintf(buf, n, "%s/cmf-validate-%s-XXXXXX", wrap_tmp_base(), what);
	cmfv_ending_signals_hold(&old); /* no signal between the file and its entry */
	fd = mkstemp(buf);
	e = errno;
	if (fd >= 0)
		wrap_tmp_watch(buf, 0);
	cmfv_ending_signals_release(&old);
	if (fd < 0) {
		fprintf(stderr, "cmf-validate: cannot make a file in %s: %s\n", wrap_tmp_base(),
			strerror(e));
		buf[0] = '\0';
		return -1;
	}
	close(fd);
	return 0;
}

/* Helm 4 threw the post-renderer's stderr away: show what it reported,
 * when it failed (its first line ends with its exit code). */
void wrap_show_report(void)
{
	FILE *f = wrap_tmp_report[0] ? fopen(wrap_tmp_report, "r") : NULL;
	char line[4096];
	const char *ex;

	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) && (ex = strstr(line, ", exit ")) && atoi(ex + 7) != 0) {
		fprintf(stderr, "cmf-validate: the post-renderer stopped the release:\n");
		while (fgets(line, sizeof(line), f))
			fputs(line, stderr);
	}
	fclose(f);
}
