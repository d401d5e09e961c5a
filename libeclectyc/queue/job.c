/*
 * The import-job queue. Policy lives here (which transitions are legal, the
 * backoff schedule, validation); the backend applies each change as one
 * conditional update, so a job changed by someone else meanwhile is refused
 * with ECL_ESTATE instead of being overwritten.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eclectyc/job.h"
#include "eclectyc/sys/backend.h"
#include "ingest/profile_set.h"
#include "queue/job_internal.h"
#include "util/json_util.h"
#include "util/options.h"
#include "ingest/meter_id.h"
#include "queue/retry_policy.h"
#include "store/store_internal.h"
#include "util/strutil.h"
#include "util/uuid_internal.h"

#define CANCEL_MESSAGE "Job cancelled by user"

static const ecl_job_options default_job_options = ECL_JOB_OPTIONS_INIT;
static const ecl_job_list_options default_list_options = ECL_JOB_LIST_OPTIONS_INIT;

int ecl_job_options_init(ecl_job_options *opts, unsigned int version)
{
	return ecl__options_init(opts, &default_job_options, sizeof(*opts), version, ECL_JOB_OPTIONS_VERSION,
		"ecl_job_options");
}

int ecl__job_check_store(ecl_store *store)
{
	if (store == NULL)
		return ecl_error_set(ECL_EINVALID, "store is NULL");
	return ecl__store_require_schema(store);
}

static int check_batch_id(const char *batch_id)
{
	if (batch_id == NULL || *batch_id == '\0')
		return ecl_error_set(ECL_EINVALID, "batch id is empty");
	if (strlen(batch_id) >= ECL_BATCH_ID_SIZE)
		return ecl_error_set(ECL_EINVALID, "batch id \"%.40s…\" is too long", batch_id);
	return 0;
}

static int check_worker_id(const char *worker_id, int required)
{
	if (worker_id == NULL && !required)
		return 0;
	if (worker_id == NULL || *worker_id == '\0')
		return ecl_error_set(ECL_EINVALID, "worker id is empty");
	if (strlen(worker_id) > ECL_WORKER_ID_MAX)
		return ecl_error_set(ECL_EINVALID, "worker id is longer than %d bytes", ECL_WORKER_ID_MAX);
	return 0;
}

/* ---- enqueue ------------------------------------------------------------ */

static size_t json_size(const json_t *value)
{
	return json_is_array(value) ? json_array_size(value) : json_object_size(value);
}

/* Arrays (tags) hold strings only. */
static int check_strings(json_t *array, const char *field, const char *who)
{
	size_t i;
	json_t *item;
	int rc = 0;

	json_array_foreach(array, i, item) {
		if (rc == 0 && !json_is_string(item))
			rc = ecl_error_set(ECL_EINVALID, "%s%s must be a JSON array of strings "
				"(item %zu is not a string)", who, field, i);
	}
	return rc;
}

/* Validate a JSON text of the wanted type and return it compact (NULL for an
 * empty array or object, as the reference stores them). */
static int normalise_json(char **out, const char *text, json_type want, const char *field,
                          const char *who)
{
	json_error_t error;
	json_t *value;
	int rc = 0;

	*out = NULL;
	if (text == NULL)
		return 0;
	value = json_loads(text, JSON_DECODE_ANY, &error);
	if (value == NULL)
		return ecl_error_set(ECL_EINVALID, "%s%s is not valid JSON (%s at column %d)",
			who, field, error.text, error.column);
	if (json_typeof(value) != want)
		rc = ecl_error_set(ECL_EINVALID, "%s%s must be a JSON %s", who, field,
			want == JSON_ARRAY ? "array" : "object");
	else if (ecl__json_deeper_than(value, ECL_JSON_MAX_DEPTH))
		rc = ecl_error_set(ECL_EINVALID, "%s%s nests arrays and objects more than %d levels "
			"deep", who, field, ECL_JSON_MAX_DEPTH);
	else if (want == JSON_ARRAY)
		rc = check_strings(value, field, who);
	if (rc == 0 && json_size(value) > 0) {
		*out = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (*out == NULL)
			rc = ecl_error_set(ECL_ENOMEM, "out of memory encoding %s%s", who, field);
	}
	json_decref(value);
	return rc;
}

/* The absolute path of a readable regular file, inside the store's storage
 * root when it has one. */
static int resolve_file(char **out, const ecl_store *store, const char *path, const char *who)
{
	struct stat st;
	char *absolute;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return ecl_error_set(ECL_EINVALID, "%sfile_path is required", who);
	absolute = realpath(path, NULL);
	if (absolute == NULL)
		return ecl_error_set(ECL_EIO, "%scannot import \"%s\": %s", who, path,
			strerror(errno));
	/* Before anything else is said about a file outside the root. */
	if (ecl__store_check_confined(store, absolute, path, who) != 0) {
		free(absolute);
		return ECL_EINVALID;
	}
	if (stat(absolute, &st) != 0 || !S_ISREG(st.st_mode)) {
		free(absolute);
		return ecl_error_set(ECL_EIO, "%scannot import \"%s\": not a regular file",
			who, path);
	}
	if (access(absolute, R_OK) != 0) {
		int err = errno;
		free(absolute);
		return ecl_error_set(ECL_EIO, "%scannot read \"%s\": %s", who, path,
			strerror(err));
	}
	*out = absolute;
	return 0;
}

static const char *last_component(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static int check_job_options(const ecl_job_options *o, const char *who)
{
	if (o->version == 0 || o->version > ECL_JOB_OPTIONS_VERSION)
		return ecl_error_set(ECL_EINVALID, "%sunsupported ecl_job_options version %u",
			who, o->version);
	if (ecl_import_type_name(o->import_type) == NULL)
		return ecl_error_set(ECL_EINVALID, "%sunknown import type %d (expected hh, daily or sites)",
			who, (int)o->import_type);
	if (ecl_priority_name(o->priority) == NULL)
		return ecl_error_set(ECL_EINVALID,
			"%sunknown priority %d (expected low, normal, high or critical)", who, (int)o->priority);
	if (o->max_retries < 0 || o->max_retries > ECL_MAX_RETRIES_LIMIT)
		return ecl_error_set(ECL_EINVALID, "%smax_retries must be 0..%d, got %d",
			who, ECL_MAX_RETRIES_LIMIT, o->max_retries);
	if (o->user_id < 0)
		return ecl_error_set(ECL_EINVALID, "%suser_id must be >= 0, got %lld",
			who, (long long)o->user_id);
	if (o->filename != NULL && *o->filename == '\0')
		return ecl_error_set(ECL_EINVALID, "%sfilename is empty", who);
	if ((unsigned)o->clock > ECL_CLOCK_UTC)
		return ecl_error_set(ECL_EINVALID, "%sunknown clock %d (expected london, utc or profile)",
			who, (int)o->clock);
	return 0;
}

/* The profile and meter a job's file is read with, checked now so that a
 * misspelt profile fails the create, not the job an hour later. A profile
 * file is kept by its absolute path: the worker may run elsewhere. */
static int read_with(ecl_job *row, const ecl_job_options *o, const char *who, const ecl_job *previous,
                     const ecl_job_options *previous_opts)
{
	char id[ECL_METER_ID_MAX + 1];
	int rc = 0;

	row->import_clock = o->clock;
	if (o->meter != NULL && ecl__meter_id_normalise(id, sizeof(id), o->meter) != 0)
		return ecl_error_set(ECL_EINVALID, "%smeter: %s", who, ecl_error_last());
	if (o->meter != NULL && (row->import_meter = ecl__strdup(o->meter)) == NULL)
		return ECL_ENOMEM;
	if (o->profile == NULL)
		return 0;
	if (previous != NULL && previous_opts->profile != NULL
	    && strcmp(previous_opts->profile, o->profile) == 0)
		row->import_profile = ecl__strdup(previous->import_profile);
	else
		rc = ecl__profile_check_name(&row->import_profile, o->profile, who);
	if (rc == 0 && row->import_profile == NULL)
		rc = ECL_ENOMEM;
	return rc;
}

/* Fill one row from options. `previous` lets a batch of jobs for one file
 * resolve the path once. All strings in the row are owned by it. */
static int build_row(ecl_job *row, const ecl_store *store, const ecl_job_options *o,
                     const char *who, int64_t now, const ecl_job *previous,
                     const ecl_job_options *previous_opts)
{
	int rc = check_job_options(o, who);

	if (rc == 0)
		rc = ecl__job_type_check_runnable(store, o->import_type, who);
	if (rc == 0 && previous && previous_opts->file_path && o->file_path
	    && strcmp(previous_opts->file_path, o->file_path) == 0)
		row->file_path = ecl__strdup(previous->file_path);
	else if (rc == 0)
		rc = resolve_file(&row->file_path, store, o->file_path, who);
	if (rc == 0 && row->file_path == NULL)
		rc = ECL_ENOMEM;
	if (rc == 0)
		rc = read_with(row, o, who, previous, previous_opts);
	if (rc == 0)
		rc = normalise_json(&row->tags, o->tags, JSON_ARRAY, "tags", who);
	if (rc == 0)
		rc = normalise_json(&row->metadata, o->metadata, JSON_OBJECT, "metadata", who);
	if (rc == 0) {
		row->filename = ecl__strdup(o->filename ? o->filename : last_component(o->file_path));
		row->notes = ecl__strdup(o->notes);
		if (row->filename == NULL || (o->notes && row->notes == NULL))
			rc = ECL_ENOMEM;
	}
	if (rc == 0) {
		row->user_id = o->user_id;
		row->import_type = o->import_type;
		row->status = ECL_JOB_QUEUED;
		row->dry_run = o->dry_run ? 1 : 0;
		row->total_rows = -1;
		row->queued_at = now;
		row->max_retries = o->max_retries;
		row->priority = o->priority;
	}
	return rc;
}

/* UUIDs for every row, from one draw of the random source per 256 jobs. */
static int assign_batch_ids(ecl_job *rows, size_t count)
{
	char *ids = malloc(count * ECL_BATCH_ID_SIZE);
	size_t i;
	int rc = ids ? ecl__uuid_v4_many(ids, count)
	             : ecl_error_set(ECL_ENOMEM, "out of memory for %zu batch ids", count);

	for (i = 0; rc == 0 && i < count; i++)
		memcpy(rows[i].batch_id, ids + i * ECL_BATCH_ID_SIZE, ECL_BATCH_ID_SIZE);
	free(ids);
	return rc;
}

/*
 * A cleanup renames an orphan file aside before it asks the store whether a
 * job refers to it (cleanup.c), and puts it back when one does. So a file
 * missing right after our insert is held by a cleanup that will put it back
 * (it sees our job: our insert committed first) or has deleted it (it asked
 * before). Waiting a little tells which; a file still missing then fails
 * its jobs at once, with the reason, instead of their first attempt later.
 */
#define FILE_SETTLE_TRIES 50
#define FILE_SETTLE_MICROSECONDS 20000

static int file_still_there(const char *path)
{
	struct stat st;
	int i;

	for (i = 0; i < FILE_SETTLE_TRIES; i++) {
		if (stat(path, &st) == 0 || errno != ENOENT)
			return 1;   /* another error is the worker's to report */
		usleep(FILE_SETTLE_MICROSECONDS);
	}
	return 0;
}

static int fail_queued(ecl_store *store, const ecl_job *row, const char *message)
{
	ecl_job_update u;

	memset(&u, 0, sizeof(u));
	u.batch_id = row->batch_id;
	u.from_statuses = ECL_JOB_STATUS_BIT(ECL_JOB_QUEUED);
	u.expect_retry_count = -1;
	u.set = ECL_JOB_SET_STATUS | ECL_JOB_SET_COMPLETED_AT | ECL_JOB_SET_ERROR_MESSAGE
		| ECL_JOB_SET_LAST_ERROR | ECL_JOB_SET_ERROR_CLASS;
	u.status = ECL_JOB_FAILED;
	u.completed_at = ecl_store_now(store);
	u.error_message = message;
	u.last_error = message;
	u.error_class = "permanent";
	return ecl__job_apply(store, &u, "fail", "queued");
}

/* For tests only: called after the insert, before the files are checked
 * again, where a cleanup would claim a file (per thread). */
void ecl__job_set_insert_hook(void (*hook)(const char *path, void *payload), void *payload);
static __thread void (*insert_hook)(const char *path, void *payload);
static __thread void *insert_payload;

void ecl__job_set_insert_hook(void (*hook)(const char *path, void *payload), void *payload)
{
	insert_hook = hook;
	insert_payload = payload;
}

/* Each distinct file of the rows just inserted is still there, or its jobs
 * fail now and so does the call. */
static int confirm_files(ecl_store *store, const ecl_job *rows, size_t count)
{
	char message[600];
	size_t i, j;
	int rc = 0;

	if (insert_hook != NULL)
		insert_hook(rows[0].file_path, insert_payload);
	for (i = 0; rc == 0 && i < count; i++) {
		if ((i > 0 && strcmp(rows[i].file_path, rows[i - 1].file_path) == 0)
		    || file_still_there(rows[i].file_path))
			continue;
		snprintf(message, sizeof(message), "File not found: %s was removed while the job was being "
			"queued", rows[i].file_path);
		for (j = i; rc == 0 && j < count && strcmp(rows[j].file_path, rows[i].file_path) == 0; j++)
			rc = fail_queued(store, &rows[j], message);
		if (rc == 0)
			rc = ecl_error_set(ECL_EIO, "%s (job %s is failed)", message, rows[i].batch_id);
	}
	return rc;
}

int ecl_job_create_many(char *batch_ids, ecl_store *store, const ecl_job_options *jobs,
                        size_t count)
{
	ecl_job *rows = NULL;
	int64_t now;
	size_t i;
	int rc = ecl__job_check_store(store);

	if (rc == 0 && (jobs == NULL || count == 0))
		rc = ecl_error_set(ECL_EINVALID, "no jobs to create");
	if (rc == 0 && (rows = calloc(count, sizeof(*rows))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory for %zu jobs", count);
	now = rc == 0 ? ecl_store_now(store) : 0;
	for (i = 0; rc == 0 && i < count; i++) {
		char who[40] = "";

		/* Messages about one of many jobs say which one; a single job needs no index. */
		if (count > 1)
			snprintf(who, sizeof(who), "job %zu: ", i);
		rc = build_row(&rows[i], store, &jobs[i], who, now, i ? &rows[i - 1] : NULL,
		               i ? &jobs[i - 1] : NULL);
	}
	if (rc == 0)
		rc = assign_batch_ids(rows, count);
	if (rc == 0)
		rc = ECL__BACKEND(store, job_insert, rows, count);
	if (rc == 0)
		rc = confirm_files(store, rows, count);
	for (i = 0; rc == 0 && batch_ids != NULL && i < count; i++)
		memcpy(batch_ids + i * ECL_BATCH_ID_SIZE, rows[i].batch_id, ECL_BATCH_ID_SIZE);
	if (rc == ECL_ENOMEM && ecl_error_last_code() != ECL_ENOMEM)
		ecl_error_set(ECL_ENOMEM, "out of memory creating jobs");
	for (i = 0; rows != NULL && i < count; i++)
		ecl_job_clear(&rows[i]);
	free(rows);
	if (rc == 0)
		ecl__log(&store->logger, ECL_LOG_DEBUG, "enqueued %zu job(s)", count);
	return rc;
}

int ecl__job_build(ecl_job *row, ecl_store *store, const ecl_job_options *opts)
{
	int rc = ecl__job_check_store(store);

	memset(row, 0, sizeof(*row));
	if (rc == 0)
		rc = build_row(row, store, opts, "", ecl_store_now(store), NULL, NULL);
	if (rc == 0)
		rc = assign_batch_ids(row, 1);
	if (rc != 0)
		ecl_job_clear(row);
	return rc;
}

int ecl_job_create(char batch_id[ECL_BATCH_ID_SIZE], ecl_store *store, const ecl_job_options *opts)
{
	if (batch_id == NULL || opts == NULL)
		return ecl_error_set(ECL_EINVALID, "batch id buffer or job options is NULL");
	return ecl_job_create_many(batch_id, store, opts, 1);
}

/* ---- reading ------------------------------------------------------------ */

int ecl_job_get(ecl_job **out, ecl_store *store, const char *batch_id)
{
	ecl_job *job = NULL;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "job output pointer is NULL");
	*out = NULL;
	rc = ecl__job_check_store(store);
	if (rc == 0)
		rc = check_batch_id(batch_id);
	if (rc == 0 && (job = calloc(1, sizeof(*job))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading a job");
	if (rc == 0)
		rc = ECL__BACKEND(store, job_get, batch_id, job);
	if (rc == 0)
		*out = job;
	else
		ecl_job_free(job);
	return rc;
}

/* The caller's list options at the current version: the members of later
 * versions than the caller's keep their defaults, so backends read one
 * layout whatever the caller was built against. */
static int list_options(ecl_job_list_options *full, const ecl_job_list_options *given)
{
	static const size_t sizes[] = { 0, sizeof(ecl_job_list_options) };

	*full = default_list_options;
	return ecl__options_copy(full, given, sizes, ECL_JOB_LIST_OPTIONS_VERSION,
	                         "ecl_job_list_options");
}

int ecl_job_list(ecl_job_array **out, ecl_store *store, const ecl_job_list_options *opts)
{
	ecl_job_list_options o;
	ecl_job_array *array = NULL;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "job list output pointer is NULL");
	*out = NULL;
	rc = ecl__job_check_store(store);
	if (rc == 0)
		rc = list_options(&o, opts);
	if (rc == 0 && o.status != ECL_JOB_ANY && ecl_job_status_name((ecl_job_status)o.status) == NULL)
		rc = ecl_error_set(ECL_EINVALID, "unknown job status %d in list filter", o.status);
	if (rc == 0 && o.priority != ECL_JOB_ANY && ecl_priority_name((ecl_priority)o.priority) == NULL)
		rc = ecl_error_set(ECL_EINVALID, "unknown priority %d in list filter", o.priority);
	if (rc == 0 && (array = calloc(1, sizeof(*array))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory listing jobs");
	if (rc == 0)
		rc = ECL__BACKEND(store, job_list, &o, array);
	if (rc == 0)
		*out = array;
	else
		ecl_job_array_free(array);
	return rc;
}

/* ---- worker transitions ------------------------------------------------- */

/* The next due job of a type this store can run (the library's own, and
 * those with a handler). A backend without job_claim_of claims any type;
 * the worker then fails a job it has no handler for. */
static int claim_runnable(ecl_store *store, const char *worker_id, ecl_job *job, int *claimed)
{
	char types[ECL__JOB_TYPES_MAX];

	if (!ECL__BACKEND_HAS(store, job_claim_of))
		return ECL__BACKEND(store, job_claim, worker_id, ecl_store_now(store), job, claimed);
	ecl__job_types_runnable(types, store);
	return ECL__BACKEND(store, job_claim_of, types, worker_id, ecl_store_now(store), job, claimed);
}

int ecl_job_claim(ecl_job **out, ecl_store *store, const char *worker_id)
{
	ecl_job *job = NULL;
	int claimed = 0;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "job output pointer is NULL");
	*out = NULL;
	rc = ecl__job_check_store(store);
	if (rc == 0)
		rc = check_worker_id(worker_id, 1);
	if (rc == 0 && (job = calloc(1, sizeof(*job))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory claiming a job");
	if (rc == 0)
		rc = claim_runnable(store, worker_id, job, &claimed);
	if (rc == 0 && claimed) {
		ecl__log(&store->logger, ECL_LOG_INFO, "worker %s claimed job %s", worker_id, job->batch_id);
		*out = job;
	} else {
		ecl_job_free(job);
	}
	return rc;
}

/* Explain a refused update from what the backend found. */
static int refused(const ecl_job_update *u, const ecl_job_found *found, const char *action,
                   const char *expected)
{
	const char *status = ecl_job_status_name(found->status);

	if ((u->from_statuses & ECL_JOB_STATUS_BIT(found->status)) == 0)
		return ecl_error_set(ECL_ESTATE, "cannot %s job %s: its status is %s, expected %s",
			action, u->batch_id, status ? status : "unknown", expected);
	if (u->expect_worker_id != NULL && strcmp(u->expect_worker_id, found->worker_id) != 0)
		return ecl_error_set(ECL_ESTATE, "cannot %s job %s: it is held by worker \"%s\", not \"%s\"",
			action, u->batch_id, found->worker_id, u->expect_worker_id);
	if (u->expect_alert_unsent)
		return ecl_error_set(ECL_ESTATE, "cannot %s job %s: its alert was marked sent already",
			action, u->batch_id);
	return ecl_error_set(ECL_ESTATE, "cannot %s job %s: it changed meanwhile (status %s, retry_count %d)",
		action, u->batch_id, status ? status : "unknown", found->retry_count);
}

int ecl__job_apply(ecl_store *store, const ecl_job_update *u, const char *action,
                   const char *expected)
{
	ecl_job_update stamped = *u;
	ecl_job_found found;
	int rc;

	/* The instant of the change dates the attempt it opens or closes. */
	stamped.now = ecl_store_now(store);
	memset(&found, 0, sizeof(found));
	rc = ECL__BACKEND(store, job_update, &stamped, &found);
	if (rc == ECL_ESTATE)
		rc = refused(u, &found, action, expected);
	return rc;
}

int ecl__job_check_args(ecl_store *store, const char *batch_id, const char *worker_id)
{
	int rc = ecl__job_check_store(store);

	if (rc == 0)
		rc = check_batch_id(batch_id);
	if (rc == 0)
		rc = check_worker_id(worker_id, 0);
	return rc;
}

/* A blank update of a processing job held by `worker_id`. */
static ecl_job_update processing_update(const char *batch_id, const char *worker_id)
{
	ecl_job_update u;

	memset(&u, 0, sizeof(u));
	u.batch_id = batch_id;
	u.from_statuses = ECL_JOB_STATUS_BIT(ECL_JOB_PROCESSING);
	u.expect_worker_id = worker_id;
	u.expect_retry_count = -1;
	return u;
}

int ecl_job_heartbeat(ecl_store *store, const char *batch_id, const char *worker_id)
{
	ecl_job_update u = processing_update(batch_id, worker_id);
	int rc = ecl__job_check_args(store, batch_id, worker_id);

	if (rc == 0) {
		u.set = ECL_JOB_SET_HEARTBEAT_AT;
		u.heartbeat_at = ecl_store_now(store);
		rc = ecl__job_apply(store, &u, "heartbeat", "processing");
	}
	return rc;
}

static int check_counts(const ecl_job_counts *c)
{
	if (c->total_rows < -1 || c->processed_rows < 0 || c->imported_rows < 0
	    || c->failed_rows < 0 || c->checkpoint < 0)
		return ecl_error_set(ECL_EINVALID, "job counters must not be negative "
			"(total %lld, processed %lld, imported %lld, failed %lld, checkpoint %lld)",
			(long long)c->total_rows, (long long)c->processed_rows, (long long)c->imported_rows,
			(long long)c->failed_rows, (long long)c->checkpoint);
	return 0;
}

static void set_counts(ecl_job_update *u, const ecl_job_counts *c)
{
	u->set |= ECL_JOB_SET_COUNTERS | ECL_JOB_SET_CHECKPOINT;
	u->processed_rows = c->processed_rows;
	u->imported_rows = c->imported_rows;
	u->failed_rows = c->failed_rows;
	u->checkpoint = c->checkpoint;
	if (c->total_rows >= 0) {
		u->set |= ECL_JOB_SET_TOTAL_ROWS;
		u->total_rows = c->total_rows;
	}
}

void ecl__job_progress_update(ecl_job_update *u, const char *batch_id, const char *worker_id,
                              const ecl_job_counts *counts, int64_t now)
{
	*u = processing_update(batch_id, worker_id);
	set_counts(u, counts);
	u->set |= ECL_JOB_SET_HEARTBEAT_AT;
	u->heartbeat_at = now;
}

int ecl_job_update_progress(ecl_store *store, const char *batch_id, const char *worker_id,
                            const ecl_job_counts *counts)
{
	ecl_job_update u;
	int rc = ecl__job_check_args(store, batch_id, worker_id);

	if (rc == 0 && counts == NULL)
		rc = ecl_error_set(ECL_EINVALID, "job counters are NULL");
	if (rc == 0)
		rc = check_counts(counts);
	if (rc == 0) {
		ecl__job_progress_update(&u, batch_id, worker_id, counts, ecl_store_now(store));
		rc = ecl__job_apply(store, &u, "update progress of", "processing");
	}
	return rc;
}

static int check_summary(const char *summary)
{
	json_error_t error;
	json_t *value;
	int rc = 0;

	if (summary == NULL)
		return 0;
	value = json_loads(summary, 0, &error);
	if (value == NULL || !json_is_object(value))
		rc = ecl_error_set(ECL_EINVALID, "job summary must be a JSON object%s%s",
			value ? "" : ": ", value ? "" : error.text);
	json_decref(value);
	return rc;
}

int ecl__job_complete(ecl_store *store, const char *batch_id, const char *worker_id,
                      const ecl_job_counts *counts, const char *summary)
{
	ecl_job_update u = processing_update(batch_id, worker_id);

	if (counts != NULL)
		set_counts(&u, counts);
	u.set |= ECL_JOB_SET_STATUS | ECL_JOB_SET_COMPLETED_AT | ECL_JOB_SET_SUMMARY
		| ECL_JOB_SET_HEARTBEAT_AT;
	u.status = ECL_JOB_COMPLETED;
	u.completed_at = u.heartbeat_at = ecl_store_now(store);
	u.summary = summary;
	return ecl__job_apply(store, &u, "complete", "processing");
}

int ecl_job_complete(ecl_store *store, const char *batch_id, const char *worker_id,
                     const ecl_job_counts *counts, const char *summary)
{
	int rc = ecl__job_check_args(store, batch_id, worker_id);

	if (rc == 0 && counts != NULL)
		rc = check_counts(counts);
	if (rc == 0)
		rc = check_summary(summary);
	if (rc == 0)
		rc = ecl__job_complete(store, batch_id, worker_id, counts, summary);
	return rc;
}

/* Requeue after a transient failure: spend a retry, wait out the backoff. */
static void plan_retry(ecl_job_update *u, const ecl_store *store, const ecl_job *job, int64_t now)
{
	int64_t delay = ecl_job_retry_delay(store, job->retry_count);

	delay = ecl__retry_jitter(delay, store->opts.retry_jitter_percent);
	u->set |= ECL_JOB_SET_STATUS | ECL_JOB_SET_RETRY_COUNT | ECL_JOB_SET_RETRY_AT
		| ECL_JOB_SET_STARTED_AT | ECL_JOB_SET_WORKER_ID | ECL_JOB_SET_HEARTBEAT_AT;
	u->status = ECL_JOB_QUEUED;
	u->retry_count = job->retry_count + 1;
	u->retry_at = now + delay;
	u->started_at = ECL_TIME_NONE;
	u->worker_id = NULL;
	u->heartbeat_at = ECL_TIME_NONE;
}

int ecl_job_fail(ecl_job_status *status, ecl_store *store, const char *batch_id,
                 const char *worker_id, ecl_failure kind, const char *message)
{
	ecl_job_update u = processing_update(batch_id, worker_id);
	ecl_job *job = NULL;
	int64_t now = 0;
	int rc = ecl__job_check_args(store, batch_id, worker_id);

	if (rc == 0 && kind != ECL_FAILURE_TRANSIENT && kind != ECL_FAILURE_PERMANENT)
		rc = ecl_error_set(ECL_EINVALID, "unknown failure kind %d", (int)kind);
	if (rc == 0 && (message == NULL || *message == '\0'))
		rc = ecl_error_set(ECL_EINVALID, "a failure needs a message");
	if (rc == 0)
		rc = ecl_job_get(&job, store, batch_id);
	if (rc == 0) {
		now = ecl_store_now(store);
		u.expect_retry_count = job->retry_count;
		u.set = ECL_JOB_SET_ERROR_MESSAGE | ECL_JOB_SET_LAST_ERROR | ECL_JOB_SET_ERROR_CLASS;
		u.error_message = u.last_error = message;
		u.error_class = kind == ECL_FAILURE_PERMANENT ? "permanent" : "transient";
		if (kind == ECL_FAILURE_TRANSIENT && job->retry_count < job->max_retries) {
			plan_retry(&u, store, job, now);
		} else {
			u.set |= ECL_JOB_SET_STATUS | ECL_JOB_SET_COMPLETED_AT;
			u.status = ECL_JOB_FAILED;
			u.completed_at = now;
		}
		rc = ecl__job_apply(store, &u, "fail", "processing");
	}
	if (rc == 0) {
		ecl__log(&store->logger, u.status == ECL_JOB_FAILED ? ECL_LOG_WARN : ECL_LOG_INFO,
			"job %s failed (%s): %s; now %s", batch_id, u.error_class, message,
			ecl_job_status_name(u.status));
		if (status != NULL)
			*status = u.status;
	}
	ecl_job_free(job);
	return rc;
}

int ecl__job_recover_stuck(ecl_job_status *status, ecl_store *store, const ecl_job *job,
                           int64_t cutoff, const char *message)
{
	ecl_job_update u = processing_update(job->batch_id, job->worker_id);
	int64_t now = ecl_store_now(store);
	int rc;

	u.expect_retry_count = job->retry_count;
	u.expect_heartbeat_before = cutoff;
	u.set = ECL_JOB_SET_ERROR_MESSAGE | ECL_JOB_SET_LAST_ERROR | ECL_JOB_SET_ERROR_CLASS;
	u.error_message = u.last_error = message;
	u.error_class = "transient";
	if (job->retry_count < job->max_retries) {
		plan_retry(&u, store, job, now);
	} else {
		u.set |= ECL_JOB_SET_STATUS | ECL_JOB_SET_COMPLETED_AT;
		u.status = ECL_JOB_FAILED;
		u.completed_at = now;
	}
	rc = ecl__job_apply(store, &u, "recover", "processing with an old heartbeat");
	if (rc == 0) {
		ecl__log(&store->logger, ECL_LOG_WARN, "job %s was stuck (worker %s): %s; now %s",
			job->batch_id, job->worker_id ? job->worker_id : "-", message,
			ecl_job_status_name(u.status));
		*status = u.status;
	}
	return rc;
}

int ecl_job_release(ecl_store *store, const char *batch_id, const char *worker_id)
{
	ecl_job_update u = processing_update(batch_id, worker_id);
	int rc = ecl__job_check_args(store, batch_id, worker_id);

	if (rc == 0) {
		u.set = ECL_JOB_SET_STATUS | ECL_JOB_SET_STARTED_AT | ECL_JOB_SET_WORKER_ID
			| ECL_JOB_SET_HEARTBEAT_AT;
		u.status = ECL_JOB_QUEUED;
		u.started_at = u.heartbeat_at = ECL_TIME_NONE;
		u.worker_id = NULL;
		rc = ecl__job_apply(store, &u, "release", "processing");
	}
	return rc;
}

/* ---- operator transitions ----------------------------------------------- */

int ecl_job_retry(ecl_store *store, const char *batch_id, int64_t delay_seconds)
{
	ecl_job_update u;
	ecl_job *job = NULL;
	int rc = ecl__job_check_args(store, batch_id, NULL);

	if (rc == 0 && (delay_seconds < 0 || delay_seconds > INT32_MAX))
		rc = ecl_error_set(ECL_EINVALID, "retry delay must be 0..%d seconds, got %lld",
			INT32_MAX, (long long)delay_seconds);
	if (rc == 0)
		rc = ecl_job_get(&job, store, batch_id);
	if (rc == 0) {
		memset(&u, 0, sizeof(u));
		u.batch_id = batch_id;
		u.from_statuses = ECL_JOB_STATUS_BIT(ECL_JOB_FAILED);
		u.expect_retry_count = job->retry_count;
		u.set = ECL_JOB_SET_STATUS | ECL_JOB_SET_RETRY_COUNT | ECL_JOB_SET_MAX_RETRIES
			| ECL_JOB_SET_RETRY_AT | ECL_JOB_SET_ERROR_MESSAGE | ECL_JOB_SET_STARTED_AT
			| ECL_JOB_SET_COMPLETED_AT | ECL_JOB_SET_WORKER_ID | ECL_JOB_SET_HEARTBEAT_AT;
		u.status = ECL_JOB_QUEUED;
		u.retry_count = job->retry_count + 1;
		/* A manual retry grants one more attempt even when retries are spent. */
		u.max_retries = job->max_retries > u.retry_count ? job->max_retries : u.retry_count;
		u.retry_at = delay_seconds > 0 ? ecl_store_now(store) + delay_seconds : ECL_TIME_NONE;
		rc = ecl__job_apply(store, &u, "retry", "failed");
	}
	ecl_job_free(job);
	return rc;
}

int ecl_job_cancel(ecl_store *store, const char *batch_id)
{
	ecl_job_update u;
	int rc = ecl__job_check_args(store, batch_id, NULL);

	if (rc == 0) {
		memset(&u, 0, sizeof(u));
		u.batch_id = batch_id;
		u.from_statuses = ECL_JOB_STATUS_BIT(ECL_JOB_QUEUED) | ECL_JOB_STATUS_BIT(ECL_JOB_PROCESSING);
		u.expect_retry_count = -1;
		u.set = ECL_JOB_SET_STATUS | ECL_JOB_SET_COMPLETED_AT | ECL_JOB_SET_ERROR_MESSAGE
			| ECL_JOB_SET_CANCEL_REQUESTED;
		u.status = ECL_JOB_CANCELLED;
		u.completed_at = ecl_store_now(store);
		u.error_message = CANCEL_MESSAGE;
		u.cancel_requested = 1;
		rc = ecl__job_apply(store, &u, "cancel", "queued or processing");
	}
	if (rc == 0)
		ecl__log(&store->logger, ECL_LOG_INFO, "job %s cancelled", batch_id);
	return rc;
}
