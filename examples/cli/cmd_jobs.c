/*
 * cmd_jobs.c - `eclectyc jobs [--status S] [--priority P] [--limit N]` and
 * `eclectyc job ID` (with its attempts): the read-only views of the queue.
 */
#include <stdint.h>

#include "cli.h"

enum { OPT_STATUS, OPT_PRIORITY, OPT_LIMIT };

static const cli_option jobs_options[] = {
	{ "status", 1, OPT_STATUS },
	{ "priority", 1, OPT_PRIORITY },
	{ "limit", 1, OPT_LIMIT },
	{ NULL, 0, 0 }
};

static int apply_jobs_option(ecl_job_list_options *filters, int id, const char *value)
{
	ecl_job_status status;
	ecl_priority priority;
	int64_t limit;
	int result;

	if (id == OPT_STATUS) {
		if (ecl_job_status_parse(&status, value) < 0)
			return cli_usage_error("invalid value '%s' for --status (expected queued, "
			                       "processing, completed, failed or cancelled)", value);
		filters->status = (int)status;
		return CLI_CONTINUE;
	}
	if (id == OPT_PRIORITY) {
		if (ecl_priority_parse(&priority, value) < 0)
			return cli_usage_error("invalid value '%s' for --priority (expected low, normal, "
			                       "high or critical)", value);
		filters->priority = (int)priority;
		return CLI_CONTINUE;
	}
	/* Capped at INT32_MAX so the value fits size_t everywhere. */
	result = cli_parse_number(&limit, value, "limit", 0, INT32_MAX);
	if (result == CLI_CONTINUE)
		filters->limit = (size_t)limit;
	return result;
}

static int parse_jobs(ecl_job_list_options *filters, cli_args *args)
{
	const char *value;
	int id, r, status;

	while ((r = cli_next(args, jobs_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_POSITIONAL)
			return cli_usage_error("unexpected argument '%s' for command 'jobs'", value);
		status = apply_jobs_option(filters, id, value);
		if (status != CLI_CONTINUE)
			return status;
	}
	return CLI_CONTINUE;
}

static int list_jobs(ecl_store *store, const ecl_job_list_options *filters, int json)
{
	ecl_job_array *jobs = NULL;
	int rc = ecl_job_list(&jobs, store, filters);
	int status = CLI_CONTINUE;

	if (rc < 0)
		return cli_fail(rc);
	if (json)
		status = out_job_array_json(jobs);
	else
		out_job_table(jobs);
	ecl_job_array_free(jobs);
	return status == CLI_CONTINUE ? CLI_EXIT_OK : status;
}

int cmd_jobs(cli_args *args)
{
	ecl_job_list_options filters = ECL_JOB_LIST_OPTIONS_INIT;
	cli_session session;
	int status = parse_jobs(&filters, args);

	if (status != CLI_CONTINUE)
		return status;
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	if (status == CLI_CONTINUE)
		status = list_jobs(session.store, &filters, args->globals->json);
	cli_session_close(&session);
	return status;
}

int cmd_job(cli_args *args)
{
	cli_session session;
	const char *batch_id;
	int status = cli_parse_job_id(&batch_id, args, NULL, NULL, NULL);

	if (status != CLI_CONTINUE)
		return status;
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	if (status == CLI_CONTINUE)
		status = out_job_by_id(session.store, batch_id, args->globals->json, out_job_details);
	/* The JSON keeps the reference's job shape; the text adds the attempts. */
	if (status == CLI_EXIT_OK && !args->globals->json)
		status = out_job_attempts(session.store, batch_id);
	if (status == CLI_CONTINUE)
		status = CLI_EXIT_OK;
	cli_session_close(&session);
	return status;
}
