"""Chronic medications as intervals: who takes what, from when, until when.

For each drug class of each family's therapy ladder (conditions/data), members who
had the condition before the window are on it when the window opens with the
file's `prevalent_share`; members diagnosed inside the window start it at
diagnosis with `incident_share` (unless an episode that starts at that diagnosis,
such as diabetic-first-year, prescribes for them). A class is never started while
a contraindication holds (metformin below eGFR 30, ACE inhibitors in pregnancy)
and stops on the first day a stop rule holds, at a pregnancy for drugs
contraindicated in it, or at death. One interval per member and class: a member
with hyperlipidemia and coronary disease takes one statin.

The same rules judge orders that episodes write: `allows` refuses a drug for a
member without any of its indications on the day or with a contraindication, and
`stop_day` says when a journey's prescription must end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthsim.conditions import library
from healthsim.conditions.model import MeasureTest, TherapyClass
from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.state.model import NEVER, MemberState

SUB_THERAPY = 5
GRID_DAYS = 30
NOT_TOGETHER = (("ace_inhibitor", "angiotensin_receptor_blocker"),)
"""Classes never taken together: dual RAS blockade (ACE inhibitor + ARB) harms (ONTARGET, NEJM 2008; VA
NEPHRON-D, NEJM 2013); a member drawn for both keeps the ACE inhibitor."""


@dataclass
class ClassTrack:
    """One drug class over the block's members."""

    name: str
    entries: list[tuple[str, TherapyClass]]  # (family id, ladder rung) that use the class
    start: np.ndarray  # int64 day started (NEVER: not on it); may be before the window
    stop: np.ndarray  # int64 last day on it (NEVER: still on it at the end of the window)
    drug: np.ndarray  # object rxcui per member (None where not on it)
    incident: np.ndarray  # bool: started at a diagnosis inside the window
    family: np.ndarray  # object: family id that started it

    def on(self, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (self.start[member] <= day) & (day <= self.stop[member])


class Therapy:
    def __init__(self, state: MemberState, classes: dict[str, ClassTrack]):
        self.state, self.classes = state, classes
        lib = library()
        self._indications = lib.indications()
        self._drug_class: dict[str, str] = {}
        for cls in classes.values():
            for _fid, rung in cls.entries:
                for d in rung.drugs:
                    self._drug_class.setdefault(d.rxcui, cls.name)

    # ------------------------------------------------------------ effects on measures
    def _rungs_with_effect(self, key: str):
        for cls in self.classes.values():
            for _fid, rung in cls.entries:
                for eff in rung.effects:
                    if eff.measure == key:
                        yield cls, eff
                        break

    def effect(self, key: str, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        out = np.zeros(len(member))
        seen = set()
        for cls, eff in self._rungs_with_effect(key):
            if cls.name in seen:
                continue
            seen.add(cls.name)
            since = day - cls.start[member]
            ramp = np.where(since >= 0, 1 - np.exp(-3.0 * np.maximum(since, 0) / eff.ramp_days), 0.0)
            # a drug taken since before the window is already in the member's treated level (A1c), where
            # the condition library models one; otherwise (INR on warfarin) its effect applies throughout
            counts = cls.on(member, day)
            if self._has_treated_level(key):
                counts &= cls.start[member] >= self.state.window_lo
            out += np.where(counts, eff.change * ramp, 0.0)
        return out

    def _has_treated_level(self, key: str) -> bool:
        return any(key in t.family.measures and t.family.measures[key].treated is not None
                   for t in self.state.tracks.values())

    def noise_sd(self, key: str, member, day, sd: np.ndarray) -> np.ndarray:
        for cls, eff in self._rungs_with_effect(key):
            if eff.noise_sd is not None:
                sd = np.where(cls.on(member, day), eff.noise_sd, sd)
        return sd

    # ------------------------------------------------------------ judging orders
    def drug_class(self, rxcui: str) -> str | None:
        return self._drug_class.get(rxcui)

    def allows(self, rxcui: str, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        """A drug may be ordered: the member has one of its indications, and nothing contraindicates it."""
        ok = np.ones(len(member), bool)
        fams = self._indications.get(rxcui)
        if fams:
            has = np.zeros(len(member), bool)
            for fid in fams:
                track = self.state.tracks.get(fid)
                if track is not None:
                    has |= track.active(member, day)
            ok &= has
        cls = self.classes.get(self._drug_class.get(rxcui, ""))
        if cls is not None:
            for _fid, rung in cls.entries:
                ok &= ~_any_test(self.state, rung.contraindicated, member, day)
                if rung.pregnancy_contraindicated:
                    ok &= ~pregnant(self.state, member, day)
        return ok

    def stop_day(self, rxcui: str, member: np.ndarray, start: np.ndarray) -> np.ndarray:
        """The last day a prescription written on `start` may run (NEVER: to the end of the window)."""
        stop = self.state.death_day[member].copy()
        cls = self.classes.get(self._drug_class.get(rxcui, ""))
        if cls is not None:
            for _fid, rung in cls.entries:
                stop = np.minimum(stop, _first_true(self.state, rung, member, start))
        return stop

    def status_allowed(self, code: str, member: np.ndarray, day: np.ndarray) -> np.ndarray | None:
        """For a Z79 long-term drug therapy code: whether the member is on such a drug (None: not a status code)."""
        out, found = np.zeros(len(member), bool), False
        for cls in self.classes.values():
            if any(r.status_code == code for _f, r in cls.entries):
                found = True
                out |= cls.on(member, day)
        return out if found else None

    def drop_incident(self, family: str, covered: np.ndarray) -> None:
        """Members whose diagnosis an episode treats: their state-started incident therapy is withdrawn."""
        for cls in self.classes.values():
            drop = covered & cls.incident & (cls.family == family)
            cls.start = np.where(drop, NEVER, cls.start)
            cls.stop = np.where(drop, NEVER, cls.stop)
            cls.drug = np.where(drop, None, cls.drug)


def pregnant(state: MemberState, member, day) -> np.ndarray:
    track = state.tracks.get("pregnancy")
    return track.active(member, day) if track is not None else np.zeros(len(member), bool)


def _test(state: MemberState, t: MeasureTest, member, day) -> np.ndarray:
    value = state.measures.latent(t.measure, member, day)
    hit = np.ones(len(member), bool)
    if t.below is not None:
        hit &= value < t.below
    if t.above is not None:
        hit &= value > t.above
    return hit


def _any_test(state, tests, member, day) -> np.ndarray:
    hit = np.zeros(len(member), bool)
    for t in tests:
        hit |= _test(state, t, member, day)
    return hit


def _first_true(state: MemberState, rung: TherapyClass, member: np.ndarray, start: np.ndarray) -> np.ndarray:
    """First day from `start` (checked monthly) a stop rule or a pregnancy applies."""
    out = np.full(len(member), NEVER, np.int64)
    if not rung.stop and not rung.pregnancy_contraindicated:
        return out
    begin = np.maximum(start, state.window_lo)
    steps = int((state.window_hi - state.window_lo) // GRID_DAYS) + 2
    for k in range(steps):
        day = begin + k * GRID_DAYS
        live = (out == NEVER) & (day <= state.window_hi)
        if not live.any():
            break
        idx = np.flatnonzero(live)
        hit = _any_test(state, rung.stop, member[idx], day[idx])
        out[idx[hit]] = day[idx[hit]]
    if rung.pregnancy_contraindicated:
        track = state.tracks.get("pregnancy")
        if track is not None:
            p = track.onset[member]
            out = np.minimum(out, np.where((p >= start) & (p < NEVER), p - 1, NEVER))
    return out


def build_therapy(state: MemberState, m: MemberBlock, seed: int) -> Therapy:
    """Intervals for prevalent and incident members of every family with a therapy ladder."""
    rng = block_rng(seed, m.block, Stream.STATE, SUB_THERAPY)
    n, lo = m.n, state.window_lo
    classes: dict[str, ClassTrack] = {}
    member = np.arange(n)
    for fid, track in sorted(state.tracks.items()):
        for rung in track.family.therapy:
            u, pick_u, lead_u, supply_u = rng.random(n), rng.random(n), rng.random(n), rng.random(n)
            del supply_u
            cls = classes.setdefault(rung.drug_class, ClassTrack(
                rung.drug_class, [], np.full(n, NEVER, np.int64), np.full(n, NEVER, np.int64),
                np.full(n, None, dtype=object), np.zeros(n, bool), np.full(n, None, dtype=object)))
            cls.entries.append((fid, rung))
            alive = state.death_day > lo
            prevalent = (track.onset < lo) & (track.end >= lo) & alive
            incident = (track.onset >= lo) & (track.onset < NEVER) & (track.onset <= state.window_hi)
            day = np.where(incident, track.onset, lo)
            ok = state.requirements_met(rung.requires, member, day)
            if rung.when is not None:
                ok &= _test(state, rung.when, member, day)
            ok &= ~_any_test(state, rung.contraindicated, member, day)
            if rung.pregnancy_contraindicated:
                ok &= ~pregnant(state, member, day)
            share = np.where(prevalent, rung.prevalent_share, np.where(incident, rung.incident_share, 0.0))
            chosen = ok & (u < share) & (cls.start == NEVER)
            start = np.where(prevalent, lo - 30 - np.floor(lead_u * 690).astype(np.int64),
                             day + np.floor(lead_u * 15).astype(np.int64))
            cls.start = np.where(chosen, start, cls.start)
            cls.incident |= chosen & incident
            cls.family = np.where(chosen, fid, cls.family)
            weights = np.array([d.weight for d in rung.drugs])
            drug = np.array([d.rxcui for d in rung.drugs], dtype=object)[
                np.minimum(np.searchsorted(np.cumsum(weights / weights.sum()), pick_u), len(weights) - 1)]
            cls.drug = np.where(chosen, drug, cls.drug)
    for first, second in NOT_TOGETHER:  # the second class is not started on top of the first
        a, b = classes.get(first), classes.get(second)
        if a is not None and b is not None:
            both = (a.start < NEVER) & (b.start < NEVER)
            b.start = np.where(both, NEVER, b.start)
            b.drug = np.where(both, None, b.drug)
            b.incident &= ~both
            b.family = np.where(both, None, b.family)
    therapy = Therapy(state, classes)
    for cls in classes.values():
        on = np.flatnonzero(cls.start < NEVER)
        stop = state.death_day[on].copy()
        for _fid, rung in cls.entries:
            stop = np.minimum(stop, _first_true(state, rung, on, cls.start[on]))
        cls.stop = np.full(n, NEVER, np.int64)
        cls.stop[on] = stop
        ended_before = (cls.start < NEVER) & (cls.stop < cls.start)
        cls.start = np.where(ended_before, NEVER, cls.start)
        cls.drug = np.where(ended_before, None, cls.drug)
    return therapy
