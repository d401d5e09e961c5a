/*
 * The one header every cmocka test includes: cmocka needs these system
 * headers first, and routing it through one place means a later cmocka 2.x
 * (which deprecates some macros) needs one change.
 */
#ifndef ECL_TEST_H
#define ECL_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "eclectyc.h"

/* Assert that an expression returns 0, printing ecl_error_last() if not. */
#define ecl_assert_ok(expr) do { \
	int ecl_rc_ = (expr); \
	if (ecl_rc_ != 0) \
		print_error("%s -> %d: %s\n", #expr, ecl_rc_, ecl_error_last()); \
	assert_int_equal(ecl_rc_, 0); \
} while (0)

/* Assert that an expression fails with `code` and leaves a non-empty message. */
#define ecl_assert_fails(code, expr) do { \
	int ecl_rc_ = (expr); \
	if (ecl_rc_ != (code)) \
		print_error("%s -> %d (%s), expected %d\n", #expr, ecl_rc_, ecl_error_last(), (code)); \
	assert_int_equal(ecl_rc_, (code)); \
	assert_true(ecl_error_last()[0] != '\0'); \
} while (0)

/* Assert that the last error message contains `needle`. */
#define ecl_assert_error_contains(needle) do { \
	if (strstr(ecl_error_last(), (needle)) == NULL) \
		print_error("error message \"%s\" lacks \"%s\"\n", ecl_error_last(), (needle)); \
	assert_non_null(strstr(ecl_error_last(), (needle))); \
} while (0)

/*
 * A fresh private directory for one test (under $ECL_TEST_TMPDIR or /tmp),
 * created on each call. The returned string is owned by the caller (free()).
 */
char *ecl_test_tmpdir(const char *name);

/* Write `content` to dir/name and return the path (caller frees). */
char *ecl_test_write_file(const char *dir, const char *name, const char *content);

/* Remove a directory tree made by ecl_test_tmpdir(). */
void ecl_test_rmtree(const char *dir);

/* A migrated SQLite file store in a fresh private directory. */
typedef struct ecl_test_db {
	char *dir;          /* the directory, removed by ecl_test_db_close() */
	char *path;         /* the database file in it */
	ecl_store *store;
} ecl_test_db;

/* Open one, its clock reading *now (ecl_test_clock). `opts` gives the other
 * store options (NULL = defaults). 0, or -1 with the reason on stderr. */
int ecl_test_db_open(ecl_test_db *db, const char *name, int64_t *now, const ecl_store_options *opts);

/* Close the store and remove the directory. */
void ecl_test_db_close(ecl_test_db *db);

/* A manual clock for ecl_store_options.clock: returns *(int64_t *)payload. */
int64_t ecl_test_clock(void *payload);

/* The first column of the first row of `sql` on a SQLite file, as a number
 * (-999 when there is no row); fails the test when the SQL is invalid. */
double ecl_test_sql_number(const char *db_path, const char *sql);

/* The same as text (caller frees; NULL when there is no row or it is NULL). */
char *ecl_test_sql_text(const char *db_path, const char *sql);

/* Execute SQL on a SQLite file; fails the test when it fails. */
void ecl_test_sql_exec(const char *db_path, const char *sql);

/* A loopback port nothing listens on: bound by us, then released. */
int ecl_test_closed_port(void);

/* A log sink that counts messages: payload is an int counter. */
void ecl_test_count_log(ecl_log_level level, const char *message, void *payload);

#endif
