"""Job types the host runs ("sites"): a Python callable registered with
Store.set_job_handler() runs the jobs the binding's Worker claims; what it
returns or raises becomes the job's outcome. And the "critical" priority."""
import gc
import os
import weakref

import pytest

import eclectyc
from conftest import write_daily


@pytest.fixture
def sites_csv(tmpdir_path):
    path = os.path.join(tmpdir_path, "sites.csv")
    with open(path, "w") as out:
        out.write("name,postcode\nHead Office,BS1 1AA\nDepot,\n")
    return path


@pytest.fixture
def hstore(db_uri):
    with eclectyc.Store(db_uri, config=False, log_level="none") as s:
        yield s


def work(store, limit=5):
    return eclectyc.Worker(store, "w1", aggregate_after_import=False).process(limit)


def queue_sites(store, path, max_retries=3):
    return store.create_job(file_path=path, import_type="sites", max_retries=max_retries)


def raising(exc):
    def handler(job):
        raise exc
    return handler


def test_a_sites_job_is_run_by_its_handler_and_completed_with_its_report(hstore, sites_csv):
    with pytest.raises(eclectyc.InvalidError, match="job type sites") as e:
        queue_sites(hstore, sites_csv)
    assert e.value.code == eclectyc.EINVALID
    assert hstore.job_counts()["total"] == 0

    seen = []

    def handler(job):
        seen.append(job)
        return {"processed": 2, "imported": 1, "failed": 1, "total": 2,
                "summary": {"sites_created": 1, "errors": ["Row 3, column postcode: required"]}}

    hstore.set_job_handler("sites", handler)
    batch = queue_sites(hstore, sites_csv)
    report = work(hstore)
    assert (report.claimed, report.completed, report.failed) == (1, 1, 0)
    assert len(seen) == 1 and isinstance(seen[0], eclectyc.Job)
    assert (seen[0].batch_id, seen[0].status, seen[0].worker_id, seen[0].import_type,
            seen[0].file_path) == (batch, "processing", "w1", "sites", sites_csv)
    job = hstore.get_job(batch)
    assert (job.status, job.processed_rows, job.imported_rows, job.failed_rows,
            job.total_rows) == ("completed", 2, 1, 1, 2)
    assert job.summary == {"sites_created": 1, "errors": ["Row 3, column postcode: required"]}
    assert hstore.job_attempts(batch)[0].outcome == "completed"


def test_none_is_an_empty_report(hstore, sites_csv):
    hstore.set_job_handler("sites", lambda job: None)
    batch = queue_sites(hstore, sites_csv)
    work(hstore)
    job = hstore.get_job(batch)
    assert (job.status, job.processed_rows, job.summary) == ("completed", 0, None)


PERMANENT = ("failed", 0)    # (status, retry_count) after one attempt
TRANSIENT = ("queued", 1)


@pytest.mark.parametrize("exc,outcome", [
    # bad input does not improve with time: failed for good
    (ValueError("Row 3, column postcode: required"), PERMANENT),
    (eclectyc.InvalidError("bad site list"), PERMANENT),
    (eclectyc.ParseError("not a CSV"), PERMANENT),
    (eclectyc.NotFoundError("no such file"), PERMANENT),
    # anything else is retried with backoff
    (RuntimeError("MySQL server has gone away"), TRANSIENT),
    (KeyError("a bug in the handler"), TRANSIENT),
    (eclectyc.StorageIOError("disk full"), TRANSIENT),
], ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else v[0])
def test_what_the_handler_raises_is_the_jobs_failure(hstore, sites_csv, exc, outcome):
    hstore.set_job_handler("sites", raising(exc))
    batch = queue_sites(hstore, sites_csv)
    report = work(hstore)
    job = hstore.get_job(batch)
    permanent = outcome is PERMANENT
    assert (report.claimed, report.failed, report.requeued) == (1, int(permanent), int(not permanent))
    assert (job.status, job.retry_count, job.error_message) == outcome + (str(exc),)
    assert (job.retry_at is None) == permanent, "a transient failure waits out its backoff"


def test_with_no_retries_left_a_transient_fault_fails_named_by_its_class(hstore, sites_csv):
    hstore.set_job_handler("sites", raising(RuntimeError()))
    batch = queue_sites(hstore, sites_csv, max_retries=0)
    work(hstore)
    job = hstore.get_job(batch)
    assert (job.status, job.error_message) == ("failed", "RuntimeError")


def test_cancelled_error_hands_the_job_back_and_stops_the_worker(hstore, sites_csv):
    calls = []

    def handler(job):
        calls.append(job.batch_id)
        raise eclectyc.CancelledError("shutting down")

    hstore.set_job_handler("sites", handler)
    first = queue_sites(hstore, sites_csv)
    queue_sites(hstore, sites_csv)
    worker = eclectyc.Worker(hstore, "w1", aggregate_after_import=False)
    report = worker.process(5)
    assert (report.claimed, report.released, len(calls)) == (1, 1, 1)
    assert worker.stopped
    job = hstore.get_job(first)
    assert (job.status, job.retry_count, job.worker_id) == ("queued", 0, None)


def test_keyboard_interrupt_propagates_and_hands_the_job_back(hstore, sites_csv):
    hstore.set_job_handler("sites", raising(KeyboardInterrupt()))
    batch = queue_sites(hstore, sites_csv)
    with pytest.raises(KeyboardInterrupt):
        work(hstore)
    job = hstore.get_job(batch)
    assert (job.status, job.retry_count) == ("queued", 0)
    # The store is usable afterwards.
    hstore.set_job_handler("sites", lambda job: {"processed": 1})
    assert work(hstore).completed == 1


@pytest.mark.parametrize("report,why", [
    ("done", "must return None or a mapping"),
    ({"rows": 3}, "unknown key 'rows'"),
    ({"processed": 1.5}, "'processed' must be an int"),
    ({"processed": True}, "'processed' must be an int"),
    ({"summary": ["a"]}, "'summary' must be a dict"),
    ({"processed": -1}, "sites"),
    ({"summary": {"x": object()}}, "not JSON serializable"),
])
def test_a_report_of_the_wrong_shape_fails_the_job_for_good(hstore, sites_csv, report, why):
    hstore.set_job_handler("sites", lambda job: report)
    batch = queue_sites(hstore, sites_csv)
    work(hstore)
    job = hstore.get_job(batch)
    assert (job.status, job.retry_count) == ("failed", 0)
    assert why in job.error_message


def test_a_store_without_the_handler_leaves_the_job_to_one_with_it(hstore, sites_csv, db_uri,
                                                                    tmpdir_path):
    hstore.set_job_handler("sites", lambda job: {"processed": 2})
    sites = queue_sites(hstore, sites_csv)
    daily_csv = os.path.join(tmpdir_path, "daily.csv")
    write_daily(daily_csv)
    with eclectyc.Store(db_uri, config=False, log_level="none") as plain:
        daily = plain.create_job(file_path=daily_csv, import_type="daily")
        report = work(plain)
        assert (report.claimed, report.completed) == (1, 1)
        assert plain.get_job(daily).status == "completed"
        assert plain.claim_job("w2") is None
        assert plain.get_job(sites).status == "queued"
    assert work(hstore).completed == 1
    assert hstore.get_job(sites).status == "completed"


class Probe:
    """A handler whose release is observable (a weak reference)."""

    def __call__(self, job):
        return {"processed": 1}


def test_replacing_and_removing_a_handler(hstore, sites_csv):
    probe = Probe()
    ref = weakref.ref(probe)
    hstore.set_job_handler("sites", probe)
    del probe
    gc.collect()
    assert ref() is not None, "the store keeps the handler alive"
    hstore.set_job_handler("sites", lambda job: {"processed": 2})
    gc.collect()
    assert ref() is None, "the replaced handler is released"

    batch = queue_sites(hstore, sites_csv)
    work(hstore)
    assert hstore.get_job(batch).processed_rows == 2

    hstore.set_job_handler("sites", None)
    with pytest.raises(eclectyc.InvalidError, match="job type sites"):
        queue_sites(hstore, sites_csv)


def test_a_handler_removed_while_it_runs_finishes_its_job(hstore, sites_csv):
    probe = Probe()
    ref = weakref.ref(probe)

    def handler(job, probe=probe):
        hstore.set_job_handler("sites", None)
        return {"processed": 4, "summary": {"alive": ref() is not None}}

    hstore.set_job_handler("sites", handler)
    del probe
    batch = queue_sites(hstore, sites_csv)
    queue_sites(hstore, sites_csv)
    report = work(hstore)
    assert (report.claimed, report.completed) == (1, 1)
    job = hstore.get_job(batch)
    assert (job.processed_rows, job.summary) == (4, {"alive": True})
    del handler
    gc.collect()
    assert ref() is None, "released once its run ended"


def test_closing_the_store_releases_its_handlers(db_uri):
    store = eclectyc.Store(db_uri, config=False, log_level="none")
    probe = Probe()
    ref = weakref.ref(probe)
    store.set_job_handler("sites", probe)
    del probe
    store.close()
    gc.collect()
    assert ref() is None
    with pytest.raises(eclectyc.InvalidError):
        store.set_job_handler("sites", lambda job: None)


def test_only_host_types_take_a_handler(hstore):
    for name in ("hh", "daily", "bogus", ""):
        with pytest.raises(eclectyc.InvalidError):
            hstore.set_job_handler(name, lambda job: None)
    with pytest.raises(TypeError):
        hstore.set_job_handler("sites", "not callable")


def test_critical_is_kept_and_claimed_first(hstore, tmpdir_path):
    csv = os.path.join(tmpdir_path, "d.csv")
    write_daily(csv)
    high = hstore.create_job(file_path=csv, import_type="daily", priority="high")
    hstore.create_job(file_path=csv, import_type="daily")
    critical = hstore.create_job(file_path=csv, import_type="daily", priority="critical")
    assert hstore.get_job(critical).priority == "critical"
    assert [j.batch_id for j in hstore.list_jobs(priority="critical")] == [critical]
    assert hstore.claim_job("w1").batch_id == critical
    assert hstore.claim_job("w1").batch_id == high
