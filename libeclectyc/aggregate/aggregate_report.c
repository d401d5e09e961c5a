/* Names of ranges and run states, and the aggregation report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/aggregate.h"
#include "eclectyc/sys/errors.h"
#include "util/json_util.h"

static const char *const range_names[ECL_RANGE_COUNT] = { "daily", "weekly", "monthly", "annual" };
static const char *const status_names[] = { "running", "completed", "partial", "failed" };

const char *ecl_range_name(ecl_range range)
{
	return (unsigned)range < ECL_RANGE_COUNT ? range_names[range] : NULL;
}

int ecl_range_parse(ecl_range *out, const char *name)
{
	int i;

	if (out == NULL || name == NULL)
		return ecl_error_set(ECL_EINVALID, "range or output pointer is NULL");
	for (i = 0; i < ECL_RANGE_COUNT; i++) {
		if (strcmp(name, range_names[i]) == 0) {
			*out = (ecl_range)i;
			return 0;
		}
	}
	return ecl_error_set(ECL_EINVALID, "unknown range \"%.40s\" (expected daily, weekly, monthly "
		"or annual)", name);
}

const char *ecl_run_status_name(ecl_run_status status)
{
	return (unsigned)status <= ECL_RUN_FAILED ? status_names[status] : NULL;
}

void ecl_aggregate_report_free(ecl_aggregate_report *report)
{
	size_t i;

	if (report == NULL)
		return;
	for (i = 0; i < report->message_count; i++)
		free(report->messages[i]);
	free(report->messages);
	free(report->error_message);
	free(report);
}

static json_t *messages_array(const ecl_aggregate_report *r, int *failed)
{
	json_t *array = json_array();
	size_t i;

	if (array == NULL)
		*failed = 1;
	for (i = 0; array != NULL && i < r->message_count; i++)
		ecl__json_append(array, ecl__json_text(r->messages[i]), failed);
	return array;
}

static json_t *report_object(const ecl_aggregate_report *r)
{
	json_t *o = json_object();
	int failed = o == NULL;

	if (failed)
		return NULL;
	ecl__json_put(o, "execution_id", json_string(r->execution_id), &failed);
	ecl__json_put(o, "range", json_string(ecl_range_name(r->range)), &failed);
	ecl__json_put(o, "status", json_string(ecl_run_status_name(r->status)), &failed);
	ecl__json_put(o, "target_date", json_string(r->target_date), &failed);
	ecl__json_put(o, "period_start", json_string(r->period_start), &failed);
	ecl__json_put(o, "period_end", json_string(r->period_end), &failed);
	ecl__json_put(o, "periods", json_integer(r->periods), &failed);
	ecl__json_put(o, "meters_processed", json_integer(r->meters_processed), &failed);
	ecl__json_put(o, "rows_written", json_integer(r->rows_written), &failed);
	ecl__json_put(o, "rows_unchanged", json_integer(r->rows_unchanged), &failed);
	ecl__json_put(o, "rows_removed", json_integer(r->rows_removed), &failed);
	ecl__json_put(o, "incomplete_days", json_integer(r->incomplete_days), &failed);
	ecl__json_put(o, "errors", json_integer(r->error_count), &failed);
	ecl__json_put(o, "warnings", json_integer(r->warning_count), &failed);
	ecl__json_put(o, "duration_seconds", json_real(round(r->duration_seconds * 1000.0) / 1000.0),
	              &failed);
	ecl__json_put(o, "error_message", ecl__json_text(r->error_message), &failed);
	ecl__json_put(o, "messages", messages_array(r, &failed), &failed);
	return ecl__json_done(o, failed);
}

int ecl_aggregate_report_to_json(ecl_buf *out, const ecl_aggregate_report *report)
{
	if (out == NULL || report == NULL)
		return ecl_error_set(ECL_EINVALID, "aggregation report or output buffer is NULL");
	return ecl__json_to_buf(out, report_object(report), "an aggregation report");
}
