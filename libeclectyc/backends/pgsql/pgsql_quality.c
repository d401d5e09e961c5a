/*
 * PostgreSQL backend: the readings a data-quality check looks at, and its
 * findings in data_quality_issues.
 *
 * The scan is one statement over the meters, each joined to that day's
 * half-hour readings (a range of the hh_readings primary key) and to its
 * daily total, in meter and instant order; the rows are handed to the
 * caller one meter at a time. Findings are recorded with three set-based
 * statements in one transaction: upsert what was found, delete the types
 * no longer found for the meters checked, count what is held.
 */
#include <stdlib.h>
#include <string.h>

#include "util/buffer_internal.h"
#include "backends/common/quality_day.h"
#include "pgsql_internal.h"

/* $1, $2: the day's UTC bounds [start, end); $3 its date. The period number
 * comes from the key (period_start), not the stored period_number, so two
 * readings can never claim one period. */
#define SCAN_SELECT \
	"SELECT m.id, m.mpan, m.is_half_hourly::int," \
	" (" ECL_PG_EPOCH("r.period_start") " - $1::bigint) / 1800 + 1, r.reading_value," \
	" (d.reading_value IS NOT NULL)::int, d.reading_value" \
	" FROM meters m" \
	" LEFT JOIN daily_readings d ON d.meter_id = m.id AND d.reading_date = $3::date" \
	" LEFT JOIN hh_readings r ON r.meter_id = m.id AND r.period_start >= to_timestamp($1::bigint)" \
	"  AND r.period_start < to_timestamp($2::bigint)"
#define SCAN_ORDER " ORDER BY m.id, r.period_start"
/* Every active meter, or the one named by $4 (even when inactive: it was asked for). */
#define SCAN_ACTIVE SCAN_SELECT " WHERE m.is_active" SCAN_ORDER
#define SCAN_ONE SCAN_SELECT " WHERE m.mpan = $4::text" SCAN_ORDER

enum { COL_ID, COL_MPAN, COL_HH, COL_PERIOD, COL_VALUE, COL_HAS_DAILY, COL_DAILY };

static int hand_over(const PGresult *res, int first, int end, const ecl_quality_scan *scan,
                     ecl__quality_day *m)
{
	ecl_quality_meter_day *day = &m->day;
	int row, rc;

	day->meter_id = ecl__pg_get_int(res, first, COL_ID);
	day->mpan = PQgetvalue(res, first, COL_MPAN);
	day->is_half_hourly = (int)ecl__pg_get_int(res, first, COL_HH);
	day->has_daily = (int)ecl__pg_get_int(res, first, COL_HAS_DAILY);
	day->daily_value = day->has_daily ? ecl__pg_get_double(res, first, COL_DAILY) : 0.0;
	day->count = 0;
	rc = ecl__quality_day_reserve(m, (size_t)(end - first));
	for (row = first; rc == 0 && row < end; row++)
		if (!PQgetisnull(res, row, COL_VALUE))
			rc = ecl__quality_day_add(m, (int)ecl__pg_get_int(res, row, COL_PERIOD),
				ecl__pg_get_double(res, row, COL_VALUE));
	if (rc == 0)
		rc = ecl__quality_day_emit(m, scan);
	return rc;
}

typedef struct scan_ctx {
	const ecl_quality_scan *scan;
	PGresult *res;
} scan_ctx;

static int read_day(ecl_backend_conn *conn, void *opaque)
{
	scan_ctx *ctx = opaque;
	const ecl_quality_scan *scan = ctx->scan;
	pg_params p;

	PQclear(ctx->res);
	ctx->res = NULL;
	ecl__pg_params_init(&p);
	ecl__pg_int(&p, scan->day->start);
	ecl__pg_int(&p, scan->day->end);
	ecl__pg_text(&p, scan->day->date);
	if (scan->mpan != NULL)
		ecl__pg_text(&p, scan->mpan);
	return ecl__pg_query(&ctx->res, conn, scan->mpan ? SCAN_ONE : SCAN_ACTIVE, &p,
		"reading the day's readings for quality checks");
}

int ecl__pg_quality_scan(ecl_backend_conn *conn, const ecl_quality_scan *scan)
{
	scan_ctx ctx = { scan, NULL };
	ecl__quality_day m;
	int rc, first = 0, row, n;

	memset(&m, 0, sizeof(m));
	/* Read first (retried after a lost connection), then hand over: the
	 * callback never runs twice for one meter. */
	rc = ecl__pg_read(conn, read_day, &ctx, "reading the day's readings for quality checks");
	n = rc == 0 ? PQntuples(ctx.res) : 0;
	for (row = 1; rc == 0 && row <= n; row++) {
		if (row == n || ecl__pg_get_int(ctx.res, row, COL_ID) != ecl__pg_get_int(ctx.res, first, COL_ID)) {
			rc = hand_over(ctx.res, first, row, scan, &m);
			first = row;
		}
	}
	PQclear(ctx.res);
	ecl__quality_day_dispose(&m);
	return rc;
}

/* ---- recording findings --------------------------------------------------- */

/*
 * A finding that is unchanged leaves its row alone (created_at, is_resolved
 * and updated_at kept); a changed one is rewritten, stamped updated_at and
 * opened again. A meter and type found twice is written once, as the last.
 */
#define UPSERT_ISSUES \
	"INSERT INTO data_quality_issues AS q (meter_id, issue_date, issue_type, severity, description," \
	" issue_data, created_at)" \
	" SELECT DISTINCT ON (u.m, u.t) u.m, $1::date, u.t, u.s, u.d, u.j::json, to_timestamp($2::bigint)" \
	" FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])" \
	"  WITH ORDINALITY AS u(m, t, s, d, j, o) ORDER BY u.m, u.t, u.o DESC" \
	" ON CONFLICT (meter_id, issue_date, issue_type) DO UPDATE SET" \
	" severity = excluded.severity, description = excluded.description," \
	" issue_data = excluded.issue_data, is_resolved = false, resolved_at = NULL," \
	" updated_at = excluded.created_at" \
	" WHERE q.severity IS DISTINCT FROM excluded.severity" \
	"  OR q.description IS DISTINCT FROM excluded.description" \
	"  OR q.issue_data::text IS DISTINCT FROM excluded.issue_data::text"

/* The types not found for the meters checked go. */
#define DELETE_STALE \
	"DELETE FROM data_quality_issues q WHERE q.issue_date = $1::date" \
	" AND q.meter_id = ANY ($2::bigint[])" \
	" AND NOT EXISTS (SELECT 1 FROM unnest($3::bigint[], $4::text[]) AS f(m, t)" \
	"  WHERE f.m = q.meter_id AND f.t = q.issue_type)"

#define COUNT_STORED \
	"SELECT count(*) FROM data_quality_issues q, unnest($2::bigint[]) AS m(id)" \
	" WHERE q.issue_date = $1::date AND q.meter_id = m.id"

typedef struct record_ctx {
	const ecl_quality_findings *f;
	pg_array meters, ids, types, severities, descriptions, data;
	int64_t stored;
} record_ctx;

static int record_all(ecl_backend_conn *conn, void *opaque)
{
	record_ctx *ctx = opaque;
	const ecl_quality_findings *f = ctx->f;
	PGresult *res = NULL;
	pg_params p;
	int rc = 0;

	/* A retried attempt counts again from nothing: the rollback undid it. */
	ctx->stored = 0;
	if (f->issue_count > 0) {
		ecl__pg_params_init(&p);
		ecl__pg_text(&p, f->date);
		ecl__pg_int(&p, f->now);
		ecl__pg_text(&p, ctx->ids.buf.ptr);
		ecl__pg_text(&p, ctx->types.buf.ptr);
		ecl__pg_text(&p, ctx->severities.buf.ptr);
		ecl__pg_text(&p, ctx->descriptions.buf.ptr);
		ecl__pg_text(&p, ctx->data.buf.ptr);
		rc = ecl__pg_command(conn, UPSERT_ISSUES, &p, NULL, "recording data-quality issues");
	}
	ecl__pg_params_init(&p);
	ecl__pg_text(&p, f->date);
	ecl__pg_text(&p, ctx->meters.buf.ptr);
	ecl__pg_text(&p, ctx->ids.buf.ptr);
	ecl__pg_text(&p, ctx->types.buf.ptr);
	if (rc == 0)
		rc = ecl__pg_command(conn, DELETE_STALE, &p, NULL,
			"removing data-quality issues that no longer apply");
	p.n = 2;
	if (rc == 0)
		rc = ecl__pg_query(&res, conn, COUNT_STORED, &p, "counting data-quality issues");
	if (rc == 0)
		ctx->stored = ecl__pg_get_int(res, 0, 0);
	PQclear(res);
	return rc;
}

int ecl__pg_quality_record(ecl_backend_conn *conn, const ecl_quality_findings *findings,
                           int64_t *stored)
{
	record_ctx ctx;
	pg_array *arrays[6];
	size_t i;
	int rc = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.f = findings;
	arrays[0] = &ctx.meters;
	arrays[1] = &ctx.ids;
	arrays[2] = &ctx.types;
	arrays[3] = &ctx.severities;
	arrays[4] = &ctx.descriptions;
	arrays[5] = &ctx.data;
	for (i = 0; i < 6; i++)
		ecl__pg_array_begin(arrays[i]);
	for (i = 0; i < findings->meter_count; i++)
		ecl__pg_array_int(&ctx.meters, findings->meter_ids[i]);
	for (i = 0; i < findings->issue_count; i++) {
		const ecl_quality_issue *q = &findings->issues[i];

		ecl__pg_array_int(&ctx.ids, q->meter_id);
		ecl__pg_array_text(&ctx.types, q->issue_type);
		ecl__pg_array_text(&ctx.severities, q->severity);
		ecl__pg_array_text(&ctx.descriptions, q->description);
		ecl__pg_array_text(&ctx.data, q->issue_data);
	}
	for (i = 0; i < 6; i++)
		if (rc == 0)
			rc = ecl__pg_array_end(arrays[i]);
	if (rc == 0)
		rc = ecl__pg_write(conn, record_all, &ctx, "recording data-quality issues");
	if (rc == 0)
		*stored = ctx.stored;
	for (i = 0; i < 6; i++)
		ecl_buf_dispose(&arrays[i]->buf);
	return rc;
}
