"""Coverage: who pays — coverage type, plan, benefit design, enrollment spans.

The benefit design fields (deductible, copays by service type, coinsurance,
out-of-pocket maximum) are what claim adjudication applies later; a spec may
leave them out and get the shipped default design for its coverage type.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from healthsim.spec.vocab import COVERAGE_ALIASES, COVERAGE_TYPES, canonical

CoverageType = Literal[
    "medicare", "medicare_advantage", "medicaid", "commercial", "exchange", "dual", "uninsured"
]

SERVICE_TYPES = (
    "pcp", "specialist", "telehealth", "urgent_care", "er", "inpatient", "outpatient_surgery",
    "lab", "imaging", "generic_rx", "preferred_brand_rx", "nonpreferred_brand_rx", "specialty_rx",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class BenefitDesign(_Strict):
    """A plan's cost sharing for one plan year, in US dollars."""

    deductible: float = Field(0.0, ge=0, description="Annual medical deductible per member.")
    oop_max: float | None = Field(
        None, ge=0, description="Annual out-of-pocket maximum; null = no cap (Original Medicare)."
    )
    coinsurance: float = Field(0.2, ge=0, le=1, description="Member share after the deductible.")
    copays: dict[str, float] = Field(
        default_factory=dict,
        description=f"Flat copay per claim by service type ({', '.join(SERVICE_TYPES)}); a listed "
                    "service costs the member its copay instead of deductible and coinsurance, an "
                    "unlisted one goes to the deductible, then coinsurance."
    )
    rx_deductible: float = Field(0.0, ge=0, description="Separate pharmacy deductible.")

    @field_validator("copays")
    @classmethod
    def _known_services(cls, v: dict[str, float]) -> dict[str, float]:
        bad = sorted(set(v) - set(SERVICE_TYPES))
        if bad:
            raise ValueError(f"unknown service type(s) {bad}; allowed: {', '.join(SERVICE_TYPES)}")
        if any(x < 0 for x in v.values()):
            raise ValueError("copays must be >= 0")
        return v

    @model_validator(mode="after")
    def _oop_covers_deductible(self) -> BenefitDesign:
        if self.oop_max is not None and self.oop_max < self.deductible:
            raise ValueError(f"oop_max ({self.oop_max}) must be >= deductible ({self.deductible})")
        return self


class EnrollmentSpec(_Strict):
    """How enrollment spans are laid out over the coverage period.

    Members are continuously enrolled with probability `continuous_share`;
    the rest split between a late start (new members), an early termination
    (disenrollment, death, move) and a gap (two spans), by the given shares.
    """

    start: date | None = Field(None, description="Period start; default Jan 1 of the as_of year.")
    end: date | None = Field(None, description="Period end; default the profile's as_of date.")
    continuous_share: float = Field(0.88, ge=0, le=1)
    late_start_share: float = Field(0.05, ge=0, le=1)
    early_term_share: float = Field(0.05, ge=0, le=1)
    gap_share: float = Field(0.02, ge=0, le=1)

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> EnrollmentSpec:
        total = self.continuous_share + self.late_start_share + self.early_term_share + self.gap_share
        if abs(total - 1) > 1e-6:
            raise ValueError(
                "continuous_share + late_start_share + early_term_share + gap_share "
                f"must sum to 1 (they sum to {total:.4f})"
            )
        if self.start and self.end and self.start >= self.end:
            raise ValueError(f"enrollment start {self.start} must be before end {self.end}")
        return self


class CoverageOption(_Strict):
    """One coverage type and plan, with the share of members who have it."""

    type: CoverageType = Field(description="One of: " + ", ".join(COVERAGE_TYPES))
    plan: str | None = Field(None, description="Plan name; default from the coverage type.")
    share: float = Field(1.0, gt=0, le=1, validation_alias=AliasChoices("share", "weight"))
    benefits: BenefitDesign | None = None
    min_age: float | None = Field(None, ge=0, le=125, description="Only members at least this old (at as_of) "
                                  "may have this option; the others' shares are spread over the options they may have.")
    max_age: float | None = Field(None, ge=0, le=125, description="Only members at most this old (at as_of).")

    @field_validator("type", mode="before")
    @classmethod
    def _alias_type(cls, v: object) -> object:
        if isinstance(v, str):
            return canonical(v, COVERAGE_TYPES, COVERAGE_ALIASES) or v
        return v


class CoverageSpec(_Strict):
    """Coverage for the profile: one option, or a mix whose shares sum to 1."""

    options: list[CoverageOption] = Field(min_length=1)
    enrollment: EnrollmentSpec = Field(default_factory=EnrollmentSpec)

    @model_validator(mode="before")
    @classmethod
    def _accept_single(cls, data: object) -> object:
        """`{type, plan}` (the seed's form) and a bare list are accepted too."""
        if isinstance(data, list):
            return {"options": data}
        if isinstance(data, dict) and "options" not in data and "type" in data:
            data = dict(data)
            enrollment = data.pop("enrollment", None)
            out: dict = {"options": [data]}
            if enrollment is not None:
                out["enrollment"] = enrollment
            return out
        return data

    @model_validator(mode="after")
    def _shares(self) -> CoverageSpec:
        total = sum(o.share for o in self.options)
        if abs(total - 1) > 1e-6:
            raise ValueError(f"coverage option shares must sum to 1 (they sum to {total:.4f})")
        return self


class ClaimsSettings(_Strict):
    """Which claims journeys' events trigger, and how often payers deny them.

    Encounters become professional/institutional claims (MemberSim) and
    medication orders become pharmacy fills (RxMemberSim) when journeys run;
    turn either off for a clinical-only cohort.
    """

    medical: bool = Field(True, description="Encounter -> 837P/837I-shaped claims with adjudication.")
    pharmacy: bool = Field(True, description="Medication order -> NCPDP-shaped pharmacy fills.")
    claim_denial_rate: float = Field(0.05, ge=0, le=1, description="Share of claims denied whole (CARC).")
    line_denial_rate: float = Field(0.02, ge=0, le=1, description="Share of other claims' lines denied.")
