/*
 * The import driver: stream the file, convert rows, and write readings in
 * batches. Each batch is one transaction which, for a job, also commits the
 * job's checkpoint and counters, so a retried or resumed job starts after
 * the last committed row and never writes a reading twice. A dry run reads
 * (meters) but writes nothing at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ingest/detect.h"
#include "ingest/ingest_internal.h"
#include "queue/job_internal.h"
#include "queue/job_types.h"
#include "util/json_util.h"
#include "util/options.h"
#include "util/uuid_internal.h"

static const ecl_ingest_options default_options = ECL_INGEST_OPTIONS_INIT;

int ecl_ingest_options_init(ecl_ingest_options *opts, unsigned int version)
{
	return ecl__options_init(opts, &default_options, sizeof(*opts), version, ECL_INGEST_OPTIONS_VERSION,
		"ecl_ingest_options");
}

void ecl_ingest_report_free(ecl_ingest_report *report)
{
	if (report == NULL)
		return;
	free(report->summary);
	free(report);
}

static int check_options(const ecl_ingest_options *o)
{
	if (ecl__options_check_version(o->version, ECL_INGEST_OPTIONS_VERSION, "ecl_ingest_options") != 0)
		return ecl_error_last_code();
	if (ecl_import_type_name(o->import_type) == NULL)
		return ecl_error_set(ECL_EINVALID, "unknown import type %d (expected hh or daily)",
			(int)o->import_type);
	if (!ecl__import_type_builtin(o->import_type))
		return ecl_error_set(ECL_EINVALID, "import type %s is not a file of readings: its jobs"
			" run the host's handler (ecl_store_set_job_handler)",
			ecl_import_type_name(o->import_type));
	if ((unsigned)o->unknown_meters > ECL_UNKNOWN_METER_REJECT_FILE)
		return ecl_error_set(ECL_EINVALID, "unknown unknown-meter policy %d", (int)o->unknown_meters);
	if ((unsigned)o->negatives > ECL_NEGATIVE_REJECT)
		return ecl_error_set(ECL_EINVALID, "unknown negative-value policy %d", (int)o->negatives);
	if (o->batch_size < 1 || o->batch_size > ECL_INGEST_BATCH_SIZE_MAX)
		return ecl_error_set(ECL_EINVALID, "batch_size must be 1..%d, got %d",
			ECL_INGEST_BATCH_SIZE_MAX, o->batch_size);
	if (o->batch_id != NULL && strlen(o->batch_id) >= ECL_BATCH_ID_SIZE)
		return ecl_error_set(ECL_EINVALID, "batch id \"%.40s…\" is too long", o->batch_id);
	if ((unsigned)o->clock > ECL_CLOCK_UTC)
		return ecl_error_set(ECL_EINVALID, "unknown clock %d (expected profile, london or utc)",
			(int)o->clock);
	if (o->profile != NULL && *o->profile == '\0')
		return ecl_error_set(ECL_EINVALID, "the profile name is empty");
	if (o->meter != NULL && *o->meter == '\0')
		return ecl_error_set(ECL_EINVALID, "the meter given is empty");
	return 0;
}

/* ---- row errors ----------------------------------------------------------- */

static int note_row_error(ecl_ingest *g)
{
	const char *message = ecl_error_last();
	char text[640];
	int rc = 0;

	g->report->error_count++;
	if (json_array_size(g->errors) < ECL_SUMMARY_ERRORS_MAX) {
		/* A message may quote a cell that is not UTF-8 (and the cut below
		 * may split a character): sanitised, or the pack would fail. */
		json_t *detail = json_pack("{s:I, s:I, s:o}", "row", (json_int_t)g->row,
			"line", (json_int_t)g->record->line, "message", ecl__json_text(message));

		snprintf(text, sizeof(text), "Row %lld: %s", (long long)g->row, message);
		if (detail == NULL || json_array_append_new(g->error_details, detail) != 0
		    || json_array_append_new(g->errors, ecl__json_text(text)) != 0)
			rc = ecl_error_set(ECL_ENOMEM, "out of memory recording row errors");
	}
	return rc;
}

/* Drop what a failed row had appended to the batch. */
static void drop_row(ecl_ingest *g)
{
	size_t i;

	for (i = g->meter_mark; i < g->meter_count; i++)
		g->batch_entries[i]->batch_epoch = 0;
	g->meter_count = g->meter_mark;
	g->interval_count = g->interval_mark;
	g->daily_count = g->daily_mark;
}

/* ---- batches -------------------------------------------------------------- */

static void copy_meter_ids(ecl_ingest *g)
{
	size_t i;

	for (i = 0; i < g->meter_count; i++)
		g->batch_entries[i]->id = g->batch_meters[i].id;
}

/* The job's progress, committed with the batch that reaches it. */
static void job_progress(const ecl_ingest *g, ecl_job_update *u)
{
	const ecl_ingest_report *r = g->report;
	ecl_job_counts c;

	c.total_rows = g->total_rows;
	c.processed_rows = r->records_processed;
	c.imported_rows = r->records_imported;
	c.failed_rows = r->records_failed;
	c.checkpoint = g->row;
	ecl__job_progress_update(u, g->job->batch_id, g->job->worker_id, &c, ecl_store_now(g->store));
}

static int write_batch(ecl_ingest *g)
{
	ecl_reading_batch b;
	ecl_write_counts counts = { 0, 0, 0, 0 };
	ecl_job_update u;
	ecl_job_found found;
	int rc;

	memset(&b, 0, sizeof(b));
	b.batch_id = g->report->batch_id;
	b.now = ecl_store_now(g->store);
	b.overwrite_actual = g->opts->overwrite_actual;
	b.meters = g->batch_meters;
	b.meter_count = g->meter_count;
	b.intervals = g->intervals;
	b.interval_count = g->interval_count;
	b.dailies = g->dailies;
	b.daily_count = g->daily_count;
	if (g->job != NULL)
		job_progress(g, &u);
	memset(&found, 0, sizeof(found));
	rc = ECL__BACKEND(g->store, readings_write, &b, g->job ? &u : NULL, &found, &counts);
	if (rc == ECL_ESTATE)
		rc = ecl_error_set(ECL_ESTATE, "job %s is now %s (held by \"%s\"): import stopped, "
			"its last batch not written", g->job->batch_id,
			ecl_job_status_name(found.status) ? ecl_job_status_name(found.status) : "unknown",
			found.worker_id);
	if (rc == 0) {
		copy_meter_ids(g);
		g->report->inserted += counts.inserted;
		g->report->updated += counts.updated;
		g->report->unchanged += counts.unchanged;
		g->report->meters_created += counts.meters_created;
	}
	return rc;
}

/* A preview keeps the first readings as they would be stored. */
#define PREVIEW_FULL 1

static int capture_batch(ecl_ingest *g)
{
	ecl_ingest_capture *c = g->capture;
	size_t i;

	for (i = 0; i < g->interval_count && json_array_size(c->readings) < c->max; i++) {
		const ecl_interval_reading *r = &g->intervals[i];
		char start[32];
		time_t t = (time_t)r->period_start;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(start, sizeof(start), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (json_array_append_new(c->readings, json_pack("{s:s, s:s, s:s, s:i, s:f, s:b}",
		        "meter", g->batch_meters[r->meter].mpan, "start_utc", start,
		        "settlement_date", r->reading_date, "period", r->period_number, "kwh", r->value,
		        "estimated", r->estimated)) != 0)
			return ecl_error_set(ECL_ENOMEM, "out of memory previewing readings");
	}
	for (i = 0; i < g->daily_count && json_array_size(c->readings) < c->max; i++) {
		const ecl_daily_reading *r = &g->dailies[i];

		if (json_array_append_new(c->readings, json_pack("{s:s, s:s, s:f, s:b}",
		        "meter", g->batch_meters[r->meter].mpan, "date", r->reading_date, "kwh", r->value,
		        "estimated", r->estimated)) != 0)
			return ecl_error_set(ECL_ENOMEM, "out of memory previewing readings");
	}
	return json_array_size(c->readings) >= c->max ? PREVIEW_FULL : 0;
}

/* Commit the batch (unless dry run), then report progress. */
static int flush(ecl_ingest *g)
{
	int rc = 0;

	/* Rows read from a file that changed since the import began may be cut
	 * or belong to another version: none of this batch is written. */
	if (g->capture == NULL && g->identity != NULL)
		rc = ecl__file_unchanged(g->file_fd, g->path, g->identity);
	if (rc != 0)
		return rc;
	if (g->capture != NULL)
		rc = capture_batch(g);
	else if (!g->opts->dry_run)
		rc = write_batch(g);
	g->meter_count = g->interval_count = g->daily_count = 0;
	g->epoch++;
	if (rc == 0 && g->opts->progress != NULL
	    && g->opts->progress(g->report->records_processed, g->total_rows,
	                         g->report->records_imported, g->report->records_failed,
	                         g->opts->progress_payload) != 0)
		rc = ecl_error_set(ECL_ECANCELLED, "import of batch %s stopped by the progress callback "
			"after row %lld", g->report->batch_id, (long long)g->row);
	return rc;
}

/* ---- the file --------------------------------------------------------------- */

/* The request detection needs, from the options. */
void ecl__ingest_detect_request(ecl_detect_request *req, const char *path, const ecl_ingest_options *o)
{
	memset(req, 0, sizeof(*req));
	req->path = path;
	req->type = o->import_type;
	req->profile = o->profile;
	req->profile_dir = o->profile_dir;
	req->clock = o->clock == ECL_CLOCK_PROFILE ? -1 : o->clock == ECL_CLOCK_UTC;
	req->meter_given = o->meter != NULL;
}

/* Skip to the header the detection found, and map it (a file with no
 * header maps by position and its first record is data). */
static int read_header(ecl_ingest *g)
{
	const ecl_csv_record *header = NULL;
	int rc = 0;

	while (rc == 0 && g->header_ordinal > 0 && (header == NULL || header->ordinal < g->header_ordinal)) {
		rc = ecl__csv_next(g->csv, &header);
		if (rc == 0)
			rc = ecl_error_set(ECL_EINVALID, "CSV file must include a header row (the file is empty)");
		else if (rc == 1)
			rc = 0;
	}
	if (rc == 0 && header != NULL)
		g->header_line = header->line;
	if (rc == 0)
		rc = ecl__columns_map(&g->columns, g->header_ordinal > 0 ? header : NULL, g->profile,
			g->opts->import_type, g->clock, g->given_meter != NULL);
	/* The generic reader's stamps mark interval ends when the caller says so. */
	if (rc == 0 && g->profile->layout == ECL_LAYOUT_AUTO && g->columns.format == ECL_FORMAT_HH_INTERVAL)
		g->columns.stamps_end = g->opts->interval_end != 0;
	if (rc == 0)
		snprintf(g->report->format, sizeof(g->report->format), "%s", ecl__format_name(g->columns.format));
	return rc;
}

/* A dry run reports the meters a real import would create: those new ones
 * that at least one accepted row needs (a real run creates no other). */
static void count_dry_run_meter(ecl_ingest *g)
{
	ecl_meter_entry *m = g->row_meter;

	if (g->opts->dry_run && m != NULL && m->id == 0 && !m->dry_counted) {
		m->dry_counted = 1;
		g->report->meters_created++;
	}
}

static int next_record(ecl_ingest *g)
{
	int rc = ecl__csv_next(g->csv, &g->record);

	g->record_error = rc < 0;
	return rc;
}

static int process_record(ecl_ingest *g)
{
	ecl_ingest_report *r = g->report;
	size_t values_before = g->interval_count + g->daily_count;
	int rc;

	g->row++;
	if (g->job != NULL && g->row <= g->job->resume_rows)
		return 0;  /* committed by an earlier attempt; its counts were restored */
	g->meter_mark = g->meter_count;
	g->interval_mark = g->interval_count;
	g->daily_mark = g->daily_count;
	g->row_meter = NULL;
	g->row_negatives = 0;
	rc = ecl__ingest_row(g);
	if (rc == ROW_SKIPPED)
		r->records_skipped++;
	if (rc == ROW_SKIPPED || rc == ROW_NONE)
		return 0;
	r->records_processed++;
	if (rc == ROW_OK) {
		r->records_imported++;
		r->values_processed += (int64_t)(g->interval_count + g->daily_count - values_before);
		r->negative_values += g->row_negatives;
		count_dry_run_meter(g);
	} else if (rc == ROW_FAILED) {
		drop_row(g);
		r->records_failed++;
		rc = note_row_error(g);
	}
	if (rc == 0 && g->interval_count + g->daily_count >= (size_t)g->opts->batch_size)
		rc = flush(g);
	return rc;
}

/* Which profile reads the file, and where its header is. */
static int detect(ecl_ingest *g, const char *path)
{
	ecl_detect_request req;
	int rc;

	ecl__ingest_detect_request(&req, path, g->opts);
	rc = ecl__detect(&g->detection, &req);
	if (rc == 0) {
		g->profile = g->detection.profile;
		g->header_ordinal = g->detection.header_ordinal;
		g->clock = req.clock;
		g->given_meter = req.meter_given ? g->opts->meter : NULL;
		snprintf(g->report->profile, sizeof(g->report->profile), "%s", g->profile->name);
	}
	return rc;
}

static int process_file(ecl_ingest *g, const char *path)
{
	ecl_csv_options csv_opts = ECL_CSV_OPTIONS_INIT;
	int rc = detect(g, path);

	csv_opts.delimiter = g->detection.delimiter;
	if (rc == 0)
		rc = ecl__csv_open_file(&g->csv, path, &csv_opts);
	if (rc == 0)
		rc = read_header(g);
	g->file_fault = rc != 0;
	while (rc == 0 && (rc = next_record(g)) == 1)
		rc = process_record(g);
	/* A malformed record is the file's fault too. */
	if (rc < 0 && g->record_error)
		g->file_fault = 1;
	/* Every byte the file had, and no more: a file cut short or grown at
	 * the end changed meanwhile, even if its times say otherwise. */
	if (rc == 0 && g->capture == NULL && g->identity != NULL
	    && ecl__csv_bytes_read(g->csv) != g->identity->size)
		rc = ecl_error_set(ECL_EIO, "\"%s\" changed during the import: %llu bytes read of the %llu "
			"it had; nothing read after the change is kept", path,
			(unsigned long long)ecl__csv_bytes_read(g->csv), (unsigned long long)g->identity->size);
	/* The last batch also commits the final counters and checkpoint. */
	if (rc == 0)
		rc = flush(g);
	/* A file cut or rewritten under the import can also show as a malformed
	 * record or header: the change is the cause, and the next attempt may
	 * find the file whole, so it is no fault of the file's. */
	if (rc < 0 && rc != ECL_ECANCELLED && rc != ECL_ESTATE && g->identity != NULL
	    && ecl__file_unchanged(g->file_fd, g->path, g->identity) != 0) {
		rc = ECL_EIO;
		g->file_fault = 0;
	}
	return rc;
}

/* The file's identity before the first row: the worker's (it also holds
 * the SHA-256), or taken now for a direct import or a preview. Refuses,
 * without blocking, anything that is not a regular file. */
static int take_identity(ecl_ingest *g, const char *path)
{
	int rc = 0;

	g->path = path;
	if (g->job != NULL && g->job->identity != NULL) {
		g->identity = g->job->identity;
		g->file_fd = g->job->fd;
		return 0;
	}
	rc = ecl__file_identify(&g->file_fd, &g->own_identity, path, 0);
	if (rc == 0) {
		g->own_fd = 1;
		g->identity = &g->own_identity;
	}
	g->file_fault = rc == ECL_EINVALID;
	return rc;
}

static int start(ecl_ingest *g, ecl_store *store, const ecl_ingest_options *opts,
                 const ecl_ingest_job *job)
{
	const char *batch_id = job ? job->batch_id : opts->batch_id;

	memset(g, 0, sizeof(*g));
	g->store = store;
	g->opts = opts;
	g->job = job;
	g->epoch = 1;
	g->file_fd = -1;
	g->report = calloc(1, sizeof(*g->report));
	g->errors = json_array();
	g->error_details = json_array();
	if (g->report == NULL || g->errors == NULL || g->error_details == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory starting an import");
	g->report->dry_run = opts->dry_run ? 1 : 0;
	g->total_rows = job ? job->total_rows : -1;
	if (job != NULL) {
		g->report->records_processed = job->resume_imported + job->resume_failed;
		g->report->records_imported = job->resume_imported;
		g->report->records_failed = job->resume_failed;
	}
	if (batch_id != NULL) {
		snprintf(g->report->batch_id, sizeof(g->report->batch_id), "%s", batch_id);
		return 0;
	}
	return ecl__uuid_v4_many(g->report->batch_id, 1);
}

static void finish(ecl_ingest *g)
{
	if (g->own_fd && g->file_fd >= 0)
		close(g->file_fd);
	ecl__csv_free(g->csv);
	ecl__columns_dispose(&g->columns);
	ecl__ingest_flow_free(g);
	ecl__detection_dispose(&g->detection);
	ecl__meter_cache_dispose(&g->meters);
	free(g->batch_meters);
	free(g->batch_entries);
	free(g->intervals);
	free(g->dailies);
	json_decref(g->errors);
	json_decref(g->error_details);
}

static int run(ecl_ingest_report **out, ecl_store *store, const char *path, const ecl_ingest_options *opts,
               const ecl_ingest_job *job, int *file_fault, ecl_ingest_capture *capture)
{
	ecl_ingest g;
	int rc;

	*out = NULL;
	*file_fault = 0;
	rc = start(&g, store, opts, job);
	g.capture = capture;
	if (rc == 0)
		rc = take_identity(&g, path);
	/* A direct import that reports progress counts the rows first, as the
	 * worker does, so the caller can show a percentage and an ETA. */
	if (rc == 0 && job == NULL && opts->progress != NULL
	    && ecl__ingest_count_rows(&g.total_rows, path, opts) != 0)
		g.total_rows = -1;
	if (rc == 0 && !(ECL__BACKEND_HAS(store, readings_write) && ECL__BACKEND_HAS(store, meter_find)))
		rc = ecl__store_unsupported(store, "readings (readings_write, meter_find)");
	if (rc == 0)
		rc = process_file(&g, path);
	if (rc == PREVIEW_FULL)
		rc = 0;
	if (capture != NULL && g.profile != NULL) {
		snprintf(capture->reason, sizeof(capture->reason), "%s", g.detection.reason);
		capture->delimiter = g.detection.delimiter;
		capture->header_line = g.header_line;
	}
	if (rc == 0) {
		g.report->successful = g.report->records_failed == 0 && g.report->records_imported > 0;
		rc = ecl__ingest_summary(&g);
	}
	if (rc == 0) {
		*out = g.report;
		g.report = NULL;
	}
	*file_fault = rc != 0 && g.file_fault;
	ecl_ingest_report_free(g.report);
	finish(&g);
	return rc;
}

int ecl__ingest_run(ecl_ingest_report **out, ecl_store *store, const char *path,
                    const ecl_ingest_options *opts, const ecl_ingest_job *job, int *file_fault)
{
	return run(out, store, path, opts, job, file_fault, NULL);
}

int ecl__ingest_preview(ecl_ingest_report **out, ecl_store *store, const char *path,
                        const ecl_ingest_options *opts, ecl_ingest_capture *capture)
{
	int file_fault = 0;
	int rc = check_options(opts);

	return rc == 0 ? run(out, store, path, opts, NULL, &file_fault, capture) : rc;
}

int ecl_ingest_file(ecl_ingest_report **out, ecl_store *store, const char *path,
                    const ecl_ingest_options *opts)
{
	int file_fault = 0;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "report output pointer is NULL");
	*out = NULL;
	if (store == NULL || path == NULL || *path == '\0')
		return ecl_error_set(ECL_EINVALID, "store or path is missing");
	if (opts == NULL)
		opts = &default_options;
	rc = check_options(opts);
	if (rc == 0)
		rc = ecl__store_require_schema(store);
	if (rc == 0)
		rc = ecl__ingest_run(out, store, path, opts, NULL, &file_fault);
	return rc;
}

int ecl__ingest_count_rows(int64_t *rows, const char *path, const ecl_ingest_options *opts)
{
	ecl_csv_options csv_opts = ECL_CSV_OPTIONS_INIT;
	const ecl_csv_record *record;
	ecl_detect_request req;
	ecl_detection det;
	ecl_csv *csv = NULL;
	int64_t n = 0;
	int rc, next = 0;

	/* The rows are the records after the header the import will use (a
	 * file without one: every record), split as the import will split them. */
	ecl__ingest_detect_request(&req, path, opts);
	rc = ecl__detect(&det, &req);
	csv_opts.delimiter = det.delimiter;
	if (rc == 0)
		rc = ecl__csv_open_file(&csv, path, &csv_opts);
	while (rc == 0 && (next = ecl__csv_next(csv, &record)) == 1)
		n++;
	if (rc == 0 && next < 0)
		rc = next;
	ecl__csv_free(csv);
	if (rc == 0)
		*rows = n > det.header_ordinal ? n - det.header_ordinal : 0;
	ecl__detection_dispose(&det);
	return rc;
}
