/*
 * The worker: claim a due job, import its file, and record the outcome.
 *
 * The outcome decides the job's next state:
 *   imported                  -> completed, with the summary
 *   the file is at fault      -> failed at once (permanent: retrying cannot help)
 *   storage trouble           -> requeued by the backoff policy (transient)
 *   cancelled meanwhile       -> left cancelled; the last batch was rolled back
 *   the worker was stopped    -> handed back at its checkpoint, no retry spent
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eclectyc/source.h"
#include "eclectyc/worker.h"
#include "ops/alert_hook.h"
#include "ingest/ingest_internal.h"
#include "queue/job_internal.h"
#include "aggregate/reaggregate.h"
#include "util/options.h"
#include "util/strutil.h"

struct ecl_worker {
	ecl_store *store;
	ecl_worker_options opts;
	char id[ECL_WORKER_ID_MAX + 1];
	volatile sig_atomic_t stop;   /* set from a signal handler */
};

static const ecl_worker_options default_options = ECL_WORKER_OPTIONS_INIT;
/* The size of each version of ecl_worker_options (util/options.h). */
static const size_t options_sizes[] = { 0, sizeof(ecl_worker_options) };

int ecl_worker_options_init(ecl_worker_options *opts, unsigned int version)
{
	return ecl__options_init(opts, &default_options, sizeof(*opts), version, ECL_WORKER_OPTIONS_VERSION,
		"ecl_worker_options");
}

static int check_options(const ecl_worker_options *o)
{
	if (ecl__options_check_version(o->version, ECL_WORKER_OPTIONS_VERSION, "ecl_worker_options") != 0)
		return ecl_error_last_code();
	if (o->idle_poll_ms < 0)
		return ecl_error_set(ECL_EINVALID, "idle_poll_ms must be >= 0, got %d", o->idle_poll_ms);
	if (o->worker_id != NULL && (*o->worker_id == '\0' || strlen(o->worker_id) > ECL_WORKER_ID_MAX))
		return ecl_error_set(ECL_EINVALID, "worker id must be 1..%d bytes", ECL_WORKER_ID_MAX);
	return 0;
}

int ecl_worker_new(ecl_worker **out, ecl_store *store, const ecl_worker_options *opts)
{
	ecl_worker *w;
	char host[64] = "localhost";
	int rc;

	if (out == NULL || store == NULL)
		return ecl_error_set(ECL_EINVALID, "worker output pointer or store is NULL");
	*out = NULL;
	if (opts == NULL)
		opts = &default_options;
	if ((rc = check_options(opts)) != 0)
		return rc;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory allocating a worker");
	w->store = store;
	w->opts = default_options;
	(void)ecl__options_copy(&w->opts, opts, options_sizes, ECL_WORKER_OPTIONS_VERSION,
	                        "ecl_worker_options");  /* the version was checked above */
	if (opts->worker_id != NULL) {
		ecl__strlcpy(w->id, opts->worker_id, sizeof(w->id));
	} else {
		gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		snprintf(w->id, sizeof(w->id), "%s:%ld", host, (long)getpid());
	}
	w->opts.worker_id = w->id;
	*out = w;
	return 0;
}

void ecl_worker_free(ecl_worker *worker)
{
	free(worker);
}

const char *ecl_worker_id(const ecl_worker *worker)
{
	return worker ? worker->id : NULL;
}

void ecl_worker_stop(ecl_worker *worker)
{
	if (worker != NULL)
		worker->stop = 1;
}

/* Between batches: pass progress on, and stop when asked. */
static int on_progress(int64_t processed, int64_t total, int64_t imported, int64_t failed, void *payload)
{
	ecl_worker *w = payload;

	if (w->opts.progress != NULL
	    && w->opts.progress(processed, total, imported, failed, w->opts.progress_payload) != 0)
		return 1;
	return w->stop ? 1 : 0;
}

/* The worker's import options with what belongs to the job. */
static void ingest_options(const ecl_worker *w, const ecl_job *job, ecl_ingest_options *o)
{
	*o = w->opts.ingest;
	o->import_type = job->import_type;
	o->dry_run = job->dry_run;
	o->batch_id = NULL;
	o->progress = on_progress;
	o->progress_payload = (void *)w;
	o->profile = job->import_profile;
	o->meter = job->import_meter;
	o->clock = job->import_clock;
}

static void log_outcome(ecl_worker *w, const ecl_job *job, const char *what, const char *detail)
{
	ecl__log(&w->store->logger, ECL_LOG_INFO, "worker %s: job %s (%s) %s%s%s", w->id,
		job->batch_id, job->filename ? job->filename : "", what, detail ? ": " : "",
		detail ? detail : "");
}

/* Record a failed attempt, permanent or transient, and count it. */
static int record_failure(ecl_worker *w, const ecl_job *job, ecl_failure kind, const char *message,
                          ecl_worker_report *report)
{
	ecl_job_status status = ECL_JOB_FAILED;
	char copy[1024];
	int rc;

	/* The message may be ecl_error_last(), which the call below overwrites.
	 * It may quote raw bytes of the file (a header of binary junk) or be cut
	 * inside a character; the job's text columns must be UTF-8. */
	ecl__strlcpy(copy, message, sizeof(copy));
	ecl__utf8_sanitise(copy);
	rc = ecl_job_fail(&status, w->store, job->batch_id, w->id, kind, copy);
	if (rc == 0 && status == ECL_JOB_QUEUED)
		report->requeued++;
	else if (rc == 0)
		report->failed++;
	else if (rc == ECL_ESTATE)
		report->cancelled++;
	if (rc == 0)
		log_outcome(w, job, status == ECL_JOB_QUEUED ? "will be retried" : "failed", copy);
	/* Failed for good: tell the operators, once (a refused or failed alert
	 * is logged and never fails the worker). */
	if (rc == 0 && status == ECL_JOB_FAILED && ECL__BACKEND_HAS(w->store, jobs_alert_pending))
		ecl__alert_job_failed(w->store, job->batch_id, NULL);
	return rc == ECL_ESTATE ? 0 : rc;
}

/* Complete the job with the import's summary object, the re-aggregation
 * added to it first: the summary is written as text once, here. */
static int complete(ecl_worker *w, const ecl_job *job, const ecl_ingest_report *r,
                    json_t *summary, ecl_worker_report *report)
{
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;
	char *text;
	int rc;

	if (w->opts.aggregate_after_import && !r->dry_run)
		ecl__reaggregate_batch(w->store, job->batch_id, &w->opts.aggregation, summary);
	counts.processed_rows = r->records_processed;
	counts.imported_rows = r->records_imported;
	counts.failed_rows = r->records_failed;
	counts.checkpoint = r->records_processed;
	text = summary ? json_dumps(summary, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (summary != NULL && text == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory writing the summary of job %s",
			job->batch_id);
	else
		rc = ecl__job_complete(w->store, job->batch_id, w->id, &counts, text);
	free(text);
	if (rc == 0) {
		report->completed++;
		log_outcome(w, job, "completed", NULL);
	} else if (rc == ECL_ESTATE) {
		/* Cancelled after its last batch committed: the data stays, as imported. */
		report->cancelled++;
		rc = 0;
	}
	return rc;
}

/* What an import's failure means for the job. */
static int settle_failure(ecl_worker *w, const ecl_job *job, int rc, int file_fault,
                          ecl_worker_report *report)
{
	/* Stopped, by ecl_worker_stop() or by the host's progress callback. */
	if (rc == ECL_ECANCELLED) {
		w->stop = 1;
		rc = ecl_job_release(w->store, job->batch_id, w->id);
		if (rc == 0) {
			report->released++;
			log_outcome(w, job, "handed back at its checkpoint", NULL);
		}
		return rc == ECL_ESTATE ? 0 : rc;
	}
	if (rc == ECL_ESTATE) {
		report->cancelled++;
		log_outcome(w, job, "stopped", ecl_error_last());
		return 0;
	}
	return record_failure(w, job, file_fault ? ECL_FAILURE_PERMANENT : ECL_FAILURE_TRANSIENT,
		ecl_error_last(), report);
}

/* ---- jobs the host's handler runs ------------------------------------------- */

/* Bad input does not improve with time; anything else may pass. */
static int handler_fault_is_permanent(int rc)
{
	return rc == ECL_EINVALID || rc == ECL_EPARSE || rc == ECL_ENOTFOUND;
}

/* Complete a handled job with what its handler reported; a report the job
 * cannot take (a negative count, a summary that is not a JSON object) fails
 * it for good, naming the fault. */
static int complete_handled(ecl_worker *w, const ecl_job *job, const ecl_job_counts *counts,
                            const ecl_buf *summary, ecl_worker_report *report)
{
	int rc = ecl_job_complete(w->store, job->batch_id, w->id, counts, summary->ptr);

	if (rc == 0) {
		report->completed++;
		log_outcome(w, job, "completed by its handler", NULL);
	} else if (rc == ECL_EINVALID) {
		char message[1024];

		snprintf(message, sizeof(message), "the %s handler's report was refused: %s",
			ecl_import_type_name(job->import_type), ecl_error_last());
		rc = record_failure(w, job, ECL_FAILURE_PERMANENT, message, report);
	} else if (rc == ECL_ESTATE) {
		report->cancelled++;   /* cancelled while its handler ran */
		rc = 0;
	}
	return rc;
}

/* A job of a type the host runs: its handler does the work. A worker
 * claims only the types its store has handlers for, unless the backend
 * cannot filter its claims; then a job without one fails, named. */
static int run_handler(ecl_worker *w, const ecl_job *job, ecl_worker_report *report)
{
	const ecl__job_handler_slot *h = ecl__job_handler_find(w->store, job->import_type);
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;
	ecl_buf summary = ECL_BUF_INIT;
	char message[1024];
	int rc;

	if (h == NULL) {
		snprintf(message, sizeof(message), "no handler for job type %s in worker %s",
			ecl_import_type_name(job->import_type), w->id);
		return record_failure(w, job, ECL_FAILURE_PERMANENT, message, report);
	}
	ecl_error_clear();
	rc = h->fn(job, &counts, &summary, h->payload);
	if (rc == 0) {
		rc = complete_handled(w, job, &counts, &summary, report);
	} else {
		/* The handler's own message when it set one, else what its code means. */
		snprintf(message, sizeof(message), "%s", ecl_error_last_code() == rc && *ecl_error_last()
			? ecl_error_last() : ecl_strerror(rc));
		ecl_error_set(rc, "%s", message);
		rc = settle_failure(w, job, rc, handler_fault_is_permanent(rc), report);
	}
	ecl_buf_dispose(&summary);
	return rc;
}

/*
 * The path to open for a job, when its store has a storage root: the file's
 * real path, which must lie inside the root. The job may have been enqueued
 * before the root was set, by another process, or its path may have become a
 * link since. NULL with *rc set (the failure recorded) otherwise.
 */
static char *confined_path(ecl_worker *w, const ecl_job *job, ecl_worker_report *report, int *rc)
{
	char message[1024];
	char *real = realpath(job->file_path, NULL);

	if (real == NULL) {
		snprintf(message, sizeof(message), "File not found: %s (%s)", job->file_path,
			strerror(errno));
		*rc = record_failure(w, job, ECL_FAILURE_PERMANENT, message, report);
		return NULL;
	}
	if (ecl__store_check_confined(w->store, real, job->file_path, "") != 0) {
		free(real);
		*rc = record_failure(w, job, ECL_FAILURE_PERMANENT, ecl_error_last(), report);
		return NULL;
	}
	return real;
}

/*
 * The file's identity on the job, before its first row is read. At the first
 * attempt it is recorded. A later attempt that finds other bytes (another
 * size or SHA-256: the file was replaced or rewritten since) must not resume
 * at a checkpoint that counted the rows of the old one, so the attempt
 * restarts from row 0: the new identity, zero counters and checkpoint are
 * written in one conditional update, so a crash right after leaves a job
 * that restarts again rather than one that resumes into the wrong file. The
 * same bytes under another mtime or inode (copied back, restored) resume,
 * the identity refreshed. A job checkpointed before the identity was kept
 * (schema migration 7) cannot be verified: it resumes as before.
 */
static int check_identity(ecl_worker *w, const ecl_job *job, const ecl_file_identity *id,
                          ecl_ingest_job *ctx)
{
	int other = job->file_sha256 != NULL && (strcmp(job->file_sha256, id->sha256) != 0
		|| (job->file_size >= 0 && (uint64_t)job->file_size != id->size));
	ecl_job_update u;
	ecl_job_found found;
	int rc;

	if (!other && job->file_sha256 != NULL && job->file_size == (int64_t)id->size
	    && job->file_mtime == id->mtime && job->file_inode == (int64_t)id->inode)
		return 0;   /* the file as recorded */
	memset(&u, 0, sizeof(u));
	u.batch_id = job->batch_id;
	u.from_statuses = ECL_JOB_STATUS_BIT(ECL_JOB_PROCESSING);
	u.expect_worker_id = w->id;
	u.expect_retry_count = -1;
	u.set = ECL_JOB_SET_FILE_IDENTITY;
	u.now = ecl_store_now(w->store);
	u.file_size = (int64_t)id->size;
	u.file_mtime = id->mtime;
	u.file_inode = (int64_t)id->inode;
	u.file_sha256 = id->sha256;
	if (other) {
		u.set |= ECL_JOB_SET_COUNTERS | ECL_JOB_SET_CHECKPOINT;
		ecl__log(&w->store->logger, ECL_LOG_WARN, "worker %s: job %s: its file %s is not the one "
			"recorded at its first attempt (%lld bytes, SHA-256 %.12s…; now %llu bytes, %.12s…): "
			"restarting from row 0 instead of resuming at row %lld", w->id, job->batch_id,
			job->file_path, (long long)job->file_size, job->file_sha256,
			(unsigned long long)id->size, id->sha256, (long long)job->checkpoint);
		ctx->resume_rows = 0;
		ctx->resume_imported = 0;
		ctx->resume_failed = 0;
		ctx->total_rows = -1;   /* the old file's count: counted again */
	}
	memset(&found, 0, sizeof(found));
	rc = ECL__BACKEND(w->store, job_update, &u, &found);
	if (rc == ECL_ESTATE)
		rc = ecl_error_set(ECL_ESTATE, "job %s is now %s (held by \"%s\"): not started",
			job->batch_id, ecl_job_status_name(found.status) ? ecl_job_status_name(found.status)
			: "unknown", found.worker_id);
	return rc;
}

/* Open and fingerprint the job's file, and reconcile it with the job: 1 to
 * go on with *fd open, or 0 with the outcome recorded and *rc set. */
static int identify_file(ecl_worker *w, const ecl_job *job, const char *path, int *fd,
                         ecl_file_identity *id, ecl_ingest_job *ctx, ecl_worker_report *report,
                         int *rc)
{
	int failed = ecl__file_identify(fd, id, path, 1);

	/* Not a regular file (a FIFO, a device): no attempt can ever read it;
	 * a read error may pass. */
	if (failed != 0) {
		*rc = record_failure(w, job, failed == ECL_EINVALID ? ECL_FAILURE_PERMANENT
			: ECL_FAILURE_TRANSIENT, ecl_error_last(), report);
		return 0;
	}
	failed = check_identity(w, job, id, ctx);
	if (failed != 0) {
		close(*fd);
		*fd = -1;
		*rc = settle_failure(w, job, failed, 0, report);
		return 0;
	}
	return 1;
}

static int process_job(ecl_worker *w, const ecl_job *job, ecl_worker_report *report)
{
	ecl_ingest_report *r = NULL;
	ecl_ingest_options o;
	ecl_ingest_job ctx;
	json_t *summary = NULL;
	ecl_file_identity identity;
	char *confined = NULL;
	int fd = -1;
	const char *path;
	int file_fault = 0;
	int rc = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.batch_id = job->batch_id;
	ctx.worker_id = w->id;
	ctx.resume_rows = job->checkpoint;
	ctx.resume_imported = job->checkpoint ? job->imported_rows : 0;
	ctx.resume_failed = job->checkpoint ? job->failed_rows : 0;
	ctx.total_rows = job->total_rows;
	ctx.summary = &summary;
	ingest_options(w, job, &o);
	if (w->opts.job_started != NULL)
		w->opts.job_started(job, w->opts.job_started_payload);
	if (!ecl__import_type_builtin(job->import_type))
		return run_handler(w, job, report);
	if (job->file_path == NULL)
		return record_failure(w, job, ECL_FAILURE_PERMANENT, "Job has no file path", report);
	/* With a storage root, the resolved path is the one checked and opened. */
	if (w->store->storage_root != NULL
	    && (confined = confined_path(w, job, report, &rc)) == NULL)
		return rc;
	path = confined ? confined : job->file_path;
	if (access(path, R_OK) != 0) {
		char message[1024];

		snprintf(message, sizeof(message), "File not found: %s (%s)", job->file_path,
			strerror(errno));
		free(confined);
		return record_failure(w, job, ECL_FAILURE_PERMANENT, message, report);
	}
	/* Before the first row: the file's identity, on the job. */
	if (!identify_file(w, job, path, &fd, &identity, &ctx, report, &rc)) {
		free(confined);
		return rc;
	}
	ctx.fd = fd;
	ctx.identity = &identity;
	/* Counted first so that progress and ETA work from the first batch. */
	if (ctx.total_rows < 0 && ecl__ingest_count_rows(&ctx.total_rows, path, &o) != 0)
		ctx.total_rows = -1;
	rc = ecl__ingest_run(&r, w->store, path, &o, &ctx, &file_fault);
	close(fd);
	if (rc == 0)
		rc = complete(w, job, r, summary, report);
	else
		rc = settle_failure(w, job, rc, file_fault, report);
	ecl_ingest_report_free(r);
	json_decref(summary);
	free(confined);
	return rc;
}

int ecl_worker_process(ecl_worker *worker, int limit, ecl_worker_report *report)
{
	ecl_worker_report ignored;
	int done, rc = 0;

	if (worker == NULL || limit < 1)
		return ecl_error_set(ECL_EINVALID, "worker is NULL or limit < 1");
	if (report == NULL) {
		memset(&ignored, 0, sizeof(ignored));
		report = &ignored;
	}
	for (done = 0; rc == 0 && done < limit && !worker->stop; done++) {
		ecl_job *job = NULL;

		rc = ecl_job_claim(&job, worker->store, worker->id);
		if (rc != 0 || job == NULL)
			break;
		report->claimed++;
		rc = process_job(worker, job, report);
		ecl_job_free(job);
	}
	return rc;
}

/* Sleep up to `ms`, waking early on a stop. */
static void idle(ecl_worker *w, int ms)
{
	struct timespec slice = { 0, 50 * 1000000L };

	for (; ms > 0 && !w->stop; ms -= 50)
		nanosleep(&slice, NULL);
}

/* Collect the due data feeds, if the worker does and the store can: a
 * feed's trouble is the feed's (recorded on it), logged, never the worker's. */
static void collect_feeds(ecl_worker *w)
{
	ecl_collect_options o = ECL_COLLECT_OPTIONS_INIT;
	ecl_collect_report r;

	if (!w->opts.collect_sources || w->store->storage_root == NULL
	    || !ECL__BACKEND_HAS(w->store, source_claim))
		return;
	o.worker_id = w->id;
	if (ecl_source_collect(&r, w->store, &o) != 0)
		ecl__log(&w->store->logger, ECL_LOG_ERROR, "worker %s: collecting data feeds: %s", w->id,
			ecl_error_last());
	else if (r.sources > 0)
		ecl__log(&w->store->logger, ECL_LOG_INFO, "worker %s: collected %zu data feed(s): %zu"
			" file(s) queued", w->id, r.sources, r.taken);
}

int ecl_worker_run(ecl_worker *worker, ecl_worker_report *report)
{
	ecl_worker_report ignored;

	if (worker == NULL)
		return ecl_error_set(ECL_EINVALID, "worker is NULL");
	if (report == NULL) {
		memset(&ignored, 0, sizeof(ignored));
		report = &ignored;
	}
	while (!worker->stop) {
		int64_t before = report->claimed;
		int rc;

		collect_feeds(worker);
		rc = ecl_worker_process(worker, 10, report);

		if (rc != 0)
			ecl__log(&worker->store->logger, ECL_LOG_ERROR, "worker %s: %s", worker->id,
				ecl_error_last());
		if (rc != 0 || report->claimed == before)
			idle(worker, worker->opts.idle_poll_ms);
	}
	return 0;
}
