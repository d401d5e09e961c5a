/*
 * usage.c - the --help and --version texts.
 */
#include "cli.h"

static const char usage_text[] =
	"Usage: eclectyc [GLOBAL OPTIONS] COMMAND [OPTIONS]\n"
	"\n"
	"Operate the libeclectyc import-job queue.\n"
	"\n"
	"Commands:\n"
	"  migrate [--check]        apply pending schema migrations; with --check,\n"
	"                           report schema problems without changing anything\n"
	"                           (exit 1 when there are any)\n"
	"  import FILE [OPTIONS]    queue FILE for import and print its batch id\n"
	"      --type hh|daily          what the file holds (default hh)\n"
	"      --dry-run                validate the file but import nothing\n"
	"      --priority low|normal|high   claim order (default normal)\n"
	"      --tag TAG                add a tag; repeat for more\n"
	"      --notes TEXT             free-text notes\n"
	"      --metadata JSON          a JSON object stored with the job\n"
	"      --max-retries N          retries after a failure, 0 to 100\n"
	"                               (default ECLECTYC_MAX_RETRIES, else 3)\n"
	"      --filename NAME          name to record (default: FILE's last component)\n"
	"      --user-id N              the user on whose behalf the job is queued\n"
	"  jobs [--status S] [--limit N]\n"
	"                           list jobs, newest first; S is queued, processing,\n"
	"                           completed, failed or cancelled; N defaults to 20,\n"
	"                           0 lists all\n"
	"  job ID                   show every field of one job\n"
	"  retry ID [--delay S]     requeue a failed job, runnable S seconds from now\n"
	"                           (default 0)\n"
	"  cancel ID                cancel a queued or processing job\n"
	"\n"
	"Global options (before or after the command):\n"
	"  --db URI          store URI, e.g. sqlite:///var/lib/eclectyc.db\n"
	"                    (default: ECLECTYC_DB, else sqlite://eclectyc.db)\n"
	"  --env-file PATH   read configuration from a .env file; the process\n"
	"                    environment still takes precedence\n"
	"  --json            print JSON for scripts instead of text\n"
	"  -h, --help        show this help and exit\n"
	"  --version         show the version and exit\n"
	"\n"
	"Every option takes its value as '--opt value' or '--opt=value'.\n"
	"\n"
	"Configuration keys: ECLECTYC_DB, ECLECTYC_LOG_LEVEL, ECLECTYC_BUSY_TIMEOUT_MS,\n"
	"ECLECTYC_RETRY_BASE_SECONDS, ECLECTYC_RETRY_CAP_SECONDS,\n"
	"ECLECTYC_RETRY_JITTER_PERCENT, ECLECTYC_MAX_RETRIES.\n"
	"\n"
	"Exit status: 0 success, 1 operational error, 2 usage error.\n";

void cli_print_usage(FILE *to)
{
	fputs(usage_text, to);
}

void cli_print_version(FILE *to)
{
	fprintf(to, "eclectyc %s\n", ecl_version(NULL, NULL, NULL));
}
