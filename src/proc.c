#include "cmfv/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmfv/diag.h"

static void drain(int fd, struct cmfv_buf *b, size_t max, int *open_)
{
	char chunk[8192];
	ssize_t r = read(fd, chunk, sizeof(chunk));

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		*open_ = 0;
		return;
	}
	if (b->len < max)
		cmfv_buf_add(b, chunk, (size_t)r > max - b->len ? max - b->len : (size_t)r);
}

int cmfv_proc_run(char *const argv[], unsigned timeout_s, size_t max, int pass_stderr,
		  struct cmfv_proc *p)
{
	int out[2] = {-1, -1}, err[2] = {-1, -1}, st = 0, out_open = 1, err_open = !pass_stderr;
	int exec_err[2] = {-1, -1};
	struct timespec start, now;
	pid_t pid;

	memset(p, 0, sizeof(*p));
	if (pipe(out) != 0 || (!pass_stderr && pipe(err) != 0) || pipe(exec_err) != 0)
		goto fail;
	fcntl(exec_err[1], F_SETFD, FD_CLOEXEC);
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY), e;

		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(out[1], 1);
		if (!pass_stderr)
			dup2(err[1], 2);
		close(out[0]);
		close(out[1]);
		if (!pass_stderr) {
			close(err[0]);
			close(err[1]);
		}
		close(exec_err[0]);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		e = errno;
		if (write(exec_err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(out[1]);
	if (!pass_stderr)
		close(err[1]);
	close(exec_err[1]);
	{
		int e = 0;

		if (read(exec_err[0], &e, sizeof(e)) == (ssize_t)sizeof(e))
			p->not_found = 1;
		close(exec_err[0]);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (out_open || err_open) {
		struct pollfd fds[2];
		nfds_t n = 0;
		long left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (long)timeout_s * 1000 - ((now.tv_sec - start.tv_sec) * 1000 +
						 (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0) {
			p->timed_out = 1;
			kill(pid, SIGKILL);
			break;
		}
		if (out_open)
			fds[n++] = (struct pollfd){out[0], POLLIN, 0};
		if (err_open)
			fds[n++] = (struct pollfd){err[0], POLLIN, 0};
		if (poll(fds, n, (int)(left > 1000 ? 1000 : left)) <= 0)
			continue;
		for (nfds_t i = 0; i < n; i++) {
			if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (fds[i].fd == out[0])
				drain(out[0], &p->out, max, &out_open);
			else
				drain(err[0], &p->err, max, &err_open);
		}
	}
	close(out[0]);
	if (!pass_stderr)
		close(err[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
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
	if (out[0] >= 0) {
		close(out[0]);
		close(out[1]);
	}
	if (err[0] >= 0) {
		close(err[0]);
		close(err[1]);
	}
	if (exec_err[0] >= 0) {
		close(exec_err[0]);
		close(exec_err[1]);
	}
	return CMFV_EENV;
}

void cmfv_proc_free(struct cmfv_proc *p, int wipe)
{
	cmfv_buf_free(&p->out, wipe);
	cmfv_buf_free(&p->err, 0);
}
