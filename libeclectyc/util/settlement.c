/* The GB settlement calendar in Europe/London, from the EU/UK summer-time rule. */
#include "util/settlement.h"

#include <stdio.h>

#include "eclectyc/sys/errors.h"

#define SECONDS_PER_DAY 86400
#define PERIOD_SECONDS 1800
#define BST_OFFSET 3600
/* Both clock changes happen at 01:00 UTC. */
#define CHANGE_SECONDS_UTC 3600
/* 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z: beyond them a year no
 * longer has four digits and the civil conversion could leave int range. */
#define INSTANT_MIN INT64_C(-62135596800)
#define INSTANT_END INT64_C(253402300800)

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

/* Floor division and modulo: C's operators truncate, which is wrong for
 * instants before 1970. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

/* Howard Hinnant's days_from_civil, in int64 throughout so that no input
 * overflows: the year is shifted to start in March, which puts the leap day
 * last and makes month lengths follow a simple linear pattern. */
int64_t ecl__days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = floor_div(yy, 400);
	int64_t yoe = yy - era * 400;
	int64_t mp = floor_mod((int64_t)m + 9, 12);
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void ecl__civil_from_days(int64_t days, ecl_date *out)
{
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);

	out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	out->month = m;
	out->year = (int)(yoe + era * 400 + (m <= 2));
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int ecl__days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

int ecl__date_is_valid(int y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= ecl__days_in_month(y, m);
}

/* The last Sunday of a 31-day month, in days since 1970. */
static int64_t last_sunday(int y, int m)
{
	int64_t days = ecl__days_from_civil(y, m, 31);

	/* 1970-01-01 was a Thursday: day 0 has weekday 4 counting Sunday as 0. */
	return days - floor_mod(days + 4, 7);
}

/* The UTC instants BST starts and ends in one year. Instants of the days
 * around a year's end fall outside that year's window (they are GMT in
 * every year), so one window answers for a date and its neighbours. */
typedef struct bst_window {
	int64_t start;
	int64_t end;
} bst_window;

static bst_window window_of(int year)
{
	bst_window w;

	w.start = last_sunday(year, 3) * SECONDS_PER_DAY + CHANGE_SECONDS_UTC;
	w.end = last_sunday(year, 10) * SECONDS_PER_DAY + CHANGE_SECONDS_UTC;
	return w;
}

static int offset_in(const bst_window *w, int64_t utc)
{
	return utc >= w->start && utc < w->end ? BST_OFFSET : 0;
}

int ecl__london_offset(int64_t utc)
{
	bst_window w;
	ecl_date date;

	if (utc < INSTANT_MIN || utc >= INSTANT_END)
		return 0;
	ecl__civil_from_days(floor_div(utc, SECONDS_PER_DAY), &date);
	w = window_of(date.year);
	return offset_in(&w, utc);
}

/* Local midnight is 23:00 or 00:00 UTC, never inside a clock change (both
 * are at 01:00 UTC), so the offset at 00:00 UTC is the one in force at local
 * midnight too. */
static int64_t day_start_in(const bst_window *w, int64_t days)
{
	int64_t utc = days * SECONDS_PER_DAY;

	return utc - offset_in(w, utc);
}

int64_t ecl__settlement_day_start(const ecl_date *d)
{
	bst_window w = window_of(d->year);

	return day_start_in(&w, ecl__days_from_civil(d->year, d->month, d->day));
}

static int check_date(const ecl_date *d)
{
	if (d == NULL)
		return ecl_error_set(ECL_EINVALID, "no settlement date given");
	if (!ecl__date_is_valid(d->year, d->month, d->day))
		return ecl_error_set(ECL_EINVALID, "invalid date %04d-%02d-%02d", d->year, d->month, d->day);
	if (d->year < ECL_SETTLEMENT_YEAR_MIN || d->year > ECL_SETTLEMENT_YEAR_MAX)
		return ecl_error_set(ECL_EINVALID,
			"date %04d-%02d-%02d is outside the years %d-%d of the Europe/London settlement calendar",
			d->year, d->month, d->day, ECL_SETTLEMENT_YEAR_MIN, ECL_SETTLEMENT_YEAR_MAX);
	return 0;
}

static int periods_in(const bst_window *w, int64_t days)
{
	return (int)((day_start_in(w, days + 1) - day_start_in(w, days)) / PERIOD_SECONDS);
}

int ecl__settlement_periods(const ecl_date *d)
{
	bst_window w;
	int rc = check_date(d);

	if (rc < 0)
		return rc;
	w = window_of(d->year);
	return periods_in(&w, ecl__days_from_civil(d->year, d->month, d->day));
}

int ecl__period_start(int64_t *utc, const ecl_date *d, int period)
{
	bst_window w;
	int64_t days;
	int periods, rc = check_date(d);

	if (rc < 0)
		return rc;
	w = window_of(d->year);
	days = ecl__days_from_civil(d->year, d->month, d->day);
	periods = periods_in(&w, days);
	if (period < 1 || period > periods)
		return ecl_error_set(ECL_EINVALID,
			"settlement period %d does not exist on %04d-%02d-%02d: that day has periods 1-%d",
			period, d->year, d->month, d->day, periods);
	*utc = day_start_in(&w, days) + (int64_t)(period - 1) * PERIOD_SECONDS;
	return 0;
}

static int check_wall_time(int hour, int minute, int second, int fold)
{
	if (fold != 0 && fold != 1)
		return ecl_error_set(ECL_EINVALID, "fold must be 0 or 1, not %d", fold);
	if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
		return ecl_error_set(ECL_EINVALID, "invalid local time %02d:%02d:%02d", hour, minute, second);
	return 0;
}

int ecl__local_to_utc(int64_t *utc, const ecl_date *d, int hour, int minute, int second, int fold)
{
	bst_window w;
	int64_t days, wall, as_bst, as_gmt;
	int rc = check_date(d), bst_ok, gmt_ok;

	if (rc < 0)
		return rc;
	w = window_of(d->year);
	days = ecl__days_from_civil(d->year, d->month, d->day);
	if (hour == 24 && minute == 0 && second == 0 && (fold == 0 || fold == 1)) {
		*utc = day_start_in(&w, days + 1);
		return 0;
	}
	if ((rc = check_wall_time(hour, minute, second, fold)) < 0)
		return rc;
	/* Try the wall time as BST and as GMT: each reading is right only if
	 * the zone rule agrees that offset was in force at the result. Both
	 * agree inside the repeated autumn hour, neither in the skipped spring
	 * hour. */
	wall = days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
	as_bst = wall - BST_OFFSET;
	as_gmt = wall;
	bst_ok = offset_in(&w, as_bst) == BST_OFFSET;
	gmt_ok = offset_in(&w, as_gmt) == 0;
	if (!bst_ok && !gmt_ok)
		return ecl_error_set(ECL_EINVALID,
			"local time %02d:%02d:%02d on %04d-%02d-%02d does not exist in Europe/London "
			"(clocks go forward from 01:00 GMT to 02:00 BST)",
			hour, minute, second, d->year, d->month, d->day);
	*utc = (bst_ok && gmt_ok) ? (fold ? as_gmt : as_bst) : (bst_ok ? as_bst : as_gmt);
	return 0;
}

/* An instant as ISO 8601 UTC for messages, or raw seconds when its year
 * would not have four digits. */
static void format_instant(char *buf, size_t size, int64_t utc)
{
	ecl_date date;
	int64_t secs;

	if (utc < INSTANT_MIN || utc >= INSTANT_END) {
		snprintf(buf, size, "%lld seconds since 1970", (long long)utc);
		return;
	}
	ecl__civil_from_days(floor_div(utc, SECONDS_PER_DAY), &date);
	secs = floor_mod(utc, SECONDS_PER_DAY);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", date.year, date.month, date.day,
		(int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

int ecl__settlement_of(ecl_date *d, int *period, int *local_seconds_of_day, int64_t utc)
{
	char when[48];
	bst_window w;
	ecl_date date;
	int64_t local, days;

	if (utc < INSTANT_MIN || utc >= INSTANT_END || floor_mod(utc, PERIOD_SECONDS) != 0) {
		format_instant(when, sizeof(when), utc);
		return ecl_error_set(ECL_EINVALID,
			"%s is not the start of a settlement period (periods start on the hour and half hour)", when);
	}
	local = utc + ecl__london_offset(utc);
	days = floor_div(local, SECONDS_PER_DAY);
	ecl__civil_from_days(days, &date);
	if (date.year < ECL_SETTLEMENT_YEAR_MIN || date.year > ECL_SETTLEMENT_YEAR_MAX) {
		format_instant(when, sizeof(when), utc);
		return ecl_error_set(ECL_EINVALID,
			"%s is outside the years %d-%d of the Europe/London settlement calendar",
			when, ECL_SETTLEMENT_YEAR_MIN, ECL_SETTLEMENT_YEAR_MAX);
	}
	w = window_of(date.year);
	*d = date;
	*period = (int)((utc - day_start_in(&w, days)) / PERIOD_SECONDS) + 1;
	*local_seconds_of_day = (int)(local - days * SECONDS_PER_DAY);
	return 0;
}

const char *ecl__month_name(int month)
{
	return month >= 1 && month <= 12 ? month_names[month - 1] : "?";
}
