#include "ecl_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/sys/errors.h"

static void test_strerror_every_code(void **state)
{
	static const struct { int code; const char *text; } codes[] = {
		{ ECL_OK, "success" },
		{ ECL_ERROR, "error" },
		{ ECL_EINVALID, "invalid argument or input" },
		{ ECL_ENOMEM, "out of memory" },
		{ ECL_ENOTFOUND, "not found" },
		{ ECL_EEXISTS, "already exists" },
		{ ECL_ESTATE, "not allowed in the current state" },
		{ ECL_ENOTSUPPORTED, "not supported" },
		{ ECL_EIO, "input/output error" },
		{ ECL_EBUSY, "database busy" },
		{ ECL_ESCHEMA, "schema missing, outdated or drifted" },
		{ ECL_EDB, "database error" },
		{ ECL_ECANCELLED, "cancelled" },
		{ ECL_EPARSE, "parse error" },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = ecl_strerror(codes[i].code);
		assert_non_null(s);
		assert_string_equal(s, codes[i].text);
		assert_string_not_equal(s, "unknown error");
		/* Every code has its own description. */
		for (j = 0; j < i; j++)
			assert_string_not_equal(s, ecl_strerror(codes[j].code));
	}
}

static void test_strerror_unknown(void **state)
{
	(void)state;
	assert_string_equal(ecl_strerror(-14), "unknown error");
	assert_string_equal(ecl_strerror(-9999), "unknown error");
	assert_string_equal(ecl_strerror(1), "unknown error");
	assert_string_equal(ecl_strerror(42), "unknown error");
}

static void test_set_formats_and_returns_code(void **state)
{
	int rc;

	(void)state;
	ecl_error_clear();
	rc = ecl_error_set(ECL_ENOTFOUND, "job %s not found (%d tries)", "abc", 3);
	assert_int_equal(rc, ECL_ENOTFOUND);
	assert_string_equal(ecl_error_last(), "job abc not found (3 tries)");
	assert_int_equal(ecl_error_last_code(), ECL_ENOTFOUND);

	/* A later error replaces the earlier one. */
	rc = ecl_error_set(ECL_EIO, "disk %s", "full");
	assert_int_equal(rc, ECL_EIO);
	assert_string_equal(ecl_error_last(), "disk full");
	assert_int_equal(ecl_error_last_code(), ECL_EIO);

	/* A literal % in the argument is not interpreted. */
	rc = ecl_error_set(ECL_EINVALID, "%s", "100%d sure");
	assert_int_equal(rc, ECL_EINVALID);
	assert_string_equal(ecl_error_last(), "100%d sure");
}

static void test_clear_and_initial_state(void **state)
{
	(void)state;
	ecl_error_set(ECL_EDB, "something broke");
	assert_string_equal(ecl_error_last(), "something broke");
	ecl_error_clear();
	assert_non_null(ecl_error_last());
	assert_string_equal(ecl_error_last(), "");
	assert_int_equal(ecl_error_last_code(), ECL_OK);
	/* Clearing twice is harmless. */
	ecl_error_clear();
	assert_string_equal(ecl_error_last(), "");
}

static void test_truncates_long_message(void **state)
{
	char *big = malloc(5000);
	size_t len;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	big[0] = 'S';
	assert_int_equal(ecl_error_set(ECL_EPARSE, "%s|tail", big), ECL_EPARSE);
	len = strlen(ecl_error_last());
	/* "A message longer than 1023 bytes is truncated." */
	assert_int_equal(len, 1023);
	assert_int_equal(ecl_error_last()[0], 'S');
	assert_int_equal(ecl_error_last()[1022], 'x');
	assert_null(strstr(ecl_error_last(), "tail"));
	assert_int_equal(ecl_error_last_code(), ECL_EPARSE);

	/* Exactly 1023 bytes fit whole. */
	big[1023] = '\0';
	ecl_error_set(ECL_EIO, "%s", big);
	assert_int_equal(strlen(ecl_error_last()), 1023);
	assert_string_equal(ecl_error_last(), big);
	free(big);

	/* A short message afterwards is not polluted by the long one. */
	ecl_error_set(ECL_EIO, "short");
	assert_string_equal(ecl_error_last(), "short");
}

/*
 * Wrapping the previous error with context is the common way to use the
 * message: ecl_error_set(code, "while X: %s", ecl_error_last()). The
 * library does it itself (ecl_job_create() strips "job 0: " this way), so
 * the previous message must be read before the new one is written.
 */
static void test_set_from_last_message(void **state)
{
	(void)state;
	ecl_error_set(ECL_EIO, "disk full");
	ecl_error_set(ECL_EIO, "%s", ecl_error_last());
	assert_string_equal(ecl_error_last(), "disk full");

	/* Dropping a prefix, as ecl_job_create() does. */
	ecl_error_set(ECL_EINVALID, "job 0: file_path is required");
	ecl_error_set(ECL_EINVALID, "%s", ecl_error_last() + 7);
	assert_string_equal(ecl_error_last(), "file_path is required");

	/* Adding a prefix. */
	ecl_error_set(ECL_EIO, "disk full");
	ecl_error_set(ECL_EDB, "saving job abc: %s", ecl_error_last());
	assert_string_equal(ecl_error_last(), "saving job abc: disk full");
	assert_int_equal(ecl_error_last_code(), ECL_EDB);
}

typedef struct thread_arg {
	int code;
	const char *text;
	pthread_barrier_t *barrier;
	char seen[64];
	int seen_code;
	char seen_before[64];
} thread_arg;

static void *thread_main(void *opaque)
{
	thread_arg *arg = opaque;

	/* A new thread starts with no error, whatever the main thread has. */
	snprintf(arg->seen_before, sizeof(arg->seen_before), "%s", ecl_error_last());
	ecl_error_set(arg->code, "thread error %s", arg->text);
	/* Both threads have set their error before either reads. */
	pthread_barrier_wait(arg->barrier);
	snprintf(arg->seen, sizeof(arg->seen), "%s", ecl_error_last());
	arg->seen_code = ecl_error_last_code();
	pthread_barrier_wait(arg->barrier);
	return NULL;
}

static void test_per_thread_isolation(void **state)
{
	pthread_barrier_t barrier;
	pthread_t t1, t2;
	thread_arg a = { ECL_EIO, "one", &barrier, "", 0, "" };
	thread_arg b = { ECL_EBUSY, "two", &barrier, "", 0, "" };

	(void)state;
	ecl_error_set(ECL_ESTATE, "main thread error");
	assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
	assert_int_equal(pthread_create(&t1, NULL, thread_main, &a), 0);
	assert_int_equal(pthread_create(&t2, NULL, thread_main, &b), 0);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_barrier_destroy(&barrier);

	assert_string_equal(a.seen_before, "");
	assert_string_equal(b.seen_before, "");
	assert_string_equal(a.seen, "thread error one");
	assert_int_equal(a.seen_code, ECL_EIO);
	assert_string_equal(b.seen, "thread error two");
	assert_int_equal(b.seen_code, ECL_EBUSY);
	/* The main thread's error is untouched. */
	assert_string_equal(ecl_error_last(), "main thread error");
	assert_int_equal(ecl_error_last_code(), ECL_ESTATE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_every_code),
		cmocka_unit_test(test_strerror_unknown),
		cmocka_unit_test(test_set_formats_and_returns_code),
		cmocka_unit_test(test_clear_and_initial_state),
		cmocka_unit_test(test_truncates_long_message),
		cmocka_unit_test(test_set_from_last_message),
		cmocka_unit_test(test_per_thread_isolation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
