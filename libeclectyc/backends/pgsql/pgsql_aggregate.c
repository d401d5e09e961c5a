/*
 * Set-based aggregation on PostgreSQL.
 *
 * The run's scope travels as array parameters (the meters, and the days or
 * periods with the UTC bounds the core computed), expanded by unnest() in a
 * common table expression, so no temporary tables are created. Each range
 * is a few statements over that scope: an upsert from the source rows and a
 * delete of the rows in scope whose source has gone. The upsert writes a row
 * only when a value differs (IS DISTINCT FROM), so a re-run leaves rows and
 * updated_at as they are.
 *
 * When a statement fails on one meter's data (a constraint, a value out of
 * range: SQLSTATE classes 22 and 23), the set-based attempt is rolled back
 * to a savepoint and the run repeated meter by meter, each under its own
 * savepoint: the meters that fail are reported and left out, the others
 * are committed.
 */
#include <stdlib.h>
#include <string.h>

#include "pgsql_internal.h"
#include "util/strutil.h"

/* $1: meter ids (NULL = every active meter). */
#define SCOPE_METERS \
	"m AS (SELECT id FROM meters WHERE is_active" \
	" AND ($1::bigint[] IS NULL OR id = ANY ($1::bigint[])))"
/* $2..$5: the days, their UTC bounds and periods. */
#define SCOPE_DAYS \
	"WITH " SCOPE_METERS ", d AS (SELECT u.date, to_timestamp(u.s) AS day_start," \
	" to_timestamp(u.e) AS day_end, u.periods" \
	" FROM unnest($2::date[], $3::bigint[], $4::bigint[], $5::integer[]) AS u(date, s, e, periods)) "
/* $2, $3: the periods' first and last days. */
#define SCOPE_PERIODS \
	"WITH " SCOPE_METERS ", p AS (SELECT u.first_day, u.last_day" \
	" FROM unnest($2::date[], $3::date[]) AS u(first_day, last_day)) "

/* ---- daily ------------------------------------------------------------------ */

#define DAILY_SET \
	" ON CONFLICT (meter_id, date) DO UPDATE SET total_consumption = excluded.total_consumption," \
	" peak_consumption = excluded.peak_consumption, off_peak_consumption = excluded.off_peak_consumption," \
	" min_reading = excluded.min_reading, max_reading = excluded.max_reading," \
	" reading_count = excluded.reading_count, expected_periods = excluded.expected_periods," \
	" actual_count = excluded.actual_count, estimated_count = excluded.estimated_count," \
	" source = excluded.source, updated_at = excluded.created_at" \
	" WHERE (x.total_consumption, x.peak_consumption, x.off_peak_consumption, x.min_reading," \
	"        x.max_reading, x.reading_count, x.expected_periods, x.actual_count," \
	"        x.estimated_count, x.source)" \
	"  IS DISTINCT FROM (excluded.total_consumption, excluded.peak_consumption," \
	"        excluded.off_peak_consumption, excluded.min_reading, excluded.max_reading," \
	"        excluded.reading_count, excluded.expected_periods, excluded.actual_count," \
	"        excluded.estimated_count, excluded.source)"

#define DAILY_INSERT \
	"INSERT INTO daily_aggregations AS x (meter_id, date, total_consumption, peak_consumption," \
	" off_peak_consumption, min_reading, max_reading, reading_count, expected_periods," \
	" actual_count, estimated_count, source, created_at) "

#define HAS_HH \
	"EXISTS (SELECT 1 FROM hh_readings h WHERE h.meter_id = m.id" \
	" AND h.period_start >= d.day_start AND h.period_start < d.day_end)"

/* After the scope: $6, $7 the peak window (local minutes), $8 now. */
static const char daily_hh_sql[] =
	SCOPE_DAYS DAILY_INSERT
	"SELECT m.id, d.date, sum(r.reading_value),"
	" sum(CASE WHEN r.local_minutes BETWEEN $6::integer AND $7::integer THEN r.reading_value ELSE 0 END),"
	" sum(CASE WHEN r.local_minutes BETWEEN $6::integer AND $7::integer THEN 0 ELSE r.reading_value END),"
	" min(r.reading_value), max(r.reading_value), count(*), d.periods,"
	" count(*) FILTER (WHERE NOT r.estimated), count(*) FILTER (WHERE r.estimated), 'hh',"
	" to_timestamp($8::bigint)"
	" FROM m CROSS JOIN d JOIN hh_readings r ON r.meter_id = m.id"
	"  AND r.period_start >= d.day_start AND r.period_start < d.day_end"
	" GROUP BY m.id, d.date, d.periods" DAILY_SET;

/* A day known only by its daily total: its peak split is unknown. $6: now. */
static const char daily_total_sql[] =
	SCOPE_DAYS DAILY_INSERT
	"SELECT m.id, d.date, t.reading_value, NULL, NULL, NULL, NULL, 1, 1,"
	" (t.reading_type = 'actual')::int, (t.reading_type = 'estimated')::int, 'daily',"
	" to_timestamp($6::bigint)"
	" FROM m CROSS JOIN d JOIN daily_readings t ON t.meter_id = m.id AND t.reading_date = d.date"
	" WHERE NOT " HAS_HH DAILY_SET;

static const char daily_remove_sql[] =
	SCOPE_DAYS
	"DELETE FROM daily_aggregations a USING m, d WHERE a.meter_id = m.id AND a.date = d.date"
	" AND NOT " HAS_HH
	" AND NOT EXISTS (SELECT 1 FROM daily_readings t WHERE t.meter_id = m.id"
	"  AND t.reading_date = d.date)";

static const char daily_count_sql[] =
	SCOPE_DAYS
	"SELECT count(*), count(DISTINCT a.meter_id),"
	" count(*) FILTER (WHERE a.reading_count < a.expected_periods)"
	" FROM m CROSS JOIN d JOIN daily_aggregations a ON a.meter_id = m.id AND a.date = d.date";

/* ---- weekly, monthly, annual (from daily rows) ------------------------------------ */

/* $4: now. */
#define PERIOD_UPSERT(table, p) \
	SCOPE_PERIODS \
	"INSERT INTO " table " AS x (meter_id, " p "_start, " p "_end, total_consumption," \
	" peak_consumption, off_peak_consumption, min_daily_consumption, max_daily_consumption," \
	" day_count, reading_count, created_at)" \
	" SELECT m.id, p.first_day, p.last_day, sum(a.total_consumption)," \
	" CASE WHEN count(a.peak_consumption) = count(*) THEN sum(a.peak_consumption) END," \
	" CASE WHEN count(a.off_peak_consumption) = count(*) THEN sum(a.off_peak_consumption) END," \
	" min(a.total_consumption), max(a.total_consumption), count(*), sum(a.reading_count)," \
	" to_timestamp($4::bigint)" \
	" FROM m CROSS JOIN p JOIN daily_aggregations a ON a.meter_id = m.id" \
	"  AND a.date >= p.first_day AND a.date <= p.last_day" \
	" GROUP BY m.id, p.first_day, p.last_day" \
	" ON CONFLICT (meter_id, " p "_start) DO UPDATE SET " p "_end = excluded." p "_end," \
	" total_consumption = excluded.total_consumption, peak_consumption = excluded.peak_consumption," \
	" off_peak_consumption = excluded.off_peak_consumption," \
	" min_daily_consumption = excluded.min_daily_consumption," \
	" max_daily_consumption = excluded.max_daily_consumption, day_count = excluded.day_count," \
	" reading_count = excluded.reading_count, updated_at = excluded.created_at" \
	" WHERE (x." p "_end, x.total_consumption, x.peak_consumption, x.off_peak_consumption," \
	"        x.min_daily_consumption, x.max_daily_consumption, x.day_count, x.reading_count)" \
	"  IS DISTINCT FROM (excluded." p "_end, excluded.total_consumption, excluded.peak_consumption," \
	"        excluded.off_peak_consumption, excluded.min_daily_consumption," \
	"        excluded.max_daily_consumption, excluded.day_count, excluded.reading_count)"

#define PERIOD_REMOVE(table, p) \
	SCOPE_PERIODS \
	"DELETE FROM " table " a USING m, p WHERE a.meter_id = m.id AND a." p "_start = p.first_day" \
	" AND NOT EXISTS (SELECT 1 FROM daily_aggregations d WHERE d.meter_id = m.id" \
	"  AND d.date >= p.first_day AND d.date <= p.last_day)"

#define PERIOD_COUNT(table, p) \
	SCOPE_PERIODS \
	"SELECT count(*), count(DISTINCT a.meter_id), 0 FROM m CROSS JOIN p" \
	" JOIN " table " a ON a.meter_id = m.id AND a." p "_start = p.first_day"

typedef struct range_sql {
	const char *upsert;
	const char *remove;
	const char *count;
} range_sql;

static const range_sql ranges[ECL_RANGE_COUNT] = {
	{ NULL, daily_remove_sql, daily_count_sql },
	{ PERIOD_UPSERT("weekly_aggregations", "week"), PERIOD_REMOVE("weekly_aggregations", "week"),
	  PERIOD_COUNT("weekly_aggregations", "week") },
	{ PERIOD_UPSERT("monthly_aggregations", "month"), PERIOD_REMOVE("monthly_aggregations", "month"),
	  PERIOD_COUNT("monthly_aggregations", "month") },
	{ PERIOD_UPSERT("annual_aggregations", "year"), PERIOD_REMOVE("annual_aggregations", "year"),
	  PERIOD_COUNT("annual_aggregations", "year") },
};

/* ---- a run ------------------------------------------------------------------- */

typedef struct meter_failure {
	int64_t id;
	char *mpan;
	char *message;
} meter_failure;

typedef struct agg_ctx {
	const ecl_aggregate_request *q;
	pg_array scope[4];           /* the days ($2..$5) or periods ($2, $3) as arrays */
	size_t scope_count;
	ecl_aggregate_counts counts;
	meter_failure *failures;     /* delivered after the commit */
	size_t failure_count;
	int per_meter_fault;         /* the last failure lay in one meter's data */
} agg_ctx;

static void clear_failures(agg_ctx *x)
{
	size_t i;

	for (i = 0; i < x->failure_count; i++) {
		free(x->failures[i].mpan);
		free(x->failures[i].message);
	}
	free(x->failures);
	x->failures = NULL;
	x->failure_count = 0;
}

/* The scope parameters: meters ($1) then the calendar arrays. */
static void scope_params(pg_params *p, const agg_ctx *x, const char *meters)
{
	size_t i;

	ecl__pg_params_init(p);
	ecl__pg_text(p, meters);
	for (i = 0; i < x->scope_count; i++)
		ecl__pg_text(p, x->scope[i].buf.ptr);
}

/* Run one statement of the range for `meters`; *changes += rows changed. */
static int run_statement(ecl_backend_conn *conn, agg_ctx *x, const char *sql, const char *meters,
                         int with_peak, int with_now, int64_t *changes)
{
	int64_t changed = 0;
	pg_params p;
	int rc;

	scope_params(&p, x, meters);
	if (with_peak) {
		ecl__pg_int(&p, x->q->peak_start_minutes);
		ecl__pg_int(&p, x->q->peak_end_minutes);
	}
	if (with_now)
		ecl__pg_int(&p, x->q->now);
	rc = ecl__pg_command(conn, sql, &p, &changed, "aggregating");
	if (rc == 0)
		*changes += changed;
	else
		x->per_meter_fault = strncmp(conn->last_state, "22", 2) == 0
			|| strncmp(conn->last_state, "23", 2) == 0;
	return rc;
}

static int run_range(ecl_backend_conn *conn, agg_ctx *x, const char *meters)
{
	const range_sql *r = &ranges[x->q->range];
	int rc;

	x->per_meter_fault = 0;
	if (x->q->range == ECL_RANGE_DAILY) {
		rc = run_statement(conn, x, daily_hh_sql, meters, 1, 1, &x->counts.written);
		if (rc == 0)
			rc = run_statement(conn, x, daily_total_sql, meters, 0, 1, &x->counts.written);
	} else {
		rc = run_statement(conn, x, r->upsert, meters, 0, 1, &x->counts.written);
	}
	if (rc == 0)
		rc = run_statement(conn, x, r->remove, meters, 0, 0, &x->counts.removed);
	return rc;
}

static int note_failure(agg_ctx *x, int64_t id, const char *mpan)
{
	meter_failure *grown = realloc(x->failures, (x->failure_count + 1) * sizeof(*grown));
	meter_failure *f;

	if (grown == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory recording a meter's failure");
	x->failures = grown;
	f = &x->failures[x->failure_count++];
	f->id = id;
	f->mpan = ecl__strdup(mpan ? mpan : "?");
	f->message = ecl__strdup(ecl_error_last());
	return 0;
}

/* One meter under its own savepoint; a data fault leaves it out. */
static int aggregate_one(ecl_backend_conn *conn, agg_ctx *x, int64_t id, const char *mpan,
                         int *failed)
{
	ecl_aggregate_counts saved = x->counts;
	char meters[40];
	int rc = ecl__pg_exec(conn, "SAVEPOINT ecl_agg_meter", "aggregating one meter");

	*failed = 0;
	snprintf(meters, sizeof(meters), "{%lld}", (long long)id);
	if (rc == 0 && (rc = run_range(conn, x, meters)) != 0 && x->per_meter_fault) {
		x->counts = saved;
		*failed = 1;
		rc = note_failure(x, id, mpan);
		if (rc == 0)
			rc = ecl__pg_exec(conn, "ROLLBACK TO SAVEPOINT ecl_agg_meter", "aggregating one meter");
	}
	if (rc == 0)
		rc = ecl__pg_exec(conn, "RELEASE SAVEPOINT ecl_agg_meter", "aggregating one meter");
	return rc;
}

/* The set-based attempt failed on some meter's data: go meter by meter.
 * `ok` receives the meters that were aggregated, as an array literal. */
static int aggregate_each(ecl_backend_conn *conn, agg_ctx *x, const char *meters, pg_array *ok)
{
	PGresult *list = NULL;
	pg_params p;
	int i, rc;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, meters);
	rc = ecl__pg_query(&list, conn, "SELECT id, mpan FROM meters WHERE is_active"
		" AND ($1::bigint[] IS NULL OR id = ANY ($1::bigint[])) ORDER BY id", &p,
		"listing the meters to aggregate");
	for (i = 0; rc == 0 && i < PQntuples(list); i++) {
		int64_t id = ecl__pg_get_int(list, i, 0);
		int failed = 0;

		rc = aggregate_one(conn, x, id, PQgetvalue(list, i, 1), &failed);
		if (rc == 0 && !failed)
			ecl__pg_array_int(ok, id);
	}
	PQclear(list);
	if (rc == 0)
		rc = ecl__pg_array_end(ok);
	return rc;
}

static int count_scope(ecl_backend_conn *conn, agg_ctx *x, const char *meters)
{
	PGresult *res = NULL;
	pg_params p;
	int rc;

	scope_params(&p, x, meters);
	rc = ecl__pg_query(&res, conn, ranges[x->q->range].count, &p, "counting aggregated rows");
	if (rc == 0) {
		int64_t rows = ecl__pg_get_int(res, 0, 0);

		x->counts.meters = ecl__pg_get_int(res, 0, 1);
		x->counts.incomplete = ecl__pg_get_int(res, 0, 2);
		x->counts.unchanged = rows > x->counts.written ? rows - x->counts.written : 0;
	}
	PQclear(res);
	return rc;
}

typedef struct work_args {
	agg_ctx *x;
	const char *meters;          /* the request's meters as an array literal, or NULL */
} work_args;

static int aggregate_work(ecl_backend_conn *conn, void *opaque)
{
	work_args *a = opaque;
	agg_ctx *x = a->x;
	pg_array ok;
	int fell_back = 0;
	int rc;

	/* A retried attempt starts again from nothing: the rollback undid it. */
	memset(&x->counts, 0, sizeof(x->counts));
	clear_failures(x);
	ecl__pg_array_begin(&ok);
	rc = ecl__pg_exec(conn, "SAVEPOINT ecl_agg_all", "aggregating");
	if (rc == 0 && (rc = run_range(conn, x, a->meters)) != 0 && x->per_meter_fault) {
		memset(&x->counts, 0, sizeof(x->counts));
		fell_back = 1;
		rc = ecl__pg_exec(conn, "ROLLBACK TO SAVEPOINT ecl_agg_all", "aggregating");
		if (rc == 0)
			rc = aggregate_each(conn, x, a->meters, &ok);
	}
	if (rc == 0)
		rc = ecl__pg_exec(conn, "RELEASE SAVEPOINT ecl_agg_all", "aggregating");
	if (rc == 0)
		rc = count_scope(conn, x, fell_back ? ok.buf.ptr : a->meters);
	ecl_buf_dispose(&ok.buf);
	return rc;
}

/* The calendar of the request as array parameters. */
static int build_scope(agg_ctx *x)
{
	const ecl_aggregate_request *q = x->q;
	size_t i;
	int rc = 0;

	x->scope_count = q->range == ECL_RANGE_DAILY ? 4 : 2;
	for (i = 0; i < x->scope_count; i++)
		ecl__pg_array_begin(&x->scope[i]);
	if (q->range == ECL_RANGE_DAILY) {
		for (i = 0; i < q->day_count; i++) {
			ecl__pg_array_text(&x->scope[0], q->days[i].date);
			ecl__pg_array_int(&x->scope[1], q->days[i].start);
			ecl__pg_array_int(&x->scope[2], q->days[i].end);
			ecl__pg_array_int(&x->scope[3], q->days[i].periods);
		}
	} else {
		for (i = 0; i < q->period_count; i++) {
			ecl__pg_array_text(&x->scope[0], q->periods[i].start);
			ecl__pg_array_text(&x->scope[1], q->periods[i].end);
		}
	}
	for (i = 0; i < x->scope_count; i++)
		if (rc == 0)
			rc = ecl__pg_array_end(&x->scope[i]);
	return rc;
}

int ecl__pg_aggregate(ecl_backend_conn *conn, const ecl_aggregate_request *request,
                      ecl_aggregate_counts *counts)
{
	pg_array meters;
	work_args args;
	agg_ctx x;
	size_t i;
	int rc;

	memset(&x, 0, sizeof(x));
	x.q = request;
	ecl__pg_array_begin(&meters);
	for (i = 0; request->meter_ids != NULL && i < request->meter_count; i++)
		ecl__pg_array_int(&meters, request->meter_ids[i]);
	rc = ecl__pg_array_end(&meters);
	if (rc == 0)
		rc = build_scope(&x);
	args.x = &x;
	args.meters = request->meter_ids != NULL ? meters.buf.ptr : NULL;
	if (rc == 0)
		rc = ecl__pg_write(conn, aggregate_work, &args, "aggregating");
	if (rc == 0) {
		x.counts.failed_meters = (int64_t)x.failure_count;
		*counts = x.counts;
		for (i = 0; request->meter_error != NULL && i < x.failure_count; i++)
			request->meter_error(request->payload, x.failures[i].id, x.failures[i].mpan,
			                     x.failures[i].message ? x.failures[i].message : "out of memory");
	}
	clear_failures(&x);
	for (i = 0; i < 4; i++)
		ecl_buf_dispose(&x.scope[i].buf);
	ecl_buf_dispose(&meters.buf);
	return rc;
}
