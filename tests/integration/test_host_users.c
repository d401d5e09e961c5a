/*
 * The host application's users (ecl_host_user_lookup): a `users` table
 * (id, name, email) that the application keeps beside the library's tables
 * in the same database, as the PHP application does in its MySQL database.
 *
 * On MySQL/MariaDB each user is read from that table: name and e-mail as
 * stored (UTF-8, NULL kept), ECL_ENOTFOUND for an id without a row, and
 * ECL_ENOTSUPPORTED while the database has no such table (asked once per
 * store: a store opened before the table was made keeps its answer), when
 * the table lacks a column, or once it is dropped. SQLite and PostgreSQL
 * look up no users: ECL_ENOTSUPPORTED even with the table there.
 *
 * The database: a SQLite file in a private directory by default; with an
 * argument, the one it names (sqlite://PATH, a PostgreSQL or a MySQL URI),
 * on which each test works in a fresh schema or database of its own,
 * ecl_users_<pid>_<random>, dropped at its end. Exit 77 (skipped) when no
 * server answers.
 */
#include "ecl_test.h"
#include "ecl_test_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The users table (MySQL: production's id type, INT UNSIGNED). */
#define USERS_TABLE(fx) ((fx)->db.mysql \
	? "CREATE TABLE users (id INT UNSIGNED NOT NULL PRIMARY KEY, " USERS_COLUMNS \
	: "CREATE TABLE users (id BIGINT NOT NULL PRIMARY KEY, " USERS_COLUMNS)
#define USERS_COLUMNS "name VARCHAR(255) NULL, email VARCHAR(255) NULL)"
/* "Zoë Ångström" in UTF-8. */
#define UTF8_NAME "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m"

/* The argv[1] given (NULL: a SQLite file in a private directory). */
static const char *g_store;

typedef struct fixture {
	char *dir;
	ecl_test_target db;
	ecl_store *store;
	int64_t now;
} fixture;

static int is_mysql(const fixture *fx)
{
	return fx->db.mysql;
}

static ecl_store *open_store(fixture *fx)
{
	ecl_store_options opts = ECL_STORE_OPTIONS_INIT;
	ecl_store *store = NULL;

	opts.clock = ecl_test_clock;
	opts.clock_payload = &fx->now;
	opts.log_level = ECL_LOG_NONE;
	ecl_assert_ok(ecl_store_open(&store, fx->db.uri, &opts));
	return store;
}

/* SQL on the test's database, after `first` (may be NULL); on MySQL over
 * a UTF-8 connection. */
static void exec_sql(fixture *fx, const char *first, const char *sql)
{
	char *text = NULL;

	assert_true(asprintf(&text, "%s%s%s%s", is_mysql(fx) ? "SET NAMES utf8mb4; " : "",
		first ? first : "", first ? "; " : "", sql) > 0);
	ecl_test_target_exec(&fx->db, text);
	free(text);
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));
	char *real = NULL, *path = NULL;
	int rc = -1;

	if (fx == NULL || (fx->dir = ecl_test_tmpdir("host_users")) == NULL)
		return -1;
	/* sqlite:///abs/path: the URI needs an absolute path. */
	real = realpath(fx->dir, NULL);
	if (real != NULL && asprintf(&path, "%s/store.db", real) > 0)
		rc = ecl_test_target_from_arg(&fx->db, g_store, "ecl_users", path, "host users");
	free(real);
	free(path);
	if (rc != 0)
		return -1;
	fx->now = 1700000000;
	fx->store = open_store(fx);
	ecl_assert_ok(ecl_store_migrate(fx->store));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	ecl_store_free(fx->store);
	ecl_test_target_destroy(&fx->db);
	ecl_test_rmtree(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

/* ecl_host_user_lookup() fails with `code`, leaving *out NULL. */
static void assert_lookup_fails(ecl_store *store, int64_t id, int code)
{
	ecl_host_user *user = (ecl_host_user *)0x1;

	ecl_assert_fails(code, ecl_host_user_lookup(&user, store, id));
	assert_null(user);
}

/* On a backend without the lookup, the answer whatever the database holds. */
static int unsupported_here(fixture *fx, int64_t id)
{
	if (is_mysql(fx))
		return 0;
	assert_lookup_fails(fx->store, id, ECL_ENOTSUPPORTED);
	ecl_assert_error_contains("does not implement looking up host users");
	return 1;
}

static void test_no_users_table(void **state)
{
	fixture *fx = *state;
	ecl_store *later;

	assert_lookup_fails(fx->store, 1, ECL_ENOTSUPPORTED);
	ecl_assert_error_contains(is_mysql(fx) ? "has no users table with columns id, name and email"
	                                       : "does not implement looking up host users");
	/* The library's own tables are no users table, and nothing was made. */
	assert_true(ecl_test_target_number(&fx->db, "SELECT count(*) FROM import_jobs") == 0);

	exec_sql(fx, USERS_TABLE(fx),
		"INSERT INTO users (id, name, email) VALUES (1, 'A', 'a@example.com')");
	/* Asked once per store: the open store keeps its answer, a new one sees the table. */
	assert_lookup_fails(fx->store, 1, ECL_ENOTSUPPORTED);
	later = open_store(fx);
	if (is_mysql(fx)) {
		ecl_host_user *user = NULL;

		ecl_assert_ok(ecl_host_user_lookup(&user, later, 1));
		assert_string_equal(user->name, "A");
		ecl_host_user_free(user);
	} else {
		assert_lookup_fails(later, 1, ECL_ENOTSUPPORTED);
	}
	ecl_store_free(later);
}

static void test_users_beside_the_library_tables(void **state)
{
	fixture *fx = *state;
	ecl_host_user *user = NULL;

	exec_sql(fx, USERS_TABLE(fx), "INSERT INTO users (id, name, email) VALUES"
		" (1, 'Energy Manager', 'manager@example.com'), (2, '" UTF8_NAME "', NULL),"
		" (3, NULL, 'nameless@example.com'), (4000000000, 'Big Id', 'big@example.com')");
	if (unsupported_here(fx, 1))
		return;
	ecl_assert_ok(ecl_host_user_lookup(&user, fx->store, 1));
	assert_int_equal(user->id, 1);
	assert_string_equal(user->name, "Energy Manager");
	assert_string_equal(user->email, "manager@example.com");
	ecl_host_user_free(user);

	/* UTF-8 as stored; NULL stays NULL, not "". */
	ecl_assert_ok(ecl_host_user_lookup(&user, fx->store, 2));
	assert_string_equal(user->name, UTF8_NAME);
	assert_null(user->email);
	ecl_host_user_free(user);
	ecl_assert_ok(ecl_host_user_lookup(&user, fx->store, 3));
	assert_null(user->name);
	assert_string_equal(user->email, "nameless@example.com");
	ecl_host_user_free(user);
	/* users.id of an INT UNSIGNED beyond 2^31. */
	ecl_assert_ok(ecl_host_user_lookup(&user, fx->store, INT64_C(4000000000)));
	assert_string_equal(user->name, "Big Id");
	ecl_host_user_free(user);

	assert_lookup_fails(fx->store, 99, ECL_ENOTFOUND);
	ecl_assert_error_contains("no host user has id 99");
	assert_lookup_fails(fx->store, 0, ECL_EINVALID);
}

/* A job's user_id names its user: the lookup a host makes for the job rows it shows. */
static void test_the_user_of_a_job(void **state)
{
	fixture *fx = *state;
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	char id[ECL_BATCH_ID_SIZE];
	ecl_host_user *user = NULL;
	ecl_job *job = NULL;

	exec_sql(fx, USERS_TABLE(fx),
		"INSERT INTO users (id, name, email) VALUES (7, 'Operator', 'ops@example.com')");
	o.file_path = ecl_test_write_file(fx->dir, "hh.csv", "MPAN,Date,Reading\n");
	o.user_id = 7;
	ecl_assert_ok(ecl_job_create(id, fx->store, &o));
	free((char *)o.file_path);
	ecl_assert_ok(ecl_job_get(&job, fx->store, id));
	assert_int_equal(job->user_id, 7);
	if (!unsupported_here(fx, job->user_id)) {
		ecl_assert_ok(ecl_host_user_lookup(&user, fx->store, job->user_id));
		assert_string_equal(user->name, "Operator");
		assert_string_equal(user->email, "ops@example.com");
		ecl_host_user_free(user);
	}
	ecl_job_free(job);
}

/* A table without an email column is not the host's users table; one
 * dropped under an open store stops answering cleanly. */
static void test_other_or_dropped_users_table(void **state)
{
	fixture *fx = *state;
	ecl_store *store;
	ecl_host_user *user = NULL;

	exec_sql(fx, "CREATE TABLE users (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(255))",
		"INSERT INTO users (id, name) VALUES (1, 'No Mail')");
	if (unsupported_here(fx, 1))
		return;
	assert_lookup_fails(fx->store, 1, ECL_ENOTSUPPORTED);
	ecl_assert_error_contains("has no users table with columns id, name and email");

	exec_sql(fx, "DROP TABLE users", USERS_TABLE(fx));
	exec_sql(fx, NULL, "INSERT INTO users (id, name, email) VALUES (1, 'B', 'b@example.com')");
	store = open_store(fx);
	ecl_assert_ok(ecl_host_user_lookup(&user, store, 1));
	assert_string_equal(user->email, "b@example.com");
	ecl_host_user_free(user);
	exec_sql(fx, NULL, "DROP TABLE users");
	assert_lookup_fails(store, 1, ECL_ENOTSUPPORTED);
	ecl_assert_error_contains("has no users table");
	assert_lookup_fails(store, 1, ECL_ENOTSUPPORTED);
	/* The store goes on serving the library's own tables. */
	assert_true(ecl_test_target_number(&fx->db, "SELECT count(*) FROM import_jobs") == 0);
	{
		ecl_job_array *jobs = NULL;

		ecl_assert_ok(ecl_job_list(&jobs, store, NULL));
		assert_int_equal(jobs->count, 0);
		ecl_job_array_free(jobs);
	}
	ecl_store_free(store);
}

/* test_host_users [STORE]: STORE is sqlite://PATH or a PostgreSQL or MySQL
 * server (without it: a SQLite file in a private directory). */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_users_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_users_beside_the_library_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_user_of_a_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_or_dropped_users_table, setup, teardown),
	};
	int rc = ecl_test_store_arg(argc, argv, &g_store);

	if (rc != 0)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
