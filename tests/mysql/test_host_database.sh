#!/usr/bin/env bash
# The PHP application's production database (tests/mysql/host_app: its
# tables in production's shape, faults kept, with rows) adopted in place by
# `eclectyc migrate` (docs/adoption.md):
# - --dry-run prints the statements and changes nothing;
# - migrate keeps every row and column the application had (its own columns
#   read back exactly as before, ON UPDATE stamps included), and the library
#   then sees the application's jobs;
# - the library's jobs, readings, aggregates, telemetry, findings and audit
#   rows are rows of the application's own tables, in its columns;
# - its faulty keys lose nothing: the autumn day's repeated hour and a daily
#   total at 00:00 beside half-hour period 1 are all kept;
# - a database it cannot adopt (two jobs sharing a batch id) is refused with
#   nothing changed.
#
#   test_host_database.sh PATH/TO/eclectyc MYSQL-URI
set -u

if [ $# -ne 2 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/eclectyc MYSQL-URI" >&2
	exit 2
fi
ECL=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")
PY=${PYTHON:-python3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecl-host.XXXXXX") || exit 1
. "$ROOT/tests/integration/cli_store.sh"
trap 'store_cleanup; rm -rf "$tmp"' EXIT
store_init "$2" ecl_host || exit $?
for var in $(compgen -e); do
	case $var in ECLECTYC_*) unset "$var" ;; esac
done
. "$ROOT/tests/integration/cli_checks.sh"

APP_TABLES="users companies sites meters import_jobs meter_readings daily_aggregations
weekly_aggregations monthly_aggregations annual_aggregations scheduler_executions
scheduler_alerts data_quality_issues cron_logs audit_logs system_settings migrations"

# load NAME: a database NAME holding the application's schema and rows.
load() {
	local db
	db=$(_store_schema "$1")
	_store_my -e "CREATE DATABASE \`$db\`" \
		&& _store_my "$db" <"$ROOT/tests/mysql/host_app/production_schema.sql" \
		&& _store_my "$db" <"$ROOT/tests/mysql/host_app/production_rows.sql"
}

# q NAME QUERY: rows of QUERY in database NAME, tab-separated.
q() {
	_store_my "$(_store_schema "$1")" -e "SET time_zone = '+00:00'; $2"
}

# columns NAME TABLE: the column list TABLE has now, comma-separated.
columns() {
	q "$1" "SELECT group_concat(concat('\`', column_name, '\`') ORDER BY ordinal_position)
	FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '$2'"
}

# rows NAME TABLE COLUMNS: every row of TABLE as COLUMNS, in one order.
rows() {
	q "$1" "SELECT $3 FROM \`$2\` ORDER BY $3"
}

# expect_q DESC NAME QUERY WANT: QUERY in NAME returns exactly WANT.
expect_q() {
	local got
	got=$(q "$2" "$3" 2>&1)
	if [ "$got" = "$4" ]; then
		pass "$1"
	else
		fail "$1" "got '$got', want '$4'"
	fi
}

# snapshot NAME: every table's definition and an exact checksum of its rows.
snapshot() {
	local t db
	db=$(_store_schema "$1")
	for t in $(_store_my "$db" -e "SHOW TABLES"); do
		_store_my "$db" -e "SHOW CREATE TABLE \`$t\`; CHECKSUM TABLE \`$t\` EXTENDED"
	done
	_store_my "$db" -e "SHOW TRIGGERS; SHOW FUNCTION STATUS WHERE Db = DATABASE()"
}

load app && pass "the application's production database loads" \
	|| fail "the application's production database loads" "see above"
expect_q "it holds 3 jobs, every id 0, and 98 readings" app \
	"SELECT concat((SELECT count(*) FROM import_jobs), '|', (SELECT sum(id) FROM import_jobs), '|',
	 (SELECT count(*) FROM meter_readings))" "3|0|98"
declare -A before cols
for t in $APP_TABLES; do
	cols[$t]=$(columns app "$t")
	before[$t]=$(rows app "$t" "${cols[$t]}")
done
snapshot app >"$tmp/before"
APP=$(store_uri app)

# ---- the plan ----------------------------------------------------------------

run --db "$APP" migrate --dry-run
expect "migrate --dry-run prints the adoption" 0 \
	"^-- the database would be adopted at schema version [0-9]+; nothing was applied"
for stmt in 'ALTER TABLE `import_jobs` ADD COLUMN `queued_at_unix`' \
	'ALTER TABLE `import_jobs` ADD PRIMARY KEY (`id`)' \
	'ALTER TABLE meter_readings DROP INDEX `unique_meter_datetime`' \
	'CREATE TABLE `hh_readings`' 'CREATE TRIGGER ecl_import_jobs_audit'; do
	if grep -qF -- "$stmt" <<<"$out"; then
		pass "the plan holds: $stmt"
	else
		fail "the plan holds: $stmt" "not in the plan"
	fi
done
if grep -q "CREATE TABLE \`import_jobs\`\|DROP TABLE\|DELETE FROM \`" <<<"$out"; then
	fail "the plan creates, drops and deletes none of the application's tables" "it does"
else
	pass "the plan creates, drops and deletes none of the application's tables"
fi
snapshot app >"$tmp/after-plan"
cmp -s "$tmp/before" "$tmp/after-plan" && pass "--dry-run changed nothing" \
	|| fail "--dry-run changed nothing" "$(diff "$tmp/before" "$tmp/after-plan" | head -5)"

# ---- adoption ----------------------------------------------------------------

run --db "$APP" migrate
expect "migrate adopts the database" 0 "^Schema at version [0-9]+$"
run --db "$APP" migrate --check
expect "the adopted schema passes the check" 0 "^Schema OK"
run --db "$APP" migrate --dry-run
expect "a second migrate has nothing to do" 0 "^Schema is current"

for t in $APP_TABLES; do
	[ "$t" = import_jobs ] && continue
	after=$(rows app "$t" "${cols[$t]}")
	if [ "$after" = "${before[$t]}" ]; then
		pass "$t: every row and column as it was"
	else
		fail "$t: every row and column as it was" "$(diff <(echo "${before[$t]}") <(echo "$after") | head -4)"
	fi
done
job_cols=${cols[import_jobs]#\`id\`,}
after=$(rows app import_jobs "$job_cols")
want=$(cut -f2- <<<"${before[import_jobs]}")
if [ "$after" = "$want" ]; then
	pass "import_jobs: every row and column as it was, but the ids"
else
	fail "import_jobs: every row and column as it was, but the ids" \
		"$(diff <(echo "$want") <(echo "$after") | head -4)"
fi
expect_q "the jobs got ids 1, 2, 3 in the order they were queued" app \
	"SELECT group_concat(filename ORDER BY id) FROM import_jobs" \
	"hh_nov.csv,daily_gas.csv,urgent_reads.csv"

run --db "$APP" --json jobs
expect_json "the library sees the application's jobs" "len(d) == 3 and \
[j['status'] for j in sorted(d, key=lambda j: j['queued_at'])] == ['completed', 'failed', 'queued'] \
and [j['priority'] for j in d if j['status'] == 'queued'] == ['critical'] \
and [j['queued_at'] for j in d if j['status'] == 'queued'] == ['2025-11-10 09:00:00']"
run --db "$APP" --json job 0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d
expect_json "a failed job keeps its error and retries" "d['retry_count'] == 3 and \
'Column not found' in d['error_message'] and d['started_at'] == '2025-11-09 08:20:00'"
# The autumn day as the PHP system stored it: 48 clock times, 23:30 being
# the day's 50th half hour.
expect_q "the half hours are the library's, at their UTC start" app \
	"SELECT concat(count(*), '|', sum(period_number = 50), '|', min(period_start)) FROM hh_readings" \
	"96|1|1761433200"
expect_q "the repeated hour's reading is its second occurrence (the one the PHP system kept)" app \
	"SELECT concat(period_number, '|', FROM_UNIXTIME(period_start)) FROM hh_readings
	 WHERE reading_date = '2025-10-26' AND local_minutes = 60" "5|2025-10-26 01:00:00"
expect_q "the daily totals are the library's" app \
	"SELECT group_concat(concat(reading_date, '=', reading_value) ORDER BY reading_date)
	 FROM daily_readings" "2025-11-07=41.25,2025-11-08=42.5"

# ---- the library at work on the application's tables ------------------------

# The meter's autumn day again, all 50 half hours (the PHP system kept 48),
# and a new meter's day, both on behalf of user 1.
"$PY" - "$tmp/autumn.csv" <<'PYEOF'
import sys, datetime
start = datetime.datetime(2025, 10, 25, 23, 0, tzinfo=datetime.timezone.utc)
with open(sys.argv[1], "w") as out:
    out.write("Consumption (kWh), Start, End\n")
    for n in range(50):
        t = start + datetime.timedelta(minutes=30 * n)
        out.write("%.3f, %s, %s\n" % (1 + n / 100, t.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  (t + datetime.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")))
PYEOF
"$PY" "$ROOT/tests/gen_readings.py" wide "$tmp/hh.csv" --meters 1 --days 2 --start 2025-11-07
printf 'MPAN,Date,Reading\n1200012345678,2025-11-08,30.5\n' >"$tmp/daily.csv"
run --db "$APP" import "$tmp/autumn.csv" --profile octopus-consumption --meter 1200012345678 --user-id 1
expect "the autumn day is queued" 0 "$UUID_RE"
autumn=$out
run --db "$APP" import "$tmp/hh.csv" --user-id 1
hh=$out
run --db "$APP" import "$tmp/daily.csv" --type daily --user-id 1
daily=$out
run --db "$APP" worker --once
expect "the worker runs the critical job first and the three new ones" 0 \
	"Processed 4 job\\(s\\): 3 completed, 1 failed"

expect_q "the new jobs are rows of import_jobs, with the application's columns filled" app \
	"SELECT group_concat(concat(id, ':', status, ':', user_id, ':', queued_at IS NOT NULL, ':',
	 started_at IS NOT NULL, ':', completed_at IS NOT NULL) ORDER BY id) FROM import_jobs WHERE id > 3" \
	"4:completed:1:1:1:1,5:completed:1:1:1:1,6:completed:1:1:1:1"
expect_q "their instants read as London clock time in the DATETIME columns" app \
	"SELECT count(*) FROM import_jobs WHERE id > 3
	 AND started_at <> ecl_london_datetime(started_at_unix)" "0"
expect_q "each import wrote the audit_logs row the history page and health check read" app \
	"SELECT group_concat(concat(user_id, ':', status, ':', JSON_VALUE(new_values, '$.batch_id'))
	 ORDER BY id) FROM audit_logs WHERE action = 'import_csv' AND created_at > '2026-01-01'" \
	"1:completed:$autumn,1:completed:$hh,1:completed:$daily"
expect_q "the autumn day has all 50 half hours in meter_readings, the 48 it had kept" app \
	"SELECT concat(count(*), '|', count(DISTINCT period_start), '|', min(period_number), '|',
	 max(period_number), '|', sum(reading_time = '01:00:00'), '|', sum(import_batch_id = '$autumn'))
	 FROM meter_readings WHERE meter_id = 1 AND reading_date = '2025-10-26'" "50|50|1|50|2|50"
expect_q "a daily total at 00:00 sits beside half-hour period 1 of the same day" app \
	"SELECT group_concat(concat(coalesce(period_number, 'daily'), '=', reading_value)
	 ORDER BY period_number IS NULL, period_number) FROM meter_readings
	 WHERE meter_id = 1 AND reading_date = '2025-11-08' AND reading_time = '00:00:00'" \
	"1=0.2600,daily=30.5000"
expect_q "the new meter went to the application's 'Auto-imported Meters' site" app \
	"SELECT concat(count(*), '|', min(site_id)) FROM meters WHERE id > 3" "1|4"
expect_q "its half hours are rows of meter_readings with the reference's columns" app \
	"SELECT concat(count(*), '|', min(reading_time), '|', max(period_number), '|',
	 sum(reading_type = 'actual'), '|', min(import_batch_id)) FROM meter_readings WHERE meter_id = 4" \
	"96|00:00:00|48|96|$hh"
expect_q "the aggregates are rows of the application's daily_aggregations" app \
	"SELECT concat(count(*), '|', sum(reading_count)) FROM daily_aggregations WHERE meter_id = 4" "2|96"
expect_q "the autumn day's aggregate counts its 50 half hours" app \
	"SELECT concat(reading_count, '|', expected_periods) FROM daily_aggregations
	 WHERE meter_id = 1 AND date = '2025-10-26'" "50|50"
expect_q "each aggregation run is a row of scheduler_executions with its start time" app \
	"SELECT count(*) > 0 AND sum(start_time IS NULL) = 0 FROM scheduler_executions WHERE id > 1" "1"

# A job the application's old code still inserts itself, as the reference's
# createJob did (no instants of the library's): the library queues it.
q app "INSERT INTO import_jobs (batch_id, user_id, filename, file_path, import_type, status, dry_run,
	max_retries, priority, queued_at) VALUES ('11111111-2222-4333-8444-555555555555', 1, 'old.csv',
	'/nowhere/old.csv', 'hh', 'queued', 0, 3, 'high', '2025-11-12 10:00:00')"
run --db "$APP" --json job 11111111-2222-4333-8444-555555555555
expect_json "a job the application inserts itself is the library's queued job" "d['id'] == 7 and \
d['status'] == 'queued' and d['priority'] == 'high' and d['queued_at'] == '2025-11-12 10:00:00'"

run --db "$APP" quality --date 2025-11-09
expect_q "the quality check's findings are rows of data_quality_issues beside the two it had twice" app \
	"SELECT concat(sum(library_row IS NULL), '|', sum(library_row = 1) > 0) FROM data_quality_issues" \
	"2|1"
run --db "$APP" quality --date 2025-11-09
expect_q "running it again updates its findings instead of adding them twice" app \
	"SELECT count(*) FROM data_quality_issues WHERE library_row = 1
	 GROUP BY meter_id, issue_date, issue_type HAVING count(*) > 1" ""

for t in $APP_TABLES; do
	case $t in import_jobs | meters | meter_readings | daily_aggregations | weekly_aggregations | \
		monthly_aggregations | annual_aggregations | scheduler_executions | data_quality_issues | \
		audit_logs) ;;
	*) [ "$(rows app "$t" "${cols[$t]}")" = "${before[$t]}" ] \
		|| fail "$t: untouched by the library's work" "changed" ;;
	esac
done
expect_q "the application's readings it did not re-import are as they were" app \
	"SELECT count(*) FROM meter_readings WHERE meter_id = 2" "2"

# ---- databases it cannot adopt --------------------------------------------


# refused NAME SETUP-SQL DESC MESSAGE: the application's database changed by
# SETUP-SQL is refused, naming why, and left as it was.
refused() {
	load "$1" && q "$1" "$2"
	snapshot "$1" >"$tmp/$1-before"
	run --db "$(store_uri "$1")" migrate --dry-run
	expect "$3 (--dry-run)" 1 "" "$4.*Nothing was changed"
	run --db "$(store_uri "$1")" migrate
	expect "$3" 1 "" "$4.*Nothing was changed"
	snapshot "$1" >"$tmp/$1-after"
	cmp -s "$tmp/$1-before" "$tmp/$1-after" && pass "$3: the database is as it was" \
		|| fail "$3: the database is as it was" "$(diff "$tmp/$1-before" "$tmp/$1-after" | head -5)"
}
refused dup "UPDATE import_jobs SET batch_id = '6f1c2b1e-8d7a-4c1e-9b1a-0d3f5e7a9c11'" \
	"two jobs sharing a batch id cannot be adopted" \
	"3 of its import_jobs rows share the batch id 6f1c2b1e-8d7a-4c1e-9b1a-0d3f5e7a9c11"
refused noreadings "DROP TABLE meter_readings" "a database without meter_readings is not the application's" \
	"not as the PHP application has them, which is what the library adopts in place: it has no meter_readings table"
refused extra "CREATE TABLE alerts (id int)" "a table of the library's the application never had is refused" \
	"alerts is not one of the application's tables"
refused oldjobs "ALTER TABLE import_jobs DROP COLUMN filename" "an import_jobs without its columns is refused" \
	"import_jobs has no column filename"

echo "$passed passed, $failed failed on $(store_backend)"
[ "$failed" -eq 0 ]
