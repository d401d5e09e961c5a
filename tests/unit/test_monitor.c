/*
 * The health check on a SQLite file with an injected clock: each condition
 * and its threshold, the metrics, stuck-job recovery spending retries, and
 * the alerts it sends (observed through the host-callback channel).
 */
#include "ecl_test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/job_internal.h"

typedef struct fixture {
	ecl_test_db db;
	char *file;
	int64_t now;
	int alerts;             /* alerts delivered to the callback */
	char last_subject[256];
	char last_body[4096];
} fixture;

static void on_alert(const ecl_alert *alert, void *payload)
{
	fixture *f = payload;

	f->alerts++;
	snprintf(f->last_subject, sizeof(f->last_subject), "%s", alert->subject);
	snprintf(f->last_body, sizeof(f->last_body), "%s", alert->body);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;
	ecl_alert_options a = ECL_ALERT_OPTIONS_INIT;

	f->now = 1767225600;  /* 2026-01-01 00:00 UTC */
	o.log_level = ECL_LOG_NONE;
	a.log_channel = 0;
	a.callback = on_alert;
	a.callback_payload = f;
	*state = f;
	if (ecl_test_db_open(&f->db, "monitor", &f->now, &o) != 0
	    || ecl_store_set_alerting(f->db.store, &a) != 0)
		return -1;
	f->file = ecl_test_write_file(f->db.dir, "a.csv", "MPAN,Date,Reading\n");
	return f->file ? 0 : -1;
}

static int teardown(void **state)
{
	fixture *f = *state;

	ecl_test_db_close(&f->db);
	free(f->file);
	free(f);
	return 0;
}

static void enqueue(fixture *f, char id[ECL_BATCH_ID_SIZE], int max_retries)
{
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;

	o.file_path = f->file;
	o.max_retries = max_retries;
	ecl_assert_ok(ecl_job_create(id, f->db.store, &o));
}

static void claim(fixture *f, char id[ECL_BATCH_ID_SIZE], const char *worker)
{
	ecl_job *job = NULL;

	ecl_assert_ok(ecl_job_claim(&job, f->db.store, worker));
	assert_non_null(job);
	memcpy(id, job->batch_id, ECL_BATCH_ID_SIZE);
	ecl_job_free(job);
}

/* A job run to completion over `seconds`, with its row counts. */
static void complete_one(fixture *f, int64_t seconds, int64_t imported, int64_t failed)
{
	ecl_job_counts c = ECL_JOB_COUNTS_INIT;
	char id[ECL_BATCH_ID_SIZE];

	enqueue(f, id, 3);
	claim(f, id, "w");
	f->now += seconds;
	c.processed_rows = imported + failed;
	c.imported_rows = imported;
	c.failed_rows = failed;
	ecl_assert_ok(ecl_job_complete(f->db.store, id, "w", &c, NULL));
}

static void fail_one(fixture *f)
{
	char id[ECL_BATCH_ID_SIZE];
	ecl_job_status status;

	enqueue(f, id, 3);
	claim(f, id, "w");
	ecl_assert_ok(ecl_job_fail(&status, f->db.store, id, "w", ECL_FAILURE_PERMANENT, "bad file"));
	assert_int_equal(status, ECL_JOB_FAILED);
}

static ecl_health_report *check(fixture *f, const ecl_health_options *o)
{
	ecl_health_report *r = NULL;

	ecl_assert_ok(ecl_health_check(&r, f->db.store, o));
	assert_non_null(r);
	return r;
}

static void empty_queue_is_healthy(void **state)
{
	fixture *f = *state;
	ecl_health_report *r = check(f, NULL);

	assert_int_equal(r->status, ECL_HEALTH_HEALTHY);
	assert_int_equal(r->alert_count, 0);
	assert_int_equal(r->stuck_count, 0);
	assert_int_equal(r->metrics.jobs_completed, 0);
	assert_float_equal(r->metrics.success_rate, 100.0, 1e-9);
	assert_int_equal(r->checked_at, f->now);
	ecl_health_report_free(r);
}

static void metrics_describe_the_window(void **state)
{
	fixture *f = *state;
	ecl_health_report *r;

	complete_one(f, 10, 100, 0);
	complete_one(f, 30, 50, 50);
	fail_one(f);
	r = check(f, NULL);
	assert_int_equal(r->metrics.jobs_completed, 2);
	assert_float_equal(r->metrics.min_duration_seconds, 10, 1e-9);
	assert_float_equal(r->metrics.max_duration_seconds, 30, 1e-9);
	assert_float_equal(r->metrics.avg_duration_seconds, 20, 1e-9);
	assert_int_equal(r->metrics.total_rows_imported, 150);
	assert_float_equal(r->metrics.avg_rows_per_job, 75, 1e-9);
	assert_float_equal(r->metrics.row_failure_ratio, 0.25, 1e-9);
	assert_int_equal(r->metrics.jobs_failed, 1);
	assert_float_equal(r->metrics.failure_rate, 33.3, 1e-9);
	assert_float_equal(r->metrics.success_rate, 66.7, 1e-9);
	assert_int_equal(r->status, ECL_HEALTH_DEGRADED);  /* 33.3 % > 25 % */
	ecl_health_report_free(r);
	f->now += 25 * 3600;             /* the three above fall out of the window */
	complete_one(f, 20, 40, 10);
	r = check(f, NULL);
	assert_int_equal(r->metrics.jobs_completed, 1);
	assert_float_equal(r->metrics.avg_duration_seconds, 20, 1e-9);
	assert_int_equal(r->metrics.total_rows_imported, 40);
	assert_int_equal(r->metrics.rows_processed, 50);
	assert_float_equal(r->metrics.row_failure_ratio, 0.2, 1e-9);
	assert_int_equal(r->metrics.jobs_failed, 0);
	assert_int_equal(r->status, ECL_HEALTH_HEALTHY);
	ecl_health_report_free(r);
}

static void failure_rate_thresholds(void **state)
{
	fixture *f = *state;
	ecl_health_options o = ECL_HEALTH_OPTIONS_INIT;
	ecl_health_report *r;

	complete_one(f, 1, 1, 0);
	complete_one(f, 1, 1, 0);
	complete_one(f, 1, 1, 0);
	fail_one(f);                     /* 25 %: not above the warning threshold */
	r = check(f, NULL);
	assert_int_equal(r->status, ECL_HEALTH_HEALTHY);
	ecl_health_report_free(r);
	fail_one(f);                     /* 40 % */
	r = check(f, NULL);
	assert_int_equal(r->status, ECL_HEALTH_DEGRADED);
	assert_string_equal(r->alerts[0].type, "elevated_failure_rate");
	assert_string_equal(r->alerts[0].message, "Elevated failure rate: 40.0% in last 24h");
	ecl_health_report_free(r);
	fail_one(f);
	fail_one(f);                     /* 4 of 7 = 57.1 % */
	r = check(f, NULL);
	assert_int_equal(r->status, ECL_HEALTH_CRITICAL);
	assert_string_equal(r->alerts[0].type, "high_failure_rate");
	assert_string_equal(r->alerts[0].severity, "critical");
	ecl_health_report_free(r);
	o.failure_rate_critical = 60;    /* configurable */
	r = check(f, &o);
	assert_int_equal(r->status, ECL_HEALTH_DEGRADED);
	ecl_health_report_free(r);
}

static void backlog_counts_due_jobs_only(void **state)
{
	fixture *f = *state;
	ecl_health_options o = ECL_HEALTH_OPTIONS_INIT;
	ecl_health_report *r;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job_status status;
	int i;

	o.backlog_threshold = 3;
	for (i = 0; i < 3; i++)
		enqueue(f, id, 3);
	r = check(f, &o);
	assert_int_equal(r->metrics.queue_depth, 3);
	assert_int_equal(r->status, ECL_HEALTH_HEALTHY);
	ecl_health_report_free(r);
	/* A job waiting for its retry is queued but not due. */
	enqueue(f, id, 3);
	claim(f, id, "w");
	ecl_assert_ok(ecl_job_fail(&status, f->db.store, id, "w", ECL_FAILURE_TRANSIENT, "db busy"));
	assert_int_equal(status, ECL_JOB_QUEUED);
	r = check(f, &o);
	assert_int_equal(r->metrics.queue_depth, 3);
	assert_int_equal(r->metrics.queued_count, 4);
	assert_int_equal(r->metrics.waiting_retry_count, 1);
	assert_int_equal(r->status, ECL_HEALTH_HEALTHY);
	ecl_health_report_free(r);
	enqueue(f, id, 3);
	r = check(f, &o);
	assert_int_equal(r->status, ECL_HEALTH_DEGRADED);
	assert_string_equal(r->alerts[0].type, "queue_backlog");
	assert_string_equal(r->alerts[0].message, "Queue backlog: 4 jobs waiting");
	ecl_health_report_free(r);
}

static void stuck_means_no_heartbeat(void **state)
{
	fixture *f = *state;
	ecl_health_report *r;
	char dead[ECL_BATCH_ID_SIZE], live[ECL_BATCH_ID_SIZE];

	enqueue(f, dead, 3);
	claim(f, dead, "dead-worker");
	enqueue(f, live, 3);
	claim(f, live, "live-worker");
	f->now += 3 * 3600;              /* a long import... */
	ecl_assert_ok(ecl_job_heartbeat(f->db.store, live, "live-worker"));   /* ...that still beats */
	f->now += 59 * 60;
	r = check(f, NULL);
	assert_int_equal(r->stuck_count, 1);
	assert_string_equal(r->stuck[0].job->batch_id, dead);
	assert_int_equal(r->stuck[0].minutes_stuck, 239);
	assert_int_equal(r->status, ECL_HEALTH_DEGRADED);
	assert_string_equal(r->alerts[0].message, "1 job(s) stuck in processing state");
	ecl_health_report_free(r);
	f->now += 2 * 60;                /* now the live one's heartbeat is 61 minutes old too */
	r = check(f, NULL);
	assert_int_equal(r->stuck_count, 2);
	ecl_health_report_free(r);
}

static void handling_stuck_spends_retries(void **state)
{
	fixture *f = *state;
	ecl_health_options o = ECL_HEALTH_OPTIONS_INIT;
	ecl_health_report *r;
	ecl_job *job = NULL;
	char a[ECL_BATCH_ID_SIZE], b[ECL_BATCH_ID_SIZE];

	enqueue(f, a, 2);
	claim(f, a, "w1");
	enqueue(f, b, 0);                /* no retry to spend */
	claim(f, b, "w2");
	f->now += 2 * 3600;
	o.handle_stuck = 1;
	r = check(f, &o);
	assert_int_equal(r->requeued, 1);
	assert_int_equal(r->failed, 1);
	/* The report shows the jobs as they were found. */
	assert_int_equal(r->stuck[0].job->status, ECL_JOB_PROCESSING);
	assert_string_equal(r->stuck[0].action, "requeued");
	assert_string_equal(r->stuck[1].action, "failed");
	ecl_health_report_free(r);
	ecl_assert_ok(ecl_job_get(&job, f->db.store, a));
	assert_int_equal(job->status, ECL_JOB_QUEUED);
	assert_int_equal(job->retry_count, 1);
	assert_null(job->worker_id);
	assert_true(job->retry_at > f->now);
	assert_non_null(strstr(job->error_message, "no heartbeat for over 60 minutes"));
	ecl_job_free(job);
	ecl_assert_ok(ecl_job_get(&job, f->db.store, b));
	assert_int_equal(job->status, ECL_JOB_FAILED);
	assert_int_equal(job->completed_at, f->now);
	ecl_job_free(job);
	/* The old holder can no longer touch either job. */
	ecl_assert_fails(ECL_ESTATE, ecl_job_heartbeat(f->db.store, a, "w1"));
	ecl_assert_fails(ECL_ESTATE, ecl_job_complete(f->db.store, b, "w2", NULL, NULL));
	r = check(f, &o);
	assert_int_equal(r->stuck_count, 0);
	ecl_health_report_free(r);
}

static void a_job_that_beat_meanwhile_is_left_alone(void **state)
{
	fixture *f = *state;
	ecl_job_status status = ECL_JOB_PROCESSING;
	ecl_job *job = NULL;
	char id[ECL_BATCH_ID_SIZE];
	int64_t cutoff;

	enqueue(f, id, 3);
	claim(f, id, "w");
	f->now += 2 * 3600;
	ecl_assert_ok(ecl_job_get(&job, f->db.store, id));   /* listed as stuck... */
	cutoff = f->now - 3600;
	ecl_assert_ok(ecl_job_heartbeat(f->db.store, id, "w"));  /* ...then it beats */
	ecl_assert_fails(ECL_ESTATE, ecl__job_recover_stuck(&status, f->db.store, job, cutoff, "stuck"));
	ecl_job_free(job);
	ecl_assert_ok(ecl_job_get(&job, f->db.store, id));
	assert_int_equal(job->status, ECL_JOB_PROCESSING);
	assert_string_equal(job->worker_id, "w");
	ecl_job_free(job);
}

static void alerts_go_out_once_and_cool_down(void **state)
{
	fixture *f = *state;
	ecl_health_options o = ECL_HEALTH_OPTIONS_INIT;
	ecl_health_report *r;
	char a[ECL_BATCH_ID_SIZE], b[ECL_BATCH_ID_SIZE];

	enqueue(f, a, 0);
	claim(f, a, "w");
	enqueue(f, b, 3);
	claim(f, b, "w");
	f->now += 2 * 3600;
	o.handle_stuck = 1;
	o.send_alerts = 1;
	f->alerts = 0;
	r = check(f, &o);
	/* The stuck alert lists both jobs as found; then the job failed for good gets its own. */
	assert_int_equal(r->alerts_sent, 1);
	assert_int_equal(r->job_alerts_sent, 1);
	assert_int_equal(f->alerts, 2);
	assert_string_equal(f->last_subject, "Import Job Failed: a.csv");
	assert_non_null(strstr(f->last_body, "Import job has failed after 0 retries."));
	assert_non_null(strstr(f->last_body, a));
	ecl_health_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM alerts WHERE "
		"alert_type = 'stuck_jobs' AND subject = 'Import Jobs Stuck in Processing (2 jobs)'"), 1);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT alert_sent FROM import_jobs "
		"WHERE max_retries = 0"), 1);

	/* Within the cooldown (an hour from that send) a new stuck job's alert is
	 * held back and recorded as suppressed; after it, it goes out. */
	o.handle_stuck = 0;
	o.stuck_minutes = 30;
	enqueue(f, a, 3);
	claim(f, a, "w3");
	f->now += 45 * 60;
	r = check(f, &o);
	assert_int_equal(r->stuck_count, 1);
	/* (the one failed job of the window also raises a failure-rate alert, another key) */
	assert_int_equal(r->alerts_suppressed, 1);
	ecl_health_report_free(r);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM alerts WHERE "
		"alert_type = 'stuck_jobs' AND suppressed = 0"), 1);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM alerts WHERE "
		"alert_type = 'stuck_jobs' AND suppressed = 1"), 1);
	f->now += 16 * 60;
	f->alerts = 0;
	r = check(f, &o);
	assert_int_equal(r->alerts_sent, 1);       /* stuck again; the rate alert is cooling down */
	assert_int_equal(r->alerts_suppressed, 1);
	assert_int_equal(r->job_alerts_sent, 0);   /* the failed job was alerted already */
	ecl_health_report_free(r);
	assert_int_equal(f->alerts, 1);
	assert_string_equal(f->last_subject, "Import Jobs Stuck in Processing (1 jobs)");
}

static void report_as_json(void **state)
{
	fixture *f = *state;
	ecl_health_report *r;
	ecl_buf b = ECL_BUF_INIT;
	json_t *root;
	char id[ECL_BATCH_ID_SIZE];

	enqueue(f, id, 3);
	claim(f, id, "w");
	f->now += 7200;
	r = check(f, NULL);
	ecl_assert_ok(ecl_health_report_to_json(&b, r));
	root = json_loads(b.ptr, 0, NULL);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "status")), "degraded");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "metrics"),
		"processing_count")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(root, "alerts"), 0), "type")), "stuck_jobs");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
		json_object_get(root, "stuck_jobs"), 0), "minutes_stuck")), 120);
	json_decref(root);
	ecl_buf_dispose(&b);
	ecl_health_report_free(r);
}

static void bad_options_are_refused(void **state)
{
	fixture *f = *state;
	ecl_health_options o = ECL_HEALTH_OPTIONS_INIT;
	ecl_health_report *r = NULL;

	ecl_assert_fails(ECL_EINVALID, ecl_health_check(NULL, f->db.store, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_health_check(&r, NULL, NULL));
	o.stuck_minutes = 0;
	ecl_assert_fails(ECL_EINVALID, ecl_health_check(&r, f->db.store, &o));
	o.stuck_minutes = 60;
	o.failure_rate_warning = 70;
	ecl_assert_fails(ECL_EINVALID, ecl_health_check(&r, f->db.store, &o));
	ecl_assert_error_contains("warning (70)");
	o.failure_rate_warning = 25;
	o.backlog_threshold = -1;
	ecl_assert_fails(ECL_EINVALID, ecl_health_check(&r, f->db.store, &o));
	o.backlog_threshold = 100;
	o.version = 9;
	ecl_assert_fails(ECL_EINVALID, ecl_health_check(&r, f->db.store, &o));
	ecl_assert_fails(ECL_EINVALID, ecl_health_options_init(&o, 9));
	ecl_assert_fails(ECL_EINVALID, ecl_health_report_to_json(NULL, NULL));
	assert_null(r);
	assert_string_equal(ecl_health_status_name(ECL_HEALTH_CRITICAL), "critical");
	assert_null(ecl_health_status_name((ecl_health_status)7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(empty_queue_is_healthy, setup, teardown),
		cmocka_unit_test_setup_teardown(metrics_describe_the_window, setup, teardown),
		cmocka_unit_test_setup_teardown(failure_rate_thresholds, setup, teardown),
		cmocka_unit_test_setup_teardown(backlog_counts_due_jobs_only, setup, teardown),
		cmocka_unit_test_setup_teardown(stuck_means_no_heartbeat, setup, teardown),
		cmocka_unit_test_setup_teardown(handling_stuck_spends_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(a_job_that_beat_meanwhile_is_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(alerts_go_out_once_and_cool_down, setup, teardown),
		cmocka_unit_test_setup_teardown(report_as_json, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_options_are_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
