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
 * When a statement fails on one meter's data (a constraint, a trigger, a
 * value out of range), the set-based attempt is rolled back to a savepoint
 * and the run is repeated meter by meter, each under its own savepoint: the
 * meters that fail are reported and left out, the others are committed.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"
#include "util/strutil.h"

#define SCOPE_SQL \
	"CREATE TEMP TABLE IF NOT EXISTS ecl_agg_all (id INTEGER PRIMARY KEY, mpan TEXT, " \
	"  failed INTEGER NOT NULL DEFAULT 0);" \
	"CREATE TEMP TABLE IF NOT EXISTS ecl_agg_meters (id INTEGER PRIMARY KEY);" \
	"CREATE TEMP TABLE IF NOT EXISTS ecl_agg_days (date TEXT PRIMARY KEY, " \
	"  day_start INTEGER NOT NULL, day_end INTEGER NOT NULL, periods INTEGER NOT NULL) WITHOUT ROWID;" \
	"CREATE TEMP TABLE IF NOT EXISTS ecl_agg_periods (first_day TEXT PRIMARY KEY, " \
	"  last_day TEXT NOT NULL) WITHOUT ROWID;" \
	"DELETE FROM ecl_agg_all; DELETE FROM ecl_agg_meters; DELETE FROM ecl_agg_days;" \
	"DELETE FROM ecl_agg_periods;"

/* ---- daily ------------------------------------------------------------------ */

#define DAILY_SET \
	" ON CONFLICT (meter_id, date) DO UPDATE SET total_consumption = excluded.total_consumption," \
	" peak_consumption = excluded.peak_consumption, off_peak_consumption = excluded.off_peak_consumption," \
	" min_reading = excluded.min_reading, max_reading = excluded.max_reading," \
	" reading_count = excluded.reading_count, expected_periods = excluded.expected_periods," \
	" actual_count = excluded.actual_count, estimated_count = excluded.estimated_count," \
	" source = excluded.source, updated_at = excluded.created_at" \
	" WHERE (total_consumption, peak_consumption, off_peak_consumption, min_reading, max_reading," \
	"        reading_count, expected_periods, actual_count, estimated_count, source)" \
	"  IS NOT (excluded.total_consumption, excluded.peak_consumption, excluded.off_peak_consumption," \
	"        excluded.min_reading, excluded.max_reading, excluded.reading_count," \
	"        excluded.expected_periods, excluded.actual_count, excluded.estimated_count, excluded.source)"

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
	" SELECT m.id, p.first_day, p.last_day, sum(a.total_consumption)," \
	" CASE WHEN count(a.peak_consumption) = count(*) THEN sum(a.peak_consumption) END," \
	" CASE WHEN count(a.off_peak_consumption) = count(*) THEN sum(a.off_peak_consumption) END," \
	" min(a.total_consumption), max(a.total_consumption), count(*), sum(a.reading_count), ?3" \
	" FROM ecl_agg_meters m CROSS JOIN ecl_agg_periods p" \
	" CROSS JOIN daily_aggregations a ON a.meter_id = m.id" \
	"  AND a.date >= p.first_day AND a.date <= p.last_day" \
	" WHERE 1 GROUP BY m.id, p.first_day" \
	" ON CONFLICT (meter_id, " p "_start) DO UPDATE SET " p "_end = excluded." p "_end," \
	" total_consumption = excluded.total_consumption, peak_consumption = excluded.peak_consumption," \
	" off_peak_consumption = excluded.off_peak_consumption," \
	" min_daily_consumption = excluded.min_daily_consumption," \
	" max_daily_consumption = excluded.max_daily_consumption, day_count = excluded.day_count," \
	" reading_count = excluded.reading_count, updated_at = excluded.created_at" \
	" WHERE (" p "_end, total_consumption, peak_consumption, off_peak_consumption," \
	"        min_daily_consumption, max_daily_consumption, day_count, reading_count)" \
	"  IS NOT (excluded." p "_end, excluded.total_consumption, excluded.peak_consumption," \
	"        excluded.off_peak_consumption, excluded.min_daily_consumption," \
	"        excluded.max_daily_consumption, excluded.day_count, excluded.reading_count)"

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

/* ---- a run ------------------------------------------------------------------- */

typedef struct meter_failure {
	int64_t id;
	char *mpan;
	char *message;
} meter_failure;

typedef struct agg_ctx {
	const ecl_aggregate_request *q;
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

/* A failure that lies in the data of the rows written, not in the database. */
static int is_data_fault(int sqlite_rc)
{
	int primary = sqlite_rc & 0xff;

	return primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH || primary == SQLITE_TOOBIG
		|| primary == SQLITE_RANGE;
}

/* Run one statement of the range; *changes gets the rows it changed. */
static int run_statement(ecl_backend_conn *conn, agg_ctx *x, const char *sql, int64_t *changes)
{
	sqlite3_stmt *s;
	int step, rc = ecl__sqlite_prepare(&s, conn, sql);

	if (rc != 0)
		return rc;
	sqlite3_bind_int(s, 1, x->q->peak_start_minutes);
	sqlite3_bind_int(s, 2, x->q->peak_end_minutes);
	sqlite3_bind_int64(s, 3, x->q->now);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		*changes += sqlite3_changes(conn->db);
	} else {
		x->per_meter_fault = is_data_fault(sqlite3_extended_errcode(conn->db));
		rc = ecl__sqlite_error(conn, step, "aggregating");
	}
	ecl__sqlite_done(s);
	return rc;
}

/* The range's statements over the meters now in ecl_agg_meters. */
static int run_range(ecl_backend_conn *conn, agg_ctx *x)
{
	const range_sql *r = &ranges[x->q->range];
	const char *const *upsert = x->q->range == ECL_RANGE_DAILY ? daily_sql : r->upsert;
	int rc = 0;

	x->per_meter_fault = 0;
	for (; rc == 0 && *upsert != NULL; upsert++)
		rc = run_statement(conn, x, *upsert, &x->counts.written);
	if (rc == 0)
		rc = run_statement(conn, x, r->remove, &x->counts.removed);
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
static int aggregate_one(ecl_backend_conn *conn, agg_ctx *x, int64_t id, const char *mpan)
{
	sqlite3_stmt *s;
	agg_ctx saved = *x;
	int rc = ecl__sqlite_exec(conn, "DELETE FROM ecl_agg_meters; SAVEPOINT ecl_agg_meter",
		"aggregating one meter");

	if (rc == 0)
		rc = ecl__sqlite_prepare(&s, conn, "INSERT INTO ecl_agg_meters (id) VALUES (?1)");
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, id);
		rc = step_done(conn, s, "aggregating one meter");
	}
	if (rc == 0 && (rc = run_range(conn, x)) != 0 && x->per_meter_fault) {
		x->counts.written = saved.counts.written;
		x->counts.removed = saved.counts.removed;
		rc = note_failure(x, id, mpan);
		if (rc == 0)
			rc = ecl__sqlite_exec(conn, "ROLLBACK TO ecl_agg_meter", "aggregating one meter");
		if (rc == 0)
			rc = ecl__sqlite_exec(conn, "UPDATE ecl_agg_all SET failed = 1 WHERE id = "
				"(SELECT max(id) FROM ecl_agg_meters)", "aggregating one meter");
	}
	if (rc == 0)
		rc = ecl__sqlite_exec(conn, "RELEASE ecl_agg_meter", "aggregating one meter");
	return rc;
}

/* The set-based attempt failed on some meter's data: go meter by meter. */
static int aggregate_each(ecl_backend_conn *conn, agg_ctx *x)
{
	sqlite3_stmt *list = NULL;
	int64_t *ids = NULL;
	char **mpans = NULL;
	size_t n = 0, cap = 0, i;
	int step, rc = sqlite3_prepare_v2(conn->db, "SELECT id, mpan FROM ecl_agg_all ORDER BY id", -1,
	                                  &list, NULL);

	rc = rc == SQLITE_OK ? 0 : ecl__sqlite_error(conn, rc, "listing the meters to aggregate");
	while (rc == 0 && (step = sqlite3_step(list)) == SQLITE_ROW) {
		if (n == cap) {
			int64_t *more_ids = realloc(ids, (cap ? 2 * cap : 64) * sizeof(*ids));
			char **more_mpans = more_ids ? realloc(mpans, (cap ? 2 * cap : 64) * sizeof(*mpans)) : NULL;

			if (more_ids)
				ids = more_ids;
			if (more_mpans == NULL) {
				rc = ecl_error_set(ECL_ENOMEM, "out of memory listing the meters to aggregate");
				break;
			}
			mpans = more_mpans;
			cap = cap ? 2 * cap : 64;
		}
		ids[n] = sqlite3_column_int64(list, 0);
		mpans[n++] = ecl__strdup((const char *)sqlite3_column_text(list, 1));
	}
	sqlite3_finalize(list);
	for (i = 0; rc == 0 && i < n; i++)
		rc = aggregate_one(conn, x, ids[i], mpans[i]);
	if (rc == 0)
		rc = ecl__sqlite_exec(conn, "DELETE FROM ecl_agg_meters; INSERT INTO ecl_agg_meters "
			"SELECT id FROM ecl_agg_all WHERE failed = 0", "aggregating");
	for (i = 0; i < n; i++)
		free(mpans[i]);
	free(mpans);
	free(ids);
	return rc;
}

static int count_scope(ecl_backend_conn *conn, agg_ctx *x)
{
	sqlite3_stmt *s;
	int step, rc = ecl__sqlite_prepare(&s, conn, ranges[x->q->range].count);

	if (rc != 0)
		return rc;
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		int64_t rows = sqlite3_column_int64(s, 0);

		x->counts.meters = sqlite3_column_int64(s, 1);
		x->counts.incomplete = sqlite3_column_int64(s, 2);
		x->counts.unchanged = rows > x->counts.written ? rows - x->counts.written : 0;
	} else {
		rc = ecl__sqlite_error(conn, step, "counting aggregated rows");
	}
	ecl__sqlite_done(s);
	return rc;
}

static int aggregate_work(ecl_backend_conn *conn, void *opaque)
{
	agg_ctx *x = opaque;
	int rc;

	/* A retried attempt starts again from nothing: the rollback undid it. */
	memset(&x->counts, 0, sizeof(x->counts));
	clear_failures(x);
	rc = ecl__sqlite_exec(conn, SCOPE_SQL, "preparing an aggregation");
	if (rc == 0)
		rc = load_meters(conn, x->q);
	if (rc == 0)
		rc = load_calendar(conn, x->q);
	if (rc == 0)
		rc = ecl__sqlite_exec(conn, "SAVEPOINT ecl_agg_all", "aggregating");
	if (rc == 0 && (rc = run_range(conn, x)) != 0 && x->per_meter_fault) {
		memset(&x->counts, 0, sizeof(x->counts));
		rc = ecl__sqlite_exec(conn, "ROLLBACK TO ecl_agg_all", "aggregating");
		if (rc == 0)
			rc = aggregate_each(conn, x);
	}
	if (rc == 0)
		rc = ecl__sqlite_exec(conn, "RELEASE ecl_agg_all", "aggregating");
	if (rc == 0)
		rc = count_scope(conn, x);
	return rc;
}

int ecl__sqlite_aggregate(ecl_backend_conn *conn, const ecl_aggregate_request *request,
                          ecl_aggregate_counts *counts)
{
	agg_ctx x;
	size_t i;
	int rc;

	memset(&x, 0, sizeof(x));
	x.q = request;
	rc = ecl__sqlite_write(conn, aggregate_work, &x, "aggregating");
	if (rc == 0) {
		x.counts.failed_meters = (int64_t)x.failure_count;
		*counts = x.counts;
		for (i = 0; request->meter_error != NULL && i < x.failure_count; i++)
			request->meter_error(request->payload, x.failures[i].id, x.failures[i].mpan,
			                     x.failures[i].message ? x.failures[i].message : "out of memory");
	}
	clear_failures(&x);
	return rc;
}
