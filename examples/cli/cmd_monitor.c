/*
 * cmd_monitor.c - `eclectyc monitor [--verbose] [--handle-stuck]
 * [--send-alerts]`: the health of the import queue, as the reference's
 * monitor_import_system.php printed it, for a cron job every 15 minutes.
 *
 * The exit status is the health, so cron wrappers and Nagios-style checks
 * can act on it: 0 healthy, 1 degraded, 2 critical, 3 when the check could
 * not run. Because 2 already means critical here, a usage error of this
 * command (an unknown option after `monitor`) exits 3 too, never 2; the
 * message says what was wrong.
 *
 * Thresholds come from the configuration: ECLECTYC_STUCK_MINUTES,
 * ECLECTYC_FAILURE_RATE_WARNING, ECLECTYC_FAILURE_RATE_CRITICAL (percent,
 * decimals allowed) and ECLECTYC_BACKLOG_THRESHOLD. --handle-stuck requeues
 * each stuck job spending a retry (or fails it when none is left);
 * --send-alerts sends the conditions found, with their cooldown, and the
 * pending alerts of failed jobs through the configured channels. The stuck
 * list and the alerts describe the jobs as they were found, before handling.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Exit statuses of this command. */
enum { MONITOR_EXIT_FATAL = 3 };

enum { OPT_VERBOSE, OPT_HANDLE_STUCK, OPT_SEND_ALERTS };

static const cli_option monitor_options[] = {
	{ "verbose", 0, OPT_VERBOSE },
	{ "handle-stuck", 0, OPT_HANDLE_STUCK },
	{ "send-alerts", 0, OPT_SEND_ALERTS },
	{ NULL, 0, 0 }
};

typedef struct monitor_request {
	int verbose;
	int handle_stuck;
	int send_alerts;
} monitor_request;

static int parse_monitor(monitor_request *req, cli_args *args)
{
	const char *value;
	int id, r;

	while ((r = cli_next(args, monitor_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_POSITIONAL)
			return cli_usage_error("unexpected argument '%s' for command 'monitor'", value);
		if (id == OPT_VERBOSE)
			req->verbose = 1;
		else if (id == OPT_HANDLE_STUCK)
			req->handle_stuck = 1;
		else
			req->send_alerts = 1;
	}
	return CLI_CONTINUE;
}

/* ---- text output ---------------------------------------------------------- */

/* A string from the database, control characters shown as '?'. */
static void put_clean(const char *text)
{
	out_text(stdout, text, CLI_TEXT_FLAT);
}

static void print_metrics(const ecl_health_metrics *m, int hours)
{
	printf("\nPerformance Metrics (Last %d hours):\n", hours);
	printf("  Jobs Completed: %lld\n", (long long)m->jobs_completed);
	printf("  Avg Duration: %.1f seconds\n", m->avg_duration_seconds);
	printf("  Total Rows Imported: %lld\n", (long long)m->total_rows_imported);
	printf("  Avg Rows/Job: %.1f\n", m->avg_rows_per_job);
	printf("  Queue depth (due): %lld\n", (long long)m->queue_depth);
	printf("  Queued: %lld\n", (long long)m->queued_count);
	printf("  Waiting for retry: %lld\n", (long long)m->waiting_retry_count);
	printf("  Processing: %lld\n", (long long)m->processing_count);
	printf("  Import success rate: %.1f%%\n", m->success_rate);
	printf("  Retry rate: %.1f%%\n", m->retry_rate);
	printf("  Row failure ratio: %.2f%% (%lld of %lld rows)\n", m->row_failure_ratio * 100.0,
	       (long long)m->rows_failed, (long long)m->rows_processed);

	printf("\nRetry Statistics (Last %d hours):\n", hours);
	printf("  Jobs with Retries: %lld\n", (long long)m->jobs_with_retries);
	printf("  Avg Retries: %.1f\n", m->avg_retries);
	printf("  Max Retries: %lld\n", (long long)m->max_retry_count);
	printf("  Eventually Succeeded: %lld\n", (long long)m->eventually_succeeded);
	printf("  Permanently Failed: %lld\n", (long long)m->permanently_failed);
}

static void print_alerts(const ecl_health_report *r)
{
	size_t i;

	if (r->alert_count == 0) {
		puts("\nNo alerts.");
		return;
	}
	puts("\nAlerts:");
	for (i = 0; i < r->alert_count; i++) {
		const ecl_health_alert *a = &r->alerts[i];

		printf("  %s [%s] ", strcmp(a->severity, "critical") == 0 ? "\u2717" : "\u26a0", a->type);
		put_clean(a->message);
		putchar('\n');
	}
}

static void print_stuck(const ecl_health_report *r, const monitor_request *req)
{
	size_t i;

	if (r->stuck_count == 0)
		return;
	puts("\nStuck jobs (no heartbeat):");
	for (i = 0; i < r->stuck_count; i++) {
		const ecl_stuck_job *s = &r->stuck[i];

		printf("  %s ", s->job->batch_id);
		put_clean(s->job->filename);
		printf(": stuck for %lld minute(s), worker ", (long long)s->minutes_stuck);
		put_clean(s->job->worker_id);
		printf(", retry %d/%d", s->job->retry_count, s->job->max_retries);
		if (req->handle_stuck)
			printf(" -> %s", s->action);
		putchar('\n');
	}
	if (req->handle_stuck)
		printf("Requeued %lld stuck job(s), failed %lld.\n", (long long)r->requeued,
		       (long long)r->failed);
	else
		puts("Run with --handle-stuck to requeue them.");
}

static void print_text(const ecl_health_report *r, const ecl_health_options *opts,
                       const monitor_request *req)
{
	char when[32];
	const char *name = ecl_health_status_name(r->status);
	char upper[16];
	size_t i;

	for (i = 0; name && name[i] && i + 1 < sizeof(upper); i++)
		upper[i] = (char)(name[i] - ('a' <= name[i] && name[i] <= 'z' ? 'a' - 'A' : 0));
	upper[i] = '\0';
	out_time(when, r->checked_at);
	printf("Eclectyc Import System Monitor (%s UTC)\n", when);
	printf("System Status: %s\n", upper);
	if (req->verbose)
		print_metrics(&r->metrics, opts->window_hours);
	print_alerts(r);
	print_stuck(r, req);
	if (req->send_alerts) {
		printf("\nSent %lld alert(s) (%lld held back by the cooldown, %lld failed).\n",
		       (long long)r->alerts_sent, (long long)r->alerts_suppressed,
		       (long long)r->alerts_failed);
		if (r->job_alerts_sent > 0)
			printf("Sent alerts for %lld failed job(s).\n", (long long)r->job_alerts_sent);
	}
	puts("\nMonitoring complete.");
}

static int print_json(const ecl_health_report *r)
{
	ecl_buf buf = ECL_BUF_INIT;
	int rc = ecl_health_report_to_json(&buf, r);

	if (rc < 0)
		return cli_fail(rc);
	puts(buf.ptr ? buf.ptr : "{}");
	ecl_buf_dispose(&buf);
	return CLI_CONTINUE;
}

/* ---- running ---------------------------------------------------------------- */

static int check(const monitor_request *req, cli_session *session, int json)
{
	ecl_health_options opts = ECL_HEALTH_OPTIONS_INIT;
	ecl_health_report *report = NULL;
	int rc = ecl_health_options_from_config(&opts, session->config);
	int status = rc < 0 ? cli_fail(rc) : cli_configure_alerting(session);

	if (status != CLI_CONTINUE)
		return MONITOR_EXIT_FATAL;
	opts.handle_stuck = req->handle_stuck;
	opts.send_alerts = req->send_alerts;
	rc = ecl_health_check(&report, session->store, &opts);
	if (rc < 0) {
		cli_fail(rc);
		return MONITOR_EXIT_FATAL;
	}
	if (json)
		status = print_json(report);
	else
		print_text(report, &opts, req);
	/* 0 healthy, 1 degraded, 2 critical */
	status = status == CLI_CONTINUE ? (int)report->status : MONITOR_EXIT_FATAL;
	ecl_health_report_free(report);
	fflush(stdout);
	return status;
}

int cmd_monitor(cli_args *args)
{
	monitor_request req;
	cli_session session;
	int status;

	memset(&req, 0, sizeof(req));
	status = parse_monitor(&req, args);
	if (status == CLI_CONTINUE) {
		status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
		if (status == CLI_CONTINUE)
			status = check(&req, &session, args->globals->json);
		else
			status = MONITOR_EXIT_FATAL;
		cli_session_close(&session);
		return status;
	}
	/* --help exits 0; any other stop is a usage error: 3, as 2 means critical. */
	return status == CLI_EXIT_OK ? CLI_EXIT_OK : MONITOR_EXIT_FATAL;
}
