/*
 * The profile date patterns (ingest/datefmt.h): every directive, the forms
 * real files use, and the refusals: no rollover, 24:00 only at the end of a
 * day where allowed, a fraction that is not zero, half a date, a pattern
 * with an unknown directive.
 */
#include "ecl_test.h"

#include <string.h>

#include "ingest/datefmt.h"

static int parse(ecl_timestamp *ts, const char *text, const char *pattern, int allow_24)
{
	char *patterns[1];

	patterns[0] = (char *)pattern;
	return ecl__datefmt_parse(ts, text, patterns, 1, allow_24, "cell");
}

static void expect(const char *text, const char *pattern, int y, int m, int d, int seconds)
{
	ecl_timestamp ts;

	if (parse(&ts, text, pattern, 1) != 0)
		fail_msg("\"%s\" with %s: %s", text, pattern, ecl_error_last());
	assert_int_equal(ts.date.year, y);
	assert_int_equal(ts.date.month, m);
	assert_int_equal(ts.date.day, d);
	assert_int_equal(ts.seconds, seconds);
}

static void refused(const char *text, const char *pattern, const char *why)
{
	ecl_timestamp ts;

	assert_int_equal(parse(&ts, text, pattern, 0), ECL_EINVALID);
	if (strstr(ecl_error_last(), why) == NULL)
		fail_msg("\"%s\" with %s: \"%s\" lacks \"%s\"", text, pattern, ecl_error_last(), why);
}

static void forms_real_files_use(void **state)
{
	(void)state;
	expect("26/10/2025", "%d/%m/%Y", 2025, 10, 26, 0);
	expect(" 3/9/2025 ", "%d/%m/%Y", 2025, 9, 3, 0);
	expect("26/10/25", "%d/%m/%y", 2025, 10, 26, 0);
	expect("2025-10-26", "%Y-%m-%d", 2025, 10, 26, 0);
	expect("26-Oct-25", "%d-%b-%y", 2025, 10, 26, 0);
	expect("26-OCT-25", "%d-%b-%y", 2025, 10, 26, 0);
	expect("26 October 2025 01:30:00", "%d %B %Y %H:%M:%S", 2025, 10, 26, 5400);
	expect("Sept 3 2025", "%b %d %Y", 2025, 9, 3, 0);
	expect("Oct 26 2025 12:00AM", "%b %d %Y %I:%M%p", 2025, 10, 26, 0);
	expect("Oct 26 2025  1:30pm", "%b %d %Y %I:%M%p", 2025, 10, 26, 13 * 3600 + 1800);
	expect("Oct 26 2025 12:30PM", "%b %d %Y %I:%M%p", 2025, 10, 26, 12 * 3600 + 1800);
	expect("2025-10-26T01:30:00.000", "%Y-%m-%dT%H:%M:%S.%f", 2025, 10, 26, 5400);
	expect("00:30:00 Sun 26/10/2025", "%T %a %d/%m/%Y", 2025, 10, 26, 1800);
	expect("530", "%N", 0, 0, 0, 5 * 3600 + 1800);
	expect("0", "%N", 0, 0, 0, 0);
	expect("2330", "%N", 0, 0, 0, 23 * 3600 + 1800);
	expect("26/10/2025 24:00", "%d/%m/%Y %H:%M", 2025, 10, 26, 86400);
	expect("100%", "%N%%", 0, 0, 0, 3600);
}

static void offsets(void **state)
{
	ecl_timestamp ts;

	(void)state;
	assert_int_equal(parse(&ts, "2025-10-26T01:30:00+01:00", "%Y-%m-%dT%H:%M:%S%z", 0), 0);
	assert_true(ts.has_offset);
	assert_int_equal(ts.offset_seconds, 3600);
	assert_int_equal(parse(&ts, "2025-10-26T01:30:00Z", "%Y-%m-%dT%H:%M:%S%z", 0), 0);
	assert_true(ts.has_offset);
	assert_int_equal(ts.offset_seconds, 0);
	assert_int_equal(parse(&ts, "2025-10-26 01:30-0130", "%Y-%m-%d %H:%M%z", 0), 0);
	assert_int_equal(ts.offset_seconds, -5400);
	assert_int_equal(parse(&ts, "2025-10-26 01:30", "%Y-%m-%d %H:%M", 0), 0);
	assert_false(ts.has_offset);
}

static void refusals(void **state)
{
	char *two[2] = { "%d/%m/%Y", "%Y-%m-%d" };
	ecl_timestamp ts;

	(void)state;
	refused("31/02/2025", "%d/%m/%Y", "February 2025 has no day 31");
	refused("29/02/25", "%d/%m/%y", "February 2025 has no day 29");
	refused("26/13/2025", "%d/%m/%Y", "month does not exist");
	refused("26/10/2025 24:00", "%d/%m/%Y %H:%M", "hours run from 00 to 23");
	refused("26/10/2025 24:30", "%d/%m/%Y %H:%M", "hours run from 00 to 23");
	refused("13:00PM", "%I:%M%p", "12-hour clock runs from 1 to 12");
	refused("00:61", "%H:%M", "minutes and seconds run from 00 to 59");
	refused("00:30:00.500", "%H:%M:%S.%f", "expected %H:%M:%S.%f");
	refused("2025-10-26 trailing", "%Y-%m-%d", "expected %Y-%m-%d");
	refused("26/10/2025", "%Y-%m-%d", "\"26/10/2025\"");
	refused("Oc 26 2025", "%b %d %Y", "expected");
	refused("", "%d/%m/%Y", "expected");
	/* Each pattern is tried, and the message lists them all. */
	assert_int_equal(ecl__datefmt_parse(&ts, "2025-10-26", two, 2, 0, "date"), 0);
	assert_int_equal(ts.date.day, 26);
	assert_int_equal(ecl__datefmt_parse(&ts, "26.10.2025", two, 2, 0, "date"), ECL_EINVALID);
	assert_non_null(strstr(ecl_error_last(), "invalid date \"26.10.2025\": expected %d/%m/%Y or %Y-%m-%d"));
}

static void checking_patterns(void **state)
{
	static const struct { const char *pattern; int parts; const char *why; } cases[] = {
		{ "%d/%m/%Y", ECL_DATEFMT_DATE, NULL },
		{ "%H:%M", ECL_DATEFMT_TIME, NULL },
		{ "%N", ECL_DATEFMT_TIME, NULL },
		{ "%Y-%m-%dT%H:%M:%S%z", ECL_DATEFMT_DATE | ECL_DATEFMT_TIME | ECL_DATEFMT_OFFSET, NULL },
		{ "%d/%q/%Y", 0, "unknown directive %q" },
		{ "%d/%m", 0, "part of a date" },
		{ "%H", 0, "part of a time" },
		{ "%I:%M", 0, "%I and %p together" },
		{ "%d/%m/%Y %d", 0, "%d twice" },
		{ "%Y %y %m %d", 0, "one field twice" },
		{ "%d/%m/%Y %", 0, "lone %" },
		{ "literal", 0, "neither a date nor a time" },
	};
	size_t i;
	char why[160];
	int parts;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = ecl__datefmt_check(cases[i].pattern, &parts, why, sizeof(why));
		if (cases[i].why == NULL) {
			if (rc != 0)
				fail_msg("%s refused: %s", cases[i].pattern, why);
			assert_int_equal(parts, cases[i].parts);
		} else if (rc == 0 || strstr(why, cases[i].why) == NULL) {
			fail_msg("%s: expected a refusal with \"%s\", got %d \"%s\"", cases[i].pattern, cases[i].why,
				rc, rc ? why : "");
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forms_real_files_use),
		cmocka_unit_test(offsets),
		cmocka_unit_test(refusals),
		cmocka_unit_test(checking_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
