/*
 * logfile.c - the worker's log: the library's messages and the worker's own
 * progress lines, one line each, prefixed with a UTC timestamp and a level:
 *
 *     2026-11-28T17:26:45Z INFO  Processing job: 0b5e…
 *
 * The log goes to a file (`worker --log-file PATH`, or ECLECTYC_WORKER_LOG)
 * opened for appending, or to stderr. Each line is flushed as it is written,
 * so a crash loses nothing and `tail -f` sees it at once.
 *
 * Log rotation: logrotate renames the file and sends SIGHUP (systemd's
 * ExecReload). The handler only sets a flag (async-signal-safe); the next
 * line written reopens PATH, so it and every later line go to the new file
 * and the old one is closed. A reopen that fails keeps the old stream and
 * says so in it, and is tried again at the next line after the next SIGHUP.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t reopen_requested;

static void on_hangup(int sig)
{
	(void)sig;
	reopen_requested = 1;
}

void cli_log_catch_hangup(void)
{
	struct sigaction action;

	memset(&action, 0, sizeof(action));
	action.sa_handler = on_hangup;
	sigemptyset(&action.sa_mask);
	action.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &action, NULL);
}

void cli_log_ignore_hangup(void)
{
	struct sigaction ignore;

	memset(&ignore, 0, sizeof(ignore));
	ignore.sa_handler = SIG_IGN;
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGHUP, &ignore, NULL);
}

void cli_log_init(cli_log *log)
{
	memset(log, 0, sizeof(*log));
	log->min_level = ECL_LOG_DEBUG;
}

static FILE *open_append(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	FILE *fp;

	if (fd < 0)
		return NULL;
	fp = fdopen(fd, "a");
	if (!fp) {
		int err = errno;
		close(fd);
		errno = err;
	}
	return fp;
}

int cli_log_open(cli_log *log, const char *path)
{
	FILE *fp = open_append(path);

	if (!fp)
		return cli_failf("cannot open log file %s: %s", path, strerror(errno));
	if (log->file)
		fclose(log->file);
	log->file = fp;
	log->path = path;
	reopen_requested = 0;
	return CLI_CONTINUE;
}

void cli_log_close(cli_log *log)
{
	if (log->file)
		fclose(log->file);
	log->file = NULL;
	log->path = NULL;
}

static FILE *stream(const cli_log *log)
{
	return log->file ? log->file : stderr;
}

static const char *level_tag(ecl_log_level level)
{
	switch (level) {
	case ECL_LOG_DEBUG:
		return "DEBUG";
	case ECL_LOG_INFO:
		return "INFO ";
	case ECL_LOG_WARN:
		return "WARN ";
	default:
		return "ERROR";
	}
}

/* Take up a pending SIGHUP: reopen PATH, or carry on with the old file. */
static void reopen_if_asked(cli_log *log)
{
	FILE *fp;

	if (!reopen_requested || !log->file)
		return;
	reopen_requested = 0;
	fp = open_append(log->path);
	if (!fp) {
		int err = errno;
		cli_log_write(log, ECL_LOG_ERROR, "cannot reopen log file %s: %s; still writing here",
		              log->path, strerror(err));
		return;
	}
	fclose(log->file);
	log->file = fp;
}

/* One line per line of `message`, each with the stamp; control characters
 * other than the line breaks escaped (out_text), so a file name cannot forge
 * a log line or drive a terminal. */
static void put_lines(FILE *to, const char *stamp, ecl_log_level level, const char *message)
{
	const char *p = message;

	do {
		size_t len = strcspn(p, "\n");

		fprintf(to, "%s %s ", stamp, level_tag(level));
		out_text_n(to, p, len, CLI_TEXT_FLAT);
		fputc('\n', to);
		p += len;
		if (*p == '\n')
			p++;
	} while (*p);
}

void cli_log_message(cli_log *log, ecl_log_level level, const char *message)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *to;

	if (level < log->min_level)
		return;
	reopen_if_asked(log);
	if (!gmtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(stamp, "0000-00-00T00:00:00Z");
	to = stream(log);
	put_lines(to, stamp, level, message ? message : "");
	fflush(to);
}

void cli_log_write(cli_log *log, ecl_log_level level, const char *fmt, ...)
{
	char message[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	cli_log_message(log, level, message);
}

void cli_log_cb(ecl_log_level level, const char *message, void *payload)
{
	cli_log_message(payload, level, message);
}
