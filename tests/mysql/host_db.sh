#!/usr/bin/env bash
# Put the PHP application's production schema (tests/mysql/host_app, no
# rows) in the database a MySQL store URI names, creating it afresh, so that
# the library's migrate adopts it: ECL_CONF_PREPARE of the conformance suite
# (conformance_mysql_adopted), which then runs every test on an adopted
# database.
#
#   host_db.sh mysql://USER:PASSWORD@HOST:PORT/DATABASE
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
uri=${1%%\?*}
db=${uri##*/}
tmp=${TMPDIR:-/tmp}
. "$ROOT/tests/integration/cli_store.sh"
_store_my_parse "$uri"
_store_my -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\`"
_store_my "$db" <"$ROOT/tests/mysql/host_app/production_schema.sql"
