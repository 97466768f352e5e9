"""Each journey kind and timing type on small synthetic specs: shares, windows, counts."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from healthsim import api
from healthsim.errors import SpecError

Z99 = 2.5758
PROFILE = "commercial-healthy"


def _run(tmp_path, journey: dict, count: int = 4000, seed: int = 5, profile: str = PROFILE):
    spec = api.load_profile(profile, count=count, seed=seed, journeys=[journey])
    result = api.generate(spec, tmp_path / "k.duckdb")
    return result, duckdb.connect(str(result.db), read_only=True)


def _within(share: float, p: float, n: int) -> bool:
    return abs(share - p) <= Z99 * np.sqrt(p * (1 - p) / n) + 1e-9


def test_branch_shares_match_their_probabilities(tmp_path):
    journey = {"journey_name": "branches", "kind": "branching", "duration": 30, "phases": [{"name": "p", "events": [
        {"type": "encounter", "id": "ed", "setting": "emergency", "diagnoses": ["R07.9"]},
        {"type": "decision", "id": "d", "timing": {"relative_to": "ed", "at": 0}, "branches": [
            {"name": "admit", "probability": 0.2, "events": [
                {"type": "encounter", "id": "stay", "setting": "inpatient", "admitted_from": "ed",
                 "timing": {"relative_to": "ed", "at": 0}, "diagnoses": ["R07.9"]}]},
            {"name": "home", "probability": 0.8}]}]}]}
    _result, con = _run(tmp_path, journey)
    ed, stays, linked = con.execute("""SELECT count(*) FILTER (WHERE type = 'emergency'),
        count(*) FILTER (WHERE type = 'inpatient'), count(admitted_from_encounter_id) FROM encounters""").fetchone()
    assert ed > 2000 and _within(stays / ed, 0.2, ed)
    assert linked == stays
    bad = con.execute("""SELECT count(*) FROM encounters i JOIN encounters e ON e.encounter_id = i.admitted_from_encounter_id
                         WHERE i.start_time <> e.end_time""").fetchone()[0]
    assert bad == 0


def test_protocol_visits_fall_inside_their_windows_and_missed_share(tmp_path):
    journey = {"journey_name": "protocol", "kind": "protocol", "duration": 200, "start": {"anchor": "coverage_start"},
               "phases": [{"name": "trial", "window": "0-200 days", "events": [
                   {"type": "encounter", "id": "baseline", "timing": {"at": 0}, "diagnoses": ["Z00.00"]},
                   {"type": "encounter", "id": "day90", "timing": {"window": {"target": 90, "tolerance": 7},
                                                                 "missed": 0.1}, "diagnoses": ["Z00.00"]}]}]}
    _result, con = _run(tmp_path, journey)
    rows = con.execute("""SELECT datediff('day', b.start_time::DATE, v.start_time::DATE)
        FROM encounters v JOIN encounters b ON b.person_id = v.person_id AND b.journey_event = 'baseline'
        WHERE v.journey_event = 'day90'""").fetchall()
    offsets = np.array([r[0] for r in rows])
    assert offsets.min() >= 83 and offsets.max() <= 97
    assert abs(offsets.mean() - 90) < 0.5
    full = ("person_id IN (SELECT person_id FROM enrollments GROUP BY 1 HAVING count(*) = 1 "
            "AND max(end_date) = DATE '2025-12-31')")
    baselines = con.execute("SELECT count(*) FROM encounters WHERE journey_event = 'baseline' "
                            f"AND start_time < TIMESTAMP '2025-09-01' AND {full}").fetchone()[0]
    early = con.execute(f"""SELECT count(*) FROM encounters v JOIN encounters b ON b.person_id = v.person_id
        AND b.journey_event = 'baseline' WHERE v.journey_event = 'day90' AND b.start_time < TIMESTAMP '2025-09-01'
        AND b.{full}""").fetchone()[0]
    assert _within(early / baselines, 0.9, baselines)


def test_recurring_counts_follow_their_distribution(tmp_path):
    journey = {"journey_name": "recurring", "duration": 365, "start": {"anchor": "date", "on": "2025-01-01"},
               "phases": [{"name": "p", "events": [
                   {"type": "encounter", "id": "anchor", "setting": "telehealth", "timing": {"at": 0}},
                   {"type": "encounter", "id": "pt", "setting": "therapy", "em": "none",
                    "timing": {"relative_to": "anchor", "every": 3, "at": 1, "count": {"distribution": "poisson",
                                                                                         "mean": 6}}}]}]}
    spec = api.load_profile(PROFILE, count=3000, seed=9, journeys=[journey])
    spec.coverage.enrollment.continuous_share = 1.0
    data = spec.model_dump(mode="json", by_alias=True)
    data["coverage"]["enrollment"] = {"continuous_share": 1.0, "late_start_share": 0, "early_term_share": 0,
                                      "gap_share": 0}
    result = api.generate(api.load_profile(data), tmp_path / "r.duckdb")
    with duckdb.connect(str(result.db), read_only=True) as con:
        counts = np.array([r[0] for r in con.execute("""SELECT count(v.encounter_id) FROM encounters a
            LEFT JOIN encounters v ON v.person_id = a.person_id AND v.journey_event = 'pt'
            WHERE a.journey_event = 'anchor' GROUP BY a.person_id""").fetchall()])
        gaps = con.execute("""SELECT min(d), max(d) FROM (SELECT datediff('day', lag(start_time::DATE) OVER
            (PARTITION BY person_id ORDER BY start_time), start_time::DATE) d FROM encounters WHERE journey_event='pt')
            WHERE d IS NOT NULL""").fetchone()
    n = len(counts)
    assert abs(counts.mean() - 6) < Z99 * np.sqrt(6 / n)
    assert abs(counts.var() - 6) < 1.0
    assert gaps == (3, 3)


def test_lifecycle_states_and_death_end_the_record(tmp_path):
    journey = {"journey_name": "ckd", "kind": "lifecycle", "duration": "2 years", "lifecycle": {
        "cycle": 30, "initial": {"distribution": "categorical", "weights": {"stage3": 1.0}},
        "states": {"stage3": {"transitions": {"stage4": 0.05, "death": 0.01}, "events": [
                       {"type": "encounter", "timing": {"every": 60, "at": 5}, "diagnoses": ["N18.30"],
                        "labs": ["bmp"]}]},
                   "stage4": {"transitions": {"dialysis": 0.05, "death": 0.03}},
                   "dialysis": {"transitions": {"death": 0.05}},
                   "death": {"death": True, "cause": "N18.6"}}}}
    _result, con = _run(tmp_path, journey, profile="medicare-diabetic")
    states = dict(con.execute("SELECT state, count(*) FROM journey_states GROUP BY 1").fetchall())
    assert states["stage3"] > 3000 and states.get("stage4", 0) > 0 and states.get("death", 0) > 0
    after = con.execute("""SELECT count(*) FROM encounters e JOIN deaths d USING (person_id)
                           WHERE e.start_time::DATE > d.death_date""").fetchone()[0]
    assert after == 0
    order = con.execute("""SELECT count(*) FROM journey_states a JOIN journey_states b USING (person_id)
        WHERE a.state = 'stage4' AND b.state = 'stage3' AND b.start_date > a.start_date""").fetchone()[0]
    assert order == 0  # no way back from stage 4 in this spec


def test_a1c_trajectory_is_continuous_and_drops_after_metformin(tmp_path):
    spec = api.load_profile("new-type2-diabetes", count=3000, seed=4, journeys=["diabetic-first-year"])
    result = api.generate(spec, tmp_path / "a.duckdb")
    with duckdb.connect(str(result.db), read_only=True) as con:
        rows = con.execute("""SELECT person_id, value FROM observations WHERE loinc = '4548-4'
                              ORDER BY person_id, time""").fetchall()
        flags = con.execute("""SELECT count(*) FILTER (WHERE value > 5.6 AND abnormal_flag <> 'H')
                               FROM observations WHERE loinc = '4548-4'""").fetchone()[0]
    pid = np.array([r[0] for r in rows])
    value = np.array([r[1] for r in rows])
    same = pid[1:] == pid[:-1]
    first_idx = np.r_[0, np.flatnonzero(~same) + 1]
    second = first_idx[(first_idx + 1 < len(pid)) & np.r_[same, False][first_idx]]
    drop = value[second] - value[second + 1]
    assert 0.6 < drop.mean() < 1.6  # metformin ~ -1.1 points by the 3-month check
    # consecutive within-person changes are far smaller than the between-person spread
    within = np.abs(np.diff(value)[same][~np.isin(np.flatnonzero(same), second)]).mean()
    assert within < 0.5 * value.std()
    assert flags == 0


@pytest.mark.parametrize("journey, path", [
    ({"journey_name": "x", "phases": [{"name": "p", "events": [
        {"type": "encounter", "id": "a", "timing": {"relative_to": "b", "at": 1}},
        {"type": "encounter", "id": "b", "timing": {"relative_to": "a", "at": 1}}]}]}, "timing.relative_to"),
    ({"journey_name": "x", "phases": [{"name": "p", "window": "0-30 days", "events": [
        {"type": "encounter", "timing": {"window": {"target": 20, "tolerance": 15}}}]}]}, "phases[0].events[0].timing"),
    ({"journey_name": "x", "phases": [{"name": "p", "events": [{"type": "encountr"}]}]}, "phases[0].events[0].type"),
    ({"journey_name": "x", "kind": "branching", "phases": [{"name": "p", "events": [{"type": "decision", "branches": [
        {"name": "a", "probability": 0.5}, {"name": "b", "probability": 0.4}]}]}]}, "phases[0].events[0].branches"),
    ({"journey_name": "x", "kind": "lifecycle", "lifecycle": {"initial": {"distribution": "categorical",
      "weights": {"remission": 1.0}}, "states": {"remission": {"transitions": {"relapse": 0.1}},
                                                  "relapse": {"transitions": {"remission": 0.3}}}}},
     "lifecycle.states"),
])
def test_invalid_journeys_name_the_field_and_write_nothing(tmp_path, journey, path):
    db = tmp_path / "none.duckdb"
    with pytest.raises(SpecError) as err:
        spec = api.load_profile(PROFILE, count=100, journeys=[journey])
        api.generate(spec, db)
    assert path in str(err.value)
    assert "cycle with no exit" in str(err.value) or path != "timing.relative_to"
    assert not db.exists()


def test_profile_attaches_journeys_by_condition(tmp_path):
    data = api.load_template("medicare-diabetic", kind="profile")
    data["count"] = 2000
    data["journeys"] = [{"template": "chf-lifecycle", "when": {"condition": "I50"}}]
    result = api.generate(api.load_profile(data), tmp_path / "c.duckdb")
    with duckdb.connect(str(result.db), read_only=True) as con:
        outside = con.execute("""SELECT count(DISTINCT person_id) FROM encounters WHERE journey = 'CHF Lifecycle' AND person_id NOT IN
                                 (SELECT person_id FROM conditions WHERE code LIKE 'I50%')""").fetchone()[0]
        inside = con.execute("SELECT count(DISTINCT person_id) FROM encounters").fetchone()[0]
    assert outside == 0 and inside > 100
