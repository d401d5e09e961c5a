#include "ecl_test.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Each test works on its own database file in a private directory. */
typedef struct fixture {
	char *dir;
	char *path;
	char *uri;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	char *dir;

	if (f == NULL)
		return -1;
	dir = ecl_test_tmpdir("test_sqlite_schema");
	if (dir == NULL)
		return -1;
	f->dir = realpath(dir, NULL);
	free(dir);
	if (f->dir == NULL || asprintf(&f->path, "%s/schema.db", f->dir) < 0
	    || asprintf(&f->uri, "sqlite://%s", f->path) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	ecl_test_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f->uri);
	free(f);
	return 0;
}

/* Run SQL on the file directly, behind the library's back. */
static void raw_exec(const fixture *f, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;
	int rc;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		print_error("raw SQL failed: %s\n  %s\n", err ? err : "?", sql);
	sqlite3_free(err);
	sqlite3_close(db);
	assert_int_equal(rc, SQLITE_OK);
}

/* One text column of the first row of a query (caller frees; NULL if none). */
static char *raw_text(const fixture *f, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	char *out = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL)
		out = strdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return out;
}

static int64_t raw_int(const fixture *f, const char *sql)
{
	char *text = raw_text(f, sql);
	int64_t v;

	assert_non_null(text);
	v = strtoll(text, NULL, 10);
	free(text);
	return v;
}

/* Everything the schema is made of, in a stable order. */
static char *schema_dump(const fixture *f)
{
	char *dump = raw_text(f,
		"SELECT coalesce(group_concat(type || ':' || name || ':' || coalesce(sql, ''), char(10)), '') "
		"FROM (SELECT * FROM sqlite_master ORDER BY type, name)");

	assert_non_null(dump);
	return dump;
}

static void migrate_file(const fixture *f)
{
	ecl_store *store = NULL;

	ecl_assert_ok(ecl_store_open(&store, f->uri, NULL));
	ecl_assert_ok(ecl_store_migrate(store));
	ecl_store_free(store);
}

static ecl_schema_report *check_file(const fixture *f)
{
	ecl_store *store = NULL;
	ecl_schema_report *report = NULL;
	size_t i;

	ecl_assert_ok(ecl_store_open(&store, f->uri, NULL));
	ecl_assert_ok(ecl_store_check(&report, store));
	ecl_store_free(store);
	assert_non_null(report);
	for (i = 0; i < report->count; i++)
		print_message("  problem: %s\n", report->problems[i]);
	return report;
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

static int report_has_both(const ecl_schema_report *r, const char *a, const char *b)
{
	size_t i;

	for (i = 0; i < r->count; i++) {
		if (strstr(r->problems[i], a) != NULL && strstr(r->problems[i], b) != NULL)
			return 1;
	}
	return 0;
}

static void test_clean_after_migrate(void **state)
{
	fixture *f = *state;
	ecl_schema_report *report;

	migrate_file(f);
	report = check_file(f);
	assert_int_equal(report->count, 0);
	assert_int_equal(report->current_version, report->expected_version);
	assert_true(report->expected_version >= 1);
	ecl_schema_report_free(report);
}

static void test_missing_column(void **state)
{
	fixture *f = *state;
	ecl_schema_report *report;

	migrate_file(f);
	raw_exec(f, "ALTER TABLE import_jobs DROP COLUMN file_sha256");
	report = check_file(f);
	assert_true(report_has(report, "missing column import_jobs.file_sha256"));
	assert_int_equal(report->count, 1);
	ecl_schema_report_free(report);
}

static void test_missing_index(void **state)
{
	fixture *f = *state;
	ecl_schema_report *report;

	migrate_file(f);
	raw_exec(f, "DROP INDEX idx_import_jobs_claim");
	report = check_file(f);
	assert_int_equal(report->count, 1);
	assert_true(report_has(report, "missing index"));
	assert_true(report_has(report, "import_jobs"));
	ecl_schema_report_free(report);
}

/* The job history is written by triggers: a missing one is drift. */
static void test_missing_trigger(void **state)
{
	fixture *f = *state;
	ecl_schema_report *report;

	migrate_file(f);
	raw_exec(f, "DROP TRIGGER import_job_attempt_opens");
	report = check_file(f);
	assert_int_equal(report->count, 1);
	assert_true(report_has(report, "missing trigger import_job_attempt_opens on import_jobs"));
	ecl_schema_report_free(report);
}

static void test_missing_unique_batch_id(void **state)
{
	fixture *f = *state;
	ecl_schema_report *report;
	char *create = NULL, *indexes = NULL, *copy = NULL, *unique, *sql = NULL;

	migrate_file(f);
	create = raw_text(f, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'import_jobs'");
	/* Its indexes and triggers, which DROP TABLE takes with it. */
	indexes = raw_text(f, "SELECT group_concat(sql, ';' || char(10)) FROM sqlite_master "
		"WHERE type IN ('index', 'trigger') AND tbl_name = 'import_jobs' AND sql IS NOT NULL");
	assert_non_null(create);
	assert_non_null(indexes);
	/* The same table, renamed, without the one UNIQUE (on batch_id). */
	unique = strstr(create, "UNIQUE");
	assert_non_null(unique);
	assert_null(strstr(unique + 1, "UNIQUE"));
	memset(unique, ' ', 6);
	assert_int_equal(strncmp(create, "CREATE TABLE import_jobs", 24), 0);
	assert_true(asprintf(&copy, "CREATE TABLE import_jobs_new%s", create + 24) > 0);
	assert_true(asprintf(&sql,
		"BEGIN; %s; INSERT INTO import_jobs_new SELECT * FROM import_jobs; "
		"DROP TABLE import_jobs; ALTER TABLE import_jobs_new RENAME TO import_jobs; %s; COMMIT;",
		copy, indexes) > 0);
	raw_exec(f, sql);
	/* Really gone. */
	assert_int_equal(raw_int(f, "SELECT count(*) FROM pragma_index_list('import_jobs') WHERE \"unique\""), 0);

	report = check_file(f);
	assert_true(report_has_both(report, "unique key", "batch_id"));
	assert_int_equal(report->count, 1);
	ecl_schema_report_free(report);
	free(create);
	free(indexes);
	free(copy);
	free(sql);
}

static void test_missing_table(void **state)
{
	fixture *f = *state;
	ecl_schema_report *report;

	migrate_file(f);
	raw_exec(f, "DROP TABLE import_jobs");
	report = check_file(f);
	assert_true(report_has(report, "missing table import_jobs"));
	/* The migration is still recorded: no "pending" problem. */
	assert_false(report_has(report, "pending"));
	ecl_schema_report_free(report);
}

static void test_newer_schema(void **state)
{
	fixture *f = *state;
	ecl_schema_report *report;
	ecl_store *store = NULL;
	ecl_job_array *jobs = NULL;
	int expected;

	migrate_file(f);
	raw_exec(f, "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 1700000000)");
	report = check_file(f);
	assert_int_equal(report->current_version, 99);
	assert_true(report->expected_version < 99);
	assert_true(report_has(report, "newer"));
	expected = report->expected_version;
	ecl_schema_report_free(report);

	ecl_assert_ok(ecl_store_open(&store, f->uri, NULL));
	ecl_assert_fails(ECL_ESCHEMA, ecl_store_migrate(store));
	ecl_assert_error_contains("99");
	/* Queue operations refuse a newer schema too. */
	ecl_assert_fails(ECL_ESCHEMA, ecl_job_list(&jobs, store, NULL));
	assert_null(jobs);
	ecl_store_free(store);
	/* The refused migrate recorded nothing. */
	assert_int_equal(raw_int(f, "SELECT max(version) FROM schema_migrations"), 99);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM schema_migrations"), expected + 1);
}

static void test_check_changes_nothing_unmigrated(void **state)
{
	fixture *f = *state;
	ecl_store *store = NULL;
	ecl_schema_report *report = NULL;
	char *before, *after;

	/* Create the file (empty) through the library, then check it. */
	ecl_assert_ok(ecl_store_open(&store, f->uri, NULL));
	ecl_store_free(store);
	before = schema_dump(f);
	assert_string_equal(before, "");

	ecl_assert_ok(ecl_store_open(&store, f->uri, NULL));
	ecl_assert_ok(ecl_store_check(&report, store));
	assert_true(report->count >= 1);
	assert_true(report_has(report, "missing table import_jobs"));
	ecl_schema_report_free(report);
	/* Twice, for good measure. */
	ecl_assert_ok(ecl_store_check(&report, store));
	ecl_schema_report_free(report);
	ecl_store_free(store);

	after = schema_dump(f);
	assert_string_equal(after, before);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 0);
	free(before);
	free(after);
}

static void test_check_changes_nothing_drifted(void **state)
{
	fixture *f = *state;
	ecl_schema_report *report;
	char *before, *after;

	migrate_file(f);
	raw_exec(f, "DROP INDEX idx_import_jobs_status; ALTER TABLE import_jobs DROP COLUMN notes");
	before = schema_dump(f);
	report = check_file(f);
	assert_true(report->count >= 2);
	ecl_schema_report_free(report);
	after = schema_dump(f);
	assert_string_equal(after, before);
	free(before);
	free(after);
}

/* (g) Several processes migrate the same fresh file at the same moment. */

static int64_t elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Fork `procs` children that all start together; each opens the store
 * (before the start signal, or after it when `open_together`) and migrates.
 * Returns how many children failed. */
static int run_concurrent_round(const char *uri, int procs, int open_together)
{
	int go[2];
	pid_t pids[8];
	int i, failed = 0;

	assert_true(procs <= 8);
	assert_int_equal(pipe(go), 0);
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			ecl_store *store = NULL;
			struct timespec start;
			const char *step = "open";
			char c;
			int rc = 0;

			close(go[1]);
			if (!open_together)
				rc = ecl_store_open(&store, uri, NULL);
			/* Wait until every process is ready, then all go at once. */
			while (read(go[0], &c, 1) < 0)
				;
			clock_gettime(CLOCK_MONOTONIC, &start);
			if (rc == 0 && open_together)
				rc = ecl_store_open(&store, uri, NULL);
			if (rc == 0) {
				step = "migrate";
				rc = ecl_store_migrate(store);
			}
			if (rc != 0)
				fprintf(stderr, "child %d: %s failed after %lld ms: %d: %s\n", i, step,
					(long long)elapsed_ms(&start), rc, ecl_error_last());
			ecl_store_free(store);
			_exit(rc == 0 ? 0 : 1);
		}
	}
	close(go[0]);
	usleep(50 * 1000);
	close(go[1]);  /* EOF releases every child */
	for (i = 0; i < procs; i++) {
		int status = 0;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) != 0)
			failed++;
	}
	return failed;
}

/* After the round, the file holds the whole schema exactly once. */
static void assert_migrated_once(const fixture *f, const char *path, const char *uri)
{
	fixture g = { f->dir, (char *)path, (char *)uri };
	ecl_store *store = NULL;
	ecl_schema_report *report = NULL;
	int current = 0, expected = 0;

	ecl_assert_ok(ecl_store_open(&store, uri, NULL));
	ecl_assert_ok(ecl_store_schema_version(&current, &expected, store));
	assert_int_equal(current, expected);
	ecl_assert_ok(ecl_store_check(&report, store));
	assert_int_equal(report->count, 0);
	ecl_schema_report_free(report);
	ecl_store_free(store);

	/* Exactly one row per version 1..expected. */
	assert_int_equal(raw_int(&g, "SELECT count(*) FROM schema_migrations"), expected);
	assert_int_equal(raw_int(&g, "SELECT count(DISTINCT version) FROM schema_migrations"), expected);
	assert_int_equal(raw_int(&g, "SELECT min(version) FROM schema_migrations"), 1);
	assert_int_equal(raw_int(&g, "SELECT max(version) FROM schema_migrations"), expected);
	assert_int_equal(raw_int(&g, "SELECT count(*) FROM sqlite_master "
		"WHERE type = 'table' AND name = 'import_jobs'"), 1);
}

/* The file exists (opened once, so already in WAL mode) but has no schema;
 * every process has its store open; they all migrate at once. */
static void test_concurrent_migrate(void **state)
{
	fixture *f = *state;
	int round;

	for (round = 0; round < 5; round++) {
		ecl_store *store = NULL;
		char *path = NULL, *uri = NULL;

		assert_true(asprintf(&path, "%s/race%d.db", f->dir, round) > 0);
		assert_true(asprintf(&uri, "sqlite://%s", path) > 0);
		ecl_assert_ok(ecl_store_open(&store, uri, NULL));
		ecl_store_free(store);
		assert_int_equal(run_concurrent_round(uri, round == 0 ? 2 : 4, 0), 0);
		assert_migrated_once(f, path, uri);
		free(path);
		free(uri);
	}
}

/* The file does not exist yet: several processes open it and migrate at
 * once, as workers started together on a new deployment would. Lock
 * contention must be absorbed up to the busy timeout (10 s by default),
 * never reported at once. */
static void test_concurrent_open_and_migrate_new_file(void **state)
{
	fixture *f = *state;
	int round, failed = 0;

	for (round = 0; round < 20; round++) {
		char *path = NULL, *uri = NULL;

		assert_true(asprintf(&path, "%s/new%d.db", f->dir, round) > 0);
		assert_true(asprintf(&uri, "sqlite://%s", path) > 0);
		failed += run_concurrent_round(uri, 6, 1);
		if (failed == 0)
			assert_migrated_once(f, path, uri);
		free(path);
		free(uri);
	}
	if (failed != 0)
		fail_msg("%d of 120 processes failed to open and migrate a new database together", failed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean_after_migrate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_trigger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_unique_batch_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_changes_nothing_unmigrated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_changes_nothing_drifted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_migrate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_open_and_migrate_new_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
