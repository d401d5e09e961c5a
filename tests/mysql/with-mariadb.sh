#!/usr/bin/env bash
# Run a command against a throwaway MariaDB server.
#
#   tests/mysql/with-mariadb.sh COMMAND [ARGS...]
#
# Creates a private data directory (mariadb-install-db), starts mariadbd on a
# free port of 127.0.0.1 and a private socket (no binary log, InnoDB flushing
# its log once a second instead of at each commit: the same "durability off,
# semantics on" trade as the PostgreSQL harness's fsync off) with a private
# temporary directory (in a /tmp shared with other servers, the files of its
# internal temporary tables were seen deleted under it, failing
# information_schema queries: "Error on delete of '/tmp/#sql-temptable-….MAI'"),
# creates the
# database ecl_test and a user `ecl` with a password, exports
#   ECL_TEST_MYSQL_URI=mysql://ecl:PASSWORD@127.0.0.1:PORT/ecl_test
# (and ECL_TEST_MYSQL_SOCKET, ECL_TEST_MYSQL_PORT, ECL_TEST_MYSQL_DATADIR,
# ECL_TEST_MYSQL_ROOT: a client command line as root over the socket), runs
# the command, and stops and removes the server from an EXIT trap whatever
# happens. The command's exit status is the script's. Every argument equal
# to "{mysql}" is replaced by the URI.
#
# As root the server runs as the `mysql` user (mariadbd refuses root);
# otherwise as the caller. MARIADB_BIN overrides where mariadbd is
# (default /usr/sbin).
set -euo pipefail

MARIADB_BIN=${MARIADB_BIN:-/usr/sbin}
if [ $# -eq 0 ]; then
	echo "usage: $0 COMMAND [ARGS...]" >&2
	exit 2
fi
if [ ! -x "$MARIADB_BIN/mariadbd" ] || ! command -v mariadb-install-db >/dev/null; then
	echo "$0: no MariaDB server (mariadbd, mariadb-install-db): install mariadb-server" >&2
	exit 2
fi

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
		|| echo $(( 20000 + RANDOM % 20000 ))
}

DATADIR=$(mktemp -d /tmp/ecl-mariadb.XXXXXX)
RUNDIR=$(mktemp -d /tmp/ecl-mariadb-run.XXXXXX)
SOCKET=$RUNDIR/mysqld.sock
PIDFILE=$RUNDIR/mysqld.pid
user_args=()
if [ "$(id -u)" -eq 0 ]; then
	chown mysql:mysql "$DATADIR" "$RUNDIR"
	user_args=(--user=mysql)
fi
server_pid=""
cleanup() {
	status=$?
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$DATADIR" "$RUNDIR"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mariadb-install-db --no-defaults "${user_args[@]}" --datadir="$DATADIR" \
	--auth-root-authentication-method=socket --skip-test-db --skip-name-resolve \
	>"$RUNDIR/install.log" 2>&1 || { cat "$RUNDIR/install.log" >&2; exit 1; }

started=0
for attempt in 1 2 3 4 5; do
	PORT=${ECL_TEST_MYSQL_PORT:-$(free_port)}
	"$MARIADB_BIN/mariadbd" --no-defaults "${user_args[@]}" --datadir="$DATADIR" \
		--socket="$SOCKET" --pid-file="$PIDFILE" --port="$PORT" --bind-address=127.0.0.1 \
		--tmpdir="$RUNDIR" \
		--skip-name-resolve --skip-log-bin --innodb-flush-log-at-trx-commit=2 \
		--innodb-buffer-pool-size=256M --max-connections=300 --table-open-cache=1000 --local-infile=1 \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
		--log-error="$RUNDIR/server.log" &
	server_pid=$!
	for _ in $(seq 1 300); do
		if mariadb --no-defaults -S "$SOCKET" -u root -e 'SELECT 1' >/dev/null 2>&1; then
			started=1
			break
		fi
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	[ "$started" -eq 1 ] && break
	kill "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=""
	[ -z "${ECL_TEST_MYSQL_PORT:-}" ] || break
done
if [ "$started" -ne 1 ]; then
	echo "$0: the MariaDB server did not start:" >&2
	cat "$RUNDIR/server.log" >&2 || true
	exit 1
fi

PASSWORD="ecl-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
mariadb --no-defaults -S "$SOCKET" -u root <<SQL
CREATE DATABASE ecl_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'ecl'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
CREATE USER 'ecl'@'localhost' IDENTIFIED BY '$PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO 'ecl'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'ecl'@'localhost';
SQL

export ECL_TEST_MYSQL_URI="mysql://ecl:$PASSWORD@127.0.0.1:$PORT/ecl_test"
export ECL_TEST_MYSQL_SOCKET=$SOCKET ECL_TEST_MYSQL_PORT=$PORT ECL_TEST_MYSQL_DATADIR=$DATADIR
export ECL_TEST_MYSQL_ROOT="mariadb --no-defaults -S $SOCKET -u root"
args=()
for a in "$@"; do
	case "$a" in
	"{mysql}") args+=("$ECL_TEST_MYSQL_URI") ;;
	*) args+=("$a") ;;
	esac
done
set +e
"${args[@]}"
status=$?
set -e
exit "$status"
