/* Alerts raised by the core (see alert_hook.h). */
#include "alert_hook.h"

void ecl__alert_aggregation(ecl_store *store, const ecl_aggregate_report *report)
{
	const char *range = ecl_range_name(report->range);
	const char *detail = report->error_message ? report->error_message : "no detail";

	if (report->status == ECL_RUN_FAILED)
		ecl__log(&store->logger, ECL_LOG_ERROR,
			"ALERT: %s aggregation for %s failed (execution %s): %s",
			range, report->target_date, report->execution_id, detail);
	else if (report->status == ECL_RUN_PARTIAL)
		ecl__log(&store->logger, ECL_LOG_WARN,
			"ALERT: %s aggregation for %s was partial, %lld meter(s) failed (execution %s): %s",
			range, report->target_date, (long long)report->error_count, report->execution_id,
			detail);
}
