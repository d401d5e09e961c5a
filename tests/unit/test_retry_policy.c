#include "ecl_test.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "queue/retry_policy.h"

static void test_default_schedule(void **state)
{
	static const int64_t expected[] = { 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600 };
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(expected) / sizeof(expected[0]); n++)
		assert_int_equal(ecl__retry_delay(60, 3600, (int)n), expected[n]);
	for (n = 6; n < 100; n++)
		assert_int_equal(ecl__retry_delay(60, 3600, (int)n), 3600);
}

static void test_large_counts_do_not_overflow(void **state)
{
	(void)state;
	assert_int_equal(ecl__retry_delay(60, 3600, 62), 3600);
	assert_int_equal(ecl__retry_delay(60, 3600, 63), 3600);
	assert_int_equal(ecl__retry_delay(60, 3600, 64), 3600);
	assert_int_equal(ecl__retry_delay(60, 3600, 1000), 3600);
	assert_int_equal(ecl__retry_delay(60, 3600, INT_MAX), 3600);
	/* A huge cap: the delay still never wraps negative. */
	assert_true(ecl__retry_delay(60, INT64_MAX / 2, 1000) > 0);
	assert_true(ecl__retry_delay(60, INT64_MAX / 2, INT_MAX) <= INT64_MAX / 2);
}

/* The internal contract is "min(base * 2^retry_count, cap) without
 * overflow" for any int64 cap, including the largest one. */
static void test_no_overflow_with_max_cap(void **state)
{
	(void)state;
	assert_int_equal(ecl__retry_delay(60, INT64_MAX, 10), 61440);
	assert_true(ecl__retry_delay(60, INT64_MAX, 1000) > 0);
	assert_int_equal(ecl__retry_delay(60, INT64_MAX, 1000), INT64_MAX);
	assert_int_equal(ecl__retry_delay(3, INT64_MAX, INT_MAX), INT64_MAX);
}

static void test_negative_count_is_base(void **state)
{
	(void)state;
	assert_int_equal(ecl__retry_delay(60, 3600, -1), 60);
	assert_int_equal(ecl__retry_delay(60, 3600, -100), 60);
	assert_int_equal(ecl__retry_delay(60, 3600, INT_MIN), 60);
}

static void test_custom_base_and_cap(void **state)
{
	(void)state;
	assert_int_equal(ecl__retry_delay(5, 100, 0), 5);
	assert_int_equal(ecl__retry_delay(5, 100, 1), 10);
	assert_int_equal(ecl__retry_delay(5, 100, 2), 20);
	assert_int_equal(ecl__retry_delay(5, 100, 3), 40);
	assert_int_equal(ecl__retry_delay(5, 100, 4), 80);
	assert_int_equal(ecl__retry_delay(5, 100, 5), 100);  /* 160 capped */
	assert_int_equal(ecl__retry_delay(5, 100, 50), 100);
	/* Cap equal to base: always base. */
	assert_int_equal(ecl__retry_delay(30, 30, 0), 30);
	assert_int_equal(ecl__retry_delay(30, 30, 7), 30);
	/* A cap that is not a power-of-two multiple of base is hit exactly. */
	assert_int_equal(ecl__retry_delay(1, 1000, 9), 512);
	assert_int_equal(ecl__retry_delay(1, 1000, 10), 1000);
}

static void test_jitter_zero_percent_unchanged(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		assert_int_equal(ecl__retry_jitter(3600, 0), 3600);
	assert_int_equal(ecl__retry_jitter(60, 0), 60);
	assert_int_equal(ecl__retry_jitter(0, 50), 0);
}

static void test_jitter_fifty_percent_range(void **state)
{
	int i, below = 0;
	int64_t lowest = 1000;

	(void)state;
	for (i = 0; i < 1000; i++) {
		int64_t d = ecl__retry_jitter(1000, 50);
		assert_true(d >= 500);
		assert_true(d <= 1000);
		if (d < 1000)
			below++;
		if (d < lowest)
			lowest = d;
	}
	/* Random: with 501 possible values, 1000 draws all equal to the delay
	 * would be astronomically unlikely. */
	assert_true(below > 900);
	assert_true(lowest < 600);
}

static void test_jitter_hundred_percent(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		int64_t d = ecl__retry_jitter(60, 100);
		assert_true(d >= 0);
		assert_true(d <= 60);
	}
}

static void test_job_retry_delay_defaults(void **state)
{
	(void)state;
	assert_int_equal(ecl_job_retry_delay(NULL, 0), 60);
	assert_int_equal(ecl_job_retry_delay(NULL, 1), 120);
	assert_int_equal(ecl_job_retry_delay(NULL, 5), 1920);
	assert_int_equal(ecl_job_retry_delay(NULL, 6), 3600);
	assert_int_equal(ecl_job_retry_delay(NULL, INT_MAX), 3600);
	assert_int_equal(ecl_job_retry_delay(NULL, -3), 60);
}

static void test_job_retry_delay_store_options(void **state)
{
	ecl_store_options opts = ECL_STORE_OPTIONS_INIT;
	ecl_store *store = NULL;

	(void)state;
	/* A store with the defaults gives the default schedule. */
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", NULL));
	assert_int_equal(ecl_job_retry_delay(store, 0), 60);
	assert_int_equal(ecl_job_retry_delay(store, 3), 480);
	assert_int_equal(ecl_job_retry_delay(store, 10), 3600);
	ecl_store_free(store);

	opts.retry_base_seconds = 10;
	opts.retry_cap_seconds = 75;
	opts.retry_jitter_percent = 50;  /* ecl_job_retry_delay is before jitter */
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", &opts));
	assert_int_equal(ecl_job_retry_delay(store, 0), 10);
	assert_int_equal(ecl_job_retry_delay(store, 1), 20);
	assert_int_equal(ecl_job_retry_delay(store, 2), 40);
	assert_int_equal(ecl_job_retry_delay(store, 3), 75);
	assert_int_equal(ecl_job_retry_delay(store, 1000), 75);
	assert_int_equal(ecl_job_retry_delay(store, INT_MAX), 75);
	ecl_store_free(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_schedule),
		cmocka_unit_test(test_large_counts_do_not_overflow),
		cmocka_unit_test(test_no_overflow_with_max_cap),
		cmocka_unit_test(test_negative_count_is_base),
		cmocka_unit_test(test_custom_base_and_cap),
		cmocka_unit_test(test_jitter_zero_percent_unchanged),
		cmocka_unit_test(test_jitter_fifty_percent_range),
		cmocka_unit_test(test_jitter_hundred_percent),
		cmocka_unit_test(test_job_retry_delay_defaults),
		cmocka_unit_test(test_job_retry_delay_store_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
