/* SQLite backend: meters and readings, written in batches. */
#include <stdio.h>

#include "util/buffer_internal.h"
#include "sqlite_internal.h"

/*
 * Half-hour readings are written ROWS_PER_STATEMENT at a time (one statement
 * per row costs twice as much; docs/benchmarks.md), in two passes:
 *
 *   1. INSERT … ON CONFLICT DO NOTHING: sqlite3_changes() is the number
 *      inserted. In a first import of the data this is every row, and the
 *      chunk is done.
 *   2. Only when some rows were already there: the same rows as an upsert
 *      that changes a reading only when its value or type differs, and
 *      never turns an actual into an estimate unless ?2 allows it.
 *      sqlite3_changes() is the number updated; the rest are unchanged.
 *
 * Rows inserted by pass 1 match themselves in pass 2 and are left alone, and
 * a key repeated within a chunk ends as the later row, as row-by-row upserts
 * would. (RETURNING would count in one pass, but materialises its rows in a
 * temporary table per statement, which costs a quarter of a large import.)
 * ?1 is the time of the write, ?2 the overwrite flag, ?3 the batch key;
 * row k binds ?(4 + 7k) .. ?(10 + 7k).
 */
#define ROWS_PER_STATEMENT 64
#define HH_PARAMS 7
#define HH_INSERT \
	"INSERT INTO hh_readings (meter_id, period_start, reading_date, local_minutes, " \
	" period_number, reading_value, estimated, import_batch) VALUES "
#define HH_NEW_ONLY " ON CONFLICT (meter_id, period_start) DO NOTHING"
#define HH_CHANGES \
	" ON CONFLICT (meter_id, period_start) DO UPDATE SET " \
	" reading_value = excluded.reading_value, estimated = excluded.estimated, " \
	" import_batch = excluded.import_batch, updated_at = ?1 " \
	"WHERE (hh_readings.reading_value <> excluded.reading_value " \
	"       OR hh_readings.estimated <> excluded.estimated) " \
	"  AND (excluded.estimated = 0 OR hh_readings.estimated = 1 OR ?2)"

enum { PASS_INSERT = 0, PASS_UPDATE = 1 };

#define UPSERT_DAILY \
	"INSERT INTO daily_readings (meter_id, reading_date, reading_value, reading_type, " \
	" import_batch_id, created_at, updated_at) " \
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL) " \
	"ON CONFLICT (meter_id, reading_date) DO UPDATE SET " \
	" reading_value = excluded.reading_value, reading_type = excluded.reading_type, " \
	" import_batch_id = excluded.import_batch_id, updated_at = excluded.created_at " \
	"WHERE (daily_readings.reading_value <> excluded.reading_value " \
	"       OR daily_readings.reading_type <> excluded.reading_type) " \
	"  AND (excluded.reading_type = 'actual' OR daily_readings.reading_type = 'estimated' OR ?7) " \
	"RETURNING updated_at"

static const char *type_name(int estimated)
{
	return estimated ? "estimated" : "actual";
}

int ecl__sqlite_meter_find(ecl_backend_conn *conn, const char *mpan, int64_t *id)
{
	sqlite3_stmt *s;
	int rc = ecl__sqlite_prepare(&s, conn, "SELECT id FROM meters WHERE mpan = ?1");

	if (rc == 0) {
		int step;

		sqlite3_bind_text(s, 1, mpan, -1, SQLITE_STATIC);
		step = sqlite3_step(s);
		if (step == SQLITE_ROW)
			*id = sqlite3_column_int64(s, 0);
		else if (step == SQLITE_DONE)
			rc = ecl_error_set(ECL_ENOTFOUND, "no meter \"%s\"", mpan);
		else
			rc = ecl__sqlite_error(conn, step, "looking up a meter");
		ecl__sqlite_done(s);
	}
	return rc;
}

/* Create a meter unless another writer has; either way learn its id. */
static int ensure_meter(ecl_backend_conn *conn, const ecl_reading_batch *batch,
                        const ecl_batch_meter *meter, int64_t *id, ecl_write_counts *counts)
{
	sqlite3_stmt *s;
	int rc = ecl__sqlite_prepare(&s, conn,
		"INSERT INTO meters (mpan, is_half_hourly, mpan_check, created_by_batch, created_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (mpan) DO NOTHING");

	if (rc == 0) {
		int step;

		sqlite3_bind_text(s, 1, meter->mpan, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, meter->is_half_hourly ? 1 : 0);
		ecl__sqlite_bind_text(s, 3, meter->mpan_check);
		ecl__sqlite_bind_text(s, 4, batch->batch_id);
		sqlite3_bind_int64(s, 5, batch->now);
		step = sqlite3_step(s);
		ecl__sqlite_done(s);
		if (step != SQLITE_DONE)
			rc = ecl__sqlite_error(conn, step, "creating a meter");
		else
			counts->meters_created += sqlite3_changes(conn->db);
	}
	if (rc == 0)
		rc = ecl__sqlite_meter_find(conn, meter->mpan, id);
	return rc;
}

/* Step an upsert and count what it did. */
static int step_upsert(ecl_backend_conn *conn, sqlite3_stmt *s, ecl_write_counts *counts)
{
	int step = sqlite3_step(s);
	int rc = 0;

	if (step == SQLITE_ROW) {
		if (sqlite3_column_type(s, 0) == SQLITE_NULL)
			counts->inserted++;
		else
			counts->updated++;
		step = sqlite3_step(s);
	} else if (step == SQLITE_DONE) {
		counts->unchanged++;
	}
	if (step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, "writing a reading");
	ecl__sqlite_done(s);
	return rc;
}

/* The SQL of one pass over `rows` half-hour readings. */
static int hh_sql(ecl_buf *sql, int pass, size_t rows)
{
	char values[128];
	size_t k;
	int rc = ecl__buf_set(sql, HH_INSERT);

	for (k = 0; rc == 0 && k < rows; k++) {
		int p = 4 + (int)k * HH_PARAMS;
		snprintf(values, sizeof(values), "%s(?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?3)", k ? ", " : "",
			p, p + 1, p + 2, p + 3, p + 4, p + 5, p + 6);
		rc = ecl__buf_puts(sql, values);
	}
	/* ?1 and ?2 appear in both passes so that both bind alike. */
	if (rc == 0)
		rc = ecl__buf_puts(sql, pass == PASS_INSERT
			? HH_NEW_ONLY " /* ?1 ?2 */" : HH_CHANGES);
	return rc;
}

/* The statement of one pass over `rows` (1 or ROWS_PER_STATEMENT) readings,
 * prepared once per connection and kept apart from the statement cache. */
static int hh_statement(sqlite3_stmt **out, ecl_backend_conn *conn, int pass, size_t rows)
{
	sqlite3_stmt **slot = &conn->hh_stmt[pass][rows == 1 ? 0 : 1];
	ecl_buf sql = ECL_BUF_INIT;
	int rc = 0;

	if (*slot == NULL) {
		rc = hh_sql(&sql, pass, rows);
		if (rc == 0 && (rc = sqlite3_prepare_v3(conn->db, sql.ptr, -1, SQLITE_PREPARE_PERSISTENT,
		                                        slot, NULL)) != SQLITE_OK)
			rc = ecl__sqlite_error(conn, rc, "preparing the reading upsert");
		ecl_buf_dispose(&sql);
	}
	*out = *slot;
	return rc;
}

/* Run one pass over a chunk; `*changed` is the rows it inserted or updated. */
static int hh_pass(ecl_backend_conn *conn, const ecl_reading_batch *b, const int64_t *ids,
                   int64_t batch_key, size_t first, size_t rows, int pass, int64_t *changed)
{
	sqlite3_stmt *s = NULL;
	size_t k;
	int step, rc = hh_statement(&s, conn, pass, rows);

	if (rc != 0)
		return rc;
	sqlite3_bind_int64(s, 1, b->now);
	sqlite3_bind_int(s, 2, b->overwrite_actual ? 1 : 0);
	if (batch_key > 0)
		sqlite3_bind_int64(s, 3, batch_key);
	for (k = 0; k < rows; k++) {
		const ecl_interval_reading *r = &b->intervals[first + k];
		int p = 4 + (int)k * HH_PARAMS;

		sqlite3_bind_int64(s, p, ids[r->meter]);
		sqlite3_bind_int64(s, p + 1, r->period_start);
		sqlite3_bind_text(s, p + 2, r->reading_date, 10, SQLITE_STATIC);
		sqlite3_bind_int(s, p + 3, r->local_minutes);
		sqlite3_bind_int(s, p + 4, r->period_number);
		sqlite3_bind_double(s, p + 5, r->value);
		sqlite3_bind_int(s, p + 6, r->estimated ? 1 : 0);
	}
	step = sqlite3_step(s);
	*changed = sqlite3_changes(conn->db);
	if (step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, "writing readings");
	ecl__sqlite_done(s);
	return rc;
}

static int write_interval_chunk(ecl_backend_conn *conn, const ecl_reading_batch *b,
                                const int64_t *ids, int64_t batch_key, size_t first, size_t rows,
                                ecl_write_counts *counts)
{
	int64_t inserted = 0, updated = 0;
	int rc = hh_pass(conn, b, ids, batch_key, first, rows, PASS_INSERT, &inserted);

	if (rc == 0 && inserted < (int64_t)rows)
		rc = hh_pass(conn, b, ids, batch_key, first, rows, PASS_UPDATE, &updated);
	if (rc == 0) {
		counts->inserted += inserted;
		counts->updated += updated;
		counts->unchanged += (int64_t)rows - inserted - updated;
	}
	return rc;
}

int ecl__sqlite_batch_key(ecl_backend_conn *conn, const ecl_reading_batch *b, int64_t *key)
{
	sqlite3_stmt *s;
	int rc = 0;

	*key = 0;
	if (b->batch_id == NULL)
		return 0;
	rc = ecl__sqlite_prepare(&s, conn,
		"INSERT INTO import_batches (batch_id, created_at) VALUES (?1, ?2) "
		"ON CONFLICT (batch_id) DO UPDATE SET batch_id = batch_id RETURNING id");
	if (rc == 0) {
		int step;

		sqlite3_bind_text(s, 1, b->batch_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, b->now);
		step = sqlite3_step(s);
		if (step == SQLITE_ROW) {
			*key = sqlite3_column_int64(s, 0);
			step = sqlite3_step(s);
		}
		if (step != SQLITE_DONE)
			rc = ecl__sqlite_error(conn, step, "recording the import batch");
		ecl__sqlite_done(s);
	}
	return rc;
}

static int write_intervals(ecl_backend_conn *conn, const ecl_reading_batch *b, const int64_t *ids,
                           ecl_write_counts *counts)
{
	int64_t key = 0;
	size_t done = 0;
	int rc = b->interval_count ? ecl__sqlite_batch_key(conn, b, &key) : 0;

	/* Full chunks through one cached statement, the rest through another. */
	while (rc == 0 && done < b->interval_count) {
		size_t rows = b->interval_count - done;

		if (rows > ROWS_PER_STATEMENT)
			rows = ROWS_PER_STATEMENT;
		else if (rows < ROWS_PER_STATEMENT)
			rows = 1;
		rc = write_interval_chunk(conn, b, ids, key, done, rows, counts);
		done += rows;
	}
	return rc;
}

static int write_dailies(ecl_backend_conn *conn, const ecl_reading_batch *b, const int64_t *ids,
                         ecl_write_counts *counts)
{
	sqlite3_stmt *s;
	size_t i;
	int rc = b->daily_count ? ecl__sqlite_prepare(&s, conn, UPSERT_DAILY) : 0;

	for (i = 0; rc == 0 && i < b->daily_count; i++) {
		const ecl_daily_reading *r = &b->dailies[i];

		sqlite3_bind_int64(s, 1, ids[r->meter]);
		sqlite3_bind_text(s, 2, r->reading_date, -1, SQLITE_STATIC);
		sqlite3_bind_double(s, 3, r->value);
		sqlite3_bind_text(s, 4, type_name(r->estimated), -1, SQLITE_STATIC);
		ecl__sqlite_bind_text(s, 5, b->batch_id);
		sqlite3_bind_int64(s, 6, b->now);
		sqlite3_bind_int(s, 7, b->overwrite_actual ? 1 : 0);
		rc = step_upsert(conn, s, counts);
	}
	return rc;
}

/* The batch's part of the readings_write transaction (backends/common/readings_run.c). */
int ecl__sqlite_readings_batch(ecl_backend_conn *conn, ecl__readings_write *w)
{
	ecl_reading_batch *b = w->batch;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < b->meter_count; i++) {
		w->ids[i] = b->meters[i].id;
		if (w->ids[i] == 0)
			rc = ensure_meter(conn, b, &b->meters[i], &w->ids[i], &w->counts);
	}
	if (rc == 0)
		rc = write_intervals(conn, b, w->ids, &w->counts);
	if (rc == 0)
		rc = write_dailies(conn, b, w->ids, &w->counts);
	if (rc == 0)
		rc = ecl__sqlite_record_extent(conn, b, w->ids);
	return rc;
}
