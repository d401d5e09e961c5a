/*
 * Conformance: the reading batches of the backend interface (version 2).
 * Written against the vtable itself, as ingestion uses it; what was stored is
 * observed through the counts that writing the same readings again returns.
 */
#include "conformance.h"

#include <stdio.h>
#include <string.h>

#include "store/store_internal.h"

#define T0 INT64_C(1762473600)  /* 2025-11-07 00:00 UTC = local midnight (GMT) */

static ecl_interval_reading interval(size_t meter, int period, double value, int estimated)
{
	ecl_interval_reading r;

	memset(&r, 0, sizeof(r));
	r.meter = meter;
	r.period_start = T0 + (int64_t)(period - 1) * 1800;
	snprintf(r.reading_date, sizeof(r.reading_date), "2025-11-07");
	r.local_minutes = (period - 1) * 30;
	r.period_number = period;
	r.value = value;
	r.estimated = estimated;
	return r;
}

static ecl_write_counts write_batch(conf_fixture *f, ecl_batch_meter *meters, size_t meter_count,
                                    const ecl_interval_reading *rows, size_t n,
                                    const ecl_daily_reading *days, size_t d, int overwrite)
{
	ecl_reading_batch b;
	ecl_write_counts counts = { 0, 0, 0, 0 };

	memset(&b, 0, sizeof(b));
	b.batch_id = "11111111-1111-4111-8111-111111111111";
	b.now = f->now;
	b.overwrite_actual = overwrite;
	b.meters = meters;
	b.meter_count = meter_count;
	b.intervals = rows;
	b.interval_count = n;
	b.dailies = days;
	b.daily_count = d;
	ecl_assert_ok(f->store->backend->readings_write(f->store->conn, &b, NULL, NULL, &counts));
	return counts;
}

static void assert_counts(ecl_write_counts c, int64_t ins, int64_t upd, int64_t same, int64_t created)
{
	assert_int_equal(c.inserted, ins);
	assert_int_equal(c.updated, upd);
	assert_int_equal(c.unchanged, same);
	assert_int_equal(c.meters_created, created);
}

static void upsert_counts_inserted_updated_unchanged(void **state)
{
	conf_fixture *f = *state;
	ecl_batch_meter meters[2] = {
		{ "1200012345678", 0, 1, "valid" },
		{ "SERIAL-X", 0, 1, "not_mpan" },
	};
	ecl_interval_reading rows[3] = {
		interval(0, 1, 0.5, 0), interval(0, 2, 0.75, 0), interval(1, 1, 1.25, 0)
	};
	int64_t id = 0;

	assert_counts(write_batch(f, meters, 2, rows, 3, NULL, 0, 0), 3, 0, 0, 2);
	assert_true(meters[0].id > 0 && meters[1].id > 0 && meters[0].id != meters[1].id);
	ecl_assert_ok(f->store->backend->meter_find(f->store->conn, "1200012345678", &id));
	assert_int_equal(id, meters[0].id);
	ecl_assert_fails(ECL_ENOTFOUND, f->store->backend->meter_find(f->store->conn, "nope", &id));

	/* The same readings again: nothing changes (idempotent re-import). */
	assert_counts(write_batch(f, meters, 2, rows, 3, NULL, 0, 0), 0, 0, 3, 0);
	/* A corrected value is an update. */
	rows[1].value = 0.8;
	assert_counts(write_batch(f, meters, 2, rows, 3, NULL, 0, 0), 0, 1, 2, 0);
	assert_counts(write_batch(f, meters, 2, rows, 3, NULL, 0, 0), 0, 0, 3, 0);
}

static void estimates_do_not_replace_actuals_unless_told(void **state)
{
	conf_fixture *f = *state;
	ecl_batch_meter meter = { "1200012345678", 0, 1, "valid" };
	ecl_interval_reading actual = interval(0, 5, 2.0, 0);
	ecl_interval_reading estimate = interval(0, 5, 3.0, 1);

	assert_counts(write_batch(f, &meter, 1, &actual, 1, NULL, 0, 0), 1, 0, 0, 1);
	assert_counts(write_batch(f, &meter, 1, &estimate, 1, NULL, 0, 0), 0, 0, 1, 0);
	/* The actual is still there: writing it again changes nothing. */
	assert_counts(write_batch(f, &meter, 1, &actual, 1, NULL, 0, 0), 0, 0, 1, 0);
	assert_counts(write_batch(f, &meter, 1, &estimate, 1, NULL, 0, 1), 0, 1, 0, 0);
	/* An actual always replaces an estimate. */
	assert_counts(write_batch(f, &meter, 1, &actual, 1, NULL, 0, 0), 0, 1, 0, 0);
}

static void daily_totals_never_collide_with_period_one(void **state)
{
	conf_fixture *f = *state;
	ecl_batch_meter meter = { "1200012345678", 0, 0, "valid" };
	ecl_interval_reading first = interval(0, 1, 0.5, 0);
	ecl_daily_reading day;

	memset(&day, 0, sizeof(day));
	snprintf(day.reading_date, sizeof(day.reading_date), "2025-11-07");
	day.value = 24.0;
	assert_counts(write_batch(f, &meter, 1, &first, 1, &day, 1, 0), 2, 0, 0, 1);
	assert_counts(write_batch(f, &meter, 1, &first, 1, &day, 1, 0), 0, 0, 2, 0);
	day.value = 25.0;
	assert_counts(write_batch(f, &meter, 1, NULL, 0, &day, 1, 0), 0, 1, 0, 0);
}

/* A key twice in one batch (a file that repeats a row) is stored once, as
 * its last occurrence; on PostgreSQL this is also the path where the COPY
 * of new readings meets a key and falls back to the upsert. */
static void key_repeated_in_one_batch_keeps_the_last(void **state)
{
	conf_fixture *f = *state;
	ecl_batch_meter meter = { "1200012345678", 0, 1, "valid" };
	ecl_interval_reading rows[3] = {
		interval(0, 1, 0.5, 0), interval(0, 2, 0.75, 0), interval(0, 1, 0.9, 0)
	};
	ecl_write_counts c = write_batch(f, &meter, 1, rows, 3, NULL, 0, 0);

	assert_int_equal(c.inserted, 2);
	assert_int_equal(c.inserted + c.updated + c.unchanged, 3);
	assert_int_equal(c.meters_created, 1);
	/* The stored value is the last one: writing it changes nothing, the
	 * first one is an update. */
	assert_counts(write_batch(f, &meter, 1, &rows[2], 1, NULL, 0, 0), 0, 0, 1, 0);
	assert_counts(write_batch(f, &meter, 1, &rows[0], 1, NULL, 0, 0), 0, 1, 0, 0);
	assert_counts(write_batch(f, &meter, 1, &rows[1], 1, NULL, 0, 0), 0, 0, 1, 0);
}

/* New readings next to stored ones (the next day of a meter already
 * imported) are inserted and leave the stored ones alone. */
static void new_readings_beside_stored_ones(void **state)
{
	conf_fixture *f = *state;
	ecl_batch_meter meter = { "1200012345678", 0, 1, "valid" };
	ecl_interval_reading day1[2] = { interval(0, 1, 0.5, 0), interval(0, 2, 0.75, 0) };
	ecl_interval_reading mixed[3] = { interval(0, 2, 0.75, 0), interval(0, 3, 1.0, 0),
	                                  interval(0, 4, 1.5, 0) };

	assert_counts(write_batch(f, &meter, 1, day1, 2, NULL, 0, 0), 2, 0, 0, 1);
	assert_counts(write_batch(f, &meter, 1, &mixed[1], 2, NULL, 0, 0), 2, 0, 0, 0);
	assert_counts(write_batch(f, &meter, 1, mixed, 3, NULL, 0, 0), 0, 0, 3, 0);
	assert_counts(write_batch(f, &meter, 1, day1, 2, NULL, 0, 0), 0, 0, 2, 0);
}

static void repeated_local_hour_is_two_readings(void **state)
{
	conf_fixture *f = *state;
	ecl_batch_meter meter = { "1200012345678", 0, 1, "valid" };
	ecl_interval_reading bst = interval(0, 3, 1.0, 0), gmt = interval(0, 5, 2.0, 0);

	/* 2025-10-26: 01:00 BST (00:00 UTC) and 01:00 GMT (01:00 UTC) share a
	 * local date and time but are distinct half hours. */
	snprintf(bst.reading_date, sizeof(bst.reading_date), "2025-10-26");
	snprintf(gmt.reading_date, sizeof(gmt.reading_date), "2025-10-26");
	bst.local_minutes = gmt.local_minutes = 60;
	bst.period_start = INT64_C(1761436800);
	gmt.period_start = INT64_C(1761440400);
	{
		ecl_interval_reading both[2] = { bst, gmt };
		assert_counts(write_batch(f, &meter, 1, both, 2, NULL, 0, 0), 2, 0, 0, 1);
	}
}

static void refused_job_update_writes_nothing(void **state)
{
	conf_fixture *f = *state;
	ecl_batch_meter meter = { "1200012345678", 0, 1, "valid" };
	ecl_interval_reading rows[2] = { interval(0, 1, 0.5, 0), interval(0, 2, 0.5, 0) };
	ecl_reading_batch b;
	ecl_job_update u;
	ecl_job_found found;
	ecl_write_counts counts = { 0, 0, 0, 0 };
	char id[ECL_BATCH_ID_SIZE];

	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_claim(f, "w", NULL);
	ecl_assert_ok(ecl_job_cancel(f->store, id));

	memset(&b, 0, sizeof(b));
	b.batch_id = id;
	b.now = f->now;
	b.meters = &meter;
	b.meter_count = 1;
	b.intervals = rows;
	b.interval_count = 2;
	memset(&u, 0, sizeof(u));
	u.batch_id = id;
	u.from_statuses = ECL_JOB_STATUS_BIT(ECL_JOB_PROCESSING);
	u.expect_worker_id = "w";
	u.expect_retry_count = -1;
	u.set = ECL_JOB_SET_CHECKPOINT;
	u.checkpoint = 2;
	memset(&found, 0, sizeof(found));
	assert_int_equal(f->store->backend->readings_write(f->store->conn, &b, &u, &found, &counts),
		ECL_ESTATE);
	assert_int_equal(found.status, ECL_JOB_CANCELLED);
	assert_int_equal(meter.id, 0);            /* not filled on failure */
	assert_int_equal(counts.inserted, 0);
	/* Nothing was kept: the meter and both readings are new again. */
	assert_counts(write_batch(f, &meter, 1, rows, 2, NULL, 0, 0), 2, 0, 0, 1);
}

static void batch_commits_job_progress_with_it(void **state)
{
	conf_fixture *f = *state;
	ecl_batch_meter meter = { "1200012345678", 0, 1, "valid" };
	ecl_interval_reading row = interval(0, 1, 0.5, 0);
	ecl_reading_batch b;
	ecl_job_update u;
	ecl_job_found found;
	ecl_write_counts counts = { 0, 0, 0, 0 };
	char id[ECL_BATCH_ID_SIZE];
	ecl_job *job = NULL;

	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_claim(f, "w", NULL);
	memset(&b, 0, sizeof(b));
	b.batch_id = id;
	b.now = f->now;
	b.meters = &meter;
	b.meter_count = 1;
	b.intervals = &row;
	b.interval_count = 1;
	memset(&u, 0, sizeof(u));
	u.batch_id = id;
	u.from_statuses = ECL_JOB_STATUS_BIT(ECL_JOB_PROCESSING);
	u.expect_worker_id = "w";
	u.expect_retry_count = -1;
	u.set = ECL_JOB_SET_CHECKPOINT | ECL_JOB_SET_COUNTERS;
	u.checkpoint = 7;
	u.processed_rows = 7;
	u.imported_rows = 6;
	u.failed_rows = 1;
	ecl_assert_ok(f->store->backend->readings_write(f->store->conn, &b, &u, &found, &counts));
	assert_int_equal(counts.inserted, 1);
	ecl_assert_ok(ecl_job_get(&job, f->store, id));
	assert_int_equal(job->checkpoint, 7);
	assert_int_equal(job->imported_rows, 6);
	ecl_job_free(job);
}

const struct CMUnitTest conf_reading_tests[] = {
	cmocka_unit_test_setup_teardown(upsert_counts_inserted_updated_unchanged, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(estimates_do_not_replace_actuals_unless_told, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(daily_totals_never_collide_with_period_one, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(key_repeated_in_one_batch_keeps_the_last, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(new_readings_beside_stored_ones, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(repeated_local_hour_is_two_readings, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(refused_job_update_writes_nothing, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(batch_commits_job_progress_with_it, conf_setup, conf_teardown),
};
const size_t conf_reading_test_count = sizeof(conf_reading_tests) / sizeof(conf_reading_tests[0]);
