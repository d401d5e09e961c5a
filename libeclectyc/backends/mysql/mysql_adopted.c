/*
 * MySQL/MariaDB backend: how the library's SQL reads on a database it
 * adopted in place (mysql_adopt.c, docs/adoption.md).
 *
 * The host application's tables keep their own instant columns
 * (`queued_at`, `created_at`, … as TIMESTAMP or DATETIME, which its code
 * reads), where the library's schema has Unix seconds under the same names.
 * On an adopted database the library's seconds live beside them as
 * `<name>_unix`, in its own tables too, so every statement the backend sends
 * is spelt with those names: one rewrite here, where SQL leaves the backend,
 * instead of a second copy of every statement. Triggers made at adoption
 * keep the application's columns in step with the library's.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mysql_internal.h"

/* The library's instant columns whose names the application's tables use
 * for columns of other types. */
static const char *const renamed[] = {
	"queued_at", "started_at", "completed_at", "retry_at", "created_at", "updated_at",
	"resolved_at", NULL
};

const char *const *ecl__my_adopted_columns(void)
{
	return renamed;
}

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* The renamed column spelt at `p` as a whole identifier, or NULL. */
static const char *renamed_at(const char *sql, const char *p)
{
	size_t i, len;

	if (p > sql && ident_char(p[-1]))
		return NULL;
	for (i = 0; renamed[i] != NULL; i++) {
		len = strlen(renamed[i]);
		if (strncmp(p, renamed[i], len) == 0 && !ident_char(p[len]))
			return renamed[i];
	}
	return NULL;
}

/* The end of the quoted text starting at `p` (its closing quote, or the
 * text's last character when it is not closed), with
 * doubled and backslashed quotes inside it skipped. */
static const char *quoted_end(const char *p)
{
	char quote = *p++;

	while (*p != '\0') {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == quote && p[1] == quote)
			p++;
		else if (*p == quote)
			return p;
		p++;
	}
	return p - 1;
}

/* The end of the comment starting at `p` (its last character), or NULL
 * when none starts there: -- and # to the line's end, slash-star to star-slash. */
static const char *comment_end(const char *p)
{
	const char *end = NULL;

	if ((p[0] == '-' && p[1] == '-' && (p[2] == ' ' || p[2] == '\t' || p[2] == '\n')) || p[0] == '#')
		end = p + strcspn(p, "\n");
	else if (p[0] == '/' && p[1] == '*')
		end = (end = strstr(p + 2, "*/")) != NULL ? end + 2 : p + strlen(p);
	return end != NULL ? end - 1 : NULL;
}

char *ecl__my_adopted_sql(const char *sql)
{
	size_t len = strlen(sql), o = 0;
	/* Each rename adds five characters, at most one per six of the text. */
	char *out = malloc(len + len / 6 * 5 + 8);
	const char *p, *name, *end;

	if (out == NULL)
		return NULL;
	for (p = sql; *p != '\0'; p++) {
		if ((end = comment_end(p)) != NULL || *p == '\'' || *p == '"') {
			end = end != NULL ? end : quoted_end(p);
			memcpy(out + o, p, (size_t)(end - p) + 1);
			o += (size_t)(end - p) + 1;
			p = end;
		} else if ((name = renamed_at(sql, p)) != NULL) {
			memcpy(out + o, name, strlen(name));
			o += strlen(name);
			memcpy(out + o, "_unix", 5);
			o += 5;
			p += strlen(name) - 1;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return out;
}

int ecl__my_sql_for(ecl_backend_conn *conn, const char *sql, const char **text, char **owned)
{
	*owned = NULL;
	*text = sql;
	if (!conn->adopted)
		return 0;
	*owned = ecl__my_adopted_sql(sql);
	if (*owned == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory preparing a statement");
	*text = *owned;
	return 0;
}

int ecl__my_detect_adopted(ecl_backend_conn *conn)
{
	my_result res;
	int rc;

	conn->adopted = 0;
	rc = ecl__my_query(&res, conn, "SELECT count(*) FROM information_schema.tables"
		" WHERE table_schema = DATABASE() AND table_name = 'schema_adoption'", NULL,
		"reading whether the database was adopted");
	if (rc == 0)
		conn->adopted = ecl__my_get_int(&res, 0, 0) > 0;
	ecl__my_result_free(&res);
	return rc;
}
