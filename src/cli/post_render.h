/* post-render's private parts, shared by cmd_post_render.c (the steps and
 * the verdict) and post_render_io.c (how stdin is kept and copied out). */
#ifndef CMFV_CLI_POST_RENDER_H
#define CMFV_CLI_POST_RENDER_H

#include <stddef.h>
#include <sys/types.h>

#include "cmfv/buf.h"
#include "cmfv/diag.h"
#include "cmfv/finder.h"
#include "cmfv/inject.h"
#include "commands.h"

#define IN_NAME "<stdin>"

struct input {
	int fd;			 /* stdin */
	int seekable;		 /* a regular file: mapped, and mapped again in pass 2 */
	off_t start;		 /* where stdin stood when we began */
	unsigned long long size; /* its bytes from there (regular files) */
	char *mem;		 /* a pipe's bytes: all of them, or the first SPOOL_MEM */
	size_t len, cap, pos;	 /* pos: how far pass 1 has read mem */
	int all_in_mem;		 /* mem holds the whole input */
	int spool;		 /* temporary copy of a long pipe, or -1 */
	int spool_errno;	 /* keeping the copy failed */
	int no_spool_errno;	 /* why no temporary file could be made */
	unsigned long long max;	 /* --max-input: the most bytes kept of a pipe or mapped */
	int over;		 /* stdin was larger than max: refused, exit 2 */
	unsigned long long seen; /* bytes read from a pipe past what read_ahead kept */
	int splice;		 /* the spool is filled by splice(2) */
};

struct pr {
	struct cli_opts o;
	struct cli_run run;
	struct cmfv_inject_opts io;
	struct cmfv_buf notes; /* what was said on stderr, for the report file */
	struct input in;
};

/* A read function over the kept input, for a second look (reread_fn). */
struct reread {
	struct pr *pr;
	unsigned long long pos, total;
};

/* "cmf-validate: ..." on stderr, and in the report file. */
void say(struct pr *pr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A diagnostic said; its exit code. */
int say_diag(struct pr *pr, const struct cmfv_diag *d);

void input_open(struct input *in, size_t max);
void input_close(struct input *in);
/* SIGBUS: a mapped file shrank under us (exit 3). */
void on_sigbus(int sig);
/* Pass 1: split the stream and find the Deployment; 0 or an exit code. */
int scan(struct pr *pr, struct cmfv_finder *f, unsigned long long *total);
ssize_t reread_fn(void *ctx, char *buf, size_t n);
/* 0 or an errno. */
int write_all(int fd, const char *p, size_t n);
/* Bytes [from, from+n) of the input to stdout; 0 or an errno. */
int copy_input(struct pr *pr, unsigned long long from, unsigned long long n);

#endif
