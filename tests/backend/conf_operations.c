/*
 * Conformance: the operations members of the backend interface (version 4)
 * through the public API: health figures, stuck jobs and their recovery,
 * alerts with their cooldown and once-per-job claim, and the retention of
 * finished jobs.
 */
#include "conformance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

static int delivered;

static void count_alert(const ecl_alert *alert, void *payload)
{
	(void)alert;
	(void)payload;
	delivered++;
}

static void with_callback(conf_fixture *f)
{
	ecl_alert_options a = ECL_ALERT_OPTIONS_INIT;

	a.log_channel = 0;
	a.callback = count_alert;
	ecl_assert_ok(ecl_store_set_alerting(f->store, &a));
	delivered = 0;
}

static void finish(conf_fixture *f, int fail)
{
	char id[ECL_BATCH_ID_SIZE];
	ecl_job_status status;

	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_claim(f, "w", id);
	f->now += 10;
	if (fail)
		ecl_assert_ok(ecl_job_fail(&status, f->store, id, "w", ECL_FAILURE_PERMANENT, "bad"));
	else
		ecl_assert_ok(ecl_job_complete(f->store, id, "w", NULL, NULL));
}

static void health_figures(void **state)
{
	conf_fixture *f = *state;
	ecl_health_report *r = NULL;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job_status status;

	finish(f, 0);
	finish(f, 0);
	finish(f, 1);
	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);          /* due */
	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_claim(f, "w", id);                            /* processing */
	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_claim(f, "w2", id);
	ecl_assert_ok(ecl_job_fail(&status, f->store, id, "w2", ECL_FAILURE_TRANSIENT, "busy"));
	ecl_assert_ok(ecl_health_check(&r, f->store, NULL));
	assert_int_equal(r->metrics.jobs_completed, 2);
	assert_int_equal(r->metrics.jobs_failed, 1);
	assert_float_equal(r->metrics.avg_duration_seconds, 10, 1e-9);
	assert_int_equal(r->metrics.queue_depth, 1);
	assert_int_equal(r->metrics.queued_count, 2);
	assert_int_equal(r->metrics.waiting_retry_count, 1);
	assert_int_equal(r->metrics.processing_count, 1);
	assert_float_equal(r->metrics.failure_rate, 33.3, 1e-9);
	assert_int_equal(r->status, ECL_HEALTH_DEGRADED);
	ecl_health_report_free(r);
}

static void stuck_jobs_are_recovered(void **state)
{
	conf_fixture *f = *state;
	ecl_health_options o = ECL_HEALTH_OPTIONS_INIT;
	ecl_health_report *r = NULL;
	char dead[ECL_BATCH_ID_SIZE], live[ECL_BATCH_ID_SIZE];

	conf_enqueue(f, dead, ECL_PRIORITY_NORMAL);
	conf_claim(f, "dead", dead);
	conf_enqueue(f, live, ECL_PRIORITY_NORMAL);
	conf_claim(f, "live", live);
	f->now += 2 * 3600;
	ecl_assert_ok(ecl_job_heartbeat(f->store, live, "live"));
	o.handle_stuck = 1;
	ecl_assert_ok(ecl_health_check(&r, f->store, &o));
	assert_int_equal(r->stuck_count, 1);
	assert_string_equal(r->stuck[0].job->batch_id, dead);
	assert_int_equal(r->requeued, 1);
	ecl_health_report_free(r);
	assert_int_equal(conf_status(f, dead), ECL_JOB_QUEUED);
	assert_int_equal(conf_status(f, live), ECL_JOB_PROCESSING);
}

static void alerts_cool_down_and_go_out_once(void **state)
{
	conf_fixture *f = *state;
	ecl_alert alert = { "queue_backlog", ECL_ALERT_WARNING, "Backlog", "body", "queue_backlog" };
	ecl_health_options o = ECL_HEALTH_OPTIONS_INIT;
	ecl_health_report *r = NULL;
	ecl_alert_result result;

	with_callback(f);
	ecl_assert_ok(ecl_alert_send(&result, f->store, &alert));
	f->now += 60;
	ecl_assert_ok(ecl_alert_send(&result, f->store, &alert));
	assert_int_equal(result.suppressed, 1);
	f->now += 3600;
	ecl_assert_ok(ecl_alert_send(&result, f->store, &alert));
	assert_int_equal(result.suppressed, 0);
	assert_int_equal(delivered, 2);

	finish(f, 1);             /* the worker did not alert: pending */
	finish(f, 1);
	o.send_alerts = 1;
	o.failure_rate_critical = 100;
	o.failure_rate_warning = 100;
	delivered = 0;
	ecl_assert_ok(ecl_health_check(&r, f->store, &o));
	assert_int_equal(r->job_alerts_sent, 2);
	ecl_health_report_free(r);
	assert_int_equal(delivered, 1);     /* one batch message for both */
	ecl_assert_ok(ecl_health_check(&r, f->store, &o));
	assert_int_equal(r->job_alerts_sent, 0);
	ecl_health_report_free(r);
	assert_int_equal(delivered, 1);
}

static void old_finished_jobs_are_removed(void **state)
{
	conf_fixture *f = *state;
	ecl_cleanup_options o = ECL_CLEANUP_OPTIONS_INIT;
	ecl_cleanup_report *r = NULL;
	char queued[ECL_BATCH_ID_SIZE];

	conf_enqueue(f, queued, ECL_PRIORITY_LOW);   /* never claimed below: low priority */
	finish(f, 0);
	finish(f, 1);
	f->now += 31 * 86400;
	finish(f, 0);                       /* recent: kept */
	o.dry_run = 1;
	ecl_assert_ok(ecl_cleanup(&r, f->store, &o));
	assert_int_equal(r->job_count, 2);
	ecl_cleanup_report_free(r);
	o.dry_run = 0;
	o.batch_size = 1;
	ecl_assert_ok(ecl_cleanup(&r, f->store, &o));
	assert_int_equal(r->jobs_deleted, 2);
	assert_int_equal(r->completed_deleted, 1);
	assert_int_equal(r->failed_deleted, 1);
	ecl_cleanup_report_free(r);
	assert_int_equal(conf_status(f, queued), ECL_JOB_QUEUED);
	ecl_assert_ok(ecl_cleanup(&r, f->store, &o));
	assert_int_equal(r->jobs_deleted, 0);
	ecl_cleanup_report_free(r);
}

static int referenced(conf_fixture *f, int64_t expired_before)
{
	int yes = -1;

	ecl_assert_ok(f->store->backend->file_referenced(f->store->conn, f->file, expired_before, &yes));
	return yes;
}

static void files_referenced_by_remaining_jobs(void **state)
{
	conf_fixture *f = *state;
	char queued[ECL_BATCH_ID_SIZE];
	int64_t finished;

	assert_int_equal(referenced(f, ECL_TIME_NONE), 0);
	finish(f, 0);
	finished = f->now;
	assert_int_equal(referenced(f, ECL_TIME_NONE), 1);
	assert_int_equal(referenced(f, finished), 1);       /* not expired before its own instant */
	assert_int_equal(referenced(f, finished + 1), 0);   /* only an expired job refers to it */
	conf_enqueue(f, queued, ECL_PRIORITY_LOW);
	assert_int_equal(referenced(f, finished + 1), 1);   /* a remaining job does too */
}

const struct CMUnitTest conf_operations_tests[] = {
	cmocka_unit_test_setup_teardown(files_referenced_by_remaining_jobs, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(health_figures, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(stuck_jobs_are_recovered, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(alerts_cool_down_and_go_out_once, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(old_finished_jobs_are_removed, conf_setup, conf_teardown),
};
const size_t conf_operations_test_count =
	sizeof(conf_operations_tests) / sizeof(conf_operations_tests[0]);
