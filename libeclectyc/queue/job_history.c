/*
 * What the queue holds and what happened to a job: the number of jobs in
 * each status and a job's attempts (its retry history). Both are read from
 * the backend (its optional job_status_counts and job_attempts slots); the
 * store records attempts itself on every transition into and out of
 * processing, so no caller can forget to.
 */
#include <stdlib.h>
#include <string.h>

#include "eclectyc/job.h"
#include "eclectyc/sys/backend.h"
#include "store/store_internal.h"

void ecl_job_attempt_clear(ecl_job_attempt *attempt)
{
	if (attempt == NULL)
		return;
	free(attempt->worker_id);
	free(attempt->error_message);
	free(attempt->error_class);
	memset(attempt, 0, sizeof(*attempt));
}

void ecl_job_attempt_array_free(ecl_job_attempt_array *array)
{
	size_t i;

	if (array == NULL)
		return;
	for (i = 0; i < array->count; i++)
		ecl_job_attempt_clear(&array->attempts[i]);
	free(array->attempts);
	free(array);
}

int ecl_job_status_counts_put(ecl_job_status_counts *out, const char *status, int64_t count)
{
	ecl_job_status parsed = ECL_JOB_QUEUED;
	int rc = ecl_job_status_parse(&parsed, status) == 0 ? 0
		: ecl_error_set(ECL_EDB, "counting jobs: unknown status \"%s\" in import_jobs",
			status ? status : "(null)");
	int64_t *slot[] = { &out->queued, &out->processing, &out->completed, &out->failed,
	                    &out->cancelled };

	if (rc == 0)
		*slot[parsed] = count;
	return rc;
}

int ecl_job_count_by_status(ecl_job_status_counts *out, ecl_store *store)
{
	int rc = 0;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "job counts output pointer is NULL");
	memset(out, 0, sizeof(*out));
	if (store == NULL)
		rc = ecl_error_set(ECL_EINVALID, "store is NULL");
	if (rc == 0)
		rc = ecl__store_require(store, ECL__BACKEND_HAS(store, job_status_counts),
			"counting jobs");
	if (rc == 0)
		rc = ECL__BACKEND(store, job_status_counts, out);
	if (rc == 0)
		out->total = out->queued + out->processing + out->completed + out->failed + out->cancelled;
	else
		memset(out, 0, sizeof(*out));
	return rc;
}

/* The job must exist: an unknown batch id is ECL_ENOTFOUND, not an empty
 * history. */
static int require_job(ecl_store *store, const char *batch_id)
{
	ecl_job job;
	int rc;

	memset(&job, 0, sizeof(job));
	rc = ECL__BACKEND(store, job_get, batch_id, &job);
	ecl_job_clear(&job);
	return rc;
}

int ecl_job_attempts(ecl_job_attempt_array **out, ecl_store *store, const char *batch_id)
{
	ecl_job_attempt_array *array = NULL;
	int rc = 0;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "attempts output pointer is NULL");
	*out = NULL;
	if (store == NULL)
		rc = ecl_error_set(ECL_EINVALID, "store is NULL");
	if (rc == 0 && (batch_id == NULL || *batch_id == '\0'))
		rc = ecl_error_set(ECL_EINVALID, "batch id is empty");
	if (rc == 0 && strlen(batch_id) >= ECL_BATCH_ID_SIZE)
		rc = ecl_error_set(ECL_EINVALID, "batch id \"%.40s…\" is too long", batch_id);
	if (rc == 0)
		rc = ecl__store_require(store, ECL__BACKEND_HAS(store, job_attempts),
			"reading job attempts");
	if (rc == 0)
		rc = require_job(store, batch_id);
	if (rc == 0 && (array = calloc(1, sizeof(*array))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading job attempts");
	if (rc == 0)
		rc = ECL__BACKEND(store, job_attempts, batch_id, array);
	if (rc == 0)
		*out = array;
	else
		ecl_job_attempt_array_free(array);
	return rc;
}
