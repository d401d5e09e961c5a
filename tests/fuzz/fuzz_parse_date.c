/*
 * libFuzzer target for the date, time and timestamp parsers and the
 * settlement calendar behind them. Built by tests/fuzz/CMakeLists.txt
 * (-DECL_FUZZ=ON, clang); by hand, see the command in the comment below. Besides crashes and sanitizer reports it checks that
 * every accepted value is a real date/time, that printing it back in a
 * canonical form parses to the same value, and that local times convert to
 * UTC and back to the same settlement day.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Ibuild/include \
 *     -Ilibeclectyc tests/fuzz/fuzz_parse_date.c libeclectyc/ingest/parse.c libeclectyc/util/settlement.c \
 *     libeclectyc/util/error.c libeclectyc/util/strutil.c -o fuzz_parse_date && ./fuzz_parse_date
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/errors.h"
#include "ingest/parse.h"
#include "util/settlement.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "check failed: %s\n", #cond); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_failure(int rc)
{
	CHECK(rc == ECL_EINVALID);
	CHECK(ecl_error_last()[0] != '\0');
	CHECK(ecl_error_last_code() == ECL_EINVALID);
}

static int same_date(const ecl_date *a, const ecl_date *b)
{
	return a->year == b->year && a->month == b->month && a->day == b->day;
}

static void check_date(const char *text, ecl_date_order order)
{
	ecl_date d, again;
	char buf[64];
	int rc = ecl__parse_date(&d, text, order);

	if (rc != 0) {
		check_failure(rc);
		return;
	}
	CHECK(ecl__date_is_valid(d.year, d.month, d.day));
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d.year, d.month, d.day);
	CHECK(ecl__parse_date(&again, buf, order) == 0 && same_date(&d, &again));
	if (order == ECL_DATE_DAY_FIRST)
		snprintf(buf, sizeof(buf), "%d/%d/%04d", d.day, d.month, d.year);
	else
		snprintf(buf, sizeof(buf), "%d/%d/%04d", d.month, d.day, d.year);
	CHECK(ecl__parse_date(&again, buf, order) == 0 && same_date(&d, &again));
}

static void check_time(const char *text, int allow_24)
{
	int seconds, rc = ecl__parse_time(&seconds, text, allow_24);

	if (rc != 0) {
		check_failure(rc);
		return;
	}
	CHECK(seconds >= 0 && (seconds < 86400 || (allow_24 && seconds == 86400)));
}

/* A local timestamp inside the calendar's years converts to UTC, and a
 * half-hour one maps back to the same settlement day and wall time. */
static void check_local(const ecl_timestamp *ts)
{
	int h = ts->seconds / 3600, m = ts->seconds / 60 % 60, s = ts->seconds % 60;
	int64_t utc;
	ecl_date d;
	int period, local, rc;

	if (ts->date.year < ECL_SETTLEMENT_YEAR_MIN || ts->date.year > ECL_SETTLEMENT_YEAR_MAX)
		return;
	for (int fold = 0; fold <= 1; fold++) {
		rc = ecl__local_to_utc(&utc, &ts->date, h, m, s, fold);
		if (rc != 0) {
			check_failure(rc);  /* only the skipped spring hour */
			CHECK(ts->date.month == 3 && h == 1);
			continue;
		}
		if (ts->seconds == 86400 || ts->seconds % 1800 != 0)
			continue;
		CHECK(ecl__settlement_of(&d, &period, &local, utc) == 0);
		CHECK(same_date(&d, &ts->date));
		CHECK(local == ts->seconds);
		CHECK(period >= 1 && period <= ecl__settlement_periods(&d));
	}
}

static void check_timestamp(const char *text, ecl_date_order order, int allow_24)
{
	ecl_timestamp ts;
	int rc = ecl__parse_timestamp(&ts, text, order, allow_24);

	if (rc != 0) {
		check_failure(rc);
		return;
	}
	CHECK(ecl__date_is_valid(ts.date.year, ts.date.month, ts.date.day));
	CHECK(ts.seconds >= 0 && (ts.seconds < 86400 || (allow_24 && ts.seconds == 86400)));
	CHECK(ts.has_offset == 0 || ts.has_offset == 1);
	CHECK(ts.offset_seconds > -86400 && ts.offset_seconds < 86400);
	CHECK(ts.has_offset || ts.offset_seconds == 0);
	if (!ts.has_offset)
		check_local(&ts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (int order = 0; order <= 1; order++) {
		check_date(text, (ecl_date_order)order);
		for (int allow_24 = 0; allow_24 <= 1; allow_24++)
			check_timestamp(text, (ecl_date_order)order, allow_24);
	}
	check_time(text, 0);
	check_time(text, 1);
	free(text);
	return 0;
}
