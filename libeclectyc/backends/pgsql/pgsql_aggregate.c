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
 * The run itself, and its fallback to one meter at a time when a statement
 * fails on one meter's data (a constraint, a value out of range: SQLSTATE
 * classes 22 and 23), is backends/common/aggregate_run.c; this file gives
 * it the SQL.
 */
#include <string.h>

#include "backends/common/aggregate_sql.h"
#include "pgsql_internal.h"

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
	ECL__AGG_DAILY_SET \
	" WHERE (x.total_consumption, x.peak_consumption, x.off_peak_consumption, x.min_reading," \
	"        x.max_reading, x.reading_count, x.expected_periods, x.actual_count," \
	"        x.estimated_count, x.source)" \
	"  IS DISTINCT FROM " ECL__AGG_DAILY_EXCLUDED

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
	" SELECT m.id, p.first_day, p.last_day," ECL__AGG_PERIOD_FIGURES \
	" to_timestamp($4::bigint)" \
	" FROM m CROSS JOIN p JOIN daily_aggregations a ON a.meter_id = m.id" \
	"  AND a.date >= p.first_day AND a.date <= p.last_day" \
	" GROUP BY m.id, p.first_day, p.last_day" \
	ECL__AGG_PERIOD_SET(p) \
	" WHERE (x." p "_end, x.total_consumption, x.peak_consumption, x.off_peak_consumption," \
	"        x.min_daily_consumption, x.max_daily_consumption, x.day_count, x.reading_count)" \
	"  IS DISTINCT FROM " ECL__AGG_PERIOD_EXCLUDED(p)

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

/* ---- the hooks of the shared run (backends/common/aggregate_run.c) ---------- */

typedef struct agg_self {
	const ecl_aggregate_request *q;
	pg_array scope[4];           /* the days ($2..$5) or periods ($2, $3) as arrays */
	size_t scope_count;
	pg_array meters;             /* $1: the meters in scope; NULL text = every active one */
	int all_meters;
} agg_self;

/* The scope parameters: meters ($1) then the calendar arrays. */
static void scope_params(pg_params *p, const agg_self *x)
{
	size_t i;

	ecl__pg_params_init(p);
	ecl__pg_text(p, x->all_meters ? NULL : x->meters.buf.ptr);
	for (i = 0; i < x->scope_count; i++)
		ecl__pg_text(p, x->scope[i].buf.ptr);
}

/* Run one statement of the range; *changes += rows changed. */
static int run_statement(ecl_backend_conn *conn, const agg_self *x, const char *sql, int with_peak,
                         int with_now, int64_t *changes, int *data_fault)
{
	int64_t changed = 0;
	pg_params p;
	int rc;

	scope_params(&p, x);
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
		*data_fault = strncmp(conn->last_state, "22", 2) == 0
			|| strncmp(conn->last_state, "23", 2) == 0;
	return rc;
}

int ecl__pg_agg_statements(ecl_backend_conn *conn, void *self, int64_t *written, int64_t *removed,
                           int *data_fault)
{
	const agg_self *x = self;
	const range_sql *r = &ranges[x->q->range];
	int rc;

	if (x->q->range == ECL_RANGE_DAILY) {
		rc = run_statement(conn, x, daily_hh_sql, 1, 1, written, data_fault);
		if (rc == 0)
			rc = run_statement(conn, x, daily_total_sql, 0, 1, written, data_fault);
	} else {
		rc = run_statement(conn, x, r->upsert, 0, 1, written, data_fault);
	}
	if (rc == 0)
		rc = run_statement(conn, x, r->remove, 0, 0, removed, data_fault);
	return rc;
}

/* The scope's meters are a parameter: a new run starts from the request's. */
static int request_meters(agg_self *x)
{
	const ecl_aggregate_request *q = x->q;
	size_t i;

	ecl_buf_dispose(&x->meters.buf);
	ecl__pg_array_begin(&x->meters);
	for (i = 0; q->meter_ids != NULL && i < q->meter_count; i++)
		ecl__pg_array_int(&x->meters, q->meter_ids[i]);
	x->all_meters = q->meter_ids == NULL;
	return ecl__pg_array_end(&x->meters);
}

int ecl__pg_agg_scope(ecl_backend_conn *conn, void *self)
{
	(void)conn;
	return request_meters(self);
}

int ecl__pg_agg_meters(ecl_backend_conn *conn, void *self, ecl__agg_meters *out)
{
	const agg_self *x = self;
	PGresult *list = NULL;
	pg_params p;
	int i, rc;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, x->all_meters ? NULL : x->meters.buf.ptr);
	rc = ecl__pg_query(&list, conn, "SELECT id, mpan FROM meters WHERE is_active"
		" AND ($1::bigint[] IS NULL OR id = ANY ($1::bigint[])) ORDER BY id", &p,
		"listing the meters to aggregate");
	for (i = 0; rc == 0 && i < PQntuples(list); i++)
		rc = ecl__agg_meters_add(out, ecl__pg_get_int(list, i, 0), PQgetvalue(list, i, 1));
	PQclear(list);
	return rc;
}

int ecl__pg_agg_narrow(ecl_backend_conn *conn, void *self, const int64_t *ids, size_t count)
{
	agg_self *x = self;
	size_t i;

	(void)conn;
	ecl_buf_dispose(&x->meters.buf);
	ecl__pg_array_begin(&x->meters);
	for (i = 0; i < count; i++)
		ecl__pg_array_int(&x->meters, ids[i]);
	x->all_meters = 0;
	return ecl__pg_array_end(&x->meters);
}

int ecl__pg_agg_count(ecl_backend_conn *conn, void *self, int64_t *rows, int64_t *meters,
                      int64_t *incomplete)
{
	const agg_self *x = self;
	PGresult *res = NULL;
	pg_params p;
	int rc;

	scope_params(&p, x);
	rc = ecl__pg_query(&res, conn, ranges[x->q->range].count, &p, "counting aggregated rows");
	if (rc == 0) {
		*rows = ecl__pg_get_int(res, 0, 0);
		*meters = ecl__pg_get_int(res, 0, 1);
		*incomplete = ecl__pg_get_int(res, 0, 2);
	}
	PQclear(res);
	return rc;
}

/* The calendar of the request as array parameters. */
static int build_scope(agg_self *x)
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
	agg_self x;
	size_t i;
	int rc;

	memset(&x, 0, sizeof(x));
	x.q = request;
	rc = build_scope(&x);
	if (rc == 0)
		rc = ecl__agg_run(conn, &x, request, counts);
	for (i = 0; i < 4; i++)
		ecl_buf_dispose(&x.scope[i].buf);
	ecl_buf_dispose(&x.meters.buf);
	return rc;
}
