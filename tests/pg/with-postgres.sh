#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 server.
#
#   tests/pg/with-postgres.sh COMMAND [ARGS...]
#
# Starts a private cluster (initdb, trust auth, loopback only, fsync off) on a
# free port of 127.0.0.1, creates the database ecl_test, exports
#   ECL_TEST_PG_URI=postgresql://postgres@127.0.0.1:PORT/ecl_test
# (and PGHOST/PGPORT/PGUSER/PGDATABASE, and ECL_TEST_PGDATA/ECL_TEST_PGBIN:
# the data directory and the server binaries), runs the command, and stops and
# removes the server from an EXIT trap whatever happens. The command's exit
# status is the script's. Every argument equal to "{pg}" is replaced by the
# URI, and "{pg-tests}" by the URI with a per-test schema template
# ("…?schema=ecl_t%d") for test_conformance.
#
# Must run as root (initdb refuses root, so the server runs as the
# `postgres` user through runuser) or as an ordinary user who can run initdb
# directly. PGBIN overrides the server binaries (default
# /usr/lib/postgresql/15/bin); ECL_TEST_PG_PORT fixes the port (to match a
# URI given to CMake as ECL_TEST_PG_URI, so `ctest -R pgsql` can run inside).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ $# -eq 0 ]; then
	echo "usage: $0 COMMAND [ARGS...]" >&2
	exit 2
fi
if [ ! -x "$PGBIN/initdb" ]; then
	echo "$0: no PostgreSQL server binaries in $PGBIN" >&2
	exit 2
fi

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# A free loopback port: ask the kernel for one, then release it.
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
		|| echo $(( 20000 + RANDOM % 20000 ))
}

PGDATA=$(mktemp -d /tmp/ecl-pg.XXXXXX)
SOCKDIR=$(mktemp -d /tmp/ecl-pg-sock.XXXXXX)
started=0
cleanup() {
	status=$?
	if [ "$started" -eq 1 ]; then
		as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$PGDATA" "$SOCKDIR"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" -eq 0 ]; then
	chown postgres:postgres "$PGDATA" "$SOCKDIR"
fi
chmod 700 "$PGDATA"
as_pg "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 \
	>"$PGDATA.initdb.log" 2>&1 || { cat "$PGDATA.initdb.log" >&2; rm -f "$PGDATA.initdb.log"; exit 1; }
rm -f "$PGDATA.initdb.log"

for attempt in 1 2 3 4 5; do
	PORT=${ECL_TEST_PG_PORT:-$(free_port)}
	if as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 30 \
		-o "-k $SOCKDIR -p $PORT -c listen_addresses=127.0.0.1 -F -c max_connections=200" \
		start >/dev/null; then
		started=1
		break
	fi
	[ -z "${ECL_TEST_PG_PORT:-}" ] || break
done
if [ "$started" -ne 1 ]; then
	echo "$0: the PostgreSQL server did not start:" >&2
	cat "$PGDATA/server.log" >&2 || true
	exit 1
fi

"$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qAtc 'CREATE DATABASE ecl_test' >/dev/null

export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=ecl_test
export ECL_TEST_PG_URI="postgresql://postgres@127.0.0.1:$PORT/ecl_test"
# For tests that control the server itself (tests/pg/test_restart.sh runs
# `pg_ctl -D "$ECL_TEST_PGDATA" restart` as the postgres user).
export ECL_TEST_PGDATA=$PGDATA ECL_TEST_PGBIN=$PGBIN
args=()
for a in "$@"; do
	case "$a" in
	"{pg}") args+=("$ECL_TEST_PG_URI") ;;
	"{pg-tests}") args+=("$ECL_TEST_PG_URI?schema=ecl_t%d") ;;
	*) args+=("$a") ;;
	esac
done
set +e
"${args[@]}"
status=$?
set -e
exit "$status"
