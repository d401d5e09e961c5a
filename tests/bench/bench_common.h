/* What the benchmarks share: the machine description they print first, and
 * clean-up of their SQLite files. */
#ifndef ECL_BENCH_COMMON_H
#define ECL_BENCH_COMMON_H

/* Print the kernel, the CPU count and model, and the SQLite library
 * version, one "label:  value" line each. */
void bench_print_machine(void);

/* Remove dir/name and its -wal, -shm and -journal files, if present. */
void bench_remove_db(const char *dir, const char *name);

#endif
