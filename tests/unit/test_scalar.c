/* Helm's YAML 1.1 scalar resolution and Go's float formatting. */
#include "helpers.h"

#include <stdio.h>

#include "cmfv/scalar.h"

struct rcase {
	const char *in;
	enum cmfv_scalar_res res;
	double num; /* or bool */
};

static const struct rcase rcases[] = {
    {"", CMFV_RES_NULL, 0},
    {"~", CMFV_RES_NULL, 0},
    {"null", CMFV_RES_NULL, 0},
    {"Null", CMFV_RES_NULL, 0},
    {"NULL", CMFV_RES_NULL, 0},
    {"nULL", CMFV_RES_STR, 0},
    {"yes", CMFV_RES_BOOL, 1},
    {"Yes", CMFV_RES_BOOL, 1},
    {"YES", CMFV_RES_BOOL, 1},
    {"y", CMFV_RES_BOOL, 1},
    {"Y", CMFV_RES_BOOL, 1},
    {"on", CMFV_RES_BOOL, 1},
    {"On", CMFV_RES_BOOL, 1},
    {"ON", CMFV_RES_BOOL, 1},
    {"true", CMFV_RES_BOOL, 1},
    {"True", CMFV_RES_BOOL, 1},
    {"TRUE", CMFV_RES_BOOL, 1},
    {"tRUE", CMFV_RES_STR, 0},
    {"no", CMFV_RES_BOOL, 0},
    {"NO", CMFV_RES_BOOL, 0},
    {"n", CMFV_RES_BOOL, 0},
    {"off", CMFV_RES_BOOL, 0},
    {"OFF", CMFV_RES_BOOL, 0},
    {"false", CMFV_RES_BOOL, 0},
    {"017", CMFV_RES_NUM, 15},
    {"0o17", CMFV_RES_NUM, 15},
    {"0x1F", CMFV_RES_NUM, 31},
    {"0b101", CMFV_RES_NUM, 5},
    {"1_000", CMFV_RES_NUM, 1000},
    {"1e3", CMFV_RES_NUM, 1000},
    {"-0x1F", CMFV_RES_NUM, -31},
    {"+12", CMFV_RES_NUM, 12},
    {"08", CMFV_RES_NUM, 8},
    {"1.5", CMFV_RES_NUM, 1.5},
    {".5", CMFV_RES_NUM, 0.5},
    {"-.5e1", CMFV_RES_NUM, -5},
    {"12345678901234567890", CMFV_RES_NUM, 12345678901234567890.0},
    {"1:20", CMFV_RES_STR, 0},
    {"2001-12-14", CMFV_RES_STR, 0},
    {"0x", CMFV_RES_STR, 0},
    {"1.2.3", CMFV_RES_STR, 0},
    {"_1", CMFV_RES_STR, 0},
    {"abc", CMFV_RES_STR, 0},
    {".inf", CMFV_RES_NONFINITE, 0},
    {"-.Inf", CMFV_RES_NONFINITE, 0},
    {".nan", CMFV_RES_NONFINITE, 0},
    {"1e400", CMFV_RES_STR, 0},
};

static void test_resolve(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		struct cmfv_scalar r;
		const struct rcase *c = &rcases[i];

		cmfv_scalar_resolve(c->in, strlen(c->in), &r);
		if (r.res != c->res)
			fail_msg("'%s': resolved as %d, want %d", c->in, r.res, c->res);
		if (c->res == CMFV_RES_NUM && r.num != c->num)
			fail_msg("'%s': %g, want %g", c->in, r.num, c->num);
		if (c->res == CMFV_RES_BOOL && r.b != (int)c->num)
			fail_msg("'%s': bool %d", c->in, r.b);
	}
}

struct fcase {
	double f;
	const char *json;
	const char *key;
};

static const struct fcase fcases[] = {
    {0, "0", "0"},
    {1, "1", "1"},
    {1.5, "1.5", "1.5"},
    {-2.25, "-2.25", "-2.25"},
    {1000, "1000", "1000"},
    {1e6, "1000000", "1e+06"},
    {1e20, "100000000000000000000", "1e+20"},
    {1e21, "1e+21", "1e+21"},
    {1.2345678901234567e19, "12345678901234567000", "1.2345679e+19"},
    {9007199254740993.0, "9007199254740992", "9.007199e+15"},
    {0.000001, "0.000001", "1e-06"},
    {0.0000001, "1e-7", "1e-07"},
    {0.1, "0.1", "0.1"},
    {123456.7, "123456.7", "123456.7"},
    {2.5e30, "2.5e+30", "2.5e+30"},
    /* whole numbers below 2^53 take a short path: its edges */
    {9007199254740991.0, "9007199254740991", "9.007199e+15"},
    {-9007199254740991.0, "-9007199254740991", "-9.007199e+15"},
    {9007199254740992.0, "9007199254740992", "9.007199e+15"},
    {-123456789.0, "-123456789", "-1.2345679e+08"},
    {4503599627370495.5, "4503599627370495.5", "4.5035996e+15"},
    {-0.0, "-0", "-0"},
};

static void test_format(void **state)
{
	size_t i;
	char buf[40];

	(void)state;
	for (i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
		cmfv_format_float_json(fcases[i].f, buf, sizeof(buf));
		if (strcmp(buf, fcases[i].json) != 0)
			fail_msg("json %.17g: got %s want %s", fcases[i].f, buf, fcases[i].json);
		cmfv_format_float_key(fcases[i].f, buf, sizeof(buf));
		if (strcmp(buf, fcases[i].key) != 0)
			fail_msg("key %.17g: got %s want %s", fcases[i].f, buf, fcases[i].key);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
