/*
 * MySQL/MariaDB backend: adopting the PHP application's own database in
 * place, the schema hook `adopt` (backends/common/schema.h); what it does
 * and why is in docs/adoption.md.
 *
 * A database is adopted only when every table of ours it already holds is
 * one of the application's, as the application has it, and its jobs can be
 * told apart by batch id; otherwise it is refused with nothing changed. The
 * library's schema is then built in a scratch database, spelt as on an
 * adopted database (mysql_adopted.c), and compared with the live one into
 * statements (mysql_adopt_schema.c, mysql_adopt_host.c), which are made
 * first and then either printed (migrate --dry-run) or run: what is printed
 * is what runs. DDL commits at once on MySQL, so every check comes before
 * the first statement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mysql_adopt.h"

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
static int first_missing_column(ecl__adoption *a, const struct known_table *t, char missing[64])
{
	char column[64];
	const char *p = t->columns, *comma;
	int has = 1, rc = 0;

	missing[0] = '\0';
	while (rc == 0 && has && *p != '\0') {
		comma = strchr(p, ',');
		snprintf(column, sizeof(column), "%.*s", (int)(comma ? comma - p : (long)strlen(p)), p);
		rc = ecl__adopt_live_column(a, t->name, column, NULL, &has);
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

/* Why the found table `name` cannot be adopted into `why` ("" when it
 * can: one of the application's tables, a table, with its columns). */
static int judge_table(ecl__adoption *a, const char *name, char *why, size_t size)
{
	const struct known_table *t = known_named(name);
	char missing[64] = "";
	int has = 0, rc = 0;

	why[0] = '\0';
	if (t == NULL)
		snprintf(why, size, "%s is not one of the application's tables", name);
	else if ((rc = ecl__adopt_live_table(a, name, &has)) == 0 && !has)
		snprintf(why, size, "%s is not a table", name);
	else if (rc == 0 && (rc = first_missing_column(a, t, missing)) == 0 && missing[0] != '\0')
		snprintf(why, size, "%s has no column %s", name, missing);
	return rc;
}

/* Note `name` as adopted: a->adopted reads ",a,b,". */
static void note_adopted(ecl__adoption *a, const char *name)
{
	size_t used = strlen(a->adopted);

	if (used == 0)
		a->adopted[used++] = ',';
	snprintf(a->adopted + used, sizeof(a->adopted) - used, "%s,", name);
}

/* Every table found ("a, b") must be one of the application's, as it has
 * them, and its core tables must all be there. */
static int recognise(ecl__adoption *a, const char *found)
{
	char name[64], why[256] = "";
	const char *p = found;
	size_t i, n;
	int rc = 0;

	while (rc == 0 && why[0] == '\0' && *p != '\0') {
		n = strcspn(p, ",");
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		p += n + (p[n] == ',' ? 2 : 0);
		rc = judge_table(a, name, why, sizeof(why));
		if (rc == 0 && why[0] == '\0')
			note_adopted(a, name);
	}
	for (i = 0; rc == 0 && why[0] == '\0' && i < KNOWN_COUNT; i++)
		if (known[i].required && !ecl__adopt_is_adopted(a, known[i].name))
			snprintf(why, sizeof(why), "it has no %s table", known[i].name);
	return rc == 0 && why[0] != '\0' ? refuse(found, why) : rc;
}

/* Jobs are looked up by batch id: two jobs sharing one cannot be adopted. */
static int check_batch_ids(ecl__adoption *a)
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

/* The library's own triggers, as its migrations made them in the scratch
 * database, and the attempt a job running now is in (migration 5's). */
static int our_triggers(ecl__adoption *a)
{
	my_result t;
	int row, rc = ecl__adopt_query(&t, a, "SELECT trigger_name, action_timing, event_manipulation,"
		" event_object_table, action_statement FROM information_schema.triggers"
		" WHERE trigger_schema = ?1 ORDER BY event_object_table, action_order", NULL,
		"reading the library's triggers");

	for (row = 0; rc == 0 && row < t.rows; row++)
		rc = ecl__adopt_add(a, "CREATE TRIGGER `%s` %s %s ON `%s` FOR EACH ROW %s", ecl__my_get_str(&t, row, 0),
			ecl__my_get_str(&t, row, 1), ecl__my_get_str(&t, row, 2), ecl__my_get_str(&t, row, 3),
			ecl__my_get_str(&t, row, 4));
	ecl__my_result_free(&t);
	if (rc == 0)
		rc = ecl__adopt_add(a, "INSERT INTO import_job_attempts (job_id, attempt, worker_id, started_at_unix)"
			" SELECT id, coalesce(retry_count, 0) + 1, worker_id, coalesce(started_at_unix,"
			" queued_at_unix) FROM import_jobs WHERE status = 'processing'");
	return rc;
}

/* Tables and views of ours the application does not have. */
static int create_missing(ecl__adoption *a)
{
	my_result t;
	int row, rc = ecl__adopt_query(&t, a, "SELECT table_name, table_type, view_definition"
		" FROM information_schema.tables LEFT JOIN information_schema.views USING (table_schema, table_name)"
		" WHERE table_schema = ?1 ORDER BY table_type, table_name", NULL,
		"reading the library's schema");

	for (row = 0; rc == 0 && row < t.rows; row++) {
		const char *name = ecl__my_get_str(&t, row, 0);

		if (ecl__adopt_is_adopted(a, name))
			continue;
		if (strcmp(ecl__my_get_str(&t, row, 1), "VIEW") == 0)
			rc = ecl_error_set(ECL_ESCHEMA, "adopting: the library's view %s has no adoption", name);
		else
			rc = ecl__adopt_create_ours(a, name);
	}
	ecl__my_result_free(&t);
	return rc;
}

static const char *const adopt_order[] = {
	"import_jobs", "meters", "daily_aggregations", "weekly_aggregations", "monthly_aggregations",
	"annual_aggregations", "scheduler_executions", "data_quality_issues", NULL
};

static int plan_all(ecl__adoption *a)
{
	char list[512], *p;
	int i, rc = 0;

	rc = ecl__adopt_london_functions(a);
	if (rc == 0)
		rc = create_missing(a);
	for (i = 0; rc == 0 && adopt_order[i] != NULL; i++)
		if (ecl__adopt_is_adopted(a, adopt_order[i]))
			rc = ecl__adopt_app_table(a, adopt_order[i]);
	if (rc == 0)
		rc = ecl__adopt_readings(a);
	if (rc == 0)
		rc = ecl__adopt_mirror_readings(a);
	if (rc == 0)
		rc = our_triggers(a);
	if (rc == 0)
		rc = ecl__adopt_audit_imports(a);
	if (rc == 0)
		rc = ecl__adopt_add(a, "CREATE TABLE schema_adoption (table_name VARCHAR(64) NOT NULL PRIMARY KEY,"
			" adopted_at BIGINT NOT NULL) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4"
			" COLLATE = utf8mb4_bin COMMENT 'eclectyc: the application''s tables it adopted'");
	snprintf(list, sizeof(list), "%s", a->adopted + 1);
	for (p = strtok(list, ","); rc == 0 && p != NULL; p = strtok(NULL, ","))
		rc = ecl__adopt_add(a, "INSERT INTO schema_adoption (table_name, adopted_at) VALUES ('%s', UNIX_TIMESTAMP())", p);
	return rc;
}

/* The library's schema, spelt for an adopted database, in a scratch one. */
static int build_scratch(ecl__adoption *a, void **scratch)
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

static int run_all(ecl__adoption *a)
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

static int print_all(const ecl__adoption *a, const char *found, ecl_buf *plan)
{
	int i, rc = ecl__my_appendf(plan, "-- adopting the PHP application's database in place (its"
		" tables %s): every row and column kept, the library's added (docs/adoption.md)\n", found);

	for (i = 0; rc == 0 && i < a->count; i++)
		rc = ecl__my_appendf(plan, "%s;\n", a->stmts[i]);
	return rc;
}

int ecl__my_adopt(ecl_backend_conn *conn, const char *found, ecl_buf *plan)
{
	ecl__adoption a;
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
	ecl__adopt_free(&a);
	return rc;
}

