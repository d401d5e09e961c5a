#!/usr/bin/env bash
# The operators' pages in headless Chromium (browser_test.mjs, playwright-core
# with Debian's chromium): sets up a store with jobs, starts the example app
# under `php -S` on a loopback port the kernel picks, runs the browser test
# and stops the server. Screenshots go to OUTPUT_DIR.
#   run_browser_test.sh PHP EXTENSION_SO SOURCE_DIR OUTPUT_DIR [NODE] [CHROMIUM]
set -euo pipefail
php=$1 ext=$2 src=$3 out=$4 node=${5:-node} chromium=${6:-/usr/bin/chromium}
work=$(mktemp -d "${ECL_TEST_TMPDIR:-/tmp}/web-browser.XXXXXX")
# shellcheck source=tests/web/lib.sh
. "$src/tests/web/lib.sh"
cleanup() {
	local rc=$?
	stop_servers
	if [ "$rc" -eq 0 ]; then
		rm -rf "$work"
	else
		echo "--- server log"; grep -vE ' (Accepted|Closing)$' "$work/server.log" 2>/dev/null | tail -n 40 || true
		echo "(work dir kept: $work)"
	fi
	exit "$rc"
}
trap cleanup EXIT

# Fail, not skip, when what the test needs is missing.
[ -f "$src/tests/web/node_modules/playwright-core/package.json" ] \
	|| { echo "FAIL: tests/web/node_modules is missing: run npm ci --prefix tests/web (.ci/install-deps does)"; exit 1; }
[ -x "$chromium" ] || { echo "FAIL: no Chromium at $chromium (Debian package chromium; .ci/install-deps installs it)"; exit 1; }

export ECLECTYC_DB="sqlite://$work/eclectyc.db"
export ECLECTYC_ADMIN_USER=operator
export ECLECTYC_ADMIN_PASSWORD="browser-$RANDOM-$RANDOM"
export ECLECTYC_ADMIN_SESSION_DIR="$work/sessions"
export ECLECTYC_STORAGE_DIR="$work"    # the jobs' files: the pages may show what was read from them
mkdir -p "$ECLECTYC_ADMIN_SESSION_DIR" "$out"
rm -f "$out"/*.png
make_fixtures browser
start_server "$work/server.log"

# The worker the test starts while it watches the big job: the PHP example's
# worker loop, pausing 400 ms after each committed batch of 5,000 readings.
worker=$("${PHP[@]}" -r 'echo json_encode(array_slice($argv, 1));' -- "${PHP[@]}" \
	"$src/examples/php/worker_loop.php" --once --limit=1 --id=browser-test-worker --throttle-ms=400)
WEB_BASE=$base WEB_USER=$ECLECTYC_ADMIN_USER WEB_PASSWORD=$ECLECTYC_ADMIN_PASSWORD \
	WEB_IDS="$work/ids.json" WEB_OUT="$out" WEB_WORKER="$worker" CHROMIUM="$chromium" \
	"$node" "$src/tests/web/browser_test.mjs"
if grep -qiE 'PHP (Fatal|Warning|Notice|Deprecated)' "$work/server.log"; then
	echo "FAIL: PHP errors in the server log"
	exit 1
fi
