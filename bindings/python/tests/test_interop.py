"""Jobs cross process boundaries through the shared SQLite file: one queued
by the `eclectyc` command line is processed by a Python worker, and one
queued from Python by `eclectyc worker --once`. (The PHP <-> Python cross
test lives with the PHP binding's tests.)"""
import re
import subprocess

import eclectyc
from conftest import cli_env, count

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def run_cli(cli, db_uri, *args, cwd=None):
    proc = subprocess.run([cli, "--db", db_uri, *args], capture_output=True, text=True,
                          env=cli_env(), cwd=cwd, timeout=120)
    assert proc.returncode == 0, (args, proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


def test_cli_job_processed_by_python_worker(cli, db_uri, db_path, hh_file, tmpdir_path):
    run_cli(cli, db_uri, "migrate")
    out = run_cli(cli, db_uri, "import", hh_file, "--priority", "high", "--tag", "from-cli",
                  "--tag", "second", "--notes", "queued by the CLI", "--max-retries", "5",
                  "--metadata", '{"source": "cli"}', cwd=tmpdir_path)
    batch_id = UUID_RE.search(out).group(0)
    with eclectyc.Store(db_uri) as store:
        job = store.get_job(batch_id)
        assert job.status == "queued" and job.priority == "high"
        assert job.tags == ["from-cli", "second"] and job.notes == "queued by the CLI"
        assert job.metadata == {"source": "cli"} and job.max_retries == 5
        report = eclectyc.Worker(store, worker_id="python-worker").process()
        assert report.claimed == 1 and report.completed == 1
        job = store.get_job(batch_id)
        assert job.status == "completed" and job.worker_id == "python-worker"
        assert job.summary["records_imported"] == 4
    assert count(db_path, "SELECT COUNT(*) FROM meter_readings") == 192
    # The CLI sees the outcome.
    assert "completed" in run_cli(cli, db_uri, "job", batch_id)


def test_python_job_processed_by_cli_worker(cli, db_uri, db_path, hh_file):
    with eclectyc.Store(db_uri) as store:
        batch_id = store.create_job(filename="from-python.csv", file_path=hh_file,
                                    priority="low", tags=["python"],
                                    metadata={"site": 3}, notes="queued from Python")
    out = run_cli(cli, db_uri, "worker", "--once", "--worker-id", "cli-worker")
    with eclectyc.Store(db_uri) as store:
        job = store.get_job(batch_id)
        assert job.status == "completed", (out, job)
        assert job.worker_id == "cli-worker"
        assert job.filename == "from-python.csv" and job.tags == ["python"]
        assert job.metadata == {"site": 3}
        assert job.imported_rows == 4 and job.summary["successful"] is True
    assert count(db_path, "SELECT COUNT(*) FROM meter_readings") == 192


def test_cli_sees_python_jobs(cli, db_uri, hh_file):
    with eclectyc.Store(db_uri) as store:
        ids = [store.create_job(file_path=hh_file) for _ in range(3)]
        store.cancel_job(ids[0])
    out = run_cli(cli, db_uri, "jobs", "--limit", "0")
    for batch_id in ids:
        assert batch_id[:8] in out
    out = run_cli(cli, db_uri, "jobs", "--status", "cancelled")
    assert ids[0][:8] in out and ids[1][:8] not in out
