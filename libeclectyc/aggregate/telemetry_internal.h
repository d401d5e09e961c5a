/* Recording aggregation runs in scheduler_executions (see telemetry.h). */
#ifndef ECL_TELEMETRY_INTERNAL_H
#define ECL_TELEMETRY_INTERNAL_H

#include "eclectyc/aggregate.h"
#include "eclectyc/telemetry.h"
#include "store/store_internal.h"

/* A new execution id: "exec_" and a UUID v4. 0 or the UUID's error. */
int ecl__execution_id(char out[ECL_EXECUTION_ID_SIZE]);

/* Write the run's row as the report now stands (insert, or replace the row
 * with its execution_id). `completed_at` is ECL_TIME_NONE while running. */
int ecl__telemetry_write(ecl_store *store, const ecl_aggregate_report *report, const char *trigger,
                         int64_t started_at, int64_t completed_at);

#endif
