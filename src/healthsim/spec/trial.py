"""The trial protocol spec (`healthsim schema trial`): what TrialSim runs.

A protocol names who may take part (criteria read from each member's state: age, sex,
conditions at screening, the latest lab values), where (sites: network facilities), how
subjects are allocated (arms with a ratio, permuted blocks within strata), what happens
when (visits with target days and windows, or treatment cycles), and the models behind the
outcomes (adverse events per arm with CTCAE grades, an efficacy endpoint with a configured
treatment effect, discontinuation by reason). The recruitment population is an ordinary
profile: the candidates are generated, their member state is built, and they are screened.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


LAB_TESTS = {  # criterion / finding name -> (LOINC, CDISC LBTESTCD, test name, unit)
    "hba1c": ("4548-4", "HBA1C", "Hemoglobin A1C", "%"),
    "egfr": ("98979-8", "EGFR", "Glomerular Filtration Rate, Estimated", "mL/min/1.73m2"),
    "glucose": ("2345-7", "GLUC", "Glucose", "mg/dL"),
    "creatinine": ("2160-0", "CREAT", "Creatinine", "mg/dL"),
    "alt": ("1742-6", "ALT", "Alanine Aminotransferase", "U/L"),
    "hemoglobin": ("718-7", "HGB", "Hemoglobin", "g/dL"),
    "neutrophils": ("751-8", "NEUT", "Neutrophils", "10^9/L"),
    "platelets": ("777-3", "PLAT", "Platelets", "10^9/L"),
}


class LabCriterion(_Strict):
    test: Literal[tuple(LAB_TESTS)] = Field(description="Lab: " + ", ".join(LAB_TESTS) + ".")
    min: float | None = Field(None, description="Lowest qualifying value (inclusive).")
    max: float | None = Field(None, description="Highest qualifying value (inclusive).")
    missing: Literal["fail", "pass"] = Field(
        "fail", description="A member with no such result in the lookback: fails, or passes (tested at screening).")


class Criteria(_Strict):
    """Inclusion and exclusion, checked on the member state at the screening date."""

    min_age: int = Field(18, ge=0, le=120)
    max_age: int = Field(120, ge=0, le=120)
    sex: Literal["any", "F", "M"] = "any"
    require_any: list[str] = Field(default_factory=list,
                                   description="ICD-10-CM codes or prefixes; the member needs one (e.g. E11).")
    exclude_any: list[str] = Field(default_factory=list,
                                   description="ICD-10-CM codes or prefixes that exclude (e.g. N18.5, E10).")
    labs: list[LabCriterion] = Field(default_factory=list)
    lab_lookback_days: int = Field(365, ge=1, le=3650)
    residual_screen_failure: float = Field(
        0.15, ge=0, lt=1, description="Share of qualifying members still not randomised (consent withdrawn, "
                                      "criteria not in the member state such as ECG or pregnancy test).")


class Treatment(_Strict):
    name: str = Field(min_length=1, max_length=100)
    dose: float | None = Field(None, ge=0)
    unit: str = "mg"
    route: Literal["ORAL", "SUBCUTANEOUS", "INTRAVENOUS", "INTRAMUSCULAR", "TRANSDERMAL"] = "ORAL"
    frequency: Literal["QD", "BID", "TID", "QW", "Q2W", "Q3W", "Q4W", "ONCE"] = "QD"


class Arm(_Strict):
    armcd: str = Field(min_length=1, max_length=20, pattern=r"^[A-Z0-9_]+$")
    name: str = Field(min_length=1, max_length=200)
    ratio: int = Field(1, ge=1, le=10)
    treatment: Treatment
    placebo: bool = False


class Randomisation(_Strict):
    block_size: int | None = Field(None, ge=2, le=24, description="Permuted block size (a multiple of the "
                                                                  "ratio sum; default twice the sum).")
    strata: list[Literal["sex", "age_65", "hba1c_8_5", "region"]] = Field(
        default_factory=list, description="Stratification factors.")


class Visit(_Strict):
    visit: str = Field(min_length=1, max_length=40)
    day: int = Field(description="Target study day (day 1 = first dose; screening negative).")
    window: tuple[int, int] = Field((0, 0), description="Allowed days before/after the target, e.g. [-3, 3].")
    assessments: list[str] = Field(default_factory=lambda: ["vitals"],
                                   description="vitals, ecg, tumour (RECIST scan), eq5d (EQ-5D-5L) and lab names ("
                                   + ", ".join(LAB_TESTS) + ").")

    @model_validator(mode="after")
    def _window(self) -> Visit:
        if self.window[0] > 0 or self.window[1] < 0:
            raise ValueError(f"visit {self.visit}: window {list(self.window)} must contain 0 (e.g. [-3, 3])")
        unknown = [a for a in self.assessments if a not in ("vitals", "ecg", "tumour", "eq5d", *LAB_TESTS)]
        if unknown:
            raise ValueError(f"visit {self.visit}: unknown assessments {unknown}; allowed: vitals, ecg, tumour, eq5d, "
                             + ", ".join(LAB_TESTS))
        return self


class Cycles(_Strict):
    """Treatment in cycles (oncology): a visit on day 1 of each cycle, delays and reductions."""

    length_days: int = Field(21, ge=7, le=56)
    count: int = Field(6, ge=1, le=40)
    delay_rate: float = Field(0.15, ge=0, le=1, description="Share of cycles delayed (by 7 days).")
    reduction_rate: float = Field(0.08, ge=0, le=1, description="Share of cycles with a dose reduction.")
    assessments: list[str] = Field(default_factory=lambda: ["vitals", "hemoglobin", "neutrophils", "platelets"],
                                   description="As for visits; a tumour scan every other cycle from cycle 3.")


class AdverseEvent(_Strict):
    term: str = Field(min_length=1, max_length=200)
    soc: str = Field(min_length=1, max_length=200, description="MedDRA system organ class.")
    incidence: dict[str, float] = Field(description="Share of subjects per arm code with the event.")
    grades: dict[int, float] = Field(default_factory=lambda: {1: 0.6, 2: 0.3, 3: 0.1},
                                     description="CTCAE grade distribution (1-4).")
    serious: float = Field(0.05, ge=0, le=1, description="Share of events that are serious.")
    related: dict[str, float] = Field(default_factory=dict, description="Share related to study drug per arm.")
    onset_days: tuple[int, int] = Field((1, 84), description="Onset range in study days after first dose.")
    duration_days: tuple[int, int] = Field((3, 21))

    @model_validator(mode="after")
    def _check(self) -> AdverseEvent:
        bad = {k: v for k, v in self.incidence.items() if not 0 <= v <= 1}
        if bad:
            raise ValueError(f"adverse event {self.term}: incidence must be 0-1, got {bad}")
        if not self.grades or any(g not in (1, 2, 3, 4) for g in self.grades) or abs(sum(self.grades.values()) - 1) > 1e-6:
            raise ValueError(f"adverse event {self.term}: grades must be shares of 1-4 summing to 1")
        return self


class Endpoint(_Strict):
    """The primary endpoint and the treatment effect the data must carry."""

    kind: Literal["lab_change", "time_to_event"]
    test: str = Field("hba1c", description="lab_change: the lab (from the lab list).")
    visit: str | None = Field(None, description="lab_change: the visit it is measured at (default: the last).")
    effect: dict[str, float] = Field(description="lab_change: mean change from baseline per arm; time_to_event: "
                                                 "hazard ratio per arm (the control arm 1.0).")
    sd: float = Field(0.9, gt=0, description="lab_change: SD of the change.")
    regression_to_mean: float = Field(0.3, ge=0, le=1, description="lab_change: share of (baseline - target) "
                                                                   "lost by week 26 in every arm.")
    control_median_days: int = Field(150, ge=7, description="time_to_event: median time to event in the "
                                                            "control arm.")
    event: str = Field("PROGRESSIVE DISEASE", description="time_to_event: what the event is.")
    response_rate: dict[str, float] = Field(default_factory=dict, description=(
        "With tumour scans: share of each arm with a partial response (RECIST 1.1, sum of diameters "
        "down >= 30%); arms not named 0.3."))


class Discontinuation(_Strict):
    """Shares of randomised subjects who stop early, by reason (CDISC NCOMPLT), over the study."""

    adverse_event: float = Field(0.04, ge=0, le=1)
    withdrawal_by_subject: float = Field(0.05, ge=0, le=1)
    lost_to_follow_up: float = Field(0.03, ge=0, le=1)
    lack_of_efficacy: float = Field(0.02, ge=0, le=1)
    missed_visit_rate: float = Field(0.04, ge=0, le=1, description="Share of visits missed.")
    out_of_window_rate: float = Field(0.05, ge=0, le=1, description="Share of visits outside their window.")


class Recruitment(_Strict):
    profile: dict = Field(description="The candidate population: a profile spec (or {template: name, ...} "
                                      "overrides) that is generated and screened.")
    candidates_per_subject: float = Field(2.0, ge=1, le=20, description="Candidates generated per subject "
                                                                        "wanted.")
    sites: int = Field(12, ge=1, le=500, description="Number of sites (hospitals of the network).")
    enrollment_months: int = Field(12, ge=1, le=60, description="Months over which subjects consent.")
    site_rate: float | None = Field(None, gt=0, le=1000, description=(
        "Candidates screened per site per month, on average over sites. Each site draws its own rate "
        "from a gamma distribution with this mean and site_rate_cv (the Poisson-gamma recruitment model, "
        "Anisimov & Fedorov 2007) and screens its candidates as a Poisson process from its activation; "
        "candidates not reached when the enrollment period closes are never approached. Stated for the "
        "protocol's planned subjects: asking for more or fewer (load_protocol subjects=, --count) scales it. "
        "None: every candidate near a site consents on a uniform day of the enrollment period."))
    site_rate_cv: float = Field(0.5, ge=0, le=3, description="Coefficient of variation of the sites' rates "
                                                              "(0: every site at the mean).")
    site_activation_months: float = Field(0, ge=0, le=24, description="With site_rate: sites open at uniform "
                                                                      "times over the first this many months.")


class ProtocolSpec(_Strict):
    """A clinical trial protocol. Loads from JSON or YAML; see `healthsim schema trial`."""

    study_id: str = Field(min_length=1, max_length=20, pattern=r"^[A-Z0-9-]+$")
    title: str = Field(min_length=1, max_length=400)
    description: str | None = None
    phase: Literal["PHASE I TRIAL", "PHASE II TRIAL", "PHASE II/III TRIAL", "PHASE III TRIAL", "PHASE IV TRIAL"]
    indication: list[str] = Field(min_length=1, description="ICD-10-CM codes or categories.")
    sponsor: str = "HealthSim Synthetic Pharma"
    subjects: int = Field(300, ge=1, le=1_000_000, description="Subjects to randomise.")
    seed: int = Field(1, ge=0, lt=2**63)
    criteria: Criteria = Field(default_factory=Criteria)
    recruitment: Recruitment
    arms: list[Arm] = Field(min_length=1)
    randomisation: Randomisation = Field(default_factory=Randomisation)
    visits: list[Visit] = Field(min_length=2, description="Schedule of assessments (screening first).")
    cycles: Cycles | None = None
    adverse_events: list[AdverseEvent] = Field(default_factory=list)
    endpoint: Endpoint
    discontinuation: Discontinuation = Field(default_factory=Discontinuation)
    follow_up_days: int = Field(28, ge=0, le=730, description="Safety follow-up after the last dose.")
    sources: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> ProtocolSpec:
        codes = [a.armcd for a in self.arms]
        if len(set(codes)) != len(codes):
            raise ValueError(f"arms: arm codes must be unique: {codes}")
        total = sum(a.ratio for a in self.arms)
        size = self.randomisation.block_size
        if size is not None and size % total:
            raise ValueError(f"randomisation.block_size: {size} must be a multiple of the ratio sum {total}")
        for ae in self.adverse_events:
            unknown = set(ae.incidence) - set(codes)
            if unknown:
                raise ValueError(f"adverse_events: {ae.term}: unknown arms {sorted(unknown)}; arms: {codes}")
        unknown = set(self.endpoint.effect) - set(codes)
        if unknown:
            raise ValueError(f"endpoint.effect: unknown arms {sorted(unknown)}; arms: {codes}")
        if self.endpoint.kind == "lab_change" and self.endpoint.test not in LAB_TESTS:
            raise ValueError(f"endpoint.test {self.endpoint.test!r}: allowed {', '.join(LAB_TESTS)}")
        names = [v.visit for v in self.visits]
        if len(set(names)) != len(names):
            raise ValueError("visits: visit names must be unique")
        days = [v.day for v in self.visits]
        if days != sorted(days) or days[0] >= 1:
            raise ValueError("visits: must be in day order and start with screening (a day before 1)")
        if self.endpoint.visit is not None and self.endpoint.visit not in names:
            raise ValueError(f"endpoint.visit {self.endpoint.visit!r} is not a visit: {names}")
        if self.criteria.min_age > self.criteria.max_age:
            raise ValueError("criteria.min_age is above criteria.max_age")
        return self

    def block_size(self) -> int:
        return self.randomisation.block_size or 2 * sum(a.ratio for a in self.arms)

    def treatment_days(self) -> int:
        """Days from day 1 to the end of treatment (the last visit but follow-up ones, or the cycles)."""
        if self.cycles is not None:
            return self.cycles.length_days * self.cycles.count
        # the last visit on treatment: a follow-up visit comes after the last dose
        on = [v.day for v in self.visits if "FOLLOW" not in v.visit.upper()]
        return max(on or [v.day for v in self.visits])
