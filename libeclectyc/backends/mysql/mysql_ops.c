/*
 * MySQL/MariaDB backend: what the queue holds, a job's attempts (written by
 * the trigger of migration 5; read here), the health figures, stuck jobs,
 * the alerts table and retention.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/common/job_columns.h"
#include "util/buffer_internal.h"
#include "mysql_internal.h"

/* ---- queue counts and attempts --------------------------------------------- */

int ecl__my_job_status_counts(ecl_backend_conn *conn, ecl_job_status_counts *out)
{
	my_result res;
	/* One statement: a consistent read under READ COMMITTED. */
	int i, rc = ecl__my_read_rows(&res, conn, "SELECT status, count(*) FROM import_jobs GROUP BY status",
		NULL, "counting jobs");

	memset(out, 0, sizeof(*out));
	for (i = 0; rc == 0 && i < res.rows; i++)
		rc = ecl_job_status_counts_put(out, ecl__my_get_str(&res, i, 0), ecl__my_get_int(&res, i, 1));
	ecl__my_result_free(&res);
	return rc;
}

int ecl__my_job_attempts(ecl_backend_conn *conn, const char *batch_id, ecl_job_attempt_array *out)
{
	my_result res;
	my_params p;
	int i, rc;

	ecl__my_params_init(&p);
	ecl__my_text(&p, batch_id);
	rc = ecl__my_read_rows(&res, conn,
		"SELECT a.attempt, a.worker_id, a.started_at, a.ended_at, a.outcome, a.error_message,"
		" a.error_class, a.processed_rows, a.imported_rows, a.failed_rows"
		" FROM import_jobs j JOIN import_job_attempts a ON a.job_id = j.id"
		" WHERE j.batch_id = ?1 ORDER BY a.attempt", &p, "reading job attempts");
	if (rc == 0 && res.rows > 0
	    && (out->attempts = calloc((size_t)res.rows, sizeof(ecl_job_attempt))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading job attempts");
	for (i = 0; rc == 0 && i < res.rows; i++) {
		ecl__job_row row;

		ecl__my_job_row(&row, &res, i);
		/* Counted even when it failed: its strings are freed with the rest. */
		rc = ecl__job_attempt_read(&out->attempts[out->count++], &row);
	}
	ecl__my_result_free(&res);
	return rc;
}

/* ---- health ------------------------------------------------------------------ */

/* MySQL has no FILTER clause: each figure aggregates a CASE that is NULL
 * outside its set. ?1 is now, ?2 the window's start. */
#define DONE_OK "status = 'completed' AND completed_at >= ?2"
#define ENDED "status IN ('completed', 'failed') AND completed_at >= ?2"
#define RAN "started_at IS NOT NULL AND " DONE_OK
#define WHEN(cond, x) "CASE WHEN " cond " THEN " x " END"

static const char health_sql[] =
	"SELECT count(" WHEN(DONE_OK, "1") "),"
	" avg(" WHEN(RAN, "completed_at - started_at") "),"
	" min(" WHEN(RAN, "completed_at - started_at") "),"
	" max(" WHEN(RAN, "completed_at - started_at") "),"
	" coalesce(sum(" WHEN(DONE_OK, "imported_rows") "), 0),"
	" coalesce(sum(" WHEN(DONE_OK, "processed_rows") "), 0),"
	" coalesce(sum(" WHEN(DONE_OK, "failed_rows") "), 0),"
	" count(" WHEN("status = 'failed' AND completed_at >= ?2", "1") "),"
	" count(" WHEN(ENDED " AND retry_count > 0", "1") "),"
	" avg(" WHEN(ENDED " AND retry_count > 0", "retry_count") "),"
	" coalesce(max(" WHEN(ENDED, "retry_count") "), 0),"
	" count(" WHEN(DONE_OK " AND retry_count > 0", "1") "),"
	" count(" WHEN("status = 'failed' AND completed_at >= ?2 AND retry_count > 0", "1") "),"
	" count(" WHEN("status = 'queued' AND (retry_at IS NULL OR retry_at <= ?1)", "1") "),"
	" count(" WHEN("status = 'queued'", "1") "),"
	" count(" WHEN("status = 'queued' AND retry_at > ?1", "1") "),"
	" count(" WHEN("status = 'processing'", "1") ")"
	" FROM import_jobs";

/* The figures of the health statement's columns, in order (NULL: a mean). */
static void read_metrics(const my_result *res, ecl_health_metrics *m)
{
	int64_t *counts[] = { &m->jobs_completed, NULL, NULL, NULL, &m->total_rows_imported,
		&m->rows_processed, &m->rows_failed, &m->jobs_failed, &m->jobs_with_retries, NULL,
		&m->max_retry_count, &m->eventually_succeeded, &m->permanently_failed,
		&m->queue_depth, &m->queued_count, &m->waiting_retry_count, &m->processing_count };
	int c;

	for (c = 0; c < (int)(sizeof(counts) / sizeof(counts[0])); c++)
		if (counts[c] != NULL)
			*counts[c] = ecl__my_get_int(res, 0, c);
	m->avg_duration_seconds = ecl__my_get_double(res, 0, 1);
	m->min_duration_seconds = ecl__my_get_double(res, 0, 2);
	m->max_duration_seconds = ecl__my_get_double(res, 0, 3);
	m->avg_retries = ecl__my_get_double(res, 0, 9);
}

int ecl__my_health_metrics(ecl_backend_conn *conn, const ecl_health_query *query,
                           ecl_health_metrics *out)
{
	my_result res;
	my_params p;
	int rc;

	ecl__my_params_init(&p);
	ecl__my_int(&p, query->now);
	ecl__my_int(&p, query->window_start);
	rc = ecl__my_read_rows(&res, conn, health_sql, &p, "reading the health figures");
	memset(out, 0, sizeof(*out));
	if (rc == 0 && res.rows == 1)
		read_metrics(&res, out);
	ecl__my_result_free(&res);
	return rc;
}

/* ---- job lists --------------------------------------------------------------- */

/* A job list whose tail takes one integer. */
static int jobs_by(ecl_backend_conn *conn, const char *tail, int64_t arg, ecl_job_array *out,
                   const char *doing)
{
	my_params p;

	ecl__my_params_init(&p);
	ecl__my_int(&p, arg);
	return ecl__my_jobs_read(conn, tail, &p, out, doing);
}

int ecl__my_jobs_stuck(ecl_backend_conn *conn, int64_t cutoff, ecl_job_array *out)
{
	return jobs_by(conn, "WHERE status = 'processing' AND heartbeat_at < ?1 ORDER BY heartbeat_at, id",
		cutoff, out, "listing stuck jobs");
}

int ecl__my_jobs_alert_pending(ecl_backend_conn *conn, size_t limit, ecl_job_array *out)
{
	return jobs_by(conn, "WHERE status = 'failed' AND alert_sent = 0 ORDER BY completed_at, id LIMIT ?1",
		limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit, out,
		"listing failed jobs to alert about");
}

/* ---- alerts -------------------------------------------------------------------- */

int ecl__my_alert_last(ecl_backend_conn *conn, const char *key, int64_t *at)
{
	my_result res;
	my_params p;
	int rc;

	ecl__my_params_init(&p);
	ecl__my_text(&p, key);
	rc = ecl__my_read_rows(&res, conn,
		"SELECT max(created_at) FROM alerts WHERE alert_key = ?1 AND suppressed = 0", &p,
		"reading the last alert");
	*at = rc == 0 && res.rows == 1 && !ecl__my_is_null(&res, 0, 0) ? ecl__my_get_int(&res, 0, 0)
		: ECL_TIME_NONE;
	ecl__my_result_free(&res);
	return rc;
}

static int insert_alert(ecl_backend_conn *conn, void *opaque)
{
	const ecl_alert_record *a = opaque;
	const char *texts[] = { a->alert_key, a->alert_type, a->severity, a->subject, a->body,
		a->channels_ok ? a->channels_ok : "", a->channels_failed ? a->channels_failed : "",
		a->failure_detail };
	my_params p;
	size_t i;

	ecl__my_params_init(&p);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		ecl__my_text(&p, texts[i]);
	ecl__my_int(&p, a->suppressed ? 1 : 0);
	ecl__my_int(&p, a->created_at);
	return ecl__my_command(conn, "INSERT INTO alerts (alert_key, alert_type, severity, subject, body,"
		" channels_ok, channels_failed, failure_detail, suppressed, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &p, NULL, "recording an alert");
}

int ecl__my_alert_record(ecl_backend_conn *conn, const ecl_alert_record *record)
{
	return ecl__my_write(conn, insert_alert, (void *)record, "recording an alert");
}

/* ---- retention --------------------------------------------------------------- */

/* Finished jobs stamped before the cutoff, in a total order (completed_at,
 * id), so a page is always the same jobs. */
#define EXPIRED "status IN ('completed', 'failed', 'cancelled')" \
	" AND completed_at IS NOT NULL AND completed_at < ?1"

static int select_expired(ecl_backend_conn *conn, int64_t cutoff, size_t limit, int lock,
                          ecl_job_array *out)
{
	my_params p;

	ecl__my_params_init(&p);
	ecl__my_int(&p, cutoff);
	ecl__my_int(&p, limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit);
	return ecl__my_jobs_where(conn, lock ? "WHERE " EXPIRED " ORDER BY completed_at, id LIMIT ?2 FOR UPDATE"
		: "WHERE " EXPIRED " ORDER BY completed_at, id LIMIT ?2", &p, out, "selecting expired jobs");
}

/* By the ids read (locked FOR UPDATE), not by the selection again: a job
 * that expired meanwhile cannot replace one read. The ids are integers, so
 * the list goes as text. */
static int delete_ids(ecl_backend_conn *conn, const ecl_job_array *out, size_t first,
                      int64_t *deleted)
{
	ecl_buf sql = ECL_BUF_INIT;
	size_t i;
	int rc = ecl__buf_puts(&sql, "DELETE FROM import_jobs WHERE id IN (");

	for (i = first; rc == 0 && i < out->count; i++)
		rc = ecl__my_appendf(&sql, "%s%lld", i > first ? "," : "", (long long)out->jobs[i].id);
	if (rc == 0)
		rc = ecl__buf_puts(&sql, ")");
	if (rc == 0)
		rc = ecl__my_exec_info(conn, sql.ptr, deleted, NULL, "deleting expired jobs");
	ecl_buf_dispose(&sql);
	return rc;
}

static const ecl__expired_sql expired_sql = { select_expired, delete_ids };

int ecl__my_jobs_expired(ecl_backend_conn *conn, int64_t cutoff, size_t limit, int remove,
                         ecl_job_array *out)
{
	/* The listing is one statement under READ COMMITTED: one snapshot. */
	return ecl__jobs_expired_with(ecl__my_write, ecl__my_read, &expired_sql, conn, cutoff, limit,
		remove, out);
}

int ecl__my_file_referenced(ecl_backend_conn *conn, const char *path, int64_t expired_before,
                            int *referenced)
{
	my_result res;
	my_params p;
	int rc;

	ecl__my_params_init(&p);
	ecl__my_time(&p, expired_before);
	ecl__my_text(&p, path);
	rc = ecl__my_read_rows(&res, conn, "SELECT EXISTS (SELECT 1 FROM import_jobs WHERE file_path = ?2"
		" AND NOT (?1 IS NOT NULL AND " EXPIRED "))", &p, "looking up the jobs of a file");
	*referenced = rc == 0 && res.rows == 1 && ecl__my_get_int(&res, 0, 0) != 0;
	ecl__my_result_free(&res);
	return rc;
}
