/*
 * Running the data feeds' statements (feed_store.c, feed_files_store.c):
 * reads through the driver's read runner, rows into records of the tables
 * of feed_rows.h, and inserts that give back their row's id.
 */
#ifndef ECL_BACKENDS_COMMON_FEED_QUERY_H
#define ECL_BACKENDS_COMMON_FEED_QUERY_H

#include "backends/common/driver.h"
#include "backends/common/feed_rows.h"

/* Run reading `work` through the driver's read runner (retried on
 * contention), or as it is when the driver has none. */
int ecl__feed_read_run(ecl_backend_conn *conn, ecl__backend_work work, void *ctx,
                       const char *doing);

/* Records of one table read into a growing array. */
typedef struct ecl__feed_rows {
	const ecl__feed_table *table;
	void **items;
	size_t *count;
	size_t capacity;
	/* Called with each record read and its row: reads what `extra`
	 * selected after the table's columns, from column `col`. May be NULL. */
	int (*extra)(void *record, const ecl__job_row *row, int col);
} ecl__feed_rows;

/*
 * Append to `rows` every row of "SELECT <the table's columns, each
 * prefixed by alias><extra> <rest>" with `params` (?1 … in `rest`). A
 * retried read starts clean: the array is emptied first, and again on
 * failure.
 */
int ecl__feed_select(ecl_backend_conn *conn, ecl__feed_rows *rows, const char *alias,
                     const char *extra, const char *rest, const ecl__sql_param *params,
                     int count, const char *doing);

/* The first row of such a select into `record` (*found = 1), or nothing
 * (*found = 0): `record` is overwritten (zeroed) either way, never freed. */
int ecl__feed_select_one(ecl_backend_conn *conn, const ecl__feed_table *t, void *record,
                         int *found, const char *rest, const ecl__sql_param *params, int count,
                         const char *doing);

/* Insert `record` into its table, every column but the id: "VALUES (…)",
 * or with `from` ("FROM … WHERE …", naming ?1 … as the values do) "SELECT
 * … <from>", which may insert nothing. `*id` = the new row's id, 0 when
 * none was inserted. A unique-key violation is ECL_EEXISTS. */
int ecl__feed_insert(ecl_backend_conn *conn, const ecl__feed_table *t, const void *record,
                     const char *from, int64_t *id, const char *doing);

/* A size_t limit as a statement's 64-bit parameter. */
ecl__sql_param ecl__feed_limit(size_t limit);

#endif
