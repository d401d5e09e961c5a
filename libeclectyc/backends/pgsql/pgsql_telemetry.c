/* scheduler_executions on PostgreSQL: one row per aggregation run. */
#include <stdlib.h>
#include <string.h>

#include "backends/common/execution_params.h"
#include "backends/common/job_columns.h"
#include "pgsql_internal.h"

/* One value of the shared table (common/execution_params.h); a NULL
 * binds as text, which the statement's cast types. */
static void bind_param(void *params, const ecl__param *v)
{
	if (v->null)
		ecl__pg_text(params, NULL);
	else if (v->kind == ECL__PARAM_TEXT)
		ecl__pg_text(params, v->text);
	else if (v->kind == ECL__PARAM_INT)
		ecl__pg_int(params, v->i);
	else
		ecl__pg_double(params, v->d);
}

/* The start of a run inserts its row; the end updates the outcome columns
 * of that row (so it keeps its id), or inserts it when the start could not
 * be recorded. One statement, one round trip. */
static int record_one(ecl_backend_conn *conn, void *opaque)
{
	const ecl_execution *e = opaque;
	pg_params p;

	ecl__pg_params_init(&p);
	ecl__execution_bind(e, &p, bind_param);
	return ecl__pg_command(conn,
		"INSERT INTO scheduler_executions AS x (execution_id, range_type, target_date, period_start,"
		" period_end, trigger_source, status, started_at, completed_at, duration_seconds,"
		" meters_processed, error_count, warning_count, error_message, telemetry_data)"
		" VALUES ($1::text, $2::text, $3::date, $4::date, $5::date, $6::text, $7::text,"
		" to_timestamp($8::bigint), to_timestamp($9::bigint), $10::float8, $11::bigint, $12::bigint,"
		" $13::bigint, $14::text, $15::json)"
		" ON CONFLICT (execution_id) DO UPDATE SET period_start = excluded.period_start,"
		" period_end = excluded.period_end, status = excluded.status,"
		" completed_at = excluded.completed_at, duration_seconds = excluded.duration_seconds,"
		" meters_processed = excluded.meters_processed, error_count = excluded.error_count,"
		" warning_count = excluded.warning_count, error_message = excluded.error_message,"
		" telemetry_data = excluded.telemetry_data", &p, NULL, "recording an aggregation run");
}

int ecl__pg_execution_record(ecl_backend_conn *conn, const ecl_execution *e)
{
	return ecl__pg_once(conn, record_one, (void *)e, "recording an aggregation run");
}

typedef struct list_ctx {
	int limit;
	ecl_execution_array *out;
} list_ctx;

static void clear_list(ecl_execution_array *out)
{
	while (out->count > 0) {
		ecl_execution *e = &out->executions[--out->count];
		free(e->trigger);
		free(e->error_message);
		free(e->telemetry_data);
	}
	free(out->executions);
	out->executions = NULL;
}

static int list_runs(ecl_backend_conn *conn, void *opaque)
{
	list_ctx *ctx = opaque;
	PGresult *res = NULL;
	pg_params p;
	int rc, i, n;

	clear_list(ctx->out);
	ecl__pg_params_init(&p);
	ecl__pg_int(&p, ctx->limit);
	rc = ecl__pg_query(&res, conn,
		"SELECT execution_id, range_type, target_date, period_start, period_end, trigger_source,"
		" status, " ECL_PG_EPOCH("started_at") ", " ECL_PG_EPOCH("completed_at") ","
		" duration_seconds, meters_processed, error_count, warning_count, error_message,"
		" telemetry_data FROM scheduler_executions ORDER BY started_at DESC, id DESC"
		" LIMIT $1::integer", &p, "listing aggregation runs");
	n = rc == 0 ? PQntuples(res) : 0;
	if (rc == 0 && (ctx->out->executions = calloc((size_t)(n > 0 ? n : 1),
	                                              sizeof(*ctx->out->executions))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory listing aggregation runs");
	for (i = 0; rc == 0 && i < n; i++) {
		ecl__job_row row;

		ecl__pg_job_row(&row, res, i);
		rc = ecl__execution_read(&ctx->out->executions[ctx->out->count++], &row);
	}
	PQclear(res);
	return rc;
}

int ecl__pg_execution_list(ecl_backend_conn *conn, int limit, ecl_execution_array *out)
{
	list_ctx ctx = { limit, out };

	return ecl__pg_read(conn, list_runs, &ctx, "listing aggregation runs");
}
