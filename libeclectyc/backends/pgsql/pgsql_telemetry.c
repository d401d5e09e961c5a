/* scheduler_executions on PostgreSQL: one row per aggregation run. */
#include <stdlib.h>
#include <string.h>

#include "backends/common/execution_params.h"
#include "pgsql_internal.h"
#include "util/strutil.h"

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

static int read_execution(const PGresult *r, int i, ecl_execution *e)
{
	ecl_range range = ECL_RANGE_DAILY;
	const char *status = PQgetvalue(r, i, 6);
	int oom = 0, s;

	memset(e, 0, sizeof(*e));
	ecl__strlcpy(e->execution_id, PQgetvalue(r, i, 0), sizeof(e->execution_id));
	ecl_range_parse(&range, PQgetvalue(r, i, 1));
	e->range = range;
	ecl__pg_copy_date(e->target_date, r, i, 2);
	ecl__pg_copy_date(e->period_start, r, i, 3);
	ecl__pg_copy_date(e->period_end, r, i, 4);
	e->trigger = ecl__pg_get_text(r, i, 5, &oom);
	for (s = ECL_RUN_RUNNING; s <= ECL_RUN_FAILED; s++)
		if (strcmp(status, ecl_run_status_name((ecl_run_status)s)) == 0)
			e->status = (ecl_run_status)s;
	e->started_at = ecl__pg_get_int(r, i, 7);
	e->completed_at = ecl__pg_get_int(r, i, 8);
	e->duration_seconds = ecl__pg_get_double(r, i, 9);
	e->meters_processed = ecl__pg_get_int(r, i, 10);
	e->error_count = ecl__pg_get_int(r, i, 11);
	e->warning_count = ecl__pg_get_int(r, i, 12);
	e->error_message = ecl__pg_get_text(r, i, 13, &oom);
	e->telemetry_data = ecl__pg_get_text(r, i, 14, &oom);
	return oom ? ecl_error_set(ECL_ENOMEM, "out of memory reading an aggregation run") : 0;
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
	for (i = 0; rc == 0 && i < n; i++)
		rc = read_execution(res, i, &ctx->out->executions[ctx->out->count++]);
	PQclear(res);
	return rc;
}

int ecl__pg_execution_list(ecl_backend_conn *conn, int limit, ecl_execution_array *out)
{
	list_ctx ctx = { limit, out };

	return ecl__pg_read(conn, list_runs, &ctx, "listing aggregation runs");
}
