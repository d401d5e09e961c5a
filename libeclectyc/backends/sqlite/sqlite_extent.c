/*
 * Which meters and days each import batch wrote (import_batch_meters), so
 * the days an import touched can be re-aggregated: recorded in the same
 * transaction as the readings, so it survives a crash and a resume.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"

typedef struct meter_span {
	char first[11], last[11];
} meter_span;

static void widen(meter_span *span, const char *date)
{
	if (span->first[0] == '\0' || strcmp(date, span->first) < 0)
		memcpy(span->first, date, sizeof(span->first));
	if (span->last[0] == '\0' || strcmp(date, span->last) > 0)
		memcpy(span->last, date, sizeof(span->last));
}

static int store_spans(ecl_backend_conn *conn, const ecl_reading_batch *b, const int64_t *ids,
                       const meter_span *spans, int64_t key)
{
	sqlite3_stmt *s;
	size_t i;
	int rc = ecl__sqlite_prepare(&s, conn,
		"INSERT INTO import_batch_meters (import_batch, meter_id, first_date, last_date) "
		"VALUES (?1, ?2, ?3, ?4) ON CONFLICT (import_batch, meter_id) DO UPDATE SET "
		"first_date = min(first_date, excluded.first_date), "
		"last_date = max(last_date, excluded.last_date)");

	for (i = 0; rc == 0 && i < b->meter_count; i++) {
		int step;

		if (spans[i].first[0] == '\0')
			continue;
		sqlite3_bind_int64(s, 1, key);
		sqlite3_bind_int64(s, 2, ids[i]);
		sqlite3_bind_text(s, 3, spans[i].first, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, spans[i].last, -1, SQLITE_STATIC);
		step = sqlite3_step(s);
		if (step != SQLITE_DONE)
			rc = ecl__sqlite_error(conn, step, "recording the days an import batch wrote");
		ecl__sqlite_done(s);
	}
	return rc;
}

int ecl__sqlite_record_extent(ecl_backend_conn *conn, const ecl_reading_batch *b,
                              const int64_t *ids)
{
	meter_span *spans;
	int64_t key = 0;
	size_t i;
	int rc;

	if (b->batch_id == NULL || b->meter_count == 0)
		return 0;
	if ((spans = calloc(b->meter_count, sizeof(*spans))) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory for %zu meter spans", b->meter_count);
	for (i = 0; i < b->interval_count; i++)
		widen(&spans[b->intervals[i].meter], b->intervals[i].reading_date);
	for (i = 0; i < b->daily_count; i++)
		widen(&spans[b->dailies[i].meter], b->dailies[i].reading_date);
	rc = ecl__sqlite_batch_key(conn, b, &key);
	if (rc == 0)
		rc = store_spans(conn, b, ids, spans, key);
	free(spans);
	return rc;
}

static int read_extent(ecl_backend_conn *conn, sqlite3_stmt *s, ecl_batch_extent *out)
{
	size_t cap = 0;
	int step, rc = 0;

	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *first = (const char *)sqlite3_column_text(s, 1);
		const char *last = (const char *)sqlite3_column_text(s, 2);

		if (out->meter_count == cap) {
			int64_t *grown = realloc(out->meter_ids, (cap ? 2 * cap : 16) * sizeof(*grown));
			if (grown == NULL) {
				rc = ecl_error_set(ECL_ENOMEM, "out of memory reading an import batch's meters");
				break;
			}
			out->meter_ids = grown;
			cap = cap ? 2 * cap : 16;
		}
		out->meter_ids[out->meter_count++] = sqlite3_column_int64(s, 0);
		if (first && (out->first_date[0] == '\0' || strcmp(first, out->first_date) < 0))
			ecl__sqlite_copy_date(out->first_date, first);
		if (last && strcmp(last, out->last_date) > 0)
			ecl__sqlite_copy_date(out->last_date, last);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = ecl__sqlite_error(conn, step, "reading an import batch's meters");
	return rc;
}

int ecl__sqlite_batch_extent(ecl_backend_conn *conn, const char *batch_id, ecl_batch_extent *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ecl__sqlite_prepare(&s, conn,
		"SELECT m.meter_id, m.first_date, m.last_date FROM import_batches b "
		"JOIN import_batch_meters m ON m.import_batch = b.id WHERE b.batch_id = ?1 "
		"ORDER BY m.meter_id");
	if (rc == 0) {
		sqlite3_bind_text(s, 1, batch_id, -1, SQLITE_STATIC);
		rc = read_extent(conn, s, out);
		ecl__sqlite_done(s);
	}
	if (rc != 0) {
		free(out->meter_ids);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}
