/* The SQLite backend's connection and the helpers its files share. */
#ifndef ECL_SQLITE_INTERNAL_H
#define ECL_SQLITE_INTERNAL_H

#include <sqlite3.h>

#include "eclectyc/sys/backend.h"
#include "backends/common/driver.h"

#define ECL_SQLITE_STMT_CACHE 64

typedef struct cached_stmt {
	char *sql;
	sqlite3_stmt *stmt;
} cached_stmt;

struct ecl_backend_conn {
	const ecl__driver *driver;  /* first: backends/common reads it (ECL__DRIVER) */
	sqlite3 *db;
	char *path;            /* the file name SQLite was given */
	int busy_timeout_ms;
	int64_t busy_since_ms;     /* when the current lock wait began */
	uint32_t busy_seed;        /* jitter of the lock-wait polls */
	cached_stmt cache[ECL_SQLITE_STMT_CACHE];
	/* The reading upserts, kept apart from the cache: they run for every
	 * chunk of every batch, and their SQL is long. */
	sqlite3_stmt *hh_stmt[2][2];  /* [insert, update pass][one row, ROWS_PER_STATEMENT rows] */
	unsigned int cache_next;  /* the slot replaced next when the cache is full */
};

/* The migration SQL, embedded at build time (NULL-terminated, in order). */
extern const char *const ecl_sqlite_migrations[];

/* Map a SQLite result code to an ECL_E* code and record the message,
 * naming what was being done. */
int ecl__sqlite_error(ecl_backend_conn *conn, int sqlite_rc, const char *doing);

/* A prepared statement for `sql`, from the per-connection cache. The caller
 * binds, steps and then calls ecl__sqlite_done(). */
int ecl__sqlite_prepare(sqlite3_stmt **out, ecl_backend_conn *conn, const char *sql);

/* Reset a cached statement so it can be reused. */
void ecl__sqlite_done(sqlite3_stmt *stmt);

/*
 * Run `work` in a write transaction (BEGIN IMMEDIATE … COMMIT). When the
 * database is locked, the whole transaction is retried until the busy
 * timeout has passed, so lock contention never reaches the caller as an
 * error before then. `work` returns 0 or an ECL_E* code; SQLITE_BUSY from
 * inside it is reported as ECL_EBUSY, which triggers a retry.
 */
int ecl__sqlite_write(ecl_backend_conn *conn, int (*work)(ecl_backend_conn *conn, void *ctx),
                      void *ctx, const char *doing);

/* Execute SQL without results (several statements allowed). */
int ecl__sqlite_exec(ecl_backend_conn *conn, const char *sql, const char *doing);

/* Bind an instant: ECL_TIME_NONE binds NULL. */
int ecl__sqlite_bind_time(sqlite3_stmt *stmt, int index, int64_t t);
/* Bind text: NULL binds NULL. */
int ecl__sqlite_bind_text(sqlite3_stmt *stmt, int index, const char *text);

/* The driver's hooks (backends/common/driver.h): sqlite_schema.c,
 * sqlite_aggregate.c, sqlite_readings.c. */
extern const char ecl__sqlite_migrations_table[];
int ecl__sqlite_schema_current(ecl_backend_conn *conn, int *current);
int ecl__sqlite_relation_exists(ecl_backend_conn *conn, const char *name, int *exists);
int ecl__sqlite_scratch_open(ecl_backend_conn *conn, void **scratch);
int ecl__sqlite_scratch_exec(ecl_backend_conn *conn, void *scratch, const char *sql);
int ecl__sqlite_drift(ecl_backend_conn *conn, void *scratch, ecl_schema_report *report);
int ecl__sqlite_scratch_close(ecl_backend_conn *conn, void *scratch, int rc);
int ecl__sqlite_agg_scope(ecl_backend_conn *conn, void *self);
int ecl__sqlite_agg_statements(ecl_backend_conn *conn, void *self, int64_t *written,
                               int64_t *removed, int *data_fault);
int ecl__sqlite_agg_meters(ecl_backend_conn *conn, void *self, ecl__agg_meters *out);
int ecl__sqlite_agg_narrow(ecl_backend_conn *conn, void *self, const int64_t *ids, size_t count);
int ecl__sqlite_agg_count(ecl_backend_conn *conn, void *self, int64_t *rows, int64_t *meters,
                          int64_t *incomplete);
int ecl__sqlite_readings_batch(ecl_backend_conn *conn, ecl__readings_write *w);

/* Backend entry points implemented in sqlite_jobs.c. */
int ecl__sqlite_job_insert(ecl_backend_conn *conn, const ecl_job *jobs, size_t count);
/* The same inside the caller's transaction. */
int ecl__sqlite_job_insert_in(ecl_backend_conn *conn, const ecl_job *jobs, size_t count);
/* How job columns and shared statements are spelt and bound on SQLite. */
extern ecl__job_dialect ecl__sqlite_dialect;
int ecl__sqlite_job_get(ecl_backend_conn *conn, const char *batch_id, ecl_job *out);
int ecl__sqlite_job_get_id(ecl_backend_conn *conn, int64_t id, ecl_job *out);
/* One claim attempt (the driver's `claim`; common/driver.h). */
int ecl__sqlite_claim_one(ecl_backend_conn *conn, const char *types, const char *worker_id,
                          int64_t now, ecl_job *out, int *claimed);
int ecl__sqlite_job_delete(ecl_backend_conn *conn, const char *batch_id, int *deleted);
int ecl__sqlite_job_list(ecl_backend_conn *conn, const ecl_job_list_options *opts, ecl_job_array *out);
int ecl__sqlite_job_update(ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found);
/* The same, inside a transaction the caller holds. */
int ecl__sqlite_apply_job_update(ecl_backend_conn *conn, const ecl_job_update *update,
                                 ecl_job_found *found);
int ecl__sqlite_meter_find(ecl_backend_conn *conn, const char *mpan, int64_t *id);

/* Copy a YYYY-MM-DD column value into an 11-byte field. */
void ecl__sqlite_copy_date(char out[11], const char *text);

/* The small integer that stands for the import batch in hh_readings
 * (created on first use); 0 for a batch without an id. */
int ecl__sqlite_batch_key(ecl_backend_conn *conn, const ecl_reading_batch *b, int64_t *key);

/* Widen the batch's import_batch_meters rows to the days of `b` (inside the
 * transaction that writes its readings); `ids` are the batch meters' ids. */
int ecl__sqlite_record_extent(ecl_backend_conn *conn, const ecl_reading_batch *b,
                              const int64_t *ids);

/* Version 3: sqlite_aggregate.c, sqlite_telemetry.c, sqlite_readings.c and
 * sqlite_quality.c. */
int ecl__sqlite_aggregate(ecl_backend_conn *conn, const ecl_aggregate_request *request,
                          ecl_aggregate_counts *counts);
int ecl__sqlite_execution_record(ecl_backend_conn *conn, const ecl_execution *execution);
int ecl__sqlite_execution_list(ecl_backend_conn *conn, int limit, ecl_execution_array *out);
int ecl__sqlite_batch_extent(ecl_backend_conn *conn, const char *batch_id, ecl_batch_extent *out);
int ecl__sqlite_quality_scan(ecl_backend_conn *conn, const ecl_quality_scan *scan);
int ecl__sqlite_quality_record(ecl_backend_conn *conn, const ecl_quality_findings *findings,
                               int64_t *stored);

/* Append to `out` every job of `SELECT <job columns> FROM import_jobs <tail>`,
 * with ?1 and ?2 in `tail` bound to p1 and p2. `doing` names the query in
 * errors. On failure the jobs this call appended are removed again. */
int ecl__sqlite_jobs_where(ecl_backend_conn *conn, const char *tail, int64_t p1, int64_t p2,
                           ecl_job_array *out, const char *doing);
/* Point `row` (backends/common/job_columns.h) at the current row of `stmt`. */
struct ecl__job_row;
void ecl__sqlite_job_row(struct ecl__job_row *row, sqlite3_stmt *stmt);

/* Version 4: sqlite_monitor.c (health, stuck, alerts) and sqlite_cleanup.c. */
int ecl__sqlite_health_metrics(ecl_backend_conn *conn, const ecl_health_query *query,
                               ecl_health_metrics *out);
int ecl__sqlite_jobs_stuck(ecl_backend_conn *conn, int64_t cutoff, ecl_job_array *out);
int ecl__sqlite_jobs_alert_pending(ecl_backend_conn *conn, size_t limit, ecl_job_array *out);
int ecl__sqlite_alert_last(ecl_backend_conn *conn, const char *key, int64_t *at);
int ecl__sqlite_alert_record(ecl_backend_conn *conn, const ecl_alert_record *record);
int ecl__sqlite_jobs_expired(ecl_backend_conn *conn, int64_t cutoff, size_t limit, int remove,
                             ecl_job_array *out);
int ecl__sqlite_file_referenced(ecl_backend_conn *conn, const char *path, int64_t expired_before,
                                int *referenced);
int ecl__sqlite_job_status_counts(ecl_backend_conn *conn, ecl_job_status_counts *out);
int ecl__sqlite_job_attempts(ecl_backend_conn *conn, const char *batch_id, ecl_job_attempt_array *out);

/* sqlite_feeds.c: the shared statements' hook and the SQL of its own the
 * data feeds' store needs (backends/common/feed_store.h). */
int ecl__sqlite_statement(ecl_backend_conn *conn, ecl__sql_call *call, const char *doing);
extern const char ecl__sqlite_meters_stale_sql[];

#endif
