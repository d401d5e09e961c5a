/*
 * SQLite backend: what the queue holds and a job's attempts (interface
 * version 5). The attempts themselves are written by the triggers of
 * migration 5; this file only reads them.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "util/strutil.h"

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

static char *column_text(sqlite3_stmt *s, int col, int *oom)
{
	const char *text = (const char *)sqlite3_column_text(s, col);
	char *copy = text ? ecl__strdup(text) : NULL;

	if (text != NULL && copy == NULL)
		*oom = 1;
	return copy;
}

static int read_attempt(sqlite3_stmt *s, ecl_job_attempt *a)
{
	const char *outcome = (const char *)sqlite3_column_text(s, 4);
	ecl_job_status status = ECL_JOB_PROCESSING;
	int oom = 0;

	memset(a, 0, sizeof(*a));
	a->attempt = sqlite3_column_int(s, 0);
	a->worker_id = column_text(s, 1, &oom);
	a->started_at = sqlite3_column_int64(s, 2);
	a->ended_at = sqlite3_column_type(s, 3) == SQLITE_NULL ? ECL_TIME_NONE : sqlite3_column_int64(s, 3);
	if (outcome != NULL && ecl_job_status_parse(&status, outcome) != 0)
		return ecl_error_set(ECL_EDB, "reading job attempts: unknown outcome \"%s\"", outcome);
	a->outcome = status;
	a->error_message = column_text(s, 5, &oom);
	a->error_class = column_text(s, 6, &oom);
	a->processed_rows = sqlite3_column_int64(s, 7);
	a->imported_rows = sqlite3_column_int64(s, 8);
	a->failed_rows = sqlite3_column_int64(s, 9);
	return oom ? ecl_error_set(ECL_ENOMEM, "out of memory reading job attempts") : 0;
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
	size_t capacity = 0;
	int step = SQLITE_DONE, rc = ecl__sqlite_prepare(&s, conn,
		"SELECT a.attempt, a.worker_id, a.started_at, a.ended_at, a.outcome, a.error_message,"
		" a.error_class, a.processed_rows, a.imported_rows, a.failed_rows"
		" FROM import_jobs j JOIN import_job_attempts a ON a.job_id = j.id"
		" WHERE j.batch_id = ?1 ORDER BY a.attempt");

	if (rc == 0)
		sqlite3_bind_text(s, 1, batch_id, -1, SQLITE_STATIC);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		rc = make_room(out, &capacity);
		if (rc == 0) {
			rc = read_attempt(s, &out->attempts[out->count]);
			/* Counted even when it failed: its strings are freed with the rest. */
			out->count++;
		}
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, "reading job attempts");
	ecl__sqlite_done(s);
	return rc;
}
