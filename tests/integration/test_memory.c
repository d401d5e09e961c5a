/*
 * Memory stays bounded whatever the file size: a ~100 MB wide file is
 * imported in a child process whose peak RSS must stay under 32 MiB, and
 * the readings are all there. (Speed is the benchmark's business, not this
 * test's.)
 */
#include "ecl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define METERS 10500
#define DAYS 30
#define PERIODS 48
#define RSS_LIMIT_KIB (32 * 1024)

static char *write_big_file(const char *dir, long *readings)
{
	char *path = NULL;
	FILE *out;
	unsigned seed = 12345;
	int m, d, p;

	if (asprintf(&path, "%s/big.csv", dir) < 0 || (out = fopen(path, "w")) == NULL)
		return NULL;
	fputs("MPAN,Date", out);
	for (p = 1; p <= PERIODS; p++)
		fprintf(out, ",HH%02d", p);
	fputc('\n', out);
	for (m = 0; m < METERS; m++) {
		for (d = 1; d <= DAYS; d++) {
			fprintf(out, "%013d,2025-11-%02d", 1000000 + m, d);
			for (p = 0; p < PERIODS; p++) {
				seed = seed * 1103515245u + 12345u;
				fprintf(out, ",%u.%03u", (seed >> 16) % 3, (seed >> 4) % 1000);
			}
			fputc('\n', out);
		}
	}
	fclose(out);
	*readings = (long)METERS * DAYS * PERIODS;
	return path;
}

static void hundred_megabyte_import_in_bounded_memory(void **state)
{
	char *dir = ecl_test_tmpdir("memory");
	long readings = 0;
	char *path = write_big_file(dir, &readings);
	int fds[2], status = 0;
	long result[3] = { 0, 0, 0 };
	pid_t pid;
	FILE *f;

	(void)state;
	assert_non_null(path);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	assert_true(ftell(f) > 95L * 1000 * 1000);
	fclose(f);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The child measures only itself. */
		ecl_store *store = NULL;
		ecl_ingest_report *report = NULL;
		struct rusage usage;
		char uri[4096];
		long out[3] = { -1, -1, -1 };

		snprintf(uri, sizeof(uri), "sqlite://%s/m.db", dir);
		if (ecl_store_open(&store, uri, NULL) == 0 && ecl_store_migrate(store) == 0
		    && ecl_ingest_file(&report, store, path, NULL) == 0) {
			getrusage(RUSAGE_SELF, &usage);
			out[0] = (long)report->inserted;
			out[1] = (long)report->records_failed;
			out[2] = usage.ru_maxrss;
		} else {
			fprintf(stderr, "import failed: %s\n", ecl_error_last());
		}
		ecl_ingest_report_free(report);
		ecl_store_free(store);
		if (write(fds[1], out, sizeof(out)) != (ssize_t)sizeof(out))
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], result, sizeof(result)), (ssize_t)sizeof(result));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	print_message("imported %ld readings, peak RSS %ld KiB (limit %d KiB)\n", result[0], result[2],
		RSS_LIMIT_KIB);
	assert_int_equal(result[0], readings);
	assert_int_equal(result[1], 0);
	assert_true(result[2] > 0 && result[2] <= RSS_LIMIT_KIB);
	ecl_test_rmtree(dir);
	free(dir);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hundred_megabyte_import_in_bounded_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
