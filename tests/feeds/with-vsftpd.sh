#!/usr/bin/env bash
# Run a command against two throwaway vsftpd servers sharing one folder:
# one with explicit TLS (ftp://, AUTH TLS required before login) and one
# with implicit TLS (ftps://). Both need a TLS login and TLS data.
#
#   tests/feeds/with-vsftpd.sh COMMAND [ARGS...]
#
# The login (user `ecl`, a random password) is a virtual user: vsftpd asks
# PAM, through a throwaway service file /etc/pam.d/ecl-vsftpd-<random> whose
# only check is this run's own user database (pam_userdb), and maps the login to the system's unprivileged `ftp`
# account (guest_enable; `nobody` when there is no `ftp`), chrooted into the
# shared folder. Why not a local user: creating and deleting a real account
# (useradd/userdel) edits /etc/passwd and /etc/shadow, and one left behind by
# a killed run would be a login with a known password for every service of
# the machine; a PAM service file left behind only answers programs that
# ask for that service by name. vsftpd needs root for any password login
# (its run_as_launching_user mode allows anonymous ones only), so the script
# does too; CI runs as root.
#
# Each server listens on a free port of 127.0.0.1 (passive data ports too)
# with a self-signed certificate made by openssl; the command runs; an EXIT
# trap stops both, removes the PAM file and the directory whatever happens.
# The command's exit status is the script's. Exported:
#   ECL_TEST_FTP_URL       ftp://127.0.0.1:PORT/ (explicit TLS; the folder)
#   ECL_TEST_FTPS_URL      ftps://127.0.0.1:PORT/ (implicit TLS; the same folder)
#   ECL_TEST_FTP_DIR       that folder on the local file system (mode 0777:
#                          the `ftp` account deletes and renames in it;
#                          folders a test makes in it need the same)
#   ECL_TEST_FTP_USER, ECL_TEST_FTP_PASSWORD
#   ECL_TEST_FTP_CA        the certificate, as the CA file to trust
# VSFTPD overrides the server binary (default /usr/sbin/vsftpd).
set -euo pipefail
. "$(dirname "$0")/server_lib.sh"

VSFTPD=${VSFTPD:-/usr/sbin/vsftpd}
feeds_usage "$@"
if [ ! -x "$VSFTPD" ] || ! command -v openssl >/dev/null; then
	echo "$0: no vsftpd ($VSFTPD) or openssl: install vsftpd and openssl" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "$0: vsftpd needs root for a password login (and this script for its PAM service file)" >&2
	exit 2
fi
guest=ftp
id -u "$guest" >/dev/null 2>&1 || guest=nobody

pam_file=""
remove_pam_file() { [ -z "$pam_file" ] || rm -f "$pam_file"; }
cleanup_hooks+=(remove_pam_file)
feeds_workdir vsftpd
chmod 755 "$workdir"
mkdir -m 0777 "$workdir/files"
chmod 0777 "$workdir/files"
mkdir -m 0555 "$workdir/empty"
make_cert "$workdir"
chmod 644 "$workdir/cert.pem" "$workdir/key.pem"

PASSWORD="ecl-$(random_word)"
(umask 077; printf '%s' "$PASSWORD" >"$workdir/password")
# pam_userdb reads a Berkeley DB hash of user -> password, which Python's
# dbm.ndbm writes on Debian (both link libdb 5.3; the file gets ".db").
# Not pam_exec: vsftpd's privileged process takes the SIGCHLD of the
# checking program for its session child's and waits for ever.
/usr/bin/python3 - "$workdir/users" "$PASSWORD" <<'PY'
import dbm.ndbm, sys
db = dbm.ndbm.open(sys.argv[1], "c", 0o600)
db[b"ecl"] = sys.argv[2].encode()
db.close()
PY
[ -f "$workdir/users.db" ] || { echo "$0: python3's dbm.ndbm made no Berkeley DB file for pam_userdb" >&2; exit 1; }
service="ecl-vsftpd-$(random_word)"
pam_file="/etc/pam.d/$service"
cat >"$pam_file" <<PAM
# A throwaway login of tests/feeds/with-vsftpd.sh ($workdir); removed at its exit.
auth required pam_userdb.so db=$workdir/users
account required pam_permit.so
session required pam_permit.so
PAM

# write_config NAME PORT IMPLICIT(YES|NO)
write_config() {
	cat >"$workdir/$1.conf" <<CFG
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$2
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
guest_enable=YES
guest_username=$guest
virtual_use_local_privs=YES
pam_service_name=$service
local_root=$workdir/files
chroot_local_user=YES
allow_writeable_chroot=YES
secure_chroot_dir=$workdir/empty
pasv_enable=YES
port_enable=NO
ssl_enable=YES
implicit_ssl=$3
rsa_cert_file=$workdir/cert.pem
rsa_private_key_file=$workdir/key.pem
force_local_logins_ssl=YES
force_local_data_ssl=YES
ssl_tlsv1=YES
ssl_sslv2=NO
ssl_sslv3=NO
ssl_ciphers=HIGH
require_ssl_reuse=NO
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file=$workdir/$1.log
CFG
}

# start NAME IMPLICIT: a server on a free port; its port in `port`.
start() {
	local attempt pid
	for attempt in 1 2 3 4 5; do
		port=$(free_port)
		write_config "$1" "$port" "$2"
		"$VSFTPD" "$workdir/$1.conf" >>"$workdir/$1.out" 2>&1 &
		pid=$!
		if wait_port "$port" "$pid"; then
			server_pids+=("$pid")
			return 0
		fi
		stop_pid "$pid"
	done
	echo "$0: vsftpd ($1) did not start:" >&2
	cat "$workdir/$1.out" "$workdir/$1.log" >&2 2>/dev/null || true
	return 1
}
start explicit NO
explicit_port=$port
start implicit YES

export ECL_TEST_FTP_URL="ftp://127.0.0.1:$explicit_port/"
export ECL_TEST_FTPS_URL="ftps://127.0.0.1:$port/"
export ECL_TEST_FTP_DIR="$workdir/files" ECL_TEST_FTP_USER=ecl ECL_TEST_FTP_PASSWORD=$PASSWORD
export ECL_TEST_FTP_CA="$workdir/cert.pem"
run_wrapped "$@"
