"""Export options change what they promise and nothing else; bad options and empty
claim tables stop the export with exit code 2 and a message, writing nothing."""

from __future__ import annotations

import pytest
from tests.formats.conftest import BLOCK
from tests.formats.validators import check_envelope, pyx12_errors, x12_segments

from healthsim import api
from healthsim.cli.main import main
from healthsim.errors import UsageError
from healthsim.formats.options import parse_options
from healthsim.formats.run import export_cohort


def test_claims_per_st_splits_transactions_and_stays_valid(export_db, tmp_path):
    out = tmp_path / "x"
    export_cohort(export_db, "x12-837p", out, block_persons=BLOCK, options={"claims_per_st": 40})
    path = max(out.glob("*.x12"), key=lambda p: p.stat().st_size)
    segs = x12_segments(path)
    check_envelope(segs, max_claims=40)
    assert sum(s[0] == "ST" for s in segs) >= 2
    assert pyx12_errors(path) == []


def test_default_files_are_one_line_and_segment_newlines_adds_them(exported):
    plain = next(exported("x12-834").glob("*.x12")).read_text()
    lined = next(exported("x12-834", segment_newlines=True).glob("*.x12")).read_text()
    assert "\n" not in plain and lined.count("\n") == lined.count("~")
    assert lined.replace("\n", "") == plain


def test_sender_receiver_and_usage_override_every_interchange(export_db, tmp_path):
    out = tmp_path / "x"
    export_cohort(export_db, "x12-835", out, block_persons=BLOCK,
                  options={"sender_id": "MYPAYERGW", "receiver_id": "qa-system", "usage": "P"})
    for path in out.glob("*.x12"):
        for s in x12_segments(path):
            if s[0] == "ISA":
                assert (s[6].strip(), s[8].strip(), s[15]) == ("MYPAYERGW", "QA-SYSTEM", "P")
            elif s[0] == "GS":
                assert (s[2], s[3]) == ("MYPAYERGW", "QA-SYSTEM")


def test_bad_options_name_the_option_and_what_it_accepts():
    with pytest.raises(UsageError, match="claims_per_st"):
        parse_options(pairs=["claims_per_st=0"])
    with pytest.raises(UsageError, match="did you mean 'usage'"):
        parse_options(pairs=["usge=P"])
    with pytest.raises(UsageError, match="sender_id"):
        parse_options({"sender_id": "a*b"})
    assert parse_options(pairs=["segment-newlines=true", "usage=P"]).segment_newlines is True


def test_cli_bad_option_exits_2_and_writes_nothing(export_db, tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["export", "--db", str(export_db), "--format", "x12-837p", "--out", str(out),
                 "-O", "bundle_type=collection"]) == 2
    assert "bundle_type" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


@pytest.fixture(scope="module")
def no_claims_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("noclaims") / "c.duckdb"
    api.generate(api.load_profile("commercial-healthy", count=20, seed=3), db)
    return db


@pytest.mark.parametrize("fmt", ["x12-837p", "x12-837i", "x12-835", "x12-270-271", "x12-276-277", "x12-278",
                                 "ncpdp", "ncpdp-script"])
def test_claims_format_without_claims_exits_2(no_claims_db, tmp_path, capsys, fmt):
    out = tmp_path / "o"
    assert main(["export", "--db", str(no_claims_db), "--format", fmt, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nothing to export" in err and ("claims" in err or "medication_orders" in err)
    assert not out.exists() or not any(out.iterdir())
