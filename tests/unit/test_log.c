#include "ecl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log_internal.h"

#define MAX_CAPTURED 16

/* A sink that keeps every message it is given. */
typedef struct capture {
	int count;
	ecl_log_level levels[MAX_CAPTURED];
	char messages[MAX_CAPTURED][256];
	size_t lengths[MAX_CAPTURED];
} capture;

static void capture_log(ecl_log_level level, const char *message, void *payload)
{
	capture *c = payload;

	if (c->count < MAX_CAPTURED) {
		c->levels[c->count] = level;
		c->lengths[c->count] = strlen(message);
		snprintf(c->messages[c->count], sizeof(c->messages[0]), "%s", message);
	}
	c->count++;
}

static int find_message(const capture *c, const char *needle)
{
	int i;

	for (i = 0; i < c->count && i < MAX_CAPTURED; i++) {
		if (strstr(c->messages[i], needle) != NULL)
			return i;
	}
	return -1;
}

static void test_level_names(void **state)
{
	(void)state;
	assert_string_equal(ecl_log_level_name(ECL_LOG_DEBUG), "debug");
	assert_string_equal(ecl_log_level_name(ECL_LOG_INFO), "info");
	assert_string_equal(ecl_log_level_name(ECL_LOG_WARN), "warn");
	assert_string_equal(ecl_log_level_name(ECL_LOG_ERROR), "error");
	assert_string_equal(ecl_log_level_name(ECL_LOG_NONE), "none");
	/* Out of range: never a crash, never a real level's name. */
	{
		const char *n = ecl_log_level_name((ecl_log_level)99);
		if (n != NULL) {
			assert_string_not_equal(n, "none");
			assert_string_not_equal(n, "debug");
		}
		n = ecl_log_level_name((ecl_log_level)-1);
		if (n != NULL)
			assert_string_not_equal(n, "debug");
	}
}

static void test_level_parse(void **state)
{
	static const struct { const char *text; ecl_log_level level; } good[] = {
		{ "debug", ECL_LOG_DEBUG }, { "DEBUG", ECL_LOG_DEBUG }, { "Debug", ECL_LOG_DEBUG },
		{ "info", ECL_LOG_INFO }, { "INFO", ECL_LOG_INFO },
		{ "warn", ECL_LOG_WARN }, { "WaRn", ECL_LOG_WARN },
		{ "warning", ECL_LOG_WARN }, { "WARNING", ECL_LOG_WARN },
		{ "error", ECL_LOG_ERROR }, { "Error", ECL_LOG_ERROR },
		{ "none", ECL_LOG_NONE }, { "NONE", ECL_LOG_NONE },
	};
	ecl_log_level level;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		level = (ecl_log_level)-7;
		ecl_assert_ok(ecl_log_level_parse(&level, good[i].text));
		assert_int_equal(level, good[i].level);
	}
	/* Every name round-trips. */
	for (i = ECL_LOG_DEBUG; i <= ECL_LOG_NONE; i++) {
		ecl_assert_ok(ecl_log_level_parse(&level, ecl_log_level_name((ecl_log_level)i)));
		assert_int_equal(level, i);
	}

	level = ECL_LOG_INFO;
	ecl_assert_fails(ECL_EINVALID, ecl_log_level_parse(&level, "verbose"));
	ecl_assert_error_contains("verbose");
	assert_int_equal(level, ECL_LOG_INFO);
	ecl_assert_fails(ECL_EINVALID, ecl_log_level_parse(&level, ""));
	ecl_assert_fails(ECL_EINVALID, ecl_log_level_parse(&level, "warn "));
	ecl_assert_error_contains("warn ");
	ecl_assert_fails(ECL_EINVALID, ecl_log_level_parse(&level, "deb"));
	ecl_assert_error_contains("deb");
	ecl_assert_fails(ECL_EINVALID, ecl_log_level_parse(&level, "errors"));
	ecl_assert_fails(ECL_EINVALID, ecl_log_level_parse(&level, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_log_level_parse(NULL, "debug"));
}

static void test_filtering_by_level(void **state)
{
	capture c;
	ecl_logger logger;

	(void)state;
	memset(&c, 0, sizeof(c));
	logger.sink = capture_log;
	logger.payload = &c;
	logger.level = ECL_LOG_WARN;

	ecl__log(&logger, ECL_LOG_DEBUG, "debug %d", 1);
	ecl__log(&logger, ECL_LOG_INFO, "info %d", 2);
	assert_int_equal(c.count, 0);
	ecl__log(&logger, ECL_LOG_WARN, "warn %s %d", "x", 3);
	ecl__log(&logger, ECL_LOG_ERROR, "error %d", 4);
	assert_int_equal(c.count, 2);
	assert_int_equal(c.levels[0], ECL_LOG_WARN);
	assert_string_equal(c.messages[0], "warn x 3");
	assert_int_equal(c.levels[1], ECL_LOG_ERROR);
	assert_string_equal(c.messages[1], "error 4");

	/* DEBUG as the minimum delivers everything, in order. */
	memset(&c, 0, sizeof(c));
	logger.level = ECL_LOG_DEBUG;
	ecl__log(&logger, ECL_LOG_DEBUG, "a");
	ecl__log(&logger, ECL_LOG_INFO, "b");
	ecl__log(&logger, ECL_LOG_WARN, "c");
	ecl__log(&logger, ECL_LOG_ERROR, "d");
	assert_int_equal(c.count, 4);
	assert_string_equal(c.messages[0], "a");
	assert_int_equal(c.levels[0], ECL_LOG_DEBUG);
	assert_string_equal(c.messages[1], "b");
	assert_int_equal(c.levels[1], ECL_LOG_INFO);
	assert_string_equal(c.messages[3], "d");
	assert_int_equal(c.levels[3], ECL_LOG_ERROR);

	/* ERROR as the minimum delivers only errors. */
	memset(&c, 0, sizeof(c));
	logger.level = ECL_LOG_ERROR;
	ecl__log(&logger, ECL_LOG_WARN, "w");
	ecl__log(&logger, ECL_LOG_ERROR, "e");
	assert_int_equal(c.count, 1);
	assert_string_equal(c.messages[0], "e");
}

static void test_none_delivers_nothing(void **state)
{
	capture c;
	ecl_logger logger;

	(void)state;
	memset(&c, 0, sizeof(c));
	logger.sink = capture_log;
	logger.payload = &c;
	logger.level = ECL_LOG_NONE;
	ecl__log(&logger, ECL_LOG_DEBUG, "d");
	ecl__log(&logger, ECL_LOG_INFO, "i");
	ecl__log(&logger, ECL_LOG_WARN, "w");
	ecl__log(&logger, ECL_LOG_ERROR, "e");
	ecl__log(&logger, ECL_LOG_NONE, "n");
	assert_int_equal(c.count, 0);
	/* A NULL logger is ignored. */
	ecl__log(NULL, ECL_LOG_ERROR, "nobody listens");
}

static void test_long_message_is_bounded(void **state)
{
	capture c;
	ecl_logger logger;
	char *big = malloc(10001);

	(void)state;
	assert_non_null(big);
	memset(big, 'm', 10000);
	big[10000] = '\0';
	memset(&c, 0, sizeof(c));
	logger.sink = capture_log;
	logger.payload = &c;
	logger.level = ECL_LOG_DEBUG;
	ecl__log(&logger, ECL_LOG_INFO, "start %s", big);
	assert_int_equal(c.count, 1);
	assert_true(c.lengths[0] > 100);
	assert_true(c.lengths[0] < 10006);
	assert_int_equal(strncmp(c.messages[0], "start mmm", 9), 0);
	free(big);
}

static void test_store_debug_message_reaches_sink(void **state)
{
	ecl_store_options opts = ECL_STORE_OPTIONS_INIT;
	ecl_store *store = NULL;
	capture c;
	int i;

	(void)state;
	memset(&c, 0, sizeof(c));
	opts.log = capture_log;
	opts.log_payload = &c;
	opts.log_level = ECL_LOG_DEBUG;
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", &opts));
	i = find_message(&c, "opened sqlite store");
	if (i < 0)
		fail_msg("no \"opened sqlite store\" among %d message(s)", c.count);
	assert_int_equal(c.levels[i], ECL_LOG_DEBUG);
	ecl_store_free(store);

	/* At the default WARN level the same open delivers nothing. */
	memset(&c, 0, sizeof(c));
	opts.log_level = ECL_LOG_WARN;
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", &opts));
	assert_int_equal(c.count, 0);
	ecl_store_free(store);

	/* And at NONE nothing either, even with a migrate. */
	memset(&c, 0, sizeof(c));
	opts.log_level = ECL_LOG_NONE;
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", &opts));
	ecl_assert_ok(ecl_store_migrate(store));
	assert_int_equal(c.count, 0);
	ecl_store_free(store);
}

static void test_store_counting_sink(void **state)
{
	ecl_store_options opts = ECL_STORE_OPTIONS_INIT;
	ecl_store *store = NULL;
	int count = 0;

	(void)state;
	opts.log = ecl_test_count_log;
	opts.log_payload = &count;
	opts.log_level = ECL_LOG_DEBUG;
	ecl_assert_ok(ecl_store_open(&store, "sqlite::memory:", &opts));
	assert_true(count >= 1);
	ecl_store_free(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_names),
		cmocka_unit_test(test_level_parse),
		cmocka_unit_test(test_filtering_by_level),
		cmocka_unit_test(test_none_delivers_nothing),
		cmocka_unit_test(test_long_message_is_bounded),
		cmocka_unit_test(test_store_debug_message_reaches_sink),
		cmocka_unit_test(test_store_counting_sink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
