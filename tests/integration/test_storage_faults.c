/*
 * Storage faults (issue 8): the SQLite file read-only, its directory removed
 * under an open store, the disk full, the database locked by another process
 * past the busy timeout, PostgreSQL down at start. Each must give a clear
 * error; the worker survives where it can; nothing is half-written (the
 * stored readings always equal the job's checkpoint x 48).
 *
 * Faults that need another identity or process limits run in a forked
 * child: the read-only file as the user "nobody" (root ignores file
 * permissions), the full disk under RLIMIT_FSIZE (writes past the limit fail
 * with EFBIG, SIGXFSZ ignored), the lock held by a child with its own
 * SQLite connection. A child reports through a pipe and its exit status,
 * never through cmocka.
 */
#include "ecl_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PERIODS 48
#define METERS 100
#define DAYS 4
#define ROWS (METERS * DAYS)
#define BATCH_READINGS (10 * PERIODS)   /* 10 rows a transaction */
#define NOBODY 65534

static int64_t now_s = 1704672000;      /* 2024-01-08T00:00:00Z */

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A wide HH file of ROWS rows; the caller frees the path. */
static char *write_csv(const char *dir)
{
	char *path = NULL;
	FILE *f;
	int m, d, p;

	assert_true(asprintf(&path, "%s/readings.csv", dir) > 0);
	assert_non_null(f = fopen(path, "w"));
	fputs("MPAN,Date", f);
	for (p = 1; p <= PERIODS; p++)
		fprintf(f, ",HH%02d", p);
	fputc('\n', f);
	for (m = 0; m < METERS; m++)
		for (d = 0; d < DAYS; d++) {
			fprintf(f, "%013lld,2024-01-%02d", 1300000000000LL + m, 8 + d);
			for (p = 1; p <= PERIODS; p++)
				fprintf(f, ",%d.%03d", (m + d + p) % 9, (m * 7 + p) % 1000);
			fputc('\n', f);
		}
	assert_int_equal(fclose(f), 0);
	return path;
}

static void enqueue(char batch_id[ECL_BATCH_ID_SIZE], ecl_store *store, const char *csv)
{
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;

	o.file_path = csv;
	o.max_retries = 3;
	ecl_assert_ok(ecl_job_create(batch_id, store, &o));
}

static char *uri_of(const char *path)
{
	char *uri = NULL;

	assert_true(asprintf(&uri, "sqlite://%s", path) > 0);
	return uri;
}

static ecl_store_options store_options(int busy_ms)
{
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;

	o.clock = ecl_test_clock;
	o.clock_payload = &now_s;
	o.busy_timeout_ms = busy_ms;
	o.log_level = ECL_LOG_ERROR + 1;   /* quiet: outcomes are checked here */
	return o;
}

static ecl_worker *new_worker(ecl_store *store, const char *id)
{
	ecl_worker_options o = ECL_WORKER_OPTIONS_INIT;
	ecl_worker *w = NULL;

	o.worker_id = id;
	o.ingest.batch_size = BATCH_READINGS;
	o.idle_poll_ms = 0;
	ecl_assert_ok(ecl_worker_new(&w, store, &o));
	return w;
}

static int64_t sql_int(const char *db, const char *sql)
{
	return (int64_t)ecl_test_sql_number(db, sql);
}

/* Nothing half-written: whole batches only, exactly the checkpoint's rows. */
static void check_consistent(const char *db, const char *what)
{
	int64_t readings = sql_int(db, "SELECT count(*) FROM hh_readings");
	int64_t checkpoint = sql_int(db, "SELECT checkpoint FROM import_jobs");

	if (readings != checkpoint * PERIODS)
		fail_msg("%s: checkpoint %lld rows but %lld readings stored", what,
			(long long)checkpoint, (long long)readings);
}

/* Run the job to completion in this process and check every reading is there once. */
static void finish_and_check(const char *db, const char *uri, const char *what)
{
	ecl_store_options so = store_options(10000);
	ecl_worker_report rep;
	ecl_store *store = NULL;
	ecl_worker *w;
	char *status;

	memset(&rep, 0, sizeof(rep));
	ecl_assert_ok(ecl_store_open(&store, uri, &so));
	w = new_worker(store, "after-the-fault");
	ecl_assert_ok(ecl_worker_process(w, 1, &rep));
	assert_int_equal(rep.completed, 1);
	status = ecl_test_sql_text(db, "SELECT status FROM import_jobs");
	assert_string_equal(status, "completed");
	free(status);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM hh_readings"), (int64_t)ROWS * PERIODS);
	assert_int_equal(sql_int(db, "SELECT imported_rows FROM import_jobs"), ROWS);
	assert_int_equal(sql_int(db, "SELECT checkpoint FROM import_jobs"), ROWS);
	ecl_worker_free(w);
	ecl_store_free(store);
	(void)what;
}

/* ---- a child's report --------------------------------------------------- */

/* What a forked child inherits from the test and must free before it exits
 * (valgrind checks a child's leaks too). A child never closes an inherited
 * store: the tests open none before forking. */
static void *child_owned[8];
static int child_owned_count;

static void own(void *p)
{
	assert_true(child_owned_count < 8);
	child_owned[child_owned_count++] = p;
}

static void disown_all(void)
{
	child_owned_count = 0;
}

static void child_exit(int code)
{
	while (child_owned_count > 0)
		free(child_owned[--child_owned_count]);
	_exit(code);
}

typedef struct child_result {
	int rc;               /* the call's return code */
	int open_rc;          /* ecl_store_open's */
	int64_t claimed, completed, failed, requeued;
	char message[1024];
} child_result;

static void child_send(int fd, const child_result *r)
{
	ssize_t n = write(fd, r, sizeof(*r));

	(void)n;
}

static void child_receive(int fd, pid_t pid, child_result *r)
{
	int status = 0;
	ssize_t n = read(fd, r, sizeof(*r));

	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the child ended with status 0x%x", status);
	assert_int_equal(n, (ssize_t)sizeof(*r));
}

/* In a child: open the store and run one worker call, reporting both. */
static void child_run_worker(int fd, const char *uri)
{
	ecl_store_options so = store_options(2000);
	ecl_worker_report rep;
	ecl_store *store = NULL;
	ecl_worker_options wo = ECL_WORKER_OPTIONS_INIT;
	ecl_worker *w = NULL;
	child_result r;

	memset(&r, 0, sizeof(r));
	memset(&rep, 0, sizeof(rep));
	r.open_rc = ecl_store_open(&store, uri, &so);
	if (r.open_rc != 0) {
		snprintf(r.message, sizeof(r.message), "%s", ecl_error_last());
	} else {
		wo.worker_id = "faulty";
		wo.ingest.batch_size = BATCH_READINGS;
		if (ecl_worker_new(&w, store, &wo) != 0)
			child_exit(3);
		r.rc = ecl_worker_process(w, 1, &rep);
		if (r.rc != 0)
			snprintf(r.message, sizeof(r.message), "%s", ecl_error_last());
		else {
			char *err = NULL;
			ecl_job_array *jobs = NULL;
			if (ecl_job_list(&jobs, store, NULL) == 0 && jobs->count == 1 && jobs->jobs[0].error_message)
				err = jobs->jobs[0].error_message;
			snprintf(r.message, sizeof(r.message), "%s", err ? err : "");
			ecl_job_array_free(jobs);
		}
		r.claimed = rep.claimed;
		r.completed = rep.completed;
		r.failed = rep.failed;
		r.requeued = rep.requeued;
		ecl_worker_free(w);
		ecl_store_free(store);
	}
	child_send(fd, &r);
	close(fd);
	child_exit(0);
}

/* ---- (1) the database file read-only ------------------------------------ */

static void test_read_only_file(void **state)
{
	char tmpl[] = "/tmp/ecl-faults-ro.XXXXXX";
	char *dir, *db = NULL, *uri, *csv, *status;
	char batch_id[ECL_BATCH_ID_SIZE];
	ecl_store_options so = store_options(2000);
	ecl_store *store = NULL;
	child_result r;
	int fds[2];
	pid_t pid;

	(void)state;
	assert_non_null(dir = mkdtemp(tmpl));
	assert_true(asprintf(&db, "%s/ro.db", dir) > 0);
	uri = uri_of(db);
	csv = write_csv(dir);
	ecl_assert_ok(ecl_store_open(&store, uri, &so));
	ecl_assert_ok(ecl_store_migrate(store));
	enqueue(batch_id, store, csv);
	ecl_store_free(store);   /* the last close checkpoints and removes -wal/-shm */
	/* The file read-only to everyone; the directory and the CSV usable by
	 * "nobody", who runs the worker (as root, permissions are ignored). */
	assert_int_equal(chmod(db, 0444), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(chmod(csv, 0644), 0);

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		own(db);
		own(uri);
		own(csv);
		/* As root, become "nobody"; otherwise the mode already applies. */
		if (geteuid() == 0 && (setgid(NOBODY) != 0 || setuid(NOBODY) != 0))
			child_exit(4);
		child_run_worker(fds[1], uri);
	}
	close(fds[1]);
	disown_all();
	child_receive(fds[0], pid, &r);
	print_message("read-only file: open %d, worker %d (claimed %lld): %s\n", r.open_rc, r.rc,
		(long long)r.claimed, r.message);
	if (r.open_rc != 0) {
		assert_true(r.open_rc == ECL_EIO);
		assert_non_null(strstr(r.message, db));
	} else {
		assert_int_equal(r.rc, ECL_EIO);
		assert_int_equal(r.claimed, 0);
		assert_non_null(strstr(r.message, "readonly database"));
	}
	/* Nothing changed: the job still queued, no reading. */
	status = ecl_test_sql_text(db, "SELECT status FROM import_jobs");
	assert_string_equal(status, "queued");
	free(status);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM hh_readings"), 0);
	/* Writable again: the job runs as usual. */
	assert_int_equal(chmod(db, 0644), 0);
	finish_and_check(db, uri, "read-only");
	print_message("read-only file: after chmod 0644 the job completed, %d readings\n", ROWS * PERIODS);
	ecl_test_rmtree(dir);
	free(db);
	free(uri);
	free(csv);
}

/* ---- (2) the directory removed under an open store ---------------------- */

static void test_directory_gone(void **state)
{
	ecl_test_db t;
	ecl_store_options so = store_options(2000);
	char batch_id[ECL_BATCH_ID_SIZE];
	char *csvdir, *csv, *uri;
	ecl_store *again = NULL;
	ecl_worker_report rep;
	ecl_worker *w;
	ecl_job *job = NULL;
	int rc;

	(void)state;
	assert_int_equal(ecl_test_db_open(&t, "faults_gone", &now_s, &so), 0);
	assert_non_null(csvdir = ecl_test_tmpdir("faults_gone_csv"));
	csv = write_csv(csvdir);
	enqueue(batch_id, t.store, csv);
	uri = uri_of(t.path);
	ecl_test_rmtree(t.dir);
	assert_int_equal(access(t.dir, F_OK), -1);

	memset(&rep, 0, sizeof(rep));
	w = new_worker(t.store, "orphan");
	rc = ecl_worker_process(w, 1, &rep);
	print_message("directory gone: worker %d (claimed %lld, completed %lld, requeued %lld): %s\n",
		rc, (long long)rep.claimed, (long long)rep.completed, (long long)rep.requeued,
		rc ? ecl_error_last() : "");
	/* The claim is refused: nothing is written into the unlinked file
	 * (before the fix the job "completed" there and its readings were lost
	 * with the file). */
	assert_int_equal(rc, ECL_EIO);
	ecl_assert_error_contains("deleted or moved");
	ecl_assert_error_contains(t.path);
	assert_int_equal(rep.claimed, 0);
	assert_int_equal(rep.completed, 0);
	/* The worker survives: a second call gives the same error, no crash. */
	ecl_assert_fails(ECL_EIO, ecl_worker_process(w, 1, &rep));
	/* Reads of the open (unlinked) file still work: the job is still queued there. */
	ecl_assert_ok(ecl_job_get(&job, t.store, batch_id));
	assert_int_equal(job->status, ECL_JOB_QUEUED);
	ecl_job_free(job);
	ecl_worker_free(w);

	rc = ecl_store_open(&again, uri, &so);
	print_message("directory gone: reopening: %d: %s\n", rc, ecl_error_last());
	assert_int_equal(rc, ECL_EIO);
	assert_null(again);
	ecl_assert_error_contains(t.path);

	ecl_test_db_close(&t);
	ecl_test_rmtree(csvdir);
	free(csvdir);
	free(csv);
	free(uri);
}

/* ---- (3) the disk full ---------------------------------------------------- */

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

static void test_disk_full(void **state)
{
	ecl_test_db t;
	ecl_store_options so = store_options(2000);
	char batch_id[ECL_BATCH_ID_SIZE];
	char *csv, *uri, *wal = NULL, *status;
	child_result r;
	struct rlimit lim;
	int64_t checkpoint;
	int fds[2];
	pid_t pid;

	(void)state;
	assert_int_equal(ecl_test_db_open(&t, "faults_full", &now_s, &so), 0);
	csv = write_csv(t.dir);
	enqueue(batch_id, t.store, csv);
	ecl_store_free(t.store);
	t.store = NULL;
	uri = uri_of(t.path);
	assert_true(asprintf(&wal, "%s-wal", t.path) > 0);
	/* Room for a few batches (about 40 KiB of WAL each), not for all 40. */
	lim.rlim_cur = lim.rlim_max = (rlim_t)(size_of(t.path) > size_of(wal) ? size_of(t.path)
	                                                                     : size_of(wal)) + 160 * 1024;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		own(csv);
		own(uri);
		own(wal);
		own(t.path);
		own(t.dir);
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
			child_exit(4);
		child_run_worker(fds[1], uri);
	}
	close(fds[1]);
	disown_all();
	child_receive(fds[0], pid, &r);
	checkpoint = sql_int(t.path, "SELECT checkpoint FROM import_jobs");
	status = ecl_test_sql_text(t.path, "SELECT status FROM import_jobs");
	print_message("disk full (RLIMIT_FSIZE %lld bytes): open %d, worker %d, claimed %lld, "
		"requeued %lld, failed %lld; job %s at checkpoint %lld of %d: %s\n",
		(long long)lim.rlim_cur, r.open_rc, r.rc, (long long)r.claimed, (long long)r.requeued,
		(long long)r.failed, status, (long long)checkpoint, ROWS, r.message);
	assert_int_equal(r.open_rc, 0);
	assert_int_equal(r.claimed, 1);
	assert_int_equal(r.failed, 0);
	assert_int_equal(r.completed, 0);
	assert_true(checkpoint > 0 && checkpoint < ROWS);
	check_consistent(t.path, "disk full");
	/* A transient failure: requeued with a retry spent, not failed for good. */
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.requeued, 1);
	assert_string_equal(status, "queued");
	assert_int_equal(sql_int(t.path, "SELECT retry_count FROM import_jobs"), 1);
	assert_non_null(strstr(r.message, "writing to the database file failed"));
	free(status);
	status = ecl_test_sql_text(t.path, "SELECT error_class FROM import_jobs");
	assert_string_equal(status, "transient");
	free(status);

	/* The limit lifted and the backoff passed: a new worker resumes and completes it. */
	now_s += 3600;
	finish_and_check(t.path, uri, "disk full");
	print_message("disk full: after the limit was lifted the job resumed at row %lld and "
		"completed, %d readings, none doubled\n", (long long)checkpoint, ROWS * PERIODS);
	ecl_test_db_close(&t);
	free(csv);
	free(uri);
	free(wal);
}

/* ---- (4) locked by another process past the busy timeout ------------------ */

#define LOCK_HOLD_MS 2000
#define BUSY_MS 300

static pid_t hold_lock(const char *path, void *owned1, void *owned2, void *owned3, void *owned4)
{
	int fds[2];
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *db = NULL;
		struct timespec ts = { LOCK_HOLD_MS / 1000, (LOCK_HOLD_MS % 1000) * 1000000L };

		close(fds[0]);
		own(owned1);
		own(owned2);
		own(owned3);
		own(owned4);
		if (sqlite3_open(path, &db) != SQLITE_OK)
			child_exit(5);
		sqlite3_busy_timeout(db, 5000);
		if (sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK)
			child_exit(6);
		c = 1;
		if (write(fds[1], &c, 1) != 1)
			child_exit(7);
		nanosleep(&ts, NULL);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
		child_exit(0);
	}
	close(fds[1]);
	disown_all();
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	return pid;
}

static void wait_child(pid_t pid)
{
	int status = 0;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_locked_past_busy_timeout(void **state)
{
	ecl_test_db t;
	ecl_store_options so = store_options(BUSY_MS);
	char batch_id[ECL_BATCH_ID_SIZE];
	char *csv, *uri, *status;
	ecl_worker_report rep;
	ecl_worker *w;
	int64_t t0, waited;
	pid_t holder;
	int rc;

	(void)state;
	assert_int_equal(ecl_test_db_open(&t, "faults_lock", &now_s, &so), 0);
	csv = write_csv(t.dir);
	enqueue(batch_id, t.store, csv);
	uri = uri_of(t.path);
	memset(&rep, 0, sizeof(rep));
	/* No store open across the fork: the holder inherits no connection. */
	ecl_store_free(t.store);
	t.store = NULL;
	holder = hold_lock(t.path, csv, uri, t.path, t.dir);
	ecl_assert_ok(ecl_store_open(&t.store, uri, &so));
	w = new_worker(t.store, "blocked");
	t0 = monotonic_ms();
	rc = ecl_worker_process(w, 1, &rep);
	waited = monotonic_ms() - t0;
	print_message("locked %d ms by another process, busy timeout %d ms: worker %d after %lld ms: %s\n",
		LOCK_HOLD_MS, BUSY_MS, rc, (long long)waited, ecl_error_last());
	assert_int_equal(rc, ECL_EBUSY);
	ecl_assert_error_contains("locked");
	ecl_assert_error_contains("waited 300 ms");
	assert_true(waited >= BUSY_MS && waited < LOCK_HOLD_MS);
	assert_int_equal(rep.claimed, 0);
	wait_child(holder);
	status = ecl_test_sql_text(t.path, "SELECT status FROM import_jobs");
	assert_string_equal(status, "queued");
	free(status);
	assert_int_equal(sql_int(t.path, "SELECT count(*) FROM hh_readings"), 0);

	/* The lock released: the same worker, on the same store, does the job. */
	ecl_assert_ok(ecl_worker_process(w, 1, &rep));
	assert_int_equal(rep.completed, 1);
	assert_int_equal(sql_int(t.path, "SELECT count(*) FROM hh_readings"), (int64_t)ROWS * PERIODS);
	print_message("locked: after the release the same worker completed the job\n");
	ecl_worker_free(w);
	ecl_test_db_close(&t);
	free(csv);
	free(uri);
}

/* ---- (5) PostgreSQL down at start ----------------------------------------- */

static int closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(s >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(s);   /* bound, never listened: the port refuses connections */
	return port;
}

static void test_postgresql_down(void **state)
{
	ecl_store_options so = store_options(2000);
	ecl_store *store = NULL;
	char uri[128], port_text[16];
	int64_t t0, took;
	int port = closed_port(), rc;

	(void)state;
	snprintf(uri, sizeof(uri), "postgresql://postgres:secret@127.0.0.1:%d/x", port);
	snprintf(port_text, sizeof(port_text), "%d", port);
	t0 = monotonic_ms();
	rc = ecl_store_open(&store, uri, &so);
	took = monotonic_ms() - t0;
	if (rc == ECL_ENOTSUPPORTED) {
		print_message("postgresql down: SKIPPED (backend not built: %s)\n", ecl_error_last());
		skip();
	}
	print_message("postgresql down: open %d after %lld ms: %s\n", rc, (long long)took, ecl_error_last());
	assert_int_equal(rc, ECL_EIO);
	assert_null(store);
	ecl_assert_error_contains("127.0.0.1");
	ecl_assert_error_contains(port_text);
	assert_null(strstr(ecl_error_last(), "secret"));
	assert_true(took < 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_only_file),
		cmocka_unit_test(test_directory_gone),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_locked_past_busy_timeout),
		cmocka_unit_test(test_postgresql_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
