/* A located check of a YAML tree against a libcyaml schema.
 *
 * libcyaml loads a file into a struct but says what is wrong without a
 * place. This walks the same cyaml_schema_value_t over the value tree that
 * cmfv_yaml_load built (every node knows its file:line:column), so a file
 * is checked with its one schema and every error has a location; libcyaml
 * then loads what passed. Notes add what a libcyaml schema cannot say: a
 * mapping's name in messages, a required field's message, and a check of a
 * value's meaning (a date, a known rule, a name used once). */
#ifndef CMFV_SCHEMA_H
#define CMFV_SCHEMA_H

#include <cyaml/cyaml.h>
#include <stddef.h>

#include "cmfv/diag.h"
#include "cmfv/node.h"

/** Where a value sits: the list holding its mapping and that mapping's
 * index in it (list NULL outside a list), for checks across siblings. */
struct cmfv_schema_at {
	const struct cmfv_node *list;
	size_t index;
};

/** Checks a value's meaning once its shape is right; CMFV_EINPUT (with
 * the value's location) or CMFV_OK. */
typedef enum cmfv_err cmfv_schema_check_fn(const struct cmfv_node *n, const char *label,
					   const struct cmfv_schema_at *at, struct cmfv_diag *d);

struct cmfv_schema_note {
	const cyaml_schema_field_t *fields; /**< the mapping this is about */
	const char *key;	     /**< one of its fields, or NULL for the mapping itself */
	const char *text;	     /**< the mapping: its name ("a waiver"); a field: the
					  message when it is missing or shorter than its minimum */
	cmfv_schema_check_fn *check; /**< for a field (or NULL) */
};

/** Check \p tree against \p schema (a mapping, sequence or string value)
 * and \p notes. Unknown keys, wrong kinds, missing required fields, strings
 * and lists outside their bounds: CMFV_EINPUT with the file:line:column of
 * the offending key or value. A CYAML_IGNORE field is left to its note's
 * check. A schema type the walk does not know is reported, not skipped. */
enum cmfv_err cmfv_schema_check(const cyaml_schema_value_t *schema,
				const struct cmfv_schema_note *notes, size_t nnotes,
				const struct cmfv_node *tree, struct cmfv_diag *d);

#endif
