/* The server benches' shared queue and ingest measurements: see bench_server.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_server.h"

#define MAX_WORKERS 4
#define WORK_US 1000
#define BUSY_TIMEOUT_MS 30000

/* The one-reading file every queued job names (never imported). */
static char data_file[PATH_MAX + 32];

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_die(const bench_server *s, const char *what, int rc)
{
	fprintf(stderr, "%s: %s failed: %s (%s)\n", s->who, what, ecl_strerror(rc), ecl_error_last());
	exit(1);
}

ecl_store *bench_server_open(const bench_server *s, const char *name)
{
	ecl_store_options opts = ECL_STORE_OPTIONS_INIT;
	ecl_store *store = NULL;
	char uri[1024];
	int rc;

	opts.busy_timeout_ms = BUSY_TIMEOUT_MS;
	s->store_uri(uri, sizeof(uri), name);
	if ((rc = ecl_store_open(&store, uri, &opts)) != 0)
		bench_die(s, "ecl_store_open", rc);
	return store;
}

void bench_server_print_machine(const bench_server *s)
{
	char version[256];

	bench_print_machine();
	if (s->query_line(s->version_sql, version, sizeof(version)) == 0)
		printf("server:   %s\n", version);
	printf("library:  libeclectyc %s\n\n", ecl_version(NULL, NULL, NULL));
	fflush(stdout);
}

/* ---- queue -------------------------------------------------------------- */

static ecl_job_options *job_options(const bench_server *s, size_t count)
{
	ecl_job_options *jobs = calloc(count, sizeof(*jobs));
	size_t i;

	if (jobs == NULL) {
		fprintf(stderr, "%s: out of memory\n", s->who);
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

static void prepare_queue(const bench_server *s, const char *name, size_t count)
{
	ecl_job_options *jobs = job_options(s, count);
	char *ids = malloc(count * ECL_BATCH_ID_SIZE);
	ecl_store *store;
	int rc;

	if (ids == NULL)
		exit(1);
	s->drop_store(name);
	store = bench_server_open(s, name);
	if ((rc = ecl_store_migrate(store)) != 0)
		bench_die(s, "ecl_store_migrate", rc);
	if ((rc = ecl_job_create_many(ids, store, jobs, count)) != 0)
		bench_die(s, "ecl_job_create_many", rc);
	ecl_store_free(store);
	free(jobs);
	free(ids);
}

typedef struct cycle_stats {
	size_t cycles;
	double elapsed, claim_time, complete_time;
} cycle_stats;

static cycle_stats cycles(const bench_server *s, ecl_store *store, const char *worker_id, long work_us)
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
			bench_die(s, "ecl_job_claim", rc);
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
			bench_die(s, "ecl_job_complete", rc);
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
	const bench_server *s;
	const char *name;
	long work_us;
	shared_counts *shared;
} worker_args;

/* One worker process: its own store, opened after the fork. */
static void worker_child(int index, void *opaque)
{
	worker_args *w = opaque;
	ecl_store *store = bench_server_open(w->s, w->name);
	char worker_id[16];
	cycle_stats st;

	snprintf(worker_id, sizeof(worker_id), "bench-%d", index);
	st = cycles(w->s, store, worker_id, w->work_us);
	w->shared->cycles[index] = st.cycles;
	w->shared->claim_time[index] = st.claim_time;
	w->shared->complete_time[index] = st.complete_time;
	ecl_store_free(store);
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
static double measure(const bench_server *s, const char *label, const char *name, int n, size_t jobs,
	long work_us, shared_counts *shared)
{
	worker_args w = { s, name, work_us, shared };
	unsigned long long b0, t0, b1, t1;
	size_t total = 0;
	double elapsed, claim = 0, complete = 0;
	int i;

	prepare_queue(s, name, jobs);
	memset(shared, 0, sizeof(*shared));
	cpu_jiffies(&b0, &t0);
	elapsed = bench_run_together(n, worker_child, &w, s->who);
	cpu_jiffies(&b1, &t1);
	for (i = 0; i < n; i++) {
		total += shared->cycles[i];
		claim += shared->claim_time[i];
		complete += shared->complete_time[i];
	}
	s->drop_store(name);
	if (total != jobs) {
		fprintf(stderr, "%s: %s completed %zu of %zu jobs\n", s->who, label, total, jobs);
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

/* Bulk enqueue of `count` jobs in one call: its rate (jobs/s). */
static double enqueue_rate(const bench_server *s, size_t count)
{
	ecl_job_options *jobs = job_options(s, count);
	char *ids = malloc(count * ECL_BATCH_ID_SIZE);
	ecl_store *store;
	double t0, elapsed;
	int rc;

	if (ids == NULL)
		exit(1);
	s->drop_store("enqueue");
	store = bench_server_open(s, "enqueue");
	if ((rc = ecl_store_migrate(store)) != 0)
		bench_die(s, "ecl_store_migrate", rc);
	t0 = seconds();
	if ((rc = ecl_job_create_many(ids, store, jobs, count)) != 0)
		bench_die(s, "ecl_job_create_many", rc);
	elapsed = seconds() - t0;
	ecl_store_free(store);
	free(jobs);
	free(ids);
	s->drop_store("enqueue");
	printf("1. bulk enqueue of %zu jobs in one call: %.0f jobs/s (%.3f s)\n\n", count, count / elapsed,
		elapsed);
	return count / elapsed;
}

int bench_server_queue(const bench_server *s, size_t claim_jobs, size_t enqueue_jobs)
{
	shared_counts *shared;
	double enq, r1, r4, w1, w4;
	size_t work_jobs = claim_jobs / 4;
	FILE *f;

	if ((size_t)snprintf(data_file, sizeof(data_file), "%s/readings.csv", s->workdir) >= sizeof(data_file)
	    || (f = fopen(data_file, "w")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", s->who, data_file, strerror(errno));
		return 2;
	}
	fputs("MPAN,Date,Period,Value\n1200000000001,2024-01-01,1,0.5\n", f);
	fclose(f);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return 1;

	printf("%s queue: libeclectyc job queue on %s\n", s->who, s->backend);
	bench_server_print_machine(s);
	enq = enqueue_rate(s, enqueue_jobs);

	printf("2-3. claim -> complete, tight loop, %zu jobs\n", claim_jobs);
	r1 = measure(s, "1 worker", "claim1", 1, claim_jobs, 0, shared);
	r4 = measure(s, "4 worker processes", "claim4", 4, claim_jobs, 0, shared);
	printf("  ratio 4 workers / 1 worker = %.2f  (target >= 2: %s)\n\n", r4 / r1, r4 >= 2 * r1 ? "MET" : "NOT MET");

	printf("4-5. claim -> %d us of work -> complete, %zu jobs\n", WORK_US, work_jobs);
	w1 = measure(s, "1 worker", "work1", 1, work_jobs, WORK_US, shared);
	w4 = measure(s, "4 worker processes", "work4", 4, work_jobs, WORK_US, shared);
	printf("  ratio 4 workers / 1 worker = %.2f  (target >= 2: %s)\n\n", w4 / w1, w4 >= 2 * w1 ? "MET" : "NOT MET");

	printf("summary: enqueue %.0f jobs/s; tight loop 1 worker %.0f cycles/s, 4 workers %.0f (x%.2f, %s); "
	       "with %d us of work 1 worker %.0f, 4 workers %.0f (x%.2f, %s)\n",
		enq, r1, r4, r4 / r1, r4 >= 2 * r1 ? "MET" : "NOT MET", WORK_US, w1, w4,
		w4 / w1, w4 >= 2 * w1 ? "MET" : "NOT MET");
	unlink(data_file);
	munmap(shared, sizeof(*shared));
	return 0;
}

/* ---- ingest ------------------------------------------------------------- */

static FILE *create_file(const bench_server *s, const char *name)
{
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", s->workdir, name);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", s->who, path, strerror(errno));
		exit(1);
	}
	return f;
}

bench_dataset bench_server_generate(const bench_server *s, int meters, int days)
{
	FILE *wide = create_file(s, "wide.csv"), *lng = create_file(s, "long.csv");
	bench_readings r = bench_write_readings(wide, lng, meters, days);
	bench_dataset ds;

	if (fclose(wide) != 0 || fclose(lng) != 0)
		exit(1);
	ds.readings = r.readings;
	ds.sum_milli = r.sum_milli;
	ds.sum_ts = r.sum_ts;
	return ds;
}

void bench_server_unlink(const bench_server *s, const char *name)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", s->workdir, name);
	unlink(path);
}

/* The child of bench_server_ingest: fills *r and exits. */
static void ingest_child(const bench_server *s, const char *name, bench_ingest_result *r)
{
	ecl_ingest_report *report = NULL;
	ecl_store *store = bench_server_open(s, name);
	char wide[PATH_MAX + 32];
	struct rusage ru;
	double t0;
	int rc;

	snprintf(wide, sizeof(wide), "%s/wide.csv", s->workdir);
	if ((rc = ecl_store_migrate(store)) != 0)
		bench_die(s, "ecl_store_migrate", rc);
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

bench_ingest_result bench_server_ingest(const bench_server *s, const char *name)
{
	bench_ingest_result *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		-1, 0);
	bench_ingest_result out;
	pid_t pid;
	int status = 0;

	if (r == MAP_FAILED)
		exit(1);
	memset(r, 0, sizeof(*r));
	fflush(NULL);
	if ((pid = fork()) == 0)
		ingest_child(s, name, r);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	out = *r;
	munmap(r, sizeof(*r));
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		out.ok = 0;
		snprintf(out.error, sizeof(out.error), "the ingest child failed");
	}
	return out;
}

void bench_server_print_ingest(const bench_ingest_result *r, const bench_dataset *ds)
{
	printf("  ours     %7.3f s  %9.0f readings/s  peak RSS %.1f MiB, cpu %.2f user %.2f sys "
	       "(rows %lld, inserted %lld, updated %lld, unchanged %lld, meters created %lld)\n",
		r->elapsed, ds->readings / r->elapsed, r->maxrss_kib / 1024.0, r->cpu_user, r->cpu_sys,
		(long long)r->processed, (long long)r->inserted, (long long)r->updated,
		(long long)r->unchanged, (long long)r->meters_created);
}

int bench_server_check(const bench_server *s, const char *label, const char *sql,
                       const bench_dataset *ds)
{
	char line[256];
	long long n = 0, sum_ts = 0;
	double sum = 0;
	int ok;

	if (s->query_line(sql, line, sizeof(line)) != 0
	    || sscanf(line, "%lld|%lf|%lld", &n, &sum, &sum_ts) != 3) {
		printf("  check %-9s: cannot read back (%s)\n", label, line);
		return 0;
	}
	ok = n == ds->readings && sum_ts == ds->sum_ts
		&& fabs(sum - ds->sum_milli / 1000.0) <= 1e-6 * (ds->sum_milli / 1000.0);
	printf("  check %-9s: %lld rows, sum %.3f, sum(ts) %lld: %s\n", label, n, sum, sum_ts,
		ok ? "ok" : "MISMATCH");
	return ok;
}

/* ---- main --------------------------------------------------------------- */

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s queue URI [CLAIM_JOBS [ENQUEUE_JOBS]]\n"
		"       %s ingest URI [DIR [METERS]]\n", argv0, argv0);
	return 2;
}

/* workdir = DIR/WHO.XXXXXX, made. */
static int make_workdir(bench_server *s, const char *dir)
{
	char *real = realpath(dir, NULL);

	if (real == NULL) {
		fprintf(stderr, "%s: %s: %s\n", s->who, dir, strerror(errno));
		return 2;
	}
	snprintf(s->workdir, sizeof(s->workdir), "%s/%s.XXXXXX", real, s->who);
	free(real);
	if (mkdtemp(s->workdir) == NULL) {
		fprintf(stderr, "%s: mkdtemp: %s\n", s->who, strerror(errno));
		return 2;
	}
	return 0;
}

int bench_server_main(bench_server *s, int argc, char **argv, const char **uri, int (*start)(void),
                      int (*ingest)(int meters))
{
	int queue = argc >= 3 && strcmp(argv[1], "queue") == 0;
	size_t claim = queue && argc > 3 ? strtoul(argv[3], NULL, 10) : 20000;
	size_t enqueue = queue && argc > 4 ? strtoul(argv[4], NULL, 10) : 100000;
	int meters = !queue && argc > 4 ? atoi(argv[4]) : 1000;
	int rc;

	if (argc < 3 || (!queue && strcmp(argv[1], "ingest") != 0) || claim < 100 || enqueue < 1
	    || meters < 1)
		return usage(argv[0]);
	*uri = argv[2];
	if ((rc = make_workdir(s, !queue && argc > 3 ? argv[3] : "/tmp")) != 0)
		return rc;
	if (start == NULL || (rc = start()) == 0)
		rc = queue ? bench_server_queue(s, claim, enqueue) : ingest(meters);
	rmdir(s->workdir);
	return rc;
}
