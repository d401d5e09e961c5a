/*
 * MySQL/MariaDB backend: the host application's users (host_user_get).
 *
 * The PHP application keeps `users (id, name, email)` in its own database,
 * which the library adopts in place; its job rows show each job's user by
 * name and e-mail. Whether the store's database has such a table is asked
 * of information_schema once per connection and remembered
 * (conn->host_users), so a database without one costs one query per store,
 * not one per job row. A table dropped or changed later is found out by the
 * lookup itself, which then answers as for a missing table.
 */
#include <stdint.h>

#include <mysqld_error.h>

#include "mysql_internal.h"

/* conn->host_users: not asked yet, or what information_schema said. */
enum { USERS_UNKNOWN = 0, USERS_PRESENT = 1, USERS_ABSENT = 2 };

static int no_users_table(const ecl_backend_conn *conn)
{
	return ecl_error_set(ECL_ENOTSUPPORTED, "the MySQL database %s has no users table with "
		"columns id, name and email: it holds no host users to look up", conn->where);
}

/* Ask, once, whether the database has the table with the three columns. A
 * database that does not exist yet (migrate creates it) is asked again. */
static int find_users_table(ecl_backend_conn *conn)
{
	my_result res;
	int rc;

	if (conn->host_users != USERS_UNKNOWN || conn->no_database)
		return 0;
	rc = ecl__my_read_rows(&res, conn, "SELECT count(*) FROM information_schema.columns"
		" WHERE table_schema = DATABASE() AND table_name = 'users'"
		" AND column_name IN ('id', 'name', 'email')", NULL, "looking for the users table");
	if (rc == 0)
		conn->host_users = ecl__my_get_int(&res, 0, 0) == 3 ? USERS_PRESENT : USERS_ABSENT;
	ecl__my_result_free(&res);
	return rc;
}

/* Copy the row's name and email into `out`. */
static int take_row(const my_result *res, ecl_host_user *out)
{
	int oom = 0;

	out->name = ecl__my_get_text(res, 0, 0, &oom);
	out->email = ecl__my_get_text(res, 0, 1, &oom);
	return oom ? ecl_error_set(ECL_ENOMEM, "out of memory reading a host user") : 0;
}

static int read_user(ecl_backend_conn *conn, int64_t id, ecl_host_user *out)
{
	my_params p;
	my_result res;
	int rc;

	ecl__my_params_init(&p);
	ecl__my_int(&p, id);
	rc = ecl__my_read_rows(&res, conn, "SELECT name, email FROM users WHERE id = ?1", &p,
		"looking up a host user");
	/* Dropped or altered since it was found: as if it had never been there. */
	if (rc == ECL_ESCHEMA && (conn->last_errno == ER_NO_SUCH_TABLE
	                          || conn->last_errno == ER_BAD_FIELD_ERROR)) {
		conn->host_users = USERS_ABSENT;
		rc = no_users_table(conn);
	} else if (rc == 0 && res.rows == 0) {
		rc = ecl_error_set(ECL_ENOTFOUND, "no host user has id %lld", (long long)id);
	} else if (rc == 0) {
		rc = take_row(&res, out);
	}
	ecl__my_result_free(&res);
	return rc;
}

int ecl__my_host_user_get(ecl_backend_conn *conn, int64_t id, ecl_host_user *out)
{
	int rc = find_users_table(conn);

	if (rc == 0 && conn->host_users != USERS_PRESENT)
		rc = no_users_table(conn);
	if (rc == 0)
		rc = read_user(conn, id, out);
	return rc;
}
