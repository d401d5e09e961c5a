/*
 * libFuzzer target for the .env parser (ecl_config_load_file). Built by
 * tests/fuzz/CMakeLists.txt (-DECL_FUZZ=ON, clang).
 *
 * The input is the file. It is written to a memfd and read back through
 * /proc/self/fd/N, so no file is left behind and nothing touches the disk.
 * Besides crashes and sanitizer reports it checks that a load either
 * succeeds or fails with ECL_EPARSE and a message "PATH:LINE: ..." naming a
 * line of the file, that a failed load applies nothing, and that loading the
 * same file twice gives the same values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "eclectyc/config.h"
#include "eclectyc/errors.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "check failed: %s\n", #cond); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int env_fd = -1;
static char env_path[64];

static void write_input(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (env_fd < 0) {
		env_fd = memfd_create("fuzz_env", 0);
		CHECK(env_fd >= 0);
		snprintf(env_path, sizeof(env_path), "/proc/self/fd/%d", env_fd);
	}
	CHECK(ftruncate(env_fd, 0) == 0);
	while (done < size) {
		ssize_t n = pwrite(env_fd, data + done, size - done, (off_t)done);

		CHECK(n > 0);
		done += (size_t)n;
	}
}

static size_t count_lines(const uint8_t *data, size_t size)
{
	size_t i, lines = size > 0;

	for (i = 0; i < size; i++)
		if (data[i] == '\n' && i + 1 < size)
			lines++;
	return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const probes[] = { "ECLECTYC_DB", "MAIL_HOST", "A", "FOO", "KEY", "_" };
	ecl_config *first = NULL, *second = NULL;
	int rc, rc2;
	size_t i;

	if (size > 65536)
		return 0;
	write_input(data, size);
	CHECK(ecl_config_new(&first) == 0);
	CHECK(ecl_config_new(&second) == 0);
	rc = ecl_config_load_file(first, env_path);
	if (rc != 0) {
		const char *message = ecl_error_last();
		size_t path_len = strlen(env_path);
		char *end = NULL;
		unsigned long line;

		CHECK(rc == ECL_EPARSE);
		CHECK(strncmp(message, env_path, path_len) == 0 && message[path_len] == ':');
		line = strtoul(message + path_len + 1, &end, 10);
		CHECK(end != NULL && *end == ':');
		CHECK(line >= 1 && line <= count_lines(data, size));
		/* Nothing from a failed file is applied. */
		CHECK(strcmp(ecl_config_get(first, "ECLECTYC_DB"), "sqlite://eclectyc.db") == 0);
		CHECK(ecl_config_source_of(first, "ECLECTYC_DB") == ECL_CONFIG_DEFAULT);
	}
	/* The same file loaded twice into a fresh configuration agrees. */
	rc2 = ecl_config_load_file(second, env_path);
	CHECK(rc2 == rc);
	if (rc == 0)
		CHECK(ecl_config_load_file(second, env_path) == 0);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		const char *a = ecl_config_get(first, probes[i]);
		const char *b = ecl_config_get(second, probes[i]);

		CHECK((a == NULL) == (b == NULL));
		CHECK(a == NULL || strcmp(a, b) == 0);
		CHECK(ecl_config_source_of(first, probes[i]) == ecl_config_source_of(second, probes[i]));
		if (a != NULL && ecl_config_source_of(first, probes[i]) == ECL_CONFIG_FILE)
			CHECK(strlen(a) <= size);
	}
	ecl_config_free(first);
	ecl_config_free(second);
	return 0;
}
