"""The Parquet lake: layout, manifest, catalog, import, all-or-nothing publishing.

Cheap cases on a population-only cohort; the Dask runs (with journeys and
claims) are in test_dask_lake.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from healthsim import api
from healthsim.lake.layout import LakeError
from healthsim.lake.manifest import read_manifest, verify
from healthsim.store.digest import catalog_digests, store_digests

COUNT = 12_000  # two blocks


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    spec = api.load_profile("medicare-diabetic", count=COUNT, seed=4)
    one = api.generate_lake(spec, root / "one", workers=1)
    two = api.generate_lake(spec, root / "two", workers=2)
    store = api.generate(spec, root / "s.duckdb")
    return root, spec, one, two, store


def _files(lake: Path) -> dict[str, bytes]:
    return {str(p.relative_to(lake)): p.read_bytes() for p in sorted(lake.rglob("*.parquet"))}


def test_lake_layout_manifest_and_same_bytes_whatever_the_workers(made):
    root = made[0]
    lake = root / "one"
    assert _files(lake) == _files(root / "two")  # byte-identical, file by file
    assert (lake / "manifest.json").read_bytes() == (root / "two" / "manifest.json").read_bytes()
    manifest = read_manifest(lake)
    assert manifest["seed"] == 4 and manifest["member_count"] == COUNT
    assert manifest["spec"]["count"] == COUNT
    persons = manifest["tables"]["persons"]
    assert [f["path"] for f in persons["files"]] == ["persons/part-b000000.parquet", "persons/part-b000001.parquet"]
    assert sum(f["rows"] for f in persons["files"]) == persons["rows"] == COUNT
    assert manifest["tables"]["plans"]["files"][0]["path"] == "plans/static.parquet"
    assert verify(lake, manifest) == []
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no staging left
    assert oct(lake.stat().st_mode & 0o777) != oct(0o700)


def test_lake_store_and_import_have_identical_digests(made, tmp_path):
    root, _, one, _, store = made
    lake_d = catalog_digests(root / "one" / "catalog.duckdb")
    assert lake_d == store_digests(store.db, store.cohort_id)
    info = api.import_lake(root / "one", tmp_path / "imported.duckdb")
    assert store_digests(info["db"], info["cohort_id"]) == lake_d
    assert api.list_cohorts(info["db"])[0]["row_counts"] == one.row_counts


def test_catalog_reads_like_a_store_from_any_directory(made, tmp_path):
    root, *_ = made
    catalog = root / "one" / "catalog.duckdb"
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with duckdb.connect(str(catalog), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM persons").fetchone()[0] == COUNT
            assert con.execute("SELECT count(*) FROM claims").fetchone()[0] == 0  # empty view, typed
            assert con.execute("SELECT member_count FROM cohorts").fetchone()[0] == COUNT
    finally:
        os.chdir(cwd)
    assert api.list_cohorts(catalog)[0]["cohort_id"] == 1
    duckdb_cli = Path(sys.executable).with_name("duckdb")
    if not duckdb_cli.exists():
        pytest.skip("duckdb-cli not installed")
    out = subprocess.run([str(duckdb_cli), str(catalog), "-csv", "-c", "select count(*) from persons"],
                         capture_output=True, text=True, cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["count_star()", str(COUNT)]


def test_damaged_lake_is_refused_on_import(made, tmp_path):
    root, *_ = made
    lake = tmp_path / "copy"
    shutil.copytree(root / "one", lake)
    target = lake / "persons" / "part-b000001.parquet"
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(LakeError, match="sha256"):
        api.import_lake(lake, tmp_path / "x.duckdb")
    assert not (tmp_path / "x.duckdb").exists()


def test_destination_rules(made, tmp_path):
    root, spec, *_ = made
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(LakeError, match="not empty"):
        api.generate_lake(spec, tmp_path / "busy")
    with pytest.raises(LakeError, match="--overwrite"):
        api.generate_lake(spec, root / "one")


def _cli(args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-c", "import sys; from healthsim.cli.main import main; sys.exit(main())",
                           *args], capture_output=True, text=True, env={**os.environ, "COLUMNS": "200", **(env or {})},
                          cwd=cwd, timeout=120, check=False)


@pytest.mark.parametrize("point,sig", [("run.block", "SIGINT"), ("run.block", "SIGTERM"),
                                       ("lake.publish", "SIGINT"), ("lake.publish", "SIGKILL")])
def test_killed_lake_run_is_all_or_nothing(made, tmp_path, point, sig):
    """Replacing a lake: interrupted before publishing, the old lake stays whole; a signal
    during publishing is held until the new lake is in place, and is reported so."""
    root, *_ = made
    lake = tmp_path / "lake"
    shutil.copytree(root / "one", lake)
    before = _files(lake)
    r = _cli(["generate", "--template", "commercial-healthy", "--count", str(COUNT), "--lake", str(lake),
              "--overwrite"], env={"HEALTHSIM_FAULT": f"{point}:{sig}"})
    text = " ".join(r.stderr.split())
    published = point == "lake.publish" and sig != "SIGKILL"
    assert r.returncode == {"SIGKILL": -9, "SIGINT": 130, "SIGTERM": 143}[sig], r.stderr
    assert "Traceback" not in text
    if published:
        assert "was committed" in text and read_manifest(lake)["name"] != "Medicare Diabetic Cohort"
    else:
        assert _files(lake) == before  # the old lake, untouched
        if sig != "SIGKILL":
            assert "rolled back" in text
            assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    # the next run sweeps whatever a SIGKILL left, and publishes its lake
    r = _cli(["generate", "--template", "commercial-healthy", "--count", "100", "--lake", str(lake), "--overwrite"])
    assert r.returncode == 0, r.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert json.loads((lake / "manifest.json").read_text())["member_count"] == 100


def test_cli_generate_lake_then_import(tmp_path):
    r = _cli(["generate", "--template", "commercial-healthy", "--count", "300", "--seed", "2",
              "--lake", str(tmp_path / "lake")])
    assert r.returncode == 0, r.stderr
    assert "300 members" in r.stdout and "catalog.duckdb" in r.stdout
    r = _cli(["import", "--lake", str(tmp_path / "lake"), "--db", str(tmp_path / "s.duckdb")])
    assert r.returncode == 0, r.stderr
    assert "as cohort 1" in r.stdout
    r = _cli(["generate", "--template", "commercial-healthy", "--count", "300", "--engine", "dask"])
    assert r.returncode == 2 and "--lake" in r.stderr


def test_read_only_query_reads_the_lake_and_nothing_else(made):
    from healthsim.store.query import QueryRefused, run_select

    root, *_ = made
    catalog = root / "one" / "catalog.duckdb"
    assert run_select(catalog, "SELECT count(*) AS n FROM persons").rows == [[COUNT]]
    with pytest.raises(QueryRefused):
        run_select(catalog, f"SELECT count(*) FROM read_parquet('{root / 'two'}/persons/*.parquet')")
