"""Every bound function, through the idiomatic layer: jobs, ingestion,
aggregation, quality, health, cleanup, executions, schema, alerting, workers."""
import dataclasses
import datetime
import logging
import os
import re
import sqlite3

import pytest

import eclectyc
from conftest import count, write_hh

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_version():
    assert re.match(r"^\d+\.\d+\.\d+", eclectyc.__version__)
    assert eclectyc.version() == eclectyc.__version__
    assert eclectyc.native.eclb_version() == eclectyc.__version__


def test_store_properties_and_context_manager(db_uri):
    with eclectyc.Store(db_uri) as store:
        assert store.is_open and not store.closed
        assert store.backend == "sqlite"
        assert store.uri == db_uri
        assert "open" in repr(store)
    assert store.closed and not store.is_open
    assert store.backend is None
    assert "closed" in repr(store)
    store.close()  # idempotent


def test_store_from_pathlike(tmpdir_path):
    import pathlib
    path = pathlib.Path(tmpdir_path) / "p.db"
    with eclectyc.Store(path) as store:
        assert store.uri == "sqlite://" + str(path)
        assert store.list_jobs() == []
    assert path.exists()


def test_schema_and_migrate(db_uri):
    with eclectyc.Store(db_uri, migrate=False) as store:
        before = store.schema()
        assert before["current"] == 0 and before["expected"] >= 1
        assert before["problems"]
        store.migrate()
        after = store.schema()
        assert after == {"current": after["expected"], "expected": after["expected"],
                         "problems": []}
        store.migrate()  # idempotent
        assert store.schema() == after


def test_create_job_round_trips_every_field(store, hh_file):
    batch_id = store.create_job(filename="upload.csv", file_path=hh_file, import_type="hh",
                                user_id=42, dry_run=True, notes="Test import",
                                priority="high", tags=["sftp", "nightly"],
                                metadata={"default_site_id": 7, "nested": {"a": [1, 2]}},
                                max_retries=5)
    assert UUID_RE.match(batch_id)
    job = store.get_job(batch_id)
    assert isinstance(job, eclectyc.Job)
    assert job.batch_id == batch_id and isinstance(job.id, int)
    assert job.filename == "upload.csv" and job.file_path == hh_file
    assert job.import_type == "hh" and job.status == "queued"
    assert job.user_id == 42 and job.dry_run is True
    assert job.notes == "Test import" and job.priority == "high"
    assert job.tags == ["sftp", "nightly"]
    assert job.metadata == {"default_site_id": 7, "nested": {"a": [1, 2]}}
    assert job.max_retries == 5 and job.retry_count == 0
    assert job.summary is None and job.total_rows is None
    assert job.processed_rows == job.imported_rows == job.failed_rows == 0
    assert isinstance(job.queued_at, datetime.datetime)
    assert job.queued_at.tzinfo == datetime.timezone.utc
    assert abs((datetime.datetime.now(datetime.timezone.utc) - job.queued_at).total_seconds()) < 120
    assert job.started_at is None and job.completed_at is None and job.retry_at is None
    assert job.alert_sent is False and job.cancel_requested is False
    assert job.progress_percent == 0.0 and not job.finished
    assert job.extra == {}
    d = job.as_dict()
    assert d["batch_id"] == batch_id and d["tags"] == ["sftp", "nightly"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.status = "completed"


def test_create_job_defaults(store, hh_file, daily_file):
    batch_id = store.create_job(file_path=hh_file)
    job = store.get_job(batch_id)
    assert job.filename == os.path.basename(hh_file)
    assert job.user_id is None and job.dry_run is False and job.notes is None
    assert job.priority == "normal" and job.max_retries == 3
    assert job.tags == [] and job.metadata == {}
    # Positional, as the reference's createJob(filename, filePath, importType ...)
    daily = store.get_job(store.create_job("d.csv", daily_file, "daily"))
    assert daily.import_type == "daily" and daily.filename == "d.csv"
    # Empty tags and metadata count as not given (stored NULL, read back empty).
    job = store.get_job(store.create_job(file_path=hh_file, tags=[], metadata={}))
    assert job.tags == [] and job.metadata == {}
    # Tuples and sets of tags are lists too.
    assert store.get_job(store.create_job(file_path=hh_file, tags=("x",))).tags == ["x"]


def test_list_jobs(store, hh_file):
    ids = [store.create_job(file_path=hh_file, notes=str(i)) for i in range(5)]
    jobs = store.list_jobs()
    assert all(isinstance(j, eclectyc.Job) for j in jobs)
    assert sorted(j.batch_id for j in jobs) == sorted(ids)
    assert [j.batch_id for j in store.list_jobs(limit=2)] == [j.batch_id for j in jobs[:2]]
    assert len(store.list_jobs(limit=0)) == 5
    store.cancel_job(ids[0])
    cancelled = store.list_jobs(status="cancelled")
    assert [j.batch_id for j in cancelled] == [ids[0]]
    assert len(store.list_jobs(status="queued")) == 4
    assert store.list_jobs(status="completed") == []
    assert len(store.list_jobs(status=None)) == 5


def test_list_jobs_by_priority(store, hh_file):
    ids = {}
    for i, priority in enumerate(["low", "high", "normal", "high", "low", "normal"]):
        ids.setdefault(priority, []).append(store.create_job(file_path=hh_file, priority=priority,
                                                             notes=str(i)))
    for priority, created in ids.items():
        jobs = store.list_jobs(priority=priority, limit=0)
        assert [j.batch_id for j in jobs] == created[::-1], priority  # newest first
        assert {j.priority for j in jobs} == {priority}
    # The filter is applied before the limit: the one high job wanted is the
    # newest high one, not the newest job (which is normal).
    assert [j.batch_id for j in store.list_jobs(limit=1, priority="high")] == [ids["high"][1]]
    # Positional, after status and limit; combined with status.
    store.cancel_job(ids["high"][0])
    assert [j.batch_id for j in store.list_jobs("cancelled", 0, "high")] == [ids["high"][0]]
    assert [j.batch_id for j in store.list_jobs("queued", 0, "high")] == [ids["high"][1]]
    assert store.list_jobs("cancelled", 0, "low") == []
    # None and "" are any priority.
    assert len(store.list_jobs(limit=0, priority=None)) == 6
    assert len(store.list_jobs(limit=0, priority="")) == 6


def test_job_counts(store, hh_file, tmpdir_path):
    empty = store.job_counts()
    assert empty == {"queued": 0, "processing": 0, "completed": 0, "failed": 0,
                     "cancelled": 0, "total": 0}
    assert list(empty) == ["queued", "processing", "completed", "failed", "cancelled", "total"]
    _failed_job(store, tmpdir_path)
    store.create_job(file_path=hh_file)
    store.create_job(file_path=hh_file)
    assert eclectyc.Worker(store).process().completed == 2
    store.cancel_job(store.create_job(file_path=hh_file))
    for _ in range(25):
        store.create_job(file_path=hh_file)
    counts = store.job_counts()
    assert counts == {"queued": 25, "processing": 0, "completed": 2, "failed": 1,
                      "cancelled": 1, "total": 29}
    assert all(isinstance(v, int) for v in counts.values())
    # The same as listing every job of each status.
    for status in ("queued", "processing", "completed", "failed", "cancelled"):
        assert counts[status] == len(store.list_jobs(status=status, limit=0)), status
    # A job in hand counts as processing.
    seen = []
    store.create_job(file_path=hh_file)
    eclectyc.Worker(store, progress=lambda *a: seen.append(store.job_counts()) and None).process(1)
    assert seen and seen[0]["processing"] == 1 and seen[0]["total"] == 30


def test_job_attempts_of_a_retried_job(store, tmpdir_path):
    batch_id, path = _failed_job(store, tmpdir_path)
    assert [a.outcome for a in store.job_attempts(batch_id)] == ["failed"]
    write_hh(path)
    store.retry_job(batch_id)
    # A manual retry is not an attempt: the job has not run again yet.
    assert len(store.job_attempts(batch_id)) == 1
    assert eclectyc.Worker(store, worker_id="py-second").process().completed == 1
    attempts = store.job_attempts(batch_id)
    assert [a.attempt for a in attempts] == [1, 2]
    first, second = attempts
    assert isinstance(first, eclectyc.JobAttempt)
    assert first.outcome == "failed" and first.error_class == "permanent"
    assert "File not found" in first.error_message
    assert first.processed_rows == first.imported_rows == first.failed_rows == 0
    assert second.outcome == "completed" and second.worker_id == "py-second"
    # The job keeps the first failure's class; the completed attempt has none.
    assert second.error_message is None and second.error_class is None
    assert store.get_job(batch_id).error_class == "permanent"
    assert second.processed_rows == 4 and second.imported_rows == 4 and second.failed_rows == 0
    now = datetime.datetime.now(datetime.timezone.utc)
    for a in attempts:
        assert not a.running
        assert a.started_at.tzinfo == datetime.timezone.utc
        assert a.started_at <= a.ended_at and abs((now - a.ended_at).total_seconds()) < 120
        assert a.extra == {}
    assert first.ended_at <= second.started_at
    job = store.get_job(batch_id)
    assert job.worker_id == "py-second" and second.started_at == job.started_at
    assert first.as_dict()["outcome"] == "failed"
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.outcome = "completed"
    # The native call's JSON: times as the job records show them.
    raw = eclectyc.native.Store(store.uri).job_attempts(batch_id)
    assert re.search(r'"started_at":"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"', raw)


def test_job_attempts_running_requeued_and_never_run(store, big_hh_file, hh_file):
    never = store.create_job(file_path=hh_file)
    store.cancel_job(never)
    assert store.job_attempts(never) == []
    assert store.job_attempts(store.create_job(file_path=hh_file)) == []
    for job in store.list_jobs(status="queued"):
        store.cancel_job(job.batch_id)

    batch_id = store.create_job(file_path=big_hh_file)
    seen = []

    def progress(*args):
        seen.append(store.job_attempts(batch_id))
        return True  # stop: the worker hands the job back (no retry spent)
    report = eclectyc.Worker(store, worker_id="py-handback", progress=progress).process(1)
    assert report.released == 1
    running = seen[0]
    assert len(running) == 1 and running[0].outcome == "processing"
    assert running[0].running and running[0].ended_at is None
    assert running[0].worker_id == "py-handback"
    (requeued,) = store.job_attempts(batch_id)
    assert requeued.outcome == "queued" and not requeued.running
    assert requeued.processed_rows > 0 and requeued.processed_rows == requeued.imported_rows
    assert store.get_job(batch_id).status == "queued"
    # It runs again, to the end: a second attempt.
    assert eclectyc.Worker(store, worker_id="py-resume").process(1).completed == 1
    assert [(a.attempt, a.outcome, a.worker_id) for a in store.job_attempts(batch_id)] == \
        [(1, "queued", "py-handback"), (2, "completed", "py-resume")]


def test_job_attempt_text_that_is_not_utf8(store, tmpdir_path, db_path):
    batch_id, _ = _failed_job(store, tmpdir_path)
    con = sqlite3.connect(db_path)
    con.execute("UPDATE import_job_attempts SET worker_id = CAST(X'77ff31' AS TEXT), "
                "error_message = CAST(X'626164c3' AS TEXT)")
    con.commit()
    con.close()
    (attempt,) = store.job_attempts(batch_id)
    assert attempt.worker_id == "w\ufffd1"
    assert attempt.error_message == "bad\ufffd"


def test_cancel_job(store, hh_file):
    batch_id = store.create_job(file_path=hh_file)
    store.cancel_job(batch_id)
    job = store.get_job(batch_id)
    assert job.status == "cancelled" and job.finished
    assert job.completed_at is not None


def _failed_job(store, tmpdir_path):
    """A job that fails for good: its file vanishes before the worker runs."""
    path = os.path.join(tmpdir_path, "vanishing.csv")
    write_hh(path)
    batch_id = store.create_job(file_path=path, max_retries=3)
    os.unlink(path)
    report = eclectyc.Worker(store).process()
    assert report.failed == 1
    job = store.get_job(batch_id)
    assert job.status == "failed" and "File not found" in job.error_message
    return batch_id, path


def test_retry_job_now_and_later(store, tmpdir_path):
    batch_id, path = _failed_job(store, tmpdir_path)
    write_hh(path)
    store.retry_job(batch_id)
    job = store.get_job(batch_id)
    assert job.status == "queued" and job.retry_count == 1
    assert job.retry_at is None or job.retry_at <= datetime.datetime.now(datetime.timezone.utc)
    assert eclectyc.Worker(store).process().completed == 1
    assert store.get_job(batch_id).status == "completed"

    batch_id, path = _failed_job(store, tmpdir_path)
    write_hh(path)
    store.retry_job(batch_id, delay=600)
    job = store.get_job(batch_id)
    assert job.status == "queued"
    wait = (job.retry_at - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 590 <= wait <= 610
    # Not runnable yet.
    assert eclectyc.Worker(store).process().claimed == 0
    # A timedelta is accepted too (a failed job again).
    batch_id, path = _failed_job(store, tmpdir_path)
    store.retry_job(batch_id, delay=datetime.timedelta(minutes=10))
    assert store.get_job(batch_id).retry_at is not None


def test_ingest_hh_and_daily(store, hh_file, daily_file, db_path):
    report = store.ingest(hh_file)
    assert isinstance(report, eclectyc.IngestReport)
    assert report.successful and not report.dry_run
    assert report.format == "hh-matrix"
    assert report.records_processed == 4 and report.records_imported == 4
    assert report.records_failed == 0 and report.error_count == 0
    assert report.values_processed == 192 and report.inserted == 192
    assert report.meters_created == 2
    assert UUID_RE.match(report.batch_id)
    assert report.summary["records_imported"] == 4
    assert report.summary["meta"]["format"] == "hh-matrix"
    assert report.errors == []
    assert count(db_path, "SELECT COUNT(*) FROM meter_readings") == 192
    again = store.ingest(hh_file)
    assert again.unchanged == 192 and again.inserted == 0
    daily = store.ingest(daily_file, import_type="daily")
    assert daily.records_imported == 6
    assert count(db_path, "SELECT COUNT(*) FROM daily_readings") == 6


def test_ingest_dry_run_writes_nothing(store, hh_file, db_path):
    report = store.ingest(hh_file, dry_run=True)
    assert report.dry_run and report.records_processed == 4
    assert count(db_path, "SELECT COUNT(*) FROM meter_readings") == 0
    assert count(db_path, "SELECT COUNT(*) FROM meters") == 0


def test_ingest_row_errors_and_policies(store, tmpdir_path):
    path = os.path.join(tmpdir_path, "bad.csv")
    write_hh(path, meters=1, days=1, bad_rows=2)
    report = store.ingest(path)
    assert report.records_failed == 2 and report.records_imported == 1
    assert len(report.errors) == 2 and report.errors[0].startswith("Row ")
    rejected = store.ingest(path, unknown_meters="reject-row", negatives="reject",
                            overwrite_actual=True, month_first=False, interval_end=False,
                            batch_size=10)
    assert rejected.records_processed == 3


def test_ingest_progress(store, big_hh_file):
    seen = []
    report = store.ingest(big_hh_file, progress=lambda *a: seen.append(a))
    assert len(seen) >= 3
    assert all(len(a) == 4 and all(isinstance(v, int) for v in a) for a in seen)
    processed, total, imported, failed = seen[-1]
    assert processed == total == report.records_processed == 240
    assert imported == 240 and failed == 0
    assert [a[0] for a in seen] == sorted(a[0] for a in seen)


def test_aggregate_quality_executions(store, hh_file):
    store.ingest(hh_file)
    run = store.aggregate("daily", "2025-11-03")
    assert run["range"] == "daily" and run["status"] == "completed"
    assert run["target_date"] == "2025-11-03" and run["meters_processed"] >= 2
    weekly = store.aggregate("weekly", datetime.date(2025, 11, 4))
    assert weekly["period_start"] == "2025-11-03" and weekly["period_end"] == "2025-11-09"
    many = store.aggregate("daily", "2025-11-03", until="2025-11-04")
    assert many["status"] == "completed"
    store.aggregate()  # default range and date (yesterday)
    quality = store.quality("2025-11-03")
    assert quality["date"] == "2025-11-03" and quality["meters_checked"] == 2
    one = store.quality(datetime.date(2025, 11, 3), mpan=quality["meters"][0]["mpan"],
                        record=False)
    assert one["meters_checked"] == 1
    runs = store.executions(limit=3)
    assert isinstance(runs, list) and len(runs) == 3
    assert all("execution_id" in r and isinstance(r["telemetry_data"], dict) for r in runs)
    assert len(store.executions()) >= 4


def test_health(store, hh_file):
    report = store.health()
    assert report["status"] == "healthy"
    assert report["metrics"]["queue_depth"] == 0 and report["alerts"] == []
    for _ in range(3):
        store.create_job(file_path=hh_file)
    report = store.health(stuck_minutes=5, backlog_threshold=2, handle_stuck=True,
                          send_alerts=False)
    assert report["metrics"]["queue_depth"] == 3
    assert any(a["type"] == "queue_backlog" or "backlog" in a["type"] for a in report["alerts"])
    assert report["status"] in ("degraded", "critical")


def test_cleanup(store, hh_file, tmpdir_path):
    batch_id = store.create_job(file_path=hh_file)
    store.cancel_job(batch_id)
    report = store.cleanup(days=30, dry_run=True)
    assert report["dry_run"] is True and report["days"] == 30
    assert report["jobs_deleted"] == 0  # cancelled just now
    storage = os.path.join(tmpdir_path, "storage")
    os.makedirs(storage)
    report = store.cleanup(days=1, dry_run=True, storage_dir=storage)
    assert report["files_deleted"] == 0
    assert store.cleanup()["dry_run"] is False
    assert store.get_job(batch_id).status == "cancelled"


def test_alerting(store, tmpdir_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith(("MAIL_", "SLACK_", "ADMIN_")):
            monkeypatch.delenv(key)
    env = os.path.join(tmpdir_path, "alert.env")
    with open(env, "w") as f:
        f.write("# no channels configured: alerts go to the log\n")
    store.configure_alerting(env)
    store.configure_alerting()
    logged = []
    with eclectyc.Store(store.uri, log=lambda level, msg: logged.append((level, msg)),
                        log_level="info") as s:
        result = s.send_alert("test", "warning", "Subject line", "Body text", key="k1")
        assert result["suppressed"] is False
        assert [c["name"] for c in result["channels"]] == ["log"]
        assert result["channels_ok"] == 1 and result["channels_failed"] == 0
        assert any("Subject line" in m for _, m in logged)
        s.send_alert("test", "critical", "S", "B")
        s.send_alert("test", "info", "S", "B")


def test_worker_processes_jobs(store, hh_file, daily_file, db_path):
    ids = [store.create_job(file_path=hh_file, priority="low"),
           store.create_job(file_path=daily_file, import_type="daily", priority="high")]
    worker = eclectyc.Worker(store, worker_id="py-test-1")
    assert worker.id == "py-test-1" and worker.store is store and not worker.stopped
    assert "py-test-1" in repr(worker)
    report = worker.process(limit=1)
    assert isinstance(report, eclectyc.WorkerReport)
    assert report == eclectyc.WorkerReport(claimed=1, completed=1)
    # High priority first.
    assert store.get_job(ids[1]).status == "completed"
    assert store.get_job(ids[0]).status == "queued"
    assert worker.process().completed == 1
    job = store.get_job(ids[0])
    assert job.status == "completed" and job.worker_id == "py-test-1"
    assert job.summary["records_imported"] == 4 and job.imported_rows == 4
    assert job.progress_percent == 100.0 and job.finished
    assert isinstance(job.started_at, datetime.datetime)
    assert worker.process() == eclectyc.WorkerReport()
    assert count(db_path, "SELECT COUNT(*) FROM meter_readings") == 192
    # Aggregated after the import by default.
    assert count(db_path, "SELECT COUNT(*) FROM daily_aggregations") >= 2


def test_worker_defaults_and_no_aggregation(store, hh_file, db_path):
    store.create_job(file_path=hh_file)
    worker = eclectyc.Worker(store, aggregate_after_import=False)
    assert re.match(r".+:\d+$", worker.id)  # hostname:pid
    assert worker.process().completed == 1
    assert count(db_path, "SELECT COUNT(*) FROM daily_aggregations") == 0


def test_worker_stop_and_run(store, hh_file):
    worker = eclectyc.Worker(store)
    worker.stop()
    assert worker.stopped
    store.create_job(file_path=hh_file)
    assert worker.process().claimed == 0  # a stopped worker stays stopped
    assert worker.run(poll_interval=0.01) == eclectyc.WorkerReport()

    worker = eclectyc.Worker(store)
    reports = []

    def on_report(report):
        reports.append(report)
        if report.claimed == 0:
            worker.stop()
    totals = worker.run(poll_interval=0.01, limit=5, on_report=on_report)
    assert totals.claimed == 1 and totals.completed == 1
    assert len(reports) == 2


def test_worker_outlives_its_store_object(db_uri, hh_file):
    store = eclectyc.Store(db_uri)
    batch_id = store.create_job(file_path=hh_file)
    worker = eclectyc.Worker(store)
    del store  # the C store stays alive while the worker holds it
    import gc
    gc.collect()
    assert worker.process().completed == 1
    assert worker.store.get_job(batch_id).status == "completed"


def test_store_log_to_logging_logger(db_uri, caplog):
    logger = logging.getLogger("eclectyc.test")
    with caplog.at_level(logging.DEBUG, logger="eclectyc.test"):
        with eclectyc.Store(db_uri, log=logger, log_level=eclectyc.LOG_DEBUG):
            pass
    assert any(r.name == "eclectyc.test" for r in caplog.records)
    assert any("sqlite" in r.getMessage() for r in caplog.records)


def test_error_code_constants():
    assert eclectyc.EINVALID == -2 and eclectyc.ENOTFOUND == -4
    assert eclectyc.ESTATE == -6 and eclectyc.EIO == -8 and eclectyc.ECANCELLED == -12
    assert eclectyc.EPARSE == -13 and eclectyc.ERROR == -1


def _nested(depth):
    value = {}
    cur = value
    for _ in range(depth - 1):
        cur["a"] = {}
        cur = cur["a"]
    return value


def test_metadata_nesting_is_bounded(store, hh_file):
    """Metadata nested 600 deep used to be stored, then list_jobs() raised
    RecursionError (and the PHP job list answered 500)."""
    store.create_job(file_path=hh_file, metadata=_nested(32))
    for depth in (33, 600):
        with pytest.raises(eclectyc.InvalidError,
                           match="metadata nests arrays and objects more than 32 levels deep"):
            store.create_job(file_path=hh_file, metadata=_nested(depth))
    jobs = store.list_jobs()
    assert len(jobs) == 1


def test_host_user_is_none_on_sqlite(store, hh_file, db_path):
    """SQLite holds no host users, even with a users table in the file: None
    (a host shows no user); the MySQL side is tests/integration/
    test_host_users.c and bindings/php/tests/mysql (which runs this method
    on an adopted database too)."""
    job = store.get_job(store.create_job(file_path=hh_file, user_id=1))
    assert job.user_id == 1
    with sqlite3.connect(db_path) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT)")
        db.execute("INSERT INTO users VALUES (1, 'Energy Manager', 'manager@example.com')")
    assert store.host_user(job.user_id) is None
    assert store.host_user(2) is None
    with pytest.raises(eclectyc.InvalidError, match="user id must be 1 or more, got 0"):
        store.host_user(0)
    with pytest.raises(TypeError):
        store.host_user("1")
    store.close()
    with pytest.raises(eclectyc.InvalidError, match="closed"):
        store.host_user(1)
