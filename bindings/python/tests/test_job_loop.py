"""A host's own loop over the queue: Store.claim_job() ... release_job()."""
import pytest

import eclectyc

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def quiet_store(db_uri):
    with eclectyc.Store(db_uri, log_level="error", config=False) as s:
        yield s


def transitions(store, batch_id, worker):
    """Every call that needs the job processing and held by `worker`."""
    return {
        "heartbeat": lambda: store.heartbeat(batch_id, worker),
        "progress": lambda: store.update_progress(batch_id, worker, 1, 1, 0),
        "complete": lambda: store.complete_job(batch_id, worker, {"ok": True}),
        "fail": lambda: store.fail_job(batch_id, worker, "boom"),
        "release": lambda: store.release_job(batch_id, worker),
    }


def test_claim_progress_complete(quiet_store, daily_file):
    store = quiet_store
    batch = store.create_job(file_path=daily_file, import_type="daily")
    job = store.claim_job("host-a:1")
    assert (job.batch_id, job.status, job.worker_id) == (batch, "processing", "host-a:1")
    assert job.started_at is not None
    assert store.claim_job("host-b:2") is None, "nothing else is runnable"

    store.heartbeat(batch, "host-a:1")
    store.update_progress(batch, "host-a:1", 40, 38, 2, total=100)
    row = store.get_job(batch)
    assert (row.processed_rows, row.imported_rows, row.failed_rows, row.total_rows,
            row.progress_percent) == (40, 38, 2, 100, 40.0)

    store.complete_job(batch, "host-a:1", {"records_imported": 98}, processed=100, imported=98,
                       failed=2)
    row = store.get_job(batch)
    assert (row.status, row.processed_rows, row.imported_rows, row.failed_rows, row.summary) == \
        ("completed", 100, 98, 2, {"records_imported": 98})
    assert row.completed_at is not None


def test_complete_keeps_the_last_progress(quiet_store, daily_file):
    store = quiet_store
    batch = store.create_job(file_path=daily_file)
    store.claim_job("w")
    store.update_progress(batch, "w", 7, 6, 1)
    store.complete_job(batch, "w")
    row = store.get_job(batch)
    assert (row.status, row.processed_rows, row.imported_rows, row.failed_rows) == \
        ("completed", 7, 6, 1)


def test_failure_rule(quiet_store, daily_file):
    store = quiet_store
    batch = store.create_job(file_path=daily_file, max_retries=1)
    store.claim_job("w")
    assert store.fail_job(batch, "w", "database went away") == "queued"
    row = store.get_job(batch)
    assert (row.status, row.retry_count, row.last_error, row.error_class) == \
        ("queued", 1, "database went away", "transient")
    assert row.retry_at is not None
    assert store.claim_job("w") is None, "not due before retry_at"

    permanent = store.create_job(file_path=daily_file)
    store.claim_job("w")
    assert store.fail_job(permanent, "w", "bad file", permanent=True) == "failed"
    row = store.get_job(permanent)
    assert (row.status, row.retry_count, row.error_class) == ("failed", 0, "permanent")


def test_release_keeps_the_retries(quiet_store, daily_file):
    store = quiet_store
    batch = store.create_job(file_path=daily_file)
    store.claim_job("w")
    store.release_job(batch, "w")
    row = store.get_job(batch)
    assert (row.status, row.retry_count, row.worker_id) == ("queued", 0, None)
    assert store.claim_job("w2").batch_id == batch


def test_another_workers_job_is_refused(quiet_store, daily_file):
    store = quiet_store
    batch = store.create_job(file_path=daily_file)
    store.claim_job("owner")
    for what, call in transitions(store, batch, "intruder").items():
        with pytest.raises(eclectyc.StateError, match='held by worker "owner", not "intruder"') as e:
            call()
        assert e.value.code == eclectyc.StateError.code, what
    row = store.get_job(batch)
    assert (row.status, row.worker_id, row.processed_rows) == ("processing", "owner", 0)


def test_a_job_not_processing_is_refused(quiet_store, daily_file):
    store = quiet_store
    batch = store.create_job(file_path=daily_file)
    for what, call in transitions(store, batch, "w").items():
        with pytest.raises(eclectyc.StateError, match="status is queued, expected processing"):
            call()
    store.claim_job("w")
    store.cancel_job(batch)
    for what, call in transitions(store, batch, "w").items():
        with pytest.raises(eclectyc.StateError, match="status is cancelled"):
            call()
    assert store.get_job(batch).status == "cancelled"


def test_unknown_job_and_bad_arguments(quiet_store, daily_file):
    store = quiet_store
    for what, call in transitions(store, UNKNOWN, "w").items():
        with pytest.raises(eclectyc.NotFoundError, match=UNKNOWN):
            call()
    with pytest.raises(eclectyc.InvalidError, match="worker id"):
        store.claim_job("")
    with pytest.raises(TypeError):
        store.claim_job(None)
    batch = store.create_job(file_path=daily_file)
    store.claim_job("w")
    with pytest.raises(eclectyc.InvalidError, match="must not be negative"):
        store.update_progress(batch, "w", -1, 0, 0)
    with pytest.raises(eclectyc.InvalidError, match="needs a message"):
        store.fail_job(batch, "w", "")
    with pytest.raises(TypeError):
        store.complete_job(batch, "w", ["not", "a", "dict"])
    assert store.get_job(batch).status == "processing"


def test_claim_batch_is_atomic_and_waits_for_the_retry(quiet_store, daily_file):
    store = quiet_store
    first = store.create_job(file_path=daily_file, max_retries=2)
    second = store.create_job(file_path=daily_file)
    job = store.claim_batch(second, "a")
    assert (job.batch_id, job.status, job.worker_id) == (second, "processing", "a")
    assert store.claim_batch(second, "b") is None, "one of two callers gets it"
    assert store.get_job(second).worker_id == "a"
    store.claim_batch(first, "a")
    store.fail_job(first, "a", "transient")
    assert store.claim_batch(first, "a") is None, "a retry not yet due"
    with pytest.raises(eclectyc.NotFoundError, match=UNKNOWN):
        store.claim_batch(UNKNOWN, "a")


def test_get_by_id_delete_and_alerts(quiet_store, daily_file):
    store = quiet_store
    batch = store.create_job(file_path=daily_file, max_retries=0)
    job = store.get_job(batch)
    assert store.get_job_by_id(job.id).batch_id == batch
    with pytest.raises(eclectyc.NotFoundError):
        store.get_job_by_id(job.id + 1000)
    with pytest.raises(eclectyc.InvalidError):
        store.get_job_by_id(0)
    with pytest.raises(TypeError):
        store.get_job_by_id("1")

    store.claim_job("w")
    with pytest.raises(eclectyc.StateError, match="processing"):
        store.delete_job(batch)
    with pytest.raises(eclectyc.StateError):
        store.mark_alert_sent(batch)
    assert store.fail_job(batch, "w", "no retries") == "failed"
    assert [j.batch_id for j in store.list_alert_pending()] == [batch]
    store.mark_alert_sent(batch)
    with pytest.raises(eclectyc.StateError):
        store.mark_alert_sent(batch)
    assert store.list_alert_pending() == []
    assert store.get_job(batch).alert_sent is True
    with pytest.raises(eclectyc.InvalidError, match="limit"):
        store.list_alert_pending(0)
    store.delete_job(batch)
    with pytest.raises(eclectyc.NotFoundError):
        store.get_job(batch)
    with pytest.raises(eclectyc.NotFoundError):
        store.delete_job(batch)


def test_health_window(quiet_store):
    report = quiet_store.health(window_hours=1)
    assert report["metrics"]["retry_stats"]["total_with_retries"] == 0
    with pytest.raises(TypeError):
        quiet_store.health(window_hours="1")
