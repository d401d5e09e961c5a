/*
 * Set-based aggregation on SQLite.
 *
 * The run's scope is loaded into temporary tables (the meters, and the days
 * or periods with their UTC bounds as the core computed them), and each
 * range is a few statements over it: an upsert from the source rows, and a
 * delete of the rows in scope whose source has gone. The upsert writes a
 * row only when a value differs, so a re-run leaves rows (and updated_at)
 * as they are. The nested loop meters x days x readings runs in primary-key
 * order, so the GROUP BY needs no sort.
 *
 * The run itself, and its fallback to one meter at a time when a statement
 * fails on one meter's data (a constraint, a trigger, a value out of
 * range), is backends/common/aggregate_run.c; this file gives it the SQL.
 */
#include "backends/common/aggregate_sql.h"
#include "sqlite_internal.h"

#define SCOPE_SQL \
	"CREATE TEMP TABLE IF NOT EXISTS ecl_agg_all (id INTEGER PRIMARY KEY, mpan TEXT);" \
	"CREATE TEMP TABLE IF NOT EXISTS ecl_agg_meters (id INTEGER PRIMARY KEY);" \
	"CREATE TEMP TABLE IF NOT EXISTS ecl_agg_days (date TEXT PRIMARY KEY, " \
	"  day_start INTEGER NOT NULL, day_end INTEGER NOT NULL, periods INTEGER NOT NULL) WITHOUT ROWID;" \
	"CREATE TEMP TABLE IF NOT EXISTS ecl_agg_periods (first_day TEXT PRIMARY KEY, " \
	"  last_day TEXT NOT NULL) WITHOUT ROWID;" \
	"DELETE FROM ecl_agg_all; DELETE FROM ecl_agg_meters; DELETE FROM ecl_agg_days;" \
	"DELETE FROM ecl_agg_periods;"

/* ---- daily ------------------------------------------------------------------ */

#define DAILY_SET \
	ECL__AGG_DAILY_SET \
	" WHERE (total_consumption, peak_consumption, off_peak_consumption, min_reading, max_reading," \
	"        reading_count, expected_periods, actual_count, estimated_count, source)" \
	"  IS NOT " ECL__AGG_DAILY_EXCLUDED

#define DAILY_INSERT \
	"INSERT INTO daily_aggregations (meter_id, date, total_consumption, peak_consumption," \
	" off_peak_consumption, min_reading, max_reading, reading_count, expected_periods," \
	" actual_count, estimated_count, source, created_at) "

#define HAS_HH(m, d) \
	"EXISTS (SELECT 1 FROM hh_readings x WHERE x.meter_id = " m ".id" \
	" AND x.period_start >= " d ".day_start AND x.period_start < " d ".day_end)"

/* ?1, ?2: the peak window (local minutes); ?3: now. */
static const char *const daily_sql[] = {
	DAILY_INSERT
	"SELECT m.id, d.date, sum(r.reading_value),"
	" sum(CASE WHEN r.local_minutes BETWEEN ?1 AND ?2 THEN r.reading_value ELSE 0 END),"
	" sum(CASE WHEN r.local_minutes BETWEEN ?1 AND ?2 THEN 0 ELSE r.reading_value END),"
	" min(r.reading_value), max(r.reading_value), count(*), d.periods,"
	" count(*) - sum(r.estimated), sum(r.estimated), 'hh', ?3"
	" FROM ecl_agg_meters m CROSS JOIN ecl_agg_days d"
	" CROSS JOIN hh_readings r ON r.meter_id = m.id"
	"  AND r.period_start >= d.day_start AND r.period_start < d.day_end"
	" WHERE 1 GROUP BY m.id, d.date" DAILY_SET,

	/* A day known only by its daily total: its peak split is unknown. */
	DAILY_INSERT
	"SELECT m.id, d.date, t.reading_value, NULL, NULL, NULL, NULL, 1, 1,"
	" t.reading_type = 'actual', t.reading_type = 'estimated', 'daily', ?3"
	" FROM ecl_agg_meters m CROSS JOIN ecl_agg_days d"
	" CROSS JOIN daily_readings t ON t.meter_id = m.id AND t.reading_date = d.date"
	" WHERE NOT " HAS_HH("m", "d") DAILY_SET,

	NULL
};

static const char daily_remove_sql[] =
	"DELETE FROM daily_aggregations WHERE (meter_id, date) IN ("
	" SELECT a.meter_id, a.date FROM ecl_agg_meters m CROSS JOIN ecl_agg_days d"
	" CROSS JOIN daily_aggregations a ON a.meter_id = m.id AND a.date = d.date"
	" WHERE NOT " HAS_HH("m", "d")
	" AND NOT EXISTS (SELECT 1 FROM daily_readings t WHERE t.meter_id = m.id"
	"  AND t.reading_date = d.date))";

static const char daily_count_sql[] =
	"SELECT count(*), count(DISTINCT a.meter_id), coalesce(sum(a.reading_count < a.expected_periods), 0)"
	" FROM ecl_agg_meters m CROSS JOIN ecl_agg_days d"
	" CROSS JOIN daily_aggregations a ON a.meter_id = m.id AND a.date = d.date";

/* ---- weekly, monthly, annual ------------------------------------------------ */

/* The statements of one period table, built from its name and column prefix. */
#define PERIOD_UPSERT(table, p) \
	"INSERT INTO " table " (meter_id, " p "_start, " p "_end, total_consumption, peak_consumption," \
	" off_peak_consumption, min_daily_consumption, max_daily_consumption, day_count, reading_count," \
	" created_at)" \
	" SELECT m.id, p.first_day, p.last_day," ECL__AGG_PERIOD_FIGURES " ?3" \
	" FROM ecl_agg_meters m CROSS JOIN ecl_agg_periods p" \
	" CROSS JOIN daily_aggregations a ON a.meter_id = m.id" \
	"  AND a.date >= p.first_day AND a.date <= p.last_day" \
	" WHERE 1 GROUP BY m.id, p.first_day" \
	ECL__AGG_PERIOD_SET(p) \
	" WHERE (" p "_end, total_consumption, peak_consumption, off_peak_consumption," \
	"        min_daily_consumption, max_daily_consumption, day_count, reading_count)" \
	"  IS NOT " ECL__AGG_PERIOD_EXCLUDED(p)

#define PERIOD_REMOVE(table, p) \
	"DELETE FROM " table " WHERE (meter_id, " p "_start) IN (" \
	" SELECT a.meter_id, a." p "_start FROM ecl_agg_meters m CROSS JOIN ecl_agg_periods p" \
	" CROSS JOIN " table " a ON a.meter_id = m.id AND a." p "_start = p.first_day" \
	" WHERE NOT EXISTS (SELECT 1 FROM daily_aggregations d WHERE d.meter_id = m.id" \
	"  AND d.date >= p.first_day AND d.date <= p.last_day))"

#define PERIOD_COUNT(table, p) \
	"SELECT count(*), count(DISTINCT a.meter_id), 0 FROM ecl_agg_meters m" \
	" CROSS JOIN ecl_agg_periods p CROSS JOIN " table " a ON a.meter_id = m.id" \
	"  AND a." p "_start = p.first_day"

typedef struct range_sql {
	const char *upsert[3];  /* NULL-terminated */
	const char *remove;
	const char *count;
} range_sql;

static const range_sql ranges[ECL_RANGE_COUNT] = {
	{ { NULL }, daily_remove_sql, daily_count_sql },
	{ { PERIOD_UPSERT("weekly_aggregations", "week"), NULL },
	  PERIOD_REMOVE("weekly_aggregations", "week"), PERIOD_COUNT("weekly_aggregations", "week") },
	{ { PERIOD_UPSERT("monthly_aggregations", "month"), NULL },
	  PERIOD_REMOVE("monthly_aggregations", "month"), PERIOD_COUNT("monthly_aggregations", "month") },
	{ { PERIOD_UPSERT("annual_aggregations", "year"), NULL },
	  PERIOD_REMOVE("annual_aggregations", "year"), PERIOD_COUNT("annual_aggregations", "year") },
};

/* ---- the hooks of the shared run (backends/common/aggregate_run.c) ------------- */

typedef struct agg_self {
	const ecl_aggregate_request *q;
} agg_self;

/* A failure that lies in the data of the rows written, not in the database. */
static int is_data_fault(int sqlite_rc)
{
	int primary = sqlite_rc & 0xff;

	return primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH || primary == SQLITE_TOOBIG
		|| primary == SQLITE_RANGE;
}

/* Run one statement of the range; *changes gets the rows it changed. */
static int run_statement(ecl_backend_conn *conn, const ecl_aggregate_request *q, const char *sql,
                         int64_t *changes, int *data_fault)
{
	sqlite3_stmt *s;
	int step, rc = ecl__sqlite_prepare(&s, conn, sql);

	if (rc != 0)
		return rc;
	sqlite3_bind_int(s, 1, q->peak_start_minutes);
	sqlite3_bind_int(s, 2, q->peak_end_minutes);
	sqlite3_bind_int64(s, 3, q->now);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		*changes += sqlite3_changes(conn->db);
	} else {
		*data_fault = is_data_fault(sqlite3_extended_errcode(conn->db));
		rc = ecl__sqlite_error(conn, step, "aggregating");
	}
	ecl__sqlite_done(s);
	return rc;
}

/* The range's statements over the meters now in ecl_agg_meters. */
int ecl__sqlite_agg_statements(ecl_backend_conn *conn, void *self, int64_t *written,
                               int64_t *removed, int *data_fault)
{
	const ecl_aggregate_request *q = ((agg_self *)self)->q;
	const range_sql *r = &ranges[q->range];
	const char *const *upsert = q->range == ECL_RANGE_DAILY ? daily_sql : r->upsert;
	int rc = 0;

	for (; rc == 0 && *upsert != NULL; upsert++)
		rc = run_statement(conn, q, *upsert, written, data_fault);
	if (rc == 0)
		rc = run_statement(conn, q, r->remove, removed, data_fault);
	return rc;
}

static int step_done(ecl_backend_conn *conn, sqlite3_stmt *s, const char *doing)
{
	int step = sqlite3_step(s);
	int rc = step == SQLITE_DONE ? 0 : ecl__sqlite_error(conn, step, doing);

	ecl__sqlite_done(s);
	return rc;
}

static int load_meters(ecl_backend_conn *conn, const ecl_aggregate_request *q)
{
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if (q->meter_ids == NULL) {
		rc = ecl__sqlite_exec(conn, "INSERT INTO ecl_agg_all (id, mpan) "
			"SELECT id, mpan FROM meters WHERE is_active = 1", "choosing the meters to aggregate");
	} else {
		rc = ecl__sqlite_prepare(&s, conn, "INSERT OR IGNORE INTO ecl_agg_all (id, mpan) "
			"SELECT id, mpan FROM meters WHERE id = ?1 AND is_active = 1");
		for (i = 0; rc == 0 && i < q->meter_count; i++) {
			sqlite3_bind_int64(s, 1, q->meter_ids[i]);
			rc = step_done(conn, s, "choosing the meters to aggregate");
		}
	}
	if (rc == 0)
		rc = ecl__sqlite_exec(conn, "INSERT INTO ecl_agg_meters SELECT id FROM ecl_agg_all",
			"choosing the meters to aggregate");
	return rc;
}

static int load_calendar(ecl_backend_conn *conn, const ecl_aggregate_request *q)
{
	sqlite3_stmt *s;
	size_t i;
	int rc = ecl__sqlite_prepare(&s, conn,
		"INSERT INTO ecl_agg_days (date, day_start, day_end, periods) VALUES (?1, ?2, ?3, ?4)");

	for (i = 0; rc == 0 && i < q->day_count; i++) {
		sqlite3_bind_text(s, 1, q->days[i].date, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, q->days[i].start);
		sqlite3_bind_int64(s, 3, q->days[i].end);
		sqlite3_bind_int(s, 4, q->days[i].periods);
		rc = step_done(conn, s, "loading the days to aggregate");
	}
	if (rc == 0)
		rc = ecl__sqlite_prepare(&s, conn,
			"INSERT INTO ecl_agg_periods (first_day, last_day) VALUES (?1, ?2)");
	for (i = 0; rc == 0 && i < q->period_count; i++) {
		sqlite3_bind_text(s, 1, q->periods[i].start, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, q->periods[i].end, -1, SQLITE_STATIC);
		rc = step_done(conn, s, "loading the periods to aggregate");
	}
	return rc;
}

/* The scope goes into temporary tables, for the statements to join. */
int ecl__sqlite_agg_scope(ecl_backend_conn *conn, void *self)
{
	const ecl_aggregate_request *q = ((agg_self *)self)->q;
	int rc = ecl__sqlite_exec(conn, SCOPE_SQL, "preparing an aggregation");

	if (rc == 0)
		rc = load_meters(conn, q);
	if (rc == 0)
		rc = load_calendar(conn, q);
	return rc;
}

int ecl__sqlite_agg_meters(ecl_backend_conn *conn, void *self, ecl__agg_meters *out)
{
	sqlite3_stmt *list = NULL;
	int step = SQLITE_DONE;
	int rc = ecl__sqlite_prepare(&list, conn, "SELECT id, mpan FROM ecl_agg_all ORDER BY id");

	(void)self;
	if (rc != 0)
		return rc;
	while (rc == 0 && (step = sqlite3_step(list)) == SQLITE_ROW)
		rc = ecl__agg_meters_add(out, sqlite3_column_int64(list, 0),
			(const char *)sqlite3_column_text(list, 1));
	if (rc == 0 && step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, "listing the meters to aggregate");
	ecl__sqlite_done(list);
	return rc;
}

int ecl__sqlite_agg_narrow(ecl_backend_conn *conn, void *self, const int64_t *ids, size_t count)
{
	sqlite3_stmt *s;
	size_t i;
	int rc = ecl__sqlite_exec(conn, "DELETE FROM ecl_agg_meters", "aggregating");

	(void)self;
	if (rc == 0)
		rc = ecl__sqlite_prepare(&s, conn, "INSERT INTO ecl_agg_meters (id) VALUES (?1)");
	for (i = 0; rc == 0 && i < count; i++) {
		sqlite3_bind_int64(s, 1, ids[i]);
		rc = step_done(conn, s, "aggregating one meter");
	}
	return rc;
}

int ecl__sqlite_agg_count(ecl_backend_conn *conn, void *self, int64_t *rows, int64_t *meters,
                          int64_t *incomplete)
{
	sqlite3_stmt *s;
	int step, rc = ecl__sqlite_prepare(&s, conn, ranges[((agg_self *)self)->q->range].count);

	if (rc != 0)
		return rc;
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		*rows = sqlite3_column_int64(s, 0);
		*meters = sqlite3_column_int64(s, 1);
		*incomplete = sqlite3_column_int64(s, 2);
	} else {
		rc = ecl__sqlite_error(conn, step, "counting aggregated rows");
	}
	ecl__sqlite_done(s);
	return rc;
}

int ecl__sqlite_aggregate(ecl_backend_conn *conn, const ecl_aggregate_request *request,
                          ecl_aggregate_counts *counts)
{
	agg_self self = { request };

	return ecl__agg_run(conn, &self, request, counts);
}
