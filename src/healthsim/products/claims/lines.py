"""Claim lines from a block's encounters, procedures and lab orders (before pricing).

Each encounter produces up to four claims, one per billing party, keyed
`claim_id = encounter_id * 10 + kind`:

- PROFESSIONAL: the rendering clinician's E/M and procedure codes (837P);
- ANESTHESIA: anesthesia codes, billed by an anesthesiologist at the facility;
- LAB: lab tests ordered outside a hospital, billed by an independent lab
  (POS 81), and everything done at a lab-draw encounter;
- INSTITUTIONAL: the facility's claim for stays, ED visits, outpatient and ASC
  surgery and dialysis (837I; built in facility.py).

Lines are plain numpy columns collected in a `LineSet`; nothing here prices.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from healthsim.products.claims.inputs import Encounters, LabTests, Procedures
from healthsim.reference.claims import fee_schedule

PROFESSIONAL, ANESTHESIA, LAB, INSTITUTIONAL = 0, 1, 2, 3
CLAIM_KINDS = ("professional", "professional", "professional", "institutional")
"""claims.claim_type per kind (anesthesia and lab claims are professional 837P claims)."""
OFFICE_LAB_SETTINGS = ("office", "telehealth", "home", "therapy", "urgent_care", "lab")
"""Labs ordered in these settings go to an independent lab; in a hospital they are on the
facility's claim (ED, observation) or inside its payment (inpatient stays, surgery)."""


@dataclass
class LineSet:
    kind: np.ndarray          # int8
    encounter: np.ndarray     # int64
    fee_row: np.ndarray       # int64, -1 for revenue-code-only lines (inpatient stays)
    code: np.ndarray          # object ('' when none)
    code_system: np.ndarray   # object: CPT, HCPCS or ''
    modifier: np.ndarray      # object
    units: np.ndarray         # int64
    revenue_code: np.ndarray  # object ('' on professional lines)
    day: np.ndarray           # int64 service day
    pos: np.ndarray           # object place of service
    packaged: np.ndarray      # bool: paid inside another line's rate (allowed 0)
    base_scale: np.ndarray    # float: share of the fee schedule base (ASC facility rates)
    share: np.ndarray         # float: share of a DRG stay's charges (inpatient lines), else 0
    claim_encounter: np.ndarray  # int64: the encounter whose claim the line goes on (0 = its own);
    #                              a dialysis facility bills a month of sessions on one claim

    @classmethod
    def empty(cls) -> LineSet:
        return cls(**{f.name: np.zeros(0, _DTYPES.get(f.name, object)) for f in fields(cls)})

    @classmethod
    def build(cls, n: int, **cols) -> LineSet:
        """A LineSet of n lines; unspecified columns take their defaults."""
        base = {"fee_row": -1, "code": "", "code_system": "", "modifier": "", "units": 1, "revenue_code": "",
                "pos": "", "packaged": False, "base_scale": 1.0, "share": 0.0, "claim_encounter": 0}
        out = {}
        for f in fields(cls):
            value = cols.get(f.name, base.get(f.name))
            out[f.name] = np.broadcast_to(np.asarray(value, dtype=_DTYPES.get(f.name, object)), (n,)).copy()
        return cls(**out)

    @staticmethod
    def concat(parts: list[LineSet]) -> LineSet:
        parts = [p for p in parts if len(p.kind)] or [LineSet.empty()]
        return LineSet(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(LineSet)})

    def take(self, rows: np.ndarray) -> LineSet:
        return LineSet(**{f.name: getattr(self, f.name)[rows] for f in fields(LineSet)})

    @property
    def claim_id(self) -> np.ndarray:
        return np.where(self.claim_encounter > 0, self.claim_encounter, self.encounter) * 10 + self.kind


_DTYPES = {"kind": np.int8, "encounter": np.int64, "fee_row": np.int64, "units": np.int64, "day": np.int64,
           "packaged": bool, "base_scale": float, "share": float, "claim_encounter": np.int64}


def _system(fee_row: np.ndarray) -> np.ndarray:
    return fee_schedule().system[fee_row]


def professional_lines(enc: Encounters, procs: Procedures) -> LineSet:
    """E/M and CPT/HCPCS procedure lines of the professional, anesthesia and lab-draw claims."""
    fs = fee_schedule()
    em = np.flatnonzero((enc.em_row >= 0) & (enc.provider > 0))
    em_lines = LineSet.build(
        len(em), kind=PROFESSIONAL, encounter=enc.id[em], fee_row=enc.em_row[em],
        code=enc.em_vocab[enc.em_code[em]], code_system=_system(enc.em_row[em]), day=enc.start_day[em],
        pos=enc.pos[em])
    billable = np.flatnonzero(procs.fee_row >= 0)
    row = enc.rows_of(procs.encounter[billable])
    fee = procs.fee_row[billable]
    anesthesia = (fs.category == "anesthesia")[fee]
    kind = np.where(anesthesia, ANESTHESIA,
                    np.where(enc.provider[row] > 0, PROFESSIONAL, LAB)).astype(np.int8)
    lab_draw = enc.is_setting(("lab",))[row]
    kind = np.where(lab_draw, LAB, kind).astype(np.int8)
    proc_lines = LineSet.build(
        len(billable), kind=kind, encounter=procs.encounter[billable], fee_row=fee,
        code=procs.code[billable], code_system=procs.code_system[billable],
        modifier=procs.modifier[billable], units=np.maximum(procs.units[billable], 1),
        day=procs.day[billable], pos=np.where(lab_draw, "81", enc.pos[row]))
    return LineSet.concat([em_lines, proc_lines])


def lab_lines(enc: Encounters, labs: LabTests) -> LineSet:
    """Independent-lab lines for tests ordered in office-type settings (POS 81)."""
    priced = labs.fee_row >= 0
    row = enc.rows_of(labs.encounter)
    take = np.flatnonzero(priced & enc.is_setting(OFFICE_LAB_SETTINGS)[row])
    return LineSet.build(
        len(take), kind=LAB, encounter=labs.encounter[take], fee_row=labs.fee_row[take],
        code=labs.code[take], code_system=_system(labs.fee_row[take]), day=labs.day[take], pos="81")
