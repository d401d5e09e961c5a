#!/usr/bin/env python3
"""A long-running import worker with the Python binding.

  worker_loop.py [--db URI] [--limit N] [--poll SECONDS] [--worker-id ID]

Claims up to N due jobs at a time and imports them; sleeps while the queue
is empty. SIGTERM or SIGINT stops it cleanly: the handler calls
worker.stop(), the job in hand is checkpointed and handed back to the queue
(no retry spent) and the loop ends with exit status 0.

Python runs signal handlers between bytecodes, so while an import runs in C
the handler would wait for the import to finish. The progress callback is
Python code called between batches, so the handler gets its turn there and
the import stops at the next batch.
"""
import argparse
import os
import signal
import sys
import time

import eclectyc


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("ECLECTYC_DB", "sqlite://eclectyc.db"))
    parser.add_argument("--limit", type=int, default=10, help="jobs per claim (default 10)")
    parser.add_argument("--poll", type=float, default=5.0,
                        help="seconds to wait when the queue is empty (default 5)")
    parser.add_argument("--worker-id", default=None, help="default hostname:pid")
    args = parser.parse_args(argv)

    def progress(processed, total, imported, failed):
        if total > 0:
            print("  %d/%d rows (%d imported, %d failed)" % (processed, total, imported, failed),
                  flush=True)

    def log(level, message):
        if level >= eclectyc.LOG_INFO:
            print("  log: %s" % message, flush=True)

    store = eclectyc.Store(args.db, log=log, log_level="info")
    worker = eclectyc.Worker(store, worker_id=args.worker_id, progress=progress)

    def on_signal(signum, frame):
        print("Received %s, shutting down gracefully..." % signal.Signals(signum).name,
              flush=True)
        worker.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # The masked URI: a PostgreSQL password must not reach the terminal or a log.
    print("worker %s on %s: waiting for jobs" % (worker.id, store.masked_uri), flush=True)

    totals = {"claimed": 0, "completed": 0, "failed": 0, "requeued": 0, "cancelled": 0,
              "released": 0}
    status = 0
    while not worker.stopped:
        try:
            report = worker.process(limit=args.limit)
        except eclectyc.EclectycError as e:
            # Storage trouble (busy, gone): report it and try again later.
            print("worker: %s" % e, file=sys.stderr, flush=True)
            status = 1
            report = eclectyc.WorkerReport()
        for key in totals:
            totals[key] += getattr(report, key)
        if report.claimed:
            print("processed %d job(s): %d completed, %d failed, %d requeued"
                  % (report.claimed, report.completed, report.failed, report.requeued),
                  flush=True)
            continue
        deadline = time.monotonic() + args.poll
        while not worker.stopped and time.monotonic() < deadline:
            time.sleep(0.1)

    store.close()
    print("stopped: " + ", ".join("%s %d" % kv for kv in totals.items()), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
