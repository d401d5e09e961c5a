/* Dates and periods for aggregation (see calendar.h). */
#include <stdio.h>
#include <string.h>

#include "aggregate/calendar.h"
#include "eclectyc/sys/errors.h"

static int digits(const char *s, size_t n, int *value)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*value = v;
	return 1;
}

int ecl__date_parse(ecl_date *out, const char *text, const char *what)
{
	ecl_date d;

	if (text == NULL)
		return ecl_error_set(ECL_EINVALID, "%s is missing (expected YYYY-MM-DD)", what);
	if (strlen(text) != 10 || text[4] != '-' || text[7] != '-'
	    || !digits(text, 4, &d.year) || !digits(text + 5, 2, &d.month)
	    || !digits(text + 8, 2, &d.day))
		return ecl_error_set(ECL_EINVALID, "%s \"%.40s\" is not a date in the form YYYY-MM-DD",
			what, text);
	if (!ecl__date_is_valid(d.year, d.month, d.day))
		return ecl_error_set(ECL_EINVALID, "%s \"%s\" does not exist", what, text);
	if (d.year < ECL_SETTLEMENT_YEAR_MIN || d.year > ECL_SETTLEMENT_YEAR_MAX)
		return ecl_error_set(ECL_EINVALID, "%s \"%s\" is outside the supported years %d-%d",
			what, text, ECL_SETTLEMENT_YEAR_MIN, ECL_SETTLEMENT_YEAR_MAX);
	*out = d;
	return 0;
}

void ecl__date_format(char out[11], const ecl_date *d)
{
	unsigned year = (unsigned)d->year % 10000u, month = (unsigned)d->month % 100u;
	unsigned day = (unsigned)d->day % 100u;

	snprintf(out, 11, "%04u-%02u-%02u", year, month, day);
}

int64_t ecl__date_to_days(const ecl_date *d)
{
	return ecl__days_from_civil(d->year, d->month, d->day);
}

void ecl__date_from_days(ecl_date *out, int64_t days)
{
	ecl__civil_from_days(days, out);
}

void ecl__date_yesterday(ecl_date *out, int64_t now)
{
	int64_t local = now + ecl__london_offset(now);
	int64_t days = local / 86400 - (local % 86400 < 0 ? 1 : 0);

	ecl__civil_from_days(days - 1, out);
}

int ecl__agg_day(ecl_agg_day *out, const ecl_date *d)
{
	ecl_date next;
	int periods = ecl__settlement_periods(d);

	if (periods < 0)
		return periods;
	ecl__civil_from_days(ecl__date_to_days(d) + 1, &next);
	ecl__date_format(out->date, d);
	out->start = ecl__settlement_day_start(d);
	out->end = ecl__settlement_day_start(&next);
	out->periods = periods;
	return 0;
}

void ecl__range_bounds(ecl_date *first, ecl_date *last, ecl_range range, const ecl_date *d)
{
	int64_t days = ecl__date_to_days(d);
	/* 1970-01-01 was a Thursday: (days + 3) mod 7 is 0 on a Monday. */
	int64_t weekday = ((days + 3) % 7 + 7) % 7;

	switch (range) {
	case ECL_RANGE_WEEKLY:
		ecl__civil_from_days(days - weekday, first);
		ecl__civil_from_days(days - weekday + 6, last);
		break;
	case ECL_RANGE_MONTHLY:
		*first = *last = *d;
		first->day = 1;
		last->day = ecl__days_in_month(d->year, d->month);
		break;
	case ECL_RANGE_ANNUAL:
		first->year = last->year = d->year;
		first->month = first->day = 1;
		last->month = 12;
		last->day = 31;
		break;
	default:
		*first = *last = *d;
		break;
	}
}
