#include "cmfv/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmfv/alloc.h"

#define DEFAULT_TIMEOUT 30
#define DEFAULT_MAX ((size_t)16 << 20)

struct stream {
	int fd; /* -1 once at end of file */
	struct cmfv_buf *b;
};

/* Read what is there; keep at most \p max bytes. */
static void drain(struct stream *s, size_t max, struct cmfv_proc *p)
{
	char chunk[8192];
	ssize_t r = read(s->fd, chunk, sizeof(chunk));
	size_t keep;

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		close(s->fd);
		s->fd = -1;
	} else {
		keep = (size_t)r;
		if (s->b->len + keep > max) {
			keep = max - s->b->len;
			p->truncated = 1;
		}
		if (keep > 0 && !s->b->failed)
			cmfv_buf_add(s->b, chunk,
				     keep); /* a secret buffer grows without stale copies */
	}
	OPENSSL_cleanse(chunk, sizeof(chunk));
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

static void close_pair(int fd[2])
{
	if (fd[0] >= 0)
		close(fd[0]);
	if (fd[1] >= 0)
		close(fd[1]);
	fd[0] = fd[1] = -1;
}

volatile pid_t cmfv_proc_running;

/* the stack limit we were started with, when cmfv_main_stack_reserve
 * raised it */
static struct rlimit given_stack;
static volatile int stack_raised;

int cmfv_main_stack_reserve(size_t size)
{
#ifdef __linux__
	struct rlimit rl;

	if (getrlimit(RLIMIT_STACK, &rl) != 0)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= size)
		return 1;
	given_stack = rl;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < size ? rl.rlim_max : size;
	if (rl.rlim_cur <= given_stack.rlim_cur || setrlimit(RLIMIT_STACK, &rl) != 0)
		return 0;
	stack_raised = 1;
	return rl.rlim_cur == size;
#else
	(void)size;
	return 0;
#endif
}

void cmfv_proc_child_limits(void)
{
	if (stack_raised)
		setrlimit(RLIMIT_STACK, &given_stack);
}

static void child(char *const argv[], const struct cmfv_proc_opts *o, int out[2], int err[2],
		  int ex[2])
{
	int devnull = open("/dev/null", O_RDONLY), e;

	if (devnull >= 0 && devnull != 0) {
		dup2(devnull, 0);
		close(devnull);
	}
	dup2(out[1], 1);
	if (!o->pass_stderr)
		dup2(err[1], 2);
	close_pair(out);
	close_pair(err);
	close(ex[0]);
	signal(SIGPIPE, SIG_DFL);
	cmfv_proc_child_limits();
	execvp(argv[0], argv);
	e = errno;
	while (write(ex[1], &e, sizeof(e)) < 0 && errno == EINTR)
		;
	_exit(127);
}

enum cmfv_err cmfv_proc_run_opts(char *const argv[], const struct cmfv_proc_opts *o,
				 struct cmfv_proc *p)
{
	int out[2] = {-1, -1}, err[2] = {-1, -1}, ex[2] = {-1, -1}, st = 0, e = 0;
	unsigned timeout = o->timeout_s ? o->timeout_s : DEFAULT_TIMEOUT;
	size_t max = o->max ? o->max : DEFAULT_MAX;
	struct stream s[2];
	struct timespec deadline;
	ssize_t r;
	pid_t pid;

	memset(p, 0, sizeof(*p));
	/* made secret before the first byte; stderr too: a failing child may
	 * quote what it read */
	p->out.secret = p->err.secret = o->secret_out;
	if (pipe(out) != 0 || (!o->pass_stderr && pipe(err) != 0) || pipe(ex) != 0)
		goto fail;
	/* the exec-error pipe closes by itself when exec succeeds */
	if (fcntl(ex[1], F_SETFD, FD_CLOEXEC) != 0)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)timeout;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		child(argv, o, out, err, ex);
	cmfv_proc_running = pid;
	close(out[1]);
	out[1] = -1;
	if (err[1] >= 0) {
		close(err[1]);
		err[1] = -1;
	}
	close(ex[1]);
	ex[1] = -1;
	while ((r = read(ex[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	if (r == (ssize_t)sizeof(e)) {
		p->not_found = 1;
		p->exec_errno = e;
	}
	close(ex[0]);
	ex[0] = -1;

	s[0] = (struct stream){out[0], &p->out};
	s[1] = (struct stream){err[0], &p->err};
	out[0] = err[0] = -1; /* closed by drain or below */
	while (s[0].fd >= 0 || s[1].fd >= 0) {
		struct pollfd fds[2];
		struct stream *which[2];
		nfds_t n = 0, i;
		long left = ms_left(&deadline);

		if (left <= 0) {
			p->timed_out = 1;
			kill(pid, SIGKILL);
			break;
		}
		for (i = 0; i < 2; i++)
			if (s[i].fd >= 0) {
				fds[n] = (struct pollfd){s[i].fd, POLLIN, 0};
				which[n++] = &s[i];
			}
		if (poll(fds, n, (int)(left > 1000 ? 1000 : left)) <= 0)
			continue;
		for (i = 0; i < n; i++)
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
				drain(which[i], max, p);
	}
	for (int i = 0; i < 2; i++)
		if (s[i].fd >= 0)
			close(s[i].fd);
	/* streams closed: it should be gone or going, but a program that
	 * closes its output and lingers still has the deadline */
	for (;;) {
		pid_t w = waitpid(pid, &st, p->timed_out ? 0 : WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			break;
		if (w == 0) {
			if (ms_left(&deadline) <= 0) {
				p->timed_out = 1;
				kill(pid, SIGKILL);
			} else {
				struct timespec ten_ms = {0, 10000000};

				nanosleep(&ten_ms, NULL);
			}
		}
	}
	cmfv_proc_running = 0;
	if (WIFEXITED(st))
		p->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		p->status = 128 + WTERMSIG(st);
	if (p->not_found)
		p->status = 127;
	if (p->out.failed || p->err.failed)
		return CMFV_ENOMEM;
	return CMFV_OK;
fail:
	close_pair(out);
	close_pair(err);
	close_pair(ex);
	return CMFV_EENV;
}

enum cmfv_err cmfv_proc_run(char *const argv[], unsigned timeout_s, size_t max, int pass_stderr,
			    struct cmfv_proc *p)
{
	struct cmfv_proc_opts o;

	memset(&o, 0, sizeof(o));
	o.timeout_s = timeout_s;
	o.max = max;
	o.pass_stderr = pass_stderr;
	return cmfv_proc_run_opts(argv, &o, p);
}

void cmfv_proc_free(struct cmfv_proc *p)
{
	if (p == NULL)
		return;
	cmfv_buf_free(&p->out); /* wiped when it was made secret */
	cmfv_buf_free(&p->err);
}
