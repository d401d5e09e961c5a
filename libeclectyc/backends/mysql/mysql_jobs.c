/* MySQL/MariaDB backend: the import_jobs table. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/common/job_columns.h"
#include "mysql_internal.h"

/* ---- the job column table's hooks ---------------------------------------- */

static int cell_is_null(const ecl__job_row *row, int col)
{
	return ecl__my_is_null(row->result, row->row, col);
}

static int64_t cell_integer(const ecl__job_row *row, int col)
{
	return ecl__my_get_int(row->result, row->row, col);
}

static const char *cell_text(const ecl__job_row *row, int col)
{
	return ecl__my_get_str(row->result, row->row, col);
}

static const ecl__job_cells cells = { cell_is_null, cell_integer, cell_text };

void ecl__my_job_row(ecl__job_row *row, const my_result *res, int i)
{
	row->cells = &cells;
	row->result = (my_result *)res;
	row->row = i;
}

/* Parameters are numbered (?n), so the batch id bound first may come last. */
static void bind_value(void *params, int n, ecl__job_kind kind, const ecl__job_value *v)
{
	if (ecl__job_kind_is_text(kind) || v->null)
		ecl__my_set_text(params, n, ecl__job_kind_is_text(kind) ? v->text : NULL);
	else
		ecl__my_set_int(params, n, v->number);
}

/* Instants are BIGINT seconds and flags TINYINT 0/1: every column is read as
 * it is and every parameter is plain. */
/* Also how the shared statements of statement.h spell and bind (driver.h). */
ecl__job_dialect ecl__my_dialect = {
	.param = { "?%d", "?%d", "?%d", "?%d", "?%d", "?%d", "?%d", "?%d" },
	.bind = bind_value,
};

/* ---- insert ------------------------------------------------------------------ */

int ecl__my_job_insert_in(ecl_backend_conn *conn, const ecl_job *jobs, size_t count)
{
	const char *sql = ecl__job_insert_sql(&ecl__my_dialect);
	int rc = 0;
	size_t i;

	for (i = 0; i < count && rc == 0; i++) {
		char doing[96];
		my_params p;

		ecl__my_params_init(&p);
		ecl__job_insert_bind(&ecl__my_dialect, &p, &jobs[i]);
		snprintf(doing, sizeof(doing), "inserting job %zu (%s)", i, jobs[i].batch_id);
		rc = ecl__my_command(conn, sql, &p, NULL, doing);
	}
	return rc;
}

int ecl__my_job_insert(ecl_backend_conn *conn, const ecl_job *jobs, size_t count)
{
	return ecl__job_insert_with(ecl__my_write, ecl__my_job_insert_in, conn, jobs, count);
}

/* ---- read -------------------------------------------------------------------- */

int ecl__my_jobs_where(ecl_backend_conn *conn, const char *tail, const my_params *p,
                       ecl_job_array *out, const char *doing)
{
	char sql[ECL__JOB_STATEMENT_MAX];
	size_t keep = out->count, capacity = out->count;
	my_result res;
	int i, rc = ecl__job_statement(sql, &ecl__my_dialect, "SELECT %s FROM import_jobs %s", tail);

	memset(&res, 0, sizeof(res));
	if (rc == 0)
		rc = ecl__my_query(&res, conn, sql, p, doing);
	for (i = 0; rc == 0 && i < res.rows; i++) {
		ecl__job_row row;

		ecl__my_job_row(&row, &res, i);
		rc = ecl__job_array_read(out, &capacity, &row);
	}
	if (rc != 0)
		ecl__job_array_truncate(out, keep);
	ecl__my_result_free(&res);
	return rc;
}

typedef struct get_ctx {
	const char *batch_id;
	ecl_job *out;
} get_ctx;

static int get_one(ecl_backend_conn *conn, void *opaque)
{
	get_ctx *ctx = opaque;
	ecl_job_array found = { NULL, 0 };
	my_params p;
	int rc;

	ecl__my_params_init(&p);
	ecl__my_text(&p, ctx->batch_id);
	rc = ecl__my_jobs_where(conn, "WHERE batch_id = ?1", &p, &found, "reading a job");
	if (rc == 0 && found.count == 1) {
		*ctx->out = found.jobs[0];
		memset(&found.jobs[0], 0, sizeof(found.jobs[0]));
	} else if (rc == 0) {
		rc = ecl__job_not_found(ctx->batch_id);
	}
	ecl__job_array_truncate(&found, 0);
	free(found.jobs);
	return rc;
}

int ecl__my_job_get(ecl_backend_conn *conn, const char *batch_id, ecl_job *out)
{
	get_ctx ctx = { batch_id, out };

	return ecl__my_read(conn, get_one, &ctx, "reading a job");
}

typedef struct where_ctx {
	const char *tail;
	const my_params *p;
	ecl_job_array *out;
	const char *doing;
} where_ctx;

static int read_where(ecl_backend_conn *conn, void *opaque)
{
	where_ctx *ctx = opaque;

	return ecl__my_jobs_where(conn, ctx->tail, ctx->p, ctx->out, ctx->doing);
}

int ecl__my_jobs_read(ecl_backend_conn *conn, const char *tail, const my_params *p,
                      ecl_job_array *out, const char *doing)
{
	where_ctx ctx = { tail, p, out, doing };

	return ecl__my_read(conn, read_where, &ctx, doing);
}

int ecl__my_job_list(ecl_backend_conn *conn, const ecl_job_list_options *o, ecl_job_array *out)
{
	my_params p;

	ecl__my_params_init(&p);
	ecl__my_text(&p, o->status != ECL_JOB_ANY ? ecl_job_status_name((ecl_job_status)o->status) : NULL);
	ecl__my_int(&p, o->limit ? (int64_t)o->limit : INT64_MAX);
	ecl__my_text(&p, o->priority != ECL_JOB_ANY ? ecl_priority_name((ecl_priority)o->priority) : NULL);
	return ecl__my_jobs_read(conn, "WHERE (?1 IS NULL OR status = ?1) AND (?3 IS NULL OR priority = ?3)"
		" ORDER BY queued_at DESC, id DESC LIMIT ?2", &p, out, "listing jobs");
}

/* ---- claim ------------------------------------------------------------------- */

typedef struct claim_ctx {
	const char *worker_id;
	int64_t now;
	ecl_job *out;
	int *claimed;
} claim_ctx;

/* Jobs read per round of a claim (more than there are claimers at once,
 * usually, so that one round finds a job no other claimer holds). */
#define CLAIM_CANDIDATES 32
#define CLAIM_CANDIDATES_TEXT "32"

/* Up to CLAIM_CANDIDATES due jobs of `types` (a comma-joined list, or NULL
 * for any) in claim order, read without locking: from the first (after ==
 * NULL), or after the job `after` (priority rank, queued_at, id). Both must read the claim index in its order and stop at
 * the LIMIT. MariaDB 10.11 sorted the whole queue instead for every claim
 * (a filesort: 8 ms a claim with 4,000 queued) when the ORDER BY named
 * `status` too, or when the keyset was an OR of its parts, as prepared
 * statements (the same SQL as text did not). */
static int read_candidates(ecl_backend_conn *conn, const char *types, int64_t now,
                           const int64_t *after, my_result *res)
{
	my_params p;

	ecl__my_params_init(&p);
	ecl__my_int(&p, now);
	ecl__my_text(&p, types);
	if (after == NULL)
		return ecl__my_query(res, conn, "SELECT id, priority_rank, queued_at FROM import_jobs"
			" FORCE INDEX (idx_import_jobs_claim) WHERE status = 'queued'"
			" AND (retry_at IS NULL OR retry_at <= ?1)"
			" AND (?2 IS NULL OR FIND_IN_SET(import_type, ?2))"
			" ORDER BY priority_rank, queued_at, id LIMIT " CLAIM_CANDIDATES_TEXT, &p,
			"claiming a job");
	ecl__my_int(&p, after[0]);
	ecl__my_int(&p, after[1]);
	ecl__my_int(&p, after[2]);
	return ecl__my_query(res, conn, "SELECT id, priority_rank, queued_at FROM import_jobs"
		" FORCE INDEX (idx_import_jobs_claim) WHERE status = 'queued'"
		" AND (retry_at IS NULL OR retry_at <= ?1)"
		" AND (?2 IS NULL OR FIND_IN_SET(import_type, ?2))"
		" AND (priority_rank, queued_at, id) > (?3, ?4, ?5)"
		" ORDER BY priority_rank, queued_at, id LIMIT " CLAIM_CANDIDATES_TEXT, &p,
		"claiming a job");
}

/* Lock job `id` through the primary key unless another claimer holds it,
 * and only while it is still queued and due: *locked = id, or 0. */
static int lock_candidate(ecl_backend_conn *conn, int64_t now, int64_t id, int64_t *locked)
{
	my_result res;
	my_params p;
	int rc;

	ecl__my_params_init(&p);
	ecl__my_int(&p, now);
	ecl__my_int(&p, id);
	rc = ecl__my_query(&res, conn, "SELECT id FROM import_jobs WHERE id = ?2 AND status = 'queued'"
		" AND (retry_at IS NULL OR retry_at <= ?1) FOR UPDATE SKIP LOCKED", &p, "claiming a job");
	if (rc == 0 && res.rows == 1)
		*locked = id;
	ecl__my_result_free(&res);
	return rc;
}

/* The first due job in claim order that no other claimer holds, locked
 * (*id; 0 when there is none). SKIP LOCKED over the claim index itself
 * would be one statement, but it is only right while the server reads the
 * index in order: a filesort reads (and, FOR UPDATE, locks until COMMIT)
 * every queued row, and the other claimers then skip them all
 * (test_concurrent_claims_mysql: claimers found no job, or a later one,
 * with hundreds queued). So the candidates are read in claim order without
 * locking, and locked one by one by primary key, each checked again under
 * its lock: whatever the plan, a claim never skips a free job. */
static int lock_first_due(ecl_backend_conn *conn, const char *types, int64_t now, int64_t *id)
{
	int64_t after[3] = { 0, 0, 0 };
	int more = 1, paged = 0, rc = 0, i;

	*id = 0;
	while (rc == 0 && *id == 0 && more) {
		my_result res;

		rc = read_candidates(conn, types, now, paged ? after : NULL, &res);
		for (i = 0; rc == 0 && *id == 0 && i < res.rows; i++)
			rc = lock_candidate(conn, now, ecl__my_get_int(&res, i, 0), id);
		more = rc == 0 && res.rows == CLAIM_CANDIDATES;
		if (more) {
			after[0] = ecl__my_get_int(&res, res.rows - 1, 1);
			after[1] = ecl__my_get_int(&res, res.rows - 1, 2);
			after[2] = ecl__my_get_int(&res, res.rows - 1, 0);
			paged = 1;
		}
		ecl__my_result_free(&res);
	}
	return rc;
}

/* MySQL has no UPDATE … RETURNING: in one transaction, lock the first due
 * job no other claimer holds (claimers never wait on each other and never
 * take the same job), move it to processing, read it back. */
int ecl__my_claim_one(ecl_backend_conn *conn, const char *types, const char *worker_id,
                      int64_t now, ecl_job *out, int *claimed)
{
	ecl_job_array got = { NULL, 0 };
	my_params p;
	int64_t id = 0;
	int rc = lock_first_due(conn, types, now, &id);

	if (rc != 0 || id == 0)
		return rc;
	ecl__my_params_init(&p);
	ecl__my_text(&p, worker_id);
	ecl__my_int(&p, now);
	ecl__my_int(&p, id);
	rc = ecl__my_command(conn, "UPDATE import_jobs SET status = 'processing', worker_id = ?1,"
		" started_at = ?2, heartbeat_at = ?2, status_changed_at = ?2, error_message = NULL"
		" WHERE id = ?3", &p, NULL, "claiming a job");
	if (rc == 0)
		rc = ecl__my_jobs_where(conn, "WHERE id = ?3", &p, &got, "reading the claimed job");
	if (rc == 0 && got.count == 1) {
		*out = got.jobs[0];
		memset(&got.jobs[0], 0, sizeof(got.jobs[0]));
		*claimed = 1;
	}
	ecl__job_array_truncate(&got, 0);
	free(got.jobs);
	return rc;
}


/* ---- conditional update ------------------------------------------------------- */

/* Apply an update (in the caller's transaction, or alone). The rows matched
 * are the server's "Rows matched" (an update that sets what is there
 * already still matched); on none, the job as found explains the refusal. */
int ecl__my_apply_job_update(ecl_backend_conn *conn, const ecl_job_update *update,
                             ecl_job_found *found)
{
	char sql[ECL__JOB_STATEMENT_MAX];
	my_result res;
	my_params p;
	int64_t matched = 0;
	int rc;

	memset(&res, 0, sizeof(res));
	ecl__my_params_init(&p);
	rc = ecl__job_update_sql(sql, &p, &ecl__my_dialect, update, "%s");
	if (rc == 0)
		rc = ecl__my_command(conn, sql, &p, &matched, "updating a job");
	if (rc == 0 && matched == 0) {
		ecl__my_params_init(&p);
		ecl__my_text(&p, update->batch_id);
		rc = ecl__my_query(&res, conn, "SELECT 0, j.status, j.retry_count, j.worker_id"
			" FROM (SELECT 1 AS one) one LEFT JOIN import_jobs j ON j.batch_id = ?1", &p,
			"updating a job");
		if (rc == 0) {
			ecl__job_row row;

			ecl__my_job_row(&row, &res, 0);
			rc = ecl__job_refused(found, &row, 1, update->batch_id);
		}
	}
	ecl__my_result_free(&res);
	return rc;
}

int ecl__my_job_update(ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found)
{
	/* A transaction: the refusal is read in the same one as the update. */
	return ecl__job_update_with(ecl__my_write, ecl__my_apply_job_update, conn, update, found);
}
