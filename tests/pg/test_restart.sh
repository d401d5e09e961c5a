#!/usr/bin/env bash
# The PostgreSQL server is restarted (pg_ctl restart -m fast) while a worker
# is importing: the job finishes with exact counts after the reconnect.
#
# Usage: test_restart.sh PATH/TO/eclectyc
#
# Runs on a throwaway server of its own (started through with-postgres.sh on
# a free port, whatever ECL_TEST_PG_URI says), so it never disturbs a server
# other tests use. Needs the server binaries (PGBIN, default
# /usr/lib/postgresql/15/bin) and root (the server runs as `postgres`) or an
# ordinary user who can run initdb; exits 77 (skip) without them.
#
# A wide file of 2,000 meters x 30 days (2025-11-01..30, 48 periods a day:
# 2,880,000 readings) is queued and `eclectyc worker --once --batch-size 2000`
# imports it; as soon as its first batch is committed (checkpoint > 0) the
# server is restarted with `pg_ctl restart -m fast`, which terminates the
# worker's connection mid-import. The worker reconnects. When its
# transaction's outcome was unknown the job may have been requeued for a
# retry (the retry is made due at once) or failed transiently; the worker is
# then run again until the job is completed (at most 5 runs). Then: the job
# is completed, processed_rows = imported_rows = 60,000, hh_readings holds
# exactly 2,880,000 readings of 2,000 meters with the file's exact sum.
set -u
HERE=$(cd "$(dirname "$0")" && pwd -P)
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/eclectyc" >&2
	exit 2
fi
ECL=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")

if [ "${ECL_RESTART_INNER:-}" != 1 ]; then
	PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
	if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
		echo "skip: no PostgreSQL server binaries in $PGBIN" >&2
		exit 77
	fi
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		echo "skip: running as root without a postgres user" >&2
		exit 77
	fi
	# Our own server on a free port: never the one ECL_TEST_PG_URI names.
	unset ECL_TEST_PG_URI ECL_TEST_PG_PORT ECL_TEST_PGDATA PGHOST PGPORT PGDATABASE
	ECL_RESTART_INNER=1 PGBIN=$PGBIN exec bash "$HERE/with-postgres.sh" bash "$0" "$ECL"
fi

METERS=${ECL_TEST_METERS:-2000}
DAYS=30
ROWS=$((METERS * DAYS))
READINGS=$((ROWS * 48))
PY=${PYTHON:-python3}
PSQL="$ECL_TEST_PGBIN/psql"
[ -x "$PSQL" ] || PSQL=psql
for var in $(compgen -e); do
	case $var in ECLECTYC_*) unset "$var" ;; esac
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecl-pg-restart.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
DB="$ECL_TEST_PG_URI?schema=restart"
sql() { "$PSQL" "$ECL_TEST_PG_URI" -qAt -v ON_ERROR_STOP=1 -c "SET search_path = restart; $1" 2>&1; }
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
failed=0
check() {
	if [ "$2" = "$3" ]; then echo "ok   - $1"; else echo "FAIL - $1: got '$2', want '$3'"; failed=$((failed + 1)); fi
}

"$PY" "$HERE/../gen_readings.py" wide "$tmp/big.csv" --meters "$METERS" --days "$DAYS" --start 2025-11-01
want_sum=$("$PY" -c 'import csv, sys
from decimal import Decimal
print("%.3f" % sum(Decimal(v) for r in csv.reader(open(sys.argv[1])) if r[0] != "MPAN" for v in r[2:]))' "$tmp/big.csv")

"$ECL" --db "$DB" migrate >/dev/null || { echo "FAIL - migrate"; exit 1; }
job=$("$ECL" --db "$DB" import "$tmp/big.csv") || { echo "FAIL - import"; exit 1; }

# ECLECTYC_BUSY_TIMEOUT_MS bounds the reconnection (backoff up to it).
ECLECTYC_BUSY_TIMEOUT_MS=30000 ECLECTYC_LOG_LEVEL=info timeout -s KILL 120 \
	"$ECL" --db "$DB" --json worker --once --batch-size 2000 --no-aggregate \
	>"$tmp/w1.json" 2>"$tmp/w1.err" &
worker=$!
restarted=0
for _ in $(seq 1000); do
	st=$(sql "select status || ' ' || checkpoint from import_jobs where batch_id = '$job'")
	case $st in
	"processing 0" | queued*) ;;
	processing*)
		echo "     restarting the server at: $st"
		conns=$("$PSQL" "$ECL_TEST_PG_URI" -qAtc "select count(*) from pg_stat_activity where application_name = 'eclectyc'")
		t0=$(date +%s.%N)
		as_pg "$ECL_TEST_PGBIN/pg_ctl" -D "$ECL_TEST_PGDATA" -l "$ECL_TEST_PGDATA/server.log" \
			-m fast -w -t 60 restart >/dev/null && restarted=1
		echo "     server back after $("$PY" -c "import time, sys; print('%.2f s' % (time.time() - float(sys.argv[1])))" "$t0")"
		break ;;
	*) break ;;
	esac
	sleep 0.02
done
check "the server was restarted during the import" "$restarted" 1
check "the worker was connected when the server went down" "$([ "${conns:-0}" -ge 1 ] && echo yes)" yes
check "the import went on after the restart" \
	"$(sql "select checkpoint > ${st#processing } from import_jobs where batch_id = '$job'")" t
wait "$worker"
wrc=$?
check "the worker exits 0 after the restart" "$wrc" 0
echo "     worker: $(cat "$tmp/w1.json")"
grep -Ei "WARN|ERROR|reconnect|connection" "$tmp/w1.err" | head -5 | sed 's/^/     /'
after=$(sql "select status || ' ' || retry_count || ' ' || checkpoint from import_jobs where batch_id = '$job'")
echo "     job after the first worker: $after"

# A transiently failed or requeued job: run the worker again (retry due now).
runs=1
while [ "$runs" -lt 5 ]; do
	status=$(sql "select status from import_jobs where batch_id = '$job'")
	case $status in
	completed) break ;;
	queued) sql "update import_jobs set retry_at = now() where batch_id = '$job' and retry_at > now()" >/dev/null ;;
	failed) "$ECL" --db "$DB" retry "$job" >/dev/null ;;
	*) echo "FAIL - the job is left $status"; break ;;
	esac
	runs=$((runs + 1))
	"$ECL" --db "$DB" worker --once --batch-size 2000 --no-aggregate >"$tmp/w$runs.out" 2>&1
done
echo "     worker runs: $runs"

check "the job is completed" "$(sql "select status from import_jobs where batch_id = '$job'")" completed
check "processed and imported rows are exact" \
	"$(sql "select processed_rows || ' ' || imported_rows || ' ' || (summary->>'records_failed') from import_jobs where batch_id = '$job'")" \
	"$ROWS $ROWS 0"
check "readings: exact count, meters and sum" \
	"$(sql "select count(*) || ' ' || count(distinct meter_id) || ' ' || to_char(sum(reading_value::numeric), 'FM9999999990.000') from hh_readings")" \
	"$READINGS $METERS $want_sum"
check "every meter has its 30 x 48 readings" \
	"$(sql "select count(*) from (select meter_id from hh_readings group by meter_id having count(*) = $((DAYS * 48))) m")" "$METERS"
check "no reading was written twice (none updated)" "$(sql "select count(*) from hh_readings where updated_at is not null")" 0
echo "     summary: $(sql "select summary->>'inserted', summary->>'updated', summary->>'unchanged' from import_jobs where batch_id = '$job'")"
[ "$failed" -eq 0 ] && echo "all checks passed" || echo "$failed check(s) failed"
[ "$failed" -eq 0 ]
