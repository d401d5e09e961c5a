/*
 * Conformance: aggregation, run telemetry, batch extents and quality
 * findings (the backend's aggregation and quality slots), observed through the public API:
 * the counts a run reports, the runs listed, and the quality report.
 */
#include "conformance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

#define BATCH "22222222-2222-4222-8222-222222222222"

/* Two half-hourly meters on 2025-11-06 and 07 (48 periods, p / 10 each,
 * meter 2 without periods 3-5 on the 7th) and a daily-only meter. */
static void import_sample(conf_fixture *f)
{
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r = NULL;
	char content[8192], *path;
	size_t used = (size_t)snprintf(content, sizeof(content), "MPAN,Date");
	int p, row;
	static const char *const rows[][2] = {
		{ "1200000000001", "2025-11-06" }, { "1200000000001", "2025-11-07" },
		{ "1200000000002", "2025-11-06" }, { "1200000000002", "2025-11-07" },
	};

	for (p = 1; p <= 48; p++)
		used += (size_t)snprintf(content + used, sizeof(content) - used, ",HH%02d", p);
	for (row = 0; row < 4; row++) {
		used += (size_t)snprintf(content + used, sizeof(content) - used, "\n%s,%s", rows[row][0],
		                         rows[row][1]);
		for (p = 1; p <= 48; p++)
			used += (size_t)snprintf(content + used, sizeof(content) - used,
			                         row == 3 && p >= 3 && p <= 5 ? "," : ",%.1f", p / 10.0);
	}
	snprintf(content + used, sizeof(content) - used, "\n");
	path = ecl_test_write_file(f->dir, "hh.csv", content);
	o.batch_id = BATCH;
	ecl_assert_ok(ecl_ingest_file(&r, f->store, path, &o));
	assert_int_equal(r->records_failed, 0);
	ecl_ingest_report_free(r);
	free(path);
	path = ecl_test_write_file(f->dir, "daily.csv", "MPAN,Date,Reading\n1200000000003,2025-11-07,12.5\n");
	o.import_type = ECL_IMPORT_DAILY;
	o.batch_id = NULL;
	ecl_assert_ok(ecl_ingest_file(&r, f->store, path, &o));
	ecl_ingest_report_free(r);
	free(path);
}

static ecl_aggregate_report *run(conf_fixture *f, ecl_range range, const char *date,
                                 const char *until)
{
	ecl_aggregate_options o = ECL_AGGREGATE_OPTIONS_INIT;
	ecl_aggregate_report *r = NULL;

	o.until = until;
	ecl_assert_ok(ecl_aggregate(&r, f->store, range, date, &o));
	assert_int_equal(r->status, ECL_RUN_COMPLETED);
	return r;
}

static void aggregation_counts_and_reruns(void **state)
{
	conf_fixture *f = *state;
	ecl_aggregate_report *r;

	import_sample(f);
	r = run(f, ECL_RANGE_DAILY, "2025-11-06", "2025-11-07");
	assert_int_equal(r->meters_processed, 3);
	assert_int_equal(r->rows_written, 5);
	assert_int_equal(r->rows_unchanged, 0);
	assert_int_equal(r->incomplete_days, 1);      /* meter 2 on the 7th: 45 of 48 */
	ecl_aggregate_report_free(r);
	r = run(f, ECL_RANGE_DAILY, "2025-11-06", "2025-11-07");
	assert_int_equal(r->rows_written, 0);
	assert_int_equal(r->rows_unchanged, 5);
	assert_int_equal(r->rows_removed, 0);
	ecl_aggregate_report_free(r);
	r = run(f, ECL_RANGE_WEEKLY, "2025-11-07", NULL);   /* week of Monday 2025-11-03 */
	assert_string_equal(r->period_start, "2025-11-03");
	assert_string_equal(r->period_end, "2025-11-09");
	assert_int_equal(r->rows_written, 3);
	ecl_aggregate_report_free(r);
	r = run(f, ECL_RANGE_ANNUAL, "2025-11-07", NULL);
	assert_int_equal(r->meters_processed, 3);
	assert_int_equal(r->rows_written, 3);
	ecl_aggregate_report_free(r);
	/* A day without data: nothing written, nothing removed. */
	r = run(f, ECL_RANGE_DAILY, "2025-11-08", NULL);
	assert_int_equal(r->meters_processed, 0);
	assert_int_equal(r->rows_written + r->rows_unchanged + r->rows_removed, 0);
	ecl_aggregate_report_free(r);
}

static void aggregation_of_chosen_meters(void **state)
{
	conf_fixture *f = *state;
	ecl_aggregate_options o = ECL_AGGREGATE_OPTIONS_INIT;
	ecl_aggregate_report *r = NULL;
	int64_t id = 0;

	import_sample(f);
	ecl_assert_ok(f->store->backend->meter_find(f->store->conn, "1200000000002", &id));
	o.meter_ids = &id;
	o.meter_count = 1;
	o.until = "2025-11-07";
	ecl_assert_ok(ecl_aggregate(&r, f->store, ECL_RANGE_DAILY, "2025-11-06", &o));
	assert_int_equal(r->meters_processed, 1);
	assert_int_equal(r->rows_written, 2);
	ecl_aggregate_report_free(r);
}

static void runs_are_listed_newest_first(void **state)
{
	conf_fixture *f = *state;
	ecl_aggregate_options o = ECL_AGGREGATE_OPTIONS_INIT;
	ecl_execution_array *list = NULL;
	ecl_aggregate_report *r = NULL;

	import_sample(f);
	ecl_aggregate_report_free(run(f, ECL_RANGE_DAILY, "2025-11-07", NULL));
	f->now += 60;
	o.trigger = "schedule";
	ecl_assert_ok(ecl_aggregate(&r, f->store, ECL_RANGE_MONTHLY, "2025-11-07", &o));
	ecl_assert_ok(ecl_execution_list(&list, f->store, 10));
	assert_int_equal(list->count, 2);
	assert_string_equal(list->executions[0].execution_id, r->execution_id);
	assert_int_equal(list->executions[0].range, ECL_RANGE_MONTHLY);
	assert_int_equal(list->executions[0].status, ECL_RUN_COMPLETED);
	assert_string_equal(list->executions[0].trigger, "schedule");
	assert_string_equal(list->executions[0].target_date, "2025-11-07");
	assert_string_equal(list->executions[0].period_start, "2025-11-01");
	assert_string_equal(list->executions[0].period_end, "2025-11-30");
	assert_int_equal(list->executions[0].started_at, f->now);
	assert_int_equal(list->executions[0].completed_at, f->now);
	assert_int_equal(list->executions[0].meters_processed, 3);
	assert_non_null(list->executions[0].telemetry_data);
	assert_int_equal(list->executions[1].range, ECL_RANGE_DAILY);
	assert_string_equal(list->executions[1].trigger, "manual");
	assert_int_equal(list->executions[1].warning_count, 1);   /* meter 2: 45 of 48 */
	ecl_execution_array_free(list);
	ecl_assert_ok(ecl_execution_list(&list, f->store, 1));
	assert_int_equal(list->count, 1);
	ecl_execution_array_free(list);
	ecl_aggregate_report_free(r);
}

static void batch_extent_names_meters_and_days(void **state)
{
	conf_fixture *f = *state;
	ecl_batch_extent e;

	import_sample(f);
	ecl_assert_ok(f->store->backend->batch_extent(f->store->conn, BATCH, &e));
	assert_int_equal(e.meter_count, 2);
	assert_true(e.meter_ids[0] < e.meter_ids[1]);
	assert_string_equal(e.first_date, "2025-11-06");
	assert_string_equal(e.last_date, "2025-11-07");
	free(e.meter_ids);
	ecl_assert_ok(f->store->backend->batch_extent(f->store->conn,
		"33333333-3333-4333-8333-333333333333", &e));
	assert_int_equal(e.meter_count, 0);
	assert_string_equal(e.first_date, "");
	free(e.meter_ids);
}

static void quality_findings_are_stable(void **state)
{
	conf_fixture *f = *state;
	ecl_quality_report *q = NULL;
	int64_t recorded;
	size_t i;

	import_sample(f);
	ecl_assert_ok(ecl_quality_check(&q, f->store, "2025-11-07", NULL));
	assert_int_equal(q->meters_checked, 3);
	assert_int_equal(q->meter_count, 3);
	assert_string_equal(q->meters[1].mpan, "1200000000002");
	assert_int_equal(q->meters[1].expected, 48);
	assert_int_equal(q->meters[1].actual, 45);
	assert_int_equal(q->meters[1].missing_count, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(q->meters[1].missing_periods[i], (int)i + 3);
	assert_string_equal(q->meters[2].source, "daily");
	assert_int_equal(q->meters[2].missing_count, 0);
	recorded = q->issues_recorded;
	assert_true(recorded >= 1);
	ecl_quality_report_free(q);
	ecl_assert_ok(ecl_quality_check(&q, f->store, "2025-11-07", NULL));
	assert_int_equal(q->issues_recorded, recorded);
	ecl_quality_report_free(q);
}

const struct CMUnitTest conf_aggregate_tests[] = {
	cmocka_unit_test_setup_teardown(aggregation_counts_and_reruns, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(aggregation_of_chosen_meters, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(runs_are_listed_newest_first, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(batch_extent_names_meters_and_days, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(quality_findings_are_stable, conf_setup, conf_teardown),
};
const size_t conf_aggregate_test_count = sizeof(conf_aggregate_tests) / sizeof(conf_aggregate_tests[0]);
