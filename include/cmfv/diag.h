/* Diagnostics and error codes shared by the whole core.
 *
 * The core never prints and never exits: a function that fails returns a
 * cmfv_err and fills a struct cmfv_diag owned by the caller. The first error
 * wins: once a diag holds an error, later cmfv_diag_set calls are ignored. */
#ifndef CMFV_DIAG_H
#define CMFV_DIAG_H

#include <stdarg.h>

/** Error codes; the CLI maps them to exit codes (cmfv_err_exit_code). */
enum cmfv_err {
	CMFV_OK = 0,
	CMFV_EINPUT, /**< unusable input: malformed YAML/JSON, bad --set ... (exit 2) */
	CMFV_EUSAGE, /**< bad flag or argument (exit 2) */
	CMFV_ENOENT, /**< file missing or unreadable (exit 2) */
	CMFV_ENOMEM, /**< out of memory (exit 3) */
	CMFV_EIO,    /**< I/O error on output (exit 3) */
	CMFV_EENV,   /**< an external tool (kubectl, helm) missing or failing (exit 3) */
};

/** Where something came from. file is NULL when there is no place to blame;
 * line 0 with file "--set" means a --set* flag and col its 1-based index. */
struct cmfv_loc {
	const char *file; /**< borrowed; owned by the source registry or static */
	unsigned line;	  /**< 1-based; 0 = none */
	unsigned col;	  /**< 1-based; 0 = none */
};

struct cmfv_diag {
	enum cmfv_err code;
	char file[512]; /**< empty when no file */
	unsigned line;	/**< 1-based, 0 = none */
	unsigned col;	/**< 1-based, 0 = none */
	char msg[1024]; /**< no trailing newline or full stop */
};

/** Reset \p d to "no error". */
void cmfv_diag_clear(struct cmfv_diag *d);

/** Record an error unless one is already recorded. Returns the code the
 * diag holds afterwards (\p code, or the earlier error's), so a caller that
 * returns it always reports the error its message describes.
 * \p file may be NULL. */
enum cmfv_err cmfv_diag_set(struct cmfv_diag *d, enum cmfv_err code, const char *file,
			    unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/** Shorthand for an error with no location. */
enum cmfv_err cmfv_diag_fail(struct cmfv_diag *d, enum cmfv_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Exit code for \p code, per the README ("Exit codes"): 0, 2 (input/usage) or 3 (environment). */
int cmfv_err_exit_code(enum cmfv_err code);

#endif
