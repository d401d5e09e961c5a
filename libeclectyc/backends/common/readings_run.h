/*
 * The transaction of the `readings_write` slot (include/eclectyc/sys/backend.h)
 * that every SQL backend shares: the batch's readings, then the job's
 * progress, all or nothing; meter ids and counts handed back only once the
 * transaction committed, so a retried attempt never counts twice.
 */
#ifndef ECL_BACKENDS_COMMON_READINGS_RUN_H
#define ECL_BACKENDS_COMMON_READINGS_RUN_H

#include "eclectyc/sys/backend.h"

/* One attempt at writing a batch. */
typedef struct ecl__readings_write {
	ecl_reading_batch *batch;
	const ecl_job_update *job;
	ecl_job_found *found;
	int64_t *ids;              /* meter ids as this attempt resolved them */
	ecl_write_counts counts;   /* this attempt's counts */
} ecl__readings_write;

typedef struct ecl__readings_hooks {
	/* Write the batch (creating its unknown meters): fill w->ids for every
	 * batch meter and add to w->counts, inside the transaction. */
	int (*readings)(ecl_backend_conn *conn, ecl__readings_write *w);
	/* Apply a job update inside the transaction. */
	int (*apply_job)(ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found);
} ecl__readings_hooks;

/* The slot is ecl__common_readings_write() (driver.h). */

#endif
