"""Issue 11's requests end to end: a county, 'match the population of', low-income/rural, a family;
generated and checked against the place (small cohorts)."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from healthsim import api
from healthsim.builders import profile_builder as pb
from healthsim.builders.parser import parse_request
from healthsim.reference.hospitals import hospitals


def _sql(db, query):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query).fetchall()


def _generate(request: str, tmp_path, **overrides):
    spec = parse_request(request, **overrides).profile
    return api.generate(spec, tmp_path / "r.duckdb")


def test_300_medicare_members_in_harris_county_live_and_get_care_there(tmp_path):
    r = _generate("300 Medicare members in Harris County, Texas", tmp_path)
    c = r.cohort_id
    assert _sql(r.db, f"SELECT DISTINCT county_fips FROM persons WHERE cohort_id = {c}") == [("48201",)]
    assert _sql(r.db, f"SELECT min(age) >= 65 FROM persons WHERE cohort_id = {c}") == [(True,)]
    median, cross = _sql(r.db, f"""SELECT median(a.distance_km), avg((pr.state <> 'TX')::INT)
        FROM pcp_attributions a JOIN providers pr USING (cohort_id, provider_id) WHERE a.cohort_id = {c}""")[0]
    assert median <= 10 and cross == 0  # an urban county: issue 11's 10 km
    hispanic = _sql(r.db, f"SELECT avg((ethnicity = 'hispanic')::INT) FROM persons WHERE cohort_id = {c}")[0][0]
    assert 0.15 < hispanic < 0.45  # Harris County's seniors (ACS: ~25% Hispanic), not the U.S. 8-9%
    ccns = {x for (x,) in _sql(r.db, f"SELECT ccn FROM facilities WHERE cohort_id = {c} AND source = 'cms'")}
    assert ccns and ccns <= set(hospitals().ccn)


def test_match_the_actual_population_of_harris_county(tmp_path):
    req = parse_request("Match the actual population of Harris County", count=400)
    demo = req.profile.demographics
    assert demo.source == "populationsim" and demo.age is None and demo.race is None
    assert req.profile.geography.counties == ["48201"] and not req.profile.conditions
    kinds = {o.type for o in req.profile.coverage.options}
    assert {"commercial", "medicaid", "medicare", "uninsured"} <= kinds
    r = api.generate(req.profile, tmp_path / "m.duckdb")
    c = r.cohort_id
    ages = np.array([a for (a,) in _sql(r.db, f"SELECT age FROM persons WHERE cohort_id = {c}")])
    assert ages.min() < 18 and ages.max() >= 65 and 28 < np.median(ages) < 42  # all ages (ACS median ~34)
    over65 = _sql(r.db, f"""SELECT count(*) FILTER (WHERE pl.coverage_type NOT IN ('medicare',
            'medicare_advantage', 'dual')) FROM enrollments e JOIN persons p USING (cohort_id, person_id)
        JOIN plans pl ON pl.cohort_id = e.cohort_id AND pl.plan_id = e.plan_id
        WHERE e.cohort_id = {c} AND p.age >= 65""")[0][0]
    assert over65 == 0
    codes = {x for (x,) in _sql(r.db, f"SELECT DISTINCT code FROM conditions WHERE cohort_id = {c}")}
    assert {"E11.9", "I10", "E66.9"} <= codes  # CDC PLACES prevalence of the county
    hispanic = _sql(r.db, f"SELECT avg((ethnicity = 'hispanic')::INT) FROM persons WHERE cohort_id = {c}")[0][0]
    assert 0.34 < hispanic < 0.52  # ACS 2015-19: 43% of Harris County is Hispanic


@pytest.mark.parametrize(("request_text", "fips"), [
    ("match the population of Cook County", "17031"),
    ("1,000 people representative of the population of San Diego County", "06073"),
])
def test_match_phrases_name_the_place(request_text, fips):
    req = parse_request(request_text)
    assert req.profile.geography.counties == [fips]
    assert req.profile.demographics.source == "populationsim"
    assert "match" not in " ".join(req.unrecognized)


def test_low_income_adults_in_rural_georgia(tmp_path):
    r = _generate("500 low-income adults in rural Georgia", tmp_path, count=300)
    c = r.cohort_id
    rows = _sql(r.db, f"""SELECT p.state, p.urban, s.income_fpl_ratio FROM persons p
        JOIN person_sdoh s USING (cohort_id, person_id) WHERE p.cohort_id = {c}""")
    assert {(s, u) for s, u, _ in rows} == {("GA", False)}
    assert all(f < 2.0 for *_, f in rows)  # below 200% FPL
    median = _sql(r.db, f"SELECT median(distance_km) FROM pcp_attributions WHERE cohort_id = {c}")[0][0]
    assert median <= 35  # rural members travel farther (published: 2-3 x urban)


def test_the_profile_builder_offers_to_match_the_local_population():
    turn = pb.start("500 members in Cook County, Illinois")
    turn = pb.reply(turn.state, "")  # accept phase 1
    asked = {q.key: q.text for q in turn.questions}
    assert "match_place" in asked and "local population" in asked["match_place"]
    turn = pb.reply(turn.state, "match the local population")
    assert turn.state.facts.match_place
    from healthsim.builders.compose import compose

    spec = compose(turn.state.facts).profile
    assert spec.demographics.source == "populationsim" and spec.geography.counties == ["17031"]
    fresh = pb.start("")
    fresh = pb.reply(fresh.state, "commercial adults, 200")
    geography = {q.key: q.text for q in fresh.questions}.get("geography", "")
    assert "match the local population" in geography
