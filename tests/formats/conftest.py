"""The cohort every format test exports: every coverage type, with a year of care and claims.

One cohort of 180 members split evenly over the six coverage types (medicare,
medicare_advantage, medicaid, commercial, exchange, dual), aged 18-95 with the
medicare-diabetic conditions, enrollment with late starts, early terms and
gaps (834 variety), and the annual-care, diabetic-first-year and
surgical-episode journeys. Each payer's files therefore go through every
validator: a code that is valid for one payer only (the 835 CLP06 bug of
issue 13) cannot hide. Claims come from the cross-domain executor; a claim
table it does not write comes from claims_fixture (issue 4's columns).

Exports are made once per session (`exported`) and shared by the tests that
only read them.
"""

from __future__ import annotations

import duckdb
import pytest
from tests.formats.claims_fixture import add_claims

from healthsim import api
from healthsim.formats.run import export_cohort

JOURNEYS = ("annual-care", "diabetic-first-year", "surgical-episode")
COVERAGE_TYPES = ("medicare", "medicare_advantage", "medicaid", "commercial", "exchange", "dual")
MEMBERS = 180
BLOCK = 30  # persons per export block: six blocks (and files per payer) from the cohort


def payer_mix_profile(count: int = MEMBERS, seed: int = 21, types=COVERAGE_TYPES, journeys=JOURNEYS):
    base = api.load_profile("medicare-diabetic", count=count, seed=seed)
    doc = base.model_dump(mode="json", by_alias=True, exclude_none=True)
    doc["profile_name"] = "Every payer (format tests)"
    share = round(1 / len(types), 6)
    options = [{"type": t, "share": share} for t in types]
    options[-1]["share"] = round(1 - share * (len(types) - 1), 6)
    doc["coverage"] = {"options": options, "enrollment": {"continuous_share": 0.7, "late_start_share": 0.1,
                                                          "early_term_share": 0.1, "gap_share": 0.1}}
    doc["demographics"]["age"] = {"distribution": "normal", "mean": 62, "std_dev": 15, "min": 18, "max": 95}
    available = {t.name for t in api.list_templates() if t.kind == "journey"}
    return api.load_profile(doc, journeys=[j for j in journeys if j in available])


def _has_rows(db, table: str) -> bool:
    with duckdb.connect(str(db), read_only=True) as con:
        exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                             [table]).fetchall()[0][0]
        return bool(exists) and con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] > 0


@pytest.fixture(scope="session")
def export_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("export") / "cohort.duckdb"
    api.generate(payer_mix_profile(), db)
    missing = ("claims", "claim_lines") if not _has_rows(db, "claims") else ()
    missing += ("pharmacy_claims",) if not _has_rows(db, "pharmacy_claims") else ()
    if missing:
        add_claims(db, tables=missing)
    return db


@pytest.fixture(scope="session")
def exported(export_db, tmp_path_factory):
    """fmt -> the folder of that format's export of export_db (made once per session)."""
    root = tmp_path_factory.mktemp("exports")
    made: dict[str, object] = {}

    def get(fmt: str, **options):
        key = fmt + repr(sorted(options.items()))
        if key not in made:
            out = root / f"{fmt}-{len(made)}"
            export_cohort(export_db, fmt, out, block_persons=BLOCK, options=options or None)
            made[key] = out
        return made[key]
    return get


@pytest.fixture(scope="session")
def table_counts(export_db):
    def count(table: str, where: str = "TRUE") -> int:
        with duckdb.connect(str(export_db), read_only=True) as con:
            return con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchall()[0][0]
    return count
