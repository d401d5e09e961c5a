/*
 * PostgreSQL backend: what the data feeds' store
 * (backends/common/feed_store.h) needs of it: the hook that runs one shared
 * statement, and the stale meters, read from its timestamptz and date
 * columns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgsql_internal.h"

/* A daily total's start is its date at 00:00 UTC; a meter's latest reading
 * the later of its latest half hour and that (greatest() passes over a
 * NULL). Each max() is one probe of the table's primary key. */
const char ecl__pg_meters_stale_sql[] =
	"SELECT mpan, latest FROM ("
	" SELECT m.id, m.mpan, greatest("
	"  (SELECT " ECL_PG_EPOCH("max(period_start)") " FROM hh_readings h WHERE h.meter_id = m.id),"
	"  (SELECT " ECL_PG_EPOCH("max(reading_date)::timestamp") " FROM daily_readings d"
	"   WHERE d.meter_id = m.id)) AS latest"
	" FROM meters m WHERE m.is_active) s"
	" WHERE latest < ?1 ORDER BY latest, id LIMIT ?2";

/* Read every row of `res` through call->row. */
static int hand_rows(ecl__sql_call *call, const PGresult *res)
{
	ecl__job_row row;
	int i, rc = 0;

	for (i = 0; rc == 0 && call->row != NULL && i < PQntuples(res); i++) {
		ecl__pg_job_row(&row, res, i);
		rc = call->row(&row, call->ctx);
	}
	return rc;
}

int ecl__pg_statement(ecl_backend_conn *conn, ecl__sql_call *call, const char *doing)
{
	PGresult *res = NULL;
	pg_params p;
	int i, rc;

	ecl__pg_params_init(&p);
	for (i = 0; i < call->count; i++)
		ecl__pg_dialect.bind(&p, i + 1, call->params[i].kind, &call->params[i].value);
	rc = ecl__pg_query(&res, conn, call->sql, &p, doing);
	if (rc == ECL_EDB && strcmp(conn->last_state, "23505") == 0) {
		rc = ecl_error_set(ECL_EEXISTS, "%s", ecl_error_last());
	}
	if (rc == 0)
		rc = hand_rows(call, res);
	if (rc == 0)
		call->changed = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}
