#!/usr/bin/env bash
# The operators' pages (examples/php/public/index.php -> examples/php/admin)
# under `php -S` on a loopback port the kernel picks, checked with curl:
# every route's status codes (200, 303, 400, 401, 403, 404, 405, 503), the
# credentials refusals, CSRF refusals (nothing changes), unknown batch ids,
# HTML escaping of a job with <script> in its filename and notes, the
# security headers, the session login, the exact counts per status and the
# priority filter against the store, the attempts tables (a failed job
# retried from its page and run again lists two), and /api/ through the same
# front controller.
#   test_admin_http.sh PHP EXTENSION_SO SOURCE_DIR
set -euo pipefail
php=$1 ext=$2 src=$3
work=$(mktemp -d "${ECL_TEST_TMPDIR:-/tmp}/web-http.XXXXXX")
# shellcheck source=tests/web/lib.sh
. "$src/tests/web/lib.sh"
cleanup() {
	local rc=$?
	stop_servers
	[ "$rc" -eq 0 ] && rm -rf "$work"
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
req f_crit 400 GET "/admin/imports/jobs?priority=critical" "${auth[@]}"
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
has_header login_form '^set-cookie: eclectyc_admin=[^;]+; path=/admin; httponly; samesite=strict'
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

grep -qiE 'PHP (Fatal|Warning|Notice|Deprecated)' "$work/server.log" && fail "PHP errors in the server log"
echo "web admin HTTP: $n requests, all as expected"
