/*
 * bench_aggregate: ecl_aggregate() of a year of half-hour readings against
 * the sqlite3 CLI running one plain GROUP BY over the same table, both
 * measured in the same run (only the ratios mean anything across machines).
 *
 *   bench_aggregate [--meters N] [DIR]
 *
 * DIR (default /tmp) receives bench_aggregate.db, kept between runs (the
 * data takes about a minute to generate) and rebuilt when its row count is
 * not the expected one. The data: N meters (default 1,000) x every half
 * hour of 2025 in UTC (17,520 each: 365 days, of which one has 46 periods
 * and one 50) = 17.52 M rows in hh_readings, written by SQL in key order,
 * with settlement dates and local times by the Europe/London rule.
 *
 * Measured, each twice with the best kept:
 *   baseline  `sqlite3 DIR/bench_aggregate.db` running
 *               SELECT count(*), sum(s) FROM (SELECT meter_id, reading_date,
 *                 sum(reading_value) AS s FROM hh_readings
 *                 GROUP BY meter_id, reading_date)
 *             timed around wait4();
 *   daily     ecl_aggregate(DAILY, 2025-01-01, until 2025-12-31) into empty
 *             aggregate tables: every column (total, peak, off-peak, min,
 *             max, counts, expected periods), stale-row check, telemetry;
 *   all four  the same followed by weekly, monthly and annual;
 *   re-run    daily again over unchanged data (no row written).
 * Afterwards the sum of daily totals is compared with the baseline's sum.
 *
 * Targets: daily <= 1.5 x baseline; all four <= 2 x baseline. The bench
 * reports; it always exits 0 (2 for a bad argument).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "eclectyc.h"
#include "bench_common.h"

#define HALF_HOURS_2025 17520
#define BST_START_2025 1743296400   /* 2025-03-30 01:00 UTC */
#define BST_END_2025 1761440400     /* 2025-10-26 01:00 UTC */
#define START_2025 1735689600       /* 2025-01-01 00:00 UTC */
#define END_2025 1767225600         /* 2026-01-01 00:00 UTC */

#define BASELINE_SQL \
	"SELECT count(*), sum(s) FROM (SELECT meter_id, reading_date, sum(reading_value) AS s " \
	"FROM hh_readings GROUP BY meter_id, reading_date);"

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exec_sql(sqlite3 *db, const char *sql)
{
	char *error = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &error);

	if (rc != SQLITE_OK)
		fprintf(stderr, "bench_aggregate: %s\n", error ? error : sqlite3_errstr(rc));
	sqlite3_free(error);
	return rc == SQLITE_OK ? 0 : -1;
}

static double query_number(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	double value = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		value = sqlite3_column_double(s, 0);
	sqlite3_finalize(s);
	return value;
}

/* Meters, then every half hour of 2025 for each, in key order. */
static int generate(const char *path, int meters)
{
	char sql[2048];
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db) == SQLITE_OK ? 0 : -1;

	snprintf(sql, sizeof(sql),
		"PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; BEGIN;"
		"DELETE FROM hh_readings; DELETE FROM meters;"
		"WITH RECURSIVE m(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM m WHERE id < %d)"
		" INSERT INTO meters (id, mpan, created_at) SELECT id, printf('BENCH%%08d', id), 0 FROM m;"
		"CREATE TEMP TABLE hs AS WITH RECURSIVE h(t) AS (SELECT %d UNION ALL"
		" SELECT t + 1800 FROM h WHERE t + 1800 < %d)"
		" SELECT t, CASE WHEN t >= %d AND t < %d THEN 3600 ELSE 0 END AS o FROM h;"
		"INSERT INTO hh_readings (meter_id, period_start, reading_date, local_minutes,"
		" period_number, reading_value, estimated, import_batch)"
		" SELECT m.id, h.t, date(h.t + h.o, 'unixepoch'), ((h.t + h.o) %% 86400) / 60,"
		" ((h.t + h.o) %% 86400) / 1800 + 1, ((m.id * 7 + h.t / 1800) %% 97) / 100.0, 0, NULL"
		" FROM meters m CROSS JOIN hs h ORDER BY m.id, h.t;"
		"COMMIT;",
		meters, START_2025, END_2025, BST_START_2025, BST_END_2025);
	if (rc == 0)
		rc = exec_sql(db, sql);
	sqlite3_close(db);
	return rc;
}

static int prepare_data(const char *dir, const char *path, int meters)
{
	char uri[4200];
	ecl_store *store = NULL;
	sqlite3 *db = NULL;
	double rows = -1, started;
	int rc;

	snprintf(uri, sizeof(uri), "sqlite://%s", path);
	rc = ecl_store_open(&store, uri, NULL) == 0 && ecl_store_migrate(store) == 0 ? 0 : -1;
	ecl_store_free(store);
	if (rc == 0 && sqlite3_open(path, &db) == SQLITE_OK)
		rows = query_number(db, "SELECT count(*) FROM hh_readings");
	sqlite3_close(db);
	if (rc != 0) {
		fprintf(stderr, "bench_aggregate: cannot open %s: %s\n", uri, ecl_error_last());
		return -1;
	}
	if (rows == (double)meters * HALF_HOURS_2025) {
		printf("data:     %s (kept from an earlier run)\n", path);
		return 0;
	}
	(void)dir;
	started = now_seconds();
	rc = generate(path, meters);
	printf("data:     %d meters x %d half hours = %.2f M rows generated in %.1f s\n", meters,
	       HALF_HOURS_2025, meters * (double)HALF_HOURS_2025 / 1e6, now_seconds() - started);
	return rc;
}

/* The sqlite3 CLI's plain GROUP BY, in its own process. */
static double run_baseline(const char *path, double *sum)
{
	int to_child[2], from_child[2];
	double started = now_seconds(), elapsed = -1;
	char output[256] = "";
	ssize_t got;
	pid_t pid;
	int status;

	if (pipe(to_child) != 0 || pipe(from_child) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(to_child[0], 0);
		dup2(from_child[1], 1);
		close(to_child[1]);
		close(from_child[0]);
		execlp("sqlite3", "sqlite3", "-bail", "-readonly", path, (char *)NULL);
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	if (write(to_child[1], BASELINE_SQL "\n", strlen(BASELINE_SQL) + 1) < 0)
		perror("bench_aggregate: write");
	close(to_child[1]);
	got = read(from_child[0], output, sizeof(output) - 1);
	output[got > 0 ? got : 0] = '\0';
	close(from_child[0]);
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		elapsed = now_seconds() - started;
		if (strchr(output, '|'))
			*sum = strtod(strchr(output, '|') + 1, NULL);
	} else {
		fprintf(stderr, "bench_aggregate: sqlite3 CLI failed (is the sqlite3 package installed?)\n");
	}
	return elapsed;
}

static int empty_aggregates(const char *path)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db) == SQLITE_OK ? 0 : -1;

	if (rc == 0)
		rc = exec_sql(db, "DELETE FROM daily_aggregations; DELETE FROM weekly_aggregations;"
			"DELETE FROM monthly_aggregations; DELETE FROM annual_aggregations;"
			"DELETE FROM scheduler_executions; PRAGMA wal_checkpoint(TRUNCATE);");
	sqlite3_close(db);
	return rc;
}

static double timed_range(ecl_store *store, ecl_range range, const char *until)
{
	ecl_aggregate_options o = ECL_AGGREGATE_OPTIONS_INIT;
	ecl_aggregate_report *r = NULL;
	double started = now_seconds();
	int rc;

	o.until = until;
	rc = ecl_aggregate(&r, store, range, "2025-01-01", &o);
	if (rc != 0 || r == NULL || r->status != ECL_RUN_COMPLETED)
		fprintf(stderr, "bench_aggregate: %s run failed: %s\n", ecl_range_name(range),
		        ecl_error_last());
	else if (range == ECL_RANGE_DAILY)
		printf("          daily: %lld rows written, %lld unchanged, %lld meters\n",
		       (long long)r->rows_written, (long long)r->rows_unchanged,
		       (long long)r->meters_processed);
	ecl_aggregate_report_free(r);
	return rc == 0 ? now_seconds() - started : -1;
}

typedef struct timings { double daily, all, rerun; } timings;

static int run_ours(const char *path, timings *t)
{
	char uri[4200];
	ecl_store *store = NULL;
	int rc;

	snprintf(uri, sizeof(uri), "sqlite://%s", path);
	rc = empty_aggregates(path);
	if (rc == 0)
		rc = ecl_store_open(&store, uri, NULL);
	if (rc == 0) {
		t->daily = timed_range(store, ECL_RANGE_DAILY, "2025-12-31");
		t->all = t->daily + timed_range(store, ECL_RANGE_WEEKLY, "2025-12-31")
			+ timed_range(store, ECL_RANGE_MONTHLY, "2025-12-31")
			+ timed_range(store, ECL_RANGE_ANNUAL, "2025-12-31");
		t->rerun = timed_range(store, ECL_RANGE_DAILY, "2025-12-31");
	}
	ecl_store_free(store);
	return rc;
}

static double min_positive(double a, double b)
{
	return a < 0 ? b : (b < 0 || a < b ? a : b);
}

static void check_sums(const char *path, double baseline_sum)
{
	sqlite3 *db = NULL;
	double ours = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK)
		ours = query_number(db, "SELECT sum(total_consumption) FROM daily_aggregations");
	sqlite3_close(db);
	printf("check:    sum of daily totals %.3f, baseline %.3f: %s\n", ours, baseline_sum,
	       ours > 0 && ours - baseline_sum < 1e-6 * baseline_sum
	               && baseline_sum - ours < 1e-6 * baseline_sum ? "equal" : "DIFFERENT");
}

int main(int argc, char **argv)
{
	const char *dir = "/tmp";
	char path[4096];
	timings best = { -1, -1, -1 };
	double baseline = -1, sum = 0;
	int meters = 1000, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--meters") == 0 && i + 1 < argc)
			meters = atoi(argv[++i]);
		else if (argv[i][0] != '-')
			dir = argv[i];
		else {
			fprintf(stderr, "usage: bench_aggregate [--meters N] [DIR]\n");
			return 2;
		}
	}
	if (meters < 1) {
		fprintf(stderr, "bench_aggregate: --meters must be >= 1\n");
		return 2;
	}
	bench_print_machine();
	snprintf(path, sizeof(path), "%s/bench_aggregate.db", dir);
	if (prepare_data(dir, path, meters) != 0)
		return 0;
	for (i = 0; i < 2; i++) {
		timings t = { -1, -1, -1 };

		baseline = min_positive(baseline, run_baseline(path, &sum));
		if (run_ours(path, &t) != 0) {
			fprintf(stderr, "bench_aggregate: %s\n", ecl_error_last());
			return 0;
		}
		best.daily = min_positive(best.daily, t.daily);
		best.all = min_positive(best.all, t.all);
		best.rerun = min_positive(best.rerun, t.rerun);
	}
	printf("baseline: sqlite3 GROUP BY meter, date          %8.2f s\n", baseline);
	printf("ours:     daily, every column                  %8.2f s  ratio %.2f (target <= 1.5)\n",
	       best.daily, best.daily / baseline);
	printf("ours:     daily + weekly + monthly + annual    %8.2f s  ratio %.2f (target <= 2.0)\n",
	       best.all, best.all / baseline);
	printf("ours:     daily re-run, nothing changed        %8.2f s  ratio %.2f\n",
	       best.rerun, best.rerun / baseline);
	check_sums(path, sum);
	return 0;
}
