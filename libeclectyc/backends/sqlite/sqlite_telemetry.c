/* scheduler_executions on SQLite: one row per aggregation run. */
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "util/strutil.h"

static const char *date_or_null(const char *date)
{
	return *date ? date : NULL;
}

/* Bind the columns every write sets: ?1 execution_id and ?7..?15. */
static void bind_outcome(sqlite3_stmt *s, const ecl_execution *e)
{
	sqlite3_bind_text(s, 1, e->execution_id, -1, SQLITE_STATIC);
	ecl__sqlite_bind_text(s, 4, date_or_null(e->period_start));
	ecl__sqlite_bind_text(s, 5, date_or_null(e->period_end));
	ecl__sqlite_bind_text(s, 7, ecl_run_status_name(e->status));
	ecl__sqlite_bind_time(s, 9, e->completed_at);
	if (e->completed_at == ECL_TIME_NONE)
		sqlite3_bind_null(s, 10);
	else
		sqlite3_bind_double(s, 10, e->duration_seconds);
	sqlite3_bind_int64(s, 11, e->meters_processed);
	sqlite3_bind_int64(s, 12, e->error_count);
	sqlite3_bind_int64(s, 13, e->warning_count);
	ecl__sqlite_bind_text(s, 14, e->error_message);
	ecl__sqlite_bind_text(s, 15, e->telemetry_data);
}

static int step_record(ecl_backend_conn *conn, sqlite3_stmt *s, int64_t *changes)
{
	int step = sqlite3_step(s);
	int rc = step == SQLITE_DONE ? 0 : ecl__sqlite_error(conn, step, "recording an aggregation run");

	*changes = rc == 0 ? sqlite3_changes(conn->db) : 0;
	ecl__sqlite_done(s);
	return rc;
}

/* The end of a run updates the row its start inserted (so the row keeps its
 * id); when the start could not be recorded, the end inserts it. */
int ecl__sqlite_execution_record(ecl_backend_conn *conn, const ecl_execution *e)
{
	sqlite3_stmt *s;
	int64_t changes = 0;
	int rc = ecl__sqlite_prepare(&s, conn,
		"UPDATE scheduler_executions SET period_start = ?4, period_end = ?5, status = ?7,"
		" completed_at = ?9, duration_seconds = ?10, meters_processed = ?11, error_count = ?12,"
		" warning_count = ?13, error_message = ?14, telemetry_data = ?15 WHERE execution_id = ?1");

	if (rc == 0) {
		bind_outcome(s, e);
		rc = step_record(conn, s, &changes);
	}
	if (rc == 0 && changes == 0)
		rc = ecl__sqlite_prepare(&s, conn,
			"INSERT INTO scheduler_executions (execution_id, range_type, target_date, period_start,"
			" period_end, trigger_source, status, started_at, completed_at, duration_seconds,"
			" meters_processed, error_count, warning_count, error_message, telemetry_data)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
	if (rc == 0 && changes == 0) {
		bind_outcome(s, e);
		ecl__sqlite_bind_text(s, 2, ecl_range_name(e->range));
		sqlite3_bind_text(s, 3, e->target_date, -1, SQLITE_STATIC);
		ecl__sqlite_bind_text(s, 6, e->trigger ? e->trigger : "manual");
		sqlite3_bind_int64(s, 8, e->started_at);
		rc = step_record(conn, s, &changes);
	}
	return rc;
}

static char *column_text(sqlite3_stmt *s, int i, int *oom)
{
	const char *text = (const char *)sqlite3_column_text(s, i);
	char *copy = text ? ecl__strdup(text) : NULL;

	if (text != NULL && copy == NULL)
		*oom = 1;
	return copy;
}

static int read_execution(sqlite3_stmt *s, ecl_execution *e)
{
	int oom = 0;
	ecl_range range = ECL_RANGE_DAILY;
	const char *status = (const char *)sqlite3_column_text(s, 6);
	int i;

	memset(e, 0, sizeof(*e));
	ecl__strlcpy(e->execution_id, (const char *)sqlite3_column_text(s, 0), sizeof(e->execution_id));
	ecl_range_parse(&range, (const char *)sqlite3_column_text(s, 1));
	e->range = range;
	ecl__sqlite_copy_date(e->target_date, (const char *)sqlite3_column_text(s, 2));
	ecl__sqlite_copy_date(e->period_start, (const char *)sqlite3_column_text(s, 3));
	ecl__sqlite_copy_date(e->period_end, (const char *)sqlite3_column_text(s, 4));
	e->trigger = column_text(s, 5, &oom);
	for (i = ECL_RUN_RUNNING; i <= ECL_RUN_FAILED; i++)
		if (status && strcmp(status, ecl_run_status_name((ecl_run_status)i)) == 0)
			e->status = (ecl_run_status)i;
	e->started_at = sqlite3_column_int64(s, 7);
	e->completed_at = sqlite3_column_int64(s, 8);
	e->duration_seconds = sqlite3_column_double(s, 9);
	e->meters_processed = sqlite3_column_int64(s, 10);
	e->error_count = sqlite3_column_int64(s, 11);
	e->warning_count = sqlite3_column_int64(s, 12);
	e->error_message = column_text(s, 13, &oom);
	e->telemetry_data = column_text(s, 14, &oom);
	return oom ? ecl_error_set(ECL_ENOMEM, "out of memory reading an aggregation run") : 0;
}

int ecl__sqlite_execution_list(ecl_backend_conn *conn, int limit, ecl_execution_array *out)
{
	sqlite3_stmt *s;
	int step = SQLITE_DONE, rc = ecl__sqlite_prepare(&s, conn,
		"SELECT execution_id, range_type, target_date, period_start, period_end, trigger_source,"
		" status, started_at, completed_at, duration_seconds, meters_processed, error_count,"
		" warning_count, error_message, telemetry_data FROM scheduler_executions"
		" ORDER BY started_at DESC, id DESC LIMIT ?1");

	if (rc != 0)
		return rc;
	sqlite3_bind_int(s, 1, limit);
	if ((out->executions = calloc((size_t)limit, sizeof(*out->executions))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory listing aggregation runs");
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = read_execution(s, &out->executions[out->count++]);
	if (rc == 0 && step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, "listing aggregation runs");
	ecl__sqlite_done(s);
	return rc;
}
