/* The data feeds' tables as data, and reading and writing their rows. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/common/feed_rows.h"
#include "util/buffer_internal.h"
#include "util/strutil.h"

/* ---- the enumerations stored by name ------------------------------------- */

/* An enum whose names come from `name_of` for the values 0, 1, … until it
 * says NULL: parse walks them. */
static int parse_by_names(int *value, const char *text, const char *(*name_of)(int))
{
	const char *name;
	int v;

	for (v = 0; text != NULL && (name = name_of(v)) != NULL; v++) {
		if (strcmp(name, text) == 0) {
			*value = v;
			return 0;
		}
	}
	return -1;
}

/* The hooks of an ecl__job_enum over `type`'s name function `name_fn`. */
#define ENUM_HOOKS(prefix, type, name_fn) \
	static const char *prefix##_name_of(int v) \
	{ \
		return name_fn((type)v); \
	} \
	static int prefix##_parse(void *member, const char *text) \
	{ \
		int v = 0, rc = parse_by_names(&v, text, prefix##_name_of); \
		if (rc == 0) \
			*(type *)member = (type)v; \
		return rc; \
	} \
	static const char *prefix##_name(const void *member) \
	{ \
		return name_fn(*(const type *)member); \
	}

ENUM_HOOKS(after, ecl_source_after, ecl_source_after_name)
ENUM_HOOKS(state, ecl_source_file_state, ecl_source_file_state_name)

static const ecl__job_enum after_enum = { "after-action", after_parse, after_name };
static const ecl__job_enum state_enum = { "state", state_parse, state_name };

/* ---- the tables ------------------------------------------------------------ */

/* Row fields: kind and enum; member; array size; nullable and NULL's value. */
#define I64 ECL__JOB_INT64, NULL
#define INT ECL__JOB_INT, NULL
#define BOOL ECL__JOB_BOOL, NULL
#define TIME ECL__JOB_INSTANT, NULL
#define TEXT ECL__JOB_TEXT, NULL
#define JSON ECL__JOB_JSON, NULL
#define ENUM(e) ECL__JOB_ENUM, &(e)
#define NOT_NULL 0, 0
#define NO_TIME 1, ECL_TIME_NONE

#define SRC(m) offsetof(ecl_source, m), 0
static const ecl__feed_column source_columns[] = {
	{ "id",              I64,  SRC(id),              NOT_NULL },
	{ "name",            TEXT, SRC(name),            NOT_NULL },
	{ "url",             TEXT, SRC(url),             NOT_NULL },
	{ "pattern",         TEXT, SRC(pattern),         NOT_NULL },
	{ "import_profile",  TEXT, SRC(import_profile),  NOT_NULL },
	{ "import_meter",    TEXT, SRC(import_meter),    NOT_NULL },
	{ "import_type",     ENUM(ecl__job_import_type_enum), SRC(import_type), NOT_NULL },
	{ "priority",        ENUM(ecl__job_priority_enum), SRC(priority), NOT_NULL },
	{ "tags",            JSON, SRC(tags),            NOT_NULL },
	{ "every_seconds",   INT,  SRC(every_seconds),   NOT_NULL },
	{ "after_action",    ENUM(after_enum), SRC(after), NOT_NULL },
	{ "after_dir",       TEXT, SRC(after_dir),       NOT_NULL },
	{ "ssh_key",         TEXT, SRC(ssh_key),         NOT_NULL },
	{ "known_hosts",     TEXT, SRC(known_hosts),     NOT_NULL },
	{ "ca_file",         TEXT, SRC(ca_file),         NOT_NULL },
	{ "user_env",        TEXT, SRC(user_env),        NOT_NULL },
	{ "password_env",    TEXT, SRC(password_env),    NOT_NULL },
	{ "stale_days",      INT,  SRC(stale_days),      NOT_NULL },
	{ "paused",          BOOL, SRC(paused),          NOT_NULL },
	{ "created_at",      TIME, SRC(created_at),      NOT_NULL },
	{ "next_poll_at",    TIME, SRC(next_poll_at),    NO_TIME },
	{ "last_poll_at",    TIME, SRC(last_poll_at),    NO_TIME },
	{ "last_success_at", TIME, SRC(last_success_at), NO_TIME },
	{ "last_file_at",    TIME, SRC(last_file_at),    NO_TIME },
	{ "last_error",      TEXT, SRC(last_error),      NOT_NULL },
	{ "files_taken",     I64,  SRC(files_taken),     NOT_NULL },
	{ "lease_owner",     TEXT, SRC(lease_owner),     NOT_NULL },
	{ "lease_until",     TIME, SRC(lease_until),     NO_TIME },
};

#define FILE_(m) offsetof(ecl_source_file, m), 0
#define FILE_ARRAY(m) offsetof(ecl_source_file, m), sizeof(((ecl_source_file *)0)->m)
/* size and mtime are never NULL: -1 and 0 stand for "not said", so the
 * unique key (source_id, name, size, mtime) still matches. */
static const ecl__feed_column file_columns[] = {
	{ "id",          I64,  FILE_(id),          NOT_NULL },
	{ "source_id",   I64,  FILE_(source_id),   NOT_NULL },
	{ "name",        TEXT, FILE_(name),        NOT_NULL },
	{ "size",        I64,  FILE_(size),        NOT_NULL },
	{ "mtime",       TIME, FILE_(mtime),       NOT_NULL },
	{ "sha256",      TEXT, FILE_ARRAY(sha256), NOT_NULL },
	{ "state",       ENUM(state_enum), FILE_(state), NOT_NULL },
	{ "batch_id",    TEXT, FILE_ARRAY(batch_id), NOT_NULL },
	{ "reason",      TEXT, FILE_(reason),      NOT_NULL },
	{ "stored_path", TEXT, FILE_(stored_path), NOT_NULL },
	{ "seen_at",     TIME, FILE_(seen_at),     NOT_NULL },
	{ "handled_at",  TIME, FILE_(handled_at),  NO_TIME },
};

#define POLL(m) offsetof(ecl_source_poll, m), 0
static const ecl__feed_column poll_columns[] = {
	{ "id",         I64,  POLL(id),         NOT_NULL },
	{ "source_id",  I64,  POLL(source_id),  NOT_NULL },
	{ "worker_id",  TEXT, POLL(worker_id),  NOT_NULL },
	{ "started_at", TIME, POLL(started_at), NOT_NULL },
	{ "ended_at",   TIME, POLL(ended_at),   NOT_NULL },
	{ "seen",       INT,  POLL(seen),       NOT_NULL },
	{ "taken",      INT,  POLL(taken),      NOT_NULL },
	{ "skipped",    INT,  POLL(skipped),    NOT_NULL },
	{ "error",      TEXT, POLL(error),      NOT_NULL },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void clear_source(void *record)
{
	ecl_source_clear(record);
}

static void clear_file(void *record)
{
	ecl_source_file_clear(record);
}

static void clear_poll(void *record)
{
	ecl_source_poll_clear(record);
}

const ecl__feed_table ecl__feed_sources = {
	"feed_sources", source_columns, COUNT(source_columns), sizeof(ecl_source), clear_source
};
const ecl__feed_table ecl__feed_files = {
	"feed_files", file_columns, COUNT(file_columns), sizeof(ecl_source_file), clear_file
};
const ecl__feed_table ecl__feed_polls = {
	"feed_polls", poll_columns, COUNT(poll_columns), sizeof(ecl_source_poll), clear_poll
};

/* ---- statements ------------------------------------------------------------ */

int ecl__feed_columns(ecl_buf *out, const ecl__feed_table *t, const ecl__job_dialect *d,
                      const char *alias)
{
	char name[96];
	size_t i;
	int rc = 0;

	for (i = d ? 0 : 1; rc == 0 && i < t->count; i++) {
		const ecl__feed_column *c = &t->columns[i];
		const char *format = d && d->select[c->kind] ? d->select[c->kind] : "%s";
		const char *at = strstr(format, "%s");

		snprintf(name, sizeof(name), "%s%s", alias, c->name);
		if (i > (d ? 0u : 1u))
			rc = ecl__buf_puts(out, ", ");
		if (rc == 0)
			rc = ecl__buf_put(out, format, (size_t)(at - format));
		if (rc == 0)
			rc = ecl__buf_puts(out, name);
		if (rc == 0)
			rc = ecl__buf_puts(out, at + 2);
	}
	return rc;
}

int ecl__feed_placeholders(ecl_buf *out, const ecl__feed_table *t)
{
	char p[32];
	size_t i;
	int rc = 0;

	for (i = 1; rc == 0 && i < t->count; i++) {
		snprintf(p, sizeof(p), "%s?%zu", i > 1 ? ", " : "", i);
		rc = ecl__buf_puts(out, p);
	}
	return rc;
}

/* The value of column `c` of `record`. */
static ecl__sql_param value_of(const ecl__feed_column *c, const void *record)
{
	const char *member = (const char *)record + c->offset;
	ecl__sql_param p;

	memset(&p, 0, sizeof(p));
	p.kind = c->kind;
	switch (c->kind) {
	case ECL__JOB_INT64:
	case ECL__JOB_INSTANT:
		p.value.number = *(const int64_t *)member;
		break;
	case ECL__JOB_INT:
	case ECL__JOB_BOOL:
		p.value.number = *(const int *)member;
		break;
	case ECL__JOB_ENUM:
		p.value.text = c->type->name(member);
		break;
	default:
		p.value.text = c->array ? (*member ? member : NULL) : *(const char *const *)member;
		break;
	}
	p.value.null = c->nullable && !ecl__job_kind_is_text(c->kind) && p.value.number == c->none;
	return p;
}

void ecl__feed_values(const ecl__feed_table *t, const void *record, ecl__sql_param *out)
{
	size_t i;

	for (i = 1; i < t->count; i++)
		out[i - 1] = value_of(&t->columns[i], record);
}

/* ---- reading ----------------------------------------------------------------- */

static int read_text(const ecl__feed_column *c, char *member, const char *text)
{
	if (c->array) {
		ecl__strlcpy(member, text ? text : "", c->array);
		return 0;
	}
	*(char **)member = text ? ecl__strdup(text) : NULL;
	return text && *(char **)member == NULL ? ECL_ENOMEM : 0;
}

static int read_cell(const ecl__feed_table *t, const ecl__feed_column *c, void *record,
                     const ecl__job_row *row, int col)
{
	char *member = (char *)record + c->offset;
	int64_t v = 0;
	const char *text;

	if (!ecl__job_kind_is_text(c->kind))
		v = c->nullable && row->cells->is_null(row, col) ? c->none : row->cells->integer(row, col);
	switch (c->kind) {
	case ECL__JOB_INT64:
	case ECL__JOB_INSTANT:
		*(int64_t *)member = v;
		return 0;
	case ECL__JOB_INT:
	case ECL__JOB_BOOL:
		*(int *)member = (int)v;
		return 0;
	case ECL__JOB_ENUM:
		text = row->cells->text(row, col);
		if (c->type->parse(member, text) == 0)
			return 0;
		return ecl_error_set(ECL_ESCHEMA, "%s row %lld has %s \"%s\", which this library does "
			"not know", t->name, (long long)row->cells->integer(row, 0), c->type->what,
			text ? text : "NULL");
	default:
		return read_text(c, member, row->cells->text(row, col));
	}
}

int ecl__feed_read(const ecl__feed_table *t, void *record, const ecl__job_row *row)
{
	size_t i;
	int rc = 0;

	memset(record, 0, t->record_size);
	for (i = 0; rc == 0 && i < t->count; i++)
		rc = read_cell(t, &t->columns[i], record, row, (int)i);
	if (rc == ECL_ENOMEM)
		ecl_error_set(ECL_ENOMEM, "out of memory reading %s", t->name);
	if (rc != 0)
		t->clear(record);
	return rc;
}

int ecl__feed_reserve(void **items, size_t count, size_t *capacity, size_t size, const char *what)
{
	size_t grown_cap = *capacity ? *capacity * 2 : 8;
	void *grown;

	if (count < *capacity)
		return 0;
	if ((grown = realloc(*items, grown_cap * size)) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory listing %s", what);
	*items = grown;
	*capacity = grown_cap;
	return 0;
}

int ecl__feed_append(const ecl__feed_table *t, void **items, size_t *count, size_t *capacity,
                     const ecl__job_row *row)
{
	int rc = ecl__feed_reserve(items, *count, capacity, t->record_size, t->name);

	if (rc == 0)
		rc = ecl__feed_read(t, (char *)*items + *count * t->record_size, row);
	if (rc == 0)
		(*count)++;
	return rc;
}

void ecl__feed_truncate(const ecl__feed_table *t, void *items, size_t *count, size_t keep)
{
	while (*count > keep)
		t->clear((char *)items + --*count * t->record_size);
}
