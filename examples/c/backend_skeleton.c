/*
 * backend_skeleton: where a custom storage backend starts.
 *
 *   backend_skeleton
 *
 * A backend is a `const ecl_backend` (include/eclectyc/sys/backend.h): a
 * table of functions at the level of the domain (insert a job, claim the
 * next one, write a batch of readings …), never SQL handed down by the core.
 * The core keeps the policy (legal transitions, backoff, the settlement
 * calendar) and passes every instant in, so a backend never reads a clock.
 * It is registered under a URI scheme; ecl_store_open("skeleton://…") then
 * reaches it.
 *
 * This skeleton stores nothing. It fills the slots the library requires of
 * every backend (connect, schema, jobs), answers the job slots with
 * ECL_ENOTSUPPORTED until they are written, and leaves every optional slot
 * NULL. main() shows what the library does with it: a backend
 * lacking a required slot is refused at registration; this one registers,
 * opens and migrates; its stubbed slots fail cleanly; and an operation that
 * needs an optional slot (counting jobs, aggregation, health …) is
 * refused by the library with ECL_ENOTSUPPORTED before any slot is called.
 *
 * The rules a real backend keeps are proven by the conformance suite in
 * tests/backend (docs/backends.md): run it against the new scheme.
 */
#define _XOPEN_SOURCE 700   /* strdup */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <eclectyc.h>
#include <eclectyc/sys/backend.h>   /* ecl_backend, ecl_backend_register */
#include <eclectyc/sys/errors.h>    /* ecl_error_set */

/* Each backend defines the connection struct the interface leaves opaque. */
struct ecl_backend_conn {
	char *uri;      /* a copy: the caller's string need not outlive the store */
	int schema;     /* migrations applied; a real backend reads schema_migrations */
};

#define SKELETON_SCHEMA 1   /* the highest migration this backend knows */

/* Every failure returns a negative ECL_E* code AND sets the thread's message
 * through ecl_error_set(), naming what failed: the core passes both on. */
static int not_yet(const char *slot)
{
	return ecl_error_set(ECL_ENOTSUPPORTED, "the skeleton backend does not implement %s yet", slot);
}

/* open: connect for `uri` (the whole URI, scheme included) and allocate the
 * connection. Must not change the schema (ecl_store_migrate() does that);
 * must honour opts->busy_timeout_ms for a locked database. Nothing stays
 * allocated on failure. */
static int skeleton_open(ecl_backend_conn **out, const char *uri, const ecl_store_options *opts)
{
	ecl_backend_conn *conn = calloc(1, sizeof(*conn));

	(void)opts;
	if (conn == NULL || (conn->uri = strdup(uri)) == NULL) {
		free(conn);
		return ecl_error_set(ECL_ENOMEM, "out of memory opening a skeleton store");
	}
	*out = conn;
	return 0;
}

/* close: disconnect and free everything open allocated. Accepts NULL. */
static void skeleton_close(ecl_backend_conn *conn)
{
	if (conn == NULL)
		return;
	free(conn->uri);
	free(conn);
}

/* schema_version: the highest migration applied (0 for an empty database)
 * and the highest this backend knows; the core refuses to work (ECL_ESCHEMA)
 * until they are equal. */
static int skeleton_schema_version(ecl_backend_conn *conn, int *current, int *expected)
{
	*current = conn->schema;
	*expected = SKELETON_SCHEMA;
	return 0;
}

/* migrate: apply the pending migrations, each in its own transaction,
 * recorded in schema_migrations with `applied_at`. Idempotent: many
 * processes may migrate one database at once and all succeed. */
static int skeleton_migrate(ecl_backend_conn *conn, int64_t applied_at)
{
	(void)applied_at;
	conn->schema = SKELETON_SCHEMA;
	return 0;
}

/* check: report drift (a missing table, column or key) with one
 * ecl_schema_report_add() per problem, changing nothing. */
static int skeleton_check(ecl_backend_conn *conn, ecl_schema_report *report)
{
	(void)conn;
	(void)report;
	return 0;   /* nothing stored, nothing to drift */
}

/* job_insert: insert `count` queued jobs in ONE transaction, all or none.
 * The core has validated them and filled batch_id, queued_at, … */
static int skeleton_job_insert(ecl_backend_conn *conn, const ecl_job *jobs, size_t count)
{
	(void)conn;
	(void)jobs;
	(void)count;
	return not_yet("job_insert");
}

/* job_get: one job into `out`, strings newly malloc()ed (the core frees
 * them with ecl_job_clear()); ECL_ENOTFOUND naming the batch id when absent. */
static int skeleton_job_get(ecl_backend_conn *conn, const char *batch_id, ecl_job *out)
{
	(void)conn;
	(void)batch_id;
	(void)out;
	return not_yet("job_get");
}

/* job_list: jobs matching opts, newest first (queued_at DESC, id DESC). */
static int skeleton_job_list(ecl_backend_conn *conn, const ecl_job_list_options *opts,
                             ecl_job_array *out)
{
	(void)conn;
	(void)opts;
	(void)out;
	return not_yet("job_list");
}

/* job_claim: ATOMICALLY, across processes and machines, move the next
 * runnable job (queued, retry_at NULL or <= now; priority high > normal >
 * low, then queued_at, then id) to processing for `worker_id`. No job may
 * be claimed twice and no runnable job skipped: this is the one slot where
 * a backend's locking is proven (SQLite BEGIN IMMEDIATE, PostgreSQL
 * FOR UPDATE SKIP LOCKED). *claimed = 0 when nothing is runnable. */
static int skeleton_job_claim(ecl_backend_conn *conn, const char *worker_id, int64_t now,
                              ecl_job *out, int *claimed)
{
	(void)conn;
	(void)worker_id;
	(void)now;
	(void)out;
	*claimed = 0;
	return not_yet("job_claim");
}

/* job_update: apply `update` only if the job's status is in from_statuses
 * (and the expected worker / retry count match), in one statement or
 * transaction. ECL_ENOTFOUND when the job does not exist; ECL_ESTATE with
 * `found` filled when a condition failed, so the core can say why. */
static int skeleton_job_update(ecl_backend_conn *conn, const ecl_job_update *update,
                               ecl_job_found *found)
{
	(void)conn;
	(void)update;
	(void)found;
	return not_yet("job_update");
}

/* Named initializers: a slot not named is NULL. */
static const ecl_backend skeleton_backend = {
	/* The interface version this table fills (ECL_BACKEND_VERSION when
	 * built). A slot added by a later version is NULL here, and the
	 * library refuses what needs it with ECL_ENOTSUPPORTED. */
	.version = ECL_BACKEND_VERSION,
	.name = "skeleton",
	.open = skeleton_open,
	.close = skeleton_close,
	.schema_version = skeleton_schema_version,
	.migrate = skeleton_migrate,
	.check = skeleton_check,
	.job_insert = skeleton_job_insert,
	.job_get = skeleton_job_get,
	.job_list = skeleton_job_list,
	.job_claim = skeleton_job_claim,
	.job_update = skeleton_job_update,
	/* The optional slots stay NULL until written (sys/backend.h):
	 * job_status_counts, job_attempts: counts and attempt history;
	 * meter_find, readings_write, batch_extent: ingestion (one transaction
	 *     per batch, readings and the job's checkpoint together);
	 * aggregate, execution_record, execution_list, quality_scan,
	 *     quality_record: aggregation and quality checks;
	 * health_metrics, jobs_stuck, jobs_alert_pending, alert_last,
	 *     alert_record, jobs_expired, file_referenced: monitoring,
	 *     alerting, cleanup. */
};

/* Print an outcome; count it as a surprise when it is not the code expected. */
static int expect(int rc, int expected, const char *what)
{
	printf("%-44s -> %d %s%s%s\n", what, rc, rc == 0 ? "ok" : ecl_strerror(rc),
		rc == 0 ? "" : ": ", rc == 0 ? "" : ecl_error_last());
	return rc == expected ? 0 : 1;
}

int main(int argc, char **argv)
{
	ecl_backend incomplete = skeleton_backend;
	ecl_job_options job = ECL_JOB_OPTIONS_INIT;
	ecl_job_status_counts counts;
	char batch_id[ECL_BATCH_ID_SIZE];
	ecl_store *store = NULL, *other = NULL;
	int current = 0, expected = 0, surprises = 0;

	(void)argc;
	/* A backend without a required slot is refused when it registers,
	 * not when a store first calls it. */
	incomplete.open = NULL;
	surprises += expect(ecl_backend_register("broken", &incomplete), ECL_EINVALID,
		"register a backend without open");

	surprises += expect(ecl_backend_register("skeleton", &skeleton_backend), 0,
		"register \"skeleton\"");
	surprises += expect(ecl_store_open(&store, "skeleton://demo", NULL), 0,
		"ecl_store_open(\"skeleton://demo\")");
	if (store != NULL) {
		printf("backend name: %s\n", ecl_store_backend_name(store));
		surprises += expect(ecl_store_migrate(store), 0, "ecl_store_migrate");
		surprises += expect(ecl_store_schema_version(&current, &expected, store), 0,
			"ecl_store_schema_version");
		printf("schema version: %d of %d\n", current, expected);

		/* A slot that is there but not written: its own error comes back. */
		job.file_path = argv[0];   /* any readable file: the core checks it first */
		surprises += expect(ecl_job_create(batch_id, store, &job), ECL_ENOTSUPPORTED,
			"ecl_job_create (stubbed job_insert)");
		/* An operation whose optional slot is NULL: refused by the
		 * library, no NULL slot is ever called. */
		surprises += expect(ecl_job_count_by_status(&counts, store), ECL_ENOTSUPPORTED,
			"ecl_job_count_by_status (no job_status_counts)");
	}
	/* A scheme nobody registered. */
	surprises += expect(ecl_store_open(&other, "nosuch://x", NULL), ECL_ENOTSUPPORTED,
		"ecl_store_open(\"nosuch://x\")");

	ecl_store_free(other);
	ecl_store_free(store);
	printf("%s\n", surprises == 0 ? "as expected" : "UNEXPECTED OUTCOMES");
	return surprises == 0 ? 0 : 1;
}
