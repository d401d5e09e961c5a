/*
 * bench_mysql: the MySQL/MariaDB backend's queue and ingest throughput, with
 * baselines measured in the same run (only the ratios mean anything across
 * machines). The MySQL counterpart of bench_pg.
 *
 *   bench_mysql queue  URI [CLAIM_JOBS [ENQUEUE_JOBS]]
 *   bench_mysql ingest URI [DIR [METERS]]
 *
 * URI is a mysql:// URI whose user may create and drop databases; the bench
 * works in fresh databases bench_<pid>_<what> (the URI's database replaced)
 * and drops them at the end.
 *
 * queue: as bench_pg (bench_server.c): bulk enqueue of ENQUEUE_JOBS
 *   (100,000) jobs; claim -> complete with 1 then 4 worker processes over
 *   CLAIM_JOBS (20,000) jobs; the same with 1,000 us of work per job.
 *   Target: 4 workers >= 2 x the single worker's rate.
 *
 * ingest: the wide file of bench_ingest and bench_pg (METERS (1,000)
 * meters x 30 days of November 2025 = 1.44 M readings) through
 * ecl_ingest_file() in a forked child, against, over a new connection,
 *     CREATE TABLE r (meter VARCHAR(13), ts BIGINT, value DOUBLE,
 *                     PRIMARY KEY (meter, ts)) ENGINE = InnoDB;
 *     LOAD DATA LOCAL INFILE 'long.csv' INTO TABLE r FIELDS TERMINATED BY ','
 * for the same readings in long form into the same key (timed from the
 * connection on). Both are read back (count, sum of values, sum of period
 * starts) and compared with the generator.
 *   Targets: our time <= 1.5 x LOAD DATA's; our rate >= 300 x the reference
 *   importer's 2,835 readings/s (the wide file, docs/benchmarks.md).
 *
 * The bench reports; it exits 0 unless an operation fails (2 for usage).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eclectyc.h"
#include "bench_common.h"
#include "bench_server.h"
#include "ecl_my_connect.h"

#define DAYS 30
/* The reference importer on the wide file (docs/benchmarks.md), and the
 * factor the issue asks to beat it by. */
#define REFERENCE_RATE 2835.0
#define REFERENCE_FACTOR 300.0
#define LOAD_TARGET 1.5

static const char *base_uri;
static char db_prefix[64];
static bench_server server;
static MYSQL *admin;   /* the bench's own connection: drops, checks */

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static MYSQL *connect_or_exit(void)
{
	char error[256];
	MYSQL *my = ecl_my_connect(base_uri, error);

	if (my == NULL) {
		fprintf(stderr, "bench_mysql: cannot connect to %s: %s\n", base_uri, error);
		exit(1);
	}
	return my;
}

/* Run SQL on the bench's connection (results discarded): 0 or -1. */
static int admin_exec(const char *sql)
{
	int status;

	if (mysql_query(admin, sql) != 0)
		return -1;
	do {
		MYSQL_RES *res = mysql_store_result(admin);

		mysql_free_result(res);
	} while ((status = mysql_next_result(admin)) == 0);
	return status > 0 ? -1 : 0;
}

/* The first row of `sql`, its columns joined by "|", into out. */
static int admin_line(const char *sql, char *out, size_t size)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	size_t used = 0;
	unsigned int i;

	out[0] = '\0';
	if (mysql_query(admin, sql) != 0 || (res = mysql_store_result(admin)) == NULL)
		return -1;
	if ((row = mysql_fetch_row(res)) != NULL)
		for (i = 0; i < mysql_num_fields(res) && used < size; i++)
			used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "|" : "",
				row[i] != NULL ? row[i] : "");
	mysql_free_result(res);
	return row != NULL ? 0 : -1;
}

/* The store URI of database <prefix>_<name>: the URI's database replaced. */
static void store_uri(char *out, size_t size, const char *name)
{
	const char *a = strstr(base_uri, "://"), *end, *q;
	int n;

	end = a + 3 + strcspn(a + 3, "/?");
	q = strchr(end, '?');
	n = snprintf(out, size, "%.*s/%s_%s%s", (int)(end - base_uri), base_uri, db_prefix, name,
		q != NULL ? q : "");
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "bench_mysql: URI too long\n");
		exit(2);
	}
}

static void drop_database(const char *name)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s_%s`", db_prefix, name);
	if (admin_exec(sql) != 0)
		fprintf(stderr, "bench_mysql: warning: could not drop database %s_%s: %s\n", db_prefix, name,
			mysql_error(admin));
}

/* ---- ingest ------------------------------------------------------------- */

/* LOAD DATA LOCAL INFILE of long.csv into a fresh table over a new
 * connection, timed from the connection on. */
static bench_ingest_result run_load(void)
{
	bench_ingest_result r;
	char sql[PATH_MAX + 512];
	double t0;
	MYSQL *my;

	memset(&r, 0, sizeof(r));
	drop_database("load");
	t0 = seconds();
	my = connect_or_exit();
	snprintf(sql, sizeof(sql), "CREATE DATABASE `%s_load`; USE `%s_load`; "
		"CREATE TABLE r (meter VARCHAR(13) NOT NULL, ts BIGINT NOT NULL, value DOUBLE NOT NULL,"
		" PRIMARY KEY (meter, ts)) ENGINE = InnoDB;"
		" LOAD DATA LOCAL INFILE '%s/long.csv' INTO TABLE r FIELDS TERMINATED BY ','",
		db_prefix, db_prefix, server.workdir);
	r.ok = mysql_query(my, sql) == 0;
	while (r.ok && mysql_next_result(my) == 0)
		;
	r.ok = r.ok && mysql_errno(my) == 0;
	if (!r.ok)
		snprintf(r.error, sizeof(r.error), "LOAD DATA failed: %s", mysql_error(my));
	mysql_close(my);
	r.elapsed = seconds() - t0;
	return r;
}

static const char *met(int yes)
{
	return yes ? "MET" : "NOT MET";
}

static int bench_ingest(int meters)
{
	bench_ingest_result ours, load;
	bench_dataset ds;
	double rate;
	char sql[512];
	int ok;

	printf("bench_mysql ingest: ecl_ingest_file() of a wide HH CSV into MySQL "
	       "vs LOAD DATA LOCAL INFILE of the same readings in long form\n");
	bench_server_print_machine(&server);
	ds = bench_server_generate(&server, meters, DAYS);
	printf("input: %d meters x %d days = %lld readings\n", meters, DAYS, (long long)ds.readings);
	drop_database("ingest");
	ours = bench_server_ingest(&server, "ingest");
	load = run_load();
	if (!ours.ok || !load.ok) {
		fprintf(stderr, "bench_mysql: ours: %s; load: %s\n", ours.ok ? "ok" : ours.error,
			load.ok ? "ok" : load.error);
		return 1;
	}
	rate = ds.readings / ours.elapsed;
	bench_server_print_ingest(&ours, &ds);
	printf("  LOAD     %7.3f s  %9.0f readings/s  (new connection, CREATE TABLE and LOAD DATA LOCAL "
	       "INFILE)\n", load.elapsed, ds.readings / load.elapsed);
	snprintf(sql, sizeof(sql), "SELECT count(*), sum(reading_value), sum(period_start) "
		"FROM `%s_ingest`.hh_readings", db_prefix);
	ok = bench_server_check(&server, "ours", sql, &ds);
	snprintf(sql, sizeof(sql), "SELECT count(*), sum(value), sum(ts) FROM `%s_load`.r", db_prefix);
	ok &= bench_server_check(&server, "LOAD DATA", sql, &ds);
	printf("  ratio ours/LOAD DATA = %.2f  (target <= %.1f: %s)\n", ours.elapsed / load.elapsed,
		LOAD_TARGET, met(ours.elapsed <= LOAD_TARGET * load.elapsed));
	printf("  ours / reference importer (%.0f readings/s) = %.0f x  (target >= %.0f x: %s)\n",
		REFERENCE_RATE, rate / REFERENCE_RATE, REFERENCE_FACTOR,
		met(rate >= REFERENCE_FACTOR * REFERENCE_RATE));
	printf("summary: ours %.3f s (%.0f readings/s, x%.0f the reference importer, %s), LOAD DATA %.3f s, "
	       "ratio %.2f (%s), checks %s\n", ours.elapsed, rate, rate / REFERENCE_RATE,
		met(rate >= REFERENCE_FACTOR * REFERENCE_RATE), load.elapsed, ours.elapsed / load.elapsed,
		met(ours.elapsed <= LOAD_TARGET * load.elapsed), ok ? "ok" : "FAILED");
	drop_database("ingest");
	drop_database("load");
	bench_server_unlink(&server, "wide.csv");
	bench_server_unlink(&server, "long.csv");
	return ok ? 0 : 1;
}

/* ---- main --------------------------------------------------------------- */

/* The bench's own connection, once the URI is known. */
static int start(void)
{
	if (strstr(base_uri, "://") == NULL) {
		fprintf(stderr, "bench_mysql: \"%s\" is not a mysql:// URI\n", base_uri);
		return 2;
	}
	admin = connect_or_exit();
	return 0;
}

int main(int argc, char **argv)
{
	int rc;

	server.who = "bench_mysql";
	server.backend = "MySQL/MariaDB";
	server.store_uri = store_uri;
	server.drop_store = drop_database;
	server.query_line = admin_line;
	server.version_sql = "SELECT concat('MariaDB/MySQL ', version(), ', buffer pool ',"
		" @@innodb_buffer_pool_size DIV 1048576, ' MiB, innodb_flush_log_at_trx_commit ',"
		" @@innodb_flush_log_at_trx_commit)";
	snprintf(db_prefix, sizeof(db_prefix), "bench_%ld", (long)getpid());
	rc = bench_server_main(&server, argc, argv, &base_uri, start, bench_ingest);
	if (admin != NULL)
		mysql_close(admin);
	return rc;
}
