/*
 * The data feeds' file and poll records, and stale meters, for every SQL
 * backend (feed_store.h): a file found again, a file recorded with its job
 * in one transaction, the files whose job ended and their after-action,
 * the latest files and polls of a source.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/common/feed_query.h"
#include "backends/common/feed_store.h"
#include "util/strutil.h"

/* ---- find ------------------------------------------------------------------------- */

typedef struct find_ctx {
	ecl__sql_param params[5];
	int count;
	ecl_source_file *out;
	int *found;
} find_ctx;

static int find_work(ecl_backend_conn *conn, void *opaque)
{
	find_ctx *ctx = opaque;

	return ecl__feed_select_one(conn, &ecl__feed_files, ctx->out, ctx->found, ctx->count == 5
		? "FROM feed_files WHERE source_id = ?1"
		  " AND ((name = ?2 AND size = ?3 AND mtime = ?4) OR sha256 = ?5) ORDER BY id LIMIT 1"
		: "FROM feed_files WHERE source_id = ?1 AND name = ?2 AND size = ?3 AND mtime = ?4",
		ctx->params, ctx->count, "looking up a source's file");
}

int ecl__common_source_file_find(ecl_backend_conn *conn, int64_t source_id, const char *name,
                                 int64_t size, int64_t mtime, const char *sha256,
                                 ecl_source_file *out, int *found)
{
	/* mtime is never NULL in the table: 0 is "not said" there too. */
	find_ctx ctx = { { ecl__sql_int64(source_id), ecl__sql_text(name), ecl__sql_int64(size),
		ecl__sql_time(mtime), ecl__sql_text(sha256) }, sha256 ? 5 : 4, out, found };

	ctx.params[3].value.null = 0;
	memset(out, 0, sizeof(*out));
	*found = 0;
	return ecl__feed_read_run(conn, find_work, &ctx, "looking up a source's file");
}

/* ---- record ------------------------------------------------------------------------- */

typedef struct record_ctx {
	ecl_source_file *file;
	const ecl_job *job;
} record_ctx;

static int record_work(ecl_backend_conn *conn, void *opaque)
{
	record_ctx *ctx = opaque;
	const ecl_source_file *f = ctx->file;
	int rc = ecl__feed_insert(conn, &ecl__feed_files, f, "FROM feed_sources WHERE id = ?1",
		&ctx->file->id, "recording a source's file");

	if (rc == ECL_EEXISTS)
		rc = ecl_error_set(ECL_EEXISTS, "source %lld has a record of \"%s\" (%lld bytes, mtime "
			"%lld) already", (long long)f->source_id, f->name, (long long)f->size,
			(long long)f->mtime);
	else if (rc == 0 && ctx->file->id == 0)
		rc = ecl_error_set(ECL_ENOTFOUND, "no source with id %lld to record \"%s\" of",
			(long long)f->source_id, f->name);
	if (rc == 0 && ctx->job != NULL)
		rc = ECL__DRIVER(conn)->feeds.job_insert(conn, ctx->job, 1);
	return rc;
}

int ecl__common_source_file_record(ecl_backend_conn *conn, ecl_source_file *file,
                                   const ecl_job *job)
{
	record_ctx ctx = { file, job };
	int rc = ECL__DRIVER(conn)->write(conn, record_work, &ctx, "recording a source's file");

	if (rc != 0)
		file->id = 0;
	return rc;
}

/* ---- files whose job ended, and their after-action ------------------------------------- */

/* The job's status after the file's columns; NULL when the job is gone. */
static int read_job_status(void *record, const ecl__job_row *row, int col)
{
	ecl_source_file *f = record;
	const char *status = row->cells->text(row, col);
	ecl_job_status parsed = ECL_JOB_CANCELLED;

	if (status != NULL && ecl_job_status_parse(&parsed, status) != 0)
		return ecl_error_set(ECL_ESCHEMA, "job %s of file %lld has status \"%s\", which this "
			"library does not know", f->batch_id, (long long)f->id, status);
	f->job_status = (int)parsed;
	return 0;
}

typedef struct list_ctx {
	ecl__sql_param params[2];
	const ecl__feed_table *table;
	void **items;
	size_t *count;
	int (*extra)(void *record, const ecl__job_row *row, int col);
	const char *alias, *more, *rest, *doing;
} list_ctx;

static int list_work(ecl_backend_conn *conn, void *opaque)
{
	list_ctx *ctx = opaque;
	ecl__feed_rows rows = { ctx->table, ctx->items, ctx->count, 0, ctx->extra };

	return ecl__feed_select(conn, &rows, ctx->alias, ctx->more, ctx->rest, ctx->params, 2,
		ctx->doing);
}

/* Read a list of ctx->table's records (?1 the source, ?2 the limit). */
static int list_run(ecl_backend_conn *conn, list_ctx *ctx)
{
	int rc = ecl__feed_read_run(conn, list_work, ctx, ctx->doing);

	if (rc != 0) {
		free(*ctx->items);
		*ctx->items = NULL;
	}
	return rc;
}

int ecl__common_source_files_to_settle(ecl_backend_conn *conn, int64_t source_id, size_t limit,
                                       ecl_source_file_array *out)
{
	list_ctx ctx = { { ecl__sql_int64(source_id), ecl__feed_limit(limit) }, &ecl__feed_files,
		(void **)&out->files, &out->count, read_job_status, "f.", ", j.status",
		"FROM feed_files f LEFT JOIN import_jobs j ON j.batch_id = f.batch_id"
		" WHERE f.source_id = ?1 AND f.state = 'queued'"
		" AND (j.status IS NULL OR j.status IN ('completed', 'failed', 'cancelled'))"
		" ORDER BY f.id LIMIT ?2", "listing the files whose job ended" };

	return list_run(conn, &ctx);
}

typedef struct settle_ctx {
	ecl__sql_param params[4];
	int64_t file_id;
} settle_ctx;

static int settle_work(ecl_backend_conn *conn, void *opaque)
{
	settle_ctx *ctx = opaque;
	ecl__sql_call call;
	int rc;

	memset(&call, 0, sizeof(call));
	call.sql = "UPDATE feed_files SET state = ?2, reason = ?3, handled_at = ?4 WHERE id = ?1";
	call.params = ctx->params;
	call.count = 4;
	rc = ecl__sql_run(conn, &call, "settling a source's file");
	if (rc == 0 && call.changed == 0)
		rc = ecl_error_set(ECL_ENOTFOUND, "no source file record with id %lld",
			(long long)ctx->file_id);
	return rc;
}

int ecl__common_source_file_settle(ecl_backend_conn *conn, int64_t file_id,
                                   ecl_source_file_state state, const char *reason,
                                   int64_t handled_at)
{
	const char *name = ecl_source_file_state_name(state);
	settle_ctx ctx = { { ecl__sql_int64(file_id), ecl__sql_text(name), ecl__sql_text(reason),
		ecl__sql_time(handled_at) }, file_id };

	if (name == NULL)
		return ecl_error_set(ECL_EINVALID, "unknown source file state %d", (int)state);
	return ECL__DRIVER(conn)->write(conn, settle_work, &ctx, "settling a source's file");
}

/* ---- the latest files and polls ---------------------------------------------------------- */

int ecl__common_source_files_recent(ecl_backend_conn *conn, int64_t source_id, size_t limit,
                                    ecl_source_file_array *out)
{
	list_ctx ctx = { { ecl__sql_int64(source_id), ecl__feed_limit(limit) }, &ecl__feed_files,
		(void **)&out->files, &out->count, NULL, "", NULL,
		"FROM feed_files WHERE source_id = ?1 ORDER BY seen_at DESC, id DESC LIMIT ?2",
		"listing a source's files" };

	return list_run(conn, &ctx);
}

int ecl__common_source_polls_recent(ecl_backend_conn *conn, int64_t source_id, size_t limit,
                                    ecl_source_poll_array *out)
{
	list_ctx ctx = { { ecl__sql_int64(source_id), ecl__feed_limit(limit) }, &ecl__feed_polls,
		(void **)&out->polls, &out->count, NULL, "", NULL,
		"FROM feed_polls WHERE source_id = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2",
		"listing a source's polls" };

	return list_run(conn, &ctx);
}

/* ---- stale meters ------------------------------------------------------------------------ */

typedef struct stale_ctx {
	ecl__sql_param params[2];
	ecl_stale_meter_array *out;
	size_t capacity;
} stale_ctx;

static void stale_truncate(ecl_stale_meter_array *out)
{
	while (out->count > 0)
		free(out->meters[--out->count].mpan);
}

static int stale_row(const ecl__job_row *row, void *opaque)
{
	stale_ctx *ctx = opaque;
	ecl_stale_meter *m;
	int rc = ecl__feed_reserve((void **)&ctx->out->meters, ctx->out->count, &ctx->capacity,
		sizeof(*m), "stale meters");

	if (rc != 0)
		return rc;
	m = &ctx->out->meters[ctx->out->count];
	m->latest = row->cells->integer(row, 1);
	if ((m->mpan = ecl__strdup(row->cells->text(row, 0))) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory listing stale meters");
	ctx->out->count++;
	return 0;
}

static int stale_work(ecl_backend_conn *conn, void *opaque)
{
	stale_ctx *ctx = opaque;
	ecl__sql_call call;
	int rc;

	stale_truncate(ctx->out);   /* a retried read starts clean */
	memset(&call, 0, sizeof(call));
	call.sql = ECL__DRIVER(conn)->feeds.meters_stale;
	call.params = ctx->params;
	call.count = 2;
	call.row = stale_row;
	call.ctx = ctx;
	rc = ecl__sql_run(conn, &call, "listing stale meters");
	if (rc != 0)
		stale_truncate(ctx->out);
	return rc;
}

int ecl__common_meters_stale(ecl_backend_conn *conn, int64_t cutoff, size_t limit,
                             ecl_stale_meter_array *out)
{
	stale_ctx ctx = { { ecl__sql_int64(cutoff), ecl__feed_limit(limit) }, out, 0 };
	int rc = ecl__feed_read_run(conn, stale_work, &ctx, "listing stale meters");

	if (rc != 0) {
		free(out->meters);
		out->meters = NULL;
	}
	return rc;
}
