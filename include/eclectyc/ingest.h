/**
 * @file eclectyc/ingest.h
 * @brief Importing a CSV file of half-hourly or daily meter readings.
 *
 * Formats (chosen from the header, docs/ingestion.md): half-hourly "wide"
 * (identifier, date, HH01..HH50), half-hourly "long" (identifier, timestamp
 * or date + time, value, optional unit and actual/estimated flag) and daily
 * (identifier, date, value). Readings are stored at their UTC start in the
 * Europe/London settlement calendar (46, 48 or 50 periods a day). Files are
 * streamed in constant memory; `.gz` files are read transparently.
 */
#ifndef ECLECTYC_INGEST_H
#define ECLECTYC_INGEST_H

#include "common.h"
#include "buffer.h"
#include "config.h"
#include "job.h"
#include "store.h"

ECL_BEGIN_DECL

/** What to do with a row whose meter is not in the store. */
typedef enum ecl_unknown_meter_policy {
	ECL_UNKNOWN_METER_CREATE = 0,      /**< create the meter (the reference's behaviour) */
	ECL_UNKNOWN_METER_REJECT_ROW = 1,  /**< the row fails */
	ECL_UNKNOWN_METER_REJECT_FILE = 2  /**< the whole import fails, writing nothing further */
} ecl_unknown_meter_policy;

/** What to do with a negative value. */
typedef enum ecl_negative_policy {
	ECL_NEGATIVE_ACCEPT = 0,  /**< store it and count it in the summary */
	ECL_NEGATIVE_REJECT = 1   /**< the value (and so its row) fails */
} ecl_negative_policy;

/** "create", "reject-row", "reject-file"; NULL for another value. */
ECL_EXTERN const char *ecl_unknown_meter_policy_name(ecl_unknown_meter_policy policy);
/** Parse an unknown-meter policy name. @return 0 or ECL_EINVALID naming the text */
ECL_EXTERN int ecl_unknown_meter_policy_parse(ecl_unknown_meter_policy *out, const char *name);
/** "accept", "reject"; NULL for another value. */
ECL_EXTERN const char *ecl_negative_policy_name(ecl_negative_policy policy);
/** Parse a negative-value policy name. @return 0 or ECL_EINVALID naming the text */
ECL_EXTERN int ecl_negative_policy_parse(ecl_negative_policy *out, const char *name);

/**
 * Progress of an import, called after each committed batch (and once at the
 * end). A non-zero return stops the import cleanly with ECL_ECANCELLED after
 * that batch.
 *
 * @param processed  data rows read so far
 * @param total      data rows in the file when known, else -1
 * @param imported   rows with at least one value stored (or valid, in a dry run)
 * @param failed     rows that failed
 * @param payload    the caller's pointer
 */
typedef int (*ecl_progress_cb)(int64_t processed, int64_t total, int64_t imported, int64_t failed,
                               void *payload);

/** Options of an import. Fields are only ever appended. */
typedef struct ecl_ingest_options {
	unsigned int version;                   /**< ECL_INGEST_OPTIONS_VERSION */
	ecl_import_type import_type;            /**< hh (wide or long, detected) or daily */
	int dry_run;                            /**< validate and count; write nothing at all */
	ecl_unknown_meter_policy unknown_meters;
	ecl_negative_policy negatives;
	int overwrite_actual;                   /**< let an estimated value replace an actual one */
	int month_first;                        /**< read NN/NN/YYYY dates as month first */
	int interval_end;                       /**< long-format timestamps mark the interval end (24:00 allowed) */
	int batch_size;                         /**< readings per transaction (default 5000,
	                                             at most ECL_INGEST_BATCH_SIZE_MAX) */
	ecl_progress_cb progress;
	void *progress_payload;
	const char *batch_id;                   /**< import_batch_id to store; NULL = a new UUID */
	const char *profile;                    /**< import profile: a name, or a path to a .json
	                                             file; NULL = detect it (docs/profiles.md) */
	const char *meter;                      /**< the one meter the file belongs to (a file with
	                                             no meter column); NULL = from the file */
	ecl_clock_mode clock;                   /**< overrides the profile's clock */
	const char *profile_dir;                /**< user profiles; NULL = $ECLECTYC_PROFILE_DIR */
} ecl_ingest_options;

/** The largest batch_size an import accepts. */
#define ECL_INGEST_BATCH_SIZE_MAX 1000000

#define ECL_INGEST_OPTIONS_VERSION 1
#define ECL_INGEST_OPTIONS_INIT \
	{ ECL_INGEST_OPTIONS_VERSION, ECL_IMPORT_HH, 0, ECL_UNKNOWN_METER_CREATE, \
	  ECL_NEGATIVE_ACCEPT, 0, 0, 0, 5000, NULL, NULL, NULL, NULL, NULL, ECL_CLOCK_PROFILE, NULL }

/** Initialise ingest options to the defaults. @return 0 or ECL_EINVALID */
ECL_EXTERN int ecl_ingest_options_init(ecl_ingest_options *opts, unsigned int version);

/**
 * Fill ingest options from configuration, as `eclectyc import --now` does:
 * ECLECTYC_BATCH_SIZE (1 to 1000000) as `batch_size`. A key without a value
 * leaves the member as it is: initialise `opts` first. (User profiles come
 * from ECLECTYC_PROFILE_DIR in the environment while `profile_dir` is NULL.)
 *
 * @return 0; ECL_EINVALID for a NULL argument, or naming the key and value
 */
ECL_EXTERN int ecl_ingest_options_from_config(ecl_ingest_options *opts, const ecl_config *config);

/**
 * What an import did. The counters keep the reference's meanings; `summary`
 * is the job summary JSON (the reference's keys plus line numbers,
 * inserted/updated/unchanged counts and the error total).
 */
typedef struct ecl_ingest_report {
	char batch_id[ECL_BATCH_ID_SIZE];
	char format[16];                 /**< "hh-matrix", "hh-interval", "hh-period", "hh-flow" or "daily" */
	int dry_run;
	int successful;                  /**< no row failed and at least one was imported */
	int64_t records_processed;       /**< data rows read (header and blank lines excluded) */
	int64_t records_imported;        /**< rows with at least one value stored */
	int64_t records_failed;          /**< processed - imported */
	int64_t values_processed;        /**< readings (values) accepted */
	int64_t inserted;                /**< readings newly stored */
	int64_t updated;                 /**< readings whose value or type changed */
	int64_t unchanged;               /**< readings already stored as they are */
	int64_t meters_created;
	int64_t negative_values;
	int64_t error_count;             /**< all row errors (the summary lists the first 50) */
	char *summary;                   /**< JSON object text */
	char profile[65];                /**< the import profile used ("generic" for the generic reader) */
	int64_t records_skipped;         /**< rows the profile leaves out on purpose (another
	                                      measurement quantity, skip_rows); not processed */
} ecl_ingest_report;

/** Free a report. Accepts NULL. */
ECL_EXTERN void ecl_ingest_report_free(ecl_ingest_report *report);

/**
 * Set `out` to the report as one JSON object: batch_id, format, profile,
 * dry_run, successful, the counters by their member names, and summary
 * (the summary text decoded; null when there is none).
 *
 * @return 0, ECL_EINVALID or ECL_ENOMEM
 */
ECL_EXTERN int ecl_ingest_report_to_json(ecl_buf *out, const ecl_ingest_report *report);

/**
 * Import a file synchronously (no job), committing every `batch_size`
 * readings. Row errors do not stop the import; they are counted and listed.
 *
 * @param out   receives the report (also for a file whose rows all failed);
 *              free with ecl_ingest_report_free()
 * @param path  the file (plain or gzip)
 * @param opts  options, or NULL for the defaults
 * @return 0; ECL_EIO when the file cannot be read; ECL_EINVALID when the file
 *         cannot be imported at all (no header, missing identifier, date or
 *         value columns, malformed CSV), naming what is missing; ECL_ENOTFOUND
 *         for an unknown meter under ECL_UNKNOWN_METER_REJECT_FILE;
 *         ECL_ECANCELLED when the progress callback stopped it; ECL_EBUSY,
 *         ECL_EDB. On failure, batches committed before it stay committed
 *         (a re-import is idempotent) and `*out` is NULL.
 */
ECL_EXTERN int ecl_ingest_file(ecl_ingest_report **out, ecl_store *store, const char *path,
                               const ecl_ingest_options *opts);

ECL_END_DECL

#endif
