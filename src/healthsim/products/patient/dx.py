"""Diagnosis codes for encounters, read from the member state on the day of the visit.

A journey lists what a visit is about; the member state says what the member has:
- `{condition: E11}` gives the member's own diabetes codes on that day (E11.22 once
  kidney disease began, never E11.9 beside it), nothing for a member without diabetes;
  a `code:` beside it is the visit's more specific code (E11.65 at a hyperglycaemia
  visit) but never a stage, combination or complication the member lacks;
- a plain code of a tracked condition (I50.23, M17.11) is read the same way;
- the visit's reason (or its first diagnosis) may establish a chronic condition the
  member did not have (a heart-failure admission diagnoses heart failure): the state
  records the onset that day, and later records may code it;
- codes no condition family owns (R07.9, J18.9, Z00.00) are the visit's own findings;
  Z79 long-term drug codes need the drug; pregnancy codes need a pregnancy.
Each function returns (code indices, rows it applies to) pairs over the encounter rows.
"""

from __future__ import annotations

import numpy as np

from healthsim.state.build import establish
from healthsim.state.coding import code_allowed, family_codes

GESTATION = ["Z3A.01"] + [f"Z3A.{w:02d}" for w in range(8, 43)] + ["Z3A.49"]


def can_establish(state, code: str) -> bool:
    """Only a condition's own base code can be diagnosed at a visit (not a stage, combination or complication)."""
    from healthsim.state.coding import _hint_kind

    fid = state.family_of(code)
    if fid is None:
        return False
    from healthsim.conditions import library

    fam = library().families.get(fid)
    if fam is None or not fam.chronic:
        return False
    code = code.upper()
    if any(code == c.code for c in list(fam.codes.combinations) + list(fam.codes.complications)):
        return False
    track = state.tracks.get(fid)
    return track is None or _hint_kind(track, code) in ("base", "stage")


def establish_diagnoses(state, runs, cutoff: np.ndarray) -> None:
    """Before any record is coded: the conditions encounters diagnose join the member state.

    An encounter's reason, or its first listed diagnosis when it has none (a heart-failure admission's
    I50.23), or any diagnosis marked `record: true`, starts a chronic condition the member did not have
    on that day. Doing this for every journey first means every record, whichever journey made it and
    in whatever order, is coded against the same final state.
    """
    from healthsim.spec.journey_events import EncounterEvent, LabEvent

    for run in runs:
        for node in run.plan.nodes:
            occ = run.occ.get(node.key)
            ev = node.event
            if occ is None or not len(occ) or not isinstance(ev, EncounterEvent | LabEvent):
                continue
            codes = []
            reason = getattr(ev, "reason", None)
            if reason and ("." in reason or len(reason) > 3):
                codes.append(reason)
            elif ev.diagnoses and ev.diagnoses[0].code and ev.diagnoses[0].condition is None:
                codes.append(ev.diagnoses[0].code)
            codes += [d.code for d in ev.diagnoses if d.record and d.code]
            keep = np.flatnonzero(occ.day <= cutoff[occ.member])
            for code in codes:
                if can_establish(state, code):
                    establish(state, code, occ.member[keep], occ.day[keep])


def plain_code(rec, state, code: str, member, day) -> list[tuple[np.ndarray, np.ndarray]]:
    """A code written as is in a journey: a tracked condition's code as the state has it that day."""
    dx = rec.vocab["dx"]
    fid = state.family_of(code)
    tracked = fid is not None and (fid in state.tracks or can_establish(state, code))
    if not tracked:
        return [(np.full(len(member), dx.code(code), np.int32), code_allowed(state, code, member, day))]
    return state_codes(rec, state, fid, member, day, hint=code)


def state_codes(rec, state, fid: str | None, member, day, hint: str | None = None
                ) -> list[tuple[np.ndarray, np.ndarray]]:
    dx = rec.vocab["dx"]
    if fid is None:
        return []
    return [(np.full(len(member), dx.code(c), np.int32), mask)
            for c, mask in family_codes(state, fid, member, day, hint)]


def condition_item(rec, state, prefix: str, hint: str | None, member, day) -> list[tuple[np.ndarray, np.ndarray]]:
    """`{condition: PREFIX[, code: HINT]}`: the member's codes of that family on the day."""
    out = []
    for fid, specific in state.families_matching(prefix):
        pairs = state_codes(rec, state, fid, member, day, hint)
        if specific:
            ok = state.has(prefix, member, day)
            pairs = [(c, m & ok) for c, m in pairs]
        out += pairs
    return out


def gestation_item(rec, state, offset_days: int, start: np.ndarray, member, day) -> list:
    """Z3A weeks of gestation from the pregnancy's start in the member state (only while pregnant)."""
    track = state.tracks.get("pregnancy")
    dx = rec.vocab["dx"]
    if track is None:
        return []
    lmp = np.where(track.onset[member] < track.end[member], track.onset[member], start - offset_days)
    weeks = (day - lmp) // 7
    idx = np.clip(weeks - 7, 0, len(GESTATION) - 1)
    return [(dx.codes(GESTATION)[idx], track.active(member, day))]


def first_code(pairs: list[tuple[np.ndarray, np.ndarray]], n: int, null: int) -> tuple[np.ndarray, np.ndarray]:
    """The first applicable code per row (for a visit's reason), and whether there is one."""
    code = np.full(n, null, np.int32)
    found = np.zeros(n, bool)
    for c, mask in pairs:
        hit = mask & ~found
        code[hit] = c[hit]
        found |= hit
    return code, found
