"""Contradictions between what a profile asks for and who is in it.

A condition carries sex and age rules (reference/code_rules.py: prostate
cancer only for males, pregnancy only for females 12-55, dementia not in
infants). When the population has nobody the rule allows — 100% male with
pregnancy codes, infants with dementia — the engine would give the condition
to no one, and its target would simply be absent from the checks table: a
spec that asked for something and silently got nothing. That is refused here,
when the spec is validated (spec/load.py) and again when it is compiled, naming the condition, its rule and why nobody fits.

The same holds for coverage that nobody in the population could have:
Medicare (and Medicare Advantage, dual eligibility) covers people 65 and over
and younger adults with a disability or end-stage renal disease; an all-child
population on Medicare is a mistake, not a cohort.

Only certain contradictions are refused (zero probability from the weights and
the age distribution's support); a partial overlap runs, and the checks table
says how many members were eligible ("E11 prevalence (of 1,234 eligible)").
"""

from __future__ import annotations

from healthsim.errors import FieldProblem

MEDICARE_TYPES = ("medicare", "medicare_advantage", "dual")
MIN_MEDICARE_AGE = 18  # under-65 entitlement is through disability or ESRD: adults in practice


def check_population(spec) -> list[FieldProblem]:
    """What in a ProfileSpec can apply to no member: conditions whose sex/age rule nobody
    meets, Medicare for an all-child population. An empty list when all is possible."""
    problems: list[FieldProblem] = []
    sexes = _sex_shares(spec.demographics.gender)
    lo, hi = _age_support(spec.demographics.age)
    for i, cond in enumerate(spec.conditions):
        why = condition_conflicts(cond.code, cond.onset_min_age, sexes, lo, hi)
        if why:
            problems.append(FieldProblem(f"conditions.{i}.code", why + "; remove it or change the demographics"))
    for i, option in enumerate(spec.coverage.options):
        if option.type in MEDICARE_TYPES and hi is not None and hi < MIN_MEDICARE_AGE:
            problems.append(FieldProblem(
                f"coverage.options.{i}.type", f"{option.type} covers people 65 and over and adults with a "
                f"disability or ESRD; this population is aged {_years(lo)}-{_years(hi)}, so none could "
                "have it; choose medicaid, commercial or exchange coverage for children"))
    return problems


def condition_conflicts(code: str, onset_min_age: float | None, sexes: dict[str, float] | None,
                        lo: float | None, hi: float | None) -> str | None:
    """Why no member of a population (sex shares, age range lo-hi) could have `code`, or None.
    The eligibility is the engine's (plan/population.py, engine/conditions.eligible)."""
    from healthsim.reference.code_rules import rule_for

    rule = rule_for(code)
    min_age = onset_min_age if onset_min_age is not None else max(rule.onset_min_age, rule.min_age)
    why = []
    if rule.sex is not None and sexes is not None and sexes.get(rule.sex, 0.0) <= 0:
        why.append(f"the population has no {_sex_word(rule.sex)} (sex weights {_weights(sexes)})")
    if lo is not None and hi is not None and (hi < min_age or lo >= rule.max_age + 1):
        why.append(f"its ages are {_years(lo)}-{_years(hi)}")
    if not why:
        return None
    return (f"{code} applies only to {_sex_word(rule.sex)} aged {min_age:g}-{rule.max_age}, and "
            f"{' and '.join(why)}: no member could have it")


def _sex_shares(dist) -> dict[str, float] | None:
    probabilities = getattr(dist, "probabilities", None)
    if probabilities is None or dist.requires():
        return None  # conditional on something else: not decidable here
    labels, p = probabilities()
    return {str(label): float(x) for label, x in zip(labels, p, strict=True)}


def _age_support(dist) -> tuple[float | None, float | None]:
    """The ages the engine can draw (draws are clipped to 0-110)."""
    try:
        if dist.requires():
            return None, None
        lo, hi = dist.support()
    except (AttributeError, NotImplementedError, TypeError, ValueError):
        return None, None
    return max(0.0, float(lo)), min(110.0, float(hi))


def _sex_word(sex: str | None) -> str:
    return {"F": "females", "M": "males"}.get(sex or "", "members")


def _weights(shares: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in shares.items())


def _years(x: float) -> str:
    return f"{x:g}"
