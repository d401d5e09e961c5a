/*
 * output.c - printing jobs and results as text for people or JSON for scripts.
 *
 * Text output passes strings from the database (file names, notes, errors)
 * through out_text(): they may come from uploads, and a control character
 * in them must not be able to drive the operator's terminal, so it is shown
 * escaped ("\x1b"), as is every command's text from files and jobs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"

/* Whether escaped text keeps line breaks and tabs (multi-line notes in
 * `job`) or escapes them too (one row per job in `jobs`). */
enum { FLATTEN = CLI_TEXT_FLAT, KEEP_LINES = CLI_TEXT_LINES };

void out_time(char buf[32], int64_t instant)
{
	time_t t = (time_t)instant;
	struct tm tm;

	if (instant == ECL_TIME_NONE) {
		strcpy(buf, "-");
		return;
	}
	if ((int64_t)t != instant || !gmtime_r(&t, &tm) ||
	    strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, 32, "@%" PRId64, instant);
}

/*
 * The length of the UTF-8 sequence at `p` (at most `left` bytes), or 0 when
 * it is not well-formed (overlong forms, surrogates and code points above
 * U+10FFFF included): such bytes are escaped one by one.
 */
static size_t utf8_length(const unsigned char *p, size_t left)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (len > left || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Walk `len` bytes of `text`, handing each piece to `put`: runs of safe
 * bytes as they are, and each byte that could drive a terminal as "\xHH" -
 * C0 controls and DEL (ESC starts every escape sequence), the C1 controls
 * U+0080..U+009F (U+009B is a one-character CSI for some terminals) and
 * bytes that are not UTF-8 (a C1 control on a Latin-1 terminal). Line
 * breaks and tabs pass when keep_lines. Returns the bytes written.
 */
static size_t escape_walk(FILE *to, const char *text, size_t len, int keep_lines)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, written = 0;

	while (i < len) {
		size_t seq = 1;
		int unsafe;

		if (p[i] < 0x80) {
			unsafe = (p[i] < 0x20 || p[i] == 0x7f) &&
			         !(keep_lines && (p[i] == '\n' || p[i] == '\t'));
		} else {
			seq = utf8_length(p + i, len - i);
			unsafe = seq == 0 || (p[i] == 0xc2 && p[i + 1] < 0xa0);
			if (seq == 0)
				seq = 1;
		}
		if (unsafe) {
			size_t k;

			for (k = 0; k < seq; k++) {
				if (to)
					fprintf(to, "\\x%02x", p[i + k]);
				written += 4;
			}
		} else {
			if (to)
				fwrite(p + i, 1, seq, to);
			written += seq;
		}
		i += seq;
	}
	return written;
}

void out_text_n(FILE *to, const char *text, size_t len, int keep_lines)
{
	escape_walk(to, text, len, keep_lines);
}

void out_text(FILE *to, const char *text, int keep_lines)
{
	if (text == NULL)
		text = "-";
	escape_walk(to, text, strlen(text), keep_lines);
}

size_t out_text_width(const char *text, int keep_lines)
{
	if (text == NULL)
		text = "-";
	return escape_walk(NULL, text, strlen(text), keep_lines);
}

/* Text from the store on stdout, escaped. */
static void put_clean(const char *text, int keep_lines)
{
	out_text(stdout, text, keep_lines);
}

static const char *or_dash(const char *text)
{
	return text ? text : "-";
}

static const char *name_or_unknown(const char *name)
{
	return name ? name : "?";
}

int out_json(json_t *value)
{
	char *text = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	json_decref(value);
	if (!text)
		return cli_failf("out of memory while formatting JSON");
	puts(text);
	free(text);
	return CLI_CONTINUE;
}

int out_job_json(const ecl_job *job)
{
	ecl_buf buf = ECL_BUF_INIT;
	int rc = ecl_job_to_json(&buf, job);

	if (rc < 0)
		return cli_fail(rc);
	puts(buf.ptr ? buf.ptr : "{}");
	ecl_buf_dispose(&buf);
	return CLI_CONTINUE;
}

int out_job_array_json(const ecl_job_array *jobs)
{
	size_t i;

	/* Each element is already JSON text from the library: joining them
	 * keeps its exact field shapes without a decode/encode round trip. */
	putchar('[');
	for (i = 0; i < jobs->count; i++) {
		ecl_buf buf = ECL_BUF_INIT;
		int rc = ecl_job_to_json(&buf, &jobs->jobs[i]);

		if (rc < 0) {
			putchar('\n');
			return cli_fail(rc);
		}
		if (i > 0)
			putchar(',');
		fputs(buf.ptr ? buf.ptr : "{}", stdout);
		ecl_buf_dispose(&buf);
	}
	puts("]");
	return CLI_CONTINUE;
}

/* ---- the `jobs` table ---------------------------------------------------- */

static void format_retries(char buf[32], const ecl_job *job)
{
	snprintf(buf, 32, "%d/%d", job->retry_count, job->max_retries);
}

static void format_rows(char buf[80], const ecl_job *job)
{
	snprintf(buf, 80, "%" PRId64 "/%" PRId64 "/%" PRId64,
	         job->processed_rows, job->imported_rows, job->failed_rows);
}

/* The file name column is as wide as its longest entry, within reason. */
static int filename_width(const ecl_job_array *jobs)
{
	int width = (int)strlen("FILENAME");
	size_t i;

	for (i = 0; i < jobs->count; i++) {
		size_t shown = out_text_width(or_dash(jobs->jobs[i].filename), FLATTEN);
		int len = shown > 60 ? 60 : (int)shown;

		if (len > width)
			width = len;
	}
	return width;
}

static void print_filename_cell(const char *name, int width)
{
	int len = (int)out_text_width(name, FLATTEN);

	put_clean(name, FLATTEN);
	for (; len < width; len++)
		putchar(' ');
}

static void print_job_row(const ecl_job *job, int name_width)
{
	char queued[32], retries[32], rows[80];

	out_time(queued, job->queued_at);
	format_retries(retries, job);
	format_rows(rows, job);
	printf("%-36s  %-10s  %-8s  %-5s  ", job->batch_id,
	       name_or_unknown(ecl_job_status_name(job->status)),
	       name_or_unknown(ecl_priority_name(job->priority)),
	       name_or_unknown(ecl_import_type_name(job->import_type)));
	print_filename_cell(or_dash(job->filename), name_width);
	printf("  %-19s  %-7s  %s\n", queued, retries, rows);
}

void out_job_table(const ecl_job_array *jobs)
{
	int name_width;
	size_t i;

	if (jobs->count == 0) {
		puts("No jobs.");
		return;
	}
	name_width = filename_width(jobs);
	printf("%-36s  %-10s  %-8s  %-5s  %-*s  %-19s  %-7s  %s\n", "BATCH ID", "STATUS",
	       "PRIORITY", "TYPE", name_width, "FILENAME", "QUEUED AT (UTC)", "RETRIES",
	       "ROWS P/I/F");
	for (i = 0; i < jobs->count; i++)
		print_job_row(&jobs->jobs[i], name_width);
}

/* ---- the `job` details --------------------------------------------------- */

static void field_line(const char *label, const char *value, int keep_lines)
{
	printf("%-17s ", label);
	put_clean(or_dash(value), keep_lines);
	putchar('\n');
}

/* A one-line field: a line break or tab in it (a file name) is escaped. */
static void field_text(const char *label, const char *value)
{
	field_line(label, value, FLATTEN);
}

/* A field that may span lines: notes, errors, a summary that is not JSON. */
static void field_lines(const char *label, const char *value)
{
	field_line(label, value, KEEP_LINES);
}

static void field_time(const char *label, int64_t instant)
{
	char buf[32];

	out_time(buf, instant);
	printf("%-17s %s%s\n", label, buf, instant == ECL_TIME_NONE ? "" : " UTC");
}

static void field_int(const char *label, int64_t value)
{
	printf("%-17s %" PRId64 "\n", label, value);
}

static void field_yes_no(const char *label, int value)
{
	printf("%-17s %s\n", label, value ? "yes" : "no");
}

static void print_identity(const ecl_job *job)
{
	char retries[32];

	field_text("Batch ID:", job->batch_id);
	field_int("ID:", job->id);
	field_text("Status:", name_or_unknown(ecl_job_status_name(job->status)));
	field_text("Priority:", name_or_unknown(ecl_priority_name(job->priority)));
	field_text("Import type:", name_or_unknown(ecl_import_type_name(job->import_type)));
	field_text("Filename:", job->filename);
	field_text("File path:", job->file_path);
	field_text("File SHA-256:", job->file_sha256);
	field_yes_no("Dry run:", job->dry_run);
	if (job->user_id > 0)
		field_int("User ID:", job->user_id);
	else
		field_text("User ID:", NULL);
	format_retries(retries, job);
	field_text("Retries:", retries);
}

static void print_times(const ecl_job *job)
{
	field_time("Queued at:", job->queued_at);
	field_time("Started at:", job->started_at);
	field_time("Completed at:", job->completed_at);
	field_time("Retry at:", job->retry_at);
	field_time("Heartbeat at:", job->heartbeat_at);
	field_text("Worker:", job->worker_id);
}

static void print_rows(const ecl_job *job)
{
	char progress[32];

	if (job->total_rows < 0) {
		field_text("Total rows:", "unknown");
		field_text("Progress:", "-");
	} else {
		field_int("Total rows:", job->total_rows);
		snprintf(progress, sizeof(progress), "%.2f%%", job->total_rows > 0 ?
		         100.0 * (double)job->processed_rows / (double)job->total_rows : 0.0);
		field_text("Progress:", progress);
	}
	field_int("Processed rows:", job->processed_rows);
	field_int("Imported rows:", job->imported_rows);
	field_int("Failed rows:", job->failed_rows);
	field_int("Checkpoint:", job->checkpoint);
}

/* ---- import summaries ---------------------------------------------------- */

/* How many row errors an import summary shows on its own lines. */
#define SUMMARY_ERRORS_SHOWN 5

static void summary_int(const char *indent, const char *label, json_t *value)
{
	if (json_is_integer(value))
		printf("%s%-19s %" JSON_INTEGER_FORMAT "\n", indent, label, json_integer_value(value));
}

static void summary_text(const char *indent, const char *label, json_t *value)
{
	if (!json_is_string(value))
		return;
	printf("%s%-19s ", indent, label);
	put_clean(json_string_value(value), FLATTEN);
	putchar('\n');
}

/* One error: {"row", "line", "message"} from this library, or the
 * reference's "Row N: message" text. */
static void summary_error(const char *indent, json_t *error)
{
	json_t *row = json_object_get(error, "row");
	json_t *line = json_object_get(error, "line");
	json_t *message = json_object_get(error, "message");

	printf("%s  ", indent);
	if (json_is_string(error)) {
		put_clean(json_string_value(error), FLATTEN);
	} else {
		if (json_is_integer(row))
			printf("Row %" JSON_INTEGER_FORMAT, json_integer_value(row));
		if (json_is_integer(line))
			printf(" (line %" JSON_INTEGER_FORMAT ")", json_integer_value(line));
		printf(": ");
		put_clean(json_is_string(message) ? json_string_value(message) : "?", FLATTEN);
	}
	putchar('\n');
}

static void summary_errors(const char *indent, json_t *summary)
{
	json_t *list = json_object_get(summary, "error_details");
	json_t *count = json_object_get(summary, "error_count");
	json_int_t total;
	size_t i, shown;

	if (!json_is_array(list))
		list = json_object_get(summary, "errors");
	if (!json_is_array(list) && !json_is_integer(count))
		return;
	total = json_is_integer(count) ? json_integer_value(count) : (json_int_t)json_array_size(list);
	printf("%s%-19s %" JSON_INTEGER_FORMAT "\n", indent, "Errors:", total);
	shown = json_array_size(list) < SUMMARY_ERRORS_SHOWN ? json_array_size(list)
	                                                      : SUMMARY_ERRORS_SHOWN;
	for (i = 0; i < shown; i++)
		summary_error(indent, json_array_get(list, i));
	if (total > (json_int_t)shown)
		printf("%s  ... and %" JSON_INTEGER_FORMAT " more\n", indent, total - (json_int_t)shown);
}

static void summary_figures(json_t *summary, const char *indent)
{
	json_t *meta = json_object_get(summary, "meta");

	summary_text(indent, "Format:", json_object_get(meta, "format"));
	summary_int(indent, "Records processed:", json_object_get(summary, "records_processed"));
	summary_int(indent, "Records imported:", json_object_get(summary, "records_imported"));
	summary_int(indent, "Records failed:", json_object_get(summary, "records_failed"));
	summary_int(indent, "Values:", json_object_get(meta, "total_values_processed"));
	summary_int(indent, "Inserted:", json_object_get(summary, "inserted"));
	summary_int(indent, "Updated:", json_object_get(summary, "updated"));
	summary_int(indent, "Unchanged:", json_object_get(summary, "unchanged"));
	summary_int(indent, "Meters created:", json_object_get(summary, "meters_created"));
	summary_int(indent, "Negative values:", json_object_get(summary, "negative_values"));
	summary_errors(indent, summary);
}

static json_t *parse_summary(const char *summary)
{
	json_t *parsed = summary ? json_loads(summary, 0, NULL) : NULL;

	if (json_is_object(parsed))
		return parsed;
	json_decref(parsed);
	return NULL;
}

int out_summary(const char *summary, const char *indent)
{
	json_t *parsed = parse_summary(summary);

	if (!parsed)
		return 0;
	summary_figures(parsed, indent);
	json_decref(parsed);
	return 1;
}

/* The figures on their own lines; text that is not a JSON object as it is. */
static void print_summary(const char *summary)
{
	json_t *parsed = parse_summary(summary);

	if (!parsed) {
		field_lines("Summary:", summary);
		return;
	}
	puts("Summary:");
	summary_figures(parsed, "  ");
	json_decref(parsed);
}

static void print_outcome(const ecl_job *job)
{
	field_lines("Error:", job->error_message);
	field_lines("Last error:", job->last_error);
	field_text("Error class:", job->error_class);
	field_yes_no("Cancel requested:", job->cancel_requested);
	field_yes_no("Alert sent:", job->alert_sent);
	field_time("Alert sent at:", job->alert_sent_at);
	field_lines("Notes:", job->notes);
	field_text("Tags:", job->tags);
	field_text("Metadata:", job->metadata);
	print_summary(job->summary);
}

void out_job_details(const ecl_job *job)
{
	print_identity(job);
	print_times(job);
	print_rows(job);
	print_outcome(job);
}

/* One attempt per line: number, worker, start, end, what the job became,
 * rows, and the error if any (on its own indented line). */
static void print_attempt(const ecl_job_attempt *a)
{
	char started[32], ended[32];
	int pad = 20 - (int)out_text_width(or_dash(a->worker_id), FLATTEN);

	out_time(started, a->started_at);
	out_time(ended, a->ended_at);

	printf("  %-3d ", a->attempt);
	put_clean(or_dash(a->worker_id), FLATTEN);
	printf("%*s %s .. %-19s %-10s %" PRId64 " rows (%" PRId64 " imported, %" PRId64
	       " failed)\n", pad > 0 ? pad : 0, "", started,
	       a->ended_at == ECL_TIME_NONE ? "running" : ended, ecl_job_status_name(a->outcome),
	       a->processed_rows, a->imported_rows, a->failed_rows);
	if (a->error_message != NULL) {
		fputs("      ", stdout);
		put_clean(a->error_class ? a->error_class : "error", FLATTEN);
		fputs(": ", stdout);
		put_clean(a->error_message, FLATTEN);
		putchar('\n');
	}
}

int out_job_attempts(ecl_store *store, const char *batch_id)
{
	ecl_job_attempt_array *attempts = NULL;
	int rc = ecl_job_attempts(&attempts, store, batch_id);
	size_t i;

	if (rc < 0)
		return cli_fail(rc);
	printf("Attempts:         %zu\n", attempts->count);
	for (i = 0; i < attempts->count; i++)
		print_attempt(&attempts->attempts[i]);
	ecl_job_attempt_array_free(attempts);
	return CLI_CONTINUE;
}

int out_job_by_id(ecl_store *store, const char *batch_id, int json,
                  void (*describe)(const ecl_job *job))
{
	ecl_job *job = NULL;
	int rc = ecl_job_get(&job, store, batch_id);
	int status = CLI_CONTINUE;

	if (rc < 0)
		return cli_fail(rc);
	if (json)
		status = out_job_json(job);
	else
		describe(job);
	ecl_job_free(job);
	return status == CLI_CONTINUE ? CLI_EXIT_OK : status;
}
