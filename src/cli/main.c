/* cmf-validate: the command-line front end. Dispatches to cmd_*.c. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cmfv/proc.h"
#include "cmfv/redact.h"
#include "cmfv/safefile.h"
#include "cmfv/version.h"
#include "abrupt.h"
#include "commands.h"
#include "opts.h"
#include "stack_guard.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"check", cmd_check, "validate values, key sources and manifests (default command)"},
    {"post-render", cmd_post_render,
     "Helm post-renderer: check, then mount the key into the CMF Deployment"},
    {"values", cmd_values, "print the merged values exactly as Helm computes them"},
    {"keygen", cmd_keygen, "make a new AES key (raw file or Secret manifest)"},
    {"key-info", cmd_key_info, "length and key check value of each key source; compare them"},
    {"install-post-renderer", cmd_install_post_renderer,
     "Helm 4: install or refresh the cmf-post-renderer plugin"},
    {"flux-patch", cmd_flux_patch,
     "Flux: print the HelmRelease postRenderers block that mounts the key"},
    {"rules", cmd_rules, "list every rule"},
    {"version", cmd_version, "print the version"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(
	    f,
	    "cmf-validate %s: stop broken CMF encryption setups before they deploy\n\n"
	    "Usage:\n  cmf-validate [command] [flags]\n  helm cmf-validate [command] [flags]\n\n"
	    "Commands:\n",
	    CMFV_VERSION);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-22s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "  %-22s %s\n", "install|upgrade|template",
		"check, then run helm with the post-renderer wired in");
	fprintf(f, "\nWithout a command, 'check' runs. 'cmf-validate COMMAND --help' tells more.\n"
		   "Exit codes: 0 ok, 1 findings, 2 usage or input error, 3 environment error.\n");
}

/* Whatever a command printed must have reached stdout (--help to /dev/full
 * included): a failed write is exit 3 with a message. */
static int finish(int rc)
{
	cmfv_redact_known_clear(); /* the keys remembered for child stderr */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (rc == 0 || rc == 1) {
			perror("cmf-validate: write");
			return 3;
		}
	}
	return rc;
}

static int dispatch(int argc, char **argv)
{
	size_t i;

	if (argc >= 2) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
		    strcmp(argv[1], "help") == 0) {
			usage(stdout);
			return finish(0);
		}
		if (strcmp(argv[1], "__completion") == 0) {
			cli_print_completion();
			return finish(0);
		}
		if (strcmp(argv[1], "--version") == 0)
			return cmd_version(argc - 2, argv + 2);
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(argv[1], commands[i].name) == 0)
				return finish(commands[i].fn(argc - 2, argv + 2));
		if (strcmp(argv[1], "install") == 0 || strcmp(argv[1], "upgrade") == 0 ||
		    strcmp(argv[1], "template") == 0)
			return cmd_wrapper(argv[1], argc - 2, argv + 2);
		if (argv[1][0] != '-') {
			fprintf(stderr,
				"cmf-validate: unknown command '%s'\nRun 'cmf-validate --help' for "
				"usage.\n",
				argv[1]);
			return 2;
		}
	}
	return finish(cmd_check(argc - 1, argv + 1));
}

/* The work gets 64 MB of stack. Helm's limits allow nesting 10,000 deep
 * (JSON in --set-json, YAML), and the parsers, merges and printers walk
 * such trees recursively: about 2 MB of stack at that depth, more than
 * `ulimit -s 1024` gives the main thread (it crashed there, found by
 * fuzzing). The main thread does the work when its stack may grow that
 * far: the soft limit raised where the hard one allows, which is the
 * usual case. Else a thread with a stack of that size does it (a thread
 * costs a post-render about 0.15 ms: a second malloc arena, the stack
 * mapped and unmapped, both CPUs' TLBs flushed). Address sanitizers and
 * valgrind note the main thread's stack when the process starts, so under
 * them it is always the thread. 64 MB is address space, not memory: only
 * the pages a deep input touches are used. When no thread can be made
 * either (an address-space or process limit), the main thread does the
 * work with the soft limit raised as far as the hard one allows. Whoever
 * does it, running out of stack ends in a message and exit 3, not a crash
 * (stack_guard.c). */
#define WORK_STACK ((size_t)64 << 20)

struct job {
	int argc;
	char **argv;
	int rc;
};

/* SIGINT, SIGTERM, SIGHUP, SIGQUIT: the temporaries of files being
 * written go first (a report's, -o FMT=FILE's, keygen's half-made key),
 * then the process ends of the signal as it would have. Only the work
 * thread takes them: safefile holds them there while it creates a file,
 * so none lands between a file and its entry in the table. */

static void on_ending_signal(int sig)
{
	cli_abrupt_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_ending_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa, old;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_ending_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* a signal ignored by whoever started us stays ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

static void *run_job(void *arg)
{
	struct job *j = arg;
	sigset_t set;

	cmfv_ending_signals(&set);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	cli_stack_guard(0);

	j->rc = dispatch(j->argc, j->argv);
	return NULL;
}

int main(int argc, char **argv)
{
	struct rlimit no_core = {0, 0};
	struct job j = {argc, argv, 3};
	pthread_attr_t attr;
	pthread_t t;
	sigset_t ending;
	int started = 0;

	/* Key material may sit in memory: never let it reach a core dump. */
	setrlimit(RLIMIT_CORE, &no_core);
	/* A closed pipe is an I/O error we report, not a silent death. */
	signal(SIGPIPE, SIG_IGN);

	catch_ending_signals();
#ifndef CLI_STACK_SANITIZED
	if (!cli_under_valgrind() && cmfv_main_stack_reserve(WORK_STACK)) {
		cli_stack_guard(1);
		return dispatch(argc, argv);
	}
#endif
	cmfv_ending_signals(&ending);
	pthread_sigmask(SIG_BLOCK, &ending, NULL); /* the work thread unblocks them */
	if (pthread_attr_init(&attr) == 0) {
		started = pthread_attr_setstacksize(&attr, WORK_STACK) == 0 &&
			  pthread_create(&t, &attr, run_job, &j) == 0;
		pthread_attr_destroy(&attr);
	}
	if (!started) {
		pthread_sigmask(SIG_UNBLOCK, &ending, NULL);
		cli_stack_guard(1);
		return dispatch(argc, argv);
	}
	if (pthread_join(t, NULL) != 0)
		return 3;
	return j.rc;
}
