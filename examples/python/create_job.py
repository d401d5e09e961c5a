#!/usr/bin/env python3
"""Queue an import job, and retry a failed one now or later: the operations
guide's snippets with the Python binding.

  create_job.py [--db URI] create FILE [--type hh|daily]
  create_job.py [--db URI] retry BATCH_ID [--in-minutes N]

The store URI comes from --db, else ECLECTYC_DB, else sqlite://eclectyc.db
(as for the `eclectyc` command line). Prints the job afterwards.
"""
import argparse
import os
import sys

import eclectyc


def create(store, path, import_type):
    # createJob with notes, priority, tags, metadata and max retries, as the
    # web upload does: the batch id (a UUID v4) identifies the job from now on.
    batch_id = store.create_job(
        filename=os.path.basename(path),
        file_path=os.path.abspath(path),
        import_type=import_type,
        user_id=None,
        dry_run=False,
        notes="Test import",
        priority="high",
        tags=["example", "python"],
        metadata={"default_site_id": 7, "default_tariff_id": 2},
        max_retries=5,
    )
    return batch_id


def retry(store, batch_id, minutes):
    if minutes == 0:
        # Retry now: the job is queued again and runnable at once.
        store.retry_job(batch_id)
    else:
        # Retry in 10 minutes: queued, but no worker claims it before then.
        store.retry_job(batch_id, delay=minutes * 60)


def show(job):
    print("batch id:    %s" % job.batch_id)
    print("status:      %s" % job.status)
    print("file:        %s (%s)" % (job.filename, job.import_type))
    print("priority:    %s" % job.priority)
    print("notes:       %s" % job.notes)
    print("tags:        %s" % ", ".join(job.tags))
    print("metadata:    %s" % job.metadata)
    print("retries:     %d of %d" % (job.retry_count, job.max_retries))
    if job.retry_at is not None:
        print("retry at:    %s UTC" % job.retry_at.strftime("%Y-%m-%d %H:%M:%S"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("ECLECTYC_DB", "sqlite://eclectyc.db"))
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("create", help="queue FILE for import")
    p.add_argument("file")
    p.add_argument("--type", default="hh", choices=["hh", "daily"])
    p = sub.add_parser("retry", help="requeue a failed job")
    p.add_argument("batch_id")
    p.add_argument("--in-minutes", type=int, default=0,
                   help="runnable N minutes from now (default 0: now)")
    args = parser.parse_args(argv)

    try:
        with eclectyc.Store(args.db) as store:
            if args.command == "create":
                batch_id = create(store, args.file, args.type)
            else:
                batch_id = args.batch_id
                retry(store, batch_id, args.in_minutes)
            show(store.get_job(batch_id))
    except eclectyc.NotFoundError as e:
        print("create_job.py: no such job: %s" % e, file=sys.stderr)
        return 1
    except eclectyc.StateError as e:
        # e.g. retrying a job that is not failed, or one with no retries left
        print("create_job.py: %s" % e, file=sys.stderr)
        return 1
    except eclectyc.EclectycError as e:
        print("create_job.py: %s (code %d)" % (e, e.code), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
