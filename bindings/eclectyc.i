/*
 * eclectyc.i - the one SWIG interface of libeclectyc, for every language.
 *
 * It wraps bindings/binding.h (the public API reshaped for bindings), not
 * the library's headers: handles are classes (Store, Worker), records and
 * reports come back as JSON text the language layer decodes into native
 * dicts/arrays, and every failure is recorded per thread and raised by the
 * language's %exception block (EclectycError in Python, EclectycException
 * in PHP). What differs per language — the exception classes, how a host
 * callable becomes an eclb_callback, module naming — lives in
 * python/eclectyc_python.swg and php/eclectyc_php.swg, included below.
 */
%module eclectyc

%{
#include "binding.h"
%}

/* Every char * the wrapped functions return is the caller's to free. */
%typemap(newfree) char * "free($1);";
%newobject eclb_schema;
%newobject eclb_alert_send;
%newobject eclb_store::schema;
%newobject eclb_store::settings;
%newobject eclb_store::alert_send;
%newobject eclb_store::create_job;
%newobject eclb_store::get_job;
%newobject eclb_store::list_jobs;
%newobject eclb_store::job_counts;
%newobject eclb_store::job_attempts;
%newobject eclb_store::claim_job;
%newobject eclb_store::claim_batch;
%newobject eclb_store::get_job_by_id;
%newobject eclb_store::list_alert_pending;
%newobject eclb_store::host_user;
%newobject eclb_store::ingest;
%newobject eclb_store::aggregate;
%newobject eclb_store::quality;
%newobject eclb_store::health;
%newobject eclb_store::cleanup;
%newobject eclb_store::executions;
%newobject eclb_worker::process;
%newobject eclb_profiles;
%newobject eclb_profile_show;
%newobject eclb_detect;
%newobject eclb_uri_mask;

#if defined(SWIGPYTHON)
%include "python/eclectyc_python.swg"
#elif defined(SWIGPHP)
%include "php/eclectyc_php.swg"
#else
#error "eclectyc.i: no language layer for this SWIG target"
#endif

/* Error codes, as in eclectyc/errors.h. */
%constant int ERROR = ECL_ERROR;
%constant int EINVALID = ECL_EINVALID;
%constant int ENOMEM = ECL_ENOMEM;
%constant int ENOTFOUND = ECL_ENOTFOUND;
%constant int EEXISTS = ECL_EEXISTS;
%constant int ESTATE = ECL_ESTATE;
%constant int ENOTSUPPORTED = ECL_ENOTSUPPORTED;
%constant int EIO = ECL_EIO;
%constant int EBUSY = ECL_EBUSY;
%constant int ESCHEMA = ECL_ESCHEMA;
%constant int EDB = ECL_EDB;
%constant int ECANCELLED = ECL_ECANCELLED;
/* An argument left out: the store's default (binding.h). */
%constant int ECLB_DEFAULT = ECLB_DEFAULT;

const char *eclb_version(void);
/* The URI with its password masked ("postgresql://user:***@host/db"). */
char *eclb_uri_mask(const char *uri);
char *eclb_profiles(const char *profile_dir = NULL);
char *eclb_profile_show(const char *name, const char *profile_dir = NULL);
char *eclb_detect(const char *path, const char *profile = NULL, const char *meter = NULL,
                  const char *clock = NULL, int rows = 10, int month_first = 0, int interval_end = 0,
                  const char *profile_dir = NULL);

/* ---- Store ------------------------------------------------------------------ */

%rename(Store) eclb_store;
%nodefaultctor eclb_store;
%nodefaultdtor eclb_store;
struct eclb_store {};

%extend eclb_store {
	/* log: a callable (level, message) or NULL; log_level 0 debug .. 4 none,
	 * negative = ECLECTYC_LOG_LEVEL. use_config: apply the ECLECTYC_*
	 * configuration (env_file, then the environment) as the command line
	 * does; uri NULL = ECLECTYC_DB. */
	eclb_store(const char *uri, int migrate = 1, eclb_callback *log = NULL, int log_level = -1,
	           int use_config = 1, const char *env_file = NULL) {
		return eclb_store_open(uri, migrate, log, log_level, use_config, env_file);
	}
	~eclb_store() {
		eclb_store_release($self);
	}
	/* Declared without a body: SWIG calls eclb_store_<name>() itself (a body
	 * would define a function of that very name). */
	void close();
	int is_open();
	const char *backend();
	const char *uri();
	int configured();
	char *settings();

	/* The rest run as calls on the store (ECLB_CALL: a callback closing the
	 * store meanwhile only takes effect when the call returns). */
	void migrate() { ECLB_CALL_VOID($self, eclb_migrate($self)); }
	char *schema() { ECLB_CALL($self, char *, eclb_schema($self)); }
	void configure_alerting(const char *env_file = NULL) {
		ECLB_CALL_VOID($self, eclb_configure_alerting($self, env_file));
	}
	char *alert_send(const char *type, const char *severity, const char *subject, const char *body,
	                 const char *key = NULL) {
		ECLB_CALL($self, char *, eclb_alert_send($self, type, severity, subject, body, key));
	}

	char *create_job(const char *filename, const char *file_path, const char *import_type = NULL,
	                 long long user_id = 0, int dry_run = 0, const char *notes = NULL,
	                 const char *priority = NULL, const char *tags_json = NULL,
	                 const char *metadata_json = NULL, int max_retries = ECLB_DEFAULT,
	                 const char *profile = NULL, const char *meter = NULL, const char *clock = NULL) {
		ECLB_CALL($self, char *, eclb_job_create($self, filename, file_path, import_type, user_id,
			dry_run, notes, priority, tags_json, metadata_json, max_retries, profile, meter, clock));
	}
	char *get_job(const char *batch_id) { ECLB_CALL($self, char *, eclb_job_get($self, batch_id)); }
	/* priority (appended: existing callers are unchanged) NULL or "" = any. */
	char *list_jobs(const char *status = NULL, int limit = ECLB_DEFAULT, const char *priority = NULL) {
		ECLB_CALL($self, char *, eclb_job_list($self, status, limit, priority));
	}
	char *job_counts() { ECLB_CALL($self, char *, eclb_job_counts($self)); }
	char *job_attempts(const char *batch_id) {
		ECLB_CALL($self, char *, eclb_job_attempts($self, batch_id));
	}
	void retry_job(const char *batch_id, long long delay_seconds = 0) {
		ECLB_CALL_VOID($self, eclb_job_retry($self, batch_id, delay_seconds));
	}
	void cancel_job(const char *batch_id) { ECLB_CALL_VOID($self, eclb_job_cancel($self, batch_id)); }
	/* handler: a callable (job JSON text) -> report JSON text (binding.h), or
	 * NULL to remove the type's handler. */
	void set_job_handler(const char *type, eclb_callback *handler = NULL) {
		ECLB_CALL_VOID($self, eclb_set_job_handler($self, type, handler));
	}

	/* A host's own loop (binding.h): claim returns NULL when nothing is
	 * runnable; the rest raise on a refused transition. */
	char *claim_job(const char *worker_id) {
		ECLB_CALL($self, char *, eclb_job_claim($self, worker_id));
	}
	void heartbeat(const char *batch_id, const char *worker_id = NULL) {
		ECLB_CALL_VOID($self, eclb_job_heartbeat($self, batch_id, worker_id));
	}
	void update_progress(const char *batch_id, const char *worker_id, long long processed,
	                     long long imported, long long failed, long long total = -1,
	                     long long checkpoint = -1) {
		ECLB_CALL_VOID($self, eclb_job_progress($self, batch_id, worker_id, processed, imported,
			failed, total, checkpoint));
	}
	void complete_job(const char *batch_id, const char *worker_id, const char *summary_json = NULL,
	                  long long processed = -1, long long imported = 0, long long failed = 0,
	                  long long total = -1) {
		ECLB_CALL_VOID($self, eclb_job_complete($self, batch_id, worker_id, summary_json, processed,
			imported, failed, total));
	}
	const char *fail_job(const char *batch_id, const char *worker_id, const char *message,
	                     int permanent = 0) {
		ECLB_CALL($self, const char *, eclb_job_fail($self, batch_id, worker_id, message,
			permanent));
	}
	void release_job(const char *batch_id, const char *worker_id) {
		ECLB_CALL_VOID($self, eclb_job_release($self, batch_id, worker_id));
	}
	/* For hosts that address and alert on jobs themselves (binding.h). */
	char *claim_batch(const char *batch_id, const char *worker_id) {
		ECLB_CALL($self, char *, eclb_job_claim_batch($self, batch_id, worker_id));
	}
	char *get_job_by_id(long long id) { ECLB_CALL($self, char *, eclb_job_get_by_id($self, id)); }
	void delete_job(const char *batch_id) { ECLB_CALL_VOID($self, eclb_job_delete($self, batch_id)); }
	void mark_alert_sent(const char *batch_id) {
		ECLB_CALL_VOID($self, eclb_job_mark_alert_sent($self, batch_id));
	}
	char *list_alert_pending(int limit = 10) {
		ECLB_CALL($self, char *, eclb_job_list_alert_pending($self, limit));
	}
	/* The host application's user (binding.h): NULL when there is none to show. */
	char *host_user(long long id) { ECLB_CALL($self, char *, eclb_host_user($self, id)); }

	char *ingest(const char *path, const char *import_type = NULL, int dry_run = 0,
	             const char *unknown_meters = NULL, const char *negatives = NULL,
	             int overwrite_actual = 0, int month_first = 0, int interval_end = 0,
	             int batch_size = 0, eclb_callback *progress = NULL, const char *profile = NULL,
	             const char *meter = NULL, const char *clock = NULL) {
		ECLB_CALL($self, char *, eclb_ingest($self, path, import_type, dry_run, unknown_meters,
			negatives, overwrite_actual, month_first, interval_end, batch_size, progress, profile,
			meter, clock));
	}
	char *aggregate(const char *range = NULL, const char *date = NULL, const char *until = NULL) {
		ECLB_CALL($self, char *, eclb_aggregate($self, range, date, until));
	}
	char *quality(const char *date = NULL, const char *mpan = NULL, int record = 1) {
		ECLB_CALL($self, char *, eclb_quality($self, date, mpan, record));
	}
	/* window_hours (appended) 0 = the store's (24). */
	char *health(int stuck_minutes = 0, int backlog_threshold = 0, int handle_stuck = 0,
	             int send_alerts = 0, int window_hours = 0) {
		ECLB_CALL($self, char *, eclb_health($self, stuck_minutes, backlog_threshold, handle_stuck,
			send_alerts, window_hours));
	}
	char *cleanup(int days = ECLB_DEFAULT, int dry_run = 0, const char *storage_dir = NULL,
	              int files = 1) {
		ECLB_CALL($self, char *, eclb_cleanup($self, days, dry_run, storage_dir, files));
	}
	char *executions(int limit = 50) { ECLB_CALL($self, char *, eclb_executions($self, limit)); }
}

/* ---- Worker ----------------------------------------------------------------- */

%rename(Worker) eclb_worker;
%nodefaultctor eclb_worker;
%nodefaultdtor eclb_worker;
struct eclb_worker {};

%extend eclb_worker {
	/* progress: a callable (processed, total, imported, failed) -> truthy to stop, or NULL. */
	eclb_worker(eclb_store *store, const char *worker_id = NULL,
	            int aggregate_after_import = ECLB_DEFAULT,
	            eclb_callback *progress = NULL) {
		return eclb_worker_new(store, worker_id, aggregate_after_import, progress);
	}
	~eclb_worker() { eclb_worker_free($self); }
	const char *id();
	char *process(int limit = 10);
	void stop();
}
