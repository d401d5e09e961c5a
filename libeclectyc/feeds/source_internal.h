/*
 * Data feeds inside the library: the store's source records as the
 * collector (feeds/collect.c) uses them. Each wrapper is one call of the
 * backend slot of the same name (include/eclectyc/sys/backend.h, where
 * each is documented) on the store's connection, through ECL__BACKEND(),
 * so a backend without the slot answers ECL_ENOTSUPPORTED naming it.
 * Instants are the caller's (the store's clock, ecl_store_now()).
 */
#ifndef ECL_FEEDS_SOURCE_INTERNAL_H
#define ECL_FEEDS_SOURCE_INTERNAL_H

#include "eclectyc/source.h"

/* The default of ecl_source_options.every_seconds, and how many files and
 * polls ecl_source_files() and ecl_source_polls() give when asked for 0. */
#define ECL__SOURCE_EVERY_DEFAULT 900
#define ECL__SOURCE_LIST_DEFAULT 20

/* Lease the source `name` (NULL: the due one polled longest ago) to
 * `owner` until `lease_until`: *claimed = 1 with `out` filled (free with
 * ecl_source_clear()), or 0 when there is none to lease. */
int ecl__source_claim(ecl_store *store, const char *name, const char *owner, int64_t now,
                      int64_t lease_until, ecl_source *out, int *claimed);

/* Record `poll` (setting poll->id), end owner's lease and set the source's
 * next poll; ECL_ESTATE, nothing written, when `owner` lost the lease. */
int ecl__source_release(ecl_store *store, ecl_source_poll *poll, const char *owner,
                        int64_t next_poll_at);

/* The record of a file source `source_id` offered before: same name, size
 * and mtime, or (sha256 not NULL) the same bytes. *found = 0 when none. */
int ecl__source_file_find(ecl_store *store, int64_t source_id, const char *name, int64_t size,
                          int64_t mtime, const char *sha256, ecl_source_file *out, int *found);

/* Record `file` (setting file->id) and queue `job` (may be NULL) in one
 * transaction; ECL_EEXISTS, nothing written, when it is recorded already. */
int ecl__source_file_record(ecl_store *store, ecl_source_file *file, const ecl_job *job);

/* Up to `limit` QUEUED files of `source_id` whose job ended, oldest first. */
int ecl__source_files_to_settle(ecl_store *store, int64_t source_id, size_t limit,
                                ecl_source_file_array *out);

/* Set a file record's state, reason and handled_at. */
int ecl__source_file_settle(ecl_store *store, int64_t file_id, ecl_source_file_state state,
                            const char *reason, int64_t handled_at);

/* Up to `limit` active meters whose latest reading starts before `cutoff`. */
int ecl__meters_stale(ecl_store *store, int64_t cutoff, size_t limit, ecl_stale_meter_array *out);

/* ---- for source.c: checking a source before it is added (source_check.c) ---- */

/*
 * Fill `row` (zeroed by the caller) from a source's name, URL and options
 * (the caller's version, read through ecl__options_copy()), checked: the
 * name, the URL's scheme and host, the options that go together, paths,
 * environment variable names, tags as a JSON array text, the import profile
 * and meter. Every refusal is ECL_EINVALID naming the option and its value
 * (never a password). The strings of `row` are owned by it, also on failure
 * (ecl_source_clear()).
 */
int ecl__source_build(ecl_source *row, const char *name, const char *url,
                      const ecl_source_options *opts);

/* ECL_EINVALID unless `name` is a source name: 1 to 64 letters, digits,
 * '.', '_' or '-'. */
int ecl__source_check_name(const char *name);

#endif
