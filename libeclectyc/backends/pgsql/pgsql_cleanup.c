/*
 * PostgreSQL backend: retention. Expired jobs are the finished ones
 * (completed, failed, cancelled) whose completed_at is before the cutoff; a
 * job that can still run (queued, processing) or was never stamped
 * (completed_at NULL) is never one of them. A page to delete is selected
 * FOR UPDATE and deleted by id in one transaction, so exactly the jobs
 * returned are removed; a page only listed is one statement (one snapshot).
 */
#include <stdint.h>
#include <stdlib.h>

#include "backends/common/job_columns.h"
#include "pgsql_internal.h"

#define EXPIRED \
	"WHERE status IN ('completed', 'failed', 'cancelled') AND completed_at IS NOT NULL" \
	" AND completed_at < to_timestamp($1::bigint) ORDER BY completed_at, id LIMIT $2::bigint"

static int select_expired(ecl_backend_conn *conn, int64_t cutoff, size_t limit, int lock,
                          ecl_job_array *out)
{
	pg_params p;

	ecl__pg_params_init(&p);
	ecl__pg_int(&p, cutoff);
	if (limit > (size_t)INT64_MAX)
		ecl__pg_text(&p, NULL);
	else
		ecl__pg_int(&p, (int64_t)limit);
	return ecl__pg_jobs_where(conn, lock ? EXPIRED " FOR UPDATE" : EXPIRED, &p, out,
		lock ? "selecting expired jobs" : "listing expired jobs");
}

static int delete_ids(ecl_backend_conn *conn, const ecl_job_array *out, size_t first,
                      int64_t *deleted)
{
	pg_array ids;
	pg_params p;
	size_t i;
	int rc;

	ecl__pg_array_begin(&ids);
	for (i = first; i < out->count; i++)
		ecl__pg_array_int(&ids, out->jobs[i].id);
	rc = ecl__pg_array_end(&ids);
	ecl__pg_params_init(&p);
	ecl__pg_text(&p, ids.buf.ptr);
	if (rc == 0)
		rc = ecl__pg_command(conn, "DELETE FROM import_jobs WHERE id = ANY ($1::bigint[])", &p,
			deleted, "deleting expired jobs");
	ecl_buf_dispose(&ids.buf);
	return rc;
}

static const ecl__expired_sql expired_sql = { select_expired, delete_ids };

int ecl__pg_jobs_expired(ecl_backend_conn *conn, int64_t cutoff, size_t limit, int remove,
                         ecl_job_array *out)
{
	return ecl__jobs_expired_with(ecl__pg_write, ecl__pg_read, &expired_sql, conn, cutoff, limit,
		remove, out);
}

typedef struct referenced_ctx {
	const char *path;
	int64_t expired_before;
	int *referenced;
} referenced_ctx;

static int read_referenced(ecl_backend_conn *conn, void *opaque)
{
	referenced_ctx *ctx = opaque;
	PGresult *res = NULL;
	pg_params p;
	int rc;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, ctx->path);
	ecl__pg_time(&p, ctx->expired_before);
	rc = ecl__pg_query(&res, conn,
		"SELECT EXISTS (SELECT 1 FROM import_jobs WHERE file_path = $1::text AND NOT"
		" ($2::bigint IS NOT NULL AND status IN ('completed', 'failed', 'cancelled')"
		"  AND completed_at IS NOT NULL AND completed_at < to_timestamp($2::bigint)))::int",
		&p, "looking up the jobs of a file");
	*ctx->referenced = rc == 0 && ecl__pg_get_int(res, 0, 0) != 0;
	PQclear(res);
	return rc;
}

int ecl__pg_file_referenced(ecl_backend_conn *conn, const char *path, int64_t expired_before,
                            int *referenced)
{
	referenced_ctx ctx = { path, expired_before, referenced };

	*referenced = 0;
	return ecl__pg_read(conn, read_referenced, &ctx, "looking up the jobs of a file");
}
