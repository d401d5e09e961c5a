"""Import profiles from Python: listing them, previewing a file, and jobs
and direct imports that name a profile and a meter."""
import json
import os

import pytest

import eclectyc

PROFILES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "profiles")


def fixture(case):
    with open(os.path.join(PROFILES, case, "case.json")) as f:
        return os.path.join(PROFILES, case, json.load(f)["input"])


def test_profiles_lists_the_built_in_ones():
    listed = {p["name"]: p for p in eclectyc.profiles()}
    assert len(listed) >= 30
    assert listed["crown-hh"]["layout"] == "wide"
    assert listed["d0036"]["layout"] == "flow"
    assert listed["crown-hh"]["origin"] == "built-in"
    assert "Crown" in listed["crown-hh"]["description"]
    assert eclectyc.profile("crown-hh")["name"] == "crown-hh"
    with pytest.raises(eclectyc.NotFoundError):
        eclectyc.profile("no-such-profile")


def test_a_user_profile_directory(tmpdir_path):
    mine = dict(eclectyc.profile("crown-hh"), name="my-crown")
    with open(os.path.join(tmpdir_path, "my-crown.json"), "w") as f:
        json.dump(mine, f)
    names = [p["name"] for p in eclectyc.profiles(tmpdir_path)]
    assert "my-crown" in names and "crown-hh" in names
    # The copy matches as well as the original: detection refuses to guess.
    with pytest.raises(eclectyc.InvalidError, match="crown-hh and my-crown|my-crown and crown-hh"):
        eclectyc.detect(fixture("crown-hh"), profile_dir=tmpdir_path)
    assert eclectyc.detect(fixture("crown-hh"), profile="my-crown",
                           profile_dir=tmpdir_path)["profile"] == "my-crown"


def test_detect_previews_without_writing(tmpdir_path):
    d = eclectyc.detect(fixture("sse"), rows=3)
    assert d["profile"] == "sse"
    assert d["format"] == "hh-matrix"
    assert len(d["readings"]) == 3
    first = d["readings"][0]
    assert set(first) == {"meter", "start_utc", "settlement_date", "period", "kwh", "estimated"}
    with pytest.raises(eclectyc.InvalidError, match="does not fit"):
        eclectyc.detect(fixture("sse"), profile="crown-hh")


def test_jobs_and_imports_with_a_profile_and_a_meter(store):
    path = fixture("octopus-consumption")
    with pytest.raises(eclectyc.NotFoundError):
        store.create_job(file_path=path, profile="no-such-profile")
    batch = store.create_job(file_path=path, profile="octopus-consumption", meter="1900012345671")
    job = store.get_job(batch)
    assert job.as_dict()["import_profile"] == "octopus-consumption"
    assert job.as_dict()["import_meter"] == "1900012345671"
    assert eclectyc.Worker(store).process().completed == 1
    assert store.get_job(batch).summary["profile"] == "octopus-consumption"
    report = store.ingest(path, meter="1900012345672", dry_run=True)
    assert report.profile == "octopus-consumption"
    assert report.records_failed == 0 and report.records_imported > 0
