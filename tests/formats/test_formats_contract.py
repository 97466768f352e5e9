"""Every registered format, exported from the every-payer cohort: the independent
validator passes with zero errors, counts match the tables, and exporting
twice gives byte-identical files. A new format without a validator fails here."""

from __future__ import annotations

import hashlib

import pytest
from tests.formats.conftest import BLOCK
from tests.formats.validators import VALIDATORS

from healthsim.formats import EXPORTERS
from healthsim.formats.run import export_cohort


def digests(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", [f for f, e in EXPORTERS.items()  # member-cohort formats (SDTM: tests/trial)
                                 if getattr(e, "cohort_kind", "members") == "members"])
def test_format_validates_counts_match_and_bytes_repeat(fmt, export_db, exported, tmp_path):
    assert fmt in VALIDATORS, f"format {fmt} has no independent validator in tests/formats/validators.py"
    first = exported(fmt)
    export_cohort(export_db, fmt, tmp_path / "b", block_persons=BLOCK)
    assert digests(first) and digests(first) == digests(tmp_path / "b")
    assert not list(first.glob(".*partial"))
    VALIDATORS[fmt](first, export_db)
