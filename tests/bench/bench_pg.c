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
#include "bench_server.h"

#define DAYS 30

static const char *base_uri;
static char schema_prefix[64];
static bench_server server;

/* ---- helpers ------------------------------------------------------------ */

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

/* ---- ingest ------------------------------------------------------------- */


static bench_ingest_result run_copy(void)
{
	bench_ingest_result r;
	char script[PATH_MAX + 32];
	const char *args[] = { "-f", script, NULL };
	struct rusage before, after;
	FILE *f;
	double t0;

	memset(&r, 0, sizeof(r));
	snprintf(script, sizeof(script), "%s/copy.sql", server.workdir);
	if ((f = fopen(script, "w")) == NULL)
		exit(1);
	fprintf(f, "CREATE SCHEMA %s_copy;\nSET search_path = %s_copy;\n"
		"CREATE TABLE r (meter text, ts bigint, value double precision, PRIMARY KEY (meter, ts));\n"
		"\\copy r FROM '%s/long.csv' WITH (FORMAT csv)\n", schema_prefix, schema_prefix, server.workdir);
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

static int bench_ingest(int meters)
{
	bench_ingest_result ours, copy;
	bench_dataset ds;
	char sql[512];
	int ok;

	printf("bench_pg ingest: ecl_ingest_file() of a wide HH CSV into PostgreSQL "
	       "vs psql \\copy of the same readings in long form\n");
	bench_server_print_machine(&server);
	ds = bench_server_generate(&server, meters, DAYS);
	printf("input: %d meters x %d days = %lld readings\n", meters, DAYS, (long long)ds.readings);
	drop_schema("ingest");
	ours = bench_server_ingest(&server, "ingest");
	copy = run_copy();
	if (!ours.ok || !copy.ok) {
		fprintf(stderr, "bench_pg: ours: %s; copy: %s\n", ours.ok ? "ok" : ours.error, copy.ok ? "ok" : copy.error);
		return 1;
	}
	bench_server_print_ingest(&ours, &ds);
	printf("  \\copy   %7.3f s  %9.0f readings/s  (psql process, start-up included; cpu %.2f user %.2f sys)\n",
		copy.elapsed, ds.readings / copy.elapsed, copy.cpu_user, copy.cpu_sys);
	snprintf(sql, sizeof(sql), "select count(*), sum(reading_value), sum(extract(epoch from period_start))::bigint "
		"from %s_ingest.hh_readings", schema_prefix);
	ok = bench_server_check(&server, "ours", sql, &ds);
	snprintf(sql, sizeof(sql), "select count(*), sum(value), sum(ts) from %s_copy.r", schema_prefix);
	ok &= bench_server_check(&server, "\\copy", sql, &ds);
	printf("  ratio ours/\\copy = %.2f  (target <= 2: %s)\n", ours.elapsed / copy.elapsed,
		ours.elapsed <= 2 * copy.elapsed ? "MET" : "NOT MET");
	printf("summary: ours %.3f s, \\copy %.3f s, ratio %.2f (%s), checks %s\n", ours.elapsed, copy.elapsed,
		ours.elapsed / copy.elapsed, ours.elapsed <= 2 * copy.elapsed ? "MET" : "NOT MET", ok ? "ok" : "FAILED");
	drop_schema("ingest");
	drop_schema("copy");
	bench_server_unlink(&server, "wide.csv");
	bench_server_unlink(&server, "long.csv");
	bench_server_unlink(&server, "copy.sql");
	return ok ? 0 : 1;
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv)
{
	server.who = "bench_pg";
	server.backend = "PostgreSQL";
	server.store_uri = store_uri;
	server.drop_store = drop_schema;
	server.query_line = psql_line;
	server.version_sql = "select version()";
	snprintf(schema_prefix, sizeof(schema_prefix), "bench_%ld", (long)getpid());
	return bench_server_main(&server, argc, argv, &base_uri, NULL, bench_ingest);
}
