/* Input files and their contents, kept for the life of a run so that
 * locations can name them and reports can quote the offending line. */
#ifndef CMFV_SOURCE_H
#define CMFV_SOURCE_H

#include <stddef.h>

#include "cmfv/diag.h"

struct cmfv_source {
	char *name; /**< as the user gave it ("-" is shown as "<stdin>") */
	char *text; /**< contents, NUL-terminated (may hold NUL bytes) */
	size_t len;
	int secret; /**< holds key material: never quoted in reports */
	struct cmfv_source *next;
};

struct cmfv_sources {
	struct cmfv_source *head;
	int values_stdin_read; /**< Helm's values pipeline has read stdin (cmfv_values_read_file) */
	size_t max_input;      /**< largest file read (--max-input); 0 = CMFV_MAX_INPUT */
	size_t values_bytes;   /**< read so far by Helm's values pipeline (-f, --set-file) */
	size_t values_nodes;   /**< YAML nodes parsed so far as values, every input of the
				    run together (cmfv_values_parse_in; CMFV_MAX_VALUES_NODES) */
	size_t values_docs;    /**< YAML documents read so far as values (CMFV_MAX_DOCS) */
	size_t values_flow;    /**< flow cost of the values read so far, every input of the run
				    together (CMFV_YAML_MAX_FLOW_COST) */
};

/** Default for the largest input read, in bytes (256 MiB; --max-input). */
#define CMFV_MAX_INPUT ((size_t)256 << 20)

/** Largest YAML document (or --set-file value) read whole: 32 MiB. A
 * Kubernetes object is at most 1.5 MiB in etcd and a Helm release 1 MiB;
 * this bounds memory (parsing costs about 4 times the text). */
#define CMFV_MAX_DOC ((size_t)32 << 20)

/** Most bytes Helm's values pipeline reads in all (every -f and --set-file
 * together) unless --max-input is given: 64 MiB. Parsed values cost about
 * twice their text, and a real release's values are a few MB at most; this
 * keeps a run under 200 MB. */
#define CMFV_MAX_VALUES ((size_t)64 << 20)

/** Most YAML nodes (alias copies included) in all the values of one run:
 * every -f file, --set* flag, chart and subchart values.yaml and GitOps
 * values together: 500,000 (about 190 bytes each through parse, merge and
 * check: the largest accepted run stays under 1 s and 100 MB; 1,000,000
 * took 1.6 s and 193 MB). Per input it let six files of 450,000 keys take
 * 5 s and 249 MB. A real umbrella chart's values hold a few ten thousand. */
#define CMFV_MAX_VALUES_NODES ((size_t)500000)

/** Most YAML documents in one input read whole (lines that start with
 * `---`): 250,000. Bounds time, since values files are read document by
 * document (about 4 microseconds each). post-render's stream has its own
 * count (CMFV_STREAM_MAX_DOCS). */
#define CMFV_MAX_DOCS 250000

/** How long a FIFO named as an input may wait for a writer: 3 s, then
 * CMFV_EINPUT (it used to hang forever). */
#define CMFV_FIFO_WAIT_MS 3000

/** \p n bytes for a message: "256 MiB", "64 KiB", "1500 bytes" (the
 * largest binary unit that divides it). \p buf holds 32 bytes. */
const char *cmfv_size_str(unsigned long long n, char buf[32]);

/** Read \p path ("-" = stdin) whole and register it; \p *out is borrowed
 * from \p set. Errors: CMFV_ENOENT (missing/unreadable, with the OS reason),
 * CMFV_EINPUT (too large), CMFV_ENOMEM. */
enum cmfv_err cmfv_sources_read(struct cmfv_sources *set, const char *path, int secret,
				const struct cmfv_source **out, struct cmfv_diag *d);

/** Register \p text (copied) under \p name; \p *out borrowed from \p set. */
enum cmfv_err cmfv_sources_add(struct cmfv_sources *set, const char *name, const char *text,
			       size_t len, int secret, const struct cmfv_source **out);

/** Find a registered source by name; NULL when absent. */
const struct cmfv_source *cmfv_sources_find(const struct cmfv_sources *set, const char *name);

/** Free every source; secret ones are wiped first. */
void cmfv_sources_free(struct cmfv_sources *set);

/** Read a whole file descriptor into a fresh buffer (NUL-terminated);
 * caller frees (wiped: it may hold a key). At most \p max bytes: a regular
 * file is refused by its size before anything is read, a pipe or device
 * once it passes the limit; and no more than CMFV_MAX_DOC bytes may come
 * without a document start (a line beginning with `---`), nor more than
 * CMFV_MAX_DOCS document starts. All are CMFV_EINPUT. Returns CMFV_ENOENT with errno text on read
 * error. */
enum cmfv_err cmfv_read_fd(int fd, const char *name, size_t max, char **buf, size_t *len,
			   struct cmfv_diag *d);

#endif
