"""Shared fixtures of the Python binding's tests.

Run by ctest (bindings/python/CMakeLists.txt) with PYTHONPATH pointing at the
package assembled in the build tree, ECL_CLI at the `eclectyc` command line,
ECL_TEST_TMPDIR for scratch files and, in a sanitizer build, the ASan runtime
preloaded (ECL_TEST_ASAN=1).
"""
import datetime
import os
import random
import shutil
import sqlite3
import tempfile

import pytest

import eclectyc

ASAN = os.environ.get("ECL_TEST_ASAN") == "1"


def mpan(index):
    """A 13-digit MPAN core with a valid check digit (as tests/gen_readings.py)."""
    primes = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43]
    body = "%012d" % (160000000000 + index * 7919)
    check = sum(int(d) * p for d, p in zip(body, primes)) % 11 % 10
    return body + str(check)


def write_hh(path, meters=2, days=2, start="2025-11-03", bad_rows=0, seed=1):
    """A wide half-hourly CSV: MPAN, Date, HH01..HH48; `bad_rows` rows with a
    broken date are appended. Returns the number of data rows."""
    rng = random.Random(seed)
    first = datetime.date.fromisoformat(start)
    with open(path, "w", newline="") as out:
        out.write("MPAN,Date," + ",".join("HH%02d" % p for p in range(1, 49)) + "\n")
        for m in range(meters):
            for d in range(days):
                date = first + datetime.timedelta(days=d)
                values = ",".join("%.3f" % rng.uniform(0.1, 2.5) for _ in range(48))
                out.write("%s,%s,%s\n" % (mpan(m), date.isoformat(), values))
        for i in range(bad_rows):
            out.write("%s,31/02/2025,%s\n" % (mpan(0), ",".join(["1.0"] * 48)))
    return meters * days + bad_rows


def write_daily(path, meters=2, days=3, start="2025-11-03"):
    first = datetime.date.fromisoformat(start)
    with open(path, "w", newline="") as out:
        out.write("MPAN,Date,Reading\n")
        for m in range(meters):
            for d in range(days):
                date = first + datetime.timedelta(days=d)
                out.write("%s,%s,%.3f\n" % (mpan(m), date.isoformat(), 20.0 + m + d))
    return meters * days


@pytest.fixture
def tmpdir_path():
    """A fresh scratch directory under ECL_TEST_TMPDIR (else the system's)."""
    base = os.environ.get("ECL_TEST_TMPDIR")
    if base:
        os.makedirs(base, exist_ok=True)
    path = tempfile.mkdtemp(prefix="ecl-py.", dir=base or None)
    yield os.path.realpath(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def db_path(tmpdir_path):
    return os.path.join(tmpdir_path, "store.db")


@pytest.fixture
def db_uri(db_path):
    return "sqlite://" + db_path


@pytest.fixture
def store(db_uri):
    with eclectyc.Store(db_uri) as s:
        yield s


@pytest.fixture
def hh_file(tmpdir_path):
    path = os.path.join(tmpdir_path, "readings.csv")
    write_hh(path)
    return path


@pytest.fixture
def big_hh_file(tmpdir_path):
    """Several 5000-reading batches (so progress is reported more than once)."""
    path = os.path.join(tmpdir_path, "big.csv")
    write_hh(path, meters=4, days=60)
    return path


@pytest.fixture
def daily_file(tmpdir_path):
    path = os.path.join(tmpdir_path, "daily.csv")
    write_daily(path)
    return path


@pytest.fixture
def cli():
    """The `eclectyc` command line (ECL_CLI), or skip."""
    path = os.environ.get("ECL_CLI")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("ECL_CLI is not set to the eclectyc command line (ctest sets it)")
    return path


def cli_env():
    """The environment for the command line: none of the caller's ECLECTYC_* settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ECLECTYC_")}


def count(db_path, sql, *params):
    """One number from the store's SQLite file (read-only, outside the library)."""
    con = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    try:
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()
