/*
 * Ingestion end to end on a SQLite file: small files written inline with
 * their expected counts and sums, the stored rows read back with SQL.
 */
#include "ecl_test.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct fixture {
	ecl_test_db db;
	int64_t now;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	f->now = 1764000000;
	*state = f;
	return ecl_test_db_open(&f->db, "ingest", &f->now, NULL);
}

static int teardown(void **state)
{
	fixture *f = *state;

	ecl_test_db_close(&f->db);
	free(f);
	return 0;
}

static ecl_ingest_report *import(fixture *f, const char *name, const char *content,
                                 const ecl_ingest_options *opts)
{
	char *path = ecl_test_write_file(f->db.dir, name, content);
	ecl_ingest_report *report = NULL;

	assert_non_null(path);
	ecl_assert_ok(ecl_ingest_file(&report, f->db.store, path, opts));
	free(path);
	assert_non_null(report);
	assert_non_null(report->summary);
	return report;
}

static int import_fails(fixture *f, const char *name, const char *content,
                        const ecl_ingest_options *opts)
{
	char *path = ecl_test_write_file(f->db.dir, name, content);
	ecl_ingest_report *report = (ecl_ingest_report *)1;
	int rc = ecl_ingest_file(&report, f->db.store, path, opts);

	free(path);
	assert_null(report);
	return rc;
}

/* A wide row of 48 values 0.01 .. 0.48 for one meter and date. */
static void wide_row(char *out, size_t size, const char *mpan, const char *date, int periods)
{
	size_t used = (size_t)snprintf(out, size, "%s,%s", mpan, date);
	int p;

	for (p = 1; p <= periods; p++)
		used += (size_t)snprintf(out + used, size - used, ",%.2f", p / 100.0);
	snprintf(out + used, size - used, "\n");
}

static void wide_header(char *out, size_t size, int periods)
{
	size_t used = (size_t)snprintf(out, size, "MPAN,Date");
	int p;

	for (p = 1; p <= periods; p++)
		used += (size_t)snprintf(out + used, size - used, ",HH%02d", p);
	snprintf(out + used, size - used, "\n");
}

static void wide_file_stores_48_periods_at_utc_starts(void **state)
{
	fixture *f = *state;
	char content[4096], row[1024];
	ecl_ingest_report *r;

	wide_header(content, sizeof(content), 48);
	wide_row(row, sizeof(row), "1200012345678", "2025-11-07", 48);
	strcat(content, row);
	wide_row(row, sizeof(row), "12 0001 2345 679", "07/11/2025", 48);
	strcat(content, row);
	r = import(f, "wide.csv", content, NULL);
	assert_string_equal(r->format, "hh-matrix");
	assert_int_equal(r->records_processed, 2);
	assert_int_equal(r->records_imported, 2);
	assert_int_equal(r->records_failed, 0);
	assert_int_equal(r->values_processed, 96);
	assert_int_equal(r->inserted, 96);
	assert_int_equal(r->meters_created, 2);
	assert_true(r->successful);
	assert_non_null(strstr(r->summary, "\"records_processed\":2"));
	assert_non_null(strstr(r->summary, "\"format\":\"hh-matrix\""));
	ecl_ingest_report_free(r);

	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM meter_readings"), 96);
	assert_float_equal(ecl_test_sql_number(f->db.path, "SELECT sum(reading_value) FROM meter_readings"), 2 * 11.76, 1e-9);
	/* 2025-11-07 is GMT: period 15 starts at 07:00 local = 07:00 UTC. */
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT period_start FROM meter_readings r JOIN meters m ON m.id = r.meter_id "
		"WHERE m.mpan = '1200012345678' AND period_number = 15"), 1762498800);
	/* Inner spaces in the identifier are normalised away. */
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM meters WHERE mpan = '1200012345679'"), 1);

	/* Re-importing the same file changes nothing. */
	r = import(f, "wide.csv", content, NULL);
	assert_int_equal(r->inserted, 0);
	assert_int_equal(r->unchanged, 96);
	assert_int_equal(r->meters_created, 0);
	ecl_ingest_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM meter_readings"), 96);
}

static void clock_change_days_have_46_and_50_periods(void **state)
{
	fixture *f = *state;
	char content[8192], row[1024];
	ecl_ingest_report *r;
	char *time;

	wide_header(content, sizeof(content), 50);
	wide_row(row, sizeof(row), "1200012345678", "2025-03-30", 46);
	strcat(content, row);
	wide_row(row, sizeof(row), "1200012345678", "2025-10-26", 50);
	strcat(content, row);
	r = import(f, "dst.csv", content, NULL);
	assert_int_equal(r->records_imported, 2);
	assert_int_equal(r->values_processed, 96);
	ecl_ingest_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM meter_readings WHERE reading_date = '2025-03-30'"), 46);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM meter_readings WHERE reading_date = '2025-10-26'"), 50);
	/* Spring: period 3 starts at 02:00 BST = 01:00 UTC. */
	time = ecl_test_sql_text(f->db.path, "SELECT reading_time FROM meter_readings WHERE reading_date = '2025-03-30' AND period_number = 3");
	assert_string_equal(time, "02:00:00");
	free(time);
	/* Autumn: periods 3 and 5 both start at local 01:00, an hour apart in UTC. */
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT max(period_start) - min(period_start) FROM meter_readings "
		"WHERE reading_date = '2025-10-26' AND reading_time = '01:00:00'"), 3600);

	/* A value in HH49 on a 48-period day fails that row and writes none of it. */
	wide_header(content, sizeof(content), 50);
	wide_row(row, sizeof(row), "1200012345678", "2025-11-08", 49);
	strcat(content, row);
	r = import(f, "hh49.csv", content, NULL);
	assert_int_equal(r->records_failed, 1);
	assert_int_equal(r->inserted, 0);
	assert_non_null(strstr(r->summary, "HH49 has a value but 2025-11-08 has only 48 periods"));
	ecl_ingest_report_free(r);
}

static void long_format_with_offsets_folds_and_interval_end(void **state)
{
	fixture *f = *state;
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r;

	/* The repeated autumn hour: the first 01:00 is BST, the second GMT. */
	r = import(f, "long.csv",
		"MPAN,ReadDateTime,ReadValue,Unit,ReadingType\n"
		"1200012345678,2025-10-26 00:30,1.0,kWh,A\n"
		"1200012345678,2025-10-26 01:00,2.0,kWh,A\n"
		"1200012345678,2025-10-26 01:30,3.0,kWh,E\n"
		"1200012345678,2025-10-26 01:00,4.0,kWh,A\n"
		"1200012345678,2025-10-26 01:30,5.0,Wh,A\n"
		"1200012345678,2025-10-26T02:00:00Z,6.0,MWh,A\n", NULL);
	assert_string_equal(r->format, "hh-interval");
	assert_int_equal(r->records_imported, 6);
	assert_int_equal(r->inserted, 6);
	ecl_ingest_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(DISTINCT period_start) FROM meter_readings"), 6);
	assert_float_equal(ecl_test_sql_number(f->db.path, "SELECT sum(reading_value) FROM meter_readings"),
		1 + 2 + 3 + 4 + 0.005 + 6000, 1e-9);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT period_number FROM meter_readings WHERE reading_value = 4"), 5);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM meter_readings WHERE reading_type = 'estimated'"), 1);

	/* Interval-end stamps: 00:30 is period 1 and 24:00 the last period. */
	o.interval_end = 1;
	r = import(f, "end.csv",
		"MPAN,Date,Time,Value\n"
		"1200012345679,2025-11-07,00:30,1\n"
		"1200012345679,2025-11-07,24:00,2\n", &o);
	assert_int_equal(r->records_imported, 2);
	ecl_ingest_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT period_number FROM meter_readings WHERE reading_value = 2 "
		"AND reading_date = '2025-11-07'"), 48);

	/* A non-existent spring time is a row error, not a shifted reading. */
	r = import(f, "spring.csv", "MPAN,DateTime,Value\n1200012345678,2025-03-30 01:30,1\n", NULL);
	assert_int_equal(r->records_failed, 1);
	assert_int_equal(r->inserted, 0);
	ecl_ingest_report_free(r);
}

static void daily_totals_and_row_errors(void **state)
{
	fixture *f = *state;
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r;

	o.import_type = ECL_IMPORT_DAILY;
	r = import(f, "daily.csv",
		"MPAN;Date;Reading\n"
		"1200012345678;2025-11-07;24.5\n"
		"1200012345678;31/02/2025;1\n"
		"1200012345678;11/30/2025;1\n"
		"1200012345678;07/11/25;1\n"
		"1200012345678;2025-11-08;1,234.5\n"
		"1200012345678;2025-11-09;N/A\n"
		";2025-11-10;3\n"
		"1200012345678;2025-11-11;-2\n", &o);
	assert_string_equal(r->format, "daily");
	assert_int_equal(r->records_processed, 8);
	assert_int_equal(r->records_imported, 2);
	assert_int_equal(r->records_failed, 6);
	assert_int_equal(r->error_count, 6);
	assert_int_equal(r->negative_values, 1);
	assert_false(r->successful);
	assert_non_null(strstr(r->summary, "Row 2: "));
	assert_non_null(strstr(r->summary, "Row 7: Missing MPAN"));
	assert_non_null(strstr(r->summary, "\"line\":3"));
	ecl_ingest_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM daily_readings"), 2);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM meter_readings"), 0);
	assert_float_equal(ecl_test_sql_number(f->db.path, "SELECT sum(reading_value) FROM daily_readings"), 22.5, 1e-9);

	o.negatives = ECL_NEGATIVE_REJECT;
	r = import(f, "neg.csv", "MPAN,Date,Reading\n1200012345678,2025-11-12,-2\n", &o);
	assert_int_equal(r->records_failed, 1);
	ecl_ingest_report_free(r);
}

static void unknown_meter_policies(void **state)
{
	fixture *f = *state;
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	const char *file = "MPAN,Date,Reading\n1200012345678,2025-11-07,1\n9999,2025-11-07,2\n";
	ecl_ingest_report *r;

	o.import_type = ECL_IMPORT_DAILY;
	r = import(f, "a.csv", "MPAN,Date,Reading\n1200012345678,2025-11-06,1\n", &o);
	ecl_ingest_report_free(r);

	o.unknown_meters = ECL_UNKNOWN_METER_REJECT_ROW;
	r = import(f, "b.csv", file, &o);
	assert_int_equal(r->records_imported, 1);
	assert_int_equal(r->records_failed, 1);
	assert_non_null(strstr(r->summary, "Unknown meter \\\"9999\\\""));
	ecl_ingest_report_free(r);

	o.unknown_meters = ECL_UNKNOWN_METER_REJECT_FILE;
	ecl_assert_fails(ECL_ENOTFOUND, import_fails(f, "c.csv", file, &o));
	ecl_assert_error_contains("9999");
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM meters"), 1);
}

static void estimates_keep_actuals_unless_told(void **state)
{
	fixture *f = *state;
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r;

	r = import(f, "a.csv", "MPAN,DateTime,Value,Type\n1200012345678,2025-11-07 10:00,1.5,A\n", NULL);
	ecl_ingest_report_free(r);
	r = import(f, "e.csv", "MPAN,DateTime,Value,Type\n1200012345678,2025-11-07 10:00,9,E\n", NULL);
	assert_int_equal(r->unchanged, 1);
	ecl_ingest_report_free(r);
	assert_float_equal(ecl_test_sql_number(f->db.path, "SELECT reading_value FROM meter_readings"), 1.5, 1e-12);
	o.overwrite_actual = 1;
	r = import(f, "e.csv", "MPAN,DateTime,Value,Type\n1200012345678,2025-11-07 10:00,9,E\n", &o);
	assert_int_equal(r->updated, 1);
	ecl_ingest_report_free(r);
	assert_float_equal(ecl_test_sql_number(f->db.path, "SELECT reading_value FROM meter_readings"), 9, 1e-12);
}

static void dry_run_writes_nothing(void **state)
{
	fixture *f = *state;
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r;
	char content[4096], row[1024];

	wide_header(content, sizeof(content), 48);
	wide_row(row, sizeof(row), "1200012345678", "2025-11-07", 48);
	strcat(content, row);
	o.dry_run = 1;
	r = import(f, "dry.csv", content, &o);
	assert_int_equal(r->records_imported, 1);
	assert_int_equal(r->values_processed, 48);
	assert_int_equal(r->inserted, 0);
	assert_int_equal(r->meters_created, 1);  /* would be created */
	assert_true(r->dry_run);
	assert_non_null(strstr(r->summary, "\"dry_run\":true"));
	ecl_ingest_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM meters"), 0);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM meter_readings"), 0);
}

static void whole_file_errors(void **state)
{
	fixture *f = *state;
	ecl_ingest_options daily = ECL_INGEST_OPTIONS_INIT;

	daily.import_type = ECL_IMPORT_DAILY;
	ecl_assert_fails(ECL_EINVALID, import_fails(f, "empty.csv", "", NULL));
	ecl_assert_error_contains("header");
	ecl_assert_fails(ECL_EINVALID, import_fails(f, "nompan.csv", "Date,HH01\n2025-11-07,1\n", NULL));
	ecl_assert_error_contains("meter identifier");
	ecl_assert_fails(ECL_EINVALID, import_fails(f, "nohh.csv", "MPAN,Date,Foo\n1,2025-11-07,1\n", NULL));
	ecl_assert_error_contains("HH01..HH48");
	ecl_assert_fails(ECL_EINVALID, import_fails(f, "nodate.csv", "MPAN,Reading\n1,1\n", &daily));
	ecl_assert_error_contains("date column");
	ecl_assert_fails(ECL_EINVALID, import_fails(f, "twice.csv", "MPAN,Date,HH01,HH 01\n1,2025-11-07,1,2\n", NULL));
	ecl_assert_error_contains("period 1");
	{
		ecl_ingest_report *r = NULL;
		ecl_assert_fails(ECL_EIO, ecl_ingest_file(&r, f->db.store, "/nonexistent/x.csv", NULL));
		ecl_assert_error_contains("/nonexistent/x.csv");
		assert_null(r);
	}
}

static void gzip_files_are_read_transparently(void **state)
{
	fixture *f = *state;
	char *path = NULL;
	const char *text = "MPAN,DateTime,Value\n1200012345678,2025-11-07 10:00,1.25\n";
	ecl_ingest_report *r = NULL;
	gzFile gz;

	assert_true(asprintf(&path, "%s/readings.csv.gz", f->db.dir) > 0);
	gz = gzopen(path, "wb");
	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, text, (unsigned)strlen(text)), (int)strlen(text));
	gzclose(gz);
	ecl_assert_ok(ecl_ingest_file(&r, f->db.store, path, NULL));
	assert_int_equal(r->inserted, 1);
	ecl_ingest_report_free(r);
	free(path);
}

/* Cells and headers that are not UTF-8 (found by fuzz_ingest): a row error
 * quoting such a cell used to fail the whole import with ECL_ENOMEM ("out of
 * memory recording row errors"), as the summary is JSON. Now the bad bytes
 * are reported as U+FFFD and the import goes on. */
static void invalid_utf8_is_reported_not_fatal(void **state)
{
	fixture *f = *state;
	ecl_ingest_report *r = import(f, "latin1.csv",
		"MPAN\xff,Date\xe9Time,Value\n"
		"1200012345678,2025-11-07 10:00,1.25\n"
		"1200012345678,2025-11-07 10:30,1\xff" "5\n"
		"1200012345678,2025-11-07 11:00,caf\xe9\n", NULL);

	assert_int_equal(r->records_processed, 3);
	assert_int_equal(r->records_imported, 1);
	assert_int_equal(r->records_failed, 2);
	assert_int_equal(r->error_count, 2);
	assert_non_null(strstr(r->summary, "\"Row 2: "));
	assert_non_null(strstr(r->summary, "\"Row 3: "));
	assert_non_null(strstr(r->summary, "\xef\xbf\xbd"));
	assert_non_null(strstr(r->summary, "\"mpan\":\"MPAN\xef\xbf\xbd\""));
	assert_non_null(strstr(r->summary, "\"datetime\":\"Date\xef\xbf\xbdTime\""));
	ecl_ingest_report_free(r);
}

/* The generic reader, extended: clock-time columns, lines above the header,
 * a "sep=" line, the MPAN preferred to a serial number, a given meter and
 * the UTC clock. */
static void generic_reader_extensions(void **state)
{
	fixture *f = *state;
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r;
	char content[8192], *mpan;
	size_t used;
	int m;

	/* 00:30 .. 24:00 labels mark ends: on the spring day 01:00 and 01:30
	 * do not exist, and 02:00 (BST) ends the half hour from 00:30 UTC. */
	used = (size_t)snprintf(content, sizeof(content), "MPAN,Date");
	for (m = 30; m <= 1440; m += 30)
		used += (size_t)snprintf(content + used, sizeof(content) - used, ",%02d:%02d", m / 60, m % 60);
	used += (size_t)snprintf(content + used, sizeof(content) - used, "\n1200012345678,2025-03-30");
	for (m = 30; m <= 1440; m += 30)
		used += (size_t)snprintf(content + used, sizeof(content) - used, ",%s",
			m == 60 || m == 90 ? "" : "1");
	snprintf(content + used, sizeof(content) - used, "\n");
	r = import(f, "clock.csv", content, NULL);
	assert_string_equal(r->profile, "generic");
	assert_int_equal(r->inserted, 46);
	ecl_ingest_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT period_number FROM hh_readings "
		"WHERE period_start = strftime('%s', '2025-03-30 00:30:00')"), 2);

	/* Lines above the header, and a first line "sep=;". */
	r = import(f, "preamble.csv", "Half-hourly data for Riverside School\nExported 01/11/2025\n\n"
		"MPAN,Date,HH01,HH02\n1200012345679,2025-11-03,1.5,2.5\n", NULL);
	assert_int_equal(r->inserted, 2);
	ecl_ingest_report_free(r);
	r = import(f, "sep.csv", "sep=;\nMPAN;Date;HH01\n1200012345670;2025-11-03;3,5\n", NULL);
	assert_int_equal(r->records_failed, 1);   /* a decimal comma is not a number */
	ecl_ingest_report_free(r);

	/* The MPAN, not the serial number that comes first. */
	r = import(f, "serial.csv", "Meter Serial,MPAN,Date,HH01\nK12A34567,1200012345681,2025-11-03,1\n", NULL);
	assert_int_equal(r->inserted, 1);
	ecl_ingest_report_free(r);
	mpan = ecl_test_sql_text(f->db.path, "SELECT mpan FROM meters WHERE mpan LIKE 'K12%' OR mpan = '1200012345681'");
	assert_string_equal(mpan, "1200012345681");
	free(mpan);

	/* A file with no meter column, for the meter the caller names. */
	assert_int_equal(import_fails(f, "nometer.csv", "Date,HH01\n2025-11-03,1\n", NULL), ECL_EINVALID);
	o.meter = "1200012345692";
	r = import(f, "nometer.csv", "Date,HH01\n2025-11-03,1\n", &o);
	assert_int_equal(r->inserted, 1);
	ecl_ingest_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM meters WHERE mpan = '1200012345692'"), 1);

	/* The UTC clock: midnight is midnight UTC, an hour after BST midnight. */
	o.meter = NULL;
	o.clock = ECL_CLOCK_UTC;
	r = import(f, "utc.csv", "MPAN,DateTime,Value\n1200012345703,2025-06-15 00:00,1\n", &o);
	ecl_ingest_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM hh_readings h JOIN meters m "
		"ON m.id = h.meter_id WHERE m.mpan = '1200012345703' AND h.period_start = "
		"strftime('%s', '2025-06-15 00:00:00') AND h.period_number = 3"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(wide_file_stores_48_periods_at_utc_starts, setup, teardown),
		cmocka_unit_test_setup_teardown(clock_change_days_have_46_and_50_periods, setup, teardown),
		cmocka_unit_test_setup_teardown(long_format_with_offsets_folds_and_interval_end, setup, teardown),
		cmocka_unit_test_setup_teardown(daily_totals_and_row_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_meter_policies, setup, teardown),
		cmocka_unit_test_setup_teardown(estimates_keep_actuals_unless_told, setup, teardown),
		cmocka_unit_test_setup_teardown(dry_run_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(whole_file_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(gzip_files_are_read_transparently, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid_utf8_is_reported_not_fatal, setup, teardown),
		cmocka_unit_test_setup_teardown(generic_reader_extensions, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
