/* Health figures, stuck jobs and the alerts table on SQLite. */
#include <string.h>

#include "sqlite_internal.h"

#define FINISHED_IN_WINDOW "status IN ('completed', 'failed') AND completed_at >= ?2"
#define COMPLETED_IN_WINDOW "status = 'completed' AND completed_at >= ?2"

/* One statement, so the figures are one consistent read. */
static const char health_sql[] =
	"SELECT"
	" count(*) FILTER (WHERE " COMPLETED_IN_WINDOW "),"
	" avg(completed_at - started_at) FILTER (WHERE " COMPLETED_IN_WINDOW " AND started_at IS NOT NULL),"
	" min(completed_at - started_at) FILTER (WHERE " COMPLETED_IN_WINDOW " AND started_at IS NOT NULL),"
	" max(completed_at - started_at) FILTER (WHERE " COMPLETED_IN_WINDOW " AND started_at IS NOT NULL),"
	" coalesce(sum(imported_rows) FILTER (WHERE " COMPLETED_IN_WINDOW "), 0),"
	" coalesce(sum(processed_rows) FILTER (WHERE " COMPLETED_IN_WINDOW "), 0),"
	" coalesce(sum(failed_rows) FILTER (WHERE " COMPLETED_IN_WINDOW "), 0),"
	" count(*) FILTER (WHERE status = 'failed' AND completed_at >= ?2),"
	" count(*) FILTER (WHERE " FINISHED_IN_WINDOW " AND retry_count > 0),"
	" avg(retry_count) FILTER (WHERE " FINISHED_IN_WINDOW " AND retry_count > 0),"
	" coalesce(max(retry_count) FILTER (WHERE " FINISHED_IN_WINDOW "), 0),"
	" count(*) FILTER (WHERE " COMPLETED_IN_WINDOW " AND retry_count > 0),"
	" count(*) FILTER (WHERE status = 'failed' AND completed_at >= ?2 AND retry_count > 0),"
	" count(*) FILTER (WHERE status = 'queued' AND (retry_at IS NULL OR retry_at <= ?1)),"
	" count(*) FILTER (WHERE status = 'queued'),"
	" count(*) FILTER (WHERE status = 'queued' AND retry_at > ?1),"
	" count(*) FILTER (WHERE status = 'processing')"
	" FROM import_jobs";

static void read_metrics(sqlite3_stmt *s, ecl_health_metrics *m)
{
	memset(m, 0, sizeof(*m));
	m->jobs_completed = sqlite3_column_int64(s, 0);
	m->avg_duration_seconds = sqlite3_column_double(s, 1);
	m->min_duration_seconds = sqlite3_column_double(s, 2);
	m->max_duration_seconds = sqlite3_column_double(s, 3);
	m->total_rows_imported = sqlite3_column_int64(s, 4);
	m->rows_processed = sqlite3_column_int64(s, 5);
	m->rows_failed = sqlite3_column_int64(s, 6);
	m->jobs_failed = sqlite3_column_int64(s, 7);
	m->jobs_with_retries = sqlite3_column_int64(s, 8);
	m->avg_retries = sqlite3_column_double(s, 9);
	m->max_retry_count = sqlite3_column_int64(s, 10);
	m->eventually_succeeded = sqlite3_column_int64(s, 11);
	m->permanently_failed = sqlite3_column_int64(s, 12);
	m->queue_depth = sqlite3_column_int64(s, 13);
	m->queued_count = sqlite3_column_int64(s, 14);
	m->waiting_retry_count = sqlite3_column_int64(s, 15);
	m->processing_count = sqlite3_column_int64(s, 16);
}

int ecl__sqlite_health_metrics(ecl_backend_conn *conn, const ecl_health_query *query,
                               ecl_health_metrics *out)
{
	sqlite3_stmt *s;
	int step, rc = ecl__sqlite_prepare(&s, conn, health_sql);

	if (rc != 0)
		return rc;
	sqlite3_bind_int64(s, 1, query->now);
	sqlite3_bind_int64(s, 2, query->window_start);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		read_metrics(s, out);
	else
		rc = ecl__sqlite_error(conn, step, "reading the health figures");
	ecl__sqlite_done(s);
	return rc;
}

int ecl__sqlite_jobs_stuck(ecl_backend_conn *conn, int64_t cutoff, ecl_job_array *out)
{
	return ecl__sqlite_jobs_where(conn, "WHERE status = 'processing' AND heartbeat_at < ?1 "
		"ORDER BY heartbeat_at, id", cutoff, 0, out, "listing stuck jobs");
}

int ecl__sqlite_jobs_alert_pending(ecl_backend_conn *conn, size_t limit, ecl_job_array *out)
{
	return ecl__sqlite_jobs_where(conn, "WHERE status = 'failed' AND alert_sent = 0 "
		"ORDER BY completed_at, id LIMIT ?1", (int64_t)limit, 0, out,
		"listing failed jobs to alert about");
}

int ecl__sqlite_alert_last(ecl_backend_conn *conn, const char *key, int64_t *at)
{
	sqlite3_stmt *s;
	int step, rc = ecl__sqlite_prepare(&s, conn,
		"SELECT max(created_at) FROM alerts WHERE alert_key = ?1 AND suppressed = 0");

	*at = ECL_TIME_NONE;
	if (rc != 0)
		return rc;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*at = sqlite3_column_int64(s, 0);
	else if (step != SQLITE_ROW)
		rc = ecl__sqlite_error(conn, step, "reading the last alert");
	ecl__sqlite_done(s);
	return rc;
}

static int insert_alert(ecl_backend_conn *conn, void *opaque)
{
	const ecl_alert_record *a = opaque;
	sqlite3_stmt *s;
	int step, rc = ecl__sqlite_prepare(&s, conn,
		"INSERT INTO alerts (alert_key, alert_type, severity, subject, body, channels_ok,"
		" channels_failed, failure_detail, suppressed, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");

	if (rc != 0)
		return rc;
	ecl__sqlite_bind_text(s, 1, a->alert_key);
	ecl__sqlite_bind_text(s, 2, a->alert_type);
	ecl__sqlite_bind_text(s, 3, a->severity);
	ecl__sqlite_bind_text(s, 4, a->subject);
	ecl__sqlite_bind_text(s, 5, a->body);
	ecl__sqlite_bind_text(s, 6, a->channels_ok ? a->channels_ok : "");
	ecl__sqlite_bind_text(s, 7, a->channels_failed ? a->channels_failed : "");
	ecl__sqlite_bind_text(s, 8, a->failure_detail);
	sqlite3_bind_int(s, 9, a->suppressed ? 1 : 0);
	sqlite3_bind_int64(s, 10, a->created_at);
	step = sqlite3_step(s);
	if (step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, "recording an alert");
	ecl__sqlite_done(s);
	return rc;
}

int ecl__sqlite_alert_record(ecl_backend_conn *conn, const ecl_alert_record *record)
{
	return ecl__sqlite_write(conn, insert_alert, (void *)record, "recording an alert");
}
