/* JSON in and out, as Go's encoding/json does it (what Helm's --set-json
 * reads and what `toJson .Values` prints). */
#ifndef CMFV_JSON_H
#define CMFV_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "cmfv/buf.h"
#include "cmfv/node.h"

/** Parse one JSON value from the start of \p s (\p len bytes), as
 * json.Decoder.Decode does: leading whitespace skipped, numbers become
 * CMFV_FLOAT. \p *used gets the bytes consumed. Nodes get location \p loc.
 * Errors: CMFV_EINPUT with the reason in \p d, CMFV_ENOMEM. */
enum cmfv_err cmfv_json_parse(const char *s, size_t len, struct cmfv_loc loc, size_t max_depth,
			      struct cmfv_node **out, size_t *used, struct cmfv_diag *d);

/** Append \p n as compact JSON with sorted keys, Go-style escaping (<, >, &
 * as \u003c ...; invalid UTF-8 as \ufffd). */
enum cmfv_err cmfv_json_emit(struct cmfv_buf *b, const struct cmfv_node *n);

/** Append \p len bytes at \p s to \p out with every byte that is not part of
 * valid UTF-8 replaced by U+FFFD, as Go does when it turns bytes into runes. */
enum cmfv_err cmfv_utf8_sanitize(const char *s, size_t len, struct cmfv_buf *out);

/** Is \p s (\p len bytes) valid UTF-8? */
int cmfv_utf8_valid(const char *s, size_t len);

/** Append a JSON string literal for \p len bytes at \p s (Go escaping). */
enum cmfv_err cmfv_json_str(struct cmfv_buf *b, const char *s, size_t len);

#endif
