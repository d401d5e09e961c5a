/* Health figures, stuck jobs and the alerts table on PostgreSQL. */
#include <string.h>

#include "pgsql_internal.h"

#define WINDOW "completed_at >= to_timestamp($2::bigint)"
#define FINISHED_IN_WINDOW "status IN ('completed', 'failed') AND " WINDOW
#define COMPLETED_IN_WINDOW "status = 'completed' AND " WINDOW
#define DUE "to_timestamp($1::bigint)"

/* One statement, so the figures are one consistent read. */
static const char health_sql[] =
	"SELECT"
	" count(*) FILTER (WHERE " COMPLETED_IN_WINDOW "),"
	" avg(dur) FILTER (WHERE " COMPLETED_IN_WINDOW " AND started_at IS NOT NULL),"
	" min(dur) FILTER (WHERE " COMPLETED_IN_WINDOW " AND started_at IS NOT NULL),"
	" max(dur) FILTER (WHERE " COMPLETED_IN_WINDOW " AND started_at IS NOT NULL),"
	" coalesce(sum(imported_rows) FILTER (WHERE " COMPLETED_IN_WINDOW "), 0),"
	" coalesce(sum(processed_rows) FILTER (WHERE " COMPLETED_IN_WINDOW "), 0),"
	" coalesce(sum(failed_rows) FILTER (WHERE " COMPLETED_IN_WINDOW "), 0),"
	" count(*) FILTER (WHERE status = 'failed' AND " WINDOW "),"
	" count(*) FILTER (WHERE " FINISHED_IN_WINDOW " AND retry_count > 0),"
	" avg(retry_count) FILTER (WHERE " FINISHED_IN_WINDOW " AND retry_count > 0),"
	" coalesce(max(retry_count) FILTER (WHERE " FINISHED_IN_WINDOW "), 0),"
	" count(*) FILTER (WHERE " COMPLETED_IN_WINDOW " AND retry_count > 0),"
	" count(*) FILTER (WHERE status = 'failed' AND " WINDOW " AND retry_count > 0),"
	" count(*) FILTER (WHERE status = 'queued' AND (retry_at IS NULL OR retry_at <= " DUE ")),"
	" count(*) FILTER (WHERE status = 'queued'),"
	" count(*) FILTER (WHERE status = 'queued' AND retry_at > " DUE "),"
	" count(*) FILTER (WHERE status = 'processing')"
	" FROM (SELECT *, extract(epoch FROM completed_at - started_at)::float8 AS dur"
	"       FROM import_jobs) j";

static void read_metrics(const PGresult *r, ecl_health_metrics *m)
{
	memset(m, 0, sizeof(*m));
	m->jobs_completed = ecl__pg_get_int(r, 0, 0);
	m->avg_duration_seconds = ecl__pg_get_double(r, 0, 1);
	m->min_duration_seconds = ecl__pg_get_double(r, 0, 2);
	m->max_duration_seconds = ecl__pg_get_double(r, 0, 3);
	m->total_rows_imported = ecl__pg_get_int(r, 0, 4);
	m->rows_processed = ecl__pg_get_int(r, 0, 5);
	m->rows_failed = ecl__pg_get_int(r, 0, 6);
	m->jobs_failed = ecl__pg_get_int(r, 0, 7);
	m->jobs_with_retries = ecl__pg_get_int(r, 0, 8);
	m->avg_retries = ecl__pg_get_double(r, 0, 9);
	m->max_retry_count = ecl__pg_get_int(r, 0, 10);
	m->eventually_succeeded = ecl__pg_get_int(r, 0, 11);
	m->permanently_failed = ecl__pg_get_int(r, 0, 12);
	m->queue_depth = ecl__pg_get_int(r, 0, 13);
	m->queued_count = ecl__pg_get_int(r, 0, 14);
	m->waiting_retry_count = ecl__pg_get_int(r, 0, 15);
	m->processing_count = ecl__pg_get_int(r, 0, 16);
}

typedef struct health_ctx {
	const ecl_health_query *q;
	ecl_health_metrics *out;
} health_ctx;

static int read_health(ecl_backend_conn *conn, void *opaque)
{
	health_ctx *ctx = opaque;
	PGresult *res = NULL;
	pg_params p;
	int rc;

	ecl__pg_params_init(&p);
	ecl__pg_int(&p, ctx->q->now);
	ecl__pg_int(&p, ctx->q->window_start);
	rc = ecl__pg_query(&res, conn, health_sql, &p, "reading the health figures");
	if (rc == 0)
		read_metrics(res, ctx->out);
	PQclear(res);
	return rc;
}

int ecl__pg_health_metrics(ecl_backend_conn *conn, const ecl_health_query *query,
                           ecl_health_metrics *out)
{
	health_ctx ctx = { query, out };

	return ecl__pg_read(conn, read_health, &ctx, "reading the health figures");
}

typedef struct where_ctx {
	const char *tail;
	pg_params p;
	ecl_job_array *out;
	const char *doing;
} where_ctx;

static int read_where(ecl_backend_conn *conn, void *opaque)
{
	where_ctx *ctx = opaque;

	return ecl__pg_jobs_where(conn, ctx->tail, &ctx->p, ctx->out, ctx->doing);
}

int ecl__pg_jobs_stuck(ecl_backend_conn *conn, int64_t cutoff, ecl_job_array *out)
{
	where_ctx ctx;

	ctx.tail = "WHERE status = 'processing' AND heartbeat_at < to_timestamp($1::bigint)"
		" ORDER BY heartbeat_at, id";
	ctx.out = out;
	ctx.doing = "listing stuck jobs";
	ecl__pg_params_init(&ctx.p);
	ecl__pg_int(&ctx.p, cutoff);
	return ecl__pg_read(conn, read_where, &ctx, ctx.doing);
}

int ecl__pg_jobs_alert_pending(ecl_backend_conn *conn, size_t limit, ecl_job_array *out)
{
	where_ctx ctx;

	ctx.tail = "WHERE status = 'failed' AND NOT alert_sent"
		" ORDER BY completed_at NULLS FIRST, id LIMIT $1::bigint";
	ctx.out = out;
	ctx.doing = "listing failed jobs to alert about";
	ecl__pg_params_init(&ctx.p);
	if (limit > (size_t)INT64_MAX)
		ecl__pg_text(&ctx.p, NULL);
	else
		ecl__pg_int(&ctx.p, (int64_t)limit);
	return ecl__pg_read(conn, read_where, &ctx, ctx.doing);
}

typedef struct last_ctx {
	const char *key;
	int64_t *at;
} last_ctx;

static int read_last(ecl_backend_conn *conn, void *opaque)
{
	last_ctx *ctx = opaque;
	PGresult *res = NULL;
	pg_params p;
	int rc;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, ctx->key);
	rc = ecl__pg_query(&res, conn, "SELECT " ECL_PG_EPOCH("max(created_at)")
		" FROM alerts WHERE alert_key = $1::text AND NOT suppressed", &p, "reading the last alert");
	*ctx->at = rc == 0 && !PQgetisnull(res, 0, 0) ? ecl__pg_get_int(res, 0, 0) : ECL_TIME_NONE;
	PQclear(res);
	return rc;
}

int ecl__pg_alert_last(ecl_backend_conn *conn, const char *key, int64_t *at)
{
	last_ctx ctx = { key, at };

	*at = ECL_TIME_NONE;
	return ecl__pg_read(conn, read_last, &ctx, "reading the last alert");
}

static int insert_alert(ecl_backend_conn *conn, void *opaque)
{
	const ecl_alert_record *a = opaque;
	pg_params p;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, a->alert_key);
	ecl__pg_text(&p, a->alert_type);
	ecl__pg_text(&p, a->severity);
	ecl__pg_text(&p, a->subject);
	ecl__pg_text(&p, a->body);
	ecl__pg_text(&p, a->channels_ok ? a->channels_ok : "");
	ecl__pg_text(&p, a->channels_failed ? a->channels_failed : "");
	ecl__pg_text(&p, a->failure_detail);
	ecl__pg_bool(&p, a->suppressed);
	ecl__pg_int(&p, a->created_at);
	return ecl__pg_command(conn,
		"INSERT INTO alerts (alert_key, alert_type, severity, subject, body, channels_ok,"
		" channels_failed, failure_detail, suppressed, created_at)"
		" VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text,"
		" $9::boolean, to_timestamp($10::bigint))", &p, NULL, "recording an alert");
}

int ecl__pg_alert_record(ecl_backend_conn *conn, const ecl_alert_record *record)
{
	return ecl__pg_once(conn, insert_alert, (void *)record, "recording an alert");
}
