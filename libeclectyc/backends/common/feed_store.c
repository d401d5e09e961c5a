/*
 * The data feeds' sources and their leases, for every SQL backend
 * (feed_store.h): add, read, list, remove, pause; claim and release.
 */
#include <stdlib.h>
#include <string.h>

#include "backends/common/feed_query.h"
#include "backends/common/feed_store.h"

/* A claim re-reads the due sources after each one another collector took
 * first; past this many it reports none rather than spin. */
#define CLAIM_ROUNDS 64

static int write_run(ecl_backend_conn *conn, ecl__backend_work work, void *ctx, const char *doing)
{
	return ECL__DRIVER(conn)->write(conn, work, ctx, doing);
}

/* One statement without rows: `*changed` the rows it matched. */
static int command(ecl_backend_conn *conn, const char *sql, const ecl__sql_param *params,
                   int count, int64_t *changed, const char *doing)
{
	ecl__sql_call call;
	int rc;

	memset(&call, 0, sizeof(call));
	call.sql = sql;
	call.params = params;
	call.count = count;
	rc = ecl__sql_run(conn, &call, doing);
	*changed = call.changed;
	return rc;
}

static int no_source(const char *name)
{
	return ecl_error_set(ECL_ENOTFOUND, "no source named \"%s\"", name);
}

/* ---- add, read, list ---------------------------------------------------------- */

typedef struct add_ctx {
	const ecl_source *source;
	int64_t *id;
} add_ctx;

static int add_work(ecl_backend_conn *conn, void *opaque)
{
	add_ctx *ctx = opaque;
	int rc = ecl__feed_insert(conn, &ecl__feed_sources, ctx->source, NULL, ctx->id,
		"adding a source");

	if (rc == ECL_EEXISTS)
		rc = ecl_error_set(ECL_EEXISTS, "a source named \"%s\" exists already", ctx->source->name);
	return rc;
}

int ecl__common_source_add(ecl_backend_conn *conn, const ecl_source *source, int64_t *id)
{
	add_ctx ctx = { source, id };

	return write_run(conn, add_work, &ctx, "adding a source");
}

typedef struct get_ctx {
	const char *name;
	ecl_source *out;
} get_ctx;

static int get_work(ecl_backend_conn *conn, void *opaque)
{
	get_ctx *ctx = opaque;
	ecl__sql_param p = ecl__sql_text(ctx->name);
	int found = 0;
	int rc = ecl__feed_select_one(conn, &ecl__feed_sources, ctx->out, &found,
		"FROM feed_sources WHERE name = ?1", &p, 1, "reading a source");

	return rc == 0 && !found ? no_source(ctx->name) : rc;
}

int ecl__common_source_get(ecl_backend_conn *conn, const char *name, ecl_source *out)
{
	get_ctx ctx = { name, out };

	memset(out, 0, sizeof(*out));
	return ecl__feed_read_run(conn, get_work, &ctx, "reading a source");
}

static int list_work(ecl_backend_conn *conn, void *opaque)
{
	ecl_source_array *out = opaque;
	ecl__feed_rows rows = { &ecl__feed_sources, (void **)&out->sources, &out->count, 0, NULL };

	return ecl__feed_select(conn, &rows, "", NULL, "FROM feed_sources ORDER BY name", NULL, 0,
		"listing sources");
}

int ecl__common_source_list(ecl_backend_conn *conn, ecl_source_array *out)
{
	int rc = ecl__feed_read_run(conn, list_work, out, "listing sources");

	if (rc != 0) {
		free(out->sources);
		out->sources = NULL;
	}
	return rc;
}

/* ---- remove, pause ---------------------------------------------------------------- */

typedef struct change_ctx {
	const char *sql;
	ecl__sql_param params[2];
	int count;
	const char *name;
	const char *doing;
} change_ctx;

/* A change of the source ctx->name (?1): ECL_ENOTFOUND when none matched. */
static int change_work(ecl_backend_conn *conn, void *opaque)
{
	change_ctx *ctx = opaque;
	int64_t changed = 0;
	int rc = command(conn, ctx->sql, ctx->params, ctx->count, &changed, ctx->doing);

	return rc == 0 && changed == 0 ? no_source(ctx->name) : rc;
}

/* The files and polls go by the foreign keys' cascade (by a trigger on MySQL). */
int ecl__common_source_remove(ecl_backend_conn *conn, const char *name)
{
	change_ctx ctx = { "DELETE FROM feed_sources WHERE name = ?1", { ecl__sql_text(name) }, 1,
		name, "removing a source" };

	return write_run(conn, change_work, &ctx, ctx.doing);
}

int ecl__common_source_set_paused(ecl_backend_conn *conn, const char *name, int paused)
{
	change_ctx ctx = { "UPDATE feed_sources SET paused = ?2 WHERE name = ?1",
		{ ecl__sql_text(name), ecl__sql_bool(paused) }, 2, name,
		paused ? "pausing a source" : "resuming a source" };

	return write_run(conn, change_work, &ctx, ctx.doing);
}

/* ---- claim ------------------------------------------------------------------------- */

typedef struct claim_ctx {
	const char *name;
	const char *owner;
	int64_t now;
	int64_t lease_until;
	ecl_source *out;
	int *claimed;
} claim_ctx;

/* A source free to lease now: not paused, no lease running past now. */
#define FREE "NOT paused AND (lease_until IS NULL OR lease_until <= ?1)"

/* The source to try next (*id; 0 when none): the one named, or the due one
 * polled longest ago (never polled first). */
static int candidate(ecl_backend_conn *conn, const claim_ctx *ctx, int64_t *id)
{
	ecl__sql_param p[2] = { ecl__sql_time(ctx->now), ecl__sql_text(ctx->name) };
	ecl_source found;
	int any = 0;
	int rc = ecl__feed_select_one(conn, &ecl__feed_sources, &found, &any, ctx->name
		? "FROM feed_sources WHERE name = ?2 AND " FREE
		: "FROM feed_sources WHERE " FREE " AND (next_poll_at IS NULL OR next_poll_at <= ?1)"
		  " ORDER BY last_poll_at IS NOT NULL, last_poll_at, id LIMIT 1",
		p, ctx->name ? 2 : 1, "claiming a source");

	*id = any ? found.id : 0;
	ecl_source_clear(&found);
	return rc;
}

/* Lease source `id` if it is still free (and due, unnamed): *taken = 1. */
static int take(ecl_backend_conn *conn, const claim_ctx *ctx, int64_t id, int *taken)
{
	ecl__sql_param p[4] = { ecl__sql_time(ctx->now), ecl__sql_int64(id), ecl__sql_text(ctx->owner),
		ecl__sql_time(ctx->lease_until) };
	int64_t changed = 0;
	int rc = command(conn, ctx->name
		? "UPDATE feed_sources SET lease_owner = ?3, lease_until = ?4, last_poll_at = ?1"
		  " WHERE id = ?2 AND " FREE
		: "UPDATE feed_sources SET lease_owner = ?3, lease_until = ?4, last_poll_at = ?1"
		  " WHERE id = ?2 AND " FREE " AND (next_poll_at IS NULL OR next_poll_at <= ?1)",
		p, 4, &changed, "claiming a source");

	*taken = rc == 0 && changed > 0;
	return rc;
}

static int claim_work(ecl_backend_conn *conn, void *opaque)
{
	claim_ctx *ctx = opaque;
	int64_t id = 0;
	int round, taken = 0, rc = 0;

	*ctx->claimed = 0;
	ecl_source_clear(ctx->out);
	for (round = 0; rc == 0 && !taken && round < CLAIM_ROUNDS; round++) {
		rc = candidate(conn, ctx, &id);
		if (rc == 0 && id == 0)
			break;
		if (rc == 0)
			rc = take(conn, ctx, id, &taken);
	}
	if (rc == 0 && taken) {
		ecl__sql_param p = ecl__sql_int64(id);

		rc = ecl__feed_select_one(conn, &ecl__feed_sources, ctx->out, ctx->claimed,
			"FROM feed_sources WHERE id = ?1", &p, 1, "reading the claimed source");
	}
	return rc;
}

int ecl__common_source_claim(ecl_backend_conn *conn, const char *name, const char *owner,
                             int64_t now, int64_t lease_until, ecl_source *out, int *claimed)
{
	claim_ctx ctx = { name, owner, now, lease_until, out, claimed };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = write_run(conn, claim_work, &ctx, "claiming a source");
	/* A claim whose transaction failed holds nothing. */
	if (rc != 0) {
		*claimed = 0;
		ecl_source_clear(out);
	}
	return rc;
}

/* ---- release ------------------------------------------------------------------------- */

typedef struct release_ctx {
	ecl_source_poll *poll;
	const char *owner;
	int64_t next_poll_at;
} release_ctx;

/* Why `owner` could not release source `id`: ECL_ESTATE saying who holds it. */
static int not_holder(ecl_backend_conn *conn, int64_t id, const char *owner)
{
	ecl__sql_param p = ecl__sql_int64(id);
	ecl_source now;
	int found = 0;
	int rc = ecl__feed_select_one(conn, &ecl__feed_sources, &now, &found,
		"FROM feed_sources WHERE id = ?1", &p, 1, "releasing a source");

	if (rc == 0 && !found)
		rc = ecl_error_set(ECL_ESTATE, "source %lld no longer exists: %s cannot release it",
			(long long)id, owner);
	else if (rc == 0)
		rc = ecl_error_set(ECL_ESTATE, "source %s is %s%s%s, not by %s: its poll is not recorded",
			now.name, now.lease_owner ? "leased by \"" : "not leased",
			now.lease_owner ? now.lease_owner : "", now.lease_owner ? "\"" : "", owner);
	ecl_source_clear(&now);
	return rc;
}

static int release_work(ecl_backend_conn *conn, void *opaque)
{
	release_ctx *ctx = opaque;
	ecl_source_poll row = *ctx->poll;
	ecl__sql_param p[6] = { ecl__sql_int64(row.source_id), ecl__sql_text(ctx->owner),
		ecl__sql_text(row.error), ecl__sql_time(row.ended_at), ecl__sql_int(row.taken),
		ecl__sql_time(ctx->next_poll_at) };
	int64_t changed = 0;
	int rc = command(conn, "UPDATE feed_sources SET last_error = ?3,"
		" last_success_at = CASE WHEN ?3 IS NULL THEN ?4 ELSE last_success_at END,"
		" last_file_at = CASE WHEN ?5 > 0 THEN ?4 ELSE last_file_at END,"
		" files_taken = files_taken + ?5, next_poll_at = ?6,"
		" lease_owner = NULL, lease_until = NULL WHERE id = ?1 AND lease_owner = ?2",
		p, 6, &changed, "releasing a source");

	if (rc == 0 && changed == 0)
		rc = not_holder(conn, row.source_id, ctx->owner);
	if (row.worker_id == NULL)
		row.worker_id = (char *)ctx->owner;
	if (rc == 0)
		rc = ecl__feed_insert(conn, &ecl__feed_polls, &row, NULL, &ctx->poll->id,
			"recording a poll");
	return rc;
}

int ecl__common_source_release(ecl_backend_conn *conn, ecl_source_poll *poll, const char *owner,
                               int64_t next_poll_at)
{
	release_ctx ctx = { poll, owner, next_poll_at };
	int rc = write_run(conn, release_work, &ctx, "releasing a source");

	/* A poll whose transaction failed was not recorded. */
	if (rc != 0)
		poll->id = 0;
	return rc;
}
