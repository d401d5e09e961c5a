#!/usr/bin/env bash
# Run SQL in the database a mysql:// (mariadb://) URI names, with the
# mariadb client: the files given, in order, or standard input. Rows come
# out in batch form (one a line, tabs between columns). For tests in
# languages without a MySQL client of their own (the PHP binding's MySQL
# tests, bindings/php/tests/mysql) that prepare or inspect a store.
#
#   sql.sh mysql://USER:PASSWORD@HOST:PORT/DATABASE [FILE...]
set -euo pipefail

if [ $# -lt 1 ]; then
	echo "usage: $0 MYSQL-URI [FILE...]" >&2
	exit 2
fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
uri=${1%%\?*}
db=${uri##*/}
tmp=${TMPDIR:-/tmp}
. "$ROOT/tests/integration/cli_store.sh"
_store_my_parse "$1"
shift
if [ $# -eq 0 ]; then
	_store_my "$db"
else
	cat -- "$@" | _store_my "$db"
fi
