/*
 * The alerts the core raises, worded as the reference worded them (without
 * its stack traces): every one goes out through ecl_alert_send(), so the
 * channels, the cooldown and the `alerts` table apply alike. None of these
 * fails the operation that raised it: a failure to alert is logged.
 */
#ifndef ECL_ALERT_HOOK_H
#define ECL_ALERT_HOOK_H

#include "eclectyc/aggregate.h"
#include "eclectyc/alert.h"
#include "eclectyc/monitor.h"
#include "store/store_internal.h"

/* An aggregation run that failed or was partial ("[Eclectyc Energy]
 * Aggregation Failure: <range>" / "Aggregation Warning: <range>"); a
 * completed run raises nothing. Keyed per range and outcome. */
void ecl__alert_aggregation(ecl_store *store, const ecl_aggregate_report *report);

/* A job that failed for good ("Import Job Failed: <filename>"), once: the
 * job's alert_sent is claimed first by a conditional update, so of many
 * processes only one sends. 1 when this call sent it, 0 when it had been
 * sent already (or the job is not failed), or a negative code. */
int ecl__alert_job_failed(ecl_store *store, const char *batch_id, ecl_alert_result *result);

/* Failed jobs whose alert is pending, as one message ("Multiple Import Jobs
 * Failed (N jobs)"); each job's alert_sent is claimed first and only the
 * jobs this call claimed are listed. `*sent` = jobs included. */
int ecl__alert_jobs_failed(ecl_store *store, const ecl_job_array *jobs, int64_t *sent,
                           ecl_alert_result *result);

/* The monitor's conditions, keyed for the cooldown. */
int ecl__alert_stuck(ecl_store *store, const ecl_stuck_job *stuck, size_t count,
                     ecl_alert_result *result);
int ecl__alert_failure_rate(ecl_store *store, double rate, int hours, int critical,
                            ecl_alert_result *result);
int ecl__alert_backlog(ecl_store *store, int64_t waiting, ecl_alert_result *result);
/* A data feed that gave no new file within its stale_days (key stale_feed:<name>). */
int ecl__alert_stale_feed(ecl_store *store, const ecl_source *source, int64_t now,
                          ecl_alert_result *result);
/* Meters whose readings stopped (key stale_meters). */
int ecl__alert_stale_meters(ecl_store *store, const ecl_stale_meter_array *meters, int days,
                            ecl_alert_result *result);

#endif
