/**
 * @file eclectyc/cleanup.h
 * @brief Retention: old finished jobs and orphaned import files.
 *
 * Deletes jobs that can never run again — completed, cancelled, and failed
 * (a failed job is final: a transient failure with retries left is queued,
 * not failed) — whose completed_at is older than the retention, in bounded
 * batches so the database is never locked for long; and files under the
 * storage root that no remaining job references and that are older than the
 * retention. A dry run deletes nothing and reports what a real run would
 * delete (see ecl_cleanup() for its one conservative over-report).
 *
 * "Older than the retention" is a comparison of instants: with
 * cutoff = now - days * 86400 (the store's clock), a job goes when
 * completed_at < cutoff and a file when its mtime < cutoff. An instant equal
 * to the cutoff stays.
 */
#ifndef ECLECTYC_CLEANUP_H
#define ECLECTYC_CLEANUP_H

#include "common.h"
#include "buffer.h"
#include "config.h"
#include "store.h"

ECL_BEGIN_DECL

/** Options of a cleanup. Fields are only ever appended. */
typedef struct ecl_cleanup_options {
	unsigned int version;    /**< ECL_CLEANUP_OPTIONS_VERSION */
	int days;                /**< retention in days (default 30, at least 1) */
	int dry_run;             /**< report only: delete nothing */
	const char *storage_dir; /**< root of the import files (ECLECTYC_STORAGE_DIR), which
	                              must exist; NULL = jobs only, no file cleanup */
	int batch_size;          /**< jobs deleted per transaction, 1..100000 (default 500);
	                              a dry run reads every candidate at once */
} ecl_cleanup_options;

#define ECL_CLEANUP_OPTIONS_VERSION 1
#define ECL_CLEANUP_OPTIONS_INIT { ECL_CLEANUP_OPTIONS_VERSION, 30, 0, NULL, 500 }

/** Initialise cleanup options to the defaults. @return 0 or ECL_EINVALID */
ECL_EXTERN int ecl_cleanup_options_init(ecl_cleanup_options *opts, unsigned int version);

/**
 * Fill cleanup options from configuration, as `eclectyc cleanup` does:
 * `storage_dir` is ECLECTYC_STORAGE_DIR when it is not empty, except that
 * the built-in default (storage/imports, relative to the working directory)
 * is used only when it exists, so a setup that never configured a directory
 * cleans jobs only. A directory set explicitly must exist (ecl_cleanup()
 * fails naming it otherwise). The retention (`days`) is the caller's.
 *
 * `storage_dir` points into `config`, which must outlive its use.
 *
 * @return 0 or ECL_EINVALID for a NULL argument
 */
ECL_EXTERN int ecl_cleanup_options_from_config(ecl_cleanup_options *opts, const ecl_config *config);

/** One job deleted (or that would be). Frozen per SONAME (in an array; docs/conventions.md). */
typedef struct ecl_cleanup_job {
	char batch_id[ECL_BATCH_ID_SIZE];
	char status[16];         /**< "completed", "failed" or "cancelled" */
	int64_t completed_at;
	char *filename;          /**< the job's filename (owned by the report) */
} ecl_cleanup_job;

/** One file deleted (or that would be). Frozen per SONAME (in an array; docs/conventions.md). */
typedef struct ecl_cleanup_file {
	char *path;              /**< absolute real path (owned by the report) */
	int64_t age_days;        /**< whole days since its mtime, rounded down */
} ecl_cleanup_file;

/**
 * What a cleanup did (or, for a dry run, would do: "deleted" then reads
 * "would be deleted"). Free with ecl_cleanup_report_free().
 */
typedef struct ecl_cleanup_report {
	int dry_run;
	int days;
	int64_t cutoff;                  /**< completed_at / mtime before this instant */
	int64_t jobs_deleted;            /**< per status below */
	int64_t completed_deleted, failed_deleted, cancelled_deleted;
	ecl_cleanup_job *jobs;           /**< each job, oldest completed_at first (then id) */
	size_t job_count;
	int64_t files_deleted;
	ecl_cleanup_file *files;         /**< each file, sorted by path */
	size_t file_count;
	int64_t files_kept_referenced;   /**< old files a remaining job still refers to */
	int64_t file_errors;             /**< files that could not be removed, and directories or
	                                      entries that could not be read (named in messages) */
	char **messages;                 /**< one line per problem (at most 100, then a count of
	                                      the rest); each also logged at WARN */
	size_t message_count;
} ecl_cleanup_report;

/** Free a report. Accepts NULL. */
ECL_EXTERN void ecl_cleanup_report_free(ecl_cleanup_report *report);

/**
 * Set `out` to the report as one JSON object: dry_run, days, cutoff (UTC
 * "YYYY-MM-DD HH:MM:SS"), jobs_deleted, jobs_by_status {completed, failed,
 * cancelled}, jobs [{batch_id, status, completed_at, filename}],
 * files_deleted, files [{path, age_days}], files_kept_referenced,
 * file_errors, messages [...].
 *
 * @param out receives the text; release with ecl_buf_dispose()
 * @return 0, ECL_EINVALID or ECL_ENOMEM
 */
ECL_EXTERN int ecl_cleanup_report_to_json(ecl_buf *out, const ecl_cleanup_report *report);

/**
 * Delete old finished jobs and orphaned files (or, with dry_run, list them).
 *
 * Jobs: completed, failed and cancelled jobs with completed_at before the
 * cutoff, oldest first, batch_size per transaction until a batch comes back
 * short. Queued and processing jobs (whatever their age, including jobs
 * requeued after a transient failure or by ecl_job_retry()) and jobs whose
 * completed_at is unset are never deleted. Readings are never touched.
 *
 * Files (only when storage_dir is set), judged after the jobs are deleted,
 * so the file of a job deleted in this run is an orphan in this run: every
 * regular file under the root, at any depth, with mtime before the cutoff
 * and no remaining job whose file_path is its real path, is unlinked. Never
 * removed: newer files; hidden entries (name starting with '.', such as
 * .htaccess, and whole hidden directories); anything that is not a regular
 * file (directories, FIFOs, sockets, devices); symbolic links, which are
 * never followed, so nothing outside the root is reached or removed through
 * them (the root itself may be a link); SQLite databases and their -wal,
 * -shm and -journal files; anything deeper than 64 directory levels. Empty
 * directories are left in place. A file that cannot be removed is counted in
 * file_errors, named in messages, and the run goes on.
 *
 * The storage root is resolved and opened before any job is deleted: a
 * missing root, or one that is not a directory, fails the whole run with
 * ECL_EIO and changes nothing (a misconfigured path must not pass
 * silently).
 *
 * Dry run: lists every job a real run would delete, and judges files as if
 * those jobs were gone (the store is asked whether a job other than the
 * expired ones refers to each file), so its lists equal a real run's,
 * barring changes made meanwhile.
 *
 * @param out   receives the report (free with ecl_cleanup_report_free());
 *              NULL on failure
 * @param store an open, migrated store whose backend implements jobs_expired
 *              and file_referenced
 * @param opts  options, or NULL for the defaults (30 days, no file cleanup)
 * @return 0; ECL_EINVALID naming the bad option or NULL argument; ECL_EIO
 *         naming the storage directory when it is missing or not a
 *         directory; ECL_ENOTSUPPORTED (backend too old); ECL_ESCHEMA;
 *         ECL_EBUSY; ECL_EDB; ECL_ENOMEM. Jobs deleted in earlier batches
 *         (and files already removed) stay deleted when a later step fails.
 */
ECL_EXTERN int ecl_cleanup(ecl_cleanup_report **out, ecl_store *store,
                           const ecl_cleanup_options *opts);

ECL_END_DECL

#endif
