/* A test's database, SQLite file, PostgreSQL schema or MySQL database: see
 * ecl_test_target.h. */
#include "ecl_test.h"
#include "ecl_test_target.h"
#ifdef ECL_TEST_WITH_MYSQL
#include "ecl_test_target_mysql.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef ECL_TEST_WITH_PGSQL
#include <libpq-fe.h>
#endif

int ecl_test_uri_is_pgsql(const char *uri)
{
	return uri != NULL && (strncmp(uri, "postgresql:", 11) == 0 || strncmp(uri, "postgres:", 9) == 0);
}

int ecl_test_uri_is_mysql(const char *uri)
{
	return uri != NULL && (strncmp(uri, "mysql://", 8) == 0 || strncmp(uri, "mariadb://", 10) == 0);
}

char *ecl_test_my_with_database(const char *uri, const char *database)
{
	const char *a = strstr(uri, "://"), *end, *q;
	char *out = NULL;

	if (a == NULL)
		return NULL;
	end = a + 3 + strcspn(a + 3, "/?");
	q = strchr(end, '?');
	if (asprintf(&out, "%.*s/%s%s", (int)(end - uri), uri, database, q != NULL ? q : "") < 0)
		return NULL;
	return out;
}

void ecl_test_fresh_name(char *out, size_t size, const char *prefix)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(out, size, "%s_%ld_%08lx", prefix, (long)getpid(),
		(unsigned long)(((uint64_t)ts.tv_nsec * UINT64_C(2654435761)) ^ (uint64_t)ts.tv_sec)
		& 0xffffffffUL);
}

char *ecl_test_pg_with_param(const char *uri, const char *key, const char *value)
{
	char *out = NULL;
	int is_uri = strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0;
	const char *sep = !is_uri ? " " : strchr(uri, '?') != NULL ? "&" : "?";

	if (asprintf(&out, "%s%s%s=%s", uri, sep, key, value) < 0)
		return NULL;
	return out;
}

void ecl_test_target_sqlite(ecl_test_target *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	t->path = strdup(path);
	assert_non_null(t->path);
	assert_true(asprintf(&t->uri, "sqlite://%s", path) >= 0);
}

/* A server target: the uri, `server` and the schema or database `name`. */
static void server_target(ecl_test_target *t, const char *server, const char *name, int mysql)
{
	memset(t, 0, sizeof(*t));
	t->mysql = mysql;
	t->pgsql = !mysql;
	t->server = strdup(server);
	t->schema = strdup(name);
	assert_non_null(t->server);
	assert_non_null(t->schema);
	t->uri = mysql ? ecl_test_my_with_database(server, name) : ecl_test_pg_with_param(server, "schema", name);
	assert_non_null(t->uri);
}

void ecl_test_target_pgsql(ecl_test_target *t, const char *server, const char *schema)
{
	server_target(t, server, schema, 0);
}

void ecl_test_target_mysql(ecl_test_target *t, const char *server, const char *database)
{
	server_target(t, server, database, 1);
}

void ecl_test_target_server(ecl_test_target *t, const char *server, const char *name)
{
	if (ecl_test_uri_is_mysql(server))
		ecl_test_target_mysql(t, server, name);
	else
		ecl_test_target_pgsql(t, server, name);
}

int ecl_test_target_from_arg(ecl_test_target *t, const char *store, const char *prefix,
                             const char *default_path, const char *what)
{
	char name[64];

	if (store == NULL) {
		ecl_test_target_sqlite(t, default_path);
	} else if (ecl_test_uri_is_pgsql(store) || ecl_test_uri_is_mysql(store)) {
		ecl_test_fresh_name(name, sizeof(name), prefix);
		ecl_test_target_server(t, store, name);
	} else if (strncmp(store, "sqlite://", 9) == 0 && store[9] != '\0') {
		ecl_test_target_sqlite(t, store + 9);
	} else {
		fprintf(stderr, "%s: \"%s\" is neither a sqlite://PATH nor a PostgreSQL or MySQL URI\n",
			what, store);
		return -1;
	}
	return 0;
}

int ecl_test_store_arg(int argc, char **argv, const char **store)
{
	if (argc > 2) {
		fprintf(stderr, "usage: %s [sqlite://PATH | POSTGRESQL-URI | MYSQL-URI]\n", argv[0]);
		return 2;
	}
	*store = argc == 2 ? argv[1] : NULL;
	return ecl_test_check_server(*store);
}

const char *ecl_test_target_backend(const ecl_test_target *t)
{
	return t->pgsql ? "PostgreSQL" : t->mysql ? "MySQL" : "SQLite";
}

/* When `uri` names MySQL: see ecl_test_check_server. */
static int my_check_server(const char *uri)
{
#ifdef ECL_TEST_WITH_MYSQL
	return ecl__test_my_check_server(uri);
#else
	(void)uri;
	fprintf(stderr, "this test was built without MySQL support (the backend is not built)\n");
	return 1;
#endif
}

static int pg_check_server(const char *uri);

int ecl_test_check_server(const char *uri)
{
	if (ecl_test_uri_is_mysql(uri))
		return my_check_server(uri);
	if (ecl_test_uri_is_pgsql(uri))
		return pg_check_server(uri);
	return 0;
}

#ifdef ECL_TEST_WITH_PGSQL

/* libpq takes a URI as is, and a key=value string without the library's
 * "postgresql:" prefix. */
static const char *libpq_conninfo(const char *server)
{
	if (strncmp(server, "postgresql://", 13) == 0 || strncmp(server, "postgres://", 11) == 0)
		return server;
	if (strncmp(server, "postgresql:", 11) == 0)
		return server + 11;
	if (strncmp(server, "postgres:", 9) == 0)
		return server + 9;
	return server;
}

static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* The kept connection, its search_path the schema; NULL with a message
 * when it cannot be opened. */
static PGconn *connection(ecl_test_target *t)
{
	PGconn *pg = t->pg;
	PGresult *res;
	char *ident, *sql = NULL;

	if (pg != NULL && PQstatus(pg) == CONNECTION_OK)
		return pg;
	if (pg != NULL)
		PQfinish(pg);
	t->pg = NULL;
	pg = PQconnectdb(libpq_conninfo(t->server));
	if (PQstatus(pg) != CONNECTION_OK) {
		print_error("cannot connect to PostgreSQL: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return NULL;
	}
	PQsetNoticeProcessor(pg, ignore_notice, NULL);
	ident = PQescapeIdentifier(pg, t->schema, strlen(t->schema));
	if (ident == NULL || asprintf(&sql, "SET search_path TO %s; SET TimeZone TO 'UTC'", ident) < 0) {
		PQfreemem(ident);
		PQfinish(pg);
		return NULL;
	}
	PQfreemem(ident);
	res = PQexec(pg, sql);
	free(sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		print_error("cannot set the search path: %s", PQerrorMessage(pg));
		PQclear(res);
		PQfinish(pg);
		return NULL;
	}
	PQclear(res);
	t->pg = pg;
	return pg;
}

static PGresult *pg_run(ecl_test_target *t, const char *sql, ExecStatusType expect)
{
	PGconn *pg = connection(t);
	PGresult *res;

	assert_non_null(pg);
	res = PQexec(pg, sql);
	if (PQresultStatus(res) != expect && !(expect == PGRES_COMMAND_OK
	                                       && PQresultStatus(res) == PGRES_TUPLES_OK)) {
		print_error("SQL \"%s\" failed: %s", sql, PQerrorMessage(pg));
		PQclear(res);
		fail();
	}
	return res;
}

static int pg_check_server(const char *uri)
{
	switch (PQping(libpq_conninfo(uri))) {
	case PQPING_OK:
	case PQPING_REJECT:   /* answering (starting up, too many clients): let the test say */
		return 0;
	case PQPING_NO_RESPONSE:
		fprintf(stderr, "no PostgreSQL server answers at %s: skipped\n", uri);
		return 77;
	default:
		fprintf(stderr, "invalid PostgreSQL connection string \"%s\"\n", uri);
		return 1;
	}
}

#else

static int pg_check_server(const char *uri)
{
	(void)uri;
	fprintf(stderr, "this test was built without PostgreSQL support (the backend is not built)\n");
	return 1;
}

#endif

double ecl_test_target_number(ecl_test_target *t, const char *sql)
{
#ifdef ECL_TEST_WITH_MYSQL
	if (t->mysql)
		return ecl__test_my_number(t, sql);
#endif
#ifdef ECL_TEST_WITH_PGSQL
	if (t->pgsql) {
		PGresult *res = pg_run(t, sql, PGRES_TUPLES_OK);
		double value = -999;

		if (PQntuples(res) > 0)
			value = PQgetisnull(res, 0, 0) ? 0 : strtod(PQgetvalue(res, 0, 0), NULL);
		PQclear(res);
		return value;
	}
#endif
	assert_false(t->pgsql || t->mysql);
	return ecl_test_sql_number(t->path, sql);
}

void ecl_test_target_exec(ecl_test_target *t, const char *sql)
{
#ifdef ECL_TEST_WITH_MYSQL
	if (t->mysql) {
		ecl__test_my_exec(t, sql);
		return;
	}
#endif
#ifdef ECL_TEST_WITH_PGSQL
	if (t->pgsql) {
		PQclear(pg_run(t, sql, PGRES_COMMAND_OK));
		return;
	}
#endif
	assert_false(t->pgsql || t->mysql);
	ecl_test_sql_exec(t->path, sql);
}

int ecl_test_target_wait_gone(ecl_test_target *t, const char *name, int timeout_ms)
{
#ifdef ECL_TEST_WITH_MYSQL
	if (t->mysql)
		return ecl__test_my_wait_gone(t, timeout_ms);
#endif
#ifdef ECL_TEST_WITH_PGSQL
	if (t->pgsql) {
		struct timespec pause = { 0, 5 * 1000000L };
		int waited;

		for (waited = 0; waited <= timeout_ms; waited += 5) {
			PGconn *pg = connection(t);
			const char *params[1] = { name };
			PGresult *res;
			long n;

			assert_non_null(pg);
			res = PQexecParams(pg, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
				1, NULL, params, NULL, NULL, 0);
			if (PQresultStatus(res) != PGRES_TUPLES_OK) {
				print_error("reading pg_stat_activity: %s", PQerrorMessage(pg));
				PQclear(res);
				fail();
			}
			n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
			PQclear(res);
			if (n == 0)
				return waited / 5;
			nanosleep(&pause, NULL);
		}
		return -1;
	}
#endif
	(void)t;
	(void)name;
	(void)timeout_ms;
	return 0;
}

void ecl_test_target_destroy(ecl_test_target *t)
{
	if (t->mysql) {
#ifdef ECL_TEST_WITH_MYSQL
		ecl__test_my_drop(t);
#endif
	} else if (t->pgsql) {
#ifdef ECL_TEST_WITH_PGSQL
		PGconn *pg = connection(t);

		if (pg != NULL) {
			char *ident = PQescapeIdentifier(pg, t->schema, strlen(t->schema)), *sql = NULL;

			if (ident != NULL && asprintf(&sql, "DROP SCHEMA IF EXISTS %s CASCADE", ident) >= 0) {
				PGresult *res = PQexec(pg, sql);

				if (PQresultStatus(res) != PGRES_COMMAND_OK)
					fprintf(stderr, "could not drop schema %s: %s", t->schema, PQerrorMessage(pg));
				PQclear(res);
			}
			free(sql);
			PQfreemem(ident);
			PQfinish(pg);
		} else {
			fprintf(stderr, "schema %s left behind\n", t->schema);
		}
#endif
	} else if (t->path != NULL) {
		char *side = NULL;

		unlink(t->path);
		if (asprintf(&side, "%s-wal", t->path) >= 0)
			unlink(side);
		free(side);
		side = NULL;
		if (asprintf(&side, "%s-shm", t->path) >= 0)
			unlink(side);
		free(side);
	}
	free(t->uri);
	free(t->path);
	free(t->server);
	free(t->schema);
	memset(t, 0, sizeof(*t));
}
