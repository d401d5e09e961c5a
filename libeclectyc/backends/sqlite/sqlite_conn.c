/*
 * SQLite backend: connection, URI parsing, statement cache, and the write
 * transaction that absorbs lock contention. WAL lets readers run beside the
 * one writer; BEGIN IMMEDIATE takes the write lock up front so a transaction
 * never fails half-way on a lock upgrade.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/backend_registry.h"
#include "sqlite_internal.h"
#include "util/strutil.h"



int ecl__sqlite_error(ecl_backend_conn *conn, int sqlite_rc, const char *doing)
{
	const char *msg = conn && conn->db ? sqlite3_errmsg(conn->db) : sqlite3_errstr(sqlite_rc);
	int code;

	switch (sqlite_rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ecl_error_set(ECL_EBUSY, "%s: database is locked (waited %d ms): %s",
			doing, conn ? conn->busy_timeout_ms : 0, msg);
	case SQLITE_NOMEM:
		return ecl_error_set(ECL_ENOMEM, "%s: out of memory", doing);
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_FULL:
		/* "disk I/O error" alone does not say what failed: name the OS
		 * error when SQLite kept it, and a failed write as such (SQLite
		 * reports EFBIG, EDQUOT, EIO as a bare SQLITE_IOERR_WRITE). */
		if (conn && conn->db && sqlite3_system_errno(conn->db) != 0)
			return ecl_error_set(ECL_EIO, "%s: %s (%s)", doing, msg,
				strerror(sqlite3_system_errno(conn->db)));
		if ((sqlite_rc & 0xff) == SQLITE_FULL || sqlite_rc == SQLITE_IOERR_WRITE)
			return ecl_error_set(ECL_EIO, "%s: %s (writing to the database file failed: "
				"the disk is full or a size limit or quota was reached)", doing, msg);
		code = ECL_EIO;
		break;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		code = ECL_EIO;
		break;
	default:
		code = strstr(msg, "no such table") || strstr(msg, "no such column")
			|| strstr(msg, "no such index") ? ECL_ESCHEMA : ECL_EDB;
	}
	return ecl_error_set(code, "%s: %s", doing, msg);
}

int ecl__sqlite_prepare(sqlite3_stmt **out, ecl_backend_conn *conn, const char *sql)
{
	cached_stmt *slot = NULL;
	unsigned int i;
	int rc;

	for (i = 0; i < ECL_SQLITE_STMT_CACHE; i++) {
		if (conn->cache[i].sql != NULL && strcmp(conn->cache[i].sql, sql) == 0) {
			*out = conn->cache[i].stmt;
			return 0;
		}
		if (slot == NULL && conn->cache[i].sql == NULL)
			slot = &conn->cache[i];
	}
	if (slot == NULL) {
		slot = &conn->cache[conn->cache_next];
		conn->cache_next = (conn->cache_next + 1) % ECL_SQLITE_STMT_CACHE;
		sqlite3_finalize(slot->stmt);
		free(slot->sql);
		slot->sql = NULL;
		slot->stmt = NULL;
	}
	rc = sqlite3_prepare_v3(conn->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &slot->stmt, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(slot->stmt);
		slot->stmt = NULL;
		return ecl__sqlite_error(conn, rc, "preparing a statement");
	}
	if ((slot->sql = ecl__strdup(sql)) == NULL) {
		sqlite3_finalize(slot->stmt);
		slot->stmt = NULL;
		return ECL_ENOMEM;
	}
	*out = slot->stmt;
	return 0;
}

void ecl__sqlite_done(sqlite3_stmt *stmt)
{
	if (stmt != NULL) {
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
	}
}

int ecl__sqlite_exec(ecl_backend_conn *conn, const char *sql, const char *doing)
{
	int rc = sqlite3_exec(conn->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : ecl__sqlite_error(conn, rc, doing);
}

int ecl__sqlite_bind_time(sqlite3_stmt *stmt, int index, int64_t t)
{
	return t == ECL_TIME_NONE ? sqlite3_bind_null(stmt, index) : sqlite3_bind_int64(stmt, index, t);
}

int ecl__sqlite_bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
	return text == NULL ? sqlite3_bind_null(stmt, index)
	                    : sqlite3_bind_text(stmt, index, text, -1, SQLITE_STATIC);
}

void ecl__sqlite_copy_date(char out[11], const char *text)
{
	size_t len = text ? strlen(text) : 0;

	if (len > 10)
		len = 10;
	memcpy(out, text ? text : "", len);
	out[len] = '\0';
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Run a cached statement without results (BEGIN, COMMIT: prepared once per
 * connection instead of parsed on every transaction). */
static int step_cached(ecl_backend_conn *conn, const char *sql, const char *doing)
{
	sqlite3_stmt *stmt;
	int rc = ecl__sqlite_prepare(&stmt, conn, sql);

	if (rc == 0) {
		int step = sqlite3_step(stmt);
		if (step != SQLITE_DONE)
			rc = ecl__sqlite_error(conn, step, doing);
		ecl__sqlite_done(stmt);
	}
	return rc;
}

/*
 * A database file deleted or renamed while open (its directory removed, say)
 * still accepts writes on Linux in WAL mode: they would commit into an
 * unlinked inode and be lost when the store closes, with every call
 * reporting success. One stat() per write transaction catches it.
 */
static int check_not_moved(ecl_backend_conn *conn, const char *doing)
{
	int moved = 0;

	if (sqlite3_file_control(conn->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK
	    && moved)
		return ecl_error_set(ECL_EIO, "%s: the SQLite database file \"%s\" was deleted or moved "
			"while open (reopen the store)", doing, conn->path);
	return 0;
}

/* One attempt at the transaction: ECL_EBUSY means "try again". */
static int write_once(ecl_backend_conn *conn, int (*work)(ecl_backend_conn *, void *), void *ctx,
                      const char *doing)
{
	int rc = step_cached(conn, "BEGIN IMMEDIATE", doing);

	if (rc == 0)
		rc = check_not_moved(conn, doing);
	if (rc == 0)
		rc = work(conn, ctx);
	if (rc == 0)
		rc = step_cached(conn, "COMMIT", doing);
	if (rc != 0 && !sqlite3_get_autocommit(conn->db))
		sqlite3_exec(conn->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Run `attempt` until it stops reporting ECL_EBUSY or the busy timeout has
 * passed. sqlite3_busy_timeout already waits inside most calls; this covers
 * the cases where SQLite reports BUSY without calling the handler (WAL
 * recovery or a journal-mode change by another connection). */
static int until_not_busy(ecl_backend_conn *conn, int (*attempt)(ecl_backend_conn *, void *),
                          void *ctx)
{
	int64_t deadline = monotonic_ms() + conn->busy_timeout_ms;
	int backoff_ms = 1;
	int rc;

	while ((rc = attempt(conn, ctx)) == ECL_EBUSY && monotonic_ms() < deadline) {
		pause_ms(backoff_ms);
		if (backoff_ms < 64)
			backoff_ms *= 2;
	}
	return rc;
}

typedef struct write_args {
	int (*work)(ecl_backend_conn *, void *);
	void *ctx;
	const char *doing;
} write_args;

static int write_attempt(ecl_backend_conn *conn, void *opaque)
{
	write_args *args = opaque;

	return write_once(conn, args->work, args->ctx, args->doing);
}

int ecl__sqlite_write(ecl_backend_conn *conn, int (*work)(ecl_backend_conn *conn, void *ctx),
                      void *ctx, const char *doing)
{
	write_args args = { work, ctx, doing };

	return until_not_busy(conn, write_attempt, &args);
}

typedef struct exec_args {
	const char *sql;
	const char *doing;
} exec_args;

static int exec_attempt(ecl_backend_conn *conn, void *opaque)
{
	exec_args *args = opaque;

	return ecl__sqlite_exec(conn, args->sql, args->doing);
}

/* A statement outside a transaction that may meet a lock, retried like one. */
static int exec_retrying(ecl_backend_conn *conn, const char *sql, const char *doing)
{
	exec_args args = { sql, doing };

	return until_not_busy(conn, exec_attempt, &args);
}

/* "sqlite:///abs", "sqlite://rel", "sqlite::memory:" -> file name for SQLite. */
static int path_from_uri(char **out, const char *uri)
{
	const char *rest = strchr(uri, ':') + 1;

	*out = NULL;
	if (strcmp(rest, ":memory:") == 0)
		*out = ecl__strdup(":memory:");
	else if (strncmp(rest, "//", 2) == 0 && rest[2] != '\0')
		*out = ecl__strdup(rest + 2);
	else
		return ecl_error_set(ECL_EINVALID,
			"invalid SQLite URI \"%s\" (expected sqlite:///abs/path.db, sqlite://relative.db "
			"or sqlite::memory:)", uri);
	return *out ? 0 : ECL_ENOMEM;
}

/*
 * Waiting for the write lock. SQLite's own handler (sqlite3_busy_timeout)
 * backs off to 100 ms sleeps, so a process that has waited a while keeps
 * losing the lock to those that just arrived: with 8 workers on one file a
 * single wait came within 2 s of the 10 s timeout (docs/reliability.md).
 * Short, jittered polls keep every waiter in the race until the timeout.
 */
static int on_busy(void *payload, int count)
{
	ecl_backend_conn *conn = payload;
	int64_t now = monotonic_ms();

	if (count == 0)
		conn->busy_since_ms = now;
	if (now - conn->busy_since_ms >= conn->busy_timeout_ms)
		return 0;
	conn->busy_seed = conn->busy_seed * 1664525u + 1013904223u;
	pause_ms(1 + (int)((conn->busy_seed >> 16) % 4));
	return 1;
}

static int configure(ecl_backend_conn *conn)
{
	int is_memory = strcmp(conn->path, ":memory:") == 0;
	int rc;

	conn->busy_seed = (uint32_t)getpid() ^ (uint32_t)monotonic_ms();
	sqlite3_busy_handler(conn->db, on_busy, conn);
	sqlite3_extended_result_codes(conn->db, 1);
	rc = exec_retrying(conn, "PRAGMA foreign_keys = ON", "configuring the database");
	/* WAL: readers never block the writer; NORMAL sync is durable across
	 * process crashes (only a power loss can lose the last commits).
	 * Switching a new file to WAL takes a lock that SQLite does not wait
	 * for, so processes opening one file together retry here. */
	if (rc == 0 && !is_memory)
		rc = exec_retrying(conn, "PRAGMA journal_mode = WAL", "enabling WAL");
	if (rc == 0)
		rc = exec_retrying(conn, "PRAGMA synchronous = NORMAL", "configuring the database");
	return rc;
}

/* What the code shared in backends/common needs of SQLite. */
static const ecl__driver sqlite_driver = {
	.claim_run = ecl__sqlite_write,
	.claim = ecl__sqlite_claim_one,
	.write = ecl__sqlite_write,
	.exec = ecl__sqlite_exec,
	.schema = {
		.migrations = ecl_sqlite_migrations,
		.table_sql = ecl__sqlite_migrations_table,
		.record_format = "INSERT INTO schema_migrations (version, applied_at) VALUES (%d, %lld)",
		.current = ecl__sqlite_schema_current,
		.relation_exists = ecl__sqlite_relation_exists,
		.scratch_open = ecl__sqlite_scratch_open,
		.scratch_exec = ecl__sqlite_scratch_exec,
		.drift = ecl__sqlite_drift,
		.scratch_close = ecl__sqlite_scratch_close,
	},
	.aggregate = {
		.begin = ecl__sqlite_agg_scope,
		.run = ecl__sqlite_agg_statements,
		.meters = ecl__sqlite_agg_meters,
		.narrow = ecl__sqlite_agg_narrow,
		.count = ecl__sqlite_agg_count,
	},
	.readings = {
		.readings = ecl__sqlite_readings_batch,
		.apply_job = ecl__sqlite_apply_job_update,
	},
	.statement = ecl__sqlite_statement,
	.dialect = &ecl__sqlite_dialect,
	.feeds = {
		.job_insert = ecl__sqlite_job_insert_in,
		.returning = 1,
		.meters_stale = ecl__sqlite_meters_stale_sql,
	},
};

static void sqlite_close(ecl_backend_conn *conn)
{
	unsigned int i;

	if (conn == NULL)
		return;
	for (i = 0; i < ECL_SQLITE_STMT_CACHE; i++) {
		sqlite3_finalize(conn->cache[i].stmt);
		free(conn->cache[i].sql);
	}
	sqlite3_finalize(conn->hh_stmt[0][0]);
	sqlite3_finalize(conn->hh_stmt[0][1]);
	sqlite3_finalize(conn->hh_stmt[1][0]);
	sqlite3_finalize(conn->hh_stmt[1][1]);
	sqlite3_close_v2(conn->db);
	free(conn->path);
	free(conn);
}

static int sqlite_open(ecl_backend_conn **out, const char *uri, const ecl_store_options *opts)
{
	ecl_backend_conn *conn = calloc(1, sizeof(*conn));
	int rc;

	*out = NULL;
	if (conn == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory opening %s", uri);
	conn->driver = &sqlite_driver;
	conn->busy_timeout_ms = opts->busy_timeout_ms;
	rc = path_from_uri(&conn->path, uri);
	if (rc == 0) {
		int src = sqlite3_open_v2(conn->path, &conn->db,
			SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
		if (src != SQLITE_OK) {
			char doing[512];
			snprintf(doing, sizeof(doing), "opening SQLite database \"%s\"", conn->path);
			rc = ecl__sqlite_error(conn, src, doing);
		}
	}
	if (rc == 0)
		rc = configure(conn);
	if (rc != 0)
		sqlite_close(conn);
	else
		*out = conn;
	return rc;
}

const ecl_backend ecl_sqlite_backend = {
	.version = ECL_BACKEND_VERSION,
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.schema_version = ecl__common_schema_version,
	.migrate = ecl__common_migrate,
	.check = ecl__common_check,
	.job_insert = ecl__sqlite_job_insert,
	.job_get = ecl__sqlite_job_get,
	.job_list = ecl__sqlite_job_list,
	.job_claim = ecl__common_job_claim,
	.job_update = ecl__sqlite_job_update,
	.meter_find = ecl__sqlite_meter_find,
	.readings_write = ecl__common_readings_write,
	.aggregate = ecl__sqlite_aggregate,
	.execution_record = ecl__sqlite_execution_record,
	.execution_list = ecl__sqlite_execution_list,
	.batch_extent = ecl__sqlite_batch_extent,
	.quality_scan = ecl__sqlite_quality_scan,
	.quality_record = ecl__sqlite_quality_record,
	.health_metrics = ecl__sqlite_health_metrics,
	.jobs_stuck = ecl__sqlite_jobs_stuck,
	.jobs_alert_pending = ecl__sqlite_jobs_alert_pending,
	.alert_last = ecl__sqlite_alert_last,
	.alert_record = ecl__sqlite_alert_record,
	.jobs_expired = ecl__sqlite_jobs_expired,
	.file_referenced = ecl__sqlite_file_referenced,
	.job_get_id = ecl__sqlite_job_get_id,
	.job_delete = ecl__sqlite_job_delete,
	.job_claim_of = ecl__common_job_claim_of,
	.migrate_plan = ecl__common_migrate_plan,
	.job_status_counts = ecl__sqlite_job_status_counts,
	.job_attempts = ecl__sqlite_job_attempts,
	ECL__COMMON_FEED_SLOTS,
};
