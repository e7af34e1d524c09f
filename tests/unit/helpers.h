/* Shared bits for the cmocka unit tests. */
#ifndef CMFV_TEST_HELPERS_H
#define CMFV_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cmfv/buf.h"
#include "cmfv/json.h"
#include "cmfv/node.h"

/* The node as compact JSON with sorted keys; caller frees. */
static inline char *to_json(const struct cmfv_node *n)
{
	struct cmfv_buf b = {0};
	char *s;

	assert_int_equal(cmfv_json_emit(&b, n), CMFV_OK);
	s = strdup(b.ptr);
	cmfv_buf_free(&b);
	return s;
}

#endif
