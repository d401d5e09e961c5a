/*
 * bench_pg: the PostgreSQL backend's queue and ingest throughput, with
 * baselines measured in the same run (only the ratios mean anything across
 * machines). The PostgreSQL counterpart of bench_queue and bench_ingest.
 *
 *   bench_pg queue  URI [CLAIM_JOBS [ENQUEUE_JOBS]]
 *   bench_pg ingest URI [DIR [METERS]]
 *
 * URI names a database (a libpq URI or key=value string without `schema`);
 * the bench works in fresh schemas bench_<pid>_<what> (the backend's
 * `schema` parameter) and drops them at the end with psql (PSQL, default
 * `psql` on PATH; it must reach the same server, e.g. PGHOST etc. as
 * exported by tests/pg/with-postgres.sh, or the URI is passed to it).
 *
 * queue:
 *   1. ecl_job_create_many() of ENQUEUE_JOBS (100,000) jobs in one call;
 *   2. claim -> complete cycles, one worker, CLAIM_JOBS (20,000) jobs;
 *   3. the same with 4 worker processes (fork, one store each, started
 *      together);
 *   4-5. 1 and 4 workers again, each spending WORK_US (1,000 us) between
 *      claim and complete (as a real import does), over CLAIM_JOBS / 4 jobs.
 *   Target: 4 workers >= 2 x the single worker's rate.
 *
 * ingest: the wide file of bench_ingest (METERS (1,000) meters x 30 days of
 * November 2025, 48 periods a day, values from a fixed LCG) through
 * ecl_ingest_file() in a forked child, against `psql -f` running
 *     CREATE TABLE r (meter text, ts bigint, value double precision,
 *                     PRIMARY KEY (meter, ts));
 *     \copy r FROM 'long.csv' WITH (FORMAT csv)
 * for the same readings in long form (timed around the psql process,
 * start-up included). Both are read back (count, sum of values, sum of
 * period starts) and compared with the generator.
 *   Target: our time <= 2 x the \copy's.
 *
 * The bench reports; it exits 0 unless an operation fails (2 for usage).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eclectyc.h"
#include "bench_common.h"

#define BUSY_TIMEOUT_MS 30000
#define MAX_WORKERS 4
#define WORK_US 1000
#define DAYS 30
#define PERIODS 48

static const char *base_uri;
static char schema_prefix[64];
static char workdir[PATH_MAX];
static char data_file[PATH_MAX];

/* ---- helpers ------------------------------------------------------------ */

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_pg: %s failed: %s (%s)\n", what, ecl_strerror(rc), ecl_error_last());
	exit(1);
}

static const char *psql_path(void)
{
	const char *p = getenv("PSQL");

	return p != NULL && *p != '\0' ? p : "psql";
}

/* The store URI of schema <prefix>_<name>. */
static void store_uri(char *out, size_t size, const char *name)
{
	int n;

	if (strncmp(base_uri, "postgres://", 11) == 0 || strncmp(base_uri, "postgresql://", 13) == 0)
		n = snprintf(out, size, "%s%cschema=%s_%s", base_uri,
			strchr(base_uri, '?') != NULL ? '&' : '?', schema_prefix, name);
	else
		n = snprintf(out, size, "%s schema=%s_%s", base_uri, schema_prefix, name);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "bench_pg: URI too long\n");
		exit(2);
	}
}

/* Run psql with argv-style arguments after the URI; stdout to `out` (NULL:
 * /dev/null). Returns its exit status, or -1. */
static int run_psql(const char *const *args, FILE *out)
{
	const char *argv[16];
	int n = 0, status = 0;
	pid_t pid;

	argv[n++] = psql_path();
	argv[n++] = base_uri;
	argv[n++] = "-X";
	argv[n++] = "-q";
	argv[n++] = "-At";
	argv[n++] = "-v";
	argv[n++] = "ON_ERROR_STOP=1";
	while (*args != NULL && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	fflush(NULL);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if (out != NULL)
			dup2(fileno(out), 1);
		else if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "bench_pg: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void drop_schema(const char *name)
{
	char sql[256];
	const char *args[] = { "-c", sql, NULL };

	snprintf(sql, sizeof(sql), "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s_%s CASCADE",
		schema_prefix, name);
	if (run_psql(args, NULL) != 0)
		fprintf(stderr, "bench_pg: warning: could not drop schema %s_%s\n", schema_prefix, name);
}

/* One line of psql's answer to `sql` into out. */
static int psql_line(const char *sql, char *out, size_t size)
{
	const char *args[] = { "-c", sql, NULL };
	FILE *f = tmpfile();
	int rc;

	if (f == NULL)
		return -1;
	rc = run_psql(args, f);
	rewind(f);
	if (rc != 0 || fgets(out, (int)size, f) == NULL) {
		fclose(f);
		return -1;
	}
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
	return 0;
}

static void print_machine(void)
{
	char version[256];

	bench_print_machine();
	if (psql_line("select version()", version, sizeof(version)) == 0)
		printf("server:   %s\n", version);
	printf("library:  libeclectyc %s\n\n", ecl_version(NULL, NULL, NULL));
	fflush(stdout);
}

static ecl_store *open_store(const char *name)
{
	ecl_store_options opts = ECL_STORE_OPTIONS_INIT;
	ecl_store *store = NULL;
	char uri[1024];
	int rc;

	opts.busy_timeout_ms = BUSY_TIMEOUT_MS;
	store_uri(uri, sizeof(uri), name);
	if ((rc = ecl_store_open(&store, uri, &opts)) != 0)
		die("ecl_store_open", rc);
	return store;
}

/* ---- queue -------------------------------------------------------------- */

static ecl_job_options *job_options(size_t count)
{
	ecl_job_options *jobs = calloc(count, sizeof(*jobs));
	size_t i;

	if (jobs == NULL) {
		fprintf(stderr, "bench_pg: out of memory\n");
		exit(1);
	}
	for (i = 0; i < count; i++) {
		ecl_job_options_init(&jobs[i], ECL_JOB_OPTIONS_VERSION);
		jobs[i].file_path = data_file;
		jobs[i].import_type = i % 4 == 3 ? ECL_IMPORT_DAILY : ECL_IMPORT_HH;
		jobs[i].priority = (ecl_priority)(i % 3);
		jobs[i].user_id = (int64_t)(1 + i % 10);
	}
	return jobs;
}

static void prepare_queue(const char *name, size_t count)
{
	ecl_job_options *jobs = job_options(count);
	char *ids = malloc(count * ECL_BATCH_ID_SIZE);
	ecl_store *store;
	int rc;

	if (ids == NULL)
		exit(1);
	drop_schema(name);
	store = open_store(name);
	if ((rc = ecl_store_migrate(store)) != 0)
		die("ecl_store_migrate", rc);
	if ((rc = ecl_job_create_many(ids, store, jobs, count)) != 0)
		die("ecl_job_create_many", rc);
	ecl_store_free(store);
	free(jobs);
	free(ids);
}

typedef struct cycle_stats {
	size_t cycles;
	double elapsed, claim_time, complete_time;
} cycle_stats;

static cycle_stats cycles(ecl_store *store, const char *worker_id, long work_us)
{
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;
	cycle_stats st;
	double start;
	int rc;

	memset(&st, 0, sizeof(st));
	counts.processed_rows = counts.imported_rows = counts.checkpoint = 1;
	start = seconds();
	for (;;) {
		ecl_job *job = NULL;
		double t0 = seconds(), t1;

		if ((rc = ecl_job_claim(&job, store, worker_id)) != 0)
			die("ecl_job_claim", rc);
		st.claim_time += seconds() - t0;
		if (job == NULL)
			break;
		if (work_us > 0) {
			struct timespec ts = { 0, work_us * 1000L };
			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				;
		}
		t1 = seconds();
		rc = ecl_job_complete(store, job->batch_id, worker_id, &counts, NULL);
		st.complete_time += seconds() - t1;
		ecl_job_free(job);
		if (rc != 0)
			die("ecl_job_complete", rc);
		st.cycles++;
	}
	st.elapsed = seconds() - start;
	return st;
}

typedef struct shared_counts {
	size_t cycles[MAX_WORKERS];
	double claim_time[MAX_WORKERS], complete_time[MAX_WORKERS];
} shared_counts;

typedef struct worker_args {
	const char *name;
	long work_us;
	shared_counts *shared;
} worker_args;

/* One worker process: its own store, opened after the fork. */
static void worker_child(int index, void *opaque)
{
	worker_args *w = opaque;
	ecl_store *store = open_store(w->name);
	char worker_id[16];
	cycle_stats st;

	snprintf(worker_id, sizeof(worker_id), "bench-%d", index);
	st = cycles(store, worker_id, w->work_us);
	w->shared->cycles[index] = st.cycles;
	w->shared->claim_time[index] = st.claim_time;
	w->shared->complete_time[index] = st.complete_time;
	ecl_store_free(store);
}

/* n worker processes over queue `name`, started together; wall time. */
static double run_workers(const char *name, int n, long work_us, shared_counts *shared)
{
	worker_args w = { name, work_us, shared };

	memset(shared, 0, sizeof(*shared));
	return bench_run_together(n, worker_child, &w, "bench_pg");
}

/* Busy and total jiffies of all CPUs, from /proc/stat (0 if unreadable). */
static void cpu_jiffies(unsigned long long *busy, unsigned long long *total)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int i;

	*busy = *total = 0;
	if (f == NULL)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
		&v[5], &v[6], &v[7]) == 8) {
		for (i = 0; i < 8; i++)
			*total += v[i];
		*busy = *total - v[3] - v[4];  /* minus idle and iowait */
	}
	fclose(f);
}

/* One measurement of n workers over `jobs` jobs; prints a line, returns the
 * rate (cycles/s). */
static double measure(const char *label, const char *name, int n, size_t jobs, long work_us,
	shared_counts *shared)
{
	size_t total = 0;
	double elapsed, claim = 0, complete = 0;
	int i;

	unsigned long long b0, t0, b1, t1;

	prepare_queue(name, jobs);
	cpu_jiffies(&b0, &t0);
	elapsed = run_workers(name, n, work_us, shared);
	cpu_jiffies(&b1, &t1);
	for (i = 0; i < n; i++) {
		total += shared->cycles[i];
		claim += shared->claim_time[i];
		complete += shared->complete_time[i];
	}
	drop_schema(name);
	if (total != jobs) {
		fprintf(stderr, "bench_pg: %s completed %zu of %zu jobs\n", label, total, jobs);
		exit(1);
	}
	printf("  %-26s %6zu cycles in %7.3f s = %8.0f cycles/s  (claim %6.1f us, complete %6.1f us; per worker:",
		label, total, elapsed, total / elapsed, 1e6 * claim / (total + n), 1e6 * complete / total);
	for (i = 0; i < n; i++)
		printf(" %zu", shared->cycles[i]);
	printf(")\n");
	if (t1 > t0)
		printf("  %-26s machine CPU busy %.0f%% of %ld CPUs (server and clients)\n", "",
			100.0 * (double)(b1 - b0) / (double)(t1 - t0), sysconf(_SC_NPROCESSORS_ONLN));
	fflush(stdout);
	return total / elapsed;
}

static int bench_queue(size_t claim_jobs, size_t enqueue_jobs)
{
	ecl_job_options *jobs;
	ecl_store *store;
	shared_counts *shared;
	char *ids;
	double t0, enq, r1, r4, w1, w4;
	size_t work_jobs = claim_jobs / 4;
	FILE *f;
	int rc;

	if ((size_t)snprintf(data_file, sizeof(data_file), "%s/readings.csv", workdir) >= sizeof(data_file)
	    || (f = fopen(data_file, "w")) == NULL) {
		fprintf(stderr, "bench_pg: %s: %s\n", data_file, strerror(errno));
		return 2;
	}
	fputs("MPAN,Date,Period,Value\n1200000000001,2024-01-01,1,0.5\n", f);
	fclose(f);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ids = malloc(enqueue_jobs * ECL_BATCH_ID_SIZE);
	if (shared == MAP_FAILED || ids == NULL)
		return 1;

	printf("bench_pg queue: libeclectyc job queue on PostgreSQL\n");
	print_machine();

	jobs = job_options(enqueue_jobs);
	drop_schema("enqueue");
	store = open_store("enqueue");
	if ((rc = ecl_store_migrate(store)) != 0)
		die("ecl_store_migrate", rc);
	t0 = seconds();
	if ((rc = ecl_job_create_many(ids, store, jobs, enqueue_jobs)) != 0)
		die("ecl_job_create_many", rc);
	enq = seconds() - t0;
	ecl_store_free(store);
	free(jobs);
	drop_schema("enqueue");
	printf("1. bulk enqueue of %zu jobs in one call: %.0f jobs/s (%.3f s)\n\n",
		enqueue_jobs, enqueue_jobs / enq, enq);

	printf("2-3. claim -> complete, tight loop, %zu jobs\n", claim_jobs);
	r1 = measure("1 worker", "claim1", 1, claim_jobs, 0, shared);
	r4 = measure("4 worker processes", "claim4", 4, claim_jobs, 0, shared);
	printf("  ratio 4 workers / 1 worker = %.2f  (target >= 2: %s)\n\n", r4 / r1, r4 >= 2 * r1 ? "MET" : "NOT MET");

	printf("4-5. claim -> %d us of work -> complete, %zu jobs\n", WORK_US, work_jobs);
	w1 = measure("1 worker", "work1", 1, work_jobs, WORK_US, shared);
	w4 = measure("4 worker processes", "work4", 4, work_jobs, WORK_US, shared);
	printf("  ratio 4 workers / 1 worker = %.2f  (target >= 2: %s)\n\n", w4 / w1, w4 >= 2 * w1 ? "MET" : "NOT MET");

	printf("summary: enqueue %.0f jobs/s; tight loop 1 worker %.0f cycles/s, 4 workers %.0f (x%.2f, %s); "
	       "with %d us of work 1 worker %.0f, 4 workers %.0f (x%.2f, %s)\n",
		enqueue_jobs / enq, r1, r4, r4 / r1, r4 >= 2 * r1 ? "MET" : "NOT MET", WORK_US, w1, w4,
		w4 / w1, w4 >= 2 * w1 ? "MET" : "NOT MET");
	unlink(data_file);
	munmap(shared, sizeof(*shared));
	free(ids);
	return 0;
}

/* ---- ingest ------------------------------------------------------------- */


typedef struct dataset {
	int64_t readings, sum_milli, sum_ts;
} dataset;

static FILE *create_file(const char *name)
{
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", workdir, name);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "bench_pg: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return f;
}

/* The same bytes as bench_ingest's input (bench_write_readings()). */
static dataset generate(int meters)
{
	FILE *wide = create_file("wide.csv"), *lng = create_file("long.csv");
	bench_readings r = bench_write_readings(wide, lng, meters, DAYS);
	dataset ds;

	if (fclose(wide) != 0 || fclose(lng) != 0)
		exit(1);
	ds.readings = r.readings;
	ds.sum_milli = r.sum_milli;
	ds.sum_ts = r.sum_ts;
	return ds;
}

typedef struct ingest_result {
	int ok;
	double elapsed, cpu_user, cpu_sys;
	long maxrss_kib;
	int64_t processed, inserted, updated, unchanged, meters_created;
	char error[512];
} ingest_result;

static ingest_result run_ours(void)
{
	ingest_result *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ingest_result out;
	pid_t pid;
	int status = 0;

	memset(r, 0, sizeof(*r));
	fflush(NULL);
	if ((pid = fork()) == 0) {
		ecl_ingest_report *report = NULL;
		ecl_store *store = open_store("ingest");
		char wide[PATH_MAX + 32];
		struct rusage ru;
		double t0;
		int rc;

		snprintf(wide, sizeof(wide), "%s/wide.csv", workdir);
		if ((rc = ecl_store_migrate(store)) != 0)
			die("ecl_store_migrate", rc);
		t0 = seconds();
		rc = ecl_ingest_file(&report, store, wide, NULL);
		r->elapsed = seconds() - t0;
		if (rc != 0) {
			snprintf(r->error, sizeof(r->error), "%s (%s)", ecl_strerror(rc), ecl_error_last());
		} else {
			r->ok = 1;
			r->processed = report->records_processed;
			r->inserted = report->inserted;
			r->updated = report->updated;
			r->unchanged = report->unchanged;
			r->meters_created = report->meters_created;
		}
		ecl_ingest_report_free(report);
		ecl_store_free(store);
		getrusage(RUSAGE_SELF, &ru);
		r->maxrss_kib = ru.ru_maxrss;
		r->cpu_user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
		r->cpu_sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	out = *r;
	munmap(r, sizeof(*r));
	return out;
}

static ingest_result run_copy(void)
{
	ingest_result r;
	char script[PATH_MAX + 32];
	const char *args[] = { "-f", script, NULL };
	struct rusage before, after;
	FILE *f;
	double t0;

	memset(&r, 0, sizeof(r));
	snprintf(script, sizeof(script), "%s/copy.sql", workdir);
	if ((f = fopen(script, "w")) == NULL)
		exit(1);
	fprintf(f, "CREATE SCHEMA %s_copy;\nSET search_path = %s_copy;\n"
		"CREATE TABLE r (meter text, ts bigint, value double precision, PRIMARY KEY (meter, ts));\n"
		"\\copy r FROM '%s/long.csv' WITH (FORMAT csv)\n", schema_prefix, schema_prefix, workdir);
	fclose(f);
	drop_schema("copy");
	getrusage(RUSAGE_CHILDREN, &before);
	t0 = seconds();
	r.ok = run_psql(args, NULL) == 0;
	r.elapsed = seconds() - t0;
	getrusage(RUSAGE_CHILDREN, &after);
	r.cpu_user = (after.ru_utime.tv_sec - before.ru_utime.tv_sec) + (after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6;
	r.cpu_sys = (after.ru_stime.tv_sec - before.ru_stime.tv_sec) + (after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
	if (!r.ok)
		snprintf(r.error, sizeof(r.error), "psql \\copy failed");
	return r;
}

static int check_back(const char *label, const char *sql, const dataset *ds)
{
	char line[256];
	long long n = 0, sum_ts = 0;
	double sum = 0;

	if (psql_line(sql, line, sizeof(line)) != 0 || sscanf(line, "%lld|%lf|%lld", &n, &sum, &sum_ts) != 3) {
		printf("  check %-8s: cannot read back (%s)\n", label, line);
		return 0;
	}
	{
		int ok = n == ds->readings && sum_ts == ds->sum_ts
			&& fabs(sum - ds->sum_milli / 1000.0) <= 1e-6 * (ds->sum_milli / 1000.0);
		printf("  check %-8s: %lld rows, sum %.3f, sum(ts) %lld: %s\n", label, n, sum, sum_ts,
			ok ? "ok" : "MISMATCH");
		return ok;
	}
}

static int bench_ingest(int meters)
{
	ingest_result ours, copy;
	dataset ds;
	char sql[512];
	int ok;

	printf("bench_pg ingest: ecl_ingest_file() of a wide HH CSV into PostgreSQL "
	       "vs psql \\copy of the same readings in long form\n");
	print_machine();
	ds = generate(meters);
	printf("input: %d meters x %d days = %lld readings\n", meters, DAYS, (long long)ds.readings);
	drop_schema("ingest");
	ours = run_ours();
	copy = run_copy();
	if (!ours.ok || !copy.ok) {
		fprintf(stderr, "bench_pg: ours: %s; copy: %s\n", ours.ok ? "ok" : ours.error, copy.ok ? "ok" : copy.error);
		return 1;
	}
	printf("  ours     %7.3f s  %9.0f readings/s  peak RSS %.1f MiB, cpu %.2f user %.2f sys "
	       "(rows %lld, inserted %lld, updated %lld, unchanged %lld, meters created %lld)\n",
		ours.elapsed, ds.readings / ours.elapsed, ours.maxrss_kib / 1024.0, ours.cpu_user, ours.cpu_sys,
		(long long)ours.processed, (long long)ours.inserted, (long long)ours.updated,
		(long long)ours.unchanged, (long long)ours.meters_created);
	printf("  \\copy   %7.3f s  %9.0f readings/s  (psql process, start-up included; cpu %.2f user %.2f sys)\n",
		copy.elapsed, ds.readings / copy.elapsed, copy.cpu_user, copy.cpu_sys);
	snprintf(sql, sizeof(sql), "select count(*), sum(reading_value), sum(extract(epoch from period_start))::bigint "
		"from %s_ingest.hh_readings", schema_prefix);
	ok = check_back("ours", sql, &ds);
	snprintf(sql, sizeof(sql), "select count(*), sum(value), sum(ts) from %s_copy.r", schema_prefix);
	ok &= check_back("\\copy", sql, &ds);
	printf("  ratio ours/\\copy = %.2f  (target <= 2: %s)\n", ours.elapsed / copy.elapsed,
		ours.elapsed <= 2 * copy.elapsed ? "MET" : "NOT MET");
	printf("summary: ours %.3f s, \\copy %.3f s, ratio %.2f (%s), checks %s\n", ours.elapsed, copy.elapsed,
		ours.elapsed / copy.elapsed, ours.elapsed <= 2 * copy.elapsed ? "MET" : "NOT MET", ok ? "ok" : "FAILED");
	drop_schema("ingest");
	drop_schema("copy");
	{
		char path[PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/wide.csv", workdir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/long.csv", workdir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/copy.sql", workdir);
		unlink(path);
	}
	return ok ? 0 : 1;
}

/* ---- main --------------------------------------------------------------- */

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s queue URI [CLAIM_JOBS [ENQUEUE_JOBS]]\n"
		"       %s ingest URI [DIR [METERS]]\n", argv0, argv0);
}

int main(int argc, char **argv)
{
	const char *dir = "/tmp";
	char *real;
	int rc;

	if (argc < 3 || (strcmp(argv[1], "queue") != 0 && strcmp(argv[1], "ingest") != 0)) {
		usage(argv[0]);
		return 2;
	}
	base_uri = argv[2];
	snprintf(schema_prefix, sizeof(schema_prefix), "bench_%ld", (long)getpid());
	if (strcmp(argv[1], "ingest") == 0 && argc > 3)
		dir = argv[3];
	if ((real = realpath(dir, NULL)) == NULL) {
		fprintf(stderr, "bench_pg: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	snprintf(workdir, sizeof(workdir), "%s/bench_pg.XXXXXX", real);
	free(real);
	if (mkdtemp(workdir) == NULL) {
		fprintf(stderr, "bench_pg: mkdtemp: %s\n", strerror(errno));
		return 2;
	}
	if (strcmp(argv[1], "queue") == 0) {
		size_t claim = argc > 3 ? strtoul(argv[3], NULL, 10) : 20000;
		size_t enqueue = argc > 4 ? strtoul(argv[4], NULL, 10) : 100000;
		if (claim < 100 || enqueue < 1) {
			usage(argv[0]);
			return 2;
		}
		rc = bench_queue(claim, enqueue);
	} else {
		int meters = argc > 4 ? atoi(argv[4]) : 1000;
		if (meters < 1) {
			usage(argv[0]);
			return 2;
		}
		rc = bench_ingest(meters);
	}
	rmdir(workdir);
	return rc;
}
