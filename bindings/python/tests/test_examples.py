"""The scripts in examples/python run against a scratch database."""
import datetime
import os
import re
import signal
import subprocess
import sys
import time

import pytest

import eclectyc
from conftest import write_hh

SOURCE_DIR = os.environ.get("ECL_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", ".."))
EXAMPLES = os.path.join(SOURCE_DIR, "examples", "python")
UUID_RE = re.compile(r"batch id: +([0-9a-f-]{36})")


def example(name):
    path = os.path.join(EXAMPLES, name)
    if not os.path.exists(path):
        pytest.skip("%s not found (ECL_SOURCE_DIR)" % path)
    return path


def env():
    e = {k: v for k, v in os.environ.items() if not k.startswith("ECLECTYC_")}
    package_dir = os.path.dirname(os.path.dirname(eclectyc.__file__))
    e["PYTHONPATH"] = os.pathsep.join(p for p in (package_dir, e.get("PYTHONPATH")) if p)
    return e


def run(script, *args):
    proc = subprocess.run([sys.executable, example(script), *args], capture_output=True,
                          text=True, env=env(), timeout=120)
    return proc


def test_create_job_example(db_uri, tmpdir_path):
    path = os.path.join(tmpdir_path, "upload.csv")
    write_hh(path)
    proc = run("create_job.py", "--db", db_uri, "create", path)
    assert proc.returncode == 0, proc.stderr
    batch_id = UUID_RE.search(proc.stdout).group(1)
    assert "status:      queued" in proc.stdout
    with eclectyc.Store(db_uri) as store:
        job = store.get_job(batch_id)
        assert job.notes == "Test import" and job.priority == "high"
        assert job.tags == ["example", "python"] and job.max_retries == 5
        assert job.metadata == {"default_site_id": 7, "default_tariff_id": 2}
        # Make it fail: the file goes away before a worker gets to it.
        os.unlink(path)
        assert eclectyc.Worker(store).process().failed == 1

    # Retry now.
    write_hh(path)
    proc = run("create_job.py", "--db", db_uri, "retry", batch_id)
    assert proc.returncode == 0, proc.stderr
    assert "status:      queued" in proc.stdout and "retries:     1 of 5" in proc.stdout

    # Fail it again, then retry in 10 minutes.
    with eclectyc.Store(db_uri) as store:
        os.unlink(path)
        assert eclectyc.Worker(store).process().failed == 1
    proc = run("create_job.py", "--db", db_uri, "retry", batch_id, "--in-minutes", "10")
    assert proc.returncode == 0, proc.stderr
    assert "retry at:" in proc.stdout
    with eclectyc.Store(db_uri) as store:
        job = store.get_job(batch_id)
        wait = (job.retry_at - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        assert job.status == "queued" and 590 <= wait <= 610

    # Errors are reported, not raised as tracebacks.
    proc = run("create_job.py", "--db", db_uri, "retry", batch_id)
    assert proc.returncode == 1 and "status is queued" in proc.stderr
    proc = run("create_job.py", "--db", db_uri, "retry", "00000000-0000-4000-8000-000000000000")
    assert proc.returncode == 1 and "no such job" in proc.stderr


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_worker_loop_example(db_uri, tmpdir_path):
    path = os.path.join(tmpdir_path, "loop.csv")
    write_hh(path)
    with eclectyc.Store(db_uri) as store:
        batch_id = store.create_job(file_path=path)
    out_path = os.path.join(tmpdir_path, "worker.out")
    with open(out_path, "w") as out:
        proc = subprocess.Popen([sys.executable, example("worker_loop.py"), "--db", db_uri,
                                 "--poll", "0.2", "--worker-id", "example-loop"],
                                stdout=out, stderr=subprocess.STDOUT, env=env())
    try:
        with eclectyc.Store(db_uri) as store:
            assert wait_for(lambda: store.get_job(batch_id).status == "completed")
            # A second job while it is polling.
            second = store.create_job(file_path=path)
            assert wait_for(lambda: store.get_job(second).status == "completed")
            assert store.get_job(second).worker_id == "example-loop"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with open(out_path) as f:
        output = f.read()
    assert "Received SIGTERM, shutting down gracefully..." in output
    assert re.search(r"stopped: claimed 2, completed 2, failed 0", output), output


def test_worker_loop_masks_password(tmpdir_path):
    """The example printed its --db URI as given, password included. An
    SQLite file named like credentials stands in for a PostgreSQL URI."""
    db_uri = "sqlite://" + os.path.join(tmpdir_path, "app:S3cret@loop.db")
    eclectyc.Store(db_uri).close()
    out_path = os.path.join(tmpdir_path, "worker.out")
    with open(out_path, "w") as out:
        proc = subprocess.Popen([sys.executable, example("worker_loop.py"), "--db", db_uri,
                                 "--poll", "0.2"], stdout=out, stderr=subprocess.STDOUT, env=env())
    try:
        assert wait_for(lambda: "waiting for jobs" in open(out_path).read())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with open(out_path) as f:
        output = f.read()
    assert "app:***@loop.db: waiting for jobs" in output, output
    assert "S3cret" not in output
