"""Exports hold a bounded number of rows at a time, whatever the cohort's size and density.

An exporter reads the cohort in blocks of persons and holds one block (as Arrow, then
as Python objects while it builds). The block is cut from the cohort's rows per member
(formats.base.block_size) so that it holds at most ROWS_PER_BLOCK person-level rows: a
dense cohort (a year of care, ~400 rows per member) is read in blocks of a few hundred
members, a sparse one in blocks of 10,000. The peak RSS this gives is measured by
benchmarks/bench_export.py (20,000 members with a year of care, every format); here the
tests prove the bound on the rows held, on a real cohort, for every block-reading format.
"""

from __future__ import annotations

import pytest

from healthsim import api
from healthsim.formats import EXPORTERS, base
from healthsim.formats.base import BLOCK_STEPS, ROWS_PER_BLOCK, block_size, person_level_tables
from healthsim.formats.run import export_cohort


def test_block_size_fits_the_row_budget_and_depends_on_the_cohort_alone():
    assert block_size({}, 0) == 10_000
    assert block_size({"persons": 1_000, "providers": 10**9}, 1_000) == 10_000  # static tables do not count
    for per_member in (1, 3, 10, 24, 50, 120, 400, 1_000, 2_400, 10_000):
        counts = {"persons": 20_000, "observations": 20_000 * (per_member - 1)}
        step = block_size(counts, 20_000)
        assert step in BLOCK_STEPS
        assert step * per_member <= ROWS_PER_BLOCK or step == BLOCK_STEPS[-1], (per_member, step)
        bigger = [s for s in BLOCK_STEPS if s > step]
        assert not bigger or min(bigger) * per_member > ROWS_PER_BLOCK, (per_member, step)  # the largest that fits
    assert block_size({"persons": 10, "claim_lines": 10 * 999}, 10) == 200  # children of claims count too
    assert "claim_lines" in person_level_tables() and "providers" not in person_level_tables()


@pytest.fixture(scope="module")
def dense_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("dense") / "dense.duckdb"
    api.generate(api.load_profile("medicare-diabetic", count=120, seed=4, journeys=["annual-care"]), db)
    return db


BLOCK_FORMATS = [f for f, e in EXPORTERS.items()
                 if f not in ("parquet", "csv") and getattr(e, "cohort_kind", "members") == "members"]


@pytest.mark.parametrize("fmt", BLOCK_FORMATS)
def test_every_format_holds_at_most_the_row_budget(fmt, dense_db, tmp_path, monkeypatch):
    """With the budget lowered to a few members' rows, every block-reading format is read in
    blocks whose rows stay under it, and the export still covers every member."""
    rows = sum(api.show_cohort(dense_db, 1)["row_counts"].get(t, 0) for t in person_level_tables())
    per_member = rows / 120
    budget = int(per_member * 45)  # blocks of 20 members (the ladder's next step, 50, is over)
    monkeypatch.setattr(base, "ROWS_PER_BLOCK", budget)
    monkeypatch.setattr(base, "BLOCK_STEPS", (50, 20, 10))
    held: list[tuple[int, int, int]] = []
    real = base.CohortSource.person_blocks

    def watched(self, tables, block_persons=None):
        for block in real(self, tables, block_persons):
            held.append((block.lo, block.hi, sum(t.num_rows for t in block.tables.values())))
            yield block

    monkeypatch.setattr(base.CohortSource, "person_blocks", watched)
    export_cohort(dense_db, fmt, tmp_path / fmt)
    if not held:
        pytest.skip(f"{fmt} reads no person blocks")
    assert max(hi - lo + 1 for lo, hi, _ in held) <= 20, held[:3]
    assert held[0][0] == 1 and held[-1][1] == 120
    # a block holds about 20 members' rows: never more than the budget plus one member's worth of spread
    assert max(n for *_, n in held) <= budget * 1.6, (budget, held)
