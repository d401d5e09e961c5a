/* What every benchmark prints first: the machine it measured. */
#ifndef ECL_BENCH_MACHINE_H
#define ECL_BENCH_MACHINE_H

/* Print the kernel, the CPU count and model, and the SQLite library
 * version, one "label:  value" line each. */
void bench_print_machine(void);

#endif
