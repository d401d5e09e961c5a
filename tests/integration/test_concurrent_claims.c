/*
 * Reliability: several worker processes claiming from one database.
 *
 * The requirement: at least 4 processes claiming and completing 2,000 jobs
 * from one database — every job completed exactly once, none skipped, no
 * "database is locked" error reaching the caller.
 *
 * Each child opens its own store after fork() (a handle never crosses a
 * fork), waits at a start barrier so that all of them contend from the first
 * claim, and appends every batch id it claims to its own file. The parent
 * then checks the files against the database.
 *
 * The database: a SQLite file in a private directory by default; with an
 * argument, the one it names — `sqlite://PATH` (a file that must not exist
 * yet), a PostgreSQL server (a libpq URI or key=value string) or a
 * MySQL/MariaDB one (a mysql:// URI), on which each test works in a fresh
 * schema or database of its own, ecl_claims_<pid>_<random>, dropped at its
 * end. Exit 77 (skipped) when no server answers.
 */
#include "ecl_test.h"
#include "ecl_test_target.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define JOB_COUNT 2000
#define WORKERS 4
#define BUSY_TIMEOUT_MS 30000
/* 2023-01-01T00:00:00Z: the instant the jobs are enqueued at. */
#define BASE_TIME INT64_C(1672531200)
#define FAIL_MESSAGE "transient test failure"
/* The simulated processing time of one job attempt. */
#define WORK_NS 200000L

/* The argv[1] given (NULL: a SQLite file in a private directory). */
static const char *g_store;

/* What the children share with the parent: the database and their files. */
typedef struct fixture {
	char *dir;
	ecl_test_target db;
	const char *uri;            /* db.uri */
	char *data_file;
	char *log_paths[WORKERS];
	char batch_ids[JOB_COUNT][ECL_BATCH_ID_SIZE];
	/* Shared with the children (MAP_SHARED): the clock of the retry test. */
	_Atomic int64_t *shared_clock;
} fixture;

/* A clock shared by every process: each reading moves it one second on, so
 * time passes for all workers together and retries become due while they
 * run, without sleeping. */
static int64_t shared_clock(void *payload)
{
	return atomic_fetch_add((_Atomic int64_t *)payload, 1);
}

static int64_t fixed_clock(void *payload)
{
	return *(const int64_t *)payload;
}

static int64_t base_time = BASE_TIME;

static ecl_store_options store_options(fixture *fx, int use_shared_clock)
{
	ecl_store_options opts = ECL_STORE_OPTIONS_INIT;

	opts.busy_timeout_ms = BUSY_TIMEOUT_MS;
	if (use_shared_clock) {
		opts.clock = shared_clock;
		opts.clock_payload = (void *)fx->shared_clock;
	} else {
		opts.clock = fixed_clock;
		opts.clock_payload = &base_time;
	}
	return opts;
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));
	char *real, *path = NULL;
	int i, rc;

	if (fx == NULL)
		return -1;
	fx->dir = ecl_test_tmpdir("concurrent_claims");
	if (fx->dir == NULL)
		return -1;
	/* sqlite:///abs/path: the URI needs an absolute path. */
	real = realpath(fx->dir, NULL);
	if (real == NULL || asprintf(&path, "%s/queue.db", real) < 0)
		return -1;
	free(real);
	rc = ecl_test_target_from_arg(&fx->db, g_store, "ecl_claims", path, "concurrent claims");
	free(path);
	if (rc != 0)
		return -1;
	fx->uri = fx->db.uri;
	fx->data_file = ecl_test_write_file(fx->dir, "readings.csv",
		"MPAN,Date,Period,Value\n1200000000001,2024-01-01,1,0.5\n");
	for (i = 0; i < WORKERS; i++)
		if (asprintf(&fx->log_paths[i], "%s/worker%d.log", fx->dir, i) < 0)
			return -1;
	fx->shared_clock = mmap(NULL, sizeof(*fx->shared_clock), PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fx->data_file == NULL || fx->shared_clock == MAP_FAILED)
		return -1;
	atomic_store(fx->shared_clock, BASE_TIME);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	int i;

	if (fx == NULL)
		return 0;
	ecl_test_rmtree(fx->dir);
	munmap((void *)fx->shared_clock, sizeof(*fx->shared_clock));
	for (i = 0; i < WORKERS; i++)
		free(fx->log_paths[i]);
	free(fx->data_file);
	ecl_test_target_destroy(&fx->db);
	free(fx->dir);
	free(fx);
	return 0;
}

/* Create and migrate the database and enqueue JOB_COUNT jobs of mixed
 * priority, all at BASE_TIME. The store is closed again before any fork. */
static void enqueue_jobs(fixture *fx)
{
	ecl_store_options opts = store_options(fx, 0);
	ecl_job_options *jobs = calloc(JOB_COUNT, sizeof(*jobs));
	ecl_store *store = NULL;
	int i;

	assert_non_null(jobs);
	for (i = 0; i < JOB_COUNT; i++) {
		ecl_assert_ok(ecl_job_options_init(&jobs[i], ECL_JOB_OPTIONS_VERSION));
		jobs[i].file_path = fx->data_file;
		jobs[i].priority = (ecl_priority)(i % 3);
		jobs[i].import_type = i % 2 ? ECL_IMPORT_DAILY : ECL_IMPORT_HH;
	}
	ecl_assert_ok(ecl_store_open(&store, fx->uri, &opts));
	ecl_assert_ok(ecl_store_migrate(store));
	ecl_assert_ok(ecl_job_create_many(&fx->batch_ids[0][0], store, jobs, JOB_COUNT));
	ecl_store_free(store);
	free(jobs);
}

/* ---- the children ---------------------------------------------------------- */

/* A child reports and leaves; it never returns into cmocka. */
static void child_fail(FILE *log, int worker, const char *what, int rc)
{
	fprintf(stderr, "worker %d: %s -> %d (%s): %s\n", worker, what, rc, ecl_strerror(rc),
		ecl_error_last());
	if (log != NULL)
		fclose(log);
	_exit(10 + worker);
}

/*
 * A worker processes the job it claimed outside any transaction. Without
 * this pause the claim/complete loop re-takes the write lock microseconds
 * after releasing it, and SQLite's busy handler (which polls with sleeps of
 * up to 100 ms) lets one process take nearly every job while the others wait
 * inside one ecl_job_claim() call for the whole run. That is unfair but not
 * incorrect, and real workers do work between claims.
 */
static void process_job(void)
{
	struct timespec pause = { 0, WORK_NS };

	nanosleep(&pause, NULL);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int priority_rank(ecl_priority p)
{
	return p == ECL_PRIORITY_HIGH ? 0 : p == ECL_PRIORITY_NORMAL ? 1 : 2;
}

/*
 * Claim and complete until nothing is runnable. The log has one line per
 * claim: "<rank> <id> <batch id>". Since every job is queued before the
 * first claim and none is ever requeued, each worker's claims must come in
 * strictly increasing claim order (priority rank, then id): a job claimed
 * later that ranked before one claimed earlier was skipped.
 */
static void run_complete_worker(fixture *fx, int worker)
{
	ecl_store_options opts = store_options(fx, 0);
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;
	ecl_store *store = NULL;
	char worker_id[16];
	FILE *log = fopen(fx->log_paths[worker], "w");
	int64_t longest = 0;
	int claims = 0;
	int rc;

	if (log == NULL) {
		fprintf(stderr, "worker %d: cannot open %s: %s\n", worker, fx->log_paths[worker],
			strerror(errno));
		_exit(9);
	}
	snprintf(worker_id, sizeof(worker_id), "w%d", worker);
	counts.processed_rows = 1;
	counts.imported_rows = 1;
	if ((rc = ecl_store_open(&store, fx->uri, &opts)) != 0)
		child_fail(log, worker, "ecl_store_open", rc);
	for (;;) {
		ecl_job *job = NULL;
		int64_t started = monotonic_ms(), took;

		rc = ecl_job_claim(&job, store, worker_id);
		took = monotonic_ms() - started;
		if (took > longest)
			longest = took;
		if (rc != 0)
			child_fail(log, worker, "ecl_job_claim", rc);
		if (job == NULL)
			break;
		claims++;
		fprintf(log, "%d %lld %s\n", priority_rank(job->priority), (long long)job->id,
			job->batch_id);
		if (job->status != ECL_JOB_PROCESSING || job->worker_id == NULL
		    || strcmp(job->worker_id, worker_id) != 0) {
			fprintf(stderr, "worker %d: claimed job %s has status %d, worker %s\n", worker,
				job->batch_id, (int)job->status, job->worker_id ? job->worker_id : "NULL");
			_exit(8);
		}
		process_job();
		rc = ecl_job_complete(store, job->batch_id, worker_id, &counts, NULL);
		ecl_job_free(job);
		if (rc != 0)
			child_fail(log, worker, "ecl_job_complete", rc);
	}
	ecl_store_free(store);
	printf("worker w%d: %d claims, longest claim call %lld ms\n", worker, claims, (long long)longest);
	fflush(stdout);
	if (fclose(log) != 0)
		_exit(7);
	_exit(0);
}

/*
 * Each job's first attempt fails transiently and its retry completes. The
 * log has "F <batch id>" per failure and "C <batch id>" per completion.
 * While a retry is pending (queued, retry_at in the future) the claim finds
 * nothing runnable, so a worker stops only when no job is queued at all; a
 * job is requeued only by the worker failing it, which keeps looping.
 */
static void run_retry_worker(fixture *fx, int worker)
{
	ecl_store_options opts = store_options(fx, 1);
	ecl_job_list_options queued = ECL_JOB_LIST_OPTIONS_INIT;
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;
	ecl_store *store = NULL;
	char worker_id[16];
	FILE *log = fopen(fx->log_paths[worker], "w");
	int rc;

	if (log == NULL)
		_exit(9);
	snprintf(worker_id, sizeof(worker_id), "w%d", worker);
	counts.processed_rows = 1;
	queued.status = ECL_JOB_QUEUED;
	queued.limit = 1;
	if ((rc = ecl_store_open(&store, fx->uri, &opts)) != 0)
		child_fail(log, worker, "ecl_store_open", rc);
	for (;;) {
		ecl_job *job = NULL;

		if ((rc = ecl_job_claim(&job, store, worker_id)) != 0)
			child_fail(log, worker, "ecl_job_claim", rc);
		if (job == NULL) {
			ecl_job_array *left = NULL;
			size_t n;

			if ((rc = ecl_job_list(&left, store, &queued)) != 0)
				child_fail(log, worker, "ecl_job_list", rc);
			n = left->count;
			ecl_job_array_free(left);
			if (n == 0)
				break;
			continue;  /* a retry is pending: the clock moves on with each claim */
		}
		process_job();
		if (job->retry_count == 0) {
			ecl_job_status status = ECL_JOB_PROCESSING;

			fprintf(log, "F %s\n", job->batch_id);
			rc = ecl_job_fail(&status, store, job->batch_id, worker_id,
				ECL_FAILURE_TRANSIENT, FAIL_MESSAGE);
			if (rc == 0 && status != ECL_JOB_QUEUED) {
				fprintf(stderr, "worker %d: job %s failed transiently is %d, not queued\n",
					worker, job->batch_id, (int)status);
				_exit(8);
			}
			if (rc != 0)
				child_fail(log, worker, "ecl_job_fail", rc);
		} else {
			fprintf(log, "C %s\n", job->batch_id);
			rc = ecl_job_complete(store, job->batch_id, worker_id, &counts, NULL);
			if (rc != 0)
				child_fail(log, worker, "ecl_job_complete", rc);
		}
		ecl_job_free(job);
	}
	ecl_store_free(store);
	if (fclose(log) != 0)
		_exit(7);
	_exit(0);
}

/* Fork the workers; they start together when the barrier pipe is closed.
 * Asserts every child exited with 0. */
static void run_workers(fixture *fx, void (*work)(fixture *, int))
{
	pid_t pids[WORKERS];
	int barrier[2];
	int i;

	assert_int_equal(pipe(barrier), 0);
	fflush(NULL);  /* nothing buffered may be written twice */
	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char byte;

			close(barrier[1]);
			/* EOF when the parent closes its end: everyone starts at once. */
			while (read(barrier[0], &byte, 1) < 0 && errno == EINTR)
				;
			close(barrier[0]);
			work(fx, i);
			_exit(6);  /* not reached */
		}
	}
	close(barrier[0]);
	close(barrier[1]);
	for (i = 0; i < WORKERS; i++) {
		int status = 0;

		while (waitpid(pids[i], &status, 0) < 0)
			assert_int_equal(errno, EINTR);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			print_error("worker %d: %s %d\n", i,
				WIFEXITED(status) ? "exited with" : "killed by signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

/* ---- the checks ------------------------------------------------------------- */

typedef struct claim_record {
	char batch_id[ECL_BATCH_ID_SIZE];
	int worker;
	char kind;  /* 'C' completed, 'F' failed (retry test only) */
} claim_record;

static int compare_records(const void *a, const void *b)
{
	const claim_record *x = a, *y = b;
	int c = strcmp(x->batch_id, y->batch_id);

	return c ? c : x->kind - y->kind;
}

static int compare_ids(const void *a, const void *b)
{
	return strcmp(a, b);
}

static const claim_record *find_record(const claim_record *records, size_t n,
                                       const char *batch_id, char kind)
{
	claim_record key;

	memset(&key, 0, sizeof(key));
	snprintf(key.batch_id, sizeof(key.batch_id), "%s", batch_id);
	key.kind = kind;
	return bsearch(&key, records, n, sizeof(*records), compare_records);
}

/* The enqueued batch ids, sorted. */
static char (*sorted_batch_ids(fixture *fx))[ECL_BATCH_ID_SIZE]
{
	char (*ids)[ECL_BATCH_ID_SIZE] = malloc(sizeof(fx->batch_ids));

	assert_non_null(ids);
	memcpy(ids, fx->batch_ids, sizeof(fx->batch_ids));
	qsort(ids, JOB_COUNT, ECL_BATCH_ID_SIZE, compare_ids);
	return ids;
}

/* All jobs, from a fresh store opened after the workers are gone. */
static ecl_job_array *list_jobs(fixture *fx, int status)
{
	ecl_store_options opts = store_options(fx, 0);
	ecl_job_list_options list = ECL_JOB_LIST_OPTIONS_INIT;
	ecl_job_array *jobs = NULL;
	ecl_store *store = NULL;

	list.status = status;
	list.limit = 0;
	ecl_assert_ok(ecl_store_open(&store, fx->uri, &opts));
	ecl_assert_ok(ecl_job_list(&jobs, store, &list));
	ecl_store_free(store);
	return jobs;
}

static void test_four_workers_complete_each_job_once(void **state)
{
	fixture *fx = *state;
	claim_record *records = calloc(JOB_COUNT + 1, sizeof(*records));
	char (*expected)[ECL_BATCH_ID_SIZE];
	size_t per_worker[WORKERS] = { 0 };
	size_t n = 0, i;
	ecl_job_array *jobs;
	int w;

	assert_non_null(records);
	enqueue_jobs(fx);
	run_workers(fx, run_complete_worker);

	/* Read the claim logs; each worker's claims must be in claim order. */
	for (w = 0; w < WORKERS; w++) {
		FILE *log = fopen(fx->log_paths[w], "r");
		long long id, last_id = 0;
		int rank, last_rank = -1;
		char batch_id[ECL_BATCH_ID_SIZE];

		assert_non_null(log);
		while (fscanf(log, "%d %lld %36s", &rank, &id, batch_id) == 3) {
			if (n == JOB_COUNT)
				fail_msg("more than %d claims in all", JOB_COUNT);
			if (rank < last_rank || (rank == last_rank && id <= last_id))
				fail_msg("worker %d claimed job %lld (rank %d) after job %lld (rank %d): "
					"a runnable job was skipped", w, id, rank, last_id, last_rank);
			last_rank = rank;
			last_id = id;
			memcpy(records[n].batch_id, batch_id, sizeof(batch_id));
			records[n].worker = w;
			records[n].kind = 'C';
			n++;
			per_worker[w]++;
		}
		assert_true(feof(log));
		fclose(log);
	}
	for (w = 0; w < WORKERS; w++) {
		print_message("worker w%d claimed %zu jobs\n", w, per_worker[w]);
		assert_true(per_worker[w] >= 1);
	}

	/* Exactly the enqueued ids, each claimed once. */
	assert_int_equal(n, JOB_COUNT);
	qsort(records, n, sizeof(*records), compare_records);
	expected = sorted_batch_ids(fx);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(records[i].batch_id, records[i - 1].batch_id) == 0)
			fail_msg("job %s claimed twice (workers %d and %d)", records[i].batch_id,
				records[i - 1].worker, records[i].worker);
		assert_string_equal(records[i].batch_id, expected[i]);
	}
	free(expected);

	/* The database agrees: every job completed, by the worker that logged it. */
	jobs = list_jobs(fx, ECL_JOB_COMPLETED);
	assert_int_equal(jobs->count, JOB_COUNT);
	for (i = 0; i < jobs->count; i++) {
		const ecl_job *job = &jobs->jobs[i];
		const claim_record *r = find_record(records, n, job->batch_id, 'C');
		char worker_id[16];

		assert_non_null(r);
		snprintf(worker_id, sizeof(worker_id), "w%d", r->worker);
		assert_int_equal(job->status, ECL_JOB_COMPLETED);
		assert_non_null(job->worker_id);
		assert_string_equal(job->worker_id, worker_id);
		assert_int_equal(job->processed_rows, 1);
		assert_int_equal(job->retry_count, 0);
		assert_true(job->completed_at >= job->started_at && job->started_at > 0);
	}
	ecl_job_array_free(jobs);
	jobs = list_jobs(fx, ECL_JOB_ANY);
	assert_int_equal(jobs->count, JOB_COUNT);
	ecl_job_array_free(jobs);
	free(records);
}

static void test_four_workers_retry_each_job_once(void **state)
{
	fixture *fx = *state;
	claim_record *records = calloc(2 * JOB_COUNT + 1, sizeof(*records));
	char (*expected)[ECL_BATCH_ID_SIZE];
	size_t per_worker[WORKERS] = { 0 };
	size_t n = 0, i;
	ecl_job_array *jobs;
	int w;

	assert_non_null(records);
	enqueue_jobs(fx);
	run_workers(fx, run_retry_worker);

	for (w = 0; w < WORKERS; w++) {
		FILE *log = fopen(fx->log_paths[w], "r");
		char kind[4], batch_id[ECL_BATCH_ID_SIZE];

		assert_non_null(log);
		while (fscanf(log, "%3s %36s", kind, batch_id) == 2) {
			if (n == 2 * JOB_COUNT)
				fail_msg("more than %d claims in all", 2 * JOB_COUNT);
			assert_true(kind[0] == 'F' || kind[0] == 'C');
			memcpy(records[n].batch_id, batch_id, sizeof(batch_id));
			records[n].worker = w;
			records[n].kind = kind[0];
			n++;
			per_worker[w]++;
		}
		assert_true(feof(log));
		fclose(log);
	}
	for (w = 0; w < WORKERS; w++) {
		print_message("worker w%d made %zu claims\n", w, per_worker[w]);
		assert_true(per_worker[w] >= 1);
	}

	/* Each job claimed exactly twice: failed once, then completed once. */
	assert_int_equal(n, 2 * JOB_COUNT);
	qsort(records, n, sizeof(*records), compare_records);
	expected = sorted_batch_ids(fx);
	for (i = 0; i < JOB_COUNT; i++) {
		const claim_record *done = &records[2 * i], *failed = &records[2 * i + 1];

		if (strcmp(done->batch_id, expected[i]) != 0 || done->kind != 'C'
		    || strcmp(failed->batch_id, expected[i]) != 0 || failed->kind != 'F')
			fail_msg("job %s: expected one failure and one completion, found %s/%c and %s/%c",
				expected[i], done->batch_id, done->kind, failed->batch_id, failed->kind);
	}
	free(expected);

	jobs = list_jobs(fx, ECL_JOB_COMPLETED);
	assert_int_equal(jobs->count, JOB_COUNT);
	for (i = 0; i < jobs->count; i++) {
		const ecl_job *job = &jobs->jobs[i];
		const claim_record *r = find_record(records, n, job->batch_id, 'C');
		char worker_id[16];

		assert_non_null(r);
		snprintf(worker_id, sizeof(worker_id), "w%d", r->worker);
		assert_int_equal(job->status, ECL_JOB_COMPLETED);
		assert_int_equal(job->retry_count, 1);
		assert_non_null(job->worker_id);
		assert_string_equal(job->worker_id, worker_id);
		assert_int_equal(job->processed_rows, 1);
		/* The retry waited out its backoff by the shared clock. */
		assert_true(job->retry_at > BASE_TIME);
		assert_true(job->started_at >= job->retry_at);
	}
	ecl_job_array_free(jobs);
	jobs = list_jobs(fx, ECL_JOB_ANY);
	assert_int_equal(jobs->count, JOB_COUNT);
	ecl_job_array_free(jobs);
	free(records);
}

/* test_concurrent_claims [STORE]: STORE is sqlite://PATH or a PostgreSQL
 * or MySQL server (without it: a SQLite file in a private directory). */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_four_workers_complete_each_job_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_four_workers_retry_each_job_once, setup, teardown),
	};
	int rc = ecl_test_store_arg(argc, argv, &g_store);

	if (rc != 0)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
