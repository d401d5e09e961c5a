/*
 * cli.h - shared declarations of the `eclectyc` command line tool.
 *
 * The tool is a thin operator's front end over the public libeclectyc API:
 * every command parses its own options (with the global ones accepted
 * anywhere), opens a store through cli_session_open() and prints through the
 * out_* helpers, so each command file only holds what is particular to it.
 */
#ifndef ECL_CLI_H
#define ECL_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <eclectyc.h>

/* jansson's value type, declared here so only the files that build JSON
 * need <jansson.h>. */
struct json_t;

/* Exit statuses, as documented in --help. */
enum {
	CLI_EXIT_OK = 0,     /* success */
	CLI_EXIT_ERROR = 1,  /* operational error: the library refused or failed */
	CLI_EXIT_USAGE = 2   /* the command line itself is wrong */
};

/* Returned by parse helpers to mean "no exit yet, carry on"; every other
 * value they return is an exit status to hand back from main(). */
#define CLI_CONTINUE (-1)

/* ---- argument parsing (args.c) --------------------------------------- */

/* Options that apply to every command, wherever they appear. */
typedef struct cli_globals {
	const char *db;        /* --db URI, or NULL for the configuration's */
	const char *env_file;  /* --env-file PATH, or NULL */
	int json;              /* --json */
	/* The store's log sink for cli_session_open(); NULL: the library's
	 * default (stderr). Set by a command before it opens the session. */
	ecl_log_cb log;
	void *log_payload;
} cli_globals;

/* One long option of a command; tables end with a NULL name. */
typedef struct cli_option {
	const char *name;  /* without the leading "--" */
	int takes_value;
	int id;            /* handed back by cli_next() */
} cli_option;

/* A walk over argv. Global options are consumed as they are met. */
typedef struct cli_args {
	int argc;
	char **argv;
	int next;             /* index of the next argument to read */
	int only_positional;  /* set after "--" */
	const char *command;  /* the command being parsed, NULL before it */
	cli_globals *globals;
	int exit_code;        /* valid when cli_next() returned CLI_ARG_STOP */
} cli_args;

/* What cli_next() found. */
enum {
	CLI_ARG_END = 0,         /* no arguments left */
	CLI_ARG_OPTION = 1,      /* a command option: *id, and *value if it takes one */
	CLI_ARG_POSITIONAL = 2,  /* a positional argument in *value */
	CLI_ARG_STOP = 3         /* exit now with args->exit_code (help, version, usage error) */
};

void cli_args_init(cli_args *args, int argc, char **argv, cli_globals *globals);
int cli_next(cli_args *args, const cli_option *table, int *id, const char **value);

/*
 * Parse a whole decimal number in [min, max] strictly: no sign other than a
 * leading '-', no spaces, no trailing characters. On failure prints a usage
 * error naming `option` and returns CLI_EXIT_USAGE; else CLI_CONTINUE.
 */
int cli_parse_number(int64_t *out, const char *text, const char *option,
                     int64_t min, int64_t max);

/*
 * Read the single job ID argument of `job`, `retry` and `cancel`; the
 * command's own options in `table` (NULL for none) go to apply(target, ...).
 * Returns CLI_CONTINUE with *batch_id set, or an exit status.
 */
int cli_parse_job_id(const char **batch_id, cli_args *args, const cli_option *table,
                     int (*apply)(void *target, int id, const char *value), void *target);

/* ---- import policy options (policy.c) -------------------------------- */

/*
 * How rows are imported: the options shared by `import --now` and `worker`.
 * Their ids start at CLI_POLICY_FIRST so that a command's table can hold its
 * own options and CLI_POLICY_OPTIONS side by side.
 */
enum {
	CLI_POLICY_FIRST = 100,
	CLI_POLICY_UNKNOWN_METERS = CLI_POLICY_FIRST,
	CLI_POLICY_NEGATIVES,
	CLI_POLICY_OVERWRITE_ACTUAL,
	CLI_POLICY_MONTH_FIRST,
	CLI_POLICY_INTERVAL_END,
	CLI_POLICY_BATCH_SIZE,
	CLI_POLICY_LAST = CLI_POLICY_BATCH_SIZE
};

#define CLI_POLICY_OPTIONS \
	{ "unknown-meters", 1, CLI_POLICY_UNKNOWN_METERS }, \
	{ "negatives", 1, CLI_POLICY_NEGATIVES }, \
	{ "overwrite-actual", 0, CLI_POLICY_OVERWRITE_ACTUAL }, \
	{ "month-first", 0, CLI_POLICY_MONTH_FIRST }, \
	{ "interval-end", 0, CLI_POLICY_INTERVAL_END }, \
	{ "batch-size", 1, CLI_POLICY_BATCH_SIZE }

typedef struct cli_policy {
	ecl_unknown_meter_policy unknown_meters;
	ecl_negative_policy negatives;
	int overwrite_actual;
	int month_first;
	int interval_end;
	int batch_size;      /* 0 until --batch-size sets it (ECLECTYC_BATCH_SIZE is read by
	                        ecl_ingest/worker_options_from_config) */
	const char *given;   /* the first policy option given ("--negatives"), or NULL */
} cli_policy;

#define CLI_POLICY_INIT { ECL_UNKNOWN_METER_CREATE, ECL_NEGATIVE_ACCEPT, 0, 0, 0, 0, NULL }

/* Whether a cli_next() id is one of CLI_POLICY_OPTIONS. */
int cli_is_policy_option(int id);
/* Apply one policy option; returns CLI_CONTINUE or CLI_EXIT_USAGE. */
int cli_policy_apply(cli_policy *policy, int id, const char *value);
/* Copy the policy into the library's options (a batch size of 0 keeps theirs:
 * the configuration's, read before). */
void cli_policy_to_ingest(const cli_policy *policy, ecl_ingest_options *opts);

/* ---- aggregation settings (cmd_aggregate.c) -------------------------- */

/*
 * Check that an option value is a real date YYYY-MM-DD (never rolled over).
 * On failure prints a usage error naming `option` and returns
 * CLI_EXIT_USAGE; else CLI_CONTINUE.
 */
int cli_check_date(const char *text, const char *option);

/* ---- progress bar (progress.c) --------------------------------------- */

/*
 * A one-line progress bar on stderr, drawn only when stderr is a terminal.
 * cli_progress_cb() is an ecl_progress_cb whose payload is a cli_progress;
 * it notices a new job when the row count goes back or the total changes.
 */
typedef struct cli_progress {
	int enabled;             /* stderr is a terminal */
	int open;                /* a bar is drawn and its line not yet ended */
	int started;             /* start and base hold the current job's */
	double start;            /* monotonic seconds when the job began */
	int64_t base;            /* rows already done then (a resumed job) */
	int64_t last_processed;
	int64_t last_total;
	int64_t last_failed;
	int undrawn;             /* the last report was skipped by the redraw limit */
	double last_draw;
} cli_progress;

void cli_progress_init(cli_progress *progress);
/* The import begins now, from row 0 (import --now knows; the worker does not). */
void cli_progress_begin(cli_progress *progress);
int cli_progress_cb(int64_t processed, int64_t total, int64_t imported, int64_t failed,
                    void *payload);
/* End the bar's line, if one is drawn. */
void cli_progress_end(cli_progress *progress);

/* ---- diagnostics (diag.c) -------------------------------------------- */

/* Print "eclectyc: <message>" and a --help hint; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "eclectyc: <ecl_error_last()>" for a failed library call; returns CLI_EXIT_ERROR. */
int cli_fail(int code);
/* Print "eclectyc: <message>" for an error found by the tool; returns CLI_EXIT_ERROR. */
int cli_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- help text (usage.c) --------------------------------------------- */

/* The whole help text (`eclectyc --help`). */
void cli_print_usage(FILE *to);
/* One command's help (`eclectyc COMMAND --help`); -1 for an unknown command. */
int cli_print_command_usage(FILE *to, const char *command);
void cli_print_version(FILE *to);

/* ---- configuration and store (session.c) ----------------------------- */

typedef struct cli_session {
	ecl_config *config;
	ecl_store *store;
} cli_session;

/*
 * What cli_session_open() insists on: CLI_SCHEMA_CURRENT, an existing store
 * with an up-to-date schema (every command but migrate); CLI_SCHEMA_ANY, an
 * existing store (migrate --check); CLI_SCHEMA_CREATE, none (migrate, which
 * creates a missing SQLite file).
 */
enum { CLI_SCHEMA_ANY = 0, CLI_SCHEMA_CURRENT = 1, CLI_SCHEMA_CREATE = 2 };

/*
 * Load the configuration (defaults, --env-file, environment) and open the
 * store it names. A SQLite file that does not exist is refused, naming it,
 * unless CLI_SCHEMA_CREATE. Returns CLI_CONTINUE, or an exit status after
 * printing why. Close with cli_session_close() in every case.
 */
int cli_session_open(cli_session *session, const cli_globals *globals, int schema);
void cli_session_close(cli_session *session);

/*
 * Configure the store's alert channels (email, Slack, log) from the
 * configuration: MAIL_*, ADMIN_EMAIL, SLACK_WEBHOOK_URL,
 * ECLECTYC_ALERT_COOLDOWN_SECONDS. Returns CLI_CONTINUE or CLI_EXIT_ERROR
 * (a bad value, named). (alerting.c)
 */
int cli_configure_alerting(cli_session *session);

/* ---- timestamped log (logfile.c) ------------------------------------- */

/*
 * Lines "2026-11-28T17:26:45Z INFO  message" to a file opened for appending
 * (reopened at the next line after SIGHUP, for logrotate) or to stderr.
 */
typedef struct cli_log {
	FILE *file;              /* NULL: stderr */
	const char *path;        /* the file's path, borrowed */
	ecl_log_level min_level; /* lines below it are dropped (default DEBUG) */
} cli_log;

void cli_log_init(cli_log *log);
/* Write to PATH from now on; returns CLI_CONTINUE or CLI_EXIT_ERROR. */
int cli_log_open(cli_log *log, const char *path);
void cli_log_close(cli_log *log);
/* SIGHUP sets a flag that the next line written takes up (async-signal-safe). */
void cli_log_catch_hangup(void);
void cli_log_ignore_hangup(void);
void cli_log_message(cli_log *log, ecl_log_level level, const char *message);
void cli_log_write(cli_log *log, ecl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An ecl_log_cb whose payload is a cli_log. */
void cli_log_cb(ecl_log_level level, const char *message, void *payload);

/* ---- output (output.c) ----------------------------------------------- */

/* Whether out_text() lets line breaks and tabs through. */
enum { CLI_TEXT_FLAT = 0, CLI_TEXT_LINES = 1 };
/*
 * Write text that came from files, jobs or the store (NULL: "-") so that
 * nothing in it can drive a terminal: C0 and C1 control characters, DEL and
 * bytes that are not UTF-8 are shown as "\xHH" (ESC as "\x1b"); line
 * breaks and tabs too unless CLI_TEXT_LINES. Everything else is unchanged.
 */
void out_text(FILE *to, const char *text, int keep_lines);
/* The same for `len` bytes of `text`. */
void out_text_n(FILE *to, const char *text, size_t len, int keep_lines);
/* How many bytes out_text() writes for `text`. */
size_t out_text_width(const char *text, int keep_lines);

/* Format an instant as UTC "YYYY-MM-DD HH:MM:SS", or "-" when unset. */
void out_time(char buf[32], int64_t instant);
/* Print one job as a JSON object line (ecl_job_to_json). Returns CLI_CONTINUE or an exit status. */
int out_job_json(const ecl_job *job);
/* Print a list of jobs as one JSON array line. */
int out_job_array_json(const ecl_job_array *jobs);
/* Print a JSON value (jansson) as one compact line; takes ownership of
 * `value` (NULL is treated as out of memory). Returns CLI_CONTINUE or an
 * exit status. */
int out_json(struct json_t *value);
/* Print a list of jobs as an aligned table. */
void out_job_table(const ecl_job_array *jobs);
/* Print every field of a job, one "Label: value" line each. */
void out_job_details(const ecl_job *job);
/*
 * Print the key figures of an import summary (JSON object text) as
 * "Label: value" lines, each after `indent`, with the first errors. Returns
 * 0 when `summary` is not a JSON object (nothing printed), else 1.
 */
int out_summary(const char *summary, const char *indent);
/* Read a job and print it as JSON or with `describe`; returns an exit status. */
/* A job's attempts (its retry history), one per line. */
int out_job_attempts(ecl_store *store, const char *batch_id);
int out_job_by_id(ecl_store *store, const char *batch_id, int json,
                  void (*describe)(const ecl_job *job));

/* ---- commands (cmd_*.c) ---------------------------------------------- */

/* Each runs with `args` positioned just after the command name and
 * returns the process exit status. */
int cmd_migrate(cli_args *args);
int cmd_import(cli_args *args);
int cmd_jobs(cli_args *args);
int cmd_job(cli_args *args);
int cmd_retry(cli_args *args);
int cmd_cancel(cli_args *args);
int cmd_worker(cli_args *args);
int cmd_aggregate(cli_args *args);
int cmd_quality(cli_args *args);
int cmd_monitor(cli_args *args);
int cmd_cleanup(cli_args *args);
int cmd_alert_test(cli_args *args);
int cmd_profiles(cli_args *args);
int cmd_sources(cli_args *args);
int cmd_collect(cli_args *args);
/* Put ECLECTYC_PROFILE_DIR from the configuration (.env) into the
 * environment, where the library looks for user profiles. */
void cli_apply_profile_dir(const ecl_config *config);
/* The same for commands that open no store: CLI_CONTINUE or an exit code. */
int cli_load_profile_dir(const cli_globals *globals);
int cmd_detect(cli_args *args);

#endif
