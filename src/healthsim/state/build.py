"""Building one block's member state, and the few writers episodes may use.

Order matters and is fixed: condition tracks (profile conditions, stages,
complications, episodic conditions) -> deaths (which need the conditions'
hazards) -> onsets after death removed -> measured-value trajectories ->
medication intervals (which test measured values: no metformin below eGFR 30).
"""

from __future__ import annotations

import numpy as np

from healthsim.conditions import library
from healthsim.engine.columns import days
from healthsim.engine.members import MemberBlock
from healthsim.plan.population import PopulationPlan
from healthsim.state.calendar import Calendar
from healthsim.state.measures import BlockMeasures
from healthsim.state.model import NEVER, MemberState, Track
from healthsim.state.mortality import draw_deaths
from healthsim.state.therapy import build_therapy
from healthsim.state.tracks import build_tracks, profile_families


def window(plan: PopulationPlan) -> tuple[int, int]:
    """First and last day of the state's window: the coverage period, never past as_of."""
    return days(plan.period_start), min(days(plan.period_end), days(plan.as_of))


def build_state(plan: PopulationPlan, m: MemberBlock, ctx: dict | None = None) -> MemberState:
    lo, hi = window(plan)
    codes = [c.code for c in plan.conditions]
    tracks = build_tracks(m, plan.seed, lo, hi, codes)
    death, cause, in_hospital = draw_deaths(m, tracks, plan.seed, lo, hi)
    for track in tracks.values():
        _prune_after(track, death)
    _, adhoc = profile_families(codes)
    prefixes = [(p, f.id) for f in list(library().families.values()) + list(adhoc.values()) for p in f.codes.prefixes]
    state = MemberState(
        n=m.n, window_lo=lo, window_hi=hi, tracks=tracks,
        prefix_family=tuple(sorted(prefixes, key=lambda x: -len(x[0]))),
        death_day=death, death_cause=cause, death_in_hospital=in_hospital,
        term_day=np.full(m.n, NEVER, np.int64))
    state.calendar = Calendar(m.n)
    state.measures = BlockMeasures(state, m, plan.seed, ctx if ctx is not None else m.context())
    state.therapy = build_therapy(state, m, plan.seed)
    return state


def _prune_after(track: Track, death: np.ndarray) -> None:
    """Nothing begins after death: onsets, stages and complications past it are removed."""
    track.onset = np.where(track.onset > death, NEVER, track.onset)
    if track.stage_day is not None:
        track.stage_day = np.where(track.stage_day > death[:, None], NEVER, track.stage_day)
    if track.complication_day is not None:
        track.complication_day = np.where(track.complication_day > death[:, None], NEVER, track.complication_day)


# ---------------------------------------------------------------- writers episodes may use
def establish(state: MemberState, code: str, member: np.ndarray, day: np.ndarray) -> np.ndarray:
    """An encounter diagnoses a chronic condition the member did not have: it starts that day.

    Returns which rows now carry it (all rows of an owned, chronic family; none for others).
    Only earlier onsets win, so the order episodes run in cannot move an existing diagnosis later.
    """
    fid = state.family_of(code)
    if fid is None:
        return np.zeros(len(member), bool)
    fam = library().families.get(fid)
    if fam is None or not fam.chronic:
        return np.zeros(len(member), bool)
    track = state.tracks.get(fid)
    if track is None:
        track = Track(fam, [fam.codes.default], np.zeros(state.n, np.int32), np.full(state.n, NEVER, np.int64),
                      np.full(state.n, NEVER, np.int64), established=np.zeros(state.n, bool))
        if fam.stages:
            track.stage_day = np.full((state.n, len(fam.stages)), NEVER, np.int64)
        if any(c.per_year is not None for c in fam.codes.complications):
            track.complication_day = np.full((state.n, sum(c.per_year is not None
                                                            for c in fam.codes.complications)), NEVER, np.int64)
        state.tracks[fid] = track
    ok = day <= state.death_day[member]
    rows = np.flatnonzero(ok)
    order = rows[np.lexsort((day[rows], member[rows]))]
    first = order[np.r_[True, member[order][1:] != member[order][:-1]]] if len(order) else order
    new = first[day[first] < track.onset[member[first]]]
    mem, d = member[new], day[new]
    if code.upper() not in track.codes:
        track.codes.append(code.upper())
    fresh = track.onset[mem] == NEVER
    track.base[mem[fresh]] = track.codes.index(code.upper())
    track.onset[mem] = d
    track.established[mem] = True
    if track.stage_day is not None:
        s = fam.stage_index(code)
        s = 0 if s is None else s
        track.stage_day[mem, s] = np.minimum(track.stage_day[mem, s], d)
    return track.active(member, day)


def terminate(state: MemberState, member: np.ndarray, day: np.ndarray) -> None:
    """An episode ends the member's coverage (disenrollment) at the end of that day's month."""
    month_end = (day.astype("datetime64[D]").astype("datetime64[M]") + 1).astype("datetime64[D]").astype(np.int64) - 1
    np.minimum.at(state.term_day, member, month_end)
