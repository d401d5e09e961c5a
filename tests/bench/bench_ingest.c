/*
 * bench_ingest: ecl_ingest_file() of a wide half-hourly CSV into a fresh
 * SQLite file, against the sqlite3 CLI's `.import --csv` of the same readings
 * in long form, both measured in the same run (only the ratio means anything
 * across machines).
 *
 *   bench_ingest [--large] [DIR]
 *
 * DIR (default /tmp) receives a private bench_ingest.XXXXXX directory that is
 * removed afterwards. The bench writes, from a fixed LCG:
 *
 *   wide.csv  MPAN,Date,HH01..HH48: 1,000 meters x 30 days (2025-11-01..30,
 *             all GMT, 48 periods a day) = 1,440,000 readings, 3 decimals;
 *   long.csv  the same readings as meter,ts,value (ts = UTC period start).
 *
 * Each side runs in its own forked process, so its peak RSS is its own:
 *
 *   ours      fork; open sqlite://DIR/bench.db; ecl_store_migrate();
 *             time ecl_ingest_file(NULL options: validate, create meters,
 *             upsert in batches of 5,000); getrusage(RUSAGE_SELF).ru_maxrss;
 *   baseline  fork/exec `sqlite3 -bail DIR/baseline.db` reading
 *               PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
 *               CREATE TABLE r(meter TEXT, ts INTEGER, value REAL, UNIQUE(meter, ts));
 *               .import --csv long.csv r
 *             on stdin, timed around wait4(), peak RSS from its rusage.
 *
 * Afterwards both databases are read back (row count, sum of values, sum of
 * period starts) and compared with each other and with the generator.
 * --large adds the same for 10,000 meters x 30 days (14.4 M readings).
 *
 * The same readings are also imported from clock.csv, the layout of the
 * built-in profile "sse" (MPAN,Units,Date,00:00..23:30 with DD/MM/YY dates:
 * clock-time columns), chosen by auto-detection, against the same baseline.
 *
 * Targets: our time <= 0.67 x the baseline's (at least 1.5x faster) and our
 * peak RSS <= 32 MiB, at both sizes and in both layouts. The bench reports; it always exits 0
 * (2 for a bad argument).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "eclectyc.h"
#include "bench_common.h"

#define DEFAULT_METERS 1000
#define LARGE_METERS 10000
#define DAYS 30
#define PERIODS 48
#define TARGET_RATIO 0.67            /* our time / baseline time, at most */
#define TARGET_RSS_KIB (32 * 1024)   /* peak RSS, at most */
#define SQLITE3_CLI "sqlite3"

static char workdir[PATH_MAX];

/* ---- helpers ------------------------------------------------------------ */

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void work_path(char *out, size_t size, const char *name)
{
	if ((size_t)snprintf(out, size, "%s/%s", workdir, name) >= size) {
		fprintf(stderr, "bench_ingest: path too long\n");
		exit(2);
	}
}

static void remove_db(const char *name)
{
	bench_remove_db(workdir, name);
}

static void remove_file(const char *name)
{
	char path[PATH_MAX];

	work_path(path, sizeof(path), name);
	unlink(path);
}

static const char *verdict(int ok)
{
	return ok ? "MET" : "NOT MET";
}

/* ---- the input files ---------------------------------------------------- */

typedef struct dataset {
	int meters;
	int64_t readings;
	int64_t sum_milli;    /* sum of all values, in thousandths */
	int64_t sum_ts;       /* sum of all period starts */
	off_t wide_bytes, long_bytes;
	double gen_seconds;
} dataset;


static FILE *create_file(const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	work_path(path, sizeof(path), name);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "bench_ingest: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return f;
}

static off_t file_size(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	work_path(path, sizeof(path), name);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Write wide.csv and long.csv for `meters` meters x DAYS days
 * (bench_write_readings(): the same bytes every run, and as bench_pg). */
static dataset generate(int meters)
{
	FILE *wide = create_file("wide.csv"), *lng = create_file("long.csv");
	double start = seconds();
	bench_readings r = bench_write_readings(wide, lng, meters, DAYS);
	dataset ds;

	memset(&ds, 0, sizeof(ds));
	ds.meters = meters;
	ds.readings = r.readings;
	ds.sum_milli = r.sum_milli;
	ds.sum_ts = r.sum_ts;
	if (fclose(wide) != 0 || fclose(lng) != 0) {
		fprintf(stderr, "bench_ingest: closing the input files: %s\n", strerror(errno));
		exit(1);
	}
	ds.wide_bytes = file_size("wide.csv");
	ds.long_bytes = file_size("long.csv");
	ds.gen_seconds = seconds() - start;
	return ds;
}

/* clock.csv: wide.csv in the layout of the built-in profile "sse", the same
 * readings (November: every day GMT, 00:00..23:30 = HH01..HH48). */
static void write_clock_variant(void)
{
	char path[PATH_MAX], line[1024];
	FILE *in, *out = create_file("clock.csv");
	int first = 1, m;

	work_path(path, sizeof(path), "wide.csv");
	if ((in = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bench_ingest: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		if (first) {
			fputs("MPAN,Units,Date", out);
			for (m = 0; m < 1440; m += 30)
				fprintf(out, ",%02d:%02d", m / 60, m % 60);
			fputc('\n', out);
			first = 0;
			continue;
		}
		/* "MPAN(13),YYYY-MM-DD,..." -> "MPAN,kWh,DD/MM/YY,..." */
		fprintf(out, "%.13s,kWh,%.2s/%.2s/%.2s%s", line, line + 22, line + 19, line + 16, line + 24);
	}
	if (ferror(in) || fclose(out) != 0) {
		fprintf(stderr, "bench_ingest: writing clock.csv failed\n");
		exit(1);
	}
	fclose(in);
}

/* ---- one measured side -------------------------------------------------- */

typedef struct side_result {
	int ok;
	char error[512];
	double elapsed;        /* seconds, CLOCK_MONOTONIC */
	long maxrss_kib;       /* peak RSS of the measuring process */
	long start_rss_kib;    /* ours: peak RSS before the import began */
	double cpu_user, cpu_sys;
	/* ours: from the report: the format, or the profile that read the file */
	char format[80];
	int64_t processed, failed, values, inserted, updated, unchanged, meters_created;
	/* read back afterwards */
	int64_t rows, sum_ts;
	double sum_value;
} side_result;

static int write_all(int fd, const void *data, size_t size)
{
	const char *p = data;

	while (size > 0) {
		ssize_t n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *data, size_t size)
{
	char *p = data;

	while (size > 0) {
		ssize_t n = read(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

/* In the child: import `input` into a fresh bench.db and report. */
static void ours_child(int fd, const char *input)
{
	ecl_store_options sopts = ECL_STORE_OPTIONS_INIT;
	ecl_ingest_report *report = NULL;
	ecl_store *store = NULL;
	side_result r;
	struct rusage ru;
	char uri[PATH_MAX + 32], wide[PATH_MAX];
	double t0;
	int rc;

	memset(&r, 0, sizeof(r));
	getrusage(RUSAGE_SELF, &ru);
	r.start_rss_kib = ru.ru_maxrss;
	snprintf(uri, sizeof(uri), "sqlite://%s/bench.db", workdir);
	work_path(wide, sizeof(wide), input);
	if ((rc = ecl_store_open(&store, uri, &sopts)) != 0 || (rc = ecl_store_migrate(store)) != 0) {
		snprintf(r.error, sizeof(r.error), "opening/migrating the store: %s (%s)",
			ecl_strerror(rc), ecl_error_last());
		goto out;
	}
	t0 = seconds();
	rc = ecl_ingest_file(&report, store, wide, NULL);
	r.elapsed = seconds() - t0;
	if (rc != 0) {
		snprintf(r.error, sizeof(r.error), "ecl_ingest_file: %s (%s)", ecl_strerror(rc), ecl_error_last());
		goto out;
	}
	snprintf(r.format, sizeof(r.format), "%s", strcmp(report->profile, "generic") == 0 ? report->format
		: report->profile);
	r.processed = report->records_processed;
	r.failed = report->records_failed;
	r.values = report->values_processed;
	r.inserted = report->inserted;
	r.updated = report->updated;
	r.unchanged = report->unchanged;
	r.meters_created = report->meters_created;
	r.ok = 1;
out:
	ecl_ingest_report_free(report);
	ecl_store_free(store);
	getrusage(RUSAGE_SELF, &ru);
	r.maxrss_kib = ru.ru_maxrss;
	r.cpu_user = tv_seconds(ru.ru_utime);
	r.cpu_sys = tv_seconds(ru.ru_stime);
	(void)write_all(fd, &r, sizeof(r));
	close(fd);
	_exit(0);
}

static side_result run_ours(const char *input)
{
	side_result r;
	pid_t pid;
	int fds[2], status = 0;

	memset(&r, 0, sizeof(r));
	remove_db("bench.db");
	if (pipe(fds) != 0) {
		snprintf(r.error, sizeof(r.error), "pipe: %s", strerror(errno));
		return r;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		snprintf(r.error, sizeof(r.error), "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return r;
	}
	if (pid == 0) {
		close(fds[0]);
		ours_child(fds[1], input);
	}
	close(fds[1]);
	if (read_all(fds[0], &r, sizeof(r)) != 0) {
		memset(&r, 0, sizeof(r));
		snprintf(r.error, sizeof(r.error), "the import process died without a result");
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return r;
}

static int have_sqlite3_cli(void)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (path == NULL)
		path = "/usr/bin:/bin";
	while (*path != '\0') {
		size_t n = strcspn(path, ":");
		if (n > 0 && (size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, SQLITE3_CLI) < sizeof(buf)
		    && access(buf, X_OK) == 0)
			return 1;
		path += n;
		if (*path == ':')
			path++;
	}
	return 0;
}

/* `sqlite3 -bail baseline.db < baseline.sql`, timed around wait4(). */
static side_result run_baseline(void)
{
	side_result r;
	struct rusage ru;
	char db[PATH_MAX], script[PATH_MAX], csv[PATH_MAX];
	FILE *f;
	double t0;
	pid_t pid;
	int status = 0;

	memset(&r, 0, sizeof(r));
	remove_db("baseline.db");
	work_path(db, sizeof(db), "baseline.db");
	work_path(script, sizeof(script), "baseline.sql");
	work_path(csv, sizeof(csv), "long.csv");
	f = create_file("baseline.sql");
	fprintf(f, "PRAGMA journal_mode=WAL;\n"
		   "PRAGMA synchronous=NORMAL;\n"
		   "CREATE TABLE r(meter TEXT, ts INTEGER, value REAL, UNIQUE(meter, ts));\n"
		   ".import --csv '%s' r\n", csv);
	fclose(f);
	fflush(NULL);
	t0 = seconds();
	if ((pid = fork()) < 0) {
		snprintf(r.error, sizeof(r.error), "fork: %s", strerror(errno));
		return r;
	}
	if (pid == 0) {
		int in = open(script, O_RDONLY), null = open("/dev/null", O_WRONLY);

		/* stdout gets the "wal" of the journal_mode pragma; errors go to stderr */
		if (in < 0 || null < 0 || dup2(in, 0) < 0 || dup2(null, 1) < 0)
			_exit(126);
		execlp(SQLITE3_CLI, SQLITE3_CLI, "-batch", "-bail", db, (char *)NULL);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			snprintf(r.error, sizeof(r.error), "wait4: %s", strerror(errno));
			return r;
		}
	}
	r.elapsed = seconds() - t0;
	r.maxrss_kib = ru.ru_maxrss;
	r.cpu_user = tv_seconds(ru.ru_utime);
	r.cpu_sys = tv_seconds(ru.ru_stime);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(r.error, sizeof(r.error), "%s exited with status %d", SQLITE3_CLI,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return r;
	}
	r.ok = 1;
	return r;
}

/* count(*), sum(value), sum(ts) of what a side stored. */
static int read_back(side_result *r, const char *name, const char *sql)
{
	char path[PATH_MAX];
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int ok = 0;

	work_path(path, sizeof(path), name);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
	    && sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK
	    && sqlite3_step(stmt) == SQLITE_ROW) {
		r->rows = sqlite3_column_int64(stmt, 0);
		r->sum_value = sqlite3_column_double(stmt, 1);
		r->sum_ts = sqlite3_column_int64(stmt, 2);
		ok = 1;
	} else {
		snprintf(r->error, sizeof(r->error), "reading back %s: %s", name, sqlite3_errmsg(db));
		r->ok = 0;
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return ok;
}

/* ---- machine ------------------------------------------------------------ */

static void print_machine(void)
{
	bench_print_machine();
	if (have_sqlite3_cli()) {
		printf("cli:      ");
		fflush(stdout);
		if (system(SQLITE3_CLI " -version") != 0)
			printf("(%s -version failed)\n", SQLITE3_CLI);
	} else {
		printf("cli:      %s not found on PATH: no baseline\n", SQLITE3_CLI);
	}
	printf("library:  libeclectyc %s\n", ecl_version(NULL, NULL, NULL));
	printf("workdir:  %s\n\n", workdir);
}

/* ---- one size ----------------------------------------------------------- */

typedef struct size_result {
	dataset ds;
	side_result ours, base, clock;
	int have_base, checks_ok, clock_ok;
	double ratio;        /* our time / baseline time */
	double clock_ratio;  /* the same for clock.csv */
} size_result;

static int close_enough(double a, double b)
{
	return fabs(a - b) <= 1e-6 * fmax(fabs(a), fabs(b));
}

static void print_side(const char *label, const side_result *r, int64_t readings)
{
	if (!r->ok) {
		printf("  %-9s FAILED: %s\n", label, r->error);
		return;
	}
	printf("  %-9s %8.3f s  %10.0f readings/s  peak RSS %6.1f MiB  (cpu user %.2f s, sys %.2f s)\n",
		label, r->elapsed, readings / r->elapsed, r->maxrss_kib / 1024.0, r->cpu_user, r->cpu_sys);
}

/* The clock-time layout, detected as profile "sse", against the same baseline. */
static void run_clock_layout(size_result *s, double expected_sum)
{
	write_clock_variant();
	s->clock = run_ours("clock.csv");
	if (s->clock.ok)
		read_back(&s->clock, "bench.db",
			"SELECT count(*), sum(reading_value), sum(period_start) FROM hh_readings");
	remove_db("bench.db");
	print_side("clock", &s->clock, s->ds.readings);
	s->clock_ok = s->clock.ok && strcmp(s->clock.format, "sse") == 0 && s->clock.rows == s->ds.readings
		&& s->clock.sum_ts == s->ds.sum_ts && close_enough(s->clock.sum_value, expected_sum);
	if (s->clock.ok)
		printf("            clock.csv (MPAN,Units,Date,00:00..23:30) detected as profile %s; %lld rows, "
		       "sum(value) %.3f, sum(period_start) %s: %s\n", s->clock.format, (long long)s->clock.rows,
		       s->clock.sum_value, s->clock.sum_ts == s->ds.sum_ts ? "matches" : "DIFFERS",
		       s->clock_ok ? "same readings" : "NOT THE SAME READINGS");
	if (s->clock.ok && s->have_base && s->base.ok) {
		s->clock_ratio = s->clock.elapsed / s->base.elapsed;
		printf("  ratio     clock/baseline time = %.3f; target <= %.2f: %s; peak RSS <= %d MiB: %s\n",
			s->clock_ratio, TARGET_RATIO, verdict(s->clock_ok && s->clock_ratio <= TARGET_RATIO),
			TARGET_RSS_KIB / 1024, verdict(s->clock.maxrss_kib <= TARGET_RSS_KIB));
	}
}

static size_result run_size(int meters, int with_baseline)
{
	size_result s;
	double expected_sum;

	memset(&s, 0, sizeof(s));
	s.ds = generate(meters);
	expected_sum = (double)s.ds.sum_milli / 1000.0;
	printf("%d meters x %d days x %d periods = %lld readings\n", meters, DAYS, PERIODS,
		(long long)s.ds.readings);
	printf("  input     wide.csv %.1f MiB, long.csv %.1f MiB (generated in %.2f s)\n",
		s.ds.wide_bytes / 1048576.0, s.ds.long_bytes / 1048576.0, s.ds.gen_seconds);
	fflush(stdout);

	s.ours = run_ours("wide.csv");
	if (s.ours.ok)
		read_back(&s.ours, "bench.db",
			"SELECT count(*), sum(reading_value), sum(period_start) FROM hh_readings");
	remove_db("bench.db");
	print_side("ours", &s.ours, s.ds.readings);
	if (s.ours.ok)
		printf("            %s: %lld rows, %lld failed, %lld values, %lld inserted, %lld updated, "
		       "%lld unchanged, %lld meters created; peak RSS at the child's start %.1f MiB\n",
			s.ours.format, (long long)s.ours.processed, (long long)s.ours.failed,
			(long long)s.ours.values, (long long)s.ours.inserted, (long long)s.ours.updated,
			(long long)s.ours.unchanged, (long long)s.ours.meters_created,
			s.ours.start_rss_kib / 1024.0);
	fflush(stdout);

	s.have_base = with_baseline && have_sqlite3_cli();
	if (s.have_base) {
		s.base = run_baseline();
		if (s.base.ok)
			read_back(&s.base, "baseline.db", "SELECT count(*), sum(value), sum(ts) FROM r");
		remove_db("baseline.db");
		remove_file("baseline.sql");
		print_side("baseline", &s.base, s.ds.readings);
		printf("            (%s .import --csv into r(meter, ts, value, UNIQUE(meter, ts)), "
		       "WAL, synchronous=NORMAL)\n", SQLITE3_CLI);
	} else {
		printf("  baseline  not run%s\n", with_baseline ? ": sqlite3 CLI not found" : "");
	}

	/* Both stored every reading, with the same values and instants. */
	s.checks_ok = s.ours.ok && s.ours.rows == s.ds.readings && s.ours.sum_ts == s.ds.sum_ts
		&& close_enough(s.ours.sum_value, expected_sum);
	if (s.ours.ok)
		printf("  check     ours: %lld rows (expected %lld), sum(value) %.3f (expected %.3f), "
		       "sum(period_start) %s\n",
			(long long)s.ours.rows, (long long)s.ds.readings, s.ours.sum_value, expected_sum,
			s.ours.sum_ts == s.ds.sum_ts ? "matches" : "DIFFERS");
	if (s.have_base && s.base.ok) {
		int base_ok = s.base.rows == s.ds.readings && s.base.sum_ts == s.ds.sum_ts
			&& close_enough(s.base.sum_value, expected_sum);
		printf("  check     baseline: %lld rows, sum(value) %.3f, sum(ts) %s\n",
			(long long)s.base.rows, s.base.sum_value,
			s.base.sum_ts == s.ds.sum_ts ? "matches" : "DIFFERS");
		s.checks_ok = s.checks_ok && base_ok;
		printf("  check     both sides stored the same %lld readings with the same sums "
		       "(1e-6 relative): %s\n", (long long)s.ds.readings, s.checks_ok ? "yes" : "NO");
	}
	if (s.ours.ok && s.have_base && s.base.ok) {
		s.ratio = s.ours.elapsed / s.base.elapsed;
		printf("  ratio     ours/baseline time = %.3f (ours %.2fx %s)\n", s.ratio,
			s.ratio < 1 ? 1 / s.ratio : s.ratio, s.ratio < 1 ? "faster" : "slower");
		printf("  target    time <= %.2f x baseline: %s\n", TARGET_RATIO,
			verdict(s.checks_ok && s.ratio <= TARGET_RATIO));
	} else {
		printf("  target    time <= %.2f x baseline: NOT MEASURED\n", TARGET_RATIO);
	}
	printf("  target    peak RSS <= %d MiB: %s\n", TARGET_RSS_KIB / 1024,
		s.ours.ok ? verdict(s.ours.maxrss_kib <= TARGET_RSS_KIB) : "NOT MEASURED");
	run_clock_layout(&s, expected_sum);
	printf("\n");
	fflush(stdout);

	remove_file("wide.csv");
	remove_file("clock.csv");
	remove_file("long.csv");
	return s;
}

static void print_summary(const char *label, const size_result *s)
{
	printf("summary %s: ours %.3f s (%.0f readings/s, peak RSS %.1f MiB)", label, s->ours.elapsed,
		s->ours.ok ? s->ds.readings / s->ours.elapsed : 0.0, s->ours.maxrss_kib / 1024.0);
	if (s->have_base && s->base.ok && s->ours.ok)
		printf("; baseline %.3f s (%.0f readings/s, peak RSS %.1f MiB); ratio %.3f, target %s",
			s->base.elapsed, s->ds.readings / s->base.elapsed, s->base.maxrss_kib / 1024.0, s->ratio,
			verdict(s->checks_ok && s->ratio <= TARGET_RATIO));
	printf("; RSS target %s; checks %s\n",
		s->ours.ok ? verdict(s->ours.maxrss_kib <= TARGET_RSS_KIB) : "NOT MEASURED",
		s->checks_ok ? "ok" : "FAILED");
	printf("summary %s clock-time layout (profile sse, detected): %.3f s (%.0f readings/s, peak RSS %.1f MiB); "
	       "ratio %.3f, target %s; RSS target %s; checks %s\n", label, s->clock.elapsed,
		s->clock.ok ? s->ds.readings / s->clock.elapsed : 0.0, s->clock.maxrss_kib / 1024.0, s->clock_ratio,
		verdict(s->clock_ok && s->clock_ratio > 0 && s->clock_ratio <= TARGET_RATIO),
		s->clock.ok ? verdict(s->clock.maxrss_kib <= TARGET_RSS_KIB) : "NOT MEASURED",
		s->clock_ok ? "ok" : "FAILED");
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv)
{
	const char *base = "/tmp";
	char *real, template[PATH_MAX];
	size_result normal, large;
	int i, want_large = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("usage: %s [--large] [DIR]\n", argv[0]);
			return 0;
		} else if (strcmp(argv[i], "--large") == 0) {
			want_large = 1;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "bench_ingest: unknown option %s\nusage: %s [--large] [DIR]\n", argv[i], argv[0]);
			return 2;
		} else {
			base = argv[i];
		}
	}
	if ((real = realpath(base, NULL)) == NULL) {
		fprintf(stderr, "bench_ingest: %s: %s\n", base, strerror(errno));
		return 2;
	}
	snprintf(template, sizeof(template), "%s/bench_ingest.XXXXXX", real);
	free(real);
	if (mkdtemp(template) == NULL) {
		fprintf(stderr, "bench_ingest: mkdtemp %s: %s\n", template, strerror(errno));
		return 2;
	}
	snprintf(workdir, sizeof(workdir), "%s", template);

	printf("bench_ingest: ecl_ingest_file() of a wide HH CSV into a fresh SQLite file "
	       "vs the sqlite3 CLI's .import --csv of the same readings in long form\n");
	print_machine();

	normal = run_size(DEFAULT_METERS, 1);
	if (want_large)
		large = run_size(LARGE_METERS, 1);

	print_summary("1x", &normal);
	if (want_large)
		print_summary("10x", &large);
	rmdir(workdir);
	return 0;
}
