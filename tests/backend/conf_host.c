/* Conformance: the calls for hosts that drive jobs themselves (claim a named
 * job, look one up by numeric id, delete one, mark a failure alert sent). */
#include "conformance.h"

#include <string.h>

static ecl_job *get_job(conf_fixture *f, const char *id)
{
	ecl_job *job = NULL;

	ecl_assert_ok(ecl_job_get(&job, f->store, id));
	return job;
}

static size_t attempt_count(conf_fixture *f, const char *id)
{
	ecl_job_attempt_array *attempts = NULL;
	size_t n;

	ecl_assert_ok(ecl_job_attempts(&attempts, f->store, id));
	n = attempts->count;
	ecl_job_attempt_array_free(attempts);
	return n;
}

static void claim_batch_takes_the_named_job_once(void **state)
{
	conf_fixture *f = *state;
	char high[ECL_BATCH_ID_SIZE], low[ECL_BATCH_ID_SIZE];
	ecl_job *job = NULL;

	conf_enqueue(f, high, ECL_PRIORITY_HIGH);
	conf_enqueue(f, low, ECL_PRIORITY_LOW);
	f->now += 7;
	/* The named job, not the next by priority. */
	ecl_assert_ok(ecl_job_claim_batch(&job, f->store, low, "host-1"));
	assert_non_null(job);
	assert_string_equal(job->batch_id, low);
	assert_int_equal(job->status, ECL_JOB_PROCESSING);
	assert_string_equal(job->worker_id, "host-1");
	assert_int_equal(job->started_at, f->now);
	assert_int_equal(job->heartbeat_at, f->now);
	ecl_job_free(job);
	assert_int_equal(attempt_count(f, low), 1);
	assert_int_equal(conf_status(f, high), ECL_JOB_QUEUED);

	/* A second caller gets nothing, and the holder keeps it. */
	job = (ecl_job *)1;
	ecl_assert_ok(ecl_job_claim_batch(&job, f->store, low, "host-2"));
	assert_null(job);
	job = get_job(f, low);
	assert_string_equal(job->worker_id, "host-1");
	ecl_job_free(job);
	ecl_assert_ok(ecl_job_complete(f->store, low, "host-1", NULL, NULL));
	ecl_assert_ok(ecl_job_claim_batch(&job, f->store, low, "host-2"));
	assert_null(job);

	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_claim_batch(&job, f->store,
		"00000000-0000-4000-8000-000000000000", "host-1"));
	ecl_assert_fails(ECL_EINVALID, ecl_job_claim_batch(&job, f->store, high, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_job_claim_batch(&job, f->store, high, ""));
	ecl_assert_fails(ECL_EINVALID, ecl_job_claim_batch(NULL, f->store, high, "host-1"));
}

static void claim_batch_waits_for_a_due_retry(void **state)
{
	conf_fixture *f = *state;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job_status status;
	ecl_job *job = NULL;

	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	ecl_assert_ok(ecl_job_claim_batch(&job, f->store, id, "host-1"));
	assert_non_null(job);
	ecl_job_free(job);
	ecl_assert_ok(ecl_job_fail(&status, f->store, id, "host-1", ECL_FAILURE_TRANSIENT, "timeout"));
	assert_int_equal(status, ECL_JOB_QUEUED);

	job = get_job(f, id);
	assert_true(job->retry_at > f->now);
	f->now = job->retry_at - 1;
	ecl_job_free(job);
	job = (ecl_job *)1;
	ecl_assert_ok(ecl_job_claim_batch(&job, f->store, id, "host-1"));
	assert_null(job);   /* the backoff holds for a named claim too */

	f->now += 1;
	ecl_assert_ok(ecl_job_claim_batch(&job, f->store, id, "host-1"));
	assert_non_null(job);
	assert_int_equal(job->retry_count, 1);
	ecl_job_free(job);
	assert_int_equal(attempt_count(f, id), 2);
}

static void get_by_id_finds_the_row(void **state)
{
	conf_fixture *f = *state;
	char a[ECL_BATCH_ID_SIZE], b[ECL_BATCH_ID_SIZE];
	ecl_job *ja = get_job(f, (conf_enqueue(f, a, ECL_PRIORITY_NORMAL), a));
	ecl_job *jb = get_job(f, (conf_enqueue(f, b, ECL_PRIORITY_NORMAL), b));
	ecl_job *got = NULL;

	assert_true(ja->id >= 1);
	assert_true(jb->id != ja->id);
	ecl_assert_ok(ecl_job_get_by_id(&got, f->store, jb->id));
	assert_string_equal(got->batch_id, b);
	assert_int_equal(got->id, jb->id);
	ecl_job_free(got);

	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_get_by_id(&got, f->store, jb->id + ja->id + 1000));
	assert_null(got);
	ecl_assert_error_contains("no job with id");
	ecl_assert_fails(ECL_EINVALID, ecl_job_get_by_id(&got, f->store, 0));
	ecl_assert_fails(ECL_EINVALID, ecl_job_get_by_id(&got, f->store, -5));
	ecl_job_free(ja);
	ecl_job_free(jb);
}

static void delete_removes_one_job_never_a_running_one(void **state)
{
	conf_fixture *f = *state;
	char a[ECL_BATCH_ID_SIZE], b[ECL_BATCH_ID_SIZE];
	ecl_job_attempt_array *attempts = NULL;
	ecl_job *job = NULL;

	conf_enqueue(f, a, ECL_PRIORITY_NORMAL);
	conf_enqueue(f, b, ECL_PRIORITY_NORMAL);
	ecl_assert_ok(ecl_job_claim_batch(&job, f->store, a, "w"));
	ecl_job_free(job);

	ecl_assert_fails(ECL_ESTATE, ecl_job_delete(f->store, a));
	ecl_assert_error_contains("processing");
	assert_int_equal(conf_status(f, a), ECL_JOB_PROCESSING);

	ecl_assert_ok(ecl_job_complete(f->store, a, "w", NULL, NULL));
	ecl_assert_ok(ecl_job_delete(f->store, a));
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_get(&job, f->store, a));
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_attempts(&attempts, f->store, a));
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_delete(f->store, a));
	assert_int_equal(conf_status(f, b), ECL_JOB_QUEUED);

	/* A queued job can go too (what the host's delete button does). */
	ecl_assert_ok(ecl_job_delete(f->store, b));
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_get(&job, f->store, b));
	ecl_assert_fails(ECL_EINVALID, ecl_job_delete(f->store, ""));
}

static void an_alert_is_marked_sent_once(void **state)
{
	conf_fixture *f = *state;
	char id[ECL_BATCH_ID_SIZE], other[ECL_BATCH_ID_SIZE];
	ecl_job_array *pending = NULL;
	ecl_job_status status;
	ecl_job *job;

	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_enqueue(f, other, ECL_PRIORITY_LOW);
	ecl_assert_fails(ECL_ESTATE, ecl_job_mark_alert_sent(f->store, id));
	ecl_assert_error_contains("queued");

	conf_claim(f, "w", NULL);
	ecl_assert_ok(ecl_job_fail(&status, f->store, id, "w", ECL_FAILURE_PERMANENT, "bad file"));
	assert_int_equal(status, ECL_JOB_FAILED);
	ecl_assert_ok(ecl_job_list_alert_pending(&pending, f->store, 10));
	assert_int_equal(pending->count, 1);
	assert_string_equal(pending->jobs[0].batch_id, id);
	ecl_job_array_free(pending);

	f->now += 3;
	ecl_assert_ok(ecl_job_mark_alert_sent(f->store, id));
	job = get_job(f, id);
	assert_int_equal(job->alert_sent, 1);
	assert_int_equal(job->alert_sent_at, f->now);
	ecl_job_free(job);
	ecl_assert_fails(ECL_ESTATE, ecl_job_mark_alert_sent(f->store, id));
	ecl_assert_error_contains("already");

	ecl_assert_ok(ecl_job_list_alert_pending(&pending, f->store, 10));
	assert_int_equal(pending->count, 0);
	ecl_job_array_free(pending);
	ecl_assert_fails(ECL_EINVALID, ecl_job_list_alert_pending(&pending, f->store, 0));
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_mark_alert_sent(f->store,
		"00000000-0000-4000-8000-000000000000"));
}

const struct CMUnitTest conf_host_tests[] = {
	cmocka_unit_test_setup_teardown(claim_batch_takes_the_named_job_once, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(claim_batch_waits_for_a_due_retry, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(get_by_id_finds_the_row, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(delete_removes_one_job_never_a_running_one, conf_setup,
	                                conf_teardown),
	cmocka_unit_test_setup_teardown(an_alert_is_marked_sent_once, conf_setup, conf_teardown),
};
const size_t conf_host_test_count = sizeof(conf_host_tests) / sizeof(conf_host_tests[0]);
