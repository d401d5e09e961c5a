/*
 * Job types the host runs (ecl_store_set_job_handler): creating them needs a
 * handler, the worker runs it and records what it reports, its failures
 * are permanent or retried by their code, a store without the handler
 * leaves such jobs to one that has it, and the importer refuses them.
 */
#include "ecl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/sys/errors.h"

typedef struct fixture {
	char *dir;
	char *uri;
	char *sites_csv;
	ecl_store *store;
	int64_t now;
	/* what the handler does and saw */
	int result;               /* returned (0 = success) */
	const char *summary;      /* written into the summary when not NULL */
	int64_t imported;         /* reported as imported rows */
	int calls;
	ecl_job_status seen_status;
	char seen_worker[64];
	char seen_path[1024];
} fixture;

static int open_store(fixture *f, ecl_store **out)
{
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;

	o.clock = ecl_test_clock;
	o.clock_payload = &f->now;
	o.log_level = ECL_LOG_NONE;
	return ecl_store_open(out, f->uri, &o);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	FILE *out;

	f->now = 1764000000;
	f->dir = ecl_test_tmpdir("handlers");
	if (f->dir == NULL || asprintf(&f->uri, "sqlite://%s/h.db", f->dir) < 0
	    || asprintf(&f->sites_csv, "%s/sites.csv", f->dir) < 0)
		return -1;
	out = fopen(f->sites_csv, "w");
	if (out == NULL)
		return -1;
	fputs("name,postcode\nHead Office,BS1 1AA\nDepot,BS2 2BB\n", out);
	fclose(out);
	if (open_store(f, &f->store) != 0 || ecl_store_migrate(f->store) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	ecl_store_free(f->store);
	ecl_test_rmtree(f->dir);
	free(f->sites_csv);
	free(f->uri);
	free(f->dir);
	free(f);
	return 0;
}

static int sites_handler(const ecl_job *job, ecl_job_counts *counts, ecl_buf *summary, void *payload)
{
	fixture *f = payload;

	f->calls++;
	f->seen_status = job->status;
	snprintf(f->seen_worker, sizeof(f->seen_worker), "%s", job->worker_id ? job->worker_id : "");
	snprintf(f->seen_path, sizeof(f->seen_path), "%s", job->file_path ? job->file_path : "");
	if (f->result != 0)
		return ecl_error_set(f->result, "site list rejected: row 2 has no postcode");
	counts->processed_rows = 2;
	counts->imported_rows = f->imported;
	counts->failed_rows = 2 - f->imported;
	return f->summary != NULL ? ecl_buf_set(summary, f->summary) : 0;
}

static void enqueue_sites(fixture *f, char id[ECL_BATCH_ID_SIZE])
{
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;

	o.file_path = f->sites_csv;
	o.import_type = ECL_IMPORT_SITES;
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
}

static ecl_job *get(fixture *f, const char *id)
{
	ecl_job *job = NULL;

	ecl_assert_ok(ecl_job_get(&job, f->store, id));
	return job;
}

/* One job processed by a worker "w" on f->store. */
static void work(fixture *f, ecl_worker_report *report)
{
	ecl_worker_options o = ECL_WORKER_OPTIONS_INIT;
	ecl_worker *worker = NULL;

	o.worker_id = "w";
	o.idle_poll_ms = 0;
	o.aggregate_after_import = 0;
	memset(report, 0, sizeof(*report));
	ecl_assert_ok(ecl_worker_new(&worker, f->store, &o));
	ecl_assert_ok(ecl_worker_process(worker, 1, report));
	ecl_worker_free(worker);
}

static void creating_a_host_type_needs_its_handler(void **state)
{
	fixture *f = *state;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;

	o.file_path = f->sites_csv;
	o.import_type = ECL_IMPORT_SITES;
	ecl_assert_fails(ECL_EINVALID, ecl_job_create(id, f->store, &o));
	ecl_assert_error_contains("job type sites is run by a handler");

	ecl_assert_fails(ECL_EINVALID, ecl_store_set_job_handler(f->store, ECL_IMPORT_HH, sites_handler, f));
	ecl_assert_error_contains("imported by the library itself");
	ecl_assert_fails(ECL_EINVALID, ecl_store_set_job_handler(f->store, (ecl_import_type)7,
		sites_handler, f));
	ecl_assert_fails(ECL_EINVALID, ecl_store_set_job_handler(NULL, ECL_IMPORT_SITES, sites_handler, f));

	ecl_assert_ok(ecl_store_set_job_handler(f->store, ECL_IMPORT_SITES, sites_handler, f));
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
}

static void the_worker_runs_the_handler_and_records_its_report(void **state)
{
	fixture *f = *state;
	char id[ECL_BATCH_ID_SIZE];
	ecl_worker_report report;
	ecl_job *job;

	ecl_assert_ok(ecl_store_set_job_handler(f->store, ECL_IMPORT_SITES, sites_handler, f));
	enqueue_sites(f, id);
	f->imported = 2;
	f->summary = "{\"sites_created\":2}";
	work(f, &report);
	assert_int_equal(f->calls, 1);
	assert_int_equal(f->seen_status, ECL_JOB_PROCESSING);
	assert_string_equal(f->seen_worker, "w");
	assert_non_null(strstr(f->seen_path, "sites.csv"));
	assert_int_equal(report.claimed, 1);
	assert_int_equal(report.completed, 1);

	job = get(f, id);
	assert_int_equal(job->status, ECL_JOB_COMPLETED);
	assert_int_equal(job->processed_rows, 2);
	assert_int_equal(job->imported_rows, 2);
	assert_int_equal(job->failed_rows, 0);
	assert_string_equal(job->summary, "{\"sites_created\":2}");
	ecl_job_free(job);
}

static void handler_failures_fail_or_retry_by_their_code(void **state)
{
	fixture *f = *state;
	char bad[ECL_BATCH_ID_SIZE], flaky[ECL_BATCH_ID_SIZE], odd[ECL_BATCH_ID_SIZE];
	ecl_worker_report report;
	ecl_job *job;

	ecl_assert_ok(ecl_store_set_job_handler(f->store, ECL_IMPORT_SITES, sites_handler, f));

	/* Bad input: failed for good, with the handler's message. */
	enqueue_sites(f, bad);
	f->result = ECL_EINVALID;
	work(f, &report);
	assert_int_equal(report.failed, 1);
	job = get(f, bad);
	assert_int_equal(job->status, ECL_JOB_FAILED);
	assert_string_equal(job->error_message, "site list rejected: row 2 has no postcode");
	assert_int_equal(job->retry_count, 0);
	ecl_job_free(job);

	/* Anything else: retried after the backoff. */
	f->now += 10;
	enqueue_sites(f, flaky);
	f->result = ECL_EIO;
	work(f, &report);
	assert_int_equal(report.requeued, 1);
	job = get(f, flaky);
	assert_int_equal(job->status, ECL_JOB_QUEUED);
	assert_int_equal(job->retry_count, 1);
	assert_true(job->retry_at > f->now);
	f->now = job->retry_at;
	ecl_job_free(job);
	f->result = 0;
	f->imported = 1;
	f->summary = NULL;
	work(f, &report);
	assert_int_equal(report.completed, 1);
	job = get(f, flaky);
	assert_int_equal(job->status, ECL_JOB_COMPLETED);
	assert_int_equal(job->failed_rows, 1);
	assert_null(job->summary);
	ecl_job_free(job);

	/* A report the job cannot take: failed, naming why. */
	f->now += 10;
	enqueue_sites(f, odd);
	f->summary = "[1, 2]";
	work(f, &report);
	assert_int_equal(report.failed, 1);
	job = get(f, odd);
	assert_int_equal(job->status, ECL_JOB_FAILED);
	assert_non_null(strstr(job->error_message, "handler's report was refused"));
	ecl_job_free(job);
}

/* Two processes on one database: the web app (with the handler) queues a
 * site list; a plain worker (no handler) leaves it and runs the readings. */
static void a_store_without_the_handler_leaves_its_jobs(void **state)
{
	fixture *f = *state;
	char sites[ECL_BATCH_ID_SIZE], readings[ECL_BATCH_ID_SIZE];
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	ecl_store *plain = NULL;
	ecl_job *job = NULL;

	ecl_assert_ok(ecl_store_set_job_handler(f->store, ECL_IMPORT_SITES, sites_handler, f));
	enqueue_sites(f, sites);
	o.file_path = f->sites_csv;
	o.priority = ECL_PRIORITY_LOW;
	ecl_assert_ok(ecl_job_create(readings, f->store, &o));

	ecl_assert_ok(open_store(f, &plain));
	ecl_assert_ok(ecl_job_claim(&job, plain, "plain"));
	assert_non_null(job);
	assert_string_equal(job->batch_id, readings);
	ecl_job_free(job);
	ecl_assert_ok(ecl_job_claim(&job, plain, "plain"));
	assert_null(job);
	ecl_store_free(plain);

	ecl_assert_ok(ecl_job_claim(&job, f->store, "web"));
	assert_non_null(job);
	assert_string_equal(job->batch_id, sites);
	ecl_job_free(job);
}

static void the_importer_refuses_a_host_type(void **state)
{
	fixture *f = *state;
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *report = NULL;

	o.import_type = ECL_IMPORT_SITES;
	ecl_assert_fails(ECL_EINVALID, ecl_ingest_file(&report, f->store, f->sites_csv, &o));
	ecl_assert_error_contains("import type sites is not a file of readings");
	assert_null(report);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(creating_a_host_type_needs_its_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(the_worker_runs_the_handler_and_records_its_report, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(handler_failures_fail_or_retry_by_their_code, setup, teardown),
		cmocka_unit_test_setup_teardown(a_store_without_the_handler_leaves_its_jobs, setup, teardown),
		cmocka_unit_test_setup_teardown(the_importer_refuses_a_host_type, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
