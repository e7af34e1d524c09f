/* Classifying a document from its top level without parsing it
 * (placeholder until the exact classifier lands: conservative byte scan). */
#ifndef CMFV_CLASSIFY_H
#define CMFV_CLASSIFY_H

#include <stddef.h>

enum cmfv_cls {
	CMFV_CLS_OTHER,
	CMFV_CLS_DEPLOYMENT,
	CMFV_CLS_CONFIGMAP,
	CMFV_CLS_LIST,
	CMFV_CLS_PARSE,
};

struct cmfv_cls_info {
	enum cmfv_cls cls;
	const char *name;
	size_t name_len;
	int name_known;
	const char *ns;
	size_t ns_len;
	int ns_known;
};

void cmfv_classify(const char *text, size_t len, struct cmfv_cls_info *out);

#endif
