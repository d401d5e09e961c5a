/*
 * Collecting data feeds (ecl_source_collect(), docs/feeds.md) from a local
 * folder (file:///) into a SQLite file store with an injected clock: each
 * new file queued once and the same bytes skipped, a file still being
 * written left for the next poll, the after-action run only once a file's
 * job completed (never for a failed one), sources due by their interval,
 * paused, or failing with their error recorded, two collectors at once, and
 * the health check's stale feeds and meters. The transports themselves are
 * tested against real servers in tests/feeds.
 */
#include "ecl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define T0 1762700000   /* 2025-11-09 */

static const char wide[] =
	"MPAN,Date,HH01,HH02,HH03\n"
	"1200012345678,2025-11-08,0.5,0.5,0.5\n";

typedef struct fixture {
	ecl_test_db db;
	int64_t now;
	char *in;        /* the source's folder */
	char *storage;   /* the storage root */
	char url[600];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;
	char path[512];

	f->now = T0;
	f->in = ecl_test_tmpdir("collect-in");
	f->storage = ecl_test_tmpdir("collect-storage");
	o.storage_root = f->storage;
	o.log_level = ECL_LOG_NONE;
	if (f->in == NULL || f->storage == NULL || ecl_test_db_open(&f->db, "collect", &f->now, &o) != 0)
		return -1;
	snprintf(f->url, sizeof(f->url), "file://%s/", f->in);
	snprintf(path, sizeof(path), "%s/done", f->in);
	mkdir(path, 0700);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	ecl_test_db_close(&f->db);
	ecl_test_rmtree(f->in);
	ecl_test_rmtree(f->storage);
	free(f->in);
	free(f->storage);
	free(f);
	return 0;
}

static void add_source(fixture *f, const char *name, ecl_source_after after, const char *dir)
{
	ecl_source_options o = ECL_SOURCE_OPTIONS_INIT;

	o.pattern = "*.csv";
	o.every_seconds = 600;
	o.after = after;
	o.after_dir = dir;
	o.stale_days = 2;
	ecl_assert_ok(ecl_source_add(f->db.store, name, f->url, &o));
}

static void put(fixture *f, const char *name, const char *content)
{
	free(ecl_test_write_file(f->in, name, content));
}

static int exists_in(const char *dir, const char *name)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static ecl_collect_report collect(fixture *f, const char *source)
{
	ecl_collect_options o = ECL_COLLECT_OPTIONS_INIT;
	ecl_collect_report r;

	o.source = source;
	o.settle_ms = 0;
	o.worker_id = "collector-1";
	ecl_assert_ok(ecl_source_collect(&r, f->db.store, &o));
	return r;
}

static double sql(fixture *f, const char *query)
{
	return ecl_test_sql_number(f->db.path, query);
}

/* Each new file once: the same bytes under another name skipped, names the
 * pattern (or a leading dot) excludes never seen, and nothing again. */
static void each_new_file_is_queued_once(void **state)
{
	fixture *f = *state;
	ecl_collect_report r;
	ecl_source_file_array *files = NULL;
	char *stored;

	put(f, "a.csv", wide);
	put(f, "b.csv", wide);
	put(f, "notes.txt", "not a reading\n");
	put(f, ".upload.csv", wide);
	add_source(f, "drop", ECL_SOURCE_KEEP, NULL);
	r = collect(f, NULL);
	assert_int_equal(r.sources, 1);
	assert_int_equal(r.failed, 0);
	assert_int_equal(r.seen, 2);
	assert_int_equal(r.taken, 1);
	assert_int_equal(r.skipped, 1);
	assert_int_equal((int)sql(f, "SELECT count(*) FROM import_jobs"), 1);
	/* The job reads a copy under the storage root, with the source's bytes. */
	stored = ecl_test_sql_text(f->db.path, "SELECT file_path FROM import_jobs");
	assert_non_null(stored);
	assert_true(strncmp(stored, f->storage, strlen(f->storage)) == 0);
	assert_non_null(strstr(stored, "/feeds/drop/"));
	free(stored);
	ecl_assert_ok(ecl_source_files(&files, f->db.store, "drop", 0));
	assert_int_equal(files->count, 2);
	assert_int_equal(files->files[0].state, ECL_SOURCE_FILE_SKIPPED);
	assert_non_null(strstr(files->files[0].reason, "the same bytes as a.csv"));
	assert_int_equal(files->files[1].state, ECL_SOURCE_FILE_QUEUED);
	assert_int_equal(strlen(files->files[1].sha256), 64);
	ecl_source_file_array_free(files);

	r = collect(f, "drop");
	assert_int_equal(r.taken, 0);
	assert_int_equal(r.skipped, 2);
	assert_int_equal((int)sql(f, "SELECT count(*) FROM import_jobs"), 1);
	/* No partial copy is left behind. */
	assert_int_equal((int)sql(f, "SELECT count(*) FROM feed_files"), 2);
}

/* Due by the interval; not while paused; every poll recorded. */
static void sources_are_due_by_their_interval(void **state)
{
	fixture *f = *state;
	ecl_collect_options o = ECL_COLLECT_OPTIONS_INIT;
	ecl_collect_report r;
	ecl_source *s = NULL;

	add_source(f, "drop", ECL_SOURCE_KEEP, NULL);
	assert_int_equal(collect(f, NULL).sources, 1);
	f->now += 599;
	assert_int_equal(collect(f, NULL).sources, 0);
	f->now += 1;
	put(f, "late.csv", wide);
	r = collect(f, NULL);
	assert_int_equal(r.sources, 1);
	assert_int_equal(r.taken, 1);
	ecl_assert_ok(ecl_source_get(&s, f->db.store, "drop"));
	assert_int_equal(s->files_taken, 1);
	assert_true(s->last_file_at == T0 + 600);
	assert_true(s->next_poll_at == T0 + 1200);
	ecl_source_free(s);
	assert_int_equal((int)sql(f, "SELECT count(*) FROM feed_polls"), 2);

	ecl_assert_ok(ecl_source_set_paused(f->db.store, "drop", 1));
	f->now += 3600;
	assert_int_equal(collect(f, NULL).sources, 0);
	o.source = "drop";
	ecl_assert_fails(ECL_ESTATE, ecl_source_collect(&r, f->db.store, &o));
	ecl_assert_error_contains("paused");
	o.source = "nosuch";
	ecl_assert_fails(ECL_ENOTFOUND, ecl_source_collect(&r, f->db.store, &o));
}

static void run_jobs(fixture *f)
{
	ecl_worker *w = NULL;
	ecl_worker_report wr;

	memset(&wr, 0, sizeof(wr));
	ecl_assert_ok(ecl_worker_new(&w, f->db.store, NULL));
	ecl_assert_ok(ecl_worker_process(w, 10, &wr));
	ecl_worker_free(w);
}

/* The after-action waits for the job, and runs only when it completed. */
static void after_action_only_after_the_job_completed(void **state)
{
	fixture *f = *state;
	ecl_source_file_array *files = NULL;
	ecl_collect_report r;

	put(f, "good.csv", wide);
	put(f, "bad.csv", "these,are,not\nmeter,readings,at all\n");
	add_source(f, "drop", ECL_SOURCE_MOVE, "done");
	r = collect(f, NULL);
	assert_int_equal(r.taken, 2);
	/* Queued, not yet imported: both stay. */
	r = collect(f, "drop");
	assert_int_equal(r.settled, 0);
	assert_true(exists_in(f->in, "good.csv") && exists_in(f->in, "bad.csv"));
	run_jobs(f);
	assert_int_equal((int)sql(f, "SELECT count(*) FROM import_jobs WHERE status = 'completed'"), 1);
	assert_int_equal((int)sql(f, "SELECT count(*) FROM import_jobs WHERE status = 'failed'"), 1);
	r = collect(f, "drop");
	assert_int_equal(r.settled, 2);
	assert_false(exists_in(f->in, "good.csv"));
	assert_true(exists_in(f->in, "done/good.csv"));
	assert_true(exists_in(f->in, "bad.csv"));
	ecl_assert_ok(ecl_source_files(&files, f->db.store, "drop", 0));
	assert_int_equal(files->count, 2);
	assert_int_equal(files->files[0].state + files->files[1].state,
	                 ECL_SOURCE_FILE_DONE + ECL_SOURCE_FILE_KEPT);
	ecl_source_file_array_free(files);
	/* The moved file is not offered again, the kept one is seen before. */
	r = collect(f, "drop");
	assert_int_equal(r.taken, 0);
	assert_int_equal(r.settled, 0);
}

/* Deleted once its job completed. */
static void delete_after_completion(void **state)
{
	fixture *f = *state;

	put(f, "a.csv", wide);
	add_source(f, "drop", ECL_SOURCE_DELETE, NULL);
	assert_int_equal(collect(f, NULL).taken, 1);
	run_jobs(f);
	assert_int_equal(collect(f, "drop").settled, 1);
	assert_false(exists_in(f->in, "a.csv"));
}

/* A file written while the collector looks twice waits for the next poll. */
static void a_growing_file_waits_for_the_next_poll(void **state)
{
	fixture *f = *state;
	ecl_collect_options o = ECL_COLLECT_OPTIONS_INIT;
	ecl_collect_report r;
	char path[1024];
	pid_t writer;

	add_source(f, "drop", ECL_SOURCE_KEEP, NULL);
	snprintf(path, sizeof(path), "%s/growing.csv", f->in);
	put(f, "growing.csv", "MPAN,Date,HH01\n");
	writer = fork();
	assert_true(writer >= 0);
	if (writer == 0) {
		int i;

		for (i = 0; i < 30; i++) {
			FILE *out = fopen(path, "a");

			fprintf(out, "1200012345678,2025-11-%02d,0.5\n", 1 + i % 28);
			fclose(out);
			usleep(20000);
		}
		_exit(0);
	}
	usleep(50000);
	o.settle_ms = 200;
	ecl_assert_ok(ecl_source_collect(&r, f->db.store, &o));
	assert_int_equal(r.seen, 1);
	assert_int_equal(r.taken, 0);
	assert_int_equal(r.skipped, 1);
	waitpid(writer, NULL, 0);
	o.source = "drop";
	ecl_assert_ok(ecl_source_collect(&r, f->db.store, &o));
	assert_int_equal(r.taken, 1);
}

/* A source that fails records why; the others still run. */
static void a_failing_source_is_recorded_and_the_others_run(void **state)
{
	fixture *f = *state;
	ecl_source_options o = ECL_SOURCE_OPTIONS_INIT;
	ecl_collect_report r;
	ecl_source *s = NULL;

	put(f, "a.csv", wide);
	add_source(f, "drop", ECL_SOURCE_KEEP, NULL);
	o.user_env = "ECL_TEST_COLLECT_NO_SUCH_USER";
	o.known_hosts = "/nonexistent/known_hosts";
	unsetenv("ECL_TEST_COLLECT_NO_SUCH_USER");
	ecl_assert_ok(ecl_source_add(f->db.store, "remote", "sftp://127.0.0.1:1/out/", &o));
	r = collect(f, NULL);
	assert_int_equal(r.sources, 2);
	assert_int_equal(r.failed, 1);
	assert_int_equal(r.taken, 1);
	ecl_assert_ok(ecl_source_get(&s, f->db.store, "remote"));
	assert_non_null(s->last_error);
	assert_non_null(strstr(s->last_error, "ECL_TEST_COLLECT_NO_SUCH_USER"));
	assert_true(s->last_success_at == ECL_TIME_NONE);
	ecl_source_free(s);
}

/* Without a storage root there is nowhere to keep the files. */
static void collecting_needs_a_storage_root(void **state)
{
	fixture *f = *state;
	ecl_store *bare = NULL;
	ecl_collect_report r;
	char uri[1024];

	snprintf(uri, sizeof(uri), "sqlite://%s", f->db.path);
	ecl_assert_ok(ecl_store_open(&bare, uri, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_source_collect(&r, bare, NULL));
	ecl_assert_error_contains("storage root");
	ecl_store_free(bare);
}

/* Two collectors at once on one store: every file queued once. */
static void two_collectors_queue_each_file_once(void **state)
{
	fixture *f = *state;
	char name[32], uri[1024];
	pid_t kids[2];
	int i, status;

	for (i = 0; i < 20; i++) {
		char content[128];

		snprintf(name, sizeof(name), "f%02d.csv", i);
		snprintf(content, sizeof(content), "%s1200012345678,2025-10-%02d,1,2,3\n", wide, 1 + i);
		put(f, name, content);
	}
	add_source(f, "drop", ECL_SOURCE_KEEP, NULL);
	snprintf(uri, sizeof(uri), "sqlite://%s", f->db.path);
	for (i = 0; i < 2; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			ecl_store_options so = ECL_STORE_OPTIONS_INIT;
			ecl_collect_options co = ECL_COLLECT_OPTIONS_INIT;
			ecl_collect_report r;
			ecl_store *s = NULL;

			so.storage_root = f->storage;
			so.log_level = ECL_LOG_NONE;
			co.settle_ms = 0;
			co.worker_id = i == 0 ? "collector-a" : "collector-b";
			_exit(ecl_store_open(&s, uri, &so) == 0 && ecl_source_collect(&r, s, &co) == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < 2; i++) {
		waitpid(kids[i], &status, 0);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal((int)sql(f, "SELECT count(*) FROM import_jobs"), 20);
	assert_int_equal((int)sql(f, "SELECT count(DISTINCT filename) FROM import_jobs"), 20);
	assert_int_equal((int)sql(f, "SELECT count(*) FROM feed_polls"), 1);
}

static int has_alert(const ecl_health_report *r, const char *type)
{
	size_t i;

	for (i = 0; i < r->alert_count; i++)
		if (strcmp(r->alerts[i].type, type) == 0)
			return 1;
	return 0;
}

/* A feed quiet past its window, and meters whose readings stopped. */
static void the_monitor_reports_stale_feeds_and_meters(void **state)
{
	fixture *f = *state;
	ecl_health_options o = ECL_HEALTH_OPTIONS_INIT;
	ecl_health_report *r = NULL;
	ecl_buf json = ECL_BUF_INIT;

	add_source(f, "drop", ECL_SOURCE_KEEP, NULL);
	put(f, "a.csv", wide);
	assert_int_equal(collect(f, NULL).taken, 1);
	run_jobs(f);
	f->now += 2 * 86400;
	ecl_assert_ok(ecl_health_check(&r, f->db.store, &o));
	assert_false(has_alert(r, "stale_feed"));
	assert_int_equal(r->stale_feeds.count, 0);
	ecl_health_report_free(r);

	f->now += 3600;
	o.stale_meter_days = 1;
	ecl_assert_ok(ecl_health_check(&r, f->db.store, &o));
	assert_true(has_alert(r, "stale_feed"));
	assert_int_equal(r->stale_feeds.count, 1);
	assert_string_equal(r->stale_feeds.sources[0].name, "drop");
	assert_true(has_alert(r, "stale_meters"));
	assert_int_equal(r->stale_meters.count, 1);
	assert_string_equal(r->stale_meters.meters[0].mpan, "1200012345678");
	assert_true(r->status >= ECL_HEALTH_DEGRADED);
	ecl_assert_ok(ecl_health_report_to_json(&json, r));
	assert_non_null(strstr(json.ptr, "\"stale_feeds\""));
	assert_non_null(strstr(json.ptr, "\"stale_meters\""));
	assert_non_null(strstr(json.ptr, "1200012345678"));
	ecl_buf_dispose(&json);
	ecl_health_report_free(r);

	/* Paused, it is not expected to deliver. */
	ecl_assert_ok(ecl_source_set_paused(f->db.store, "drop", 1));
	ecl_assert_ok(ecl_health_check(&r, f->db.store, &o));
	assert_false(has_alert(r, "stale_feed"));
	ecl_health_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(each_new_file_is_queued_once, setup, teardown),
		cmocka_unit_test_setup_teardown(sources_are_due_by_their_interval, setup, teardown),
		cmocka_unit_test_setup_teardown(after_action_only_after_the_job_completed, setup, teardown),
		cmocka_unit_test_setup_teardown(delete_after_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(a_growing_file_waits_for_the_next_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(a_failing_source_is_recorded_and_the_others_run, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(collecting_needs_a_storage_root, setup, teardown),
		cmocka_unit_test_setup_teardown(two_collectors_queue_each_file_once, setup, teardown),
		cmocka_unit_test_setup_teardown(the_monitor_reports_stale_feeds_and_meters, setup,
		                                teardown),
	};

	return cmocka_run_group_tests_name("data feeds: collecting", tests, NULL, NULL);
}
