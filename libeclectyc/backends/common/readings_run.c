/*
 * The readings_write transaction over a backend's driver (readings_run.h).
 */
#include <stdlib.h>
#include <string.h>

#include "backends/common/driver.h"

typedef struct write_run {
	const ecl__readings_hooks *h;
	ecl__readings_write w;
} write_run;

static int write_batch(ecl_backend_conn *conn, void *opaque)
{
	write_run *x = opaque;
	int rc;

	/* A retried attempt starts again from nothing: the rollback undid it. */
	memset(&x->w.counts, 0, sizeof(x->w.counts));
	rc = x->h->readings(conn, &x->w);
	/* Last, so a cancelled job rolls the whole batch back. */
	if (rc == 0 && x->w.job != NULL)
		rc = x->h->apply_job(conn, x->w.job, x->w.found);
	return rc;
}

int ecl__common_readings_write(ecl_backend_conn *conn, ecl_reading_batch *batch,
                               const ecl_job_update *job, ecl_job_found *found,
                               ecl_write_counts *counts)
{
	const ecl__driver *d = ECL__DRIVER(conn);
	write_run x;
	size_t i;
	int rc;

	memset(&x, 0, sizeof(x));
	x.h = &d->readings;
	x.w.batch = batch;
	x.w.job = job;
	x.w.found = found;
	if (batch->meter_count > 0 && (x.w.ids = calloc(batch->meter_count, sizeof(*x.w.ids))) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory for %zu meters", batch->meter_count);
	rc = d->write(conn, write_batch, &x, "writing readings");
	for (i = 0; rc == 0 && i < batch->meter_count; i++)
		batch->meters[i].id = x.w.ids[i];
	if (rc == 0) {
		counts->inserted += x.w.counts.inserted;
		counts->updated += x.w.counts.updated;
		counts->unchanged += x.w.counts.unchanged;
		counts->meters_created += x.w.counts.meters_created;
	}
	free(x.w.ids);
	return rc;
}
