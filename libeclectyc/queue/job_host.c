/*
 * Job calls for hosts that drive jobs themselves instead of running the
 * library's worker: claim a named job, address a job by its numeric id,
 * delete one, and send their own failure alerts exactly once. The PHP
 * system's ImportJobService is written on these (docs/compatibility.md).
 */
#include <stdlib.h>
#include <string.h>

#include "eclectyc/job.h"
#include "eclectyc/sys/backend.h"
#include "queue/job_internal.h"
#include "store/store_internal.h"

/* Queued and due: what ecl_job_claim() would take. */
static int claimable(const ecl_job *job, int64_t now)
{
	return job->status == ECL_JOB_QUEUED && (job->retry_at == ECL_TIME_NONE || job->retry_at <= now);
}

/* The claim's change, made only if the job is still queued with the retry
 * count read: a retry scheduled meanwhile bumps it, so a retry_at judged
 * due above cannot have moved. */
static ecl_job_update claim_update(const ecl_job *job, const char *worker_id, int64_t now)
{
	ecl_job_update u;

	memset(&u, 0, sizeof(u));
	u.batch_id = job->batch_id;
	u.from_statuses = ECL_JOB_STATUS_BIT(ECL_JOB_QUEUED);
	u.expect_retry_count = job->retry_count;
	u.set = ECL_JOB_SET_STATUS | ECL_JOB_SET_WORKER_ID | ECL_JOB_SET_STARTED_AT
		| ECL_JOB_SET_HEARTBEAT_AT | ECL_JOB_SET_ERROR_MESSAGE;
	u.status = ECL_JOB_PROCESSING;
	u.worker_id = worker_id;
	u.started_at = u.heartbeat_at = now;
	u.error_message = NULL;
	return u;
}

/* Claim `job` (read just now) if it is claimable; `*claimed` says whether it was. */
static int claim_read(ecl_store *store, const ecl_job *job, const char *worker_id, int *claimed)
{
	int64_t now = ecl_store_now(store);
	ecl_job_update u;
	int rc = 0;

	*claimed = 0;
	if (claimable(job, now)) {
		u = claim_update(job, worker_id, now);
		rc = ecl__job_apply(store, &u, "claim", "queued");
		*claimed = rc == 0;
		if (rc == ECL_ESTATE) {   /* claimed or changed meanwhile: not claimable now */
			ecl_error_clear();
			rc = 0;
		}
	}
	return rc;
}

int ecl_job_claim_batch(ecl_job **out, ecl_store *store, const char *batch_id,
                        const char *worker_id)
{
	ecl_job *job = NULL;
	int claimed = 0;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "job output pointer is NULL");
	*out = NULL;
	rc = ecl__job_check_args(store, batch_id, worker_id);
	if (rc == 0 && (worker_id == NULL || *worker_id == '\0'))
		rc = ecl_error_set(ECL_EINVALID, "worker id is empty");
	if (rc == 0)
		rc = ecl_job_get(&job, store, batch_id);
	if (rc == 0)
		rc = claim_read(store, job, worker_id, &claimed);
	ecl_job_free(job);
	if (rc == 0 && claimed) {
		rc = ecl_job_get(out, store, batch_id);
		if (rc == 0)
			ecl__log(&store->logger, ECL_LOG_INFO, "worker %s claimed job %s", worker_id, batch_id);
	}
	return rc;
}

int ecl_job_get_by_id(ecl_job **out, ecl_store *store, int64_t id)
{
	ecl_job *job = NULL;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "job output pointer is NULL");
	*out = NULL;
	rc = ecl__job_check_store(store);
	if (rc == 0 && id < 1)
		rc = ecl_error_set(ECL_EINVALID, "job id must be 1 or more, got %lld", (long long)id);
	if (rc == 0)
		rc = ecl__store_require(store, ECL__BACKEND_HAS(store, job_get_id), "reading a job by id");
	if (rc == 0 && (job = calloc(1, sizeof(*job))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading a job");
	if (rc == 0)
		rc = ECL__BACKEND(store, job_get_id, id, job);
	if (rc == 0)
		*out = job;
	else
		ecl_job_free(job);
	return rc;
}

/* Why nothing was deleted: the job is gone (ECL_ENOTFOUND from the read) or processing. */
static int explain_undeleted(ecl_store *store, const char *batch_id)
{
	ecl_job *job = NULL;
	int rc = ecl_job_get(&job, store, batch_id);

	if (rc == 0)
		rc = ecl_error_set(ECL_ESTATE, "cannot delete job %s: it is %s; cancel it and delete it"
			" once its worker has stopped", batch_id, ecl_job_status_name(job->status));
	ecl_job_free(job);
	return rc;
}

int ecl_job_delete(ecl_store *store, const char *batch_id)
{
	int deleted = 0;
	int rc = ecl__job_check_args(store, batch_id, NULL);

	if (rc == 0)
		rc = ecl__store_require(store, ECL__BACKEND_HAS(store, job_delete), "deleting a job");
	if (rc == 0)
		rc = ECL__BACKEND(store, job_delete, batch_id, &deleted);
	if (rc == 0 && !deleted)
		rc = explain_undeleted(store, batch_id);
	if (rc == 0)
		ecl__log(&store->logger, ECL_LOG_INFO, "job %s deleted", batch_id);
	return rc;
}

int ecl_job_mark_alert_sent(ecl_store *store, const char *batch_id)
{
	ecl_job_update u;
	int rc = ecl__job_check_args(store, batch_id, NULL);

	if (rc == 0) {
		memset(&u, 0, sizeof(u));
		u.batch_id = batch_id;
		u.from_statuses = ECL_JOB_STATUS_BIT(ECL_JOB_FAILED);
		u.expect_retry_count = -1;
		u.expect_alert_unsent = 1;
		u.set = ECL_JOB_SET_ALERT_SENT;
		u.alert_sent_at = ecl_store_now(store);
		rc = ecl__job_apply(store, &u, "mark the alert of", "failed with no alert sent");
	}
	return rc;
}

int ecl_job_list_alert_pending(ecl_job_array **out, ecl_store *store, size_t limit)
{
	ecl_job_array *array = NULL;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "job list output pointer is NULL");
	*out = NULL;
	rc = ecl__job_check_store(store);
	if (rc == 0 && limit == 0)
		rc = ecl_error_set(ECL_EINVALID, "limit must be 1 or more");
	if (rc == 0)
		rc = ecl__store_require(store, ECL__BACKEND_HAS(store, jobs_alert_pending),
			"listing jobs whose alert is pending");
	if (rc == 0 && (array = calloc(1, sizeof(*array))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory listing jobs");
	if (rc == 0)
		rc = ECL__BACKEND(store, jobs_alert_pending, limit, array);
	if (rc == 0)
		*out = array;
	else
		ecl_job_array_free(array);
	return rc;
}
