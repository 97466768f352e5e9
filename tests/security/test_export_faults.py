"""Kill an export (SIGKILL, SIGTERM, SIGINT) half-way through writing and during its
publish: the output directory holds exactly the previous export or exactly the new
one, never a mix; the exit code and message say which; what a kill leaves behind is
cleared by the next export."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from healthsim import api
from healthsim.errors import HealthSimError
from healthsim.formats import staging
from healthsim.formats.run import export_cohort

FMT = "fhir-ndjson"


def digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def two_cohorts(tmp_path_factory):
    """One store, two different cohorts; the old and the new export of each, for comparison."""
    root = tmp_path_factory.mktemp("faults")
    db = root / "c.duckdb"
    for seed in (1, 2):
        api.generate(api.load_profile("medicare-diabetic", count=60, seed=seed, journeys=["annual-care"]), db)
    old, new = root / "ref-old", root / "ref-new"
    export_cohort(db, FMT, old, cohort_id=1)
    export_cohort(db, FMT, new, cohort_id=2)
    assert digests(old) != digests(new)
    return db, digests(old), digests(new)


def _export(db: Path, out: Path, fault: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("HEALTHSIM_FAULT", None)
    if fault:
        env["HEALTHSIM_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "healthsim.cli.main", "export", "--db", str(db), "--cohort", "2",
                           "--format", FMT, "--out", str(out)], env=env, capture_output=True, text=True,
                          timeout=300, check=False)


# (fault, exit code, which set the directory then holds, words the message says)
CASES = [
    ("export.progress:SIGKILL", -9, "old", None),
    ("export.progress:SIGTERM", 143, "old", "unchanged"),
    ("export.progress:SIGINT", 130, "old", "unchanged"),
    ("export.publish:SIGKILL", -9, "old", None),
    ("export.publish:SIGTERM", 143, "new", "complete"),
    ("export.publish:SIGINT", 130, "new", "complete"),
]


@pytest.mark.parametrize("fault,code,holds,words", CASES, ids=[c[0] for c in CASES])
def test_a_killed_export_leaves_the_old_set_or_the_new_one(two_cohorts, tmp_path, fault, code, holds, words):
    db, old, new = two_cohorts
    out = tmp_path / "exports" / "fhir"
    export_cohort(db, FMT, out, cohort_id=1)
    before = digests(out)
    assert before == old and staging.MARKER in old

    done = _export(db, out, fault)
    assert done.returncode == code, done.stderr[-2000:]
    if words:
        assert words in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]
    after = digests(out)
    assert after == (old if holds == "old" else new)

    # the next export clears whatever the killed one left, and lands whole
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(".")]
    assert all(n.endswith((staging.STAGING_SUFFIX, staging.PARKED_SUFFIX)) for n in leftovers)
    export_cohort(db, FMT, out, cohort_id=2)
    assert [p.name for p in out.parent.iterdir()] == ["fhir"]
    assert digests(out) == new


def test_an_interrupted_two_rename_swap_is_repaired(tmp_path):
    """Where directories cannot be exchanged in one step, a kill between the two renames
    leaves no output directory and the old one parked: the next export puts it back."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    parent = tmp_path / "exports"
    parked = parent / f".fhir.{dead}.abcd1234{staging.PARKED_SUFFIX}"
    parked.mkdir(parents=True)
    (parked / "Patient.ndjson").write_text("old\n")
    stale = parent / f".fhir.{FMT}.{dead}.zz99xx00{staging.STAGING_SUFFIX}"
    stale.mkdir()
    (stale / "half.ndjson").write_text("half\n")
    alive = parent / f".fhir.{FMT}.{os.getpid()}.qq11ww22{staging.STAGING_SUFFIX}"
    alive.mkdir()  # an export still running in a live process is left alone
    done = staging.sweep(parent)
    assert (parent / "fhir" / "Patient.ndjson").read_text() == "old\n"
    assert not parked.exists() and not stale.exists() and alive.exists()
    assert any("restored" in d for d in done)


def test_the_fallback_swap_and_the_exchange_give_the_same_result(tmp_path, monkeypatch, two_cohorts):
    db, _, new = two_cohorts
    monkeypatch.setattr(staging, "_exchange", lambda a, b: False)
    out = tmp_path / "x"
    export_cohort(db, FMT, out, cohort_id=1)
    export_cohort(db, FMT, out, cohort_id=2)
    assert digests(out) == new
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]


def test_an_export_never_replaces_a_folder_of_someone_elses(tmp_path, two_cohorts):
    db = two_cohorts[0]
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.docx").write_text("precious")
    with pytest.raises(HealthSimError, match="not a HealthSim export"):
        export_cohort(db, FMT, mine, cohort_id=1)
    assert (mine / "thesis.docx").read_text() == "precious" and len(list(tmp_path.iterdir())) == 1
    (tmp_path / "afile").write_text("x")
    with pytest.raises(HealthSimError, match="not a directory"):
        export_cohort(db, FMT, tmp_path / "afile", cohort_id=1)


def test_a_full_disk_is_a_clear_error_and_changes_nothing(tmp_path, two_cohorts, monkeypatch):
    import errno

    from healthsim.formats import EXPORTERS

    db, old, _ = two_cohorts
    out = tmp_path / "out"
    export_cohort(db, FMT, out, cohort_id=1)
    exporter = type(EXPORTERS[FMT])

    def full(self, source, stage):
        (stage / "partial.ndjson").write_text("x" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(exporter, "export", full)
    with pytest.raises(HealthSimError, match="the disk is full"):
        export_cohort(db, FMT, out, cohort_id=2)
    assert digests(out) == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
