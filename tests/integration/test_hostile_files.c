/*
 * Hostile input: nasty files, generated at test time (nothing big is
 * committed), each enqueued as a job and run by a worker in a forked child.
 * Each must end in a clear outcome - a permanent job failure whose message
 * names the problem, or a completed job whose rows failed with messages -
 * with the child alive and its peak RSS under RSS_LIMIT_KIB.
 *
 * In an AddressSanitizer build the RSS bound is not checked: shadow
 * memory would be measured, not the library's. The outcomes still are.
 */
#include "ecl_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define HOSTILE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOSTILE_SANITIZED 1
#endif
#endif

#define RSS_LIMIT_KIB (64 * 1024)
#define MIB (1024L * 1024L)

/* ---- generators: each streams its file through a small buffer, so the
 * parent stays small (a forked child starts from the parent's RSS) ---------- */

typedef struct sink {
	FILE *plain;
	z_stream z;
	FILE *gz_out;
	int gzip;
} sink;

static unsigned char zbuf[1 << 16];

static int sink_open(sink *s, const char *path, int gzip)
{
	memset(s, 0, sizeof(*s));
	s->gzip = gzip;
	if (!gzip)
		return (s->plain = fopen(path, "wb")) != NULL ? 0 : -1;
	if ((s->gz_out = fopen(path, "wb")) == NULL)
		return -1;
	/* windowBits 15 + 16: a gzip header and trailer. */
	return deflateInit2(&s->z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK ? 0 : -1;
}

static void sink_deflate(sink *s, int flush)
{
	do {
		s->z.next_out = zbuf;
		s->z.avail_out = sizeof(zbuf);
		assert_true(deflate(&s->z, flush) != Z_STREAM_ERROR);
		fwrite(zbuf, 1, sizeof(zbuf) - s->z.avail_out, s->gz_out);
	} while (s->z.avail_out == 0);
}

static void sink_write(sink *s, const void *data, size_t len)
{
	if (!s->gzip) {
		assert_int_equal(fwrite(data, 1, len, s->plain), len);
		return;
	}
	s->z.next_in = (unsigned char *)data;
	s->z.avail_in = (uInt)len;
	sink_deflate(s, Z_NO_FLUSH);
}

static void sink_puts(sink *s, const char *text)
{
	sink_write(s, text, strlen(text));
}

/* `total` bytes of `c`, in blocks. */
static void sink_repeat(sink *s, int c, long total)
{
	static char block[1 << 16];
	long done;

	memset(block, c, sizeof(block));
	for (done = 0; done < total; done += (long)sizeof(block))
		sink_write(s, block, total - done < (long)sizeof(block) ? (size_t)(total - done) : sizeof(block));
}

static void sink_close(sink *s)
{
	if (!s->gzip) {
		assert_int_equal(fclose(s->plain), 0);
		return;
	}
	s->z.next_in = NULL;
	s->z.avail_in = 0;
	sink_deflate(s, Z_FINISH);
	deflateEnd(&s->z);
	assert_int_equal(fclose(s->gz_out), 0);
}

static long file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	long size;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	return size;
}

typedef void (*generator)(sink *s);

static void gen_junk(sink *s)  /* 1 MiB of pseudo-random bytes */
{
	unsigned char block[4096];
	unsigned seed = 12345;
	int i, j;

	for (i = 0; i < 256; i++) {
		for (j = 0; j < (int)sizeof(block); j++) {
			seed = seed * 1103515245u + 12345u;
			block[j] = (unsigned char)(seed >> 16);
		}
		sink_write(s, block, sizeof(block));
	}
}

static void gen_junk_no_nul(sink *s)  /* the same without NUL, CR, LF or gzip magic */
{
	unsigned char block[4096];
	unsigned seed = 54321;
	int i, j;

	for (i = 0; i < 256; i++) {
		for (j = 0; j < (int)sizeof(block); j++) {
			seed = seed * 1103515245u + 12345u;
			block[j] = (unsigned char)(seed >> 16);
			if (block[j] == 0 || block[j] == '\n' || block[j] == '\r' || block[j] == 0x1f)
				block[j] = 0x80;
		}
		sink_write(s, block, sizeof(block));
	}
}

static void gen_long_line(sink *s)  /* a header, then one 100 MB line */
{
	sink_puts(s, "MPAN,Date,HH01\n");
	sink_repeat(s, '7', 100L * 1000 * 1000);
	sink_puts(s, "\n");
}

static void gen_big_field(sink *s)  /* a quoted 10 MB field */
{
	sink_puts(s, "MPAN,Date,HH01\n1200012345678,2025-11-07,1.5\n1200012345678,\"");
	sink_repeat(s, 'x', 10L * 1000 * 1000);
	sink_puts(s, "\",1.5\n");
}

static void gen_invalid_utf8(sink *s)  /* Latin-1 and broken sequences in every column */
{
	sink_puts(s, "MPAN\xff,Date\xe9,HH01\n"
		"1200012345678,2025-11-07,1.5\n"
		"12000\xc3\x28" "12345678,2025-11-08,1.5\n"
		"1200012345678,07/11/2025\xa0,1.5\n"
		"1200012345678,2025-11-09,1\xe2\x82" "5\n"
		"\xed\xa0\x80,2025-11-10,1\n"
		"\xf8\x88\x80\x80\x80,2025-11-11,1\n");
}

static void gen_nul(sink *s)
{
	static const char text[] = "MPAN,Date,HH01\n1200012345678,2025-11-07,1.5\n1200012345678,2025-11-08,1\0" "5\n";

	sink_write(s, text, sizeof(text) - 1);
}

static void gen_columns(sink *s)  /* 100,000 columns */
{
	char cell[32];
	int i;

	sink_puts(s, "MPAN,Date");
	for (i = 1; i <= 100000; i++) {
		snprintf(cell, sizeof(cell), ",HH%d", i);
		sink_puts(s, cell);
	}
	sink_puts(s, "\n1200012345678,2025-11-07");
	for (i = 1; i <= 100000; i++)
		sink_puts(s, ",1");
	sink_puts(s, "\n");
}

static void gen_wide_rows(sink *s)  /* a valid file, cut short afterwards */
{
	char line[512];
	int m, d, p;
	size_t used;

	sink_puts(s, "MPAN,Date");
	for (p = 1; p <= 48; p++) {
		snprintf(line, sizeof(line), ",HH%02d", p);
		sink_puts(s, line);
	}
	sink_puts(s, "\n");
	for (m = 0; m < 200; m++) {
		for (d = 1; d <= 30; d++) {
			used = (size_t)snprintf(line, sizeof(line), "%013d,2025-11-%02d", 1000000 + m, d);
			for (p = 0; p < 48; p++)
				used += (size_t)snprintf(line + used, sizeof(line) - used, ",%d.%03d", p % 3, (m * 7 + d * 13 + p) % 1000);
			snprintf(line + used, sizeof(line) - used, "\n");
			sink_puts(s, line);
		}
	}
}

static void gen_zeros(sink *s)  /* 1 GiB of NUL bytes */
{
	sink_repeat(s, 0, 1024 * MIB);
}

static void gen_newlines(sink *s)  /* 256 MiB of blank lines: all of it is read, twice */
{
	sink_repeat(s, '\n', 256 * MIB);
}

/* ---- running one job in a child ------------------------------------------ */

typedef struct outcome {
	long rss_kib;
	long claimed, completed, failed, requeued;
	double seconds;
} outcome;

typedef struct hostile_case {
	const char *name;
	const char *file;
	generator gen;
	int gzip;
	long truncate_to;          /* cut the file to this many bytes (0 = keep) */
	int slow;                  /* skipped in a sanitizer build (a full GiB through the tokenizer) */
	ecl_job_status status;     /* expected */
	const char *message;       /* expected in error_message, or in the summary's errors */
	long failed_rows;          /* expected failed rows of a completed job (-1 = any) */
} hostile_case;

static void run_worker_child(const char *uri, int fd)
{
	ecl_store *store = NULL;
	ecl_worker *worker = NULL;
	ecl_worker_options wopts;
	ecl_worker_report report;
	struct rusage usage;
	struct timespec t0, t1;
	outcome out;

#ifndef HOSTILE_SANITIZED
	/* An unbounded allocation fails here instead of swapping the machine. */
	struct rlimit as = { 1024 * MIB, 1024 * MIB };
	setrlimit(RLIMIT_AS, &as);
#endif
	memset(&out, 0, sizeof(out));
	memset(&report, 0, sizeof(report));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ecl_worker_options_init(&wopts, ECL_WORKER_OPTIONS_VERSION);
	wopts.worker_id = "hostile";
	if (ecl_store_open(&store, uri, NULL) != 0 || ecl_worker_new(&worker, store, &wopts) != 0
	    || ecl_worker_process(worker, 1, &report) != 0) {
		fprintf(stderr, "worker failed: %s\n", ecl_error_last());
		_exit(3);
	}
	ecl_worker_free(worker);
	ecl_store_free(store);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_SELF, &usage);
	out.rss_kib = usage.ru_maxrss;
	out.claimed = (long)report.claimed;
	out.completed = (long)report.completed;
	out.failed = (long)report.failed;
	out.requeued = (long)report.requeued;
	out.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (write(fd, &out, sizeof(out)) != (ssize_t)sizeof(out))
		_exit(2);
	_exit(0);
}

static void run_case(const hostile_case *c)
{
	char *dir = ecl_test_tmpdir("hostile");
	char *path = NULL, *uri = NULL;
	ecl_store *store = NULL;
	ecl_job_options jopts = ECL_JOB_OPTIONS_INIT;
	char batch_id[ECL_BATCH_ID_SIZE];
	ecl_job *job = NULL;
	outcome out;
	int fds[2], status = 0;
	pid_t pid;
	sink s;
	const char *where;

#ifdef HOSTILE_SANITIZED
	if (c->slow) {
		print_message("%-22s skipped in a sanitizer build\n", c->name);
		ecl_test_rmtree(dir);
		free(dir);
		return;
	}
#endif
	assert_true(asprintf(&path, "%s/%s", dir, c->file) > 0);
	assert_true(asprintf(&uri, "sqlite://%s/h.db", dir) > 0);
	assert_int_equal(sink_open(&s, path, c->gzip), 0);
	c->gen(&s);
	sink_close(&s);
	if (c->truncate_to > 0)
		assert_int_equal(truncate(path, c->truncate_to), 0);

	ecl_assert_ok(ecl_store_open(&store, uri, NULL));
	ecl_assert_ok(ecl_store_migrate(store));
	jopts.file_path = path;
	jopts.max_retries = 1;  /* a transient failure shows up as "queued" again */
	ecl_assert_ok(ecl_job_create(batch_id, store, &jopts));
	ecl_store_free(store);
	store = NULL;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		run_worker_child(uri, fds[1]);
	}
	close(fds[1]);
	memset(&out, 0, sizeof(out));
	assert_int_equal(read(fds[0], &out, sizeof(out)), (ssize_t)sizeof(out));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	ecl_assert_ok(ecl_store_open(&store, uri, NULL));
	ecl_assert_ok(ecl_job_get(&job, store, batch_id));
	where = job->status == ECL_JOB_FAILED ? job->error_message : job->summary;
	print_message("%-22s %9ld bytes  %-9s %5.1f s  peak RSS %6ld KiB  %s%s\n", c->name,
		file_size(path), ecl_job_status_name(job->status), out.seconds, out.rss_kib,
		job->status == ECL_JOB_FAILED ? "error: " : "", job->status == ECL_JOB_FAILED
		? job->error_message : "");
	if (job->status == ECL_JOB_COMPLETED)
		print_message("%-22s rows %lld processed, %lld failed; summary %.300s\n", "",
			(long long)job->processed_rows, (long long)job->failed_rows, job->summary);
	assert_int_equal(out.claimed, 1);
	assert_int_equal(job->status, c->status);
	assert_non_null(where);
	if (strstr(where, c->message) == NULL)
		print_error("\"%s\" lacks \"%s\"\n", where, c->message);
	assert_non_null(strstr(where, c->message));
	if (c->status == ECL_JOB_FAILED) {
		assert_int_equal(out.failed, 1);
		assert_non_null(job->error_class);
		assert_string_equal(job->error_class, "permanent");
	} else if (c->failed_rows >= 0) {
		assert_int_equal(job->failed_rows, c->failed_rows);
	}
#ifndef HOSTILE_SANITIZED
	assert_true(out.rss_kib > 0 && out.rss_kib <= RSS_LIMIT_KIB);
#endif
	ecl_job_free(job);
	ecl_store_free(store);
	ecl_test_rmtree(dir);
	free(dir);
	free(path);
	free(uri);
}

static const hostile_case cases[] = {
	{ "binary junk", "junk.csv", gen_junk, 0, 0, 0, ECL_JOB_FAILED, "Headers detected: ", -1 },
	{ "binary junk, no NUL", "junk2.csv", gen_junk_no_nul, 0, 0, 0, ECL_JOB_FAILED, "line 1", -1 },
	{ "100 MB single line", "line.csv", gen_long_line, 0, 0, 0, ECL_JOB_FAILED, "line 2", -1 },
	{ "10 MB field", "field.csv", gen_big_field, 0, 0, 0, ECL_JOB_FAILED, "line 3", -1 },
	{ "invalid UTF-8", "latin1.csv", gen_invalid_utf8, 0, 0, 0, ECL_JOB_COMPLETED, "\xef\xbf\xbd", 5 },
	{ "NUL byte", "nul.csv", gen_nul, 0, 0, 0, ECL_JOB_FAILED, "NUL byte", -1 },
	{ "truncated .gz", "cut.csv.gz", gen_wide_rows, 1, 60000, 0, ECL_JOB_FAILED, "gzip", -1 },
	{ "gzip bomb (zeros)", "zeros.csv.gz", gen_zeros, 1, 0, 0, ECL_JOB_FAILED, "NUL byte", -1 },
	{ "gzip bomb (newlines)", "blank.csv.gz", gen_newlines, 1, 0, 1, ECL_JOB_FAILED, "header", -1 },
	{ "100,000 columns", "columns.csv", gen_columns, 0, 0, 0, ECL_JOB_FAILED, "fields", -1 },
};

static void hostile_file(void **state)
{
	run_case(*state);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0])];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].name;
		tests[i].test_func = hostile_file;
		tests[i].initial_state = (void *)&cases[i];
	}
	return _cmocka_run_group_tests("hostile_files", tests, sizeof(tests) / sizeof(tests[0]), NULL, NULL);
}
