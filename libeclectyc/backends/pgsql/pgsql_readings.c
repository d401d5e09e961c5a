/*
 * PostgreSQL backend: meters and readings, written in bulk.
 *
 * A batch is a handful of statements whatever its size, each taking its rows
 * as array parameters expanded by unnest(): the new meters (one insert),
 * their ids (one select), the half-hour readings (one multi-row upsert per
 * chunk of ROWS_PER_STATEMENT), the daily totals (one upsert), the batch's
 * extent (one upsert) and the job's progress (one conditional update), all
 * in one transaction.
 *
 * Half-hour readings whose keys are new go by COPY (pgsql_copy.c), the
 * fastest way in: a chunk is sent by COPY when no stored reading of its
 * meters falls between the chunk's first and last period start of that
 * meter (one indexed EXISTS probe), under a savepoint. If the COPY meets an
 * existing key all the same (a key repeated within the chunk, or another
 * writer's rows committed since the probe) it is rolled back to the
 * savepoint and the chunk goes through the upsert below. An upsert costs
 * the server 2-4 times what a COPY does (docs/benchmarks.md); the probe
 * costs one index lookup per meter and chunk.
 *
 * Each upsert changes a stored reading only when its value or type differs,
 * and never turns an actual into an estimate unless the batch allows it.
 * RETURNING (xmax = 0) tells an inserted row from an updated one, so one
 * statement also counts; input rows that returned nothing were unchanged.
 * A key repeated within a chunk is written once, as its last occurrence
 * (ON CONFLICT cannot touch one row twice in a statement).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgsql_internal.h"

#define ROWS_PER_STATEMENT 10000

#define HH_UPSERT \
	"WITH src AS (" \
	" SELECT DISTINCT ON (r.meter_id, r.ps) r.meter_id, r.ps, r.rd, r.lm, r.pn, r.v, r.e" \
	" FROM unnest($1::bigint[], $2::bigint[], $3::date[], $4::smallint[], $5::smallint[]," \
	"             $6::float8[], $7::boolean[]) WITH ORDINALITY AS r(meter_id, ps, rd, lm, pn, v, e, ord)" \
	" ORDER BY r.meter_id, r.ps, r.ord DESC)," \
	" w AS (INSERT INTO hh_readings AS h (meter_id, period_start, reading_date, local_minutes," \
	"  period_number, reading_value, estimated, import_batch)" \
	" SELECT meter_id, to_timestamp(ps), rd, lm, pn, v, e, $8::bigint FROM src" \
	" ON CONFLICT (meter_id, period_start) DO UPDATE SET" \
	"  reading_value = excluded.reading_value, estimated = excluded.estimated," \
	"  import_batch = excluded.import_batch, updated_at = to_timestamp($9::bigint)" \
	" WHERE (h.reading_value <> excluded.reading_value OR h.estimated <> excluded.estimated)" \
	"  AND (NOT excluded.estimated OR h.estimated OR $10::boolean)" \
	" RETURNING (xmax = 0) AS inserted)" \
	" SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM w"

#define DAILY_UPSERT \
	"WITH src AS (" \
	" SELECT DISTINCT ON (r.meter_id, r.rd) r.meter_id, r.rd, r.v, r.e" \
	" FROM unnest($1::bigint[], $2::date[], $3::float8[], $4::boolean[])" \
	"  WITH ORDINALITY AS r(meter_id, rd, v, e, ord)" \
	" ORDER BY r.meter_id, r.rd, r.ord DESC)," \
	" w AS (INSERT INTO daily_readings AS d (meter_id, reading_date, reading_value, reading_type," \
	"  import_batch_id, created_at, updated_at)" \
	" SELECT meter_id, rd, v, CASE WHEN e THEN 'estimated' ELSE 'actual' END, $5::text," \
	"  to_timestamp($6::bigint), NULL FROM src" \
	" ON CONFLICT (meter_id, reading_date) DO UPDATE SET" \
	"  reading_value = excluded.reading_value, reading_type = excluded.reading_type," \
	"  import_batch_id = excluded.import_batch_id, updated_at = excluded.created_at" \
	" WHERE (d.reading_value <> excluded.reading_value OR d.reading_type <> excluded.reading_type)" \
	"  AND (excluded.reading_type = 'actual' OR d.reading_type = 'estimated' OR $7::boolean)" \
	" RETURNING (xmax = 0) AS inserted)" \
	" SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM w"

typedef struct find_ctx {
	const char *mpan;
	int64_t *id;
} find_ctx;

static int find_meter(ecl_backend_conn *conn, void *opaque)
{
	find_ctx *ctx = opaque;
	PGresult *res = NULL;
	pg_params p;
	int rc;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, ctx->mpan);
	rc = ecl__pg_query(&res, conn, "SELECT id FROM meters WHERE mpan = $1::text", &p,
		"looking up a meter");
	if (rc == 0 && PQntuples(res) == 1)
		*ctx->id = ecl__pg_get_int(res, 0, 0);
	else if (rc == 0)
		rc = ecl_error_set(ECL_ENOTFOUND, "no meter \"%s\"", ctx->mpan);
	PQclear(res);
	return rc;
}

int ecl__pg_meter_find(ecl_backend_conn *conn, const char *mpan, int64_t *id)
{
	find_ctx ctx = { mpan, id };

	return ecl__pg_read(conn, find_meter, &ctx, "looking up a meter");
}

typedef ecl__readings_write write_ctx;

/* Create the batch's unknown meters (unless another writer has) and learn
 * every unknown meter's id. Inserted in mpan order, so concurrent writers
 * of overlapping meters take their locks in one order. */
static int resolve_meters(ecl_backend_conn *conn, write_ctx *ctx)
{
	const ecl_reading_batch *b = ctx->batch;
	pg_array mpans, hh, checks;
	PGresult *res = NULL;
	pg_params p;
	int64_t created = 0;
	size_t i, missing = 0;
	int rc, row;

	ecl__pg_array_begin(&mpans);
	ecl__pg_array_begin(&hh);
	ecl__pg_array_begin(&checks);
	for (i = 0; i < b->meter_count; i++) {
		ctx->ids[i] = b->meters[i].id;
		if (ctx->ids[i] != 0)
			continue;
		missing++;
		ecl__pg_array_text(&mpans, b->meters[i].mpan);
		ecl__pg_array_text(&hh, b->meters[i].is_half_hourly ? "t" : "f");
		ecl__pg_array_text(&checks, b->meters[i].mpan_check);
	}
	rc = ecl__pg_array_end(&mpans);
	if (rc == 0)
		rc = ecl__pg_array_end(&hh);
	if (rc == 0)
		rc = ecl__pg_array_end(&checks);
	if (rc == 0 && missing > 0) {
		ecl__pg_params_init(&p);
		ecl__pg_text(&p, mpans.buf.ptr);
		ecl__pg_text(&p, hh.buf.ptr);
		ecl__pg_text(&p, checks.buf.ptr);
		ecl__pg_text(&p, b->batch_id);
		ecl__pg_int(&p, b->now);
		rc = ecl__pg_command(conn,
			"INSERT INTO meters (mpan, is_half_hourly, mpan_check, created_by_batch, created_at)"
			" SELECT m.mpan, m.hh, m.chk, $4::text, to_timestamp($5::bigint)"
			" FROM unnest($1::text[], $2::boolean[], $3::text[]) AS m(mpan, hh, chk)"
			" ORDER BY m.mpan ON CONFLICT (mpan) DO NOTHING", &p, &created, "creating meters");
	}
	if (rc == 0 && missing > 0) {
		ecl__pg_params_init(&p);
		ecl__pg_text(&p, mpans.buf.ptr);
		rc = ecl__pg_query(&res, conn, "SELECT m.mpan, me.id FROM unnest($1::text[]) AS m(mpan)"
			" JOIN meters me ON me.mpan = m.mpan", &p, "looking up meters");
	}
	for (row = 0; rc == 0 && res != NULL && row < PQntuples(res); row++) {
		const char *mpan = PQgetvalue(res, row, 0);
		for (i = 0; i < b->meter_count; i++)
			if (ctx->ids[i] == 0 && strcmp(b->meters[i].mpan, mpan) == 0)
				ctx->ids[i] = ecl__pg_get_int(res, row, 1);
	}
	for (i = 0; rc == 0 && i < b->meter_count; i++)
		if (ctx->ids[i] == 0)
			rc = ecl_error_set(ECL_EDB, "creating meters: meter \"%s\" was neither created nor found",
				b->meters[i].mpan);
	if (rc == 0)
		ctx->counts.meters_created += created;
	PQclear(res);
	ecl_buf_dispose(&mpans.buf);
	ecl_buf_dispose(&hh.buf);
	ecl_buf_dispose(&checks.buf);
	return rc;
}

/* The small integer standing for the import batch (created on first use);
 * 0 for a batch without an id. */
static int batch_key(ecl_backend_conn *conn, const ecl_reading_batch *b, int64_t *key)
{
	PGresult *res = NULL;
	pg_params p;
	int rc;

	*key = 0;
	if (b->batch_id == NULL)
		return 0;
	ecl__pg_params_init(&p);
	ecl__pg_text(&p, b->batch_id);
	ecl__pg_int(&p, b->now);
	rc = ecl__pg_query(&res, conn,
		"INSERT INTO import_batches (batch_id, created_at) VALUES ($1::text, to_timestamp($2::bigint))"
		" ON CONFLICT (batch_id) DO UPDATE SET batch_id = excluded.batch_id RETURNING id", &p,
		"recording the import batch");
	if (rc == 0)
		*key = ecl__pg_get_int(res, 0, 0);
	PQclear(res);
	return rc;
}

/* Add an upsert's (inserted, updated) to the counts; the rest of `rows`
 * were unchanged. */
static void count_upsert(const PGresult *res, size_t rows, ecl_write_counts *counts)
{
	int64_t inserted = ecl__pg_get_int(res, 0, 0), updated = ecl__pg_get_int(res, 0, 1);

	counts->inserted += inserted;
	counts->updated += updated;
	counts->unchanged += (int64_t)rows - inserted - updated;
}

/* Whether a stored reading may share a key with readings [first, first +
 * rows): one exists for one of their meters between that meter's earliest
 * and latest period start in the chunk. */
static int chunk_may_conflict(ecl_backend_conn *conn, write_ctx *ctx, size_t first, size_t rows,
                              int *may)
{
	const ecl_reading_batch *b = ctx->batch;
	int64_t *lo = NULL, *hi = NULL;
	pg_array meters, los, his;
	PGresult *res = NULL;
	pg_params p;
	size_t k, m;
	int rc = 0;

	*may = 1;
	lo = malloc(b->meter_count * sizeof(*lo));
	hi = malloc(b->meter_count * sizeof(*hi));
	if (lo == NULL || hi == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory for %zu meters", b->meter_count);
	for (m = 0; rc == 0 && m < b->meter_count; m++)
		lo[m] = INT64_MAX, hi[m] = INT64_MIN;
	for (k = first; rc == 0 && k < first + rows; k++) {
		const ecl_interval_reading *r = &b->intervals[k];

		if (r->period_start < lo[r->meter])
			lo[r->meter] = r->period_start;
		if (r->period_start > hi[r->meter])
			hi[r->meter] = r->period_start;
	}
	ecl__pg_array_begin(&meters);
	ecl__pg_array_begin(&los);
	ecl__pg_array_begin(&his);
	for (m = 0; rc == 0 && m < b->meter_count; m++) {
		if (lo[m] > hi[m])
			continue;
		ecl__pg_array_int(&meters, ctx->ids[m]);
		ecl__pg_array_int(&los, lo[m]);
		ecl__pg_array_int(&his, hi[m]);
	}
	if (rc == 0)
		rc = ecl__pg_array_end(&meters);
	if (rc == 0)
		rc = ecl__pg_array_end(&los);
	if (rc == 0)
		rc = ecl__pg_array_end(&his);
	ecl__pg_params_init(&p);
	ecl__pg_text(&p, meters.buf.ptr);
	ecl__pg_text(&p, los.buf.ptr);
	ecl__pg_text(&p, his.buf.ptr);
	if (rc == 0)
		rc = ecl__pg_query(&res, conn,
			/* LATERAL … LIMIT 1: one index probe per meter, never a
			 * join plan that scans the table. */
			"SELECT EXISTS (SELECT 1 FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS c(m, lo, hi),"
			" LATERAL (SELECT 1 FROM hh_readings h WHERE h.meter_id = c.m"
			"  AND h.period_start BETWEEN to_timestamp(c.lo) AND to_timestamp(c.hi) LIMIT 1) AS x)", &p,
			"looking for stored readings");
	if (rc == 0)
		*may = strcmp(PQgetvalue(res, 0, 0), "f") != 0;
	PQclear(res);
	ecl_buf_dispose(&meters.buf);
	ecl_buf_dispose(&los.buf);
	ecl_buf_dispose(&his.buf);
	free(lo);
	free(hi);
	return rc;
}

/* COPY readings [first, first + rows) under a savepoint: *done = 1 when
 * they were written, 0 when an existing key refused them (rolled back, no
 * error). */
static int copy_interval_chunk(ecl_backend_conn *conn, write_ctx *ctx, int64_t key, size_t first,
                               size_t rows, int *done)
{
	int64_t copied = 0;
	int rc;

	*done = 0;
	rc = ecl__pg_exec(conn, "SAVEPOINT ecl_copy", "writing readings");
	if (rc == 0) {
		rc = ecl__pg_copy_intervals(conn, &ctx->batch->intervals[first], rows, ctx->ids, key,
			&copied);
		if (rc == ECL_EDB && strcmp(conn->last_state, "23505") == 0) {
			ecl_error_clear();
			rc = ecl__pg_exec(conn, "ROLLBACK TO SAVEPOINT ecl_copy", "writing readings");
		} else if (rc == 0) {
			*done = 1;
			ctx->counts.inserted += copied;
			rc = ecl__pg_exec(conn, "RELEASE SAVEPOINT ecl_copy", "writing readings");
		}
	}
	return rc;
}

static int upsert_interval_chunk(ecl_backend_conn *conn, write_ctx *ctx, int64_t key, size_t first,
                                 size_t rows)
{
	const ecl_reading_batch *b = ctx->batch;
	pg_array a[7];
	PGresult *res = NULL;
	pg_params p;
	size_t k;
	int i, rc = 0;

	for (i = 0; i < 7; i++)
		ecl__pg_array_begin(&a[i]);
	for (k = first; k < first + rows; k++) {
		const ecl_interval_reading *r = &b->intervals[k];

		ecl__pg_array_int(&a[0], ctx->ids[r->meter]);
		ecl__pg_array_int(&a[1], r->period_start);
		ecl__pg_array_text(&a[2], r->reading_date);
		ecl__pg_array_int(&a[3], r->local_minutes);
		ecl__pg_array_int(&a[4], r->period_number);
		ecl__pg_array_double(&a[5], r->value);
		ecl__pg_array_text(&a[6], r->estimated ? "t" : "f");
	}
	ecl__pg_params_init(&p);
	for (i = 0; i < 7; i++) {
		if (rc == 0)
			rc = ecl__pg_array_end(&a[i]);
		ecl__pg_text(&p, a[i].buf.ptr);
	}
	if (key > 0)
		ecl__pg_int(&p, key);
	else
		ecl__pg_text(&p, NULL);
	ecl__pg_int(&p, b->now);
	ecl__pg_bool(&p, b->overwrite_actual);
	if (rc == 0)
		rc = ecl__pg_query(&res, conn, HH_UPSERT, &p, "writing readings");
	if (rc == 0)
		count_upsert(res, rows, &ctx->counts);
	PQclear(res);
	for (i = 0; i < 7; i++)
		ecl_buf_dispose(&a[i].buf);
	return rc;
}

static int write_intervals(ecl_backend_conn *conn, write_ctx *ctx, int64_t key)
{
	size_t done = 0, total = ctx->batch->interval_count;
	int rc = 0;

	while (rc == 0 && done < total) {
		size_t rows = total - done > ROWS_PER_STATEMENT ? ROWS_PER_STATEMENT : total - done;

		int may_conflict = 1, copied = 0;

		rc = chunk_may_conflict(conn, ctx, done, rows, &may_conflict);
		if (rc == 0 && !may_conflict)
			rc = copy_interval_chunk(conn, ctx, key, done, rows, &copied);
		if (rc == 0 && !copied)
			rc = upsert_interval_chunk(conn, ctx, key, done, rows);
		done += rows;
	}
	return rc;
}

static int write_dailies(ecl_backend_conn *conn, write_ctx *ctx)
{
	const ecl_reading_batch *b = ctx->batch;
	pg_array a[4];
	PGresult *res = NULL;
	pg_params p;
	size_t k;
	int i, rc = 0;

	if (b->daily_count == 0)
		return 0;
	for (i = 0; i < 4; i++)
		ecl__pg_array_begin(&a[i]);
	for (k = 0; k < b->daily_count; k++) {
		const ecl_daily_reading *r = &b->dailies[k];

		ecl__pg_array_int(&a[0], ctx->ids[r->meter]);
		ecl__pg_array_text(&a[1], r->reading_date);
		ecl__pg_array_double(&a[2], r->value);
		ecl__pg_array_text(&a[3], r->estimated ? "t" : "f");
	}
	ecl__pg_params_init(&p);
	for (i = 0; i < 4; i++) {
		if (rc == 0)
			rc = ecl__pg_array_end(&a[i]);
		ecl__pg_text(&p, a[i].buf.ptr);
	}
	ecl__pg_text(&p, b->batch_id);
	ecl__pg_int(&p, b->now);
	ecl__pg_bool(&p, b->overwrite_actual);
	if (rc == 0)
		rc = ecl__pg_query(&res, conn, DAILY_UPSERT, &p, "writing daily readings");
	if (rc == 0)
		count_upsert(res, b->daily_count, &ctx->counts);
	PQclear(res);
	for (i = 0; i < 4; i++)
		ecl_buf_dispose(&a[i].buf);
	return rc;
}

/* Widen `m`'s [first, last] to take in `day`. */
static void widen(const char **first, const char **last, size_t m, const char *day)
{
	if (first[m] == NULL || strcmp(day, first[m]) < 0)
		first[m] = day;
	if (last[m] == NULL || strcmp(day, last[m]) > 0)
		last[m] = day;
}

/* Widen the batch's import_batch_meters rows to the days it wrote. The
 * span of each meter is worked out here, so the statement carries one
 * element per meter rather than one per reading. */
static int record_extent(ecl_backend_conn *conn, write_ctx *ctx, int64_t key)
{
	const ecl_reading_batch *b = ctx->batch;
	const char **first = NULL, **last = NULL;
	pg_array meters, firsts, lasts;
	pg_params p;
	size_t k;
	int rc = 0;

	if (key == 0 || b->meter_count == 0 || (b->interval_count == 0 && b->daily_count == 0))
		return 0;
	first = calloc(b->meter_count, sizeof(*first));
	last = calloc(b->meter_count, sizeof(*last));
	if (first == NULL || last == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory for %zu meters", b->meter_count);
	for (k = 0; rc == 0 && k < b->interval_count; k++)
		widen(first, last, b->intervals[k].meter, b->intervals[k].reading_date);
	for (k = 0; rc == 0 && k < b->daily_count; k++)
		widen(first, last, b->dailies[k].meter, b->dailies[k].reading_date);
	ecl__pg_array_begin(&meters);
	ecl__pg_array_begin(&firsts);
	ecl__pg_array_begin(&lasts);
	for (k = 0; rc == 0 && k < b->meter_count; k++) {
		if (first[k] == NULL)
			continue;
		ecl__pg_array_int(&meters, ctx->ids[k]);
		ecl__pg_array_text(&firsts, first[k]);
		ecl__pg_array_text(&lasts, last[k]);
	}
	if (rc == 0)
		rc = ecl__pg_array_end(&meters);
	if (rc == 0)
		rc = ecl__pg_array_end(&firsts);
	if (rc == 0)
		rc = ecl__pg_array_end(&lasts);
	ecl__pg_params_init(&p);
	ecl__pg_int(&p, key);
	ecl__pg_text(&p, meters.buf.ptr);
	ecl__pg_text(&p, firsts.buf.ptr);
	ecl__pg_text(&p, lasts.buf.ptr);
	/* GROUP BY: one row per meter id, should two of the batch's meter
	 * entries resolve to the same id (ON CONFLICT cannot touch a row twice). */
	if (rc == 0)
		rc = ecl__pg_command(conn,
			"INSERT INTO import_batch_meters AS x (import_batch, meter_id, first_date, last_date)"
			" SELECT $1::bigint, s.m, min(s.f), max(s.l)"
			" FROM unnest($2::bigint[], $3::date[], $4::date[]) AS s(m, f, l) GROUP BY s.m ORDER BY s.m"
			" ON CONFLICT (import_batch, meter_id) DO UPDATE SET"
			" first_date = least(x.first_date, excluded.first_date),"
			" last_date = greatest(x.last_date, excluded.last_date)", &p, NULL,
			"recording the days an import batch wrote");
	ecl_buf_dispose(&meters.buf);
	ecl_buf_dispose(&firsts.buf);
	ecl_buf_dispose(&lasts.buf);
	free(first);
	free(last);
	return rc;
}

/* The batch's part of the readings_write transaction (backends/common/readings_run.c). */
int ecl__pg_readings_batch(ecl_backend_conn *conn, write_ctx *ctx)
{
	int64_t key = 0;
	int rc = resolve_meters(conn, ctx);

	if (rc == 0 && (ctx->batch->interval_count > 0 || ctx->batch->daily_count > 0))
		rc = batch_key(conn, ctx->batch, &key);
	if (rc == 0)
		rc = write_intervals(conn, ctx, key);
	if (rc == 0)
		rc = write_dailies(conn, ctx);
	if (rc == 0)
		rc = record_extent(conn, ctx, key);
	return rc;
}

/* ---- the extent of a batch (version 3) --------------------------------------------- */

typedef struct extent_ctx {
	const char *batch_id;
	ecl_batch_extent *out;
} extent_ctx;

static int read_extent(ecl_backend_conn *conn, void *opaque)
{
	extent_ctx *ctx = opaque;
	ecl_batch_extent *out = ctx->out;
	PGresult *res = NULL;
	pg_params p;
	int rc, n, i;

	free(out->meter_ids);
	memset(out, 0, sizeof(*out));
	ecl__pg_params_init(&p);
	ecl__pg_text(&p, ctx->batch_id);
	rc = ecl__pg_query(&res, conn,
		"SELECT m.meter_id, min(m.first_date) OVER (), max(m.last_date) OVER ()"
		" FROM import_batches b JOIN import_batch_meters m ON m.import_batch = b.id"
		" WHERE b.batch_id = $1::text ORDER BY m.meter_id", &p, "reading an import batch's meters");
	n = rc == 0 ? PQntuples(res) : 0;
	if (n > 0 && (out->meter_ids = malloc((size_t)n * sizeof(*out->meter_ids))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading an import batch's meters");
	for (i = 0; rc == 0 && i < n; i++)
		out->meter_ids[out->meter_count++] = ecl__pg_get_int(res, i, 0);
	if (rc == 0 && n > 0) {
		ecl__pg_copy_date(out->first_date, res, 0, 1);
		ecl__pg_copy_date(out->last_date, res, 0, 2);
	}
	PQclear(res);
	return rc;
}

int ecl__pg_batch_extent(ecl_backend_conn *conn, const char *batch_id, ecl_batch_extent *out)
{
	extent_ctx ctx = { batch_id, out };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ecl__pg_read(conn, read_extent, &ctx, "reading an import batch's meters");
	if (rc != 0) {
		free(out->meter_ids);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}
