/* Conformance: worker and operator transitions, the retry policy, refusals. */
#include "conformance.h"

#include <string.h>

static ecl_job *get_job(conf_fixture *f, const char *id)
{
	ecl_job *job = NULL;

	ecl_assert_ok(ecl_job_get(&job, f->store, id));
	return job;
}

/* Claim `id` (which must be the only runnable job) and fail it transiently. */
static ecl_job_status claim_and_fail(conf_fixture *f, const char *id, const char *message)
{
	char got[ECL_BATCH_ID_SIZE];
	ecl_job_status status = ECL_JOB_PROCESSING;

	conf_claim(f, "w", got);
	assert_string_equal(got, id);
	ecl_assert_ok(ecl_job_fail(&status, f->store, id, "w", ECL_FAILURE_TRANSIENT, message));
	return status;
}

static void progress_heartbeat_and_complete(void **state)
{
	conf_fixture *f = *state;
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job *job;

	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_claim(f, "w1", NULL);
	f->now += 5;
	ecl_assert_ok(ecl_job_heartbeat(f->store, id, "w1"));
	job = get_job(f, id);
	assert_int_equal(job->heartbeat_at, f->now);
	ecl_job_free(job);

	f->now += 5;
	counts.total_rows = 1000;
	counts.processed_rows = 500;
	counts.imported_rows = 490;
	counts.failed_rows = 10;
	counts.checkpoint = 500;
	ecl_assert_ok(ecl_job_update_progress(f->store, id, "w1", &counts));
	job = get_job(f, id);
	assert_int_equal(job->total_rows, 1000);
	assert_int_equal(job->processed_rows, 500);
	assert_int_equal(job->imported_rows, 490);
	assert_int_equal(job->failed_rows, 10);
	assert_int_equal(job->checkpoint, 500);
	assert_int_equal(job->heartbeat_at, f->now);
	ecl_job_free(job);

	/* Unknown total (-1) leaves the stored total alone. */
	counts.total_rows = -1;
	counts.processed_rows = 600;
	ecl_assert_ok(ecl_job_update_progress(f->store, id, "w1", &counts));
	job = get_job(f, id);
	assert_int_equal(job->total_rows, 1000);
	assert_int_equal(job->processed_rows, 600);
	ecl_job_free(job);

	counts.processed_rows = -1;
	ecl_assert_fails(ECL_EINVALID, ecl_job_update_progress(f->store, id, "w1", &counts));
	ecl_assert_fails(ECL_EINVALID, ecl_job_update_progress(f->store, id, "w1", NULL));

	f->now += 5;
	counts.total_rows = 1000;
	counts.processed_rows = 1000;
	counts.imported_rows = 990;
	counts.checkpoint = 1000;
	ecl_assert_fails(ECL_EINVALID, ecl_job_complete(f->store, id, "w1", &counts, "[1,2]"));
	ecl_assert_fails(ECL_EINVALID, ecl_job_complete(f->store, id, "w1", &counts, "{broken"));
	ecl_assert_ok(ecl_job_complete(f->store, id, "w1", &counts,
		"{\"records_processed\": 1000, \"successful\": true}"));
	job = get_job(f, id);
	assert_int_equal(job->status, ECL_JOB_COMPLETED);
	assert_int_equal(job->completed_at, f->now);
	assert_int_equal(job->processed_rows, 1000);
	assert_int_equal(job->imported_rows, 990);
	assert_non_null(strstr(job->summary, "\"successful\""));
	ecl_job_free(job);
}

static void another_workers_job_is_refused(void **state)
{
	conf_fixture *f = *state;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;

	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_claim(f, "owner", NULL);
	ecl_assert_fails(ECL_ESTATE, ecl_job_heartbeat(f->store, id, "intruder"));
	ecl_assert_error_contains("held by worker \"owner\"");
	ecl_assert_fails(ECL_ESTATE, ecl_job_update_progress(f->store, id, "intruder", &counts));
	ecl_assert_fails(ECL_ESTATE, ecl_job_complete(f->store, id, "intruder", NULL, NULL));
	ecl_assert_fails(ECL_ESTATE, ecl_job_fail(NULL, f->store, id, "intruder",
		ECL_FAILURE_PERMANENT, "x"));
	ecl_assert_fails(ECL_ESTATE, ecl_job_release(f->store, id, "intruder"));
	assert_int_equal(conf_status(f, id), ECL_JOB_PROCESSING);
	/* NULL skips the ownership check (administrative tools). */
	ecl_assert_ok(ecl_job_heartbeat(f->store, id, NULL));
}

static void refused_transitions_name_the_status(void **state)
{
	conf_fixture *f = *state;
	char queued[ECL_BATCH_ID_SIZE], done[ECL_BATCH_ID_SIZE], cancelled[ECL_BATCH_ID_SIZE];
	char failed[ECL_BATCH_ID_SIZE];
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;

	conf_enqueue(f, done, ECL_PRIORITY_HIGH);
	conf_claim(f, "w", NULL);
	ecl_assert_ok(ecl_job_complete(f->store, done, "w", NULL, NULL));
	conf_enqueue(f, failed, ECL_PRIORITY_HIGH);
	conf_claim(f, "w", NULL);
	ecl_assert_ok(ecl_job_fail(NULL, f->store, failed, "w", ECL_FAILURE_PERMANENT, "bad header"));
	conf_enqueue(f, cancelled, ECL_PRIORITY_NORMAL);
	ecl_assert_ok(ecl_job_cancel(f->store, cancelled));
	conf_enqueue(f, queued, ECL_PRIORITY_NORMAL);

#define REFUSED(expr, found) do { \
		ecl_assert_fails(ECL_ESTATE, expr); \
		ecl_assert_error_contains("its status is " found); \
	} while (0)
	/* Worker transitions need processing. */
	REFUSED(ecl_job_heartbeat(f->store, queued, "w"), "queued");
	REFUSED(ecl_job_update_progress(f->store, queued, "w", &counts), "queued");
	REFUSED(ecl_job_complete(f->store, queued, "w", NULL, NULL), "queued");
	REFUSED(ecl_job_fail(NULL, f->store, queued, "w", ECL_FAILURE_TRANSIENT, "x"), "queued");
	REFUSED(ecl_job_release(f->store, queued, "w"), "queued");
	REFUSED(ecl_job_complete(f->store, done, "w", NULL, NULL), "completed");
	REFUSED(ecl_job_fail(NULL, f->store, done, "w", ECL_FAILURE_TRANSIENT, "x"), "completed");
	REFUSED(ecl_job_heartbeat(f->store, cancelled, "w"), "cancelled");
	REFUSED(ecl_job_complete(f->store, cancelled, "w", NULL, NULL), "cancelled");
	REFUSED(ecl_job_complete(f->store, failed, "w", NULL, NULL), "failed");
	/* Retry needs failed. */
	REFUSED(ecl_job_retry(f->store, queued, 0), "queued");
	REFUSED(ecl_job_retry(f->store, done, 0), "completed");
	REFUSED(ecl_job_retry(f->store, cancelled, 0), "cancelled");
	/* Cancel needs queued or processing. */
	REFUSED(ecl_job_cancel(f->store, done), "completed");
	REFUSED(ecl_job_cancel(f->store, cancelled), "cancelled");
	REFUSED(ecl_job_cancel(f->store, failed), "failed");
#undef REFUSED

	assert_int_equal(conf_status(f, queued), ECL_JOB_QUEUED);
	assert_int_equal(conf_status(f, done), ECL_JOB_COMPLETED);
	assert_int_equal(conf_status(f, cancelled), ECL_JOB_CANCELLED);
	assert_int_equal(conf_status(f, failed), ECL_JOB_FAILED);
}

static void unknown_jobs_are_not_found(void **state)
{
	conf_fixture *f = *state;
	const char *ghost = "11111111-1111-4111-8111-111111111111";
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;

	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_cancel(f->store, ghost));
	ecl_assert_error_contains(ghost);
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_retry(f->store, ghost, 0));
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_heartbeat(f->store, ghost, "w"));
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_update_progress(f->store, ghost, "w", &counts));
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_complete(f->store, ghost, "w", NULL, NULL));
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_fail(NULL, f->store, ghost, "w", ECL_FAILURE_TRANSIENT, "x"));
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_release(f->store, ghost, "w"));
}

static void bad_transition_arguments(void **state)
{
	conf_fixture *f = *state;
	char id[ECL_BATCH_ID_SIZE];
	char long_worker[ECL_WORKER_ID_MAX + 2];

	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_claim(f, "w", NULL);
	memset(long_worker, 'x', sizeof(long_worker) - 1);
	long_worker[sizeof(long_worker) - 1] = '\0';
	ecl_assert_fails(ECL_EINVALID, ecl_job_heartbeat(f->store, id, long_worker));
	ecl_assert_fails(ECL_EINVALID, ecl_job_heartbeat(f->store, id, ""));
	ecl_assert_fails(ECL_EINVALID, ecl_job_heartbeat(f->store, NULL, "w"));
	ecl_assert_fails(ECL_EINVALID, ecl_job_heartbeat(NULL, id, "w"));
	ecl_assert_fails(ECL_EINVALID, ecl_job_fail(NULL, f->store, id, "w", ECL_FAILURE_TRANSIENT, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_job_fail(NULL, f->store, id, "w", ECL_FAILURE_TRANSIENT, ""));
	ecl_assert_fails(ECL_EINVALID, ecl_job_fail(NULL, f->store, id, "w", (ecl_failure)9, "x"));
	ecl_assert_fails(ECL_EINVALID, ecl_job_retry(f->store, id, -1));
	ecl_assert_fails(ECL_EINVALID, ecl_job_cancel(f->store, "0123456789012345678901234567890123456789"));
	assert_int_equal(conf_status(f, id), ECL_JOB_PROCESSING);
}

static void transient_failures_back_off_60_120_240_then_fail(void **state)
{
	conf_fixture *f = *state;
	static const int64_t expected_delays[] = { 60, 120, 240 };
	char id[ECL_BATCH_ID_SIZE];
	ecl_job *job, *none = NULL;
	int n;

	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	for (n = 0; n < 3; n++) {
		assert_int_equal(claim_and_fail(f, id, "database gone away"), ECL_JOB_QUEUED);
		job = get_job(f, id);
		assert_int_equal(job->status, ECL_JOB_QUEUED);
		assert_int_equal(job->retry_count, n + 1);
		assert_int_equal(job->retry_at, f->now + expected_delays[n]);
		assert_int_equal(job->started_at, ECL_TIME_NONE);
		assert_null(job->worker_id);
		assert_string_equal(job->error_message, "database gone away");
		assert_string_equal(job->last_error, "database gone away");
		assert_string_equal(job->error_class, "transient");
		ecl_job_free(job);

		/* Not runnable a second before retry_at; runnable at it. */
		f->now += expected_delays[n] - 1;
		ecl_assert_ok(ecl_job_claim(&none, f->store, "w"));
		assert_null(none);
		f->now += 1;
	}
	/* max_retries = 3 counts retries: the 4th attempt's failure is final. */
	assert_int_equal(claim_and_fail(f, id, "still gone"), ECL_JOB_FAILED);
	job = get_job(f, id);
	assert_int_equal(job->status, ECL_JOB_FAILED);
	assert_int_equal(job->retry_count, 3);
	assert_int_equal(job->completed_at, f->now);
	assert_string_equal(job->last_error, "still gone");
	ecl_job_free(job);
	f->now += 100000;
	ecl_assert_ok(ecl_job_claim(&none, f->store, "w"));
	assert_null(none);
}

static void backoff_is_capped(void **state)
{
	conf_fixture *f = *state;
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	char id[ECL_BATCH_ID_SIZE];
	int64_t expected = 60;
	ecl_job *job;
	int n;

	o.file_path = f->file;
	o.max_retries = 8;
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
	for (n = 0; n < 8; n++) {
		assert_int_equal(claim_and_fail(f, id, "busy"), ECL_JOB_QUEUED);
		job = get_job(f, id);
		assert_int_equal(job->retry_at - f->now, expected);
		assert_int_equal(ecl_job_retry_delay(f->store, n), expected);
		ecl_job_free(job);
		f->now += expected;
		expected = expected * 2 > 3600 ? 3600 : expected * 2;
	}
	assert_int_equal(ecl_job_retry_delay(f->store, 6), 3600);
	assert_int_equal(ecl_job_retry_delay(f->store, 1000), 3600);
}

static void retry_policy_is_configurable(void **state)
{
	conf_fixture *f = *state;
	static const int64_t expected_delays[] = { 10, 20, 25, 25 };
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job *job;
	int n;

	/* A second store on its own database with base 10 s, cap 25 s. */
	ecl_store_free(f->store);
	ecl_assert_ok(conf_open(f, 10, 25));
	ecl_assert_ok(ecl_store_migrate(f->store));
	o.file_path = f->file;
	o.max_retries = 4;
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
	for (n = 0; n < 4; n++) {
		assert_int_equal(claim_and_fail(f, id, "busy"), ECL_JOB_QUEUED);
		job = get_job(f, id);
		assert_int_equal(job->retry_at - f->now, expected_delays[n]);
		ecl_job_free(job);
		f->now += expected_delays[n];
	}
	assert_int_equal(claim_and_fail(f, id, "busy"), ECL_JOB_FAILED);
}

static void zero_retries_fail_at_once(void **state)
{
	conf_fixture *f = *state;
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	char id[ECL_BATCH_ID_SIZE];

	o.file_path = f->file;
	o.max_retries = 0;
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
	assert_int_equal(claim_and_fail(f, id, "busy"), ECL_JOB_FAILED);
}

static void permanent_failure_spends_no_retry(void **state)
{
	conf_fixture *f = *state;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job_status status = ECL_JOB_QUEUED;
	ecl_job *job;

	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_claim(f, "w", NULL);
	ecl_assert_ok(ecl_job_fail(&status, f->store, id, "w", ECL_FAILURE_PERMANENT,
		"Missing required columns: MPAN"));
	assert_int_equal(status, ECL_JOB_FAILED);
	job = get_job(f, id);
	assert_int_equal(job->status, ECL_JOB_FAILED);
	assert_int_equal(job->retry_count, 0);
	assert_string_equal(job->error_class, "permanent");
	assert_string_equal(job->error_message, "Missing required columns: MPAN");
	assert_int_equal(job->completed_at, f->now);
	ecl_job_free(job);
}

static void manual_retry_requeues_a_failed_job(void **state)
{
	conf_fixture *f = *state;
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job *job, *none = NULL;

	o.file_path = f->file;
	o.max_retries = 1;
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
	assert_int_equal(claim_and_fail(f, id, "busy"), ECL_JOB_QUEUED);
	f->now += 60;
	assert_int_equal(claim_and_fail(f, id, "busy"), ECL_JOB_FAILED);

	/* Retries are spent; an operator grants one more attempt, after 300 s. */
	ecl_assert_ok(ecl_job_retry(f->store, id, 300));
	job = get_job(f, id);
	assert_int_equal(job->status, ECL_JOB_QUEUED);
	assert_int_equal(job->retry_count, 2);
	assert_int_equal(job->max_retries, 2);
	assert_int_equal(job->retry_at, f->now + 300);
	assert_null(job->error_message);
	assert_string_equal(job->last_error, "busy");
	assert_int_equal(job->started_at, ECL_TIME_NONE);
	assert_int_equal(job->completed_at, ECL_TIME_NONE);
	ecl_job_free(job);
	ecl_assert_ok(ecl_job_claim(&none, f->store, "w"));
	assert_null(none);
	f->now += 300;
	conf_claim(f, "w", NULL);
	ecl_assert_ok(ecl_job_complete(f->store, id, "w", NULL, NULL));

	/* Without a delay the job is due at once. */
	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_claim(f, "w", NULL);
	ecl_assert_ok(ecl_job_fail(NULL, f->store, id, "w", ECL_FAILURE_PERMANENT, "bad"));
	ecl_assert_ok(ecl_job_retry(f->store, id, 0));
	job = get_job(f, id);
	assert_int_equal(job->retry_at, ECL_TIME_NONE);
	assert_int_equal(job->retry_count, 1);
	assert_int_equal(job->max_retries, 3);
	ecl_job_free(job);
	conf_claim(f, "w", NULL);
}

static void cancel_is_terminal_and_stops_the_worker(void **state)
{
	conf_fixture *f = *state;
	char queued[ECL_BATCH_ID_SIZE], running[ECL_BATCH_ID_SIZE];
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;
	ecl_job *job, *none = NULL;

	conf_enqueue(f, running, ECL_PRIORITY_HIGH);
	conf_enqueue(f, queued, ECL_PRIORITY_LOW);
	conf_claim(f, "w", NULL);
	f->now += 7;
	ecl_assert_ok(ecl_job_cancel(f->store, queued));
	ecl_assert_ok(ecl_job_cancel(f->store, running));
	job = get_job(f, running);
	assert_int_equal(job->status, ECL_JOB_CANCELLED);
	assert_int_equal(job->cancel_requested, 1);
	assert_int_equal(job->completed_at, f->now);
	assert_string_equal(job->error_message, "Job cancelled by user");
	ecl_job_free(job);

	/* The worker learns at its next progress report and cannot resurrect it. */
	ecl_assert_fails(ECL_ESTATE, ecl_job_update_progress(f->store, running, "w", &counts));
	ecl_assert_error_contains("cancelled");
	ecl_assert_fails(ECL_ESTATE, ecl_job_fail(NULL, f->store, running, "w", ECL_FAILURE_TRANSIENT, "x"));
	ecl_assert_fails(ECL_ESTATE, ecl_job_complete(f->store, running, "w", NULL, NULL));
	assert_int_equal(conf_status(f, running), ECL_JOB_CANCELLED);
	ecl_assert_ok(ecl_job_claim(&none, f->store, "w"));
	assert_null(none);
}

static void release_hands_back_without_spending_a_retry(void **state)
{
	conf_fixture *f = *state;
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job *job = NULL;

	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_claim(f, "w1", NULL);
	counts.processed_rows = counts.checkpoint = 5000;
	ecl_assert_ok(ecl_job_update_progress(f->store, id, "w1", &counts));
	ecl_assert_ok(ecl_job_release(f->store, id, "w1"));
	job = get_job(f, id);
	assert_int_equal(job->status, ECL_JOB_QUEUED);
	assert_int_equal(job->retry_count, 0);
	assert_int_equal(job->checkpoint, 5000);
	assert_null(job->worker_id);
	assert_int_equal(job->retry_at, ECL_TIME_NONE);
	ecl_job_free(job);

	ecl_assert_ok(ecl_job_claim(&job, f->store, "w2"));
	assert_non_null(job);
	assert_int_equal(job->checkpoint, 5000);  /* resumes where w1 stopped */
	ecl_job_free(job);
}

const struct CMUnitTest conf_transition_tests[] = {
	cmocka_unit_test_setup_teardown(progress_heartbeat_and_complete, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(another_workers_job_is_refused, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(refused_transitions_name_the_status, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(unknown_jobs_are_not_found, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(bad_transition_arguments, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(transient_failures_back_off_60_120_240_then_fail, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(backoff_is_capped, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(retry_policy_is_configurable, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(zero_retries_fail_at_once, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(permanent_failure_spends_no_retry, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(manual_retry_requeues_a_failed_job, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(cancel_is_terminal_and_stops_the_worker, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(release_hands_back_without_spending_a_retry, conf_setup, conf_teardown),
};
const size_t conf_transition_test_count = sizeof(conf_transition_tests) / sizeof(conf_transition_tests[0]);
