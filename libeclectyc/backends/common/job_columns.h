/*
 * The import_jobs table as data: one row per column says how it is read into
 * an ecl_job, inserted and set by an ecl_job_update. Every backend reads,
 * inserts and updates jobs through this table, over a few hooks of its own
 * (how a cell is read, how a value is bound, how a parameter is spelt), so
 * adding a job column is one row in job_columns.c plus one migration per
 * backend. The claim statements and the SQL around these pieces stay in the
 * backends: they are what each engine does its own way.
 */
#ifndef ECL_JOB_COLUMNS_H
#define ECL_JOB_COLUMNS_H

#include <stddef.h>

#include "eclectyc/sys/backend.h"

/* What a column holds, which fixes the type of its members. */
typedef enum ecl__job_kind {
	ECL__JOB_BATCH_ID,  /* char[ECL_BATCH_ID_SIZE] in ecl_job */
	ECL__JOB_INT64,     /* int64_t */
	ECL__JOB_INT,       /* int */
	ECL__JOB_BOOL,      /* int, 0 or 1 */
	ECL__JOB_INSTANT,   /* int64_t Unix seconds */
	ECL__JOB_TEXT,      /* char *, NULL for SQL NULL */
	ECL__JOB_JSON,      /* as TEXT; a backend with a JSON type checks it */
	ECL__JOB_ENUM,      /* an enum stored by its name */
	ECL__JOB_KINDS
} ecl__job_kind;

/* An enumeration stored by its name. The hooks take the member's address so
 * each reads and writes it with its own enum type. */
typedef struct ecl__job_enum {
	const char *what;                              /* "import type": names it in messages */
	int (*parse)(void *member, const char *text);  /* 0, or nonzero for an unknown name */
	const char *(*name)(const void *member);       /* NULL stores SQL NULL */
} ecl__job_enum;

extern const ecl__job_enum ecl__job_status_enum;
extern const ecl__job_enum ecl__job_priority_enum;
extern const ecl__job_enum ecl__job_import_type_enum;
extern const ecl__job_enum ecl__job_clock_enum;

/* Parse the name `text` of `type` into `member` for job `batch_id`: 0, or
 * ECL_ESCHEMA naming the job and the value (a row this library did not write). */
int ecl__job_enum_parse(void *member, const ecl__job_enum *type, const char *text,
                        const char *batch_id);

/* A member offset meaning "no member". */
#define ECL__JOB_NO_MEMBER ((size_t)-1)

/* How a column is inserted. */
typedef enum ecl__job_insert {
	ECL__JOB_NOT_INSERTED,   /* left to its default */
	ECL__JOB_BOUND,          /* bound from the ecl_job */
	ECL__JOB_LITERAL         /* written as `literal` whatever the ecl_job says */
} ecl__job_insert;

typedef struct ecl__job_column {
	const char *name;
	ecl__job_kind kind;
	const ecl__job_enum *type;   /* ECL__JOB_ENUM: its names */
	size_t job;                  /* offset in ecl_job; ECL__JOB_NO_MEMBER: never selected */
	int nullable;                /* SQL NULL stands for `none` both ways (0: never written) */
	int64_t none;                /* what NULL reads as (integers; enums read it as 0) */
	ecl__job_insert insert;
	const char *literal;         /* ECL__JOB_LITERAL: the SQL inserted */
	unsigned int set;            /* the ECL_JOB_SET_* flag that assigns it; 0: none */
	size_t update;               /* offset in ecl_job_update; ECL__JOB_NO_MEMBER: set to true */
} ecl__job_column;

extern const ecl__job_column ecl__job_columns[];
extern const size_t ecl__job_column_count;

/* ---- reading: a backend's cells ------------------------------------------ */

typedef struct ecl__job_row ecl__job_row;

/* How a backend reads one cell of the current row. Instants read as Unix
 * seconds, flags as 0/1: the backend's SELECT expressions convert them.
 * `integer` reads NULL as 0 and `text` as NULL. */
typedef struct ecl__job_cells {
	int (*is_null)(const ecl__job_row *row, int col);
	int64_t (*integer)(const ecl__job_row *row, int col);
	const char *(*text)(const ecl__job_row *row, int col);
} ecl__job_cells;

struct ecl__job_row {
	const ecl__job_cells *cells;
	void *result;   /* the driver's statement or result */
	int row;        /* the row within `result`, where the driver has rows */
};

/* Read the job selected with ecl__job_select_list() from `row`, from column
 * 0. On failure (ECL_ESCHEMA, ECL_ENOMEM) the job is cleared. */
int ecl__job_read(ecl_job *job, const ecl__job_row *row);

/* Read an attempt row of: attempt, worker_id, started_at, ended_at, outcome,
 * error_message, error_class, processed_rows, imported_rows, failed_rows. */
int ecl__job_attempt_read(ecl_job_attempt *a, const ecl__job_row *row);

/* Read a job into a new last element of `out` (`*capacity` elements are
 * allocated); nothing is appended on failure. */
int ecl__job_array_read(ecl_job_array *out, size_t *capacity, const ecl__job_row *row);

/* Clear and drop the jobs of `out` after the first `keep`: what a failed
 * attempt appended goes, so a retried one starts clean. */
void ecl__job_array_truncate(ecl_job_array *out, size_t keep);

/* ---- writing: a backend's SQL dialect ------------------------------------- */

/* A value to bind: text kinds (BATCH_ID, TEXT, JSON, ENUM) use `text` (NULL
 * binds NULL); the others `number`, or NULL when `null` is set. */
typedef struct ecl__job_value {
	const char *text;
	int64_t number;
	int null;
} ecl__job_value;

/* Whether values of `kind` are bound as text. */
int ecl__job_kind_is_text(ecl__job_kind kind);

#define ECL__JOB_SQL_MAX 2048
/* The longest statement ecl__job_statement() writes. */
#define ECL__JOB_STATEMENT_MAX 4096
/* How many statements ecl__job_sql() keeps per dialect. */
#define ECL__JOB_STATEMENTS 4

typedef struct ecl__job_built {
	const char *format;            /* the key: a string literal's address */
	char sql[ECL__JOB_STATEMENT_MAX];
} ecl__job_built;

typedef struct ecl__job_dialect {
	/* How a column of each kind is selected: a format with one %s, its
	 * name; NULL selects the bare name. */
	const char *select[ECL__JOB_KINDS];
	/* Parameter n of each kind (every kind): a format with one %d, n. */
	const char *param[ECL__JOB_KINDS];
	/* Bind parameter n (called in increasing n) of `target` (the driver's
	 * statement or parameter list). */
	void (*bind)(void *target, int n, ecl__job_kind kind, const ecl__job_value *v);
	/* Built on first use by ecl__job_select_list() and ecl__job_insert_sql(). */
	int built;
	char select_list[ECL__JOB_SQL_MAX];
	char insert_sql[ECL__JOB_SQL_MAX];
	ecl__job_built statements[ECL__JOB_STATEMENTS];
} ecl__job_dialect;

/* The columns ecl__job_read() expects, in order, spelt for `d`. */
const char *ecl__job_select_list(ecl__job_dialect *d);

/* `format` with its first %s replaced by the select list of `d` and its
 * second (if any) by `tail`, in `out`: 0, or ECL_EINVALID when too long. */
int ecl__job_statement(char out[ECL__JOB_STATEMENT_MAX], ecl__job_dialect *d, const char *format,
                       const char *tail);

/* The same without a tail, built once per `format` (a string literal: its
 * address is the key) and kept: the claim, run for every job, builds
 * nothing. An overflow returns SQL that fails to prepare naming it. */
const char *ecl__job_sql(ecl__job_dialect *d, const char *format);

/* "INSERT INTO import_jobs (...) VALUES (...)" for one job, spelt for `d`. */
const char *ecl__job_insert_sql(ecl__job_dialect *d);

/* Bind the values of `job` to the statement of ecl__job_insert_sql(). */
void ecl__job_insert_bind(const ecl__job_dialect *d, void *target, const ecl_job *job);

/*
 * Write `around` with its %s replaced by "UPDATE import_jobs SET ... WHERE
 * ..." of `u` into `sql` (when not NULL; ECL__JOB_STATEMENT_MAX bytes) and
 * bind its values to `target` (when not NULL). Parameter 1 is the batch id.
 * A backend that must prepare before it binds walks twice: the SQL depends
 * only on the shape of the update, so the two walks agree. 0, or
 * ECL_EINVALID when the SQL does not fit.
 */
int ecl__job_update_sql(char *sql, void *target, const ecl__job_dialect *d,
                        const ecl_job_update *u, const char *around);

/* The error of an update that matched no row, from the row (status,
 * retry_count, worker_id from column `col`) the job has now; a NULL status
 * means there is no such job. ECL_ESTATE (with `found` filled in) or
 * ECL_ENOTFOUND. */
int ecl__job_refused(ecl_job_found *found, const ecl__job_row *row, int col, const char *batch_id);

/* ECL_ENOTFOUND naming the batch id. */
int ecl__job_not_found(const char *batch_id);

/* Finish a lookup by numeric id that read `found` (with outcome `rc`): its
 * one job moves to `out`, none is ECL_ENOTFOUND naming `id`; `found`'s
 * storage is freed either way. */
int ecl__job_take_by_id(ecl_job_array *found, ecl_job *out, int rc, int64_t id);

/* ---- a backend's job slots around its transaction runner ------------------- */

/* A backend's way of running `work` (a transaction, a retried read, one
 * statement in autocommit), whose one pointer carries the slot's arguments. */
typedef int (*ecl__job_runner)(ecl_backend_conn *conn, int (*work)(ecl_backend_conn *conn, void *ctx),
                               void *ctx, const char *doing);

/* The job_insert slot: `insert` (all the jobs) through `run`. */
int ecl__job_insert_with(ecl__job_runner run,
                         int (*insert)(ecl_backend_conn *conn, const ecl_job *jobs, size_t count),
                         ecl_backend_conn *conn, const ecl_job *jobs, size_t count);

/* The job_claim slot: `claim` through `run`. `claim` sets *claimed once `out`
 * holds the job; a failed or repeated attempt's job is cleared, so `out` is
 * filled only when the slot returns 0 with *claimed set. */
int ecl__job_claim_with(ecl__job_runner run,
                        int (*claim)(ecl_backend_conn *conn, const char *worker_id, int64_t now,
                                     ecl_job *out, int *claimed),
                        ecl_backend_conn *conn, const char *worker_id, int64_t now, ecl_job *out,
                        int *claimed);

/* The job_update slot: `apply` through `run`. */
int ecl__job_update_with(ecl__job_runner run,
                         int (*apply)(ecl_backend_conn *conn, const ecl_job_update *update,
                                      ecl_job_found *found),
                         ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found);

/* The job_get_id slot: `select` (appending the job whose id is `id`, if
 * any) through `run`, then ecl__job_take_by_id(). */
int ecl__job_get_id_with(ecl__job_runner run,
                         int (*select)(ecl_backend_conn *conn, int64_t id, ecl_job_array *out),
                         ecl_backend_conn *conn, int64_t id, ecl_job *out);

/* The job_delete slot: `delete_one` (one statement deleting the job unless
 * it is processing; `*changed` = the rows it deleted) through `run`. */
int ecl__job_delete_with(ecl__job_runner run,
                         int (*delete_one)(ecl_backend_conn *conn, const char *batch_id,
                                           int64_t *changed),
                         ecl_backend_conn *conn, const char *batch_id, int *deleted);

/* The jobs_expired slot: a page of expired jobs, with `remove` deleted in
 * the same transaction (`write`; otherwise `read`). `select` appends the
 * page (locking its rows when `lock`); `delete_ids` deletes the jobs of
 * `out` from `first` by id and reports how many went, which must be the
 * page's count. On failure what the attempt appended goes, so a retried one
 * starts clean. */
typedef struct ecl__expired_sql {
	int (*select)(ecl_backend_conn *conn, int64_t cutoff, size_t limit, int lock,
	              ecl_job_array *out);
	int (*delete_ids)(ecl_backend_conn *conn, const ecl_job_array *out, size_t first,
	                  int64_t *deleted);
} ecl__expired_sql;

int ecl__jobs_expired_with(ecl__job_runner write, ecl__job_runner read, const ecl__expired_sql *sql,
                           ecl_backend_conn *conn, int64_t cutoff, size_t limit, int remove,
                           ecl_job_array *out);

#endif
