"""The journey spec: what happens to each member over time.

A superset of the seed README's example (`journey_name`, `duration`,
`phases[{name, duration, events}]`) covering the four kinds it names:

- linear:    phases of events, each timed from the journey or phase start or another event;
- branching: `decision` events whose branches carry their own events, with probabilities that
             rules may set from member attributes, conditions or earlier results;
- protocol:  visits on `window` timing (target day ± tolerance) with a `missed` probability;
- lifecycle: a `lifecycle` state machine stepped every `cycle` days (e.g. CKD 3 -> 4 -> 5 ->
             dialysis, remission/relapse), with events on entering or while in a state and
             death as a possible end.

Where the clock starts (`start`) is a spec option. The default (`anchor: coverage`)
draws a day uniformly within the member's coverage, up to the cohort's as_of.
`anchor: condition_onset` starts at the member state's onset of a condition
(for a stage code such as N18.6, the day the member enters that stage); when that
onset lies outside their coverage (a diagnosis years ago) the journey starts
within coverage instead (`coverage`) or skips the member (`skip`). `redate` is
accepted for specs written for earlier versions and means `skip`: the member
state never moves a diagnosis, so a "first year" journey is for members
diagnosed inside the window.
`anchor: coverage_start` starts on the first covered day (onboarding). Events
falling after the journey's `duration`, the member's coverage, the cohort's
as_of date or death are not generated (the record is censored, as real data is).

`measures` tune how observations are drawn for this journey: a baseline
distribution (may be conditional on attributes or conditions), visit-to-visit
noise, drift, and `effects` of events (e.g. metformin lowers A1c by ~1.1 points
over ~90 days), so each member's values form a continuous trajectory that moves
when therapy changes. Measures not listed use the shipped defaults.

Distribution context (for `conditional`): sex, age (at as_of), the profile's
attributes, coverage_type, and one boolean column per condition code and
prefix the journey mentions (e.g. `E11`, `N18.4`).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from healthsim.distributions import AnyDistribution
from healthsim.spec.journey_events import AnyEvent, _sum_to_one
from healthsim.spec.journey_timing import When, parse_days, parse_span

KINDS = ("linear", "branching", "protocol", "lifecycle")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class StartSpec(_Strict):
    """Where each member's journey clock starts (see the module docstring)."""

    anchor: Literal["coverage", "coverage_start", "condition_onset", "date"] = "coverage"
    condition: str | None = Field(None, description="condition_onset: ICD-10-CM prefix, e.g. E11.")
    if_outside: Literal["redate", "coverage", "skip"] = Field(
        "coverage", description="condition_onset outside coverage: start within coverage, or skip the "
        "member ('redate' is read as 'skip': the member state never moves a diagnosis).")
    on: date | None = Field(None, description="anchor: date — the start date.")
    offset: AnyDistribution | None = Field(None, description="Days added to the anchor (not for `coverage`).")
    min_follow_up: int = Field(
        0, ge=0, description="anchor: coverage — prefer starts leaving this many covered days after them.")

    @model_validator(mode="after")
    def _needs(self) -> StartSpec:
        if self.anchor == "condition_onset" and not self.condition:
            raise ValueError("anchor condition_onset needs `condition` (an ICD-10-CM prefix)")
        if self.anchor == "date" and self.on is None:
            raise ValueError("anchor date needs `on` (YYYY-MM-DD)")
        return self


class Effect(_Strict):
    """An event that moves a measure: `change` reached over `ramp_days` after it."""

    event: str = Field(description="Id of the event or medication order that causes it.")
    change: float | AnyDistribution
    ramp_days: int = Field(90, ge=1, description="Days to reach ~95% of the change.")


class MeasureSpec(_Strict):
    """How one observation's values are drawn in this journey."""

    baseline: AnyDistribution | None = Field(None, description="Per-member starting value (replaces the default).")
    noise_sd: float | None = Field(None, ge=0, description="Visit-to-visit SD (default from the code set).")
    drift_per_year: float | AnyDistribution = Field(0.0, description="Per-member change per year.")
    effects: list[Effect] = Field(default_factory=list)
    text: AnyDistribution | None = Field(None, description="Coded results: categorical over result labels.")


class Phase(_Strict):
    """A stretch of the journey: `window` days after the journey start (or sequential `duration`)."""

    name: str = Field(min_length=1)
    window: tuple[int, int] | None = Field(None, description="'30-180 days' or [30, 180] from the journey start.")
    duration: int | None = Field(None, description="Length; the phase starts where the previous one ended.")
    events: list[AnyEvent] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _seed_duration(cls, data: object) -> object:
        """The seed writes windows as `duration: "30-180 days"`."""
        if isinstance(data, dict) and isinstance(data.get("duration"), str) and "-" in data["duration"] \
                and "window" not in data:
            data = dict(data)
            data["window"] = data.pop("duration")
        return data

    @field_validator("window", mode="before")
    @classmethod
    def _span(cls, v: object) -> object:
        return None if v is None else parse_span(v)

    @field_validator("duration", mode="before")
    @classmethod
    def _days(cls, v: object) -> object:
        return None if v is None else parse_days(v)


class State(_Strict):
    """A lifecycle state: transition probabilities per cycle (the rest is staying)."""

    transitions: dict[str, float] = Field(default_factory=dict)
    terminal: bool = Field(False, description="Leaving the journey (nothing follows).")
    death: bool = Field(False, description="Entering this state is death.")
    cause: str | None = Field(None, description="ICD-10-CM cause of death for death states.")
    events: list[AnyEvent] = Field(default_factory=list, description="Timed from entering the state; "
                                   "recurring ones stop when the member leaves it.")

    @model_validator(mode="after")
    def _probabilities(self) -> State:
        total = sum(self.transitions.values())
        if any(p < 0 for p in self.transitions.values()) or total > 1 + 1e-9:
            raise ValueError(f"transition probabilities must be >= 0 and sum to at most 1 "
                             f"(the rest is staying); they sum to {total:.4f}")
        if self.death:
            self.terminal = True
        return self


class Lifecycle(_Strict):
    """A Markov state machine over the journey's duration."""

    cycle: int = Field(30, gt=0, description="Days per step.")
    initial: AnyDistribution = Field(description="Categorical over state names (may be conditional).")
    states: dict[str, State] = Field(min_length=1)

    @field_validator("cycle", mode="before")
    @classmethod
    def _days(cls, v: object) -> object:
        return parse_days(v)

    @model_validator(mode="after")
    def _known_states(self) -> Lifecycle:
        names = set(self.states)
        for name, state in self.states.items():
            unknown = sorted(set(state.transitions) - names)
            if unknown:
                raise ValueError(f"state {name!r} moves to unknown state(s) {unknown}; states: {sorted(names)}")
        weights = getattr(self.initial, "weights", None)
        if isinstance(weights, dict) and set(weights) - names:
            raise ValueError(f"initial names unknown state(s) {sorted(set(weights) - names)}")
        return self


class JourneySpec(_Strict):
    """What happens to each member over time. See `healthsim schema journey`."""

    journey_name: str = Field(min_length=1, validation_alias=AliasChoices("journey_name", "name"))
    description: str | None = None
    kind: Literal["linear", "branching", "protocol", "lifecycle"] = "linear"
    duration: int = Field(365, gt=0, description="Journey length ('12 months', '3 years', or days).")
    start: StartSpec = Field(default_factory=StartSpec)
    repeat: Literal["yearly"] | None = Field(
        None, description="yearly: the journey runs again every year of the cohort's window (a year of care "
        "over a 3-year window is three years of care), each year with its own draws.")
    eligibility: When | None = Field(None, description="Who can have this journey at all.")
    measures: dict[str, MeasureSpec] = Field(default_factory=dict)
    phases: list[Phase] = Field(default_factory=list)
    lifecycle: Lifecycle | None = None
    sources: list[str] = Field(default_factory=list, description="Citations for the figures used.")

    @field_validator("duration", mode="before")
    @classmethod
    def _days(cls, v: object) -> object:
        return parse_days(v)

    @model_validator(mode="after")
    def _shape(self) -> JourneySpec:
        if not self.phases and self.lifecycle is None:
            raise ValueError("a journey needs phases, a lifecycle, or both")
        if self.kind == "lifecycle" and self.lifecycle is None:
            raise ValueError("kind lifecycle needs a `lifecycle` section")
        if self.lifecycle is not None and self.kind != "lifecycle":
            raise ValueError(f"a `lifecycle` section needs kind: lifecycle (got kind {self.kind!r})")
        return self


class JourneyAttachment(_Strict):
    """A journey a profile's members go through: a template (or inline spec), for whom, how often."""

    template: str | None = Field(None, description="Journey template name (see `healthsim templates list`).")
    spec: JourneySpec | None = Field(None, description="An inline journey spec instead of a template.")
    when: When | None = Field(None, description="Only members matching this, e.g. {condition: E11}.")
    share: float = Field(1.0, ge=0, le=1, description="Share of matching members who have the journey.")

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, v: object) -> object:
        return {"template": v} if isinstance(v, str) else v

    @model_validator(mode="after")
    def _one(self) -> JourneyAttachment:
        if (self.template is None) == (self.spec is None):
            raise ValueError("give either `template` or `spec`")
        return self


__all__ = ["KINDS", "JourneyAttachment", "JourneySpec", "_sum_to_one"]
