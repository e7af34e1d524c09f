/* Writing a value tree as YAML (block style) with libyaml's emitter. Strings
 * that would read back as something else (true, 1, null, ...) are quoted. */
#ifndef CMFV_EMIT_H
#define CMFV_EMIT_H

#include "cmfv/buf.h"
#include "cmfv/node.h"

/** Append \p n as one YAML document (no `---`) to \p b. \p sort_keys sorts
 * map keys (as Helm prints values); otherwise they keep their order. */
enum cmfv_err cmfv_yaml_emit(const struct cmfv_node *n, int sort_keys, struct cmfv_buf *b);

#endif
