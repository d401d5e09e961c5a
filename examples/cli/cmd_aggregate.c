/*
 * cmd_aggregate.c - `eclectyc aggregate [--all | --range R]... [--date D |
 * --from D --to D] [--verbose]`: roll half-hour readings up into the daily,
 * weekly, monthly and annual tables, as the reference's aggregate_cron.php
 * did, one line per range.
 *
 * Ranges always run daily, weekly, monthly, annual, whatever order they were
 * given in, so each roll-up sees fresh daily rows; a range given twice runs
 * once. A failed range does not stop the later ones. The exit status is 0
 * only when every range completed: a partial run (some meters failed, the
 * others were committed) is 1, like a failed one, because the reference's
 * cron exit code was 1 for any per-meter error.
 *
 * Also here: the peak window from ECLECTYC_PEAK_START/ECLECTYC_PEAK_END,
 * which the worker's re-aggregation uses too, and the strict YYYY-MM-DD check
 * that `aggregate` and `quality` share.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_ALL, OPT_RANGE, OPT_DATE, OPT_FROM, OPT_TO, OPT_VERBOSE };

static const cli_option aggregate_options[] = {
	{ "all", 0, OPT_ALL },
	{ "range", 1, OPT_RANGE },
	{ "date", 1, OPT_DATE },
	{ "from", 1, OPT_FROM },
	{ "to", 1, OPT_TO },
	{ "verbose", 0, OPT_VERBOSE },
	{ NULL, 0, 0 }
};

typedef struct aggregate_request {
	int selected[ECL_RANGE_COUNT];  /* ranges to run, by ecl_range */
	int any_selected;
	const char *date;               /* --date, or NULL for yesterday */
	const char *from;               /* --from and --to: date and until */
	const char *to;
	int verbose;
} aggregate_request;

/* ---- shared helpers (cli.h) ------------------------------------------------ */

static int is_digits(const char *text, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (text[i] < '0' || text[i] > '9')
			return 0;
	return 1;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

int cli_check_date(const char *text, const char *option)
{
	int year, month, day;

	if (strlen(text) != 10 || text[4] != '-' || text[7] != '-' || !is_digits(text, 4) ||
	    !is_digits(text + 5, 2) || !is_digits(text + 8, 2))
		return cli_usage_error("invalid value '%s' for --%s (expected a date YYYY-MM-DD)",
		                       text, option);
	year = atoi(text);
	month = atoi(text + 5);
	day = atoi(text + 8);
	/* Never rolled over: 2025-02-30 is not 2025-03-02. */
	if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
		return cli_usage_error("invalid value '%s' for --%s (no such date)", text, option);
	return CLI_CONTINUE;
}

/* ---- options --------------------------------------------------------------- */

static void select_all(aggregate_request *req)
{
	int i;

	for (i = 0; i < ECL_RANGE_COUNT; i++)
		req->selected[i] = 1;
	req->any_selected = 1;
}

static int select_range(aggregate_request *req, const char *value)
{
	ecl_range range;

	/* The reference's --range=all, so its crontab lines carry over. */
	if (strcmp(value, "all") == 0) {
		select_all(req);
		return CLI_CONTINUE;
	}
	if (ecl_range_parse(&range, value) < 0)
		return cli_usage_error("invalid value '%s' for --range "
		                       "(expected daily, weekly, monthly, annual or all)", value);
	req->selected[range] = 1;
	req->any_selected = 1;
	return CLI_CONTINUE;
}

static int apply_option(aggregate_request *req, int id, const char *value)
{
	switch (id) {
	case OPT_ALL:
		select_all(req);
		return CLI_CONTINUE;
	case OPT_RANGE:
		return select_range(req, value);
	case OPT_DATE:
		req->date = value;
		return cli_check_date(value, "date");
	case OPT_FROM:
		req->from = value;
		return cli_check_date(value, "from");
	case OPT_TO:
		req->to = value;
		return cli_check_date(value, "to");
	case OPT_VERBOSE:
		req->verbose = 1;
		return CLI_CONTINUE;
	default:
		return cli_failf("internal error: unhandled aggregate option %d", id);
	}
}

static int parse_aggregate(aggregate_request *req, cli_args *args)
{
	const char *value;
	int id, r, status;

	while ((r = cli_next(args, aggregate_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_POSITIONAL)
			return cli_usage_error("unexpected argument '%s' for command 'aggregate'", value);
		status = apply_option(req, id, value);
		if (status != CLI_CONTINUE)
			return status;
	}
	if (req->date && (req->from || req->to))
		return cli_usage_error("option '--date' cannot be used with '--from'/'--to'");
	if (!req->from != !req->to)
		return cli_usage_error("options '--from' and '--to' go together");
	/* Both are valid YYYY-MM-DD here, so text order is date order. */
	if (req->from && strcmp(req->from, req->to) > 0)
		return cli_usage_error("--from %s is after --to %s", req->from, req->to);
	if (!req->any_selected)
		req->selected[ECL_RANGE_DAILY] = 1;
	return CLI_CONTINUE;
}

/* ---- output ---------------------------------------------------------------- */

/* Library text may quote stored identifiers: no control characters reach
 * the terminal. */
static void put_clean(FILE *to, const char *text)
{
	out_text(to, text, CLI_TEXT_FLAT);
}

static void print_report_text(const ecl_aggregate_report *r, int verbose)
{
	size_t i;
	int listed = 0;

	printf("%s %s..%s: %s, %lld meters, %lld written, %lld unchanged, %lld removed, "
	       "%lld errors, %lld warnings (%.3f s) %s\n",
	       ecl_range_name(r->range), r->period_start, r->period_end,
	       ecl_run_status_name(r->status), (long long)r->meters_processed,
	       (long long)r->rows_written, (long long)r->rows_unchanged, (long long)r->rows_removed,
	       (long long)r->error_count, (long long)r->warning_count, r->duration_seconds,
	       r->execution_id);
	if (!verbose)
		return;
	for (i = 0; i < r->message_count; i++) {
		fputs("  ", stdout);
		put_clean(stdout, r->messages[i]);
		putchar('\n');
		if (r->error_message && strcmp(r->messages[i], r->error_message) == 0)
			listed = 1;
	}
	if (r->error_message && !listed) {
		fputs("  ", stdout);
		put_clean(stdout, r->error_message);
		putchar('\n');
	}
}

/* Say on stderr why a range did not complete; returns CLI_EXIT_ERROR. */
static int report_trouble(const ecl_aggregate_report *r)
{
	const char *name = ecl_range_name(r->range);
	const char *why = r->error_message ? r->error_message : "no detail";

	fprintf(stderr, "eclectyc: %s aggregation ", name);
	if (r->status == ECL_RUN_PARTIAL)
		fprintf(stderr, "partial: %lld meter(s) failed; the first: ", (long long)r->error_count);
	else
		fputs("failed: ", stderr);
	put_clean(stderr, why);
	fputc('\n', stderr);
	return CLI_EXIT_ERROR;
}

static int print_json_element(const ecl_aggregate_report *r, int first)
{
	ecl_buf buf = ECL_BUF_INIT;
	int rc = ecl_aggregate_report_to_json(&buf, r);

	if (rc < 0)
		return cli_fail(rc);
	if (!first)
		putchar(',');
	fputs(buf.ptr ? buf.ptr : "{}", stdout);
	ecl_buf_dispose(&buf);
	return CLI_CONTINUE;
}

/* ---- running --------------------------------------------------------------- */

static int run_ranges(const aggregate_request *req, cli_session *session, int json)
{
	ecl_aggregate_options opts = ECL_AGGREGATE_OPTIONS_INIT;
	const char *date = req->from ? req->from : req->date;
	int rc = ecl_aggregate_options_from_config(&opts, session->config);
	int outcome = CLI_EXIT_OK;
	int status = CLI_CONTINUE;
	int i, printed = 0;

	if (rc < 0)
		return cli_fail(rc);
	opts.until = req->to;
	if (json)
		putchar('[');
	for (i = 0; i < ECL_RANGE_COUNT; i++) {
		ecl_aggregate_report *report = NULL;

		if (!req->selected[i])
			continue;
		rc = ecl_aggregate(&report, session->store, (ecl_range)i, date, &opts);
		if (!report) {
			/* Refused before it ran (schema, arguments): so would the rest be. */
			outcome = cli_fail(rc);
			break;
		}
		if (json)
			status = print_json_element(report, printed == 0);
		else
			print_report_text(report, req->verbose);
		printed++;
		fflush(stdout);
		if (report->status != ECL_RUN_COMPLETED)
			outcome = report_trouble(report);
		ecl_aggregate_report_free(report);
		if (status != CLI_CONTINUE) {
			outcome = status;
			break;
		}
	}
	if (json)
		puts("]");
	return outcome;
}

int cmd_aggregate(cli_args *args)
{
	aggregate_request req;
	cli_session session;
	int status;

	memset(&req, 0, sizeof(req));
	status = parse_aggregate(&req, args);
	if (status != CLI_CONTINUE)
		return status;
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	/* A failed or partial run raises an alert through the configured channels. */
	if (status == CLI_CONTINUE)
		status = cli_configure_alerting(&session);
	if (status == CLI_CONTINUE)
		status = run_ranges(&req, &session, args->globals->json);
	cli_session_close(&session);
	return status;
}
