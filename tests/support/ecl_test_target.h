/*
 * A database a test runs against, SQLite file, PostgreSQL schema or
 * MySQL/MariaDB database, with raw SQL for the checks the public API cannot
 * make (counts and sums of stored readings, instrumentation tables and
 * triggers).
 *
 * SQLite: a file; each query opens it (ecl_test_sql_number). PostgreSQL: a
 * server (a libpq URI or key=value string, as the library takes it) and a
 * schema of the test's own; one libpq connection with search_path set to
 * the schema, opened on first use and kept. Forked children inherit it and
 * must not use it (they never do: they open stores of their own).
 *
 * MySQL: a server (a mysql:// URI) and a database of the test's own, which
 * replaces the URI's; one connection (ecl_test_target_mysql.c), opened on
 * first use and kept, likewise never used by forked children.
 *
 * PostgreSQL support is compiled in when ECL_TEST_WITH_PGSQL is defined (the
 * backend is built, so libpq is linked through the library), MySQL support
 * when ECL_TEST_WITH_MYSQL is (libmariadb; add ecl_test_target_mysql.c).
 */
#ifndef ECL_TEST_TARGET_H
#define ECL_TEST_TARGET_H

#include <stddef.h>
#include <stdint.h>

typedef struct ecl_test_target {
	int pgsql;          /* 1: PostgreSQL */
	int mysql;          /* 1: MySQL/MariaDB (neither: SQLite) */
	char *uri;          /* the store URI for ecl_store_open() */
	char *path;         /* SQLite: the database file */
	char *server;       /* PostgreSQL, MySQL: the server as given */
	char *schema;       /* PostgreSQL: the schema; MySQL: the database */
	void *pg;           /* PostgreSQL: PGconn *, opened on first use */
	void *my;           /* MySQL: MYSQL *, opened on first use */
} ecl_test_target;

/* Whether `uri` names a PostgreSQL server (postgresql://, postgres://, or
 * postgresql:/postgres: followed by a key=value string). */
int ecl_test_uri_is_pgsql(const char *uri);

/* Whether `uri` names a MySQL/MariaDB server (mysql://, mariadb://). */
int ecl_test_uri_is_mysql(const char *uri);

/* The mysql:// `uri` with its database replaced by `database` (its query
 * kept). Caller frees; NULL on OOM or when `uri` is no URI. */
char *ecl_test_my_with_database(const char *uri, const char *database);

/* `uri` with the libpq or library parameter key=value appended (`?` or `&`
 * in a URI, a space in a key=value string). Caller frees; NULL on OOM. */
char *ecl_test_pg_with_param(const char *uri, const char *key, const char *value);

/*
 * When `uri` names a PostgreSQL or MySQL server: 0 when the server answers,
 * 77 (after a message on stderr) when nothing answers (ctest's
 * SKIP_RETURN_CODE), 1 when that support is not compiled in. For any other
 * URI (or NULL): 0.
 */
int ecl_test_check_server(const char *uri);

/* "PREFIX_<pid>_<random hex>" into out: a name no other run uses. */
void ecl_test_fresh_name(char *out, size_t size, const char *prefix);

/* A SQLite file target (nothing is created). */
void ecl_test_target_sqlite(ecl_test_target *t, const char *path);

/* A PostgreSQL target: the schema `schema` on `server` (created by the
 * library's migrate, or ecl_test_target_sql). */
void ecl_test_target_pgsql(ecl_test_target *t, const char *server, const char *schema);

/* A MySQL target: the database `database` on the server of the mysql://
 * URI `server` (created by the library's migrate). */
void ecl_test_target_mysql(ecl_test_target *t, const char *server, const char *database);

/* A PostgreSQL or MySQL target, by the kind of `server`: schema or
 * database `name`. */
void ecl_test_target_server(ecl_test_target *t, const char *server, const char *name);

/*
 * The target a test's argument names: NULL, a SQLite file at `default_path`;
 * "sqlite://PATH", that file; a PostgreSQL or MySQL server, a fresh schema or
 * database named by ecl_test_fresh_name(prefix). Returns 0, or -1 after a
 * message naming `what` (the test) when `store` is none of these.
 */
int ecl_test_target_from_arg(ecl_test_target *t, const char *store, const char *prefix,
                             const char *default_path, const char *what);

/* The optional STORE argument of a test's main(): *store (NULL without
 * one). Returns 0 to run the tests, else the exit status: 2 for usage, or
 * ecl_test_check_server's. */
int ecl_test_store_arg(int argc, char **argv, const char **store);

/* "SQLite", "PostgreSQL" or "MySQL", for messages. */
const char *ecl_test_target_backend(const ecl_test_target *t);

/* The first column of the first row of `sql` as a number: -999 when there is
 * no row, 0 when it is NULL. Fails the test when the SQL fails. */
double ecl_test_target_number(ecl_test_target *t, const char *sql);

/* Execute SQL (several statements allowed); fails the test when it fails. */
void ecl_test_target_exec(ecl_test_target *t, const char *sql);

/* PostgreSQL: wait until no server process has application_name `name`
 * (the processes of killed clients end shortly after them); MySQL: until
 * no connection but the target's own uses its database (`name` unused).
 * Returns how many times it saw one and waited 5 ms (0: none was left), or
 * -1 after `timeout_ms`. SQLite: 0 at once. */
int ecl_test_target_wait_gone(ecl_test_target *t, const char *name, int timeout_ms);

/* Remove the data: SQLite, the file and its -wal/-shm; PostgreSQL, DROP
 * SCHEMA … CASCADE; MySQL, DROP DATABASE. Then free everything (the target is zeroed). Accepts a
 * zeroed target. */
void ecl_test_target_destroy(ecl_test_target *t);

#endif
