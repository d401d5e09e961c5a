/*
 * cmd_cleanup.c - `eclectyc cleanup [--days N] [--dry-run] [--verbose]`:
 * delete finished jobs older than N days (default 30, as the reference's
 * cleanup_import_jobs.php) and the orphaned import files under
 * ECLECTYC_STORAGE_DIR that no remaining job refers to.
 *
 * Unlike the reference, a queued or processing job is never touched and
 * neither is its file, however old; the files are looked for where the
 * configuration says they are; and a dry run lists every job and file a
 * real run would delete, not only the jobs under --verbose.
 *
 * ECLECTYC_STORAGE_DIR has a built-in default (storage/imports, relative to
 * the working directory). When it is left at the default and that directory
 * does not exist, only jobs are cleaned up and the output says so; a
 * directory that was configured explicitly must exist (exit 1 otherwise), so
 * a typo in the env file is noticed.
 *
 * Exit status: 0 done; 1 an error (the store failed, the storage directory
 * cannot be read, or files could not be removed: each is named); 2 usage.
 */
#include <limits.h>
#include <string.h>

#include "cli.h"

/* A century: enough for any retention, small enough for days * 86400. */
#define MAX_DAYS 36500

enum { OPT_DAYS, OPT_DRY_RUN, OPT_VERBOSE };

static const cli_option cleanup_options[] = {
	{ "days", 1, OPT_DAYS },
	{ "dry-run", 0, OPT_DRY_RUN },
	{ "verbose", 0, OPT_VERBOSE },
	{ NULL, 0, 0 }
};

typedef struct cleanup_request {
	int days;
	int dry_run;
	int verbose;
} cleanup_request;

static int apply_option(cleanup_request *req, int id, const char *value)
{
	int64_t days;
	int status;

	switch (id) {
	case OPT_DAYS:
		status = cli_parse_number(&days, value, "days", 1, MAX_DAYS);
		if (status == CLI_CONTINUE)
			req->days = (int)days;
		return status;
	case OPT_DRY_RUN:
		req->dry_run = 1;
		return CLI_CONTINUE;
	case OPT_VERBOSE:
		req->verbose = 1;
		return CLI_CONTINUE;
	default:
		return cli_failf("internal error: unhandled cleanup option %d", id);
	}
}

static int parse_cleanup(cleanup_request *req, cli_args *args)
{
	const char *value;
	int id, r, status;

	while ((r = cli_next(args, cleanup_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_POSITIONAL)
			return cli_usage_error("unexpected argument '%s' for command 'cleanup'", value);
		status = apply_option(req, id, value);
		if (status != CLI_CONTINUE)
			return status;
	}
	return CLI_CONTINUE;
}

/* ---- text output ---------------------------------------------------------- */

/* Names and paths from the store and the disk, escaped (out_text). */
static void put_clean(const char *text)
{
	out_text(stdout, text, CLI_TEXT_FLAT);
}

static void print_jobs(const ecl_cleanup_report *r, int list)
{
	size_t i;

	if (r->jobs_deleted == 0) {
		puts(r->dry_run ? "No jobs to delete." : "No jobs deleted.");
		return;
	}
	puts(r->dry_run ? "Jobs to be deleted:" : "Jobs deleted:");
	printf("  completed: %lld\n", (long long)r->completed_deleted);
	printf("  failed: %lld\n", (long long)r->failed_deleted);
	printf("  cancelled: %lld\n", (long long)r->cancelled_deleted);
	printf("  Total: %lld\n", (long long)r->jobs_deleted);
	for (i = 0; list && i < r->job_count; i++) {
		char when[32];

		out_time(when, r->jobs[i].completed_at);
		printf("  %s %s: %s, finished %s\n", r->dry_run ? "Would delete job" : "Deleted job",
		       r->jobs[i].batch_id, r->jobs[i].status, when);
		printf("    ");
		put_clean(r->jobs[i].filename);
		putchar('\n');
	}
}

static void print_files(const ecl_cleanup_report *r, int list)
{
	size_t i;

	for (i = 0; list && i < r->file_count; i++) {
		printf("  %s: ", r->dry_run ? "Would delete orphaned file" : "Deleted orphaned file");
		put_clean(r->files[i].path);
		printf(" (%lld days old)\n", (long long)r->files[i].age_days);
	}
	printf("%s %lld orphaned file(s).\n", r->dry_run ? "Would delete" : "Deleted",
	       (long long)r->files_deleted);
	if (r->files_kept_referenced > 0)
		printf("Kept %lld old file(s) that a remaining job still refers to.\n",
		       (long long)r->files_kept_referenced);
}

static void print_text(const ecl_cleanup_report *r, const cleanup_request *req,
                       const char *dir, int defaulted_missing)
{
	int list = req->verbose || r->dry_run;  /* a dry run always says what would go */
	size_t i;

	puts("Eclectyc Import Job Cleanup");
	printf("Retention: %d days\n", r->days);
	printf("Mode: %s\n", r->dry_run ? "Dry run (no deletions)" : "Live");
	if (dir) {
		printf("Storage directory: ");
		put_clean(dir);
		putchar('\n');
	} else if (defaulted_missing) {
		puts("Storage directory: none (the default storage/imports does not exist; "
		     "set ECLECTYC_STORAGE_DIR); only jobs are cleaned up");
	} else {
		puts("Storage directory: none (ECLECTYC_STORAGE_DIR is empty); only jobs are cleaned up");
	}
	putchar('\n');
	print_jobs(r, list);
	printf("%s %lld job(s).\n", r->dry_run ? "Would delete" : "Deleted", (long long)r->jobs_deleted);
	if (dir)
		print_files(r, list);
	for (i = 0; i < r->message_count; i++) {
		fputs("eclectyc: ", stderr);
		out_text(stderr, r->messages[i], CLI_TEXT_FLAT);
		fputc('\n', stderr);
	}
	putchar('\n');
	puts(r->dry_run ? "Dry run complete. No changes made." : "Cleanup complete.");
}

static int print_json(const ecl_cleanup_report *r)
{
	ecl_buf buf = ECL_BUF_INIT;
	int rc = ecl_cleanup_report_to_json(&buf, r);

	if (rc < 0)
		return cli_fail(rc);
	puts(buf.ptr ? buf.ptr : "{}");
	ecl_buf_dispose(&buf);
	return CLI_CONTINUE;
}

/* ---- running ---------------------------------------------------------------- */

static int clean(const cleanup_request *req, cli_session *session, int json)
{
	ecl_cleanup_options opts = ECL_CLEANUP_OPTIONS_INIT;
	ecl_cleanup_report *report = NULL;
	const char *dir = ecl_config_get(session->config, "ECLECTYC_STORAGE_DIR");
	int defaulted_missing;
	int rc, status = CLI_EXIT_OK;

	if (req->days > 0)
		opts.days = req->days;
	opts.dry_run = req->dry_run;
	/* The library's choice of directory; it skips only a default that is missing. */
	rc = ecl_cleanup_options_from_config(&opts, session->config);
	if (rc < 0)
		return cli_fail(rc);
	defaulted_missing = opts.storage_dir == NULL && dir != NULL && dir[0] != '\0';
	rc = ecl_cleanup(&report, session->store, &opts);
	if (rc < 0)
		return cli_fail(rc);
	if (json) {
		if (print_json(report) != CLI_CONTINUE)
			status = CLI_EXIT_ERROR;
	} else {
		print_text(report, req, opts.storage_dir, defaulted_missing);
	}
	fflush(stdout);
	if (status == CLI_EXIT_OK && report->file_errors > 0)
		status = cli_failf("%lld file(s) could not be removed or read",
		                   (long long)report->file_errors);
	ecl_cleanup_report_free(report);
	return status;
}

int cmd_cleanup(cli_args *args)
{
	cleanup_request req;
	cli_session session;
	int status;

	memset(&req, 0, sizeof(req));  /* days 0: the library's default retention */
	status = parse_cleanup(&req, args);
	if (status != CLI_CONTINUE)
		return status;
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	if (status == CLI_CONTINUE)
		status = clean(&req, &session, args->globals->json);
	cli_session_close(&session);
	return status;
}
