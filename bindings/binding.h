/*
 * The C side of the language bindings: the public API reshaped for SWIG.
 *
 * Handles are small structs the bindings own (a store can be closed before
 * it is collected; a worker keeps its store alive), records and reports are
 * returned as JSON text that the language layers decode into native dicts,
 * lists and objects, and every failure is recorded per thread (code and
 * message) for the language's %exception block to raise. Host callbacks
 * come in as an eclb_callback that the language layer fills in.
 *
 * Every char * returned is newly allocated; the bindings free it (%newobject).
 */
#ifndef ECLB_BINDING_H
#define ECLB_BINDING_H

#include "eclectyc.h"

#include <limits.h>

/*
 * An int argument left out: the store's default, which is the configuration's
 * (ECLECTYC_*, read by the library as for the command line) unless the host
 * opted out, else the library's (its *_INIT macros). Not a number a caller
 * could mean, so an explicit bad value (-1) is still refused.
 */
#define ECLB_DEFAULT INT_MIN

/* ---- status of the last call (per thread) ------------------------------- */

/*
 * The status of one wrapped call. A call made from inside a host callback
 * (a log line, a progress report) runs while the outer call is still
 * going, so each wrapped call gets a frame of its own: eclb_begin() opens a
 * cleared one (the thread's current status from then on) and returns its
 * token; eclb_end(token, out) copies it to `out` (may be NULL) and goes
 * back to the outer call's frame, untouched by whatever the nested call did
 * (a failure the callback caught does not fail the outer call). Without a
 * frame, calls share one per thread. eclb_reset() forgets every frame (a
 * PHP request starts afresh even if the last one bailed out mid-call).
 */
typedef struct eclb_status {
	int code;
	int stopped;
	char message[1024];
} eclb_status;

int eclb_begin(void);
void eclb_end(int token, eclb_status *out);
void eclb_reset(void);

/* Forget the current frame's failure. */
void eclb_clear(void);
/* 0, or the ECL_E* code of the current frame's failure. */
int eclb_failed(void);
/* Its message (ecl_error_last() at the time); valid until the frame ends. */
const char *eclb_message(void);
/* 1 when the failure came from a host callback that asked to stop (the
 * language layer re-raises the callback's own exception). */
int eclb_stopped_by_callback(void);

/* ---- host callbacks ------------------------------------------------------- */

typedef struct eclb_callback {
	/* Progress of an import: non-zero stops it (e.g. the callable raised). */
	int (*progress)(void *host, long long processed, long long total, long long imported,
	                long long failed);
	/* A log line. */
	void (*log)(void *host, int level, const char *message);
	/* A job handler (eclb_set_job_handler): gives the callable the
	 * claimed job's JSON and returns its report as JSON text (malloc'd, the
	 * C side frees it): {"processed", "imported", "failed", "total" (null:
	 * unknown), "summary" (an object or null)} for success, {"error": an
	 * ECL_E* code, "message"} for a failure. NULL when the callable raised:
	 * its exception is left pending, the job is handed back, the worker
	 * stops and the exception propagates from the worker's call. */
	char *(*job)(void *host, const char *job_json);
	/* Drop the language's reference to `host`. */
	void (*release)(void *host);
	void *host;
	int raised;        /* set by the language layer when the callable raised */
} eclb_callback;

/* Free a callback and release its host object. Accepts NULL. */
void eclb_callback_free(eclb_callback *cb);

/* ---- stores --------------------------------------------------------------- */

typedef struct eclb_store eclb_store;

/*
 * Open (and, when `migrate`, migrate) a store. With `use_config` the
 * configuration is loaded as the command line loads it (defaults, `env_file`
 * when given, the environment; docs/configuration.md) and applied by the
 * library's ecl_*_options_from_config(): the store's options, its alert
 * channels, and the defaults of every later call (max retries, batch size,
 * the worker's, the peak window, health thresholds, cleanup's directory).
 * `uri` NULL then means ECLECTYC_DB. Without it, only the library's
 * defaults apply and an `env_file` is refused. `log` (taken over) receives
 * the library's log at `log_level` and above (NULL = stderr); a negative
 * `log_level` = ECLECTYC_LOG_LEVEL, else warn.
 */
eclb_store *eclb_store_open(const char *uri, int migrate, eclb_callback *log, int log_level,
                            int use_config, const char *env_file);
/* Register (or, with NULL, remove) the handler for jobs of `type`
 * ("sites"): `handler` (taken over, its `job` trampoline) runs each such job
 * the store's workers claim (ecl_store_set_job_handler()). The handler a
 * call replaces is released when it is not running; the rest go when the
 * store closes. */
void eclb_set_job_handler(eclb_store *s, const char *type, eclb_callback *handler);
/* Close the store (releasing its job handlers); later calls fail with ECL_EINVALID. Called from inside a
 * call on the store (a callback), the close waits for that call to return. */
void eclb_store_close(eclb_store *s);
/* Bracket every call that uses the store (the interface's methods do). */
void eclb_store_enter(eclb_store *s);
void eclb_store_leave(eclb_store *s);

/* Return `call`, run as a call on store `s` (for the interface's bodies). */
#define ECLB_CALL(s, type, call) do { \
	type eclb_result_; \
	eclb_store_enter(s); \
	eclb_result_ = (call); \
	eclb_store_leave(s); \
	return eclb_result_; \
} while (0)
#define ECLB_CALL_VOID(s, call) do { \
	eclb_store_enter(s); \
	(call); \
	eclb_store_leave(s); \
} while (0)
/* Drop the caller's reference (closing when nothing else holds it). */
void eclb_store_release(eclb_store *s);
int eclb_store_is_open(const eclb_store *s);
const char *eclb_store_backend(const eclb_store *s);
/* The URI the store was opened with (ECLECTYC_DB when none was given). */
const char *eclb_store_uri(const eclb_store *s);
/* 1 when the configuration was applied at open. */
int eclb_store_configured(const eclb_store *s);
/* What the store's calls use when a value is left out: {configured, uri
 * (masked), log_level, busy_timeout_ms, retry_base_seconds,
 * retry_cap_seconds, retry_jitter_percent, storage_root, max_retries,
 * batch_size, worker_poll_ms, aggregate_after_import, peak_start, peak_end,
 * stuck_minutes, failure_rate_warning, failure_rate_critical,
 * backlog_threshold, cleanup_days, cleanup_storage_dir, alert_email,
 * alert_slack, alert_cooldown_seconds}. */
char *eclb_store_settings(eclb_store *s);

void eclb_migrate(eclb_store *s);
/* {"current": n, "expected": n, "problems": [...]} */
char *eclb_schema(eclb_store *s);

/* Alerting from configuration (.env file or NULL, then the environment). */
void eclb_configure_alerting(eclb_store *s, const char *env_file);
/* {"suppressed":…, "channels":[{"name","ok","reason"}…]} */
char *eclb_alert_send(eclb_store *s, const char *type, const char *severity, const char *subject,
                      const char *body, const char *key);

/* ---- jobs ----------------------------------------------------------------- */

/* The batch id of the new job. Empty strings count as not given; so do NULL
 * import_type and priority, and max_retries ECLB_DEFAULT. */
char *eclb_job_create(eclb_store *s, const char *filename, const char *file_path,
                      const char *import_type, long long user_id, int dry_run, const char *notes,
                      const char *priority, const char *tags_json, const char *metadata_json,
                      int max_retries, const char *profile, const char *meter, const char *clock);
char *eclb_job_get(eclb_store *s, const char *batch_id);
/* A JSON array, newest first; status and priority NULL or "" = any; limit 0
 * = no limit, ECLB_DEFAULT the library's. */
char *eclb_job_list(eclb_store *s, const char *status, int limit, const char *priority);
/* {"queued": n, "processing": n, "completed": n, "failed": n, "cancelled": n,
 * "total": n}: exact, in one read. */
char *eclb_job_counts(eclb_store *s);
/* A JSON array of the job's attempts, oldest first: {"attempt",
 * "worker_id", "started_at", "ended_at" (null while it runs), "outcome" (the
 * status it became, "processing" while it runs), "error_message",
 * "error_class", "processed_rows", "imported_rows", "failed_rows"}; instants
 * as in the job records ("YYYY-MM-DD HH:MM:SS" UTC). ECL_ENOTFOUND for an
 * unknown batch id. */
char *eclb_job_attempts(eclb_store *s, const char *batch_id);
void eclb_job_retry(eclb_store *s, const char *batch_id, long long delay_seconds);
void eclb_job_cancel(eclb_store *s, const char *batch_id);

/* A host's own loop over the queue (ecl_job_claim() … ecl_job_release()):
 * each call is one conditional transition of the library's, refused
 * (ECL_ESTATE, naming the status or holder found) when the job is not
 * processing or is held by another worker. A NULL worker_id skips the
 * ownership check, as in the library. */
/* The claimed job's JSON, or NULL (no failure) when none is runnable now. */
char *eclb_job_claim(eclb_store *s, const char *worker_id);
void eclb_job_heartbeat(eclb_store *s, const char *batch_id, const char *worker_id);
/* total -1 = unknown (kept); checkpoint -1 = processed. */
void eclb_job_progress(eclb_store *s, const char *batch_id, const char *worker_id,
                       long long processed, long long imported, long long failed, long long total,
                       long long checkpoint);
/* processed -1 = keep the last progress (the other counters are ignored);
 * summary_json NULL or "" = none. */
void eclb_job_complete(eclb_store *s, const char *batch_id, const char *worker_id,
                       const char *summary_json, long long processed, long long imported,
                       long long failed, long long total);
/* The status the job went to: "queued" (a transient failure with retries
 * left, requeued with backoff) or "failed". */
const char *eclb_job_fail(eclb_store *s, const char *batch_id, const char *worker_id,
                          const char *message, int permanent);
void eclb_job_release(eclb_store *s, const char *batch_id, const char *worker_id);

/* For hosts that address and alert on jobs themselves (the PHP system's
 * service): claim one named job (its JSON, or NULL with no failure when it
 * is not claimable now), read a job by numeric id, delete one (refused
 * while processing), mark its failure alert sent (once), and list the
 * failed jobs whose alert is pending. */
char *eclb_job_claim_batch(eclb_store *s, const char *batch_id, const char *worker_id);
char *eclb_job_get_by_id(eclb_store *s, long long id);
void eclb_job_delete(eclb_store *s, const char *batch_id);
void eclb_job_mark_alert_sent(eclb_store *s, const char *batch_id);
char *eclb_job_list_alert_pending(eclb_store *s, int limit);

/* The host application's user `id` (ecl_host_user_lookup()) as {"id",
 * "name", "email"} (null for NULL); NULL with no failure when no row has
 * that id or the store has no users table to read (ECL_ENOTFOUND,
 * ECL_ENOTSUPPORTED: SQLite, PostgreSQL, a database without one), so a
 * host shows no user. An id below 1 fails (ECL_EINVALID). */
char *eclb_host_user(eclb_store *s, long long id);

/* ---- ingestion, aggregation, quality, health, cleanup ------------------------ */

/* The ingest report (ecl_ingest_report_to_json). `progress` is taken over
 * (freed when the call returns), like every callback passed in. NULL
 * policies and batch_size 0 = the store's defaults. */
char *eclb_ingest(eclb_store *s, const char *path, const char *import_type, int dry_run,
                  const char *unknown_meters, const char *negatives, int overwrite_actual,
                  int month_first, int interval_end, int batch_size, eclb_callback *progress,
                  const char *profile, const char *meter, const char *clock);

/* Import profiles (eclectyc/profile.h): the list and one profile as JSON
 * text, and a preview of how a file would be imported. NULL or "" = none. */
char *eclb_profiles(const char *profile_dir);
char *eclb_profile_show(const char *name, const char *profile_dir);
char *eclb_detect(const char *path, const char *profile, const char *meter, const char *clock,
                  int rows, int month_first, int interval_end, const char *profile_dir);
char *eclb_aggregate(eclb_store *s, const char *range, const char *date, const char *until);
char *eclb_quality(eclb_store *s, const char *date, const char *mpan, int record);
/* Thresholds and the window (hours of the metrics, failure rate and retry
 * statistics) <= 0 take the store's (configured) defaults. */
char *eclb_health(eclb_store *s, int stuck_minutes, int backlog_threshold, int handle_stuck,
                  int send_alerts, int window_hours);
/* days ECLB_DEFAULT and storage_dir NULL = the store's defaults. */
char *eclb_cleanup(eclb_store *s, int days, int dry_run, const char *storage_dir, int files);
char *eclb_executions(eclb_store *s, int limit);

/* ---- workers -------------------------------------------------------------- */

typedef struct eclb_worker eclb_worker;

/* A worker on `s` (kept alive while the worker lives) with the store's
 * worker defaults; aggregate_after_import ECLB_DEFAULT = theirs. `progress`
 * is taken over. */
eclb_worker *eclb_worker_new(eclb_store *s, const char *worker_id, int aggregate_after_import,
                             eclb_callback *progress);
void eclb_worker_free(eclb_worker *w);
const char *eclb_worker_id(const eclb_worker *w);
/* {"claimed", "completed", "failed", "requeued", "cancelled", "released"} */
char *eclb_worker_process(eclb_worker *w, int limit);
void eclb_worker_stop(eclb_worker *w);

/* `uri` with its password (user:PASSWORD@, password=… parameters) replaced
 * by "***", for messages and reprs. */
char *eclb_uri_mask(const char *uri);

const char *eclb_version(void);

#endif
