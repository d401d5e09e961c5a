/*
 * SQLite schema: versioned migrations recorded in schema_migrations, and a
 * drift check. The check builds the expected schema by applying every
 * migration to a private in-memory database and compares the two through
 * PRAGMAs, so there is no second, hand-kept description to fall out of step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"

#define MIGRATIONS_TABLE \
	"CREATE TABLE IF NOT EXISTS schema_migrations (" \
	" version INTEGER PRIMARY KEY," \
	" applied_at INTEGER NOT NULL)"

static int migration_count(void)
{
	int n = 0;

	while (ecl_sqlite_migrations[n] != NULL)
		n++;
	return n;
}

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

static int current_version(ecl_backend_conn *conn, int *current)
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

int ecl__sqlite_schema_version(ecl_backend_conn *conn, int *current, int *expected)
{
	*expected = migration_count();
	return current_version(conn, current);
}

typedef struct migrate_ctx {
	int64_t applied_at;
	int applied;     /* the version applied by this transaction, 0 if none */
	int too_new;     /* the database is ahead of this library */
} migrate_ctx;

/* One transaction: apply the next pending migration, if any. Reading the
 * version inside the write lock makes concurrent migrators safe. */
static int apply_next(ecl_backend_conn *conn, void *opaque)
{
	migrate_ctx *ctx = opaque;
	int current = 0;
	char record[128];
	int rc = ecl__sqlite_exec(conn, MIGRATIONS_TABLE, "creating schema_migrations");

	ctx->applied = 0;
	if (rc == 0)
		rc = current_version(conn, &current);
	if (rc == 0 && current > migration_count())
		ctx->too_new = current;
	if (rc == 0 && current < migration_count()) {
		char doing[64];
		snprintf(doing, sizeof(doing), "applying migration %d", current + 1);
		rc = ecl__sqlite_exec(conn, ecl_sqlite_migrations[current], doing);
		snprintf(record, sizeof(record),
			"INSERT INTO schema_migrations (version, applied_at) VALUES (%d, %lld)",
			current + 1, (long long)ctx->applied_at);
		if (rc == 0)
			rc = ecl__sqlite_exec(conn, record, doing);
		if (rc == 0)
			ctx->applied = current + 1;
	}
	return rc;
}

int ecl__sqlite_migrate(ecl_backend_conn *conn, int64_t applied_at)
{
	migrate_ctx ctx = { applied_at, 0, 0 };
	int rc;

	do {
		rc = ecl__sqlite_write(conn, apply_next, &ctx, "migrating the schema");
	} while (rc == 0 && ctx.applied != 0);
	if (rc == 0 && ctx.too_new)
		rc = ecl_error_set(ECL_ESCHEMA,
			"database schema is at version %d, newer than this library's %d",
			ctx.too_new, migration_count());
	return rc;
}

/* ---- drift check -------------------------------------------------------- */

static int build_expected(sqlite3 **out)
{
	int i, rc = sqlite3_open_v2(":memory:", out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);

	for (i = 0; rc == SQLITE_OK && ecl_sqlite_migrations[i] != NULL; i++)
		rc = sqlite3_exec(*out, ecl_sqlite_migrations[i], NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(*out, MIGRATIONS_TABLE, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0
		: ecl_error_set(ECL_EDB, "building the expected schema: %s", sqlite3_errmsg(*out));
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

int ecl__sqlite_check(ecl_backend_conn *conn, ecl_schema_report *report)
{
	sqlite3 *expected = NULL;
	compare_ctx ctx = { conn->db, report, NULL };
	int rc = build_expected(&expected);

	if (rc == 0)
		rc = for_each_row(expected,
			"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
			"ORDER BY name", NULL, compare_table, &ctx);
	if (rc == 0)
		rc = for_each_row(expected,
			"SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY name", NULL,
			compare_trigger, &ctx);
	sqlite3_close(expected);
	return rc;
}
