/* post-render: manifests on stdin -> the same manifests on stdout, with the
 * encryption key mounted into the CMF Deployment.
 *
 * Every document that is not changed goes out byte for byte: the stream is
 * cut into documents without parsing them (docsplit.c) and only documents
 * that mention a Deployment are parsed. Output is held back until the whole
 * stream has been seen, so that a failing check writes nothing (fail
 * closed); past SPOOL_MEM bytes it waits in an unlinked temporary file, so
 * memory stays bounded by the largest document. */
#define _GNU_SOURCE /* memmem, O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmfv/alloc.h"
#include "cmfv/docsplit.h"
#include "cmfv/emit.h"
#include "cmfv/mount.h"
#include "cmfv/yaml.h"
#include "commands.h"

#define SPOOL_MEM ((size_t)16 << 20)      /* a stream this size is read whole */
#define SPOOL_STREAM_MEM ((size_t)4 << 20) /* beyond it, spool this much, then spill */

struct spool {
	char *mem;
	size_t len, cap;
	int fd;         /* spill file, -1 while everything fits in memory */
	size_t limit;   /* bytes held in memory before spilling */
	size_t total;   /* bytes spooled */
	const char *map; /* the input mapped whole (a regular file), or NULL */
	int failed;
};

struct candidate {
	char *bytes;    /* the document as it came */
	size_t len;
	size_t at;      /* spool offset it goes before */
	size_t skip;    /* bytes of the spool it replaces (the input held whole: its own) */
	struct cmfv_node *doc;
	enum cmfv_match match;
	int chosen, changed;
};

static int spool_add(struct spool *s, const char *p, size_t n)
{
	if (s->failed)
		return -1;
	if (s->fd < 0 && s->len + n > s->limit) {
		const char *dir = getenv("TMPDIR");

		s->fd = open(dir && dir[0] ? dir : "/tmp", O_TMPFILE | O_RDWR | O_EXCL, 0600);
		if (s->fd < 0) {
			char path[4096];

			snprintf(path, sizeof(path), "%s/cmf-validate-spool-XXXXXX", dir && dir[0] ? dir : "/tmp");
			s->fd = mkstemp(path);
			if (s->fd >= 0)
				unlink(path);
		}
		if (s->fd < 0 || write(s->fd, s->mem, s->len) != (ssize_t)s->len) {
			s->failed = 1;
			return -1;
		}
		s->len = 0;
	}
	if (s->fd >= 0) {
		while (n > 0) {
			ssize_t w = write(s->fd, p, n);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				s->failed = 1;
				return -1;
			}
			p += w;
			n -= (size_t)w;
			s->total += (size_t)w;
		}
		return 0;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 65536;
		char *nm;

		while (cap < s->len + n)
			cap *= 2;
		nm = cmfv_realloc(s->mem, cap);
		if (nm == NULL) {
			s->failed = 1;
			return -1;
		}
		s->mem = nm;
		s->cap = cap;
	}
	memcpy(s->mem + s->len, p, n);
	s->len += n;
	s->total += n;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy spool bytes [from, to) to stdout. */
static int spool_out(struct spool *s, size_t from, size_t to)
{
	char buf[1 << 16];

	if (s->map)
		return write_all(1, s->map + from, to - from);
	if (s->fd < 0)
		return write_all(1, s->mem + from, to - from);
	while (from < to) {
		size_t n = to - from > sizeof(buf) ? sizeof(buf) : to - from;
		ssize_t r = pread(s->fd, buf, n, (off_t)from);

		if (r <= 0)
			return -1;
		if (write_all(1, buf, (size_t)r) != 0)
			return -1;
		from += (size_t)r;
	}
	return 0;
}

/* The lines a changed document keeps from its original: BOM, the `---`
 * marker, directives, comments (`# Source: ...`) and blank lines before the
 * content. */
static size_t keep_prefix(const char *p, size_t n)
{
	size_t i = 0, keep = 0;

	if (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
		i = keep = 3;
	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - p) + 1 : n, j = i;
		int marker = n - i >= 3 && memcmp(p + i, "---", 3) == 0;

		if (marker)
			j = i + 3;
		else if (p[i] == '%')
			j = end;
		while (j < end && (p[j] == ' ' || p[j] == '\t' || p[j] == '\r' || p[j] == '\n'))
			j++;
		if (j < end && p[j] != '#')
			break; /* content starts on this line */
		i = keep = end;
	}
	return keep;
}

static const char *report_path(const struct cli_opts *o, char *buf, size_t size)
{
	const char *cache = getenv("HELM_CACHE_HOME"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (o->report_file)
		return o->report_file;
	if (cache && cache[0])
		snprintf(buf, size, "%s/cmf-validate/last-report.txt", cache);
	else if (xdg && xdg[0])
		snprintf(buf, size, "%s/helm/cmf-validate/last-report.txt", xdg);
	else
		snprintf(buf, size, "%s/.cache/helm/cmf-validate/last-report.txt", home ? home : "/tmp");
	return buf;
}

/* Helm 4 throws a post-renderer's stderr away: the report also goes to a
 * file (the README says where). Failing to write it is only a warning. */
static void write_report(const struct cli_opts *o, const struct cli_run *run, int rc, const char *why)
{
	char buf[4096], dir[4096], *slash;
	const char *path = report_path(o, buf, sizeof(buf));
	FILE *f;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0700);
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "cmf-validate: warning: cannot write the report to %s: %s\n", path,
			strerror(errno));
		return;
	}
	fprintf(f, "cmf-validate post-render: exit %d%s%s\n", rc, why ? ": " : "", why ? why : "");
	cli_render(o, run, "text", f);
	if (fclose(f) != 0)
		fprintf(stderr, "cmf-validate: warning: cannot write the report to %s\n", path);
}

static void madvise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;

	if (n > 4096 + (a - (uintptr_t)p))
		madvise((void *)a, (n - (a - (uintptr_t)p)) & ~(size_t)4095, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}

struct pr_state {
	const struct cmfv_mount_opts *mo;
	const char *want;
	size_t wantlen;
	struct spool *spool;
	int inmem;           /* the input is held whole in spool->mem */
	const char *base;    /* ... starting here */
	struct candidate *cand;
	size_t ncand, nlabel, content;
	int rc;
	struct cmfv_diag *d;
};

/* One document of the stream: a candidate CMF Deployment is kept aside
 * (parsed), everything else goes to the spool as it is. */
static enum cmfv_err take_chunk(void *ctx, const char *p, size_t n, unsigned line)
{
	struct pr_state *st = ctx;
	struct cmfv_node *doc = NULL;
	enum cmfv_match m;

	if (cmfv_chunk_has_content(p, n))
		st->content++;
	/* only a document that names both a Deployment and the CMF name (or
	 * --deployment's) can be a candidate: only those need a tree */
	if (memmem(p, n, st->want, st->wantlen) != NULL && memmem(p, n, "Deployment", 10) != NULL) {
		struct cmfv_yaml_opts yo = {0, 0, 0};

		/* lines are counted only for the few documents that get parsed */
		yo.line_offset = st->inmem ? cmfv_count_lines(st->base, (size_t)(p - st->base)) : line - 1;
		if (cmfv_yaml_load(p, n, "<stdin>", &yo, &doc, st->d) != CMFV_OK) {
			st->rc = cli_print_diag(st->d);
			return CMFV_EINPUT;
		}
		m = cmfv_mount_match(doc, st->mo);
		if (m != CMFV_MATCH_NONE) {
			struct candidate *nc = cmfv_realloc(st->cand, (st->ncand + 1) * sizeof(*nc));
			struct candidate *c;

			if (nc == NULL || (nc[st->ncand].bytes = cmfv_malloc(n ? n : 1)) == NULL) {
				st->cand = nc ? nc : st->cand;
				cmfv_node_free(doc);
				fprintf(stderr, "cmf-validate: out of memory\n");
				st->rc = EXIT_ENV;
				return CMFV_ENOMEM;
			}
			st->cand = nc;
			c = &nc[st->ncand++];
			memcpy(c->bytes, p, n);
			c->len = n;
			c->at = st->inmem ? (size_t)(p - st->base) : st->spool->total;
			c->skip = st->inmem ? n : 0;
			c->doc = doc;
			c->match = m;
			c->chosen = c->changed = 0;
			if (m == CMFV_MATCH_LABEL)
				st->nlabel++;
			return CMFV_OK;
		}
		cmfv_node_free(doc);
	}
	if (!st->inmem && spool_add(st->spool, p, n) != 0) {
		fprintf(stderr, "cmf-validate: cannot hold the manifests: %s\n", strerror(errno));
		st->rc = EXIT_ENV;
		return CMFV_EIO;
	}
	return CMFV_OK;
}

static void help(void)
{
	printf("Usage: cmf-validate post-render [values flags] [key-source flags] [flags] < manifests > manifests\n\n"
	       "Helm post-renderer: run every check on the values, then mount the encryption key\n"
	       "into the CMF Deployment: a read-only volume from the key Secret, projecting only\n"
	       "its property as FILE (mode 0400), mounted at PATH in container `cmf`. Every other\n"
	       "document passes through byte for byte. Errors write nothing and exit 1, so the\n"
	       "release stops. The report also goes to --report FILE, else\n"
	       "$HELM_CACHE_HOME/cmf-validate/last-report.txt (Helm 4 hides a post-renderer's stderr).\n\n"
	       "Helm 3:  helm install ... --post-renderer $HELM_PLUGINS/cmf-validate/bin/cmf-validate \\\n"
	       "           --post-renderer-args post-render --post-renderer-args -f --post-renderer-args values.yaml\n"
	       "Helm 4:  helm cmf-validate install-post-renderer --yes   (once)\n"
	       "         helm install ... --post-renderer cmf-post-renderer --post-renderer-args -f --post-renderer-args values.yaml\n\n");
	cli_print_flags(CMD_POST_RENDER);
}

static enum cmfv_err drop_doc(void *ctx, struct cmfv_node *doc, struct cmfv_diag *d)
{
	(void)ctx;
	(void)d;
	cmfv_node_free(doc);
	return CMFV_OK;
}

struct yaml_check {
	struct cmfv_diag *d;
};

static enum cmfv_err check_chunk(void *ctx, const char *p, size_t n, unsigned line)
{
	struct yaml_check *c = ctx;
	struct cmfv_yaml_opts yo = {0, 0, line - 1};

	return cmfv_yaml_load_all(p, n, "<stdin>", &yo, drop_doc, NULL, c->d);
}

/* When no CMF Deployment turned up, is the input YAML at all? Parsing every
 * document costs time, so it is done only on this failure path. Returns 0
 * when it is, else the exit code after printing where it is not. */
static int check_yaml(struct spool *s)
{
	struct cmfv_diag d;
	struct yaml_check c = {&d};
	const char *p = s->map ? s->map : s->mem;
	void *map = NULL;
	int rc = 0;

	cmfv_diag_clear(&d);
	if (s->fd >= 0 && s->total > 0) {
		map = mmap(NULL, s->total, PROT_READ, MAP_PRIVATE, s->fd, 0);
		if (map == MAP_FAILED)
			return 0;
		p = map;
	}
	if (p && cmfv_split_buffer(p, s->total, check_chunk, &c, 1) != CMFV_OK)
		rc = cli_print_diag(&d);
	if (map)
		munmap(map, s->total);
	return rc;
}

static void free_candidates(struct candidate *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		cmfv_free(c[i].bytes);
		cmfv_node_free(c[i].doc);
	}
	cmfv_free(c);
}

/* Copy stdin to stdout unchanged (encryption not required). */
static int passthrough(void)
{
	char buf[1 << 16];
	size_t total = 0;
	ssize_t r;

	while ((r = read(0, buf, sizeof(buf))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("cmf-validate: read");
			return EXIT_USAGE;
		}
		if (write_all(1, buf, (size_t)r) != 0) {
			perror("cmf-validate: write");
			return EXIT_ENV;
		}
		total += (size_t)r;
	}
	if (total == 0) {
		fprintf(stderr, "cmf-validate: post-render: no manifests on stdin\n");
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_post_render(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_run run;
	struct cmfv_mount_opts mo;
	struct cmfv_splitter sp;
	struct spool spool = {NULL, 0, 0, -1, SPOOL_STREAM_MEM, 0, NULL, 0};
	struct pr_state st;
	struct candidate *cand = NULL;
	size_t ncand = 0, i, chosen = 0, nlabel = 0, content = 0;
	struct cmfv_diag d;
	const char *why = NULL;
	int rc = cli_parse(CMD_POST_RENDER, "post-render", argc, argv, &o), done = 0;

	memset(&run, 0, sizeof(run));
	memset(&st, 0, sizeof(st));
	if (rc != 0) {
		cli_opts_free(&o);
		return rc;
	}
	if (o.help) {
		help();
		cli_opts_free(&o);
		return 0;
	}
	if (o.nrest) {
		fprintf(stderr, "cmf-validate post-render: unexpected argument '%s'\n", o.rest[0]);
		cli_opts_free(&o);
		return EXIT_USAGE;
	}
	rc = cli_run_checks(&o, &run);
	if (rc != 0) {
		write_report(&o, &run, rc, "unusable input (see the message above)");
		goto out;
	}
	if (cli_report_exit(&run.report, o.strict) != 0) {
		rc = EXIT_FINDINGS;
		why = "the release is stopped";
		goto report;
	}
	if (!run.ref.required) {
		/* plain-text mode: nothing to mount; the warning says so */
		rc = passthrough();
		why = rc == 0 ? "encryption not required: manifests passed through unchanged" : NULL;
		goto report;
	}

	memset(&mo, 0, sizeof(mo));
	mo.deployment = o.deployment ? o.deployment : run.config ? run.config->deployment : NULL;
	mo.container = o.container ? o.container : run.config ? run.config->container : NULL;
	mo.mount_path = o.mount_path ? o.mount_path : run.config && run.config->mount_path ? run.config->mount_path : CMFV_DEFAULT_MOUNT_PATH;
	mo.volume_name = o.volume_name ? o.volume_name : run.config && run.config->volume_name ? run.config->volume_name : CMFV_DEFAULT_VOLUME;
	mo.file_name = o.file_name ? o.file_name : run.config && run.config->file_name ? run.config->file_name : CMFV_DEFAULT_FILE;
	mo.secret_name = run.ref.name;
	mo.property = run.ref.property;
	mo.kcv = o.kcv;
	for (i = 0; mo.kcv == NULL && i < run.report.nkeys; i++)
		if (run.report.keys[i].valid)
			mo.kcv = run.report.keys[i].kcv;

	st.mo = &mo;
	st.want = mo.deployment ? mo.deployment : CMFV_DEFAULT_DEPLOYMENT;
	st.wantlen = strlen(st.want);
	st.spool = &spool;
	st.d = &d;
	cmfv_diag_clear(&d);
	/* Most streams fit in memory: read them whole and cut them up in place
	 * (no copy). A larger one is split as it comes and spooled. */
	{
		size_t cap = SPOOL_MEM, len = 0;
		char *buf;
		int eof = 0;
		struct stat sb;

		/* a regular file of modest size is mapped, not copied (a larger one
		 * streams: mapped pages would count against the memory bound) */
		if (fstat(0, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
		    (size_t)sb.st_size <= SPOOL_MEM && lseek(0, 0, SEEK_CUR) == 0) {
			void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, 0, 0);

			if (m != MAP_FAILED) {
				st.inmem = 1;
				st.base = m;
				spool.total = (size_t)sb.st_size;
				spool.map = m;
				if (cmfv_split_buffer(m, spool.total, take_chunk, &st, 0) != CMFV_OK)
					rc = st.rc ? st.rc : EXIT_ENV;
				goto collected;
			}
		}
		buf = cmfv_malloc(cap);

		/* one allocation; pages are touched only as input arrives, and huge
		 * pages spare most of the page faults of a large stream */
		if (buf)
			madvise_huge(buf, cap);
		while (buf && !eof && len < cap) {
			ssize_t r;

			r = read(0, buf + len, cap - len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				fprintf(stderr, "cmf-validate: post-render: cannot read stdin: %s\n", strerror(errno));
				cmfv_free(buf);
				rc = EXIT_USAGE;
				goto report;
			}
			if (r == 0)
				eof = 1;
			len += (size_t)r;
		}
		if (buf == NULL) {
			fprintf(stderr, "cmf-validate: out of memory\n");
			rc = EXIT_ENV;
			goto report;
		}
		if (eof) {
			spool.mem = buf;
			spool.len = spool.total = len;
			st.inmem = 1;
			st.base = buf;
			if (cmfv_split_buffer(buf, len, take_chunk, &st, 0) != CMFV_OK)
				rc = st.rc ? st.rc : EXIT_ENV;
		} else {
			cmfv_splitter_init(&sp, 0, "<stdin>", 0);
			cmfv_splitter_prime(&sp, buf, len, cap);
			while (rc == 0) {
				const char *p;
				size_t n;
				unsigned line;

				if (cmfv_splitter_next(&sp, &p, &n, &line, &done, &d) != CMFV_OK) {
					rc = cli_print_diag(&d);
					break;
				}
				if (done)
					break;
				if (take_chunk(&st, p, n, line) != CMFV_OK)
					rc = st.rc ? st.rc : EXIT_ENV;
			}
			cmfv_splitter_free(&sp);
		}
	}
collected:
	cand = st.cand;
	ncand = st.ncand;
	nlabel = st.nlabel;
	content = st.content;
	if (rc != 0)
		goto report;
	if (content == 0) {
		fprintf(stderr, "cmf-validate: post-render: no manifests on stdin\n");
		rc = EXIT_USAGE;
		goto report;
	}
	/* which Deployment: --deployment, else the label, else the name */
	for (i = 0; i < ncand; i++) {
		cand[i].chosen = nlabel ? cand[i].match == CMFV_MATCH_LABEL : 1;
		chosen += (size_t)cand[i].chosen;
	}
	if (chosen == 0 && (rc = check_yaml(&spool)) != 0)
		goto report;
	if (chosen == 0) {
		cmfv_report_add(&run.report, "CMF030", NULL, (struct cmfv_loc){NULL, 0, 0},
				"no CMF Deployment in the manifests (looked for %s%s); pass --deployment NAME if the chart renames it",
				mo.deployment ? "the name " : "the label app.kubernetes.io/name=confluent-manager-for-apache-flink, then the name ",
				mo.deployment ? mo.deployment : CMFV_DEFAULT_DEPLOYMENT);
	} else if (chosen > 1) {
		struct cmfv_buf names = {0};

		for (i = 0; i < ncand; i++)
			if (cand[i].chosen) {
				const struct cmfv_node *nm = cmfv_node_path(cand[i].doc, "metadata.name");

				cmfv_buf_puts(&names, names.len ? ", " : "");
				cmfv_buf_puts(&names, nm && nm->kind == CMFV_STR ? nm->u.s.ptr : "?");
			}
		cmfv_report_add(&run.report, "CMF031", NULL, cand[0].doc->loc,
				"%zu Deployments could be CMF's (%s); pass --deployment NAME", chosen,
				names.ptr ? names.ptr : "");
		cmfv_buf_free(&names, 0);
	} else {
		for (i = 0; i < ncand; i++)
			if (cand[i].chosen &&
			    cmfv_mount(cand[i].doc, &mo, &run.report, &cand[i].changed) != CMFV_OK) {
				fprintf(stderr, "cmf-validate: out of memory\n");
				rc = EXIT_ENV;
				goto report;
			}
	}
	cmfv_report_sort(&run.report);
	if (cli_report_exit(&run.report, o.strict) != 0) {
		rc = EXIT_FINDINGS;
		why = "the release is stopped";
		goto report;
	}
	if (spool.failed) {
		rc = EXIT_ENV;
		goto report;
	}
	/* all is well: write the stream, the changed Deployment in its place */
	{
		size_t from = 0;
		int werr = 0;

		for (i = 0; i < ncand && !werr; i++) {
			werr = spool_out(&spool, from, cand[i].at) != 0;
			from = cand[i].at + cand[i].skip;
			if (werr)
				break;
			if (cand[i].changed) {
				struct cmfv_buf b = {0};
				size_t keep = keep_prefix(cand[i].bytes, cand[i].len);
				int crlf = memmem(cand[i].bytes, cand[i].len, "\r\n", 2) != NULL;

				cmfv_buf_add(&b, cand[i].bytes, keep);
				if (keep == 0 && i > 0)
					cmfv_buf_puts(&b, "---\n");
				if (cmfv_yaml_emit(cand[i].doc, 0, &b) != CMFV_OK || b.failed) {
					cmfv_buf_free(&b, 0);
					rc = EXIT_ENV;
					break;
				}
				if (crlf) {
					/* the document came with CRLF: keep to it */
					struct cmfv_buf c = {0};
					size_t k;

					for (k = 0; k < b.len; k++) {
						if (b.ptr[k] == '\n' && (k == 0 || b.ptr[k - 1] != '\r'))
							cmfv_buf_add(&c, "\r", 1);
						cmfv_buf_add(&c, b.ptr + k, 1);
					}
					cmfv_buf_free(&b, 0);
					b = c;
				}
				werr = b.failed || write_all(1, b.ptr, b.len) != 0;
				cmfv_buf_free(&b, 0);
			} else {
				werr = write_all(1, cand[i].bytes, cand[i].len) != 0;
			}
		}
		if (!werr && rc == 0)
			werr = spool_out(&spool, from, spool.total) != 0;
		if (werr) {
			fprintf(stderr, "cmf-validate: post-render: cannot write the manifests: %s\n",
				strerror(errno));
			rc = EXIT_ENV;
		}
	}
report:
	if (run.report.n)
		cli_render(&o, &run, "text", stderr);
	write_report(&o, &run, rc, why);
out:
	free_candidates(cand, ncand);
	cmfv_free(spool.mem);
	if (spool.map)
		munmap((void *)(uintptr_t)spool.map, spool.total);
	if (spool.fd >= 0)
		close(spool.fd);
	cli_run_free(&run);
	cli_opts_free(&o);
	return rc;
}
