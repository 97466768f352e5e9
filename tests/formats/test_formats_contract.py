"""Every registered format, exported from the same cohort: the independent
validator passes with zero errors, counts match the tables, and exporting
twice gives byte-identical files. A new format without a validator fails here."""

from __future__ import annotations

import hashlib

import pytest
from tests.formats.validators import VALIDATORS

from healthsim.formats import EXPORTERS
from healthsim.formats.run import export_cohort

BLOCK = 50  # persons per block: ten blocks (and files) from the 500-member cohort


def digests(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", list(EXPORTERS))
def test_format_validates_counts_match_and_bytes_repeat(fmt, export_db, tmp_path):
    assert fmt in VALIDATORS, f"format {fmt} has no independent validator in tests/formats/validators.py"
    first = export_cohort(export_db, fmt, tmp_path / "a", block_persons=BLOCK)
    second = export_cohort(export_db, fmt, tmp_path / "b", block_persons=BLOCK)
    assert first.files and first.files == second.files
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    assert not list((tmp_path / "a").glob(".*partial"))
    VALIDATORS[fmt](tmp_path / "a", export_db)
