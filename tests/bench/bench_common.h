/* What the benchmarks share: the machine description they print first,
 * clean-up of their SQLite files, and the writer of their generated inputs. */
#ifndef ECL_BENCH_COMMON_H
#define ECL_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>

/* Print the kernel, the CPU count and model, and the SQLite library
 * version, one "label:  value" line each. */
void bench_print_machine(void);

/* Remove dir/name and its -wal, -shm and -journal files, if present. */
void bench_remove_db(const char *dir, const char *name);

/* A buffered writer that formats numbers itself (printf would dominate the
 * generation time of the large input files). Exits on a write error. */
typedef struct out_buf {
	FILE *f;
	char buf[1 << 16];
	size_t len;
} out_buf;

void ob_flush(out_buf *o);
void ob_put(out_buf *o, const char *s, size_t n);
void ob_char(out_buf *o, char c);
void ob_uint(out_buf *o, uint64_t v);
/* v thousandths as "I.DDD" */
void ob_milli(out_buf *o, unsigned v);

/* A 13-digit MPAN core with a correct check digit. */
void make_mpan(char out[14], int meter);

/* What bench_write_readings() wrote. */
typedef struct bench_readings {
	int64_t readings;
	int64_t sum_milli;    /* sum of all values, in thousandths */
	int64_t sum_ts;       /* sum of all period starts */
} bench_readings;

/*
 * The ingestion benches' input: `meters` meters (13-digit MPAN cores) ×
 * `days` days from 2025-11-01 (GMT all month, so 48 periods a day) of
 * values 0.000–2.999 drawn from a 64-bit LCG with a fixed seed, so every
 * run and every bench writes the same bytes. `wide` gets MPAN,Date,HH01..HH48
 * rows, `lng` the same readings as meter,ts,value (ts the UTC period start).
 * Both are flushed, not closed. Exits on a write error.
 */
bench_readings bench_write_readings(FILE *wide, FILE *lng, int meters, int days);

/* The most processes bench_run_together() starts. */
#define BENCH_MAX_PROCESSES 16

/*
 * Fork `n` processes that each run child(index, arg) and exit; they start
 * together, once all are ready, so none gets a head start. Returns the wall
 * time from the start until the last has exited. Exits the bench (naming
 * `who`) when a fork fails or a child dies or exits non-zero. The children
 * share nothing with the parent but what `arg` points to in memory mapped
 * MAP_SHARED.
 */
double bench_run_together(int n, void (*child)(int index, void *arg), void *arg, const char *who);

#endif
