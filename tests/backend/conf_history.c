/*
 * Conformance: what the queue holds and each job's attempts (interface
 * version 5) through the public API: counts per status, the priority filter
 * of the job list, and the attempt the store records on every transition
 * into and out of processing, whoever makes it.
 */
#include "conformance.h"

#include <string.h>

static ecl_job_attempt_array *attempts_of(conf_fixture *f, const char *id)
{
	ecl_job_attempt_array *a = NULL;

	ecl_assert_ok(ecl_job_attempts(&a, f->store, id));
	assert_non_null(a);
	return a;
}

static void assert_attempt(const ecl_job_attempt *a, int number, const char *worker,
                           int64_t started, int64_t ended, ecl_job_status outcome)
{
	assert_int_equal(a->attempt, number);
	assert_non_null(a->worker_id);
	assert_string_equal(a->worker_id, worker);
	assert_int_equal(a->started_at, started);
	assert_int_equal(a->ended_at, ended);
	assert_int_equal(a->outcome, outcome);
}

static void counts_per_status(void **state)
{
	conf_fixture *f = *state;
	ecl_job_status_counts c;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job_status status;
	int i;

	ecl_assert_ok(ecl_job_count_by_status(&c, f->store));
	assert_int_equal(c.total, 0);
	for (i = 0; i < 3; i++)
		conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_claim(f, "w", id);
	ecl_assert_ok(ecl_job_complete(f->store, id, "w", NULL, NULL));
	conf_claim(f, "w", id);
	ecl_assert_ok(ecl_job_fail(&status, f->store, id, "w", ECL_FAILURE_PERMANENT, "bad"));
	conf_enqueue(f, id, ECL_PRIORITY_LOW);
	ecl_assert_ok(ecl_job_cancel(f->store, id));
	conf_claim(f, "w", id);
	ecl_assert_ok(ecl_job_count_by_status(&c, f->store));
	assert_int_equal(c.queued, 0);
	assert_int_equal(c.processing, 1);
	assert_int_equal(c.completed, 1);
	assert_int_equal(c.failed, 1);
	assert_int_equal(c.cancelled, 1);
	assert_int_equal(c.total, 4);
	ecl_assert_fails(ECL_EINVALID, ecl_job_count_by_status(NULL, f->store));
	ecl_assert_fails(ECL_EINVALID, ecl_job_count_by_status(&c, NULL));
}

static void list_filters_by_priority(void **state)
{
	conf_fixture *f = *state;
	ecl_job_list_options o = ECL_JOB_LIST_OPTIONS_INIT;
	char high1[ECL_BATCH_ID_SIZE], high2[ECL_BATCH_ID_SIZE], low[ECL_BATCH_ID_SIZE];
	ecl_job_array *list = NULL;

	conf_enqueue(f, high1, ECL_PRIORITY_HIGH);
	f->now += 1;
	conf_enqueue(f, low, ECL_PRIORITY_LOW);
	f->now += 1;
	conf_enqueue(f, high2, ECL_PRIORITY_HIGH);
	o.priority = ECL_PRIORITY_HIGH;
	ecl_assert_ok(ecl_job_list(&list, f->store, &o));
	assert_int_equal(list->count, 2);
	assert_string_equal(list->jobs[0].batch_id, high2);   /* newest first */
	assert_string_equal(list->jobs[1].batch_id, high1);
	ecl_job_array_free(list);

	/* With a status: the high job being processed is the only one. */
	conf_claim(f, "w", NULL);
	o.status = ECL_JOB_PROCESSING;
	ecl_assert_ok(ecl_job_list(&list, f->store, &o));
	assert_int_equal(list->count, 1);
	assert_string_equal(list->jobs[0].batch_id, high1);
	ecl_job_array_free(list);
	o.priority = ECL_PRIORITY_NORMAL;
	ecl_assert_ok(ecl_job_list(&list, f->store, &o));
	assert_int_equal(list->count, 0);
	ecl_job_array_free(list);

	o.priority = 7;
	ecl_assert_fails(ECL_EINVALID, ecl_job_list(&list, f->store, &o));
	ecl_assert_error_contains("priority 7");
	assert_null(list);
}

/* Every way out of processing closes the attempt it opened, dated by the
 * store's clock, with the job's error and counters at that moment. */
static void attempts_record_every_run(void **state)
{
	conf_fixture *f = *state;
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;
	ecl_job_attempt_array *a;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job_status status;
	int64_t t0 = f->now;

	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	a = attempts_of(f, id);
	assert_int_equal(a->count, 0);   /* never ran */
	ecl_job_attempt_array_free(a);

	/* 1: a transient failure, requeued with backoff. */
	conf_claim(f, "w1", NULL);
	f->now += 10;
	counts.processed_rows = 7;
	counts.imported_rows = 6;
	counts.failed_rows = 1;
	ecl_assert_ok(ecl_job_update_progress(f->store, id, "w1", &counts));
	ecl_assert_ok(ecl_job_fail(&status, f->store, id, "w1", ECL_FAILURE_TRANSIENT, "database busy"));
	assert_int_equal(status, ECL_JOB_QUEUED);
	/* 2: handed back on shutdown, no retry spent. */
	f->now += 3600;
	conf_claim(f, "w2", NULL);
	f->now += 5;
	ecl_assert_ok(ecl_job_release(f->store, id, "w2"));
	/* 3: still running. */
	f->now += 5;
	conf_claim(f, "w3", NULL);
	a = attempts_of(f, id);
	assert_int_equal(a->count, 3);
	assert_attempt(&a->attempts[0], 1, "w1", t0, t0 + 10, ECL_JOB_QUEUED);
	assert_non_null(a->attempts[0].error_message);
	assert_string_equal(a->attempts[0].error_message, "database busy");
	assert_non_null(a->attempts[0].error_class);
	assert_string_equal(a->attempts[0].error_class, "transient");
	assert_int_equal(a->attempts[0].processed_rows, 7);
	assert_int_equal(a->attempts[0].imported_rows, 6);
	assert_int_equal(a->attempts[0].failed_rows, 1);
	assert_attempt(&a->attempts[1], 2, "w2", t0 + 3610, t0 + 3615, ECL_JOB_QUEUED);
	assert_null(a->attempts[1].error_message);
	assert_null(a->attempts[1].error_class);   /* a hand-back is no failure */
	assert_attempt(&a->attempts[2], 3, "w3", t0 + 3620, ECL_TIME_NONE, ECL_JOB_PROCESSING);
	ecl_job_attempt_array_free(a);

	/* 3 ends completed with its final counters. */
	f->now += 30;
	counts.processed_rows = 100;
	counts.imported_rows = 100;
	counts.failed_rows = 0;
	ecl_assert_ok(ecl_job_complete(f->store, id, "w3", &counts, NULL));
	a = attempts_of(f, id);
	assert_int_equal(a->count, 3);
	assert_attempt(&a->attempts[2], 3, "w3", t0 + 3620, t0 + 3650, ECL_JOB_COMPLETED);
	assert_int_equal(a->attempts[2].imported_rows, 100);
	/* The job keeps attempt 1's class; the completed attempt has none. */
	assert_null(a->attempts[2].error_message);
	assert_null(a->attempts[2].error_class);
	ecl_job_attempt_array_free(a);
}

static void attempts_of_failure_retry_cancel_and_recovery(void **state)
{
	conf_fixture *f = *state;
	ecl_health_options o = ECL_HEALTH_OPTIONS_INIT;
	ecl_health_report *r = NULL;
	ecl_job_attempt_array *a;
	char id[ECL_BATCH_ID_SIZE], other[ECL_BATCH_ID_SIZE];
	ecl_job_status status;
	int64_t t0 = f->now;

	/* Failed for good, retried by hand, then cancelled while running. */
	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	conf_claim(f, "w1", NULL);
	f->now += 1;
	ecl_assert_ok(ecl_job_fail(&status, f->store, id, "w1", ECL_FAILURE_PERMANENT, "no such column"));
	assert_int_equal(status, ECL_JOB_FAILED);
	f->now += 1;
	ecl_assert_ok(ecl_job_retry(f->store, id, 0));
	f->now += 1;
	conf_claim(f, "w2", NULL);
	f->now += 1;
	ecl_assert_ok(ecl_job_cancel(f->store, id));
	a = attempts_of(f, id);
	assert_int_equal(a->count, 2);
	assert_attempt(&a->attempts[0], 1, "w1", t0, t0 + 1, ECL_JOB_FAILED);
	assert_string_equal(a->attempts[0].error_class, "permanent");
	assert_attempt(&a->attempts[1], 2, "w2", t0 + 3, t0 + 4, ECL_JOB_CANCELLED);
	assert_non_null(a->attempts[1].error_message);      /* "Job cancelled by user" */
	assert_null(a->attempts[1].error_class);            /* not attempt 1's "permanent" */
	ecl_job_attempt_array_free(a);

	/* A worker that stopped beating: stuck-job recovery ends its attempt. */
	conf_enqueue(f, other, ECL_PRIORITY_NORMAL);
	conf_claim(f, "dead", NULL);
	f->now += 2 * 3600;
	o.handle_stuck = 1;
	ecl_assert_ok(ecl_health_check(&r, f->store, &o));
	assert_int_equal(r->requeued, 1);
	ecl_health_report_free(r);
	a = attempts_of(f, other);
	assert_int_equal(a->count, 1);
	assert_attempt(&a->attempts[0], 1, "dead", t0 + 4, t0 + 4 + 2 * 3600, ECL_JOB_QUEUED);
	assert_non_null(a->attempts[0].error_message);
	assert_string_equal(a->attempts[0].error_class, "transient");
	ecl_job_attempt_array_free(a);
}

static void attempts_refuse_bad_arguments(void **state)
{
	conf_fixture *f = *state;
	ecl_job_attempt_array *a = NULL;

	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_attempts(&a, f->store, "00000000-0000-4000-8000-000000000000"));
	ecl_assert_error_contains("00000000-0000-4000-8000-000000000000");
	assert_null(a);
	ecl_assert_fails(ECL_EINVALID, ecl_job_attempts(NULL, f->store, "x"));
	ecl_assert_fails(ECL_EINVALID, ecl_job_attempts(&a, NULL, "x"));
	ecl_assert_fails(ECL_EINVALID, ecl_job_attempts(&a, f->store, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_job_attempts(&a, f->store, ""));
	assert_null(a);
	ecl_job_attempt_array_free(NULL);
}

const struct CMUnitTest conf_history_tests[] = {
	cmocka_unit_test_setup_teardown(counts_per_status, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(list_filters_by_priority, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(attempts_record_every_run, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(attempts_of_failure_retry_cancel_and_recovery, conf_setup,
	                                conf_teardown),
	cmocka_unit_test_setup_teardown(attempts_refuse_bad_arguments, conf_setup, conf_teardown),
};
const size_t conf_history_test_count = sizeof(conf_history_tests) / sizeof(conf_history_tests[0]);
