/*
 * The data feeds' tables as data (migration 9; include/eclectyc/source.h):
 * one row per column says how it is read into a record, selected and
 * inserted, for every backend, as job_columns.h does for import_jobs.
 * feed_store.c builds its statements from these.
 */
#ifndef ECL_BACKENDS_COMMON_FEED_ROWS_H
#define ECL_BACKENDS_COMMON_FEED_ROWS_H

#include "eclectyc/buffer.h"
#include "backends/common/statement.h"

typedef struct ecl__feed_column {
	const char *name;
	ecl__job_kind kind;          /* INT64, INT, BOOL, INSTANT, TEXT, JSON or ENUM */
	const ecl__job_enum *type;   /* ENUM: its names */
	size_t offset;               /* of the member in the record */
	size_t array;                /* TEXT kept in a char array of this size, "" for NULL;
	                                0: a char * (NULL for NULL) */
	int nullable;                /* numbers: NULL stands for `none` both ways */
	int64_t none;
} ecl__feed_column;

typedef struct ecl__feed_table {
	const char *name;            /* the table */
	const ecl__feed_column *columns;   /* columns[0] is the id, which inserts never set */
	size_t count;
	size_t record_size;
	void (*clear)(void *record); /* frees what a record owns and zeroes it */
} ecl__feed_table;

extern const ecl__feed_table ecl__feed_sources;   /* ecl_source */
extern const ecl__feed_table ecl__feed_files;     /* ecl_source_file, less job_status */
extern const ecl__feed_table ecl__feed_polls;     /* ecl_source_poll */

/* Append the columns of `t`, each prefixed by `alias` ("f." or ""): as
 * `d` selects them (instants as Unix seconds, flags as 0/1), or, when `d`
 * is NULL, bare and without the id (an INSERT's list). */
int ecl__feed_columns(ecl_buf *out, const ecl__feed_table *t, const ecl__job_dialect *d,
                      const char *alias);

/* Append "?1, ?2, …" for the columns an INSERT sets (all but the id). */
int ecl__feed_placeholders(ecl_buf *out, const ecl__feed_table *t);

/* The values of `record` for those placeholders: t->count - 1 of them,
 * texts borrowed from the record. */
void ecl__feed_values(const ecl__feed_table *t, const void *record, ecl__sql_param *out);

/* Read a row selected with ecl__feed_columns() into `record`, from column
 * 0 (the strings newly allocated). On failure (ECL_ESCHEMA naming the
 * value, ECL_ENOMEM) the record is cleared. */
int ecl__feed_read(const ecl__feed_table *t, void *record, const ecl__job_row *row);

/* Append a new record to an array of `t`'s records (`*items`, `*count`,
 * `*capacity` of them allocated), read from `row`; nothing is appended on
 * failure. */
int ecl__feed_append(const ecl__feed_table *t, void **items, size_t *count, size_t *capacity,
                     const ecl__job_row *row);

/* Room for one more of `count` items of `size` bytes (`*capacity`
 * allocated): 0, or ECL_ENOMEM naming `what`. */
int ecl__feed_reserve(void **items, size_t count, size_t *capacity, size_t size, const char *what);

/* Clear and drop the records of an array after the first `keep`. */
void ecl__feed_truncate(const ecl__feed_table *t, void *items, size_t *count, size_t keep);

#endif
