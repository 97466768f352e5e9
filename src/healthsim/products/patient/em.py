"""New or established patient: the E/M code follows the member's history with the provider.

CPT: a new patient has had no professional service from the physician (or another of the same
specialty in the group) within three years. After NetworkSim has said who saw each member, an
office/outpatient E/M (99202-99205 new, 99211-99215 established) and a preventive visit (9938x new,
9939x established) is coded new only at the member's first visit with that provider in the records,
and only when the relationship cannot predate the window: the member enrolled after the window began, or
the provider is neither the member's attributed PCP nor the specialist of a condition the member had
before the window (cardiology for long-standing heart failure). Every later visit is established.
The level (2-5) is kept.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthsim.engine.members import MemberBlock

NEW = {"99202": "99212", "99203": "99213", "99204": "99214", "99205": "99215"}
ESTABLISHED = {v: k for k, v in NEW.items()} | {"99211": "99202"}
PREVENTIVE_NEW = {f"9938{i}": f"9939{i}" for i in range(1, 8)}
PREVENTIVE_ESTABLISHED = {v: k for k, v in PREVENTIVE_NEW.items()}


def _prevalent_specialties(m: MemberBlock) -> dict[str, np.ndarray]:
    """specialty -> whether each member had, before the window, a condition that specialty follows."""
    state = m.state
    out: dict[str, np.ndarray] = {}
    for track in state.tracks.values():
        spec = track.family.utilization.specialist
        if spec:
            had = track.onset < state.window_lo
            out[spec] = out.get(spec, np.zeros(m.n, bool)) | had
    return out


def new_or_established(encounters: pa.Table, m: MemberBlock, pcp_of_member: np.ndarray) -> pa.Table:
    if encounters.num_rows == 0 or m.state is None:
        return encounters
    em = encounters.column("em_code").cast(pa.string()).to_numpy(zero_copy_only=False)
    em = np.where(em == None, "", em).astype(str)
    kinds = set(NEW) | set(ESTABLISHED) | set(PREVENTIVE_NEW) | set(PREVENTIVE_ESTABLISHED)
    coded = np.isin(em, list(kinds))
    if not coded.any():
        return encounters
    member = encounters.column("person_id").to_numpy() - m.person_id[0]
    provider = pc.fill_null(encounters.column("provider_id").cast(pa.string()), "").to_numpy(
        zero_copy_only=False).astype(str)
    start = encounters.column("start_time").cast(pa.int64()).to_numpy()
    specialty = encounters.column("specialty").cast(pa.string()).to_numpy(zero_copy_only=False).astype(str)
    rows = np.flatnonzero(coded & (provider != ""))
    order = rows[np.lexsort((start[rows], provider[rows], member[rows]))]
    first = np.zeros(len(em), bool)
    if len(order):
        key_m, key_p = member[order], provider[order]
        first[order] = np.r_[True, (key_m[1:] != key_m[:-1]) | (key_p[1:] != key_p[:-1])]
    enrolled_in_window = (m.coverage_start > m.state.window_lo)[member] if m.coverage_start is not None \
        else np.zeros(len(em), bool)
    is_pcp = provider == pcp_of_member[member].astype(str)
    prevalent = np.zeros(len(em), bool)
    for spec, had in _prevalent_specialties(m).items():
        prevalent |= (specialty == spec) & had[member]
    new = first & (enrolled_in_window | (~is_pcp & ~prevalent))
    out = em.copy()
    for code in np.unique(em[coded]):
        rows_c = coded & (em == code)
        if code in NEW:
            out[rows_c & ~new] = NEW[code]
        elif code in ESTABLISHED:
            out[rows_c & new] = ESTABLISHED[code]
        elif code in PREVENTIVE_NEW:
            out[rows_c & ~new] = PREVENTIVE_NEW[code]
        elif code in PREVENTIVE_ESTABLISHED:
            out[rows_c & new] = PREVENTIVE_ESTABLISHED[code]
    col = pa.array(np.where(out == "", None, out).tolist(), pa.string())
    table = encounters.set_column(encounters.schema.get_field_index("em_code"), "em_code", col)
    i = table.schema.get_field_index("new_patient")
    return table.set_column(i, "new_patient", pa.array(new & coded)) if i >= 0 else table
