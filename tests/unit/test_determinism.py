"""Same spec + seed -> identical bytes; chunking and block order do not matter."""

from __future__ import annotations

import pyarrow as pa
from tests.conftest import table_digest

from healthsim import api
from healthsim.engine.run import iter_blocks
from healthsim.engine.stats import RunStats

TABLE_NAMES = ("persons", "conditions", "enrollments", "identities", "person_attributes", "plans")


def test_same_seed_gives_identical_tables_and_other_seed_does_not(tmp_path):
    spec = api.load_profile("medicare-diabetic", count=25_000, seed=11)
    a = api.generate(spec, tmp_path / "a.duckdb")
    b = api.generate(spec, tmp_path / "b.duckdb")
    c = api.generate(api.load_profile("medicare-diabetic", count=25_000, seed=12), tmp_path / "a.duckdb")
    for name in TABLE_NAMES:
        assert table_digest(a.db, a.cohort_id, name) == table_digest(b.db, b.cohort_id, name), name
    assert table_digest(a.db, a.cohort_id, "persons") != table_digest(c.db, c.cohort_id, "persons")


def test_write_chunking_does_not_change_tables(tmp_path):
    spec = api.load_profile("commercial-healthy", count=23_000, seed=5)
    one = api.generate(spec, tmp_path / "one.duckdb", chunk_blocks=1)
    many = api.generate(spec, tmp_path / "many.duckdb", chunk_blocks=3)
    for name in TABLE_NAMES:
        assert table_digest(one.db, one.cohort_id, name) == table_digest(many.db, many.cohort_id, name), name


def test_a_block_made_alone_equals_the_same_block_made_in_a_full_run():
    spec = api.load_profile("medicaid-pediatric", count=30_000, seed=3)
    run = api.build_run(spec)
    full = list(iter_blocks(run, RunStats()))
    alone = list(iter_blocks(run, RunStats(), blocks=[2]))
    assert len(full) == 3 and len(alone) == 1
    for name, table in alone[0].items():
        assert table.equals(full[2][name]), name
    assert isinstance(full[0]["persons"], pa.Table)


def test_worker_processes_do_not_change_tables(tmp_path):
    spec = api.load_profile("medicare-diabetic", count=31_000, seed=21)
    one = api.generate(spec, tmp_path / "w1.duckdb", workers=1)
    two = api.generate(spec, tmp_path / "w2.duckdb", workers=2)
    for name in TABLE_NAMES:
        assert table_digest(one.db, one.cohort_id, name) == table_digest(two.db, two.cohort_id, name), name
