/*
 * libFuzzer target for the whole ingestion of one file: ecl_ingest_file()
 * into a fresh, migrated `sqlite::memory:` store. Built by
 * tests/fuzz/CMakeLists.txt (-DECL_FUZZ=ON, clang).
 *
 * The first byte picks the import options (type, date order, interval end,
 * negative and unknown-meter policies, dry run, batch size); the rest is the
 * file, written to a memfd and imported through /proc/self/fd/N (plain or,
 * by its magic bytes, gzip). Besides crashes, leaks and sanitizer reports it
 * checks the outcome: a file the library refuses fails with one of the
 * documented codes and a message; an accepted one has a consistent report
 * and a summary that is a JSON object agreeing with it; either way no
 * transaction is left open, and every meter identifier stored is UTF-8 (as
 * PostgreSQL requires).
 *
 * Opening and migrating a store costs ~3 ms under the sanitizers, ten times
 * a small import, so one store serves every input and is emptied after each
 * (through the SQLite backend's internals): every input still starts from
 * the same empty database, so runs stay reproducible.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "eclectyc.h"
#include "backends/sqlite/sqlite_internal.h"
#include "store/store_internal.h"
#include "util/strutil.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "check failed: %s\n", #cond); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char reset_sql[] =
	"DELETE FROM import_batch_meters; DELETE FROM hh_readings; DELETE FROM daily_readings;"
	"DELETE FROM import_batches; DELETE FROM meters;"
	"DELETE FROM sqlite_sequence;";

static ecl_store *store;
static int csv_fd = -1;
static char csv_path[64];

static void write_input(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (csv_fd < 0) {
		csv_fd = memfd_create("fuzz_ingest", 0);
		CHECK(csv_fd >= 0);
		snprintf(csv_path, sizeof(csv_path), "/proc/self/fd/%d", csv_fd);
	}
	CHECK(ftruncate(csv_fd, 0) == 0);
	while (done < size) {
		ssize_t n = pwrite(csv_fd, data + done, size - done, (off_t)done);

		CHECK(n > 0);
		done += (size_t)n;
	}
}

static void options_from(ecl_ingest_options *opts, uint8_t control)
{
	static const int batch_sizes[] = { 5000, 1, 3, 48 };

	CHECK(ecl_ingest_options_init(opts, ECL_INGEST_OPTIONS_VERSION) == 0);
	opts->import_type = (control & 0x01) ? ECL_IMPORT_DAILY : ECL_IMPORT_HH;
	opts->month_first = (control >> 1) & 1;
	opts->interval_end = (control >> 2) & 1;
	opts->negatives = (control & 0x08) ? ECL_NEGATIVE_REJECT : ECL_NEGATIVE_ACCEPT;
	opts->unknown_meters = (ecl_unknown_meter_policy)(((control >> 4) & 3) % 3);
	opts->dry_run = (control >> 6) & 1;
	opts->batch_size = batch_sizes[(control >> 7) | ((control & 0x10) ? 2 : 0)];
	opts->batch_id = "00000000-0000-4000-8000-000000000000";
}

static json_int_t summary_int(json_t *summary, const char *key)
{
	json_t *v = json_object_get(summary, key);

	CHECK(json_is_integer(v));
	return json_integer_value(v);
}

static void check_meters_utf8(void)
{
	sqlite3_stmt *stmt = NULL;

	CHECK(sqlite3_prepare_v2(store->conn->db, "SELECT mpan FROM meters", -1, &stmt, NULL) == SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const unsigned char *p = sqlite3_column_text(stmt, 0);
		size_t len;

		CHECK(p != NULL && *p != '\0');
		for (; *p != '\0'; p += len)
			CHECK((len = ecl__utf8_sequence(p)) > 0);
	}
	sqlite3_finalize(stmt);
}

static void check_report(const ecl_ingest_report *r, const ecl_ingest_options *opts)
{
	json_error_t error;
	json_t *summary;

	CHECK(r->records_processed >= 0 && r->records_imported >= 0 && r->records_failed >= 0);
	CHECK(r->records_processed == r->records_imported + r->records_failed);
	CHECK(r->error_count == r->records_failed);
	CHECK(r->successful == (r->records_failed == 0 && r->records_imported > 0));
	CHECK(r->values_processed >= r->records_imported);
	CHECK(r->dry_run == (opts->dry_run != 0));
	if (opts->dry_run)
		CHECK(r->inserted == 0 && r->updated == 0 && r->unchanged == 0);
	else
		CHECK(r->inserted + r->updated + r->unchanged == r->values_processed);
	CHECK(strcmp(r->format, "hh-matrix") == 0 || strcmp(r->format, "hh-interval") == 0
		|| strcmp(r->format, "hh-period") == 0 || strcmp(r->format, "hh-flow") == 0
		|| strcmp(r->format, "daily") == 0);
	CHECK(r->profile[0] != '\0' && r->records_skipped >= 0);
	CHECK(r->summary != NULL);
	summary = json_loads(r->summary, 0, &error);
	if (summary == NULL)
		fprintf(stderr, "summary is not JSON (%s): %s\n", error.text, r->summary);
	CHECK(json_is_object(summary));
	CHECK(summary_int(summary, "records_processed") == r->records_processed);
	CHECK(summary_int(summary, "records_imported") == r->records_imported);
	CHECK(summary_int(summary, "records_failed") == r->records_failed);
	CHECK(summary_int(summary, "error_count") == r->error_count);
	CHECK(summary_int(summary, "records_skipped") == r->records_skipped);
	CHECK(strcmp(json_string_value(json_object_get(summary, "profile")), r->profile) == 0);
	CHECK(json_array_size(json_object_get(summary, "errors"))
		== (size_t)(r->error_count < 50 ? r->error_count : 50));
	json_decref(summary);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ecl_ingest_options opts;
	ecl_ingest_report *report = NULL;
	int rc;

	if (size == 0 || size > 1 << 20)
		return 0;
	options_from(&opts, data[0]);
	write_input(data + 1, size - 1);
	if (store == NULL) {
		CHECK(ecl_store_open(&store, "sqlite::memory:", NULL) == 0);
		CHECK(ecl_store_migrate(store) == 0);
	}
	rc = ecl_ingest_file(&report, store, csv_path, &opts);
	if (rc == 0) {
		CHECK(report != NULL);
		check_report(report, &opts);
	} else {
		if (!(rc == ECL_EINVALID || rc == ECL_EIO
		      || (rc == ECL_ENOTFOUND && opts.unknown_meters == ECL_UNKNOWN_METER_REJECT_FILE)))
			fprintf(stderr, "unexpected failure %d: %s\n", rc, ecl_error_last());
		CHECK(rc == ECL_EINVALID || rc == ECL_EIO
		      || (rc == ECL_ENOTFOUND && opts.unknown_meters == ECL_UNKNOWN_METER_REJECT_FILE));
		CHECK(report == NULL);
		CHECK(ecl_error_last()[0] != '\0');
	}
	ecl_ingest_report_free(report);
	CHECK(sqlite3_get_autocommit(store->conn->db));
	check_meters_utf8();
	if (ecl__sqlite_exec(store->conn, reset_sql, "emptying the store") != 0) {
		fprintf(stderr, "%s\n", ecl_error_last());
		abort();
	}
	return 0;
}
