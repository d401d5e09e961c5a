/*
 * cmd_quality.c - `eclectyc quality [--date D] [--meter MPAN] [--verbose]`:
 * check one settlement day's readings per meter and store the findings in
 * data_quality_issues, as the reference's run_data_quality_checks.php did,
 * with its output lines.
 *
 * Finding issues is the point of the check, not a failure: the exit status
 * is 0 whenever the check ran, as the reference's; 1 only when it could not
 * run (an unknown meter, a storage error).
 */
#include <string.h>

#include "cli.h"

enum { OPT_DATE, OPT_METER, OPT_VERBOSE };

static const cli_option quality_options[] = {
	{ "date", 1, OPT_DATE },
	{ "meter", 1, OPT_METER },
	{ "verbose", 0, OPT_VERBOSE },
	{ NULL, 0, 0 }
};

typedef struct quality_request {
	const char *date;   /* NULL: yesterday */
	const char *meter;  /* NULL: every active meter */
	int verbose;
} quality_request;

static int apply_option(quality_request *req, int id, const char *value)
{
	switch (id) {
	case OPT_DATE:
		req->date = value;
		return cli_check_date(value, "date");
	case OPT_METER:
		if (value[0] == '\0')
			return cli_usage_error("--meter needs a non-empty MPAN");
		req->meter = value;
		return CLI_CONTINUE;
	case OPT_VERBOSE:
		req->verbose = 1;
		return CLI_CONTINUE;
	default:
		return cli_failf("internal error: unhandled quality option %d", id);
	}
}

static int parse_quality(quality_request *req, cli_args *args)
{
	const char *value;
	int id, r, status;

	while ((r = cli_next(args, quality_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_POSITIONAL)
			return cli_usage_error("unexpected argument '%s' for command 'quality'", value);
		status = apply_option(req, id, value);
		if (status != CLI_CONTINUE)
			return status;
	}
	return CLI_CONTINUE;
}

/* ---- text output ----------------------------------------------------------- */

/* An MPAN comes from the store, which took it from an upload. */
static void put_clean(const char *text)
{
	out_text(stdout, text, CLI_TEXT_FLAT);
}

/* Ascending period numbers as ranges: 5-7,12. */
static void print_period_ranges(const int *periods, size_t count)
{
	size_t i = 0;

	while (i < count) {
		size_t j = i;

		while (j + 1 < count && periods[j + 1] == periods[j] + 1)
			j++;
		if (i > 0)
			putchar(',');
		if (j > i)
			printf("%d-%d", periods[i], periods[j]);
		else
			printf("%d", periods[i]);
		i = j + 1;
	}
}

/* "period 12: -0.5, daily total: 0" */
static void print_values(const ecl_quality_value *values, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (i > 0)
			fputs(", ", stdout);
		if (values[i].period > 0)
			printf("period %d: %g", values[i].period, values[i].value);
		else
			printf("daily total: %g", values[i].value);
	}
}

static void print_meter(const ecl_quality_meter *m)
{
	fputs("  Meter ", stdout);
	put_clean(m->mpan ? m->mpan : "?");
	printf(": %.2f%% complete (%d of %d expected readings, %s)%s\n", m->completeness, m->actual,
	       m->expected, m->source ? m->source : "?", m->has_issues ? "" : ", no issues");
	if (m->missing_count > 0) {
		printf("    Missing periods (%zu): ", m->missing_count);
		print_period_ranges(m->missing_periods, m->missing_count);
		putchar('\n');
	}
	if (m->zero_count > 0) {
		printf("    Zero readings (%zu): ", m->zero_count);
		print_values(m->zeros, m->zero_count);
		putchar('\n');
	}
	if (m->negative_count > 0) {
		printf("    Negative readings (%zu): ", m->negative_count);
		print_values(m->negatives, m->negative_count);
		putchar('\n');
	}
	if (m->outlier_count > 0) {
		printf("    Outliers (%zu): ", m->outlier_count);
		print_values(m->outliers, m->outlier_count);
		if (m->bounds_known)
			printf(" (bounds %g to %g)", m->lower_bound, m->upper_bound);
		putchar('\n');
	}
}

static void print_report_text(const ecl_quality_report *report, int verbose)
{
	size_t i;

	printf("Running data quality checks for %s\n", report->date);
	printf("Checking %lld meters...\n", (long long)report->meters_checked);
	if (verbose)
		for (i = 0; i < report->meter_count; i++)
			print_meter(&report->meters[i]);
	puts("Data quality check complete.");
	printf("Meters with issues: %lld\n", (long long)report->meters_with_issues);
}

static int print_report_json(const ecl_quality_report *report, int verbose)
{
	ecl_buf buf = ECL_BUF_INIT;
	int rc = ecl_quality_report_to_json(&buf, report, !verbose);

	if (rc < 0) {
		ecl_buf_dispose(&buf);
		return cli_fail(rc);
	}
	puts(buf.ptr ? buf.ptr : "{}");
	ecl_buf_dispose(&buf);
	return CLI_EXIT_OK;
}

/* ---- running --------------------------------------------------------------- */

static int check(const quality_request *req, cli_session *session, int json)
{
	ecl_quality_options opts = ECL_QUALITY_OPTIONS_INIT;
	ecl_quality_report *report = NULL;
	int rc, status = CLI_EXIT_OK;

	opts.mpan = req->meter;
	rc = ecl_quality_check(&report, session->store, req->date, &opts);
	if (rc < 0)
		return cli_fail(rc);
	if (json)
		status = print_report_json(report, req->verbose);
	else
		print_report_text(report, req->verbose);
	ecl_quality_report_free(report);
	return status;
}

int cmd_quality(cli_args *args)
{
	quality_request req;
	cli_session session;
	int status;

	memset(&req, 0, sizeof(req));
	status = parse_quality(&req, args);
	if (status != CLI_CONTINUE)
		return status;
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	if (status == CLI_CONTINUE)
		status = check(&req, &session, args->globals->json);
	cli_session_close(&session);
	return status;
}
