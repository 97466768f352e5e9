"""Journey events: what happens at a point of a journey, as a tagged union on `type`.

An `encounter` is the workhorse: a visit in a setting (office, telehealth,
urgent_care, emergency, inpatient, observation, outpatient_surgery,
ambulatory_surgery, home, lab, therapy, dialysis) that carries what happens at
it — diagnoses (ICD-10-CM), procedures (CPT/HCPCS/ICD-10-PCS), lab orders
(panels from the shipped LOINC subset), vitals, medication orders (RxNorm) and
referrals. The other types are a lab-only visit (`lab`), a stand-alone
medication order or renewal (`medication`), a `referral`, a branching point
(`decision`), a non-clinical `member_event` (welcome outreach, health risk
assessment, PCP selection...), an `enrollment_change` and `death`.

Codes are checked against the shipped code sets when the journey is compiled,
so a typo fails before any row is made.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from healthsim.distributions import AnyDistribution
from healthsim.spec.journey_timing import Timing, When, parse_days

SETTINGS = ("office", "telehealth", "urgent_care", "emergency", "inpatient", "observation",
            "outpatient_surgery", "ambulatory_surgery", "home", "lab", "therapy", "dialysis", "snf", "home_health",
            "hospice", "dme")
SPECIALTIES = (
    "primary_care", "internal_medicine", "family_medicine", "endocrinology", "cardiology", "nephrology",
    "orthopedic_surgery", "general_surgery", "obstetrics_gynecology", "emergency_medicine", "hospitalist",
    "physical_therapy", "diabetes_education", "nutrition", "care_management", "laboratory", "radiology",
    "anesthesiology", "urgent_care", "ophthalmology", "psychiatry", "pulmonology", "hematology_oncology",
    "gastroenterology", "neurology", "dermatology", "urology",
)
VITAL_PRESETS = {
    "standard": ("systolic", "diastolic", "heart_rate", "height", "weight", "bmi"),
    "full": ("systolic", "diastolic", "heart_rate", "resp_rate", "temperature", "spo2", "height", "weight", "bmi"),
}
MEMBER_EVENT_KINDS = ("welcome_outreach", "health_risk_assessment", "pcp_selection", "care_management",
                      "member_portal_registration", "id_card_mailed", "outreach_call")
ADMISSION_TYPES = ("emergency", "urgent", "elective", "newborn", "labor")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _Optional(_Strict):
    """Something that happens only sometimes: with `probability`, for members matching `when`."""

    probability: float = Field(1.0, ge=0, le=1)
    when: When | None = None


class DiagnosisItem(_Optional):
    """A diagnosis code, the member's own condition matching a prefix, or a gestational-week code."""

    code: str | None = Field(None, description="ICD-10-CM code.")
    condition: str | None = Field(
        None, description="Use the member's own condition with this prefix (e.g. E11 -> E11.9); "
        "members without one get `code`, or no row if `code` is not given.")
    gestational_weeks: int | None = Field(
        None, description="Z3A.NN weeks-of-gestation code, counting weeks from this many days "
        "before the journey start (e.g. 63 when the journey starts at 9 weeks).")
    record: bool = Field(False, description="Also add it to the conditions table (onset = this date).")

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, v: object) -> object:
        return {"code": v} if isinstance(v, str) else v

    @model_validator(mode="after")
    def _one(self) -> DiagnosisItem:
        if self.code is None and self.condition is None and self.gestational_weeks is None:
            raise ValueError("give code, condition or gestational_weeks")
        return self


def _code_text(v: object) -> object:
    """YAML reads 99213 as a number; codes are text (5-digit CPT keeps its leading zeros)."""
    return str(v).zfill(5) if isinstance(v, int) and not isinstance(v, bool) else v


class ProcedureItem(_Optional):
    """A CPT, HCPCS or ICD-10-PCS code performed at the encounter."""

    code: str
    units: int = Field(1, ge=1)
    modifier: str | None = Field(None, max_length=2)

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, v: object) -> object:
        v = _code_text(v)
        if isinstance(v, dict) and "code" in v:
            v = {**v, "code": _code_text(v["code"])}
        return {"code": v} if isinstance(v, str) else v


class LabItem(_Optional):
    """A lab order: a panel key from the shipped lab panels (a1c, bmp, lipid, cbc...)."""

    panel: str

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, v: object) -> object:
        return {"panel": v} if isinstance(v, str) else v


class MedicationItem(_Optional):
    """A medication order (RxNorm). Dose, frequency and quantity default from the drug."""

    id: str | None = Field(None, description="Name other events and measure effects can refer to.")
    drug: str = Field(description="RxNorm RXCUI from the shipped subset, e.g. 861007 (metformin 500 mg).")
    dose: float | None = Field(None, gt=0, description="Dose per administration (default: the drug's).")
    frequency: str | None = Field(None, description="e.g. QD, BID, TID, Q6H PRN (default: the drug's).")
    days_supply: int | AnyDistribution = Field(30, description="Days per fill (e.g. 30 or 90).")
    refills: int | AnyDistribution = Field(0, description="Refills authorised.")

    @field_validator("drug", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        return str(v) if isinstance(v, int) else v


class ReferralItem(_Optional):
    """A referral to another specialty from this encounter."""

    to: str = Field(description="Specialty referred to.")
    reason: str | None = Field(None, description="ICD-10-CM code or a condition prefix of the member.")


class Disposition(_Strict):
    """Where an inpatient or ED patient goes (UB-04 patient status codes)."""

    weights: dict[str, float] = Field(description="Status code -> share, e.g. {'01': 0.8, '06': 0.15, '03': 0.05}.")


class _Event(_Optional):
    id: str | None = Field(None, description="Unique within the journey; other events may refer to it.")
    timing: Timing = Field(default_factory=Timing)
    name: str | None = Field(None, description="A label for people (defaults to the id).")


class EncounterEvent(_Event):
    """A visit, with what happens at it."""

    type: Literal["encounter"] = "encounter"
    setting: str = Field("office", description="One of: " + ", ".join(SETTINGS))
    specialty: str | None = Field(None, description="Default: the setting's (primary_care for office).")
    new_patient: bool = False
    em: str | AnyDistribution | None = Field(
        None, description="CPT/HCPCS E/M code, or a categorical over codes; default: the setting's mix; "
        "'none' for no E/M (surgery, therapy, lab).")
    reason: str | None = Field(None, description="Chief reason (ICD-10-CM code or condition prefix); "
                                                 "default: the first diagnosis.")
    diagnoses: list[DiagnosisItem] = Field(default_factory=list)
    procedures: list[ProcedureItem] = Field(default_factory=list)
    labs: list[LabItem] = Field(default_factory=list)
    daily_labs: list[LabItem] = Field(default_factory=list, description="Inpatient: drawn every morning of the stay.")
    vitals: list[str] | None = Field(None, description="Observation keys, or a preset: standard, full.")
    medications: list[MedicationItem] = Field(default_factory=list)
    discharge_medications: list[MedicationItem] = Field(default_factory=list,
                                                        description="Inpatient: ordered on the discharge day.")
    referrals: list[ReferralItem] = Field(default_factory=list)
    length_of_stay: AnyDistribution | None = Field(
        None, description="Inpatient/observation nights (>= 0; default 3 for inpatient, 1 for observation); "
        "days of a snf, home_health or hospice encounter (a stay, a period, a month), cut at death.")
    admitted_from: str | None = Field(None, description="Id of the ED encounter this admission follows.")
    admission_type: str | None = Field(None, description="One of: " + ", ".join(ADMISSION_TYPES))
    disposition: Disposition | None = None

    @field_validator("em", mode="before")
    @classmethod
    def _em_text(cls, v: object) -> object:
        return _code_text(v)

    @field_validator("vitals", mode="before")
    @classmethod
    def _preset(cls, v: object) -> object:
        if isinstance(v, str):
            if v not in VITAL_PRESETS:
                raise ValueError(f"unknown vitals preset {v!r}; allowed: {', '.join(VITAL_PRESETS)}")
            return list(VITAL_PRESETS[v])
        return v

    @field_validator("setting")
    @classmethod
    def _setting(cls, v: str) -> str:
        if v not in SETTINGS:
            raise ValueError(f"unknown setting {v!r}; allowed: {', '.join(SETTINGS)}")
        return v

    @field_validator("specialty")
    @classmethod
    def _specialty(cls, v: str | None) -> str | None:
        if v is not None and v not in SPECIALTIES:
            raise ValueError(f"unknown specialty {v!r}; allowed: {', '.join(SPECIALTIES)}")
        return v

    @field_validator("admission_type")
    @classmethod
    def _admission(cls, v: str | None) -> str | None:
        if v is not None and v not in ADMISSION_TYPES:
            raise ValueError(f"unknown admission_type {v!r}; allowed: {', '.join(ADMISSION_TYPES)}")
        return v


class LabEvent(_Event):
    """A lab-only visit (independent lab or draw station): orders and results, no E/M."""

    type: Literal["lab"] = "lab"
    labs: list[LabItem] = Field(min_length=1)
    diagnoses: list[DiagnosisItem] = Field(default_factory=list, description="Order diagnoses.")


class MedicationEvent(_Event):
    """A stand-alone medication order (renewal by phone or portal): no encounter."""

    type: Literal["medication"] = "medication"
    order: MedicationItem


class ReferralEvent(_Event):
    type: Literal["referral"] = "referral"
    referral: ReferralItem
    from_specialty: str = "primary_care"


class Branch(_Strict):
    name: str = Field(min_length=1)
    probability: float = Field(ge=0, le=1)
    events: list[AnyEvent] = Field(default_factory=list)


class Rule(_Strict):
    """Branch probabilities for members matching `when` (first matching rule wins)."""

    when: When
    probabilities: dict[str, float]


class DecisionEvent(_Event):
    """A branching point: each occurrence takes one branch, by probability (possibly set by a rule)."""

    type: Literal["decision"] = "decision"
    branches: list[Branch] = Field(min_length=2)
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("branches")
    @classmethod
    def _branch_probabilities(cls, branches: list[Branch]) -> list[Branch]:
        names = [b.name for b in branches]
        if len(set(names)) != len(names):
            raise ValueError(f"branch names must be unique (got {names})")
        _sum_to_one({b.name: b.probability for b in branches}, "branch probabilities")
        return branches

    @field_validator("rules")
    @classmethod
    def _rule_probabilities(cls, rules: list[Rule], info: ValidationInfo) -> list[Rule]:
        names = [b.name for b in info.data.get("branches") or []]
        for i, rule in enumerate(rules):
            unknown = sorted(set(rule.probabilities) - set(names))
            if unknown:
                raise ValueError(f"rules[{i}] names unknown branch(es) {unknown}; branches: {names}")
            _sum_to_one(rule.probabilities, f"rules[{i}].probabilities")
        return rules


def _sum_to_one(probabilities: dict[str, float], what: str) -> None:
    total = sum(probabilities.values())
    if any(p < 0 for p in probabilities.values()) or abs(total - 1) > 1e-6:
        raise ValueError(f"{what} must be >= 0 and sum to 1 (they sum to {total:.4f})")


class MemberEvent(_Event):
    """A non-clinical plan event: outreach, health risk assessment, PCP selection..."""

    type: Literal["member_event"] = "member_event"
    kind: str = Field(description="One of: " + ", ".join(MEMBER_EVENT_KINDS))
    outcome: AnyDistribution | None = Field(None, description="Categorical over outcome labels.")

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in MEMBER_EVENT_KINDS:
            raise ValueError(f"unknown member_event kind {v!r}; allowed: {', '.join(MEMBER_EVENT_KINDS)}")
        return v


class EnrollmentChangeEvent(_Event):
    """`add` records the enrollment start; `term` ends coverage at the end of that month."""

    type: Literal["enrollment_change"] = "enrollment_change"
    change: Literal["add", "term"]
    reason: str | None = None


class DeathEvent(_Event):
    """Death: no event of any journey happens after it; coverage ends that month."""

    type: Literal["death"] = "death"
    cause: str | None = Field(None, description="ICD-10-CM underlying cause.")


EVENT_TYPES = ("encounter", "lab", "medication", "referral", "decision", "member_event",
               "enrollment_change", "death")

AnyEvent = Annotated[
    Union[EncounterEvent, LabEvent, MedicationEvent, ReferralEvent, DecisionEvent,  # noqa: UP007
          MemberEvent, EnrollmentChangeEvent, DeathEvent],
    Field(discriminator="type"),
]
Branch.model_rebuild()
__all__ = ["EVENT_TYPES", "AnyEvent", "parse_days"]
