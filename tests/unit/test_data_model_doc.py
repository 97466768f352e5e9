"""docs/data-model.md documents every table and column the store writes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]


def test_doc_is_generated_from_the_current_declarations():
    sys.path.insert(0, str(ROOT / "tools"))
    from gen_data_model import render

    assert (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8") == render(), (
        "run .venv/bin/python tools/gen_data_model.py")


def test_every_column_in_a_real_store_is_documented(tmp_path):
    from healthsim.store.cohort_store import CohortStore

    CohortStore(tmp_path / "s.duckdb").close()
    doc = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    documented: dict[str, set[str]] = {}
    table = None
    for line in doc.splitlines():
        if line.startswith("## "):
            table = line[3:].strip()
            documented[table] = set()
        elif table and (m := re.match(r"\| (\w+) \|", line)) and m.group(1) != "column":
            documented[table].add(m.group(1))
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        actual = con.execute("SELECT table_name, column_name FROM information_schema.columns").fetchall()
    missing = [(t, c) for t, c in actual if c not in documented.get(t, set())]
    assert not missing
