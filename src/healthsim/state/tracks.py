"""Condition tracks: the profile's conditions grouped into families, staged, progressed, complicated.

The profile says who has which code at `as_of` and since when (engine/conditions.py);
here each code joins its library family (codes no family owns become a family of
their own, tracked but without stages or therapy). A staged family (CKD) starts
each member at the stages their codes name, with the earliest onset at the lowest
stage, then moves them on inside the window at the library's yearly rates (time to
the next stage is exponential). Intrinsic complications (diabetic neuropathy)
begin an exponential time after the family's onset, so they are commoner the
longer a member has had the condition. Conditions that end (pregnancy) are drawn
as episodes from the library's incidence by age, for every eligible member.
Everything is columns; loops run over families, stages and complications only.
"""

from __future__ import annotations

import numpy as np

from healthsim.conditions import ConditionFamily, library
from healthsim.conditions.model import Codes, Mortality, Onset
from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.state.model import NEVER, Track

DAYS_PER_YEAR = 365.25
SUB_PROGRESSION, SUB_COMPLICATIONS, SUB_EPISODES = 1, 2, 3


def profile_families(codes: list[str]) -> tuple[dict[str, list[str]], dict[str, ConditionFamily]]:
    """Group profile codes by family; codes no library family owns get an ad-hoc family per category."""
    lib = library()
    groups: dict[str, list[str]] = {}
    adhoc: dict[str, ConditionFamily] = {}
    for code in codes:
        fid = lib.family_of(code)
        if fid is None:
            fid = f"icd_{code[:3].lower()}"
            adhoc.setdefault(fid, ConditionFamily(
                id=fid, name=f"ICD-10-CM {code[:3]}", codes=Codes(prefixes=(code[:3].upper(),), default=code),
                onset=Onset(), mortality=Mortality(), sources=("profile condition without a library file",)))
        groups.setdefault(fid, []).append(code)
    return groups, adhoc


def build_tracks(m: MemberBlock, seed: int, lo: int, hi: int, profile_codes: list[str]) -> dict[str, Track]:
    lib = library()
    groups, adhoc = profile_families(profile_codes)
    families = {**lib.families, **adhoc}
    tracks: dict[str, Track] = {}
    for fid, codes in groups.items():
        fam = families[fid]
        if not fam.chronic and fam.onset.incidence:
            continue  # episodic: drawn below, with the profile's members forced in
        tracks[fid] = _profile_track(fam, codes, m)
    rng = block_rng(seed, m.block, Stream.STATE, SUB_PROGRESSION)
    for track in tracks.values():
        if track.stage_day is not None:
            _progress(track, lo, hi, rng)
    rng = block_rng(seed, m.block, Stream.STATE, SUB_COMPLICATIONS)
    for track in tracks.values():
        _complications(track, rng)
    rng = block_rng(seed, m.block, Stream.STATE, SUB_EPISODES)
    for fid, fam in sorted(lib.families.items()):
        if not fam.chronic and fam.onset.incidence:
            tracks[fid] = _episodes(fam, m, lo, hi, rng, groups.get(fid, []))
    return tracks


def _profile_track(fam: ConditionFamily, codes: list[str], m: MemberBlock) -> Track:
    n = m.n
    base_codes = list(dict.fromkeys(codes + [fam.codes.default]))
    base = np.full(n, len(base_codes) - 1, np.int32)
    chosen = np.zeros(n, bool)
    onset = np.full(n, NEVER, np.int64)
    for i, code in enumerate(codes):
        has = m.conditions[code]
        onset = np.where(has, np.minimum(onset, m.onset_day[code]), onset)
        pick = has & ~chosen
        base[pick] = base_codes.index(code)
        chosen |= has
    track = Track(fam, base_codes, base, onset, np.full(n, NEVER, np.int64),
                  established=np.zeros(n, bool))
    if fam.stages:
        track.stage_day = _initial_stages(fam, codes, m)
    return track


def _initial_stages(fam: ConditionFamily, codes: list[str], m: MemberBlock) -> np.ndarray:
    """Stage entry days from the profile codes: earliest onset at the lowest stage the member has."""
    n, stages = m.n, len(fam.stages)
    present = np.full((n, stages), NEVER, np.int64)
    for code in codes:
        s = fam.stage_index(code)
        s = 2 if s is None and len(fam.stages) > 2 else (s or 0)  # unstaged codes (N18.9) read as stage 3
        present[:, s] = np.where(m.conditions[code], np.minimum(present[:, s], m.onset_day[code]), present[:, s])
    has = present < NEVER
    days_sorted = np.sort(np.where(has, present, NEVER), axis=1)  # earliest first
    rank = np.cumsum(has, axis=1) - 1  # which of the sorted days each present stage gets
    out = np.full((n, stages), NEVER, np.int64)
    rows, cols = np.nonzero(has)
    out[rows, cols] = days_sorted[rows, rank[rows, cols]]
    return out


def _progress(track: Track, lo: int, hi: int, rng: np.random.Generator) -> None:
    """Move members through the stages inside the window (exponential time to each next stage)."""
    stages = track.family.stages
    day = track.stage_day
    for s in range(len(stages) - 1):
        p = stages[s].to_next_per_year
        current = (day[:, s] < NEVER) & np.all(day[:, s + 1:] == NEVER, axis=1)
        wait = rng.exponential(1.0, len(day)) / max(-np.log1p(-min(p, 0.999999)), 1e-12) * DAYS_PER_YEAR
        if p <= 0:
            continue
        start = np.maximum(day[:, s], lo)
        nxt = start + np.floor(wait).astype(np.int64)
        moved = current & (nxt <= hi)
        day[moved, s + 1] = nxt[moved]


def _complications(track: Track, rng: np.random.Generator) -> None:
    comps = [c for c in track.family.codes.complications if c.per_year is not None]
    if not comps:
        return
    out = np.full((len(track.onset), len(comps)), NEVER, np.int64)
    has = track.onset < NEVER
    for j, c in enumerate(comps):
        wait = rng.exponential(1.0, len(track.onset)) / max(-np.log1p(-min(c.per_year, 0.999999)), 1e-12)
        out[:, j] = np.where(has, track.onset + np.floor(wait * DAYS_PER_YEAR).astype(np.int64), NEVER)
    track.complication_day = out


def _episodes(fam: ConditionFamily, m: MemberBlock, lo: int, hi: int, rng: np.random.Generator,
              profile_codes: list[str]) -> Track:
    """Episodes (pregnancies) over the window: the first onset after (lo - longest duration)."""
    n = m.n
    shortest, longest = fam.onset.duration_days or (0, 0)
    start = lo - longest
    age = (start - m.birth_day) / DAYS_PER_YEAR
    rate = np.zeros(n)
    for band in fam.onset.incidence:
        rate = np.where((age >= band.min_age) & (age < band.max_age + 1), band.per_year, rate)
    ok = _eligible(fam.onset, m, age)
    wait = rng.exponential(1.0, n) / np.maximum(-np.log1p(-np.minimum(rate, 0.999999)), 1e-12) * DAYS_PER_YEAR
    onset = np.where(ok & (rate > 0), start + np.floor(wait).astype(np.int64), NEVER)
    forced = np.zeros(n, bool)
    for code in profile_codes:  # the profile's members carry one in the window
        forced |= m.conditions[code]
    placed = lo - 60 + np.floor(rng.random(n) * max(hi - lo - 60, 1)).astype(np.int64)
    onset = np.where(forced & ok, np.minimum(onset, placed), onset)
    onset = np.where(onset <= hi, onset, NEVER)
    length = rng.integers(shortest, longest + 1, n)
    end = np.where(onset < NEVER, onset + length, NEVER)
    base_codes = list(dict.fromkeys(profile_codes + [fam.codes.default]))
    return Track(fam, base_codes, np.full(n, len(base_codes) - 1, np.int32), onset, end,
                 established=np.zeros(n, bool))


def _eligible(onset: Onset, m: MemberBlock, age: np.ndarray) -> np.ndarray:
    ok = (age >= onset.min_age) & (age < onset.max_age + 1)
    if onset.sex is not None:
        ok &= m.sex == onset.sex
    return ok
