/* The health report: freeing it and its JSON form, shaped like the
 * reference's getSystemHealth() ({status, metrics, alerts}) plus the stuck
 * jobs and what was done. */
#include <math.h>
#include <stdlib.h>

#include "eclectyc/monitor.h"
#include "eclectyc/sys/errors.h"
#include "util/json_util.h"

void ecl_health_report_free(ecl_health_report *report)
{
	size_t i;

	if (report == NULL)
		return;
	for (i = 0; i < report->alert_count; i++)
		free(report->alerts[i].message);
	for (i = 0; i < report->stuck_count; i++)
		ecl_job_free(report->stuck[i].job);
	for (i = 0; i < report->stale_feeds.count; i++)
		ecl_source_clear(&report->stale_feeds.sources[i]);
	for (i = 0; i < report->stale_meters.count; i++)
		free(report->stale_meters.meters[i].mpan);
	free(report->stale_feeds.sources);
	free(report->stale_meters.meters);
	free(report->alerts);
	free(report->stuck);
	free(report);
}

static json_t *round2(double v)
{
	return json_real(round(v * 100.0) / 100.0);
}

static json_t *metrics_object(const ecl_health_metrics *m)
{
	json_t *o = json_object();
	int failed = o == NULL;

	if (failed)
		return NULL;
	ecl__json_put(o, "jobs_completed", json_integer(m->jobs_completed), &failed);
	ecl__json_put(o, "avg_duration_seconds", round2(m->avg_duration_seconds), &failed);
	ecl__json_put(o, "min_duration_seconds", round2(m->min_duration_seconds), &failed);
	ecl__json_put(o, "max_duration_seconds", round2(m->max_duration_seconds), &failed);
	ecl__json_put(o, "total_rows_imported", json_integer(m->total_rows_imported), &failed);
	ecl__json_put(o, "avg_rows_per_job", round2(m->avg_rows_per_job), &failed);
	ecl__json_put(o, "rows_processed", json_integer(m->rows_processed), &failed);
	ecl__json_put(o, "rows_failed", json_integer(m->rows_failed), &failed);
	ecl__json_put(o, "row_failure_ratio", json_real(m->row_failure_ratio), &failed);
	ecl__json_put(o, "jobs_failed", json_integer(m->jobs_failed), &failed);
	ecl__json_put(o, "failure_rate", json_real(m->failure_rate), &failed);
	ecl__json_put(o, "import_success_rate", json_real(m->success_rate), &failed);
	ecl__json_put(o, "retry_rate", json_real(m->retry_rate), &failed);
	ecl__json_put(o, "queue_depth", json_integer(m->queue_depth), &failed);
	ecl__json_put(o, "queued_count", json_integer(m->queued_count), &failed);
	ecl__json_put(o, "waiting_retry_count", json_integer(m->waiting_retry_count), &failed);
	ecl__json_put(o, "processing_count", json_integer(m->processing_count), &failed);
	ecl__json_put(o, "retry_stats", json_pack("{sI sf sI sI sI}",
		"total_with_retries", (json_int_t)m->jobs_with_retries,
		"avg_retries", round(m->avg_retries * 100.0) / 100.0,
		"max_retries", (json_int_t)m->max_retry_count,
		"eventually_succeeded", (json_int_t)m->eventually_succeeded,
		"permanently_failed", (json_int_t)m->permanently_failed), &failed);
	return ecl__json_done(o, failed);
}

static json_t *alerts_array(const ecl_health_report *r, int *failed)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < r->alert_count; i++) {
		json_t *o = json_object();

		if (o != NULL) {
			ecl__json_put(o, "type", json_string(r->alerts[i].type), failed);
			ecl__json_put(o, "severity", json_string(r->alerts[i].severity), failed);
			ecl__json_put(o, "message", ecl__json_text(r->alerts[i].message), failed);
			ecl__json_put(o, "value", json_real(r->alerts[i].value), failed);
		}
		ecl__json_append(a, o, failed);
	}
	if (a == NULL)
		*failed = 1;
	return a;
}

static json_t *stuck_array(const ecl_health_report *r, int *failed)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < r->stuck_count; i++) {
		const ecl_job *j = r->stuck[i].job;
		json_t *o = json_object();

		if (o != NULL) {
			ecl__json_put(o, "batch_id", json_string(j->batch_id), failed);
			ecl__json_put(o, "filename", ecl__json_text(j->filename), failed);
			ecl__json_put(o, "worker_id", ecl__json_text(j->worker_id), failed);
			ecl__json_put(o, "started_at", ecl__json_instant(j->started_at), failed);
			ecl__json_put(o, "heartbeat_at", ecl__json_instant(j->heartbeat_at), failed);
			ecl__json_put(o, "minutes_stuck", json_integer(r->stuck[i].minutes_stuck), failed);
			ecl__json_put(o, "retry_count", json_integer(j->retry_count), failed);
			ecl__json_put(o, "max_retries", json_integer(j->max_retries), failed);
			ecl__json_put(o, "action", json_string(r->stuck[i].action), failed);
		}
		ecl__json_append(a, o, failed);
	}
	if (a == NULL)
		*failed = 1;
	return a;
}

/* The stale data feeds: name, URL, window, last file (or when added). */
static json_t *stale_feeds_array(const ecl_health_report *r, int *failed)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < r->stale_feeds.count; i++) {
		const ecl_source *s = &r->stale_feeds.sources[i];
		json_t *o = json_object();

		if (o != NULL) {
			ecl__json_put(o, "name", json_string(s->name), failed);
			ecl__json_put(o, "url", json_string(s->url), failed);
			ecl__json_put(o, "stale_days", json_integer(s->stale_days), failed);
			ecl__json_put(o, "last_file_at", ecl__json_instant(s->last_file_at), failed);
			ecl__json_put(o, "last_poll_at", ecl__json_instant(s->last_poll_at), failed);
			ecl__json_put(o, "last_error", ecl__json_text(s->last_error), failed);
		}
		ecl__json_append(a, o, failed);
	}
	if (a == NULL)
		*failed = 1;
	return a;
}

static json_t *stale_meters_array(const ecl_health_report *r, int *failed)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < r->stale_meters.count; i++)
		ecl__json_append(a, json_pack("{s:s, s:o}", "mpan", r->stale_meters.meters[i].mpan,
			"latest_reading", ecl__json_instant(r->stale_meters.meters[i].latest)), failed);
	if (a == NULL)
		*failed = 1;
	return a;
}

static json_t *report_object(const ecl_health_report *r)
{
	json_t *o = json_object();
	int failed = o == NULL;

	if (failed)
		return NULL;
	ecl__json_put(o, "status", json_string(ecl_health_status_name(r->status)), &failed);
	ecl__json_put(o, "timestamp", ecl__json_instant(r->checked_at), &failed);
	ecl__json_put(o, "metrics", metrics_object(&r->metrics), &failed);
	ecl__json_put(o, "alerts", alerts_array(r, &failed), &failed);
	ecl__json_put(o, "stuck_jobs", stuck_array(r, &failed), &failed);
	ecl__json_put(o, "stale_feeds", stale_feeds_array(r, &failed), &failed);
	ecl__json_put(o, "stale_meters", stale_meters_array(r, &failed), &failed);
	ecl__json_put(o, "actions", json_pack("{sI sI sI sI sI sI}",
		"requeued", (json_int_t)r->requeued, "failed", (json_int_t)r->failed,
		"alerts_sent", (json_int_t)r->alerts_sent,
		"alerts_suppressed", (json_int_t)r->alerts_suppressed,
		"alerts_failed", (json_int_t)r->alerts_failed,
		"job_alerts_sent", (json_int_t)r->job_alerts_sent), &failed);
	return ecl__json_done(o, failed);
}

int ecl_health_report_to_json(ecl_buf *out, const ecl_health_report *report)
{
	if (out == NULL || report == NULL)
		return ecl_error_set(ECL_EINVALID, "health report or output buffer is NULL");
	return ecl__json_to_buf(out, report_object(report), "a health report");
}
