/* Conformance: migrations and the drift check, seen through the public API. */
#include "conformance.h"

#include <string.h>

static void migrate_is_idempotent_and_check_is_clean(void **state)
{
	conf_fixture *f = *state;
	ecl_schema_report *report = NULL;
	int current = -1, expected = -1;

	ecl_assert_ok(ecl_store_schema_version(&current, &expected, f->store));
	assert_true(expected >= 1);
	assert_int_equal(current, expected);
	ecl_assert_ok(ecl_store_migrate(f->store));
	ecl_assert_ok(ecl_store_migrate(f->store));
	ecl_assert_ok(ecl_store_schema_version(&current, NULL, f->store));
	assert_int_equal(current, expected);

	ecl_assert_ok(ecl_store_check(&report, f->store));
	if (report->count > 0)
		print_error("unexpected drift: %s\n", report->problems[0]);
	assert_int_equal(report->count, 0);
	assert_int_equal(report->current_version, expected);
	assert_int_equal(report->expected_version, expected);
	ecl_schema_report_free(report);
}

static void unmigrated_store_refuses_work_and_reports_drift(void **state)
{
	conf_fixture *f = *state;
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	ecl_schema_report *report = NULL;
	ecl_job_array *list = NULL;
	ecl_job *job = NULL;
	char id[ECL_BATCH_ID_SIZE];
	int current = -1, expected = -1;

	ecl_store_free(f->store);
	ecl_assert_ok(conf_open(f, 60, 3600));  /* a fresh database, not migrated */
	ecl_assert_ok(ecl_store_schema_version(&current, &expected, f->store));
	assert_int_equal(current, 0);
	o.file_path = f->file;
	ecl_assert_fails(ECL_ESCHEMA, ecl_job_create(id, f->store, &o));
	ecl_assert_error_contains("migrate");
	ecl_assert_fails(ECL_ESCHEMA, ecl_job_claim(&job, f->store, "w"));
	ecl_assert_fails(ECL_ESCHEMA, ecl_job_list(&list, f->store, NULL));
	ecl_assert_fails(ECL_ESCHEMA, ecl_job_cancel(f->store, "11111111-1111-4111-8111-111111111111"));

	ecl_assert_ok(ecl_store_check(&report, f->store));
	assert_true(report->count >= 2);  /* pending migrations, missing tables */
	assert_int_equal(report->current_version, 0);
	ecl_schema_report_free(report);
	/* Checking changed nothing. */
	ecl_assert_ok(ecl_store_schema_version(&current, NULL, f->store));
	assert_int_equal(current, 0);

	ecl_assert_ok(ecl_store_migrate(f->store));
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
}

static size_t count_of(const char *text, const char *needle)
{
	size_t n = 0;

	for (; (text = strstr(text, needle)) != NULL; text++)
		n++;
	return n;
}

/* What migrate would run, read before it runs: every pending migration in
 * order, nothing applied; nothing once the schema is current. */
static void a_plan_lists_the_pending_migrations_and_applies_none(void **state)
{
	conf_fixture *f = *state;
	ecl_buf plan = ECL_BUF_INIT;
	int current = -1, expected = -1;

	ecl_store_free(f->store);
	ecl_assert_ok(conf_open(f, 60, 3600));  /* a fresh database, not migrated */
	ecl_assert_ok(ecl_store_migrate_plan(&plan, f->store));
	ecl_assert_ok(ecl_store_schema_version(&current, &expected, f->store));
	assert_int_equal(current, 0);
	assert_true(expected >= 8);
	if (conf_adopting()) {
		/* The application's import_jobs kept and given the library's columns. */
		assert_true(strncmp(plan.ptr, "-- adopting the PHP application's database", 42) == 0);
		assert_int_equal(count_of(plan.ptr, "-- migration "), 0);
		assert_non_null(strstr(plan.ptr, "ALTER TABLE `import_jobs` ADD COLUMN `queued_at_unix`"));
		assert_null(strstr(plan.ptr, "CREATE TABLE `import_jobs`"));
		assert_non_null(strstr(plan.ptr, "CREATE TABLE `hh_readings`"));
	} else {
		assert_int_equal(count_of(plan.ptr, "-- migration "), (size_t)expected);
		assert_true(strncmp(plan.ptr, "-- migration 1\n", 15) == 0);
		assert_non_null(strstr(plan.ptr, "CREATE TABLE import_jobs"));
		assert_true(strstr(plan.ptr, "-- migration 7\n") < strstr(plan.ptr, "-- migration 8\n"));
	}

	ecl_assert_ok(ecl_store_migrate(f->store));
	ecl_assert_ok(ecl_store_migrate_plan(&plan, f->store));
	assert_int_equal(plan.size, 0);
	ecl_buf_dispose(&plan);
	ecl_assert_fails(ECL_EINVALID, ecl_store_migrate_plan(NULL, f->store));
}

const struct CMUnitTest conf_schema_tests[] = {
	cmocka_unit_test_setup_teardown(a_plan_lists_the_pending_migrations_and_applies_none, conf_setup,
	                                conf_teardown),
	cmocka_unit_test_setup_teardown(migrate_is_idempotent_and_check_is_clean, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(unmigrated_store_refuses_work_and_reports_drift, conf_setup, conf_teardown),
};
const size_t conf_schema_test_count = sizeof(conf_schema_tests) / sizeof(conf_schema_tests[0]);
