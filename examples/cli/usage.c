/*
 * usage.c - the --help and --version texts.
 *
 * `eclectyc --help` prints all of it; `eclectyc COMMAND --help` that
 * command's entry, the import policy when it takes it, the global options
 * and its exit statuses. Both are made of the same pieces, so they cannot
 * drift apart.
 */
#include <string.h>

#include "cli.h"

/* The head of the whole help text. */
static const char usage_head[] =
	"Usage: eclectyc [GLOBAL OPTIONS] COMMAND [OPTIONS]\n"
	"\n"
	"Operate the libeclectyc import-job queue, aggregation and data-quality checks.\n"
	"\n"
	"Commands:\n";

/* A command's entry in the "Commands:" list, and what `COMMAND --help` adds. */
typedef struct command_help {
	const char *name;
	const char *synopsis;     /* after "Usage: eclectyc [GLOBAL OPTIONS] " */
	const char *text;         /* its part of the "Commands:" list */
	int policy;               /* takes the import policy options */
	const char *exit_status;  /* NULL: the general rule (usage_exit) */
} command_help;

static const command_help commands[] = {
	{ "migrate", "migrate [--check | --dry-run]",
		"  migrate [--check | --dry-run]\n"
		"                           apply pending schema migrations; with --check,\n"
		"                           report schema problems without changing anything\n"
		"                           (exit 1 when there are any); with --dry-run, print\n"
		"                           the SQL that would run, and run none of it\n",
	  0,
		"Exit status: 0 success (with --check: no problems), 1 operational error or\n"
		"problems found, 2 usage error.\n" },
	{ "import", "import FILE [OPTIONS]  |  import FILE --now [OPTIONS] [IMPORT POLICY]",
		"  import FILE [OPTIONS]    queue FILE for import and print its batch id\n"
		"      --type hh|daily          what the file holds (default hh)\n"
		"      --dry-run                validate the file but import nothing\n"
		"      --priority P             claim order: critical, high, normal (default), low\n"
		"      --tag TAG                add a tag; repeat for more\n"
		"      --notes TEXT             free-text notes\n"
		"      --metadata JSON          a JSON object stored with the job\n"
		"      --max-retries N          retries after a failure, 0 to 100\n"
		"                               (default ECLECTYC_MAX_RETRIES, else 3)\n"
		"      --filename NAME          name to record (default: FILE's last component)\n"
		"      --user-id N              the user on whose behalf the job is queued\n"
		"      --profile NAME|PATH      read FILE with this import profile (default:\n"
		"                               detected from its header; see 'profiles')\n"
		"      --meter ID               the meter of a file that has no meter column\n"
		"      --clock london|utc       the clock of the file's times (default: the\n"
		"                               profile's; London for the generic reader)\n"
		"  import FILE --now [--type hh|daily] [--dry-run] [--profile P] [--meter ID]\n"
		"                [--clock C] [IMPORT POLICY]\n"
		"                           import FILE at once, without a job, and print a\n"
		"                           summary (with --json, the summary JSON); a\n"
		"                           progress bar on stderr when it is a terminal.\n"
		"                           Rows that fail are listed and warned about but do\n"
		"                           not change the exit status; exit 1 only when the\n"
		"                           file as a whole cannot be imported. The queue-only\n"
		"                           options above are refused with --now\n",
	  1, NULL },
	{ "profiles", "profiles [show NAME]",
		"  profiles                 list the import profiles (built in, and those of\n"
		"                           ECLECTYC_PROFILE_DIR): name, layout, description\n"
		"  profiles show NAME       print one profile's JSON\n",
	  0, NULL },
	{ "detect", "detect FILE [OPTIONS] [IMPORT POLICY]",
		"  detect FILE [--profile P] [--meter ID] [--clock C] [--rows N] [IMPORT POLICY]\n"
		"                           which profile reads FILE and why, its column\n"
		"                           mapping and its first N readings (default 10) as\n"
		"                           they would be stored; writes nothing\n",
	  1, NULL },
	{ "sources", "sources add|list|show|remove|pause|resume ...",
		"  sources add NAME URL [--pattern GLOB] [--profile P] [--meter M] [--type T]\n"
		"          [--priority P] [--tag T]... [--every SECONDS] [--after keep|delete|move=DIR]\n"
		"          [--ssh-key PATH] [--known-hosts PATH] [--ca-file PATH] [--user-env VAR]\n"
		"          [--password-env VAR] [--stale-days N]\n"
		"                           add a data feed: an sftp://, ftps://, ftp:// (TLS),\n"
		"                           https:// or file:/// folder (ending in /) or file,\n"
		"                           whose files matching GLOB (default *) are queued as\n"
		"                           jobs read with P and M; polled every SECONDS\n"
		"                           (default 900); after a file's job completed it is\n"
		"                           kept (default), deleted or moved to DIR on the\n"
		"                           server. Credentials come from the environment\n"
		"                           variables named (never stored); an SFTP server's key\n"
		"                           must be in --known-hosts. --stale-days N alerts when\n"
		"                           no new file came for N days\n"
		"  sources list             every source: state, last and next poll, files\n"
		"                           taken, last error\n"
		"  sources show NAME [--limit N]\n"
		"                           one source, its latest files (taken, skipped and\n"
		"                           why) and polls\n"
		"  sources remove|pause|resume NAME\n",
	  0, NULL },
	{ "collect", "collect [--source NAME] [--settle-ms MS]",
		"  collect [--source NAME] [--settle-ms MS]\n"
		"                           poll the due sources (or NAME, due or not) once: queue\n"
		"                           each new file that held still for MS (default 2000)\n"
		"                           between two looks, and run the after-action of files\n"
		"                           whose jobs completed. Exit 1 if a source failed\n",
	  0, NULL },
	{ "jobs", "jobs [OPTIONS]",
		"  jobs [--status S] [--priority P] [--limit N]\n"
		"                           list jobs, newest first; S is queued, processing,\n"
		"                           completed, failed or cancelled; P is low, normal\n"
		"                           or high; N defaults to 20, 0 lists all\n",
	  0, NULL },
	{ "job", "job ID",
		"  job ID                   show every field of one job, the key figures and\n"
		"                           first errors of its import summary, and each\n"
		"                           attempt (worker, times, outcome, rows, error)\n",
	  0, NULL },
	{ "retry", "retry ID [--delay S]",
		"  retry ID [--delay S]     requeue a failed job, runnable S seconds from now\n"
		"                           (default 0)\n",
	  0, NULL },
	{ "cancel", "cancel ID",
		"  cancel ID                cancel a queued or processing job\n",
	  0, NULL },
	{ "worker", "worker [OPTIONS] [IMPORT POLICY]",
		"  worker [OPTIONS] [IMPORT POLICY]\n"
		"                           process queued jobs until SIGTERM or SIGINT; the\n"
		"                           job in hand is checkpointed and handed back to the\n"
		"                           queue (SIGKILL ends it at once). Prints a\n"
		"                           line of job counts at the end; a progress bar on\n"
		"                           stderr when it is a terminal; ECLECTYC_LOG_LEVEL=info\n"
		"                           logs each job claimed and finished\n"
		"      --once                   claim up to N jobs, process them and exit\n"
		"      --limit N                with --once: at most N jobs, N >= 1 (default 10)\n"
		"      --poll-ms MS             without --once: the wait when the queue is empty\n"
		"                               (default ECLECTYC_WORKER_POLL_MS, else 5000)\n"
		"      --worker-id ID           the id recorded on claimed jobs\n"
		"                               (default hostname:pid)\n"
		"      --no-aggregate           do not re-aggregate the days each import wrote\n"
		"                               (or ECLECTYC_AGGREGATE_AFTER_IMPORT=0)\n"
		"      --no-collect             (without --once) do not collect the due data\n"
		"                               feeds between batches (see 'collect'; or\n"
		"                               ECLECTYC_WORKER_COLLECT=0)\n"
		"      --log-file PATH          append the log and the worker's lines to PATH\n"
		"                               (or ECLECTYC_WORKER_LOG), each line stamped\n"
		"                               with UTC time and level; SIGHUP reopens PATH\n"
		"                               (logrotate). Without it the library's log goes\n"
		"                               to stderr, stamped the same way\n",
	  1,
		"Exit status: 0 when it ends normally or on a signal, also when jobs failed (they\n"
		"are recorded on the jobs); 1 when the store fails; 2 usage error.\n" },
	{ "aggregate", "aggregate [OPTIONS]",
		"  aggregate [--all | --range R]... [--date D | --from D --to D] [--verbose]\n"
		"                           compute the aggregation tables for the period\n"
		"                           holding D (default yesterday, Europe/London), or\n"
		"                           for every period from --from to --to; one line\n"
		"                           per range, or with --json an array of run\n"
		"                           reports. Each run is recorded in\n"
		"                           scheduler_executions. Exit 1 when a range failed\n"
		"                           or was partial (some meters failed)\n"
		"      --range R                daily, weekly, monthly, annual or all; repeat\n"
		"                               for more (default daily). Ranges always run\n"
		"                               daily, weekly, monthly, annual, each once\n"
		"      --all                    all four ranges\n"
		"      --date D                 the target date, YYYY-MM-DD\n"
		"      --from D --to D          every period from --from to --to (inclusive)\n"
		"      --verbose                also print each error and warning of a run\n",
	  0, NULL },
	{ "quality", "quality [OPTIONS]",
		"  quality [--date D] [--meter MPAN] [--verbose]\n"
		"                           check one day's readings (default yesterday):\n"
		"                           completeness, missing periods, zero, negative and\n"
		"                           outlying values; store them in data_quality_issues.\n"
		"                           With --verbose, the findings per meter; with --json\n"
		"                           the report (only meters with issues unless\n"
		"                           --verbose). Exit 0 when the check ran, issues or not\n"
		"      --meter MPAN             only this meter (exit 1 when it is unknown)\n",
	  0, NULL },
	{ "monitor", "monitor [OPTIONS]",
		"  monitor [--verbose] [--handle-stuck] [--send-alerts]\n"
		"                           check the health of the queue: stuck jobs (no\n"
		"                           heartbeat for ECLECTYC_STUCK_MINUTES), failure\n"
		"                           rate, backlog. Exit 0 healthy, 1 degraded,\n"
		"                           2 critical, 3 when the check cannot run, usage\n"
		"                           errors included (2 means critical here)\n"
		"      --verbose                also the metrics and retry statistics\n"
		"      --handle-stuck           requeue stuck jobs, spending a retry (fail\n"
		"                               those with none left)\n"
		"      --send-alerts            send the conditions found and pending failed-job\n"
		"                               alerts (condition alerts have a cooldown)\n",
	  0,
		"Exit status: 0 healthy, 1 degraded, 2 critical, 3 error or usage error.\n" },
	{ "cleanup", "cleanup [OPTIONS]",
		"  cleanup [--days N] [--dry-run] [--verbose]\n"
		"                           delete completed, failed and cancelled jobs finished\n"
		"                           over N days ago (default 30), and files under\n"
		"                           ECLECTYC_STORAGE_DIR older than that which no job\n"
		"                           refers to; queued and processing jobs and their\n"
		"                           files are kept. --dry-run lists what would go and\n"
		"                           deletes nothing; --verbose lists what went\n",
	  0, NULL },
	{ "alert-test", "alert-test",
		"  alert-test               send a test alert through every configured channel\n"
		"                           (email, Slack, log) and show each one's outcome;\n"
		"                           exit 1 when any configured channel failed, or\n"
		"                           when neither email (MAIL_HOST and ADMIN_EMAIL)\n"
		"                           nor Slack (SLACK_WEBHOOK_URL) is configured\n",
	  0,
		"Exit status: 0 when every configured channel took the alert; 1 when one failed,\n"
		"when neither email nor Slack is configured (the log alone reaches nobody) or\n"
		"when the alert could not be sent; 2 usage error.\n" },
	{ NULL, NULL, NULL, 0, NULL }
};

static const char usage_policy[] =
	"Import policy (import --now and worker only):\n"
	"  --unknown-meters create|reject-row|reject-file\n"
	"                    a row for a meter not in the store: create the meter\n"
	"                    (default), fail the row, or fail the whole file\n"
	"  --negatives accept|reject\n"
	"                    store negative values (default) or fail them\n"
	"  --overwrite-actual  let an estimated value replace an actual one\n"
	"  --month-first     read NN/NN/YYYY dates as month first\n"
	"  --interval-end    long-format timestamps mark the end of the interval\n"
	"  --batch-size N    readings per transaction, 1 to 1000000\n"
	"                    (default ECLECTYC_BATCH_SIZE, else 5000)\n";

static const char usage_globals[] =
	"Global options (before or after the command):\n"
	"  --db URI          store URI, e.g. sqlite:///var/lib/eclectyc.db\n"
	"                    (default: ECLECTYC_DB, else sqlite://eclectyc.db)\n"
	"  --env-file PATH   read configuration from a .env file; the process\n"
	"                    environment still takes precedence\n"
	"  --json            print JSON for scripts instead of text\n"
	"  -h, --help        show this help and exit\n"
	"  --version         show the version and exit\n";

/* The end of the whole help text: configuration keys, exit statuses. */
static const char usage_tail[] =
	"Every option takes its value as '--opt value' or '--opt=value'.\n"
	"\n"
	"Configuration keys: ECLECTYC_DB, ECLECTYC_LOG_LEVEL, ECLECTYC_BUSY_TIMEOUT_MS,\n"
	"ECLECTYC_RETRY_BASE_SECONDS, ECLECTYC_RETRY_CAP_SECONDS,\n"
	"ECLECTYC_RETRY_JITTER_PERCENT, ECLECTYC_MAX_RETRIES, ECLECTYC_WORKER_POLL_MS,\n"
	"ECLECTYC_BATCH_SIZE, ECLECTYC_AGGREGATE_AFTER_IMPORT (1 or 0),\n"
	"ECLECTYC_PEAK_START and ECLECTYC_PEAK_END (the peak window by the local start\n"
	"of each half hour, HH:MM, inclusive; default 07:00 and 23:00),\n"
	"ECLECTYC_WORKER_LOG, ECLECTYC_STORAGE_DIR, ECLECTYC_STUCK_MINUTES,\n"
	"ECLECTYC_FAILURE_RATE_WARNING, ECLECTYC_FAILURE_RATE_CRITICAL,\n"
	"ECLECTYC_BACKLOG_THRESHOLD, ECLECTYC_ALERT_COOLDOWN_SECONDS; alerts: MAIL_HOST,\n"
	"MAIL_PORT, MAIL_ENCRYPTION (tls, ssl or none), MAIL_USERNAME, MAIL_PASSWORD,\n"
	"MAIL_FROM_ADDRESS, MAIL_FROM_NAME, ADMIN_EMAIL, SLACK_WEBHOOK_URL.\n"
	"\n"
	"Exit status: 0 success, 1 operational error, 2 usage error (including a\n"
	"malformed or impossible date, or --from after --to). A worker exits 0\n"
	"when it ends normally or on a signal, also when jobs failed (they are recorded\n"
	"on the jobs); 1 when the store fails. `monitor` exits with the health:\n"
	"0 healthy, 1 degraded, 2 critical, 3 error or usage error.\n";

/* A command's exit statuses when it has no rule of its own. */
static const char usage_exit[] =
	"Exit status: 0 success, 1 operational error, 2 usage error.\n";

void cli_print_usage(FILE *to)
{
	const command_help *c;

	fputs(usage_head, to);
	for (c = commands; c->name; c++)
		fputs(c->text, to);
	fputc('\n', to);
	fputs(usage_policy, to);
	fputc('\n', to);
	fputs(usage_globals, to);
	fputc('\n', to);
	fputs(usage_tail, to);
}

int cli_print_command_usage(FILE *to, const char *command)
{
	const command_help *c;

	for (c = commands; c->name; c++)
		if (strcmp(c->name, command) == 0)
			break;
	if (c->name == NULL)
		return -1;
	fprintf(to, "Usage: eclectyc [GLOBAL OPTIONS] %s\n\n", c->synopsis);
	fputs(c->text, to);
	if (c->policy) {
		fputc('\n', to);
		fputs(usage_policy, to);
	}
	fputc('\n', to);
	fputs(usage_globals, to);
	fputc('\n', to);
	fputs(c->exit_status ? c->exit_status : usage_exit, to);
	fputs("\nEvery command, the configuration keys and more: eclectyc --help\n", to);
	return 0;
}

void cli_print_version(FILE *to)
{
	fprintf(to, "eclectyc %s\n", ecl_version(NULL, NULL, NULL));
}
