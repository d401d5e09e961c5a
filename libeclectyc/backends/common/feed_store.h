/*
 * The data feeds' slots of include/eclectyc/sys/backend.h (source_add …
 * meters_stale), written once for every SQL backend over its `statement`
 * hook (statement.h) and the few things only it can say (ecl__feed_hooks).
 * A backend puts the ecl__common_source_* functions into its ecl_backend
 * table as they are.
 *
 * Claiming a source is one conditional UPDATE by id, in a write
 * transaction: the update matches only while the source is not paused, its
 * lease has ended and (unnamed) it is due, so of two claimers of one source
 * the second matches nothing, whatever the engine (SQLite's write lock;
 * PostgreSQL and MySQL re-check the row once the first commits), and then
 * looks for another.
 */
#ifndef ECL_BACKENDS_COMMON_FEED_STORE_H
#define ECL_BACKENDS_COMMON_FEED_STORE_H

#include "eclectyc/sys/backend.h"

typedef struct ecl__feed_hooks {
	/* Insert jobs as the job_insert slot does, in the caller's transaction
	 * (source_file_record queues a file's job with its record). */
	int (*job_insert)(ecl_backend_conn *conn, const ecl_job *jobs, size_t count);
	/* 1: an INSERT gives its id by "RETURNING id"; 0: by the statement
	 * hook's inserted_id. */
	int returning;
	/* meters_stale: ?1 the cutoff and ?2 the limit (64-bit integers); rows
	 * (mpan, latest as Unix seconds), oldest first. */
	const char *meters_stale;
} ecl__feed_hooks;

int ecl__common_source_add(ecl_backend_conn *conn, const ecl_source *source, int64_t *id);
int ecl__common_source_get(ecl_backend_conn *conn, const char *name, ecl_source *out);
int ecl__common_source_list(ecl_backend_conn *conn, ecl_source_array *out);
int ecl__common_source_remove(ecl_backend_conn *conn, const char *name);
int ecl__common_source_set_paused(ecl_backend_conn *conn, const char *name, int paused);
int ecl__common_source_claim(ecl_backend_conn *conn, const char *name, const char *owner,
                             int64_t now, int64_t lease_until, ecl_source *out, int *claimed);
int ecl__common_source_release(ecl_backend_conn *conn, ecl_source_poll *poll, const char *owner,
                               int64_t next_poll_at);
int ecl__common_source_file_find(ecl_backend_conn *conn, int64_t source_id, const char *name,
                                 int64_t size, int64_t mtime, const char *sha256,
                                 ecl_source_file *out, int *found);
int ecl__common_source_file_record(ecl_backend_conn *conn, ecl_source_file *file,
                                   const ecl_job *job);
int ecl__common_source_files_to_settle(ecl_backend_conn *conn, int64_t source_id, size_t limit,
                                       ecl_source_file_array *out);
int ecl__common_source_file_settle(ecl_backend_conn *conn, int64_t file_id,
                                   ecl_source_file_state state, const char *reason,
                                   int64_t handled_at);
int ecl__common_source_files_recent(ecl_backend_conn *conn, int64_t source_id, size_t limit,
                                    ecl_source_file_array *out);
int ecl__common_source_polls_recent(ecl_backend_conn *conn, int64_t source_id, size_t limit,
                                    ecl_source_poll_array *out);
int ecl__common_meters_stale(ecl_backend_conn *conn, int64_t cutoff, size_t limit,
                             ecl_stale_meter_array *out);

/* The slots above, for a backend's ecl_backend initializer. */
#define ECL__COMMON_FEED_SLOTS \
	.source_add = ecl__common_source_add, \
	.source_get = ecl__common_source_get, \
	.source_list = ecl__common_source_list, \
	.source_remove = ecl__common_source_remove, \
	.source_set_paused = ecl__common_source_set_paused, \
	.source_claim = ecl__common_source_claim, \
	.source_release = ecl__common_source_release, \
	.source_file_find = ecl__common_source_file_find, \
	.source_file_record = ecl__common_source_file_record, \
	.source_files_to_settle = ecl__common_source_files_to_settle, \
	.source_file_settle = ecl__common_source_file_settle, \
	.source_files_recent = ecl__common_source_files_recent, \
	.source_polls_recent = ecl__common_source_polls_recent, \
	.meters_stale = ecl__common_meters_stale

#endif
