#include "bench_common.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void cpu_model(char *out, size_t size)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(out, size, "unknown");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
			snprintf(out, size, "%s", colon + 2);
			out[strcspn(out, "\n")] = '\0';
			break;
		}
	}
	if (f != NULL)
		fclose(f);
}

void bench_print_machine(void)
{
	struct utsname u;
	char model[256];

	cpu_model(model, sizeof(model));
	if (uname(&u) != 0)
		memset(&u, 0, sizeof(u));
	printf("machine:  %s %s %s\n", u.sysname, u.release, u.machine);
	printf("cpus:     %ld online (nproc)\n", sysconf(_SC_NPROCESSORS_ONLN));
	printf("cpu:      %s\n", model);
	printf("sqlite:   %s (library, compiled against %s)\n", sqlite3_libversion(), SQLITE_VERSION);
	fflush(stdout);
}

void bench_remove_db(const char *dir, const char *name)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char path[PATH_MAX + 16];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffixes[i]);
		unlink(path);
	}
}

/* ---- writing generated input files ----------------------------------------- */

void ob_flush(out_buf *o)
{
	if (o->len > 0 && fwrite(o->buf, 1, o->len, o->f) != o->len) {
		fprintf(stderr, "bench: writing the input files: %s\n", strerror(errno));
		exit(1);
	}
	o->len = 0;
}

void ob_put(out_buf *o, const char *s, size_t n)
{
	if (o->len + n > sizeof(o->buf))
		ob_flush(o);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

void ob_char(out_buf *o, char c)
{
	ob_put(o, &c, 1);
}

void ob_uint(out_buf *o, uint64_t v)
{
	char tmp[24];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	ob_put(o, tmp + n, sizeof(tmp) - n);
}

/* v thousandths as "I.DDD" */
void ob_milli(out_buf *o, unsigned v)
{
	char tmp[4] = { '.', (char)('0' + v / 100 % 10), (char)('0' + v / 10 % 10), (char)('0' + v % 10) };

	ob_uint(o, v / 1000);
	ob_put(o, tmp, 4);
}

/* A 13-digit MPAN core with a correct check digit. */
void make_mpan(char out[14], int meter)
{
	static const int weights[12] = { 3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43 };
	uint64_t core = 120000000000ULL + (uint64_t)meter * 7919u;
	int sum = 0, i;

	for (i = 11; i >= 0; i--) {
		out[i] = (char)('0' + core % 10);
		core /= 10;
	}
	for (i = 0; i < 12; i++)
		sum += (out[i] - '0') * weights[i];
	out[12] = (char)('0' + sum % 11 % 10);
	out[13] = '\0';
}

static double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In the child: say ready, wait for the parent's go (its end of `go`
 * closing), run, exit. */
static void run_child(int ready[2], int go[2], int index, void (*child)(int, void *), void *arg)
{
	char byte;

	close(ready[0]);
	close(go[1]);
	if (write(ready[1], "r", 1) != 1)
		_exit(2);
	while (read(go[0], &byte, 1) < 0 && errno == EINTR)
		;
	child(index, arg);
	_exit(0);
}

double bench_run_together(int n, void (*child)(int index, void *arg), void *arg, const char *who)
{
	int ready[2], go[2], i, failed = 0;
	pid_t pids[BENCH_MAX_PROCESSES];
	double start;
	char byte;

	if (n < 1 || n > BENCH_MAX_PROCESSES || pipe(ready) != 0 || pipe(go) != 0) {
		fprintf(stderr, "%s: cannot start %d processes\n", who, n);
		exit(1);
	}
	fflush(NULL);
	for (i = 0; i < n; i++) {
		if ((pids[i] = fork()) < 0) {
			fprintf(stderr, "%s: fork: %s\n", who, strerror(errno));
			exit(1);
		}
		if (pids[i] == 0)
			run_child(ready, go, i, child, arg);
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < n; i++)
		if (read(ready[0], &byte, 1) != 1) {
			fprintf(stderr, "%s: a worker died before starting\n", who);
			exit(1);
		}
	start = monotonic_seconds();
	close(go[1]);  /* all start now */
	for (i = 0; i < n; i++) {
		int status = 0;

		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	}
	close(ready[0]);
	if (failed) {
		fprintf(stderr, "%s: a worker process failed\n", who);
		exit(1);
	}
	return monotonic_seconds() - start;
}

bench_readings bench_write_readings(FILE *wide_file, FILE *long_file, int meters, int days)
{
	static out_buf wide, lng;
	const int64_t day0 = INT64_C(1761955200);  /* 2025-11-01T00:00:00Z */
	uint64_t x = 0x2545F4914F6CDD1DULL;
	bench_readings r = { 0, 0, 0 };
	int m, d, p;

	wide.f = wide_file;
	lng.f = long_file;
	wide.len = lng.len = 0;
	ob_put(&wide, "MPAN,Date", 9);
	for (p = 1; p <= 48; p++) {
		char col[8];
		ob_put(&wide, col, (size_t)snprintf(col, sizeof(col), ",HH%02d", p));
	}
	ob_char(&wide, '\n');
	for (m = 0; m < meters; m++) {
		char mpan[14];

		make_mpan(mpan, m);
		for (d = 0; d < days; d++) {
			char date[32];
			int64_t ts = day0 + (int64_t)d * 86400;

			snprintf(date, sizeof(date), "2025-11-%02d", d + 1);
			ob_put(&wide, mpan, 13);
			ob_char(&wide, ',');
			ob_put(&wide, date, 10);
			for (p = 0; p < 48; p++, ts += 1800) {
				unsigned v;

				x = x * 6364136223846793005ULL + 1442695040888963407ULL;
				v = (unsigned)((x >> 33) % 3000);
				ob_char(&wide, ',');
				ob_milli(&wide, v);

				ob_put(&lng, mpan, 13);
				ob_char(&lng, ',');
				ob_uint(&lng, (uint64_t)ts);
				ob_char(&lng, ',');
				ob_milli(&lng, v);
				ob_char(&lng, '\n');

				r.readings++;
				r.sum_milli += v;
				r.sum_ts += ts;
			}
			ob_char(&wide, '\n');
		}
	}
	ob_flush(&wide);
	ob_flush(&lng);
	return r;
}
