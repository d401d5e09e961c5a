/*
 * PostgreSQL backend: URI parsing, the connection and its session settings,
 * error mapping, parameterised statements (prepared once per connection),
 * and the transaction runner that absorbs lock contention and reconnects
 * after a lost connection.
 *
 * URIs: postgresql://… and postgres://… are libpq connection URIs;
 * postgresql:KEY=VALUE … (no "//") is a libpq key=value string. One extra
 * parameter is ours, removed before libpq sees it: schema=NAME (in the query
 * string of a URI, or as a key=value pair) puts the library's tables in that
 * schema (search_path), which migrate creates when absent.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/backend_registry.h"
#include "util/buffer_internal.h"
#include "pgsql_internal.h"
#include "util/strutil.h"

/* ---- parameters ------------------------------------------------------------ */

void ecl__pg_params_init(pg_params *p)
{
	p->n = 0;
	p->overflow = 0;
}

void ecl__pg_text(pg_params *p, const char *text)
{
	if (p->n >= ECL_PG_MAX_PARAMS) {
		p->overflow = 1;
		return;
	}
	p->values[p->n++] = text;
}

void ecl__pg_int(pg_params *p, int64_t v)
{
	if (p->n >= ECL_PG_MAX_PARAMS) {
		p->overflow = 1;
		return;
	}
	snprintf(p->scratch[p->n], sizeof(p->scratch[p->n]), "%lld", (long long)v);
	p->values[p->n] = p->scratch[p->n];
	p->n++;
}

void ecl__pg_time(pg_params *p, int64_t t)
{
	if (t == ECL_TIME_NONE)
		ecl__pg_text(p, NULL);
	else
		ecl__pg_int(p, t);
}

void ecl__pg_double(pg_params *p, double v)
{
	if (p->n >= ECL_PG_MAX_PARAMS) {
		p->overflow = 1;
		return;
	}
	/* 17 significant digits: the exact double, which float8 keeps. */
	snprintf(p->scratch[p->n], sizeof(p->scratch[p->n]), "%.17g", v);
	p->values[p->n] = p->scratch[p->n];
	p->n++;
}

void ecl__pg_bool(pg_params *p, int v)
{
	ecl__pg_text(p, v ? "true" : "false");
}

/* ---- array parameters ------------------------------------------------------------ */

void ecl__pg_array_begin(pg_array *a)
{
	ecl_buf empty = ECL_BUF_INIT;

	a->buf = empty;
	a->n = 0;
	a->rc = ecl__buf_set(&a->buf, "{");
}

static void array_sep(pg_array *a)
{
	if (a->rc == 0 && a->n++ > 0)
		a->rc = ecl__buf_put(&a->buf, ",", 1);
}

void ecl__pg_array_int(pg_array *a, int64_t v)
{
	char text[32];

	array_sep(a);
	snprintf(text, sizeof(text), "%lld", (long long)v);
	if (a->rc == 0)
		a->rc = ecl__buf_puts(&a->buf, text);
}

void ecl__pg_array_double(pg_array *a, double v)
{
	char text[40];

	array_sep(a);
	snprintf(text, sizeof(text), "%.17g", v);
	if (a->rc == 0)
		a->rc = ecl__buf_puts(&a->buf, text);
}

void ecl__pg_array_text(pg_array *a, const char *text)
{
	array_sep(a);
	if (text == NULL) {
		if (a->rc == 0)
			a->rc = ecl__buf_puts(&a->buf, "NULL");
		return;
	}
	if (a->rc == 0)
		a->rc = ecl__buf_put(&a->buf, "\"", 1);
	for (; a->rc == 0 && *text != '\0'; text++) {
		if (*text == '"' || *text == '\\')
			a->rc = ecl__buf_put(&a->buf, "\\", 1);
		if (a->rc == 0)
			a->rc = ecl__buf_put(&a->buf, text, 1);
	}
	if (a->rc == 0)
		a->rc = ecl__buf_put(&a->buf, "\"", 1);
}

int ecl__pg_array_end(pg_array *a)
{
	if (a->rc == 0)
		a->rc = ecl__buf_put(&a->buf, "}", 1);
	return a->rc == 0 ? 0 : ecl_error_set(ECL_ENOMEM, "out of memory building an array of %zu values",
		a->n);
}

/* ---- columns ----------------------------------------------------------------- */

int ecl__pg_is_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col);
}

int64_t ecl__pg_get_int(const PGresult *r, int row, int col)
{
	const char *text = PQgetvalue(r, row, col);

	if (PQgetisnull(r, row, col))
		return 0;
	if (strcmp(text, "t") == 0)
		return 1;
	if (strcmp(text, "f") == 0)
		return 0;
	return strtoll(text, NULL, 10);
}

double ecl__pg_get_double(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0.0 : strtod(PQgetvalue(r, row, col), NULL);
}

char *ecl__pg_get_text(const PGresult *r, int row, int col, int *oom)
{
	char *copy;

	if (PQgetisnull(r, row, col))
		return NULL;
	copy = ecl__strdup(PQgetvalue(r, row, col));
	if (copy == NULL)
		*oom = 1;
	return copy;
}

void ecl__pg_copy_date(char out[11], const PGresult *r, int row, int col)
{
	const char *text = PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
	size_t len = strlen(text);

	if (len > 10)
		len = 10;
	memcpy(out, text, len);
	out[len] = '\0';
}

/* ---- errors ------------------------------------------------------------------ */

static int starts(const char *state, const char *prefix)
{
	return state != NULL && strncmp(state, prefix, strlen(prefix)) == 0;
}

int ecl__pg_error(ecl_backend_conn *conn, const PGresult *res, const char *doing)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	char msg[768];
	size_t len;
	int lost;

	if (conn != NULL)
		snprintf(conn->last_state, sizeof(conn->last_state), "%s", state ? state : "");
	if (primary != NULL)
		snprintf(msg, sizeof(msg), "%s%s%s", primary, detail ? " (" : "", detail ? detail : "");
	else
		snprintf(msg, sizeof(msg), "%s", conn && conn->pg ? PQerrorMessage(conn->pg) : "no connection");
	len = strlen(msg);
	if (detail != NULL && primary != NULL && len + 1 < sizeof(msg))
		msg[len++] = ')', msg[len] = '\0';
	while (len > 0 && isspace((unsigned char)msg[len - 1]))
		msg[--len] = '\0';

	lost = conn == NULL || conn->pg == NULL || PQstatus(conn->pg) != CONNECTION_OK
		|| starts(state, "08") || starts(state, "57P01") || starts(state, "57P02")
		|| starts(state, "57P03");
	if (lost) {
		if (conn != NULL)
			conn->broken = 1;
		return ecl_error_set(ECL_EIO, "%s: connection to PostgreSQL %s lost: %s", doing,
			conn && conn->where ? conn->where : "", msg);
	}
	if (starts(state, "40001") || starts(state, "40P01") || starts(state, "55P03")
	    || starts(state, "57014"))
		return ecl_error_set(ECL_EBUSY, "%s: database is busy (waited %d ms): %s", doing,
			conn->busy_timeout_ms, msg);
	if (starts(state, "53") || starts(state, "58"))
		return ecl_error_set(ECL_EIO, "%s: %s", doing, msg);
	if (starts(state, "42P01") || starts(state, "42703") || starts(state, "3F000"))
		return ecl_error_set(ECL_ESCHEMA, "%s: %s", doing, msg);
	return ecl_error_set(ECL_EDB, "%s: %s%s%s", doing, msg, state ? " [SQLSTATE " : "",
		state ? state : "");
}

/* Tidy an EDB message's "[SQLSTATE xxxxx" with its closing bracket. */
static int close_bracket(int rc)
{
	const char *last = ecl_error_last();
	const char *open = last ? strstr(last, " [SQLSTATE ") : NULL;

	if (rc == ECL_EDB && open != NULL && strchr(open, ']') == NULL)
		return ecl_error_set(rc, "%s]", last);
	return rc;
}

/* ---- statements -------------------------------------------------------------- */

static void forget_statements(ecl_backend_conn *conn)
{
	unsigned int i;

	for (i = 0; i < ECL_PG_STMT_CACHE; i++) {
		free(conn->cache[i].sql);
		conn->cache[i].sql = NULL;
	}
}

/* The name of the prepared statement for `sql`, preparing it on first use;
 * NULL (rc 0) to run it unprepared when the cache is full. */
static const char *statement_name(ecl_backend_conn *conn, const char *sql, int nparams,
                                  const char *doing, int *rc)
{
	pg_cached *slot = NULL;
	PGresult *res;
	unsigned int i;

	*rc = 0;
	if (conn->unprepared)
		return NULL;
	for (i = 0; i < ECL_PG_STMT_CACHE; i++) {
		if (conn->cache[i].sql != NULL && strcmp(conn->cache[i].sql, sql) == 0)
			return conn->cache[i].name;
		if (slot == NULL && conn->cache[i].sql == NULL)
			slot = &conn->cache[i];
	}
	if (slot == NULL)
		return NULL;
	snprintf(slot->name, sizeof(slot->name), "ecl_%u", ++conn->prepared);
	res = PQprepare(conn->pg, slot->name, sql, nparams, NULL);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		*rc = close_bracket(ecl__pg_error(conn, res, doing));
		PQclear(res);
		return NULL;
	}
	PQclear(res);
	if ((slot->sql = ecl__strdup(sql)) == NULL) {
		*rc = ecl_error_set(ECL_ENOMEM, "%s: out of memory", doing);
		return NULL;
	}
	return slot->name;
}

int ecl__pg_query(PGresult **out, ecl_backend_conn *conn, const char *sql, const pg_params *p,
                  const char *doing)
{
	static const pg_params none = { 0, 0, { NULL }, { { 0 } } };
	const char *name;
	PGresult *res;
	int rc, status;

	if (out != NULL)
		*out = NULL;
	if (p == NULL)
		p = &none;
	if (p->overflow)
		return ecl_error_set(ECL_EINVALID, "%s: more than %d parameters", doing, ECL_PG_MAX_PARAMS);
	if (conn->pg == NULL || conn->broken)
		return ecl_error_set(ECL_EIO, "%s: the connection to PostgreSQL %s was lost", doing,
			conn->where ? conn->where : "");
	name = statement_name(conn, sql, p->n, doing, &rc);
	if (rc != 0)
		return rc;
	if (name != NULL)
		res = PQexecPrepared(conn->pg, name, p->n, p->values, NULL, NULL, 0);
	else
		res = PQexecParams(conn->pg, sql, p->n, NULL, p->values, NULL, NULL, 0);
	status = res ? (int)PQresultStatus(res) : (int)PGRES_FATAL_ERROR;
	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
		if (out != NULL)
			*out = res;
		else
			PQclear(res);
		return 0;
	}
	rc = close_bracket(ecl__pg_error(conn, res, doing));
	PQclear(res);
	return rc;
}

int ecl__pg_command(ecl_backend_conn *conn, const char *sql, const pg_params *p,
                    int64_t *changed, const char *doing)
{
	PGresult *res = NULL;
	int rc = ecl__pg_query(&res, conn, sql, p, doing);

	if (rc == 0 && changed != NULL)
		*changed = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}

int ecl__pg_exec(ecl_backend_conn *conn, const char *sql, const char *doing)
{
	PGresult *res;
	int rc = 0;

	if (conn->pg == NULL || conn->broken)
		return ecl_error_set(ECL_EIO, "%s: the connection to PostgreSQL %s was lost", doing,
			conn->where ? conn->where : "");
	res = PQexec(conn->pg, sql);
	if (res == NULL || (PQresultStatus(res) != PGRES_COMMAND_OK
	                    && PQresultStatus(res) != PGRES_TUPLES_OK))
		rc = close_bracket(ecl__pg_error(conn, res, doing));
	PQclear(res);
	return rc;
}

/* ---- the connection ---------------------------------------------------------- */

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The library never prints: server notices ("… already exists, skipping")
 * are dropped. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Session settings every connection (and reconnection) gets: UTC, ISO
 * dates, exact floats, the lock wait, and the schema. */
static int configure(ecl_backend_conn *conn)
{
	char lock_timeout[32];
	pg_params p;
	int rc;

	PQsetNoticeProcessor(conn->pg, quiet, NULL);
	snprintf(lock_timeout, sizeof(lock_timeout), "%dms",
		conn->busy_timeout_ms > 0 ? conn->busy_timeout_ms : 1);
	ecl__pg_params_init(&p);
	ecl__pg_text(&p, lock_timeout);
	ecl__pg_text(&p, conn->schema);
	rc = ecl__pg_exec(conn, "SET client_encoding = 'UTF8'", "configuring the session");
	if (rc == 0) {
		PGresult *res = PQexecParams(conn->pg,
			"SELECT set_config('TimeZone', 'UTC', false), set_config('DateStyle', 'ISO, YMD', false),"
			" set_config('IntervalStyle', 'postgres', false),"
			" set_config('extra_float_digits', '1', false), set_config('lock_timeout', $1, false),"
			" CASE WHEN $2::text IS NULL THEN NULL"
			"  ELSE set_config('search_path', quote_ident($2::text), false) END",
			p.n, NULL, p.values, NULL, NULL, 0);
		if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
			rc = close_bracket(ecl__pg_error(conn, res, "configuring the session"));
		PQclear(res);
	}
	return rc;
}

/* Replace every occurrence of `secret` in the string `msg` (of `size`
 * bytes) by "***", in place, truncating when that would not fit. */
static void scrub(char *msg, size_t size, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	char *from = msg, *hit;

	while (n > 0 && (hit = strstr(from, secret)) != NULL) {
		size_t at = (size_t)(hit - msg), tail = strlen(hit + n);

		if (at + 4 > size) {
			*hit = '\0';
			break;
		}
		if (tail > size - at - 4)
			tail = size - at - 4;
		memmove(hit + 3, hit + n, tail);
		hit[3 + tail] = '\0';
		memcpy(hit, "***", 3);
		from = hit + 3;
	}
}

static int connect_error(ecl_backend_conn *conn, const char *doing)
{
	char msg[512];
	size_t len;

	snprintf(msg, sizeof(msg), "%s", conn->pg ? PQerrorMessage(conn->pg) : "out of memory");
	/* Once the URI parsed, libpq's messages name the host, port, user and
	 * database, never the password; should one ever quote it (or the one
	 * from ~/.pgpass), it is masked here all the same. */
	if (conn->pg != NULL)
		scrub(msg, sizeof(msg), PQpass(conn->pg));
	len = strlen(msg);
	while (len > 0 && isspace((unsigned char)msg[len - 1]))
		msg[--len] = '\0';
	conn->broken = 1;
	return ecl_error_set(ECL_EIO, "%s %s: %s", doing, conn->where ? conn->where : "", msg);
}

/* Re-establish a lost connection, with backoff until `deadline`. */
static int reconnect(ecl_backend_conn *conn, int64_t deadline)
{
	int backoff_ms = 50;

	for (;;) {
		PQreset(conn->pg);
		if (PQstatus(conn->pg) == CONNECTION_OK) {
			forget_statements(conn);
			conn->broken = 0;
			if (configure(conn) == 0)
				return 0;
		}
		if (monotonic_ms() >= deadline)
			return conn->broken ? connect_error(conn, "reconnecting to PostgreSQL")
			                    : ecl_error_last_code();
		pause_ms(backoff_ms);
		if (backoff_ms < 1000)
			backoff_ms *= 2;
	}
}

static int ensure_connected(ecl_backend_conn *conn, int64_t deadline)
{
	if (conn->pg != NULL && !conn->broken && PQstatus(conn->pg) == CONNECTION_OK)
		return 0;
	conn->broken = 1;
	return reconnect(conn, deadline);
}

enum run_mode { RUN_WRITE, RUN_READ, RUN_ONCE };

static int run(ecl_backend_conn *conn, enum run_mode mode,
               int (*work)(ecl_backend_conn *, void *), void *ctx, const char *doing)
{
	int64_t deadline = monotonic_ms() + (conn->busy_timeout_ms > 0 ? conn->busy_timeout_ms : 0);
	int backoff_ms = 5;

	for (;;) {
		int committing = 0, retry = 0;
		int rc = ensure_connected(conn, deadline);

		if (rc != 0)
			return rc;
		if (mode == RUN_WRITE)
			rc = ecl__pg_exec(conn, "BEGIN", doing);
		if (rc == 0)
			rc = work(conn, ctx);
		if (rc == 0 && mode == RUN_WRITE) {
			committing = 1;
			rc = ecl__pg_exec(conn, "COMMIT", doing);
		}
		if (rc == 0)
			return 0;
		if (!conn->broken && PQtransactionStatus(conn->pg) != PQTRANS_IDLE) {
			PGresult *res = PQexec(conn->pg, "ROLLBACK");
			PQclear(res);
		}
		if (rc == ECL_EBUSY)
			retry = 1;
		else if (rc == ECL_EIO && conn->broken)
			retry = mode == RUN_READ || (mode == RUN_WRITE && !committing);
		if (rc == ECL_EIO && conn->broken && !retry)
			rc = ecl_error_set(ECL_EIO, "%s (the outcome is unknown; the connection will be "
				"re-established on the next call)", ecl_error_last());
		if (!retry || monotonic_ms() >= deadline)
			return rc;
		pause_ms(backoff_ms);
		if (backoff_ms < 200)
			backoff_ms *= 2;
	}
}

int ecl__pg_write(ecl_backend_conn *conn, int (*work)(ecl_backend_conn *conn, void *ctx),
                  void *ctx, const char *doing)
{
	return run(conn, RUN_WRITE, work, ctx, doing);
}

int ecl__pg_read(ecl_backend_conn *conn, int (*work)(ecl_backend_conn *conn, void *ctx),
                 void *ctx, const char *doing)
{
	return run(conn, RUN_READ, work, ctx, doing);
}

int ecl__pg_once(ecl_backend_conn *conn, int (*work)(ecl_backend_conn *conn, void *ctx),
                 void *ctx, const char *doing)
{
	return run(conn, RUN_ONCE, work, ctx, doing);
}

/* ---- URIs -------------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode `len` bytes of `text` into a new string. */
static char *decode(const char *text, size_t len)
{
	char *out = malloc(len + 1);
	size_t i, o = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (text[i] == '%' && i + 2 < len && hexval(text[i + 1]) >= 0
		    && hexval(text[i + 2]) >= 0) {
			out[o++] = (char)(hexval(text[i + 1]) * 16 + hexval(text[i + 2]));
			i += 2;
		} else {
			out[o++] = text[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* "postgresql://…?a=1&schema=x&b=2": conninfo without schema, and x. */
static int split_url(ecl_backend_conn *conn, const char *rest)
{
	ecl_buf info = ECL_BUF_INIT;
	const char *query = strchr(rest, '?');
	const char *item;
	int rc, first = 1;

	rc = ecl__buf_set(&info, "postgresql:");
	if (rc == 0)
		rc = ecl__buf_put(&info, rest, query ? (size_t)(query - rest) : strlen(rest));
	for (item = query ? query + 1 : NULL; rc == 0 && item != NULL && *item != '\0';) {
		const char *end = strchr(item, '&');
		size_t len = end ? (size_t)(end - item) : strlen(item);

		if (len > 7 && strncmp(item, "schema=", 7) == 0) {
			free(conn->schema);
			if ((conn->schema = decode(item + 7, len - 7)) == NULL)
				rc = ECL_ENOMEM;
		} else if (len > 0) {
			rc = ecl__buf_puts(&info, first ? "?" : "&");
			if (rc == 0)
				rc = ecl__buf_put(&info, item, len);
			first = 0;
		}
		item = end ? end + 1 : NULL;
	}
	if (rc == 0) {
		conn->conninfo = info.ptr;
		info.ptr = NULL;
	}
	ecl_buf_dispose(&info);
	return rc;
}

/* "host=h dbname=d schema=x": conninfo without schema, and x (unquoted). */
static int split_keywords(ecl_backend_conn *conn, const char *rest)
{
	ecl_buf info = ECL_BUF_INIT;
	const char *p = rest;
	int rc = ecl__buf_set(&info, "");

	while (rc == 0 && *p != '\0') {
		const char *start, *value;
		int quoted = 0;

		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && *p != '=' && !isspace((unsigned char)*p))
			p++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '=')
			p++;
		while (isspace((unsigned char)*p))
			p++;
		value = p;
		quoted = *p == '\'';
		p = ecl__conninfo_value_end(p);
		if (strncmp(start, "schema", 6) == 0 && (start[6] == '=' || isspace((unsigned char)start[6]))) {
			size_t len = (size_t)(p - value);

			if (quoted && len >= 2) {
				value++;
				len -= 2;
			}
			free(conn->schema);
			if ((conn->schema = malloc(len + 1)) != NULL) {
				memcpy(conn->schema, value, len);
				conn->schema[len] = '\0';
			}
			if (conn->schema == NULL)
				rc = ECL_ENOMEM;
		} else {
			rc = ecl__buf_put(&info, start, (size_t)(p - start));
			if (rc == 0)
				rc = ecl__buf_puts(&info, " ");
		}
	}
	if (rc == 0) {
		conn->conninfo = info.ptr ? info.ptr : ecl__strdup("");
		info.ptr = NULL;
		if (conn->conninfo == NULL)
			rc = ECL_ENOMEM;
	}
	ecl_buf_dispose(&info);
	return rc;
}

static int parse_uri(ecl_backend_conn *conn, const char *uri)
{
	const char *rest = strchr(uri, ':') + 1;
	int rc = strncmp(rest, "//", 2) == 0 ? split_url(conn, rest) : split_keywords(conn, rest);

	if (rc == ECL_ENOMEM)
		return ecl_error_set(ECL_ENOMEM, "out of memory parsing a PostgreSQL URI");
	if (rc != 0)
		return rc;
	if (conn->schema != NULL && (conn->schema[0] == '\0' || strlen(conn->schema) > 63))
		return ecl_error_set(ECL_EINVALID,
			"invalid schema \"%s\" in a PostgreSQL URI (1 to 63 bytes expected)", conn->schema);
	return 0;
}

static const char *or_unknown(const char *text)
{
	return text != NULL ? text : "?";
}

/* ECL_EINVALID "invalid PostgreSQL URI "<uri, password masked>": <what>". */
static int uri_error(const char *uri, const char *what)
{
	ecl_buf masked = ECL_BUF_INIT;
	int rc;

	/* A key=value string that libpq cannot split is not quoted at all: where
	 * a value ends is exactly what is in doubt ("password=a b"), so masking
	 * cannot be sure to cover the whole password. */
	if (strstr(uri, "//") == NULL)
		rc = ecl_error_set(ECL_EINVALID, "invalid PostgreSQL connection string (key=value "
			"form, not shown as it may hold a password): %s", what);
	else
		rc = ecl_error_set(ECL_EINVALID, "invalid PostgreSQL URI \"%s\": %s",
			ecl_store_uri_mask(&masked, uri) == 0 ? masked.ptr : "(hidden)", what);
	ecl_buf_dispose(&masked);
	return rc;
}

/* What libpq's parse error means, in words that quote nothing: libpq's own
 * messages quote the URI or the token at fault, password included, so they
 * are never passed on. Unknown (or translated) messages get the last line. */
static const char *parse_problem(const char *libpq_message)
{
	static const struct {
		const char *start;
		const char *says;
	} known[] = {
		{ "invalid percent-encoded token",
		  "a \"%\" not followed by two hexadecimal digits (write a literal \"%\" as %25)" },
		{ "forbidden value %00", "a percent-encoded NUL byte (%00)" },
		{ "end of string reached when looking for matching \"]\"",
		  "an IPv6 host address opened with \"[\" but not closed with \"]\"" },
		{ "IPv6 host address may not be empty", "an empty IPv6 host address \"[]\"" },
		{ "unexpected character", "an unexpected character after the host (expected \":PORT\" "
		  "or \"/DATABASE\")" },
		{ "extra key/value separator", "a query parameter with a second \"=\"" },
		{ "missing key/value separator", "a query parameter without \"=\"" },
		{ "invalid URI query parameter", "an unknown query parameter" },
		{ "invalid connection option", "an unknown connection option" },
		{ "missing \"=\" after", "a word without \"=\" (quote a value that holds spaces: "
		  "password='a b')" },
		{ "unterminated quoted string", "a quoted value without its closing quote" },
	};
	size_t i;

	for (i = 0; libpq_message != NULL && i < sizeof(known) / sizeof(known[0]); i++)
		if (strncmp(libpq_message, known[i].start, strlen(known[i].start)) == 0)
			return known[i].says;
	return "libpq cannot parse it";
}

/* An unencoded '@' or '/' in the user name or password: libpq (which ends
 * the user:password part at the first '@' or '/') would take part of the
 * password for the host, port or database and quote it in its messages,
 * while masking hides up to the last '@'. */
static int userinfo_is_ambiguous(const char *uri)
{
	const char *start = strstr(uri, "//"), *query, *last = NULL, *p;

	if (start == NULL)
		return 0;
	start += 2;
	query = start + strcspn(start, "?");
	for (p = start; p < query; p++)
		if (*p == '@')
			last = p;
	return last != NULL && strcspn(start, "@/") < (size_t)(last - start);
}

/* Check, before libpq connects, that it reads the connection string as
 * written; refuse it in our own words otherwise (see parse_problem). A
 * string with no "=" and no "//" is a bare database name to libpq. */
static int check_conninfo(const ecl_backend_conn *conn, const char *uri)
{
	PQconninfoOption *options;
	char *err = NULL;
	int rc = 0;

	if (strncmp(conn->conninfo, "postgresql://", 13) != 0 && strchr(conn->conninfo, '=') == NULL)
		return 0;
	if (userinfo_is_ambiguous(uri))
		return uri_error(uri, "the user name or password holds an unencoded \"@\" or \"/\" "
			"(percent-encode them: %40 and %2F)");
	options = PQconninfoParse(conn->conninfo, &err);
	if (options == NULL && err == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory parsing a PostgreSQL URI");
	else if (options == NULL)
		rc = uri_error(uri, parse_problem(err));
	PQconninfoFree(options);
	if (err != NULL) {
		memset(err, 0, strlen(err));   /* it quotes the password */
		PQfreemem(err);
	}
	return rc;
}

/* What the code shared in backends/common needs of PostgreSQL. */
static const ecl__driver pg_driver = {
	.claim_run = ecl__pg_once,
	.claim = ecl__pg_claim_one,
	.write = ecl__pg_write,
	.read = ecl__pg_read,
	.exec = ecl__pg_exec,
	.schema = {
		.migrations = ecl_pgsql_migrations,
		.table_sql = ecl__pg_migrations_table,
		.record_format = "INSERT INTO schema_migrations (version, applied_at)"
			" VALUES (%d, to_timestamp(%lld))",
		.lock = ecl__pg_migrate_lock,
		.current = ecl__pg_schema_current,
		.relation_exists = ecl__pg_relation_exists,
		.scratch_open = ecl__pg_scratch_open,
		.scratch_exec = ecl__pg_scratch_exec,
		.drift = ecl__pg_drift,
		.scratch_close = ecl__pg_scratch_close,
	},
	.aggregate = {
		.begin = ecl__pg_agg_scope,
		.run = ecl__pg_agg_statements,
		.meters = ecl__pg_agg_meters,
		.narrow = ecl__pg_agg_narrow,
		.count = ecl__pg_agg_count,
	},
	.readings = {
		.readings = ecl__pg_readings_batch,
		.apply_job = ecl__pg_apply_job_update,
	},
	.statement = ecl__pg_statement,
	.dialect = &ecl__pg_dialect,
	.feeds = {
		.job_insert = ecl__pg_job_insert_in,
		.returning = 1,
		.meters_stale = ecl__pg_meters_stale_sql,
	},
};

static void pg_close(ecl_backend_conn *conn)
{
	if (conn == NULL)
		return;
	forget_statements(conn);
	PQfinish(conn->pg);
	free(conn->conninfo);
	free(conn->schema);
	free(conn->where);
	free(conn);
}

static int pg_open(ecl_backend_conn **out, const char *uri, const ecl_store_options *opts)
{
	/* Given first, so the URI's own settings override these defaults. */
	const char *const keywords[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *values[] = { "10", "eclectyc", NULL, NULL };
	ecl_backend_conn *conn = calloc(1, sizeof(*conn));
	int rc;

	*out = NULL;
	if (conn == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory opening a PostgreSQL store");
	conn->driver = &pg_driver;
	conn->busy_timeout_ms = opts->busy_timeout_ms;
	rc = parse_uri(conn, uri);
	if (rc == 0)
		rc = check_conninfo(conn, uri);
	if (rc == 0) {
		char where[320];

		values[2] = conn->conninfo;
		conn->pg = PQconnectdbParams(keywords, values, 1);
		snprintf(where, sizeof(where), "%s:%s/%s%s%s", or_unknown(conn->pg ? PQhost(conn->pg) : NULL),
			or_unknown(conn->pg ? PQport(conn->pg) : NULL),
			or_unknown(conn->pg ? PQdb(conn->pg) : NULL),
			conn->schema ? " schema " : "", conn->schema ? conn->schema : "");
		conn->where = ecl__strdup(where);
		if (conn->pg == NULL || PQstatus(conn->pg) != CONNECTION_OK)
			rc = connect_error(conn, "connecting to PostgreSQL");
	}
	if (rc == 0)
		rc = configure(conn);
	if (rc != 0)
		pg_close(conn);
	else
		*out = conn;
	return rc;
}

const ecl_backend ecl_pgsql_backend = {
	.version = ECL_BACKEND_VERSION,
	.name = "pgsql",
	.open = pg_open,
	.close = pg_close,
	.schema_version = ecl__common_schema_version,
	.migrate = ecl__common_migrate,
	.check = ecl__common_check,
	.job_insert = ecl__pg_job_insert,
	.job_get = ecl__pg_job_get,
	.job_list = ecl__pg_job_list,
	.job_claim = ecl__common_job_claim,
	.job_update = ecl__pg_job_update,
	.meter_find = ecl__pg_meter_find,
	.readings_write = ecl__common_readings_write,
	.aggregate = ecl__pg_aggregate,
	.execution_record = ecl__pg_execution_record,
	.execution_list = ecl__pg_execution_list,
	.batch_extent = ecl__pg_batch_extent,
	.quality_scan = ecl__pg_quality_scan,
	.quality_record = ecl__pg_quality_record,
	.health_metrics = ecl__pg_health_metrics,
	.jobs_stuck = ecl__pg_jobs_stuck,
	.jobs_alert_pending = ecl__pg_jobs_alert_pending,
	.alert_last = ecl__pg_alert_last,
	.alert_record = ecl__pg_alert_record,
	.jobs_expired = ecl__pg_jobs_expired,
	.file_referenced = ecl__pg_file_referenced,
	.job_get_id = ecl__pg_job_get_id,
	.job_delete = ecl__pg_job_delete,
	.job_claim_of = ecl__common_job_claim_of,
	.migrate_plan = ecl__common_migrate_plan,
	.job_status_counts = ecl__pg_job_status_counts,
	.job_attempts = ecl__pg_job_attempts,
	ECL__COMMON_FEED_SLOTS,
};
