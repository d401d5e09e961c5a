/*
 * The aggregation run and its fallback, over a backend's hooks
 * (aggregate_run.h).
 *
 * The set-based statements run under a savepoint. When one fails on a
 * meter's data, the attempt is rolled back to it and the run repeated meter
 * by meter, each under its own savepoint: the meters that fail are recorded
 * and left out, the others are committed. The failures are handed to the
 * caller only after the commit, so a retried transaction never reports a
 * meter twice. The savepoint statements are the SQL standard's, which every
 * backend so far (SQLite, PostgreSQL, MySQL) accepts as written.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/common/driver.h"
#include "util/strutil.h"

typedef struct meter_failure {
	int64_t id;
	char *mpan;
	char *message;
} meter_failure;

typedef struct agg_run {
	const ecl__driver *d;
	const ecl__agg_hooks *h;
	void *self;
	ecl_aggregate_counts counts;
	meter_failure *failures;     /* delivered after the commit */
	size_t failure_count;
} agg_run;

int ecl__agg_meters_add(ecl__agg_meters *list, int64_t id, const char *mpan)
{
	if (list->count == list->capacity) {
		size_t cap = list->capacity ? 2 * list->capacity : 64;
		int64_t *ids = realloc(list->ids, cap * sizeof(*ids));
		char **mpans;

		if (ids != NULL)
			list->ids = ids;
		mpans = ids ? realloc(list->mpans, cap * sizeof(*mpans)) : NULL;
		if (mpans == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory listing the meters to aggregate");
		list->mpans = mpans;
		list->capacity = cap;
	}
	list->ids[list->count] = id;
	list->mpans[list->count++] = ecl__strdup(mpan ? mpan : "?");
	return 0;
}

static void meters_dispose(ecl__agg_meters *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		free(list->mpans[i]);
	free(list->mpans);
	free(list->ids);
	memset(list, 0, sizeof(*list));
}

static void clear_failures(agg_run *x)
{
	size_t i;

	for (i = 0; i < x->failure_count; i++) {
		free(x->failures[i].mpan);
		free(x->failures[i].message);
	}
	free(x->failures);
	x->failures = NULL;
	x->failure_count = 0;
}

static int note_failure(agg_run *x, int64_t id, const char *mpan)
{
	meter_failure *grown = realloc(x->failures, (x->failure_count + 1) * sizeof(*grown));
	meter_failure *f;

	if (grown == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory recording a meter's failure");
	x->failures = grown;
	f = &x->failures[x->failure_count++];
	f->id = id;
	f->mpan = ecl__strdup(mpan ? mpan : "?");
	f->message = ecl__strdup(ecl_error_last());
	return 0;
}

static int run_scope(ecl_backend_conn *conn, agg_run *x, int *data_fault)
{
	*data_fault = 0;
	return x->h->run(conn, x->self, &x->counts.written, &x->counts.removed, data_fault);
}

/* One meter under its own savepoint; a data fault leaves it out. */
static int aggregate_one(ecl_backend_conn *conn, agg_run *x, int64_t id, const char *mpan,
                         int *failed)
{
	const char *doing = "aggregating one meter";
	ecl_aggregate_counts saved = x->counts;
	int fault = 0;
	int rc = x->h->narrow(conn, x->self, &id, 1);

	*failed = 0;
	if (rc == 0)
		rc = x->d->exec(conn, "SAVEPOINT ecl_agg_meter", doing);
	if (rc == 0 && (rc = run_scope(conn, x, &fault)) != 0 && fault) {
		x->counts = saved;
		*failed = 1;
		rc = note_failure(x, id, mpan);
		if (rc == 0)
			rc = x->d->exec(conn, "ROLLBACK TO SAVEPOINT ecl_agg_meter", doing);
	}
	if (rc == 0)
		rc = x->d->exec(conn, "RELEASE SAVEPOINT ecl_agg_meter", doing);
	return rc;
}

/* The set-based attempt failed on some meter's data: go meter by meter,
 * then leave the scope on the meters that were written. */
static int aggregate_each(ecl_backend_conn *conn, agg_run *x)
{
	ecl__agg_meters list;
	size_t i, ok = 0;
	int rc;

	memset(&list, 0, sizeof(list));
	rc = x->h->meters(conn, x->self, &list);
	for (i = 0; rc == 0 && i < list.count; i++) {
		int failed = 0;

		rc = aggregate_one(conn, x, list.ids[i], list.mpans[i], &failed);
		if (rc == 0 && !failed)
			list.ids[ok++] = list.ids[i];
	}
	if (rc == 0)
		rc = x->h->narrow(conn, x->self, list.ids, ok);
	meters_dispose(&list);
	return rc;
}

static int count_scope(ecl_backend_conn *conn, agg_run *x)
{
	int64_t rows = 0;
	int rc = x->h->count(conn, x->self, &rows, &x->counts.meters, &x->counts.incomplete);

	if (rc == 0)
		x->counts.unchanged = rows > x->counts.written ? rows - x->counts.written : 0;
	return rc;
}

static int aggregate_work(ecl_backend_conn *conn, void *opaque)
{
	agg_run *x = opaque;
	int fault = 0;
	int rc = 0;

	/* A retried attempt starts again from nothing: the rollback undid it. */
	memset(&x->counts, 0, sizeof(x->counts));
	clear_failures(x);
	if (x->h->begin != NULL)
		rc = x->h->begin(conn, x->self);
	if (rc == 0)
		rc = x->d->exec(conn, "SAVEPOINT ecl_agg_all", "aggregating");
	if (rc == 0 && (rc = run_scope(conn, x, &fault)) != 0 && fault) {
		memset(&x->counts, 0, sizeof(x->counts));
		rc = x->d->exec(conn, "ROLLBACK TO SAVEPOINT ecl_agg_all", "aggregating");
		if (rc == 0)
			rc = aggregate_each(conn, x);
	}
	if (rc == 0)
		rc = x->d->exec(conn, "RELEASE SAVEPOINT ecl_agg_all", "aggregating");
	if (rc == 0)
		rc = count_scope(conn, x);
	return rc;
}

int ecl__agg_run(ecl_backend_conn *conn, void *self, const ecl_aggregate_request *request,
                 ecl_aggregate_counts *counts)
{
	agg_run x;
	size_t i;
	int rc;

	memset(&x, 0, sizeof(x));
	x.d = ECL__DRIVER(conn);
	x.h = &x.d->aggregate;
	x.self = self;
	rc = x.d->write(conn, aggregate_work, &x, "aggregating");
	if (rc == 0) {
		x.counts.failed_meters = (int64_t)x.failure_count;
		*counts = x.counts;
		for (i = 0; request->meter_error != NULL && i < x.failure_count; i++)
			request->meter_error(request->payload, x.failures[i].id, x.failures[i].mpan,
			                     x.failures[i].message ? x.failures[i].message : "out of memory");
	}
	clear_failures(&x);
	return rc;
}
