/*
 * Every case of tests/gen_fixtures.py, end to end: the generator writes the
 * files and manifest.json (with expectations from its own model of the
 * import rules); for each case this imports the setup files and then the
 * case file into a fresh SQLite store and checks the report, the summary
 * JSON and the stored rows. One cmocka test per case; a case that fails
 * names every expectation it missed with the expected and actual values.
 * Cases marked "known_bug" in the manifest are skipped with the reason.
 */
#include "ecl_test.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef ECL_SOURCE_DIR
#error "ECL_SOURCE_DIR must name the source tree"
#endif

#define SUM_TOLERANCE 1e-6

static char *fixtures_dir;

/* ---- reporting ------------------------------------------------------------ */

typedef struct check {
	const char *name;   /* the case */
	int failures;
} check;

#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static void mismatch(check *c, const char *field, const char *format, ...)
{
	char text[2048];
	va_list args;

	va_start(args, format);
	vsnprintf(text, sizeof(text), format, args);
	va_end(args);
	print_error("case %s: %s: %s\n", c->name, field, text);
	c->failures++;
}

static void expect_int(check *c, const char *field, json_t *expect, int64_t actual)
{
	json_t *want = json_object_get(expect, field);

	if (want == NULL)
		return;
	if (!json_is_integer(want))
		mismatch(c, field, "manifest value is not an integer");
	else if ((int64_t)json_integer_value(want) != actual)
		mismatch(c, field, "expected %lld, actual %lld", (long long)json_integer_value(want),
			(long long)actual);
}

static void expect_bool(check *c, const char *field, json_t *expect, int actual)
{
	json_t *want = json_object_get(expect, field);

	if (want != NULL && json_is_true(want) != (actual != 0))
		mismatch(c, field, "expected %s, actual %s", json_is_true(want) ? "true" : "false",
			actual ? "true" : "false");
}

static void expect_sum(check *c, const char *field, json_t *expect, double actual)
{
	json_t *want = json_object_get(expect, field);

	if (want == NULL)
		return;
	if (!json_is_number(want))
		mismatch(c, field, "manifest value is not a number");
	else if (fabs(json_number_value(want) - actual) > SUM_TOLERANCE)
		mismatch(c, field, "expected %.9f, actual %.9f", json_number_value(want), actual);
}

/* ---- options and codes ---------------------------------------------------- */

static int option_flag(json_t *options, const char *key)
{
	return json_is_true(json_object_get(options, key));
}

static int options_from_json(ecl_ingest_options *o, json_t *options, check *c)
{
	const char *type = json_string_value(json_object_get(options, "import_type"));
	const char *unknown = json_string_value(json_object_get(options, "unknown_meters"));
	const char *negatives = json_string_value(json_object_get(options, "negatives"));
	json_t *batch = json_object_get(options, "batch_size");

	if (ecl_ingest_options_init(o, ECL_INGEST_OPTIONS_VERSION) != 0)
		return -1;
	if (type == NULL || strcmp(type, "hh") == 0)
		o->import_type = ECL_IMPORT_HH;
	else if (strcmp(type, "daily") == 0)
		o->import_type = ECL_IMPORT_DAILY;
	else
		return mismatch(c, "options.import_type", "unknown \"%s\"", type), -1;
	if (unknown == NULL || strcmp(unknown, "create") == 0)
		o->unknown_meters = ECL_UNKNOWN_METER_CREATE;
	else if (strcmp(unknown, "reject-row") == 0)
		o->unknown_meters = ECL_UNKNOWN_METER_REJECT_ROW;
	else if (strcmp(unknown, "reject-file") == 0)
		o->unknown_meters = ECL_UNKNOWN_METER_REJECT_FILE;
	else
		return mismatch(c, "options.unknown_meters", "unknown \"%s\"", unknown), -1;
	if (negatives == NULL || strcmp(negatives, "accept") == 0)
		o->negatives = ECL_NEGATIVE_ACCEPT;
	else if (strcmp(negatives, "reject") == 0)
		o->negatives = ECL_NEGATIVE_REJECT;
	else
		return mismatch(c, "options.negatives", "unknown \"%s\"", negatives), -1;
	o->overwrite_actual = option_flag(options, "overwrite_actual");
	o->month_first = option_flag(options, "month_first");
	o->interval_end = option_flag(options, "interval_end");
	o->dry_run = option_flag(options, "dry_run");
	if (json_is_integer(batch))
		o->batch_size = (int)json_integer_value(batch);
	return 0;
}

static const struct {
	const char *name;
	int code;
} codes[] = {
	{ "ok", 0 }, { "ERROR", ECL_ERROR }, { "EINVALID", ECL_EINVALID }, { "ENOMEM", ECL_ENOMEM },
	{ "ENOTFOUND", ECL_ENOTFOUND }, { "EEXISTS", ECL_EEXISTS }, { "ESTATE", ECL_ESTATE },
	{ "ENOTSUPPORTED", ECL_ENOTSUPPORTED }, { "EIO", ECL_EIO }, { "EBUSY", ECL_EBUSY },
	{ "ESCHEMA", ECL_ESCHEMA }, { "EDB", ECL_EDB }, { "ECANCELLED", ECL_ECANCELLED },
	{ "EPARSE", ECL_EPARSE },
};

static const char *code_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].name;
	return "?";
}

static int code_of(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].name, name) == 0)
			return codes[i].code;
	return 1;  /* no ECL_E* code is positive */
}

/* ---- the report and its summary --------------------------------------------- */

/* The "Row N: ..." entry of the summary's errors for row `row`, or NULL. */
static const char *row_message(json_t *errors, long long row)
{
	char prefix[32];
	size_t i;

	snprintf(prefix, sizeof(prefix), "Row %lld: ", row);
	for (i = 0; i < json_array_size(errors); i++) {
		const char *text = json_string_value(json_array_get(errors, i));
		if (text != NULL && strncmp(text, prefix, strlen(prefix)) == 0)
			return text;
	}
	return NULL;
}

static void check_error_rows(check *c, json_t *expect, json_t *errors)
{
	json_t *want = json_object_get(expect, "error_rows");
	char expected[1024] = "", actual[1024] = "";
	size_t i, used = 0;
	int same = 1;

	if (want == NULL)
		return;
	for (i = 0; i < json_array_size(want); i++)
		used += (size_t)snprintf(expected + used, sizeof(expected) - used, "%s%lld", i ? "," : "",
			(long long)json_integer_value(json_array_get(want, i)));
	used = 0;
	for (i = 0; i < json_array_size(errors); i++) {
		long long row = -1;
		const char *text = json_string_value(json_array_get(errors, i));

		if (text == NULL || sscanf(text, "Row %lld:", &row) != 1)
			row = -1;
		used += (size_t)snprintf(actual + used, sizeof(actual) - used, "%s%lld", i ? "," : "", row);
		if (i >= json_array_size(want) || json_integer_value(json_array_get(want, i)) != row)
			same = 0;
	}
	if (!same || json_array_size(want) != json_array_size(errors))
		mismatch(c, "error_rows", "expected rows [%s] to fail, the summary lists [%s]", expected, actual);
}

static void check_row_errors(check *c, json_t *expect, json_t *errors)
{
	json_t *want = json_object_get(expect, "row_errors"), *texts;
	const char *row;

	json_object_foreach(want, row, texts) {
		const char *message = row_message(errors, atoll(row));
		size_t i;

		if (message == NULL) {
			mismatch(c, "row_errors", "no error for row %s in the summary", row);
			continue;
		}
		for (i = 0; i < json_array_size(texts); i++) {
			const char *text = json_string_value(json_array_get(texts, i));
			if (text != NULL && strstr(message, text) == NULL)
				mismatch(c, "row_errors", "the error of row %s, \"%s\", lacks \"%s\"", row, message, text);
		}
	}
}

static void check_substrings(check *c, json_t *expect, const char *where, const char *text)
{
	json_t *want = json_object_get(expect, "error_substrings");
	size_t i;

	for (i = 0; i < json_array_size(want); i++) {
		const char *s = json_string_value(json_array_get(want, i));
		if (s != NULL && strstr(text, s) == NULL)
			mismatch(c, "error_substrings", "%s lacks \"%s\": %s", where, s, text);
	}
}

static void check_summary(check *c, json_t *expect, const ecl_ingest_report *r)
{
	json_error_t error;
	json_t *summary = json_loads(r->summary, 0, &error), *errors;
	json_t *meta;

	if (summary == NULL) {
		mismatch(c, "summary", "not JSON (%s): %s", error.text, r->summary);
		return;
	}
	/* The summary carries the report's counters under the reference's keys. */
	expect_int(c, "records_processed", expect, json_integer_value(json_object_get(summary, "records_processed")));
	expect_int(c, "records_imported", expect, json_integer_value(json_object_get(summary, "records_imported")));
	expect_int(c, "records_failed", expect, json_integer_value(json_object_get(summary, "records_failed")));
	expect_bool(c, "successful", expect, json_is_true(json_object_get(summary, "successful")));
	meta = json_object_get(summary, "meta");
	if (json_object_get(expect, "values") != NULL)
		expect_int(c, "values", expect, json_integer_value(json_object_get(meta, "total_values_processed")));
	if (json_object_get(expect, "format") != NULL) {
		const char *format = json_string_value(json_object_get(meta, "format"));
		const char *want = json_string_value(json_object_get(expect, "format"));
		if (format == NULL || strcmp(format, want) != 0)
			mismatch(c, "summary meta.format", "expected %s, actual %s", want, format ? format : "(none)");
	}
	errors = json_object_get(summary, "errors");
	if (!json_is_array(errors))
		mismatch(c, "summary errors", "not an array: %s", r->summary);
	check_error_rows(c, expect, errors);
	check_row_errors(c, expect, errors);
	check_substrings(c, expect, "the summary", r->summary);
	json_decref(summary);
}

static void check_report(check *c, json_t *expect, const ecl_ingest_report *r)
{
	json_t *format = json_object_get(expect, "format");

	if (format != NULL && strcmp(r->format, json_string_value(format)) != 0)
		mismatch(c, "format", "expected %s, actual %s", json_string_value(format), r->format);
	expect_int(c, "records_processed", expect, r->records_processed);
	expect_int(c, "records_imported", expect, r->records_imported);
	expect_int(c, "records_failed", expect, r->records_failed);
	expect_int(c, "values", expect, r->values_processed);
	expect_int(c, "inserted", expect, r->inserted);
	expect_int(c, "updated", expect, r->updated);
	expect_int(c, "unchanged", expect, r->unchanged);
	expect_int(c, "meters_created", expect, r->meters_created);
	expect_int(c, "negative_values", expect, r->negative_values);
	expect_int(c, "error_count", expect, r->error_count);
	expect_bool(c, "successful", expect, r->successful);
	if (r->summary == NULL)
		mismatch(c, "summary", "missing");
	else
		check_summary(c, expect, r);
}

/* ---- the stored rows ---------------------------------------------------------- */

static sqlite3_stmt *query(check *c, sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		mismatch(c, "sql", "%s: %s", sql, sqlite3_errmsg(db));
		return NULL;
	}
	return s;
}

static void sql_int(check *c, sqlite3 *db, json_t *expect, const char *field, const char *sql)
{
	sqlite3_stmt *s;

	if (json_object_get(expect, field) == NULL || (s = query(c, db, sql)) == NULL)
		return;
	if (sqlite3_step(s) == SQLITE_ROW)
		expect_int(c, field, expect, sqlite3_column_int64(s, 0));
	else
		mismatch(c, field, "no result from %s", sql);
	sqlite3_finalize(s);
}

static void sql_sum(check *c, sqlite3 *db, json_t *expect, const char *field, const char *sql)
{
	sqlite3_stmt *s;

	if (json_object_get(expect, field) == NULL || (s = query(c, db, sql)) == NULL)
		return;
	if (sqlite3_step(s) == SQLITE_ROW)
		expect_sum(c, field, expect, sqlite3_column_double(s, 0));
	else
		mismatch(c, field, "no result from %s", sql);
	sqlite3_finalize(s);
}

static void check_meter_ids(check *c, sqlite3 *db, json_t *expect)
{
	json_t *want = json_object_get(expect, "meter_ids");
	sqlite3_stmt *s;
	size_t i = 0;

	if (want == NULL || (s = query(c, db, "SELECT mpan FROM meters ORDER BY mpan")) == NULL)
		return;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *mpan = (const char *)sqlite3_column_text(s, 0);
		const char *expected = json_string_value(json_array_get(want, i));

		if (expected == NULL)
			mismatch(c, "meter_ids", "unexpected meter \"%s\"", mpan);
		else if (strcmp(expected, mpan) != 0)
			mismatch(c, "meter_ids", "meter %zu: expected \"%s\", actual \"%s\"", i + 1, expected, mpan);
		i++;
	}
	for (; i < json_array_size(want); i++)
		mismatch(c, "meter_ids", "meter \"%s\" is missing", json_string_value(json_array_get(want, i)));
	sqlite3_finalize(s);
}

static void check_periods(check *c, sqlite3 *db, json_t *expect)
{
	json_t *want = json_object_get(expect, "periods"), *count;
	const char *date;
	sqlite3_stmt *s;
	size_t seen = 0;

	if (want == NULL || (s = query(c, db, "SELECT reading_date, count(*) FROM meter_readings "
	                                     "GROUP BY reading_date ORDER BY reading_date")) == NULL)
		return;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *day = (const char *)sqlite3_column_text(s, 0);
		json_t *expected = json_object_get(want, day);
		int64_t n = sqlite3_column_int64(s, 1);

		if (expected == NULL)
			mismatch(c, "periods", "%s: expected no readings, actual %lld", day, (long long)n);
		else if ((int64_t)json_integer_value(expected) != n)
			mismatch(c, "periods", "%s: expected %lld readings, actual %lld", day,
				(long long)json_integer_value(expected), (long long)n);
		else
			seen++;
	}
	sqlite3_finalize(s);
	json_object_foreach(want, date, count) {
		sqlite3_stmt *q = query(c, db, "SELECT count(*) FROM meter_readings WHERE reading_date = ?1");
		if (q == NULL)
			break;
		sqlite3_bind_text(q, 1, date, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) == 0)
			mismatch(c, "periods", "%s: expected %lld readings, actual 0", date,
				(long long)json_integer_value(count));
		sqlite3_finalize(q);
	}
}

static void check_store(check *c, const char *db_path, json_t *expect)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		mismatch(c, "database", "cannot open %s: %s", db_path, db ? sqlite3_errmsg(db) : "?");
		sqlite3_close(db);
		return;
	}
	sql_int(c, db, expect, "hh_rows", "SELECT count(*) FROM meter_readings");
	sql_sum(c, db, expect, "hh_sum", "SELECT total(reading_value) FROM meter_readings");
	sql_int(c, db, expect, "hh_estimated",
		"SELECT count(*) FROM meter_readings WHERE reading_type = 'estimated'");
	sql_int(c, db, expect, "hh_start_sum", "SELECT coalesce(sum(period_start), 0) FROM meter_readings");
	sql_int(c, db, expect, "hh_period_sum", "SELECT coalesce(sum(period_number), 0) FROM meter_readings");
	sql_int(c, db, expect, "hh_minutes_sum",
		"SELECT coalesce(sum(CAST(substr(reading_time, 1, 2) AS INTEGER) * 60 "
		"+ CAST(substr(reading_time, 4, 2) AS INTEGER)), 0) FROM meter_readings");
	sql_int(c, db, expect, "daily_rows", "SELECT count(*) FROM daily_readings");
	sql_sum(c, db, expect, "daily_sum", "SELECT total(reading_value) FROM daily_readings");
	sql_int(c, db, expect, "daily_estimated",
		"SELECT count(*) FROM daily_readings WHERE reading_type = 'estimated'");
	sql_int(c, db, expect, "meters", "SELECT count(*) FROM meters");
	check_meter_ids(c, db, expect);
	check_periods(c, db, expect);
	sqlite3_close(db);
}

/* Aggregate every range over the days the case stored, then compare the
 * rows with the generator's model of aggregation. */
static void check_aggregates(check *c, ecl_store *store, const char *db_path, json_t *expect)
{
	const char *first = json_string_value(json_object_get(expect, "agg_first"));
	ecl_aggregate_options o = ECL_AGGREGATE_OPTIONS_INIT;
	sqlite3 *db = NULL;
	int i;

	if (first == NULL)
		return;
	o.until = json_string_value(json_object_get(expect, "agg_last"));
	for (i = 0; i < ECL_RANGE_COUNT; i++) {
		ecl_aggregate_report *r = NULL;
		int rc = ecl_aggregate(&r, store, (ecl_range)i, first, &o);

		if (rc != 0 || r == NULL || r->status != ECL_RUN_COMPLETED)
			mismatch(c, "aggregate", "%s run: %s", ecl_range_name((ecl_range)i), ecl_error_last());
		ecl_aggregate_report_free(r);
	}
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		mismatch(c, "database", "cannot open %s", db_path);
		sqlite3_close(db);
		return;
	}
	sql_int(c, db, expect, "agg_daily_rows", "SELECT count(*) FROM daily_aggregations");
	sql_sum(c, db, expect, "agg_daily_total", "SELECT total(total_consumption) FROM daily_aggregations");
	sql_sum(c, db, expect, "agg_daily_peak", "SELECT total(peak_consumption) FROM daily_aggregations");
	sql_sum(c, db, expect, "agg_daily_max", "SELECT total(max_reading) FROM daily_aggregations");
	sql_int(c, db, expect, "agg_weekly_rows", "SELECT count(*) FROM weekly_aggregations");
	sql_sum(c, db, expect, "agg_weekly_max",
		"SELECT total(max_daily_consumption) FROM weekly_aggregations");
	sql_int(c, db, expect, "agg_monthly_rows", "SELECT count(*) FROM monthly_aggregations");
	sql_sum(c, db, expect, "agg_daily_total",
		"SELECT total(total_consumption) FROM monthly_aggregations");
	sql_int(c, db, expect, "agg_annual_rows", "SELECT count(*) FROM annual_aggregations");
	sql_sum(c, db, expect, "agg_daily_total",
		"SELECT total(total_consumption) FROM annual_aggregations");
	sqlite3_close(db);
}

/* ---- one case ---------------------------------------------------------------------- */

static char *path_in(const char *dir, const char *name)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	return path;
}

static void remove_db(const char *db_path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char name[4096];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", db_path, suffixes[i]);
		unlink(name);
	}
}

/* Import the setup files of a case: each must succeed. */
static int run_setup(check *c, ecl_store *store, json_t *setup, json_t *case_options)
{
	size_t i;

	for (i = 0; i < json_array_size(setup); i++) {
		json_t *item = json_array_get(setup, i);
		const char *file = json_is_string(item) ? json_string_value(item)
			: json_string_value(json_object_get(item, "file"));
		json_t *options = json_is_object(item) && json_object_get(item, "options")
			? json_object_get(item, "options") : case_options;
		ecl_ingest_options o;
		ecl_ingest_report *r = NULL;
		char *path = file ? path_in(fixtures_dir, file) : NULL;
		int rc;

		if (path == NULL || options_from_json(&o, options, c) != 0) {
			mismatch(c, "setup", "bad setup entry %zu", i);
			free(path);
			return -1;
		}
		rc = ecl_ingest_file(&r, store, path, &o);
		if (rc != 0)
			mismatch(c, "setup", "importing %s -> %s: %s", file, code_name(rc), ecl_error_last());
		ecl_ingest_report_free(r);
		free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static void run_case(void **state)
{
	json_t *tc = *state;
	json_t *expect = json_object_get(tc, "expect");
	const char *bug = json_string_value(json_object_get(tc, "known_bug"));
	const char *file = json_string_value(json_object_get(tc, "file"));
	const char *want_rc = json_string_value(json_object_get(expect, "rc"));
	check c = { json_string_value(json_object_get(tc, "name")), 0 };
	ecl_ingest_report *r = NULL;
	ecl_ingest_options o;
	ecl_store *store = NULL;
	char *db_path = NULL, *path = NULL, *uri = NULL, error[2048];
	int rc;

	if (bug != NULL) {
		print_message("[  KNOWN   ] %s: %s\n", c.name, bug);
		skip();
	}
	assert_non_null(c.name);
	assert_non_null(file);
	assert_non_null(expect);
	db_path = path_in(fixtures_dir, c.name);
	assert_non_null(db_path);
	db_path = realloc(db_path, strlen(db_path) + 4);
	assert_non_null(db_path);
	strcat(db_path, ".db");
	remove_db(db_path);
	assert_true(asprintf(&uri, "sqlite://%s", db_path) > 0);
	ecl_assert_ok(ecl_store_open(&store, uri, NULL));
	ecl_assert_ok(ecl_store_migrate(store));

	if (run_setup(&c, store, json_object_get(tc, "setup"), json_object_get(tc, "options")) == 0
	    && options_from_json(&o, json_object_get(tc, "options"), &c) == 0) {
		path = path_in(fixtures_dir, file);
		assert_non_null(path);
		r = (ecl_ingest_report *)&c;   /* must be reset to NULL on failure */
		rc = ecl_ingest_file(&r, store, path, &o);
		snprintf(error, sizeof(error), "%s", rc != 0 ? ecl_error_last() : "");
		if (rc != code_of(want_rc)) {
			mismatch(&c, "rc", "expected %s, actual %s (%d) %s", want_rc ? want_rc : "(none)",
				code_name(rc), rc, error);
		}
		if (rc == 0 && r != NULL) {
			check_report(&c, expect, r);
		} else if (rc == 0) {
			mismatch(&c, "report", "NULL after success");
		} else {
			if (r != NULL)
				mismatch(&c, "report", "not NULL after failure");
			r = NULL;
			check_substrings(&c, expect, "the error message", error);
		}
		ecl_ingest_report_free(r);
	}
	check_aggregates(&c, store, db_path, expect);
	ecl_store_free(store);
	check_store(&c, db_path, expect);
	remove_db(db_path);
	free(path);
	free(uri);
	free(db_path);
	if (c.failures > 0)
		fail_msg("case %s: %d expectation(s) not met (input %s/%s)", c.name, c.failures,
			fixtures_dir, file);
}

/* ---- the generator ------------------------------------------------------------------ */

static int generate(const char *dir)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "python3 '%s/tests/gen_fixtures.py' '%s'", ECL_SOURCE_DIR, dir);
	return system(cmd);
}

/* The same arguments give the same bytes: a second run into another
 * directory matches the first file for file. */
static void generator_is_deterministic(void **state)
{
	char *again = path_in(fixtures_dir, "again");
	char cmd[8192];

	(void)state;
	assert_non_null(again);
	assert_int_equal(generate(again), 0);
	snprintf(cmd, sizeof(cmd), "cd '%s' && for f in *; do [ -f \"$f\" ] || continue; "
		"case \"$f\" in *.db*) continue;; esac; cmp -s \"$f\" 'again/'\"$f\" || "
		"{ echo \"differs: $f\" >&2; exit 1; }; done", fixtures_dir);
	assert_int_equal(system(cmd), 0);
	ecl_test_rmtree(again);
	free(again);
}

int main(void)
{
	struct CMUnitTest *tests;
	json_error_t error;
	json_t *manifest;
	char *manifest_path;
	size_t i, n;
	int failed;

	fixtures_dir = ecl_test_tmpdir("fixtures");
	if (fixtures_dir == NULL) {
		fprintf(stderr, "cannot make a temporary directory\n");
		return 1;
	}
	if (generate(fixtures_dir) != 0) {
		fprintf(stderr, "tests/gen_fixtures.py failed\n");
		return 1;
	}
	manifest_path = path_in(fixtures_dir, "manifest.json");
	manifest = manifest_path ? json_load_file(manifest_path, 0, &error) : NULL;
	free(manifest_path);
	if (!json_is_array(manifest) || json_array_size(manifest) == 0) {
		fprintf(stderr, "manifest.json: %s\n", manifest ? "not a list of cases" : error.text);
		return 1;
	}
	n = json_array_size(manifest);
	tests = calloc(n + 1, sizeof(*tests));
	if (tests == NULL)
		return 1;
	tests[0].name = "generator_is_deterministic";
	tests[0].test_func = generator_is_deterministic;
	for (i = 0; i < n; i++) {
		json_t *tc = json_array_get(manifest, i);
		const char *name = json_string_value(json_object_get(tc, "name"));

		tests[i + 1].name = name ? name : "(unnamed case)";
		tests[i + 1].test_func = run_case;
		tests[i + 1].initial_state = tc;
	}
	failed = _cmocka_run_group_tests("fixtures", tests, n + 1, NULL, NULL);
	free(tests);
	json_decref(manifest);
	if (failed == 0)
		ecl_test_rmtree(fixtures_dir);
	else
		fprintf(stderr, "fixtures kept in %s\n", fixtures_dir);
	free(fixtures_dir);
	return failed;
}
