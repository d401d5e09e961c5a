#!/usr/bin/env bash
# Four `eclectyc worker --once` processes on one PostgreSQL database drain
# 2,000 small import jobs: every job completed exactly once, counts and sums
# exact.
#
# Usage: test_workers.sh PATH/TO/eclectyc [URI]
#
# URI (default $ECL_TEST_PG_URI, without a schema parameter) names a
# throwaway database; the test works in a fresh schema of its own and drops
# it. Job i imports a file of its own: meters 2i and 2i+1 (distinct MPANs),
# 2025-11-10 (48 periods), value (k % 997) / 1000 for reading k, so the
# expected count and sum are known exactly. The four workers start together
# (--no-aggregate: the queue and the readings are what is tested) and each
# logs the jobs it processed; then:
#   - every job is completed, retry_count 0, worker_id one of the four;
#   - every batch id appears once in the workers' logs ("claimed job", at
#     log level info), in exactly one of them; the workers' claimed counts add up to 2,000;
#   - every job's summary says 96 rows inserted, 0 updated, 0 failed;
#   - hh_readings holds 192,000 readings with the exact sum, 4,000 meters.
# Exits 77 without a URI.
set -u
JOBS=${ECL_TEST_JOBS:-2000}
WORKERS=4

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/eclectyc [URI]" >&2
	exit 2
fi
ECL=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")
BASE=${2:-${ECL_TEST_PG_URI:-}}
[ -n "$BASE" ] || { echo "skip: no PostgreSQL URI" >&2; exit 77; }
PY=${PYTHON:-python3}
PSQL=${PSQL:-$(command -v psql || echo "${PGBIN:-/usr/lib/postgresql/15/bin}/psql")}
for var in $(compgen -e); do
	case $var in ECLECTYC_*) unset "$var" ;; esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecl-pg-workers.XXXXXX") || exit 1
SCHEMA="ecl_workers_$$_${RANDOM}"
trap '"$PSQL" "$BASE" -qAtc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
case $BASE in
postgres://* | postgresql://*) case $BASE in *\?*) DB="$BASE&schema=$SCHEMA" ;; *) DB="$BASE?schema=$SCHEMA" ;; esac ;;
*) DB="$BASE schema=$SCHEMA" ;;
esac
sql() { "$PSQL" "$BASE" -qAt -v ON_ERROR_STOP=1 -c "SET search_path = $SCHEMA; $1"; }
failed=0
check() {  # check DESC GOT WANT
	if [ "$2" = "$3" ]; then echo "ok   - $1"; else echo "FAIL - $1: got '$2', want '$3'"; failed=$((failed + 1)); fi
}

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
	<"$tmp/list" >"$tmp/ids" || { echo "FAIL - import"; exit 1; }
enq=$(date +%s.%N)
check "2,000 jobs queued" "$(sql "select count(*) from import_jobs where status = 'queued'")" "$JOBS"

pids=()
for w in $(seq 1 $WORKERS); do
	ECLECTYC_LOG_LEVEL=info "$ECL" --db "$DB" --json worker --once --limit "$JOBS" --no-aggregate --worker-id "pgw$w" \
		--log-file "$tmp/w$w.log" >"$tmp/w$w.json" 2>"$tmp/w$w.err" &
	pids+=($!)
done
wrc=0
for p in "${pids[@]}"; do wait "$p" || wrc=1; done
done_at=$(date +%s.%N)
check "the four workers exit 0" "$wrc" 0
for w in $(seq 1 $WORKERS); do [ -s "$tmp/w$w.err" ] && { echo "worker $w stderr:"; head -5 "$tmp/w$w.err"; }; done

claimed=$("$PY" -c 'import json, sys
c = [json.load(open(p)) for p in sys.argv[1:]]
print(sum(x["claimed"] for x in c), sum(x["completed"] for x in c), sum(x["failed"] for x in c),
      " ".join(str(x["claimed"]) for x in c))' "$tmp"/w[1-4].json 2>/dev/null)
read -r n_claimed n_completed n_failed split <<<"$claimed"
check "the workers claimed 2,000 jobs between them" "${n_claimed:-}" "$JOBS"
check "and completed all of them, none failed" "${n_completed:-}|${n_failed:-}" "$JOBS|0"
echo "     per worker: $split"
sed -n 's/.* claimed job \([0-9a-f-]*\)$/\1/p' "$tmp"/w[1-4].log | sort >"$tmp/processed"
check "every job was processed once, by one worker" "$(uniq -d "$tmp/processed" | wc -l)|$(wc -l <"$tmp/processed")" "0|$JOBS"
check "the processed jobs are the queued ones" "$(sort "$tmp/ids" | cmp -s - "$tmp/processed" && echo same)" same
check "every job completed once, by one of the four workers, no retry" \
	"$(sql "select count(*) from import_jobs where status = 'completed' and retry_count = 0
	  and worker_id in ('pgw1', 'pgw2', 'pgw3', 'pgw4') and completed_at is not null")" "$JOBS"
check "every job's summary: 96 inserted, 0 updated, 0 failed" \
	"$(sql "select count(*) from import_jobs where (summary->>'inserted')::int = 96
	  and (summary->>'updated')::int = 0 and (summary->>'records_failed')::int = 0 and imported_rows = 2")" "$JOBS"
check "readings: count and exact sum" \
	"$(sql "select count(*) || ' ' || to_char(sum(reading_value::numeric), 'FM99999999990.000') from hh_readings")" \
	"$want_count $want_sum"
check "meters: two per job" "$(sql "select count(*) from meters")" "$((2 * JOBS))"
check "each meter has its 48 readings" \
	"$(sql "select count(*) from (select meter_id from hh_readings group by meter_id having count(*) = 48) m")" "$((2 * JOBS))"
check "workers that did work" "$(sql "select count(distinct worker_id) >= 2 from import_jobs")" t
"$PY" -c 'import sys; a, b, c = map(float, sys.argv[1:4]); print("     enqueue %.1f s, 4 workers %.1f s (%.0f jobs/s)" % (b - a, c - b, int(sys.argv[4]) / (c - b)))' \
	"$start" "$enq" "$done_at" "$JOBS"
[ "$failed" -eq 0 ] && echo "all checks passed" || echo "$failed check(s) failed"
[ "$failed" -eq 0 ]
