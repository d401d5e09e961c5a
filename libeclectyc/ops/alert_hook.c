/* The alerts the core raises (see alert_hook.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/alert_hook.h"
#include "util/buffer_internal.h"
#include "eclectyc/sys/backend.h"
#include "eclectyc/sys/errors.h"

static void appendf(ecl_buf *b, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Text for a message; running out of memory only shortens it. */
static void appendf(ecl_buf *b, const char *format, ...)
{
	char *text = NULL;
	va_list ap;

	va_start(ap, format);
	if (vasprintf(&text, format, ap) >= 0)
		ecl__buf_puts(b, text);
	va_end(ap);
	free(text);
}

/* A file name as alerts show it: its control characters written out
 * ("\r", "\n", "\x1b"), since a line break in a name would split the
 * subject (and end a mail header) or pass in the body for a field of its
 * own. Returns `out`, truncated to `size` (never in the middle of an
 * escape). */
static const char *shown_name(char *out, size_t size, const char *name)
{
	const unsigned char *p;
	size_t n = 0;

	for (p = (const unsigned char *)(name ? name : ""); *p != '\0'; p++) {
		char piece[8];
		size_t len;

		if (*p >= 0x20 && *p != 0x7f)
			piece[0] = (char)*p, piece[1] = '\0';
		else if (*p == '\r' || *p == '\n' || *p == '\t')
			snprintf(piece, sizeof(piece), "\\%c", *p == '\r' ? 'r' : *p == '\n' ? 'n' : 't');
		else
			snprintf(piece, sizeof(piece), "\\x%02x", *p);
		len = strlen(piece);
		if (n + len + 1 > size)
			break;
		memcpy(out + n, piece, len);
		n += len;
	}
	out[n] = '\0';
	return out;
}

static const char *when(char out[32], int64_t t)
{
	time_t secs = (time_t)t;
	struct tm tm;

	if (t == ECL_TIME_NONE || gmtime_r(&secs, &tm) == NULL)
		return "-";
	strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return out;
}

static int deliver(ecl_store *store, const char *type, ecl_alert_severity severity, const char *key,
                const char *subject, ecl_buf *body, ecl_alert_result *result)
{
	ecl_alert a = { type, severity, subject, body->ptr ? body->ptr : "", key };
	int rc = ecl_alert_send(result, store, &a);

	if (rc != 0)
		ecl__log(&store->logger, ECL_LOG_ERROR, "alert \"%s\" not delivered: %s", subject,
			ecl_error_last());
	ecl_buf_dispose(body);
	return rc;
}

/* ---- aggregation -------------------------------------------------------------- */

void ecl__alert_aggregation(ecl_store *store, const ecl_aggregate_report *r)
{
	ecl_buf body = ECL_BUF_INIT;
	char subject[128], key[64];
	const char *range = ecl_range_name(r->range);
	int failed = r->status == ECL_RUN_FAILED;
	size_t i;

	if (r->status != ECL_RUN_FAILED && r->status != ECL_RUN_PARTIAL)
		return;
	snprintf(subject, sizeof(subject), "[Eclectyc Energy] Aggregation %s: %s",
	         failed ? "Failure" : "Warning", range);
	snprintf(key, sizeof(key), "aggregation_%s:%s", failed ? "failed" : "partial", range);
	appendf(&body, "Range: %s\nTarget date: %s\nPeriod: %s to %s\nStatus: %s\nExecution: %s\n",
		range, r->target_date, r->period_start, r->period_end, ecl_run_status_name(r->status),
		r->execution_id);
	appendf(&body, "Meters processed: %lld\nErrors: %lld\nWarnings: %lld\n",
		(long long)r->meters_processed, (long long)r->error_count, (long long)r->warning_count);
	if (r->error_message != NULL)
		appendf(&body, "\nError:\n%s\n", r->error_message);
	for (i = 0; i < r->message_count && i < 20; i++)
		appendf(&body, "%s%s\n", i == 0 ? "\nMessages:\n" : "", r->messages[i]);
	deliver(store, failed ? "aggregation_failed" : "aggregation_partial",
	     failed ? ECL_ALERT_CRITICAL : ECL_ALERT_WARNING, key, subject, &body, NULL);
}

/* ---- failed jobs -------------------------------------------------------------- */

/* Claim the job's alert: 1 when this process may send it. */
static int claim_alert(ecl_store *store, const char *batch_id)
{
	int rc = ecl_job_mark_alert_sent(store, batch_id);
	int elsewhere = rc == ECL_ESTATE || rc == ECL_ENOTFOUND;   /* sent by another, or gone */

	if (elsewhere)
		ecl_error_clear();
	return rc == 0 ? 1 : elsewhere ? 0 : rc;
}

static void job_details(ecl_buf *body, const ecl_job *j)
{
	char t[32], name[1024];

	appendf(body, "Import job has failed after %d retries.\n\nDetails:\n", j->retry_count);

	appendf(body, "Batch ID: %s\nFilename: %s\nImport Type: %s\n", j->batch_id,
		shown_name(name, sizeof(name), j->filename), ecl_import_type_name(j->import_type));
	appendf(body, "Queued At: %s\n", when(t, j->queued_at));
	if (j->started_at != ECL_TIME_NONE)
		appendf(body, "Started At: %s\n", when(t, j->started_at));
	if (j->completed_at != ECL_TIME_NONE)
		appendf(body, "Failed At: %s\n", when(t, j->completed_at));
	appendf(body, "\nError:\n%s\n", j->error_message ? j->error_message : "(none recorded)");
	if (j->notes != NULL && *j->notes != '\0')
		appendf(body, "\nNotes:\n%s\n", j->notes);
	if (j->last_error != NULL && (j->error_message == NULL || strcmp(j->last_error, j->error_message)))
		appendf(body, "\nPrevious Error:\n%s\n", j->last_error);
}

int ecl__alert_job_failed(ecl_store *store, const char *batch_id, ecl_alert_result *result)
{
	ecl_job *job = NULL;
	ecl_buf body = ECL_BUF_INIT;
	char subject[300];
	int rc = claim_alert(store, batch_id);

	if (rc == 1)
		rc = ecl_job_get(&job, store, batch_id);
	else
		return rc;
	if (rc == 0) {
		char name[251];

		snprintf(subject, sizeof(subject), "Import Job Failed: %s",
			shown_name(name, sizeof(name), job->filename));
		job_details(&body, job);
		rc = deliver(store, "job_failed", ECL_ALERT_CRITICAL, NULL, subject, &body, result);
	}
	ecl_job_free(job);
	return rc == 0 ? 1 : rc;
}

int ecl__alert_jobs_failed(ecl_store *store, const ecl_job_array *jobs, int64_t *sent,
                           ecl_alert_result *result)
{
	ecl_buf body = ECL_BUF_INIT;
	char subject[96];
	size_t i;
	int rc = 0;

	*sent = 0;
	for (i = 0; rc >= 0 && i < jobs->count; i++) {
		const ecl_job *j = &jobs->jobs[i];

		if ((rc = claim_alert(store, j->batch_id)) == 1) {
			char name[1024];

			appendf(&body, "%s (%s)\nError: %s\nRetries: %d/%d\n\n",
				shown_name(name, sizeof(name), j->filename), j->batch_id,
				j->error_message ? j->error_message : "(none recorded)", j->retry_count,
				j->max_retries);
			(*sent)++;
		}
	}
	if (rc >= 0 && *sent > 0) {
		snprintf(subject, sizeof(subject), "Multiple Import Jobs Failed (%lld jobs)", (long long)*sent);
		rc = deliver(store, "batch_failed", ECL_ALERT_CRITICAL, NULL, subject, &body, result);
	}
	ecl_buf_dispose(&body);
	return rc < 0 ? rc : 0;
}

/* ---- conditions ------------------------------------------------------------- */

int ecl__alert_stuck(ecl_store *store, const ecl_stuck_job *stuck, size_t count,
                     ecl_alert_result *result)
{
	ecl_buf body = ECL_BUF_INIT;
	char subject[96], t[32], name[1024];
	size_t i;

	snprintf(subject, sizeof(subject), "Import Jobs Stuck in Processing (%zu jobs)", count);
	for (i = 0; i < count; i++)
		appendf(&body, "%s (%s)\nStuck for: %lld minutes\nStarted at: %s\nWorker: %s\n\n",
			shown_name(name, sizeof(name), stuck[i].job->filename), stuck[i].job->batch_id,
			(long long)stuck[i].minutes_stuck,
			when(t, stuck[i].job->started_at),
			stuck[i].job->worker_id ? stuck[i].job->worker_id : "-");
	return deliver(store, "stuck_jobs", ECL_ALERT_WARNING, "stuck_jobs", subject, &body, result);
}

int ecl__alert_failure_rate(ecl_store *store, double rate, int hours, int critical,
                            ecl_alert_result *result)
{
	ecl_buf body = ECL_BUF_INIT;

	appendf(&body, "Import failure rate is %.1f%% over the last %d hours.\n\n"
		"Likely causes:\n- files in an unexpected format\n- the database unavailable or full\n"
		"- import files missing from the storage directory\n\n"
		"See `eclectyc jobs --status failed` for the errors.\n", rate, hours);
	return deliver(store, critical ? "high_failure_rate" : "elevated_failure_rate",
	            critical ? ECL_ALERT_CRITICAL : ECL_ALERT_WARNING,
	            critical ? "high_failure_rate" : "elevated_failure_rate",
	            "High Import Failure Rate Detected", &body, result);
}

int ecl__alert_backlog(ecl_store *store, int64_t waiting, ecl_alert_result *result)
{
	ecl_buf body = ECL_BUF_INIT;

	appendf(&body, "Import queue has %lld jobs waiting for processing.\n\n"
		"Likely causes:\n- no worker running\n- workers failing to start or stopped\n"
		"- an unusual number of uploads\n\n"
		"Check the workers, or process a batch by hand: eclectyc worker --once\n",
		(long long)waiting);
	return deliver(store, "queue_backlog", ECL_ALERT_WARNING, "queue_backlog",
	            "Import Queue Backlog Alert", &body, result);
}

int ecl__alert_stale_feed(ecl_store *store, const ecl_source *source, int64_t now,
                          ecl_alert_result *result)
{
	ecl_buf body = ECL_BUF_INIT;
	int64_t since = source->last_file_at != ECL_TIME_NONE ? source->last_file_at
	                                                      : source->created_at;
	char subject[160], key[96], t[32], polled[32] = "never";

	snprintf(subject, sizeof(subject), "Data Feed Stopped: %s", source->name);
	if (source->last_poll_at != ECL_TIME_NONE)
		when(polled, source->last_poll_at);
	snprintf(key, sizeof(key), "stale_feed:%s", source->name);
	appendf(&body, "Data feed %s (%s) has taken no new file for %lld days (its window is %d).\n"
		"%s: %s\nLast poll: %s\n", source->name, source->url, (long long)((now - since) / 86400),
		source->stale_days, source->last_file_at != ECL_TIME_NONE ? "Last file" : "Added",
		when(t, since), polled);
	if (source->last_error != NULL)
		appendf(&body, "Last error: %s\n", source->last_error);
	appendf(&body, "\nLikely causes:\n- the supplier stopped sending\n- the server's credentials"
		" or address changed\n- no worker collects (eclectyc collect, or a worker)\n\n"
		"See `eclectyc sources show %s`.\n", source->name);
	return deliver(store, "stale_feed", ECL_ALERT_WARNING, key, subject, &body, result);
}

int ecl__alert_stale_meters(ecl_store *store, const ecl_stale_meter_array *meters, int days,
                            ecl_alert_result *result)
{
	ecl_buf body = ECL_BUF_INIT;
	char subject[128], t[32];
	size_t i;

	snprintf(subject, sizeof(subject), "Meter Readings Stopped (%zu meters)", meters->count);
	appendf(&body, "These meters have no reading in the last %d days:\n\n", days);
	for (i = 0; i < meters->count; i++)
		appendf(&body, "%s  latest reading %s\n", meters->meters[i].mpan,
			when(t, meters->meters[i].latest));
	return deliver(store, "stale_meters", ECL_ALERT_WARNING, "stale_meters", subject, &body, result);
}
