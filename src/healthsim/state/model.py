"""The member state of one block: one clinical truth that every episode, product and format reads.

Per condition family a `Track` holds, as columns over the block's members, when
the member has it (onset, end), which stage they are in on any day, and which
complications they carry; `MemberState` adds vital status (death day and
cause), the window, chronic medications as intervals (state/therapy.py), the
inpatient calendar (state/calendar.py) and the measured-value trajectories
(state/measures.py). Readers ask questions of a (member, day) column pair:
`has(prefix, member, day)`, `codes(family, member, day)`, `alive(member, day)`.

Writers are few and named: the builder (state/build.py) makes the state once
per block; episodes may only `establish` a diagnosis an encounter makes, `book`
an inpatient stay and `terminate` coverage; nothing else changes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from healthsim.conditions.model import ConditionFamily

NEVER = np.iinfo(np.int64).max // 4
"""A day that never comes (the same sentinel episodes use)."""


@dataclass
class Track:
    """One condition family over the block's members."""

    family: ConditionFamily
    codes: list[str]  # base codes a member may carry (profile codes of this family, then the default)
    base: np.ndarray  # int32 index into `codes` per member
    onset: np.ndarray  # int64 day the member has it from (NEVER: not in the window)
    end: np.ndarray  # int64 last day (NEVER for chronic conditions)
    stage_day: np.ndarray | None = None  # (n, S) int64 day the member enters each stage (NEVER: never)
    complication_day: np.ndarray | None = None  # (n, C) intrinsic complications' onset days
    established: np.ndarray | None = None  # bool: onset written by an encounter (not the profile)

    @property
    def stages(self) -> int:
        return 0 if self.stage_day is None else self.stage_day.shape[1]

    def active(self, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (self.onset[member] <= day) & (day <= self.end[member])

    def stage_at(self, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Stage index on the day (-1 before any stage or without stages)."""
        if self.stage_day is None:
            return np.full(len(member), -1, np.int64)
        days = self.stage_day[member]
        # entered stages are a contiguous run (entry days never decrease with the stage)
        count = (days <= day[:, None]).sum(axis=1)
        first = (days == NEVER).argmin(axis=1)
        return np.where(count > 0, first + count - 1, -1)


@dataclass
class MemberState:
    """Everything true about the members of one block over the window."""

    n: int
    window_lo: int  # first day of the window (int days since 1970-01-01)
    window_hi: int  # last day (the cohort's as_of or the window end)
    tracks: dict[str, Track]
    prefix_family: tuple[tuple[str, str], ...]  # (prefix, family id), longest first (library + profile-only)
    death_day: np.ndarray  # int64, NEVER when alive through the window
    death_cause: np.ndarray  # object: ICD-10 code or None
    death_in_hospital: np.ndarray  # bool
    term_day: np.ndarray  # int64 coverage terminated by an episode (NEVER when not)
    therapy: object = None  # state.therapy.Therapy
    calendar: object = None  # state.calendar.Calendar
    measures: object = None  # state.measures.BlockMeasures
    notes: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ reading
    def family_of(self, code: str) -> str | None:
        code = code.upper()
        for prefix, fid in self.prefix_family:
            if code.startswith(prefix):
                return fid
        return None

    def families_matching(self, prefix: str) -> list[tuple[str, bool]]:
        """Families a `when: {condition: X}` prefix can mean, each with whether X is more specific
        than the family (N18.4 within CKD): the owner of X, or every family under a short X (I1)."""
        prefix = prefix.upper()
        for p, fid in self.prefix_family:
            if prefix.startswith(p):
                return [(fid, len(prefix) > len(p))]
        return [(fid, False) for fid in sorted({fid for p, fid in self.prefix_family if p.startswith(prefix)})]

    def alive(self, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        return day <= self.death_day[member]

    def has(self, prefix: str, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Whether each member carries a code starting with `prefix` on the day."""
        out = np.zeros(len(member), bool)
        for fid, specific in self.families_matching(prefix):
            track = self.tracks.get(fid)
            if track is None:
                continue
            hit = track.active(member, day)
            if specific:
                hit &= self._specific(track, prefix.upper(), member, day)
            out |= hit
        return out

    def _specific(self, track: Track, prefix: str, member, day) -> np.ndarray:
        """A code more specific than the family (N18.4, E11.2): the member's current codes match it."""
        fam = track.family
        if track.stage_day is not None:
            stage = track.stage_at(member, day)
            ok = np.array([s.code.startswith(prefix) or any(a.startswith(prefix) for a in s.aliases)
                           for s in fam.stages] + [False])
            return ok[stage]
        base_ok = np.array([c.startswith(prefix) for c in track.codes])
        out = base_ok[track.base[member]]
        for j, comp in enumerate(fam.codes.complications):
            if comp.code.startswith(prefix):
                if comp.per_year is not None and track.complication_day is not None:
                    out |= track.complication_day[member, self._intrinsic_index(fam, j)] <= day
                else:
                    out |= self.requirements_met(comp.requires, member, day)
        return out

    @staticmethod
    def _intrinsic_index(fam: ConditionFamily, j: int) -> int:
        return sum(1 for c in fam.codes.complications[:j] if c.per_year is not None)

    def requirements_met(self, requires, member, day) -> np.ndarray:
        ok = np.ones(len(member), bool)
        for r in requires:
            track = self.tracks.get(r.family)
            if track is None:
                return np.zeros(len(member), bool)
            hit = track.active(member, day)
            if r.min_stage is not None:
                hit &= track.stage_at(member, day) >= track.family.stage_index(r.min_stage)
            ok &= hit
        return ok

    def onset_of(self, prefix: str) -> np.ndarray:
        """Per member, the first day they carry a code with this prefix (NEVER if not in the window).

        For a stage code (N18.6) it is the day the member enters that stage.
        """
        out = np.full(self.n, NEVER, np.int64)
        for fid, specific in self.families_matching(prefix):
            track = self.tracks.get(fid)
            if track is None:
                continue
            fam = track.family
            if track.stage_day is not None and specific:
                for s, st in enumerate(fam.stages):
                    if st.code.startswith(prefix.upper()) or any(a.startswith(prefix.upper()) for a in st.aliases):
                        out = np.minimum(out, np.where(track.stage_day[:, s] <= track.end, track.stage_day[:, s],
                                                       NEVER))
            else:
                out = np.minimum(out, track.onset)
        return out
