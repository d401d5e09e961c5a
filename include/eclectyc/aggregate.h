/**
 * @file eclectyc/aggregate.h
 * @brief Daily, weekly, monthly and annual consumption totals per meter.
 *
 * Daily rows come from the half-hour readings of each settlement day (or,
 * for a meter and day with no half-hour readings, from its daily total).
 * Weekly (ISO, Monday to Sunday), monthly and annual rows come from the
 * daily rows. Every run recomputes whole periods set-based in one
 * transaction: a re-run gives identical rows, and a row whose source data
 * has gone is removed. Each run is recorded in `scheduler_executions`
 * (telemetry.h); a failed or partial run is reported through the store's
 * alert path.
 *
 * Dates are civil dates in the Europe/London settlement calendar, written
 * `YYYY-MM-DD`; an impossible date such as 2025-02-30 is refused, never
 * rolled over.
 */
#ifndef ECLECTYC_AGGREGATE_H
#define ECLECTYC_AGGREGATE_H

#include "common.h"
#include "buffer.h"
#include "config.h"
#include "store.h"

ECL_BEGIN_DECL

/** The aggregation ranges, in the order ecl_aggregate_all() runs them. */
typedef enum ecl_range {
	ECL_RANGE_DAILY = 0,
	ECL_RANGE_WEEKLY = 1,
	ECL_RANGE_MONTHLY = 2,
	ECL_RANGE_ANNUAL = 3
} ecl_range;

#define ECL_RANGE_COUNT 4

/** "daily", "weekly", "monthly", "annual"; NULL for another value. */
ECL_EXTERN const char *ecl_range_name(ecl_range range);
/** Parse a range name. @return 0 or ECL_EINVALID naming the text */
ECL_EXTERN int ecl_range_parse(ecl_range *out, const char *name);

/** The outcome of an aggregation run, as stored in scheduler_executions.status. */
typedef enum ecl_run_status {
	ECL_RUN_RUNNING = 0,    /**< recorded at the start; never returned */
	ECL_RUN_COMPLETED = 1,  /**< every meter aggregated */
	ECL_RUN_PARTIAL = 2,    /**< some meters failed; the others were committed */
	ECL_RUN_FAILED = 3      /**< nothing was committed */
} ecl_run_status;

/** "running", "completed", "partial", "failed"; NULL for another value. */
ECL_EXTERN const char *ecl_run_status_name(ecl_run_status status);
/** Parse a run status name. @return 0 or ECL_EINVALID naming the text */
ECL_EXTERN int ecl_run_status_parse(ecl_run_status *out, const char *name);

/** Options of an aggregation run. Fields are only ever appended. */
typedef struct ecl_aggregate_options {
	unsigned int version;        /**< ECL_AGGREGATE_OPTIONS_VERSION */
	/** Run every period from the one holding the date up to the one holding
	 *  `until` (YYYY-MM-DD, not before the date); NULL = one period. */
	const char *until;
	/** Only these meters (ids); NULL = every active meter. */
	const int64_t *meter_ids;
	size_t meter_count;
	/** The peak window, local minutes after midnight, inclusive, by the
	 *  start of each half hour (default 07:00-23:00, i.e. 420-1380). */
	int peak_start_minutes;
	int peak_end_minutes;
	/** Recorded with the run: "manual" (default), "schedule", "import". */
	const char *trigger;
	/** Record the run in scheduler_executions (default 1). */
	int record_telemetry;
} ecl_aggregate_options;

#define ECL_AGGREGATE_OPTIONS_VERSION 1
#define ECL_AGGREGATE_OPTIONS_INIT \
	{ ECL_AGGREGATE_OPTIONS_VERSION, NULL, NULL, 0, 420, 1380, NULL, 1 }

/** Initialise aggregation options to the defaults. @return 0 or ECL_EINVALID */
ECL_EXTERN int ecl_aggregate_options_init(ecl_aggregate_options *opts, unsigned int version);

/**
 * Fill the peak window from configuration, as `eclectyc aggregate` and
 * `eclectyc worker` do: ECLECTYC_PEAK_START and ECLECTYC_PEAK_END, "HH:MM"
 * (or "H:MM") from 00:00 to 23:59, the start not after the end. Keys
 * without a value leave the member as it is: initialise `opts` first.
 *
 * @return 0; ECL_EINVALID for a NULL argument, or naming the key and value
 *         ("configuration ECLECTYC_PEAK_START=25:00 is not a time of day
 *         HH:MM from 00:00 to 23:59")
 */
ECL_EXTERN int ecl_aggregate_options_from_config(ecl_aggregate_options *opts,
                                                 const ecl_config *config);

/** Longest execution id, "exec_" and a UUID. */
#define ECL_EXECUTION_ID_SIZE 48

/** What one range run did. */
typedef struct ecl_aggregate_report {
	ecl_range range;
	ecl_run_status status;
	char execution_id[ECL_EXECUTION_ID_SIZE];
	char target_date[11];       /**< the date asked for */
	char period_start[11];      /**< the first day of the first period run */
	char period_end[11];        /**< the last day of the last period run */
	int64_t periods;            /**< days, weeks, months or years computed */
	int64_t meters_processed;   /**< meters with data in the span */
	int64_t rows_written;       /**< aggregate rows inserted or changed */
	int64_t rows_unchanged;     /**< aggregate rows recomputed to the same values */
	int64_t rows_removed;       /**< aggregate rows whose source data had gone */
	int64_t incomplete_days;    /**< (daily) meter-days with fewer readings than periods */
	int64_t error_count;        /**< meters that failed (or 1 for a failed run) */
	int64_t warning_count;      /**< incomplete days, telemetry that could not be written */
	double duration_seconds;
	char *error_message;        /**< why the run failed, or the first meter error; else NULL */
	char **messages;            /**< every error and warning sentence */
	size_t message_count;
} ecl_aggregate_report;

/** Free a report. Accepts NULL. */
ECL_EXTERN void ecl_aggregate_report_free(ecl_aggregate_report *report);

/** Set `out` to the report as one JSON object. @return 0, ECL_EINVALID or ECL_ENOMEM */
ECL_EXTERN int ecl_aggregate_report_to_json(ecl_buf *out, const ecl_aggregate_report *report);

/**
 * Aggregate one range for the period holding `date` (and, with `until`,
 * every later period up to the one holding it), in one transaction.
 *
 * @param out   receives the report, also for a failed run (status
 *              ECL_RUN_FAILED); NULL only when the arguments were refused or
 *              memory ran out. Free with ecl_aggregate_report_free().
 * @param date  YYYY-MM-DD; NULL = yesterday in Europe/London by the store's clock
 * @param opts  options, or NULL for the defaults
 * @return 0 for a completed or partial run (see status); ECL_EINVALID for a
 *         bad range, date or option; ECL_ESCHEMA before migration; for a
 *         failed run the storage error (ECL_EBUSY, ECL_EDB, ECL_EIO).
 */
ECL_EXTERN int ecl_aggregate(ecl_aggregate_report **out, ecl_store *store, ecl_range range,
                             const char *date, const ecl_aggregate_options *opts);

/**
 * Run daily, weekly, monthly and annual in that order, so each roll-up sees
 * the fresh daily rows. A failed range does not stop the later ones.
 *
 * @param out  receives ECL_RANGE_COUNT reports, in range order (each may be
 *             NULL as for ecl_aggregate()); free each one
 * @return 0 when every range completed or was partial, else the first error
 */
ECL_EXTERN int ecl_aggregate_all(ecl_aggregate_report *out[ECL_RANGE_COUNT], ecl_store *store,
                                 const char *date, const ecl_aggregate_options *opts);

/**
 * Yesterday's date in Europe/London by the store's clock, the default target
 * of aggregation and quality checks.
 */
ECL_EXTERN void ecl_default_date(char out[11], ecl_store *store);

ECL_END_DECL

#endif
