#!/usr/bin/env bash
# The PHP application's production database (tests/mysql/host_app: its
# tables in production's shape, with rows) on a MySQL server. Adopting it in
# place is not built yet (docs/mysql.md), so `eclectyc migrate` and
# `migrate --dry-run` must refuse it before changing anything, naming the
# tables the library would have created; every table definition and every
# row must be as it was.
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

db=$(_store_schema app)
# Every table's definition and an exact checksum of its rows.
snapshot() {
	local t
	for t in $(_store_my "$db" -e "SHOW TABLES"); do
		_store_my "$db" -e "SHOW CREATE TABLE \`$t\`; CHECKSUM TABLE \`$t\` EXTENDED"
	done
}

if _store_my -e "CREATE DATABASE \`$db\`" \
	&& _store_my "$db" <"$ROOT/tests/mysql/host_app/production_schema.sql" \
	&& _store_my "$db" <"$ROOT/tests/mysql/host_app/production_rows.sql"; then
	pass "the application's production database loads"
else
	fail "the application's production database loads" "see above"
fi
snapshot >"$tmp/before"
rows=$(_store_my "$db" -e "SELECT CONCAT((SELECT count(*) FROM import_jobs), '|', (SELECT count(*) FROM meter_readings))")
[ "$rows" = "3|98" ] && pass "it holds 3 jobs and 98 readings" || fail "it holds 3 jobs and 98 readings" "$rows"

run --db "$(store_uri app)" migrate --dry-run
expect "migrate --dry-run refuses it, naming the library's tables it holds" 1 "" \
	"already holds tables the library would create \\(import_jobs, meters, meter_readings,.*data_quality_issues\\)"
run --db "$(store_uri app)" migrate
expect "migrate refuses it" 1 "" "give the library a database of its own. Nothing was changed"
run --db "$(store_uri app)" jobs
expect "other commands ask for migrate first" 1 "" "eclectyc migrate"

snapshot >"$tmp/after"
if cmp -s "$tmp/before" "$tmp/after"; then
	pass "every table and row is as it was"
else
	fail "every table and row is as it was" "$(diff "$tmp/before" "$tmp/after" | head -5)"
fi

echo "$passed passed, $failed failed on $(store_backend)"
[ "$failed" -eq 0 ]
