/**
 * @file eclectyc/source.h
 * @brief Data feeds: where supplier files come from, collected into the queue.
 *
 * A source is a place files arrive (an SFTP or FTPS folder, an HTTPS
 * listing or file, a local directory), with what to do with its files: the
 * import profile and meter they are read with, the priority and tags of
 * their jobs, how often to look, and what to do with a file on the server
 * once its job has completed (keep, delete, move). Sources are rows of the
 * store, so every worker on every host sees the same ones, and a source is
 * collected by one collector at a time (a lease in the store).
 *
 * Collecting a source (ecl_source_collect()) lists its files, takes each
 * new one whose size and time held still between two looks, streams it
 * into the storage root, fingerprints it (name, size, mtime, SHA-256) and
 * queues it as a job, once: a file offered again, or the same bytes under
 * another name, is skipped, and every file seen is recorded with why.
 * Credentials are never stored: a source names the environment variables
 * that hold them and the key and known_hosts files (docs/feeds.md).
 */
#ifndef ECLECTYC_SOURCE_H
#define ECLECTYC_SOURCE_H

#include "common.h"
#include "job.h"
#include "store.h"

ECL_BEGIN_DECL

/** What becomes of a file on the server once its job completed. */
typedef enum ecl_source_after {
	ECL_SOURCE_KEEP = 0,    /**< left where it is (the default) */
	ECL_SOURCE_DELETE = 1,  /**< deleted */
	ECL_SOURCE_MOVE = 2     /**< moved into after_dir, on the same server */
} ecl_source_after;

/** A source as the store holds it. Strings are owned; NULL when unset. */
typedef struct ecl_source {
	int64_t id;
	char *name;             /**< unique: letters, digits, '.', '_', '-'; 1..64 */
	char *url;              /**< sftp://, ftps://, ftp:// (explicit TLS), https://, file:/// */
	char *pattern;          /**< glob over file names ("*" when unset) */
	char *import_profile;   /**< profile name or path for its files; NULL = detect */
	char *import_meter;     /**< the meter of files without a meter column */
	ecl_import_type import_type;
	ecl_priority priority;
	char *tags;             /**< the jobs' tags, a JSON array text; NULL = none */
	int every_seconds;      /**< how often it is due (>= 1) */
	ecl_source_after after;
	char *after_dir;        /**< ECL_SOURCE_MOVE: the server folder files go to */
	char *ssh_key;          /**< sftp: private key file */
	char *known_hosts;      /**< sftp: known_hosts file the server's key must be in */
	char *ca_file;          /**< ftps/https: CA bundle to trust instead of the system's */
	char *user_env;         /**< environment variable holding the user name */
	char *password_env;     /**< environment variable holding the password or key passphrase */
	int stale_days;         /**< no new file for this many days is an alert; 0 = never */
	int paused;             /**< 1: never collected until resumed */
	int64_t created_at;
	int64_t next_poll_at;   /**< when it is next due; ECL_TIME_NONE = now */
	int64_t last_poll_at;   /**< ECL_TIME_NONE when never polled */
	int64_t last_success_at;
	int64_t last_file_at;   /**< the last time it gave a new file */
	char *last_error;       /**< of the last poll; NULL when that one succeeded */
	int64_t files_taken;    /**< files queued as jobs, ever */
	char *lease_owner;      /**< the collector polling it now; NULL when none */
	int64_t lease_until;
} ecl_source;

/** Options of ecl_source_add(): everything but the name and URL. Appended only. */
typedef struct ecl_source_options {
	unsigned int version;   /**< ECL_SOURCE_OPTIONS_VERSION */
	const char *pattern;
	const char *import_profile;
	const char *import_meter;
	ecl_import_type import_type;
	ecl_priority priority;
	const char *const *tags;
	size_t tag_count;
	int every_seconds;      /**< 0 = 900 */
	ecl_source_after after;
	const char *after_dir;
	const char *ssh_key;
	const char *known_hosts;
	const char *ca_file;
	const char *user_env;
	const char *password_env;
	int stale_days;         /**< 0 = never alert */
} ecl_source_options;

#define ECL_SOURCE_OPTIONS_VERSION 1
#define ECL_SOURCE_OPTIONS_INIT { ECL_SOURCE_OPTIONS_VERSION, NULL, NULL, NULL, ECL_IMPORT_HH, \
	ECL_PRIORITY_NORMAL, NULL, 0, 0, ECL_SOURCE_KEEP, NULL, NULL, NULL, NULL, NULL, NULL, 0 }

/** A list of sources. */
typedef struct ecl_source_array {
	ecl_source *sources;
	size_t count;
} ecl_source_array;

/** What became of a file a source offered. */
typedef enum ecl_source_file_state {
	ECL_SOURCE_FILE_QUEUED = 0,   /**< stored and queued as the job batch_id */
	ECL_SOURCE_FILE_SKIPPED = 1,  /**< not taken: see reason */
	ECL_SOURCE_FILE_DONE = 2,     /**< its job completed and the after-action ran */
	ECL_SOURCE_FILE_KEPT = 3,     /**< its job failed or was cancelled: the server file is left */
	ECL_SOURCE_FILE_AFTER_FAILED = 4 /**< its job completed; the after-action failed (reason) */
} ecl_source_file_state;

/** One file a source offered, as recorded. */
typedef struct ecl_source_file {
	int64_t id;
	int64_t source_id;
	char *name;             /**< its name on the server */
	int64_t size;           /**< bytes; -1 when the server does not say */
	int64_t mtime;          /**< Unix seconds; ECL_TIME_NONE when the server does not say */
	char sha256[65];        /**< hex of its bytes; "" when never downloaded */
	ecl_source_file_state state;
	char batch_id[ECL_BATCH_ID_SIZE];  /**< its job; "" when none */
	char *reason;           /**< why skipped, or why the after-action failed */
	char *stored_path;      /**< where it was stored under the storage root */
	int64_t seen_at;
	int64_t handled_at;     /**< when the after-action ran; ECL_TIME_NONE if not yet */
	int job_status;         /**< source_files_to_settle(): its job's ecl_job_status */
} ecl_source_file;

typedef struct ecl_source_file_array {
	ecl_source_file *files;
	size_t count;
} ecl_source_file_array;

/** One poll of a source. */
typedef struct ecl_source_poll {
	int64_t id;
	int64_t source_id;
	char *worker_id;        /**< the collector that polled */
	int64_t started_at;
	int64_t ended_at;
	int seen;               /**< files listed that matched the pattern */
	int taken;              /**< queued as jobs */
	int skipped;            /**< seen before, same bytes, still growing, … */
	char *error;            /**< NULL when it succeeded */
} ecl_source_poll;

typedef struct ecl_source_poll_array {
	ecl_source_poll *polls;
	size_t count;
} ecl_source_poll_array;

/**
 * Add a source. The name must be new; the URL's scheme one of those above
 * (ftp:// always with TLS); `after` MOVE needs after_dir, and https:// sources
 * can only keep their files; an sftp:// source needs known_hosts. Nothing is
 * contacted. @return 0; ECL_EINVALID naming the option; ECL_EEXISTS
 */
ECL_EXTERN int ecl_source_add(ecl_store *store, const char *name, const char *url,
                              const ecl_source_options *opts);
/** Read one source; ECL_ENOTFOUND if none is named so. Free with ecl_source_free(). */
ECL_EXTERN int ecl_source_get(ecl_source **out, ecl_store *store, const char *name);
/** Every source, by name. Free with ecl_source_array_free(). */
ECL_EXTERN int ecl_source_list(ecl_source_array **out, ecl_store *store);
/** Remove a source and its file and poll records (jobs stay). */
ECL_EXTERN int ecl_source_remove(ecl_store *store, const char *name);
/** Pause (1) or resume (0) a source. */
ECL_EXTERN int ecl_source_set_paused(ecl_store *store, const char *name, int paused);
/** The latest files (at most `limit`, 0 = 20) a source offered, newest first. */
ECL_EXTERN int ecl_source_files(ecl_source_file_array **out, ecl_store *store, const char *name,
                                size_t limit);
/** The latest polls (at most `limit`, 0 = 20) of a source, newest first. */
ECL_EXTERN int ecl_source_polls(ecl_source_poll_array **out, ecl_store *store, const char *name,
                                size_t limit);

/** What one ecl_source_collect() did. */
typedef struct ecl_collect_report {
	size_t sources;         /**< sources polled */
	size_t failed;          /**< of which the poll failed (see the source's last_error) */
	size_t seen, taken, skipped;
	size_t settled;         /**< files whose after-action ran (or was declined) */
} ecl_collect_report;

/** Options of ecl_source_collect(). Appended only. */
typedef struct ecl_collect_options {
	unsigned int version;   /**< ECL_COLLECT_OPTIONS_VERSION */
	const char *worker_id;  /**< who collects (default host:pid) */
	const char *source;     /**< only this source, due or not (not when paused); NULL = every due one */
	int settle_ms;          /**< wait between the two looks at a file; -1 = 2000 */
	int lease_seconds;      /**< how long a poll may hold its source; 0 = 600 */
} ecl_collect_options;

#define ECL_COLLECT_OPTIONS_VERSION 1
#define ECL_COLLECT_OPTIONS_INIT { ECL_COLLECT_OPTIONS_VERSION, NULL, NULL, -1, 0 }

/**
 * Collect: poll the due sources (or the one named), queue their new files,
 * and run the after-action of files whose job completed since. A source
 * whose server fails is recorded as failed and the others still run.
 * @return 0; ECL_ENOTFOUND / ECL_ESTATE for a named source unknown / paused;
 *         ECL_EINVALID without a storage root (ECLECTYC_STORAGE_DIR)
 */
ECL_EXTERN int ecl_source_collect(ecl_collect_report *report, ecl_store *store,
                                  const ecl_collect_options *opts);

/** A meter whose readings have stopped: its latest reading's start. */
typedef struct ecl_stale_meter {
	char *mpan;
	int64_t latest;         /**< start of its latest half hour or daily total (UTC, Unix seconds) */
} ecl_stale_meter;

typedef struct ecl_stale_meter_array {
	ecl_stale_meter *meters;
	size_t count;
} ecl_stale_meter_array;

ECL_EXTERN void ecl_stale_meter_array_free(ecl_stale_meter_array *array);

ECL_EXTERN void ecl_source_free(ecl_source *source);
ECL_EXTERN void ecl_source_clear(ecl_source *source);
ECL_EXTERN void ecl_source_array_free(ecl_source_array *array);
ECL_EXTERN void ecl_source_file_clear(ecl_source_file *file);
ECL_EXTERN void ecl_source_file_array_free(ecl_source_file_array *array);
ECL_EXTERN void ecl_source_poll_clear(ecl_source_poll *poll);
ECL_EXTERN void ecl_source_poll_array_free(ecl_source_poll_array *array);
/** "keep", "delete", "move"; NULL for another value. */
ECL_EXTERN const char *ecl_source_after_name(ecl_source_after after);
/** "queued", "skipped", "done", "kept", "after_failed". */
ECL_EXTERN const char *ecl_source_file_state_name(ecl_source_file_state state);

ECL_END_DECL

#endif
