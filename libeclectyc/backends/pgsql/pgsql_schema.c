/*
 * PostgreSQL schema: what backends/common/schema.c needs to apply the
 * migrations and check for drift. Migrations run under an advisory lock, so
 * processes migrating at once take turns and each migration runs exactly
 * once. The check builds the expected schema in a scratch schema inside a
 * transaction that is rolled back, and compares the catalogs of the two in
 * one query: it changes nothing, the scratch schema never commits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgsql_internal.h"

const char ecl__pg_migrations_table[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version integer PRIMARY KEY,"
	" applied_at timestamptz NOT NULL)";

int ecl__pg_schema_current(ecl_backend_conn *conn, int *current)
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

/* Lock out other migrators of this schema until the transaction ends, then
 * make sure the schema the migrations go into exists. */
int ecl__pg_migrate_lock(ecl_backend_conn *conn)
{
	int rc = lock_schema(conn);

	if (rc == 0)
		rc = create_schema(conn);
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

/* The names of the scratch schema and the live one. */
typedef struct scratch {
	char *expected;
	char *live;
} scratch;

/* The expected schema is built in a scratch schema inside a transaction
 * that is rolled back. */
int ecl__pg_scratch_open(ecl_backend_conn *conn, void **out)
{
	scratch *s = calloc(1, sizeof(*s));
	PGresult *res = NULL;
	pg_params p;
	char *quoted = NULL, *sql = NULL;
	int oom = 0, rc;

	if (s == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory checking the schema");
	*out = s;
	/* The scratch schema's statements must not outlive it in the cache. */
	conn->unprepared = 1;
	rc = ecl__pg_exec(conn, "BEGIN", "checking the schema");
	ecl__pg_params_init(&p);
	ecl__pg_text(&p, conn->schema);
	if (rc == 0)
		rc = ecl__pg_query(&res, conn,
			"SELECT 'ecl_expected_' || pg_backend_pid(), coalesce($1::text, current_schema(), 'public')",
			&p, "reading the schema");
	if (rc == 0) {
		s->expected = ecl__pg_get_text(res, 0, 0, &oom);
		s->live = ecl__pg_get_text(res, 0, 1, &oom);
	}
	PQclear(res);
	if (rc == 0 && oom)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory checking the schema");
	if (rc == 0 && (quoted = PQescapeIdentifier(conn->pg, s->expected, strlen(s->expected))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory checking the schema");
	if (rc == 0 && asprintf(&sql, "CREATE SCHEMA %s; SET LOCAL search_path TO %s", quoted, quoted) < 0) {
		sql = NULL;
		rc = ecl_error_set(ECL_ENOMEM, "out of memory checking the schema");
	}
	if (rc == 0)
		rc = ecl__pg_exec(conn, sql, "building the expected schema");
	PQfreemem(quoted);
	free(sql);
	return rc;
}

int ecl__pg_scratch_exec(ecl_backend_conn *conn, void *s, const char *sql)
{
	(void)s;
	return ecl__pg_exec(conn, sql, "building the expected schema");
}

int ecl__pg_drift(ecl_backend_conn *conn, void *opaque, ecl_schema_report *report)
{
	const scratch *s = opaque;
	PGresult *res = NULL;
	pg_params p;
	int row, rc;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, s->expected);
	ecl__pg_text(&p, s->live);
	rc = ecl__pg_query(&res, conn, drift_sql, &p, "comparing the schema");
	for (row = 0; rc == 0 && row < PQntuples(res); row++)
		rc = ecl_schema_report_add(report, "%s", PQgetvalue(res, row, 2));
	PQclear(res);
	return rc;
}

/* Nothing of the scratch schema is kept (on failure, ecl__pg_read rolls
 * the transaction back). */
int ecl__pg_scratch_close(ecl_backend_conn *conn, void *opaque, int rc)
{
	scratch *s = opaque;

	if (rc == 0)
		rc = ecl__pg_exec(conn, "ROLLBACK", "checking the schema");
	conn->unprepared = 0;
	free(s->expected);
	free(s->live);
	free(s);
	return rc;
}

/* In the store's schema only (current_schema(): the one search_path names),
 * not in one further down the path. */
int ecl__pg_relation_exists(ecl_backend_conn *conn, const char *name, int *exists)
{
	PGresult *res = NULL;
	pg_params p;
	int rc;

	ecl__pg_params_init(&p);
	ecl__pg_text(&p, name);
	rc = ecl__pg_query(&res, conn, "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n"
		" ON n.oid = c.relnamespace WHERE c.relname = $1::text AND n.nspname = current_schema()"
		" AND c.relkind IN ('r', 'v', 'p', 'm'))::int", &p, "reading the schema");
	*exists = rc == 0 && PQntuples(res) == 1 && ecl__pg_get_int(res, 0, 0) != 0;
	PQclear(res);
	return rc;
}
