/*
 * SQL metacharacters in every text a caller or a file can put into the
 * store: stored and returned verbatim, and never executed (the backends use
 * prepared statements only). Run on a SQLite file; the same public calls go
 * through any backend.
 */
#include "ecl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVIL "x'); DROP TABLE import_jobs; -- \" ` \\ % _ ; DELETE FROM meters"

typedef struct fixture {
	ecl_test_db db;
	int64_t now;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	f->now = 1762560000;  /* 2025-11-08 00:00 UTC */
	*state = f;
	return ecl_test_db_open(&f->db, "sqlinj", &f->now, NULL);
}

static int teardown(void **state)
{
	fixture *f = *state;

	ecl_test_db_close(&f->db);
	free(f);
	return 0;
}

/* Every table the migrations create is still there. */
static void assert_schema_intact(fixture *f)
{
	ecl_schema_report *r = NULL;

	ecl_assert_ok(ecl_store_check(&r, f->db.store));
	assert_int_equal(r->count, 0);
	ecl_schema_report_free(r);
}

static void job_fields_are_data(void **state)
{
	fixture *f = *state;
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	ecl_job_array *list = NULL;
	ecl_job_list_options lo = ECL_JOB_LIST_OPTIONS_INIT;
	ecl_job *job = NULL;
	char id[ECL_BATCH_ID_SIZE];
	char *path = ecl_test_write_file(f->db.dir, "evil '; --.csv", "MPAN,Date,Reading\n");

	o.file_path = path;
	o.filename = EVIL;
	o.notes = EVIL;
	o.tags = "[\"" "x'); DROP TABLE import_jobs; --" "\", \"a\\\"b\"]";
	o.metadata = "{\"k'); DELETE FROM import_jobs; --\": \"" "v' OR '1'='1" "\"}";
	ecl_assert_ok(ecl_job_create(id, f->db.store, &o));
	ecl_assert_ok(ecl_job_claim(&job, f->db.store, EVIL));
	assert_non_null(job);
	ecl_job_free(job);
	ecl_assert_ok(ecl_job_fail(NULL, f->db.store, id, EVIL, ECL_FAILURE_PERMANENT, EVIL));
	ecl_assert_ok(ecl_job_get(&job, f->db.store, id));
	assert_string_equal(job->filename, EVIL);
	assert_string_equal(job->notes, EVIL);
	assert_string_equal(job->error_message, EVIL);
	assert_string_equal(job->worker_id, EVIL);
	assert_string_equal(job->file_path, path);
	assert_non_null(strstr(job->tags, "DROP TABLE import_jobs"));
	assert_non_null(strstr(job->metadata, "v' OR '1'='1"));
	ecl_job_free(job);
	/* An id made of SQL is looked up as text, and is simply not a job. */
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_get(&job, f->db.store, "' OR '1'='1"));
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_cancel(f->db.store, "x'; DELETE FROM import_jobs; --"));
	ecl_assert_ok(ecl_job_list(&list, f->db.store, &lo));
	assert_int_equal(list->count, 1);
	ecl_job_array_free(list);
	assert_schema_intact(f);
	free(path);
}

static void file_contents_are_data(void **state)
{
	fixture *f = *state;
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r = NULL;
	ecl_quality_options q = ECL_QUALITY_OPTIONS_INIT;
	ecl_quality_report *qr = NULL;
	char *path = ecl_test_write_file(f->db.dir, "daily.csv",
		"MPAN,Date,Reading\n"
		"\"x'); DROP TABLE meters; --\",2025-11-07,1.5\n"
		"\"' OR 1=1 --\",2025-11-07,2.5\n");
	o.import_type = ECL_IMPORT_DAILY;
	ecl_assert_ok(ecl_ingest_file(&r, f->db.store, path, &o));
	/* Identifiers are normalised or refused as identifiers, never run. */
	assert_int_equal(r->records_processed, 2);
	ecl_ingest_report_free(r);
	q.mpan = "' OR '1'='1";
	ecl_assert_fails(ECL_ENOTFOUND, ecl_quality_check(&qr, f->db.store, "2025-11-07", &q));
	assert_null(qr);
	assert_true(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM meters") <= 2);
	assert_schema_intact(f);
	free(path);
}

static void dates_and_ranges_are_checked_before_any_query(void **state)
{
	fixture *f = *state;
	ecl_aggregate_report *r = NULL;
	ecl_aggregate_options o = ECL_AGGREGATE_OPTIONS_INIT;
	ecl_alert alert = { "test'); DROP TABLE alerts; --", ECL_ALERT_INFO, EVIL, EVIL,
	                    "k'); DELETE FROM alerts; --" };

	ecl_assert_fails(ECL_EINVALID, ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY,
		"2025-01-01'; DROP TABLE daily_aggregations; --", NULL));
	o.until = "2025-01-02' OR '1'='1";
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate(&r, f->db.store, ECL_RANGE_DAILY, "2025-01-01", &o));
	ecl_assert_ok(ecl_alert_send(NULL, f->db.store, &alert));
	ecl_assert_ok(ecl_alert_send(NULL, f->db.store, &alert));  /* the key works as data: cooled down */
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM alerts"), 2);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT suppressed FROM alerts ORDER BY id DESC"), 1);
	assert_schema_intact(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(job_fields_are_data, setup, teardown),
		cmocka_unit_test_setup_teardown(file_contents_are_data, setup, teardown),
		cmocka_unit_test_setup_teardown(dates_and_ranges_are_checked_before_any_query, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
