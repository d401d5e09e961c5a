/*
 * libFuzzer target for import profiles (a user's profile is input from
 * outside) and the profile date patterns. Built by tests/fuzz/CMakeLists.txt.
 *
 * The first byte chooses: even, the rest is a profile's JSON text, which is
 * parsed and, when it loads, mapped onto a header made of its own signature
 * and read against a line of cells; odd, the rest is "PATTERN\nCELL", checked
 * and matched. Besides crashes, leaks and sanitizer reports it checks that
 * every refusal is ECL_EINVALID (or ECL_ENOMEM) with a message, that a
 * loaded profile has a valid name and layout, and that a matched date exists.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/errors.h"
#include "ingest/datefmt.h"
#include "ingest/profile.h"
#include "ingest/ingest_columns.h"
#include "util/settlement.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "check failed: %s\n", #cond); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(int rc)
{
	CHECK(rc == ECL_EINVALID || rc == ECL_ENOMEM);
	CHECK(ecl_error_last()[0] != '\0');
}

/* A header of the profile's own signature cells, then a data row. */
static void map_signature(const ecl_profile *p)
{
	ecl_csv_record header;
	ecl_columns columns;
	char *cells[64];
	size_t lengths[64], i, n = p->signature_text.count < 64 ? p->signature_text.count : 64;
	int rc;

	for (i = 0; i < n; i++) {
		cells[i] = p->signature_text.items[i];
		lengths[i] = strlen(cells[i]);
	}
	memset(&header, 0, sizeof(header));
	header.count = n;
	header.fields = cells;
	header.lengths = lengths;
	header.line = header.ordinal = 1;
	rc = ecl__columns_map(&columns, n > 0 ? &header : NULL, p, ECL_IMPORT_HH, -1, 1);
	if (rc == 0)
		ecl__columns_dispose(&columns);
	else
		check_refusal(rc);
}

static void fuzz_profile(const char *json, size_t len)
{
	ecl_profile *p = NULL;
	int rc = ecl__profile_parse(&p, json, len, "fuzz");

	if (rc != 0) {
		check_refusal(rc);
		CHECK(p == NULL);
		return;
	}
	CHECK(p->name[0] != '\0' && strspn(p->name, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(p->name));
	CHECK(p->layout >= ECL_LAYOUT_WIDE && p->layout <= ECL_LAYOUT_READER);
	if (p->layout != ECL_LAYOUT_READER)
		map_signature(p);
	if (p->date_formats.count > 0) {
		ecl_timestamp ts;
		if (ecl__datefmt_parse(&ts, "26/10/2025", p->date_formats.items, p->date_formats.count, 0,
		                       "date") == 0)
			CHECK(ecl__date_is_valid(ts.date.year, ts.date.month, ts.date.day));
	}
	ecl__profile_free(p);
}

static void fuzz_pattern(const char *text)
{
	const char *newline = strchr(text, '\n');
	char pattern[256], why[160];
	char *patterns[1] = { pattern };
	ecl_timestamp ts;
	size_t n;
	int parts = 0;

	if (newline == NULL || (n = (size_t)(newline - text)) >= sizeof(pattern))
		return;
	memcpy(pattern, text, n);
	pattern[n] = '\0';
	if (ecl__datefmt_check(pattern, &parts, why, sizeof(why)) != 0) {
		CHECK(why[0] != '\0');
		return;
	}
	if (ecl__datefmt_parse(&ts, newline + 1, patterns, 1, 1, "cell") != 0) {
		check_refusal(ECL_EINVALID);
		return;
	}
	if (parts & ECL_DATEFMT_DATE)
		CHECK(ecl__date_is_valid(ts.date.year, ts.date.month, ts.date.day));
	CHECK(ts.seconds >= 0 && ts.seconds <= 86400);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1 || size > 65536)
		return 0;
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] % 2 == 0)
		fuzz_profile(text, size - 1);
	else if (strlen(text) == size - 1)
		fuzz_pattern(text);
	free(text);
	return 0;
}
