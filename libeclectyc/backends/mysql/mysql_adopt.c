/*
 * MySQL/MariaDB backend: adopting the PHP application's own database in
 * place (the schema hook `adopt`, backends/common/schema.h;
 * docs/adoption.md says what it does and why).
 *
 * The library's schema is built in a scratch database, spelt as on an
 * adopted database (mysql_adopted.c), and compared with the live one:
 * - a table of ours the application does not have is created as built;
 * - a table the application has is kept with every row and column, and
 *   gains the columns and keys the library needs (an ENUM or VARCHAR too
 *   narrow for the library's values is widened, a NOT NULL the library may
 *   leave empty relaxed); a unique key its rows already break gets a
 *   discriminating column instead of losing a row;
 * - the application's instant columns are filled from the library's by
 *   triggers, and its meter_readings, audit_logs and meters by others.
 * The statements are made first and then either printed (migrate
 * --dry-run) or run, so what is printed is what runs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"
#include "util/buffer_internal.h"
#include "mysql_internal.h"

/* The application's tables adoption knows, and the columns each must have
 * for the library to work on it. */
static const struct known_table {
	const char *name;
	const char *columns;   /* comma-separated */
	int required;          /* the application's core: it must be there */
} known[] = {
	{ "import_jobs", "id,batch_id,filename,status,queued_at", 1 },
	{ "meters", "id,mpan", 1 },
	{ "meter_readings", "id,meter_id,reading_date,reading_time,period_number,reading_value", 1 },
	{ "daily_aggregations", "meter_id,date", 0 },
	{ "weekly_aggregations", "meter_id,week_start", 0 },
	{ "monthly_aggregations", "meter_id,month_start", 0 },
	{ "annual_aggregations", "meter_id,year_start", 0 },
	{ "scheduler_executions", "id,range_type", 0 },
	{ "data_quality_issues", "id,meter_id,issue_date,issue_type", 0 },
};
#define KNOWN_COUNT (sizeof(known) / sizeof(known[0]))

/* UK civil time without the server's time-zone tables (which hosts rarely
 * load): British Summer Time runs from 01:00 UTC on the last Sunday of
 * March to 01:00 UTC on the last Sunday of October. A local time of the
 * autumn's repeated hour reads as its second occurrence (the one the PHP
 * system kept, its second write overwriting the first), one in the
 * spring's missing hour an hour later (as PHP shifted it). */
static const char *const london_functions[] = {
	"DROP FUNCTION IF EXISTS ecl_uk_summer",
	"CREATE FUNCTION ecl_uk_summer(u DATETIME) RETURNS TINYINT DETERMINISTIC NO SQL"
	" RETURN u >= TIMESTAMP(LAST_DAY(MAKEDATE(YEAR(u), 70))"
	"  - INTERVAL (DAYOFWEEK(LAST_DAY(MAKEDATE(YEAR(u), 70))) - 1) DAY, '01:00:00')"
	" AND u < TIMESTAMP(LAST_DAY(MAKEDATE(YEAR(u), 280))"
	"  - INTERVAL (DAYOFWEEK(LAST_DAY(MAKEDATE(YEAR(u), 280))) - 1) DAY, '01:00:00')",
	"DROP FUNCTION IF EXISTS ecl_london_datetime",
	"CREATE FUNCTION ecl_london_datetime(t BIGINT) RETURNS DATETIME DETERMINISTIC NO SQL"
	" RETURN IF(ecl_uk_summer(TIMESTAMP('1970-01-01') + INTERVAL t SECOND),"
	" TIMESTAMP('1970-01-01') + INTERVAL t + 3600 SECOND, TIMESTAMP('1970-01-01') + INTERVAL t SECOND)",
	"DROP FUNCTION IF EXISTS ecl_london_unix",
	"CREATE FUNCTION ecl_london_unix(d DATETIME) RETURNS BIGINT DETERMINISTIC NO SQL"
	" RETURN TIMESTAMPDIFF(SECOND, TIMESTAMP('1970-01-01'),"
	" IF(NOT ecl_uk_summer(d), d, IF(ecl_uk_summer(d - INTERVAL 1 HOUR), d - INTERVAL 1 HOUR, d)))",
	NULL
};

typedef struct adoption {
	ecl_backend_conn *conn;
	const char *live;          /* the database adopted */
	const char *scratch;       /* the library's schema, built to compare */
	char adopted[512];         /* ",table,…," of the application's tables adopted */
	char **stmts;
	int count, cap;
	/* A date the library requires of every row cannot start as a zero date
	 * (NO_ZERO_DATE): it is added NULL, filled, then made NOT NULL by these. */
	char *finish[8];
	int finishing;
} adoption;

/* ---- the statements --------------------------------------------------------- */

static int push(adoption *a, char *stmt)
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

static int add(adoption *a, const char *format, ...)
#ifdef __GNUC__
	__attribute__((format(printf, 2, 3)))
#endif
	;

static int add(adoption *a, const char *format, ...)
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

static void stmts_free(adoption *a)
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

static int is_adopted(const adoption *a, const char *table)
{
	char key[80];

	snprintf(key, sizeof(key), ",%s,", table);
	return strstr(a->adopted, key) != NULL;
}

/* ---- reading both schemas ---------------------------------------------------- */

/* Rows of `sql` with ?1 the scratch database, ?2 the live one and ?3 `table`. */
static int query(my_result *res, adoption *a, const char *sql, const char *table, const char *what)
{
	my_params p;

	ecl__my_params_init(&p);
	ecl__my_text(&p, a->scratch);
	ecl__my_text(&p, a->live);
	ecl__my_text(&p, table ? table : "");
	return ecl__my_query(res, a->conn, sql, &p, what);
}

/* Whether `table` of database `schema` has `column`; with `type`, that
 * column's DATA_TYPE. */
static int has_column(adoption *a, const char *schema, const char *table, const char *column,
                      char type[32], int *has)
{
	my_result res;
	my_params p;
	int rc;

	ecl__my_params_init(&p);
	ecl__my_text(&p, schema);
	ecl__my_text(&p, table);
	ecl__my_text(&p, column);
	rc = ecl__my_query(&res, a->conn, "SELECT data_type FROM information_schema.columns"
		" WHERE table_schema = ?1 AND table_name = ?2 AND column_name = ?3", &p,
		"reading the schema to adopt");
	*has = rc == 0 && res.rows > 0;
	if (type != NULL)
		snprintf(type, 32, "%s", *has ? ecl__my_get_str(&res, 0, 0) : "");
	ecl__my_result_free(&res);
	return rc;
}

static int live_column(adoption *a, const char *table, const char *column, char type[32], int *has)
{
	return has_column(a, a->live, table, column, type, has);
}

static int live_table(adoption *a, const char *table, int *has)
{
	my_result res;
	my_params p;
	int rc;

	ecl__my_params_init(&p);
	ecl__my_text(&p, a->live);
	ecl__my_text(&p, table);
	rc = ecl__my_query(&res, a->conn, "SELECT count(*) FROM information_schema.tables"
		" WHERE table_schema = ?1 AND table_name = ?2 AND table_type = 'BASE TABLE'", &p,
		"reading the application's schema");
	*has = rc == 0 && ecl__my_get_int(&res, 0, 0) > 0;
	ecl__my_result_free(&res);
	return rc;
}

/* ---- recognising the application ------------------------------------------- */

static const struct known_table *known_named(const char *name)
{
	size_t i;

	for (i = 0; i < KNOWN_COUNT; i++)
		if (strcmp(known[i].name, name) == 0)
			return &known[i];
	return NULL;
}

/* The first of `t`'s required columns live lacks into `missing`, or "". */
static int first_missing_column(adoption *a, const struct known_table *t, char missing[64])
{
	char column[64];
	const char *p = t->columns, *comma;
	int has = 1, rc = 0;

	missing[0] = '\0';
	while (rc == 0 && has && *p != '\0') {
		comma = strchr(p, ',');
		snprintf(column, sizeof(column), "%.*s", (int)(comma ? comma - p : (long)strlen(p)), p);
		rc = live_column(a, t->name, column, NULL, &has);
		if (rc == 0 && !has)
			snprintf(missing, 64, "%s", column);
		p = comma ? comma + 1 : p + strlen(p);
	}
	return rc;
}

static int refuse(const char *found, const char *why)
{
	return ecl_error_set(ECL_ESCHEMA, "the database already holds tables the library would"
		" create (%s), but not as the PHP application has them, which is what the library"
		" adopts in place: %s; give the library a database of its own. Nothing was changed",
		found, why);
}

/* Every table found must be one of the application's, as it has them, and
 * its core tables must all be there. */
static int recognise(adoption *a, const char *found)
{
	char name[64], why[256], missing[64];
	const struct known_table *t;
	const char *p = found;
	size_t i, n;
	int has = 0, rc = 0;

	why[0] = '\0';
	while (rc == 0 && why[0] == '\0' && *p != '\0') {
		n = strcspn(p, ",");
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		p += n + (p[n] == ',' ? 2 : 0);
		t = known_named(name);
		if (t == NULL)
			snprintf(why, sizeof(why), "%s is not one of the application's tables", name);
		if (t != NULL)
			rc = live_table(a, name, &has);
		if (rc == 0 && t != NULL && !has)
			snprintf(why, sizeof(why), "%s is not a table", name);
		if (rc == 0 && t != NULL && has)
			rc = first_missing_column(a, t, missing);
		if (rc == 0 && t != NULL && has && missing[0] != '\0')
			snprintf(why, sizeof(why), "%s has no column %s", name, missing);
		if (rc == 0 && why[0] == '\0' && strlen(a->adopted) + strlen(name) + 2 < sizeof(a->adopted))
			strcat(strcat(a->adopted[0] ? a->adopted : strcpy(a->adopted, ","), name), ",");
	}
	for (i = 0; rc == 0 && why[0] == '\0' && i < KNOWN_COUNT; i++)
		if (known[i].required && !is_adopted(a, known[i].name))
			snprintf(why, sizeof(why), "it has no %s table", known[i].name);
	return rc == 0 && why[0] != '\0' ? refuse(found, why) : rc;
}

/* Jobs are looked up by batch id: two jobs sharing one cannot be adopted. */
static int check_batch_ids(adoption *a)
{
	my_result res;
	int rc = ecl__my_query(&res, a->conn, "SELECT batch_id, count(*) FROM import_jobs"
		" GROUP BY batch_id HAVING count(*) > 1 ORDER BY batch_id LIMIT 1", NULL,
		"reading the application's jobs");

	if (rc == 0 && res.rows > 0)
		rc = ecl_error_set(ECL_ESCHEMA, "cannot adopt the database: %lld of its import_jobs"
			" rows share the batch id %s, which must name one job. Nothing was changed",
			(long long)ecl__my_get_int(&res, 0, 1), ecl__my_get_str(&res, 0, 0));
	ecl__my_result_free(&res);
	return rc;
}

/* ---- tables of ours ---------------------------------------------------------- */

/* SHOW CREATE TABLE of the scratch `table` into *ddl (the caller frees). */
static int scratch_ddl(adoption *a, const char *table, char **ddl)
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

/* A table of ours as built, less its foreign keys into the application's
 * tables (whose keys are typed otherwise, INT UNSIGNED for BIGINT). */
static int create_ours(adoption *a, const char *table)
{
	ecl_buf out = ECL_BUF_INIT;
	char *ddl = NULL, *line, *next, refs[96];
	const char *name;
	int rc = scratch_ddl(a, table, &ddl);

	for (line = ddl; rc == 0 && line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		name = strstr(line, "REFERENCES `");
		snprintf(refs, sizeof(refs), ",%.*s,", name ? (int)strcspn(name + 12, "`") : 0,
			name ? name + 12 : "");
		if (strstr(line, "FOREIGN KEY") != NULL && strstr(a->adopted, refs) != NULL)
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
		rc = add(a, "%s", out.ptr);
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
static int enum_union(adoption *a, const char *table, const char *column, const char *live_type,
                      char *out, size_t size, int *widened)
{
	my_result res;
	my_params p;
	const char *clause, *q, *end;
	char value[96];
	int rc;

	*widened = 0;
	snprintf(out, size, "%.*s", (int)strlen(live_type) - 1, live_type);   /* "enum('a','b'" */
	ecl__my_params_init(&p);
	ecl__my_text(&p, a->scratch);
	ecl__my_text(&p, table);
	ecl__my_text(&p, column);
	rc = ecl__my_query(&res, a->conn, "SELECT check_clause FROM information_schema.check_constraints"
		" WHERE constraint_schema = ?1 AND table_name = ?2 AND constraint_name = ?3", &p,
		"reading the library's schema");
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
static int modify_column(adoption *a, const char *table, const my_result *c, int row)
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
	return add(a, "ALTER TABLE `%s` MODIFY `%s` %s %s%s%s%s", table, ecl__my_get_str(c, row, E_NAME),
		type, relax || strcmp(ecl__my_get_str(c, row, L_NULLABLE), "YES") == 0 ? "NULL" : "NOT NULL",
		defclause, comment && comment[0] ? " COMMENT " : "", comment && comment[0] ? quoted : "");
}

/* A column of ours added to the application's table `table` as built. */
static int add_column(adoption *a, const char *table, const char *data_type, const char *line)
{
	const char *not_null = strstr(line, " NOT NULL");
	int dated = strcmp(data_type, "date") == 0 || strcmp(data_type, "datetime") == 0;
	int rc;

	if (!dated || not_null == NULL || strstr(line, " DEFAULT ") != NULL)
		return add(a, "ALTER TABLE `%s` ADD COLUMN %s", table, line);
	if ((size_t)a->finishing >= sizeof(a->finish) / sizeof(a->finish[0]))
		return ecl_error_set(ECL_ESCHEMA, "adopting: too many dates to fill in %s", table);
	rc = add(a, "ALTER TABLE `%s` ADD COLUMN %.*s NULL%s", table, (int)(not_null - line), line,
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
static int finish_columns(adoption *a)
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
static int adopt_columns(adoption *a, const char *table, int ours_is_view)
{
	my_result c;
	char *ddl = NULL, line[1024];
	int row, rc = query(&c, a, columns_sql, table, "comparing the schemas");

	if (rc == 0 && !ours_is_view)
		rc = scratch_ddl(a, table, &ddl);
	for (row = 0; rc == 0 && row < c.rows; row++) {
		if (!ecl__my_is_null(&c, row, L_TYPE)) {
			rc = ours_is_view ? 0 : modify_column(a, table, &c, row);
			continue;
		}
		if (ours_is_view)
			rc = add(a, "ALTER TABLE `%s` ADD COLUMN `%s` %s NULL", table,
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
static int breaks_unique(adoption *a, const char *table, const char *plain, int *broken)
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
		rc = live_column(a, table, column, NULL, &has);
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
static int add_primary(adoption *a, const char *table, const char *cols)
{
	char type[32];
	int has = 0, rc = live_column(a, table, "queued_at", type, &has);
	const char *order = has ? "queued_at, id" : "id";

	if (rc == 0)
		rc = add(a, "SET @ecl_next_id = (SELECT coalesce(max(id), 0) FROM `%s`)", table);
	if (rc == 0)
		rc = add(a, "CREATE TEMPORARY TABLE ecl_renumbered ENGINE = MEMORY"
			" SELECT id FROM `%s` GROUP BY id HAVING count(*) > 1 OR id = 0", table);
	if (rc == 0)
		rc = add(a, "UPDATE `%s` SET id = (@ecl_next_id := @ecl_next_id + 1)"
			" WHERE id IN (SELECT id FROM ecl_renumbered) ORDER BY %s", table, order);
	if (rc == 0)
		rc = add(a, "DROP TEMPORARY TABLE ecl_renumbered");
	if (rc == 0)
		rc = add(a, "ALTER TABLE `%s` ADD PRIMARY KEY (%s)", table, cols);
	if (rc == 0 && strcmp(cols, "`id`") == 0) {
		my_result c;
		my_params p;

		ecl__my_params_init(&p);
		ecl__my_text(&p, a->live);
		ecl__my_text(&p, table);
		rc = ecl__my_query(&c, a->conn, "SELECT column_type FROM information_schema.columns"
			" WHERE table_schema = ?1 AND table_name = ?2 AND column_name = 'id'", &p,
			"reading the application's schema");
		if (rc == 0 && c.rows > 0)
			rc = add(a, "ALTER TABLE `%s` MODIFY `id` %s NOT NULL AUTO_INCREMENT", table,
				ecl__my_get_str(&c, 0, 0));
		ecl__my_result_free(&c);
	}
	return rc;
}

/* A unique key the application's rows already break: it holds among the
 * library's rows, which carry library_row = 1, while the application's
 * keep NULL there (NULLs never collide), so no row is lost. */
static int add_discriminated_unique(adoption *a, const char *table, const char *name,
                                    const char *cols)
{
	int has = 0, rc = live_column(a, table, "library_row", NULL, &has);

	if (rc == 0 && !has)
		rc = add(a, "ALTER TABLE `%s` ADD COLUMN library_row TINYINT NULL COMMENT"
			" 'eclectyc: 1 on rows the library writes; NULL on the application''s own'", table);
	if (rc == 0 && !has)
		rc = add(a, "ALTER TABLE `%s` ALTER COLUMN library_row SET DEFAULT 1", table);
	if (rc == 0)
		rc = add(a, "ALTER TABLE `%s` ADD UNIQUE KEY `%s` (%s,`library_row`)", table, name, cols);
	return rc;
}

/* Keys: the library's that the application's table lacks, by columns. */
static int adopt_keys(adoption *a, const char *table)
{
	my_result k;
	char name[96];
	int row, broken, rc = query(&k, a, keys_sql, table, "comparing the keys");

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
			rc = add(a, "ALTER TABLE `%s` ADD %sKEY `%s` (%s)", table, unique ? "UNIQUE " : "",
				name, cols);
	}
	ecl__my_result_free(&k);
	return rc;
}

static int keep_stamp(adoption *a, const char *table, char out[64]);

/* ---- instants ---------------------------------------------------------------- */

/* The application's instant column `column` from Unix seconds `v`, and back:
 * TIMESTAMPs through the session's zone (UTC on the library's sessions),
 * DATETIMEs as London clock time, as the PHP system wrote them. */
static const char *to_app(const char *type)
{
	return strcmp(type, "timestamp") == 0 ? "FROM_UNIXTIME" : "ecl_london_datetime";
}

static const char *from_app(const char *type)
{
	return strcmp(type, "timestamp") == 0 ? "UNIX_TIMESTAMP" : "ecl_london_unix";
}

/* The application's instants kept from the library's: its existing rows
 * give the library theirs, and a BEFORE trigger per event sets its columns
 * from the library's afterwards. `extra_*` add table-specific SETs. */
static int bridge_instants(adoption *a, const char *table, const char *extra_insert,
                           const char *extra_update)
{
	const char *const *names = ecl__my_adopted_columns();
	ecl_buf ins = ECL_BUF_INIT, upd = ECL_BUF_INIT;
	char type[32], twin[64], stamp[64];
	int i, has, has_twin, rc = keep_stamp(a, table, stamp);

	for (i = 0; rc == 0 && names[i] != NULL; i++) {
		snprintf(twin, sizeof(twin), "%s_unix", names[i]);
		rc = live_column(a, table, names[i], type, &has);
		has_twin = 0;
		if (rc == 0 && has && (strcmp(type, "timestamp") == 0 || strcmp(type, "datetime") == 0))
			rc = has_column(a, a->scratch, table, twin, NULL, &has_twin);
		if (rc == 0 && has_twin)
			rc = add(a, "UPDATE `%s` SET `%s` = %s(`%s`)%s WHERE `%s` IS NOT NULL", table, twin,
				from_app(type), names[i], stamp, names[i]);
		if (rc == 0 && has_twin)
			rc = ecl__my_appendf(&ins, " IF NEW.`%s` IS NOT NULL THEN SET NEW.`%s` = %s(NEW.`%s`);"
				" END IF;", twin, names[i], to_app(type), twin);
		if (rc == 0 && has_twin)
			rc = ecl__my_appendf(&upd, " IF NOT (NEW.`%s` <=> OLD.`%s`) THEN SET NEW.`%s` ="
				" %s(NEW.`%s`); END IF;", twin, twin, names[i], to_app(type), twin);
	}
	if (rc == 0 && (ins.size > 0 || extra_insert != NULL))
		rc = add(a, "CREATE TRIGGER `ecl_%s_host_columns_ins` BEFORE INSERT ON `%s` FOR EACH ROW"
			" BEGIN%s%s END", table, table, ins.ptr ? ins.ptr : "", extra_insert ? extra_insert : "");
	if (rc == 0 && (upd.size > 0 || extra_update != NULL))
		rc = add(a, "CREATE TRIGGER `ecl_%s_host_columns_upd` BEFORE UPDATE ON `%s` FOR EACH ROW"
			" BEGIN%s%s END", table, table, upd.ptr ? upd.ptr : "", extra_update ? extra_update : "");
	ecl_buf_dispose(&ins);
	ecl_buf_dispose(&upd);
	return rc;
}

/* ", `updated_at` = `updated_at`" when `table` stamps updated_at ON UPDATE:
 * a backfill assigns it to itself so the application's stamps stay as they
 * were (out is "" otherwise). */
static int keep_stamp(adoption *a, const char *table, char out[64])
{
	my_result res;
	my_params p;
	int rc;

	ecl__my_params_init(&p);
	ecl__my_text(&p, a->live);
	ecl__my_text(&p, table);
	rc = ecl__my_query(&res, a->conn, "SELECT column_name FROM information_schema.columns"
		" WHERE table_schema = ?1 AND table_name = ?2 AND extra LIKE '%on update%'", &p,
		"reading the application's schema");
	out[0] = '\0';
	if (rc == 0 && res.rows > 0)
		snprintf(out, 64, ", `%.20s` = `%.20s`", ecl__my_get_str(&res, 0, 0),
			ecl__my_get_str(&res, 0, 0));
	ecl__my_result_free(&res);
	return rc;
}

/* ---- table by table ---------------------------------------------------------- */

/* What the library's NOT NULL columns hold on the application's rows, where
 * the zero an added column starts with would be wrong. */
static int backfill(adoption *a, const char *table, const char *stamp)
{
	int has = 0, rc = 0;

	if (strcmp(table, "daily_aggregations") == 0)
		rc = add(a, "UPDATE daily_aggregations SET source = IF(coalesce(reading_count, 0) > 1,"
			" 'hh', 'daily'), expected_periods = coalesce(reading_count, 0),"
			" actual_count = coalesce(reading_count, 0)%s WHERE source = ''", stamp);
	if (strcmp(table, "scheduler_executions") == 0)
		rc = live_column(a, table, "start_time", NULL, &has);
	/* The production variant: its own names for the run's instants and counts. */
	if (rc == 0 && has)
		rc = add(a, "UPDATE scheduler_executions SET execution_id = concat('host-', id),"
			" target_date = DATE(start_time), started_at_unix = ecl_london_unix(start_time),"
			" completed_at_unix = ecl_london_unix(end_time), error_count = coalesce(errors, 0),"
			" warning_count = coalesce(warnings, 0)%s WHERE execution_id = ''", stamp);
	return rc;
}

/* The SETs the production scheduler_executions needs on insert and update. */
static const char scheduler_sets[] =
	" IF NEW.started_at_unix IS NOT NULL THEN SET NEW.start_time = ecl_london_datetime(NEW.started_at_unix);"
	" END IF; IF NEW.completed_at_unix IS NOT NULL THEN SET NEW.end_time ="
	" ecl_london_datetime(NEW.completed_at_unix); END IF;"
	" SET NEW.errors = NEW.error_count, NEW.warnings = NEW.warning_count;";

/* Meters the library creates go where the PHP system put them: the site
 * 'Auto-imported Meters' of 'Default Company', made if missing. */
static const char meter_site_set[] =
	" IF NEW.site_id IS NULL THEN SET NEW.site_id = (SELECT s.id FROM sites s"
	" JOIN companies c ON c.id = s.company_id WHERE s.name = 'Auto-imported Meters'"
	" AND c.name = 'Default Company' ORDER BY s.id LIMIT 1); END IF;";

static int meter_site(adoption *a, const char **extra)
{
	int site = 0, sites = 0, companies = 0;
	int rc = live_column(a, "meters", "site_id", NULL, &site);

	*extra = NULL;
	if (rc == 0)
		rc = live_table(a, "sites", &sites);
	if (rc == 0)
		rc = live_table(a, "companies", &companies);
	if (rc != 0 || !site || !sites || !companies)
		return rc;
	*extra = meter_site_set;
	rc = add(a, "INSERT INTO companies (name) SELECT 'Default Company' FROM DUAL"
		" WHERE NOT EXISTS (SELECT 1 FROM companies WHERE name = 'Default Company')");
	if (rc == 0)
		rc = add(a, "INSERT INTO sites (company_id, name, address, postcode)"
			" SELECT c.id, 'Auto-imported Meters', 'Auto-generated during CSV import', 'TBD'"
			" FROM companies c WHERE c.name = 'Default Company' AND NOT EXISTS (SELECT 1"
			" FROM sites s JOIN companies d ON d.id = s.company_id"
			" WHERE s.name = 'Auto-imported Meters' AND d.name = 'Default Company')"
			" ORDER BY c.id LIMIT 1");
	return rc;
}

static int adopt_table(adoption *a, const char *table)
{
	const char *ins = NULL, *upd = NULL;
	char stamp[64];
	int has = 0, rc = adopt_columns(a, table, 0);

	if (rc == 0)
		rc = keep_stamp(a, table, stamp);
	if (rc == 0)
		rc = backfill(a, table, stamp);
	if (rc == 0)
		rc = finish_columns(a);
	if (rc == 0)
		rc = adopt_keys(a, table);
	if (rc == 0 && strcmp(table, "scheduler_executions") == 0)
		rc = live_column(a, table, "start_time", NULL, &has);
	if (has)
		ins = upd = scheduler_sets;
	if (rc == 0 && strcmp(table, "meters") == 0)
		rc = meter_site(a, &ins);
	if (rc == 0)
		rc = bridge_instants(a, table, ins, upd);
	return rc;
}

/*
 * meter_readings: the application's table where ours is a view. Its keys on
 * local date and time (the production (meter, date, time), which makes a
 * daily total at 00:00 and period 1 one reading, and the autumn's repeated
 * hour one) become plain indexes; the library's key is the UTC start of the
 * half hour, period_start, unique per meter. Its half hours are copied into
 * hh_readings and its daily totals (period NULL) into daily_readings, so the
 * library aggregates them; triggers then mirror every reading the library
 * writes into it.
 */
static const char readings_unique_sql[] =
	"SELECT index_name, group_concat(concat('`', column_name, '`') ORDER BY seq_in_index)"
	" FROM information_schema.statistics WHERE table_schema = ?2 AND table_name = 'meter_readings'"
	" AND non_unique = 0 AND index_name <> 'PRIMARY' GROUP BY index_name ORDER BY index_name";

static int adopt_readings(adoption *a)
{
	my_result u;
	char stamp[64];
	int row, rc = adopt_columns(a, "meter_readings", 1);

	if (rc == 0)
		rc = keep_stamp(a, "meter_readings", stamp);
	if (rc == 0)
		rc = query(&u, a, readings_unique_sql, NULL, "reading the application's keys");
	for (row = 0; rc == 0 && row < u.rows; row++)
		rc = add(a, "ALTER TABLE meter_readings DROP INDEX `%s`, ADD INDEX `%s` (%s)",
			ecl__my_get_str(&u, row, 0), ecl__my_get_str(&u, row, 0), ecl__my_get_str(&u, row, 1));
	ecl__my_result_free(&u);
	/* The first row of each meter and half hour gets it (a later one, which
	 * only the 001 schema's NULL-period key let in, keeps NULL). */
	if (rc == 0)
		rc = add(a, "UPDATE meter_readings r JOIN (SELECT min(id) AS id FROM meter_readings"
			" WHERE period_number IS NOT NULL AND MINUTE(reading_time) IN (0, 30)"
			" AND SECOND(reading_time) = 0 GROUP BY meter_id,"
			" ecl_london_unix(TIMESTAMP(reading_date, reading_time))) f ON f.id = r.id"
			" SET r.period_start = ecl_london_unix(TIMESTAMP(r.reading_date, r.reading_time))%s",
			stamp[0] ? ", r.updated_at = r.updated_at" : "");
	if (rc == 0)
		rc = add(a, "ALTER TABLE meter_readings ADD UNIQUE KEY uq_meter_readings_period_start"
			" (meter_id, period_start)");
	if (rc == 0)
		rc = bridge_instants(a, "meter_readings", NULL, NULL);
	return rc;
}

/* The application's readings into the library's tables (after both exist). */
static const char *const copy_readings[] = {
	"INSERT INTO import_batches (batch_id, created_at_unix)"
	" SELECT DISTINCT import_batch_id COLLATE utf8mb4_bin, UNIX_TIMESTAMP() FROM meter_readings"
	" WHERE import_batch_id IS NOT NULL AND char_length(import_batch_id) <= 36",
	"INSERT INTO hh_readings (meter_id, period_start, reading_date, local_minutes, period_number,"
	" reading_value, estimated, import_batch, updated_at_unix)"
	" SELECT r.meter_id, r.period_start, r.reading_date, HOUR(r.reading_time) * 60 + MINUTE(r.reading_time),"
	" (r.period_start - ecl_london_unix(TIMESTAMP(r.reading_date, '00:00:00'))) DIV 1800 + 1,"
	" r.reading_value, r.reading_type = 'estimated', b.id, NULL"
	" FROM meter_readings r LEFT JOIN import_batches b"
	" ON b.batch_id = r.import_batch_id COLLATE utf8mb4_bin WHERE r.period_start IS NOT NULL",
	"INSERT INTO daily_readings (meter_id, reading_date, reading_value, reading_type,"
	" import_batch_id, created_at_unix, updated_at_unix)"
	" SELECT meter_id, reading_date, reading_value, coalesce(reading_type, 'actual'),"
	" IF(char_length(import_batch_id) <= 36, import_batch_id, NULL),"
	" coalesce(UNIX_TIMESTAMP(created_at), UNIX_TIMESTAMP()), NULL"
	" FROM meter_readings WHERE period_number IS NULL ORDER BY id"
	" ON DUPLICATE KEY UPDATE reading_value = VALUES(reading_value),"
	" reading_type = VALUES(reading_type), import_batch_id = VALUES(import_batch_id)",
	NULL
};

/* Every reading the library writes, mirrored into meter_readings. */
static const char hh_mirror[] =
	" INSERT INTO meter_readings (meter_id, reading_date, reading_time, period_number,"
	" reading_value, reading_type, import_batch_id, period_start, updated_at_unix)"
	" VALUES (NEW.meter_id, NEW.reading_date, SEC_TO_TIME(NEW.local_minutes * 60),"
	" NEW.period_number, NEW.reading_value, IF(NEW.estimated = 1, 'estimated', 'actual'),"
	" (SELECT batch_id FROM import_batches WHERE id = NEW.import_batch), NEW.period_start,"
	" NEW.updated_at_unix)"
	" ON DUPLICATE KEY UPDATE reading_date = VALUES(reading_date),"
	" reading_time = VALUES(reading_time), period_number = VALUES(period_number),"
	" reading_value = VALUES(reading_value), reading_type = VALUES(reading_type),"
	" import_batch_id = VALUES(import_batch_id), updated_at_unix = VALUES(updated_at_unix)";

static const char daily_mirror[] =
	" BEGIN IF EXISTS (SELECT 1 FROM meter_readings WHERE meter_id = NEW.meter_id"
	" AND reading_date = NEW.reading_date AND period_number IS NULL AND period_start IS NULL) THEN"
	" UPDATE meter_readings SET reading_value = NEW.reading_value, reading_type = NEW.reading_type,"
	" import_batch_id = NEW.import_batch_id, updated_at_unix = NEW.updated_at_unix"
	" WHERE meter_id = NEW.meter_id AND reading_date = NEW.reading_date"
	" AND period_number IS NULL AND period_start IS NULL;"
	" ELSE INSERT INTO meter_readings (meter_id, reading_date, reading_time, period_number,"
	" reading_value, reading_type, import_batch_id, updated_at_unix) VALUES (NEW.meter_id,"
	" NEW.reading_date, '00:00:00', NULL, NEW.reading_value, NEW.reading_type,"
	" NEW.import_batch_id, NEW.updated_at_unix); END IF; END";

static int mirror_readings(adoption *a)
{
	int i, rc = 0;

	for (i = 0; rc == 0 && copy_readings[i] != NULL; i++)
		rc = add(a, "%s", copy_readings[i]);
	if (rc == 0)
		rc = add(a, "CREATE TRIGGER ecl_hh_readings_mirror_ins AFTER INSERT ON hh_readings"
			" FOR EACH ROW%s", hh_mirror);
	if (rc == 0)
		rc = add(a, "CREATE TRIGGER ecl_hh_readings_mirror_upd AFTER UPDATE ON hh_readings"
			" FOR EACH ROW%s", hh_mirror);
	if (rc == 0)
		rc = add(a, "CREATE TRIGGER ecl_hh_readings_mirror_del AFTER DELETE ON hh_readings"
			" FOR EACH ROW DELETE FROM meter_readings WHERE meter_id = OLD.meter_id"
			" AND period_start = OLD.period_start");
	if (rc == 0)
		rc = add(a, "CREATE TRIGGER ecl_daily_readings_mirror_ins AFTER INSERT ON daily_readings"
			" FOR EACH ROW%s", daily_mirror);
	if (rc == 0)
		rc = add(a, "CREATE TRIGGER ecl_daily_readings_mirror_upd AFTER UPDATE ON daily_readings"
			" FOR EACH ROW%s", daily_mirror);
	if (rc == 0)
		rc = add(a, "CREATE TRIGGER ecl_daily_readings_mirror_del AFTER DELETE ON daily_readings"
			" FOR EACH ROW DELETE FROM meter_readings WHERE meter_id = OLD.meter_id"
			" AND reading_date = OLD.reading_date AND period_number IS NULL AND period_start IS NULL");
	return rc;
}

/* One audit_logs row per import, as the PHP system's history page and
 * health check read them (reference-behaviour §1.9): when a job that ran
 * ends, completed or failed, unless it was a dry run. */
static int audit_imports(adoption *a)
{
	int has = 0, status = 0, retries = 0;
	int rc = live_table(a, "audit_logs", &has);

	if (rc == 0 && has)
		rc = live_column(a, "audit_logs", "status", NULL, &status);
	if (rc == 0 && has)
		rc = live_column(a, "audit_logs", "retry_count", NULL, &retries);
	if (rc != 0 || !has)
		return rc;
	return add(a, "CREATE TRIGGER ecl_import_jobs_audit AFTER UPDATE ON import_jobs FOR EACH ROW"
		" IF OLD.status = 'processing' AND NEW.status IN ('completed', 'failed')"
		" AND coalesce(NEW.dry_run, 0) = 0 THEN"
		" INSERT INTO audit_logs (user_id, action, entity_type, new_values%s%s, created_at)"
		" VALUES (NEW.user_id, 'import_csv', 'import_batch', JSON_OBJECT('batch_id', NEW.batch_id,"
		" 'format', NEW.import_type, 'records_processed', coalesce(NEW.processed_rows, 0),"
		" 'records_imported', coalesce(NEW.imported_rows, 0), 'records_failed',"
		" coalesce(NEW.failed_rows, 0), 'errors', IF(NEW.error_message IS NULL, JSON_ARRAY(),"
		" JSON_ARRAY(NEW.error_message)))%s%s, FROM_UNIXTIME(coalesce(NEW.completed_at_unix,"
		" UNIX_TIMESTAMP()))); END IF",
		status ? ", status" : "", retries ? ", retry_count" : "",
		status ? ", IF(NEW.status = 'failed' OR (coalesce(NEW.failed_rows, 0) > 0"
		         " AND NEW.failed_rows = NEW.processed_rows), 'failed', 'completed')" : "",
		retries ? ", 0" : "");
}

/* The library's own triggers, as its migrations made them in the scratch
 * database, and the attempt a job running now is in (migration 5's). */
static int our_triggers(adoption *a)
{
	my_result t;
	int row, rc = query(&t, a, "SELECT trigger_name, action_timing, event_manipulation,"
		" event_object_table, action_statement FROM information_schema.triggers"
		" WHERE trigger_schema = ?1 ORDER BY event_object_table, action_order", NULL,
		"reading the library's triggers");

	for (row = 0; rc == 0 && row < t.rows; row++)
		rc = add(a, "CREATE TRIGGER `%s` %s %s ON `%s` FOR EACH ROW %s", ecl__my_get_str(&t, row, 0),
			ecl__my_get_str(&t, row, 1), ecl__my_get_str(&t, row, 2), ecl__my_get_str(&t, row, 3),
			ecl__my_get_str(&t, row, 4));
	ecl__my_result_free(&t);
	if (rc == 0)
		rc = add(a, "INSERT INTO import_job_attempts (job_id, attempt, worker_id, started_at_unix)"
			" SELECT id, coalesce(retry_count, 0) + 1, worker_id, coalesce(started_at_unix,"
			" queued_at_unix) FROM import_jobs WHERE status = 'processing'");
	return rc;
}

/* Tables and views of ours the application does not have. */
static int create_missing(adoption *a)
{
	my_result t;
	int row, rc = query(&t, a, "SELECT table_name, table_type, view_definition"
		" FROM information_schema.tables LEFT JOIN information_schema.views USING (table_schema, table_name)"
		" WHERE table_schema = ?1 ORDER BY table_type, table_name", NULL,
		"reading the library's schema");

	for (row = 0; rc == 0 && row < t.rows; row++) {
		const char *name = ecl__my_get_str(&t, row, 0);

		if (is_adopted(a, name))
			continue;
		if (strcmp(ecl__my_get_str(&t, row, 1), "VIEW") == 0)
			rc = ecl_error_set(ECL_ESCHEMA, "adopting: the library's view %s has no adoption", name);
		else
			rc = create_ours(a, name);
	}
	ecl__my_result_free(&t);
	return rc;
}

static const char *const adopt_order[] = {
	"import_jobs", "meters", "daily_aggregations", "weekly_aggregations", "monthly_aggregations",
	"annual_aggregations", "scheduler_executions", "data_quality_issues", NULL
};

static int plan_all(adoption *a)
{
	char list[512], *p;
	int i, rc = 0;

	for (i = 0; rc == 0 && london_functions[i] != NULL; i++)
		rc = add(a, "%s", london_functions[i]);
	if (rc == 0)
		rc = create_missing(a);
	for (i = 0; rc == 0 && adopt_order[i] != NULL; i++)
		if (is_adopted(a, adopt_order[i]))
			rc = adopt_table(a, adopt_order[i]);
	if (rc == 0)
		rc = adopt_readings(a);
	if (rc == 0)
		rc = mirror_readings(a);
	if (rc == 0)
		rc = our_triggers(a);
	if (rc == 0)
		rc = audit_imports(a);
	if (rc == 0)
		rc = add(a, "CREATE TABLE schema_adoption (table_name VARCHAR(64) NOT NULL PRIMARY KEY,"
			" adopted_at BIGINT NOT NULL) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4"
			" COLLATE = utf8mb4_bin COMMENT 'eclectyc: the application''s tables it adopted'");
	snprintf(list, sizeof(list), "%s", a->adopted + 1);
	for (p = strtok(list, ","); rc == 0 && p != NULL; p = strtok(NULL, ","))
		rc = add(a, "INSERT INTO schema_adoption (table_name, adopted_at) VALUES ('%s', UNIX_TIMESTAMP())", p);
	return rc;
}

/* The library's schema, spelt for an adopted database, in a scratch one. */
static int build_scratch(adoption *a, void **scratch)
{
	const char *const *m = ECL__DRIVER(a->conn)->schema.migrations;
	int i, rc;

	a->conn->adopted = 1;
	ecl__my_forget_statements(a->conn);
	rc = ecl__my_scratch_open(a->conn, scratch);
	for (i = 0; rc == 0 && m[i] != NULL; i++)
		rc = ecl__my_exec(a->conn, m[i], "building the library's schema to adopt the database");
	a->conn->adopted = 0;
	ecl__my_forget_statements(a->conn);
	a->scratch = *scratch;
	return rc;
}

static int run_all(adoption *a)
{
	char doing[160];
	int i, rc = 0;

	for (i = 0; rc == 0 && i < a->count; i++) {
		snprintf(doing, sizeof(doing), "adopting the database, step %d of %d (%.80s…)", i + 1,
			a->count, a->stmts[i]);
		rc = ecl__my_exec(a->conn, a->stmts[i], doing);
	}
	if (rc == 0) {
		a->conn->adopted = 1;
		ecl__my_forget_statements(a->conn);
	}
	return rc;
}

static int print_all(const adoption *a, const char *found, ecl_buf *plan)
{
	int i, rc = ecl__my_appendf(plan, "-- adopting the PHP application's database in place (its"
		" tables %s): every row and column kept, the library's added (docs/adoption.md)\n", found);

	for (i = 0; rc == 0 && i < a->count; i++)
		rc = ecl__my_appendf(plan, "%s;\n", a->stmts[i]);
	return rc;
}

int ecl__my_adopt(ecl_backend_conn *conn, const char *found, ecl_buf *plan)
{
	adoption a;
	void *scratch = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	a.conn = conn;
	a.live = conn->database;
	rc = recognise(&a, found);
	if (rc == 0)
		rc = check_batch_ids(&a);
	if (rc == 0)
		rc = build_scratch(&a, &scratch);
	if (rc == 0)
		rc = plan_all(&a);
	if (scratch != NULL)
		rc = ecl__my_scratch_close(conn, scratch, rc);
	if (rc == 0 && plan != NULL)
		rc = print_all(&a, found, plan);
	else if (rc == 0)
		rc = run_all(&a);
	stmts_free(&a);
	return rc;
}
