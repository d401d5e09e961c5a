/*
 * Collecting data feeds (ecl_source_collect(), docs/feeds.md).
 *
 * A collector leases one due source at a time from the store, so that many
 * workers on many hosts poll each source once, and for each:
 * 1. settles the files of earlier polls whose jobs have finished: the
 *    source's after-action (keep, delete, move) for a completed job, never
 *    for a failed or cancelled one;
 * 2. lists the folder and picks the files matching the pattern that no
 *    record of the source names with the same size and time;
 * 3. looks at those again after a short wait, and takes each that held
 *    still (collect_take.c): a file still growing is left for the next poll;
 * 4. records the poll and gives the lease back with the next due time.
 * A source whose server fails is recorded with its error; the others run.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eclectyc/source.h"
#include "feeds/collect_internal.h"
#include "feeds/source_internal.h"
#include "queue/job_internal.h"
#include "util/strutil.h"

/* Files settled per poll at most: the rest wait for the next one. */
#define SETTLE_LIMIT 200

static const ecl_collect_options default_options = ECL_COLLECT_OPTIONS_INIT;

/* ---- a poll's error ---------------------------------------------------------- */

/* Keep the library's last error as the poll's (the latest wins). */
static void note_error(ecl__collect *c)
{
	char *message = ecl__strdup(ecl_error_last());

	if (message == NULL)
		return;
	free(c->poll.error);
	c->poll.error = message;
	ecl__log(&c->store->logger, ECL_LOG_WARN, "source %s: %s", c->source->name, message);
}

/* The credentials the source names, from the environment. */
static int read_auth(ecl__collect *c)
{
	const ecl_source *s = c->source;

	memset(&c->auth, 0, sizeof(c->auth));
	c->auth.ssh_key = s->ssh_key;
	c->auth.known_hosts = s->known_hosts;
	c->auth.ca_file = s->ca_file;
	if (s->user_env != NULL && (c->auth.user = getenv(s->user_env)) == NULL)
		return ecl_error_set(ECL_EINVALID, "the environment variable %s (the user of source"
			" %s) is not set", s->user_env, s->name);
	if (s->password_env != NULL && (c->auth.password = getenv(s->password_env)) == NULL)
		return ecl_error_set(ECL_EINVALID, "the environment variable %s (the password of"
			" source %s) is not set", s->password_env, s->name);
	return 0;
}

/* ---- 1. settling what earlier polls queued ----------------------------------- */

/* The after-action of one file whose job completed: its new state and why. */
static ecl_source_file_state after_action(ecl__collect *c, const ecl_source_file *f,
                                          char *reason, size_t size)
{
	const ecl_source *s = c->source;
	int rc = 0;

	reason[0] = '\0';
	if (s->after == ECL_SOURCE_DELETE)
		rc = ecl__remote_delete(s->url, f->name, &c->auth);
	else if (s->after == ECL_SOURCE_MOVE)
		rc = ecl__remote_move(s->url, f->name, s->after_dir, &c->auth);
	if (rc == ECL_ENOTFOUND)
		snprintf(reason, size, "no longer on the server");
	else if (rc != 0)
		snprintf(reason, size, "%s", ecl_error_last());
	return rc != 0 && rc != ECL_ENOTFOUND ? ECL_SOURCE_FILE_AFTER_FAILED : ECL_SOURCE_FILE_DONE;
}

static int settle_one(ecl__collect *c, const ecl_source_file *f)
{
	ecl_source_file_state state = ECL_SOURCE_FILE_KEPT;
	char reason[1024];

	if (f->job_status == ECL_JOB_COMPLETED)
		state = after_action(c, f, reason, sizeof(reason));
	else
		snprintf(reason, sizeof(reason), "its job %s %s: the file is left on the server",
			f->batch_id, f->job_status == ECL_JOB_FAILED ? "failed" : "was cancelled");
	if (state == ECL_SOURCE_FILE_AFTER_FAILED)
		ecl__log(&c->store->logger, ECL_LOG_WARN, "source %s: %s of %s failed: %s",
			c->source->name, ecl_source_after_name(c->source->after), f->name, reason);
	return ecl__source_file_settle(c->store, f->id, state, reason[0] ? reason : NULL,
		ecl_store_now(c->store));
}

static int settle(ecl__collect *c, size_t *settled)
{
	ecl_source_file_array files = { NULL, 0 };
	size_t i;
	int rc = ecl__source_files_to_settle(c->store, c->source->id, SETTLE_LIMIT, &files);

	for (i = 0; rc == 0 && i < files.count; i++) {
		rc = settle_one(c, &files.files[i]);
		*settled += rc == 0;
	}
	for (i = 0; i < files.count; i++)
		ecl_source_file_clear(&files.files[i]);
	free(files.files);
	return rc;
}

/* ---- 2, 3. listing, looking twice, taking -------------------------------------- */

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) != 0)
		;
}

/* Whether `f` is new to the source: it matches the pattern (a leading dot
 * only by a pattern that says so: uploads in progress are often hidden)
 * and no record names it with the same size and time. */
static int is_new(ecl__collect *c, const ecl__remote_file *f, int *fresh)
{
	const char *pattern = c->source->pattern ? c->source->pattern : "*";
	ecl_source_file before;
	int found = 0, rc = 0;

	*fresh = 0;
	if (fnmatch(pattern, f->name, FNM_PERIOD) != 0)
		return 0;
	c->poll.seen++;
	memset(&before, 0, sizeof(before));
	rc = ecl__source_file_find(c->store, c->source->id, f->name, f->size, f->mtime, NULL, &before,
		&found);
	ecl_source_file_clear(&before);
	*fresh = rc == 0 && !found;
	c->poll.skipped += rc == 0 && found;
	return rc;
}

/* The second look at a new file, and taking it when it held still. */
static int look_again(ecl__collect *c, const ecl__remote_file *first)
{
	ecl__remote_file now = { NULL, -1, 0 };
	int taken = 0, rc = ecl__remote_stat(c->source->url, first->name, &c->auth, &now);
	const char *why = NULL;

	if (rc == ECL_ENOTFOUND)
		why = "it was removed before it could be taken";
	else if (rc == 0 && (now.size != first->size || now.mtime != first->mtime))
		why = "it is still being written (its size or time changed): left for the next poll";
	else if (rc == 0)
		rc = ecl__collect_take(c, first, &taken);
	if (rc == ECL_ESTATE) {
		why = ecl_error_last();
		rc = 0;
	}
	if (why != NULL)
		ecl__log(&c->store->logger, ECL_LOG_INFO, "source %s: %s skipped: %s", c->source->name,
			first->name, why);
	c->poll.taken += taken;
	c->poll.skipped += rc == 0 && !taken;
	free(now.name);
	return rc == ECL_ENOTFOUND ? 0 : rc;
}

static int look(ecl__collect *c, int settle_ms)
{
	ecl__remote_file *files = NULL;
	size_t count = 0, i, fresh_count = 0;
	int *fresh = NULL, rc = ecl__remote_list(c->source->url, &c->auth, &files, &count);

	if (rc == 0 && count > 0 && (fresh = calloc(count, sizeof(*fresh))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory listing source %s", c->source->name);
	for (i = 0; rc == 0 && i < count; i++) {
		rc = is_new(c, &files[i], &fresh[i]);
		fresh_count += fresh[i];
	}
	if (rc == 0 && fresh_count > 0)
		sleep_ms(settle_ms);
	/* One file's failed transfer does not stop the others. */
	for (i = 0; rc == 0 && i < count; i++)
		if (fresh[i] && look_again(c, &files[i]) != 0)
			note_error(c);
	free(fresh);
	ecl__remote_files_free(files, count);
	return rc;
}

/* ---- a poll ------------------------------------------------------------------ */

static int poll_source(ecl_store *store, const ecl_source *source, const ecl_collect_options *o,
                       ecl_collect_report *report)
{
	ecl__collect c;
	int64_t next;
	int rc;

	memset(&c, 0, sizeof(c));
	c.store = store;
	c.source = source;
	c.worker_id = o->worker_id;
	c.poll.source_id = source->id;
	c.poll.worker_id = (char *)o->worker_id;
	c.poll.started_at = ecl_store_now(store);
	rc = read_auth(&c);
	if (rc == 0)
		rc = settle(&c, &report->settled);
	if (rc == 0)
		rc = look(&c, o->settle_ms);
	if (rc != 0)
		note_error(&c);
	c.poll.ended_at = ecl_store_now(store);
	next = c.poll.ended_at + (source->every_seconds > 0 ? source->every_seconds : 900);
	rc = ecl__source_release(store, &c.poll, o->worker_id, next);
	if (rc == ECL_ESTATE) {
		/* Its lease ran out and another collector has it now: that one records. */
		ecl__log(&store->logger, ECL_LOG_WARN, "source %s: %s", source->name, ecl_error_last());
		rc = 0;
	}
	report->sources++;
	report->failed += c.poll.error != NULL;
	report->seen += (size_t)c.poll.seen;
	report->taken += (size_t)c.poll.taken;
	report->skipped += (size_t)c.poll.skipped;
	ecl__log(&store->logger, c.poll.error ? ECL_LOG_WARN : ECL_LOG_INFO,
		"source %s polled: %d seen, %d taken, %d skipped%s%s", source->name, c.poll.seen,
		c.poll.taken, c.poll.skipped, c.poll.error ? "; failed: " : "",
		c.poll.error ? c.poll.error : "");
	free(c.poll.error);
	return rc;
}

/* Lease the named source, or the next one due at `start` (*claimed = 0:
 * none). Due at the collect's start, not now: a source polled by this call
 * is due again only after it, however short its interval. */
static int lease(ecl_store *store, const ecl_collect_options *o, int64_t start, ecl_source *out,
                 int *claimed)
{
	int rc = ecl__source_claim(store, o->source, o->worker_id, start,
		ecl_store_now(store) + o->lease_seconds, out, claimed);
	ecl_source *named = NULL;

	if (rc != 0 || *claimed || o->source == NULL)
		return rc;
	/* Why the named one could not be leased. */
	rc = ecl_source_get(&named, store, o->source);
	if (rc == 0 && named->paused)
		rc = ecl_error_set(ECL_ESTATE, "source %s is paused: resume it first", o->source);
	else if (rc == 0)
		rc = ecl_error_set(ECL_EBUSY, "source %s is being collected by %s", o->source,
			named->lease_owner ? named->lease_owner : "another collector");
	ecl_source_free(named);
	return rc;
}

static int check_options(const ecl_collect_options *o, ecl_collect_options *full, char *id,
                         size_t id_size)
{
	char host[256] = "";

	*full = default_options;
	if (o != NULL && o->version != ECL_COLLECT_OPTIONS_VERSION)
		return ecl_error_set(ECL_EINVALID, "ecl_collect_options version %u is not %d", o->version,
			ECL_COLLECT_OPTIONS_VERSION);
	if (o != NULL)
		*full = *o;
	if (full->settle_ms < 0)
		full->settle_ms = 2000;
	if (full->lease_seconds <= 0)
		full->lease_seconds = 600;
	if (full->worker_id == NULL) {
		gethostname(host, sizeof(host) - 1);
		snprintf(id, id_size, "%s:%ld", host, (long)getpid());
		full->worker_id = id;
	}
	return 0;
}

int ecl_source_collect(ecl_collect_report *report, ecl_store *store, const ecl_collect_options *opts)
{
	ecl_collect_options o;
	ecl_source source;
	char id[320];
	int64_t start = 0;
	int claimed = 1, rc = ecl__job_check_store(store);

	if (report == NULL)
		return ecl_error_set(ECL_EINVALID, "the collect report is NULL");
	memset(report, 0, sizeof(*report));
	if (rc == 0)
		rc = check_options(opts, &o, id, sizeof(id));
	if (rc == 0 && store->storage_root == NULL)
		rc = ecl_error_set(ECL_EINVALID, "collecting needs a storage root to keep the files in"
			" (ECLECTYC_STORAGE_DIR, or the store option storage_root)");
	if (rc == 0)
		start = ecl_store_now(store);
	while (rc == 0 && claimed) {
		memset(&source, 0, sizeof(source));
		rc = lease(store, &o, start, &source, &claimed);
		if (rc == 0 && claimed)
			rc = poll_source(store, &source, &o, report);
		ecl_source_clear(&source);
		if (o.source != NULL)
			break;
	}
	return rc;
}
