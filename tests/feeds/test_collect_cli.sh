#!/usr/bin/env bash
# `eclectyc sources` and `eclectyc collect` against a real SFTP server
# (run inside tests/feeds/with-sshd.sh, whose exports name it): a source
# added with one command delivers each supplier file into the queue once,
# its data is imported, the file is moved on the server only after its job
# completed, the operator sees the source's state, and a server whose key
# is unknown fails the poll with the reason recorded (exit 1).
#
#   with-sshd.sh test_collect_cli.sh PATH/TO/eclectyc
set -u

if [ $# -ne 1 ] || [ ! -x "$1" ] || [ -z "${ECL_TEST_SFTP_URL:-}" ]; then
	echo "usage: with-sshd.sh $0 PATH/TO/eclectyc" >&2
	exit 2
fi
ECL=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")
PY=${PYTHON:-python3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecl-collect.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
for var in $(compgen -e); do
	case $var in ECLECTYC_*) unset "$var" ;; esac
done
. "$ROOT/tests/integration/cli_checks.sh"
export ECLECTYC_DB="sqlite://$tmp/store.db" ECLECTYC_STORAGE_DIR="$tmp/storage"
mkdir -p "$ECLECTYC_STORAGE_DIR" "$ECL_TEST_SFTP_DIR/done"
export FEED_USER=$ECL_TEST_SFTP_USER

run migrate
expect "migrate" 0
"$PY" "$ROOT/tests/gen_readings.py" wide "$ECL_TEST_SFTP_DIR/hh_1.csv" --meters 2 --days 2
"$PY" "$ROOT/tests/gen_readings.py" wide "$ECL_TEST_SFTP_DIR/hh_2.csv" --meters 1 --days 3 --start 2025-11-20
printf 'not a reading\n' >"$ECL_TEST_SFTP_DIR/readme.txt"

run sources add stark "$ECL_TEST_SFTP_URL" --pattern 'hh_*.csv' --every 600 --after move=done \
	--ssh-key "$ECL_TEST_SFTP_KEY" --known-hosts "$ECL_TEST_SFTP_KNOWN_HOSTS" --user-env FEED_USER \
	--tag feed --priority high --stale-days 3
expect "sources add with one command" 0 "^Added source stark: sftp://"
run sources add stark "$ECL_TEST_SFTP_URL" --known-hosts "$ECL_TEST_SFTP_KNOWN_HOSTS"
expect "a second source of the same name is refused" 1 "" "stark"
run sources add bad sftp://127.0.0.1/x/
expect "an SFTP source without known_hosts is refused" 1 "" "known"
run sources add bad "$ECL_TEST_SFTP_URL" --after sideways
expect "an unknown --after is a usage error" 2 "" "--after"

run collect --settle-ms 200
expect "collect queues the two supplier files" 0 "2 file\\(s\\) seen, 2 queued, 0 skipped"
run --json jobs
expect_json "their jobs carry the source's priority, tag and metadata" "len(d) == 2 and \
all(j['priority'] == 'high' and j['tags'] == ['feed'] and j['metadata']['source'] == 'stark' \
for j in d) and sorted(j['filename'] for j in d) == ['hh_1.csv', 'hh_2.csv']"
run collect --source stark --settle-ms 0
expect "collecting again queues nothing and runs no after-action before the jobs ran" 0 \
	"2 file\\(s\\) seen, 0 queued, 2 skipped, 0 settled"
[ -f "$ECL_TEST_SFTP_DIR/hh_1.csv" ] && pass "the files stay on the server until imported" \
	|| fail "the files stay on the server until imported" "hh_1.csv is gone"

run worker --once
expect "the worker imports them" 0 "2 completed"
run collect --source stark --settle-ms 0
expect "then collect moves them on the server" 0 "2 settled"
if [ -f "$ECL_TEST_SFTP_DIR/done/hh_1.csv" ] && [ ! -f "$ECL_TEST_SFTP_DIR/hh_1.csv" ] \
	&& [ -f "$ECL_TEST_SFTP_DIR/readme.txt" ]; then
	pass "moved to done/ after their jobs completed; other files untouched"
else
	fail "moved to done/ after their jobs completed; other files untouched" "$(ls -R "$ECL_TEST_SFTP_DIR")"
fi

run --json sources list
expect_json "sources list shows the source's state" "len(d) == 1 and d[0]['name'] == 'stark' \
and d[0]['files_taken'] == 2 and d[0]['last_error'] is None and d[0]['last_poll_at'] is not None \
and d[0]['after'] == 'move' and d[0]['after_dir'] == 'done' and d[0]['paused'] is False"
run --json sources show stark
expect_json "sources show lists its files and polls" "[f['state'] for f in d['files']] == ['done', 'done'] \
and len(d['polls']) == 3 and d['polls'][0]['error'] is None"
run sources show stark
expect "sources show in text" 0 "done .*hh_"

# The server's key not in the known_hosts the source names: refused, recorded.
run sources add wrongkey "$ECL_TEST_SFTP_URL" --known-hosts "$ECL_TEST_SFTP_KNOWN_HOSTS_WRONG" \
	--ssh-key "$ECL_TEST_SFTP_KEY" --user-env FEED_USER
run collect --source wrongkey --settle-ms 0
expect "a host key that does not match fails the poll (exit 1)" 1 "1 failed"
run --json sources show wrongkey
expect_json "the source records why" "d['last_error'] is not None and d['files_taken'] == 0 \
and d['polls'][0]['error'] is not None"
stored=$(ls -A "$ECLECTYC_STORAGE_DIR/feeds/wrongkey" 2>/dev/null)
if [ -z "$stored" ] && [ "$(ls "$ECLECTYC_STORAGE_DIR/feeds/stark" | wc -l)" -eq 2 ]; then
	pass "nothing was fetched from a server that failed its key check"
else
	fail "nothing was fetched from a server that failed its key check" "stored: $stored"
fi

run sources pause wrongkey
expect "sources pause" 0 "paused"
run collect --source wrongkey
expect "a paused source is not collected" 1 "" "paused"
run sources resume wrongkey
expect "sources resume" 0 "resumed"
run sources remove wrongkey
expect "sources remove" 0 "removed"
run sources show wrongkey
expect "a removed source is gone" 1 "" "wrongkey"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
