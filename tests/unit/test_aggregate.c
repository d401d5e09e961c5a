/*
 * Aggregation end to end on a SQLite file: readings imported from small
 * files whose totals are worked out by hand in the comments, aggregated,
 * and the rows read back with SQL.
 *
 * Half-hour values are v(p) = p / 10 for period p, so a day's total is
 * (1 + ... + n) / 10 and the peak is the sum over the periods whose local
 * start lies in 07:00-23:00 inclusive:
 *   48-period day: periods 15..47 (07:00..23:00)      total 117.6, peak 102.3
 *   46-period day (2026-03-29, no 01:00-02:00): local start of p >= 3 is
 *     (p - 1) * 30 + 60 minutes, so peak = 13..45    total 108.1, peak 95.7
 *   50-period day (2026-10-25, 01:00-02:00 twice): local start of p >= 5
 *     is (p - 3) * 30 minutes, so peak = 17..49       total 127.5, peak 108.9
 */
#include "ecl_test.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METER_A "1200012345678"
#define METER_B "1200012345679"

typedef struct fixture {
	ecl_test_db db;
	int64_t now;
	int warnings;      /* WARN messages logged (alerts of partial runs) */
} fixture;

static void count_warnings(ecl_log_level level, const char *message, void *payload)
{
	(void)message;
	if (level == ECL_LOG_WARN)
		++*(int *)payload;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;

	f->now = 1768478400;  /* 2026-01-15 12:00:00 UTC */
	o.log = count_warnings;
	o.log_payload = &f->warnings;
	*state = f;
	return ecl_test_db_open(&f->db, "aggregate", &f->now, &o);
}

static int teardown(void **state)
{
	fixture *f = *state;

	ecl_test_db_close(&f->db);
	free(f);
	return 0;
}

/* ---- data ------------------------------------------------------------------- */

/* A wide file: one row per (meter, date, periods), values p / 10 * scale. */
typedef struct wide_row { const char *mpan, *date; int periods; double scale; } wide_row;

static char *wide_file(const wide_row *rows, size_t n)
{
	size_t size = 64 + n * 1024, used;
	char *out = malloc(size);
	size_t i;
	int p;

	used = (size_t)snprintf(out, size, "MPAN,Date");
	for (p = 1; p <= 50; p++)
		used += (size_t)snprintf(out + used, size - used, ",HH%02d", p);
	used += (size_t)snprintf(out + used, size - used, "\n");
	for (i = 0; i < n; i++) {
		used += (size_t)snprintf(out + used, size - used, "%s,%s", rows[i].mpan, rows[i].date);
		for (p = 1; p <= 50; p++) {
			if (p <= rows[i].periods)
				used += (size_t)snprintf(out + used, size - used, ",%.4f",
				                         p / 10.0 * rows[i].scale);
			else
				used += (size_t)snprintf(out + used, size - used, ",");
		}
		used += (size_t)snprintf(out + used, size - used, "\n");
	}
	return out;
}

static void import_text(fixture *f, const char *content, ecl_import_type type, char *batch_id)
{
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r = NULL;
	char *path = ecl_test_write_file(f->db.dir, "in.csv", content);

	o.import_type = type;
	assert_non_null(path);
	ecl_assert_ok(ecl_ingest_file(&r, f->db.store, path, &o));
	assert_int_equal(r->records_failed, 0);
	if (batch_id != NULL)
		strcpy(batch_id, r->batch_id);
	ecl_ingest_report_free(r);
	free(path);
}

static void import_wide(fixture *f, const wide_row *rows, size_t n, char *batch_id)
{
	char *content = wide_file(rows, n);

	import_text(f, content, ECL_IMPORT_HH, batch_id);
	free(content);
}

static ecl_aggregate_report *aggregate(fixture *f, ecl_range range, const char *date,
                                       const char *until)
{
	ecl_aggregate_options o = ECL_AGGREGATE_OPTIONS_INIT;
	ecl_aggregate_report *r = NULL;

	o.until = until;
	ecl_assert_ok(ecl_aggregate(&r, f->db.store, range, date, &o));
	assert_non_null(r);
	return r;
}

static void aggregate_all(fixture *f, const char *date)
{
	ecl_aggregate_report *r[ECL_RANGE_COUNT];
	int i;

	ecl_assert_ok(ecl_aggregate_all(r, f->db.store, date, NULL));
	for (i = 0; i < ECL_RANGE_COUNT; i++) {
		assert_int_equal(r[i]->status, ECL_RUN_COMPLETED);
		ecl_aggregate_report_free(r[i]);
	}
}

static double num(fixture *f, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

static double num(fixture *f, const char *format, ...)
{
	char sql[1024];
	va_list ap;

	va_start(ap, format);
	vsnprintf(sql, sizeof(sql), format, ap);
	va_end(ap);
	return ecl_test_sql_number(f->db.path, sql);
}

#define DAILY(col, mpan, date) \
	"SELECT " col " FROM daily_aggregations a JOIN meters m ON m.id = a.meter_id " \
	"WHERE m.mpan = '" mpan "' AND a.date = '" date "'"

#define EPS 1e-9

/* Compare a string the test owns, then free it. */
#define assert_string_equal_free(owned, expected) do { \
	char *owned_ = (owned); \
	assert_non_null(owned_); \
	assert_string_equal(owned_, expected); \
	free(owned_); \
} while (0)

/* ---- daily ------------------------------------------------------------------ */

static void daily_row_of_a_normal_day(void **state)
{
	fixture *f = *state;
	const wide_row rows[] = { { METER_A, "2026-01-14", 48, 1.0 } };
	ecl_aggregate_report *r;

	import_wide(f, rows, 1, NULL);
	r = aggregate(f, ECL_RANGE_DAILY, "2026-01-14", NULL);
	assert_int_equal(r->status, ECL_RUN_COMPLETED);
	assert_int_equal(r->meters_processed, 1);
	assert_int_equal(r->rows_written, 1);
	assert_int_equal(r->periods, 1);
	assert_string_equal(r->period_start, "2026-01-14");
	assert_float_equal(num(f, DAILY("total_consumption", METER_A, "2026-01-14")), 117.6, EPS);
	assert_float_equal(num(f, DAILY("peak_consumption", METER_A, "2026-01-14")), 102.3, EPS);
	assert_float_equal(num(f, DAILY("off_peak_consumption", METER_A, "2026-01-14")), 15.3, EPS);
	assert_float_equal(num(f, DAILY("min_reading", METER_A, "2026-01-14")), 0.1, EPS);
	assert_float_equal(num(f, DAILY("max_reading", METER_A, "2026-01-14")), 4.8, EPS);
	assert_int_equal(num(f, DAILY("reading_count", METER_A, "2026-01-14")), 48);
	assert_int_equal(num(f, DAILY("expected_periods", METER_A, "2026-01-14")), 48);
	assert_int_equal(num(f, DAILY("actual_count", METER_A, "2026-01-14")), 48);
	assert_int_equal(num(f, DAILY("estimated_count", METER_A, "2026-01-14")), 0);
	assert_int_equal(r->incomplete_days, 0);
	assert_int_equal(r->warning_count, 0);
	ecl_aggregate_report_free(r);
}

static void daily_rows_of_the_clock_change_days(void **state)
{
	fixture *f = *state;
	const wide_row rows[] = { { METER_A, "2026-03-29", 46, 1.0 }, { METER_A, "2026-10-25", 50, 1.0 } };
	ecl_aggregate_report *r;

	import_wide(f, rows, 2, NULL);
	r = aggregate(f, ECL_RANGE_DAILY, "2026-03-29", "2026-10-25");
	assert_int_equal(r->status, ECL_RUN_COMPLETED);
	assert_int_equal(r->periods, 211);   /* 2026-03-29 .. 2026-10-25 */
	assert_int_equal(r->rows_written, 2);
	assert_int_equal(r->incomplete_days, 0);
	assert_float_equal(num(f, DAILY("total_consumption", METER_A, "2026-03-29")), 108.1, EPS);
	assert_float_equal(num(f, DAILY("peak_consumption", METER_A, "2026-03-29")), 95.7, EPS);
	assert_float_equal(num(f, DAILY("off_peak_consumption", METER_A, "2026-03-29")), 12.4, EPS);
	assert_int_equal(num(f, DAILY("expected_periods", METER_A, "2026-03-29")), 46);
	assert_float_equal(num(f, DAILY("total_consumption", METER_A, "2026-10-25")), 127.5, EPS);
	assert_float_equal(num(f, DAILY("peak_consumption", METER_A, "2026-10-25")), 108.9, EPS);
	assert_float_equal(num(f, DAILY("off_peak_consumption", METER_A, "2026-10-25")), 18.6, EPS);
	assert_int_equal(num(f, DAILY("expected_periods", METER_A, "2026-10-25")), 50);
	ecl_aggregate_report_free(r);
}

static void estimated_and_missing_periods_are_counted(void **state)
{
	fixture *f = *state;
	ecl_aggregate_report *r;

	/* Three half hours: two actual, one estimated; 45 periods missing. */
	import_text(f, "MPAN,DateTime,Value,Type\n"
		METER_A ",2026-01-14 00:00,1.5,A\n"
		METER_A ",2026-01-14 07:00,2.5,E\n"
		METER_A ",2026-01-14 23:30,3,A\n", ECL_IMPORT_HH, NULL);
	r = aggregate(f, ECL_RANGE_DAILY, "2026-01-14", NULL);
	assert_int_equal(r->status, ECL_RUN_COMPLETED);
	assert_int_equal(r->incomplete_days, 1);
	assert_int_equal(r->warning_count, 1);
	assert_int_equal(num(f, DAILY("reading_count", METER_A, "2026-01-14")), 3);
	assert_int_equal(num(f, DAILY("actual_count", METER_A, "2026-01-14")), 2);
	assert_int_equal(num(f, DAILY("estimated_count", METER_A, "2026-01-14")), 1);
	/* 07:00 is peak (inclusive); 00:00 and 23:30 are not. */
	assert_float_equal(num(f, DAILY("peak_consumption", METER_A, "2026-01-14")), 2.5, EPS);
	assert_float_equal(num(f, DAILY("off_peak_consumption", METER_A, "2026-01-14")), 4.5, EPS);
	ecl_aggregate_report_free(r);
}

static void peak_window_is_configurable(void **state)
{
	fixture *f = *state;
	const wide_row rows[] = { { METER_A, "2026-01-14", 48, 1.0 } };
	ecl_aggregate_options o = ECL_AGGREGATE_OPTIONS_INIT;
	ecl_aggregate_report *r = NULL;

	import_wide(f, rows, 1, NULL);
	o.peak_start_minutes = 16 * 60;   /* 16:00-18:30: periods 33..38 */
	o.peak_end_minutes = 18 * 60 + 30;
	ecl_assert_ok(ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY, "2026-01-14", &o));
	/* (33 + ... + 38) / 10 = 21.3 */
	assert_float_equal(num(f, DAILY("peak_consumption", METER_A, "2026-01-14")), 21.3, EPS);
	ecl_aggregate_report_free(r);
}

/* ---- periods ---------------------------------------------------------------- */

/* Daily totals 1..7 for 2025-12-29 (a Monday) .. 2026-01-04 (a Sunday). */
static void import_year_end_week(fixture *f, const char *mpan)
{
	char content[1024];
	size_t used = (size_t)snprintf(content, sizeof(content), "MPAN,Date,Reading\n");
	static const char *const dates[] = { "2025-12-29", "2025-12-30", "2025-12-31", "2026-01-01",
	                                     "2026-01-02", "2026-01-03", "2026-01-04" };
	int i;

	for (i = 0; i < 7; i++)
		used += (size_t)snprintf(content + used, sizeof(content) - used, "%s,%s,%d\n", mpan,
		                         dates[i], i + 1);
	import_text(f, content, ECL_IMPORT_DAILY, NULL);
}

static void iso_week_spans_the_year_end(void **state)
{
	fixture *f = *state;
	ecl_aggregate_report *r;

	import_year_end_week(f, METER_A);
	r = aggregate(f, ECL_RANGE_DAILY, "2025-12-29", "2026-01-04");
	assert_int_equal(r->rows_written, 7);
	ecl_aggregate_report_free(r);
	/* 2026-01-01 lies in ISO week 1 of 2026, which starts 2025-12-29. */
	r = aggregate(f, ECL_RANGE_WEEKLY, "2026-01-01", NULL);
	assert_string_equal(r->period_start, "2025-12-29");
	assert_string_equal(r->period_end, "2026-01-04");
	ecl_aggregate_report_free(r);
	assert_int_equal(num(f, "SELECT count(*) FROM weekly_aggregations"), 1);
	assert_string_equal_free(ecl_test_sql_text(f->db.path, "SELECT week_start || ' ' || week_end "
		"FROM weekly_aggregations"), "2025-12-29 2026-01-04");
	assert_float_equal(num(f, "SELECT total_consumption FROM weekly_aggregations"), 28, EPS);
	assert_float_equal(num(f, "SELECT min_daily_consumption FROM weekly_aggregations"), 1, EPS);
	assert_float_equal(num(f, "SELECT max_daily_consumption FROM weekly_aggregations"), 7, EPS);
	assert_int_equal(num(f, "SELECT day_count FROM weekly_aggregations"), 7);
	assert_int_equal(num(f, "SELECT reading_count FROM weekly_aggregations"), 7);
	/* Daily totals only: the peak split is unknown, not zero. */
	assert_int_equal(num(f, "SELECT peak_consumption IS NULL AND off_peak_consumption IS NULL "
		"FROM weekly_aggregations"), 1);
	/* The same week seen from either month and year. */
	r = aggregate(f, ECL_RANGE_MONTHLY, "2025-12-31", "2026-01-01");
	assert_int_equal(r->periods, 2);
	ecl_aggregate_report_free(r);
	assert_float_equal(num(f, "SELECT total_consumption FROM monthly_aggregations "
		"WHERE month_start = '2025-12-01' AND month_end = '2025-12-31'"), 6, EPS);
	assert_float_equal(num(f, "SELECT total_consumption FROM monthly_aggregations "
		"WHERE month_start = '2026-01-01' AND month_end = '2026-01-31'"), 22, EPS);
	r = aggregate(f, ECL_RANGE_ANNUAL, "2025-06-01", "2026-06-01");
	ecl_aggregate_report_free(r);
	assert_float_equal(num(f, "SELECT total_consumption FROM annual_aggregations "
		"WHERE year_start = '2025-01-01' AND year_end = '2025-12-31'"), 6, EPS);
	assert_int_equal(num(f, "SELECT day_count FROM annual_aggregations "
		"WHERE year_start = '2026-01-01' AND year_end = '2026-12-31'"), 4);
}

static void leap_february_has_29_days(void **state)
{
	fixture *f = *state;
	char content[4096];
	size_t used = (size_t)snprintf(content, sizeof(content), "MPAN,Date,Reading\n");
	int day;

	for (day = 1; day <= 29; day++)
		used += (size_t)snprintf(content + used, sizeof(content) - used,
		                         METER_A ",2024-02-%02d,%d\n", day, day);
	import_text(f, content, ECL_IMPORT_DAILY, NULL);
	ecl_aggregate_report_free(aggregate(f, ECL_RANGE_DAILY, "2024-02-01", "2024-03-01"));
	ecl_aggregate_report_free(aggregate(f, ECL_RANGE_MONTHLY, "2024-02-29", NULL));
	assert_string_equal_free(ecl_test_sql_text(f->db.path, "SELECT month_end FROM "
		"monthly_aggregations WHERE month_start = '2024-02-01'"), "2024-02-29");
	/* 1 + ... + 29 = 435 */
	assert_float_equal(num(f, "SELECT total_consumption FROM monthly_aggregations"), 435, EPS);
	assert_int_equal(num(f, "SELECT day_count FROM monthly_aggregations"), 29);
	assert_int_equal(num(f, "SELECT count(*) FROM monthly_aggregations"), 1);
}

static void half_hourly_days_roll_up_with_their_peak(void **state)
{
	fixture *f = *state;
	const wide_row rows[] = { { METER_A, "2026-03-29", 46, 1.0 }, { METER_A, "2026-03-30", 48, 1.0 } };

	import_wide(f, rows, 2, NULL);
	ecl_aggregate_report_free(aggregate(f, ECL_RANGE_DAILY, "2026-03-29", "2026-03-30"));
	ecl_aggregate_report_free(aggregate(f, ECL_RANGE_MONTHLY, "2026-03-29", NULL));
	/* 108.1 + 117.6 and 95.7 + 102.3 */
	assert_float_equal(num(f, "SELECT total_consumption FROM monthly_aggregations"), 225.7, 1e-6);
	assert_float_equal(num(f, "SELECT peak_consumption FROM monthly_aggregations"), 198.0, 1e-6);
	assert_float_equal(num(f, "SELECT off_peak_consumption FROM monthly_aggregations"), 27.7, 1e-6);
	assert_int_equal(num(f, "SELECT reading_count FROM monthly_aggregations"), 94);
	assert_float_equal(num(f, "SELECT min_daily_consumption FROM monthly_aggregations"), 108.1, 1e-6);
}

/* ---- idempotence and stale rows --------------------------------------------- */

#define ALL_ROWS \
	"SELECT group_concat(x, '|') FROM (" \
	" SELECT meter_id || date || total_consumption || ifnull(peak_consumption, '-') || " \
	"  reading_count || ifnull(updated_at, '-') AS x FROM daily_aggregations UNION ALL" \
	" SELECT meter_id || week_start || total_consumption || ifnull(updated_at, '-') FROM weekly_aggregations UNION ALL" \
	" SELECT meter_id || month_start || total_consumption || ifnull(updated_at, '-') FROM monthly_aggregations UNION ALL" \
	" SELECT meter_id || year_start || total_consumption || ifnull(updated_at, '-') FROM annual_aggregations)"

static void rerun_leaves_identical_rows(void **state)
{
	fixture *f = *state;
	const wide_row rows[] = { { METER_A, "2026-01-14", 48, 1.0 }, { METER_B, "2026-01-14", 47, 2.0 } };
	ecl_aggregate_report *r;
	char *before, *after;

	import_wide(f, rows, 2, NULL);
	aggregate_all(f, "2026-01-14");
	before = ecl_test_sql_text(f->db.path, ALL_ROWS);
	f->now += 3600;
	r = aggregate(f, ECL_RANGE_DAILY, "2026-01-14", NULL);
	assert_int_equal(r->rows_written, 0);
	assert_int_equal(r->rows_unchanged, 2);
	assert_int_equal(r->rows_removed, 0);
	ecl_aggregate_report_free(r);
	aggregate_all(f, "2026-01-14");
	after = ecl_test_sql_text(f->db.path, ALL_ROWS);
	assert_non_null(before);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void removed_readings_remove_their_aggregates(void **state)
{
	fixture *f = *state;
	const wide_row a[] = { { METER_A, "2026-01-14", 48, 1.0 } };
	const wide_row b[] = { { METER_B, "2026-01-14", 48, 1.0 } };
	char batch[ECL_BATCH_ID_SIZE], sql[256];
	ecl_aggregate_report *r;

	import_wide(f, a, 1, NULL);
	import_wide(f, b, 1, batch);
	aggregate_all(f, "2026-01-14");
	assert_int_equal(num(f, "SELECT count(*) FROM annual_aggregations"), 2);
	snprintf(sql, sizeof(sql), "DELETE FROM hh_readings WHERE import_batch = "
		"(SELECT id FROM import_batches WHERE batch_id = '%s')", batch);
	ecl_test_sql_exec(f->db.path, sql);
	r = aggregate(f, ECL_RANGE_DAILY, "2026-01-14", NULL);
	assert_int_equal(r->rows_removed, 1);
	assert_int_equal(r->meters_processed, 1);
	ecl_aggregate_report_free(r);
	aggregate_all(f, "2026-01-14");
	assert_int_equal(num(f, "SELECT count(*) FROM daily_aggregations"), 1);
	assert_int_equal(num(f, "SELECT count(*) FROM weekly_aggregations"), 1);
	assert_int_equal(num(f, "SELECT count(*) FROM monthly_aggregations"), 1);
	assert_int_equal(num(f, "SELECT count(*) FROM annual_aggregations a JOIN meters m "
		"ON m.id = a.meter_id WHERE m.mpan = '" METER_A "'"), 1);
	assert_int_equal(num(f, "SELECT count(*) FROM annual_aggregations"), 1);
}

static void meter_filter_limits_the_run(void **state)
{
	fixture *f = *state;
	const wide_row rows[] = { { METER_A, "2026-01-14", 48, 1.0 }, { METER_B, "2026-01-14", 48, 1.0 } };
	ecl_aggregate_options o = ECL_AGGREGATE_OPTIONS_INIT;
	ecl_aggregate_report *r = NULL;
	int64_t id;

	import_wide(f, rows, 2, NULL);
	id = (int64_t)num(f, "SELECT id FROM meters WHERE mpan = '" METER_B "'");
	o.meter_ids = &id;
	o.meter_count = 1;
	ecl_assert_ok(ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY, "2026-01-14", &o));
	assert_int_equal(r->meters_processed, 1);
	ecl_aggregate_report_free(r);
	assert_int_equal(num(f, "SELECT count(*) FROM daily_aggregations"), 1);
	assert_int_equal(num(f, "SELECT meter_id FROM daily_aggregations"), id);
	/* An inactive meter is left alone. */
	ecl_test_sql_exec(f->db.path, "UPDATE meters SET is_active = 0");
	ecl_assert_ok(ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY, "2026-01-14", NULL));
	assert_int_equal(r->meters_processed, 0);
	ecl_aggregate_report_free(r);
	assert_int_equal(num(f, "SELECT count(*) FROM daily_aggregations"), 1);
}

/* ---- the worker re-aggregates what it imported ---------------------------------- */

static void run_import_job(fixture *f, const wide_row *rows, size_t n, int reaggregate,
                           char **summary)
{
	ecl_job_options jo = ECL_JOB_OPTIONS_INIT;
	ecl_worker_options wo = ECL_WORKER_OPTIONS_INIT;
	ecl_worker_report wr;
	ecl_worker *w = NULL;
	char batch[ECL_BATCH_ID_SIZE];
	char *content = wide_file(rows, n);
	char *path = ecl_test_write_file(f->db.dir, "job.csv", content);
	ecl_job *job = NULL;

	jo.filename = "job.csv";
	jo.file_path = path;
	ecl_assert_ok(ecl_job_create(batch, f->db.store, &jo));
	wo.worker_id = "test-worker";
	wo.aggregate_after_import = reaggregate;
	ecl_assert_ok(ecl_worker_new(&w, f->db.store, &wo));
	memset(&wr, 0, sizeof(wr));
	ecl_assert_ok(ecl_worker_process(w, 1, &wr));
	assert_int_equal(wr.completed, 1);
	ecl_assert_ok(ecl_job_get(&job, f->db.store, batch));
	*summary = strdup(job->summary);
	ecl_job_free(job);
	ecl_worker_free(w);
	free(path);
	free(content);
}

static void reimport_updates_every_level(void **state)
{
	fixture *f = *state;
	const wide_row first[] = { { METER_A, "2026-01-14", 48, 1.0 } };
	const wide_row second[] = { { METER_A, "2026-01-14", 48, 2.0 } };
	const char *tables[] = { "daily_aggregations", "weekly_aggregations", "monthly_aggregations",
	                         "annual_aggregations" };
	char *summary = NULL;
	json_t *s;
	int i;

	run_import_job(f, first, 1, 1, &summary);
	s = json_loads(summary, 0, NULL);
	assert_non_null(s);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(json_object_get(s, "aggregation"), "annual"), "status")), "completed");
	json_decref(s);
	free(summary);
	for (i = 0; i < 4; i++)
		assert_float_equal(num(f, "SELECT total_consumption FROM %s", tables[i]), 117.6, 1e-6);
	assert_int_equal(num(f, "SELECT count(*) FROM scheduler_executions WHERE trigger_source = 'import' "
		"AND status = 'completed'"), 4);

	f->now += 600;
	run_import_job(f, second, 1, 1, &summary);
	free(summary);
	for (i = 0; i < 4; i++) {
		assert_float_equal(num(f, "SELECT total_consumption FROM %s", tables[i]), 235.2, 1e-6);
		assert_int_equal(num(f, "SELECT updated_at FROM %s", tables[i]), f->now);
	}
	assert_float_equal(num(f, "SELECT peak_consumption FROM weekly_aggregations"), 204.6, 1e-6);

	/* Switched off: the readings change, the aggregates do not. */
	run_import_job(f, first, 1, 0, &summary);
	assert_null(strstr(summary, "\"aggregation\""));
	free(summary);
	assert_float_equal(num(f, "SELECT total_consumption FROM daily_aggregations"), 235.2, 1e-6);
}

/* ---- telemetry -------------------------------------------------------------- */

#define EXEC(col) "SELECT " col " FROM scheduler_executions ORDER BY id DESC LIMIT 1"

static void completed_run_is_recorded(void **state)
{
	fixture *f = *state;
	const wide_row rows[] = { { METER_A, "2026-01-14", 48, 1.0 } };
	ecl_execution_array *list = NULL;
	ecl_aggregate_report *r;
	ecl_buf json = ECL_BUF_INIT;

	import_wide(f, rows, 1, NULL);
	r = aggregate(f, ECL_RANGE_DAILY, "2026-01-14", NULL);
	assert_string_equal_free(ecl_test_sql_text(f->db.path, EXEC("execution_id")), r->execution_id);
	assert_int_equal(strncmp(r->execution_id, "exec_", 5), 0);
	assert_string_equal_free(ecl_test_sql_text(f->db.path, EXEC("status")), "completed");
	assert_string_equal_free(ecl_test_sql_text(f->db.path, EXEC("range_type")), "daily");
	assert_string_equal_free(ecl_test_sql_text(f->db.path, EXEC("target_date")), "2026-01-14");
	assert_string_equal_free(ecl_test_sql_text(f->db.path, EXEC("trigger_source")), "manual");
	assert_int_equal(num(f, EXEC("started_at")), f->now);
	assert_int_equal(num(f, EXEC("completed_at")), f->now);
	assert_int_equal(num(f, EXEC("meters_processed")), 1);
	assert_int_equal(num(f, EXEC("error_count")), 0);
	assert_true(num(f, EXEC("duration_seconds")) >= 0);
	assert_int_equal(num(f, EXEC("json_extract(telemetry_data, '$.rows_written')")), 1);
	ecl_aggregate_report_free(r);

	ecl_aggregate_report_free(aggregate(f, ECL_RANGE_WEEKLY, "2026-01-14", NULL));
	ecl_assert_ok(ecl_execution_list(&list, f->db.store, 10));
	assert_int_equal(list->count, 2);
	assert_int_equal(list->executions[0].range, ECL_RANGE_WEEKLY);
	assert_int_equal(list->executions[0].status, ECL_RUN_COMPLETED);
	assert_string_equal(list->executions[0].period_start, "2026-01-12");
	ecl_assert_ok(ecl_execution_to_json(&json, &list->executions[1]));
	assert_non_null(strstr(json.ptr, "\"range_type\":\"daily\""));
	assert_non_null(strstr(json.ptr, "\"telemetry_data\":{"));
	ecl_buf_dispose(&json);
	ecl_execution_array_free(list);
	ecl_assert_fails(ECL_EINVALID, ecl_execution_list(&list, f->db.store, 0));
}

static void meter_failure_makes_the_run_partial(void **state)
{
	fixture *f = *state;
	const wide_row rows[] = { { METER_A, "2026-01-14", 48, 1.0 }, { METER_B, "2026-01-14", 48, 1.0 } };
	ecl_aggregate_report *r = NULL;
	ecl_buf json = ECL_BUF_INIT;
	char *message;

	import_wide(f, rows, 2, NULL);
	ecl_test_sql_exec(f->db.path, "CREATE TRIGGER fault BEFORE INSERT ON daily_aggregations "
		"WHEN NEW.meter_id = (SELECT id FROM meters WHERE mpan = '" METER_B "') "
		"BEGIN SELECT RAISE(ABORT, 'injected fault'); END");
	f->warnings = 0;
	ecl_assert_ok(ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY, "2026-01-14", NULL));
	assert_int_equal(r->status, ECL_RUN_PARTIAL);
	assert_int_equal(r->error_count, 1);
	assert_int_equal(r->meters_processed, 1);
	assert_int_equal(r->rows_written, 1);
	assert_non_null(strstr(r->error_message, METER_B));
	assert_non_null(strstr(r->error_message, "injected fault"));
	assert_int_equal(f->warnings, 1);  /* the alert */
	ecl_assert_ok(ecl_aggregate_report_to_json(&json, r));
	assert_non_null(strstr(json.ptr, "\"status\":\"partial\""));
	ecl_buf_dispose(&json);
	ecl_aggregate_report_free(r);
	assert_int_equal(num(f, "SELECT count(*) FROM daily_aggregations a JOIN meters m "
		"ON m.id = a.meter_id WHERE m.mpan = '" METER_A "'"), 1);
	assert_int_equal(num(f, "SELECT count(*) FROM daily_aggregations"), 1);
	assert_string_equal_free(ecl_test_sql_text(f->db.path, EXEC("status")), "partial");
	assert_int_equal(num(f, EXEC("error_count")), 1);
	message = ecl_test_sql_text(f->db.path, EXEC("error_message"));
	assert_non_null(message);
	assert_non_null(strstr(message, "injected"));
	free(message);
}

static void failed_runs_are_recorded_and_returned(void **state)
{
	fixture *f = *state;
	const wide_row rows[] = { { METER_A, "2026-01-14", 48, 1.0 } };
	ecl_aggregate_report *r = NULL;
	ecl_aggregate_report *all[ECL_RANGE_COUNT];
	char *message;

	import_wide(f, rows, 1, NULL);
	/* Every meter failing is a failed run, with nothing committed. */
	ecl_test_sql_exec(f->db.path, "CREATE TRIGGER fault BEFORE INSERT ON daily_aggregations "
		"BEGIN SELECT RAISE(ABORT, 'injected fault'); END");
	ecl_assert_fails(ECL_EDB, ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY, "2026-01-14", NULL));
	ecl_assert_error_contains("injected fault");
	assert_non_null(r);
	assert_int_equal(r->status, ECL_RUN_FAILED);
	ecl_aggregate_report_free(r);
	assert_string_equal_free(ecl_test_sql_text(f->db.path, EXEC("status")), "failed");
	ecl_test_sql_exec(f->db.path, "DROP TRIGGER fault");

	/* A broken table fails its range; the others still run. */
	ecl_test_sql_exec(f->db.path, "DROP TABLE monthly_aggregations");
	assert_int_not_equal(ecl_aggregate_all(all, f->db.store, "2026-01-14", NULL), 0);
	ecl_assert_error_contains("monthly aggregation");
	assert_int_equal(all[ECL_RANGE_DAILY]->status, ECL_RUN_COMPLETED);
	assert_int_equal(all[ECL_RANGE_WEEKLY]->status, ECL_RUN_COMPLETED);
	assert_int_equal(all[ECL_RANGE_MONTHLY]->status, ECL_RUN_FAILED);
	assert_non_null(strstr(all[ECL_RANGE_MONTHLY]->error_message, "monthly_aggregations"));
	assert_int_equal(all[ECL_RANGE_ANNUAL]->status, ECL_RUN_COMPLETED);
	for (int i = 0; i < ECL_RANGE_COUNT; i++)
		ecl_aggregate_report_free(all[i]);
	message = ecl_test_sql_text(f->db.path, "SELECT error_message FROM scheduler_executions "
		"WHERE range_type = 'monthly' AND status = 'failed'");
	assert_non_null(message);
	assert_non_null(strstr(message, "monthly_aggregations"));
	free(message);
}

static void telemetry_failure_never_skips_the_aggregation(void **state)
{
	fixture *f = *state;
	const wide_row rows[] = { { METER_A, "2026-01-14", 48, 1.0 } };
	ecl_aggregate_report *r;

	import_wide(f, rows, 1, NULL);
	ecl_test_sql_exec(f->db.path, "CREATE TRIGGER down BEFORE INSERT ON scheduler_executions "
		"BEGIN SELECT RAISE(ABORT, 'telemetry down'); END");
	r = aggregate(f, ECL_RANGE_DAILY, "2026-01-14", NULL);
	assert_int_equal(r->status, ECL_RUN_COMPLETED);
	assert_int_equal(r->rows_written, 1);
	assert_int_equal(r->warning_count, 2);  /* the start and the end */
	assert_non_null(strstr(r->messages[0], "telemetry not recorded"));
	ecl_aggregate_report_free(r);
	assert_int_equal(num(f, "SELECT count(*) FROM daily_aggregations"), 1);
	assert_int_equal(num(f, "SELECT count(*) FROM scheduler_executions"), 0);
}

/* ---- arguments -------------------------------------------------------------- */

static void bad_arguments_are_refused(void **state)
{
	fixture *f = *state;
	ecl_aggregate_options o = ECL_AGGREGATE_OPTIONS_INIT;
	ecl_aggregate_report *r = NULL;
	ecl_range range;

	ecl_assert_fails(ECL_EINVALID, ecl_aggregate(NULL, f->db.store, ECL_RANGE_DAILY, NULL, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate(&r, NULL, ECL_RANGE_DAILY, NULL, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate(&r, f->db.store, (ecl_range)7, NULL, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY, "2025-02-30", NULL));
	ecl_assert_error_contains("\"2025-02-30\" does not exist");
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY, "2025-2-3", NULL));
	ecl_assert_error_contains("YYYY-MM-DD");
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY, "1990-01-01", NULL));
	o.until = "2025-01-01";
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY, "2025-02-01", &o));
	ecl_assert_error_contains("before");
	o.until = NULL;
	o.peak_start_minutes = 1500;
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY, NULL, &o));
	o.peak_start_minutes = 420;
	o.meter_count = 2;
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY, NULL, &o));
	o.meter_count = 0;
	o.version = 99;
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY, NULL, &o));
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate_options_init(&o, 99));
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate_options_init(NULL, 1));
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate_all(NULL, f->db.store, NULL, NULL));
	assert_null(r);
	ecl_assert_ok(ecl_range_parse(&range, "monthly"));
	assert_int_equal(range, ECL_RANGE_MONTHLY);
	ecl_assert_fails(ECL_EINVALID, ecl_range_parse(&range, "hourly"));
	ecl_assert_error_contains("hourly");
	assert_null(ecl_range_name((ecl_range)9));
	assert_null(ecl_run_status_name((ecl_run_status)9));
	assert_string_equal(ecl_run_status_name(ECL_RUN_PARTIAL), "partial");
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate_report_to_json(NULL, NULL));
}

static void default_date_is_yesterday_in_london(void **state)
{
	fixture *f = *state;
	ecl_aggregate_report *r = NULL;
	char date[11];

	ecl_default_date(date, f->db.store);           /* 2026-01-15 12:00 UTC */
	assert_string_equal(date, "2026-01-14");
	f->now = 1781566200;                        /* 2026-06-15 23:30 UTC = 00:30 BST on the 16th */
	ecl_default_date(date, f->db.store);
	assert_string_equal(date, "2026-06-15");
	ecl_assert_ok(ecl_aggregate(&r, f->db.store, ECL_RANGE_MONTHLY, NULL, NULL));
	assert_string_equal(r->target_date, "2026-06-15");
	assert_string_equal(r->period_start, "2026-06-01");
	assert_string_equal(r->period_end, "2026-06-30");
	ecl_aggregate_report_free(r);
}

static void unmigrated_store_is_refused(void **state)
{
	fixture *f = *state;
	ecl_store *store = NULL;
	ecl_aggregate_report *r = NULL;

	(void)f;
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", NULL));
	ecl_assert_fails(ECL_ESCHEMA, ecl_aggregate(&r, store, ECL_RANGE_DAILY, "2026-01-14", NULL));
	assert_null(r);
	ecl_store_free(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(daily_row_of_a_normal_day, setup, teardown),
		cmocka_unit_test_setup_teardown(daily_rows_of_the_clock_change_days, setup, teardown),
		cmocka_unit_test_setup_teardown(estimated_and_missing_periods_are_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(peak_window_is_configurable, setup, teardown),
		cmocka_unit_test_setup_teardown(iso_week_spans_the_year_end, setup, teardown),
		cmocka_unit_test_setup_teardown(leap_february_has_29_days, setup, teardown),
		cmocka_unit_test_setup_teardown(half_hourly_days_roll_up_with_their_peak, setup, teardown),
		cmocka_unit_test_setup_teardown(rerun_leaves_identical_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(removed_readings_remove_their_aggregates, setup, teardown),
		cmocka_unit_test_setup_teardown(meter_filter_limits_the_run, setup, teardown),
		cmocka_unit_test_setup_teardown(reimport_updates_every_level, setup, teardown),
		cmocka_unit_test_setup_teardown(completed_run_is_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(meter_failure_makes_the_run_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_runs_are_recorded_and_returned, setup, teardown),
		cmocka_unit_test_setup_teardown(telemetry_failure_never_skips_the_aggregation, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_arguments_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(default_date_is_yesterday_in_london, setup, teardown),
		cmocka_unit_test_setup_teardown(unmigrated_store_is_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
