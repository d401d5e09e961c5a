/*
 * What the server benches (bench_pg, bench_mysql) share: the queue bench
 * (bulk enqueue, claim -> complete with 1 and 4 worker processes, with and
 * without simulated work) and the library's side of the ingest bench (the
 * generated files, ecl_ingest_file() timed in a child). Each bench says how
 * to open and drop a store of a given name on its server.
 */
#ifndef ECL_BENCH_SERVER_H
#define ECL_BENCH_SERVER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "eclectyc.h"

typedef struct bench_server {
	const char *who;        /* the bench, for messages */
	const char *backend;    /* "PostgreSQL", for titles */
	/* The store URI of store `name` (a schema or database of its own). */
	void (*store_uri)(char *out, size_t size, const char *name);
	void (*drop_store)(const char *name);  /* quiet when absent */
	/* The first row of `sql` on the server, columns joined by "|": 0 or -1. */
	int (*query_line)(const char *sql, char *out, size_t size);
	const char *version_sql; /* what query_line asks for the server line */
	char workdir[PATH_MAX];  /* scratch files */
} bench_server;

/* Print what failed with the library's message and exit 1. */
void bench_die(const bench_server *s, const char *what, int rc);

/* Store `name`, opened with a 30 s busy timeout; exits on failure. */
ecl_store *bench_server_open(const bench_server *s, const char *name);

/* The machine, the server (version_sql) and the library, a line each. */
void bench_server_print_machine(const bench_server *s);

/*
 * The queue bench: ENQUEUE_JOBS jobs created in one call; claim -> complete
 * over CLAIM_JOBS jobs with 1 then 4 worker processes; the same with
 * 1,000 us of work per job over CLAIM_JOBS / 4. Prints a line per
 * measurement, the ratios and a summary. Returns the exit status.
 */
int bench_server_queue(const bench_server *s, size_t claim_jobs, size_t enqueue_jobs);

/* What the generated ingest input holds. */
typedef struct bench_dataset {
	int64_t readings, sum_milli, sum_ts;
} bench_dataset;

/* workdir/wide.csv and workdir/long.csv: bench_write_readings() of
 * `meters` meters x `days` days. */
bench_dataset bench_server_generate(const bench_server *s, int meters, int days);

/* Remove workdir/name (for the generated files). */
void bench_server_unlink(const bench_server *s, const char *name);

typedef struct bench_ingest_result {
	int ok;
	double elapsed, cpu_user, cpu_sys;
	long maxrss_kib;
	int64_t processed, inserted, updated, unchanged, meters_created;
	char error[512];
} bench_ingest_result;

/* ecl_ingest_file() of workdir/wide.csv into store `name` (migrated first)
 * in a forked child: its time, CPU, peak RSS and report. */
bench_ingest_result bench_server_ingest(const bench_server *s, const char *name);

/* Print the library's ingest line. */
void bench_server_print_ingest(const bench_ingest_result *r, const bench_dataset *ds);

/* Read back `sql` (count, sum of values, sum of period starts) and compare
 * it with the generator's figures; prints a line, returns 1 when equal. */
int bench_server_check(const bench_server *s, const char *label, const char *sql,
                       const bench_dataset *ds);

/*
 * The main() of a server bench:
 *     WHO queue URI [CLAIM_JOBS [ENQUEUE_JOBS]]
 *     WHO ingest URI [DIR [METERS]]
 * sets *uri, makes the work directory (under DIR, default /tmp), calls
 * start() (may be NULL; non-zero ends the bench with it), then runs the
 * queue bench or ingest(METERS, default 1,000), removes the directory and
 * returns the exit status (2 for usage).
 */
int bench_server_main(bench_server *s, int argc, char **argv, const char **uri, int (*start)(void),
                      int (*ingest)(int meters));

#endif
