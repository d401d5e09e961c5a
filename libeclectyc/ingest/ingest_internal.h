/* The state of one import, shared by the files that make up ingestion:
 * ingest.c (the driver and batches), ingest_rows.c (a row to readings) and
 * ingest_summary.c (the summary JSON). */
#ifndef ECL_INGEST_INTERNAL_H
#define ECL_INGEST_INTERNAL_H

#include <jansson.h>

#include "ingest/csv.h"
#include "ingest/input.h"
#include "ingest/detect.h"
#include "eclectyc/ingest.h"
#include "eclectyc/sys/backend.h"
#include "ingest/ingest_columns.h"
#include "ingest/meter_cache.h"
#include "ingest/parse.h"
#include "store/store_internal.h"

#define ECL_SUMMARY_ERRORS_MAX 50

/* An import run for a queued job: batches commit the job's progress. */
typedef struct ecl_ingest_job {
	const char *batch_id;
	const char *worker_id;
	int64_t resume_rows;      /* data rows already committed (the checkpoint) */
	int64_t resume_imported;  /* the job's counters at that checkpoint */
	int64_t resume_failed;
	int64_t total_rows;       /* -1 while unknown */
	/* The file as the worker found it before the first row (the descriptor
	 * it opened then stays open): a change from it stops the import. */
	int fd;
	const ecl_file_identity *identity;
	/* When not NULL, receives the summary as a JSON object (the caller's)
	 * instead of report->summary text: the worker adds the re-aggregation
	 * to it and writes the text once. */
	json_t **summary;
} ecl_ingest_job;

/* A preview (ecl_ingest_detect): the first readings, and how the file was
 * read, for a dry run that stops once it has them. */
typedef struct ecl_ingest_capture {
	json_t *readings;             /* [{meter, start_utc, settlement_date, period, kwh, estimated}] */
	size_t max;
	char reason[512];             /* why this profile */
	char delimiter;
	int64_t header_line;          /* 0 when the file has no header */
} ecl_ingest_capture;

/* Outcome of converting one row. */
enum {
	ROW_OK = 0,
	ROW_FAILED = 1,
	ROW_SKIPPED = 2,   /* left out on purpose (another quantity, skip_rows) */
	ROW_NONE = 3       /* a flow record that only sets context (a header, a meter, a date) */
};

typedef struct ecl_ingest {
	ecl_store *store;
	const ecl_ingest_options *opts;
	const ecl_ingest_job *job;    /* NULL for a direct import */
	ecl_ingest_report *report;
	ecl_csv *csv;
	ecl_columns columns;
	ecl_detection detection;      /* the profiles loaded and the one chosen */
	const ecl_profile *profile;   /* the layout in use (in `detection`) */
	const char *given_meter;      /* the one meter of the file, or NULL */
	int64_t header_ordinal;       /* the header's record number, 0 with no header */
	int64_t header_line;          /* the file line it is on */
	int clock;                    /* -1 the profile's, 0 London, 1 UTC */
	void *flow;                   /* an industry-flow reader's state (ingest_flows.c) */
	ecl_ingest_capture *capture;  /* a preview's, or NULL */
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
	/* The file as it was before the first row: the job's, or taken here
	 * (own_fd) for a direct import. Checked before every batch is written. */
	const char *path;
	const ecl_file_identity *identity;
	ecl_file_identity own_identity;
	int file_fd;
	int own_fd;
	json_t *errors;               /* "Row N: message", the first 50 */
	json_t *error_details;        /* {row, line, message}, the first 50 */
} ecl_ingest;

/* Convert the current record into readings appended to the batch. ROW_OK,
 * ROW_FAILED (the message is in ecl_error_last()), or a negative code that
 * stops the import. */
int ecl__ingest_row(ecl_ingest *g);

/* The meter entry for an identifier cell (asking the store once per file):
 * ROW_OK with *out set, ROW_FAILED, or a negative code that stops the import. */
int ecl__ingest_meter(ecl_ingest *g, const char *raw, ecl_meter_entry **out);

/* Append one half-hour reading at its UTC start to the batch. */
int ecl__ingest_add_reading(ecl_ingest *g, ecl_meter_entry *meter, int64_t utc, double kwh, int estimated);

/* An industry-flow record (ingest_flows.c): like ecl__ingest_row(). */
int ecl__ingest_flow_row(ecl_ingest *g);

/* Release a flow reader's state. */
void ecl__ingest_flow_free(ecl_ingest *g);

/* The detection request an import's options make. */
void ecl__ingest_detect_request(ecl_detect_request *req, const char *path, const ecl_ingest_options *o);

/* Build report->summary (or the job's summary object). 0 or ECL_ENOMEM. */
int ecl__ingest_summary(ecl_ingest *g);

/* Run an import (direct when `job` is NULL). On failure `*file_fault` says
 * whether the file itself is at fault (permanent) rather than the storage. */
int ecl__ingest_run(ecl_ingest_report **out, ecl_store *store, const char *path,
                    const ecl_ingest_options *opts, const ecl_ingest_job *job, int *file_fault);

/* A dry run that fills `capture` and stops once it holds capture->max
 * readings; the report is built as for a whole import. */
int ecl__ingest_preview(ecl_ingest_report **out, ecl_store *store, const char *path,
                        const ecl_ingest_options *opts, ecl_ingest_capture *capture);

/* The number of data records of a file (header excluded), for progress. */
int ecl__ingest_count_rows(int64_t *rows, const char *path, const ecl_ingest_options *opts);

#endif
