/* keygen: a new AES key from OpenSSL's RNG, as a raw file or a Secret. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmfv/check.h"
#include "cmfv/key.h"
#include "commands.h"

static void help(void)
{
	printf("Usage: cmf-validate keygen [--bits 128|256] (-o FILE | --secret NAME --property KEY [-n NS])\n\n"
	       "Make a new AES key with OpenSSL's random generator (256 bits by default).\n"
	       "  -o FILE     write the raw key to FILE (mode 0600; an existing file is never overwritten)\n"
	       "  --secret    print a Secret manifest, shaped like\n"
	       "              kubectl create secret generic NAME --from-file=KEY=... --dry-run=client -o yaml\n"
	       "The key check value (KCV) goes to stderr. Back the key up: CMF cannot rotate it,\n"
	       "and data encrypted with a lost key is gone.\n\n"
	       "Examples:\n  cmf-validate keygen -o cmf.key && kubectl create secret generic cmf-encryption-key --from-file=encryption-key=cmf.key -n flink\n"
	       "  cmf-validate keygen --secret cmf-encryption-key --property encryption-key -n flink | kubectl apply -f -\n\n");
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

int cmd_keygen(int argc, char **argv)
{
	struct cli_opts o;
	unsigned char key[32];
	char b64[64], kcv[7];
	size_t len;
	int rc = cli_parse(CMD_KEYGEN, "keygen", argc, argv, &o);

	if (rc != 0) {
		cli_opts_free(&o);
		return rc;
	}
	if (o.help) {
		help();
		cli_opts_free(&o);
		return 0;
	}
	len = o.bits == 128 ? 16 : 32;
	if ((o.out_file == NULL) == (o.secret == NULL) || o.nrest) {
		fprintf(stderr, "cmf-validate keygen: give either -o FILE or --secret NAME --property KEY\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if (o.secret && (o.property == NULL || !cmfv_is_secret_key(o.property) ||
			 !cmfv_is_dns1123_subdomain(o.secret))) {
		fprintf(stderr, "cmf-validate keygen: --secret needs a DNS-1123 name and --property a valid data key ([-._a-zA-Z0-9]+)\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if (RAND_bytes(key, (int)len) != 1) {
		fprintf(stderr, "cmf-validate keygen: OpenSSL's random generator failed\n");
		rc = EXIT_ENV;
		goto out;
	}
	if (cmfv_key_kcv(key, len, kcv) != CMFV_OK) {
		fprintf(stderr, "cmf-validate keygen: cannot compute the key check value\n");
		rc = EXIT_ENV;
		goto wipe;
	}
	if (o.out_file) {
		int fd = open(o.out_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

		if (fd < 0) {
			fprintf(stderr, "cmf-validate keygen: %s: %s%s\n", o.out_file, strerror(errno),
				errno == EEXIST ? " (never overwritten: a key file may be the only copy of a key)" : "");
			rc = errno == EEXIST ? EXIT_USAGE : EXIT_ENV;
			goto wipe;
		}
		if (write_all(fd, key, len) != 0 || fsync(fd) != 0 || close(fd) != 0) {
			fprintf(stderr, "cmf-validate keygen: writing %s: %s\n", o.out_file, strerror(errno));
			unlink(o.out_file);
			rc = EXIT_ENV;
			goto wipe;
		}
		fprintf(stderr, "cmf-validate: wrote a %zu-byte key to %s (KCV %s)\n", len, o.out_file, kcv);
		fprintf(stderr, "next: kubectl create secret generic cmf-encryption-key --from-file=encryption-key=%s -n <namespace>\n",
			o.out_file);
	} else {
		const char *ns = cli_namespace(&o);

		cmfv_base64_encode(key, len, b64);
		printf("apiVersion: v1\ndata:\n  %s: %s\nkind: Secret\nmetadata:\n  creationTimestamp: null\n  name: %s\n",
		       o.property, b64, o.secret);
		if (ns)
			printf("  namespace: %s\n", ns);
		OPENSSL_cleanse(b64, sizeof(b64));
		if (fflush(stdout) != 0 || ferror(stdout)) {
			perror("cmf-validate keygen: write");
			rc = EXIT_ENV;
			goto wipe;
		}
		fprintf(stderr, "cmf-validate: made a %zu-byte key (KCV %s) in Secret %s, property %s\n", len,
			kcv, o.secret, o.property);
	}
	fprintf(stderr, "Back the key up now, and note its KCV: CMF cannot rotate its key, and data\n"
			"encrypted with a lost key cannot be recovered.\n");
wipe:
	OPENSSL_cleanse(key, sizeof(key));
out:
	cli_opts_free(&o);
	return rc;
}
