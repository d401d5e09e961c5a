/*
 * main.c - `eclectyc`, the operator's command line for the import-job queue,
 * the worker that runs it, aggregation and data-quality checks.
 *
 * Reads the global options that precede the command, dispatches to the
 * command (which accepts the global options too), and turns a failed write
 * to stdout into an error so that `eclectyc jobs > full-disk` does not
 * silently succeed.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"

typedef struct cli_command {
	const char *name;
	int (*run)(cli_args *args);
} cli_command;

static const cli_command commands[] = {
	{ "migrate", cmd_migrate },
	{ "import", cmd_import },
	{ "jobs", cmd_jobs },
	{ "job", cmd_job },
	{ "retry", cmd_retry },
	{ "cancel", cmd_cancel },
	{ "worker", cmd_worker },
	{ "aggregate", cmd_aggregate },
	{ "quality", cmd_quality },
	{ "monitor", cmd_monitor },
	{ "cleanup", cmd_cleanup },
	{ "alert-test", cmd_alert_test },
	{ "profiles", cmd_profiles },
	{ "detect", cmd_detect },
	{ "sources", cmd_sources },
	{ "collect", cmd_collect },
	{ NULL, NULL }
};

static const cli_command *find_command(const char *name)
{
	const cli_command *command;

	for (command = commands; command->name; command++)
		if (strcmp(command->name, name) == 0)
			return command;
	return NULL;
}

/* Parse the global options up to the command name and run the command. */
static int dispatch(int argc, char **argv)
{
	cli_globals globals = { NULL, NULL, 0, NULL, NULL };
	const cli_command *command;
	const char *name = NULL;
	cli_args args;
	int id;

	cli_args_init(&args, argc, argv, &globals);
	switch (cli_next(&args, NULL, &id, &name)) {
	case CLI_ARG_STOP:
		return args.exit_code;
	case CLI_ARG_END:
		return cli_usage_error("no command given");
	default:
		break;
	}
	command = find_command(name);
	if (!command)
		return cli_usage_error("unknown command '%s'", name);
	args.command = command->name;
	return command->run(&args);
}

int main(int argc, char **argv)
{
	int status = dispatch(argc, argv);

	/* Output is buffered: only fclose tells whether it all reached its
	 * destination. */
	if (fclose(stdout) != 0 && status == CLI_EXIT_OK)
		status = cli_failf("cannot write output: %s", strerror(errno));
	return status;
}
