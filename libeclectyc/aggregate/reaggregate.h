/* Re-aggregating what an import wrote (see reaggregate.c). */
#ifndef ECL_REAGGREGATE_H
#define ECL_REAGGREGATE_H

#include <jansson.h>

#include "eclectyc/aggregate.h"
#include "store/store_internal.h"

/*
 * Re-run daily, weekly, monthly and annual aggregation for the meters and
 * days import batch `batch_id` wrote, and add the outcome to the job
 * summary object as "aggregation" (when `summary` is not NULL). An
 * aggregation failure is recorded (telemetry, alert, summary) but is not
 * the import's failure, so nothing is returned.
 *
 * @param base options to start from (peak window), or NULL for the defaults
 */
void ecl__reaggregate_batch(ecl_store *store, const char *batch_id,
                            const ecl_aggregate_options *base, json_t *summary);

#endif
