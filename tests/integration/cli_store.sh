# shellcheck shell=bash
# The stores of the command-line tests (test_cli.sh, test_deployment.sh,
# test_workers.sh), on either backend, behind a few functions so that one
# script runs the same flows on SQLite, PostgreSQL and MySQL/MariaDB.
# Sourced after tmp (a scratch directory) is set; then:
#
#   store_init STORE PREFIX   STORE: empty or "sqlite" (a SQLite file per
#                             store, in $tmp); a PostgreSQL URI or key=value
#                             string without a schema parameter (a fresh
#                             schema per store, ${PREFIX}_<pid>_<random>_NAME,
#                             created by `eclectyc migrate`, dropped by
#                             store_cleanup); or a mysql:// (mariadb://) URI,
#                             whose database is replaced by a fresh one per
#                             store named the same way (created by migrate,
#                             dropped by store_cleanup). Sets STORE_KIND
#                             (sqlite|pgsql|mysql).
#   store_uri NAME            the URI of store NAME
#   sql NAME QUERY            run QUERY in store NAME (sqlite3 shell, psql
#                             -At, or the mariadb client with `||` as
#                             concatenation and UTC): rows on separate lines,
#                             "|" between columns; errors are printed in
#                             place of the rows
#   sql_exec NAME QUERY       the same, output discarded; errors to stderr and
#                             a non-zero status
#   by_backend SQLITE PGSQL [MYSQL]
#                             prints the variant for the backend in use (MySQL:
#                             the PostgreSQL one when MYSQL is not given)
#   sql_fixed3 EXPR           EXPR as text with exactly three decimals
#   sql_list EXPR             an aggregate: EXPR's values joined by ","
#   sql_ago SECONDS           an instant SECONDS before now, as stored
#   store_tables NAME         number of tables of store NAME (on PostgreSQL
#                             and MySQL, plus 1 when its schema or database
#                             exists)
#   store_exists NAME         true when store NAME exists (file, schema or
#                             database)
#   store_cleanup             drops this run's schemas or databases
#   store_backend             "SQLite", "PostgreSQL" or "MySQL", for messages

STORE_KIND=sqlite
STORE_PG_BASE=""
STORE_MY_BASE=""
STORE_TAG=""
PSQL=${PSQL:-$(command -v psql || echo "${PGBIN:-/usr/lib/postgresql/15/bin}/psql")}
MARIADB=${MARIADB:-$(command -v mariadb || command -v mysql || echo mariadb)}
# The mariadb client's connection options (_store_my_parse), and the password
# (passed in MYSQL_PWD, never on a command line).
STORE_MY_ARGS=()
STORE_MY_PWD=""

store_init() {
	case ${1:-} in
	"" | sqlite) STORE_KIND=sqlite ;;
	postgres://* | postgresql://* | postgresql:*)
		STORE_KIND=pgsql
		STORE_PG_BASE=$1
		STORE_TAG="${2:-ecl}_$$_${RANDOM}"
		if ! "$PSQL" "$STORE_PG_BASE" -qAtc "select 1" >/dev/null 2>&1; then
			echo "cannot connect to $STORE_PG_BASE with $PSQL" >&2
			return 1
		fi ;;
	mysql://* | mariadb://*)
		STORE_KIND=mysql
		STORE_TAG="${2:-ecl}_$$_${RANDOM}"
		_store_my_parse "$1" || return 2
		if ! _store_my -e "select 1" >/dev/null 2>&1; then
			echo "cannot connect to ${STORE_MY_BASE}/ with $MARIADB" >&2
			return 1
		fi ;;
	*)
		echo "unsupported store '$1' (sqlite, a PostgreSQL URI or a mysql:// URI)" >&2
		return 2 ;;
	esac
}

store_backend() {
	by_backend SQLite PostgreSQL MySQL
}

by_backend() {
	case $STORE_KIND in
	pgsql) printf '%s\n' "$2" ;;
	mysql) printf '%s\n' "${3-$2}" ;;
	*) printf '%s\n' "$1" ;;
	esac
}

# _store_my_decode TEXT: TEXT percent-decoded.
_store_my_decode() {
	printf '%b' "${1//%/\\x}"
}

# _store_my_parse URI: the server of a mysql:// URI as client options
# (STORE_MY_ARGS, STORE_MY_PWD) and as the URI without its database
# (STORE_MY_BASE); its query (only socket=) is kept in STORE_MY_QUERY.
_store_my_parse() {
	local rest=${1#*://} scheme=${1%%://*} auth="" hostport user pass="" host port=""
	STORE_MY_QUERY=""
	case $rest in *\?*) STORE_MY_QUERY=${rest#*\?}; rest=${rest%%\?*} ;; esac
	hostport=${rest%%/*}
	STORE_MY_BASE="$scheme://$hostport"
	case $hostport in *@*) auth=${hostport%@*}; hostport=${hostport##*@} ;; esac
	user=${auth%%:*}
	case $auth in *:*) pass=${auth#*:} ;; esac
	host=${hostport%%:*}
	case $hostport in *:*) port=${hostport##*:} ;; esac
	STORE_MY_ARGS=(--no-defaults -h "${host:-localhost}")
	[ -z "$port" ] || STORE_MY_ARGS+=(-P "$port")
	[ -z "$user" ] || STORE_MY_ARGS+=(-u "$(_store_my_decode "$user")")
	case $STORE_MY_QUERY in
	"") ;;
	socket=*) STORE_MY_ARGS+=(-S "$(_store_my_decode "${STORE_MY_QUERY#socket=}")") ;;
	*) echo "unsupported query in the MySQL URI: $STORE_MY_QUERY" >&2; return 1 ;;
	esac
	STORE_MY_PWD=$(_store_my_decode "$pass")
}

# _store_my ARGS...: the mariadb client on the server, batch output.
_store_my() {
	MYSQL_PWD=$STORE_MY_PWD "$MARIADB" "${STORE_MY_ARGS[@]}" -N -B -r "$@"
}

# _store_schema NAME: the schema of store NAME (letters, digits, "_").
_store_schema() {
	local s="${STORE_TAG}_$1"
	printf '%s\n' "${s//[^A-Za-z0-9_]/_}"
}

store_uri() {
	if [ "$STORE_KIND" = sqlite ]; then
		printf 'sqlite://%s/%s.db\n' "$tmp" "$1"
		return
	fi
	local s
	s=$(_store_schema "$1")
	if [ "$STORE_KIND" = mysql ]; then
		printf '%s/%s%s\n' "$STORE_MY_BASE" "$s" "${STORE_MY_QUERY:+?$STORE_MY_QUERY}"
		return
	fi
	case $STORE_PG_BASE in
	postgres://* | postgresql://*)
		case $STORE_PG_BASE in
		*\?*) printf '%s&schema=%s\n' "$STORE_PG_BASE" "$s" ;;
		*) printf '%s?schema=%s\n' "$STORE_PG_BASE" "$s" ;;
		esac ;;
	*) printf '%s schema=%s\n' "$STORE_PG_BASE" "$s" ;;
	esac
}

sql() {
	case $STORE_KIND in
	sqlite) sqlite3 "$tmp/$1.db" "$2" 2>&1 ;;
	pgsql)
		"$PSQL" "$STORE_PG_BASE" -qAt -v ON_ERROR_STOP=1 \
			-c "SET search_path = $(_store_schema "$1")" -c "$2" 2>&1 ;;
	*)
		# On stdin, so that DELIMITER works (trigger bodies); tabs become "|".
		printf "SET SESSION sql_mode = CONCAT(@@sql_mode, ',PIPES_AS_CONCAT');
SET time_zone = '+00:00';\n%s\n" "$2" | _store_my "$(_store_schema "$1")" 2>&1 | tr '\t' '|'
		return "${PIPESTATUS[1]}" ;;
	esac
}

sql_exec() {
	local got
	if ! got=$(sql "$1" "$2"); then
		echo "sql_exec $1: $got" >&2
		return 1
	fi
	# The sqlite3 shell may exit 0 after an error in a later statement.
	case $got in
	*Error:* | *ERROR:*) echo "sql_exec $1: $got" >&2; return 1 ;;
	esac
}

sql_fixed3() {
	by_backend "printf('%.3f', $1)" "to_char($1, 'FM999999999990.000')" "cast(round($1, 3) as decimal(30, 3))"
}

sql_list() {
	by_backend "group_concat($1)" "string_agg(($1)::text, ',')" "group_concat($1)"
}

sql_ago() {
	by_backend "(strftime('%s', 'now') - $1)" "(now() - interval '$1 seconds')" "(unix_timestamp() - $1)"
}

# _store_server_sql QUERY: QUERY on the server (PostgreSQL or MySQL), no store.
_store_server_sql() {
	if [ "$STORE_KIND" = mysql ]; then
		_store_my -e "$1" 2>&1
	else
		"$PSQL" "$STORE_PG_BASE" -qAt -c "$1" 2>&1
	fi
}

store_tables() {
	if [ "$STORE_KIND" = sqlite ]; then
		sqlite3 "$tmp/$1.db" "select count(*) from sqlite_master where type = 'table'" 2>&1
	else
		local s
		s=$(_store_schema "$1")
		_store_server_sql "select (select count(*) from information_schema.schemata
			where schema_name = '$s') + (select count(*) from information_schema.tables
			where table_schema = '$s')"
	fi
}

store_exists() {
	if [ "$STORE_KIND" = sqlite ]; then
		[ -f "$tmp/$1.db" ]
	else
		[ "$(_store_server_sql "select count(*) from information_schema.schemata
			where schema_name = '$(_store_schema "$1")'")" = 1 ]
	fi
}

store_cleanup() {
	local s
	if [ "$STORE_KIND" = mysql ]; then
		for s in $(_store_my -e "select schema_name from information_schema.schemata
			where left(schema_name, char_length('${STORE_TAG}_')) = '${STORE_TAG}_'" 2>/dev/null); do
			_store_my -e "DROP DATABASE IF EXISTS \`$s\`" >/dev/null 2>&1
		done
	fi
	[ "$STORE_KIND" = pgsql ] || return 0
	for s in $("$PSQL" "$STORE_PG_BASE" -qAt -c "select nspname from pg_namespace
		where starts_with(nspname, '${STORE_TAG}_')" 2>/dev/null); do
		"$PSQL" "$STORE_PG_BASE" -qAtc "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1
	done
}
