/*
 * cmd_collect.c - `eclectyc collect [--source NAME] [--settle-ms MS]`: poll
 * the due data feeds (or the one named, due or not) once, queue their new
 * files and run the after-actions of files whose jobs have completed
 * (ecl_source_collect(), docs/feeds.md). For cron; `eclectyc worker`
 * collects between jobs by itself.
 *
 * A source whose server fails is reported, recorded on the source and in
 * the log, and the others still run: the exit status is 1 when any failed.
 */
#include <string.h>

#include <jansson.h>

#include "cli.h"

enum { OPT_SOURCE, OPT_SETTLE_MS };

static const cli_option collect_options[] = {
	{ "source", 1, OPT_SOURCE },
	{ "settle-ms", 1, OPT_SETTLE_MS },
	{ NULL, 0, 0 }
};

static int print_report(const ecl_collect_report *r, int json)
{
	if (json)
		return out_json(json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "sources", (json_int_t)r->sources,
		                          "failed", (json_int_t)r->failed, "seen", (json_int_t)r->seen,
		                          "taken", (json_int_t)r->taken, "skipped", (json_int_t)r->skipped,
		                          "settled", (json_int_t)r->settled));
	printf("Collected %zu source(s): %zu file(s) seen, %zu queued, %zu skipped, %zu settled",
	       r->sources, r->seen, r->taken, r->skipped, r->settled);
	if (r->failed > 0)
		printf("; %zu failed (see 'eclectyc sources list')", r->failed);
	putchar('\n');
	return CLI_CONTINUE;
}

int cmd_collect(cli_args *args)
{
	ecl_collect_options opts = ECL_COLLECT_OPTIONS_INIT;
	ecl_collect_report report;
	cli_session session;
	const char *value;
	int64_t settle = -1;
	int id, r, rc, status = CLI_CONTINUE;

	while (status == CLI_CONTINUE && (r = cli_next(args, collect_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_POSITIONAL)
			status = cli_usage_error("unexpected argument '%s' for command 'collect'", value);
		else if (id == OPT_SOURCE)
			opts.source = value;
		else
			status = cli_parse_number(&settle, value, "settle-ms", 0, 600000);
	}
	if (status != CLI_CONTINUE)
		return status;
	opts.settle_ms = (int)settle;
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	if (status == CLI_CONTINUE) {
		rc = ecl_source_collect(&report, session.store, &opts);
		if (rc < 0)
			status = cli_fail(rc);
		else
			status = print_report(&report, args->globals->json);
		if (status == CLI_CONTINUE)
			status = report.failed > 0 ? CLI_EXIT_ERROR : CLI_EXIT_OK;
	}
	cli_session_close(&session);
	return status;
}
