"""Coding conventions: which ICD-10-CM codes a member's condition is written as on a given day.

Read from the condition files, so the conventions live in data:
- combinations (first match wins): hypertension with CKD is I12.x, with heart
  failure I11.0, with both I13.x (ICD-10-CM guideline I.C.9.a);
- stages: one stage code at a time, the one the member is in on the day;
- complications: every complication that applies is coded (E11.22 while the
  member has CKD, E11.40 once neuropathy began), and the uncomplicated default
  (E11.9) is then not coded beside them (guideline I.C.4.a);
- otherwise the member's own code (the profile's, or the one an encounter
  established), or a more specific code an encounter asks for (`code:` in a
  journey's diagnosis: E11.65 at a hyperglycaemia visit, I50.23 at an HF admission)
  — but never a stage, combination or complication the state does not have.
Codes outside every family (R07.9, S93.401A, Z00.00) are the encounter's own
findings and pass; Z79 long-term drug codes pass only while the member is on such a drug.
"""

from __future__ import annotations

import numpy as np

from healthsim.state.model import MemberState, Track


def _hint_kind(track: Track, hint: str) -> str:
    fam = track.family
    if any(hint == s.code or hint in s.aliases for s in fam.stages):
        return "stage"
    if any(hint == c.code for c in fam.codes.combinations):
        return "combination"
    for c in fam.codes.complications:
        if hint == c.code:
            return "derived" if c.requires else "intrinsic"
    return "base"


def family_codes(state: MemberState, fid: str, member: np.ndarray, day: np.ndarray,
                 hint: str | None = None) -> list[tuple[str, np.ndarray]]:
    """(code, rows it applies to) for the family's codes on each row's day; nothing where inactive."""
    track = state.tracks.get(fid)
    if track is None:
        return []
    fam = track.family
    active = track.active(member, day)
    out: list[tuple[str, np.ndarray]] = []
    remaining = active.copy()
    for combo in fam.codes.combinations:
        hit = remaining & state.requirements_met(combo.requires, member, day)
        if hit.any():
            out.append((combo.code, hit))
        remaining &= ~hit
    complications = np.zeros(len(member), bool)
    intrinsic = 0
    for comp in fam.codes.complications:
        if comp.per_year is not None:
            hit = active & (track.complication_day[member, intrinsic] <= day) \
                if track.complication_day is not None else np.zeros(len(member), bool)
            intrinsic += 1
        else:
            hit = active & state.requirements_met(comp.requires, member, day)
        if hit.any():
            out.append((comp.code, hit))
        complications |= hit
    if track.stage_day is not None:
        stage = track.stage_at(member, day)
        for s, st in enumerate(fam.stages):
            hit = remaining & (stage == s)
            if hit.any():
                out.append((st.code, hit))
        return out
    kind = _hint_kind(track, hint.upper()) if hint else None
    base = track.base[member]
    for i, code in enumerate(track.codes):
        hit = remaining & (base == i)
        if kind == "base" and hint.upper() != code:
            continue  # the encounter's more specific code replaces the member's own below
        if code == fam.codes.default:
            hit &= ~complications
        if hit.any():
            out.append((code, hit))
    if kind == "base":
        hit = remaining.copy()
        if hint.upper() == fam.codes.default:
            hit &= ~complications
        if hit.any() and not any(c == hint.upper() for c, _ in out):
            out.append((hint.upper(), hit))
    return out


def merge_codes(pairs: list[tuple[str, np.ndarray]]) -> list[tuple[str, np.ndarray]]:
    """Join masks of the same code (a code may come from two rules)."""
    merged: dict[str, np.ndarray] = {}
    for code, mask in pairs:
        merged[code] = merged[code] | mask if code in merged else mask
    return list(merged.items())


def code_allowed(state: MemberState, code: str, member: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether a plain code may appear for the member on the day (the check every diagnosis row passes)."""
    fid = state.family_of(code)
    if fid is not None and fid in state.tracks:
        return state.tracks[fid].active(member, day)
    if fid is not None:
        return np.zeros(len(member), bool) if _tracked(state, fid) else np.ones(len(member), bool)
    if state.therapy is not None:
        status = state.therapy.status_allowed(code, member, day)
        if status is not None:
            return status
    return np.ones(len(member), bool)


def _tracked(state: MemberState, fid: str) -> bool:
    """Chronic and episodic families are the state's to say; acute ones (otitis) belong to the visit."""
    from healthsim.conditions import library

    fam = library().families.get(fid)
    return fam is None or fam.chronic or bool(fam.onset.incidence)
