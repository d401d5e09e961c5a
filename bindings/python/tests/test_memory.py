"""Ownership: creating and dropping 100,000 objects keeps memory flat.

Every char * the C side returns is freed by the wrapper (%newobject), every
handle by its proxy's destructor, every callback through its release. A
leak of even a few dozen bytes per object would show here as megabytes.

Two measures, after a warm-up round (so caches and SQLite's page cache are
not counted):
- the bytes the C allocator has in use: glibc's mallinfo2() (uordblks +
  hblkhd), or under ASan (ECL_TEST_ASAN=1, runtime preloaded)
  __sanitizer_get_current_allocated_bytes(), which leaves out ASan's
  quarantine; bound HEAP_BOUND;
- the resident set size from /proc/self/statm, bound RSS_BOUND; not under
  ASan, whose quarantine and shadow memory grow RSS by hundreds of MiB
  whatever the code does.
"""
import ctypes
import gc
import os
import resource

import eclectyc
from conftest import ASAN

N = 100_000
MiB = 1024 * 1024
RSS_BOUND = 20 * MiB
HEAP_BOUND = 2 * MiB
FIGURES = []


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]


_libc = ctypes.CDLL(None)
if ASAN:
    _asan_allocated = _libc.__sanitizer_get_current_allocated_bytes
    _asan_allocated.restype = ctypes.c_size_t
    _asan_allocated.argtypes = []
else:
    _mallinfo2 = _libc.mallinfo2
    _mallinfo2.restype = _Mallinfo2
    _mallinfo2.argtypes = []


def heap():
    """Bytes the C allocator has handed out and not had back."""
    if ASAN:
        return _asan_allocated()
    info = _mallinfo2()
    return info.uordblks + info.hblkhd


def rss():
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def growth(fn, n=N, warmup=2_000):
    """Run fn(i) n times; assert the heap and RSS stayed flat."""
    for i in range(warmup):
        fn(i)
    gc.collect()
    rss_before, heap_before = rss(), heap()
    for i in range(n):
        fn(i)
    gc.collect()
    rss_grew, heap_grew = rss() - rss_before, heap() - heap_before
    FIGURES.append((fn.__name__, n, rss_grew, heap_grew))
    print("%s: %d calls; heap %+.3f MiB; RSS %.1f MiB, %+.2f MiB; peak RSS %.1f MiB"
          % (fn.__name__, n, heap_grew / MiB, rss_before / MiB, rss_grew / MiB,
             resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    assert heap_grew < HEAP_BOUND, "C heap grew by %d bytes over %d calls" % (heap_grew, n)
    if not ASAN:
        assert rss_grew < RSS_BOUND, "RSS grew by %d bytes over %d calls" % (rss_grew, n)


def test_workers_with_callbacks(store):
    def worker_with_callback(i):
        w = eclectyc.Worker(store, worker_id="w%d" % i, progress=lambda *a: None)
        assert w.id == "w%d" % i
    growth(worker_with_callback)


def test_native_workers(store):
    raw = store._native

    def native_worker(i):
        eclectyc.native.Worker(raw, None, 1, None)
    growth(native_worker)


def test_jobs_and_strings(store, hh_file):
    batch_id = store.create_job(file_path=hh_file, tags=["a"], metadata={"k": "v" * 100},
                                notes="n" * 200)

    def get_job(i):
        job = store.get_job(batch_id)
        assert job.metadata["k"]
    growth(get_job)


def test_attempts_and_counts(store, hh_file, tmpdir_path):
    """The attempt list (strings, instants) and the counts: every text freed."""
    path = os.path.join(tmpdir_path, "gone.csv")
    with open(hh_file) as src, open(path, "w") as dst:
        dst.write(src.read())
    batch_id = store.create_job(file_path=path)
    os.unlink(path)
    eclectyc.Worker(store, worker_id="w" * 60).process()
    store.retry_job(batch_id)
    eclectyc.Worker(store).process()
    assert len(store.job_attempts(batch_id)) == 2

    def attempts_and_counts(i):
        attempts = store.job_attempts(batch_id)
        assert attempts[0].error_message
        assert store.job_counts()["failed"] == 1
        assert store.list_jobs(limit=1, priority="normal")
    growth(attempts_and_counts, n=N // 4, warmup=500)


def test_failing_calls(store):
    missing = "00000000-0000-4000-8000-000000000000"

    def failing_call(i):
        try:
            store.get_job(missing)
        except eclectyc.NotFoundError:
            pass
        try:
            store.job_attempts(missing)
        except eclectyc.NotFoundError:
            pass
    growth(failing_call)


def test_raw_strings(store, hh_file):
    raw = store._native
    store.create_job(file_path=hh_file)
    store.create_job(file_path=hh_file)

    def list_text(i):
        assert raw.list_jobs(None, 2).startswith("[{")
    growth(list_text)


def test_callbacks_on_failing_calls(store):
    def failing_ingest_with_callback(i):
        try:
            store.ingest("/nonexistent/%d.csv" % (i % 10), progress=lambda *a: None)
        except eclectyc.StorageIOError:
            pass
    growth(failing_ingest_with_callback)


def test_stores():
    uri = "sqlite::memory:"

    def open_store(i):
        s = eclectyc.native.Store(uri, 0, None, 2)
        assert s.is_open()
    growth(open_store)


def test_stores_with_log_callbacks(db_uri):
    eclectyc.Store(db_uri).close()

    def store_with_log(i):
        with eclectyc.Store(db_uri, migrate=False, log=lambda level, message: None,
                            log_level="debug"):
            pass
    growth(store_with_log, n=N // 4, warmup=500)


def test_the_measure_sees_a_leak():
    """The heap measure is not blind: 100,000 unfreed 64-byte mallocs show."""
    malloc, free = _libc.malloc, _libc.free
    malloc.restype, malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    free.argtypes = [ctypes.c_void_p]
    kept = []
    gc.collect()
    before = heap()
    for _ in range(N):
        kept.append(malloc(64))
    grew = heap() - before
    for p in kept:
        free(p)
    assert grew >= N * 64, grew
