/* Classifying one rendered document from its top-level structure, without
 * parsing it: is it a Deployment, a ConfigMap, a List, something else, or
 * unusual enough that only a full parse can tell.
 *
 * The scan looks at the column-0 lines only (plain keys, `kind` and
 * `apiVersion` plain values) and skips indented lines with memchr, except
 * up to the end of the `metadata:` block, whose lines it reads far enough to
 * know `metadata.name` and `metadata.namespace` exactly. It never allocates.
 *
 * Soundness is the contract (docs/post-render.md): for every document that
 * cmfv_yaml_load reads as a mapping whose `kind` is "Deployment", the answer
 * is CMFV_CLS_DEPLOYMENT or CMFV_CLS_PARSE; "ConfigMap" gives CONFIGMAP or
 * PARSE; a kind ending in "List", or a top-level `items` key, gives LIST or
 * PARSE (both at once give PARSE). Whatever is reported known equals what
 * the parse reads there, as a string. tests/unit/test_classify.c,
 * tests/classify/ (a differential test against cmfv_yaml_load) and
 * tests/fuzz/fuzz_classify.c hold it to that. */
#ifndef CMFV_CLASSIFY_H
#define CMFV_CLASSIFY_H

#include <stddef.h>

enum cmfv_cls {
	CMFV_CLS_OTHER,	     /**< a plain block mapping of another kind (or none), or no content */
	CMFV_CLS_DEPLOYMENT, /**< kind: Deployment */
	CMFV_CLS_CONFIGMAP,  /**< kind: ConfigMap */
	CMFV_CLS_LIST,	     /**< kind ends in "List", or a top-level `items` key (kubectl and
				  Helm's resource builder flatten any object with items) */
	CMFV_CLS_PARSE,	     /**< the top level is unusual: parse the document to know */
};

/** One scalar the scan read. Borrowed from the text (not NUL-terminated);
 * known == 0 when the scan could not be certain of it (then ptr is NULL). */
struct cmfv_cls_str {
	const char *ptr;
	size_t len;
	int known;
};

struct cmfv_cls_info {
	enum cmfv_cls cls;
	struct cmfv_cls_str kind; /**< the top-level `kind` */
	struct cmfv_cls_str api;  /**< the top-level `apiVersion` */
	struct cmfv_cls_str name; /**< `metadata.name` */
	struct cmfv_cls_str ns;	  /**< `metadata.namespace` */
	int kind_absent;	  /**< CMFV_CLS_OTHER and no column-0 `kind` line at all:
				       the parse has no top-level `kind` key */
};

/** Classify the document at \p text, \p len bytes: one piece from the
 * stream splitter (stream.h), which may hold a UTF-8 BOM, leading comments
 * and blank lines, one `---` line, a `...` line and trailing comments; LF or
 * CRLF line breaks. Falls back to CMFV_CLS_PARSE when the top level is
 * unusual: tags, anchors or aliases on a top-level value, quoted or
 * otherwise unusual top-level keys, `<<`, `?`, a flow or JSON top level,
 * content on the `---` line, `%` directives, a `kind` that is quoted,
 * multi-line, empty or written twice, `metadata` written twice, a tab at
 * the start of a line, line breaks other than LF and CRLF (libyaml also
 * breaks lines at a lone CR, NEL, LS and PS), content after `...`.
 * Content below the top level (backslashes, markers or JSON in block
 * scalars) never forces a parse. In CMFV_CLS_PARSE, nothing is known.
 * \p text is borrowed into \p out. */
void cmfv_classify(const char *text, size_t len, struct cmfv_cls_info *out);

/** What the stream splitter already knows of the document (struct
 * cmfv_doc's col0, ncol0, col0_covered, odd_free): with it the scan jumps
 * from one column-0 line to the next instead of reading the indented lines
 * between them, and skips its own check for odd line breaks. */
struct cmfv_cls_hint {
	const size_t *col0; /**< offsets of line starts whose first byte is not a space */
	size_t n;
	size_t covered; /**< col0 holds every such line start below this offset */
	int odd_free;	/**< the text certainly holds no line break but LF and CRLF */
};

/** cmfv_classify with the splitter's \p hint (NULL: none); the same answer
 * whenever the hint is true of the text. */
void cmfv_classify_hint(const char *text, size_t len, const struct cmfv_cls_hint *hint,
			struct cmfv_cls_info *out);

/** The class's name ("deployment", "configmap", "list", "other", "parse"). */
const char *cmfv_cls_name(enum cmfv_cls cls);

#endif
