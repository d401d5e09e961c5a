/*
 * A database a test runs against, SQLite file or PostgreSQL schema, with raw
 * SQL for the checks the public API cannot make (counts and sums of stored
 * readings, instrumentation tables and triggers).
 *
 * SQLite: a file; each query opens it (ecl_test_sql_number). PostgreSQL: a
 * server (a libpq URI or key=value string, as the library takes it) and a
 * schema of the test's own; one libpq connection with search_path set to
 * the schema, opened on first use and kept. Forked children inherit it and
 * must not use it (they never do: they open stores of their own).
 *
 * PostgreSQL support is compiled in when ECL_TEST_WITH_PGSQL is defined (the
 * backend is built, so libpq is linked through the library).
 */
#ifndef ECL_TEST_TARGET_H
#define ECL_TEST_TARGET_H

#include <stdint.h>

typedef struct ecl_test_target {
	int pgsql;          /* 1: PostgreSQL, 0: SQLite */
	char *uri;          /* the store URI for ecl_store_open() */
	char *path;         /* SQLite: the database file */
	char *server;       /* PostgreSQL: the server as given (no schema) */
	char *schema;       /* PostgreSQL: the schema */
	void *pg;           /* PostgreSQL: PGconn *, opened on first use */
} ecl_test_target;

/* Whether `uri` names a PostgreSQL server (postgresql://, postgres://, or
 * postgresql:/postgres: followed by a key=value string). */
int ecl_test_uri_is_pgsql(const char *uri);

/* `uri` with the libpq or library parameter key=value appended (`?` or `&`
 * in a URI, a space in a key=value string). Caller frees; NULL on OOM. */
char *ecl_test_pg_with_param(const char *uri, const char *key, const char *value);

/*
 * When `uri` names PostgreSQL: 0 when the server answers, 77 (after a
 * message on stderr) when nothing answers (ctest's SKIP_RETURN_CODE), 1 when
 * PostgreSQL support is not compiled in. For any other URI: 0.
 */
int ecl_test_pg_check_server(const char *uri);

/* A SQLite file target (nothing is created). */
void ecl_test_target_sqlite(ecl_test_target *t, const char *path);

/* A PostgreSQL target: the schema `schema` on `server` (created by the
 * library's migrate, or ecl_test_target_sql). */
void ecl_test_target_pgsql(ecl_test_target *t, const char *server, const char *schema);

/* The first column of the first row of `sql` as a number: -999 when there is
 * no row, 0 when it is NULL. Fails the test when the SQL fails. */
double ecl_test_target_number(ecl_test_target *t, const char *sql);

/* Execute SQL (several statements allowed); fails the test when it fails. */
void ecl_test_target_exec(ecl_test_target *t, const char *sql);

/* PostgreSQL: wait until no server process has application_name `name`
 * (the processes of killed clients end shortly after them). Returns how
 * many times it saw one and waited 5 ms (0: none was left), or -1 after
 * `timeout_ms`. SQLite: 0 at once. */
int ecl_test_target_wait_gone(ecl_test_target *t, const char *name, int timeout_ms);

/* Remove the data: SQLite, the file and its -wal/-shm; PostgreSQL, DROP
 * SCHEMA … CASCADE. Then free everything (the target is zeroed). Accepts a
 * zeroed target. */
void ecl_test_target_destroy(ecl_test_target *t);

#endif
