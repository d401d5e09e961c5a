#include "ecl_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "util/buffer_internal.h"
#include "ingest/csv.h"
#include "eclectyc/sys/errors.h"

/* Every in-memory case runs with each of these read sizes, so a record, a
 * quote pair, a CRLF or the BOM split across blocks is covered (0 = one
 * block holding everything). */
static const size_t block_sizes[] = { 0, 1, 2, 3, 5, 7, 64 };
#define N_BLOCK_SIZES (sizeof(block_sizes) / sizeof(block_sizes[0]))

#define LIT(s) (s), (sizeof(s) - 1)

static void put(ecl_buf *out, const char *text)
{
	assert_int_equal(ecl__buf_puts(out, text), 0);
}

/*
 * Read every record, rendering each as "LINE:[field][field]…\n", and check
 * the record invariants on the way. Returns what the last next() returned.
 */
static int dump(ecl_csv *csv, ecl_buf *out)
{
	const ecl_csv_record *rec = NULL;
	int64_t ordinal = 0;
	int rc;

	while ((rc = ecl__csv_next(csv, &rec)) == 1) {
		char head[32];
		size_t i;

		assert_non_null(rec);
		assert_true(rec->count >= 1);
		assert_int_equal(rec->ordinal, ++ordinal);
		snprintf(head, sizeof(head), "%lld:", (long long)rec->line);
		put(out, head);
		for (i = 0; i < rec->count; i++) {
			assert_int_equal(strlen(rec->fields[i]), rec->lengths[i]);
			put(out, "[");
			put(out, rec->fields[i]);
			put(out, "]");
		}
		put(out, "\n");
	}
	if (rc <= 0)
		assert_null(rec);
	return rc;
}

static ecl_csv_options options_with(const ecl_csv_options *base, size_t block)
{
	ecl_csv_options opts = ECL_CSV_OPTIONS_INIT;

	if (base != NULL)
		opts = *base;
	opts.block_size = block;
	return opts;
}

/* Parse `data` at every block size: the same records, and the delimiter
 * `delim` unless it is 0. */
static void check_opts(const char *data, size_t len, const ecl_csv_options *base,
	const char *expected, char delim)
{
	size_t b;

	for (b = 0; b < N_BLOCK_SIZES; b++) {
		ecl_csv_options opts = options_with(base, block_sizes[b]);
		ecl_buf out = ECL_BUF_INIT;
		ecl_csv *csv = NULL;
		const ecl_csv_record *rec = NULL;

		ecl_assert_ok(ecl__csv_open_memory(&csv, data, len, &opts));
		if (delim != 0)
			assert_int_equal(ecl__csv_delimiter(csv), delim);
		put(&out, "");
		if (dump(csv, &out) != 0)
			fail_msg("block %zu: %s", block_sizes[b], ecl_error_last());
		if (strcmp(out.ptr, expected) != 0)
			fail_msg("block %zu: got\n%s\nexpected\n%s", block_sizes[b], out.ptr, expected);
		/* The end is stable. */
		assert_int_equal(ecl__csv_next(csv, &rec), 0);
		assert_null(rec);
		assert_int_equal(ecl__csv_file_size(csv), 0);
		assert_int_equal(ecl__csv_bytes_read(csv), len);
		assert_false(ecl__csv_is_gzip(csv));
		ecl__csv_free(csv);
		ecl_buf_dispose(&out);
	}
}

static void check(const char *data, size_t len, const char *expected, char delim)
{
	check_opts(data, len, NULL, expected, delim);
}

/* Parse `data` at every block size: the records `before`, then `code` with a
 * message containing `needle`, and the same again on the next call. */
static void check_error_opts(const char *data, size_t len, const ecl_csv_options *base,
	const char *before, int code, const char *needle)
{
	size_t b;

	for (b = 0; b < N_BLOCK_SIZES; b++) {
		ecl_csv_options opts = options_with(base, block_sizes[b]);
		ecl_buf out = ECL_BUF_INIT;
		ecl_csv *csv = NULL;
		const ecl_csv_record *rec = NULL;
		char *first;

		ecl_assert_ok(ecl__csv_open_memory(&csv, data, len, &opts));
		put(&out, "");
		assert_int_equal(dump(csv, &out), code);
		if (strcmp(out.ptr, before) != 0)
			fail_msg("block %zu: got\n%s\nexpected\n%s", block_sizes[b], out.ptr, before);
		ecl_assert_error_contains(needle);
		first = strdup(ecl_error_last());
		/* Sticky: the same error, even after another error elsewhere. */
		ecl_error_set(ECL_EDB, "unrelated");
		assert_int_equal(ecl__csv_next(csv, &rec), code);
		assert_null(rec);
		assert_string_equal(ecl_error_last(), first);
		free(first);
		ecl__csv_free(csv);
		ecl_buf_dispose(&out);
	}
}

static void check_error(const char *data, size_t len, const char *before, int code,
	const char *needle)
{
	check_error_opts(data, len, NULL, before, code, needle);
}

/* ---- the dialect ------------------------------------------------------------ */

static void test_simple_records(void **state)
{
	(void)state;
	check(LIT("id,value\nA,1\nB,2\n"), "1:[id][value]\n2:[A][1]\n3:[B][2]\n", ',');
}

static void test_quoted_fields(void **state)
{
	(void)state;
	check(LIT("a,\"b \"\"q\"\" c\",\"x,y\"\n\"\",x\n\"\"\"\"\n"),
		"1:[a][b \"q\" c][x,y]\n2:[][x]\n3:[\"]\n", ',');
	/* A quote inside an unquoted field is an ordinary character. */
	check(LIT("ab\"c,12\" pipe\"\n"), "1:[ab\"c][12\" pipe\"]\n", ',');
}

static void test_embedded_newlines_keep_line_numbers(void **state)
{
	(void)state;
	check(LIT("h1,h2\n\"multi\nline\nvalue\",2\nnext,3\n\"a\r\nb\",4\n\nlast,5\n"),
		"1:[h1][h2]\n2:[multi\nline\nvalue][2]\n5:[next][3]\n6:[a\r\nb][4]\n9:[last][5]\n",
		',');
	/* An embedded delimiter and newline in the same field. */
	check(LIT("a;b\n\"x;\n;y\";z\nq;r\n"), "1:[a][b]\n2:[x;\n;y][z]\n4:[q][r]\n", ';');
}

static void test_crlf(void **state)
{
	(void)state;
	check(LIT("a,b\r\nc,d\r\n\"q\",\"r\"\r\ne\rf,g\r\n"),
		"1:[a][b]\n2:[c][d]\n3:[q][r]\n4:[e\rf][g]\n", ',');
	/* A CR before a delimiter, or inside quotes, is data. */
	check(LIT("a\r,\"b\r\"\r\n"), "1:[a\r][b\r]\n", ',');
	/* The last line's CR without its LF is still a line end. */
	check(LIT("a,b\r\nc,d\r"), "1:[a][b]\n2:[c][d]\n", ',');
	check(LIT("a,\"b\"\r"), "1:[a][b]\n", ',');
}

static void test_bom(void **state)
{
	(void)state;
	check(LIT("\xEF\xBB\xBFid;v\n1;2\n"), "1:[id][v]\n2:[1][2]\n", ';');
	check(LIT("\xEF\xBB\xBF\"a,b\";c\n"), "1:[a,b][c]\n", ';');
	check(LIT("\xEF\xBB\xBF"), "", ',');
	check(LIT("\xEF\xBB\xBF\n\nx\n"), "3:[x]\n", ',');
	/* Only at the very start, and only whole. */
	check(LIT("x,\xEF\xBB\xBF\n"), "1:[x][\xEF\xBB\xBF]\n", ',');
	check(LIT("\xEF\xBBx,y\n"), "1:[\xEF\xBBx][y]\n", ',');
	check(LIT("\xEF\xBB"), "1:[\xEF\xBB]\n", ',');
}

static void test_sniff_each_delimiter(void **state)
{
	static const char delims[] = { ',', ';', '\t', '|' };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(delims); i++) {
		char data[64];
		char d = delims[i];

		snprintf(data, sizeof(data), "a%cb%cc\n1%c2%c3\n", d, d, d, d);
		check(data, strlen(data), "1:[a][b][c]\n2:[1][2][3]\n", d);
	}
}

static void test_sniff_ignores_quoted_delimiters(void **state)
{
	(void)state;
	check(LIT("\"name, full\";\"a,b,c\";x\n\"1,2\";3;4\n"),
		"1:[name, full][a,b,c][x]\n2:[1,2][3][4]\n", ';');
	/* Doubled quotes keep the sniffer inside the field. */
	check(LIT("\"a\"\",b,c\";d\n"), "1:[a\",b,c][d]\n", ';');
	/* Tabs inside quotes, pipes outside. */
	check(LIT("\"x\ty\tz\"|b\n"), "1:[x\ty\tz][b]\n", '|');
}

static void test_sniff_ties_default_and_scope(void **state)
{
	(void)state;
	check(LIT("a,b;c\n"), "1:[a][b;c]\n", ',');
	check(LIT("a;b|c\n"), "1:[a][b|c]\n", ';');
	check(LIT("a\tb|c\n"), "1:[a][b|c]\n", '\t');
	check(LIT("a|b|c,d\n"), "1:[a][b][c,d]\n", '|');
	check(LIT("abc\n"), "1:[abc]\n", ',');
	check(LIT(""), "", ',');
	/* Only the first non-blank record counts. */
	check(LIT("\n\r\na;b\nc,d,e,f\n"), "3:[a][b]\n4:[c,d,e,f]\n", ';');
	/* A header spanning lines inside quotes is sniffed to its real end. */
	check(LIT("\"a\n,,,\";b\nc;d\n"), "1:[a\n,,,][b]\n3:[c][d]\n", ';');
}

static void test_explicit_delimiter(void **state)
{
	ecl_csv_options opts = ECL_CSV_OPTIONS_INIT;

	(void)state;
	opts.delimiter = '|';
	check_opts(LIT("a,b,c|d\n"), &opts, "1:[a,b,c][d]\n", '|');
	opts.delimiter = ',';
	check_opts(LIT("a;b;c,d\n"), &opts, "1:[a;b;c][d]\n", ',');
}

static void test_blank_lines_skipped_but_counted(void **state)
{
	(void)state;
	check(LIT("a\n\n\r\nb\n\n"), "1:[a]\n4:[b]\n", ',');
	check(LIT("\n\n"), "", ',');
	check(LIT("\r\n\r\n\r"), "", ',');
	/* Not blank: delimiters only, an empty quoted field, spaces. */
	check(LIT("h\n,\n\"\"\n  \n"), "1:[h]\n2:[][]\n3:[]\n4:[  ]\n", ',');
}

static void test_whitespace_kept(void **state)
{
	(void)state;
	check(LIT(" a , b \t\n"), "1:[ a ][ b \t]\n", ',');
}

static void test_trailing_delimiter_and_last_line(void **state)
{
	(void)state;
	check(LIT("a,b,\n"), "1:[a][b][]\n", ',');
	check(LIT("a,b,"), "1:[a][b][]\n", ',');
	check(LIT("a,b\nc,d"), "1:[a][b]\n2:[c][d]\n", ',');
	check(LIT("a\n\"q\""), "1:[a]\n2:[q]\n", ',');
}

static void test_empty_input_and_header_only(void **state)
{
	(void)state;
	check(LIT(""), "", ',');
	check(LIT("id,value\n"), "1:[id][value]\n", ',');
	check(LIT("id,value"), "1:[id][value]\n", ',');
	check("", 0, "", ',');
}

/* ---- malformed input ---------------------------------------------------------- */

static void test_text_after_closing_quote(void **state)
{
	(void)state;
	check_error(LIT("h\n\"ab\"c\n"), "1:[h]\n", ECL_EINVALID,
		"line 2: unexpected character after closing quote");
	check_error(LIT("h\nx,\"a\nb\" ,c\n"), "1:[h]\n", ECL_EINVALID,
		"line 3: unexpected character after closing quote");
	check_error(LIT("\"a\"\rb\n"), "", ECL_EINVALID,
		"line 1: unexpected character after closing quote");
}

static void test_unterminated_quote(void **state)
{
	(void)state;
	/* Named by the line where the field opened, not where the input ends. */
	check_error(LIT("h,i\nx,\"abc\ndef\n\n"), "1:[h][i]\n", ECL_EINVALID,
		"line 2: quoted field is never closed");
	check_error(LIT("\""), "", ECL_EINVALID, "line 1: quoted field is never closed");
	check_error(LIT("a\n\"x\"\"\n"), "1:[a]\n", ECL_EINVALID,
		"line 2: quoted field is never closed");
}

static void test_nul_byte(void **state)
{
	(void)state;
	check_error(LIT("h\nab\0c\n"), "1:[h]\n", ECL_EINVALID, "line 2: NUL byte");
	check_error(LIT("h\n\"a\n\0\"\n"), "1:[h]\n", ECL_EINVALID, "line 3: NUL byte");
	check_error(LIT("h\n\"a\"\0"), "1:[h]\n", ECL_EINVALID, "line 2: NUL byte");
	check_error(LIT("\0"), "", ECL_EINVALID, "line 1: NUL byte");
}

static void test_field_limit(void **state)
{
	ecl_csv_options opts = ECL_CSV_OPTIONS_INIT;

	(void)state;
	opts.max_field_bytes = 5;
	check_error_opts(LIT("12345,1\n123456,2\n"), &opts, "1:[12345][1]\n", ECL_EINVALID,
		"line 2: field 1 is longer than the limit of 5 bytes");
	check_error_opts(LIT("\"12\"\"34\"\n\"123456\"\n"), &opts, "1:[12\"34]\n", ECL_EINVALID,
		"line 2: field 1 is longer than the limit of 5 bytes");
	/* A quoted field is named by the line where it starts. */
	check_error_opts(LIT("a\nb,\"1\n2\n3456\"\n"), &opts, "1:[a]\n", ECL_EINVALID,
		"line 2: field 2 is longer than the limit of 5 bytes");
	/* Exactly the limit passes, with any line end; a CR that is data counts. */
	check_opts(LIT("12345\r\n12345\n12345\r"), &opts, "1:[12345]\n2:[12345]\n3:[12345]\n", 0);
	check_error_opts(LIT("12345\r,x\n"), &opts, "", ECL_EINVALID,
		"line 1: field 1 is longer than the limit of 5 bytes");
	check_error_opts(LIT("\"12345\r\"\r\n"), &opts, "", ECL_EINVALID,
		"line 1: field 1 is longer than the limit of 5 bytes");
	check_error_opts(LIT("12345\r\r\n"), &opts, "", ECL_EINVALID,
		"line 1: field 1 is longer than the limit of 5 bytes");
}

static void test_record_limit(void **state)
{
	ecl_csv_options opts = ECL_CSV_OPTIONS_INIT;

	(void)state;
	opts.max_record_bytes = 10;
	/* Field bytes count, delimiters and quotes do not. */
	check_opts(LIT("12345,67890\n\"12345\",\"67890\"\r\n"), &opts,
		"1:[12345][67890]\n2:[12345][67890]\n", 0);
	check_error_opts(LIT("ok\n12345,67890,1\n"), &opts, "1:[ok]\n", ECL_EINVALID,
		"line 2: record is longer than the limit of 10 bytes");
	/* Named by the line where the record starts. */
	check_error_opts(LIT("ok\n\"a\nb\",\"\n123456789\"\n"), &opts, "1:[ok]\n", ECL_EINVALID,
		"line 2: record is longer than the limit of 10 bytes");
}

/* A run that breaks both limits names the one broken first, at every block
 * size (found by the fuzzer). */
static void test_first_limit_broken_wins(void **state)
{
	ecl_csv_options opts = ECL_CSV_OPTIONS_INIT;

	(void)state;
	opts.max_field_bytes = 3;
	opts.max_record_bytes = 6;
	check_error_opts(LIT("a;bcd;efgh\n"), &opts, "", ECL_EINVALID,
		"line 1: record is longer than the limit of 6 bytes");
	opts.max_record_bytes = 7;
	check_error_opts(LIT("a;bcd;efgh\n"), &opts, "", ECL_EINVALID,
		"line 1: field 3 is longer than the limit of 3 bytes");
}

static void test_fields_limit(void **state)
{
	ecl_csv_options opts = ECL_CSV_OPTIONS_INIT;

	(void)state;
	opts.max_fields = 3;
	check_opts(LIT("a,b,c\n,,\n"), &opts, "1:[a][b][c]\n2:[][][]\n", 0);
	check_error_opts(LIT("a,b,c\nd,e,f,g\n"), &opts, "1:[a][b][c]\n", ECL_EINVALID,
		"line 2: record has more than the limit of 3 fields");
	check_error_opts(LIT("a,b,c\n,,,\n"), &opts, "1:[a][b][c]\n", ECL_EINVALID,
		"line 2: record has more than the limit of 3 fields");
}

static void test_default_fields_limit(void **state)
{
	enum { MAX = 10000 };
	ecl_csv *csv = NULL;
	const ecl_csv_record *rec = NULL;
	char *data = malloc(2 * (MAX + 1) + 2);
	size_t i;
	size_t len = 0;

	(void)state;
	for (i = 0; i < MAX; i++) {
		data[len++] = 'x';
		data[len++] = i + 1 < MAX ? ',' : '\n';
	}
	ecl_assert_ok(ecl__csv_open_memory(&csv, data, len, NULL));
	assert_int_equal(ecl__csv_next(csv, &rec), 1);
	assert_int_equal(rec->count, MAX);
	assert_string_equal(rec->fields[MAX - 1], "x");
	ecl__csv_free(csv);

	data[len - 1] = ',';
	data[len++] = 'y';
	ecl_assert_ok(ecl__csv_open_memory(&csv, data, len, NULL));
	assert_int_equal(ecl__csv_next(csv, &rec), ECL_EINVALID);
	ecl_assert_error_contains("line 1: record has more than the limit of 10000 fields");
	ecl__csv_free(csv);
	free(data);
}

/* Every buffer stays within what the limits allow, whatever the line. */
static size_t footprint_bound(const ecl_csv_options *opts)
{
	size_t block = opts->block_size ? opts->block_size : 65536;

	return 2 * opts->max_record_bytes + 16 * opts->max_fields + 4 * block + 65536;
}

static void test_huge_line_memory_bounded(void **state)
{
	enum { SIZE = 100 * 1024 * 1024 };
	ecl_csv_options opts = ECL_CSV_OPTIONS_INIT;
	char *data = malloc(SIZE);
	ecl_csv *csv = NULL;
	const ecl_csv_record *rec = NULL;

	(void)state;
	assert_non_null(data);
	/* Not a power of two, so no buffer size lands on a limit by luck. */
	opts.block_size = 60000;
	/* One 100 MB field on line 2. */
	memcpy(data, "h\n", 2);
	memset(data + 2, 'x', SIZE - 2);
	ecl_assert_ok(ecl__csv_open_memory(&csv, data, SIZE, &opts));
	assert_int_equal(ecl__csv_next(csv, &rec), 1);
	assert_int_equal(ecl__csv_next(csv, &rec), ECL_EINVALID);
	ecl_assert_error_contains("line 2: field 1 is longer than the limit of 1048576 bytes");
	assert_true(ecl__csv_footprint(csv) < footprint_bound(&opts));
	assert_true(ecl__csv_bytes_read(csv) < 4 * 1024 * 1024);
	ecl__csv_free(csv);

	/* A 100 MB header of short fields: the sniffer stops at the record
	 * limit, and so does the tokenizer. */
	memset(data, 'x', SIZE);
	for (size_t i = 3; i < SIZE; i += 4)
		data[i] = ';';
	ecl_assert_ok(ecl__csv_open_memory(&csv, data, SIZE, &opts));
	assert_int_equal(ecl__csv_delimiter(csv), ';');
	assert_true(ecl__csv_footprint(csv) < footprint_bound(&opts));
	assert_int_equal(ecl__csv_next(csv, &rec), ECL_EINVALID);
	ecl_assert_error_contains("line 1: record has more than the limit of 10000 fields");
	assert_true(ecl__csv_footprint(csv) < footprint_bound(&opts));
	ecl__csv_free(csv);

	/* Quoted fields of 1 MiB each: the record limit. */
	memset(data, 'y', SIZE);
	for (size_t i = 0; i + 1048578 < SIZE; i += 1048579) {
		data[i] = '"';
		data[i + 1048577] = '"';
		data[i + 1048578] = ',';
	}
	ecl_assert_ok(ecl__csv_open_memory(&csv, data, SIZE, &opts));
	assert_int_equal(ecl__csv_next(csv, &rec), ECL_EINVALID);
	ecl_assert_error_contains("line 1: record is longer than the limit of 4194304 bytes");
	assert_true(ecl__csv_footprint(csv) < footprint_bound(&opts));
	ecl__csv_free(csv);
	free(data);
}

/* Random inputs over the dialect's special bytes: every block size gives the
 * same records and the same outcome as one block. */
static void test_block_boundaries_random(void **state)
{
	static const char alphabet[] = "ab,;\"\"\n\r ";
	unsigned int seed = 12345;
	int round;

	(void)state;
	for (round = 0; round < 300; round++) {
		char data[96];
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof(data));
		ecl_buf first = ECL_BUF_INIT;
		int first_rc = 0;
		size_t i, b;

		for (i = 0; i < len; i++)
			data[i] = alphabet[rand_r(&seed) % (int)(sizeof(alphabet) - 1)];
		for (b = 0; b < N_BLOCK_SIZES; b++) {
			ecl_csv_options opts = options_with(NULL, block_sizes[b]);
			ecl_buf out = ECL_BUF_INIT;
			ecl_csv *csv = NULL;
			int rc;

			ecl_assert_ok(ecl__csv_open_memory(&csv, data, len, &opts));
			put(&out, "");
			rc = dump(csv, &out);
			if (rc < 0)
				put(&out, ecl_error_last());
			if (b == 0) {
				first_rc = rc;
				put(&first, out.ptr);
			} else if (rc != first_rc || strcmp(out.ptr, first.ptr) != 0) {
				fail_msg("round %d block %zu:\n%s\nvs\n%s", round, block_sizes[b],
					out.ptr, first.ptr);
			}
			ecl__csv_free(csv);
			ecl_buf_dispose(&out);
		}
		ecl_buf_dispose(&first);
	}
}

static void test_bad_arguments(void **state)
{
	ecl_csv_options opts = ECL_CSV_OPTIONS_INIT;
	ecl_csv *csv = NULL;

	(void)state;
	opts.delimiter = '"';
	ecl_assert_fails(ECL_EINVALID, ecl__csv_open_memory(&csv, "a", 1, &opts));
	assert_null(csv);
	opts.delimiter = '\n';
	ecl_assert_fails(ECL_EINVALID, ecl__csv_open_memory(&csv, "a", 1, &opts));
	opts.delimiter = 0;
	opts.max_fields = 0;
	ecl_assert_fails(ECL_EINVALID, ecl__csv_open_memory(&csv, "a", 1, &opts));
	ecl_assert_fails(ECL_EINVALID, ecl__csv_open_memory(NULL, "a", 1, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl__csv_open_memory(&csv, NULL, 1, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl__csv_open_file(&csv, NULL, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl__csv_next(NULL, NULL));
	ecl__csv_free(NULL);
}

/* ---- files and gzip ------------------------------------------------------------- */

static char *tmpdir;

static int setup_dir(void **state)
{
	(void)state;
	tmpdir = ecl_test_tmpdir("test_csv");
	return tmpdir == NULL;
}

static int teardown_dir(void **state)
{
	(void)state;
	ecl_test_rmtree(tmpdir);
	free(tmpdir);
	tmpdir = NULL;
	return 0;
}

static char *path_of(const char *name)
{
	char *path = NULL;

	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	return path;
}

static char *write_bytes(const char *name, const void *data, size_t len)
{
	char *path = path_of(name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* mode "wb" starts a file, "ab" appends another gzip member. */
static char *write_gzip(const char *name, const char *mode, const void *data, size_t len)
{
	char *path = path_of(name);
	gzFile gz = gzopen(path, mode);

	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, data, (unsigned)len), (int)len);
	assert_int_equal(gzclose(gz), Z_OK);
	return path;
}

static void *read_bytes(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long size;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	data = malloc((size_t)size + 1);
	assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return data;
}

static uint64_t size_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

/* A few hundred KB mixing every feature, over many blocks. */
static char *sample_csv(size_t *len)
{
	ecl_buf buf = ECL_BUF_INIT;
	int i;

	put(&buf, "\xEF\xBB\xBFMPAN;\"Read Date\";HH01;\"note; free\"\r\n");
	for (i = 0; i < 6000; i++) {
		char line[160];

		snprintf(line, sizeof(line), "%010d;2024-01-%02d;%d.%03d;\"say \"\"%d\"\"\n"
			"more; text\"\r\n%s", 1000000 + i, 1 + i % 28, i, i % 1000, i,
			i % 100 == 0 ? "\r\n" : "");
		put(&buf, line);
	}
	*len = buf.size;
	return buf.ptr;
}

static int dump_file(const char *path, const ecl_csv_options *opts, ecl_buf *out,
	int *is_gzip)
{
	ecl_csv *csv = NULL;
	uint64_t last = 0;
	int rc = ecl__csv_open_file(&csv, path, opts);

	put(out, "");
	if (rc != 0)
		return rc;
	assert_int_equal(ecl__csv_delimiter(csv), ';');
	assert_int_equal(ecl__csv_file_size(csv), size_of(path));
	*is_gzip = ecl__csv_is_gzip(csv);
	for (;;) {
		const ecl_csv_record *rec = NULL;
		char head[32];
		size_t i;

		rc = ecl__csv_next(csv, &rec);
		/* Progress never goes back, and never past the file. */
		assert_true(ecl__csv_bytes_read(csv) >= last);
		assert_true(ecl__csv_bytes_read(csv) <= ecl__csv_file_size(csv));
		last = ecl__csv_bytes_read(csv);
		if (rc != 1)
			break;
		/* The sample is larger than one read: the first record must not
		 * look like the whole file (compressed bytes still in zlib's
		 * input count as unread). */
		if (rec->ordinal == 1)
			assert_true(ecl__csv_bytes_read(csv) < ecl__csv_file_size(csv));
		snprintf(head, sizeof(head), "%lld:", (long long)rec->line);
		put(out, head);
		for (i = 0; i < rec->count; i++) {
			put(out, "[");
			put(out, rec->fields[i]);
			put(out, "]");
		}
		put(out, "\n");
	}
	if (rc == 0)
		assert_int_equal(ecl__csv_bytes_read(csv), ecl__csv_file_size(csv));
	ecl__csv_free(csv);
	return rc;
}

static void test_gzip_matches_plain(void **state)
{
	size_t len;
	char *data = sample_csv(&len);
	char *plain = write_bytes("sample.csv", data, len);
	char *gz = write_gzip("sample.csv.gz", "wb", data, len);
	static const size_t blocks[] = { 0, 7, 4096 };
	ecl_buf reference = ECL_BUF_INIT;
	size_t b;
	int is_gzip = -1;

	(void)state;
	ecl_assert_ok(dump_file(plain, NULL, &reference, &is_gzip));
	assert_int_equal(is_gzip, 0);
	assert_non_null(strstr(reference.ptr, "1:[MPAN][Read Date][HH01][note; free]\n"
		"2:[0001000000][2024-01-01][0.000][say \"0\"\nmore; text]\n5:["));
	assert_non_null(strstr(reference.ptr, "[say \"5999\"\nmore; text]\n"));
	for (b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		ecl_csv_options opts = options_with(NULL, blocks[b]);
		ecl_buf out = ECL_BUF_INIT;

		ecl_assert_ok(dump_file(gz, &opts, &out, &is_gzip));
		assert_int_equal(is_gzip, 1);
		assert_string_equal(out.ptr, reference.ptr);
		ecl_buf_dispose(&out);
		ecl_assert_ok(dump_file(plain, &opts, &out, &is_gzip));
		assert_string_equal(out.ptr, reference.ptr);
		ecl_buf_dispose(&out);
	}
	/* The gzip bytes in memory read the same too. */
	{
		size_t gz_len;
		char *gz_data = read_bytes(gz, &gz_len);
		ecl_csv *csv = NULL;
		ecl_buf out = ECL_BUF_INIT;

		ecl_assert_ok(ecl__csv_open_memory(&csv, gz_data, gz_len, NULL));
		assert_true(ecl__csv_is_gzip(csv));
		put(&out, "");
		assert_int_equal(dump(csv, &out), 0);
		assert_string_equal(out.ptr, reference.ptr);
		assert_int_equal(ecl__csv_bytes_read(csv), gz_len);
		ecl__csv_free(csv);
		ecl_buf_dispose(&out);
		free(gz_data);
	}
	ecl_buf_dispose(&reference);
	free(plain);
	free(gz);
	free(data);
}

static void test_gzip_members_and_padding(void **state)
{
	static const char one[] = "a;b\n1;2\n";
	static const char two[] = "3;\"4\n5\"\n";
	static const char zeros[512];
	char *gz = write_gzip("members.csv.gz", "wb", one, strlen(one));
	ecl_buf out = ECL_BUF_INIT;
	size_t len;
	char *data;
	char *padded;
	int is_gzip = 0;

	(void)state;
	free(write_gzip("members.csv.gz", "ab", two, strlen(two)));
	free(write_gzip("members.csv.gz", "ab", "", 0));
	ecl_assert_ok(dump_file(gz, NULL, &out, &is_gzip));
	assert_int_equal(is_gzip, 1);
	assert_string_equal(out.ptr, "1:[a][b]\n2:[1][2]\n3:[3][4\n5]\n");
	ecl_buf_dispose(&out);

	/* Zero padding after the last member is ignored, as gzip(1) does. */
	data = read_bytes(gz, &len);
	data = realloc(data, len + sizeof(zeros));
	memcpy(data + len, zeros, sizeof(zeros));
	padded = write_bytes("padded.csv.gz", data, len + sizeof(zeros));
	ecl_assert_ok(dump_file(padded, NULL, &out, &is_gzip));
	assert_string_equal(out.ptr, "1:[a][b]\n2:[1][2]\n3:[3][4\n5]\n");
	ecl_buf_dispose(&out);
	free(padded);
	free(data);
	free(gz);
}

/* Read a file to the end; return the final code (the error's, if any).
 * Opening succeeds: faults in the data come from next(). */
static int read_to_end(const char *path, const ecl_csv_options *opts, size_t *records)
{
	ecl_csv *csv = NULL;
	const ecl_csv_record *rec = NULL;
	int rc;

	ecl_assert_ok(ecl__csv_open_file(&csv, path, opts));
	*records = 0;
	while ((rc = ecl__csv_next(csv, &rec)) == 1)
		(*records)++;
	ecl__csv_free(csv);
	return rc;
}

static void test_gzip_truncated(void **state)
{
	size_t len, gz_len, records;
	char *data = sample_csv(&len);
	char *gz = write_gzip("full.csv.gz", "wb", data, len);
	char *gz_data = read_bytes(gz, &gz_len);
	const size_t cuts[] = { 2, 10, 11, 100, gz_len / 2, gz_len - 8, gz_len - 4, gz_len - 1 };
	size_t i, b;

	(void)state;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		for (b = 0; b < 2; b++) {
			ecl_csv_options opts = options_with(NULL, b == 0 ? 0 : 3);
			char *path = write_bytes("cut.csv.gz", gz_data, cuts[i]);
			int rc = read_to_end(path, &opts, &records);

			if (rc != ECL_EIO)
				fail_msg("cut at %zu: %d %s", cuts[i], rc, ecl_error_last());
			ecl_assert_error_contains(path);
			ecl_assert_error_contains("truncated gzip");
			free(path);
		}
	}
	free(gz_data);
	free(gz);
	free(data);
}

static void test_gzip_corrupt_and_trailing_garbage(void **state)
{
	size_t len, gz_len, records;
	char *data = sample_csv(&len);
	char *gz = write_gzip("good.csv.gz", "wb", data, len);
	char *gz_data = read_bytes(gz, &gz_len);
	char *path;
	int rc;

	(void)state;
	/* A damaged CRC in the trailer. */
	gz_data[gz_len - 6] ^= 0x55;
	path = write_bytes("crc.csv.gz", gz_data, gz_len);
	assert_int_equal(read_to_end(path, NULL, &records), ECL_EIO);
	ecl_assert_error_contains(path);
	ecl_assert_error_contains("corrupt gzip data");
	/* Checked at the end: every record came first, at any block size. */
	assert_int_equal(records, 6001);
	{
		ecl_csv_options opts = options_with(NULL, 5);

		assert_int_equal(read_to_end(path, &opts, &records), ECL_EIO);
		assert_int_equal(records, 6001);
	}
	gz_data[gz_len - 6] ^= 0x55;
	free(path);

	/* Damaged compressed data. */
	memset(gz_data + gz_len / 2, 0xff, 64);
	path = write_bytes("bad.csv.gz", gz_data, gz_len);
	rc = read_to_end(path, NULL, &records);
	assert_int_equal(rc, ECL_EIO);
	ecl_assert_error_contains(path);
	ecl_assert_error_contains("corrupt gzip data");
	free(path);
	free(gz_data);

	/* Every record is read, then the garbage is reported. */
	gz_data = read_bytes(gz, &gz_len);
	gz_data = realloc(gz_data, gz_len + 7);
	memcpy(gz_data + gz_len, "garbage", 7);
	path = write_bytes("trailing.csv.gz", gz_data, gz_len + 7);
	assert_int_equal(read_to_end(path, NULL, &records), ECL_EIO);
	ecl_assert_error_contains(path);
	ecl_assert_error_contains("unexpected data after the end of the gzip stream");
	assert_int_equal(records, 6001);
	free(path);

	/* Zeros, then garbage. */
	memcpy(gz_data + gz_len, "\0\0\0\0\0\0x", 7);
	path = write_bytes("trailing0.csv.gz", gz_data, gz_len + 7);
	assert_int_equal(read_to_end(path, NULL, &records), ECL_EIO);
	ecl_assert_error_contains("unexpected data after the end of the gzip stream");
	free(path);
	free(gz_data);
	free(gz);
	free(data);
}

static void test_missing_file(void **state)
{
	ecl_csv *csv = NULL;
	char *path = path_of("no-such.csv");

	(void)state;
	ecl_assert_fails(ECL_EIO, ecl__csv_open_file(&csv, path, NULL));
	assert_null(csv);
	ecl_assert_error_contains(path);
	ecl_assert_error_contains(strerror(ENOENT));
	ecl_assert_fails(ECL_EIO, ecl__csv_open_file(&csv, tmpdir, NULL));
	ecl_assert_error_contains(strerror(EISDIR));
	free(path);
}

static void test_empty_file(void **state)
{
	char *path = write_bytes("empty.csv", "", 0);
	ecl_csv *csv = NULL;
	const ecl_csv_record *rec = NULL;
	char *gz;

	(void)state;
	ecl_assert_ok(ecl__csv_open_file(&csv, path, NULL));
	assert_int_equal(ecl__csv_next(csv, &rec), 0);
	assert_int_equal(ecl__csv_next(csv, &rec), 0);
	assert_int_equal(ecl__csv_file_size(csv), 0);
	assert_int_equal(ecl__csv_bytes_read(csv), 0);
	ecl__csv_free(csv);
	/* A gzip of nothing holds no records either. */
	gz = write_gzip("empty.csv.gz", "wb", "", 0);
	ecl_assert_ok(ecl__csv_open_file(&csv, gz, NULL));
	assert_true(ecl__csv_is_gzip(csv));
	assert_int_equal(ecl__csv_next(csv, &rec), 0);
	assert_int_equal(ecl__csv_bytes_read(csv), size_of(gz));
	ecl__csv_free(csv);
	free(gz);
	free(path);
}

static void test_many_lines_bounded_memory(void **state)
{
	enum { LINES = 200000 };
	char *path = path_of("many.csv");
	FILE *f = fopen(path, "wb");
	ecl_csv *csv = NULL;
	const ecl_csv_record *rec = NULL;
	size_t most = 0;
	int64_t n = 0;
	int i, rc;

	(void)state;
	assert_non_null(f);
	fputs("mpan,date,kwh\n", f);
	for (i = 0; i < LINES; i++)
		fprintf(f, "M%06d,2024-02-%02d,%d.5\n", i, 1 + i % 29, i);
	assert_int_equal(fclose(f), 0);

	ecl_assert_ok(ecl__csv_open_file(&csv, path, NULL));
	while ((rc = ecl__csv_next(csv, &rec)) == 1) {
		size_t now = ecl__csv_footprint(csv);

		most = now > most ? now : most;
		n++;
		assert_int_equal(rec->ordinal, n);
		assert_int_equal(rec->line, n);
		assert_int_equal(rec->count, 3);
		if (n == 2) {
			assert_string_equal(rec->fields[0], "M000000");
			assert_string_equal(rec->fields[2], "0.5");
		} else if (n == 100001 || n == LINES + 1) {
			char expect[32];
			int k = (int)n - 2;

			snprintf(expect, sizeof(expect), "M%06d", k);
			assert_string_equal(rec->fields[0], expect);
			snprintf(expect, sizeof(expect), "2024-02-%02d", 1 + k % 29);
			assert_string_equal(rec->fields[1], expect);
			snprintf(expect, sizeof(expect), "%d.5", k);
			assert_string_equal(rec->fields[2], expect);
		}
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, LINES + 1);
	assert_int_equal(ecl__csv_bytes_read(csv), ecl__csv_file_size(csv));
	assert_int_equal(ecl__csv_file_size(csv), size_of(path));
	/* A few small buffers plus one read block, however many lines. */
	if (most > 128 * 1024)
		fail_msg("the reader held %zu bytes", most);
	ecl__csv_free(csv);
	free(path);
}

static void test_long_line_file_bounded(void **state)
{
	enum { CHUNK = 1 << 20, CHUNKS = 24 };
	char *path = path_of("long.csv");
	FILE *f = fopen(path, "wb");
	char *chunk = malloc(CHUNK);
	ecl_csv_options opts = ECL_CSV_OPTIONS_INIT;
	ecl_csv *csv = NULL;
	const ecl_csv_record *rec = NULL;
	int i;

	(void)state;
	assert_non_null(f);
	memset(chunk, 'z', CHUNK);
	fputs("h\n", f);
	for (i = 0; i < CHUNKS; i++)
		assert_int_equal(fwrite(chunk, 1, CHUNK, f), CHUNK);
	assert_int_equal(fclose(f), 0);

	ecl_assert_ok(ecl__csv_open_file(&csv, path, NULL));
	assert_int_equal(ecl__csv_next(csv, &rec), 1);
	assert_int_equal(ecl__csv_next(csv, &rec), ECL_EINVALID);
	ecl_assert_error_contains("line 2: field 1 is longer than the limit of 1048576 bytes");
	assert_true(ecl__csv_footprint(csv) < footprint_bound(&opts));
	ecl__csv_free(csv);
	free(chunk);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_records),
		cmocka_unit_test(test_quoted_fields),
		cmocka_unit_test(test_embedded_newlines_keep_line_numbers),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_sniff_each_delimiter),
		cmocka_unit_test(test_sniff_ignores_quoted_delimiters),
		cmocka_unit_test(test_sniff_ties_default_and_scope),
		cmocka_unit_test(test_explicit_delimiter),
		cmocka_unit_test(test_blank_lines_skipped_but_counted),
		cmocka_unit_test(test_whitespace_kept),
		cmocka_unit_test(test_trailing_delimiter_and_last_line),
		cmocka_unit_test(test_empty_input_and_header_only),
		cmocka_unit_test(test_text_after_closing_quote),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_field_limit),
		cmocka_unit_test(test_record_limit),
		cmocka_unit_test(test_first_limit_broken_wins),
		cmocka_unit_test(test_fields_limit),
		cmocka_unit_test(test_default_fields_limit),
		cmocka_unit_test(test_huge_line_memory_bounded),
		cmocka_unit_test(test_block_boundaries_random),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_gzip_matches_plain),
		cmocka_unit_test(test_gzip_members_and_padding),
		cmocka_unit_test(test_gzip_truncated),
		cmocka_unit_test(test_gzip_corrupt_and_trailing_garbage),
		cmocka_unit_test(test_many_lines_bounded_memory),
		cmocka_unit_test(test_long_line_file_bounded),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
