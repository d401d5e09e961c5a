/*
 * SQLite backend: retention. Expired jobs are the finished ones (completed,
 * failed, cancelled) whose completed_at is before the cutoff; a job that can
 * still run (queued, processing) or was never stamped (completed_at NULL) is
 * never one of them. idx_import_jobs_status (status, completed_at) serves
 * the selection; idx_import_jobs_file_path (migration 4) the file look-up.
 *
 * A page is read and, when asked, deleted in one transaction: a write
 * transaction when it is deleted, a read transaction (one WAL snapshot)
 * otherwise. The DELETE repeats the selection, whose order (completed_at,
 * id) is total, so inside the transaction it removes exactly the jobs read.
 */
#include <stdint.h>
#include <stdlib.h>

#include "backends/common/job_columns.h"
#include "sqlite_internal.h"

#define EXPIRED \
	"WHERE status IN ('completed', 'failed', 'cancelled') " \
	"AND completed_at IS NOT NULL AND completed_at < ?1 ORDER BY completed_at, id LIMIT ?2"

typedef struct expired_ctx {
	int64_t cutoff;
	int64_t limit;          /* -1: no limit */
	int remove;
	ecl_job_array *out;
} expired_ctx;

static int delete_page(ecl_backend_conn *conn, const expired_ctx *ctx, size_t expected)
{
	sqlite3_stmt *s;
	int step;
	int rc = ecl__sqlite_prepare(&s, conn,
		"DELETE FROM import_jobs WHERE id IN (SELECT id FROM import_jobs " EXPIRED ")");

	if (rc != 0)
		return rc;
	sqlite3_bind_int64(s, 1, ctx->cutoff);
	sqlite3_bind_int64(s, 2, ctx->limit);
	step = sqlite3_step(s);
	ecl__sqlite_done(s);
	if (step != SQLITE_DONE)
		return ecl__sqlite_error(conn, step, "deleting expired jobs");
	if ((size_t)sqlite3_changes(conn->db) != expected)
		return ecl_error_set(ECL_EDB, "deleting expired jobs: %d deleted, %zu expected",
			sqlite3_changes(conn->db), expected);
	return 0;
}

static int expired_work(ecl_backend_conn *conn, void *opaque)
{
	expired_ctx *ctx = opaque;
	size_t keep = ctx->out->count;
	int rc = ecl__sqlite_jobs_where(conn, EXPIRED, ctx->cutoff, ctx->limit, ctx->out,
		"selecting expired jobs");

	if (rc == 0 && ctx->remove)
		rc = delete_page(conn, ctx, ctx->out->count - keep);
	/* A failed attempt leaves nothing behind, so a retried one starts clean. */
	if (rc != 0)
		ecl__job_array_truncate(ctx->out, keep);
	return rc;
}

/* A read transaction: one snapshot for the whole page. */
static int read_snapshot(ecl_backend_conn *conn, expired_ctx *ctx)
{
	int rc = ecl__sqlite_exec(conn, "BEGIN", "listing expired jobs");

	if (rc == 0)
		rc = expired_work(conn, ctx);
	if (rc == 0)
		rc = ecl__sqlite_exec(conn, "COMMIT", "listing expired jobs");
	if (rc != 0 && !sqlite3_get_autocommit(conn->db))
		sqlite3_exec(conn->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int ecl__sqlite_jobs_expired(ecl_backend_conn *conn, int64_t cutoff, size_t limit, int remove,
                             ecl_job_array *out)
{
	expired_ctx ctx = { cutoff, limit > (size_t)INT64_MAX ? -1 : (int64_t)limit, remove, out };

	if (limit == 0)
		return 0;
	if (remove)
		return ecl__sqlite_write(conn, expired_work, &ctx, "deleting expired jobs");
	return read_snapshot(conn, &ctx);
}

int ecl__sqlite_file_referenced(ecl_backend_conn *conn, const char *path, int64_t expired_before,
                                int *referenced)
{
	sqlite3_stmt *s;
	int step;
	int rc = ecl__sqlite_prepare(&s, conn,
		"SELECT EXISTS (SELECT 1 FROM import_jobs WHERE file_path = ?1 AND NOT (?2 IS NOT NULL"
		" AND status IN ('completed', 'failed', 'cancelled') AND completed_at IS NOT NULL"
		" AND completed_at < ?2))");

	*referenced = 0;
	if (rc != 0)
		return rc;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	ecl__sqlite_bind_time(s, 2, expired_before);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*referenced = sqlite3_column_int(s, 0) != 0;
	else
		rc = ecl__sqlite_error(conn, step, "looking up the jobs of a file");
	ecl__sqlite_done(s);
	return rc;
}
