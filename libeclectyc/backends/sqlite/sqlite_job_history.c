/*
 * SQLite backend: what the queue holds and a job's attempts (interface
 * version 5). The attempts themselves are written by the triggers of
 * migration 5; this file only reads them.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/common/job_columns.h"
#include "sqlite_internal.h"

int ecl__sqlite_job_status_counts(ecl_backend_conn *conn, ecl_job_status_counts *out)
{
	sqlite3_stmt *s;
	int step = SQLITE_DONE, rc = ecl__sqlite_prepare(&s, conn,
		"SELECT status, count(*) FROM import_jobs GROUP BY status");

	memset(out, 0, sizeof(*out));
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(s, 0);
		int64_t n = sqlite3_column_int64(s, 1);

		rc = ecl_job_status_counts_put(out, status, n);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, "counting jobs");
	ecl__sqlite_done(s);
	return rc;
}

/* Room for one more attempt in `out`. */
static int make_room(ecl_job_attempt_array *out, size_t *capacity)
{
	size_t grown = *capacity ? *capacity * 2 : 8;
	ecl_job_attempt *more;

	if (out->count < *capacity)
		return 0;
	if ((more = realloc(out->attempts, grown * sizeof(*more))) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory reading job attempts");
	out->attempts = more;
	*capacity = grown;
	return 0;
}

int ecl__sqlite_job_attempts(ecl_backend_conn *conn, const char *batch_id, ecl_job_attempt_array *out)
{
	sqlite3_stmt *s;
	ecl__job_row row;
	size_t capacity = 0;
	int step = SQLITE_DONE, rc = ecl__sqlite_prepare(&s, conn,
		"SELECT a.attempt, a.worker_id, a.started_at, a.ended_at, a.outcome, a.error_message,"
		" a.error_class, a.processed_rows, a.imported_rows, a.failed_rows"
		" FROM import_jobs j JOIN import_job_attempts a ON a.job_id = j.id"
		" WHERE j.batch_id = ?1 ORDER BY a.attempt");

	if (rc != 0)
		return rc;
	sqlite3_bind_text(s, 1, batch_id, -1, SQLITE_STATIC);
	ecl__sqlite_job_row(&row, s);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		rc = make_room(out, &capacity);
		if (rc == 0) {
			rc = ecl__job_attempt_read(&out->attempts[out->count], &row);
			/* Counted even when it failed: its strings are freed with the rest. */
			out->count++;
		}
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, "reading job attempts");
	ecl__sqlite_done(s);
	return rc;
}
