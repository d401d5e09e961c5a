/*
 * Alert dispatch: options, the log and callback channels, the cooldown,
 * the `alerts` table, once-per-job alerts from the worker, a network
 * channel that cannot connect, and secrets kept out of every record.
 * (The SMTP and Slack wire formats are tested in test_alert_channels.)
 */
#include "ecl_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ops/alert_hook.h"

typedef struct fixture {
	ecl_test_db db;
	int64_t now;
	int delivered;
	char subject[256];
	char log[8192];
} fixture;

static void on_alert(const ecl_alert *alert, void *payload)
{
	fixture *f = payload;

	f->delivered++;
	snprintf(f->subject, sizeof(f->subject), "%s", alert->subject);
}

static void on_log(ecl_log_level level, const char *message, void *payload)
{
	fixture *f = payload;
	size_t used = strlen(f->log);

	(void)level;
	snprintf(f->log + used, sizeof(f->log) - used, "%s\n", message);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;

	f->now = 1767225600;
	o.log = on_log;
	o.log_payload = f;
	o.log_level = ECL_LOG_DEBUG;
	*state = f;
	return ecl_test_db_open(&f->db, "alert", &f->now, &o);
}

static int teardown(void **state)
{
	fixture *f = *state;

	ecl_test_db_close(&f->db);
	free(f);
	return 0;
}

#define assert_string_equal_free(owned, expected) do { \
	char *owned_ = (owned); \
	assert_non_null(owned_); \
	assert_string_equal(owned_, expected); \
	free(owned_); \
} while (0)

static void use_callback(fixture *f, int log_channel)
{
	ecl_alert_options a = ECL_ALERT_OPTIONS_INIT;

	a.callback = on_alert;
	a.callback_payload = f;
	a.log_channel = log_channel;
	ecl_assert_ok(ecl_store_set_alerting(f->db.store, &a));
}

/* A loopback port nothing listens on. */
static int closed_port(void)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	port = ntohs(addr.sin_port);
	close(fd);
	return port;
}

/* A loopback port that accepts connections (the kernel completes them) and
 * never answers: a hanging SMTP server or webhook. Close *fd when done. */
static int hanging_port(int *fd)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*fd >= 0);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(*fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(*fd, 64), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&addr, &len), 0);
	return ntohs(addr.sin_port);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void use_hanging_channels(fixture *f, int port, char *url, size_t url_size, int timeout_ms)
{
	ecl_alert_options a = ECL_ALERT_OPTIONS_INIT;

	snprintf(url, url_size, "http://127.0.0.1:%d/services/T0/B0/hook", port);
	a.smtp_host = "127.0.0.1";
	a.smtp_port = port;
	a.smtp_encryption = "none";
	a.mail_to = "ops@example.com";
	a.slack_webhook_url = url;
	a.timeout_ms = timeout_ms;
	a.callback = on_alert;
	a.callback_payload = f;
	a.log_channel = 0;
	ecl_assert_ok(ecl_store_set_alerting(f->db.store, &a));
}

/* Alert channels that hang used to cost every alert (every failing job)
 * their full timeout. After a channel times out it is skipped for 300 s of
 * the store's clock, each skip logged and reported; then it is tried again. */
static void hanging_channel_is_skipped_for_a_while(void **state)
{
	fixture *f = *state;
	ecl_alert alert = { "job_failed", ECL_ALERT_CRITICAL, "Down", "body", NULL };
	ecl_alert_result r;
	struct timespec start;
	char url[128];
	char *row;
	int fd, port = hanging_port(&fd);

	use_hanging_channels(f, port, url, sizeof(url), 300);
	clock_gettime(CLOCK_MONOTONIC, &start);
	ecl_assert_ok(ecl_alert_send(&r, f->db.store, &alert));   /* the callback took it */
	assert_true(seconds_since(&start) >= 0.55);                 /* both channels timed out */
	assert_int_equal(r.channels_failed, 2);
	assert_string_equal(r.channels[0].reason, "timed out after 300 ms");
	assert_string_equal(r.channels[1].reason, "timed out after 300 ms");
	assert_non_null(strstr(f->log, "alert channel email unreachable (timed out after 300 ms): "
		"skipped until 2026-01-01 00:05:00 UTC"));
	assert_non_null(strstr(f->log, "alert channel slack unreachable"));

	/* Within the backoff: skipped at once, and said so. */
	f->now += 299;
	f->log[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &start);
	ecl_assert_ok(ecl_alert_send(&r, f->db.store, &alert));
	assert_true(seconds_since(&start) < 0.3);    /* less than one channel's timeout */
	assert_int_equal(r.channels_ok, 1);
	assert_int_equal(r.channels_failed, 2);
	assert_string_equal(r.channels[0].reason, "skipped until 2026-01-01 00:05:00 UTC: "
		"unreachable (timed out after 300 ms)");
	assert_non_null(strstr(f->log, "alert channel email skipped for \"job_failed\" until "
		"2026-01-01 00:05:00 UTC: it was unreachable (timed out after 300 ms)"));
	assert_non_null(strstr(f->log, "alert channel slack skipped"));
	assert_int_equal(f->delivered, 2);
	row = ecl_test_sql_text(f->db.path, "SELECT channels_failed || '|' || failure_detail "
		"FROM alerts ORDER BY id DESC LIMIT 1");
	assert_non_null(row);
	assert_non_null(strstr(row, "email,slack|email: skipped until"));
	free(row);

	/* The backoff over: tried (and timed out) again. */
	f->now += 1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	ecl_assert_ok(ecl_alert_send(&r, f->db.store, &alert));
	assert_true(seconds_since(&start) >= 0.55);
	assert_string_equal(r.channels[0].reason, "timed out after 300 ms");

	/* Configuring the channels again starts afresh. */
	f->now += 1;
	use_hanging_channels(f, port, url, sizeof(url), 300);
	clock_gettime(CLOCK_MONOTONIC, &start);
	ecl_assert_ok(ecl_alert_send(&r, f->db.store, &alert));
	assert_true(seconds_since(&start) >= 0.55);
	close(fd);
}

static int count_lines(const char *log, const char *needle)
{
	const char *p = log;
	int n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/* A worker whose jobs fail one after another pays a hanging channel's
 * timeout once, not once per job. */
static void failing_jobs_pay_a_hanging_channel_once(void **state)
{
	fixture *f = *state;
	ecl_job_options jo = ECL_JOB_OPTIONS_INIT;
	ecl_worker_options wo = ECL_WORKER_OPTIONS_INIT;
	ecl_worker_report wr;
	ecl_worker *w = NULL;
	struct timespec start;
	char id[ECL_BATCH_ID_SIZE], url[128];
	char *path = ecl_test_write_file(f->db.dir, "broken.csv", "no header we know\n1,2\n");
	double took;
	int fd, port = hanging_port(&fd), i;

	use_hanging_channels(f, port, url, sizeof(url), 500);
	jo.file_path = path;
	jo.max_retries = 0;
	for (i = 0; i < 4; i++)
		ecl_assert_ok(ecl_job_create(id, f->db.store, &jo));
	ecl_assert_ok(ecl_worker_new(&w, f->db.store, &wo));
	memset(&wr, 0, sizeof(wr));
	clock_gettime(CLOCK_MONOTONIC, &start);
	ecl_assert_ok(ecl_worker_process(w, 4, &wr));
	took = seconds_since(&start);
	assert_int_equal(wr.failed, 4);
	assert_int_equal(f->delivered, 4);
	/* Each channel tried (and timed out) once, skipped for the other three. */
	assert_int_equal(count_lines(f->log, "alert channel email unreachable"), 1);
	assert_int_equal(count_lines(f->log, "alert channel slack unreachable"), 1);
	assert_int_equal(count_lines(f->log, "alert channel email skipped"), 3);
	assert_int_equal(count_lines(f->log, "alert channel slack skipped"), 3);
	/* Two channels x 0.5 s once; four times over would be 4 s. */
	if (took >= 3.9)
		print_error("4 failed jobs took %.2f s\n", took);
	assert_true(took >= 0.95 && took < 3.9);
	ecl_worker_free(w);
	free(path);
	close(fd);
}

/* A CR/LF in a file name used to stop the failure e-mail (the subject
 * quotes it): the name is written out with its control characters escaped,
 * in the subject and the body, and the alert goes out. */
static void file_name_line_break_is_escaped(void **state)
{
	fixture *f = *state;
	ecl_job_options jo = ECL_JOB_OPTIONS_INIT;
	ecl_worker_options wo = ECL_WORKER_OPTIONS_INIT;
	ecl_worker_report wr;
	ecl_worker *w = NULL;
	char id[ECL_BATCH_ID_SIZE];
	char *path = ecl_test_write_file(f->db.dir, "broken.csv", "no header we know\n1,2\n");
	char *body;

	use_callback(f, 1);
	jo.file_path = path;
	jo.filename = "evil\r\nBcc: victim@example.com\x1b[2J.csv";
	jo.max_retries = 0;
	ecl_assert_ok(ecl_job_create(id, f->db.store, &jo));
	ecl_assert_ok(ecl_worker_new(&w, f->db.store, &wo));
	memset(&wr, 0, sizeof(wr));
	ecl_assert_ok(ecl_worker_process(w, 1, &wr));
	assert_int_equal(wr.failed, 1);
	assert_int_equal(f->delivered, 1);
	assert_string_equal(f->subject,
		"Import Job Failed: evil\\r\\nBcc: victim@example.com\\x1b[2J.csv");
	body = ecl_test_sql_text(f->db.path, "SELECT body FROM alerts");
	assert_non_null(body);
	assert_non_null(strstr(body, "\nFilename: evil\\r\\nBcc: victim@example.com\\x1b[2J.csv\n"));
	assert_null(strstr(body, "\nBcc:"));
	free(body);
	ecl_worker_free(w);
	free(path);
}

static void delivered_through_log_and_callback(void **state)
{
	fixture *f = *state;
	ecl_alert alert = { "test", ECL_ALERT_WARNING, "Subject line", "Body text", NULL };
	ecl_alert_result r;

	use_callback(f, 1);
	ecl_assert_ok(ecl_alert_send(&r, f->db.store, &alert));
	assert_int_equal(r.suppressed, 0);
	assert_int_equal(r.channels_ok, 2);
	assert_int_equal(r.channels_failed, 0);
	assert_string_equal(r.accepted, "log,callback");
	assert_int_equal(f->delivered, 1);
	assert_string_equal(f->subject, "Subject line");
	assert_non_null(strstr(f->log, "ALERT [test] Subject line"));
	assert_string_equal_free(ecl_test_sql_text(f->db.path, "SELECT alert_type || '|' || severity "
		"|| '|' || subject || '|' || body || '|' || channels_ok || '|' || suppressed FROM alerts"),
		"test|warning|Subject line|Body text|log,callback|0");
}

static void keyed_alerts_cool_down(void **state)
{
	fixture *f = *state;
	ecl_alert alert = { "queue_backlog", ECL_ALERT_WARNING, "Backlog", "b", "queue_backlog" };
	ecl_alert other = { "stuck_jobs", ECL_ALERT_WARNING, "Stuck", "s", "stuck_jobs" };
	ecl_alert_result r;

	use_callback(f, 0);
	ecl_assert_ok(ecl_alert_send(&r, f->db.store, &alert));
	f->now += 3599;
	ecl_assert_ok(ecl_alert_send(&r, f->db.store, &alert));
	assert_int_equal(r.suppressed, 1);
	assert_int_equal(r.channels_ok, 0);
	ecl_assert_ok(ecl_alert_send(&r, f->db.store, &other));   /* another key is not held back */
	assert_int_equal(r.suppressed, 0);
	f->now += 1;
	ecl_assert_ok(ecl_alert_send(&r, f->db.store, &alert));   /* an hour after the last send */
	assert_int_equal(r.suppressed, 0);
	assert_int_equal(f->delivered, 3);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM alerts"), 4);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT count(*) FROM alerts WHERE suppressed = 1"), 1);
}

static void failing_channel_is_reported_and_secrets_stay_out(void **state)
{
	fixture *f = *state;
	ecl_alert_options a = ECL_ALERT_OPTIONS_INIT;
	ecl_alert alert = { "test", ECL_ALERT_CRITICAL, "Down", "body", NULL };
	ecl_alert_result r;
	char url[128];
	char *row;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/services/T0/B0/SECRETPATH", closed_port());
	a.smtp_host = "127.0.0.1";
	a.smtp_port = closed_port();
	a.smtp_encryption = "none";
	a.smtp_username = "ops";
	a.smtp_password = "hunter2-secret";
	a.mail_to = "ops@example.com";
	a.slack_webhook_url = url;
	a.timeout_ms = 2000;
	a.log_channel = 0;
	ecl_assert_ok(ecl_store_set_alerting(f->db.store, &a));
	ecl_assert_fails(ECL_EIO, ecl_alert_send(&r, f->db.store, &alert));
	assert_int_equal(r.channels_ok, 0);
	assert_int_equal(r.channels_failed, 2);
	assert_non_null(strstr(r.detail, "email: "));
	assert_non_null(strstr(r.detail, "slack: "));
	assert_int_equal(r.channel_count, 2);
	assert_string_equal(r.channels[0].name, "email");
	assert_int_equal(r.channels[0].ok, 0);
	assert_string_equal(r.channels[0].reason, "connection refused");
	assert_string_equal(r.channels[1].name, "slack");
	assert_string_equal(r.channels[1].reason, "connection refused");
	assert_null(strstr(r.detail, "hunter2"));
	assert_null(strstr(r.detail, "SECRETPATH"));
	assert_null(strstr(ecl_error_last(), "hunter2"));
	assert_null(strstr(ecl_error_last(), "SECRETPATH"));
	row = ecl_test_sql_text(f->db.path, "SELECT channels_failed || '|' || failure_detail FROM alerts");
	assert_non_null(row);
	assert_non_null(strstr(row, "email,slack|"));
	assert_null(strstr(row, "hunter2"));
	assert_null(strstr(row, "SECRETPATH"));
	free(row);
	assert_null(strstr(f->log, "hunter2"));
	assert_null(strstr(f->log, "SECRETPATH"));
	/* With the log on, one channel still takes it: not an error. */
	a.log_channel = 1;
	ecl_assert_ok(ecl_store_set_alerting(f->db.store, &a));
	ecl_assert_ok(ecl_alert_send(&r, f->db.store, &alert));
	assert_int_equal(r.channels_ok, 1);
	assert_int_equal(r.channels_failed, 2);
}

static void job_failure_alert_goes_out_once(void **state)
{
	fixture *f = *state;
	ecl_job_options jo = ECL_JOB_OPTIONS_INIT;
	ecl_worker_options wo = ECL_WORKER_OPTIONS_INIT;
	ecl_worker_report wr;
	ecl_worker *w = NULL;
	char id[ECL_BATCH_ID_SIZE];
	char *path = ecl_test_write_file(f->db.dir, "broken.csv", "no header we know\n1,2\n");
	char *body;

	use_callback(f, 0);
	jo.file_path = path;
	jo.notes = "monthly upload";
	ecl_assert_ok(ecl_job_create(id, f->db.store, &jo));
	wo.worker_id = "w1";
	ecl_assert_ok(ecl_worker_new(&w, f->db.store, &wo));
	memset(&wr, 0, sizeof(wr));
	ecl_assert_ok(ecl_worker_process(w, 1, &wr));
	assert_int_equal(wr.failed, 1);
	assert_int_equal(f->delivered, 1);
	assert_string_equal(f->subject, "Import Job Failed: broken.csv");
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT alert_sent FROM import_jobs"), 1);
	assert_int_equal(ecl_test_sql_number(f->db.path, "SELECT alert_sent_at FROM import_jobs"), f->now);
	body = ecl_test_sql_text(f->db.path, "SELECT body FROM alerts");
	assert_non_null(body);
	assert_non_null(strstr(body, "Notes:\nmonthly upload"));
	free(body);
	/* Raised again (another process, the monitor): nothing more goes out. */
	assert_int_equal(ecl__alert_job_failed(f->db.store, id, NULL), 0);
	assert_int_equal(f->delivered, 1);
	ecl_worker_free(w);
	free(path);
}

static void aggregation_failure_is_alerted(void **state)
{
	fixture *f = *state;
	ecl_aggregate_report *r = NULL;
	char *body;

	use_callback(f, 0);
	ecl_test_sql_exec(f->db.path, "DROP TABLE weekly_aggregations");
	ecl_assert_fails(ECL_ESCHEMA, ecl_aggregate(&r, f->db.store, ECL_RANGE_WEEKLY, "2026-01-14", NULL));
	ecl_aggregate_report_free(r);
	assert_int_equal(f->delivered, 1);
	assert_string_equal(f->subject, "[Eclectyc Energy] Aggregation Failure: weekly");
	body = ecl_test_sql_text(f->db.path, "SELECT body FROM alerts");
	assert_non_null(body);
	assert_non_null(strstr(body, "Range: weekly"));
	assert_null(strstr(body, "#0"));   /* no stack trace */
	free(body);
}

static void options_are_checked(void **state)
{
	fixture *f = *state;
	ecl_alert_options a = ECL_ALERT_OPTIONS_INIT;
	ecl_alert bad = { NULL, ECL_ALERT_INFO, "s", "b", NULL };
	ecl_config *config = NULL;

	a.smtp_encryption = "starttls";
	ecl_assert_fails(ECL_EINVALID, ecl_store_set_alerting(f->db.store, &a));
	ecl_assert_error_contains("starttls");
	a.smtp_encryption = "ssl";
	a.smtp_port = 0;
	ecl_assert_fails(ECL_EINVALID, ecl_store_set_alerting(f->db.store, &a));
	a.smtp_port = 465;
	a.slack_webhook_url = "ftp://hooks";
	ecl_assert_fails(ECL_EINVALID, ecl_store_set_alerting(f->db.store, &a));
	a.slack_webhook_url = NULL;
	a.smtp_host = "smtp.example.com";   /* a server but nobody to send to */
	ecl_assert_fails(ECL_EINVALID, ecl_store_set_alerting(f->db.store, &a));
	ecl_assert_error_contains("ADMIN_EMAIL");
	a.smtp_host = NULL;
	a.version = 5;
	ecl_assert_fails(ECL_EINVALID, ecl_store_set_alerting(f->db.store, &a));
	ecl_assert_fails(ECL_EINVALID, ecl_alert_options_init(&a, 5));
	ecl_assert_fails(ECL_EINVALID, ecl_alert_send(NULL, f->db.store, &bad));
	ecl_assert_fails(ECL_EINVALID, ecl_alert_send(NULL, NULL, &bad));

	ecl_assert_ok(ecl_config_new(&config));
	ecl_assert_ok(ecl_config_set(config, "MAIL_HOST", "smtp.example.com"));
	ecl_assert_ok(ecl_config_set(config, "MAIL_PORT", "465"));
	ecl_assert_ok(ecl_config_set(config, "MAIL_ENCRYPTION", "ssl"));
	ecl_assert_ok(ecl_config_set(config, "ADMIN_EMAIL", "ops@example.com"));
	ecl_assert_ok(ecl_config_set(config, "SLACK_WEBHOOK_URL", "https://hooks.slack.com/x"));
	ecl_assert_ok(ecl_alert_options_from_config(&a, config));
	assert_string_equal(a.smtp_host, "smtp.example.com");
	assert_int_equal(a.smtp_port, 465);
	assert_string_equal(a.smtp_encryption, "ssl");
	assert_string_equal(a.mail_to, "ops@example.com");
	assert_null(a.smtp_username);
	assert_int_equal(a.cooldown_seconds, 3600);
	ecl_assert_ok(ecl_store_set_alerting(f->db.store, &a));
	ecl_assert_ok(ecl_config_set(config, "MAIL_PORT", "99999"));
	ecl_assert_fails(ECL_EINVALID, ecl_alert_options_from_config(&a, config));
	ecl_assert_error_contains("MAIL_PORT");
	ecl_config_free(config);
	assert_string_equal(ecl_alert_severity_name(ECL_ALERT_CRITICAL), "critical");
	assert_null(ecl_alert_severity_name((ecl_alert_severity)4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(delivered_through_log_and_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(keyed_alerts_cool_down, setup, teardown),
		cmocka_unit_test_setup_teardown(failing_channel_is_reported_and_secrets_stay_out, setup, teardown),
		cmocka_unit_test_setup_teardown(job_failure_alert_goes_out_once, setup, teardown),
		cmocka_unit_test_setup_teardown(aggregation_failure_is_alerted, setup, teardown),
		cmocka_unit_test_setup_teardown(options_are_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(hanging_channel_is_skipped_for_a_while, setup, teardown),
		cmocka_unit_test_setup_teardown(failing_jobs_pay_a_hanging_channel_once, setup, teardown),
		cmocka_unit_test_setup_teardown(file_name_line_break_is_escaped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
