/* Running the data feeds' statements (feed_query.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/common/feed_query.h"
#include "util/buffer_internal.h"

/* The most parameters a feed statement binds (a source's columns). */
#define MAX_PARAMS 32

int ecl__feed_read_run(ecl_backend_conn *conn, ecl__backend_work work, void *ctx,
                       const char *doing)
{
	const ecl__driver *d = ECL__DRIVER(conn);

	return d->read ? d->read(conn, work, ctx, doing) : work(conn, ctx);
}

ecl__sql_param ecl__feed_limit(size_t limit)
{
	return ecl__sql_int64(limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit);
}

/* ---- selects ------------------------------------------------------------------ */

static int append_row(const ecl__job_row *row, void *opaque)
{
	ecl__feed_rows *rows = opaque;
	int rc = ecl__feed_append(rows->table, rows->items, rows->count, &rows->capacity, row);

	if (rc == 0 && rows->extra != NULL)
		rc = rows->extra((char *)*rows->items + (*rows->count - 1) * rows->table->record_size,
			row, (int)rows->table->count);
	return rc;
}

int ecl__feed_select(ecl_backend_conn *conn, ecl__feed_rows *rows, const char *alias,
                     const char *extra, const char *rest, const ecl__sql_param *params,
                     int count, const char *doing)
{
	ecl__sql_call call;
	ecl_buf sql = ECL_BUF_INIT;
	int rc = ecl__buf_puts(&sql, "SELECT ");

	/* A retried read starts clean. */
	ecl__feed_truncate(rows->table, *rows->items, rows->count, 0);
	if (rc == 0)
		rc = ecl__feed_columns(&sql, rows->table, ECL__DRIVER(conn)->dialect, alias);
	if (rc == 0 && extra != NULL)
		rc = ecl__buf_puts(&sql, extra);
	if (rc == 0)
		rc = ecl__buf_puts(&sql, " ");
	if (rc == 0)
		rc = ecl__buf_puts(&sql, rest);
	if (rc == 0) {
		memset(&call, 0, sizeof(call));
		call.sql = sql.ptr;
		call.params = params;
		call.count = count;
		call.row = append_row;
		call.ctx = rows;
		rc = ecl__sql_run(conn, &call, doing);
	}
	if (rc != 0)
		ecl__feed_truncate(rows->table, *rows->items, rows->count, 0);
	ecl_buf_dispose(&sql);
	return rc;
}

int ecl__feed_select_one(ecl_backend_conn *conn, const ecl__feed_table *t, void *record,
                         int *found, const char *rest, const ecl__sql_param *params, int count,
                         const char *doing)
{
	void *items = NULL;
	size_t n = 0;
	ecl__feed_rows rows = { t, &items, &n, 0, NULL };
	int rc = ecl__feed_select(conn, &rows, "", NULL, rest, params, count, doing);

	memset(record, 0, t->record_size);
	*found = rc == 0 && n > 0;
	if (*found) {
		memcpy(record, items, t->record_size);
		memset(items, 0, t->record_size);
	}
	ecl__feed_truncate(t, items, &n, 0);
	free(items);
	return rc;
}

/* ---- inserts -------------------------------------------------------------------- */

static int take_id(const ecl__job_row *row, void *opaque)
{
	*(int64_t *)opaque = row->cells->integer(row, 0);
	return 0;
}

static int insert_sql(ecl_buf *sql, const ecl__feed_table *t, const char *from, int returning)
{
	int rc = ecl__buf_puts(sql, "INSERT INTO ");

	if (rc == 0)
		rc = ecl__buf_puts(sql, t->name);
	if (rc == 0)
		rc = ecl__buf_puts(sql, " (");
	if (rc == 0)
		rc = ecl__feed_columns(sql, t, NULL, "");
	if (rc == 0)
		rc = ecl__buf_puts(sql, from ? ") SELECT " : ") VALUES (");
	if (rc == 0)
		rc = ecl__feed_placeholders(sql, t);
	if (rc == 0)
		rc = ecl__buf_puts(sql, from ? " " : ")");
	if (rc == 0 && from != NULL)
		rc = ecl__buf_puts(sql, from);
	if (rc == 0 && returning)
		rc = ecl__buf_puts(sql, " RETURNING id");
	return rc;
}

int ecl__feed_insert(ecl_backend_conn *conn, const ecl__feed_table *t, const void *record,
                     const char *from, int64_t *id, const char *doing)
{
	const ecl__driver *d = ECL__DRIVER(conn);
	ecl__sql_param params[MAX_PARAMS];
	ecl__sql_call call;
	ecl_buf sql = ECL_BUF_INIT;
	int64_t returned = 0;
	int rc = t->count - 1 <= MAX_PARAMS ? insert_sql(&sql, t, from, d->feeds.returning)
		: ecl_error_set(ECL_EINVALID, "%s has more than %d columns", t->name, MAX_PARAMS);

	*id = 0;
	if (rc == 0) {
		ecl__feed_values(t, record, params);
		memset(&call, 0, sizeof(call));
		call.sql = sql.ptr;
		call.params = params;
		call.count = (int)t->count - 1;
		call.row = d->feeds.returning ? take_id : NULL;
		call.ctx = &returned;
		rc = ecl__sql_run(conn, &call, doing);
	}
	if (rc == 0 && call.changed > 0)
		*id = d->feeds.returning ? returned : call.inserted_id;
	ecl_buf_dispose(&sql);
	return rc;
}
