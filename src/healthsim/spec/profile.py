"""The profile spec: who is in the population.

A superset of the seed README's example (`profile_name`, `count`,
`demographics.age`, `demographics.gender`, `conditions[{code, prevalence}]`,
`coverage{type, plan}`): race/ethnicity, geography, conditional prevalence,
comorbidity, coverage mixes with benefit designs and enrollment spans, extra
member attributes, and the `seed`/`as_of` that make a run reproducible.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from healthsim.distributions import AnyDistribution, parse_distribution
from healthsim.spec.conditions import ConditionSpec
from healthsim.spec.coverage import ClaimsSettings, CoverageSpec
from healthsim.spec.journey import JourneyAttachment
from healthsim.spec.population import HouseholdSpec, PlaceRef, SdohSpec
from healthsim.spec.vocab import (
    ETHNICITIES,
    ETHNICITY_ALIASES,
    RACE_ALIASES,
    RACES,
    SEX_ALIASES,
    SEXES,
    canonical,
)

DEFAULT_AS_OF = date(2025, 12, 31)
"""A fixed default so a spec without `as_of` gives the same cohort on any day."""
MAX_COUNT = 50_000_000

# US resident population, 2020 Census (P1/P2 tables): race alone shares and Hispanic share.
US_RACE_2020 = {
    "white": 0.616, "black": 0.124, "american_indian_or_alaska_native": 0.011,
    "asian": 0.060, "native_hawaiian_or_pacific_islander": 0.002, "other": 0.084,
    "two_or_more": 0.103,
}
US_HISPANIC_2020 = 0.187


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _relabel(dist: object, allowed, aliases: dict[str, str], what: str) -> object:
    """Rewrite categorical weight labels to canonical ones ("female" -> "F")."""
    if not isinstance(dist, dict):
        return dist
    weights = dist.get("weights")
    if dist.get("distribution") == "categorical" and isinstance(weights, dict):
        out = {}
        for label, w in weights.items():
            key = canonical(label, allowed, aliases)
            if key is None:
                raise ValueError(f"unknown {what} {label!r}; allowed: {', '.join(allowed)}")
            both_numbers = isinstance(w, int | float) and isinstance(out.get(key), int | float)
            out[key] = out[key] + w if both_numbers else w  # "female" and "F" add up
        return {**dist, "weights": out}
    return dist


def _categorical(weights: dict[str, float]) -> dict:
    return {"distribution": "categorical", "weights": weights}


class Demographics(_Strict):
    """Age in years at `as_of`, sex, race and ethnicity (OMB categories).

    `source` says where the marginals the spec leaves out come from:
    - hybrid (default) and populationsim: from the place members live in (or `reference`),
      county by county: published ACS shares raked onto the national sex x age x race x
      Hispanic table (docs/populationsim.md); any marginal the spec gives wins. populationsim
      also takes chronic-condition prevalence from CDC PLACES when the spec lists none.
    - explicit: only the spec (race and ethnicity default to the U.S. 2020 Census mix, sex
      to 51% F; age is required).
    """

    source: Literal["explicit", "populationsim", "hybrid"] = Field(
        "hybrid", description="explicit | populationsim | hybrid (see the model description).")
    reference: PlaceRef | None = Field(
        None, description="The place whose population to match: 'Harris County, TX', 'TX', 'Boston, MA', "
                          "'Houston metro', or {type: county, fips: '48201'}. Sets the geography when the "
                          "profile gives none.")
    age: AnyDistribution | None = Field(
        None, description="Age in years at as_of; draws are clipped to 0-110. Omitted: from the place.")
    gender: AnyDistribution | None = Field(
        None,
        validation_alias=AliasChoices("gender", "sex"),
        description="Categorical over F/M. Omitted: from the place (explicit: 51% F).",
    )
    race: AnyDistribution | None = Field(
        None,
        description="Categorical over " + ", ".join(RACES) + ". Omitted: from the place "
                    "(explicit: U.S. 2020 Census).",
    )
    ethnicity: AnyDistribution | None = Field(
        None,
        description="Categorical over hispanic / not_hispanic. Omitted: from the place "
                    "(explicit: U.S. 2020 Census).",
    )
    local_prevalence: bool = Field(
        True, description="Adjust condition prevalence by each member's county CDC PLACES figure "
                          "(odds ratio to the national level; not under source: explicit).")

    @model_validator(mode="after")
    def _explicit_defaults(self) -> Demographics:
        if self.source != "explicit":
            return self
        if self.age is None:
            raise ValueError("age is required when demographics.source is explicit "
                             "(or use source: hybrid to take ages from the place)")
        defaults = {
            "gender": _categorical({"F": 0.51, "M": 0.49}),
            "race": _categorical(dict(US_RACE_2020)),
            "ethnicity": _categorical({"hispanic": US_HISPANIC_2020, "not_hispanic": 1 - US_HISPANIC_2020}),
        }
        for key, value in defaults.items():
            if getattr(self, key) is None:
                object.__setattr__(self, key, parse_distribution(value))
        return self

    def from_place(self) -> tuple[str, ...]:
        """The marginals the place supplies (none under source: explicit)."""
        if self.source == "explicit":
            return ()
        return tuple(k for k in ("age", "gender", "race", "ethnicity") if getattr(self, k) is None)

    @model_validator(mode="before")
    @classmethod
    def _canonical_labels(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, allowed, aliases, what in (
            ("gender", SEXES, SEX_ALIASES, "sex"),
            ("sex", SEXES, SEX_ALIASES, "sex"),
            ("race", tuple(RACES), RACE_ALIASES, "race"),
            ("ethnicity", tuple(ETHNICITIES), ETHNICITY_ALIASES, "ethnicity"),
        ):
            if key in data:
                data[key] = _relabel(data[key], allowed, aliases, what)
        return data

    @model_validator(mode="after")
    def _check_support(self) -> Demographics:
        if self.age is None:
            return self
        if self.age.kind != "numeric":
            raise ValueError("age must be a numeric distribution (years)")
        lo, hi = self.age.support()
        mean = self.age.mean()
        if hi <= 0 or lo >= 110 or (mean is not None and not 0 <= mean <= 110):
            raise ValueError(
                f"age must lie within 0-110 years (range {lo}..{hi}, mean {mean}); "
                "draws outside 0-110 are clipped, so bound it with min/max where that matters"
            )
        return self


class Geography(_Strict):
    """Where members live. Empty = the whole US, weighted by population."""

    states: list[str] | dict[str, float] | None = Field(
        None, description="USPS codes or names; a dict gives weights (sum 1)."
    )
    counties: list[str] | None = Field(None, description="5-digit county FIPS codes.")
    zips: list[str] | None = Field(None, description="5-digit ZIPs or 3-digit ZIP prefixes.")
    urban_share: float | None = Field(
        None, ge=0, le=1, description="Share of members in urban ZIPs; null = as the population."
    )

    @field_validator("states", mode="before")
    @classmethod
    def _state_codes(cls, v: object) -> object:
        from healthsim.reference.geography import state_abbr

        if isinstance(v, str):
            v = [v]
        if isinstance(v, list):
            return [state_abbr(s) for s in v]
        if isinstance(v, dict):
            out = {state_abbr(k): float(w) for k, w in v.items()}
            if abs(sum(out.values()) - 1) > 1e-6:
                raise ValueError(f"state weights must sum to 1 (they sum to {sum(out.values()):.4f})")
            return out
        return v

    @field_validator("counties")
    @classmethod
    def _fips(cls, v: list[str] | None) -> list[str] | None:
        for c in v or []:
            if not (len(c) == 5 and c.isdigit()):
                raise ValueError(f"county {c!r} is not a 5-digit FIPS code (e.g. 06037)")
        return v

    @field_validator("zips")
    @classmethod
    def _zips(cls, v: list[str] | None) -> list[str] | None:
        for z in v or []:
            if not (len(z) in (3, 5) and z.isdigit()):
                raise ValueError(f"zip {z!r} must be 5 digits or a 3-digit prefix")
        return v


class Window(_Strict):
    """The span of time the cohort covers, ending at `as_of` unless `end` is given.

    `years: 3` covers the three years up to as_of; `start`/`end` give dates. Enrollment, the year of
    care (repeated every year), lifecycle journeys, condition progression and deaths span it, and
    members age within it. Without a window the cohort covers the calendar year of as_of (or the
    coverage's `enrollment.start`/`end`).
    """

    years: float | None = Field(None, gt=0, le=10, description="Length in years, ending at as_of.")
    start: date | None = Field(None, description="First day (instead of `years`).")
    end: date | None = Field(None, description="Last day (default: as_of).")

    @model_validator(mode="after")
    def _one(self) -> Window:
        if (self.years is None) == (self.start is None):
            raise ValueError("give `years` or `start` (e.g. window: {years: 3})")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(f"window start {self.start} is after its end {self.end}")
        return self


class ProfileSpec(_Strict):
    """Who is in the population. Loads from JSON or YAML; see `healthsim schema profile`."""

    profile_name: str = Field(min_length=1, validation_alias=AliasChoices("profile_name", "name"))
    description: str | None = None
    count: int = Field(ge=1, le=MAX_COUNT, description="Number of members.")
    seed: int = Field(42, ge=0, lt=2**63, description="Random seed: same spec + seed = same bytes.")
    as_of: date = Field(DEFAULT_AS_OF, description="The cohort's 'today': ages and dates are relative to it.")
    window: Window | None = Field(None, description="The span the cohort covers, e.g. {years: 3} "
                                  "(default: the calendar year of as_of).")
    demographics: Demographics = Field(
        default_factory=Demographics,
        description="Who the members are; omitted: the place's population (see Demographics).")
    geography: Geography = Field(default_factory=Geography)
    conditions: list[ConditionSpec] = Field(default_factory=list)
    coverage: CoverageSpec
    attributes: dict[str, AnyDistribution] = Field(
        default_factory=dict,
        description="Extra member attributes (e.g. diabetes_control), may be conditional on sex.",
    )
    journeys: list[JourneyAttachment] = Field(
        default_factory=list,
        description="Journeys members go through: [{template: diabetic-first-year, when: {condition: E11}}].",
    )
    claims: ClaimsSettings = Field(
        default_factory=ClaimsSettings,
        description="Claims triggered by journey events (medical, pharmacy) and denial rates.",
    )
    sdoh: SdohSpec = Field(default_factory=SdohSpec,
                           description="Social determinants to select by: income band, county SVI, rurality.")
    households: HouseholdSpec = Field(
        default_factory=HouseholdSpec,
        description="Households: auto (families where the payer enrolls them), off, or {size: 4}.")
    sources: list[str] = Field(default_factory=list, description="Citations for the figures used.")

    @model_validator(mode="after")
    def _window_inside(self) -> ProfileSpec:
        w = self.window
        if w is not None and ((w.end or self.as_of) > self.as_of or (w.start is not None and w.start > self.as_of)):
            raise ValueError(f"window must end on or before as_of ({self.as_of})")
        return self

    @model_validator(mode="after")
    def _reference_place(self) -> ProfileSpec:
        ref = self.demographics.reference
        if ref is None:
            return self
        place = ref.resolve()
        if not self.geography.model_dump(exclude_none=True, exclude={"urban_share"}):
            geo = Geography.model_validate({**place.geography(), "urban_share": self.geography.urban_share})
            object.__setattr__(self, "geography", geo)
        return self

    @model_validator(mode="after")
    def _conditions_consistent(self) -> ProfileSpec:
        seen: list[str] = []
        for cond in self.conditions:
            if cond.code in seen:
                raise ValueError(f"condition {cond.code} is listed twice")
            for g in cond.given:
                if g.code not in seen:
                    raise ValueError(
                        f"condition {cond.code}: `given` code {g.code} must be listed earlier in conditions"
                    )
            seen.append(cond.code)
        for name, dist in self.attributes.items():
            missing = dist.requires() - {"sex", "age", "race", "ethnicity"}
            if missing:
                raise ValueError(f"attribute {name!r} depends on unknown column(s) {sorted(missing)}")
        return self
