/*
 * PostgreSQL schema: versioned migrations recorded in schema_migrations,
 * applied under an advisory lock (so processes migrating at once take turns
 * and each migration runs exactly once), and a drift check.
 *
 * The check builds the expected schema by applying every migration to a
 * scratch schema inside a transaction that is rolled back, and compares the
 * catalogs of the two, so there is no second, hand-kept description of the
 * schema to fall out of step (as the SQLite backend does with an in-memory
 * database). It changes nothing: the scratch schema never commits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgsql_internal.h"

#define MIGRATIONS_TABLE \
	"CREATE TABLE IF NOT EXISTS schema_migrations (" \
	" version integer PRIMARY KEY," \
	" applied_at timestamptz NOT NULL)"

static int migration_count(void)
{
	int n = 0;

	while (ecl_pgsql_migrations[n] != NULL)
		n++;
	return n;
}

static int current_version(ecl_backend_conn *conn, int *current)
{
	PGresult *res = NULL;
	int rc = ecl__pg_query(&res, conn,
		"SELECT to_regclass('schema_migrations') IS NOT NULL", NULL, "reading the schema");

	*current = 0;
	if (rc == 0 && PQntuples(res) == 1 && ecl__pg_get_int(res, 0, 0)) {
		PQclear(res);
		res = NULL;
		rc = ecl__pg_query(&res, conn, "SELECT coalesce(max(version), 0) FROM schema_migrations",
			NULL, "reading the schema version");
		if (rc == 0)
			*current = (int)ecl__pg_get_int(res, 0, 0);
	}
	PQclear(res);
	return rc;
}

static int read_version(ecl_backend_conn *conn, void *opaque)
{
	return current_version(conn, opaque);
}

int ecl__pg_schema_version(ecl_backend_conn *conn, int *current, int *expected)
{
	*expected = migration_count();
	return ecl__pg_read(conn, read_version, current, "reading the schema version");
}

typedef struct migrate_ctx {
	int64_t applied_at;
	int applied;     /* the version applied by this transaction, 0 if none */
	int too_new;     /* the database is ahead of this library */
} migrate_ctx;

/* Lock out other migrators of this schema until the transaction ends. */
static int lock_schema(ecl_backend_conn *conn)
{
	pg_params p;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, conn->schema);
	return ecl__pg_command(conn,
		"SELECT pg_advisory_xact_lock(hashtext('eclectyc.migrate'),"
		" hashtext(coalesce($1::text, current_schema(), 'public')))", &p, NULL,
		"waiting for other migrations");
}

static int create_schema(ecl_backend_conn *conn)
{
	char *quoted, *sql;
	int rc;

	if (conn->schema == NULL)
		return 0;
	quoted = PQescapeIdentifier(conn->pg, conn->schema, strlen(conn->schema));
	if (quoted == NULL)
		return ecl_error_set(ECL_ENOMEM, "quoting the schema name \"%s\"", conn->schema);
	if (asprintf(&sql, "CREATE SCHEMA IF NOT EXISTS %s", quoted) < 0) {
		PQfreemem(quoted);
		return ecl_error_set(ECL_ENOMEM, "out of memory creating schema \"%s\"", conn->schema);
	}
	PQfreemem(quoted);
	rc = ecl__pg_exec(conn, sql, "creating the schema");
	free(sql);
	return rc;
}

/* One transaction: apply the next pending migration, if any. */
static int apply_next(ecl_backend_conn *conn, void *opaque)
{
	migrate_ctx *ctx = opaque;
	int current = 0;
	int rc = lock_schema(conn);

	ctx->applied = 0;
	if (rc == 0)
		rc = create_schema(conn);
	if (rc == 0)
		rc = ecl__pg_exec(conn, MIGRATIONS_TABLE, "creating schema_migrations");
	if (rc == 0)
		rc = current_version(conn, &current);
	if (rc == 0 && current > migration_count())
		ctx->too_new = current;
	if (rc == 0 && current < migration_count()) {
		char doing[64];
		pg_params p;

		snprintf(doing, sizeof(doing), "applying migration %d", current + 1);
		rc = ecl__pg_exec(conn, ecl_pgsql_migrations[current], doing);
		ecl__pg_params_init(&p);
		ecl__pg_int(&p, current + 1);
		ecl__pg_int(&p, ctx->applied_at);
		if (rc == 0)
			rc = ecl__pg_command(conn, "INSERT INTO schema_migrations (version, applied_at)"
				" VALUES ($1::integer, to_timestamp($2::bigint))", &p, NULL, doing);
		if (rc == 0)
			ctx->applied = current + 1;
	}
	return rc;
}

int ecl__pg_migrate(ecl_backend_conn *conn, int64_t applied_at)
{
	migrate_ctx ctx = { applied_at, 0, 0 };
	int rc;

	do {
		rc = ecl__pg_write(conn, apply_next, &ctx, "migrating the schema");
	} while (rc == 0 && ctx.applied != 0);
	if (rc == 0 && ctx.too_new)
		rc = ecl_error_set(ECL_ESCHEMA,
			"database schema is at version %d, newer than this library's %d",
			ctx.too_new, migration_count());
	return rc;
}

/* ---- drift check ---------------------------------------------------------------- */

/* Problems, in a stable order: $1 is the expected (scratch) schema, $2 the
 * live one. Tables and views, columns (type and nullability), unique keys
 * and indexes described by their columns, so a renamed but equivalent index
 * is not drift, and triggers by name (the job history is written by one). */
static const char drift_sql[] =
	"WITH rel AS ("
	" SELECT n.nspname AS s, c.oid, c.relname AS t FROM pg_class c"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE n.nspname IN ($1, $2) AND c.relkind IN ('r', 'p', 'v')),"
	" col AS ("
	" SELECT r.s, r.t, a.attname::text AS c, format_type(a.atttypid, a.atttypmod)"
	"  || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END AS d"
	" FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid WHERE a.attnum > 0 AND NOT a.attisdropped),"
	" idx AS ("
	" SELECT r.s, r.t, i.indisunique AS u, ci.relname::text AS name,"
	"  (SELECT string_agg(coalesce(a.attname::text, '<expr>'), ',' ORDER BY k.o)"
	"   FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)"
	"   LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n)"
	"  || CASE WHEN i.indpred IS NOT NULL THEN ' (partial)' ELSE '' END AS cols"
	" FROM rel r JOIN pg_index i ON i.indrelid = r.oid JOIN pg_class ci ON ci.oid = i.indexrelid),"
	" trg AS ("
	" SELECT r.s, r.t, tg.tgname::text AS name FROM rel r JOIN pg_trigger tg ON tg.tgrelid = r.oid"
	" WHERE NOT tg.tgisinternal),"
	" live AS (SELECT t FROM rel WHERE s = $2)"
	" SELECT 1 AS k, e.t AS o, 'missing table ' || e.t"
	"  FROM rel e WHERE e.s = $1 AND e.t NOT IN (SELECT t FROM live)"
	" UNION ALL"
	" SELECT 2, e.t || '.' || e.c, 'missing column ' || e.t || '.' || e.c"
	"  FROM col e WHERE e.s = $1 AND e.t IN (SELECT t FROM live)"
	"  AND NOT EXISTS (SELECT 1 FROM col l WHERE l.s = $2 AND l.t = e.t AND l.c = e.c)"
	" UNION ALL"
	" SELECT 3, e.t || '.' || e.c, format('column %s.%s is \"%s\", expected \"%s\"', e.t, e.c, l.d, e.d)"
	"  FROM col e JOIN col l ON l.s = $2 AND l.t = e.t AND l.c = e.c WHERE e.s = $1 AND l.d <> e.d"
	" UNION ALL"
	" SELECT 4, e.t || e.cols, format('missing %s on %s(%s) (expected as %s)',"
	"  CASE WHEN e.u THEN 'unique key' ELSE 'index' END, e.t, e.cols, e.name)"
	"  FROM idx e WHERE e.s = $1 AND e.t IN (SELECT t FROM live)"
	"  AND NOT EXISTS (SELECT 1 FROM idx l WHERE l.s = $2 AND l.t = e.t AND l.u = e.u"
	"   AND l.cols = e.cols)"
	" UNION ALL"
	" SELECT 5, e.t || '.' || e.name, format('missing trigger %s on %s', e.name, e.t)"
	"  FROM trg e WHERE e.s = $1 AND e.t IN (SELECT t FROM live)"
	"  AND NOT EXISTS (SELECT 1 FROM trg l WHERE l.s = $2 AND l.t = e.t AND l.name = e.name)"
	" ORDER BY 1, 2";

typedef struct check_ctx {
	ecl_schema_report *report;
	size_t before;             /* problems reported before the check */
} check_ctx;

static int build_expected(ecl_backend_conn *conn, char **expected_schema, char **live_schema)
{
	PGresult *res = NULL;
	pg_params p;
	char *quoted = NULL, *sql = NULL;
	int i, oom = 0, rc;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, conn->schema);
	rc = ecl__pg_query(&res, conn,
		"SELECT 'ecl_expected_' || pg_backend_pid(), coalesce($1::text, current_schema(), 'public')",
		&p, "reading the schema");
	if (rc == 0) {
		*expected_schema = ecl__pg_get_text(res, 0, 0, &oom);
		*live_schema = ecl__pg_get_text(res, 0, 1, &oom);
	}
	PQclear(res);
	if (rc == 0 && oom)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory checking the schema");
	if (rc == 0 && (quoted = PQescapeIdentifier(conn->pg, *expected_schema,
	                                            strlen(*expected_schema))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory checking the schema");
	if (rc == 0 && asprintf(&sql, "CREATE SCHEMA %s; SET LOCAL search_path TO %s", quoted, quoted) < 0) {
		sql = NULL;
		rc = ecl_error_set(ECL_ENOMEM, "out of memory checking the schema");
	}
	if (rc == 0)
		rc = ecl__pg_exec(conn, sql, "building the expected schema");
	for (i = 0; rc == 0 && ecl_pgsql_migrations[i] != NULL; i++)
		rc = ecl__pg_exec(conn, ecl_pgsql_migrations[i], "building the expected schema");
	if (rc == 0)
		rc = ecl__pg_exec(conn, MIGRATIONS_TABLE, "building the expected schema");
	PQfreemem(quoted);
	free(sql);
	return rc;
}

static int check_work(ecl_backend_conn *conn, void *opaque)
{
	check_ctx *ctx = opaque;
	char *expected_schema = NULL, *live_schema = NULL;
	PGresult *res = NULL;
	int rc;

	/* A retried attempt reports afresh. */
	while (ctx->report->count > ctx->before)
		free(ctx->report->problems[--ctx->report->count]);
	rc = ecl__pg_exec(conn, "BEGIN", "checking the schema");
	if (rc == 0)
		rc = build_expected(conn, &expected_schema, &live_schema);
	if (rc == 0) {
		pg_params p;

		ecl__pg_params_init(&p);
		ecl__pg_text(&p, expected_schema);
		ecl__pg_text(&p, live_schema);
		rc = ecl__pg_query(&res, conn, drift_sql, &p, "comparing the schema");
	}
	if (rc == 0) {
		int row;
		for (row = 0; rc == 0 && row < PQntuples(res); row++)
			rc = ecl_schema_report_add(ctx->report, "%s", PQgetvalue(res, row, 2));
	}
	PQclear(res);
	free(expected_schema);
	free(live_schema);
	/* Nothing of the scratch schema is kept. */
	if (rc == 0)
		rc = ecl__pg_exec(conn, "ROLLBACK", "checking the schema");
	return rc;
}

int ecl__pg_check(ecl_backend_conn *conn, ecl_schema_report *report)
{
	check_ctx ctx = { report, report->count };
	int rc;

	/* The scratch schema's statements must not outlive it in the cache. */
	conn->unprepared = 1;
	rc = ecl__pg_read(conn, check_work, &ctx, "checking the schema");
	conn->unprepared = 0;
	return rc;
}
