/*
 * cmd_migrate.c - `eclectyc migrate [--check]`.
 *
 * --check must leave the database exactly as it was, so it only inspects:
 * the report from ecl_store_check() is printed and becomes the exit status,
 * which lets deployment scripts gate on it.
 */
#include <jansson.h>

#include "cli.h"

enum { OPT_CHECK };

static const cli_option migrate_options[] = {
	{ "check", 0, OPT_CHECK },
	{ NULL, 0, 0 }
};

static int print_report_json(const ecl_schema_report *report)
{
	json_t *problems = json_array();
	json_t *result;
	size_t i;

	for (i = 0; i < report->count; i++)
		json_array_append_new(problems, json_string(report->problems[i]));
	result = json_pack("{s:b, s:i, s:i, s:o}", "ok", report->count == 0,
	                   "current_version", report->current_version,
	                   "expected_version", report->expected_version, "problems", problems);
	return out_json(result);
}

static int print_report_text(const ecl_schema_report *report)
{
	size_t i;

	if (report->count == 0) {
		printf("Schema OK (version %d)\n", report->current_version);
		return CLI_CONTINUE;
	}
	for (i = 0; i < report->count; i++) {
		out_text(stdout, report->problems[i], CLI_TEXT_FLAT);
		putchar('\n');
	}
	return CLI_CONTINUE;
}

static int check_schema(ecl_store *store, int json)
{
	ecl_schema_report *report = NULL;
	int rc = ecl_store_check(&report, store);
	int status;

	if (rc < 0)
		return cli_fail(rc);
	status = json ? print_report_json(report) : print_report_text(report);
	if (status == CLI_CONTINUE && report->count > 0)
		status = cli_failf("schema check found %zu problem%s (schema version %d, expected %d)",
		                   report->count, report->count == 1 ? "" : "s",
		                   report->current_version, report->expected_version);
	ecl_schema_report_free(report);
	return status == CLI_CONTINUE ? CLI_EXIT_OK : status;
}

static int apply_migrations(ecl_store *store, int json)
{
	int current, expected, rc, status;

	rc = ecl_store_migrate(store);
	if (rc < 0)
		return cli_fail(rc);
	rc = ecl_store_schema_version(&current, &expected, store);
	if (rc < 0)
		return cli_fail(rc);
	if (!json) {
		printf("Schema at version %d\n", current);
		return CLI_EXIT_OK;
	}
	status = out_json(json_pack("{s:i}", "schema_version", current));
	return status == CLI_CONTINUE ? CLI_EXIT_OK : status;
}

int cmd_migrate(cli_args *args)
{
	cli_session session;
	const char *value;
	int check = 0, id, r, status;

	while ((r = cli_next(args, migrate_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_POSITIONAL)
			return cli_usage_error("unexpected argument '%s' for command 'migrate'", value);
		check = 1;
	}

	/* --check inspects: it never creates the store it was asked about. */
	status = cli_session_open(&session, args->globals, check ? CLI_SCHEMA_ANY : CLI_SCHEMA_CREATE);
	if (status == CLI_CONTINUE)
		status = check ? check_schema(session.store, args->globals->json)
		               : apply_migrations(session.store, args->globals->json);
	cli_session_close(&session);
	return status;
}
