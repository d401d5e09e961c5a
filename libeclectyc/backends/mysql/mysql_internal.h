/* The MySQL/MariaDB backend's connection and the helpers its files share. */
#ifndef ECL_MYSQL_INTERNAL_H
#define ECL_MYSQL_INTERNAL_H

#include <mysql.h>

#include "eclectyc/sys/backend.h"
#include "eclectyc/buffer.h"
#include "backends/common/driver.h"

/* Statements prepared once per connection (by their SQL text); when full,
 * the oldest is closed. */
#define ECL_MY_STMT_CACHE 64
/* The most parameters one prepared statement binds (bulk rows go as text). */
#define ECL_MY_MAX_PARAMS 48

typedef struct my_cached {
	char *sql;            /* as written, with ?N placeholders: the key */
	MYSQL_STMT *stmt;     /* prepared from the SQL with each ?N turned into ? */
	int *order;           /* the N of each ?, in the order they appear */
	unsigned int count;
} my_cached;

struct ecl_backend_conn {
	const ecl__driver *driver; /* first: backends/common reads it (ECL__DRIVER) */
	MYSQL *my;
	char *host, *user, *password, *database, *socket;
	unsigned int port;
	char *where;             /* "user@host:port/db" for messages (never a password) */
	int busy_timeout_ms;
	int broken;              /* the connection was lost: reconnect before the next use */
	int no_database;         /* the database does not exist (yet): migrate creates it */
	int named_lock;          /* GET_LOCK held by a migration: released after its transaction */
	char *scratch_db;        /* the drift check's scratch database, when it runs */
	int no_local_infile;     /* the server refused LOAD DATA LOCAL: readings go as upserts */
	int client_no_infile;    /* ?local_infile=0: the client refuses LOCAL INFILE itself */
	unsigned int last_errno; /* the server's error number of the last failure */
	int adopted;             /* an adopted host database: SQL is spelt for it (mysql_adopted.c) */
	int host_users;          /* the host's users table: not asked yet, there, absent (mysql_host.c) */
	my_cached cache[ECL_MY_STMT_CACHE];
	unsigned int cache_next;
};

/* Parameters of one statement, addressed ?1, ?2 … in its SQL: a parameter
 * may appear several times, in any order. Text is borrowed and must outlive
 * the call. */
typedef struct my_params {
	int n;
	int overflow;
	MYSQL_BIND bind[ECL_MY_MAX_PARAMS];
	int64_t ints[ECL_MY_MAX_PARAMS];
	double doubles[ECL_MY_MAX_PARAMS];
	unsigned long lengths[ECL_MY_MAX_PARAMS];
} my_params;

void ecl__my_params_init(my_params *p);
/* Append one parameter (?n is its 1-based position) ... */
void ecl__my_text(my_params *p, const char *text);          /* NULL = SQL NULL */
void ecl__my_int(my_params *p, int64_t v);
void ecl__my_time(my_params *p, int64_t t);                 /* ECL_TIME_NONE = NULL */
void ecl__my_double(my_params *p, double v);
/* ... or set parameter n (1-based) whatever came before. */
void ecl__my_set_text(my_params *p, int n, const char *text);
void ecl__my_set_int(my_params *p, int n, int64_t v);

/* A result read whole: every cell kept as its integer, double and text. */
typedef struct my_cell {
	char *text;          /* NULL for SQL NULL */
	int64_t i;
	double d;
} my_cell;

typedef struct my_result {
	int rows, cols;
	my_cell *cells;      /* rows × cols */
} my_result;

void ecl__my_result_free(my_result *r);
int ecl__my_is_null(const my_result *r, int row, int col);
int64_t ecl__my_get_int(const my_result *r, int row, int col);    /* NULL = 0 */
double ecl__my_get_double(const my_result *r, int row, int col);
const char *ecl__my_get_str(const my_result *r, int row, int col); /* NULL for NULL */
/* A newly allocated copy, NULL for SQL NULL; sets *oom when out of memory. */
char *ecl__my_get_text(const my_result *r, int row, int col, int *oom);
/* Copy a YYYY-MM-DD value into an 11-byte field ("" for NULL). */
void ecl__my_copy_date(char out[11], const my_result *r, int row, int col);

/* The migration SQL, embedded at build time (NULL-terminated, in order). */
extern const char *const ecl_mysql_migrations[];

/*
 * Map the last failure of the connection (or of `stmt`) to an ECL_E* code
 * and record the message, naming what was being done: deadlock or lock wait
 * timeout -> ECL_EBUSY; a lost connection -> ECL_EIO (and the connection is
 * marked for reconnection); unknown table, column or database -> ECL_ESCHEMA;
 * anything else -> ECL_EDB with the server's error number.
 */
int ecl__my_error(ecl_backend_conn *conn, MYSQL_STMT *stmt, const char *doing);

/* Run one prepared statement. `*out` (when not NULL) receives its rows, to
 * free with ecl__my_result_free(); `*changed` (when not NULL) the rows it
 * affected. */
int ecl__my_query(my_result *out, ecl_backend_conn *conn, const char *sql, const my_params *p,
                  const char *doing);
int ecl__my_command(ecl_backend_conn *conn, const char *sql, const my_params *p,
                    int64_t *changed, const char *doing);
/* Both, and `*insert_id` (when not NULL) the AUTO_INCREMENT id an INSERT
 * gave (0 for none). */
int ecl__my_execute(my_result *out, int64_t *changed, int64_t *insert_id, ecl_backend_conn *conn,
                    const char *sql, const my_params *p, const char *doing);

/* ecl__my_query alone under ecl__my_read: retried on contention and after
 * a lost connection; `*out` is to free whatever the outcome. */
int ecl__my_read_rows(my_result *out, ecl_backend_conn *conn, const char *sql, const my_params *p,
                      const char *doing);

/* Run SQL without parameters over the text protocol (several statements
 * allowed: migrations, bulk rows): `*changed` (may be NULL) receives the
 * rows the last statement without a result affected and `info` (may be
 * NULL, 64 bytes) the first value of the last result, as text. */
int ecl__my_exec_info(ecl_backend_conn *conn, const char *sql, int64_t *changed, char *info,
                      const char *doing);
int ecl__my_exec(ecl_backend_conn *conn, const char *sql, const char *doing);

/* Run `work` in a transaction (START TRANSACTION … COMMIT), retried whole on
 * deadlock or lock wait timeout until the busy timeout, and after a
 * connection lost before COMMIT; one lost during COMMIT fails with ECL_EIO. */
int ecl__my_write(ecl_backend_conn *conn, int (*work)(ecl_backend_conn *conn, void *ctx),
                  void *ctx, const char *doing);
/* Run reading `work` outside a transaction, retried like ecl__my_write. */
int ecl__my_read(ecl_backend_conn *conn, int (*work)(ecl_backend_conn *conn, void *ctx),
                 void *ctx, const char *doing);
/* Run `work` in autocommit: retried on contention; a lost connection fails
 * with ECL_EIO (the outcome is unknown). */
int ecl__my_once(ecl_backend_conn *conn, int (*work)(ecl_backend_conn *conn, void *ctx),
                 void *ctx, const char *doing);

/* Append SQL to a buffer, printf-style: 0 or ECL_ENOMEM. */
int ecl__my_appendf(ecl_buf *buf, const char *format, ...)
#ifdef __GNUC__
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* The driver's hooks (backends/common/driver.h): mysql_schema.c,
 * mysql_readings.c. */
extern const char ecl__my_migrations_table[];
int ecl__my_migrate_lock(ecl_backend_conn *conn);
int ecl__my_schema_current(ecl_backend_conn *conn, int *current);
/* ---- an adopted host database (mysql_adopted.c, mysql_adopt.c) ---------- */

/* The library's instant columns spelt `<name>_unix` on an adopted database,
 * NULL-terminated. */
const char *const *ecl__my_adopted_columns(void);
/* `sql` with each of them renamed (outside quoted text); NULL when out of memory. */
char *ecl__my_adopted_sql(const char *sql);
/* The SQL to send for `sql`: itself, or on an adopted database its rewrite
 * (*owned, freed by the caller). */
int ecl__my_sql_for(ecl_backend_conn *conn, const char *sql, const char **text, char **owned);
/* Closes every statement prepared on the connection (mysql_params.c). */
void ecl__my_forget_statements(ecl_backend_conn *conn);
/* Sets conn->adopted from the database (its schema_adoption table). */
int ecl__my_detect_adopted(ecl_backend_conn *conn);
/* The schema hook adopting the PHP application's database (schema.h). */
int ecl__my_adopt(ecl_backend_conn *conn, const char *found, ecl_buf *plan);

int ecl__my_relation_exists(ecl_backend_conn *conn, const char *name, int *exists);
int ecl__my_scratch_open(ecl_backend_conn *conn, void **scratch);
int ecl__my_scratch_exec(ecl_backend_conn *conn, void *scratch, const char *sql);
int ecl__my_drift(ecl_backend_conn *conn, void *scratch, ecl_schema_report *report);
int ecl__my_scratch_close(ecl_backend_conn *conn, void *scratch, int rc);
int ecl__my_readings_batch(ecl_backend_conn *conn, ecl__readings_write *w);
/* Serve LOAD DATA LOCAL INFILE from the library's buffer `src` (NULL:
 * refuse any request, so that a server can never read a client file). */
void ecl__my_infile_serve(MYSQL *my, void *src);

/* mysql_jobs.c */
int ecl__my_job_insert(ecl_backend_conn *conn, const ecl_job *jobs, size_t count);
/* The same inside the caller's transaction. */
int ecl__my_job_insert_in(ecl_backend_conn *conn, const ecl_job *jobs, size_t count);
/* How job columns and shared statements are spelt and bound on MySQL. */
extern ecl__job_dialect ecl__my_dialect;
int ecl__my_job_get(ecl_backend_conn *conn, const char *batch_id, ecl_job *out);
int ecl__my_job_get_id(ecl_backend_conn *conn, int64_t id, ecl_job *out);
/* One claim attempt (the driver's `claim`; common/driver.h). */
int ecl__my_claim_one(ecl_backend_conn *conn, const char *types, const char *worker_id,
                      int64_t now, ecl_job *out, int *claimed);
int ecl__my_job_delete(ecl_backend_conn *conn, const char *batch_id, int *deleted);
int ecl__my_job_list(ecl_backend_conn *conn, const ecl_job_list_options *opts, ecl_job_array *out);
int ecl__my_job_update(ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found);
int ecl__my_apply_job_update(ecl_backend_conn *conn, const ecl_job_update *update,
                             ecl_job_found *found);
/* Append to `out` every job of `SELECT <job columns> FROM import_jobs <tail>`
 * with the parameters `p`; on failure what this call appended goes. */
int ecl__my_jobs_where(ecl_backend_conn *conn, const char *tail, const my_params *p,
                       ecl_job_array *out, const char *doing);
/* The same under ecl__my_read (a retry starts clean). */
int ecl__my_jobs_read(ecl_backend_conn *conn, const char *tail, const my_params *p,
                      ecl_job_array *out, const char *doing);
struct ecl__job_row;
void ecl__my_job_row(struct ecl__job_row *row, const my_result *res, int i);

/* mysql_host.c: the host_user_get slot */
int ecl__my_host_user_get(ecl_backend_conn *conn, int64_t id, ecl_host_user *out);

/* mysql_readings.c */
int ecl__my_meter_find(ecl_backend_conn *conn, const char *mpan, int64_t *id);
int ecl__my_batch_extent(ecl_backend_conn *conn, const char *batch_id, ecl_batch_extent *out);

/* mysql_ops.c */
int ecl__my_job_status_counts(ecl_backend_conn *conn, ecl_job_status_counts *out);
int ecl__my_job_attempts(ecl_backend_conn *conn, const char *batch_id, ecl_job_attempt_array *out);
int ecl__my_health_metrics(ecl_backend_conn *conn, const ecl_health_query *query,
                           ecl_health_metrics *out);
int ecl__my_jobs_stuck(ecl_backend_conn *conn, int64_t cutoff, ecl_job_array *out);
int ecl__my_jobs_alert_pending(ecl_backend_conn *conn, size_t limit, ecl_job_array *out);
int ecl__my_alert_last(ecl_backend_conn *conn, const char *key, int64_t *at);
int ecl__my_alert_record(ecl_backend_conn *conn, const ecl_alert_record *record);
int ecl__my_jobs_expired(ecl_backend_conn *conn, int64_t cutoff, size_t limit, int remove,
                         ecl_job_array *out);
int ecl__my_file_referenced(ecl_backend_conn *conn, const char *path, int64_t expired_before,
                            int *referenced);

/* mysql_telemetry.c */
int ecl__my_execution_record(ecl_backend_conn *conn, const ecl_execution *execution);
int ecl__my_execution_list(ecl_backend_conn *conn, int limit, ecl_execution_array *out);

/* mysql_quality.c */
int ecl__my_quality_scan(ecl_backend_conn *conn, const ecl_quality_scan *scan);
int ecl__my_quality_record(ecl_backend_conn *conn, const ecl_quality_findings *findings,
                           int64_t *stored);

/* mysql_aggregate.c: the aggregate slot and the shared run's hooks */
int ecl__my_aggregate(ecl_backend_conn *conn, const ecl_aggregate_request *request,
                      ecl_aggregate_counts *counts);
int ecl__my_agg_scope(ecl_backend_conn *conn, void *self);
int ecl__my_agg_statements(ecl_backend_conn *conn, void *self, int64_t *written,
                           int64_t *removed, int *data_fault);
int ecl__my_agg_meters(ecl_backend_conn *conn, void *self, ecl__agg_meters *out);
int ecl__my_agg_narrow(ecl_backend_conn *conn, void *self, const int64_t *ids, size_t count);
int ecl__my_agg_count(ecl_backend_conn *conn, void *self, int64_t *rows, int64_t *meters,
                      int64_t *incomplete);

/* mysql_feeds.c: the shared statements' hook and the SQL of its own the
 * data feeds' store needs (backends/common/feed_store.h). */
int ecl__my_statement(ecl_backend_conn *conn, ecl__sql_call *call, const char *doing);
extern const char ecl__my_meters_stale_sql[];

#endif
