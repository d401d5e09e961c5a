/* The aggregation calendar: strict dates, yesterday in London, and the
 * week, month or year that holds a date. */
#include "ecl_test.h"

#include "aggregate/calendar.h"

static void parses_only_real_dates(void **state)
{
	ecl_date d;

	(void)state;
	ecl_assert_ok(ecl__date_parse(&d, "2024-02-29", "date"));
	assert_int_equal(d.year, 2024);
	assert_int_equal(d.month, 2);
	assert_int_equal(d.day, 29);
	ecl_assert_fails(ECL_EINVALID, ecl__date_parse(&d, "2025-02-29", "date"));
	ecl_assert_error_contains("\"2025-02-29\" does not exist");
	ecl_assert_fails(ECL_EINVALID, ecl__date_parse(&d, "2025-02-30", "--date"));
	ecl_assert_error_contains("--date");
	ecl_assert_fails(ECL_EINVALID, ecl__date_parse(&d, "2025-13-01", "date"));
	ecl_assert_fails(ECL_EINVALID, ecl__date_parse(&d, "2025-1-01", "date"));
	ecl_assert_fails(ECL_EINVALID, ecl__date_parse(&d, "2025-01-01 ", "date"));
	ecl_assert_fails(ECL_EINVALID, ecl__date_parse(&d, "2025/01/01", "date"));
	ecl_assert_fails(ECL_EINVALID, ecl__date_parse(&d, "", "date"));
	ecl_assert_fails(ECL_EINVALID, ecl__date_parse(&d, NULL, "until"));
	ecl_assert_error_contains("until is missing");
	ecl_assert_fails(ECL_EINVALID, ecl__date_parse(&d, "1995-12-31", "date"));
	ecl_assert_error_contains("supported years");
}

static void formats_and_counts_days(void **state)
{
	ecl_date d = { 2025, 12, 31 }, back;
	char text[11];

	(void)state;
	ecl__date_format(text, &d);
	assert_string_equal(text, "2025-12-31");
	ecl__date_from_days(&back, ecl__date_to_days(&d) + 1);
	assert_int_equal(back.year, 2026);
	assert_int_equal(back.month, 1);
	assert_int_equal(back.day, 1);
}

static void yesterday_follows_london_midnight(void **state)
{
	ecl_date d;

	(void)state;
	ecl__date_yesterday(&d, 1768435199);   /* 2026-01-14 23:59:59 UTC (GMT) */
	assert_int_equal(d.day, 13);
	ecl__date_yesterday(&d, 1781566200);   /* 2026-06-15 23:30 UTC = 00:30 BST on the 16th */
	assert_int_equal(d.month, 6);
	assert_int_equal(d.day, 15);
	ecl__date_yesterday(&d, 1767225600);   /* 2026-01-01 00:00 UTC */
	assert_int_equal(d.year, 2025);
	assert_int_equal(d.month, 12);
	assert_int_equal(d.day, 31);
}

static void check_bounds(ecl_range range, const char *date, const char *first, const char *last)
{
	ecl_date d, a, b;
	char ta[11], tb[11];

	ecl_assert_ok(ecl__date_parse(&d, date, "date"));
	ecl__range_bounds(&a, &b, range, &d);
	ecl__date_format(ta, &a);
	ecl__date_format(tb, &b);
	assert_string_equal(ta, first);
	assert_string_equal(tb, last);
}

static void periods_hold_their_dates(void **state)
{
	(void)state;
	check_bounds(ECL_RANGE_DAILY, "2026-01-01", "2026-01-01", "2026-01-01");
	/* ISO weeks start on Monday and cross month and year ends. */
	check_bounds(ECL_RANGE_WEEKLY, "2026-01-01", "2025-12-29", "2026-01-04");
	check_bounds(ECL_RANGE_WEEKLY, "2025-12-29", "2025-12-29", "2026-01-04");
	check_bounds(ECL_RANGE_WEEKLY, "2026-01-04", "2025-12-29", "2026-01-04");
	check_bounds(ECL_RANGE_WEEKLY, "2026-01-05", "2026-01-05", "2026-01-11");
	check_bounds(ECL_RANGE_WEEKLY, "2026-03-01", "2026-02-23", "2026-03-01");
	check_bounds(ECL_RANGE_MONTHLY, "2024-02-10", "2024-02-01", "2024-02-29");
	check_bounds(ECL_RANGE_MONTHLY, "2025-02-10", "2025-02-01", "2025-02-28");
	check_bounds(ECL_RANGE_MONTHLY, "2026-12-31", "2026-12-01", "2026-12-31");
	check_bounds(ECL_RANGE_ANNUAL, "2024-07-04", "2024-01-01", "2024-12-31");
}

static void settlement_days_have_their_periods(void **state)
{
	ecl_date d = { 2026, 3, 29 };
	ecl_agg_day day;

	(void)state;
	ecl_assert_ok(ecl__agg_day(&day, &d));
	assert_string_equal(day.date, "2026-03-29");
	assert_int_equal(day.periods, 46);
	assert_int_equal(day.start, 1774742400);          /* 2026-03-29 00:00 GMT */
	assert_int_equal(day.end - day.start, 46 * 1800);
	d.month = 10, d.day = 25;
	ecl_assert_ok(ecl__agg_day(&day, &d));
	assert_int_equal(day.periods, 50);
	assert_int_equal(day.start, 1792882800);          /* 2026-10-25 00:00 BST = 24th 23:00 UTC */
	assert_int_equal(day.end - day.start, 50 * 1800);
	d.month = 6, d.day = 1;
	ecl_assert_ok(ecl__agg_day(&day, &d));
	assert_int_equal(day.periods, 48);
	d.year = 2200;
	ecl_assert_fails(ECL_EINVALID, ecl__agg_day(&day, &d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_only_real_dates),
		cmocka_unit_test(formats_and_counts_days),
		cmocka_unit_test(yesterday_follows_london_midnight),
		cmocka_unit_test(periods_hold_their_dates),
		cmocka_unit_test(settlement_days_have_their_periods),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
