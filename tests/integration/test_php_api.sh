#!/usr/bin/env bash
# The PHP JSON API example (examples/php/api/index.php) under `php -S` on a
# free loopback port, queried with curl: shapes, the status filter, 404,
# 400 and 401.
#   test_php_api.sh PHP EXTENSION_SO SOURCE_DIR
set -euo pipefail
php=$1 ext=$2 src=$3
work=$(mktemp -d "${ECL_TEST_TMPDIR:-/tmp}/php-api.XXXXXX")
server_pid=
cleanup() {
	local rc=$?
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- server log"; cat "$work/server.log" 2>/dev/null || true; exit 1; }
PHP=("$php" -n -d "extension=$ext")

export ECLECTYC_DB="sqlite://$work/eclectyc.db"
export ECLECTYC_API_TOKEN="t0ken-$RANDOM$RANDOM"
export ECLECTYC_PHP_LIB="$src/bindings/php/lib"

# Fixtures: three jobs (one failed, one cancelled, one queued) through the PHP layer.
printf 'mpan,date,value\n1900000000001,2024-01-01,1.5\n' >"$work/good.csv"
printf 'a,b\n1,2\n' >"$work/bad.csv"
"${PHP[@]}" -r '
require getenv("ECLECTYC_PHP_LIB") . "/autoload.php";
$svc = new Eclectyc\ImportJobService(getenv("ECLECTYC_DB"));
$dir = $argv[1];
$failed = $svc->createJob("bad.csv", "$dir/bad.csv", "daily", tags: ["t"], metadata: ["k" => 1]);
(new Eclectyc\Worker($svc->store(), "api-test"))->process();
$cancelled = $svc->createJob("good.csv", "$dir/good.csv", "daily");
$svc->cancelJob($cancelled);
$queued = $svc->createJob("good.csv", "$dir/good.csv", "daily", priority: "high");
file_put_contents("$dir/ids", "$failed $cancelled $queued\n");
' "$work" 2>"$work/fixtures.log" || { cat "$work/fixtures.log"; fail "fixtures"; }
read -r failed_id cancelled_id queued_id <"$work/ids"

# php -S needs an explicit port: take one the kernel hands out, then retry
# a few times in case another process grabs it first.
for attempt in 1 2 3 4 5; do
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
	"${PHP[@]}" -S "127.0.0.1:$port" "$src/examples/php/api/index.php" >"$work/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 1 50); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && break
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$server_pid" 2>/dev/null && break
	wait "$server_pid" 2>/dev/null || true
	server_pid=
done
[ -n "$server_pid" ] || fail "php -S did not start"
base="http://127.0.0.1:$port"
echo "php -S on port $port (pid $server_pid)"

n=0
# get NAME EXPECTED_STATUS PATH [curl args...]: body in $work/NAME.json
get() {
	local name=$1 want=$2 path=$3; shift 3
	local code
	code=$(curl -s -o "$work/$name.json" -w '%{http_code}' "$@" "$base$path")
	[ "$code" = "$want" ] || { cat "$work/$name.json"; fail "$name: HTTP $code, expected $want"; }
	n=$((n + 1))
}
auth=(-H "Authorization: Bearer $ECLECTYC_API_TOKEN")
# check NAME PYTHON_EXPR: the expression over `j` (the decoded body) must hold
check() {
	python3 - "$work/$1.json" "$2" "$failed_id" "$cancelled_id" "$queued_id" <<'PY' || fail "$1: $2"
import json, sys
j = json.load(open(sys.argv[1]))
failed, cancelled, queued = sys.argv[3:6]
if not eval(sys.argv[2]):
    print(json.dumps(j, indent=1)[:3000])
    sys.exit(1)
PY
}

# 401: no token, a wrong token, the wrong scheme.
get noauth 401 /api/import/jobs
check noauth 'j == {"error": "Unauthorized"}'
get wrongtoken 401 /api/import/jobs -H "Authorization: Bearer nope"
get basic 401 "/api/import/jobs/$queued_id" -u "user:$ECLECTYC_API_TOKEN"
grep -qi '^www-authenticate: bearer' <(curl -s -D - -o /dev/null "$base/api/import/jobs") || fail "no WWW-Authenticate"

# The list: shape, order, count.
get list 200 /api/import/jobs "${auth[@]}"
check list 'set(j) == {"jobs", "count"} and j["count"] == 3 == len(j["jobs"])'
check list '[x["batch_id"] for x in j["jobs"]] == [queued, cancelled, failed]'
keys='{"id","batch_id","user_id","filename","file_path","import_type","status","dry_run","total_rows","processed_rows","imported_rows","failed_rows","queued_at","started_at","completed_at","error_message","summary","retry_count","max_retries","retry_at","last_error","notes","priority","tags","metadata","alert_sent","alert_sent_at","user_name","user_email","progress_percent"}'
check list "all($keys <= set(x) for x in j['jobs'])"
check list 'all(isinstance(x["progress_percent"], float) and x["user_name"] is None for x in j["jobs"])'
# tags/metadata as the reference returned them: JSON text.
check list '[x for x in j["jobs"] if x["batch_id"] == failed][0]["tags"] == "[\"t\"]"'
check list '[x for x in j["jobs"] if x["batch_id"] == failed][0]["metadata"] == "{\"k\":1}"'
check list '[x for x in j["jobs"] if x["batch_id"] == queued][0]["tags"] is None'
grep -q '^    "jobs": \[' "$work/list.json" || grep -q '^    "jobs"' "$work/list.json" || fail "not pretty-printed"

# Filters and limits.
get failed 200 "/api/import/jobs?status=failed" "${auth[@]}"
check failed 'j["count"] == 1 and j["jobs"][0]["batch_id"] == failed and j["jobs"][0]["status"] == "failed"'
check failed 'isinstance(j["jobs"][0]["summary"], (dict, type(None))) and j["jobs"][0]["error_message"]'
get cancelled 200 "/api/import/jobs?status=cancelled" "${auth[@]}"
check cancelled '[x["batch_id"] for x in j["jobs"]] == [cancelled]'
get bogus 200 "/api/import/jobs?status=bogus" "${auth[@]}"
check bogus 'j == {"jobs": [], "count": 0}'
get limit1 200 "/api/import/jobs?limit=1" "${auth[@]}"
check limit1 'j["count"] == 1 and j["jobs"][0]["batch_id"] == queued'
get limit0 200 "/api/import/jobs?limit=0" "${auth[@]}"
check limit0 'j["count"] == 1'
get limitbig 200 "/api/import/jobs?limit=100000" "${auth[@]}"
check limitbig 'j["count"] == 3'

# One job.
get one 200 "/api/import/jobs/$failed_id" "${auth[@]}"
check one "j['batch_id'] == failed and j['status'] == 'failed' and $keys <= set(j)"
get upper 200 "/api/import/jobs/${queued_id^^}" "${auth[@]}"
check upper 'j["batch_id"] == queued and j["priority"] == "high"'
get missing 404 /api/import/jobs/00000000-0000-4000-8000-000000000000 "${auth[@]}"
check missing 'j == {"error": "Import job not found"}'
# An id that names no job is 404 whatever its form (the reference said 400
# "Batch ID is required", which misled); 400 only when there is no id.
get malformed 404 /api/import/jobs/not-a-batch-id "${auth[@]}"
check malformed 'j == {"error": "Import job not found"}'
get injection 404 "/api/import/jobs/%27%20OR%201=1--" "${auth[@]}"
check injection 'j == {"error": "Import job not found"}'
get other 404 /api/other "${auth[@]}"
get post 405 /api/import/jobs -X POST "${auth[@]}"

echo "php API example: $n requests, all as expected"
