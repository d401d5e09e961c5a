/**
 * @file eclectyc/quality.h
 * @brief Data-quality checks of one day's readings per meter.
 *
 * For each meter and settlement day: completeness against the periods the
 * day really has (46, 48 or 50), the periods missing, zero and negative
 * values, and outliers by the interquartile rule (at least 10 values,
 * q1 = v[floor(n/4)], q3 = v[floor(3n/4)] of the sorted values, k = 1.5,
 * strictly outside). Findings are stored in `data_quality_issues`, one row
 * per meter, day and issue type, so a re-run updates rows and never adds
 * duplicates; a type that no longer applies is removed.
 *
 * A day is judged by its half-hour readings when it has any; otherwise by
 * its daily total (one value, complete); otherwise it has nothing, and a
 * half-hourly meter misses every period while another meter misses its one
 * daily value. Rows stored (issue_type, severity):
 * `missing_data` (medium; high when the day has no reading at all),
 * `negative_value` (high), `outlier` (low), `zero_reading` (low).
 * See docs/quality.md.
 */
#ifndef ECLECTYC_QUALITY_H
#define ECLECTYC_QUALITY_H

#include "common.h"
#include "buffer.h"
#include "store.h"

ECL_BEGIN_DECL

/** Options of a quality check. Fields are only ever appended. */
typedef struct ecl_quality_options {
	unsigned int version;  /**< ECL_QUALITY_OPTIONS_VERSION */
	const char *mpan;      /**< check only this meter (normalised like an imported
	                            identifier; checked even when inactive);
	                            NULL = every active meter */
	int record;            /**< store the findings in data_quality_issues (default 1) */
} ecl_quality_options;

#define ECL_QUALITY_OPTIONS_VERSION 1
#define ECL_QUALITY_OPTIONS_INIT { ECL_QUALITY_OPTIONS_VERSION, NULL, 1 }

/** Initialise quality options to the defaults. @return 0 or ECL_EINVALID */
ECL_EXTERN int ecl_quality_options_init(ecl_quality_options *opts, unsigned int version);

/** One value singled out: its settlement period (0 for a daily total) and value (kWh). */
typedef struct ecl_quality_value {
	int period;
	double value;
} ecl_quality_value;

/** The findings for one meter on the day. */
typedef struct ecl_quality_meter {
	int64_t meter_id;
	char *mpan;
	const char *source;           /**< "hh", "daily" (only a daily total) or "none" (static text) */
	int expected;                 /**< periods the day has (46/48/50) for "hh" and for "none" on a
	                                   half-hourly meter; 1 for "daily" and "none" on another meter */
	int actual;                   /**< readings present (0..expected) */
	double completeness;          /**< actual / expected * 100, 2 decimal places */
	int *missing_periods;         /**< ascending period numbers absent from 1..expected (NULL when
	                                   none; never listed for a daily total or a non-half-hourly meter) */
	size_t missing_count;
	ecl_quality_value *zeros;
	size_t zero_count;
	ecl_quality_value *negatives;
	size_t negative_count;
	ecl_quality_value *outliers;
	size_t outlier_count;
	int bounds_known;             /**< 1 when there were enough values (>= 10) for the IQR rule */
	double lower_bound, upper_bound; /**< the fences, when bounds_known */
	int has_issues;               /**< anything missing, zero, negative or an outlier */
} ecl_quality_meter;

/** A day's findings. */
typedef struct ecl_quality_report {
	char date[11];
	int64_t meters_checked;
	int64_t meters_with_issues;
	int64_t issues_recorded;      /**< rows now in data_quality_issues for the meters checked on
	                                   the date (0 when the findings were not recorded) */
	ecl_quality_meter *meters;    /**< every meter checked, by id */
	size_t meter_count;
} ecl_quality_report;

/** Free a report. Accepts NULL. */
ECL_EXTERN void ecl_quality_report_free(ecl_quality_report *report);

/**
 * Set `out` to the report as one JSON object (replacing its text): date, meters_checked,
 * meters_with_issues, issues_recorded and "meters", one object per meter
 * with the fields of ecl_quality_meter (zeros, negatives and outliers as
 * [{"period", "value"}], bounds null when unknown). With `issues_only`,
 * meters without issues are left out of "meters" (the counts stay).
 *
 * @param out receives the text; release with ecl_buf_dispose()
 * @return 0, ECL_EINVALID (NULL argument), ECL_ENOMEM
 */
ECL_EXTERN int ecl_quality_report_to_json(ecl_buf *out, const ecl_quality_report *report,
                                          int issues_only);

/**
 * Check one day.
 *
 * @param out  receives the report (free with ecl_quality_report_free());
 *             NULL on failure
 * @param date YYYY-MM-DD; NULL = yesterday in Europe/London by the store's clock
 * @param opts options, or NULL for the defaults
 * @return 0; ECL_EINVALID for a NULL argument, a bad date, option or `mpan`;
 *         ECL_ENOTFOUND for an unknown `mpan`; ECL_ENOTSUPPORTED when the
 *         store's backend has no quality checks; ECL_ESCHEMA, ECL_EBUSY,
 *         ECL_EDB, ECL_ENOMEM. Findings are recorded all together or not at all.
 */
ECL_EXTERN int ecl_quality_check(ecl_quality_report **out, ecl_store *store, const char *date,
                                 const ecl_quality_options *opts);

ECL_END_DECL

#endif
