/* Helm's command line read the way Helm reads it: the flag set printed by
 * `helm <cmd> --help` (long name, shorthand, whether it takes a value) and
 * spf13/pflag's parsing rules, plus Go's encoding/csv for string slices.
 * Pure functions (no printing, no exit): errors come back as a message. */
#ifndef CMFV_HELMARGS_H
#define CMFV_HELMARGS_H

#include <stddef.h>

/** One flag as `--help` lists it. */
struct cmfv_helm_flag {
	char *name;	/**< long name, without "--" */
	char shorthand; /**< 0 when none */
	int ours;	/**< a wrapper flag (--cmf-*), never passed to Helm */
	int has_noopt;	/**< value optional: `--x` alone means \p noopt */
	char *noopt;	/**< pflag's NoOptDefVal ("true" for bool flags) */
	char *type;	/**< "bool" for switches, else the type word of --help */
};

struct cmfv_helm_flags {
	struct cmfv_helm_flag *v;
	size_t n;
};

/** Read the "Flags:" and "Global Flags:" sections of `helm <cmd> --help`
 * into \p out (caller frees with cmfv_helm_flags_free). Returns 0, or -1 when out
 * of memory or when the text lists no flag at all. */
int cmfv_helm_flags_parse_help(const char *text, struct cmfv_helm_flags *out);

/** Add a flag by hand (the wrapper's own); \p noopt NULL means it takes a
 * value. Returns 0 or -1 (out of memory). */
int cmfv_helm_flags_add(struct cmfv_helm_flags *f, const char *name, char shorthand,
			const char *noopt, int ours);

const struct cmfv_helm_flag *cmfv_helm_flags_long(const struct cmfv_helm_flags *f, const char *name,
						  size_t len);
const struct cmfv_helm_flag *cmfv_helm_flags_short(const struct cmfv_helm_flags *f, char c);
void cmfv_helm_flags_free(struct cmfv_helm_flags *f);

/** One flag occurrence on the command line, in order. */
struct cmfv_helm_arg {
	const struct cmfv_helm_flag *flag;
	const char *value; /**< the value pflag's Set receives (never NULL) */
};

struct cmfv_helm_cmdline {
	struct cmfv_helm_arg *args;
	size_t nargs;
	const char **pos; /**< positionals, in order (those after "--" included) */
	size_t npos;
	char **owned; /**< strings made while parsing */
	size_t nowned;
};

/** Parse argv as pflag parses it against \p f (interspersed flags, "--",
 * combined shorthands, -x=v, -xv, --x=v, optional values). Borrowed strings
 * stay owned by argv. Returns 0; -1 with \p err filled on an unknown flag or
 * a missing value; -2 when out of memory. */
int cmfv_helm_cmdline_parse(const struct cmfv_helm_flags *f, int argc, char **argv,
			    struct cmfv_helm_cmdline *c, char *err, size_t errlen);
void cmfv_helm_cmdline_free(struct cmfv_helm_cmdline *c);

/** The first record of \p s as Go's encoding/csv reads it (pflag's string
 * slices: `-f a,b`): comma separated, double quotes with "" inside, line ends
 * (LF, CRLF) end the record unless quoted, empty lines skipped. "" gives no
 * field. Fields are new strings in \p *fields (free each and the array).
 * Returns 0; -1 with \p err filled on a quote error or a record of empty
 * lines only (Go's EOF); -2 when out of memory. */
int cmfv_csv_record(const char *s, char ***fields, size_t *n, char *err, size_t errlen);

/** Write \p fields as one CSV record the way Go's encoding/csv writes it,
 * so that cmfv_csv_record gives them back. New string, or NULL. */
char *cmfv_csv_join(char *const *fields, size_t n);

/** strconv.ParseBool: 1 true, 0 false, -1 not a boolean. */
int cmfv_parse_bool(const char *s);

#endif
