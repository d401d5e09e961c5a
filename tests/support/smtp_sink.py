#!/usr/bin/env python3
"""A loopback SMTP server for tests (standard library only).

Listens on 127.0.0.1 on a kernel-chosen port, prints that port as the first
line of stdout, and appends one JSON object per line to OUTPUT for every
event: {"event": "auth", ...} for each AUTH attempt and {"event": "message",
...} for each message received (raw DATA as sent on the wire and after
dot-unstuffing, the envelope, the credentials seen in the session, and the
headers and body as Python's email parser reads them). An event is written
before the reply that ends it, so a client that got its answer can read it.

Modes:
  --reply-code N    answer the end of DATA with N (e.g. 554) instead of 250
  --reject-at data  answer the DATA command itself with --reply-code instead
  --auth-fail       refuse every AUTH with 535
  --hang            accept connections and never say anything
  --lifetime S      exit after S seconds (default 30), whatever happens
"""
import argparse
import base64
import binascii
import email
import email.policy
import json
import os
import socketserver
import sys
import threading
import time

WRITE_LOCK = threading.Lock()


def record(path, obj):
    with WRITE_LOCK:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(obj) + "\n")
            f.flush()


def b64text(text):
    try:
        return base64.b64decode(text, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def parsed(data):
    """Headers (decoded as a mail reader would) and the decoded body."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    headers = {k.lower(): str(v) for k, v in msg.items()}
    try:
        body = msg.get_content()
    except (KeyError, LookupError, ValueError) as e:
        body = "<undecodable: %s>" % e
    return {"headers": headers, "body": body, "defects": [str(d) for d in msg.defects]}


class Session(socketserver.StreamRequestHandler):
    timeout = 20

    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(65536)
        if not line:
            raise EOFError
        return line

    def handle(self):
        cfg = self.server.cfg
        if cfg.hang:
            # Say nothing; hold the connection until the client gives up.
            while self.request.recv(4096):
                pass
            return
        self.state = {"helo": None, "auth": None, "mail_from": None, "mail_params": "",
                      "rcpt_to": []}
        self.reply("220 sink.test ESMTP ready")
        try:
            while self.command(self.readline().decode("utf-8", "replace").rstrip("\r\n")):
                pass
        except (EOFError, ConnectionError, TimeoutError, OSError):
            pass

    def command(self, line):
        verb, _, arg = line.partition(" ")
        verb = verb.upper()
        handler = getattr(self, "do_" + verb, None)
        if handler is None:
            self.reply("500 5.5.2 unrecognised command")
            return True
        return handler(arg)

    def do_EHLO(self, arg):
        self.state["helo"] = arg
        # AUTH is always offered, so a test can see it is used only when asked;
        # STARTTLS never is.
        self.reply("250-sink.test greets " + arg)
        self.reply("250-AUTH PLAIN LOGIN")
        self.reply("250-8BITMIME")
        self.reply("250 SIZE 10485760")
        return True

    def do_HELO(self, arg):
        self.state["helo"] = arg
        self.reply("250 sink.test")
        return True

    def auth_done(self, mechanism, username, password):
        ok = not self.server.cfg.auth_fail and username is not None
        creds = {"mechanism": mechanism, "username": username, "password": password}
        record(self.server.out, dict(event="auth", accepted=ok, **creds))
        if ok:
            self.state["auth"] = creds
            self.reply("235 2.7.0 Authentication successful")
        else:
            self.reply("535 5.7.8 Authentication credentials invalid")
        return True

    def do_AUTH(self, arg):
        mechanism, _, initial = arg.partition(" ")
        mechanism = mechanism.upper()
        if mechanism == "PLAIN":
            if not initial or initial == "=":
                self.reply("334 ")
                initial = self.readline().decode("ascii", "replace").strip()
            decoded = b64text(initial) or ""
            parts = decoded.split("\0")
            if len(parts) != 3:
                return self.auth_done(mechanism, None, None)
            return self.auth_done(mechanism, parts[1], parts[2])
        if mechanism == "LOGIN":
            if not initial:
                self.reply("334 VXNlcm5hbWU6")
                initial = self.readline().decode("ascii", "replace").strip()
            username = b64text(initial)
            self.reply("334 UGFzc3dvcmQ6")
            password = b64text(self.readline().decode("ascii", "replace").strip())
            return self.auth_done(mechanism, username, password)
        self.reply("504 5.5.4 mechanism not supported")
        return True

    def do_MAIL(self, arg):
        address, _, params = arg.partition(":")[2].strip().partition(" ")
        self.state.update(mail_from=address, mail_params=params, rcpt_to=[])
        self.reply("250 2.1.0 ok")
        return True

    def do_RCPT(self, arg):
        self.state["rcpt_to"].append(arg.partition(":")[2].strip())
        self.reply("250 2.1.5 ok")
        return True

    def do_DATA(self, arg):
        cfg = self.server.cfg
        if cfg.reply_code and cfg.reject_at == "data":
            self.reply("%d 5.7.1 no mail accepted by sink" % cfg.reply_code)
            return True
        self.reply("354 end data with <CR><LF>.<CR><LF>")
        wire = []
        while True:
            line = self.readline()
            if line in (b".\r\n", b".\n"):
                break
            wire.append(line)
        wire = b"".join(wire)
        # RFC 5321 4.5.2: a leading dot was doubled by the client.
        data = b"".join(l[1:] if l.startswith(b".") else l
                        for l in wire.splitlines(keepends=True))
        rejected = bool(cfg.reply_code)
        event = dict(event="message", accepted=not rejected,
                     data_on_wire=wire.decode("utf-8", "replace"),
                     data=data.decode("utf-8", "replace"), **self.state)
        event.update(parsed(data))
        record(self.server.out, event)
        if rejected:
            self.reply("%d 5.7.1 message rejected by sink" % cfg.reply_code)
        else:
            self.reply("250 2.0.0 queued as sink")
        return True

    def do_RSET(self, arg):
        self.state.update(mail_from=None, rcpt_to=[])
        self.reply("250 2.0.0 ok")
        return True

    def do_NOOP(self, arg):
        self.reply("250 2.0.0 ok")
        return True

    def do_STARTTLS(self, arg):
        self.reply("502 5.5.1 STARTTLS not offered")
        return True

    def do_QUIT(self, arg):
        self.reply("221 2.0.0 bye")
        return False


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("output", help="file to append one JSON event per line to")
    ap.add_argument("--reply-code", type=int, default=0)
    ap.add_argument("--reject-at", choices=("data", "end"), default="end")
    ap.add_argument("--auth-fail", action="store_true")
    ap.add_argument("--hang", action="store_true")
    ap.add_argument("--lifetime", type=float, default=30.0)
    cfg = ap.parse_args()

    # Never outlive a crashed test.
    threading.Thread(target=lambda: (time.sleep(cfg.lifetime), os._exit(0)),
                     daemon=True).start()
    server = Server(("127.0.0.1", 0), Session)
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
