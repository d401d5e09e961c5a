/*
 * The aggregation run every SQL backend shares (the `aggregate` slot of
 * include/eclectyc/sys/backend.h): set-based first, then meter by meter
 * under savepoints when the set-based attempt fails on one meter's data.
 *
 * A backend keeps only its SQL: it fills ecl__agg_hooks in its driver
 * (driver.h) and calls ecl__agg_run() from its `aggregate` slot. The run
 * owns the transaction's shape, the savepoints, the counts and the meters
 * reported through the request's meter_error.
 */
#ifndef ECL_BACKENDS_COMMON_AGGREGATE_RUN_H
#define ECL_BACKENDS_COMMON_AGGREGATE_RUN_H

#include "eclectyc/sys/backend.h"

/* The meters in the run's scope, ascending id (ecl__agg_meters_add()). */
typedef struct ecl__agg_meters {
	int64_t *ids;
	char **mpans;
	size_t count;
	size_t capacity;
} ecl__agg_meters;

/* Append a meter (the mpan is copied); 0 or ECL_ENOMEM. */
int ecl__agg_meters_add(ecl__agg_meters *list, int64_t id, const char *mpan);

/* What a backend does for a run; `self` is the backend's own state, which
 * holds the request. Every hook returns 0 or an ECL_E* code with the
 * thread's message set. */
typedef struct ecl__agg_hooks {
	/* Inside the transaction, first: load the run's scope (every meter of
	 * the request, and its days or periods). May be NULL. */
	int (*begin)(ecl_backend_conn *conn, void *self);
	/* Run the range's statements over the meters in scope: add the rows
	 * written and removed; on failure set *data_fault when it lay in one
	 * meter's data (a constraint, a value out of range), not the database. */
	int (*run)(ecl_backend_conn *conn, void *self, int64_t *written, int64_t *removed,
	           int *data_fault);
	/* The meters of the request's scope, ascending id. */
	int (*meters)(ecl_backend_conn *conn, void *self, ecl__agg_meters *out);
	/* Narrow the scope of later run and count calls to these meters. */
	int (*narrow)(ecl_backend_conn *conn, void *self, const int64_t *ids, size_t count);
	/* The rows held in scope now (*rows), the meters they belong to and,
	 * daily, the meter-days with fewer readings than periods. */
	int (*count)(ecl_backend_conn *conn, void *self, int64_t *rows, int64_t *meters,
	             int64_t *incomplete);
} ecl__agg_hooks;

/* One aggregation run of `request` (one transaction) with the driver's
 * hooks, which get `self`; `counts` is set on success and meter_error
 * called for each meter left out, after the commit. */
int ecl__agg_run(ecl_backend_conn *conn, void *self, const ecl_aggregate_request *request,
                 ecl_aggregate_counts *counts);

#endif
