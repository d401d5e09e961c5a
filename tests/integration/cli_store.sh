# shellcheck shell=bash
# The stores of the command-line tests (test_cli.sh, test_deployment.sh,
# test_workers.sh), on either backend, behind a few functions so that one
# script runs the same flows on SQLite and on PostgreSQL. Sourced after tmp
# (a scratch directory) is set; then:
#
#   store_init STORE PREFIX   STORE: empty or "sqlite" (a SQLite file per
#                             store, in $tmp), or a PostgreSQL URI or
#                             key=value string without a schema parameter (a
#                             fresh schema per store, ${PREFIX}_<pid>_<random>_NAME,
#                             created by `eclectyc migrate`, dropped by
#                             store_cleanup). Sets STORE_KIND (sqlite|pgsql).
#   store_uri NAME            the URI of store NAME
#   sql NAME QUERY            run QUERY in store NAME (sqlite3 shell, or psql
#                             -At): rows on separate lines, "|" between columns;
#                             errors are printed in place of the rows
#   sql_exec NAME QUERY       the same, output discarded; errors to stderr and
#                             a non-zero status
#   by_backend SQLITE PGSQL   prints the variant for the backend in use
#   sql_fixed3 EXPR           EXPR as text with exactly three decimals
#   sql_list EXPR             an aggregate: EXPR's values joined by ","
#   sql_ago SECONDS           an instant SECONDS before now, as stored
#   store_tables NAME         number of tables of store NAME (on PostgreSQL,
#                             plus 1 when its schema exists)
#   store_exists NAME         true when store NAME exists (file or schema)
#   store_cleanup             drops this run's schemas (PostgreSQL)
#   store_backend             "SQLite" or "PostgreSQL", for messages

STORE_KIND=sqlite
STORE_PG_BASE=""
STORE_TAG=""
PSQL=${PSQL:-$(command -v psql || echo "${PGBIN:-/usr/lib/postgresql/15/bin}/psql")}

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
	*)
		echo "unsupported store '$1' (sqlite, or a PostgreSQL URI)" >&2
		return 2 ;;
	esac
}

store_backend() {
	by_backend SQLite PostgreSQL
}

by_backend() {
	if [ "$STORE_KIND" = pgsql ]; then printf '%s\n' "$2"; else printf '%s\n' "$1"; fi
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
	if [ "$STORE_KIND" = sqlite ]; then
		sqlite3 "$tmp/$1.db" "$2" 2>&1
	else
		"$PSQL" "$STORE_PG_BASE" -qAt -v ON_ERROR_STOP=1 \
			-c "SET search_path = $(_store_schema "$1")" -c "$2" 2>&1
	fi
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
	by_backend "printf('%.3f', $1)" "to_char($1, 'FM999999999990.000')"
}

sql_list() {
	by_backend "group_concat($1)" "string_agg(($1)::text, ',')"
}

sql_ago() {
	by_backend "(strftime('%s', 'now') - $1)" "(now() - interval '$1 seconds')"
}

store_tables() {
	if [ "$STORE_KIND" = sqlite ]; then
		sqlite3 "$tmp/$1.db" "select count(*) from sqlite_master where type = 'table'" 2>&1
	else
		local s
		s=$(_store_schema "$1")
		"$PSQL" "$STORE_PG_BASE" -qAt -c "select (select count(*) from information_schema.schemata
			where schema_name = '$s') + (select count(*) from information_schema.tables
			where table_schema = '$s')" 2>&1
	fi
}

store_exists() {
	if [ "$STORE_KIND" = sqlite ]; then
		[ -f "$tmp/$1.db" ]
	else
		[ "$("$PSQL" "$STORE_PG_BASE" -qAt -c "select count(*) from information_schema.schemata
			where schema_name = '$(_store_schema "$1")'" 2>&1)" = 1 ]
	fi
}

store_cleanup() {
	[ "$STORE_KIND" = pgsql ] || return 0
	local s
	for s in $("$PSQL" "$STORE_PG_BASE" -qAt -c "select nspname from pg_namespace
		where starts_with(nspname, '${STORE_TAG}_')" 2>/dev/null); do
		"$PSQL" "$STORE_PG_BASE" -qAtc "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1
	done
}
