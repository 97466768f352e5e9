"""Distribution parameters: bad ones fail early with a message naming the field,
and each type's own behaviour (shares, cases, mixtures, alternative forms)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from healthsim.distributions import parse_distribution


def dist(tag: str, **params):
    return parse_distribution({"distribution": tag, **params})


NORMAL = {"distribution": "normal", "mean": 0, "std_dev": 1}
LABEL = {"distribution": "categorical", "weights": {"A": 1.0}}

BAD_PARAMS = [
    ("normal", {"mean": 0, "std_dev": -1}, "std_dev"),
    ("uniform", {"min": 5, "max": 3}, "min (5.0) must be below max (3.0)"),
    ("uniform", {"min": 0, "max": 1, "maximum": 2}, "maximum"),
    ("triangular", {"min": 0, "mode": 12, "max": 10}, "mode (12.0) must lie within"),
    ("exponential", {"mean": 3, "rate": 0.5}, "exponential takes either mean or rate"),
    ("exponential", {"rate": 0}, "rate"),
    ("poisson", {"lam": -1}, "lam"),
    ("negative_binomial", {"mean": 3, "p": 0.5}, "mean + dispersion or n + p"),
    ("negative_binomial", {"n": 3, "p": 1.5}, "p"),
    ("negative_binomial", {"mean": 3, "dispersion": 0}, "dispersion"),
    ("lognormal", {"mean": 100, "std_dev": -5}, "std_dev"),
    ("lognormal", {"mean": 100, "median": 80}, "mean + std_dev or median + p95"),
    ("lognormal", {"median": 800, "p95": 500}, "p95 (500.0) must be above median (800.0)"),
    ("gamma", {"shape": 2}, "shape + scale or mean + std_dev; got shape"),
    ("gamma", {"mean": 30, "std_dev": -2}, "std_dev"),
    ("beta", {"alpha": 0, "beta": 2}, "alpha"),
    ("beta", {"alpha": 1, "beta": 2, "min": 1, "max": 1}, "min (1.0) must be below max (1.0)"),
    ("categorical", {"weights": {"F": 0.5, "M": 0.4}}, "weights sum to 0.9;"),
    ("categorical", {"weights": {"F": 1.2, "M": -0.2}}, "weights must be >= 0"),
    ("categorical", {"weights": {}}, "weights is empty"),
    (
        "age_bands",
        {"bands": [{"min": 65, "max": 75, "weight": 0.5}, {"min": 70, "max": 80, "weight": 0.5}]},
        "overlap",
    ),
    ("age_bands", {"bands": [{"min": 65, "max": 75, "weight": 0.5}]}, "band weights sum to 0.5"),
    ("age_bands", {"bands": [{"min": 75, "max": 65, "weight": 1}]}, "min (75.0) must be below"),
    ("age_bands", {"bands": [{"min": 65, "max": 75, "weight": 1, "label": "x"}]}, "label"),
    ("empirical", {"values": [1, 2], "weights": [1.0]}, "weights has 1 entries but values has 2"),
    ("empirical", {"values": [1, 2], "weights": [0.7, 0.7]}, "weights sum to 1.4"),
    ("empirical", {"values": [1, "a"]}, "all numbers or all labels"),
    ("empirical", {"values": ["a", "b"], "interpolate": True}, "interpolate needs"),
    ("empirical", {"values": []}, "values"),
    ("conditional", {"on": "sex", "cases": {"F": NORMAL, "M": LABEL}}, "all draw numbers"),
    ("conditional", {"on": "sex", "cases": {"F": NORMAL}, "default": LABEL}, "default draws"),
    (
        "conditional",
        {"on": "sex", "cases": {"F": {"distribution": "normal", "mean": 0}}},
        "std_dev",
    ),
    (
        "mixture",
        {
            "components": [
                {"weight": 0.5, "distribution": NORMAL},
                {"weight": 0.3, "distribution": NORMAL},
            ]
        },
        "component weights sum to 0.8",
    ),
    ("mixture", {"components": [{"weight": 1, "distribution": {"distribution": "nope"}}]}, "nope"),
]


@pytest.mark.parametrize(("tag", "params", "expected"), BAD_PARAMS)
def test_bad_parameters_fail_with_a_message_naming_the_problem(tag, params, expected):
    with pytest.raises(ValidationError) as raised:
        dist(tag, **params)
    assert expected in str(raised.value)


def test_unknown_distribution_tag_lists_the_known_ones():
    with pytest.raises(ValidationError) as raised:
        parse_distribution({"distribution": "weibull", "shape": 1})
    assert "weibull" in str(raised.value) and "lognormal" in str(raised.value)


def test_distributions_are_frozen():
    normal = dist("normal", mean=0, std_dev=1)
    with pytest.raises(ValidationError):
        normal.std_dev = 2


@pytest.mark.parametrize(
    ("tag", "params", "same_as"),
    [
        ("normal", {"mean": 0, "sd": 2}, {"mean": 0, "std_dev": 2}),
        ("poisson", {"mean": 2}, {"lam": 2}),
        ("poisson", {"lambda": 2}, {"lam": 2}),
        ("negative_binomial", {"mean": 2, "size": 3}, {"mean": 2, "dispersion": 3}),
        ("gamma", {"mean": 2, "sd": 1}, {"mean": 2, "std_dev": 1}),
        ("lognormal", {"mean": 2, "sd": 1}, {"mean": 2, "std_dev": 1}),
    ],
)
def test_friendly_aliases_mean_the_same(tag, params, same_as):
    assert dist(tag, **params) == dist(tag, **same_as)


# --- categorical --------------------------------------------------------------------------


def test_categorical_shares_fall_within_99_percent_binomial_interval():
    weights = {"white": 0.6, "black": 0.13, "hispanic": 0.19, "asian": 0.06, "other": 0.02}
    n = 100_000
    values = dist("categorical", weights=weights).sample(n, np.random.default_rng(3))
    for label, p in weights.items():
        share = np.mean(values == label)
        assert abs(share - p) <= 2.576 * np.sqrt(p * (1 - p) / n), label


def test_categorical_numeric_keys_become_labels():
    cat = parse_distribution({"distribution": "categorical", "weights": {0: 0.25, 1: 0.75}})
    labels, p = cat.probabilities()
    assert labels == ["0", "1"] and np.allclose(p, [0.25, 0.75])
    assert set(cat.sample(500, np.random.default_rng(1))) == {"0", "1"}


def test_categorical_never_draws_a_zero_weight_label():
    cat = dist("categorical", weights={"A": 0.0, "B": 1.0, "C": 0.0})
    assert set(cat.sample(10_000, np.random.default_rng(1))) == {"B"}


def test_categorical_weights_within_tolerance_are_accepted_and_renormalised():
    cat = dist("categorical", weights={"A": 0.3333333, "B": 0.3333333, "C": 0.3333333})
    assert cat.probabilities()[1].sum() == pytest.approx(1.0, abs=1e-15)


# --- conditional --------------------------------------------------------------------------

SEX_CASES = {
    "F": {"distribution": "constant", "value": 1},
    "M": {"distribution": "constant", "value": 2},
}


def test_conditional_draws_each_row_from_its_own_case():
    sex = np.random.default_rng(5).choice(np.array(["F", "M"], dtype=object), 1000)
    cond = dist("conditional", on="sex", cases=SEX_CASES)
    values = cond.sample(1000, np.random.default_rng(1), {"sex": sex})
    assert np.array_equal(values, np.where(sex == "F", 1.0, 2.0))


def test_conditional_with_label_cases_draws_labels_per_row():
    cases = {
        "F": {"distribution": "constant", "value": "pregnancy-eligible"},
        "M": {"distribution": "categorical", "weights": {"not-eligible": 1}},
    }
    sex = np.array(["M", "F", "F", "M"])
    values = dist("conditional", on="sex", cases=cases).sample(
        4, np.random.default_rng(1), {"sex": sex}
    )
    assert values.tolist() == [
        "not-eligible",
        "pregnancy-eligible",
        "pregnancy-eligible",
        "not-eligible",
    ]


def test_conditional_default_covers_values_without_a_case():
    cond = dist(
        "conditional",
        on="sex",
        cases={"F": SEX_CASES["F"]},
        default={"distribution": "constant", "value": 9},
    )
    values = cond.sample(3, np.random.default_rng(1), {"sex": np.array(["F", "U", "M"])})
    assert values.tolist() == [1.0, 9.0, 9.0]


def test_conditional_without_the_context_column_names_it():
    cond = dist("conditional", on="sex", cases=SEX_CASES)
    with pytest.raises(ValueError, match="'sex'.*has not been drawn.*'age'"):
        cond.sample(3, np.random.default_rng(1), {"age": np.array([70.0, 71.0, 72.0])})


def test_conditional_value_without_case_or_default_names_the_value():
    cond = dist("conditional", on="sex", cases=SEX_CASES)
    with pytest.raises(ValueError, match=r"no case for value\(s\) \['U'\]"):
        cond.sample(3, np.random.default_rng(1), {"sex": np.array(["F", "U", "M"])})


def test_conditional_numeric_keys_match_a_numeric_column():
    cond = parse_distribution(
        {
            "distribution": "conditional",
            "on": "has_diabetes",
            "cases": {0: SEX_CASES["F"], 1: SEX_CASES["M"]},
        }
    )
    column = np.array([0.0, 1.0, 1.0, 0.0])
    assert cond.sample(4, np.random.default_rng(1), {"has_diabetes": column}).tolist() == [
        1.0,
        2.0,
        2.0,
        1.0,
    ]


def test_conditional_requires_its_column_and_those_of_nested_cases():
    nested = {"distribution": "conditional", "on": "age_band", "cases": SEX_CASES}
    cond = dist("conditional", on="sex", cases={"F": nested}, default=NORMAL)
    assert cond.requires() == {"sex", "age_band"}


def test_nested_conditional_sees_only_its_own_rows():
    inner = {
        "distribution": "conditional",
        "on": "plan",
        "cases": {
            "HMO": {"distribution": "constant", "value": 10},
            "PPO": {"distribution": "constant", "value": 20},
        },
    }
    outer = dist("conditional", on="sex", cases={"F": inner, "M": SEX_CASES["M"]})
    context = {"sex": np.array(["F", "M", "F", "F"]), "plan": np.array(["PPO", "X", "HMO", "PPO"])}
    assert outer.sample(4, np.random.default_rng(1), context).tolist() == [20.0, 2.0, 10.0, 20.0]


# --- mixture ------------------------------------------------------------------------------


def test_mixture_moments_follow_the_law_of_total_variance():
    mix = dist(
        "mixture",
        components=[
            {"weight": 0.3, "distribution": {"distribution": "normal", "mean": 0, "std_dev": 1}},
            {"weight": 0.7, "distribution": {"distribution": "normal", "mean": 10, "std_dev": 2}},
        ],
    )
    # mean 0.3*0 + 0.7*10; variance E[var] + var[E] = (0.3 + 2.8) + (0.3*49 + 0.7*9)
    assert mix.mean() == pytest.approx(7.0)
    assert mix.variance() == pytest.approx(24.1)
    values = mix.sample(200_000, np.random.default_rng(2))
    assert values.mean() == pytest.approx(7.0, abs=0.05)
    assert values.var() == pytest.approx(24.1, rel=0.02)
    assert np.mean(values > 5) == pytest.approx(0.7, abs=0.01)


def test_mixture_of_labels_has_no_mean_but_draws_the_combined_shares():
    mix = dist(
        "mixture",
        components=[
            {"weight": 0.5, "distribution": {"distribution": "constant", "value": "A"}},
            {
                "weight": 0.5,
                "distribution": {"distribution": "categorical", "weights": {"A": 0.2, "B": 0.8}},
            },
        ],
    )
    assert mix.kind == "categorical" and mix.mean() is None
    values = mix.sample(100_000, np.random.default_rng(4))
    assert np.mean(values == "A") == pytest.approx(0.6, abs=0.005)


def test_mixture_passes_context_to_a_conditional_component():
    cond = {"distribution": "conditional", "on": "sex", "cases": SEX_CASES}
    mix = dist("mixture", components=[{"weight": 1.0, "distribution": cond}])
    assert mix.requires() == {"sex"}
    values = mix.sample(3, np.random.default_rng(1), {"sex": np.array(["M", "F", "M"])})
    assert values.tolist() == [2.0, 1.0, 2.0]


# --- alternative parameter forms ------------------------------------------------------------


def test_lognormal_median_and_p95_are_the_drawn_quantiles():
    values = dist("lognormal", median=800, p95=3500).sample(400_000, np.random.default_rng(6))
    assert np.median(values) == pytest.approx(800, rel=0.01)
    assert np.quantile(values, 0.95) == pytest.approx(3500, rel=0.02)


def test_lognormal_mean_and_std_dev_are_of_the_value_not_its_log():
    cost = dist("lognormal", mean=1200, std_dev=900)
    assert cost.mean() == pytest.approx(1200) and cost.variance() == pytest.approx(900**2)


def test_gamma_mean_and_std_dev_match_shape_and_scale():
    assert dist("gamma", mean=30, std_dev=15).shape_scale() == pytest.approx((4.0, 7.5))


def test_negative_binomial_variance_is_mean_plus_mean_squared_over_dispersion():
    nb = dist("negative_binomial", mean=4.0, dispersion=2.0)
    assert nb.mean() == pytest.approx(4.0) and nb.variance() == pytest.approx(4 + 16 / 2)
    assert np.all(nb.sample(1000, np.random.default_rng(1)) % 1 == 0)


def test_exponential_rate_is_one_over_mean():
    assert dist("exponential", rate=0.25).mean() == pytest.approx(4.0)


def test_beta_rescale_keeps_draws_between_min_and_max():
    beta = dist("beta", alpha=2, beta=2, min=6.5, max=12)
    values = beta.sample(10_000, np.random.default_rng(1))
    assert values.min() >= 6.5 and values.max() <= 12 and beta.mean() == pytest.approx(9.25)


# --- age_bands and empirical --------------------------------------------------------------


def test_age_bands_draw_each_band_at_its_weight_and_max_is_exclusive():
    bands = [{"min": 65, "max": 75, "weight": 0.6}, {"min": 75, "max": 85, "weight": 0.4}]
    ages = dist("age_bands", bands=bands).sample(100_000, np.random.default_rng(8))
    assert np.mean(ages < 75) == pytest.approx(0.6, abs=0.01)
    assert ages.min() >= 65 and ages.max() < 85


def test_age_bands_may_leave_gaps_and_exact_moments_account_for_them():
    bands = [{"min": 0, "max": 1, "weight": 0.5}, {"min": 9, "max": 10, "weight": 0.5}]
    gap = dist("age_bands", bands=bands)
    assert gap.mean() == pytest.approx(5.0)
    assert gap.variance() == pytest.approx(1 / 12 + 4.5**2)
    ages = gap.sample(10_000, np.random.default_rng(1))
    assert not np.any((ages >= 1) & (ages < 9))


def test_empirical_draws_only_the_given_values_at_their_weights():
    emp = dist("empirical", values=[1, 2, 3], weights=[0.5, 0.25, 0.25])
    values = emp.sample(100_000, np.random.default_rng(1))
    assert set(np.unique(values)) == {1.0, 2.0, 3.0}
    assert np.mean(values == 1) == pytest.approx(0.5, abs=0.01)


def test_empirical_labels_draw_labels():
    emp = dist("empirical", values=["HMO", "PPO"])
    assert emp.kind == "categorical" and emp.mean() is None
    assert set(emp.sample(100, np.random.default_rng(1))) == {"HMO", "PPO"}


def test_empirical_interpolated_quantiles_match_numpy_linear_percentiles():
    observed = [1, 2, 3, 4, 7, 15]
    emp = dist("empirical", values=observed, interpolate=True)
    values = emp.sample(400_000, np.random.default_rng(1))
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        assert np.quantile(values, q) == pytest.approx(np.quantile(observed, q), abs=0.05)


def test_empirical_interpolated_weights_pull_mass_towards_heavy_values():
    emp = dist("empirical", values=[0, 1, 2], weights=[0.1, 0.8, 0.1], interpolate=True)
    values = emp.sample(100_000, np.random.default_rng(1))
    # each segment gets (w_left + w_right) / 2: both halves 0.45 -> symmetric around 1
    assert emp.mean() == pytest.approx(1.0) and values.min() >= 0 and values.max() <= 2
    assert np.mean(values < 1) == pytest.approx(0.5, abs=0.01)


def test_conditional_read_from_yaml_keeps_its_on_key():
    # YAML 1.1 reads a bare `on:` key as the boolean true
    spec = yaml.safe_load(
        "distribution: conditional\non: sex\ncases: {F: {distribution: constant, value: 1}}"
    )
    assert parse_distribution(spec).on == "sex"
