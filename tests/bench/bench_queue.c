/*
 * bench_queue: throughput of the import-job queue on SQLite, with a raw
 * sqlite3 baseline measured in the same run (only the ratios mean anything
 * across machines).
 *
 *   bench_queue [DIR [ENQUEUE_JOBS [CLAIM_JOBS]]]
 *
 * DIR (default /tmp) receives a private bench_queue.XXXXXX directory that is
 * removed afterwards. The figures:
 *
 *   1. ecl_job_create_many() of ENQUEUE_JOBS (100,000) jobs in one call;
 *   2. baseline: the same 14 column values inserted with one prepared
 *      statement in one transaction into an identical import_jobs table
 *      (WAL, synchronous=NORMAL);
 *   3. claim -> complete cycles of one worker over CLAIM_JOBS (20,000) jobs;
 *      baseline: raw "UPDATE ... RETURNING" claim and UPDATE complete, each
 *      in its own BEGIN IMMEDIATE transaction, on the baseline table;
 *   4. the same with two worker processes (fork, one store each).
 *
 * Targets: >= 50,000 jobs/s enqueue, >= 5,000 cycles/s with one worker.
 * The bench reports; it exits 0 unless an operation fails.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "eclectyc.h"
#include "bench_common.h"

#define DEFAULT_ENQUEUE_JOBS 100000
#define DEFAULT_CLAIM_JOBS 20000
#define TARGET_ENQUEUE_PER_S 50000.0
#define TARGET_CYCLES_PER_S 5000.0
#define BUSY_TIMEOUT_MS 30000
/* Cycles in the first/last window of the one-worker run: shows whether the
 * cost of a claim depends on how many jobs are queued. */
#define WINDOW 1000

/*
 * A copy of libeclectyc/backends/sqlite/001_import_jobs.sql: the baseline
 * table is the library's, indexes and CHECKs included. compare_schemas()
 * warns when the two drift apart.
 */
static const char import_jobs_sql[] =
	"CREATE TABLE import_jobs (\n"
	"    id               INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"    batch_id         TEXT    NOT NULL UNIQUE CHECK (length(batch_id) = 36),\n"
	"    user_id          INTEGER NULL CHECK (user_id IS NULL OR user_id > 0),\n"
	"    filename         TEXT    NOT NULL,\n"
	"    file_path        TEXT    NULL,\n"
	"    import_type      TEXT    NOT NULL DEFAULT 'hh' CHECK (import_type IN ('hh', 'daily')),\n"
	"    status           TEXT    NOT NULL DEFAULT 'queued'\n"
	"                     CHECK (status IN ('queued', 'processing', 'completed', 'failed', 'cancelled')),\n"
	"    dry_run          INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),\n"
	"    total_rows       INTEGER NULL,\n"
	"    processed_rows   INTEGER NOT NULL DEFAULT 0,\n"
	"    imported_rows    INTEGER NOT NULL DEFAULT 0,\n"
	"    failed_rows      INTEGER NOT NULL DEFAULT 0,\n"
	"    queued_at        INTEGER NOT NULL,\n"
	"    started_at       INTEGER NULL,\n"
	"    completed_at     INTEGER NULL,\n"
	"    error_message    TEXT    NULL,\n"
	"    summary          TEXT    NULL CHECK (summary IS NULL OR json_type(summary) = 'object'),\n"
	"    retry_count      INTEGER NOT NULL DEFAULT 0 CHECK (retry_count >= 0),\n"
	"    max_retries      INTEGER NOT NULL DEFAULT 3 CHECK (max_retries >= 0),\n"
	"    retry_at         INTEGER NULL,\n"
	"    last_error       TEXT    NULL,\n"
	"    notes            TEXT    NULL,\n"
	"    priority         TEXT    NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high')),\n"
	"    tags             TEXT    NULL CHECK (tags IS NULL OR json_type(tags) = 'array'),\n"
	"    metadata         TEXT    NULL CHECK (metadata IS NULL OR json_type(metadata) = 'object'),\n"
	"    alert_sent       INTEGER NOT NULL DEFAULT 0 CHECK (alert_sent IN (0, 1)),\n"
	"    alert_sent_at    INTEGER NULL,\n"
	"    worker_id        TEXT    NULL,\n"
	"    heartbeat_at     INTEGER NULL,\n"
	"    cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),\n"
	"    checkpoint       INTEGER NOT NULL DEFAULT 0 CHECK (checkpoint >= 0),\n"
	"    file_sha256      TEXT    NULL,\n"
	"    error_class      TEXT    NULL CHECK (error_class IS NULL OR error_class IN ('transient', 'permanent'))\n"
	");\n"
	"CREATE INDEX idx_import_jobs_claim ON import_jobs (\n"
	"    (CASE priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END), queued_at, id\n"
	") WHERE status = 'queued';\n"
	"CREATE INDEX idx_import_jobs_status ON import_jobs (status, completed_at);\n"
	"CREATE INDEX idx_import_jobs_queued_at ON import_jobs (queued_at);\n"
	"CREATE INDEX idx_import_jobs_heartbeat ON import_jobs (heartbeat_at) WHERE status = 'processing';\n"
	"CREATE INDEX idx_import_jobs_user_id ON import_jobs (user_id);\n"
	/* ... of 004_operations.sql's index ... */
	"CREATE INDEX idx_import_jobs_file_path ON import_jobs (file_path);\n"
	/* ... and of 005_attempts.sql (less its backfill): the job history the
	 * library's store records on every claim and completion, so both sides
	 * write the same rows. */
	"ALTER TABLE import_jobs ADD COLUMN status_changed_at INTEGER NULL;\n"
	"CREATE TABLE import_job_attempts (\n"
	"    job_id         INTEGER NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,\n"
	"    attempt        INTEGER NOT NULL CHECK (attempt >= 1),\n"
	"    worker_id      TEXT    NULL,\n"
	"    started_at     INTEGER NOT NULL,\n"
	"    ended_at       INTEGER NULL,\n"
	"    outcome        TEXT    NULL\n"
	"                   CHECK (outcome IS NULL OR outcome IN ('queued', 'completed', 'failed', 'cancelled')),\n"
	"    error_message  TEXT    NULL,\n"
	"    error_class    TEXT    NULL,\n"
	"    processed_rows INTEGER NOT NULL DEFAULT 0,\n"
	"    imported_rows  INTEGER NOT NULL DEFAULT 0,\n"
	"    failed_rows    INTEGER NOT NULL DEFAULT 0,\n"
	"    PRIMARY KEY (job_id, attempt)\n"
	") WITHOUT ROWID;\n"
	"CREATE TRIGGER import_job_attempt_opens AFTER UPDATE OF status ON import_jobs\n"
	"WHEN NEW.status = 'processing' AND OLD.status <> 'processing'\n"
	"BEGIN\n"
	"    INSERT INTO import_job_attempts (job_id, attempt, worker_id, started_at)\n"
	"    VALUES (NEW.id,\n"
	"            (SELECT count(*) + 1 FROM import_job_attempts WHERE job_id = NEW.id),\n"
	"            NEW.worker_id, coalesce(NEW.status_changed_at, NEW.started_at, 0));\n"
	"END;\n"
	"CREATE TRIGGER import_job_attempt_closes AFTER UPDATE OF status ON import_jobs\n"
	"WHEN OLD.status = 'processing' AND NEW.status <> 'processing'\n"
	"BEGIN\n"
	"    UPDATE import_job_attempts\n"
	"       SET ended_at = coalesce(NEW.status_changed_at, NEW.completed_at, OLD.heartbeat_at),\n"
	"           outcome = NEW.status,\n"
	"           error_message = NEW.error_message,\n"
	"           error_class = CASE WHEN NEW.status = 'failed'\n"
	"                               OR (NEW.status = 'queued' AND NEW.error_message IS NOT NULL)\n"
	"                              THEN NEW.error_class END,\n"
	"           processed_rows = NEW.processed_rows,\n"
	"           imported_rows = NEW.imported_rows,\n"
	"           failed_rows = NEW.failed_rows\n"
	"     WHERE job_id = NEW.id AND ended_at IS NULL;\n"
	"END;\n";

#define JOB_COLUMNS \
	"id, batch_id, user_id, filename, file_path, import_type, status, dry_run, total_rows, " \
	"processed_rows, imported_rows, failed_rows, queued_at, started_at, completed_at, " \
	"error_message, summary, retry_count, max_retries, retry_at, last_error, notes, priority, " \
	"tags, metadata, alert_sent, alert_sent_at, worker_id, heartbeat_at, cancel_requested, " \
	"checkpoint, file_sha256, error_class"

#define PRIORITY_RANK "(CASE priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END)"

/* The claim SQL as a careful hand-written client would issue it. It names
 * the partial claim index: that is the plan the schema was built for (scan
 * in claim order, stop at the first due job). */
#define CLAIM_SQL(indexed_by) \
	"UPDATE import_jobs SET status = 'processing', worker_id = ?1, started_at = ?2, " \
	"heartbeat_at = ?2, status_changed_at = ?2, error_message = NULL " \
	"WHERE id = (SELECT id FROM import_jobs " indexed_by " WHERE status = 'queued' " \
	"            AND (retry_at IS NULL OR retry_at <= ?2) " \
	"            ORDER BY " PRIORITY_RANK ", queued_at, id LIMIT 1) " \
	"AND status = 'queued' RETURNING " JOB_COLUMNS

static const char complete_sql[] =
	"UPDATE import_jobs SET status = 'completed', completed_at = ?1, heartbeat_at = ?1, "
	"status_changed_at = ?1, "
	"processed_rows = ?2, imported_rows = ?3, failed_rows = 0, checkpoint = ?4, summary = NULL "
	"WHERE batch_id = ?5 AND status = 'processing' AND worker_id = ?6";

static char workdir[PATH_MAX];
static char data_file[PATH_MAX];

/* ---- helpers ------------------------------------------------------------ */

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_queue: %s failed: %s (%s)\n", what, ecl_strerror(rc), ecl_error_last());
	exit(1);
}

static void die_sql(sqlite3 *db, const char *what)
{
	fprintf(stderr, "bench_queue: %s failed: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static void exec_sql(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die_sql(db, sql);
}

static void db_path(char *out, size_t size, const char *name)
{
	if ((size_t)snprintf(out, size, "%s/%s", workdir, name) >= size) {
		fprintf(stderr, "bench_queue: path too long\n");
		exit(1);
	}
}

static void store_uri(char *out, size_t size, const char *name)
{
	if ((size_t)snprintf(out, size, "sqlite://%s/%s", workdir, name) >= size) {
		fprintf(stderr, "bench_queue: path too long\n");
		exit(1);
	}
}

static void remove_db(const char *name)
{
	bench_remove_db(workdir, name);
}

static ecl_store *open_store(const char *name)
{
	ecl_store_options opts = ECL_STORE_OPTIONS_INIT;
	ecl_store *store = NULL;
	char uri[PATH_MAX + 16];
	int rc;

	opts.busy_timeout_ms = BUSY_TIMEOUT_MS;
	store_uri(uri, sizeof(uri), name);
	if ((rc = ecl_store_open(&store, uri, &opts)) != 0)
		die("ecl_store_open", rc);
	return store;
}

static ecl_priority priority_of(size_t i)
{
	return (ecl_priority)(i % 3);
}

static ecl_import_type type_of(size_t i)
{
	return i % 4 == 3 ? ECL_IMPORT_DAILY : ECL_IMPORT_HH;
}

static int64_t user_of(size_t i)
{
	return (int64_t)(1 + i % 10);
}

static ecl_job_options *job_options(size_t count)
{
	ecl_job_options *jobs = calloc(count, sizeof(*jobs));
	size_t i;

	if (jobs == NULL) {
		fprintf(stderr, "bench_queue: out of memory\n");
		exit(1);
	}
	for (i = 0; i < count; i++) {
		ecl_job_options_init(&jobs[i], ECL_JOB_OPTIONS_VERSION);
		jobs[i].file_path = data_file;
		jobs[i].import_type = type_of(i);
		jobs[i].priority = priority_of(i);
		jobs[i].user_id = user_of(i);
	}
	return jobs;
}

/* A migrated store `name` holding `count` queued jobs (not timed). */
static void prepare_queue(const char *name, size_t count, char *batch_ids)
{
	ecl_job_options *jobs = job_options(count);
	ecl_store *store;
	int rc;

	remove_db(name);
	store = open_store(name);
	if ((rc = ecl_store_migrate(store)) != 0)
		die("ecl_store_migrate", rc);
	if ((rc = ecl_job_create_many(batch_ids, store, jobs, count)) != 0)
		die("ecl_job_create_many", rc);
	ecl_store_free(store);
	free(jobs);
}

static sqlite3 *open_baseline(const char *name)
{
	char path[PATH_MAX + 16];
	sqlite3 *db = NULL;

	remove_db(name);
	db_path(path, sizeof(path), name);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die_sql(db, "opening the baseline database");
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	exec_sql(db, "PRAGMA journal_mode = WAL");
	exec_sql(db, "PRAGMA synchronous = NORMAL");
	exec_sql(db, import_jobs_sql);
	return db;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
		die_sql(db, sql);
	return stmt;
}

static void step_done(sqlite3 *db, sqlite3_stmt *stmt, const char *what)
{
	if (sqlite3_step(stmt) != SQLITE_DONE)
		die_sql(db, what);
	sqlite3_reset(stmt);
}

/* Insert `count` rows with the values ecl_job_create_many() stores, in one
 * transaction with one prepared statement. Returns the elapsed seconds. */
static double baseline_insert(sqlite3 *db, const char *batch_ids, size_t count, int64_t queued_at)
{
	const char *filename = strrchr(data_file, '/') + 1;
	sqlite3_stmt *begin, *commit, *insert;
	double start = seconds();
	size_t i;

	begin = prepare(db, "BEGIN");
	commit = prepare(db, "COMMIT");
	insert = prepare(db,
		"INSERT INTO import_jobs (batch_id, user_id, filename, file_path, import_type, status, "
		"dry_run, total_rows, queued_at, max_retries, notes, priority, tags, metadata) "
		"VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, NULL, ?7, ?8, ?9, ?10, ?11, ?12)");
	step_done(db, begin, "BEGIN");
	for (i = 0; i < count; i++) {
		sqlite3_bind_text(insert, 1, batch_ids + i * ECL_BATCH_ID_SIZE, -1, SQLITE_STATIC);
		sqlite3_bind_int64(insert, 2, user_of(i));
		sqlite3_bind_text(insert, 3, filename, -1, SQLITE_STATIC);
		sqlite3_bind_text(insert, 4, data_file, -1, SQLITE_STATIC);
		sqlite3_bind_text(insert, 5, ecl_import_type_name(type_of(i)), -1, SQLITE_STATIC);
		sqlite3_bind_int(insert, 6, 0);
		sqlite3_bind_int64(insert, 7, queued_at);
		sqlite3_bind_int(insert, 8, ECL_DEFAULT_MAX_RETRIES);
		sqlite3_bind_null(insert, 9);
		sqlite3_bind_text(insert, 10, ecl_priority_name(priority_of(i)), -1, SQLITE_STATIC);
		sqlite3_bind_null(insert, 11);
		sqlite3_bind_null(insert, 12);
		step_done(db, insert, "inserting a job");
	}
	step_done(db, commit, "COMMIT");
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_finalize(insert);
	return seconds() - start;
}

/* Warn when the baseline table is not the one the library created. */
static void compare_schemas(const char *ours, sqlite3 *baseline)
{
	static const char sql[] =
		"SELECT group_concat(coalesce(sql, ''), ';') FROM "
		"(SELECT sql FROM sqlite_master WHERE tbl_name = 'import_jobs' ORDER BY name)";
	char path[PATH_MAX + 16];
	sqlite3 *db = NULL;
	sqlite3_stmt *a, *b;

	db_path(path, sizeof(path), ours);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die_sql(db, "opening the library's database");
	a = prepare(db, sql);
	b = prepare(baseline, sql);
	if (sqlite3_step(a) != SQLITE_ROW || sqlite3_step(b) != SQLITE_ROW)
		die_sql(db, "reading the schemas");
	if (strcmp((const char *)sqlite3_column_text(a, 0), (const char *)sqlite3_column_text(b, 0)) != 0)
		printf("  WARNING: the baseline import_jobs schema differs from the library's migration;\n"
		       "           update import_jobs_sql in tests/bench/bench_queue.c\n");
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	sqlite3_close(db);
}

/* ---- machine ------------------------------------------------------------ */

static void print_machine(void)
{
	bench_print_machine();
	printf("library:  libeclectyc %s\n", ecl_version(NULL, NULL, NULL));
	printf("workdir:  %s\n\n", workdir);
}

/* ---- claim -> complete -------------------------------------------------- */

typedef struct cycle_stats {
	size_t cycles;
	double elapsed;      /* whole loop, seconds */
	double claim_time;   /* inside claim calls */
	double complete_time;
	double first_window; /* seconds for the first WINDOW cycles */
	double last_window;  /* seconds for the last WINDOW cycles */
} cycle_stats;

static void note_window(cycle_stats *st, size_t expected, double start, double *window_start)
{
	double now = seconds();

	if (st->cycles == WINDOW)
		st->first_window = now - start;
	if (expected > WINDOW && st->cycles == expected - WINDOW)
		*window_start = now;
	if (expected > WINDOW && st->cycles == expected)
		st->last_window = now - *window_start;
}

/* Claim and complete with the library until nothing is runnable. */
static cycle_stats library_cycles(ecl_store *store, const char *worker_id, size_t expected)
{
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;
	cycle_stats st;
	double start, window_start = 0;
	int rc;

	memset(&st, 0, sizeof(st));
	counts.processed_rows = counts.imported_rows = counts.checkpoint = 1;
	start = seconds();
	for (;;) {
		ecl_job *job = NULL;
		double t0 = seconds(), t1;

		if ((rc = ecl_job_claim(&job, store, worker_id)) != 0)
			die("ecl_job_claim", rc);
		t1 = seconds();
		st.claim_time += t1 - t0;
		if (job == NULL)
			break;
		rc = ecl_job_complete(store, job->batch_id, worker_id, &counts, NULL);
		st.complete_time += seconds() - t1;
		ecl_job_free(job);
		if (rc != 0)
			die("ecl_job_complete", rc);
		st.cycles++;
		note_window(&st, expected, start, &window_start);
	}
	st.elapsed = seconds() - start;
	return st;
}

/* The same with raw SQL: each step in its own BEGIN IMMEDIATE transaction. */
static cycle_stats baseline_cycles(sqlite3 *db, size_t expected, int64_t now)
{
	sqlite3_stmt *begin = prepare(db, "BEGIN IMMEDIATE");
	sqlite3_stmt *commit = prepare(db, "COMMIT");
	sqlite3_stmt *claim = prepare(db, CLAIM_SQL("INDEXED BY idx_import_jobs_claim"));
	sqlite3_stmt *complete = prepare(db, complete_sql);
	cycle_stats st;
	double start, window_start = 0;

	memset(&st, 0, sizeof(st));
	start = seconds();
	for (;;) {
		char batch_id[ECL_BATCH_ID_SIZE];
		double t0 = seconds(), t1;
		int step;

		step_done(db, begin, "BEGIN IMMEDIATE");
		sqlite3_bind_text(claim, 1, "baseline", -1, SQLITE_STATIC);
		sqlite3_bind_int64(claim, 2, now);
		step = sqlite3_step(claim);
		if (step == SQLITE_ROW) {
			snprintf(batch_id, sizeof(batch_id), "%s", (const char *)sqlite3_column_text(claim, 1));
			step = sqlite3_step(claim);
		} else {
			batch_id[0] = '\0';
		}
		if (step != SQLITE_DONE)
			die_sql(db, "claiming");
		sqlite3_reset(claim);
		step_done(db, commit, "COMMIT");
		t1 = seconds();
		st.claim_time += t1 - t0;
		if (batch_id[0] == '\0')
			break;

		step_done(db, begin, "BEGIN IMMEDIATE");
		sqlite3_bind_int64(complete, 1, now);
		sqlite3_bind_int64(complete, 2, 1);
		sqlite3_bind_int64(complete, 3, 1);
		sqlite3_bind_int64(complete, 4, 1);
		sqlite3_bind_text(complete, 5, batch_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(complete, 6, "baseline", -1, SQLITE_STATIC);
		step_done(db, complete, "completing");
		if (sqlite3_changes(db) != 1)
			die_sql(db, "completing (no row changed)");
		step_done(db, commit, "COMMIT");
		st.complete_time += seconds() - t1;
		st.cycles++;
		note_window(&st, expected, start, &window_start);
	}
	st.elapsed = seconds() - start;
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_finalize(claim);
	sqlite3_finalize(complete);
	return st;
}

/* The plan SQLite picks for the claim's subquery as the library writes it
 * (without INDEXED BY), to explain a slow claim. */
static void print_claim_plan(sqlite3 *db)
{
	sqlite3_stmt *plan = prepare(db, "EXPLAIN QUERY PLAN " CLAIM_SQL(""));

	printf("  the baseline names idx_import_jobs_claim; without INDEXED BY SQLite plans:\n   ");
	while (sqlite3_step(plan) == SQLITE_ROW)
		printf(" [%s]", (const char *)sqlite3_column_text(plan, 3));
	printf("\n");
	sqlite3_finalize(plan);
}

static void print_cycles(const char *label, const cycle_stats *st)
{
	double rate = st->cycles / st->elapsed;

	printf("  %-10s %6zu cycles in %7.3f s = %9.0f cycles/s  (claim %7.1f us, complete %6.1f us",
		label, st->cycles, st->elapsed, rate, 1e6 * st->claim_time / (st->cycles + 1),
		1e6 * st->complete_time / (st->cycles ? st->cycles : 1));
	if (st->first_window > 0 && st->last_window > 0)
		printf("; first %d: %.0f/s, last %d: %.0f/s", WINDOW, WINDOW / st->first_window,
			WINDOW, WINDOW / st->last_window);
	printf(")\n");
}

/* ---- two workers --------------------------------------------------------- */

typedef struct shared_counts {
	size_t cycles[2];
	double claim_time[2];
} shared_counts;

typedef struct worker_args {
	const char *name;
	size_t expected;
	shared_counts *shared;
} worker_args;

/* One worker process: its own store, opened after the fork. */
static void worker_child(int index, void *opaque)
{
	worker_args *w = opaque;
	ecl_store *store = open_store(w->name);
	char worker_id[16];
	cycle_stats st;

	snprintf(worker_id, sizeof(worker_id), "bench-%d", index);
	st = library_cycles(store, worker_id, w->expected);
	w->shared->cycles[index] = st.cycles;
	w->shared->claim_time[index] = st.claim_time;
	ecl_store_free(store);
}

static double two_workers(const char *name, size_t expected, shared_counts *shared)
{
	worker_args w = { name, expected, shared };

	return bench_run_together(2, worker_child, &w, "bench_queue");
}

/* ---- main --------------------------------------------------------------- */

static size_t count_arg(int argc, char **argv, int i, size_t fallback)
{
	if (argc > i) {
		long n = strtol(argv[i], NULL, 10);
		if (n < 2 * WINDOW) {
			fprintf(stderr, "bench_queue: counts must be at least %d\n", 2 * WINDOW);
			exit(2);
		}
		return (size_t)n;
	}
	return fallback;
}

static const char *verdict(double value, double target)
{
	return value >= target ? "MET" : "NOT MET";
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	size_t enqueue_jobs = count_arg(argc, argv, 2, DEFAULT_ENQUEUE_JOBS);
	size_t claim_jobs = count_arg(argc, argv, 3, DEFAULT_CLAIM_JOBS);
	ecl_job_options *jobs;
	ecl_store *store;
	sqlite3 *db;
	char *batch_ids, *real, template[PATH_MAX];
	double ours_enqueue, base_enqueue, two_elapsed, t0;
	cycle_stats ours1, base1;
	shared_counts *shared;
	int64_t queued_at;
	FILE *f;
	int rc;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: %s [DIR [ENQUEUE_JOBS [CLAIM_JOBS]]]\n", argv[0]);
		return 0;
	}
	if ((real = realpath(base, NULL)) == NULL) {
		fprintf(stderr, "bench_queue: %s: %s\n", base, strerror(errno));
		return 2;
	}
	snprintf(template, sizeof(template), "%s/bench_queue.XXXXXX", real);
	free(real);
	if (mkdtemp(template) == NULL) {
		fprintf(stderr, "bench_queue: mkdtemp %s: %s\n", template, strerror(errno));
		return 2;
	}
	snprintf(workdir, sizeof(workdir), "%s", template);
	if ((size_t)snprintf(data_file, sizeof(data_file), "%s/readings.csv", workdir) >= sizeof(data_file)
	    || (f = fopen(data_file, "w")) == NULL) {
		fprintf(stderr, "bench_queue: %s: %s\n", data_file, strerror(errno));
		return 2;
	}
	fputs("MPAN,Date,Period,Value\n1200000000001,2024-01-01,1,0.5\n", f);
	fclose(f);
	/* The enqueue fills it, and later each claim queue's ids in turn. */
	batch_ids = malloc((enqueue_jobs > claim_jobs ? enqueue_jobs : claim_jobs) * ECL_BATCH_ID_SIZE);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (batch_ids == NULL || shared == MAP_FAILED) {
		fprintf(stderr, "bench_queue: out of memory\n");
		return 1;
	}

	printf("bench_queue: libeclectyc job queue on SQLite (WAL, synchronous=NORMAL)\n");
	print_machine();

	/* 1. bulk enqueue through the library */
	jobs = job_options(enqueue_jobs);
	remove_db("enqueue.db");
	store = open_store("enqueue.db");
	if ((rc = ecl_store_migrate(store)) != 0)
		die("ecl_store_migrate", rc);
	queued_at = ecl_store_now(store);
	t0 = seconds();
	if ((rc = ecl_job_create_many(batch_ids, store, jobs, enqueue_jobs)) != 0)
		die("ecl_job_create_many", rc);
	ours_enqueue = seconds() - t0;
	ecl_store_free(store);
	free(jobs);

	/* 2. the baseline insert of the same values */
	db = open_baseline("baseline_enqueue.db");
	base_enqueue = baseline_insert(db, batch_ids, enqueue_jobs, queued_at);
	compare_schemas("enqueue.db", db);
	sqlite3_close(db);

	printf("1-2. bulk enqueue of %zu jobs in one call\n", enqueue_jobs);
	printf("  library    %9.0f jobs/s  (%.3f s)\n", enqueue_jobs / ours_enqueue, ours_enqueue);
	printf("  baseline   %9.0f rows/s  (%.3f s, raw sqlite3: one transaction, one prepared INSERT)\n",
		enqueue_jobs / base_enqueue, base_enqueue);
	printf("  ratio library/baseline = %.3f\n", base_enqueue / ours_enqueue);
	printf("  target >= %.0f jobs/s: %s\n\n", TARGET_ENQUEUE_PER_S,
		verdict(enqueue_jobs / ours_enqueue, TARGET_ENQUEUE_PER_S));
	fflush(stdout);
	remove_db("enqueue.db");
	remove_db("baseline_enqueue.db");

	/* 3. claim -> complete, one worker, library and baseline */
	prepare_queue("claim1.db", claim_jobs, batch_ids);
	store = open_store("claim1.db");
	ours1 = library_cycles(store, "bench-0", claim_jobs);
	ecl_store_free(store);
	if (ours1.cycles != claim_jobs) {
		fprintf(stderr, "bench_queue: library completed %zu of %zu jobs\n", ours1.cycles, claim_jobs);
		return 1;
	}
	db = open_baseline("baseline_claim.db");
	baseline_insert(db, batch_ids, claim_jobs, queued_at);
	base1 = baseline_cycles(db, claim_jobs, queued_at + 1);
	if (base1.cycles != claim_jobs) {
		fprintf(stderr, "bench_queue: baseline completed %zu of %zu jobs\n", base1.cycles, claim_jobs);
		return 1;
	}
	printf("3. claim -> complete, one worker, %zu jobs\n", claim_jobs);
	print_cycles("library", &ours1);
	print_cycles("baseline", &base1);
	print_claim_plan(db);
	sqlite3_close(db);
	printf("  ratio library/baseline = %.3f\n", base1.elapsed / ours1.elapsed);
	printf("  target >= %.0f cycles/s: %s\n\n", TARGET_CYCLES_PER_S,
		verdict(ours1.cycles / ours1.elapsed, TARGET_CYCLES_PER_S));
	fflush(stdout);
	remove_db("claim1.db");
	remove_db("baseline_claim.db");

	/* 4. claim -> complete, two worker processes */
	prepare_queue("claim2.db", claim_jobs, NULL);
	two_elapsed = two_workers("claim2.db", claim_jobs, shared);
	if (shared->cycles[0] + shared->cycles[1] != claim_jobs) {
		fprintf(stderr, "bench_queue: two workers completed %zu of %zu jobs\n",
			shared->cycles[0] + shared->cycles[1], claim_jobs);
		return 1;
	}
	printf("4. claim -> complete, two worker processes, %zu jobs\n", claim_jobs);
	printf("  library    %9.0f cycles/s aggregate  (%.3f s; worker 0: %zu, worker 1: %zu cycles)\n",
		claim_jobs / two_elapsed, two_elapsed, shared->cycles[0], shared->cycles[1]);
	printf("  ratio 2 workers/1 worker = %.3f\n\n", ours1.elapsed / two_elapsed);
	remove_db("claim2.db");

	printf("summary: enqueue %.0f jobs/s (baseline %.0f, ratio %.3f, target %s); "
	       "1 worker %.0f cycles/s (baseline %.0f, ratio %.3f, target %s); "
	       "2 workers %.0f cycles/s (x%.3f)\n",
		enqueue_jobs / ours_enqueue, enqueue_jobs / base_enqueue, base_enqueue / ours_enqueue,
		verdict(enqueue_jobs / ours_enqueue, TARGET_ENQUEUE_PER_S),
		ours1.cycles / ours1.elapsed, base1.cycles / base1.elapsed, base1.elapsed / ours1.elapsed,
		verdict(ours1.cycles / ours1.elapsed, TARGET_CYCLES_PER_S),
		claim_jobs / two_elapsed, ours1.elapsed / two_elapsed);

	unlink(data_file);
	rmdir(workdir);
	munmap(shared, sizeof(*shared));
	free(batch_ids);
	return 0;
}
