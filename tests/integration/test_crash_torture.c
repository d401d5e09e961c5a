/*
 * Reliability: workers killed with SIGKILL at random moments, then recovered.
 *
 * The store: a SQLite file in a private directory by default; with an
 * argument, the database it names — `sqlite://PATH` (a file the test creates
 * and removes each round), a PostgreSQL server (a libpq URI or key=value
 * string) or a MySQL/MariaDB one (a mysql:// URI), on which each round works
 * in a fresh schema or database of its own, ecl_torture_<pid>_<random>_r<N>,
 * dropped at the end of the round (so the builds sharing a server never
 * meet). Exit 77 (skipped) when no server answers there.
 *
 * Each round takes a fresh database (file or schema) and one multi-batch import job
 * (300 meters x 7 days wide, 100,800 readings; batch size 500 readings, so
 * about 200 batches). A child process runs ecl_worker_process() on it and is
 * killed with SIGKILL one to three times per round, each kill chosen at
 * random (seeded, the seed printed; ECL_TORTURE_SEED repeats a run) among:
 *
 *   timer       the parent kills it after a random delay (0..1.2 x the time
 *               the rest of the import should take, measured once without a
 *               kill, so also during the re-aggregation and the completion);
 *   commit      the child kills itself in its progress callback, which runs
 *               right after a batch (readings + checkpoint) committed;
 *   last batch  the same at the last batch: everything is committed but the
 *               job is not completed yet (just before re-aggregation and
 *               ecl_job_complete);
 *   claim       the child kills itself in the job_started hook: claimed,
 *               nothing imported.
 *
 * On a server (PostgreSQL, MySQL) the killed worker's server process or
 * thread ends only when the
 * server notices the closed connection, rolling back any open transaction:
 * the parent first waits until no server process of the workers is left
 * (they connect with an application_name of their own), so that what it
 * reads is what the crash left.
 *
 * After each kill the parent checks that the committed checkpoint and the
 * stored readings agree (checkpoint x 48 readings), then recovers as an
 * operator would: it moves the injected clock two hours on and runs
 * ecl_health_check() with handle_stuck (the `eclectyc monitor
 * --handle-stuck` path), which requeues the job spending a retry, and moves
 * the clock past the backoff. Finally a new worker in a new child finishes.
 *
 * After each round: the job is completed, its counters and checkpoint equal
 * the file's rows, its retry_count equals the requeues done, the readings'
 * count and sum (in integer thousandths) equal the generated data's, the
 * final attempt inserted exactly what was missing and found nothing already
 * there (so no batch was written twice), and the daily aggregations (whose
 * re-aggregation after a resume must cover the earlier attempts' batches
 * too) add up to the same figures.
 */
#include "ecl_test.h"
#include "ecl_test_target.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 50
#define METERS 300
#define DAYS 7
#define PERIODS 48
#define ROWS (METERS * DAYS)
#define READINGS ((int64_t)ROWS * PERIODS)
#define BATCH_SIZE 500
#define MAX_KILLS_PER_ROUND 3
#define MAX_RETRIES 10
/* 2024-01-08T00:00:00Z: well away from a clock change (48 periods a day). */
#define BASE_TIME INT64_C(1704672000)

enum kill_mode { KILL_TIMER, KILL_COMMIT, KILL_LAST_BATCH, KILL_CLAIM, KILL_MODES };

static const char *const mode_names[KILL_MODES] = { "timer", "commit", "last-batch", "claim" };

/* The argv[1] given (NULL: a SQLite file in a private directory). */
static const char *g_store;

typedef struct fixture {
	char *dir;
	char *csv;
	char *db_path;              /* SQLite: the round's database file */
	char *server;               /* PostgreSQL, MySQL: the server (no schema) */
	char tag[48];               /* PostgreSQL, MySQL: ecl_torture_<pid>_<random> */
	char app[64];               /* PostgreSQL: the workers' application_name */
	ecl_test_target db;         /* this round's database */
	char *worker_uri;           /* the store URI the workers open */
	int64_t expected_sum_milli;
	_Atomic int64_t *clock;     /* MAP_SHARED: the parent moves it, children read it */
	uint64_t rng;
	int64_t import_ms;          /* an uninterrupted import, measured */
	int outlived;               /* PostgreSQL: kills after which the server process lingered */
} fixture;

/* ---- helpers ------------------------------------------------------------ */

static uint64_t next_random(fixture *fx)
{
	/* splitmix64 */
	uint64_t z = (fx->rng += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static int64_t random_below(fixture *fx, int64_t n)
{
	return n > 0 ? (int64_t)(next_random(fx) % (uint64_t)n) : 0;
}

static int64_t shared_clock(void *payload)
{
	return atomic_load((_Atomic int64_t *)payload);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ecl_store_options store_options(fixture *fx)
{
	ecl_store_options opts = ECL_STORE_OPTIONS_INIT;

	opts.clock = shared_clock;
	opts.clock_payload = (void *)fx->clock;
	opts.busy_timeout_ms = 30000;
	opts.retry_base_seconds = 60;
	opts.retry_cap_seconds = 600;
	opts.log_level = ECL_LOG_ERROR;   /* the recoveries warn, as they should */
	return opts;
}

/* The value of meter m, day d, period p in thousandths: 1..997. */
static int value_milli(int m, int d, int p)
{
	return (m * 31 + d * 17 + p * 7) % 997 + 1;
}

/* A fresh database for a round (or the calibration): a schema of its own
 * on PostgreSQL (a database on MySQL), the file (removed by drop_round_target) on SQLite. */
static void open_round_target(fixture *fx, const char *name)
{
	if (fx->server != NULL) {
		char schema[64];

		snprintf(schema, sizeof(schema), "%s_%s", fx->tag, name);
		ecl_test_target_server(&fx->db, fx->server, schema);
		/* MySQL has no application name: its workers are the connections
		 * to the round's database (ecl_test_target_wait_gone). */
		fx->worker_uri = fx->db.pgsql
			? ecl_test_pg_with_param(fx->db.uri, "application_name", fx->app)
			: strdup(fx->db.uri);
	} else {
		ecl_test_target_sqlite(&fx->db, fx->db_path);
		fx->worker_uri = strdup(fx->db.uri);
	}
	assert_non_null(fx->worker_uri);
}

static void drop_round_target(fixture *fx)
{
	ecl_test_target_destroy(&fx->db);
	free(fx->worker_uri);
	fx->worker_uri = NULL;
}

static const char *backend_name(const fixture *fx)
{
	return fx->server == NULL ? "SQLite" : ecl_test_uri_is_mysql(fx->server) ? "MySQL" : "PostgreSQL";
}

/* ---- fixture -------------------------------------------------------------- */

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));
	char *real, *path = NULL;
	FILE *f;
	const char *seed_env = getenv("ECL_TORTURE_SEED");
	uint64_t seed;
	int m, d, p;

	if (fx == NULL || (fx->dir = ecl_test_tmpdir("crash_torture")) == NULL)
		return -1;
	real = realpath(fx->dir, NULL);
	if (real == NULL)
		return -1;
	free(fx->dir);
	fx->dir = real;
	if (g_store != NULL && (ecl_test_uri_is_pgsql(g_store) || ecl_test_uri_is_mysql(g_store))) {
		fx->server = strdup(g_store);
		ecl_test_fresh_name(fx->tag, sizeof(fx->tag), "ecl_torture");
		snprintf(fx->app, sizeof(fx->app), "%s_w", fx->tag);
	} else if (g_store != NULL) {
		if (strncmp(g_store, "sqlite://", 9) != 0 || g_store[9] == '\0') {
			fprintf(stderr, "crash torture: \"%s\" is neither a sqlite://PATH nor a PostgreSQL or "
				"MySQL URI\n",
				g_store);
			return -1;
		}
		fx->db_path = strdup(g_store + 9);
	} else if (asprintf(&fx->db_path, "%s/round.db", fx->dir) < 0) {
		fx->db_path = NULL;
	}
	if (fx->server == NULL && fx->db_path == NULL)
		return -1;
	if (asprintf(&path, "%s/readings.csv", fx->dir) < 0 || (f = fopen(path, "w")) == NULL)
		return -1;
	fputs("MPAN,Date", f);
	for (p = 1; p <= PERIODS; p++)
		fprintf(f, ",HH%02d", p);
	fputc('\n', f);
	for (m = 0; m < METERS; m++) {
		for (d = 0; d < DAYS; d++) {
			fprintf(f, "%013lld,2024-01-%02d", 1300000000000LL + m, 8 + d);
			for (p = 1; p <= PERIODS; p++) {
				int v = value_milli(m, d, p);

				fprintf(f, ",%d.%03d", v / 1000, v % 1000);
				fx->expected_sum_milli += v;
			}
			fputc('\n', f);
		}
	}
	if (fclose(f) != 0)
		return -1;
	fx->csv = path;
	fx->clock = mmap(NULL, sizeof(*fx->clock), PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fx->clock == MAP_FAILED)
		return -1;
	seed = seed_env != NULL ? strtoull(seed_env, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid();
	fx->rng = seed;
	print_message("crash torture: seed %" PRIu64 " (set ECL_TORTURE_SEED=%" PRIu64 " to repeat)\n",
		seed, seed);
	if (fx->server != NULL)
		print_message("crash torture: %s, %s %s_*\n", backend_name(fx),
			ecl_test_uri_is_mysql(g_store) ? "databases" : "schemas", fx->tag);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	if (fx == NULL)
		return 0;
	drop_round_target(fx);   /* the round a failed check left (none: nothing) */
	ecl_test_rmtree(fx->dir);
	munmap((void *)fx->clock, sizeof(*fx->clock));
	free(fx->csv);
	free(fx->db_path);
	free(fx->server);
	free(fx->dir);
	free(fx);
	return 0;
}

/* ---- the children ------------------------------------------------------------ */

typedef struct child_plan {
	enum kill_mode mode;
	int64_t kill_at_processed;  /* KILL_COMMIT / KILL_LAST_BATCH: rows processed */
} child_plan;

static int kill_in_progress(int64_t processed, int64_t total, int64_t imported, int64_t failed,
                            void *payload)
{
	const child_plan *plan = payload;

	(void)total, (void)imported, (void)failed;
	if ((plan->mode == KILL_COMMIT || plan->mode == KILL_LAST_BATCH)
	    && processed >= plan->kill_at_processed)
		raise(SIGKILL);   /* right after the batch committed */
	return 0;
}

static void kill_on_claim(const ecl_job *job, void *payload)
{
	const child_plan *plan = payload;

	(void)job;
	if (plan->mode == KILL_CLAIM)
		raise(SIGKILL);
}

/* Run one worker over the store; exit 0 when it returned without error.
 * Never returns. */
static void run_worker(fixture *fx, const char *uri, const child_plan *plan, const char *worker_id)
{
	ecl_store_options sopts = store_options(fx);
	ecl_worker_options wopts = ECL_WORKER_OPTIONS_INIT;
	ecl_worker_report report;
	ecl_store *store = NULL;
	ecl_worker *worker = NULL;
	int rc;

	memset(&report, 0, sizeof(report));
	wopts.worker_id = worker_id;
	wopts.ingest.batch_size = BATCH_SIZE;
	wopts.progress = kill_in_progress;
	wopts.progress_payload = (void *)plan;
	wopts.job_started = kill_on_claim;
	wopts.job_started_payload = (void *)plan;
	if ((rc = ecl_store_open(&store, uri, &sopts)) != 0
	    || (rc = ecl_worker_new(&worker, store, &wopts)) != 0
	    || (rc = ecl_worker_process(worker, 10, &report)) != 0) {
		fprintf(stderr, "worker %s: %d (%s): %s\n", worker_id, rc, ecl_strerror(rc),
			ecl_error_last());
		_exit(20);
	}
	ecl_worker_free(worker);
	ecl_store_free(store);
	/* A finishing worker must have completed the job it claimed. */
	if (report.failed != 0 || report.cancelled != 0 || report.released != 0) {
		fprintf(stderr, "worker %s: failed %lld, cancelled %lld, released %lld\n", worker_id,
			(long long)report.failed, (long long)report.cancelled, (long long)report.released);
		_exit(21);
	}
	_exit(0);
}

/* Fork a worker on the round's database; with a timer, SIGKILL it after
 * `delay_ms`. Returns the signal that ended it (0 when it exited with 0;
 * fails on another exit) once its server processes (PostgreSQL) are gone. */
static int fork_worker(fixture *fx, const child_plan *plan, const char *worker_id, int64_t delay_ms)
{
	int status = 0, waits;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		run_worker(fx, fx->worker_uri, plan, worker_id);
	if (plan->mode == KILL_TIMER) {
		struct timespec delay = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };

		while (nanosleep(&delay, &delay) < 0 && errno == EINTR)
			;
		kill(pid, SIGKILL);   /* harmless if it has exited already (not yet reaped) */
	}
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	waits = ecl_test_target_wait_gone(&fx->db, fx->app, 60000);
	if (waits < 0)
		fail_msg("worker %s: its server process or connection is still there 60 s after it ended",
			worker_id);
	if (waits > 0 && WIFSIGNALED(status))
		fx->outlived++;
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("worker %s exited with %d", worker_id, WEXITSTATUS(status));
	return 0;
}

/* ---- the checks ------------------------------------------------------------- */

static ecl_job *get_job(fixture *fx, const char *batch_id)
{
	ecl_store_options opts = store_options(fx);
	ecl_store *store = NULL;
	ecl_job *job = NULL;

	ecl_assert_ok(ecl_store_open(&store, fx->db.uri, &opts));
	ecl_assert_ok(ecl_job_get(&job, store, batch_id));
	ecl_store_free(store);
	return job;
}

/* A number read from the round's database. */
static int64_t sql_int(fixture *fx, const char *sql)
{
	return (int64_t)ecl_test_target_number(&fx->db, sql);
}

/* What a crash left: whole rows only, exactly the checkpoint's. */
static void check_crash_state(fixture *fx, const ecl_job *job, int round, const char *mode)
{
	int64_t readings = sql_int(fx, "SELECT count(*) FROM hh_readings");

	if (readings != job->checkpoint * PERIODS)
		fail_msg("round %d: after a %s kill the checkpoint is %lld rows but %lld readings are "
			"stored (expected %lld)", round, mode, (long long)job->checkpoint, (long long)readings,
			(long long)(job->checkpoint * PERIODS));
	assert_true(job->checkpoint == 0 || job->processed_rows == job->checkpoint);
	assert_true(job->checkpoint <= ROWS);
}

/* The operator's recovery: time passes, the monitor requeues the stuck job. */
static int recover(fixture *fx, int round)
{
	ecl_store_options opts = store_options(fx);
	ecl_health_options hopts = ECL_HEALTH_OPTIONS_INIT;
	ecl_health_report *report = NULL;
	ecl_store *store = NULL;
	int requeued;

	atomic_fetch_add(fx->clock, 2 * 3600);   /* past the 60-minute threshold */
	hopts.handle_stuck = 1;
	ecl_assert_ok(ecl_store_open(&store, fx->db.uri, &opts));
	ecl_assert_ok(ecl_health_check(&report, store, &hopts));
	assert_true(report->stuck_count <= 1);
	assert_int_equal(report->failed, 0);
	if (report->stuck_count == 1 && strcmp(report->stuck[0].action, "requeued") != 0)
		fail_msg("round %d: stuck job %s", round, report->stuck[0].action);
	requeued = (int)report->requeued;
	ecl_health_report_free(report);
	ecl_store_free(store);
	atomic_fetch_add(fx->clock, 3600);       /* past any backoff (cap 600 s) */
	return requeued;
}

static void check_round(fixture *fx, const char *batch_id, int round, int requeues,
                        int64_t readings_before)
{
	ecl_job *job = get_job(fx, batch_id);
	json_t *summary;
	json_error_t error;
	int64_t n, sum, inserted, unchanged;

	if (job->status != ECL_JOB_COMPLETED)
		fail_msg("round %d: job is %s (%s)", round, ecl_job_status_name(job->status),
			job->error_message ? job->error_message : "");
	assert_int_equal(job->total_rows, ROWS);
	assert_int_equal(job->processed_rows, ROWS);
	assert_int_equal(job->imported_rows, ROWS);
	assert_int_equal(job->failed_rows, 0);
	assert_int_equal(job->checkpoint, ROWS);
	assert_int_equal(job->retry_count, requeues);

	n = sql_int(fx, "SELECT count(*) FROM hh_readings");
	sum = sql_int(fx, "SELECT sum(CAST(round(reading_value * 1000) AS INTEGER)) FROM hh_readings");
	if (n != READINGS || sum != fx->expected_sum_milli)
		fail_msg("round %d: %lld readings summing to %lld thousandths, expected %lld and %lld",
			round, (long long)n, (long long)sum, (long long)READINGS,
			(long long)fx->expected_sum_milli);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM meters"), METERS);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM hh_readings WHERE updated_at IS NOT NULL"), 0);
	/* Every reading carries the job's batch. */
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM hh_readings r JOIN import_batches b "
		"ON b.id = r.import_batch JOIN import_jobs j ON j.batch_id = b.batch_id"), READINGS);

	/* The last attempt wrote exactly what was missing, and met nothing already
	 * written: no committed batch was replayed. */
	summary = json_loads(job->summary, 0, &error);
	assert_non_null(summary);
	inserted = json_integer_value(json_object_get(summary, "inserted"));
	unchanged = json_integer_value(json_object_get(summary, "unchanged"));
	if (inserted != READINGS - readings_before || unchanged != 0)
		fail_msg("round %d: the last attempt inserted %lld and found %lld unchanged; "
			"%lld were stored before it", round, (long long)inserted, (long long)unchanged,
			(long long)readings_before);
	json_decref(summary);

	/* The re-aggregation covered all of it, earlier attempts included. */
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM daily_aggregations"), ROWS);
	assert_int_equal(sql_int(fx, "SELECT sum(reading_count) FROM daily_aggregations"), READINGS);
	assert_int_equal(sql_int(fx, "SELECT sum(CAST(round(total_consumption * 1000) AS INTEGER)) "
		"FROM daily_aggregations"), fx->expected_sum_milli);
	ecl_job_free(job);
}

/* ---- the test ---------------------------------------------------------------- */

/* A fresh database with the one job; returns its batch id. */
static void new_round_db(fixture *fx, const char *name, char batch_id[ECL_BATCH_ID_SIZE])
{
	ecl_store_options opts = store_options(fx);
	ecl_job_options job = ECL_JOB_OPTIONS_INIT;
	ecl_store *store = NULL;

	open_round_target(fx, name);
	atomic_store(fx->clock, BASE_TIME);
	job.file_path = fx->csv;
	job.max_retries = MAX_RETRIES;
	ecl_assert_ok(ecl_store_open(&store, fx->db.uri, &opts));
	ecl_assert_ok(ecl_store_migrate(store));
	ecl_assert_ok(ecl_job_create(batch_id, store, &job));
	ecl_store_free(store);
}

static void test_crash_torture(void **state)
{
	fixture *fx = *state;
	child_plan none = { KILL_MODES, 0 };
	char batch_id[ECL_BATCH_ID_SIZE], worker_id[32], name[16];
	int64_t started = monotonic_ms(), t0, rows = 0;
	int kills = 0, kills_after_commit = 0, missed = 0, after_completion = 0, requeues_total = 0, jobs = 0;
	int by_mode[KILL_MODES] = { 0 };
	int round, k;

	/* Calibration: one import without a kill, which also checks the baseline. */
	new_round_db(fx, "cal", batch_id);
	t0 = monotonic_ms();
	assert_int_equal(fork_worker(fx, &none, "calibrate", 0), 0);
	fx->import_ms = monotonic_ms() - t0;
	check_round(fx, batch_id, -1, 0, 0);
	drop_round_target(fx);
	print_message("crash torture: an uninterrupted import of %d rows (%lld readings, %d-reading "
		"batches) takes %lld ms\n", ROWS, (long long)READINGS, BATCH_SIZE, (long long)fx->import_ms);

	for (round = 0; round < ROUNDS; round++) {
		int planned = 1 + (int)random_below(fx, MAX_KILLS_PER_ROUND);
		int requeues = 0, completed_early = 0;
		int64_t readings_before;
		ecl_job *job;

		snprintf(name, sizeof(name), "r%d", round);
		new_round_db(fx, name, batch_id);
		for (k = 0; k < planned; k++) {
			child_plan plan;
			int64_t delay_ms = 0;
			int sig;

			job = get_job(fx, batch_id);
			plan.mode = (enum kill_mode)random_below(fx, KILL_MODES);
			plan.kill_at_processed = ROWS;
			if (plan.mode == KILL_COMMIT)
				plan.kill_at_processed = job->checkpoint + 1
					+ random_below(fx, ROWS - job->checkpoint);
			/* A timer within the time the rest of the import should take. */
			if (plan.mode == KILL_TIMER)
				delay_ms = random_below(fx, fx->import_ms * (ROWS - job->checkpoint)
					/ ROWS * 6 / 5 + 5);
			ecl_job_free(job);
			snprintf(worker_id, sizeof(worker_id), "r%d-k%d", round, k);
			readings_before = sql_int(fx, "SELECT count(*) FROM hh_readings");
			sig = fork_worker(fx, &plan, worker_id, delay_ms);
			if (sig == 0) {
				/* The timer came after the job completed: check this attempt. */
				missed++;
				completed_early = 1;
				check_round(fx, batch_id, round, requeues, readings_before);
				break;
			}
			assert_int_equal(sig, SIGKILL);
			kills++;
			by_mode[plan.mode]++;
			if (plan.mode == KILL_COMMIT || plan.mode == KILL_LAST_BATCH)
				kills_after_commit++;
			job = get_job(fx, batch_id);
			if (job->status == ECL_JOB_COMPLETED) {
				/* Killed after it completed the job, before it exited. */
				ecl_job_free(job);
				after_completion++;
				completed_early = 1;
				check_round(fx, batch_id, round, requeues, readings_before);
				break;
			}
			check_crash_state(fx, job, round, mode_names[plan.mode]);
			ecl_job_free(job);
			requeues += recover(fx, round);
		}
		/* The finishing worker. */
		job = get_job(fx, batch_id);
		assert_true(job->status == ECL_JOB_QUEUED || job->status == ECL_JOB_COMPLETED);
		ecl_job_free(job);
		if (!completed_early) {
			readings_before = sql_int(fx, "SELECT count(*) FROM hh_readings");
			snprintf(worker_id, sizeof(worker_id), "r%d-final", round);
			assert_int_equal(fork_worker(fx, &none, worker_id, 0), 0);
			check_round(fx, batch_id, round, requeues, readings_before);
		}
		requeues_total += requeues;
		jobs++;
		rows += ROWS;
		drop_round_target(fx);
	}
	print_message("crash torture (%s): %d runs, %d kills (%d after a batch commit: %d mid-import, "
		"%d after the last batch before completion; %d by timer; %d at claim), %d timers "
		"too late, %d kills after the completion, %d stuck-job requeues, %d jobs completed, %lld rows / %lld readings "
		"verified, %.1f s\n", backend_name(fx), ROUNDS, kills, kills_after_commit, by_mode[KILL_COMMIT],
		by_mode[KILL_LAST_BATCH], by_mode[KILL_TIMER], by_mode[KILL_CLAIM], missed, after_completion,
		requeues_total, jobs, (long long)rows, (long long)rows * PERIODS,
		(monotonic_ms() - started) / 1000.0);
	if (fx->server != NULL)
		print_message("crash torture: after %d of the %d kills the worker's server process was "
			"still there and was waited for\n", fx->outlived, kills);
}

/* test_crash_torture [STORE]: STORE is sqlite://PATH or a PostgreSQL or MySQL server
 * (without the test: a SQLite file in a private directory). */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_crash_torture, setup, teardown),
	};
	int rc = ecl_test_store_arg(argc, argv, &g_store);

	if (rc != 0)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
