/**
 * @file eclectyc/job.h
 * @brief The import-job queue: enqueue, inspect, claim, progress, finish, retry, cancel.
 *
 * Lifecycle:
 *
 *     queued --claim--> processing --complete--> completed
 *       ^                  |   |
 *       | retry_at reached |   +--fail--> failed (permanent, or retries spent)
 *       +---- requeued <---+               (ecl_job_retry() may requeue it by hand)
 *     queued|processing --cancel--> cancelled (terminal, never resurrected)
 *
 * Every transition is conditional on the current status; a refused one returns
 * ECL_ESTATE with a message that names the status found.
 */
#ifndef ECLECTYC_JOB_H
#define ECLECTYC_JOB_H

#include "common.h"
#include "buffer.h"
#include "config.h"
#include "store.h"

ECL_BEGIN_DECL

/** Job status, stored by its name ("queued", "processing", …). */
typedef enum ecl_job_status {
	ECL_JOB_QUEUED = 0,
	ECL_JOB_PROCESSING = 1,
	ECL_JOB_COMPLETED = 2,
	ECL_JOB_FAILED = 3,
	ECL_JOB_CANCELLED = 4
} ecl_job_status;

/** In ecl_job_list_options.status: any status. */
#define ECL_JOB_ANY (-1)

/** Job priority, stored by its name. Claimed high before normal before low. */
typedef enum ecl_priority {
	ECL_PRIORITY_LOW = 0,
	ECL_PRIORITY_NORMAL = 1,
	ECL_PRIORITY_HIGH = 2
} ecl_priority;

/** What a job imports, stored as "hh" or "daily". */
typedef enum ecl_import_type {
	ECL_IMPORT_HH = 0,
	ECL_IMPORT_DAILY = 1
} ecl_import_type;

/** Which clock the times of a file are in (docs/profiles.md). */
typedef enum ecl_clock_mode {
	ECL_CLOCK_PROFILE = 0,  /**< as the import profile says (London for the generic reader) */
	ECL_CLOCK_LONDON = 1,   /**< Europe/London wall clock (GMT/BST) */
	ECL_CLOCK_UTC = 2       /**< UTC */
} ecl_clock_mode;

/** "london" or "utc" for those clocks, NULL for ECL_CLOCK_PROFILE. */
ECL_EXTERN const char *ecl_clock_mode_name(ecl_clock_mode clock);

/** Parse "london", "utc" or "profile" (any case). @return 0 or ECL_EINVALID */
ECL_EXTERN int ecl_clock_mode_parse(ecl_clock_mode *out, const char *text);

/** How a failure is classed (stored in `error_class`). */
typedef enum ecl_failure {
	ECL_FAILURE_TRANSIENT = 0,  /**< may succeed later: retried by the backoff policy */
	ECL_FAILURE_PERMANENT = 1   /**< will never succeed: failed at once */
} ecl_failure;

/** The default number of retries (attempts = retries + 1). */
#define ECL_DEFAULT_MAX_RETRIES 3
/** The longest worker id accepted, in bytes. */
#define ECL_WORKER_ID_MAX 127
/** The largest max_retries accepted. */
#define ECL_MAX_RETRIES_LIMIT 100

/**
 * One row of `import_jobs`. Strings are owned by the record (NULL when the
 * column is NULL); instants are Unix seconds, ECL_TIME_NONE when NULL.
 * Free with ecl_job_free().
 *
 * Frozen per SONAME (docs/conventions.md): it comes in contiguous arrays,
 * so a new member means a new SONAME.
 */
typedef struct ecl_job {
	int64_t id;
	char batch_id[ECL_BATCH_ID_SIZE];
	int64_t user_id;            /**< 0 when none */
	char *filename;
	char *file_path;
	ecl_import_type import_type;
	ecl_job_status status;
	int dry_run;
	int64_t total_rows;         /**< -1 while unknown */
	int64_t processed_rows;
	int64_t imported_rows;
	int64_t failed_rows;
	int64_t queued_at;
	int64_t started_at;
	int64_t completed_at;
	char *error_message;
	char *summary;              /**< JSON object text */
	int retry_count;            /**< retries spent */
	int max_retries;            /**< retries allowed */
	int64_t retry_at;           /**< not runnable before this instant */
	char *last_error;           /**< kept across retries */
	char *notes;
	ecl_priority priority;
	char *tags;                 /**< JSON array text */
	char *metadata;             /**< JSON object text */
	int alert_sent;
	int64_t alert_sent_at;
	char *worker_id;            /**< the worker holding a processing job (kept once it is
	                                 finished, as the one that finished it) */
	int64_t heartbeat_at;
	int cancel_requested;
	int64_t checkpoint;         /**< rows durably committed */
	char *file_sha256;
	char *error_class;          /**< "transient" or "permanent" after a failure */
	char *import_profile;       /**< the import profile forced (a name or path), or NULL */
	char *import_meter;         /**< the one meter of a file with no meter column, or NULL */
	ecl_clock_mode import_clock; /**< the clock of the file's times */
	/* The identity of the job's file, recorded by the worker before the first
	 * row of an attempt is read (with file_sha256, the SHA-256 of its bytes):
	 * an attempt that finds other bytes restarts from row 0 rather than
	 * resuming at the checkpoint (docs/reliability.md). */
	int64_t file_size;          /**< bytes; -1 while not recorded */
	int64_t file_mtime;         /**< modification instant; ECL_TIME_NONE while not recorded */
	int64_t file_inode;         /**< inode number; -1 while not recorded */
} ecl_job;

/** Free a job record and its strings. Accepts NULL. */
ECL_EXTERN void ecl_job_free(ecl_job *job);

/** Options of a new job (the reference's createJob parameters). Appended only. */
typedef struct ecl_job_options {
	unsigned int version;       /**< ECL_JOB_OPTIONS_VERSION */
	const char *filename;       /**< original file name; NULL = the path's last component */
	const char *file_path;      /**< the file to import: must exist and be readable */
	ecl_import_type import_type;
	int64_t user_id;            /**< 0 = none */
	int dry_run;
	const char *notes;          /**< NULL = none */
	ecl_priority priority;
	const char *tags;           /**< JSON array text, or NULL */
	const char *metadata;       /**< JSON object text, or NULL */
	int max_retries;            /**< 0..ECL_MAX_RETRIES_LIMIT */
	const char *profile;        /**< import profile to read the file with (a name, or a path to
	                                 a .json file); NULL = detect it when the job runs */
	const char *meter;          /**< the one meter of a file with no meter column, or NULL */
	ecl_clock_mode clock;       /**< the clock of the file's times; ECL_CLOCK_PROFILE = as the
	                                 profile says */
} ecl_job_options;

#define ECL_JOB_OPTIONS_VERSION 1
#define ECL_JOB_OPTIONS_INIT \
	{ ECL_JOB_OPTIONS_VERSION, NULL, NULL, ECL_IMPORT_HH, 0, 0, NULL, \
	  ECL_PRIORITY_NORMAL, NULL, NULL, ECL_DEFAULT_MAX_RETRIES, NULL, NULL, ECL_CLOCK_PROFILE }

/** Initialise job options to the defaults. @return 0 or ECL_EINVALID for an unknown version */
ECL_EXTERN int ecl_job_options_init(ecl_job_options *opts, unsigned int version);

/**
 * Fill job options from configuration, as `eclectyc import` does:
 * ECLECTYC_MAX_RETRIES (0 to ECL_MAX_RETRIES_LIMIT) as `max_retries`. A key
 * without a value leaves the member as it is: initialise `opts` first.
 *
 * @return 0; ECL_EINVALID for a NULL argument, or naming the key and value
 */
ECL_EXTERN int ecl_job_options_from_config(ecl_job_options *opts, const ecl_config *config);

/**
 * Enqueue a job (status queued, queued_at = now by the store's clock).
 *
 * @param batch_id receives the new job's UUID v4 batch id
 * @param store    an open, migrated store
 * @param opts     the job; `file_path` is required
 * @return 0; ECL_EINVALID naming the bad field (missing path, unknown type or
 *         priority, tags not a JSON array, metadata not a JSON object,
 *         max_retries out of range, negative user id, a file whose real
 *         path is outside the store's storage_root); ECL_EIO when the file
 *         does not exist or cannot be read; ECL_ESCHEMA; ECL_EBUSY; ECL_EDB.
 */
ECL_EXTERN int ecl_job_create(char batch_id[ECL_BATCH_ID_SIZE], ecl_store *store,
                              const ecl_job_options *opts);

/**
 * Enqueue many jobs in one transaction: all of them or none.
 *
 * @param batch_ids receives `count` batch ids, ECL_BATCH_ID_SIZE bytes each
 *                  (count * ECL_BATCH_ID_SIZE in all), or NULL to discard them
 * @param store     an open, migrated store
 * @param jobs      an array of `count` job options
 * @param count     number of jobs
 * @return as ecl_job_create(); the message names the index of a bad job.
 */
ECL_EXTERN int ecl_job_create_many(char *batch_ids, ecl_store *store,
                                   const ecl_job_options *jobs, size_t count);

/**
 * Read one job.
 *
 * @param out      receives the record; free with ecl_job_free()
 * @param batch_id the job's batch id
 * @return 0, ECL_EINVALID, ECL_ENOTFOUND naming the batch id, ECL_ESCHEMA, ECL_EDB
 */
ECL_EXTERN int ecl_job_get(ecl_job **out, ecl_store *store, const char *batch_id);

/** A list of jobs. Free with ecl_job_array_free(). */
typedef struct ecl_job_array {
	ecl_job *jobs;
	size_t count;
} ecl_job_array;

/** Free a job list and every record in it. Accepts NULL. */
ECL_EXTERN void ecl_job_array_free(ecl_job_array *array);

/** Filters of ecl_job_list(). Appended only. */
typedef struct ecl_job_list_options {
	unsigned int version;  /**< ECL_JOB_LIST_OPTIONS_VERSION */
	int status;            /**< an ecl_job_status, or ECL_JOB_ANY */
	size_t limit;          /**< at most this many; 0 = no limit (default 20) */
	int priority;          /**< an ecl_priority, or ECL_JOB_ANY (the default) */
} ecl_job_list_options;

#define ECL_JOB_LIST_OPTIONS_VERSION 1
#define ECL_JOB_LIST_OPTIONS_INIT { ECL_JOB_LIST_OPTIONS_VERSION, ECL_JOB_ANY, 20, ECL_JOB_ANY }

/**
 * List jobs, newest first (queued_at, then id, descending).
 *
 * @param out  receives the list (possibly empty); free with ecl_job_array_free()
 * @param opts filters, or NULL for the defaults
 * @return 0, ECL_EINVALID, ECL_ESCHEMA, ECL_EDB
 */
ECL_EXTERN int ecl_job_list(ecl_job_array **out, ecl_store *store, const ecl_job_list_options *opts);

/** How many jobs the store holds in each status. */
typedef struct ecl_job_status_counts {
	int64_t queued;      /**< including those waiting for a retry */
	int64_t processing;
	int64_t completed;
	int64_t failed;
	int64_t cancelled;
	int64_t total;       /**< the sum of the above */
} ecl_job_status_counts;

/**
 * Count the jobs in each status, in one consistent read.
 *
 * @return 0, ECL_EINVALID, ECL_ENOTSUPPORTED (a backend without
 *         job_status_counts), ECL_ESCHEMA, ECL_EDB
 */
ECL_EXTERN int ecl_job_count_by_status(ecl_job_status_counts *out, ecl_store *store);

/**
 * One time a job ran: from the moment it became processing (a worker
 * claimed it) until it left processing, whichever way — completed, failed,
 * queued again (a transient failure retried later, a job handed back on
 * shutdown, a stuck job requeued) or cancelled. The store records attempts
 * itself, in the transaction of each transition, whatever made it.
 * Frozen per SONAME (docs/conventions.md): it comes in contiguous arrays,
 * so a new member means a new SONAME.
 */
typedef struct ecl_job_attempt {
	int attempt;               /**< 1, 2, … in the order the job ran */
	char *worker_id;           /**< the worker that ran it; NULL if unknown */
	int64_t started_at;
	int64_t ended_at;          /**< ECL_TIME_NONE while it runs */
	/** What the job became when the attempt ended (ECL_JOB_QUEUED: it was
	 *  requeued); ECL_JOB_PROCESSING while it runs. */
	ecl_job_status outcome;
	char *error_message;       /**< the job's error when the attempt ended; NULL if none */
	char *error_class;         /**< "transient" or "permanent"; NULL if none */
	int64_t processed_rows;    /**< the job's counters when the attempt ended */
	int64_t imported_rows;
	int64_t failed_rows;
} ecl_job_attempt;

/** A job's attempts, oldest first. Free with ecl_job_attempt_array_free(). */
typedef struct ecl_job_attempt_array {
	ecl_job_attempt *attempts;
	size_t count;
} ecl_job_attempt_array;

/** Free an attempt list and every record in it. Accepts NULL. */
ECL_EXTERN void ecl_job_attempt_array_free(ecl_job_attempt_array *array);

/**
 * Read a job's attempts (its retry history), oldest first; empty for a job
 * that never ran.
 *
 * @return 0, ECL_EINVALID, ECL_ENOTFOUND naming the batch id,
 *         ECL_ENOTSUPPORTED (a backend without job_attempts),
 *         ECL_ESCHEMA, ECL_EDB
 */
ECL_EXTERN int ecl_job_attempts(ecl_job_attempt_array **out, ecl_store *store,
                                const char *batch_id);

/**
 * Atomically claim the next runnable job for a worker: status queued and
 * retry_at unset or due, by priority (high first), then queued_at, then id.
 * The job becomes processing with worker_id, started_at and heartbeat_at set.
 * No two callers, in any process, ever claim the same job.
 *
 * @param out       receives the claimed job (free with ecl_job_free()), or
 *                  NULL when no job is runnable now
 * @param worker_id the claiming worker's identity (non-empty)
 * @return 0, ECL_EINVALID, ECL_ESCHEMA, ECL_EBUSY, ECL_EDB
 */
ECL_EXTERN int ecl_job_claim(ecl_job **out, ecl_store *store, const char *worker_id);

/**
 * Record that the worker holding a processing job is alive (heartbeat_at = now).
 *
 * @param worker_id the holder, or NULL to skip the ownership check
 * @return 0; ECL_ENOTFOUND; ECL_ESTATE when the job is not processing or is
 *         held by another worker (the message names the status and holder)
 */
ECL_EXTERN int ecl_job_heartbeat(ecl_store *store, const char *batch_id, const char *worker_id);

/** Row counters of a running or finished job. */
typedef struct ecl_job_counts {
	int64_t total_rows;      /**< -1 = unknown (left as it is) */
	int64_t processed_rows;
	int64_t imported_rows;
	int64_t failed_rows;
	int64_t checkpoint;      /**< rows durably committed */
} ecl_job_counts;

#define ECL_JOB_COUNTS_INIT { -1, 0, 0, 0, 0 }

/**
 * Store the progress of a processing job; also refreshes the heartbeat.
 *
 * @return 0; ECL_EINVALID for negative counters; ECL_ENOTFOUND; ECL_ESTATE as
 *         for ecl_job_heartbeat() (a job cancelled meanwhile shows here)
 */
ECL_EXTERN int ecl_job_update_progress(ecl_store *store, const char *batch_id,
                                       const char *worker_id, const ecl_job_counts *counts);

/**
 * Finish a processing job as completed with its final counters and summary.
 *
 * @param counts  final counters, or NULL to keep the last progress
 * @param summary a JSON object text, or NULL
 * @return 0; ECL_EINVALID (summary not a JSON object); ECL_ENOTFOUND; ECL_ESTATE
 */
ECL_EXTERN int ecl_job_complete(ecl_store *store, const char *batch_id, const char *worker_id,
                                const ecl_job_counts *counts, const char *summary);

/**
 * Record a failed attempt of a processing job.
 *
 * A transient failure with retries left requeues the job: retry_count + 1,
 * retry_at = now + min(base * 2^retry_count, cap) (less optional jitter),
 * started_at and worker_id cleared. A permanent failure, or a transient one
 * with no retries left, makes it failed (completed_at = now). Both record
 * error_message, last_error and error_class.
 *
 * @param status  receives the resulting status (queued or failed); may be NULL
 * @param kind    transient or permanent
 * @param message what went wrong (required)
 * @return 0; ECL_EINVALID; ECL_ENOTFOUND; ECL_ESTATE
 */
ECL_EXTERN int ecl_job_fail(ecl_job_status *status, ecl_store *store, const char *batch_id,
                            const char *worker_id, ecl_failure kind, const char *message);

/**
 * Hand a processing job back to the queue on a clean worker shutdown, without
 * spending a retry: it resumes from its checkpoint.
 *
 * @return 0; ECL_ENOTFOUND; ECL_ESTATE
 */
ECL_EXTERN int ecl_job_release(ecl_store *store, const char *batch_id, const char *worker_id);

/**
 * Requeue a failed job by hand, granting it one more attempt: retry_count + 1
 * (max_retries is raised to match when it was spent), retry_at = now + delay
 * (unset for 0), error_message, started_at and completed_at cleared.
 *
 * @param delay_seconds 0 or more
 * @return 0; ECL_EINVALID for a negative delay; ECL_ENOTFOUND; ECL_ESTATE for
 *         any status but failed
 */
ECL_EXTERN int ecl_job_retry(ecl_store *store, const char *batch_id, int64_t delay_seconds);

/**
 * Cancel a queued or processing job: status cancelled (terminal),
 * completed_at = now, error_message "Job cancelled by user",
 * cancel_requested set. A worker running it sees ECL_ESTATE on its next
 * heartbeat, progress or completion and stops.
 *
 * @return 0; ECL_ENOTFOUND; ECL_ESTATE for a finished job
 */
ECL_EXTERN int ecl_job_cancel(ecl_store *store, const char *batch_id);

/* ---- for hosts that drive jobs themselves ----------------------------------- */

/**
 * Atomically claim one named job for a worker, as ecl_job_claim() claims the
 * next: only when it is queued and due (retry_at unset or past). For hosts
 * that pick jobs from a list and then start each one (the PHP system's
 * "updateStatus(batch, 'processing')"): of two callers, one gets the job.
 *
 * @param out       receives the claimed job (free with ecl_job_free()), or
 *                  NULL when the job is not claimable now (another status,
 *                  a retry not yet due, or claimed meanwhile)
 * @param worker_id the claiming worker's identity (non-empty)
 * @return 0; ECL_EINVALID; ECL_ENOTFOUND when no job has that batch id;
 *         ECL_ESCHEMA, ECL_EBUSY, ECL_EDB
 */
ECL_EXTERN int ecl_job_claim_batch(ecl_job **out, ecl_store *store, const char *batch_id,
                                   const char *worker_id);

/**
 * Read a job by its numeric id (import_jobs.id), as hosts that address jobs
 * by id in their URLs do.
 *
 * @param out receives the record; free with ecl_job_free()
 * @return 0; ECL_EINVALID for an id below 1; ECL_ENOTFOUND; ECL_ENOTSUPPORTED
 *         (a backend without the lookup); ECL_ESCHEMA, ECL_EDB
 */
ECL_EXTERN int ecl_job_get_by_id(ecl_job **out, ecl_store *store, int64_t id);

/**
 * Delete one job and its attempts. A processing job is refused (cancel it
 * first, and delete it once its worker has let go). The readings an import
 * wrote stay: they are the meters' data, not the job's; the job's file is
 * left to the retention cleanup (an orphan once no job names it).
 *
 * @return 0; ECL_ENOTFOUND; ECL_ESTATE while processing (the message says so);
 *         ECL_ENOTSUPPORTED (a backend without delete); ECL_EBUSY, ECL_EDB
 */
ECL_EXTERN int ecl_job_delete(ecl_store *store, const char *batch_id);

/**
 * Record that a failure alert went out for a job (alert_sent = 1,
 * alert_sent_at = now), for hosts that send their own alerts. Once only: a
 * job already marked is refused, so two senders cannot both send.
 *
 * @return 0; ECL_ENOTFOUND; ECL_ESTATE when the job is not failed or was
 *         marked already
 */
ECL_EXTERN int ecl_job_mark_alert_sent(ecl_store *store, const char *batch_id);

/**
 * The failed jobs (failed is final here: a job with retries left is
 * requeued, not failed) whose alert has not gone out (alert_sent = 0), the
 * longest failed first, so none waits behind newer ones: what a host that
 * sends its own alerts sends (the PHP system's getFailedJobsNeedingAlerts).
 *
 * @param out   receives the list (possibly empty); free with ecl_job_array_free()
 * @param limit at most this many, 1 or more
 * @return 0; ECL_EINVALID; ECL_ESCHEMA, ECL_EDB
 */
ECL_EXTERN int ecl_job_list_alert_pending(ecl_job_array **out, ecl_store *store, size_t limit);

/**
 * The delay before retry number `retry_count` (0-based) under the store's
 * policy, before jitter: min(base * 2^retry_count, cap).
 */
ECL_EXTERN int64_t ecl_job_retry_delay(const ecl_store *store, int retry_count);

/**
 * A job as a JSON object shaped like the reference's job row: every column by
 * name, instants as UTC "YYYY-MM-DD HH:MM:SS" (null when unset), summary,
 * tags and metadata decoded, plus progress_percent.
 *
 * @param out receives the text; release with ecl_buf_dispose()
 * @return 0, ECL_EINVALID, ECL_ENOMEM
 */
ECL_EXTERN int ecl_job_to_json(ecl_buf *out, const ecl_job *job);

/** Set `out` to a list of jobs as one JSON array of ecl_job_to_json() objects.
 *  @return 0, ECL_EINVALID or ECL_ENOMEM */
ECL_EXTERN int ecl_job_array_to_json(ecl_buf *out, const ecl_job_array *jobs);

/**
 * Set `out` to an attempt as a JSON object: attempt, worker_id, started_at,
 * ended_at (null while it runs), outcome (a status name), error_message,
 * error_class, processed_rows, imported_rows, failed_rows; instants as in
 * ecl_job_to_json().
 *
 * @return 0, ECL_EINVALID or ECL_ENOMEM
 */
ECL_EXTERN int ecl_job_attempt_to_json(ecl_buf *out, const ecl_job_attempt *attempt);
/** Set `out` to a job's attempts as one JSON array of ecl_job_attempt_to_json() objects.
 *  @return 0, ECL_EINVALID or ECL_ENOMEM */
ECL_EXTERN int ecl_job_attempt_array_to_json(ecl_buf *out, const ecl_job_attempt_array *attempts);
/** Set `out` to {"queued", "processing", "completed", "failed", "cancelled", "total"}.
 *  @return 0, ECL_EINVALID or ECL_ENOMEM */
ECL_EXTERN int ecl_job_status_counts_to_json(ecl_buf *out, const ecl_job_status_counts *counts);

/** The name of a status ("queued", …), or NULL for a value out of range. */
ECL_EXTERN const char *ecl_job_status_name(ecl_job_status status);
/** Parse a status name. @return 0 or ECL_EINVALID naming the text */
ECL_EXTERN int ecl_job_status_parse(ecl_job_status *out, const char *name);
/** The name of a priority ("low", "normal", "high"), or NULL. */
ECL_EXTERN const char *ecl_priority_name(ecl_priority priority);
/** Parse a priority name. @return 0 or ECL_EINVALID naming the text */
ECL_EXTERN int ecl_priority_parse(ecl_priority *out, const char *name);
/** The name of an import type ("hh", "daily"), or NULL. */
ECL_EXTERN const char *ecl_import_type_name(ecl_import_type type);
/** Parse an import type name. @return 0 or ECL_EINVALID naming the text */
ECL_EXTERN int ecl_import_type_parse(ecl_import_type *out, const char *name);

ECL_END_DECL

#endif
