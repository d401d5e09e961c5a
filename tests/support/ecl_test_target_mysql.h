/*
 * The MySQL/MariaDB part of ecl_test_target.c (ecl_test_target_mysql.c,
 * compiled when ECL_TEST_WITH_MYSQL is defined); the target's `schema` is
 * its database, `my` its MYSQL * connection.
 */
#ifndef ECL_TEST_TARGET_MYSQL_H
#define ECL_TEST_TARGET_MYSQL_H

#include "ecl_test_target.h"

/* 0 when a server answers at `uri`, 77 (after a message) when none does. */
int ecl__test_my_check_server(const char *uri);
double ecl__test_my_number(ecl_test_target *t, const char *sql);
void ecl__test_my_exec(ecl_test_target *t, const char *sql);
/* Wait until no other connection uses the target's database. */
int ecl__test_my_wait_gone(ecl_test_target *t, int timeout_ms);
/* DROP DATABASE and close the connection. */
void ecl__test_my_drop(ecl_test_target *t);

#endif
