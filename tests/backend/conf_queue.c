/* Conformance: enqueue, read, list and claim order. */
#include "conformance.h"

#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void create_round_trips_every_parameter(void **state)
{
	conf_fixture *f = *state;
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job *job = NULL;

	/* The reference's own functional test: notes, priority high, tags,
	 * metadata and maxRetries 5 must round-trip. */
	o.filename = "upload.csv";
	o.file_path = f->file;
	o.import_type = ECL_IMPORT_DAILY;
	o.user_id = 42;
	o.dry_run = 1;
	o.notes = "Test import";
	o.priority = ECL_PRIORITY_HIGH;
	o.tags = "[\"monthly\", \"site-a\"]";
	o.metadata = "{\"default_site_id\": 4, \"source\": \"sftp\"}";
	o.max_retries = 5;
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
	assert_true(ecl_uuid_is_valid(id));

	ecl_assert_ok(ecl_job_get(&job, f->store, id));
	assert_string_equal(job->batch_id, id);
	assert_true(job->id > 0);
	assert_string_equal(job->filename, "upload.csv");
	assert_string_equal(job->file_path, f->file);
	assert_int_equal(job->import_type, ECL_IMPORT_DAILY);
	assert_int_equal(job->user_id, 42);
	assert_int_equal(job->dry_run, 1);
	assert_string_equal(job->notes, "Test import");
	assert_int_equal(job->priority, ECL_PRIORITY_HIGH);
	assert_string_equal(job->tags, "[\"monthly\",\"site-a\"]");
	assert_string_equal(job->metadata, "{\"default_site_id\":4,\"source\":\"sftp\"}");
	assert_int_equal(job->max_retries, 5);
	assert_int_equal(job->retry_count, 0);
	assert_int_equal(job->status, ECL_JOB_QUEUED);
	assert_int_equal(job->queued_at, f->now);
	assert_int_equal(job->started_at, ECL_TIME_NONE);
	assert_int_equal(job->completed_at, ECL_TIME_NONE);
	assert_int_equal(job->retry_at, ECL_TIME_NONE);
	assert_int_equal(job->total_rows, -1);
	assert_int_equal(job->processed_rows, 0);
	assert_null(job->worker_id);
	assert_null(job->summary);
	ecl_job_free(job);
}

static void create_defaults_filename_and_stores_absolute_path(void **state)
{
	conf_fixture *f = *state;
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	char id[ECL_BATCH_ID_SIZE], relative[64];
	char *previous_dir = getcwd(NULL, 0);
	ecl_job *job = NULL;

	assert_non_null(previous_dir);
	assert_int_equal(chdir(f->dir), 0);
	snprintf(relative, sizeof(relative), "./readings.csv");
	o.file_path = relative;
	o.tags = "[]";
	o.metadata = "{}";
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
	assert_int_equal(chdir(previous_dir), 0);
	free(previous_dir);
	ecl_assert_ok(ecl_job_get(&job, f->store, id));
	assert_string_equal(job->filename, "readings.csv");
	assert_string_equal(job->file_path, f->file);
	/* Empty tags and metadata are stored as NULL, as the reference did. */
	assert_null(job->tags);
	assert_null(job->metadata);
	assert_int_equal(job->max_retries, ECL_DEFAULT_MAX_RETRIES);
	assert_int_equal(job->priority, ECL_PRIORITY_NORMAL);
	assert_int_equal(job->user_id, 0);
	ecl_job_free(job);
}

static void create_rejects_bad_arguments(void **state)
{
	conf_fixture *f = *state;
	ecl_job_options o;
	char id[ECL_BATCH_ID_SIZE];
	char *missing;
	ecl_job_array *all = NULL;

#define REJECT(code, needle, mutate) do { \
		ecl_job_options_init(&o, ECL_JOB_OPTIONS_VERSION); \
		o.file_path = f->file; \
		mutate; \
		ecl_assert_fails(code, ecl_job_create(id, f->store, &o)); \
		ecl_assert_error_contains(needle); \
	} while (0)

	assert_int_equal(asprintf(&missing, "%s/nope.csv", f->dir) > 0, 1);
	REJECT(ECL_EIO, "nope.csv", o.file_path = missing);
	REJECT(ECL_EIO, "not a regular file", o.file_path = f->dir);
	REJECT(ECL_EINVALID, "file_path", o.file_path = NULL);
	REJECT(ECL_EINVALID, "file_path", o.file_path = "");
	REJECT(ECL_EINVALID, "import type", o.import_type = (ecl_import_type)7);
	REJECT(ECL_EINVALID, "priority", o.priority = (ecl_priority)-1);
	REJECT(ECL_EINVALID, "tags must be a JSON array", o.tags = "{\"a\":1}");
	REJECT(ECL_EINVALID, "tags is not valid JSON", o.tags = "[\"a\",");
	REJECT(ECL_EINVALID, "not a string", o.tags = "[\"a\", 3]");
	REJECT(ECL_EINVALID, "metadata must be a JSON object", o.metadata = "[1]");
	REJECT(ECL_EINVALID, "metadata is not valid JSON", o.metadata = "{nope}");
	REJECT(ECL_EINVALID, "max_retries", o.max_retries = -1);
	REJECT(ECL_EINVALID, "max_retries", o.max_retries = ECL_MAX_RETRIES_LIMIT + 1);
	REJECT(ECL_EINVALID, "user_id", o.user_id = -5);
	REJECT(ECL_EINVALID, "filename", o.filename = "");
	REJECT(ECL_EINVALID, "version", o.version = 99);
#undef REJECT
	ecl_assert_fails(ECL_EINVALID, ecl_job_create(NULL, f->store, &o));
	ecl_assert_fails(ECL_EINVALID, ecl_job_create(id, f->store, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_job_create(id, NULL, &o));
	free(missing);

	/* Nothing refused was written. */
	ecl_assert_ok(ecl_job_list(&all, f->store, NULL));
	assert_int_equal(all->count, 0);
	ecl_job_array_free(all);
}

static void create_many_is_all_or_nothing(void **state)
{
	conf_fixture *f = *state;
	ecl_job_options jobs[5];
	char ids[5 * ECL_BATCH_ID_SIZE];
	ecl_job_array *all = NULL;
	int i;

	for (i = 0; i < 5; i++) {
		ecl_job_options_init(&jobs[i], ECL_JOB_OPTIONS_VERSION);
		jobs[i].file_path = f->file;
	}
	jobs[3].metadata = "\"not an object\"";
	ecl_assert_fails(ECL_EINVALID, ecl_job_create_many(ids, f->store, jobs, 5));
	ecl_assert_error_contains("job 3");
	ecl_assert_ok(ecl_job_list(&all, f->store, NULL));
	assert_int_equal(all->count, 0);
	ecl_job_array_free(all);

	jobs[3].metadata = NULL;
	ecl_assert_ok(ecl_job_create_many(ids, f->store, jobs, 5));
	for (i = 0; i < 5; i++)
		assert_true(ecl_uuid_is_valid(ids + i * ECL_BATCH_ID_SIZE));
	assert_string_not_equal(ids, ids + ECL_BATCH_ID_SIZE);
	ecl_assert_ok(ecl_job_list(&all, f->store, NULL));
	assert_int_equal(all->count, 5);
	ecl_job_array_free(all);
	ecl_assert_fails(ECL_EINVALID, ecl_job_create_many(ids, f->store, jobs, 0));
}

static void get_unknown_job_is_not_found(void **state)
{
	conf_fixture *f = *state;
	ecl_job *job = (ecl_job *)1;

	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_get(&job, f->store, "00000000-0000-4000-8000-000000000000"));
	ecl_assert_error_contains("00000000-0000-4000-8000-000000000000");
	assert_null(job);
	ecl_assert_fails(ECL_EINVALID, ecl_job_get(&job, f->store, ""));
	ecl_assert_fails(ECL_EINVALID, ecl_job_get(&job, f->store, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_job_get(NULL, f->store, "x"));
}

static void list_is_newest_first_with_filters(void **state)
{
	conf_fixture *f = *state;
	char ids[4][ECL_BATCH_ID_SIZE];
	ecl_job_list_options lo = ECL_JOB_LIST_OPTIONS_INIT;
	ecl_job_array *list = NULL;
	int i;

	for (i = 0; i < 4; i++) {
		conf_enqueue(f, ids[i], ECL_PRIORITY_NORMAL);
		f->now += 10;
	}
	ecl_assert_ok(ecl_job_cancel(f->store, ids[1]));

	ecl_assert_ok(ecl_job_list(&list, f->store, NULL));
	assert_int_equal(list->count, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(list->jobs[i].batch_id, ids[3 - i]);
	ecl_job_array_free(list);

	lo.status = ECL_JOB_QUEUED;
	ecl_assert_ok(ecl_job_list(&list, f->store, &lo));
	assert_int_equal(list->count, 3);
	assert_string_equal(list->jobs[0].batch_id, ids[3]);
	assert_string_equal(list->jobs[2].batch_id, ids[0]);
	ecl_job_array_free(list);

	lo.status = ECL_JOB_CANCELLED;
	ecl_assert_ok(ecl_job_list(&list, f->store, &lo));
	assert_int_equal(list->count, 1);
	assert_string_equal(list->jobs[0].batch_id, ids[1]);
	ecl_job_array_free(list);

	lo.status = ECL_JOB_ANY;
	lo.limit = 2;
	ecl_assert_ok(ecl_job_list(&list, f->store, &lo));
	assert_int_equal(list->count, 2);
	assert_string_equal(list->jobs[1].batch_id, ids[2]);
	ecl_job_array_free(list);

	lo.status = 17;
	ecl_assert_fails(ECL_EINVALID, ecl_job_list(&list, f->store, &lo));
	assert_null(list);
}

static void list_without_limit_returns_everything(void **state)
{
	conf_fixture *f = *state;
	ecl_job_list_options lo = ECL_JOB_LIST_OPTIONS_INIT;
	ecl_job_options jobs[30];
	ecl_job_array *list = NULL;
	int i;

	for (i = 0; i < 30; i++) {
		ecl_job_options_init(&jobs[i], ECL_JOB_OPTIONS_VERSION);
		jobs[i].file_path = f->file;
	}
	ecl_assert_ok(ecl_job_create_many(NULL, f->store, jobs, 30));
	ecl_assert_ok(ecl_job_list(&list, f->store, NULL));
	assert_int_equal(list->count, 20);  /* the reference's default of 20 */
	ecl_job_array_free(list);
	lo.limit = 0;
	ecl_assert_ok(ecl_job_list(&list, f->store, &lo));
	assert_int_equal(list->count, 30);
	ecl_job_array_free(list);
}

static void claim_orders_by_priority_then_fifo(void **state)
{
	conf_fixture *f = *state;
	char low[ECL_BATCH_ID_SIZE], normal1[ECL_BATCH_ID_SIZE], normal2[ECL_BATCH_ID_SIZE];
	char high[ECL_BATCH_ID_SIZE], got[ECL_BATCH_ID_SIZE];
	ecl_job *none = (ecl_job *)1;

	conf_enqueue(f, low, ECL_PRIORITY_LOW);
	f->now += 1;
	conf_enqueue(f, normal1, ECL_PRIORITY_NORMAL);
	f->now += 1;
	conf_enqueue(f, high, ECL_PRIORITY_HIGH);
	conf_enqueue(f, normal2, ECL_PRIORITY_NORMAL);  /* same second as high: id breaks ties */

	conf_claim(f, "w", got);
	assert_string_equal(got, high);
	conf_claim(f, "w", got);
	assert_string_equal(got, normal1);
	conf_claim(f, "w", got);
	assert_string_equal(got, normal2);
	conf_claim(f, "w", got);
	assert_string_equal(got, low);
	ecl_assert_ok(ecl_job_claim(&none, f->store, "w"));
	assert_null(none);
}

static void claim_sets_worker_fields(void **state)
{
	conf_fixture *f = *state;
	char id[ECL_BATCH_ID_SIZE];
	ecl_job *job = NULL;

	conf_enqueue(f, id, ECL_PRIORITY_NORMAL);
	f->now += 30;
	ecl_assert_ok(ecl_job_claim(&job, f->store, "host-a:1234"));
	assert_non_null(job);
	assert_string_equal(job->batch_id, id);
	assert_int_equal(job->status, ECL_JOB_PROCESSING);
	assert_string_equal(job->worker_id, "host-a:1234");
	assert_int_equal(job->started_at, f->now);
	assert_int_equal(job->heartbeat_at, f->now);
	ecl_job_free(job);
	assert_int_equal(conf_status(f, id), ECL_JOB_PROCESSING);

	ecl_assert_fails(ECL_EINVALID, ecl_job_claim(&job, f->store, ""));
	ecl_assert_fails(ECL_EINVALID, ecl_job_claim(&job, f->store, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_job_claim(NULL, f->store, "w"));
}

static void claim_skips_cancelled_and_finished_jobs(void **state)
{
	conf_fixture *f = *state;
	char a[ECL_BATCH_ID_SIZE], b[ECL_BATCH_ID_SIZE];
	ecl_job *job = NULL;

	conf_enqueue(f, a, ECL_PRIORITY_HIGH);
	conf_enqueue(f, b, ECL_PRIORITY_LOW);
	ecl_assert_ok(ecl_job_cancel(f->store, a));
	ecl_assert_ok(ecl_job_claim(&job, f->store, "w"));
	assert_non_null(job);
	assert_string_equal(job->batch_id, b);
	ecl_assert_ok(ecl_job_complete(f->store, b, "w", NULL, NULL));
	ecl_job_free(job);
	ecl_assert_ok(ecl_job_claim(&job, f->store, "w"));
	assert_null(job);
}

static void job_json_matches_the_record(void **state)
{
	conf_fixture *f = *state;
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	char id[ECL_BATCH_ID_SIZE];
	ecl_buf buf = ECL_BUF_INIT;
	ecl_job *job = NULL;
	json_t *root;

	o.file_path = f->file;
	o.tags = "[\"x\"]";
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
	ecl_assert_ok(ecl_job_get(&job, f->store, id));
	ecl_assert_ok(ecl_job_to_json(&buf, job));
	root = json_loads(buf.ptr, 0, NULL);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "batch_id")), id);
	assert_string_equal(json_string_value(json_object_get(root, "status")), "queued");
	assert_string_equal(json_string_value(json_object_get(root, "queued_at")), "2023-11-14 22:13:20");
	assert_true(json_is_null(json_object_get(root, "started_at")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(root, "tags"), 0)), "x");
	json_decref(root);
	ecl_buf_dispose(&buf);
	ecl_job_free(job);
}

const struct CMUnitTest conf_queue_tests[] = {
	cmocka_unit_test_setup_teardown(create_round_trips_every_parameter, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(create_defaults_filename_and_stores_absolute_path, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(create_rejects_bad_arguments, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(create_many_is_all_or_nothing, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(get_unknown_job_is_not_found, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(list_is_newest_first_with_filters, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(list_without_limit_returns_everything, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(claim_orders_by_priority_then_fifo, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(claim_sets_worker_fields, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(claim_skips_cancelled_and_finished_jobs, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(job_json_matches_the_record, conf_setup, conf_teardown),
};
const size_t conf_queue_test_count = sizeof(conf_queue_tests) / sizeof(conf_queue_tests[0]);
