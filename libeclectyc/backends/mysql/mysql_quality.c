/*
 * MySQL/MariaDB backend: the readings a data-quality check looks at, and
 * its findings in data_quality_issues.
 */
#include <stdlib.h>
#include <string.h>

#include "util/buffer_internal.h"
#include "backends/common/quality_day.h"
#include "mysql_internal.h"

/* ?1, ?2: the day's UTC bounds [start, end); ?3 its date; ?4 one meter's
 * mpan, or NULL for every active meter (a named meter counts even when
 * inactive: it was asked for). The period comes from period_start, so two
 * readings can never claim one period. */
static const char scan_sql[] =
	"SELECT m.id, m.mpan, m.is_half_hourly, (r.period_start - ?1) DIV 1800 + 1, r.reading_value,"
	" d.reading_value IS NOT NULL, d.reading_value FROM meters m"
	" LEFT JOIN daily_readings d ON d.meter_id = m.id AND d.reading_date = ?3"
	" LEFT JOIN hh_readings r ON r.meter_id = m.id AND r.period_start >= ?1 AND r.period_start < ?2"
	" WHERE (?4 IS NULL AND m.is_active = 1) OR m.mpan = ?4 ORDER BY m.id, r.period_start";

enum { COL_ID, COL_MPAN, COL_HH, COL_PERIOD, COL_VALUE, COL_HAS_DAILY, COL_DAILY };

static void start_meter(ecl_quality_meter_day *day, const my_result *r, int i)
{
	day->meter_id = ecl__my_get_int(r, i, COL_ID);
	day->mpan = ecl__my_get_str(r, i, COL_MPAN);
	day->is_half_hourly = (int)ecl__my_get_int(r, i, COL_HH);
	day->count = 0;
	day->has_daily = ecl__my_get_int(r, i, COL_HAS_DAILY) != 0;
	day->daily_value = day->has_daily ? ecl__my_get_double(r, i, COL_DAILY) : 0.0;
}

/* The rows are read whole (the mpan text lives in them), then handed to
 * the callback one meter at a time. */
static int feed(const my_result *r, const ecl_quality_scan *scan, ecl__quality_day *m)
{
	int i, rc = 0;

	for (i = 0; rc == 0 && i < r->rows; i++) {
		if (i == 0 || ecl__my_get_int(r, i, COL_ID) != m->day.meter_id) {
			if (i > 0)
				rc = ecl__quality_day_emit(m, scan);
			start_meter(&m->day, r, i);
		}
		if (rc == 0 && !ecl__my_is_null(r, i, COL_VALUE))
			rc = ecl__quality_day_add(m, (int)ecl__my_get_int(r, i, COL_PERIOD),
				ecl__my_get_double(r, i, COL_VALUE));
	}
	if (rc == 0 && r->rows > 0)
		rc = ecl__quality_day_emit(m, scan);
	return rc;
}

int ecl__my_quality_scan(ecl_backend_conn *conn, const ecl_quality_scan *scan)
{
	ecl__quality_day m;
	my_result res;
	my_params p;
	int rc;

	memset(&m, 0, sizeof(m));
	ecl__my_params_init(&p);
	ecl__my_int(&p, scan->day->start);
	ecl__my_int(&p, scan->day->end);
	ecl__my_text(&p, scan->day->date);
	ecl__my_text(&p, scan->mpan);
	rc = ecl__my_read_rows(&res, conn, scan_sql, &p, "reading the day's readings for quality checks");
	if (rc == 0)
		rc = feed(&res, scan, &m);
	ecl__my_result_free(&res);
	ecl__quality_day_dispose(&m);
	return rc;
}

/* ---- recording findings --------------------------------------------------- */

/* An unchanged finding leaves its row alone (created_at, is_resolved and
 * updated_at kept); a changed one is rewritten, stamped and opened again.
 * MySQL assigns left to right, each seeing the ones before, so the stamps
 * compare the stored text before it is overwritten. */
#define CHANGED "NOT (severity <=> ?4 AND description <=> ?5 AND issue_data <=> ?6)"
static const char upsert_sql[] =
	"INSERT INTO data_quality_issues (meter_id, issue_date, issue_type, severity, description,"
	" issue_data, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON DUPLICATE KEY UPDATE"
	" updated_at = IF(" CHANGED ", ?7, updated_at), is_resolved = IF(" CHANGED ", 0, is_resolved),"
	" resolved_at = IF(" CHANGED ", NULL, resolved_at),"
	" severity = ?4, description = ?5, issue_data = ?6";

typedef struct record_ctx {
	const ecl_quality_findings *f;
	ecl_buf kept;              /* "type,type" of one meter's findings */
	int64_t stored;
} record_ctx;

static int upsert_issue(ecl_backend_conn *conn, const ecl_quality_findings *f,
                        const ecl_quality_issue *q)
{
	my_params p;

	ecl__my_params_init(&p);
	ecl__my_int(&p, q->meter_id);
	ecl__my_text(&p, f->date);
	ecl__my_text(&p, q->issue_type);
	ecl__my_text(&p, q->severity);
	ecl__my_text(&p, q->description);
	ecl__my_text(&p, q->issue_data);
	ecl__my_int(&p, f->now);
	return ecl__my_command(conn, upsert_sql, &p, NULL, "recording a data-quality issue");
}

/* Remove the types no longer found for one meter (FIND_IN_SET over the
 * types found), then count what it holds. */
static int settle_meter(ecl_backend_conn *conn, record_ctx *ctx, int64_t meter_id)
{
	my_result res;
	my_params p;
	size_t i;
	int rc = ecl__buf_set(&ctx->kept, "");

	for (i = 0; rc == 0 && i < ctx->f->issue_count; i++)
		if (ctx->f->issues[i].meter_id == meter_id)
			rc = ecl__my_appendf(&ctx->kept, "%s%s", ctx->kept.size ? "," : "",
				ctx->f->issues[i].issue_type);
	ecl__my_params_init(&p);
	ecl__my_int(&p, meter_id);
	ecl__my_text(&p, ctx->f->date);
	ecl__my_text(&p, ctx->kept.ptr ? ctx->kept.ptr : "");
	if (rc == 0)
		rc = ecl__my_command(conn, "DELETE FROM data_quality_issues WHERE meter_id = ?1"
			" AND issue_date = ?2 AND FIND_IN_SET(issue_type, ?3) = 0", &p, NULL,
			"removing data-quality issues that no longer apply");
	if (rc != 0)
		return rc;
	rc = ecl__my_query(&res, conn, "SELECT count(*) FROM data_quality_issues"
		" WHERE meter_id = ?1 AND issue_date = ?2", &p, "counting data-quality issues");
	if (rc == 0 && res.rows == 1)
		ctx->stored += ecl__my_get_int(&res, 0, 0);
	ecl__my_result_free(&res);
	return rc;
}

static int record_all(ecl_backend_conn *conn, void *opaque)
{
	record_ctx *ctx = opaque;
	size_t i;
	int rc = 0;

	/* A retried attempt counts again from nothing: the rollback undid it. */
	ctx->stored = 0;
	for (i = 0; rc == 0 && i < ctx->f->issue_count; i++)
		rc = upsert_issue(conn, ctx->f, &ctx->f->issues[i]);
	for (i = 0; rc == 0 && i < ctx->f->meter_count; i++)
		rc = settle_meter(conn, ctx, ctx->f->meter_ids[i]);
	return rc;
}

int ecl__my_quality_record(ecl_backend_conn *conn, const ecl_quality_findings *findings,
                           int64_t *stored)
{
	record_ctx ctx = { findings, ECL_BUF_INIT, 0 };
	int rc = ecl__my_write(conn, record_all, &ctx, "recording data-quality issues");

	if (rc == 0)
		*stored = ctx.stored;
	ecl_buf_dispose(&ctx.kept);
	return rc;
}
