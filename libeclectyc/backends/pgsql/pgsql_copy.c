/*
 * PostgreSQL backend: half-hour readings sent with COPY … FROM STDIN in the
 * binary format.
 *
 * COPY is the cheapest way into a table that PostgreSQL offers: no SQL per
 * row, no array parameters to parse, no ON CONFLICT arbitration. The binary
 * format spares the server the parsing of every number, date and instant
 * (and this side their printing): each field goes as its length and its
 * network-order bytes. It cannot resolve a conflict, so the caller uses it
 * only for readings whose keys it believes new, under a savepoint, and falls
 * back to the upsert when the COPY hits a unique violation (23505).
 *
 * Binary COPY layout (PostgreSQL documentation, "COPY", "Binary Format"):
 * the 11-byte signature, a 32-bit flags field and a 32-bit header extension
 * length; per row a 16-bit field count, then per field a 32-bit length (-1
 * for NULL) and the value in the type's send format; a 16-bit -1 ends it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buffer_internal.h"
#include "pgsql_internal.h"
#include "util/settlement.h"

#define COPY_HH_SQL \
	"COPY hh_readings (meter_id, period_start, reading_date, local_minutes, period_number," \
	" reading_value, estimated, import_batch) FROM STDIN (FORMAT binary)"

/* Send to the server whenever this much is buffered. */
#define COPY_FLUSH_BYTES (256 * 1024)

/* PostgreSQL's epoch (2000-01-01) in Unix seconds and in days since 1970. */
#define PG_EPOCH_UNIX_SECONDS INT64_C(946684800)
#define PG_EPOCH_UNIX_DAYS INT64_C(10957)

/* The bytes waiting to be sent; `failed` sticks once memory ran out. */
typedef struct copy_buf {
	ecl_buf buf;
	int failed;
} copy_buf;

static void put(copy_buf *b, const void *data, size_t len)
{
	if (!b->failed && ecl__buf_put(&b->buf, (const char *)data, len) != 0)
		b->failed = 1;
}

static void put_u16(copy_buf *b, uint16_t v)
{
	unsigned char x[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	put(b, x, sizeof(x));
}

static void put_u32(copy_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                       (unsigned char)(v >> 8), (unsigned char)v };

	put(b, x, sizeof(x));
}

static void put_u64(copy_buf *b, uint64_t v)
{
	put_u32(b, (uint32_t)(v >> 32));
	put_u32(b, (uint32_t)v);
}

/* One field: its length, then its value. */
static void field_int64(copy_buf *b, int64_t v)
{
	put_u32(b, 8);
	put_u64(b, (uint64_t)v);
}

static void field_int16(copy_buf *b, int v)
{
	put_u32(b, 2);
	put_u16(b, (uint16_t)(int16_t)v);
}

static void field_float8(copy_buf *b, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	put_u32(b, 8);
	put_u64(b, bits);
}

static void field_bool(copy_buf *b, int v)
{
	unsigned char x = v ? 1 : 0;

	put_u32(b, 1);
	put(b, &x, 1);
}

/* A date: days since 2000-01-01. The core hands over validated
 * YYYY-MM-DD text, so fixed positions are safe. */
static void field_date(copy_buf *b, const char *ymd)
{
	int y = (ymd[0] - '0') * 1000 + (ymd[1] - '0') * 100 + (ymd[2] - '0') * 10 + (ymd[3] - '0');
	int m = (ymd[5] - '0') * 10 + (ymd[6] - '0');
	int d = (ymd[8] - '0') * 10 + (ymd[9] - '0');

	put_u32(b, 4);
	put_u32(b, (uint32_t)(int32_t)(ecl__days_from_civil(y, m, d) - PG_EPOCH_UNIX_DAYS));
}

static void encode_row(copy_buf *b, const ecl_interval_reading *r, int64_t meter_id,
                       int64_t batch_key)
{
	put_u16(b, 8);
	field_int64(b, meter_id);
	/* timestamptz: microseconds since 2000-01-01 00:00 UTC. */
	field_int64(b, (r->period_start - PG_EPOCH_UNIX_SECONDS) * 1000000);
	field_date(b, r->reading_date);
	field_int16(b, r->local_minutes);
	field_int16(b, r->period_number);
	field_float8(b, r->value);
	field_bool(b, r->estimated);
	if (batch_key > 0)
		field_int64(b, batch_key);
	else
		put_u32(b, UINT32_MAX);   /* -1: NULL */
}

static int send_buffered(ecl_backend_conn *conn, copy_buf *b)
{
	int rc = 0;

	if (b->failed)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory encoding readings for COPY");
	else if (b->buf.size > 0 && PQputCopyData(conn->pg, b->buf.ptr, (int)b->buf.size) != 1)
		rc = ecl__pg_error(conn, NULL, "sending readings (COPY)");
	b->buf.size = 0;
	return rc;
}

/* End the COPY and read its outcome: 0 with *copied set, or the server's
 * error. */
static int finish(ecl_backend_conn *conn, int64_t *copied)
{
	PGresult *res;
	int rc = 0, seen = 0;

	if (PQputCopyEnd(conn->pg, NULL) != 1)
		rc = ecl__pg_error(conn, NULL, "ending a COPY of readings");
	while ((res = PQgetResult(conn->pg)) != NULL) {
		if (rc == 0 && !seen && PQresultStatus(res) == PGRES_COMMAND_OK)
			*copied = strtoll(PQcmdTuples(res), NULL, 10);
		else if (rc == 0 && !seen)
			rc = ecl__pg_error(conn, res, "copying readings");
		seen = 1;
		PQclear(res);
	}
	return rc;
}

/* Abort a COPY this side cannot finish, leaving the error already set
 * (the cause) in place: the server's "COPY aborted" says nothing new. The
 * transaction is then failed, and the caller's rollback ends it. */
static void abandon(ecl_backend_conn *conn)
{
	PGresult *res;

	if (PQputCopyEnd(conn->pg, "the client stopped the COPY") == 1)
		while ((res = PQgetResult(conn->pg)) != NULL)
			PQclear(res);
}

int ecl__pg_copy_intervals(ecl_backend_conn *conn, const ecl_interval_reading *rows, size_t count,
                           const int64_t *meter_ids, int64_t batch_key, int64_t *copied)
{
	static const unsigned char signature[11] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r',
	                                             '\n', 0 };
	copy_buf b = { ECL_BUF_INIT, 0 };
	PGresult *res;
	size_t k;
	int rc = 0;

	*copied = 0;
	res = PQexec(conn->pg, COPY_HH_SQL);
	if (res == NULL || PQresultStatus(res) != PGRES_COPY_IN) {
		rc = ecl__pg_error(conn, res, "starting a COPY of readings");
		PQclear(res);
		return rc;
	}
	PQclear(res);
	put(&b, signature, sizeof(signature));
	put_u32(&b, 0);   /* flags */
	put_u32(&b, 0);   /* header extension length */
	for (k = 0; rc == 0 && k < count; k++) {
		encode_row(&b, &rows[k], meter_ids[rows[k].meter], batch_key);
		if (b.buf.size >= COPY_FLUSH_BYTES)
			rc = send_buffered(conn, &b);
	}
	put_u16(&b, UINT16_MAX);   /* -1: the end of the data */
	if (rc == 0)
		rc = send_buffered(conn, &b);
	if (rc == 0)
		rc = finish(conn, copied);
	else if (!conn->broken)
		abandon(conn);
	ecl_buf_dispose(&b.buf);
	return rc;
}
