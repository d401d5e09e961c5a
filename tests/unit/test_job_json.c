#include "ecl_test.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A job filled by hand; its strings point to literals and are never freed. */
static ecl_job sample_job(void)
{
	ecl_job job;

	memset(&job, 0, sizeof(job));
	job.id = 17;
	strcpy(job.batch_id, "123e4567-e89b-42d3-a456-426614174000");
	job.user_id = 42;
	job.filename = (char *)"readings \"March\".csv";
	job.file_path = (char *)"/data/imports/readings.csv";
	job.import_type = ECL_IMPORT_DAILY;
	job.status = ECL_JOB_PROCESSING;
	job.dry_run = 1;
	job.total_rows = 3;
	job.processed_rows = 1;
	job.imported_rows = 1;
	job.failed_rows = 0;
	job.queued_at = 1700000000;
	job.started_at = 1700000060;
	job.completed_at = ECL_TIME_NONE;
	job.error_message = NULL;
	job.summary = (char *)"{\"records_processed\":3,\"errors\":[\"Row 2: bad\"]}";
	job.retry_count = 1;
	job.max_retries = 3;
	job.retry_at = ECL_TIME_NONE;
	job.last_error = (char *)"database busy";
	job.notes = (char *)"line1\nline2 \xc3\xa9";
	job.priority = ECL_PRIORITY_HIGH;
	job.tags = (char *)"[\"march\",\"hh\"]";
	job.metadata = (char *)"{\"site\":\"north\",\"n\":2}";
	job.alert_sent = 0;
	job.alert_sent_at = ECL_TIME_NONE;
	job.worker_id = (char *)"host-1:1234";
	job.heartbeat_at = 1700000120;
	job.cancel_requested = 0;
	job.checkpoint = 1;
	job.file_sha256 = NULL;
	job.error_class = (char *)"transient";
	job.file_size = 1234;
	job.file_mtime = 1700000000;
	job.file_inode = 98765;
	return job;
}

/* Encode and decode a job; the caller json_decref()s. */
static json_t *to_json(const ecl_job *job)
{
	ecl_buf buf = ECL_BUF_INIT;
	json_error_t error;
	json_t *root;

	ecl_assert_ok(ecl_job_to_json(&buf, job));
	assert_non_null(buf.ptr);
	assert_int_equal(strlen(buf.ptr), buf.size);
	root = json_loads(buf.ptr, 0, &error);
	if (root == NULL)
		print_error("not JSON (%s): %s\n", error.text, buf.ptr);
	ecl_buf_dispose(&buf);
	assert_non_null(root);
	assert_true(json_is_object(root));
	return root;
}

static void assert_str(json_t *root, const char *key, const char *expected)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL)
		fail_msg("key \"%s\" is missing", key);
	if (!json_is_string(v))
		fail_msg("key \"%s\" is not a string", key);
	assert_string_equal(json_string_value(v), expected);
}

static void assert_null_key(json_t *root, const char *key)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL)
		fail_msg("key \"%s\" is missing", key);
	if (!json_is_null(v))
		fail_msg("key \"%s\" is not null", key);
}

static void assert_int_key(json_t *root, const char *key, json_int_t expected)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL)
		fail_msg("key \"%s\" is missing", key);
	if (!json_is_integer(v))
		fail_msg("key \"%s\" is not an integer", key);
	assert_int_equal(json_integer_value(v), expected);
}

static void assert_bool_key(json_t *root, const char *key, int expected)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL)
		fail_msg("key \"%s\" is missing", key);
	if (!json_is_boolean(v))
		fail_msg("key \"%s\" is not a boolean", key);
	assert_int_equal(json_is_true(v), expected);
}

static void test_every_column_present(void **state)
{
	static const char *const columns[] = {
		"id", "batch_id", "user_id", "filename", "file_path", "import_type", "status",
		"dry_run", "total_rows", "processed_rows", "imported_rows", "failed_rows",
		"queued_at", "started_at", "completed_at", "error_message", "summary",
		"retry_count", "max_retries", "retry_at", "last_error", "notes", "priority",
		"tags", "metadata", "alert_sent", "alert_sent_at", "worker_id", "heartbeat_at",
		"cancel_requested", "checkpoint", "file_sha256", "error_class", "import_profile", "import_meter",
		"import_clock", "file_size", "file_mtime", "file_inode", "progress_percent",
	};
	ecl_job job = sample_job();
	json_t *root = to_json(&job);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(columns) / sizeof(columns[0]); i++) {
		if (json_object_get(root, columns[i]) == NULL)
			fail_msg("column \"%s\" is missing", columns[i]);
	}
	assert_int_equal(json_object_size(root), sizeof(columns) / sizeof(columns[0]));
	json_decref(root);
}

static void test_values(void **state)
{
	ecl_job job = sample_job();
	json_t *root = to_json(&job);
	json_t *v;

	(void)state;
	assert_int_key(root, "id", 17);
	assert_str(root, "batch_id", "123e4567-e89b-42d3-a456-426614174000");
	assert_int_key(root, "user_id", 42);
	assert_str(root, "filename", "readings \"March\".csv");
	assert_str(root, "file_path", "/data/imports/readings.csv");
	assert_str(root, "import_type", "daily");
	assert_str(root, "status", "processing");
	assert_str(root, "priority", "high");
	assert_bool_key(root, "dry_run", 1);
	assert_int_key(root, "total_rows", 3);
	assert_int_key(root, "processed_rows", 1);
	assert_int_key(root, "imported_rows", 1);
	assert_int_key(root, "failed_rows", 0);
	assert_str(root, "queued_at", "2023-11-14 22:13:20");
	assert_str(root, "started_at", "2023-11-14 22:14:20");
	assert_null_key(root, "completed_at");
	assert_null_key(root, "error_message");
	assert_int_key(root, "retry_count", 1);
	assert_int_key(root, "max_retries", 3);
	assert_null_key(root, "retry_at");
	assert_str(root, "last_error", "database busy");
	assert_str(root, "notes", "line1\nline2 \xc3\xa9");
	assert_bool_key(root, "alert_sent", 0);
	assert_null_key(root, "alert_sent_at");
	assert_str(root, "worker_id", "host-1:1234");
	assert_str(root, "heartbeat_at", "2023-11-14 22:15:20");
	assert_bool_key(root, "cancel_requested", 0);
	assert_int_key(root, "checkpoint", 1);
	assert_null_key(root, "file_sha256");
	assert_str(root, "error_class", "transient");
	assert_int_key(root, "file_size", 1234);
	assert_str(root, "file_mtime", "2023-11-14 22:13:20");
	assert_int_key(root, "file_inode", 98765);

	/* Stored JSON is decoded, not nested as a string. */
	v = json_object_get(root, "tags");
	assert_true(json_is_array(v));
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(json_string_value(json_array_get(v, 0)), "march");
	assert_string_equal(json_string_value(json_array_get(v, 1)), "hh");
	v = json_object_get(root, "metadata");
	assert_true(json_is_object(v));
	assert_string_equal(json_string_value(json_object_get(v, "site")), "north");
	assert_int_equal(json_integer_value(json_object_get(v, "n")), 2);
	v = json_object_get(root, "summary");
	assert_true(json_is_object(v));
	assert_int_equal(json_integer_value(json_object_get(v, "records_processed")), 3);
	assert_true(json_is_array(json_object_get(v, "errors")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "errors"), 0)),
		"Row 2: bad");

	/* 1 of 3 rows: 33.33 percent. */
	v = json_object_get(root, "progress_percent");
	assert_true(json_is_number(v));
	assert_true(fabs(json_number_value(v) - 33.33) < 1e-9);
	json_decref(root);
}

static void test_unset_values_are_null(void **state)
{
	ecl_job job;
	json_t *root;

	(void)state;
	memset(&job, 0, sizeof(job));
	strcpy(job.batch_id, "00000000-0000-4000-8000-000000000000");
	job.total_rows = -1;
	job.file_size = -1;
	job.file_inode = -1;
	job.status = ECL_JOB_QUEUED;
	job.priority = ECL_PRIORITY_LOW;
	job.import_type = ECL_IMPORT_HH;
	root = to_json(&job);
	assert_null_key(root, "user_id");
	assert_null_key(root, "total_rows");
	assert_null_key(root, "filename");
	assert_null_key(root, "file_path");
	assert_null_key(root, "queued_at");
	assert_null_key(root, "started_at");
	assert_null_key(root, "completed_at");
	assert_null_key(root, "retry_at");
	assert_null_key(root, "heartbeat_at");
	assert_null_key(root, "summary");
	assert_null_key(root, "tags");
	assert_null_key(root, "metadata");
	assert_null_key(root, "worker_id");
	assert_null_key(root, "error_class");
	assert_null_key(root, "file_size");
	assert_null_key(root, "file_mtime");
	assert_null_key(root, "file_inode");
	assert_str(root, "status", "queued");
	assert_str(root, "priority", "low");
	assert_str(root, "import_type", "hh");
	assert_bool_key(root, "dry_run", 0);
	/* Unknown total: no progress. */
	assert_true(json_is_number(json_object_get(root, "progress_percent")));
	assert_true(json_number_value(json_object_get(root, "progress_percent")) == 0.0);
	json_decref(root);
}

static void test_instants_are_utc(void **state)
{
	static const struct { int64_t t; const char *text; } cases[] = {
		{ 1, "1970-01-01 00:00:01" },
		{ 1700000000, "2023-11-14 22:13:20" },
		{ 1711846800, "2024-03-31 01:00:00" },  /* just after the BST change: still UTC */
		{ 1719792000, "2024-07-01 00:00:00" },  /* summer: no +1 hour */
		{ 1709164800, "2024-02-29 00:00:00" },  /* leap day */
		{ 4102444799, "2099-12-31 23:59:59" },
	};
	ecl_job job = sample_job();
	size_t i;

	(void)state;
	setenv("TZ", "Europe/London", 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *root;
		job.completed_at = cases[i].t;
		root = to_json(&job);
		assert_str(root, "completed_at", cases[i].text);
		json_decref(root);
	}
	unsetenv("TZ");
}

static void test_invalid_stored_json_passes_through(void **state)
{
	ecl_job job = sample_job();
	json_t *root;

	(void)state;
	job.summary = (char *)"not json{";
	job.tags = (char *)"[unclosed";
	job.metadata = (char *)"";
	root = to_json(&job);
	assert_str(root, "summary", "not json{");
	assert_str(root, "tags", "[unclosed");
	assert_str(root, "metadata", "");
	json_decref(root);
}

/*
 * "every column by name": a text column that is not valid UTF-8 (a Latin-1
 * file name from an old upload, an error quoting such a row) must still
 * appear, not vanish from the object.
 */
static void test_non_utf8_text_keeps_its_key(void **state)
{
	ecl_job job = sample_job();
	json_t *root;

	(void)state;
	job.filename = (char *)"caf\xe9.csv";
	job.error_message = (char *)"Row 2: unknown meter \"\xa3" "12\"";
	job.notes = (char *)"\xff";
	root = to_json(&job);
	{
		/* Collected first so that a failure does not leak the tree. */
		json_t *filename = json_object_get(root, "filename");
		int has_filename = filename != NULL;
		int filename_is_string = json_is_string(filename);
		int has_error = json_object_get(root, "error_message") != NULL;
		int has_notes = json_object_get(root, "notes") != NULL;

		json_decref(root);
		if (!has_filename)
			fail_msg("key \"filename\" is missing for a non-UTF-8 file name");
		assert_true(filename_is_string);
		assert_true(has_error);
		assert_true(has_notes);
	}
}

static void test_progress_percent(void **state)
{
	static const struct { int64_t processed, total; double percent; } cases[] = {
		{ 1, 3, 33.33 }, { 2, 3, 66.67 }, { 0, 10, 0.0 }, { 10, 10, 100.0 },
		{ 1, 8, 12.5 }, { 5, 0, 0.0 }, { 5, -1, 0.0 }, { 1, 1000000, 0.0 },
	};
	ecl_job job = sample_job();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *root;
		double got;
		job.processed_rows = cases[i].processed;
		job.total_rows = cases[i].total;
		root = to_json(&job);
		got = json_number_value(json_object_get(root, "progress_percent"));
		if (fabs(got - cases[i].percent) > 1e-9)
			fail_msg("%lld of %lld: %f, expected %f", (long long)cases[i].processed,
				(long long)cases[i].total, got, cases[i].percent);
		json_decref(root);
	}
}

static void test_buffer_is_replaced(void **state)
{
	ecl_job job = sample_job();
	ecl_buf buf = ECL_BUF_INIT;
	json_t *root;
	size_t first;

	(void)state;
	ecl_assert_ok(ecl_job_to_json(&buf, &job));
	first = buf.size;
	ecl_assert_ok(ecl_job_to_json(&buf, &job));
	/* The second call replaces the text rather than appending to it. */
	assert_int_equal(buf.size, first);
	root = json_loads(buf.ptr, 0, NULL);
	assert_non_null(root);
	json_decref(root);
	ecl_buf_dispose(&buf);
}

static void test_null_arguments(void **state)
{
	ecl_job job = sample_job();
	ecl_buf buf = ECL_BUF_INIT;

	(void)state;
	ecl_assert_fails(ECL_EINVALID, ecl_job_to_json(NULL, &job));
	ecl_assert_fails(ECL_EINVALID, ecl_job_to_json(&buf, NULL));
	assert_null(buf.ptr);
}

/* ---- enumeration names -------------------------------------------------- */

static void test_status_names(void **state)
{
	static const char *const names[] = { "queued", "processing", "completed", "failed", "cancelled" };
	ecl_job_status s;
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_string_equal(ecl_job_status_name((ecl_job_status)i), names[i]);
		s = (ecl_job_status)99;
		ecl_assert_ok(ecl_job_status_parse(&s, names[i]));
		assert_int_equal(s, i);
	}
	assert_null(ecl_job_status_name((ecl_job_status)5));
	assert_null(ecl_job_status_name((ecl_job_status)-1));
	assert_null(ecl_job_status_name((ecl_job_status)1000));
	s = ECL_JOB_FAILED;
	ecl_assert_fails(ECL_EINVALID, ecl_job_status_parse(&s, "running"));
	ecl_assert_error_contains("running");
	assert_int_equal(s, ECL_JOB_FAILED);
	ecl_assert_fails(ECL_EINVALID, ecl_job_status_parse(&s, ""));
	ecl_assert_fails(ECL_EINVALID, ecl_job_status_parse(&s, "queued "));
	ecl_assert_error_contains("queued ");
	ecl_assert_fails(ECL_EINVALID, ecl_job_status_parse(&s, NULL));
	assert_int_equal(s, ECL_JOB_FAILED);
}

static void test_priority_names(void **state)
{
	static const char *const names[] = { "low", "normal", "high", "critical" };
	ecl_priority p;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_string_equal(ecl_priority_name((ecl_priority)i), names[i]);
		p = (ecl_priority)99;
		ecl_assert_ok(ecl_priority_parse(&p, names[i]));
		assert_int_equal(p, i);
	}
	assert_null(ecl_priority_name((ecl_priority)4));
	assert_null(ecl_priority_name((ecl_priority)-1));
	p = ECL_PRIORITY_LOW;
	ecl_assert_fails(ECL_EINVALID, ecl_priority_parse(&p, "urgent"));
	ecl_assert_error_contains("urgent");
	assert_int_equal(p, ECL_PRIORITY_LOW);
	ecl_assert_fails(ECL_EINVALID, ecl_priority_parse(&p, NULL));
}

static void test_import_type_names(void **state)
{
	ecl_import_type t;

	(void)state;
	assert_string_equal(ecl_import_type_name(ECL_IMPORT_HH), "hh");
	assert_string_equal(ecl_import_type_name(ECL_IMPORT_DAILY), "daily");
	assert_string_equal(ecl_import_type_name(ECL_IMPORT_SITES), "sites");
	assert_null(ecl_import_type_name((ecl_import_type)3));
	assert_null(ecl_import_type_name((ecl_import_type)-1));
	t = ECL_IMPORT_DAILY;
	ecl_assert_ok(ecl_import_type_parse(&t, "hh"));
	assert_int_equal(t, ECL_IMPORT_HH);
	ecl_assert_ok(ecl_import_type_parse(&t, "daily"));
	assert_int_equal(t, ECL_IMPORT_DAILY);
	ecl_assert_ok(ecl_import_type_parse(&t, "sites"));
	assert_int_equal(t, ECL_IMPORT_SITES);
	t = ECL_IMPORT_DAILY;
	ecl_assert_fails(ECL_EINVALID, ecl_import_type_parse(&t, "monthly"));
	ecl_assert_error_contains("monthly");
	assert_int_equal(t, ECL_IMPORT_DAILY);
	ecl_assert_fails(ECL_EINVALID, ecl_import_type_parse(&t, NULL));
}

/* The library never aborts on bad input; a NULL out-pointer is
 * bad input like any other and must come back as ECL_EINVALID. */
static void test_parse_null_out(void **state)
{
	(void)state;
	ecl_assert_fails(ECL_EINVALID, ecl_job_status_parse(NULL, "queued"));
	ecl_assert_fails(ECL_EINVALID, ecl_priority_parse(NULL, "high"));
	ecl_assert_fails(ECL_EINVALID, ecl_import_type_parse(NULL, "hh"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_column_present),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_unset_values_are_null),
		cmocka_unit_test(test_instants_are_utc),
		cmocka_unit_test(test_invalid_stored_json_passes_through),
		cmocka_unit_test(test_non_utf8_text_keeps_its_key),
		cmocka_unit_test(test_progress_percent),
		cmocka_unit_test(test_buffer_is_replaced),
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_priority_names),
		cmocka_unit_test(test_import_type_names),
		cmocka_unit_test(test_parse_null_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
