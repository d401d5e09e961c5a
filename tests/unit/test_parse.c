#include "ecl_test.h"

#include "ingest/parse.h"

/* ---- dates ------------------------------------------------------------ */

static void assert_date(const char *text, ecl_date_order order, int y, int m, int d)
{
	ecl_date date = { 0, 0, 0 };

	ecl_assert_ok(ecl__parse_date(&date, text, order));
	assert_int_equal(date.year, y);
	assert_int_equal(date.month, m);
	assert_int_equal(date.day, d);
}

/* Fails with ECL_EINVALID, leaves the output alone and mentions `needle`. */
static void assert_bad_date(const char *text, ecl_date_order order, const char *needle)
{
	ecl_date date = { -1, -1, -1 };

	ecl_assert_fails(ECL_EINVALID, ecl__parse_date(&date, text, order));
	ecl_assert_error_contains(needle);
	assert_int_equal(date.year, -1);
	assert_int_equal(date.month, -1);
	assert_int_equal(date.day, -1);
}

static void test_date_forms(void **state)
{
	(void)state;
	assert_date("2025-11-07", ECL_DATE_DAY_FIRST, 2025, 11, 7);
	assert_date("2025-11-07", ECL_DATE_MONTH_FIRST, 2025, 11, 7);
	assert_date("2025/11/07", ECL_DATE_DAY_FIRST, 2025, 11, 7);
	assert_date("2025-1-5", ECL_DATE_DAY_FIRST, 2025, 1, 5);
	assert_date("07/11/2025", ECL_DATE_DAY_FIRST, 2025, 11, 7);
	assert_date("7/11/2025", ECL_DATE_DAY_FIRST, 2025, 11, 7);
	assert_date("07-11-2025", ECL_DATE_DAY_FIRST, 2025, 11, 7);
	assert_date("07.11.2025", ECL_DATE_DAY_FIRST, 2025, 11, 7);
	assert_date("7.1.2025", ECL_DATE_DAY_FIRST, 2025, 1, 7);
	assert_date("07/11/2025", ECL_DATE_MONTH_FIRST, 2025, 7, 11);
	assert_date("11/30/2025", ECL_DATE_MONTH_FIRST, 2025, 11, 30);
	assert_date("12-31-2025", ECL_DATE_MONTH_FIRST, 2025, 12, 31);
	assert_date("  07/11/2025  ", ECL_DATE_DAY_FIRST, 2025, 11, 7);
	assert_date("\t2025-11-07\r\n", ECL_DATE_DAY_FIRST, 2025, 11, 7);
	assert_date("29/02/2024", ECL_DATE_DAY_FIRST, 2024, 2, 29);
	assert_date("2000-02-29", ECL_DATE_DAY_FIRST, 2000, 2, 29);
	assert_date("0001-01-01", ECL_DATE_DAY_FIRST, 1, 1, 1);
	assert_date("31/12/9999", ECL_DATE_DAY_FIRST, 9999, 12, 31);
}

static void test_date_exact_messages(void **state)
{
	ecl_date date;

	(void)state;
	ecl_assert_fails(ECL_EINVALID, ecl__parse_date(&date, "31/02/2025", ECL_DATE_DAY_FIRST));
	assert_string_equal(ecl_error_last(),
		"invalid date \"31/02/2025\": day 31 does not exist in February 2025");
	ecl_assert_fails(ECL_EINVALID, ecl__parse_date(&date, " 07/11/25 ", ECL_DATE_DAY_FIRST));
	assert_string_equal(ecl_error_last(),
		"invalid date \"07/11/25\": two-digit year \"25\" is ambiguous; write the year with 4 digits");
	ecl_assert_fails(ECL_EINVALID, ecl__parse_date(&date, "11/30/2025", ECL_DATE_DAY_FIRST));
	assert_string_equal(ecl_error_last(),
		"invalid date \"11/30/2025\": month 30 does not exist (dates are read day-first, DD/MM/YYYY)");
	ecl_assert_fails(ECL_EINVALID, ecl__parse_date(&date, "abc", ECL_DATE_DAY_FIRST));
	assert_string_equal(ecl_error_last(), "invalid date \"abc\": expected a date YYYY-MM-DD or DD/MM/YYYY");
	ecl_assert_fails(ECL_EINVALID, ecl__parse_date(&date, "abc", ECL_DATE_MONTH_FIRST));
	assert_string_equal(ecl_error_last(), "invalid date \"abc\": expected a date YYYY-MM-DD or MM/DD/YYYY");
}

static void test_date_errors(void **state)
{
	(void)state;
	assert_bad_date("2025-02-30", ECL_DATE_DAY_FIRST, "day 30 does not exist in February 2025");
	assert_bad_date("29/02/2025", ECL_DATE_DAY_FIRST, "day 29 does not exist in February 2025");
	assert_bad_date("31/04/2025", ECL_DATE_DAY_FIRST, "day 31 does not exist in April 2025");
	assert_bad_date("30/11/2025", ECL_DATE_MONTH_FIRST, "month 30 does not exist (dates are read month-first");
	assert_bad_date("2025-13-01", ECL_DATE_DAY_FIRST, "month 13 does not exist");
	assert_bad_date("00/01/2025", ECL_DATE_DAY_FIRST, "day 0 does not exist");
	assert_bad_date("01/00/2025", ECL_DATE_DAY_FIRST, "month 0 does not exist");
	assert_bad_date("0000-01-01", ECL_DATE_DAY_FIRST, "year 0 does not exist");
	assert_bad_date("99/99/2025", ECL_DATE_DAY_FIRST, "month 99");
	assert_bad_date("07/11/025", ECL_DATE_DAY_FIRST, "the year must have 4 digits");
	assert_bad_date("07/11/20255", ECL_DATE_DAY_FIRST, "the year must have 4 digits");
	assert_bad_date("30/08/0", ECL_DATE_DAY_FIRST, "the year must have 4 digits");
	assert_bad_date("30/08", ECL_DATE_DAY_FIRST, "expected a date");
	assert_bad_date("", ECL_DATE_DAY_FIRST, "invalid date \"\": empty");
	assert_bad_date("   ", ECL_DATE_DAY_FIRST, "empty");
	assert_bad_date("45000", ECL_DATE_DAY_FIRST, "expected a date");
	assert_bad_date("20251107", ECL_DATE_DAY_FIRST, "expected a date");
	assert_bad_date("Nov 7 2025", ECL_DATE_DAY_FIRST, "expected a date");
	assert_bad_date("2025.11.07", ECL_DATE_DAY_FIRST, "expected a date");
	assert_bad_date("2025-11-07T00:00", ECL_DATE_DAY_FIRST, "expected a date");
	assert_bad_date("07/11/2025 10:00", ECL_DATE_DAY_FIRST, "expected a date");
	assert_bad_date("2025-11/07", ECL_DATE_DAY_FIRST, "the separators '-' and '/' differ");
	assert_bad_date("07/11-2025", ECL_DATE_DAY_FIRST, "the separators '/' and '-' differ");
	assert_bad_date("+2025-11-07", ECL_DATE_DAY_FIRST, "expected a date");
	assert_bad_date("2025-11-007", ECL_DATE_DAY_FIRST, "expected a date");
	assert_bad_date("007/11/2025", ECL_DATE_DAY_FIRST, "expected a date");
	assert_bad_date("07 / 11 / 2025", ECL_DATE_DAY_FIRST, "expected a date");
	assert_bad_date("2025-11-07x", ECL_DATE_DAY_FIRST, "expected a date");
	assert_bad_date("07x11x2025", ECL_DATE_DAY_FIRST, "expected a date");
	assert_bad_date("99999999999999999999/1/2025", ECL_DATE_DAY_FIRST, "expected a date");
}

static void test_date_long_text_is_truncated_in_message(void **state)
{
	char text[300];
	ecl_date date;

	(void)state;
	memset(text, '7', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	ecl_assert_fails(ECL_EINVALID, ecl__parse_date(&date, text, ECL_DATE_DAY_FIRST));
	ecl_assert_error_contains("7777...\": expected a date");
	assert_true(strlen(ecl_error_last()) < 200);
}

/* ---- times ------------------------------------------------------------ */

static void assert_time(const char *text, int allow_24, int expected)
{
	int seconds = -1;

	ecl_assert_ok(ecl__parse_time(&seconds, text, allow_24));
	assert_int_equal(seconds, expected);
}

static void assert_bad_time(const char *text, int allow_24, const char *needle)
{
	int seconds = -1;

	ecl_assert_fails(ECL_EINVALID, ecl__parse_time(&seconds, text, allow_24));
	ecl_assert_error_contains(needle);
	assert_int_equal(seconds, -1);
}

static void test_times(void **state)
{
	(void)state;
	assert_time("00:00", 0, 0);
	assert_time("00:30", 0, 1800);
	assert_time("0:30", 0, 1800);
	assert_time("7:05", 0, 7 * 3600 + 300);
	assert_time("23:59:59", 0, 86399);
	assert_time(" 07:00 ", 0, 25200);
	assert_time("12:34:56", 1, 12 * 3600 + 34 * 60 + 56);
	assert_time("24:00", 1, 86400);
	assert_time("24:00:00", 1, 86400);
}

static void test_time_errors(void **state)
{
	(void)state;
	assert_bad_time("24:00", 0, "invalid time \"24:00\": 24:00 is accepted only when timestamps mark the end");
	assert_bad_time("24:00:00", 0, "24:00 is accepted only");
	assert_bad_time("24:30", 1, "hour 24 does not exist");
	assert_bad_time("24:00:01", 1, "hour 24 does not exist");
	assert_bad_time("25:00", 0, "hour 25 does not exist (hours run 0-23)");
	assert_bad_time("12:60", 0, "minute 60 does not exist");
	assert_bad_time("12:00:60", 0, "second 60 does not exist");
	assert_bad_time("", 0, "empty");
	assert_bad_time("12", 0, "expected a time HH:MM or HH:MM:SS");
	assert_bad_time("12:0", 0, "expected a time");
	assert_bad_time("12:000", 0, "expected a time");
	assert_bad_time("123:00", 0, "expected a time");
	assert_bad_time("12:00:0", 0, "expected a time");
	assert_bad_time("12:00:", 0, "expected a time");
	assert_bad_time("12.30", 0, "expected a time");
	assert_bad_time("12-30", 0, "expected a time");
	assert_bad_time("1:30 PM", 0, "expected a time");
	assert_bad_time("30:00.0", 0, "expected a time");
	assert_bad_time("12:00:00.000", 0, "expected a time");
	assert_bad_time("0.5", 0, "expected a time");
	assert_bad_time(":30", 0, "expected a time");
	assert_bad_time("2330", 0, "expected a time");
}

/* ---- timestamps ------------------------------------------------------- */

static void assert_ts(const char *text, ecl_date_order order, int allow_24, int y, int m, int d,
	int seconds, int has_offset, int offset)
{
	ecl_timestamp ts;

	memset(&ts, 0x5a, sizeof(ts));
	ecl_assert_ok(ecl__parse_timestamp(&ts, text, order, allow_24));
	assert_int_equal(ts.date.year, y);
	assert_int_equal(ts.date.month, m);
	assert_int_equal(ts.date.day, d);
	assert_int_equal(ts.seconds, seconds);
	assert_int_equal(ts.has_offset, has_offset);
	assert_int_equal(ts.offset_seconds, offset);
}

static void assert_bad_ts(const char *text, int allow_24, const char *needle)
{
	ecl_timestamp ts = { { -1, -1, -1 }, -1, -1, -1 };

	ecl_assert_fails(ECL_EINVALID, ecl__parse_timestamp(&ts, text, ECL_DATE_DAY_FIRST, allow_24));
	ecl_assert_error_contains(needle);
	assert_int_equal(ts.date.year, -1);
	assert_int_equal(ts.seconds, -1);
	assert_int_equal(ts.has_offset, -1);
}

static void test_timestamps(void **state)
{
	const ecl_date_order day = ECL_DATE_DAY_FIRST;

	(void)state;
	assert_ts("2025-11-07T00:30:00Z", day, 0, 2025, 11, 7, 1800, 1, 0);
	assert_ts("2025-11-07t00:30z", day, 0, 2025, 11, 7, 1800, 1, 0);
	assert_ts("2025-11-07 00:30", day, 0, 2025, 11, 7, 1800, 0, 0);
	assert_ts("  2025-11-07   00:30:15  ", day, 0, 2025, 11, 7, 1815, 0, 0);
	assert_ts("07/11/2025 00:30:00", day, 0, 2025, 11, 7, 1800, 0, 0);
	assert_ts("07/11/2025 00:30:00", ECL_DATE_MONTH_FIRST, 0, 2025, 7, 11, 1800, 0, 0);
	assert_ts("07.11.2025T23:30", day, 0, 2025, 11, 7, 84600, 0, 0);
	assert_ts("2025-11-07T00:30:00+01:00", day, 0, 2025, 11, 7, 1800, 1, 3600);
	assert_ts("2025-11-07T00:30:00-05:30", day, 0, 2025, 11, 7, 1800, 1, -19800);
	assert_ts("2025-11-07T00:30+0100", day, 0, 2025, 11, 7, 1800, 1, 3600);
	assert_ts("2025-11-07T00:30-0000", day, 0, 2025, 11, 7, 1800, 1, 0);
	assert_ts("2025-11-07T00:30+23:59", day, 0, 2025, 11, 7, 1800, 1, 86340);
	assert_ts("2025-11-07 24:00", day, 1, 2025, 11, 7, 86400, 0, 0);
	assert_ts("2025-11-07T24:00:00Z", day, 1, 2025, 11, 7, 86400, 1, 0);
}

static void test_timestamp_errors(void **state)
{
	ecl_timestamp ts;

	(void)state;
	ecl_assert_fails(ECL_EINVALID, ecl__parse_timestamp(&ts, "31/02/2025 10:00", ECL_DATE_DAY_FIRST, 0));
	assert_string_equal(ecl_error_last(),
		"invalid timestamp \"31/02/2025 10:00\": day 31 does not exist in February 2025");
	assert_bad_ts("11/30/2025 10:00", 0, "month 30 does not exist (dates are read day-first");
	assert_bad_ts("2025-11-07 24:00", 0, "24:00 is accepted only");
	assert_bad_ts("2025-11-07 24:30", 1, "hour 24 does not exist");
	assert_bad_ts("2025-11-07T25:00", 0, "hour 25 does not exist");
	assert_bad_ts("2025-11-07", 0, "no time");
	assert_bad_ts("1762473600", 0, "no time");
	assert_bad_ts("", 0, "invalid timestamp \"\": empty");
	assert_bad_ts("2025-11-07T", 0, "expected a time");
	assert_bad_ts("2025-11-07 \t00:30", 0, "expected a time");
	assert_bad_ts("2025-11-07TT00:30", 0, "expected a time");
	assert_bad_ts("T00:30", 0, "expected a date");
	assert_bad_ts("07/11/25 00:30", 0, "two-digit year");
	assert_bad_ts("2025-11-07 00:30 +01:00", 0, "unexpected \" +01:00\" after the time");
	assert_bad_ts("2025-11-07T00:30+01", 0, "expected Z or a UTC offset such as +01:00");
	assert_bad_ts("2025-11-07T00:30+1:00", 0, "expected Z or a UTC offset");
	assert_bad_ts("2025-11-07T00:30+01:0", 0, "expected Z or a UTC offset");
	assert_bad_ts("2025-11-07T00:30+010", 0, "expected Z or a UTC offset");
	assert_bad_ts("2025-11-07T00:30+24:00", 0, "UTC offset \"+24:00\" is out of range");
	assert_bad_ts("2025-11-07T00:30+01:60", 0, "out of range");
	assert_bad_ts("2025-11-07T00:30:00.000Z", 0, "unexpected \".000Z\" after the time");
	assert_bad_ts("2025-11-07T00:30ZZ", 0, "unexpected \"ZZ\"");
	assert_bad_ts("2025-11-07T00:30 Z", 0, "unexpected \" Z\"");
	assert_bad_ts("2025-11-07T00:30 PM", 0, "unexpected");
	assert_bad_ts("2025-11-07T00:30+01:00:00", 0, "expected Z or a UTC offset");
}

/* ---- decimals --------------------------------------------------------- */

static void assert_decimal(const char *text, int64_t expected)
{
	int64_t micro = -42;

	ecl_assert_ok(ecl__parse_decimal(&micro, text));
	assert_int_equal(micro, expected);
}

static void assert_bad_decimal(const char *text, const char *needle)
{
	int64_t micro = -42;

	ecl_assert_fails(ECL_EINVALID, ecl__parse_decimal(&micro, text));
	ecl_assert_error_contains(needle);
	assert_int_equal(micro, -42);
}

static void test_decimals(void **state)
{
	(void)state;
	assert_decimal("0", 0);
	assert_decimal("-0", 0);
	assert_decimal("-1.5", -1500000);
	assert_decimal("+2.25", 2250000);
	assert_decimal(".5", 500000);
	assert_decimal("-.5", -500000);
	assert_decimal("5.", 5000000);
	assert_decimal("  3.14  ", 3140000);
	assert_decimal("\t42\r\n", 42000000);
	assert_decimal("007", 7000000);
	assert_decimal("123456.789012", 123456789012);
	assert_decimal("0.000001", 1);
}

static void test_decimal_rounding(void **state)
{
	(void)state;
	assert_decimal("1.2345678", 1234568);
	assert_decimal("-1.2345678", -1234568);
	assert_decimal("1.2345675", 1234568);        /* exact half: away from zero */
	assert_decimal("-1.2345675", -1234568);
	assert_decimal("1.23456749999999", 1234567);
	assert_decimal("0.0000005", 1);
	assert_decimal("-0.0000005", -1);
	assert_decimal("0.00000049", 0);
	assert_decimal("0.9999995", 1000000);
	assert_decimal("0.9999994999", 999999);
}

static void test_decimal_long_and_limits(void **state)
{
	char text[2100];

	(void)state;
	assert_decimal("000000000000000000000000000001.000000000000000000000000000000001", 1000000);
	/* 2000 fractional digits. */
	strcpy(text, "7.");
	memset(text + 2, '3', 2000);
	text[2002] = '\0';
	assert_decimal(text, 7333333);
	assert_decimal("9223372036854.775807", INT64_MAX);
	assert_decimal("-9223372036854.775807", -INT64_MAX);
	assert_decimal("9223372036854.7758074", INT64_MAX);
	assert_bad_decimal("9223372036854.775808", "out of range");
	assert_bad_decimal("9223372036854.7758075", "out of range");
	assert_bad_decimal("-9223372036854.775808", "out of range");
	assert_bad_decimal("9223372036855", "out of range");
	assert_bad_decimal("99999999999999999999999999999999999999", "out of range");
}

static void test_decimal_errors(void **state)
{
	int64_t micro;

	(void)state;
	ecl_assert_fails(ECL_EINVALID, ecl__parse_decimal(&micro, "1,234.5"));
	assert_string_equal(ecl_error_last(), "invalid number \"1,234.5\": ',' is not accepted: "
		"use '.' for the decimal point and no thousands separators");
	assert_bad_decimal("1,5", "',' is not accepted");
	assert_bad_decimal("N/A", "unexpected 'N' at position 1");
	assert_bad_decimal("", "invalid number \"\": empty");
	assert_bad_decimal("   ", "empty");
	assert_bad_decimal("1e3", "exponents are not accepted");
	assert_bad_decimal("1.5E-3", "exponents are not accepted");
	assert_bad_decimal("0x10", "hexadecimal is not accepted");
	assert_bad_decimal("--1", "unexpected '-' at position 2");
	assert_bad_decimal("+-1", "unexpected '-'");
	assert_bad_decimal("1.2.3", "unexpected '.' at position 4");
	assert_bad_decimal(".", "no digits");
	assert_bad_decimal("-", "no digits");
	assert_bad_decimal("+", "no digits");
	assert_bad_decimal("-.", "no digits");
	assert_bad_decimal("- 1", "unexpected byte 0x20");
	assert_bad_decimal("1 000", "unexpected byte 0x20 at position 2");
	assert_bad_decimal("inf", "unexpected 'i'");
	assert_bad_decimal("nan", "unexpected 'n'");
	assert_bad_decimal("NaN", "unexpected 'N'");
	assert_bad_decimal("1.5kWh", "unexpected 'k' at position 4");
	assert_bad_decimal("\xc2\xbd", "unexpected byte 0xC2");
	assert_bad_decimal("1e", "exponents");
	assert_bad_decimal("e1", "unexpected 'e'");
}

/* ---- units ------------------------------------------------------------ */

static void assert_unit(const char *text, const char *name, int64_t mul, int64_t div)
{
	ecl_unit unit = { NULL, 0, 0 };

	ecl_assert_ok(ecl__parse_unit(&unit, text));
	assert_string_equal(unit.name, name);
	assert_int_equal(unit.mul, mul);
	assert_int_equal(unit.div, div);
}

static void test_units(void **state)
{
	ecl_unit unit = { NULL, 0, 0 };

	(void)state;
	assert_unit("kWh", "kWh", 1, 1);
	assert_unit("kwh", "kWh", 1, 1);
	assert_unit(" KWH ", "kWh", 1, 1);
	assert_unit("", "kWh", 1, 1);
	assert_unit("  ", "kWh", 1, 1);
	assert_unit("Wh", "Wh", 1, 1000);
	assert_unit("wh", "Wh", 1, 1000);
	assert_unit("MWh", "MWh", 1000, 1);
	assert_unit("mwh", "MWh", 1000, 1);
	ecl_assert_fails(ECL_EINVALID, ecl__parse_unit(&unit, "m3"));
	assert_string_equal(ecl_error_last(), "invalid unit \"m3\": expected kWh, Wh or MWh");
	ecl_assert_fails(ECL_EINVALID, ecl__parse_unit(&unit, "kW"));
	ecl_assert_error_contains("\"kW\"");
	ecl_assert_fails(ECL_EINVALID, ecl__parse_unit(&unit, "kVArh"));
	ecl_assert_fails(ECL_EINVALID, ecl__parse_unit(&unit, "GWh"));
	ecl_assert_fails(ECL_EINVALID, ecl__parse_unit(&unit, "k Wh"));
	ecl_assert_fails(ECL_EINVALID, ecl__parse_unit(&unit, "kWhh"));
	ecl_assert_fails(ECL_EINVALID, ecl__parse_unit(&unit, "therms"));
	assert_null(unit.name);
}

static void assert_kwh(const char *value, const char *unit_text, int64_t expected)
{
	ecl_unit unit;
	int64_t micro, kwh = -42;

	ecl_assert_ok(ecl__parse_decimal(&micro, value));
	ecl_assert_ok(ecl__parse_unit(&unit, unit_text));
	ecl_assert_ok(ecl__convert_to_kwh_micro(&kwh, micro, &unit));
	assert_int_equal(kwh, expected);
}

static void test_conversions(void **state)
{
	ecl_unit unit;
	ecl_unit broken = { "broken", 1, 0 };
	int64_t out = -42;

	(void)state;
	assert_kwh("1234.5678", "Wh", 1234568);   /* 1.2345678 kWh, rounded */
	assert_kwh("-1234.5678", "Wh", -1234568);
	assert_kwh("0.0025", "MWh", 2500000);     /* 2.5 kWh */
	assert_kwh("1.5", "kWh", 1500000);
	assert_kwh("1.5", "", 1500000);
	assert_kwh("1000", "Wh", 1000000);
	assert_kwh("0.0005", "Wh", 1);            /* exactly half a micro-kWh: away from zero */
	assert_kwh("-0.0005", "Wh", -1);
	assert_kwh("0.0004", "Wh", 0);
	assert_kwh("9223372036.854775", "MWh", INT64_C(9223372036854775000));
	assert_kwh("-9223372036.854775", "MWh", -INT64_C(9223372036854775000));
	assert_kwh("9223372036854.775807", "Wh", INT64_C(9223372036854776));
	ecl_assert_ok(ecl__parse_unit(&unit, "MWh"));
	ecl_assert_fails(ECL_EINVALID, ecl__convert_to_kwh_micro(&out, INT64_MAX, &unit));
	assert_string_equal(ecl_error_last(), "9223372036854.775807 MWh is out of range once converted to kWh");
	ecl_assert_fails(ECL_EINVALID, ecl__convert_to_kwh_micro(&out, -9223372036854776, &unit));
	ecl_assert_error_contains("-9223372036.854776 MWh");
	ecl_assert_fails(ECL_EINVALID, ecl__convert_to_kwh_micro(&out, 1, &broken));
	ecl_assert_fails(ECL_EINVALID, ecl__convert_to_kwh_micro(&out, 1, NULL));
	assert_int_equal(out, -42);
	ecl_assert_ok(ecl__parse_unit(&unit, "Wh"));
	ecl_assert_ok(ecl__convert_to_kwh_micro(&out, INT64_MIN, &unit));
	assert_int_equal(out, INT64_MIN / 1000 - 1);
}

/* ---- reading types ---------------------------------------------------- */

static void assert_reading(const char *text, ecl_reading_type expected)
{
	ecl_reading_type type = (ecl_reading_type)-1;

	ecl_assert_ok(ecl__parse_reading_type(&type, text));
	assert_int_equal(type, expected);
}

static void test_reading_types(void **state)
{
	ecl_reading_type type = ECL_READING_ESTIMATED;

	(void)state;
	assert_reading("A", ECL_READING_ACTUAL);
	assert_reading("a", ECL_READING_ACTUAL);
	assert_reading("actual", ECL_READING_ACTUAL);
	assert_reading(" ACTUAL ", ECL_READING_ACTUAL);
	assert_reading("", ECL_READING_ACTUAL);
	assert_reading("  ", ECL_READING_ACTUAL);
	assert_reading("E", ECL_READING_ESTIMATED);
	assert_reading("e", ECL_READING_ESTIMATED);
	assert_reading("Estimated", ECL_READING_ESTIMATED);
	ecl_assert_fails(ECL_EINVALID, ecl__parse_reading_type(&type, "manual"));
	assert_string_equal(ecl_error_last(), "invalid reading type \"manual\": manual readings are not "
		"supported; expected A (actual) or E (estimated)");
	ecl_assert_fails(ECL_EINVALID, ecl__parse_reading_type(&type, "M"));
	ecl_assert_error_contains("manual readings are not supported");
	ecl_assert_fails(ECL_EINVALID, ecl__parse_reading_type(&type, "X"));
	assert_string_equal(ecl_error_last(), "invalid reading type \"X\": expected A (actual) or E (estimated)");
	ecl_assert_fails(ECL_EINVALID, ecl__parse_reading_type(&type, "est"));
	ecl_assert_fails(ECL_EINVALID, ecl__parse_reading_type(&type, "estimate"));
	ecl_assert_fails(ECL_EINVALID, ecl__parse_reading_type(&type, "actual reading"));
	ecl_assert_fails(ECL_EINVALID, ecl__parse_reading_type(&type, "AE"));
	assert_int_equal(type, ECL_READING_ESTIMATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_forms),
		cmocka_unit_test(test_date_exact_messages),
		cmocka_unit_test(test_date_errors),
		cmocka_unit_test(test_date_long_text_is_truncated_in_message),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_time_errors),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_timestamp_errors),
		cmocka_unit_test(test_decimals),
		cmocka_unit_test(test_decimal_rounding),
		cmocka_unit_test(test_decimal_long_and_limits),
		cmocka_unit_test(test_decimal_errors),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_reading_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
