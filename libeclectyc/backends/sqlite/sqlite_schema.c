/*
 * SQLite schema: what backends/common/schema.c needs to apply the
 * migrations and check for drift. The expected schema is built in a private
 * in-memory database and compared with the live one through PRAGMAs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"

const char ecl__sqlite_migrations_table[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version INTEGER PRIMARY KEY,"
	" applied_at INTEGER NOT NULL)";

static int table_exists(ecl_backend_conn *conn, const char *table, int *exists)
{
	sqlite3_stmt *stmt;
	int rc = ecl__sqlite_prepare(&stmt, conn,
		"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");

	if (rc == 0) {
		sqlite3_bind_text(stmt, 1, table, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		*exists = rc == SQLITE_ROW;
		rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0
			: ecl__sqlite_error(conn, rc, "reading the schema");
		ecl__sqlite_done(stmt);
	}
	return rc;
}

int ecl__sqlite_schema_current(ecl_backend_conn *conn, int *current)
{
	sqlite3_stmt *stmt;
	int exists = 0;
	int rc = table_exists(conn, "schema_migrations", &exists);

	*current = 0;
	if (rc == 0 && exists) {
		rc = ecl__sqlite_prepare(&stmt, conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
		if (rc == 0) {
			rc = sqlite3_step(stmt);
			if (rc == SQLITE_ROW)
				*current = sqlite3_column_int(stmt, 0);
			rc = rc == SQLITE_ROW ? 0 : ecl__sqlite_error(conn, rc, "reading the schema version");
			ecl__sqlite_done(stmt);
		}
	}
	return rc;
}

/* ---- drift check -------------------------------------------------------- */

/* The expected schema is built in a private in-memory database. */
int ecl__sqlite_scratch_open(ecl_backend_conn *conn, void **scratch)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);

	(void)conn;
	if (rc != SQLITE_OK) {
		rc = ecl_error_set(ECL_EDB, "building the expected schema: %s",
			db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return rc;
	}
	*scratch = db;
	return 0;
}

int ecl__sqlite_scratch_exec(ecl_backend_conn *conn, void *scratch, const char *sql)
{
	(void)conn;
	return sqlite3_exec(scratch, sql, NULL, NULL, NULL) == SQLITE_OK ? 0
		: ecl_error_set(ECL_EDB, "building the expected schema: %s", sqlite3_errmsg(scratch));
}

int ecl__sqlite_scratch_close(ecl_backend_conn *conn, void *scratch, int rc)
{
	(void)conn;
	sqlite3_close(scratch);
	return rc;
}

/* Run a query on `db` with an optional text parameter ?1; call `each` for
 * every row. */
static int for_each_row(sqlite3 *db, const char *sql, const char *param,
                        int (*each)(sqlite3_stmt *row, void *ctx), void *ctx)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);

	if (rc == SQLITE_OK && param != NULL)
		sqlite3_bind_text(stmt, 1, param, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		rc = each(stmt, ctx);
		rc = rc == 0 ? SQLITE_OK : SQLITE_ABORT;
	}
	sqlite3_finalize(stmt);
	if (rc == SQLITE_DONE)
		return 0;
	return rc == SQLITE_ABORT ? ecl_error_last_code()
		: ecl_error_set(ECL_EDB, "reading the schema: %s", sqlite3_errmsg(db));
}

typedef struct compare_ctx {
	sqlite3 *live;
	ecl_schema_report *report;
	const char *table;
} compare_ctx;

/* The first column of the first row of a query with parameters ?1 (and ?2
 * when it has one), copied; NULL when there is no row. */
static int single_text(sqlite3 *db, const char *sql, const char *a, const char *b, char **out)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);

	*out = NULL;
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, a, -1, SQLITE_STATIC);
		if (sqlite3_bind_parameter_count(stmt) >= 2)
			sqlite3_bind_text(stmt, 2, b, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL)
			*out = strdup((const char *)sqlite3_column_text(stmt, 0));
		rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? SQLITE_OK : rc;
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_OK ? 0 : ecl_error_set(ECL_EDB, "reading the schema: %s", sqlite3_errmsg(db));
}

/* Columns: "type|notnull|pk" of the expected column vs the live one. */
#define COLUMN_SQL \
	"SELECT type || '|' || \"notnull\" || '|' || pk FROM pragma_table_info(?1) WHERE name = ?2"

static int compare_column(sqlite3_stmt *row, void *opaque)
{
	compare_ctx *ctx = opaque;
	const char *column = (const char *)sqlite3_column_text(row, 0);
	const char *want = (const char *)sqlite3_column_text(row, 1);
	char *have = NULL;
	int rc = single_text(ctx->live, COLUMN_SQL, ctx->table, column, &have);

	if (rc == 0 && have == NULL)
		rc = ecl_schema_report_add(ctx->report, "missing column %s.%s", ctx->table, column);
	else if (rc == 0 && strcmp(have, want) != 0)
		rc = ecl_schema_report_add(ctx->report,
			"column %s.%s is \"%s\", expected \"%s\" (type|not null|primary key)",
			ctx->table, column, have, want);
	free(have);
	return rc;
}

/* Unique keys and indexes, described by their columns (or SQL for indexes
 * on expressions), so a renamed but equivalent index is not drift. */
#define INDEX_SQL \
	"SELECT il.name, il.\"unique\", " \
	" (SELECT group_concat(coalesce(ii.name, '<expr>'), ',') FROM pragma_index_info(il.name) ii) " \
	"FROM pragma_index_list(?1) il"

#define LIVE_INDEX_SQL \
	"SELECT 1 FROM pragma_index_list(?1) il WHERE il.\"unique\" = ?3 AND " \
	" (SELECT group_concat(coalesce(ii.name, '<expr>'), ',') FROM pragma_index_info(il.name) ii) = ?2"

static int compare_index(sqlite3_stmt *row, void *opaque)
{
	compare_ctx *ctx = opaque;
	const char *name = (const char *)sqlite3_column_text(row, 0);
	int unique = sqlite3_column_int(row, 1);
	const char *columns = (const char *)sqlite3_column_text(row, 2);
	sqlite3_stmt *stmt = NULL;
	int found = 0, rc;

	rc = sqlite3_prepare_v2(ctx->live, LIVE_INDEX_SQL, -1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, ctx->table, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, columns ? columns : "", -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 3, unique);
		found = sqlite3_step(stmt) == SQLITE_ROW;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_OK)
		return ecl_error_set(ECL_EDB, "reading indexes: %s", sqlite3_errmsg(ctx->live));
	if (!found)
		return ecl_schema_report_add(ctx->report, "missing %s on %s(%s) (expected as %s)",
			unique ? "unique key" : "index", ctx->table, columns ? columns : "", name);
	return 0;
}

static int compare_table(sqlite3_stmt *row, void *opaque)
{
	compare_ctx *ctx = opaque;
	sqlite3 *expected = sqlite3_db_handle(row);
	char *exists = NULL;
	int rc;

	ctx->table = (const char *)sqlite3_column_text(row, 0);
	rc = single_text(ctx->live, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1",
		ctx->table, NULL, &exists);
	if (rc == 0 && exists == NULL)
		rc = ecl_schema_report_add(ctx->report, "missing table %s", ctx->table);
	else if (rc == 0)
		rc = for_each_row(expected,
			"SELECT name, type || '|' || \"notnull\" || '|' || pk FROM pragma_table_info(?1)",
			ctx->table, compare_column, ctx);
	if (rc == 0 && exists != NULL)
		rc = for_each_row(expected, INDEX_SQL, ctx->table, compare_index, ctx);
	free(exists);
	return rc;
}

/* Triggers by name: the job history (migration 5) is written by them, so a
 * missing one would silently stop recording attempts. */
static int compare_trigger(sqlite3_stmt *row, void *opaque)
{
	compare_ctx *ctx = opaque;
	const char *name = (const char *)sqlite3_column_text(row, 0);
	char *exists = NULL;
	int rc = single_text(ctx->live, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name = ?1",
		name, NULL, &exists);

	if (rc == 0 && exists == NULL)
		rc = ecl_schema_report_add(ctx->report, "missing trigger %s on %s", name,
			(const char *)sqlite3_column_text(row, 1));
	free(exists);
	return rc;
}

int ecl__sqlite_drift(ecl_backend_conn *conn, void *scratch, ecl_schema_report *report)
{
	compare_ctx ctx = { conn->db, report, NULL };
	int rc = for_each_row(scratch,
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
		"ORDER BY name", NULL, compare_table, &ctx);

	if (rc == 0)
		rc = for_each_row(scratch,
			"SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY name", NULL,
			compare_trigger, &ctx);
	return rc;
}

int ecl__sqlite_relation_exists(ecl_backend_conn *conn, const char *name, int *exists)
{
	sqlite3_stmt *stmt;
	int rc = ecl__sqlite_prepare(&stmt, conn,
		"SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1");

	*exists = 0;
	if (rc == 0) {
		sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		*exists = rc == SQLITE_ROW;
		rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0
			: ecl__sqlite_error(conn, rc, "reading the schema");
		ecl__sqlite_done(stmt);
	}
	return rc;
}
