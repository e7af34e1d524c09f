/* A gzip-compressed tar archive read into memory, the way Helm's chart
 * loader reads one (archive/tar + compress/gzip): every entry but
 * directories and PAX headers, GNU long names and PAX path/size honoured,
 * a size cap on the whole. */
#ifndef CMFV_TARGZ_H
#define CMFV_TARGZ_H

#include <stddef.h>

#include "cmfv/diag.h"

/** Helm's limits: 100 MiB for a whole decompressed chart, 5 MiB a file. */
#define CMFV_TARGZ_MAX_TOTAL ((size_t)100 << 20)
#define CMFV_TARGZ_MAX_FILE ((size_t)5 << 20)

struct cmfv_tar_entry {
	char *name; /**< owned: the path as stored in the archive */
	char *data; /**< owned, NUL-terminated */
	size_t len;
	long long size; /**< the header's size (PAX applied): more than len for a
			 * header-only type (link, device, FIFO), which Helm refuses */
	int regular;	/**< 0 for symlinks and the like: Helm keeps them as empty files */
};

struct cmfv_tar {
	struct cmfv_tar_entry *v;
	size_t n, cap;
};

/** Gunzip and untar \p len bytes at \p gz (every gzip member, as Go reads
 * them). Directories and PAX headers are skipped. Errors: CMFV_EINPUT
 * with the reason (\p name in the diag), CMFV_ENOMEM. */
enum cmfv_err cmfv_targz_read(const char *gz, size_t len, const char *name, struct cmfv_tar *out,
			      struct cmfv_diag *d);

void cmfv_tar_free(struct cmfv_tar *t);

#endif
