#!/usr/bin/env bash
# Four `eclectyc worker --once` processes on one store drain 2,000 small
# import jobs: every job completed exactly once, counts and sums exact.
#
# Usage: test_workers.sh PATH/TO/eclectyc [STORE]
#
# STORE chooses the backend: none or "sqlite" (the default), one SQLite file
# in a temporary directory shared by every process (the library's busy
# handler makes them take turns); a PostgreSQL URI or key=value string
# (without a schema parameter, e.g. $ECL_TEST_PG_URI from
# tests/pg/with-postgres.sh), a fresh schema of that database,
# ecl_workers_<pid>_<random>_q, dropped at the end (cli_store.sh); a mysql://
# URI (e.g. $ECL_TEST_MYSQL_URI from tests/mysql/with-mariadb.sh), a fresh
# database of that name on its server instead of the URI's.
# Job i imports a file of its own: meters 2i and 2i+1 (distinct MPANs),
# 2025-11-10 (48 periods), value (k % 997) / 1000 for reading k, so the
# expected count and sum are known exactly. The jobs are queued by 2,000
# `eclectyc import` processes, four at a time; the four workers start
# together (--no-aggregate: the queue and the readings are what is tested)
# and each logs the jobs it processed; then:
#   - no import or worker exits non-zero or says anything about a lock or a
#     busy store (on either backend, contention must stay inside the library);
#   - every job is completed, retry_count 0, worker_id one of the four;
#   - every batch id appears once in the workers' logs ("claimed job", at
#     log level info), in exactly one of them; the workers' claimed counts add up to 2,000;
#   - every job's summary says 96 rows inserted, 0 updated, 0 failed;
#   - hh_readings holds 192,000 readings with the exact sum, 4,000 meters.
# ECL_TEST_JOBS changes the number of jobs (default 2000).
set -u
JOBS=${ECL_TEST_JOBS:-2000}
WORKERS=4

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/eclectyc [sqlite | POSTGRESQL-URI | MYSQL-URI]" >&2
	exit 2
fi
ECL=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")
PY=${PYTHON:-python3}
for var in $(compgen -e); do
	case $var in ECLECTYC_*) unset "$var" ;; esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecl-workers.XXXXXX") || exit 1
tmp=$(cd "$tmp" && pwd -P)
# shellcheck source=cli_store.sh
. "$(cd "$(dirname "$0")" && pwd -P)/cli_store.sh"
trap 'store_cleanup; rm -rf "$tmp"' EXIT
store_init "${2:-}" ecl_workers || exit $?
echo "# backend: $(store_backend)"
DB=$(store_uri q)
passed=0
failed=0
check() {  # check DESC GOT WANT
	if [ "$2" = "$3" ]; then
		echo "ok   - $1"; passed=$((passed + 1))
	else
		echo "FAIL - $1: got '$2', want '$3'"; failed=$((failed + 1))
	fi
}
# A message of a lock or a busy store (SQLITE_BUSY/LOCKED, ECL_EBUSY, a
# PostgreSQL or MySQL lock timeout or deadlock) that reached the command line.
LOCK_RE='lock|busy|deadlock'

# The files, and the expected count and sum (an exact decimal, as text).
"$PY" - "$tmp" "$JOBS" >"$tmp/expected" <<'PYEOF'
import sys
from decimal import Decimal
d, jobs = sys.argv[1], int(sys.argv[2])
def mpan(index):
    primes = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43]
    body = "%012d" % (170000000000 + index * 7919)
    check = sum(int(c) * p for c, p in zip(body, primes)) % 11 % 10
    return body + str(check)
total = Decimal(0)
k = 0
header = "MPAN,Date," + ",".join("HH%02d" % p for p in range(1, 49)) + "\n"
for i in range(jobs):
    with open("%s/j%05d.csv" % (d, i), "w") as f:
        f.write(header)
        for m in (2 * i, 2 * i + 1):
            vals = []
            for p in range(48):
                v = Decimal(k % 997) / 1000
                k += 1
                total += v
                vals.append("%.3f" % v)
            f.write("%s,2025-11-10,%s\n" % (mpan(m), ",".join(vals)))
print(k, "%.3f" % total)
PYEOF
read -r want_count want_sum <"$tmp/expected"

"$ECL" --db "$DB" migrate >/dev/null || { echo "FAIL - migrate"; exit 1; }
start=$(date +%s.%N)
for i in $(seq 0 $((JOBS - 1))); do printf '%s/j%05d.csv\n' "$tmp" "$i"; done >"$tmp/list"
# One `eclectyc import` per job: 2,000 processes, a few seconds
# (four at a time; each prints its batch id as one line).
xargs -P 4 -n 50 sh -c 'e=$0 d=$1; shift; for f; do "$e" --db "$d" import "$f" || exit 255; done' "$ECL" "$DB" \
	<"$tmp/list" >"$tmp/ids" 2>"$tmp/import.err"
irc=$?
enq=$(date +%s.%N)
check "every import exits 0" "$irc" 0
check "the imports print nothing on stderr" "$(head -c 300 "$tmp/import.err")" ""
check "2,000 jobs queued" "$(sql q "select count(*) from import_jobs where status = 'queued'")" "$JOBS"

pids=()
for w in $(seq 1 $WORKERS); do
	ECLECTYC_LOG_LEVEL=info "$ECL" --db "$DB" --json worker --once --limit "$JOBS" --no-aggregate --worker-id "w$w" \
		--log-file "$tmp/w$w.log" >"$tmp/w$w.json" 2>"$tmp/w$w.err" &
	pids+=($!)
done
wrcs=""
for p in "${pids[@]}"; do
	wait "$p"
	wrcs="$wrcs$?"
done
done_at=$(date +%s.%N)
check "the four workers exit 0" "$wrcs" 0000
for w in $(seq 1 $WORKERS); do [ -s "$tmp/w$w.err" ] && { echo "     worker $w stderr:"; head -5 "$tmp/w$w.err"; }; done
check "the workers print nothing on stderr" "$(cat "$tmp"/w[1-4].err | head -c 300)" ""
check "no lock or busy error in the workers' output and logs" \
	"$(grep -Eih -- "$LOCK_RE" "$tmp"/w[1-4].err "$tmp"/w[1-4].json "$tmp"/w[1-4].log "$tmp/import.err" | head -3)" ""
check "no WARN or ERROR line in the workers' logs" "$(grep -Eh ' (WARN|ERROR) ' "$tmp"/w[1-4].log | head -3)" ""

claimed=$("$PY" -c 'import json, sys
c = [json.load(open(p)) for p in sys.argv[1:]]
print(sum(x["claimed"] for x in c), sum(x["completed"] for x in c), sum(x["failed"] for x in c),
      sum(x["requeued"] + x["cancelled"] + x["released"] for x in c),
      " ".join(str(x["claimed"]) for x in c))' "$tmp"/w[1-4].json 2>/dev/null)
read -r n_claimed n_completed n_failed n_back split <<<"$claimed"
check "the workers claimed 2,000 jobs between them" "${n_claimed:-}" "$JOBS"
check "and completed all of them: none failed, requeued, cancelled or handed back" "${n_completed:-}|${n_failed:-}|${n_back:-}" "$JOBS|0|0"
echo "     per worker: $split"
sed -n 's/.* claimed job \([0-9a-f-]*\)$/\1/p' "$tmp"/w[1-4].log | sort >"$tmp/processed"
check "every job was processed once, by one worker" "$(uniq -d "$tmp/processed" | wc -l)|$(wc -l <"$tmp/processed")" "0|$JOBS"
check "the processed jobs are the queued ones" "$(sort "$tmp/ids" | cmp -s - "$tmp/processed" && echo same)" same
check "every job completed once, by one of the four workers, no retry" \
	"$(sql q "select count(*) from import_jobs where status = 'completed' and retry_count = 0
	  and worker_id in ('w1', 'w2', 'w3', 'w4') and completed_at is not null")" "$JOBS"
check "every job's summary: 96 inserted, 0 updated, 0 failed" \
	"$(sql q "$(by_backend \
		"select count(*) from import_jobs where json_extract(summary, '\$.inserted') = 96
		  and json_extract(summary, '\$.updated') = 0 and json_extract(summary, '\$.records_failed') = 0
		  and imported_rows = 2" \
		"select count(*) from import_jobs where (summary->>'inserted')::int = 96
		  and (summary->>'updated')::int = 0 and (summary->>'records_failed')::int = 0 and imported_rows = 2" \
		"select count(*) from import_jobs where json_extract(summary, '\$.inserted') = 96
		  and json_extract(summary, '\$.updated') = 0 and json_extract(summary, '\$.records_failed') = 0
		  and imported_rows = 2")")" "$JOBS"
# The exact sum: PostgreSQL in numeric, MySQL in decimal; SQLite (no decimal type) in integer
# thousandths, every stored value being checked to be a whole number of them.
check "readings: count and exact sum" \
	"$(sql q "$(by_backend \
		"select n || ' ' || (s / 1000) || '.' || substr('000' || (s % 1000), -3) from
		 (select count(*) n, sum(cast(round(reading_value * 1000) as integer)) s from hh_readings)" \
		"select count(*) || ' ' || to_char(sum(reading_value::numeric), 'FM99999999990.000') from hh_readings" \
		"select count(*) || ' ' || sum(cast(reading_value as decimal(20, 3))) from hh_readings")")" \
	"$want_count $want_sum"
check "readings: every one is a whole number of thousandths" \
	"$(sql q "select count(*) from hh_readings where abs(reading_value * 1000 - round(reading_value * 1000)) >= 1e-6")" 0
check "meters: two per job" "$(sql q "select count(*) from meters")" "$((2 * JOBS))"
check "each meter has its 48 readings" \
	"$(sql q "select count(*) from (select meter_id from hh_readings group by meter_id having count(*) = 48) m")" "$((2 * JOBS))"
check "workers that did work" "$(sql q "select case when count(distinct worker_id) >= 2 then 'yes' else 'no' end from import_jobs")" yes
"$PY" -c 'import sys; a, b, c = map(float, sys.argv[1:4]); print("     enqueue %.1f s, 4 workers %.1f s (%.0f jobs/s)" % (b - a, c - b, int(sys.argv[4]) / (c - b)))' \
	"$start" "$enq" "$done_at" "$JOBS"
echo "$passed passed, $failed failed on $(store_backend)"
[ "$failed" -eq 0 ]
