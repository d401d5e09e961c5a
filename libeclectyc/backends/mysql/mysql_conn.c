/*
 * MySQL/MariaDB backend: URI parsing, the connection and its session
 * settings, error mapping, and the transaction runner that waits out
 * deadlocks and lock waits and reconnects after a lost connection.
 *
 * URIs: mysql://user:pass@host:port/db and mariadb://… the same;
 * ?socket=PATH connects over a Unix socket; ?local_infile=0 never uses
 * LOAD DATA LOCAL (for hosts whose policy forbids it: readings go as
 * upserts, as with a server that refuses it). The database named need not
 * exist: migrate creates it (the per-test databases of the conformance
 * suite), and until then every table is missing (ECL_ESCHEMA).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysqld_error.h>
#include <errmsg.h>

#include "store/backend_registry.h"
#include "util/strutil.h"
#include "mysql_internal.h"


/* ---- errors ------------------------------------------------------------------ */

static int is_lost(unsigned int no)
{
	return no == CR_SERVER_GONE_ERROR || no == CR_SERVER_LOST || no == CR_CONNECTION_ERROR
		|| no == CR_CONN_HOST_ERROR || no == ER_SERVER_SHUTDOWN || no == 1927 /* killed */
		|| no == 4031 /* MySQL: disconnected for inactivity */ || no == CR_COMMANDS_OUT_OF_SYNC;
}

/* The server's message, unless it quotes the password (it never should):
 * then only its number is shown. */
static const char *safe_message(const ecl_backend_conn *conn, const char *msg)
{
	if (conn->password != NULL && conn->password[0] != '\0' && strstr(msg, conn->password))
		return "(message withheld: it contained the password)";
	return msg;
}

int ecl__my_error(ecl_backend_conn *conn, MYSQL_STMT *stmt, const char *doing)
{
	unsigned int no = stmt ? mysql_stmt_errno(stmt) : (conn->my ? mysql_errno(conn->my) : CR_SERVER_LOST);
	const char *msg = stmt ? mysql_stmt_error(stmt) : (conn->my ? mysql_error(conn->my) : "no connection");
	const char *state = stmt ? mysql_stmt_sqlstate(stmt) : (conn->my ? mysql_sqlstate(conn->my) : "08S01");

	conn->last_errno = no;
	msg = safe_message(conn, msg);
	if (is_lost(no)) {
		conn->broken = 1;
		return ecl_error_set(ECL_EIO, "%s: connection to MySQL %s lost: %s", doing, conn->where, msg);
	}
	if (no == ER_LOCK_DEADLOCK || no == ER_LOCK_WAIT_TIMEOUT || no == 3572 /* NOWAIT */
	    || no == ER_LOCK_TABLE_FULL)
		return ecl_error_set(ECL_EBUSY, "%s: database is busy (waited %d ms): %s", doing,
			conn->busy_timeout_ms, msg);
	if (no == ER_NO_SUCH_TABLE || no == ER_BAD_FIELD_ERROR || no == ER_BAD_DB_ERROR
	    || no == ER_NO_DB_ERROR || no == ER_KEY_DOES_NOT_EXISTS || no == ER_SP_DOES_NOT_EXIST)
		return ecl_error_set(ECL_ESCHEMA, "%s: %s", doing, msg);
	if (no == ER_CON_COUNT_ERROR || no == ER_OUT_OF_RESOURCES || no == ER_RECORD_FILE_FULL
	    || no == ER_DISK_FULL || no == CR_OUT_OF_MEMORY)
		return ecl_error_set(ECL_EIO, "%s: %s", doing, msg);
	return ecl_error_set(ECL_EDB, "%s: %s [MySQL error %u, SQLSTATE %s]", doing, msg, no,
		state ? state : "");
}

/* ---- the text protocol -------------------------------------------------------- */

int ecl__my_exec_info(ecl_backend_conn *conn, const char *sql, int64_t *changed, char *info,
                      const char *doing)
{
	const char *text;
	char *owned;
	int status;

	if (conn->broken)
		return ecl_error_set(ECL_EIO, "%s: the connection was lost", doing);
	if (ecl__my_sql_for(conn, sql, &text, &owned) != 0)
		return ECL_ENOMEM;
	status = mysql_real_query(conn->my, text, (unsigned long)strlen(text));
	free(owned);
	if (status != 0)
		return ecl__my_error(conn, NULL, doing);
	/* Every result of every statement is consumed; the first failure ends it. */
	do {
		MYSQL_RES *res = mysql_store_result(conn->my);
		MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;

		/* A result's first value goes to `info`; a statement's affected rows to `changed`. */
		if (info != NULL && row != NULL)
			snprintf(info, 64, "%s", row[0] ? row[0] : "");
		if (res != NULL)
			mysql_free_result(res);
		else if (mysql_field_count(conn->my) != 0)
			return ecl__my_error(conn, NULL, doing);
		else if (changed != NULL)
			*changed = (int64_t)mysql_affected_rows(conn->my);
		status = mysql_next_result(conn->my);
	} while (status == 0);
	return status > 0 ? ecl__my_error(conn, NULL, doing) : 0;
}

int ecl__my_exec(ecl_backend_conn *conn, const char *sql, const char *doing)
{
	return ecl__my_exec_info(conn, sql, NULL, NULL, doing);
}

/* ---- the connection ----------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Session settings of every connection: UTF-8 (utf8mb4), UTC, strict
 * values, READ COMMITTED (a claim's SKIP LOCKED scan then keeps no lock on
 * the rows it passes over), and the lock wait as the busy timeout. */
static int configure(ecl_backend_conn *conn)
{
	char sql[512];
	int wait_s = conn->busy_timeout_ms > 0 ? (conn->busy_timeout_ms + 999) / 1000 : 1;
	int rc;

	snprintf(sql, sizeof(sql),
		"SET SESSION time_zone = '+00:00', SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
		"NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION',"
		" SESSION innodb_lock_wait_timeout = %d", wait_s);
	rc = ecl__my_exec(conn, sql, "configuring the session");
	if (rc == 0)
		rc = ecl__my_exec(conn, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
			"configuring the session");
	conn->no_database = 0;
	if (rc == 0 && conn->database != NULL && mysql_select_db(conn->my, conn->database) != 0) {
		rc = ecl__my_error(conn, NULL, "selecting the database");
		/* Not there yet: migrate creates it; until then tables are missing. */
		if (rc == ECL_ESCHEMA && conn->last_errno == ER_BAD_DB_ERROR)
			rc = 0, conn->no_database = 1;
	}
	if (rc == 0 && conn->database != NULL && !conn->no_database)
		rc = ecl__my_detect_adopted(conn);
	return rc;
}

static int connect_once(ecl_backend_conn *conn)
{
	unsigned int timeout = 10;
	my_bool no = 0, yes = 1;
	const char *host = conn->host;

	if (conn->my != NULL)
		mysql_close(conn->my);
	conn->my = mysql_init(NULL);
	if (conn->my == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory connecting to MySQL");
	mysql_options(conn->my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(conn->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(conn->my, MYSQL_OPT_RECONNECT, &no);
	/* LOAD DATA LOCAL INFILE for readings (mysql_readings.c), served only
	 * from the library's buffers (ecl__my_infile_serve), never from a file.
	 * With ?local_infile=0 it is neither offered nor tried: readings go as
	 * upserts, as after a server refused it. */
	mysql_options(conn->my, MYSQL_OPT_LOCAL_INFILE, conn->client_no_infile ? &no : &yes);
	if (conn->client_no_infile)
		conn->no_local_infile = 1;
	ecl__my_infile_serve(conn->my, NULL);
	if (conn->socket != NULL && host == NULL)
		host = "localhost";
	if (mysql_real_connect(conn->my, host, conn->user, conn->password, NULL, conn->port,
	                       conn->socket, CLIENT_MULTI_STATEMENTS | CLIENT_FOUND_ROWS) == NULL) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", safe_message(conn, mysql_error(conn->my)));
		conn->broken = 1;
		return ecl_error_set(ECL_EIO, "connecting to MySQL %s: %s", conn->where, msg);
	}
	conn->broken = 0;
	ecl__my_forget_statements(conn);
	return configure(conn);
}

/* Connect again after a lost connection, with backoff until `deadline`. */
static int ensure_connected(ecl_backend_conn *conn, int64_t deadline)
{
	int pause = 50, rc;

	if (!conn->broken)
		return 0;
	ecl__my_forget_statements(conn);
	while ((rc = connect_once(conn)) != 0 && now_ms() < deadline) {
		sleep_ms(pause);
		pause = pause < 1000 ? pause * 2 : pause;
	}
	return rc;
}

enum my_mode { MY_WRITE, MY_READ, MY_ONCE };

/* Whether a failed attempt may run again: contention always; a lost
 * connection when what was lost is known to be nothing. */
static int may_retry(const ecl_backend_conn *conn, enum my_mode mode, int rc, int committing)
{
	if (rc == ECL_EBUSY)
		return 1;
	return rc == ECL_EIO && conn->broken
		&& (mode == MY_READ || (mode == MY_WRITE && !committing));
}

static int attempt(ecl_backend_conn *conn, enum my_mode mode, ecl__backend_work work, void *ctx,
                   const char *doing, int *committing)
{
	int rc = mode == MY_WRITE ? ecl__my_exec(conn, "START TRANSACTION", doing) : 0;

	*committing = 0;
	if (rc == 0)
		rc = work(conn, ctx);
	if (rc == 0 && mode == MY_WRITE) {
		*committing = 1;
		rc = ecl__my_exec(conn, "COMMIT", doing);
	}
	if (rc != 0 && mode == MY_WRITE && !conn->broken)
		mysql_rollback(conn->my);
	/* A migration's named lock is the session's: give it back either way. */
	if (conn->named_lock && !conn->broken)
		ecl__my_exec(conn, "DO RELEASE_ALL_LOCKS()", doing);
	conn->named_lock = 0;
	return rc;
}

static int run(ecl_backend_conn *conn, enum my_mode mode, ecl__backend_work work, void *ctx,
               const char *doing)
{
	int64_t deadline = now_ms() + (conn->busy_timeout_ms > 0 ? conn->busy_timeout_ms : 0);
	int pause = 5, committing = 0, rc;

	for (;;) {
		rc = ensure_connected(conn, deadline);
		if (rc == 0)
			rc = attempt(conn, mode, work, ctx, doing, &committing);
		if (rc == 0 || !may_retry(conn, mode, rc, committing) || now_ms() >= deadline)
			break;
		sleep_ms(pause);
		pause = pause < 200 ? pause * 2 : pause;
	}
	if (rc == ECL_EIO && conn->broken && (mode == MY_ONCE || committing))
		rc = ecl_error_set(ECL_EIO, "%s (the outcome is unknown; the connection will be "
			"re-established on the next call)", ecl_error_last());
	return rc;
}

int ecl__my_write(ecl_backend_conn *conn, ecl__backend_work work, void *ctx, const char *doing)
{
	return run(conn, MY_WRITE, work, ctx, doing);
}

int ecl__my_read(ecl_backend_conn *conn, ecl__backend_work work, void *ctx, const char *doing)
{
	return run(conn, MY_READ, work, ctx, doing);
}

int ecl__my_once(ecl_backend_conn *conn, ecl__backend_work work, void *ctx, const char *doing)
{
	return run(conn, MY_ONCE, work, ctx, doing);
}

/* ---- URIs --------------------------------------------------------------------- */

/* Percent-decode `len` bytes of `text` into a new string. */
static char *decoded(const char *text, size_t len)
{
	char *out = malloc(len + 1);
	size_t i, o = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (text[i] == '%' && i + 2 < len + 0 + 1 && isxdigit((unsigned char)text[i + 1])
		    && isxdigit((unsigned char)text[i + 2])) {
			char hex[3] = { text[i + 1], text[i + 2], '\0' };

			out[o++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			out[o++] = text[i];
		}
	}
	out[o] = '\0';
	return out;
}

static int set_part(char **field, const char *text, size_t len)
{
	free(*field);
	*field = decoded(text, len);
	return *field ? 0 : ecl_error_set(ECL_ENOMEM, "out of memory parsing a MySQL URI");
}

/* The query string: socket=PATH and local_infile=0|1. */
static int parse_query(ecl_backend_conn *conn, const char *q)
{
	int rc = 0;

	while (rc == 0 && q != NULL && *q != '\0') {
		size_t len = strcspn(q, "&");

		if (strncmp(q, "socket=", 7) == 0)
			rc = set_part(&conn->socket, q + 7, len - 7);
		else if (len == 14 && strncmp(q, "local_infile=", 13) == 0 && (q[13] == '0' || q[13] == '1'))
			conn->client_no_infile = q[13] == '0';
		else if (len > 0)
			rc = ecl_error_set(ECL_EINVALID, "MySQL URI: unknown parameter \"%.*s\""
				" (known: socket=PATH, local_infile=0|1)",
				(int)(strcspn(q, "=&") < len ? strcspn(q, "=&") : len), q);
		q += len + (q[len] == '&');
	}
	return rc;
}

/* scheme://[user[:password]@][host][:port][/database][?socket=PATH] */
static int parse_uri(ecl_backend_conn *conn, const char *uri)
{
	const char *rest = strstr(uri, "://"), *at, *slash, *colon, *end;
	int rc = 0;

	if (rest == NULL)
		return ecl_error_set(ECL_EINVALID, "MySQL URI must look like mysql://user:pass@host:port/db");
	rest += 3;
	end = rest + strcspn(rest, "/?");
	at = memchr(rest, '@', (size_t)(end - rest));
	if (at != NULL) {
		colon = memchr(rest, ':', (size_t)(at - rest));
		rc = set_part(&conn->user, rest, (size_t)((colon ? colon : at) - rest));
		if (rc == 0 && colon != NULL)
			rc = set_part(&conn->password, colon + 1, (size_t)(at - colon - 1));
		rest = at + 1;
	}
	colon = memchr(rest, ':', (size_t)(end - rest));
	if (rc == 0 && end > rest)
		rc = set_part(&conn->host, rest, (size_t)((colon ? colon : end) - rest));
	if (rc == 0 && colon != NULL) {
		char *bad = NULL;
		long port = strtol(colon + 1, &bad, 10);

		if (bad != end || port <= 0 || port > 65535)
			rc = ecl_error_set(ECL_EINVALID, "MySQL URI: bad port \"%.*s\"",
				(int)(end - colon - 1), colon + 1);
		conn->port = (unsigned int)port;
	}
	slash = *end == '/' ? end + 1 : NULL;
	if (rc == 0 && slash != NULL && strcspn(slash, "?") > 0)
		rc = set_part(&conn->database, slash, strcspn(slash, "?"));
	if (rc == 0 && strchr(end, '?') != NULL)
		rc = parse_query(conn, strchr(end, '?') + 1);
	if (rc == 0 && conn->database != NULL && strlen(conn->database) > 64)
		rc = ecl_error_set(ECL_EINVALID, "MySQL URI: a database name is at most 64 characters");
	return rc;
}

static int describe(ecl_backend_conn *conn)
{
	char where[512];

	if (conn->socket != NULL)
		snprintf(where, sizeof(where), "%s@%s/%s", conn->user ? conn->user : "",
			conn->socket, conn->database ? conn->database : "");
	else
		snprintf(where, sizeof(where), "%s@%s:%u/%s", conn->user ? conn->user : "",
			conn->host ? conn->host : "localhost", conn->port ? conn->port : 3306,
			conn->database ? conn->database : "");
	conn->where = ecl__strdup(where);
	return conn->where ? 0 : ecl_error_set(ECL_ENOMEM, "out of memory opening a MySQL store");
}

/* ---- the backend ------------------------------------------------------------- */

static const ecl__driver my_driver = {
	.claim_run = ecl__my_write,
	.claim = ecl__my_claim_one,
	.write = ecl__my_write,
	.read = ecl__my_read,
	.exec = ecl__my_exec,
	.schema = {
		.migrations = ecl_mysql_migrations,
		.table_sql = ecl__my_migrations_table,
		.record_format = "INSERT INTO schema_migrations (version, applied_at) VALUES (%d, %lld)",
		.lock = ecl__my_migrate_lock,
		.current = ecl__my_schema_current,
		.relation_exists = ecl__my_relation_exists,
		.adopt = ecl__my_adopt,
		.scratch_open = ecl__my_scratch_open,
		.scratch_exec = ecl__my_scratch_exec,
		.drift = ecl__my_drift,
		.scratch_close = ecl__my_scratch_close,
	},
	.aggregate = {
		.begin = ecl__my_agg_scope,
		.run = ecl__my_agg_statements,
		.meters = ecl__my_agg_meters,
		.narrow = ecl__my_agg_narrow,
		.count = ecl__my_agg_count,
	},
	.readings = {
		.readings = ecl__my_readings_batch,
		.apply_job = ecl__my_apply_job_update,
	},
	.statement = ecl__my_statement,
	.dialect = &ecl__my_dialect,
	.feeds = {
		.job_insert = ecl__my_job_insert_in,
		.returning = 0,
		.meters_stale = ecl__my_meters_stale_sql,
	},
};

static void my_close(ecl_backend_conn *conn)
{
	if (conn == NULL)
		return;
	ecl__my_forget_statements(conn);
	if (conn->my != NULL)
		mysql_close(conn->my);
	free(conn->host);
	free(conn->user);
	if (conn->password != NULL)
		memset(conn->password, 0, strlen(conn->password));
	free(conn->password);
	free(conn->database);
	free(conn->socket);
	free(conn->where);
	free(conn->scratch_db);
	free(conn);
}

static int my_open(ecl_backend_conn **out, const char *uri, const ecl_store_options *opts)
{
	ecl_backend_conn *conn = calloc(1, sizeof(*conn));
	int rc;

	*out = NULL;
	if (conn == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory opening a MySQL store");
	conn->driver = &my_driver;
	conn->busy_timeout_ms = opts->busy_timeout_ms;
	rc = parse_uri(conn, uri);
	if (rc == 0)
		rc = describe(conn);
	if (rc == 0)
		rc = mysql_thread_safe() ? 0 : ecl_error_set(ECL_EINVALID, "libmariadb is not thread-safe");
	if (rc == 0)
		rc = connect_once(conn);
	if (rc != 0)
		my_close(conn);
	else
		*out = conn;
	return rc;
}

const ecl_backend ecl_mysql_backend = {
	.version = ECL_BACKEND_VERSION,
	.name = "mysql",
	.open = my_open,
	.close = my_close,
	.schema_version = ecl__common_schema_version,
	.migrate = ecl__common_migrate,
	.check = ecl__common_check,
	.job_insert = ecl__my_job_insert,
	.job_get = ecl__my_job_get,
	.job_list = ecl__my_job_list,
	.job_claim = ecl__common_job_claim,
	.job_update = ecl__my_job_update,
	.meter_find = ecl__my_meter_find,
	.readings_write = ecl__common_readings_write,
	.batch_extent = ecl__my_batch_extent,
	.job_status_counts = ecl__my_job_status_counts,
	.job_attempts = ecl__my_job_attempts,
	.execution_record = ecl__my_execution_record,
	.execution_list = ecl__my_execution_list,
	.quality_scan = ecl__my_quality_scan,
	.quality_record = ecl__my_quality_record,
	.health_metrics = ecl__my_health_metrics,
	.jobs_stuck = ecl__my_jobs_stuck,
	.jobs_alert_pending = ecl__my_jobs_alert_pending,
	.alert_last = ecl__my_alert_last,
	.alert_record = ecl__my_alert_record,
	.jobs_expired = ecl__my_jobs_expired,
	.file_referenced = ecl__my_file_referenced,
	.job_get_id = ecl__my_job_get_id,
	.job_delete = ecl__my_job_delete,
	.job_claim_of = ecl__common_job_claim_of,
	.migrate_plan = ecl__common_migrate_plan,
	.aggregate = ecl__my_aggregate,
	.host_user_get = ecl__my_host_user_get,
	ECL__COMMON_FEED_SLOTS,
};
