#!/usr/bin/env bash
# The operators' pages (examples/php/public/index.php -> examples/php/admin)
# under `php -S` on a loopback port the kernel picks, checked with curl:
# every route's status codes (200, 303, 400, 401, 403, 404, 405, 503), the
# credentials refusals, CSRF refusals (nothing changes), unknown batch ids,
# HTML escaping of a job with <script> in its filename and notes, the
# security headers, the session login, the exact counts per status and the
# priority filter against the store, the attempts tables (a failed job
# retried from its page and run again lists two), and /api/ through the same
# front controller. Then issue 15's points: the figures of finished, failed
# for good and resumed jobs; 404 for an id that names no job on the API;
# anonymous GETs and Basic polling create no session file; failed sign-ins
# logged and throttled (429); delay[] and Origin: null refused; nothing read
# from a job's file shown unless it lies inside ECLECTYC_STORAGE_DIR; and the
# app's own 503 page when the extension is not loaded (php -n).
#   test_admin_http.sh PHP EXTENSION_SO SOURCE_DIR
set -euo pipefail
php=$1 ext=$2 src=$3
work=$(mktemp -d "${ECL_TEST_TMPDIR:-/tmp}/web-http.XXXXXX")
outside=$(mktemp -d "${ECL_TEST_TMPDIR:-/tmp}/web-http-outside.XXXXXX")   # a directory outside the storage root
# shellcheck source=tests/web/lib.sh
. "$src/tests/web/lib.sh"
cleanup() {
	local rc=$?
	stop_servers
	[ "$rc" -eq 0 ] && rm -rf "$work" "$outside"
	exit "$rc"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	for log in "$work"/server*.log; do echo "--- $log"; grep -vE ' (Accepted|Closing)$' "$log" | tail -n 30; done
	echo "(work dir kept: $work)"
	exit 1
}

export ECLECTYC_DB="sqlite://$work/eclectyc.db"
export ECLECTYC_API_TOKEN="api-$RANDOM$RANDOM"
export ECLECTYC_ADMIN_SESSION_DIR="$work/sessions"
# The jobs' files live in $work: the status pages may show what the worker read from them.
export ECLECTYC_STORAGE_DIR="$work"
mkdir -p "$ECLECTYC_ADMIN_SESSION_DIR"
make_fixtures http
# shellcheck disable=SC2154
echo "jobs: failed=$failed_id xss=$xss_id completed=$completed_id cancelled=$cancelled_id queued=$queued_id"

n=0
# req NAME STATUS METHOD PATH [curl args...]: headers in NAME.h, body in NAME.b
req() {
	local name=$1 want=$2 method=$3 path=$4 code
	shift 4
	code=$(curl -s -X "$method" -D "$work/$name.h" -o "$work/$name.b" -w '%{http_code}' "$@" "$base$path") || true
	[ "$code" = "$want" ] || { head -c 1500 "$work/$name.b"; echo; fail "$name: $method $path: HTTP $code, expected $want"; }
	n=$((n + 1))
}
has_header() { grep -qiE "$2" "$work/$1.h" || { cat "$work/$1.h"; fail "$1: no header matching /$2/"; }; }
no_header() { ! grep -qiE "$2" "$work/$1.h" || { cat "$work/$1.h"; fail "$1: a header matches /$2/"; }; }
has() { grep -qF -- "$2" "$work/$1.b" || fail "$1: the body lacks: $2"; }
hasnt() { ! grep -qF -- "$2" "$work/$1.b" || fail "$1: the body has: $2"; }
# rows NAME: the batch ids of the job table's rows, in order, one line
rows() { grep -o 'data-batch-id="[^"]*"' "$work/$1.b" | cut -d'"' -f2 | tr '\n' ' ' | sed 's/ $//'; }
# job ID FIELD: a field of the job, read through the PHP layer
job() {
	"${PHP[@]}" -r 'require getenv("ECLECTYC_PHP_LIB") . "/autoload.php";
		$j = (new Eclectyc\ImportJobService(getenv("ECLECTYC_DB")))->getJob($argv[1]);
		echo json_encode($j[$argv[2]] ?? null), "\n";' "$1" "$2" 2>/dev/null
}
expect_job() { local got; got=$(job "$1" "$2"); [ "$got" = "$3" ] || fail "job $1 $2 = $got, expected $3"; }
# layer CODE [ARGS...]: run PHP CODE with $s, an Eclectyc\Store on the test's store ($argv[1..] = ARGS)
layer() {
	local code=$1
	shift
	"${PHP[@]}" -r 'require getenv("ECLECTYC_PHP_LIB") . "/autoload.php";
		$s = new Eclectyc\Store(getenv("ECLECTYC_DB")); '"$code" -- "$@" 2>/dev/null
}
# flat NAME: the body on one line (for patterns spanning the template's lines)
flat() { tr -d '\n' <"$work/$1.b"; }
has_re() { flat "$1" | grep -qE -- "$2" || fail "$1: the body does not match /$2/"; }
csrf_of() { grep -o 'name="_csrf" value="[0-9a-f]*"' "$work/$1.b" | head -n 1 | cut -d'"' -f4; }

# ---- 1. No credentials configured: every admin page is refused (503), /api/ still works.
ECLECTYC_ADMIN_USER=ops ECLECTYC_ADMIN_PASSWORD='' start_server "$work/server-unset.log"
req unset_jobs 503 GET /admin/imports/jobs
has unset_jobs 'set ECLECTYC_ADMIN_USER and ECLECTYC_ADMIN_PASSWORD'
req unset_basic 503 GET /admin/imports/jobs -u ops:
req unset_login 503 GET /admin/login -H 'Accept: text/html'
req unset_post 503 POST "/admin/imports/jobs/$failed_id/retry" -d delay=0
req unset_api 200 GET /api/import/jobs -H "Authorization: Bearer $ECLECTYC_API_TOKEN"
grep -q "not set" "$work/server-unset.log" || fail "no log line for the refused admin pages"
stop_servers
expect_job "$failed_id" status '"failed"'

# ---- 2. Configured.
export ECLECTYC_ADMIN_USER=operator
export ECLECTYC_ADMIN_PASSWORD="pw-$RANDOM-$RANDOM:with colon"
start_server "$work/server.log"
auth=(-u "$ECLECTYC_ADMIN_USER:$ECLECTYC_ADMIN_PASSWORD")
html=(-H 'Accept: text/html,application/xhtml+xml')

# 401 without credentials (Basic challenge); a browser's page request goes to the login form.
for path in /admin /admin/imports/jobs "/admin/imports/jobs?status=failed" "/admin/imports/status/$failed_id" \
	/admin/health /admin/nope; do
	req noauth 401 GET "$path"
	has_header noauth '^www-authenticate: basic realm="eclectyc admin"'
	has noauth 'Sign in'
	req noauth_html 303 GET "$path" "${html[@]}"
	has_header noauth_html "^location: /admin/login\\?next=$(printf %s "$path" | sed 's#/#%2F#g; s#?#%3F#g; s#=#%3D#g')\\s*$"
done
req noauth_progress 401 GET "/admin/imports/status/$failed_id/progress" "${html[@]}"
has noauth_progress '{"error":'
has_header noauth_progress '^content-type: application/json'
req noauth_fetch 401 GET "/admin/imports/status/$failed_id/progress" -H 'Sec-Fetch-Mode: cors'
no_header noauth_fetch '^www-authenticate'
for action in retry cancel; do
	req noauth_$action 401 POST "/admin/imports/jobs/$failed_id/$action" -d delay=0 "${html[@]}"
done
req noauth_logout 401 POST /admin/logout
req wrong_password 401 GET /admin/imports/jobs -u "$ECLECTYC_ADMIN_USER:nope" "${html[@]}"
req wrong_user 401 GET /admin/imports/jobs -u "admin:$ECLECTYC_ADMIN_PASSWORD"
req empty_password 401 GET /admin/health -u "$ECLECTYC_ADMIN_USER:"
req malformed_basic 401 GET /admin/health -H 'Authorization: Basic !!!'
req bearer 401 GET /admin/health -H "Authorization: Bearer $ECLECTYC_API_TOKEN"
expect_job "$failed_id" status '"failed"'

# Signed in with HTTP Basic: the pages, with the security headers.
req home 303 GET /admin "${auth[@]}"
has_header home '^location: /admin/imports/jobs\s*$'
req root 303 GET / "${auth[@]}"
has_header root '^location: /admin/imports/jobs\s*$'
req list 200 GET /admin/imports/jobs "${auth[@]}"
has_header list '^content-type: text/html; charset=utf-8'
has_header list "^content-security-policy: default-src 'none'; script-src 'self'; style-src 'self';.*frame-ancestors 'none'"
no_header list '^content-security-policy:.*unsafe-inline'
has_header list '^x-content-type-options: nosniff'
has_header list '^x-frame-options: deny'
has_header list '^cache-control: no-store'
has_header list '^set-cookie: eclectyc_admin=[^;]+; path=/admin; httponly; samesite=strict'
[ "$(rows list)" = "$queued_id $cancelled_id $completed_id $xss_id $failed_id" ] || fail "list order: $(rows list)"
tr -d '\n' <"$work/list.b" | grep -qE 'data-status="all">\s*<span>all</span> <strong>5</strong>' || fail "count all"
for s in queued:1 processing:0 completed:2 failed:1 cancelled:1; do
	tr -d '\n' <"$work/list.b" | grep -qE "data-status=\"${s%:*}\">\\s*<span>${s%:*}</span> <strong>${s#*:}</strong>" \
		|| fail "count ${s%:*} is not ${s#*:}"
done
# The counts are exact: what the store holds (Store::jobCounts()), and what listing each status finds.
read -r -a store_counts <<<"$(layer 'foreach ($s->jobCounts() as $k => $v) echo "$k:$v ";')"
[ "${#store_counts[@]}" = 6 ] || fail "jobCounts: ${store_counts[*]}"
for kv in "${store_counts[@]}"; do
	k=${kv%:*} v=${kv#*:}
	listed=$(layer 'echo count($s->listJobs($argv[1] === "total" ? null : $argv[1], 0));' "$k")
	[ "$listed" = "$v" ] || fail "jobCounts $k = $v, but $listed listed"
	[ "$k" = total ] && k=all
	has_re list "data-status=\"$k\">\\s*<span>$k</span> <strong>$v</strong></a>"
done
hasnt list '+</strong>'
for col in File Status Priority Tags "Queued (UTC)" Started Completed Processed Imported Failed Retries; do
	grep -qF -e "<th>$col</th>" -e "<th class=\"num\">$col</th>" "$work/list.b" || fail "list: no column $col"
done
has list "href=\"/admin/imports/status/$failed_id\""
has list '<span class="tag">monthly</span>'
req f_failed 200 GET "/admin/imports/jobs?status=failed" "${auth[@]}"
[ "$(rows f_failed)" = "$failed_id" ] || fail "status=failed: $(rows f_failed)"
has f_failed '<option value="failed" selected>'
req f_high 200 GET "/admin/imports/jobs?priority=high" "${auth[@]}"
[ "$(rows f_high)" = "$queued_id" ] || fail "priority=high: $(rows f_high)"
req f_low 200 GET "/admin/imports/jobs?priority=low&status=completed" "${auth[@]}"
[ "$(rows f_low)" = "$completed_id" ] || fail "priority=low&status=completed: $(rows f_low)"
# The priority filter: exactly the jobs of that priority, newest first.
req f_normal 200 GET "/admin/imports/jobs?priority=normal" "${auth[@]}"
[ "$(rows f_normal)" = "$cancelled_id $xss_id $failed_id" ] || fail "priority=normal: $(rows f_normal)"
has f_normal '<option value="normal" selected>'
for p in low normal high; do
	want=$(layer 'echo implode(" ", array_column(array_filter($s->listJobs(null, 0),
		fn (array $j): bool => $j["priority"] === $argv[1]), "batch_id"));' "$p")
	[ -n "$want" ] || fail "no $p job in the store (the fixtures have one of each priority)"
	req f_prio 200 GET "/admin/imports/jobs?priority=$p&limit=500" "${auth[@]}"
	[ "$(rows f_prio)" = "$want" ] || fail "priority=$p: $(rows f_prio), expected $want"
	[ "$(grep -c "<td>$p</td>" "$work/f_prio.b")" = "$(echo "$want" | wc -w)" ] || fail "priority=$p: rows of another priority"
done
req f_none 200 GET "/admin/imports/jobs?status=queued&priority=low" "${auth[@]}"
has f_none 'No jobs match.'
req f_limit 200 GET "/admin/imports/jobs?limit=2" "${auth[@]}"
[ "$(rows f_limit)" = "$queued_id $cancelled_id" ] || fail "limit=2: $(rows f_limit)"
has_re f_limit 'data-status="all">\s*<span>all</span> <strong>5</strong>'   # counts are not limited
req f_limit0 200 GET "/admin/imports/jobs?limit=0" "${auth[@]}"
[ "$(rows f_limit0)" = "$queued_id" ] || fail "limit=0 is 1: $(rows f_limit0)"
req f_limitx 200 GET "/admin/imports/jobs?limit=abc" "${auth[@]}"
[ "$(rows f_limitx | wc -w)" = 5 ] || fail "limit=abc is the default"
req f_bogus 400 GET "/admin/imports/jobs?status=bogus" "${auth[@]}"
has f_bogus 'Unknown status'
req f_urgent 400 GET "/admin/imports/jobs?priority=urgent" "${auth[@]}"
has f_urgent 'Unknown priority'
# critical is a priority of the library's (claimed first): a filter with no job yet.
req f_crit 200 GET "/admin/imports/jobs?priority=critical" "${auth[@]}"
has f_crit 'No jobs match.'
has f_crit '<option value="critical" selected>'
req f_array 400 GET "/admin/imports/jobs?status%5B%5D=failed" "${auth[@]}"

# One job: the status page, its progress JSON; unknown and malformed ids are 404.
req st_failed 200 GET "/admin/imports/status/$failed_id" "${auth[@]}"
has st_failed 'id="retry-form"'
has st_failed "action=\"/admin/imports/jobs/$failed_id/retry\""
has st_failed 'Its retries are spent (0 of 0)'
has st_failed 'CSV must include a column containing the meter identifier'
hasnt st_failed 'id="cancel-form"'
has st_failed 'data-final="1"'
# Its one attempt, from the store: the fixtures' worker, failed, with the error and its class.
has st_failed 'id="attempt-count">1</span>'
[ "$(grep -c '<tr data-attempt=' "$work/st_failed.b")" = 1 ] || fail "st_failed: not one attempt row"
has_re st_failed '<tr data-attempt="1" data-outcome="failed">\s*<td class="num">1</td>\s*<td class="worker">fixtures</td>'
has_re st_failed 'data-outcome="failed">.*<span class="badge badge-failed">failed</span>.*<span class="error-class">permanent</span>: CSV must include a column containing the meter identifier'
req st_queued 200 GET "/admin/imports/status/$queued_id" "${auth[@]}"
has st_queued 'id="cancel-form"'
hasnt st_queued 'id="retry-form"'
has st_queued 'data-final="0"'
has st_queued "data-url=\"/admin/imports/status/$queued_id/progress\""
has st_queued 'id="no-attempts"'
hasnt st_queued 'id="attempts-table"'
req st_xss 200 GET "/admin/imports/status/$xss_id" "${auth[@]}"
has st_xss '<dd id="summary-format">daily</dd>'
has st_xss 'id="column-mapping"'
has st_xss '<td>kwh</td>'
has st_xss 'id="summary-readings">50 inserted,'
has st_xss '<td class="num">51</td><td class="num">52</td><td>invalid date'
has st_xss '<td>Missing MPAN</td>'
has_re st_xss '<tr data-attempt="1" data-outcome="completed">\s*<td class="num">1</td>\s*<td class="worker">fixtures</td>.*<span class="badge badge-completed">completed</span></td>\s*<td class="num">52</td>\s*<td class="num">50</td>\s*<td class="num">2</td>\s*<td class="attempt-error">—</td>'
hasnt st_xss 'id="retry-form"'
req st_upper 200 GET "/admin/imports/status/${queued_id^^}" "${auth[@]}"
req st_unknown 404 GET /admin/imports/status/00000000-0000-4000-8000-000000000000 "${auth[@]}"
has st_unknown 'No such import job.'
req st_malformed 404 GET "/admin/imports/status/not-a-batch-id" "${auth[@]}"
req st_inject 404 GET "/admin/imports/status/%27%20OR%201=1--" "${auth[@]}"
req pr_done 200 GET "/admin/imports/status/$xss_id/progress" "${auth[@]}"
has_header pr_done '^content-type: application/json'
has pr_done '"status":"completed","final":true,"percent":100.0,"processed_rows":52,"total_rows":52,"imported_rows":50,"failed_rows":2'
req pr_queued 200 GET "/admin/imports/status/$queued_id/progress" "${auth[@]}"
has pr_queued '"status":"queued","final":false,"percent":0.0'
req pr_unknown 404 GET /admin/imports/status/00000000-0000-4000-8000-000000000000/progress "${auth[@]}"
has pr_unknown '{"error":"No such import job."}'

# The health page.
req health 200 GET /admin/health "${auth[@]}"
for id in health-status kpi-success-rate kpi-avg-duration kpi-queue-depth kpi-retry-rate metrics-table executions-table no-stuck; do
	has health "id=\"$id\""
done
has health '<span class="kpi-value" id="kpi-queue-depth">1</span>'
has health '<td>import</td>'

# HTML escaping: the job with <script> in its filename, notes, tags and metadata.
for page in list st_xss; do
	has $page '&lt;script&gt;window.xssFilename=1&lt;/script&gt;.csv'
	hasnt $page '<script>window.xss'
	has $page '&lt;img src=x onerror=&quot;window.xssNotes=1&quot;&gt; &amp; &quot;quotes&quot;'
	hasnt $page '<img src=x'
	has $page '&lt;b&gt;bold&lt;/b&gt;'
	[ "$(grep -c '<script' "$work/$page.b")" = 1 ] || fail "$page: a <script> other than admin.js"
done
has st_xss '<title>Job &lt;script&gt;window.xssFilename=1&lt;/script&gt;.csv · Eclectyc</title>'
has st_xss '&lt;/pre&gt;&lt;script&gt;window.xssMeta=1&lt;/script&gt;'

# 405 (with Allow) and 404.
req m_post_list 405 POST /admin/imports/jobs "${auth[@]}"
has_header m_post_list '^allow: GET, HEAD'
req m_get_retry 405 GET "/admin/imports/jobs/$failed_id/retry" "${auth[@]}"
has_header m_get_retry '^allow: POST\s*$'
req m_get_cancel 405 GET "/admin/imports/jobs/$failed_id/cancel" "${auth[@]}"
req m_put_status 405 PUT "/admin/imports/status/$failed_id" "${auth[@]}"
req m_delete_health 405 DELETE /admin/health "${auth[@]}"
req m_post_progress 405 POST "/admin/imports/status/$failed_id/progress" "${auth[@]}"
req m_get_logout 405 GET /admin/logout "${auth[@]}"
req nf_admin 404 GET /admin/nope "${auth[@]}"
req nf_root 404 GET /nope "${auth[@]}"
req nf_asset 404 GET /admin/assets/../App.php "${auth[@]}"
req nf_asset2 404 GET /admin/assets/App.php
req asset_post 405 POST /admin/assets/admin.js
req asset_js 200 GET /admin/assets/admin.js
has_header asset_js '^content-type: text/javascript'
has_header asset_js '^x-content-type-options: nosniff'
has asset_js "fetch(url"
req asset_css 200 GET /admin/assets/admin.css
has_header asset_css '^content-type: text/css'

# ---- CSRF: a POST without the session's token is refused (403) and changes nothing.
jar="$work/cookies"
req csrf_none 403 POST "/admin/imports/jobs/$failed_id/retry" "${auth[@]}" -d delay=0
has csrf_none 'Nothing was changed.'
expect_job "$failed_id" status '"failed"'
req csrf_page 200 GET "/admin/imports/status/$failed_id" "${auth[@]}" -c "$jar" -b "$jar"
token=$(csrf_of csrf_page)
[ ${#token} = 64 ] || fail "no CSRF token in the page"
wrong=${token%?}$([ "${token: -1}" = 0 ] && echo 1 || echo 0)    # the token with its last digit changed
req csrf_wrong 403 POST "/admin/imports/jobs/$failed_id/retry" "${auth[@]}" -b "$jar" -d "_csrf=$wrong&delay=0"
req csrf_empty 403 POST "/admin/imports/jobs/$failed_id/retry" "${auth[@]}" -b "$jar" -d "_csrf=&delay=0"
req csrf_nocookie 403 POST "/admin/imports/jobs/$failed_id/retry" "${auth[@]}" -d "_csrf=$token&delay=0"
req csrf_origin 403 POST "/admin/imports/jobs/$failed_id/retry" "${auth[@]}" -b "$jar" -d "_csrf=$token&delay=0" \
	-H 'Origin: http://evil.example'
req csrf_site 403 POST "/admin/imports/jobs/$failed_id/retry" "${auth[@]}" -b "$jar" -d "_csrf=$token&delay=0" \
	-H 'Sec-Fetch-Site: cross-site'
req csrf_cancel 403 POST "/admin/imports/jobs/$queued_id/cancel" "${auth[@]}" -b "$jar" -d "_csrf=nope"
expect_job "$failed_id" status '"failed"'
expect_job "$failed_id" retry_count 0
expect_job "$queued_id" status '"queued"'
for bad in abc -5 604801 1.5; do
	req delay_bad 400 POST "/admin/imports/jobs/$failed_id/retry" "${auth[@]}" -b "$jar" -d "_csrf=$token&delay=$bad"
	has delay_bad 'The delay must be a whole number of seconds'
done
# A list where one number is expected (delay[]=1) is refused, not read as 0 (issue 15).
req delay_list 400 POST "/admin/imports/jobs/$failed_id/retry" "${auth[@]}" -b "$jar" -d "_csrf=$token&delay%5B%5D=1"
has delay_list 'The delay must be a whole number of seconds from 0 to 604800, given once (not a list)'
req delay_map 400 POST "/admin/imports/jobs/$failed_id/retry" "${auth[@]}" -b "$jar" -d "_csrf=$token&delay%5Ba%5D=600"
# Origin: null (a sandboxed frame, a data: URL) is not this site (issue 15).
req csrf_null 403 POST "/admin/imports/jobs/$failed_id/retry" "${auth[@]}" -b "$jar" -d "_csrf=$token&delay=0" \
	-H 'Origin: null'
req csrf_null_cancel 403 POST "/admin/imports/jobs/$queued_id/cancel" "${auth[@]}" -b "$jar" -d "_csrf=$token" \
	-H 'Origin: null'
expect_job "$failed_id" status '"failed"'
expect_job "$failed_id" retry_count 0
expect_job "$queued_id" status '"queued"'
req post_unknown 404 POST /admin/imports/jobs/00000000-0000-4000-8000-000000000000/retry "${auth[@]}" -b "$jar" \
	-d "_csrf=$token&delay=0"
expect_job "$failed_id" status '"failed"'

# With the token: retry in 10 minutes -> 303 back to the status page, which shows the new state.
before=$(date +%s)
req retry 303 POST "/admin/imports/jobs/$failed_id/retry" "${auth[@]}" -b "$jar" -c "$jar" \
	-d "_csrf=$token&delay=600" -H "Origin: $base"
has_header retry "^location: /admin/imports/status/$failed_id\\s*\$"
expect_job "$failed_id" status '"queued"'
expect_job "$failed_id" retry_count 1
due=$(job "$failed_id" retry_at | tr -d '"')
due_s=$(date -u -d "$due" +%s)
[ "$due_s" -ge $((before + 600)) ] && [ "$due_s" -le $(($(date +%s) + 601)) ] || fail "retry_at $due"
req after_retry 200 GET "/admin/imports/status/$failed_id" "${auth[@]}" -b "$jar" -c "$jar"
has after_retry 'id="flash" role="status">Requeued (retry 1 of 1 spent), to run after '
has after_retry '<span class="badge badge-queued" id="job-status">queued</span>'
has after_retry '(waiting)'
has after_retry 'id="attempt-count">1</span>'    # an operator's retry is not an attempt
has after_retry '<tr data-attempt="1" data-outcome="failed">'
has after_retry 'id="cancel-form"'
req again 200 GET "/admin/imports/status/$failed_id" "${auth[@]}" -b "$jar"
hasnt again 'id="flash"'
req retry_queued 303 POST "/admin/imports/jobs/$failed_id/retry" "${auth[@]}" -b "$jar" -d "_csrf=$token&delay=0"
req after_retry2 200 GET "/admin/imports/status/$failed_id" "${auth[@]}" -b "$jar"
has after_retry2 'Not retried: cannot retry job'
expect_job "$failed_id" retry_count 1
req cancel 303 POST "/admin/imports/jobs/$failed_id/cancel" "${auth[@]}" -b "$jar" -d "_csrf=$token"
has_header cancel "^location: /admin/imports/status/$failed_id\\s*\$"
expect_job "$failed_id" status '"cancelled"'
req after_cancel 200 GET "/admin/imports/status/$failed_id" "${auth[@]}" -b "$jar"
has after_cancel '>Cancelled.</p>'
has after_cancel '<span class="badge badge-cancelled" id="job-status">cancelled</span>'
req cancel_again 303 POST "/admin/imports/jobs/$failed_id/cancel" "${auth[@]}" -b "$jar" -d "_csrf=$token"
req after_cancel2 200 GET "/admin/imports/status/$failed_id" "${auth[@]}" -b "$jar"
has after_cancel2 'Not cancelled: cannot cancel job'

# ---- The session login.
jar2="$work/cookies2"
req login_form 200 GET "/admin/login?next=%2Fadmin%2Fhealth" -c "$jar2"
has login_form 'id="login-form"'
has login_form 'name="next" value="/admin/health"'
# The form's CSRF token is a cookie of its own: no session (and no session file) before signing in.
has_header login_form '^set-cookie: eclectyc_login=[0-9a-f]{64}; path=/admin/login; httponly; samesite=strict'
no_header login_form '^set-cookie: eclectyc_admin='
ltoken=$(csrf_of login_form)
sid_before=$(awk '$6 == "eclectyc_admin" {print $7}' "$jar2")
req login_nocsrf 403 POST /admin/login -b "$jar2" --data-urlencode "user=$ECLECTYC_ADMIN_USER" \
	--data-urlencode "password=$ECLECTYC_ADMIN_PASSWORD"
req login_wrong 401 POST /admin/login -b "$jar2" -d "_csrf=$ltoken" --data-urlencode "user=$ECLECTYC_ADMIN_USER" \
	--data-urlencode "password=wrong"
has login_wrong 'Wrong user name or password.'
req login_ok 303 POST /admin/login -b "$jar2" -c "$jar2" -d "_csrf=$ltoken&next=%2Fadmin%2Fhealth" \
	--data-urlencode "user=$ECLECTYC_ADMIN_USER" --data-urlencode "password=$ECLECTYC_ADMIN_PASSWORD"
has_header login_ok '^location: /admin/health\s*$'
sid_after=$(awk '$6 == "eclectyc_admin" {print $7}' "$jar2")
[ -n "$sid_after" ] && [ "$sid_after" != "$sid_before" ] || fail "the session id did not change at login"
req s_list 200 GET /admin/imports/jobs -b "$jar2" "${html[@]}"
has s_list "Signed in as <span id=\"signed-in-user\">$ECLECTYC_ADMIN_USER</span>"
req s_progress 200 GET "/admin/imports/status/$queued_id/progress" -b "$jar2"
req s_login_again 303 GET /admin/login -b "$jar2"
req s_wrong_basic 401 GET /admin/imports/jobs -b "$jar2" -u "$ECLECTYC_ADMIN_USER:wrong"
req s_old_token 403 POST "/admin/imports/jobs/$queued_id/cancel" -b "$jar2" -d "_csrf=$ltoken"
expect_job "$queued_id" status '"queued"'
stoken=$(csrf_of s_list)
req s_logout_nocsrf 403 POST /admin/logout -b "$jar2"
req s_still_in 200 GET /admin/health -b "$jar2"
req s_logout 303 POST /admin/logout -b "$jar2" -c "$jar2" -d "_csrf=$stoken"
has_header s_logout '^location: /admin/login\s*$'
req s_out 303 GET /admin/imports/jobs -b "$jar2" "${html[@]}"
req s_out_json 401 GET "/admin/imports/status/$queued_id/progress" -b "$jar2"
req s_out_post 401 POST "/admin/imports/jobs/$queued_id/cancel" -b "$jar2" -d "_csrf=$stoken"
expect_job "$queued_id" status '"queued"'
# After sign-in, only paths under /admin of this site are followed.
jar3="$work/cookies3"
req login3_form 200 GET /admin/login -c "$jar3"
req login3 303 POST /admin/login -b "$jar3" -c "$jar3" -d "_csrf=$(csrf_of login3_form)" \
	--data-urlencode "next=//evil.example/admin" --data-urlencode "user=$ECLECTYC_ADMIN_USER" \
	--data-urlencode "password=$ECLECTYC_ADMIN_PASSWORD"
has_header login3 '^location: /admin/imports/jobs\s*$'

# ---- /api/ through the same front controller.
req api 200 GET /api/import/jobs -H "Authorization: Bearer $ECLECTYC_API_TOKEN"
has api '"count": 5'
req api_noauth 401 GET /api/import/jobs "${auth[@]}"
# An id that names no job is 404, whether well formed or not; 400 only when it is missing (issue 15).
bearer=(-H "Authorization: Bearer $ECLECTYC_API_TOKEN")
for id in 00000000-0000-4000-8000-000000000000 not-a-batch-id "%27%20OR%201=1--" "${queued_id}x"; do
	req api_unknown 404 GET "/api/import/jobs/$id" "${bearer[@]}"
	has api_unknown '"error": "Import job not found"'
done
req api_missing 400 GET /api/import/jobs/ "${bearer[@]}"
has api_missing '"error": "Batch ID is required"'
req api_one 200 GET "/api/import/jobs/${queued_id^^}" "${bearer[@]}"
has api_one "\"batch_id\": \"$queued_id\""

# ---- A failed job retried from its page and run again: two attempts, the first one failed with its error.
write_daily() { printf 'mpan,date,value\n1900000000001,2020-03-01,1.5\n1900000000002,2020-03-01,2.5\n' >"$1"; }
write_daily "$work/retried.csv"
retried_id=$(layer 'echo $s->createJob("retried.csv", $argv[1], "daily", maxRetries: 0);' "$work/retried.csv")
mv "$work/retried.csv" "$work/retried.away"
layer '(new Eclectyc\Worker($s, "first-worker", false))->process(10);' >/dev/null
expect_job "$retried_id" status '"failed"'
req r_failed 200 GET "/admin/imports/status/$retried_id" "${auth[@]}" -b "$jar"
has r_failed 'id="attempt-count">1</span>'
req r_retry 303 POST "/admin/imports/jobs/$retried_id/retry" "${auth[@]}" -b "$jar" -c "$jar" -d "_csrf=$token&delay=0"
expect_job "$retried_id" status '"queued"'
mv "$work/retried.away" "$work/retried.csv"
layer '(new Eclectyc\Worker($s, "second-worker", false))->process(10);' >/dev/null
expect_job "$retried_id" status '"completed"'
req r_done 200 GET "/admin/imports/status/$retried_id" "${auth[@]}" -b "$jar"
has r_done 'id="attempt-count">2</span>'
[ "$(grep -o '<tr data-attempt="[0-9]*" data-outcome="[a-z]*">' "$work/r_done.b" | tr '\n' ' ')" \
	= '<tr data-attempt="1" data-outcome="failed"> <tr data-attempt="2" data-outcome="completed"> ' ] \
	|| fail "r_done: attempts $(grep -o '<tr data-attempt=[^>]*>' "$work/r_done.b" | tr '\n' ' ')"
has_re r_done 'data-outcome="failed">\s*<td class="num">1</td>\s*<td class="worker">first-worker</td>.*<span class="badge badge-failed">failed</span>.*<span class="error-class">permanent</span>: File not found: [^<]*retried.csv.*<tr data-attempt="2"'
has_re r_done 'data-outcome="completed">\s*<td class="num">2</td>\s*<td class="worker">second-worker</td>.*<span class="badge badge-completed">completed</span></td>\s*<td class="num">2</td>\s*<td class="num">2</td>\s*<td class="num">0</td>\s*<td class="attempt-error">—</td>'
has r_done 'Retries spent</dt><dd id="retries-spent">1 of 1'

# ---- Issue 15: the figures a job really has.
# A finished job never counted and without a summary says so, not "yet".
req st_cancelled 200 GET "/admin/imports/status/$cancelled_id" "${auth[@]}"
hasnt st_cancelled 'total not counted yet'
has st_cancelled "id=\"progress-rows\">0 rows (the file's rows were never counted)</dd>"
hasnt st_cancelled 'No summary yet'
has st_cancelled 'id="no-summary">No summary: the job was cancelled before its import finished'
hasnt st_cancelled ' left)'
req st_failed2 200 GET "/admin/imports/status/$xss_id" "${auth[@]}"
has st_failed2 'id="summary-records">52 processed,'
# Failed for good with its retries unspent: none of them can run.
perm_id=$(layer 'echo $s->createJob("perm.csv", $argv[1], "daily", maxRetries: 3);' "$work/bad.csv")
layer '(new Eclectyc\Worker($s, "perm-worker", false))->process(10);' >/dev/null
expect_job "$perm_id" status '"failed"'
expect_job "$perm_id" error_class '"permanent"'
req st_perm 200 GET "/admin/imports/status/$perm_id" "${auth[@]}"
hasnt st_perm '3 left'
has_re st_perm 'id="retries-spent">0 of 3\s*\(none will run: the error is permanent; an operator&apos;s retry still can\)</dd>'
has st_perm 'id="failed-for-good"'
has st_perm 'No summary: the job failed before its import finished'
hasnt st_perm 'No summary yet'
has st_perm 'id="retry-form"'
# Still queued with retries: they are left.
queued2_id=$(layer 'echo $s->createJob("queued2.csv", $argv[1], "daily", maxRetries: 3);' "$work/low.csv")
req st_queued2 200 GET "/admin/imports/status/$queued2_id" "${auth[@]}"
has_re st_queued2 'id="retries-spent">0 of 3\s*\(3 left\)</dd>'
has st_queued2 'No summary yet: the worker stores it when the import finishes.'
layer '$s->cancelJob($argv[1]);' "$queued2_id"    # out of the later workers' way
# Handed back after 5,000 of 12,000 rows, then resumed and completed: the summary's readings are the
# last attempt's (7,000), the records the job's (12,000), and the page says which is which.
layer '$out = fopen($argv[1], "wb"); fwrite($out, "mpan,date,value\n");
	for ($i = 0; $i < 12000; $i++) { fprintf($out, "%d,%s,%.2f\n", 1800000000000 + $i % 100,
		gmdate("Y-m-d", 1577836800 + 86400 * intdiv($i, 100)), 2.5); }
	fclose($out);' "$work/resumed.csv"
resumed_id=$(layer 'echo $s->createJob("resumed.csv", $argv[1], "daily");' "$work/resumed.csv")
layer '(new Eclectyc\Worker($s, "stopping-worker", false, fn (int $done): bool => $done >= 5000))->process(1);' >/dev/null
expect_job "$resumed_id" status '"queued"'
expect_job "$resumed_id" processed_rows 5000
layer '(new Eclectyc\Worker($s, "resuming-worker", false))->process(1);' >/dev/null
expect_job "$resumed_id" status '"completed"'
expect_job "$resumed_id" imported_rows 12000
[ "$(layer 'echo $s->getJob($argv[1])["summary"]["inserted"] ?? "none";' "$resumed_id")" = 7000 ] \
	|| fail "the resumed job's summary no longer counts the last attempt only: update this test"
req st_resumed 200 GET "/admin/imports/status/$resumed_id" "${auth[@]}"
has st_resumed 'id="progress-rows">12,000 of 12,000 rows</dd>'
has_re st_resumed 'id="summary-records">12,000 processed,\s*12,000 imported, 0 failed</dd>'
has_re st_resumed '<dt>Readings \(last attempt\)</dt><dd id="summary-readings">7,000 inserted,\s*0 updated, 0 unchanged in rows 5,001 to 12,000 \(attempt 2\)</dd>'
has_re st_resumed 'id="summary-resumed">Attempt 2 resumed at row 5,000, where the\s*attempt before it stopped'
has_re st_resumed '<tr data-attempt="1" data-outcome="queued">.*<td class="worker">stopping-worker</td>'
# A job run once from the first row has no such note.
hasnt st_xss 'id="summary-resumed"'
has st_xss '<dt>Readings</dt>'

# ---- Issue 15: nothing read from a job's file is shown unless the file lies inside the storage root.
printf 'TOPSECRET-%s,not-a-meter\nsecond line,x\n' "$RANDOM" >"$outside/secret.txt"
ln -s "$outside/secret.txt" "$work/link.csv"
secret=$(head -n 1 "$outside/secret.txt" | cut -d, -f1)
# Queued and run by hosts that confine nothing (useConfig: false, so no storage
# root; a configured Store refuses this file): the page must hide what they read.
link_id=$(layer 'echo (new Eclectyc\Store(getenv("ECLECTYC_DB"), useConfig: false))
	->createJob("link.csv", $argv[1], "daily", maxRetries: 0);' "$work/link.csv")
layer '(new Eclectyc\Worker(new Eclectyc\Store(getenv("ECLECTYC_DB"), useConfig: false),
	"link-worker", false))->process(10);' >/dev/null
expect_job "$link_id" status '"failed"'
job "$link_id" error_message | grep -qF "$secret" || fail "the worker no longer quotes the file's header: update this test"
req st_link 200 GET "/admin/imports/status/$link_id" "${auth[@]}"
hasnt st_link "$secret"
hasnt st_link 'not-a-meter'
has st_link 'id="job-error-hidden"'
has st_link "not inside the storage root (ECLECTYC_STORAGE_DIR)"
has_re st_link '<span class="error-class">permanent</span>: <span class="muted hidden-text">\(not shown\)</span>'
# A file that is inside the root through a link inside the root is shown.
ln -s "$work/bad.csv" "$work/inside-link.csv"
inside_id=$(layer 'echo $s->createJob("inside.csv", $argv[1], "daily", maxRetries: 0);' "$work/inside-link.csv")
layer '(new Eclectyc\Worker($s, "inside-worker", false))->process(10);' >/dev/null
req st_inside 200 GET "/admin/imports/status/$inside_id" "${auth[@]}"
has st_inside 'Headers detected: a, b'
hasnt st_inside 'hidden-text'
# A completed job whose file has become a link to a file outside: its summary's texts are hidden.
cp "$work/low.csv" "$work/swapped.csv"
swapped_id=$(layer 'echo $s->createJob("swapped.csv", $argv[1], "daily");' "$work/swapped.csv")
layer '(new Eclectyc\Worker($s, "swap-worker", false))->process(10);' >/dev/null
expect_job "$swapped_id" status '"completed"'
rm "$work/swapped.csv"
ln -s "$outside/secret.txt" "$work/swapped.csv"
req st_swapped 200 GET "/admin/imports/status/$swapped_id" "${auth[@]}"
has st_swapped 'id="column-mapping-hidden"'
hasnt st_swapped 'id="column-mapping"'
hasnt st_swapped 'The whole summary (JSON)'
has st_swapped 'id="summary-format">daily</dd>'

# ---- Issue 15: no session file for anonymous visits, nor for a script polling with HTTP Basic.
sessions() { find "$ECLECTYC_ADMIN_SESSION_DIR" -maxdepth 1 -name 'sess_*' | wc -l; }
before=$(sessions)
for i in $(seq 1 15); do
	req anon_login 200 GET "/admin/login?next=%2Fadmin%2Fhealth" "${html[@]}"
	has_header anon_login '^set-cookie: eclectyc_login=[0-9a-f]{64}; path=/admin/login; httponly; samesite=strict'
	no_header anon_login '^set-cookie: eclectyc_admin='
	req anon_page 303 GET /admin/imports/jobs "${html[@]}"
	req anon_stale 303 GET /admin/imports/jobs "${html[@]}" -b "eclectyc_admin=stale$i$RANDOM"
	req basic_poll 200 GET "/admin/imports/status/$queued_id/progress" "${auth[@]}"
	no_header basic_poll '^set-cookie: eclectyc_admin='
done
[ "$(sessions)" = "$before" ] || fail "60 anonymous or Basic-polling requests made $(( $(sessions) - before )) session files"
# Signing in with the form makes exactly one, and signing out removes it.
jar4="$work/cookies4"
req login4_form 200 GET /admin/login -c "$jar4"
req login4_null 403 POST /admin/login -b "$jar4" -d "_csrf=$(csrf_of login4_form)" -H 'Origin: null' \
	--data-urlencode "user=$ECLECTYC_ADMIN_USER" --data-urlencode "password=$ECLECTYC_ADMIN_PASSWORD"
req login4_wrongtoken 403 POST /admin/login -b "$jar4" -d "_csrf=$(printf '%064d' 0)" \
	--data-urlencode "user=$ECLECTYC_ADMIN_USER" --data-urlencode "password=$ECLECTYC_ADMIN_PASSWORD"
[ "$(sessions)" = "$before" ] || fail "a refused login made a session file"
req login4 303 POST /admin/login -b "$jar4" -c "$jar4" -d "_csrf=$(csrf_of login4_form)" \
	--data-urlencode "user=$ECLECTYC_ADMIN_USER" --data-urlencode "password=$ECLECTYC_ADMIN_PASSWORD"
[ "$(sessions)" = $((before + 1)) ] || fail "a login made $(( $(sessions) - before )) session files, not 1"
req s4_list 200 GET /admin/imports/jobs -b "$jar4"
req s4_logout 303 POST /admin/logout -b "$jar4" -c "$jar4" -d "_csrf=$(csrf_of s4_list)"
[ "$(sessions)" = "$before" ] || fail "signing out left the session file"

grep -qiE 'PHP (Fatal|Warning|Notice|Deprecated)' "$work/server.log" && fail "PHP errors in the server log"
grep -qF "$ECLECTYC_ADMIN_PASSWORD" "$work/server.log" && fail "the password is in the server log"
grep -qF 'failed sign-in (HTTP Basic) from 127.0.0.1 as user "admin"' "$work/server.log" \
	|| fail "no log line for the failed HTTP Basic sign-in"
grep -qF 'failed sign-in (login form) from 127.0.0.1 as user "operator"' "$work/server.log" \
	|| fail "no log line for the failed login form"
stop_servers

# ---- Issue 15: failed sign-ins throttled per address: 429 with Retry-After after 5 within 5 minutes.
# A server of its own, with a session directory (where the throttle's file lives) of its own.
export ECLECTYC_ADMIN_SESSION_DIR="$work/sessions-throttle"
mkdir -p "$ECLECTYC_ADMIN_SESSION_DIR"
start_server "$work/server-throttle.log"
jar5="$work/cookies5"
req t_form 200 GET /admin/login -c "$jar5"
req t_login 303 POST /admin/login -b "$jar5" -c "$jar5" -d "_csrf=$(csrf_of t_form)" \
	--data-urlencode "user=$ECLECTYC_ADMIN_USER" --data-urlencode "password=$ECLECTYC_ADMIN_PASSWORD"
jar6="$work/cookies6"
req t_form2 200 GET /admin/login -c "$jar6"
wrong_pw="wrong-$RANDOM-secret"
for i in 1 2 3; do
	req t_basic 401 GET /admin/health -u "$ECLECTYC_ADMIN_USER:$wrong_pw$i"
done
for i in 4 5; do
	req t_wrong_form 401 POST /admin/login -b "$jar6" -d "_csrf=$(csrf_of t_form2)" \
		--data-urlencode "user=intruder$i" --data-urlencode "password=$wrong_pw$i"
done
# The sixth attempt is refused unchecked, even with the right password, by either way in.
req t_429 429 GET /admin/health "${auth[@]}"
has_header t_429 '^retry-after: [0-9]+\s*$'
wait_s=$(grep -i '^retry-after:' "$work/t_429.h" | tr -dc 0-9)
[ "$wait_s" -ge 290 ] && [ "$wait_s" -le 300 ] || fail "Retry-After: $wait_s"
has t_429 'Too many failed sign-ins from this address'
req t_429_form 429 POST /admin/login -b "$jar6" -d "_csrf=$(csrf_of t_form2)" \
	--data-urlencode "user=$ECLECTYC_ADMIN_USER" --data-urlencode "password=$ECLECTYC_ADMIN_PASSWORD"
has_header t_429_form '^retry-after: [0-9]+'
req t_429_json 429 GET "/admin/imports/status/$queued_id/progress" "${auth[@]}"
has t_429_json '{"error":"Too many failed sign-ins'
# A session signed in before is not affected; a request without credentials is not a sign-in.
req t_session 200 GET /admin/health -b "$jar5"
req t_anon 401 GET /admin/health
# One log line per failed attempt, with the address and the user name, never the password.
[ "$(grep -c 'eclectyc admin: failed sign-in' "$work/server-throttle.log")" = 5 ] \
	|| fail "not 5 failed sign-in log lines: $(grep 'failed sign-in' "$work/server-throttle.log")"
[ "$(grep -cF 'failed sign-in (HTTP Basic) from 127.0.0.1 as user "operator"' "$work/server-throttle.log")" = 3 ] \
	|| fail "the HTTP Basic failures are not logged with address and user"
grep -qF 'failed sign-in (login form) from 127.0.0.1 as user "intruder5"' "$work/server-throttle.log" \
	|| fail "the login form failures are not logged with address and user"
grep -qF '5 failed sign-ins from 127.0.0.1 within 300 s' "$work/server-throttle.log" || fail "no log line for the throttle"
grep -qF -e "$wrong_pw" -e "$ECLECTYC_ADMIN_PASSWORD" "$work/server-throttle.log" && fail "a password is in the log"
[ -f "$ECLECTYC_ADMIN_SESSION_DIR/eclectyc-admin-throttle.json" ] || fail "no throttle file"
grep -qiE 'PHP (Fatal|Warning|Notice|Deprecated)' "$work/server-throttle.log" && fail "PHP errors in the throttle server's log"
stop_servers
# The throttle itself, with an injected clock: the window, success, the bound, and no lost update
# when many processes write at once (flock).
"${PHP[@]}" -r 'require $argv[1]; use EclectycAdmin\Throttle;
	$t = new Throttle($argv[2]);
	$check = function (bool $ok, string $what): void { if (!$ok) { fwrite(STDERR, "throttle: $what\n"); exit(1); } };
	for ($i = 0; $i < 4; $i++) { $check($t->failure("a", 1000 + $i) === 0, "locked before 5 failures"); }
	$check($t->failure("a", 1010) === 290, "5th failure: wait 290 s");
	$check($t->retryAfter("a", 1010) === 290 && $t->retryAfter("a", 1299) === 1, "the wait");
	$check($t->retryAfter("a", 1300) === 0, "unlocked once the oldest failure is 300 s old");
	$check($t->retryAfter("b", 1010) === 0, "another address is not throttled");
	$t->success("a", 1011);
	$check($t->retryAfter("a", 1011) === 0, "a success clears the failures");
	$check(strlen(file_get_contents($argv[2])) < 100, "failures older than the window are dropped");' \
	"$src/examples/php/admin/Throttle.php" "$work/throttle-unit.json" || fail "the throttle's unit checks"
for p in 1 2 3 4 5 6; do
	"${PHP[@]}" -r 'require $argv[1]; $t = new EclectycAdmin\Throttle($argv[2]);
		for ($i = 0; $i < 40; $i++) { $t->failure("p{$argv[3]}-$i", time()); }' \
		"$src/examples/php/admin/Throttle.php" "$work/throttle-race.json" "$p" &
done
wait
clients=$("${PHP[@]}" -r 'echo count(json_decode(file_get_contents($argv[1]), true));' "$work/throttle-race.json")
[ "$clients" = 240 ] || fail "6 processes x 40 failures at once: $clients clients recorded, not 240 (lost updates)"

# ---- Issue 15: without the extension (php -n), the app's own page says what to add: 503, not a blank 500.
export ECLECTYC_ADMIN_SESSION_DIR="$work/sessions"
PHP_WITH_EXTENSION=("${PHP[@]}")
PHP=("$php" -n)
start_server "$work/server-noext.log"
PHP=("${PHP_WITH_EXTENSION[@]}")
req noext_jobs 503 GET /admin/imports/jobs "${html[@]}"
has_header noext_jobs '^content-type: text/html; charset=utf-8'
has_header noext_jobs "^content-security-policy: default-src 'none'"
has noext_jobs '<h1>Error 503</h1>'
has noext_jobs 'The eclectyc PHP extension is not loaded'
has noext_jobs 'extension=eclectyc'
has noext_jobs "$(printf '%s' '<link rel="stylesheet" href="/admin/assets/admin.css')"
for path in /admin/login "/admin/imports/status/$queued_id" /admin/health; do
	req noext_page 503 GET "$path" "${auth[@]}"
	has noext_page 'extension=eclectyc'
done
req noext_progress 503 GET "/admin/imports/status/$queued_id/progress" "${auth[@]}"
has noext_progress '{"error":"The eclectyc PHP extension is not loaded'
req noext_api 503 GET /api/import/jobs "${bearer[@]}"
has_header noext_api '^content-type: application/json'
has noext_api 'extension=eclectyc'
req noext_root 303 GET /
req noext_css 200 GET /admin/assets/admin.css
grep -qF 'the eclectyc extension is not loaded' "$work/server-noext.log" || fail "no log line for the missing extension"
grep -qiE 'PHP (Fatal|Warning|Notice|Deprecated)|Uncaught' "$work/server-noext.log" && fail "PHP errors in the log without the extension"
stop_servers

# ---- Issue 15: without a storage root, nothing read from a job's file is shown at all.
ECLECTYC_STORAGE_DIR='' start_server "$work/server-noroot.log"
req nr_link 200 GET "/admin/imports/status/$link_id" "${auth[@]}"
hasnt nr_link "$secret"
has nr_link 'no storage root is set (ECLECTYC_STORAGE_DIR)'
req nr_inside 200 GET "/admin/imports/status/$inside_id" "${auth[@]}"
hasnt nr_inside 'Headers detected'
has nr_inside 'id="job-error-hidden"'
grep -qiE 'PHP (Fatal|Warning|Notice|Deprecated)' "$work/server-noroot.log" && fail "PHP errors in the log without a storage root"
stop_servers

echo "web admin HTTP: $n requests, all as expected"
