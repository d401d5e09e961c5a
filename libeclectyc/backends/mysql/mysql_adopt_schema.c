/*
 * MySQL/MariaDB backend, adopting the PHP application's database
 * (mysql_adopt.c): the library's schema, built in a scratch database,
 * compared with the application's into the statements that make the
 * application's a superset of it. A table of ours it lacks is created as
 * built; a table it has keeps every row and column and gains the library's
 * columns and keys: an ENUM or VARCHAR too narrow for the library's values
 * is widened, a NOT NULL the library may leave empty relaxed, a missing
 * primary key added (ids made unique first), and a unique key the
 * application's rows already break held among the library's rows only, by
 * a discriminating column, so that no row is lost.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"
#include "util/buffer_internal.h"
#include "mysql_adopt.h"

/* ---- the statements --------------------------------------------------------- */

static int push(ecl__adoption *a, char *stmt)
{
	char **grown;

	if (stmt == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory planning the adoption");
	if (a->count == a->cap) {
		grown = realloc(a->stmts, (size_t)(a->cap ? a->cap * 2 : 64) * sizeof(*grown));
		if (grown == NULL) {
			free(stmt);
			return ecl_error_set(ECL_ENOMEM, "out of memory planning the adoption");
		}
		a->stmts = grown;
		a->cap = a->cap ? a->cap * 2 : 64;
	}
	a->stmts[a->count++] = stmt;
	return 0;
}

int ecl__adopt_add(ecl__adoption *a, const char *format, ...)
{
	va_list ap;
	char *stmt;
	int n;

	va_start(ap, format);
	n = vsnprintf(NULL, 0, format, ap);
	va_end(ap);
	stmt = n < 0 ? NULL : malloc((size_t)n + 1);
	if (stmt != NULL) {
		va_start(ap, format);
		vsnprintf(stmt, (size_t)n + 1, format, ap);
		va_end(ap);
	}
	return push(a, stmt);
}

void ecl__adopt_free(ecl__adoption *a)
{
	int i;

	for (i = 0; i < a->finishing; i++)
		free(a->finish[i]);
	a->finishing = 0;
	for (i = 0; i < a->count; i++)
		free(a->stmts[i]);
	free(a->stmts);
	a->stmts = NULL;
	a->count = a->cap = 0;
}

int ecl__adopt_is_adopted(const ecl__adoption *a, const char *table)
{
	char key[80];

	snprintf(key, sizeof(key), ",%s,", table);
	return strstr(a->adopted, key) != NULL;
}

/* ---- reading both schemas ---------------------------------------------------- */

/* Rows of `sql` with ?1 the scratch database, ?2 the live one and ?3 `table`. */
int ecl__adopt_query(my_result *res, ecl__adoption *a, const char *sql, const char *table, const char *what)
{
	my_params p;

	ecl__my_params_init(&p);
	ecl__my_text(&p, a->scratch);
	ecl__my_text(&p, a->live);
	ecl__my_text(&p, table ? table : "");
	return ecl__my_query(res, a->conn, sql, &p, what);
}

int ecl__adopt_ask(my_result *res, ecl__adoption *a, const char *sql, const char *schema,
                   const char *table, const char *name)
{
	my_params p;

	ecl__my_params_init(&p);
	ecl__my_text(&p, schema);
	ecl__my_text(&p, table);
	ecl__my_text(&p, name ? name : "");
	return ecl__my_query(res, a->conn, sql, &p, "reading the schema to adopt");
}

/* Whether `table` of database `schema` has `column`; with `type`, that
 * column's DATA_TYPE. */
int ecl__adopt_has_column(ecl__adoption *a, const char *schema, const char *table, const char *column,
                      char type[32], int *has)
{
	my_result res;
	int rc = ecl__adopt_ask(&res, a, "SELECT data_type FROM information_schema.columns"
		" WHERE table_schema = ?1 AND table_name = ?2 AND column_name = ?3", schema, table, column);

	*has = rc == 0 && res.rows > 0;
	if (type != NULL)
		snprintf(type, 32, "%s", *has ? ecl__my_get_str(&res, 0, 0) : "");
	ecl__my_result_free(&res);
	return rc;
}

int ecl__adopt_live_column(ecl__adoption *a, const char *table, const char *column, char type[32], int *has)
{
	return ecl__adopt_has_column(a, a->live, table, column, type, has);
}

int ecl__adopt_live_table(ecl__adoption *a, const char *table, int *has)
{
	my_result res;
	int rc = ecl__adopt_ask(&res, a, "SELECT count(*) FROM information_schema.tables WHERE"
		" table_schema = ?1 AND table_name = ?2 AND table_type = 'BASE TABLE'",
		a->live, table, NULL);

	*has = rc == 0 && ecl__my_get_int(&res, 0, 0) > 0;
	ecl__my_result_free(&res);
	return rc;
}

/* ---- tables of ours ---------------------------------------------------------- */

/* SHOW CREATE TABLE of the scratch `table` into *ddl (the caller frees). */
static int scratch_ddl(ecl__adoption *a, const char *table, char **ddl)
{
	char sql[256];
	MYSQL_RES *res;
	MYSQL_ROW row;

	*ddl = NULL;
	snprintf(sql, sizeof(sql), "SHOW CREATE TABLE `%s`.`%s`", a->scratch, table);
	if (mysql_real_query(a->conn->my, sql, (unsigned long)strlen(sql)) != 0)
		return ecl__my_error(a->conn, NULL, "reading the library's schema");
	res = mysql_store_result(a->conn->my);
	row = res ? mysql_fetch_row(res) : NULL;
	if (row != NULL && row[1] != NULL)
		*ddl = ecl__strdup(row[1]);
	if (res != NULL)
		mysql_free_result(res);
	return *ddl == NULL ? ecl_error_set(ECL_ENOMEM, "out of memory reading the library's schema") : 0;
}

/* Whether DDL `line` is a foreign key into one of the adopted tables. */
static int references_adopted(const ecl__adoption *a, const char *line)
{
	const char *target = strstr(line, "REFERENCES `");
	char name[72];

	if (strstr(line, "FOREIGN KEY") == NULL || target == NULL)
		return 0;
	target += strlen("REFERENCES `");
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(target, "`"), target);
	return ecl__adopt_is_adopted(a, name);
}

/* A table of ours as built, less its foreign keys into the application's
 * tables (whose keys are typed otherwise, INT UNSIGNED for BIGINT). */
int ecl__adopt_create_ours(ecl__adoption *a, const char *table)
{
	ecl_buf out = ECL_BUF_INIT;
	char *ddl = NULL, *line, *next;
	int rc = scratch_ddl(a, table, &ddl);

	for (line = ddl; rc == 0 && line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (references_adopted(a, line))
			continue;
		if (out.size > 0)
			rc = ecl__buf_puts(&out, "\n");
		if (rc == 0)
			rc = ecl__buf_puts(&out, line);
	}
	if (rc == 0 && out.size > 0) {
		/* A dropped last constraint leaves its predecessor's comma. */
		char *close = strstr(out.ptr, ",\n)");

		if (close != NULL)
			memmove(close, close + 1, strlen(close + 1) + 1);
		rc = ecl__adopt_add(a, "%s", out.ptr);
	}
	free(ddl);
	ecl_buf_dispose(&out);
	return rc;
}

/* ---- the application's tables ----------------------------------------------- */

/* The line defining `column` in the scratch DDL `ddl` (without its comma). */
static int column_line(const char *ddl, const char *column, char *out, size_t size)
{
	char head[80];
	const char *p;
	size_t n;

	snprintf(head, sizeof(head), "\n  `%s` ", column);
	p = strstr(ddl, head);
	if (p == NULL)
		return ecl_error_set(ECL_ESCHEMA, "adopting: the library's column %s is not in its"
			" table definition", column);
	p += 3;
	n = strcspn(p, "\n");
	if (n > 0 && p[n - 1] == ',')
		n--;
	snprintf(out, size, "%.*s", (int)n, p);
	return 0;
}

/* `sql` quoted as an SQL string literal into `out`. */
static void quote_text(char *out, size_t size, const char *text)
{
	size_t o = 0;

	out[o++] = '\'';
	for (; *text != '\0' && o + 3 < size; text++) {
		if (*text == '\'' || *text == '\\')
			out[o++] = *text;
		out[o++] = *text;
	}
	out[o++] = '\'';
	out[o] = '\0';
}

/* The values an ENUM column must hold: its own, then those the library's
 * CHECK on the column allows that it lacks. *widened when there are any. */
static int enum_union(ecl__adoption *a, const char *table, const char *column, const char *live_type,
                      char *out, size_t size, int *widened)
{
	my_result res;
	const char *clause, *q, *end;
	char value[96];
	int rc;

	*widened = 0;
	snprintf(out, size, "%.*s", (int)strlen(live_type) - 1, live_type);   /* "enum('a','b'" */
	rc = ecl__adopt_ask(&res, a, "SELECT check_clause FROM information_schema.check_constraints"
		" WHERE constraint_schema = ?1 AND table_name = ?2 AND constraint_name = ?3", a->scratch,
		table, column);
	clause = rc == 0 && res.rows > 0 ? ecl__my_get_str(&res, 0, 0) : NULL;
	for (q = clause ? strchr(clause, '\'') : NULL; q != NULL; q = strchr(end + 1, '\'')) {
		end = strchr(q + 1, '\'');
		if (end == NULL)
			break;
		snprintf(value, sizeof(value), "%.*s", (int)(end - q + 1), q);   /* 'x' */
		if (strstr(live_type, value) == NULL && strstr(out, value) == NULL
		    && strlen(out) + strlen(value) + 3 < size) {
			strcat(strcat(out, ","), value);
			*widened = 1;
		}
	}
	strcat(out, ")");
	ecl__my_result_free(&res);
	return rc;
}

enum { E_NAME, E_TYPE, E_NULLABLE, E_DATA, E_LEN, L_TYPE, L_NULLABLE, L_DEFAULT, L_DATA, L_LEN,
       L_COMMENT, L_EXTRA };

static const char columns_sql[] =
	"SELECT e.column_name, e.column_type, e.is_nullable, e.data_type, e.character_maximum_length,"
	" l.column_type, l.is_nullable, l.column_default, l.data_type, l.character_maximum_length,"
	" l.column_comment, l.extra"
	" FROM information_schema.columns e LEFT JOIN information_schema.columns l"
	" ON l.table_schema = ?2 AND l.table_name = e.table_name AND l.column_name = e.column_name"
	" WHERE e.table_schema = ?1 AND e.table_name = ?3 ORDER BY e.ordinal_position";

/* A column both have: widened to hold what the library writes, keeping the
 * application's type, default and comment otherwise. */
static int modify_column(ecl__adoption *a, const char *table, const my_result *c, int row)
{
	const char *ltype = ecl__my_get_str(c, row, L_TYPE), *ldata = ecl__my_get_str(c, row, L_DATA);
	const char *edata = ecl__my_get_str(c, row, E_DATA), *def = ecl__my_get_str(c, row, L_DEFAULT);
	const char *comment = ecl__my_get_str(c, row, L_COMMENT);
	int relax = strcmp(ecl__my_get_str(c, row, L_NULLABLE), "NO") == 0
	            && strcmp(ecl__my_get_str(c, row, E_NULLABLE), "YES") == 0;
	int widen = 0, rc = 0;
	char type[1024], defclause[300], quoted[600];

	snprintf(type, sizeof(type), "%s", ltype);
	if (strcmp(ldata, "enum") == 0)
		rc = enum_union(a, table, ecl__my_get_str(c, row, E_NAME), ltype, type, sizeof(type), &widen);
	else if ((strcmp(ldata, "varchar") == 0 || strcmp(ldata, "char") == 0)
	         && (strcmp(edata, "varchar") == 0 || strcmp(edata, "char") == 0)
	         && ecl__my_get_int(c, row, L_LEN) < ecl__my_get_int(c, row, E_LEN))
		widen = 1, snprintf(type, sizeof(type), "varchar(%lld)",
			(long long)ecl__my_get_int(c, row, E_LEN));
	if (rc != 0 || (!widen && !relax) || strstr(ecl__my_get_str(c, row, L_EXTRA), "GENERATED"))
		return rc;
	defclause[0] = '\0';
	if (def != NULL && strcmp(def, "NULL") != 0)
		snprintf(defclause, sizeof(defclause), " DEFAULT %s", def);
	quote_text(quoted, sizeof(quoted), comment ? comment : "");
	return ecl__adopt_add(a, "ALTER TABLE `%s` MODIFY `%s` %s %s%s%s%s", table, ecl__my_get_str(c, row, E_NAME),
		type, relax || strcmp(ecl__my_get_str(c, row, L_NULLABLE), "YES") == 0 ? "NULL" : "NOT NULL",
		defclause, comment && comment[0] ? " COMMENT " : "", comment && comment[0] ? quoted : "");
}

/* A column of ours added to the application's table `table` as built. */
static int add_column(ecl__adoption *a, const char *table, const char *data_type, const char *line)
{
	const char *not_null = strstr(line, " NOT NULL");
	int dated = strcmp(data_type, "date") == 0 || strcmp(data_type, "datetime") == 0;
	int rc;

	if (!dated || not_null == NULL || strstr(line, " DEFAULT ") != NULL)
		return ecl__adopt_add(a, "ALTER TABLE `%s` ADD COLUMN %s", table, line);
	if ((size_t)a->finishing >= sizeof(a->finish) / sizeof(a->finish[0]))
		return ecl_error_set(ECL_ESCHEMA, "adopting: too many dates to fill in %s", table);
	rc = ecl__adopt_add(a, "ALTER TABLE `%s` ADD COLUMN %.*s NULL%s", table, (int)(not_null - line), line,
		not_null + 9);
	if (rc == 0) {
		a->finish[a->finishing] = malloc(strlen(table) + strlen(line) + 32);
		if (a->finish[a->finishing] == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory planning the adoption");
		sprintf(a->finish[a->finishing++], "ALTER TABLE `%s` MODIFY %s", table, line);
	}
	return rc;
}

/* The columns add_column() added NULL, made NOT NULL once filled. */
int ecl__adopt_finish_columns(ecl__adoption *a)
{
	int i, rc = 0;

	for (i = 0; i < a->finishing; i++) {
		if (rc == 0)
			rc = push(a, a->finish[i]);
		else
			free(a->finish[i]);
	}
	a->finishing = 0;
	return rc;
}

/* Columns: the library's it lacks added (as built, or for a view of ours
 * as a nullable column of the view's type), those it has widened. */
int ecl__adopt_columns(ecl__adoption *a, const char *table, int ours_is_view)
{
	my_result c;
	char *ddl = NULL, line[1024];
	int row, rc = ecl__adopt_query(&c, a, columns_sql, table, "comparing the schemas");

	if (rc == 0 && !ours_is_view)
		rc = scratch_ddl(a, table, &ddl);
	for (row = 0; rc == 0 && row < c.rows; row++) {
		if (!ecl__my_is_null(&c, row, L_TYPE)) {
			rc = ours_is_view ? 0 : modify_column(a, table, &c, row);
			continue;
		}
		if (ours_is_view)
			rc = ecl__adopt_add(a, "ALTER TABLE `%s` ADD COLUMN `%s` %s NULL", table,
				ecl__my_get_str(&c, row, E_NAME), ecl__my_get_str(&c, row, E_TYPE));
		else if ((rc = column_line(ddl, ecl__my_get_str(&c, row, E_NAME), line, sizeof(line))) == 0)
			rc = add_column(a, table, ecl__my_get_str(&c, row, E_DATA), line);
	}
	free(ddl);
	ecl__my_result_free(&c);
	return rc;
}

/* ---- keys -------------------------------------------------------------------- */

static const char keys_sql[] =
	"SELECT e.index_name, e.non_unique, e.cols, e.plain,"
	" (SELECT count(*) FROM (SELECT table_name, non_unique, group_concat(column_name,"
	"   coalesce(concat('(', sub_part, ')'), '') ORDER BY seq_in_index) AS cols"
	"   FROM information_schema.statistics WHERE table_schema = ?2 AND table_name = ?3"
	"   GROUP BY index_name, non_unique) l WHERE l.non_unique = e.non_unique AND l.cols = e.plain),"
	" (SELECT count(*) FROM information_schema.statistics s WHERE s.table_schema = ?2"
	"   AND s.table_name = ?3 AND s.index_name = e.index_name),"
	" (SELECT count(*) FROM information_schema.statistics s WHERE s.table_schema = ?2"
	"   AND s.table_name = ?3 AND s.index_name = 'PRIMARY')"
	" FROM (SELECT index_name, non_unique,"
	"   group_concat(concat('`', column_name, '`', coalesce(concat('(', sub_part, ')'), ''))"
	"    ORDER BY seq_in_index) AS cols,"
	"   group_concat(column_name, coalesce(concat('(', sub_part, ')'), '') ORDER BY seq_in_index) AS plain"
	"  FROM information_schema.statistics WHERE table_schema = ?1 AND table_name = ?3"
	"  GROUP BY index_name, non_unique) e ORDER BY e.index_name = 'PRIMARY' DESC, e.index_name";

enum { K_NAME, K_NON_UNIQUE, K_COLS, K_PLAIN, K_LIVE_SAME, K_LIVE_NAMED, K_LIVE_PRIMARY };

/* Whether the application's rows break uniqueness of `cols` (columns it
 * has; a key over a column added now is checked by that column's backfill). */
static int breaks_unique(ecl__adoption *a, const char *table, const char *plain, int *broken)
{
	char sql[512];
	const char *p = plain, *comma;
	char column[64];
	int has = 1, rc = 0;
	my_result res;

	*broken = 0;
	while (rc == 0 && has && *p != '\0') {
		comma = strchr(p, ',');
		snprintf(column, sizeof(column), "%.*s", (int)(comma ? comma - p : (long)strlen(p)), p);
		rc = ecl__adopt_live_column(a, table, column, NULL, &has);
		p = comma ? comma + 1 : p + strlen(p);
	}
	if (rc != 0 || !has)
		return rc;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (SELECT 1 FROM `%s`.`%s` GROUP BY %s"
		" HAVING count(*) > 1) d", a->live, table, plain);
	rc = ecl__my_query(&res, a->conn, sql, NULL, "reading the application's keys");
	*broken = rc == 0 && ecl__my_get_int(&res, 0, 0) > 0;
	ecl__my_result_free(&res);
	return rc;
}

/* The primary key of ours where the application's table has none: its ids
 * made unique first (the PHP system's production import_jobs gave every
 * row id 0), new ids following the highest in the order rows were queued. */
static int add_primary(ecl__adoption *a, const char *table, const char *cols)
{
	char type[32];
	int has = 0, rc = ecl__adopt_live_column(a, table, "queued_at", type, &has);
	const char *order = has ? "queued_at, id" : "id";

	if (rc == 0)
		rc = ecl__adopt_add(a, "SET @ecl_next_id = (SELECT coalesce(max(id), 0) FROM `%s`)", table);
	if (rc == 0)
		rc = ecl__adopt_add(a, "CREATE TEMPORARY TABLE ecl_renumbered ENGINE = MEMORY"
			" SELECT id FROM `%s` GROUP BY id HAVING count(*) > 1 OR id = 0", table);
	if (rc == 0)
		rc = ecl__adopt_add(a, "UPDATE `%s` SET id = (@ecl_next_id := @ecl_next_id + 1)"
			" WHERE id IN (SELECT id FROM ecl_renumbered) ORDER BY %s", table, order);
	if (rc == 0)
		rc = ecl__adopt_add(a, "DROP TEMPORARY TABLE ecl_renumbered");
	if (rc == 0)
		rc = ecl__adopt_add(a, "ALTER TABLE `%s` ADD PRIMARY KEY (%s)", table, cols);
	if (rc == 0 && strcmp(cols, "`id`") == 0) {
		my_result c;

		rc = ecl__adopt_ask(&c, a, "SELECT column_type FROM information_schema.columns"
			" WHERE table_schema = ?1 AND table_name = ?2 AND column_name = ?3", a->live, table, "id");
		if (rc == 0 && c.rows > 0)
			rc = ecl__adopt_add(a, "ALTER TABLE `%s` MODIFY `id` %s NOT NULL AUTO_INCREMENT", table,
				ecl__my_get_str(&c, 0, 0));
		ecl__my_result_free(&c);
	}
	return rc;
}

/* A unique key the application's rows already break: it holds among the
 * library's rows, which carry library_row = 1, while the application's
 * keep NULL there (NULLs never collide), so no row is lost. */
static int add_discriminated_unique(ecl__adoption *a, const char *table, const char *name,
                                    const char *cols)
{
	int has = 0, rc = ecl__adopt_live_column(a, table, "library_row", NULL, &has);

	if (rc == 0 && !has)
		rc = ecl__adopt_add(a, "ALTER TABLE `%s` ADD COLUMN library_row TINYINT NULL COMMENT"
			" 'eclectyc: 1 on rows the library writes; NULL on the application''s own'", table);
	if (rc == 0 && !has)
		rc = ecl__adopt_add(a, "ALTER TABLE `%s` ALTER COLUMN library_row SET DEFAULT 1", table);
	if (rc == 0)
		rc = ecl__adopt_add(a, "ALTER TABLE `%s` ADD UNIQUE KEY `%s` (%s,`library_row`)", table, name, cols);
	return rc;
}

/* Keys: the library's that the application's table lacks, by columns. */
int ecl__adopt_keys(ecl__adoption *a, const char *table)
{
	my_result k;
	char name[96];
	int row, broken, rc = ecl__adopt_query(&k, a, keys_sql, table, "comparing the keys");

	for (row = 0; rc == 0 && row < k.rows; row++) {
		const char *cols = ecl__my_get_str(&k, row, K_COLS);
		int primary = strcmp(ecl__my_get_str(&k, row, K_NAME), "PRIMARY") == 0;
		int unique = ecl__my_get_int(&k, row, K_NON_UNIQUE) == 0;

		if (ecl__my_get_int(&k, row, K_LIVE_SAME) > 0)
			continue;
		if (primary && ecl__my_get_int(&k, row, K_LIVE_PRIMARY) == 0) {
			rc = add_primary(a, table, cols);
			continue;
		}
		snprintf(name, sizeof(name), "%s%s", primary ? "uq_" : "", primary ? table
			: ecl__my_get_str(&k, row, K_NAME));
		if (ecl__my_get_int(&k, row, K_LIVE_NAMED) > 0 && strlen(name) < 80)
			strcat(name, "_ecl");
		broken = 0;
		if (unique)
			rc = breaks_unique(a, table, ecl__my_get_str(&k, row, K_PLAIN), &broken);
		if (rc == 0 && broken)
			rc = add_discriminated_unique(a, table, name, cols);
		else if (rc == 0)
			rc = ecl__adopt_add(a, "ALTER TABLE `%s` ADD %sKEY `%s` (%s)", table, unique ? "UNIQUE " : "",
				name, cols);
	}
	ecl__my_result_free(&k);
	return rc;
}

