/*
 * MySQL/MariaDB backend: statement parameters, results read whole, and the
 * per-connection cache of prepared statements.
 *
 * Statements are written with numbered placeholders (?1, ?2 …, as the
 * SQLite backend does), since the shared job SQL binds the batch id first
 * wherever the SQL names it. The cache turns each ?N into MySQL's "?" and
 * keeps, per statement, which parameter each "?" takes.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buffer_internal.h"
#include "util/strutil.h"
#include "mysql_internal.h"

/* ---- parameters ---------------------------------------------------------- */

void ecl__my_params_init(my_params *p)
{
	memset(p, 0, sizeof(*p));
}

/* Slot n (1-based) for a new value, or NULL when past the limit. */
static MYSQL_BIND *slot(my_params *p, int n)
{
	MYSQL_BIND *b;

	if (n < 1 || n > ECL_MY_MAX_PARAMS) {
		p->overflow = 1;
		return NULL;
	}
	if (n > p->n)
		p->n = n;
	b = &p->bind[n - 1];
	memset(b, 0, sizeof(*b));
	return b;
}

void ecl__my_set_text(my_params *p, int n, const char *text)
{
	MYSQL_BIND *b = slot(p, n);

	if (b == NULL)
		return;
	if (text == NULL) {
		b->buffer_type = MYSQL_TYPE_NULL;
		return;
	}
	p->lengths[n - 1] = (unsigned long)strlen(text);
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = (void *)text;
	b->buffer_length = p->lengths[n - 1];
	b->length = &p->lengths[n - 1];
}

void ecl__my_set_int(my_params *p, int n, int64_t v)
{
	MYSQL_BIND *b = slot(p, n);

	if (b == NULL)
		return;
	p->ints[n - 1] = v;
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = &p->ints[n - 1];
}

void ecl__my_text(my_params *p, const char *text)
{
	ecl__my_set_text(p, p->n + 1, text);
}

void ecl__my_int(my_params *p, int64_t v)
{
	ecl__my_set_int(p, p->n + 1, v);
}

void ecl__my_time(my_params *p, int64_t t)
{
	if (t == ECL_TIME_NONE)
		ecl__my_text(p, NULL);
	else
		ecl__my_int(p, t);
}

void ecl__my_double(my_params *p, double v)
{
	MYSQL_BIND *b = slot(p, p->n + 1);

	if (b == NULL)
		return;
	p->doubles[p->n - 1] = v;
	b->buffer_type = MYSQL_TYPE_DOUBLE;
	b->buffer = &p->doubles[p->n - 1];
}

int ecl__my_appendf(ecl_buf *buf, const char *format, ...)
{
	char small[256];
	va_list ap;
	int n, rc;

	va_start(ap, format);
	n = vsnprintf(small, sizeof(small), format, ap);
	va_end(ap);
	if (n < 0)
		return ecl_error_set(ECL_EINVALID, "formatting SQL");
	if ((size_t)n < sizeof(small))
		return ecl__buf_put(buf, small, (size_t)n);
	{
		char *big = malloc((size_t)n + 1);

		if (big == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory building SQL");
		va_start(ap, format);
		vsnprintf(big, (size_t)n + 1, format, ap);
		va_end(ap);
		rc = ecl__buf_put(buf, big, (size_t)n);
		free(big);
	}
	return rc;
}

/* ---- results -------------------------------------------------------------- */

void ecl__my_result_free(my_result *r)
{
	int i;

	if (r == NULL || r->cells == NULL)
		return;
	for (i = 0; i < r->rows * r->cols; i++)
		free(r->cells[i].text);
	free(r->cells);
	r->cells = NULL;
	r->rows = r->cols = 0;
}

static const my_cell *cell(const my_result *r, int row, int col)
{
	return &r->cells[row * r->cols + col];
}

int ecl__my_is_null(const my_result *r, int row, int col)
{
	return cell(r, row, col)->text == NULL;
}

int64_t ecl__my_get_int(const my_result *r, int row, int col)
{
	return cell(r, row, col)->i;
}

double ecl__my_get_double(const my_result *r, int row, int col)
{
	return cell(r, row, col)->d;
}

const char *ecl__my_get_str(const my_result *r, int row, int col)
{
	return cell(r, row, col)->text;
}

char *ecl__my_get_text(const my_result *r, int row, int col, int *oom)
{
	const char *text = cell(r, row, col)->text;
	char *copy = text ? ecl__strdup(text) : NULL;

	if (text != NULL && copy == NULL)
		*oom = 1;
	return copy;
}

void ecl__my_copy_date(char out[11], const my_result *r, int row, int col)
{
	const char *text = cell(r, row, col)->text;

	snprintf(out, 11, "%s", text ? text : "");
}

/* Keep one fetched cell: numbers as fetched, and their text. */
static int keep_cell(my_cell *c, const MYSQL_BIND *b, const char *text)
{
	char number[40];

	if (*b->is_null)
		return 0;
	if (b->buffer_type == MYSQL_TYPE_LONGLONG) {
		c->i = *(const int64_t *)b->buffer;
		c->d = (double)c->i;
		snprintf(number, sizeof(number), "%lld", (long long)c->i);
		text = number;
	} else if (b->buffer_type == MYSQL_TYPE_DOUBLE) {
		c->d = *(const double *)b->buffer;
		c->i = (int64_t)c->d;
		snprintf(number, sizeof(number), "%.17g", c->d);
		text = number;
	} else {
		c->i = strtoll(text, NULL, 10);
		c->d = strtod(text, NULL);
	}
	c->text = ecl__strdup(text);
	return c->text ? 0 : ecl_error_set(ECL_ENOMEM, "out of memory reading a result");
}

/* Output buffers: integers and floats fetched as such, the rest as text
 * sized by the longest value of the stored result. */
typedef struct fetch_buffers {
	MYSQL_BIND *bind;
	char **text;
	int64_t *ints;
	double *doubles;
	my_bool *nulls;
	unsigned long *lengths;
} fetch_buffers;

static void buffers_free(fetch_buffers *f, unsigned int cols)
{
	unsigned int i;

	for (i = 0; f->text != NULL && i < cols; i++)
		free(f->text[i]);
	free(f->bind);
	free(f->text);
	free(f->ints);
	free(f->doubles);
	free(f->nulls);
	free(f->lengths);
}

static int buffers_bind(fetch_buffers *f, MYSQL_RES *meta, unsigned int cols)
{
	unsigned int i;

	f->bind = calloc(cols, sizeof(*f->bind));
	f->text = calloc(cols, sizeof(*f->text));
	f->ints = calloc(cols, sizeof(*f->ints));
	f->doubles = calloc(cols, sizeof(*f->doubles));
	f->nulls = calloc(cols, sizeof(*f->nulls));
	f->lengths = calloc(cols, sizeof(*f->lengths));
	if (!f->bind || !f->text || !f->ints || !f->doubles || !f->nulls || !f->lengths)
		return ecl_error_set(ECL_ENOMEM, "out of memory reading a result");
	for (i = 0; i < cols; i++) {
		MYSQL_FIELD *field = mysql_fetch_field_direct(meta, i);
		MYSQL_BIND *b = &f->bind[i];

		b->is_null = &f->nulls[i];
		b->length = &f->lengths[i];
		switch (field->type) {
		case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_INT24:
		case MYSQL_TYPE_LONG: case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_YEAR:
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = &f->ints[i];
			break;
		case MYSQL_TYPE_FLOAT: case MYSQL_TYPE_DOUBLE:
			b->buffer_type = MYSQL_TYPE_DOUBLE;
			b->buffer = &f->doubles[i];
			break;
		default:
			b->buffer_type = MYSQL_TYPE_STRING;
			/* Dates and times may not report a length: room for any. */
			b->buffer_length = (field->max_length > 64 ? field->max_length : 64) + 1;
			if ((f->text[i] = malloc(b->buffer_length)) == NULL)
				return ecl_error_set(ECL_ENOMEM, "out of memory reading a result");
			b->buffer = f->text[i];
		}
	}
	return 0;
}

/* Fetch every row of an executed statement into `out`. */
static int fetch_all(ecl_backend_conn *conn, MYSQL_STMT *stmt, MYSQL_RES *meta, my_result *out,
                     const char *doing)
{
	unsigned int cols = mysql_num_fields(meta), i;
	fetch_buffers f;
	int rc, row = 0;

	memset(&f, 0, sizeof(f));
	if (mysql_stmt_store_result(stmt) != 0)
		return ecl__my_error(conn, stmt, doing);
	out->cols = (int)cols;
	out->rows = (int)mysql_stmt_num_rows(stmt);
	out->cells = calloc((size_t)out->rows * cols + 1, sizeof(*out->cells));
	rc = out->cells ? buffers_bind(&f, meta, cols)
	                : ecl_error_set(ECL_ENOMEM, "out of memory reading a result");
	if (rc == 0 && mysql_stmt_bind_result(stmt, f.bind) != 0)
		rc = ecl__my_error(conn, stmt, doing);
	while (rc == 0 && row < out->rows) {
		int fetched = mysql_stmt_fetch(stmt);

		if (fetched == 1 || fetched == MYSQL_NO_DATA) {
			rc = ecl__my_error(conn, stmt, doing);
			break;
		}
		for (i = 0; rc == 0 && i < cols; i++) {
			if (f.bind[i].buffer_type == MYSQL_TYPE_STRING && !f.nulls[i])
				f.text[i][f.lengths[i] < f.bind[i].buffer_length ? f.lengths[i]
					: f.bind[i].buffer_length - 1] = '\0';
			rc = keep_cell(&out->cells[row * (int)cols + (int)i], &f.bind[i], f.text[i]);
		}
		row++;
	}
	buffers_free(&f, cols);
	mysql_stmt_free_result(stmt);
	if (rc != 0)
		ecl__my_result_free(out);
	return rc;
}

/* ---- the statement cache ---------------------------------------------------- */

static void cached_free(my_cached *c)
{
	if (c->stmt != NULL)
		mysql_stmt_close(c->stmt);
	free(c->sql);
	free(c->order);
	memset(c, 0, sizeof(*c));
}

void ecl__my_forget_statements(ecl_backend_conn *conn)
{
	int i;

	for (i = 0; i < ECL_MY_STMT_CACHE; i++)
		cached_free(&conn->cache[i]);
	conn->cache_next = 0;
}

/* `sql` with each ?N replaced by ?, the N kept in order. */
static int translate(const char *sql, char **out, int **order, unsigned int *count)
{
	size_t len = strlen(sql), i, o = 0;
	char *text = malloc(len + 1);
	int *ns = malloc((len / 2 + 1) * sizeof(*ns));
	unsigned int n = 0;

	if (text == NULL || ns == NULL) {
		free(text);
		free(ns);
		return ecl_error_set(ECL_ENOMEM, "out of memory preparing a statement");
	}
	for (i = 0; i < len; i++) {
		text[o++] = sql[i];
		if (sql[i] == '?' && isdigit((unsigned char)sql[i + 1])) {
			int v = 0;

			while (isdigit((unsigned char)sql[i + 1]))
				v = v * 10 + (sql[++i] - '0');
			ns[n++] = v;
		}
	}
	text[o] = '\0';
	*out = text;
	*order = ns;
	*count = n;
	return 0;
}

static int prepare(my_cached **out, ecl_backend_conn *conn, const char *sql, const char *doing)
{
	my_cached *c = NULL;
	char *text = NULL, *owned = NULL;
	const char *spelt;
	my_bool yes = 1;
	int i, rc;

	for (i = 0; i < ECL_MY_STMT_CACHE; i++) {
		if (conn->cache[i].sql != NULL && strcmp(conn->cache[i].sql, sql) == 0) {
			*out = &conn->cache[i];
			return 0;
		}
	}
	c = &conn->cache[conn->cache_next];
	conn->cache_next = (conn->cache_next + 1) % ECL_MY_STMT_CACHE;
	cached_free(c);
	rc = ecl__my_sql_for(conn, sql, &spelt, &owned);
	if (rc == 0)
		rc = translate(spelt, &text, &c->order, &c->count);
	free(owned);
	if (rc == 0 && ((c->sql = ecl__strdup(sql)) == NULL || (c->stmt = mysql_stmt_init(conn->my)) == NULL))
		rc = ecl_error_set(ECL_ENOMEM, "out of memory preparing a statement");
	if (rc == 0)
		mysql_stmt_attr_set(c->stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &yes);
	if (rc == 0 && mysql_stmt_prepare(c->stmt, text, (unsigned long)strlen(text)) != 0)
		rc = ecl__my_error(conn, c->stmt, doing);
	free(text);
	if (rc != 0)
		cached_free(c);
	else
		*out = c;
	return rc;
}

/* Bind the parameters of `p` in the order the statement names them. */
static int bind_params(ecl_backend_conn *conn, my_cached *c, const my_params *p, const char *doing)
{
	MYSQL_BIND binds[ECL_MY_MAX_PARAMS * 2];
	unsigned int i;

	if (c->count == 0)
		return 0;
	if (p == NULL || p->overflow || c->count > ECL_MY_MAX_PARAMS * 2)
		return ecl_error_set(ECL_EINVALID, "%s: too many parameters", doing);
	for (i = 0; i < c->count; i++) {
		if (c->order[i] < 1 || c->order[i] > p->n)
			return ecl_error_set(ECL_EINVALID, "%s: parameter ?%d is not bound", doing,
				c->order[i]);
		binds[i] = p->bind[c->order[i] - 1];
	}
	if (mysql_stmt_bind_param(c->stmt, binds) != 0)
		return ecl__my_error(conn, c->stmt, doing);
	return 0;
}

static int execute(my_result *out, int64_t *changed, int64_t *insert_id, ecl_backend_conn *conn,
                   const char *sql, const my_params *p, const char *doing)
{
	my_cached *c = NULL;
	MYSQL_RES *meta = NULL;
	int rc = conn->broken ? ecl_error_set(ECL_EIO, "%s: the connection was lost", doing)
	                      : prepare(&c, conn, sql, doing);

	if (rc == 0)
		rc = bind_params(conn, c, p, doing);
	if (rc == 0 && mysql_stmt_execute(c->stmt) != 0)
		rc = ecl__my_error(conn, c->stmt, doing);
	if (rc == 0 && changed != NULL)
		*changed = (int64_t)mysql_stmt_affected_rows(c->stmt);
	if (rc == 0 && insert_id != NULL)
		*insert_id = (int64_t)mysql_stmt_insert_id(c->stmt);
	if (rc == 0)
		meta = mysql_stmt_result_metadata(c->stmt);
	if (rc == 0 && meta != NULL && out != NULL)
		rc = fetch_all(conn, c->stmt, meta, out, doing);
	else if (rc == 0 && meta != NULL)
		mysql_stmt_free_result(c->stmt);
	if (meta != NULL)
		mysql_free_result(meta);
	/* A statement that failed to run may hold a broken state: prepare afresh. */
	if (rc != 0 && c != NULL)
		cached_free(c);
	return rc;
}

int ecl__my_query(my_result *out, ecl_backend_conn *conn, const char *sql, const my_params *p,
                  const char *doing)
{
	memset(out, 0, sizeof(*out));
	return execute(out, NULL, NULL, conn, sql, p, doing);
}

int ecl__my_command(ecl_backend_conn *conn, const char *sql, const my_params *p,
                    int64_t *changed, const char *doing)
{
	return execute(NULL, changed, NULL, conn, sql, p, doing);
}

int ecl__my_execute(my_result *out, int64_t *changed, int64_t *insert_id, ecl_backend_conn *conn,
                    const char *sql, const my_params *p, const char *doing)
{
	memset(out, 0, sizeof(*out));
	return execute(out, changed, insert_id, conn, sql, p, doing);
}

typedef struct rows_ctx {
	my_result *out;
	const char *sql;
	const my_params *p;
	const char *doing;
} rows_ctx;

static int read_rows(ecl_backend_conn *conn, void *opaque)
{
	rows_ctx *ctx = opaque;

	ecl__my_result_free(ctx->out); /* what a failed attempt read */
	return ecl__my_query(ctx->out, conn, ctx->sql, ctx->p, ctx->doing);
}

int ecl__my_read_rows(my_result *out, ecl_backend_conn *conn, const char *sql, const my_params *p,
                      const char *doing)
{
	rows_ctx ctx = { out, sql, p, doing };

	memset(out, 0, sizeof(*out));
	return ecl__my_read(conn, read_rows, &ctx, doing);
}
