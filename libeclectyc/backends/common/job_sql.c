/* The SQL of the job column table: select list, insert, conditional update. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backends/common/job_columns.h"

int ecl__job_kind_is_text(ecl__job_kind kind)
{
	return kind == ECL__JOB_BATCH_ID || kind == ECL__JOB_TEXT || kind == ECL__JOB_JSON
		|| kind == ECL__JOB_ENUM;
}

/* The value of a member of `c`'s kind at `member`, in an ecl_job or an
 * ecl_job_update (a BATCH_ID only in an ecl_job, where it is an array). */
static ecl__job_value member_value(const ecl__job_column *c, const void *member)
{
	ecl__job_value v = { NULL, 0, 0 };

	switch (c->kind) {
	case ECL__JOB_BATCH_ID:
		v.text = member;
		break;
	case ECL__JOB_INT64:
	case ECL__JOB_INSTANT:
		v.number = *(const int64_t *)member;
		break;
	case ECL__JOB_INT:
		v.number = *(const int *)member;
		break;
	case ECL__JOB_BOOL:
		v.number = *(const int *)member != 0;
		break;
	case ECL__JOB_ENUM:
		v.text = c->type->name(member);
		break;
	case ECL__JOB_TEXT:
	case ECL__JOB_JSON:
	default:
		v.text = *(const char *const *)member;
		break;
	}
	v.null = c->nullable && !ecl__job_kind_is_text(c->kind) && v.number == c->none;
	return v;
}

/* ---- statements built once per dialect ----------------------------------- */

/* A fixed buffer that says so, in the SQL, when it overflows: a statement
 * that fails to prepare names the cause. */
typedef struct sql_text {
	char *buf;
	size_t size, len;
} sql_text;

static void sql_printf(sql_text *t, const char *format, ...)
{
	va_list ap;
	int n;

	if (t->len >= t->size)
		return;
	va_start(ap, format);
	n = vsnprintf(t->buf + t->len, t->size - t->len, format, ap);
	va_end(ap);
	t->len += n > 0 ? (size_t)n : 0;
	if (t->len >= t->size)
		snprintf(t->buf, t->size, "<the job columns exceed ECL__JOB_SQL_MAX>");
}

static void build_select(ecl__job_dialect *d)
{
	sql_text t = { d->select_list, sizeof(d->select_list), 0 };
	size_t i;

	for (i = 0; i < ecl__job_column_count; i++) {
		const ecl__job_column *c = &ecl__job_columns[i];

		if (c->job == ECL__JOB_NO_MEMBER)
			continue;
		sql_printf(&t, t.len ? ", " : "");
		sql_printf(&t, d->select[c->kind] ? d->select[c->kind] : "%s", c->name);
	}
}

static void build_insert(ecl__job_dialect *d)
{
	sql_text t = { d->insert_sql, sizeof(d->insert_sql), 0 };
	size_t i;
	int n = 0, values = 0;

	sql_printf(&t, "INSERT INTO import_jobs (");
	for (i = 0; i < ecl__job_column_count; i++) {
		if (ecl__job_columns[i].insert != ECL__JOB_NOT_INSERTED)
			sql_printf(&t, "%s%s", values++ ? ", " : "", ecl__job_columns[i].name);
	}
	sql_printf(&t, ") VALUES (");
	for (i = values = 0; i < ecl__job_column_count; i++) {
		const ecl__job_column *c = &ecl__job_columns[i];

		if (c->insert == ECL__JOB_NOT_INSERTED)
			continue;
		sql_printf(&t, values++ ? ", " : "");
		if (c->insert == ECL__JOB_LITERAL)
			sql_printf(&t, "%s", c->literal);
		else
			sql_printf(&t, d->param[c->kind], ++n);
	}
	sql_printf(&t, ")");
}

/* What is built once per dialect is built under one lock, since two
 * connections of a backend may be first at once (uncontended, it costs next
 * to nothing). */
static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER;

/* With build_lock held. */
static void build_locked(ecl__job_dialect *d)
{
	if (!d->built) {
		build_select(d);
		build_insert(d);
		d->built = 1;
	}
}

static void build(ecl__job_dialect *d)
{
	pthread_mutex_lock(&build_lock);
	build_locked(d);
	pthread_mutex_unlock(&build_lock);
}

const char *ecl__job_select_list(ecl__job_dialect *d)
{
	build(d);
	return d->select_list;
}

/* Append `n` bytes of `text` to a statement `*len` long: 0 when it would
 * not fit. */
static int put(char *out, size_t *len, const char *text, size_t n)
{
	if (*len + n >= ECL__JOB_STATEMENT_MAX)
		return 0;
	memcpy(out + *len, text, n);
	*len += n;
	out[*len] = '\0';
	return 1;
}

/* By hand rather than snprintf(): formatting the long select list cost a
 * claim more than all the rest of its C. */
static int write_statement(char *out, const char *list, const char *format, const char *tail)
{
	const char *arg[2];
	const char *at;
	size_t len = 0;
	int i, fits = 1;

	arg[0] = list;
	arg[1] = tail ? tail : "";
	out[0] = '\0';
	for (i = 0; fits && i < 2 && (at = strstr(format, "%s")) != NULL; i++) {
		fits = put(out, &len, format, (size_t)(at - format)) && put(out, &len, arg[i], strlen(arg[i]));
		format = at + 2;
	}
	if (fits && !put(out, &len, format, strlen(format)))
		fits = 0;
	if (!fits)
		return ecl_error_set(ECL_EINVALID, "a job statement is longer than %d bytes: %.60s",
			ECL__JOB_STATEMENT_MAX, out);
	return 0;
}

int ecl__job_statement(char out[ECL__JOB_STATEMENT_MAX], ecl__job_dialect *d, const char *format,
                       const char *tail)
{
	return write_statement(out, ecl__job_select_list(d), format, tail);
}

const char *ecl__job_sql(ecl__job_dialect *d, const char *format)
{
	const char *sql = "<more job statements than ECL__JOB_STATEMENTS>";
	int i;

	pthread_mutex_lock(&build_lock);
	build_locked(d);
	for (i = 0; i < ECL__JOB_STATEMENTS; i++) {
		ecl__job_built *b = &d->statements[i];

		if (b->format == NULL) {
			if (write_statement(b->sql, d->select_list, format, NULL) != 0)
				snprintf(b->sql, sizeof(b->sql), "<a job statement longer than %d bytes>",
					ECL__JOB_STATEMENT_MAX);
			b->format = format;
		}
		if (b->format == format) {
			sql = b->sql;
			break;
		}
	}
	pthread_mutex_unlock(&build_lock);
	return sql;
}

const char *ecl__job_insert_sql(ecl__job_dialect *d)
{
	build(d);
	return d->insert_sql;
}

void ecl__job_insert_bind(const ecl__job_dialect *d, void *target, const ecl_job *job)
{
	size_t i;
	int n = 0;

	for (i = 0; i < ecl__job_column_count; i++) {
		const ecl__job_column *c = &ecl__job_columns[i];

		if (c->insert == ECL__JOB_BOUND) {
			ecl__job_value v = member_value(c, (const char *)job + c->job);
			d->bind(target, ++n, c->kind, &v);
		}
	}
}

/* ---- the conditional update ----------------------------------------------- */

/* One walk of an update: it writes the SQL into a fixed buffer (no
 * allocation on the path of every job transition), binds, or both. */
typedef struct update_walk {
	char *sql;           /* when writing SQL: ECL__JOB_STATEMENT_MAX bytes */
	size_t len;
	void *target;        /* when binding */
	const ecl__job_dialect *d;
	int n;               /* parameters so far */
	int full;            /* the SQL did not fit */
} update_walk;

static void walk_put(update_walk *w, const char *text, size_t n)
{
	if (w->sql == NULL || w->full)
		return;
	if (w->len + n >= ECL__JOB_STATEMENT_MAX) {
		w->full = 1;
		return;
	}
	memcpy(w->sql + w->len, text, n);
	w->len += n;
	w->sql[w->len] = '\0';
}

static void walk_sql(update_walk *w, const char *text)
{
	walk_put(w, text, strlen(text));
}

/* Write `before`, `name`, `op` and the placeholder of parameter n: the
 * kind's format with its %d replaced by hand, since snprintf() was most of
 * the cost of a walk. */
static void walk_piece(update_walk *w, const char *before, const char *name, const char *op,
                       ecl__job_kind kind, int n)
{
	const char *format = w->d->param[kind];
	const char *at = strchr(format, '%');
	char digits[12], *p = digits + sizeof(digits);

	if (w->sql == NULL || at == NULL)
		return;
	do {
		*--p = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	walk_sql(w, before);
	walk_sql(w, name);
	walk_sql(w, op);
	walk_put(w, format, (size_t)(at - format));
	walk_put(w, p, (size_t)(digits + sizeof(digits) - p));
	walk_sql(w, at + 2);
}

/* `before`, `name` and `op`, then a new parameter holding `v`. */
static void walk_value(update_walk *w, const char *before, const char *name, const char *op,
                       ecl__job_kind kind, const ecl__job_value *v)
{
	walk_piece(w, before, name, op, kind, ++w->n);
	if (w->target != NULL)
		w->d->bind(w->target, w->n, kind, v);
}

static void walk_set(update_walk *w, const ecl_job_update *u)
{
	static const ecl__job_value yes = { NULL, 1, 0 };
	int columns = 0;
	size_t i;

	for (i = 0; i < ecl__job_column_count; i++) {
		const ecl__job_column *c = &ecl__job_columns[i];
		ecl__job_value v;

		if (!(u->set & c->set))
			continue;
		v = c->update == ECL__JOB_NO_MEMBER ? yes : member_value(c, (const char *)u + c->update);
		walk_value(w, columns++ ? ", " : "", c->name, " = ", c->kind, &v);
	}
	/* Only the columns that change are assigned: assigning the primary key
	 * (even to itself) would make SQLite rewrite every index of the row. */
	if (columns == 0)
		walk_sql(w, "status = status");
}

/* The statuses the job may be in now, as literals: a call site always
 * passes the same ones, so they add no statement shapes. */
static void walk_statuses(update_walk *w, unsigned int from)
{
	int status, first = 1;

	walk_sql(w, " AND status IN (");
	for (status = ECL_JOB_QUEUED; status <= ECL_JOB_CANCELLED; status++) {
		if (from & ECL_JOB_STATUS_BIT(status)) {
			walk_sql(w, first ? "'" : ", '");
			walk_sql(w, ecl_job_status_name((ecl_job_status)status));
			walk_sql(w, "'");
			first = 0;
		}
	}
	walk_sql(w, first ? "NULL)" : ")");
}

static void walk_where(update_walk *w, const ecl_job_update *u)
{
	ecl__job_value v = { NULL, 0, 0 };

	walk_piece(w, " WHERE ", "batch_id", " = ", ECL__JOB_BATCH_ID, 1);
	walk_statuses(w, u->from_statuses);
	if (u->expect_worker_id != NULL) {
		v.text = u->expect_worker_id;
		walk_value(w, " AND ", "worker_id", " = ", ECL__JOB_TEXT, &v);
	}
	if (u->expect_retry_count >= 0) {
		v.number = u->expect_retry_count;
		walk_value(w, " AND ", "retry_count", " = ", ECL__JOB_INT, &v);
	}
	if (u->expect_heartbeat_before != ECL_TIME_NONE) {
		v.number = u->expect_heartbeat_before;
		walk_value(w, " AND ", "heartbeat_at", " < ", ECL__JOB_INSTANT, &v);
	}
	if (u->expect_alert_unsent)
		walk_sql(w, " AND NOT alert_sent");
}

int ecl__job_update_sql(char *sql, void *target, const ecl__job_dialect *d,
                        const ecl_job_update *u, const char *around)
{
	update_walk w = { sql, 0, target, d, 1, 0 };
	ecl__job_value batch = { NULL, 0, 0 };
	const char *at = around ? strstr(around, "%s") : NULL;

	/* The batch id is parameter 1 wherever the SQL names it, so `around`
	 * can name it again. */
	batch.text = u->batch_id;
	if (target != NULL)
		d->bind(target, 1, ECL__JOB_BATCH_ID, &batch);
	if (sql != NULL)
		sql[0] = '\0';
	if (at != NULL)
		walk_put(&w, around, (size_t)(at - around));
	walk_sql(&w, "UPDATE import_jobs SET ");
	walk_set(&w, u);
	walk_where(&w, u);
	if (at != NULL)
		walk_sql(&w, at + 2);
	if (w.full)
		return ecl_error_set(ECL_EINVALID, "a job update is longer than %d bytes: %.60s",
			ECL__JOB_STATEMENT_MAX, sql);
	return 0;
}

typedef struct expired_ctx {
	const ecl__expired_sql *sql;
	int64_t cutoff;
	size_t limit;
	int remove;
	ecl_job_array *out;
} expired_ctx;

static int expired_page(ecl_backend_conn *conn, void *opaque)
{
	expired_ctx *ctx = opaque;
	size_t keep = ctx->out->count;
	int64_t deleted = 0;
	int rc = ctx->sql->select(conn, ctx->cutoff, ctx->limit, ctx->remove, ctx->out);

	if (rc == 0 && ctx->remove && ctx->out->count > keep)
		rc = ctx->sql->delete_ids(conn, ctx->out, keep, &deleted);
	/* The rows read were locked: any other count means a broken delete. */
	if (rc == 0 && ctx->remove && (size_t)deleted != ctx->out->count - keep)
		rc = ecl_error_set(ECL_EDB, "deleting expired jobs: %lld deleted, %zu expected",
			(long long)deleted, ctx->out->count - keep);
	if (rc != 0)
		ecl__job_array_truncate(ctx->out, keep);
	return rc;
}

int ecl__jobs_expired_with(ecl__job_runner write, ecl__job_runner read, const ecl__expired_sql *sql,
                           ecl_backend_conn *conn, int64_t cutoff, size_t limit, int remove,
                           ecl_job_array *out)
{
	expired_ctx ctx = { sql, cutoff, limit, remove, out };

	if (limit == 0)
		return 0;
	if (remove)
		return write(conn, expired_page, &ctx, "deleting expired jobs");
	return read(conn, expired_page, &ctx, "listing expired jobs");
}
