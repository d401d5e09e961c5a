/* The PostgreSQL backend's connection and the helpers its files share. */
#ifndef ECL_PGSQL_INTERNAL_H
#define ECL_PGSQL_INTERNAL_H

#include <libpq-fe.h>

#include "eclectyc/sys/backend.h"
#include "eclectyc/buffer.h"
#include "backends/common/driver.h"

/* Statements prepared once per connection (by their SQL text); beyond this
 * many, statements run unprepared. */
#define ECL_PG_STMT_CACHE 64
/* The most parameters one statement binds (bulk data goes in arrays). */
#define ECL_PG_MAX_PARAMS 40

typedef struct pg_cached {
	char *sql;
	char name[24];
} pg_cached;

struct ecl_backend_conn {
	const ecl__driver *driver; /* first: backends/common reads it (ECL__DRIVER) */
	PGconn *pg;
	char *conninfo;          /* what libpq is given (our own parameters removed) */
	char *schema;            /* ?schema=…: the search_path, created by migrate; or NULL */
	char *where;             /* "host:port/db" for messages (never a password) */
	int busy_timeout_ms;
	int broken;              /* the connection was lost: reconnect before the next use */
	int unprepared;          /* run statements unprepared (the drift check's scratch schema) */
	char last_state[6];      /* SQLSTATE of the last error ("" when none was given) */
	pg_cached cache[ECL_PG_STMT_CACHE];
	unsigned int prepared;   /* statements prepared on this connection (names) */
};

/* Parameters of one statement, all sent as text. Numbers are formatted into
 * the struct itself; text is borrowed and must outlive the call. */
typedef struct pg_params {
	int n;
	int overflow;
	const char *values[ECL_PG_MAX_PARAMS];
	char scratch[ECL_PG_MAX_PARAMS][32];
} pg_params;

void ecl__pg_params_init(pg_params *p);
/* Append one parameter; $n is its 1-based position. */
void ecl__pg_text(pg_params *p, const char *text);          /* NULL = SQL NULL */
void ecl__pg_int(pg_params *p, int64_t v);
void ecl__pg_time(pg_params *p, int64_t t);                 /* ECL_TIME_NONE = NULL */
void ecl__pg_double(pg_params *p, double v);
void ecl__pg_bool(pg_params *p, int v);

/* An array parameter in PostgreSQL's text form ("{1,2,NULL}"), for bulk
 * statements over unnest(): one parameter however many rows. Errors (out
 * of memory) are sticky in `rc`; ecl__pg_array_end() closes the literal and
 * returns rc. Release with ecl_buf_dispose(&a->buf). */
typedef struct pg_array {
	ecl_buf buf;
	size_t n;
	int rc;
} pg_array;

void ecl__pg_array_begin(pg_array *a);
void ecl__pg_array_int(pg_array *a, int64_t v);
void ecl__pg_array_double(pg_array *a, double v);
void ecl__pg_array_text(pg_array *a, const char *text);     /* quoted; NULL = NULL */
int ecl__pg_array_end(pg_array *a);

/* The migration SQL, embedded at build time (NULL-terminated, in order). */
extern const char *const ecl_pgsql_migrations[];

/*
 * Map a failed result (or a connection failure when `res` is NULL) to an
 * ECL_E* code and record the message, naming what was being done:
 * serialization failure, deadlock, lock or statement timeout -> ECL_EBUSY;
 * a lost or refused connection -> ECL_EIO (and the connection is marked for
 * reconnection); undefined table, column or schema -> ECL_ESCHEMA; anything
 * else -> ECL_EDB.
 */
int ecl__pg_error(ecl_backend_conn *conn, const PGresult *res, const char *doing);

/*
 * Run one statement with parameters. On success `*out` (when not NULL)
 * receives the result, which the caller must PQclear(); on failure nothing
 * is left to clear and the mapped ECL_E* code is returned.
 */
int ecl__pg_query(PGresult **out, ecl_backend_conn *conn, const char *sql, const pg_params *p,
                  const char *doing);

/* As ecl__pg_query without a result: `*changed` (may be NULL) receives the
 * rows the statement affected. */
int ecl__pg_command(ecl_backend_conn *conn, const char *sql, const pg_params *p,
                    int64_t *changed, const char *doing);

/* Execute parameterless SQL (several statements allowed: migrations). */
int ecl__pg_exec(ecl_backend_conn *conn, const char *sql, const char *doing);

/*
 * Run `work` in a transaction (BEGIN … COMMIT). Lock contention (ECL_EBUSY:
 * serialization failure, deadlock, lock timeout) retries the whole
 * transaction with backoff until the busy timeout has passed. A connection
 * lost before COMMIT was sent is re-established with backoff and the
 * transaction run again (the server rolled it back); one lost during COMMIT
 * fails with ECL_EIO, since its outcome is unknown. `work` must start from
 * nothing on each attempt.
 */
int ecl__pg_write(ecl_backend_conn *conn, int (*work)(ecl_backend_conn *conn, void *ctx),
                  void *ctx, const char *doing);

/* Run reading `work` outside a transaction, retried on contention and after
 * a lost connection like ecl__pg_write (reading twice is harmless). */
int ecl__pg_read(ecl_backend_conn *conn, int (*work)(ecl_backend_conn *conn, void *ctx),
                 void *ctx, const char *doing);

/* Run one statement in autocommit (a single round trip): retried on
 * contention; a lost connection fails with ECL_EIO (the statement may or may
 * not have been applied) and is re-established for the next call. */
int ecl__pg_once(ecl_backend_conn *conn, int (*work)(ecl_backend_conn *conn, void *ctx),
                 void *ctx, const char *doing);

/* Column readers: NULL reads as 0 / ECL_TIME_NONE / NULL. */
int64_t ecl__pg_get_int(const PGresult *r, int row, int col);
double ecl__pg_get_double(const PGresult *r, int row, int col);
int ecl__pg_is_null(const PGresult *r, int row, int col);
/* A newly allocated copy, NULL for SQL NULL; sets *oom when out of memory. */
char *ecl__pg_get_text(const PGresult *r, int row, int col, int *oom);
/* Copy a YYYY-MM-DD value into an 11-byte field ("" for NULL). */
void ecl__pg_copy_date(char out[11], const PGresult *r, int row, int col);

/* An SQL expression for an instant column read as Unix seconds. */
#define ECL_PG_EPOCH(col) "extract(epoch FROM " col ")::bigint"

/* The driver's hooks (backends/common/driver.h): pgsql_schema.c,
 * pgsql_aggregate.c, pgsql_readings.c. */
extern const char ecl__pg_migrations_table[];
int ecl__pg_migrate_lock(ecl_backend_conn *conn);
int ecl__pg_schema_current(ecl_backend_conn *conn, int *current);
int ecl__pg_relation_exists(ecl_backend_conn *conn, const char *name, int *exists);
int ecl__pg_scratch_open(ecl_backend_conn *conn, void **scratch);
int ecl__pg_scratch_exec(ecl_backend_conn *conn, void *scratch, const char *sql);
int ecl__pg_drift(ecl_backend_conn *conn, void *scratch, ecl_schema_report *report);
int ecl__pg_scratch_close(ecl_backend_conn *conn, void *scratch, int rc);
int ecl__pg_agg_scope(ecl_backend_conn *conn, void *self);
int ecl__pg_agg_statements(ecl_backend_conn *conn, void *self, int64_t *written, int64_t *removed,
                           int *data_fault);
int ecl__pg_agg_meters(ecl_backend_conn *conn, void *self, ecl__agg_meters *out);
int ecl__pg_agg_narrow(ecl_backend_conn *conn, void *self, const int64_t *ids, size_t count);
int ecl__pg_agg_count(ecl_backend_conn *conn, void *self, int64_t *rows, int64_t *meters,
                      int64_t *incomplete);
int ecl__pg_readings_batch(ecl_backend_conn *conn, ecl__readings_write *w);

/* Backend entry points. */

int ecl__pg_job_insert(ecl_backend_conn *conn, const ecl_job *jobs, size_t count);
/* The same inside the caller's transaction. */
int ecl__pg_job_insert_in(ecl_backend_conn *conn, const ecl_job *jobs, size_t count);
/* How job columns and shared statements are spelt and bound on PostgreSQL. */
extern ecl__job_dialect ecl__pg_dialect;
int ecl__pg_job_get(ecl_backend_conn *conn, const char *batch_id, ecl_job *out);
int ecl__pg_job_get_id(ecl_backend_conn *conn, int64_t id, ecl_job *out);
/* One claim attempt (the driver's `claim`; common/driver.h). */
int ecl__pg_claim_one(ecl_backend_conn *conn, const char *types, const char *worker_id,
                      int64_t now, ecl_job *out, int *claimed);
int ecl__pg_job_delete(ecl_backend_conn *conn, const char *batch_id, int *deleted);
int ecl__pg_job_list(ecl_backend_conn *conn, const ecl_job_list_options *opts, ecl_job_array *out);
int ecl__pg_job_update(ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found);
/* The same, inside a transaction the caller holds. */
int ecl__pg_apply_job_update(ecl_backend_conn *conn, const ecl_job_update *update,
                             ecl_job_found *found);
/* Append to `out` every job of `SELECT <job columns> FROM import_jobs <tail>`
 * with the parameters `p`; `doing` names the query in errors. On failure
 * the jobs this call appended are removed again. */
int ecl__pg_jobs_where(ecl_backend_conn *conn, const char *tail, const pg_params *p,
                       ecl_job_array *out, const char *doing);
/* Point `row` (backends/common/job_columns.h) at row `i` of `res`. */
struct ecl__job_row;
void ecl__pg_job_row(struct ecl__job_row *row, const PGresult *res, int i);
int ecl__pg_job_status_counts(ecl_backend_conn *conn, ecl_job_status_counts *out);
int ecl__pg_job_attempts(ecl_backend_conn *conn, const char *batch_id, ecl_job_attempt_array *out);

/* Version 2: pgsql_readings.c */
int ecl__pg_meter_find(ecl_backend_conn *conn, const char *mpan, int64_t *id);
/* COPY `count` half-hour readings into hh_readings (binary format), inside
 * the caller's transaction; meter_ids maps each reading's meter index to its
 * id, batch_key is the import batch (0: NULL). *copied receives the rows
 * written. A key that already exists fails the whole COPY with SQLSTATE
 * 23505 (conn->last_state). */
int ecl__pg_copy_intervals(ecl_backend_conn *conn, const ecl_interval_reading *rows, size_t count,
                           const int64_t *meter_ids, int64_t batch_key, int64_t *copied);

/* Version 3: pgsql_aggregate.c, pgsql_telemetry.c, pgsql_readings.c (extent),
 * pgsql_quality.c */
int ecl__pg_aggregate(ecl_backend_conn *conn, const ecl_aggregate_request *request,
                      ecl_aggregate_counts *counts);
int ecl__pg_execution_record(ecl_backend_conn *conn, const ecl_execution *execution);
int ecl__pg_execution_list(ecl_backend_conn *conn, int limit, ecl_execution_array *out);
int ecl__pg_batch_extent(ecl_backend_conn *conn, const char *batch_id, ecl_batch_extent *out);
int ecl__pg_quality_scan(ecl_backend_conn *conn, const ecl_quality_scan *scan);
int ecl__pg_quality_record(ecl_backend_conn *conn, const ecl_quality_findings *findings,
                           int64_t *stored);

/* Version 4: pgsql_monitor.c, pgsql_cleanup.c */
int ecl__pg_health_metrics(ecl_backend_conn *conn, const ecl_health_query *query,
                           ecl_health_metrics *out);
int ecl__pg_jobs_stuck(ecl_backend_conn *conn, int64_t cutoff, ecl_job_array *out);
int ecl__pg_jobs_alert_pending(ecl_backend_conn *conn, size_t limit, ecl_job_array *out);
int ecl__pg_alert_last(ecl_backend_conn *conn, const char *key, int64_t *at);
int ecl__pg_alert_record(ecl_backend_conn *conn, const ecl_alert_record *record);
int ecl__pg_jobs_expired(ecl_backend_conn *conn, int64_t cutoff, size_t limit, int remove,
                         ecl_job_array *out);
int ecl__pg_file_referenced(ecl_backend_conn *conn, const char *path, int64_t expired_before,
                            int *referenced);

/* pgsql_feeds.c: the shared statements' hook and the SQL of its own the
 * data feeds' store needs (backends/common/feed_store.h). */
int ecl__pg_statement(ecl_backend_conn *conn, ecl__sql_call *call, const char *doing);
extern const char ecl__pg_meters_stale_sql[];

#endif
