/* gzip + tar for packaged charts (.tgz). Only what Helm's loader uses. */
#include "cmfv/targz.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "cmfv/alloc.h"
#include "cmfv/buf.h"

/* The tar stream is kept whole: a chart is small, and Helm caps it. Headers
 * and padding come on top of the file data, hence the slack. */
#define MAX_TAR (CMFV_TARGZ_MAX_TOTAL + ((size_t)16 << 20))

/* Helm's tar reader pulls bytes out of the gzip reader only as far as the
 * tar end marker, so a stream that breaks after it (a bad CRC, a cut
 * trailer, junk where a next member would start) is never noticed. The
 * whole stream is inflated here; what went wrong past the first bytes is
 * kept in \p late (a static message) for the caller to weigh against
 * where the tar ended. */
static enum cmfv_err gunzip(const char *gz, size_t len, const char *name, struct cmfv_buf *out,
			    const char **late, struct cmfv_diag *d)
{
	z_stream z;
	unsigned char chunk[65536];
	int rc = Z_OK;

	*late = NULL;
	if (len < 2 || (unsigned char)gz[0] != 0x1f || (unsigned char)gz[1] != 0x8b)
		return cmfv_diag_set(d, CMFV_EINPUT, name, 0, 0, "gzip: invalid header");
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	z.next_in = (unsigned char *)(uintptr_t)gz;
	z.avail_in = (uInt)(len > 0xFFFFFFFFu ? 0xFFFFFFFFu : len);
	out->max = MAX_TAR;
	for (;;) {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = inflate(&z, Z_NO_FLUSH);
		if (cmfv_buf_add(out, chunk, sizeof(chunk) - z.avail_out) != CMFV_OK) {
			inflateEnd(&z);
			if (out->len + sizeof(chunk) > MAX_TAR)
				return cmfv_diag_set(
				    d, CMFV_EINPUT, name, 0, 0,
				    "decompressed chart is larger than the maximum file size %zu",
				    CMFV_TARGZ_MAX_TOTAL);
			return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
		}
		if (rc == Z_STREAM_END) {
			/* Go's gzip reader goes on into a following member */
			if (z.avail_in == 0 || inflateReset(&z) != Z_OK)
				break;
			rc = Z_OK;
		} else if (rc != Z_OK) {
			break;
		}
	}
	inflateEnd(&z);
	if (rc == Z_MEM_ERROR)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	if (rc != Z_STREAM_END)
		*late = rc == Z_BUF_ERROR		  ? "unexpected EOF (a broken gzip stream)"
			: z.msg && strstr(z.msg, "check") ? "gzip: invalid checksum"
							  : "gzip: invalid header";
	return CMFV_OK;
}

/* A tar number: octal digits (spaces/NULs around them), or base-256 when
 * the first byte has its top bit set. -1 when it is not a number. */
static long long tar_num(const unsigned char *p, size_t n)
{
	long long v = 0;
	size_t i = 0;

	if (p[0] & 0x80) {
		if (p[0] != 0x80 || n > 9) {
			for (i = 1; i < n - 8; i++)
				if (p[i] != 0)
					return -1;
		}
		for (i = n > 8 ? n - 8 : 1; i < n; i++)
			v = (v << 8) | p[i];
		return v < 0 ? -1 : v;
	}
	while (i < n && (p[i] == ' ' || p[i] == '\0'))
		i++;
	if (i == n)
		return 0;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v > (1LL << 50))
			return -1;
		v = v * 8 + (p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return -1;
	return v;
}

static char *field(const unsigned char *p, size_t n)
{
	size_t l = 0;

	while (l < n && p[l])
		l++;
	return cmfv_strndup((const char *)p, l);
}

/* The value of "path=" in a PAX header's records ("LEN key=value\n"). */
static char *pax_path(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t rl = 0, j = i;
		const char *kv, *eq;

		while (j < n && p[j] >= '0' && p[j] <= '9')
			rl = rl * 10 + (size_t)(p[j++] - '0');
		if (rl == 0 || j >= n || p[j] != ' ' || rl > n - i)
			return NULL;
		kv = p + j + 1;
		eq = memchr(kv, '=', (size_t)(p + i + rl - kv));
		if (eq && eq - kv == 4 && memcmp(kv, "path", 4) == 0)
			return cmfv_strndup(eq + 1, (size_t)(p + i + rl - 1 - (eq + 1)));
		i += rl;
	}
	return NULL;
}

static enum cmfv_err push(struct cmfv_tar *t, char *name, const char *data, size_t len, int regular)
{
	struct cmfv_tar_entry *e;

	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 16;
		void *nv = cmfv_realloc(t->v, nc * sizeof(*t->v));

		if (nv == NULL)
			return CMFV_ENOMEM;
		t->v = nv;
		t->cap = nc;
	}
	e = &t->v[t->n];
	e->data = cmfv_malloc(len + 1);
	if (e->data == NULL)
		return CMFV_ENOMEM;
	memcpy(e->data, data, len);
	e->data[len] = '\0';
	e->len = len;
	e->name = name;
	e->regular = regular;
	t->n++;
	return CMFV_OK;
}

static int zero_block(const unsigned char *h)
{
	size_t i;

	for (i = 0; i < 512; i++)
		if (h[i])
			return 0;
	return 1;
}

static int checksum_ok(const unsigned char *h)
{
	long long want = tar_num(h + 148, 8);
	long long u = 0, s = 0;
	size_t i;

	for (i = 0; i < 512; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];

		u += c;
		s += (signed char)c;
	}
	return want == u || want == s;
}

/* \p *end: how far Go's tar reader reads, the end marker included (0 if
 * it never saw one). */
static enum cmfv_err untar(const unsigned char *p, size_t n, const char *name, struct cmfv_tar *t,
			   size_t *end, struct cmfv_diag *d)
{
	size_t off = 0;
	char *longname = NULL;
	enum cmfv_err e = CMFV_OK;

	while (e == CMFV_OK) {
		const unsigned char *h = p + off;
		long long size;
		char type, *ename;
		size_t padded;

		if (off + 512 > n) {
			if (off < n || off == 0)
				e = cmfv_diag_set(d, CMFV_EINPUT, name, 0, 0,
						  "unexpected EOF in the tar archive");
			else
				*end = n;
			break;
		}
		if (zero_block(h)) {
			/* two zero blocks end it; one then EOF too; one then data is
			 * a bad header */
			if (off + 512 < n && off + 1024 > n) {
				e = cmfv_diag_set(d, CMFV_EINPUT, name, 0, 0,
						  "unexpected EOF in the tar archive");
			} else if (off + 1024 <= n && !zero_block(h + 512)) {
				e = cmfv_diag_set(d, CMFV_EINPUT, name, 0, 0,
						  "archive/tar: invalid tar header");
			} else {
				*end = off + 1024 <= n ? off + 1024 : n;
			}
			break;
		}
		if (!checksum_ok(h)) {
			e = cmfv_diag_set(d, CMFV_EINPUT, name, 0, 0,
					  "archive/tar: invalid tar header");
			break;
		}
		size = tar_num(h + 124, 12);
		type = (char)h[156];
		if (size < 0 || (unsigned long long)size > n - off - 512) {
			e = cmfv_diag_set(d, CMFV_EINPUT, name, 0, 0,
					  "unexpected EOF in the tar archive");
			break;
		}
		padded = ((size_t)size + 511) & ~(size_t)511;
		if (padded > n - off - 512)
			padded = n - off - 512;
		if (type == 'L' || type == 'x') {
			char *nm = type == 'L' ? field(h + 512, (size_t)size)
					       : pax_path((const char *)h + 512, (size_t)size);

			if (type == 'L' && nm == NULL) {
				e = CMFV_ENOMEM;
				break;
			}
			if (nm) {
				cmfv_free(longname);
				longname = nm;
			}
			off += 512 + padded;
			continue;
		}
		if (type == 'g' || type == 'K') {
			off += 512 + padded;
			continue;
		}
		if (longname) {
			ename = longname;
			longname = NULL;
		} else if (memcmp(h + 257, "ustar", 5) == 0 && h[345]) {
			char *pre = field(h + 345, 155), *nm = field(h, 100);
			struct cmfv_buf b = {0};

			if (pre && nm) {
				cmfv_buf_printf(&b, "%s/%s", pre, nm);
			}
			cmfv_free(pre);
			cmfv_free(nm);
			if (b.failed || b.ptr == NULL) {
				cmfv_buf_free(&b);
				e = CMFV_ENOMEM;
				break;
			}
			ename = b.ptr;
		} else {
			ename = field(h, 100);
		}
		if (ename == NULL) {
			e = CMFV_ENOMEM;
			break;
		}
		/* directories (FileInfo().IsDir()): type 5, a mode with the
		 * directory bit, or an old-style ('\0') entry whose name ends in '/' */
		if (type == '5' ||
		    (tar_num(h + 100, 8) > 0 && (tar_num(h + 100, 8) & 0170000) == 040000) ||
		    (type == '\0' && ename[0] && ename[strlen(ename) - 1] == '/')) {
			cmfv_free(ename);
		} else {
			int regular = type == '0' || type == '\0' || type == '7';

			e = push(t, ename, (const char *)h + 512, regular ? (size_t)size : 0,
				 regular);
			if (e != CMFV_OK)
				cmfv_free(ename);
		}
		off += 512 + padded;
	}
	cmfv_free(longname);
	if (e == CMFV_ENOMEM)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	return e;
}

enum cmfv_err cmfv_targz_read(const char *gz, size_t len, const char *name, struct cmfv_tar *out,
			      struct cmfv_diag *d)
{
	struct cmfv_buf tar = {0};
	const char *late = NULL;
	size_t end = 0;
	enum cmfv_err e = gunzip(gz, len, name, &tar, &late, d);

	memset(out, 0, sizeof(*out));
	if (e == CMFV_OK)
		e = untar((const unsigned char *)(tar.ptr ? tar.ptr : ""), tar.len, name, out, &end,
			  d);
	/* a broken stream counts only if the tar reader runs into the break:
	 * Helm stops at the end marker, and even an archive that ends exactly
	 * where the data does never has its trailer checked (tried: Helm 3.17
	 * and 4.1 accept a bad CRC there) */
	if (late && (e == CMFV_EINPUT || (e == CMFV_OK && end == 0))) {
		cmfv_tar_free(out);
		e = cmfv_diag_set(d, CMFV_EINPUT, name, 0, 0, "%s", late);
	}
	cmfv_buf_free(&tar);
	if (e != CMFV_OK)
		cmfv_tar_free(out);
	return e;
}

void cmfv_tar_free(struct cmfv_tar *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		cmfv_free(t->v[i].name);
		cmfv_free(t->v[i].data);
	}
	cmfv_free(t->v);
	memset(t, 0, sizeof(*t));
}
