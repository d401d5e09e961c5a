/*
 * The network alert channels against loopback sinks (smtp_sink.py and
 * http_sink.py in tests/support): what reaches an SMTP server or a Slack
 * webhook byte for byte, and how each failure (refusal, rejection, a dead or
 * silent server) is reported, quickly and without a secret.
 */
#include "ecl_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ops/alert_channels.h"
#include "ops/alert_curl.h"

#ifndef ECL_TEST_SUPPORT_DIR
#define ECL_TEST_SUPPORT_DIR "/work/main/tests/support"
#endif

/* Sat, 28 Nov 2026 17:26:45 +0000 */
#define NOW INT64_C(1795886805)
#define SECRET_PATH "/services/T000/B000/SECRETXYZ"
#define PASSWORD "s3cret-pa55w0rd"
/* A hang must end within the timeout; this bounds it, it is no speed target. */
#define HANG_BOUND_SECONDS 5.0

typedef struct sink {
	pid_t pid;          /* the sink process, or -1 */
	int port;
	char *dir;
	char *events;       /* the file the sink appends JSON lines to */
	char why[256];
} sink;

/* ---- the sink process ---- */

static int setup(void **state)
{
	sink *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -1;
	s->pid = -1;
	s->dir = ecl_test_tmpdir("alert_channels");
	if (s->dir == NULL || asprintf(&s->events, "%s/events.jsonl", s->dir) < 0)
		return -1;
	/* Loopback traffic must not go through a proxy from the environment. */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	*state = s;
	return 0;
}

static void stop_sink(sink *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	s->pid = -1;
}

/* Runs after a failed assertion too, so no sink outlives its test. */
static int teardown(void **state)
{
	sink *s = *state;

	stop_sink(s);
	ecl_test_rmtree(s->dir);
	free(s->dir);
	free(s->events);
	free(s);
	return 0;
}

static void exec_sink(int out_fd, const char *script, const char *events, const char **args)
{
	const char *argv[16];
	char path[1024];
	int n = 0;

	if (script[0] == '/')    /* a script the test wrote itself */
		snprintf(path, sizeof(path), "%s", script);
	else
		snprintf(path, sizeof(path), "%s/%s", ECL_TEST_SUPPORT_DIR, script);
	argv[n++] = "python3";
	argv[n++] = path;
	argv[n++] = events;
	while (args != NULL && *args != NULL && n < 13)
		argv[n++] = *args++;
	argv[n++] = "--lifetime";
	argv[n++] = "30";
	argv[n] = NULL;
	dup2(out_fd, STDOUT_FILENO);
	close(out_fd);
	execvp("python3", (char *const *)argv);
	_exit(127);
}

/* Start `script` with `args` (NULL-terminated, may be NULL) and wait up to
 * 10 s for the port it prints. */
static void start_sink(sink *s, const char *script, const char **args)
{
	char line[32];
	size_t len = 0;
	int fds[2];
	struct pollfd pfd;

	assert_int_equal(pipe(fds), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		close(fds[0]);
		exec_sink(fds[1], script, s->events, args);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (len < sizeof(line) - 1 && (len == 0 || line[len - 1] != '\n')
	       && poll(&pfd, 1, 10000) == 1) {
		ssize_t got = read(fds[0], line + len, sizeof(line) - 1 - len);
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fds[0]);
	line[len] = '\0';
	s->port = atoi(line);
	if (s->port <= 0)
		print_error("%s did not report a port (got \"%s\")\n", script, line);
	assert_true(s->port > 0);
}

/* Every JSON line the sink wrote, as an array (empty when none). */
static json_t *read_events(const sink *s)
{
	json_t *events = json_array();
	FILE *f = fopen(s->events, "r");
	char *line = NULL;
	size_t cap = 0;

	while (f != NULL && getline(&line, &cap, f) > 0) {
		json_error_t error;
		json_t *event = json_loads(line, 0, &error);
		if (event == NULL)
			print_error("bad sink line: %s (%s)\n", line, error.text);
		assert_non_null(event);
		json_array_append_new(events, event);
	}
	free(line);
	if (f != NULL)
		fclose(f);
	return events;
}

/* The n-th event named `name` (SMTP sink), or NULL. */
static json_t *find_event(json_t *events, const char *name, size_t nth)
{
	size_t i;
	json_t *event;

	json_array_foreach(events, i, event) {
		const char *kind = json_string_value(json_object_get(event, "event"));
		if (kind != NULL && strcmp(kind, name) == 0 && nth-- == 0)
			return event;
	}
	return NULL;
}

static const char *member(json_t *object, const char *key)
{
	const char *value = json_string_value(json_object_get(object, key));

	if (value == NULL)
		print_error("no string member \"%s\"\n", key);
	assert_non_null(value);
	return value;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void assert_contains(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL)
		print_error("\"%s\" lacks \"%s\"\n", text, needle);
	assert_non_null(strstr(text, needle));
}

static void assert_lacks(const char *text, const char *needle)
{
	if (strstr(text, needle) != NULL)
		print_error("\"%s\" contains \"%s\"\n", text, needle);
	assert_null(strstr(text, needle));
}

/* ---- SMTP ---- */

static ecl_alert_options smtp_options(int port)
{
	ecl_alert_options opts = ECL_ALERT_OPTIONS_INIT;

	opts.smtp_host = "127.0.0.1";
	opts.smtp_port = port;
	opts.smtp_encryption = "none";
	opts.mail_to = "ops@example.com";
	opts.timeout_ms = 5000;
	return opts;
}

static const ecl_alert failed_job = {
	"job_failed", ECL_ALERT_CRITICAL, "Import Job Failed: readings.csv",
	"Import job has failed after 3 retries.\n\nDetails:\n.hidden line\n.\nlast line", NULL
};

static int smtp_send(sink *s, const ecl_alert_options *opts, const ecl_alert *alert)
{
	return ecl__alert_smtp_send(opts, alert, NOW, s->why, sizeof(s->why));
}

/* The message event the sink recorded (exactly one expected). */
static json_t *only_message(json_t *events)
{
	json_t *message = find_event(events, "message", 0);

	assert_non_null(message);
	assert_null(find_event(events, "message", 1));
	return message;
}

/* The header block of the raw DATA, and the body after the blank line. */
static void split_message(const char *data, char **headers, const char **body)
{
	const char *end = strstr(data, "\r\n\r\n");

	assert_non_null(end);
	*headers = strndup(data, (size_t)(end - data) + 2);
	*body = end + 4;
}

static void assert_crlf_only(const char *data)
{
	const char *p;

	for (p = data; *p != '\0'; p++) {
		if (*p == '\n')
			assert_true(p > data && p[-1] == '\r');
		if (*p == '\r')
			assert_int_equal(p[1], '\n');
	}
}

/* "Message-ID: <32 lowercase hex digits@domain>\r\n" is in the headers. */
static void assert_message_id(const char *headers, const char *domain)
{
	const char *id = strstr(headers, "\r\nMessage-ID: <");
	int i;

	assert_non_null(id);
	id += strlen("\r\nMessage-ID: <");
	for (i = 0; i < 32; i++)
		assert_non_null(strchr("0123456789abcdef", id[i]));
	assert_int_equal(id[32], '@');
	assert_int_equal(strncmp(id + 33, domain, strlen(domain)), 0);
	assert_int_equal(strncmp(id + 33 + strlen(domain), ">\r\n", 3), 0);
}

static void test_smtp_delivers_exact_message(void **state)
{
	sink *s = *state;
	ecl_alert_options opts;
	json_t *events, *message;
	const char *data, *body;
	char *headers;

	start_sink(s, "smtp_sink.py", NULL);
	opts = smtp_options(s->port);
	ecl_assert_ok(smtp_send(s, &opts, &failed_job));
	assert_string_equal(s->why, "");

	events = read_events(s);
	message = only_message(events);
	assert_string_equal(member(message, "mail_from"), "<noreply@eclectyc.energy>");
	assert_int_equal(json_array_size(json_object_get(message, "rcpt_to")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(message, "rcpt_to"), 0)),
		"<ops@example.com>");
	assert_true(json_is_null(json_object_get(message, "auth")));
	assert_null(find_event(events, "auth", 0));

	data = member(message, "data");
	assert_crlf_only(data);
	split_message(data, &headers, &body);
	assert_int_equal(strncmp(headers, "Date: Sat, 28 Nov 2026 17:26:45 +0000\r\n", 39), 0);
	assert_message_id(headers, "eclectyc.energy");
	assert_contains(headers, "\r\nFrom: Eclectyc Energy <noreply@eclectyc.energy>\r\n");
	assert_contains(headers, "\r\nTo: ops@example.com\r\n");
	assert_contains(headers, "\r\nSubject: Import Job Failed: readings.csv\r\n");
	assert_contains(headers, "\r\nMIME-Version: 1.0\r\n");
	assert_contains(headers, "\r\nContent-Type: text/plain; charset=UTF-8\r\n");
	assert_contains(headers, "\r\nContent-Transfer-Encoding: 8bit\r\n");
	assert_contains(headers, "\r\nAuto-Submitted: auto-generated\r\n");
	/* Lines starting with a dot arrive intact, after being doubled on the wire. */
	assert_string_equal(body,
		"Import job has failed after 3 retries.\r\n\r\nDetails:\r\n.hidden line\r\n.\r\n"
		"last line\r\n");
	assert_contains(member(message, "data_on_wire"), "\r\n..hidden line\r\n..\r\nlast line");
	assert_int_equal(json_array_size(json_object_get(message, "defects")), 0);
	free(headers);
	json_decref(events);
}

static void test_smtp_sender_name_and_recipients(void **state)
{
	sink *s = *state;
	ecl_alert_options opts;
	ecl_alert alert = failed_job;
	json_t *events, *message, *rcpt;
	const char *body;
	char *headers;

	start_sink(s, "smtp_sink.py", NULL);
	opts = smtp_options(s->port);
	opts.mail_from = "alerts@example.org";
	opts.mail_from_name = "Eclectyc Ops (UK)";
	opts.mail_to = " a@example.com, b@example.com, ";  /* a trailing comma is forgiven */
	alert.body = "one\r\ntwo\rthree\n";
	ecl_assert_ok(smtp_send(s, &opts, &alert));

	events = read_events(s);
	message = only_message(events);
	assert_string_equal(member(message, "mail_from"), "<alerts@example.org>");
	rcpt = json_object_get(message, "rcpt_to");
	assert_int_equal(json_array_size(rcpt), 2);
	assert_string_equal(json_string_value(json_array_get(rcpt, 0)), "<a@example.com>");
	assert_string_equal(json_string_value(json_array_get(rcpt, 1)), "<b@example.com>");
	split_message(member(message, "data"), &headers, &body);
	assert_message_id(headers, "example.org");
	assert_contains(headers, "\r\nFrom: \"Eclectyc Ops (UK)\" <alerts@example.org>\r\n");
	assert_contains(headers, "\r\nTo: a@example.com, b@example.com\r\n");
	assert_string_equal(body, "one\r\ntwo\r\nthree\r\n");
	assert_string_equal(member(json_object_get(message, "headers"), "from"),
		"\"Eclectyc Ops (UK)\" <alerts@example.org>");
	free(headers);
	json_decref(events);
}

static void test_smtp_auth_only_with_username(void **state)
{
	sink *s = *state;
	ecl_alert_options opts;
	json_t *events, *auth;

	start_sink(s, "smtp_sink.py", NULL);
	opts = smtp_options(s->port);
	opts.smtp_password = PASSWORD;  /* ignored without a username */
	ecl_assert_ok(smtp_send(s, &opts, &failed_job));
	opts.smtp_username = "mailer";
	ecl_assert_ok(smtp_send(s, &opts, &failed_job));

	events = read_events(s);
	assert_true(json_is_null(json_object_get(find_event(events, "message", 0), "auth")));
	auth = find_event(events, "auth", 0);
	assert_non_null(auth);
	assert_null(find_event(events, "auth", 1));
	assert_true(json_is_true(json_object_get(auth, "accepted")));
	assert_string_equal(member(auth, "username"), "mailer");
	assert_string_equal(member(auth, "password"), PASSWORD);
	auth = json_object_get(find_event(events, "message", 1), "auth");
	assert_string_equal(member(auth, "username"), "mailer");
	json_decref(events);
}

static void test_smtp_auth_failure_hides_password(void **state)
{
	static const char *args[] = { "--auth-fail", NULL };
	sink *s = *state;
	ecl_alert_options opts;
	json_t *events;

	start_sink(s, "smtp_sink.py", args);
	opts = smtp_options(s->port);
	opts.smtp_username = "mailer";
	opts.smtp_password = PASSWORD;
	ecl_assert_fails(ECL_EIO, smtp_send(s, &opts, &failed_job));
	assert_contains(s->why, "535");
	ecl_assert_error_contains("535");
	assert_lacks(s->why, PASSWORD);
	assert_lacks(ecl_error_last(), PASSWORD);
	events = read_events(s);
	assert_non_null(find_event(events, "auth", 0));
	assert_null(find_event(events, "message", 0));
	json_decref(events);
}

/* "tls" means STARTTLS or nothing: a server that does not offer it gets
 * neither the credentials nor the message in clear text. */
static void test_smtp_starttls_required(void **state)
{
	sink *s = *state;
	ecl_alert_options opts;
	json_t *events;

	start_sink(s, "smtp_sink.py", NULL);
	opts = smtp_options(s->port);
	opts.smtp_encryption = "tls";
	opts.smtp_username = "mailer";
	opts.smtp_password = PASSWORD;
	ecl_assert_fails(ECL_EIO, smtp_send(s, &opts, &failed_job));
	assert_contains(s->why, "STARTTLS");
	ecl_assert_error_contains("does not offer STARTTLS");
	assert_lacks(ecl_error_last(), PASSWORD);
	events = read_events(s);
	assert_int_equal(json_array_size(events), 0);
	json_decref(events);
}

static void test_smtp_ssl_against_plain_server(void **state)
{
	sink *s = *state;
	ecl_alert_options opts;
	struct timespec start;
	json_t *events;

	start_sink(s, "smtp_sink.py", NULL);
	opts = smtp_options(s->port);
	opts.smtp_encryption = "ssl";
	clock_gettime(CLOCK_MONOTONIC, &start);
	ecl_assert_fails(ECL_EIO, smtp_send(s, &opts, &failed_job));
	assert_true(seconds_since(&start) < HANG_BOUND_SECONDS);
	assert_true(s->why[0] != '\0');
	assert_contains(s->why, "TLS handshake failed");
	ecl_assert_error_contains("smtps://127.0.0.1:");
	events = read_events(s);
	assert_int_equal(json_array_size(events), 0);
	json_decref(events);
}

static void test_smtp_message_rejected(void **state)
{
	static const char *args[] = { "--reply-code", "554", NULL };
	sink *s = *state;
	ecl_alert_options opts;
	json_t *events;

	start_sink(s, "smtp_sink.py", args);
	opts = smtp_options(s->port);
	ecl_assert_fails(ECL_EIO, smtp_send(s, &opts, &failed_job));
	assert_string_equal(s->why, "server said: 554 5.7.1 message rejected by sink");
	ecl_assert_error_contains("server said: 554 5.7.1 message rejected by sink");
	ecl_assert_error_contains("smtp://127.0.0.1:");
	events = read_events(s);
	assert_true(json_is_false(json_object_get(find_event(events, "message", 0), "accepted")));
	json_decref(events);
}

static void test_smtp_data_command_rejected(void **state)
{
	static const char *args[] = { "--reply-code", "554", "--reject-at", "data", NULL };
	sink *s = *state;
	ecl_alert_options opts;

	start_sink(s, "smtp_sink.py", args);
	opts = smtp_options(s->port);
	ecl_assert_fails(ECL_EIO, smtp_send(s, &opts, &failed_job));
	assert_string_equal(s->why, "server said: 554 5.7.1 no mail accepted by sink");
}

static void test_smtp_connection_refused(void **state)
{
	sink *s = *state;
	ecl_alert_options opts = smtp_options(ecl_test_closed_port());
	struct timespec start;
	double elapsed;

	clock_gettime(CLOCK_MONOTONIC, &start);
	ecl_assert_fails(ECL_EIO, smtp_send(s, &opts, &failed_job));
	elapsed = seconds_since(&start);
	print_message("SMTP connection refused after %.3f s\n", elapsed);
	assert_string_equal(s->why, "connection refused");
	ecl_assert_error_contains("connection refused");
	assert_true(elapsed < HANG_BOUND_SECONDS);
}

static void test_smtp_silent_server_times_out(void **state)
{
	static const char *args[] = { "--hang", NULL };
	sink *s = *state;
	ecl_alert_options opts;
	struct timespec start;
	double elapsed;

	start_sink(s, "smtp_sink.py", args);
	opts = smtp_options(s->port);
	opts.timeout_ms = 1500;
	clock_gettime(CLOCK_MONOTONIC, &start);
	ecl_assert_fails(ECL_EIO, smtp_send(s, &opts, &failed_job));
	elapsed = seconds_since(&start);
	print_message("SMTP hang ended after %.3f s (timeout 1500 ms)\n", elapsed);
	assert_string_equal(s->why, "timed out after 1500 ms");
	ecl_assert_error_contains("timed out after 1500 ms");
	assert_true(elapsed >= 1.4);
	assert_true(elapsed < HANG_BOUND_SECONDS);
}

/* Every physical line of the header block is at most `max` octets. */
static void assert_header_lines_within(const char *headers, size_t max)
{
	const char *p = headers;

	while (*p != '\0') {
		size_t len = strcspn(p, "\r");
		assert_true(len <= max);
		p += len;
		p += *p ? 2 : 0;
	}
}

static void test_smtp_non_ascii_subject_and_name(void **state)
{
	static const char subject[] =
		"Zählerstände fehlgeschlagen ⚡ für Zähler 1200023305963 — Übertragung abgebrochen";
	sink *s = *state;
	ecl_alert_options opts;
	ecl_alert alert = failed_job;
	json_t *events, *message, *parsed;
	const char *body;
	char *headers;

	start_sink(s, "smtp_sink.py", NULL);
	opts = smtp_options(s->port);
	opts.mail_from_name = "Énergie Éclectyc";
	alert.subject = subject;
	ecl_assert_ok(smtp_send(s, &opts, &alert));

	events = read_events(s);
	message = only_message(events);
	split_message(member(message, "data"), &headers, &body);
	assert_contains(headers, "\r\nSubject: =?UTF-8?B?");
	assert_contains(headers, "?=\r\n =?UTF-8?B?");  /* folded: too long for one word */
	assert_contains(headers, "\r\nFrom: =?UTF-8?B?");
	assert_header_lines_within(headers, 76);
	for (body = headers; *body != '\0'; body++)
		assert_true((unsigned char)*body < 0x80);
	parsed = json_object_get(message, "headers");
	assert_string_equal(member(parsed, "subject"), subject);
	assert_string_equal(member(parsed, "from"), "Énergie Éclectyc <noreply@eclectyc.energy>");
	assert_int_equal(json_array_size(json_object_get(message, "defects")), 0);
	free(headers);
	json_decref(events);
}

static void test_smtp_long_line_goes_base64(void **state)
{
	sink *s = *state;
	ecl_alert_options opts;
	ecl_alert alert = failed_job;
	char body[1300];
	char expected[1310];
	json_t *events, *message;

	memset(body, 'x', 1200);
	memcpy(body + 1200, "\nend", 5);
	snprintf(expected, sizeof(expected), "%.1200s\r\nend\r\n", body);
	start_sink(s, "smtp_sink.py", NULL);
	opts = smtp_options(s->port);
	alert.body = body;
	ecl_assert_ok(smtp_send(s, &opts, &alert));

	events = read_events(s);
	message = only_message(events);
	assert_contains(member(message, "data"), "\r\nContent-Transfer-Encoding: base64\r\n");
	assert_string_equal(member(message, "body"), expected);
	json_decref(events);
}

static void test_smtp_refuses_header_injection(void **state)
{
	sink *s = *state;
	ecl_alert_options opts;
	ecl_alert alert = failed_job;

	start_sink(s, "smtp_sink.py", NULL);
	opts = smtp_options(s->port);
	/* The settings below are refused; the alert's own text never is (see
	 * test_smtp_subject_line_break_escaped). */
	alert = failed_job;
	opts.mail_from_name = "Eclectyc\r\nBcc: victim@example.com";
	ecl_assert_fails(ECL_EINVALID, smtp_send(s, &opts, &alert));
	assert_contains(s->why, "sender name");
	opts.mail_from_name = NULL;
	opts.mail_from = "noreply@eclectyc.energy\r\nBcc: victim@example.com";
	ecl_assert_fails(ECL_EINVALID, smtp_send(s, &opts, &alert));
	assert_contains(s->why, "sender address");
	opts.mail_from = NULL;
	opts.mail_to = "ops@example.com\r\nBcc: victim@example.com";
	ecl_assert_fails(ECL_EINVALID, smtp_send(s, &opts, &alert));
	assert_contains(s->why, "recipient");
	opts.mail_to = "ops@example.com>\r\nRCPT TO:<victim@example.com";
	ecl_assert_fails(ECL_EINVALID, smtp_send(s, &opts, &alert));
	opts.mail_to = "ops@example.com,,b@example.com";
	ecl_assert_fails(ECL_EINVALID, smtp_send(s, &opts, &alert));

	/* Nothing reached the server. */
	{
		json_t *events = read_events(s);
		assert_int_equal(json_array_size(events), 0);
		json_decref(events);
	}
}

/* A file name with a CR/LF (the subject quotes it) used to stop the failure
 * e-mail; it must go out, with the line break written out in the Subject
 * (no header added) and the message otherwise intact. */
static void test_smtp_subject_line_break_escaped(void **state)
{
	sink *s = *state;
	ecl_alert_options opts;
	ecl_alert alert = failed_job;
	json_t *events, *message, *headers, *rcpt;
	char *head;
	const char *body;

	start_sink(s, "smtp_sink.py", NULL);
	opts = smtp_options(s->port);
	alert.subject = "Import Job Failed: evil\r\nBcc: victim@example.com\r\n\r\nbody.csv";
	ecl_assert_ok(smtp_send(s, &opts, &alert));
	alert.subject = "Import Job Failed: a\nb\x1b[31m.csv";
	ecl_assert_ok(smtp_send(s, &opts, &alert));

	events = read_events(s);
	message = find_event(events, "message", 0);
	assert_non_null(message);
	headers = json_object_get(message, "headers");
	assert_string_equal(member(headers, "subject"),
		"Import Job Failed: evil\\r\\nBcc: victim@example.com\\r\\n\\r\\nbody.csv");
	assert_null(json_object_get(headers, "bcc"));
	rcpt = json_object_get(message, "rcpt_to");
	assert_int_equal(json_array_size(rcpt), 1);
	split_message(member(message, "data"), &head, &body);
	assert_contains(head, "\r\nSubject: Import Job Failed: evil\\r\\nBcc: victim@example.com"
		"\\r\\n\\r\\nbody.csv\r\n");
	assert_lacks(head, "\r\nBcc:");
	assert_contains(body, "Import job has failed after 3 retries.");
	free(head);
	message = find_event(events, "message", 1);
	assert_non_null(message);
	assert_string_equal(member(json_object_get(message, "headers"), "subject"),
		"Import Job Failed: a\\nb\\x1b[31m.csv");
	json_decref(events);
}

/* A server that echoes the AUTH exchange in its refusal: written here, as
 * the shared sink never does. argv: events file, mechanism (plain, login
 * or text: the decoded password in clear). */
static const char echo_sink[] =
	"import socket, sys, threading\n"
	"mode = sys.argv[2]\n"
	"srv = socket.socket()\n"
	"srv.bind(('127.0.0.1', 0))\n"
	"srv.listen(5)\n"
	"srv.settimeout(30)\n"
	"print(srv.getsockname()[1], flush=True)\n"
	"def session(c):\n"
	"    f = c.makefile('rb')\n"
	"    send = lambda line: c.sendall(line.encode() + b'\\r\\n')\n"
	"    read = lambda: f.readline().decode('latin-1').strip()\n"
	"    send('220 echo sink')\n"
	"    while True:\n"
	"        cmd = read()\n"
	"        if not cmd:\n"
	"            return\n"
	"        words = cmd.split(' ')\n"
	"        verb = words[0].upper()\n"
	"        if verb in ('EHLO', 'HELO'):\n"
	"            send('250-echo')\n"
	"            send('250 AUTH ' + ('LOGIN' if mode == 'login' else 'PLAIN'))\n"
	"        elif verb == 'AUTH' and words[1].upper() == 'PLAIN':\n"
	"            answer = words[2] if len(words) > 2 else None\n"
	"            if answer is None:\n"
	"                send('334 ')\n"
	"                answer = read()\n"
	"            if mode == 'text':\n"
	"                import base64\n"
	"                user, pw = base64.b64decode(answer).split(b'\\0')[1:]\n"
	"                send('535 5.7.8 bad login ' + user.decode() + ' / ' + pw.decode())\n"
	"            else:\n"
	"                send('535 5.7.8 AUTH PLAIN ' + answer + ' rejected')\n"
	"        elif verb == 'AUTH':\n"
	"            user = words[2] if len(words) > 2 else None\n"
	"            if user is None:\n"
	"                send('334 VXNlcm5hbWU6')\n"
	"                user = read()\n"
	"            send('334 UGFzc3dvcmQ6')\n"
	"            pw = read()\n"
	"            send('535 5.7.8 Authentication failed: ' + user + ' ' + pw)\n"
	"        elif verb == 'QUIT':\n"
	"            send('221 bye')\n"
	"            return\n"
	"        else:\n"
	"            send('250 ok')\n"
	"while True:\n"
	"    try:\n"
	"        c, _ = srv.accept()\n"
	"    except (socket.timeout, OSError):\n"
	"        break\n"
	"    threading.Thread(target=session, args=(c,), daemon=True).start()\n";

/* The password as AUTH sends it: base64 of "\0mailer\0" PASSWORD (PLAIN),
 * of PASSWORD alone and of "mailer" (LOGIN). */
#define PLAIN_RESPONSE "AG1haWxlcgBzM2NyZXQtcGE1NXcwcmQ="
#define LOGIN_PASSWORD "czNjcmV0LXBhNTV3MHJk"
#define LOGIN_USERNAME "bWFpbGVy"

static void assert_no_credentials(const char *text)
{
	assert_lacks(text, PLAIN_RESPONSE);
	assert_lacks(text, LOGIN_PASSWORD);
	assert_lacks(text, LOGIN_USERNAME);
	assert_lacks(text, PASSWORD);
	assert_lacks(text, "cjcmV0");   /* any part of the encoded password */
}

static void test_smtp_echoed_auth_is_scrubbed(void **state)
{
	static const char *const modes[] = { "plain", "login", "text" };
	sink *s = *state;
	char *script = ecl_test_write_file(s->dir, "echo_sink.py", echo_sink);
	size_t i;

	assert_non_null(script);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		const char *args[] = { modes[i], NULL };
		ecl_alert_options opts;

		start_sink(s, script, args);
		opts = smtp_options(s->port);
		opts.smtp_username = "mailer";
		opts.smtp_password = PASSWORD;
		ecl_assert_fails(ECL_EIO, smtp_send(s, &opts, &failed_job));
		/* The refusal is still reported, what it echoed is not. */
		assert_contains(s->why, "server said: 535 5.7.8 ");
		assert_no_credentials(s->why);
		assert_no_credentials(ecl_error_last());
		if (i == 0)
			assert_contains(s->why, "AUTH PLAIN ***");
		stop_sink(s);
	}
	free(script);
}

/* The scrubber itself, on replies servers have been seen to send. */
static void test_scrub_rules(void **state)
{
	char text[256];

	(void)state;
	snprintf(text, sizeof(text), "535 5.7.8 AUTH PLAIN " PLAIN_RESPONSE " rejected");
	ecl__alert_scrub(text, "mailer", PASSWORD);
	assert_string_equal(text, "535 5.7.8 AUTH PLAIN ***");
	snprintf(text, sizeof(text), "535 5.7.8 failed: " LOGIN_USERNAME " " LOGIN_PASSWORD ".");
	ecl__alert_scrub(text, "mailer", PASSWORD);
	assert_string_equal(text, "535 5.7.8 failed: *** ***.");
	/* Without knowing the credentials: a base64 word holding a NUL (PLAIN). */
	snprintf(text, sizeof(text), "535 " PLAIN_RESPONSE);
	ecl__alert_scrub(text, NULL, NULL);
	assert_string_equal(text, "535 ***");
	snprintf(text, sizeof(text), "535 5.7.8 Username and Password not accepted " PASSWORD);
	ecl__alert_scrub(text, "mailer", PASSWORD);
	assert_string_equal(text, "535 5.7.8 Username and Password not accepted ***");
	snprintf(text, sizeof(text), "554 5.7.1 message rejected by sink");
	ecl__alert_scrub(text, "mailer", PASSWORD);
	assert_string_equal(text, "554 5.7.1 message rejected by sink");
	snprintf(text, sizeof(text), "535 AUTH");
	ecl__alert_scrub(text, "mailer", "*");
	assert_string_equal(text, "535 AUTH");
}

static void test_smtp_invalid_settings(void **state)
{
	sink *s = *state;
	ecl_alert_options opts = smtp_options(ecl_test_closed_port());

	opts.smtp_encryption = "starttls";
	ecl_assert_fails(ECL_EINVALID, smtp_send(s, &opts, &failed_job));
	ecl_assert_error_contains("\"starttls\"");
	assert_contains(s->why, "starttls");
	opts.smtp_encryption = "";
	ecl_assert_fails(ECL_EINVALID, smtp_send(s, &opts, &failed_job));
	opts.smtp_encryption = "SSL";  /* case does not matter */
	opts.smtp_port = 70000;
	ecl_assert_fails(ECL_EINVALID, smtp_send(s, &opts, &failed_job));
	ecl_assert_error_contains("70000");
	opts.smtp_port = 25;
	opts.smtp_host = NULL;
	ecl_assert_fails(ECL_EINVALID, smtp_send(s, &opts, &failed_job));
	ecl_assert_error_contains("MAIL_HOST");
	opts.smtp_host = "mail.example.com/evil";
	ecl_assert_fails(ECL_EINVALID, smtp_send(s, &opts, &failed_job));
	opts.smtp_host = "127.0.0.1";
	opts.mail_to = "";
	ecl_assert_fails(ECL_EINVALID, smtp_send(s, &opts, &failed_job));
	ecl_assert_error_contains("ADMIN_EMAIL");
	ecl_assert_fails(ECL_EINVALID, ecl__alert_smtp_send(NULL, &failed_job, NOW, NULL, 0));
	ecl_assert_fails(ECL_EINVALID, ecl__alert_smtp_send(&opts, NULL, NOW, s->why, sizeof(s->why)));
}

/* ---- Slack ---- */

static ecl_alert_options slack_options(char *url, size_t size, int port)
{
	ecl_alert_options opts = ECL_ALERT_OPTIONS_INIT;

	snprintf(url, size, "http://127.0.0.1:%d" SECRET_PATH, port);
	opts.slack_webhook_url = url;
	opts.timeout_ms = 5000;
	return opts;
}

static int slack_send(sink *s, const ecl_alert_options *opts, const ecl_alert *alert)
{
	return ecl__alert_slack_send(opts, alert, NOW, s->why, sizeof(s->why));
}

/* The attachment of the n-th request, checked for shape; returns it. */
static json_t *posted_attachment(json_t *events, size_t nth, json_t **payload)
{
	json_t *request = json_array_get(events, nth);
	json_t *headers, *attachments, *attachment;
	json_error_t error;

	assert_non_null(request);
	assert_string_equal(member(request, "method"), "POST");
	assert_string_equal(member(request, "path"), SECRET_PATH);
	headers = json_object_get(request, "headers");
	assert_string_equal(member(headers, "content-type"), "application/json");
	assert_null(json_object_get(headers, "expect"));
	*payload = json_loads(member(request, "body"), 0, &error);
	assert_non_null(*payload);
	assert_int_equal(json_object_size(*payload), 1);
	attachments = json_object_get(*payload, "attachments");
	assert_true(json_is_array(attachments));
	assert_int_equal(json_array_size(attachments), 1);
	attachment = json_array_get(attachments, 0);
	assert_int_equal(json_object_size(attachment), 5);
	return attachment;
}

static void test_slack_payload(void **state)
{
	sink *s = *state;
	char url[256];
	ecl_alert_options opts;
	json_t *events, *payload, *attachment;

	start_sink(s, "http_sink.py", NULL);
	opts = slack_options(url, sizeof(url), s->port);
	ecl_assert_ok(slack_send(s, &opts, &failed_job));
	assert_string_equal(s->why, "");

	events = read_events(s);
	assert_int_equal(json_array_size(events), 1);
	attachment = posted_attachment(events, 0, &payload);
	assert_string_equal(member(attachment, "color"), "danger");
	assert_string_equal(member(attachment, "title"), failed_job.subject);
	assert_string_equal(member(attachment, "text"), failed_job.body);
	assert_string_equal(member(attachment, "footer"), "Eclectyc Energy Import System");
	assert_true(json_is_integer(json_object_get(attachment, "ts")));
	assert_int_equal(json_integer_value(json_object_get(attachment, "ts")), NOW);
	json_decref(payload);
	json_decref(events);
}

static void test_slack_colours(void **state)
{
	sink *s = *state;
	char url[256];
	ecl_alert_options opts;
	ecl_alert alert = failed_job;
	json_t *events, *payload;

	start_sink(s, "http_sink.py", NULL);
	opts = slack_options(url, sizeof(url), s->port);
	alert.severity = ECL_ALERT_WARNING;
	alert.subject = "Import Jobs Stuck in Processing (2 jobs)";
	ecl_assert_ok(slack_send(s, &opts, &alert));
	alert.severity = ECL_ALERT_INFO;
	ecl_assert_ok(slack_send(s, &opts, &alert));

	events = read_events(s);
	assert_int_equal(json_array_size(events), 2);
	assert_string_equal(member(posted_attachment(events, 0, &payload), "color"), "warning");
	json_decref(payload);
	assert_string_equal(member(posted_attachment(events, 1, &payload), "color"), "good");
	json_decref(payload);
	json_decref(events);
}

static void test_slack_http_500_hides_secret(void **state)
{
	static const char *args[] = { "--status", "500", "--body", "failed at " SECRET_PATH, NULL };
	sink *s = *state;
	char url[256];
	ecl_alert_options opts;

	start_sink(s, "http_sink.py", args);
	opts = slack_options(url, sizeof(url), s->port);
	ecl_assert_fails(ECL_EIO, slack_send(s, &opts, &failed_job));
	/* The body echoes the secret path, so it is not quoted. */
	assert_string_equal(s->why, "HTTP 500");
	ecl_assert_error_contains("Slack webhook");
	ecl_assert_error_contains("HTTP 500");
	assert_lacks(ecl_error_last(), "SECRETXYZ");
	assert_lacks(ecl_error_last(), "127.0.0.1");
}

static void test_slack_refusal_quotes_body(void **state)
{
	static const char *args[] = { "--status", "404", "--body", "no_service", NULL };
	sink *s = *state;
	char url[256];
	ecl_alert_options opts;

	start_sink(s, "http_sink.py", args);
	opts = slack_options(url, sizeof(url), s->port);
	ecl_assert_fails(ECL_EIO, slack_send(s, &opts, &failed_job));
	assert_string_equal(s->why, "HTTP 404: no_service");
	assert_lacks(ecl_error_last(), "SECRETXYZ");
}

static void test_slack_silent_server_times_out(void **state)
{
	static const char *args[] = { "--hang", NULL };
	sink *s = *state;
	char url[256];
	ecl_alert_options opts;
	struct timespec start;
	double elapsed;

	start_sink(s, "http_sink.py", args);
	opts = slack_options(url, sizeof(url), s->port);
	opts.timeout_ms = 1500;
	clock_gettime(CLOCK_MONOTONIC, &start);
	ecl_assert_fails(ECL_EIO, slack_send(s, &opts, &failed_job));
	elapsed = seconds_since(&start);
	print_message("Slack hang ended after %.3f s (timeout 1500 ms)\n", elapsed);
	assert_string_equal(s->why, "timed out after 1500 ms");
	assert_lacks(ecl_error_last(), "SECRETXYZ");
	assert_true(elapsed >= 1.4);
	assert_true(elapsed < HANG_BOUND_SECONDS);
}

static void test_slack_connection_refused(void **state)
{
	sink *s = *state;
	char url[256];
	ecl_alert_options opts = slack_options(url, sizeof(url), ecl_test_closed_port());
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	ecl_assert_fails(ECL_EIO, slack_send(s, &opts, &failed_job));
	assert_true(seconds_since(&start) < HANG_BOUND_SECONDS);
	assert_string_equal(s->why, "connection refused");
	ecl_assert_error_contains("connection refused");
	assert_lacks(ecl_error_last(), "SECRETXYZ");
}

static void test_slack_invalid_url(void **state)
{
	sink *s = *state;
	ecl_alert_options opts = ECL_ALERT_OPTIONS_INIT;

	ecl_assert_fails(ECL_EINVALID, slack_send(s, &opts, &failed_job));
	ecl_assert_error_contains("SLACK_WEBHOOK_URL");
	opts.slack_webhook_url = "file:///etc" SECRET_PATH;
	ecl_assert_fails(ECL_EINVALID, slack_send(s, &opts, &failed_job));
	assert_lacks(ecl_error_last(), "SECRETXYZ");
	assert_lacks(s->why, "SECRETXYZ");
	opts.slack_webhook_url = "https://hooks.example" SECRET_PATH "\r\nX-Evil: 1";
	ecl_assert_fails(ECL_EINVALID, slack_send(s, &opts, &failed_job));
	assert_lacks(ecl_error_last(), "SECRETXYZ");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_smtp_delivers_exact_message),
		T(test_smtp_sender_name_and_recipients),
		T(test_smtp_auth_only_with_username),
		T(test_smtp_auth_failure_hides_password),
		T(test_smtp_starttls_required),
		T(test_smtp_ssl_against_plain_server),
		T(test_smtp_message_rejected),
		T(test_smtp_data_command_rejected),
		T(test_smtp_connection_refused),
		T(test_smtp_silent_server_times_out),
		T(test_smtp_non_ascii_subject_and_name),
		T(test_smtp_long_line_goes_base64),
		T(test_smtp_refuses_header_injection),
		T(test_smtp_subject_line_break_escaped),
		T(test_smtp_echoed_auth_is_scrubbed),
		cmocka_unit_test(test_scrub_rules),
		T(test_smtp_invalid_settings),
		T(test_slack_payload),
		T(test_slack_colours),
		T(test_slack_http_500_hides_secret),
		T(test_slack_refusal_quotes_body),
		T(test_slack_silent_server_times_out),
		T(test_slack_connection_refused),
		T(test_slack_invalid_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
