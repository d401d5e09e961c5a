/*
 * cmd_migrate.c - `eclectyc migrate [--check | --dry-run]`.
 *
 * --check and --dry-run must leave the database exactly as it was, so they
 * only inspect: --check prints the report from ecl_store_check() and makes
 * it the exit status, which lets deployment scripts gate on it; --dry-run
 * prints the statements a migration would run (ecl_store_migrate_plan()),
 * for a database other applications share.
 */
#include <string.h>

#include <jansson.h>

#include "cli.h"

enum { OPT_CHECK, OPT_DRY_RUN };

static const cli_option migrate_options[] = {
	{ "check", 0, OPT_CHECK },
	{ "dry-run", 0, OPT_DRY_RUN },
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

static int print_plan(ecl_store *store, int json)
{
	ecl_buf plan = ECL_BUF_INIT;
	int current = 0, expected = 0, status = CLI_EXIT_OK;
	int rc = ecl_store_migrate_plan(&plan, store);

	if (rc == 0)
		rc = ecl_store_schema_version(&current, &expected, store);
	if (rc < 0)
		status = cli_fail(rc);
	else if (json)
		status = out_json(json_pack("{s:i, s:i, s:s}", "current_version", current,
		                            "expected_version", expected, "sql", plan.ptr ? plan.ptr : ""));
	else if (plan.size == 0)
		printf("Schema is current (version %d): nothing to apply\n", current);
	else if (strncmp(plan.ptr, "-- adopting", 11) == 0)   /* another application's database */
		printf("-- the database would be adopted at schema version %d; nothing was applied\n%s",
		       expected, plan.ptr);
	else
		printf("-- %d migration%s would run (version %d to %d); nothing was applied\n%s",
		       expected - current, expected - current == 1 ? "" : "s", current, expected, plan.ptr);
	ecl_buf_dispose(&plan);
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
	int check = 0, dry_run = 0, id, r, status;

	while ((r = cli_next(args, migrate_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_POSITIONAL)
			return cli_usage_error("unexpected argument '%s' for command 'migrate'", value);
		if (id == OPT_CHECK)
			check = 1;
		else
			dry_run = 1;
	}
	if (check && dry_run)
		return cli_usage_error("--check and --dry-run do not go together");

	/* --check and --dry-run inspect: they never create the store asked about. */
	status = cli_session_open(&session, args->globals,
	                          check || dry_run ? CLI_SCHEMA_ANY : CLI_SCHEMA_CREATE);
	if (status == CLI_CONTINUE && dry_run)
		status = print_plan(session.store, args->globals->json);
	else if (status == CLI_CONTINUE)
		status = check ? check_schema(session.store, args->globals->json)
		               : apply_migrations(session.store, args->globals->json);
	cli_session_close(&session);
	return status;
}
