/*
 * The schema's life every SQL backend shares (the `schema_version`,
 * `migrate` and `check` slots of include/eclectyc/sys/backend.h): embedded
 * migrations applied in order, each in its own transaction and recorded in
 * schema_migrations with applied_at; and a drift check against the schema
 * the same migrations build in a scratch place, so there is no second,
 * hand-kept description of the schema to fall out of step.
 *
 * A backend fills ecl__schema_hooks in its driver (driver.h); the slots
 * are ecl__common_schema_version(), ecl__common_migrate() and
 * ecl__common_check().
 */
#ifndef ECL_BACKENDS_COMMON_SCHEMA_H
#define ECL_BACKENDS_COMMON_SCHEMA_H

#include "eclectyc/buffer.h"
#include "eclectyc/sys/backend.h"

typedef struct ecl__schema_hooks {
	const char *const *migrations;  /* the migration SQL, NULL-terminated, in order */
	const char *table_sql;          /* CREATE TABLE IF NOT EXISTS schema_migrations … */
	/* Records a migration: a printf format of the version (%d) and the
	 * instant in Unix seconds (%lld). */
	const char *record_format;
	/* First in each migration's transaction: lock out other migrators (and
	 * create what the migrations live in); NULL when the write transaction
	 * already excludes them. */
	int (*lock)(ecl_backend_conn *conn);
	/* The highest version in schema_migrations; 0 when it does not exist. */
	int (*current)(ecl_backend_conn *conn, int *current);
	/* Whether a table or view `name` is in the store's database, schema or
	 * file: before migration 1, one the migrations would create means the
	 * place belongs to another application (NULL: not checked). */
	int (*relation_exists)(ecl_backend_conn *conn, const char *name, int *exists);
	/* Adopting such a place in place (NULL: it is refused). `found` lists
	 * the tables it holds that the migrations would create ("a, b"). With
	 * `plan`, append the statements adoption would run and change nothing;
	 * without, run them, leaving the schema the migrations would have built
	 * (the runner then records every migration as applied). ECL_ESCHEMA
	 * saying why when the place cannot be adopted: nothing is changed. */
	int (*adopt)(ecl_backend_conn *conn, const char *found, ecl_buf *plan);

	/* The drift check: open a scratch place for the expected schema
	 * (*scratch is the backend's), run SQL there, report every drift of
	 * the live schema from it (ecl_schema_report_add()), and close it
	 * having kept nothing. `close` is called whenever `open` set *scratch,
	 * even when it failed, and gets the check's result so far. */
	int (*scratch_open)(ecl_backend_conn *conn, void **scratch);
	int (*scratch_exec)(ecl_backend_conn *conn, void *scratch, const char *sql);
	int (*drift)(ecl_backend_conn *conn, void *scratch, ecl_schema_report *report);
	int (*scratch_close)(ecl_backend_conn *conn, void *scratch, int rc);
} ecl__schema_hooks;

/* The number of migrations this library knows. */
int ecl__schema_expected(const ecl__schema_hooks *h);

#endif
