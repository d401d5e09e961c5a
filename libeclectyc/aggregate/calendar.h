/*
 * The calendar of aggregation and quality checks: strict YYYY-MM-DD dates,
 * the settlement days they span, and the week (ISO, Monday to Sunday),
 * month or year that holds a date.
 */
#ifndef ECL_CALENDAR_H
#define ECL_CALENDAR_H

#include "eclectyc/aggregate.h"
#include "eclectyc/sys/backend.h"
#include "util/settlement.h"

/* Parse exactly YYYY-MM-DD of a real date within the settlement years.
 * `what` names the value in the error ("date", "--until", ...). 0 or
 * ECL_EINVALID. */
int ecl__date_parse(ecl_date *out, const char *text, const char *what);

/* Write YYYY-MM-DD (11 bytes with the NUL). */
void ecl__date_format(char out[11], const ecl_date *d);

/* Days since 1970-01-01 and back. */
int64_t ecl__date_to_days(const ecl_date *d);
void ecl__date_from_days(ecl_date *out, int64_t days);

/* The day before the Europe/London date of `now`. */
void ecl__date_yesterday(ecl_date *out, int64_t now);

/* The settlement day `d`: its date text, UTC bounds and number of periods.
 * 0 or ECL_EINVALID for a date outside the supported years. */
int ecl__agg_day(ecl_agg_day *out, const ecl_date *d);

/* The first and last day of the `range` period that holds `d` (a daily
 * period is the day itself). */
void ecl__range_bounds(ecl_date *first, ecl_date *last, ecl_range range, const ecl_date *d);

#endif
