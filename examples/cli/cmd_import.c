/*
 * cmd_import.c - `eclectyc import FILE [options]`: queue a file for import,
 * or with --now import it at once, without a job.
 *
 * Option values are checked here, before the store is opened, so that a typo
 * is a usage error (exit 2) naming the option rather than a library error.
 * The library checks them again; the CLI only wants the better message.
 * Options that only one of the two modes can use are refused in the other
 * rather than silently ignored.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

enum {
	OPT_TYPE, OPT_DRY_RUN, OPT_PRIORITY, OPT_TAG, OPT_NOTES, OPT_METADATA,
	OPT_MAX_RETRIES, OPT_FILENAME, OPT_USER_ID, OPT_NOW, OPT_PROFILE, OPT_METER, OPT_CLOCK
};

static const cli_option import_options[] = {
	{ "type", 1, OPT_TYPE },
	{ "dry-run", 0, OPT_DRY_RUN },
	{ "priority", 1, OPT_PRIORITY },
	{ "tag", 1, OPT_TAG },
	{ "notes", 1, OPT_NOTES },
	{ "metadata", 1, OPT_METADATA },
	{ "max-retries", 1, OPT_MAX_RETRIES },
	{ "filename", 1, OPT_FILENAME },
	{ "user-id", 1, OPT_USER_ID },
	{ "now", 0, OPT_NOW },
	{ "profile", 1, OPT_PROFILE },
	{ "meter", 1, OPT_METER },
	{ "clock", 1, OPT_CLOCK },
	CLI_POLICY_OPTIONS,
	{ NULL, 0, 0 }
};

/* Everything `import` owns; released by import_request_free(). */
typedef struct import_request {
	ecl_job_options job;
	const char *file;      /* FILE as given */
	int now;               /* --now: import at once instead of queuing */
	const char *job_only;  /* the first option that only a queued job uses, or NULL */
	cli_policy policy;     /* the options that only --now uses */
	int max_retries_set;   /* --max-retries given: the configuration must not override it */
	json_t *tags;          /* built from every --tag; NULL when none */
	char *tags_text;
	char *absolute_path;
} import_request;

static void import_request_free(import_request *req)
{
	json_decref(req->tags);
	free(req->tags_text);
	free(req->absolute_path);
}

static int add_tag(import_request *req, const char *tag)
{
	json_t *text;

	if (tag[0] == '\0')
		return cli_usage_error("--tag needs a non-empty value");
	/* json_string() refuses text that is not UTF-8, which JSON cannot hold. */
	text = json_string(tag);
	if (!text)
		return cli_usage_error("invalid value for --tag: not valid UTF-8");
	if (!req->tags)
		req->tags = json_array();
	if (!req->tags || json_array_append_new(req->tags, text) < 0)
		return cli_failf("out of memory");
	return CLI_CONTINUE;
}

static int check_metadata(const char *text)
{
	json_error_t error;
	json_t *value = json_loads(text, 0, &error);
	int is_object = json_is_object(value);

	json_decref(value);
	if (!value)
		return cli_usage_error("invalid JSON for --metadata: %s (at character %d)",
		                       error.text, error.position);
	if (!is_object)
		return cli_usage_error("invalid value for --metadata: expected a JSON object");
	return CLI_CONTINUE;
}

static int set_import_type(import_request *req, const char *value)
{
	if (ecl_import_type_parse(&req->job.import_type, value) < 0)
		return cli_usage_error("invalid value '%s' for --type (expected hh or daily)", value);
	return CLI_CONTINUE;
}

static int set_priority(import_request *req, const char *value)
{
	if (ecl_priority_parse(&req->job.priority, value) < 0)
		return cli_usage_error("invalid value '%s' for --priority "
		                       "(expected low, normal, high or critical)", value);
	return CLI_CONTINUE;
}

static int set_max_retries(import_request *req, const char *value)
{
	int64_t number;
	int status = cli_parse_number(&number, value, "max-retries", 0, ECL_MAX_RETRIES_LIMIT);

	if (status == CLI_CONTINUE) {
		req->job.max_retries = (int)number;
		req->max_retries_set = 1;
	}
	return status;
}

/* The name of an option that only a queued job uses, or NULL. */
static const char *job_only_option(int id)
{
	switch (id) {
	case OPT_PRIORITY:
		return "--priority";
	case OPT_TAG:
		return "--tag";
	case OPT_NOTES:
		return "--notes";
	case OPT_METADATA:
		return "--metadata";
	case OPT_MAX_RETRIES:
		return "--max-retries";
	case OPT_FILENAME:
		return "--filename";
	case OPT_USER_ID:
		return "--user-id";
	default:
		return NULL;
	}
}

static int apply_option(import_request *req, int id, const char *value)
{
	if (!req->job_only)
		req->job_only = job_only_option(id);
	if (cli_is_policy_option(id))
		return cli_policy_apply(&req->policy, id, value);
	switch (id) {
	case OPT_TYPE:
		return set_import_type(req, value);
	case OPT_DRY_RUN:
		req->job.dry_run = 1;
		return CLI_CONTINUE;
	case OPT_PRIORITY:
		return set_priority(req, value);
	case OPT_TAG:
		return add_tag(req, value);
	case OPT_NOTES:
		req->job.notes = value;
		return CLI_CONTINUE;
	case OPT_METADATA:
		req->job.metadata = value;
		return check_metadata(value);
	case OPT_MAX_RETRIES:
		return set_max_retries(req, value);
	case OPT_FILENAME:
		req->job.filename = value;
		return CLI_CONTINUE;
	case OPT_USER_ID:
		/* 0 is the library's "no user", as when the option is left out. */
		return cli_parse_number(&req->job.user_id, value, "user-id", 0, INT64_MAX);
	case OPT_NOW:
		req->now = 1;
		return CLI_CONTINUE;
	case OPT_PROFILE:
		if (value[0] == '\0')
			return cli_usage_error("--profile needs a profile name or a path to a .json file");
		req->job.profile = value;
		return CLI_CONTINUE;
	case OPT_METER:
		if (value[0] == '\0')
			return cli_usage_error("--meter needs a meter identifier");
		req->job.meter = value;
		return CLI_CONTINUE;
	case OPT_CLOCK:
		if (ecl_clock_mode_parse(&req->job.clock, value) < 0)
			return cli_usage_error("invalid value '%s' for --clock (expected london, utc or profile)",
			                       value);
		return CLI_CONTINUE;
	default:
		return cli_failf("internal error: unhandled import option %d", id);
	}
}

static int parse_import(import_request *req, cli_args *args)
{
	const char *value;
	int id, r, status;

	while ((r = cli_next(args, import_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_POSITIONAL) {
			if (req->file)
				return cli_usage_error("unexpected argument '%s' for command 'import' "
				                       "(one FILE per job)", value);
			req->file = value;
			continue;
		}
		status = apply_option(req, id, value);
		if (status != CLI_CONTINUE)
			return status;
	}
	if (!req->file || req->file[0] == '\0')
		return cli_usage_error("command 'import' needs a FILE");
	if (!req->now && req->policy.given)
		return cli_usage_error("option '%s' applies only to 'import --now' and to 'worker'",
		                       req->policy.given);
	if (req->now && req->job_only)
		return cli_usage_error("option '%s' applies only to a queued import, not with --now",
		                       req->job_only);
	return CLI_CONTINUE;
}

/*
 * The worker may run from another directory (cron, systemd), so a relative
 * FILE is stored as an absolute path. Symbolic links are kept as given: the
 * operator named the link, not its target.
 */
static int make_absolute(import_request *req)
{
	char cwd[4096];
	size_t size;

	if (req->file[0] == '/' || !getcwd(cwd, sizeof(cwd))) {
		req->job.file_path = req->file;
		return CLI_CONTINUE;
	}
	size = strlen(cwd) + 1 + strlen(req->file) + 1;
	req->absolute_path = malloc(size);
	if (!req->absolute_path)
		return cli_failf("out of memory");
	snprintf(req->absolute_path, size, "%s/%s", cwd, req->file);
	req->job.file_path = req->absolute_path;
	return CLI_CONTINUE;
}

static int finish_options(import_request *req, const ecl_config *config)
{
	if (req->tags) {
		req->tags_text = json_dumps(req->tags, JSON_COMPACT);
		if (!req->tags_text)
			return cli_failf("out of memory");
		req->job.tags = req->tags_text;
	}
	if (!req->max_retries_set) {
		int rc = ecl_job_options_from_config(&req->job, config);

		if (rc < 0)
			return cli_fail(rc);
	}
	return make_absolute(req);
}

static int enqueue(import_request *req, cli_session *session, int json)
{
	char batch_id[ECL_BATCH_ID_SIZE];
	int rc, status;

	status = finish_options(req, session->config);
	if (status != CLI_CONTINUE)
		return status;
	rc = ecl_job_create(batch_id, session->store, &req->job);
	if (rc < 0)
		return cli_fail(rc);
	if (!json) {
		puts(batch_id);
		return CLI_EXIT_OK;
	}
	status = out_json(json_pack("{s:s}", "batch_id", batch_id));
	return status == CLI_CONTINUE ? CLI_EXIT_OK : status;
}

/* ---- import --now ---------------------------------------------------------- */

static void print_report_text(const char *file, const ecl_ingest_report *report)
{
	fputs(report->dry_run ? "Checked " : "Imported ", stdout);
	out_text(stdout, file, CLI_TEXT_FLAT);
	puts(report->dry_run ? " (dry run: nothing was written)" : "");
	printf("%-19s %s\n", "Batch ID:", report->batch_id);
	if (out_summary(report->summary, ""))
		return;
	/* No summary text: the report's own counters. */
	printf("%-19s %s\n", "Format:", report->format);
	printf("%-19s %lld\n", "Records processed:", (long long)report->records_processed);
	printf("%-19s %lld\n", "Records imported:", (long long)report->records_imported);
	printf("%-19s %lld\n", "Records failed:", (long long)report->records_failed);
}

static int print_report(const char *file, const ecl_ingest_report *report, int json)
{
	if (json)
		puts(report->summary ? report->summary : "{}");
	else
		print_report_text(file, report);
	/* The rows that did import stay imported: a warning, not a failure. */
	if (report->records_failed > 0)
		fprintf(stderr, "eclectyc: warning: %lld of %lld rows failed to import\n",
		        (long long)report->records_failed, (long long)report->records_processed);
	return CLI_EXIT_OK;
}

static int import_now(import_request *req, cli_session *session, int json)
{
	ecl_ingest_options opts = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *report = NULL;
	cli_progress progress;
	int rc, status;

	rc = ecl_ingest_options_from_config(&opts, session->config);
	if (rc < 0)
		return cli_fail(rc);
	opts.import_type = req->job.import_type;
	opts.dry_run = req->job.dry_run;
	opts.profile = req->job.profile;
	opts.meter = req->job.meter;
	opts.clock = req->job.clock;
	cli_policy_to_ingest(&req->policy, &opts);
	cli_progress_init(&progress);
	if (progress.enabled) {
		opts.progress = cli_progress_cb;
		opts.progress_payload = &progress;
		cli_progress_begin(&progress);
	}
	rc = ecl_ingest_file(&report, session->store, req->file, &opts);
	cli_progress_end(&progress);
	if (rc < 0)
		return cli_fail(rc);
	status = print_report(req->file, report, json);
	ecl_ingest_report_free(report);
	return status;
}

int cmd_import(cli_args *args)
{
	import_request req;
	cli_session session;
	int status;

	memset(&req, 0, sizeof(req));
	req.job = (ecl_job_options)ECL_JOB_OPTIONS_INIT;
	req.policy = (cli_policy)CLI_POLICY_INIT;
	status = parse_import(&req, args);
	if (status == CLI_CONTINUE) {
		status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
		if (status == CLI_CONTINUE)
			status = req.now ? import_now(&req, &session, args->globals->json)
			                 : enqueue(&req, &session, args->globals->json);
		cli_session_close(&session);
	}
	import_request_free(&req);
	return status;
}
