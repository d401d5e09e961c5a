#!/usr/bin/env bash
# The deployment files run as written.
#
# Usage: test_deployment.sh PATH/TO/eclectyc [REPO-ROOT [STORE]]
#
# Extracts every `eclectyc ...` command line from deployment/
# eclectyc-worker.service (ExecStart), supervisor-eclectyc-worker.conf
# (command=) and crontab.example (commented-out alternatives included),
# rewrites the binary to the built one and /etc/eclectyc, /var/log/eclectyc
# and /var/lib/eclectyc to a scratch directory, adds --once to worker
# commands that run forever, and runs each against a migrated scratch store:
# a renamed or removed flag breaks the build here, not in production. STORE
# chooses the backend: none or "sqlite" (the default), a SQLite file in the
# scratch directory; a PostgreSQL URI or key=value string (without a schema
# parameter), a fresh schema of that database, ecl_deploy_<pid>_<random>_lib,
# dropped at the end (tests/integration/cli_store.sh); a mysql:// URI, a fresh
# database of that name on its server.
# Also runs `systemd-analyze verify` on the unit when it is available (and
# says it skipped otherwise; a skip is not counted as a pass).
set -u

if [ $# -lt 1 ] || [ $# -gt 3 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/eclectyc [REPO-ROOT [sqlite | POSTGRESQL-URI | MYSQL-URI]]" >&2
	exit 2
fi
ECL=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")
ROOT=${2:-$(cd "$(dirname "$0")/../.." && pwd -P)}
DEP="$ROOT/deployment"
PY=${PYTHON:-python3}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecl-deploy.XXXXXX") || exit 1
tmp=$(cd "$tmp" && pwd -P)
# shellcheck source=cli_store.sh
. "$(cd "$(dirname "$0")" && pwd -P)/cli_store.sh"
trap 'store_cleanup; rm -rf "$tmp"' EXIT
store_init "${3:-}" ecl_deploy || exit $?
echo "# backend: $(store_backend)"
for var in $(compgen -e); do
	case $var in ECLECTYC_*|MAIL_*|ADMIN_EMAIL|SLACK_WEBHOOK_URL) unset "$var" ;; esac
done

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1: $2"; }

# The scratch tree standing in for /etc/eclectyc, /var/lib/eclectyc, /var/log/eclectyc.
mkdir -p "$tmp/etc" "$tmp/lib/imports" "$tmp/log"
# The store "lib/eclectyc": $tmp/lib/eclectyc.db, or schema ..._lib_eclectyc.
if [ "$STORE_KIND" = sqlite ]; then
	STORE_URI=$(store_uri lib/eclectyc)
else
	# Single-quoted: the env file and the shell take it literally.
	STORE_URI="'$(store_uri lib/eclectyc)'"
fi
cat >"$tmp/etc/eclectyc.env" <<ENV
ECLECTYC_DB=$STORE_URI
ECLECTYC_STORAGE_DIR=$tmp/lib/imports
ENV

for f in eclectyc-worker.service supervisor-eclectyc-worker.conf crontab.example logrotate.conf; do
	if [ -f "$DEP/$f" ]; then pass "deployment/$f exists"; else fail "deployment/$f exists" "missing"; fi
done

if "$ECL" --env-file "$tmp/etc/eclectyc.env" migrate >"$tmp/out" 2>&1; then
	pass "the scratch store is migrated"
else
	fail "the scratch store is migrated" "$(cat "$tmp/out")"
fi

# One command per line, each argument shell-quoted: SOURCE<TAB>COMMAND.
"$PY" - "$DEP" "$ECL" "$tmp" >"$tmp/commands" <<'PYEOF'
import re, shlex, sys
dep, ecl, tmp = sys.argv[1:4]
subst = [("/etc/eclectyc", tmp + "/etc"), ("/var/log/eclectyc", tmp + "/log"),
         ("/var/lib/eclectyc", tmp + "/lib")]

def emit(source, line):
    for old, new in subst:
        line = line.replace(old, new)
    line = re.sub(r"\s*(>>?|2>&1).*$", "", line)    # cron's redirections
    args = shlex.split(line)
    if not args or not args[0].endswith("eclectyc"):
        print(f"{source}\tBAD {shlex.quote(line)}")
        return
    args[0] = ecl
    if "worker" in args and "--once" not in args:
        args.insert(args.index("worker") + 1, "--once")
    print(f"{source}\t" + " ".join(shlex.quote(a) for a in args))

for line in open(f"{dep}/eclectyc-worker.service"):
    if line.startswith("ExecStart="):
        emit("service ExecStart", line[len("ExecStart="):].strip())
for line in open(f"{dep}/supervisor-eclectyc-worker.conf"):
    if line.startswith("command="):
        for n in (0, 1):
            cmd = line[len("command="):].strip()
            cmd = cmd.replace("%(host_node_name)s", "testhost").replace(
                "%(program_name)s", "eclectyc-worker")
            cmd = re.sub(r"%\(process_num\)0(\d)d", lambda m: "%0*d" % (int(m.group(1)), n), cmd)
            emit(f"supervisor command (process {n})", cmd)
cron = re.compile(r"^#?\s*((?:[0-9*/,-]+\s+){5})(\S*eclectyc\s.*)$")
for line in open(f"{dep}/crontab.example"):
    m = cron.match(line.strip())
    if m:
        emit("crontab: " + m.group(2).split()[3 if "--env-file" in m.group(2) else 1], m.group(2))
PYEOF

count=0
while IFS=$'\t' read -r source command; do
	count=$((count + 1))
	case $command in
	BAD*) fail "$source" "not an eclectyc command: ${command#BAD }"; continue ;;
	esac
	# The service reads the env file through systemd's EnvironmentFile.
	if (set -a; . "$tmp/etc/eclectyc.env"; set +a; eval "timeout 120 $command") \
		>"$tmp/out" 2>&1; then
		pass "$source runs: ${command#"$ECL" }"
	else
		fail "$source runs: ${command#"$ECL" }" "exit $?: $(tail -n 5 "$tmp/out")"
	fi
done <"$tmp/commands"
# ExecStart, two supervisor processes, and five cron lines.
if [ "$count" -ge 8 ]; then pass "found $count eclectyc command lines"; else fail "found the eclectyc command lines" "only $count"; fi
for cmd in "worker --once" "monitor --handle-stuck --send-alerts" "cleanup --days 30 --verbose" \
           "aggregate --all --verbose" "quality --verbose"; do
	if grep -q -- "$cmd" "$tmp/commands"; then pass "the deployment runs '$cmd'"; else fail "the deployment runs '$cmd'" "not found"; fi
done
# They used the scratch store: the aggregation runs are recorded there.
runs=$(sql lib/eclectyc "select count(*) from scheduler_executions")
if [ "$runs" -ge 4 ] 2>/dev/null; then pass "the commands ran against the scratch store ($runs aggregation runs)"; else fail "the commands ran against the scratch store" "scheduler_executions: $runs"; fi
if ls "$tmp"/log/worker*.log >/dev/null 2>&1; then pass "the workers wrote their log files"; else fail "the workers wrote their log files" "none in $tmp/log"; fi

# Settings that the worker's graceful stop depends on.
unit="$DEP/eclectyc-worker.service"
for setting in "KillSignal=SIGTERM" "TimeoutStopSec=120" "Restart=always" \
               "ExecReload=/bin/kill -HUP \$MAINPID" "EnvironmentFile=-/etc/eclectyc/eclectyc.env"; do
	if grep -qxF -- "$setting" "$unit"; then pass "the unit sets $setting"; else fail "the unit sets $setting" "missing"; fi
done
for setting in "stopsignal=TERM" "stopwaitsecs=120" "numprocs=2"; do
	if grep -qxF -- "$setting" "$DEP/supervisor-eclectyc-worker.conf"; then pass "supervisor sets $setting"; else fail "supervisor sets $setting" "missing"; fi
done
if grep -q "systemctl reload eclectyc-worker" "$DEP/logrotate.conf"; then pass "logrotate reloads the worker (SIGHUP)"; else fail "logrotate reloads the worker (SIGHUP)" "missing"; fi

# systemd's own check, on a copy that points at the built binary.
if command -v systemd-analyze >/dev/null 2>&1; then
	sed -e "s|/usr/local/bin/eclectyc|$ECL|" "$unit" >"$tmp/eclectyc-worker.service"
	if SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$tmp/eclectyc-worker.service" >"$tmp/out" 2>&1 &&
	   ! grep -Ei "unknown|invalid|ignoring|failed" "$tmp/out" | grep -v "$tmp/eclectyc-worker.service:.*Documentation" >/dev/null; then
		pass "systemd-analyze verify accepts the unit"
	else
		fail "systemd-analyze verify accepts the unit" "$(head -c 600 "$tmp/out")"
	fi
else
	echo "skip - systemd-analyze verify (systemd-analyze not installed)"
fi

echo "$passed passed, $failed failed on $(store_backend)"
[ "$failed" -eq 0 ]
