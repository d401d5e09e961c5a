#!/usr/bin/env bash
# Run a command against a throwaway OpenSSH server offering SFTP.
#
#   tests/feeds/with-sshd.sh COMMAND [ARGS...]
#
# Makes a private directory, generates in it an ed25519 host key, a client
# key pair whose public half is the only authorized key, a second client key
# the server does not know, and known_hosts files; starts /usr/sbin/sshd on
# a free port of 127.0.0.1 with a config of its own (internal-sftp, key
# authentication only, no PAM, so no system account or service is touched;
# root may log in with a key, as CI runs as root); runs the command; stops
# the server and removes the directory from an EXIT trap whatever happens.
# It never uses or starts a system sshd. The command's exit status is the
# script's. Exported:
#   ECL_TEST_SFTP_URL          sftp://USER@127.0.0.1:PORT/DIR/files/ (a folder)
#   ECL_TEST_SFTP_DIR          that folder on the local file system
#   ECL_TEST_SFTP_USER         the user logged in (the caller)
#   ECL_TEST_SFTP_PORT
#   ECL_TEST_SFTP_KEY          the client's private key (its .pub beside it)
#   ECL_TEST_SFTP_WRONG_KEY    a private key the server does not accept
#   ECL_TEST_SFTP_KNOWN_HOSTS  [127.0.0.1]:PORT with the server's key
#   ECL_TEST_SFTP_KNOWN_HOSTS_WRONG    [127.0.0.1]:PORT with another key
#                              (a changed host key)
#   ECL_TEST_SFTP_KNOWN_HOSTS_UNKNOWN  only another host (an unknown host)
#   ECL_TEST_SFTP_SERVER_PID   the listening sshd
# SSHD overrides the server binary (default /usr/sbin/sshd).
set -euo pipefail
. "$(dirname "$0")/server_lib.sh"

SSHD=${SSHD:-/usr/sbin/sshd}
feeds_usage "$@"
if [ ! -x "$SSHD" ] || ! command -v ssh-keygen >/dev/null; then
	echo "$0: no OpenSSH server ($SSHD, ssh-keygen): install openssh-server" >&2
	exit 2
fi

feeds_workdir sshd
chmod 755 "$workdir"
mkdir "$workdir/files"
user=$(id -un)

for key in host_key other_host_key client_key wrong_key; do
	ssh-keygen -q -t ed25519 -N '' -C "ecl-test-$key" -f "$workdir/$key"
done
cp "$workdir/client_key.pub" "$workdir/authorized_keys"
# sshd's privilege separation needs this directory when it runs as root (the
# package's service would make it; nothing else of the service is used).
[ "$(id -u)" -ne 0 ] || mkdir -p -m 755 /run/sshd

started=0
for attempt in 1 2 3 4 5; do
	PORT=$(free_port)
	cat >"$workdir/sshd_config" <<CFG
Port $PORT
ListenAddress 127.0.0.1
HostKey $workdir/host_key
PidFile $workdir/sshd.pid
AuthorizedKeysFile $workdir/authorized_keys
AllowUsers $user
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
X11Forwarding no
AllowTcpForwarding no
PrintMotd no
LogLevel VERBOSE
Subsystem sftp internal-sftp
CFG
	"$SSHD" -D -e -f "$workdir/sshd_config" >>"$workdir/sshd.log" 2>&1 &
	pid=$!
	if wait_port "$PORT" "$pid"; then
		server_pids+=("$pid")
		started=1
		break
	fi
	stop_pid "$pid"
done
if [ "$started" -ne 1 ]; then
	echo "$0: sshd did not start:" >&2
	cat "$workdir/sshd.log" >&2 || true
	exit 1
fi

host_entry() { printf '[127.0.0.1]:%s %s\n' "$1" "$(cut -d' ' -f1,2 "$2")"; }
host_entry "$PORT" "$workdir/host_key.pub" >"$workdir/known_hosts"
host_entry "$PORT" "$workdir/other_host_key.pub" >"$workdir/known_hosts_wrong"
printf '[192.0.2.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$workdir/host_key.pub")" \
	>"$workdir/known_hosts_unknown"

export ECL_TEST_SFTP_URL="sftp://$user@127.0.0.1:$PORT$workdir/files/"
export ECL_TEST_SFTP_DIR="$workdir/files" ECL_TEST_SFTP_USER=$user ECL_TEST_SFTP_PORT=$PORT
export ECL_TEST_SFTP_KEY="$workdir/client_key" ECL_TEST_SFTP_WRONG_KEY="$workdir/wrong_key"
export ECL_TEST_SFTP_KNOWN_HOSTS="$workdir/known_hosts"
export ECL_TEST_SFTP_KNOWN_HOSTS_WRONG="$workdir/known_hosts_wrong"
export ECL_TEST_SFTP_KNOWN_HOSTS_UNKNOWN="$workdir/known_hosts_unknown"
export ECL_TEST_SFTP_SERVER_PID=${server_pids[0]}
run_wrapped "$@"
