/* A job as JSON, shaped like the reference's job row (getJob). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "buffer_internal.h"
#include "eclectyc/job.h"
#include "eclectyc/sys/errors.h"

static json_t *json_instant(int64_t t)
{
	char text[32];
	struct tm tm;
	time_t secs = (time_t)t;

	if (t == ECL_TIME_NONE || gmtime_r(&secs, &tm) == NULL)
		return json_null();
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm);
	return json_string(text);
}

/* Length of the valid UTF-8 sequence at `p`, or 0 when it is not one
 * (overlong forms and surrogates included, as jansson rejects them). */
static size_t utf8_sequence(const unsigned char *p)
{
	size_t len, i;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
	    || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* Text from a file name or an error message need not be UTF-8 (a Windows
 * upload, a raw CSV cell); JSON must be. Invalid bytes become U+FFFD. */
static json_t *json_sanitised(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	ecl_buf clean = ECL_BUF_INIT;
	json_t *value = NULL;
	int rc = 0;

	while (rc == 0 && *p != '\0') {
		size_t len = utf8_sequence(p);
		rc = len ? ecl__buf_put(&clean, (const char *)p, len)
		         : ecl__buf_puts(&clean, "\xef\xbf\xbd");
		p += len ? len : 1;
	}
	if (rc == 0)
		value = json_string(clean.ptr ? clean.ptr : "");
	ecl_buf_dispose(&clean);
	return value;
}

static json_t *json_text(const char *text)
{
	json_t *value;

	if (text == NULL)
		return json_null();
	value = json_string(text);
	return value ? value : json_sanitised(text);
}

/* Stored JSON columns are decoded; text that does not parse (never written by
 * this library, but a hand-edited row might hold it) is passed on as a string. */
static json_t *json_decoded(const char *text)
{
	json_t *value;

	if (text == NULL)
		return json_null();
	value = json_loads(text, JSON_DECODE_ANY, NULL);
	return value ? value : json_string(text);
}

static double progress_percent(const ecl_job *job)
{
	if (job->total_rows <= 0)
		return 0.0;
	return round((double)job->processed_rows * 10000.0 / (double)job->total_rows) / 100.0;
}

/* Adds a member; remembers a failure (a NULL value is out of memory). */
static void put(json_t *o, const char *key, json_t *value, int *failed)
{
	if (value == NULL || json_object_set_new(o, key, value) != 0)
		*failed = 1;
}

static json_t *job_object(const ecl_job *job)
{
	json_t *o = json_object();
	int failed = o == NULL;

	if (failed)
		return NULL;

	put(o, "id", json_integer(job->id), &failed);
	put(o, "batch_id", json_text(job->batch_id), &failed);
	put(o, "user_id", job->user_id ? json_integer(job->user_id) : json_null(), &failed);
	put(o, "filename", json_text(job->filename), &failed);
	put(o, "file_path", json_text(job->file_path), &failed);
	put(o, "import_type", json_text(ecl_import_type_name(job->import_type)), &failed);
	put(o, "status", json_text(ecl_job_status_name(job->status)), &failed);
	put(o, "dry_run", json_boolean(job->dry_run), &failed);
	put(o, "total_rows",
		job->total_rows < 0 ? json_null() : json_integer(job->total_rows), &failed);
	put(o, "processed_rows", json_integer(job->processed_rows), &failed);
	put(o, "imported_rows", json_integer(job->imported_rows), &failed);
	put(o, "failed_rows", json_integer(job->failed_rows), &failed);
	put(o, "queued_at", json_instant(job->queued_at), &failed);
	put(o, "started_at", json_instant(job->started_at), &failed);
	put(o, "completed_at", json_instant(job->completed_at), &failed);
	put(o, "error_message", json_text(job->error_message), &failed);
	put(o, "summary", json_decoded(job->summary), &failed);
	put(o, "retry_count", json_integer(job->retry_count), &failed);
	put(o, "max_retries", json_integer(job->max_retries), &failed);
	put(o, "retry_at", json_instant(job->retry_at), &failed);
	put(o, "last_error", json_text(job->last_error), &failed);
	put(o, "notes", json_text(job->notes), &failed);
	put(o, "priority", json_text(ecl_priority_name(job->priority)), &failed);
	put(o, "tags", json_decoded(job->tags), &failed);
	put(o, "metadata", json_decoded(job->metadata), &failed);
	put(o, "alert_sent", json_boolean(job->alert_sent), &failed);
	put(o, "alert_sent_at", json_instant(job->alert_sent_at), &failed);
	put(o, "worker_id", json_text(job->worker_id), &failed);
	put(o, "heartbeat_at", json_instant(job->heartbeat_at), &failed);
	put(o, "cancel_requested", json_boolean(job->cancel_requested), &failed);
	put(o, "checkpoint", json_integer(job->checkpoint), &failed);
	put(o, "file_sha256", json_text(job->file_sha256), &failed);
	put(o, "error_class", json_text(job->error_class), &failed);
	put(o, "progress_percent", json_real(progress_percent(job)), &failed);
	if (failed) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

int ecl_job_to_json(ecl_buf *out, const ecl_job *job)
{
	json_t *object;
	char *text;
	int rc;

	if (out == NULL || job == NULL)
		return ecl_error_set(ECL_EINVALID, "job or output buffer is NULL");
	object = job_object(job);
	text = object ? json_dumps(object, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(object);
	if (text == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory encoding job %s as JSON", job->batch_id);
	rc = ecl__buf_set(out, text);
	free(text);
	return rc;
}
