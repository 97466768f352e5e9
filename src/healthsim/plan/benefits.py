"""Default benefit designs by coverage type (used when a spec gives none)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from healthsim.spec.coverage import BenefitDesign


@lru_cache(maxsize=1)
def _defaults() -> dict:
    text = resources.files("healthsim.plan").joinpath("benefit_designs.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def default_plan_name(coverage_type: str) -> str:
    return _defaults()[coverage_type]["plan"]


def default_benefits(coverage_type: str) -> BenefitDesign:
    return BenefitDesign.model_validate(_defaults()[coverage_type]["benefits"])
