"""A cohort store opens in the DuckDB CLI from the registry (PyPI duckdb-cli, a test
extra), which reads older storage formats than the duckdb library writes by default."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from healthsim import api


def _duckdb_cli() -> str:
    here = Path(sys.executable).parent / "duckdb"
    found = str(here) if here.exists() else shutil.which("duckdb")
    assert found, "the duckdb CLI is missing: pip install -e '.[test]' (it installs duckdb-cli)"
    return found


def test_registry_duckdb_cli_opens_a_generated_cohort(tmp_path):
    db = tmp_path / "cli.duckdb"
    api.generate(api.load_profile("medicare-diabetic", count=150, seed=3), db)
    api.generate(api.load_profile("commercial-healthy", count=40, seed=3), db)  # a second write session
    cli = _duckdb_cli()
    version = subprocess.run([cli, "--version"], check=False, capture_output=True, text=True, timeout=60).stdout
    done = subprocess.run([cli, "-readonly", "-csv", "-noheader", str(db), "-c",
                           "SELECT cohort_id, count(*) FROM persons GROUP BY 1 ORDER BY 1"],
                          check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"duckdb CLI {version}: {done.stderr}"
    assert done.stdout.split() == ["1,150", "2,40"]
