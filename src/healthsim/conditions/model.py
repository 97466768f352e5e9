"""The schema of one condition file: what the library knows about a condition family.

A condition family (type 2 diabetes, CKD, heart failure...) is one YAML file in
`conditions/data/`. It says which ICD-10-CM codes belong to the family and how
they are coded together with other families (hypertension with CKD is I12.x,
diabetes with CKD is E11.22), how the condition moves (stages with yearly
progression), how it changes a member's risk of death, which measured values it
drives (A1c for diabetes, eGFR by CKD stage), which drugs treat it (the therapy
ladder with start shares, contraindications and stop rules), and what care it
adds (utilization). Every figure carries its source in `sources` (or, for a
single figure, a `source` beside it); a figure from memory says so.

The pydantic model is the single source of the schema: the library loader
validates every file against it, and the contract test runs every file.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from healthsim.distributions import AnyDistribution

_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
_REQUIRES = re.compile(r"^([a-z0-9_]+)(?:\s*>=\s*([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?))?$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _code(value: str) -> str:
    value = value.strip().upper()
    if not _CODE.match(value):
        raise ValueError(f"{value!r} is not an ICD-10-CM code (e.g. E11.9)")
    return value


class Requirement(_Strict):
    """Another family the member must have on the day (optionally at or past a stage): `ckd>=N18.5`."""

    family: str
    min_stage: str | None = None

    @classmethod
    def parse(cls, text: str) -> Requirement:
        m = _REQUIRES.match(text.strip())
        if not m:
            raise ValueError(f"{text!r} is not a family requirement; write 'ckd' or 'ckd>=N18.5'")
        return cls(family=m.group(1), min_stage=m.group(2))


class Combination(_Strict):
    """A code used instead of the default when the member also has other families (first match wins)."""

    requires: tuple[Requirement, ...] = Field(alias="with")
    code: str

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("requires", mode="before")
    @classmethod
    def _parse(cls, v: object) -> object:
        items = [v] if isinstance(v, str) else v
        return tuple(Requirement.parse(x) if isinstance(x, str) else x for x in items)

    @field_validator("code")
    @classmethod
    def _c(cls, v: str) -> str:
        return _code(v)


class Complication(_Strict):
    """A complication coded with its own code (all that apply are coded; the default only when none does).

    Either derived from another family (`with: [ckd]` -> E11.22 while the member has CKD) or
    intrinsic, with a yearly incidence among members with the condition (`per_year`), so that
    its prevalence grows with the condition's duration.
    """

    code: str
    name: str
    requires: tuple[Requirement, ...] = Field((), alias="with")
    per_year: float | None = Field(None, ge=0, le=1, description="Yearly incidence among members with the family.")
    source: str | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("requires", mode="before")
    @classmethod
    def _parse(cls, v: object) -> object:
        items = [v] if isinstance(v, str) else (v or [])
        return tuple(Requirement.parse(x) if isinstance(x, str) else x for x in items)

    @field_validator("code")
    @classmethod
    def _c(cls, v: str) -> str:
        return _code(v)

    @model_validator(mode="after")
    def _one(self) -> Complication:
        if bool(self.requires) == (self.per_year is not None):
            raise ValueError(f"complication {self.code}: give either `with` (derived) or `per_year` (intrinsic)")
        return self


class Codes(_Strict):
    prefixes: tuple[str, ...] = Field(description="ICD-10-CM prefixes that belong to this family (E11 -> E11.*).")
    default: str = Field(description="The code used when nothing more specific applies.")
    combinations: tuple[Combination, ...] = ()
    complications: tuple[Complication, ...] = ()

    @field_validator("prefixes", mode="before")
    @classmethod
    def _up(cls, v: object) -> object:
        return tuple(str(x).strip().upper() for x in ([v] if isinstance(v, str) else v))

    @field_validator("default")
    @classmethod
    def _c(cls, v: str) -> str:
        return _code(v)


class Stage(_Strict):
    """One stage; a member is in one stage at a time and progression replaces its code."""

    code: str
    name: str
    aliases: tuple[str, ...] = Field((), description="Other codes that mean this stage (N18.31, N18.32 -> 3).")
    to_next_per_year: float = Field(0.0, ge=0, le=1, description="Yearly chance of moving to the next stage.")
    hazard_ratio: float | None = Field(None, gt=0, description="Mortality hazard ratio in this stage.")

    @field_validator("code")
    @classmethod
    def _c(cls, v: str) -> str:
        return _code(v)

    @field_validator("aliases", mode="before")
    @classmethod
    def _a(cls, v: object) -> object:
        return tuple(_code(x) for x in (v or []))


class IncidenceBand(_Strict):
    min_age: float = Field(ge=0, le=125)
    max_age: float = Field(ge=0, le=125)
    per_year: float = Field(ge=0, le=1, description="New episodes per person-year in this age band.")


class Onset(_Strict):
    min_age: float = Field(0, ge=0, le=120)
    max_age: float = Field(120, ge=0, le=125)
    sex: Literal["F", "M"] | None = None
    years_since_onset: AnyDistribution | None = Field(
        None, description="Default duration of prevalent cases (profiles may override).")
    duration_days: tuple[int, int] | None = Field(
        None, description="For conditions that end (pregnancy): how long an episode lasts, in days.")
    incidence: tuple[IncidenceBand, ...] = Field(
        (), description="For conditions that end: new episodes per person-year by age, drawn by the member "
        "state over the window for every eligible member (chronic conditions come from the profile).")


class PrevalenceBand(_Strict):
    min_age: float = Field(ge=0, le=125)
    max_age: float = Field(ge=0, le=125)
    share: float = Field(ge=0, le=1)


class Mortality(_Strict):
    """How the condition raises the risk of death.

    Hazards combine additively in excess (HR 1 + sum of each condition's HR - 1), which is
    sub-multiplicative as multimorbidity is in life, and are normalised by the population mean
    (1 + sum of population_prevalence x (HR - 1)) so that a population like the one the SSA life
    table describes dies at the table's rate, healthier people below it and sicker people above.
    """

    hazard_ratio: float = Field(1.0, gt=0, description="All-cause mortality hazard ratio vs people without it.")
    population_prevalence: tuple[PrevalenceBand, ...] = Field(
        (), description="Share of the general U.S. population with the condition, by age band "
        "(the life table's population): used to normalise hazards.")
    cause: str | None = Field(None, description="ICD-10 underlying cause code when a death is attributed here.")

    @field_validator("cause")
    @classmethod
    def _c(cls, v: str | None) -> str | None:
        return None if v is None else _code(v)


class MeasureModel(_Strict):
    """How the family drives one measured value (LOINC observable key) while the member has it.

    `treated` is the member's long-run level on therapy (drawn once per member, may depend on
    attributes such as diabetes_control); `untreated_excess` is added from onset for members
    diagnosed inside the window, and the effects of the drugs they start (state therapy or a journey's
    events) bring it down; `by_stage` gives the range the value lies in
    for each stage (eGFR by CKD stage: each member keeps one position within the range, so the
    value drops when the stage changes); `shift` is added to the population default.
    """

    treated: AnyDistribution | None = None
    untreated_excess: AnyDistribution | None = None
    by_stage: dict[str, tuple[float, float]] | None = None
    shift: float | None = None
    drift_sd_per_year: float = Field(0.0, ge=0, description="Slow within-person wander (SD per year).")

    @field_validator("by_stage", mode="before")
    @classmethod
    def _stages(cls, v: object) -> object:
        return None if v is None else {_code(k): tuple(x) for k, x in dict(v).items()}


class MeasureTest(_Strict):
    """A test on the member's underlying value on a day: eGFR below 30."""

    measure: str
    below: float | None = None
    above: float | None = None

    @model_validator(mode="after")
    def _bound(self) -> MeasureTest:
        if self.below is None and self.above is None:
            raise ValueError("give `below` and/or `above`")
        return self


class Effect(_Strict):
    measure: str
    change: float
    ramp_days: int = Field(90, gt=0)
    noise_sd: float | None = Field(None, ge=0, description="Visit-to-visit SD while on the drug (INR on warfarin).")


class DrugChoice(_Strict):
    rxcui: str
    weight: float = Field(1.0, gt=0)


class TherapyClass(_Strict):
    """One rung of the therapy ladder: a drug class with its start shares and rules."""

    drug_class: str = Field(alias="class")
    drugs: tuple[DrugChoice, ...]
    prevalent_share: float = Field(0.0, ge=0, le=1, description="Share of members with the condition before "
                                   "the window who are on it when the window opens.")
    incident_share: float = Field(0.0, ge=0, le=1, description="Share started at diagnosis inside the window.")
    when: MeasureTest | None = Field(None, description="Started only where this holds (e.g. A1c above 8).")
    requires: tuple[Requirement, ...] = Field((), alias="with", description="Only for members who also have these.")
    contraindicated: tuple[MeasureTest, ...] = Field((), description="Never started while any holds.")
    stop: tuple[MeasureTest, ...] = Field((), description="Stopped on the first day any holds.")
    pregnancy_contraindicated: bool = False
    effects: tuple[Effect, ...] = ()
    days_supply_90_share: float = Field(0.45, ge=0, le=1, description="Share of members on the class who fill "
                                        "90-day supplies (0.45: ~20-25% of Part D claims are 90-day fills, "
                                        "from memory; was 0.6).")
    status_code: str | None = Field(None, description="Z79 long-term drug therapy code while on it.")
    source: str | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("requires", mode="before")
    @classmethod
    def _parse(cls, v: object) -> object:
        items = [v] if isinstance(v, str) else (v or [])
        return tuple(Requirement.parse(x) if isinstance(x, str) else x for x in items)


class Utilization(_Strict):
    """Care the condition adds per member-year (read by the year-of-care templates and benchmarks)."""

    specialist: str | None = None
    specialist_visits_per_year: float | None = Field(None, ge=0)
    office_visits_per_year: float | None = Field(None, ge=0)
    ed_rate_ratio: float | None = Field(None, gt=0, description="ED visits vs people of the same age without it.")
    admission_rate_ratio: float | None = Field(None, gt=0)
    office_rate_ratio: float | None = Field(None, gt=0, description="Primary-care problem visits vs people of the "
                                            "same age without it.")
    readmission_rate_ratio: float | None = Field(None, gt=0, description="30-day readmission risk after a stay vs "
                                                 "patients without it.")
    monitoring: dict[str, float] = Field(default_factory=dict, description="Lab panel -> tests per year.")


class ConditionFamily(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    chronic: bool = Field(True, description="False: the condition ends (pregnancy, an acute episode).")
    codes: Codes
    onset: Onset = Field(default_factory=Onset)
    stages: tuple[Stage, ...] = ()
    mortality: Mortality = Field(default_factory=Mortality)
    measures: dict[str, MeasureModel] = Field(default_factory=dict)
    therapy: tuple[TherapyClass, ...] = ()
    utilization: Utilization = Field(default_factory=Utilization)
    sources: tuple[str, ...] = Field(min_length=1)

    def stage_index(self, code: str) -> int | None:
        """Which stage a code means (by the stage's code, an alias, or a code that starts with it)."""
        code = code.upper()
        for i, s in enumerate(self.stages):
            if code == s.code or code in s.aliases:
                return i
        for i, s in enumerate(self.stages):
            if code.startswith(s.code):
                return i
        return None

    def owns(self, code: str) -> bool:
        code = code.upper()
        return any(code.startswith(p) for p in self.codes.prefixes)
