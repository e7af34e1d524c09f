#include "cmfv/diag.h"

#include <stdio.h>
#include <string.h>

#include "cmfv/redact.h"

void cmfv_diag_clear(struct cmfv_diag *d)
{
	memset(d, 0, sizeof(*d));
}

static void vset(struct cmfv_diag *d, enum cmfv_err code, const char *file, unsigned line,
		 unsigned col, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static void vset(struct cmfv_diag *d, enum cmfv_err code, const char *file, unsigned line,
		 unsigned col, const char *fmt, va_list ap)
{
	size_t n;

	if (d == NULL || d->code != CMFV_OK)
		return;
	d->code = code;
	snprintf(d->file, sizeof(d->file), "%s", file ? file : "");
	d->line = line;
	d->col = col;
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	/* one rule for key text in every message (include/cmfv/redact.h) */
	cmfv_redact(d->msg);
	/* Messages carry no trailing newline or full stop (STYLE). */
	n = strlen(d->msg);
	while (n > 0 && (d->msg[n - 1] == '\n' || d->msg[n - 1] == '.' || d->msg[n - 1] == ' '))
		d->msg[--n] = '\0';
}

enum cmfv_err cmfv_diag_set(struct cmfv_diag *d, enum cmfv_err code, const char *file,
			    unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(d, code, file, line, col, fmt, ap);
	va_end(ap);
	/* the first error stands: hand back the code that is recorded, so that
	 * what a caller returns always matches the message it reports */
	return d && d->code != CMFV_OK ? d->code : code;
}

enum cmfv_err cmfv_diag_fail(struct cmfv_diag *d, enum cmfv_err code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(d, code, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return d && d->code != CMFV_OK ? d->code : code;
}

int cmfv_err_exit_code(enum cmfv_err code)
{
	switch (code) {
	case CMFV_OK:
		return 0;
	case CMFV_EINPUT:
	case CMFV_EUSAGE:
	case CMFV_ENOENT:
		return 2;
	case CMFV_ENOMEM:
	case CMFV_EIO:
	case CMFV_EENV:
		return 3;
	}
	return 3;
}
