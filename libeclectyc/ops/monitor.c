/*
 * The health check: read the figures, find stuck jobs, judge the status,
 * then (when asked) recover stuck jobs and send alerts. Everything the
 * report says about jobs was read before anything was changed, so the
 * stuck list and its alert describe the jobs as they were (the reference
 * re-read them after marking them failed and mailed an empty list).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/alert_hook.h"
#include "ops/monitor_internal.h"
#include "eclectyc/sys/errors.h"
#include "queue/job_internal.h"
#include "util/options.h"
#include "util/strutil.h"

#define JOB_ALERTS_MAX 50   /* failed jobs listed in one batch alert */

static const ecl_health_options default_options = ECL_HEALTH_OPTIONS_INIT;
static const char *const status_names[] = { "healthy", "degraded", "critical" };

const char *ecl_health_status_name(ecl_health_status status)
{
	return (unsigned)status <= ECL_HEALTH_CRITICAL ? status_names[status] : NULL;
}

int ecl_health_options_init(ecl_health_options *opts, unsigned int version)
{
	return ecl__options_init(opts, &default_options, sizeof(*opts), version, ECL_HEALTH_OPTIONS_VERSION,
		"ecl_health_options");
}

static int check_options(const ecl_health_options *o)
{
	if (ecl__options_check_version(o->version, ECL_HEALTH_OPTIONS_VERSION, "ecl_health_options") != 0)
		return ecl_error_last_code();
	if (o->stuck_minutes < 1 || o->window_hours < 1)
		return ecl_error_set(ECL_EINVALID, "stuck_minutes and window_hours must be >= 1, got %d and %d",
			o->stuck_minutes, o->window_hours);
	if (!(o->failure_rate_warning >= 0 && o->failure_rate_warning <= o->failure_rate_critical
	      && o->failure_rate_critical <= 100))
		return ecl_error_set(ECL_EINVALID, "failure rate thresholds must satisfy 0 <= warning "
			"(%g) <= critical (%g) <= 100", o->failure_rate_warning, o->failure_rate_critical);
	if (o->backlog_threshold < 0)
		return ecl_error_set(ECL_EINVALID, "backlog threshold must be >= 0, got %lld",
			(long long)o->backlog_threshold);
	if (o->stale_meter_days < 0)
		return ecl_error_set(ECL_EINVALID, "stale_meter_days must be >= 0, got %d",
			o->stale_meter_days);
	return 0;
}

/* ---- figures ---------------------------------------------------------------- */

static double percent(int64_t part, int64_t whole)
{
	return whole > 0 ? round((double)part * 1000.0 / (double)whole) / 10.0 : 0.0;
}

static void derive(ecl_health_metrics *m)
{
	int64_t finished = m->jobs_completed + m->jobs_failed;

	m->avg_rows_per_job = m->jobs_completed > 0
		? (double)m->total_rows_imported / (double)m->jobs_completed : 0.0;
	m->row_failure_ratio = m->rows_processed > 0
		? (double)m->rows_failed / (double)m->rows_processed : 0.0;
	m->failure_rate = percent(m->jobs_failed, finished);
	m->success_rate = finished > 0 ? percent(m->jobs_completed, finished) : 100.0;
	m->retry_rate = percent(m->jobs_with_retries, finished);
}

/* ---- the report ------------------------------------------------------------- */

int ecl__health_add_alert(ecl_health_report *r, const char *type, const char *severity,
                          double value, const char *message)
{
	ecl_health_alert *grown = realloc(r->alerts, (r->alert_count + 1) * sizeof(*grown));
	ecl_health_alert *a;

	if (grown == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory adding a health alert");
	r->alerts = grown;
	a = &r->alerts[r->alert_count];
	memset(a, 0, sizeof(*a));
	ecl__strlcpy(a->type, type, sizeof(a->type));
	ecl__strlcpy(a->severity, severity, sizeof(a->severity));
	a->value = value;
	if ((a->message = ecl__strdup(message)) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory adding a health alert");
	r->alert_count++;
	return 0;
}

void ecl__health_worsen(ecl_health_report *r, ecl_health_status to)
{
	if (to > r->status)
		r->status = to;
}

static int judge(ecl_health_report *r, const ecl_health_options *o)
{
	const ecl_health_metrics *m = &r->metrics;
	char text[160];
	int rc = 0;

	if (r->stuck_count > 0) {
		ecl__health_worsen(r, ECL_HEALTH_DEGRADED);
		snprintf(text, sizeof(text), "%zu job(s) stuck in processing state", r->stuck_count);
		rc = ecl__health_add_alert(r, "stuck_jobs", "warning", (double)r->stuck_count, text);
	}
	if (rc == 0 && m->failure_rate > o->failure_rate_critical) {
		ecl__health_worsen(r, ECL_HEALTH_CRITICAL);
		snprintf(text, sizeof(text), "High failure rate: %.1f%% in last %dh", m->failure_rate,
		         o->window_hours);
		rc = ecl__health_add_alert(r, "high_failure_rate", "critical", m->failure_rate, text);
	} else if (rc == 0 && m->failure_rate > o->failure_rate_warning) {
		ecl__health_worsen(r, ECL_HEALTH_DEGRADED);
		snprintf(text, sizeof(text), "Elevated failure rate: %.1f%% in last %dh", m->failure_rate,
		         o->window_hours);
		rc = ecl__health_add_alert(r, "elevated_failure_rate", "warning", m->failure_rate, text);
	}
	if (rc == 0 && m->queue_depth > o->backlog_threshold) {
		ecl__health_worsen(r, ECL_HEALTH_DEGRADED);
		snprintf(text, sizeof(text), "Queue backlog: %lld jobs waiting", (long long)m->queue_depth);
		rc = ecl__health_add_alert(r, "queue_backlog", "warning", (double)m->queue_depth, text);
	}
	return rc;
}

static int find_stuck(ecl_health_report *r, ecl_store *store, int64_t cutoff)
{
	ecl_job_array jobs = { NULL, 0 };
	size_t i;
	int rc = ECL__BACKEND(store, jobs_stuck, cutoff, &jobs);

	if (rc == 0 && jobs.count > 0 && (r->stuck = calloc(jobs.count, sizeof(*r->stuck))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory listing stuck jobs");
	for (i = 0; i < jobs.count; i++) {
		if (rc == 0 && (r->stuck[i].job = malloc(sizeof(ecl_job))) != NULL) {
			*r->stuck[i].job = jobs.jobs[i];  /* the record moves into the report */
			r->stuck[i].minutes_stuck = (r->checked_at - jobs.jobs[i].heartbeat_at) / 60;
			r->stuck[i].action = "none";
			r->stuck_count++;
		} else {
			ecl_job_clear(&jobs.jobs[i]);
			if (rc == 0)
				rc = ecl_error_set(ECL_ENOMEM, "out of memory listing stuck jobs");
		}
	}
	free(jobs.jobs);
	return rc;
}

/* ---- actions ---------------------------------------------------------------- */

static int recover_stuck(ecl_health_report *r, ecl_store *store, const ecl_health_options *o,
                         int64_t cutoff)
{
	char message[160];
	size_t i;
	int rc = 0;

	snprintf(message, sizeof(message), "Job stuck in processing: no heartbeat for over %d minutes",
	         o->stuck_minutes);
	for (i = 0; rc == 0 && i < r->stuck_count; i++) {
		ecl_job_status status = ECL_JOB_PROCESSING;

		rc = ecl__job_recover_stuck(&status, store, r->stuck[i].job, cutoff, message);
		if (rc == ECL_ESTATE || rc == ECL_ENOTFOUND) {
			r->stuck[i].action = "skipped";  /* it beat, finished or was cancelled meanwhile */
			rc = 0;
		} else if (rc == 0 && status == ECL_JOB_QUEUED) {
			r->stuck[i].action = "requeued";
			r->requeued++;
		} else if (rc == 0) {
			r->stuck[i].action = "failed";
			r->failed++;
		}
	}
	return rc;
}

void ecl__health_count_sent(ecl_health_report *r, int rc, const ecl_alert_result *result)
{
	if (rc == 0 && result->suppressed)
		r->alerts_suppressed++;
	else if (rc == 0)
		r->alerts_sent++;
	else
		r->alerts_failed++;
}

static void send_conditions(ecl_health_report *r, ecl_store *store, const ecl_health_options *o)
{
	ecl_alert_result result;
	size_t i;
	int rc;

	for (i = 0; i < r->alert_count; i++) {
		const char *type = r->alerts[i].type;

		if (strncmp(type, "stale_", 6) == 0)
			continue;   /* the feeds' own (monitor_feeds.c) */
		if (strcmp(type, "stuck_jobs") == 0)
			rc = ecl__alert_stuck(store, r->stuck, r->stuck_count, &result);
		else if (strcmp(type, "queue_backlog") == 0)
			rc = ecl__alert_backlog(store, r->metrics.queue_depth, &result);
		else
			rc = ecl__alert_failure_rate(store, r->metrics.failure_rate, o->window_hours,
			                             strcmp(type, "high_failure_rate") == 0, &result);
		ecl__health_count_sent(r, rc, &result);
	}
}

/* Failed jobs whose alert is pending (including those failed just now): one
 * job gets its own message, several one batch message. Delivery failures
 * are recorded by the alerting, not failures of the check. */
static int send_job_alerts(ecl_health_report *r, ecl_store *store)
{
	ecl_job_array jobs = { NULL, 0 };
	ecl_alert_result result;
	int rc = ECL__BACKEND(store, jobs_alert_pending, JOB_ALERTS_MAX, &jobs);
	size_t i;

	if (rc == 0 && jobs.count == 1 && ecl__alert_job_failed(store, jobs.jobs[0].batch_id, &result) == 1)
		r->job_alerts_sent = 1;
	else if (rc == 0 && jobs.count > 1)
		ecl__alert_jobs_failed(store, &jobs, &r->job_alerts_sent, &result);
	for (i = 0; i < jobs.count; i++)
		ecl_job_clear(&jobs.jobs[i]);
	free(jobs.jobs);
	return rc;
}

/* ---- the check ---------------------------------------------------------------- */

static int run_check(ecl_health_report *r, ecl_store *store, const ecl_health_options *o)
{
	ecl_health_query q;
	int64_t cutoff;
	int rc;

	r->checked_at = ecl_store_now(store);
	cutoff = r->checked_at - (int64_t)o->stuck_minutes * 60;
	q.now = r->checked_at;
	q.window_start = r->checked_at - (int64_t)o->window_hours * 3600;
	rc = ECL__BACKEND(store, health_metrics, &q, &r->metrics);
	if (rc == 0) {
		derive(&r->metrics);
		rc = find_stuck(r, store, cutoff);
	}
	if (rc == 0)
		rc = judge(r, o);
	if (rc == 0)
		rc = ecl__monitor_feeds(r, store, o);
	if (rc == 0 && o->send_alerts) {
		send_conditions(r, store, o);
		ecl__monitor_feeds_send(r, store, o);
	}
	if (rc == 0 && o->handle_stuck)
		rc = recover_stuck(r, store, o, cutoff);
	if (rc == 0 && o->send_alerts)
		rc = send_job_alerts(r, store);
	return rc;
}

int ecl_health_check(ecl_health_report **out, ecl_store *store, const ecl_health_options *opts)
{
	ecl_health_report *r = NULL;
	int rc = 0;

	if (out == NULL || store == NULL)
		return ecl_error_set(ECL_EINVALID, "health report output pointer or store is NULL");
	*out = NULL;
	if (opts == NULL)
		opts = &default_options;
	rc = check_options(opts);
	if (rc == 0)
		rc = ecl__store_require(store, ECL__BACKEND_HAS(store, health_metrics)
			&& ECL__BACKEND_HAS(store, jobs_stuck) && ECL__BACKEND_HAS(store, jobs_alert_pending),
			"health checks");
	if (rc == 0 && (r = calloc(1, sizeof(*r))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory for a health report");
	if (rc == 0)
		rc = run_check(r, store, opts);
	if (rc == 0)
		*out = r;
	else
		ecl_health_report_free(r);
	return rc;
}
