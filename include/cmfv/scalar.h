/* Helm's scalar resolution: YAML 1.1 rules as go-yaml v2 applies them to
 * plain scalars, then the trip through JSON that sigs.k8s.io/yaml makes
 * (every number becomes a float64, map keys become strings). */
#ifndef CMFV_SCALAR_H
#define CMFV_SCALAR_H

#include <stddef.h>

#include "cmfv/node.h"

enum cmfv_scalar_res {
	CMFV_RES_STR,
	CMFV_RES_NULL,
	CMFV_RES_BOOL,
	CMFV_RES_NUM,	    /**< a finite float64 (ints included, as JSON makes them) */
	CMFV_RES_NONFINITE, /**< .inf/.nan: Helm cannot turn these into JSON */
};

struct cmfv_scalar {
	enum cmfv_scalar_res res;
	int b;
	double num;
	int is_int; /**< written as an integer (matters only for key names) */
};

/** Resolve a plain (unquoted, untagged) scalar of \p len bytes. */
void cmfv_scalar_resolve(const char *s, size_t len, struct cmfv_scalar *out);

/** Format \p f the way Go's encoding/json does (shortest round-trip
 * digits; exponent form below 1e-6 and from 1e21). \p buf needs 32 bytes. */
void cmfv_format_float_json(double f, char *buf, size_t size);

/** Format \p f as Go's strconv.FormatFloat(f, 'g', -1, 32) does (used by
 * sigs.k8s.io/yaml for float map keys). \p buf needs 32 bytes. */
void cmfv_format_float_key(double f, char *buf, size_t size);

/** Format \p f as Go's fmt %v (FormatFloat(f, 'g', -1, 64)) does: 1e+06,
 * 2.5, 5. \p buf needs 32 bytes. */
void cmfv_format_float_g(double f, char *buf, size_t size);

#endif
