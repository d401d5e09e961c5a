#include "ecl_test.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/backend_registry.h"
#include "eclectyc/sys/backend.h"

/* ---- helpers ------------------------------------------------------------ */

/* An absolute private directory for one test (caller frees and removes). */
static char *abs_tmpdir(const char *name)
{
	char *dir = ecl_test_tmpdir(name);
	char *abs;

	assert_non_null(dir);
	abs = realpath(dir, NULL);
	assert_non_null(abs);
	free(dir);
	return abs;
}

static int file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int report_has(const ecl_schema_report *r, const char *needle)
{
	size_t i;

	for (i = 0; i < r->count; i++) {
		if (strstr(r->problems[i], needle) != NULL)
			return 1;
	}
	return 0;
}

static void print_report(const ecl_schema_report *r)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		print_message("  problem: %s\n", r->problems[i]);
}

/* ---- opening ------------------------------------------------------------ */

static void test_open_bad_arguments(void **state)
{
	ecl_store *store = (ecl_store *)0x1;

	(void)state;
	ecl_assert_fails(ECL_EINVALID, ecl_store_open(NULL, "sqlite::memory:", NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_store_open(&store, NULL, NULL));
	assert_null(store);
	store = (ecl_store *)0x1;
	ecl_assert_fails(ECL_EINVALID, ecl_store_open(&store, "", NULL));
	assert_null(store);
}

static void test_open_memory(void **state)
{
	ecl_store *store = NULL;

	(void)state;
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", NULL));
	assert_non_null(store);
	assert_string_equal(ecl_store_backend_name(store), "sqlite");
	ecl_store_free(store);
}

static void test_open_relative_path(void **state)
{
	char *dir = abs_tmpdir("test_store_rel");
	char saved[PATH_MAX];
	char *expected = NULL;
	ecl_store *store = NULL;
	int rc;

	(void)state;
	assert_non_null(getcwd(saved, sizeof(saved)));
	assert_int_equal(chdir(dir), 0);
	rc = ecl_store_open(&store, "sqlite://rel.db", NULL);
	if (rc == 0)
		rc = ecl_store_migrate(store);
	ecl_store_free(store);
	assert_int_equal(chdir(saved), 0);
	ecl_assert_ok(rc);

	/* The file was created relative to the working directory at open time. */
	assert_true(asprintf(&expected, "%s/rel.db", dir) > 0);
	assert_true(file_exists(expected));
	free(expected);
	ecl_test_rmtree(dir);
	free(dir);
}

static void test_open_absolute_path(void **state)
{
	char *dir = abs_tmpdir("test_store_abs");
	char *uri = NULL, *path = NULL;
	ecl_store *store = NULL;
	int current = -1, expected = -1;

	(void)state;
	assert_true(asprintf(&path, "%s/abs.db", dir) > 0);
	assert_true(asprintf(&uri, "sqlite://%s", path) > 0);  /* sqlite:///abs/... */
	assert_int_equal(strncmp(uri, "sqlite:///", 10), 0);
	assert_false(file_exists(path));
	ecl_assert_ok(ecl_store_open(&store, uri, NULL));
	ecl_assert_ok(ecl_store_migrate(store));
	ecl_store_free(store);
	assert_true(file_exists(path));

	/* Reopening the same file sees the migrated schema. */
	ecl_assert_ok(ecl_store_open(&store, uri, NULL));
	ecl_assert_ok(ecl_store_schema_version(&current, &expected, store));
	assert_true(expected >= 1);
	assert_int_equal(current, expected);
	ecl_store_free(store);

	free(uri);
	free(path);
	ecl_test_rmtree(dir);
	free(dir);
}

static void test_open_unknown_scheme(void **state)
{
	ecl_store *store = (ecl_store *)0x1;

	(void)state;
	ecl_assert_fails(ECL_ENOTSUPPORTED, ecl_store_open(&store, "oracle://x", NULL));
	ecl_assert_error_contains("oracle");
	assert_null(store);
	ecl_assert_fails(ECL_ENOTSUPPORTED, ecl_store_open(&store, "postgresqlx://u@h/db", NULL));
	ecl_assert_error_contains("postgresqlx");
}

static void test_open_malformed_uri(void **state)
{
	ecl_store *store = (ecl_store *)0x1;

	(void)state;
	ecl_assert_fails(ECL_EINVALID, ecl_store_open(&store, "just/a/path", NULL));
	assert_null(store);
	ecl_assert_error_contains("just/a/path");
	ecl_assert_fails(ECL_EINVALID, ecl_store_open(&store, ":memory:", NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_store_open(&store, "sqlite:foo", NULL));
	ecl_assert_error_contains("sqlite:foo");
	ecl_assert_fails(ECL_EINVALID, ecl_store_open(&store, "sqlite:", NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_store_open(&store, "sqlite://", NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_store_open(&store, "sqlite:memory:", NULL));
	assert_null(store);
}

static void test_open_missing_directory(void **state)
{
	char *dir = abs_tmpdir("test_store_missing");
	char *uri = NULL;
	ecl_store *store = (ecl_store *)0x1;
	int rc;

	(void)state;
	assert_true(asprintf(&uri, "sqlite://%s/no/such/dir/x.db", dir) > 0);
	rc = ecl_store_open(&store, uri, NULL);
	assert_int_not_equal(rc, 0);
	assert_true(rc == ECL_EIO || rc == ECL_EDB);
	assert_null(store);
	ecl_assert_error_contains("/no/such/dir/x.db");
	free(uri);
	ecl_test_rmtree(dir);
	free(dir);
}

/* A database file deleted under an open store: writes must fail, not commit
 * into the unlinked file and vanish (tests/integration/test_storage_faults.c). */
static void test_write_to_deleted_file(void **state)
{
	char *dir = abs_tmpdir("test_store_deleted");
	char *uri = NULL, *path = NULL, *csv;
	char batch_id[ECL_BATCH_ID_SIZE];
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	ecl_store *store = NULL;
	ecl_job *job = NULL;

	(void)state;
	assert_true(asprintf(&path, "%s/gone.db", dir) > 0);
	assert_true(asprintf(&uri, "sqlite://%s", path) > 0);
	csv = ecl_test_write_file(dir, "a.csv", "MPAN,Date,HH01\n1,2024-01-01,1\n");
	ecl_assert_ok(ecl_store_open(&store, uri, NULL));
	ecl_assert_ok(ecl_store_migrate(store));
	o.file_path = csv;
	ecl_assert_ok(ecl_job_create(batch_id, store, &o));
	assert_int_equal(unlink(path), 0);
	ecl_assert_fails(ECL_EIO, ecl_job_create(batch_id, store, &o));
	ecl_assert_error_contains("deleted or moved");
	ecl_assert_error_contains(path);
	ecl_assert_fails(ECL_EIO, ecl_job_claim(&job, store, "w"));
	assert_null(job);
	ecl_store_free(store);
	free(uri);
	free(path);
	free(csv);
	ecl_test_rmtree(dir);
	free(dir);
}

/* ---- options ------------------------------------------------------------ */

static void expect_bad_option(const ecl_store_options *opts, const char *field)
{
	ecl_store *store = (ecl_store *)0x1;

	ecl_assert_fails(ECL_EINVALID, ecl_store_open(&store, "sqlite::memory:", opts));
	ecl_assert_error_contains(field);
	assert_null(store);
}

static void test_options_validation(void **state)
{
	ecl_store_options o;
	const ecl_store_options defaults = ECL_STORE_OPTIONS_INIT;

	(void)state;
	o = defaults; o.version = 0;
	expect_bad_option(&o, "version");
	o = defaults; o.version = 99;
	expect_bad_option(&o, "version");
	o = defaults; o.busy_timeout_ms = -1;
	expect_bad_option(&o, "busy_timeout_ms");
	o = defaults; o.retry_base_seconds = 0;
	expect_bad_option(&o, "retry_base_seconds");
	o = defaults; o.retry_base_seconds = -5;
	expect_bad_option(&o, "retry_base_seconds");
	o = defaults; o.retry_base_seconds = 100; o.retry_cap_seconds = 99;
	expect_bad_option(&o, "retry_cap_seconds");
	o = defaults; o.retry_jitter_percent = 101;
	expect_bad_option(&o, "retry_jitter_percent");
	o = defaults; o.retry_jitter_percent = -1;
	expect_bad_option(&o, "retry_jitter_percent");
	o = defaults; o.log_level = (ecl_log_level)9;
	expect_bad_option(&o, "log_level");
	o = defaults; o.log_level = (ecl_log_level)-1;
	expect_bad_option(&o, "log_level");

	/* Boundary values that are valid. */
	{
		ecl_store *store = NULL;
		o = defaults;
		o.busy_timeout_ms = 0;
		o.retry_base_seconds = 1;
		o.retry_cap_seconds = 1;
		o.retry_jitter_percent = 100;
		o.log_level = ECL_LOG_NONE;
		ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", &o));
		ecl_store_free(store);
	}
}

static void test_options_init(void **state)
{
	ecl_store_options o;
	const ecl_store_options defaults = ECL_STORE_OPTIONS_INIT;

	(void)state;
	memset(&o, 0x5a, sizeof(o));
	ecl_assert_ok(ecl_store_options_init(&o, ECL_STORE_OPTIONS_VERSION));
	assert_int_equal(o.version, ECL_STORE_OPTIONS_VERSION);
	assert_null(o.clock);
	assert_null(o.clock_payload);
	assert_null(o.log);
	assert_null(o.log_payload);
	assert_int_equal(o.log_level, defaults.log_level);
	assert_int_equal(o.log_level, ECL_LOG_WARN);
	assert_int_equal(o.busy_timeout_ms, 10000);
	assert_int_equal(o.retry_base_seconds, 60);
	assert_int_equal(o.retry_cap_seconds, 3600);
	assert_int_equal(o.retry_jitter_percent, 0);

	ecl_assert_fails(ECL_EINVALID, ecl_store_options_init(&o, 0));
	ecl_assert_fails(ECL_EINVALID, ecl_store_options_init(&o, ECL_STORE_OPTIONS_VERSION + 1));
	ecl_assert_fails(ECL_EINVALID, ecl_store_options_init(NULL, ECL_STORE_OPTIONS_VERSION));
}

/* ---- store basics ------------------------------------------------------- */

static void test_backend_name_and_clock(void **state)
{
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;
	ecl_store *store = NULL;
	int64_t now = 1700000000;

	(void)state;
	assert_null(ecl_store_backend_name(NULL));
	o.clock = ecl_test_clock;
	o.clock_payload = &now;
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", &o));
	assert_string_equal(ecl_store_backend_name(store), "sqlite");
	assert_int_equal(ecl_store_now(store), 1700000000);
	now += 3600;
	assert_int_equal(ecl_store_now(store), 1700003600);
	ecl_store_free(store);

	/* Without a clock the system clock is used. */
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", NULL));
	{
		int64_t sys = ecl_clock_system(NULL);
		int64_t t = ecl_store_now(store);
		assert_true(t >= sys && t <= sys + 5);
		assert_true(t > 1700000000);
	}
	ecl_store_free(store);
}

static void test_schema_version_and_migrate(void **state)
{
	ecl_store *store = NULL;
	int current = -1, expected = -1, again = -1;
	ecl_schema_report *report = NULL;

	(void)state;
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", NULL));
	ecl_assert_ok(ecl_store_schema_version(&current, &expected, store));
	assert_int_equal(current, 0);
	assert_true(expected >= 1);
	/* Either out-pointer may be NULL. */
	ecl_assert_ok(ecl_store_schema_version(NULL, &again, store));
	assert_int_equal(again, expected);
	ecl_assert_ok(ecl_store_schema_version(NULL, NULL, store));
	ecl_assert_fails(ECL_EINVALID, ecl_store_schema_version(&current, &expected, NULL));

	ecl_assert_ok(ecl_store_migrate(store));
	ecl_assert_ok(ecl_store_schema_version(&current, &again, store));
	assert_int_equal(again, expected);
	assert_int_equal(current, expected);

	/* Migrating again changes nothing and is not an error. */
	ecl_assert_ok(ecl_store_migrate(store));
	ecl_assert_ok(ecl_store_schema_version(&current, &again, store));
	assert_int_equal(current, expected);
	ecl_assert_ok(ecl_store_check(&report, store));
	if (report->count != 0)
		print_report(report);
	assert_int_equal(report->count, 0);
	ecl_schema_report_free(report);

	ecl_assert_fails(ECL_EINVALID, ecl_store_migrate(NULL));
	ecl_store_free(store);
}

static void test_migrate_keeps_data(void **state)
{
	char *dir = abs_tmpdir("test_store_keep");
	char *file = ecl_test_write_file(dir, "data.csv", "MPAN,Date,HH01\n");
	ecl_job_options jo = ECL_JOB_OPTIONS_INIT;
	ecl_store *store = NULL;
	ecl_job *job = NULL;
	char id[ECL_BATCH_ID_SIZE];

	(void)state;
	assert_non_null(file);
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", NULL));
	/* Before migrating, job operations say the schema is missing. */
	jo.file_path = file;
	ecl_assert_fails(ECL_ESCHEMA, ecl_job_create(id, store, &jo));
	ecl_assert_ok(ecl_store_migrate(store));
	ecl_assert_ok(ecl_job_create(id, store, &jo));
	ecl_assert_ok(ecl_store_migrate(store));
	ecl_assert_ok(ecl_job_get(&job, store, id));
	assert_string_equal(job->batch_id, id);
	assert_string_equal(job->filename, "data.csv");
	ecl_job_free(job);
	ecl_store_free(store);
	free(file);
	ecl_test_rmtree(dir);
	free(dir);
}

static void test_check_fresh_and_migrated(void **state)
{
	ecl_store *store = NULL;
	ecl_schema_report *report = NULL;
	int expected = 0;

	(void)state;
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", NULL));
	ecl_assert_ok(ecl_store_schema_version(NULL, &expected, store));
	ecl_assert_ok(ecl_store_check(&report, store));
	assert_non_null(report);
	print_report(report);
	assert_true(report->count >= 2);
	assert_int_equal(report->current_version, 0);
	assert_int_equal(report->expected_version, expected);
	assert_true(report_has(report, "pending"));
	assert_true(report_has(report, "missing table import_jobs"));
	ecl_schema_report_free(report);

	/* The check did not migrate anything. */
	{
		int current = -1;
		ecl_assert_ok(ecl_store_schema_version(&current, NULL, store));
		assert_int_equal(current, 0);
	}

	ecl_assert_ok(ecl_store_migrate(store));
	report = NULL;
	ecl_assert_ok(ecl_store_check(&report, store));
	assert_non_null(report);
	if (report->count != 0)
		print_report(report);
	assert_int_equal(report->count, 0);
	assert_int_equal(report->current_version, expected);
	assert_int_equal(report->expected_version, expected);
	ecl_schema_report_free(report);

	ecl_assert_fails(ECL_EINVALID, ecl_store_check(NULL, store));
	report = (ecl_schema_report *)0x1;
	ecl_assert_fails(ECL_EINVALID, ecl_store_check(&report, NULL));
	ecl_store_free(store);
}

static void test_free_null(void **state)
{
	(void)state;
	ecl_store_free(NULL);
	ecl_schema_report_free(NULL);
}

static void test_schema_report_add(void **state)
{
	ecl_schema_report *report = calloc(1, sizeof(*report));

	(void)state;
	assert_non_null(report);
	ecl_assert_ok(ecl_schema_report_add(report, "missing column %s.%s", "t", "c"));
	ecl_assert_ok(ecl_schema_report_add(report, "problem %d", 2));
	assert_int_equal(report->count, 2);
	assert_string_equal(report->problems[0], "missing column t.c");
	assert_string_equal(report->problems[1], "problem 2");
	ecl_schema_report_free(report);
}

/* ---- backend registration ----------------------------------------------- */

static int forwarded_opens;
static int forwarded_claims;
static char last_open_uri[64];

static int mt_open(ecl_backend_conn **out, const char *uri, const ecl_store_options *opts)
{
	forwarded_opens++;
	snprintf(last_open_uri, sizeof(last_open_uri), "%s", uri);
	if (strcmp(uri, "memtest:x") != 0)
		return ecl_error_set(ECL_EINVALID, "memtest only knows memtest:x, not %s", uri);
	return ecl_sqlite_backend.open(out, "sqlite::memory:", opts);
}

static void mt_close(ecl_backend_conn *conn)
{
	ecl_sqlite_backend.close(conn);
}

static int mt_schema_version(ecl_backend_conn *conn, int *current, int *expected)
{
	return ecl_sqlite_backend.schema_version(conn, current, expected);
}

static int mt_migrate(ecl_backend_conn *conn, int64_t applied_at)
{
	return ecl_sqlite_backend.migrate(conn, applied_at);
}

static int mt_check(ecl_backend_conn *conn, ecl_schema_report *report)
{
	return ecl_sqlite_backend.check(conn, report);
}

static int mt_job_insert(ecl_backend_conn *conn, const ecl_job *jobs, size_t count)
{
	return ecl_sqlite_backend.job_insert(conn, jobs, count);
}

static int mt_job_get(ecl_backend_conn *conn, const char *batch_id, ecl_job *out)
{
	return ecl_sqlite_backend.job_get(conn, batch_id, out);
}

static int mt_job_list(ecl_backend_conn *conn, const ecl_job_list_options *opts, ecl_job_array *out)
{
	return ecl_sqlite_backend.job_list(conn, opts, out);
}

static int mt_job_claim(ecl_backend_conn *conn, const char *worker_id, int64_t now,
                        ecl_job *out, int *claimed)
{
	forwarded_claims++;
	return ecl_sqlite_backend.job_claim(conn, worker_id, now, out, claimed);
}

static int mt_job_update(ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found)
{
	return ecl_sqlite_backend.job_update(conn, update, found);
}

/* A queue-only backend: the required slots, every optional one NULL. */
static const ecl_backend memtest_backend = {
	.version = ECL_BACKEND_VERSION,
	.name = "memtest",
	.open = mt_open,
	.close = mt_close,
	.schema_version = mt_schema_version,
	.migrate = mt_migrate,
	.check = mt_check,
	.job_insert = mt_job_insert,
	.job_get = mt_job_get,
	.job_list = mt_job_list,
	.job_claim = mt_job_claim,
	.job_update = mt_job_update,
};

static void test_register_invalid(void **state)
{
	ecl_backend incomplete;
	ecl_backend newer = memtest_backend;
	ecl_backend no_claim = memtest_backend;

	(void)state;
	ecl_assert_fails(ECL_EINVALID, ecl_backend_register("", &memtest_backend));
	ecl_assert_fails(ECL_EINVALID, ecl_backend_register("1abc", &memtest_backend));
	ecl_assert_error_contains("1abc");
	ecl_assert_fails(ECL_EINVALID, ecl_backend_register(NULL, &memtest_backend));
	ecl_assert_fails(ECL_EINVALID, ecl_backend_register("has space", &memtest_backend));
	ecl_assert_fails(ECL_EINVALID, ecl_backend_register("with:colon", &memtest_backend));
	ecl_assert_fails(ECL_EINVALID, ecl_backend_register("okscheme", NULL));

	memset(&incomplete, 0, sizeof(incomplete));
	incomplete.name = "incomplete";
	ecl_assert_fails(ECL_EINVALID, ecl_backend_register("incomplete", &incomplete));
	incomplete.version = ECL_BACKEND_VERSION;
	ecl_assert_fails(ECL_EINVALID, ecl_backend_register("incomplete", &incomplete));

	no_claim.job_claim = NULL;
	ecl_assert_fails(ECL_EINVALID, ecl_backend_register("noclaim", &no_claim));

	newer.version = ECL_BACKEND_VERSION + 1;
	ecl_assert_fails(ECL_EINVALID, ecl_backend_register("newer", &newer));

	/* None of the refused schemes became usable. */
	{
		ecl_store *store = (ecl_store *)0x1;
		ecl_assert_fails(ECL_ENOTSUPPORTED, ecl_store_open(&store, "incomplete:x", NULL));
		ecl_assert_fails(ECL_ENOTSUPPORTED, ecl_store_open(&store, "noclaim:x", NULL));
		ecl_assert_fails(ECL_ENOTSUPPORTED, ecl_store_open(&store, "newer:x", NULL));
		assert_null(store);
	}
}

static void test_register_memtest(void **state)
{
	char *dir = abs_tmpdir("test_store_memtest");
	char *file = ecl_test_write_file(dir, "readings.csv", "MPAN,Date,HH01\n");
	ecl_job_options jo = ECL_JOB_OPTIONS_INIT;
	ecl_store *store = NULL;
	ecl_job *job = NULL;
	char id[ECL_BATCH_ID_SIZE];
	int opens, claims;

	(void)state;
	assert_non_null(file);
	/* Unknown before registration. */
	ecl_assert_fails(ECL_ENOTSUPPORTED, ecl_store_open(&store, "memtest:x", NULL));
	ecl_assert_error_contains("memtest");

	ecl_assert_ok(ecl_backend_register("memtest", &memtest_backend));
	opens = forwarded_opens;
	ecl_assert_ok(ecl_store_open(&store, "memtest:x", NULL));
	assert_int_equal(forwarded_opens, opens + 1);
	/* The backend receives the whole URI. */
	assert_string_equal(last_open_uri, "memtest:x");
	assert_string_equal(ecl_store_backend_name(store), "memtest");

	ecl_assert_ok(ecl_store_migrate(store));
	jo.file_path = file;
	jo.priority = ECL_PRIORITY_HIGH;
	ecl_assert_ok(ecl_job_create(id, store, &jo));
	assert_true(ecl_uuid_is_valid(id));
	claims = forwarded_claims;
	ecl_assert_ok(ecl_job_claim(&job, store, "worker-memtest"));
	assert_int_equal(forwarded_claims, claims + 1);
	assert_non_null(job);
	assert_string_equal(job->batch_id, id);
	assert_int_equal(job->status, ECL_JOB_PROCESSING);
	assert_string_equal(job->worker_id, "worker-memtest");
	assert_int_equal(job->priority, ECL_PRIORITY_HIGH);
	ecl_job_free(job);
	/* Nothing more to claim. */
	job = (ecl_job *)0x1;
	ecl_assert_ok(ecl_job_claim(&job, store, "worker-memtest"));
	assert_null(job);
	/* Operations whose optional slots the backend left NULL are refused,
	 * naming the slot or what needs it, before anything is done; the
	 * required slots (listing with a priority filter) still work. */
	{
		ecl_job_list_options lo = ECL_JOB_LIST_OPTIONS_INIT;
		ecl_job_status_counts counts;
		ecl_job_attempt_array *attempts = NULL;
		ecl_job_array *list = NULL;
		ecl_health_report *health = NULL;
		ecl_aggregate_report *agg = NULL;

		ecl_assert_fails(ECL_ENOTSUPPORTED, ecl_job_count_by_status(&counts, store));
		ecl_assert_error_contains("the memtest backend does not implement counting jobs");
		ecl_assert_fails(ECL_ENOTSUPPORTED, ecl_job_attempts(&attempts, store, id));
		ecl_assert_error_contains("attempts");
		assert_null(attempts);
		ecl_assert_fails(ECL_ENOTSUPPORTED, ecl_health_check(&health, store, NULL));
		ecl_assert_error_contains("health checks");
		assert_null(health);
		ecl_assert_fails(ECL_ENOTSUPPORTED,
			ecl_aggregate(&agg, store, ECL_RANGE_DAILY, "2026-01-01", NULL));
		ecl_assert_error_contains("aggregation");
		assert_null(agg);
		lo.priority = ECL_PRIORITY_HIGH;
		ecl_assert_ok(ecl_job_list(&list, store, &lo));
		assert_int_equal(list->count, 1);
		ecl_job_array_free(list);
	}
	ecl_store_free(store);

	/* A failing backend open propagates its error and allocates nothing. */
	store = (ecl_store *)0x1;
	ecl_assert_fails(ECL_EINVALID, ecl_store_open(&store, "memtest:y", NULL));
	ecl_assert_error_contains("memtest:y");
	assert_null(store);

	/* The built-in scheme still works beside it. */
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", NULL));
	assert_string_equal(ecl_store_backend_name(store), "sqlite");
	ecl_store_free(store);

	free(file);
	ecl_test_rmtree(dir);
	free(dir);
}

/* ---- the host application's users ------------------------------------------ */

/* A host_user_get that knows user 7 (a name, no e-mail) and nobody else. */
static int mt_host_user_get(ecl_backend_conn *conn, int64_t id, ecl_host_user *out)
{
	(void)conn;
	if (out->id != id || out->name != NULL || out->email != NULL)
		return ecl_error_set(ECL_EINVALID, "the record did not come zeroed with its id");
	if (id != 7)
		return ecl_error_set(ECL_ENOTFOUND, "no host user has id %lld", (long long)id);
	out->name = strdup("Ada Lovelace");
	return out->name ? 0 : ecl_error_set(ECL_ENOMEM, "out of memory");
}

static void test_host_user_arguments_and_sqlite(void **state)
{
	ecl_host_user *user = (ecl_host_user *)0x1;
	ecl_store *store = NULL;

	(void)state;
	ecl_assert_fails(ECL_EINVALID, ecl_host_user_lookup(&user, NULL, 1));
	ecl_assert_fails(ECL_EINVALID, ecl_host_user_lookup(NULL, NULL, 1));
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_host_user_lookup(&user, store, 0));
	ecl_assert_error_contains("got 0");
	assert_null(user);
	ecl_assert_fails(ECL_EINVALID, ecl_host_user_lookup(&user, store, -3));
	/* SQLite holds no host tables: not supported, naming the backend, with
	 * or without the library's schema. */
	user = (ecl_host_user *)0x1;
	ecl_assert_fails(ECL_ENOTSUPPORTED, ecl_host_user_lookup(&user, store, 1));
	ecl_assert_error_contains("the sqlite backend does not implement looking up host users");
	assert_null(user);
	ecl_assert_ok(ecl_store_migrate(store));
	ecl_assert_fails(ECL_ENOTSUPPORTED, ecl_host_user_lookup(&user, store, 1));
	ecl_store_free(store);
	ecl_host_user_free(NULL);
}

/* A backend built against version 1 of the interface has a struct that ends
 * before host_user_get: the core must not read past it (AddressSanitizer
 * would see it here, the struct being cut exactly there). */
static void test_host_user_version_1_backend(void **state)
{
	size_t v1_size = offsetof(ecl_backend, host_user_get);
	ecl_backend whole = memtest_backend;
	unsigned char *v1 = malloc(v1_size);
	ecl_host_user *user = NULL;
	ecl_store *store = NULL;

	(void)state;
	assert_non_null(v1);
	/* Only the version-1 part is copied: the rest is not allocated. */
	whole.version = 1;
	whole.name = "memtest-v1";
	memcpy(v1, &whole, v1_size);
	ecl_assert_ok(ecl_backend_register("memtest", (const ecl_backend *)(void *)v1));
	ecl_assert_ok(ecl_store_open(&store, "memtest:x", NULL));
	ecl_assert_fails(ECL_ENOTSUPPORTED, ecl_host_user_lookup(&user, store, 7));
	ecl_assert_error_contains("memtest-v1 backend does not implement looking up host users");
	assert_null(user);
	ecl_store_free(store);
	/* The registry lets go of the cut struct before it is freed. */
	ecl_assert_ok(ecl_backend_register("memtest", &memtest_backend));
	free(v1);
}

static void test_host_user_through_the_slot(void **state)
{
	static ecl_backend with_users;
	ecl_host_user *user = NULL;
	ecl_store *store = NULL;

	(void)state;
	with_users = memtest_backend;
	with_users.name = "memtest-users";
	with_users.host_user_get = mt_host_user_get;
	ecl_assert_ok(ecl_backend_register("memtest", &with_users));
	ecl_assert_ok(ecl_store_open(&store, "memtest:x", NULL));
	ecl_assert_ok(ecl_host_user_lookup(&user, store, 7));
	assert_non_null(user);
	assert_int_equal(user->id, 7);
	assert_string_equal(user->name, "Ada Lovelace");
	assert_null(user->email);
	ecl_host_user_free(user);
	user = (ecl_host_user *)0x1;
	ecl_assert_fails(ECL_ENOTFOUND, ecl_host_user_lookup(&user, store, 8));
	ecl_assert_error_contains("id 8");
	assert_null(user);
	/* The same struct announcing version 1: its slot is not asked. */
	with_users.version = 1;
	ecl_assert_fails(ECL_ENOTSUPPORTED, ecl_host_user_lookup(&user, store, 7));
	with_users.version = ECL_BACKEND_VERSION;
	ecl_store_free(store);
	ecl_assert_ok(ecl_backend_register("memtest", &memtest_backend));
}

/* The helpers backends use to fill in counts and free attempts. */
static void test_backend_helpers(void **state)
{
	ecl_job_status_counts c;
	ecl_job_attempt a;

	(void)state;
	memset(&c, 0, sizeof(c));
	ecl_assert_ok(ecl_job_status_counts_put(&c, "queued", 3));
	ecl_assert_ok(ecl_job_status_counts_put(&c, "processing", 4));
	ecl_assert_ok(ecl_job_status_counts_put(&c, "completed", 5));
	ecl_assert_ok(ecl_job_status_counts_put(&c, "failed", 6));
	ecl_assert_ok(ecl_job_status_counts_put(&c, "cancelled", 7));
	assert_int_equal(c.queued, 3);
	assert_int_equal(c.processing, 4);
	assert_int_equal(c.completed, 5);
	assert_int_equal(c.failed, 6);
	assert_int_equal(c.cancelled, 7);
	ecl_assert_fails(ECL_EDB, ecl_job_status_counts_put(&c, "paused", 1));
	ecl_assert_error_contains("\"paused\"");
	ecl_assert_fails(ECL_EDB, ecl_job_status_counts_put(&c, NULL, 1));
	assert_int_equal(c.queued, 3);

	memset(&a, 0, sizeof(a));
	a.worker_id = strdup("w");
	a.error_message = strdup("boom");
	a.error_class = strdup("transient");
	a.attempt = 2;
	ecl_job_attempt_clear(&a);
	assert_null(a.worker_id);
	assert_null(a.error_message);
	assert_int_equal(a.attempt, 0);
	ecl_job_attempt_clear(NULL);
}

static void test_register_replaces(void **state)
{
	static ecl_backend renamed;
	ecl_store *store = NULL;

	(void)state;
	renamed = memtest_backend;
	renamed.name = "memtest2";
	ecl_assert_ok(ecl_backend_register("memtest", &memtest_backend));
	ecl_assert_ok(ecl_backend_register("memtest", &renamed));
	ecl_assert_ok(ecl_store_open(&store, "memtest:x", NULL));
	assert_string_equal(ecl_store_backend_name(store), "memtest2");
	ecl_store_free(store);
	ecl_assert_ok(ecl_backend_register("memtest", &memtest_backend));
}

/* ---- version ------------------------------------------------------------ */

static void test_version(void **state)
{
	int major = -1, minor = -1, patch = -1;
	const char *v;
	char built[64];

	(void)state;
	v = ecl_version(&major, &minor, &patch);
	assert_non_null(v);
	assert_string_equal(v, ECL_VERSION);
	assert_int_equal(major, ECL_VERSION_MAJOR);
	assert_int_equal(minor, ECL_VERSION_MINOR);
	assert_int_equal(patch, ECL_VERSION_PATCH);
	snprintf(built, sizeof(built), "%d.%d.%d", major, minor, patch);
	assert_string_equal(v, built);
	assert_int_equal(ECL_VERSION_NUMBER, (major << 16) | (minor << 8) | patch);
	/* NULL out-parameters are allowed. */
	assert_string_equal(ecl_version(NULL, NULL, NULL), ECL_VERSION);
}

/* ---- JSON nesting of a job's tags and metadata -------------------------------- */

/* `depth` objects nested: {"a":{"a":…{"a":1}…}}. */
static char *nested_object(int depth)
{
	char *text = malloc((size_t)depth * 6 + 2);
	size_t n = 0;
	int i;

	assert_non_null(text);
	for (i = 0; i < depth; i++)
		memcpy(text + n, "{\"a\":", 5), n += 5;
	text[n++] = '1';
	for (i = 0; i < depth; i++)
		text[n++] = '}';
	text[n] = '\0';
	return text;
}

/* Metadata nested 600 deep used to be stored, then broke every reader of
 * the job list (PHP's json_decode stops at 512, Python at its recursion
 * limit): it is refused when the job is created. */
static void test_job_json_depth_bounded(void **state)
{
	char *dir = abs_tmpdir("test_store_depth");
	char *csv = ecl_test_write_file(dir, "a.csv", "MPAN,Date,HH01\n1,2024-01-01,1\n");
	char batch_id[ECL_BATCH_ID_SIZE];
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	ecl_store *store = NULL;
	ecl_job_array *jobs = NULL;
	char *deep;

	(void)state;
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", NULL));
	ecl_assert_ok(ecl_store_migrate(store));
	o.file_path = csv;

	deep = nested_object(32);            /* at the limit: accepted */
	o.metadata = deep;
	ecl_assert_ok(ecl_job_create(batch_id, store, &o));
	free(deep);

	deep = nested_object(33);
	o.metadata = deep;
	ecl_assert_fails(ECL_EINVALID, ecl_job_create(batch_id, store, &o));
	ecl_assert_error_contains("metadata nests arrays and objects more than 32 levels deep");
	free(deep);

	deep = nested_object(600);
	o.metadata = deep;
	ecl_assert_fails(ECL_EINVALID, ecl_job_create(batch_id, store, &o));
	ecl_assert_error_contains("metadata");
	free(deep);

	o.metadata = NULL;
	o.tags = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"x\"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]";
	ecl_assert_fails(ECL_EINVALID, ecl_job_create(batch_id, store, &o));
	ecl_assert_error_contains("tags nests arrays and objects more than 32 levels deep");

	/* One of many names its index. */
	{
		ecl_job_options many[2] = { ECL_JOB_OPTIONS_INIT, ECL_JOB_OPTIONS_INIT };

		deep = nested_object(40);
		many[0].file_path = csv;
		many[1].file_path = csv;
		many[1].metadata = deep;
		ecl_assert_fails(ECL_EINVALID, ecl_job_create_many(NULL, store, many, 2));
		ecl_assert_error_contains("job 1: metadata nests");
		free(deep);
	}

	/* Only the job at the limit was stored. */
	ecl_assert_ok(ecl_job_list(&jobs, store, NULL));
	assert_int_equal(jobs->count, 1);
	ecl_job_array_free(jobs);
	ecl_store_free(store);
	free(csv);
	ecl_test_rmtree(dir);
	free(dir);
}

/* ---- URIs with a password never reach a message -------------------------------- */

static void assert_masked(const char *uri, const char *expected)
{
	ecl_buf b = ECL_BUF_INIT;

	ecl_assert_ok(ecl_store_uri_mask(&b, uri));
	if (strcmp(b.ptr, expected) != 0)
		print_error("mask(%s) = %s, expected %s\n", uri, b.ptr, expected);
	assert_string_equal(b.ptr, expected);
	ecl_buf_dispose(&b);
}

static void test_uri_mask(void **state)
{
	ecl_buf b = ECL_BUF_INIT;

	(void)state;
	assert_masked("postgresql://app:S3cret@db:5432/energy", "postgresql://app:***@db:5432/energy");
	assert_masked("postgresql://app@db/energy", "postgresql://app@db/energy");
	assert_masked("postgres://app:Pa%ss@db/e?sslmode=require&password=x&sslpassword=y",
		"postgres://app:***@db/e?sslmode=require&password=***&sslpassword=***");
	/* However a parser would split a malformed user:password part, all of
	 * it is masked: an unencoded '/', '@' or '?' in the password. */
	assert_masked("postgres://u:Pa/ss@h/db", "postgres://u:***@h/db");
	assert_masked("postgres://u:p@ss@h/db?x=a@b", "postgres://u:***@h/db?x=a@b");
	assert_masked("postgres://u:pa?ss@h/db", "postgres://u:***@h/db");
	assert_masked("postgresql://u:S3cret@[::1/db", "postgresql://u:***@[::1/db");
	assert_masked("//u:S3cret@h", "//u:***@h");
	assert_masked("postgresql:host=h password='a b' dbname=d", "postgresql:host=h password=*** dbname=d");
	assert_masked("postgresql:host=h password=a b dbname=d", "postgresql:host=h password=*** dbname=d");
	assert_masked("sqlite:///srv/a@b.db", "sqlite:///srv/a@b.db");
	assert_masked("sqlite::memory:", "sqlite::memory:");
	assert_masked("", "");
	ecl_assert_fails(ECL_EINVALID, ecl_store_uri_mask(&b, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_store_uri_mask(NULL, "sqlite::memory:"));
}

/* Every fragment of the passwords used below. */
static void assert_no_secret(const char *uri)
{
	static const char *const fragments[] = { "S3c", "cret", "Pa%", "%ss", "Qw3", "rty" };
	const char *msg = ecl_error_last();
	size_t i;

	for (i = 0; i < sizeof(fragments) / sizeof(fragments[0]); i++) {
		if (strstr(msg, fragments[i]) != NULL)
			print_error("opening %s: the message quotes the password: %s\n", uri, msg);
		assert_null(strstr(msg, fragments[i]));
	}
}

/* libpq quotes the whole URI (or the token at fault) when it cannot parse
 * it; the library says what is wrong in its own words, the URI masked. No
 * server is needed: each of these fails before a connection is tried, or
 * against a closed port. */
static void test_pgsql_errors_hide_password(void **state)
{
	static const struct {
		const char *uri;
		int code;
		const char *says;
	} cases[] = {
		{ "postgresql://user:Pa%ss@localhost/db", ECL_EINVALID,
		  "\"postgresql://user:***@localhost/db\": a \"%\" not followed by two hexadecimal" },
		{ "postgresql://user:S3cret@[::1/db", ECL_EINVALID,
		  "\"postgresql://user:***@[::1/db\": an IPv6 host address opened with \"[\"" },
		{ "postgresql://user:S3cret@[]/db", ECL_EINVALID, "empty IPv6 host address" },
		{ "postgres://user:S3/cret@localhost/db", ECL_EINVALID,
		  "\"postgres://user:***@localhost/db\": the user name or password holds an unencoded" },
		{ "postgres://user:S3c@ret@localhost/db", ECL_EINVALID, "%40" },
		{ "postgresql://user:S3cret@localhost/db?sslmode=require&a&password=Qw3rty", ECL_EINVALID,
		  "password=***\": a query parameter without \"=\"" },
		{ "postgresql:host=localhost password=S3c ret", ECL_EINVALID,
		  "key=value form, not shown" },
		{ "postgresql:host=localhost password='S3cret", ECL_EINVALID,
		  "a quoted value without its closing quote" },
		{ "postgresql://user:S3cret@127.0.0.1:1/db?password=Qw3rty&connect_timeout=5", ECL_EIO,
		  "127.0.0.1:1/db" },
		{ "//user:S3cret@localhost/db", ECL_EINVALID, "\"//user:***@localhost/db\" has no scheme" },
	};
	ecl_store *store = NULL;
	size_t i;

	(void)state;
	if (ecl_store_open(&store, "postgresql://u@127.0.0.1:1/db?connect_timeout=1", NULL)
	    == ECL_ENOTSUPPORTED)
		skip();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = ecl_store_open(&store, cases[i].uri, NULL);

		if (rc != cases[i].code)
			print_error("%s -> %d (%s)\n", cases[i].uri, rc, ecl_error_last());
		assert_int_equal(rc, cases[i].code);
		assert_null(store);
		ecl_assert_error_contains(cases[i].says);
		assert_no_secret(cases[i].uri);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_bad_arguments),
		cmocka_unit_test(test_open_memory),
		cmocka_unit_test(test_open_relative_path),
		cmocka_unit_test(test_open_absolute_path),
		cmocka_unit_test(test_open_unknown_scheme),
		cmocka_unit_test(test_open_malformed_uri),
		cmocka_unit_test(test_open_missing_directory),
		cmocka_unit_test(test_write_to_deleted_file),
		cmocka_unit_test(test_options_validation),
		cmocka_unit_test(test_options_init),
		cmocka_unit_test(test_backend_name_and_clock),
		cmocka_unit_test(test_schema_version_and_migrate),
		cmocka_unit_test(test_migrate_keeps_data),
		cmocka_unit_test(test_check_fresh_and_migrated),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_schema_report_add),
		cmocka_unit_test(test_register_invalid),
		cmocka_unit_test(test_register_memtest),
		cmocka_unit_test(test_backend_helpers),
		cmocka_unit_test(test_host_user_arguments_and_sqlite),
		cmocka_unit_test(test_host_user_version_1_backend),
		cmocka_unit_test(test_host_user_through_the_slot),
		cmocka_unit_test(test_register_replaces),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_job_json_depth_bounded),
		cmocka_unit_test(test_uri_mask),
		cmocka_unit_test(test_pgsql_errors_hide_password),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
