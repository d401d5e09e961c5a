/*
 * Taking one file a source offers (collect.c): it is streamed into the
 * storage root under a temporary name, its bytes checked against what the
 * server said before and after, and its SHA-256 against what the source
 * gave before; then it gets its final name and is queued as a job with its
 * file record in one transaction, so that two collectors racing for it
 * queue it once. Whatever goes wrong, the partial or unwanted copy is
 * removed and nothing is queued.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "eclectyc/source.h"
#include "feeds/collect_internal.h"
#include "feeds/source_internal.h"
#include "queue/job_internal.h"
#include "util/strutil.h"

/* mkdir -p of `path` (a directory), each level 0750. */
static int make_dirs(const char *path)
{
	char *copy = ecl__strdup(path), *p;
	int rc = 0;

	if (copy == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory storing a feed's file");
	for (p = copy + 1; rc == 0 && *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0750) != 0 && errno != EEXIST)
			rc = ecl_error_set(ECL_EIO, "creating %s: %s", copy, strerror(errno));
		*p = '/';
	}
	if (rc == 0 && mkdir(copy, 0750) != 0 && errno != EEXIST)
		rc = ecl_error_set(ECL_EIO, "creating %s: %s", copy, strerror(errno));
	free(copy);
	return rc;
}

/* <root>/feeds/<source>/<YYYYmmddTHHMMSSZ>-<name>, its folder made. */
static int stored_path(char **out, const ecl__collect *c, const char *name)
{
	char stamp[32], *dir = NULL;
	time_t now = (time_t)ecl_store_now(c->store);
	struct tm tm;
	int rc;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	*out = NULL;
	if (asprintf(&dir, "%s/feeds/%s", c->store->storage_root, c->source->name) < 0)
		return ecl_error_set(ECL_ENOMEM, "out of memory storing a feed's file");
	rc = make_dirs(dir);
	if (rc == 0 && asprintf(out, "%s/%s-%s", dir, stamp, name) < 0) {
		*out = NULL;
		rc = ecl_error_set(ECL_ENOMEM, "out of memory storing a feed's file");
	}
	free(dir);
	return rc;
}

/* Stream the file to `part`; ECL_ESTATE when the server's size or time
 * moved during the download, or the bytes are not the size it announced. */
static int download(ecl__collect *c, const ecl__remote_file *looked, const char *part,
                    char sha256[65])
{
	ecl__remote_file after = { NULL, -1, 0 };
	int64_t bytes = 0;
	int fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	int rc = fd < 0 ? ecl_error_set(ECL_EIO, "creating %s: %s", part, strerror(errno)) : 0;

	if (rc == 0)
		rc = ecl__remote_fetch(c->source->url, looked->name, &c->auth, fd, &bytes, sha256);
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = ecl_error_set(ECL_EIO, "writing %s: %s", part, strerror(errno));
	if (rc == 0)
		rc = ecl__remote_stat(c->source->url, looked->name, &c->auth, &after);
	if (rc == 0 && (after.size != looked->size || after.mtime != looked->mtime
	                || (looked->size >= 0 && bytes != looked->size)))
		rc = ecl_error_set(ECL_ESTATE, "%s changed while it was downloaded (%lld bytes, the"
			" server said %lld, then %lld)", looked->name, (long long)bytes,
			(long long)looked->size, (long long)after.size);
	free(after.name);
	return rc;
}

/* The job of a taken file, as the source says its files are read. */
static int build_job(ecl_job *job, ecl__collect *c, const ecl__remote_file *f, const char *path)
{
	const ecl_source *s = c->source;
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	json_t *meta = json_pack("{s:s, s:s}", "source", s->name, "remote_name", f->name);
	char *metadata = meta ? json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int rc;

	o.file_path = path;
	o.filename = f->name;
	o.import_type = s->import_type;
	o.priority = s->priority;
	o.tags = s->tags;
	o.metadata = metadata;
	o.profile = s->import_profile;
	o.meter = s->import_meter;
	rc = metadata ? ecl__job_build(job, c->store, &o)
	              : ecl_error_set(ECL_ENOMEM, "out of memory queueing a feed's file");
	free(metadata);
	json_decref(meta);
	return rc;
}

/* The record of file `f` of the poll's source, in `state`; its strings
 * borrowed from `f` and the caller. */
static void fill_record(ecl_source_file *rec, const ecl__collect *c, const ecl__remote_file *f,
                        const char *sha256, ecl_source_file_state state)
{
	memset(rec, 0, sizeof(*rec));
	rec->source_id = c->source->id;
	rec->name = f->name;
	rec->size = f->size;
	rec->mtime = f->mtime;
	snprintf(rec->sha256, sizeof(rec->sha256), "%s", sha256);
	rec->state = state;
	rec->seen_at = ecl_store_now(c->store);
}

/* Record a file the source offered that is not taken (the same bytes as
 * one it gave before); EEXISTS means another collector recorded it. */
static int record_skipped(ecl__collect *c, const ecl__remote_file *f, const char *sha256,
                          const char *reason)
{
	ecl_source_file rec;
	int rc;

	fill_record(&rec, c, f, sha256, ECL_SOURCE_FILE_SKIPPED);
	rec.reason = (char *)reason;
	rc = ecl__source_file_record(c->store, &rec, NULL);
	return rc == ECL_EEXISTS ? 0 : rc;
}

/* The same bytes as a file the source gave before: skipped, recorded why. */
static int skip_duplicate(ecl__collect *c, const ecl__remote_file *f, const char *sha256, int *dup)
{
	ecl_source_file before;
	char reason[512];
	int rc;

	memset(&before, 0, sizeof(before));
	rc = ecl__source_file_find(c->store, c->source->id, f->name, f->size, f->mtime, sha256,
		&before, dup);
	if (rc == 0 && *dup) {
		snprintf(reason, sizeof(reason), "the same bytes as %s, seen before%s%s", before.name,
			before.batch_id[0] ? " as job " : "", before.batch_id);
		rc = record_skipped(c, f, sha256, reason);
		ecl__log(&c->store->logger, ECL_LOG_INFO, "source %s: %s skipped: %s", c->source->name,
			f->name, reason);
	}
	ecl_source_file_clear(&before);
	return rc;
}

/* Queue the stored file with its record; *taken = 0 when another collector
 * recorded it first. */
static int queue_file(ecl__collect *c, const ecl__remote_file *f, const char *path,
                      const char *sha256, int *taken)
{
	ecl_source_file rec;
	ecl_job job;
	int rc = build_job(&job, c, f, path);

	fill_record(&rec, c, f, sha256, ECL_SOURCE_FILE_QUEUED);
	rec.stored_path = (char *)path;
	if (rc == 0)
		memcpy(rec.batch_id, job.batch_id, ECL_BATCH_ID_SIZE);
	if (rc == 0)
		rc = ecl__source_file_record(c->store, &rec, &job);
	*taken = rc == 0;
	if (rc == 0)
		ecl__log(&c->store->logger, ECL_LOG_INFO, "source %s: %s queued as job %s (%lld bytes)",
			c->source->name, f->name, job.batch_id, (long long)f->size);
	if (rc == 0 || job.batch_id[0] != '\0')
		ecl_job_clear(&job);
	return rc == ECL_EEXISTS ? 0 : rc;
}

int ecl__collect_take(ecl__collect *c, const ecl__remote_file *f, int *taken)
{
	char sha256[65] = "", *path = NULL, *part = NULL;
	int dup = 0, rc = stored_path(&path, c, f->name);

	*taken = 0;
	if (rc == 0 && asprintf(&part, "%s.part", path) < 0) {
		part = NULL;
		rc = ecl_error_set(ECL_ENOMEM, "out of memory storing a feed's file");
	}
	if (rc == 0)
		rc = download(c, f, part, sha256);
	if (rc == 0)
		rc = skip_duplicate(c, f, sha256, &dup);
	if (rc == 0 && !dup && rename(part, path) != 0)
		rc = ecl_error_set(ECL_EIO, "storing %s: %s", path, strerror(errno));
	if (rc == 0 && !dup)
		rc = queue_file(c, f, path, sha256, taken);
	/* Nothing half-written stays, nor a copy no job reads. */
	if (part != NULL)
		unlink(part);
	if (path != NULL && !*taken)
		unlink(path);
	free(part);
	free(path);
	return rc;
}
