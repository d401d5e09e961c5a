/*
 * Set-based aggregation on MySQL/MariaDB.
 *
 * The run's scope goes into temporary tables (the meters, and the days or
 * periods with the UTC bounds the core computed); each range is an upsert
 * from the source rows and a delete of the rows in scope whose source has
 * gone. MySQL has no ON CONFLICT … WHERE: the upsert's first assignment
 * keeps updated_at when every value is equal, and counts the rows that met
 * a key in @ecl_dup. With CLIENT_FOUND_ROWS an insert or an unchanged row
 * affects 1 row and an update 2, so written (inserted + updated) = affected
 * - duplicates. Temporary tables are referenced once per statement: MySQL
 * cannot open one twice in a query.
 *
 * The run and its fallback to one meter at a time are
 * backends/common/aggregate_run.c; this file gives it the SQL.
 */
#include <mysqld_error.h>
#include <stdlib.h>
#include <string.h>

#include "backends/common/aggregate_sql.h"
#include "util/buffer_internal.h"
#include "mysql_internal.h"

#define TEMP "CREATE TEMPORARY TABLE IF NOT EXISTS "
static const char *const scope_sql[] = {
	TEMP "ecl_agg_all (id BIGINT PRIMARY KEY, mpan VARCHAR(64)) ENGINE = InnoDB",
	TEMP "ecl_agg_meters (id BIGINT PRIMARY KEY) ENGINE = InnoDB",
	TEMP "ecl_agg_days (date DATE PRIMARY KEY, day_start BIGINT NOT NULL, day_end BIGINT NOT NULL,"
		" periods INT NOT NULL) ENGINE = InnoDB",
	TEMP "ecl_agg_periods (first_day DATE PRIMARY KEY, last_day DATE NOT NULL) ENGINE = InnoDB",
	"DELETE FROM ecl_agg_all", "DELETE FROM ecl_agg_meters", "DELETE FROM ecl_agg_days",
	"DELETE FROM ecl_agg_periods", NULL
};

/* ---- the statements ------------------------------------------------------- */

static const char *const daily_cols[] = { "total_consumption", "peak_consumption",
	"off_peak_consumption", "min_reading", "max_reading", "reading_count", "expected_periods",
	"actual_count", "estimated_count", "source", NULL };
#define PERIOD_COLS(p) { p "_end", "total_consumption", "peak_consumption", "off_peak_consumption", \
	"min_daily_consumption", "max_daily_consumption", "day_count", "reading_count", NULL }
static const char *const week_cols[] = PERIOD_COLS("week");
static const char *const month_cols[] = PERIOD_COLS("month");
static const char *const year_cols[] = PERIOD_COLS("year");

#define DAILY_INSERT \
	"INSERT INTO daily_aggregations (meter_id, date, total_consumption, peak_consumption," \
	" off_peak_consumption, min_reading, max_reading, reading_count, expected_periods," \
	" actual_count, estimated_count, source, created_at) "
#define HAS_HH \
	"EXISTS (SELECT 1 FROM hh_readings x WHERE x.meter_id = m.id" \
	" AND x.period_start >= d.day_start AND x.period_start < d.day_end)"

/* ?1, ?2: the peak window (local minutes); ?3: now. */
static const char daily_hh_sql[] = DAILY_INSERT
	"SELECT m.id, d.date, sum(r.reading_value),"
	" sum(IF(r.local_minutes BETWEEN ?1 AND ?2, r.reading_value, 0)),"
	" sum(IF(r.local_minutes BETWEEN ?1 AND ?2, 0, r.reading_value)),"
	" min(r.reading_value), max(r.reading_value), count(*), d.periods,"
	" count(*) - sum(r.estimated), sum(r.estimated), 'hh', ?3"
	" FROM ecl_agg_meters m JOIN ecl_agg_days d JOIN hh_readings r ON r.meter_id = m.id"
	"  AND r.period_start >= d.day_start AND r.period_start < d.day_end"
	" GROUP BY m.id, d.date";

/* A day known only by its daily total: its peak split is unknown. */
static const char daily_total_sql[] = DAILY_INSERT
	"SELECT m.id, d.date, t.reading_value, NULL, NULL, NULL, NULL, 1, 1,"
	" t.reading_type = 'actual', t.reading_type = 'estimated', 'daily', ?3"
	" FROM ecl_agg_meters m JOIN ecl_agg_days d"
	" JOIN daily_readings t ON t.meter_id = m.id AND t.reading_date = d.date"
	" WHERE NOT " HAS_HH;

/* MySQL cannot delete from a table its subquery reads: a multi-table delete. */
static const char daily_remove_sql[] =
	"DELETE a FROM ecl_agg_meters m JOIN ecl_agg_days d"
	" JOIN daily_aggregations a ON a.meter_id = m.id AND a.date = d.date"
	" WHERE NOT " HAS_HH " AND NOT EXISTS (SELECT 1 FROM daily_readings t"
	" WHERE t.meter_id = m.id AND t.reading_date = d.date)";

static const char daily_count_sql[] =
	"SELECT count(*), count(DISTINCT a.meter_id), coalesce(sum(a.reading_count < a.expected_periods), 0)"
	" FROM ecl_agg_meters m JOIN ecl_agg_days d"
	" JOIN daily_aggregations a ON a.meter_id = m.id AND a.date = d.date";

#define PERIOD_UPSERT(table, p) \
	"INSERT INTO " table " (meter_id, " p "_start, " p "_end, total_consumption, peak_consumption," \
	" off_peak_consumption, min_daily_consumption, max_daily_consumption, day_count, reading_count," \
	" created_at) SELECT m.id, p.first_day, p.last_day," ECL__AGG_PERIOD_FIGURES " ?3" \
	" FROM ecl_agg_meters m JOIN ecl_agg_periods p JOIN daily_aggregations a ON a.meter_id = m.id" \
	"  AND a.date >= p.first_day AND a.date <= p.last_day GROUP BY m.id, p.first_day"
#define PERIOD_REMOVE(table, p) \
	"DELETE a FROM ecl_agg_meters m JOIN ecl_agg_periods p" \
	" JOIN " table " a ON a.meter_id = m.id AND a." p "_start = p.first_day" \
	" WHERE NOT EXISTS (SELECT 1 FROM daily_aggregations d WHERE d.meter_id = m.id" \
	"  AND d.date >= p.first_day AND d.date <= p.last_day)"
#define PERIOD_COUNT(table, p) \
	"SELECT count(*), count(DISTINCT a.meter_id), 0 FROM ecl_agg_meters m" \
	" JOIN ecl_agg_periods p JOIN " table " a ON a.meter_id = m.id AND a." p "_start = p.first_day"

typedef struct range_sql {
	const char *table;
	const char *const *cols;      /* the values an upsert compares and sets */
	const char *upsert[3];        /* NULL-terminated */
	const char *remove;
	const char *count;
} range_sql;

#define PERIOD_RANGE(table, p, cols) \
	{ table, cols, { PERIOD_UPSERT(table, p), NULL }, PERIOD_REMOVE(table, p), PERIOD_COUNT(table, p) }

static const range_sql ranges[ECL_RANGE_COUNT] = {
	{ "daily_aggregations", daily_cols, { daily_hh_sql, daily_total_sql, NULL }, daily_remove_sql,
	  daily_count_sql },
	PERIOD_RANGE("weekly_aggregations", "week", week_cols),
	PERIOD_RANGE("monthly_aggregations", "month", month_cols),
	PERIOD_RANGE("annual_aggregations", "year", year_cols),
};

/* `select` with an ON DUPLICATE KEY UPDATE that writes only changes: the
 * first assignment counts the duplicate and stamps updated_at only when a
 * value differs (assignments run in order, so it sees the stored row);
 * target columns are qualified, the source may have a column of that name. */
static int build_upsert(ecl_buf *sql, const range_sql *r, const char *select)
{
	const char *const *c;
	int rc = ecl__my_appendf(sql, "%s ON DUPLICATE KEY UPDATE %s.updated_at ="
		" IF((@ecl_dup := @ecl_dup + 1) > 0", select, r->table);

	for (c = r->cols; rc == 0 && *c != NULL; c++)
		rc = ecl__my_appendf(sql, " AND %s.%s <=> VALUES(%s)", r->table, *c, *c);
	if (rc == 0)
		rc = ecl__my_appendf(sql, ", %s.updated_at, VALUES(created_at))", r->table);
	for (c = r->cols; rc == 0 && *c != NULL; c++)
		rc = ecl__my_appendf(sql, ", %s.%s = VALUES(%s)", r->table, *c, *c);
	return rc;
}

/* ---- the hooks of the shared run ------------------------------------------ */

typedef struct agg_self {
	const ecl_aggregate_request *q;
} agg_self;

/* A failure in the data of the rows written (a constraint, a value out of
 * range or of the wrong type), not in the database. */
static int is_data_fault(unsigned int no)
{
	return no == ER_DUP_ENTRY || no == ER_BAD_NULL_ERROR || no == ER_WARN_DATA_OUT_OF_RANGE
		|| no == ER_TRUNCATED_WRONG_VALUE_FOR_FIELD || no == ER_DATA_TOO_LONG
		|| no == ER_NO_REFERENCED_ROW_2 || no == ER_SIGNAL_EXCEPTION
		|| no == 4025 /* MariaDB: CHECK constraint failed */
		|| no == 3819 /* MySQL: CHECK constraint violated */;
}

static void bind_request(my_params *p, const ecl_aggregate_request *q)
{
	ecl__my_params_init(p);
	ecl__my_int(p, q->peak_start_minutes);
	ecl__my_int(p, q->peak_end_minutes);
	ecl__my_int(p, q->now);
}

/* One upsert; *written gets the rows it inserted or changed. */
static int run_upsert(ecl_backend_conn *conn, const ecl_aggregate_request *q, const char *select,
                      int64_t *written)
{
	ecl_buf sql = ECL_BUF_INIT;
	my_result res;
	my_params p;
	int64_t affected = 0;
	int rc = build_upsert(&sql, &ranges[q->range], select);

	memset(&res, 0, sizeof(res));
	bind_request(&p, q);
	if (rc == 0)
		rc = ecl__my_exec(conn, "SET @ecl_dup = 0", "aggregating");
	if (rc == 0)
		rc = ecl__my_command(conn, sql.ptr, &p, &affected, "aggregating");
	if (rc == 0)
		rc = ecl__my_query(&res, conn, "SELECT @ecl_dup", NULL, "aggregating");
	if (rc == 0 && res.rows == 1)
		*written += affected - ecl__my_get_int(&res, 0, 0);
	ecl__my_result_free(&res);
	ecl_buf_dispose(&sql);
	return rc;
}

int ecl__my_agg_statements(ecl_backend_conn *conn, void *self, int64_t *written,
                           int64_t *removed, int *data_fault)
{
	const ecl_aggregate_request *q = ((agg_self *)self)->q;
	const range_sql *r = &ranges[q->range];
	const char *const *upsert;
	int64_t gone = 0;
	my_params p;
	int rc = 0;

	for (upsert = r->upsert; rc == 0 && *upsert != NULL; upsert++)
		rc = run_upsert(conn, q, *upsert, written);
	bind_request(&p, q);
	if (rc == 0)
		rc = ecl__my_command(conn, r->remove, &p, &gone, "removing aggregates whose data has gone");
	if (rc == 0)
		*removed += gone;
	else
		*data_fault = is_data_fault(conn->last_errno);
	return rc;
}

static int exec_all(ecl_backend_conn *conn, const char *const *sql, const char *doing)
{
	int rc = 0;

	for (; rc == 0 && *sql != NULL; sql++)
		rc = ecl__my_exec(conn, *sql, doing);
	return rc;
}

static int load_meters(ecl_backend_conn *conn, const ecl_aggregate_request *q)
{
	const char *doing = "choosing the meters to aggregate";
	my_params p;
	size_t i;
	int rc = 0;

	if (q->meter_ids == NULL)
		rc = ecl__my_exec(conn, "INSERT INTO ecl_agg_all (id, mpan)"
			" SELECT id, mpan FROM meters WHERE is_active = 1", doing);
	for (i = 0; rc == 0 && q->meter_ids != NULL && i < q->meter_count; i++) {
		ecl__my_params_init(&p);
		ecl__my_int(&p, q->meter_ids[i]);
		rc = ecl__my_command(conn, "INSERT IGNORE INTO ecl_agg_all (id, mpan)"
			" SELECT id, mpan FROM meters WHERE id = ?1 AND is_active = 1", &p, NULL, doing);
	}
	if (rc == 0)
		rc = ecl__my_exec(conn, "INSERT INTO ecl_agg_meters SELECT id FROM ecl_agg_all", doing);
	return rc;
}

static int load_calendar(ecl_backend_conn *conn, const ecl_aggregate_request *q)
{
	my_params p;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < q->day_count; i++) {
		ecl__my_params_init(&p);
		ecl__my_text(&p, q->days[i].date);
		ecl__my_int(&p, q->days[i].start);
		ecl__my_int(&p, q->days[i].end);
		ecl__my_int(&p, q->days[i].periods);
		rc = ecl__my_command(conn, "INSERT INTO ecl_agg_days (date, day_start, day_end, periods)"
			" VALUES (?1, ?2, ?3, ?4)", &p, NULL, "loading the days to aggregate");
	}
	for (i = 0; rc == 0 && i < q->period_count; i++) {
		ecl__my_params_init(&p);
		ecl__my_text(&p, q->periods[i].start);
		ecl__my_text(&p, q->periods[i].end);
		rc = ecl__my_command(conn, "INSERT INTO ecl_agg_periods (first_day, last_day) VALUES (?1, ?2)",
			&p, NULL, "loading the periods to aggregate");
	}
	return rc;
}

/* Temporary tables live as long as the connection (a reconnection makes
 * them again) and do not commit the transaction, unlike other DDL. */
int ecl__my_agg_scope(ecl_backend_conn *conn, void *self)
{
	const ecl_aggregate_request *q = ((agg_self *)self)->q;
	int rc = exec_all(conn, scope_sql, "preparing an aggregation");

	if (rc == 0)
		rc = load_meters(conn, q);
	if (rc == 0)
		rc = load_calendar(conn, q);
	return rc;
}

int ecl__my_agg_meters(ecl_backend_conn *conn, void *self, ecl__agg_meters *out)
{
	my_result res;
	int i, rc = ecl__my_query(&res, conn, "SELECT id, mpan FROM ecl_agg_all ORDER BY id", NULL,
		"listing the meters to aggregate");

	(void)self;
	for (i = 0; rc == 0 && i < res.rows; i++)
		rc = ecl__agg_meters_add(out, ecl__my_get_int(&res, i, 0), ecl__my_get_str(&res, i, 1));
	ecl__my_result_free(&res);
	return rc;
}

/* The ids are integers, so one multi-row INSERT as text is safe. */
int ecl__my_agg_narrow(ecl_backend_conn *conn, void *self, const int64_t *ids, size_t count)
{
	ecl_buf sql = ECL_BUF_INIT;
	size_t i;
	int rc = ecl__my_exec(conn, "DELETE FROM ecl_agg_meters", "aggregating");

	(void)self;
	if (rc == 0 && count > 0)
		rc = ecl__buf_puts(&sql, "INSERT INTO ecl_agg_meters (id) VALUES ");
	for (i = 0; rc == 0 && i < count; i++)
		rc = ecl__my_appendf(&sql, "%s(%lld)", i ? "," : "", (long long)ids[i]);
	if (rc == 0 && count > 0)
		rc = ecl__my_exec(conn, sql.ptr, "aggregating one meter");
	ecl_buf_dispose(&sql);
	return rc;
}

int ecl__my_agg_count(ecl_backend_conn *conn, void *self, int64_t *rows, int64_t *meters,
                      int64_t *incomplete)
{
	my_result res;
	int rc = ecl__my_query(&res, conn, ranges[((agg_self *)self)->q->range].count, NULL,
		"counting aggregated rows");

	if (rc == 0 && res.rows == 1) {
		*rows = ecl__my_get_int(&res, 0, 0);
		*meters = ecl__my_get_int(&res, 0, 1);
		*incomplete = ecl__my_get_int(&res, 0, 2);
	}
	ecl__my_result_free(&res);
	return rc;
}

int ecl__my_aggregate(ecl_backend_conn *conn, const ecl_aggregate_request *request,
                      ecl_aggregate_counts *counts)
{
	agg_self self = { request };

	return ecl__agg_run(conn, &self, request, counts);
}
