"""Shipped names: arrays with probabilities ready for numpy sampling."""

from __future__ import annotations

import numpy as np
import pytest

from healthsim.errors import NotFoundError
from healthsim.reference import names


@pytest.mark.parametrize("sex", ["F", "M"])
def test_first_name_probabilities_sum_to_one(sex):
    values, p = names.first_names(sex)
    assert len(values) == len(p) > 300
    assert (p > 0).all() and p.sum() == pytest.approx(1.0, abs=1e-12)


def test_first_names_differ_by_sex():
    f, _ = names.first_names("F")
    m, _ = names.first_names("M")
    assert "Mary" in f and "James" in m and "James" not in f


def test_unknown_sex_is_rejected():
    with pytest.raises(NotFoundError):
        names.first_names("X")


def test_last_names_are_weighted_by_frequency():
    values, p = names.last_names()
    assert len(values) == 1000 and p.sum() == pytest.approx(1.0, abs=1e-12)
    assert values[np.argmax(p)] == "Smith"


def test_street_parts_make_an_address():
    streets, suffixes = names.street_names(), names.street_suffixes()
    assert 300 <= len(streets) <= 400 and len(set(streets.tolist())) == len(streets)
    assert {"Main", "Oak", "2nd"} <= set(streets.tolist())
    assert {"St", "Ave", "Rd", "Dr", "Ln"} <= set(suffixes.tolist())
    assert names.street_name_probs().sum() == pytest.approx(1.0)
    assert names.street_suffix_probs().sum() == pytest.approx(1.0)
    assert len(names.street_name_probs()) == len(streets)


def test_sampling_is_vectorised_and_reproducible():
    values, p = names.last_names()

    def draw() -> np.ndarray:
        return values[np.random.default_rng(7).choice(len(values), size=1000, p=p)]

    assert (draw() == draw()).all()
