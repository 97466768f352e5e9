"""One clinical truth under every combination users attach, checked over every row
(validation/integrity.py): on every shipped profile, each shipped journey template alone and all of
them together (every pair's interactions happen inside that run); every pair on its own, on the broad
Medicare profile. The full grid (every pair on every profile) grows with the square of the templates,
so it runs by hand: `.venv/bin/python benchmarks/check_journey_pairs.py` (figures in the closing notes).

Zero violations of: no diagnosis the member's state lacks on that day (on encounters and on claims);
nothing after death but claims for earlier services; coverage ending with the month of death; one
inpatient stay at a time; status 20 only for a death; no chronic drug before its condition or filled
after its stop; no metformin after an eGFR below 30; no pregnancy-contraindicated drug during a
pregnancy; and no day holding a pile-up of any encounter type (3x its neighbours, beyond chance).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import pytest

from healthsim import api
from healthsim.engine.columns import days
from healthsim.engine.run import RunPlan, run_block
from healthsim.plan.journey import compile_attachments
from healthsim.products.patient.step import PatientJourneyStep
from healthsim.store.arrow_sql import query_tables
from healthsim.templates import list_templates
from healthsim.validation.integrity import count_violations, crowded_days

N = 1000
PROFILES = [t.name for t in list_templates("profile")]
JOURNEYS = [t.name for t in list_templates("journey")]
PAIRS = list(combinations(JOURNEYS, 2))
COMBOS = [(j,) for j in JOURNEYS] + [tuple(JOURNEYS)]
PAIR_PROFILE = "medicare-general" if "medicare-general" in PROFILES else "medicare-diabetic"


def _runs(profile: str, combos=None):
    """The profile's run plan made once (population, member state, NetworkSim, claims); each combination
    only swaps the journey step, so the provider network is not rebuilt 28 times."""
    spec = api.load_profile(profile, count=N, seed=11, journeys=[JOURNEYS[0]])
    base = api.build_run(spec)
    state, _journeys, *rest = base.steps
    plans = {name: compile_attachments(api.load_profile(profile, count=N, journeys=[name]).journeys)[0]
             for name in JOURNEYS}
    for combo in combos or COMBOS:
        chosen = tuple(replace(plans[name], index=i) for i, name in enumerate(combo))
        yield combo, RunPlan(population=base.population,
                             steps=[state, PatientJourneyStep(base.population, chosen), *rest])


def _violations(run: RunPlan) -> dict:
    tables, _ = run_block(run, 0, 0, N)
    bad = {k: v for k, v in count_violations(tables, query_tables).items() if v}
    if "encounters" in tables:
        crowded = crowded_days(tables["encounters"], days(run.population.period_start), days(run.population.as_of))
        if crowded:
            bad["crowded_days"] = crowded
    return bad


def _check(profile: str, combos) -> None:
    bad = {}
    for combo, run in _runs(profile, combos):
        found = _violations(run)
        if found:
            bad["+".join(combo)] = found
    assert not bad, bad


@pytest.mark.parametrize("profile", PROFILES)
def test_every_journey_alone_and_all_together_keep_one_clinical_truth(profile):
    _check(profile, COMBOS)


def test_every_pair_of_journeys_keeps_one_clinical_truth():
    _check(PAIR_PROFILE, PAIRS)


def test_the_combinations_are_all_there():
    assert len(PAIRS) == len(JOURNEYS) * (len(JOURNEYS) - 1) // 2 >= 28
