/*
 * After an import: re-aggregate exactly the meters and days it wrote, so
 * late or corrected readings reach every level without anyone re-running
 * aggregation by hand (the reference never linked the two). The
 * meters and days come from the store (import_batch_meters), not from this
 * run's memory, so a job resumed after a crash covers its earlier batches
 * too.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/sys/errors.h"
#include "util/json_util.h"
#include "aggregate/reaggregate.h"
#include "util/strutil.h"

static json_t *outcome(const ecl_aggregate_report *r, int rc)
{
	json_t *o = json_object();
	int failed = o == NULL;

	if (failed)
		return NULL;
	if (r != NULL) {
		ecl__json_put(o, "status", json_string(ecl_run_status_name(r->status)), &failed);
		ecl__json_put(o, "execution_id", json_string(r->execution_id), &failed);
		ecl__json_put(o, "rows_written", json_integer(r->rows_written), &failed);
		ecl__json_put(o, "rows_removed", json_integer(r->rows_removed), &failed);
	} else {
		ecl__json_put(o, "status", json_string("failed"), &failed);
	}
	if (rc != 0 || (r != NULL && r->error_message != NULL))
		ecl__json_put(o, "error", ecl__json_text(r && r->error_message ? r->error_message
		                                                                 : ecl_error_last()), &failed);
	return ecl__json_done(o, failed);
}

static json_t *run_all(ecl_store *store, const ecl_batch_extent *extent,
                       const ecl_aggregate_options *base)
{
	ecl_aggregate_options o = *base;
	json_t *ranges = json_object();
	int i, failed = ranges == NULL;

	o.until = extent->last_date;
	o.meter_ids = extent->meter_ids;
	o.meter_count = extent->meter_count;
	o.trigger = "import";
	for (i = 0; !failed && i < ECL_RANGE_COUNT; i++) {
		ecl_aggregate_report *r = NULL;
		int rc = ecl_aggregate(&r, store, (ecl_range)i, extent->first_date, &o);

		ecl__json_put(ranges, ecl_range_name((ecl_range)i), outcome(r, rc), &failed);
		ecl_aggregate_report_free(r);
	}
	return ecl__json_done(ranges, failed);
}

void ecl__reaggregate_batch(ecl_store *store, const char *batch_id,
                            const ecl_aggregate_options *base, json_t *summary)
{
	static const ecl_aggregate_options defaults = ECL_AGGREGATE_OPTIONS_INIT;
	ecl_batch_extent extent;
	json_t *aggregation = NULL;
	int rc = ecl__store_require(store, ECL__BACKEND_HAS(store, batch_extent)
		&& ECL__BACKEND_HAS(store, aggregate) && ECL__BACKEND_HAS(store, execution_record),
		"re-aggregation after an import");

	memset(&extent, 0, sizeof(extent));
	if (rc == 0)
		rc = ECL__BACKEND(store, batch_extent, batch_id, &extent);
	if (rc != 0)
		ecl__log(&store->logger, ECL_LOG_ERROR, "import %s: cannot tell which days to "
			"re-aggregate: %s", batch_id, ecl_error_last());
	else if (extent.meter_count > 0)
		aggregation = run_all(store, &extent, base ? base : &defaults);
	/* json_object_set_new() takes the reference even when it fails (out of
	 * memory then loses only the summary's "aggregation" member). */
	if (aggregation != NULL && summary != NULL)
		json_object_set_new(summary, "aggregation", aggregation);
	else
		json_decref(aggregation);
	free(extent.meter_ids);
}
