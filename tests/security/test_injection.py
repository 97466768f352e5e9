"""Every separator and control character in every free-text field of a spec, through
every export format: each file still parses with its independent validator (pyx12,
hl7apy, fhir.resources + the FHIR JSON Schema, the NCPDP field check, lxml for XML,
pyarrow for CSV/Parquet), with the counts the tables imply, and the text arrives
(made safe, not dropped)."""

from __future__ import annotations

import re

import duckdb
import pytest
from tests.formats.claims_fixture import add_claims
from tests.formats.conftest import _has_rows, payer_mix_profile
from tests.formats.validators import VALIDATORS

from healthsim import api
from healthsim.formats import EXPORTERS
from healthsim.formats.run import export_cohort
from healthsim.formats.staging import MARKER

# X12 (* ~ : ^ and a whole trailer), HL7 (| ^ ~ \ & and a new MSH), NCPDP (FS GS RS), MLLP (VT FS),
# CSV (, " ' newline), XML (< > &), a terminal escape and Rich markup, NUL, DEL, a C1 control.
EVIL = ("Evil*P~SE*1*0001~GE*1*1~IEA*1*000000001~|^~\\&\r\nMSH|x\x1c\x1d\x1e\x1f\x0b\x00\x07\x7f\x85"
        "\x1b[31m[bold]<b>&amp;</b>,\"q\"'\t=cmd")
MEMBERS = 24
BLOCK = 8


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    doc = payer_mix_profile(count=MEMBERS, seed=5, journeys=("annual-care",)).model_dump(
        mode="json", by_alias=True, exclude_none=True)
    doc["profile_name"] = "Cohort " + EVIL
    doc["description"] = "About " + EVIL
    for i, option in enumerate(doc["coverage"]["options"]):
        option["plan"] = (f"Plan{i} " + EVIL)[:50]
    for condition in doc["conditions"]:
        condition["name"] = "Condition " + EVIL
    doc["attributes"] = {"note": {"distribution": "categorical", "weights": {"Label " + EVIL: 1.0}}}
    db = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    api.generate(api.load_profile(doc), db)
    missing = ("claims", "claim_lines") if not _has_rows(db, "claims") else ()
    missing += ("pharmacy_claims",) if not _has_rows(db, "pharmacy_claims") else ()
    if missing:
        add_claims(db, tables=missing)
    with duckdb.connect(str(db), read_only=True) as con:  # the text really is in the store, raw
        assert con.execute("SELECT count(*) FROM plans WHERE plan_name LIKE '%~SE*1*0001~%'").fetchone()[0] == 6
    return db


CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")


@pytest.mark.parametrize("fmt", [f for f, e in EXPORTERS.items()  # member-cohort formats (SDTM: tests/trial)
                                 if getattr(e, "cohort_kind", "members") == "members"])
def test_hostile_text_cannot_break_any_format(fmt, hostile_db, tmp_path):
    out = tmp_path / fmt
    export_cohort(hostile_db, fmt, out, block_persons=BLOCK)
    VALIDATORS[fmt](out, hostile_db)  # parses with the format's own validator; counts match the tables
    files = [p for p in out.rglob("*") if p.is_file() and p.suffix not in (".parquet", ".gz")
             and p.name != MARKER]
    data = b"".join(p.read_bytes() for p in files)
    # NCPDP D.0 frames with FS/GS/RS and HL7 feeds may frame with MLLP: those come from the writer,
    # so only count control characters next to the injected words
    for hit in re.finditer(rb"(?i)evil", data):
        window = data[hit.start(): hit.start() + 60]
        if fmt not in ("ncpdp",):
            assert not CONTROL.search(window), (fmt, window)
    if fmt.startswith("x12"):
        for path in files:
            text = path.read_text()
            segments = [s.strip().split("*") for s in text.split("~") if s.strip()]
            open_isa = None
            for elements in segments:  # envelopes nest properly: ISA ... IEA with matching numbers
                if elements[0] == "ISA":
                    assert open_isa is None, path
                    open_isa = elements[13]
                elif elements[0] == "IEA":
                    assert open_isa == elements[2], path
                    open_isa = None
                else:
                    assert open_isa is not None, (path, elements[:3])
            assert open_isa is None and segments[0][0] == "ISA", path
            ids = [e[0] for e in segments]
            assert ids.count("ST") == ids.count("SE") and ids.count("GS") == ids.count("GE"), path
    if fmt not in ("parquet", "ncpdp", "ncpdp-script") and files:  # NCPDP carries plan ids, not names
        assert re.search(rb"(?i)evil", data), f"{fmt}: the injected text did not arrive at all"
