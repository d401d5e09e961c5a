/*
 * A MariaDB Connector/C connection to the server a mysql:// (mariadb://)
 * URI names, for the tests and benches that inspect a MySQL store with raw
 * SQL: scheme://[user[:password]@]host[:port][/database][?socket=PATH],
 * percent-decoded as the library reads it. No database is selected (the
 * URI's may not exist yet). Multi-statement queries and LOAD DATA LOCAL
 * INFILE are enabled.
 */
#ifndef ECL_MY_CONNECT_H
#define ECL_MY_CONNECT_H

#include <mysql.h>

/* A new connection, or NULL with the reason in error (256 bytes). */
MYSQL *ecl_my_connect(const char *uri, char *error);

#endif
