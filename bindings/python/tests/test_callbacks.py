"""Host callbacks: progress and log. An exception raised in a progress
callback stops the operation cleanly and propagates as it is; a log callback
that raises is reported as unraisable and changes nothing."""
import gc
import sys
import weakref

import pytest

import eclectyc
from conftest import count


class Boom(Exception):
    pass


def test_ingest_progress_exception_propagates(store, big_hh_file, db_path):
    calls = []

    def progress(processed, total, imported, failed):
        calls.append(processed)
        raise Boom("stop at %d" % processed)

    with pytest.raises(Boom) as e:
        store.ingest(big_hh_file, progress=progress)
    assert str(e.value) == "stop at 105"
    assert calls == [105]  # never called again once it raised
    # Stopped cleanly: the first batch committed, nothing after it.
    assert count(db_path, "SELECT COUNT(*) FROM meter_readings") == 105 * 48
    # The store works, and the whole file imports afterwards.
    report = store.ingest(big_hh_file)
    assert report.records_imported == 240
    assert count(db_path, "SELECT COUNT(*) FROM meter_readings") == 240 * 48


def test_progress_exception_from_bool(store, big_hh_file):
    class Bad:
        def __bool__(self):
            raise Boom("bad truth value")

    with pytest.raises(Boom, match="bad truth value"):
        store.ingest(big_hh_file, progress=lambda *a: Bad())


def test_progress_keyboard_interrupt(store, big_hh_file):
    def interrupt(*a):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.ingest(big_hh_file, progress=interrupt)
    assert store.list_jobs() == []


def test_progress_wrong_arity_raises_type_error(store, big_hh_file):
    with pytest.raises(TypeError):
        store.ingest(big_hh_file, progress=lambda a: None)


def test_worker_progress_exception_hands_job_back(store, big_hh_file, db_path):
    batch_id = store.create_job(file_path=big_hh_file)
    seen = []

    def progress(processed, total, imported, failed):
        seen.append((processed, total))
        raise Boom("worker callback")

    worker = eclectyc.Worker(store, progress=progress)
    with pytest.raises(Boom, match="worker callback"):
        worker.process()
    assert seen == [(105, 240)]
    job = store.get_job(batch_id)
    # Handed back to the queue at its checkpoint: no retry spent, not failed.
    assert job.status == "queued" and job.retry_count == 0
    assert job.checkpoint == 105 and job.error_message is None
    assert count(db_path, "SELECT COUNT(*) FROM meter_readings") == 105 * 48
    # The worker stopped for good; a new one resumes from the checkpoint.
    assert worker.process().claimed == 0
    resumed = []
    report = eclectyc.Worker(store, progress=lambda *a: resumed.append(a)).process()
    assert report.completed == 1
    job = store.get_job(batch_id)
    assert job.status == "completed" and job.processed_rows == 240
    assert resumed[0][0] > 105
    assert count(db_path, "SELECT COUNT(*) FROM meter_readings") == 240 * 48


def test_worker_progress_true_stops(store, big_hh_file):
    batch_id = store.create_job(file_path=big_hh_file)
    worker = eclectyc.Worker(store, progress=lambda *a: True)
    report = worker.process()
    assert report.claimed == 1 and report.released == 1 and report.completed == 0
    assert worker.stopped
    assert store.get_job(batch_id).status == "queued"


def test_worker_stop_from_callback(store, big_hh_file):
    """What a signal handler does: Worker.stop() while an import runs."""
    batch_id = store.create_job(file_path=big_hh_file)
    holder = {}

    def progress(*a):
        holder["worker"].stop()

    holder["worker"] = eclectyc.Worker(store, progress=progress)
    report = holder["worker"].process()
    assert report.released == 1
    assert store.get_job(batch_id).status == "queued"


def test_log_callback_receives_messages(db_uri, hh_file):
    lines = []
    with eclectyc.Store(db_uri, log=lambda level, msg: lines.append((level, msg)),
                        log_level="debug") as store:
        assert lines, "opening logs at debug level"
        assert all(isinstance(l, int) and isinstance(m, str) for l, m in lines)
        assert {l for l, _ in lines} <= {eclectyc.LOG_DEBUG, eclectyc.LOG_INFO,
                                         eclectyc.LOG_WARN, eclectyc.LOG_ERROR}
        before = len(lines)
        store.create_job(file_path=hh_file)
        eclectyc.Worker(store).process()
        assert len(lines) > before
        assert any("completed" in m for _, m in lines[before:])


def test_log_level_filters(db_uri):
    lines = []
    with eclectyc.Store(db_uri, log=lambda level, msg: lines.append(level), log_level="error"):
        pass
    assert all(level >= eclectyc.LOG_ERROR for level in lines)
    with eclectyc.Store(db_uri, log=lambda level, msg: lines.append(level), log_level=4):
        pass
    assert all(level >= eclectyc.LOG_ERROR for level in lines)


def test_log_callback_that_raises_is_unraisable(db_uri, hh_file, monkeypatch):
    reports = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reports.append(u))

    def log(level, msg):
        raise Boom("log failed: " + msg)

    with eclectyc.Store(db_uri, log=log, log_level="debug") as store:
        batch_id = store.create_job(file_path=hh_file)
        assert eclectyc.Worker(store).process().completed == 1
        assert store.get_job(batch_id).status == "completed"
    assert reports and all(isinstance(r.exc_value, Boom) for r in reports)


def test_log_during_progress_exception_keeps_it(db_uri, big_hh_file):
    """The progress callback raised; log lines written while the import
    unwinds must neither lose that exception nor run with it pending."""
    lines = []
    with eclectyc.Store(db_uri, log=lambda level, msg: lines.append(msg),
                        log_level="debug") as store:
        batch_id = store.create_job(file_path=big_hh_file)
        worker = eclectyc.Worker(store, progress=lambda *a: 1 / 0)
        n = len(lines)
        with pytest.raises(ZeroDivisionError):
            worker.process()
        assert len(lines) > n  # the hand-back was logged
        assert store.get_job(batch_id).status == "queued"


def test_callbacks_are_released(db_uri, big_hh_file):
    """The C side drops its reference to every callable it was given."""
    class Callable:
        def __call__(self, *a):
            return None

    refs = []
    store = eclectyc.Store(db_uri, log=Callable())
    for _ in range(3):
        cb = Callable()
        refs.append(weakref.ref(cb))
        store.ingest(big_hh_file, progress=cb)
        del cb
    cb = Callable()
    refs.append(weakref.ref(cb))
    worker = eclectyc.Worker(store, progress=cb)
    del cb
    gc.collect()
    assert all(r() is None for r in refs[:3])
    assert refs[3]() is not None  # the worker holds it
    del worker
    gc.collect()
    assert refs[3]() is None
    # Failing calls release too (the callable converted, then the call failed).
    cb = Callable()
    ref = weakref.ref(cb)
    with pytest.raises(eclectyc.StorageIOError):
        store.ingest("/nonexistent/file.csv", progress=cb)
    with pytest.raises(eclectyc.InvalidError):
        store.ingest("/nonexistent/file.csv", negatives="bogus", progress=cb)
    with pytest.raises(eclectyc.NotSupportedError):
        eclectyc.Store("nope://x", log=cb)
    store.close()
    with pytest.raises(eclectyc.InvalidError):
        eclectyc.Worker(store, progress=cb)
    del cb
    gc.collect()
    assert ref() is None


def test_callback_freed_when_a_later_argument_fails(db_uri):
    """The native Store takes the log callback before log_level: a bad
    log_level must not leak the converted callback."""
    class Callable:
        def __call__(self, *a):
            return None

    cb = Callable()
    ref = weakref.ref(cb)
    with pytest.raises(TypeError):
        eclectyc.native.Store(db_uri, 1, cb, "not an int")
    with pytest.raises(OverflowError):
        eclectyc.native.Store(db_uri, 1, cb, 2 ** 40)
    del cb
    gc.collect()
    assert ref() is None


def test_non_callable_callbacks_are_type_errors(store, big_hh_file, db_uri):
    for bad in (1, "print", [], object()):
        with pytest.raises(TypeError):
            store.ingest(big_hh_file, progress=bad)
        with pytest.raises(TypeError):
            eclectyc.Worker(store, progress=bad)
        with pytest.raises(TypeError):
            eclectyc.Store(db_uri, log=bad)
        with pytest.raises(TypeError, match="callable"):
            eclectyc.native.Store(db_uri, 1, bad)
        with pytest.raises(TypeError, match="callable"):
            eclectyc.native.Worker(store._native, None, 1, bad)


def test_close_from_a_callback_waits_for_the_call(db_uri, big_hh_file):
    """A signal handler or callback closing the store while an import runs:
    the import keeps its connection, the store closes when the call returns."""
    store = eclectyc.Store(db_uri)
    report = store.ingest(big_hh_file, progress=lambda *a: store.close())
    assert report.records_imported == 240
    assert store.closed
    with pytest.raises(eclectyc.InvalidError):
        store.list_jobs()

    store = eclectyc.Store(db_uri)
    batch_id = store.create_job(file_path=big_hh_file)
    worker = eclectyc.Worker(store, progress=lambda *a: store.close())
    assert worker.process().completed == 1
    assert store.closed
    with eclectyc.Store(db_uri) as again:
        assert again.get_job(batch_id).status == "completed"


def test_log_callback_reentering_the_store(db_uri, hh_file):
    """A log callback may call the store it logs for."""
    seen = []
    holder = {}

    def log(level, message):
        if "store" in holder and not seen:
            seen.append(len(holder["store"].list_jobs()))

    with eclectyc.Store(db_uri, log=log, log_level="debug") as store:
        holder["store"] = store
        store.create_job(file_path=hh_file)
        eclectyc.Worker(store).process()
        assert store.get_job(store.list_jobs()[0].batch_id).status == "completed"
    assert seen


def test_native_close_from_a_callback_is_deferred(db_uri, big_hh_file):
    """Without the idiomatic layer's guard: the native close requested inside
    a callback waits for the running call (binding.c), so the import
    finishes on a live connection and later calls see a closed store."""
    store = eclectyc.native.Store(db_uri)
    calls = []

    def progress(*counts):
        calls.append(counts)
        store.close()
        assert not store.is_open()   # closed for callers at once

    text = store.ingest(big_hh_file, "hh", 0, "create", "accept", 0, 0, 0, 1000, progress)
    assert '"records_imported":240' in text
    assert len(calls) >= 2           # the import went on after the close was asked
    with pytest.raises(eclectyc.InvalidError, match="closed"):
        store.list_jobs()


# ---- calls made from a callback keep their own status -----------------------

MISSING = "00000000-0000-4000-8000-000000000000"


def test_failed_call_caught_in_progress_callback(store, big_hh_file):
    """A call that fails inside the callback, caught there, used to make the
    outer call raise its error (the per-thread status was shared)."""
    caught = []

    def progress(*args):
        try:
            store.get_job(MISSING)
        except eclectyc.NotFoundError as e:
            caught.append(str(e))

    report = store.ingest(big_hh_file, progress=progress)
    assert report.records_imported == 240
    assert caught and all(MISSING in text for text in caught)


def test_failed_call_caught_in_log_callback(db_uri, hh_file):
    caught = []
    holder = {}

    def log(level, message):
        if "store" in holder:
            try:
                holder["store"].cancel_job(MISSING)
            except eclectyc.NotFoundError:
                caught.append(message)

    with eclectyc.Store(db_uri, log=log, log_level="debug") as store:
        holder["store"] = store
        report = store.ingest(hh_file)
        assert report.successful
        batch = store.create_job(file_path=hh_file)
        assert eclectyc.Worker(store, aggregate_after_import=False).process(1).completed == 1
        assert store.get_job(batch).status == "completed"
    assert caught


def test_failing_outer_call_keeps_its_own_error(store, big_hh_file):
    """The other way round: a nested call that succeeds does not clear the
    failure of the call that runs the callback."""
    def progress(*args):
        store.job_counts()
        return True   # stop: the outer call fails with CancelledError

    with pytest.raises(eclectyc.CancelledError):
        store.ingest(big_hh_file, progress=progress)


def test_uncaught_nested_failure_propagates(store, big_hh_file):
    def progress(*args):
        store.get_job(MISSING)

    with pytest.raises(eclectyc.NotFoundError, match=MISSING):
        store.ingest(big_hh_file, progress=progress)
