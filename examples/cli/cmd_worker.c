/*
 * cmd_worker.c - `eclectyc worker [--once] [--limit=N] [options]`: process
 * queued import jobs, one batch of them or until SIGTERM/SIGINT. After each
 * import the library re-aggregates the days it wrote, unless --no-aggregate
 * or ECLECTYC_AGGREGATE_AFTER_IMPORT=0 says not to.
 *
 * The signal handlers only note the signal and ask the worker to stop
 * (ecl_worker_stop() is async-signal-safe); the library then checkpoints the
 * job in hand at its next batch and hands it back to the queue. Everything
 * printed is printed by the main flow after the library has returned.
 * Repeated signals only repeat the request: `timeout` and process managers
 * deliver one SIGTERM to the process and another to its group, and the
 * second must not kill a worker that is checkpointing (SIGKILL is the way
 * to end it at once).
 *
 * Logging: the library's log messages always carry a UTC timestamp and a
 * level (logfile.c), on stderr by default. With --log-file PATH (or
 * ECLECTYC_WORKER_LOG) they and the worker's own lines (started, each job's
 * header, the signal, the counts at the end) go to PATH instead, and stdout
 * keeps only --json's report. SIGHUP reopens PATH at the next line, for
 * logrotate (systemd's ExecReload); like the stop signals its handler only
 * sets a flag.
 */
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

/* Jobs claimed by --once unless --limit says otherwise, as the reference. */
#define DEFAULT_LIMIT 10

enum { OPT_ONCE, OPT_LIMIT, OPT_POLL_MS, OPT_WORKER_ID, OPT_NO_AGGREGATE, OPT_LOG_FILE, OPT_NO_COLLECT };

static const cli_option worker_options[] = {
	{ "once", 0, OPT_ONCE },
	{ "limit", 1, OPT_LIMIT },
	{ "poll-ms", 1, OPT_POLL_MS },
	{ "worker-id", 1, OPT_WORKER_ID },
	{ "no-aggregate", 0, OPT_NO_AGGREGATE },
	{ "no-collect", 0, OPT_NO_COLLECT },
	{ "log-file", 1, OPT_LOG_FILE },
	CLI_POLICY_OPTIONS,
	{ NULL, 0, 0 }
};

typedef struct worker_request {
	int once;
	int limit;              /* 0 until --limit */
	int poll_ms;            /* -1 until --poll-ms */
	const char *worker_id;  /* NULL: the library's "hostname:pid" */
	int no_aggregate;       /* --no-aggregate: no re-aggregation after imports */
	int no_collect;         /* --no-collect: the loop collects no data feeds */
	const char *log_file;   /* --log-file PATH, or NULL */
	cli_policy policy;
} worker_request;

/* Set only while the handlers are installed. */
static ecl_worker *signal_worker;
static volatile sig_atomic_t signal_received;

static void on_stop_signal(int sig)
{
	signal_received = sig;
	ecl_worker_stop(signal_worker);
}

/* The signals stay blocked while the handlers are set up, so that one that
 * arrives meanwhile is delivered after, to a handler that sees the worker. */
static void catch_stop_signals(ecl_worker *worker)
{
	struct sigaction action;
	sigset_t stops, old_mask;

	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);
	sigprocmask(SIG_BLOCK, &stops, &old_mask);
	signal_worker = worker;
	signal_received = 0;
	memset(&action, 0, sizeof(action));
	action.sa_handler = on_stop_signal;
	sigemptyset(&action.sa_mask);
	action.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGINT, &action, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	cli_log_catch_hangup();
}

/* The worker has finished: from here on the process is only reporting and
 * exiting, so further stop signals are ignored. A stop signal sent to the
 * process group (as `timeout` does after signalling the process itself) may
 * arrive now, and must neither turn a clean exit into death by signal nor
 * interrupt the exit (a sanitizer's leak check at exit hung on one). */
static void release_signals(void)
{
	struct sigaction ignore;

	memset(&ignore, 0, sizeof(ignore));
	ignore.sa_handler = SIG_IGN;
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGTERM, &ignore, NULL);
	sigaction(SIGINT, &ignore, NULL);
	cli_log_ignore_hangup();
	signal_worker = NULL;
}

/* The log, and whether the worker's own lines go to it (a log file) rather
 * than to stdout. */
static cli_log worker_log;
static int lines_to_log;

/* One line of the worker's own output: to the log file, or to stdout. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Both escape what a file name could carry (out_text). */
	if (lines_to_log) {
		cli_log_message(&worker_log, ECL_LOG_INFO, line);
	} else {
		out_text(stdout, line, CLI_TEXT_FLAT);
		putchar('\n');
		fflush(stdout);
	}
}

static const char *signal_name(int sig)
{
	if (sig == 0)
		return NULL;
	return sig == SIGTERM ? "SIGTERM" : "SIGINT";
}

/* ---- options --------------------------------------------------------------- */

static int set_number(int *out, const char *value, const char *option, int min)
{
	int64_t number;
	int status = cli_parse_number(&number, value, option, min, INT_MAX);

	if (status == CLI_CONTINUE)
		*out = (int)number;
	return status;
}

static int set_worker_id(worker_request *req, const char *value)
{
	if (value[0] == '\0' || strlen(value) > ECL_WORKER_ID_MAX)
		return cli_usage_error("invalid value for --worker-id (expected 1 to %d bytes)",
		                       ECL_WORKER_ID_MAX);
	req->worker_id = value;
	return CLI_CONTINUE;
}

static int apply_option(worker_request *req, int id, const char *value)
{
	if (cli_is_policy_option(id))
		return cli_policy_apply(&req->policy, id, value);
	switch (id) {
	case OPT_ONCE:
		req->once = 1;
		return CLI_CONTINUE;
	case OPT_LIMIT:
		return set_number(&req->limit, value, "limit", 1);
	case OPT_POLL_MS:
		return set_number(&req->poll_ms, value, "poll-ms", 0);
	case OPT_WORKER_ID:
		return set_worker_id(req, value);
	case OPT_NO_AGGREGATE:
		req->no_aggregate = 1;
		return CLI_CONTINUE;
	case OPT_NO_COLLECT:
		req->no_collect = 1;
		return CLI_CONTINUE;
	case OPT_LOG_FILE:
		if (value[0] == '\0')
			return cli_usage_error("--log-file needs a non-empty PATH");
		req->log_file = value;
		return CLI_CONTINUE;
	default:
		return cli_failf("internal error: unhandled worker option %d", id);
	}
}

static int parse_worker(worker_request *req, cli_args *args)
{
	const char *value;
	int id, r, status;

	while ((r = cli_next(args, worker_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_POSITIONAL)
			return cli_usage_error("unexpected argument '%s' for command 'worker'", value);
		status = apply_option(req, id, value);
		if (status != CLI_CONTINUE)
			return status;
	}
	/* The continuous loop claims its own batches; polling means nothing once. */
	if (!req->once && req->limit > 0)
		return cli_usage_error("option '--limit' applies only with --once");
	if (req->once && req->poll_ms >= 0)
		return cli_usage_error("option '--poll-ms' applies only without --once");
	if (req->limit == 0)
		req->limit = DEFAULT_LIMIT;
	return CLI_CONTINUE;
}

/* The reference worker's header for each job, so logs read as they did. */
static void print_job_header(const ecl_job *job, void *payload)
{
	(void)payload;
	say("Processing job: %s", job->batch_id);
	say("  File: %s", job->filename ? job->filename : "-");
	say("  Type: %s", ecl_import_type_name(job->import_type));
	say("  Dry run: %s", job->dry_run ? "Yes" : "No");
	say("  Retry: %d/%d", job->retry_count, job->max_retries);
}

/* Options from the command line, else the configuration, else the library's. */
static int configure(ecl_worker_options *opts, worker_request *req, const ecl_config *config,
                     cli_progress *progress, int json)
{
	int rc;

	/* The configuration first (the library reads it, as for the bindings);
	 * the command line then overrides. Turned off before the configuration
	 * is read, re-aggregation stays off and its peak window is not read. */
	if (req->no_aggregate)
		opts->aggregate_after_import = 0;
	rc = ecl_worker_options_from_config(opts, config);
	if (rc < 0)
		return cli_fail(rc);
	if (req->poll_ms >= 0)
		opts->idle_poll_ms = req->poll_ms;
	if (req->no_collect)
		opts->collect_sources = 0;
	cli_policy_to_ingest(&req->policy, &opts->ingest);
	opts->worker_id = req->worker_id;
	if (!json)
		opts->job_started = print_job_header;
	if (progress->enabled) {
		opts->progress = cli_progress_cb;
		opts->progress_payload = progress;
	}
	return CLI_CONTINUE;
}

/* ---- output ---------------------------------------------------------------- */

static int print_report_json(const ecl_worker *worker, const ecl_worker_report *report, int sig)
{
	const char *name = signal_name(sig);

	return out_json(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
	                          "worker_id", ecl_worker_id(worker),
	                          "claimed", (json_int_t)report->claimed,
	                          "completed", (json_int_t)report->completed,
	                          "failed", (json_int_t)report->failed,
	                          "requeued", (json_int_t)report->requeued,
	                          "cancelled", (json_int_t)report->cancelled,
	                          "released", (json_int_t)report->released,
	                          "signal", name ? json_string(name) : json_null()));
}

static void print_report_text(const ecl_worker_report *report, int once, int sig)
{
	if (once && report->claimed == 0 && sig == 0) {
		say("No jobs in queue. Exiting.");
		return;
	}
	say("Processed %lld job(s): %lld completed, %lld failed, %lld requeued for retry, "
	    "%lld cancelled, %lld handed back", (long long)report->claimed,
	       (long long)report->completed, (long long)report->failed,
	       (long long)report->requeued, (long long)report->cancelled,
	       (long long)report->released);
}

static int print_outcome(const ecl_worker *worker, const ecl_worker_report *report,
                         int once, int json)
{
	int sig = signal_received;
	int status = CLI_CONTINUE;

	/* On stdout with the text output; on stderr so --json stays one object;
	 * in the log file when there is one. */
	if (sig != 0 && (lines_to_log || !json))
		say("Received %s, shutting down gracefully...", signal_name(sig));
	else if (sig != 0)
		fprintf(stderr, "Received %s, shutting down gracefully...\n", signal_name(sig));
	if (json)
		status = print_report_json(worker, report, sig);
	else
		print_report_text(report, once, sig);
	fflush(stdout);
	return status;
}

/* ---- running --------------------------------------------------------------- */

static int work(worker_request *req, cli_session *session, int json)
{
	ecl_worker_options opts = ECL_WORKER_OPTIONS_INIT;
	ecl_worker_report report;
	ecl_worker *worker = NULL;
	cli_progress progress;
	int rc, status;

	memset(&report, 0, sizeof(report));
	cli_progress_init(&progress);
	status = configure(&opts, req, session->config, &progress, json);
	if (status != CLI_CONTINUE)
		return status;
	rc = ecl_worker_new(&worker, session->store, &opts);
	if (rc < 0)
		return cli_fail(rc);

	/* Caught before saying so: a supervisor may signal as soon as it reads it. */
	catch_stop_signals(worker);
	if (!req->once && (!json || lines_to_log))
		say("Worker %s started; waiting for jobs (stop with SIGTERM or SIGINT)",
		    ecl_worker_id(worker));
	rc = req->once ? ecl_worker_process(worker, req->limit, &report)
	               : ecl_worker_run(worker, &report);
	release_signals();
	cli_progress_end(&progress);

	/* Report the failure first: printing must not replace its message. */
	if (rc < 0 && lines_to_log)
		cli_log_write(&worker_log, ECL_LOG_ERROR, "worker stopped: %s", ecl_error_last());
	status = rc < 0 ? cli_fail(rc) : CLI_EXIT_OK;
	rc = print_outcome(worker, &report, req->once, json);
	ecl_worker_free(worker);
	if (status == CLI_EXIT_OK && rc != CLI_CONTINUE)
		status = rc;
	return status;
}

/* ECLECTYC_WORKER_LOG when --log-file was not given. */
static int open_configured_log(const worker_request *req, const ecl_config *config)
{
	const char *path = ecl_config_get(config, "ECLECTYC_WORKER_LOG");

	if (req->log_file || !path || path[0] == '\0')
		return CLI_CONTINUE;
	return cli_log_open(&worker_log, path);
}

int cmd_worker(cli_args *args)
{
	worker_request req;
	cli_session session;
	int status;

	memset(&req, 0, sizeof(req));
	req.poll_ms = -1;
	req.policy = (cli_policy)CLI_POLICY_INIT;
	status = parse_worker(&req, args);
	if (status != CLI_CONTINUE)
		return status;
	cli_log_init(&worker_log);
	lines_to_log = 0;
	/* Opened first, so that what the store logs while opening is in it too. */
	if (req.log_file && (status = cli_log_open(&worker_log, req.log_file)) != CLI_CONTINUE)
		return status;
	args->globals->log = cli_log_cb;
	args->globals->log_payload = &worker_log;
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	if (status == CLI_CONTINUE)
		status = open_configured_log(&req, session.config);
	if (status == CLI_CONTINUE)
		status = cli_configure_alerting(&session);
	if (status == CLI_CONTINUE) {
		lines_to_log = worker_log.file != NULL;
		status = work(&req, &session, args->globals->json);
	}
	cli_session_close(&session);
	lines_to_log = 0;
	cli_log_close(&worker_log);
	return status;
}
