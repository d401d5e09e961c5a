/*
 * Data-quality checks end to end on a SQLite file: readings imported from
 * small CSV files written inline, the report checked field by field, and
 * data_quality_issues read back with SQL.
 */
#include "ecl_test.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buffer_internal.h"

#define MPAN_A "1200012345678"
#define MPAN_B "1200012345679"
#define MPAN_C "1200012345680"

typedef struct fixture {
	ecl_test_db db;
	int64_t now;
	int files;                 /* names each imported file apart */
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	f->now = 1762596000;  /* 2025-11-08 10:00 UTC */
	*state = f;
	return ecl_test_db_open(&f->db, "quality", &f->now, NULL);
}

static int teardown(void **state)
{
	fixture *f = *state;

	ecl_test_db_close(&f->db);
	free(f);
	return 0;
}

/* ---- building and importing files ----------------------------------------- */

static void put(ecl_buf *b, const char *text)
{
	assert_int_equal(ecl__buf_puts(b, text), 0);
}

static void wide_header(ecl_buf *b, int periods)
{
	char cell[16];
	int p;

	put(b, "MPAN,Date");
	for (p = 1; p <= periods; p++) {
		snprintf(cell, sizeof(cell), ",HH%02d", p);
		put(b, cell);
	}
	put(b, "\n");
}

/* One wide row; a NAN value is an empty cell (a missing period). */
static void wide_row(ecl_buf *b, const char *mpan, const char *date, const double *values,
                     int periods)
{
	char cell[64];
	int p;

	put(b, mpan);
	put(b, ",");
	put(b, date);
	for (p = 1; p <= periods; p++) {
		if (isnan(values[p - 1]))
			snprintf(cell, sizeof(cell), ",");
		else
			snprintf(cell, sizeof(cell), ",%.3f", values[p - 1]);
		put(b, cell);
	}
	put(b, "\n");
}

/* An ordinary day: 1.0 .. 1.4 kWh, well inside its own IQR fences
 * (q1 = 1.1, q3 = 1.3, fences 0.8 and 1.6). */
static void normal_day(double *values, int periods)
{
	int p;

	for (p = 1; p <= periods; p++)
		values[p - 1] = 1.0 + (p % 5) * 0.1;
}

static void import_text(fixture *f, const char *content, ecl_import_type type)
{
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r = NULL;
	char name[32], *path;

	snprintf(name, sizeof(name), "in%d.csv", f->files++);
	path = ecl_test_write_file(f->db.dir, name, content);
	assert_non_null(path);
	o.import_type = type;
	ecl_assert_ok(ecl_ingest_file(&r, f->db.store, path, &o));
	assert_int_equal(r->records_failed, 0);
	ecl_ingest_report_free(r);
	free(path);
}

/* Import one meter's day of `periods` values. */
static void import_day(fixture *f, const char *mpan, const char *date, const double *values,
                       int periods)
{
	ecl_buf b = ECL_BUF_INIT;

	wide_header(&b, periods);
	wide_row(&b, mpan, date, values, periods);
	import_text(f, b.ptr, ECL_IMPORT_HH);
	ecl_buf_dispose(&b);
}

static void import_normal_day(fixture *f, const char *mpan, const char *date, int periods)
{
	double v[50];

	normal_day(v, periods);
	import_day(f, mpan, date, v, periods);
}

/* ---- running checks ---------------------------------------------------------- */

static ecl_quality_report *check(fixture *f, const char *date, const char *mpan, int record)
{
	ecl_quality_options o;
	ecl_quality_report *r = NULL;

	ecl_assert_ok(ecl_quality_options_init(&o, ECL_QUALITY_OPTIONS_VERSION));
	o.mpan = mpan;
	o.record = record;
	ecl_assert_ok(ecl_quality_check(&r, f->db.store, date, &o));
	assert_non_null(r);
	return r;
}

static const ecl_quality_meter *meter(const ecl_quality_report *r, const char *mpan)
{
	size_t i;

	for (i = 0; i < r->meter_count; i++)
		if (strcmp(r->meters[i].mpan, mpan) == 0)
			return &r->meters[i];
	fail_msg("meter %s not in the report", mpan);
	return NULL;
}

static double sql_number(fixture *f, const char *format, const char *arg)
{
	char sql[512];

	snprintf(sql, sizeof(sql), format, arg);
	return ecl_test_sql_number(f->db.path, sql);
}

static char *sql_text(fixture *f, const char *format, const char *arg)
{
	char sql[512];

	snprintf(sql, sizeof(sql), format, arg);
	return ecl_test_sql_text(f->db.path, sql);
}

#define OF_METER "meter_id = (SELECT id FROM meters WHERE mpan = '%s')"
#define ISSUES_OF "SELECT count(*) FROM data_quality_issues WHERE " OF_METER
#define ISSUE_ROW(column, type) \
	"SELECT " column " FROM data_quality_issues WHERE " OF_METER " AND issue_type = '" type "'"

static void assert_text(char *actual, const char *expected)
{
	if (actual == NULL || strcmp(actual, expected) != 0)
		print_error("got \"%s\", expected \"%s\"\n", actual ? actual : "(null)", expected);
	assert_non_null(actual);
	assert_string_equal(actual, expected);
	free(actual);
}

/* ---- the cases ------------------------------------------------------------------ */

static void complete_day_has_no_issues(void **state)
{
	fixture *f = *state;
	const ecl_quality_meter *m;
	ecl_quality_report *r;

	import_normal_day(f, MPAN_A, "2025-11-07", 48);
	r = check(f, "2025-11-07", NULL, 1);
	assert_string_equal(r->date, "2025-11-07");
	assert_int_equal(r->meters_checked, 1);
	assert_int_equal(r->meter_count, 1);
	assert_int_equal(r->meters_with_issues, 0);
	assert_int_equal(r->issues_recorded, 0);
	m = meter(r, MPAN_A);
	assert_true(m->meter_id > 0);
	assert_string_equal(m->source, "hh");
	assert_int_equal(m->expected, 48);
	assert_int_equal(m->actual, 48);
	assert_float_equal(m->completeness, 100.0, 1e-12);
	assert_int_equal(m->missing_count, 0);
	assert_null(m->missing_periods);
	assert_int_equal(m->zero_count, 0);
	assert_int_equal(m->negative_count, 0);
	assert_int_equal(m->outlier_count, 0);
	assert_true(m->bounds_known);
	assert_float_equal(m->lower_bound, 0.8, 1e-9);
	assert_float_equal(m->upper_bound, 1.6, 1e-9);
	assert_false(m->has_issues);
	ecl_quality_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM data_quality_issues"), 0);
}

static void dropped_periods_are_listed(void **state)
{
	fixture *f = *state;
	const ecl_quality_meter *m;
	ecl_quality_report *r;
	double v[48];

	normal_day(v, 48);
	v[3 - 1] = v[17 - 1] = v[48 - 1] = NAN;
	import_day(f, MPAN_A, "2025-11-07", v, 48);
	r = check(f, "2025-11-07", NULL, 1);
	assert_int_equal(r->meters_with_issues, 1);
	assert_int_equal(r->issues_recorded, 1);
	m = meter(r, MPAN_A);
	assert_int_equal(m->expected, 48);
	assert_int_equal(m->actual, 45);
	assert_float_equal(m->completeness, 93.75, 1e-12);
	assert_int_equal(m->missing_count, 3);
	assert_int_equal(m->missing_periods[0], 3);
	assert_int_equal(m->missing_periods[1], 17);
	assert_int_equal(m->missing_periods[2], 48);
	assert_true(m->has_issues);
	ecl_quality_report_free(r);

	assert_int_equal(sql_number(f, ISSUES_OF, MPAN_A), 1);
	assert_text(sql_text(f, ISSUE_ROW("severity", "missing_data"), MPAN_A), "medium");
	assert_text(sql_text(f, ISSUE_ROW("issue_date", "missing_data"), MPAN_A), "2025-11-07");
	assert_text(sql_text(f, ISSUE_ROW("description", "missing_data"), MPAN_A),
		"Missing 3 of 48 periods");
	assert_text(sql_text(f, ISSUE_ROW("issue_data", "missing_data"), MPAN_A),
		"{\"missing_periods\":[3,17,48],\"expected\":48,\"actual\":45,"
		"\"completeness\":93.75,\"source\":\"hh\"}");
	assert_int_equal(sql_number(f, ISSUE_ROW("is_resolved", "missing_data"), MPAN_A), 0);
	assert_int_equal(sql_number(f, ISSUE_ROW("created_at", "missing_data"), MPAN_A), f->now);
}

/* 2026-03-29 has 46 periods, 2026-10-25 has 50. */
static void clock_change_days_expect_46_and_50(void **state)
{
	fixture *f = *state;
	const ecl_quality_meter *m;
	ecl_quality_report *r;
	double v[50];

	import_normal_day(f, MPAN_A, "2026-03-29", 46);
	normal_day(v, 46);
	v[46 - 1] = NAN;
	import_day(f, MPAN_B, "2026-03-29", v, 46);
	r = check(f, "2026-03-29", NULL, 1);
	m = meter(r, MPAN_A);
	assert_int_equal(m->expected, 46);
	assert_int_equal(m->actual, 46);
	assert_float_equal(m->completeness, 100.0, 1e-12);
	assert_false(m->has_issues);
	m = meter(r, MPAN_B);
	assert_int_equal(m->expected, 46);
	assert_int_equal(m->actual, 45);
	assert_int_equal(m->missing_count, 1);
	assert_int_equal(m->missing_periods[0], 46);
	assert_float_equal(m->completeness, 97.83, 1e-12);
	assert_int_equal(r->meters_with_issues, 1);
	ecl_quality_report_free(r);

	import_normal_day(f, MPAN_A, "2026-10-25", 50);
	normal_day(v, 50);
	v[49 - 1] = NAN;
	import_day(f, MPAN_B, "2026-10-25", v, 50);
	r = check(f, "2026-10-25", NULL, 1);
	m = meter(r, MPAN_A);
	assert_int_equal(m->expected, 50);
	assert_int_equal(m->actual, 50);
	assert_false(m->has_issues);
	m = meter(r, MPAN_B);
	assert_int_equal(m->expected, 50);
	assert_int_equal(m->actual, 49);
	assert_int_equal(m->missing_count, 1);
	assert_int_equal(m->missing_periods[0], 49);
	assert_float_equal(m->completeness, 98.0, 1e-12);
	ecl_quality_report_free(r);
	/* One row per day for B; the other day's row is untouched by this run. */
	assert_int_equal(sql_number(f, ISSUES_OF, MPAN_B), 2);
	assert_int_equal(sql_number(f, ISSUES_OF, MPAN_A), 0);
}

static void zeros_and_negatives_are_counted_with_periods(void **state)
{
	fixture *f = *state;
	const ecl_quality_meter *m;
	ecl_quality_report *r;
	double v[48];

	normal_day(v, 48);
	v[4 - 1] = 0.0;
	v[9 - 1] = 0.0;
	v[5 - 1] = -1.2;
	v[30 - 1] = -0.5;
	import_day(f, MPAN_A, "2025-11-07", v, 48);
	r = check(f, "2025-11-07", NULL, 1);
	m = meter(r, MPAN_A);
	assert_int_equal(m->actual, 48);
	assert_int_equal(m->missing_count, 0);
	assert_int_equal(m->zero_count, 2);
	assert_int_equal(m->zeros[0].period, 4);
	assert_int_equal(m->zeros[1].period, 9);
	assert_float_equal(m->zeros[1].value, 0.0, 0);
	assert_int_equal(m->negative_count, 2);
	assert_int_equal(m->negatives[0].period, 5);
	assert_float_equal(m->negatives[0].value, -1.2, 1e-12);
	assert_int_equal(m->negatives[1].period, 30);
	assert_float_equal(m->negatives[1].value, -0.5, 1e-12);
	/* The four low values sit below the fence 1.1 - 1.5 * 0.2 = 0.8. */
	assert_int_equal(m->outlier_count, 4);
	assert_float_equal(m->lower_bound, 0.8, 1e-9);
	assert_true(m->has_issues);
	ecl_quality_report_free(r);

	assert_int_equal(sql_number(f, ISSUES_OF, MPAN_A), 3);
	assert_text(sql_text(f, ISSUE_ROW("severity", "negative_value"), MPAN_A), "high");
	assert_text(sql_text(f, ISSUE_ROW("description", "negative_value"), MPAN_A), "2 negative values");
	assert_text(sql_text(f, ISSUE_ROW("issue_data", "negative_value"), MPAN_A),
		"{\"count\":2,\"values\":[{\"period\":5,\"value\":-1.2},{\"period\":30,\"value\":-0.5}]}");
	assert_text(sql_text(f, ISSUE_ROW("severity", "zero_reading"), MPAN_A), "low");
	assert_text(sql_text(f, ISSUE_ROW("description", "zero_reading"), MPAN_A), "2 zero readings");
	assert_text(sql_text(f, ISSUE_ROW("issue_data", "zero_reading"), MPAN_A),
		"{\"count\":2,\"values\":[{\"period\":4,\"value\":0.0},{\"period\":9,\"value\":0.0}]}");
	assert_text(sql_text(f, ISSUE_ROW("severity", "outlier"), MPAN_A), "low");
	assert_int_equal(sql_number(f, ISSUE_ROW("count(*)", "missing_data"), MPAN_A), 0);
}

/*
 * Values 1..48 by period, except period 1 = -23, period 2 = -24, period 47
 * = 73 and period 48 = 500. Sorted: -24, -23, 3, 4, ..., 46, 73, 500, so
 * v[k] = k + 1 for k = 2..45; q1 = v[12] = 13, q3 = v[36] = 37, IQR = 24,
 * fences 13 - 36 = -23 and 37 + 36 = 73. Strictly outside: -24 and 500;
 * -23 and 73 sit on the fences and are not outliers.
 */
static void outliers_by_the_iqr_rule(void **state)
{
	fixture *f = *state;
	const ecl_quality_meter *m;
	ecl_quality_report *r;
	double v[48];
	int p;

	for (p = 1; p <= 48; p++)
		v[p - 1] = p;
	v[0] = -23;
	v[1] = -24;
	v[46] = 73;
	v[47] = 500;
	import_day(f, MPAN_A, "2025-11-07", v, 48);
	r = check(f, "2025-11-07", NULL, 1);
	m = meter(r, MPAN_A);
	assert_true(m->bounds_known);
	assert_float_equal(m->lower_bound, -23.0, 0);
	assert_float_equal(m->upper_bound, 73.0, 0);
	assert_int_equal(m->outlier_count, 2);
	assert_int_equal(m->outliers[0].period, 2);
	assert_float_equal(m->outliers[0].value, -24.0, 0);
	assert_int_equal(m->outliers[1].period, 48);
	assert_float_equal(m->outliers[1].value, 500.0, 0);
	assert_int_equal(m->negative_count, 2);
	ecl_quality_report_free(r);

	assert_text(sql_text(f, ISSUE_ROW("issue_data", "outlier"), MPAN_A),
		"{\"count\":2,\"values\":[{\"period\":2,\"value\":-24.0},{\"period\":48,\"value\":500.0}],"
		"\"lower_bound\":-23.0,\"upper_bound\":73.0}");
	assert_text(sql_text(f, ISSUE_ROW("description", "outlier"), MPAN_A),
		"2 outliers outside -23 to 73");
	assert_text(sql_text(f, ISSUE_ROW("severity", "outlier"), MPAN_A), "low");
}

static void fewer_than_ten_values_have_no_bounds(void **state)
{
	fixture *f = *state;
	const ecl_quality_meter *m;
	ecl_quality_report *r;
	ecl_buf json = ECL_BUF_INIT;
	double v[48];
	int p;

	for (p = 1; p <= 48; p++)
		v[p - 1] = p <= 9 ? 1.0 : NAN;
	v[8] = 1000.0;  /* would be far outside any fence */
	import_day(f, MPAN_A, "2025-11-07", v, 48);
	r = check(f, "2025-11-07", NULL, 1);
	m = meter(r, MPAN_A);
	assert_int_equal(m->actual, 9);
	assert_int_equal(m->missing_count, 39);
	assert_int_equal(m->missing_periods[0], 10);
	assert_int_equal(m->missing_periods[38], 48);
	assert_false(m->bounds_known);
	assert_int_equal(m->outlier_count, 0);
	ecl_assert_ok(ecl_quality_report_to_json(&json, r, 0));
	assert_non_null(strstr(json.ptr, "\"lower_bound\":null,\"upper_bound\":null"));
	ecl_buf_dispose(&json);
	ecl_quality_report_free(r);
	assert_int_equal(sql_number(f, ISSUE_ROW("count(*)", "outlier"), MPAN_A), 0);
}

static void daily_totals_are_one_value(void **state)
{
	fixture *f = *state;
	const ecl_quality_meter *m;
	ecl_quality_report *r;

	import_text(f, "MPAN,Date,Value\n"
		MPAN_A ",2025-11-07,24.5\n"
		MPAN_B ",2025-11-06,3\n"
		MPAN_C ",2025-11-07,0\n", ECL_IMPORT_DAILY);
	r = check(f, "2025-11-07", NULL, 1);
	assert_int_equal(r->meters_checked, 3);

	/* Only a daily total: complete, not 48 missing periods. */
	m = meter(r, MPAN_A);
	assert_string_equal(m->source, "daily");
	assert_int_equal(m->expected, 1);
	assert_int_equal(m->actual, 1);
	assert_float_equal(m->completeness, 100.0, 1e-12);
	assert_int_equal(m->missing_count, 0);
	assert_false(m->bounds_known);
	assert_false(m->has_issues);

	/* A daily meter with nothing that day: its one value is missing. */
	m = meter(r, MPAN_B);
	assert_string_equal(m->source, "none");
	assert_int_equal(m->expected, 1);
	assert_int_equal(m->actual, 0);
	assert_float_equal(m->completeness, 0.0, 1e-12);
	assert_int_equal(m->missing_count, 0);
	assert_true(m->has_issues);

	/* A zero daily total is a zero reading of period 0. */
	m = meter(r, MPAN_C);
	assert_int_equal(m->zero_count, 1);
	assert_int_equal(m->zeros[0].period, 0);
	assert_int_equal(r->meters_with_issues, 2);
	ecl_quality_report_free(r);

	assert_int_equal(sql_number(f, ISSUES_OF, MPAN_A), 0);
	assert_text(sql_text(f, ISSUE_ROW("severity", "missing_data"), MPAN_B), "high");
	assert_text(sql_text(f, ISSUE_ROW("description", "missing_data"), MPAN_B),
		"No readings: the daily total is missing");
	assert_text(sql_text(f, ISSUE_ROW("issue_type", "zero_reading"), MPAN_C), "zero_reading");
}

static void hh_meter_without_readings_misses_every_period(void **state)
{
	fixture *f = *state;
	const ecl_quality_meter *m;
	ecl_quality_report *r;
	size_t i;

	import_normal_day(f, MPAN_A, "2025-11-06", 48);
	r = check(f, "2025-11-07", NULL, 1);
	m = meter(r, MPAN_A);
	assert_string_equal(m->source, "none");
	assert_int_equal(m->expected, 48);
	assert_int_equal(m->actual, 0);
	assert_float_equal(m->completeness, 0.0, 1e-12);
	assert_int_equal(m->missing_count, 48);
	for (i = 0; i < 48; i++)
		assert_int_equal(m->missing_periods[i], (int)i + 1);
	ecl_quality_report_free(r);
	assert_text(sql_text(f, ISSUE_ROW("severity", "missing_data"), MPAN_A), "high");
	assert_text(sql_text(f, ISSUE_ROW("description", "missing_data"), MPAN_A),
		"No readings: all 48 periods missing");
	assert_int_equal(sql_number(f, ISSUE_ROW("json_array_length(issue_data, '$.missing_periods')",
		"missing_data"), MPAN_A), 48);
}

static void reruns_update_rows_and_fixes_remove_them(void **state)
{
	fixture *f = *state;
	ecl_quality_report *r;
	int64_t first_run = f->now;
	double v[48];

	normal_day(v, 48);
	v[10 - 1] = NAN;
	v[20 - 1] = 0.0;
	import_day(f, MPAN_A, "2025-11-07", v, 48);
	/* Missing period 10, the zero of period 20, which is also an outlier. */
	r = check(f, "2025-11-07", NULL, 1);
	assert_int_equal(r->issues_recorded, 3);
	ecl_quality_report_free(r);
	/* A user resolves the zero reading; the same finding keeps that. */
	ecl_test_sql_exec(f->db.path, "UPDATE data_quality_issues SET is_resolved = 1 "
		"WHERE issue_type = 'zero_reading'");

	f->now += 3600;
	r = check(f, "2025-11-07", NULL, 1);
	assert_int_equal(r->issues_recorded, 3);
	ecl_quality_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM data_quality_issues"), 3);
	assert_int_equal(sql_number(f, ISSUE_ROW("created_at", "missing_data"), MPAN_A), first_run);
	assert_int_equal(sql_number(f, ISSUE_ROW("updated_at IS NULL", "missing_data"), MPAN_A), 1);
	assert_int_equal(sql_number(f, ISSUE_ROW("is_resolved", "zero_reading"), MPAN_A), 1);

	/* A reading lost: the changed finding is rewritten and opened again. */
	ecl_test_sql_exec(f->db.path, "UPDATE data_quality_issues SET is_resolved = 1");
	ecl_test_sql_exec(f->db.path, "DELETE FROM hh_readings WHERE period_number = 11");
	f->now += 3600;
	r = check(f, "2025-11-07", NULL, 1);
	ecl_quality_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM data_quality_issues"), 3);
	assert_text(sql_text(f, ISSUE_ROW("description", "missing_data"), MPAN_A),
		"Missing 2 of 48 periods");
	assert_int_equal(sql_number(f, ISSUE_ROW("created_at", "missing_data"), MPAN_A), first_run);
	assert_int_equal(sql_number(f, ISSUE_ROW("updated_at", "missing_data"), MPAN_A), f->now);
	assert_int_equal(sql_number(f, ISSUE_ROW("is_resolved", "missing_data"), MPAN_A), 0);
	assert_int_equal(sql_number(f, ISSUE_ROW("is_resolved", "zero_reading"), MPAN_A), 1);

	/* The data fixed by a re-import: every row goes. */
	import_normal_day(f, MPAN_A, "2025-11-07", 48);
	r = check(f, "2025-11-07", NULL, 1);
	assert_int_equal(r->meters_with_issues, 0);
	assert_int_equal(r->issues_recorded, 0);
	ecl_quality_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM data_quality_issues"), 0);
}

static void one_meter_by_mpan(void **state)
{
	fixture *f = *state;
	ecl_quality_report *r;
	double v[48];

	normal_day(v, 48);
	v[0] = NAN;
	import_day(f, MPAN_A, "2025-11-07", v, 48);
	import_day(f, MPAN_B, "2025-11-07", v, 48);
	r = check(f, "2025-11-07", NULL, 1);
	assert_int_equal(r->meters_checked, 2);
	ecl_quality_report_free(r);

	/* Written as people write it: normalised to the stored identifier. */
	import_normal_day(f, MPAN_B, "2025-11-07", 48);
	r = check(f, "2025-11-07", "12 0001 2345 679", 1);
	assert_int_equal(r->meters_checked, 1);
	assert_int_equal(r->meter_count, 1);
	assert_string_equal(r->meters[0].mpan, MPAN_B);
	assert_int_equal(r->issues_recorded, 0);
	ecl_quality_report_free(r);
	/* Only B's rows were settled; A's stay. */
	assert_int_equal(sql_number(f, ISSUES_OF, MPAN_A), 1);
	assert_int_equal(sql_number(f, ISSUES_OF, MPAN_B), 0);

	/* An inactive meter: left out of a full run, checked when named. */
	ecl_test_sql_exec(f->db.path, "UPDATE meters SET is_active = 0 WHERE mpan = '" MPAN_A "'");
	r = check(f, "2025-11-07", NULL, 1);
	assert_int_equal(r->meters_checked, 1);
	assert_string_equal(r->meters[0].mpan, MPAN_B);
	ecl_quality_report_free(r);
	r = check(f, "2025-11-07", MPAN_A, 0);
	assert_int_equal(r->meters_checked, 1);
	assert_int_equal(r->meters[0].missing_count, 1);
	ecl_quality_report_free(r);
}

static void unknown_or_invalid_mpan_is_refused(void **state)
{
	fixture *f = *state;
	ecl_quality_options o = ECL_QUALITY_OPTIONS_INIT;
	ecl_quality_report *r = (ecl_quality_report *)1;

	import_normal_day(f, MPAN_A, "2025-11-07", 48);
	o.mpan = "9999999999999";
	ecl_assert_fails(ECL_ENOTFOUND, ecl_quality_check(&r, f->db.store, "2025-11-07", &o));
	ecl_assert_error_contains("9999999999999");
	assert_null(r);
	o.mpan = " - ";
	ecl_assert_fails(ECL_EINVALID, ecl_quality_check(&r, f->db.store, "2025-11-07", &o));
	assert_null(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM data_quality_issues"), 0);
}

static void dates_are_strict_and_default_to_yesterday(void **state)
{
	fixture *f = *state;
	ecl_quality_report *r = (ecl_quality_report *)1;

	ecl_assert_fails(ECL_EINVALID, ecl_quality_check(&r, f->db.store, "2025-02-30", NULL));
	ecl_assert_error_contains("2025-02-30");
	assert_null(r);
	ecl_assert_fails(ECL_EINVALID, ecl_quality_check(&r, f->db.store, "2025-1-1", NULL));
	ecl_assert_error_contains("2025-1-1");
	ecl_assert_fails(ECL_EINVALID, ecl_quality_check(&r, f->db.store, "", NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_quality_check(&r, f->db.store, "07/11/2025", NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_quality_check(&r, f->db.store, "1900-01-01", NULL));

	/* 2025-11-08 10:00 UTC: yesterday is 2025-11-07. */
	ecl_assert_ok(ecl_quality_check(&r, f->db.store, NULL, NULL));
	assert_string_equal(r->date, "2025-11-07");
	ecl_quality_report_free(r);
	/* 2025-07-01 23:30 UTC is 00:30 on 2 July in London: yesterday is 1 July. */
	f->now = 1751412600;
	ecl_assert_ok(ecl_quality_check(&r, f->db.store, NULL, NULL));
	assert_string_equal(r->date, "2025-07-01");
	ecl_quality_report_free(r);
}

static void record_zero_writes_nothing(void **state)
{
	fixture *f = *state;
	ecl_quality_report *r;
	double v[48];

	normal_day(v, 48);
	v[5] = NAN;
	v[6] = -1;
	import_day(f, MPAN_A, "2025-11-07", v, 48);
	r = check(f, "2025-11-07", NULL, 0);
	assert_int_equal(r->meters_with_issues, 1);
	assert_int_equal(r->issues_recorded, 0);
	assert_int_equal(r->meters[0].missing_count, 1);
	assert_int_equal(r->meters[0].negative_count, 1);
	ecl_quality_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM data_quality_issues"), 0);
}

static json_t *parse(const ecl_buf *b, size_t offset)
{
	json_error_t error;
	json_t *root = json_loads(b->ptr + offset, 0, &error);

	if (root == NULL)
		print_error("JSON does not parse: %s in %s\n", error.text, b->ptr + offset);
	assert_non_null(root);
	return root;
}

static void json_report_and_issues_only(void **state)
{
	fixture *f = *state;
	ecl_buf b = ECL_BUF_INIT;
	ecl_quality_report *r;
	json_t *root, *meters, *m;
	double v[48];

	import_normal_day(f, MPAN_A, "2025-11-07", 48);
	normal_day(v, 48);
	v[1] = NAN;
	v[2] = 0;
	import_day(f, MPAN_B, "2025-11-07", v, 48);
	r = check(f, "2025-11-07", NULL, 1);

	ecl_assert_ok(ecl_quality_report_to_json(&b, r, 0));
	root = parse(&b, 0);
	assert_string_equal(json_string_value(json_object_get(root, "date")), "2025-11-07");
	assert_int_equal(json_integer_value(json_object_get(root, "meters_checked")), 2);
	assert_int_equal(json_integer_value(json_object_get(root, "meters_with_issues")), 1);
	/* B: missing_data, zero_reading and, for the zero, outlier. */
	assert_int_equal(json_integer_value(json_object_get(root, "issues_recorded")), 3);
	meters = json_object_get(root, "meters");
	assert_int_equal(json_array_size(meters), 2);
	m = json_array_get(meters, 1);
	assert_string_equal(json_string_value(json_object_get(m, "mpan")), MPAN_B);
	assert_string_equal(json_string_value(json_object_get(m, "source")), "hh");
	assert_int_equal(json_integer_value(json_object_get(m, "expected")), 48);
	assert_int_equal(json_integer_value(json_object_get(m, "actual")), 47);
	assert_float_equal(json_real_value(json_object_get(m, "completeness")), 97.92, 1e-12);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(m, "missing_periods"), 0)), 2);
	assert_int_equal(json_integer_value(json_object_get(m, "zero_count")), 1);
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(json_object_get(m, "zeros"), 0), "period")), 3);
	assert_true(json_is_true(json_object_get(m, "has_issues")));
	assert_true(json_is_real(json_object_get(m, "lower_bound")));
	json_decref(root);

	/* The text is replaced, as by the other *_to_json(); only meters with issues. */
	ecl_assert_ok(ecl_quality_report_to_json(&b, r, 1));
	root = parse(&b, 0);
	meters = json_object_get(root, "meters");
	assert_int_equal(json_array_size(meters), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(meters, 0), "mpan")), MPAN_B);
	assert_int_equal(json_integer_value(json_object_get(root, "meters_checked")), 2);
	json_decref(root);
	ecl_buf_dispose(&b);
	ecl_quality_report_free(r);
}

static void empty_store_checks_nothing(void **state)
{
	fixture *f = *state;
	ecl_buf b = ECL_BUF_INIT;
	ecl_quality_report *r = check(f, "2025-11-07", NULL, 1);

	assert_int_equal(r->meters_checked, 0);
	assert_int_equal(r->meter_count, 0);
	assert_null(r->meters);
	ecl_assert_ok(ecl_quality_report_to_json(&b, r, 0));
	assert_string_equal(b.ptr, "{\"date\":\"2025-11-07\",\"meters_checked\":0,"
		"\"meters_with_issues\":0,\"issues_recorded\":0,\"meters\":[]}");
	ecl_buf_dispose(&b);
	ecl_quality_report_free(r);
}

/* A thousand meters in one scan and one transaction. */
static void a_thousand_meters(void **state)
{
	fixture *f = *state;
	ecl_buf b = ECL_BUF_INIT;
	ecl_quality_report *r;
	double v[48];
	char mpan[32];
	int i;

	normal_day(v, 48);
	wide_header(&b, 48);
	for (i = 0; i < 1000; i++) {
		snprintf(mpan, sizeof(mpan), "M%06d", i);
		v[0] = i % 10 == 0 ? NAN : 1.1;
		wide_row(&b, mpan, "2025-11-07", v, 48);
	}
	import_text(f, b.ptr, ECL_IMPORT_HH);
	ecl_buf_dispose(&b);
	r = check(f, "2025-11-07", NULL, 1);
	assert_int_equal(r->meters_checked, 1000);
	assert_int_equal(r->meters_with_issues, 100);
	assert_int_equal(r->issues_recorded, 100);
	for (i = 1; i < 1000; i++)
		assert_true(r->meters[i - 1].meter_id < r->meters[i].meter_id);
	ecl_quality_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM data_quality_issues"), 100);
}

static void bad_arguments(void **state)
{
	fixture *f = *state;
	ecl_quality_options o;
	ecl_quality_report *r = (ecl_quality_report *)1;
	ecl_buf b = ECL_BUF_INIT;

	ecl_assert_fails(ECL_EINVALID, ecl_quality_options_init(NULL, ECL_QUALITY_OPTIONS_VERSION));
	ecl_assert_fails(ECL_EINVALID, ecl_quality_options_init(&o, 0));
	ecl_assert_fails(ECL_EINVALID, ecl_quality_options_init(&o, ECL_QUALITY_OPTIONS_VERSION + 1));
	ecl_assert_ok(ecl_quality_options_init(&o, ECL_QUALITY_OPTIONS_VERSION));
	assert_int_equal(o.version, ECL_QUALITY_OPTIONS_VERSION);
	assert_null(o.mpan);
	assert_int_equal(o.record, 1);

	ecl_assert_fails(ECL_EINVALID, ecl_quality_check(NULL, f->db.store, "2025-11-07", NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_quality_check(&r, NULL, "2025-11-07", NULL));
	assert_null(r);
	o.version = 0;
	r = (ecl_quality_report *)1;
	ecl_assert_fails(ECL_EINVALID, ecl_quality_check(&r, f->db.store, "2025-11-07", &o));
	ecl_assert_error_contains("version");
	assert_null(r);
	o.version = ECL_QUALITY_OPTIONS_VERSION + 1;
	ecl_assert_fails(ECL_EINVALID, ecl_quality_check(&r, f->db.store, "2025-11-07", &o));

	ecl_assert_fails(ECL_EINVALID, ecl_quality_report_to_json(NULL, NULL, 0));
	ecl_assert_fails(ECL_EINVALID, ecl_quality_report_to_json(&b, NULL, 0));
	assert_null(b.ptr);
	ecl_quality_report_free(NULL);
}

static void unmigrated_store_is_refused(void **state)
{
	fixture *f = *state;
	ecl_store *store = NULL;
	ecl_quality_report *r = (ecl_quality_report *)1;
	char uri[1024];

	snprintf(uri, sizeof(uri), "sqlite://%s/fresh.db", f->db.dir);
	ecl_assert_ok(ecl_store_open(&store, uri, NULL));
	ecl_assert_fails(ECL_ESCHEMA, ecl_quality_check(&r, store, "2025-11-07", NULL));
	assert_null(r);
	ecl_store_free(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(complete_day_has_no_issues, setup, teardown),
		cmocka_unit_test_setup_teardown(dropped_periods_are_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(clock_change_days_expect_46_and_50, setup, teardown),
		cmocka_unit_test_setup_teardown(zeros_and_negatives_are_counted_with_periods, setup, teardown),
		cmocka_unit_test_setup_teardown(outliers_by_the_iqr_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(fewer_than_ten_values_have_no_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(daily_totals_are_one_value, setup, teardown),
		cmocka_unit_test_setup_teardown(hh_meter_without_readings_misses_every_period, setup, teardown),
		cmocka_unit_test_setup_teardown(reruns_update_rows_and_fixes_remove_them, setup, teardown),
		cmocka_unit_test_setup_teardown(one_meter_by_mpan, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_or_invalid_mpan_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(dates_are_strict_and_default_to_yesterday, setup, teardown),
		cmocka_unit_test_setup_teardown(record_zero_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(json_report_and_issues_only, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_store_checks_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(a_thousand_meters, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(unmigrated_store_is_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
