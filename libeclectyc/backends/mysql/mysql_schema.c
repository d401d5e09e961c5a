/*
 * MySQL/MariaDB backend: the schema hooks of the shared migration runner
 * and drift check (backends/common/schema.h).
 *
 * DDL commits implicitly in MySQL, so a migration is not atomic as on the
 * other backends; migrators take turns under a named lock (GET_LOCK, the
 * session's, released after each migration's transaction by the runner in
 * mysql_conn.c), so each migration is still applied exactly once. The drift
 * check builds the expected schema in a scratch database and compares
 * information_schema.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"
#include "mysql_internal.h"

const char ecl__my_migrations_table[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version INT NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL"
	") ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin";

/* `name` as a quoted identifier into `out` (backticks doubled). */
static void quote_ident(char *out, size_t size, const char *name)
{
	size_t o = 0;

	if (size < 3)
		return;
	out[o++] = '`';
	for (; *name != '\0' && o + 3 < size; name++) {
		if (*name == '`')
			out[o++] = '`';
		out[o++] = *name;
	}
	out[o++] = '`';
	out[o] = '\0';
}

/* CREATE DATABASE when the URI's does not exist yet, and use it. */
static int create_database(ecl_backend_conn *conn)
{
	char sql[256], ident[160];
	int rc;

	quote_ident(ident, sizeof(ident), conn->database);
	snprintf(sql, sizeof(sql), "CREATE DATABASE IF NOT EXISTS %s CHARACTER SET utf8mb4"
		" COLLATE utf8mb4_bin", ident);
	rc = ecl__my_exec(conn, sql, "creating the database");
	if (rc == 0 && mysql_select_db(conn->my, conn->database) != 0)
		rc = ecl__my_error(conn, NULL, "selecting the database");
	if (rc == 0)
		conn->no_database = 0;
	return rc;
}

int ecl__my_migrate_lock(ecl_backend_conn *conn)
{
	my_result res;
	my_params p;
	char key[128];
	int rc;

	if (conn->database == NULL)
		return ecl_error_set(ECL_EINVALID, "the MySQL URI names no database (mysql://…/DATABASE)");
	snprintf(key, sizeof(key), "eclectyc.migrate.%.40s", conn->database);
	ecl__my_params_init(&p);
	ecl__my_text(&p, key);
	ecl__my_int(&p, conn->busy_timeout_ms > 0 ? (conn->busy_timeout_ms + 999) / 1000 : 1);
	rc = ecl__my_query(&res, conn, "SELECT GET_LOCK(?1, ?2)", &p, "locking out other migrators");
	if (rc == 0 && ecl__my_get_int(&res, 0, 0) == 1)
		conn->named_lock = 1;
	else if (rc == 0)
		rc = ecl_error_set(ECL_EBUSY, "migrating the schema: another process holds the "
			"migration lock (waited %d ms)", conn->busy_timeout_ms);
	ecl__my_result_free(&res);
	if (rc == 0 && conn->no_database)
		rc = create_database(conn);
	return rc;
}

int ecl__my_schema_current(ecl_backend_conn *conn, int *current)
{
	my_result res;
	int rc;

	*current = 0;
	if (conn->no_database)
		return 0;
	rc = ecl__my_query(&res, conn, "SELECT count(*) FROM information_schema.tables"
		" WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'", NULL,
		"reading the schema version");
	if (rc == 0 && ecl__my_get_int(&res, 0, 0) > 0) {
		ecl__my_result_free(&res);
		rc = ecl__my_query(&res, conn, "SELECT coalesce(max(version), 0) FROM schema_migrations",
			NULL, "reading the schema version");
		if (rc == 0)
			*current = (int)ecl__my_get_int(&res, 0, 0);
	}
	ecl__my_result_free(&res);
	return rc;
}

/* ---- the drift check ------------------------------------------------------ */

int ecl__my_scratch_open(ecl_backend_conn *conn, void **scratch)
{
	char name[64], sql[256];
	int rc;

	snprintf(name, sizeof(name), "ecl_expected_%lu", mysql_thread_id(conn->my));
	free(conn->scratch_db);
	conn->scratch_db = ecl__strdup(name);
	if (conn->scratch_db == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory checking the schema");
	*scratch = conn->scratch_db;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s`"
		" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", name, name);
	rc = ecl__my_exec(conn, sql, "creating the scratch database of the schema check");
	if (rc == 0 && mysql_select_db(conn->my, name) != 0)
		rc = ecl__my_error(conn, NULL, "using the scratch database of the schema check");
	return rc;
}

int ecl__my_scratch_exec(ecl_backend_conn *conn, void *scratch, const char *sql)
{
	(void)scratch;
	return ecl__my_exec(conn, sql, "building the expected schema");
}

/* Every expected table, view, column, index and trigger the live database
 * lacks or has otherwise: one problem per row. ?1 expected, ?2 live, ?3 the
 * application's tables an adopted database keeps as they were typed and
 * keyed (comma-separated; mysql_adopt.c): only what they lack counts. */
static const char drift_sql[] =
	"SELECT concat('missing ', IF(e.table_type = 'VIEW', 'view ', 'table '), e.table_name)"
	" FROM information_schema.tables e WHERE e.table_schema = ?1 AND NOT EXISTS"
	" (SELECT 1 FROM information_schema.tables l WHERE l.table_schema = ?2"
	"  AND l.table_name = e.table_name)"
	" UNION ALL"
	" SELECT concat('missing column ', e.table_name, '.', e.column_name)"
	" FROM information_schema.columns e"
	" JOIN information_schema.tables t ON t.table_schema = ?2 AND t.table_name = e.table_name"
	" WHERE e.table_schema = ?1 AND NOT EXISTS (SELECT 1 FROM information_schema.columns l"
	"  WHERE l.table_schema = ?2 AND l.table_name = e.table_name AND l.column_name = e.column_name)"
	" UNION ALL"
	" SELECT concat('column ', e.table_name, '.', e.column_name, ' is ', l.column_type,"
	"  IF(l.is_nullable = 'YES', ' NULL', ' NOT NULL'), IF(l.column_key = 'PRI', ' PRIMARY KEY', ''),"
	"  ', expected ', e.column_type, IF(e.is_nullable = 'YES', ' NULL', ' NOT NULL'),"
	"  IF(e.column_key = 'PRI', ' PRIMARY KEY', ''))"
	" FROM information_schema.columns e JOIN information_schema.columns l"
	"  ON l.table_schema = ?2 AND l.table_name = e.table_name AND l.column_name = e.column_name"
	" WHERE e.table_schema = ?1 AND FIND_IN_SET(e.table_name, ?3) = 0"
	"  AND (e.column_type <> l.column_type OR e.is_nullable <> l.is_nullable"
	"  OR (e.column_key = 'PRI') <> (l.column_key = 'PRI'))"
	" UNION ALL"
	" SELECT concat(IF(e.non_unique = 0, 'missing unique key ', 'missing index '), e.index_name,"
	"  ' on ', e.table_name, ' (', e.cols, ')')"
	" FROM (SELECT table_name, index_name, non_unique, group_concat(column_name,"
	"   coalesce(concat('(', sub_part, ')'), '') ORDER BY seq_in_index) AS cols"
	"  FROM information_schema.statistics WHERE table_schema = ?1"
	"  GROUP BY table_name, index_name, non_unique) e"
	" JOIN information_schema.tables t ON t.table_schema = ?2 AND t.table_name = e.table_name"
	" WHERE FIND_IN_SET(e.table_name, ?3) = 0"
	" AND NOT EXISTS (SELECT 1 FROM (SELECT table_name, non_unique, group_concat(column_name,"
	"   coalesce(concat('(', sub_part, ')'), '') ORDER BY seq_in_index) AS cols"
	"  FROM information_schema.statistics WHERE table_schema = ?2"
	"  GROUP BY table_name, index_name, non_unique) l"
	"  WHERE l.table_name = e.table_name AND l.non_unique = e.non_unique AND l.cols = e.cols)"
	" UNION ALL"
	" SELECT concat('missing trigger ', e.trigger_name, ' on ', e.event_object_table)"
	" FROM information_schema.triggers e WHERE e.trigger_schema = ?1 AND NOT EXISTS"
	" (SELECT 1 FROM information_schema.triggers l WHERE l.trigger_schema = ?2"
	"  AND l.trigger_name = e.trigger_name)";

/* The application's tables an adopted database keeps (*list, "" if none). */
static int adopted_tables(ecl_backend_conn *conn, my_result *res, const char **list)
{
	char sql[256], ident[160];
	int rc = 0;

	*list = "";
	memset(res, 0, sizeof(*res));
	if (!conn->adopted || conn->database == NULL)
		return 0;
	quote_ident(ident, sizeof(ident), conn->database);
	snprintf(sql, sizeof(sql), "SELECT group_concat(table_name) FROM %s.schema_adoption", ident);
	rc = ecl__my_query(res, conn, sql, NULL, "reading the adopted tables");
	if (rc == 0 && res->rows > 0 && ecl__my_get_str(res, 0, 0) != NULL)
		*list = ecl__my_get_str(res, 0, 0);
	return rc;
}

int ecl__my_drift(ecl_backend_conn *conn, void *scratch, ecl_schema_report *report)
{
	my_result res, adopted;
	my_params p;
	const char *list;
	int row, rc = adopted_tables(conn, &adopted, &list);

	ecl__my_params_init(&p);
	ecl__my_text(&p, scratch);
	ecl__my_text(&p, conn->database ? conn->database : "");
	ecl__my_text(&p, list);
	memset(&res, 0, sizeof(res));
	if (rc == 0)
		rc = ecl__my_query(&res, conn, drift_sql, &p, "comparing the schema");
	for (row = 0; rc == 0 && row < res.rows; row++)
		rc = ecl_schema_report_add(report, "%s", ecl__my_get_str(&res, row, 0));
	ecl__my_result_free(&res);
	ecl__my_result_free(&adopted);
	return rc;
}

/* Nothing of the scratch database is kept; the live one is used again. */
int ecl__my_scratch_close(ecl_backend_conn *conn, void *scratch, int rc)
{
	char sql[128];
	int closed;

	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`", (const char *)scratch);
	closed = conn->broken ? 0 : ecl__my_exec(conn, sql, "dropping the scratch database");
	if (closed == 0 && !conn->broken && !conn->no_database && conn->database != NULL
	    && mysql_select_db(conn->my, conn->database) != 0)
		closed = ecl__my_error(conn, NULL, "selecting the database again");
	return rc != 0 ? rc : closed;
}

int ecl__my_relation_exists(ecl_backend_conn *conn, const char *name, int *exists)
{
	my_result res;
	my_params p;
	int rc;

	*exists = 0;
	if (conn->no_database)
		return 0;
	ecl__my_params_init(&p);
	ecl__my_text(&p, name);
	rc = ecl__my_query(&res, conn, "SELECT count(*) FROM information_schema.tables"
		" WHERE table_schema = DATABASE() AND table_name = ?1", &p, "reading the schema");
	if (rc == 0)
		*exists = ecl__my_get_int(&res, 0, 0) > 0;
	ecl__my_result_free(&res);
	return rc;
}
