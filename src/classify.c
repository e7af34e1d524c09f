#define _GNU_SOURCE /* memmem */
/* Placeholder classifier: any document that could spell a Deployment, a
 * List or an items key, or that holds an escape, tag, alias or merge, is
 * parsed. */
#include "cmfv/classify.h"

#include <string.h>

static int has(const char *t, size_t n, const char *s)
{
	return memmem(t, n, s, strlen(s)) != NULL;
}

void cmfv_classify(const char *text, size_t len, struct cmfv_cls_info *out)
{
	memset(out, 0, sizeof(*out));
	if (memchr(text, '\\', len) || memchr(text, '!', len) || memchr(text, '*', len) ||
	    has(text, len, "Deployment") || has(text, len, "List") || has(text, len, "items") ||
	    has(text, len, "<<"))
		out->cls = CMFV_CLS_PARSE;
	else if (has(text, len, "ConfigMap"))
		out->cls = CMFV_CLS_CONFIGMAP;
	else
		out->cls = CMFV_CLS_OTHER;
}
