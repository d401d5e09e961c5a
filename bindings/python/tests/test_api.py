"""Every bound function, through the idiomatic layer: jobs, ingestion,
aggregation, quality, health, cleanup, executions, schema, alerting, workers."""
import dataclasses
import datetime
import logging
import os
import re

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
