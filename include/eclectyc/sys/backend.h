/**
 * @file eclectyc/sys/backend.h
 * @brief For backend authors: the storage backend interface.
 *
 * A backend is a versioned table of functions at the level of the domain
 * (claim a job, apply a conditional job update, …), never raw SQL. The core
 * decides policy (backoff, which transitions are legal) and passes every
 * instant in, so a backend never consults its own clock. Like SQLite's VFS,
 * the struct only grows: new members are appended and announced by a higher
 * `version`, so a backend built against an older header keeps working.
 *
 * Version 1 is the first released interface; version 2 appended
 * host_user_get and the data feeds' slots (source_add … meters_stale). The slots marked "required" must be set; every other slot
 * may be NULL, and the core then answers the operations that need it with
 * ECL_ENOTSUPPORTED naming the slot (a queue-only backend needs nothing past
 * job_update). The core reads a slot only from a backend whose `version`
 * has it, so the struct of a backend built against an older header, which
 * ends before that slot, is never read past its end. Fill the struct with
 * named initializers (examples/c/backend_skeleton.c) so that a slot added
 * later starts out NULL.
 *
 * Rules every backend keeps (the conformance suite in tests/backend proves
 * them): it owns and versions its schema; claiming is atomic across processes
 * and machines; every job update is conditional on the expected status;
 * instants are UTC Unix seconds at the interface.
 */
#ifndef ECLECTYC_SYS_BACKEND_H
#define ECLECTYC_SYS_BACKEND_H

#include "../common.h"
#include "../errors.h"
#include "errors.h"
#include "../aggregate.h"
#include "../monitor.h"
#include "../job.h"
#include "../store.h"
#include "../telemetry.h"
#include "../source.h"

ECL_BEGIN_DECL

/** A backend's connection; each backend defines its own struct. */
typedef struct ecl_backend_conn ecl_backend_conn;

/** Which fields an ecl_job_update sets (bit flags). */
enum {
	ECL_JOB_SET_STATUS = 1u << 0,
	ECL_JOB_SET_STARTED_AT = 1u << 1,
	ECL_JOB_SET_COMPLETED_AT = 1u << 2,
	ECL_JOB_SET_ERROR_MESSAGE = 1u << 3,
	ECL_JOB_SET_LAST_ERROR = 1u << 4,
	ECL_JOB_SET_RETRY_COUNT = 1u << 5,
	ECL_JOB_SET_MAX_RETRIES = 1u << 6,
	ECL_JOB_SET_RETRY_AT = 1u << 7,
	ECL_JOB_SET_WORKER_ID = 1u << 8,
	ECL_JOB_SET_HEARTBEAT_AT = 1u << 9,
	ECL_JOB_SET_COUNTERS = 1u << 10,     /**< processed, imported, failed rows */
	ECL_JOB_SET_TOTAL_ROWS = 1u << 11,
	ECL_JOB_SET_CHECKPOINT = 1u << 12,
	ECL_JOB_SET_SUMMARY = 1u << 13,
	ECL_JOB_SET_CANCEL_REQUESTED = 1u << 14,
	ECL_JOB_SET_ERROR_CLASS = 1u << 15,
	ECL_JOB_SET_ALERT_SENT = 1u << 16,   /**< alert_sent = 1, alert_sent_at */
	ECL_JOB_SET_FILE_IDENTITY = 1u << 17, /**< file_size, file_mtime, file_inode, file_sha256
	                                          (schema migration 7) */
	ECL_JOB_SET_ALL_ = (1u << 18) - 1
};

/** The bit of a status in ecl_job_update.from_statuses. */
#define ECL_JOB_STATUS_BIT(s) (1u << (unsigned)(s))

/**
 * A conditional update of one job: applied only when the job's status is in
 * `from_statuses` (and, when given, its worker_id and retry_count match).
 * Instants equal to ECL_TIME_NONE and NULL strings store SQL NULL.
 */
typedef struct ecl_job_update {
	const char *batch_id;
	unsigned int from_statuses;   /**< ECL_JOB_STATUS_BIT()s allowed now */
	const char *expect_worker_id; /**< when non-NULL, must equal worker_id */
	int expect_retry_count;       /**< when >= 0, must equal retry_count */
	unsigned int set;             /**< ECL_JOB_SET_* of the fields below */
	ecl_job_status status;
	int64_t started_at;
	int64_t completed_at;
	const char *error_message;
	const char *last_error;
	int retry_count;
	int max_retries;
	int64_t retry_at;
	const char *worker_id;
	int64_t heartbeat_at;
	int64_t processed_rows;
	int64_t imported_rows;
	int64_t failed_rows;
	int64_t total_rows;
	int64_t checkpoint;
	const char *summary;
	int cancel_requested;
	const char *error_class;
	int64_t alert_sent_at;
	/** When not ECL_TIME_NONE, heartbeat_at must be before this instant
	 *  (stuck recovery: a job that beat meanwhile is left alone). */
	int64_t expect_heartbeat_before;
	/** When 1, alert_sent must still be 0 (an alert goes out once). */
	int expect_alert_unsent;
	/** The instant of the change: with ECL_JOB_SET_STATUS the backend
	 *  stores it as status_changed_at, which dates the job's attempts. */
	int64_t now;
	/** With ECL_JOB_SET_FILE_IDENTITY: the job's file as the worker found it before reading its first row. */
	int64_t file_size;            /**< bytes */
	int64_t file_mtime;           /**< Unix seconds */
	int64_t file_inode;
	const char *file_sha256;      /**< 64 lower-case hex digits */
} ecl_job_update;

/** What a refused update found, so the core can say why. */
typedef struct ecl_job_found {
	ecl_job_status status;
	int retry_count;
	char worker_id[ECL_WORKER_ID_MAX + 1];  /**< "" when NULL */
} ecl_job_found;

/** A meter that a reading batch refers to. */
typedef struct ecl_batch_meter {
	const char *mpan;          /**< normalised identifier */
	int64_t id;                /**< the meter's id; 0 = create it (or find the one another
	                                writer created meanwhile): the backend fills it in */
	int is_half_hourly;        /**< for a meter created here */
	const char *mpan_check;    /**< "valid", "invalid" or "not_mpan", for a meter created here */
} ecl_batch_meter;

/** One half-hour reading. */
typedef struct ecl_interval_reading {
	size_t meter;              /**< index into ecl_reading_batch.meters */
	int64_t period_start;      /**< UTC start of the half hour */
	char reading_date[11];     /**< settlement date, YYYY-MM-DD */
	int local_minutes;         /**< local start, minutes after local midnight */
	int period_number;         /**< 1..50 */
	double value;              /**< kWh */
	int estimated;             /**< 1 = estimated, 0 = actual */
} ecl_interval_reading;

/** One daily total. */
typedef struct ecl_daily_reading {
	size_t meter;              /**< index into ecl_reading_batch.meters */
	char reading_date[11];     /**< YYYY-MM-DD */
	double value;              /**< kWh */
	int estimated;
} ecl_daily_reading;

/**
 * Readings to upsert in one transaction. A reading whose value and type equal
 * the stored ones is left alone (unchanged); an estimated value does not
 * replace an actual one unless `overwrite_actual` is set.
 */
typedef struct ecl_reading_batch {
	const char *batch_id;      /**< stored as import_batch_id (and created_by_batch); may be NULL */
	int64_t now;               /**< created_at / updated_at */
	int overwrite_actual;
	ecl_batch_meter *meters;
	size_t meter_count;
	const ecl_interval_reading *intervals;
	size_t interval_count;
	const ecl_daily_reading *dailies;
	size_t daily_count;
} ecl_reading_batch;

/** What a batch did to the stored readings. */
typedef struct ecl_write_counts {
	int64_t inserted;
	int64_t updated;
	int64_t unchanged;         /**< equal to the stored reading, or an actual kept */
	int64_t meters_created;
} ecl_write_counts;

/** One settlement day to aggregate: its date, its UTC bounds and its periods. */
typedef struct ecl_agg_day {
	char date[11];             /**< YYYY-MM-DD */
	int64_t start;             /**< UTC instant of its local midnight */
	int64_t end;               /**< UTC instant of the next day's local midnight */
	int periods;               /**< 46, 48 or 50 */
} ecl_agg_day;

/** One week, month or year to aggregate from daily rows: first and last day. */
typedef struct ecl_agg_period {
	char start[11];
	char end[11];
} ecl_agg_period;

/**
 * One aggregation run, executed in one transaction. The core resolves the
 * calendar (days, periods, DST) so a backend needs no time-zone rules.
 */
typedef struct ecl_aggregate_request {
	ecl_range range;
	const ecl_agg_day *days;          /**< ECL_RANGE_DAILY: the days, ascending */
	size_t day_count;
	const ecl_agg_period *periods;    /**< other ranges: the periods, ascending */
	size_t period_count;
	const int64_t *meter_ids;         /**< only these meters; NULL = every active meter */
	size_t meter_count;
	int peak_start_minutes;           /**< local minutes, inclusive, by period start */
	int peak_end_minutes;
	int64_t now;                      /**< created_at / updated_at */
	/** Called for a meter whose rows could not be written (the rest of the
	 *  run goes on without it); may be NULL. */
	void (*meter_error)(void *payload, int64_t meter_id, const char *mpan, const char *message);
	void *payload;
} ecl_aggregate_request;

/** What an aggregation run changed. */
typedef struct ecl_aggregate_counts {
	int64_t meters;            /**< meters with data in the span */
	int64_t written;           /**< rows inserted or changed */
	int64_t unchanged;         /**< rows recomputed to their stored values */
	int64_t removed;           /**< rows whose source data had gone */
	int64_t incomplete;        /**< daily: meter-days with fewer readings than periods */
	int64_t failed_meters;     /**< meters reported through meter_error */
} ecl_aggregate_counts;

/** The meters and days an import batch wrote readings for. */
typedef struct ecl_batch_extent {
	int64_t *meter_ids;        /**< malloc()ed by the backend; the caller frees */
	size_t meter_count;
	char first_date[11];       /**< "" when the batch wrote nothing */
	char last_date[11];
} ecl_batch_extent;

/** One meter's readings of one day, as a quality check sees them. */
typedef struct ecl_quality_meter_day {
	int64_t meter_id;
	const char *mpan;
	int is_half_hourly;
	const int *periods;        /**< period numbers (from period_start within the day), ascending */
	const double *values;      /**< their values */
	size_t count;              /**< half-hour readings (0 when none) */
	int has_daily;             /**< a daily total exists for the day */
	double daily_value;
} ecl_quality_meter_day;

/** A quality scan: every active meter, or the one named (active or not), on
 *  one day, in ascending meter id. */
typedef struct ecl_quality_scan {
	const ecl_agg_day *day;
	const char *mpan;          /**< one meter; NULL = every active meter */
	/** Called per meter; a non-zero return stops the scan with that code. */
	int (*meter)(void *payload, const ecl_quality_meter_day *data);
	void *payload;
} ecl_quality_scan;

/** One data_quality_issues row. */
typedef struct ecl_quality_issue {
	int64_t meter_id;
	const char *issue_type;    /**< missing_data, negative_value, outlier, zero_reading */
	const char *severity;      /**< low, medium, high */
	const char *description;
	const char *issue_data;    /**< JSON object text */
} ecl_quality_issue;

/**
 * The findings of a quality check of `date`, for `meter_ids`: issues are
 * upserted by (meter, date, type); other types stored for those meters and
 * that date are removed. One transaction.
 */
typedef struct ecl_quality_findings {
	const char *date;
	const int64_t *meter_ids;
	size_t meter_count;
	const ecl_quality_issue *issues;
	size_t issue_count;
	int64_t now;
} ecl_quality_findings;

/** The window a health check reads. */
typedef struct ecl_health_query {
	int64_t now;
	int64_t window_start;      /**< jobs finished (completed_at) at or after this count */
} ecl_health_query;

/** One row of the `alerts` table. */
typedef struct ecl_alert_record {
	const char *alert_key;     /**< cooldown key, or NULL */
	const char *alert_type;
	const char *severity;
	const char *subject;
	const char *body;
	const char *channels_ok;   /**< comma-separated, "" when none */
	const char *channels_failed;
	const char *failure_detail;
	int suppressed;            /**< held back by the cooldown */
	int64_t created_at;
} ecl_alert_record;

/**
 * The backend interface. All functions return 0 or a negative ECL_E* code and
 * set the thread's error message (ecl_error_set()) on failure. Transient lock
 * contention is retried inside the backend up to the busy timeout and only
 * then reported as ECL_EBUSY.
 */
typedef struct ecl_backend {
	unsigned int version;  /**< required: ECL_BACKEND_VERSION when built */
	const char *name;      /**< required: short name, e.g. "sqlite" */

	/* ---- required: the store and the queue ---- */

	/** Connect. `uri` is the whole URI the store was opened with. */
	int (*open)(ecl_backend_conn **out, const char *uri, const ecl_store_options *opts);
	/** Disconnect and free. Accepts NULL. */
	void (*close)(ecl_backend_conn *conn);

	/** The highest migration applied (0 for none) and the highest known. */
	int (*schema_version)(ecl_backend_conn *conn, int *current, int *expected);
	/** Apply pending migrations, each in a transaction, recording `applied_at`. */
	int (*migrate)(ecl_backend_conn *conn, int64_t applied_at);
	/** Append one problem per drift to `report` (ecl_schema_report_add()). */
	int (*check)(ecl_backend_conn *conn, ecl_schema_report *report);

	/** Insert `count` queued jobs in one transaction; all or none. */
	int (*job_insert)(ecl_backend_conn *conn, const ecl_job *jobs, size_t count);
	/** Read one job into `out` (strings newly allocated); ECL_ENOTFOUND when absent. */
	int (*job_get)(ecl_backend_conn *conn, const char *batch_id, ecl_job *out);
	/** List jobs newest first (queued_at DESC, id DESC) into `out`. */
	int (*job_list)(ecl_backend_conn *conn, const ecl_job_list_options *opts, ecl_job_array *out);
	/**
	 * Atomically move the next runnable job (queued, retry_at NULL or <= now;
	 * priority high > normal > low, then queued_at, then id) to processing
	 * with worker_id, started_at = heartbeat_at = now, error_message NULL.
	 * `*claimed` is 1 with `out` filled, or 0 when none is runnable.
	 */
	int (*job_claim)(ecl_backend_conn *conn, const char *worker_id, int64_t now,
	                 ecl_job *out, int *claimed);
	/**
	 * Apply a conditional update. 0 when applied; ECL_ENOTFOUND when the job
	 * does not exist; ECL_ESTATE, with `found` filled, when a condition failed.
	 */
	int (*job_update)(ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found);

	/* ---- optional: NULL = ECL_ENOTSUPPORTED for what needs it ---- */

	/** The number of jobs in each status, read consistently (ecl_job_status_counts()). */
	int (*job_status_counts)(ecl_backend_conn *conn, ecl_job_status_counts *out);
	/** The attempts of one job, oldest first (strings newly allocated);
	 *  empty when the job never ran or does not exist (ecl_job_attempts()). */
	int (*job_attempts)(ecl_backend_conn *conn, const char *batch_id,
	                    ecl_job_attempt_array *out);

	/* Imports (ecl_ingest_*, the worker). */

	/** The id of a meter by normalised identifier; ECL_ENOTFOUND when absent. */
	int (*meter_find)(ecl_backend_conn *conn, const char *mpan, int64_t *id);
	/**
	 * Write a batch of readings and, when `job` is not NULL, apply that job
	 * update, all in one transaction: if the update is refused (the job was
	 * cancelled or taken over), nothing of the batch is written and the
	 * result is as for job_update. Meter ids are filled in only on success.
	 * `counts` are added to.
	 */
	int (*readings_write)(ecl_backend_conn *conn, ecl_reading_batch *batch,
	                      const ecl_job_update *job, ecl_job_found *found,
	                      ecl_write_counts *counts);
	/** The meters and date span an import batch has written readings for
	 *  (re-aggregation after an import). */
	int (*batch_extent)(ecl_backend_conn *conn, const char *batch_id, ecl_batch_extent *out);

	/* Aggregation and its telemetry (ecl_aggregate_*, ecl_execution_*). */

	/**
	 * Run an aggregation (one transaction). Daily rows come from half-hour
	 * readings, or from the daily total where a meter has no half-hour
	 * reading that day; period rows from daily rows. Rows in the span whose
	 * source has gone are removed. A meter whose rows cannot be written is
	 * reported through meter_error and left out; any other failure rolls
	 * the whole run back.
	 */
	int (*aggregate)(ecl_backend_conn *conn, const ecl_aggregate_request *request,
	                 ecl_aggregate_counts *counts);
	/** Insert or replace the scheduler_executions row with this execution_id. */
	int (*execution_record)(ecl_backend_conn *conn, const ecl_execution *execution);
	/** The most recent executions, newest first (strings newly allocated). */
	int (*execution_list)(ecl_backend_conn *conn, int limit, ecl_execution_array *out);

	/* Data quality (ecl_quality_*). */
	/** Feed each meter's readings of a day to scan->meter, ascending meter id. */
	int (*quality_scan)(ecl_backend_conn *conn, const ecl_quality_scan *scan);
	/** Record quality findings (one transaction). `*stored` = rows now held for those meters. */
	int (*quality_record)(ecl_backend_conn *conn, const ecl_quality_findings *findings,
	                      int64_t *stored);

	/* Monitoring, alerts and retention (ecl_health_*, ecl_alert_*, ecl_cleanup_*). */

	/** The health figures of a window, read consistently. */
	int (*health_metrics)(ecl_backend_conn *conn, const ecl_health_query *query,
	                      ecl_health_metrics *out);
	/** Processing jobs whose heartbeat is before `cutoff`, oldest heartbeat first. */
	int (*jobs_stuck)(ecl_backend_conn *conn, int64_t cutoff, ecl_job_array *out);
	/** Failed jobs whose alert was not sent, oldest completed_at first, at most `limit`. */
	int (*jobs_alert_pending)(ecl_backend_conn *conn, size_t limit, ecl_job_array *out);
	/** The created_at of the last alert sent (not suppressed) with `key`; ECL_TIME_NONE if none. */
	int (*alert_last)(ecl_backend_conn *conn, const char *key, int64_t *at);
	/** Append an alert to the `alerts` table. */
	int (*alert_record)(ecl_backend_conn *conn, const ecl_alert_record *record);
	/**
	 * Up to `limit` jobs that can never run again (completed, cancelled,
	 * failed) with completed_at before `cutoff`, oldest first; with
	 * `remove`, also deleted in the same transaction.
	 */
	int (*jobs_expired)(ecl_backend_conn *conn, int64_t cutoff, size_t limit, int remove,
	                    ecl_job_array *out);
	/**
	 * `*referenced` = 1 when any job's file_path equals `path`, not counting
	 * the jobs jobs_expired(`expired_before`) would return (all count when
	 * it is ECL_TIME_NONE): a dry run asks as if those were deleted.
	 */
	int (*file_referenced)(ecl_backend_conn *conn, const char *path, int64_t expired_before,
	                       int *referenced);
	/** Read the job whose import_jobs.id is `id`; ECL_ENOTFOUND if none. */
	int (*job_get_id)(ecl_backend_conn *conn, int64_t id, ecl_job *out);
	/**
	 * Delete the job `batch_id` and its attempts unless it is processing, in
	 * one statement; `*deleted` = the jobs deleted (0 or 1: 0 when it is
	 * processing or absent, which the core then tells apart).
	 */
	int (*job_delete)(ecl_backend_conn *conn, const char *batch_id, int *deleted);
	/**
	 * As job_claim, among the jobs whose import_type is one of `types`
	 * (names joined by commas, e.g. "hh,daily,sites"): a worker never
	 * claims a job of a type it cannot run (ecl_store_set_job_handler()).
	 * When NULL, the core claims through job_claim, whatever the type.
	 */
	int (*job_claim_of)(ecl_backend_conn *conn, const char *types, const char *worker_id,
	                    int64_t now, ecl_job *out, int *claimed);
	/**
	 * Append to `out` the SQL migrate would run now, in order, each
	 * migration headed by a comment line naming its version; nothing when
	 * the schema is current. Changes nothing. ECL_ESCHEMA when the database
	 * is ahead of this library.
	 */
	int (*migrate_plan)(ecl_backend_conn *conn, ecl_buf *out);

	/* ---- version 2 (read only when `version` >= 2) ---- */

	/**
	 * The host application's user `id` (id >= 1) from a `users` table
	 * (id, name, email) in the store's database (ecl_host_user_lookup()):
	 * `out` comes zeroed with its id set; name and email are newly
	 * allocated, NULL for SQL NULL. ECL_ENOTFOUND when no row has that
	 * id; ECL_ENOTSUPPORTED when the database has no such table. NULL in
	 * a backend whose databases hold no host tables.
	 */
	int (*host_user_get)(ecl_backend_conn *conn, int64_t id, ecl_host_user *out);

	/* Data feeds (ecl_source_*, docs/feeds.md). Strings in records are
	 * owned by them (ecl_source_clear() and friends free them). */

	/** Insert a source, setting `*id`; ECL_EEXISTS when the name is taken. */
	int (*source_add)(ecl_backend_conn *conn, const ecl_source *source, int64_t *id);
	/** Read the source `name`; ECL_ENOTFOUND if none. */
	int (*source_get)(ecl_backend_conn *conn, const char *name, ecl_source *out);
	/** Every source, by name. */
	int (*source_list)(ecl_backend_conn *conn, ecl_source_array *out);
	/** Delete the source `name` with its file and poll records; ECL_ENOTFOUND if none. */
	int (*source_remove)(ecl_backend_conn *conn, const char *name);
	/** Set the source's `paused`; ECL_ENOTFOUND if none. */
	int (*source_set_paused)(ecl_backend_conn *conn, const char *name, int paused);
	/**
	 * Lease one source to `owner` until `lease_until`, atomically across
	 * processes and hosts: the one named `name` (due or not), or without a
	 * name the due source (next_poll_at <= now, or none) polled longest ago.
	 * Never a paused source nor one whose lease runs past `now`. Sets
	 * last_poll_at = now, lease_owner and lease_until, and reads the source
	 * into `out`. `*claimed` = 0 when there is none to lease.
	 */
	int (*source_claim)(ecl_backend_conn *conn, const char *name, const char *owner, int64_t now,
	                    int64_t lease_until, ecl_source *out, int *claimed);
	/**
	 * End `owner`'s poll of source poll->source_id, in one transaction:
	 * insert the poll (setting poll->id), set last_error = poll->error,
	 * last_success_at = poll->ended_at when poll->error is NULL, last_file_at
	 * = poll->ended_at when poll->taken > 0, files_taken += poll->taken,
	 * next_poll_at, and clear the lease. ECL_ESTATE, nothing written, when
	 * `owner` no longer holds the lease.
	 */
	int (*source_release)(ecl_backend_conn *conn, ecl_source_poll *poll, const char *owner,
	                      int64_t next_poll_at);
	/**
	 * The record of a file source `source_id` offered before with the same
	 * name, size and mtime, or, when `sha256` is not NULL, with the same
	 * bytes (the oldest such record). `*found` = 0 when none.
	 */
	int (*source_file_find)(ecl_backend_conn *conn, int64_t source_id, const char *name,
	                        int64_t size, int64_t mtime, const char *sha256,
	                        ecl_source_file *out, int *found);
	/**
	 * In one transaction: record `file` (setting file->id) and, when `job`
	 * is not NULL, insert that job as job_insert does. ECL_EEXISTS, nothing
	 * written, when the source has a record of the same name, size and mtime.
	 */
	int (*source_file_record)(ecl_backend_conn *conn, ecl_source_file *file, const ecl_job *job);
	/**
	 * Up to `limit` files of source `source_id` in state QUEUED whose job is
	 * completed, failed or cancelled (or gone), oldest first, with
	 * job_status set (ECL_JOB_CANCELLED for a job that is gone).
	 */
	int (*source_files_to_settle)(ecl_backend_conn *conn, int64_t source_id, size_t limit,
	                              ecl_source_file_array *out);
	/** Set a file record's state, reason and handled_at. */
	int (*source_file_settle)(ecl_backend_conn *conn, int64_t file_id, ecl_source_file_state state,
	                          const char *reason, int64_t handled_at);
	/** The latest `limit` file records of source `source_id`, newest first. */
	int (*source_files_recent)(ecl_backend_conn *conn, int64_t source_id, size_t limit,
	                           ecl_source_file_array *out);
	/** The latest `limit` polls of source `source_id`, newest first. */
	int (*source_polls_recent)(ecl_backend_conn *conn, int64_t source_id, size_t limit,
	                           ecl_source_poll_array *out);
	/**
	 * Up to `limit` active meters whose latest reading (half hour or daily
	 * total, by its UTC start) is before `cutoff`, oldest first. Meters
	 * with no reading at all are not stale (nothing was ever expected).
	 */
	int (*meters_stale)(ecl_backend_conn *conn, int64_t cutoff, size_t limit,
	                    ecl_stale_meter_array *out);
} ecl_backend;

#define ECL_BACKEND_VERSION 2

/**
 * Register a backend for a URI scheme (the text before the first ':').
 * Built-in backends are registered already; a later registration of the same
 * scheme replaces the earlier one. The backend struct must outlive its use.
 *
 * @return 0; ECL_EINVALID for a bad scheme, a backend missing a required
 *         function or of a newer version than this library; ECL_ENOMEM
 */
ECL_EXTERN int ecl_backend_register(const char *scheme, const ecl_backend *backend);

/** Append a problem to a schema report, printf-style. @return 0 or ECL_ENOMEM */
ECL_EXTERN int ecl_schema_report_add(ecl_schema_report *report, const char *format, ...)
#ifdef __GNUC__
	__attribute__((format(printf, 2, 3)))
#endif
	;

/** Free the strings a job record owns and zero it (the record itself stays). */
ECL_EXTERN void ecl_job_clear(ecl_job *job);

/** Free the strings an attempt record owns and zero it (the record itself stays). */
ECL_EXTERN void ecl_job_attempt_clear(ecl_job_attempt *attempt);

/**
 * Store `count` jobs of the status named `status` ("queued", …) in `out`.
 * @return 0, or ECL_EDB naming an unknown status
 */
ECL_EXTERN int ecl_job_status_counts_put(ecl_job_status_counts *out, const char *status,
                                         int64_t count);

ECL_END_DECL

#endif
