/*
 * JSON of the records whose modules write none themselves: the reports the
 * command line and the bindings hand on as JSON (an import, a worker's
 * round, an alert's delivery, a schema check) and the lists of records that
 * have a JSON form of their own. Here, so that no host builds these objects
 * by hand and each names the members the same way.
 */
#include <jansson.h>

#include "eclectyc/alert.h"
#include "eclectyc/ingest.h"
#include "eclectyc/store.h"
#include "eclectyc/sys/errors.h"
#include "eclectyc/telemetry.h"
#include "eclectyc/worker.h"
#include "util/json_util.h"

static json_t *ingest_object(const ecl_ingest_report *r)
{
	json_t *o = json_object();
	int failed = o == NULL;

	if (failed)
		return NULL;
	ecl__json_put(o, "batch_id", ecl__json_text(r->batch_id), &failed);
	ecl__json_put(o, "format", ecl__json_text(r->format), &failed);
	ecl__json_put(o, "profile", ecl__json_text(r->profile), &failed);
	ecl__json_put(o, "dry_run", json_boolean(r->dry_run), &failed);
	ecl__json_put(o, "successful", json_boolean(r->successful), &failed);
	ecl__json_put(o, "records_processed", json_integer(r->records_processed), &failed);
	ecl__json_put(o, "records_imported", json_integer(r->records_imported), &failed);
	ecl__json_put(o, "records_failed", json_integer(r->records_failed), &failed);
	ecl__json_put(o, "values_processed", json_integer(r->values_processed), &failed);
	ecl__json_put(o, "inserted", json_integer(r->inserted), &failed);
	ecl__json_put(o, "updated", json_integer(r->updated), &failed);
	ecl__json_put(o, "unchanged", json_integer(r->unchanged), &failed);
	ecl__json_put(o, "meters_created", json_integer(r->meters_created), &failed);
	ecl__json_put(o, "negative_values", json_integer(r->negative_values), &failed);
	ecl__json_put(o, "error_count", json_integer(r->error_count), &failed);
	ecl__json_put(o, "records_skipped", json_integer(r->records_skipped), &failed);
	ecl__json_put(o, "summary", ecl__json_decoded(r->summary), &failed);
	return ecl__json_done(o, failed);
}

int ecl_ingest_report_to_json(ecl_buf *out, const ecl_ingest_report *report)
{
	if (out == NULL || report == NULL)
		return ecl_error_set(ECL_EINVALID, "ingest report or output buffer is NULL");
	return ecl__json_to_buf(out, ingest_object(report), "an ingest report");
}

int ecl_worker_report_to_json(ecl_buf *out, const ecl_worker_report *r)
{
	if (out == NULL || r == NULL)
		return ecl_error_set(ECL_EINVALID, "worker report or output buffer is NULL");
	return ecl__json_to_buf(out, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
		"claimed", (json_int_t)r->claimed, "completed", (json_int_t)r->completed,
		"failed", (json_int_t)r->failed, "requeued", (json_int_t)r->requeued,
		"cancelled", (json_int_t)r->cancelled, "released", (json_int_t)r->released),
		"a worker report");
}

static json_t *alert_result_object(const ecl_alert_result *r)
{
	json_t *o = json_object();
	json_t *channels = json_array();
	int failed = o == NULL || channels == NULL;
	size_t i;

	for (i = 0; !failed && i < r->channel_count && i < ECL_ALERT_CHANNELS_MAX; i++)
		ecl__json_append(channels, json_pack("{s:o, s:b, s:o}",
			"name", ecl__json_text(r->channels[i].name), "ok", r->channels[i].ok,
			"reason", ecl__json_text(r->channels[i].reason)), &failed);
	if (o != NULL) {
		ecl__json_put(o, "suppressed", json_boolean(r->suppressed), &failed);
		ecl__json_put(o, "channels_ok", json_integer(r->channels_ok), &failed);
		ecl__json_put(o, "channels_failed", json_integer(r->channels_failed), &failed);
		ecl__json_put(o, "channels", channels, &failed);
	} else {
		json_decref(channels);
	}
	return ecl__json_done(o, failed);
}

int ecl_alert_result_to_json(ecl_buf *out, const ecl_alert_result *result)
{
	if (out == NULL || result == NULL)
		return ecl_error_set(ECL_EINVALID, "alert result or output buffer is NULL");
	return ecl__json_to_buf(out, alert_result_object(result), "an alert result");
}

static json_t *schema_object(const ecl_schema_report *r)
{
	json_t *o = json_object();
	json_t *problems = json_array();
	int failed = o == NULL || problems == NULL;
	size_t i;

	for (i = 0; !failed && i < r->count; i++)
		ecl__json_append(problems, ecl__json_text(r->problems[i]), &failed);
	if (o != NULL) {
		ecl__json_put(o, "current", json_integer(r->current_version), &failed);
		ecl__json_put(o, "expected", json_integer(r->expected_version), &failed);
		ecl__json_put(o, "problems", problems, &failed);
	} else {
		json_decref(problems);
	}
	return ecl__json_done(o, failed);
}

int ecl_schema_report_to_json(ecl_buf *out, const ecl_schema_report *report)
{
	if (out == NULL || report == NULL)
		return ecl_error_set(ECL_EINVALID, "schema report or output buffer is NULL");
	return ecl__json_to_buf(out, schema_object(report), "a schema report");
}

static int execution_item(ecl_buf *out, const void *item)
{
	return ecl_execution_to_json(out, item);
}

int ecl_execution_array_to_json(ecl_buf *out, const ecl_execution_array *executions)
{
	if (out == NULL || executions == NULL)
		return ecl_error_set(ECL_EINVALID, "execution list or output buffer is NULL");
	return ecl__json_array_to_buf(out, executions->executions, executions->count,
		sizeof(ecl_execution), execution_item);
}
