/*
 * args.c - a small long-option parser shared by every command.
 *
 * getopt_long is not used because global options must be accepted both
 * before and after the command name, each command has its own table, and
 * every error must name the command and option in our own words.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { GLOBAL_DB, GLOBAL_ENV_FILE, GLOBAL_JSON, GLOBAL_HELP, GLOBAL_VERSION };

static const cli_option global_options[] = {
	{ "db", 1, GLOBAL_DB },
	{ "env-file", 1, GLOBAL_ENV_FILE },
	{ "json", 0, GLOBAL_JSON },
	{ "help", 0, GLOBAL_HELP },
	{ "version", 0, GLOBAL_VERSION },
	{ NULL, 0, 0 }
};

void cli_args_init(cli_args *args, int argc, char **argv, cli_globals *globals)
{
	memset(args, 0, sizeof(*args));
	args->argc = argc;
	args->argv = argv;
	args->next = 1;
	args->globals = globals;
}

/* Find `name` (of length `len`, as it may be followed by "=value"). */
static const cli_option *find_option(const cli_option *table, const char *name, size_t len)
{
	if (!table)
		return NULL;
	for (; table->name; table++)
		if (strlen(table->name) == len && strncmp(table->name, name, len) == 0)
			return table;
	return NULL;
}

static int stop(cli_args *args, int exit_code)
{
	args->exit_code = exit_code;
	return CLI_ARG_STOP;
}

/* Apply a global option; --help and --version end the run at once. */
static int apply_global(cli_args *args, int id, const char *value)
{
	switch (id) {
	case GLOBAL_DB:
		args->globals->db = value;
		return CLI_CONTINUE;
	case GLOBAL_ENV_FILE:
		args->globals->env_file = value;
		return CLI_CONTINUE;
	case GLOBAL_JSON:
		args->globals->json = 1;
		return CLI_CONTINUE;
	case GLOBAL_HELP:
		/* After a command, that command's help; the whole text is long. */
		if (args->command == NULL || cli_print_command_usage(stdout, args->command) != 0)
			cli_print_usage(stdout);
		return stop(args, CLI_EXIT_OK);
	default:
		cli_print_version(stdout);
		return stop(args, CLI_EXIT_OK);
	}
}

static int unknown_option(cli_args *args, const char *arg, size_t len)
{
	if (args->command)
		cli_usage_error("unknown option '%.*s' for command '%s'", (int)len, arg, args->command);
	else
		cli_usage_error("unknown option '%.*s'", (int)len, arg);
	return stop(args, CLI_EXIT_USAGE);
}

/*
 * Split "--name[=value]" and fetch the value from the next argument when the
 * option takes one and it was not attached. Sets *found and *value.
 */
static int read_option(cli_args *args, const char *arg, const cli_option *table,
                       const cli_option **found, int *is_global, const char **value)
{
	const char *name = arg + 2;
	const char *equals = strchr(name, '=');
	size_t len = equals ? (size_t)(equals - name) : strlen(name);

	*is_global = 0;
	*found = find_option(table, name, len);
	if (!*found) {
		*found = find_option(global_options, name, len);
		*is_global = 1;
	}
	if (!*found)
		return unknown_option(args, arg, len + 2);

	*value = NULL;
	if (!(*found)->takes_value) {
		if (equals) {
			cli_usage_error("option '--%s' takes no value", (*found)->name);
			return stop(args, CLI_EXIT_USAGE);
		}
		return CLI_CONTINUE;
	}
	if (equals) {
		*value = equals + 1;
	} else if (args->next < args->argc) {
		*value = args->argv[args->next++];
	} else {
		cli_usage_error("option '--%s' requires a value", (*found)->name);
		return stop(args, CLI_EXIT_USAGE);
	}
	return CLI_CONTINUE;
}

int cli_next(cli_args *args, const cli_option *table, int *id, const char **value)
{
	while (args->next < args->argc) {
		const char *arg = args->argv[args->next++];
		const cli_option *found;
		int is_global, rc;

		/* "-" alone is conventionally a positional (stdin), never an option. */
		if (args->only_positional || arg[0] != '-' || arg[1] == '\0') {
			*value = arg;
			return CLI_ARG_POSITIONAL;
		}
		if (strcmp(arg, "--") == 0) {
			args->only_positional = 1;
			continue;
		}
		if (strcmp(arg, "-h") == 0)
			return apply_global(args, GLOBAL_HELP, NULL);
		if (arg[1] != '-')
			return unknown_option(args, arg, strlen(arg));

		rc = read_option(args, arg, table, &found, &is_global, value);
		if (rc != CLI_CONTINUE)
			return rc;
		if (!is_global) {
			*id = found->id;
			return CLI_ARG_OPTION;
		}
		rc = apply_global(args, found->id, *value);
		if (rc != CLI_CONTINUE)
			return rc;
	}
	return CLI_ARG_END;
}

int cli_parse_number(int64_t *out, const char *text, const char *option,
                     int64_t min, int64_t max)
{
	const char *digits = text[0] == '-' ? text + 1 : text;
	char *end;
	long long parsed;

	/* strtoll alone would accept " 12", "+12" and "12x"; we accept none. */
	if (*digits < '0' || *digits > '9')
		goto bad;
	errno = 0;
	parsed = strtoll(text, &end, 10);
	if (errno == ERANGE || *end != '\0' || parsed < min || parsed > max)
		goto bad;
	*out = (int64_t)parsed;
	return CLI_CONTINUE;
bad:
	return cli_usage_error("invalid value '%s' for --%s (expected a whole number from %"
	                       PRId64 " to %" PRId64 ")", text, option, min, max);
}

/* The ID is not checked here: the library's "not found" names it better. */
int cli_parse_job_id(const char **batch_id, cli_args *args, const cli_option *table,
                     int (*apply)(void *target, int id, const char *value), void *target)
{
	const char *value;
	int id, r, status;

	*batch_id = NULL;
	while ((r = cli_next(args, table, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_OPTION) {
			status = apply(target, id, value);
			if (status != CLI_CONTINUE)
				return status;
			continue;
		}
		if (*batch_id)
			return cli_usage_error("unexpected argument '%s' for command '%s' "
			                       "(one job ID)", value, args->command);
		*batch_id = value;
	}
	if (!*batch_id)
		return cli_usage_error("command '%s' needs a job ID", args->command);
	return CLI_CONTINUE;
}
