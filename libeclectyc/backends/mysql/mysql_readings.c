/*
 * MySQL/MariaDB backend: meters and readings, written in bulk.
 *
 * Half-hour readings go by LOAD DATA LOCAL INFILE from memory into a
 * temporary staging table, then one INSERT … SELECT … ON DUPLICATE KEY
 * UPDATE from it (hh_load); daily readings, and half hours when the server
 * refuses LOAD DATA LOCAL, as multi-row INSERT … ON DUPLICATE KEY UPDATE
 * statements of up to CHUNK rows. Both send text the library formats
 * itself (%.17g for values, so the stored double is the one given). The
 * assignments change a row only when its value or type differs, and never
 * turn an actual into an estimate unless the batch allows it: they are
 * ordered so each condition still sees the stored row. The server counts
 * for us: with CLIENT_FOUND_ROWS a row inserted or left alone affects 1 and
 * one updated 2, so with the rows that met an existing key (duplicates),
 * inserted = rows - duplicates, updated = affected - rows, the rest
 * unchanged. mysql_info() would say how many met a key, but not counting
 * the rows left alone, so a session variable counts them (run_upsert()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errmsg.h>

#include "util/buffer_internal.h"
#include "mysql_internal.h"

#define CHUNK 1000

int ecl__my_meter_find(ecl_backend_conn *conn, const char *mpan, int64_t *id)
{
	my_result res;
	my_params p;
	int rc;

	ecl__my_params_init(&p);
	ecl__my_text(&p, mpan);
	rc = ecl__my_query(&res, conn, "SELECT id FROM meters WHERE mpan = ?1", &p, "finding a meter");
	if (rc == 0 && res.rows == 1)
		*id = ecl__my_get_int(&res, 0, 0);
	else if (rc == 0)
		rc = ecl_error_set(ECL_ENOTFOUND, "no meter %s", mpan);
	ecl__my_result_free(&res);
	return rc;
}

/* Create the meter (or find the one another writer created meanwhile). */
static int ensure_meter(ecl_backend_conn *conn, const ecl_reading_batch *b, const ecl_batch_meter *m,
                        int64_t *id, ecl_write_counts *counts)
{
	int64_t added = 0;
	my_params p;
	int rc;

	ecl__my_params_init(&p);
	ecl__my_text(&p, m->mpan);
	ecl__my_int(&p, m->is_half_hourly ? 1 : 0);
	ecl__my_text(&p, m->mpan_check);
	ecl__my_text(&p, b->batch_id);
	ecl__my_int(&p, b->now);
	rc = ecl__my_command(conn, "INSERT IGNORE INTO meters (mpan, is_half_hourly, mpan_check,"
		" created_by_batch, created_at) VALUES (?1, ?2, ?3, ?4, ?5)", &p, &added, "creating a meter");
	if (rc == 0)
		rc = ecl__my_meter_find(conn, m->mpan, id);
	if (rc == 0 && added > 0)
		counts->meters_created++;
	return rc;
}

/* The small integer standing for the import batch (created on first use). */
static int batch_key(ecl_backend_conn *conn, const ecl_reading_batch *b, int64_t *key)
{
	my_result res;
	my_params p;
	int rc;

	*key = 0;
	if (b->batch_id == NULL)
		return 0;
	ecl__my_params_init(&p);
	ecl__my_text(&p, b->batch_id);
	ecl__my_int(&p, b->now);
	rc = ecl__my_command(conn, "INSERT IGNORE INTO import_batches (batch_id, created_at)"
		" VALUES (?1, ?2)", &p, NULL, "recording the import batch");
	if (rc == 0)
		rc = ecl__my_query(&res, conn, "SELECT id FROM import_batches WHERE batch_id = ?1", &p,
			"recording the import batch");
	if (rc == 0)
		*key = res.rows == 1 ? ecl__my_get_int(&res, 0, 0) : 0;
	if (rc == 0)
		ecl__my_result_free(&res);
	return rc;
}

/* Run a built upsert of `rows` rows and add its counts: @ecl_dup counts
 * the rows that met an existing key (the ON DUPLICATE KEY clause runs for
 * each), the affected rows are 1 per insert or row left alone and 2 per
 * update (CLIENT_FOUND_ROWS). */
static int run_upsert(ecl_backend_conn *conn, ecl_buf *sql, size_t rows,
                      ecl_write_counts *counts, const char *doing)
{
	char dup_text[64] = "";
	int64_t affected = 0;
	int rc = ecl__buf_puts(sql, "; SELECT @ecl_dup");

	if (rc == 0)
		rc = ecl__my_exec_info(conn, sql->ptr, &affected, dup_text, doing);
	if (rc == 0) {
		int64_t duplicates = strtoll(dup_text, NULL, 10);
		int64_t updated = affected - (int64_t)rows;

		counts->inserted += (int64_t)rows - duplicates;
		counts->updated += updated;
		counts->unchanged += duplicates - updated;
	}
	return rc;
}

/* "VALUES (…), (…)" for several rows; " SELECT … FROM DUAL" for one. */
static int row_open(ecl_buf *sql, size_t i, size_t rows)
{
	if (rows == 1)
		return ecl__buf_puts(sql, " SELECT ");
	return ecl__buf_puts(sql, i == 0 ? " VALUES (" : ", (");
}

static int row_close(ecl_buf *sql, size_t rows)
{
	return ecl__buf_puts(sql, rows == 1 ? " FROM DUAL" : ")");
}

/* Whether the stored row changes: its value or type differs, and an
 * estimate replaces an actual only when allowed (%d). */
#define HH_CHANGES "((reading_value <> VALUES(reading_value) OR estimated <> VALUES(estimated))" \
	" AND (VALUES(estimated) = 0 OR estimated = 1 OR %d))"
#define HH_COLUMNS { "import_batch", "reading_value", "estimated", NULL }
#define DAILY_CHANGES "((reading_value <> VALUES(reading_value) OR reading_type <> VALUES(reading_type))" \
	" AND (VALUES(reading_type) = 'actual' OR reading_type = 'estimated' OR %d))"
#define DAILY_COLUMNS { "import_batch_id", "reading_value", "reading_type", NULL }

/* " ON DUPLICATE KEY UPDATE": updated_at first, then `columns` in order,
 * each under the condition `changes`, which then still sees the stored row
 * (MySQL assigns left to right, and the value goes before the type). */
static int upsert_tail(ecl_buf *sql, const char *changes, int64_t now, int overwrite,
                       const char *const columns[])
{
	char cond[512];
	int i, rc;

	snprintf(cond, sizeof(cond), changes, overwrite ? 1 : 0);
	rc = ecl__my_appendf(sql, " ON DUPLICATE KEY UPDATE updated_at ="
		" IF((@ecl_dup := @ecl_dup + 1) > 0 AND %s, %lld, updated_at)",
		cond, (long long)now);
	for (i = 0; rc == 0 && columns[i] != NULL; i++)
		rc = ecl__my_appendf(sql, ", %s = IF(%s, VALUES(%s), %s)", columns[i], cond, columns[i],
			columns[i]);
	return rc;
}

static int hh_chunk(ecl_backend_conn *conn, const ecl_reading_batch *b, const int64_t *ids,
                    int64_t key, size_t first, size_t rows, ecl_write_counts *counts)
{
	static const char *const hh_columns[] = HH_COLUMNS;
	ecl_buf sql = ECL_BUF_INIT;
	char batch[32] = "NULL";
	size_t i;
	int rc = ecl__buf_puts(&sql, "SET @ecl_dup = 0; INSERT INTO hh_readings (meter_id, period_start, reading_date,"
		" local_minutes, period_number, reading_value, estimated, import_batch)");

	if (key != 0)
		snprintf(batch, sizeof(batch), "%lld", (long long)key);
	for (i = 0; rc == 0 && i < rows; i++) {
		const ecl_interval_reading *r = &b->intervals[first + i];

		rc = row_open(&sql, i, rows);
		if (rc == 0)
			rc = ecl__my_appendf(&sql, "%lld, %lld, '%.10s', %d, %d, %.17g, %d, %s",
				(long long)ids[r->meter], (long long)r->period_start, r->reading_date,
				r->local_minutes, r->period_number, r->value, r->estimated ? 1 : 0, batch);
		if (rc == 0)
			rc = row_close(&sql, rows);
	}
	if (rc == 0)
		rc = upsert_tail(&sql, HH_CHANGES, b->now, b->overwrite_actual, hh_columns);
	if (rc == 0)
		rc = run_upsert(conn, &sql, rows, counts, "writing half-hour readings");
	ecl_buf_dispose(&sql);
	return rc;
}

/* Daily totals: the batch id is the one text value, bound by quoting it
 * (a UUID the library made: hex digits and dashes only, checked). */
static int daily_chunk(ecl_backend_conn *conn, const ecl_reading_batch *b, const int64_t *ids,
                       size_t first, size_t rows, ecl_write_counts *counts)
{
	static const char *const daily_columns[] = DAILY_COLUMNS;
	ecl_buf sql = ECL_BUF_INIT;
	char batch[48] = "NULL";
	size_t i;
	int rc = ecl__buf_puts(&sql, "SET @ecl_dup = 0; INSERT INTO daily_readings (meter_id, reading_date, reading_value,"
		" reading_type, import_batch_id, created_at)");

	if (b->batch_id != NULL && strspn(b->batch_id, "0123456789abcdefABCDEF-") == strlen(b->batch_id)
	    && strlen(b->batch_id) <= 36)
		snprintf(batch, sizeof(batch), "'%s'", b->batch_id);
	for (i = 0; rc == 0 && i < rows; i++) {
		const ecl_daily_reading *r = &b->dailies[first + i];

		rc = row_open(&sql, i, rows);
		if (rc == 0)
			rc = ecl__my_appendf(&sql, "%lld, '%.10s', %.17g, '%s', %s, %lld",
				(long long)ids[r->meter], r->reading_date, r->value,
				r->estimated ? "estimated" : "actual", batch, (long long)b->now);
		if (rc == 0)
			rc = row_close(&sql, rows);
	}
	if (rc == 0)
		rc = upsert_tail(&sql, DAILY_CHANGES, b->now, b->overwrite_actual, daily_columns);
	if (rc == 0)
		rc = run_upsert(conn, &sql, rows, counts, "writing daily readings");
	ecl_buf_dispose(&sql);
	return rc;
}

/* ---- half hours by LOAD DATA LOCAL INFILE ----------------------------------- */

/* The bytes one LOAD DATA statement reads, served by the handlers below. */
typedef struct infile_src {
	const char *data;
	size_t len, pos;
} infile_src;

static int infile_init(void **ptr, const char *filename, void *userdata)
{
	(void)filename;   /* whatever file the server names: only our buffer is sent */
	*ptr = userdata;
	return userdata != NULL ? 0 : 1;
}

static int infile_read(void *ptr, char *buf, unsigned int len)
{
	infile_src *src = ptr;
	size_t n = src->len - src->pos < len ? src->len - src->pos : len;

	memcpy(buf, src->data + src->pos, n);
	src->pos += n;
	return (int)n;
}

static void infile_end(void *ptr)
{
	(void)ptr;
}

static int infile_error(void *ptr, char *msg, unsigned int len)
{
	(void)ptr;
	snprintf(msg, len, "the library offers no local file for this statement");
	return CR_UNKNOWN_ERROR;
}

void ecl__my_infile_serve(MYSQL *my, void *src)
{
	mysql_set_local_infile_handler(my, infile_init, infile_read, infile_end, infile_error, src);
}

/* The server (or its configuration, local_infile = OFF) refuses LOAD DATA
 * LOCAL: MariaDB 1148 or 4166, MySQL 8 3948, a client that refused it 2068. */
static int refused_local(unsigned int no)
{
	return no == 1148 || no == 3948 || no == 4166 || no == 2068;
}

/* Readings LOADed into the staging table at once (its MEMORY engine holds
 * max_heap_table_size, 16 MiB by default: about 200,000 of these rows). */
#define LOAD_ROWS 20000
#define STAGE_TABLE "CREATE TEMPORARY TABLE IF NOT EXISTS ecl_hh_stage (s_seq INT NOT NULL PRIMARY KEY," \
	" s_meter BIGINT NOT NULL, s_start BIGINT NOT NULL, s_date DATE NOT NULL, s_minutes INT NOT NULL," \
	" s_period INT NOT NULL, s_value DOUBLE NOT NULL, s_estimated TINYINT NOT NULL) ENGINE = MEMORY"

/* `rows` half hours from `first`: sent as tab-separated text (%.17g: the
 * stored double is the one given) into the staging table, then upserted
 * from it in their order by the same ON DUPLICATE KEY clause and counting
 * as hh_chunk's. Staging columns are named apart from hh_readings' so the
 * clause's names are the target's. */
static int hh_load(ecl_backend_conn *conn, const ecl_reading_batch *b, const int64_t *ids,
                   int64_t key, size_t first, size_t rows, ecl_write_counts *counts)
{
	static const char *const hh_columns[] = HH_COLUMNS;
	ecl_buf data = ECL_BUF_INIT, sql = ECL_BUF_INIT;
	infile_src src = { NULL, 0, 0 };
	char batch[32] = "NULL";
	size_t i;
	int rc = 0;

	if (key != 0)
		snprintf(batch, sizeof(batch), "%lld", (long long)key);
	for (i = 0; rc == 0 && i < rows; i++) {
		const ecl_interval_reading *r = &b->intervals[first + i];

		rc = ecl__my_appendf(&data, "%zu\t%lld\t%lld\t%.10s\t%d\t%d\t%.17g\t%d\n", i,
			(long long)ids[r->meter], (long long)r->period_start, r->reading_date,
			r->local_minutes, r->period_number, r->value, r->estimated ? 1 : 0);
	}
	if (rc == 0)
		rc = ecl__my_appendf(&sql, STAGE_TABLE "; DELETE FROM ecl_hh_stage;"
			" LOAD DATA LOCAL INFILE 'ecl-readings' INTO TABLE ecl_hh_stage; SET @ecl_dup = 0;"
			" INSERT INTO hh_readings (meter_id, period_start, reading_date, local_minutes, period_number,"
			" reading_value, estimated, import_batch) SELECT s_meter, s_start, s_date, s_minutes, s_period,"
			" s_value, s_estimated, %s FROM ecl_hh_stage ORDER BY s_seq", batch);
	if (rc == 0)
		rc = upsert_tail(&sql, HH_CHANGES, b->now, b->overwrite_actual, hh_columns);
	if (rc == 0) {
		src.data = data.ptr;
		src.len = data.size;
		ecl__my_infile_serve(conn->my, &src);
		rc = run_upsert(conn, &sql, rows, counts, "writing half-hour readings");
		ecl__my_infile_serve(conn->my, NULL);
	}
	ecl_buf_dispose(&data);
	ecl_buf_dispose(&sql);
	return rc;
}

/* The batch's half hours: by LOAD DATA in chunks of LOAD_ROWS (measured
 * faster than the multi-row upserts, docs/mysql.md), or by upserts of
 * CHUNK rows when the server refuses LOAD DATA LOCAL (then for the rest of
 * the connection). The staging table is dropped again (a temporary table
 * shows in information_schema on some servers, where the drift check would
 * see it). */
static int hh_write(ecl_backend_conn *conn, const ecl_reading_batch *b, const int64_t *ids,
                    int64_t key, ecl_write_counts *counts)
{
	size_t i = 0, n = b->interval_count;
	int rc = 0, staged = 0;

	for (; rc == 0 && i < n && !conn->no_local_infile; i += LOAD_ROWS) {
		rc = hh_load(conn, b, ids, key, i, n - i < LOAD_ROWS ? n - i : LOAD_ROWS, counts);
		staged = 1;
		if (rc == ECL_EDB && refused_local(conn->last_errno)) {
			conn->no_local_infile = 1;
			rc = 0;
			break;
		}
	}
	for (; rc == 0 && i < n; i += CHUNK)
		rc = hh_chunk(conn, b, ids, key, i, n - i < CHUNK ? n - i : CHUNK, counts);
	if (staged && !conn->broken) {
		int dropped = ecl__my_exec(conn, "DROP TEMPORARY TABLE IF EXISTS ecl_hh_stage",
			"dropping the readings' staging table");

		rc = rc != 0 ? rc : dropped;
	}
	return rc;
}

/* Each meter's first and last day among the batch's readings (YYYY-MM-DD
 * compares as text; "" for a meter without readings). */
typedef struct day_span {
	char first[11], last[11];
} day_span;

static void widen(day_span *span, const char *date)
{
	if (span->first[0] == '\0' || strncmp(date, span->first, 10) < 0)
		snprintf(span->first, sizeof(span->first), "%.10s", date);
	if (span->last[0] == '\0' || strncmp(date, span->last, 10) > 0)
		snprintf(span->last, sizeof(span->last), "%.10s", date);
}

/* Widen the batch's import_batch_meters rows to the days it wrote now: one
 * row per meter (its span in the batch), not one per reading — a batch of
 * a few meters carries thousands of readings, and each row would be one
 * more upsert for the server to apply. */
static int record_extent(ecl_backend_conn *conn, const ecl_reading_batch *b, const int64_t *ids,
                         int64_t key)
{
	day_span *spans = calloc(b->meter_count > 0 ? b->meter_count : 1, sizeof(*spans));
	ecl_buf sql = ECL_BUF_INIT;
	size_t i, n = 0;
	int rc = spans == NULL ? ecl_error_set(ECL_ENOMEM, "out of memory recording an import's days")
		: ecl__buf_puts(&sql, "INSERT INTO import_batch_meters (import_batch, meter_id,"
		" first_date, last_date) VALUES ");

	for (i = 0; rc == 0 && i < b->interval_count; i++)
		widen(&spans[b->intervals[i].meter], b->intervals[i].reading_date);
	for (i = 0; rc == 0 && i < b->daily_count; i++)
		widen(&spans[b->dailies[i].meter], b->dailies[i].reading_date);
	for (i = 0; rc == 0 && i < b->meter_count; i++)
		if (spans[i].first[0] != '\0')
			rc = ecl__my_appendf(&sql, "%s(%lld, %lld, '%s', '%s')", n++ ? ", " : "",
				(long long)key, (long long)ids[i], spans[i].first, spans[i].last);
	if (rc == 0)
		rc = ecl__buf_puts(&sql, " ON DUPLICATE KEY UPDATE"
			" first_date = LEAST(first_date, VALUES(first_date)),"
			" last_date = GREATEST(last_date, VALUES(last_date))");
	if (rc == 0 && n > 0)
		rc = ecl__my_exec(conn, sql.ptr, "recording the days an import batch wrote");
	ecl_buf_dispose(&sql);
	free(spans);
	return rc;
}

/* The batch's part of the readings_write transaction (backends/common/readings_run.c). */
int ecl__my_readings_batch(ecl_backend_conn *conn, ecl__readings_write *w)
{
	ecl_reading_batch *b = w->batch;
	int64_t key = 0;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < b->meter_count; i++) {
		w->ids[i] = b->meters[i].id;
		if (w->ids[i] == 0)
			rc = ensure_meter(conn, b, &b->meters[i], &w->ids[i], &w->counts);
	}
	if (rc == 0 && b->interval_count + b->daily_count > 0)
		rc = batch_key(conn, b, &key);
	if (rc == 0 && b->interval_count > 0)
		rc = hh_write(conn, b, w->ids, key, &w->counts);
	for (i = 0; rc == 0 && i < b->daily_count; i += CHUNK)
		rc = daily_chunk(conn, b, w->ids, i,
			b->daily_count - i < CHUNK ? b->daily_count - i : CHUNK, &w->counts);
	if (rc == 0 && key != 0)
		rc = record_extent(conn, b, w->ids, key);
	return rc;
}

typedef struct extent_ctx {
	const char *batch_id;
	ecl_batch_extent *out;
} extent_ctx;

static int read_extent(ecl_backend_conn *conn, void *opaque)
{
	extent_ctx *ctx = opaque;
	ecl_batch_extent *out = ctx->out;
	my_result res;
	my_params p;
	int i, rc;

	free(out->meter_ids);
	memset(out, 0, sizeof(*out));
	ecl__my_params_init(&p);
	ecl__my_text(&p, ctx->batch_id);
	rc = ecl__my_query(&res, conn, "SELECT m.meter_id, (SELECT min(first_date) FROM import_batch_meters"
		" WHERE import_batch = b.id), (SELECT max(last_date) FROM import_batch_meters"
		" WHERE import_batch = b.id) FROM import_batches b JOIN import_batch_meters m"
		" ON m.import_batch = b.id WHERE b.batch_id = ?1 ORDER BY m.meter_id", &p,
		"reading an import batch's extent");
	if (rc == 0 && res.rows > 0 && (out->meter_ids = calloc((size_t)res.rows, sizeof(int64_t))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading an import batch's extent");
	for (i = 0; rc == 0 && i < res.rows; i++)
		out->meter_ids[out->meter_count++] = ecl__my_get_int(&res, i, 0);
	if (rc == 0 && res.rows > 0) {
		ecl__my_copy_date(out->first_date, &res, 0, 1);
		ecl__my_copy_date(out->last_date, &res, 0, 2);
	}
	ecl__my_result_free(&res);
	return rc;
}

int ecl__my_batch_extent(ecl_backend_conn *conn, const char *batch_id, ecl_batch_extent *out)
{
	extent_ctx ctx = { batch_id, out };

	memset(out, 0, sizeof(*out));
	return ecl__my_read(conn, read_extent, &ctx, "reading an import batch's extent");
}
