"""Every registered distribution type meets the same contract, automatically.

`EXAMPLES` holds at least one spec per registered tag (a new type without an
example fails `test_every_registered_type_has_an_example`). Each example is
parsed from a plain dict, drawn 100,000 times with a fixed seed, and checked
against its own theory: sample mean within 5 standard errors of `mean()`,
sample variance within 6 standard errors of `variance()`, every draw inside
`support()`, and identical draws for an identical seed.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import yaml
from pydantic import TypeAdapter

from healthsim.distributions import REGISTRY, AnyDistribution, Distribution, parse_distribution

N = 100_000
SEED = 20_240_601


def sex_column(n: int) -> dict[str, np.ndarray]:
    """A context with a `sex` column (F/M/U), the same for every call."""
    draws = np.random.default_rng(7).random(n)
    return {"sex": np.where(draws < 0.51, "F", np.where(draws < 0.99, "M", "U"))}


def member_rates(n: int) -> dict[str, np.ndarray]:
    """A context with a `rate:ed_visits` column (each member's own rate), the same for every call."""
    return {"rate:ed_visits": np.random.default_rng(8).gamma(1.2, 0.5 / 1.2, n)}


@dataclass(frozen=True)
class Example:
    params: dict
    context: object = field(default=None)  # callable n -> context columns, if the type needs one

    @property
    def tag(self) -> str:
        return self.params["distribution"]


LOGNORMAL_LOW = {"distribution": "lognormal", "mean": 300, "std_dev": 200}
LOGNORMAL_HIGH = {"distribution": "lognormal", "median": 20_000, "p95": 60_000}

EXAMPLES = {
    "constant": Example({"distribution": "constant", "value": 3.5}),
    "constant-label": Example({"distribution": "constant", "value": "Y"}),
    "normal": Example({"distribution": "normal", "mean": 0, "std_dev": 1}),
    "normal-truncated": Example(
        {"distribution": "normal", "mean": 72, "sd": 8, "min": 65, "max": 100}
    ),
    "uniform": Example({"distribution": "uniform", "min": 0, "max": 30}),
    "triangular": Example({"distribution": "triangular", "min": 2, "mode": 4, "max": 10}),
    "exponential-mean": Example({"distribution": "exponential", "mean": 45}),
    "exponential-rate": Example({"distribution": "exponential", "rate": 0.02}),
    "poisson": Example({"distribution": "poisson", "lam": 2.5}),
    "poisson-mean-alias": Example({"distribution": "poisson", "mean": 0.4}),
    "negative_binomial-mean": Example(
        {"distribution": "negative_binomial", "mean": 4.2, "dispersion": 1.5}
    ),
    "negative_binomial-n-p": Example({"distribution": "negative_binomial", "n": 2, "p": 0.3}),
    "lognormal-mean-sd": Example({"distribution": "lognormal", "mean": 1200, "std_dev": 900}),
    "lognormal-median-p95": Example({"distribution": "lognormal", "median": 800, "p95": 2500}),
    "gamma-shape-scale": Example({"distribution": "gamma", "shape": 2, "scale": 15}),
    "gamma-mean-sd": Example({"distribution": "gamma", "mean": 30, "sd": 21}),
    "beta": Example({"distribution": "beta", "alpha": 8, "beta": 2}),
    "beta-rescaled": Example(
        {"distribution": "beta", "alpha": 2, "beta": 5, "min": 6.5, "max": 12}
    ),
    "categorical": Example({"distribution": "categorical", "weights": {"F": 0.52, "M": 0.48}}),
    "age_bands": Example(
        {
            "distribution": "age_bands",
            "bands": [
                {"min": 65, "max": 75, "weight": 0.5},
                {"min": 75, "max": 85, "weight": 0.35},
                {"min": 85, "max": 100, "weight": 0.15},
            ],
        }
    ),
    "empirical-numeric": Example(
        {
            "distribution": "empirical",
            "values": [1, 2, 3, 5, 2],
            "weights": [0.3, 0.2, 0.2, 0.1, 0.2],
        }
    ),
    "empirical-labels": Example({"distribution": "empirical", "values": ["HMO", "PPO", "PPO"]}),
    "empirical-interpolated": Example(
        {"distribution": "empirical", "values": [0, 1, 3, 10], "interpolate": True}
    ),
    "conditional": Example(
        {
            "distribution": "conditional",
            "on": "sex",
            "cases": {
                "F": {"distribution": "normal", "mean": 162, "std_dev": 7},
                "M": {"distribution": "normal", "mean": 176, "std_dev": 8},
            },
            "default": {"distribution": "uniform", "min": 150, "max": 190},
        },
        context=sex_column,
    ),
    "rate": Example({"distribution": "rate", "of": "ed_visits"}, context=member_rates),
    "rate-chance": Example({"distribution": "rate", "of": "ed_visits", "draw": "chance", "scale": 0.5},
                           context=member_rates),
    "mixture": Example(
        {
            "distribution": "mixture",
            "components": [
                {"weight": 0.9, "distribution": LOGNORMAL_LOW},
                {"weight": 0.1, "distribution": LOGNORMAL_HIGH},
            ],
        }
    ),
    "mixture-labels": Example(
        {
            "distribution": "mixture",
            "components": [
                {"weight": 0.5, "distribution": {"distribution": "constant", "value": "A"}},
                {
                    "weight": 0.5,
                    "distribution": {
                        "distribution": "categorical",
                        "weights": {"A": 0.2, "B": 0.8},
                    },
                },
            ],
        }
    ),
}

NUMERIC_WITH_MOMENTS = [
    name for name, ex in EXAMPLES.items() if parse_distribution(ex.params).mean() is not None
]


def context_for(example: Example, n: int):
    return example.context(n) if example.context else None


@functools.cache
def draws(name: str) -> np.ndarray:
    example = EXAMPLES[name]
    dist = parse_distribution(example.params)
    return dist.sample(N, np.random.default_rng(SEED), context_for(example, N))


def test_every_registered_type_has_an_example():
    missing = set(REGISTRY) - {example.tag for example in EXAMPLES.values()}
    assert not missing, f"add an example to EXAMPLES for: {sorted(missing)}"


@pytest.mark.parametrize("name", EXAMPLES)
def test_parses_from_a_dict_and_round_trips(name):
    dist = parse_distribution(EXAMPLES[name].params)
    assert isinstance(dist, REGISTRY[EXAMPLES[name].tag])
    dumped = json.loads(dist.model_dump_json(by_alias=True, exclude_none=True))
    assert parse_distribution(dumped) == dist


@pytest.mark.parametrize("name", EXAMPLES)
def test_draws_one_value_per_member_of_its_kind(name):
    dist = parse_distribution(EXAMPLES[name].params)
    values = draws(name)
    assert values.shape == (N,)
    if dist.kind == "categorical":
        assert values.dtype == object and all(isinstance(v, str) for v in values[:1000])
    else:
        assert values.dtype.kind == "f" and np.isfinite(values).all()


@pytest.mark.parametrize("name", EXAMPLES)
def test_draws_lie_within_support(name):
    dist = parse_distribution(EXAMPLES[name].params)
    if dist.kind == "categorical":
        pytest.skip("labels have no numeric support")
    low, high = dist.support()
    values = draws(name)
    assert values.min() >= low and values.max() <= high


@pytest.mark.parametrize("name", NUMERIC_WITH_MOMENTS)
def test_sample_mean_is_within_5_standard_errors_of_mean(name):
    dist = parse_distribution(EXAMPLES[name].params)
    values = draws(name)
    standard_error = np.sqrt(dist.variance() / N)
    assert abs(values.mean() - dist.mean()) <= 5 * standard_error + 1e-12


@pytest.mark.parametrize("name", NUMERIC_WITH_MOMENTS)
def test_sample_variance_is_within_6_standard_errors_of_variance(name):
    dist = parse_distribution(EXAMPLES[name].params)
    values = draws(name)
    centred = values - values.mean()
    sample_var = centred.var(ddof=1)
    standard_error = np.sqrt(max(np.mean(centred**4) - sample_var**2, 0.0) / N)
    assert abs(sample_var - dist.variance()) <= 6 * standard_error + 1e-12


@pytest.mark.parametrize("name", EXAMPLES)
def test_same_seed_gives_identical_draws(name):
    example = EXAMPLES[name]
    dist = parse_distribution(example.params)
    again = [
        dist.sample(1000, np.random.default_rng(99), context_for(example, 1000)) for _ in range(2)
    ]
    assert np.array_equal(again[0], again[1])


@pytest.mark.parametrize("name", EXAMPLES)
def test_zero_draws_give_an_empty_column(name):
    example = EXAMPLES[name]
    dist = parse_distribution(example.params)
    assert dist.sample(0, np.random.default_rng(1), context_for(example, 0)).shape == (0,)


@pytest.mark.parametrize("tag", sorted(REGISTRY))
def test_json_schema_of_any_distribution_includes_the_tag(tag):
    schema = TypeAdapter(AnyDistribution).json_schema()
    assert tag in schema["discriminator"]["mapping"]


@pytest.mark.parametrize("tag", sorted(REGISTRY))
def test_registered_type_says_what_it_is_for(tag):
    cls: type[Distribution] = REGISTRY[tag]
    assert cls.__doc__ and sys.modules[cls.__module__].__doc__


def test_every_yaml_example_in_the_docs_parses_and_draws():
    text = (Path(__file__).parents[2] / "docs" / "distributions.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    assert blocks
    for block in blocks:
        for name, spec in yaml.safe_load(block).items():
            dist = parse_distribution(spec)
            context = sex_column(10) if dist.requires() == {"sex"} else None
            assert dist.sample(10, np.random.default_rng(1), context).shape == (10,), name
