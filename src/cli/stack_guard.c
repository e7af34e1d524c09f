/* A stack overflow on the thread doing the work ends with a message and
 * exit 3, not SIGSEGV (src/cli/stack_guard.h). The handler runs on an
 * alternate stack and tells an overflow from any other fault by the
 * address: inside the work's stack, its guard or the gap below it. Any
 * other fault is left to kill the process as it would have. */
#define _GNU_SOURCE /* pthread_getattr_np */
#include "stack_guard.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif
#endif

#include "abrupt.h"
#include "commands.h"

int cli_under_valgrind(void)
{
#ifdef HAVE_VALGRIND_H
	return RUNNING_ON_VALGRIND != 0;
#else
	return 0;
#endif
}

#ifndef CLI_STACK_SANITIZED
#define ALT_SIZE ((size_t)64 << 10)
#define BELOW ((uintptr_t)2 << 20) /* guard page, Linux's stack gap, a frame */

static unsigned char alt[ALT_SIZE];
static uintptr_t lo, hi; /* where a fault is the stack's end */

/* The stack pointer where the fault was, where we know how to read it */
static uintptr_t fault_sp(const void *uc)
{
	const ucontext_t *c = uc;

#if defined(__x86_64__)
	return (uintptr_t)c->uc_mcontext.gregs[REG_RSP];
#elif defined(__i386__)
	return (uintptr_t)c->uc_mcontext.gregs[REG_ESP];
#elif defined(__aarch64__)
	return (uintptr_t)c->uc_mcontext.sp;
#elif defined(__arm__)
	return (uintptr_t)c->uc_mcontext.arm_sp;
#else
	(void)c;
	return 0; /* not known: the address alone decides */
#endif
}

/* An overflow faults at the stack's end, next to the stack pointer: just
 * below it (a push, a probe), or inside the frame just made below the
 * guard. A fault far from it (a heap block overrun into a guard page) is a
 * bug, not the stack's end. */
static int near_sp(uintptr_t a, uintptr_t sp)
{
	if (sp == 0)
		return 1;
	return a >= sp ? a - sp <= ((uintptr_t)1 << 20) : sp - a <= ((uintptr_t)64 << 10);
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	static const char msg[] =
	    "cmf-validate: out of stack: the input nests deeper than the stack this process "
	    "may have (ulimit -s, ulimit -v) can hold; raise the limit\n";
	uintptr_t a = (uintptr_t)si->si_addr;
	ssize_t w;

	/* the kernel's fault (si_code > 0), not a kill(1) */
	if (si->si_code > 0 && a >= lo && a < hi && near_sp(a, fault_sp(uc))) {
		cli_abrupt_cleanup();
		w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)w;
		_exit(EXIT_ENV);
	}
	/* anything else: die of it, as without us (a fault faults again
	 * on return; a sent signal is pending until we return) */
	signal(sig, SIG_DFL);
	if (si->si_code <= 0)
		raise(sig);
}

/* [lo, hi): the main thread's stack may reach down from its top to the
 * soft limit (unlimited: at most 16 GiB); a thread's is what it was given */
static int bounds(int on_main)
{
	uintptr_t here = (uintptr_t)&here;

	if (on_main) {
		struct rlimit rl;
		uintptr_t room = (uintptr_t)1 << 34;

		if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur < room)
			room = (uintptr_t)rl.rlim_cur;
		/* the top is above here (arguments, environment, the frames
		 * so far), so the stack's end lies above here - room */
		hi = here;
		lo = here > room + BELOW ? here - room - BELOW : 0;
		return 1;
	} else {
		pthread_attr_t attr;
		void *base = NULL;
		size_t size = 0;
		int ok = pthread_getattr_np(pthread_self(), &attr) == 0;

		if (ok) {
			ok = pthread_attr_getstack(&attr, &base, &size) == 0;
			pthread_attr_destroy(&attr);
		}
		if (!ok || base == NULL)
			return 0;
		lo = (uintptr_t)base > BELOW ? (uintptr_t)base - BELOW : 0;
		hi = (uintptr_t)base + size;
		return 1;
	}
}

#endif /* CLI_STACK_SANITIZED */

void cli_stack_guard(int on_main)
{
#ifdef CLI_STACK_SANITIZED
	(void)on_main;
#else
	stack_t ss;
	struct sigaction sa;

	if (!bounds(on_main))
		return;
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = alt;
	ss.ss_size = sizeof(alt);
	if (sigaltstack(&ss, NULL) != 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
#endif
}
