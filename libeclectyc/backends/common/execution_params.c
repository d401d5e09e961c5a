/* The parameters of a scheduler_executions row (execution_params.h). */
#include <stdlib.h>
#include <string.h>

#include "execution_params.h"
#include "job_columns.h"
#include "util/strutil.h"

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

static const char *cell(const ecl__job_row *row, int col)
{
	return row->cells->text(row, col);
}

/* A copy of a text cell; NULL for SQL NULL, *oom set when out of memory. */
static char *copy(const ecl__job_row *row, int col, int *oom)
{
	const char *text = cell(row, col);
	char *dup = text ? ecl__strdup(text) : NULL;

	if (text != NULL && dup == NULL)
		*oom = 1;
	return dup;
}

/* A date cell into an 11-byte field ("" for NULL). */
static void copy_date(char out[11], const ecl__job_row *row, int col)
{
	const char *text = cell(row, col);

	ecl__strlcpy(out, text ? text : "", 11);
}

int ecl__execution_read(ecl_execution *e, const ecl__job_row *row)
{
	const char *status = cell(row, 6), *duration = cell(row, 9);
	ecl_range range = ECL_RANGE_DAILY;
	int s, oom = 0;

	memset(e, 0, sizeof(*e));
	ecl__strlcpy(e->execution_id, cell(row, 0) ? cell(row, 0) : "", sizeof(e->execution_id));
	ecl_range_parse(&range, cell(row, 1));
	e->range = range;
	copy_date(e->target_date, row, 2);
	copy_date(e->period_start, row, 3);
	copy_date(e->period_end, row, 4);
	e->trigger = copy(row, 5, &oom);
	for (s = ECL_RUN_RUNNING; s <= ECL_RUN_FAILED; s++)
		if (status && strcmp(status, ecl_run_status_name((ecl_run_status)s)) == 0)
			e->status = (ecl_run_status)s;
	e->started_at = row->cells->integer(row, 7);
	e->completed_at = row->cells->integer(row, 8);
	e->duration_seconds = duration ? strtod(duration, NULL) : 0.0;
	e->meters_processed = row->cells->integer(row, 10);
	e->error_count = row->cells->integer(row, 11);
	e->warning_count = row->cells->integer(row, 12);
	e->error_message = copy(row, 13, &oom);
	e->telemetry_data = copy(row, 14, &oom);
	return oom ? ecl_error_set(ECL_ENOMEM, "out of memory reading an aggregation run") : 0;
}
