"""The in-memory view of one block of members that executors share.

Population sampling fills it; journeys and claims read it (sex, age, which
conditions a member has, when they are covered) without going back to the
Arrow tables. Everything is a numpy column of length n.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class MemberBlock:
    block: int
    person_id: np.ndarray  # int64
    sex: np.ndarray  # '<U1' 'F' / 'M'
    age: np.ndarray  # float years at as_of (exact)
    birth_day: np.ndarray  # int days since epoch
    zip_row: np.ndarray  # index into reference zips()
    conditions: dict[str, np.ndarray] = field(default_factory=dict)  # code -> bool
    onset_day: dict[str, np.ndarray] = field(default_factory=dict)  # code -> int days (valid where True)
    attributes: dict[str, np.ndarray] = field(default_factory=dict)
    plan_index: np.ndarray | None = None  # index into plan options; -1 = uninsured
    member_id: np.ndarray | None = None  # int64 9-digit member number (string = plan prefix + digits)
    coverage_start: np.ndarray | None = None  # first covered day (int days)
    coverage_end: np.ndarray | None = None  # last covered day of the last span
    state: object = None  # healthsim.state.MemberState, built by the member-state step for this block
    county_row: np.ndarray | None = None  # index into reference geography.counties() (SDOH, PLACES)
    race: np.ndarray | None = None  # int codes into spec.vocab RACES, when drawn from the place
    hispanic: np.ndarray | None = None  # bool, when drawn from the place
    household: np.ndarray | None = None  # int64 household key (person_id of its subscriber)
    relationship: np.ndarray | None = None  # int8: 0 self/subscriber, 1 spouse, 2 child
    expected: dict[str, np.ndarray] = field(default_factory=dict)  # summed model probabilities (stats)

    @property
    def n(self) -> int:
        return len(self.person_id)

    def context(self) -> dict[str, np.ndarray]:
        """Columns a conditional distribution may depend on."""
        ctx = {"sex": self.sex, "age": self.age}
        if self.race is not None:
            from healthsim.spec.vocab import RACES

            ctx["race"] = np.asarray(tuple(RACES), dtype=object)[self.race]
        if self.hispanic is not None:
            ctx["ethnicity"] = np.where(self.hispanic, "hispanic", "not_hispanic").astype(object)
        ctx.update(self.attributes)
        return ctx
