"""Base rates of care by payer and age (conditions/data/_utilization.yaml), validated and indexed.

A year of care draws its counts (ED visits, primary-care visits, readmissions) from these rates
through `{distribution: rate, of: <service>}`; episodes/rates.py turns them into one rate per member
(the row for the member's coverage and age, times the member's conditions' ratios over the
population's, times the member's frailty). Here: the schema, the loader and its cross-checks
(a service's condition_ratio is a field of the condition library's `Utilization`; every family
that sets that ratio says how common it is in the population, so the normalisation is defined).
"""

from __future__ import annotations

from functools import lru_cache

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from healthsim.conditions.library import DATA_DIR, ConditionLibraryError, library
from healthsim.conditions.model import Utilization

COVERAGE_TYPES = ("medicare", "medicare_advantage", "dual", "commercial", "medicaid", "exchange", "uninsured")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RateRow(_Strict):
    coverage: tuple[str, ...] = Field(min_length=1)
    age: tuple[int, int]
    per_year: float = Field(ge=0)
    source: str = Field(min_length=10)
    year: int = Field(ge=1990, le=2030)

    @field_validator("coverage")
    @classmethod
    def _coverage(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [c for c in v if c not in COVERAGE_TYPES]
        if bad:
            raise ValueError(f"unknown coverage type(s) {bad}; allowed: {', '.join(COVERAGE_TYPES)}")
        return v


class Service(_Strict):
    description: str
    condition_ratio: str | None = None
    probability: bool = False
    rates: tuple[RateRow, ...] = Field(min_length=1)

    @field_validator("condition_ratio")
    @classmethod
    def _ratio(cls, v: str | None) -> str | None:
        fields = [f for f in Utilization.model_fields if f.endswith("_ratio")]
        if v is not None and v not in fields:
            raise ValueError(f"condition_ratio {v!r} is not a ratio of the condition library; allowed: {fields}")
        return v

    def row_for(self, coverage: str, age: int) -> RateRow | None:
        for row in self.rates:
            if coverage in row.coverage and row.age[0] <= age <= row.age[1]:
                return row
        return None


class UtilizationTable(_Strict):
    frailty_shape: float = Field(gt=0)
    services: dict[str, Service] = Field(min_length=1)


@lru_cache(maxsize=1)
def utilization() -> UtilizationTable:
    path = DATA_DIR / "_utilization.yaml"
    try:
        with open(path, encoding="utf-8") as f:
            table = UtilizationTable.model_validate(yaml.safe_load(f))
    except (ValidationError, yaml.YAMLError, TypeError) as exc:
        raise ConditionLibraryError(f"{path.name}: {exc}") from None
    _check(table)
    return table


def _check(table: UtilizationTable) -> None:
    problems = []
    for name, service in table.services.items():
        if service.condition_ratio is None:
            continue
        for fam in library().families.values():
            ratio = getattr(fam.utilization, service.condition_ratio)
            if ratio is not None and not fam.mortality.population_prevalence:
                problems.append(f"{fam.id} sets utilization.{service.condition_ratio} (used by {name}) but no "
                                "mortality.population_prevalence to normalise it by")
    if problems:
        raise ConditionLibraryError("_utilization.yaml: " + "; ".join(problems))
