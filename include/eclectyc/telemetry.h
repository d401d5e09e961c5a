/**
 * @file eclectyc/telemetry.h
 * @brief The record of aggregation runs (`scheduler_executions`).
 *
 * Every run of ecl_aggregate() is written when it starts (status running)
 * and again when it ends. Writing telemetry never decides whether the
 * aggregation happens: a failed write becomes a warning on the run.
 */
#ifndef ECLECTYC_TELEMETRY_H
#define ECLECTYC_TELEMETRY_H

#include "common.h"
#include "aggregate.h"
#include "buffer.h"
#include "store.h"

ECL_BEGIN_DECL

/**
 * One scheduler_executions row. Strings are owned by the record.
 * Frozen per SONAME (docs/conventions.md): it comes in contiguous arrays,
 * so a new member means a new SONAME.
 */
typedef struct ecl_execution {
	char execution_id[ECL_EXECUTION_ID_SIZE];
	ecl_range range;
	char target_date[11];
	char period_start[11];
	char period_end[11];
	char *trigger;            /**< "manual", "schedule" or "import" */
	ecl_run_status status;
	int64_t started_at;       /**< UTC seconds */
	int64_t completed_at;     /**< ECL_TIME_NONE while running */
	double duration_seconds;
	int64_t meters_processed;
	int64_t error_count;
	int64_t warning_count;
	char *error_message;      /**< NULL when none */
	char *telemetry_data;     /**< JSON object text, or NULL */
} ecl_execution;

/** A list of executions. */
typedef struct ecl_execution_array {
	ecl_execution *executions;
	size_t count;
} ecl_execution_array;

/** Free a list and every record in it. Accepts NULL. */
ECL_EXTERN void ecl_execution_array_free(ecl_execution_array *array);

/**
 * The most recent runs, newest first (started_at, then insertion order).
 *
 * @param limit at most this many (1..10000)
 * @return 0, ECL_EINVALID, ECL_ESCHEMA, ECL_EDB, ECL_ENOMEM
 */
ECL_EXTERN int ecl_execution_list(ecl_execution_array **out, ecl_store *store, int limit);

/** Set `out` to one execution as a JSON object. @return 0, ECL_EINVALID or ECL_ENOMEM */
ECL_EXTERN int ecl_execution_to_json(ecl_buf *out, const ecl_execution *execution);

/** Set `out` to a list as one JSON array of ecl_execution_to_json() objects.
 *  @return 0, ECL_EINVALID or ECL_ENOMEM */
ECL_EXTERN int ecl_execution_array_to_json(ecl_buf *out, const ecl_execution_array *executions);

ECL_END_DECL

#endif
