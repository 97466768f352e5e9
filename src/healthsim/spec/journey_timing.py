"""Journey timing and member conditions: when an event happens, and to whom.

Durations are whole days; specs may write them as numbers of days or as text
("90 days", "3 months", "2 weeks", "1 year"). One `Timing` model covers the four
timing kinds the seed names, by which fields are given:

    fixed      {at: 14}                              14 days after the anchor
    range      {range: [7, 28]}                      uniform whole days in [7, 28]
    drawn      {offset: {distribution: ...}}         any distribution, in days
    window     {window: {target: 90, tolerance: 7}}  protocol visit: 83..97, peaked at 90
    recurring  add {every: "3 months", jitter: 7, count: 4 | {distribution: ...}, until: 365}
    spread     {count: {distribution: poisson, mean: 0.8}, spread: uniform}   that many, on uniformly
               random days between the first possible day and the end (a Poisson process: ED visits)

The anchor is `relative_to`: `journey_start`, `phase_start`, `state_start`
(lifecycle), `parent` (the decision a branch hangs from), the id of another
event (each of its occurrences anchors one occurrence of this one), or
`condition:<code>` — the first day in the journey that the member state says the
member carries that code (the onset if it falls inside, the journey start if
they already had it: `condition:N18.6` for dialysis sessions). `from_end: true` times an
event from the discharge day of the stay it is relative to (readmissions). `missed` is
the chance a scheduled occurrence does not happen (protocol no-shows).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from healthsim.distributions import AnyDistribution

UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": 30.4375, "year": 365.25}
_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$")
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-|to)\s*(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$")
ANCHORS = ("journey_start", "phase_start", "state_start", "parent")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def parse_days(value: object) -> int:
    """A duration in whole days: 30, "30 days", "3 months", "2 weeks", "1 year"."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")  # noqa: TRY004 (pydantic needs ValueError)
    if isinstance(value, int | float):
        return round(value)
    if isinstance(value, str):
        m = _DURATION.match(value.lower())
        if m and m.group(2) in UNIT_DAYS:
            return round(float(m.group(1)) * UNIT_DAYS[m.group(2)])
    raise ValueError(f"{value!r} is not a duration; write days (30) or text like '90 days', '3 months', '1 year'")


def parse_span(value: object) -> tuple[int, int]:
    """A window in days from text ('30-180 days') or a pair ([30, 180])."""
    if isinstance(value, list | tuple) and len(value) == 2:
        lo, hi = parse_days(value[0]), parse_days(value[1])
    elif isinstance(value, str) and (m := _SPAN.match(value.lower())) and m.group(3) in UNIT_DAYS:
        unit = UNIT_DAYS[m.group(3)]
        lo, hi = round(float(m.group(1)) * unit), round(float(m.group(2)) * unit)
    else:
        raise ValueError(f"{value!r} is not a window; write '30-180 days' or [30, 180]")
    if lo > hi:
        raise ValueError(f"window {value!r} starts after it ends")
    return lo, hi


Days = int


class Window(_Strict):
    """A protocol visit window: target day ± tolerance."""

    target: Days = Field(description="Target day after the anchor.")
    tolerance: Days = Field(ge=0, description="Allowed days either side of the target.")
    shape: Literal["triangular", "uniform"] = Field(
        "triangular", description="Where in the window visits fall: peaked at the target, or flat.")

    @field_validator("target", "tolerance", mode="before")
    @classmethod
    def _days(cls, v: object) -> int:
        return parse_days(v)


class Timing(_Strict):
    """When an event happens relative to its anchor (see the module docstring)."""

    relative_to: str | None = Field(
        None, description="journey_start, phase_start, state_start, parent, condition:<ICD-10-CM code> "
        "(the member state's onset), or another event's id. "
        "Default: phase_start in a phase, parent in a branch, state_start in a lifecycle state.")
    at: Days | None = Field(None, description="Fixed offset in days.")
    range: tuple[Days, Days] | None = Field(None, description="Uniform whole days in [low, high].")
    offset: AnyDistribution | None = Field(None, description="Offset in days drawn from a distribution.")
    window: Window | None = Field(None, description="Protocol window: target ± tolerance.")
    every: Days | None = Field(None, gt=0, description="Recurring: days between occurrences.")
    jitter: Days = Field(0, ge=0, description="Recurring: each occurrence moves up to ± this many days.")
    count: int | AnyDistribution | None = Field(
        None, description="Recurring: number of occurrences (a number or a distribution); "
        "default as many as fit before `until`.")
    until: Days | None = Field(
        None, description="Recurring: last possible offset from the anchor (default: end of the phase, "
        "state or journey).")
    spread: Literal["uniform"] | None = Field(
        None, description="With `count`: the occurrences fall on uniformly random days from the first possible "
        "day to the end of the phase/state/journey (unscheduled events such as ED visits), instead of every "
        "`every` days.")
    missed: float = Field(0.0, ge=0, le=1, description="Chance each occurrence is missed (no-show).")
    until_event: str | None = Field(
        None, description="Recurring: stop the day before the member's first occurrence of this event.")
    occurrence: int | None = Field(
        None, ge=1, description="Timed from another event: only its n-th occurrence per member (1 = first).")
    from_end: bool = Field(
        False, description="Timed from another event that is a stay: count from its discharge day rather "
        "than its admission (a readmission N days after discharge).")

    @field_validator("at", "every", "jitter", "until", mode="before")
    @classmethod
    def _days(cls, v: object) -> object:
        return None if v is None else parse_days(v)

    @field_validator("range", mode="before")
    @classmethod
    def _span(cls, v: object) -> object:
        return None if v is None else parse_span(v)

    @model_validator(mode="after")
    def _one_base(self) -> Timing:
        given = [k for k in ("at", "range", "offset", "window") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of at, range, offset, window (got {', '.join(given)})")
        if self.spread is not None and self.count is None:
            raise ValueError("spread needs `count` (how many occurrences to spread)")
        if self.every is None and self.spread is None and (self.count is not None or self.jitter
                                                          or self.until is not None):
            raise ValueError("count, jitter and until apply to recurring timing: add `every` (or `spread: uniform`)")
        if isinstance(self.count, int) and self.count < 0:
            raise ValueError("count must be >= 0")
        return self

    @property
    def kind(self) -> str:
        if self.every is not None or self.spread is not None:
            return "recurring"
        if self.window is not None:
            return "window"
        if self.range is not None or self.offset is not None:
            return "range"
        return "fixed"

    def base_bounds(self) -> tuple[float, float]:
        """Smallest and largest offset of the first occurrence, in days."""
        if self.window is not None:
            return self.window.target - self.window.tolerance, self.window.target + self.window.tolerance
        if self.range is not None:
            return self.range
        if self.offset is not None:
            return self.offset.support()
        return (self.at or 0, self.at or 0)


class ResultTest(_Strict):
    """A test on a measured value (e.g. the A1c recorded at the anchoring visit)."""

    measure: str = Field(description="Observation key, e.g. a1c (see reference loinc_subset.csv).")
    above: float | None = None
    below: float | None = None

    @model_validator(mode="after")
    def _bound(self) -> ResultTest:
        if self.above is None and self.below is None:
            raise ValueError("give `above` and/or `below`")
        return self


class When(_Strict):
    """Member conditions; every field given must hold (an empty `when` holds for all).

    `condition` matches ICD-10-CM prefixes of the member's conditions (E11 matches
    E11.9); `attribute` tests profile attributes ({diabetes_control: [poor]});
    `result` tests a measured value at the anchoring event.
    """

    sex: Literal["F", "M"] | None = None
    min_age: float | None = Field(None, ge=0, le=125)
    max_age: float | None = Field(None, ge=0, le=125)
    condition: list[str] | None = Field(None, description="Has any condition with one of these prefixes.")
    without_condition: list[str] | None = Field(None, description="Has none of these.")
    attribute: dict[str, list[str]] | None = Field(None, description="Attribute value is one of these.")
    coverage: list[str] | None = Field(None, description="Coverage type is one of these.")
    died_in_hospital: bool | None = Field(
        None, description="The member state has the member die as a hospital inpatient (true) or elsewhere (false).")
    medication: list[str] | None = Field(
        None, description="On a drug of one of these classes that day (the member state's medications, "
        "e.g. anticoagulant, insulin).")
    result: ResultTest | None = None
    without_event: list[str] | None = Field(
        None, description="None of these events (ids) has happened to the member before this day.")

    @field_validator("condition", "without_condition", "coverage", "without_event", "medication", mode="before")
    @classmethod
    def _listify(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v

    @field_validator("attribute", mode="before")
    @classmethod
    def _values(cls, v: object) -> object:
        if isinstance(v, dict):
            return {str(k): [str(x) for x in (vals if isinstance(vals, list) else [vals])] for k, vals in v.items()}
        return v

    @field_validator("condition", "without_condition")
    @classmethod
    def _prefixes(cls, v: list[str] | None) -> list[str] | None:
        for code in v or []:
            if not re.match(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{0,4})?$", code.upper()):
                raise ValueError(f"{code!r} is not an ICD-10-CM code or prefix (e.g. E11 or E11.9)")
        return [c.upper() for c in v] if v else v

    @model_validator(mode="after")
    def _ages(self) -> When:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError(f"min_age ({self.min_age}) must be <= max_age ({self.max_age})")
        return self
