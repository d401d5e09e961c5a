#include "ecl_test.h"

#include <stdlib.h>
#include <string.h>

#include "util/buffer_internal.h"

static void test_init_is_empty(void **state)
{
	ecl_buf buf = ECL_BUF_INIT;

	(void)state;
	assert_null(buf.ptr);
	assert_int_equal(buf.size, 0);
	assert_int_equal(buf.asize, 0);
	ecl_buf_dispose(&buf);
	assert_null(buf.ptr);
}

static void test_put_grows_over_many_appends(void **state)
{
	enum { TOTAL = 100000 };
	ecl_buf buf = ECL_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < TOTAL; i++) {
		char c = (char)('a' + i % 26);
		ecl_assert_ok(ecl__buf_put(&buf, &c, 1));
		assert_int_equal(buf.size, i + 1);
		assert_true(buf.asize > buf.size);
		assert_int_equal(buf.ptr[buf.size], '\0');
	}
	assert_int_equal(strlen(buf.ptr), TOTAL);
	for (i = 0; i < TOTAL; i++) {
		if (buf.ptr[i] != (char)('a' + i % 26))
			fail_msg("byte %zu is '%c'", i, buf.ptr[i]);
	}
	ecl_buf_dispose(&buf);
	assert_null(buf.ptr);
	assert_int_equal(buf.size, 0);
	assert_int_equal(buf.asize, 0);
}

static void test_put_embedded_nul_and_zero_length(void **state)
{
	ecl_buf buf = ECL_BUF_INIT;

	(void)state;
	ecl_assert_ok(ecl__buf_put(&buf, "ab\0cd", 5));
	assert_int_equal(buf.size, 5);
	assert_memory_equal(buf.ptr, "ab\0cd", 6);
	/* A zero-length append keeps the text and its terminator. */
	ecl_assert_ok(ecl__buf_put(&buf, NULL, 0));
	assert_int_equal(buf.size, 5);
	assert_int_equal(buf.ptr[5], '\0');
	ecl_buf_dispose(&buf);

	/* Zero-length append on an empty buffer still gives a "" string. */
	ecl_assert_ok(ecl__buf_put(&buf, "", 0));
	assert_non_null(buf.ptr);
	assert_string_equal(buf.ptr, "");
	assert_int_equal(buf.size, 0);
	ecl_buf_dispose(&buf);
}

static void test_puts_large_chunks(void **state)
{
	ecl_buf buf = ECL_BUF_INIT;
	char chunk[1001];
	size_t i;

	(void)state;
	memset(chunk, 'q', 1000);
	chunk[1000] = '\0';
	for (i = 0; i < 100; i++) {
		chunk[0] = (char)('0' + i % 10);
		ecl_assert_ok(ecl__buf_puts(&buf, chunk));
	}
	assert_int_equal(buf.size, 100000);
	assert_int_equal(strlen(buf.ptr), 100000);
	for (i = 0; i < 100; i++) {
		assert_int_equal(buf.ptr[i * 1000], (char)('0' + i % 10));
		assert_int_equal(buf.ptr[i * 1000 + 999], 'q');
	}
	/* One append bigger than anything so far. */
	{
		char *big = malloc(300001);
		assert_non_null(big);
		memset(big, 'z', 300000);
		big[300000] = '\0';
		ecl_assert_ok(ecl__buf_puts(&buf, big));
		free(big);
	}
	assert_int_equal(buf.size, 400000);
	assert_int_equal(buf.ptr[399999], 'z');
	assert_int_equal(buf.ptr[400000], '\0');
	assert_true(buf.asize >= 400001);
	ecl_buf_dispose(&buf);
}

static void test_set_replaces(void **state)
{
	ecl_buf buf = ECL_BUF_INIT;

	(void)state;
	ecl_assert_ok(ecl__buf_set(&buf, "hello"));
	assert_string_equal(buf.ptr, "hello");
	assert_int_equal(buf.size, 5);
	ecl_assert_ok(ecl__buf_puts(&buf, ", world"));
	assert_string_equal(buf.ptr, "hello, world");
	/* Shorter replacement: no leftovers of the longer text. */
	ecl_assert_ok(ecl__buf_set(&buf, "hi"));
	assert_string_equal(buf.ptr, "hi");
	assert_int_equal(buf.size, 2);
	ecl_assert_ok(ecl__buf_set(&buf, ""));
	assert_string_equal(buf.ptr, "");
	assert_int_equal(buf.size, 0);
	/* Longer replacement grows. */
	{
		char text[5001];
		memset(text, 'L', 5000);
		text[5000] = '\0';
		ecl_assert_ok(ecl__buf_set(&buf, text));
		assert_int_equal(buf.size, 5000);
		assert_string_equal(buf.ptr, text);
	}
	ecl_buf_dispose(&buf);
}

static void test_dispose_resets_and_accepts_null(void **state)
{
	ecl_buf buf = ECL_BUF_INIT;

	(void)state;
	ecl_buf_dispose(NULL);
	ecl_assert_ok(ecl__buf_puts(&buf, "something"));
	ecl_buf_dispose(&buf);
	assert_null(buf.ptr);
	assert_int_equal(buf.size, 0);
	assert_int_equal(buf.asize, 0);
	/* Disposing twice is safe and the buffer is reusable. */
	ecl_buf_dispose(&buf);
	ecl_assert_ok(ecl__buf_puts(&buf, "again"));
	assert_string_equal(buf.ptr, "again");
	ecl_buf_dispose(&buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_empty),
		cmocka_unit_test(test_put_grows_over_many_appends),
		cmocka_unit_test(test_put_embedded_nul_and_zero_length),
		cmocka_unit_test(test_puts_large_chunks),
		cmocka_unit_test(test_set_replaces),
		cmocka_unit_test(test_dispose_resets_and_accepts_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
