#include "ecl_test.h"

#include "ingest/meter_id.h"

static void assert_normalised(const char *text, const char *expected)
{
	char out[ECL_METER_ID_MAX + 1];

	ecl_assert_ok(ecl__meter_id_normalise(out, sizeof(out), text));
	assert_string_equal(out, expected);
}

static void assert_bad_id(const char *text, const char *needle)
{
	char out[ECL_METER_ID_MAX + 1] = "untouched";

	ecl_assert_fails(ECL_EINVALID, ecl__meter_id_normalise(out, sizeof(out), text));
	ecl_assert_error_contains(needle);
	assert_string_equal(out, "");
}

static void test_normalise(void **state)
{
	(void)state;
	assert_normalised("1200012345679", "1200012345679");
	assert_normalised("1200 0123 4567 9", "1200012345679");
	assert_normalised("12-0001-2345-679", "1200012345679");
	assert_normalised("  12 00 - 01\t23 45679 \r\n", "1200012345679");
	assert_normalised("e10bg12345", "E10BG12345");
	assert_normalised("Mx-12 ab", "MX12AB");
	assert_normalised("S 01 801 100 12 0001 2345 679", "S018011001200012345679");
	assert_normalised("A/B.C_1", "A/B.C_1");
	/* Bytes outside ASCII are kept as they are (only ASCII letters change case). */
	assert_normalised("caf\xc3\xa9", "CAF\xc3\xa9");
}

static void test_normalise_errors(void **state)
{
	char exact[ECL_METER_ID_MAX + 1], over[ECL_METER_ID_MAX + 2], spaced[200];
	char out[ECL_METER_ID_MAX + 1], small[8] = "xxxxxxx";

	(void)state;
	assert_bad_id("", "invalid meter identifier \"\": empty");
	assert_bad_id("   ", "empty");
	assert_bad_id(" - -- ", "empty");
	assert_bad_id("12\00134", "control character 0x01 at position 3");
	assert_bad_id("12\x7f", "control character 0x7F");
	/* Not UTF-8 (found by the hostile-file test): a Latin-1 byte, a broken
	 * sequence, a surrogate, an overlong form, a 5-byte form, a cut one. */
	assert_bad_id("12\xe9" "34", "byte 0xE9 at position 3 is not valid UTF-8");
	assert_bad_id("12000\xc3\x28" "1", "byte 0xC3 at position 6 is not valid UTF-8");
	assert_bad_id("\xed\xa0\x80", "byte 0xED at position 1");
	assert_bad_id("A\xc0\xaf", "byte 0xC0 at position 2");
	assert_bad_id("\xf8\x88\x80\x80\x80", "byte 0xF8 at position 1");
	assert_bad_id("caf\xc3", "byte 0xC3 at position 4");
	assert_bad_id("\xa9", "byte 0xA9 at position 1");
	assert_normalised("\xe2\x82\xac-\xf0\x9f\x98\x80 x", "\xe2\x82\xac\xf0\x9f\x98\x80X");

	memset(exact, '7', ECL_METER_ID_MAX);
	exact[ECL_METER_ID_MAX] = '\0';
	assert_normalised(exact, exact);
	memset(over, '7', ECL_METER_ID_MAX + 1);
	over[ECL_METER_ID_MAX + 1] = '\0';
	assert_bad_id(over, "longer than 64 characters once spaces and hyphens are removed");
	/* 64 characters spread over more bytes of separators are fine. */
	for (int i = 0; i < 64; i++) {
		spaced[2 * i] = 'a';
		spaced[2 * i + 1] = i % 2 ? ' ' : '-';
	}
	spaced[128] = '\0';
	ecl_assert_ok(ecl__meter_id_normalise(out, sizeof(out), spaced));
	assert_int_equal(strlen(out), 64);

	/* A smaller buffer lowers the limit to what it can hold. */
	ecl_assert_ok(ecl__meter_id_normalise(small, sizeof(small), "ab-cd-efg"));
	assert_string_equal(small, "ABCDEFG");
	ecl_assert_fails(ECL_EINVALID, ecl__meter_id_normalise(small, sizeof(small), "ab-cd-efgh"));
	ecl_assert_error_contains("longer than 7 characters");
	assert_string_equal(small, "");
	ecl_assert_fails(ECL_EINVALID, ecl__meter_id_normalise(small, 0, "a"));
	ecl_assert_fails(ECL_EINVALID, ecl__meter_id_normalise(out, sizeof(out), NULL));
}

/* The check digit computed independently of the library. */
static char check_digit(const char *twelve)
{
	static const int primes[12] = { 3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43 };
	int sum = 0;

	for (int i = 0; i < 12; i++)
		sum += (twelve[i] - '0') * primes[i];
	return (char)('0' + sum % 11 % 10);
}

static void test_mpan_check(void **state)
{
	char core[14], full[22];

	(void)state;
	/* Worked example: 120001234567 gives 1·3 + 2·5 + 1·19 + 2·23 + 3·29 + 4·31
	 * + 5·37 + 6·41 + 7·43 = 1021; 1021 mod 11 = 9; 9 mod 10 = 9. */
	assert_int_equal(ecl__mpan_check("1200012345679"), 1);
	assert_int_equal(ecl__mpan_check("1200012345678"), 0);
	assert_int_equal(ecl__mpan_check("1012345678903"), 1);
	assert_int_equal(ecl__mpan_check("2000012345672"), 1);
	/* Every last digit but the right one fails, for a spread of cores. */
	for (unsigned seed = 1; seed < 2000; seed++) {
		unsigned x = seed * 2654435761u;
		char right;

		for (int i = 0; i < 12; i++) {
			core[i] = (char)('0' + (x >> (i * 2 % 29)) % 10);
			x = x * 1103515245u + 12345u;
		}
		right = check_digit(core);
		core[13] = '\0';
		for (char last = '0'; last <= '9'; last++) {
			core[12] = last;
			assert_int_equal(ecl__mpan_check(core), last == right);
		}
		core[12] = right;
		memcpy(full, "00801100", 8);
		memcpy(full + 8, core, 14);
		assert_int_equal(ecl__mpan_check(full), 1);
	}
}

static void test_mpan_full_and_not_mpan(void **state)
{
	(void)state;
	assert_int_equal(ecl__mpan_check("008011001200012345679"), 1);
	assert_int_equal(ecl__mpan_check("008011001200012345670"), 0);
	assert_int_equal(ecl__mpan_check("120001234567"), -1);      /* 12 digits */
	assert_int_equal(ecl__mpan_check("12000123456790"), -1);    /* 14 digits */
	assert_int_equal(ecl__mpan_check("0080110012000123456790"), -1); /* 22 digits */
	assert_int_equal(ecl__mpan_check("S018011001200012345679"), -1);
	assert_int_equal(ecl__mpan_check("12000123456A9"), -1);
	assert_int_equal(ecl__mpan_check("E10BG12345"), -1);
	assert_int_equal(ecl__mpan_check("1234567890"), -1);        /* an MPRN */
	assert_int_equal(ecl__mpan_check(""), -1);
	assert_int_equal(ecl__mpan_check(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_normalise_errors),
		cmocka_unit_test(test_mpan_check),
		cmocka_unit_test(test_mpan_full_and_not_mpan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
