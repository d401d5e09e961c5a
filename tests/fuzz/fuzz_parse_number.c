/*
 * libFuzzer target for the decimal, unit, kWh conversion, reading-type and
 * meter-identifier parsers. Built by tests/fuzz/CMakeLists.txt (-DECL_FUZZ=ON,
 * clang); by hand:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Ibuild/include \
 *     -Ilibeclectyc tests/fuzz/fuzz_parse_number.c libeclectyc/ingest/parse.c libeclectyc/util/settlement.c \
 *     libeclectyc/ingest/meter_id.c libeclectyc/util/error.c libeclectyc/util/strutil.c -o fuzz_parse_number
 *
 * The input is a value, optionally followed by a newline and a unit. Besides
 * crashes it checks that an accepted decimal prints back to the same value,
 * and that the kWh conversion matches exact 128-bit arithmetic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/errors.h"
#include "ingest/meter_id.h"
#include "ingest/parse.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "check failed: %s\n", #cond); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_failure(int rc)
{
	CHECK(rc == ECL_EINVALID);
	CHECK(ecl_error_last()[0] != '\0');
}

/* micro → "[-]I.FFFFFF", parsed back. */
static void check_round_trip(int64_t micro)
{
	uint64_t magnitude = micro < 0 ? (uint64_t)0 - (uint64_t)micro : (uint64_t)micro;
	char buf[48];
	int64_t again;

	snprintf(buf, sizeof(buf), "%s%llu.%06llu", micro < 0 ? "-" : "",
		(unsigned long long)(magnitude / 1000000), (unsigned long long)(magnitude % 1000000));
	CHECK(ecl__parse_decimal(&again, buf) == 0);
	CHECK(again == micro);
}

/* The conversion against exact arithmetic: round(micro·mul/div), half away from zero. */
static void check_conversion(int64_t micro, const ecl_unit *unit)
{
	__int128 product = (__int128)micro * unit->mul, q = product / unit->div, r = product % unit->div;
	int64_t out;
	int rc = ecl__convert_to_kwh_micro(&out, micro, unit);

	if (r < 0)
		r = -r;
	if (2 * r >= unit->div)
		q += product < 0 ? -1 : 1;
	if (product > INT64_MAX || product < INT64_MIN) {
		CHECK(rc == ECL_EINVALID);
		return;
	}
	CHECK(rc == 0);
	CHECK((__int128)out == q);
}

static void check_value_and_unit(const char *value, const char *unit_text)
{
	ecl_unit unit;
	int64_t micro;
	int rc = ecl__parse_decimal(&micro, value);

	if (rc != 0)
		check_failure(rc);
	else
		check_round_trip(micro);
	if ((rc = ecl__parse_unit(&unit, unit_text)) != 0) {
		check_failure(rc);
		return;
	}
	CHECK(unit.mul > 0 && unit.div > 0 && unit.name != NULL);
	if (ecl__parse_decimal(&micro, value) == 0)
		check_conversion(micro, &unit);
	check_conversion(INT64_MAX, &unit);
	check_conversion(INT64_MIN, &unit);
	check_conversion(-1, &unit);
}

static void check_others(const char *text)
{
	char id[ECL_METER_ID_MAX + 1];
	ecl_reading_type type;
	int rc = ecl__parse_reading_type(&type, text);

	if (rc != 0)
		check_failure(rc);
	else
		CHECK(type == ECL_READING_ACTUAL || type == ECL_READING_ESTIMATED);
	if ((rc = ecl__meter_id_normalise(id, sizeof(id), text)) != 0) {
		check_failure(rc);
		CHECK(id[0] == '\0');
		return;
	}
	CHECK(strlen(id) >= 1 && strlen(id) <= ECL_METER_ID_MAX);
	CHECK(strpbrk(id, " -\tabcdefghijklmnopqrstuvwxyz") == NULL);
	rc = ecl__mpan_check(id);
	CHECK(rc >= -1 && rc <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *unit;

	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_others(text);
	unit = strchr(text, '\n');
	if (unit != NULL)
		*unit++ = '\0';
	check_value_and_unit(text, unit != NULL ? unit : "");
	free(text);
	return 0;
}
