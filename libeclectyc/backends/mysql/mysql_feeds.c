/*
 * MySQL/MariaDB backend: what the data feeds' store
 * (backends/common/feed_store.h) needs of it: the hook that runs one shared
 * statement (an INSERT's id from the connection: MySQL has no RETURNING),
 * and the stale meters.
 */
#include <stdio.h>
#include <string.h>

#include <mysqld_error.h>

#include "mysql_internal.h"

/* A daily total's start is its date at 00:00 UTC, counted without the
 * session's time zone; a meter's latest reading the later of its latest
 * half hour and that (GREATEST() is NULL when either is, hence the
 * coalesce). Each max() is one probe of the table's primary key. */
const char ecl__my_meters_stale_sql[] =
	"SELECT mpan, latest FROM ("
	" SELECT id, mpan, GREATEST(coalesce(hh, dd), coalesce(dd, hh)) AS latest FROM ("
	"  SELECT m.id, m.mpan,"
	"   (SELECT max(period_start) FROM hh_readings h WHERE h.meter_id = m.id) AS hh,"
	"   (SELECT TIMESTAMPDIFF(SECOND, '1970-01-01', max(reading_date)) FROM daily_readings d"
	"    WHERE d.meter_id = m.id) AS dd"
	"  FROM meters m WHERE m.is_active = 1) r) s"
	" WHERE latest < ?1 ORDER BY latest, id LIMIT ?2";

int ecl__my_statement(ecl_backend_conn *conn, ecl__sql_call *call, const char *doing)
{
	my_result res;
	my_params p;
	ecl__job_row row;
	int i, rc;

	ecl__my_params_init(&p);
	for (i = 0; i < call->count; i++)
		ecl__my_dialect.bind(&p, i + 1, call->params[i].kind, &call->params[i].value);
	rc = ecl__my_execute(&res, &call->changed, &call->inserted_id, conn, call->sql, &p, doing);
	if (rc == ECL_EDB && conn->last_errno == ER_DUP_ENTRY) {
		rc = ecl_error_set(ECL_EEXISTS, "%s", ecl_error_last());
	}
	for (i = 0; rc == 0 && call->row != NULL && i < res.rows; i++) {
		ecl__my_job_row(&row, &res, i);
		rc = call->row(&row, call->ctx);
	}
	ecl__my_result_free(&res);
	return rc;
}
