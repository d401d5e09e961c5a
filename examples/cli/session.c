/*
 * session.c - from configuration to an open store.
 *
 * Every command but `migrate` refuses to run on an outdated schema, so that
 * an operator who upgraded the tool is told to migrate instead of seeing a
 * database error about a missing column halfway through. Only `migrate`
 * creates a store: SQLite would create a missing file on open, and a typo
 * in --db (or a command run in the wrong directory, with the default
 * sqlite://eclectyc.db) would leave an empty database behind and then ask
 * for a migration of the wrong file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Used only when the configuration has no ECLECTYC_DB at all. */
#define FALLBACK_URI "sqlite://eclectyc.db"

/* The store's log when the command sets none: stderr (cli_log). */
static cli_log stderr_log;

static int require_current_schema(ecl_store *store)
{
	int current, expected;
	int rc = ecl_store_schema_version(&current, &expected, store);

	if (rc < 0)
		return cli_fail(rc);
	if (current < expected)
		return cli_failf("the database schema is at version %d but this eclectyc needs "
		                 "version %d; run `eclectyc migrate` first", current, expected);
	/* A newer schema may have constraints this build does not know to keep. */
	if (current > expected)
		return cli_failf("the database schema is at version %d, newer than version %d "
		                 "that this eclectyc knows; upgrade eclectyc", current, expected);
	return CLI_CONTINUE;
}

/* The library reads the user's profile directory from the environment
 * (so a worker's jobs see it too): a .env file's value is put there. */
void cli_apply_profile_dir(const ecl_config *config)
{
	const char *dir = ecl_config_get(config, "ECLECTYC_PROFILE_DIR");

	if (dir != NULL && *dir != '\0')
		setenv("ECLECTYC_PROFILE_DIR", dir, 1);
}

int cli_load_profile_dir(const cli_globals *globals)
{
	ecl_config *config = NULL;
	int rc = ecl_config_load(&config, globals->env_file);

	if (rc < 0)
		return cli_fail(rc);
	cli_apply_profile_dir(config);
	ecl_config_free(config);
	return CLI_CONTINUE;
}

/*
 * The SQLite file a URI names, when the URI is a file one ("sqlite:///abs",
 * "sqlite://rel", as the backend reads them); NULL for any other store.
 */
static const char *sqlite_file(const char *uri)
{
	static const char scheme[] = "sqlite://";

	if (strncmp(uri, scheme, sizeof(scheme) - 1) != 0 || uri[sizeof(scheme) - 1] == '\0')
		return NULL;
	return uri + sizeof(scheme) - 1;
}

/* Refuse a store that does not exist yet (see the top of this file). */
static int require_existing_store(const char *uri)
{
	const char *path = sqlite_file(uri);
	char cwd[4096];
	struct stat st;

	if (path == NULL || stat(path, &st) == 0)
		return CLI_CONTINUE;  /* not a file, or there: the library says the rest */
	if (errno != ENOENT)
		return CLI_CONTINUE;  /* unreadable: the library's message is better */
	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		return cli_failf("cannot open the store %s: the SQLite database file \"%s\" does "
		                 "not exist in %s; run `eclectyc migrate` to create it (or give the "
		                 "store with --db or ECLECTYC_DB)", uri, path, cwd);
	return cli_failf("cannot open the store %s: the SQLite database file \"%s\" does not "
	                 "exist; run `eclectyc migrate` to create it (or give the store with "
	                 "--db or ECLECTYC_DB)", uri, path);
}

int cli_session_open(cli_session *session, const cli_globals *globals, int schema)
{
	ecl_store_options opts = ECL_STORE_OPTIONS_INIT;
	ecl_config *config = NULL;
	ecl_store *store = NULL;
	const char *uri;
	int rc, status;

	/* Handles are kept only on success: the headers do not promise what a
	 * failed constructor leaves in its out-parameter. */
	memset(session, 0, sizeof(*session));
	rc = ecl_config_load(&config, globals->env_file);
	if (rc < 0)
		return cli_fail(rc);
	session->config = config;
	cli_apply_profile_dir(config);

	uri = globals->db ? globals->db : ecl_config_get(session->config, "ECLECTYC_DB");
	if (!uri)
		uri = FALLBACK_URI;
	/* The library reads the keys (and names a bad one), as it does for
	 * the bindings: one reading of the configuration for every host. */
	rc = ecl_store_options_from_config(&opts, session->config);
	if (rc < 0)
		return cli_fail(rc);
	if (globals->log != NULL) {
		opts.log = globals->log;
		opts.log_payload = globals->log_payload;
	} else {
		/* Not the library's default sink, which prints messages as they
		 * are: this one stamps each line and escapes what it quotes (file
		 * names), like the worker's log. */
		cli_log_init(&stderr_log);
		opts.log = cli_log_cb;
		opts.log_payload = &stderr_log;
	}

	if (schema != CLI_SCHEMA_CREATE) {
		status = require_existing_store(uri);
		if (status != CLI_CONTINUE)
			return status;
	}
	rc = ecl_store_open(&store, uri, &opts);
	if (rc < 0)
		return cli_fail(rc);
	session->store = store;
	if (schema == CLI_SCHEMA_CURRENT)
		return require_current_schema(session->store);
	return CLI_CONTINUE;
}

void cli_session_close(cli_session *session)
{
	ecl_store_free(session->store);
	ecl_config_free(session->config);
	session->store = NULL;
	session->config = NULL;
}
