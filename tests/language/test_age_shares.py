"""'half of them over 60', '30% over 65': a share of an age group is that share of the members
(a mixture of the range and the other ages), never everyone's age."""

from __future__ import annotations

import duckdb
import pytest

from healthsim import api
from healthsim.distributions import parse_distribution


@pytest.mark.parametrize("text, share, low, high", [
    ("300 people with rheumatoid arthritis, half of them over 60", 0.5, 60, 100),
    ("1000 Medicare members, 30% over 80", 0.3, 80, 100),
    ("500 members with asthma, 40% under 18", 0.4, 0, 18),
])
def test_a_share_of_an_age_group_is_a_mixture(text, share, low, high):
    spec = api.parse_request(text)
    age = spec.profile.demographics.age.model_dump()
    assert age["distribution"] == "mixture"
    inside, outside = (c["distribution"] for c in age["components"])
    assert age["components"][0]["weight"] == pytest.approx(share)
    assert parse_distribution(inside).support() == pytest.approx((low, high))
    lo, hi = parse_distribution(outside).support()
    assert hi <= low or lo >= high  # the others are outside the range
    assert any(a.field == "demographics.age" and f"{share:.0%}" in a.reason for a in spec.assumptions)


def test_the_generated_cohort_has_that_share_in_the_range(tmp_path):
    spec = api.parse_request("members with asthma, 30% over 65", count=400, seed=11)
    db = tmp_path / "ages.duckdb"
    api.generate_request(spec, db)
    with duckdb.connect(str(db), read_only=True) as con:
        n, old = con.sql("SELECT count(*), count(*) FILTER (WHERE date_diff('year', birth_date, DATE '2025-12-31') >= 65) "
                         "FROM persons").fetchall()[0]
    # binomial 95% interval around 0.3 for n=400 is about +-0.045; calendar ages at as_of, 0.06 allows the edge
    assert n == 400 and abs(old / n - 0.3) < 0.06
