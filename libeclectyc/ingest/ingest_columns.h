/* Which column holds what: a profile (ingest/profile.h) applied to a header
 * record, or to a file with no header, gives the columns of every field and
 * the half hour each period column stands for. The generic reader is the
 * profile with layout ECL_LAYOUT_AUTO: the reference's alias table
 * (docs/compatibility.md, "Column aliases") extended, which chooses the
 * format ("Date formats"). */
#ifndef ECL_INGEST_COLUMNS_H
#define ECL_INGEST_COLUMNS_H

#include "ingest/csv.h"
#include "eclectyc/job.h"
#include "ingest/profile.h"

#define ECL_MAX_PERIODS 50
#define ECL_MAX_METER_COLUMNS 16

typedef enum ecl_ingest_format {
	ECL_FORMAT_HH_MATRIX = 0,   /* "wide": a row per meter and day, periods across */
	ECL_FORMAT_HH_INTERVAL = 1, /* "long": a row per meter and half hour */
	ECL_FORMAT_DAILY = 2,       /* a row per meter and day, one total */
	ECL_FORMAT_HH_PERIOD = 3,   /* a row per meter and half hour: date + period number */
	ECL_FORMAT_FLOW = 4         /* an industry flow (D0036, D0275, DF2) */
} ecl_ingest_format;

/* A period column of a wide row. */
typedef struct ecl_period_column {
	int column;        /* in the record */
	int flag_column;   /* its own actual/estimated flag, or -1 */
	int number;        /* numbered columns: 1..50 */
	int minutes;       /* clock columns: the label, minutes after midnight (start or end
	                    * of the half hour, by the stamps in force) */
	int fold;          /* clock columns, London: 1 for the second 01:00 and 01:30 labels */
} ecl_period_column;

/* Column indexes into a record; -1 where the file has none. */
typedef struct ecl_columns {
	const ecl_profile *profile;
	ecl_ingest_format format;
	int meters[ECL_MAX_METER_COLUMNS];  /* preference order */
	int meter_count;
	int mpan;                     /* the first meter column found, for the summary */
	int date, time, datetime, value, unit, reading_type, period;
	ecl_period_column *periods;   /* wide: in column order */
	int period_count;
	int clock_names;              /* wide: the columns are clock labels */
	int stamps_end, clock_utc;    /* in force for this file */
	int *filter_columns;          /* per profile filter; -1 when absent */
	char **names;                 /* the original header texts, for the summary */
	int name_count;
} ecl_columns;

/*
 * Map a header record (NULL for a profile with no header) through `profile`.
 * `clock` (1 UTC, 0 London) overrides the profile's clock when >= 0;
 * `meter_given`: the caller names the meter, so no meter column is needed. Fails with ECL_EINVALID, as a whole-file (permanent) error, when the
 * columns the layout needs are missing or a period column appears twice;
 * the message names what is missing and lists the headers found. The
 * profile must outlive the mapping.
 */
int ecl__columns_map(ecl_columns *out, const ecl_csv_record *header, const ecl_profile *profile,
                     ecl_import_type type, int clock, int meter_given);

/* "hh-matrix", "hh-interval", "hh-period", "daily", or the flow's name. */
const char *ecl__format_name(ecl_ingest_format format);

void ecl__columns_dispose(ecl_columns *columns);

#endif
