#!/usr/bin/env python3
"""A loopback HTTP server for tests (standard library only).

Listens on 127.0.0.1 on a kernel-chosen port, prints that port as the first
line of stdout, and appends one JSON object per line to OUTPUT for every
request: method, path, headers (names lower-cased) and body. The request is
written before the response is sent, so a client that got its answer can
read it.

Modes:
  --status N     answer with status N (default 200)
  --body TEXT    the response body (default "ok", as Slack answers)
  --hang         accept connections and never answer
  --lifetime S   exit after S seconds (default 30), whatever happens
"""
import argparse
import http.server
import json
import os
import sys
import threading
import time

WRITE_LOCK = threading.Lock()


def record(path, obj):
    with WRITE_LOCK:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(obj) + "\n")
            f.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 20

    def handle(self):
        if self.server.cfg.hang:
            # Say nothing; hold the connection until the client gives up.
            while self.request.recv(4096):
                pass
            return
        super().handle()

    def log_message(self, format, *args):
        pass  # keep the test's output clean

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        record(self.server.out, {
            "method": self.command,
            "path": self.path,
            "version": self.request_version,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        })
        cfg = self.server.cfg
        payload = cfg.body.encode("utf-8")
        self.send_response(cfg.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    do_POST = answer
    do_GET = answer
    do_PUT = answer


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("output", help="file to append one JSON request per line to")
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--body", default="ok")
    ap.add_argument("--hang", action="store_true")
    ap.add_argument("--lifetime", type=float, default=30.0)
    cfg = ap.parse_args()

    # Never outlive a crashed test.
    threading.Thread(target=lambda: (time.sleep(cfg.lifetime), os._exit(0)),
                     daemon=True).start()
    server = Server(("127.0.0.1", 0), Handler)
    server.cfg = cfg
    server.out = cfg.output
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
