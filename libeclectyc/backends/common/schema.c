/*
 * Migrations and the drift check over a backend's driver (schema.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/common/driver.h"
#include "util/buffer_internal.h"

int ecl__schema_expected(const ecl__schema_hooks *h)
{
	int n = 0;

	while (h->migrations[n] != NULL)
		n++;
	return n;
}

static int read_version(ecl_backend_conn *conn, void *current)
{
	return ECL__DRIVER(conn)->schema.current(conn, current);
}

/* Run reading `work` as the driver does, or as it is. */
static int run_read(ecl_backend_conn *conn, ecl__backend_work work, void *ctx, const char *doing)
{
	const ecl__driver *d = ECL__DRIVER(conn);

	return d->read ? d->read(conn, work, ctx, doing) : work(conn, ctx);
}

int ecl__common_schema_version(ecl_backend_conn *conn, int *current, int *expected)
{
	*expected = ecl__schema_expected(&ECL__DRIVER(conn)->schema);
	*current = 0;
	return run_read(conn, read_version, current, "reading the schema version");
}

typedef struct migrate_ctx {
	const ecl__driver *d;
	const ecl__schema_hooks *h;
	int64_t applied_at;
	int applied;     /* the version applied by this transaction, 0 if none */
	int too_new;     /* the database is ahead of this library */
} migrate_ctx;

static int apply(ecl_backend_conn *conn, const migrate_ctx *ctx, int version)
{
	char doing[64], record[160];
	int rc;

	snprintf(doing, sizeof(doing), "applying migration %d", version);
	rc = ctx->d->exec(conn, ctx->h->migrations[version - 1], doing);
	snprintf(record, sizeof(record), ctx->h->record_format, version, (long long)ctx->applied_at);
	if (rc == 0)
		rc = ctx->d->exec(conn, record, doing);
	return rc;
}

/* ---- another application's place ------------------------------------------ */

/* The name after "CREATE TABLE " or "CREATE VIEW " at `p` (a line's start),
 * copied to `out`; 0 when `p` starts no such statement. */
static size_t created_name(const char *p, char *out, size_t size)
{
	static const char *const heads[] = { "CREATE TABLE ", "CREATE VIEW " };
	size_t i, n = 0, head;

	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		head = strlen(heads[i]);
		if (strncmp(p, heads[i], head) != 0)
			continue;
		if (strncmp(p + head, "IF NOT EXISTS ", 14) == 0)
			head += 14;
		while (n + 1 < size && (isalnum((unsigned char)p[head + n]) || p[head + n] == '_')) {
			out[n] = p[head + n];
			n++;
		}
		break;
	}
	out[n] = '\0';
	return n;
}

/* Append `name` to the comma-separated list `found` when it exists and is
 * not listed yet (a view created again by a later migration). Entries are
 * kept as " name," so that each is found whole, the first one too. */
static int note_existing(ecl_backend_conn *conn, const ecl__schema_hooks *h, const char *name,
                         ecl_buf *found)
{
	char entry[72];
	int exists = 0;
	int rc;

	snprintf(entry, sizeof(entry), " %s,", name);
	if (found->ptr != NULL && strstr(found->ptr, entry) != NULL)
		return 0;
	rc = h->relation_exists(conn, name, &exists);
	if (rc == 0 && exists)
		rc = ecl__buf_puts(found, entry);
	return rc;
}

/*
 * Before migration 1: the tables and views the migrations would create that
 * the place already holds, as "a, b" in `found` (empty when none). They are
 * another application's (the PHP system's own database has import_jobs,
 * meters, meter_readings): the first CREATE would fail half way into its
 * schema, and on MySQL, where DDL commits at once, leave some of ours behind.
 */
static int find_occupied(ecl_backend_conn *conn, const ecl__schema_hooks *h, ecl_buf *found)
{
	char name[64];
	const char *p;
	int i, rc = 0;

	for (i = 0; rc == 0 && h->relation_exists != NULL && h->migrations[i] != NULL; i++)
		for (p = h->migrations[i]; rc == 0 && p != NULL; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
			if (created_name(p, name, sizeof(name)) > 0)
				rc = note_existing(conn, h, name, found);
	if (rc == 0 && found->size > 0)
		found->ptr[--found->size] = '\0';   /* the last comma */
	return rc;
}

/* The refusal of an occupied place no backend hook adopts: nothing changed. */
static int refuse_occupied(const char *found)
{
	return ecl_error_set(ECL_ESCHEMA, "the database already holds tables the library would"
		" create (%s), and no record of the library's migrations: it belongs to another"
		" application, and this backend cannot adopt it in place; give the library a"
		" database of its own. Nothing was changed", found);
}

/*
 * At version 0: *occupied is set when the place holds tables of another
 * application. With an adopt hook it is adopted (or, with `plan`, the
 * statements that would adopt it are appended); without one it is refused.
 */
static int adopt_occupied(ecl_backend_conn *conn, const ecl__schema_hooks *h, ecl_buf *plan,
                          int *occupied)
{
	ecl_buf found = ECL_BUF_INIT;
	int rc = find_occupied(conn, h, &found);

	*occupied = rc == 0 && found.size > 0;
	if (*occupied && h->adopt == NULL)
		rc = refuse_occupied(found.ptr + 1);
	else if (*occupied)
		rc = h->adopt(conn, found.ptr + 1, plan);
	ecl_buf_dispose(&found);
	return rc;
}

/* After adoption: every migration recorded as applied, since the adopted
 * schema is the one they build. */
static int record_all(ecl_backend_conn *conn, const migrate_ctx *ctx, int expected)
{
	char record[160];
	int version, rc = ctx->d->exec(conn, ctx->h->table_sql, "creating schema_migrations");

	for (version = 1; rc == 0 && version <= expected; version++) {
		snprintf(record, sizeof(record), ctx->h->record_format, version,
			(long long)ctx->applied_at);
		rc = ctx->d->exec(conn, record, "recording the adopted schema");
	}
	return rc;
}

/* One transaction: apply the next pending migration, if any. Reading the
 * version inside the transaction, after the lock, makes concurrent
 * migrators safe: each migration runs exactly once. */
static int apply_next(ecl_backend_conn *conn, void *opaque)
{
	migrate_ctx *ctx = opaque;
	int expected = ecl__schema_expected(ctx->h);
	int current = 0, occupied = 0;
	int rc = ctx->h->lock ? ctx->h->lock(conn) : 0;

	ctx->applied = 0;
	/* The version first (0 without schema_migrations): another
	 * application's place is adopted or refused before anything of ours is
	 * created in it. */
	if (rc == 0)
		rc = ctx->h->current(conn, &current);
	if (rc == 0 && current == 0)
		rc = adopt_occupied(conn, ctx->h, NULL, &occupied);
	if (rc == 0 && occupied) {
		rc = record_all(conn, ctx, expected);
		ctx->applied = rc == 0 ? expected : 0;
		return rc;
	}
	if (rc == 0)
		rc = ctx->d->exec(conn, ctx->h->table_sql, "creating schema_migrations");
	if (rc == 0 && current > expected)
		ctx->too_new = current;
	if (rc == 0 && current < expected)
		rc = apply(conn, ctx, current + 1);
	if (rc == 0 && current < expected)
		ctx->applied = current + 1;
	return rc;
}

int ecl__common_migrate(ecl_backend_conn *conn, int64_t applied_at)
{
	const ecl__driver *d = ECL__DRIVER(conn);
	const ecl__schema_hooks *h = &d->schema;
	migrate_ctx ctx = { d, h, applied_at, 0, 0 };
	int rc;

	do {
		rc = d->write(conn, apply_next, &ctx, "migrating the schema");
	} while (rc == 0 && ctx.applied != 0);
	if (rc == 0 && ctx.too_new)
		rc = ecl_error_set(ECL_ESCHEMA,
			"database schema is at version %d, newer than this library's %d",
			ctx.too_new, ecl__schema_expected(h));
	return rc;
}

/* ---- drift check -------------------------------------------------------- */

typedef struct check_ctx {
	const ecl__schema_hooks *h;
	ecl_schema_report *report;
	size_t before;             /* problems reported before the check */
} check_ctx;

static int build_expected(ecl_backend_conn *conn, const ecl__schema_hooks *h, void *scratch)
{
	int i, rc = 0;

	for (i = 0; rc == 0 && h->migrations[i] != NULL; i++)
		rc = h->scratch_exec(conn, scratch, h->migrations[i]);
	if (rc == 0)
		rc = h->scratch_exec(conn, scratch, h->table_sql);
	return rc;
}

static int check_work(ecl_backend_conn *conn, void *opaque)
{
	check_ctx *ctx = opaque;
	const ecl__schema_hooks *h = ctx->h;
	void *scratch = NULL;
	int rc;

	/* A retried attempt reports afresh. */
	while (ctx->report->count > ctx->before)
		free(ctx->report->problems[--ctx->report->count]);
	rc = h->scratch_open(conn, &scratch);
	if (rc == 0)
		rc = build_expected(conn, h, scratch);
	if (rc == 0)
		rc = h->drift(conn, scratch, ctx->report);
	if (scratch != NULL)
		rc = h->scratch_close(conn, scratch, rc);
	return rc;
}

int ecl__common_check(ecl_backend_conn *conn, ecl_schema_report *report)
{
	check_ctx ctx = { &ECL__DRIVER(conn)->schema, report, report->count };

	return run_read(conn, check_work, &ctx, "checking the schema");
}

/* Append one migration's text, headed by its version and ending in a newline. */
static int append_migration(ecl_buf *out, int version, const char *sql)
{
	char head[48];
	size_t len = strlen(sql);
	int rc;

	snprintf(head, sizeof(head), "-- migration %d\n", version);
	rc = ecl__buf_puts(out, head);
	if (rc == 0)
		rc = ecl__buf_puts(out, sql);
	if (rc == 0 && (len == 0 || sql[len - 1] != '\n'))
		rc = ecl__buf_puts(out, "\n");
	return rc;
}

int ecl__common_migrate_plan(ecl_backend_conn *conn, ecl_buf *out)
{
	const ecl__schema_hooks *h = &ECL__DRIVER(conn)->schema;
	int expected = ecl__schema_expected(h), current = 0, occupied = 0, version;
	int rc = run_read(conn, read_version, &current, "reading the schema version");

	if (rc == 0 && current > expected)
		rc = ecl_error_set(ECL_ESCHEMA, "the database is at schema version %d, newer than this"
			" library's %d: upgrade the library", current, expected);
	if (rc == 0 && current == 0)
		rc = adopt_occupied(conn, h, out, &occupied);
	for (version = current + 1; rc == 0 && !occupied && version <= expected; version++)
		rc = append_migration(out, version, h->migrations[version - 1]);
	return rc;
}
