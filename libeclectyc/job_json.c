/* A job as JSON, shaped like the reference's job row (getJob). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "buffer_internal.h"
#include "eclectyc/job.h"
#include "eclectyc/sys/errors.h"

static json_t *json_instant(int64_t t)
{
	char text[32];
	struct tm tm;
	time_t secs = (time_t)t;

	if (t == ECL_TIME_NONE || gmtime_r(&secs, &tm) == NULL)
		return json_null();
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm);
	return json_string(text);
}

static json_t *json_text(const char *text)
{
	return text ? json_string(text) : json_null();
}

/* Stored JSON columns are decoded; text that does not parse (never written by
 * this library, but a hand-edited row might hold it) is passed on as a string. */
static json_t *json_decoded(const char *text)
{
	json_t *value;

	if (text == NULL)
		return json_null();
	value = json_loads(text, JSON_DECODE_ANY, NULL);
	return value ? value : json_string(text);
}

static double progress_percent(const ecl_job *job)
{
	if (job->total_rows <= 0)
		return 0.0;
	return round((double)job->processed_rows * 10000.0 / (double)job->total_rows) / 100.0;
}

static json_t *job_object(const ecl_job *job)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(job->id));
	json_object_set_new(o, "batch_id", json_string(job->batch_id));
	json_object_set_new(o, "user_id", job->user_id ? json_integer(job->user_id) : json_null());
	json_object_set_new(o, "filename", json_text(job->filename));
	json_object_set_new(o, "file_path", json_text(job->file_path));
	json_object_set_new(o, "import_type", json_text(ecl_import_type_name(job->import_type)));
	json_object_set_new(o, "status", json_text(ecl_job_status_name(job->status)));
	json_object_set_new(o, "dry_run", json_boolean(job->dry_run));
	json_object_set_new(o, "total_rows",
		job->total_rows < 0 ? json_null() : json_integer(job->total_rows));
	json_object_set_new(o, "processed_rows", json_integer(job->processed_rows));
	json_object_set_new(o, "imported_rows", json_integer(job->imported_rows));
	json_object_set_new(o, "failed_rows", json_integer(job->failed_rows));
	json_object_set_new(o, "queued_at", json_instant(job->queued_at));
	json_object_set_new(o, "started_at", json_instant(job->started_at));
	json_object_set_new(o, "completed_at", json_instant(job->completed_at));
	json_object_set_new(o, "error_message", json_text(job->error_message));
	json_object_set_new(o, "summary", json_decoded(job->summary));
	json_object_set_new(o, "retry_count", json_integer(job->retry_count));
	json_object_set_new(o, "max_retries", json_integer(job->max_retries));
	json_object_set_new(o, "retry_at", json_instant(job->retry_at));
	json_object_set_new(o, "last_error", json_text(job->last_error));
	json_object_set_new(o, "notes", json_text(job->notes));
	json_object_set_new(o, "priority", json_text(ecl_priority_name(job->priority)));
	json_object_set_new(o, "tags", json_decoded(job->tags));
	json_object_set_new(o, "metadata", json_decoded(job->metadata));
	json_object_set_new(o, "alert_sent", json_boolean(job->alert_sent));
	json_object_set_new(o, "alert_sent_at", json_instant(job->alert_sent_at));
	json_object_set_new(o, "worker_id", json_text(job->worker_id));
	json_object_set_new(o, "heartbeat_at", json_instant(job->heartbeat_at));
	json_object_set_new(o, "cancel_requested", json_boolean(job->cancel_requested));
	json_object_set_new(o, "checkpoint", json_integer(job->checkpoint));
	json_object_set_new(o, "file_sha256", json_text(job->file_sha256));
	json_object_set_new(o, "error_class", json_text(job->error_class));
	json_object_set_new(o, "progress_percent", json_real(progress_percent(job)));
	return o;
}

int ecl_job_to_json(ecl_buf *out, const ecl_job *job)
{
	json_t *object;
	char *text;
	int rc;

	if (out == NULL || job == NULL)
		return ecl_error_set(ECL_EINVALID, "job or output buffer is NULL");
	object = job_object(job);
	text = object ? json_dumps(object, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(object);
	if (text == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory encoding job %s as JSON", job->batch_id);
	rc = ecl__buf_set(out, text);
	free(text);
	return rc;
}
