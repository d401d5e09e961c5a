#include "ecl_test.h"

#include <stdlib.h>
#include <string.h>

#include "util/uuid_internal.h"

/* Check the canonical v4 form independently of ecl_uuid_is_valid(). */
static void assert_canonical_v4(const char *id)
{
	size_t i;

	assert_int_equal(strlen(id), 36);
	for (i = 0; i < 36; i++) {
		char c = id[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			assert_int_equal(c, '-');
		} else {
			assert_true((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
		}
	}
	assert_int_equal(id[14], '4');
	assert_non_null(strchr("89ab", id[19]));
	assert_true(ecl_uuid_is_valid(id));
}

static void test_format(void **state)
{
	char id[ECL_BATCH_ID_SIZE];
	int i;

	(void)state;
	for (i = 0; i < 200; i++) {
		memset(id, 'Z', sizeof(id));
		ecl_assert_ok(ecl_uuid_v4(id));
		assert_int_equal(id[36], '\0');
		assert_canonical_v4(id);
	}
}

static int cmp_ids(const void *a, const void *b)
{
	return memcmp(a, b, ECL_BATCH_ID_SIZE);
}

static void test_distinct_10000(void **state)
{
	enum { N = 10000 };
	char *ids = malloc((size_t)N * ECL_BATCH_ID_SIZE);
	size_t i;

	(void)state;
	assert_non_null(ids);
	for (i = 0; i < N; i++)
		ecl_assert_ok(ecl_uuid_v4(ids + i * ECL_BATCH_ID_SIZE));
	qsort(ids, N, ECL_BATCH_ID_SIZE, cmp_ids);
	for (i = 1; i < N; i++)
		assert_int_not_equal(cmp_ids(ids + (i - 1) * ECL_BATCH_ID_SIZE, ids + i * ECL_BATCH_ID_SIZE), 0);
	free(ids);
}

static void test_many_stride(void **state)
{
	enum { N = 1000 };
	char *ids = malloc((size_t)N * ECL_BATCH_ID_SIZE + 1);
	size_t i;

	(void)state;
	assert_non_null(ids);
	memset(ids, 'Z', (size_t)N * ECL_BATCH_ID_SIZE + 1);
	ecl_assert_ok(ecl__uuid_v4_many(ids, N));
	for (i = 0; i < N; i++) {
		const char *id = ids + i * ECL_BATCH_ID_SIZE;
		assert_int_equal(id[36], '\0');
		assert_canonical_v4(id);
	}
	/* Nothing written past the last id. */
	assert_int_equal(ids[(size_t)N * ECL_BATCH_ID_SIZE], 'Z');
	qsort(ids, N, ECL_BATCH_ID_SIZE, cmp_ids);
	for (i = 1; i < N; i++)
		assert_int_not_equal(cmp_ids(ids + (i - 1) * ECL_BATCH_ID_SIZE, ids + i * ECL_BATCH_ID_SIZE), 0);
	/* Zero ids is a no-op that succeeds. */
	ecl_assert_ok(ecl__uuid_v4_many(ids, 0));
	free(ids);
}

static void test_is_valid(void **state)
{
	(void)state;
	/* Good: lower, upper, mixed case, every variant nibble. */
	assert_true(ecl_uuid_is_valid("123e4567-e89b-42d3-a456-426614174000"));
	assert_true(ecl_uuid_is_valid("123E4567-E89B-42D3-A456-426614174000"));
	assert_true(ecl_uuid_is_valid("123e4567-E89b-42d3-B456-426614174000"));
	assert_true(ecl_uuid_is_valid("00000000-0000-4000-8000-000000000000"));
	assert_true(ecl_uuid_is_valid("ffffffff-ffff-4fff-9fff-ffffffffffff"));
	assert_true(ecl_uuid_is_valid("ffffffff-ffff-4fff-afff-ffffffffffff"));
	assert_true(ecl_uuid_is_valid("ffffffff-ffff-4fff-bfff-ffffffffffff"));

	/* Bad. */
	assert_false(ecl_uuid_is_valid(NULL));
	assert_false(ecl_uuid_is_valid(""));
	assert_false(ecl_uuid_is_valid("123e4567-e89b-42d3-a456-42661417400"));   /* too short */
	assert_false(ecl_uuid_is_valid("123e4567"));                              /* much too short */
	assert_false(ecl_uuid_is_valid("123e4567-e89b-42d3-a456-4266141740000")); /* too long */
	assert_false(ecl_uuid_is_valid("123e4567-e89b-42d3-a456-426614174000 "));
	assert_false(ecl_uuid_is_valid("123e4567-e89b-12d3-a456-426614174000"));  /* version 1 */
	assert_false(ecl_uuid_is_valid("123e4567-e89b-52d3-a456-426614174000"));  /* version 5 */
	assert_false(ecl_uuid_is_valid("123e4567-e89b-42d3-c456-426614174000"));  /* variant c */
	assert_false(ecl_uuid_is_valid("123e4567-e89b-42d3-7456-426614174000"));  /* variant 7 */
	assert_false(ecl_uuid_is_valid("123e4567xe89b-42d3-a456-426614174000"));  /* no hyphen */
	assert_false(ecl_uuid_is_valid("123e4567-e89b-42d3-a456_426614174000"));
	assert_false(ecl_uuid_is_valid("123e4567e89b42d3a456426614174000"));      /* no hyphens */
	assert_false(ecl_uuid_is_valid("123g4567-e89b-42d3-a456-426614174000"));  /* not hex */
	assert_false(ecl_uuid_is_valid("{123e4567-e89b-42d3-a456-426614174000}"));
	assert_false(ecl_uuid_is_valid("-23e4567-e89b-42d3-a456-426614174000"));
}

static void test_null_buffer(void **state)
{
	(void)state;
	ecl_error_clear();
	ecl_assert_fails(ECL_EINVALID, ecl_uuid_v4(NULL));
	assert_int_equal(ecl_error_last_code(), ECL_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_distinct_10000),
		cmocka_unit_test(test_many_stride),
		cmocka_unit_test(test_is_valid),
		cmocka_unit_test(test_null_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
