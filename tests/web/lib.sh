# Shared by the web tests (sourced): the PHP command, fixtures and a php -S
# server on a loopback port the kernel picks.
#   needs: $php (the PHP binary), $ext (eclectyc.so), $src (source tree), $work (scratch dir)
PHP=("$php" -n -d "extension=$ext")
export ECLECTYC_PHP_LIB="$src/bindings/php/lib"

# free_port: a loopback port the kernel hands out (closed again at once; the
# caller retries should another process take it first).
free_port() {
	"${PHP[@]}" -r '$s = stream_socket_server("tcp://127.0.0.1:0", $errno, $error);
		if ($s === false) { fwrite(STDERR, "$error\n"); exit(1); }
		$name = stream_socket_get_name($s, false); echo substr($name, strrpos($name, ":") + 1), "\n";'
}

# start_server LOG: php -S with the example app's front controller, in the
# current environment; sets $port, $base and $server_pid (appended to $server_pids).
server_pids=()
start_server() {
	local log=$1 attempt
	server_pid=
	for attempt in 1 2 3 4 5; do
		port=$(free_port)
		"${PHP[@]}" -S "127.0.0.1:$port" "$src/examples/php/public/index.php" >"$log" 2>&1 &
		server_pid=$!
		for _ in $(seq 1 100); do
			curl -s -o /dev/null "http://127.0.0.1:$port/admin/assets/admin.css" && break
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$server_pid" 2>/dev/null && curl -s -o /dev/null "http://127.0.0.1:$port/admin/assets/admin.css"; then
			break
		fi
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=
	done
	[ -n "$server_pid" ] || { echo "FAIL: php -S did not start"; cat "$log"; return 1; }
	server_pids+=("$server_pid")
	base="http://127.0.0.1:$port"
	echo "php -S on $base (pid $server_pid)"
}

stop_servers() {
	local pid
	for pid in "${server_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	server_pids=()
}

# make_fixtures MODE: jobs in $ECLECTYC_DB through the PHP layer (fixtures.php);
# writes $work/ids.sh (shell variables NAME_id=...) and sources it.
make_fixtures() {
	"${PHP[@]}" "$src/tests/web/fixtures.php" "$1" "$work" >"$work/fixtures.log" 2>&1 \
		|| { cat "$work/fixtures.log"; echo "FAIL: fixtures"; return 1; }
	# shellcheck disable=SC1091
	. "$work/ids.sh"
}
