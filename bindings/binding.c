/* The C side of the language bindings (see binding.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static char *dump(json_t *value)
{
	char *text = value ? json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;

	json_decref(value);
	if (text == NULL)
		fail_with(ECL_ENOMEM, "out of memory encoding JSON");
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

struct eclb_store {
	ecl_store *store;
	eclb_callback *log;
	int refs;          /* the language object, and each worker */
	int calls;         /* wrapped calls running on it (callbacks may nest more) */
	int close_pending; /* closed from inside a call: freed when the calls end */
};

static ecl_store *open_store(eclb_store *s)
{
	if (s == NULL || s->store == NULL || s->close_pending) {
		fail_with(ECL_EINVALID, s == NULL ? "no store given" : "the store is closed");
		return NULL;
	}
	return s->store;
}

eclb_store *eclb_store_open(const char *uri, int migrate, eclb_callback *log, int log_level)
{
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;
	eclb_store *s = calloc(1, sizeof(*s));
	int rc = 0;

	if (s == NULL) {
		eclb_callback_free(log);
		fail_with(ECL_ENOMEM, "out of memory opening a store");
		return NULL;
	}
	s->refs = 1;
	s->log = log;
	if (log != NULL) {
		o.log = on_log;
		o.log_payload = log;
		o.log_level = (ecl_log_level)log_level;
	}
	if (uri == NULL)
		rc = fail_with(ECL_EINVALID, "a store URI is required");
	if (rc == 0)
		rc = fail(ecl_store_open(&s->store, uri, &o));
	if (rc == 0 && migrate)
		rc = fail(ecl_store_migrate(s->store));
	if (rc != 0) {
		ecl_store_free(s->store);
		eclb_callback_free(s->log);
		free(s);
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
		ecl_store_free(s->store);
		s->store = NULL;
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
	ecl_store_free(s->store);
	s->store = NULL;
}

void eclb_store_release(eclb_store *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	ecl_store_free(s->store);
	eclb_callback_free(s->log);
	free(s);
}

int eclb_store_is_open(const eclb_store *s)
{
	return s != NULL && s->store != NULL && !s->close_pending;
}

const char *eclb_store_backend(const eclb_store *s)
{
	return s && s->store ? ecl_store_backend_name(s->store) : NULL;
}

void eclb_migrate(eclb_store *s)
{
	ecl_store *st = open_store(s);

	if (st != NULL)
		fail(ecl_store_migrate(st));
}

char *eclb_schema(eclb_store *s)
{
	ecl_store *st = open_store(s);
	ecl_schema_report *r = NULL;
	json_t *problems;
	char *text = NULL;
	size_t i;

	if (st == NULL || fail(ecl_store_check(&r, st)) != 0)
		return NULL;
	problems = json_array();
	for (i = 0; problems != NULL && i < r->count; i++)
		json_array_append_new(problems, json_string(r->problems[i]));
	text = dump(json_pack("{s:i, s:i, s:o*}", "current", r->current_version,
	                      "expected", r->expected_version, "problems", problems));
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

static int severity_of(ecl_alert_severity *out, const char *name)
{
	if (name == NULL || strcmp(name, "warning") == 0)
		*out = ECL_ALERT_WARNING;
	else if (strcmp(name, "critical") == 0)
		*out = ECL_ALERT_CRITICAL;
	else if (strcmp(name, "info") == 0)
		*out = ECL_ALERT_INFO;
	else
		return fail(ecl_error_set(ECL_EINVALID, "unknown severity \"%.20s\" (info, warning, "
			"critical)", name));
	return 0;
}

char *eclb_alert_send(eclb_store *s, const char *type, const char *severity, const char *subject,
                      const char *body, const char *key)
{
	ecl_store *st = open_store(s);
	ecl_alert a = { type, ECL_ALERT_WARNING, subject, body, given(key) };
	ecl_alert_result r;
	json_t *channels;
	size_t i;
	int rc = st ? severity_of(&a.severity, severity) : -1;

	if (rc != 0)
		return NULL;
	rc = ecl_alert_send(&r, st, &a);
	if (rc != 0 && rc != ECL_EIO)   /* every channel failing is reported, not raised */
		return fail(rc), NULL;
	channels = json_array();
	for (i = 0; channels != NULL && i < r.channel_count; i++)
		json_array_append_new(channels, json_pack("{s:s, s:b, s:s}", "name", r.channels[i].name,
			"ok", r.channels[i].ok, "reason", r.channels[i].reason));
	return dump(json_pack("{s:b, s:i, s:i, s:o*}", "suppressed", r.suppressed,
	                      "channels_ok", r.channels_ok, "channels_failed", r.channels_failed,
	                      "channels", channels));
}

/* ---- jobs ----------------------------------------------------------------- */

static int job_options(ecl_job_options *o, const char *import_type, const char *priority)
{
	int rc = 0;

	ecl_job_options_init(o, ECL_JOB_OPTIONS_VERSION);
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

	if (st == NULL || job_options(&o, import_type, priority) != 0)
		return NULL;
	o.filename = given(filename);
	o.file_path = file_path;
	o.user_id = (int64_t)user_id;
	o.dry_run = dry_run;
	o.notes = given(notes);
	o.tags = given(tags_json);
	o.metadata = given(metadata_json);
	o.max_retries = max_retries;
	o.profile = given(profile);
	o.meter = given(meter);
	if (given(clock) != NULL && fail(ecl_clock_mode_parse(&o.clock, clock)) != 0)
		return NULL;
	if (fail(ecl_job_create(batch_id, st, &o)) != 0)
		return NULL;
	return dup_or_fail(batch_id);
}

char *eclb_job_get(eclb_store *s, const char *batch_id)
{
	ecl_store *st = open_store(s);
	ecl_buf b = ECL_BUF_INIT;
	ecl_job *job = NULL;
	char *text = NULL;

	if (st != NULL && fail(ecl_job_get(&job, st, batch_id)) == 0
	    && fail(ecl_job_to_json(&b, job)) == 0)
		text = take(&b);
	ecl_job_free(job);
	ecl_buf_dispose(&b);
	return text;
}

/* The jobs' JSON objects joined into one array. */
static char *jobs_array(const ecl_job_array *jobs)
{
	json_t *array = json_array();
	ecl_buf b = ECL_BUF_INIT;
	size_t i;

	for (i = 0; array != NULL && i < jobs->count; i++) {
		if (fail(ecl_job_to_json(&b, &jobs->jobs[i])) != 0) {
			json_decref(array);
			array = NULL;
		} else {
			json_array_append_new(array, json_loads(b.ptr, 0, NULL));
		}
	}
	ecl_buf_dispose(&b);
	return array ? dump(array) : NULL;
}

char *eclb_job_list(eclb_store *s, const char *status, int limit, const char *priority)
{
	ecl_store *st = open_store(s);
	ecl_job_list_options o = ECL_JOB_LIST_OPTIONS_INIT;
	ecl_job_array *jobs = NULL;
	ecl_job_status wanted;
	ecl_priority level;
	char *text = NULL;
	int rc = st ? 0 : -1;

	if (rc == 0 && given(status) != NULL && (rc = fail(ecl_job_status_parse(&wanted, status))) == 0)
		o.status = (int)wanted;
	if (rc == 0 && given(priority) != NULL && (rc = fail(ecl_priority_parse(&level, priority))) == 0)
		o.priority = (int)level;
	if (rc == 0 && limit < 0)
		rc = fail_with(ECL_EINVALID, "limit must be >= 0");
	o.limit = limit > 0 ? (size_t)limit : 0;
	if (rc == 0 && fail(ecl_job_list(&jobs, st, &o)) == 0)
		text = jobs_array(jobs);
	ecl_job_array_free(jobs);
	return text;
}

char *eclb_job_counts(eclb_store *s)
{
	ecl_store *st = open_store(s);
	ecl_job_status_counts c;

	if (st == NULL || fail(ecl_job_count_by_status(&c, st)) != 0)
		return NULL;
	return dump(json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
		"queued", (json_int_t)c.queued, "processing", (json_int_t)c.processing,
		"completed", (json_int_t)c.completed, "failed", (json_int_t)c.failed,
		"cancelled", (json_int_t)c.cancelled, "total", (json_int_t)c.total));
}

/* An instant as the job records show it: "YYYY-MM-DD HH:MM:SS" (UTC), null
 * when unset. */
static json_t *instant_json(int64_t t)
{
	char text[32];
	struct tm tm;
	time_t secs = (time_t)t;

	if (t == ECL_TIME_NONE || gmtime_r(&secs, &tm) == NULL
	    || strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return json_null();
	return json_string(text);
}

/* A string from the store (null for NULL). Text that is not UTF-8 (a
 * worker id or a message quoting raw file bytes) keeps its ASCII and gets
 * U+FFFD for every other byte, rather than failing the whole call. */
static json_t *text_json(const char *text)
{
	json_t *value;
	char *clean, *out;
	const unsigned char *p;

	if (text == NULL)
		return json_null();
	if ((value = json_string(text)) != NULL)
		return value;
	clean = malloc(strlen(text) * 3 + 1);
	if (clean == NULL)
		return NULL;
	for (p = (const unsigned char *)text, out = clean; *p != '\0'; p++) {
		if (*p < 0x80) {
			*out++ = (char)*p;
		} else {
			memcpy(out, "\xef\xbf\xbd", 3);
			out += 3;
		}
	}
	*out = '\0';
	value = json_string(clean);
	free(clean);
	return value;
}

/* obj[key] = value, taken over; any failure (a NULL value included) clears *ok. */
static void put(json_t *obj, const char *key, json_t *value, int *ok)
{
	if (json_object_set_new(obj, key, value) != 0)
		*ok = 0;
}

static json_t *attempt_json(const ecl_job_attempt *a)
{
	const char *outcome = ecl_job_status_name(a->outcome);
	json_t *obj = json_object();
	int ok = obj != NULL;

	put(obj, "attempt", json_integer(a->attempt), &ok);
	put(obj, "worker_id", text_json(a->worker_id), &ok);
	put(obj, "started_at", instant_json(a->started_at), &ok);
	put(obj, "ended_at", instant_json(a->ended_at), &ok);
	put(obj, "outcome", outcome ? json_string(outcome) : json_null(), &ok);
	put(obj, "error_message", text_json(a->error_message), &ok);
	put(obj, "error_class", text_json(a->error_class), &ok);
	put(obj, "processed_rows", json_integer((json_int_t)a->processed_rows), &ok);
	put(obj, "imported_rows", json_integer((json_int_t)a->imported_rows), &ok);
	put(obj, "failed_rows", json_integer((json_int_t)a->failed_rows), &ok);
	if (!ok) {
		json_decref(obj);
		obj = NULL;
	}
	return obj;
}

char *eclb_job_attempts(eclb_store *s, const char *batch_id)
{
	ecl_store *st = open_store(s);
	ecl_job_attempt_array *attempts = NULL;
	json_t *array, *item;
	size_t i;

	if (st == NULL || fail(ecl_job_attempts(&attempts, st, batch_id)) != 0)
		return NULL;
	array = json_array();
	for (i = 0; array != NULL && i < attempts->count; i++) {
		item = attempt_json(&attempts->attempts[i]);
		if (item == NULL || json_array_append_new(array, item) != 0) {
			json_decref(array);
			array = NULL;
		}
	}
	ecl_job_attempt_array_free(attempts);
	return dump(array);
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

/* ---- ingestion -------------------------------------------------------------- */

static int policy(ecl_ingest_options *o, const char *unknown_meters, const char *negatives)
{
	int rc = 0;

	if (given(unknown_meters) == NULL || strcmp(unknown_meters, "create") == 0)
		o->unknown_meters = ECL_UNKNOWN_METER_CREATE;
	else if (strcmp(unknown_meters, "reject-row") == 0)
		o->unknown_meters = ECL_UNKNOWN_METER_REJECT_ROW;
	else if (strcmp(unknown_meters, "reject-file") == 0)
		o->unknown_meters = ECL_UNKNOWN_METER_REJECT_FILE;
	else
		rc = fail(ecl_error_set(ECL_EINVALID, "unknown_meters \"%.20s\" is not create, reject-row "
			"or reject-file", unknown_meters));
	if (rc == 0 && (given(negatives) == NULL || strcmp(negatives, "accept") == 0))
		o->negatives = ECL_NEGATIVE_ACCEPT;
	else if (rc == 0 && strcmp(negatives, "reject") == 0)
		o->negatives = ECL_NEGATIVE_REJECT;
	else if (rc == 0)
		rc = fail(ecl_error_set(ECL_EINVALID, "negatives \"%.20s\" is not accept or reject",
			negatives));
	return rc;
}

static char *ingest_report(const ecl_ingest_report *r)
{
	json_t *summary = r->summary ? json_loads(r->summary, 0, NULL) : NULL;

	return dump(json_pack("{s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		"s:o*}",
		"batch_id", r->batch_id, "format", r->format, "profile", r->profile, "dry_run", r->dry_run,
		"successful", r->successful,
		"records_processed", (json_int_t)r->records_processed,
		"records_imported", (json_int_t)r->records_imported,
		"records_failed", (json_int_t)r->records_failed,
		"values_processed", (json_int_t)r->values_processed,
		"inserted", (json_int_t)r->inserted, "updated", (json_int_t)r->updated,
		"unchanged", (json_int_t)r->unchanged, "meters_created", (json_int_t)r->meters_created,
		"negative_values", (json_int_t)r->negative_values,
		"error_count", (json_int_t)r->error_count,
		"records_skipped", (json_int_t)r->records_skipped, "summary", summary));
}

char *eclb_ingest(eclb_store *s, const char *path, const char *import_type, int dry_run,
                  const char *unknown_meters, const char *negatives, int overwrite_actual,
                  int month_first, int interval_end, int batch_size, eclb_callback *progress,
                  const char *profile, const char *meter, const char *clock)
{
	ecl_store *st = open_store(s);
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r = NULL;
	char *text = NULL;
	int rc = st ? policy(&o, unknown_meters, negatives) : -1;

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
		text = ingest_report(r);
	ecl_ingest_report_free(r);
	eclb_callback_free(progress);
	return text;
}

/* ---- import profiles ---------------------------------------------------------------- */

static char *buf_result(int rc, ecl_buf *b)
{
	char *text = fail(rc) == 0 ? take(b) : NULL;

	ecl_buf_dispose(b);
	return text;
}

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
	ecl_aggregate_options o = ECL_AGGREGATE_OPTIONS_INIT;
	ecl_aggregate_report *r = NULL;
	ecl_buf b = ECL_BUF_INIT;
	ecl_range which;
	char *text = NULL;

	if (st == NULL || fail(ecl_range_parse(&which, range ? range : "daily")) != 0)
		return NULL;
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
                  int send_alerts)
{
	ecl_store *st = open_store(s);
	ecl_health_options o = ECL_HEALTH_OPTIONS_INIT;
	ecl_health_report *r = NULL;
	ecl_buf b = ECL_BUF_INIT;
	char *text = NULL;

	if (st == NULL)
		return NULL;
	if (stuck_minutes > 0)
		o.stuck_minutes = stuck_minutes;
	if (backlog_threshold > 0)
		o.backlog_threshold = backlog_threshold;
	o.handle_stuck = handle_stuck;
	o.send_alerts = send_alerts;
	if (fail(ecl_health_check(&r, st, &o)) == 0 && fail(ecl_health_report_to_json(&b, r)) == 0)
		text = take(&b);
	ecl_health_report_free(r);
	ecl_buf_dispose(&b);
	return text;
}

char *eclb_cleanup(eclb_store *s, int days, int dry_run, const char *storage_dir)
{
	ecl_store *st = open_store(s);
	ecl_cleanup_options o = ECL_CLEANUP_OPTIONS_INIT;
	ecl_cleanup_report *r = NULL;
	ecl_buf b = ECL_BUF_INIT;
	char *text = NULL;

	if (st == NULL)
		return NULL;
	o.days = days;
	o.dry_run = dry_run;
	o.storage_dir = given(storage_dir);
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
	json_t *array;
	size_t i;

	if (st == NULL || fail(ecl_execution_list(&list, st, limit)) != 0)
		return NULL;
	array = json_array();
	for (i = 0; array != NULL && i < list->count; i++)
		if (fail(ecl_execution_to_json(&b, &list->executions[i])) == 0)
			json_array_append_new(array, json_loads(b.ptr, 0, NULL));
	ecl_buf_dispose(&b);
	ecl_execution_array_free(list);
	return dump(array);
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
	ecl_worker_options o = ECL_WORKER_OPTIONS_INIT;
	ecl_store *st = open_store(s);
	eclb_worker *w = st ? calloc(1, sizeof(*w)) : NULL;

	if (w == NULL) {
		if (st != NULL)
			fail_with(ECL_ENOMEM, "out of memory for a worker");
		eclb_callback_free(progress);
		return NULL;
	}
	o.worker_id = given(worker_id);
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

	memset(&r, 0, sizeof(r));
	char *text = NULL;
	int rc;

	if (w == NULL || open_store(w->store) == NULL)
		return w == NULL ? (fail_with(ECL_EINVALID, "no worker given"), NULL) : NULL;
	eclb_store_enter(w->store);
	rc = fail(ecl_worker_process(w->worker, limit, &r));
	eclb_store_leave(w->store);
	if (rc != 0)
		return NULL;
	text = dump(json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "claimed", (json_int_t)r.claimed,
		"completed", (json_int_t)r.completed, "failed", (json_int_t)r.failed,
		"requeued", (json_int_t)r.requeued, "cancelled", (json_int_t)r.cancelled,
		"released", (json_int_t)r.released));
	return text;
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
