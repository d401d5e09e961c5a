/**
 * @file eclectyc/worker.h
 * @brief Processing queued import jobs: claim, ingest, finish, retry.
 *
 * A worker claims due jobs one at a time and imports each file. Every batch
 * commits the job's checkpoint and counters with its readings and refreshes
 * the heartbeat, so a job resumed after a failure or a stop continues after
 * the last committed row. Whole-file problems (missing file, no header, no
 * identifier or date column) fail the job at once; storage trouble is
 * transient and retried by the backoff policy. A job cancelled meanwhile
 * stops at its next batch, writing nothing more.
 */
#ifndef ECLECTYC_WORKER_H
#define ECLECTYC_WORKER_H

#include "common.h"
#include "aggregate.h"
#include "config.h"
#include "ingest.h"
#include "store.h"

ECL_BEGIN_DECL

/** A worker bound to one store. One thread at a time, except ecl_worker_stop(). */
typedef struct ecl_worker ecl_worker;

/** Options of a worker. Fields are only ever appended. */
typedef struct ecl_worker_options {
	unsigned int version;                   /**< ECL_WORKER_OPTIONS_VERSION */
	const char *worker_id;                  /**< NULL = "hostname:pid" */
	int idle_poll_ms;                       /**< ecl_worker_run(): wait when idle (default 5000) */
	/** How every job's file is read: the policies (unknown_meters,
	 *  negatives, overwrite_actual, month_first, interval_end), batch_size
	 *  and profile_dir. What belongs to a job (import_type, dry_run,
	 *  profile, meter, clock, batch_id) comes from the job, and progress
	 *  from the members below: those members of `ingest` are not read. */
	ecl_ingest_options ingest;
	ecl_progress_cb progress;               /**< called after each batch of each job; non-zero
	                                             stops the worker as ecl_worker_stop() does */
	void *progress_payload;
	/** Called with each job as it is claimed, before its import starts
	 *  (the record is valid during the call). May be NULL. */
	void (*job_started)(const ecl_job *job, void *payload);
	void *job_started_payload;
	/** After an import commits, re-aggregate the meters and days it wrote
	 *  (daily, weekly, monthly, annual; trigger "import"), before the job
	 *  is completed. The outcome is added to the summary as "aggregation";
	 *  an aggregation failure does not fail the import. Default 1. */
	int aggregate_after_import;
	/** Options for that re-aggregation (the peak window). */
	ecl_aggregate_options aggregation;
	/** ecl_worker_run(): between batches of jobs, collect the data feeds
	 *  that are due (ecl_source_collect()), when the store has a storage
	 *  root. A feed's failure is logged and recorded on it, never stops the
	 *  worker. Default 1. */
	int collect_sources;
} ecl_worker_options;

#define ECL_WORKER_OPTIONS_VERSION 1
#define ECL_WORKER_OPTIONS_INIT \
	{ ECL_WORKER_OPTIONS_VERSION, NULL, 5000, ECL_INGEST_OPTIONS_INIT, NULL, NULL, NULL, NULL, 1, \
	  ECL_AGGREGATE_OPTIONS_INIT, 1 }

/** Initialise worker options to the defaults. @return 0 or ECL_EINVALID */
ECL_EXTERN int ecl_worker_options_init(ecl_worker_options *opts, unsigned int version);

/**
 * Fill worker options from configuration, as `eclectyc worker` does:
 * ECLECTYC_WORKER_POLL_MS (idle_poll_ms, 0 to INT_MAX), the import options
 * (ecl_ingest_options_from_config(): ECLECTYC_BATCH_SIZE) and
 * ECLECTYC_AGGREGATE_AFTER_IMPORT (0 or 1), then, while re-aggregation
 * after import is on, the peak window into `aggregation`
 * (ecl_aggregate_options_from_config()). Re-aggregation the caller turned
 * off before the call stays off, and neither key is then read: a bad peak
 * window cannot stop a worker that does not re-aggregate. Keys without a
 * value leave the member as it is.
 *
 * @return 0; ECL_EINVALID for a NULL argument, or naming the key and value
 */
ECL_EXTERN int ecl_worker_options_from_config(ecl_worker_options *opts, const ecl_config *config);

/** What a worker did (added to by each call). */
typedef struct ecl_worker_report {
	int64_t claimed;     /**< jobs claimed */
	int64_t completed;   /**< jobs completed */
	int64_t failed;      /**< jobs failed for good */
	int64_t requeued;    /**< jobs that failed transiently and wait for a retry */
	int64_t cancelled;   /**< jobs cancelled (or taken over) while running */
	int64_t released;    /**< jobs handed back because the worker was stopped */
} ecl_worker_report;

/** Set `out` to {"claimed", "completed", "failed", "requeued", "cancelled", "released"}.
 *  @return 0, ECL_EINVALID or ECL_ENOMEM */
ECL_EXTERN int ecl_worker_report_to_json(ecl_buf *out, const ecl_worker_report *report);

/**
 * Create a worker.
 *
 * @param out   receives the worker; free with ecl_worker_free()
 * @param store an open, migrated store the worker uses (and does not own)
 * @param opts  options, or NULL for the defaults
 * @return 0, ECL_EINVALID, ECL_ENOMEM
 */
ECL_EXTERN int ecl_worker_new(ecl_worker **out, ecl_store *store, const ecl_worker_options *opts);

/** Free a worker. Accepts NULL. */
ECL_EXTERN void ecl_worker_free(ecl_worker *worker);

/** The worker's id, as stored in import_jobs.worker_id. */
ECL_EXTERN const char *ecl_worker_id(const ecl_worker *worker);

/**
 * Claim and process up to `limit` due jobs, one after another, then return.
 * A job's own failure is recorded on the job and is not an error here.
 *
 * @param report added to; may be NULL
 * @return 0 (also when the queue was empty or the worker was stopped);
 *         ECL_EINVALID for limit < 1; a storage error (ECL_EBUSY, ECL_EDB,
 *         ECL_ESCHEMA) that kept a job from being claimed or recorded.
 */
ECL_EXTERN int ecl_worker_process(ecl_worker *worker, int limit, ecl_worker_report *report);

/**
 * Process jobs until ecl_worker_stop(): when the queue is empty, wait
 * idle_poll_ms (waking at once on a stop). Storage errors are logged and
 * retried after the idle wait.
 *
 * @return 0 after a stop
 */
ECL_EXTERN int ecl_worker_run(ecl_worker *worker, ecl_worker_report *report);

/**
 * Ask the worker to stop: the job in hand is checkpointed at its next batch
 * and handed back to the queue without spending a retry; process() and
 * run() then return. Async-signal-safe: call it from a SIGTERM handler.
 */
ECL_EXTERN void ecl_worker_stop(ecl_worker *worker);

ECL_END_DECL

#endif
