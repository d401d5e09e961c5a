/**
 * @file eclectyc/monitor.h
 * @brief The health of the import system: status, metrics, alerts, stuck jobs.
 *
 * Thresholds default to the reference's: a job is stuck when its heartbeat
 * is older than 60 minutes (a live worker beats at every batch, so a long
 * import is never mistaken for a dead one); failure rate over the last
 * 24 hours above 25 % degrades and above 50 % is critical; more than 100
 * due jobs waiting is a backlog.
 */
#ifndef ECLECTYC_MONITOR_H
#define ECLECTYC_MONITOR_H

#include "common.h"
#include "buffer.h"
#include "config.h"
#include "job.h"
#include "source.h"
#include "store.h"

ECL_BEGIN_DECL

typedef enum ecl_health_status {
	ECL_HEALTH_HEALTHY = 0,
	ECL_HEALTH_DEGRADED = 1,
	ECL_HEALTH_CRITICAL = 2
} ecl_health_status;

/** "healthy", "degraded", "critical"; NULL for another value. */
ECL_EXTERN const char *ecl_health_status_name(ecl_health_status status);
/** Parse a health status name. @return 0 or ECL_EINVALID naming the text */
ECL_EXTERN int ecl_health_status_parse(ecl_health_status *out, const char *name);

/** Options of a health check. Fields are only ever appended. */
typedef struct ecl_health_options {
	unsigned int version;            /**< ECL_HEALTH_OPTIONS_VERSION */
	int stuck_minutes;               /**< heartbeat age that makes a job stuck (60) */
	int window_hours;                /**< window of the metrics and failure rate (24) */
	double failure_rate_warning;     /**< percent; above it: degraded (25) */
	double failure_rate_critical;    /**< percent; above it: critical (50) */
	int64_t backlog_threshold;       /**< due jobs; above it: degraded (100) */
	/** Requeue each stuck job, spending a retry, or fail it when none is
	 *  left (the alert for a job failed so goes out once). */
	int handle_stuck;
	/** Send the conditions found (stuck, failure rate, backlog) and the
	 *  failed jobs whose alert is still pending through the store's alerting. */
	int send_alerts;
	/** A meter whose latest reading is older than this many days is
	 *  stale (alert stale_meters); 0 = not checked (the default). Each data
	 *  feed's own window is its stale_days (alert stale_feed). */
	int stale_meter_days;
} ecl_health_options;

#define ECL_HEALTH_OPTIONS_VERSION 1
#define ECL_HEALTH_OPTIONS_INIT { ECL_HEALTH_OPTIONS_VERSION, 60, 24, 25.0, 50.0, 100, 0, 0, 0 }

/** Initialise health options to the defaults. @return 0 or ECL_EINVALID */
ECL_EXTERN int ecl_health_options_init(ecl_health_options *opts, unsigned int version);

/**
 * Fill health thresholds from configuration, as `eclectyc monitor` does:
 * ECLECTYC_STUCK_MINUTES (1 to 10080), ECLECTYC_FAILURE_RATE_WARNING and
 * ECLECTYC_FAILURE_RATE_CRITICAL (percentages 0 to 100, decimals allowed;
 * the warning not above the critical) and ECLECTYC_BACKLOG_THRESHOLD (0 to
 * 1000000000). Keys without a value (or, for the rates, an empty one) leave
 * the member as it is: initialise `opts` first. handle_stuck and
 * send_alerts are the caller's choice, not configuration.
 *
 * @return 0; ECL_EINVALID for a NULL argument, or naming the key and value
 */
ECL_EXTERN int ecl_health_options_from_config(ecl_health_options *opts, const ecl_config *config);

/** The figures of the window (jobs by their completed_at in it). */
typedef struct ecl_health_metrics {
	int64_t jobs_completed;
	double avg_duration_seconds;     /**< completed jobs: completed_at - started_at */
	double min_duration_seconds;
	double max_duration_seconds;
	int64_t total_rows_imported;
	double avg_rows_per_job;
	int64_t rows_processed;          /**< by completed jobs */
	int64_t rows_failed;
	double row_failure_ratio;        /**< rows_failed / rows_processed, 0..1 */
	int64_t jobs_failed;             /**< failed for good in the window */
	double failure_rate;             /**< percent of finished jobs that failed */
	double success_rate;             /**< percent of finished jobs that completed */
	double retry_rate;               /**< percent of finished jobs that needed a retry */
	int64_t queue_depth;             /**< queued and due now */
	int64_t queued_count;            /**< queued, due or waiting for a retry */
	int64_t waiting_retry_count;     /**< queued with a retry_at in the future */
	int64_t processing_count;
	int64_t jobs_with_retries;       /**< finished in the window with retry_count > 0 */
	double avg_retries;              /**< over those */
	int64_t max_retry_count;
	int64_t eventually_succeeded;    /**< those that completed */
	int64_t permanently_failed;      /**< those that failed */
} ecl_health_metrics;

/** A condition found. Frozen per SONAME (in an array; docs/conventions.md). */
typedef struct ecl_health_alert {
	char type[32];                   /**< stuck_jobs, high_failure_rate, elevated_failure_rate,
	                                      queue_backlog, stale_feed, stale_meters */
	char severity[16];               /**< "warning" or "critical" */
	char *message;
	double value;                    /**< the count or rate */
} ecl_health_alert;

/** A stuck job as it was found, and what handling it did. Frozen per SONAME
 *  (in an array; docs/conventions.md). */
typedef struct ecl_stuck_job {
	ecl_job *job;                    /**< the record before any change */
	int64_t minutes_stuck;           /**< since the last heartbeat */
	const char *action;              /**< "none", "requeued", "failed" or "skipped" (it beat meanwhile) */
} ecl_stuck_job;

/** What a health check found and did. */
typedef struct ecl_health_report {
	ecl_health_status status;
	int64_t checked_at;
	ecl_health_metrics metrics;
	ecl_health_alert *alerts;
	size_t alert_count;
	ecl_stuck_job *stuck;
	size_t stuck_count;
	int64_t requeued;                /**< stuck jobs requeued */
	int64_t failed;                  /**< stuck jobs failed for good */
	int64_t alerts_sent;             /**< alerts sent (send_alerts) */
	int64_t alerts_suppressed;       /**< held back by the cooldown */
	int64_t alerts_failed;           /**< every channel failed */
	int64_t job_alerts_sent;         /**< failed jobs alerted (once each) */
	/** Data feeds that gave no new file within their stale_days, by name. */
	ecl_source_array stale_feeds;
	/** Meters whose readings stopped (stale_meter_days), oldest first, at most 100. */
	ecl_stale_meter_array stale_meters;
} ecl_health_report;

/** Free a report. Accepts NULL. */
ECL_EXTERN void ecl_health_report_free(ecl_health_report *report);

/** Set `out` to the report as JSON: {status, timestamp, metrics, alerts[], stuck_jobs[], actions}. */
ECL_EXTERN int ecl_health_report_to_json(ecl_buf *out, const ecl_health_report *report);

/**
 * Check the health of the queue, and optionally handle stuck jobs and send
 * alerts. Alerts and the stuck list describe the jobs as they were before
 * any change.
 *
 * @return 0; ECL_EINVALID; ECL_ESCHEMA; ECL_EBUSY, ECL_EDB
 */
ECL_EXTERN int ecl_health_check(ecl_health_report **out, ecl_store *store,
                                const ecl_health_options *opts);

ECL_END_DECL

#endif
