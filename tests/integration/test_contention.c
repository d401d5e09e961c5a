/*
 * Reliability: 8 worker processes draining 5,000 jobs from one database,
 * with mixed priorities and injected transient failures.
 *
 * The database: a SQLite file in a private directory by default; with an
 * argument, the one it names — `sqlite://PATH` (a file that must not exist
 * yet), a PostgreSQL server (a libpq URI or key=value string) or a
 * MySQL/MariaDB one (a mysql:// URI), on which the test works in a fresh
 * schema or database of its own, ecl_contention_<pid>_<random>, dropped at
 * the end. Exit 77 (skipped) when no server answers.
 *
 * Each job imports its own one-row wide file (one meter, one day, 48
 * readings) through the real worker (ecl_worker_process: claim, import batch
 * with checkpoint, re-aggregation, completion). Jobs are high, normal or low
 * priority at random (seeded, printed; ECL_CONTENTION_SEED repeats a run).
 *
 * Transient failures are real storage errors: a trigger on inserts into
 * hh_readings (SQLite: BEFORE INSERT, per row; PostgreSQL: AFTER INSERT, per
 * statement, over the inserted rows), added to the test database, aborts the readings transaction
 * of the jobs listed in a side table while the job's retry_count is below
 * that job's `fail_times`. The worker sees a failed write (ECL_EDB), classes
 * it transient as it does any storage error, and ecl_job_fail() requeues the
 * job by the backoff policy (base 1 s, cap 4 s, no jitter; max_retries 3).
 * Classes: clean (fail_times 0), flaky once (1), flaky twice (2), and
 * always failing (1000: fails for good after 3 retries).
 *
 * The database also logs, by triggers inside the library's own transactions:
 *   - every claim (queued -> processing), with how many *due* queued jobs
 *     were ahead of the claimed one in claim order (priority, then queued_at,
 *     then id) and how many of those had a higher priority, counted at the
 *     instant of the claim. SQLite serialises writers, so this is exact.
 *     On PostgreSQL claimers run at once and each skips the jobs others
 *     hold (FOR UPDATE SKIP LOCKED): the count is made by a BEFORE UPDATE
 *     trigger declared STABLE, so it reads the claim statement's own
 *     snapshot — the jobs the claim chose among — and it leaves out a job
 *     whose row version there carries the transaction id (xmax) of another
 *     transaction that is running or committed: a job another claimer held
 *     at that moment, or had already taken since the snapshot. A job whose
 *     xmax is 0 or of an aborted transaction was free and is counted. The
 *     figures go to the claim log through a transaction-local setting read
 *     by the AFTER trigger that writes the log;
 *   - every requeue (processing -> queued), with the heartbeat of the failed
 *     attempt and the retry_at it was given;
 *   - every finish (-> completed or failed).
 *
 * Asserted: every child exits 0 — any error returned by ecl_worker_process()
 * (ECL_EBUSY above all) and any warning or error logged fails it; each job
 * finishes exactly once, in the state and with the retry_count its class
 * dictates; each attempt is claimed exactly once; no claim ever took a job
 * while a due job ahead of it in claim order waited ("priority order holds
 * among due jobs"), and no claim came before its retry_at; every requeue's
 * retry_at is the failed attempt's time plus min(base * 2^n, cap); the
 * readings are exactly those of the completed jobs; no "database is locked"
 * reached a job's error or summary.
 */
#include "ecl_test.h"
#include "ecl_test_target.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define JOB_COUNT 5000
#define WORKERS 8
#define PERIODS 48
#define MAX_RETRIES 3
#define RETRY_BASE 1
#define RETRY_CAP 4
#define ALWAYS_FAILS 1000
#define INJECTED "injected transient storage failure"

/* The argv[1] given (NULL: a SQLite file in a private directory). */
static const char *g_store;

typedef struct fixture {
	char *dir;
	ecl_test_target db;
	const char *uri;                /* db.uri */
	char *results[WORKERS];
	int priority[JOB_COUNT];
	int fail_times[JOB_COUNT];
	int64_t value_sum[JOB_COUNT];   /* thousandths */
	char batch_ids[JOB_COUNT][ECL_BATCH_ID_SIZE];
	uint64_t rng;
} fixture;

static uint64_t next_random(fixture *fx)
{
	uint64_t z = (fx->rng += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ecl_store_options store_options(void)
{
	ecl_store_options opts = ECL_STORE_OPTIONS_INIT;

	/* 30 s, as test_concurrent_claims: on 2 cores the longest single
	 * ecl_worker_process() call (claim, import, re-aggregate, complete) was
	 * measured at up to ~8 s under this load, too close to the 10 s default
	 * for a test that must not flake (docs/reliability.md). */
	opts.busy_timeout_ms = 30000;
	opts.retry_base_seconds = RETRY_BASE;
	opts.retry_cap_seconds = RETRY_CAP;
	opts.retry_jitter_percent = 0;
	return opts;
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));
	const char *seed_env = getenv("ECL_CONTENTION_SEED");
	char *real;
	int i;

	if (fx == NULL || (fx->dir = ecl_test_tmpdir("contention")) == NULL)
		return -1;
	if ((real = realpath(fx->dir, NULL)) == NULL)
		return -1;
	free(fx->dir);
	fx->dir = real;
	{
		char *path = NULL;
		int rc;

		if (asprintf(&path, "%s/queue.db", fx->dir) < 0)
			return -1;
		rc = ecl_test_target_from_arg(&fx->db, g_store, "ecl_contention", path, "contention");
		free(path);
		if (rc != 0)
			return -1;
	}
	fx->uri = fx->db.uri;
	for (i = 0; i < WORKERS; i++)
		if (asprintf(&fx->results[i], "%s/worker%d.txt", fx->dir, i) < 0)
			return -1;
	fx->rng = seed_env != NULL ? strtoull(seed_env, NULL, 0)
		: (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	print_message("contention: seed %" PRIu64 " (set ECL_CONTENTION_SEED=%" PRIu64 " to repeat)\n",
		fx->rng, fx->rng);
	print_message("contention: %s, %s\n", ecl_test_target_backend(&fx->db),
		fx->db.path != NULL ? fx->db.path : fx->db.schema);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	int i;

	if (fx == NULL)
		return 0;
	ecl_test_target_destroy(&fx->db);   /* the file, DROP SCHEMA or DROP DATABASE */
	ecl_test_rmtree(fx->dir);
	for (i = 0; i < WORKERS; i++)
		free(fx->results[i]);
	free(fx->dir);
	free(fx);
	return 0;
}

/* ---- the queue -------------------------------------------------------------- */

#define RANK(t) "(CASE " t ".priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END)"
#define DUE(t, now) t ".status = 'queued' AND (" t ".retry_at IS NULL OR " t ".retry_at <= " now ")"

static const char sqlite_instrumentation[] =
	"CREATE TABLE torture_flaky (batch_id TEXT PRIMARY KEY, fail_times INTEGER NOT NULL);"
	"CREATE TABLE torture_claims (seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id INTEGER, "
	"  rank INTEGER, retry_count INTEGER, worker_id TEXT, claimed_at INTEGER, retry_at INTEGER, "
	"  ahead_due INTEGER, higher_due INTEGER, lower_due INTEGER, held_ahead INTEGER DEFAULT 0);"
	"CREATE TABLE torture_requeues (job_id INTEGER, retry_count INTEGER, attempt_at INTEGER, "
	"  retry_at INTEGER);"
	"CREATE TABLE torture_finishes (job_id INTEGER, status TEXT, retry_count INTEGER);"
	/* The injected storage failure. */
	"CREATE TRIGGER torture_inject BEFORE INSERT ON hh_readings "
	"WHEN EXISTS (SELECT 1 FROM import_batches b JOIN torture_flaky f ON f.batch_id = b.batch_id "
	"  JOIN import_jobs j ON j.batch_id = b.batch_id "
	"  WHERE b.id = NEW.import_batch AND j.retry_count < f.fail_times) "
	"BEGIN SELECT RAISE(ABORT, '" INJECTED "'); END;"
	/* The claim log, written in the claim's own transaction. */
	"CREATE TRIGGER torture_claim AFTER UPDATE OF status ON import_jobs "
	"WHEN OLD.status = 'queued' AND NEW.status = 'processing' BEGIN "
	"INSERT INTO torture_claims (job_id, rank, retry_count, worker_id, claimed_at, retry_at, "
	"  ahead_due, higher_due, lower_due) VALUES (NEW.id, " RANK("NEW") ", NEW.retry_count, "
	"  NEW.worker_id, NEW.started_at, NEW.retry_at, "
	"  (SELECT count(*) FROM import_jobs j WHERE " DUE("j", "NEW.started_at")
	"     AND (" RANK("j") ", j.queued_at, j.id) < (" RANK("NEW") ", NEW.queued_at, NEW.id)), "
	"  (SELECT count(*) FROM import_jobs j WHERE " DUE("j", "NEW.started_at")
	"     AND " RANK("j") " < " RANK("NEW") "), "
	"  (SELECT count(*) FROM import_jobs j WHERE " DUE("j", "NEW.started_at")
	"     AND " RANK("j") " > " RANK("NEW") ")); END;"
	"CREATE TRIGGER torture_requeue AFTER UPDATE OF status ON import_jobs "
	"WHEN OLD.status = 'processing' AND NEW.status = 'queued' BEGIN "
	"INSERT INTO torture_requeues VALUES (NEW.id, NEW.retry_count, OLD.heartbeat_at, NEW.retry_at); "
	"END;"
	"CREATE TRIGGER torture_finish AFTER UPDATE OF status ON import_jobs "
	"WHEN NEW.status IN ('completed', 'failed') AND OLD.status <> NEW.status BEGIN "
	"INSERT INTO torture_finishes VALUES (NEW.id, NEW.status, NEW.retry_count); END;";

/* The same on PostgreSQL (see the top of the file for the claim count). The
 * library's connections have search_path set to the test's schema, so the
 * functions' unqualified names resolve there. */
#define EPOCH(x) "extract(epoch FROM " x ")::bigint"
static const char pgsql_instrumentation[] =
	"CREATE TABLE torture_flaky (batch_id text PRIMARY KEY, fail_times integer NOT NULL);"
	"CREATE TABLE torture_claims (seq bigserial PRIMARY KEY, job_id bigint NOT NULL, "
	"  rank integer NOT NULL, retry_count integer NOT NULL, worker_id text, claimed_at bigint, "
	"  retry_at bigint, ahead_due bigint NOT NULL, higher_due bigint NOT NULL, "
	"  lower_due bigint NOT NULL, held_ahead bigint NOT NULL);"
	"CREATE TABLE torture_requeues (job_id bigint, retry_count integer, attempt_at bigint, "
	"  retry_at bigint);"
	"CREATE TABLE torture_finishes (job_id bigint, status text, retry_count integer);"
	/* The injected storage failure, once per statement (COPY or upsert) over
	 * the rows it inserted. */
	"CREATE FUNCTION torture_inject() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
	"IF EXISTS (SELECT 1 FROM torture_new_readings r JOIN import_batches b ON b.id = r.import_batch "
	"  JOIN torture_flaky f ON f.batch_id = b.batch_id JOIN import_jobs j ON j.batch_id = b.batch_id "
	"  WHERE j.retry_count < f.fail_times) THEN RAISE EXCEPTION '" INJECTED "'; END IF; "
	"RETURN NULL; END $$;"
	"CREATE TRIGGER torture_inject AFTER INSERT ON hh_readings "
	"REFERENCING NEW TABLE AS torture_new_readings FOR EACH STATEMENT "
	"EXECUTE FUNCTION torture_inject();"
	/* Whether transaction id x (from a row's xmax, so within 2^31 of ours)
	 * is of an aborted transaction. */
	"CREATE FUNCTION torture_aborted(x xid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$ "
	"DECLARE cur bigint := pg_current_xact_id()::text::bigint; full_id bigint; BEGIN "
	"full_id := ((cur >> 32) << 32) | x::text::bigint; "
	"IF full_id > cur + 2147483648 THEN full_id := full_id - 4294967296; END IF; "
	"RETURN pg_xact_status(full_id::text::xid8) IS NOT DISTINCT FROM 'aborted'; END $$;"
	/* The claim count, in the claim statement's snapshot (STABLE). */
	"CREATE FUNCTION torture_claim_count() RETURNS trigger LANGUAGE plpgsql STABLE AS $$ "
	"DECLARE c record; BEGIN "
	"SELECT count(*) FILTER (WHERE free AND ahead) AS ahead, "
	"       count(*) FILTER (WHERE free AND rank < " RANK("NEW") ") AS higher, "
	"       count(*) FILTER (WHERE free AND rank > " RANK("NEW") ") AS lower, "
	"       count(*) FILTER (WHERE NOT free AND ahead) AS held "
	"  INTO c FROM (SELECT " RANK("j") " AS rank, "
	"    (" RANK("j") ", j.queued_at, j.id) < (" RANK("NEW") ", NEW.queued_at, NEW.id) AS ahead, "
	"    (j.xmax = '0'::xid OR torture_aborted(j.xmax)) AS free "
	"    FROM import_jobs j WHERE " DUE("j", "NEW.started_at") " AND j.id <> NEW.id) x; "
	"PERFORM set_config('torture.claim', c.ahead || ' ' || c.higher || ' ' || c.lower || ' ' "
	"  || c.held, true); "
	"RETURN NEW; END $$;"
	"CREATE TRIGGER torture_claim_count BEFORE UPDATE OF status ON import_jobs FOR EACH ROW "
	"WHEN (OLD.status = 'queued' AND NEW.status = 'processing') "
	"EXECUTE FUNCTION torture_claim_count();"
	/* The logs, written in the library's own transactions. */
	"CREATE FUNCTION torture_log() RETURNS trigger LANGUAGE plpgsql AS $$ "
	"DECLARE c text[]; BEGIN "
	"IF OLD.status = 'queued' AND NEW.status = 'processing' THEN "
	"  c := string_to_array(current_setting('torture.claim', true), ' '); "
	"  INSERT INTO torture_claims (job_id, rank, retry_count, worker_id, claimed_at, retry_at, "
	"    ahead_due, higher_due, lower_due, held_ahead) VALUES (NEW.id, " RANK("NEW") ", "
	"    NEW.retry_count, NEW.worker_id, " EPOCH("NEW.started_at") ", " EPOCH("NEW.retry_at") ", "
	"    c[1]::bigint, c[2]::bigint, c[3]::bigint, c[4]::bigint); "
	"  PERFORM set_config('torture.claim', '', true); "
	"ELSIF OLD.status = 'processing' AND NEW.status = 'queued' THEN "
	"  INSERT INTO torture_requeues VALUES (NEW.id, NEW.retry_count, " EPOCH("OLD.heartbeat_at") ", "
	"    " EPOCH("NEW.retry_at") "); "
	"END IF; "
	"IF NEW.status IN ('completed', 'failed') THEN "
	"  INSERT INTO torture_finishes VALUES (NEW.id, NEW.status, NEW.retry_count); "
	"END IF; "
	"RETURN NULL; END $$;"
	"CREATE TRIGGER torture_log AFTER UPDATE OF status ON import_jobs FOR EACH ROW "
	"WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION torture_log();";

/* The same on MySQL/MariaDB. A trigger cannot see InnoDB's row locks (nor
 * read its own table with a locking read: error 1442), so a claim cannot
 * tell a job another claimer holds from a free one. The claim trigger
 * lists instead every due job ahead of the claimed one, as the statement
 * reads them (READ COMMITTED), in torture_claim_ahead; a job listed there
 * counts as held when another worker claimed that same attempt of it within
 * a second of this claim (claimers hold a job a few milliseconds), and any
 * other is a claim out of order (checked after the run). Instants are
 * BIGINT Unix seconds in this schema. */
static const char mysql_instrumentation[] =
	"CREATE TABLE torture_flaky (batch_id CHAR(36) PRIMARY KEY, fail_times INT NOT NULL);"
	"CREATE TABLE torture_claims (seq BIGINT AUTO_INCREMENT PRIMARY KEY, job_id BIGINT NOT NULL, "
	"  `rank` INT NOT NULL, retry_count INT NOT NULL, worker_id TEXT, claimed_at BIGINT, "
	"  retry_at BIGINT, ahead_due BIGINT NOT NULL, higher_due BIGINT NOT NULL, "
	"  lower_due BIGINT NOT NULL, held_ahead BIGINT NOT NULL DEFAULT 0, "
	"  KEY (job_id, retry_count));"
	"CREATE TABLE torture_claim_ahead (seq BIGINT NOT NULL, job_id BIGINT NOT NULL, "
	"  retry_count INT NOT NULL, higher INT NOT NULL, KEY (seq));"
	"CREATE TABLE torture_requeues (job_id BIGINT, retry_count INT, attempt_at BIGINT, "
	"  retry_at BIGINT);"
	"CREATE TABLE torture_finishes (job_id BIGINT, status TEXT, retry_count INT);"
	/* The injected storage failure, per row (multi-row upsert or LOAD DATA). */
	"CREATE TRIGGER torture_inject BEFORE INSERT ON hh_readings FOR EACH ROW BEGIN "
	"IF EXISTS (SELECT 1 FROM import_batches b JOIN torture_flaky f ON f.batch_id = b.batch_id "
	"  JOIN import_jobs j ON j.batch_id = b.batch_id "
	"  WHERE b.id = NEW.import_batch AND j.retry_count < f.fail_times) THEN "
	"  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '" INJECTED "'; END IF; END;"
	/* The logs, written in the library's own transactions. */
	"CREATE TRIGGER torture_log BEFORE UPDATE ON import_jobs FOR EACH ROW BEGIN "
	"IF OLD.status = 'queued' AND NEW.status = 'processing' THEN "
	"  INSERT INTO torture_claims (job_id, `rank`, retry_count, worker_id, claimed_at, retry_at, "
	"    ahead_due, higher_due, lower_due) VALUES (NEW.id, " RANK("NEW") ", NEW.retry_count, "
	"    NEW.worker_id, NEW.started_at, NEW.retry_at, "
	"    (SELECT count(*) FROM import_jobs j WHERE " DUE("j", "NEW.started_at") " AND j.id <> NEW.id "
	"       AND (" RANK("j") ", j.queued_at, j.id) < (" RANK("NEW") ", NEW.queued_at, NEW.id)), "
	"    (SELECT count(*) FROM import_jobs j WHERE " DUE("j", "NEW.started_at") " AND j.id <> NEW.id "
	"       AND " RANK("j") " < " RANK("NEW") "), "
	"    (SELECT count(*) FROM import_jobs j WHERE " DUE("j", "NEW.started_at") " AND j.id <> NEW.id "
	"       AND " RANK("j") " > " RANK("NEW") ")); "
	"  INSERT INTO torture_claim_ahead SELECT LAST_INSERT_ID(), j.id, j.retry_count, "
	"    " RANK("j") " < " RANK("NEW") " FROM import_jobs j WHERE " DUE("j", "NEW.started_at")
	"    AND j.id <> NEW.id "
	"    AND (" RANK("j") ", j.queued_at, j.id) < (" RANK("NEW") ", NEW.queued_at, NEW.id); "
	"ELSEIF OLD.status = 'processing' AND NEW.status = 'queued' THEN "
	"  INSERT INTO torture_requeues VALUES (NEW.id, NEW.retry_count, OLD.heartbeat_at, NEW.retry_at); "
	"END IF; "
	"IF NEW.status IN ('completed', 'failed') AND OLD.status <> NEW.status THEN "
	"  INSERT INTO torture_finishes VALUES (NEW.id, NEW.status, NEW.retry_count); "
	"END IF; END;";

/* The jobs listed ahead of a MySQL claim that no other worker claimed
 * (that attempt of) within a second of it: claims out of order. */
#define MYSQL_UNHELD(extra) "SELECT count(*) FROM torture_claim_ahead a JOIN torture_claims d " \
	"ON d.seq = a.seq WHERE " extra " NOT EXISTS (SELECT 1 FROM torture_claims c " \
	"WHERE c.job_id = a.job_id AND c.retry_count = a.retry_count AND c.worker_id <> d.worker_id " \
	"AND abs(c.claimed_at - d.claimed_at) <= 1)"

static const char *instrumentation(const fixture *fx)
{
	return fx->db.pgsql ? pgsql_instrumentation : fx->db.mysql ? mysql_instrumentation
		: sqlite_instrumentation;
}

/* Files, jobs, failure plan. The store is closed again before any fork. */
static void build_queue(fixture *fx, int counts[4])
{
	ecl_store_options opts = store_options();
	ecl_job_options *jobs = calloc(JOB_COUNT, sizeof(*jobs));
	char **paths = calloc(JOB_COUNT, sizeof(*paths));
	ecl_store *store = NULL;
	size_t sql_size = 64 + (size_t)JOB_COUNT * 96, used;
	char *sql = malloc(sql_size), *files;
	int i, p;

	assert_non_null(jobs);
	assert_non_null(paths);
	assert_non_null(sql);
	assert_true(asprintf(&files, "%s/files", fx->dir) >= 0);
	assert_int_equal(mkdir(files, 0700), 0);
	for (i = 0; i < JOB_COUNT; i++) {
		unsigned r = (unsigned)(next_random(fx) % 1000);
		FILE *f;

		/* 20 % high, 50 % normal, 30 % low. */
		fx->priority[i] = r < 200 ? ECL_PRIORITY_HIGH : r < 700 ? ECL_PRIORITY_NORMAL
			: ECL_PRIORITY_LOW;
		/* 8 % flaky once, 4 % twice, 2 % always failing. */
		r = (unsigned)(next_random(fx) % 1000);
		fx->fail_times[i] = r < 80 ? 1 : r < 120 ? 2 : r < 140 ? ALWAYS_FAILS : 0;
		counts[fx->fail_times[i] == ALWAYS_FAILS ? 3 : fx->fail_times[i]]++;
		assert_true(asprintf(&paths[i], "%s/j%04d.csv", files, i) >= 0);
		f = fopen(paths[i], "w");
		assert_non_null(f);
		fputs("MPAN,Date", f);
		for (p = 1; p <= PERIODS; p++)
			fprintf(f, ",HH%02d", p);
		fprintf(f, "\n%013lld,2024-01-08", 1400000000000LL + i);
		for (p = 1; p <= PERIODS; p++) {
			int v = (i * 13 + p * 7) % 997 + 1;

			fprintf(f, ",%d.%03d", v / 1000, v % 1000);
			fx->value_sum[i] += v;
		}
		fputc('\n', f);
		assert_int_equal(fclose(f), 0);
		ecl_assert_ok(ecl_job_options_init(&jobs[i], ECL_JOB_OPTIONS_VERSION));
		jobs[i].file_path = paths[i];
		jobs[i].priority = (ecl_priority)fx->priority[i];
		jobs[i].max_retries = MAX_RETRIES;
	}
	ecl_assert_ok(ecl_store_open(&store, fx->uri, &opts));
	ecl_assert_ok(ecl_store_migrate(store));
	ecl_assert_ok(ecl_job_create_many(&fx->batch_ids[0][0], store, jobs, JOB_COUNT));
	ecl_store_free(store);
	ecl_test_target_exec(&fx->db, instrumentation(fx));

	used = (size_t)snprintf(sql, sql_size, "BEGIN;");
	for (i = 0; i < JOB_COUNT; i++)
		if (fx->fail_times[i] > 0)
			used += (size_t)snprintf(sql + used, sql_size - used,
				"INSERT INTO torture_flaky VALUES ('%s', %d);", fx->batch_ids[i],
				fx->fail_times[i]);
	snprintf(sql + used, sql_size - used, "COMMIT;");
	ecl_test_target_exec(&fx->db, sql);

	for (i = 0; i < JOB_COUNT; i++)
		free(paths[i]);
	free(paths);
	free(jobs);
	free(sql);
	free(files);
}

/* ---- the children ------------------------------------------------------------ */

typedef struct child_log {
	FILE *out;
	int messages;
} child_log;

/* Every warning or error a worker logs is written down. Those expected of
 * an always-failing job (its failure, and its alert with no channel set up)
 * are allowed; any other fails the test. */
static void log_message(ecl_log_level level, const char *message, void *payload)
{
	child_log *log = payload;
	int expected = strstr(message, "locked") == NULL && strstr(message, "busy") == NULL
		&& strstr(message, "lock timeout") == NULL && strstr(message, "deadlock") == NULL
		&& ((strstr(message, "failed (transient)") != NULL && strstr(message, INJECTED) != NULL)
		    || strncmp(message, "ALERT [job_failed]", 18) == 0);

	if (!expected) {
		log->messages++;
		fprintf(log->out, "LOG %d %s\n", (int)level, message);
	}
}

/* Process jobs until none is queued. Writes its report to its results file;
 * exits 0, or non-zero when a call failed. Never returns. */
static void run_worker(fixture *fx, int w)
{
	ecl_store_options sopts = store_options();
	ecl_worker_options wopts = ECL_WORKER_OPTIONS_INIT;
	ecl_job_list_options queued = ECL_JOB_LIST_OPTIONS_INIT;
	ecl_worker_report report;
	ecl_store *store = NULL;
	ecl_worker *worker = NULL;
	child_log log = { NULL, 0 };
	char worker_id[16];
	int64_t longest = 0;
	int rc = 0, code = 0;

	log.out = fopen(fx->results[w], "w");
	if (log.out == NULL)
		_exit(9);
	memset(&report, 0, sizeof(report));
	snprintf(worker_id, sizeof(worker_id), "w%d", w);
	sopts.log = log_message;
	sopts.log_payload = &log;
	sopts.log_level = ECL_LOG_WARN;
	wopts.worker_id = worker_id;
	queued.status = ECL_JOB_QUEUED;
	queued.limit = 1;
	if ((rc = ecl_store_open(&store, fx->uri, &sopts)) == 0)
		rc = ecl_worker_new(&worker, store, &wopts);
	while (rc == 0) {
		int64_t before = report.claimed, t0 = monotonic_ms(), took;
		ecl_job_array *left = NULL;
		size_t n;

		rc = ecl_worker_process(worker, 1, &report);
		took = monotonic_ms() - t0;
		if (took > longest)
			longest = took;
		if (rc != 0 || report.claimed != before)
			continue;
		/* Nothing due: stop when nothing is queued at all, else wait for a retry. */
		if ((rc = ecl_job_list(&left, store, &queued)) != 0)
			break;
		n = left->count;
		ecl_job_array_free(left);
		if (n == 0)
			break;
		{
			struct timespec pause = { 0, 20 * 1000000L };

			nanosleep(&pause, NULL);
		}
	}
	if (rc != 0) {
		fprintf(log.out, "ERROR %d %s: %s\n", rc, ecl_strerror(rc), ecl_error_last());
		code = rc == ECL_EBUSY ? 31 : 30;
	}
	fprintf(log.out, "REPORT %lld %lld %lld %lld %lld %lld %lld\n", (long long)report.claimed,
		(long long)report.completed, (long long)report.failed, (long long)report.requeued,
		(long long)report.cancelled, (long long)report.released, (long long)longest);
	ecl_worker_free(worker);
	ecl_store_free(store);
	if (fclose(log.out) != 0)
		_exit(8);
	if (code == 0 && log.messages > 0)
		code = 32;
	_exit(code);
}

static void run_workers(fixture *fx)
{
	pid_t pids[WORKERS];
	int barrier[2];
	int i, bad = 0;

	assert_int_equal(pipe(barrier), 0);
	fflush(NULL);
	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char byte;

			close(barrier[1]);
			while (read(barrier[0], &byte, 1) < 0 && errno == EINTR)
				;
			close(barrier[0]);
			run_worker(fx, i);
		}
	}
	close(barrier[0]);
	close(barrier[1]);
	for (i = 0; i < WORKERS; i++) {
		int status = 0;

		while (waitpid(pids[i], &status, 0) < 0)
			assert_int_equal(errno, EINTR);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			char line[1024];
			FILE *f = fopen(fx->results[i], "r");

			print_error("worker %d: %s %d\n", i, WIFEXITED(status) ? "exited with"
				: "killed by signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			while (f != NULL && fgets(line, sizeof(line), f) != NULL)
				print_error("  worker %d: %s", i, line);
			if (f != NULL)
				fclose(f);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- the checks --------------------------------------------------------------- */

/* Text that tells of a lock or contention: SQLite's "database is locked",
 * the library's "database is busy", PostgreSQL's lock timeouts and
 * deadlocks, serialization failures. */
#define LOCKISH(col) "(" col " LIKE '%locked%' OR " col " LIKE '%busy%' OR " col " LIKE '%lock timeout%' " \
	"OR " col " LIKE '%deadlock%' OR " col " LIKE '%could not obtain lock%' OR " col " LIKE '%serializ%')"

/* min(base * 2^(n-1), cap) for retry n, in SQL both backends run. */
#define BACKOFF "(CASE WHEN retry_count - 1 >= 2 THEN 4 ELSE 1 << (retry_count - 1) END)"

static int64_t sql_int(fixture *fx, const char *sql)
{
	return (int64_t)ecl_test_target_number(&fx->db, sql);
}

static void expect_zero(fixture *fx, const char *what, const char *sql)
{
	int64_t n = sql_int(fx, sql);

	if (n != 0)
		fail_msg("%s: %lld (%s)", what, (long long)n, sql);
}

static void test_eight_workers_five_thousand_jobs(void **state)
{
	fixture *fx = *state;
	int classes[4] = { 0 };   /* clean, flaky once, flaky twice, always failing */
	long long sum[7] = { 0 }, longest = 0;
	int64_t t0, elapsed, expected_readings = 0, expected_sum = 0, n;
	ecl_store_options opts = store_options();
	ecl_job_list_options all = ECL_JOB_LIST_OPTIONS_INIT;
	ecl_job_array *jobs = NULL;
	ecl_store *store = NULL;
	int by_id_index, w;
	size_t i;

	build_queue(fx, classes);
	t0 = monotonic_ms();
	run_workers(fx);
	elapsed = monotonic_ms() - t0;

	/* The workers' reports add up. */
	for (w = 0; w < WORKERS; w++) {
		FILE *f = fopen(fx->results[w], "r");
		char line[1024];
		long long v[7];

		assert_non_null(f);
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "REPORT %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2],
			           &v[3], &v[4], &v[5], &v[6]) == 7) {
				int k;

				print_message("contention: worker w%d claimed %lld (completed %lld, failed %lld, "
					"requeued %lld), longest ecl_worker_process() call %lld ms\n", w, v[0], v[1],
					v[2], v[3], v[6]);
				for (k = 0; k < 6; k++)
					sum[k] += v[k];
				if (v[6] > longest)
					longest = v[6];
			}
		}
		fclose(f);
	}
	assert_int_equal(sum[1], classes[0] + classes[1] + classes[2]);   /* completed */
	assert_int_equal(sum[2], classes[3]);                             /* failed */
	assert_int_equal(sum[3], classes[1] + 2 * classes[2] + MAX_RETRIES * classes[3]);
	assert_int_equal(sum[4], 0);   /* cancelled or taken over */
	assert_int_equal(sum[5], 0);   /* released */
	assert_int_equal(sum[0], sum[1] + sum[2] + sum[3]);

	/* Each job in the state and with the retries its class dictates. */
	all.limit = 0;
	ecl_assert_ok(ecl_store_open(&store, fx->uri, &opts));
	ecl_assert_ok(ecl_job_list(&jobs, store, &all));
	ecl_store_free(store);
	assert_int_equal(jobs->count, JOB_COUNT);
	for (i = 0; i < jobs->count; i++) {
		const ecl_job *job = &jobs->jobs[i];
		int k;

		by_id_index = -1;
		for (k = 0; k < JOB_COUNT; k++)
			if (strcmp(fx->batch_ids[k], job->batch_id) == 0) {
				by_id_index = k;
				break;
			}
		assert_true(by_id_index >= 0);
		k = fx->fail_times[by_id_index];
		assert_int_equal((int)job->priority, fx->priority[by_id_index]);
		if (k == ALWAYS_FAILS) {
			if (job->status != ECL_JOB_FAILED || job->retry_count != MAX_RETRIES)
				fail_msg("always-failing job %s is %s with %d retries", job->batch_id,
					ecl_job_status_name(job->status), job->retry_count);
			assert_non_null(job->error_class);
			assert_string_equal(job->error_class, "transient");
			assert_non_null(job->error_message);
			assert_non_null(strstr(job->error_message, INJECTED));
			continue;
		}
		if (job->status != ECL_JOB_COMPLETED || job->retry_count != k)
			fail_msg("job %s (fails %d times) is %s with %d retries: %s", job->batch_id, k,
				ecl_job_status_name(job->status), job->retry_count,
				job->last_error ? job->last_error : "-");
		assert_int_equal(job->processed_rows, 1);
		assert_int_equal(job->imported_rows, 1);
		assert_int_equal(job->checkpoint, 1);
		if (k > 0) {
			assert_non_null(job->last_error);
			assert_non_null(strstr(job->last_error, INJECTED));
		} else {
			assert_null(job->last_error);
		}
		expected_readings += PERIODS;
		expected_sum += fx->value_sum[by_id_index];
	}
	ecl_job_array_free(jobs);

	/* Exactly once: one finish per job, one claim per attempt. */
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM torture_finishes"), JOB_COUNT);
	assert_int_equal(sql_int(fx, "SELECT count(DISTINCT job_id) FROM torture_finishes"), JOB_COUNT);
	expect_zero(fx, "jobs whose claims are not one per attempt",
		"SELECT count(*) FROM import_jobs j LEFT JOIN (SELECT job_id, count(*) AS c, "
		"count(DISTINCT retry_count) AS d, max(retry_count) AS m FROM torture_claims "
		"GROUP BY job_id) x ON x.job_id = j.id "
		"WHERE x.c IS NULL OR x.c <> j.retry_count + 1 OR x.d <> x.c OR x.m <> j.retry_count");

	/* Priority order among due jobs, at the instant of each claim. */
	if (fx->db.mysql) {
		expect_zero(fx, "claims made while a due job ahead in claim order waited",
			MYSQL_UNHELD(""));
		expect_zero(fx, "claims made while a due job of higher priority waited",
			MYSQL_UNHELD("a.higher = 1 AND"));
		ecl_test_target_exec(&fx->db, "UPDATE torture_claims d SET held_ahead = "
			"(SELECT count(*) FROM torture_claim_ahead a WHERE a.seq = d.seq)");
	} else {
		expect_zero(fx, "claims made while a due job ahead in claim order waited",
			"SELECT count(*) FROM torture_claims WHERE ahead_due > 0");
		expect_zero(fx, "claims made while a due job of higher priority waited",
			"SELECT count(*) FROM torture_claims WHERE higher_due > 0");
	}
	expect_zero(fx, "claims before the job's retry_at",
		"SELECT count(*) FROM torture_claims WHERE retry_at IS NOT NULL AND claimed_at < retry_at");

	/* The backoff policy: retry n waits min(base * 2^(n-1), cap) after the attempt. */
	n = sql_int(fx, "SELECT count(*) FROM torture_requeues");
	assert_int_equal(n, sum[3]);
	expect_zero(fx, "requeues not following the backoff policy",
		"SELECT count(*) FROM torture_requeues WHERE retry_at - attempt_at < " BACKOFF
		" OR retry_at - attempt_at > " BACKOFF " + 10 OR retry_at IS NULL OR attempt_at IS NULL");

	/* The readings are exactly the completed jobs'. */
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM hh_readings"), expected_readings);
	assert_int_equal(sql_int(fx, "SELECT sum(CAST(round(reading_value * 1000) AS INTEGER)) "
		"FROM hh_readings"), expected_sum);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM daily_aggregations"),
		expected_readings / PERIODS);

	/* No lock error anywhere. */
	/* (MySQL has no CAST AS TEXT; its summary column is text already.) */
	expect_zero(fx, "jobs whose error or summary mentions a lock", fx->db.mysql
		? "SELECT count(*) FROM import_jobs WHERE " LOCKISH("last_error") " OR "
		  LOCKISH("error_message") " OR " LOCKISH("summary")
		: "SELECT count(*) FROM import_jobs WHERE " LOCKISH("last_error") " OR "
		  LOCKISH("error_message") " OR " LOCKISH("CAST(summary AS TEXT)"));

	print_message("contention (%s): %d workers, %d jobs (%d high, %d normal, %d low by seed), %lld claims, "
		"%d completed first time, %d after 1 retry, %d after 2, %d failed after %d retries; "
		"%lld requeues; %lld claims made with a lower-priority job due and waiting; "
		"%lld claims passed over a due job ahead held by another claimer; "
		"0 out of order; 0 lock errors; longest worker call %lld ms; %.1f s (%.0f jobs/s)\n",
		ecl_test_target_backend(&fx->db), WORKERS, JOB_COUNT,
		(int)sql_int(fx, "SELECT count(*) FROM import_jobs WHERE priority = 'high'"),
		(int)sql_int(fx, "SELECT count(*) FROM import_jobs WHERE priority = 'normal'"),
		(int)sql_int(fx, "SELECT count(*) FROM import_jobs WHERE priority = 'low'"),
		(long long)sql_int(fx, "SELECT count(*) FROM torture_claims"), classes[0], classes[1],
		classes[2], classes[3], MAX_RETRIES, (long long)sum[3],
		(long long)sql_int(fx, "SELECT count(*) FROM torture_claims WHERE lower_due > 0"),
		(long long)sql_int(fx, "SELECT count(*) FROM torture_claims WHERE held_ahead > 0"),
		longest, elapsed / 1000.0, JOB_COUNT * 1000.0 / (double)elapsed);
}

/* test_contention [STORE]: STORE is sqlite://PATH or a PostgreSQL or MySQL
 * server (without it: a SQLite file in a private directory). */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_eight_workers_five_thousand_jobs, setup, teardown),
	};
	int rc = ecl_test_store_arg(argc, argv, &g_store);

	if (rc != 0)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
