/* PostgreSQL backend: the import_jobs table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buffer_internal.h"
#include "pgsql_internal.h"
#include "util/strutil.h"

#define JOB_COLUMNS \
	"id, batch_id, user_id, filename, file_path, import_type, status, dry_run::int, total_rows, " \
	"processed_rows, imported_rows, failed_rows, " ECL_PG_EPOCH("queued_at") ", " \
	ECL_PG_EPOCH("started_at") ", " ECL_PG_EPOCH("completed_at") ", " \
	"error_message, summary, retry_count, max_retries, " ECL_PG_EPOCH("retry_at") ", last_error, " \
	"notes, priority, tags, metadata, alert_sent::int, " ECL_PG_EPOCH("alert_sent_at") ", " \
	"worker_id, " ECL_PG_EPOCH("heartbeat_at") ", cancel_requested::int, checkpoint, " \
	"file_sha256, error_class, import_profile, import_meter, import_clock, file_size, " \
	ECL_PG_EPOCH("file_mtime") ", file_inode"

/* Claim order; must match idx_import_jobs_claim exactly so the index is used. */
#define PRIORITY_RANK "(CASE priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END)"

static int64_t column_time(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? ECL_TIME_NONE : ecl__pg_get_int(r, row, col);
}

static int parse_enum(int *out, int rc, const char *text, const char *what, const char *batch_id)
{
	if (rc != 0)
		return rc;
	if (strcmp(what, "status") == 0)
		rc = ecl_job_status_parse((ecl_job_status *)out, text);
	else if (strcmp(what, "priority") == 0)
		rc = ecl_priority_parse((ecl_priority *)out, text);
	else
		rc = ecl_import_type_parse((ecl_import_type *)out, text);
	if (rc != 0)
		rc = ecl_error_set(ECL_ESCHEMA, "job %s has %s \"%s\", which this library does not know",
			batch_id, what, text ? text : "NULL");
	return rc;
}

/* Read row `i` selected with JOB_COLUMNS. On failure the job is cleared. */
static int read_job(ecl_job *job, const PGresult *r, int i)
{
	int oom = 0, rc = 0;

	memset(job, 0, sizeof(*job));
	job->id = ecl__pg_get_int(r, i, 0);
	ecl__strlcpy(job->batch_id, PQgetvalue(r, i, 1), sizeof(job->batch_id));
	job->user_id = ecl__pg_get_int(r, i, 2);
	job->filename = ecl__pg_get_text(r, i, 3, &oom);
	job->file_path = ecl__pg_get_text(r, i, 4, &oom);
	rc = parse_enum((int *)&job->import_type, rc, PQgetvalue(r, i, 5), "import type", job->batch_id);
	rc = parse_enum((int *)&job->status, rc, PQgetvalue(r, i, 6), "status", job->batch_id);
	job->dry_run = (int)ecl__pg_get_int(r, i, 7);
	job->total_rows = PQgetisnull(r, i, 8) ? -1 : ecl__pg_get_int(r, i, 8);
	job->processed_rows = ecl__pg_get_int(r, i, 9);
	job->imported_rows = ecl__pg_get_int(r, i, 10);
	job->failed_rows = ecl__pg_get_int(r, i, 11);
	job->queued_at = column_time(r, i, 12);
	job->started_at = column_time(r, i, 13);
	job->completed_at = column_time(r, i, 14);
	job->error_message = ecl__pg_get_text(r, i, 15, &oom);
	job->summary = ecl__pg_get_text(r, i, 16, &oom);
	job->retry_count = (int)ecl__pg_get_int(r, i, 17);
	job->max_retries = (int)ecl__pg_get_int(r, i, 18);
	job->retry_at = column_time(r, i, 19);
	job->last_error = ecl__pg_get_text(r, i, 20, &oom);
	job->notes = ecl__pg_get_text(r, i, 21, &oom);
	rc = parse_enum((int *)&job->priority, rc, PQgetvalue(r, i, 22), "priority", job->batch_id);
	job->tags = ecl__pg_get_text(r, i, 23, &oom);
	job->metadata = ecl__pg_get_text(r, i, 24, &oom);
	job->alert_sent = (int)ecl__pg_get_int(r, i, 25);
	job->alert_sent_at = column_time(r, i, 26);
	job->worker_id = ecl__pg_get_text(r, i, 27, &oom);
	job->heartbeat_at = column_time(r, i, 28);
	job->cancel_requested = (int)ecl__pg_get_int(r, i, 29);
	job->checkpoint = ecl__pg_get_int(r, i, 30);
	job->file_sha256 = ecl__pg_get_text(r, i, 31, &oom);
	job->error_class = ecl__pg_get_text(r, i, 32, &oom);
	job->import_profile = ecl__pg_get_text(r, i, 33, &oom);
	job->import_meter = ecl__pg_get_text(r, i, 34, &oom);
	if (rc == 0 && !PQgetisnull(r, i, 35) && ecl_clock_mode_parse(&job->import_clock, PQgetvalue(r, i, 35)) != 0)
		rc = ecl_error_set(ECL_ESCHEMA, "job %s has import clock \"%s\", which this library does not "
			"know", job->batch_id, PQgetvalue(r, i, 35));
	job->file_size = PQgetisnull(r, i, 36) ? -1 : ecl__pg_get_int(r, i, 36);
	job->file_mtime = column_time(r, i, 37);
	job->file_inode = PQgetisnull(r, i, 38) ? -1 : ecl__pg_get_int(r, i, 38);
	if (rc == 0 && oom)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading job %s", job->batch_id);
	if (rc != 0)
		ecl_job_clear(job);
	return rc;
}

/* ---- insert ------------------------------------------------------------------ */

typedef struct insert_ctx {
	const ecl_job *jobs;
	size_t count;
} insert_ctx;

static int insert_all(ecl_backend_conn *conn, void *opaque)
{
	const insert_ctx *ctx = opaque;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < ctx->count; i++) {
		const ecl_job *j = &ctx->jobs[i];
		char doing[96];
		pg_params p;

		ecl__pg_params_init(&p);
		ecl__pg_text(&p, j->batch_id);
		if (j->user_id > 0)
			ecl__pg_int(&p, j->user_id);
		else
			ecl__pg_text(&p, NULL);
		ecl__pg_text(&p, j->filename);
		ecl__pg_text(&p, j->file_path);
		ecl__pg_text(&p, ecl_import_type_name(j->import_type));
		ecl__pg_bool(&p, j->dry_run);
		ecl__pg_int(&p, j->queued_at);
		ecl__pg_int(&p, j->max_retries);
		ecl__pg_text(&p, j->notes);
		ecl__pg_text(&p, ecl_priority_name(j->priority));
		ecl__pg_text(&p, j->tags);
		ecl__pg_text(&p, j->metadata);
		ecl__pg_text(&p, j->import_profile);
		ecl__pg_text(&p, j->import_meter);
		ecl__pg_text(&p, ecl_clock_mode_name(j->import_clock));
		snprintf(doing, sizeof(doing), "inserting job %zu (%s)", i, j->batch_id);
		rc = ecl__pg_command(conn,
			"INSERT INTO import_jobs (batch_id, user_id, filename, file_path, import_type, status,"
			" dry_run, total_rows, queued_at, max_retries, notes, priority, tags, metadata,"
			" import_profile, import_meter, import_clock)"
			" VALUES ($1::text, $2::bigint, $3::text, $4::text, $5::text, 'queued', $6::boolean, NULL,"
			" to_timestamp($7::bigint), $8::integer, $9::text, $10::text, $11::json, $12::json,"
			" $13::text, $14::text, $15::text)",
			&p, NULL, doing);
	}
	return rc;
}

int ecl__pg_job_insert(ecl_backend_conn *conn, const ecl_job *jobs, size_t count)
{
	insert_ctx ctx = { jobs, count };

	return ecl__pg_write(conn, insert_all, &ctx, "enqueueing jobs");
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
	rc = ecl__pg_query(&res, conn, "SELECT " JOB_COLUMNS " FROM import_jobs WHERE batch_id = $1::text",
		&p, "reading a job");
	if (rc == 0 && PQntuples(res) == 1)
		rc = read_job(ctx->out, res, 0);
	else if (rc == 0)
		rc = ecl_error_set(ECL_ENOTFOUND, "no job with batch id \"%s\"", ctx->batch_id);
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
	size_t keep = out->count, n = (size_t)PQntuples(res), i;
	ecl_job *grown;
	int rc = 0;

	if (n == 0)
		return 0;
	grown = realloc(out->jobs, (out->count + n) * sizeof(*grown));
	if (grown == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory listing %zu jobs", out->count + n);
	out->jobs = grown;
	for (i = 0; rc == 0 && i < n; i++) {
		rc = read_job(&out->jobs[out->count], res, (int)i);
		if (rc == 0)
			out->count++;
	}
	while (rc != 0 && out->count > keep)
		ecl_job_clear(&out->jobs[--out->count]);
	return rc;
}

int ecl__pg_jobs_where(ecl_backend_conn *conn, const char *tail, const pg_params *p,
                       ecl_job_array *out, const char *doing)
{
	PGresult *res = NULL;
	char sql[1536];
	int rc;

	snprintf(sql, sizeof(sql), "SELECT " JOB_COLUMNS " FROM import_jobs %s", tail);
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

typedef struct claim_ctx {
	const char *worker_id;
	int64_t now;
	ecl_job *out;
	int claimed;
} claim_ctx;

/* One statement, one round trip: the subquery locks the first due job that
 * no other claimer holds (SKIP LOCKED: claimers never wait on each other
 * and never take the same job), the update moves it to processing. */
static int claim_one(ecl_backend_conn *conn, void *opaque)
{
	claim_ctx *ctx = opaque;
	PGresult *res = NULL;
	pg_params p;
	int rc;

	ctx->claimed = 0;
	ecl__pg_params_init(&p);
	ecl__pg_text(&p, ctx->worker_id);
	ecl__pg_int(&p, ctx->now);
	rc = ecl__pg_query(&res, conn,
		"UPDATE import_jobs SET status = 'processing', worker_id = $1::text,"
		" started_at = to_timestamp($2::bigint), heartbeat_at = to_timestamp($2::bigint),"
		" status_changed_at = to_timestamp($2::bigint), error_message = NULL"
		" WHERE id = (SELECT id FROM import_jobs WHERE status = 'queued'"
		"             AND (retry_at IS NULL OR retry_at <= to_timestamp($2::bigint))"
		"             ORDER BY " PRIORITY_RANK ", queued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
		" AND status = 'queued' RETURNING " JOB_COLUMNS, &p, "claiming a job");
	if (rc == 0 && PQntuples(res) == 1 && (rc = read_job(ctx->out, res, 0)) == 0)
		ctx->claimed = 1;
	PQclear(res);
	return rc;
}

int ecl__pg_job_claim(ecl_backend_conn *conn, const char *worker_id, int64_t now,
                      ecl_job *out, int *claimed)
{
	claim_ctx ctx = { worker_id, now, out, 0 };
	int rc = ecl__pg_once(conn, claim_one, &ctx, "claiming a job");

	*claimed = rc == 0 && ctx.claimed;
	return rc;
}

/* ---- conditional update ------------------------------------------------------- */

/*
 * The SQL of an update depends only on which fields it sets and which
 * conditions it has, so the same shape reuses one prepared statement. One
 * walk writes the SQL and collects the parameters, keeping the two in step.
 * The statement also reads what the job was, so a refusal is explained
 * without a second round trip.
 */
typedef struct update_walk {
	const ecl_job_update *u;
	ecl_buf sql;
	pg_params p;
	char statuses[96];    /* the from_statuses as a text[] literal */
	int rc;
	int columns;          /* SET columns written so far */
	int batch_param;      /* $n of the batch id */
} update_walk;

static void walk_sql(update_walk *w, const char *text)
{
	if (w->rc == 0)
		w->rc = ecl__buf_puts(&w->sql, text);
}

/* "column = <expr with $n>" where `expr` holds one "%d" for n. */
static void walk_set(update_walk *w, const char *column, const char *expr)
{
	char piece[160];

	snprintf(piece, sizeof(piece), "%s%s = ", w->columns++ ? ", " : "", column);
	walk_sql(w, piece);
	snprintf(piece, sizeof(piece), expr, w->p.n);
	walk_sql(w, piece);
}

static void walk_int(update_walk *w, const char *column, int64_t value)
{
	ecl__pg_int(&w->p, value);
	walk_set(w, column, "$%d::bigint");
}

static void walk_time(update_walk *w, const char *column, int64_t value)
{
	ecl__pg_time(&w->p, value);
	walk_set(w, column, "to_timestamp($%d::bigint)");
}

static void walk_text(update_walk *w, const char *column, const char *value, const char *type)
{
	char expr[32];

	ecl__pg_text(&w->p, value);
	snprintf(expr, sizeof(expr), "$%%d::%s", type);
	walk_set(w, column, expr);
}

static void walk_columns(update_walk *w)
{
	const ecl_job_update *u = w->u;

	if (u->set & ECL_JOB_SET_STATUS) {
		walk_text(w, "status", ecl_job_status_name(u->status), "text");
		walk_time(w, "status_changed_at", u->now);
	}
	if (u->set & ECL_JOB_SET_STARTED_AT)
		walk_time(w, "started_at", u->started_at);
	if (u->set & ECL_JOB_SET_COMPLETED_AT)
		walk_time(w, "completed_at", u->completed_at);
	if (u->set & ECL_JOB_SET_ERROR_MESSAGE)
		walk_text(w, "error_message", u->error_message, "text");
	if (u->set & ECL_JOB_SET_LAST_ERROR)
		walk_text(w, "last_error", u->last_error, "text");
	if (u->set & ECL_JOB_SET_RETRY_COUNT)
		walk_int(w, "retry_count", u->retry_count);
	if (u->set & ECL_JOB_SET_MAX_RETRIES)
		walk_int(w, "max_retries", u->max_retries);
	if (u->set & ECL_JOB_SET_RETRY_AT)
		walk_time(w, "retry_at", u->retry_at);
	if (u->set & ECL_JOB_SET_WORKER_ID)
		walk_text(w, "worker_id", u->worker_id, "text");
	if (u->set & ECL_JOB_SET_HEARTBEAT_AT)
		walk_time(w, "heartbeat_at", u->heartbeat_at);
	if (u->set & ECL_JOB_SET_COUNTERS) {
		walk_int(w, "processed_rows", u->processed_rows);
		walk_int(w, "imported_rows", u->imported_rows);
		walk_int(w, "failed_rows", u->failed_rows);
	}
	if (u->set & ECL_JOB_SET_TOTAL_ROWS)
		walk_int(w, "total_rows", u->total_rows);
	if (u->set & ECL_JOB_SET_CHECKPOINT)
		walk_int(w, "checkpoint", u->checkpoint);
	if (u->set & ECL_JOB_SET_SUMMARY)
		walk_text(w, "summary", u->summary, "json");
	if (u->set & ECL_JOB_SET_CANCEL_REQUESTED)
		walk_text(w, "cancel_requested", u->cancel_requested ? "true" : "false", "boolean");
	if (u->set & ECL_JOB_SET_ERROR_CLASS)
		walk_text(w, "error_class", u->error_class, "text");
	if (u->set & ECL_JOB_SET_ALERT_SENT) {
		walk_text(w, "alert_sent", "true", "boolean");
		walk_time(w, "alert_sent_at", u->alert_sent_at);
	}
	if (u->set & ECL_JOB_SET_FILE_IDENTITY) {
		walk_int(w, "file_size", u->file_size);
		walk_time(w, "file_mtime", u->file_mtime);
		walk_int(w, "file_inode", u->file_inode);
		walk_text(w, "file_sha256", u->file_sha256, "text");
	}
	if (w->columns == 0)
		walk_sql(w, "status = status");
}

static void walk_condition(update_walk *w, const char *format)
{
	char piece[96];

	snprintf(piece, sizeof(piece), format, w->p.n);
	walk_sql(w, piece);
}

static void walk_where(update_walk *w)
{
	const ecl_job_update *u = w->u;
	size_t len = 0;
	int status;

	w->statuses[len++] = '{';
	for (status = ECL_JOB_QUEUED; status <= ECL_JOB_CANCELLED; status++) {
		if (u->from_statuses & ECL_JOB_STATUS_BIT(status))
			len += (size_t)snprintf(w->statuses + len, sizeof(w->statuses) - len, "%s%s",
				len > 1 ? "," : "", ecl_job_status_name((ecl_job_status)status));
	}
	snprintf(w->statuses + len, sizeof(w->statuses) - len, "}");
	ecl__pg_text(&w->p, u->batch_id);
	w->batch_param = w->p.n;
	walk_condition(w, " WHERE batch_id = $%d::text");
	ecl__pg_text(&w->p, w->statuses);
	walk_condition(w, " AND status = ANY ($%d::text[])");
	if (u->expect_worker_id != NULL) {
		ecl__pg_text(&w->p, u->expect_worker_id);
		walk_condition(w, " AND worker_id = $%d::text");
	}
	if (u->expect_retry_count >= 0) {
		ecl__pg_int(&w->p, u->expect_retry_count);
		walk_condition(w, " AND retry_count = $%d::integer");
	}
	if (u->expect_heartbeat_before != ECL_TIME_NONE) {
		ecl__pg_int(&w->p, u->expect_heartbeat_before);
		walk_condition(w, " AND heartbeat_at < to_timestamp($%d::bigint)");
	}
	if (u->expect_alert_unsent)
		walk_sql(w, " AND NOT alert_sent");
}

/* Apply an update (in the caller's transaction, or alone in autocommit). */
int ecl__pg_apply_job_update(ecl_backend_conn *conn, const ecl_job_update *update,
                             ecl_job_found *found)
{
	update_walk w;
	PGresult *res = NULL;
	char tail[256];
	int rc;

	memset(&w, 0, sizeof(w));
	w.u = update;
	ecl__pg_params_init(&w.p);
	walk_sql(&w, "WITH u AS (UPDATE import_jobs SET ");
	walk_columns(&w);
	walk_where(&w);
	snprintf(tail, sizeof(tail), " RETURNING 1) SELECT (SELECT count(*) FROM u), j.status,"
		" j.retry_count, j.worker_id FROM (SELECT 1) one"
		" LEFT JOIN import_jobs j ON j.batch_id = $%d::text", w.batch_param);
	walk_sql(&w, tail);
	rc = w.rc ? ecl_error_set(ECL_ENOMEM, "out of memory updating a job") : 0;
	if (rc == 0)
		rc = ecl__pg_query(&res, conn, w.sql.ptr, &w.p, "updating a job");
	if (rc == 0 && ecl__pg_get_int(res, 0, 0) == 0) {
		if (PQgetisnull(res, 0, 1)) {
			rc = ecl_error_set(ECL_ENOTFOUND, "no job with batch id \"%s\"", update->batch_id);
		} else {
			ecl_job_status_parse(&found->status, PQgetvalue(res, 0, 1));
			found->retry_count = (int)ecl__pg_get_int(res, 0, 2);
			ecl__strlcpy(found->worker_id, PQgetvalue(res, 0, 3), sizeof(found->worker_id));
			rc = ecl_error_set(ECL_ESTATE, "job %s is not in the expected state", update->batch_id);
		}
	}
	PQclear(res);
	ecl_buf_dispose(&w.sql);
	return rc;
}

typedef struct update_ctx {
	const ecl_job_update *u;
	ecl_job_found *found;
} update_ctx;

static int update_one(ecl_backend_conn *conn, void *opaque)
{
	update_ctx *ctx = opaque;

	return ecl__pg_apply_job_update(conn, ctx->u, ctx->found);
}

int ecl__pg_job_update(ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found)
{
	update_ctx ctx = { update, found };

	/* One statement in autocommit: one round trip. */
	return ecl__pg_once(conn, update_one, &ctx, "updating a job");
}
