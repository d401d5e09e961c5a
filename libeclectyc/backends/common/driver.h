/*
 * What a SQL backend gives the code it shares in backends/common: its
 * transaction primitives and the hooks of each shared run (the migrations
 * and the drift check, schema.h; the aggregation, aggregate_run.h; the
 * readings' transaction, readings_run.h; the data feeds' store, feed_store.h,
 * over one statement hook, statement.h). A backend fills one ecl__driver
 * and starts its connection struct with a pointer to it, so the shared
 * slot functions (ecl__common_*) go into its ecl_backend table as they are.
 */
#ifndef ECL_BACKENDS_COMMON_DRIVER_H
#define ECL_BACKENDS_COMMON_DRIVER_H

#include "eclectyc/sys/backend.h"
#include "backends/common/aggregate_run.h"
#include "backends/common/feed_store.h"
#include "backends/common/job_columns.h"
#include "backends/common/readings_run.h"
#include "backends/common/schema.h"
#include "backends/common/statement.h"

typedef int (*ecl__backend_work)(ecl_backend_conn *conn, void *ctx);

typedef struct ecl__driver {
	/* Run `work` in one write transaction, retried whole on contention
	 * until the busy timeout. */
	int (*write)(ecl_backend_conn *conn, ecl__backend_work work, void *ctx, const char *doing);
	/* Run reading `work`, retried on contention; NULL runs it as it is. */
	int (*read)(ecl_backend_conn *conn, ecl__backend_work work, void *ctx, const char *doing);
	/* Execute parameterless SQL (several statements allowed). */
	int (*exec)(ecl_backend_conn *conn, const char *sql, const char *doing);
	/* The claim: `claim` (one attempt, among `types` or any) run through
	 * `claim_run` (a transaction, or one statement in autocommit). */
	ecl__job_runner claim_run;
	ecl__job_claim_fn claim;
	ecl__schema_hooks schema;
	ecl__agg_hooks aggregate;
	ecl__readings_hooks readings;
	/* One statement written for every driver (statement.h), spelt already:
	 * bind call->params through `dialect`, run it (in the caller's
	 * transaction, if any), hand each row to call->row, and set
	 * call->changed (and call->inserted_id where the driver has it). A
	 * unique-key violation is ECL_EEXISTS. */
	int (*statement)(ecl_backend_conn *conn, ecl__sql_call *call, const char *doing);
	/* How the driver spells and binds a value of each kind: its job dialect. */
	const ecl__job_dialect *dialect;
	ecl__feed_hooks feeds;
} ecl__driver;

/* The driver of a connection: the first member of every backend's struct. */
#define ECL__DRIVER(conn) (*(const ecl__driver *const *)(const void *)(conn))

/* The slots whose whole logic is shared (schema.c, readings_run.c). */
int ecl__common_schema_version(ecl_backend_conn *conn, int *current, int *expected);
int ecl__common_migrate(ecl_backend_conn *conn, int64_t applied_at);
int ecl__common_migrate_plan(ecl_backend_conn *conn, ecl_buf *out);
int ecl__common_job_claim(ecl_backend_conn *conn, const char *worker_id, int64_t now, ecl_job *out,
                          int *claimed);
int ecl__common_job_claim_of(ecl_backend_conn *conn, const char *types, const char *worker_id,
                             int64_t now, ecl_job *out, int *claimed);
int ecl__common_check(ecl_backend_conn *conn, ecl_schema_report *report);
int ecl__common_readings_write(ecl_backend_conn *conn, ecl_reading_batch *batch,
                               const ecl_job_update *job, ecl_job_found *found,
                               ecl_write_counts *counts);

#endif
