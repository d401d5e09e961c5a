/*
 * MySQL/MariaDB backend: what the files adopting the PHP application's
 * database share. mysql_adopt.c recognises the database and runs the
 * adoption; mysql_adopt_schema.c compares the library's schema with the
 * application's into statements; mysql_adopt_host.c adds what the
 * application's own tables need (docs/adoption.md).
 */
#ifndef ECL_MYSQL_ADOPT_H
#define ECL_MYSQL_ADOPT_H

#include "mysql_internal.h"

typedef struct ecl__adoption {
	ecl_backend_conn *conn;
	const char *live;          /* the database adopted */
	const char *scratch;       /* the library's schema, built to compare */
	char adopted[512];         /* ",table,…," of the application's tables adopted */
	char **stmts;
	int count, cap;
	/* A date the library requires of every row cannot start as a zero date
	 * (NO_ZERO_DATE): it is added NULL, filled, then made NOT NULL by these. */
	char *finish[8];
	int finishing;
} ecl__adoption;


/* ---- the statements, made first, then printed or run (mysql_adopt_schema.c) */

/* Append one statement, printf-style: 0 or ECL_ENOMEM. */
int ecl__adopt_add(ecl__adoption *a, const char *format, ...)
#ifdef __GNUC__
	__attribute__((format(printf, 2, 3)))
#endif
	;
void ecl__adopt_free(ecl__adoption *a);
/* Whether `table` is one of the application's tables being adopted. */
int ecl__adopt_is_adopted(const ecl__adoption *a, const char *table);

/* Rows of `sql` over information_schema with ?1 `schema`, ?2 `table` and
 * ?3 `name` ("" for NULL; a statement need not use it). */
int ecl__adopt_ask(my_result *res, ecl__adoption *a, const char *sql, const char *schema,
                   const char *table, const char *name);
/* Rows of `sql` with ?1 the scratch database, ?2 the live one, ?3 `table`. */
int ecl__adopt_query(my_result *res, ecl__adoption *a, const char *sql, const char *table,
                     const char *what);
/* Whether `table` of database `schema` has `column`; with `type`, that
 * column's DATA_TYPE (32 bytes). ecl__adopt_live_column() asks the live one. */
int ecl__adopt_has_column(ecl__adoption *a, const char *schema, const char *table,
                          const char *column, char type[32], int *has);
int ecl__adopt_live_column(ecl__adoption *a, const char *table, const char *column,
                           char type[32], int *has);
/* Whether the live database has a base table `table`. */
int ecl__adopt_live_table(ecl__adoption *a, const char *table, int *has);

/* A table of ours created as built (less foreign keys into adopted tables). */
int ecl__adopt_create_ours(ecl__adoption *a, const char *table);
/* The library's columns an adopted table lacks, added; those it has,
 * widened. `ours_is_view`: ours is a view (meter_readings), whose columns
 * are added nullable. Dates the library requires are added NULL and made
 * NOT NULL by ecl__adopt_finish_columns(), after the table's backfill. */
int ecl__adopt_columns(ecl__adoption *a, const char *table, int ours_is_view);
int ecl__adopt_finish_columns(ecl__adoption *a);
/* The library's keys an adopted table lacks, by their columns. */
int ecl__adopt_keys(ecl__adoption *a, const char *table);

/* ---- the application's own needs (mysql_adopt_host.c) ---------------------- */

/* The stored functions converting London clock time (no time-zone tables). */
int ecl__adopt_london_functions(ecl__adoption *a);
/* One of the application's tables adopted whole: columns, backfill, keys,
 * and the triggers keeping its own columns. */
int ecl__adopt_app_table(ecl__adoption *a, const char *table);
/* meter_readings adopted; then its readings copied into ours and mirrored. */
int ecl__adopt_readings(ecl__adoption *a);
int ecl__adopt_mirror_readings(ecl__adoption *a);
/* The audit_logs row of each import, when the application has the table. */
int ecl__adopt_audit_imports(ecl__adoption *a);

#endif
