/*
 * The GB electricity settlement calendar: civil dates, Europe/London wall
 * time and the half-hour settlement periods of each day.
 *
 * Europe/London is computed from the EU/UK rule, not read from the system
 * zone database, so results never depend on TZ or on the host's tzdata:
 * British Summer Time (UTC+1) runs from 01:00 UTC on the last Sunday of
 * March to 01:00 UTC on the last Sunday of October; GMT (UTC+0) otherwise.
 * That rule has held since 1996. Earlier years followed other rules, so the
 * functions taking a date accept only years ECL_SETTLEMENT_YEAR_MIN to
 * ECL_SETTLEMENT_YEAR_MAX and fail with ECL_EINVALID outside them rather
 * than give a silently wrong offset.
 *
 * Instants are int64 seconds since 1970-01-01T00:00:00Z (no leap seconds).
 * Every function is pure: no allocation, no locale, no global state other
 * than the per-thread error message set on failure.
 */
#ifndef ECL_SETTLEMENT_H
#define ECL_SETTLEMENT_H

#include <stdint.h>

#define ECL_SETTLEMENT_YEAR_MIN 1996
#define ECL_SETTLEMENT_YEAR_MAX 2099

/* A proleptic Gregorian calendar date. */
typedef struct ecl_date { int year, month, day; } ecl_date;

/* Days since 1970-01-01 (negative before it), proleptic Gregorian, for any
 * int year and month 1..12; the day is not checked (day 0 is the last day of
 * the month before), so validate with ecl__date_is_valid() first. */
int64_t ecl__days_from_civil(int y, int m, int d);

/* The inverse of ecl__days_from_civil() for days whose year fits an int. */
void ecl__civil_from_days(int64_t days, ecl_date *out);

/* 1 when y-m-d exists (year 1..9999), 0 otherwise. */
int ecl__date_is_valid(int y, int m, int d);

/* 28..31 for month 1..12 of year y; 0 for another month. */
int ecl__days_in_month(int y, int m);

/* "January".."December" for 1..12, "?" otherwise (for messages). */
const char *ecl__month_name(int month);

/* The Europe/London offset from UTC in force at `utc`: 0 or 3600 seconds.
 * The current rule is applied to any year (GMT outside years 1..9999). */
int ecl__london_offset(int64_t utc);

/* The number of settlement periods of a day: 46 on the spring clock change,
 * 50 on the autumn one, 48 otherwise; ECL_EINVALID for an invalid date or
 * one outside the supported years. */
int ecl__settlement_periods(const ecl_date *d);

/* The UTC instant of the local midnight that starts `d`. The date must be
 * valid (callers check it first); no error is reported. */
int64_t ecl__settlement_day_start(const ecl_date *d);

/* The UTC start of settlement period `period` (1..periods) of day `d`.
 * Returns 0, or ECL_EINVALID naming the period and the date. */
int ecl__period_start(int64_t *utc, const ecl_date *d, int period);

/*
 * Local (Europe/London) wall time → UTC.
 * fold selects the occurrence inside the repeated autumn hour: 0 the first
 * (BST), 1 the second (GMT); it is ignored elsewhere. A time that does not
 * exist (01:00–01:59 on the spring clock change) fails with ECL_EINVALID
 * naming it. 24:00:00 is accepted and means the next day's midnight.
 */
int ecl__local_to_utc(int64_t *utc, const ecl_date *d, int hour, int minute, int second, int fold);

/*
 * The UTC start of a settlement period → its settlement date, its period
 * number (1-based) and its local start time in seconds since local midnight
 * (the repeated autumn hour gives the same local time to periods 3-4 and
 * 5-6). Fails with ECL_EINVALID when `utc` is not on a half hour or falls
 * outside the supported years.
 */
int ecl__settlement_of(ecl_date *d, int *period, int *local_seconds_of_day, int64_t utc);

#endif
