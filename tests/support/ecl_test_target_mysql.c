/*
 * The MySQL/MariaDB side of ecl_test_target (see ecl_test_target.h): a
 * database of the test's own on a server named by a mysql:// URI, inspected
 * over one MariaDB Connector/C connection opened on first use and kept.
 * Compiled in when ECL_TEST_WITH_MYSQL is defined (the backend is built, so
 * libmariadb is linked through the library).
 */
#include "ecl_test.h"
#include "ecl_test_target.h"
#include "ecl_test_target_mysql.h"
#include "ecl_my_connect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ecl__test_my_check_server(const char *uri)
{
	char error[256];
	MYSQL *my = ecl_my_connect(uri, error);

	if (my == NULL) {
		fprintf(stderr, "no MySQL server answers at %s: %s: skipped\n", uri, error);
		return 77;
	}
	mysql_close(my);
	return 0;
}

/* The kept connection (no database selected: it may not exist yet). */
static MYSQL *connection(ecl_test_target *t)
{
	char error[256];

	if (t->my == NULL) {
		t->my = ecl_my_connect(t->uri, error);
		if (t->my == NULL)
			print_error("cannot connect to MySQL: %s", error);
	}
	assert_non_null(t->my);
	return t->my;
}

/* Run `sql` (several statements allowed) in the target's database; the
 * first column of the first row of the first result, as text, into
 * value (128 bytes; "" for NULL, unset when there is no row). */
static void run(ecl_test_target *t, const char *sql, char *value, int *found)
{
	MYSQL *my = connection(t);
	int status;

	if (mysql_select_db(my, t->schema) != 0 || mysql_query(my, sql) != 0) {
		print_error("SQL \"%s\" failed: %s", sql, mysql_error(my));
		fail();
	}
	do {
		MYSQL_RES *res = mysql_store_result(my);

		if (res != NULL) {
			MYSQL_ROW row = mysql_fetch_row(res);

			if (row != NULL && !*found && mysql_num_fields(res) > 0) {
				snprintf(value, 128, "%s", row[0] != NULL ? row[0] : "");
				*found = 1;
			}
			mysql_free_result(res);
		} else if (mysql_field_count(my) != 0) {
			break;
		}
		status = mysql_next_result(my);
	} while (status == 0);
	if (mysql_errno(my) != 0) {
		print_error("SQL \"%s\" failed: %s", sql, mysql_error(my));
		fail();
	}
}

double ecl__test_my_number(ecl_test_target *t, const char *sql)
{
	char value[128] = "";
	int found = 0;

	run(t, sql, value, &found);
	return found ? strtod(value, NULL) : -999;
}

void ecl__test_my_exec(ecl_test_target *t, const char *sql)
{
	char value[128];
	int found = 0;

	run(t, sql, value, &found);
}

/* MySQL has no application name: the connections that are not the test's
 * own and use the target's database are the workers'. */
int ecl__test_my_wait_gone(ecl_test_target *t, int timeout_ms)
{
	struct timespec pause = { 0, 5 * 1000000L };
	char sql[256];
	int waited;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM information_schema.PROCESSLIST"
		" WHERE DB = '%s' AND ID <> CONNECTION_ID()", t->schema);
	for (waited = 0; waited <= timeout_ms; waited += 5) {
		if (ecl__test_my_number(t, sql) == 0)
			return waited / 5;
		nanosleep(&pause, NULL);
	}
	return -1;
}

void ecl__test_my_drop(ecl_test_target *t)
{
	char error[256], sql[256];
	MYSQL *my = t->my != NULL ? t->my : ecl_my_connect(t->uri, error);

	if (my == NULL) {
		fprintf(stderr, "database %s left behind: %s\n", t->schema, error);
		return;
	}
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`", t->schema);
	if (mysql_query(my, sql) != 0)
		fprintf(stderr, "could not drop database %s: %s\n", t->schema, mysql_error(my));
	mysql_close(my);
	t->my = NULL;
}
