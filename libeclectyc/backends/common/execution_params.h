/*
 * The parameters of a scheduler_executions row (the `execution_record`
 * slot of include/eclectyc/sys/backend.h), which every backend whose
 * statement numbers them 1..15 binds alike: the values and their NULLs are
 * decided here once, the binding is the backend's (one loop over kinds).
 */
#ifndef ECL_BACKENDS_COMMON_EXECUTION_PARAMS_H
#define ECL_BACKENDS_COMMON_EXECUTION_PARAMS_H

#include "eclectyc/sys/backend.h"

typedef enum ecl__param_kind { ECL__PARAM_TEXT, ECL__PARAM_INT, ECL__PARAM_DOUBLE } ecl__param_kind;

/* One value; `null` set (or a NULL text) binds SQL NULL. */
typedef struct ecl__param {
	ecl__param_kind kind;
	const char *text;
	int64_t i;
	double d;
	int null;
} ecl__param;

/* In the order of the columns execution_id, range_type, target_date,
 * period_start, period_end, trigger_source, status, started_at,
 * completed_at, duration_seconds, meters_processed, error_count,
 * warning_count, error_message, telemetry_data. */
#define ECL__EXECUTION_PARAMS 15

/* Fill `out` from `e` (texts borrowed from it): an empty period date, an
 * unset completion and the duration of an unfinished run are NULL, a
 * missing trigger is "manual". */
void ecl__execution_params(const ecl_execution *e, ecl__param out[ECL__EXECUTION_PARAMS]);

/* Fill the parameters and hand each, in order, to the backend's `bind`. */
void ecl__execution_bind(const ecl_execution *e, void *params,
                         void (*bind)(void *params, const ecl__param *v));

/* Read a row of those 15 columns, in that order (instants as Unix seconds),
 * through the cells of backends/common/job_columns.h; the strings are newly
 * allocated. 0 or ECL_ENOMEM. */
struct ecl__job_row;
int ecl__execution_read(ecl_execution *e, const struct ecl__job_row *row);

#endif
