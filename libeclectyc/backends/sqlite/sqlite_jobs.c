/* SQLite backend: the import_jobs table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buffer_internal.h"
#include "sqlite_internal.h"
#include "util/strutil.h"

#define JOB_COLUMNS \
	"id, batch_id, user_id, filename, file_path, import_type, status, dry_run, total_rows, " \
	"processed_rows, imported_rows, failed_rows, queued_at, started_at, completed_at, " \
	"error_message, summary, retry_count, max_retries, retry_at, last_error, notes, priority, " \
	"tags, metadata, alert_sent, alert_sent_at, worker_id, heartbeat_at, cancel_requested, " \
	"checkpoint, file_sha256, error_class, import_profile, import_meter, import_clock, " \
	"file_size, file_mtime, file_inode"

/* Claim order; must match idx_import_jobs_claim exactly so the index is used. */
#define PRIORITY_RANK "(CASE priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END)"

static int column_text(char **out, sqlite3_stmt *stmt, int col)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);

	*out = NULL;
	if (text == NULL)
		return 0;
	*out = ecl__strdup((const char *)text);
	return *out ? 0 : ECL_ENOMEM;
}

static int64_t column_time(sqlite3_stmt *stmt, int col)
{
	return sqlite3_column_type(stmt, col) == SQLITE_NULL ? ECL_TIME_NONE
		: sqlite3_column_int64(stmt, col);
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

/* Read a row selected with JOB_COLUMNS. On failure the job is cleared. */
static int read_job(ecl_job *job, sqlite3_stmt *s)
{
	const char *text;
	int rc = 0;

	memset(job, 0, sizeof(*job));
	job->id = sqlite3_column_int64(s, 0);
	ecl__strlcpy(job->batch_id, (const char *)sqlite3_column_text(s, 1), sizeof(job->batch_id));
	job->user_id = sqlite3_column_int64(s, 2);
	rc = rc ? rc : column_text(&job->filename, s, 3);
	rc = rc ? rc : column_text(&job->file_path, s, 4);
	text = (const char *)sqlite3_column_text(s, 5);
	rc = parse_enum((int *)&job->import_type, rc, text, "import type", job->batch_id);
	text = (const char *)sqlite3_column_text(s, 6);
	rc = parse_enum((int *)&job->status, rc, text, "status", job->batch_id);
	job->dry_run = sqlite3_column_int(s, 7);
	job->total_rows = sqlite3_column_type(s, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 8);
	job->processed_rows = sqlite3_column_int64(s, 9);
	job->imported_rows = sqlite3_column_int64(s, 10);
	job->failed_rows = sqlite3_column_int64(s, 11);
	job->queued_at = column_time(s, 12);
	job->started_at = column_time(s, 13);
	job->completed_at = column_time(s, 14);
	rc = rc ? rc : column_text(&job->error_message, s, 15);
	rc = rc ? rc : column_text(&job->summary, s, 16);
	job->retry_count = sqlite3_column_int(s, 17);
	job->max_retries = sqlite3_column_int(s, 18);
	job->retry_at = column_time(s, 19);
	rc = rc ? rc : column_text(&job->last_error, s, 20);
	rc = rc ? rc : column_text(&job->notes, s, 21);
	text = (const char *)sqlite3_column_text(s, 22);
	rc = parse_enum((int *)&job->priority, rc, text, "priority", job->batch_id);
	rc = rc ? rc : column_text(&job->tags, s, 23);
	rc = rc ? rc : column_text(&job->metadata, s, 24);
	job->alert_sent = sqlite3_column_int(s, 25);
	job->alert_sent_at = column_time(s, 26);
	rc = rc ? rc : column_text(&job->worker_id, s, 27);
	job->heartbeat_at = column_time(s, 28);
	job->cancel_requested = sqlite3_column_int(s, 29);
	job->checkpoint = sqlite3_column_int64(s, 30);
	rc = rc ? rc : column_text(&job->file_sha256, s, 31);
	rc = rc ? rc : column_text(&job->error_class, s, 32);
	rc = rc ? rc : column_text(&job->import_profile, s, 33);
	rc = rc ? rc : column_text(&job->import_meter, s, 34);
	text = (const char *)sqlite3_column_text(s, 35);
	if (rc == 0 && text != NULL && ecl_clock_mode_parse(&job->import_clock, text) != 0)
		rc = ecl_error_set(ECL_ESCHEMA, "job %s has import clock \"%s\", which this library does not "
			"know", job->batch_id, text);
	job->file_size = sqlite3_column_type(s, 36) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 36);
	job->file_mtime = column_time(s, 37);
	job->file_inode = sqlite3_column_type(s, 38) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 38);
	if (rc == ECL_ENOMEM)
		ecl_error_set(ECL_ENOMEM, "out of memory reading job %s", job->batch_id);
	if (rc != 0)
		ecl_job_clear(job);
	return rc;
}

/* ---- insert ------------------------------------------------------------- */

typedef struct insert_ctx {
	const ecl_job *jobs;
	size_t count;
} insert_ctx;

static int insert_all(ecl_backend_conn *conn, void *opaque)
{
	const insert_ctx *ctx = opaque;
	sqlite3_stmt *s;
	size_t i;
	int rc = ecl__sqlite_prepare(&s, conn,
		"INSERT INTO import_jobs (batch_id, user_id, filename, file_path, import_type, status, "
		"dry_run, total_rows, queued_at, max_retries, notes, priority, tags, metadata, "
		"import_profile, import_meter, import_clock) "
		"VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, NULL, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");

	for (i = 0; rc == 0 && i < ctx->count; i++) {
		const ecl_job *j = &ctx->jobs[i];
		int step;

		sqlite3_bind_text(s, 1, j->batch_id, -1, SQLITE_STATIC);
		if (j->user_id > 0)
			sqlite3_bind_int64(s, 2, j->user_id);
		else
			sqlite3_bind_null(s, 2);
		ecl__sqlite_bind_text(s, 3, j->filename);
		ecl__sqlite_bind_text(s, 4, j->file_path);
		sqlite3_bind_text(s, 5, ecl_import_type_name(j->import_type), -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 6, j->dry_run ? 1 : 0);
		sqlite3_bind_int64(s, 7, j->queued_at);
		sqlite3_bind_int(s, 8, j->max_retries);
		ecl__sqlite_bind_text(s, 9, j->notes);
		sqlite3_bind_text(s, 10, ecl_priority_name(j->priority), -1, SQLITE_STATIC);
		ecl__sqlite_bind_text(s, 11, j->tags);
		ecl__sqlite_bind_text(s, 12, j->metadata);
		ecl__sqlite_bind_text(s, 13, j->import_profile);
		ecl__sqlite_bind_text(s, 14, j->import_meter);
		ecl__sqlite_bind_text(s, 15, ecl_clock_mode_name(j->import_clock));
		step = sqlite3_step(s);
		if (step != SQLITE_DONE) {
			char doing[96];
			snprintf(doing, sizeof(doing), "inserting job %zu (%s)", i, j->batch_id);
			rc = ecl__sqlite_error(conn, step, doing);
		}
		ecl__sqlite_done(s);
	}
	return rc;
}

int ecl__sqlite_job_insert(ecl_backend_conn *conn, const ecl_job *jobs, size_t count)
{
	insert_ctx ctx = { jobs, count };

	return ecl__sqlite_write(conn, insert_all, &ctx, "enqueueing jobs");
}

/* ---- read --------------------------------------------------------------- */

int ecl__sqlite_job_get(ecl_backend_conn *conn, const char *batch_id, ecl_job *out)
{
	sqlite3_stmt *s;
	int rc = ecl__sqlite_prepare(&s, conn,
		"SELECT " JOB_COLUMNS " FROM import_jobs WHERE batch_id = ?1");

	if (rc == 0) {
		int step;

		sqlite3_bind_text(s, 1, batch_id, -1, SQLITE_STATIC);
		step = sqlite3_step(s);
		if (step == SQLITE_ROW)
			rc = read_job(out, s);
		else if (step == SQLITE_DONE)
			rc = ecl_error_set(ECL_ENOTFOUND, "no job with batch id \"%s\"", batch_id);
		else
			rc = ecl__sqlite_error(conn, step, "reading a job");
		ecl__sqlite_done(s);
	}
	return rc;
}

static int append_job(ecl_job_array *out, size_t *capacity, sqlite3_stmt *s)
{
	if (out->count == *capacity) {
		size_t grown_cap = *capacity ? *capacity * 2 : 16;
		ecl_job *grown = realloc(out->jobs, grown_cap * sizeof(*grown));
		if (grown == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory listing %zu jobs", grown_cap);
		out->jobs = grown;
		*capacity = grown_cap;
	}
	if (read_job(&out->jobs[out->count], s) != 0)
		return ecl_error_last_code();
	out->count++;
	return 0;
}

int ecl__sqlite_jobs_where(ecl_backend_conn *conn, const char *tail, int64_t p1, int64_t p2,
                           ecl_job_array *out, const char *doing)
{
	sqlite3_stmt *s;
	size_t capacity = out->count;
	int step = SQLITE_ROW;
	char sql[1024];
	int rc = 0;

	snprintf(sql, sizeof(sql), "SELECT " JOB_COLUMNS " FROM import_jobs %s", tail);
	rc = ecl__sqlite_prepare(&s, conn, sql);
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, p1);
		sqlite3_bind_int64(s, 2, p2);
		while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
			rc = append_job(out, &capacity, s);
		if (rc == 0 && step != SQLITE_DONE)
			rc = ecl__sqlite_error(conn, step, doing);
		ecl__sqlite_done(s);
	}
	return rc;
}

int ecl__sqlite_job_list(ecl_backend_conn *conn, const ecl_job_list_options *opts, ecl_job_array *out)
{
	sqlite3_stmt *s;
	size_t capacity = 0;
	int step = SQLITE_ROW;
	int rc = ecl__sqlite_prepare(&s, conn,
		"SELECT " JOB_COLUMNS " FROM import_jobs WHERE (?1 IS NULL OR status = ?1) "
		"AND (?3 IS NULL OR priority = ?3) ORDER BY queued_at DESC, id DESC LIMIT ?2");

	if (rc == 0) {
		if (opts->status != ECL_JOB_ANY)
			sqlite3_bind_text(s, 1, ecl_job_status_name((ecl_job_status)opts->status), -1,
				SQLITE_STATIC);
		if (opts->priority != ECL_JOB_ANY)
			sqlite3_bind_text(s, 3, ecl_priority_name((ecl_priority)opts->priority), -1,
				SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, opts->limit ? (sqlite3_int64)opts->limit : -1);
		while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
			rc = append_job(out, &capacity, s);
		if (rc == 0 && step != SQLITE_DONE)
			rc = ecl__sqlite_error(conn, step, "listing jobs");
		ecl__sqlite_done(s);
	}
	return rc;
}

/* ---- claim -------------------------------------------------------------- */

typedef struct claim_ctx {
	const char *worker_id;
	int64_t now;
	ecl_job *out;
	int claimed;
} claim_ctx;

static int claim_one(ecl_backend_conn *conn, void *opaque)
{
	claim_ctx *ctx = opaque;
	sqlite3_stmt *s;
	int rc = ecl__sqlite_prepare(&s, conn,
		"UPDATE import_jobs SET status = 'processing', worker_id = ?1, started_at = ?2, "
		"heartbeat_at = ?2, status_changed_at = ?2, error_message = NULL "
		/* INDEXED BY: left to itself the planner prefers the status index and
		 * sorts every queued job, making a drain of n jobs O(n^2). */
		"WHERE id = (SELECT id FROM import_jobs INDEXED BY idx_import_jobs_claim "
		"            WHERE status = 'queued' "
		"            AND (retry_at IS NULL OR retry_at <= ?2) "
		"            ORDER BY " PRIORITY_RANK ", queued_at, id LIMIT 1) "
		"AND status = 'queued' RETURNING " JOB_COLUMNS);

	ctx->claimed = 0;
	if (rc == 0) {
		int step;

		sqlite3_bind_text(s, 1, ctx->worker_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, ctx->now);
		step = sqlite3_step(s);
		if (step == SQLITE_ROW && (rc = read_job(ctx->out, s)) == 0) {
			ctx->claimed = 1;
			/* RETURNING rows are produced before the statement completes. */
			step = sqlite3_step(s);
		}
		if (rc == 0 && step != SQLITE_DONE)
			rc = ecl__sqlite_error(conn, step, "claiming a job");
		ecl__sqlite_done(s);
	}
	if (rc != 0 && ctx->claimed) {
		ecl_job_clear(ctx->out);
		ctx->claimed = 0;
	}
	return rc;
}

int ecl__sqlite_job_claim(ecl_backend_conn *conn, const char *worker_id, int64_t now,
                          ecl_job *out, int *claimed)
{
	claim_ctx ctx = { worker_id, now, out, 0 };
	int rc = ecl__sqlite_write(conn, claim_one, &ctx, "claiming a job");

	*claimed = rc == 0 && ctx.claimed;
	return rc;
}

/* ---- conditional update ------------------------------------------------- */

/*
 * The SQL of an update depends only on which fields it sets and which
 * conditions it has, so the same shape reuses one cached statement. One
 * walker both writes the SQL and binds the values, keeping the two in step.
 */
typedef struct update_walk {
	const ecl_job_update *u;
	ecl_buf *sql;          /* when writing SQL */
	sqlite3_stmt *stmt;    /* when binding */
	int param;
	int rc;
	int columns;           /* SET columns written so far */
} update_walk;

static void walk_sql(update_walk *w, const char *text)
{
	if (w->sql != NULL && w->rc == 0)
		w->rc = ecl__buf_puts(w->sql, text);
}

static void walk_int(update_walk *w, const char *column, int64_t value, int null_if_none)
{
	walk_sql(w, w->columns++ ? ", " : "");
	walk_sql(w, column);
	walk_sql(w, " = ?");
	w->param++;
	if (w->stmt != NULL) {
		if (null_if_none && value == ECL_TIME_NONE)
			sqlite3_bind_null(w->stmt, w->param);
		else
			sqlite3_bind_int64(w->stmt, w->param, value);
	}
}

static void walk_text(update_walk *w, const char *column, const char *value)
{
	walk_sql(w, w->columns++ ? ", " : "");
	walk_sql(w, column);
	walk_sql(w, " = ?");
	w->param++;
	if (w->stmt != NULL)
		ecl__sqlite_bind_text(w->stmt, w->param, value);
}

static void walk_set(update_walk *w)
{
	const ecl_job_update *u = w->u;

	if (u->set & ECL_JOB_SET_STATUS) {
		walk_text(w, "status", ecl_job_status_name(u->status));
		walk_int(w, "status_changed_at", u->now, 1);
	}
	if (u->set & ECL_JOB_SET_STARTED_AT)
		walk_int(w, "started_at", u->started_at, 1);
	if (u->set & ECL_JOB_SET_COMPLETED_AT)
		walk_int(w, "completed_at", u->completed_at, 1);
	if (u->set & ECL_JOB_SET_ERROR_MESSAGE)
		walk_text(w, "error_message", u->error_message);
	if (u->set & ECL_JOB_SET_LAST_ERROR)
		walk_text(w, "last_error", u->last_error);
	if (u->set & ECL_JOB_SET_RETRY_COUNT)
		walk_int(w, "retry_count", u->retry_count, 0);
	if (u->set & ECL_JOB_SET_MAX_RETRIES)
		walk_int(w, "max_retries", u->max_retries, 0);
	if (u->set & ECL_JOB_SET_RETRY_AT)
		walk_int(w, "retry_at", u->retry_at, 1);
	if (u->set & ECL_JOB_SET_WORKER_ID)
		walk_text(w, "worker_id", u->worker_id);
	if (u->set & ECL_JOB_SET_HEARTBEAT_AT)
		walk_int(w, "heartbeat_at", u->heartbeat_at, 1);
	if (u->set & ECL_JOB_SET_COUNTERS) {
		walk_int(w, "processed_rows", u->processed_rows, 0);
		walk_int(w, "imported_rows", u->imported_rows, 0);
		walk_int(w, "failed_rows", u->failed_rows, 0);
	}
	if (u->set & ECL_JOB_SET_TOTAL_ROWS)
		walk_int(w, "total_rows", u->total_rows, 0);
	if (u->set & ECL_JOB_SET_CHECKPOINT)
		walk_int(w, "checkpoint", u->checkpoint, 0);
	if (u->set & ECL_JOB_SET_SUMMARY)
		walk_text(w, "summary", u->summary);
	if (u->set & ECL_JOB_SET_CANCEL_REQUESTED)
		walk_int(w, "cancel_requested", u->cancel_requested ? 1 : 0, 0);
	if (u->set & ECL_JOB_SET_ERROR_CLASS)
		walk_text(w, "error_class", u->error_class);
	if (u->set & ECL_JOB_SET_ALERT_SENT) {
		walk_int(w, "alert_sent", 1, 0);
		walk_int(w, "alert_sent_at", u->alert_sent_at, 1);
	}
	if (u->set & ECL_JOB_SET_FILE_IDENTITY) {
		walk_int(w, "file_size", u->file_size, 0);
		walk_int(w, "file_mtime", u->file_mtime, 1);
		walk_int(w, "file_inode", u->file_inode, 0);
		walk_text(w, "file_sha256", u->file_sha256);
	}
}

static void walk_where(update_walk *w)
{
	const ecl_job_update *u = w->u;
	int status, first = 1;

	/* Only the columns that change are assigned: assigning the primary key
	 * (even to itself) would make SQLite rewrite every index of the row. */
	walk_sql(w, w->columns ? " WHERE batch_id = ?" : "status = status WHERE batch_id = ?");
	w->param++;
	if (w->stmt != NULL)
		sqlite3_bind_text(w->stmt, w->param, u->batch_id, -1, SQLITE_STATIC);
	walk_sql(w, " AND status IN (");
	for (status = ECL_JOB_QUEUED; status <= ECL_JOB_CANCELLED; status++) {
		if (u->from_statuses & ECL_JOB_STATUS_BIT(status)) {
			walk_sql(w, first ? "'" : ", '");
			walk_sql(w, ecl_job_status_name((ecl_job_status)status));
			walk_sql(w, "'");
			first = 0;
		}
	}
	walk_sql(w, first ? "NULL)" : ")");
	if (u->expect_worker_id != NULL) {
		walk_sql(w, " AND worker_id = ?");
		w->param++;
		if (w->stmt != NULL)
			sqlite3_bind_text(w->stmt, w->param, u->expect_worker_id, -1, SQLITE_STATIC);
	}
	if (u->expect_retry_count >= 0) {
		walk_sql(w, " AND retry_count = ?");
		w->param++;
		if (w->stmt != NULL)
			sqlite3_bind_int(w->stmt, w->param, u->expect_retry_count);
	}
	if (u->expect_heartbeat_before != ECL_TIME_NONE) {
		walk_sql(w, " AND heartbeat_at < ?");
		w->param++;
		if (w->stmt != NULL)
			sqlite3_bind_int64(w->stmt, w->param, u->expect_heartbeat_before);
	}
	if (u->expect_alert_unsent)
		walk_sql(w, " AND alert_sent = 0");
}

static void walk_update(update_walk *w)
{
	walk_sql(w, "UPDATE import_jobs SET ");
	walk_set(w);
	walk_where(w);
}

/* Why an update matched no row: the job is missing, or what it is now. */
static int explain_miss(ecl_backend_conn *conn, const char *batch_id, ecl_job_found *found)
{
	sqlite3_stmt *s;
	int rc = ecl__sqlite_prepare(&s, conn,
		"SELECT status, retry_count, worker_id FROM import_jobs WHERE batch_id = ?1");

	if (rc == 0) {
		int step;

		sqlite3_bind_text(s, 1, batch_id, -1, SQLITE_STATIC);
		step = sqlite3_step(s);
		if (step == SQLITE_ROW) {
			ecl_job_status_parse(&found->status, (const char *)sqlite3_column_text(s, 0));
			found->retry_count = sqlite3_column_int(s, 1);
			ecl__strlcpy(found->worker_id, (const char *)sqlite3_column_text(s, 2),
				sizeof(found->worker_id));
			rc = ecl_error_set(ECL_ESTATE, "job %s is not in the expected state", batch_id);
		} else if (step == SQLITE_DONE) {
			rc = ecl_error_set(ECL_ENOTFOUND, "no job with batch id \"%s\"", batch_id);
		} else {
			rc = ecl__sqlite_error(conn, step, "reading a job");
		}
		ecl__sqlite_done(s);
	}
	return rc;
}

/* Apply an update inside the caller's transaction. */
int ecl__sqlite_apply_job_update(ecl_backend_conn *conn, const ecl_job_update *update,
                                 ecl_job_found *found)
{
	ecl_buf sql = ECL_BUF_INIT;
	update_walk write = { update, &sql, NULL, 0, 0, 0 };
	update_walk bind = { update, NULL, NULL, 0, 0, 0 };
	int rc;

	walk_update(&write);
	rc = write.rc;
	if (rc == 0)
		rc = ecl__sqlite_prepare(&bind.stmt, conn, sql.ptr);
	if (rc == 0) {
		int step;

		walk_update(&bind);
		step = sqlite3_step(bind.stmt);
		ecl__sqlite_done(bind.stmt);
		if (step != SQLITE_DONE)
			rc = ecl__sqlite_error(conn, step, "updating a job");
		else if (sqlite3_changes(conn->db) == 0)
			rc = explain_miss(conn, update->batch_id, found);
	}
	ecl_buf_dispose(&sql);
	return rc;
}

typedef struct update_ctx {
	const ecl_job_update *u;
	ecl_job_found *found;
} update_ctx;

static int update_one(ecl_backend_conn *conn, void *opaque)
{
	update_ctx *ctx = opaque;

	return ecl__sqlite_apply_job_update(conn, ctx->u, ctx->found);
}

int ecl__sqlite_job_update(ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found)
{
	update_ctx ctx = { update, found };

	return ecl__sqlite_write(conn, update_one, &ctx, "updating a job");
}
