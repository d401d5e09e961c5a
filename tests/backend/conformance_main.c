/*
 * Runs the conformance suite against the store URI given as argv[1]. A URI
 * containing "%d" gets a distinct number per test (a fresh database each),
 * and "{tmp}" is replaced by a new private directory removed at the end;
 * "sqlite::memory:" is fresh on every open anyway.
 *
 *   test_conformance sqlite::memory:
 *   test_conformance 'sqlite://{tmp}/db-%d.db'
 *
 * With ECL_CONF_PREPARE set, that command runs with each fresh URI as its
 * argument before the store is opened: tests/mysql/host_db.sh puts the PHP
 * application's empty schema there, so the suite runs on a database the
 * library adopted (conformance_mysql_adopted).
 */
#include "conformance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *uri_template;
static int open_count;

int conf_adopting(void)
{
	const char *command = getenv("ECL_CONF_PREPARE");

	return command != NULL && command[0] != '\0';
}

/* Run ECL_CONF_PREPARE with `uri`, if it is set: 0, or -1 when it failed. */
static int prepare(const char *uri)
{
	const char *command = getenv("ECL_CONF_PREPARE");
	char *line = NULL;
	int rc = 0;

	if (command == NULL || command[0] == '\0')
		return 0;
	if (asprintf(&line, "%s '%s'", command, uri) < 0 || system(line) != 0) {
		fprintf(stderr, "ECL_CONF_PREPARE failed for %s\n", uri);
		rc = -1;
	}
	free(line);
	return rc;
}

int conf_open(conf_fixture *f, int retry_base, int retry_cap)
{
	ecl_store_options opts = ECL_STORE_OPTIONS_INIT;
	char uri[1024];

	snprintf(uri, sizeof(uri), uri_template, ++open_count);
	if (prepare(uri) != 0)
		return -1;
	opts.clock = ecl_test_clock;
	opts.clock_payload = &f->now;
	opts.retry_base_seconds = retry_base;
	opts.retry_cap_seconds = retry_cap;
	opts.log_level = ECL_LOG_NONE;
	return ecl_store_open(&f->store, uri, &opts);
}

int conf_setup(void **state)
{
	conf_fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->now = 1700000000;
	f->dir = ecl_test_tmpdir("conformance");
	f->file = f->dir ? ecl_test_write_file(f->dir, "readings.csv", "MPAN,Date,Reading\n") : NULL;
	if (f->file == NULL || conf_open(f, 60, 3600) != 0 || ecl_store_migrate(f->store) != 0) {
		fprintf(stderr, "setup failed: %s\n", ecl_error_last());
		return -1;
	}
	*state = f;
	return 0;
}

int conf_teardown(void **state)
{
	conf_fixture *f = *state;

	ecl_store_free(f->store);
	ecl_test_rmtree(f->dir);
	free(f->dir);
	free(f->file);
	free(f);
	return 0;
}

void conf_enqueue(conf_fixture *f, char id[ECL_BATCH_ID_SIZE], ecl_priority priority)
{
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;

	o.file_path = f->file;
	o.priority = priority;
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
}

void conf_claim(conf_fixture *f, const char *worker, char id[ECL_BATCH_ID_SIZE])
{
	ecl_job *job = NULL;

	ecl_assert_ok(ecl_job_claim(&job, f->store, worker));
	assert_non_null(job);
	assert_int_equal(job->status, ECL_JOB_PROCESSING);
	assert_string_equal(job->worker_id, worker);
	if (id != NULL)
		memcpy(id, job->batch_id, ECL_BATCH_ID_SIZE);
	ecl_job_free(job);
}

ecl_job_status conf_status(conf_fixture *f, const char *id)
{
	ecl_job *job = NULL;
	ecl_job_status status;

	ecl_assert_ok(ecl_job_get(&job, f->store, id));
	status = job->status;
	ecl_job_free(job);
	return status;
}

int main(int argc, char **argv)
{
	char title[256], *run_dir = NULL, *expanded = NULL;
	const char *placeholder;
	int failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s STORE-URI\n", argv[0]);
		return 2;
	}
	placeholder = strstr(argv[1], "{tmp}");
	if (placeholder != NULL) {
		run_dir = ecl_test_tmpdir("conformance-db");
		if (run_dir == NULL || asprintf(&expanded, "%.*s%s%s", (int)(placeholder - argv[1]),
		                                argv[1], run_dir, placeholder + 5) < 0)
			return 1;
	}
	uri_template = expanded ? expanded : argv[1];
	snprintf(title, sizeof(title), "queue on %s", argv[1]);
	failed += _cmocka_run_group_tests(title, conf_queue_tests, conf_queue_test_count, NULL, NULL);
	snprintf(title, sizeof(title), "transitions on %s", argv[1]);
	failed += _cmocka_run_group_tests(title, conf_transition_tests, conf_transition_test_count, NULL, NULL);
	snprintf(title, sizeof(title), "readings on %s", argv[1]);
	failed += _cmocka_run_group_tests(title, conf_reading_tests, conf_reading_test_count, NULL, NULL);
	snprintf(title, sizeof(title), "schema on %s", argv[1]);
	failed += _cmocka_run_group_tests(title, conf_schema_tests, conf_schema_test_count, NULL, NULL);
	snprintf(title, sizeof(title), "aggregation on %s", argv[1]);
	failed += _cmocka_run_group_tests(title, conf_aggregate_tests, conf_aggregate_test_count, NULL, NULL);
	snprintf(title, sizeof(title), "operations on %s", argv[1]);
	failed += _cmocka_run_group_tests(title, conf_operations_tests, conf_operations_test_count,
	                                  NULL, NULL);
	snprintf(title, sizeof(title), "job history on %s", argv[1]);
	failed += _cmocka_run_group_tests(title, conf_history_tests, conf_history_test_count, NULL, NULL);
	snprintf(title, sizeof(title), "job files on %s", argv[1]);
	failed += _cmocka_run_group_tests(title, conf_file_tests, conf_file_test_count, NULL, NULL);
	snprintf(title, sizeof(title), "host-driven jobs on %s", argv[1]);
	failed += _cmocka_run_group_tests(title, conf_host_tests, conf_host_test_count, NULL, NULL);
	snprintf(title, sizeof(title), "data feeds on %s", argv[1]);
	failed += _cmocka_run_group_tests(title, conf_feed_tests, conf_feed_test_count, NULL, NULL);
	ecl_test_rmtree(run_dir);
	free(run_dir);
	free(expanded);
	return failed ? 1 : 0;
}
