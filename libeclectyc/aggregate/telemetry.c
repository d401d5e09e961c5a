/* The record of aggregation runs: writing, listing, JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buffer_internal.h"
#include "eclectyc/sys/errors.h"
#include "eclectyc/uuid.h"
#include "util/json_util.h"
#include "util/strutil.h"
#include "aggregate/telemetry_internal.h"

int ecl__execution_id(char out[ECL_EXECUTION_ID_SIZE])
{
	char uuid[ECL_BATCH_ID_SIZE];
	int rc = ecl_uuid_v4(uuid);

	if (rc == 0)
		snprintf(out, ECL_EXECUTION_ID_SIZE, "exec_%s", uuid);
	return rc;
}

int ecl__telemetry_write(ecl_store *store, const ecl_aggregate_report *report, const char *trigger,
                         int64_t started_at, int64_t completed_at)
{
	ecl_buf data = ECL_BUF_INIT;
	ecl_execution e;
	int rc;

	memset(&e, 0, sizeof(e));
	memcpy(e.execution_id, report->execution_id, sizeof(e.execution_id));
	e.range = report->range;
	memcpy(e.target_date, report->target_date, sizeof(e.target_date));
	memcpy(e.period_start, report->period_start, sizeof(e.period_start));
	memcpy(e.period_end, report->period_end, sizeof(e.period_end));
	e.trigger = (char *)trigger;
	e.status = completed_at == ECL_TIME_NONE ? ECL_RUN_RUNNING : report->status;
	e.started_at = started_at;
	e.completed_at = completed_at;
	e.duration_seconds = report->duration_seconds;
	e.meters_processed = report->meters_processed;
	e.error_count = report->error_count;
	e.warning_count = report->warning_count;
	e.error_message = report->error_message;
	rc = completed_at == ECL_TIME_NONE ? 0 : ecl_aggregate_report_to_json(&data, report);
	e.telemetry_data = data.ptr;
	if (rc == 0)
		rc = ECL__BACKEND(store, execution_record, &e);
	ecl_buf_dispose(&data);
	return rc;
}

void ecl_execution_array_free(ecl_execution_array *array)
{
	size_t i;

	if (array == NULL)
		return;
	for (i = 0; i < array->count; i++) {
		free(array->executions[i].trigger);
		free(array->executions[i].error_message);
		free(array->executions[i].telemetry_data);
	}
	free(array->executions);
	free(array);
}

int ecl_execution_list(ecl_execution_array **out, ecl_store *store, int limit)
{
	ecl_execution_array *array = NULL;
	int rc = 0;

	if (out == NULL || store == NULL)
		return ecl_error_set(ECL_EINVALID, "execution list output pointer or store is NULL");
	*out = NULL;
	if (limit < 1 || limit > 10000)
		rc = ecl_error_set(ECL_EINVALID, "execution list limit must be 1..10000, got %d", limit);
	if (rc == 0)
		rc = ecl__store_require(store, ECL__BACKEND_HAS(store, execution_list), "run telemetry");
	if (rc == 0 && (array = calloc(1, sizeof(*array))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory listing executions");
	if (rc == 0)
		rc = ECL__BACKEND(store, execution_list, limit, array);
	if (rc == 0)
		*out = array;
	else
		ecl_execution_array_free(array);
	return rc;
}

static json_t *date_or_null(const char *date)
{
	return *date ? json_string(date) : json_null();
}

static json_t *execution_object(const ecl_execution *e)
{
	json_t *o = json_object();
	int failed = o == NULL;

	if (failed)
		return NULL;
	ecl__json_put(o, "execution_id", json_string(e->execution_id), &failed);
	ecl__json_put(o, "range_type", json_string(ecl_range_name(e->range)), &failed);
	ecl__json_put(o, "target_date", date_or_null(e->target_date), &failed);
	ecl__json_put(o, "period_start", date_or_null(e->period_start), &failed);
	ecl__json_put(o, "period_end", date_or_null(e->period_end), &failed);
	ecl__json_put(o, "trigger", ecl__json_text(e->trigger), &failed);
	ecl__json_put(o, "status", json_string(ecl_run_status_name(e->status)), &failed);
	ecl__json_put(o, "started_at", ecl__json_instant(e->started_at), &failed);
	ecl__json_put(o, "completed_at", ecl__json_instant(e->completed_at), &failed);
	ecl__json_put(o, "duration_seconds", json_real(round(e->duration_seconds * 1000.0) / 1000.0),
	              &failed);
	ecl__json_put(o, "meters_processed", json_integer(e->meters_processed), &failed);
	ecl__json_put(o, "error_count", json_integer(e->error_count), &failed);
	ecl__json_put(o, "warning_count", json_integer(e->warning_count), &failed);
	ecl__json_put(o, "error_message", ecl__json_text(e->error_message), &failed);
	ecl__json_put(o, "telemetry_data", ecl__json_decoded(e->telemetry_data), &failed);
	return ecl__json_done(o, failed);
}

int ecl_execution_to_json(ecl_buf *out, const ecl_execution *execution)
{
	if (out == NULL || execution == NULL)
		return ecl_error_set(ECL_EINVALID, "execution or output buffer is NULL");
	return ecl__json_to_buf(out, execution_object(execution), "an execution");
}
