"""Independent validators, one per export format, with count checks.

Each takes (out_dir, db) and raises AssertionError on the first problem.
The validators are other people's code: fhir.resources R4B models and the
official FHIR R4 JSON Schema, hl7apy at STRICT 2.5.1, pyx12 for X12; NCPDP
is checked against the D.0 field definitions shipped with the package.
"""

from __future__ import annotations

import gzip
import io
import logging
import re
from collections import Counter
from functools import cache
from pathlib import Path

import duckdb
import orjson

DATA = Path(__file__).parent / "data"
REFERENCE = re.compile(rb'"reference":"([^"]+)"')


def count(db, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()[0][0]


# --- FHIR -------------------------------------------------------------------
@cache
def fhir_schema() -> dict:
    """The official FHIR R4 JSON Schema (fhir.schema.json, see data/README.md)."""
    return orjson.loads(gzip.decompress((DATA / "fhir.schema.json.gz").read_bytes()))


@cache
def schema_validator(resource_type: str):
    import jsonschema

    s = fhir_schema()
    return jsonschema.Draft6Validator({"definitions": s["definitions"], "$ref": f"#/definitions/{resource_type}"})


def schema_errors(resource: dict) -> list[str]:
    return [e.message for e in schema_validator(resource["resourceType"]).iter_errors(resource)]


def r4b_validate(resource: dict) -> None:
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def expected_fhir_counts(db) -> dict[str, int]:
    """Resources per type: one per row, except what happens after as_of (results not yet
    released, claims not yet received or adjudicated) and the derived histories."""
    cut = "(SELECT as_of + INTERVAL 1 DAY FROM cohorts LIMIT 1)"
    released = f"coalesce(issued_time, time) < {cut}"
    expect = {"Patient": count(db, "SELECT count(*) FROM persons"),
              "Coverage": count(db, "SELECT count(*) FROM enrollments"),
              "Practitioner": count(db, "SELECT count(*) FROM providers"),
              "PractitionerRole": count(db, "SELECT count(*) FROM providers"),
              "Condition": count(db, "SELECT count(*) FROM conditions") + count(db, "SELECT count(*) FROM diagnoses"),
              "Encounter": count(db, "SELECT count(*) FROM encounters"),
              "Observation": count(db, f"SELECT count(*) FROM observations WHERE {released}"),
              "Procedure": count(db, "SELECT count(*) FROM procedures"),
              "MedicationRequest": count(db, "SELECT count(*) FROM medication_orders"),
              "DiagnosticReport": count(db, f"""SELECT count(*) FROM lab_orders o WHERE resulted_time < {cut}
                  AND EXISTS (SELECT 1 FROM observations b WHERE b.order_id = o.order_id AND {released})"""),
              "CarePlan": count(db, "SELECT count(DISTINCT person_id) FROM conditions"),
              "Claim": count(db, f"SELECT count(*) FROM claims WHERE claim_type <> 'pharmacy' AND received_date < {cut}")
              + count(db, "SELECT count(*) FROM pharmacy_claims"),
              "ExplanationOfBenefit": count(db, f"SELECT count(*) FROM claims WHERE claim_type <> 'pharmacy' "
                                                f"AND paid_date < {cut}")
              + count(db, "SELECT count(*) FROM pharmacy_claims")}
    return {k: v for k, v in expect.items() if v}


ISO_DATE = re.compile(rb'"(\d{4}-\d{2}-\d{2})')


def as_of_of(db) -> str:
    return str(count(db, "SELECT strftime(as_of, '%Y-%m-%d') FROM cohorts LIMIT 1"))


def read_lines(path: Path) -> list[bytes]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.splitlines()


def validate_fhir_ndjson(out: Path, db, per_type: int = 400) -> None:
    """Every resource: type, counts, references, no date after as_of; R4B models on up to
    `per_type` resources of each type spread over the file (all of them for small types),
    and the official JSON Schema on the first five of each type."""
    ids, refs, counts = set(), set(), Counter()
    as_of = as_of_of(db).encode()
    files = sorted(out.glob("*.ndjson")) + sorted(out.glob("*.ndjson.gz"))
    assert files
    for path in files:
        lines = read_lines(path)
        step = max(1, len(lines) // per_type)
        for i, line in enumerate(lines):
            res = orjson.loads(line)
            assert res["resourceType"] == path.name.split(".")[0]
            if i % step == 0:
                r4b_validate(res)
            if i < 5:
                assert schema_errors(res) == [], (path.name, schema_errors(res)[:3])
            assert max(ISO_DATE.findall(line), default=b"") <= as_of, (res["resourceType"], res["id"])
            ids.add(f"{res['resourceType']}/{res['id']}")
            refs.update(REFERENCE.findall(line))
            counts[res["resourceType"]] += 1
    for rtype, n in expected_fhir_counts(db).items():
        assert counts[rtype] == n, (rtype, counts[rtype], n)
    assert counts["Immunization"] and counts["AllergyIntolerance"] >= counts["Patient"]
    refs = {r.decode() for r in refs}
    assert refs <= ids, sorted(refs - ids)[:5]


def bundle_files(out: Path) -> tuple[Path, list[Path]]:
    shared = [p for p in out.glob("bundles/shared.json*")]
    assert len(shared) == 1, "one shared Bundle"
    return shared[0], sorted(p for p in out.glob("bundles/*/*.json*"))


def load_bundle(path: Path) -> dict:
    return orjson.loads(gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes())


def validate_fhir_bundles(out: Path, db, sample: int = 5, bundle_type: str = "transaction") -> None:
    """The shared Bundle and one per patient: type, PUT urls, every reference resolving in its
    Bundle or the shared one, shared resources only in the shared Bundle, ids unique, counts,
    no date after as_of; R4B models on `sample` Bundles, the JSON Schema on the first."""
    shared_path, files = bundle_files(out)
    shared = load_bundle(shared_path)
    assert shared["type"] == bundle_type
    shared_ids = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in shared["entry"]}
    assert len(shared_ids) == len(shared["entry"])
    for e in shared["entry"]:
        assert set(_references(e["resource"])) <= shared_ids
    r4b_validate({**shared, "entry": shared["entry"][:50]})
    assert len(files) == count(db, "SELECT count(*) FROM persons")
    counts = Counter(e["resource"]["resourceType"] for e in shared["entry"])
    step = max(1, len(files) // sample)
    as_of = as_of_of(db)
    seen: set[str] = set()
    for i, path in enumerate(files):
        bundle = load_bundle(path)
        assert bundle["type"] == bundle_type
        if i % step == 0:
            r4b_validate(bundle)
        if i == 0:  # the Bundle schema checks entry.resource against every type (oneOf): keep it short
            assert schema_errors({**bundle, "entry": bundle["entry"][:2]}) == []
            for e in bundle["entry"]:
                assert schema_errors(e["resource"]) == [], schema_errors(e["resource"])[:3]
        inside = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
        assert not inside & shared_ids, "shared resources belong in the shared Bundle only"
        assert not inside & seen, "a resource in two patients' Bundles"
        seen |= inside
        for e in bundle["entry"]:
            assert e["request"] == {"method": "PUT",
                                    "url": f"{e['resource']['resourceType']}/{e['resource']['id']}"}
            missing = set(_references(e["resource"])) - inside - shared_ids
            assert not missing, (path.name, sorted(missing)[:3])
            dates = ISO_DATE.findall(orjson.dumps(e["resource"]))
            assert max(dates, default=b"").decode() <= as_of, (e["resource"]["resourceType"], max(dates))
            counts[e["resource"]["resourceType"]] += 1
    for rtype, n in expected_fhir_counts(db).items():
        assert counts[rtype] == n, (rtype, counts[rtype], n)


def _references(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from _references(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _references(v)


# --- HL7 v2 -----------------------------------------------------------------
def hl7_messages(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:  # keep the \r segment terminators
        text = f.read()
    return ["MSH|" + m for m in text.split("MSH|")[1:]]


def hl7_strict(er7: str):
    """Parse and validate at hl7apy STRICT (v2.5.1 structures). hl7apy 1.3.5 checks a
    choice group (e.g. ORM_O01's OBR | RQD | RQ1 | RXO | ODS | ODT) as if every
    alternative were required (crs4/hl7apy#151, open): those reports, and only those,
    are dropped when one alternative is present."""
    import tempfile

    from hl7apy import load_reference
    from hl7apy.consts import VALIDATION_LEVEL
    from hl7apy.exceptions import ValidationError
    from hl7apy.parser import parse_message

    msg = parse_message(er7, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
    try:
        msg.validate()
    except ValidationError:
        with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
            try:
                msg.validate(report_file=report.name)
            except ValidationError:
                pass
            errors = [ln for ln in Path(report.name).read_text().splitlines() if ln.startswith("Error")]
        real = []
        for line in errors:
            found = re.search(r"Missing required child (\w+)\.(\w+)", line)
            if found and load_reference(found.group(1), "Group", msg.version)[0] == "choice" \
                    and _choice_present(er7, found.group(1), msg.version):
                continue
            real.append(line)
        assert not real, real[:3]
    return msg


def _choice_present(er7: str, group: str, version: str) -> bool:
    from hl7apy import load_reference

    alternatives = {child[0] for child in load_reference(group, "Group", version)[1]}
    return any(s.split("|")[0] in alternatives for s in er7.split("\r"))


def expected_hl7_counts(db) -> dict[str, int]:
    cut = "(SELECT as_of + INTERVAL 1 DAY FROM cohorts LIMIT 1)"
    inpatient = "(encounter_class = 'IMP' OR patient_class = 'I')"
    return {"adt_a28": count(db, "SELECT count(*) FROM persons"),
            "adt_a08": count(db, f"SELECT count(*) FROM enrollments WHERE span_no > 1 AND start_date < {cut}")
            + count(db, f"SELECT count(*) FROM encounters WHERE {inpatient} AND end_time < {cut}"),
            "adt_a04": count(db, f"SELECT count(*) FROM encounters WHERE NOT {inpatient} AND start_time < {cut}"),
            "adt_a01": count(db, f"SELECT count(*) FROM encounters WHERE {inpatient} AND start_time < {cut}"),
            "adt_a03": count(db, f"SELECT count(*) FROM encounters WHERE end_time < {cut}"),
            "orm_o01": count(db, f"SELECT count(*) FROM lab_orders WHERE ordered_time < {cut}"),
            "oru_r01": count(db, f"""SELECT count(*) FROM lab_orders o WHERE resulted_time < {cut}
                                     AND EXISTS (SELECT 1 FROM observations b WHERE b.order_id = o.order_id)""")}


def check_hl7_times(er7: str, as_of: str) -> str:
    """MSH-7 at or after EVN-2 and OBR-22 results, nothing after the as_of day; returns MSH-7."""
    segs = {s.split("|")[0]: s.split("|") for s in er7.split("\r") if s}
    sent = segs["MSH"][6]
    assert sent[:8] <= as_of, ("MSH-7 after as_of", sent)
    if "EVN" in segs:
        assert segs["EVN"][2] <= sent, ("EVN-2 after MSH-7", segs["EVN"][2], sent)
    if "OBR" in segs and len(segs["OBR"]) > 22 and segs["OBR"][22]:
        assert segs["OBR"][22] <= sent and segs["OBR"][22][:8] <= as_of, ("OBR-22", segs["OBR"][22])
    return sent


def validate_hl7v2(out: Path, db, per_type: int = 25) -> None:
    by_type: dict[str, list[str]] = {}
    for path in sorted(out.glob("*.hl7")):
        by_type.setdefault(path.name.split("-")[0], []).extend(hl7_messages(path))
    for key, n in expected_hl7_counts(db).items():
        assert len(by_type.get(key, [])) == n, (key, len(by_type.get(key, [])), n)
    as_of = str(count(db, "SELECT strftime(as_of, '%Y%m%d') FROM cohorts LIMIT 1"))
    for key, messages in by_type.items():
        for er7 in messages:
            check_hl7_times(er7, as_of)
        step = max(1, len(messages) // per_type)
        for er7 in messages[::step]:
            msg = hl7_strict(er7)
            assert msg.msh.msh_9.msh_9_2.to_er7() == key.split("_")[1].upper()


def validate_hl7v2_feed(out: Path, db, per_type: int = 10, framed: bool = False) -> None:
    """feed.hl7: every message once, in MSH-7 order, each passing hl7apy STRICT (a sample)."""
    raw = (out / "feed.hl7").read_bytes().decode("utf-8")
    if framed:
        assert raw.startswith("\x0b") and raw.endswith("\x1c\r")
        messages = [m for m in raw.split("\x1c\r") if m]
        assert all(m.startswith("\x0bMSH|") for m in messages)
        messages = [m[1:] for m in messages]
    else:
        messages = ["MSH|" + m for m in raw.split("MSH|")[1:]]
    expected = expected_hl7_counts(db)
    assert len(messages) == sum(expected.values())
    as_of = str(count(db, "SELECT strftime(as_of, '%Y%m%d') FROM cohorts LIMIT 1"))
    times = [check_hl7_times(m, as_of) for m in messages]
    assert times == sorted(times), "feed out of order"
    seen: dict[str, int] = {}
    for m in messages:
        kind = m.split("|")[8]
        seen[kind] = seen.get(kind, 0) + 1
        if seen[kind] <= per_type:
            hl7_strict(m)


# --- X12 ---------------------------------------------------------------------
def pyx12_errors(path: Path, is_835: bool = False) -> list[str]:
    import pyx12.params
    import pyx12.x12n_document

    logger = logging.getLogger("pyx12")
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setLevel(logging.ERROR)
    logger.addHandler(handler)
    try:
        fd_997 = None if is_835 else io.StringIO()
        ok = pyx12.x12n_document.x12n_document(param=pyx12.params.params(), src_file=str(path),
                                               fd_997=fd_997, fd_html=None, fd_json=io.StringIO())
    finally:
        logger.removeHandler(handler)
    errors = [line for line in sink.getvalue().splitlines() if line.strip()]
    if not errors and fd_997 is not None:
        errors = acknowledgment_errors(fd_997.getvalue())
    return errors if errors or ok else ["pyx12 returned False"]


def acknowledgment_errors(ack: str) -> list[str]:
    """The 999 pyx12 writes for a file: every transaction set accepted (IK5*A) and the group
    accepted (AK9*A). (pyx12 4.0.0 cannot write a 999 for an 835, "Cannot create AK2", so 835s are
    checked by the validator's errors alone.)"""
    segs = [s.strip().split("*") for s in ack.split("~") if s.strip()]
    if not any(s[0] == "ST" and s[1] == "999" for s in segs):
        return ["no 999 acknowledgment"]
    bad = [("*".join(s)) for s in segs if (s[0] == "IK5" and s[1] != "A") or (s[0] == "AK9" and s[1] != "A")
           or s[0] in ("IK3", "IK4")]
    return [f"999 does not accept: {b}" for b in bad]


def x12_segments(path: Path) -> list[list[str]]:
    return [s.strip().split("*") for s in path.read_text(encoding="ascii").split("~") if s.strip()]


def x12_files(out: Path, prefix: str) -> list[Path]:
    return sorted(p for p in out.glob(f"{prefix}-*.x12") if prefix != "834" or "audit" not in p.name)


def validate_x12_files(out: Path, prefix: str, is_835: bool = False, pyx12_files: int = 2,
                       files: list[Path] | None = None) -> list[list[str]]:
    """pyx12 on the first and last files (all with pyx12_files=0 meaning none, -1 every file);
    every file's envelope counts (SE01, GE01, IEA01, matching control numbers) checked here."""
    files = files if files is not None else x12_files(out, prefix)
    assert files, f"no {prefix} files"
    chosen = files if pyx12_files < 0 else ({files[0], files[-1]} if pyx12_files else set())
    for path in sorted(chosen):
        errors = pyx12_errors(path, is_835)
        assert errors == [], (path.name, errors[:5])
    segments = []
    for path in files:
        segs = x12_segments(path)
        check_envelope(segs)
        segments += segs
    return segments


def check_envelope(segs: list[list[str]], max_claims: int = 5000) -> None:
    """ISA/IEA and GS/GE pairs with matching control numbers and counts, SE01 segment counts,
    and no transaction set with more than `max_claims` claims (CLM), members (INS) or
    requests; any number of interchanges per file."""
    assert segs[0][0] == "ISA" and segs[-1][0] == "IEA"
    isa = groups = sets = start = None
    items = 0
    for i, s in enumerate(segs):
        tag = s[0]
        if tag == "ISA":
            assert isa is None, "ISA inside an interchange"
            isa, groups = s, 0
        elif tag == "GS":
            groups += 1
            sets, gs = 0, s
        elif tag == "ST":
            start, items = i, 0
        elif tag in ("CLM", "INS"):
            items += 1
        elif tag == "SE":
            sets += 1
            assert int(s[1]) == i - start + 1 and s[2] == segs[start][2], ("SE01/SE02", s)
            assert items <= max_claims, ("too many claims or members in one ST", items)
        elif tag == "GE":
            assert int(s[1]) == sets and s[2] == gs[6], ("GE", s)
        elif tag == "IEA":
            assert s[2] == isa[13] and int(s[1]) == groups, ("IEA", s, isa[13])
            isa = None
    assert isa is None


def interchanges(segs: list[list[str]]) -> list[list[list[str]]]:
    out, cur = [], []
    for s in segs:
        cur.append(s)
        if s[0] == "IEA":
            out.append(cur)
            cur = []
    return out


def validate_x12_834(out: Path, db) -> None:
    segs = validate_x12_files(out, "834")
    ins = [s for s in segs if s[0] == "INS"]
    adds = [s for s in ins if s[3] in ("021", "025")]
    spans = count(db, "SELECT count(*) FROM enrollments")
    same_plan_continuations = count(db, """SELECT count(*) FROM enrollments a JOIN enrollments b
        ON a.person_id = b.person_id AND b.span_no = a.span_no + 1 AND b.start_date = a.end_date + 1
        AND a.plan_id = b.plan_id""")
    plan_changes = sum(s[3] == "001" and s[4] == "22" for s in ins)
    assert len(adds) + plan_changes == spans - same_plan_continuations
    assert {s[4] for s in ins if s[3] == "001"} <= {"22", "AI"}  # plan change; coverage level change
    assert sum(s[3] == "024" for s in ins) == count(db, """SELECT count(*) FROM enrollments e JOIN cohorts c
        USING (cohort_id) WHERE e.end_date < c.as_of AND NOT EXISTS (SELECT 1 FROM enrollments n
        WHERE n.person_id = e.person_id AND n.start_date = e.end_date + 1)""")
    audit = validate_x12_files(out, "834-audit", pyx12_files=1,
                               files=sorted(out.glob("834-audit-*.x12")))
    assert all(s[3] == "030" for s in audit if s[0] == "INS")
    assert all(s[8] == "4" for s in audit if s[0] == "BGN")
    assert sum(s[0] == "INS" for s in audit) == count(db, """SELECT count(DISTINCT person_id) FROM enrollments e
        JOIN cohorts c USING (cohort_id) WHERE c.as_of BETWEEN e.start_date AND e.end_date""")


def claim_submissions(segs: list[list[str]], line_segment: str, amount: int) -> list[dict]:
    """Each CLM with its frequency, REF*F8 and the sum of its service lines."""
    out, cur = [], None
    for s in segs:
        if s[0] == "CLM":
            cur = {"pcn": s[1], "billed": float(s[2]), "freq": s[5].split(":")[2], "ref": None, "lines": 0.0}
            out.append(cur)
        elif s[0] == "REF" and s[1] == "F8" and cur is not None:
            cur["ref"] = s[2]
        elif s[0] == line_segment:
            cur["lines"] += float(s[amount])
        elif s[0] == "SE":
            cur = None
    return out


def validate_x12_837p(out: Path, db, prefix: str = "837p", claim_type: str = "professional",
                      line_segment: str = "SV1", amount: int = 2) -> None:
    """pyx12 zero errors; every claim of the type once in its final version (an original
    not replaced, or a replacement), CLM02 = billed = sum of its lines; every submission's
    CLM02 = sum of its lines; replacements and voids carry REF*F8."""
    segs = validate_x12_files(out, prefix)
    subs = claim_submissions(segs, line_segment, amount)
    replaced = {s["pcn"] for s in subs if s["freq"] == "7"}
    final = {}
    for s in subs:
        assert abs(s["billed"] - s["lines"]) < 0.005, s
        if s["freq"] in ("7", "8"):
            assert s["ref"], ("replacement or void without REF*F8", s)
        if (s["freq"] == "7" or (s["freq"] == "1" and s["pcn"] not in replaced)) and not s["pcn"].endswith("D"):
            assert s["pcn"] not in final, ("claim twice", s["pcn"])
            final[s["pcn"]] = s["billed"]
    with duckdb.connect(str(db), read_only=True) as con:
        billed = dict(con.execute("SELECT CAST(claim_id AS VARCHAR), billed FROM claims "
                                  "WHERE claim_type = ?", [claim_type]).fetchall())
    assert set(final) == set(billed)
    for cid, clm02 in final.items():
        assert abs(clm02 - billed[cid]) < 0.005, (cid, clm02, billed[cid])


def validate_x12_837i(out: Path, db) -> None:
    validate_x12_837p(out, db, prefix="837i", claim_type="institutional", line_segment="SV2", amount=3)


def remittances(segs: list[list[str]]) -> list[dict]:
    """Each 835 transaction: sender/receiver, BPR02, PLB total and its claim payments."""
    out, isa, tx, clp, svc = [], None, None, None, None

    def close_svc():
        nonlocal svc
        if svc is not None:
            assert abs(svc[0] - svc[2] - svc[1]) < 0.005, ("SVC02 - CAS != SVC03", svc)
            svc = None

    for s in segs:
        tag = s[0]
        if tag in ("SVC", "CLP", "SE", "PLB"):
            close_svc()
        if tag == "ISA":
            isa = s
        elif tag == "ST":
            tx = {"sender": isa[6].strip(), "receiver": isa[8].strip(), "claims": [], "plb": 0.0}
            out.append(tx)
        elif tag == "BPR":
            tx["bpr"], tx["method"] = float(s[2]), s[1]
        elif tag == "N1" and s[1] == "PE":
            tx["payee"] = s[4]
        elif tag == "N1" and s[1] == "PR":
            tx["payer_name"] = s[2]
        elif tag == "CLP":
            clp = {"pcn": s[1], "status": s[2], "billed": float(s[3]), "paid": float(s[4]), "patient": float(s[5] or 0),
                   "filing": s[6], "icn": s[7], "freq": s[9], "lines": 0.0, "tt": False}
            tx["claims"].append(clp)
        elif tag == "NM1" and s[1] == "TT":
            clp["tt"] = True
        elif tag == "SVC":
            svc = [float(s[2]), float(s[3]), 0.0]
            clp["lines"] += float(s[3])
        elif tag == "CAS":
            svc[2] += sum(float(s[i]) for i in range(3, len(s), 3) if s[i])
        elif tag == "PLB":
            tx["plb"] += sum(float(s[i]) for i in range(4, len(s), 2) if s[i])
    return out


def validate_x12_835(out: Path, db) -> None:
    """pyx12 zero errors; SVC, CLP and BPR balance (BPR02 = sum CLP04 - sum PLB); the
    interchange goes from the payer to the payee; every adjudicated claim's final payment
    is there with its table amount (for dual members: primary + secondary)."""
    segs = validate_x12_files(out, "835", is_835=True)
    final, secondary = {}, {}
    for tx in remittances(segs):
        assert tx["receiver"] == tx["payee"], ("835 not addressed to its payee", tx["receiver"], tx["payee"])
        total = sum(c["paid"] for c in tx["claims"])
        assert abs(tx["bpr"] - (total - tx["plb"])) < 0.005, ("BPR02 != sum CLP04 - PLB", tx["bpr"], total, tx["plb"])
        assert tx["bpr"] >= 0
        for c in tx["claims"]:
            assert abs(c["paid"] - c["lines"]) < 0.005, ("CLP04 != sum SVC03", c)
            if c["status"] == "22":
                assert c["paid"] <= 0 and c["billed"] <= 0, c
            elif c["status"] == "2":
                secondary[c["pcn"]] = c["paid"]
            elif c["icn"] == c["pcn"] and not c["pcn"].endswith("D"):
                assert c["pcn"] not in final, ("claim paid twice", c["pcn"])
                final[c["pcn"]] = c
                assert (c["status"] == "19") == c["tt"], ("CLP02 19 names the crossover payer (NM1*TT)", c)
    with duckdb.connect(str(db), read_only=True) as con:
        paid = dict(con.execute("SELECT CAST(claim_id AS VARCHAR), paid FROM claims "
                                "WHERE claim_type <> 'pharmacy' AND paid_date IS NOT NULL").fetchall())
    assert set(final) == set(paid)
    for cid, c in final.items():
        assert abs(c["paid"] + secondary.get(cid, 0.0) - paid[cid]) < 0.005, (cid, c, secondary.get(cid), paid[cid])


def structural_errors(paths) -> list[str]:
    """The guide-based structural checker (formats/x12/checker.py) over files."""
    from healthsim.formats.x12.checker import check_file

    return [f"{p.name}: {e}" for p in paths for e in check_file(p)]


def validate_x12_pairs(out: Path, db, request: str, response: str, request_id: str, response_id: str) -> None:
    """Requests and responses: zero structural errors, one response set per request set,
    and each response's trace (TRN02) answering its request's."""
    requests, responses = sorted(out.glob(f"{request}-*.x12")), sorted(out.glob(f"{response}-*.x12"))
    assert requests and len(requests) == len(responses)
    errors = structural_errors(requests + responses)
    assert errors == [], errors[:5]
    asked = [s[2] for p in requests for s in x12_segments(p) if s[0] == "TRN"]
    answered = [s[2] for p in responses for s in x12_segments(p) if s[0] == "TRN" and s[1] == "2"]
    assert asked and sorted(asked) == sorted(answered)
    assert sum(s[0] == "ST" and s[1] == request_id for p in requests for s in x12_segments(p)) == len(asked)
    assert all(s[1] == response_id for p in responses for s in x12_segments(p) if s[0] == "ST")


def validate_x12_270_271(out: Path, db) -> None:
    validate_x12_pairs(out, db, "270", "271", "270", "271")
    days = count(db, "SELECT count(*) FROM (SELECT DISTINCT person_id, service_from FROM claims)")
    assert sum(1 for p in out.glob("270-*.x12") for s in x12_segments(p) if s[0] == "EQ") == days


def validate_x12_276_277(out: Path, db) -> None:
    validate_x12_pairs(out, db, "276", "277", "276", "277")


def validate_x12_278(out: Path, db) -> None:
    requests, responses = sorted(out.glob("278-requests-*.x12")), sorted(out.glob("278-responses-*.x12"))
    assert requests and len(requests) == len(responses)
    errors = structural_errors(requests + responses)
    assert errors == [], errors[:5]
    asked = [s[2] for p in requests for s in x12_segments(p) if s[0] == "TRN"]
    answered = [s[2] for p in responses for s in x12_segments(p) if s[0] == "TRN"]
    assert asked and sorted(asked) == sorted(answered)


# --- C-CDA ---------------------------------------------------------------------
def validate_ccda(out: Path, db, sample: int = 0) -> None:
    """Every CCD well-formed (lxml) and passing the structural check of sections and
    template ids (formats/ccda/check.py), nothing after as_of; one per person; problem
    entries = conditions rows."""
    from datetime import date

    from lxml import etree

    from healthsim.formats.ccda.check import NS, check_document

    as_of = date.fromisoformat(as_of_of(db))
    files = sorted(out.glob("ccda/*/*.xml"))
    assert len(files) == count(db, "SELECT count(*) FROM persons")
    problems = 0
    for path in files:
        data = path.read_bytes()
        found = check_document(data, as_of)
        assert found == [], (path.name, found[:5])
        doc = etree.fromstring(data)
        problems += len(doc.xpath('//v3:section[v3:code/@code="11450-4"]/v3:entry', namespaces=NS))
    assert problems == count(db, "SELECT count(*) FROM conditions")


# --- NCPDP SCRIPT ----------------------------------------------------------------
NEWRX_PATHS = ("Header/To", "Header/From", "Header/MessageID", "Header/SentTime", "Header/PrescriberOrderNumber",
               "Body/NewRx/Patient/HumanPatient/Name/LastName", "Body/NewRx/Patient/HumanPatient/Gender",
               "Body/NewRx/Patient/HumanPatient/DateOfBirth/Date", "Body/NewRx/Pharmacy/Identification/NCPDPID",
               "Body/NewRx/Pharmacy/Identification/NPI", "Body/NewRx/Prescriber/NonVeterinarian/Identification/NPI",
               "Body/NewRx/MedicationPrescribed/DrugDescription",
               "Body/NewRx/MedicationPrescribed/DrugCoded/DrugDBCode/Code",
               "Body/NewRx/MedicationPrescribed/Quantity/Value",
               "Body/NewRx/MedicationPrescribed/Quantity/QuantityUnitOfMeasure/Code",
               "Body/NewRx/MedicationPrescribed/DaysSupply", "Body/NewRx/MedicationPrescribed/WrittenDate/Date",
               "Body/NewRx/MedicationPrescribed/NumberOfRefills", "Body/NewRx/MedicationPrescribed/Sig/SigText")
NEWRX_ORDER = ("Patient", "Pharmacy", "Prescriber", "MedicationPrescribed")


def luhn_npi(npi: str) -> bool:
    """NPI check digit: Luhn over '80840' + the first nine digits."""
    if not (npi.isdigit() and len(npi) == 10):
        return False
    digits = [int(c) for c in "80840" + npi]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return total % 10 == 0


def validate_ncpdp_script(out: Path, db) -> None:
    """Every NewRx well-formed (lxml), with the required elements in order, valid NPIs,
    dates not after as_of; one per order written by as_of; every link in newrx_claims.csv
    names the first fill (refill 0) of that order, with its NDC."""
    import csv as _csv

    from lxml import etree

    ns = {"s": "http://www.ncpdp.org/schema/SCRIPT"}
    as_of = as_of_of(db)
    files = sorted(out.glob("script/*/newrx-*.xml"))
    cut = "(SELECT as_of + INTERVAL 1 DAY FROM cohorts LIMIT 1)"
    assert len(files) == count(db, f"SELECT count(*) FROM medication_orders WHERE authored_time < {cut} "
                                   "AND rxnorm IS NOT NULL")  # (a study drug is never e-prescribed)
    for path in files:
        doc = etree.parse(str(path)).getroot()
        assert doc.tag == "{http://www.ncpdp.org/schema/SCRIPT}Message" and doc.get("TransactionVersion") == "2017071"
        for rel in NEWRX_PATHS:
            found = doc.find("s:" + rel.replace("/", "/s:"), ns)
            assert found is not None and (found.text or "").strip(), (path.name, rel)
        body = doc.find("s:Body/s:NewRx", ns)
        assert [etree.QName(c).localname for c in body] == list(NEWRX_ORDER), path.name
        for rel in ("Body/NewRx/Pharmacy/Identification/NPI", "Body/NewRx/Prescriber/NonVeterinarian/Identification/NPI"):
            assert luhn_npi(doc.find("s:" + rel.replace("/", "/s:"), ns).text), (path.name, rel)
        for date_el in doc.iter("{http://www.ncpdp.org/schema/SCRIPT}Date"):
            assert date_el.text <= as_of
        assert doc.find("s:Header/s:SentTime", ns).text[:10] <= as_of
    with duckdb.connect(str(db), read_only=True) as con:
        fills = {str(r[0]): r[1:] for r in con.execute(
            "SELECT claim_id, order_id, refill_no, ndc FROM pharmacy_claims").fetchall()}
    links = list(_csv.DictReader((out / "newrx_claims.csv").open()))
    assert links
    for row in links:
        order_id, refill, ndc = fills[row["first_fill_claim_id"]]
        assert str(order_id) == row["order_id"] and refill == 0
        assert "".join(ch for ch in ndc if ch.isdigit()).zfill(11) == row["ndc"]


# --- NCPDP -------------------------------------------------------------------
def ncpdp_segments(transmission: str) -> tuple[str, list[tuple[str, dict[str, str]]]]:
    cut = min(i for i in (transmission.find("\x1e"), transmission.find("\x1d")) if i >= 0)
    header, rest = transmission[:cut], transmission[cut:]
    segments = []
    for raw in rest.replace("\x1d", "").split("\x1e")[1:]:
        fields = [f for f in raw.split("\x1c") if f]
        assert fields[0].startswith("AM"), raw[:20]
        segments.append(("AM" + fields[0][2:], {f[:2]: f[2:] for f in fields[1:]}))
    return header, segments


def validate_ncpdp(out: Path, db) -> None:
    from healthsim.formats.ncpdp.d0 import field_definitions, unoverpunch

    defs = field_definitions()
    n_rx = count(db, "SELECT count(*) FROM pharmacy_claims")
    for kind, header_len, required_segments in (("b1-requests", 56, {"AM04", "AM01", "AM07", "AM03", "AM11"}),
                                                ("b1-responses", 31, {"AM21", "AM22"})):
        lines = [ln for p in sorted(out.glob(f"{kind}-*.ncpdp")) for ln in p.read_text().split("\n") if ln]
        assert len(lines) == n_rx
        for line in lines:
            header, segments = ncpdp_segments(line)
            assert len(header) == header_len and "D0B1" in header[:10]
            assert required_segments <= {s for s, _ in segments}
            for seg_id, fields in segments:
                known = {fid for (sid, fid) in defs if sid == seg_id}
                assert set(fields) <= known, (seg_id, set(fields) - known)
                mandatory = {d.field_id for (sid, _), d in defs.items() if sid == seg_id and d.usage in "MR"}
                if kind == "b1-requests":
                    assert mandatory <= set(fields), (seg_id, mandatory - set(fields))
                for fid, value in fields.items():
                    fmt = defs[(seg_id, fid)].format
                    if fmt.startswith("s9"):
                        unoverpunch(value)
                    elif fmt.startswith("9"):
                        assert value.isdigit(), (seg_id, fid, value)
    flat = [p for p in out.glob("pharmacy_claims_flat-*.txt")]
    assert sum(len(p.read_text().splitlines()) - 1 for p in flat) == n_rx
    assert (out / "flat_layout.csv").exists()


# --- tables --------------------------------------------------------------------
def validate_parquet(out: Path, db) -> None:
    import pyarrow.dataset as ds

    from healthsim.canonical import TABLES

    for name in TABLES:
        if not (out / name).exists():
            assert count(db, f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{name}'") == 0 \
                or count(db, f"SELECT count(*) FROM {name}") == 0
            continue
        t = ds.dataset(out / name, format="parquet", partitioning="hive").to_table()
        assert t.num_rows == count(db, f"SELECT count(*) FROM {name}"), name
        assert t.column_names == [c.name for c in TABLES[name].columns] + ["cohort_id"]


def validate_csv(out: Path, db) -> None:
    import pyarrow.csv as pacsv

    from healthsim.canonical import TABLES

    dictionary = pacsv.read_csv(out / "data_dictionary.csv").to_pylist()
    for path in sorted(out.glob("*.csv")):
        if path.name == "data_dictionary.csv":
            continue
        name = path.stem
        t = pacsv.read_csv(path)
        assert t.num_rows == count(db, f"SELECT count(*) FROM {name}"), name
        assert t.column_names == ["cohort_id"] + [c.name for c in TABLES[name].columns]
        assert [d["column"] for d in dictionary if d["table"] == name] == t.column_names


VALIDATORS = {
    "parquet": validate_parquet, "csv": validate_csv,
    "fhir-ndjson": validate_fhir_ndjson, "fhir-bundles": validate_fhir_bundles,
    "hl7v2": validate_hl7v2, "x12-834": validate_x12_834, "x12-837p": validate_x12_837p,
    "x12-837i": validate_x12_837i,
    "x12-835": validate_x12_835, "ncpdp": validate_ncpdp,
    "ccda": validate_ccda, "ncpdp-script": validate_ncpdp_script, "x12-270-271": validate_x12_270_271, "x12-276-277": validate_x12_276_277, "x12-278": validate_x12_278,
}
