/* scheduler_executions on MySQL/MariaDB: one row per aggregation run. */
#include <stdlib.h>
#include <string.h>

#include "backends/common/execution_params.h"
#include "backends/common/job_columns.h"
#include "mysql_internal.h"

/* One value of the shared table (common/execution_params.h). */
static void bind_param(void *params, const ecl__param *v)
{
	switch (v->null ? ECL__PARAM_TEXT : v->kind) {
	case ECL__PARAM_INT:
		ecl__my_int(params, v->i);
		break;
	case ECL__PARAM_DOUBLE:
		ecl__my_double(params, v->d);
		break;
	default:
		ecl__my_text(params, v->null ? NULL : v->text);
	}
}

/* One upsert: the end of a run updates the row its start inserted (the row
 * keeps its id and what the start set); when the start could not be
 * recorded, the end inserts it. */
static int upsert_execution(ecl_backend_conn *conn, void *opaque)
{
	const ecl_execution *e = opaque;
	my_params p;

	ecl__my_params_init(&p);
	ecl__execution_bind(e, &p, bind_param);
	return ecl__my_command(conn, "INSERT INTO scheduler_executions (execution_id, range_type,"
		" target_date, period_start, period_end, trigger_source, status, started_at, completed_at,"
		" duration_seconds, meters_processed, error_count, warning_count, error_message, telemetry_data)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
		" ON DUPLICATE KEY UPDATE period_start = ?4, period_end = ?5, status = ?7, completed_at = ?9,"
		" duration_seconds = ?10, meters_processed = ?11, error_count = ?12, warning_count = ?13,"
		" error_message = ?14, telemetry_data = ?15", &p, NULL, "recording an aggregation run");
}

int ecl__my_execution_record(ecl_backend_conn *conn, const ecl_execution *execution)
{
	return ecl__my_once(conn, upsert_execution, (void *)execution, "recording an aggregation run");
}

int ecl__my_execution_list(ecl_backend_conn *conn, int limit, ecl_execution_array *out)
{
	my_result res;
	my_params p;
	int i, rc;

	ecl__my_params_init(&p);
	ecl__my_int(&p, limit);
	rc = ecl__my_read_rows(&res, conn, "SELECT execution_id, range_type, target_date, period_start,"
		" period_end, trigger_source, status, started_at, completed_at, duration_seconds,"
		" meters_processed, error_count, warning_count, error_message, telemetry_data"
		" FROM scheduler_executions ORDER BY started_at DESC, id DESC LIMIT ?1", &p,
		"listing aggregation runs");
	if (rc == 0 && res.rows > 0
	    && (out->executions = calloc((size_t)res.rows, sizeof(ecl_execution))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory listing aggregation runs");
	for (i = 0; rc == 0 && i < res.rows; i++) {
		ecl__job_row row;

		ecl__my_job_row(&row, &res, i);
		rc = ecl__execution_read(&out->executions[out->count++], &row);
	}
	ecl__my_result_free(&res);
	return rc;
}
