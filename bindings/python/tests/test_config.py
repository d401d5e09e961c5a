"""A Store applies the ECLECTYC_* configuration as the command line does
(the library's ecl_*_options_from_config), unless config=False. (Python,
PHP and the command line compared on one .env: the PHP binding's
ConfigTest.)"""
import os

import pytest

import eclectyc


@pytest.fixture
def clean_environ(monkeypatch):
    for key in list(os.environ):
        if key.startswith(("ECLECTYC_", "MAIL_")) or key in ("ADMIN_EMAIL", "SLACK_WEBHOOK_URL"):
            monkeypatch.delenv(key)
    return monkeypatch


def write_env(tmpdir_path, *lines):
    path = os.path.join(tmpdir_path, "test.env")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def test_env_file_sets_the_store_and_every_default(clean_environ, tmpdir_path, daily_file):
    env = write_env(tmpdir_path, f"ECLECTYC_DB=sqlite://{tmpdir_path}/from-env.db",
                    "ECLECTYC_LOG_LEVEL=info", "ECLECTYC_MAX_RETRIES=6",
                    "ECLECTYC_BATCH_SIZE=77", "ECLECTYC_AGGREGATE_AFTER_IMPORT=0",
                    "ECLECTYC_STUCK_MINUTES=20", "ECLECTYC_PEAK_END=22:00")
    with eclectyc.Store(env_file=env) as store:
        assert store.uri == f"sqlite://{tmpdir_path}/from-env.db"
        s = store.settings()
        assert (s["configured"], s["log_level"], s["max_retries"], s["batch_size"],
                s["aggregate_after_import"], s["stuck_minutes"], s["peak_end"]) == \
            (True, "info", 6, 77, False, 20, "22:00")
        job = store.create_job(file_path=daily_file, import_type="daily")
        assert store.get_job(job).max_retries == 6
        assert store.get_job(store.create_job(file_path=daily_file, max_retries=1)).max_retries == 1


def test_the_environment_beats_the_file(clean_environ, tmpdir_path, db_uri):
    env = write_env(tmpdir_path, "ECLECTYC_MAX_RETRIES=6")
    clean_environ.setenv("ECLECTYC_MAX_RETRIES", "9")
    with eclectyc.Store(db_uri, env_file=env) as store:
        assert store.settings()["max_retries"] == 9


def test_config_false_reads_nothing(clean_environ, db_uri):
    clean_environ.setenv("ECLECTYC_MAX_RETRIES", "9")
    clean_environ.setenv("ECLECTYC_LOG_LEVEL", "debug")
    with eclectyc.Store(db_uri, config=False) as store:
        s = store.settings()
        assert (s["configured"], s["max_retries"], s["log_level"], s["cleanup_days"]) == \
            (False, 3, "warn", 30)


def test_a_bad_value_is_refused_naming_the_key(clean_environ, db_uri):
    clean_environ.setenv("ECLECTYC_RETRY_JITTER_PERCENT", "150")
    with pytest.raises(eclectyc.InvalidError) as e:
        eclectyc.Store(db_uri)
    assert "ECLECTYC_RETRY_JITTER_PERCENT=150 is out of range (0 to 100)" in str(e.value)
    eclectyc.Store(db_uri, config=False).close()


def test_cleanup_files_false_leaves_the_configured_directory(clean_environ, tmpdir_path):
    storage = os.path.join(tmpdir_path, "imports")
    os.makedirs(storage)
    orphan = os.path.join(storage, "orphan.csv")
    with open(orphan, "w") as f:
        f.write("MPAN,Date\n")
    old = os.path.getmtime(orphan) - 40 * 86400
    os.utime(orphan, (old, old))
    env = write_env(tmpdir_path, f"ECLECTYC_DB=sqlite://{tmpdir_path}/clean.db",
                    f"ECLECTYC_STORAGE_DIR={storage}")
    with eclectyc.Store(env_file=env) as store:
        assert store.cleanup(days=30, dry_run=True)["files_deleted"] == 1
        assert store.cleanup(days=30, files=False)["files_deleted"] == 0
        assert os.path.exists(orphan)
        assert store.cleanup(days=30)["files_deleted"] == 1
        assert not os.path.exists(orphan)
