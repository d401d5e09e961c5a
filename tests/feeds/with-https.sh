#!/usr/bin/env bash
# Run a command against a throwaway HTTPS file server (tests/feeds/https_server.py,
# Python's http.server over TLS) with a self-signed certificate and an HTTP
# basic login.
#
#   tests/feeds/with-https.sh COMMAND [ARGS...]
#
# The server serves a private folder on a free port of 127.0.0.1: a folder
# is an HTML listing page, a file has Content-Length and Last-Modified, and
# a file named cut-* is cut half way through its body. The command runs; an
# EXIT trap stops the server and removes the folder whatever happens. The
# command's exit status is the script's. Exported:
#   ECL_TEST_HTTPS_URL       https://127.0.0.1:PORT/ (the folder's listing page)
#   ECL_TEST_HTTPS_DIR       that folder on the local file system
#   ECL_TEST_HTTPS_USER, ECL_TEST_HTTPS_PASSWORD   the basic login
#   ECL_TEST_HTTPS_CA        the certificate, as the CA file to trust
# PYTHON overrides the interpreter (default /usr/bin/python3).
set -euo pipefail
. "$(dirname "$0")/server_lib.sh"

PYTHON=${PYTHON:-/usr/bin/python3}
feeds_usage "$@"
if [ ! -x "$PYTHON" ] || ! command -v openssl >/dev/null; then
	echo "$0: no $PYTHON or openssl" >&2
	exit 2
fi

feeds_workdir https
mkdir "$workdir/files"
make_cert "$workdir"
PASSWORD="ecl-$(random_word)"

"$PYTHON" "$(dirname "$0")/https_server.py" --root "$workdir/files" \
	--cert "$workdir/cert.pem" --key "$workdir/key.pem" --port-file "$workdir/port" \
	--log "$workdir/access.log" --user ecl --password "$PASSWORD" >"$workdir/server.out" 2>&1 &
server_pids+=($!)
for _ in $(seq 1 100); do
	[ -s "$workdir/port" ] && break
	kill -0 "${server_pids[0]}" 2>/dev/null || break
	sleep 0.1
done
if [ ! -s "$workdir/port" ]; then
	echo "$0: the HTTPS server did not start:" >&2
	cat "$workdir/server.out" >&2 || true
	exit 1
fi
PORT=$(cat "$workdir/port")

export ECL_TEST_HTTPS_URL="https://127.0.0.1:$PORT/"
export ECL_TEST_HTTPS_DIR="$workdir/files" ECL_TEST_HTTPS_USER=ecl ECL_TEST_HTTPS_PASSWORD=$PASSWORD
export ECL_TEST_HTTPS_CA="$workdir/cert.pem"
run_wrapped "$@"
