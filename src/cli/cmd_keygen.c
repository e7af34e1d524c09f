/* keygen: a new AES key from OpenSSL's RNG, as a raw file or a Secret. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmfv/check.h"
#include "cmfv/key.h"
#include "cmfv/scalar.h"
#include "commands.h"

static void help(void)
{
	printf("Usage: cmf-validate keygen [--bits 128|256] (-o FILE | --secret NAME --property "
	       "KEY [-n NS])\n\n"
	       "Make a new AES key with OpenSSL's random generator (256 bits by default).\n"
	       "  -o FILE     write the raw key to FILE (mode 0600; an existing file is never "
	       "overwritten);\n"
	       "              -o - writes it to stdout (refused on a terminal)\n"
	       "  --secret    print a Secret manifest on stdout, the same as\n"
	       "              kubectl create secret generic NAME --from-file=KEY=... [-n NS] "
	       "--dry-run=client -o yaml\n"
	       "The key check value (KCV) goes to stderr. Back the key up: CMF cannot rotate it,\n"
	       "and data encrypted with a lost key is gone.\n\n"
	       "Examples:\n  cmf-validate keygen -o cmf.key && kubectl create secret generic "
	       "cmf-encryption-key --from-file=encryption-key=cmf.key -n flink\n"
	       "  cmf-validate keygen --secret cmf-encryption-key --property encryption-key -n "
	       "flink | kubectl apply -f -\n\n");
	cli_print_flags(CMD_KEYGEN);
}

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int digits(const char *s, size_t n, unsigned *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return n > 0;
}

/* A date go-yaml v2 reads as a timestamp (Go layout "2006-1-2")? */
static int yaml_date(const char *s)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *a = strchr(s, '-'), *b = a ? strchr(a + 1, '-') : NULL;
	unsigned y, m, d, max;

	if (a == NULL || b == NULL || a - s != 4 || b - a - 1 < 1 || b - a - 1 > 2 ||
	    strlen(b + 1) < 1 || strlen(b + 1) > 2 || !digits(s, 4, &y) ||
	    !digits(a + 1, (size_t)(b - a - 1), &m) || !digits(b + 1, strlen(b + 1), &d))
		return 0;
	if (m < 1 || m > 12 || d < 1)
		return 0;
	max = mdays[m - 1] + (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
	return d <= max;
}

/* Write \p s (a Secret name, namespace or data key: [-._a-zA-Z0-9]) as
 * kubectl's YAML printer (go-yaml v2) does: double quotes when it would read
 * back as another type, single quotes when the emitter cannot write it
 * plain, else plain. */
static void put_scalar(char *out, size_t size, size_t *o, const char *s)
{
	struct cmfv_scalar r;
	const char *q = "";
	int n;

	cmfv_scalar_resolve(s, strlen(s), &r);
	if (r.res != CMFV_RES_STR || yaml_date(s))
		q = "\"";
	else if (strcmp(s, "-") == 0 || strncmp(s, "---", 3) == 0 || strncmp(s, "...", 3) == 0)
		q = "'";
	n = snprintf(out + *o, size - *o, "%s%s%s", q, s, q);
	if (n > 0)
		*o += (size_t)n < size - *o ? (size_t)n : size - *o - 1;
}

static void put(char *out, size_t size, size_t *o, const char *s)
{
	int n = snprintf(out + *o, size - *o, "%s", s);

	if (n > 0)
		*o += (size_t)n < size - *o ? (size_t)n : size - *o - 1;
}

/* The manifest, built in \p out so that the key passes through no stdio
 * buffer; the caller wipes \p out. Returns its length. */
static size_t manifest(char *out, size_t size, const char *name, const char *prop, const char *ns,
		       const char *b64)
{
	size_t o = 0;

	put(out, size, &o, "apiVersion: v1\ndata:\n  ");
	put_scalar(out, size, &o, prop);
	put(out, size, &o, ": ");
	put(out, size, &o, b64);
	put(out, size, &o, "\nkind: Secret\nmetadata:\n  creationTimestamp: null\n  name: ");
	put_scalar(out, size, &o, name);
	put(out, size, &o, "\n");
	if (ns) {
		put(out, size, &o, "  namespace: ");
		put_scalar(out, size, &o, ns);
		put(out, size, &o, "\n");
	}
	return o;
}

/* -o -: the raw key on stdout, for a pipe or a file the shell opened;
 * never on a terminal (the key would be on screen and in its scrollback). */
static int to_stdout(const unsigned char *key, size_t len, const char *kcv)
{
	if (isatty(STDOUT_FILENO)) {
		fprintf(stderr,
			"cmf-validate keygen: -o - writes the raw key to stdout, which is a "
			"terminal: redirect it (-o - > FILE, or | kubectl ...) or use -o FILE\n");
		return EXIT_USAGE;
	}
	if (fflush(stdout) != 0 || write_all(STDOUT_FILENO, key, len) != 0) {
		perror("cmf-validate keygen: writing the key to stdout");
		return EXIT_ENV;
	}
	fprintf(stderr, "cmf-validate: wrote a %zu-byte key to stdout, KCV %s\n", len, kcv);
	return 0;
}

static int to_file(const char *path, const unsigned char *key, size_t len, const char *kcv)
{
	struct cmfv_safefile sf;
	struct cmfv_diag d;
	enum cmfv_err e;

	/* created with O_EXCL|O_NOFOLLOW in a checked folder, mode 0600 exactly:
	 * an existing file or a link is never overwritten (a key file may be
	 * the only copy of a key) */
	cmfv_diag_clear(&d);
	e = cmfv_safefile_open(path, CMFV_SF_NO_REPLACE, 0600, &sf, &d);
	if (e != CMFV_OK) {
		fprintf(stderr, "cmf-validate keygen: %s: %s\n", path, d.msg);
		return e == CMFV_EUSAGE ? EXIT_USAGE : EXIT_ENV;
	}
	if (write_all(sf.fd, key, len) != 0) {
		int err = errno;

		cmfv_safefile_abort(&sf);
		fprintf(stderr, "cmf-validate keygen: writing %s: %s\n", path, strerror(err));
		return EXIT_ENV;
	}
	if (cmfv_safefile_commit(&sf, 1, &d) != CMFV_OK) {
		fprintf(stderr, "cmf-validate keygen: writing %s: %s\n", path, d.msg);
		return EXIT_ENV;
	}
	fprintf(stderr, "cmf-validate: wrote a %zu-byte key to %s (mode 0600), KCV %s\n", len, path,
		kcv);
	fprintf(stderr,
		"next: kubectl create secret generic cmf-encryption-key "
		"--from-file=encryption-key=%s -n <release namespace>\n",
		path);
	return 0;
}

static int to_secret(const struct cli_opts *o, const unsigned char *key, size_t len,
		     const char *kcv)
{
	char b64[48], text[2048];
	size_t n;
	int rc = 0;

	cmfv_base64_encode(key, len, b64);
	n = manifest(text, sizeof(text), o->secret, o->property, cli_namespace(o), b64);
	OPENSSL_cleanse(b64, sizeof(b64));
	if (fflush(stdout) != 0 || write_all(1, text, n) != 0) {
		perror("cmf-validate keygen: writing the manifest");
		rc = EXIT_ENV;
	}
	OPENSSL_cleanse(text, sizeof(text));
	if (rc == 0)
		fprintf(stderr,
			"cmf-validate: made a %zu-byte key in Secret %s, property %s, KCV %s\n",
			len, o->secret, o->property, kcv);
	return rc;
}

int cmd_keygen(int argc, char **argv)
{
	struct cli_opts o;
	unsigned char key[32];
	char kcv[7];
	size_t len;
	int rc;

	if (cli_begin(CMD_KEYGEN, "keygen", argc, argv, &o, help, &rc))
		return rc;
	len = o.bits == 128 ? 16 : 32;
	if ((o.out_file == NULL) == (o.secret == NULL) || o.nrest) {
		fprintf(
		    stderr,
		    "cmf-validate keygen: give either -o FILE or --secret NAME --property KEY\n");
		rc = EXIT_USAGE;
		goto out;
	}
	/* kubectl also refuses data keys that start with ".." */
	if (o.secret &&
	    (o.property == NULL || !cmfv_is_secret_key(o.property) ||
	     strncmp(o.property, "..", 2) == 0 || !cmfv_is_dns1123_subdomain(o.secret))) {
		fprintf(stderr,
			"cmf-validate keygen: --secret needs a DNS-1123 name and --property a "
			"valid data key ([-._a-zA-Z0-9]+, not starting with '..')\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if (o.out_file && o.property) {
		fprintf(stderr, "cmf-validate keygen: --property goes with --secret, not -o\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if (RAND_bytes(key, (int)len) != 1) {
		fprintf(stderr, "cmf-validate keygen: OpenSSL's random generator failed\n");
		rc = EXIT_ENV;
		goto wipe;
	}
	if (cmfv_key_kcv(key, len, kcv) != CMFV_OK) {
		fprintf(stderr, "cmf-validate keygen: cannot compute the key check value\n");
		rc = EXIT_ENV;
		goto wipe;
	}
	if (o.out_file && strcmp(o.out_file, "-") == 0)
		rc = to_stdout(key, len, kcv);
	else
		rc = o.out_file ? to_file(o.out_file, key, len, kcv) : to_secret(&o, key, len, kcv);
	if (rc == 0)
		fprintf(
		    stderr,
		    "Back the key up now and note its KCV: CMF cannot rotate its key, and data\n"
		    "encrypted with a lost key cannot be recovered.\n");
wipe:
	OPENSSL_cleanse(key, sizeof(key));
out:
	cli_opts_free(&o);
	return rc;
}
