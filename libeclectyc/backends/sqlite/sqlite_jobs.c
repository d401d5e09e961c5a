/* SQLite backend: the import_jobs table. */
#include <stdio.h>

#include "backends/common/job_columns.h"
#include "sqlite_internal.h"

/* Claim order; must match idx_import_jobs_claim exactly so the index is used. */
#define PRIORITY_RANK \
	"(CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END)"

/* ---- the job column table's hooks ---------------------------------------- */

static int cell_is_null(const ecl__job_row *row, int col)
{
	return sqlite3_column_type(row->result, col) == SQLITE_NULL;
}

static int64_t cell_integer(const ecl__job_row *row, int col)
{
	return sqlite3_column_int64(row->result, col);
}

static const char *cell_text(const ecl__job_row *row, int col)
{
	return (const char *)sqlite3_column_text(row->result, col);
}

static const ecl__job_cells cells = { cell_is_null, cell_integer, cell_text };

void ecl__sqlite_job_row(ecl__job_row *row, sqlite3_stmt *stmt)
{
	row->cells = &cells;
	row->result = stmt;
	row->row = 0;
}

static void bind_value(void *stmt, int n, ecl__job_kind kind, const ecl__job_value *v)
{
	if (ecl__job_kind_is_text(kind))
		ecl__sqlite_bind_text(stmt, n, v->text);
	else if (v->null)
		sqlite3_bind_null(stmt, n);
	else
		sqlite3_bind_int64(stmt, n, v->number);
}

/* SQLite stores instants as integers and flags as 0/1: every column is read
 * as it is and every parameter is plain. */
/* Also how the shared statements of statement.h spell and bind (driver.h). */
ecl__job_dialect ecl__sqlite_dialect = {
	.param = { "?%d", "?%d", "?%d", "?%d", "?%d", "?%d", "?%d", "?%d" },
	.bind = bind_value,
};

/* Read the current row of `s` (selected with the job columns). */
static int read_job(ecl_job *job, sqlite3_stmt *s)
{
	ecl__job_row row;

	ecl__sqlite_job_row(&row, s);
	return ecl__job_read(job, &row);
}

/* ---- insert ------------------------------------------------------------- */

int ecl__sqlite_job_insert_in(ecl_backend_conn *conn, const ecl_job *jobs, size_t count)
{
	sqlite3_stmt *s;
	size_t i;
	int rc = ecl__sqlite_prepare(&s, conn, ecl__job_insert_sql(&ecl__sqlite_dialect));

	for (i = 0; rc == 0 && i < count; i++) {
		int step;

		ecl__job_insert_bind(&ecl__sqlite_dialect, s, &jobs[i]);
		step = sqlite3_step(s);
		if (step != SQLITE_DONE) {
			char doing[96];
			snprintf(doing, sizeof(doing), "inserting job %zu (%s)", i, jobs[i].batch_id);
			rc = ecl__sqlite_error(conn, step, doing);
		}
		ecl__sqlite_done(s);
	}
	return rc;
}

int ecl__sqlite_job_insert(ecl_backend_conn *conn, const ecl_job *jobs, size_t count)
{
	return ecl__job_insert_with(ecl__sqlite_write, ecl__sqlite_job_insert_in, conn, jobs, count);
}

/* ---- read --------------------------------------------------------------- */

/* A look-up of one job that stepped to `step`, not to a row: no such job,
 * or the error. */
static int no_row(ecl_backend_conn *conn, int step, const char *batch_id)
{
	if (step == SQLITE_DONE)
		return ecl__job_not_found(batch_id);
	return ecl__sqlite_error(conn, step, "reading a job");
}

int ecl__sqlite_job_get(ecl_backend_conn *conn, const char *batch_id, ecl_job *out)
{
	sqlite3_stmt *s;
	int step, rc = ecl__sqlite_prepare(&s, conn,
		ecl__job_sql(&ecl__sqlite_dialect, "SELECT %s FROM import_jobs WHERE batch_id = ?1"));

	if (rc != 0)
		return rc;
	sqlite3_bind_text(s, 1, batch_id, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	rc = step == SQLITE_ROW ? read_job(out, s) : no_row(conn, step, batch_id);
	ecl__sqlite_done(s);
	return rc;
}

/* Append every row of `s` to `out`; on failure, what this call appended goes. */
static int append_rows(ecl_backend_conn *conn, sqlite3_stmt *s, ecl_job_array *out, const char *doing)
{
	size_t keep = out->count, capacity = out->count;
	int step = SQLITE_ROW, rc = 0;
	ecl__job_row row;

	ecl__sqlite_job_row(&row, s);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = ecl__job_array_read(out, &capacity, &row);
	if (rc == 0 && step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, doing);
	ecl__sqlite_done(s);
	if (rc != 0)
		ecl__job_array_truncate(out, keep);
	return rc;
}

int ecl__sqlite_jobs_where(ecl_backend_conn *conn, const char *tail, int64_t p1, int64_t p2,
                           ecl_job_array *out, const char *doing)
{
	char sql[ECL__JOB_STATEMENT_MAX];
	sqlite3_stmt *s;
	int rc = ecl__job_statement(sql, &ecl__sqlite_dialect, "SELECT %s FROM import_jobs %s", tail);

	if (rc == 0)
		rc = ecl__sqlite_prepare(&s, conn, sql);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(s, 1, p1);
	sqlite3_bind_int64(s, 2, p2);
	return append_rows(conn, s, out, doing);
}

int ecl__sqlite_job_list(ecl_backend_conn *conn, const ecl_job_list_options *opts, ecl_job_array *out)
{
	sqlite3_stmt *s;
	int rc = ecl__sqlite_prepare(&s, conn, ecl__job_sql(&ecl__sqlite_dialect, "SELECT %s FROM import_jobs"
		" WHERE (?1 IS NULL OR status = ?1) AND (?3 IS NULL OR priority = ?3)"
		" ORDER BY queued_at DESC, id DESC LIMIT ?2"));

	if (rc != 0)
		return rc;
	if (opts->status != ECL_JOB_ANY)
		sqlite3_bind_text(s, 1, ecl_job_status_name((ecl_job_status)opts->status), -1, SQLITE_STATIC);
	if (opts->priority != ECL_JOB_ANY)
		sqlite3_bind_text(s, 3, ecl_priority_name((ecl_priority)opts->priority), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, opts->limit ? (sqlite3_int64)opts->limit : -1);
	return append_rows(conn, s, out, "listing jobs");
}

/* ---- claim -------------------------------------------------------------- */

/* Step the claim: a row is the job claimed. RETURNING rows come before the
 * statement completes, so it is stepped once more. */
static int step_claim(ecl_backend_conn *conn, sqlite3_stmt *s, ecl_job *out, int *claimed)
{
	int step = sqlite3_step(s), rc = 0;

	if (step == SQLITE_ROW && (rc = read_job(out, s)) == 0) {
		*claimed = 1;
		step = sqlite3_step(s);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, "claiming a job");
	return rc;
}

int ecl__sqlite_claim_one(ecl_backend_conn *conn, const char *types, const char *worker_id,
                          int64_t now, ecl_job *out, int *claimed)
{
	sqlite3_stmt *s;
	int rc = ecl__sqlite_prepare(&s, conn, ecl__job_sql(&ecl__sqlite_dialect,
		"UPDATE import_jobs SET status = 'processing', worker_id = ?1, started_at = ?2,"
		" heartbeat_at = ?2, status_changed_at = ?2, error_message = NULL"
		/* INDEXED BY: left to itself the planner prefers the status index and
		 * sorts every queued job, making a drain of n jobs O(n^2). */
		" WHERE id = (SELECT id FROM import_jobs INDEXED BY idx_import_jobs_claim"
		"             WHERE status = 'queued'"
		"             AND (retry_at IS NULL OR retry_at <= ?2)"
		"             AND (?3 IS NULL OR instr(',' || ?3 || ',', ',' || import_type || ',') > 0)"
		"             ORDER BY " PRIORITY_RANK ", queued_at, id LIMIT 1)"
		" AND status = 'queued' RETURNING %s"));

	if (rc != 0)
		return rc;
	sqlite3_bind_text(s, 1, worker_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, types, -1, SQLITE_STATIC);
	rc = step_claim(conn, s, out, claimed);
	ecl__sqlite_done(s);
	return rc;
}


/* ---- conditional update ------------------------------------------------- */

/* Why an update matched no row: the job is missing, or what it is now. */
static int explain_miss(ecl_backend_conn *conn, const char *batch_id, ecl_job_found *found)
{
	sqlite3_stmt *s;
	ecl__job_row row;
	int step, rc = ecl__sqlite_prepare(&s, conn,
		"SELECT status, retry_count, worker_id FROM import_jobs WHERE batch_id = ?1");

	if (rc != 0)
		return rc;
	sqlite3_bind_text(s, 1, batch_id, -1, SQLITE_STATIC);
	ecl__sqlite_job_row(&row, s);
	step = sqlite3_step(s);
	rc = step == SQLITE_ROW ? ecl__job_refused(found, &row, 0, batch_id) : no_row(conn, step, batch_id);
	ecl__sqlite_done(s);
	return rc;
}

/*
 * Apply an update inside the caller's transaction. The SQL depends only on
 * which fields the update sets and which conditions it has, so the same
 * shape reuses one cached statement; it is written, prepared, then walked
 * again to bind.
 */
int ecl__sqlite_apply_job_update(ecl_backend_conn *conn, const ecl_job_update *update,
                                 ecl_job_found *found)
{
	char sql[ECL__JOB_STATEMENT_MAX];
	sqlite3_stmt *s;
	int step, rc = ecl__job_update_sql(sql, NULL, &ecl__sqlite_dialect, update, NULL);

	if (rc == 0)
		rc = ecl__sqlite_prepare(&s, conn, sql);
	if (rc != 0)
		return rc;
	ecl__job_update_sql(NULL, s, &ecl__sqlite_dialect, update, NULL);
	step = sqlite3_step(s);
	ecl__sqlite_done(s);
	if (step != SQLITE_DONE)
		return ecl__sqlite_error(conn, step, "updating a job");
	if (sqlite3_changes(conn->db) == 0)
		return explain_miss(conn, update->batch_id, found);
	return 0;
}

int ecl__sqlite_job_update(ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found)
{
	return ecl__job_update_with(ecl__sqlite_write, ecl__sqlite_apply_job_update, conn, update, found);
}

/* ---- for hosts: by numeric id, delete ------------------------------------------ */

int ecl__sqlite_job_get_id(ecl_backend_conn *conn, int64_t id, ecl_job *out)
{
	ecl_job_array found = { NULL, 0 };
	int rc = ecl__sqlite_jobs_where(conn, "WHERE id = ?1 AND ?2 = 0", id, 0, &found,
		"reading a job by id");

	return ecl__job_take_by_id(&found, out, rc, id);
}

/* One statement: the attempts go by their foreign key's cascade. */
int ecl__sqlite_job_delete(ecl_backend_conn *conn, const char *batch_id, int *deleted)
{
	sqlite3_stmt *s;
	int step, rc = ecl__sqlite_prepare(&s, conn,
		"DELETE FROM import_jobs WHERE batch_id = ?1 AND status <> 'processing'");

	*deleted = 0;
	if (rc != 0)
		return rc;
	sqlite3_bind_text(s, 1, batch_id, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	ecl__sqlite_done(s);
	if (step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, "deleting a job");
	else
		*deleted = sqlite3_changes(conn->db) > 0;
	return rc;
}
