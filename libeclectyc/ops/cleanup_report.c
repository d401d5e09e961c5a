/* A cleanup report: freeing it and its JSON form. */
#include <jansson.h>
#include <stdlib.h>

#include "eclectyc/cleanup.h"
#include "eclectyc/sys/errors.h"
#include "util/json_util.h"

void ecl_cleanup_report_free(ecl_cleanup_report *report)
{
	size_t i;

	if (report == NULL)
		return;
	for (i = 0; i < report->job_count; i++)
		free(report->jobs[i].filename);
	free(report->jobs);
	for (i = 0; i < report->file_count; i++)
		free(report->files[i].path);
	free(report->files);
	for (i = 0; i < report->message_count; i++)
		free(report->messages[i]);
	free(report->messages);
	free(report);
}

static json_t *job_object(const ecl_cleanup_job *j)
{
	json_t *o = json_object();
	int failed = o == NULL;

	if (failed)
		return NULL;
	ecl__json_put(o, "batch_id", json_string(j->batch_id), &failed);
	ecl__json_put(o, "status", json_string(j->status), &failed);
	ecl__json_put(o, "completed_at", ecl__json_instant(j->completed_at), &failed);
	ecl__json_put(o, "filename", ecl__json_text(j->filename), &failed);
	return ecl__json_done(o, failed);
}

static json_t *file_object(const ecl_cleanup_file *f)
{
	json_t *o = json_object();
	int failed = o == NULL;

	if (failed)
		return NULL;
	ecl__json_put(o, "path", ecl__json_text(f->path), &failed);
	ecl__json_put(o, "age_days", json_integer((json_int_t)f->age_days), &failed);
	return ecl__json_done(o, failed);
}

static json_t *report_object(const ecl_cleanup_report *r)
{
	json_t *o = json_object(), *by_status = json_object();
	json_t *jobs = json_array(), *files = json_array(), *messages = json_array();
	size_t i;
	int failed = o == NULL || by_status == NULL || jobs == NULL || files == NULL
		|| messages == NULL;

	for (i = 0; !failed && i < r->job_count; i++)
		ecl__json_append(jobs, job_object(&r->jobs[i]), &failed);
	for (i = 0; !failed && i < r->file_count; i++)
		ecl__json_append(files, file_object(&r->files[i]), &failed);
	for (i = 0; !failed && i < r->message_count; i++)
		ecl__json_append(messages, ecl__json_text(r->messages[i]), &failed);
	if (!failed) {
		ecl__json_put(by_status, "completed", json_integer(r->completed_deleted), &failed);
		ecl__json_put(by_status, "failed", json_integer(r->failed_deleted), &failed);
		ecl__json_put(by_status, "cancelled", json_integer(r->cancelled_deleted), &failed);
	}
	if (!failed) {
		ecl__json_put(o, "dry_run", json_boolean(r->dry_run), &failed);
		ecl__json_put(o, "days", json_integer(r->days), &failed);
		ecl__json_put(o, "cutoff", ecl__json_instant(r->cutoff), &failed);
		ecl__json_put(o, "jobs_deleted", json_integer(r->jobs_deleted), &failed);
		ecl__json_put(o, "jobs_by_status", by_status, &failed);
		ecl__json_put(o, "jobs", jobs, &failed);
		ecl__json_put(o, "files_deleted", json_integer(r->files_deleted), &failed);
		ecl__json_put(o, "files", files, &failed);
		ecl__json_put(o, "files_kept_referenced", json_integer(r->files_kept_referenced),
			&failed);
		ecl__json_put(o, "file_errors", json_integer(r->file_errors), &failed);
		ecl__json_put(o, "messages", messages, &failed);
		/* the object holds them now, or failed and dropped them */
		by_status = jobs = files = messages = NULL;
	}
	json_decref(by_status);
	json_decref(jobs);
	json_decref(files);
	json_decref(messages);
	return ecl__json_done(o, failed);
}

int ecl_cleanup_report_to_json(ecl_buf *out, const ecl_cleanup_report *report)
{
	if (out == NULL || report == NULL)
		return ecl_error_set(ECL_EINVALID, "cleanup report or output buffer is NULL");
	return ecl__json_to_buf(out, report_object(report), "a cleanup report");
}
