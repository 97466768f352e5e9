"""Who and where for each encounter: fill encounters.provider_id / facility_id.

The journey executor records each encounter's `specialty` and `facility_type`;
this module picks the network's provider and facility for them, for a whole
block at once:

- primary care visits go to the member's attributed PCP (pcp_attributions),
  so the EMR, the claims and the attribution tell one story;
- other specialties: one provider per (member, specialty), chosen among the
  nearest, so a member sees the same orthopaedic surgeon at the consult, the
  surgery and the follow-ups;
- facilities: one per (member, facility type), so the ED visit and the
  admission that follows it are at the same hospital;
- hospital-based physicians (hospitalists, emergency physicians) are picked
  among those working at that encounter's hospital.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthsim.engine.members import MemberBlock
from healthsim.products.network.lookup import (
    attribute_pcps,
    pick_at_facility,
    pick_facilities,
    pick_providers,
)
from healthsim.products.network.pool import Network

SPECIALTY_KINDS = {
    "primary_care": ("family_medicine", "internal_medicine", "pediatrics"),
    "orthopedic_surgery": ("orthopaedic_surgery",),
    "diabetes_education": ("dietitian",),
    "nutrition": ("dietitian",),
    "care_management": ("nurse_practitioner",),
    "urgent_care": ("family_medicine", "emergency_medicine", "nurse_practitioner", "physician_assistant"),
    "laboratory": (),  # a lab draw has no rendering clinician; the lab is the facility
}
"""Journey specialties (spec.journey_events.SPECIALTIES) -> NetworkSim supply kinds;
a specialty not listed maps to the kind of the same name."""
FACILITY_KINDS = {
    "hospital": ("hospital", "critical_access_hospital"),
    "asc": ("asc",),
    "urgent_care": ("urgent_care",),
    "laboratory": ("lab",),
    "dialysis": ("dialysis",),
    "snf": ("snf",),
    "home_health": ("home_health_agency",),
    "hospice": ("hospice",),
    "dme": ("dme_supplier",),
}
"""Encounter facility types -> facility kinds; clinic, virtual and home visits have none."""
AT_FACILITY = ("hospitalist", "emergency_medicine", "anesthesiology", "radiology")


def _codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, list[str]]:
    """A string column as (integer codes, vocabulary); nulls get the code of ''."""
    arr = pc.fill_null(column, "")
    enc = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary.to_pylist()


def assign_encounters(net: Network, m: MemberBlock, encounters: pa.Table, pcp_of_member: np.ndarray,
                      rng: np.random.Generator) -> pa.Table:
    """The encounters table with provider_id and facility_id (int64, null where none) filled.

    `pcp_of_member` is the attributed provider_id per member of the block (0 = none).
    """
    n = encounters.num_rows
    member = encounters.column("person_id").to_numpy() - m.person_id[0]
    facility = np.zeros(n, np.int64)
    fac_codes, fac_vocab = _codes(encounters.column("facility_type"))
    for code, name in enumerate(fac_vocab):
        kinds = FACILITY_KINDS.get(name)
        rows = np.flatnonzero(fac_codes == code)
        if kinds and len(rows):
            facility[rows] = _per_member(member[rows], lambda mm, k=kinds: pick_facilities(
                net, k, m.zip_row[mm], rng)[0])
    provider = np.zeros(n, np.int64)
    sp_codes, sp_vocab = _codes(encounters.column("specialty"))
    for code, name in enumerate(sp_vocab):
        rows = np.flatnonzero(sp_codes == code)
        kinds = SPECIALTY_KINDS.get(name, (name,)) if name else ()
        if not len(rows) or not kinds:
            continue
        if name in AT_FACILITY:
            here = facility[rows] > 0
            provider[rows[here]] = pick_at_facility(net, kinds, facility[rows[here]], rng)
            rows = rows[~here]
        if name == "primary_care":  # the attributed PCP, else a PCP for the member's age
            pcp = pcp_of_member[member[rows]]
            provider[rows[pcp > 0]] = pcp[pcp > 0]
            rows = rows[pcp == 0]
            provider[rows] = _per_member(member[rows], lambda mm: attribute_pcps(
                net, m.zip_row[mm], m.age[mm], rng)[0])
            continue
        if len(rows):
            provider[rows] = _per_member(member[rows], lambda mm, k=kinds: pick_providers(
                net, k, m.zip_row[mm], rng)[0])
    out = encounters.set_column(encounters.schema.get_field_index("provider_id"), "provider_id",
                                pa.array(provider, pa.int64(), mask=provider == 0))
    return out.set_column(out.schema.get_field_index("facility_id"), "facility_id",
                          pa.array(facility, pa.int64(), mask=facility == 0))


def _per_member(member: np.ndarray, pick) -> np.ndarray:
    """Call `pick(members)` once per distinct member and spread the result to every row."""
    uniq, inverse = np.unique(member, return_inverse=True)
    return np.asarray(pick(uniq))[inverse]
