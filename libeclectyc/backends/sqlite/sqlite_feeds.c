/*
 * SQLite backend: what the data feeds' store (backends/common/feed_store.h)
 * needs of it: the hook that runs one shared statement, and the stale
 * meters, whose dates only SQLite's own functions turn into seconds.
 */
#include "sqlite_internal.h"

/* A daily total's start is its date at 00:00 UTC; a meter's latest reading
 * the later of its latest half hour and that. Each max() is one probe of
 * the table's primary key (meter, instant or date). */
const char ecl__sqlite_meters_stale_sql[] =
	"SELECT mpan, latest FROM ("
	" SELECT id, mpan, max(coalesce(hh, dd), coalesce(dd, hh)) AS latest FROM ("
	"  SELECT m.id, m.mpan,"
	"   (SELECT max(period_start) FROM hh_readings h WHERE h.meter_id = m.id) AS hh,"
	"   (SELECT CAST(strftime('%s', max(reading_date)) AS INTEGER) FROM daily_readings d"
	"    WHERE d.meter_id = m.id) AS dd"
	"  FROM meters m WHERE m.is_active = 1) r) s"
	" WHERE latest < ?1 ORDER BY latest, id LIMIT ?2";

static int is_unique_violation(int step)
{
	return step == SQLITE_CONSTRAINT_UNIQUE || step == SQLITE_CONSTRAINT_PRIMARYKEY;
}

int ecl__sqlite_statement(ecl_backend_conn *conn, ecl__sql_call *call, const char *doing)
{
	sqlite3_stmt *s;
	ecl__job_row row;
	int i, step = SQLITE_DONE, rc = ecl__sqlite_prepare(&s, conn, call->sql);

	if (rc != 0)
		return rc;
	for (i = 0; i < call->count; i++)
		ecl__sqlite_dialect.bind(s, i + 1, call->params[i].kind, &call->params[i].value);
	ecl__sqlite_job_row(&row, s);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = call->row ? call->row(&row, call->ctx) : 0;
	if (rc == 0 && is_unique_violation(step))
		rc = ecl_error_set(ECL_EEXISTS, "%s: %s", doing, sqlite3_errmsg(conn->db));
	else if (rc == 0 && step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, doing);
	if (rc == 0) {
		call->changed = sqlite3_changes(conn->db);
		call->inserted_id = sqlite3_last_insert_rowid(conn->db);
	}
	ecl__sqlite_done(s);
	return rc;
}
