/*
 * Options from configuration: the ECLECTYC_* keys read into the options
 * structs of the store, jobs, imports, the worker, aggregation, health
 * checks and cleanup. The command line and the bindings both call these, so
 * a PHP or Python host given the same `.env` runs with what the command line
 * runs with; keys, ranges and messages live here only. A key without a
 * value leaves its member as the caller initialised it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eclectyc/aggregate.h"
#include "eclectyc/cleanup.h"
#include "eclectyc/ingest.h"
#include "eclectyc/job.h"
#include "eclectyc/monitor.h"
#include "eclectyc/store.h"
#include "eclectyc/sys/errors.h"
#include "eclectyc/worker.h"

/* A week: a heartbeat older than that is not a slow import. */
#define STUCK_MINUTES_MAX (7 * 24 * 60)
#define BACKLOG_MAX 1000000000

/* Read an integer key into *out when it has a value, within [min, max]. */
static int config_int(int *out, const ecl_config *config, const char *key, int min, int max)
{
	int64_t value;
	int rc = ecl_config_get_int(&value, config, key);

	if (rc == ECL_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (value < min || value > max)
		return ecl_error_set(ECL_EINVALID, "configuration %s=%s is out of range (%d to %d)",
			key, ecl_config_get(config, key), min, max);
	*out = (int)value;
	return 0;
}

static int null_arguments(const void *opts, const char *what)
{
	return ecl_error_set(ECL_EINVALID, "%s: %s is NULL", what, opts == NULL ? "opts" : "config");
}

/* ---- store ------------------------------------------------------------------ */

static int config_log_level(ecl_store_options *opts, const ecl_config *config)
{
	const char *level = ecl_config_get(config, "ECLECTYC_LOG_LEVEL");

	return level == NULL ? 0 : ecl_log_level_parse(&opts->log_level, level);
}

/* Only a directory that was set: the built-in default is relative to the
 * working directory and often missing, and setups that never set one import
 * files from anywhere. An empty value means no storage root. */
static void config_storage_root(ecl_store_options *opts, const ecl_config *config)
{
	const char *dir = ecl_config_get(config, "ECLECTYC_STORAGE_DIR");

	if (dir != NULL && dir[0] != '\0'
	    && ecl_config_source_of(config, "ECLECTYC_STORAGE_DIR") != ECL_CONFIG_DEFAULT)
		opts->storage_root = dir;
}

int ecl_store_options_from_config(ecl_store_options *opts, const ecl_config *config)
{
	int rc;

	if (opts == NULL || config == NULL)
		return null_arguments(opts, "ecl_store_options_from_config");
	rc = config_log_level(opts, config);
	if (rc == 0)
		rc = config_int(&opts->busy_timeout_ms, config, "ECLECTYC_BUSY_TIMEOUT_MS", 0, INT_MAX);
	if (rc == 0)
		rc = config_int(&opts->retry_base_seconds, config, "ECLECTYC_RETRY_BASE_SECONDS", 0, INT_MAX);
	if (rc == 0)
		rc = config_int(&opts->retry_cap_seconds, config, "ECLECTYC_RETRY_CAP_SECONDS", 0, INT_MAX);
	if (rc == 0)
		rc = config_int(&opts->retry_jitter_percent, config, "ECLECTYC_RETRY_JITTER_PERCENT", 0, 100);
	if (rc == 0)
		config_storage_root(opts, config);
	return rc;
}

/* ---- jobs and imports ------------------------------------------------------------ */

int ecl_job_options_from_config(ecl_job_options *opts, const ecl_config *config)
{
	if (opts == NULL || config == NULL)
		return null_arguments(opts, "ecl_job_options_from_config");
	return config_int(&opts->max_retries, config, "ECLECTYC_MAX_RETRIES", 0, ECL_MAX_RETRIES_LIMIT);
}

int ecl_ingest_options_from_config(ecl_ingest_options *opts, const ecl_config *config)
{
	if (opts == NULL || config == NULL)
		return null_arguments(opts, "ecl_ingest_options_from_config");
	return config_int(&opts->batch_size, config, "ECLECTYC_BATCH_SIZE", 1, ECL_INGEST_BATCH_SIZE_MAX);
}

/* ---- aggregation ------------------------------------------------------------------ */

static int is_digits(const char *text, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (text[i] < '0' || text[i] > '9')
			return 0;
	}
	return 1;
}

/* "HH:MM" (or "H:MM") from 00:00 to 23:59 into minutes after midnight. */
static int parse_clock(int *minutes, const char *text)
{
	size_t len = strlen(text);
	size_t hour_digits = len == 5 ? 2 : 1;
	int hour, minute;

	if ((len != 4 && len != 5) || !is_digits(text, hour_digits) || text[hour_digits] != ':'
	    || !is_digits(text + hour_digits + 1, 2))
		return -1;
	hour = atoi(text);
	minute = atoi(text + hour_digits + 1);
	if (hour > 23 || minute > 59)
		return -1;
	*minutes = hour * 60 + minute;
	return 0;
}

static int config_clock(int *minutes, const ecl_config *config, const char *key)
{
	const char *value = ecl_config_get(config, key);

	if (value != NULL && parse_clock(minutes, value) != 0)
		return ecl_error_set(ECL_EINVALID, "configuration %s=%s is not a time of day HH:MM from "
			"00:00 to 23:59", key, value);
	return 0;
}

int ecl_aggregate_options_from_config(ecl_aggregate_options *opts, const ecl_config *config)
{
	int rc;

	if (opts == NULL || config == NULL)
		return null_arguments(opts, "ecl_aggregate_options_from_config");
	rc = config_clock(&opts->peak_start_minutes, config, "ECLECTYC_PEAK_START");
	if (rc == 0)
		rc = config_clock(&opts->peak_end_minutes, config, "ECLECTYC_PEAK_END");
	if (rc == 0 && opts->peak_start_minutes > opts->peak_end_minutes)
		rc = ecl_error_set(ECL_EINVALID, "configuration ECLECTYC_PEAK_START=%02d:%02d is after "
			"ECLECTYC_PEAK_END=%02d:%02d (the peak window is within one day)",
			opts->peak_start_minutes / 60, opts->peak_start_minutes % 60,
			opts->peak_end_minutes / 60, opts->peak_end_minutes % 60);
	return rc;
}

/* ---- worker ------------------------------------------------------------------------ */

int ecl_worker_options_from_config(ecl_worker_options *opts, const ecl_config *config)
{
	int rc;

	if (opts == NULL || config == NULL)
		return null_arguments(opts, "ecl_worker_options_from_config");
	rc = config_int(&opts->idle_poll_ms, config, "ECLECTYC_WORKER_POLL_MS", 0, INT_MAX);
	if (rc == 0)
		rc = ecl_ingest_options_from_config(&opts->ingest, config);
	/* Re-aggregation the caller turned off stays off; the peak window
	 * matters only to re-aggregation: a bad one must not stop a worker
	 * that does not re-aggregate. */
	if (rc == 0 && opts->aggregate_after_import)
		rc = config_int(&opts->aggregate_after_import, config, "ECLECTYC_AGGREGATE_AFTER_IMPORT", 0, 1);
	if (rc == 0)
		rc = config_int(&opts->collect_sources, config, "ECLECTYC_WORKER_COLLECT", 0, 1);
	if (rc == 0 && opts->aggregate_after_import)
		rc = ecl_aggregate_options_from_config(&opts->aggregation, config);
	return rc;
}

/* ---- health --------------------------------------------------------------------- */

/* A percentage, decimals allowed, in [0, 100]; an empty value counts as unset. */
static int config_percent(double *out, const ecl_config *config, const char *key)
{
	const char *text = ecl_config_get(config, key);
	char *end;
	double value;

	if (text == NULL || text[0] == '\0')
		return 0;
	errno = 0;
	value = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !(value >= 0.0 && value <= 100.0))
		return ecl_error_set(ECL_EINVALID, "configuration %s=%s is not a percentage from 0 to 100",
			key, text);
	*out = value;
	return 0;
}

int ecl_health_options_from_config(ecl_health_options *opts, const ecl_config *config)
{
	int backlog;
	int rc;

	if (opts == NULL || config == NULL)
		return null_arguments(opts, "ecl_health_options_from_config");
	backlog = opts->backlog_threshold > BACKLOG_MAX ? BACKLOG_MAX : (int)opts->backlog_threshold;
	rc = config_int(&opts->stuck_minutes, config, "ECLECTYC_STUCK_MINUTES", 1, STUCK_MINUTES_MAX);
	if (rc == 0)
		rc = config_percent(&opts->failure_rate_warning, config, "ECLECTYC_FAILURE_RATE_WARNING");
	if (rc == 0)
		rc = config_percent(&opts->failure_rate_critical, config, "ECLECTYC_FAILURE_RATE_CRITICAL");
	if (rc == 0 && ecl_config_get(config, "ECLECTYC_BACKLOG_THRESHOLD") != NULL) {
		rc = config_int(&backlog, config, "ECLECTYC_BACKLOG_THRESHOLD", 0, BACKLOG_MAX);
		if (rc == 0)
			opts->backlog_threshold = backlog;
	}
	if (rc == 0)
		rc = config_int(&opts->stale_meter_days, config, "ECLECTYC_STALE_METER_DAYS", 0, 3650);
	if (rc == 0 && opts->failure_rate_warning > opts->failure_rate_critical)
		rc = ecl_error_set(ECL_EINVALID, "configuration ECLECTYC_FAILURE_RATE_WARNING (%g) is above "
			"ECLECTYC_FAILURE_RATE_CRITICAL (%g)", opts->failure_rate_warning,
			opts->failure_rate_critical);
	return rc;
}

/* ---- cleanup -------------------------------------------------------------------- */

int ecl_cleanup_options_from_config(ecl_cleanup_options *opts, const ecl_config *config)
{
	const char *dir;
	struct stat st;

	if (opts == NULL || config == NULL)
		return null_arguments(opts, "ecl_cleanup_options_from_config");
	dir = ecl_config_get(config, "ECLECTYC_STORAGE_DIR");
	if (dir == NULL || dir[0] == '\0')
		return 0;
	/* The default was never chosen by anyone: sweep it only where it is. */
	if (ecl_config_source_of(config, "ECLECTYC_STORAGE_DIR") == ECL_CONFIG_DEFAULT
	    && stat(dir, &st) != 0)
		return 0;
	opts->storage_dir = dir;
	return 0;
}
