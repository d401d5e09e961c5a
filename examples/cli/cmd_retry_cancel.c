/*
 * cmd_retry_cancel.c - `eclectyc retry ID [--delay S]` and `eclectyc cancel ID`:
 * the two hand-made state changes an operator may apply to a job.
 *
 * Both re-read the job afterwards to show its new state: the library decides
 * what the transition sets (retry_at, counters), and printing what it stored
 * avoids the tool guessing.
 */
#include <stdint.h>

#include "cli.h"

enum { OPT_DELAY };

static const cli_option retry_options[] = {
	{ "delay", 1, OPT_DELAY },
	{ NULL, 0, 0 }
};

static int apply_retry_option(void *target, int id, const char *value)
{
	(void)id; /* --delay is the only option */
	return cli_parse_number(target, value, "delay", 0, INT32_MAX);
}

static void print_retried(const ecl_job *job)
{
	char when[32];

	printf("Requeued job %s (retry %d/%d)", job->batch_id, job->retry_count, job->max_retries);
	if (job->retry_at != ECL_TIME_NONE) {
		out_time(when, job->retry_at);
		printf(", runnable from %s UTC", when);
	}
	putchar('\n');
}

static void print_cancelled(const ecl_job *job)
{
	printf("Cancelled job %s\n", job->batch_id);
}

int cmd_retry(cli_args *args)
{
	cli_session session;
	const char *batch_id;
	int64_t delay = 0;
	int rc, status;

	status = cli_parse_job_id(&batch_id, args, retry_options, apply_retry_option, &delay);
	if (status != CLI_CONTINUE)
		return status;
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	if (status == CLI_CONTINUE) {
		rc = ecl_job_retry(session.store, batch_id, delay);
		status = rc < 0 ? cli_fail(rc)
		                : out_job_by_id(session.store, batch_id, args->globals->json,
		                                print_retried);
	}
	cli_session_close(&session);
	return status;
}

int cmd_cancel(cli_args *args)
{
	cli_session session;
	const char *batch_id;
	int rc, status;

	status = cli_parse_job_id(&batch_id, args, NULL, NULL, NULL);
	if (status != CLI_CONTINUE)
		return status;
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	if (status == CLI_CONTINUE) {
		rc = ecl_job_cancel(session.store, batch_id);
		status = rc < 0 ? cli_fail(rc)
		                : out_job_by_id(session.store, batch_id, args->globals->json,
		                                print_cancelled);
	}
	cli_session_close(&session);
	return status;
}
