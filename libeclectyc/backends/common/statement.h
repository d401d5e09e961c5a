/*
 * Statements written once for every SQL driver (the data feeds' store,
 * feed_store.c). A parameter is written ?1 … ?n with a kind of
 * job_columns.h, which fixes how the driver spells it (its job dialect's
 * `param` formats: PostgreSQL's casts and to_timestamp()) and binds it
 * (the dialect's `bind`); the driver runs the statement through its
 * `statement` hook (driver.h) and hands each row to a callback through its
 * job-row cells. What only one engine can say stays in its driver folder.
 */
#ifndef ECL_BACKENDS_COMMON_STATEMENT_H
#define ECL_BACKENDS_COMMON_STATEMENT_H

#include "eclectyc/buffer.h"
#include "backends/common/job_columns.h"

/* One parameter: its kind and value (text kinds bind value.text, NULL for
 * NULL; the others value.number, or NULL when value.null). */
typedef struct ecl__sql_param {
	ecl__job_kind kind;
	ecl__job_value value;
} ecl__sql_param;

ecl__sql_param ecl__sql_text(const char *text);      /* NULL binds NULL */
ecl__sql_param ecl__sql_int64(int64_t v);
ecl__sql_param ecl__sql_int(int v);
ecl__sql_param ecl__sql_bool(int v);
ecl__sql_param ecl__sql_time(int64_t t);             /* ECL_TIME_NONE binds NULL */

/* Called for each row a statement returns; nonzero stops with that code. */
typedef int (*ecl__sql_row_fn)(const ecl__job_row *row, void *ctx);

typedef struct ecl__sql_call {
	const char *sql;                /* written with ?N; spelt by ecl__sql_run() */
	const ecl__sql_param *params;   /* params[N - 1] is ?N */
	int count;
	ecl__sql_row_fn row;            /* NULL: rows are not read */
	void *ctx;
	int64_t changed;                /* out: the rows the statement changed (matched, on MySQL) */
	int64_t inserted_id;            /* out: the id an INSERT gave, where the driver knows it
	                                   without RETURNING (MySQL); else 0 */
} ecl__sql_call;

/* `sql` with each ?N outside quotes spelt as `d` spells a parameter of
 * params[N - 1]'s kind, into `out` (replaced). 0, ECL_EINVALID for a ?N
 * past `count`, ECL_ENOMEM. */
int ecl__sql_spell(ecl_buf *out, const ecl__job_dialect *d, const char *sql,
                   const ecl__sql_param *params, int count);

/* Spell call->sql for the driver of `conn` and run it through the driver's
 * `statement` hook (in the caller's transaction, if any). A unique-key
 * violation is ECL_EEXISTS; `doing` names the statement in errors. */
int ecl__sql_run(ecl_backend_conn *conn, ecl__sql_call *call, const char *doing);

#endif
