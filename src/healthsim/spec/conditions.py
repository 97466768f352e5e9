"""Conditions in a profile: ICD-10-CM code, prevalence, comorbidity, onset.

Prevalence is either one probability or a table by age band and sex; `given`
makes it conditional on another condition listed earlier (P(B | A)), which is
how comorbidity clusters (hypertension given diabetes) are expressed.
Prevalence applies to the members for whom the code is clinically possible
(sex and age rules from the Medicare Code Editor, shipped as code_rules.csv),
unless the spec overrides the minimum onset age.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from healthsim.distributions import AnyDistribution


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PrevalenceBand(_Strict):
    """Prevalence for members in [age_min, age_max] (and of `sex`, if given)."""

    age_min: int = Field(0, ge=0, le=120)
    age_max: int = Field(120, ge=0, le=120)
    sex: str | None = Field(None, pattern="^[FM]$")
    prevalence: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> PrevalenceBand:
        if self.age_min > self.age_max:
            raise ValueError(f"age_min ({self.age_min}) must be <= age_max ({self.age_max})")
        return self


class PrevalenceTable(_Strict):
    """First matching band wins; members matching no band get `default`."""

    bands: list[PrevalenceBand] = Field(min_length=1)
    default: float = Field(0.0, ge=0, le=1)


class Comorbidity(_Strict):
    """P(this condition | member has `code`). `code` must be listed earlier."""

    code: str
    prevalence: float = Field(ge=0, le=1)

    @field_validator("code")
    @classmethod
    def _valid_code(cls, v: str) -> str:
        return validate_icd10(v)


class ConditionSpec(_Strict):
    """One condition of the profile."""

    code: str = Field(description="ICD-10-CM code, e.g. E11.9 (with or without the dot).")
    name: str | None = Field(None, description="Optional label; the code's description by default.")
    prevalence: float | PrevalenceTable = Field(
        description="Probability a member has it (0-1), or a table by age band and sex."
    )
    given: list[Comorbidity] = Field(
        default_factory=list,
        description="Conditional prevalence for members who have an earlier-listed condition; "
        "the highest applicable value is used.",
    )
    onset_min_age: int | None = Field(
        None, ge=0, le=120, description="Override the clinical minimum age at onset."
    )
    years_since_onset: AnyDistribution | None = Field(
        None, description="Years between onset and as_of (capped so onset is after the minimum age)."
    )
    source: str | None = Field(None, description="Citation for the prevalence figure.")

    @field_validator("code")
    @classmethod
    def _valid_code(cls, v: str) -> str:
        return validate_icd10(v)

    @field_validator("prevalence")
    @classmethod
    def _bounded(cls, v: float | PrevalenceTable) -> float | PrevalenceTable:
        if isinstance(v, float | int) and not 0 <= v <= 1:
            raise ValueError(f"prevalence must be between 0 and 1 (got {v})")
        return v


def validate_icd10(code: str) -> str:
    """Canonical ICD-10-CM code (with dot), or a ValueError with near-miss suggestions."""
    from healthsim.reference import icd10

    info = icd10.lookup(code)
    if info is None:
        near = icd10.suggest(code, limit=3)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise ValueError(f"unknown ICD-10-CM code {code!r}{hint}")
    return info.code
