/* The stack the work runs on: its end caught (stack_guard.c). */
#ifndef CMFV_CLI_STACK_GUARD_H
#define CMFV_CLI_STACK_GUARD_H

/* Address sanitizers note the main thread's stack when the process starts
 * and report overflows themselves. */
#if defined(__SANITIZE_ADDRESS__)
#define CLI_STACK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define CLI_STACK_SANITIZED 1
#endif
#endif

/** 1 when running under valgrind, which sizes the main thread's stack once
 * when the process starts (a raised limit does not reach it). */
int cli_under_valgrind(void);

/** On the thread that will do the work, before it starts: a stack overflow
 * there (the input nests deeper than the stack this process may have:
 * `ulimit -s`, `ulimit -v`) ends the process with a message and exit 3
 * instead of a crash, after removing the files being written. \p on_main:
 * 1 for the main thread, 0 for a thread of its own. Not under address
 * sanitizers, which report a stack overflow themselves. */
void cli_stack_guard(int on_main);

#endif
