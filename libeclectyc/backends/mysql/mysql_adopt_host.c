/*
 * MySQL/MariaDB backend, adopting the PHP application's database
 * (mysql_adopt.c): what its own tables need beyond the library's columns,
 * so that the application keeps reading them as it always has.
 * - Its instant columns (TIMESTAMP, or DATETIME in London clock time) are
 *   filled from the library's Unix seconds by BEFORE triggers, and gave the
 *   library its seconds for the rows it had.
 * - meter_readings, which the library has as a view of hh_readings and
 *   daily_readings, stays the application's table: its local-time keys
 *   become plain indexes, its readings are copied into the library's
 *   tables, and triggers mirror every reading the library writes into it,
 *   keyed by the UTC start of the half hour.
 * - Each import writes the audit_logs row its history page and health
 *   check read; new meters go to its 'Auto-imported Meters' site; its
 *   production scheduler_executions gets its start_time and counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buffer_internal.h"
#include "mysql_adopt.h"

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

int ecl__adopt_london_functions(ecl__adoption *a)
{
	int i, rc = 0;

	for (i = 0; rc == 0 && london_functions[i] != NULL; i++)
		rc = ecl__adopt_add(a, "%s", london_functions[i]);
	return rc;
}

/* ", `updated_at` = `updated_at`" when `table` stamps updated_at ON UPDATE:
 * a backfill assigns it to itself so the application's stamps stay as they
 * were (out is "" otherwise). */
static int keep_stamp(ecl__adoption *a, const char *table, char out[64])
{
	my_result res;
	int rc = ecl__adopt_ask(&res, a, "SELECT column_name FROM information_schema.columns WHERE"
		" table_schema = ?1 AND table_name = ?2 AND extra LIKE '%on update%'", a->live,
		table, NULL);

	out[0] = '\0';
	if (rc == 0 && res.rows > 0)
		snprintf(out, 64, ", `%.20s` = `%.20s`", ecl__my_get_str(&res, 0, 0),
			ecl__my_get_str(&res, 0, 0));
	ecl__my_result_free(&res);
	return rc;
}

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

/* Whether the library's `column` of `table` is NOT NULL (0 when it has none). */
static int library_requires(ecl__adoption *a, const char *table, const char *column, int *required)
{
	my_result res;
	int rc = ecl__adopt_ask(&res, a, "SELECT is_nullable = 'NO' FROM information_schema.columns"
		" WHERE table_schema = ?1 AND table_name = ?2 AND column_name = ?3", a->scratch, table, column);

	*required = rc == 0 && res.rows > 0 && ecl__my_get_int(&res, 0, 0) == 1;
	ecl__my_result_free(&res);
	return rc;
}

/* One instant column `name` of `table`, when the application's is a
 * TIMESTAMP or DATETIME and the library has its twin `<name>_unix`: the
 * twin backfilled, and the SETs of the BEFORE triggers appended to `ins`
 * and `upd`. A row the application inserts itself (its old code) gets the
 * twin the library requires from the application's column. */
static int bridge_one(ecl__adoption *a, const char *table, const char *name, const char *stamp,
                      ecl_buf *ins, ecl_buf *upd)
{
	char type[32], twin[64];
	int has = 0, has_twin = 0, required = 0;
	int rc = ecl__adopt_live_column(a, table, name, type, &has);

	snprintf(twin, sizeof(twin), "%s_unix", name);
	if (rc == 0 && has && (strcmp(type, "timestamp") == 0 || strcmp(type, "datetime") == 0))
		rc = ecl__adopt_has_column(a, a->scratch, table, twin, NULL, &has_twin);
	if (rc != 0 || !has_twin)
		return rc;
	rc = library_requires(a, table, twin, &required);
	if (rc == 0)
		rc = ecl__adopt_add(a, "UPDATE `%s` SET `%s` = %s(`%s`)%s WHERE `%s` IS NOT NULL", table,
			twin, from_app(type), name, stamp, name);
	if (rc == 0)
		rc = ecl__my_appendf(ins, " IF NEW.`%s` IS NOT NULL THEN SET NEW.`%s` = %s(NEW.`%s`);",
			twin, name, to_app(type), twin);
	if (rc == 0 && required)
		rc = ecl__my_appendf(ins, " ELSEIF NEW.`%s` IS NOT NULL THEN SET NEW.`%s` = %s(NEW.`%s`);",
			name, twin, from_app(type), name);
	if (rc == 0)
		rc = ecl__buf_puts(ins, " END IF;");
	if (rc == 0)
		rc = ecl__my_appendf(upd, " IF NOT (NEW.`%s` <=> OLD.`%s`) THEN SET NEW.`%s` ="
			" %s(NEW.`%s`); END IF;", twin, twin, name, to_app(type), twin);
	return rc;
}

/* The application's instants kept from the library's (bridge_one() for
 * each), in one BEFORE trigger per event; `extra_*` add table-specific SETs. */
static int bridge_instants(ecl__adoption *a, const char *table, const char *extra_insert,
                           const char *extra_update)
{
	const char *const *names = ecl__my_adopted_columns();
	ecl_buf ins = ECL_BUF_INIT, upd = ECL_BUF_INIT;
	char stamp[64];
	int i, rc = keep_stamp(a, table, stamp);

	for (i = 0; rc == 0 && names[i] != NULL; i++)
		rc = bridge_one(a, table, names[i], stamp, &ins, &upd);
	if (rc == 0 && (ins.size > 0 || extra_insert != NULL))
		rc = ecl__adopt_add(a, "CREATE TRIGGER `ecl_%s_host_columns_ins` BEFORE INSERT ON `%s`"
			" FOR EACH ROW BEGIN%s%s END", table, table, ins.ptr ? ins.ptr : "",
			extra_insert ? extra_insert : "");
	if (rc == 0 && (upd.size > 0 || extra_update != NULL))
		rc = ecl__adopt_add(a, "CREATE TRIGGER `ecl_%s_host_columns_upd` BEFORE UPDATE ON `%s`"
			" FOR EACH ROW BEGIN%s%s END", table, table, upd.ptr ? upd.ptr : "",
			extra_update ? extra_update : "");
	ecl_buf_dispose(&ins);
	ecl_buf_dispose(&upd);
	return rc;
}

/* ---- table by table ---------------------------------------------------------- */

/* What the library's NOT NULL columns hold on the application's rows, where
 * the zero an added column starts with would be wrong. */
static int backfill(ecl__adoption *a, const char *table, const char *stamp)
{
	int has = 0, rc = 0;

	if (strcmp(table, "daily_aggregations") == 0)
		rc = ecl__adopt_add(a, "UPDATE daily_aggregations SET source = IF(coalesce(reading_count, 0) > 1,"
			" 'hh', 'daily'), expected_periods = coalesce(reading_count, 0),"
			" actual_count = coalesce(reading_count, 0)%s WHERE source = ''", stamp);
	if (strcmp(table, "scheduler_executions") == 0)
		rc = ecl__adopt_live_column(a, table, "start_time", NULL, &has);
	/* The production variant: its own names for the run's instants and counts. */
	if (rc == 0 && has)
		rc = ecl__adopt_add(a, "UPDATE scheduler_executions SET execution_id = concat('host-', id),"
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

static int meter_site(ecl__adoption *a, const char **extra)
{
	int site = 0, sites = 0, companies = 0;
	int rc = ecl__adopt_live_column(a, "meters", "site_id", NULL, &site);

	*extra = NULL;
	if (rc == 0)
		rc = ecl__adopt_live_table(a, "sites", &sites);
	if (rc == 0)
		rc = ecl__adopt_live_table(a, "companies", &companies);
	if (rc != 0 || !site || !sites || !companies)
		return rc;
	*extra = meter_site_set;
	rc = ecl__adopt_add(a, "INSERT INTO companies (name) SELECT 'Default Company' FROM DUAL"
		" WHERE NOT EXISTS (SELECT 1 FROM companies WHERE name = 'Default Company')");
	if (rc == 0)
		rc = ecl__adopt_add(a, "INSERT INTO sites (company_id, name, address, postcode)"
			" SELECT c.id, 'Auto-imported Meters', 'Auto-generated during CSV import', 'TBD'"
			" FROM companies c WHERE c.name = 'Default Company' AND NOT EXISTS (SELECT 1"
			" FROM sites s JOIN companies d ON d.id = s.company_id"
			" WHERE s.name = 'Auto-imported Meters' AND d.name = 'Default Company')"
			" ORDER BY c.id LIMIT 1");
	return rc;
}

int ecl__adopt_app_table(ecl__adoption *a, const char *table)
{
	const char *ins = NULL, *upd = NULL;
	char stamp[64];
	int has = 0, rc = ecl__adopt_columns(a, table, 0);

	if (rc == 0)
		rc = keep_stamp(a, table, stamp);
	if (rc == 0)
		rc = backfill(a, table, stamp);
	if (rc == 0)
		rc = ecl__adopt_finish_columns(a);
	if (rc == 0)
		rc = ecl__adopt_keys(a, table);
	if (rc == 0 && strcmp(table, "scheduler_executions") == 0)
		rc = ecl__adopt_live_column(a, table, "start_time", NULL, &has);
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

int ecl__adopt_readings(ecl__adoption *a)
{
	my_result u = { 0, 0, NULL };
	char stamp[64];
	int row, rc = ecl__adopt_columns(a, "meter_readings", 1);

	if (rc == 0)
		rc = keep_stamp(a, "meter_readings", stamp);
	if (rc == 0)
		rc = ecl__adopt_query(&u, a, readings_unique_sql, NULL, "reading the application's keys");
	for (row = 0; rc == 0 && row < u.rows; row++)
		rc = ecl__adopt_add(a, "ALTER TABLE meter_readings DROP INDEX `%s`, ADD INDEX `%s` (%s)",
			ecl__my_get_str(&u, row, 0), ecl__my_get_str(&u, row, 0), ecl__my_get_str(&u, row, 1));
	ecl__my_result_free(&u);
	/* The first row of each meter and half hour gets it (a later one, which
	 * only the 001 schema's NULL-period key let in, keeps NULL). */
	if (rc == 0)
		rc = ecl__adopt_add(a, "UPDATE meter_readings r JOIN (SELECT min(id) AS id FROM meter_readings"
			" WHERE period_number IS NOT NULL AND MINUTE(reading_time) IN (0, 30)"
			" AND SECOND(reading_time) = 0 GROUP BY meter_id,"
			" ecl_london_unix(TIMESTAMP(reading_date, reading_time))) f ON f.id = r.id"
			" SET r.period_start = ecl_london_unix(TIMESTAMP(r.reading_date, r.reading_time))%s",
			stamp[0] ? ", r.updated_at = r.updated_at" : "");
	if (rc == 0)
		rc = ecl__adopt_add(a, "ALTER TABLE meter_readings ADD UNIQUE KEY uq_meter_readings_period_start"
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

int ecl__adopt_mirror_readings(ecl__adoption *a)
{
	static const struct mirror {
		const char *name, *event, *table, *body;
	} mirrors[] = {
		{ "ecl_hh_readings_mirror_ins", "INSERT", "hh_readings", hh_mirror },
		{ "ecl_hh_readings_mirror_upd", "UPDATE", "hh_readings", hh_mirror },
		{ "ecl_hh_readings_mirror_del", "DELETE", "hh_readings", " DELETE FROM meter_readings"
		  " WHERE meter_id = OLD.meter_id AND period_start = OLD.period_start" },
		{ "ecl_daily_readings_mirror_ins", "INSERT", "daily_readings", daily_mirror },
		{ "ecl_daily_readings_mirror_upd", "UPDATE", "daily_readings", daily_mirror },
		{ "ecl_daily_readings_mirror_del", "DELETE", "daily_readings", " DELETE FROM meter_readings"
		  " WHERE meter_id = OLD.meter_id AND reading_date = OLD.reading_date"
		  " AND period_number IS NULL AND period_start IS NULL" },
	};
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && copy_readings[i] != NULL; i++)
		rc = ecl__adopt_add(a, "%s", copy_readings[i]);
	for (i = 0; rc == 0 && i < sizeof(mirrors) / sizeof(mirrors[0]); i++)
		rc = ecl__adopt_add(a, "CREATE TRIGGER %s AFTER %s ON %s FOR EACH ROW%s", mirrors[i].name,
			mirrors[i].event, mirrors[i].table, mirrors[i].body);
	return rc;
}

/* One audit_logs row per import, as the PHP system's history page and
 * health check read them (reference-behaviour §1.9): when a job that ran
 * ends, completed or failed, unless it was a dry run. */
int ecl__adopt_audit_imports(ecl__adoption *a)
{
	int has = 0, status = 0, retries = 0;
	int rc = ecl__adopt_live_table(a, "audit_logs", &has);

	if (rc == 0 && has)
		rc = ecl__adopt_live_column(a, "audit_logs", "status", NULL, &status);
	if (rc == 0 && has)
		rc = ecl__adopt_live_column(a, "audit_logs", "retry_count", NULL, &retries);
	if (rc != 0 || !has)
		return rc;
	return ecl__adopt_add(a, "CREATE TRIGGER ecl_import_jobs_audit AFTER UPDATE ON import_jobs FOR EACH ROW"
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

