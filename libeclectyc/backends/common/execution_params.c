/* The parameters of a scheduler_executions row (execution_params.h). */
#include <string.h>

#include "execution_params.h"

static ecl__param text(const char *t)
{
	ecl__param p = { ECL__PARAM_TEXT, t, 0, 0.0, t == NULL };

	return p;
}

static ecl__param integer(int64_t v, int null)
{
	ecl__param p = { ECL__PARAM_INT, NULL, v, 0.0, null };

	return p;
}

void ecl__execution_params(const ecl_execution *e, ecl__param out[ECL__EXECUTION_PARAMS])
{
	int done = e->completed_at != ECL_TIME_NONE;

	out[0] = text(e->execution_id);
	out[1] = text(ecl_range_name(e->range));
	out[2] = text(e->target_date);
	out[3] = text(*e->period_start ? e->period_start : NULL);
	out[4] = text(*e->period_end ? e->period_end : NULL);
	out[5] = text(e->trigger ? e->trigger : "manual");
	out[6] = text(ecl_run_status_name(e->status));
	out[7] = integer(e->started_at, 0);
	out[8] = integer(e->completed_at, !done);
	out[9] = integer(0, !done);
	out[9].kind = ECL__PARAM_DOUBLE;
	out[9].d = e->duration_seconds;
	out[10] = integer(e->meters_processed, 0);
	out[11] = integer(e->error_count, 0);
	out[12] = integer(e->warning_count, 0);
	out[13] = text(e->error_message);
	out[14] = text(e->telemetry_data);
}

void ecl__execution_bind(const ecl_execution *e, void *params,
                         void (*bind)(void *params, const ecl__param *v))
{
	ecl__param v[ECL__EXECUTION_PARAMS];
	int i;

	ecl__execution_params(e, v);
	for (i = 0; i < ECL__EXECUTION_PARAMS; i++)
		bind(params, &v[i]);
}
