"""The guard rails behind the MCP tools, in process: path confinement, count cap,
read-only queries, code lookup."""

from __future__ import annotations

import os

import pytest

from healthsim import api
from healthsim.errors import HealthSimError
from healthsim.mcp.safety import Refused, ServerConfig, check_count, confine
from healthsim.store.query import QueryRefused, check_select


@pytest.fixture
def workspace(tmp_path):
    return ServerConfig.create(tmp_path / "ws").workspace


@pytest.mark.parametrize("path", ["exports/a", "a/b/c.yaml", "./x", "exports/cohort-1/csv"])
def test_relative_paths_stay_inside_the_workspace(workspace, path):
    assert confine(workspace, path).is_relative_to(workspace)


def test_an_absolute_path_inside_the_workspace_is_allowed(workspace):
    assert confine(workspace, str(workspace / "exports")) == workspace / "exports"


@pytest.mark.parametrize("path", ["../x", "a/../../x", "..", "/etc", "/tmp/elsewhere", "", " ", "a\x00b"])
def test_escaping_paths_are_refused(workspace, path):
    with pytest.raises(Refused):
        confine(workspace, path)


def test_a_symlink_out_of_the_workspace_is_refused(workspace, tmp_path):
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", workspace / "link")
    with pytest.raises(Refused, match="outside the workspace"):
        confine(workspace, "link/file.csv")


def test_counts_over_the_cap_are_refused():
    check_count(100, 100)
    with pytest.raises(Refused, match="cap of 100"):
        check_count(101, 100)


@pytest.mark.parametrize("sql", [
    "INSERT INTO persons VALUES (1)", "UPDATE persons SET age = 1", "DELETE FROM persons",
    "CREATE TABLE t AS SELECT 1", "DROP TABLE persons", "ATTACH 'x.db'", "DETACH x", "COPY persons TO 'x'",
    "EXPORT DATABASE 'x'", "INSTALL httpfs", "LOAD httpfs", "PRAGMA version", "SET threads = 1",
    "CALL pragma_version()", "SELECT 1; SELECT 2", "", "not sql at all",
])
def test_only_a_single_select_passes_the_check(sql):
    with pytest.raises(QueryRefused):
        check_select(sql)


def test_queries_read_but_never_write_or_touch_files(tmp_path):
    db = tmp_path / "q.duckdb"
    api.generate(api.load_profile("commercial-healthy", count=20, seed=1), db)
    result = api.query_cohort(db, "SELECT count(*) AS n FROM persons -- ; DROP TABLE persons", limit=5)
    assert result["rows"] == [[20]] and not result["truncated"]
    assert api.query_cohort(db, "SELECT person_id FROM persons ORDER BY 1", limit=5)["truncated"]
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    with pytest.raises(QueryRefused, match="disabled"):
        api.query_cohort(db, f"SELECT * FROM read_csv('{secret}')")
    with pytest.raises(HealthSimError):
        api.query_cohort(tmp_path / "missing.duckdb", "SELECT 1")


def test_lookup_code_searches_every_shipped_code_set():
    assert api.lookup_code("E11.9")[0]["display"].startswith("Type 2 diabetes")
    assert api.lookup_code("congestive heart failure", "icd10cm")[0]["code"] == "I50.9"
    assert api.lookup_code("metformin", "rxnorm")[0]["system"] == "RxNorm"
    assert api.lookup_code("hemoglobin a1c", "loinc")[0]["code"] == "4548-4"
    assert api.lookup_code("99213")[0]["system"] == "CPT"
    with pytest.raises(HealthSimError, match="unknown code system"):
        api.lookup_code("x", "snomed")
