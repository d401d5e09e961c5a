/* The state of one import, shared by the files that make up ingestion:
 * ingest.c (the driver and batches), ingest_rows.c (a row to readings) and
 * ingest_summary.c (the summary JSON). */
#ifndef ECL_INGEST_INTERNAL_H
#define ECL_INGEST_INTERNAL_H

#include <jansson.h>

#include "csv.h"
#include "eclectyc/ingest.h"
#include "eclectyc/sys/backend.h"
#include "ingest_columns.h"
#include "meter_cache.h"
#include "parse.h"
#include "store_internal.h"

#define ECL_SUMMARY_ERRORS_MAX 50

/* An import run for a queued job: batches commit the job's progress. */
typedef struct ecl_ingest_job {
	const char *batch_id;
	const char *worker_id;
	int64_t resume_rows;      /* data rows already committed (the checkpoint) */
	int64_t resume_imported;  /* the job's counters at that checkpoint */
	int64_t resume_failed;
	int64_t total_rows;       /* -1 while unknown */
} ecl_ingest_job;

/* Outcome of converting one row. */
enum { ROW_OK = 0, ROW_FAILED = 1 };

typedef struct ecl_ingest {
	ecl_store *store;
	const ecl_ingest_options *opts;
	const ecl_ingest_job *job;    /* NULL for a direct import */
	ecl_ingest_report *report;
	ecl_csv *csv;
	ecl_columns columns;
	ecl_meter_cache meters;
	int64_t total_rows;           /* data rows in the file, -1 while unknown */
	const ecl_csv_record *record; /* the row being converted */
	ecl_meter_entry *row_meter;   /* its meter, once resolved */
	int64_t row_negatives;        /* negative values it holds (counted if it is kept) */
	int64_t row;                  /* its 1-based data row number */

	/* The batch being built; `*_mark` is where the current row began. */
	ecl_batch_meter *batch_meters;
	ecl_meter_entry **batch_entries;   /* the cache entry of each batch meter */
	size_t meter_count, meter_cap, entry_cap, meter_mark;
	ecl_interval_reading *intervals;
	size_t interval_count, interval_cap, interval_mark;
	ecl_daily_reading *dailies;
	size_t daily_count, daily_cap, daily_mark;
	unsigned epoch;               /* changes with every batch */

	int64_t unit_counts[3];       /* kwh, wh, mwh */
	int file_fault;               /* the failure lies in the file itself: retrying cannot help */
	int record_error;             /* the last read of a record failed */
	json_t *errors;               /* "Row N: message", the first 50 */
	json_t *error_details;        /* {row, line, message}, the first 50 */
} ecl_ingest;

/* Convert the current record into readings appended to the batch. ROW_OK,
 * ROW_FAILED (the message is in ecl_error_last()), or a negative code that
 * stops the import. */
int ecl__ingest_row(ecl_ingest *g);

/* Build report->summary. 0 or ECL_ENOMEM. */
int ecl__ingest_summary(ecl_ingest *g);

/* Run an import (direct when `job` is NULL). On failure `*file_fault` says
 * whether the file itself is at fault (permanent) rather than the storage. */
int ecl__ingest_run(ecl_ingest_report **out, ecl_store *store, const char *path,
                    const ecl_ingest_options *opts, const ecl_ingest_job *job, int *file_fault);

/* The number of data records of a file (header excluded), for progress. */
int ecl__ingest_count_rows(int64_t *rows, const char *path);

#endif
