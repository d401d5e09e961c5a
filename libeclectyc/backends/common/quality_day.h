/*
 * One meter's readings of a day, gathered for the `quality_scan` slot
 * (include/eclectyc/sys/backend.h): the arrays grow and are reused from one
 * meter to the next, so a scan allocates for its largest meter only.
 */
#ifndef ECL_BACKENDS_COMMON_QUALITY_DAY_H
#define ECL_BACKENDS_COMMON_QUALITY_DAY_H

#include "eclectyc/sys/backend.h"

typedef struct ecl__quality_day {
	ecl_quality_meter_day day;   /* the meter's fields are the backend's to set */
	int *periods;
	double *values;
	size_t capacity;
} ecl__quality_day;

/* Room for `count` readings; 0 or ECL_ENOMEM naming the meter. */
int ecl__quality_day_reserve(ecl__quality_day *m, size_t count);
/* Append one reading. */
int ecl__quality_day_add(ecl__quality_day *m, int period, double value);
/* Hand the meter to scan->meter; its return is the scan's. */
int ecl__quality_day_emit(ecl__quality_day *m, const ecl_quality_scan *scan);
void ecl__quality_day_dispose(ecl__quality_day *m);

#endif
