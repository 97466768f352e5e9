"""The cohort every format test exports: 500 members with journeys and claims.

Journeys come from the shipped templates (diabetic-first-year and, when
present, surgical-episode). Claims come from the cross-domain executor when
the store has them; any claim table it does not (yet) write comes from
claims_fixture (issue 4's columns).
"""

from __future__ import annotations

import duckdb
import pytest
from tests.formats.claims_fixture import add_claims

from healthsim import api

JOURNEYS = ("diabetic-first-year", "surgical-episode")


def _has_rows(db, table: str) -> bool:
    with duckdb.connect(str(db), read_only=True) as con:
        exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                             [table]).fetchall()[0][0]
        return bool(exists) and con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] > 0


@pytest.fixture(scope="session")
def export_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("export") / "cohort.duckdb"
    available = {t.name for t in api.list_templates() if t.kind == "journey"}
    journeys = [j for j in JOURNEYS if j in available]
    api.generate(api.load_profile("medicare-diabetic", count=500, seed=21, journeys=journeys), db)
    missing = ("claims", "claim_lines") if not _has_rows(db, "claims") else ()
    missing += ("pharmacy_claims",) if not _has_rows(db, "pharmacy_claims") else ()
    if missing:
        add_claims(db, tables=missing)
    return db


@pytest.fixture(scope="session")
def table_counts(export_db):
    def count(table: str, where: str = "TRUE") -> int:
        with duckdb.connect(str(export_db), read_only=True) as con:
            return con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchall()[0][0]
    return count
