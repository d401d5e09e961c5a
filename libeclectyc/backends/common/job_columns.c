/* The import_jobs column table, and reading rows through a backend's cells. */
#include <stdlib.h>
#include <string.h>

#include "backends/common/driver.h"
#include "backends/common/job_columns.h"
#include "util/strutil.h"

/* ---- the enumerations stored by name ------------------------------------- */

/* The hooks and the descriptor `var` of an enum `type` with its own
 * type##_parse() and type##_name(). */
#define ENUM_BY_NAME(var, type, what) \
	static int parse_##type(void *member, const char *text) \
	{ \
		return type##_parse((type *)member, text); \
	} \
	static const char *name_##type(const void *member) \
	{ \
		return type##_name(*(const type *)member); \
	} \
	const ecl__job_enum var = { what, parse_##type, name_##type }

ENUM_BY_NAME(ecl__job_status_enum, ecl_job_status, "status");
ENUM_BY_NAME(ecl__job_priority_enum, ecl_priority, "priority");
ENUM_BY_NAME(ecl__job_import_type_enum, ecl_import_type, "import type");
ENUM_BY_NAME(ecl__job_clock_enum, ecl_clock_mode, "import clock");

int ecl__job_enum_parse(void *member, const ecl__job_enum *type, const char *text,
                        const char *batch_id)
{
	if (type->parse(member, text) == 0)
		return 0;
	return ecl_error_set(ECL_ESCHEMA, "job %s has %s \"%s\", which this library does not know",
		batch_id, type->what, text ? text : "NULL");
}

/* ---- the table ------------------------------------------------------------ */

/* Row fields, in pairs: kind and enum type; nullable and what NULL reads as;
 * how it is inserted; the ECL_JOB_SET_* flag and ecl_job_update member. */
#define BATCH ECL__JOB_BATCH_ID, NULL
#define INT64 ECL__JOB_INT64, NULL
#define INT ECL__JOB_INT, NULL
#define BOOL ECL__JOB_BOOL, NULL
#define INSTANT ECL__JOB_INSTANT, NULL
#define TEXT ECL__JOB_TEXT, NULL
#define JSON ECL__JOB_JSON, NULL
#define ENUM(type) ECL__JOB_ENUM, &ecl__job_##type##_enum
#define JOB(member) offsetof(ecl_job, member)
#define NOT_NULL 0, 0
#define NULL_IS(value) 1, (value)
#define NULLABLE NULL_IS(0)
#define NO_TIME NULL_IS(ECL_TIME_NONE)
#define DEFAULT ECL__JOB_NOT_INSERTED, NULL
#define BOUND ECL__JOB_BOUND, NULL
#define LITERAL(sql) ECL__JOB_LITERAL, (sql)
#define SET(flag, member) ECL_JOB_SET_##flag, offsetof(ecl_job_update, member)
#define SET_TRUE(flag) ECL_JOB_SET_##flag, ECL__JOB_NO_MEMBER
#define NEVER 0, ECL__JOB_NO_MEMBER

/* In ecl_job's order, which is also the order columns are selected in. */
const ecl__job_column ecl__job_columns[] = {
	{ "id",                INT64,        JOB(id),               NOT_NULL,     DEFAULT,          NEVER },
	{ "batch_id",          BATCH,        JOB(batch_id),         NOT_NULL,     BOUND,            NEVER },
	{ "user_id",           INT64,        JOB(user_id),          NULL_IS(0),   BOUND,            NEVER },
	{ "filename",          TEXT,         JOB(filename),         NOT_NULL,     BOUND,            NEVER },
	{ "file_path",         TEXT,         JOB(file_path),        NULLABLE,     BOUND,            NEVER },
	{ "import_type",       ENUM(import_type), JOB(import_type), NOT_NULL,     BOUND,            NEVER },
	{ "status",            ENUM(status), JOB(status),           NOT_NULL,     LITERAL("'queued'"),
	  SET(STATUS, status) },
	{ "dry_run",           BOOL,         JOB(dry_run),          NOT_NULL,     BOUND,            NEVER },
	{ "total_rows",        INT64,        JOB(total_rows),       NULL_IS(-1),  LITERAL("NULL"),
	  SET(TOTAL_ROWS, total_rows) },
	{ "processed_rows",    INT64,        JOB(processed_rows),   NOT_NULL,     DEFAULT,
	  SET(COUNTERS, processed_rows) },
	{ "imported_rows",     INT64,        JOB(imported_rows),    NOT_NULL,     DEFAULT,
	  SET(COUNTERS, imported_rows) },
	{ "failed_rows",       INT64,        JOB(failed_rows),      NOT_NULL,     DEFAULT,
	  SET(COUNTERS, failed_rows) },
	{ "queued_at",         INSTANT,      JOB(queued_at),        NOT_NULL,     BOUND,            NEVER },
	{ "started_at",        INSTANT,      JOB(started_at),       NO_TIME,      DEFAULT,
	  SET(STARTED_AT, started_at) },
	{ "completed_at",      INSTANT,      JOB(completed_at),     NO_TIME,      DEFAULT,
	  SET(COMPLETED_AT, completed_at) },
	{ "error_message",     TEXT,         JOB(error_message),    NULLABLE,     DEFAULT,
	  SET(ERROR_MESSAGE, error_message) },
	{ "summary",           JSON,         JOB(summary),          NULLABLE,     DEFAULT,
	  SET(SUMMARY, summary) },
	{ "retry_count",       INT,          JOB(retry_count),      NOT_NULL,     DEFAULT,
	  SET(RETRY_COUNT, retry_count) },
	{ "max_retries",       INT,          JOB(max_retries),      NOT_NULL,     BOUND,
	  SET(MAX_RETRIES, max_retries) },
	{ "retry_at",          INSTANT,      JOB(retry_at),         NO_TIME,      DEFAULT,
	  SET(RETRY_AT, retry_at) },
	{ "last_error",        TEXT,         JOB(last_error),       NULLABLE,     DEFAULT,
	  SET(LAST_ERROR, last_error) },
	{ "notes",             TEXT,         JOB(notes),            NULLABLE,     BOUND,            NEVER },
	{ "priority",          ENUM(priority), JOB(priority),       NOT_NULL,     BOUND,            NEVER },
	{ "tags",              JSON,         JOB(tags),             NULLABLE,     BOUND,            NEVER },
	{ "metadata",          JSON,         JOB(metadata),         NULLABLE,     BOUND,            NEVER },
	{ "alert_sent",        BOOL,         JOB(alert_sent),       NOT_NULL,     DEFAULT,
	  SET_TRUE(ALERT_SENT) },
	{ "alert_sent_at",     INSTANT,      JOB(alert_sent_at),    NO_TIME,      DEFAULT,
	  SET(ALERT_SENT, alert_sent_at) },
	{ "worker_id",         TEXT,         JOB(worker_id),        NULLABLE,     DEFAULT,
	  SET(WORKER_ID, worker_id) },
	{ "heartbeat_at",      INSTANT,      JOB(heartbeat_at),     NO_TIME,      DEFAULT,
	  SET(HEARTBEAT_AT, heartbeat_at) },
	{ "cancel_requested",  BOOL,         JOB(cancel_requested), NOT_NULL,     DEFAULT,
	  SET(CANCEL_REQUESTED, cancel_requested) },
	{ "checkpoint",        INT64,        JOB(checkpoint),       NOT_NULL,     DEFAULT,
	  SET(CHECKPOINT, checkpoint) },
	{ "file_sha256",       TEXT,         JOB(file_sha256),      NULLABLE,     DEFAULT,
	  SET(FILE_IDENTITY, file_sha256) },
	{ "error_class",       TEXT,         JOB(error_class),      NULLABLE,     DEFAULT,
	  SET(ERROR_CLASS, error_class) },
	{ "import_profile",    TEXT,         JOB(import_profile),   NULLABLE,     BOUND,            NEVER },
	{ "import_meter",      TEXT,         JOB(import_meter),     NULLABLE,     BOUND,            NEVER },
	{ "import_clock",      ENUM(clock),  JOB(import_clock),     NULLABLE,     BOUND,            NEVER },
	{ "file_size",         INT64,        JOB(file_size),        NULL_IS(-1),  DEFAULT,
	  SET(FILE_IDENTITY, file_size) },
	{ "file_mtime",        INSTANT,      JOB(file_mtime),       NO_TIME,      DEFAULT,
	  SET(FILE_IDENTITY, file_mtime) },
	{ "file_inode",        INT64,        JOB(file_inode),       NULL_IS(-1),  DEFAULT,
	  SET(FILE_IDENTITY, file_inode) },
	/* Not in ecl_job: the instant of the last status change, which dates the
	 * attempts (migration 5's triggers read it). */
	{ "status_changed_at", INSTANT,      ECL__JOB_NO_MEMBER,    NO_TIME,      DEFAULT,
	  SET(STATUS, now) },
};

const size_t ecl__job_column_count = sizeof(ecl__job_columns) / sizeof(ecl__job_columns[0]);

/* ---- reading -------------------------------------------------------------- */

/* A copy of the text of a cell (NULL for NULL): 0 or ECL_ENOMEM. */
static int copy_cell(char **out, const ecl__job_row *row, int col)
{
	const char *text = row->cells->text(row, col);

	*out = text ? ecl__strdup(text) : NULL;
	return text && *out == NULL ? ECL_ENOMEM : 0;
}

/* A NOT NULL column is read without asking whether it is NULL: one driver
 * call instead of two, for most of the row. */
static int64_t integer_cell(const ecl__job_row *row, int col, const ecl__job_column *c)
{
	if (c->nullable && row->cells->is_null(row, col))
		return c->none;
	return row->cells->integer(row, col);
}

/* Read cell `col` into the member of `job` that `c` names. */
static int read_cell(ecl_job *job, const ecl__job_column *c, const ecl__job_row *row, int col)
{
	char *member = (char *)job + c->job;
	const char *text;

	switch (c->kind) {
	case ECL__JOB_BATCH_ID:
		ecl__strlcpy(member, row->cells->text(row, col), sizeof(job->batch_id));
		return 0;
	case ECL__JOB_INT64:
	case ECL__JOB_INSTANT:
		*(int64_t *)member = integer_cell(row, col, c);
		return 0;
	case ECL__JOB_INT:
	case ECL__JOB_BOOL:
		*(int *)member = (int)integer_cell(row, col, c);
		return 0;
	case ECL__JOB_TEXT:
	case ECL__JOB_JSON:
		return copy_cell((char **)member, row, col);
	case ECL__JOB_ENUM:
		/* A nullable enum reads NULL as its first value (the record's zero). */
		text = row->cells->text(row, col);
		if (text == NULL && c->nullable)
			return 0;
		return ecl__job_enum_parse(member, c->type, text, job->batch_id);
	default:
		return ecl_error_set(ECL_EINVALID, "job column %s has no kind", c->name);
	}
}

int ecl__job_read(ecl_job *job, const ecl__job_row *row)
{
	size_t i;
	int col = 0, rc = 0;

	memset(job, 0, sizeof(*job));
	for (i = 0; rc == 0 && i < ecl__job_column_count; i++) {
		if (ecl__job_columns[i].job != ECL__JOB_NO_MEMBER)
			rc = read_cell(job, &ecl__job_columns[i], row, col++);
	}
	if (rc == ECL_ENOMEM)
		ecl_error_set(ECL_ENOMEM, "out of memory reading job %s", job->batch_id);
	if (rc != 0)
		ecl_job_clear(job);
	return rc;
}

int ecl__job_attempt_read(ecl_job_attempt *a, const ecl__job_row *row)
{
	ecl_job_status outcome = ECL_JOB_PROCESSING;
	const char *text;
	int rc;

	memset(a, 0, sizeof(*a));
	a->attempt = (int)row->cells->integer(row, 0);
	a->started_at = row->cells->integer(row, 2);
	a->ended_at = row->cells->is_null(row, 3) ? ECL_TIME_NONE : row->cells->integer(row, 3);
	a->processed_rows = row->cells->integer(row, 7);
	a->imported_rows = row->cells->integer(row, 8);
	a->failed_rows = row->cells->integer(row, 9);
	/* A NULL outcome is an attempt still running. */
	text = row->cells->text(row, 4);
	if (text != NULL && ecl_job_status_parse(&outcome, text) != 0)
		return ecl_error_set(ECL_EDB, "reading job attempts: unknown outcome \"%s\"", text);
	a->outcome = outcome;
	rc = copy_cell(&a->worker_id, row, 1);
	if (rc == 0)
		rc = copy_cell(&a->error_message, row, 5);
	if (rc == 0)
		rc = copy_cell(&a->error_class, row, 6);
	return rc ? ecl_error_set(ECL_ENOMEM, "out of memory reading job attempts") : 0;
}

int ecl__job_array_read(ecl_job_array *out, size_t *capacity, const ecl__job_row *row)
{
	int rc;

	if (out->count >= *capacity) {
		size_t grown_cap = *capacity ? *capacity * 2 : 16;
		ecl_job *grown = realloc(out->jobs, grown_cap * sizeof(*grown));

		if (grown == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory listing %zu jobs", grown_cap);
		out->jobs = grown;
		*capacity = grown_cap;
	}
	rc = ecl__job_read(&out->jobs[out->count], row);
	if (rc == 0)
		out->count++;
	return rc;
}

void ecl__job_array_truncate(ecl_job_array *out, size_t keep)
{
	while (out->count > keep)
		ecl_job_clear(&out->jobs[--out->count]);
}

int ecl__job_not_found(const char *batch_id)
{
	return ecl_error_set(ECL_ENOTFOUND, "no job with batch id \"%s\"", batch_id);
}

int ecl__job_take_by_id(ecl_job_array *found, ecl_job *out, int rc, int64_t id)
{
	if (rc == 0 && found->count == 1) {
		*out = found->jobs[0];
		memset(&found->jobs[0], 0, sizeof(found->jobs[0]));
	} else if (rc == 0) {
		rc = ecl_error_set(ECL_ENOTFOUND, "no job with id %lld", (long long)id);
	}
	ecl__job_array_truncate(found, 0);
	free(found->jobs);
	found->jobs = NULL;
	return rc;
}

int ecl__job_refused(ecl_job_found *found, const ecl__job_row *row, int col, const char *batch_id)
{
	if (row->cells->is_null(row, col))
		return ecl__job_not_found(batch_id);
	/* An unknown status leaves found->status alone: the refusal is what matters. */
	ecl_job_status_parse(&found->status, row->cells->text(row, col));
	found->retry_count = (int)row->cells->integer(row, col + 1);
	ecl__strlcpy(found->worker_id, row->cells->text(row, col + 2), sizeof(found->worker_id));
	return ecl_error_set(ECL_ESTATE, "job %s is not in the expected state", batch_id);
}

/* ---- a backend's job slots around its transaction runner ------------------- */

typedef struct insert_call {
	int (*insert)(ecl_backend_conn *conn, const ecl_job *jobs, size_t count);
	const ecl_job *jobs;
	size_t count;
} insert_call;

static int insert_work(ecl_backend_conn *conn, void *opaque)
{
	const insert_call *call = opaque;

	return call->insert(conn, call->jobs, call->count);
}

int ecl__job_insert_with(ecl__job_runner run,
                         int (*insert)(ecl_backend_conn *conn, const ecl_job *jobs, size_t count),
                         ecl_backend_conn *conn, const ecl_job *jobs, size_t count)
{
	insert_call call = { insert, jobs, count };

	return run(conn, insert_work, &call, "enqueueing jobs");
}

typedef struct claim_call {
	ecl__job_claim_fn claim;
	const char *types;
	const char *worker_id;
	int64_t now;
	ecl_job *out;
	int *claimed;
} claim_call;

/* Drop what an earlier attempt claimed: its transaction was rolled back. */
static void unclaim(const claim_call *call)
{
	if (*call->claimed)
		ecl_job_clear(call->out);
	*call->claimed = 0;
}

static int claim_work(ecl_backend_conn *conn, void *opaque)
{
	const claim_call *call = opaque;
	int rc;

	unclaim(call);
	rc = call->claim(conn, call->types, call->worker_id, call->now, call->out, call->claimed);
	if (rc != 0)
		unclaim(call);
	return rc;
}

int ecl__job_claim_with(ecl__job_runner run, ecl__job_claim_fn claim, ecl_backend_conn *conn,
                        const char *types, const char *worker_id, int64_t now, ecl_job *out,
                        int *claimed)
{
	claim_call call = { claim, types, worker_id, now, out, claimed };
	int rc;

	*claimed = 0;
	rc = run(conn, claim_work, &call, "claiming a job");
	/* A claim whose COMMIT failed holds nothing. */
	if (rc != 0)
		unclaim(&call);
	return rc;
}

int ecl__common_job_claim(ecl_backend_conn *conn, const char *worker_id, int64_t now, ecl_job *out,
                          int *claimed)
{
	const ecl__driver *d = ECL__DRIVER(conn);

	return ecl__job_claim_with(d->claim_run, d->claim, conn, NULL, worker_id, now, out, claimed);
}

int ecl__common_job_claim_of(ecl_backend_conn *conn, const char *types, const char *worker_id,
                             int64_t now, ecl_job *out, int *claimed)
{
	const ecl__driver *d = ECL__DRIVER(conn);

	return ecl__job_claim_with(d->claim_run, d->claim, conn, types, worker_id, now, out, claimed);
}

typedef struct update_call {
	int (*apply)(ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found);
	const ecl_job_update *update;
	ecl_job_found *found;
} update_call;

static int update_work(ecl_backend_conn *conn, void *opaque)
{
	const update_call *call = opaque;

	return call->apply(conn, call->update, call->found);
}

int ecl__job_update_with(ecl__job_runner run,
                         int (*apply)(ecl_backend_conn *conn, const ecl_job_update *update,
                                      ecl_job_found *found),
                         ecl_backend_conn *conn, const ecl_job_update *update, ecl_job_found *found)
{
	update_call call = { apply, update, found };

	return run(conn, update_work, &call, "updating a job");
}

typedef struct get_id_call {
	int (*select)(ecl_backend_conn *conn, int64_t id, ecl_job_array *out);
	int64_t id;
	ecl_job_array *found;
} get_id_call;

static int get_id_work(ecl_backend_conn *conn, void *opaque)
{
	const get_id_call *call = opaque;

	ecl__job_array_truncate(call->found, 0);   /* a retried read starts clean */
	return call->select(conn, call->id, call->found);
}

int ecl__job_get_id_with(ecl__job_runner run,
                         int (*select)(ecl_backend_conn *conn, int64_t id, ecl_job_array *out),
                         ecl_backend_conn *conn, int64_t id, ecl_job *out)
{
	ecl_job_array found = { NULL, 0 };
	get_id_call call = { select, id, &found };

	return ecl__job_take_by_id(&found, out, run(conn, get_id_work, &call, "reading a job by id"), id);
}

typedef struct delete_call {
	int (*delete_one)(ecl_backend_conn *conn, const char *batch_id, int64_t *changed);
	const char *batch_id;
	int *deleted;
} delete_call;

static int delete_work(ecl_backend_conn *conn, void *opaque)
{
	const delete_call *call = opaque;
	int64_t changed = 0;
	int rc = call->delete_one(conn, call->batch_id, &changed);

	*call->deleted = rc == 0 && changed > 0;
	return rc;
}

int ecl__job_delete_with(ecl__job_runner run,
                         int (*delete_one)(ecl_backend_conn *conn, const char *batch_id,
                                           int64_t *changed),
                         ecl_backend_conn *conn, const char *batch_id, int *deleted)
{
	delete_call call = { delete_one, batch_id, deleted };

	*deleted = 0;
	return run(conn, delete_work, &call, "deleting a job");
}
