/* The C side of the language bindings (see binding.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "eclectyc/sys/errors.h"

/* ---- status ---------------------------------------------------------------- */

/* The thread's status frames, by nesting depth: frames[0] serves calls made
 * outside any eclb_begin(); beyond the last one, nested calls share it. An
 * array, not a list through the callers' stacks, so a frame that never ended
 * (PHP's bailout longjmps out of a fatal error in a callback) leaves nothing
 * pointing into a dead stack frame. */
#define STATUS_DEPTH 64
static __thread eclb_status frames[STATUS_DEPTH];
static __thread int depth;

static eclb_status *status(void)
{
	return &frames[depth < STATUS_DEPTH ? depth : STATUS_DEPTH - 1];
}

static void status_clear(eclb_status *st)
{
	st->code = 0;
	st->stopped = 0;
	st->message[0] = '\0';
}

int eclb_begin(void)
{
	depth++;
	if (depth < STATUS_DEPTH)
		status_clear(&frames[depth]);
	return depth;
}

void eclb_end(int token, eclb_status *out)
{
	if (out != NULL)
		*out = *status();
	/* Back to the frame of the call that began before this one, even when
	 * a frame above was never ended. */
	depth = token > 0 ? token - 1 : 0;
}

void eclb_reset(void)
{
	depth = 0;
	status_clear(&frames[0]);
}

void eclb_clear(void)
{
	status_clear(status());
}

int eclb_failed(void)
{
	return status()->code;
}

const char *eclb_message(void)
{
	return status()->message;
}

int eclb_stopped_by_callback(void)
{
	return status()->stopped;
}

/* Record a failure: the library's code and message. Returns `rc`. */
static int fail(int rc)
{
	eclb_status *st = status();

	if (rc < 0 && st->code == 0) {
		st->code = rc;
		snprintf(st->message, sizeof(st->message), "%s", ecl_error_last());
	}
	return rc;
}

/* Record a failure of the binding itself. */
static int fail_with(int rc, const char *message)
{
	eclb_status *st = status();

	if (st->code == 0) {
		st->code = rc;
		snprintf(st->message, sizeof(st->message), "%s", message);
	}
	return rc;
}

/* The library's own per-thread error, kept aside while a host callback runs:
 * a call the callback makes (failing or not) must not replace the message
 * of the library call that is calling back, should it read it afterwards. */
typedef struct saved_error {
	int code;
	char message[1024];
} saved_error;

static void save_error(saved_error *saved)
{
	saved->code = ecl_error_last_code();
	snprintf(saved->message, sizeof(saved->message), "%s", ecl_error_last());
}

static void restore_error(const saved_error *saved)
{
	if (saved->code == 0 && saved->message[0] == '\0')
		ecl_error_clear();
	else
		ecl_error_set(saved->code, "%s", saved->message);
}

static char *dup_or_fail(const char *text)
{
	char *copy = text ? strdup(text) : NULL;

	if (text != NULL && copy == NULL)
		fail_with(ECL_ENOMEM, "out of memory");
	return copy;
}

/* The text of a buffer, handed over (the buffer is left empty). */
static char *take(ecl_buf *b)
{
	char *text = b->ptr;

	b->ptr = NULL;
	b->size = b->asize = 0;
	return text;
}

static const char *given(const char *text)
{
	return text != NULL && *text != '\0' ? text : NULL;
}

/* ---- callbacks ------------------------------------------------------------- */

void eclb_callback_free(eclb_callback *cb)
{
	if (cb == NULL)
		return;
	if (cb->release != NULL && cb->host != NULL)
		cb->release(cb->host);
	free(cb);
}

static int on_progress(int64_t processed, int64_t total, int64_t imported, int64_t failed,
                       void *payload)
{
	eclb_callback *cb = payload;

	int frame = depth;
	saved_error saved;
	int stop;

	if (cb == NULL || cb->progress == NULL)
		return 0;
	save_error(&saved);
	stop = cb->progress(cb->host, (long long)processed, (long long)total, (long long)imported,
	                    (long long)failed);
	restore_error(&saved);
	/* The frame of the call that runs the import: calls the callback made
	 * had (and ended) frames of their own above it. */
	if (stop != 0)
		frames[frame < STATUS_DEPTH ? frame : STATUS_DEPTH - 1].stopped = 1;
	return stop != 0;
}

static void on_log(ecl_log_level level, const char *message, void *payload)
{
	eclb_callback *cb = payload;
	saved_error saved;

	if (cb == NULL || cb->log == NULL)
		return;
	save_error(&saved);
	cb->log(cb->host, (int)level, message);
	restore_error(&saved);
}

/* ---- stores ------------------------------------------------------------------ */

/* Every ecl_import_type value is below this (hh, daily, sites). */
#define ECLB_JOB_TYPES (ECL_IMPORT_SITES + 1)

struct eclb_store {
	ecl_store *store;
	eclb_callback *log;
	int refs;          /* the language object, and each worker */
	int calls;         /* wrapped calls running on it (callbacks may nest more) */
	int close_pending; /* closed from inside a call: freed when the calls end */
	char *uri;         /* as opened (ECLECTYC_DB when none was given) */
	/* The configuration applied at open (NULL when the host opted out) and
	 * what the library read from it: the defaults of every later call, so
	 * that a call's "not given" means what the command line would use.
	 * Strings in the options point into `config`. */
	ecl_config *config;
	ecl_store_options store_opts;
	ecl_job_options job_opts;
	ecl_ingest_options ingest_opts;
	ecl_worker_options worker_opts;
	ecl_aggregate_options aggregate_opts;
	ecl_health_options health_opts;
	ecl_cleanup_options cleanup_opts;
	ecl_alert_options alert_opts;
	/* The host's job handlers, by ecl_import_type (NULL: none). */
	struct job_handler *handlers[ECLB_JOB_TYPES];
};

static ecl_store *open_store(eclb_store *s)
{
	if (s == NULL || s->store == NULL || s->close_pending) {
		fail_with(ECL_EINVALID, s == NULL ? "no store given" : "the store is closed");
		return NULL;
	}
	return s->store;
}

static void handler_release(struct job_handler *h);

/* Free the library's store and the handlers registered on it (a handler
 * holding the language's store object is a cycle only close() breaks). */
static void drop_store(eclb_store *s)
{
	size_t i;

	ecl_store_free(s->store);
	s->store = NULL;
	for (i = 0; i < ECLB_JOB_TYPES; i++) {
		handler_release(s->handlers[i]);
		s->handlers[i] = NULL;
	}
}

static void store_free(eclb_store *s)
{
	drop_store(s);
	eclb_callback_free(s->log);
	ecl_config_free(s->config);
	free(s->uri);
	free(s);
}

/* Every call's defaults: the library's, then (unless the host opted out)
 * the configuration's, read by the library as for the command line. */
static int read_defaults(eclb_store *s)
{
	ecl_config *c = s->config;
	int rc = 0;

	ecl_store_options_init(&s->store_opts, ECL_STORE_OPTIONS_VERSION);
	ecl_job_options_init(&s->job_opts, ECL_JOB_OPTIONS_VERSION);
	ecl_ingest_options_init(&s->ingest_opts, ECL_INGEST_OPTIONS_VERSION);
	ecl_worker_options_init(&s->worker_opts, ECL_WORKER_OPTIONS_VERSION);
	ecl_aggregate_options_init(&s->aggregate_opts, ECL_AGGREGATE_OPTIONS_VERSION);
	ecl_health_options_init(&s->health_opts, ECL_HEALTH_OPTIONS_VERSION);
	ecl_cleanup_options_init(&s->cleanup_opts, ECL_CLEANUP_OPTIONS_VERSION);
	ecl_alert_options_init(&s->alert_opts, ECL_ALERT_OPTIONS_VERSION);
	if (c == NULL)
		return 0;
	rc = fail(ecl_store_options_from_config(&s->store_opts, c));
	if (rc == 0)
		rc = fail(ecl_job_options_from_config(&s->job_opts, c));
	if (rc == 0)
		rc = fail(ecl_ingest_options_from_config(&s->ingest_opts, c));
	if (rc == 0)
		rc = fail(ecl_worker_options_from_config(&s->worker_opts, c));
	if (rc == 0)
		rc = fail(ecl_aggregate_options_from_config(&s->aggregate_opts, c));
	if (rc == 0)
		rc = fail(ecl_health_options_from_config(&s->health_opts, c));
	if (rc == 0)
		rc = fail(ecl_cleanup_options_from_config(&s->cleanup_opts, c));
	if (rc == 0)
		rc = fail(ecl_alert_options_from_config(&s->alert_opts, c));
	return rc;
}

/* Load the configuration as the command line does: defaults, the .env file
 * when one is given, then the environment. A .env file's
 * ECLECTYC_PROFILE_DIR is put in the environment, where the library (and a
 * worker's jobs) look for user profiles, as the command line does. */
static int load_config(eclb_store *s, int use_config, const char *env_file)
{
	const char *dir;
	int rc;

	if (!use_config)
		return given(env_file) ? fail_with(ECL_EINVALID, "an env_file was given but the "
			"configuration is switched off") : 0;
	rc = fail(ecl_config_load(&s->config, given(env_file)));
	dir = rc == 0 ? ecl_config_get(s->config, "ECLECTYC_PROFILE_DIR") : NULL;
	if (dir != NULL && *dir != '\0')
		setenv("ECLECTYC_PROFILE_DIR", dir, 1);
	return rc;
}

static int open_with(eclb_store *s, const char *uri, eclb_callback *log, int log_level)
{
	ecl_store_options o = s->store_opts;

	if (uri == NULL && s->config != NULL)
		uri = ecl_config_get(s->config, "ECLECTYC_DB");
	if (uri == NULL)
		return fail_with(ECL_EINVALID, "a store URI is required");
	if ((s->uri = dup_or_fail(uri)) == NULL)
		return ECL_ENOMEM;
	if (log_level >= 0)
		o.log_level = (ecl_log_level)log_level;
	if (log != NULL) {
		o.log = on_log;
		o.log_payload = log;
	}
	s->store_opts.log_level = o.log_level;
	return fail(ecl_store_open(&s->store, uri, &o));
}

eclb_store *eclb_store_open(const char *uri, int migrate, eclb_callback *log, int log_level,
                            int use_config, const char *env_file)
{
	eclb_store *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL) {
		eclb_callback_free(log);
		fail_with(ECL_ENOMEM, "out of memory opening a store");
		return NULL;
	}
	s->refs = 1;
	s->log = log;
	rc = load_config(s, use_config, env_file);
	if (rc == 0)
		rc = read_defaults(s);
	if (rc == 0)
		rc = open_with(s, uri, log, log_level);
	if (rc == 0 && migrate)
		rc = fail(ecl_store_migrate(s->store));
	/* The channels the command line's alerting commands set up, so that a
	 * host's failed jobs and health checks alert the same way. */
	if (rc == 0 && s->config != NULL)
		rc = fail(ecl_store_set_alerting(s->store, &s->alert_opts));
	if (rc != 0) {
		store_free(s);
		s = NULL;
	}
	return s;
}

/* A host callback may close the store while the library is using it (from
 * inside ingest, a worker, a log line): then the close waits for the
 * outermost call to return, and every call meanwhile sees a closed store. */
void eclb_store_enter(eclb_store *s)
{
	if (s != NULL)
		s->calls++;
}

void eclb_store_leave(eclb_store *s)
{
	if (s != NULL && --s->calls == 0 && s->close_pending) {
		s->close_pending = 0;
		drop_store(s);
	}
}

void eclb_store_close(eclb_store *s)
{
	if (s == NULL)
		return;
	if (s->calls > 0) {
		s->close_pending = 1;
		return;
	}
	drop_store(s);
}

void eclb_store_release(eclb_store *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	store_free(s);
}

int eclb_store_is_open(const eclb_store *s)
{
	return s != NULL && s->store != NULL && !s->close_pending;
}

const char *eclb_store_backend(const eclb_store *s)
{
	return s && s->store ? ecl_store_backend_name(s->store) : NULL;
}

const char *eclb_store_uri(const eclb_store *s)
{
	return s ? s->uri : NULL;
}

int eclb_store_configured(const eclb_store *s)
{
	return s != NULL && s->config != NULL;
}

/* "HH:MM" of minutes after midnight. */
static json_t *clock_json(int minutes)
{
	char text[16];

	snprintf(text, sizeof(text), "%02d:%02d", minutes / 60, minutes % 60);
	return json_string(text);
}

static json_t *path_json(const char *path)
{
	return path ? json_string(path) : json_null();
}

/* What the store's calls use when the host leaves a value out: the options
 * the library read from the configuration (or its defaults), a view for
 * hosts and tests, not a record of the library's. */
static json_t *settings_object(const eclb_store *s, const char *masked_uri)
{
	const ecl_store_options *so = &s->store_opts;
	const ecl_health_options *h = &s->health_opts;
	const ecl_alert_options *a = &s->alert_opts;

	return json_pack("{s:b, s:s, s:s, s:i, s:i, s:i, s:i, s:o, s:i, s:i, s:i, s:b, s:o, s:o, "
		"s:i, s:f, s:f, s:I, s:i, s:o, s:b, s:b, s:i}",
		"configured", s->config != NULL, "uri", masked_uri,
		"log_level", ecl_log_level_name(so->log_level), "busy_timeout_ms", so->busy_timeout_ms,
		"retry_base_seconds", so->retry_base_seconds, "retry_cap_seconds", so->retry_cap_seconds,
		"retry_jitter_percent", so->retry_jitter_percent, "storage_root", path_json(so->storage_root),
		"max_retries", s->job_opts.max_retries, "batch_size", s->ingest_opts.batch_size,
		"worker_poll_ms", s->worker_opts.idle_poll_ms,
		"aggregate_after_import", s->worker_opts.aggregate_after_import,
		"peak_start", clock_json(s->aggregate_opts.peak_start_minutes),
		"peak_end", clock_json(s->aggregate_opts.peak_end_minutes),
		"stuck_minutes", h->stuck_minutes, "failure_rate_warning", h->failure_rate_warning,
		"failure_rate_critical", h->failure_rate_critical,
		"backlog_threshold", (json_int_t)h->backlog_threshold,
		"cleanup_days", s->cleanup_opts.days, "cleanup_storage_dir", path_json(s->cleanup_opts.storage_dir),
		"alert_email", a->smtp_host != NULL && a->mail_to != NULL,
		"alert_slack", a->slack_webhook_url != NULL, "alert_cooldown_seconds", a->cooldown_seconds);
}

char *eclb_store_settings(eclb_store *s)
{
	ecl_buf masked = ECL_BUF_INIT;
	char *text = NULL;
	json_t *o;

	if (open_store(s) == NULL || fail(ecl_store_uri_mask(&masked, s->uri)) != 0)
		return NULL;
	o = settings_object(s, masked.ptr);
	text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	ecl_buf_dispose(&masked);
	if (text == NULL)
		fail_with(ECL_ENOMEM, "out of memory encoding the settings");
	return text;
}

void eclb_migrate(eclb_store *s)
{
	ecl_store *st = open_store(s);

	if (st != NULL)
		fail(ecl_store_migrate(st));
}

/* Hand over the text of `b` when `rc` is 0 (recording a failure otherwise). */
static char *buf_result(int rc, ecl_buf *b)
{
	char *text = fail(rc) == 0 ? take(b) : NULL;

	ecl_buf_dispose(b);
	return text;
}

char *eclb_schema(eclb_store *s)
{
	ecl_store *st = open_store(s);
	ecl_schema_report *r = NULL;
	ecl_buf b = ECL_BUF_INIT;
	char *text = NULL;

	if (st != NULL && fail(ecl_store_check(&r, st)) == 0)
		text = buf_result(ecl_schema_report_to_json(&b, r), &b);
	ecl_schema_report_free(r);
	return text;
}

void eclb_configure_alerting(eclb_store *s, const char *env_file)
{
	ecl_store *st = open_store(s);
	ecl_config *config = NULL;
	ecl_alert_options o;
	int rc = st ? fail(ecl_config_load(&config, given(env_file))) : -1;

	if (rc == 0)
		rc = fail(ecl_alert_options_from_config(&o, config));
	if (rc == 0)
		fail(ecl_store_set_alerting(st, &o));
	ecl_config_free(config);
}

char *eclb_alert_send(eclb_store *s, const char *type, const char *severity, const char *subject,
                      const char *body, const char *key)
{
	ecl_store *st = open_store(s);
	ecl_alert a = { type, ECL_ALERT_WARNING, subject, body, given(key) };
	ecl_alert_result r;
	ecl_buf b = ECL_BUF_INIT;
	int rc;

	if (st == NULL || (severity != NULL && fail(ecl_alert_severity_parse(&a.severity, severity)) != 0))
		return NULL;
	rc = ecl_alert_send(&r, st, &a);
	if (rc != 0 && rc != ECL_EIO)   /* every channel failing is reported, not raised */
		return fail(rc), NULL;
	return buf_result(ecl_alert_result_to_json(&b, &r), &b);
}

/* ---- jobs ----------------------------------------------------------------- */

static int job_options(ecl_job_options *o, const eclb_store *s, const char *import_type,
                       const char *priority)
{
	int rc = 0;

	*o = s->job_opts;
	if (given(import_type) != NULL)
		rc = fail(ecl_import_type_parse(&o->import_type, import_type));
	if (rc == 0 && given(priority) != NULL)
		rc = fail(ecl_priority_parse(&o->priority, priority));
	return rc;
}

char *eclb_job_create(eclb_store *s, const char *filename, const char *file_path,
                      const char *import_type, long long user_id, int dry_run, const char *notes,
                      const char *priority, const char *tags_json, const char *metadata_json,
                      int max_retries, const char *profile, const char *meter, const char *clock)
{
	ecl_store *st = open_store(s);
	ecl_job_options o;
	char batch_id[ECL_BATCH_ID_SIZE];

	if (st == NULL || job_options(&o, s, import_type, priority) != 0)
		return NULL;
	o.filename = given(filename);
	o.file_path = file_path;
	o.user_id = (int64_t)user_id;
	o.dry_run = dry_run;
	o.notes = given(notes);
	o.tags = given(tags_json);
	o.metadata = given(metadata_json);
	if (max_retries != ECLB_DEFAULT)
		o.max_retries = max_retries;
	o.profile = given(profile);
	o.meter = given(meter);
	if (given(clock) != NULL && fail(ecl_clock_mode_parse(&o.clock, clock)) != 0)
		return NULL;
	if (fail(ecl_job_create(batch_id, st, &o)) != 0)
		return NULL;
	return dup_or_fail(batch_id);
}

/* The job a call returning `rc` put in `*job` (freed here) as JSON; NULL
 * when there is none, failed only when `rc` is. Taken by address, so it is
 * read after the call whatever order the arguments are evaluated in. */
static char *job_result(int rc, ecl_job **job)
{
	ecl_buf b = ECL_BUF_INIT;
	char *text = NULL;

	if (fail(rc) == 0 && *job != NULL)
		text = buf_result(ecl_job_to_json(&b, *job), &b);
	ecl_job_free(*job);
	return text;
}

char *eclb_job_get(eclb_store *s, const char *batch_id)
{
	ecl_store *st = open_store(s);
	ecl_job *job = NULL;

	return st ? job_result(ecl_job_get(&job, st, batch_id), &job) : NULL;
}

char *eclb_job_list(eclb_store *s, const char *status, int limit, const char *priority)
{
	ecl_store *st = open_store(s);
	ecl_job_list_options o = ECL_JOB_LIST_OPTIONS_INIT;
	ecl_job_array *jobs = NULL;
	ecl_buf b = ECL_BUF_INIT;
	ecl_job_status wanted;
	ecl_priority level;
	char *text = NULL;
	int rc = st ? 0 : -1;

	if (rc == 0 && given(status) != NULL && (rc = fail(ecl_job_status_parse(&wanted, status))) == 0)
		o.status = (int)wanted;
	if (rc == 0 && given(priority) != NULL && (rc = fail(ecl_priority_parse(&level, priority))) == 0)
		o.priority = (int)level;
	if (rc == 0 && limit != ECLB_DEFAULT && limit < 0)
		rc = fail_with(ECL_EINVALID, "limit must be >= 0");
	if (limit != ECLB_DEFAULT)
		o.limit = (size_t)limit;
	if (rc == 0 && fail(ecl_job_list(&jobs, st, &o)) == 0)
		text = buf_result(ecl_job_array_to_json(&b, jobs), &b);
	ecl_job_array_free(jobs);
	return text;
}

char *eclb_job_counts(eclb_store *s)
{
	ecl_store *st = open_store(s);
	ecl_job_status_counts c;
	ecl_buf b = ECL_BUF_INIT;

	if (st == NULL || fail(ecl_job_count_by_status(&c, st)) != 0)
		return NULL;
	return buf_result(ecl_job_status_counts_to_json(&b, &c), &b);
}

char *eclb_job_attempts(eclb_store *s, const char *batch_id)
{
	ecl_store *st = open_store(s);
	ecl_job_attempt_array *attempts = NULL;
	ecl_buf b = ECL_BUF_INIT;
	char *text = NULL;

	if (st != NULL && fail(ecl_job_attempts(&attempts, st, batch_id)) == 0)
		text = buf_result(ecl_job_attempt_array_to_json(&b, attempts), &b);
	ecl_job_attempt_array_free(attempts);
	return text;
}

void eclb_job_retry(eclb_store *s, const char *batch_id, long long delay_seconds)
{
	ecl_store *st = open_store(s);

	if (st != NULL)
		fail(ecl_job_retry(st, batch_id, (int64_t)delay_seconds));
}

void eclb_job_cancel(eclb_store *s, const char *batch_id)
{
	ecl_store *st = open_store(s);

	if (st != NULL)
		fail(ecl_job_cancel(st, batch_id));
}

/* ---- a host's own loop ------------------------------------------------------ */

/* No job runnable is not a failure: NULL with the status clear. */
char *eclb_job_claim(eclb_store *s, const char *worker_id)
{
	ecl_store *st = open_store(s);
	ecl_job *job = NULL;

	return st ? job_result(ecl_job_claim(&job, st, worker_id), &job) : NULL;
}

char *eclb_job_claim_batch(eclb_store *s, const char *batch_id, const char *worker_id)
{
	ecl_store *st = open_store(s);
	ecl_job *job = NULL;

	return st ? job_result(ecl_job_claim_batch(&job, st, batch_id, worker_id), &job) : NULL;
}

char *eclb_job_get_by_id(eclb_store *s, long long id)
{
	ecl_store *st = open_store(s);
	ecl_job *job = NULL;

	return st ? job_result(ecl_job_get_by_id(&job, st, (int64_t)id), &job) : NULL;
}

void eclb_job_delete(eclb_store *s, const char *batch_id)
{
	ecl_store *st = open_store(s);

	if (st != NULL)
		fail(ecl_job_delete(st, batch_id));
}

void eclb_job_mark_alert_sent(eclb_store *s, const char *batch_id)
{
	ecl_store *st = open_store(s);

	if (st != NULL)
		fail(ecl_job_mark_alert_sent(st, batch_id));
}

char *eclb_job_list_alert_pending(eclb_store *s, int limit)
{
	ecl_store *st = open_store(s);
	ecl_job_array *jobs = NULL;
	ecl_buf b = ECL_BUF_INIT;
	char *text = NULL;

	if (st != NULL && limit < 1)
		fail_with(ECL_EINVALID, "limit must be >= 1");
	else if (st != NULL && fail(ecl_job_list_alert_pending(&jobs, st, (size_t)limit)) == 0)
		text = buf_result(ecl_job_array_to_json(&b, jobs), &b);
	ecl_job_array_free(jobs);
	return text;
}

void eclb_job_heartbeat(eclb_store *s, const char *batch_id, const char *worker_id)
{
	ecl_store *st = open_store(s);

	if (st != NULL)
		fail(ecl_job_heartbeat(st, batch_id, worker_id));
}

static ecl_job_counts counts_of(long long processed, long long imported, long long failed,
                                long long total, long long checkpoint)
{
	ecl_job_counts c = ECL_JOB_COUNTS_INIT;

	c.total_rows = total;
	c.processed_rows = processed;
	c.imported_rows = imported;
	c.failed_rows = failed;
	c.checkpoint = checkpoint;
	return c;
}

void eclb_job_progress(eclb_store *s, const char *batch_id, const char *worker_id,
                       long long processed, long long imported, long long failed, long long total,
                       long long checkpoint)
{
	ecl_store *st = open_store(s);
	ecl_job_counts c = counts_of(processed, imported, failed, total,
		checkpoint == -1 ? processed : checkpoint);

	if (st != NULL)
		fail(ecl_job_update_progress(st, batch_id, worker_id, &c));
}

void eclb_job_complete(eclb_store *s, const char *batch_id, const char *worker_id,
                       const char *summary_json, long long processed, long long imported,
                       long long failed, long long total)
{
	ecl_store *st = open_store(s);
	/* A finished job's rows are all committed. */
	ecl_job_counts c = counts_of(processed, imported, failed, total, processed);

	if (st != NULL)
		fail(ecl_job_complete(st, batch_id, worker_id, processed == -1 ? NULL : &c,
		given(summary_json)));
}

const char *eclb_job_fail(eclb_store *s, const char *batch_id, const char *worker_id,
                          const char *message, int permanent)
{
	ecl_store *st = open_store(s);
	ecl_job_status to = ECL_JOB_FAILED;

	if (st == NULL || fail(ecl_job_fail(&to, st, batch_id, worker_id,
		permanent ? ECL_FAILURE_PERMANENT : ECL_FAILURE_TRANSIENT, message)) != 0)
		return NULL;
	return ecl_job_status_name(to);
}

void eclb_job_release(eclb_store *s, const char *batch_id, const char *worker_id)
{
	ecl_store *st = open_store(s);

	if (st != NULL)
		fail(ecl_job_release(st, batch_id, worker_id));
}

/* ---- job types the host runs ------------------------------------------------- */

/* A registered handler. Counted: the store's registration holds it, and so
 * does each run in progress, so a handler replaced or removed from inside
 * its own run (or the store closed meanwhile) is freed when the run ends. */
struct job_handler {
	eclb_callback *cb;
	ecl_import_type type;
	int refs;
};

static void handler_release(struct job_handler *h)
{
	if (h == NULL || --h->refs > 0)
		return;
	eclb_callback_free(h->cb);
	free(h);
}

/* An ECL_E* code as the language layer reported it; anything else is the
 * generic (transient) failure. */
static int handler_code(json_int_t code)
{
	return code <= ECL_ERROR && code >= ECL_EPARSE ? (int)code : ECL_ERROR;
}

/* The counters and summary of a success report. Counts the library refuses
 * (negative) are refused by ecl_job_complete(), naming them. */
static int read_success(json_t *report, ecl_job_counts *counts, ecl_buf *summary, const char *type)
{
	json_int_t processed = 0, imported = 0, failed = 0;
	json_t *total = NULL, *object = NULL;
	json_error_t error;
	char *text;
	int rc;

	if (json_unpack_ex(report, &error, JSON_STRICT, "{s?I, s?I, s?I, s?o, s?o}",
	                   "processed", &processed, "imported", &imported, "failed", &failed,
	                   "total", &total, "summary", &object) != 0)
		return ecl_error_set(ECL_EINVALID, "the %s handler's report was refused: %s", type,
		                     error.text);
	if (total != NULL && !json_is_null(total) && !json_is_integer(total))
		return ecl_error_set(ECL_EINVALID, "the %s handler's total must be an integer or null",
		                     type);
	counts->processed_rows = processed;
	counts->imported_rows = imported;
	counts->failed_rows = failed;
	counts->checkpoint = processed;   /* a finished job's rows are all committed */
	counts->total_rows = json_is_integer(total) ? json_integer_value(total) : -1;
	if (object == NULL || json_is_null(object))
		return 0;
	text = json_dumps(object, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	rc = text ? ecl_buf_set(summary, text) : ecl_error_set(ECL_ENOMEM, "out of memory");
	free(text);
	return rc;
}

/* The handler's report (binding.h) as the ecl_job_handler result. */
static int read_report(const char *text, ecl_job_counts *counts, ecl_buf *summary,
                       const char *type)
{
	json_error_t error;
	json_t *report = json_loads(text, 0, &error);
	json_t *code = json_object_get(report, "error");
	const char *message = json_string_value(json_object_get(report, "message"));
	int rc;

	if (!json_is_object(report))
		rc = ecl_error_set(ECL_EINVALID, "the %s handler's report is not a JSON object: %s",
		                   type, report ? "another JSON value" : error.text);
	else if (code != NULL)
		rc = ecl_error_set(handler_code(json_integer_value(code)), "%s",
		                   message && *message ? message : "the handler failed");
	else
		rc = read_success(report, counts, summary, type);
	json_decref(report);
	return rc;
}

/* The ecl_job_handler of every registered host handler. The handler's own
 * calls on the store run in status frames of their own (the language
 * layer's), so this reports through the library's error only. */
static int on_job(const ecl_job *job, ecl_job_counts *counts, ecl_buf *summary, void *payload)
{
	struct job_handler *h = payload;
	const char *type = ecl_import_type_name(h->type);
	ecl_buf text = ECL_BUF_INIT;
	char *report = NULL;
	int rc = ecl_job_to_json(&text, job);

	if (rc == 0) {
		h->refs++;
		report = h->cb->job(h->cb->host, text.ptr);
		rc = report != NULL ? read_report(report, counts, summary, type)
			: ecl_error_set(ECL_ECANCELLED, "the %s handler raised: the job is handed back", type);
		handler_release(h);
	}
	free(report);
	ecl_buf_dispose(&text);
	return rc;
}

static struct job_handler *handler_new(eclb_callback *cb, ecl_import_type type)
{
	struct job_handler *h = calloc(1, sizeof(*h));

	if (h == NULL) {
		fail_with(ECL_ENOMEM, "out of memory for a job handler");
		return NULL;
	}
	h->cb = cb;
	h->type = type;
	h->refs = 1;
	return h;
}

void eclb_set_job_handler(eclb_store *s, const char *type, eclb_callback *handler)
{
	ecl_store *st = open_store(s);
	struct job_handler *h = NULL;
	ecl_import_type which = ECL_IMPORT_HH;
	int rc = st ? fail(ecl_import_type_parse(&which, type ? type : "")) : -1;

	if (rc == 0 && handler != NULL && handler->job == NULL)
		rc = fail_with(ECL_EINVALID, "a job handler needs a callable");
	if (rc == 0 && handler != NULL && (h = handler_new(handler, which)) == NULL)
		rc = ECL_ENOMEM;
	if (rc == 0)
		rc = fail(ecl_store_set_job_handler(st, which, h ? on_job : NULL, h));
	if (rc != 0) {
		if (h != NULL)
			h->cb = NULL;   /* freed below, once */
		handler_release(h);
		eclb_callback_free(handler);
		return;
	}
	handler_release(s->handlers[which]);
	s->handlers[which] = h;
}

/* ---- the host application's users ----------------------------------------- */

static char *host_user_json(const ecl_host_user *user)
{
	json_t *o = json_pack("{s:I, s:s?, s:s?}", "id", (json_int_t)user->id,
		"name", user->name, "email", user->email);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	if (text == NULL)
		fail_with(ECL_EINVALID, "the host user's name or e-mail is not UTF-8 text");
	return text;
}

char *eclb_host_user(eclb_store *s, long long id)
{
	ecl_store *st = open_store(s);
	ecl_host_user *user = NULL;
	char *text = NULL;
	int rc = st ? ecl_host_user_lookup(&user, st, (int64_t)id) : 0;

	/* No such user, or none to be had here: the host shows no user. */
	if (rc == ECL_ENOTFOUND || rc == ECL_ENOTSUPPORTED)
		rc = 0;
	if (fail(rc) == 0 && user != NULL)
		text = host_user_json(user);
	ecl_host_user_free(user);
	return text;
}

/* ---- ingestion -------------------------------------------------------------- */

/* The policies by the library's names; not given: the library's defaults. */
static int policy(ecl_ingest_options *o, const char *unknown_meters, const char *negatives)
{
	int rc = 0;

	if (given(unknown_meters) != NULL)
		rc = fail(ecl_unknown_meter_policy_parse(&o->unknown_meters, unknown_meters));
	if (rc == 0 && given(negatives) != NULL)
		rc = fail(ecl_negative_policy_parse(&o->negatives, negatives));
	return rc;
}

char *eclb_ingest(eclb_store *s, const char *path, const char *import_type, int dry_run,
                  const char *unknown_meters, const char *negatives, int overwrite_actual,
                  int month_first, int interval_end, int batch_size, eclb_callback *progress,
                  const char *profile, const char *meter, const char *clock)
{
	ecl_store *st = open_store(s);
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r = NULL;
	ecl_buf b = ECL_BUF_INIT;
	char *text = NULL;
	int rc;

	if (st != NULL)
		o = s->ingest_opts;
	rc = st ? policy(&o, unknown_meters, negatives) : -1;

	if (rc == 0 && given(import_type) != NULL)
		rc = fail(ecl_import_type_parse(&o.import_type, import_type));
	if (rc == 0 && given(clock) != NULL)
		rc = fail(ecl_clock_mode_parse(&o.clock, clock));
	o.profile = given(profile);
	o.meter = given(meter);
	if (rc != 0) {
		eclb_callback_free(progress);
		return NULL;
	}
	o.dry_run = dry_run;
	o.overwrite_actual = overwrite_actual;
	o.month_first = month_first;
	o.interval_end = interval_end;
	if (batch_size > 0)
		o.batch_size = batch_size;
	if (progress != NULL) {
		o.progress = on_progress;
		o.progress_payload = progress;
	}
	if (fail(ecl_ingest_file(&r, st, path, &o)) == 0)
		text = buf_result(ecl_ingest_report_to_json(&b, r), &b);
	ecl_ingest_report_free(r);
	eclb_callback_free(progress);
	return text;
}

/* ---- import profiles ---------------------------------------------------------------- */

char *eclb_profiles(const char *profile_dir)
{
	ecl_buf b = ECL_BUF_INIT;

	return buf_result(ecl_profile_list(&b, given(profile_dir)), &b);
}

char *eclb_profile_show(const char *name, const char *profile_dir)
{
	ecl_buf b = ECL_BUF_INIT;

	return buf_result(ecl_profile_show(&b, name, given(profile_dir)), &b);
}

char *eclb_detect(const char *path, const char *profile, const char *meter, const char *clock,
                  int rows, int month_first, int interval_end, const char *profile_dir)
{
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_buf b = ECL_BUF_INIT;

	if (given(clock) != NULL && fail(ecl_clock_mode_parse(&o.clock, clock)) != 0)
		return NULL;
	o.profile = given(profile);
	o.meter = given(meter);
	o.month_first = month_first;
	o.interval_end = interval_end;
	o.profile_dir = given(profile_dir);
	return buf_result(ecl_ingest_detect(&b, path, &o, rows), &b);
}

/* ---- aggregation, quality, health, cleanup -------------------------------------- */

char *eclb_aggregate(eclb_store *s, const char *range, const char *date, const char *until)
{
	ecl_store *st = open_store(s);
	ecl_aggregate_options o;
	ecl_aggregate_report *r = NULL;
	ecl_buf b = ECL_BUF_INIT;
	ecl_range which = ECL_RANGE_DAILY;
	char *text = NULL;

	if (st == NULL || (range != NULL && fail(ecl_range_parse(&which, range)) != 0))
		return NULL;
	o = s->aggregate_opts;
	o.until = given(until);
	/* A failed run is an exception; its report is in the telemetry. */
	if (fail(ecl_aggregate(&r, st, which, given(date), &o)) == 0
	    && fail(ecl_aggregate_report_to_json(&b, r)) == 0)
		text = take(&b);
	ecl_aggregate_report_free(r);
	ecl_buf_dispose(&b);
	return text;
}

char *eclb_quality(eclb_store *s, const char *date, const char *mpan, int record)
{
	ecl_store *st = open_store(s);
	ecl_quality_options o = ECL_QUALITY_OPTIONS_INIT;
	ecl_quality_report *r = NULL;
	ecl_buf b = ECL_BUF_INIT;
	char *text = NULL;

	if (st == NULL)
		return NULL;
	o.mpan = given(mpan);
	o.record = record;
	if (fail(ecl_quality_check(&r, st, given(date), &o)) == 0
	    && fail(ecl_quality_report_to_json(&b, r, 0)) == 0)
		text = take(&b);
	ecl_quality_report_free(r);
	ecl_buf_dispose(&b);
	return text;
}

char *eclb_health(eclb_store *s, int stuck_minutes, int backlog_threshold, int handle_stuck,
                  int send_alerts, int window_hours)
{
	ecl_store *st = open_store(s);
	ecl_health_options o;
	ecl_health_report *r = NULL;
	ecl_buf b = ECL_BUF_INIT;
	char *text = NULL;

	if (st == NULL)
		return NULL;
	o = s->health_opts;
	if (stuck_minutes > 0)
		o.stuck_minutes = stuck_minutes;
	if (backlog_threshold > 0)
		o.backlog_threshold = backlog_threshold;
	if (window_hours > 0)
		o.window_hours = window_hours;
	o.handle_stuck = handle_stuck;
	o.send_alerts = send_alerts;
	if (fail(ecl_health_check(&r, st, &o)) == 0 && fail(ecl_health_report_to_json(&b, r)) == 0)
		text = take(&b);
	ecl_health_report_free(r);
	ecl_buf_dispose(&b);
	return text;
}

char *eclb_cleanup(eclb_store *s, int days, int dry_run, const char *storage_dir, int files)
{
	ecl_store *st = open_store(s);
	ecl_cleanup_options o;
	ecl_cleanup_report *r = NULL;
	ecl_buf b = ECL_BUF_INIT;
	char *text = NULL;

	if (st == NULL)
		return NULL;
	o = s->cleanup_opts;
	if (days != ECLB_DEFAULT)
		o.days = days;
	o.dry_run = dry_run;
	if (given(storage_dir) != NULL)
		o.storage_dir = storage_dir;
	if (!files)
		o.storage_dir = NULL;   /* jobs only, whatever is configured */
	if (fail(ecl_cleanup(&r, st, &o)) == 0 && fail(ecl_cleanup_report_to_json(&b, r)) == 0)
		text = take(&b);
	ecl_cleanup_report_free(r);
	ecl_buf_dispose(&b);
	return text;
}

char *eclb_executions(eclb_store *s, int limit)
{
	ecl_store *st = open_store(s);
	ecl_execution_array *list = NULL;
	ecl_buf b = ECL_BUF_INIT;
	char *text = NULL;

	if (st != NULL && fail(ecl_execution_list(&list, st, limit)) == 0)
		text = buf_result(ecl_execution_array_to_json(&b, list), &b);
	ecl_execution_array_free(list);
	return text;
}

/* ---- workers -------------------------------------------------------------------- */

struct eclb_worker {
	ecl_worker *worker;
	eclb_store *store;         /* held: the worker uses its connection */
	eclb_callback *progress;
};

eclb_worker *eclb_worker_new(eclb_store *s, const char *worker_id, int aggregate_after_import,
                             eclb_callback *progress)
{
	ecl_store *st = open_store(s);
	ecl_worker_options o;
	eclb_worker *w = st ? calloc(1, sizeof(*w)) : NULL;

	if (w == NULL) {
		if (st != NULL)
			fail_with(ECL_ENOMEM, "out of memory for a worker");
		eclb_callback_free(progress);
		return NULL;
	}
	/* The store's worker options hold the configuration's; the peak
	 * window is the store's aggregation options' (read whether or not
	 * the configuration re-aggregates, as a caller may turn it on). */
	o = s->worker_opts;
	o.aggregation = s->aggregate_opts;
	o.worker_id = given(worker_id);
	if (aggregate_after_import != ECLB_DEFAULT)
		o.aggregate_after_import = aggregate_after_import;
	if (progress != NULL) {
		o.progress = on_progress;
		o.progress_payload = progress;
	}
	w->progress = progress;
	if (fail(ecl_worker_new(&w->worker, st, &o)) != 0) {
		eclb_callback_free(progress);
		free(w);
		return NULL;
	}
	w->store = s;
	s->refs++;
	return w;
}

void eclb_worker_free(eclb_worker *w)
{
	if (w == NULL)
		return;
	ecl_worker_free(w->worker);
	eclb_callback_free(w->progress);
	eclb_store_release(w->store);
	free(w);
}

const char *eclb_worker_id(const eclb_worker *w)
{
	return w ? ecl_worker_id(w->worker) : NULL;
}

char *eclb_worker_process(eclb_worker *w, int limit)
{
	ecl_worker_report r;
	ecl_buf b = ECL_BUF_INIT;
	int rc;

	memset(&r, 0, sizeof(r));

	if (w == NULL || open_store(w->store) == NULL)
		return w == NULL ? (fail_with(ECL_EINVALID, "no worker given"), NULL) : NULL;
	eclb_store_enter(w->store);
	rc = fail(ecl_worker_process(w->worker, limit, &r));
	eclb_store_leave(w->store);
	if (rc != 0)
		return NULL;
	return buf_result(ecl_worker_report_to_json(&b, &r), &b);
}

void eclb_worker_stop(eclb_worker *w)
{
	if (w != NULL)
		ecl_worker_stop(w->worker);
}

char *eclb_uri_mask(const char *uri)
{
	ecl_buf b = ECL_BUF_INIT;

	if (uri == NULL)
		return fail_with(ECL_EINVALID, "a URI is required"), NULL;
	return buf_result(ecl_store_uri_mask(&b, uri), &b);
}

const char *eclb_version(void)
{
	return ecl_version(NULL, NULL, NULL);
}
