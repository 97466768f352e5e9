"""Which services were authorised before they were billed, and whether the payer agreed.

A claim line needs prior authorization when it is advanced imaging, surgery on a
planned stay or an outpatient/ambulatory surgery visit, or a specialty drug
billed under the medical benefit (data/prior_auth.yaml). One request covers a
visit's lines. The decision agrees with how the claims were adjudicated:
- a line denied CO-197 (precertification absent) means nobody asked: no 278;
- a line denied CO-50 (not medically necessary) means the payer refused: the
  278 answer is A3 (not certified) and the claim carries no authorization;
- otherwise the payer certified it (A1) and the claims of the visit carry the
  certification number (837 REF*G1), whatever else later happened to the claim.
The request goes out a week before the first service and is answered two days
later. Lines are chosen with Arrow/numpy over the whole block; only the few
authorised visits become Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

REQUEST_LEAD_DAYS = 7
ANSWER_DAYS = 2


@lru_cache(maxsize=1)
def rules() -> dict:
    return yaml.safe_load(resources.files(__package__).joinpath("data/prior_auth.yaml").read_text())


@dataclass
class Authorization:
    encounter_id: int
    person_id: int
    member_id: str
    billing_npi: str
    group: str
    service_type: str
    admission: bool
    decision: str            # A1 certified, A3 not certified
    lines: list[dict] = field(default_factory=list)
    first_service: date | None = None
    last_service: date | None = None
    diagnosis: str = "R69"

    @property
    def number(self) -> str:
        return f"PA{self.encounter_id}"

    @property
    def requested(self) -> date:
        return self.first_service - timedelta(days=REQUEST_LEAD_DAYS)

    @property
    def answered(self) -> date:
        return self.requested + timedelta(days=ANSWER_DAYS)


def _code_numbers(codes: pa.Array) -> np.ndarray:
    """CPT codes as integers (-1 for HCPCS letters or nulls)."""
    text = pc.fill_null(codes, "")
    digits = pc.match_substring_regex(text, r"^\d{5}$")
    values = pc.if_else(digits, text, "-1")
    return pc.cast(values, pa.int64()).to_numpy(zero_copy_only=False)


def _in_ranges(numbers: np.ndarray, ranges: list[list[int]]) -> np.ndarray:
    hit = np.zeros(len(numbers), bool)
    for lo, hi in ranges:
        hit |= (numbers >= lo) & (numbers <= hi)
    return hit


def authorizations(claims: pa.Table, lines: pa.Table, encounters: pa.Table | None) -> list[Authorization]:
    """Every visit of the block whose lines need prior authorization, with its decision
    (A1 or A3); visits denied for want of one (CO-197) are left out: no request was made."""
    r = rules()
    if not claims.num_rows or not lines.num_rows:
        return []
    # lines whose code could need authorization (a few percent) are found first, on the
    # lines alone; only those are joined to their claims and visits
    numbers = _code_numbers(lines.column("code"))
    billed = pc.fill_null(lines.column("billed"), 0).to_numpy(zero_copy_only=False)
    surgery_rule, drug_rule = r["elective_surgery"], r["specialty_drugs"]
    prefixed = pc.fill_null(pc.starts_with(lines.column("code"), drug_rule["prefix"]), False)
    candidate = (_in_ranges(numbers, r["advanced_imaging"]["ranges"]) | _in_ranges(numbers, surgery_rule["ranges"])
                 | (prefixed.to_numpy(zero_copy_only=False) & (billed >= drug_rule["min_allowed"])))
    if not candidate.any():
        return []
    keys = ["claim_id", "encounter_id", "person_id", "member_id", "billing_npi", "service_from"]
    joined = lines.filter(pa.array(candidate)).join(claims.select(keys), "claim_id", join_type="inner",
                                                    use_threads=False)
    if encounters is not None and "encounter_id" in encounters.column_names:
        visit = encounters.select(["encounter_id", "type", "admission_type"])
        joined = joined.join(visit, "encounter_id", join_type="left outer", use_threads=False)
    if "line_no" in joined.column_names:  # the lines in claim and line order, whatever the joins did
        joined = joined.sort_by([("claim_id", "ascending"), ("line_no", "ascending")])
    if encounters is not None and "encounter_id" in encounters.column_names:
        kind = pc.fill_null(joined.column("type"), "").to_numpy(zero_copy_only=False)
        admission = pc.fill_null(joined.column("admission_type"), "").to_numpy(zero_copy_only=False)
    else:
        kind = admission = np.full(joined.num_rows, "", dtype=object)
    numbers = _code_numbers(joined.column("code"))
    billed = pc.fill_null(joined.column("billed"), 0).to_numpy(zero_copy_only=False)
    imaging = _in_ranges(numbers, r["advanced_imaging"]["ranges"])
    planned = np.isin(kind, surgery_rule["encounter_types"]) | (
        (kind == "inpatient") & np.isin(admission, surgery_rule["inpatient_admission_types"]))
    surgery = _in_ranges(numbers, surgery_rule["ranges"]) & planned
    prefixed = pc.fill_null(pc.starts_with(joined.column("code"), drug_rule["prefix"]), False)
    drug = prefixed.to_numpy(zero_copy_only=False) & (billed >= drug_rule["min_allowed"])
    need = imaging | surgery | drug
    if not need.any():
        return []
    carcs = pc.fill_null(joined.column("carc_codes"), "").to_numpy(zero_copy_only=False)
    rows = joined.filter(pa.array(need)).to_pylist()
    groups = np.where(imaging, "advanced_imaging", np.where(surgery, "elective_surgery", "specialty_drugs"))[need]
    carcs, is_admission = carcs[need], (kind == "inpatient")[need]
    by_visit: dict[int, Authorization] = {}
    skip: set[int] = set()
    for row, group, carc, adm in zip(rows, groups, carcs, is_admission, strict=True):
        eid = row["encounter_id"]
        if "CO-197" in carc:
            skip.add(eid)
        auth = by_visit.get(eid)
        if auth is None:
            auth = by_visit[eid] = Authorization(eid, row["person_id"], row["member_id"], str(row["billing_npi"]),
                                                 str(group), r[str(group)]["service_type"], bool(adm), "A1")
        if "CO-50" in carc:
            auth.decision = "A3"
        when = row.get("service_date") or row["service_from"]
        auth.first_service = min(auth.first_service or when, when)
        auth.last_service = max(auth.last_service or when, when)
        auth.lines.append(row)
    return [a for eid, a in sorted(by_visit.items()) if eid not in skip]


def certified_claims(auths: list[Authorization], claims: pa.Table) -> dict:
    """claim_id -> certification number, for every claim of a certified visit."""
    certified = {a.encounter_id: a.number for a in auths if a.decision == "A1"}
    if not certified:
        return {}
    ids = claims.column("claim_id").to_pylist()
    visits = claims.column("encounter_id").to_pylist()
    return {cid: certified[eid] for cid, eid in zip(ids, visits, strict=True) if eid in certified}
