/*
 * PostgreSQL backend: what the queue holds and a job's attempts (interface
 * version 5). The attempts themselves are written by the trigger of
 * migration 5; this file only reads them.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/common/job_columns.h"
#include "pgsql_internal.h"

typedef struct counts_ctx {
	ecl_job_status_counts *out;
} counts_ctx;

static int read_counts(ecl_backend_conn *conn, void *opaque)
{
	ecl_job_status_counts *out = ((counts_ctx *)opaque)->out;
	PGresult *res = NULL;
	int rc, row;

	memset(out, 0, sizeof(*out));
	rc = ecl__pg_query(&res, conn, "SELECT status, count(*) FROM import_jobs GROUP BY status",
		NULL, "counting jobs");
	for (row = 0; rc == 0 && row < PQntuples(res); row++) {
		const char *status = PQgetvalue(res, row, 0);
		int64_t n = ecl__pg_get_int(res, row, 1);

		rc = ecl_job_status_counts_put(out, status, n);
	}
	PQclear(res);
	return rc;
}

int ecl__pg_job_status_counts(ecl_backend_conn *conn, ecl_job_status_counts *out)
{
	counts_ctx ctx = { out };

	return ecl__pg_read(conn, read_counts, &ctx, "counting jobs");
}

typedef struct attempts_ctx {
	const char *batch_id;
	ecl_job_attempt_array *out;
} attempts_ctx;

static void clear_attempts(ecl_job_attempt_array *out)
{
	size_t i;

	for (i = 0; i < out->count; i++)
		ecl_job_attempt_clear(&out->attempts[i]);
	free(out->attempts);
	out->attempts = NULL;
	out->count = 0;
}

static int read_attempts(ecl_backend_conn *conn, void *opaque)
{
	attempts_ctx *ctx = opaque;
	PGresult *res = NULL;
	ecl__job_row row;
	pg_params p;
	int rc, n, i;

	/* A retried read starts again from nothing. */
	clear_attempts(ctx->out);
	ecl__pg_params_init(&p);
	ecl__pg_text(&p, ctx->batch_id);
	rc = ecl__pg_query(&res, conn,
		"SELECT a.attempt, a.worker_id, " ECL_PG_EPOCH("a.started_at") ", "
		ECL_PG_EPOCH("a.ended_at") ", a.outcome, a.error_message, a.error_class,"
		" a.processed_rows, a.imported_rows, a.failed_rows"
		" FROM import_jobs j JOIN import_job_attempts a ON a.job_id = j.id"
		" WHERE j.batch_id = $1::text ORDER BY a.attempt", &p, "reading job attempts");
	n = rc == 0 ? PQntuples(res) : 0;
	if (n > 0 && (ctx->out->attempts = calloc((size_t)n, sizeof(*ctx->out->attempts))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading job attempts");
	for (i = 0; rc == 0 && i < n; i++) {
		ecl__pg_job_row(&row, res, i);
		rc = ecl__job_attempt_read(&ctx->out->attempts[ctx->out->count++], &row);
	}
	PQclear(res);
	return rc;
}

int ecl__pg_job_attempts(ecl_backend_conn *conn, const char *batch_id, ecl_job_attempt_array *out)
{
	attempts_ctx ctx = { batch_id, out };

	return ecl__pg_read(conn, read_attempts, &ctx, "reading job attempts");
}
