/*
 * Data feeds in the store: adding, reading, listing, removing and pausing
 * sources, a source's latest files and polls (include/eclectyc/source.h),
 * and the thin wrappers the collector calls (source_internal.h). The
 * checks of a new source are source_check.c's; the records are the
 * backend's (its source_* slots), reached through ECL__BACKEND().
 */
#include <stdlib.h>
#include <string.h>

#include "eclectyc/sys/backend.h"
#include "feeds/source_internal.h"
#include "store/store_internal.h"

/* A store that can hold sources: ECL_ENOTSUPPORTED when its backend lacks
 * any source slot (checked before anything starts), else the schema. */
static int require_sources(ecl_store *store)
{
	if (store == NULL)
		return ecl_error_set(ECL_EINVALID, "store is NULL");
	return ecl__store_require(store, ECL__BACKEND_HAS(store, source_add)
		&& ECL__BACKEND_HAS(store, source_get) && ECL__BACKEND_HAS(store, source_list)
		&& ECL__BACKEND_HAS(store, source_remove) && ECL__BACKEND_HAS(store, source_set_paused)
		&& ECL__BACKEND_HAS(store, source_files_recent)
		&& ECL__BACKEND_HAS(store, source_polls_recent), "data feeds (sources)");
}

static int require_name(const char *name)
{
	if (name == NULL || *name == '\0')
		return ecl_error_set(ECL_EINVALID, "the source name is empty");
	return 0;
}

int ecl_source_add(ecl_store *store, const char *name, const char *url,
                   const ecl_source_options *opts)
{
	ecl_source row;
	int64_t id = 0;
	int rc = require_sources(store);

	memset(&row, 0, sizeof(row));
	if (rc == 0)
		rc = ecl__source_build(&row, name, url, opts);
	if (rc == 0) {
		row.created_at = ecl_store_now(store);
		rc = ECL__BACKEND(store, source_add, &row, &id);
	}
	ecl_source_clear(&row);
	return rc;
}

int ecl_source_get(ecl_source **out, ecl_store *store, const char *name)
{
	ecl_source *source = NULL;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "source output pointer is NULL");
	*out = NULL;
	rc = require_sources(store);
	if (rc == 0)
		rc = require_name(name);
	if (rc == 0 && (source = calloc(1, sizeof(*source))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading a source");
	if (rc == 0)
		rc = ECL__BACKEND(store, source_get, name, source);
	if (rc == 0)
		*out = source;
	else
		ecl_source_free(source);
	return rc;
}

int ecl_source_list(ecl_source_array **out, ecl_store *store)
{
	ecl_source_array *array = NULL;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "source list output pointer is NULL");
	*out = NULL;
	rc = require_sources(store);
	if (rc == 0 && (array = calloc(1, sizeof(*array))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory listing sources");
	if (rc == 0)
		rc = ECL__BACKEND(store, source_list, array);
	if (rc == 0)
		*out = array;
	else
		ecl_source_array_free(array);
	return rc;
}

int ecl_source_remove(ecl_store *store, const char *name)
{
	int rc = require_sources(store);

	if (rc == 0)
		rc = require_name(name);
	return rc == 0 ? ECL__BACKEND(store, source_remove, name) : rc;
}

int ecl_source_set_paused(ecl_store *store, const char *name, int paused)
{
	int rc = require_sources(store);

	if (rc == 0)
		rc = require_name(name);
	return rc == 0 ? ECL__BACKEND(store, source_set_paused, name, paused ? 1 : 0) : rc;
}

/* The id of the source `name`. */
static int source_id(ecl_store *store, const char *name, int64_t *id)
{
	ecl_source source;
	int rc;

	memset(&source, 0, sizeof(source));
	rc = require_sources(store);
	if (rc == 0)
		rc = require_name(name);
	if (rc == 0)
		rc = ECL__BACKEND(store, source_get, name, &source);
	*id = source.id;
	ecl_source_clear(&source);
	return rc;
}

/* A source's latest records: its files or its polls. */
typedef struct latest_list {
	size_t size;                 /* of the array struct */
	int (*fetch)(ecl_store *store, int64_t id, size_t limit, void *array);
	void (*dispose)(void *array);
	const char *what;
} latest_list;

static int latest(void **out, ecl_store *store, const char *name, size_t limit,
                  const latest_list *l)
{
	void *array = NULL;
	int64_t id = 0;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "%s output pointer is NULL", l->what);
	*out = NULL;
	rc = source_id(store, name, &id);
	if (rc == 0 && (array = calloc(1, l->size)) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory listing %s", l->what);
	if (rc == 0)
		rc = l->fetch(store, id, limit ? limit : ECL__SOURCE_LIST_DEFAULT, array);
	if (rc == 0)
		*out = array;
	else
		l->dispose(array);
	return rc;
}

static int fetch_files(ecl_store *store, int64_t id, size_t limit, void *array)
{
	return ECL__BACKEND(store, source_files_recent, id, limit, array);
}

static void dispose_files(void *array)
{
	ecl_source_file_array_free(array);
}

static int fetch_polls(ecl_store *store, int64_t id, size_t limit, void *array)
{
	return ECL__BACKEND(store, source_polls_recent, id, limit, array);
}

static void dispose_polls(void *array)
{
	ecl_source_poll_array_free(array);
}

int ecl_source_files(ecl_source_file_array **out, ecl_store *store, const char *name,
                     size_t limit)
{
	static const latest_list files = { sizeof(ecl_source_file_array), fetch_files, dispose_files,
		"a source's files" };

	return latest((void **)out, store, name, limit, &files);
}

int ecl_source_polls(ecl_source_poll_array **out, ecl_store *store, const char *name,
                     size_t limit)
{
	static const latest_list polls = { sizeof(ecl_source_poll_array), fetch_polls, dispose_polls,
		"a source's polls" };

	return latest((void **)out, store, name, limit, &polls);
}

/* ---- the collector's wrappers (source_internal.h) ----------------------------------- */

int ecl__source_claim(ecl_store *store, const char *name, const char *owner, int64_t now,
                      int64_t lease_until, ecl_source *out, int *claimed)
{
	return ECL__BACKEND(store, source_claim, name, owner, now, lease_until, out, claimed);
}

int ecl__source_release(ecl_store *store, ecl_source_poll *poll, const char *owner,
                        int64_t next_poll_at)
{
	return ECL__BACKEND(store, source_release, poll, owner, next_poll_at);
}

int ecl__source_file_find(ecl_store *store, int64_t source_id, const char *name, int64_t size,
                          int64_t mtime, const char *sha256, ecl_source_file *out, int *found)
{
	return ECL__BACKEND(store, source_file_find, source_id, name, size, mtime, sha256, out, found);
}

int ecl__source_file_record(ecl_store *store, ecl_source_file *file, const ecl_job *job)
{
	return ECL__BACKEND(store, source_file_record, file, job);
}

int ecl__source_files_to_settle(ecl_store *store, int64_t source_id, size_t limit,
                                ecl_source_file_array *out)
{
	return ECL__BACKEND(store, source_files_to_settle, source_id, limit, out);
}

int ecl__source_file_settle(ecl_store *store, int64_t file_id, ecl_source_file_state state,
                            const char *reason, int64_t handled_at)
{
	return ECL__BACKEND(store, source_file_settle, file_id, state, reason, handled_at);
}

int ecl__meters_stale(ecl_store *store, int64_t cutoff, size_t limit, ecl_stale_meter_array *out)
{
	return ECL__BACKEND(store, meters_stale, cutoff, limit, out);
}
