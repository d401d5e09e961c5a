/*
 * Data-quality checks of one settlement day (the reference's, with its
 * faults fixed: docs/quality.md): the backend streams each meter's readings of the day; the rules
 * live here, so every backend judges alike; the findings go back to the
 * backend as one transaction that leaves exactly one row per meter, day and
 * issue type.
 *
 * The day's calendar comes from calendar.c: a clock-change day expects 46 or
 * 50 periods, not the reference's fixed 48. A meter known that day only by
 * its daily total is checked as one daily value, not as 48 missing periods.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate/calendar.h"
#include "eclectyc/sys/errors.h"
#include "ingest/meter_id.h"
#include "aggregate/quality_internal.h"
#include "store/store_internal.h"
#include "util/options.h"
#include "util/strutil.h"

/* The reference's IQR rule: at least this many values, fences at k * IQR. */
#define OUTLIER_MIN_VALUES 10
#define OUTLIER_K 1.5

static const ecl_quality_options default_options = ECL_QUALITY_OPTIONS_INIT;

int ecl_quality_options_init(ecl_quality_options *opts, unsigned int version)
{
	return ecl__options_init(opts, &default_options, sizeof(*opts), version, ECL_QUALITY_OPTIONS_VERSION,
		"ecl_quality_options");
}

static int check_options(const ecl_quality_options *o)
{
	if (ecl__options_check_version(o->version, ECL_QUALITY_OPTIONS_VERSION, "ecl_quality_options") != 0)
		return ecl_error_last_code();
	return 0;
}

/* ---- the rules, per meter -------------------------------------------------- */

/* The values a meter's day is judged by: its half hours, or its daily total
 * as one value of period 0. */
typedef struct day_values {
	const int *periods;
	const double *values;
	size_t count;
} day_values;

typedef struct check_ctx {
	const ecl_agg_day *day;
	ecl_quality_report *report;
	size_t capacity;           /* meters allocated in the report */
	double *sorted;            /* scratch for the IQR rule, reused by every meter */
	size_t sorted_capacity;
} check_ctx;

static int is_zero(double v, const ecl_quality_meter *m)
{
	(void)m;
	return v == 0.0;
}

static int is_negative(double v, const ecl_quality_meter *m)
{
	(void)m;
	return v < 0.0;
}

/* Strictly outside the fences, as the reference. */
static int is_outlier(double v, const ecl_quality_meter *m)
{
	return m->bounds_known && (v < m->lower_bound || v > m->upper_bound);
}

/* The values passing `test`, with their periods; nothing allocated for none. */
static int collect(ecl_quality_value **out, size_t *count, const day_values *dv,
                   const ecl_quality_meter *m, int (*test)(double, const ecl_quality_meter *))
{
	size_t i, n = 0;

	for (i = 0; i < dv->count; i++)
		n += test(dv->values[i], m) ? 1 : 0;
	if (n == 0)
		return 0;
	if ((*out = malloc(n * sizeof(**out))) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory listing %zu values of meter %s", n, m->mpan);
	for (i = 0; i < dv->count; i++) {
		if (test(dv->values[i], m)) {
			(*out)[*count].period = dv->periods[i];
			(*out)[*count].value = dv->values[i];
			(*count)++;
		}
	}
	return 0;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The IQR fences: q1 = v[floor(n/4)], q3 = v[floor(3n/4)] of the sorted
 * values (the reference's indices, no interpolation). */
static int iqr_bounds(ecl_quality_meter *m, const day_values *dv, check_ctx *ctx)
{
	size_t n = dv->count;
	double q1, q3;

	if (n < OUTLIER_MIN_VALUES)
		return 0;
	if (n > ctx->sorted_capacity) {
		double *grown = realloc(ctx->sorted, n * sizeof(*grown));

		if (grown == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory sorting %zu values", n);
		ctx->sorted = grown;
		ctx->sorted_capacity = n;
	}
	memcpy(ctx->sorted, dv->values, n * sizeof(*dv->values));
	qsort(ctx->sorted, n, sizeof(*ctx->sorted), compare_doubles);
	q1 = ctx->sorted[n / 4];
	q3 = ctx->sorted[3 * n / 4];
	m->lower_bound = q1 - OUTLIER_K * (q3 - q1);
	m->upper_bound = q3 + OUTLIER_K * (q3 - q1);
	m->bounds_known = 1;
	return 0;
}

/* Periods 1..expected without a reading; `periods` is ascending. Only for a
 * day judged by half hours: a daily total has no periods to miss. */
static int find_missing(ecl_quality_meter *m, const ecl_quality_meter_day *data)
{
	int by_periods = strcmp(m->source, "hh") == 0
		|| (strcmp(m->source, "none") == 0 && data->is_half_hourly);
	size_t j = 0;
	int p;

	if (!by_periods)
		return 0;
	if ((m->missing_periods = malloc((size_t)m->expected * sizeof(int))) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory listing missing periods of meter %s",
			m->mpan);
	for (p = 1; p <= m->expected; p++) {
		while (j < data->count && data->periods[j] < p)
			j++;
		if (j == data->count || data->periods[j] != p)
			m->missing_periods[m->missing_count++] = p;
	}
	if (m->missing_count == 0) {
		free(m->missing_periods);
		m->missing_periods = NULL;
	}
	return 0;
}

/* What the day is judged by: half hours when there are any, else the daily
 * total, else nothing (then a half-hourly meter expects the day's periods). */
static void choose_source(ecl_quality_meter *m, day_values *dv, const ecl_quality_meter_day *data,
                          const ecl_agg_day *day)
{
	static const int daily_period = 0;

	memset(dv, 0, sizeof(*dv));
	if (data->count > 0) {
		m->source = "hh";
		m->expected = day->periods;
		dv->periods = data->periods;
		dv->values = data->values;
		dv->count = data->count;
	} else if (data->has_daily) {
		m->source = "daily";
		m->expected = 1;
		dv->periods = &daily_period;
		dv->values = &data->daily_value;
		dv->count = 1;
	} else {
		m->source = "none";
		m->expected = data->is_half_hourly ? day->periods : 1;
	}
	m->actual = (int)dv->count;
	m->completeness = round((double)m->actual * 10000.0 / (double)m->expected) / 100.0;
}

static int judge_meter(ecl_quality_meter *m, const ecl_quality_meter_day *data, check_ctx *ctx)
{
	day_values dv;
	int rc = 0;

	m->meter_id = data->meter_id;
	m->mpan = ecl__strdup(data->mpan ? data->mpan : "");
	if (m->mpan == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory checking meter %lld",
			(long long)data->meter_id);
	if (rc == 0) {
		choose_source(m, &dv, data, ctx->day);
		rc = find_missing(m, data);
	}
	if (rc == 0)
		rc = collect(&m->zeros, &m->zero_count, &dv, m, is_zero);
	if (rc == 0)
		rc = collect(&m->negatives, &m->negative_count, &dv, m, is_negative);
	if (rc == 0)
		rc = iqr_bounds(m, &dv, ctx);
	if (rc == 0)
		rc = collect(&m->outliers, &m->outlier_count, &dv, m, is_outlier);
	m->has_issues = m->missing_count > 0 || m->actual < m->expected || m->zero_count > 0
		|| m->negative_count > 0 || m->outlier_count > 0;
	return rc;
}

/* The scan's callback: judge one meter into the next slot of the report. */
static int add_meter(void *payload, const ecl_quality_meter_day *data)
{
	check_ctx *ctx = payload;
	ecl_quality_report *r = ctx->report;
	ecl_quality_meter *m;
	int rc;

	if (r->meter_count == ctx->capacity) {
		size_t cap = ctx->capacity ? ctx->capacity * 2 : 64;
		ecl_quality_meter *grown = realloc(r->meters, cap * sizeof(*grown));

		if (grown == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory checking %zu meters", cap);
		r->meters = grown;
		ctx->capacity = cap;
	}
	/* Counted before it is filled, so a failure half-way is still freed. */
	m = &r->meters[r->meter_count++];
	memset(m, 0, sizeof(*m));
	r->meters_checked++;
	rc = judge_meter(m, data, ctx);
	r->meters_with_issues += rc == 0 && m->has_issues ? 1 : 0;
	return rc;
}

/* ---- the check ------------------------------------------------------------- */

static int resolve_day(ecl_agg_day *day, ecl_store *store, const char *date)
{
	ecl_date d;
	int rc = 0;

	if (date == NULL)
		ecl__date_yesterday(&d, ecl_store_now(store));
	else
		rc = ecl__date_parse(&d, date, "date");
	return rc ? rc : ecl__agg_day(day, &d);
}

/* The stored form of the meter asked for, which must exist. */
static int resolve_meter(char *out, size_t size, ecl_store *store, const char *mpan)
{
	int64_t id = 0;
	int rc = ecl__meter_id_normalise(out, size, mpan);

	if (rc == 0)
		rc = ECL__BACKEND(store, meter_find, out, &id);
	if (rc == ECL_ENOTFOUND)
		rc = ecl_error_set(ECL_ENOTFOUND, "no meter with MPAN \"%s\"", mpan);
	return rc;
}

static int record(ecl_store *store, ecl_quality_report *report)
{
	ecl_quality_issue *issues = NULL;
	int64_t *ids = malloc(report->meter_count * sizeof(*ids));
	size_t i, count = 0;
	int rc = ids ? 0 : ecl_error_set(ECL_ENOMEM, "out of memory recording %zu meters",
		report->meter_count);

	for (i = 0; rc == 0 && i < report->meter_count; i++)
		ids[i] = report->meters[i].meter_id;
	if (rc == 0)
		rc = ecl__quality_issues(&issues, &count, report);
	if (rc == 0) {
		ecl_quality_findings f;

		f.date = report->date;
		f.meter_ids = ids;
		f.meter_count = report->meter_count;
		f.issues = issues;
		f.issue_count = count;
		f.now = ecl_store_now(store);
		rc = ECL__BACKEND(store, quality_record, &f, &report->issues_recorded);
	}
	ecl__quality_issues_free(issues, count);
	free(ids);
	return rc;
}

static int run_check(ecl_quality_report *report, ecl_store *store, const char *date,
                     const ecl_quality_options *o)
{
	char mpan[ECL_METER_ID_MAX + 1];
	ecl_agg_day day;
	check_ctx ctx;
	ecl_quality_scan scan;
	int rc = resolve_day(&day, store, date);

	memset(&ctx, 0, sizeof(ctx));
	if (rc == 0 && o->mpan != NULL)
		rc = resolve_meter(mpan, sizeof(mpan), store, o->mpan);
	if (rc == 0) {
		memcpy(report->date, day.date, sizeof(report->date));
		ctx.day = &day;
		ctx.report = report;
		scan.day = &day;
		scan.mpan = o->mpan ? mpan : NULL;
		scan.meter = add_meter;
		scan.payload = &ctx;
		rc = ECL__BACKEND(store, quality_scan, &scan);
	}
	free(ctx.sorted);
	/* No meter, nothing to settle: skip the empty transaction. */
	if (rc == 0 && o->record && report->meter_count > 0)
		rc = record(store, report);
	return rc;
}

int ecl_quality_check(ecl_quality_report **out, ecl_store *store, const char *date,
                      const ecl_quality_options *opts)
{
	const ecl_quality_options *o = opts ? opts : &default_options;
	ecl_quality_report *report = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || store == NULL)
		return ecl_error_set(ECL_EINVALID, "report pointer or store is NULL");
	rc = check_options(o);
	if (rc == 0)
		rc = ecl__store_require(store, ECL__BACKEND_HAS(store, quality_scan)
			&& ECL__BACKEND_HAS(store, quality_record) && ECL__BACKEND_HAS(store, meter_find),
			"quality checks");
	if (rc == 0 && (report = calloc(1, sizeof(*report))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory allocating a quality report");
	if (rc == 0)
		rc = run_check(report, store, date, o);
	if (rc == 0) {
		ecl__log(&store->logger, ECL_LOG_INFO,
			"quality check of %s: %lld meter(s) checked, %lld with issues, %lld issue row(s) stored",
			report->date, (long long)report->meters_checked, (long long)report->meters_with_issues,
			(long long)report->issues_recorded);
		*out = report;
	} else {
		ecl_quality_report_free(report);
	}
	return rc;
}
