/* PostgreSQL backend: the import_jobs table. */
#include <stdio.h>

#include "backends/common/job_columns.h"
#include "pgsql_internal.h"

/* Claim order; must match idx_import_jobs_claim exactly so the index is used. */
#define PRIORITY_RANK \
	"(CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END)"

/* ---- the job column table's hooks ---------------------------------------- */

static int cell_is_null(const ecl__job_row *row, int col)
{
	return PQgetisnull(row->result, row->row, col);
}

static int64_t cell_integer(const ecl__job_row *row, int col)
{
	return ecl__pg_get_int(row->result, row->row, col);
}

static const char *cell_text(const ecl__job_row *row, int col)
{
	if (PQgetisnull(row->result, row->row, col))
		return NULL;
	return PQgetvalue(row->result, row->row, col);
}

static const ecl__job_cells cells = { cell_is_null, cell_integer, cell_text };

void ecl__pg_job_row(ecl__job_row *row, const PGresult *res, int i)
{
	row->cells = &cells;
	row->result = (PGresult *)res;
	row->row = i;
}

/* pg_params numbers its parameters in the order they come, which is n. */
static void bind_value(void *params, int n, ecl__job_kind kind, const ecl__job_value *v)
{
	(void)n;
	if (ecl__job_kind_is_text(kind))
		ecl__pg_text(params, v->text);
	else if (v->null)
		ecl__pg_text(params, NULL);
	else if (kind == ECL__JOB_BOOL)
		ecl__pg_bool(params, (int)v->number);
	else
		ecl__pg_int(params, v->number);
}

/* Instants are timestamptz and flags boolean: read as Unix seconds and 0/1,
 * written through to_timestamp() and text casts. */
/* Also how the shared statements of statement.h spell and bind (driver.h). */
ecl__job_dialect ecl__pg_dialect = {
	.select = {
		[ECL__JOB_BOOL] = "%s::int",
		[ECL__JOB_INSTANT] = ECL_PG_EPOCH("%s"),
	},
	.param = {
		[ECL__JOB_BATCH_ID] = "$%d::text",
		[ECL__JOB_INT64] = "$%d::bigint",
		[ECL__JOB_INT] = "$%d::integer",
		[ECL__JOB_BOOL] = "$%d::boolean",
		[ECL__JOB_INSTANT] = "to_timestamp($%d::bigint)",
		[ECL__JOB_TEXT] = "$%d::text",
		[ECL__JOB_JSON] = "$%d::json",
		[ECL__JOB_ENUM] = "$%d::text",
	},
	.bind = bind_value,
};

/* Read row `i` of `res` (selected with the job columns). */
static int read_job(ecl_job *job, const PGresult *res, int i)
{
	ecl__job_row row;

	ecl__pg_job_row(&row, res, i);
	return ecl__job_read(job, &row);
}

/* ---- insert ------------------------------------------------------------------ */

int ecl__pg_job_insert_in(ecl_backend_conn *conn, const ecl_job *jobs, size_t count)
{
	const char *sql = ecl__job_insert_sql(&ecl__pg_dialect);
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < count; i++) {
		char doing[96];
		pg_params p;

		ecl__pg_params_init(&p);
		ecl__job_insert_bind(&ecl__pg_dialect, &p, &jobs[i]);
		snprintf(doing, sizeof(doing), "inserting job %zu (%s)", i, jobs[i].batch_id);
		rc = ecl__pg_command(conn, sql, &p, NULL, doing);
	}
	return rc;
}

int ecl__pg_job_insert(ecl_backend_conn *conn, const ecl_job *jobs, size_t count)
{
	return ecl__job_insert_with(ecl__pg_write, ecl__pg_job_insert_in, conn, jobs, count);
}

/* ---- read -------------------------------------------------------------------- */

typedef struct get_ctx {
	const char *batch_id;
	ecl_job *out;
} get_ctx;

static int get_one(ecl_backend_conn *conn, void *opaque)
{
	get_ctx *ctx = opaque;
	PGresult *res = NULL;
	pg_params p;
	int rc;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, ctx->batch_id);
	rc = ecl__pg_query(&res, conn, ecl__job_sql(&ecl__pg_dialect,
		"SELECT %s FROM import_jobs WHERE batch_id = $1::text"), &p, "reading a job");
	if (rc == 0 && PQntuples(res) == 1)
		rc = read_job(ctx->out, res, 0);
	else if (rc == 0)
		rc = ecl__job_not_found(ctx->batch_id);
	PQclear(res);
	return rc;
}

int ecl__pg_job_get(ecl_backend_conn *conn, const char *batch_id, ecl_job *out)
{
	get_ctx ctx = { batch_id, out };

	return ecl__pg_read(conn, get_one, &ctx, "reading a job");
}

/* Append the rows of `res` to `out`; on failure, what this call appended goes. */
static int append_jobs(ecl_job_array *out, const PGresult *res)
{
	size_t keep = out->count, capacity = out->count;
	int i, rc = 0;
	ecl__job_row row;

	for (i = 0; rc == 0 && i < PQntuples(res); i++) {
		ecl__pg_job_row(&row, res, i);
		rc = ecl__job_array_read(out, &capacity, &row);
	}
	if (rc != 0)
		ecl__job_array_truncate(out, keep);
	return rc;
}

int ecl__pg_jobs_where(ecl_backend_conn *conn, const char *tail, const pg_params *p,
                       ecl_job_array *out, const char *doing)
{
	char sql[ECL__JOB_STATEMENT_MAX];
	PGresult *res = NULL;
	int rc = ecl__job_statement(sql, &ecl__pg_dialect, "SELECT %s FROM import_jobs %s", tail);

	if (rc == 0)
		rc = ecl__pg_query(&res, conn, sql, p, doing);
	if (rc == 0)
		rc = append_jobs(out, res);
	PQclear(res);
	return rc;
}

typedef struct list_ctx {
	const ecl_job_list_options *opts;
	ecl_job_array *out;
} list_ctx;

static int list_jobs(ecl_backend_conn *conn, void *opaque)
{
	list_ctx *ctx = opaque;
	pg_params p;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, ctx->opts->status != ECL_JOB_ANY
		? ecl_job_status_name((ecl_job_status)ctx->opts->status) : NULL);
	if (ctx->opts->limit)
		ecl__pg_int(&p, (int64_t)ctx->opts->limit);
	else
		ecl__pg_text(&p, NULL);
	ecl__pg_text(&p, ctx->opts->priority != ECL_JOB_ANY
		? ecl_priority_name((ecl_priority)ctx->opts->priority) : NULL);
	return ecl__pg_jobs_where(conn, "WHERE ($1::text IS NULL OR status = $1::text) "
		"AND ($3::text IS NULL OR priority = $3::text) "
		"ORDER BY queued_at DESC, id DESC LIMIT $2::bigint", &p, ctx->out, "listing jobs");
}

int ecl__pg_job_list(ecl_backend_conn *conn, const ecl_job_list_options *opts, ecl_job_array *out)
{
	list_ctx ctx = { opts, out };

	return ecl__pg_read(conn, list_jobs, &ctx, "listing jobs");
}

/* ---- claim ------------------------------------------------------------------- */

/* One statement, one round trip: the subquery locks the first due job that
 * no other claimer holds (SKIP LOCKED: claimers never wait on each other
 * and never take the same job), the update moves it to processing. */
int ecl__pg_claim_one(ecl_backend_conn *conn, const char *types, const char *worker_id,
                      int64_t now, ecl_job *out, int *claimed)
{
	PGresult *res = NULL;
	pg_params p;
	const char *sql = ecl__job_sql(&ecl__pg_dialect,
		"UPDATE import_jobs SET status = 'processing', worker_id = $1::text,"
		" started_at = to_timestamp($2::bigint), heartbeat_at = to_timestamp($2::bigint),"
		" status_changed_at = to_timestamp($2::bigint), error_message = NULL"
		" WHERE id = (SELECT id FROM import_jobs WHERE status = 'queued'"
		"             AND (retry_at IS NULL OR retry_at <= to_timestamp($2::bigint))"
		"             AND ($3::text IS NULL OR import_type = ANY (string_to_array($3::text, ',')))"
		"             ORDER BY " PRIORITY_RANK ", queued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
		" AND status = 'queued' RETURNING %s");
	int rc;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, worker_id);
	ecl__pg_int(&p, now);
	ecl__pg_text(&p, types);
	rc = ecl__pg_query(&res, conn, sql, &p, "claiming a job");
	if (rc == 0 && PQntuples(res) == 1 && (rc = read_job(out, res, 0)) == 0)
		*claimed = 1;
	PQclear(res);
	return rc;
}


/* ---- conditional update ------------------------------------------------------- */

/*
 * Apply an update (in the caller's transaction, or alone in autocommit). The
 * SQL depends only on the shape of the update, so the same shape reuses one
 * prepared statement. The statement also reads what the job was, so a
 * refusal is explained without a second round trip.
 */
int ecl__pg_apply_job_update(ecl_backend_conn *conn, const ecl_job_update *update,
                             ecl_job_found *found)
{
	char sql[ECL__JOB_STATEMENT_MAX];
	PGresult *res = NULL;
	ecl__job_row row;
	pg_params p;
	int rc;

	ecl__pg_params_init(&p);
	rc = ecl__job_update_sql(sql, &p, &ecl__pg_dialect, update,
		"WITH u AS (%s RETURNING 1) SELECT (SELECT count(*) FROM u), j.status, j.retry_count,"
		" j.worker_id FROM (SELECT 1) one LEFT JOIN import_jobs j ON j.batch_id = $1::text");
	if (rc == 0)
		rc = ecl__pg_query(&res, conn, sql, &p, "updating a job");
	if (rc == 0 && ecl__pg_get_int(res, 0, 0) == 0) {
		ecl__pg_job_row(&row, res, 0);
		rc = ecl__job_refused(found, &row, 1, update->batch_id);
	}
	PQclear(res);
	return rc;
}

int ecl__pg_job_update(ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found)
{
	/* One statement in autocommit: one round trip. */
	return ecl__job_update_with(ecl__pg_once, ecl__pg_apply_job_update, conn, update, found);
}

/* ---- for hosts: by numeric id, delete ------------------------------------------ */

static int select_by_id(ecl_backend_conn *conn, int64_t id, ecl_job_array *out)
{
	pg_params p;

	ecl__pg_params_init(&p);
	ecl__pg_int(&p, id);
	return ecl__pg_jobs_where(conn, "WHERE id = $1::bigint", &p, out, "reading a job by id");
}

int ecl__pg_job_get_id(ecl_backend_conn *conn, int64_t id, ecl_job *out)
{
	return ecl__job_get_id_with(ecl__pg_read, select_by_id, conn, id, out);
}

/* The attempts go by their foreign key's cascade. */
static int delete_one(ecl_backend_conn *conn, const char *batch_id, int64_t *changed)
{
	pg_params p;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, batch_id);
	return ecl__pg_command(conn, "DELETE FROM import_jobs WHERE batch_id = $1::text"
		" AND status <> 'processing'", &p, changed, "deleting a job");
}

int ecl__pg_job_delete(ecl_backend_conn *conn, const char *batch_id, int *deleted)
{
	return ecl__job_delete_with(ecl__pg_write, delete_one, conn, batch_id, deleted);
}
