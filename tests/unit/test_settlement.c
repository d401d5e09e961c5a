#include "ecl_test.h"

#include "util/settlement.h"

/* A UTC instant from its parts; days_from_civil is pinned to known values
 * in test_days_known_values, so the helper can rely on it. */
static int64_t utc_at(int y, int m, int d, int hh, int mm)
{
	return ecl__days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

static ecl_date date_of(int y, int m, int d)
{
	ecl_date date = { y, m, d };

	return date;
}

static void test_days_known_values(void **state)
{
	(void)state;
	assert_int_equal(ecl__days_from_civil(1970, 1, 1), 0);
	assert_int_equal(ecl__days_from_civil(1969, 12, 31), -1);
	assert_int_equal(ecl__days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(ecl__days_from_civil(1900, 1, 1), -25567);
	assert_int_equal(ecl__days_from_civil(2100, 12, 31), 47846);
	assert_int_equal(ecl__days_from_civil(2024, 2, 29), 19782);
	assert_int_equal(ecl__days_from_civil(1, 1, 1), -719162);
	/* Anchors for the instants asserted below (from an independent tz library). */
	assert_int_equal(utc_at(2025, 3, 30, 0, 0), 1743292800);
	assert_int_equal(utc_at(2025, 10, 25, 23, 0), 1761433200);
	assert_int_equal(utc_at(2025, 10, 26, 23, 30), 1761521400);
}

static void test_days_round_trip_1900_2100(void **state)
{
	int64_t first = ecl__days_from_civil(1900, 1, 1);
	int64_t last = ecl__days_from_civil(2100, 12, 31);
	ecl_date prev = { 1899, 12, 31 }, d;

	(void)state;
	for (int64_t days = first; days <= last; days++) {
		ecl__civil_from_days(days, &d);
		assert_true(ecl__date_is_valid(d.year, d.month, d.day));
		assert_int_equal(ecl__days_from_civil(d.year, d.month, d.day), days);
		/* Consecutive days are consecutive dates: same month day+1, or day 1 of the next. */
		if (d.day != 1) {
			assert_int_equal(d.day, prev.day + 1);
			assert_int_equal(d.month, prev.month);
		} else {
			assert_int_equal(prev.day, ecl__days_in_month(prev.year, prev.month));
			assert_int_equal(d.month, prev.month == 12 ? 1 : prev.month + 1);
			assert_int_equal(d.year, prev.month == 12 ? prev.year + 1 : prev.year);
		}
		prev = d;
	}
	assert_int_equal(prev.year, 2100);
	assert_int_equal(prev.month, 12);
	assert_int_equal(prev.day, 31);
}

static void test_date_is_valid(void **state)
{
	(void)state;
	assert_true(ecl__date_is_valid(2024, 2, 29));
	assert_true(ecl__date_is_valid(2000, 2, 29));
	assert_false(ecl__date_is_valid(2025, 2, 29));
	assert_false(ecl__date_is_valid(1900, 2, 29));
	assert_false(ecl__date_is_valid(2025, 2, 31));
	assert_false(ecl__date_is_valid(2025, 4, 31));
	assert_true(ecl__date_is_valid(2025, 12, 31));
	assert_false(ecl__date_is_valid(2025, 0, 1));
	assert_false(ecl__date_is_valid(2025, 13, 1));
	assert_false(ecl__date_is_valid(2025, 1, 0));
	assert_false(ecl__date_is_valid(2025, 1, 32));
	assert_false(ecl__date_is_valid(0, 1, 1));
	assert_false(ecl__date_is_valid(10000, 1, 1));
	assert_true(ecl__date_is_valid(9999, 12, 31));
	assert_int_equal(ecl__days_in_month(2024, 2), 29);
	assert_int_equal(ecl__days_in_month(2025, 13), 0);
	assert_string_equal(ecl__month_name(2), "February");
}

static void test_london_offset_edges(void **state)
{
	(void)state;
	assert_int_equal(ecl__london_offset(utc_at(2025, 3, 30, 1, 0) - 1), 0);
	assert_int_equal(ecl__london_offset(utc_at(2025, 3, 30, 1, 0)), 3600);
	assert_int_equal(ecl__london_offset(utc_at(2025, 10, 26, 1, 0) - 1), 3600);
	assert_int_equal(ecl__london_offset(utc_at(2025, 10, 26, 1, 0)), 0);
	assert_int_equal(ecl__london_offset(utc_at(2025, 1, 15, 12, 0)), 0);
	assert_int_equal(ecl__london_offset(utc_at(2025, 7, 1, 12, 0)), 3600);
	assert_int_equal(ecl__london_offset(utc_at(2024, 12, 31, 23, 59)), 0);
	assert_int_equal(ecl__london_offset(INT64_MIN), 0);
	assert_int_equal(ecl__london_offset(INT64_MAX), 0);
}

static void test_period_counts(void **state)
{
	static const struct { int y, m, d, periods; } cases[] = {
		{ 2025, 3, 30, 46 }, { 2025, 10, 26, 50 }, { 2025, 1, 15, 48 }, { 2025, 7, 1, 48 },
		{ 2024, 2, 29, 48 }, { 2024, 3, 31, 46 }, { 2024, 10, 27, 50 }, { 2026, 3, 29, 46 },
		{ 2026, 10, 25, 50 }, { 1996, 3, 31, 46 }, { 1996, 10, 27, 50 }, { 2099, 3, 29, 46 },
		{ 2099, 10, 25, 50 }, { 2025, 3, 29, 48 }, { 2025, 3, 31, 48 }, { 2025, 10, 27, 48 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ecl_date d = date_of(cases[i].y, cases[i].m, cases[i].d);

		assert_int_equal(ecl__settlement_periods(&d), cases[i].periods);
	}
}

/* Every supported year has one short and one long day, and its days chain
 * exactly: each day ends where the next one starts. */
static void test_every_year_chains(void **state)
{
	(void)state;
	for (int y = ECL_SETTLEMENT_YEAR_MIN; y <= ECL_SETTLEMENT_YEAR_MAX; y++) {
		int64_t first = ecl__days_from_civil(y, 1, 1), last = ecl__days_from_civil(y, 12, 31);
		int short_days = 0, long_days = 0;
		int64_t total = 0;

		for (int64_t days = first; days <= last; days++) {
			ecl_date d, next;
			int n;

			ecl__civil_from_days(days, &d);
			ecl__civil_from_days(days + 1, &next);
			n = ecl__settlement_periods(&d);
			short_days += n == 46;
			long_days += n == 50;
			total += n;
			assert_int_equal(ecl__settlement_day_start(&d) + (int64_t)n * 1800,
				ecl__settlement_day_start(&next));
		}
		assert_int_equal(short_days, 1);
		assert_int_equal(long_days, 1);
		assert_int_equal(total, (last - first + 1) * 48);
	}
}

static void assert_period(int y, int m, int d, int period, int64_t expected)
{
	ecl_date date = date_of(y, m, d);
	int64_t utc = 0;

	ecl_assert_ok(ecl__period_start(&utc, &date, period));
	assert_int_equal(utc, expected);
}

static void test_spring_forward_day(void **state)
{
	ecl_date d = date_of(2025, 3, 30);
	int64_t utc = 0;

	(void)state;
	assert_period(2025, 3, 30, 1, 1743292800);                 /* 00:00 GMT */
	assert_period(2025, 3, 30, 2, utc_at(2025, 3, 30, 0, 30));  /* 00:30 GMT */
	assert_period(2025, 3, 30, 3, utc_at(2025, 3, 30, 1, 0));   /* 02:00 BST */
	assert_period(2025, 3, 30, 46, utc_at(2025, 3, 30, 22, 30)); /* 23:30 BST */
	assert_int_equal(ecl__settlement_day_start(&d), 1743292800);
	ecl_assert_fails(ECL_EINVALID, ecl__period_start(&utc, &d, 47));
	ecl_assert_error_contains("settlement period 47 does not exist on 2025-03-30");
	ecl_assert_error_contains("1-46");
	ecl_assert_fails(ECL_EINVALID, ecl__period_start(&utc, &d, 0));
	ecl_assert_error_contains("period 0");
	ecl_assert_fails(ECL_EINVALID, ecl__period_start(&utc, &d, -1));
	assert_int_equal(utc, 0);
}

static void test_fall_back_day(void **state)
{
	ecl_date d = date_of(2025, 10, 26), next = date_of(2025, 10, 27);
	int64_t utc = 0, prev = 0;

	(void)state;
	assert_period(2025, 10, 26, 1, 1761433200);                 /* 2025-10-25T23:00Z = 00:00 BST */
	assert_period(2025, 10, 26, 2, utc_at(2025, 10, 25, 23, 30));
	assert_period(2025, 10, 26, 3, utc_at(2025, 10, 26, 0, 0));  /* 01:00 BST */
	assert_period(2025, 10, 26, 4, utc_at(2025, 10, 26, 0, 30)); /* 01:30 BST */
	assert_period(2025, 10, 26, 5, utc_at(2025, 10, 26, 1, 0));  /* 01:00 GMT */
	assert_period(2025, 10, 26, 6, utc_at(2025, 10, 26, 1, 30)); /* 01:30 GMT */
	assert_period(2025, 10, 26, 7, utc_at(2025, 10, 26, 2, 0));  /* 02:00 GMT */
	assert_period(2025, 10, 26, 50, 1761521400);                /* 23:30 GMT */
	for (int p = 1; p <= 50; p++) {
		ecl_assert_ok(ecl__period_start(&utc, &d, p));
		if (p > 1)
			assert_int_equal(utc - prev, 1800);
		prev = utc;
	}
	assert_int_equal(prev + 1800, ecl__settlement_day_start(&next));
	ecl_assert_fails(ECL_EINVALID, ecl__period_start(&utc, &d, 51));
	ecl_assert_error_contains("1-50");
}

static void test_ordinary_days(void **state)
{
	(void)state;
	/* Winter: GMT, periods on UTC half hours. */
	assert_period(2025, 1, 15, 1, utc_at(2025, 1, 15, 0, 0));
	assert_period(2025, 1, 15, 48, utc_at(2025, 1, 15, 23, 30));
	/* Summer: BST, local midnight is 23:00 UTC the day before. */
	assert_period(2025, 7, 1, 1, utc_at(2025, 6, 30, 23, 0));
	assert_period(2025, 7, 1, 48, utc_at(2025, 7, 1, 22, 30));
	/* Leap day and year boundary. */
	assert_period(2024, 2, 29, 1, utc_at(2024, 2, 29, 0, 0));
	assert_period(2024, 2, 29, 48, utc_at(2024, 2, 29, 23, 30));
	assert_period(2024, 12, 31, 48, utc_at(2024, 12, 31, 23, 30));
	assert_period(2025, 1, 1, 1, utc_at(2025, 1, 1, 0, 0));
	assert_period(2099, 12, 31, 48, utc_at(2099, 12, 31, 23, 30));
	assert_period(1996, 1, 1, 1, utc_at(1996, 1, 1, 0, 0));
}

static void test_date_errors(void **state)
{
	ecl_date d;
	int64_t utc;

	(void)state;
	d = date_of(2025, 2, 29);
	ecl_assert_fails(ECL_EINVALID, ecl__settlement_periods(&d));
	ecl_assert_error_contains("invalid date 2025-02-29");
	ecl_assert_fails(ECL_EINVALID, ecl__period_start(&utc, &d, 1));
	d = date_of(1995, 6, 1);
	ecl_assert_fails(ECL_EINVALID, ecl__settlement_periods(&d));
	ecl_assert_error_contains("1995-06-01 is outside the years 1996-2099");
	d = date_of(2100, 1, 1);
	ecl_assert_fails(ECL_EINVALID, ecl__local_to_utc(&utc, &d, 0, 0, 0, 0));
	ecl_assert_fails(ECL_EINVALID, ecl__settlement_periods(NULL));
}

/* settlement_of inverts period_start for every period of 2024-2026. */
static void test_settlement_of_inverts_period_start(void **state)
{
	int64_t first = ecl__days_from_civil(2024, 1, 1), last = ecl__days_from_civil(2026, 12, 31);
	int64_t expected_next = ecl__settlement_day_start(&(ecl_date){ 2024, 1, 1 });

	(void)state;
	for (int64_t days = first; days <= last; days++) {
		ecl_date d;
		int n;

		ecl__civil_from_days(days, &d);
		n = ecl__settlement_periods(&d);
		for (int p = 1; p <= n; p++) {
			ecl_date got;
			int64_t utc;
			int period, local;

			ecl_assert_ok(ecl__period_start(&utc, &d, p));
			assert_int_equal(utc, expected_next);
			expected_next = utc + 1800;
			ecl_assert_ok(ecl__settlement_of(&got, &period, &local, utc));
			assert_int_equal(got.year, d.year);
			assert_int_equal(got.month, d.month);
			assert_int_equal(got.day, d.day);
			assert_int_equal(period, p);
			assert_int_equal(local, (int)((utc + ecl__london_offset(utc)) - days * 86400));
			assert_true(local >= 0 && local < 86400);
		}
	}
}

static void test_settlement_of_local_times(void **state)
{
	ecl_date d;
	int period, local;

	(void)state;
	ecl_assert_ok(ecl__settlement_of(&d, &period, &local, utc_at(2025, 3, 30, 1, 0)));
	assert_int_equal(period, 3);
	assert_int_equal(local, 2 * 3600);
	ecl_assert_ok(ecl__settlement_of(&d, &period, &local, utc_at(2025, 10, 26, 0, 0)));
	assert_int_equal(period, 3);
	assert_int_equal(local, 3600);
	ecl_assert_ok(ecl__settlement_of(&d, &period, &local, utc_at(2025, 10, 26, 1, 0)));
	assert_int_equal(period, 5);
	assert_int_equal(local, 3600);
	ecl_assert_ok(ecl__settlement_of(&d, &period, &local, utc_at(2025, 6, 30, 23, 0)));
	assert_int_equal(d.month, 7);
	assert_int_equal(d.day, 1);
	assert_int_equal(period, 1);
	assert_int_equal(local, 0);
}

static void test_settlement_of_errors(void **state)
{
	ecl_date d = { 0, 0, 0 };
	int period = -7, local = -7;

	(void)state;
	ecl_assert_fails(ECL_EINVALID, ecl__settlement_of(&d, &period, &local, utc_at(2025, 10, 26, 0, 15)));
	ecl_assert_error_contains("2025-10-26T00:15:00Z is not the start of a settlement period");
	ecl_assert_fails(ECL_EINVALID, ecl__settlement_of(&d, &period, &local, utc_at(2025, 10, 26, 0, 0) + 1));
	ecl_assert_fails(ECL_EINVALID, ecl__settlement_of(&d, &period, &local, utc_at(1995, 12, 31, 23, 30)));
	ecl_assert_error_contains("outside the years 1996-2099");
	ecl_assert_fails(ECL_EINVALID, ecl__settlement_of(&d, &period, &local, utc_at(2100, 1, 1, 0, 0)));
	ecl_assert_fails(ECL_EINVALID, ecl__settlement_of(&d, &period, &local, INT64_MAX));
	ecl_assert_fails(ECL_EINVALID, ecl__settlement_of(&d, &period, &local, INT64_MIN));
	assert_int_equal(period, -7);
	assert_int_equal(local, -7);
	assert_int_equal(d.year, 0);
	/* The first and last periods of the supported range. */
	ecl_assert_ok(ecl__settlement_of(&d, &period, &local, utc_at(1996, 1, 1, 0, 0)));
	assert_int_equal(period, 1);
	ecl_assert_ok(ecl__settlement_of(&d, &period, &local, utc_at(2099, 12, 31, 23, 30)));
	assert_int_equal(period, 48);
}

static void assert_local(int y, int m, int d, int hh, int mm, int ss, int fold, int64_t expected)
{
	ecl_date date = date_of(y, m, d);
	int64_t utc = 0;

	ecl_assert_ok(ecl__local_to_utc(&utc, &date, hh, mm, ss, fold));
	assert_int_equal(utc, expected);
}

static void test_local_to_utc(void **state)
{
	ecl_date spring = date_of(2025, 3, 30);
	int64_t utc = 42;

	(void)state;
	/* Spring: 01:00-01:59 does not exist. */
	assert_local(2025, 3, 30, 0, 59, 59, 0, utc_at(2025, 3, 30, 1, 0) - 1);
	assert_local(2025, 3, 30, 2, 0, 0, 0, utc_at(2025, 3, 30, 1, 0));
	ecl_assert_fails(ECL_EINVALID, ecl__local_to_utc(&utc, &spring, 1, 30, 0, 0));
	ecl_assert_error_contains("local time 01:30:00 on 2025-03-30 does not exist in Europe/London");
	ecl_assert_fails(ECL_EINVALID, ecl__local_to_utc(&utc, &spring, 1, 0, 0, 1));
	ecl_assert_fails(ECL_EINVALID, ecl__local_to_utc(&utc, &spring, 1, 59, 59, 0));
	assert_int_equal(utc, 42);
	/* Autumn: 01:00-01:59 happens twice; fold picks the occurrence. */
	assert_local(2025, 10, 26, 1, 30, 0, 0, utc_at(2025, 10, 26, 0, 30));
	assert_local(2025, 10, 26, 1, 30, 0, 1, utc_at(2025, 10, 26, 1, 30));
	assert_local(2025, 10, 26, 0, 59, 59, 1, utc_at(2025, 10, 25, 23, 59) + 59);
	assert_local(2025, 10, 26, 2, 0, 0, 0, utc_at(2025, 10, 26, 2, 0));
	assert_local(2025, 10, 26, 0, 30, 0, 1, utc_at(2025, 10, 25, 23, 30));
	/* Ordinary days. */
	assert_local(2025, 1, 15, 13, 45, 10, 0, utc_at(2025, 1, 15, 13, 45) + 10);
	assert_local(2025, 7, 1, 0, 0, 0, 0, utc_at(2025, 6, 30, 23, 0));
	/* 24:00 is the next day's midnight. */
	assert_local(2025, 10, 26, 24, 0, 0, 0, utc_at(2025, 10, 27, 0, 0));
	assert_local(2025, 3, 29, 24, 0, 0, 0, utc_at(2025, 3, 30, 0, 0));
	assert_local(2025, 6, 30, 24, 0, 0, 0, utc_at(2025, 6, 30, 23, 0));
	assert_local(2024, 12, 31, 24, 0, 0, 0, utc_at(2025, 1, 1, 0, 0));
}

static void test_local_to_utc_errors(void **state)
{
	ecl_date d = date_of(2025, 1, 15);
	int64_t utc;

	(void)state;
	ecl_assert_fails(ECL_EINVALID, ecl__local_to_utc(&utc, &d, 24, 0, 1, 0));
	ecl_assert_error_contains("invalid local time 24:00:01");
	ecl_assert_fails(ECL_EINVALID, ecl__local_to_utc(&utc, &d, 25, 0, 0, 0));
	ecl_assert_fails(ECL_EINVALID, ecl__local_to_utc(&utc, &d, 12, 60, 0, 0));
	ecl_assert_fails(ECL_EINVALID, ecl__local_to_utc(&utc, &d, 12, 0, 60, 0));
	ecl_assert_fails(ECL_EINVALID, ecl__local_to_utc(&utc, &d, -1, 0, 0, 0));
	ecl_assert_fails(ECL_EINVALID, ecl__local_to_utc(&utc, &d, 12, 0, 0, 2));
	ecl_assert_error_contains("fold must be 0 or 1");
	d = date_of(2025, 2, 30);
	ecl_assert_fails(ECL_EINVALID, ecl__local_to_utc(&utc, &d, 12, 0, 0, 0));
	ecl_assert_error_contains("invalid date 2025-02-30");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_known_values),
		cmocka_unit_test(test_days_round_trip_1900_2100),
		cmocka_unit_test(test_date_is_valid),
		cmocka_unit_test(test_london_offset_edges),
		cmocka_unit_test(test_period_counts),
		cmocka_unit_test(test_every_year_chains),
		cmocka_unit_test(test_spring_forward_day),
		cmocka_unit_test(test_fall_back_day),
		cmocka_unit_test(test_ordinary_days),
		cmocka_unit_test(test_date_errors),
		cmocka_unit_test(test_settlement_of_inverts_period_start),
		cmocka_unit_test(test_settlement_of_local_times),
		cmocka_unit_test(test_settlement_of_errors),
		cmocka_unit_test(test_local_to_utc),
		cmocka_unit_test(test_local_to_utc_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
