"""Site enrollment rates: each site opens on its activation day and screens its candidates as a
Poisson process at its own rate; the counts per site add up to the trial's."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from healthsim import api


def q(db, sql, params=None) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchdf()


def test_sites_screen_from_their_activation_at_their_rate(trials):
    db, cid = trials["db"], trials["onc"]["cohort"]  # nsclc-phase2 states site_rate 3, CV 0.6, 3 months
    sites = q(db, "SELECT * FROM trial_sites WHERE cohort_id = ?", [cid])
    subj = q(db, "SELECT site_id, consent_date, screen_failed FROM trial_subjects WHERE cohort_id = ?", [cid])
    assert sites["screened"].sum() == len(subj) and sites["randomized"].sum() == (~subj["screen_failed"]).sum()
    assert sites["screening_rate"].notna().all() and sites["screening_rate"].nunique() == len(sites)
    start = pd.to_datetime(q(db, "SELECT start_date FROM studies WHERE cohort_id = ?", [cid])["start_date"][0])
    act = pd.to_datetime(sites["activation_date"])
    assert ((act - act.min()).dt.days <= 3 * 30).all()
    joined = subj.merge(sites[["site_id", "activation_date"]], on="site_id")
    assert (pd.to_datetime(joined["consent_date"]) >= pd.to_datetime(joined["activation_date"])).all()
    assert pd.to_datetime(subj["consent_date"]).min() >= start


def test_a_fixed_rate_gives_poisson_counts(tmp_path):
    from healthsim.templates import load_template

    doc = load_template("t2d-phase3", "trial")
    doc["subjects"] = 30
    doc["recruitment"] |= {"site_rate": 1.0, "site_rate_cv": 0.0, "site_activation_months": 0}
    run = api.generate_trial(api.load_protocol(doc), tmp_path / "t.duckdb")
    db, cid = tmp_path / "t.duckdb", run.result.cohort_id
    sites = q(db, "SELECT * FROM trial_sites WHERE cohort_id = ?", [cid])
    assert np.allclose(sites["screening_rate"], 1.0)
    consent = pd.to_datetime(q(db, "SELECT consent_date FROM trial_subjects WHERE cohort_id = ?", [cid])["consent_date"])
    months = (consent.max() - pd.to_datetime(sites["activation_date"]).min()).days / 30.44
    expected = len(sites) * months  # every site open the whole time at 1 a month
    got = int(sites["screened"].sum())
    assert abs(got - expected) <= 3 * np.sqrt(expected) + 2, (got, expected)
    # without a stated rate: consent on uniform days, no per-site rate
    plain = api.generate_trial(api.load_protocol("t2d-phase3", subjects=30), tmp_path / "u.duckdb")
    s2 = q(tmp_path / "u.duckdb", "SELECT * FROM trial_sites WHERE cohort_id = ?", [plain.result.cohort_id])
    assert s2["screening_rate"].isna().all() and s2["activation_date"].nunique() == 1


def test_rate_scales_with_the_subjects_asked_and_a_slow_rate_says_so(tmp_path):
    assert api.load_protocol("nsclc-phase2").recruitment.site_rate == 3.0
    assert api.load_protocol("nsclc-phase2", subjects=240).recruitment.site_rate == 6.0
    from healthsim.templates import load_template

    doc = load_template("nsclc-phase2", "trial") | {"subjects": 40}
    doc["recruitment"] = doc["recruitment"] | {"site_rate": 0.2}
    run = api.generate_trial(api.load_protocol(doc), tmp_path / "t.duckdb")
    assert run.summary["randomised"] < 40 and "recruitment.site_rate" in run.summary["shortfall"]
