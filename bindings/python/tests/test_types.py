"""None and wrong types never crash the interpreter: every argument of every
native wrapper and of the idiomatic layer, with None and with values of the
wrong type, either works or raises TypeError, ValueError, OverflowError or
an EclectycError."""
import itertools

import pytest

import eclectyc
from eclectyc import native

OK_ERRORS = (TypeError, ValueError, OverflowError, eclectyc.EclectycError)
BAD_VALUES = [None, 0, -1, 2 ** 70, 1.5, "", "x", b"bytes", [], {}, object(), print,
              "\udcff", "nul\0byte"]

# native method -> how many arguments after self (all of them, optional included)
STORE_METHODS = {
    "close": 0, "is_open": 0, "backend": 0, "migrate": 0, "schema": 0,
    "configure_alerting": 1, "alert_send": 5, "create_job": 10, "get_job": 1,
    "list_jobs": 3, "job_counts": 0, "job_attempts": 1, "retry_job": 2, "cancel_job": 1, "ingest": 10, "aggregate": 3,
    "quality": 3, "health": 4, "cleanup": 3, "executions": 1,
}
WORKER_METHODS = {"id": 0, "process": 1, "stop": 0}


def call(fn, *args):
    try:
        fn(*args)
    except OK_ERRORS:
        pass


@pytest.fixture
def native_store(db_uri, hh_file):
    s = native.Store(db_uri)
    s.create_job(None, hh_file)
    return s


def test_native_store_methods_every_argument(native_store):
    """Each argument in turn replaced by each bad value, the others valid-ish."""
    for name, arity in STORE_METHODS.items():
        if name == "close":
            continue
        method = getattr(native_store, name)
        for n in range(arity + 1):
            for position in range(n):
                for bad in BAD_VALUES:
                    args = ["x"] * n
                    args[position] = bad
                    call(method, *args)
        # Too many arguments.
        with pytest.raises(TypeError):
            method(*([None] * (arity + 1)))
    assert native_store.is_open()


def test_native_functions_with_none_self(hh_file):
    """The flat wrappers with None (a NULL handle) or a wrong object as self."""
    for name, arity in STORE_METHODS.items():
        fn = getattr(native._native, "Store_" + name)
        for self_value in (None, 1, "store", object()):
            call(fn, self_value, *([None] * arity))
            call(fn, self_value, *(["x"] * arity))
    for name, arity in WORKER_METHODS.items():
        fn = getattr(native._native, "Worker_" + name)
        for self_value in (None, 1, "worker", object()):
            call(fn, self_value, *([1] * arity))
    # A Worker where a Store is expected, and the reverse.
    s = native.Store("sqlite::memory:")
    w = native.Worker(s)
    with pytest.raises(TypeError):
        native._native.Store_get_job(w, "x")
    with pytest.raises(TypeError):
        native._native.Worker_process(s, 1)
    with pytest.raises(TypeError):
        native.Worker(w)
    call(native._native.delete_Store, None)
    call(native._native.delete_Worker, None)


def test_native_constructors(db_uri):
    for args in itertools.chain(
            ([bad] for bad in BAD_VALUES),
            ([db_uri, bad] for bad in BAD_VALUES),
            ([db_uri, 1, bad] for bad in BAD_VALUES),
            ([db_uri, 1, None, bad] for bad in BAD_VALUES)):
        call(native.Store, *args)
    s = native.Store(db_uri)
    for args in itertools.chain(
            ([bad] for bad in BAD_VALUES),
            ([s, bad] for bad in BAD_VALUES),
            ([s, None, bad] for bad in BAD_VALUES),
            ([s, None, 1, bad] for bad in BAD_VALUES)):
        call(native.Worker, *args)
    with pytest.raises(eclectyc.InvalidError):
        native.Worker(None)  # a NULL store


def test_idiomatic_layer_wrong_types(store, hh_file, db_uri):
    batch_id = store.create_job(file_path=hh_file)
    calls = {
        "create_job": lambda v: [store.create_job(v, hh_file), store.create_job(file_path=v),
                                 store.create_job(file_path=hh_file, import_type=v),
                                 store.create_job(file_path=hh_file, user_id=v),
                                 store.create_job(file_path=hh_file, notes=v),
                                 store.create_job(file_path=hh_file, priority=v),
                                 store.create_job(file_path=hh_file, tags=v),
                                 store.create_job(file_path=hh_file, tags=[v]),
                                 store.create_job(file_path=hh_file, metadata=v),
                                 store.create_job(file_path=hh_file, metadata={"k": v}),
                                 store.create_job(file_path=hh_file, max_retries=v)],
        "get_job": lambda v: store.get_job(v),
        "list_jobs": lambda v: [store.list_jobs(v), store.list_jobs(limit=v),
                                store.list_jobs(priority=v)],
        "job_counts": lambda v: store.job_counts(),
        "job_attempts": lambda v: store.job_attempts(v),
        "retry_job": lambda v: [store.retry_job(v), store.retry_job(batch_id, v)],
        "cancel_job": lambda v: store.cancel_job(v),
        "ingest": lambda v: [store.ingest(v), store.ingest(hh_file, import_type=v, dry_run=True),
                             store.ingest(hh_file, dry_run=True, batch_size=v),
                             store.ingest(hh_file, dry_run=True, unknown_meters=v),
                             store.ingest(hh_file, dry_run=True, progress=v)],
        "aggregate": lambda v: [store.aggregate(v), store.aggregate("daily", v),
                                store.aggregate("daily", None, v)],
        "quality": lambda v: [store.quality(v), store.quality(None, v)],
        "health": lambda v: store.health(v, v),
        "cleanup": lambda v: [store.cleanup(v, True), store.cleanup(30, True, v)],
        "executions": lambda v: store.executions(v),
        "configure_alerting": lambda v: store.configure_alerting(v),
        "send_alert": lambda v: store.send_alert(v, v, v, v, v),
        "Store": lambda v: [eclectyc.Store(v), eclectyc.Store(db_uri, log=v),
                            eclectyc.Store(db_uri, log_level=v)],
        "Worker": lambda v: [eclectyc.Worker(v), eclectyc.Worker(store, worker_id=v),
                             eclectyc.Worker(store, progress=v)],
        "process": lambda v: eclectyc.Worker(store).process(v),
    }
    for name, fn in calls.items():
        for bad in BAD_VALUES + [True, 3.0, ("t",), {"a"}]:
            call(fn, bad)
    assert store.is_open
    # The original job is still there and intact.
    assert store.get_job(batch_id).status in ("queued", "completed")


def test_type_errors_are_type_errors(store, hh_file):
    with pytest.raises(TypeError):
        store.get_job(123)
    with pytest.raises(TypeError):
        store.get_job(None)
    with pytest.raises(TypeError):
        store.create_job(file_path=hh_file, tags="not-a-list")
    with pytest.raises(TypeError):
        store.create_job(file_path=hh_file, metadata=["not", "a", "dict"])
    with pytest.raises(TypeError):
        store.create_job(file_path=hh_file, metadata={"k": object()})
    with pytest.raises(TypeError):
        store.create_job(file_path=hh_file, user_id="7")
    with pytest.raises(TypeError):
        store.create_job(file_path=hh_file, max_retries=2.5)
    with pytest.raises(TypeError):
        store.list_jobs(limit="10")
    with pytest.raises(TypeError):
        store.list_jobs(priority=2)
    with pytest.raises(TypeError):
        store.job_attempts(None)
    with pytest.raises(TypeError):
        store.job_attempts(123)
    with pytest.raises(TypeError):
        store.job_counts("queued")
    with pytest.raises(ValueError):
        store.job_attempts("nul\0inside")
    with pytest.raises(TypeError):
        eclectyc.Worker("sqlite::memory:")
    # None is ECLECTYC_DB; with the configuration off there is none to take.
    with pytest.raises(eclectyc.InvalidError):
        eclectyc.Store(None, config=False)
    with pytest.raises(TypeError):
        eclectyc.Store("sqlite::memory:", config=False, env_file=42)
    with pytest.raises(TypeError):
        eclectyc.Store(42)
    with pytest.raises(ValueError):
        store.get_job("nul\0inside")
    with pytest.raises(TypeError):
        store.aggregate("daily", 20251103)
    # None where the library allows NULL is accepted.
    store.list_jobs(None)
    store.list_jobs(None, 20, None)
    store.aggregate("daily", None, None)
    store.quality(None, None)
    store.cleanup(30, True, None)
    store.create_job(None, hh_file, notes=None, tags=None, metadata=None, user_id=None)
