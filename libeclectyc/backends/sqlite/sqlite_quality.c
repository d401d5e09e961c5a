/*
 * SQLite backend: the readings a data-quality check looks at, and its
 * findings in data_quality_issues.
 *
 * The scan is one statement over the meters, each joined to that day's
 * half-hour readings (a range of the hh_readings primary key) and to its
 * daily total (a daily_readings primary-key lookup). SQLite walks meters by
 * id and each meter's readings by period_start, which is the order asked
 * for, so no sort is needed and a thousand meters cost one pass.
 */
#include <stdlib.h>
#include <string.h>

#include "util/buffer_internal.h"
#include "backends/common/quality_day.h"
#include "sqlite_internal.h"

/* ?1, ?2: the day's UTC bounds [start, end); ?3 its date. The period number
 * comes from the key (period_start), not the stored period_number, so two
 * readings can never claim one period. */
#define SCAN_SELECT \
	"SELECT m.id, m.mpan, m.is_half_hourly, (r.period_start - ?1) / 1800 + 1, r.reading_value, " \
	"       d.reading_value IS NOT NULL, d.reading_value " \
	"FROM meters m " \
	"LEFT JOIN daily_readings d ON d.meter_id = m.id AND d.reading_date = ?3 " \
	"LEFT JOIN hh_readings r ON r.meter_id = m.id AND r.period_start >= ?1 AND r.period_start < ?2 "
#define SCAN_ORDER " ORDER BY m.id, r.period_start"
/* Every active meter, or the one named by ?4 (even when inactive: it was asked for). */
#define SCAN_ACTIVE SCAN_SELECT "WHERE m.is_active = 1" SCAN_ORDER
#define SCAN_ONE SCAN_SELECT "WHERE m.mpan = ?4" SCAN_ORDER

enum { COL_ID, COL_MPAN, COL_HH, COL_PERIOD, COL_VALUE, COL_HAS_DAILY, COL_DAILY };

/* One meter's rows as they stream by. */
typedef struct scan_meter {
	ecl__quality_day d;
	ecl_buf mpan;
	int open;                  /* a meter has been started */
} scan_meter;

static int start_meter(scan_meter *m, sqlite3_stmt *s)
{
	const char *mpan = (const char *)sqlite3_column_text(s, COL_MPAN);
	ecl_quality_meter_day *day = &m->d.day;
	int rc = ecl__buf_set(&m->mpan, mpan ? mpan : "");

	day->meter_id = sqlite3_column_int64(s, COL_ID);
	day->mpan = m->mpan.ptr;
	day->is_half_hourly = sqlite3_column_int(s, COL_HH);
	day->count = 0;
	day->has_daily = sqlite3_column_int(s, COL_HAS_DAILY);
	day->daily_value = day->has_daily ? sqlite3_column_double(s, COL_DAILY) : 0.0;
	m->open = 1;
	return rc;
}

/* Step through the rows, one callback per meter. */
static int stream(ecl_backend_conn *conn, sqlite3_stmt *s, const ecl_quality_scan *scan,
                  scan_meter *m)
{
	int step = SQLITE_DONE, rc = 0;

	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		if (!m->open || sqlite3_column_int64(s, COL_ID) != m->d.day.meter_id) {
			if (m->open)
				rc = ecl__quality_day_emit(&m->d, scan);
			if (rc == 0)
				rc = start_meter(m, s);
		}
		if (rc == 0 && sqlite3_column_type(s, COL_VALUE) != SQLITE_NULL)
			rc = ecl__quality_day_add(&m->d, sqlite3_column_int(s, COL_PERIOD),
				sqlite3_column_double(s, COL_VALUE));
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, "reading the day's readings for quality checks");
	if (rc == 0 && m->open)
		rc = ecl__quality_day_emit(&m->d, scan);
	return rc;
}

int ecl__sqlite_quality_scan(ecl_backend_conn *conn, const ecl_quality_scan *scan)
{
	scan_meter m;
	sqlite3_stmt *s;
	int rc = ecl__sqlite_prepare(&s, conn, scan->mpan ? SCAN_ONE : SCAN_ACTIVE);

	memset(&m, 0, sizeof(m));
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, scan->day->start);
		sqlite3_bind_int64(s, 2, scan->day->end);
		sqlite3_bind_text(s, 3, scan->day->date, -1, SQLITE_STATIC);
		if (scan->mpan != NULL)
			sqlite3_bind_text(s, 4, scan->mpan, -1, SQLITE_STATIC);
		rc = stream(conn, s, scan, &m);
		ecl__sqlite_done(s);
	}
	ecl_buf_dispose(&m.mpan);
	ecl__quality_day_dispose(&m.d);
	return rc;
}

/* ---- recording findings --------------------------------------------------- */

/*
 * A finding that is unchanged leaves its row alone (created_at, is_resolved
 * and updated_at kept); a changed one is rewritten, stamped updated_at and
 * opened again, since what was resolved is no longer what is found.
 */
#define UPSERT_ISSUE \
	"INSERT INTO data_quality_issues (meter_id, issue_date, issue_type, severity, description, " \
	" issue_data, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) " \
	"ON CONFLICT (meter_id, issue_date, issue_type) DO UPDATE SET " \
	" severity = excluded.severity, description = excluded.description, " \
	" issue_data = excluded.issue_data, is_resolved = 0, resolved_at = NULL, " \
	" updated_at = excluded.created_at " \
	"WHERE data_quality_issues.severity IS NOT excluded.severity " \
	"   OR data_quality_issues.description IS NOT excluded.description " \
	"   OR data_quality_issues.issue_data IS NOT excluded.issue_data"

/* ?3 is ",type,type," of the types found for the meter: the others go. */
#define DELETE_STALE \
	"DELETE FROM data_quality_issues WHERE meter_id = ?1 AND issue_date = ?2 " \
	"AND instr(?3, ',' || issue_type || ',') = 0"

#define COUNT_STORED \
	"SELECT count(*) FROM data_quality_issues WHERE meter_id = ?1 AND issue_date = ?2"

/* An issue's meter and type, sorted by meter to find each meter's types. */
typedef struct issue_key {
	int64_t meter_id;
	const char *type;
} issue_key;

typedef struct record_ctx {
	const ecl_quality_findings *f;
	issue_key *keys;           /* issue_count of them, by meter id */
	ecl_buf kept;
	int64_t stored;
} record_ctx;

static int by_meter(const void *a, const void *b)
{
	int64_t x = ((const issue_key *)a)->meter_id, y = ((const issue_key *)b)->meter_id;

	return (x > y) - (x < y);
}

static int upsert_issues(ecl_backend_conn *conn, const ecl_quality_findings *f)
{
	sqlite3_stmt *s;
	size_t i;
	int rc = f->issue_count ? ecl__sqlite_prepare(&s, conn, UPSERT_ISSUE) : 0;

	for (i = 0; rc == 0 && i < f->issue_count; i++) {
		const ecl_quality_issue *q = &f->issues[i];
		int step;

		sqlite3_bind_int64(s, 1, q->meter_id);
		sqlite3_bind_text(s, 2, f->date, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, q->issue_type, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, q->severity, -1, SQLITE_STATIC);
		ecl__sqlite_bind_text(s, 5, q->description);
		ecl__sqlite_bind_text(s, 6, q->issue_data);
		sqlite3_bind_int64(s, 7, f->now);
		step = sqlite3_step(s);
		ecl__sqlite_done(s);
		if (step != SQLITE_DONE)
			rc = ecl__sqlite_error(conn, step, "recording a data-quality issue");
	}
	return rc;
}

/* ",type,type," of the issues found for `meter_id`. */
static int kept_types(record_ctx *ctx, int64_t meter_id)
{
	size_t lo = 0, hi = ctx->f->issue_count;
	int rc = ecl__buf_set(&ctx->kept, ",");

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ctx->keys[mid].meter_id < meter_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; rc == 0 && lo < ctx->f->issue_count && ctx->keys[lo].meter_id == meter_id; lo++) {
		rc = ecl__buf_puts(&ctx->kept, ctx->keys[lo].type);
		if (rc == 0)
			rc = ecl__buf_puts(&ctx->kept, ",");
	}
	return rc;
}

static int step_meter(ecl_backend_conn *conn, sqlite3_stmt *s, int64_t meter_id, const char *date,
                      int64_t *count, const char *doing)
{
	int step;

	sqlite3_bind_int64(s, 1, meter_id);
	sqlite3_bind_text(s, 2, date, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW && count != NULL) {
		*count += sqlite3_column_int64(s, 0);
		step = sqlite3_step(s);
	}
	ecl__sqlite_done(s);
	return step == SQLITE_DONE ? 0 : ecl__sqlite_error(conn, step, doing);
}

/* Remove the types no longer found for one meter, then count its rows. */
static int settle_meter(ecl_backend_conn *conn, record_ctx *ctx, int64_t meter_id)
{
	sqlite3_stmt *s;
	int rc = kept_types(ctx, meter_id);

	if (rc == 0)
		rc = ecl__sqlite_prepare(&s, conn, DELETE_STALE);
	if (rc == 0) {
		sqlite3_bind_text(s, 3, ctx->kept.ptr, -1, SQLITE_STATIC);
		rc = step_meter(conn, s, meter_id, ctx->f->date, NULL,
			"removing data-quality issues that no longer apply");
	}
	if (rc == 0)
		rc = ecl__sqlite_prepare(&s, conn, COUNT_STORED);
	if (rc == 0)
		rc = step_meter(conn, s, meter_id, ctx->f->date, &ctx->stored,
			"counting data-quality issues");
	return rc;
}

static int record_all(ecl_backend_conn *conn, void *opaque)
{
	record_ctx *ctx = opaque;
	size_t i;
	int rc;

	/* A retried attempt counts again from nothing: the rollback undid it. */
	ctx->stored = 0;
	rc = upsert_issues(conn, ctx->f);
	for (i = 0; rc == 0 && i < ctx->f->meter_count; i++)
		rc = settle_meter(conn, ctx, ctx->f->meter_ids[i]);
	return rc;
}

int ecl__sqlite_quality_record(ecl_backend_conn *conn, const ecl_quality_findings *findings,
                               int64_t *stored)
{
	record_ctx ctx = { findings, NULL, ECL_BUF_INIT, 0 };
	size_t i;
	int rc = 0;

	if (findings->issue_count > 0
	    && (ctx.keys = malloc(findings->issue_count * sizeof(*ctx.keys))) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory sorting %zu data-quality issues",
			findings->issue_count);
	for (i = 0; i < findings->issue_count; i++) {
		ctx.keys[i].meter_id = findings->issues[i].meter_id;
		ctx.keys[i].type = findings->issues[i].issue_type;
	}
	if (ctx.keys != NULL)
		qsort(ctx.keys, findings->issue_count, sizeof(*ctx.keys), by_meter);
	rc = ecl__sqlite_write(conn, record_all, &ctx, "recording data-quality issues");
	if (rc == 0)
		*stored = ctx.stored;
	ecl_buf_dispose(&ctx.kept);
	free(ctx.keys);
	return rc;
}
