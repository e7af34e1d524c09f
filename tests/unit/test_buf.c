/* The byte buffer: appends, the size cap, reserve, and the secret flag
 * (set at creation; wiped on reset and free, grown by allocate-copy-wipe). */
#include "helpers.h"

#include "cmfv/alloc.h"
#include "cmfv/buf.h"

static void test_append_and_cap(void **state)
{
	struct cmfv_buf b = CMFV_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_int_equal(cmfv_buf_printf(&b, "%03zu,", i), CMFV_OK);
	assert_int_equal(b.len, 4000);
	assert_memory_equal(b.ptr + 3996, "999,", 4);
	assert_int_equal(b.ptr[b.len], '\0');
	cmfv_buf_free(&b);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);

	b.max = 10;
	assert_int_equal(cmfv_buf_puts(&b, "0123456789"), CMFV_OK);
	assert_int_equal(cmfv_buf_puts(&b, "x"), CMFV_ENOMEM);
	assert_true(b.failed);
	assert_int_equal(cmfv_buf_puts(&b, ""), CMFV_ENOMEM); /* failed stays failed */
	assert_string_equal(b.ptr, "0123456789");
	cmfv_buf_free(&b);
}

static void test_reserve(void **state)
{
	struct cmfv_buf b = CMFV_BUF_INIT;
	char *at;

	(void)state;
	at = cmfv_buf_reserve(&b, 5000);
	assert_non_null(at);
	assert_true(b.cap >= 5001);
	memcpy(at, "hello", 5);
	b.len += 5;
	b.ptr[b.len] = '\0';
	assert_string_equal(b.ptr, "hello");
	b.max = 100;
	assert_null(cmfv_buf_reserve(&b, 96));
	assert_true(b.failed);
	cmfv_buf_free(&b);
}

/* A secret buffer keeps its flag through free and reuse, and a reset
 * leaves no byte of what it held in the memory it keeps. */
static void test_secret_reset_wipes(void **state)
{
	struct cmfv_buf s = CMFV_BUF_SECRET, p = CMFV_BUF_INIT;
	size_t i;

	(void)state;
	assert_int_equal(cmfv_buf_puts(&s, "key material key material"), CMFV_OK);
	assert_int_equal(cmfv_buf_puts(&p, "plain text plain text"), CMFV_OK);
	cmfv_buf_reset(&s);
	cmfv_buf_reset(&p);
	for (i = 0; i < s.cap; i++)
		assert_int_equal(s.ptr[i], 0);
	assert_memory_equal(p.ptr + 1, "lain", 4); /* an ordinary reset keeps the bytes */
	cmfv_buf_free(&s);
	assert_true(s.secret);
	assert_int_equal(cmfv_buf_printf(&s, "%s", "again"), CMFV_OK);
	assert_true(s.secret);
	cmfv_buf_free(&s);
	cmfv_buf_free(&p);
}

/* Growing a secret buffer copies into a new block (one allocation per
 * growth, never realloc), keeps every byte, and a failed growth leaves
 * what was there. */
static void test_secret_growth(void **state)
{
	struct cmfv_buf s = CMFV_BUF_SECRET;
	char chunk[700];
	size_t i, grows = 0, cap = 0;

	(void)state;
	memset(chunk, 'k', sizeof(chunk));
	for (i = 0; i < 200; i++) {
		unsigned long before = cmfv_alloc_count();

		assert_int_equal(cmfv_buf_add(&s, chunk, sizeof(chunk)), CMFV_OK);
		if (s.cap != cap) {
			grows++;
			assert_int_equal(cmfv_alloc_count() - before, 1);
			cap = s.cap;
		}
	}
	assert_true(grows > 5);
	assert_int_equal(s.len, 200 * sizeof(chunk));
	assert_int_equal(strspn(s.ptr, "k"), s.len);

	cmfv_alloc_fail_at(1, 1);
	while (s.len + sizeof(chunk) + 1 <= s.cap)
		assert_int_equal(cmfv_buf_add(&s, chunk, sizeof(chunk)), CMFV_OK);
	assert_int_equal(cmfv_buf_add(&s, chunk, sizeof(chunk)), CMFV_ENOMEM);
	cmfv_alloc_fail_at(0, 0);
	assert_true(s.failed);
	assert_int_equal(strspn(s.ptr, "k"), s.len);
	cmfv_buf_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_append_and_cap),
	    cmocka_unit_test(test_reserve),
	    cmocka_unit_test(test_secret_reset_wipes),
	    cmocka_unit_test(test_secret_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
