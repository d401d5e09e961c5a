/* Job transitions the library makes on its own (not public API). */
#ifndef ECL_JOB_INTERNAL_H
#define ECL_JOB_INTERNAL_H

#include "eclectyc/job.h"
#include "store/store_internal.h"

/*
 * Recover a job whose worker stopped beating: requeue it spending a retry
 * (after the backoff delay), or fail it for good when none is left. Applied
 * only while the job is still processing by the same worker, with the same
 * retry count and a heartbeat before `cutoff`, so a worker that beat
 * meanwhile keeps its job (ECL_ESTATE). `*status` gets the new status.
 */
int ecl__job_recover_stuck(ecl_job_status *status, ecl_store *store, const ecl_job *job,
                           int64_t cutoff, const char *message);

/*
 * The conditional update that records a processing job's progress (its
 * counters, checkpoint and heartbeat at `now`), held by `worker_id`: the
 * one way both ecl_job_update_progress() and an import's batches build it.
 */
void ecl__job_progress_update(ecl_job_update *u, const char *batch_id, const char *worker_id,
                              const ecl_job_counts *counts, int64_t now);

/* ecl_job_complete() without its checks, for the worker: the counts and
 * the summary (JSON object text, or NULL) are the library's own. */
int ecl__job_complete(ecl_store *store, const char *batch_id, const char *worker_id,
                      const ecl_job_counts *counts, const char *summary);

/* One job row from options, as ecl_job_create() would insert it (checked,
 * its file resolved, its batch id drawn, every string owned by the row):
 * for a caller that inserts it together with something else in one
 * transaction (a data feed's file record). Clear it with ecl_job_clear(). */
int ecl__job_build(ecl_job *row, ecl_store *store, const ecl_job_options *opts);

/* The store is usable: not NULL, its schema current. */
int ecl__job_check_store(ecl_store *store);

/* What every call on one job checks: the store (and its schema), the batch
 * id and, when given, the worker id. */
int ecl__job_check_args(ecl_store *store, const char *batch_id, const char *worker_id);

/*
 * Apply a conditional update, stamped with the store's clock (the instant
 * dates the attempt it opens or closes). A refusal (ECL_ESTATE) is
 * explained as "cannot <action> job …: its status is …, expected <expected>".
 */
int ecl__job_apply(ecl_store *store, const ecl_job_update *u, const char *action,
                   const char *expected);

#endif
