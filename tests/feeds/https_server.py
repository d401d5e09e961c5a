#!/usr/bin/env python3
"""A loopback HTTPS file server for the feed tests (standard library only).

Serves ROOT over TLS on 127.0.0.1 on a kernel-chosen port, which it writes to
PORT_FILE once listening. A folder is an HTML listing page (http.server's, a
link per entry); a file carries Content-Length and Last-Modified, on HEAD as
on GET. With --user and --password every request needs that HTTP basic
login (401 otherwise).

Faults, chosen by the file's name:
  cut-*   GET announces the whole length, sends half the bytes and closes
          the connection (a download cut half way);
It exits after --lifetime seconds (default 3600), whatever happens.
"""
import argparse
import base64
import http.server
import os
import ssl
import sys
import threading


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        with open(self.server.log_path, "a", encoding="utf-8") as log:
            log.write("%s %s\n" % (self.address_string(), format % args))

    def authorised(self):
        expected = self.server.login
        if expected is None:
            return True
        given = self.headers.get("Authorization", "")
        if given == "Basic " + expected:
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="feeds"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def do_HEAD(self):
        if self.authorised():
            super().do_HEAD()

    def do_GET(self):
        if not self.authorised():
            return
        name = os.path.basename(self.path.split("?", 1)[0])
        if name.startswith("cut-"):
            self.send_cut()
        else:
            super().do_GET()

    def send_cut(self):
        path = self.translate_path(self.path)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--lifetime", type=float, default=3600)
    args = ap.parse_args()

    handler = lambda *a, **kw: Handler(*a, directory=args.root, **kw)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.log_path = args.log
    server.login = None
    if args.user is not None:
        pair = "%s:%s" % (args.user, args.password or "")
        server.login = base64.b64encode(pair.encode()).decode()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    threading.Timer(args.lifetime, lambda: os._exit(0)).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
