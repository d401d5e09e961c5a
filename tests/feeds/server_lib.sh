# Shared by the throwaway feed servers (with-sshd.sh, with-vsftpd.sh,
# with-https.sh); sourced, not run. Each script keeps its server's
# processes in `server_pids` and its files in `workdir`; feeds_cleanup
# (the EXIT trap) stops the one and removes the other whatever happened.

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
		|| echo $(( 20000 + RANDOM % 20000 ))
}

# wait_port PORT PID: 0 once 127.0.0.1:PORT accepts a connection, 1 when the
# process PID has exited first or 10 s have passed.
wait_port() {
	local port=$1 pid=$2
	for _ in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop_pid PID: TERM, then KILL after 10 s.
stop_pid() {
	local pid=$1
	kill -0 "$pid" 2>/dev/null || return 0
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
}

server_pids=()
workdir=""
cleanup_hooks=()
feeds_cleanup() {
	local status=$? pid hook
	for pid in "${server_pids[@]}"; do
		stop_pid "$pid"
	done
	for hook in "${cleanup_hooks[@]}"; do
		$hook || true
	done
	[ -z "$workdir" ] || rm -rf "$workdir"
	exit "$status"
}

# feeds_usage "$@": a command to run is required.
feeds_usage() {
	if [ $# -eq 0 ]; then
		echo "usage: $0 COMMAND [ARGS...]" >&2
		exit 2
	fi
}

# feeds_workdir NAME: the cleanup traps set, workdir=/tmp/ecl-NAME.XXXXXX made.
feeds_workdir() {
	trap feeds_cleanup EXIT
	trap 'exit 130' INT TERM
	workdir=$(mktemp -d "/tmp/ecl-$1.XXXXXX")
}

# run_wrapped COMMAND...: run the command, the script's exit status being its.
run_wrapped() {
	set +e
	"$@"
	local status=$?
	set -e
	exit "$status"
}

# make_cert DIR: a self-signed certificate for 127.0.0.1 and localhost,
# DIR/cert.pem (also the CA file clients trust) and DIR/key.pem.
make_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$1/key.pem" -out "$1/cert.pem" >"$1/openssl.log" 2>&1 \
		|| { cat "$1/openssl.log" >&2; return 1; }
}

# random_word: 18 hex digits.
random_word() { head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
