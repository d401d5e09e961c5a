/*
 * Options from configuration (ecl_*_options_from_config), the enum names the
 * command line and the bindings spell, and the JSON of the records they
 * return: the library's reading is the one every host gets.
 */
#include "ecl_test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eclectyc.h"

static ecl_config *config_of(const char *const *pairs)
{
	ecl_config *c = NULL;
	size_t i;

	assert_int_equal(ecl_config_new(&c), 0);
	for (i = 0; pairs[i] != NULL; i += 2)
		assert_int_equal(ecl_config_set(c, pairs[i], pairs[i + 1]), 0);
	return c;
}

/* The key's value, refused by `fill`, with a message holding `fragment`. */
#define assert_refused(fill, key, value, fragment) do { \
	const char *const pairs_[] = { key, value, NULL }; \
	ecl_config *c_ = config_of(pairs_); \
	ecl_assert_fails(ECL_EINVALID, fill); \
	ecl_assert_error_contains(fragment); \
	ecl_config_free(c_); \
} while (0)

static void test_store_options(void **state)
{
	const char *const pairs[] = {
		"ECLECTYC_LOG_LEVEL", "debug", "ECLECTYC_BUSY_TIMEOUT_MS", "2500",
		"ECLECTYC_RETRY_BASE_SECONDS", "5", "ECLECTYC_RETRY_CAP_SECONDS", "40",
		"ECLECTYC_RETRY_JITTER_PERCENT", "10", "ECLECTYC_STORAGE_DIR", "/srv/imports", NULL
	};
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;
	ecl_config *c = config_of(pairs);
	ecl_config *defaults = NULL;

	(void)state;
	ecl_assert_ok(ecl_store_options_from_config(&o, c));
	assert_int_equal(o.log_level, ECL_LOG_DEBUG);
	assert_int_equal(o.busy_timeout_ms, 2500);
	assert_int_equal(o.retry_base_seconds, 5);
	assert_int_equal(o.retry_cap_seconds, 40);
	assert_int_equal(o.retry_jitter_percent, 10);
	/* Points into the configuration. */
	assert_ptr_equal(o.storage_root, ecl_config_get(c, "ECLECTYC_STORAGE_DIR"));
	/* The built-in default storage directory is no storage root. */
	ecl_assert_ok(ecl_config_new(&defaults));
	o = (ecl_store_options)ECL_STORE_OPTIONS_INIT;
	ecl_assert_ok(ecl_store_options_from_config(&o, defaults));
	assert_null(o.storage_root);
	assert_int_equal(o.log_level, ECL_LOG_WARN);
	ecl_config_free(defaults);
	ecl_config_free(c);

	assert_refused(ecl_store_options_from_config(&o, c_), "ECLECTYC_RETRY_JITTER_PERCENT", "150",
		"configuration ECLECTYC_RETRY_JITTER_PERCENT=150 is out of range (0 to 100)");
	assert_refused(ecl_store_options_from_config(&o, c_), "ECLECTYC_BUSY_TIMEOUT_MS", "soon",
		"ECLECTYC_BUSY_TIMEOUT_MS");
	assert_refused(ecl_store_options_from_config(&o, c_), "ECLECTYC_LOG_LEVEL", "loud", "loud");
	ecl_assert_fails(ECL_EINVALID, ecl_store_options_from_config(NULL, NULL));
}

static void test_job_and_ingest_options(void **state)
{
	const char *const pairs[] = { "ECLECTYC_MAX_RETRIES", "7", "ECLECTYC_BATCH_SIZE", "123", NULL };
	ecl_job_options j = ECL_JOB_OPTIONS_INIT;
	ecl_ingest_options i = ECL_INGEST_OPTIONS_INIT;
	ecl_config *c = config_of(pairs);

	(void)state;
	ecl_assert_ok(ecl_job_options_from_config(&j, c));
	ecl_assert_ok(ecl_ingest_options_from_config(&i, c));
	assert_int_equal(j.max_retries, 7);
	assert_int_equal(i.batch_size, 123);
	ecl_config_free(c);
	assert_refused(ecl_job_options_from_config(&j, c_), "ECLECTYC_MAX_RETRIES", "500",
		"ECLECTYC_MAX_RETRIES=500 is out of range (0 to 100)");
	assert_refused(ecl_ingest_options_from_config(&i, c_), "ECLECTYC_BATCH_SIZE", "0",
		"ECLECTYC_BATCH_SIZE=0 is out of range");
}

static void test_worker_and_aggregate_options(void **state)
{
	const char *const pairs[] = {
		"ECLECTYC_WORKER_POLL_MS", "750", "ECLECTYC_BATCH_SIZE", "99",
		"ECLECTYC_PEAK_START", "8:30", "ECLECTYC_PEAK_END", "20:00", NULL
	};
	const char *const off[] = { "ECLECTYC_AGGREGATE_AFTER_IMPORT", "0", "ECLECTYC_PEAK_START", "x", NULL };
	ecl_worker_options w = ECL_WORKER_OPTIONS_INIT;
	ecl_aggregate_options a = ECL_AGGREGATE_OPTIONS_INIT;
	ecl_config *c = config_of(pairs);

	(void)state;
	ecl_assert_ok(ecl_worker_options_from_config(&w, c));
	assert_int_equal(w.idle_poll_ms, 750);
	assert_int_equal(w.ingest.batch_size, 99);
	assert_int_equal(w.aggregate_after_import, 1);
	assert_int_equal(w.aggregation.peak_start_minutes, 8 * 60 + 30);
	assert_int_equal(w.aggregation.peak_end_minutes, 20 * 60);
	ecl_config_free(c);
	/* Without re-aggregation a bad peak window is not read. */
	c = config_of(off);
	w = (ecl_worker_options)ECL_WORKER_OPTIONS_INIT;
	ecl_assert_ok(ecl_worker_options_from_config(&w, c));
	assert_int_equal(w.aggregate_after_import, 0);
	assert_int_equal(w.aggregation.peak_start_minutes, a.peak_start_minutes);
	ecl_assert_fails(ECL_EINVALID, ecl_aggregate_options_from_config(&a, c));
	ecl_assert_error_contains("configuration ECLECTYC_PEAK_START=x is not a time of day HH:MM");
	ecl_config_free(c);
	assert_refused(ecl_aggregate_options_from_config(&a, c_), "ECLECTYC_PEAK_END", "05:00",
		"ECLECTYC_PEAK_START=07:00 is after ECLECTYC_PEAK_END=05:00");
	assert_refused(ecl_worker_options_from_config(&w, c_), "ECLECTYC_WORKER_POLL_MS", "-5",
		"ECLECTYC_WORKER_POLL_MS=-5 is out of range");
	assert_refused(ecl_worker_options_from_config(&w, c_), "ECLECTYC_BATCH_SIZE", "0",
		"ECLECTYC_BATCH_SIZE=0 is out of range");
}

static void test_health_options(void **state)
{
	const char *const pairs[] = {
		"ECLECTYC_STUCK_MINUTES", "15", "ECLECTYC_FAILURE_RATE_WARNING", "10.5",
		"ECLECTYC_FAILURE_RATE_CRITICAL", "", "ECLECTYC_BACKLOG_THRESHOLD", "9", NULL
	};
	ecl_health_options h = ECL_HEALTH_OPTIONS_INIT;
	ecl_config *c = config_of(pairs);

	(void)state;
	ecl_assert_ok(ecl_health_options_from_config(&h, c));
	assert_int_equal(h.stuck_minutes, 15);
	assert_true(h.failure_rate_warning == 10.5);
	assert_true(h.failure_rate_critical == 50.0);  /* empty: kept */
	assert_int_equal(h.backlog_threshold, 9);
	ecl_config_free(c);
	assert_refused(ecl_health_options_from_config(&h, c_), "ECLECTYC_FAILURE_RATE_CRITICAL", "5",
		"ECLECTYC_FAILURE_RATE_WARNING (25) is above ECLECTYC_FAILURE_RATE_CRITICAL (5)");
	assert_refused(ecl_health_options_from_config(&h, c_), "ECLECTYC_FAILURE_RATE_WARNING", "101",
		"ECLECTYC_FAILURE_RATE_WARNING=101 is not a percentage from 0 to 100");
	assert_refused(ecl_health_options_from_config(&h, c_), "ECLECTYC_STUCK_MINUTES", "0",
		"ECLECTYC_STUCK_MINUTES=0 is out of range (1 to 10080)");
}

static void test_cleanup_options(void **state)
{
	char *dir = ecl_test_tmpdir("test_config_options");
	const char *const pairs[] = { "ECLECTYC_STORAGE_DIR", "/nonexistent/explicit", NULL };
	ecl_cleanup_options o = ECL_CLEANUP_OPTIONS_INIT;
	ecl_config *c = config_of(pairs);
	ecl_config *defaults = NULL;

	(void)state;
	/* Set explicitly, it is taken even when missing (cleanup then names it). */
	ecl_assert_ok(ecl_cleanup_options_from_config(&o, c));
	assert_string_equal(o.storage_dir, "/nonexistent/explicit");
	assert_int_equal(o.days, 30);
	ecl_config_free(c);
	/* The built-in default only where it exists. */
	ecl_assert_ok(ecl_config_new(&defaults));
	o = (ecl_cleanup_options)ECL_CLEANUP_OPTIONS_INIT;
	ecl_assert_ok(ecl_cleanup_options_from_config(&o, defaults));
	assert_null(o.storage_dir);
	ecl_config_free(defaults);
	ecl_test_rmtree(dir);
	free(dir);
}

static void test_enum_names(void **state)
{
	ecl_unknown_meter_policy u;
	ecl_negative_policy n;
	ecl_alert_severity s;
	ecl_health_status h;
	ecl_run_status r;

	(void)state;
	ecl_assert_ok(ecl_unknown_meter_policy_parse(&u, "reject-file"));
	assert_int_equal(u, ECL_UNKNOWN_METER_REJECT_FILE);
	assert_string_equal(ecl_unknown_meter_policy_name(ECL_UNKNOWN_METER_REJECT_ROW), "reject-row");
	assert_null(ecl_unknown_meter_policy_name((ecl_unknown_meter_policy)3));
	ecl_assert_fails(ECL_EINVALID, ecl_unknown_meter_policy_parse(&u, "sometimes"));
	ecl_assert_error_contains("unknown unknown-meter policy \"sometimes\" (expected create, "
		"reject-row or reject-file)");
	ecl_assert_ok(ecl_negative_policy_parse(&n, "reject"));
	assert_int_equal(n, ECL_NEGATIVE_REJECT);
	assert_string_equal(ecl_negative_policy_name(ECL_NEGATIVE_ACCEPT), "accept");
	ecl_assert_fails(ECL_EINVALID, ecl_negative_policy_parse(&n, "flip"));
	ecl_assert_error_contains("(expected accept or reject)");
	ecl_assert_ok(ecl_alert_severity_parse(&s, "critical"));
	assert_int_equal(s, ECL_ALERT_CRITICAL);
	ecl_assert_fails(ECL_EINVALID, ecl_alert_severity_parse(&s, "apocalyptic"));
	ecl_assert_error_contains("(expected info, warning or critical)");
	ecl_assert_ok(ecl_health_status_parse(&h, "degraded"));
	assert_int_equal(h, ECL_HEALTH_DEGRADED);
	ecl_assert_ok(ecl_run_status_parse(&r, "partial"));
	assert_int_equal(r, ECL_RUN_PARTIAL);
	ecl_assert_fails(ECL_EINVALID, ecl_run_status_parse(NULL, "partial"));
	ecl_assert_fails(ECL_EINVALID, ecl_health_status_parse(&h, NULL));
}

static void test_record_json(void **state)
{
	ecl_buf b = ECL_BUF_INIT;
	ecl_job_status_counts counts = { 1, 2, 3, 4, 5, 15 };
	ecl_worker_report w = { 6, 5, 1, 0, 0, 0 };
	char worker[] = "host:1", message[] = "bad \xff byte", klass[] = "permanent";
	ecl_job_attempt attempts[2];
	ecl_job_attempt_array list = { attempts, 2 };
	ecl_job_attempt_array none = { NULL, 0 };
	ecl_alert_result r;
	char *problems[] = { "missing column import_jobs.x" };
	ecl_schema_report schema = { 6, 7, 1, problems };

	(void)state;
	ecl_assert_ok(ecl_job_status_counts_to_json(&b, &counts));
	assert_string_equal(b.ptr, "{\"queued\":1,\"processing\":2,\"completed\":3,\"failed\":4,"
		"\"cancelled\":5,\"total\":15}");
	ecl_assert_ok(ecl_worker_report_to_json(&b, &w));
	assert_string_equal(b.ptr, "{\"claimed\":6,\"completed\":5,\"failed\":1,\"requeued\":0,"
		"\"cancelled\":0,\"released\":0}");
	memset(attempts, 0, sizeof(attempts));
	attempts[0].attempt = 1;
	attempts[0].worker_id = worker;
	attempts[0].started_at = 30;
	attempts[0].ended_at = 60;
	attempts[0].outcome = ECL_JOB_QUEUED;
	attempts[0].error_message = message;
	attempts[0].error_class = klass;
	attempts[1].attempt = 2;
	attempts[1].started_at = 120;
	attempts[1].ended_at = ECL_TIME_NONE;
	attempts[1].outcome = ECL_JOB_PROCESSING;
	ecl_assert_ok(ecl_job_attempt_array_to_json(&b, &list));
	assert_string_equal(b.ptr, "[{\"attempt\":1,\"worker_id\":\"host:1\",\"started_at\":"
		"\"1970-01-01 00:00:30\",\"ended_at\":\"1970-01-01 00:01:00\",\"outcome\":\"queued\","
		"\"error_message\":\"bad \xef\xbf\xbd byte\",\"error_class\":\"permanent\",\"processed_rows\":0,"
		"\"imported_rows\":0,\"failed_rows\":0},{\"attempt\":2,\"worker_id\":null,\"started_at\":"
		"\"1970-01-01 00:02:00\",\"ended_at\":null,\"outcome\":\"processing\",\"error_message\":null,"
		"\"error_class\":null,\"processed_rows\":0,\"imported_rows\":0,\"failed_rows\":0}]");
	ecl_assert_ok(ecl_job_attempt_array_to_json(&b, &none));
	assert_string_equal(b.ptr, "[]");
	memset(&r, 0, sizeof(r));
	r.channels_ok = 1;
	r.channels_failed = 1;
	r.channel_count = 2;
	strcpy(r.channels[0].name, "slack");
	strcpy(r.channels[0].reason, "connection refused");
	strcpy(r.channels[1].name, "log");
	r.channels[1].ok = 1;
	ecl_assert_ok(ecl_alert_result_to_json(&b, &r));
	assert_string_equal(b.ptr, "{\"suppressed\":false,\"channels_ok\":1,\"channels_failed\":1,"
		"\"channels\":[{\"name\":\"slack\",\"ok\":false,\"reason\":\"connection refused\"},"
		"{\"name\":\"log\",\"ok\":true,\"reason\":\"\"}]}");
	ecl_assert_ok(ecl_schema_report_to_json(&b, &schema));
	assert_string_equal(b.ptr, "{\"current\":6,\"expected\":7,\"problems\":"
		"[\"missing column import_jobs.x\"]}");
	ecl_assert_fails(ECL_EINVALID, ecl_ingest_report_to_json(&b, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_job_array_to_json(NULL, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_execution_array_to_json(&b, NULL));
	ecl_buf_dispose(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_options),
		cmocka_unit_test(test_job_and_ingest_options),
		cmocka_unit_test(test_worker_and_aggregate_options),
		cmocka_unit_test(test_health_options),
		cmocka_unit_test(test_cleanup_options),
		cmocka_unit_test(test_enum_names),
		cmocka_unit_test(test_record_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
