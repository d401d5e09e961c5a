/*
 * The worker on a SQLite file: outcomes (completed, permanent and transient
 * failures), resuming from the checkpoint after a stop and after SIGKILL,
 * and cancellation between batches.
 */
#include "ecl_test.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/sha256.h"

#define ROWS 40          /* meters x days of the wide file */
#define PERIODS 48

typedef struct fixture {
	char *dir;
	char *db_path;
	char *uri;
	char *wide;          /* ROWS rows of 48 values */
	double wide_sum;
	ecl_store *store;
	int64_t now;
	/* progress-callback actions */
	int batches_seen;
	int stop_after;      /* stop the worker after this many batches (0 = never) */
	int cancel_after;    /* cancel the job after this many batches */
	char job_id[ECL_BATCH_ID_SIZE];
	char started_id[ECL_BATCH_ID_SIZE];
	int jobs_started;
	ecl_worker *worker;
} fixture;

static char *write_wide(fixture *f, double *sum)
{
	char *path = NULL;
	FILE *out;
	int r, p;

	*sum = 0;
	if (asprintf(&path, "%s/wide.csv", f->dir) < 0 || (out = fopen(path, "w")) == NULL)
		return NULL;
	fputs("MPAN,Date", out);
	for (p = 1; p <= PERIODS; p++)
		fprintf(out, ",HH%02d", p);
	fputc('\n', out);
	for (r = 0; r < ROWS; r++) {
		fprintf(out, "M%04d,2025-11-%02d", r % 8, 1 + r / 8);
		for (p = 1; p <= PERIODS; p++) {
			double v = (r * PERIODS + p) / 1000.0;
			fprintf(out, ",%.3f", v);
			*sum += v;
		}
		fputc('\n', out);
	}
	fclose(out);
	return path;
}

static int open_store(fixture *f)
{
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;

	o.clock = ecl_test_clock;
	o.clock_payload = &f->now;
	o.log_level = ECL_LOG_NONE;
	return ecl_store_open(&f->store, f->uri, &o);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	f->now = 1764000000;
	f->dir = ecl_test_tmpdir("worker");
	if (f->dir == NULL || asprintf(&f->db_path, "%s/w.db", f->dir) < 0
	    || asprintf(&f->uri, "sqlite://%s", f->db_path) < 0)
		return -1;
	f->wide = write_wide(f, &f->wide_sum);
	if (f->wide == NULL || open_store(f) != 0 || ecl_store_migrate(f->store) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	ecl_worker_free(f->worker);
	ecl_store_free(f->store);
	ecl_test_rmtree(f->dir);
	free(f->wide);
	free(f->uri);
	free(f->db_path);
	free(f->dir);
	free(f);
	return 0;
}

static void enqueue(fixture *f, const char *path, ecl_import_type type)
{
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;

	o.file_path = path;
	o.import_type = type;
	ecl_assert_ok(ecl_job_create(f->job_id, f->store, &o));
}

static ecl_job *job(fixture *f)
{
	ecl_job *j = NULL;

	ecl_assert_ok(ecl_job_get(&j, f->store, f->job_id));
	return j;
}

static int on_batch(int64_t processed, int64_t total, int64_t imported, int64_t failed, void *payload)
{
	fixture *f = payload;

	(void)processed; (void)total; (void)imported; (void)failed;
	f->batches_seen++;
	if (f->cancel_after && f->batches_seen == f->cancel_after)
		ecl_job_cancel(f->store, f->job_id);
	if (f->stop_after && f->batches_seen == f->stop_after)
		ecl_worker_stop(f->worker);
	return 0;
}

static void on_job_started(const ecl_job *j, void *payload)
{
	fixture *f = payload;

	f->jobs_started++;
	memcpy(f->started_id, j->batch_id, ECL_BATCH_ID_SIZE);
	assert_int_equal(j->status, ECL_JOB_PROCESSING);
}

static void new_worker(fixture *f, const char *id, int batch_size)
{
	ecl_worker_options o = ECL_WORKER_OPTIONS_INIT;

	ecl_worker_free(f->worker);
	o.worker_id = id;
	o.ingest.batch_size = batch_size;
	o.progress = on_batch;
	o.progress_payload = f;
	o.idle_poll_ms = 0;
	o.job_started = on_job_started;
	o.job_started_payload = f;
	ecl_assert_ok(ecl_worker_new(&f->worker, f->store, &o));
	assert_string_equal(ecl_worker_id(f->worker), id);
}

static void completes_a_job_with_its_summary(void **state)
{
	fixture *f = *state;
	ecl_worker_report report = { 0, 0, 0, 0, 0, 0 };
	ecl_job *j;

	enqueue(f, f->wide, ECL_IMPORT_HH);
	new_worker(f, "w1", 5000);
	ecl_assert_ok(ecl_worker_process(f->worker, 5, &report));
	assert_int_equal(report.claimed, 1);
	assert_int_equal(report.completed, 1);
	assert_int_equal(f->jobs_started, 1);
	assert_string_equal(f->started_id, f->job_id);
	j = job(f);
	assert_int_equal(j->status, ECL_JOB_COMPLETED);
	assert_int_equal(j->total_rows, ROWS);
	assert_int_equal(j->processed_rows, ROWS);
	assert_int_equal(j->imported_rows, ROWS);
	assert_int_equal(j->failed_rows, 0);
	assert_non_null(strstr(j->summary, "\"records_imported\":40"));
	assert_non_null(strstr(j->summary, "\"format\":\"hh-matrix\""));
	assert_non_null(strstr(j->summary, f->job_id));  /* batch_id */
	ecl_job_free(j);
	assert_int_equal(ecl_test_sql_number(f->db_path, "SELECT count(*) FROM meter_readings"), ROWS * PERIODS);
	assert_float_equal(ecl_test_sql_number(f->db_path, "SELECT sum(reading_value) FROM meter_readings"), f->wide_sum, 1e-6);
	assert_int_equal(ecl_test_sql_number(f->db_path, "SELECT count(DISTINCT import_batch_id) FROM meter_readings"), 1);
	/* Nothing more to do. */
	ecl_assert_ok(ecl_worker_process(f->worker, 5, &report));
	assert_int_equal(report.claimed, 1);
}

static void whole_file_problems_fail_at_once(void **state)
{
	fixture *f = *state;
	ecl_worker_report report = { 0, 0, 0, 0, 0, 0 };
	char *bad = ecl_test_write_file(f->dir, "bad.csv", "Foo,Bar\n1,2\n");
	char *gone = ecl_test_write_file(f->dir, "gone.csv", "MPAN,Date,HH01\n");
	ecl_job *j;

	enqueue(f, bad, ECL_IMPORT_HH);
	new_worker(f, "w1", 5000);
	ecl_assert_ok(ecl_worker_process(f->worker, 1, &report));
	j = job(f);
	assert_int_equal(j->status, ECL_JOB_FAILED);
	assert_int_equal(j->retry_count, 0);
	assert_string_equal(j->error_class, "permanent");
	assert_non_null(strstr(j->error_message, "meter identifier"));
	ecl_job_free(j);

	enqueue(f, gone, ECL_IMPORT_HH);
	assert_int_equal(unlink(gone), 0);
	ecl_assert_ok(ecl_worker_process(f->worker, 1, &report));
	j = job(f);
	assert_int_equal(j->status, ECL_JOB_FAILED);
	assert_string_equal(j->error_class, "permanent");
	assert_non_null(strstr(j->error_message, "File not found: "));
	assert_non_null(strstr(j->error_message, "gone.csv"));
	ecl_job_free(j);
	assert_int_equal(report.failed, 2);
	free(bad);
	free(gone);
}

/* A header of binary junk is quoted in the failure message ("Headers
 * detected: ..."); the job's error_message is stored as UTF-8 all the same,
 * each stray byte as '?' (PostgreSQL refuses text that is not UTF-8, which
 * would leave the job processing for good). Found by test_hostile_files. */
static void failure_message_is_stored_as_utf8(void **state)
{
	fixture *f = *state;
	ecl_worker_report report = { 0, 0, 0, 0, 0, 0 };
	char *junk = ecl_test_write_file(f->dir, "junk.csv", "\xff\xfe" "Foo,B\xc3\xa4r,\xe2\x82\n1,2,3\n");
	ecl_job *j;

	enqueue(f, junk, ECL_IMPORT_HH);
	new_worker(f, "w1", 5000);
	ecl_assert_ok(ecl_worker_process(f->worker, 1, &report));
	j = job(f);
	assert_int_equal(j->status, ECL_JOB_FAILED);
	assert_string_equal(j->error_class, "permanent");
	assert_non_null(strstr(j->error_message, "Headers detected: ??Foo, B\xc3\xa4r, ??"));
	ecl_job_free(j);
	free(junk);
}

static void storage_trouble_is_retried(void **state)
{
	fixture *f = *state;
	ecl_worker_report report = { 0, 0, 0, 0, 0, 0 };
	ecl_job *j;

	enqueue(f, f->wide, ECL_IMPORT_HH);
	ecl_test_sql_exec(f->db_path, "ALTER TABLE hh_readings RENAME TO away");
	new_worker(f, "w1", 5000);
	ecl_assert_ok(ecl_worker_process(f->worker, 1, &report));
	assert_int_equal(report.requeued, 1);
	j = job(f);
	assert_int_equal(j->status, ECL_JOB_QUEUED);
	assert_int_equal(j->retry_count, 1);
	assert_string_equal(j->error_class, "transient");
	assert_int_equal(j->retry_at, f->now + 60);
	ecl_job_free(j);

	ecl_test_sql_exec(f->db_path, "ALTER TABLE away RENAME TO hh_readings");
	ecl_assert_ok(ecl_worker_process(f->worker, 1, &report));
	assert_int_equal(report.claimed, 1);  /* not due yet */
	f->now += 60;
	ecl_assert_ok(ecl_worker_process(f->worker, 1, &report));
	assert_int_equal(report.completed, 1);
	assert_int_equal(ecl_test_sql_number(f->db_path, "SELECT count(*) FROM meter_readings"), ROWS * PERIODS);
}

static void stopped_worker_hands_back_and_next_resumes(void **state)
{
	fixture *f = *state;
	ecl_worker_report report = { 0, 0, 0, 0, 0, 0 };
	ecl_job *j;

	enqueue(f, f->wide, ECL_IMPORT_HH);
	new_worker(f, "w1", PERIODS * 3);   /* a batch every 3 rows */
	f->stop_after = 4;
	ecl_assert_ok(ecl_worker_process(f->worker, 1, &report));
	assert_int_equal(report.released, 1);
	j = job(f);
	assert_int_equal(j->status, ECL_JOB_QUEUED);
	assert_int_equal(j->retry_count, 0);          /* no retry spent */
	assert_int_equal(j->checkpoint, 12);
	ecl_job_free(j);
	assert_int_equal(ecl_test_sql_number(f->db_path, "SELECT count(*) FROM meter_readings"), 12 * PERIODS);

	f->stop_after = 0;
	new_worker(f, "w2", PERIODS * 3);
	ecl_assert_ok(ecl_worker_process(f->worker, 1, &report));
	assert_int_equal(report.completed, 1);
	j = job(f);
	assert_int_equal(j->processed_rows, ROWS);
	assert_int_equal(j->imported_rows, ROWS);
	ecl_job_free(j);
	assert_int_equal(ecl_test_sql_number(f->db_path, "SELECT count(*) FROM meter_readings"), ROWS * PERIODS);
	assert_float_equal(ecl_test_sql_number(f->db_path, "SELECT sum(reading_value) FROM meter_readings"), f->wide_sum, 1e-6);
	/* The second worker wrote only what the first had not. */
	assert_int_equal(ecl_test_sql_number(f->db_path, "SELECT sum(updated_at IS NOT NULL) FROM meter_readings"), 0);
}

static void cancel_stops_at_the_next_batch(void **state)
{
	fixture *f = *state;
	ecl_worker_report report = { 0, 0, 0, 0, 0, 0 };
	ecl_job *j;

	enqueue(f, f->wide, ECL_IMPORT_HH);
	new_worker(f, "w1", PERIODS * 5);
	f->cancel_after = 2;
	ecl_assert_ok(ecl_worker_process(f->worker, 1, &report));
	assert_int_equal(report.cancelled, 1);
	j = job(f);
	assert_int_equal(j->status, ECL_JOB_CANCELLED);
	assert_int_equal(j->checkpoint, 10);
	ecl_job_free(j);
	/* Two batches committed before the cancel; the third was rolled back. */
	assert_int_equal(ecl_test_sql_number(f->db_path, "SELECT count(*) FROM meter_readings"), 10 * PERIODS);
}

static void killed_worker_loses_and_doubles_nothing(void **state)
{
	fixture *f = *state;
	ecl_worker_report report = { 0, 0, 0, 0, 0, 0 };
	int status = 0, round;
	ecl_job *j;

	enqueue(f, f->wide, ECL_IMPORT_HH);
	for (round = 0; round < 3; round++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			/* The child: its own store, a batch per row, killed mid-way. */
			ecl_store_free(f->store);
			f->worker = NULL;
			if (open_store(f) != 0)
				_exit(3);
			new_worker(f, "victim", PERIODS);
			ecl_worker_process(f->worker, 1, NULL);
			_exit(0);
		}
		usleep(2000 + round * 3000);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		/* Recovery as the stuck-job handler will do it: back to the queue. */
		ecl_job_release(f->store, f->job_id, NULL);
	}
	new_worker(f, "survivor", PERIODS * 4);
	ecl_assert_ok(ecl_worker_process(f->worker, 1, &report));
	j = job(f);
	assert_int_equal(j->status, ECL_JOB_COMPLETED);
	assert_int_equal(j->processed_rows, ROWS);
	ecl_job_free(j);
	assert_int_equal(ecl_test_sql_number(f->db_path, "SELECT count(*) FROM meter_readings"), ROWS * PERIODS);
	assert_float_equal(ecl_test_sql_number(f->db_path, "SELECT sum(reading_value) FROM meter_readings"), f->wide_sum, 1e-6);
	assert_int_equal(ecl_test_sql_number(f->db_path, "SELECT sum(updated_at IS NOT NULL) FROM meter_readings"), 0);
}

/* Every row of every table but import_jobs, as text, in a stable order. */
static char *snapshot(fixture *f)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *tables = NULL;
	size_t size = 0;
	char *text = NULL;
	FILE *out = open_memstream(&text, &size);

	assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
	/* Everything but the job: its row and its attempts (which it has even
	 * on a dry run). */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name, sql FROM sqlite_master "
		"WHERE name NOT IN ('import_jobs', 'import_job_attempts') ORDER BY name", -1, &tables, NULL),
		SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(tables, 0);
		const char *sql = (const char *)sqlite3_column_text(tables, 1);
		char *query = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY 1, 2", name);
		sqlite3_stmt *rows = NULL;

		fprintf(out, "[%s] %s\n", name, sql ? sql : "");
		if (sql != NULL && strncmp(sql, "CREATE TABLE", 12) == 0
		    && sqlite3_prepare_v2(db, query, -1, &rows, NULL) == SQLITE_OK) {
			while (sqlite3_step(rows) == SQLITE_ROW) {
				int c;
				for (c = 0; c < sqlite3_column_count(rows); c++)
					fprintf(out, "%s|", sqlite3_column_text(rows, c)
						? (const char *)sqlite3_column_text(rows, c) : "NULL");
				fputc('\n', out);
			}
		}
		sqlite3_finalize(rows);
		sqlite3_free(query);
	}
	sqlite3_finalize(tables);
	sqlite3_close(db);
	fclose(out);
	return text;
}

static void dry_run_changes_nothing_but_the_job(void **state)
{
	fixture *f = *state;
	ecl_worker_report report = { 0, 0, 0, 0, 0, 0 };
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	char *before, *after;
	ecl_job *j;

	/* Some data already there, so "nothing changed" is not "nothing exists". */
	enqueue(f, f->wide, ECL_IMPORT_HH);
	new_worker(f, "w1", 500);
	ecl_assert_ok(ecl_worker_process(f->worker, 1, &report));
	before = snapshot(f);

	o.file_path = f->wide;
	o.dry_run = 1;
	ecl_assert_ok(ecl_job_create(f->job_id, f->store, &o));
	ecl_test_sql_exec(f->db_path, "DELETE FROM hh_readings WHERE period_number > 40");  /* so a real run would write */
	free(before);
	before = snapshot(f);
	ecl_assert_ok(ecl_worker_process(f->worker, 1, &report));
	after = snapshot(f);
	assert_string_equal(before, after);
	j = job(f);
	assert_int_equal(j->status, ECL_JOB_COMPLETED);
	assert_non_null(strstr(j->summary, "\"dry_run\":true"));
	assert_non_null(strstr(j->summary, "\"records_imported\":40"));
	ecl_job_free(j);
	free(before);
	free(after);
}

static void bad_arguments(void **state)
{
	fixture *f = *state;
	ecl_worker_options o = ECL_WORKER_OPTIONS_INIT;
	ecl_worker *w = NULL;

	ecl_assert_fails(ECL_EINVALID, ecl_worker_new(NULL, f->store, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_worker_new(&w, NULL, NULL));
	o.worker_id = "";
	ecl_assert_fails(ECL_EINVALID, ecl_worker_new(&w, f->store, &o));
	o.worker_id = NULL;
	o.idle_poll_ms = -1;
	ecl_assert_fails(ECL_EINVALID, ecl_worker_new(&w, f->store, &o));
	assert_null(w);
	ecl_assert_ok(ecl_worker_new(&w, f->store, NULL));
	assert_non_null(strchr(ecl_worker_id(w), ':'));  /* hostname:pid */
	ecl_assert_fails(ECL_EINVALID, ecl_worker_process(w, 0, NULL));
	ecl_worker_free(w);
	ecl_worker_free(NULL);
	ecl_worker_stop(NULL);
}

/* A FIFO in place of a job's file (issue 15): refused at once, a permanent
 * failure naming it, and a direct import of it refused too. open(2) of a
 * FIFO used to block the worker for ever, deaf to SIGTERM: the worker runs
 * in a child under an alarm, so that behaviour fails the test, not hangs it. */
static void fifo_in_place_of_the_file_fails_at_once(void **state)
{
	fixture *f = *state;
	char *path = ecl_test_write_file(f->dir, "pipe.csv", "MPAN,Date,HH01\n");
	int status = 0;
	pid_t pid;
	ecl_job *j;

	enqueue(f, path, ECL_IMPORT_HH);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	/* The child opens its own connection. */
	ecl_store_free(f->store);
	f->store = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		ecl_worker_report report = { 0, 0, 0, 0, 0, 0 };
		ecl_ingest_report *direct = NULL;
		ecl_worker *w = NULL;
		int rc;

		alarm(20);
		rc = open_store(f) != 0 || ecl_worker_new(&w, f->store, NULL) != 0
			|| ecl_worker_process(w, 1, &report) != 0 || report.failed != 1 ? 3 : 0;
		if (rc == 0 && (ecl_ingest_file(&direct, f->store, path, NULL) != ECL_EINVALID
		                || strstr(ecl_error_last(), "FIFO") == NULL))
			rc = 4;
		ecl_worker_free(w);
		ecl_store_free(f->store);
		free(path);
		_exit(rc);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fail_msg("the worker did not return (signal %d): blocked on the FIFO", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	ecl_assert_ok(open_store(f));
	j = job(f);
	assert_int_equal(j->status, ECL_JOB_FAILED);
	assert_string_equal(j->error_class, "permanent");
	assert_int_equal(j->retry_count, 0);
	assert_non_null(strstr(j->error_message, path));
	assert_non_null(strstr(j->error_message, "FIFO"));
	ecl_job_free(j);
	free(path);
}

typedef struct cutter {
	const char *path;
	int batches;
} cutter;

static int cut_after_first_batch(int64_t processed, int64_t total, int64_t imported, int64_t failed,
                                 void *payload)
{
	cutter *c = payload;
	struct stat st;

	(void)processed; (void)total; (void)imported; (void)failed;
	if (c->batches++ == 0 && stat(c->path, &st) == 0)
		assert_int_equal(truncate(c->path, st.st_size - 30), 0);
	return 0;
}

/* A direct import whose file is cut under it fails (ECL_EIO, saying so)
 * rather than storing the cut last row; what was written before stays. */
static void direct_import_of_a_file_cut_meanwhile_fails(void **state)
{
	fixture *f = *state;
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r = NULL;
	cutter c = { f->wide, 0 };

	o.batch_size = PERIODS * 4;
	o.progress = cut_after_first_batch;
	o.progress_payload = &c;
	ecl_assert_fails(ECL_EIO, ecl_ingest_file(&r, f->store, f->wide, &o));
	ecl_assert_error_contains("changed during the import");
	ecl_assert_error_contains(f->wide);
	assert_null(r);
	assert_int_equal(ecl_test_sql_number(f->db_path, "SELECT count(*) FROM meter_readings"), 4 * PERIODS);
}

/* The fingerprint is the standard SHA-256 (FIPS 180-4 examples), fed in
 * uneven pieces. */
static void sha256_matches_the_standard(void **state)
{
	static const struct { const char *text; const char *hex; } vectors[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	unsigned char digest[ECL_SHA256_SIZE];
	char hex[ECL_SHA256_HEX_SIZE], chunk[997];
	ecl_sha256 ctx;
	size_t i, done;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		ecl__sha256_init(&ctx);
		ecl__sha256_update(&ctx, vectors[i].text, strlen(vectors[i].text));
		ecl__sha256_final(&ctx, digest);
		ecl__sha256_hex(digest, hex);
		assert_string_equal(hex, vectors[i].hex);
	}
	memset(chunk, 'a', sizeof(chunk));
	ecl__sha256_init(&ctx);
	for (done = 0; done < 1000000; done += i) {
		i = 1000000 - done < sizeof(chunk) ? 1000000 - done : 1 + done % sizeof(chunk);
		ecl__sha256_update(&ctx, chunk, i);
	}
	ecl__sha256_final(&ctx, digest);
	ecl__sha256_hex(digest, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(completes_a_job_with_its_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(whole_file_problems_fail_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(failure_message_is_stored_as_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(storage_trouble_is_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(stopped_worker_hands_back_and_next_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(cancel_stops_at_the_next_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(killed_worker_loses_and_doubles_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(dry_run_changes_nothing_but_the_job, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(fifo_in_place_of_the_file_fails_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(direct_import_of_a_file_cut_meanwhile_fails, setup, teardown),
		cmocka_unit_test(sha256_matches_the_standard),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
