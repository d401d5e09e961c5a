/* Which column holds what: header normalisation, the reference's alias
 * table (reference-behaviour.md §2.4) and the choice of format (§2.5). */
#ifndef ECL_INGEST_COLUMNS_H
#define ECL_INGEST_COLUMNS_H

#include "csv.h"
#include "eclectyc/job.h"

#define ECL_MAX_PERIODS 50

typedef enum ecl_ingest_format {
	ECL_FORMAT_HH_MATRIX = 0,   /* "wide": a row per meter and day, HH01..HH50 */
	ECL_FORMAT_HH_INTERVAL = 1, /* "long": a row per meter and half hour */
	ECL_FORMAT_DAILY = 2        /* a row per meter and day, one total */
} ecl_ingest_format;

/* Column indexes into a record; -1 where the file has none. */
typedef struct ecl_columns {
	ecl_ingest_format format;
	int mpan, date, time, datetime, value, unit, reading_type;
	int hh[ECL_MAX_PERIODS + 1];  /* hh[n]: the column of period n, 1..50 */
	int hh_count;
	char **names;                 /* the original header texts, for the summary */
	int name_count;
} ecl_columns;

/*
 * Map a header record. Fails with ECL_EINVALID, as a whole-file (permanent)
 * error, when the columns the import type needs are missing or a period
 * column appears twice; the message names what is missing and lists the
 * headers found.
 */
int ecl__columns_map(ecl_columns *out, const ecl_csv_record *header, ecl_import_type type);

/* "hh-matrix", "hh-interval" or "daily". */
const char *ecl__format_name(ecl_ingest_format format);

void ecl__columns_dispose(ecl_columns *columns);

#endif
