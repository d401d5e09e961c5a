#!/usr/bin/env bash
# End-to-end tests of the `eclectyc` command line.
#
# Usage: test_cli.sh PATH/TO/eclectyc [STORE]
#
# Drives every command against throwaway stores, including bad input, and
# checks exit statuses and messages. STORE chooses the backend: none or
# "sqlite" (the default), SQLite files in a temporary directory; a PostgreSQL
# URI or key=value string (without a schema parameter, e.g.
# $ECL_TEST_PG_URI from tests/pg/with-postgres.sh), a fresh schema of that
# database per store, ecl_cli_<pid>_<random>_<name>, created by `eclectyc
# migrate` and dropped at the end; a mysql:// URI (e.g. $ECL_TEST_MYSQL_URI from
# tests/mysql/with-mariadb.sh), a fresh database per store on its server,
# named the same way. The same flows run on all three; what differs
# (SQL dialects, fault injection, inspecting a store) is behind the
# functions of cli_store.sh, and the few checks that concern one backend only
# (the SQLite file and the default sqlite://eclectyc.db; PostgreSQL
# connection errors and password masking) are guarded by it. Stores are
# inspected and faults injected with the sqlite3 shell, psql or mariadb.
# Prints one line per check and ends with "N passed, M failed on BACKEND";
# exits 1 when any check failed. Set ECL_TEST_VALGRIND=1 to also run a few
# commands of each kind under valgrind (skipped by default: slow, and wrong
# under ASan).
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/eclectyc [sqlite | POSTGRESQL-URI | MYSQL-URI]" >&2
	exit 2
fi
# Absolute, because some checks run from other directories.
ECL=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")
PY=${PYTHON:-python3}
# The repository root, for the sample-data generator.
ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
GEN="$ROOT/tests/gen_readings.py"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecl-cli.XXXXXX") || exit 1
tmp=$(cd "$tmp" && pwd -P)
# shellcheck source=cli_store.sh
. "$ROOT/tests/integration/cli_store.sh"
trap 'store_cleanup; rm -rf "$tmp"' EXIT
store_init "${2:-}" ecl_cli || exit $?
echo "# backend: $(store_backend)"

# The caller's configuration must not change the results.
for var in $(compgen -e); do
	case $var in ECLECTYC_*) unset "$var" ;; esac
done

DB=$(store_uri x)
# shellcheck source=cli_checks.sh
. "$ROOT/tests/integration/cli_checks.sh"

# ---- helpers ---------------------------------------------------------------

# dbrun ARGS...: run against the main test database.
dbrun() {
	run --db "$DB" "$@"
}

# expect_usage DESC STDERR-REGEX: exit 2, the message and the --help hint.
expect_usage() {
	expect "$1" 2 "" "$2"
	if [ "$rc" -eq 2 ] && ! grep -q -- "--help" <<<"$err"; then
		fail "$1 (hint)" "no --help hint in the message"
	fi
}

# import_ok ARGS...: import with the main database; sets $id to the batch id.
import_ok() {
	dbrun import "$@"
	id=$out
}

job_count() {
	dbrun --json jobs --limit 0
	"$PY" -c 'import json, sys; print(len(json.load(sys.stdin)))' <<<"$out" 2>/dev/null || echo -1
}

# expect_sql DESC STORE QUERY WANT: the answer of `sql STORE QUERY` is
# exactly WANT.
expect_sql() {
	local got
	got=$(sql "$2" "$3")
	if [ "$got" = "$4" ]; then
		pass "$1"
	else
		out=$got err="" rc=0
		fail "$1" "expected '$(tr '\n' ' ' <<<"$4")', got '$(tr '\n' ' ' <<<"$got")'"
	fi
}

# ---- fixtures --------------------------------------------------------------

printf 'MPAN,Date,00:30,01:00\n1200012345678,2024-01-01,0.5,0.6\n' >"$tmp/readings.csv"
printf 'MPAN,Date,Total\n1200012345678,2024-01-01,24.1\n' >"$tmp/daily.csv"
mkdir "$tmp/cwd"

# ---- help, version, global usage errors -----------------------------------

run --help
expect "--help exits 0 with usage" 0 "^Usage: eclectyc"
for word in "migrate \[--check \| --dry-run\]" "import FILE" "jobs \[--status" "job ID" "retry ID" \
            "cancel ID" "--db URI" "--env-file" "--json" "worker \[OPTIONS\]" "--once" \
            "--limit N" "--poll-ms" "--worker-id" "import FILE --now" "--unknown-meters" \
            "--negatives" "--overwrite-actual" "--month-first" "--interval-end" "--batch-size" \
            "ECLECTYC_WORKER_POLL_MS" "ECLECTYC_BATCH_SIZE" "aggregate \[--all \| --range R\]" \
            "--from D --to D" "quality \[--date D\] \[--meter MPAN\]" "--no-aggregate" \
            "ECLECTYC_PEAK_START" "ECLECTYC_AGGREGATE_AFTER_IMPORT" \
            "monitor \[--verbose\] \[--handle-stuck\] \[--send-alerts\]" \
            "cleanup \[--days N\] \[--dry-run\] \[--verbose\]" "alert-test" "--log-file PATH" \
            "ECLECTYC_STUCK_MINUTES" "ECLECTYC_STORAGE_DIR" "SLACK_WEBHOOK_URL"; do
	if grep -Eq -- "$word" <<<"$out"; then pass "--help mentions '$word'"; else fail "--help mentions '$word'" "missing"; fi
done
run -h
expect "-h is --help" 0 "^Usage: eclectyc"
run import --help
expect "--help after a command" 0 "^Usage: eclectyc"
run --version
expect "--version prints the version" 0 '^eclectyc [0-9]+\.[0-9]+\.[0-9]+'
run
expect_usage "no command is a usage error" "no command"
run frobnicate
expect_usage "unknown command exits 2" "unknown command 'frobnicate'"
run --bogus jobs
expect_usage "unknown global option exits 2" "unknown option '--bogus'"
dbrun jobs --bogus=1
expect_usage "unknown command option exits 2" "unknown option '--bogus' for command 'jobs'"
dbrun jobs -x
expect_usage "unknown short option exits 2" "unknown option '-x'"
run --db
expect_usage "--db without a value exits 2" "'--db' requires a value"
dbrun --json=yes jobs
expect_usage "a flag given a value exits 2" "'--json' takes no value"
# `eclectyc COMMAND --help` is that command's help, not the whole text.
run --help
full_lines=$(wc -l <<<"$out")
if [ "$full_lines" -ge 140 ]; then pass "--help alone prints the whole text"; else fail "--help alone prints the whole text" "$full_lines lines"; fi
for cmd in migrate import profiles detect jobs job retry cancel worker aggregate quality monitor \
           cleanup alert-test; do
	run "$cmd" --help
	lines=$(wc -l <<<"$out")
	if [ "$rc" -eq 0 ] && grep -Eq "^Usage: eclectyc \[GLOBAL OPTIONS\] $cmd( |$)" <<<"$out" \
		&& grep -Eq "^  $cmd( |$)" <<<"$out" && grep -q -- "--db URI" <<<"$out" \
		&& grep -q "^Exit status" <<<"$out" && [ "$lines" -lt 60 ] \
		&& ! grep -q "^Configuration keys" <<<"$out"; then
		pass "$cmd --help prints its own help ($lines lines)"
	else
		fail "$cmd --help prints its own help" "$lines lines, or not its entry"
	fi
done
run jobs --help
if grep -Eq "^  (aggregate|worker|monitor) " <<<"$out"; then fail "jobs --help leaves other commands out" "listed"; else pass "jobs --help leaves other commands out"; fi
expect "jobs --help has no import policy" 0 "list jobs, newest first"
if grep -q -- "--unknown-meters" <<<"$out"; then fail "jobs --help has no import policy" "listed"; fi
run worker --help
expect "worker --help has the import policy and its options" 0 "--unknown-meters create"
expect "worker --help says how a worker exits" 0 "^Exit status: 0 when it ends normally"
run monitor --help
expect "monitor --help gives the health exit codes" 0 "^Exit status: 0 healthy, 1 degraded, 2 critical"
run --db "$DB" jobs -h
expect "-h after a command is that command's help" 0 "^Usage: eclectyc \[GLOBAL OPTIONS\] jobs"
run --help jobs
expect "--help before the command is the whole text" 0 "^Configuration keys"

# ---- migrate ---------------------------------------------------------------

dbrun migrate --check
# SQLite: the file does not exist, and --check does not create it to inspect it.
expect "migrate --check on a fresh database exits 1" 1 "" "$(by_backend "does not exist" "problem")"
if store_exists x; then fail "migrate --check creates no store" "$(store_uri x) exists"; else pass "migrate --check creates no store"; fi
n=$(store_tables x)
if [ "$n" = 0 ]; then
	pass "migrate --check creates no tables$(by_backend "" " (nor the schema)" " (nor the database)")"
else
	fail "migrate --check creates no tables$(by_backend "" " (nor the schema)" " (nor the database)")" "tables found: $n"
fi
# --dry-run reads what would run and runs none of it. (The SQLite file
# exists by now, empty: store_tables opened it with sqlite3.)
dbrun migrate --dry-run
expect "migrate --dry-run on an empty database prints every migration" 0 \
	"^-- [0-9]+ migrations would run \\(version 0 to [0-9]+\\); nothing was applied$"
if grep -q "^-- migration 1$" <<<"$out" && grep -q "CREATE TABLE import_jobs" <<<"$out"; then
	pass "migrate --dry-run prints migration 1's SQL"
else
	fail "migrate --dry-run prints migration 1's SQL" "no '-- migration 1' and CREATE TABLE import_jobs"
fi
n=$(store_tables x)
if [ "$n" = 0 ]; then pass "migrate --dry-run creates no tables"; else fail "migrate --dry-run creates no tables" "tables found: $n"; fi
dbrun migrate --check --dry-run
expect_usage "migrate --check --dry-run is a usage error" "do not go together"
dbrun jobs
expect "jobs before migrate tells to run migrate" 1 "" "eclectyc migrate"
dbrun import "$tmp/readings.csv"
expect "import before migrate tells to run migrate" 1 "" "eclectyc migrate"
dbrun migrate
expect "migrate applies the schema" 0 "^Schema at version [1-9][0-9]*$"
version=${out#Schema at version }
dbrun migrate
expect "migrate again is a no-op" 0 "^Schema at version $version$"
dbrun migrate --check
expect "migrate --check on a migrated database" 0 "^Schema OK \\(version $version\\)$"
dbrun --json migrate --check
expect_json "migrate --check --json" "d['ok'] is True and d['problems'] == [] and d['current_version'] == $version"
dbrun migrate --json
expect_json "migrate --json" "d['schema_version'] == $version"
dbrun migrate --dry-run
expect "migrate --dry-run on a current schema has nothing to apply" 0 \
	"^Schema is current \\(version $version\\): nothing to apply$"
dbrun --json migrate --dry-run
expect_json "migrate --dry-run --json" "d['sql'] == '' and d['current_version'] == d['expected_version'] == $version"
expect_sql "migrate recorded every migration once" x \
	"select count(*) || '|' || count(distinct version) || '|' || max(version) from schema_migrations" \
	"$version|$version|$version"
dbrun migrate now
expect_usage "migrate with an argument exits 2" "unexpected argument 'now'"

# Another application's database (the PHP system's own has import_jobs and
# users): migrate refuses it before creating anything in it.
case $STORE_KIND in
sqlite) sql_exec foreign "CREATE TABLE import_jobs (id INTEGER, batch_id TEXT); CREATE TABLE users (id INTEGER)" ;;
pgsql) sql_exec foreign "CREATE SCHEMA $(_store_schema foreign); CREATE TABLE import_jobs (id integer, batch_id text); CREATE TABLE users (id integer)" ;;
*) _store_my -e "CREATE DATABASE \`$(_store_schema foreign)\`" \
	&& sql_exec foreign "CREATE TABLE import_jobs (id int, batch_id varchar(36)); CREATE TABLE users (id int)" ;;
esac
FDB=$(store_uri foreign)
run --db "$FDB" migrate --dry-run
expect "migrate --dry-run on another application's database refuses, naming the table" 1 "" \
	"already holds tables the library would create \\(import_jobs\\)"
run --db "$FDB" migrate
expect "migrate on another application's database refuses" 1 "" "give the library a database of its own. Nothing was changed"
n=$(store_tables foreign)
if [ "$n" = "$(by_backend 2 3 3)" ]; then
	pass "migrate left another application's database as it was"
else
	fail "migrate left another application's database as it was" "$n tables"
fi

# Only migrate creates a store: every other command refuses one that does
# not exist (SQLite would create an empty file), says to run migrate and,
# on SQLite, names the file; nothing is left behind.
NEVER=$(store_uri never)
nobody=00000000-0000-4000-8000-000000000000
for cmd in "jobs" "job $nobody" "monitor" "quality" "aggregate" "cleanup --dry-run" "alert-test" \
           "worker --once" "retry $nobody" "cancel $nobody" "import $tmp/readings.csv"; do
	# shellcheck disable=SC2086  # the command and its arguments
	run --db "$NEVER" $cmd
	if [ "$rc" -eq 0 ] || ! grep -q "eclectyc migrate" <<<"$err"; then
		fail "$cmd on a store that does not exist fails, saying to migrate" "exit $rc"
	elif [ "$STORE_KIND" = sqlite ] && ! grep -qF "$tmp/never.db" <<<"$err"; then
		fail "$cmd on a store that does not exist names it" "no $tmp/never.db"
	elif store_exists never; then
		fail "$cmd on a store that does not exist creates none" "$NEVER exists"
	else
		pass "$cmd on a store that does not exist fails, names it, creates none"
	fi
done
if [ "$STORE_KIND" = sqlite ]; then
	# The default store, sqlite://eclectyc.db, in a directory without one.
	mkdir "$tmp/no-store"
	pushd "$tmp/no-store" >/dev/null
	run jobs
	popd >/dev/null
	expect "jobs without a store names eclectyc.db and the directory" 1 "" \
		"eclectyc\.db.*does not exist in $tmp/no-store; run \`eclectyc migrate\`"
	if [ -e "$tmp/no-store/eclectyc.db" ]; then fail "jobs leaves no eclectyc.db behind" "created"; else pass "jobs leaves no eclectyc.db behind"; fi
fi

DRIFT=$(store_uri drift)
run --db "$DRIFT" migrate
sql_exec drift "alter table import_jobs drop column notes"
run --db "$DRIFT" migrate --check
expect "migrate --check reports a dropped column" 1 "notes" "problem"
sql_exec drift "alter table import_jobs add column notes $(by_backend text text longtext) null"
run --db "$DRIFT" migrate --check
expect "migrate --check is clean again after the repair" 0 "^Schema OK"
sql_exec drift "drop trigger $(by_backend "import_job_attempt_closes" "import_job_attempts_track on import_jobs" \
	"import_job_attempts_track")"
run --db "$DRIFT" migrate --check
expect "migrate --check reports a dropped trigger" 1 "missing trigger" "problem"
sql_exec drift "drop table import_jobs$(by_backend "" " cascade" "")"
run --db "$DRIFT" migrate --check
expect "migrate --check reports a dropped table" 1 "import_jobs" "problem"
run --db "$DRIFT" --json migrate --check
if [ "$rc" -eq 1 ] && json_true "d['ok'] is False and len(d['problems']) > 0"; then
	pass "migrate --check --json reports drift"
else
	fail "migrate --check --json reports drift" "expected exit 1 and ok false"
fi

# ---- import ----------------------------------------------------------------

created=()
import_ok "$tmp/readings.csv"
expect "import prints the batch id" 0 "$UUID_RE"
if [ "$(wc -l <<<"$out")" -eq 1 ]; then pass "import prints one line"; else fail "import prints one line" "more output"; fi
first=$id
created+=("$id")
dbrun --json job "$first"
expect_json "import defaults are stored" "d['batch_id'] == '$first' and d['status'] == 'queued' and \
d['priority'] == 'normal' and d['import_type'] == 'hh' and d['max_retries'] == 3 and \
d['retry_count'] == 0 and d['filename'] == 'readings.csv' and \
d['file_path'] == '$tmp/readings.csv' and not d['dry_run']"

import_ok "$tmp/daily.csv" --type daily --priority high --tag a --tag "b c" --notes "hello there" \
	--metadata '{"site": 7, "z": [1, 2]}' --max-retries 5 --filename orig.csv --user-id 42 --dry-run
expect "import with every option" 0 "$UUID_RE"
created+=("$id")
dbrun --json job "$id"
expect_json "every import option is stored" "d['import_type'] == 'daily' and \
d['priority'] == 'high' and d['tags'] == ['a', 'b c'] and d['metadata'] == {'site': 7, 'z': [1, 2]} and \
d['max_retries'] == 5 and d['filename'] == 'orig.csv' and d['user_id'] == 42 and \
d['notes'] == 'hello there' and d['dry_run'] in (True, 1)"
expect_sql "the metadata is stored as a JSON object" x "$(by_backend \
	"select json_type(metadata) || '|' || json_extract(metadata, '\$.z[1]') from import_jobs where batch_id = '$id'" \
	"select json_typeof(metadata) || '|' || (metadata -> 'z' ->> 1) from import_jobs where batch_id = '$id'" \
	"select lower(json_type(metadata)) || '|' || json_extract(metadata, '\$.z[1]') from import_jobs where batch_id = '$id'")" \
	"object|2"

import_ok --type=daily --priority=low --max-retries=0 --tag=x "$tmp/daily.csv"
expect "import with --opt=value forms" 0 "$UUID_RE"
created+=("$id")
dbrun --json job "$id"
expect_json "--opt=value forms are stored" "d['priority'] == 'low' and d['max_retries'] == 0 and \
d['import_type'] == 'daily' and d['tags'] == ['x']"

(cd "$tmp" && "$ECL" --db "$DB" import readings.csv >"$tmp/stdout" 2>"$tmp/stderr")
rc=$?
out=$(cat "$tmp/stdout")
err=$(cat "$tmp/stderr")
expect "import of a relative path" 0 "$UUID_RE"
created+=("$out")
dbrun --json job "$out"
expect_json "a relative path is stored absolute" "d['file_path'] == '$tmp/readings.csv'"

run import "$tmp/readings.csv" --db "$DB" --json
expect_json "global options after the command; import --json" \
	"__import__('re').match('$UUID_RE', d['batch_id']) is not None"
created+=("$("$PY" -c 'import json, sys; print(json.load(sys.stdin)["batch_id"])' <<<"$out")")

ECLECTYC_MAX_RETRIES=7 import_ok "$tmp/readings.csv"
created+=("$id")
dbrun --json job "$id"
expect_json "ECLECTYC_MAX_RETRIES sets the default" "d['max_retries'] == 7"
ECLECTYC_MAX_RETRIES=7 import_ok "$tmp/readings.csv" --max-retries 2
created+=("$id")
dbrun --json job "$id"
expect_json "--max-retries overrides ECLECTYC_MAX_RETRIES" "d['max_retries'] == 2"

jobs_before=$(job_count)
dbrun import "$tmp/missing.csv"
expect "import of a missing file exits 1 naming it" 1 "" "$tmp/missing.csv"
dbrun import
expect_usage "import without FILE exits 2" "needs a FILE"
dbrun import ""
expect_usage "import of an empty FILE exits 2" "needs a FILE"
dbrun import "$tmp"
expect "import of a directory exits 1 naming it" 1 "" "$tmp"
dbrun import "$tmp/readings.csv" "$tmp/daily.csv"
expect_usage "import of two files exits 2" "unexpected argument"
dbrun import "$tmp/readings.csv" --type weekly
expect_usage "bad --type exits 2" "'weekly' for --type"
dbrun import "$tmp/readings.csv" --priority urgent
expect_usage "bad --priority exits 2" "'urgent' for --priority"
dbrun import "$tmp/readings.csv" --metadata '{"a":'
expect_usage "malformed --metadata exits 2" "--metadata"
dbrun import "$tmp/readings.csv" --metadata '[1, 2]'
expect_usage "non-object --metadata exits 2" "--metadata.*object"
dbrun import "$tmp/readings.csv" --max-retries 12x
expect_usage "--max-retries 12x exits 2" "'12x' for --max-retries"
dbrun import "$tmp/readings.csv" --max-retries -1
expect_usage "negative --max-retries exits 2" "'-1' for --max-retries"
dbrun import "$tmp/readings.csv" --max-retries 101
expect_usage "--max-retries above the limit exits 2" "'101' for --max-retries"
dbrun import "$tmp/readings.csv" --max-retries " 3"
expect_usage "--max-retries with a space exits 2" "for --max-retries"
dbrun import "$tmp/readings.csv" --max-retries=
expect_usage "empty --max-retries exits 2" "for --max-retries"
dbrun import "$tmp/readings.csv" --max-retries
expect_usage "--max-retries without a value exits 2" "'--max-retries' requires a value"
dbrun import "$tmp/readings.csv" --max-retries 99999999999999999999
expect_usage "huge --max-retries exits 2" "for --max-retries"
dbrun import "$tmp/readings.csv" --user-id -3
expect_usage "negative --user-id exits 2" "'-3' for --user-id"
dbrun import "$tmp/readings.csv" --tag ""
expect_usage "empty --tag exits 2" "--tag"
dbrun import "$tmp/readings.csv" --dry-run=yes
expect_usage "--dry-run with a value exits 2" "'--dry-run' takes no value"
ECLECTYC_MAX_RETRIES=lots dbrun import "$tmp/readings.csv"
expect "bad ECLECTYC_MAX_RETRIES exits 1 naming it" 1 "" "ECLECTYC_MAX_RETRIES"
ECLECTYC_MAX_RETRIES=500 dbrun import "$tmp/readings.csv"
expect "out-of-range ECLECTYC_MAX_RETRIES exits 1" 1 "" "ECLECTYC_MAX_RETRIES"
jobs_after=$(job_count)
if [ "$jobs_before" -eq "$jobs_after" ] && [ "$jobs_after" -eq "${#created[@]}" ]; then
	pass "rejected imports queued nothing"
else
	fail "rejected imports queued nothing" "$jobs_before jobs before, $jobs_after after, ${#created[@]} created"
fi
expect_sql "import_jobs holds exactly the queued jobs" x "select count(*) from import_jobs" "${#created[@]}"

# ---- jobs ------------------------------------------------------------------

total=${#created[@]}
last=${created[$((total - 1))]}
dbrun jobs
expect "jobs prints a table" 0 "^BATCH ID +STATUS +PRIORITY +TYPE +FILENAME +QUEUED AT \\(UTC\\) +RETRIES +ROWS"
rows=$(grep -Ec "^$UUID_PAT +queued " <<<"$out")
if [ "$rows" -eq "$total" ]; then pass "jobs lists every job"; else fail "jobs lists every job" "$rows rows, want $total"; fi
expect "jobs row shows time, retries and rows" 0 \
	"^$first +queued +normal +hh +readings\\.csv +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} +0/3 +0/0/0$"
dbrun jobs --json
expect_json "jobs --json is an array of every job" "isinstance(d, list) and len(d) == $total and \
all('batch_id' in j and 'status' in j for j in d)"
expect_json "jobs are listed newest first" "d[0]['batch_id'] == '$last'"
dbrun --json jobs --limit 2
expect_json "jobs --limit 2" "len(d) == 2"
dbrun --json jobs --limit=0
expect_json "jobs --limit 0 lists all" "len(d) == $total"
dbrun --json jobs --status queued
expect_json "jobs --status queued" "len(d) == $total and all(j['status'] == 'queued' for j in d)"
dbrun --json jobs --status completed
expect_json "jobs --status completed is empty" "d == []"
dbrun jobs --status completed
expect "jobs with no match says so" 0 "^No jobs\\.$"
dbrun --json jobs --priority high
expect_json "jobs --priority high lists the one high job" "len(d) == 1 and d[0]['priority'] == 'high'"
dbrun --json jobs --priority=low --status queued
expect_json "jobs --priority low --status queued" "len(d) == 1 and d[0]['priority'] == 'low' and \
d[0]['status'] == 'queued'"
dbrun --json jobs --priority normal
expect_json "jobs --priority normal lists the rest" "len(d) == $total - 2 and \
all(j['priority'] == 'normal' for j in d)"
dbrun jobs --priority urgent
expect_usage "bad --priority for jobs exits 2" "'urgent' for --priority"
dbrun jobs --status bogus
expect_usage "bad --status exits 2" "'bogus' for --status"
dbrun jobs --limit abc
expect_usage "bad --limit exits 2" "'abc' for --limit"
dbrun jobs --limit -1
expect_usage "negative --limit exits 2" "'-1' for --limit"
dbrun jobs extra
expect_usage "jobs with an argument exits 2" "unexpected argument 'extra'"

# ---- job -------------------------------------------------------------------

dbrun job "$first"
expect "job shows the batch id" 0 "^Batch ID: +$first$"
expect "job shows status and times" 0 "^Status: +queued$"
expect "job shows queued_at in UTC" 0 "^Queued at: +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC$"
expect "job shows the file path" 0 "^File path: +$tmp/readings\\.csv$"
dbrun job "$first" --json
expect_json "job --json" "d['batch_id'] == '$first' and 'progress_percent' in d"
unknown=00000000-0000-4000-8000-000000000000
dbrun job "$unknown"
expect "job of an unknown id exits 1 naming it" 1 "" "$unknown"
dbrun job not-a-uuid
expect "job of a malformed id exits 1" 1 "" "not-a-uuid"
dbrun job
expect_usage "job without an id exits 2" "needs a job ID"
dbrun job "$first" "$unknown"
expect_usage "job with two ids exits 2" "unexpected argument"

# Control characters in what a job holds (the file name comes from an
# upload) reach the terminal only escaped: ESC as "\x1b", a tab as "\x09",
# the C1 CSI U+009B as "\xc2\x9b". In a store of its own (the counts above).
EDB=$(store_uri esc)
run --db "$EDB" migrate
esc_name=$'evil\e[2J\tname\xc2\x9b.csv'
esc_shown='evil\x1b[2J\x09name\xc2\x9b.csv'
cp "$tmp/readings.csv" "$tmp/$esc_name"
# expect_escaped DESC: exit 0 or 1, the escaped name on stdout or stderr,
# and no raw ESC, tab or C1 byte in either.
expect_escaped() {
	if ! grep -qF -- "$esc_shown" <<<"$out$err"; then
		fail "$1" "no $esc_shown"
	elif LC_ALL=C grep -q $'[\e\t]\|\xc2\x9b' <<<"$out$err"; then
		fail "$1" "a raw control character"
	else
		pass "$1"
	fi
}
run --db "$EDB" import "$tmp/$esc_name"
esc_id=$out
run --db "$EDB" jobs
expect_escaped "jobs shows a file name's control characters escaped"
run --db "$EDB" job "$esc_id"
expect_escaped "job shows a file name's control characters escaped"
run --db "$EDB" worker --once
expect_escaped "worker shows a file name's control characters escaped"
run --db "$EDB" import "$tmp/missing-$esc_name"
expect "import of a missing file with control characters exits 1" 1
expect_escaped "an error message shows a file name's control characters escaped"
mkdir "$tmp/esc-daily"
printf 'MPAN,Date,Reading\n1200012345678,2024-01-01,4\n' >"$tmp/esc-daily/$esc_name"
run --db "$EDB" import --now --type daily "$tmp/esc-daily/$esc_name"
expect "import --now of a file named with control characters" 0 "^Imported "
expect_escaped "import --now shows a file name's control characters escaped"

# ---- retry and cancel ------------------------------------------------------

second=${created[1]}
dbrun retry "$first"
expect "retry of a queued job exits 1" 1 "" "queued"
dbrun retry "$first" --delay -5
expect_usage "negative --delay exits 2" "'-5' for --delay"
dbrun retry "$first" --delay 1x
expect_usage "bad --delay exits 2" "'1x' for --delay"
dbrun retry "$unknown"
expect "retry of an unknown id exits 1" 1 "" "$unknown"
dbrun retry
expect_usage "retry without an id exits 2" "needs a job ID"
dbrun cancel "$first"
expect "cancel a queued job" 0 "^Cancelled job $first$"
dbrun --json job "$first"
expect_json "a cancelled job is stored so" "d['status'] == 'cancelled' and \
d['error_message'] == 'Job cancelled by user' and d['completed_at'] is not None"
dbrun cancel "$first"
expect "cancel again exits 1 naming the status" 1 "" "cancelled"
dbrun retry "$first"
expect "retry of a cancelled job exits 1" 1 "" "cancelled"
dbrun --json cancel "$second"
expect_json "cancel --json prints the job" "d['batch_id'] == '$second' and d['status'] == 'cancelled'"
dbrun cancel "$unknown"
expect "cancel of an unknown id exits 1" 1 "" "$unknown"
dbrun cancel
expect_usage "cancel without an id exits 2" "needs a job ID"
dbrun --json jobs --status cancelled
expect_json "jobs --status cancelled" "len(d) == 2"
# A failure with no retries left, forged in the database (a worker-made
# failure is retried in the worker section below).
spent=${created[2]}
sql_exec x "update import_jobs set status = 'failed', completed_at = queued_at, error_message = 'boom',
  last_error = 'boom', error_class = 'permanent' where batch_id = '$spent'"
dbrun retry "$spent" --delay=60
expect "retry of a failed job" 0 "^Requeued job $spent \\(retry 1/1\\), runnable from [0-9-]+ [0-9:]+ UTC$"
dbrun --json job "$spent"
expect_json "a retried job is queued with a retry spent" "d['status'] == 'queued' and \
d['retry_count'] == 1 and d['max_retries'] == 1 and d['retry_at'] is not None and \
d['error_message'] is None and d['completed_at'] is None and d['last_error'] == 'boom'"
expect_sql "retry --delay=60 makes it runnable 60 s from now" x \
	"select case when retry_at between $(sql_ago -50) and $(sql_ago -70) then 'yes' else 'no' end from import_jobs where batch_id = '$spent'" yes
dbrun retry "$spent"
expect "retry of the requeued job exits 1" 1 "" "queued"

# ---- worker ----------------------------------------------------------------

# A database of its own, so the queue holds only what this section puts in it.
WDB=$(store_uri w)
wrun() {
	run --db "$WDB" "$@"
}
"$PY" "$GEN" wide "$tmp/wide.csv" --meters 3 --days 2
"$PY" "$GEN" daily "$tmp/gen_daily.csv" --meters 2 --days 5
wrun migrate
wrun worker --once
expect "worker --once on an empty queue" 0 "^No jobs in queue\\. Exiting\\.$"

wrun import "$tmp/wide.csv"
wide=$out
wrun worker --once --worker-id cli-w1
expect "worker --once processes a queued job" 0 \
	"^Processed 1 job\\(s\\): 1 completed, 0 failed, 0 requeued for retry, 0 cancelled, 0 handed back$"
wrun --json job "$wide"
expect_json "the processed job is completed with its summary" "d['status'] == 'completed' and \
d['worker_id'] == 'cli-w1' and d['summary']['records_imported'] == 6 and d['summary']['records_failed'] == 0 and \
d['processed_rows'] == 6 and d['imported_rows'] == 6 and d['summary']['meta']['format'] == 'hh-matrix'"
wrun job "$wide"
expect "job shows the summary's format" 0 "^  Format: +hh-matrix$"
expect "job shows its one attempt" 0 "^Attempts: +1$"
expect "the attempt names the worker, times and outcome" 0 \
	"^  1 +cli-w1 +[0-9-]+ [0-9:]+ \\.\\. [0-9-]+ [0-9:]+ +completed +6 rows \\(6 imported, 0 failed\\)$"
expect "job shows records imported" 0 "^  Records imported: +6$"
expect "job shows readings inserted" 0 "^  Inserted: +288$"
expect "job shows the error count" 0 "^  Errors: +0$"
want_wide=$("$PY" -c 'import csv, sys
print("%.3f" % sum(float(v) for r in csv.reader(open(sys.argv[1])) if r[0] != "MPAN" for v in r[2:]))' "$tmp/wide.csv")
expect_sql "the readings are stored: count and sum" w \
	"select count(*) || '|' || $(sql_fixed3 "sum(reading_value)") from hh_readings" "288|$want_wide"
expect_sql "three meters were created" w "select count(*) from meters" 3
wrun worker --once
expect "worker --once after the queue emptied" 0 "^No jobs in queue\\. Exiting\\.$"
wrun import "$tmp/wide.csv"
wrun --json worker --once --no-aggregate
expect_json "re-importing the same file completes" "d['claimed'] == 1 and d['completed'] == 1"
wrun --json jobs --limit 1
expect_json "the re-import changes nothing" "d[0]['summary']['inserted'] == 0 and \
d[0]['summary']['updated'] == 0 and d[0]['summary']['unchanged'] == 288"
expect_sql "still 288 readings" w "select count(*) from hh_readings" 288

cp "$tmp/gen_daily.csv" "$tmp/doomed.csv"
wrun import "$tmp/doomed.csv" --type daily
doomed=$out
rm "$tmp/doomed.csv"
wrun worker --once
expect "worker --once fails a job whose file is gone (exit 0)" 0 "^Processed 1 job\\(s\\): 0 completed, 1 failed,"
wrun job "$doomed"
expect "job shows the failed status" 0 "^Status: +failed$"
wrun --json job "$doomed"
expect_json "a missing file is a permanent failure" "d['status'] == 'failed' and \
d['error_class'] == 'permanent' and d['error_message'] is not None and d['retry_count'] == 0"
wrun retry "$doomed"
expect "retry of a job failed by a worker" 0 "^Requeued job $doomed \\(retry 1/"
wrun --json worker --once --worker-id test-worker
expect_json "worker --json reports its counts" "d['worker_id'] == 'test-worker' and \
d['claimed'] == 1 and d['failed'] == 1 and d['completed'] == 0 and d['signal'] is None"
wrun job "$doomed"
expect "a job retried by hand shows both attempts" 0 "^Attempts: +2$"
expect "each failed attempt shows its error class" 0 "^      permanent: "
if [ "$(grep -Ec '^  [12] +[^ ]+ +[0-9-]+ [0-9:]+ \.\. [0-9-]+ [0-9:]+ +failed ' <<<"$out")" -eq 2 ]; then
	pass "both attempts ended failed"
else
	fail "both attempts ended failed" "$out"
fi

for i in 1 2 3; do wrun import "$tmp/gen_daily.csv" --type daily; done
wrun --json worker --once --limit=2
expect_json "worker --once --limit=2 claims two jobs" "d['claimed'] == 2 and d['completed'] == 2"
wrun --json worker --once --limit 5
expect_json "the next worker --once takes the rest" "d['claimed'] == 1 and d['completed'] == 1"
expect_sql "the daily readings are stored once" w "select count(*) from daily_readings" 10

wrun import "$tmp/gen_daily.csv" --type daily --dry-run
dry=$out
wrun worker --once --unknown-meters reject-row --negatives reject --batch-size 7 \
	--month-first --overwrite-actual
expect "worker accepts the import policy options" 0 "1 completed"
wrun --json job "$dry"
expect_json "a dry-run job completes" "d['status'] == 'completed' and d['summary']['dry_run'] is True"
expect_sql "no job is left queued or processing" w \
	"select count(*) from import_jobs where status in ('queued', 'processing')" 0

wrun import "$tmp/gen_daily.csv" --type daily
wrun worker --once --unknown-meters reject-file
expect "worker --unknown-meters reject-file with known meters" 0 "1 completed"

wrun worker --once --limit=0
expect_usage "worker --limit=0 exits 2" "'0' for --limit"
wrun worker --once --limit -2
expect_usage "negative worker --limit exits 2" "'-2' for --limit"
wrun worker --limit 3
expect_usage "worker --limit without --once exits 2" "'--limit' applies only with --once"
wrun worker --once --poll-ms 100
expect_usage "worker --poll-ms with --once exits 2" "'--poll-ms' applies only without --once"
wrun worker --poll-ms soon
expect_usage "bad --poll-ms exits 2" "'soon' for --poll-ms"
wrun worker --once --worker-id ""
expect_usage "empty --worker-id exits 2" "--worker-id"
wrun worker --once --worker-id "$(printf 'w%.0s' {1..200})"
expect_usage "over-long --worker-id exits 2" "--worker-id"
wrun worker --once now
expect_usage "worker with an argument exits 2" "unexpected argument 'now'"
wrun worker --once --unknown-meters sometimes
expect_usage "bad --unknown-meters exits 2" "'sometimes' for --unknown-meters"
wrun worker --once --negatives maybe
expect_usage "bad --negatives exits 2" "'maybe' for --negatives"
wrun worker --once --batch-size 0
expect_usage "--batch-size 0 exits 2" "'0' for --batch-size"
wrun worker --once --batch-size 1000001
expect_usage "--batch-size above the limit exits 2" "'1000001' for --batch-size"
wrun worker --once --month-first=yes
expect_usage "a policy flag given a value exits 2" "'--month-first' takes no value"
ECLECTYC_BATCH_SIZE=lots wrun worker --once
expect "bad ECLECTYC_BATCH_SIZE exits 1 naming it" 1 "" "ECLECTYC_BATCH_SIZE"
ECLECTYC_WORKER_POLL_MS=-5 wrun worker
expect "out-of-range ECLECTYC_WORKER_POLL_MS exits 1 naming it" 1 "" "ECLECTYC_WORKER_POLL_MS"
run --db "$(store_uri unmigrated)" worker --once
expect "worker before migrate tells to run migrate" 1 "" "eclectyc migrate"

# wait_for_line FILE REGEX: wait up to 10 s for a line of FILE to match.
wait_for_line() {
	local i
	for i in $(seq 100); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# A worker idle on an empty queue stops at once on SIGTERM. timeout (which
# forwards the SIGTERM) only guards against a worker that never stops.
timeout -s KILL 20 "$ECL" --db "$WDB" worker --poll-ms 100 >"$tmp/stdout" 2>"$tmp/stderr" &
worker_pid=$!
# Signalled once it says it runs (it catches signals before that), and
# after ~0.5 s of idling. The signal goes to the worker itself, as
# supervisor sends it, not through timeout (which would forward it and
# then signal the whole group as well).
wait_for_line "$tmp/stdout" "^Worker .* started"
sleep 0.5
signalled=$(date +%s%N)
kill -TERM "$(pgrep -P "$worker_pid" | head -n 1)"
wait "$worker_pid"
rc=$?
stop_ms=$((($(date +%s%N) - signalled) / 1000000))
out=$(cat "$tmp/stdout")
err=$(cat "$tmp/stderr")
expect "worker exits 0 on SIGTERM" 0 "^Received SIGTERM, shutting down gracefully\\.\\.\\.$"
expect "worker prints its counts after SIGTERM" 0 "^Processed 0 job\\(s\\):"
if [ "$stop_ms" -lt 3000 ]; then pass "worker stops within 3 s of SIGTERM"; else fail "worker stops within 3 s of SIGTERM" "took $stop_ms ms"; fi

# SIGTERM in the middle of a job: the job is handed back at its checkpoint
# without spending a retry, and the next worker resumes it.
"$PY" "$GEN" wide "$tmp/long.csv" --meters 40 --days 300
wrun import "$tmp/long.csv"
long=$out
timeout -s KILL 30 "$ECL" --db "$WDB" worker --poll-ms 100 --batch-size 1 \
	>"$tmp/stdout" 2>"$tmp/stderr" &
worker_pid=$!
# Wait until a batch of the job is committed, then stop the worker.
for _ in $(seq 500); do
	[ "$(sql w "select case when status <> 'queued' and (status <> 'processing' or checkpoint > 0)
		then 'yes' else 'no' end from import_jobs where batch_id = '$long'")" = yes ] && break
	sleep 0.01
done
kill -TERM "$(pgrep -P "$worker_pid" | head -n 1)"
wait "$worker_pid"
rc=$?
out=$(cat "$tmp/stdout")
err=$(cat "$tmp/stderr")
if grep -q "1 completed" <<<"$out"; then
	echo "skip - SIGTERM during a job: the job finished before the signal"
else
	expect "SIGTERM during a job hands it back" 0 "^Processed 1 job\\(s\\): .*1 handed back$"
	wrun --json job "$long"
	expect_json "the handed-back job is queued at its checkpoint" "d['status'] == 'queued' and \
d['retry_count'] == 0 and 0 < d['checkpoint'] < 12000"
	wrun worker --once
	expect "the next worker completes the handed-back job" 0 "1 completed"
fi
wrun --json job "$long"
# 2026-03-29 (clocks go forward) has 46 periods: its 48-value rows fail.
expect_json "the resumed job counts every row once" "d['status'] == 'completed' and \
d['summary']['records_processed'] == 12000 and d['processed_rows'] == 12000 and \
d['summary']['records_failed'] == 40"
expect_sql "every reading of the long file is stored once" w \
	"select count(*) from hh_readings where reading_date between '2025-11-07' and '2026-09-02'" \
	"$((40 * 299 * 48))"

# ---- import --now ----------------------------------------------------------

jobs_before=$(wrun --json jobs --limit 0; "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)))' <<<"$out")
wrun import "$tmp/gen_daily.csv" --type daily --now
expect "import --now prints the summary" 0 "^Imported $tmp/gen_daily\\.csv$"
expect "import --now shows the format" 0 "^Format: +daily$"
expect "import --now shows records imported" 0 "^Records imported: +10$"
expect "import --now shows the batch id" 0 "^Batch ID: +$UUID_PAT$"
wrun --json import "$tmp/gen_daily.csv" --type daily --now
expect_json "import --now --json is the summary" "d['records_imported'] == 10 and \
d['records_processed'] == 10 and d['unchanged'] == 10 and d['inserted'] == 0 and \
d['meta']['format'] == 'daily' and d['dry_run'] is False"
wrun --json import "$tmp/wide.csv" --now --dry-run
expect_json "import --now --dry-run" "d['dry_run'] is True and d['records_imported'] == 6"
wrun import "$tmp/wide.csv" --now --dry-run
expect "import --now --dry-run says nothing was written" 0 "dry run: nothing was written"
jobs_after=$(wrun --json jobs --limit 0; "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)))' <<<"$out")
if [ "$jobs_before" -eq "$jobs_after" ]; then pass "import --now queues no job"; else fail "import --now queues no job" "$jobs_before jobs before, $jobs_after after"; fi
(cd "$tmp" && "$ECL" --db "$WDB" import gen_daily.csv --type daily --now >"$tmp/stdout" 2>"$tmp/stderr")
rc=$?
out=$(cat "$tmp/stdout")
err=$(cat "$tmp/stderr")
expect "import --now of a relative path" 0 "^Records imported: +10$"

printf 'MPAN,Date,Reading\n1200012345678,2024-01-01,4\n1200012345678,notadate,5\n1200012345678,2024-01-02,-5\n' >"$tmp/mixed.csv"
wrun import "$tmp/mixed.csv" --type daily --now --negatives reject
expect "import --now with failed rows exits 0 with a warning" 0 "^Records failed: +2$" "warning: 2 of 3 rows failed"
expect "import --now lists row errors with line numbers" 0 "^  Row 2 \\(line 3\\): .*notadate"
wrun --json import "$tmp/mixed.csv" --type daily --now
expect_json "import --now --json with a failed row" "d['records_failed'] == 1 and d['error_count'] == 1 \
and d['successful'] is False and d['negative_values'] == 1"

printf 'MPAN,Date,Reading\n1900000000017,2024-01-01,4\n' >"$tmp/stranger.csv"
wrun --json import "$tmp/stranger.csv" --type daily --now --unknown-meters reject-row
expect_json "--unknown-meters reject-row fails the row" "d['records_failed'] == 1 and d['meters_created'] == 0"
wrun import "$tmp/stranger.csv" --type daily --now --unknown-meters reject-file
expect "--unknown-meters reject-file exits 1" 1 "" "1900000000017"

printf 'MPAN,Reading\n1200012345678,4\n' >"$tmp/nodate.csv"
wrun import "$tmp/nodate.csv" --type daily --now
expect "import --now of a file without a date column exits 1 naming it" 1 "" "date column"
wrun import "$tmp/missing.csv" --now
expect "import --now of a missing file exits 1 naming it" 1 "" "$tmp/missing.csv"

wrun import "$tmp/gen_daily.csv" --negatives reject
expect_usage "a policy option without --now exits 2" "'--negatives' applies only to 'import --now' and to 'worker'"
wrun import "$tmp/gen_daily.csv" --batch-size 10
expect_usage "--batch-size without --now exits 2" "'--batch-size' applies only to 'import --now'"
wrun import "$tmp/gen_daily.csv" --now --priority high
expect_usage "a queue option with --now exits 2" "'--priority' applies only to a queued import"
wrun import "$tmp/gen_daily.csv" --now --tag x
expect_usage "--tag with --now exits 2" "'--tag' applies only to a queued import"
wrun import "$tmp/gen_daily.csv" --now --unknown-meters never
expect_usage "bad --unknown-meters with --now exits 2" "'never' for --unknown-meters"
wrun import "$tmp/gen_daily.csv" --now=yes
expect_usage "--now with a value exits 2" "'--now' takes no value"
ECLECTYC_BATCH_SIZE=0 wrun import "$tmp/gen_daily.csv" --type daily --now
expect "out-of-range ECLECTYC_BATCH_SIZE exits 1 for import --now" 1 "" "ECLECTYC_BATCH_SIZE"
ECLECTYC_BATCH_SIZE=3 wrun --json import "$tmp/gen_daily.csv" --type daily --now
expect_json "ECLECTYC_BATCH_SIZE is accepted" "d['records_imported'] == 10"

# ---- aggregate -------------------------------------------------------------

# A database of its own, so meter ids and totals are known exactly.
ADB=$(store_uri agg)
arun() {
	run --db "$ADB" "$@"
}
# f3 EXPR: EXPR with three decimals, in the store's dialect.
f3() {
	sql_fixed3 "$1"
}
# The meters of tests/gen_readings.py, so its files add days to the same two.
MA=1600000000000
MB=1600000079190
# Hand-computable: 2025-11-10 is a 48-period GMT day (local time = UTC).
# Meter A reads p/10 kWh in period p, meter B 0.5 in each.
# The peak window 07:00-23:00 by period start is periods 15..47 (33 periods).
#   A: total = (1+...+48)/10 = 1176/10 = 117.6; peak = (15+...+47)/10 =
#      (15+47)*33/2/10 = 102.3; off-peak = 117.6 - 102.3 = 15.3; min 0.1, max 4.8
#   B: total = 48*0.5 = 24.0; peak = 33*0.5 = 16.5; off-peak = 7.5; min = max = 0.5
"$PY" - "$tmp/two.csv" "$MA" "$MB" <<'PYEOF'
import sys
path, a, b = sys.argv[1:]
with open(path, "w") as f:
    f.write("MPAN,Date," + ",".join("HH%02d" % p for p in range(1, 49)) + "\n")
    f.write(a + ",2025-11-10," + ",".join("%.1f" % (p / 10) for p in range(1, 49)) + "\n")
    f.write(b + ",2025-11-10," + ",".join(["0.5"] * 48) + "\n")
PYEOF
arun aggregate --date 2025-11-10
expect "aggregate before migrate tells to run migrate" 1 "" "eclectyc migrate"
arun migrate
arun import "$tmp/two.csv" --now
expect "import --now of the two meters" 0 "^Records imported: +2$"
# Rows are shown by MPAN (meter ids are the store's business).
DAILY_Q="select m.mpan, d.date, $(f3 total_consumption) || '|' || $(f3 peak_consumption) || '|' ||
 $(f3 off_peak_consumption) || '|' || $(f3 min_reading) || '|' || $(f3 max_reading), reading_count
 from daily_aggregations d join meters m on m.id = d.meter_id where d.date = '2025-11-10' order by m.mpan"
DAILY_WANT="$MA|2025-11-10|117.600|102.300|15.300|0.100|4.800|48
$MB|2025-11-10|24.000|16.500|7.500|0.500|0.500|48"
expect_sql "import --now does not aggregate" agg "select count(*) from daily_aggregations" 0
arun aggregate --date 2025-11-10
expect "aggregate (daily) prints one line for the range" 0 \
	"^daily 2025-11-10\\.\\.2025-11-10: completed, 2 meters, 2 written, 0 unchanged, 0 removed, 0 errors, 0 warnings \\([0-9]+\\.[0-9]{3} s\\) exec_[0-9a-f-]+$"
if [ "$(wc -l <<<"$out")" -eq 1 ]; then pass "aggregate runs daily by default"; else fail "aggregate runs daily by default" "more than one line"; fi
expect_sql "daily totals, peak and off-peak are as computed by hand" agg "$DAILY_Q" "$DAILY_WANT"
arun aggregate --all --date 2025-11-10
expect "aggregate --all: daily re-run leaves the rows unchanged" 0 \
	"^daily 2025-11-10\\.\\.2025-11-10: completed, 2 meters, 0 written, 2 unchanged, 0 removed, 0 errors"
expect "aggregate --all: the ISO week" 0 "^weekly 2025-11-10\\.\\.2025-11-16: completed, 2 meters, 2 written,"
expect "aggregate --all: the month" 0 "^monthly 2025-11-01\\.\\.2025-11-30: completed, 2 meters, 2 written,"
expect "aggregate --all: the year" 0 "^annual 2025-01-01\\.\\.2025-12-31: completed, 2 meters, 2 written,"
if [ "$(cut -d' ' -f1 <<<"$out" | tr '\n' ' ')" = "daily weekly monthly annual " ]; then
	pass "aggregate --all runs daily, weekly, monthly, annual in order"
else
	fail "aggregate --all runs daily, weekly, monthly, annual in order" "wrong order"
fi
expect_sql "weekly, monthly and annual rows hold the day's totals" agg \
	"select x, m.mpan, s, e, $(f3 t) || '|' || $(f3 p) || '|' || $(f3 o), dc, rc from (
	 select 'w' x, meter_id, week_start s, week_end e, total_consumption t, peak_consumption p, off_peak_consumption o, day_count dc, reading_count rc from weekly_aggregations
	 union all select 'm', meter_id, month_start, month_end, total_consumption, peak_consumption, off_peak_consumption, day_count, reading_count from monthly_aggregations
	 union all select 'y', meter_id, year_start, year_end, total_consumption, peak_consumption, off_peak_consumption, day_count, reading_count from annual_aggregations) a
	 join meters m on m.id = a.meter_id order by 1, 2" \
	"m|$MA|2025-11-01|2025-11-30|117.600|102.300|15.300|1|48
m|$MB|2025-11-01|2025-11-30|24.000|16.500|7.500|1|48
w|$MA|2025-11-10|2025-11-16|117.600|102.300|15.300|1|48
w|$MB|2025-11-10|2025-11-16|24.000|16.500|7.500|1|48
y|$MA|2025-01-01|2025-12-31|117.600|102.300|15.300|1|48
y|$MB|2025-01-01|2025-12-31|24.000|16.500|7.500|1|48"
arun aggregate --range annual --range daily --range=daily --date 2025-11-10
if [ "$rc" -eq 0 ] && [ "$(cut -d' ' -f1 <<<"$out" | tr '\n' ' ')" = "daily annual " ]; then
	pass "repeated --range runs each range once, daily first"
else
	fail "repeated --range runs each range once, daily first" "got $(cut -d' ' -f1 <<<"$out" | tr '\n' ' ')"
fi
arun aggregate --range all --date 2025-11-10
if [ "$rc" -eq 0 ] && [ "$(wc -l <<<"$out")" -eq 4 ]; then pass "--range all is --all"; else fail "--range all is --all" "not four ranges"; fi
arun --json aggregate --all --date 2025-11-10
expect_json "aggregate --json is an array of the four reports" "isinstance(d, list) and \
[r['range'] for r in d] == ['daily', 'weekly', 'monthly', 'annual'] and \
all(r['status'] == 'completed' and r['meters_processed'] == 2 and r['errors'] == 0 and \
r['execution_id'].startswith('exec_') and r['target_date'] == '2025-11-10' for r in d)"
json_out=$out
arun aggregate --date 2025-11-10 --json
expect_json "aggregate --json after the command" "len(d) == 1 and d[0]['rows_unchanged'] == 2"

# Three more days of the same two meters: --from/--to aggregates each day.
"$PY" "$GEN" wide "$tmp/three.csv" --meters 2 --days 3 --start 2025-11-12
arun import "$tmp/three.csv" --now
arun aggregate --from 2025-11-12 --to 2025-11-14
expect "aggregate --from/--to covers every day" 0 \
	"^daily 2025-11-12\\.\\.2025-11-14: completed, 2 meters, 6 written, 0 unchanged, 0 removed, 0 errors, 0 warnings"
expect_sql "--from/--to wrote the 6 daily rows" agg \
	"select count(*) from daily_aggregations where date between '2025-11-12' and '2025-11-14'" 6
want=$("$PY" -c 'import csv, sys
print("%.3f" % sum(float(v) for r in csv.reader(open(sys.argv[1])) if r[0] != "MPAN" for v in r[2:]))' "$tmp/three.csv")
expect_sql "--from/--to daily totals add up to the file's values" agg \
	"select $(f3 "sum(total_consumption)") from daily_aggregations where date between '2025-11-12' and '2025-11-14'" "$want"
arun aggregate --range weekly --from 2025-11-12 --to 2025-11-14
expect "weekly --from/--to within one week" 0 "^weekly 2025-11-10\\.\\.2025-11-16: completed, 2 meters, 2 written, 0 unchanged,"
expect_sql "the week now holds four days" agg \
	"select $(sql_list day_count) from weekly_aggregations where week_start = '2025-11-10'" "4,4"
expect_sql "every run so far is recorded as completed" agg \
	"select distinct status from scheduler_executions" "completed"

# A fault in one meter's insert: the run is partial, the other meter committed.
# (SQLite: RAISE(ABORT), a constraint error; PostgreSQL: the same class,
# SQLSTATE 23514, which the backend treats as a data fault of one meter;
# MySQL: SIGNAL, likewise a data fault there.)
MB_ID="(select id from meters where mpan = '$MB')"
sql_exec agg "delete from daily_aggregations where date = '2025-11-10'"
sql_exec agg "$(by_backend "CREATE TRIGGER fault BEFORE INSERT ON daily_aggregations
WHEN NEW.meter_id = $MB_ID BEGIN SELECT RAISE(ABORT, 'injected'); END;" \
"CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS \$f\$ BEGIN
  IF NEW.meter_id = $MB_ID THEN RAISE EXCEPTION 'injected' USING ERRCODE = '23514'; END IF;
  RETURN NEW; END \$f\$;
CREATE TRIGGER fault BEFORE INSERT ON daily_aggregations FOR EACH ROW EXECUTE FUNCTION fault();" \
"DELIMITER //
CREATE TRIGGER fault BEFORE INSERT ON daily_aggregations FOR EACH ROW BEGIN
  IF NEW.meter_id = $MB_ID THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected'; END IF; END//
DELIMITER ;")"
arun aggregate --date 2025-11-10 --verbose
expect "a partial run exits 1" 1 \
	"^daily 2025-11-10\\.\\.2025-11-10: partial, 1 meters, 1 written, 0 unchanged, 0 removed, 1 errors, 0 warnings" \
	"daily aggregation partial: 1 meter\\(s\\) failed.*injected"
expect "aggregate --verbose prints the meter's error indented" 1 "^  Meter $MB .*injected"
expect_sql "the partial run kept the other meter's row" agg \
	"select $(sql_list m.mpan) from daily_aggregations d join meters m on m.id = d.meter_id where d.date = '2025-11-10'" "$MA"
expect_sql "the partial run is recorded with its error" agg \
	"select range_type, status, error_count, meters_processed from scheduler_executions order by id desc limit 1" \
	"daily|partial|1|1"
arun --json aggregate --all --date 2025-11-10
if [ "$rc" -eq 1 ] && json_true "[r['status'] for r in d] == ['partial', 'completed', 'completed', 'completed'] and d[0]['errors'] == 1 and 'injected' in d[0]['error_message']"; then
	pass "aggregate --all --json with a partial range: exit 1, every range run"
else
	fail "aggregate --all --json with a partial range: exit 1, every range run" "wrong exit or JSON"
fi
sql_exec agg "$(by_backend "DROP TRIGGER fault" "DROP TRIGGER fault ON daily_aggregations; DROP FUNCTION fault()" \
	"DROP TRIGGER fault")"
arun aggregate --date 2025-11-10
expect "the repaired run completes" 0 "^daily .*: completed, 2 meters, 1 written, 1 unchanged,"
expect_sql "scheduler_executions holds completed and partial runs" agg \
	"select distinct status from scheduler_executions order by 1" "completed
partial"

ECLECTYC_PEAK_START=00:00 ECLECTYC_PEAK_END=23:30 arun aggregate --date 2025-11-10
expect "a peak window from the configuration" 0 "2 written"
expect_sql "ECLECTYC_PEAK_START/END set the peak window" agg \
	"select $(f3 peak_consumption) || '|' || $(f3 off_peak_consumption) from daily_aggregations d join meters m on m.id = d.meter_id where d.date = '2025-11-10' order by m.mpan" \
	"117.600|0.000
24.000|0.000"
ECLECTYC_PEAK_START=25:00 arun aggregate --date 2025-11-10
expect "ECLECTYC_PEAK_START=25:00 exits 1 naming it" 1 "" "ECLECTYC_PEAK_START=25:00 is not a time of day"
ECLECTYC_PEAK_END=7pm arun aggregate --date 2025-11-10
expect "ECLECTYC_PEAK_END=7pm exits 1 naming it" 1 "" "ECLECTYC_PEAK_END=7pm"
ECLECTYC_PEAK_START=20:00 ECLECTYC_PEAK_END=08:00 arun aggregate --date 2025-11-10
expect "a peak start after its end exits 1" 1 "" "ECLECTYC_PEAK_START=20:00 is after ECLECTYC_PEAK_END=08:00"
arun aggregate --date 2025-11-10
expect_sql "the default peak window again" agg "$DAILY_Q" "$DAILY_WANT"

runs_before=$(sql agg "select count(*) from scheduler_executions")
arun aggregate --range hourly
expect_usage "aggregate --range hourly exits 2" "'hourly' for --range"
arun aggregate --from 2025-11-12
expect_usage "--from without --to exits 2" "'--from' and '--to' go together"
arun aggregate --to 2025-11-12
expect_usage "--to without --from exits 2" "'--from' and '--to' go together"
arun aggregate --date 2025-11-10 --from 2025-11-12 --to 2025-11-14
expect_usage "--date with --from exits 2" "'--date' cannot be used with"
arun aggregate --from 2025-11-14 --to 2025-11-12
expect_usage "--from after --to exits 2" "--from 2025-11-14 is after --to 2025-11-12"
arun aggregate --date 2025-02-30
expect_usage "an impossible --date exits 2" "'2025-02-30' for --date"
arun aggregate --date 10/11/2025
expect_usage "a --date not YYYY-MM-DD exits 2" "'10/11/2025' for --date"
arun aggregate --date ""
expect_usage "an empty --date exits 2" "for --date"
arun aggregate --all=yes
expect_usage "--all with a value exits 2" "'--all' takes no value"
arun aggregate daily
expect_usage "aggregate with an argument exits 2" "unexpected argument 'daily'"
arun aggregate --date 1900-01-01
expect "a date outside the library's years exits 1 naming it" 1 "" "1900-01-01"
expect_sql "refused runs record nothing" agg "select count(*) from scheduler_executions" "$runs_before"

# ---- worker re-aggregation -------------------------------------------------

RDB=$(store_uri reagg)
run --db "$RDB" migrate
run --db "$RDB" import "$tmp/two.csv"
ECLECTYC_PEAK_START=00:00 ECLECTYC_PEAK_END=23:30 run --db "$RDB" worker --once
expect "worker --once with re-aggregation completes the job" 0 "1 completed"
expect_sql "the worker re-aggregated the imported day with the configured peak window" reagg \
	"select m.mpan, $(f3 total_consumption) || '|' || $(f3 peak_consumption) from daily_aggregations d join meters m on m.id = d.meter_id order by m.mpan" \
	"$MA|117.600|117.600
$MB|24.000|24.000"
expect_sql "the worker rolled the day up into every range" reagg \
	"select '' || (select count(*) from weekly_aggregations) || (select count(*) from monthly_aggregations) || (select count(*) from annual_aggregations)" "222"
expect_sql "the worker's runs are recorded with trigger import" reagg \
	"select distinct trigger_source || ':' || status from scheduler_executions" "import:completed"
run --db "$RDB" --json jobs --limit 1
expect_json "the job summary holds the aggregation outcome" "d[0]['summary'].get('aggregation') is not None"
NDB=$(store_uri noagg)
run --db "$NDB" migrate
run --db "$NDB" import "$tmp/two.csv"
run --db "$NDB" worker --once --no-aggregate
expect "worker --once --no-aggregate completes the job" 0 "1 completed"
expect_sql "worker --no-aggregate leaves no aggregation rows" noagg \
	"select (select count(*) from daily_aggregations) + (select count(*) from scheduler_executions)" 0
run --db "$NDB" import "$tmp/three.csv"
ECLECTYC_AGGREGATE_AFTER_IMPORT=0 run --db "$NDB" worker --once
expect "worker with ECLECTYC_AGGREGATE_AFTER_IMPORT=0 completes the job" 0 "1 completed"
expect_sql "ECLECTYC_AGGREGATE_AFTER_IMPORT=0 leaves no aggregation rows" noagg \
	"select count(*) from daily_aggregations" 0
ECLECTYC_AGGREGATE_AFTER_IMPORT=maybe run --db "$NDB" worker --once
expect "bad ECLECTYC_AGGREGATE_AFTER_IMPORT exits 1 naming it" 1 "" "ECLECTYC_AGGREGATE_AFTER_IMPORT"
ECLECTYC_PEAK_START=24:00 run --db "$NDB" worker --once
expect "a bad peak window stops the worker before it starts" 1 "" "ECLECTYC_PEAK_START=24:00"
ECLECTYC_PEAK_START=24:00 run --db "$NDB" worker --once --no-aggregate
expect "--no-aggregate ignores the peak window" 0 "No jobs in queue"
run --db "$NDB" worker --once --no-aggregate=1
expect_usage "--no-aggregate with a value exits 2" "'--no-aggregate' takes no value"

# ---- quality ---------------------------------------------------------------

# 2025-11-11: meter A misses periods 5, 6 and 12 (45 of 48 readings), all
# its other values 1.0; meter B is complete at 0.5.
"$PY" - "$tmp/gaps.csv" "$MA" "$MB" <<'PYEOF'
import sys
path, a, b = sys.argv[1:]
values = ["" if p in (5, 6, 12) else "1" for p in range(1, 49)]
with open(path, "w") as f:
    f.write("MPAN,Date," + ",".join("HH%02d" % p for p in range(1, 49)) + "\n")
    f.write(a + ",2025-11-11," + ",".join(values) + "\n")
    f.write(b + ",2025-11-11," + ",".join(["0.5"] * 48) + "\n")
PYEOF
arun import "$tmp/gaps.csv" --now
arun quality --date 2025-11-11
expect "quality prints the reference's lines" 0 "^Running data quality checks for 2025-11-11$"
expect "quality says how many meters it checks" 0 "^Checking 2 meters\\.\\.\\.$"
expect "quality ends with the meters with issues" 0 "^Meters with issues: 1$"
expect "quality says the check is complete" 0 "^Data quality check complete\\.$"
if grep -q "Missing periods" <<<"$out"; then fail "quality without --verbose has no detail" "detail printed"; else pass "quality without --verbose has no detail"; fi
issues=$(sql agg "select count(*) from data_quality_issues")
arun quality --date 2025-11-11 --verbose
expect "quality --verbose lists the missing periods as ranges" 0 "^    Missing periods \\(3\\): 5-6,12$"
expect "quality --verbose shows completeness" 0 "^  Meter $MA: 93\\.75% complete \\(45 of 48 expected readings, hh\\)$"
expect "quality --verbose shows a clean meter" 0 "^  Meter $MB: 100\\.00% complete .*no issues$"
arun --json quality --date 2025-11-11
expect_json "quality --json lists only meters with issues" "d['date'] == '2025-11-11' and \
d['meters_checked'] == 2 and d['meters_with_issues'] == 1 and len(d['meters']) == 1 and \
d['meters'][0]['mpan'] == '$MA' and d['meters'][0]['missing_periods'] == [5, 6, 12] and \
d['meters'][0]['actual'] == 45 and d['meters'][0]['expected'] == 48"
arun --json quality --date 2025-11-11 --verbose
expect_json "quality --json --verbose lists every meter" "len(d['meters']) == 2"
if [ "$issues" -ge 1 ] && [ "$(sql agg "select count(*) from data_quality_issues")" -eq "$issues" ]; then
	pass "re-running quality leaves the same data_quality_issues rows ($issues)"
else
	fail "re-running quality leaves the same data_quality_issues rows" "$issues before"
fi
expect_sql "the missing periods are stored" agg \
	"select issue_type, $(by_backend "json_extract(issue_data, '\$.missing_periods')" "(issue_data -> 'missing_periods')::text" \
		"replace(json_extract(issue_data, '\$.missing_periods'), ' ', '')")
	 from data_quality_issues q join meters m on m.id = q.meter_id where m.mpan = '$MA' and issue_type = 'missing_data'" \
	"missing_data|[5,6,12]"
arun quality --date 2025-11-11 --meter "$MB"
expect "quality --meter checks one meter" 0 "^Checking 1 meters\\.\\.\\.$"
expect "quality --meter of a clean meter" 0 "^Meters with issues: 0$"
arun quality --date 2025-11-11 --meter 1900000000017
expect "quality --meter of an unknown meter exits 1 naming it" 1 "" "1900000000017"
arun quality --date 2025-13-01
expect_usage "quality with an impossible --date exits 2" "'2025-13-01' for --date"
arun quality --meter ""
expect_usage "quality with an empty --meter exits 2" "--meter"
arun quality 2025-11-11
expect_usage "quality with an argument exits 2" "unexpected argument '2025-11-11'"
run --db "$(store_uri unmigrated)" quality
expect "quality before migrate tells to run migrate" 1 "" "eclectyc migrate"

# ---- configuration ---------------------------------------------------------

# (Single-quoted: taken literally, whatever the URI holds.)
printf "# test configuration\nECLECTYC_DB='%s'\n" "$(store_uri env)" >"$tmp/app.env"
run --env-file "$tmp/app.env" migrate
expect "--env-file ECLECTYC_DB is honoured" 0 "^Schema at version"
if store_exists env; then pass "--env-file database created"; else fail "--env-file database created" "no store $(store_uri env)"; fi
run --env-file="$tmp/app.env" --json jobs
expect_json "--env-file database is the one used" "d == []"
run --env-file "$tmp/app.env" --db "$DB" --json jobs --limit 0
expect_json "--db overrides --env-file" "len(d) == $total"
ENVVAR_DB=$(store_uri envvar)
ECLECTYC_DB=$ENVVAR_DB run migrate
expect "ECLECTYC_DB from the environment" 0 "^Schema at version"
ECLECTYC_DB=$ENVVAR_DB run import "$tmp/readings.csv"
ECLECTYC_DB=$ENVVAR_DB run --env-file "$tmp/app.env" --json jobs
expect_json "the environment overrides --env-file" "len(d) == 1"
run --env-file "$tmp/nope.env" jobs
expect "missing --env-file exits 1 naming it" 1 "" "nope\\.env"
printf 'this is not a setting\n' >"$tmp/bad.env"
run --env-file "$tmp/bad.env" jobs
expect "malformed --env-file exits 1" 1 "" "bad\\.env"
if [ "$STORE_KIND" = sqlite ]; then
	(cd "$tmp/cwd" && "$ECL" migrate >/dev/null 2>&1)
	if [ -f "$tmp/cwd/eclectyc.db" ]; then pass "default database is sqlite://eclectyc.db"; else fail "default database is sqlite://eclectyc.db" "no eclectyc.db"; fi
fi
ECLECTYC_LOG_LEVEL=loud dbrun jobs
expect "bad ECLECTYC_LOG_LEVEL exits 1" 1 "" "loud"
ECLECTYC_LOG_LEVEL=debug dbrun jobs --limit 1
expect "valid ECLECTYC_LOG_LEVEL is accepted" 0
ECLECTYC_BUSY_TIMEOUT_MS=soon dbrun jobs
expect "bad ECLECTYC_BUSY_TIMEOUT_MS exits 1 naming it" 1 "" "ECLECTYC_BUSY_TIMEOUT_MS"
ECLECTYC_RETRY_JITTER_PERCENT=250 dbrun jobs
expect "out-of-range ECLECTYC_RETRY_JITTER_PERCENT exits 1" 1 "" "ECLECTYC_RETRY_JITTER_PERCENT"
run --db "nosuch://localhost/db" jobs
expect "unsupported --db scheme exits 1" 1 "" "nosuch"
if [ -w /dev/full ]; then
	"$ECL" --db "$DB" jobs >/dev/full 2>"$tmp/stderr"
	rc=$?
	err=$(cat "$tmp/stderr")
	out=""
	expect "a failed write exits 1" 1 "" "cannot write"
fi

# check_unreachable SCHEME USER QUERY HOST-PORT-REGEX: connection errors
# name the server (host and port, an unknown host), never the password.
check_unreachable() {
	run --db "$1://$2@127.0.0.1:1/nosuchdb$3" jobs
	expect "an unreachable server exits 1 naming host and port" 1 "" "$4"
	run --db "$1://$2:sekrit-pw@127.0.0.1:1/nosuchdb$3" jobs
	if [ "$rc" -eq 1 ] && ! grep -q "sekrit-pw" <<<"$out$err"; then
		pass "an unreachable server: the password is never printed"
	else
		fail "an unreachable server: the password is never printed" "exit $rc or printed"
	fi
	run --db "$1://$2@no-such-host.invalid/nosuchdb$3" jobs
	expect "an unknown host exits 1 naming it" 1 "" "no-such-host\\.invalid"
}

# PostgreSQL only: connection errors name the server, never the password.
if [ "$STORE_KIND" = pgsql ]; then
	check_unreachable postgresql postgres "?connect_timeout=2" "127\\.0\\.0\\.1.*1|port 1"
	# The real server, a database that does not exist, a password in the URI.
	wrong=$("$PY" -c 'import sys, urllib.parse as u
b = sys.argv[1]
if "://" in b:
    p = u.urlsplit(b)
    host = p.netloc.rsplit("@", 1)[-1]
    user = u.unquote(p.username or "postgres")
    print(u.urlunsplit((p.scheme, "%s:sekrit-pw@%s" % (u.quote(user), host), "/ecl_no_such_db", p.query, "")))
else:
    print(b + " password=sekrit-pw dbname=ecl_no_such_db")' "$STORE_PG_BASE")
	run --db "$wrong" jobs
	expect "a database that does not exist exits 1 naming it" 1 "" "ecl_no_such_db"
	if grep -q "sekrit-pw" <<<"$out$err"; then fail "a server-side error: the password is never printed" "printed"; else pass "a server-side error: the password is never printed"; fi
fi

# MySQL only: the same, and a database that does not exist yet is one that
# migrate would create.
if [ "$STORE_KIND" = mysql ]; then
	check_unreachable mysql ecl "" "127\\.0\\.0\\.1:1"
	# The real server with a wrong password: refused, the password not printed.
	wrong="${STORE_MY_BASE%%//*}//$(sed 's/:[^:@]*@/:sekrit-pw@/' <<<"${STORE_MY_BASE#*//}")/ecl_no_such_db"
	run --db "$wrong" jobs
	expect "a wrong password exits 1" 1 "" "denied"
	if grep -q "sekrit-pw" <<<"$out$err"; then fail "a refused login: the password is never printed" "printed"; else pass "a refused login: the password is never printed"; fi
	run --db "$STORE_MY_BASE/ecl_no_such_db" jobs
	expect "a database that does not exist exits 1 saying to migrate" 1 "" "eclectyc migrate"
	if [ "$(_store_server_sql "select count(*) from information_schema.schemata
		where schema_name = 'ecl_no_such_db'")" = 0 ]; then
		pass "a database that does not exist is not created but by migrate"
	else
		fail "a database that does not exist is not created but by migrate" "it exists"
	fi
fi

# ---- monitor ---------------------------------------------------------------

# A database of its own: the health depends on every job in it.
MDB=$(store_uri monitor)
mrun() {
	run --db "$MDB" "$@"
}
mrun migrate
mrun monitor
expect "monitor on an empty queue is healthy (exit 0)" 0 "^System Status: HEALTHY$"
expect "monitor says there are no alerts" 0 "^No alerts\\.$"
expect "monitor ends with 'Monitoring complete.'" 0 "^Monitoring complete\\.$"
mrun monitor --verbose
expect "monitor --verbose prints the metrics" 0 "^Performance Metrics \\(Last 24 hours\\):$"
for word in "Jobs Completed: 0" "Avg Duration: 0\\.0 seconds" "Total Rows Imported: 0" \
            "Avg Rows/Job:" "Queue depth \\(due\\): 0" "Queued: 0" "Waiting for retry: 0" \
            "Processing: 0" "Import success rate:" "Retry rate:" "Row failure ratio:" \
            "Retry Statistics \\(Last 24 hours\\):" "Eventually Succeeded: 0"; do
	if grep -Eq -- "$word" <<<"$out"; then pass "monitor --verbose shows '$word'"; else fail "monitor --verbose shows '$word'" "missing"; fi
done
mrun --json monitor
expect_json "monitor --json on an empty queue" "d['status'] == 'healthy' and d['alerts'] == [] and \
d['stuck_jobs'] == [] and d['metrics']['queue_depth'] == 0"
mrun monitor --bogus
expect "a monitor usage error exits 3 (2 means critical)" 3 "" "unknown option '--bogus'"
mrun monitor now
expect "monitor with an argument exits 3" 3 "" "unexpected argument 'now'"
run --db "$(store_uri unmigrated_m)" monitor
expect "monitor before migrate exits 3" 3 "" "eclectyc migrate"
ECLECTYC_FAILURE_RATE_WARNING=lots mrun monitor
expect "a bad ECLECTYC_FAILURE_RATE_WARNING exits 3 naming it" 3 "" "ECLECTYC_FAILURE_RATE_WARNING=lots"
ECLECTYC_FAILURE_RATE_WARNING=60 mrun monitor
expect "a warning rate above the critical one exits 3" 3 "" "ECLECTYC_FAILURE_RATE_CRITICAL"
ECLECTYC_STUCK_MINUTES=0 mrun monitor
expect "ECLECTYC_STUCK_MINUTES=0 exits 3 naming it" 3 "" "ECLECTYC_STUCK_MINUTES"

mrun import "$tmp/readings.csv"
mjob=$out
mrun monitor
expect "one queued job is no backlog by default" 0 "^System Status: HEALTHY$"
ECLECTYC_BACKLOG_THRESHOLD=0 mrun monitor
expect "ECLECTYC_BACKLOG_THRESHOLD=0 with a queued job is degraded (exit 1)" 1 "^System Status: DEGRADED$"
expect "the backlog alert is listed with a warning sign" 1 "^  ⚠ \\[queue_backlog\\] Queue backlog: 1 jobs waiting$"

# A job whose worker died: processing, last heartbeat two hours ago.
sql_exec monitor "update import_jobs set status = 'processing', worker_id = 'dead-host:1',
  started_at = $(sql_ago 7200), heartbeat_at = $(sql_ago 7200)
  where batch_id = '$mjob'"
mrun monitor
expect "a stuck job degrades the health (exit 1)" 1 "^System Status: DEGRADED$"
expect "the stuck alert is listed" 1 "^  ⚠ \\[stuck_jobs\\] 1 job\\(s\\) stuck in processing state$"
expect "the stuck job is listed with its minutes" 1 "^  $mjob readings\\.csv: stuck for 1[12][0-9] minute\\(s\\), worker dead-host:1"
expect "monitor without --handle-stuck leaves it" 1 "Run with --handle-stuck"
expect_sql "monitor without --handle-stuck changes nothing" monitor \
	"select status, retry_count from import_jobs where batch_id = '$mjob'" "processing|0"
ECLECTYC_STUCK_MINUTES=180 mrun monitor
expect "ECLECTYC_STUCK_MINUTES=180: two hours is not stuck" 0 "^System Status: HEALTHY$"
mrun --json monitor
expect "monitor --json exits with the health" 1
if json_true "d['status'] == 'degraded' and d['stuck_jobs'][0]['batch_id'] == '$mjob' and \
d['stuck_jobs'][0]['minutes_stuck'] >= 119 and d['stuck_jobs'][0]['action'] == 'none'"; then
	pass "monitor --json lists the stuck job"
else
	fail "monitor --json lists the stuck job" "unexpected JSON"
fi
mrun monitor --handle-stuck
expect "monitor --handle-stuck reports the health found (exit 1)" 1 "^System Status: DEGRADED$"
expect "monitor --handle-stuck says what it did to the job" 1 "stuck for .* -> requeued$"
expect "monitor --handle-stuck counts what it did" 1 "^Requeued 1 stuck job\\(s\\), failed 0\\.$"
expect_sql "the stuck job is requeued spending a retry" monitor \
	"select status, retry_count from import_jobs where batch_id = '$mjob'" "queued|1"
mrun monitor
expect "after handling, the queue is healthy again" 0 "^System Status: HEALTHY$"

# Failed for good within the window: a 100 % failure rate is critical.
sql_exec monitor "update import_jobs set status = 'failed', retry_count = max_retries, retry_at = NULL,
  error_message = 'forged failure', completed_at = $(sql_ago 60)
  where batch_id = '$mjob'"
mrun monitor
expect "a high failure rate is critical (exit 2)" 2 "^System Status: CRITICAL$"
expect "the critical alert has a cross" 2 "^  ✗ \\[high_failure_rate\\] High failure rate: 100\\.0% in last 24h$"
ECLECTYC_FAILURE_RATE_CRITICAL=100 mrun monitor
expect "ECLECTYC_FAILURE_RATE_CRITICAL=100: only degraded" 1 "\\[elevated_failure_rate\\]"
mrun monitor --send-alerts
expect "monitor --send-alerts sends the condition" 2 "^Sent 1 alert\\(s\\) \\(0 held back by the cooldown, 0 failed\\)\\.$"
expect "monitor --send-alerts sends the failed job's alert" 2 "^Sent alerts for 1 failed job\\(s\\)\\.$"
mrun monitor --send-alerts
expect "the same condition is held back by the cooldown" 2 "^Sent 0 alert\\(s\\) \\(1 held back by the cooldown, 0 failed\\)\\.$"
if grep -q "failed job" <<<"$out"; then fail "a job's alert goes out once" "sent again"; else pass "a job's alert goes out once"; fi
expect_sql "the sent alerts are recorded" monitor \
	"select case when count(*) >= 1 then 'yes' else 'no' end from alerts where alert_type <> 'test'" yes

# ---- cleanup ---------------------------------------------------------------

CDB=$(store_uri cleanup)
store="$tmp/storage"
crun() {
	ECLECTYC_STORAGE_DIR=$store run --db "$CDB" "$@"
}
mkdir -p "$store/sftp"
for f in old-done.csv queued.csv recent-done.csv sftp/orphan.csv new-orphan.csv; do
	cp "$tmp/readings.csv" "$store/$f"
done
touch -d '40 days ago' "$store/old-done.csv" "$store/queued.csv" "$store/recent-done.csv" \
	"$store/sftp/orphan.csv"
crun migrate
crun import "$store/old-done.csv"
old_done=$out
crun import "$store/queued.csv"
old_queued=$out
crun import "$store/recent-done.csv"
recent_done=$out
sql_exec cleanup "update import_jobs set status = 'completed', completed_at = $(sql_ago $((40 * 86400))),
  queued_at = $(sql_ago $((41 * 86400))) where batch_id = '$old_done';
update import_jobs set queued_at = $(sql_ago $((41 * 86400))) where batch_id = '$old_queued';
update import_jobs set status = 'completed', completed_at = $(sql_ago 86400)
  where batch_id = '$recent_done'"
crun cleanup --dry-run
expect "cleanup --dry-run says so" 0 "^Mode: Dry run \\(no deletions\\)$"
expect "cleanup prints the retention (default 30 days)" 0 "^Retention: 30 days$"
expect "cleanup --dry-run lists the old finished job" 0 "^  Would delete job $old_done: completed"
expect "cleanup --dry-run counts jobs per status" 0 "^  completed: 1$"
expect "cleanup --dry-run lists an orphaned file" 0 "^  Would delete orphaned file: $store/sftp/orphan\\.csv \\(40 days old\\)$"
expect "cleanup --dry-run lists the deleted job's file" 0 "^  Would delete orphaned file: $store/old-done\\.csv "
expect "cleanup --dry-run counts the files" 0 "^Would delete 2 orphaned file\\(s\\)\\.$"
expect "cleanup --dry-run keeps the files of remaining jobs" 0 "^Kept 2 old file\\(s\\) that a remaining job still refers to\\.$"
expect "cleanup --dry-run ends with its line" 0 "^Dry run complete\\. No changes made\\.$"
if grep -q "queued\\.csv\\|$old_queued\\|new-orphan" <<<"$out"; then
	fail "cleanup --dry-run spares a queued job, its file and new files" "listed"
else
	pass "cleanup --dry-run spares a queued job, its file and new files"
fi
expect_sql "cleanup --dry-run deletes no job" cleanup "select count(*) from import_jobs" "3"
if [ -f "$store/old-done.csv" ] && [ -f "$store/sftp/orphan.csv" ]; then pass "cleanup --dry-run deletes no file"; else fail "cleanup --dry-run deletes no file" "a file is gone"; fi
crun --json cleanup --dry-run
expect_json "cleanup --json --dry-run" "d['dry_run'] is True and d['jobs_deleted'] == 1 and \
d['files_deleted'] == 2 and d['jobs'][0]['batch_id'] == '$old_done'"
crun cleanup --days 50 --dry-run
expect "cleanup --days 50 finds nothing 40 days old" 0 "^Would delete 0 job\\(s\\)\\.$"
crun cleanup --days 50
expect "cleanup --days 50 deletes nothing" 0 "^Deleted 0 job\\(s\\)\\.$"
expect_sql "cleanup --days 50 kept every job" cleanup "select count(*) from import_jobs" 3
if [ -f "$store/old-done.csv" ] && [ -f "$store/sftp/orphan.csv" ]; then pass "cleanup --days 50 kept the 40-day-old files"; else fail "cleanup --days 50 kept the 40-day-old files" "a file is gone"; fi
crun cleanup --verbose
expect "cleanup runs live" 0 "^Mode: Live$"
expect "cleanup deletes the old finished job" 0 "^Deleted 1 job\\(s\\)\\.$"
expect "cleanup --verbose names the deleted job" 0 "^  Deleted job $old_done: completed"
expect "cleanup --verbose names each deleted file" 0 "^  Deleted orphaned file: $store/sftp/orphan\\.csv \\(40 days old\\)$"
expect "cleanup deletes the orphaned files" 0 "^Deleted 2 orphaned file\\(s\\)\\.$"
expect "cleanup ends with 'Cleanup complete.'" 0 "^Cleanup complete\\.$"
expect_sql "cleanup kept the queued and the recent jobs" cleanup \
	"select batch_id from import_jobs order by id" "$old_queued
$recent_done"
if [ ! -e "$store/old-done.csv" ] && [ ! -e "$store/sftp/orphan.csv" ]; then pass "cleanup removed the orphaned files"; else fail "cleanup removed the orphaned files" "still there"; fi
if [ -f "$store/queued.csv" ] && [ -f "$store/recent-done.csv" ] && [ -f "$store/new-orphan.csv" ]; then
	pass "cleanup kept referenced and new files"
else
	fail "cleanup kept referenced and new files" "one is gone"
fi
crun cleanup
expect "a second cleanup finds nothing" 0 "^Deleted 0 job\\(s\\)\\.$"
crun cleanup --days 0
expect_usage "cleanup --days 0 exits 2" "'0' for --days"
crun cleanup --days soon
expect_usage "cleanup --days soon exits 2" "'soon' for --days"
crun cleanup old
expect_usage "cleanup with an argument exits 2" "unexpected argument 'old'"
ECLECTYC_STORAGE_DIR=$tmp/no-such-dir run --db "$CDB" cleanup
expect "a configured storage directory that is missing exits 1" 1 "" "no-such-dir"
pushd "$tmp/cwd" >/dev/null
run --db "$CDB" cleanup
popd >/dev/null
expect "without a storage directory only jobs are cleaned" 0 "only jobs are cleaned up"

# ---- alert-test ------------------------------------------------------------

# A loopback port with nothing listening (bound, then closed).
closed_port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
atrun() {
	run --db "$MDB" "$@"
}
atrun alert-test
# The log alone reaches nobody: exit 1, saying what to set.
expect "alert-test with no channels configured uses the log (exit 1)" 1 "^  log: ok$"
expect "alert-test with no channels says what to set" 1 "" \
	"no alert channel.*MAIL_HOST and ADMIN_EMAIL.*SLACK_WEBHOOK_URL"
expect "alert-test says email is not configured" 1 "^  email: not configured \\(set MAIL_HOST and ADMIN_EMAIL\\)$"
expect "alert-test says Slack is not configured" 1 "^  slack: not configured"
expect "alert-test's alert reaches the log" 1 "" "ALERT \\[test\\] Eclectyc alert test"
expect_sql "alert-test records the alert" monitor \
	"select count(*) from alerts where alert_type = 'test' and subject = 'Eclectyc alert test'" "1"
SLACK_WEBHOOK_URL="http://127.0.0.1:$closed_port/services/T000/B000/sekrit-token" atrun alert-test
expect "alert-test with a dead webhook exits 1" 1 "^  slack: failed \\(" "failed on 1 of 2 channel"
expect "alert-test still reports the log" 1 "^  log: ok$"
if grep -q "sekrit-token" <<<"$out$err"; then fail "alert-test never prints the webhook URL" "printed"; else pass "alert-test never prints the webhook URL"; fi
MAIL_HOST=127.0.0.1 MAIL_PORT=$closed_port MAIL_ENCRYPTION=none ADMIN_EMAIL=ops@example.com \
	MAIL_USERNAME=ops MAIL_PASSWORD=hunter2-sekrit atrun --json alert-test
if [ "$rc" -eq 1 ] && json_true "[c['ok'] for c in d['channels']] == [False, False, True] and \
d['channels'][0]['configured'] and d['failed'] == 1 and d['accepted'] == 1"; then
	pass "alert-test --json reports a dead mail server"
else
	fail "alert-test --json reports a dead mail server" "unexpected exit or JSON"
fi
if grep -q "hunter2-sekrit" <<<"$out$err"; then fail "alert-test never prints the mail password" "printed"; else pass "alert-test never prints the mail password"; fi
MAIL_HOST=127.0.0.1 atrun alert-test
expect "half an email configuration is refused, naming ADMIN_EMAIL" 1 "" "ADMIN_EMAIL"
MAIL_PORT=many atrun alert-test
expect "alert-test with a bad MAIL_PORT exits 1 naming it" 1 "" "MAIL_PORT"
atrun alert-test now
expect_usage "alert-test with an argument exits 2" "unexpected argument 'now'"
atrun --json alert-test
if [ "$rc" -eq 1 ] && json_true "[c['configured'] for c in d['channels']] == [False, False, True]" \
	&& grep -q "SLACK_WEBHOOK_URL" <<<"$err"; then
	pass "alert-test --json with no channel exits 1 saying what to set"
else
	fail "alert-test --json with no channel exits 1 saying what to set" "exit $rc or no message"
fi

# ---- worker log file -------------------------------------------------------

LDB=$(store_uri log)
mkdir -p "$tmp/logs"
STAMP='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z (DEBUG|INFO |WARN |ERROR) '
run --db "$LDB" migrate
run --db "$LDB" import "$tmp/readings.csv"
ljob=$out
run --db "$LDB" worker --once --log-file "$tmp/logs/once.log"
expect "worker --log-file exits 0" 0
if [ -z "$out" ]; then pass "worker --log-file keeps stdout empty"; else fail "worker --log-file keeps stdout empty" "printed"; fi
if grep -Eq "${STAMP}Processing job: $ljob\$" "$tmp/logs/once.log" &&
   grep -Eq "${STAMP}Processed 1 job\\(s\\)" "$tmp/logs/once.log"; then
	pass "worker --log-file writes stamped lines"
else
	fail "worker --log-file writes stamped lines" "$(head -c 300 "$tmp/logs/once.log")"
fi
if grep -Evq "$STAMP" "$tmp/logs/once.log"; then fail "every log line is stamped" "an unstamped line"; else pass "every log line is stamped"; fi
ECLECTYC_WORKER_LOG="$tmp/logs/env.log" run --db "$LDB" worker --once
if grep -Eq "${STAMP}No jobs in queue\\. Exiting\\.\$" "$tmp/logs/env.log" 2>/dev/null; then pass "ECLECTYC_WORKER_LOG names the log file"; else fail "ECLECTYC_WORKER_LOG names the log file" "not written"; fi
run --db "$LDB" worker --once --log-file "$tmp/no-such-dir/w.log"
expect "an unopenable --log-file exits 1" 1 "" "cannot open log file"
run --db "$LDB" worker --once --log-file ""
expect_usage "an empty --log-file exits 2" "--log-file"
run --db "$LDB" import "$tmp/readings.csv"
ECLECTYC_LOG_LEVEL=info run --db "$LDB" worker --once
expect "without --log-file the library's log goes to stderr, stamped" 0 "Processing job" "${STAMP}worker .* claimed job"

# SIGHUP: logrotate renamed the file; the next line goes to a new one.
timeout -s KILL 30 "$ECL" --db "$LDB" worker --poll-ms 100 --log-file "$tmp/logs/w.log" \
	>"$tmp/stdout" 2>"$tmp/stderr" &
worker_pid=$!
if wait_for_line "$tmp/logs/w.log" "Worker .* started"; then
	mv "$tmp/logs/w.log" "$tmp/logs/w.log.1"
	kill -HUP "$(pgrep -P "$worker_pid" | head -n 1)"
	sleep 0.3
	run --db "$LDB" import "$tmp/readings.csv"
	hup_job=$out
	wait_for_line "$tmp/logs/w.log" "Processed|Processing job: $hup_job"
	sleep 0.3
	kill -TERM "$(pgrep -P "$worker_pid" | head -n 1)"
fi
wait "$worker_pid"
rc=$?
out=$(cat "$tmp/stdout")
err=$(cat "$tmp/stderr")
expect "a worker survives SIGHUP and exits 0 on SIGTERM" 0
if grep -q "Processing job: $hup_job" "$tmp/logs/w.log" 2>/dev/null &&
   grep -q "Received SIGTERM" "$tmp/logs/w.log"; then
	pass "after SIGHUP the worker writes to a new file at the path"
else
	fail "after SIGHUP the worker writes to a new file at the path" "not in the new file"
fi
if grep -q "started" "$tmp/logs/w.log.1" && ! grep -q "Processing job" "$tmp/logs/w.log.1"; then
	pass "the rotated file keeps only the lines before SIGHUP"
else
	fail "the rotated file keeps only the lines before SIGHUP" "$(head -c 300 "$tmp/logs/w.log.1")"
fi

# ---- storage root ----------------------------------------------------------

# An explicitly set ECLECTYC_STORAGE_DIR confines job files to it; the
# default (left unset, as everywhere above) confines nothing.
RDB=$(store_uri root)
sroot="$tmp/imports"
mkdir -p "$sroot"
cp "$tmp/readings.csv" "$sroot/in.csv"
ln -s /etc/passwd "$sroot/passwd.csv"
rrun() {
	ECLECTYC_STORAGE_DIR=$sroot run --db "$RDB" "$@"
}
rrun migrate
rrun import /etc/passwd
expect "import outside ECLECTYC_STORAGE_DIR exits 1 naming the storage root" 1 "" \
	"\"/etc/passwd\" is outside the storage root \"$sroot\""
rrun import "$sroot/../readings.csv"
expect "import escaping ECLECTYC_STORAGE_DIR by .. exits 1" 1 "" "outside the storage root \"$sroot\""
rrun import "$sroot/passwd.csv"
expect "import of a link out of ECLECTYC_STORAGE_DIR exits 1" 1 "" "resolves to \"/etc/passwd\""
rrun import "$sroot/in.csv"
expect "import inside ECLECTYC_STORAGE_DIR" 0 "$UUID_RE"
run --db "$RDB" import "$tmp/readings.csv"
expect "without ECLECTYC_STORAGE_DIR a file anywhere is queued" 0 "$UUID_RE"
unconfined=$out
rrun worker --once --limit 5
rrun --json job "$unconfined"
expect_json "the worker fails a queued job outside ECLECTYC_STORAGE_DIR for good" \
	"d['status'] == 'failed' and d['error_class'] == 'permanent' and \
'outside the storage root' in d['error_message']"

# ---- import profiles -------------------------------------------------------

PROFILES="$ROOT/tests/profiles"
PDB=$(store_uri profiles)
run --db "$PDB" migrate
run profiles
expect "profiles lists the built-in layouts" 0 "crown-hh +wide +Crown"
run --json profiles
expect_json "profiles --json" "len(d) >= 30 and all(set(p) >= {'name', 'description', 'source', \
'layout', 'origin'} for p in d) and 'd0036' in [p['name'] for p in d]"
run profiles show sse
expect_json "profiles show NAME prints the profile" "d['name'] == 'sse' and d['layout'] == 'wide'"
run profiles show no-such-profile
expect "profiles show of an unknown name exits 1" 1 "" 'no import profile is named "no-such-profile"'
run profiles list
expect_usage "profiles with an unknown subcommand" "unknown 'profiles' subcommand"
run detect "$PROFILES/crown-hh/input.csv" --rows 3
expect "detect names the profile, why, and the first readings" 0 \
	"Profile: +crown-hh.*" "^$"
if ! grep -q "2025-10-25T23:00:00Z  2025-10-26 p1" <<<"$out"; then
	fail "detect shows readings at their UTC start" "no 2025-10-25T23:00:00Z p1 line"
else
	pass "detect shows readings at their UTC start"
fi
run --json detect "$PROFILES/octopus-consumption/input.csv" --meter 1900012345671 --rows 2
expect_json "detect --json of a one-meter file with --meter" "d['profile'] == 'octopus-consumption' and \
len(d['readings']) == 2 and d['readings'][0]['meter'] == '1900012345671'"
run detect "$PROFILES/octopus-consumption/input.csv"
expect "detect of a one-meter file without --meter exits 1" 1 "" "give the meter \(--meter ID\)"
run detect "$PROFILES/sse/input.csv" --profile crown-hh
expect "detect --profile that does not fit exits 1" 1 "" "profile crown-hh does not fit the file"
run detect "$PROFILES/d0010-refused/input.txt"
expect "a D0010 is refused as register reads" 1 "" "register readings, not half-hourly consumption"
printf 'Site,Notes\nA,B\n' >"$tmp/nothing.csv"
run detect "$tmp/nothing.csv"
expect "detect of a file no profile reads exits 1" 1 "" "meter identifier"
# A user profile from ECLECTYC_PROFILE_DIR set in .env: a copy of crown-hh
# makes crown files ambiguous until one is named.
mkdir -p "$tmp/my-profiles"
run profiles show crown-hh
"$PY" -c 'import json, sys; p = json.load(sys.stdin); p["name"] = "my-crown"; print(json.dumps(p))' \
	<<<"$out" >"$tmp/my-profiles/my-crown.json"
printf 'ECLECTYC_PROFILE_DIR=%s\n' "$tmp/my-profiles" >"$tmp/profiles.env"
run --env-file "$tmp/profiles.env" profiles
expect "a user profile from ECLECTYC_PROFILE_DIR in .env is listed" 0 "my-crown"
run --env-file "$tmp/profiles.env" --db "$PDB" import "$PROFILES/crown-hh/input.csv" --now
expect "two equal matches are refused, naming both" 1 "" "crown-hh and my-crown|my-crown and crown-hh"
run --env-file "$tmp/profiles.env" --db "$PDB" import "$PROFILES/crown-hh/input.csv" --now \
	--profile my-crown --json
expect_json "import --now --profile picks one" "d['profile'] == 'my-crown' and d['records_failed'] == 0"
# Queued: the job keeps the profile and the meter; the worker uses them.
run --db "$PDB" import "$PROFILES/n3rgy-consumption/input.csv" --profile no-such-profile
expect "import --profile of an unknown profile exits 1" 1 "" 'no import profile is named'
run --db "$PDB" import "$PROFILES/n3rgy-consumption/input.csv" --clock gmt
expect_usage "import --clock with an unknown clock" "invalid value 'gmt' for --clock"
run --db "$PDB" import "$PROFILES/n3rgy-consumption/input.csv" --profile n3rgy-consumption \
	--meter "1900 0123 4567 1"
expect "import --profile --meter queues the job" 0 "$UUID_RE"
pjob=$out
run --db "$PDB" --json job "$pjob"
expect_json "the job keeps its profile and meter" "d['import_profile'] == 'n3rgy-consumption' and \
d['import_meter'] == '1900 0123 4567 1'"
run --db "$PDB" worker --once --limit 1
run --db "$PDB" --json job "$pjob"
expect_json "the worker imports it with them" "d['status'] == 'completed' and \
d['summary']['profile'] == 'n3rgy-consumption' and d['summary']['records_failed'] == 0"
expect_sql "its readings are stored under the given meter, at their UTC starts" profiles \
	"SELECT count(*) FROM meter_readings r JOIN meters m ON m.id = r.meter_id WHERE m.mpan = '1900012345671' \
AND r.import_batch_id = '$pjob'" \
	"$(($(wc -l <"$PROFILES/n3rgy-consumption/expected.csv") - 1))"

# ---- memory (opt-in) -------------------------------------------------------

if [ "${ECL_TEST_VALGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then
	vg=(valgrind -q --leak-check=full "--errors-for-leak-kinds=definite,indirect" --error-exitcode=99)
	for args in "import $tmp/readings.csv --tag a --metadata {} --notes n" "--json jobs" "jobs" \
	            "job $first" "worker --once --limit=2" "import $tmp/gen_daily.csv --type daily --now" \
	            "import $tmp/mixed.csv --type daily --now --negatives reject" "--db $WDB job $wide" \
	            "--db $ADB aggregate --all --date 2025-11-10 --verbose" \
	            "--db $ADB --json aggregate --from 2025-11-10 --to 2025-11-14" \
	            "--db $ADB quality --date 2025-11-11 --verbose" \
	            "--db $ADB --json quality --date 2025-11-11" \
	            "--db $CDB monitor --verbose --send-alerts" "--db $CDB --json monitor" \
	            "--db $CDB cleanup --dry-run --verbose" "--db $MDB alert-test" \
	            "--db $LDB worker --once --log-file $tmp/logs/vg.log" \
	            "detect $ROOT/tests/profiles/d0036/input.txt" "--json profiles" \
	            "import $ROOT/tests/profiles/crown-hh/input.csv --now"; do
		# shellcheck disable=SC2086  # word splitting wanted
		"${vg[@]}" "$ECL" --db "$DB" $args >/dev/null 2>"$tmp/stderr"
		rc=$?
		out=""
		err=$(cat "$tmp/stderr")
		# alert-test there has no channel configured: it exits 1 (valgrind's own
		# error status is 99, so a memory error still fails the check).
		want=0
		[[ "$args" == *alert-test* ]] && want=1
		expect "valgrind clean: $args" "$want"
	done
fi

echo "$passed passed, $failed failed on $(store_backend)"
[ "$failed" -eq 0 ]
