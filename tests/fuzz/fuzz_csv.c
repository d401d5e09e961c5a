/*
 * libFuzzer target for the CSV tokenizer and the block reader (plain and
 * gzip). Built by tests/fuzz/CMakeLists.txt (-DECL_FUZZ=ON, clang); by hand:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Ibuild/include \
 *     -Ilibeclectyc tests/fuzz/fuzz_csv.c libeclectyc/ingest/csv.c libeclectyc/ingest/input.c \
 *     libeclectyc/util/error.c libeclectyc/util/buffer.c libeclectyc/util/strutil.c -lz -o fuzz_csv
 *
 * The first byte picks a read size and small limits; the rest is the input.
 * Each input is parsed twice, in one block and in the picked block size, and
 * both runs must agree record for record (a hash of every field, line and
 * ordinal, and the final code and message). Besides crashes it checks the
 * record invariants, the limits, bounded memory and sticky errors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/csv.h"
#include "eclectyc/errors.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "check failed: %s\n", #cond); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void check_record(const ecl_csv_record *rec, const ecl_csv_options *opts,
	int64_t ordinal, int64_t last_line)
{
	size_t i, total = 0;

	CHECK(rec->count >= 1 && rec->count <= opts->max_fields);
	CHECK(rec->ordinal == ordinal);
	CHECK(rec->line > last_line);
	for (i = 0; i < rec->count; i++) {
		CHECK(rec->lengths[i] <= opts->max_field_bytes);
		CHECK(rec->fields[i][rec->lengths[i]] == '\0');
		CHECK(memchr(rec->fields[i], '\0', rec->lengths[i]) == NULL);
		total += rec->lengths[i];
	}
	CHECK(total <= opts->max_record_bytes);
}

static uint64_t run(const uint8_t *data, size_t size, const ecl_csv_options *opts)
{
	uint64_t h = 1469598103934665603ULL;
	ecl_csv *csv = NULL;
	const ecl_csv_record *rec = NULL;
	int64_t ordinal = 0, last_line = 0;
	size_t bound;
	int rc = ecl__csv_open_memory(&csv, data, size, opts);

	/* Faults in the data come from next(), never from open. */
	CHECK(rc == 0);
	bound = 2 * opts->max_record_bytes + 16 * opts->max_fields + 4 * 65536 + 65536;
	h = hash_bytes(h, &(char){ ecl__csv_delimiter(csv) }, 1);
	while ((rc = ecl__csv_next(csv, &rec)) == 1) {
		size_t i;

		check_record(rec, opts, ++ordinal, last_line);
		last_line = rec->line;
		h = hash_bytes(h, &rec->line, sizeof(rec->line));
		for (i = 0; i < rec->count; i++)
			h = hash_bytes(h, rec->fields[i], rec->lengths[i] + 1);
		CHECK(ecl__csv_footprint(csv) < bound);
	}
	CHECK(rc == 0 || rc == ECL_EINVALID || rc == ECL_EIO);
	CHECK(ecl__csv_footprint(csv) < bound);
	h = hash_bytes(h, &rc, sizeof(rc));
	if (rc < 0) {
		char message[1024];

		snprintf(message, sizeof(message), "%s", ecl_error_last());
		h = hash_bytes(h, message, strlen(message));
		CHECK(ecl__csv_next(csv, &rec) == rc);
		CHECK(strcmp(message, ecl_error_last()) == 0);
	} else {
		CHECK(ecl__csv_next(csv, &rec) == 0);
		CHECK(ecl__csv_bytes_read(csv) == size);
	}
	ecl__csv_free(csv);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t blocks[] = { 1, 2, 3, 5, 16, 64, 4096, 0 };
	ecl_csv_options opts = ECL_CSV_OPTIONS_INIT;
	uint64_t whole;
	uint8_t control;

	if (size == 0)
		return 0;
	control = data[0];
	data++;
	size--;
	if (control & 0x08) {
		opts.max_field_bytes = 1 + (control >> 4);
		opts.max_record_bytes = 2 + 2 * (control >> 4);
		opts.max_fields = 1 + (control >> 5);
	}
	whole = run(data, size, &opts);
	opts.block_size = blocks[control & 7];
	CHECK(run(data, size, &opts) == whole);
	return 0;
}
