/* A job as JSON, shaped like the reference's job row (getJob). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "eclectyc/job.h"
#include "eclectyc/sys/errors.h"
#include "util/json_util.h"

static double progress_percent(const ecl_job *job)
{
	if (job->total_rows <= 0)
		return 0.0;
	return round((double)job->processed_rows * 10000.0 / (double)job->total_rows) / 100.0;
}

static json_t *job_object(const ecl_job *job)
{
	json_t *o = json_object();
	int failed = o == NULL;

	if (failed)
		return NULL;

	ecl__json_put(o, "id", json_integer(job->id), &failed);
	ecl__json_put(o, "batch_id", ecl__json_text(job->batch_id), &failed);
	ecl__json_put(o, "user_id", job->user_id ? json_integer(job->user_id) : json_null(), &failed);
	ecl__json_put(o, "filename", ecl__json_text(job->filename), &failed);
	ecl__json_put(o, "file_path", ecl__json_text(job->file_path), &failed);
	ecl__json_put(o, "import_type", ecl__json_text(ecl_import_type_name(job->import_type)), &failed);
	ecl__json_put(o, "status", ecl__json_text(ecl_job_status_name(job->status)), &failed);
	ecl__json_put(o, "dry_run", json_boolean(job->dry_run), &failed);
	ecl__json_put(o, "total_rows",
		job->total_rows < 0 ? json_null() : json_integer(job->total_rows), &failed);
	ecl__json_put(o, "processed_rows", json_integer(job->processed_rows), &failed);
	ecl__json_put(o, "imported_rows", json_integer(job->imported_rows), &failed);
	ecl__json_put(o, "failed_rows", json_integer(job->failed_rows), &failed);
	ecl__json_put(o, "queued_at", ecl__json_instant(job->queued_at), &failed);
	ecl__json_put(o, "started_at", ecl__json_instant(job->started_at), &failed);
	ecl__json_put(o, "completed_at", ecl__json_instant(job->completed_at), &failed);
	ecl__json_put(o, "error_message", ecl__json_text(job->error_message), &failed);
	ecl__json_put(o, "summary", ecl__json_decoded(job->summary), &failed);
	ecl__json_put(o, "retry_count", json_integer(job->retry_count), &failed);
	ecl__json_put(o, "max_retries", json_integer(job->max_retries), &failed);
	ecl__json_put(o, "retry_at", ecl__json_instant(job->retry_at), &failed);
	ecl__json_put(o, "last_error", ecl__json_text(job->last_error), &failed);
	ecl__json_put(o, "notes", ecl__json_text(job->notes), &failed);
	ecl__json_put(o, "priority", ecl__json_text(ecl_priority_name(job->priority)), &failed);
	ecl__json_put(o, "tags", ecl__json_decoded(job->tags), &failed);
	ecl__json_put(o, "metadata", ecl__json_decoded(job->metadata), &failed);
	ecl__json_put(o, "alert_sent", json_boolean(job->alert_sent), &failed);
	ecl__json_put(o, "alert_sent_at", ecl__json_instant(job->alert_sent_at), &failed);
	ecl__json_put(o, "worker_id", ecl__json_text(job->worker_id), &failed);
	ecl__json_put(o, "heartbeat_at", ecl__json_instant(job->heartbeat_at), &failed);
	ecl__json_put(o, "cancel_requested", json_boolean(job->cancel_requested), &failed);
	ecl__json_put(o, "checkpoint", json_integer(job->checkpoint), &failed);
	ecl__json_put(o, "file_sha256", ecl__json_text(job->file_sha256), &failed);
	ecl__json_put(o, "error_class", ecl__json_text(job->error_class), &failed);
	ecl__json_put(o, "import_profile", ecl__json_text(job->import_profile), &failed);
	ecl__json_put(o, "import_meter", ecl__json_text(job->import_meter), &failed);
	ecl__json_put(o, "import_clock", ecl__json_text(ecl_clock_mode_name(job->import_clock)), &failed);
	ecl__json_put(o, "file_size", job->file_size < 0 ? json_null() : json_integer(job->file_size),
		&failed);
	ecl__json_put(o, "file_mtime", ecl__json_instant(job->file_mtime), &failed);
	ecl__json_put(o, "file_inode", job->file_inode < 0 ? json_null() : json_integer(job->file_inode),
		&failed);
	ecl__json_put(o, "progress_percent", json_real(progress_percent(job)), &failed);
	return ecl__json_done(o, failed);
}

int ecl_job_to_json(ecl_buf *out, const ecl_job *job)
{
	if (out == NULL || job == NULL)
		return ecl_error_set(ECL_EINVALID, "job or output buffer is NULL");
	return ecl__json_to_buf(out, job_object(job), "a job");
}

static int job_item(ecl_buf *out, const void *item)
{
	return ecl_job_to_json(out, item);
}

int ecl_job_array_to_json(ecl_buf *out, const ecl_job_array *jobs)
{
	if (out == NULL || jobs == NULL)
		return ecl_error_set(ECL_EINVALID, "job list or output buffer is NULL");
	return ecl__json_array_to_buf(out, jobs->jobs, jobs->count, sizeof(ecl_job), job_item);
}

/* ---- attempts and counts ---------------------------------------------------- */

static json_t *attempt_object(const ecl_job_attempt *a)
{
	json_t *o = json_object();
	int failed = o == NULL;

	if (failed)
		return NULL;
	ecl__json_put(o, "attempt", json_integer(a->attempt), &failed);
	ecl__json_put(o, "worker_id", ecl__json_text(a->worker_id), &failed);
	ecl__json_put(o, "started_at", ecl__json_instant(a->started_at), &failed);
	ecl__json_put(o, "ended_at", ecl__json_instant(a->ended_at), &failed);
	ecl__json_put(o, "outcome", ecl__json_text(ecl_job_status_name(a->outcome)), &failed);
	ecl__json_put(o, "error_message", ecl__json_text(a->error_message), &failed);
	ecl__json_put(o, "error_class", ecl__json_text(a->error_class), &failed);
	ecl__json_put(o, "processed_rows", json_integer(a->processed_rows), &failed);
	ecl__json_put(o, "imported_rows", json_integer(a->imported_rows), &failed);
	ecl__json_put(o, "failed_rows", json_integer(a->failed_rows), &failed);
	return ecl__json_done(o, failed);
}

int ecl_job_attempt_to_json(ecl_buf *out, const ecl_job_attempt *attempt)
{
	if (out == NULL || attempt == NULL)
		return ecl_error_set(ECL_EINVALID, "attempt or output buffer is NULL");
	return ecl__json_to_buf(out, attempt_object(attempt), "an attempt");
}

static int attempt_item(ecl_buf *out, const void *item)
{
	return ecl_job_attempt_to_json(out, item);
}

int ecl_job_attempt_array_to_json(ecl_buf *out, const ecl_job_attempt_array *attempts)
{
	if (out == NULL || attempts == NULL)
		return ecl_error_set(ECL_EINVALID, "attempt list or output buffer is NULL");
	return ecl__json_array_to_buf(out, attempts->attempts, attempts->count, sizeof(ecl_job_attempt),
		attempt_item);
}

int ecl_job_status_counts_to_json(ecl_buf *out, const ecl_job_status_counts *c)
{
	if (out == NULL || c == NULL)
		return ecl_error_set(ECL_EINVALID, "status counts or output buffer is NULL");
	return ecl__json_to_buf(out, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
		"queued", (json_int_t)c->queued, "processing", (json_int_t)c->processing,
		"completed", (json_int_t)c->completed, "failed", (json_int_t)c->failed,
		"cancelled", (json_int_t)c->cancelled, "total", (json_int_t)c->total), "status counts");
}
