/*
 * Import profiles, each against files of its real layout (tests/profiles,
 * README there): detection must choose the case's profile, and the store
 * must then hold exactly the expected readings (meter, UTC start, kWh,
 * actual/estimated), no more and no fewer. Also: every built-in profile
 * loads, and its own header example is detected as it.
 */
#include "ecl_test.h"

#include <dirent.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/profile_set.h"

#ifndef ECL_TEST_PROFILES_DIR
#error "ECL_TEST_PROFILES_DIR must name tests/profiles"
#endif

#define LINE_MAX_CHARS 512

typedef struct lines {
	char **items;
	size_t count;
} lines;

static void add_line(lines *l, const char *text)
{
	l->items = realloc(l->items, (l->count + 1) * sizeof(*l->items));
	assert_non_null(l->items);
	l->items[l->count] = strdup(text);
	assert_non_null(l->items[l->count]);
	l->count++;
}

static void free_lines(lines *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "meter|start|kwh|estimated" with the value at six decimals, so that
 * "0.5" and "0.500" compare equal. */
static void canonical(char *out, size_t size, const char *meter, const char *when, double kwh, int estimated)
{
	snprintf(out, size, "%s|%s|%.6f|%d", meter, when, kwh, estimated ? 1 : 0);
}

static void read_expected(lines *out, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[LINE_MAX_CHARS], text[LINE_MAX_CHARS];
	int first = 1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *fields[4] = { 0 };
		char *save = NULL, *p;
		int n = 0;

		line[strcspn(line, "\r\n")] = '\0';
		if (first || line[0] == '\0') {
			first = 0;
			continue;
		}
		for (p = strtok_r(line, ",", &save); p != NULL && n < 4; p = strtok_r(NULL, ",", &save))
			fields[n++] = p;
		if (n < 3) {
			fail_msg("%s: a line with %d fields", path, n);
		}
		canonical(text, sizeof(text), fields[0], fields[1], strtod(fields[2], NULL),
			n > 3 && strcmp(fields[3], "1") == 0);
		add_line(out, text);
	}
	fclose(f);
}

static void read_stored(lines *out, const char *db_path, int daily)
{
	const char *sql = daily
		? "SELECT m.mpan, d.reading_date, d.reading_value, d.reading_type = 'estimated' "
		  "FROM daily_readings d JOIN meters m ON m.id = d.meter_id"
		: "SELECT m.mpan, strftime('%Y-%m-%dT%H:%M:%SZ', r.period_start, 'unixepoch'), r.reading_value, "
		  "r.estimated FROM hh_readings r JOIN meters m ON m.id = r.meter_id";
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char text[LINE_MAX_CHARS];

	assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		canonical(text, sizeof(text), (const char *)sqlite3_column_text(st, 0),
			(const char *)sqlite3_column_text(st, 1), sqlite3_column_double(st, 2),
			sqlite3_column_int(st, 3));
		add_line(out, text);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Both sorted: print what is missing and what is extra (the first few). */
static int compare(const char *name, lines *expected, lines *stored)
{
	size_t i = 0, j = 0, shown = 0, differences = 0;

	qsort(expected->items, expected->count, sizeof(char *), by_text);
	qsort(stored->items, stored->count, sizeof(char *), by_text);
	while (i < expected->count || j < stored->count) {
		int c = i == expected->count ? 1 : j == stored->count ? -1
			: strcmp(expected->items[i], stored->items[j]);
		if (c == 0) {
			i++, j++;
			continue;
		}
		differences++;
		if (shown++ < 12)
			fprintf(stderr, "%s: %s %s\n", name, c < 0 ? "missing" : "extra  ",
				c < 0 ? expected->items[i] : stored->items[j]);
		if (c < 0)
			i++;
		else
			j++;
	}
	if (differences)
		fprintf(stderr, "%s: %zu difference(s); %zu expected, %zu stored\n", name, differences,
			expected->count, stored->count);
	return differences == 0;
}

static const char *text_of(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void run_case(void **state)
{
	const char *name = *state;
	char dir[1024], path[1200];
	json_error_t error;
	json_t *c;
	ecl_test_db db;
	int64_t now = 1764000000;
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r = NULL;
	lines expected = { 0 }, stored = { 0 };
	int rc, refused, daily;

	snprintf(dir, sizeof(dir), "%s/%s", ECL_TEST_PROFILES_DIR, name);
	snprintf(path, sizeof(path), "%s/case.json", dir);
	c = json_load_file(path, 0, &error);
	if (c == NULL)
		fail_msg("%s: %s", path, error.text);
	refused = json_is_true(json_object_get(c, "refused"));
	snprintf(path, sizeof(path), "%s/%s", dir, text_of(c, "input"));
	if (json_is_true(json_object_get(c, "force")))
		o.profile = text_of(c, "profile");
	o.meter = text_of(c, "meter");
	assert_int_equal(ecl_test_db_open(&db, "profiles", &now, NULL), 0);
	rc = ecl_ingest_file(&r, db.store, path, &o);
	if (refused) {
		assert_int_equal(rc, ECL_EINVALID);
		assert_non_null(strstr(ecl_error_last(), "register"));
	} else {
		if (rc != 0)
			fail_msg("%s: %s", name, ecl_error_last());
		if (r->records_failed != json_integer_value(json_object_get(c, "failed")))
			fprintf(stderr, "%s: summary %s\n", name, r->summary);
		assert_string_equal(r->profile, text_of(c, "profile"));
		assert_int_equal(r->records_skipped, json_integer_value(json_object_get(c, "skipped")));
		assert_int_equal(r->records_failed, json_integer_value(json_object_get(c, "failed")));
		snprintf(path, sizeof(path), "%s/expected.csv", dir);
		read_expected(&expected, path);
		daily = strcmp(r->format, "daily") == 0;
		read_stored(&stored, db.path, daily);
		assert_true(compare(name, &expected, &stored));
		assert_int_equal(r->inserted, (int64_t)expected.count);
	}
	ecl_ingest_report_free(r);
	free_lines(&expected);
	free_lines(&stored);
	ecl_test_db_close(&db);
	json_decref(c);
}

/* Every built-in profile's header example, written as a file with nothing
 * below it, is detected as that profile and no other. */
static void header_examples_detect_their_profile(void **state)
{
	ecl_profile_set set;
	char *dir = ecl_test_tmpdir("examples");
	size_t i, checked = 0;

	(void)state;
	assert_int_equal(ecl__profile_set_load(&set, NULL), 0);
	assert_true(set.count >= 30);
	for (i = 0; i < set.count; i++) {
		const ecl_profile *p = set.items[i];
		const char *example;
		json_t *root = json_loads(p->json, 0, NULL);
		ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
		ecl_test_db db;
		int64_t now = 1764000000;
		ecl_ingest_report *r = NULL;
		char *file, content[8192];
		int rc;

		example = json_string_value(json_object_get(root, "header_example"));
		if (example == NULL || p->no_header || p->layout == ECL_LAYOUT_READER || p->skip_lines > 0) {
			json_decref(root);
			continue;
		}
		snprintf(content, sizeof(content), "%s\n", example);
		file = ecl_test_write_file(dir, "example.csv", content);
		o.meter = p->meter_given ? "1200012345678" : NULL;
		assert_int_equal(ecl_test_db_open(&db, "example", &now, NULL), 0);
		rc = ecl_ingest_file(&r, db.store, file, &o);
		if (rc != 0)
			fail_msg("header example of %s: %s", p->name, ecl_error_last());
		if (strcmp(r->profile, p->name) != 0)
			fail_msg("header example of %s is detected as %s", p->name, r->profile);
		ecl_ingest_report_free(r);
		ecl_test_db_close(&db);
		free(file);
		json_decref(root);
		checked++;
	}
	assert_true(checked >= 20);
	ecl__profile_set_dispose(&set);
	ecl_test_rmtree(dir);
	free(dir);
}

/* ---- refusals -------------------------------------------------------------- */

typedef struct scratch {
	char *dir;
	ecl_test_db db;
	int64_t now;
} scratch;

static void scratch_open(scratch *s)
{
	s->now = 1764000000;
	s->dir = ecl_test_tmpdir("refusals");
	assert_int_equal(ecl_test_db_open(&s->db, "refusals", &s->now, NULL), 0);
}

static void scratch_close(scratch *s)
{
	ecl_test_db_close(&s->db);
	ecl_test_rmtree(s->dir);
	free(s->dir);
}

static int stored_readings(const scratch *s)
{
	return (int)ecl_test_sql_number(s->db.path, "SELECT count(*) FROM hh_readings")
		+ (int)ecl_test_sql_number(s->db.path, "SELECT count(*) FROM daily_readings");
}

/* The header of crown-hh, as its fixture has it. */
static char *crown_header(void)
{
	char path[1024], line[8192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/crown-hh/input.csv", ECL_TEST_PROFILES_DIR);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	return strdup(line);
}

static void two_equal_matches_name_both(void **state)
{
	scratch s;
	char *header = crown_header(), *file, *profile_dir;
	ecl_buf shown = ECL_BUF_INIT;
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r = NULL;
	json_t *copy;

	(void)state;
	scratch_open(&s);
	/* A user profile that copies crown-hh under another name. */
	assert_int_equal(ecl_profile_show(&shown, "crown-hh", NULL), 0);
	copy = json_loads(shown.ptr, 0, NULL);
	json_object_set_new(copy, "name", json_string("crown-copy"));
	profile_dir = ecl_test_tmpdir("profile-dir");
	{
		char path[1200];
		snprintf(path, sizeof(path), "%s/crown-copy.json", profile_dir);
		assert_int_equal(json_dump_file(copy, path, 0), 0);
	}
	file = ecl_test_write_file(s.dir, "crown.csv", header);
	o.profile_dir = profile_dir;
	assert_int_equal(ecl_ingest_file(&r, s.db.store, file, &o), ECL_EINVALID);
	assert_non_null(strstr(ecl_error_last(), "crown-hh"));
	assert_non_null(strstr(ecl_error_last(), "crown-copy"));
	assert_non_null(strstr(ecl_error_last(), "--profile"));
	/* Forcing one of them reads the file. */
	o.profile = "crown-copy";
	assert_int_equal(ecl_ingest_file(&r, s.db.store, file, &o), 0);
	assert_string_equal(r->profile, "crown-copy");
	ecl_ingest_report_free(r);
	json_decref(copy);
	ecl_buf_dispose(&shown);
	ecl_test_rmtree(profile_dir);
	free(profile_dir);
	free(file);
	free(header);
	scratch_close(&s);
}

static void no_match_names_the_closest(void **state)
{
	scratch s;
	char *file;
	ecl_ingest_report *r = NULL;

	(void)state;
	scratch_open(&s);
	/* crown-hh's meter and date columns, without its half hours. */
	file = ecl_test_write_file(s.dir, "near.csv", "Site,MPAN Core,Meter Serial,Read Date,Total\n"
		"School,1900012345671,X1,26/10/2025,1\n");
	assert_int_equal(ecl_ingest_file(&r, s.db.store, file, NULL), ECL_EINVALID);
	assert_non_null(strstr(ecl_error_last(), "Half-hourly CSV must include"));
	assert_non_null(strstr(ecl_error_last(), "closest"));
	assert_non_null(strstr(ecl_error_last(), "crown-hh"));
	assert_int_equal(stored_readings(&s), 0);
	free(file);
	scratch_close(&s);
}

static void a_forced_profile_that_does_not_fit_writes_nothing(void **state)
{
	scratch s;
	char *file, *good;
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_report *r = NULL;
	char path[1200];

	(void)state;
	scratch_open(&s);
	snprintf(path, sizeof(path), "%s/sse/input.csv", ECL_TEST_PROFILES_DIR);
	good = path;
	o.profile = "crown-hh";
	assert_int_equal(ecl_ingest_file(&r, s.db.store, good, &o), ECL_EINVALID);
	assert_non_null(strstr(ecl_error_last(), "profile crown-hh does not fit"));
	assert_non_null(strstr(ecl_error_last(), "MPAN Core"));
	assert_int_equal(stored_readings(&s), 0);
	assert_int_equal((int)ecl_test_sql_number(s.db.path, "SELECT count(*) FROM meters"), 0);
	o.profile = "no-such-profile";
	assert_int_equal(ecl_ingest_file(&r, s.db.store, good, &o), ECL_ENOTFOUND);
	file = NULL;
	free(file);
	scratch_close(&s);
}

static void a_profile_with_an_error_names_the_key(void **state)
{
	static const struct { const char *json; const char *key; } bad[] = {
		{ "{\"eclectyc_profile\":1,\"name\":\"p\",\"description\":\"d\",\"source\":\"s\","
		  "\"layout\":\"wide\",\"signature\":[\"MPAN\"],\"meter\":{\"columns\":[\"MPAN\"]},"
		  "\"date\":{\"column\":\"Date\",\"formats\":[\"%d/%q\"]},\"periods\":{\"names\":\"numbered\"}}",
		  "date.formats" },
		{ "{\"eclectyc_profile\":1,\"name\":\"p\",\"description\":\"d\",\"source\":\"s\","
		  "\"layout\":\"wide\",\"signature\":[\"MPAN\"],\"meter\":{\"columns\":[\"MPAN\"]},"
		  "\"date\":{\"column\":\"Date\"},\"periods\":{\"names\":\"numbred\"}}", "names" },
		{ "{\"eclectyc_profile\":1,\"name\":\"p\",\"description\":\"d\",\"source\":\"s\","
		  "\"layout\":\"long\",\"signature\":[\"MPAN\"],\"meter\":{\"columns\":[\"MPAN\"]},"
		  "\"timestamp\":{\"column\":\"T\"},\"valeu\":{\"column\":\"V\"}}", "valeu" },
		{ "{\"eclectyc_profile\":2,\"name\":\"p\"}", "eclectyc_profile" },
		{ "{\"eclectyc_profile\":1,\"name\":\"p\",\"description\":\"d\",\"source\":\"s\","
		  "\"layout\":\"long\",\"signature\":[\"MPAN\"],\"meter\":{\"columns\":[\"MPAN\"]},"
		  "\"value\":{\"column\":\"V\"}}", "timestamp" },
		{ "{\"eclectyc_profile\":1,\"name\":\"p\",\"description\":\"d\",\"source\":\"s\","
		  "\"layout\":\"long\",\"signature\":[\"MPAN\"],\"meter\":{\"columns\":[\"MPAN\"]},"
		  "\"timestamp\":{\"column\":\"T\"},\"value\":{\"column\":\"V\"},"
		  "\"skip_rows\":[{\"column\":\"X\",\"matches\":\"(\"}]}", "skip_rows" },
		{ "{\"eclectyc_profile\":1,\"name\":\"p\",\"description\":\"d\",\"source\":\"s\","
		  "\"layout\":\"wide\",\"signature\":[\"MPAN\"],\"meter\":{\"columns\":[\"MPAN\"]},"
		  "\"date\":{\"column\":\"Date\"},\"periods\":{\"names\":\"numbered\"},\"date_shift\":9}",
		  "date_shift" },
		{ "{not json", "not valid JSON" },
	};
	scratch s;
	size_t i;

	(void)state;
	scratch_open(&s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *profile = ecl_test_write_file(s.dir, "p.json", bad[i].json);
		char *file = ecl_test_write_file(s.dir, "f.csv", "MPAN,Date,HH01\n1900012345671,2025-01-01,1\n");
		ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
		ecl_ingest_report *r = NULL;
		ecl_buf list = ECL_BUF_INIT;

		o.profile = profile;
		assert_int_equal(ecl_ingest_file(&r, s.db.store, file, &o), ECL_EINVALID);
		if (strstr(ecl_error_last(), bad[i].key) == NULL || strstr(ecl_error_last(), "p.json") == NULL)
			fail_msg("profile %zu: \"%s\" does not name \"%s\" and the file", i, ecl_error_last(),
				bad[i].key);
		/* The same profile in the profile directory fails the listing. */
		assert_int_equal(ecl_profile_list(&list, s.dir), ECL_EINVALID);
		assert_non_null(strstr(ecl_error_last(), bad[i].key));
		ecl_buf_dispose(&list);
		free(profile);
		free(file);
	}
	assert_int_equal(stored_readings(&s), 0);
	scratch_close(&s);
}

/* Flow records out of place, or for a meter that cannot be read, are row
 * errors that name what is wrong; the rest of the file still imports. */
static void flow_faults_are_row_errors(void **state)
{
	scratch s;
	char *file, content[4096];
	size_t used;
	ecl_ingest_report *r = NULL;
	int p;

	(void)state;
	scratch_open(&s);
	used = (size_t)snprintf(content, sizeof(content), "ZHV|F1|D0036001|C|HHDC|A|HHDA|20251027061500||||OPER|\n"
		"66L|A|1.0|\n"                                   /* before any date */
		"25B|\x01" "bad|AI|SUPP|\n26B|20251101|\n66L|A|1.0|\n" /* an unreadable MPAN */
		"25B|2200012345671|AI|SUPP|\n26B|20251102|\n");
	for (p = 1; p <= 47; p++)                          /* one period short */
		used += (size_t)snprintf(content + used, sizeof(content) - used, "66L|%s|0.5|\n", p == 3 ? "E" : "A");
	snprintf(content + used, sizeof(content) - used, "26B|20251103|\n66L|X|1|\nZZZ|1|\n");
	file = ecl_test_write_file(s.dir, "flow.txt", content);
	assert_int_equal(ecl_ingest_file(&r, s.db.store, file, NULL), 0);
	assert_string_equal(r->profile, "d0036");
	assert_int_equal(r->inserted, 47);
	assert_non_null(strstr(r->summary, "before any settlement date"));
	assert_non_null(strstr(r->summary, "invalid meter identifier"));
	assert_non_null(strstr(r->summary, "could not be read"));
	assert_non_null(strstr(r->summary, "2025-11-02 has 47 period values; it has 48 periods"));
	assert_non_null(strstr(r->summary, "invalid actual/estimated indicator \\\"X\\\""));
	assert_non_null(strstr(r->summary, "unknown record \\\"ZZZ\\\""));
	assert_int_equal(ecl_test_sql_number(s.db.path, "SELECT count(*) FROM hh_readings WHERE estimated = 1"), 1);
	ecl_ingest_report_free(r);
	free(file);
	scratch_close(&s);
}

/* A job carries its profile and meter to the worker. */
static void a_job_imports_with_its_profile_and_meter(void **state)
{
	scratch s;
	char batch[ECL_BATCH_ID_SIZE], path[1200];
	ecl_job_options j = ECL_JOB_OPTIONS_INIT;
	ecl_worker *w = NULL;
	ecl_worker_report report;
	ecl_job *job = NULL;

	(void)state;
	scratch_open(&s);
	snprintf(path, sizeof(path), "%s/octopus-consumption/input.csv", ECL_TEST_PROFILES_DIR);
	j.file_path = path;
	/* Unknown profiles and invalid meters fail the create, not the job. */
	j.profile = "no-such-profile";
	assert_int_equal(ecl_job_create(batch, s.db.store, &j), ECL_ENOTFOUND);
	j.profile = "octopus-consumption";
	j.meter = "19\x01";
	assert_int_equal(ecl_job_create(batch, s.db.store, &j), ECL_EINVALID);
	/* Without the meter, the job fails permanently naming what it needs. */
	j.meter = NULL;
	assert_int_equal(ecl_job_create(batch, s.db.store, &j), 0);
	assert_int_equal(ecl_worker_new(&w, s.db.store, NULL), 0);
	memset(&report, 0, sizeof(report));
	assert_int_equal(ecl_worker_process(w, 1, &report), 0);
	assert_int_equal(ecl_job_get(&job, s.db.store, batch), 0);
	assert_int_equal(job->status, ECL_JOB_FAILED);
	assert_non_null(strstr(job->error_message, "--meter"));
	ecl_job_free(job);
	/* With it, the readings land under that meter. */
	j.meter = "1900 0123 4567 1";
	j.clock = ECL_CLOCK_PROFILE;
	assert_int_equal(ecl_job_create(batch, s.db.store, &j), 0);
	assert_int_equal(ecl_job_get(&job, s.db.store, batch), 0);
	assert_string_equal(job->import_profile, "octopus-consumption");
	assert_string_equal(job->import_meter, "1900 0123 4567 1");
	ecl_job_free(job);
	assert_int_equal(ecl_worker_process(w, 1, &report), 0);
	assert_int_equal(ecl_job_get(&job, s.db.store, batch), 0);
	assert_int_equal(job->status, ECL_JOB_COMPLETED);
	assert_non_null(strstr(job->summary, "\"profile\":\"octopus-consumption\""));
	/* The worker counted the rows below the header, for progress. */
	assert_int_equal(job->total_rows, job->processed_rows);
	assert_true(job->total_rows > 0);
	ecl_job_free(job);
	/* Lines above the header are not rows; rows skipped on purpose are. */
	snprintf(path, sizeof(path), "%s/bryt-hh/input.csv", ECL_TEST_PROFILES_DIR);
	j.profile = NULL;
	j.meter = NULL;
	assert_int_equal(ecl_job_create(batch, s.db.store, &j), 0);
	assert_int_equal(ecl_worker_process(w, 1, &report), 0);
	assert_int_equal(ecl_job_get(&job, s.db.store, batch), 0);
	assert_int_equal(job->status, ECL_JOB_COMPLETED);
	assert_non_null(strstr(job->summary, "\"records_skipped\":2"));
	assert_int_equal(job->total_rows, job->processed_rows + 2);
	ecl_job_free(job);
	assert_true(ecl_test_sql_number(s.db.path, "SELECT count(*) FROM hh_readings r JOIN meters m "
		"ON m.id = r.meter_id WHERE m.mpan = '1900012345671'") > 0);
	ecl_worker_free(w);
	scratch_close(&s);
}

/* docs/ingestion.md lists every built-in profile, and each has a case. */
static void every_profile_is_documented_and_tested(void **state)
{
	ecl_profile_set set;
	char path[1200], *docs;
	FILE *f;
	long size;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/../../docs/ingestion.md", ECL_TEST_PROFILES_DIR);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	docs = calloc(1, (size_t)size + 1);
	assert_int_equal(fread(docs, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	assert_int_equal(ecl__profile_set_load(&set, NULL), 0);
	for (i = 0; i < set.count; i++) {
		char row[96];
		struct stat st;

		snprintf(row, sizeof(row), "| `%s` |", set.items[i]->name);
		if (strstr(docs, row) == NULL)
			fail_msg("docs/ingestion.md does not list the built-in profile %s", set.items[i]->name);
		snprintf(path, sizeof(path), "%s/%s/case.json", ECL_TEST_PROFILES_DIR, set.items[i]->name);
		if (stat(path, &st) != 0)
			fail_msg("the built-in profile %s has no case in tests/profiles/%s", set.items[i]->name,
				set.items[i]->name);
	}
	ecl__profile_set_dispose(&set);
	free(docs);
}

static char **case_names(size_t *count)
{
	DIR *d = opendir(ECL_TEST_PROFILES_DIR);
	struct dirent *e;
	char **names = NULL;

	*count = 0;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strchr(e->d_name, '.') != NULL)
			continue;
		names = realloc(names, (*count + 1) * sizeof(*names));
		names[(*count)++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, *count, sizeof(*names), by_text);
	return names;
}

int main(void)
{
	size_t count = 0, i;
	char **names = case_names(&count);
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(header_examples_detect_their_profile),
		cmocka_unit_test(every_profile_is_documented_and_tested),
		cmocka_unit_test(two_equal_matches_name_both),
		cmocka_unit_test(no_match_names_the_closest),
		cmocka_unit_test(a_forced_profile_that_does_not_fit_writes_nothing),
		cmocka_unit_test(a_profile_with_an_error_names_the_key),
		cmocka_unit_test(a_job_imports_with_its_profile_and_meter),
		cmocka_unit_test(flow_faults_are_row_errors),
	};
	size_t extra = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest *tests = calloc(count + extra, sizeof(*tests));
	int failed;

	for (i = 0; i < count; i++) {
		tests[i].name = names[i];
		tests[i].test_func = run_case;
		tests[i].initial_state = names[i];
	}
	memcpy(tests + count, fixed, sizeof(fixed));
	failed = _cmocka_run_group_tests("profiles", tests, count + extra, NULL, NULL);
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	free(tests);
	return failed;
}
